#!/bin/sh
# The examples (issue 21), built against the INSTALLED library and run
# against real peers.  make install PREFIX=<tmp>, the way a developer
# installs into a prefix of their own, then make examples with only
# PKG_CONFIG_PATH pointing there (no -I or -L into this tree), and once by
# hand from outside the tree as the README says.  Then:
#   https_get     openssl s_server -www: the page, a wrong CA, a wrong
#                 name, a server that hangs up mid-response (truncation)
#   pinned_get    openssl s_server -www: the leaf's pin, the CA's pin with
#                 a backup, a wrong pin, a malformed pin list
#   mtls_server   curl and openssl s_client with an allowed client, another
#                 client of the CA (403), none, one of a foreign CA
#   epoll_server  five openssl s_client connections open at once, curl
#                 --parallel with a 3 MB body, a client that stops reading
#                 while others are served, a client that does not speak TLS
# Certificates: tests/data/tls (ca, leaf); client certificates made here.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
ROOT=$LIB_ROOT
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || BUILD=$ROOT/build
CC=${CC:-cc}
VERSION=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
MAJOR=${VERSION%%.*}
D=${SIGIL_TESTDATA:-$ROOT/tests/data}/tls

[ -f "$BUILD/libsigil.so.$VERSION" ] || { fail "build: make first"; finish; }
for t in pkg-config openssl; do
	have "$t" || { skip "examples.sh: $t is not installed"; finish; }
done

mk() {
	MAKEFLAGS= make -s -C "$ROOT" BUILD="$BUILD" "$@"
}

# ---- build against the installed library --------------------------------
PFX=$TMP/prefix
EX=$TMP/ex
mk install PREFIX="$PFX" >"$TMP/install.log" 2>&1
rc=$?
check "install PREFIX=$PFX" '[ $rc -eq 0 ] && [ -f "$PFX/lib/pkgconfig/sigil.pc" ]' "$TMP/install.log"
export PKG_CONFIG_PATH="$PFX/lib/pkgconfig"
unset PKG_CONFIG_SYSROOT_DIR
mk examples EXAMPLES_DIR="$EX" >"$TMP/examples.log" 2>&1
rc=$?
check "make examples: builds examples/*.c through pkg-config" '[ $rc -eq 0 ]' "$TMP/examples.log"
for e in https_get pinned_get mtls_server epoll_server; do
	dep=$(LD_LIBRARY_PATH=$PFX/lib ldd "$EX/$e" 2>/dev/null | grep libsigil)
	check "make examples: $e runs on the installed libsigil.so.$MAJOR" \
		'echo "$dep" | grep -q "=> $PFX/lib/libsigil\\.so\\.$MAJOR"' "$TMP/examples.log"
done
n=$(wc -l <"$ROOT/examples/https_get.c")
check "https_get.c is under 80 lines ($n)" '[ "$n" -lt 80 ]'
# The README's command, from a directory that is not the source tree.
mkdir -p "$TMP/user" && cp "$ROOT/examples/https_get.c" "$TMP/user/"
# shellcheck disable=SC2086
(cd "$TMP/user" && $CC $EXTRA_CFLAGS -o https_get https_get.c $LDFLAGS $(pkg-config --cflags --libs sigil)) >"$TMP/user.log" 2>&1
check "cc -o https_get https_get.c \$(pkg-config --cflags --libs sigil), outside the tree" \
	'[ -x "$TMP/user/https_get" ]' "$TMP/user.log"
# docs/api.md quotes the examples: each ```c block is checked to be a
# verbatim part of the last examples/*.c the text named before it (blocks
# that begin "/* Not from an example" aside), so the page cannot drift
# from the code that is tested here.
awk -v dir="$TMP/doc" '
	BEGIN { n = 0 }
	/^```c$/ { inb = 1; body = ""; next }
	inb && /^```$/ {
		inb = 0
		if (body !~ /^\/\* Not from an example/) {
			n++
			f = dir "/" n
			printf "%s", body > (f ".txt"); close(f ".txt")
			print cur > (f ".src"); close(f ".src")
		}
		next
	}
	inb { body = body $0 "\n"; next }
	match($0, /examples\/[a-z_]+\.c/) { cur = substr($0, RSTART, RLENGTH) }
' "$(mkdir -p "$TMP/doc" && echo "$ROOT/docs/api.md")"
nb=0
bad=
for b in "$TMP"/doc/*.txt; do
	[ -f "$b" ] || continue
	nb=$((nb + 1))
	src=$(cat "${b%.txt}.src")
	if [ -z "$src" ] || ! awk -v want="$b" 'BEGIN { RS = "\001"; getline blk < want; RS = "\001" }
		{ whole = whole $0 } END { exit index(whole, blk) ? 0 : 1 }' "$ROOT/$src"; then
		bad="$bad $(basename "$b" .txt):${src:-none}"
	fi
done
check "docs/api.md: its $nb code blocks are verbatim parts of the examples" '[ "$nb" -gt 10 ] && [ -z "$bad" ]'
[ -z "$bad" ] || echo "  blocks not found in their example:$bad"

export LD_LIBRARY_PATH="$PFX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for e in https_get pinned_get mtls_server epoll_server; do
	[ -x "$EX/$e" ] || { fail "cannot go on without $EX/$e"; finish; }
done

# run LOG CMD...: a client in the foreground, bounded; sets RC.
run() {
	log=$1
	shift
	timeout "$T" "$@" >"$log" 2>"$log.err" </dev/null 3>&-
	RC=$?
}
# s_server LOG ARGS...: openssl s_server on a fresh $PORT; sets SPID.
s_server() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 60 openssl s_server -accept "127.0.0.1:$PORT" "$@"
	SPID=$BG
	wait_for "$log" '^ACCEPT' 10
}
pin() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}

# ---- https_get ----------------------------------------------------------
s_server "$TMP/www.log" -cert "$D/leaf.crt" -key "$D/leaf.key" -www ||
	fail "https_get: s_server did not start" "$TMP/www.log"
run "$TMP/get.out" "$EX/https_get" localhost "$PORT" / "$D/ca.crt"
check "https_get: the whole page from s_server, ended by close_notify" \
	'[ $RC -eq 0 ] && head -n 1 "$TMP/get.out" | grep -q "^HTTP/1.0 200 ok" && grep -q "</HTML>" "$TMP/get.out"' \
	"$TMP/get.out" "$TMP/get.out.err"
run "$TMP/get-ca.out" "$EX/https_get" localhost "$PORT" / "$D/ec256.crt"
check "https_get: refuses a server its CA file does not vouch for" \
	'[ $RC -eq 1 ] && grep -q "certificate verify failed: unknown issuer" "$TMP/get-ca.out.err" && [ ! -s "$TMP/get-ca.out" ]' \
	"$TMP/get-ca.out.err"
kill "$SPID" 2>/dev/null
# A certificate of the test CA for another name only.
{
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=other.example" \
		-keyout "$TMP/other-name.key" -out "$TMP/other-name.csr" &&
		printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:other.example\n' >"$TMP/other-name.ext" &&
		openssl x509 -req -in "$TMP/other-name.csr" -CA "$D/ca.crt" -CAkey "$D/ca.key" -set_serial 7 -days 2 \
			-extfile "$TMP/other-name.ext" -out "$TMP/other-name.crt"
} >"$TMP/other-name.log" 2>&1
s_server "$TMP/www2.log" -cert "$TMP/other-name.crt" -key "$TMP/other-name.key" -www ||
	fail "https_get: s_server did not start" "$TMP/www2.log" "$TMP/other-name.log"
run "$TMP/get-name.out" "$EX/https_get" localhost "$PORT" / "$D/ca.crt"
check "https_get: refuses a certificate for another name" \
	'[ $RC -eq 1 ] && grep -q "certificate verify failed:.*localhost" "$TMP/get-name.out.err"' "$TMP/get-name.out.err"
kill "$SPID" 2>/dev/null
# Truncation: s_server sends what its stdin (fd 3) gives; at the end of
# its stdin it shuts the TCP connection down without close_notify.  The
# client must print what came and still call it an error.
PORT=$(free_port)
start_bg_fd3 "$TMP/cut.log" 60 openssl s_server -accept "127.0.0.1:$PORT" -cert "$D/leaf.crt" -key "$D/leaf.key"
if wait_for "$TMP/cut.log" '^ACCEPT' 10; then
	timeout "$T" "$EX/https_get" localhost "$PORT" / "$D/ca.crt" >"$TMP/cut.out" 2>"$TMP/cut.err" </dev/null 3>&- &
	gpid=$!
	BG_PIDS="$BG_PIDS $gpid"
	wait_for "$TMP/cut.log" '^GET / HTTP/1.1' 10
	send3 "HTTP/1.1 200 OK$NL$NL""the first half$NL"
	close3
	wait "$gpid"
	rc=$?
	check "https_get: a server that hangs up without close_notify is an error, not the end" \
		'[ $rc -eq 1 ] && grep -q "the first half" "$TMP/cut.out" && grep -q "without close_notify" "$TMP/cut.err"' \
		"$TMP/cut.out" "$TMP/cut.err" "$TMP/cut.log"
else
	close3
	fail "https_get: s_server did not start" "$TMP/cut.log"
fi

# ---- pinned_get ---------------------------------------------------------
PL=$(pin "$D/leaf.crt")
PC=$(pin "$D/ca.crt")
PX=$(pin "$D/ec256.crt")
s_server "$TMP/pin.log" -cert "$D/leaf.crt" -key "$D/leaf.key" -www ||
	fail "pinned_get: s_server did not start" "$TMP/pin.log"
run "$TMP/pin1.out" "$EX/pinned_get" localhost "$PORT" "sha256//$PL" "$D/ca.crt"
check "pinned_get: the server's own key pinned" \
	'[ $RC -eq 0 ] && grep -q "^HTTP/1.0 200 ok" "$TMP/pin1.out" && grep -qF "key sha256//$PL" "$TMP/pin1.out"' \
	"$TMP/pin1.out" "$TMP/pin1.out.err"
run "$TMP/pin2.out" "$EX/pinned_get" localhost "$PORT" "sha256//$PX;sha256//$PC" "$D/ca.crt"
check "pinned_get: the CA's key pinned, after a backup pin" \
	'[ $RC -eq 0 ] && grep -q "^HTTP/1.0 200 ok" "$TMP/pin2.out"' "$TMP/pin2.out" "$TMP/pin2.out.err"
run "$TMP/pin3.out" "$EX/pinned_get" localhost "$PORT" "sha256//$PX" "$D/ca.crt"
check "pinned_get: refuses a chain without the pinned key (exit 3)" \
	'[ $RC -eq 3 ] && grep -q "no public key in the chain matches the pinned keys" "$TMP/pin3.out.err" &&
	 ! grep -q HTTP "$TMP/pin3.out"' "$TMP/pin3.out.err"
run "$TMP/pin4.out" "$EX/pinned_get" localhost "$PORT" "sha256//not-base64!" "$D/ca.crt"
check "pinned_get: a malformed pin list is refused before connecting" \
	'[ $RC -eq 1 ] && grep -q "malformed pin list" "$TMP/pin4.out.err"' "$TMP/pin4.out.err"
kill "$SPID" 2>/dev/null

# ---- mtls_server --------------------------------------------------------
# alice and bob from the test CA; eve, also "alice", from another CA.
mkcert() {
	# mkcert NAME CA-CRT CA-KEY SUBJECT
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$4" \
		-keyout "$TMP/$1.key" -out "$TMP/$1.csr" &&
		printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$TMP/$1.ext" &&
		openssl x509 -req -in "$TMP/$1.csr" -CA "$2" -CAkey "$3" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' ')" \
			-days 2 -extfile "$TMP/$1.ext" -out "$TMP/$1.crt"
}
{
	mkcert alice "$D/ca.crt" "$D/ca.key" "/O=Example/CN=alice" &&
		mkcert bob "$D/ca.crt" "$D/ca.key" "/O=Example/CN=bob" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=other CA" -days 2 \
			-keyout "$TMP/other.key" -out "$TMP/other.crt" &&
		mkcert eve "$TMP/other.crt" "$TMP/other.key" "/O=Example/CN=alice"
} >"$TMP/certs.log" 2>&1
rc=$?
check "mtls: client certificates (alice, bob; an impostor alice of another CA)" '[ $rc -eq 0 ]' "$TMP/certs.log"
PORT=$(free_port)
start_bg "$TMP/mtls.log" 60 "$EX/mtls_server" 127.0.0.1 "$PORT" "$D/leaf.crt" "$D/leaf.key" "$D/ca.crt" \
	"CN=alice, O=Example"
wait_for "$TMP/mtls.log" '^listening' 10 || fail "mtls_server did not listen" "$TMP/mtls.log"
# code CERT [ARGS]: the HTTP status curl gets with client certificate CERT.
code() {
	c=$1
	shift
	timeout "$T" curl -s -o "$TMP/body" -w '%{http_code}' --cacert "$D/ca.crt" \
		${c:+--cert "$TMP/$c.crt" --key "$TMP/$c.key"} "https://localhost:$PORT/" 2>/dev/null
}
r=$(code alice)
check "mtls_server: curl as alice (listed): 200 and her verified subject" \
	'[ "$r" = 200 ] && grep -q "^hello, CN=alice, O=Example$" "$TMP/body" && grep -q "^allowed: CN=alice, O=Example" "$TMP/mtls.log"' \
	"$TMP/mtls.log"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' | timeout "$T" openssl s_client -quiet -CAfile "$D/ca.crt" \
	-cert "$TMP/alice.crt" -key "$TMP/alice.key" -connect "127.0.0.1:$PORT" -servername localhost >"$TMP/mtls-sc.out" 2>&1
check "mtls_server: openssl s_client as alice: 200" \
	'grep -q "^HTTP/1.1 200 OK" "$TMP/mtls-sc.out" && grep -q "^hello, CN=alice, O=Example" "$TMP/mtls-sc.out"' "$TMP/mtls-sc.out"
r=$(code bob)
check "mtls_server: bob (verified, not listed): 403" \
	'[ "$r" = 403 ] && grep -q "^denied: CN=bob, O=Example" "$TMP/mtls.log"' "$TMP/mtls.log"
r=$(code "")
check "mtls_server: no certificate: refused in the handshake (certificate_required)" \
	'[ "$r" = 000 ] && grep -q "^refused: the client sent no certificate.*certificate_required" "$TMP/mtls.log"' "$TMP/mtls.log"
r=$(code eve)
check "mtls_server: 'alice' from another CA: refused in the handshake (unknown_ca)" \
	'[ "$r" = 000 ] && grep -q "^refused: certificate verify failed: unknown issuer.*unknown_ca" "$TMP/mtls.log" &&
	 [ "$(grep -c "^allowed" "$TMP/mtls.log")" -eq 2 ]' "$TMP/mtls.log"
# RFC 4514 escaping: a single CN "alice, O=Example" is the subject
# CN=alice\, O=Example, which the allow list does not hold.
mkcert comma "$D/ca.crt" "$D/ca.key" "/CN=alice, O=Example" >"$TMP/comma.log" 2>&1
r=$(code comma)
check "mtls_server: a single CN 'alice, O=Example' does not pass for CN=alice, O=Example: 403" \
	'[ "$r" = 403 ] && grep -q "^denied: CN=alice\\\\, O=Example" "$TMP/mtls.log"' "$TMP/mtls.log"

# ---- epoll_server -------------------------------------------------------
PORT=$(free_port)
start_bg "$TMP/ep.log" 120 "$EX/epoll_server" 127.0.0.1 "$PORT" "$D/leaf.crt" "$D/leaf.key"
wait_for "$TMP/ep.log" '^listening' 10 || fail "epoll_server did not listen" "$TMP/ep.log"
# Five s_client connections, each fed through its own FIFO (fds 4-8):
# all five handshakes complete while none has sent a request, which a
# server serving one connection at a time cannot do.
i=1
while [ $i -le 5 ]; do
	rm -f "$TMP/in$i"
	mkfifo "$TMP/in$i"
	timeout 60 openssl s_client -quiet -CAfile "$D/ca.crt" -connect "127.0.0.1:$PORT" -servername localhost \
		<"$TMP/in$i" >"$TMP/sc$i.out" 2>&1 3>&- &
	BG_PIDS="$BG_PIDS $!"
	eval "sc_pid$i=\$!"
	eval "exec $((i + 3))>\"\$TMP/in$i\""
	i=$((i + 1))
done
wait_for "$TMP/ep.log" 'handshake done.* 5 open' 20
held=$?
for i in 1 2 3 4 5; do
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' >&$((i + 3))
	eval "exec $((i + 3))>&-"
done
good=0
for i in 1 2 3 4 5; do
	eval "wait \$sc_pid$i"
	grep -q '^connection [0-9]*, TLS_' "$TMP/sc$i.out" && good=$((good + 1))
done
distinct=$(cat "$TMP"/sc?.out | sed -n 's/^connection \([0-9]*\),.*/\1/p' | sort -u | wc -l)
check "epoll_server: five s_client connections open at once, each answered" \
	'[ $held -eq 0 ] && [ $good -eq 5 ] && [ "$distinct" -eq 5 ]' "$TMP/ep.log" "$TMP/sc1.out"

# curl, four requests in parallel, one a 3 MB body (the send path waits
# for the socket: EPOLLOUT, sigil_conn_write_room).
yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/ | head -c 3000000 >"$TMP/want.bin"
timeout "$T" curl -sS --cacert "$D/ca.crt" --parallel --parallel-immediate \
	-o "$TMP/p1" "https://localhost:$PORT/" -o "$TMP/p2" "https://localhost:$PORT/bytes/3000000" \
	-o "$TMP/p3" "https://localhost:$PORT/bytes/0" -o "$TMP/p4" "https://localhost:$PORT/nowhere" \
	-w '%{http_code}\n' >"$TMP/par.out" 2>"$TMP/par.err"
rc=$?
codes=$(sort "$TMP/par.out" | tr '\n' ' ')
check "epoll_server: curl --parallel: a page, 3 MB intact, an empty body, a 404" \
	'[ $rc -eq 0 ] && grep -q "^connection " "$TMP/p1" && cmp -s "$TMP/p2" "$TMP/want.bin" && [ ! -s "$TMP/p3" ] &&
	 [ "$codes" = "200 200 200 404 " ]' "$TMP/par.out" "$TMP/par.err" "$TMP/ep.log"

# A client that asks for 200 MB and stops reading (its output goes to a
# FIFO that is open but never read): the server must go on serving others
# meanwhile.
mkfifo "$TMP/stall.out"
exec 9<>"$TMP/stall.out"
printf 'GET /bytes/200000000 HTTP/1.1\r\nHost: localhost\r\n\r\n' |
	timeout 60 openssl s_client -quiet -CAfile "$D/ca.crt" -connect "127.0.0.1:$PORT" -servername localhost \
		>"$TMP/stall.out" 2>/dev/null 3>&- 9>&- &
stall=$!
BG_PIDS="$BG_PIDS $stall"
wait_for "$TMP/ep.log" 'GET /bytes/200000000' 20
waited=$?
timeout "$T" curl -sS --cacert "$D/ca.crt" -o "$TMP/fast" "https://localhost:$PORT/" >"$TMP/fast.log" 2>&1
rc=$?
stalled_conn=$(sed -n 's/^conn \([0-9]*\): GET \/bytes\/200000000.*/\1/p' "$TMP/ep.log")
check "epoll_server: serves a new client while another one stops reading a large response" \
	'[ $waited -eq 0 ] && [ $rc -eq 0 ] && grep -q "^connection " "$TMP/fast" &&
	 ! grep -q "^conn $stalled_conn: response sent" "$TMP/ep.log"' "$TMP/fast.log" "$TMP/ep.log"
kill "$stall" 2>/dev/null
wait "$stall" 2>/dev/null
exec 9>&-

# Not TLS at all: the server refuses that connection and goes on.
timeout "$T" curl -s -o /dev/null "http://127.0.0.1:$PORT/" >/dev/null 2>&1
timeout "$T" curl -sS --cacert "$D/ca.crt" -o "$TMP/after" "https://localhost:$PORT/" >"$TMP/after.log" 2>&1
rc=$?
check "epoll_server: a plain-HTTP client is refused with a reason; the server goes on" \
	'[ $rc -eq 0 ] && grep -q "^connection " "$TMP/after" && grep -Eq "^conn [0-9]+: .*(record|alert|TLS)" "$TMP/ep.log"' \
	"$TMP/ep.log"

finish
