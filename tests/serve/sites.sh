#!/bin/sh
# Several sites on one `sigil serve` (issue 20): --cert/--key repeated,
# the certificate chosen by the client's SNI (exact names, then a
# wildcard), ECDSA or RSA for one host by what the client can verify, the
# default for clients without SNI; the --config file's cert/key lines;
# SIGHUP reloading all of them or keeping all the old ones; ETag and
# If-None-Match / If-Match / If-Range over HTTP/1.1 and h2.  Real peers:
# openssl s_client -servername, curl --resolve.  127.0.0.1 only.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

export SIGIL_HOME="$TMP/home"
if [ ! -x "$SIGIL" ]; then
	echo "missing $SIGIL: run make"
	fail "build"
	finish
fi
for tool in curl openssl; do
	if ! have "$tool"; then
		skip "sites.sh: $tool is not installed"
		finish
	fi
done

# ---------------------------------------------------------------------------
# The sites: alpha.test (+www), gamma.test (ECDSA), beta.test with an RSA
# chain (added first) and an ECDSA one, and *.example.test.
CA=$TMP/ca/root.crt
{
	"$SIGIL" ca init "$TMP/ca" --name "sites test CA" &&
	"$SIGIL" ca issue "$TMP/ca" --server alpha.test,www.alpha.test --out "$TMP/alpha" &&
	"$SIGIL" ca issue "$TMP/ca" --server beta.test --key-type rsa-2048 --out "$TMP/beta-rsa" &&
	"$SIGIL" ca issue "$TMP/ca" --server beta.test --out "$TMP/beta-ec" &&
	"$SIGIL" ca issue "$TMP/ca" --server gamma.test --out "$TMP/gamma" &&
	"$SIGIL" ca issue "$TMP/ca" --server '*.example.test' --out "$TMP/wild" &&
	"$SIGIL" ca issue "$TMP/ca" --server gamma.test --out "$TMP/gamma2"
} >"$TMP/ca.log" 2>&1 || {
	fail "sigil ca makes the certificates" "$TMP/ca.log"
	finish
}
for n in alpha beta-rsa beta-ec gamma wild; do
	cp "$TMP/$n.crt" "$TMP/live-$n.crt"
	cp "$TMP/$n.key" "$TMP/live-$n.key"
done
PAIRS=
for n in alpha beta-rsa beta-ec gamma wild; do
	PAIRS="$PAIRS --cert $TMP/live-$n.crt --key $TMP/live-$n.key"
done

# serve LOG ARGS...: sigil serve on a fresh port ($PORT, $SPID).
serve() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 120 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 1 "$@"
	SPID=$BG
	wait_for "$log" '^sigil serve: https://' 10
}

# sighup: to sigil itself (timeout(1) passes on only the first signal).
sighup() {
	kill -HUP "$(ps -o pid= --ppid "$SPID" | tr -d ' ' | head -n 1)"
}

# leaf PORT SNI [OPENSSL ARGS...]: the leaf the server sends for SNI
# ("-" for none), as text (subject, key algorithm, serial), in $TMP/leaf;
# the s_client log in $TMP/sc.err.  Verified against the CA, for the
# name when there is one.
leaf() {
	p=$1
	name=$2
	shift 2
	if [ "$name" = - ]; then
		set -- -noservername "$@"
	else
		set -- -servername "$name" -verify_hostname "$name" "$@"
	fi
	timeout $T openssl s_client -connect "127.0.0.1:$p" -CAfile "$CA" -verify_return_error "$@" \
		</dev/null >"$TMP/sc.out" 2>"$TMP/sc.err"
	openssl x509 -in "$TMP/sc.out" -noout -subject -serial -text 2>/dev/null |
		grep -E '^subject|^serial|Public Key Algorithm' >"$TMP/leaf"
}

# anyleaf PORT SNI: the leaf for SNI, unverified, into $TMP/leaf.
anyleaf() {
	timeout $T openssl s_client -connect "127.0.0.1:$1" -servername "$2" </dev/null 2>/dev/null |
		openssl x509 -noout -subject >"$TMP/leaf" 2>/dev/null
}

# cn: the CN of the leaf last fetched; alg: ec or rsa.
cn() {
	sed -n 's/^subject=.*CN *= *\([^,]*\).*/\1/p' "$TMP/leaf"
}
alg() {
	if grep -q id-ecPublicKey "$TMP/leaf"; then echo ec; elif grep -q rsaEncryption "$TMP/leaf"; then echo rsa; fi
}

# ---------------------------------------------------------------------------
# 1. Usage: the pairs must pair up.
timeout $T "$SIGIL" serve --cert "$TMP/alpha.crt" --cert "$TMP/gamma.crt" --key "$TMP/alpha.key" --check \
	>"$TMP/use.out" 2>"$TMP/use.err"
rc=$?
check "usage: 2 --cert and 1 --key is a usage error (exit 2) that says so" \
	'[ $rc -eq 2 ] && grep -q "in pairs in the same order: 2 --cert and 1 --key given" "$TMP/use.err"' "$TMP/use.err"
timeout $T "$SIGIL" serve --cert "$TMP/alpha.crt" --key "$TMP/gamma.key" --cert "$TMP/gamma.crt" \
	--key "$TMP/alpha.key" --check >"$TMP/use.out" 2>"$TMP/use.err"
rc=$?
check "usage: keys in the wrong order: the pair is named, exit 7" \
	'[ $rc -eq 7 ] && grep -q "alpha.crt, --key .*gamma.key: the private key does not match" "$TMP/use.err"' \
	"$TMP/use.err"
# shellcheck disable=SC2086
timeout $T "$SIGIL" serve $PAIRS --check >"$TMP/use.out" 2>"$TMP/use.err"
rc=$?
check "--check with five pairs: ok" '[ $rc -eq 0 ] && grep -q ": ok$" "$TMP/use.out"' "$TMP/use.err"

# ---------------------------------------------------------------------------
# 2. One server, five pairs: the start-up log, then the choice.
# shellcheck disable=SC2086
serve "$TMP/s.log" $PAIRS || fail "the server starts" "$TMP/s.log"
S=$PORT
check "the start-up log lists each certificate with its names, the first the default" \
	'grep -q "certificate 1 of 5 (the default): $TMP/live-alpha.crt: CN=alpha.test; DNS:alpha.test, DNS:www.alpha.test" "$TMP/s.log" &&
	 grep -q "certificate 2 of 5: $TMP/live-beta-rsa.crt: CN=beta.test; DNS:beta.test" "$TMP/s.log" &&
	 grep -q "certificate 5 of 5: $TMP/live-wild.crt: CN=\*.example.test; DNS:\*.example.test" "$TMP/s.log" &&
	 ! grep -q warning "$TMP/s.log"' "$TMP/s.log"

# name  SNI  expected CN  expected key  [openssl args]
while read -r what sni want walg args; do
	# shellcheck disable=SC2086
	leaf "$S" "$sni" $args
	got="$(cn)/$(alg)"
	check "s_client -servername $sni ${args:+$args }($what): $want, $walg, verified" \
		'[ "$got" = "$want/$walg" ] && grep -q "Verify return code: 0 (ok)" "$TMP/sc.out"' "$TMP/leaf" "$TMP/sc.err"
done <<EOF
exact alpha.test alpha.test ec
second-name www.alpha.test alpha.test ec
case ALPHA.Test alpha.test ec
exact gamma.test gamma.test ec
ecdsa-to-who-can beta.test beta.test ec
rsa-to-the-rest beta.test beta.test rsa -sigalgs RSA-PSS+SHA256
tls1.2 beta.test beta.test ec -tls1_2
tls1.2-rsa beta.test beta.test rsa -tls1_2 -sigalgs RSA+SHA256
tls1.2-curve beta.test beta.test rsa -tls1_2 -groups X25519:secp384r1
wildcard shop.example.test *.example.test ec
wildcard-tls1.2 www.example.test *.example.test ec -tls1_2
EOF
# The default: no SNI, or a name no certificate covers.
leaf "$S" -
check "no SNI: the default (the first pair, alpha.test)" '[ "$(cn)" = alpha.test ]' "$TMP/leaf" "$TMP/sc.err"
anyleaf "$S" other.test
check "an unknown name: the default" '[ "$(cn)" = alpha.test ]' "$TMP/leaf"
anyleaf "$S" a.b.example.test
check "a wildcard covers one label only: a.b.example.test gets the default" '[ "$(cn)" = alpha.test ]' "$TMP/leaf"
# A host whose certificates the client cannot verify: refused, not
# another site's certificate.
timeout $T openssl s_client -connect "127.0.0.1:$S" -servername gamma.test -sigalgs RSA-PSS+SHA256 </dev/null \
	>"$TMP/sc.out" 2>"$TMP/sc.err"
check "gamma.test (ECDSA only) to an RSA-only client: handshake_failure, no other site's certificate" \
	'grep -qi "handshake failure" "$TMP/sc.err" && ! grep -q "BEGIN CERTIFICATE" "$TMP/sc.out"' "$TMP/sc.err"

# curl, verifying each site; the built-in page says which was served.
for host in alpha.test www.alpha.test beta.test gamma.test shop.example.test; do
	timeout $T curl -sS --resolve "$host:$S:127.0.0.1" --cacert "$CA" -o "$TMP/page" "https://$host:$S/" \
		2>"$TMP/curl.err"
	rc=$?
	case $host in
	*alpha.test) want="CN=alpha.test; DNS:alpha.test, DNS:www.alpha.test (--cert number 1, the default)" ;;
	beta.test) want="CN=beta.test; DNS:beta.test (--cert number 3)" ;;
	gamma.test) want="CN=gamma.test; DNS:gamma.test (--cert number 4)" ;;
	*) want="CN=\*.example.test; DNS:\*.example.test (--cert number 5)" ;;
	esac
	check "curl --resolve $host --cacert: verified; the page shows the certificate served" \
		'[ $rc -eq 0 ] && grep -q "Certificate served</td><td>$want" "$TMP/page"' "$TMP/curl.err" "$TMP/page"
done
timeout $T curl -sS --resolve "beta.test:$S:127.0.0.1" --cacert "$CA" --tls-max 1.2 \
	--ciphers ECDHE-RSA-AES128-GCM-SHA256 -o "$TMP/page" "https://beta.test:$S/" 2>"$TMP/curl.err"
rc=$?
check "curl to beta.test with only an ECDHE_RSA suite (TLS 1.2): the RSA chain (number 2)" \
	'[ $rc -eq 0 ] && grep -q "(--cert number 2)" "$TMP/page"' "$TMP/curl.err" "$TMP/page"

# ---------------------------------------------------------------------------
# 3. SIGHUP: all of them or none.
old_gamma=$(openssl x509 -in "$TMP/gamma.crt" -noout -serial)
echo "not a certificate" >"$TMP/live-gamma.crt"
sighup
wait_for "$TMP/s.log" 'reload failed' 10
check "SIGHUP with one bad file: the reason, naming it; every old certificate kept" \
	'grep -q "SIGHUP: reload failed, keeping the old certificates (every one of them): --cert $TMP/live-gamma.crt: no certificate in the file" "$TMP/s.log"' \
	"$TMP/s.log"
leaf "$S" gamma.test
check "... gamma.test still gets its old certificate" \
	'grep -q "$old_gamma" "$TMP/leaf"' "$TMP/leaf" "$TMP/sc.err"
leaf "$S" beta.test -sigalgs RSA-PSS+SHA256
check "... and beta.test its RSA one" '[ "$(cn)/$(alg)" = beta.test/rsa ]' "$TMP/leaf" "$TMP/sc.err"
cp "$TMP/gamma2.crt" "$TMP/live-gamma.crt"
cp "$TMP/gamma2.key" "$TMP/live-gamma.key"
sighup
wait_for "$TMP/s.log" "reloaded $TMP/live-alpha.crt, " 10
new_gamma=$(openssl x509 -in "$TMP/gamma2.crt" -noout -serial)
leaf "$S" gamma.test
check "SIGHUP with the files right again: all reloaded, gamma.test's new certificate served" \
	'grep -q "reloaded $TMP/live-alpha.crt, $TMP/live-beta-rsa.crt, $TMP/live-beta-ec.crt, $TMP/live-gamma.crt, $TMP/live-wild.crt" "$TMP/s.log" &&
	 grep -q "$new_gamma" "$TMP/leaf" && [ "$new_gamma" != "$old_gamma" ]' "$TMP/s.log" "$TMP/leaf"
kill "$SPID" 2>/dev/null

# ---------------------------------------------------------------------------
# 4. The --config file: cert and key lines repeated, in pairs; on the
# command line, --cert/--key replace the file's.
printf 'threads 1\ncert %s\nkey %s\ncert %s\nkey %s\n' "$TMP/alpha.crt" "$TMP/alpha.key" "$TMP/gamma.crt" \
	"$TMP/gamma.key" >"$TMP/sites.conf"
serve "$TMP/c.log" --config "$TMP/sites.conf" || fail "the server starts with --config" "$TMP/c.log"
leaf "$PORT" gamma.test
c1=$(cn)
leaf "$PORT" -
check "--config with two cert/key pairs: both served, the first the default" \
	'[ "$c1" = gamma.test ] && [ "$(cn)" = alpha.test ] && grep -q "certificate 2 of 2" "$TMP/c.log"' "$TMP/c.log"
# SIGHUP re-reads the file: a third pair comes in; then a file whose
# lines do not pair up changes nothing.
printf 'cert %s\nkey %s\n' "$TMP/wild.crt" "$TMP/wild.key" >>"$TMP/sites.conf"
sighup
wait_for "$TMP/c.log" "reloaded .*wild.crt" 10
anyleaf "$PORT" shop.example.test
check "SIGHUP with a third cert/key pair in the --config file: it is served" \
	'[ "$(cn)" = "*.example.test" ] && grep -q "certificate 3 of 3" "$TMP/c.log"' "$TMP/c.log" "$TMP/leaf"
printf 'cert %s\n' "$TMP/beta-ec.crt" >>"$TMP/sites.conf"
sighup
wait_for "$TMP/c.log" "nothing reloaded" 10
anyleaf "$PORT" shop.example.test
check "SIGHUP with a cert line without its key: nothing reloaded, says why; the three pairs stay" \
	'grep -q "sites.conf: cert and key go together, in pairs in the same order: 4 cert and 3 key lines: nothing reloaded" "$TMP/c.log" &&
	 [ "$(cn)" = "*.example.test" ]' "$TMP/c.log" "$TMP/leaf"
kill "$SPID" 2>/dev/null
# Back to the two pairs.
head -n 5 "$TMP/sites.conf" >"$TMP/sites2.conf"
mv "$TMP/sites2.conf" "$TMP/sites.conf"
serve "$TMP/c2.log" --config "$TMP/sites.conf" --cert "$TMP/wild.crt" --key "$TMP/wild.key"
anyleaf "$PORT" gamma.test
check "--cert/--key on the command line replace the file's pairs" \
	'[ "$(cn)" = "*.example.test" ] && ! grep -q "certificate 2 of" "$TMP/c2.log"' "$TMP/c2.log" "$TMP/leaf"
kill "$SPID" 2>/dev/null
printf 'cert %s\nkey %s\ncert %s\n' "$TMP/alpha.crt" "$TMP/alpha.key" "$TMP/gamma.crt" >"$TMP/odd.conf"
timeout $T "$SIGIL" serve --config "$TMP/odd.conf" --check >"$TMP/odd.out" 2>"$TMP/odd.err"
rc=$?
check "--config with a cert line and no key for it: usage error" \
	'[ $rc -eq 2 ] && grep -q "2 --cert and 1 --key" "$TMP/odd.err"' "$TMP/odd.err"

# ---------------------------------------------------------------------------
# 5. ETag (RFC 9110 8.8.3, 13): a strong validator of inode, size and
# mtime; If-None-Match (weak comparison, over If-Modified-Since),
# If-Match and If-Unmodified-Since (412), If-Range; HTTP/1.1 and h2.
ROOT=$TMP/root
mkdir -p "$ROOT"
printf '0123456789abcdef' >"$ROOT/f.txt"
serve "$TMP/e.log" --root "$ROOT" --cert "$TMP/alpha.crt" --key "$TMP/alpha.key" ||
	fail "the file server starts" "$TMP/e.log"
E=$PORT
# get PROTO NAME [CURL ARGS...]: GET /f.txt; the status in $code, the
# head in $TMP/NAME.h, the body in $TMP/NAME.b.
get() {
	proto=$1
	n=$2
	shift 2
	rm -f "$TMP/$n.b"       # curl writes no file for a response without a body
	code=$(timeout $T curl -sS "--$proto" --resolve "alpha.test:$E:127.0.0.1" --cacert "$CA" -D "$TMP/$n.h" \
		-o "$TMP/$n.b" -w '%{http_code} %{http_version}' "$@" "https://alpha.test:$E/f.txt" 2>"$TMP/$n.err")
}
hdr() {
	tr -d '\r' <"$TMP/$1.h" | sed -n "s/^$2: //Ip" | head -n 1
}
get http1.1 plain
ET=$(hdr plain etag)
LM=$(hdr plain last-modified)
check "HTTP/1.1: a file has a strong ETag (quoted, not W/)" \
	'[ "$code" = "200 1.1" ] && echo "$ET" | grep -Eq "^\"[0-9a-f]+-10-[0-9a-f]+\"\$"' "$TMP/plain.h"
for proto in http1.1 http2; do
	v=${proto#http}
	[ "$v" = 2 ] && v=2
	# name  want  curl header args
	while IFS='|' read -r what want h1 h2; do
		if [ -n "$h2" ]; then
			get "$proto" c -H "$h1" -H "$h2"
		elif [ -n "$h1" ]; then
			get "$proto" c -H "$h1"
		else
			get "$proto" c
		fi
		check "$proto: $what: $want" \
			'[ "${code% *}" = "$want" ] && [ "${code#* }" = "$v" ] &&
			 { [ "$want" != 304 ] || { [ ! -s "$TMP/c.b" ] && [ "$(hdr c etag)" = "$ET" ]; }; } &&
			 { [ "$want" != 206 ] || [ "$(cat "$TMP/c.b")" = 234 ]; } &&
			 { [ "$want" != 200 ] || [ "$(cat "$TMP/c.b")" = 0123456789abcdef ]; }' "$TMP/c.h" "$TMP/c.err"
	done <<EOF2
If-None-Match its ETag|304|If-None-Match: $ET|
If-None-Match W/ its ETag (weak comparison)|304|If-None-Match: W/$ET|
If-None-Match a list holding it|304|If-None-Match: "x", $ET , "y"|
If-None-Match *|304|If-None-Match: *|
If-None-Match another|200|If-None-Match: "0-0-0"|
If-None-Match malformed (ignored)|200|If-None-Match: abc|
If-None-Match over an older If-Modified-Since|304|If-None-Match: $ET|If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT
If-None-Match another, If-Modified-Since its date (INM wins)|200|If-None-Match: "0-0-0"|If-Modified-Since: $LM
If-Match its ETag|200|If-Match: $ET|
If-Match *|200|If-Match: *|
If-Match another|412|If-Match: "0-0-0"|
If-Match W/ its ETag (strong comparison)|412|If-Match: W/$ET|
If-Match malformed|412|If-Match: "x|
If-Unmodified-Since an older date|412|If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT|
If-Unmodified-Since its date|200|If-Unmodified-Since: $LM|
If-Range its ETag with a Range|206|If-Range: $ET|Range: bytes=2-4
If-Range another ETag: the whole file|200|If-Range: "0-0-0"|Range: bytes=2-4
If-Range W/ its ETag: the whole file|200|If-Range: W/$ET|Range: bytes=2-4
If-Range its Last-Modified|206|If-Range: $LM|Range: bytes=2-4
If-Range another date: the whole file|200|If-Range: Sat, 01 Jan 2000 00:00:00 GMT|Range: bytes=2-4
EOF2
done
get http1.1 head -I -H "If-None-Match: $ET"
check "HEAD with If-None-Match its ETag: 304" '[ "$code" = "304 1.1" ]' "$TMP/head.h"
# A new version of the file: a new ETag, and the old one no longer matches.
sleep 0.02
printf '0123456789abcdef!' >"$ROOT/f.txt.new"
mv "$ROOT/f.txt.new" "$ROOT/f.txt"
get http2 after -H "If-None-Match: $ET"
check "a changed file: 200 with another ETag for the old one" \
	'[ "$code" = "200 2" ] && [ -n "$(hdr after etag)" ] && [ "$(hdr after etag)" != "$ET" ]' "$TMP/after.h"
kill "$SPID" 2>/dev/null

finish
