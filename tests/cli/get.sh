#!/bin/sh
# sigil get (issue 14): bounded waits with a reason (--connect-timeout,
# --max-time), --resolve and --connect-to with curl's meanings, exit
# statuses as in the README's table, and errors that say what to do
# (the development CA, a client certificate, a redirect without -L, a
# --session the server gave no ticket for).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }
have python3 || { skip "get.sh: python3 is not installed"; finish; }
export SIGIL_HOME="$TMP/home"
PEERPY="python3 $HERE/peer.py"

# get NAME ARGS...: sigil get under a generous bound; $rc, $secs (whole
# seconds taken), $TMP/NAME.out, $TMP/NAME.err.
get() {
	n=$1
	shift
	t0=$(date +%s)
	timeout $((30 * TMUL)) "$SIGIL" get "$@" >"$TMP/$n.out" 2>"$TMP/$n.err" </dev/null
	rc=$?
	secs=$(($(date +%s) - t0))
}

# peer LOG MODE ARGS...: a peer.py server; sets PP (its port).
peer() {
	log=$1
	shift
	start_bg "$log" 70 python3 "$HERE/peer.py" "$@"
	wait_for "$log" '^port ' 10
	PP=$(sed -n 's/^port //p' "$log")
}

"$SIGIL" ca init "$TMP/ca" --name "get test CA" >/dev/null 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/site" >/dev/null 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --client alice --out "$TMP/alice" >/dev/null 2>&1
check "setup: a CA, a site and a client certificate" '[ -s "$TMP/site.crt" ] && [ -s "$TMP/alice.crt" ]'
CA=$TMP/ca/root.crt

# ---- a server that never answers: bounded, with a reason ---------------------
peer "$TMP/silent.log" silent
get silent --cacert "$CA" --connect-timeout 2 "https://127.0.0.1:$PP/"
# The old client waited 30 s and printed "sigil get: 127.0.0.1: ".
check "a silent server: exit 3 within the bound (${secs} s), the reason given" \
	'[ $rc -eq 3 ] && [ $secs -lt 10 ] &&
	 grep -q "timed out after 2 s waiting for the server.s first flight (--connect-timeout 2)" "$TMP/silent.err"' \
	"$TMP/silent.err"
get silent10 --cacert "$CA" "https://127.0.0.1:$PP/"
check "the default --connect-timeout is 10 s (${secs} s)" \
	'[ $rc -eq 3 ] && [ $secs -ge 9 ] && [ $secs -lt 25 ] && grep -q "timed out after 10 s" "$TMP/silent10.err"' \
	"$TMP/silent10.err"
peer "$TMP/mute.log" mute "$TMP/site.crt" "$TMP/site.key"
get mute --cacert "$CA" --max-time 2 "https://127.0.0.1:$PP/"
check "a server that takes the request and never answers: --max-time 2 (${secs} s)" \
	'[ $rc -eq 3 ] && [ $secs -lt 10 ] && grep -q "timed out after 2 s waiting for the response (--max-time 2)" "$TMP/mute.err"' \
	"$TMP/mute.err"
peer "$TMP/tls12.log" tls12 "$TMP/site.crt" "$TMP/site.key"
get tls12 --cacert "$CA" "https://127.0.0.1:$PP/"
check "a TLS 1.2-only server: exit 4 (TLS)" '[ $rc -eq 4 ] && grep -q "protocol_version" "$TMP/tls12.err"' "$TMP/tls12.err"

# ---- a real server -----------------------------------------------------------
mkdir -p "$TMP/root/sub"
echo hello >"$TMP/root/hello.txt"
echo in-sub >"$TMP/root/sub/index.html"
PORT=$(free_port)
start_bg "$TMP/serve.log" 60 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 1 --cert "$TMP/site.crt" \
	--key "$TMP/site.key" --root "$TMP/root"
wait_for "$TMP/serve.log" '^sigil serve: https://' 10

get ok --cacert "$CA" "https://localhost:$PORT/hello.txt"
check "exit 0 and the body" '[ $rc -eq 0 ] && [ "$(cat "$TMP/ok.out")" = hello ]' "$TMP/ok.err"

# --resolve: the connection goes to ADDR; SNI and the name check keep HOST.
get res1 --cacert "$CA" --resolve "shop.invalid:$PORT:127.0.0.1" "https://shop.invalid:$PORT/hello.txt"
check "--resolve HOST:PORT:ADDR connects to ADDR, the certificate is checked for HOST (exit 5)" \
	'[ $rc -eq 5 ] && grep -q "shop.invalid" "$TMP/res1.err"' "$TMP/res1.err"
get res2 --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/hello.txt"
check "--resolve for a name in the certificate: exit 0" '[ $rc -eq 0 ] && grep -q hello "$TMP/res2.out"' "$TMP/res2.err"
get res3 --cacert "$CA" --resolve "localhost:1:127.0.0.1" --resolve "localhost:$PORT:127.0.0.9" -v \
	"https://localhost:$PORT/hello.txt"
check "--resolve picks the entry of HOST:PORT (127.0.0.9 refuses)" \
	'[ $rc -eq 3 ] && grep -q "127.0.0.9 port $PORT" "$TMP/res3.err"' "$TMP/res3.err"
get res6 --cacert "$CA" --resolve "localhost:$PORT:[::1]" "https://localhost:$PORT/hello.txt"
check "--resolve with [IPv6] (nothing listens on ::1: exit 3)" '[ $rc -eq 3 ] && grep -q "::1" "$TMP/res6.err"' \
	"$TMP/res6.err"
get ct1 --cacert "$CA" --connect-to "localhost:443:127.0.0.1:$PORT" "https://localhost/hello.txt"
check "--connect-to HOST:PORT:HOST2:PORT2" '[ $rc -eq 0 ] && grep -q hello "$TMP/ct1.out"' "$TMP/ct1.err"
get ct2 --cacert "$CA" --connect-to "::127.0.0.1:$PORT" "https://localhost/hello.txt"
check "--connect-to with empty HOST and PORT matches any" '[ $rc -eq 0 ]' "$TMP/ct2.err"
get ct3 --cacert "$CA" --connect-to "other:443:127.0.0.1:$PORT" "https://localhost:$PORT/hello.txt"
check "--connect-to that does not match is not used" '[ $rc -eq 0 ]' "$TMP/ct3.err"
get ct4 --cacert "$CA" --connect-to "localhost:443:127.0.0.1:$PORT" "https://shop.invalid/hello.txt"
check "--connect-to keeps the URL's host for the certificate check" '[ $rc -ne 0 ]' "$TMP/ct4.err"
get ct5 --cacert "$CA" --connect-to "localhost:443:localhost2:$PORT" --resolve "localhost2:$PORT:127.0.0.1" \
	"https://localhost/hello.txt"
check "--resolve applies to the --connect-to target" '[ $rc -eq 0 ]' "$TMP/ct5.err"
for bad in "localhost:$PORT" "localhost:99999:127.0.0.1" "localhost:$PORT:not-an-ip"; do
	get badres --resolve "$bad" "https://localhost/"
	check "--resolve $bad: exit 2 with the form" '[ $rc -eq 2 ] && grep -q "want HOST:PORT:ADDR" "$TMP/badres.err"' \
		"$TMP/badres.err"
done
get badct --connect-to "a:b:c:d" "https://localhost/"
check "--connect-to a:b:c:d: exit 2 with the form" '[ $rc -eq 2 ] && grep -q "want HOST:PORT:HOST2:PORT2" "$TMP/badct.err"' \
	"$TMP/badct.err"

# ---- errors that say what to do ----------------------------------------------
get redir --cacert "$CA" "https://localhost:$PORT/sub"
check "a 301 without -L: exit 6, the Location, and -L named" \
	'[ $rc -eq 6 ] && grep -q "the document is at /sub/; -L follows it" "$TMP/redir.err"' "$TMP/redir.err"
get redirL --cacert "$CA" -L "https://localhost:$PORT/sub"
check "... and -L follows it" '[ $rc -eq 0 ] && grep -q in-sub "$TMP/redirL.out"' "$TMP/redirL.err"
get e404 --cacert "$CA" "https://localhost:$PORT/nope"
check "a 404: exit 6" '[ $rc -eq 6 ] && grep -q "HTTP 404" "$TMP/e404.err"' "$TMP/e404.err"

# The development CA: its path, --cacert and sigil trust named.
DPORT=$(free_port)
start_bg "$TMP/dev.log" 60 "$SIGIL" serve --listen "127.0.0.1:$DPORT" --threads 1
wait_for "$TMP/dev.log" '^sigil serve: https://' 10
get dev "https://localhost:$DPORT/"
check "against the development server without --cacert: exit 5, its CA's path, --cacert and sigil trust" \
	'[ $rc -eq 5 ] && grep -q "unknown issuer \"CN=sigil development CA\"" "$TMP/dev.err" &&
	 grep -q -- "--cacert $SIGIL_HOME/ca/root.crt" "$TMP/dev.err" && grep -q "sigil trust" "$TMP/dev.err"' "$TMP/dev.err"
get other --cacert "$SIGIL_HOME/ca/root.crt" "https://localhost:$PORT/"
check "a CA that did not issue it: exit 5, --cacert named" \
	'[ $rc -eq 5 ] && grep -q "give --cacert FILE with the CA that issued" "$TMP/other.err"' "$TMP/other.err"

# A server that requires a client certificate.
MPORT=$(free_port)
start_bg "$TMP/mtls.log" 60 "$SIGIL" serve --listen "127.0.0.1:$MPORT" --threads 1 --cert "$TMP/site.crt" \
	--key "$TMP/site.key" --client-ca "$CA" --require-client-cert
wait_for "$TMP/mtls.log" '^sigil serve: https://' 10
get nocert --cacert "$CA" "https://localhost:$MPORT/"
check "certificate_required: exit 4, --cert and --key named" \
	'[ $rc -eq 4 ] && grep -q "the server requires a client certificate: use --cert FILE --key FILE" "$TMP/nocert.err"' \
	"$TMP/nocert.err"
get withcert --cacert "$CA" --cert "$TMP/alice.crt" --key "$TMP/alice.key" --session "$TMP/m.sess" \
	"https://localhost:$MPORT/"
check "with a client certificate: exit 0" '[ $rc -eq 0 ]' "$TMP/withcert.err"
# A server asking for client certificates sends no ticket (sigil.h).
check "--session with no ticket from the server: said, nothing written" \
	'grep -q -- "--session $TMP/m.sess: the server sent no session ticket" "$TMP/withcert.err" && [ ! -e "$TMP/m.sess" ]' \
	"$TMP/withcert.err"
get sess --cacert "$CA" --session "$TMP/s.sess" "https://localhost:$PORT/hello.txt"
check "--session with a ticket: saved, nothing said" '[ $rc -eq 0 ] && [ -s "$TMP/s.sess" ] && [ ! -s "$TMP/sess.err" ]' \
	"$TMP/sess.err"

# ---- -L: what crosses to another origin (curl's rules), https -> http ----
start_bg "$TMP/redir.log" 70 python3 "$HERE/peer.py" redir "$TMP/site.crt" "$TMP/site.key"
wait_for "$TMP/redir.log" '^port [0-9]* *$' 10
sleep 0.2
A=$(sed -n 's/^port //p' "$TMP/redir.log" | sed -n 1p)
B=$(sed -n 's/^port //p' "$TMP/redir.log" | sed -n 2p)
CRED="-H Authorization:Bearer-s3cret -H Cookie:session=s3cret -H Proxy-Authorization:Basic-s3cret -H X-Kept:yes"
# shellcheck disable=SC2086
get l302 --cacert "$CA" -L -d "body-s3cret" $CRED "https://127.0.0.1:$A/r302"
check "-L, a POST, 302 to another origin: exit 0" '[ $rc -eq 0 ] && grep -q "^GET /echo HTTP/1.1" "$TMP/l302.out"' \
	"$TMP/l302.out" "$TMP/l302.err"
check "... Authorization, Cookie and Proxy-Authorization do not cross, nor the body" \
	'! grep -qi "s3cret" "$TMP/l302.out" && ! grep -qi "^content-length" "$TMP/l302.out" && grep -q "^X-Kept: *yes" "$TMP/l302.out"' \
	"$TMP/l302.out"
for st in 301 303; do
	# shellcheck disable=SC2086
	get "l$st" --cacert "$CA" -L -d "body-s3cret" $CRED "https://127.0.0.1:$A/r$st"
	check "... the same after a $st (GET, no body, no credentials)" \
		'[ $rc -eq 0 ] && grep -q "^GET /echo" "$TMP/l$st.out" && ! grep -qi s3cret "$TMP/l$st.out"' "$TMP/l$st.out"
done
for st in 307 308; do
	# shellcheck disable=SC2086
	get "l$st" --cacert "$CA" -L -d "body-kept" $CRED "https://127.0.0.1:$A/r$st"
	check "... a $st keeps the POST and its body, not the credentials" \
		'[ $rc -eq 0 ] && grep -q "^POST /echo" "$TMP/l$st.out" && grep -q "body-kept" "$TMP/l$st.out" &&
		 ! grep -qi s3cret "$TMP/l$st.out"' "$TMP/l$st.out"
done
# shellcheck disable=SC2086
get lsame --cacert "$CA" -L $CRED "https://127.0.0.1:$A/same302"
check "a redirect on the same origin keeps the credentials" \
	'[ $rc -eq 0 ] && grep -q "^Authorization: *Bearer-s3cret" "$TMP/lsame.out" && grep -q "^Cookie: *session=s3cret" "$TMP/lsame.out"' \
	"$TMP/lsame.out"
get lrel --cacert "$CA" -L "https://127.0.0.1:$A/rel"
check "a relative Location is resolved (RFC 3986 5.2: ../sub/../echo?x=1 from /rel)" \
	'[ $rc -eq 0 ] && grep -q "^GET /echo?x=1 HTTP/1.1" "$TMP/lrel.out"' "$TMP/lrel.out" "$TMP/lrel.err"
get lhttp --cacert "$CA" -L -H "Authorization: Bearer s3cret" "https://127.0.0.1:$A/tohttp"
check "an https -> http redirect is refused: exit 6, the reason" \
	'[ $rc -eq 6 ] && grep -q "it leaves TLS (https to http)" "$TMP/lhttp.err"' "$TMP/lhttp.err"
get llong --cacert "$CA" -L "https://127.0.0.1:$A/long"
check "a Location of 5,000 bytes is an error (exit 6), not a silent exit 0" \
	'[ $rc -eq 6 ] && grep -q "the Location is 5001 bytes long" "$TMP/llong.err"' "$TMP/llong.err"

# ---- --max-time bounds the whole transfer ----
peer "$TMP/drip.log" drip "$TMP/site.crt" "$TMP/site.key"
get drip --cacert "$CA" --max-time 3 "https://127.0.0.1:$PP/"
# (A server dripping a byte every 2 s held it for over 40 s.)
check "a server dripping a byte every 2 s: --max-time 3 ends it (${secs} s), exit 3" \
	'[ $rc -eq 3 ] && [ $secs -lt 12 ] && grep -q "timed out after 3 s reading the body (--max-time 3)" "$TMP/drip.err"' \
	"$TMP/drip.err"
finish
