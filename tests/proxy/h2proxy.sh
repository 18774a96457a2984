#!/bin/sh
# sigil serve --proxy over HTTP/2 (issue 20: h2 downstream, HTTP/1.1
# upstream): curl --http2, nghttp and h2load through sigil serve to
# tests/proxy/upstream.py and to the bank on a Unix socket.  The request
# mapped as RFC 9113 8.3.1 says (Host from :authority, cookies joined),
# the identity fields as over HTTP/1.1, bodies both ways with and without
# content-length, a slow or stalled upstream holding only its own stream,
# 502 / 504, streams beyond the per-connection limit queued, aborted
# streams leaving no descriptor behind, 1 GiB streamed with a small RSS.
# Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

. "$HERE/lib.sh"
proxy_setup h2proxy.sh
if ! curl -V | grep -q nghttp2; then
	skip "h2proxy.sh: this curl has no HTTP/2"
	finish
fi

start_bg "$TMP/serve.log" 600 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 2 -v \
	--client-ca "$CA/root.crt" --request-client-cert --authz "$TMP/authz" \
	--access-log "$TMP/access.log" \
	--proxy-first-byte-timeout 2 --proxy-idle-timeout 2 \
	--proxy "/bank/=unix:$SOCK" --proxy "/private/=http://127.0.0.1:$UPORT" \
	--proxy "/dead/=http://127.0.0.1:$DEAD" --proxy "/=http://127.0.0.1:$UPORT"
SPID=$BG
wait_for "$TMP/serve.log" '^sigil serve: https:' 10 || { fail "sigil serve starts" "$TMP/serve.log"; finish; }
sleep 0.3
URL=https://localhost:$PORT
C="curl -sS --http2 --max-time $T --cacert $CA/root.crt"
A="--cert $TMP/alice.crt --key $TMP/alice.key"

v=$($C -o /dev/null -w '%{http_version}' "$URL/echo" 2>/dev/null)
check "with --proxy, curl gets h2 (got $v)" '[ "$v" = 2 ]'

# The request as an HTTP/1.1 upstream sees it.
$C -o "$TMP/echo" -H 'X-Client-Verify: SUCCESS' -H 'X-Client-Subject: CN=bob' -H 'X-Forwarded-For: 10.9.9.9' \
	-H 'Forwarded: for=evil' "$URL/echo?q=1"
check "forwarded: the request line, target unchanged" 'head -1 "$TMP/echo" | grep -q "^GET /echo?q=1 HTTP/1.1"'
check "Host from :authority (RFC 9113 8.3.1), once" '[ "$(grep -ci "^host:" "$TMP/echo")" = 1 ] && grep -q "^Host: localhost:$PORT" "$TMP/echo"'
check "no client certificate: X-Client-Verify: NONE, the forged fields gone" \
	'[ "$(grep -ci "^x-client-verify:" "$TMP/echo")" = 1 ] && grep -q "^X-Client-Verify: NONE" "$TMP/echo" && ! grep -qi "^x-client-subject" "$TMP/echo"'
check "X-Forwarded-For appended, Forwarded ours" 'grep -q "^X-Forwarded-For: 10.9.9.9, 127.0.0.1" "$TMP/echo" && [ "$(grep -ci "^forwarded:" "$TMP/echo")" = 1 ] && grep -q "^Forwarded: for=127.0.0.1;proto=https" "$TMP/echo"'
check "no HTTP/2 pseudo-field reaches the upstream" '! grep -q "^:" "$TMP/echo"'
$C $A -o "$TMP/echo" "$URL/echo"
check "alice: X-Client-Subject is hers" 'grep -q "^X-Client-Subject: CN=alice" "$TMP/echo" && grep -q "^X-Client-Verify: SUCCESS" "$TMP/echo"'
if have nghttp; then
	nghttp --no-verify-peer -H 'cookie: a=1' -H 'cookie: b=2' -H 'te: trailers' "$URL/echo" >"$TMP/echo" 2>&1
	check "cookie fields joined with '; ' into one (RFC 9113 8.2.3)" '[ "$(grep -ci "^cookie:" "$TMP/echo")" = 1 ] && grep -qi "^cookie: a=1; b=2" "$TMP/echo"' "$TMP/echo"
	check "te is not forwarded" '! grep -qi "^te:" "$TMP/echo"'
fi

# Bodies both ways.
head -c 3000000 /dev/urandom >"$TMP/req.bin"
WANT="3000000 $(openssl dgst -sha256 "$TMP/req.bin" | sed 's/.*= //')"
# A body refused early (the upstream is down: 502 before it is read) is
# dropped and credited back: the connection's window recovers, and the
# next stream's 3 MB on the same connection arrive whole.
check "a body whose stream failed leaves the connection's window open" \
	'[ "$($C --data-binary @"$TMP/req.bin" -o /dev/null "$URL/dead/x" "$URL/post")" = "$WANT" ]'
check "a 3 MB request body with content-length" '[ "$($C --data-binary @"$TMP/req.bin" "$URL/post")" = "$WANT" ]'
# Without content-length (curl sends none when the length is unknown):
# the upstream gets our chunks.
check "a 3 MB request body without content-length, chunked to the upstream" \
	'[ "$(cat "$TMP/req.bin" | $C -H "Content-Type: application/octet-stream" --data-binary @- "$URL/post")" = "$WANT" ]'
check "a POST with no body: content-length 0 upstream" '[ "$($C -X POST "$URL/post")" = "0 $(printf "" | openssl dgst -sha256 | sed "s/.*= //")" ]'
check "a chunked response, decoded into DATA" '[ "$($C "$URL/chunked?n=123456" | wc -c)" = 123456 ]'
check "a close-delimited response" '[ "$($C "$URL/close")" = "until the close" ]'
check "HEAD passes content-length, no body" '$C -I "$URL/huge?n=777" | grep -qi "^content-length: 777"'
check "hop-by-hop response fields dropped (connection)" '! $C -D - -o /dev/null "$URL/close" 2>/dev/null | grep -qi "^connection:"'

# Upstream connections are pooled across streams and connections.
before=$($C "$URL/conns")
$C "$URL/echo" "$URL/echo" "$URL/echo" "$URL/echo" -o /dev/null -o /dev/null -o /dev/null -o /dev/null
$C "$URL/echo" -o /dev/null
after=$($C "$URL/conns")
check "keep-alive pool: 6 requests, no new upstream connection ($before -> $after)" '[ "$after" = "$before" ]'

# The upstream's misbehaviour is a 502, never passed on.
for b in bad-cl-te bad-2cl bad-lf bad-status; do
	check "upstream $b: 502" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/$b")" = 502 ]'
done
check "upstream down: 502" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/dead/x")" = 502 ]'
check "upstream slow: 504 after --proxy-first-byte-timeout" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/slow")" = 504 ]'
check "error log lines for 502 and 504" 'grep -q "proxy /dead/: .*refused" "$TMP/serve.log" && grep -q "no response within 2 s" "$TMP/serve.log"'
check "a body that stalls: the stream is reset" '! $C -o /dev/null "$URL/stall" 2>/dev/null'

# One slow stream holds only itself: on one connection, /slow waits for
# its 504 while /echo is answered at once.
$C --parallel --parallel-immediate -o /dev/null -o /dev/null -w '%{url_effective} %{http_code} %{time_total}\n' \
	"$URL/slow" "$URL/echo" >"$TMP/par" 2>&1
slow_t=$(awk '/\/slow / {print $3}' "$TMP/par")
echo_t=$(awk '/\/echo / {print $3}' "$TMP/par")
check "multiplexed: /echo ($echo_t s) answered before the slow stream's 504 ($slow_t s)" \
	'grep -q "/slow 504" "$TMP/par" && grep -q "/echo 200" "$TMP/par" && awk -v a="$echo_t" -v b="$slow_t" "BEGIN { exit !(a < b) }"' "$TMP/par"
$C --parallel --parallel-immediate -o /dev/null -o "$TMP/after_stall" -w '%{url_effective} %{http_code}\n' \
	"$URL/stall" "$URL/echo" >"$TMP/par2" 2>&1
check "a stalled stream is reset, its neighbour on the connection served" 'grep -q "/echo 200" "$TMP/par2" && head -1 "$TMP/after_stall" | grep -q "^GET /echo"' "$TMP/par2"

# --authz before proxying, and the bank over h2.
proxy_authz_bank 4.56
check "the access log names HTTP/2.0 for proxied streams" 'grep -q "\"POST /bank/transfer HTTP/2.0\" 303" "$TMP/access.log"' "$TMP/access.log"

# Many streams at once: beyond the per-connection limit of upstream
# exchanges (32) they queue; h2load counts every response.
if have h2load; then
	h2load -n 400 -c 1 -m 100 "$URL/echo" >"$TMP/h2load1" 2>&1
	check "h2load, 1 client, 100 streams at once: 400 succeeded" 'grep -q "400 succeeded, 0 failed, 0 errored" "$TMP/h2load1"' "$TMP/h2load1"
	h2load -n 2000 -c 20 -m 10 "$URL/huge?n=1000" >"$TMP/h2load2" 2>&1
	check "h2load, 20 clients x 10 streams: 2000 succeeded" 'grep -q "2000 succeeded, 0 failed, 0 errored" "$TMP/h2load2"' "$TMP/h2load2"
fi

# Aborted streams: the client goes mid-body; their upstream sockets are
# closed, not leaked (the pool keeps at most 16 per route).
fds() { ls /proc/"$1"/fd 2>/dev/null | wc -l; }
SERVE_PID=$(pgrep -P "$SPID" -f 'sigil serve' || echo "$SPID")
fd0=$(fds "$SERVE_PID")
for i in 1 2 3 4 5 6 7 8 9 10; do
	$C -o /dev/null --max-time 0.3 "$URL/huge?n=1073741824" 2>/dev/null
done
sleep 1
fd1=$(fds "$SERVE_PID")
check "10 streams aborted mid-body leave no descriptor behind ($fd0 -> $fd1)" '[ "$fd1" -le "$((fd0 + 1))" ]'

# --proxy-connect-timeout: an application whose accept queue is full
# (listen backlog 0, filled, never accepted) lets no connection through;
# both proxies answer 504 after the time-out, not the old fixed 5 s.
BPORT=$(free_port)
start_bg "$TMP/bh.log" 120 python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(0)
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError: pass
    held.append(c)
print("listening", flush=True); time.sleep(120)' "$BPORT"
wait_for "$TMP/bh.log" '^listening' 10
PORT3=$(free_port)
start_bg "$TMP/serve3.log" 120 "$SIGIL" serve --listen "127.0.0.1:$PORT3" --threads 1 \
	--proxy-connect-timeout 1 --proxy "/=http://127.0.0.1:$BPORT"
wait_for "$TMP/serve3.log" '^sigil serve: https:' 10
for proto in --http2 --http1.1; do
	out=$(curl -sS $proto --max-time $T --cacert "$CA/root.crt" -o /dev/null -w '%{http_code} %{time_total}' "https://localhost:$PORT3/x")
	check "$proto: --proxy-connect-timeout 1: 504 within 4 s (got $out)" \
		'[ "${out% *}" = 504 ] && awk -v t="${out#* }" "BEGIN { exit !(t >= 0.9 && t < 4) }"' "$TMP/serve3.log"
done

# 1 GiB streamed through with a small RSS.
rss_max=0
$C -o /dev/null "$URL/huge?n=1073741824" -w '%{size_download}\n' >"$TMP/gib" &
CPID=$!
while kill -0 $CPID 2>/dev/null; do
	r=$(awk '/^VmRSS/ {print $2}' /proc/"$SERVE_PID"/status 2>/dev/null)
	[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 0.1
done
check "1 GiB response streamed whole over h2 ($(cat "$TMP/gib") bytes)" '[ "$(cat "$TMP/gib")" = 1073741824 ]'
case "$BUILD" in
*asan*) echo "NOTE RSS check skipped (max ${rss_max} KiB): ASan's allocator keeps freed memory in quarantine" ;;
*) check "sigil serve's RSS stayed under 64 MiB while it streamed (max ${rss_max} KiB)" '[ "$rss_max" -gt 0 ] && [ "$rss_max" -lt 65536 ]' ;;
esac
check "sigil serve still up" 'kill -0 $SPID'
finish
