#!/bin/sh
# TLS 1.2 (issue 16): openssl s_client -tls1_2 for every suite and group,
# gnutls-cli and curl limited to TLS 1.2, the refusals (CBC-only and RSA
# key transport clients, renegotiation, TLS_FALLBACK_SCSV, --tls-min 1.3)
# and what the handshake must carry (extended master secret, secure
# renegotiation, the RFC 8446 4.1.3 downgrade sentinel).
. "$(dirname "$0")/lib.sh"

if ! have openssl; then
	skip "openssl not installed"
	finish
fi
[ -x "$PEER" ] || { echo "FAIL no $PEER (make tests)"; failed=1; finish; }
gen_certs || { failed=1; finish; }
C=$TMP

run() {
	log=$1
	shift
	timeout "$T" "$@" >"$log" 2>&1 </dev/null 3>&-
	RC=$?
}

# sc NAME KEY "s_client args" REGEX [SERVER ARGS...]: one TLS 1.2 handshake
# by openssl s_client; the tlspeer server's "handshake ok" line must match
# REGEX, and s_client must report TLS 1.2 with the extended master secret.
sc() {
	name=$1
	key=$2
	cargs=$3
	re=$4
	shift 4
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	peer_server "$s" --cert "$C/$key.crt" --key "$C/$key.key" "$@" ||
		{ fail "$name (server did not listen)" "$s"; return; }
	# shellcheck disable=SC2086
	run "$c" openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" $cargs
	wait_bg "$SPID"
	src=$?
	if [ "$src" -eq 0 ] && grep -Eq -- "^handshake ok .*$re" "$s" &&
		grep -q "Protocol  : TLSv1.2" "$c" && grep -q "Extended master secret: yes" "$c" &&
		grep -q "Secure Renegotiation IS supported" "$c"; then
		ok "$name"
	else
		fail "$name" "$s" "$c"
	fi
}

# Every suite with every group: the RSA certificate for the ECDHE_RSA
# suites; the ECDSA ones with a P-256 certificate, the client listing
# P-256 after the group under test (RFC 8422 5.1.1: the certificate's
# curve must be listed) and the server preferring the group under test.
for g in x25519:X25519 secp256r1:P-256 secp384r1:P-384; do
	gid=${g%%:*}
	gname=${g#*:}
	for su in AES128-GCM-SHA256:AES_128_GCM_SHA256 AES256-GCM-SHA384:AES_256_GCM_SHA384 \
		CHACHA20-POLY1305:CHACHA20_POLY1305_SHA256; do
		sc "rsa-${su%%:*}-$gid" rsa "-cipher ECDHE-RSA-${su%%:*} -groups $gname" \
			"suite=TLS_ECDHE_RSA_WITH_${su#*:} group=$gid " --groups "$gid"
		cg=$gname
		sg=$gid
		[ "$gname" = P-256 ] || { cg=$gname:P-256; sg=$gid:secp256r1; }
		sc "ecdsa-${su%%:*}-$gid" p256 "-cipher ECDHE-ECDSA-${su%%:*} -groups $cg" \
			"suite=TLS_ECDHE_ECDSA_WITH_${su#*:} group=$gid " --groups "$sg"
	done
done
# The certificate kinds and how they sign ServerKeyExchange.
sc key-p384 p384 "" "sigscheme=ecdsa_secp384r1_sha384 "
sc key-rsa-pss rsa "" "sigscheme=rsa_pss_rsae_sha256 "
sc key-rsa-pkcs1 rsa "-sigalgs RSA+SHA256" "sigscheme=rsa_pkcs1_sha256 "
sc key-rsa-pkcs1-sha384 rsa "-sigalgs RSA+SHA384" "sigscheme=rsa_pkcs1_sha384 "
sc key-ed25519 ed25519 "" "sigscheme=ed25519 "
sc alpn p256 "-alpn h2,http/1.1" "alpn=http/1.1 " --alpn http/1.1

# The ECDSA P-384 certificate is not usable by a client listing only P-256.
name=ecdsa-curve-unlisted
peer_server "$TMP/$name.srv" --cert "$C/p384.crt" --key "$C/p384.key"
run "$TMP/$name.cli" openssl s_client -tls1_2 -groups P-256 -connect "127.0.0.1:$PORT"
wait_bg "$SPID"
check "$name" 'grep -q "^error: local-alert alert=40: .*supported_groups" "$TMP/$name.srv"' \
	"$TMP/$name.srv" "$TMP/$name.cli"

# The downgrade sentinel (RFC 8446 4.1.3): "DOWNGRD" 01 ends ServerHello.random.
name=sentinel
peer_server "$TMP/$name.srv" --cert "$C/p256.crt" --key "$C/p256.key"
run "$TMP/$name.cli" openssl s_client -tls1_2 -trace -connect "127.0.0.1:$PORT"
wait_bg "$SPID"
check "$name" '[ "$(grep -c "random_bytes (len=28): .*444F574E47524401$" "$TMP/$name.cli")" -eq 1 ]' "$TMP/$name.cli"

# Refusals: handshake_failure (40) for CBC-only and RSA-key-transport-only
# clients, and for a renegotiation (the client types R); inappropriate
# fallback (86) for TLS_FALLBACK_SCSV.
refused() {
	name=$1
	cargs=$2
	alert=$3
	peer_server "$TMP/$name.srv" --cert "$C/p256.crt" --key "$C/p256.key"
	# shellcheck disable=SC2086
	run "$TMP/$name.cli" openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" $cargs
	wait_bg "$SPID"
	check "$name" "[ \"\$RC\" -ne 0 ] && grep -q \"^error: local-alert alert=$alert:\" \"\$TMP/$name.srv\"" \
		"$TMP/$name.srv" "$TMP/$name.cli"
}
refused cbc-only "-cipher AES128-SHA" 40
refused cbc-ecdhe-only "-cipher ECDHE-ECDSA-AES128-SHA" 40
refused rsa-kx-only "-cipher AES128-GCM-SHA256" 40
refused fallback-scsv "-fallback_scsv" 86

name=renegotiation-refused
peer_server "$TMP/$name.srv" --cert "$C/p256.crt" --key "$C/p256.key" --echo
start_bg_fd3 "$TMP/$name.cli" 20 openssl s_client -tls1_2 -connect "127.0.0.1:$PORT"
cpid=$BG
send3 "before$NL"
wait_for "$TMP/$name.cli" "^before\$" 5
send3 "R$NL"
wait_for "$TMP/$name.srv" "^error" 5
close3
wait_bg "$cpid"
wait_bg "$SPID"
check "$name" 'grep -q "^before$" "$TMP/$name.cli" &&
	grep -q "^error: local-alert alert=40: .*renegotiation" "$TMP/$name.srv" &&
	grep -q "alert handshake failure" "$TMP/$name.cli"' "$TMP/$name.srv" "$TMP/$name.cli"

# curl limited to TLS 1.2 fetches a page.
if have curl; then
	name=curl-tls-max-1.2
	peer_server "$TMP/$name.srv" --cert "$C/p256.crt" --key "$C/p256.key" --http
	run "$TMP/$name.cli" curl -sSk --tls-max 1.2 -w '\n%{http_code}\n' "https://127.0.0.1:$PORT/"
	wait_bg "$SPID"
	check "$name" '[ "$RC" -eq 0 ] && grep -q "^200$" "$TMP/$name.cli" &&
		grep -q "^handshake ok suite=TLS_ECDHE_ECDSA_" "$TMP/$name.srv"' "$TMP/$name.srv" "$TMP/$name.cli"
else
	skip "curl not installed"
fi

# sigil serve: the built-in page and the access log say TLS 1.2; with
# --tls-min 1.3 a TLS 1.2 client gets protocol_version (70).
if have curl; then
	name=serve-tls12-page
	alog=$TMP/$name.access
	PORT=$(free_port)
	start_bg "$TMP/$name.srv" 20 "$SIGIL" serve --listen "127.0.0.1:$PORT" --cert "$C/p256.crt" \
		--key "$C/p256.key" --threads 1 --access-log "$alog"
	SPID=$BG
	n=0
	while [ $n -lt 50 ] && ! curl -sk --tls-max 1.2 -o "$TMP/$name.cli" "https://127.0.0.1:$PORT/" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	wait_for "$alog" "TLSv1" 5
	check "$name" 'grep -q "<td>Protocol</td><td>TLS 1.2</td>" "$TMP/$name.cli" &&
		grep -q "<td>TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256</td>" "$TMP/$name.cli" &&
		grep -q " TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 " "$alog"' "$TMP/$name.srv" "$TMP/$name.cli" "$alog"
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null

	name=serve-tls-min-1.3
	PORT=$(free_port)
	start_bg "$TMP/$name.srv" 20 "$SIGIL" serve --listen "127.0.0.1:$PORT" --cert "$C/p256.crt" \
		--key "$C/p256.key" --threads 1 --tls-min 1.3
	SPID=$BG
	n=0
	while [ $n -lt 50 ] && ! curl -sk --tlsv1.3 -o /dev/null "https://127.0.0.1:$PORT/" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	run "$TMP/$name.cli" curl -sSk --tls-max 1.2 "https://127.0.0.1:$PORT/"
	c12=$RC
	run "$TMP/$name.cli13" curl -sSk --tlsv1.3 -o /dev/null -w '%{http_code}\n' "https://127.0.0.1:$PORT/"
	check "$name" '[ "$c12" -ne 0 ] && grep -qi "protocol version" "$TMP/$name.cli" && grep -q "^200$" "$TMP/$name.cli13"' \
		"$TMP/$name.srv" "$TMP/$name.cli" "$TMP/$name.cli13"
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null

	name=serve-tls-min-bad
	run "$TMP/$name.cli" "$SIGIL" serve --tls-min 1.1
	check "$name" '[ "$RC" -eq 2 ] && grep -q "tls-min 1.1: 1.2 or 1.3" "$TMP/$name.cli"' "$TMP/$name.cli"
fi

# gnutls-cli limited to TLS 1.2 gets its line echoed.
if have gnutls-cli; then
	for k in p256:ECDSA rsa:RSA; do
		name=gnutls-cli-${k%%:*}
		peer_server "$TMP/$name.srv" --cert "$C/${k%%:*}.crt" --key "$C/${k%%:*}.key" --echo
		start_bg_fd3 "$TMP/$name.cli" 20 gnutls-cli --insecure -p "$PORT" \
			--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2" 127.0.0.1
		cpid=$BG
		send3 "gnutls-$name$NL"
		wait_for "$TMP/$name.cli" "^gnutls-$name\$" 5
		close3
		wait_bg "$cpid"
		crc=$?
		wait_bg "$SPID"
		check "$name" '[ "$crc" -eq 0 ] && grep -q "^gnutls-$name\$" "$TMP/$name.cli" &&
			grep -q "^handshake ok suite=TLS_ECDHE_${k#*:}_" "$TMP/$name.srv"' "$TMP/$name.srv" "$TMP/$name.cli"
	done
else
	skip "gnutls-cli not installed"
fi

finish
