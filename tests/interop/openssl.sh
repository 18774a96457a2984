#!/bin/sh
# Interop with OpenSSL: openssl s_client -> tlspeer server, tlspeer client ->
# openssl s_server, both TLS 1.3 only; plus TLS 1.2-only and plain-HTTP peers
# (a TLS 1.2-only client is served; tests/interop/tls12.sh tests TLS 1.2).
. "$(dirname "$0")/lib.sh"

if ! have openssl; then
	skip "openssl not installed"
	finish
fi
[ -x "$PEER" ] || { echo "FAIL no $PEER (make tests)"; failed=1; finish; }
gen_certs || { failed=1; finish; }
C=$TMP

# run LOG CMD...: a client in the foreground, bounded; sets RC.
run() {
	log=$1
	shift
	timeout "$T" "$@" >"$log" 2>&1 </dev/null 3>&-
	RC=$?
}

# ---- openssl s_client -> tlspeer server ------------------------------------

# sc NAME "server args" "s_client args" REGEX: one handshake; the tlspeer
# server's "handshake ok" line must match REGEX.
sc() {
	name=$1
	s=$TMP/$1.srv
	c=$TMP/$1.cli
	# shellcheck disable=SC2086
	peer_server "$s" $2 || { fail "$name (server did not listen)" "$s"; return; }
	# shellcheck disable=SC2086
	run "$c" openssl s_client -tls1_3 -connect "127.0.0.1:$PORT" $3
	wait_bg "$SPID"
	src=$?
	if [ "$src" -eq 0 ] && grep -Eq -- "^handshake ok .*$4" "$s"; then
		ok "$name"
	else
		fail "$name" "$s" "$c"
	fi
}

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	sc "s_client-suite-$suite" "--cert $C/p256.crt --key $C/p256.key" \
		"-ciphersuites $suite" "suite=$suite "
done
for g in x25519:X25519 secp256r1:P-256 secp384r1:P-384; do
	sc "s_client-group-${g%%:*}" "--cert $C/p256.crt --key $C/p256.key" \
		"-groups ${g#*:}" "group=${g%%:*} .*hrr=0"
done
for k in p256:ecdsa_secp256r1_sha256 p384:ecdsa_secp384r1_sha384 rsa:rsa_pss_rsae_sha256 \
	ed25519:ed25519; do
	sc "s_client-key-${k%%:*}" "--cert $C/${k%%:*}.crt --key $C/${k%%:*}.key" \
		"" "sigscheme=${k#*:} "
done
sc s_client-rsa-pss-sha384 "--cert $C/rsa.crt --key $C/rsa.key" "-sigalgs rsa_pss_rsae_sha384" \
	"sigscheme=rsa_pss_rsae_sha384 "
sc s_client-rsa-pss-sha512 "--cert $C/rsa.crt --key $C/rsa.key" "-sigalgs rsa_pss_rsae_sha512" \
	"sigscheme=rsa_pss_rsae_sha512 "
sc s_client-hrr "--cert $C/p256.crt --key $C/p256.key --groups secp256r1" \
	"-groups X25519:P-256" "group=secp256r1 .*hrr=1"
sc s_client-hrr-p384 "--cert $C/p256.crt --key $C/p256.key --groups secp384r1" \
	"-groups X25519:P-256:P-384" "group=secp384r1 .*hrr=1"
sc s_client-alpn "--cert $C/p256.crt --key $C/p256.key --alpn h2,http/1.1" \
	"-alpn foo,http/1.1" "alpn=http/1.1 "
if grep -q 'ALPN protocol: http/1.1' "$TMP/s_client-alpn.cli"; then
	ok s_client-alpn-seen-by-client
else
	fail s_client-alpn-seen-by-client "$TMP/s_client-alpn.cli"
fi
sc s_client-sni "--cert $C/p256.crt --key $C/p256.key" "-servername sni.example.test" \
	"sni=sni.example.test$"
sc s_client-no-sni "--cert $C/p256.crt --key $C/p256.key" "-noservername" "sni=-$"

# Echo and KeyUpdate: s_client reads lines from a FIFO (fd 3) in its
# interactive mode, where a line "k" (or "K", update_requested) sends a
# KeyUpdate.  Every line must come back, byte for byte, and the session must
# end with close_notify both ways.
# sc_echo NAME COMMAND...: COMMAND lines are sent between the data lines.
sc_echo() {
	name=$1
	shift
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	peer_server "$s" --cert "$C/p256.crt" --key "$C/p256.key" --echo ||
		{ fail "$name (server did not listen)" "$s"; return; }
	start_bg_fd3 "$c" 20 openssl s_client -tls1_3 -connect "127.0.0.1:$PORT"
	cpid=$BG
	: >"$TMP/$name.want"
	i=0
	good=1
	for cmd in start "$@"; do
		i=$((i + 1))
		# s_client/s_server drop the rest of a read that starts with a
		# command letter: let the command go alone.
		[ "$cmd" = start ] || { send3 "$cmd$NL"; sleep 0.5; }
		line="ECHO-$i: the quick brown fox ~!@#\$%^&*()_+{}|:<>?[]\\;',./ $i$i$i"
		printf '%s\n' "$line" >>"$TMP/$name.want"
		send3 "$line$NL"
		wait_for "$c" "^ECHO-$i: " 5 || { good=0; break; }
	done
	# A longer run of data after the updates.
	j=0
	while [ $good -eq 1 ] && [ $j -lt 200 ]; do
		j=$((j + 1))
		line="ECHO-bulk-$j: $(printf '%0200d' "$j")"
		printf '%s\n' "$line" >>"$TMP/$name.want"
		send3 "$line$NL"
	done
	[ $good -eq 1 ] && wait_for "$c" '^ECHO-bulk-200: ' 5 || good=0
	close3
	wait_bg "$cpid"
	wait_bg "$SPID"
	src=$?
	grep '^ECHO-' "$c" >"$TMP/$name.got"
	if [ $good -eq 1 ] && cmp -s "$TMP/$name.want" "$TMP/$name.got"; then
		ok "$name"
	else
		fail "$name" "$s" "$c"
	fi
	if [ $good -eq 1 ] && [ "$src" -eq 0 ] && grep -q 'peer closed cleanly' "$s"; then
		ok "$name-close_notify"
	else
		fail "$name-close_notify" "$s"
	fi
}
sc_echo s_client-echo
sc_echo s_client-keyupdate-k k
sc_echo s_client-keyupdate-K K
sc_echo s_client-keyupdate-kK k K k

# ---- tlspeer client -> openssl s_server -------------------------------------

# ss NAME "s_server args" "tlspeer args" REGEX: s_server -rev reverses a
# line; tlspeer sends close_notify after it and reads to the end.
ss() {
	name=$1
	s=$TMP/$1.srv
	c=$TMP/$1.cli
	PORT=$(free_port)
	# shellcheck disable=SC2086
	start_bg "$s" 20 openssl s_server -tls1_3 -accept "$PORT" -naccept 1 -rev $2
	spid=$BG
	wait_for "$s" '^ACCEPT' 5 || { fail "$name (s_server did not start)" "$s"; return; }
	# shellcheck disable=SC2086
	run "$c" "$PEER" client 127.0.0.1 "$PORT" --insecure --close --send "sigil-$name$NL" $3
	wait_bg "$spid"
	rev=$(printf '%s' "sigil-$name" | rev 2>/dev/null)
	if [ "$RC" -eq 0 ] && grep -Eq -- "^handshake ok .*$4" "$c" &&
		{ [ -z "$rev" ] || grep -qF -- "$rev" "$c"; } && grep -q 'peer closed cleanly' "$c"; then
		ok "$name"
	else
		fail "$name" "$c" "$s"
	fi
}

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	ss "s_server-suite-$suite" "-cert $C/p256.crt -key $C/p256.key" "--suites $suite" \
		"suite=$suite "
	ss "s_server-forces-suite-$suite" "-cert $C/p256.crt -key $C/p256.key -ciphersuites $suite" \
		"" "suite=$suite "
done
for g in x25519 secp256r1 secp384r1; do
	ss "s_server-group-$g" "-cert $C/p256.crt -key $C/p256.key" "--groups $g" "group=$g .*hrr=0"
done
for k in p256:ecdsa_secp256r1_sha256 p384:ecdsa_secp384r1_sha384 rsa:rsa_pss_rsae_sha256 \
	ed25519:ed25519; do
	ss "s_server-key-${k%%:*}" "-cert $C/${k%%:*}.crt -key $C/${k%%:*}.key" "" \
		"sigscheme=${k#*:} "
done
ss s_server-hrr "-cert $C/p256.crt -key $C/p256.key -groups P-256" "" "group=secp256r1 .*hrr=1"
ss s_server-hrr-p384 "-cert $C/p256.crt -key $C/p256.key -groups P-384" \
	"--groups x25519,secp384r1" "group=secp384r1 .*hrr=1"
ss s_server-alpn "-cert $C/p256.crt -key $C/p256.key -alpn http/1.1" "--alpn h2,http/1.1" \
	"alpn=http/1.1 "
# SNI: s_server answers with its second certificate (P-384) only when the
# client's server_name is the one given to -servername.
ss s_server-sni "-cert $C/p256.crt -key $C/p256.key -servername sni.example.test \
	-cert2 $C/p384.crt -key2 $C/p384.key" "--sni sni.example.test" "sigscheme=ecdsa_secp384r1_sha384 "
ss s_server-sni-other "-cert $C/p256.crt -key $C/p256.key -servername sni.example.test \
	-cert2 $C/p384.crt -key2 $C/p384.key" "--sni other.example.test" "sigscheme=ecdsa_secp256r1_sha256 "
ss s_server-keyupdate-client "-cert $C/p256.crt -key $C/p256.key" "--keyupdate" "suite="

# Plain s_server (no -rev): what arrives is printed; stdin lines are sent,
# "k"/"K" send a KeyUpdate.  s_server ends a connection with close_notify only
# in answer to the client's (checked by the -rev tests above); on stdin EOF
# (or "q"/"Q") it just closes the socket, so that ending is accepted here.
# s_server_cmd NAME COMMAND...: lines between the commands must arrive at
# the tlspeer client, which must see close_notify at the end.
s_server_cmd() {
	name=$1
	shift
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	PORT=$(free_port)
	start_bg_fd3 "$s" 20 openssl s_server -tls1_3 -accept "$PORT" -naccept 1 \
		-cert "$C/p256.crt" -key "$C/p256.key"
	spid=$BG
	wait_for "$s" '^ACCEPT' 5 || { fail "$name (s_server did not start)" "$s"; close3; return; }
	start_bg "$c" 20 "$PEER" client 127.0.0.1 "$PORT" --insecure --send "hello$NL"
	cpid=$BG
	good=1
	wait_for "$c" '^handshake ok' 5 || good=0
	i=0
	for cmd in start "$@"; do
		i=$((i + 1))
		# s_client/s_server drop the rest of a read that starts with a
		# command letter: let the command go alone.
		[ "$cmd" = start ] || { send3 "$cmd$NL"; sleep 0.5; }
		[ $good -eq 1 ] || break
		send3 "FROM-SERVER-$i$NL"
		wait_for "$c" "^FROM-SERVER-$i\$" 5 || good=0
	done
	close3
	wait_bg "$cpid"
	crc=$?
	wait_bg "$spid"
	if [ $good -eq 1 ] && { [ $crc -eq 0 ] || grep -q '^error: io .*without close_notify' "$c"; }; then
		ok "$name"
	else
		fail "$name" "$c" "$s"
	fi
}
s_server_cmd s_server-data-from-stdin
s_server_cmd s_server-keyupdate-k k
s_server_cmd s_server-keyupdate-K K

# Bulk: several MB from tlspeer to a plain s_server, counted on arrival.
name=s_server-bulk-4MB
PORT=$(free_port)
start_bg_fd3 "$TMP/$name.srv" 30 openssl s_server -tls1_3 -accept "$PORT" -naccept 1 \
	-cert "$C/p256.crt" -key "$C/p256.key"
spid=$BG
if wait_for "$TMP/$name.srv" '^ACCEPT' 5; then
	run "$TMP/$name.cli" "$PEER" client 127.0.0.1 "$PORT" --insecure --bulk 4194304 --close --quiet
	wait_bg "$spid"
	# The data follows s_server's session summary (which has "x25519" in it).
	n=$(sed '1,/^Secure Renegotiation/d' "$TMP/$name.srv" | tr -cd x | wc -c)
	check "$name" '[ "$RC" -eq 0 ] && [ "$n" -eq 4194304 ]' "$TMP/$name.cli" "$TMP/$name.srv"
	[ "$n" -eq 4194304 ] || echo "  | s_server received $n of 4194304 bytes"
else
	fail "$name (s_server did not start)" "$TMP/$name.srv"
fi
close3

# ---- TLS 1.2-only peers and plain HTTP ---------------------------------------

name=tls12-s_server-refused
PORT=$(free_port)
start_bg "$TMP/$name.srv" 20 openssl s_server -tls1_2 -accept "$PORT" -naccept 1 -www \
	-cert "$C/p256.crt" -key "$C/p256.key"
spid=$BG
wait_for "$TMP/$name.srv" '^ACCEPT' 5
run "$TMP/$name.cli" "$PEER" client 127.0.0.1 "$PORT" --insecure --tls-min 1.3
wait_bg "$spid"
# (With the default minimum, TLS 1.2, sigil's client speaks TLS 1.2 to it:
# tests/interop/tls12_client.sh.)
# OpenSSL limited to TLS 1.2 refuses a ClientHello that offers only 1.3 with
# protocol_version itself, so sigil's sentence is about the peer's alert.
check "$name" '[ "$RC" -eq 1 ] && grep -q "^error: peer-alert alert=70: .*protocol_version" "$TMP/$name.cli"' \
	"$TMP/$name.cli" "$TMP/$name.srv"
grep -q "^error: .*TLS 1\.3" "$TMP/$name.cli" ||
	echo "NOTE $name: sigil's sentence does not say that sigil speaks TLS 1.3 only: $(grep '^error' "$TMP/$name.cli")"

# A TLS 1.2-only client is served (tests/interop/tls12.sh covers the rest).
name=tls12-s_client
peer_server "$TMP/$name.srv" --cert "$C/p256.crt" --key "$C/p256.key"
run "$TMP/$name.cli" openssl s_client -tls1_2 -connect "127.0.0.1:$PORT"
wait_bg "$SPID"
src=$?
check "$name" '[ "$src" -eq 0 ] && grep -q "^handshake ok suite=TLS_ECDHE_ECDSA_" "$TMP/$name.srv"' \
	"$TMP/$name.srv" "$TMP/$name.cli"

name=plain-http-refused
peer_server "$TMP/$name.srv" --cert "$C/p256.crt" --key "$C/p256.key"
if have nc; then
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout "$T" nc -q 2 127.0.0.1 "$PORT" >"$TMP/$name.cli" 2>&1
elif have python3; then
	timeout "$T" python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
s.settimeout(5)
try:
    while s.recv(4096):
        pass
except OSError:
    pass' "$PORT" >"$TMP/$name.cli" 2>&1
else
	skip "$name: neither nc nor python3"
fi
wait_bg "$SPID"
src=$?
check "$name" '[ "$src" -ne 0 ] && grep -qi "^error: .*plain HTTP" "$TMP/$name.srv"' "$TMP/$name.srv"

finish
