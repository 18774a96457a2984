#!/bin/sh
# Mutual TLS end to end (issue 6): `sigil serve --client-ca` against curl and
# openssl s_client with good, missing, foreign, expired, revoked and
# serverAuth-only client certificates, in TLS 1.3 and in TLS 1.2; --authz; `sigil get --cert` against
# openssl s_server and gnutls-serv; post-handshake client authentication
# (tlspeer against openssl s_server).  127.0.0.1 only; every command under
# timeout.  Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

# Absolute paths: the script works in $TMP.  (Under SIGIL_WRAP, lib.sh's
# $SIGIL and $PEER are wrappers in $TMP already.)
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || BUILD=$LIB_ROOT/build
if [ -z "$SIGIL_WRAP" ]; then
	SIGIL=$BUILD/sigil
	PEER=$BUILD/tests/tlspeer
fi
export SIGIL_HOME="$TMP/home"

for tool in "$SIGIL" "$PEER"; do
	if [ ! -x "$tool" ]; then
		echo "missing $tool: run make tests"
		fail "build"
		finish
	fi
done
for tool in curl openssl; do
	if ! have "$tool"; then
		skip "mtls.sh: $tool is not installed"
		finish
	fi
done

# serve LOG ARGS...: "sigil serve" on a fresh port; sets PORT and SPID.
serve() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 50 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 1 "$@"
	SPID=$BG
	wait_for "$log" '^sigil serve: https://' 10
}

# sclient OUT PORT [ARGS...]: one GET through openssl s_client; output
# (stdout and stderr) in OUT; sets rc.
sclient() {
	out=$1
	port=$2
	shift 2
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout $T openssl s_client -quiet -ign_eof -verify_return_error -CAfile "$CA" \
			-connect "127.0.0.1:$port" -servername localhost "$@" >"$out" 2>&1
	rc=$?
}

# code ARGS...: the HTTP status curl gets (000 when refused).
code() {
	timeout $T curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$@" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Certificates: a CA of `sigil ca` with a site, client certificates for
# alice, bob (revoked) and a serverAuth-only one; another CA with eve; an
# expired client certificate (carol) signed with the same root key by
# `openssl ca`.
cd "$TMP" || exit 1
{
	timeout $T "$SIGIL" ca init ca --name "mtls test CA" &&
		timeout $T "$SIGIL" ca issue ca --server localhost,127.0.0.1 --out site &&
		timeout $T "$SIGIL" ca issue ca --client alice --out alice &&
		timeout $T "$SIGIL" ca issue ca --client bob --out bob &&
		timeout $T "$SIGIL" ca issue ca --server mallory.example --out srvonly &&
		timeout $T "$SIGIL" ca init other --name "Other CA" &&
		timeout $T "$SIGIL" ca issue other --client eve --out eve
} >ca.log 2>&1
rc=$?
CA=$TMP/ca/root.crt
check "setup: a CA, a site and client certificates from sigil ca" '[ $rc -eq 0 ] && [ -s alice.crt ]' ca.log

BOB_SERIAL=$(openssl x509 -in bob.crt -noout -serial | cut -d= -f2)
{
	timeout $T "$SIGIL" ca revoke ca "$BOB_SERIAL" --reason keyCompromise &&
		timeout $T "$SIGIL" ca crl ca --out crl.pem
} >crl.log 2>&1
rc=$?
check "setup: bob revoked, CRL published" '[ $rc -eq 0 ] && [ -s crl.pem ]' crl.log

mkdir -p oc && : >oc/index.txt && echo 01 >oc/serial
cat >oc.cnf <<'EOF'
[ca]
default_ca = c
[c]
database = oc/index.txt
new_certs_dir = oc
serial = oc/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
{
	timeout $T openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout carol.key \
		-subj /CN=carol -out carol.csr &&
		timeout $T openssl ca -batch -config oc.cnf -cert ca/ca.crt -keyfile ca/ca.key -in carol.csr \
			-out carol.crt -startdate 20200101000000Z -enddate 20210101000000Z -extensions ext -notext
} >carol.log 2>&1
rc=$?
check "setup: an expired client certificate from the same root key" \
	'[ $rc -eq 0 ] && openssl x509 -in carol.crt -noout -checkend 0 >/dev/null 2>&1; [ $? -eq 1 ]' carol.log

# ---------------------------------------------------------------------------
# 1. --require-client-cert (with the CRL): who gets in.
serve req.log --cert site.crt --key site.key --client-ca "$CA" --require-client-cert \
	--client-crl crl.pem --access-log access.log -v || fail "require: serve starts" req.log
REQ=$PORT

timeout $T curl -sS --cacert "$CA" --cert alice.crt --key alice.key -o page.html -w '%{http_code}' \
	"https://localhost:$REQ/" >curl.code 2>curl.err
check "require: curl --cert --key --cacert gets 200" '[ "$(cat curl.code)" = 200 ]' curl.err req.log
check "require: the built-in page shows 'Signed in as' the client's subject" \
	'grep -q "Signed in as</td><td>CN=alice<" page.html' page.html
sclient sc.alice "$REQ" -cert alice.crt -key alice.key
check "require: openssl s_client -cert -key -verify_return_error gets 200" \
	'[ $rc -eq 0 ] && grep -q "^HTTP/1.1 200" sc.alice && grep -q "Signed in as</td><td>CN=alice<" sc.alice' \
	sc.alice req.log
check "require: the server logs the verified identity" \
	'grep -q "client certificate: CN=alice (serial" req.log' req.log
# Both lines (curl's and s_client's): the log is written as a response ends.
wait_for access.log ' - alice \[.*" 200 .*' 2
n=$((40 * TMUL))
while [ "$(grep -c " - alice \[" access.log)" -lt 2 ] && [ $n -gt 0 ]; do
	sleep 0.05
	n=$((n - 1))
done
check "require: the access log's authuser is the CN" \
	'[ "$(grep -c " - alice \[.*\" 200 " access.log)" -eq 2 ]' access.log

# refused NAME FILE ALERT_RE LOG_RE [s_client args]: refused with the alert,
# no HTTP response, and the server's stderr says why.
refused() {
	rname=$1
	rout=$2
	alert=$3
	why=$4
	shift 4
	n0=$(grep -c "client refused:" req.log)
	sclient "$rout" "$REQ" "$@"
	check "require: $rname is refused with $alert" \
		'[ $rc -ne 0 ] && grep -q "alert $alert" "$rout" && ! grep -q "^HTTP/" "$rout"' "$rout"
	wait_for req.log "client refused: .*$why" 2
	check "require: $rname: the server logs why" \
		'[ "$(grep -c "client refused:" req.log)" -gt "$n0" ] && grep -Eq "client refused: .*$why" req.log' req.log
}
refused "no certificate" sc.none "certificate required" "no certificate.*certificate_required"
check "require: no certificate: the alert is number 116" 'grep -q "SSL alert number 116" sc.none' sc.none
refused "another CA's certificate" sc.eve "unknown ca" "unknown issuer.*unknown_ca" -cert eve.crt -key eve.key
refused "an expired certificate" sc.carol "certificate expired" "expired.*CN=carol.*certificate_expired" \
	-cert carol.crt -key carol.key
# TLS 1.2 (RFC 5246 7.4.4-7.4.8): the same certificate gets in, with the
# same identity; none is handshake_failure (1.2 has no
# certificate_required); another CA's is refused as in TLS 1.3.
sclient sc.tls12.alice "$REQ" -tls1_2 -cert alice.crt -key alice.key
check "require: TLS 1.2: openssl s_client -tls1_2 -cert gets 200, signed in as alice" \
	'[ $rc -eq 0 ] && grep -q "^HTTP/1.1 200" sc.tls12.alice && grep -q "Signed in as</td><td>CN=alice<" sc.tls12.alice' \
	sc.tls12.alice req.log
check "require: TLS 1.2: the server logs the version and the verified identity" \
	'grep -q ": TLS 1.2 TLS_ECDHE_" req.log && [ "$(grep -c "client certificate: CN=alice (serial" req.log)" -ge 3 ]' \
	req.log
sclient sc.tls12.none "$REQ" -tls1_2
check "require: TLS 1.2: no certificate is refused with handshake failure, no page" \
	'[ $rc -ne 0 ] && grep -q "alert handshake failure" sc.tls12.none && ! grep -q "^HTTP/" sc.tls12.none' \
	sc.tls12.none
wait_for req.log "client refused: the client sent no certificate, and one is required" 2
check "require: TLS 1.2: the server logs why (no certificate) as a refused client" \
	'grep -q "client refused: the client sent no certificate, and one is required" req.log' req.log
refused "TLS 1.2: another CA's certificate" sc.tls12.eve "unknown ca" "unknown issuer.*unknown_ca" \
	-tls1_2 -cert eve.crt -key eve.key
timeout $T curl -sS --tls-max 1.2 --cacert "$CA" --cert alice.crt --key alice.key -o page12.html \
	-w '%{http_code}' "https://localhost:$REQ/" >curl12.code 2>curl12.err
check "require: TLS 1.2: curl --tls-max 1.2 --cert gets 200, signed in as alice" \
	'[ "$(cat curl12.code)" = 200 ] && grep -q "Signed in as</td><td>CN=alice<" page12.html' curl12.err req.log
BOB_HEX=$(echo "$BOB_SERIAL" | tr 'A-F' 'a-f' | sed 's/^0*//')
refused "a revoked certificate" sc.bob "certificate revoked" "revoked .serial 0x0*$BOB_HEX.*certificate_revoked" \
	-cert bob.crt -key bob.key
refused "a serverAuth-only certificate" sc.srvonly "bad certificate" \
	"not valid for TLS client authentication.*CN=mallory.example.*bad_certificate" -cert srvonly.crt -key srvonly.key
refused "TLS 1.2: a revoked certificate" sc.tls12.bob "certificate revoked" \
	"revoked .serial 0x0*$BOB_HEX.*certificate_revoked" -tls1_2 -cert bob.crt -key bob.key
refused "TLS 1.2: a serverAuth-only certificate" sc.tls12.srvonly "bad certificate" \
	"not valid for TLS client authentication.*CN=mallory.example.*bad_certificate" -tls1_2 \
	-cert srvonly.crt -key srvonly.key

timeout $T curl -sS --cacert "$CA" -o /dev/null "https://localhost:$REQ/" >/dev/null 2>curl.err
rc=$?
check "require: curl without a certificate is refused (certificate required)" \
	'[ $rc -ne 0 ] && grep -qi "certificate required" curl.err' curl.err
# Four requests got in: curl's and s_client's in TLS 1.3 and in TLS 1.2.
check "require: no request reached the site from a refused client" \
	'[ "$(wc -l <access.log)" -eq 4 ] && [ "$(grep -c " - alice \[" access.log)" -eq 4 ]' access.log
# gnutls-cli limited to TLS 1.2, with the certificate and without.
if have gnutls-cli; then
	for with in alice none; do
		set -- --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' --x509cafile "$CA" -p "$REQ"
		[ $with = alice ] && set -- "$@" --x509certfile alice.crt --x509keyfile alice.key
		printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
			timeout $T gnutls-cli "$@" localhost >"gt12.$with" 2>&1
	done
	check "require: TLS 1.2: gnutls-cli with the certificate is signed in as alice" \
		'grep -q "Signed in as</td><td>CN=alice<" gt12.alice' gt12.alice
	check "require: TLS 1.2: gnutls-cli without one gets alert 40, no page" \
		'grep -q "Received alert \[40\]" gt12.none && ! grep -q "^HTTP/" gt12.none' gt12.none
else
	skip "require: TLS 1.2: gnutls-cli is not installed"
fi
kill "$SPID" 2>/dev/null

# ---------------------------------------------------------------------------
# 2. --authz with --request-client-cert (the handshake succeeds without a
# certificate; the rules decide).
mkdir -p www/admin www/members
echo admin-page >www/admin/index.html
echo members-page >www/members/index.html
echo public-page >www/pub.txt
printf '# path prefix, then the subject allowed\n/admin/ CN=alice\n/members/ *\n' >authz.txt
serve authz.log --cert site.crt --key site.key --client-ca "$CA" --request-client-cert --authz authz.txt \
	--root www -v || fail "authz: serve starts" authz.log
AZ=https://localhost:$PORT
A="--cert alice.crt --key alice.key"
B="--cert bob.crt --key bob.key"
# shellcheck disable=SC2086
{
	c_alice=$(code $A "$AZ/admin/")
	c_bob=$(code $B "$AZ/admin/")
	c_none=$(code "$AZ/admin/")
	c_bob_members=$(code $B "$AZ/members/")
	c_none_members=$(code "$AZ/members/")
	c_none_pub=$(code "$AZ/pub.txt")
}
check "authz: the allowed subject gets 200" '[ "$c_alice" = 200 ]' authz.log
check "authz: another subject gets 403" '[ "$c_bob" = 403 ]' authz.log
check "authz: no certificate gets 403" '[ "$c_none" = 403 ]' authz.log
check "authz: '*' lets any certificate in, not none" '[ "$c_bob_members" = 200 ] && [ "$c_none_members" = 403 ]' \
	authz.log
check "authz: paths without a rule stay public" '[ "$c_none_pub" = 200 ]' authz.log
# The same rules over TLS 1.2: the identity comes from the 1.2 handshake.
# shellcheck disable=SC2086
{
	c12_alice=$(code --tls-max 1.2 $A "$AZ/admin/")
	c12_bob=$(code --tls-max 1.2 $B "$AZ/admin/")
	c12_none=$(code --tls-max 1.2 "$AZ/members/")
}
check "authz: TLS 1.2: the allowed subject gets 200, another 403, none 403" \
	'[ "$c12_alice" = 200 ] && [ "$c12_bob" = 403 ] && [ "$c12_none" = 403 ]' authz.log
check "authz: the server logs the 403 and whom for" 'grep -q "403 for CN=bob" authz.log' authz.log
# The rule holds for every spelling of the path (the bypass found here).
bad=
for p in /%61dmin/index.html //admin/index.html /./admin/index.html /admin//index.html /members/../admin/
do
	# shellcheck disable=SC2086
	c=$(code --path-as-is $B "$AZ$p")
	[ "$c" = 403 ] || bad="$bad $p=$c"
done
check "authz: encoded and unnormalised paths do not bypass a rule" '[ -z "$bad" ]' authz.log
[ -n "$bad" ] && echo "  bypassed:$bad"
# shellcheck disable=SC2086
c=$(code --path-as-is $A "$AZ/%61dmin/index.html")
check "authz: an encoded path to an allowed file still works" '[ "$c" = 200 ]' authz.log
kill "$SPID" 2>/dev/null

# A comma in a subject value (RFC 4514 escaping): a certificate whose one
# CN is "alice, O=Example" once read exactly like the subject O=Example,
# CN=alice and passed a rule for it.  Both come from openssl with the same
# CA key, so only the subjects differ.
printf '%s\n' 'basicConstraints = critical,CA:FALSE' 'keyUsage = critical,digitalSignature' \
	'extendedKeyUsage = clientAuth' 'subjectKeyIdentifier = hash' \
	'authorityKeyIdentifier = keyid:always' >cli.ext
mkcli() {
	timeout $T openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "$2" -out "$1.csr" &&
		timeout $T openssl x509 -req -in "$1.csr" -CA ca/ca.crt -CAkey ca/ca.key -days 2 \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -extfile cli.ext -out "$1.crt"
}
{
	mkcli realalice "/O=Example/CN=alice" && mkcli forged "/CN=alice, O=Example"
} >forge.log 2>&1
rc=$?
check "escape: setup: O=Example/CN=alice and a single CN 'alice, O=Example' from the CA" \
	'[ $rc -eq 0 ] && [ -s realalice.crt ] && [ -s forged.crt ]' forge.log
mkdir -p www/forged
echo forged-page >www/forged/index.html
printf '%s\n' '/admin/ CN=alice, O=Example' '/forged/ CN=alice\, O=Example' >authz2.txt
serve esc.log --cert site.crt --key site.key --client-ca "$CA" --request-client-cert --authz authz2.txt \
	--root www -v || fail "escape: serve starts" esc.log
AZ=https://localhost:$PORT
c_real=$(code --cert realalice.crt --key realalice.key "$AZ/admin/")
c_forged=$(code --cert forged.crt --key forged.key "$AZ/admin/")
check "escape: the rule '/admin/ CN=alice, O=Example' admits O=Example/CN=alice" '[ "$c_real" = 200 ]' esc.log
check "escape: ... and refuses the single CN 'alice, O=Example' with 403" '[ "$c_forged" = 403 ]' esc.log
check "escape: the server logs the forged subject escaped" \
	'grep -qF "403 for CN=alice\, O=Example" esc.log' esc.log
# A rule names such a subject as sigil writes it, escapes and all: the
# rule parser takes the rest of the line as it is.
c_real=$(code --cert realalice.crt --key realalice.key "$AZ/forged/")
c_forged=$(code --cert forged.crt --key forged.key "$AZ/forged/")
check "escape: the rule '/forged/ CN=alice\\, O=Example' admits that single CN only" \
	'[ "$c_forged" = 200 ] && [ "$c_real" = 403 ]' esc.log
kill "$SPID" 2>/dev/null

# The built-in page with an optional certificate and none given.
serve opt.log --cert site.crt --key site.key --client-ca "$CA" --request-client-cert ||
	fail "request: serve starts" opt.log
timeout $T curl -sS --cacert "$CA" -o opt.html "https://localhost:$PORT/" 2>curl.err
check "request: without a certificate the page says so" \
	'grep -q "Signed in as</td><td>(no client certificate)" opt.html' curl.err opt.html
kill "$SPID" 2>/dev/null

# ---------------------------------------------------------------------------
# 3. sigil get --cert against openssl s_server -Verify 1.
OS=$(free_port)
start_bg os.log 40 openssl s_server -accept "127.0.0.1:$OS" -cert site.crt -key site.key -tls1_3 \
	-Verify 1 -CAfile "$CA" -verify_return_error -www
OS_PID=$BG
wait_for os.log '^ACCEPT' 10
timeout $T "$SIGIL" get --cacert "$CA" --cert alice.crt --key alice.key "https://localhost:$OS/" >get.out 2>get.err
rc=$?
check "get: --cert against openssl s_server -Verify 1 succeeds" \
	'[ $rc -eq 0 ] && grep -q "Subject: CN=alice" get.out' get.err os.log
timeout $T "$SIGIL" get --cacert "$CA" "https://localhost:$OS/" >get.out 2>get.err
rc=$?
check "get: without --cert against s_server -Verify 1 fails" \
	'[ $rc -ne 0 ] && ! grep -q "CN=alice" get.out' get.err
timeout $T "$SIGIL" get --cacert "$CA" --cert eve.crt --key eve.key "https://localhost:$OS/" >get.out 2>get.err
rc=$?
check "get: a certificate from a CA the server did not name is not sent" \
	'[ $rc -ne 0 ] && ! grep -q "CN=eve" os.log' get.err os.log
kill "$OS_PID" 2>/dev/null

# ---------------------------------------------------------------------------
# 4. sigil get --cert against gnutls-serv --require-client-cert.  gnutls-serv
# cannot be told an address and listens on all of them, so it runs in a
# network namespace of its own (only its loopback), or not at all.
if ! have gnutls-serv; then
	skip "get: gnutls-serv is not installed"
elif ! have unshare || ! have ip || ! timeout 5 unshare -rn ip link set lo up 2>/dev/null; then
	skip "get: gnutls-serv listens on every address and no network namespace is available"
else
	cat >gnutls.sh <<'EOF'
# run inside unshare -rn: $1 sigil, $2 CA, $3 seconds per client; writes
# gt.rc1 / gt.rc2
ip link set lo up || exit 1
timeout $(($3 * 2)) gnutls-serv --http -p 8443 --require-client-cert --x509cafile "$2" \
	--x509certfile site.crt --x509keyfile site.key >gs.log 2>&1 </dev/null &
n=100
until grep -q "listening on IPv4" gs.log 2>/dev/null || [ $n -eq 0 ]; do sleep 0.05; n=$((n - 1)); done
sleep 0.2
timeout "$3" "$1" get --cacert "$2" --cert alice.crt --key alice.key https://localhost:8443/ >gt.out1 2>gt.err1
echo $? >gt.rc1
timeout "$3" "$1" get --cacert "$2" https://localhost:8443/ >gt.out2 2>gt.err2
echo $? >gt.rc2
kill $! 2>/dev/null
EOF
	timeout $((T * 4)) unshare -rn sh gnutls.sh "$SIGIL" "$CA" "$T" >gt.log 2>&1
	check "get: --cert against gnutls-serv --require-client-cert succeeds" \
		'[ "$(cat gt.rc1 2>/dev/null)" = 0 ] && grep -q "Subject: CN=alice" gt.out1' gt.err1 gs.log gt.log
	check "get: without --cert against gnutls-serv --require-client-cert fails" \
		'[ "$(cat gt.rc2 2>/dev/null)" -ne 0 ] && [ -s gt.err2 ]' gt.err2 gs.log
	# The alert arrives while we send the request (EPIPE): the fd layer
	# reads it before reporting, so the reason is always the alert.
	check "get: gnutls-serv's refusal is reported as certificate_required" \
		'grep -q certificate_required gt.err2' gt.err2
fi

# ---------------------------------------------------------------------------
# 5. Post-handshake client authentication: openssl s_server asks (command
# "c") after the connection is up; tlspeer (libsigil) answers.
PH=$(free_port)
start_bg_fd3 pha.log 30 openssl s_server -accept "127.0.0.1:$PH" -cert site.crt -key site.key -tls1_3 \
	-CAfile "$CA"
PH_PID=$BG
wait_for pha.log '^ACCEPT' 10
start_bg phc.log 20 "$PEER" client 127.0.0.1 "$PH" --insecure --cert alice.crt --key alice.key \
	--send "hello-before-pha$NL"
PC_PID=$BG
wait_for pha.log '^hello-before-pha' 5
send3 "c$NL"
wait_for pha.log 'depth=0 CN = alice' 5
wait_for pha.log 'SSL_do_handshake -> 1|verify return:1' 3
send3 "data-after-pha$NL"
wait_for phc.log 'data-after-pha' 5
send3 "q$NL"
close3
wait "$PC_PID" 2>/dev/null
check "pha: s_server's post-handshake request gets the client's certificate" \
	'grep -q "depth=0 CN = alice" pha.log && ! grep -qi "error" pha.log' pha.log phc.log
check "pha: data flows after the post-handshake authentication" \
	'grep -q "^handshake ok" phc.log && grep -q "data-after-pha" phc.log' phc.log pha.log
kill "$PH_PID" 2>/dev/null

# Without a certificate the client does not offer post_handshake_auth, and
# s_server cannot ask.
PH=$(free_port)
start_bg_fd3 pha2.log 30 openssl s_server -accept "127.0.0.1:$PH" -cert site.crt -key site.key -tls1_3 \
	-CAfile "$CA"
PH_PID=$BG
wait_for pha2.log '^ACCEPT' 10
start_bg phc2.log 20 "$PEER" client 127.0.0.1 "$PH" --insecure --send "hello-no-cert$NL"
PC_PID=$BG
wait_for pha2.log '^hello-no-cert' 5
send3 "c$NL"
sleep 0.3
send3 "still-up$NL"
wait_for phc2.log 'still-up' 5
send3 "q$NL"
close3
wait "$PC_PID" 2>/dev/null
check "pha: a client without a certificate is not asked, and the connection goes on" \
	'grep -q "still-up" phc2.log && ! grep -q "depth=0" pha2.log' phc2.log pha2.log
kill "$PH_PID" 2>/dev/null

finish
