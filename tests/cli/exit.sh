#!/bin/sh
# The exit statuses (issue 14): one table in the README, the same in
# `sigil --help`, and every row of it what the commands really return.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }
export SIGIL_HOME="$TMP/home"
README=$HERE/../../README.md

# "N text" lines: from the README's table, and from sigil --help.
sed -n '/^### Exit status/,/^### /p' "$README" | sed -n 's/^| \([0-9]\) | \(.*\) |$/\1 \2/p' >"$TMP/readme.tab"
"$SIGIL" --help | sed -n '/^exit status:/,$p' | sed -n 's/^  \([0-9]\)  \(.*\)$/\1 \2/p' >"$TMP/help.tab"
check "the README has the table (8 rows, 0 to 7)" \
	'[ "$(cut -d" " -f1 "$TMP/readme.tab" | tr -d "\n")" = 01234567 ]' "$TMP/readme.tab"
check "sigil --help prints the same table" 'cmp -s "$TMP/readme.tab" "$TMP/help.tab"' "$TMP/readme.tab" "$TMP/help.tab"

# st NAME WANT CMD...: the command exits WANT.
st() {
	n=$1
	want=$2
	shift 2
	timeout $((20 * TMUL)) "$@" >"$TMP/st.out" 2>&1 </dev/null
	rc=$?
	check "exit $want: $n (got $rc)" '[ $rc -eq $want ]' "$TMP/st.out"
}

"$SIGIL" ca init "$TMP/ca" >/dev/null 2>&1
"$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/site" >/dev/null 2>&1
"$SIGIL" ca init "$TMP/other" >/dev/null 2>&1
mkdir -p "$TMP/root"
echo hi >"$TMP/root/hi.txt"
PORT=$(free_port)
start_bg "$TMP/serve.log" 60 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 1 --cert "$TMP/site.crt" \
	--key "$TMP/site.key" --root "$TMP/root"
wait_for "$TMP/serve.log" '^sigil serve: https://' 10
U=https://127.0.0.1:$PORT
CA=$TMP/ca/root.crt

st "get fetched the document" 0 "$SIGIL" get --cacert "$CA" "$U/hi.txt"
st "verify: the chain is valid" 0 "$SIGIL" verify "$TMP/site.crt" --cacert "$CA"
st "verify: the chain is not valid" 1 "$SIGIL" verify "$TMP/site.crt" --cacert "$TMP/other/root.crt"
st "ca refused (a CA is already there)" 1 "$SIGIL" ca init "$TMP/ca"
st "serve could not start (the address is held)" 1 "$SIGIL" serve --listen "127.0.0.1:$PORT" --cert "$TMP/site.crt" \
	--key "$TMP/site.key"
st "get: an unknown option" 2 "$SIGIL" get --bogus "$U/"
st "serve: a bad value" 2 "$SIGIL" serve --threads x
st "verify: a missing argument" 2 "$SIGIL" verify
st "ca issue: a repeated option" 2 "$SIGIL" ca issue "$TMP/ca" --days 1 --days 2 --server a
CLOSED=$(free_port)
st "get: connection refused" 3 "$SIGIL" get --cacert "$CA" "https://127.0.0.1:$CLOSED/"
st "inspect: connection refused" 3 "$SIGIL" inspect "https://127.0.0.1:$CLOSED/"
if have python3; then
	start_bg "$TMP/tls12.log" 30 python3 "$HERE/peer.py" tls12 "$TMP/site.crt" "$TMP/site.key"
	wait_for "$TMP/tls12.log" '^port ' 10
	st "get: a TLS failure (a TLS 1.2-only server, --tls-min 1.3)" 4 "$SIGIL" get --tls-min 1.3 --cacert "$CA" \
		"https://127.0.0.1:$(sed -n 's/^port //p' "$TMP/tls12.log")/"
	start_bg "$TMP/silent.log" 30 python3 "$HERE/peer.py" silent
	wait_for "$TMP/silent.log" '^port ' 10
	st "get: timed out" 3 "$SIGIL" get --connect-timeout 1 --cacert "$CA" \
		"https://127.0.0.1:$(sed -n 's/^port //p' "$TMP/silent.log")/"
else
	skip "python3 is not installed: no misbehaving peer"
fi
st "get: an unknown CA" 5 "$SIGIL" get --cacert "$TMP/other/root.crt" "$U/"
st "get: a wrong pin" 5 "$SIGIL" get --cacert "$CA" --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$U/"
st "inspect: a chain that does not verify" 5 "$SIGIL" inspect "$U/"
st "get: HTTP 404" 6 "$SIGIL" get --cacert "$CA" "$U/nope"
mkdir -p "$TMP/root/sub"
st "get: a redirect not followed" 6 "$SIGIL" get --cacert "$CA" "$U/sub"
st "get: a missing --cacert file (the README always said 7)" 7 "$SIGIL" get --cacert "$TMP/nope.pem" "$U/"
st "verify: a missing certificate file" 7 "$SIGIL" verify "$TMP/nope.pem" --cacert "$CA"
st "serve: a garbage --cert" 7 "$SIGIL" serve --cert "$TMP/serve.log" --key "$TMP/site.key"
st "inspect: a file with nothing to show" 7 "$SIGIL" inspect "$TMP/serve.log"
st "trust: --ca is not a CA" 7 "$SIGIL" trust --ca "$TMP/site.crt" --no-nss --system-dir "$TMP/anchors" \
	--update-command none
st "get: -o into a missing directory" 7 "$SIGIL" get --cacert "$CA" -o "$TMP/no/such/file" "$U/hi.txt"
finish
