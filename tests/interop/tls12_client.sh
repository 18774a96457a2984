#!/bin/sh
# The TLS 1.2 client (issue 16): `sigil get` against openssl s_server
# -tls1_2 for every suite (ECDSA and RSA certificates) and group, against
# gnutls-serv limited to TLS 1.2, with a client certificate (s_server
# -Verify 1), a verified chain and pins; and the refusals: --tls-min 1.3,
# a CBC-only server, servers without extended master secret or
# renegotiation_info, a server's renegotiation (HelloRequest).
. "$(dirname "$0")/lib.sh"

if ! have openssl; then
	skip "openssl not installed"
	finish
fi
[ -x "$SIGIL" ] || { echo "FAIL no $SIGIL (make)"; failed=1; finish; }
gen_certs || { failed=1; finish; }
C=$TMP

run() {
	log=$1
	shift
	timeout "$T" "$@" >"$log" 2>&1 </dev/null 3>&-
	RC=$?
}

# oss LOG ARGS...: openssl s_server -tls1_2 -www for one connection on a
# fresh port ($PORT); sets SPID.
oss() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 20 openssl s_server -tls1_2 -accept "$PORT" -naccept 1 -www "$@"
	SPID=$BG
	wait_for "$log" '^ACCEPT' 5
}

# get NAME "get args" REGEX SERVER-ARGS...: sigil get -v against s_server
# (https://127.0.0.1:PORT/, or https://localhost:PORT/ when BY_NAME is set);
# the exit status 0, the page (s_server's account: TLS 1.2 with the
# extended master secret), and sigil's output matching REGEX.
get() {
	name=$1
	gargs=$2
	re=$3
	shift 3
	oss "$TMP/$name.srv" "$@"
	host=127.0.0.1
	[ -n "$BY_NAME" ] && { host=localhost; gargs="$gargs --resolve localhost:$PORT:127.0.0.1"; }
	# shellcheck disable=SC2086
	run "$TMP/$name.cli" "$SIGIL" get -v $gargs "https://$host:$PORT/"
	# s_server (-naccept 1) exits by itself after the connection; killed
	# before, its buffered output (the sni check's line) may be lost.
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$SPID" 2>/dev/null
	wait_bg "$SPID" 2>/dev/null
	check "$name" '[ "$RC" -eq 0 ] && grep -q "^ *Protocol *: *TLSv1.2" "$TMP/$name.cli" &&
		grep -q "^ *Extended master secret: yes" "$TMP/$name.cli" && grep -Eq -- "$re" "$TMP/$name.cli"' \
		"$TMP/$name.cli" "$TMP/$name.srv"
}

# refused NAME CODE "get args" REGEX SERVER-ARGS...: sigil get fails with
# exit status CODE (4: TLS, 5: verification) and a sentence matching REGEX.
refused() {
	name=$1
	want=$2
	gargs=$3
	re=$4
	shift 4
	oss "$TMP/$name.srv" "$@"
	# shellcheck disable=SC2086
	run "$TMP/$name.cli" "$SIGIL" get $gargs "https://127.0.0.1:$PORT/"
	kill "$SPID" 2>/dev/null
	wait_bg "$SPID" 2>/dev/null
	check "$name" '[ "$RC" -eq "$want" ] && grep -Eq -- "$re" "$TMP/$name.cli"' "$TMP/$name.cli" "$TMP/$name.srv"
}

# Every suite with every group: the RSA certificate for ECDHE_RSA, the
# P-256 one for ECDHE_ECDSA; the server allows only the group under test.
for g in x25519:X25519 secp256r1:P-256 secp384r1:P-384; do
	gid=${g%%:*}
	gname=${g#*:}
	for su in AES128-GCM-SHA256:AES_128_GCM_SHA256 AES256-GCM-SHA384:AES_256_GCM_SHA384 \
		CHACHA20-POLY1305:CHACHA20_POLY1305_SHA256; do
		get "rsa-${su%%:*}-$gid" --insecure \
			"^\* TLS 1\.2, TLS_ECDHE_RSA_WITH_${su#*:}, group $gid, signature rsa_" \
			-cert "$C/rsa.crt" -key "$C/rsa.key" -cipher "ECDHE-RSA-${su%%:*}" -groups "$gname"
		get "ecdsa-${su%%:*}-$gid" --insecure \
			"^\* TLS 1\.2, TLS_ECDHE_ECDSA_WITH_${su#*:}, group $gid, signature ecdsa_" \
			-cert "$C/p256.crt" -key "$C/p256.key" -cipher "ECDHE-ECDSA-${su%%:*}" -groups "$gname"
	done
done
# How the server signs ServerKeyExchange: PKCS#1 v1.5 (which TLS 1.3
# never uses), PSS, and ECDSA with a P-384 key.
get sig-rsa-pkcs1 --insecure "signature rsa_pkcs1_sha256," -cert "$C/rsa.crt" -key "$C/rsa.key" \
	-sigalgs RSA+SHA256
get sig-rsa-pss --insecure "signature rsa_pss_rsae_sha256," -cert "$C/rsa.crt" -key "$C/rsa.key" \
	-sigalgs RSA-PSS+SHA256
get sig-ecdsa-p384 --insecure "signature ecdsa_secp384r1_sha384," -cert "$C/p384.crt" -key "$C/p384.key" \
	-sigalgs ECDSA+SHA384
# TLS 1.2's ECDSA schemes name only the hash (RFC 5246 7.4.1.4.1): a P-384
# key signing with SHA-256 is legal.
get sig-ecdsa-p384-sha256 --insecure "signature ecdsa_secp256r1_sha256," -cert "$C/p384.crt" \
	-key "$C/p384.key" -sigalgs ECDSA+SHA256

# A chain verified as for TLS 1.3: a CA of `sigil ca`, the host name, pins.
"$SIGIL" ca init "$TMP/ca" >"$TMP/ca.log" 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/site" >>"$TMP/ca.log" 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --client alice --out "$TMP/alice" >>"$TMP/ca.log" 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --client bob --key-type rsa-2048 --out "$TMP/bob" >>"$TMP/ca.log" 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --client carol --key-type ed25519 --out "$TMP/carol" >>"$TMP/ca.log" 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --client dave --key-type ec-p384 --out "$TMP/dave" >>"$TMP/ca.log" 2>&1
check "setup: sigil ca" '[ -s "$TMP/site.crt" ] && [ -s "$TMP/alice.crt" ] && [ -s "$TMP/bob.crt" ] &&
	[ -s "$TMP/carol.crt" ] && [ -s "$TMP/dave.crt" ]' "$TMP/ca.log"
CA=$TMP/ca/root.crt
get verified "--cacert $CA" "^\* certificate chain \(verified\)" -cert "$TMP/site.crt" -key "$TMP/site.key"
# server_name (its empty answer in the TLS 1.2 ServerHello, from an
# s_server with a second certificate for the name; BY_NAME: the URL names
# localhost) and ALPN.
BY_NAME=1
get sni "--cacert $CA" "^\* TLS 1\.2" -cert "$TMP/site.crt" -key "$TMP/site.key" \
	-servername localhost -cert2 "$TMP/site.crt" -key2 "$TMP/site.key"
check "sni: s_server took the name (and answered server_name)" 'grep -q "Switching server context" "$TMP/sni.srv"' "$TMP/sni.srv"
get alpn "--cacert $CA" "ALPN http/1.1" -cert "$TMP/site.crt" -key "$TMP/site.key" -alpn h2,http/1.1
BY_NAME=
refused wrong-ca 5 "--cacert $C/p256.crt" "certificate verify failed" -cert "$TMP/site.crt" -key "$TMP/site.key"
pin=$("$SIGIL" inspect "$TMP/site.crt" 2>/dev/null | sed -n 's/.*\(sha256\/\/[A-Za-z0-9+\/=]*\).*/\1/p' | head -n 1)
if [ -n "$pin" ]; then
	get pin-match "--cacert $CA --pin $pin" "^\* TLS 1\.2" -cert "$TMP/site.crt" -key "$TMP/site.key"
	refused pin-mismatch 5 "--cacert $CA --pin sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
		"pin" -cert "$TMP/site.crt" -key "$TMP/site.key"
else
	fail "pin (sigil inspect printed no sha256// pin)"
fi

# Mutual TLS (RFC 5246 7.4.4, 7.4.8): ECDSA (P-256, P-384), RSA and
# Ed25519 (RFC 8422 5.10: it signs the messages themselves) client certificates;
# the server checks them against the CA and says whom it verified.
mtls() {
	name=$1
	who=$2
	get "$name" "--cacert $CA --cert $TMP/$who.crt --key $TMP/$who.key" "^\* TLS 1\.2" \
		-cert "$TMP/site.crt" -key "$TMP/site.key" -Verify 1 -verify_return_error -CAfile "$CA"
	grep -q "CN *= *$who" "$TMP/$name.srv" || fail "$name: the server did not see $who's certificate" \
		"$TMP/$name.srv"
}
mtls mtls-ecdsa alice
mtls mtls-rsa bob
mtls mtls-ed25519 carol
mtls mtls-ecdsa-p384 dave
refused mtls-no-cert 4 "--cacert $CA" "alert|handshake" -cert "$TMP/site.crt" -key "$TMP/site.key" \
	-Verify 1 -verify_return_error -CAfile "$CA"

# The version policy: the default minimum offers TLS 1.3 and 1.2, and
# takes 1.2 from a server without 1.3 (the cases above); --tls-min 1.3
# refuses it (the server's protocol_version); --tls-min 1.1 is a usage error.
refused tls-min-1.3 4 "--insecure --tls-min 1.3" "protocol.version" -cert "$C/p256.crt" -key "$C/p256.key"
name=tls-min-bad
run "$TMP/$name.cli" "$SIGIL" get --tls-min 1.1 https://127.0.0.1:1/
check "$name" '[ "$RC" -eq 2 ] && grep -q "tls-min 1.1: 1.2 or 1.3" "$TMP/$name.cli"' "$TMP/$name.cli"

# Refusals: a CBC-only server (no suite in common: its handshake_failure),
# servers without extended master secret (RFC 7627) or without
# renegotiation_info (RFC 5746): ours.
refused cbc-only 4 "--insecure" "handshake.failure" -cert "$C/rsa.crt" -key "$C/rsa.key" \
	-cipher ECDHE-RSA-AES128-SHA256
cat >"$TMP/noems.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
Options = -ExtendedMasterSecret
EOF
OPENSSL_CONF=$TMP/noems.cnf
export OPENSSL_CONF
refused no-ems 4 "--insecure" "does not support extended_master_secret \(RFC 7627\)" -cert "$C/p256.crt" \
	-key "$C/p256.key"
unset OPENSSL_CONF

# Renegotiation: s_server's "R" sends a HelloRequest after the handshake;
# tlspeer's client (the same engine) refuses it with handshake_failure.
if [ -x "$PEER" ]; then
	name=renegotiation-refused
	PORT=$(free_port)
	start_bg_fd3 "$TMP/$name.srv" 20 openssl s_server -tls1_2 -accept "$PORT" -naccept 1 \
		-cert "$C/p256.crt" -key "$C/p256.key"
	spid=$BG
	wait_for "$TMP/$name.srv" '^ACCEPT' 5
	start_bg "$TMP/$name.cli" 20 "$PEER" client 127.0.0.1 "$PORT" --insecure
	cpid=$BG
	wait_for "$TMP/$name.srv" 'CIPHER is' 5
	send3 "R$NL"
	wait_for "$TMP/$name.cli" '^error' 5
	close3
	wait_bg "$cpid"
	kill "$spid" 2>/dev/null
	wait_bg "$spid" 2>/dev/null
	check "$name" 'grep -q "^error: local-alert alert=40: .*renegotiation" "$TMP/$name.cli"' \
		"$TMP/$name.cli" "$TMP/$name.srv"
fi

# gnutls-serv limited to TLS 1.2; and with %NO_SESSION_HASH (no EMS) and
# %DISABLE_SAFE_RENEGOTIATION (no renegotiation_info), refused.
if have gnutls-serv; then
	gs() {
		name=$1
		prio=$2
		want=$3
		re=$4
		PORT=$(free_port)
		start_bg "$TMP/$name.srv" 20 gnutls-serv --http -p "$PORT" --priority "$prio" \
			--x509certfile "$C/p256.crt" --x509keyfile "$C/p256.key"
		gpid=$BG
		wait_for "$TMP/$name.srv" 'listening' 5
		run "$TMP/$name.cli" "$SIGIL" get -v --insecure "https://127.0.0.1:$PORT/"
		kill "$gpid" 2>/dev/null
		wait_bg "$gpid" 2>/dev/null
		check "$name" '[ "$RC" -eq "$want" ] && grep -Eq -- "$re" "$TMP/$name.cli"' "$TMP/$name.cli" \
			"$TMP/$name.srv"
	}
	gs gnutls-tls12 NORMAL:-VERS-ALL:+VERS-TLS1.2 0 "^\* TLS 1\.2, TLS_ECDHE_ECDSA_WITH_"
	gs gnutls-no-ems NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH 4 "extended_master_secret"
	gs gnutls-no-reneg-info NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION 4 "renegotiation_info"
else
	skip "gnutls-serv not installed"
fi

finish
