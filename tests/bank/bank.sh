#!/bin/sh
# The demonstration bank (build/sigil-bank) on a Unix-domain socket in a
# temporary directory, spoken to with curl --unix-socket exactly as
# sigil serve's proxy does (docs/bank.md): identity headers, Host,
# X-Forwarded-Proto.  The public page, alice's accounts, buy / pay /
# trade / transfer through the forms with the CSRF token scraped from
# them, the statement; refusals: no, wrong, foreign and expired tokens,
# other origins, bad amounts, overdrafts, broken identity headers, a
# hostile subject, a second certificate for the same name; HTTP edges.
# Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"

BANK=$BUILD/sigil-bank
if [ ! -x "$BANK" ]; then
	echo "missing $BANK: run make"
	fail "build"
	finish
fi
for tool in curl openssl; do
	if ! have "$tool"; then
		skip "bank.sh: $tool is not installed"
		finish
	fi
done

SOCK=$TMP/bank.sock
DB=$TMP/bank.db
KEY=$(openssl rand -hex 32)
printf '%s\n' "$KEY" >"$TMP/secret"
chmod 600 "$TMP/secret"
FP_A=$(printf 'alice' | openssl dgst -sha256 | sed 's/.*= //')
FP_B=$(printf 'another alice' | openssl dgst -sha256 | sed 's/.*= //')
FP_M=$(printf 'mallory' | openssl dgst -sha256 | sed 's/.*= //')
SERIAL=6CC9CE3230D2F9315A8D5E0B3BD504DF

start_bg "$TMP/bank.log" 300 "$BANK" --listen "unix:$SOCK" --db "$DB" --prefix /bank/ \
	--secret-file "$TMP/secret" -v
BPID=$BG
if ! wait_for "$TMP/bank.log" '^sigil-bank: listening on unix:' 10; then
	fail "the bank starts" "$TMP/bank.log"
	finish
fi
ok "the bank starts on a Unix-domain socket"
check "the socket is mode 0600" '[ "$(stat -c %a "$SOCK")" = 600 ]'

# get PATH [CURL ARGS...]: a request through the socket with what the proxy
# always sets.  CODE gets the status, $TMP/body the body, $TMP/head the head.
get() {
	path=$1
	shift
	CODE=$(curl -s --max-time "$T" --unix-socket "$SOCK" -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' \
		-H 'Host: localhost:8443' -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 127.0.0.1' \
		"$@" "http://localhost:8443$path")
}

# as SUBJECT FINGERPRINT PATH [CURL ARGS...]: with a verified certificate.
as() {
	subj=$1
	fp=$2
	path=$3
	shift 3
	get "$path" -H 'X-Client-Verify: SUCCESS' -H "X-Client-Subject: $subj" \
		-H 'X-Client-Issuer: CN=sigil development CA' -H "X-Client-Serial: $SERIAL" \
		-H "X-Client-Fingerprint-SHA256: $fp" "$@"
}

alice() {
	as 'CN=alice,O=Example' "$FP_A" "$@"
}

body_has() {
	grep -qF -- "$1" "$TMP/body"
}

head_has() {
	tr -d '\r' <"$TMP/head" | grep -qi -- "$1"
}

# token ACTION: the CSRF token of a form on the page in $TMP/body.
token() {
	sed -n 's/.*action="\/bank\/'"$1"'"><input type="hidden" name="csrf" value="\([^"]*\)".*/\1/p' "$TMP/body" |
		head -n 1
}

# cents NAME: a balance on the accounts page in $TMP/body, in cents.
cents() {
	v=$(sed -n 's/.*<tr><td>'"$1"'<\/td><td class="n">\([0-9,.]*\)<\/td>.*/\1/p' "$TMP/body" | head -n 1)
	echo "$v" | tr -d ',.' | sed 's/^0*\(.\)/\1/'
}

# balances: "CHECKING SAVINGS" in cents, from a fresh accounts page.
balances() {
	alice /bank/
	echo "$(cents Checking) $(cents Savings)"
}

# post ACTION FIELDS...: alice posts a form with a fresh token of ACTION
# (FIELDS as curl --data-urlencode arguments).
post() {
	action=$1
	shift
	alice /bank/
	tok=$(token "$action")
	for f in "$@"; do
		set -- "$@" --data-urlencode "$f"
		shift
	done
	alice "/bank/$action" --data-urlencode "csrf=$tok" "$@"
}

# ---------------------------------------------------------------------------
# The public page.
get /bank/
check "public page: 200 without a certificate" '[ "$CODE" = 200 ]' "$TMP/body"
check "public page: says to sign in with a certificate, and how" \
	'body_has "Sign in with your certificate" && body_has "alice.p12" && body_has "Your Certificates"'
check "public page: rates, quotes and the catalogue" \
	'body_has "Exchange rates" && body_has "Share quotes" && body_has "Fountain pen" && body_has "SGL"'
check "public page: no forms, no account" '! body_has "<form" && ! body_has "Your accounts"'
check "public page: a Content-Security-Policy without external sources" \
	"head_has \"^Content-Security-Policy: default-src 'none'; style-src 'sha256-\" && head_has \"form-action 'self'\" && head_has \"frame-ancestors 'none'\""
check "public page: no script, no external resource" \
	'! grep -qiE "<script|src=|<link|https?://" "$TMP/body"'
check "public page: nosniff, no-store, no framing" \
	'head_has "^X-Content-Type-Options: nosniff" && head_has "^Cache-Control: no-store" && head_has "^X-Frame-Options: DENY"'
check "public page: the style sheet's hash is the one in the policy" '
	css=$(sed -n "s/.*<style>\(.*\)<\/style>.*/\1/p" "$TMP/body")
	h=$(printf "%s" "$css" | openssl dgst -sha256 -binary | openssl base64 -A)
	head_has "style-src '"'"'sha256-$h'"'"'"'
get /bank/statement
check "statement without a certificate: 403 with the way to sign in" \
	'[ "$CODE" = 403 ] && body_has "sign in with your certificate"'

# ---------------------------------------------------------------------------
# alice signs in: accounts seeded on first sight.
alice /bank/
check "alice: 200 with her name and accounts" \
	'[ "$CODE" = 200 ] && body_has "Signed in as <b>alice</b>" && body_has "Your accounts"' "$TMP/body"
check "alice: seeded with 1,000.00 checking and 5,000.00 savings" \
	'[ "$(cents Checking)" = 100000 ] && [ "$(cents Savings)" = 500000 ]'
check "alice: four forms, each with its own token" \
	'[ -n "$(token buy)" ] && [ -n "$(token pay)" ] && [ -n "$(token trade)" ] && [ -n "$(token transfer)" ] &&
	 [ "$(token buy)" != "$(token pay)" ]'
check "alice: the statement has the two openings, with the certificate's serial" '
	alice /bank/statement
	[ "$CODE" = 200 ] && [ "$(grep -c "Account opened with" "$TMP/body")" = 2 ] &&
	body_has "serial 6cc9ce3230d2f9315a8d5e0b3bd504df"'

# ---------------------------------------------------------------------------
# Buy, pay, trade, transfer.
post buy item=pen quantity=2 account=checking
check "buy: 303 to the statement" \
	'[ "$CODE" = 303 ] && head_has "^Location: /bank/statement?done=[0-9][0-9]*$"' "$TMP/body"
loc=$(tr -d '\r' <"$TMP/head" | sed -n 's/^Location: //p')
alice "$loc"
check "buy: in the statement, pointed out" \
	'body_has "Fountain pen x 2" && body_has "-90.00" && body_has "class=\"ok\""'
check "buy: checking is 910.00" '[ "$(balances)" = "91000 500000" ]'

post pay payee=power 'reference=<b>inv&42</b>' amount=123.45 account=savings
check "pay: 303" '[ "$CODE" = 303 ]' "$TMP/body"
alice /bank/statement
check "pay: in the statement, payee and reference escaped" \
	'body_has "Bill: City Power &amp; Light, reference &lt;b&gt;inv&amp;42&lt;/b&gt;" && body_has "-123.45" &&
	 ! body_has "<b>inv"'
check "pay: savings is 4,876.55" '[ "$(balances)" = "91000 487655" ]'

post transfer from=savings to=checking amount=100
check "transfer: 303, both accounts move" '[ "$CODE" = 303 ] && [ "$(balances)" = "101000 477655" ]'

# A trade executes at the price of the quote on the form.
alice /bank/
price=$(sed -n 's/.*<option value="SGL">SGL at \([0-9,.]*\)<\/option>.*/\1/p' "$TMP/body" | tr -d ',.' | sed 's/^0*//')
quote=$(sed -n 's/.*name="quote" value="\([0-9]*\)".*/\1/p' "$TMP/body")
tok=$(token trade)
alice /bank/trade --data-urlencode "csrf=$tok" -d quote="$quote" -d side=buy -d symbol=SGL -d shares=3
check "trade: buy 3 SGL, 303" '[ "$CODE" = 303 ] && [ -n "$price" ]' "$TMP/body"
alice /bank/
check "trade: 3 SGL held, checking paid 3 x the quoted price" \
	'grep -q "<tr><td>SGL</td><td class=\"n\">3</td>" "$TMP/body" && [ "$(cents Checking)" = $((101000 - 3 * price)) ]'
alice /bank/trade --data-urlencode "csrf=$tok" -d quote="$quote" -d side=sell -d symbol=SGL -d shares=1
check "trade: sell 1 SGL at the same quote" \
	'[ "$CODE" = 303 ] && [ "$(balances)" = "$((101000 - 2 * price)) 477655" ]'
alice /bank/trade --data-urlencode "csrf=$tok" -d quote="$quote" -d side=sell -d symbol=SGL -d shares=5
check "trade: selling more than held is refused" '[ "$CODE" = 400 ] && body_has "you hold 2 SGL shares"'
alice /bank/trade --data-urlencode "csrf=$tok" -d quote="$quote" -d side=sell -d symbol=ACME -d shares=1
check "trade: selling a share not held is refused" '[ "$CODE" = 400 ] && body_has "you hold 0 ACME"'
alice /bank/trade --data-urlencode "csrf=$tok" -d quote=$((quote - 5)) -d side=buy -d symbol=SGL -d shares=1
check "trade: an expired quote is refused with the new price (409)" \
	'[ "$CODE" = 409 ] && body_has "has expired" && body_has "SGL is now at"'
alice /bank/trade --data-urlencode "csrf=$tok" -d quote=$((quote + 5)) -d side=buy -d symbol=SGL -d shares=1
check "trade: a quote from the future is refused" '[ "$CODE" = 400 ] && body_has "from the future"'
alice /bank/statement
check "trade: bought and sold in the statement" \
	'body_has "Bought 3 SGL at" && body_has "Sold 1 SGL at"'

# Newest first: the ids go down, the last operation is on top (two
# openings, a purchase, a bill, a transfer's two rows, two trades).
alice /bank/statement
ids=$(grep -o 'id="t[0-9]*"' "$TMP/body" | tr -dc '0-9\n')
check "statement: newest first" \
	'[ "$(echo "$ids" | wc -l)" -eq 8 ] && echo "$ids" | sort -rn -c 2>/dev/null &&
	 [ "$(grep -o "<td>Sold 1 SGL\|<td>Bought 3 SGL\|<td>Fountain pen" "$TMP/body" | head -n 1)" = "<td>Sold 1 SGL" ]'

# ---------------------------------------------------------------------------
# CSRF: every post without a valid token of its own form is refused.
before=$(balances)
alice /bank/pay -d payee=power -d amount=1 -d account=checking
check "csrf: no token: 403" '[ "$CODE" = 403 ] && body_has "no security token"'
alice /bank/
good=$(token pay)
bad=$(echo "$good" | sed 's/.$/0/')
[ "$bad" = "$good" ] && bad=$(echo "$good" | sed 's/.$/1/')
alice /bank/pay -d csrf="$bad" -d payee=power -d amount=1 -d account=checking
check "csrf: a changed token: 403" '[ "$CODE" = 403 ] && body_has "not valid for this form"'
alice /bank/
alice /bank/pay -d csrf="$(token buy)" -d payee=power -d amount=1 -d account=checking
check "csrf: the token of another form: 403" '[ "$CODE" = 403 ]'
alice /bank/pay -d csrf="garbage" -d payee=power -d amount=1 -d account=checking
check "csrf: a malformed token: 403" '[ "$CODE" = 403 ] && body_has "malformed"'
# Tokens made here with the bank's key, by the documented construction.
mktoken() {
	m=$(printf 'sigil-bank-csrf-1|%s|%s|%s' "$1" "$2" "$3" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" |
		sed 's/.*= //')
	echo "$3.$m"
}
now=$(date +%s)
alice /bank/pay -d csrf="$(mktoken pay "$FP_A" $((now - 7200)))" -d payee=power -d amount=1 -d account=checking
check "csrf: an expired token (2 hours old): 403" '[ "$CODE" = 403 ] && body_has "expired"'
alice /bank/pay -d csrf="$(mktoken pay "$FP_A" $((now + 3600)))" -d payee=power -d amount=1 -d account=checking
check "csrf: a token from the future: 403" '[ "$CODE" = 403 ] && body_has "future"'
alice /bank/pay -d csrf="$(mktoken pay "$FP_M" "$now")" -d payee=power -d amount=1 -d account=checking
check "csrf: a token made for another certificate: 403" '[ "$CODE" = 403 ]'
check "csrf: nothing was paid" '[ "$(balances)" = "$before" ]'
alice /bank/pay -d csrf="$(mktoken pay "$FP_A" $((now - 60)))" -d payee=power -d amount=1 -d account=checking
check "csrf: the same construction, fresh, is accepted" '[ "$CODE" = 303 ]'
before=$(balances)

# The origin, where the browser says it.
alice /bank/
tok=$(token pay)
alice /bank/pay -H 'Origin: https://evil.example' -d csrf="$tok" -d payee=power -d amount=1 -d account=checking
check "origin: a post from another origin: 403" '[ "$CODE" = 403 ] && body_has "another origin"'
alice /bank/pay -H 'Origin: null' -d csrf="$tok" -d payee=power -d amount=1 -d account=checking
check "origin: Origin: null: 403" '[ "$CODE" = 403 ]'
alice /bank/pay -H 'Sec-Fetch-Site: cross-site' -d csrf="$tok" -d payee=power -d amount=1 -d account=checking
check "origin: Sec-Fetch-Site: cross-site: 403" '[ "$CODE" = 403 ] && body_has "another site"'
check "origin: nothing was paid" '[ "$(balances)" = "$before" ]'
alice /bank/
tok=$(token pay)
alice /bank/pay -H 'Origin: https://localhost:8443' -H 'Sec-Fetch-Site: same-origin' -d csrf="$tok" \
	-d payee=power -d amount=1 -d account=checking
check "origin: from the bank's own origin: accepted" '[ "$CODE" = 303 ]'

# ---------------------------------------------------------------------------
# Amounts: each refused with a sentence, nothing changed.
before=$(balances)
n=0
for amt in -5 0 0.00 1e3 1.005 +1 ' 1' '1 ' 92233720368547758.08 1,000.00 abc '' .5 012; do
	post pay payee=water "amount=$amt" account=checking
	n=$((n + 1))
	check "amount \"$amt\": 400 with a readable message" \
		'[ "$CODE" = 400 ] && body_has "amount: " && body_has "<p class=\"err\">"' "$TMP/body"
done
post pay payee=water amount=999999.00 account=checking
check "overdraft: 400, not enough money" '[ "$CODE" = 400 ] && body_has "not enough money" && body_has "no overdraft"'
post transfer from=checking to=savings amount=999999
check "overdraft by transfer: 400" '[ "$CODE" = 400 ] && body_has "not enough money"'
post buy item=headphones quantity=0 account=checking
check "quantity 0: 400" '[ "$CODE" = 400 ] && body_has "quantity: "'
post buy item=yacht quantity=1 account=checking
check "an item not in the catalogue: 400" '[ "$CODE" = 400 ] && body_has "catalogue"'
post pay payee=nobody amount=1 account=checking
check "a payee not in the list: 400" '[ "$CODE" = 400 ]'
post pay payee=water amount=1 account=brokerage
check "an account that does not exist: 400" '[ "$CODE" = 400 ]'
for sh in 0 -1 1.5 1e2 ''; do
	post trade side=buy symbol=SGL "shares=$sh" quote=$(($(date +%s) / 60))
	check "shares \"$sh\": 400" '[ "$CODE" = 400 ] && body_has "shares: "'
done
alice /bank/
tok=$(token pay)
alice /bank/pay -d csrf="$tok" -d payee=water -d amount=1 -d amount=2 -d account=checking
check "a field twice: 400" '[ "$CODE" = 400 ] && body_has "twice"'
alice /bank/pay -d csrf="$tok" -d payee=water -d 'amount=%zz' -d account=checking
check "a bad %-escape: 400" '[ "$CODE" = 400 ] && body_has "encoded"'
alice /bank/pay -H 'Content-Type: application/json' -d csrf="$tok" -d payee=water -d amount=1 -d account=checking
check "not a form (JSON): 415" '[ "$CODE" = 415 ]'
check "refused amounts changed nothing" '[ "$(balances)" = "$before" ]'

# ---------------------------------------------------------------------------
# Identity headers.
get /bank/ -H 'X-Client-Verify: SUCCESS'
check "SUCCESS without a subject: refused (403)" \
	'[ "$CODE" = 403 ] && body_has "X-Client-Subject is missing"' "$TMP/body"
as 'O=Example,C=NL' "$FP_A" /bank/
check "a subject without CN: refused" '[ "$CODE" = 403 ] && body_has "no CN"'
as 'CN=alice,O=Example' "nothex" /bank/
check "a malformed fingerprint: refused" '[ "$CODE" = 403 ] && body_has "X-Client-Fingerprint-SHA256"'
get /bank/ -H 'X-Client-Verify: SUCCESS' -H 'X-Client-Subject: CN=alice' -H 'X-Client-Issuer: CN=ca' \
	-H "X-Client-Fingerprint-SHA256: $FP_A"
check "SUCCESS without a serial: refused" '[ "$CODE" = 403 ] && body_has "X-Client-Serial"'
alice /bank/ -H 'X-Client-Subject: CN=mallory'
check "an identity header twice (not stripped by the proxy): refused" \
	'[ "$CODE" = 403 ] && body_has "came twice"'
get /bank/ -H 'X-Client-Verify: NONE' -H 'X-Client-Subject: CN=alice'
check "a subject with NONE: refused" '[ "$CODE" = 403 ]'
get /bank/ -H 'X-Client-Verify: FAILED:certificate expired'
check "a verify result other than SUCCESS or NONE: refused" '[ "$CODE" = 403 ]'
get /bank/ -H 'X-Client-Verify: NONE'
check "NONE: the public page" '[ "$CODE" = 200 ] && body_has "Sign in with your certificate"'
get /bank/pay -d payee=water -d amount=1
check "a post without a certificate: 403" '[ "$CODE" = 403 ] && body_has "sign in"'

# A hostile subject, escaped as RFC 4514 requires, shown escaped as HTML.
HOSTILE='CN=\<script\>alert(1)\</script\> & \"q\"\2C \27x,O=Evil'
as "$HOSTILE" "$FP_M" /bank/
check "hostile subject: signed in, the name escaped" \
	'[ "$CODE" = 200 ] && body_has "Signed in as <b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;, &#39;x</b>"' \
	"$TMP/body"
check "hostile subject: no script element on the page" '! grep -qi "<script" "$TMP/body"'
as "$HOSTILE" "$FP_M" /bank/statement
check "hostile subject: the statement is escaped too" '[ "$CODE" = 200 ] && ! grep -qi "<script" "$TMP/body"'
as 'CN=<script>,O=Evil' "$FP_M" /bank/
check "a subject with an unescaped < (not RFC 4514): refused" '[ "$CODE" = 403 ] && ! grep -qi "<script" "$TMP/body"'

# The account is bound to alice's first certificate.
as 'CN=alice,O=Example' "$FP_B" /bank/
check "another certificate for alice: refused (403), with how to rebind" \
	'[ "$CODE" = 403 ] && body_has "bound to another certificate" && body_has "--rebind"'
timeout "$T" "$BANK" --db "$DB" --rebind alice >"$TMP/rebind.out" 2>&1
rc=$?
check "sigil-bank --rebind alice" '[ $rc -eq 0 ] && grep -q "CN=alice takes over" "$TMP/rebind.out"' "$TMP/rebind.out"
as 'CN=alice,O=Example' "$FP_B" /bank/
check "after the rebind the new certificate has alice's accounts" \
	'[ "$CODE" = 200 ] && [ "$(cents Checking)" -lt 100000 ]'
alice /bank/
check "... and the old one is refused" '[ "$CODE" = 403 ]'
timeout "$T" "$BANK" --db "$DB" --rebind nobody >"$TMP/rebind.out" 2>&1
rc=$?
check "--rebind of an unknown name fails" '[ $rc -eq 1 ] && grep -q "no user" "$TMP/rebind.out"'
FP_A=$FP_B

# ---------------------------------------------------------------------------
# HTTP.
alice /bank/buy
check "GET of a form's address: 405 with Allow: POST" '[ "$CODE" = 405 ] && head_has "^Allow: POST"'
alice /bank/ -X POST -d x=1
check "POST to a page: 405 with Allow: GET, HEAD" '[ "$CODE" = 405 ] && head_has "^Allow: GET, HEAD"'
get /bank
check "/bank: 301 to /bank/" '[ "$CODE" = 301 ] && head_has "^Location: /bank/$"'
get /other/
check "outside the prefix: 404" '[ "$CODE" = 404 ]'
get /bank/%73tatement
check "an encoded route: 404" '[ "$CODE" = 404 ]'
# raw FILE: FILE's bytes to the bank as they are, the whole answer to
# stdout (python3: curl would not send malformed requests).
raw() {
	python3 - "$SOCK" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(open(sys.argv[2], 'rb').read())
out = b''
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode('utf-8', 'replace'))
EOF
}
get /bank/ -I
check "HEAD: 200 with a length" '[ "$CODE" = 200 ] && head_has "^Content-Length: [1-9]"'
if have python3; then
	printf 'HEAD /bank/ HTTP/1.1\r\nHost: x\r\n\r\nGET /bank/nothere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
		>"$TMP/pipe"
	raw "$TMP/pipe" >"$TMP/pipe.out" 2>&1
	check "HEAD sends no body: a pipelined request's answer follows its head at once" \
		'[ "$(grep -c "^HTTP/1.1 " "$TMP/pipe.out")" = 2 ] &&
		 sed -n "/^\r$/{n;p;q}" "$TMP/pipe.out" | grep -q "^HTTP/1.1 404"' "$TMP/pipe.out"
	printf 'GET /bank/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n' >"$TMP/smuggle"
	raw "$TMP/smuggle" >"$TMP/smuggle.out" 2>&1
	check "Content-Length with Transfer-Encoding: 400, closed" \
		'head -n 1 "$TMP/smuggle.out" | grep -q "^HTTP/1.1 400" && grep -q "^Connection: close" "$TMP/smuggle.out"' \
		"$TMP/smuggle.out"
	printf 'GET /bank/ HTTP/1.1\r\nHost: x\r\nX-Client-Subject: CN=a\r\n\tCN=b\r\n\r\n' >"$TMP/fold"
	raw "$TMP/fold" >"$TMP/fold.out" 2>&1
	check "obs-fold: 400" 'head -n 1 "$TMP/fold.out" | grep -q "^HTTP/1.1 400"' "$TMP/fold.out"
fi
head -c 20000 /dev/zero | tr '\0' a >"$TMP/big"
alice /bank/pay --data-binary "@$TMP/big"
check "a body over 16 KiB: 413" '[ "$CODE" = 413 ]'
alice /bank/
tok=$(token pay)
alice /bank/pay -H 'Transfer-Encoding: chunked' -d csrf="$tok" -d payee=phone -d amount=2.50 -d account=checking
check "a chunked form body: accepted" '[ "$CODE" = 303 ]' "$TMP/body"
curl -sv --max-time "$T" --unix-socket "$SOCK" -o /dev/null -o /dev/null \
	http://localhost/bank/ http://localhost/bank/statement >"$TMP/ka.out" 2>&1
check "keep-alive: two requests on one connection" 'grep -qi "re-using existing connection" "$TMP/ka.out"' "$TMP/ka.out"
check "the bank is still running, with no sanitizer report" \
	'kill -0 "$BPID" && ! grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$TMP/bank.log"' "$TMP/bank.log"

# ---------------------------------------------------------------------------
# Start-up refusals and the stop.
timeout "$T" "$BANK" --listen "unix:$SOCK" --db "$DB" >"$TMP/second.out" 2>&1
rc=$?
check "a second bank on the same socket is refused" \
	'[ $rc -eq 1 ] && grep -q "another process is listening" "$TMP/second.out"' "$TMP/second.out"
timeout "$T" "$BANK" --listen 0.0.0.0:9999 --db "$DB" >"$TMP/any.out" 2>&1
rc=$?
check "listening on every interface is refused" '[ $rc -eq 1 ] && grep -q "this machine only" "$TMP/any.out"'
chmod 644 "$TMP/secret"
timeout "$T" "$BANK" --listen "unix:$TMP/b2.sock" --db "$DB" --secret-file "$TMP/secret" >"$TMP/sec.out" 2>&1
rc=$?
check "a secret file readable by others is refused" '[ $rc -eq 7 ] && grep -q "chmod 600" "$TMP/sec.out"'
echo "not a database, but someone's file" >"$TMP/other.db"
timeout "$T" "$BANK" --listen "unix:$TMP/b3.sock" --db "$TMP/other.db" >"$TMP/other.out" 2>&1
rc=$?
check "a file that is not a ledger is refused" '[ $rc -eq 7 ] && grep -q "someone" "$TMP/other.db" && grep -q "sigil-bank: --db" "$TMP/other.out"'
PORT=$(free_port)
start_bg "$TMP/tcp.log" 60 "$BANK" --listen "127.0.0.1:$PORT" --db "$DB" --prefix / --request-timeout 2
TPID=$BG
if wait_for "$TMP/tcp.log" '^sigil-bank: listening' 10; then
	c=$(curl -s --max-time "$T" -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/")
	check "127.0.0.1:PORT, prefix /: the public page" '[ "$c" = 200 ] && body_has "Sign in with your certificate"'
	if have python3; then
		# A head sent a byte every half second never completes: the
		# request's time-out (2 s here) counts from its first byte,
		# not from the last, so the bank answers 408 and closes within
		# a few seconds, long before the head is through.
		python3 - "$PORT" >"$TMP/slow.out" 2>&1 <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.settimeout(0.5)
start = time.time()
closed = False
for c in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
    try:
        s.send(bytes([c]))
        d = s.recv(100)
        if d == b"" or d.startswith(b"HTTP/1.1 408 "):
            closed = True
            break
    except socket.timeout:
        pass
    except OSError:
        closed = True
        break
print("closed after %.0f s" % (time.time() - start) if closed else "still open")
EOF
		check "a request trickling in is cut at its time-out" 'grep -q "^closed after" "$TMP/slow.out"' "$TMP/slow.out"
	fi
else
	fail "127.0.0.1:PORT" "$TMP/tcp.log"
fi
kill "$TPID" 2>/dev/null

kill -TERM "$BPID"
n=0
while kill -0 "$BPID" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
wait "$BPID"
rc=$?
check "SIGTERM: exits 0 and removes its socket" '[ $rc -eq 0 ] && [ ! -e "$SOCK" ]' "$TMP/bank.log"
check "no sanitizer report up to the exit" '! grep -qE "runtime error|Sanitizer" "$TMP/bank.log"' "$TMP/bank.log"
finish
