#!/bin/sh
# sigil serve --config FILE and --check (issue 21): a file of the same
# options, one "name value" a line, read by the one option parser
# (tools/opt.c).  A config equivalent to a command line serves the same;
# every error form names FILE:LINE and what the option takes, with the
# exit status of the README's table; the command line overrides the
# file; --check validates what start-up validates without binding or
# creating anything (a running server's file can be checked); the example
# contrib/serve.conf.example passes it; SIGHUP re-reads the file for the
# certificate, key, CRL and ticket keys and says which other changes take a
# restart.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
ROOT=$LIB_ROOT
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }
export SIGIL_HOME="$TMP/home"
have curl || { skip "config.sh: curl is not installed"; finish; }

"$SIGIL" ca init "$TMP/ca" >/dev/null 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/site" >/dev/null 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --server localhost,127.0.0.1 --out "$TMP/site2" >/dev/null 2>&1 &&
	"$SIGIL" ca issue "$TMP/ca" --client alice --out "$TMP/alice" >/dev/null 2>&1 &&
	"$SIGIL" ca crl "$TMP/ca" --out "$TMP/ca.crl" >/dev/null 2>&1 ||
	{ fail "sigil ca: the test certificates"; finish; }
CA=$TMP/ca/root.crt
mkdir -p "$TMP/root" "$TMP/log"
echo "hello from the root" >"$TMP/root/hi.txt"

# run NAME CMD...: $rc, $TMP/NAME.out, $TMP/NAME.err.
run() {
	n=$1
	shift
	timeout $T "$@" >"$TMP/$n.out" 2>"$TMP/$n.err" </dev/null
	rc=$?
}
# fetch PORT PATH [CURL ARGS...]: the body on stdout; curl's status.
fetch() {
	p=$1
	path=$2
	shift 2
	timeout $T curl -sS --cacert "$CA" "$@" "https://localhost:$p$path" 2>"$TMP/curl.err"
}
# fingerprint PORT: the SHA-256 fingerprint of the certificate served.
fingerprint() {
	timeout $T openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
fp_site=$(openssl x509 -in "$TMP/site.crt" -noout -fingerprint -sha256)
fp_site2=$(openssl x509 -in "$TMP/site2.crt" -noout -fingerprint -sha256)
# serve_bg LOG ARGS...: sigil serve in the background, until it listens.
serve_bg() {
	log=$1
	shift
	start_bg "$log" 60 "$SIGIL" serve "$@"
	SPID=$BG
	wait_for "$log" '^sigil serve: https://' 10
}
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# ---- a config equivalent to a command line ----------------------------------
P=$(free_port)
# Comments, blank lines, blanks around, a quoted value, a trailing comment.
cat >"$TMP/site.conf" <<EOF
# sigil serve, as a file

listen 127.0.0.1:$P
	threads 1     # one worker
cert $TMP/site.crt
key "$TMP/site.key"
root $TMP/root
access-log $TMP/log/file.log
alpn http/1.1
idle-timeout 30
EOF
serve_bg "$TMP/file.log.out" --config "$TMP/site.conf"
file_start=$(grep '^sigil serve: https://' "$TMP/file.log.out")
body=$(fetch "$P" /hi.txt)
check "config: sigil serve --config FILE starts and serves the root's file" \
	'[ "$body" = "hello from the root" ]' "$TMP/file.log.out" "$TMP/curl.err"
check "config: the access log of the file's access-log" 'grep -q "GET /hi.txt HTTP/1.1\" 200" "$TMP/log/file.log"' \
	"$TMP/log/file.log"
check "config: the certificate of the file's cert" '[ "$(fingerprint "$P")" = "$fp_site" ]'

# --check on the file of the server that runs: ok, since --check binds
# nothing (starting a second server on it fails: the control).
run chk_live "$SIGIL" serve --config "$TMP/site.conf" --check
check "--check: a good file: exit 0, \"FILE: ok\", nothing else" \
	'[ $rc -eq 0 ] && [ "$(cat "$TMP/chk_live.out")" = "$TMP/site.conf: ok" ] && [ ! -s "$TMP/chk_live.err" ]' \
	"$TMP/chk_live.out" "$TMP/chk_live.err"
run second "$SIGIL" serve --config "$TMP/site.conf"
check "control: starting a second server on the file fails (exit 1: the address is held)" \
	'[ $rc -eq 1 ] && grep -q "cannot listen on" "$TMP/second.err"' "$TMP/second.err"
if have strace; then
	# (LeakSanitizer cannot run under ptrace: off for this run.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout $T strace -f -qq -e trace=bind,listen \
		-o "$TMP/strace.log" "$SIGIL" serve --config "$TMP/site.conf" --check >/dev/null 2>&1 </dev/null
	rc=$?
	check "--check: no bind() of an IP socket and no listen() at all (strace)" \
		'[ $rc -eq 0 ] && ! grep -E "bind\(.*AF_INET|listen\(" "$TMP/strace.log"' "$TMP/strace.log"
else
	skip "config.sh: strace is not installed: the system calls of --check are not traced"
fi
stop "$SPID"

serve_bg "$TMP/flags.log.out" --listen "127.0.0.1:$P" --threads 1 --cert "$TMP/site.crt" --key "$TMP/site.key" \
	--root "$TMP/root" --access-log "$TMP/log/flags.log" --alpn http/1.1 --idle-timeout 30
flags_start=$(grep '^sigil serve: https://' "$TMP/flags.log.out")
body2=$(fetch "$P" /hi.txt)
stop "$SPID"
check "config: the same as the command line (\"$file_start\", the body, the log line)" \
	'[ -n "$file_start" ] && [ "$file_start" = "$flags_start" ] && [ "$body2" = "$body" ] &&
	 [ "$(cut -d" " -f6- "$TMP/log/flags.log")" = "$(cut -d" " -f6- "$TMP/log/file.log")" ]' \
	"$TMP/flags.log.out" "$TMP/log/flags.log" "$TMP/log/file.log"

# A byte-order mark, CRLF lines and a last line without a newline.
printf '\357\273\277listen 127.0.0.1:%s\r\ncert %s\r\nkey %s\r\nthreads 1' "$P" "$TMP/site.crt" "$TMP/site.key" \
	>"$TMP/crlf.conf"
run crlf "$SIGIL" serve --config "$TMP/crlf.conf" --check
check "config: a byte-order mark, CRLF lines and no newline at the end" '[ $rc -eq 0 ]' "$TMP/crlf.err"

# ---- the command line overrides the file ------------------------------------
P1=$(free_port)
P2=$(free_port)
cat >"$TMP/over.conf" <<EOF
listen 127.0.0.1:$P1
threads 2
cert $TMP/site.crt
key $TMP/site.key
client-ca $CA
require-client-cert
EOF
run over_nocl "$SIGIL" serve --config "$TMP/over.conf" --request-client-cert --require-client-cert
check "override: both client-cert flags on the command line still contradict (exit 2)" \
	'[ $rc -eq 2 ] && grep -q "contradict" "$TMP/over_nocl.err"' "$TMP/over_nocl.err"
serve_bg "$TMP/over.log" --config "$TMP/over.conf" --listen "127.0.0.1:$P2" --threads 1 --request-client-cert
check "override: --listen and --threads on the command line win over the file's" \
	'grep -q "^sigil serve: https://127.0.0.1:$P2/ (1 thread)" "$TMP/over.log"' "$TMP/over.log"
body=$(fetch "$P2" /)
check "override: --request-client-cert wins over the file's require-client-cert (no client certificate: 200)" \
	'echo "$body" | grep -qi "tls"' "$TMP/curl.err"
fetch "$P1" / >/dev/null
rc=$?
check "override: nothing listens on the file's address" '[ $rc -ne 0 ]'
stop "$SPID"
serve_bg "$TMP/over2.log" --config "$TMP/over.conf" --listen "127.0.0.1:$P2"
fetch "$P2" / >/dev/null
rc=$?
check "control: without the override the file's require-client-cert refuses a client without one" '[ $rc -ne 0 ]'
body=$(fetch "$P2" / --cert "$TMP/alice.crt" --key "$TMP/alice.key")
check "control: ... and lets alice in" 'echo "$body" | grep -q "alice"' "$TMP/curl.err"
stop "$SPID"

# ---- every error form ---------------------------------------------------------
# bad NAME WANT REGEX: "sigil serve --config $TMP/bad.conf --check" (the
# file written just before) exits WANT with REGEX on stderr and no "ok".
bad() {
	label=$1
	want=$2
	re=$3
	run bad "$SIGIL" serve --config "$TMP/bad.conf" --check
	check "error: $label: exit $want, \"$(head -n 1 "$TMP/bad.err" | cut -c1-110)\"" \
		'[ $rc -eq $want ] && grep -Eq -- "$re" "$TMP/bad.err" && ! grep -q ": ok$" "$TMP/bad.out"' \
		"$TMP/bad.err" "$TMP/bad.out"
}
C=$TMP/bad.conf
good="listen 127.0.0.1:$P
cert $TMP/site.crt
key $TMP/site.key"
printf '%s\nlisen 127.0.0.1:1\n' "$good" >"$C"
bad "an unknown key, with its line and the near name" 2 "bad.conf:4: unknown option \"lisen\"; did you mean \"listen\"\?"
printf '# nothing near\nfrobnicate yes\n' >"$C"
bad "an unknown key far from any name" 2 'bad.conf:2: unknown option "frobnicate" \(a line is an option of sigil serve'
printf 'threads 1\nlisten\n' >"$C"
bad "a missing value, with the accepted form" 2 'bad.conf:2: listen needs a value \(HOST:PORT\)'
printf 'listen 127.0.0.1:99999\n' >"$C"
bad "a bad port" 2 'bad.conf:1: listen 127.0.0.1:99999: the port must be a number from 1 to 65535'
printf 'listen 9446\n' >"$C"
bad "a port alone" 2 'bad.conf:1: listen 9446: a port alone is not an address: give 127.0.0.1:9446'
printf 'threads 0\n' >"$C"
bad "a number out of range" 2 'bad.conf:1: threads: "0" is not a whole number from 1 to 1024'
printf 'listen 127.0.0.1:1\nthreads 2\nlisten 127.0.0.1:2\n' >"$C"
bad "a single-valued option repeated" 2 'bad.conf:3: listen is given twice \(first on line 1\); it takes one value'
printf 'verbose yes\n' >"$C"
bad "a value for a flag" 2 'bad.conf:1: verbose is a flag: it takes no value \(write it alone on its line\)'
printf -- '--listen 127.0.0.1:1\n' >"$C"
bad "the dashes of the command line" 2 'bad.conf:1: "--listen": write the option without its dashes: "listen"'
printf 'listen=127.0.0.1:1\n' >"$C"
bad "name=value" 2 'bad.conf:1: "listen=127.0.0.1:1": write the name, a blank and the value'
printf 'root /srv/a#b\n' >"$C"
bad "a '#' inside an unquoted value" 2 "bad.conf:1: root: a '#' inside a value: put the value in double quotes"
printf 'root "/srv/a\n' >"$C"
bad "a quote not closed" 2 'bad.conf:1: root: the quote is not closed on its line'
printf 'root "/srv/\\a"\n' >"$C"
bad "an escape other than \\\" and \\\\\\\\" 2 'bad.conf:1: root: in quotes only'
printf 'root "/srv/a" b\n' >"$C"
bad "text after the closing quote" 2 'bad.conf:1: root: text after the closing quote'
printf 'check\n' >"$C"
bad "check in the file" 2 'bad.conf:1: check is for the command line only'
printf 'config /etc/hostname\n' >"$C"
bad "config in the file" 2 'bad.conf:1: config is for the command line only'
printf 'listen 127.0.0.1:1\ncert %s\n' "$TMP/nonexistent.crt" >"$C"
bad "a file a line names that does not exist (exit 7)" 7 "bad.conf:2: cert $TMP/nonexistent.crt: No such file or directory"
printf 'cert %s\n' "$TMP/site.crt" >"$C"
bad "cert without key (the checks after the parse)" 2 '--cert and --key go together'
printf 'threads 1\nlisen a\nthreads 2\nverbose on\n' >"$C"
run bad "$SIGIL" serve --config "$C" --check
check "error: every bad line is reported, not only the first (lines 2, 3, 4)" \
	'[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/bad.err")" -eq 3 ] && grep -q "bad.conf:2: " "$TMP/bad.err" &&
	 grep -q "bad.conf:3: threads is given twice" "$TMP/bad.err" && grep -q "bad.conf:4: verbose" "$TMP/bad.err"' \
	"$TMP/bad.err"
printf 'listen 127.0.0.1:1\000\n' >"$C"
bad "a NUL byte" 7 'bad.conf:1: a NUL byte: not a text file'
run missing "$SIGIL" serve --config "$TMP/no-such.conf" --check
check "error: a missing config file: exit 7" \
	'[ $rc -eq 7 ] && grep -q -- "--config $TMP/no-such.conf: No such file or directory" "$TMP/missing.err"' \
	"$TMP/missing.err"
run dir "$SIGIL" serve --config "$TMP" --check
check "error: a directory as the config file: exit 7" '[ $rc -eq 7 ] && grep -q "is a directory" "$TMP/dir.err"' \
	"$TMP/dir.err"
# Starting (not --check) reports the same and listens nowhere.
printf '%s\nlisen 127.0.0.1:1\n' "$good" >"$C"
run start_bad "$SIGIL" serve --config "$C"
check "error: starting with a bad file: the same message, exit 2" \
	'[ $rc -eq 2 ] && grep -q "bad.conf:4: unknown option" "$TMP/start_bad.err" &&
	 ! grep -q "^sigil serve: https://" "$TMP/start_bad.out"' "$TMP/start_bad.err"
# A line the command line overrides is still checked.
printf 'listen 127.0.0.1:99999\n' >"$C"
run over_bad "$SIGIL" serve --config "$C" --listen "127.0.0.1:$P" --check
check "error: a bad line is reported even when the command line overrides it" \
	'[ $rc -eq 2 ] && grep -q "bad.conf:1: listen 127.0.0.1:99999" "$TMP/over_bad.err"' "$TMP/over_bad.err"

# ---- --check: what start-up checks, nothing made ----------------------------
# chk NAME WANT REGEX LINES...: a config of the good lines plus LINES.
chk() {
	label=$1
	want=$2
	re=$3
	shift 3
	{ echo "listen 127.0.0.1:$P"; for l in "$@"; do echo "$l"; done; } >"$TMP/chk.conf"
	grep -q '^cert ' "$TMP/chk.conf" || printf 'cert %s\nkey %s\n' "$TMP/site.crt" "$TMP/site.key" >>"$TMP/chk.conf"
	run chk "$SIGIL" serve --config "$TMP/chk.conf" --check
	if [ "$want" -eq 0 ]; then
		check "--check: $label: exit 0, \"FILE: ok\"" \
			'[ $rc -eq 0 ] && [ "$(cat "$TMP/chk.out")" = "$TMP/chk.conf: ok" ] && [ ! -s "$TMP/chk.err" ]' \
			"$TMP/chk.err" "$TMP/chk.out"
		return
	fi
	check "--check: $label: exit $want" \
		'[ $rc -eq $want ] && grep -Eq -- "$re" "$TMP/chk.err" && ! grep -q ": ok$" "$TMP/chk.out"' \
		"$TMP/chk.err" "$TMP/chk.out"
}
chk "a key that does not match the certificate" 7 'does not match|key' "cert $TMP/site.crt" "key $TMP/site2.key"
chk "a client CRL that is no CRL" 7 'client-crl' "client-ca $CA" "client-crl $TMP/site.crt"
chk "ticket keys that are not 96 hex digits" 7 'ticket-keys .*line 1' "ticket-keys $TMP/root/hi.txt"
chk "a root that does not exist" 7 "root $TMP/nowhere" "root $TMP/nowhere"
chk "an access log in a directory that does not exist" 7 "access-log $TMP/nodir/a.log" "access-log $TMP/nodir/a.log"
printf 'nonsense\n' >"$TMP/authz.bad"
chk "authz rules that do not parse" 7 'authz' "authz $TMP/authz.bad"
{ echo "listen nonexistent.invalid:$P"; echo "cert $TMP/site.crt"; echo "key $TMP/site.key"; } >"$TMP/chk.conf"
run chk "$SIGIL" serve --config "$TMP/chk.conf" --check
check "--check: a listen host that does not resolve: exit 1" \
	'[ $rc -eq 1 ] && grep -q "cannot resolve nonexistent.invalid" "$TMP/chk.err"' "$TMP/chk.err"
chk "a good file with every file option" 0 '^$' "client-ca $CA" "client-crl $TMP/ca.crl" \
	"access-log $TMP/log/new.log" "root $TMP/root"
check "--check: the access log it would append to is not created" '[ ! -e "$TMP/log/new.log" ]'
run nocert env SIGIL_HOME="$TMP/fresh-home" "$SIGIL" serve --listen "127.0.0.1:$P" --check
check "--check without --cert: exit 0, and the development CA is not made" \
	'[ $rc -eq 0 ] && [ "$(cat "$TMP/nocert.out")" = "sigil serve: ok" ] && [ ! -e "$TMP/fresh-home" ]' \
	"$TMP/nocert.out" "$TMP/nocert.err"
run chk_cl "$SIGIL" serve --listen "127.0.0.1:$P" --cert "$TMP/site.crt" --key "$TMP/site2.key" --check
check "--check without --config: the command line alone, exit 7 for a key that does not match" \
	'[ $rc -eq 7 ] && [ ! -s "$TMP/chk_cl.out" ]' "$TMP/chk_cl.err"

# ---- contrib/serve.conf.example ---------------------------------------------
EX=$ROOT/contrib/serve.conf.example
if [ ! -f "$EX" ]; then
	fail "contrib/serve.conf.example exists"
else
	sed -e "s|/etc/sigil/site.crt|$TMP/site.crt|; s|/etc/sigil/site.key|$TMP/site.key|" \
		-e "s|/srv/www|$TMP/root|; s|/var/log/sigil|$TMP/log|; s|0.0.0.0:443|127.0.0.1:$P|" "$EX" >"$TMP/example.conf"
	run example "$SIGIL" serve --config "$TMP/example.conf" --check
	check "contrib/serve.conf.example passes --check (its paths replaced)" \
		'[ $rc -eq 0 ] && grep -q ": ok$" "$TMP/example.out"' "$TMP/example.err" "$TMP/example.conf"
	"$SIGIL" serve --help >"$TMP/help" 2>&1
	unknown=
	for k in $(sed -n 's/^#\([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' "$EX"); do
		grep -q -- "^  --$k " "$TMP/help" || unknown="$unknown $k"
	done
	check "contrib/serve.conf.example: the options it shows commented out are sigil serve's${unknown:+ (not:$unknown)}" \
		'[ -z "$unknown" ]'
fi

# ---- SIGHUP re-reads the file ------------------------------------------------
P=$(free_port)
Q=$(free_port)
mk_conf() {
	printf 'listen 127.0.0.1:%s\nthreads 1\ncert %s.crt\nkey %s.key\n' "$1" "$2" "$2" >"$TMP/hup.conf"
}
# sighup: SIGHUP to the server itself.  timeout(1), which start_bg runs
# it under, passes the first signal on and not the next ones.
sighup() {
	kill -HUP "$(ps -o pid= --ppid "$SPID" | tr -d ' ')"
}
mk_conf "$P" "$TMP/site"
serve_bg "$TMP/hup.log" --config "$TMP/hup.conf"
check "SIGHUP: the server starts with the file's certificate" '[ "$(fingerprint "$P")" = "$fp_site" ]' "$TMP/hup.log"
mk_conf "$P" "$TMP/site2"
sighup
wait_for "$TMP/hup.log" "reloaded $TMP/site2.crt" 10
check "SIGHUP: the file's new cert and key are used by new connections" '[ "$(fingerprint "$P")" = "$fp_site2" ]' \
	"$TMP/hup.log"
mk_conf "$Q" "$TMP/site2"
sighup
wait_for "$TMP/hup.log" "listen changed" 10
check "SIGHUP: a changed listen takes a restart, and says so" \
	'grep -q "SIGHUP: $TMP/hup.conf: --listen changed (127.0.0.1:$P -> 127.0.0.1:$Q): it takes a restart" "$TMP/hup.log"' \
	"$TMP/hup.log"
body=$(fetch "$P" /)
check "SIGHUP: ... and the server goes on at the address it started on" 'echo "$body" | grep -qi tls' "$TMP/curl.err"
mk_conf "$P" "$TMP/site"
echo "bogus line" >>"$TMP/hup.conf"
sighup
wait_for "$TMP/hup.log" "nothing reloaded" 10
check "SIGHUP: a file with an error reloads nothing (says where, keeps the running certificate)" \
	'grep -q "hup.conf:5: unknown option \"bogus\"" "$TMP/hup.log" && grep -q "nothing reloaded" "$TMP/hup.log" &&
	 [ "$(fingerprint "$P")" = "$fp_site2" ]' "$TMP/hup.log"
stop "$SPID"
# The command line still wins on a reload.
mk_conf "$P" "$TMP/site"
serve_bg "$TMP/hup2.log" --config "$TMP/hup.conf" --cert "$TMP/site.crt" --key "$TMP/site.key"
mk_conf "$P" "$TMP/site2"
sighup
wait_for "$TMP/hup2.log" "reloaded" 10
check "SIGHUP: a --cert on the command line still overrides the re-read file" \
	'[ "$(fingerprint "$P")" = "$fp_site" ]' "$TMP/hup2.log"
stop "$SPID"
finish
