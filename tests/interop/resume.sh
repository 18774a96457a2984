#!/bin/sh
# Resumption interop (RFC 8446 2.2): openssl s_client -sess_out/-sess_in
# against sigil serve, and sigil get --session against openssl s_server;
# then the same for TLS 1.2 tickets (RFC 5077), and sessions of one
# version never resuming the other.
. "$(dirname "$0")/lib.sh"

have openssl || { skip "openssl not installed"; finish; }
[ -x "$SIGIL" ] || { echo "FAIL no $SIGIL (make)"; failed=1; finish; }
"$SIGIL" ca init "$TMP/ca" >/dev/null 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/srv" >/dev/null 2>&1 ||
	{ fail "sigil ca"; finish; }
ROOT=$TMP/ca/root.crt

# openssl s_client -> sigil serve: a new session, then Reused.
PORT=$(free_port)
start_bg "$TMP/serve.log" 30 "$SIGIL" serve --listen "127.0.0.1:$PORT" --cert "$TMP/srv.crt" \
	--key "$TMP/srv.key" --threads 1
wait_for "$TMP/serve.log" '^sigil serve: https' 5 || { fail "sigil serve did not start" "$TMP/serve.log"; finish; }
sc() {
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout "$T" openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_3 \
			-CAfile "$ROOT" -verify_return_error -ign_eof "$@" >"$TMP/sc.$#.log" 2>&1
}
sc -sess_out "$TMP/ossl.sess"
check "s_client first connection is new" 'grep -q "^New, TLSv1.3" "$TMP/sc.2.log"' "$TMP/sc.2.log"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
	timeout "$T" openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_3 -CAfile "$ROOT" \
		-verify_return_error -ign_eof -sess_in "$TMP/ossl.sess" >"$TMP/sc.resume.log" 2>&1
check "s_client -sess_in: Reused against sigil serve" 'grep -q "^Reused, TLSv1.3" "$TMP/sc.resume.log"' \
	"$TMP/sc.resume.log"
check "the resumed connection still got the page" 'grep -q "sigil: a secure connection" "$TMP/sc.resume.log"' \
	"$TMP/sc.resume.log"

# sigil get --session -> sigil serve.
rm -f "$TMP/sg.sess"
timeout "$T" "$SIGIL" get "https://localhost:$PORT/" --cacert "$ROOT" --session "$TMP/sg.sess" -v -o /dev/null \
	>"$TMP/g1.log" 2>&1
timeout "$T" "$SIGIL" get "https://localhost:$PORT/" --cacert "$ROOT" --session "$TMP/sg.sess" -v -o /dev/null \
	>"$TMP/g2.log" 2>&1
check "sigil get --session resumes against sigil serve" \
	'grep -q "session new" "$TMP/g1.log" && grep -q "session resumed" "$TMP/g2.log"' "$TMP/g1.log" "$TMP/g2.log"
check "the session file is private (0600)" '[ "$(stat -c %a "$TMP/sg.sess")" = 600 ]'

# sigil get --session -> openssl s_server.
P2=$(free_port)
start_bg "$TMP/ss.log" 30 openssl s_server -accept "$P2" -tls1_3 -cert "$TMP/srv.crt" -key "$TMP/srv.key" -www
wait_for "$TMP/ss.log" '^ACCEPT' 5 || { fail "s_server did not start" "$TMP/ss.log"; finish; }
rm -f "$TMP/o.sess"
for i in 1 2 3; do
	timeout "$T" "$SIGIL" get "https://localhost:$P2/" --cacert "$ROOT" --session "$TMP/o.sess" -v -o "$TMP/o.$i" \
		>"$TMP/o$i.log" 2>&1
done
check "sigil get --session resumes against openssl s_server" \
	'grep -q "session new" "$TMP/o1.log" && grep -q "session resumed" "$TMP/o2.log" && grep -q "session resumed" "$TMP/o3.log"' \
	"$TMP/o1.log" "$TMP/o2.log"
check "s_server says the third connection reused the session" 'grep -q "^Reused, TLSv1.3" "$TMP/o.3"' "$TMP/o.3"

# A corrupted session file: a full handshake, not a failure.
printf 'garbage' >"$TMP/bad.sess"
timeout "$T" "$SIGIL" get "https://localhost:$P2/" --cacert "$ROOT" --session "$TMP/bad.sess" -v -o /dev/null \
	>"$TMP/bad.log" 2>&1
rc=$?
check "a corrupted session file means a full handshake (exit $rc)" '[ "$rc" -eq 0 ] && grep -q "session new" "$TMP/bad.log"' \
	"$TMP/bad.log"
# TLS 1.2 (RFC 5077): openssl s_client -tls1_2 -> sigil serve.
for i in 1 2; do
	[ $i = 1 ] && io=-sess_out || io=-sess_in
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout "$T" openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_2 -CAfile "$ROOT" \
			-verify_return_error -ign_eof $io "$TMP/ossl12.sess" >"$TMP/sc12.$i.log" 2>&1
done
check "TLS 1.2: s_client first connection is new, with a ticket" \
	'grep -q "^New, TLSv1.2" "$TMP/sc12.1.log" && grep -q "TLS session ticket:" "$TMP/sc12.1.log"' "$TMP/sc12.1.log"
check "TLS 1.2: s_client -sess_in: Reused against sigil serve" 'grep -q "^Reused, TLSv1.2" "$TMP/sc12.2.log"' \
	"$TMP/sc12.2.log"
check "TLS 1.2: the resumed connection still got the page" \
	'grep -q "sigil: a secure connection" "$TMP/sc12.2.log"' "$TMP/sc12.2.log"
# Another server name: a full handshake (the ticket is bound to localhost).
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
	timeout "$T" openssl s_client -connect "127.0.0.1:$PORT" -servername other.example -tls1_2 \
		-ign_eof -sess_in "$TMP/ossl12.sess" >"$TMP/sc12.other.log" 2>&1
check "TLS 1.2: the ticket offered for another server name is not resumed" \
	'grep -q "^New, TLSv1.2" "$TMP/sc12.other.log"' "$TMP/sc12.other.log"

# gnutls-cli -r (a second connection resuming the first) -> sigil serve, TLS 1.2.
if have gnutls-cli; then
	echo | timeout "$T" gnutls-cli --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' --x509cafile "$ROOT" -r \
		-p "$PORT" localhost >"$TMP/gc12.log" 2>&1
	check "TLS 1.2: gnutls-cli -r resumes against sigil serve" \
		'grep -q "This is a resumed session" "$TMP/gc12.log"' "$TMP/gc12.log"
else
	skip "gnutls-cli not installed"
fi

# sigil get --tls-min 1.2 --session -> openssl s_server -tls1_2, and the
# TLS 1.2 session offered to a TLS 1.3 server (s_server of the 1.3 part).
P3=$(free_port)
start_bg "$TMP/ss12.log" 30 openssl s_server -accept "$P3" -tls1_2 -cert "$TMP/srv.crt" -key "$TMP/srv.key" -www
wait_for "$TMP/ss12.log" '^ACCEPT' 5 || { fail "s_server -tls1_2 did not start" "$TMP/ss12.log"; finish; }
rm -f "$TMP/o12.sess"
for i in 1 2 3; do
	timeout "$T" "$SIGIL" get "https://localhost:$P3/" --tls-min 1.2 --cacert "$ROOT" --session "$TMP/o12.sess" -v \
		-o "$TMP/o12.$i" >"$TMP/o12_$i.log" 2>&1
done
check "TLS 1.2: sigil get --session resumes against openssl s_server -tls1_2" \
	'grep -q "session new" "$TMP/o12_1.log" && grep -q "session resumed" "$TMP/o12_2.log" && grep -q "session resumed" "$TMP/o12_3.log"' \
	"$TMP/o12_1.log" "$TMP/o12_2.log"
check "TLS 1.2: s_server says the third connection reused the session" 'grep -q "^Reused, TLSv1.2" "$TMP/o12.3"' \
	"$TMP/o12.3"
cp "$TMP/o12.sess" "$TMP/x12.sess"
timeout "$T" "$SIGIL" get "https://localhost:$P2/" --cacert "$ROOT" --session "$TMP/x12.sess" -v -o "$TMP/x12.out" \
	>"$TMP/x12.log" 2>&1
check "a TLS 1.2 session against a TLS 1.3 server: a full handshake" \
	'grep -q "session new" "$TMP/x12.log" && grep -q "^New, TLSv1.3" "$TMP/x12.out"' "$TMP/x12.log"
# And the reverse: the TLS 1.3 session of o.sess against the TLS 1.2 server.
timeout "$T" "$SIGIL" get "https://localhost:$P3/" --cacert "$ROOT" --session "$TMP/o.sess" -v -o "$TMP/x13.out" \
	>"$TMP/x13.log" 2>&1
check "a TLS 1.3 session against a TLS 1.2 server: a full handshake" \
	'grep -q "session new" "$TMP/x13.log" && grep -q "^New, TLSv1.2" "$TMP/x13.out"' "$TMP/x13.log"
finish
