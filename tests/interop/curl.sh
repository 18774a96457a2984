#!/bin/sh
# Interop with curl: curl --tlsv1.3 -> tlspeer server --http.
. "$(dirname "$0")/lib.sh"

if ! have curl; then
	skip "curl not installed"
	finish
fi
have openssl || { skip "openssl not installed (needed for certificates)"; finish; }
[ -x "$PEER" ] || { echo "FAIL no $PEER (make tests)"; failed=1; finish; }
gen_certs || { failed=1; finish; }
C=$TMP

# cu NAME KEY REGEX SERVER-ARGS [-- CURL-ARGS]
cu() {
	name=$1
	key=$2
	re=$3
	shift 3
	sargs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs="$sargs $1"; shift; done
	[ "${1:-}" = -- ] && shift
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	# shellcheck disable=SC2086
	peer_server "$s" --cert "$C/$key.crt" --key "$C/$key.key" --http $sargs ||
		{ fail "$name (server did not listen)" "$s"; return; }
	timeout "$T" curl -sS --tlsv1.3 -k -o "$TMP/$name.body" -w '%{http_code}\n' "$@" \
		"https://127.0.0.1:$PORT/" >"$c" 2>&1 </dev/null 3>&-
	crc=$?
	wait_bg "$SPID"
	src=$?
	if [ $crc -eq 0 ] && [ $src -eq 0 ] && grep -q '^200$' "$c" &&
		[ "$(cat "$TMP/$name.body")" = "hello, sigil" ] &&
		grep -Eq -- "^handshake ok .*$re" "$s" && grep -q '^request: GET / HTTP/1.1' "$s"; then
		ok "$name"
	else
		echo "  curl exit $crc, tlspeer exit $src"
		fail "$name" "$s" "$c"
	fi
}

cu curl-default p256 "suite=TLS_AES_"
for k in p256:ecdsa_secp256r1_sha256 p384:ecdsa_secp384r1_sha384 rsa:rsa_pss_rsae_sha256 \
	ed25519:ed25519; do
	cu "curl-key-${k%%:*}" "${k%%:*}" "sigscheme=${k#*:} "
done
for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	cu "curl-suite-$s" p256 "suite=$s " --suites "$s"
done
cu curl-hrr p256 "group=secp384r1 .*hrr=1" --groups secp384r1
cu curl-alpn p256 "alpn=http/1.1 " --alpn http/1.1
cu curl-http1.1-only p256 "alpn=http/1.1 " --alpn http/1.1 -- --http1.1

finish
