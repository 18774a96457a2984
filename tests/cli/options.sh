#!/bin/sh
# The one option parser of every sigil command (tools/opt.c): --help and
# --version everywhere, unknown and repeated options refused, values
# checked by kind with a message naming the option and the accepted form,
# file options read at start-up and reported as themselves (exit 7).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }
export SIGIL_HOME="$TMP/home"

# run NAME CMD...: $rc, $TMP/NAME.out, $TMP/NAME.err (NAME made safe as
# a file name).
run() {
	n=$(echo "$1" | tr -c 'A-Za-z0-9_.\n-' '_')
	shift
	timeout $T "$@" >"$TMP/$n.out" 2>"$TMP/$n.err" </dev/null
	rc=$?
}

# ---- --help: exit 0, every option with its default -------------------------
run help "$SIGIL" --help
check "sigil --help exits 0 and lists the commands" \
	'[ $rc -eq 0 ] && grep -q "^  serve " "$TMP/help.out" && grep -q "^  ca " "$TMP/help.out"' "$TMP/help.out"
run nohelp "$SIGIL"
check "sigil without a command exits 2" '[ $rc -eq 2 ]' "$TMP/nohelp.err"

# Every option a command has must be in its --help.
want_serve="--listen --cert --key --root --threads --alpn --access-log --client-ca --require-client-cert
--client-crl --authz --ticket-keys --handshake-timeout --idle-timeout --max-conns --handshake-memory --reuse-port
--verbose --help
--version"
want_get="--cacert --pin --crl --cert --key --session --output --request --data --header --location --verbose
--insecure --connect-timeout --max-time --resolve --connect-to --help --version"
want_verify="--cacert --untrusted --host --at --purpose --crl --pin --help --version"
want_inspect="--json --cacert --connect-timeout --help --version"
want_trust="--ca --uninstall --dry-run --no-system --no-nss --system-dir --update-command --help --version"
for c in serve get verify inspect trust; do
	run "h$c" "$SIGIL" $c --help
	eval "want=\$want_$c"
	missing=""
	for o in $want; do grep -q -- "$o" "$TMP/h$c.out" || missing="$missing $o"; done
	check "sigil $c --help exits 0 and lists every option${missing:+ (missing:$missing)}" \
		'[ $rc -eq 0 ] && [ -z "$missing" ] && [ ! -s "$TMP/h$c.err" ]' "$TMP/h$c.out" "$TMP/h$c.err"
done
run hserve "$SIGIL" serve --help
check "serve --help shows the defaults" \
	'grep -q "default 127.0.0.1:8443" "$TMP/hserve.out" && grep -q "default 10)" "$TMP/hserve.out" &&
	 grep -q "default 60)" "$TMP/hserve.out"' "$TMP/hserve.out"
# "sigil verify --help" used to exit 2 and explain nothing.
run hv "$SIGIL" verify --help
check "verify --help exits 0 with a description" '[ $rc -eq 0 ] && grep -q "path validation" "$TMP/hv.out"' "$TMP/hv.out"
for c in init intermediate issue revoke crl list dev; do
	run "hca$c" "$SIGIL" ca $c --help
	check "sigil ca $c --help exits 0" '[ $rc -eq 0 ] && grep -q "^usage: sigil ca $c" "$TMP/hca$c.out"' \
		"$TMP/hca$c.out" "$TMP/hca$c.err"
done
run hissue "$SIGIL" ca issue --help
check "ca issue --help lists its options and defaults" \
	'for o in --server --client --days --key-type --out --csr --p12 --p12-pass --force; do
		grep -q -- "$o" "$TMP/hissue.out" || exit 1; done; grep -q "default 365" "$TMP/hissue.out"' "$TMP/hissue.out"

# ---- --version: one version everywhere ---------------------------------------
run v "$SIGIL" --version
V=$(cat "$TMP/v.out")
check "sigil --version ($V)" '[ $rc -eq 0 ] && echo "$V" | grep -Eq "^sigil [0-9]+\.[0-9]+"' "$TMP/v.out"
for c in serve get verify inspect trust ca "ca issue" "ca init"; do
	# shellcheck disable=SC2086
	run vc "$SIGIL" $c --version
	check "sigil $c --version is the same" '[ $rc -eq 0 ] && [ "$(cat "$TMP/vc.out")" = "$V" ]' "$TMP/vc.out"
done

# ---- usage errors: exit 2, one line naming the option ------------------------
# bad NAME EXPECTED-REGEX CMD...: exit 2, one line on stderr matching.
bad() {
	label=$1
	n=$(echo "$1" | tr -c 'A-Za-z0-9_.\n-' '_')
	re=$2
	shift
	shift
	run "$n" "$@"
	check "$label: exit 2, \"$(head -c 90 "$TMP/$n.err")\"" \
		'[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/$n.err")" -eq 1 ] && grep -Eq -- "$re" "$TMP/$n.err"' "$TMP/$n.err"
}
bad "port 99999" '--listen 127.0.0.1:99999: the port must be a number from 1 to 65535' \
	"$SIGIL" serve --listen 127.0.0.1:99999
bad "port 0" '--listen 127.0.0.1:0: the port' "$SIGIL" serve --listen 127.0.0.1:0
bad "port abc" '--listen 127.0.0.1:abc: the port' "$SIGIL" serve --listen 127.0.0.1:abc
bad "a bare port" '--listen 9446: a port alone is not an address: give 127.0.0.1:9446' "$SIGIL" serve --listen 9446
bad "IPv6 without brackets" '--listen ::1:8443: an IPv6 address goes in brackets' "$SIGIL" serve --listen ::1:8443
bad "IPv6 brackets without a port" '--listen \[::1\]: an IPv6 address goes in brackets and is followed by :PORT' \
	"$SIGIL" serve --listen '[::1]'
bad "no host" '--listen :8443: the host is missing' "$SIGIL" serve --listen :8443
bad "threads abc" '--threads: "abc" is not a whole number from 1 to 1024' "$SIGIL" serve --threads abc
bad "threads 0" '--threads: "0" is not a whole number from 1 to' "$SIGIL" serve --threads 0
bad "threads -3" '--threads: "-3" is not a whole number' "$SIGIL" serve --threads -3
bad "idle-timeout 0" '--idle-timeout: "0" is not a whole number from 1' "$SIGIL" serve --idle-timeout 0
bad "a repeated --listen" '--listen is given twice; it takes one value' \
	"$SIGIL" serve --listen 127.0.0.1:9441 --listen 127.0.0.1:9442
bad "a repeated --cacert (get)" '--cacert is given twice' "$SIGIL" get --cacert /etc/hostname --cacert /etc/hostname https://x/
bad "a repeated flag" '-v is given twice' "$SIGIL" get -v -v https://x/
bad "an unknown option (serve)" 'unknown option "--bogus"' "$SIGIL" serve --bogus
bad "an unknown option (get)" 'unknown option "--bogus"' "$SIGIL" get --bogus https://x/
bad "an unknown short option" 'unknown option "-Z"' "$SIGIL" get -Z https://x/
bad "a value missing" '--listen needs a value \(HOST:PORT\)' "$SIGIL" serve --listen
bad "a flag with a value" '--verbose takes no value' "$SIGIL" serve --verbose=yes
bad "get without a URL" 'an argument is missing' "$SIGIL" get
bad "get with two URLs" 'one argument too many' "$SIGIL" get https://a/ https://b/
bad "get with an http:// URL" 'is not an https:// URL' "$SIGIL" get http://x/
bad "get --key without --cert" '--key goes with --cert' "$SIGIL" get --key /etc/hostname https://x/
bad "get --pin malformed" '--pin sha256//xyz: want sha256//BASE64' "$SIGIL" get --pin sha256//xyz https://x/
bad "get -H without a colon" '-H "nocolon": want' "$SIGIL" get -H nocolon https://x/
bad "serve --cert without --key" '--cert and --key go together' "$SIGIL" serve --cert /etc/hostname
bad "serve --require-client-cert without --client-ca" '--require-client-cert needs --client-ca' \
	"$SIGIL" serve --require-client-cert
bad "serve --alpn empty" '--alpn' "$SIGIL" serve --alpn ''
bad "verify --purpose" '--purpose nobody: want server or client' "$SIGIL" verify /etc/hostname --purpose nobody
bad "verify --at" '--at yesterday: want' "$SIGIL" verify /etc/hostname --at yesterday
bad "ca issue --days" '--days: "0" is not a whole number from 1 to 36500' "$SIGIL" ca issue dir --server a --days 0
bad "ca issue --key-type" '--key-type: unknown key type "dsa"' "$SIGIL" ca issue dir --server a --key-type dsa
bad "ca issue --client empty" '--client: a name of 1 to 64 bytes' "$SIGIL" ca issue dir --client ''
bad "ca issue --server twice" '--server is given twice' "$SIGIL" ca issue dir --server a --server b
bad "ca unknown command" 'unknown command "frobnicate"' "$SIGIL" ca frobnicate
bad "an unknown command" 'unknown command "fetch"' "$SIGIL" fetch

# Options may come before the positional arguments too, and -oFILE works.
"$SIGIL" ca init "$TMP/ca" >/dev/null 2>&1
run order "$SIGIL" ca issue --server a.example "$TMP/ca" --out "$TMP/a"
check "ca issue: options before DIR" '[ $rc -eq 0 ] && [ -s "$TMP/a.crt" ]' "$TMP/order.err"

# ---- file options: read at start-up, reported as themselves, exit 7 ----------
echo "not a certificate" >"$TMP/garbage.pem"
mkdir "$TMP/emptydir"
# file NAME EXPECTED-REGEX CMD...: exit 7, one line on stderr matching.
file() {
	label=$1
	n=$(echo "$1" | tr -c 'A-Za-z0-9_.\n-' '_')
	re=$2
	shift
	shift
	run "$n" "$@"
	check "$label: exit 7, \"$(head -c 100 "$TMP/$n.err")\"" \
		'[ $rc -eq 7 ] && [ "$(wc -l <"$TMP/$n.err")" -eq 1 ] && grep -Eq -- "$re" "$TMP/$n.err"' "$TMP/$n.err"
}
G=$TMP/garbage.pem
file "get --cacert garbage" "--cacert $G: no certificate in the file" "$SIGIL" get --cacert "$G" https://127.0.0.1:1/
file "get --cacert missing" "--cacert $TMP/nope.pem: No such file or directory" \
	"$SIGIL" get --cacert "$TMP/nope.pem" https://127.0.0.1:1/
file "get --cacert empty dir" "--cacert $TMP/emptydir: no certificate in the directory" \
	"$SIGIL" get --cacert "$TMP/emptydir" https://127.0.0.1:1/
file "get --crl garbage" "--crl $G: no CRL in the file" "$SIGIL" get --crl "$G" https://127.0.0.1:1/
file "get --crl a certificate" "--crl $TMP/a.crt: no CRL in the file" "$SIGIL" get --crl "$TMP/a.crt" https://127.0.0.1:1/
file "get --cert garbage" "--cert $G: no certificate in the file" "$SIGIL" get --cert "$G" --key "$TMP/a.key" https://127.0.0.1:1/
file "get --key garbage" "--key $G: no private key in the file" "$SIGIL" get --cert "$TMP/a.crt" --key "$G" https://127.0.0.1:1/
"$SIGIL" ca issue "$TMP/ca" --server b.example --out "$TMP/b" >/dev/null 2>&1
file "get --cert/--key that do not match" "--key $TMP/b.key: the private key does not match" \
	"$SIGIL" get --cert "$TMP/a.crt" --key "$TMP/b.key" https://127.0.0.1:1/
file "verify --cacert garbage" "--cacert $G: no certificate in the file" "$SIGIL" verify "$TMP/a.crt" --cacert "$G"
file "verify --crl garbage" "--crl $G: no CRL in the file" "$SIGIL" verify "$TMP/a.crt" --cacert "$TMP/ca/root.crt" --crl "$G"
file "verify --untrusted garbage" "--untrusted $G: no certificate" "$SIGIL" verify "$TMP/a.crt" --untrusted "$G"
file "verify CERT garbage" "$G: no certificate in the file" "$SIGIL" verify "$G" --cacert "$TMP/ca/root.crt"
file "serve --cert garbage" "--cert $G: no certificate in the file" "$SIGIL" serve --cert "$G" --key "$TMP/a.key"
file "serve --key a directory" "--key $TMP/emptydir: is a directory" "$SIGIL" serve --cert "$TMP/a.crt" --key "$TMP/emptydir"
file "serve --client-ca garbage" "--client-ca $G: no certificate in the file" "$SIGIL" serve --client-ca "$G"
file "serve --client-crl garbage" "--client-crl $G: no CRL in the file" \
	"$SIGIL" serve --client-ca "$TMP/ca/root.crt" --client-crl "$G"
file "serve --authz missing" "--authz $TMP/nope: No such file" "$SIGIL" serve --authz "$TMP/nope"
file "serve --ticket-keys missing" "--ticket-keys $TMP/nope: No such file" "$SIGIL" serve --ticket-keys "$TMP/nope"
file "serve --root missing" "--root $TMP/nope: No such file" "$SIGIL" serve --root "$TMP/nope"
file "ca issue --csr garbage" "--csr $G: no CERTIFICATE REQUEST block" "$SIGIL" ca issue "$TMP/ca" --csr "$G"
finish
