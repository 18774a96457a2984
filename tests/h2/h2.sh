#!/bin/sh
# HTTP/2 in `sigil serve` (issue 20): curl --http2 and nghttp fetch files
# (bytes, Range, conditional, index, 404, --authz 403, access log says
# HTTP/2.0), the built-in page shows ALPN h2, h2load with 100 clients and
# 10,000 requests without an error, and each scripted attack (attack.py)
# ends in GOAWAY while the server keeps serving others.  --alpn refuses
# names sigil cannot speak; libsigil does not link nghttp2.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

SIGIL=$BUILD/sigil
ATTACK="timeout 60 python3 $HERE/attack.py"
export SIGIL_HOME="$TMP/home"

if [ ! -x "$SIGIL" ]; then
	echo "missing $SIGIL: run make"
	fail "build"
	finish
fi
for tool in curl python3; do
	if ! have "$tool"; then
		skip "h2.sh: $tool is not installed"
		finish
	fi
done
if ! curl -V | grep -q nghttp2; then
	skip "h2.sh: this curl has no HTTP/2"
	finish
fi

# serve LOG ARGS...: as tests/serve/serve.sh.  Sets PORT and SPID.
serve() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 120 "$SIGIL" serve --listen "127.0.0.1:$PORT" "$@"
	SPID=$BG
	wait_for "$log" '^sigil serve: https://' 10
}

ROOT=$TMP/root
mkdir -p "$ROOT/dir" "$ROOT/private"
head -c 1000000 /dev/urandom >"$ROOT/big.bin"
echo "index of dir" >"$ROOT/dir/index.html"
echo "secret" >"$ROOT/private/s.txt"
echo "small" >"$ROOT/small.txt"
printf '/private/ *\n' >"$TMP/authz"

# --alpn: only what is spoken.
"$SIGIL" serve --alpn h3,http/1.1 >"$TMP/alpn.log" 2>&1
rc=$?
check "--alpn h3 is refused (exit 2, names h3)" '[ $rc -eq 2 ] && grep -q "does not speak \"h3\"" "$TMP/alpn.log"' \
	"$TMP/alpn.log"
if [ -f "$BUILD/libsigil.so" ]; then
	check "libsigil.so does not depend on nghttp2" '! ldd "$BUILD/libsigil.so" | grep -q nghttp2'
fi

serve "$TMP/s.log" --root "$ROOT" --access-log "$TMP/access.log" --idle-timeout 3 --authz "$TMP/authz" -v
CA=$SIGIL_HOME/ca/root.crt
URL=https://localhost:$PORT
C="timeout $T curl -sS --http2 --cacert $CA"

$C -o "$TMP/big.out" -w '%{http_version} %{http_code}' "$URL/big.bin" >"$TMP/w1" 2>"$TMP/c1.log"
check "curl --http2: 1 MB file, HTTP/2 200, same bytes" \
	'[ "$(cat "$TMP/w1")" = "2 200" ] && cmp -s "$TMP/big.out" "$ROOT/big.bin"' "$TMP/c1.log" "$TMP/w1"
$C -r 1000-1999 -o "$TMP/r.out" -w '%{http_version} %{http_code}' "$URL/big.bin" >"$TMP/w2" 2>"$TMP/c2.log"
dd if="$ROOT/big.bin" of="$TMP/r.want" bs=1000 skip=1 count=1 2>/dev/null
check "curl --http2: Range 1000-1999 is 206 with those bytes" \
	'[ "$(cat "$TMP/w2")" = "2 206" ] && cmp -s "$TMP/r.out" "$TMP/r.want"' "$TMP/c2.log" "$TMP/w2"
LM=$($C -sI "$URL/small.txt" | sed -n 's/^last-modified: //p' | tr -d '\r')
$C -H "If-Modified-Since: $LM" -o "$TMP/ims.out" -w '%{http_code} %{size_download}' "$URL/small.txt" >"$TMP/w3" \
	2>"$TMP/c3.log"
check "curl --http2: If-Modified-Since is 304 without a body" '[ "$(cat "$TMP/w3")" = "304 0" ]' "$TMP/c3.log" "$TMP/w3"
$C -o "$TMP/idx.out" -w '%{http_code}' "$URL/dir/" >"$TMP/w4" 2>"$TMP/c4.log"
check "curl --http2: a directory's index.html" \
	'[ "$(cat "$TMP/w4")" = 200 ] && grep -q "index of dir" "$TMP/idx.out"' "$TMP/c4.log" "$TMP/w4"
$C -o /dev/null -w '%{http_code}' "$URL/dir" >"$TMP/w4b" 2>"$TMP/c4b.log"
check "curl --http2: a directory without / is redirected (301)" '[ "$(cat "$TMP/w4b")" = 301 ]' "$TMP/c4b.log"
$C -o /dev/null -w '%{http_code}' "$URL/nope" >"$TMP/w5" 2>"$TMP/c5.log"
check "curl --http2: a missing file is 404" '[ "$(cat "$TMP/w5")" = 404 ]' "$TMP/c5.log" "$TMP/w5"
$C -o "$TMP/403.out" -w '%{http_code}' "$URL/private/s.txt" >"$TMP/w6" 2>"$TMP/c6.log"
check "curl --http2: --authz without a certificate is 403" \
	'[ "$(cat "$TMP/w6")" = 403 ] && ! grep -q secret "$TMP/403.out"' "$TMP/c6.log" "$TMP/w6"
BIGH=$(head -c 17000 /dev/zero | tr '\0' a)
$C -H "X-Big: $BIGH" -o /dev/null -w '%{http_code}' "$URL/small.txt" >"$TMP/w6b" 2>"$TMP/c6b.log"
check "curl --http2: 17 KB of request fields is 431" '[ "$(cat "$TMP/w6b")" = 431 ]' "$TMP/c6b.log" "$TMP/w6b"
$C -X POST -d x=1 -o /dev/null -w '%{http_code}' "$URL/small.txt" >"$TMP/w7" 2>"$TMP/c7.log"
check "curl --http2: POST is 405" '[ "$(cat "$TMP/w7")" = 405 ]' "$TMP/c7.log" "$TMP/w7"
$C -v "$URL/small.txt" "$URL/dir/" "$URL/small.txt" >"$TMP/m.out" 2>"$TMP/c8.log"
check "curl --http2: three requests on one connection" \
	'[ "$(grep -c small "$TMP/m.out")" = 2 ] && grep -q "index of dir" "$TMP/m.out" &&
	 [ "$(grep -c "Connected to" "$TMP/c8.log")" = 1 ]' "$TMP/c8.log"
sleep 0.3
check "access log: HTTP/2.0 lines with status and bytes" \
	'grep -q "\"GET /big.bin HTTP/2.0\" 200 1000000 TLSv1.3" "$TMP/access.log" &&
	 grep -q "\"GET /big.bin HTTP/2.0\" 206 1000 " "$TMP/access.log" &&
	 grep -q "\"GET /private/s.txt HTTP/2.0\" 403 " "$TMP/access.log"' "$TMP/access.log"
timeout $T curl -sS --http1.1 --cacert "$CA" -o "$TMP/h1.out" -w '%{http_version}' "$URL/small.txt" >"$TMP/w9" \
	2>"$TMP/c9.log"
check "curl --http1.1 still gets HTTP/1.1" '[ "$(cat "$TMP/w9")" = 1.1 ] && grep -q small "$TMP/h1.out"' "$TMP/c9.log"

if have nghttp; then
	timeout $T nghttp --no-verify-peer "$URL/big.bin" >"$TMP/ng.out" 2>"$TMP/ng.log"
	check "nghttp: 1 MB file, same bytes" 'cmp -s "$TMP/ng.out" "$ROOT/big.bin"' "$TMP/ng.log"
	timeout $T nghttp --no-verify-peer -v -H "range: bytes=0-9" "$URL/big.bin" >"$TMP/ng2.out" 2>&1
	check "nghttp: Range is 206" 'grep -q ":status: 206" "$TMP/ng2.out"' "$TMP/ng2.out"
	timeout $T nghttp --no-verify-peer -v "$URL/nope" >"$TMP/ng3.out" 2>&1
	check "nghttp: 404, then GOAWAY from the client" 'grep -q ":status: 404" "$TMP/ng3.out"' "$TMP/ng3.out"
else
	skip "nghttp (nghttp2-client) is not installed"
fi

if have h2load; then
	timeout 60 h2load -n 10000 -c 100 "$URL/small.txt" >"$TMP/h2load.log" 2>&1
	check "h2load -n 10000 -c 100: all succeeded, no error" \
		'grep -q "10000 succeeded, 0 failed, 0 errored, 0 timeout" "$TMP/h2load.log" &&
		 grep -q "status codes: 10000 2xx" "$TMP/h2load.log"' "$TMP/h2load.log"
else
	skip "h2load (nghttp2-client) is not installed"
fi

# Attacks: each ends in GOAWAY (ENHANCE_YOUR_CALM = 11, or NO_ERROR = 0
# after the idle timeout for the zero window); meanwhile others are served.
for a in rapid-reset continuation settings ping zero-window; do
	$ATTACK "$PORT" "$a" /big.bin >"$TMP/at-$a.out" 2>&1 &
	apid=$!
	sleep 0.2
	$C -o "$TMP/during.out" "$URL/small.txt" 2>"$TMP/during.log"
	during=$?
	wait $apid
	arc=$?
	case $a in
	zero-window) code="goaway 0" ;;
	*) code="goaway 11" ;;
	esac
	check "attack $a: closed with GOAWAY ($code)" '[ $arc -eq 0 ] && grep -q "^$code$" "$TMP/at-$a.out"' \
		"$TMP/at-$a.out"
	$C -o "$TMP/after.out" "$URL/small.txt" 2>"$TMP/after.log"
	check "attack $a: others served during and after" \
		'[ $during -eq 0 ] && grep -q small "$TMP/during.out" && grep -q small "$TMP/after.out"' \
		"$TMP/during.log" "$TMP/after.log"
done
check "the server is still up" 'kill -0 $SPID' "$TMP/s.log"
check "the server said why it closed the attackers" \
	'grep -q "rapid reset: GOAWAY" "$TMP/s.log" && grep -q "PING flood" "$TMP/s.log" &&
	 grep -q "SETTINGS flood" "$TMP/s.log"' "$TMP/s.log"
kill "$SPID" 2>/dev/null

# The built-in page (no --root) says the connection chose h2.
serve "$TMP/b.log"
$C -o "$TMP/page.html" "https://localhost:$PORT/" 2>"$TMP/b.curl"
check "built-in page over h2 shows ALPN h2" 'grep -q "<td>ALPN</td><td>h2</td>" "$TMP/page.html"' \
	"$TMP/b.curl" "$TMP/page.html"
# Chromium (optional, as tests/interop/pq.sh): the page it renders says h2.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
	timeout $((60 * TMUL)) "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TMP/chromium.profile" --ignore-certificate-errors --dump-dom \
		"https://localhost:$PORT/" >"$TMP/chromium.html" 2>/dev/null </dev/null 3>&-
	check "Chromium: the built-in page shows ALPN h2" 'grep -q "<td>ALPN</td><td>h2</td>" "$TMP/chromium.html"' \
		"$TMP/chromium.html" "$TMP/b.log"
else
	skip "Chromium not installed (apt-get install chromium), or set CHROMIUM"
fi
kill "$SPID" 2>/dev/null

# SIGTERM: the download in flight finishes (GOAWAY with its stream).
serve "$TMP/t.log" --root "$ROOT"
$C --limit-rate 400k -o "$TMP/term.out" "https://localhost:$PORT/big.bin" 2>"$TMP/term.curl" &
cpid=$!
# SIGTERM once the download is under way (bytes have arrived): sent
# earlier, on a loaded machine, it can find the connection still in the
# accept queue, which the closing listener resets.
for _ in $(seq 100); do
	[ -s "$TMP/term.out" ] && break
	sleep 0.1
done
sleep 0.3
kill -TERM "$SPID"
wait $cpid
crc=$?
check "SIGTERM: an h2 download in flight completes" '[ $crc -eq 0 ] && cmp -s "$TMP/term.out" "$ROOT/big.bin"' \
	"$TMP/term.curl" "$TMP/t.log"

# --alpn http/1.1: h2 is not offered, curl --http2 falls back.
serve "$TMP/h1.log" --alpn http/1.1
$C -o /dev/null -w '%{http_version}' "https://localhost:$PORT/" >"$TMP/w10" 2>"$TMP/c10.log"
check "--alpn http/1.1: curl --http2 gets HTTP/1.1" '[ "$(cat "$TMP/w10")" = 1.1 ]' "$TMP/c10.log" "$TMP/w10"
kill "$SPID" 2>/dev/null

finish
