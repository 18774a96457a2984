#!/bin/sh
# `sigil serve` and `sigil get` against real peers (issue 5): curl, openssl
# s_client / s_server, nginx; raw HTTP edge cases; load, timeouts, SIGTERM
# and SIGHUP.  127.0.0.1 only; every command under timeout; SIGIL_HOME in a
# temporary directory.  Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

SIGIL=$BUILD/sigil
LOAD=$BUILD/tests/loadclient
RAW="timeout 25 python3 $HERE/raw.py"
export SIGIL_HOME="$TMP/home"
BIG=$((64 * 1024 * 1024))

for tool in "$SIGIL" "$LOAD"; do
	if [ ! -x "$tool" ]; then
		echo "missing $tool: run make tests"
		fail "build"
		finish
	fi
done
for tool in curl openssl python3; do
	if ! have "$tool"; then
		skip "serve.sh: $tool is not installed"
		finish
	fi
done

# serve LOG ARGS...: start "sigil serve --listen 127.0.0.1:$PORT ARGS" on a
# fresh port and wait until it listens.  Sets PORT and SPID.
serve() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 60 "$SIGIL" serve --listen "127.0.0.1:$PORT" "$@"
	SPID=$BG
	wait_for "$log" '^sigil serve: https://' 10
}

# status FILE: the status code of the first response in FILE.
status() {
	sed -n '1s/^HTTP\/1\.[01] \([0-9][0-9][0-9]\).*/\1/p' "$1" | tr -d '\r'
}

# responses FILE: the status codes of the responses in FILE (a body is
# directly followed by the next status line).
responses() {
	grep -ao 'HTTP/1\.1 [0-9][0-9][0-9]' "$1" | sed 's/.* //' | tr '\n' ' '
}

# gone PID SECONDS: wait until PID has exited; false if it has not.
gone() {
	n=$(($2 * 20))
	while kill -0 "$1" 2>/dev/null; do
		[ "$n" -le 0 ] && return 1
		sleep 0.05
		n=$((n - 1))
	done
}

# ---------------------------------------------------------------------------
# The site's files, and one outside it.
ROOT=$TMP/root
mkdir -p "$ROOT/sub" "$TMP/www"
: >"$ROOT/f0"
printf x >"$ROOT/f1"
head -c 16383 /dev/urandom >"$ROOT/f16383"
head -c 16384 /dev/urandom >"$ROOT/f16384"
head -c 16385 /dev/urandom >"$ROOT/f16385"
head -c $BIG /dev/urandom >"$ROOT/f64m"
head -c 2000000 /dev/urandom >"$ROOT/f2m"
printf first >"$ROOT/p1.txt"
printf second >"$ROOT/p2.txt"
printf third >"$ROOT/p3.txt"
printf 'in a subdirectory\n' >"$ROOT/sub/index.html"
echo TOPSECRET-b7e1 >"$TMP/secret.txt"
ln -s ../secret.txt "$ROOT/escape"
ln -s p1.txt "$ROOT/inside"
SIZES="f0 f1 f16383 f16384 f16385 f64m"

# ---------------------------------------------------------------------------
# 1. The development CA: `sigil serve` without --cert, the built-in page.
serve "$TMP/dev.log" --threads 2 || fail "dev: serve starts" "$TMP/dev.log"
DEV_PORT=$PORT
DEV_PID=$SPID
CA=$(sed -n 's/^Development CA: //p' "$TMP/dev.log")
check "dev: the CA is made in \$SIGIL_HOME and its path printed" \
	'[ "$CA" = "$SIGIL_HOME/ca/root.crt" ] && [ -s "$CA" ]' "$TMP/dev.log"

timeout $T curl -sS --cacert "$CA" -o "$TMP/page.html" "https://localhost:$DEV_PORT/" 2>"$TMP/curl.log"
check "dev: curl --cacert fetches the built-in page" \
	'grep -q "a secure connection" "$TMP/page.html"' "$TMP/curl.log" "$TMP/page.html"

# The page shows what this connection negotiated: ask for uncommon choices.
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
	timeout $T openssl s_client -quiet -ign_eof -verify_return_error -CAfile "$CA" \
		-connect "127.0.0.1:$DEV_PORT" -servername localhost -verify_hostname localhost \
		-ciphersuites TLS_CHACHA20_POLY1305_SHA256 -groups secp384r1 >"$TMP/sc.out" 2>"$TMP/sc.err"
check "dev: openssl s_client -verify_return_error fetches the page" \
	'grep -q "^HTTP/1.1 200" "$TMP/sc.out"' "$TMP/sc.err" "$TMP/sc.out"
check "dev: the page shows the negotiated suite and group" \
	'grep -q TLS_CHACHA20_POLY1305_SHA256 "$TMP/sc.out" && grep -q secp384r1 "$TMP/sc.out" &&
	 grep -q "$CA" "$TMP/sc.out"' "$TMP/sc.out"

timeout $T "$SIGIL" get --cacert "$CA" "https://localhost:$DEV_PORT/" >"$TMP/get.out" 2>"$TMP/get.err"
rc=$?
check "dev: sigil get verifies and fetches the page" \
	'[ $rc -eq 0 ] && grep -q TLS_AES_128_GCM_SHA256 "$TMP/get.out"' "$TMP/get.err"

# A second start reuses the CA (no new one each run).
sum1=$(cksum <"$CA")
serve "$TMP/dev2.log" --threads 1
check "dev: a second run reuses the development CA" \
	'[ "$(cksum <"$CA")" = "$sum1" ] && grep -q "^Development CA: $CA" "$TMP/dev2.log"' "$TMP/dev2.log"
kill "$SPID" 2>/dev/null

# A fresh machine: no SIGIL_HOME, no ~/.local/share yet.
mkdir "$TMP/fresh"
PORT=$(free_port)
start_bg "$TMP/fresh.log" 60 env -u SIGIL_HOME HOME="$TMP/fresh" "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 1
wait_for "$TMP/fresh.log" '^sigil serve: https://' 10
timeout $T curl -sS --cacert "$TMP/fresh/.local/share/sigil/ca/root.crt" "https://localhost:$PORT/" \
	>"$TMP/page.html" 2>"$TMP/curl.log"
check "dev: a fresh \$HOME gets ~/.local/share/sigil/ca" 'grep -q "a secure connection" "$TMP/page.html"' \
	"$TMP/fresh.log" "$TMP/curl.log"
kill "$BG" 2>/dev/null

# ---------------------------------------------------------------------------
# 2. A CA of `sigil ca`, and the site with --cert/--key and --root.
timeout $T "$SIGIL" ca init "$TMP/ca" --name "serve test CA" >"$TMP/ca.log" 2>&1 &&
	timeout $T "$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/site" >>"$TMP/ca.log" 2>&1 &&
	timeout $T "$SIGIL" ca issue "$TMP/ca" --server localhost --out "$TMP/noip" >>"$TMP/ca.log" 2>&1
rc=$?
check "ca: a CA and two server certificates" '[ $rc -eq 0 ] && [ -s "$TMP/site.crt" ]' "$TMP/ca.log"
CA2=$TMP/ca/root.crt

serve "$TMP/site.log" --threads 2 --cert "$TMP/site.crt" --key "$TMP/site.key" --root "$ROOT" \
	--access-log "$TMP/access.log" || fail "site: serve starts" "$TMP/site.log"
SITE=$PORT
SITE_PID=$SPID
U=https://127.0.0.1:$SITE

timeout $T curl -sS --cacert "$CA2" -o "$TMP/c.out" "https://localhost:$SITE/p1.txt" 2>"$TMP/curl.log"
check "site: curl --cacert, --cert from sigil ca" '[ "$(cat "$TMP/c.out")" = first ]' "$TMP/curl.log"
printf 'GET /p2.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' |
	timeout $T openssl s_client -quiet -ign_eof -verify_return_error -CAfile "$CA2" \
		-connect "127.0.0.1:$SITE" -verify_ip 127.0.0.1 >"$TMP/sc.out" 2>"$TMP/sc.err"
check "site: openssl s_client -verify_return_error" \
	'grep -q "^HTTP/1.1 200" "$TMP/sc.out" && tail -n 1 "$TMP/sc.out" | grep -q "^second$"' \
	"$TMP/sc.err" "$TMP/sc.out"
printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' |
	timeout $T openssl s_client -quiet -verify_return_error -CAfile "$CA" \
		-connect "127.0.0.1:$SITE" >"$TMP/sc.out" 2>"$TMP/sc.err"
rc=$?
check "site: openssl s_client -verify_return_error refuses another CA" \
	'[ $rc -ne 0 ] && ! grep -q "^HTTP" "$TMP/sc.out"' "$TMP/sc.err"

# ---------------------------------------------------------------------------
# 3. Byte-identical bodies, both ways.
for f in $SIZES; do
	timeout 30 curl -sS --cacert "$CA2" "$U/$f" 2>"$TMP/curl.log" | cmp -s - "$ROOT/$f"
	rc=$?
	check "body $f: curl <- sigil serve" '[ $rc -eq 0 ]' "$TMP/curl.log"
	timeout 30 "$SIGIL" get --cacert "$CA2" "$U/$f" 2>"$TMP/get.err" | cmp -s - "$ROOT/$f"
	rc=$?
	check "body $f: sigil get <- sigil serve" '[ $rc -eq 0 ]' "$TMP/get.err"
done

# openssl s_server -WWW serves the files under its working directory.
OS_PORT=$(free_port)
start_bg "$TMP/s_server.log" 60 sh -c 'cd "$1" && exec openssl s_server -WWW -accept "127.0.0.1:$2" \
	-cert "$3.crt" -key "$3.key" -tls1_3' sh "$ROOT" "$OS_PORT" "$TMP/site"
wait_for "$TMP/s_server.log" '^ACCEPT' 10
for f in $SIZES; do
	# -WWW answers "HTTP/1.0 200 ok" and a Content-type line.
	timeout 30 "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$OS_PORT/$f" -o "$TMP/os.out" 2>"$TMP/get.err"
	rc=$?
	check "body $f: sigil get <- openssl s_server -WWW" '[ $rc -eq 0 ] && cmp -s "$TMP/os.out" "$ROOT/$f"' \
		"$TMP/get.err" "$TMP/s_server.log"
done
rm -f "$TMP/os.out"

if have nginx; then
	NG=$TMP/nginx
	NG_PORT=$(free_port)
	mkdir -p "$NG"
	cat >"$NG/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $NG/body;
	proxy_temp_path $NG/proxy;
	fastcgi_temp_path $NG/fastcgi;
	uwsgi_temp_path $NG/uwsgi;
	scgi_temp_path $NG/scgi;
	server {
		listen 127.0.0.1:$NG_PORT ssl;
		ssl_certificate $TMP/site.crt;
		ssl_certificate_key $TMP/site.key;
		ssl_protocols TLSv1.3;
		root $ROOT;
	}
}
EOF
	start_bg "$NG/run.log" 60 nginx -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf"
	n=100
	until timeout 2 curl -s -o /dev/null --cacert "$CA2" "https://127.0.0.1:$NG_PORT/f1" || [ $n -eq 0 ]; do
		sleep 0.05
		n=$((n - 1))
	done
	for f in $SIZES; do
		timeout 30 "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$NG_PORT/$f" 2>"$TMP/get.err" |
			cmp -s - "$ROOT/$f"
		rc=$?
		check "body $f: sigil get <- nginx" '[ $rc -eq 0 ]' "$TMP/get.err" "$NG/error.log"
	done
	# nginx's 301 has a body (an HTML page) that is not the document.
	timeout $T "$SIGIL" get -L --cacert "$CA2" "https://127.0.0.1:$NG_PORT/sub" >"$TMP/get.out" 2>"$TMP/get.err"
	rc=$?
	check "sigil get -L <- nginx: the redirect's body is not output" \
		'[ $rc -eq 0 ] && cmp -s "$TMP/get.out" "$ROOT/sub/index.html"' "$TMP/get.err" "$TMP/get.out"
	timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$NG_PORT/nope" >/dev/null 2>"$TMP/get.err"
	rc=$?
	check "sigil get <- nginx: 404 exits 6" '[ $rc -eq 6 ]' "$TMP/get.err"
else
	skip "nginx is not installed: no sigil get <- nginx"
fi

# ---------------------------------------------------------------------------
# 4. sigil get: exit codes and -v.
timeout $T "$SIGIL" get -v --cacert "$CA2" "$U/p1.txt" >"$TMP/get.out" 2>"$TMP/get.err"
rc=$?
check "get: exit 0, the body on stdout" '[ $rc -eq 0 ] && [ "$(cat "$TMP/get.out")" = first ]' "$TMP/get.err"
check "get -v: version, suite, group, signature, ALPN" \
	'grep -q "^\* TLS 1.3, TLS_AES_128_GCM_SHA256, group X25519MLKEM768, signature ecdsa_secp256r1_sha256, ALPN http/1.1" \
	 "$TMP/get.err"' "$TMP/get.err"
check "get -v: the chain with subject, issuer and expiry" \
	'grep -q "subject: CN=localhost" "$TMP/get.err" && grep -q "issuer: CN=serve test CA" "$TMP/get.err" &&
	 grep -q "expires: 20" "$TMP/get.err"' "$TMP/get.err"
timeout $T "$SIGIL" get -L --cacert "$CA2" "$U/sub" >"$TMP/get.out" 2>"$TMP/get.err"
rc=$?
check "get -L: follows the 301 of a directory" '[ $rc -eq 0 ] && cmp -s "$TMP/get.out" "$ROOT/sub/index.html"' \
	"$TMP/get.err"
timeout $T "$SIGIL" get --cacert "$CA2" "$U/sub" >"$TMP/get.out" 2>"$TMP/get.err"
rc=$?
# Not silently 0 with nothing printed: the Location and how to follow it.
check "get: no -L, no redirect followed: exit 6, the Location and -L named" \
	'[ $rc -eq 6 ] && [ ! -s "$TMP/get.out" ] &&
	 grep -q "HTTP 301 Moved Permanently: the document is at /sub/; -L follows it" "$TMP/get.err"' "$TMP/get.err"
timeout $T "$SIGIL" get --cacert "$CA" "$U/p1.txt" >"$TMP/get.out" 2>"$TMP/get.err"
rc=$?
check "get: another CA (--cacert) exits 5" '[ $rc -eq 5 ] && [ ! -s "$TMP/get.out" ]' "$TMP/get.err"
serve "$TMP/noip.log" --threads 1 --cert "$TMP/noip.crt" --key "$TMP/noip.key"
timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$PORT/" >"$TMP/get.out" 2>"$TMP/get.err"
rc=$?
check "get: 127.0.0.1 with a certificate lacking that IP exits 5" '[ $rc -eq 5 ] && [ ! -s "$TMP/get.out" ]' \
	"$TMP/get.err"
timeout $T "$SIGIL" get --cacert "$CA2" "https://localhost:$PORT/" >/dev/null 2>"$TMP/get.err"
rc=$?
check "get: the same server by its name exits 0" '[ $rc -eq 0 ]' "$TMP/get.err"
kill "$SPID" 2>/dev/null
timeout $T "$SIGIL" get --cacert "$CA2" "$U/nope" >/dev/null 2>"$TMP/get.err"
rc=$?
check "get: 404 exits 6" '[ $rc -eq 6 ] && grep -q "404" "$TMP/get.err"' "$TMP/get.err"
CLOSED=$(free_port)
timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$CLOSED/" >/dev/null 2>"$TMP/get.err"
rc=$?
check "get: a closed port exits 3" '[ $rc -eq 3 ]' "$TMP/get.err"
timeout $T "$SIGIL" get >/dev/null 2>"$TMP/get.err"
rc=$?
check "get: no URL exits 2" '[ $rc -eq 2 ]' "$TMP/get.err"
timeout $T "$SIGIL" get "http://127.0.0.1:$SITE/" >/dev/null 2>"$TMP/get.err"
rc=$?
check "get: an http:// URL exits 2" '[ $rc -eq 2 ]' "$TMP/get.err"
timeout $T "$SIGIL" get --bogus "$U/" >/dev/null 2>"$TMP/get.err"
rc=$?
check "get: an unknown option exits 2" '[ $rc -eq 2 ]' "$TMP/get.err"

# ---------------------------------------------------------------------------
# 5. HTTP edge cases, raw, against the site.
# raw NAME REQUEST: send REQUEST in one write; $TMP/NAME.out gets the bytes
# that came back, $TMP/NAME.err how the connection ended.
raw() {
	$RAW send "$SITE" "$CA2" "$2" >"$TMP/$1.out" 2>"$TMP/$1.err"
}

i=0
for target in '/../secret.txt' '/%2e%2e/secret.txt' '/%2E%2E/%2e%2e/secret.txt' '/sub/..%2F..%2Fsecret.txt' \
	'/..%2Fsecret.txt' '/sub%2F..%2F..%2Fsecret.txt' '/sub/../../secret.txt' '/escape' '/..%5Csecret.txt' \
	'/%2Fetc%2Fpasswd' '/sub/%2e%2e/%2e%2e/secret.txt' '/.%2e/secret.txt'; do
	i=$((i + 1))
	raw "trav$i" "GET $target HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"
	st=$(status "$TMP/trav$i.out")
	check "traversal $target: $st, not the file" \
		'case $st in 403|404) ! grep -q TOPSECRET "$TMP/trav$i.out" ;; *) false ;; esac' "$TMP/trav$i.out"
done
# A raw backslash is not a URI character at all (RFC 3986): 400 is right.
raw travbs 'GET /..\\secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
st=$(status "$TMP/travbs.out")
check "traversal with a raw backslash: $st, not the file" \
	'case $st in 400|403|404) ! grep -q TOPSECRET "$TMP/travbs.out" ;; *) false ;; esac' "$TMP/travbs.out"
# A FIFO under the root: opened blocking, each request for it hung a
# worker until nothing was served and SIGTERM went unheard.  (The
# server has 2 threads: 6 requests would have taken them all.)
mkfifo "$TMP/root/fifo" 2>/dev/null
if [ -p "$TMP/root/fifo" ]; then
	good=0
	for i in 1 2 3 4 5 6; do
		$RAW send "$SITE" "$CA2" 'GET /fifo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$TMP/fifo.out" 2>"$TMP/fifo.err"
		[ "$(status "$TMP/fifo.out")" = 403 ] && grep -q "end: close_notify" "$TMP/fifo.err" && good=$((good + 1))
	done
	check "a FIFO under the root: 403 at once, six times ($good of 6)" '[ $good -eq 6 ]' "$TMP/fifo.out" "$TMP/fifo.err"
	timeout $T curl -sS --cacert "$CA2" "$U/p3.txt" >"$TMP/fifo2.out" 2>&1
	check "... and the workers still serve" 'grep -q third "$TMP/fifo2.out"' "$TMP/fifo2.out"
else
	skip "mkfifo failed: no FIFO test"
fi
raw inside 'GET /inside HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "a symlink inside the root is served" \
	'[ "$(status "$TMP/inside.out")" = 200 ] && tail -c 5 "$TMP/inside.out" | grep -q first' "$TMP/inside.out"

i=0
for req in 'GARBAGE\r\n\r\n' 'GET / HTTP/1.1\r\n\r\n' 'GET / HTTP/1.1\r\nHost : x\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n' \
	'POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc' \
	'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: x\r\n folded: y\r\n\r\n' 'GET / HTTP/1.1\nHost: x\n\n' \
	'GET /p1.txt HTTP/1.1\r\nHost: x\r\n\r\nGET  /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n'; do
	i=$((i + 1))
	raw "bad$i" "$req"
	# The last one is a good request followed by a bad one.
	check "malformed $i: 400, then a clean close" \
		'grep -aq "HTTP/1.1 400" "$TMP/bad$i.out" && grep -q "end: close_notify" "$TMP/bad$i.err" &&
		 [ "$(responses "$TMP/bad$i.out")" = "$( [ $i -eq 9 ] && echo "200 400 " || echo "400 ")" ]' "$TMP/bad$i.out" "$TMP/bad$i.err"
done
raw badver 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'
check "HTTP/2.0 in a request line: 505, clean close" \
	'[ "$(status "$TMP/badver.out")" = 505 ] && grep -q "end: close_notify" "$TMP/badver.err"' "$TMP/badver.out"
raw badmeth 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n'
check "an unknown method: 501" '[ "$(status "$TMP/badmeth.out")" = 501 ]' "$TMP/badmeth.out"
# Every head comes from src/http's writer, with its one table of phrases
# (serve's own table said "417 Unknown").
raw expect 'GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n'
check "an unknown expectation: 417 Expectation Failed" \
	'head -n 1 "$TMP/expect.out" | grep -q "^HTTP/1.1 417 Expectation Failed" && grep -q "end: close_notify" "$TMP/expect.err"' \
	"$TMP/expect.out"
long=$(head -c 20000 /dev/zero | tr '\0' a)
raw long "GET /$long HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
check "a 20 kB request-line: 414, clean close" \
	'[ "$(status "$TMP/long.out")" = 414 ] && grep -q "end: close_notify" "$TMP/long.err"' "$TMP/long.out"
long=$(head -c 8000 /dev/zero | tr '\0' a)
raw long8k "GET /$long HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"
check "an 8,000-byte path: 414 (it was 403)" '[ "$(status "$TMP/long8k.out")" = 414 ]' "$TMP/long8k.out"
long=$(head -c 9000 /dev/zero | tr '\0' a)
raw bighead "GET / HTTP/1.1\\r\\nHost: x\\r\\nA: $long\\r\\nB: $long\\r\\n\\r\\n"
check "an 18 kB header block: 431, clean close" \
	'[ "$(status "$TMP/bighead.out")" = 431 ] && grep -q "end: close_notify" "$TMP/bighead.err"' "$TMP/bighead.out"

raw pipe 'GET /p1.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /p2.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /p3.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "pipelined requests in one write: answered in order" \
	'[ "$(responses "$TMP/pipe.out")" = "200 200 200 200 " ] &&
	 [ "$(grep -ao "first\|second\|third" "$TMP/pipe.out" | tr "\n" " ")" = "first second third " ] &&
	 grep -q "end: close_notify" "$TMP/pipe.err"' "$TMP/pipe.out"

timeout $T curl -sS --cacert "$CA2" -r 100-199 -o "$TMP/range.out" -w '%{http_code}' "$U/f16385" \
	>"$TMP/range.code" 2>"$TMP/curl.log"
head -c 200 "$ROOT/f16385" | tail -c 100 >"$TMP/range.want"
check "Range bytes=100-199: 206 and those bytes" \
	'[ "$(cat "$TMP/range.code")" = 206 ] && cmp -s "$TMP/range.out" "$TMP/range.want"' "$TMP/curl.log"
timeout $T curl -sS --cacert "$CA2" -r -10 -o "$TMP/range.out" -w '%{http_code}' "$U/f16385" \
	>"$TMP/range.code" 2>"$TMP/curl.log"
tail -c 10 "$ROOT/f16385" >"$TMP/range.want"
check "Range bytes=-10: 206 and the last 10 bytes" \
	'[ "$(cat "$TMP/range.code")" = 206 ] && cmp -s "$TMP/range.out" "$TMP/range.want"' "$TMP/curl.log"
raw range416 'GET /f1 HTTP/1.1\r\nHost: x\r\nRange: bytes=5-9\r\nConnection: close\r\n\r\n'
check "Range past the end: 416 with Content-Range */1" \
	'[ "$(status "$TMP/range416.out")" = 416 ] && grep -q "^Content-Range: bytes \*/1" "$TMP/range416.out"' \
	"$TMP/range416.out"

raw lm 'HEAD /p1.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
lm=$(sed -n 's/^Last-Modified: //p' "$TMP/lm.out" | tr -d '\r')
check "HEAD: headers, Content-Length, no body" \
	'[ "$(status "$TMP/lm.out")" = 200 ] && grep -q "^Content-Length: 5" "$TMP/lm.out" && ! grep -q first "$TMP/lm.out" &&
	 [ "$(tail -c 4 "$TMP/lm.out" | od -An -c | tr -d " ")" = "\r\n\r\n" ]' "$TMP/lm.out"
raw ims "GET /p1.txt HTTP/1.1\\r\\nHost: x\\r\\nIf-Modified-Since: $lm\\r\\nConnection: close\\r\\n\\r\\n"
check "If-Modified-Since its Last-Modified: 304, no body" \
	'[ -n "$lm" ] && [ "$(status "$TMP/ims.out")" = 304 ] && ! grep -q first "$TMP/ims.out"' "$TMP/ims.out"
raw ims2 'GET /p1.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\nConnection: close\r\n\r\n'
check "If-Modified-Since an older date: 200" '[ "$(status "$TMP/ims2.out")" = 200 ]' "$TMP/ims2.out"
raw dir 'GET /sub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "a directory without its slash: 301 to /sub/" \
	'[ "$(status "$TMP/dir.out")" = 301 ] && grep -q "^Location: /sub/" "$TMP/dir.out"' "$TMP/dir.out"
raw dirdbl 'GET //sub?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "GET //sub: 301 to /sub/ (not to the protocol-relative //sub/, another host), the query kept" \
	'[ "$(status "$TMP/dirdbl.out")" = 301 ] && grep -q "^Location: /sub/?x=1.$" "$TMP/dirdbl.out"' "$TMP/dirdbl.out"
mkdir -p "$ROOT/a b"
raw dirsp 'GET /a%20b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "a directory with a space: the Location percent-encoded" \
	'[ "$(status "$TMP/dirsp.out")" = 301 ] && grep -q "^Location: /a%20b/.$" "$TMP/dirsp.out"' "$TMP/dirsp.out"
raw dir2 'GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "a directory with its slash: its index.html" \
	'[ "$(status "$TMP/dir2.out")" = 200 ] && grep -q "in a subdirectory" "$TMP/dir2.out"' "$TMP/dir2.out"
: >"$ROOT/javascript:alert(1)"
: >"$ROOT/q?#\"x"
raw listing 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "the root without index.html: a listing" \
	'[ "$(status "$TMP/listing.out")" = 200 ] && grep -q "href=\"./p1.txt\"" "$TMP/listing.out"' "$TMP/listing.out"
check "a file named javascript:alert(1) is listed as a relative, encoded link" \
	'! grep -qi "href=\"javascript" "$TMP/listing.out" && grep -q "href=\"./javascript%3Aalert(1)\"" "$TMP/listing.out" &&
	 grep -q "href=\"./q%3F%23%22x\">q?#&quot;x<" "$TMP/listing.out"' "$TMP/listing.out"
rm -f "$ROOT/javascript:alert(1)" "$ROOT/q?#\"x"
raw post 'POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /p2.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check "POST: 405 with Allow, its body skipped, the next request served" \
	'[ "$(status "$TMP/post.out")" = 405 ] && grep -q "^Allow: GET, HEAD" "$TMP/post.out" &&
	 grep -q "^HTTP/1.1 200" "$TMP/post.out" && tail -c 6 "$TMP/post.out" | grep -q second' "$TMP/post.out"
timeout $T curl -sS --cacert "$CA2" -o /dev/null -w '%{content_type}' "$U/sub/index.html" >"$TMP/ct" 2>&1
check "MIME type of .html" 'grep -q "^text/html" "$TMP/ct"' "$TMP/ct"
check "access log: Common Log Format plus TLS version, suite and group" \
	'grep -q "^127.0.0.1 - - \[.*\] \"GET /p1.txt HTTP/1.1\" 200 5 TLSv1.3 TLS_AES_128_GCM_SHA256 X25519MLKEM768$" "$TMP/access.log"' \
	"$TMP/access.log"

# A plain-HTTP request on the TLS port: a readable 400 page in the clear
# that says which URL to use, then a close (it was a TLS alert, which curl
# reports as "Received HTTP/0.9").
timeout $T curl -sS -o "$TMP/plain.out" -w '%{http_code}' "http://127.0.0.1:$SITE/p1.txt" >"$TMP/plain.code" \
	2>"$TMP/plain.err"
check "http:// to the TLS port: 400 and 'use https://127.0.0.1:$SITE/'" \
	'[ "$(cat "$TMP/plain.code")" = 400 ] &&
	 grep -q "This is an HTTPS port: use <a href=\"https://127.0.0.1:$SITE/\">" "$TMP/plain.out"' \
	"$TMP/plain.out" "$TMP/plain.err"
printf 'GET / HTTP/1.1\r\nHost: <script>x</script>\r\n\r\n' | timeout $T nc -q 3 127.0.0.1 "$SITE" >"$TMP/plain2.out" 2>&1
check "... a Host that is not a host name is not reflected" \
	'grep -q "^HTTP/1.1 400 Bad Request" "$TMP/plain2.out" && ! grep -q "<script>" "$TMP/plain2.out" &&
	 grep -q "https://127.0.0.1:$SITE/" "$TMP/plain2.out"' "$TMP/plain2.out"
timeout $T curl -sS --cacert "$CA2" -o "$TMP/c.out" "https://localhost:$SITE/p1.txt" 2>"$TMP/curl.log"
check "... and TLS on the same port goes on" '[ "$(cat "$TMP/c.out")" = first ]' "$TMP/curl.log"

# ---------------------------------------------------------------------------
# 6. Load: 500 connections open at once, then 3 keep-alive requests each.
timeout 40 "$LOAD" "$SITE" "$CA2" --conns 500 --reqs 3 --path /f16385 --expect "$ROOT/f16385" \
	>"$TMP/load.out" 2>"$TMP/load.err"
rc=$?
check "load: 500 concurrent connections, 1500 requests, no failure" \
	'[ $rc -eq 0 ] && grep -q "(500 open at once), 500 ok, 0 failed" "$TMP/load.out"' "$TMP/load.out" "$TMP/load.err"
echo "NOTE $(cat "$TMP/load.out")"
check "the site survived the load" \
	'timeout $T curl -sS --cacert "$CA2" "$U/p3.txt" | grep -q third' "$TMP/site.log"

# ---------------------------------------------------------------------------
# 7. Timeouts: silent, stalled mid-handshake, idle keep-alive.
serve "$TMP/to.log" --threads 1 --handshake-timeout 1 --idle-timeout 2 --cert "$TMP/site.crt" --key "$TMP/site.key" \
	--root "$ROOT"
TO=$PORT
# A download slower than the idle timeout is not idle (64 MiB at 20 MB/s:
# more than the socket buffers hold, so the server writes for over 2 s).
timeout 20 curl -sS --limit-rate 20M --cacert "$CA2" -o "$TMP/slow.out" "https://127.0.0.1:$TO/f64m" \
	2>"$TMP/slow.err" &
s4=$!
# Slowloris: a request head, one byte every 0.5 s, never finished.
$RAW drip "$TO" "$CA2" 8 >"$TMP/drip.out" 2>"$TMP/drip.err" &
s6=$!
# A client that stops reading in the middle of a 64 MiB response.
$RAW stall "$TO" "$CA2" /f64m 4 >"$TMP/stall2.out" 2>"$TMP/stall2.err" &
s5=$!
$RAW silent "$TO" >"$TMP/silent.out" 2>&1 &
s1=$!
# The first 5 bytes of a ClientHello record, then nothing.
$RAW silent "$TO" 1603010200 >"$TMP/stall.out" 2>&1 &
s2=$!
$RAW idle "$TO" "$CA2" >"$TMP/idle.out" 2>"$TMP/idle.err" &
s3=$!
sleep 0.3
# While those hold connections, the one worker still serves others.
timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$TO/" >/dev/null 2>"$TMP/get.err"
rc=$?
check "timeouts: silent clients do not hold the worker" '[ $rc -eq 0 ]' "$TMP/get.err"
wait $s1
check "a client that sends nothing is dropped at --handshake-timeout 1 ($(cat "$TMP/silent.out") s)" \
	'awk "{ exit !(\$1 >= 0.95 && \$1 <= 2.5) }" "$TMP/silent.out"' "$TMP/silent.out"
wait $s2
check "a client stalled mid-ClientHello is dropped at 1 s ($(cat "$TMP/stall.out") s)" \
	'awk "{ exit !(\$1 >= 0.95 && \$1 <= 2.5) }" "$TMP/stall.out"' "$TMP/stall.out"
wait $s3
check "an idle keep-alive connection is dropped at --idle-timeout 2 ($(head -n 1 "$TMP/idle.out") s)" \
	'awk "NR == 1 { exit !(\$1 >= 1.95 && \$1 <= 3.5) }" "$TMP/idle.out"' "$TMP/idle.out" "$TMP/idle.err"
check "the idle timeout closes with close_notify" 'grep -q "end: close_notify" "$TMP/idle.err"' "$TMP/idle.err"
wait $s4
rc=$?
check "a slow download (3 s) outlives --idle-timeout 2" '[ $rc -eq 0 ] && cmp -s "$TMP/slow.out" "$ROOT/f64m"' \
	"$TMP/slow.err"
wait $s6
check "a request head sent a byte at a time is dropped at --idle-timeout 2 ($(head -n 1 "$TMP/drip.out") s)" \
	'awk "NR == 1 { exit !(\$1 >= 1.7 && \$1 <= 3.5) }" "$TMP/drip.out"' "$TMP/drip.out" "$TMP/drip.err"
wait $s5
check "a client that stops reading is dropped at --idle-timeout 2 ($(head -n 1 "$TMP/stall2.out") bytes)" \
	'[ "$(head -n 1 "$TMP/stall2.out")" -lt $BIG ] && ! grep -q close_notify "$TMP/stall2.err"' \
	"$TMP/stall2.out" "$TMP/stall2.err"

# Slow readers: a client that never reads must not pin megabytes of the
# kernel's memory (about 3.8 MB each before TCP_NOTSENT_LOWAT), and when
# it is dropped for its time-out nothing stays queued for it (a plain
# close left the data in an orphan socket retransmitting for minutes).
if have ss; then
	$RAW unread "$TO" "$CA2" /f64m 20 7 >"$TMP/unread.out" 2>"$TMP/unread.err" &
	ur=$!
	wait_for "$TMP/unread.out" '^connected' 10
	sleep 1
	q=$(ss -tnH state established "( sport = :$TO )" | awk '{ s += $2; n++ } END { print n + 0, s + 0 }')
	n=${q% *}
	sq=${q#* }
	check "20 clients that do not read: the send queue is bounded ($((sq / 1024)) KiB for $n, at most 1 MiB each)" \
		'[ "$n" -ge 20 ] && [ "$sq" -le $((n * 1024 * 1024)) ]' "$TMP/unread.err"
	# --idle-timeout 2: they are dropped; 4 s later nothing of theirs is left.
	sleep 4
	left=$(ss -tnH state all "( sport = :$TO )" | grep -v LISTEN | awk '{ s += $3 } END { print s + 0 }')
	check "... and dropped with a reset: nothing left queued for them ($left bytes)" '[ "$left" -eq 0 ]' "$TMP/unread.err"
	wait $ur
else
	skip "ss is not installed: no send-queue measurement"
fi

# Pre-authentication memory: unfinished ClientHellos may hold at most
# --handshake-memory per thread; past it the oldest are dropped (1,000
# unfinished 16 KiB ones took the server from 7 to 56 MB of RSS).
serve "$TMP/hm.log" --threads 1 --handshake-timeout 20 --handshake-memory 256 --cert "$TMP/site.crt" --key "$TMP/site.key"
HM=$PORT
HM_PID=$(ps -o pid= --ppid "$SPID" | tr -d ' ' | head -n 1)
rss0=$(awk '/^VmRSS/ {print $2}' "/proc/${HM_PID:-$SPID}/status" 2>/dev/null)
$RAW hellos "$HM" 100 16384 3 >"$TMP/hm.out" 2>&1 &
hp=$!
wait_for "$TMP/hm.out" '^sent' 10
timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$HM/" >/dev/null 2>"$TMP/hm-get.err"
rc=$?
rss1=$(awk '/^VmRSS/ {print $2}' "/proc/${HM_PID:-$SPID}/status" 2>/dev/null)
wait $hp
closed=$(sed -n 's/^closed \([0-9]*\) of 100$/\1/p' "$TMP/hm.out")
check "100 unfinished 16 KiB ClientHellos, --handshake-memory 256: the oldest dropped ($closed of 100) long before the time-out" \
	'[ "${closed:-0}" -ge 70 ]' "$TMP/hm.out" "$TMP/hm.log"
check "... a real client is still served meanwhile" '[ $rc -eq 0 ]' "$TMP/hm-get.err"
check "... said once on stderr" '[ "$(grep -c "hold more than --handshake-memory 256 KiB" "$TMP/hm.log")" -eq 1 ]' "$TMP/hm.log"
echo "NOTE RSS with 100 unfinished 16 KiB ClientHellos and --handshake-memory 256: ${rss0:-?} -> ${rss1:-?} KiB"
kill "$SPID" 2>/dev/null

# File-descriptor exhaustion: accept failing with EMFILE spun at 100%
# CPU and files were answered 403.  Now accepting pauses (one line on
# stderr), the open connections go on, and a file that cannot be opened
# for lack of descriptors is a 503.
FD_PORT=$(free_port)
start_bg "$TMP/fd.log" 60 sh -c 'ulimit -n 48 && exec "$0" serve --listen "127.0.0.1:$1" --threads 1 --max-conns 1000 \
	--handshake-timeout 20 --cert "$2.crt" --key "$2.key" --root "$3"' "$SIGIL" "$FD_PORT" "$TMP/site" "$ROOT"
FD_SP=$BG
wait_for "$TMP/fd.log" '^sigil serve: https://' 10
FD_PID=$(ps -o pid= --ppid "$FD_SP" | tr -d ' ' | head -n 1)
$RAW twice "$FD_PORT" "$CA2" /p1.txt 3 >"$TMP/twice.out" 2>"$TMP/twice.err" &
tw=$!
wait_for "$TMP/twice.out" '^HTTP/1.1' 10
$RAW flood "$FD_PORT" 80 5 >"$TMP/flood.out" 2>&1 &
fl=$!
wait_for "$TMP/flood.out" '^flooding' 10
sleep 0.5
t0=$(awk '{ print $14 + $15 }' "/proc/$FD_PID/stat" 2>/dev/null)
sleep 1
t1=$(awk '{ print $14 + $15 }' "/proc/$FD_PID/stat" 2>/dev/null)
ticks=$(( ${t1:-0} - ${t0:-0} ))
check "out of descriptors: no busy loop ($ticks of $(getconf CLK_TCK) ticks in 1 s)" \
	'[ -n "$t0" ] && [ $ticks -lt $(( $(getconf CLK_TCK) / 2 )) ]' "$TMP/fd.log"
wait $tw
check "... an open connection goes on: its file is a 503 with Retry-After, not a 403" \
	'[ "$(sed -n 1p "$TMP/twice.out")" = "HTTP/1.1 200 OK" ] && [ "$(sed -n 2p "$TMP/twice.out")" = "HTTP/1.1 503 Service Unavailable" ]' \
	"$TMP/twice.out" "$TMP/twice.err"
check "... said once on stderr" '[ "$(grep -c "cannot accept: Too many open files" "$TMP/fd.log")" -eq 1 ]' "$TMP/fd.log"
wait $fl
n=0
until timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$FD_PORT/p2.txt" >"$TMP/fd-get.out" 2>&1 || [ $n -ge 10 ]; do
	sleep 0.5
	n=$((n + 1))
done
check "... and when descriptors are free again it accepts and serves" \
	'grep -q second "$TMP/fd-get.out" && grep -q "accepting new connections again" "$TMP/fd.log"' "$TMP/fd-get.out" "$TMP/fd.log"
kill "$FD_SP" 2>/dev/null
# The default --max-conns fits RLIMIT_NOFILE (2 descriptors a connection).
timeout $T sh -c 'ulimit -n 256 && exec "$0" serve --listen 127.0.0.1:1 --threads 2 -v --cert "$1" --key "$1"' "$SIGIL" "$TMP/site.crt" \
	>"$TMP/mc0.log" 2>&1
check "the default --max-conns fits RLIMIT_NOFILE: (256 - 38) / (2 x 2 threads) = 54" \
	'grep -q "max-conns 54 a thread (RLIMIT_NOFILE 256)" "$TMP/mc0.log"' "$TMP/mc0.log"
start_bg "$TMP/mc.log" 60 sh -c 'ulimit -n 48 && exec "$0" serve --listen "127.0.0.1:$1" --threads 1 --max-conns 500 \
	--cert "$2.crt" --key "$2.key"' "$SIGIL" "$(free_port)" "$TMP/site"
wait_for "$TMP/mc.log" '^sigil serve: https://' 10
check "--max-conns beyond RLIMIT_NOFILE: a warning with the numbers" \
	'grep -q "warning: --max-conns 500 with 1 thread needs about 1035 descriptors and RLIMIT_NOFILE is 48" "$TMP/mc.log"' \
	"$TMP/mc.log"
kill "$BG" 2>/dev/null

# A request body being skipped (after a 405) has its own deadline, which
# its bytes do not move: every byte used to push the idle deadline back.
$RAW slowbody "$TO" "$CA2" 1000000 16384 0.25 12 >"$TMP/sb1.out" 2>"$TMP/sb1.err"
check "a body skipped at 64 KB/s, 1 MB long: dropped near --idle-timeout 2 ($(cat "$TMP/sb1.out") s), not fed for ever" \
	'awk "{ exit !(\$1 + 0 > 0 && \$1 <= 6) }" "$TMP/sb1.out"' "$TMP/sb1.out" "$TMP/sb1.err"
serve "$TMP/sb.log" --threads 1 --idle-timeout 8 --cert "$TMP/site.crt" --key "$TMP/site.key" --root "$ROOT"
$RAW slowbody "$PORT" "$CA2" 1000 1 0.5 12 >"$TMP/sb2.out" 2>"$TMP/sb2.err"
check "a body skipped at 2 bytes/s: dropped for its rate ($(cat "$TMP/sb2.out") s), before --idle-timeout 8" \
	'awk "{ exit !(\$1 + 0 > 0 && \$1 <= 6) }" "$TMP/sb2.out"' "$TMP/sb2.out" "$TMP/sb2.err"
raw post2 'POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc'
check "a body too large to skip: the 405 says Connection: close" \
	'[ "$(status "$TMP/post2.out")" = 405 ] && grep -q "^Connection: close" "$TMP/post2.out"' "$TMP/post2.out"
kill "$SPID" 2>/dev/null

# ---------------------------------------------------------------------------
# 8. SIGTERM under load: every completed response is whole, exit 0 soon.
serve "$TMP/term.log" --threads 2 --cert "$TMP/site.crt" --key "$TMP/site.key" --root "$ROOT"
TERM_PORT=$PORT
TERM_PID=$SPID
timeout 30 "$LOAD" "$TERM_PORT" "$CA2" --conns 40 --reqs 2 --path /f2m --expect "$ROOT/f2m" --loop 15 \
	>"$TMP/term.out" 2>"$TMP/term.err" &
lp=$!
sleep 1.5
kill -TERM "$TERM_PID"
t0=$(date +%s)
gone "$TERM_PID" 5
rc=$?
check "SIGTERM under load: the server exits within 5 s" '[ $rc -eq 0 ]' "$TMP/term.log"
wait "$TERM_PID"
rc=$?
check "SIGTERM: exit status 0" '[ $rc -eq 0 ] && grep -q "sigil serve: stopped" "$TMP/term.log"' "$TMP/term.log"
wait $lp
check "SIGTERM: every completed response is whole" \
	'grep -q "^loop: [1-9][0-9]* whole, 0 broken" "$TMP/term.out"' "$TMP/term.out" "$TMP/term.err"
echo "NOTE SIGTERM $(cat "$TMP/term.out")"

# ---------------------------------------------------------------------------
# 9. SIGHUP reloads the certificate without dropping a connection.
cp "$TMP/site.crt" "$TMP/live.crt"
cp "$TMP/site.key" "$TMP/live.key"
serve "$TMP/hup.log" --threads 2 --cert "$TMP/live.crt" --key "$TMP/live.key"
HUP=$PORT
HUP_PID=$SPID
old=$(openssl x509 -in "$TMP/site.crt" -noout -serial | sed 's/^serial=//')
$RAW hold "$HUP" "$CA2" 2 >"$TMP/hold.out" 2>"$TMP/hold.err" &
hp=$!
wait_for "$TMP/hold.out" '^HTTP/1.1 200' 5
timeout $T "$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/new" >"$TMP/ca.log" 2>&1
new=$(openssl x509 -in "$TMP/new.crt" -noout -serial | sed 's/^serial=//')
cp "$TMP/new.crt" "$TMP/live.crt"
cp "$TMP/new.key" "$TMP/live.key"
kill -HUP "$HUP_PID"
wait_for "$TMP/hup.log" 'reloaded' 5
seen=$(timeout $T openssl s_client -verify_return_error -CAfile "$CA2" -connect "127.0.0.1:$HUP" </dev/null 2>/dev/null |
	openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//')
check "SIGHUP: new connections see the new certificate ($new)" \
	'[ -n "$new" ] && [ "$new" != "$old" ] && [ "$seen" = "$new" ]' "$TMP/hup.log" "$TMP/ca.log"
wait $hp
check "SIGHUP: an open connection goes on, with the old certificate" \
	'[ "$(grep -c "^HTTP/1.1 200" "$TMP/hold.out")" -eq 2 ] &&
	 grep -qi "^serial $(echo "$old" | sed "s/^0*//")$" "$TMP/hold.out"' \
	"$TMP/hold.out" "$TMP/hold.err"
kill -0 "$HUP_PID" 2>/dev/null
rc=$?
check "SIGHUP: the server still runs" '[ $rc -eq 0 ]' "$TMP/hup.log"
# A reload that fails keeps the old certificate and says why, in one line.
# (timeout(1) passes on one SIGHUP only: signal sigil itself.)
HUP_SIGIL=$(ps -o pid= --ppid "$HUP_PID" | tr -d ' ' | head -n 1)
echo "not a certificate" >"$TMP/live.crt"
kill -HUP "${HUP_SIGIL:-$HUP_PID}"
wait_for "$TMP/hup.log" 'reload failed' 5
check "SIGHUP with a garbage certificate: one line with the reason" \
	'grep -q "SIGHUP: reload failed, keeping the old certificate: --cert $TMP/live.crt: no certificate in the file" \
	 "$TMP/hup.log"' "$TMP/hup.log"
seen=$(timeout $T openssl s_client -verify_return_error -CAfile "$CA2" -connect "127.0.0.1:$HUP" </dev/null 2>/dev/null |
	openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//')
check "... and goes on with the certificate it had" '[ "$seen" = "$new" ]' "$TMP/hup.log"
cp "$TMP/new.crt" "$TMP/live.crt"
cp "$TMP/site.key" "$TMP/live.key"
kill -HUP "${HUP_SIGIL:-$HUP_PID}"
wait_for "$TMP/hup.log" 'reload failed.*does not match' 5
check "SIGHUP with a key that does not match: the reason" \
	'grep -q "reload failed, keeping the old certificate: --cert $TMP/live.crt, --key $TMP/live.key: the private key does not match" \
	 "$TMP/hup.log"' "$TMP/hup.log"

# ---------------------------------------------------------------------------
# 9b. A certificate that has expired, is not yet valid or expires within
# 7 days: a warning with the date at start-up.
timeout $T "$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --days 3 --out "$TMP/soon" >/dev/null 2>&1
serve "$TMP/soon.log" --threads 1 --cert "$TMP/soon.crt" --key "$TMP/soon.key"
check "a certificate expiring in 3 days: a warning with the date" \
	'grep -Eq "warning: --cert $TMP/soon.crt \(CN=localhost\) expires on 20[0-9-]+T[0-9:]+Z, in 3 days" "$TMP/soon.log"' \
	"$TMP/soon.log"
kill "$SPID" 2>/dev/null
check "a certificate valid for a year: no warning" '! grep -q warning "$TMP/site.log"' "$TMP/site.log"
OCA=$TMP/oca
mkdir -p "$OCA"
: >"$OCA/index.txt"
echo 1000 >"$OCA/serial"
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index.txt\nserial = %s/serial\nnew_certs_dir = %s\ndefault_md = sha256\npolicy = p\nunique_subject = no\nx509_extensions = e\n[p]\ncommonName = supplied\n[e]\nbasicConstraints = critical,CA:FALSE\nsubjectAltName = DNS:localhost,IP:127.0.0.1\n' \
	"$OCA" "$OCA" "$OCA" >"$OCA/ca.cnf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OCA/ca.key" -subj /CN=oca -days 30 \
	-out "$OCA/ca.crt" >/dev/null 2>&1
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OCA/leaf.key" -subj /CN=localhost \
	-out "$OCA/leaf.csr" >/dev/null 2>&1
openssl ca -batch -config "$OCA/ca.cnf" -cert "$OCA/ca.crt" -keyfile "$OCA/ca.key" -startdate 20200101000000Z \
	-enddate 20200201000000Z -in "$OCA/leaf.csr" -out "$OCA/expired.crt" >/dev/null 2>&1
openssl ca -batch -config "$OCA/ca.cnf" -cert "$OCA/ca.crt" -keyfile "$OCA/ca.key" -startdate 20990101000000Z \
	-enddate 20990201000000Z -in "$OCA/leaf.csr" -out "$OCA/future.crt" >/dev/null 2>&1
serve "$TMP/exp.log" --threads 1 --cert "$OCA/expired.crt" --key "$OCA/leaf.key"
check "an expired certificate: a warning with the date" \
	'grep -q "warning: --cert $OCA/expired.crt (CN=localhost) expired on 2020-02-01T00:00:00Z, [0-9]* days ago" "$TMP/exp.log"' \
	"$TMP/exp.log"
kill "$SPID" 2>/dev/null
serve "$TMP/fut.log" --threads 1 --cert "$OCA/future.crt" --key "$OCA/leaf.key"
check "a certificate not yet valid: a warning with the date" \
	'grep -q "warning: --cert $OCA/future.crt (CN=localhost) is not valid before 2099-01-01T00:00:00Z" "$TMP/fut.log"' \
	"$TMP/fut.log"
kill "$SPID" 2>/dev/null


# ---------------------------------------------------------------------------
# 10. Listening safely: an address another server holds is refused.
serve "$TMP/la.log" --threads 2 --cert "$TMP/site.crt" --key "$TMP/site.key"
LA=$PORT
LA_PID=$SPID
timeout $T "$SIGIL" serve --listen "127.0.0.1:$LA" --threads 2 --cert "$TMP/noip.crt" --key "$TMP/noip.key" \
	>"$TMP/lb.log" 2>&1
rc=$?
check "a second sigil serve on a held address exits 1 and says why" \
	'[ $rc -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$LA: another sigil serve listens there" "$TMP/lb.log"' \
	"$TMP/lb.log"
timeout $T "$SIGIL" serve --listen "localhost:$LA" --threads 1 --cert "$TMP/noip.crt" --key "$TMP/noip.key" \
	>"$TMP/lb2.log" 2>&1
rc=$?
check "... also when named localhost and with one thread" '[ $rc -eq 1 ] && grep -q "another sigil serve" "$TMP/lb2.log"' \
	"$TMP/lb2.log"
timeout $T "$SIGIL" serve --listen "0.0.0.0:$LA" --threads 1 --cert "$TMP/noip.crt" --key "$TMP/noip.key" \
	>"$TMP/lb3.log" 2>&1
rc=$?
check "... and on 0.0.0.0 of the same port" '[ $rc -eq 1 ] && grep -q "in use by another listener" "$TMP/lb3.log"' \
	"$TMP/lb3.log"
# Every new connection still reaches the first server (the certificate
# with 127.0.0.1 in it), none the second.
i=0; good=0
while [ $i -lt 20 ]; do
	timeout $T "$SIGIL" get --cacert "$CA2" "https://127.0.0.1:$LA/" >/dev/null 2>&1 && good=$((good + 1))
	i=$((i + 1))
done
check "the first server keeps every connection (20 of 20)" '[ $good -eq 20 ]' "$TMP/la.log"
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print("listening", s.getsockname()[1], flush=True)
time.sleep(20)' >"$TMP/py.log" 2>&1 &
PY=$!
BG_PIDS="$BG_PIDS $PY"
wait_for "$TMP/py.log" '^listening' 5
PYPORT=$(sed -n 's/^listening //p' "$TMP/py.log")
if [ -n "$PYPORT" ]; then
	timeout $T "$SIGIL" serve --listen "127.0.0.1:$PYPORT" --cert "$TMP/noip.crt" --key "$TMP/noip.key" >"$TMP/lp.log" 2>&1
	rc=$?
	check "an address another program listens on is refused" \
		'[ $rc -eq 1 ] && grep -q "in use by another listener" "$TMP/lp.log"' "$TMP/lp.log"
else
	fail "the test's own listener did not start" "$TMP/py.log"
fi
kill "$PY" 2>/dev/null
# A deliberate multi-process set-up: both with --reuse-port.
RP=$(free_port)
start_bg "$TMP/rp1.log" 60 "$SIGIL" serve --listen "127.0.0.1:$RP" --reuse-port --threads 1 --cert "$TMP/site.crt" \
	--key "$TMP/site.key"
wait_for "$TMP/rp1.log" '^sigil serve: https://' 10
start_bg "$TMP/rp2.log" 60 "$SIGIL" serve --listen "127.0.0.1:$RP" --reuse-port --threads 1 --cert "$TMP/site.crt" \
	--key "$TMP/site.key"
wait_for "$TMP/rp2.log" '^sigil serve: https://' 10
rc=$?
check "--reuse-port on both: two processes share the address" '[ $rc -eq 0 ]' "$TMP/rp1.log" "$TMP/rp2.log"
# Stopped after serving, the address is free again at once (connections
# left in TIME_WAIT do not count as a holder).
kill -TERM "$LA_PID"
gone "$LA_PID" 5
timeout $T "$SIGIL" serve --listen "127.0.0.1:$LA" --threads 2 --cert "$TMP/site.crt" --key "$TMP/site.key" \
	>"$TMP/lc.log" 2>&1 &
lc=$!
BG_PIDS="$BG_PIDS $lc"
wait_for "$TMP/lc.log" '^sigil serve: https://' 10
rc=$?
check "a restart on the address just freed starts" '[ $rc -eq 0 ]' "$TMP/lc.log"
kill "$lc" 2>/dev/null

finish
