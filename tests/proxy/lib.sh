# Sourced by tests/proxy/*.sh after tests/interop/lib.sh: what both
# proxy tests start before their own sigil serve.  proxy_setup NAME:
# skips NAME without curl, openssl or python3; sets SIGIL_HOME, CA,
# UPORT (tests/proxy/upstream.py, running), PORT (free, for the
# server), DEAD (a port nobody listens on), SOCK (the bank's Unix
# socket, the bank running with --prefix /bank/), and writes
# $TMP/alice.{crt,key}, $TMP/mallory.{crt,key} (client certificates
# from the development CA) and $TMP/authz (/private/ for mallory only).
proxy_setup() {
	for tool in curl openssl python3; do
		if ! have "$tool"; then
			skip "$1: $tool is not installed"
			finish
		fi
	done
	export SIGIL_HOME=$TMP/home
	CA=$SIGIL_HOME/ca
	UPORT=$(free_port)
	PORT=$(free_port)
	DEAD=$(free_port)
	start_bg "$TMP/up.log" 600 python3 "$HERE/upstream.py" "$UPORT"
	wait_for "$TMP/up.log" '^listening' 10 || { fail "the test upstream starts" "$TMP/up.log"; finish; }

	"$SIGIL" ca dev "$SIGIL_HOME" >/dev/null 2>&1
	"$SIGIL" ca issue "$CA" --client alice --out "$TMP/alice" >"$TMP/issue.log" 2>&1 ||
		{ fail "sigil ca issue --client alice" "$TMP/issue.log"; finish; }
	"$SIGIL" ca issue "$CA" --client mallory --out "$TMP/mallory" >/dev/null 2>&1

	SOCK=$TMP/bank.sock
	start_bg "$TMP/bank.log" 600 "$BUILD/sigil-bank" --listen "unix:$SOCK" --db "$TMP/bank.db" --prefix /bank/ -v
	wait_for "$TMP/bank.log" '^sigil-bank: listening' 10 || { fail "the bank starts" "$TMP/bank.log"; finish; }
	printf '/private/ CN=mallory\n' >"$TMP/authz"
}

# proxy_authz_bank AMOUNT: the checks both proxies must pass with $C
# (curl with the CA) against $URL, as set up above and by a server run
# with --authz "$TMP/authz" and --proxy "/bank/=unix:$SOCK": --authz is
# applied before proxying (/private/ for mallory only), and alice moves
# AMOUNT through the bank with a POST that carries its CSRF token.
proxy_authz_bank() {
	A="--cert $TMP/alice.crt --key $TMP/alice.key"
	check "authz: no certificate, 403" '[ "$($C -o /dev/null -w "%{http_code}" "$URL/private/echo")" = 403 ]'
	check "authz: alice, 403" '[ "$($C $A -o /dev/null -w "%{http_code}" "$URL/private/echo")" = 403 ]'
	check "authz: mallory passes" '[ "$($C --cert "$TMP/mallory.crt" --key "$TMP/mallory.key" -o /dev/null -w "%{http_code}" "$URL/private/echo")" = 404 ]'
	check "the bank's public page" '$C "$URL/bank/" | grep -qi "certificate"'
	check "/bank redirects to /bank/" '$C -o /dev/null -D - "$URL/bank" 2>/dev/null | grep -qi "^location: /bank/"'
	$C $A -o "$TMP/acct" "$URL/bank/"
	check "the bank knows alice from the proxy's headers" 'grep -q "alice" "$TMP/acct" && grep -q "1,000.00\|1000.00" "$TMP/acct"'
	tok=$(sed -n 's/.*action="\/bank\/transfer"><input type="hidden" name="csrf" value="\([^"]*\)".*/\1/p' "$TMP/acct" | head -1)
	code=$($C $A -o /dev/null -w '%{http_code}' -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin' \
		--data-urlencode "csrf=$tok" -d from=checking -d to=savings -d amount="$1" "$URL/bank/transfer")
	check "a POST through the proxy moves $1 (303, got $code)" '[ "$code" = 303 ] && $C $A "$URL/bank/statement" | grep -q "$1"'
}
