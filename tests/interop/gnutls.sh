#!/bin/sh
# Interop with GnuTLS: gnutls-cli -> tlspeer server, tlspeer client ->
# gnutls-serv, TLS 1.3 only.
. "$(dirname "$0")/lib.sh"

if ! have gnutls-cli || ! have gnutls-serv; then
	skip "gnutls-cli/gnutls-serv not installed (apt-get install gnutls-bin)"
	finish
fi
have openssl || { skip "openssl not installed (needed for certificates)"; finish; }
[ -x "$PEER" ] || { echo "FAIL no $PEER (make tests)"; failed=1; finish; }
gen_certs || { failed=1; finish; }
C=$TMP
BASE=NORMAL:-VERS-ALL:+VERS-TLS1.3

# gc NAME KEY PRIORITY REGEX [SERVER ARGS...]: gnutls-cli sends a line to
# the echo server and must get it back; the server's "handshake ok" line must
# match REGEX and the session must end with close_notify.
gc() {
	name=$1
	key=$2
	prio=$3
	re=$4
	shift 4
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	peer_server "$s" --cert "$C/$key.crt" --key "$C/$key.key" --echo "$@" ||
		{ fail "$name (server did not listen)" "$s"; return; }
	start_bg_fd3 "$c" 20 gnutls-cli --insecure -p "$PORT" --priority "$prio" 127.0.0.1
	cpid=$BG
	send3 "gnutls-$name$NL"
	wait_for "$c" "^gnutls-$name\$" 5
	close3
	wait_bg "$cpid"
	crc=$?
	wait_bg "$SPID"
	src=$?
	if [ $crc -eq 0 ] && [ $src -eq 0 ] && grep -Eq -- "^handshake ok .*$re" "$s" &&
		grep -q "^gnutls-$name\$" "$c" && grep -q 'peer closed cleanly' "$s"; then
		ok "$name"
	else
		fail "$name" "$s" "$c"
	fi
}

for s in AES-128-GCM:TLS_AES_128_GCM_SHA256 AES-256-GCM:TLS_AES_256_GCM_SHA384 \
	CHACHA20-POLY1305:TLS_CHACHA20_POLY1305_SHA256; do
	gc "gnutls-cli-suite-${s#*:}" p256 "$BASE:-CIPHER-ALL:+${s%%:*}" "suite=${s#*:} "
done
for g in X25519:x25519 SECP256R1:secp256r1 SECP384R1:secp384r1; do
	gc "gnutls-cli-group-${g#*:}" p256 "$BASE:-GROUP-ALL:+GROUP-${g%%:*}" "group=${g#*:} .*hrr=0"
done
for k in p256:ecdsa_secp256r1_sha256 p384:ecdsa_secp384r1_sha384 rsa:rsa_pss_rsae_sha256 \
	ed25519:ed25519; do
	gc "gnutls-cli-key-${k%%:*}" "${k%%:*}" "$BASE" "sigscheme=${k#*:} "
done
gc gnutls-cli-hrr p256 "$BASE:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-SECP384R1" \
	"group=secp384r1 .*hrr=1" --groups secp384r1

# tlspeer client -> gnutls-serv --echo
# gs NAME KEY PRIORITY REGEX [CLIENT ARGS...]
gs() {
	name=$1
	key=$2
	prio=$3
	re=$4
	shift 4
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	PORT=$(free_port)
	start_bg "$s" 20 gnutls-serv --echo -p "$PORT" --x509certfile "$C/$key.crt" \
		--x509keyfile "$C/$key.key" --priority "$prio"
	spid=$BG
	wait_for "$s" 'listening on IPv4' 5 || { fail "$name (gnutls-serv did not start)" "$s"; return; }
	run_c() { timeout "$T" "$@" >"$c" 2>&1 </dev/null 3>&-; }
	run_c "$PEER" client 127.0.0.1 "$PORT" --insecure --close --send "sigil-$name$NL" "$@"
	crc=$?
	kill "$spid" 2>/dev/null
	wait_bg "$spid"
	if [ $crc -eq 0 ] && grep -Eq -- "^handshake ok .*$re" "$c" && grep -q "^sigil-$name\$" "$c" &&
		grep -q 'peer closed cleanly' "$c"; then
		ok "$name"
	else
		fail "$name" "$c" "$s"
	fi
}

gs gnutls-serv-default p256 "$BASE" "suite=TLS_AES_"
for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	gs "gnutls-serv-suite-$s" p256 "$BASE" "suite=$s " --suites "$s"
done
for g in x25519 secp256r1 secp384r1; do
	gs "gnutls-serv-group-$g" p256 "$BASE" "group=$g .*hrr=0" --groups "$g"
done
for k in p256:ecdsa_secp256r1_sha256 p384:ecdsa_secp384r1_sha384 rsa:rsa_pss_rsae_sha256 \
	ed25519:ed25519; do
	gs "gnutls-serv-key-${k%%:*}" "${k%%:*}" "$BASE" "sigscheme=${k#*:} "
done
gs gnutls-serv-hrr p256 "$BASE:-GROUP-ALL:+GROUP-SECP384R1" "group=secp384r1 .*hrr=1"
gs gnutls-serv-keyupdate p256 "$BASE" "suite=" --keyupdate

finish
