#!/bin/sh
# A real browser, end to end: headless Chromium (puppeteer-core from npm,
# as tests/interop/pq.sh installs it) trusts the development CA and holds
# alice's certificate in an NSS database in a temporary HOME (certutil,
# pk12util from libnss3-tools); the AutoSelectCertificateForUrls policy
# picks it.  Through sigil serve --proxy to the bank: sign in, buy, pay a
# bill, trade, and the ledger (SQLite) moved.  SKIP when Chromium, npm,
# puppeteer-core or the NSS tools are missing, or the policy directory
# cannot be written.  Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

NPMDIR=${SIGIL_NPM:-${HOME:-/tmp}/.cache/sigil-npm}
PUPPETEER=$NPMDIR/node_modules/puppeteer-core
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
POLICY_DIR=/etc/chromium/policies/managed
for tool in node openssl certutil pk12util sqlite3; do
	have "$tool" || { skip "e2e/bank.sh: $tool is not installed (libnss3-tools, sqlite3)"; finish; }
done
[ -x "$CHROMIUM" ] || { skip "e2e/bank.sh: no Chromium at $CHROMIUM"; finish; }
if [ ! -d "$PUPPETEER" ] && have npm; then
	timeout 300 npm install --prefix "$NPMDIR" --no-audit --no-fund --loglevel=error puppeteer-core \
		>"$TMP/npm.log" 2>&1
fi
[ -d "$PUPPETEER" ] || { skip "e2e/bank.sh: puppeteer-core not installed (npm install --prefix $NPMDIR puppeteer-core)"; finish; }
mkdir -p "$POLICY_DIR" 2>/dev/null
POLICY=$POLICY_DIR/sigil-e2e-$$.json
PORT=$(free_port)
printf '{"AutoSelectCertificateForUrls": ["{\\"pattern\\":\\"https://localhost:%s\\",\\"filter\\":{}}"]}\n' "$PORT" \
	>"$POLICY" 2>/dev/null || { skip "e2e/bank.sh: cannot write $POLICY_DIR (the policy needs it)"; finish; }
trap 'rm -f "$POLICY"; cleanup' EXIT INT TERM

export SIGIL_HOME=$TMP/home
CA=$SIGIL_HOME/ca
"$SIGIL" ca dev "$SIGIL_HOME" >/dev/null 2>&1
"$SIGIL" ca issue "$CA" --client alice --p12 --p12-pass e2e --out "$TMP/alice" >"$TMP/issue.log" 2>&1 ||
	{ fail "sigil ca issue --client alice --p12" "$TMP/issue.log"; finish; }
"$SIGIL" ca crl "$CA" --out "$CA/crl.pem" >/dev/null 2>&1

# The browser's HOME: its NSS database with the CA and alice.
export HOME=$TMP/browser
NSS=sql:$HOME/.pki/nssdb
mkdir -p "$HOME/.pki/nssdb"
certutil -N --empty-password -d "$NSS" >/dev/null 2>&1
certutil -A -n "sigil development CA" -t "C,," -i "$CA/root.crt" -d "$NSS" >/dev/null 2>&1
pk12util -i "$TMP/alice.p12" -W e2e -d "$NSS" >"$TMP/pk12.log" 2>&1
check "alice's certificate in the NSS database" 'certutil -L -d "$NSS" | grep -q alice'

SOCK=$TMP/bank.sock
DB=$TMP/bank.db
start_bg "$TMP/bank.log" 300 "$BUILD/sigil-bank" --listen "unix:$SOCK" --db "$DB" --prefix /bank/ -v
wait_for "$TMP/bank.log" '^sigil-bank: listening' 10 || { fail "the bank starts" "$TMP/bank.log"; finish; }
start_bg "$TMP/serve.log" 300 "$SIGIL" serve --require-client-cert --listen "127.0.0.1:$PORT" --threads 2 -v \
	--client-ca "$CA/root.crt" --client-crl "$CA/crl.pem" --proxy "/bank/=unix:$SOCK"
SPID=$BG
wait_for "$TMP/serve.log" '^sigil serve: https:' 10 || { fail "sigil serve starts" "$TMP/serve.log"; finish; }

NODE_PATH=$NPMDIR/node_modules timeout 120 node "$HERE/bank.js" "https://localhost:$PORT/" >"$TMP/js.out" 2>&1
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"FAIL "*) fail "${line#FAIL }" "$TMP/serve.log" ;;
	esac
done <"$TMP/js.out"
grep -q '^ok \|^FAIL ' "$TMP/js.out" || fail "the browser ran" "$TMP/js.out"
check "sigil serve saw alice's certificate" 'grep -q "client certificate: CN=alice" "$TMP/serve.log"'
# The ledger moved: the operations are recorded with alice's certificate.
SER=$(openssl x509 -in "$TMP/alice.crt" -noout -serial | sed 's/serial=//' | tr A-F a-f)
ops=$(sqlite3 "$DB" "select kind from transactions where kind in ('purchase','bill','buy') and lower(cert_serial) like '%${SER#0}' order by id" 2>&1 | tr '\n' ' ')
check "the ledger recorded purchase, bill, buy with alice's serial (got: $ops)" '[ "$ops" = "purchase bill buy " ]'
check "the statement lists the purchase, the bill and the trade" 'grep -q "STATEMENT" "$TMP/js.out" && grep "STATEMENT" "$TMP/js.out" | grep -qi "pen" && grep "STATEMENT" "$TMP/js.out" | grep -q "12.34" && grep "STATEMENT" "$TMP/js.out" | grep -q "SGL"'
# Revoked: sigil ca revoke, a new CRL, SIGHUP; a new browser (no session
# to resume) is refused at the TLS layer.
"$SIGIL" ca revoke "$CA" "$SER" >/dev/null 2>&1
"$SIGIL" ca crl "$CA" --out "$CA/crl.pem" >/dev/null 2>&1
kill -HUP "$(pgrep -P "$SPID" || echo "$SPID")"
sleep 1
rm -rf "$HOME/profile"
NODE_PATH=$NPMDIR/node_modules timeout 120 node "$HERE/bank.js" "https://localhost:$PORT/" revoked >"$TMP/js2.out" 2>&1
grep -q '^ok after the revocation' "$TMP/js2.out" && ok "$(sed -n 's/^ok //p' "$TMP/js2.out")" ||
	fail "after the revocation the bank is refused" "$TMP/js2.out" "$TMP/serve.log"
check "sigil serve said why (revoked)" 'grep -qi "client refused.*revoked" "$TMP/serve.log"'
finish
