#!/bin/sh
# sigil serve --proxy: curl through sigil serve to tests/proxy/upstream.py
# (a hand-written HTTP/1.1 upstream that can misbehave) and to the bank
# (build/sigil-bank) on a Unix socket, with and without alice's client
# certificate from `sigil ca`.  Forwarding, streaming (a 1 GiB response
# with sigil serve's RSS read from /proc), chunked both ways, request
# smuggling refused, hop-by-hop fields dropped, forged X-Client-* removed
# and the real ones set, 502 / 504, keep-alive reuse counted at the
# upstream, --authz before proxying.  Over HTTP/1.1 (the same over h2 is
# h2proxy.sh).  Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

. "$HERE/lib.sh"
proxy_setup proxy.sh

start_bg "$TMP/serve.log" 600 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 2 -v \
	--client-ca "$CA/root.crt" --request-client-cert --authz "$TMP/authz" \
	--proxy-first-byte-timeout 2 --proxy-idle-timeout 2 \
	--proxy "/bank/=unix:$SOCK" --proxy "/up/=http://127.0.0.1:$UPORT" \
	--proxy "/private/=http://127.0.0.1:$UPORT" --proxy "/dead/=http://127.0.0.1:$DEAD" \
	--proxy "/=http://127.0.0.1:$UPORT"
SPID=$BG
wait_for "$TMP/serve.log" '^sigil serve: https:' 10 || { fail "sigil serve starts" "$TMP/serve.log"; finish; }
sleep 0.3
URL=https://localhost:$PORT
C="curl -sS --http1.1 --max-time $T --cacert $CA/root.crt"
A="--cert $TMP/alice.crt --key $TMP/alice.key"

# The upstream sees /echo's target unchanged: the proxy's own routes (/up/)
# reach it with the prefix.
echo_as() { $C "$@" -o "$TMP/echo" "$URL/echo"; }

echo_as -H 'X-Client-Verify: SUCCESS' -H 'X-Client-Subject: CN=bob' -H 'x-client-serial: 01' \
	-H 'X-Forwarded-Proto: http' -H 'Forwarded: for=evil' -H 'X-Forwarded-For: 10.9.9.9'
check "forwarded to the upstream" 'head -1 "$TMP/echo" | grep -q "^GET /echo HTTP/1.1"'
check "no client certificate: X-Client-Verify: NONE, once" '[ "$(grep -ci "^x-client-verify:" "$TMP/echo")" = 1 ] && grep -q "^X-Client-Verify: NONE" "$TMP/echo"'
check "forged X-Client-* removed" '! grep -qi "^x-client-subject\|^x-client-serial" "$TMP/echo"'
check "X-Forwarded-Proto: https only" '[ "$(grep -ci "^x-forwarded-proto:" "$TMP/echo")" = 1 ] && grep -q "^X-Forwarded-Proto: https" "$TMP/echo"'
check "X-Forwarded-For appended" 'grep -q "^X-Forwarded-For: 10.9.9.9, 127.0.0.1" "$TMP/echo"'
check "Forwarded set, the client's removed" '[ "$(grep -ci "^forwarded:" "$TMP/echo")" = 1 ] && grep -q "^Forwarded: for=127.0.0.1;proto=https;host=\"localhost:$PORT\"" "$TMP/echo"'
check "Host kept" 'grep -q "^Host: localhost:$PORT" "$TMP/echo"'

echo_as $A -H 'X-Client-Subject: CN=bob'
FP=$(openssl x509 -in "$TMP/alice.crt" -outform DER | openssl dgst -sha256 | sed 's/.*= //')
SER=$(openssl x509 -in "$TMP/alice.crt" -noout -serial | sed 's/serial=//')
check "alice: X-Client-Verify: SUCCESS" 'grep -q "^X-Client-Verify: SUCCESS" "$TMP/echo"'
check "alice: the subject, not the forged one" '[ "$(grep -ci "^x-client-subject:" "$TMP/echo")" = 1 ] && grep -q "^X-Client-Subject: CN=alice" "$TMP/echo"'
check "alice: the issuer" 'grep -q "^X-Client-Issuer: CN=sigil development CA" "$TMP/echo"'
check "alice: the fingerprint is SHA-256 of the DER" 'grep -qi "^X-Client-Fingerprint-SHA256: $FP" "$TMP/echo"'
check "alice: the serial" 'grep -qi "^X-Client-Serial: 0*$(echo $SER | sed "s/^0*//")" "$TMP/echo"'
check "no X-Client-Cert without --proxy-client-cert" '! grep -qi "^x-client-cert:" "$TMP/echo"'

# Hop-by-hop fields: the standard ones and those Connection names.
echo_as -H 'Connection: keep-alive, X-Secret' -H 'X-Secret: 1' -H 'Keep-Alive: 5' -H 'Upgrade: h2c' -H 'Proxy-Connection: x'
check "hop-by-hop fields and those named in Connection dropped" '! grep -qi "^x-secret:\|^keep-alive:\|^upgrade:\|^proxy-connection:\|^connection:" "$TMP/echo"'

# Bodies both ways.
head -c 3000000 /dev/urandom >"$TMP/req.bin"
WANT="3000000 $(openssl dgst -sha256 "$TMP/req.bin" | sed 's/.*= //')"
check "a 3 MB request body with Content-Length" '[ "$($C --data-binary @"$TMP/req.bin" "$URL/post")" = "$WANT" ]'
check "a 3 MB chunked request body" '[ "$($C -H "Transfer-Encoding: chunked" --data-binary @"$TMP/req.bin" "$URL/post")" = "$WANT" ]'
check "a chunked response" '[ "$($C "$URL/chunked?n=123456" | wc -c)" = 123456 ]'
check "a close-delimited response, chunked to the client" '[ "$($C -D "$TMP/h" "$URL/close")" = "until the close" ] && grep -qi "^transfer-encoding: chunked" "$TMP/h"'
check "HEAD passes Content-Length, no body" '$C -I "$URL/huge?n=777" | grep -qi "^content-length: 777"'

# Keep-alive: 5 requests on one client connection, then one more on
# another; the upstream counts its connections.
before=$($C "$URL/conns")
$C "$URL/echo" "$URL/echo" "$URL/echo" "$URL/echo" "$URL/echo" -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null
$C "$URL/echo" -o /dev/null
after=$($C "$URL/conns")
check "keep-alive pool: 7 requests, the upstream saw no new connection ($before -> $after)" '[ "$after" = "$before" ]'

# Smuggling: sent raw through openssl s_client.
raw() {
	printf "$1" | timeout "$T" openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername localhost \
		-CAfile "$CA/root.crt" 2>/dev/null | head -1
}
check "CL + TE refused (400)" 'raw "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" | grep -q " 400 "'
check "two different Content-Length refused (400)" 'raw "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" | grep -q " 400 "'
check "TE other than chunked refused (501)" 'raw "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" | grep -q " 501 \| 400 "'
check "obs-fold refused (400)" 'raw "GET /echo HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n" | grep -q " 400 "'
check "bare LF refused (400)" 'raw "GET /echo HTTP/1.1\nHost: x\n\n" | grep -q " 400 "'
ABC="3 $(printf abc | openssl dgst -sha256 | sed 's/.*= //')"
rawbody() {
	printf "$1" | timeout "$T" openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername localhost \
		-CAfile "$CA/root.crt" 2>/dev/null | tail -1
}
check "chunk extensions are decoded and the body framed again: the upstream reads abc" '[ "$(rawbody "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;x=\"a\"\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")" = "$ABC" ]'
check "a bad chunk size from the client: 400" 'raw "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" | grep -q " 400 "'
# The upstream's misbehaviour is a 502, never passed on.
for b in bad-cl-te bad-2cl bad-lf bad-status; do
	check "upstream $b: 502" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/$b")" = 502 ]'
done
check "upstream down: 502" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/dead/x")" = 502 ]'
check "upstream slow: 504 after --proxy-first-byte-timeout" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/slow")" = 504 ]'
check "error log lines for 502 and 504" 'grep -q "proxy /dead/: .*refused" "$TMP/serve.log" && grep -q "no response within 2 s" "$TMP/serve.log"'
check "a body that stalls: the client connection is cut" '! $C -o /dev/null "$URL/stall" 2>/dev/null'

# --authz before proxying, and the bank behind /bank/ on its Unix socket.
proxy_authz_bank 12.34

# --proxy-client-cert: the leaf as URL-encoded PEM.
PORT2=$(free_port)
start_bg "$TMP/serve2.log" 120 "$SIGIL" serve --listen "127.0.0.1:$PORT2" --threads 1 \
	--client-ca "$CA/root.crt" --request-client-cert --proxy-client-cert --proxy "/=http://127.0.0.1:$UPORT"
wait_for "$TMP/serve2.log" '^sigil serve: https:' 10
$C $A -o "$TMP/echo2" "https://localhost:$PORT2/echo"
python3 -c 'import sys, urllib.parse
for l in open(sys.argv[1], encoding="latin-1"):
    if l.lower().startswith("x-client-cert:"):
        sys.stdout.write(urllib.parse.unquote(l.split(":", 1)[1].strip()))' "$TMP/echo2" >"$TMP/cert2.pem"
check "--proxy-client-cert: X-Client-Cert is alice's certificate, URL-encoded PEM" \
	'[ "$(openssl x509 -in "$TMP/cert2.pem" -outform DER 2>/dev/null | openssl dgst -sha256 | sed "s/.*= //")" = "$FP" ]'
check "--proxy-client-cert: the newlines encoded (%0A), one field line" '[ "$(grep -ci "^x-client-cert:" "$TMP/echo2")" = 1 ] && grep -i "^x-client-cert:" "$TMP/echo2" | grep -q "CERTIFICATE-----%0A"'

# 1 GiB streamed through with a small RSS.
rss_max=0
$C -o /dev/null "$URL/huge?n=1073741824" -w '%{size_download}\n' >"$TMP/gib" &
CPID=$!
while kill -0 $CPID 2>/dev/null; do
	r=$(awk '/^VmRSS/ {print $2}' /proc/$(pgrep -P $SPID || echo $SPID)/status 2>/dev/null)
	[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 0.2
done
check "1 GiB response streamed whole ($(cat "$TMP/gib") bytes)" '[ "$(cat "$TMP/gib")" = 1073741824 ]'
check "sigil serve's RSS stayed under 64 MiB while it streamed (max ${rss_max} KiB)" '[ "$rss_max" -gt 0 ] && [ "$rss_max" -lt 65536 ]'
# With --proxy, h2 stays offered (h2proxy.sh tests it): an HTTP/1.1-only
# client still gets the proxy over HTTP/1.1.
v=$($C -o /dev/null -w '%{http_version}' "$URL/up/echo" 2>/dev/null)
check "with --proxy and --http1.1, curl gets HTTP/1.1 (got $v)" '[ "$v" = 1.1 ]'
finish
