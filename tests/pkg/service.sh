#!/bin/sh
# contrib/sigil-serve.service (issue 21): systemd-analyze verify accepts it
# without a word (it exits 0 even on a bad value, so any output fails); it
# runs as the user sigil with CAP_NET_BIND_SERVICE as its only capability
# and the hardening the issue asks for; systemd-analyze security rates it
# (offline) no worse than 2.0; it reads its options from
# /etc/sigil/serve.conf (sigil serve --config) and a reload checks that file
# (--check) before SIGHUP; every option its ExecStart and ExecReload give
# sigil serve is one that sigil serve knows; what the example file
# contrib/serve.conf.example writes is where the unit lets it write.  Without systemd-analyze (Debian package
# systemd) the script prints SKIP.  It cannot start the unit: there is no
# service manager here.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
ROOT=$LIB_ROOT
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || BUILD=$ROOT/build
UNIT=$ROOT/contrib/sigil-serve.service

[ -f "$UNIT" ] || { fail "no contrib/sigil-serve.service"; finish; }
[ -x "$BUILD/sigil" ] || { fail "build: no $BUILD/sigil (make)"; finish; }

# The unit as installed, but with the sigil of this build (verify checks
# that ExecStart's program exists and is executable).
sed "s|/usr/local/bin/sigil|$BUILD/sigil|" "$UNIT" >"$TMP/sigil-serve.service"

# value KEY: the unit's values of KEY, one a line.
value() {
	sed -n "s/^$1=//p" "$UNIT"
}
has() {
	value "$1" | grep -qx -- "$2"
}
for kv in "User=sigil" "AmbientCapabilities=CAP_NET_BIND_SERVICE" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" \
	"NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
	"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "SystemCallFilter=@system-service" \
	"StateDirectory=sigil" "ReadWritePaths=/var/lib/sigil /var/log/sigil" 'ExecReload=/bin/kill -HUP $MAINPID'; do
	check "unit: $kv" 'has "${kv%%=*}" "${kv#*=}"'
done
check "unit: no other capability, never root" \
	'[ "$(value AmbientCapabilities | wc -l)" -eq 1 ] && [ "$(value CapabilityBoundingSet | wc -l)" -eq 1 ] &&
	 ! grep -Eq "^(User|Group)=(root|0)$" "$UNIT" && ! grep -q "^PermissionsStartOnly" "$UNIT"'

check "unit: ExecStart runs sigil serve --config /etc/sigil/serve.conf" \
	'[ "$(value ExecStart)" = "/usr/local/bin/sigil serve --config /etc/sigil/serve.conf" ]'
check "unit: a reload checks the file first (--check), then sends SIGHUP" \
	'[ "$(value ExecReload | tr "\n" "|")" = "/usr/local/bin/sigil serve --config /etc/sigil/serve.conf --check|/bin/kill -HUP \$MAINPID|" ]'

# The options of sigil serve in ExecStart and ExecReload (continued lines
# joined) against sigil serve --help.
opts=$(sed -n '/^Exec\(Start\|Reload\)=/,/[^\\]$/p' "$UNIT" | tr -d '\\\n' | grep -oE -- '--[a-z-]+' | sort -u)
"$BUILD/sigil" serve --help >"$TMP/help" 2>&1
unknown=
for o in $opts; do
	grep -q -- "^ *$o " "$TMP/help" || unknown="$unknown $o"
done
check "unit: ExecStart's and ExecReload's options ($(echo $opts)) are sigil serve's" '[ -n "$opts" ] && [ -z "$unknown" ]' \
	"$TMP/help"
[ -z "$unknown" ] || echo "  unknown to sigil serve:$unknown"

# The example configuration: the file it writes (access-log) is under a
# ReadWritePaths directory (ProtectSystem=strict makes everything else
# read-only), and the files it reads are under /etc/sigil, where the
# header installs them.  (tests/cli/config.sh runs --check on it.)
EX=$ROOT/contrib/serve.conf.example
if [ -f "$EX" ]; then
	rw=$(value ReadWritePaths)
	log=$(sed -n 's/^access-log  *\([^ #]*\).*/\1/p' "$EX")
	inside=
	for d in $rw; do case $log in "$d"/*) inside=$d ;; esac; done
	check "example: its access-log ($log) is under ReadWritePaths ($rw)" '[ -n "$log" ] && [ -n "$inside" ]'
	reads=$(sed -n 's/^\(cert\|key\)  *\([^ #]*\).*/\2/p' "$EX" | tr '\n' ' ')
	check "example: its cert and key are in /etc/sigil ($reads)" \
		'[ -n "$reads" ] && ! echo "$reads" | tr " " "\n" | grep -v "^$" | grep -qv "^/etc/sigil/"'
else
	fail "example: contrib/serve.conf.example exists"
fi

if ! have systemd-analyze; then
	skip "service.sh: systemd-analyze (Debian package systemd) is not installed: the unit is not verified"
	finish
fi
# verify NAME.service: systemd-analyze verify says nothing.
verify() {
	(cd "$TMP" && timeout "$T" systemd-analyze verify "$1") >"$TMP/verify.log" 2>&1 && [ ! -s "$TMP/verify.log" ]
}
verify "$TMP/sigil-serve.service"
rc=$?
check "systemd-analyze verify: no error, no warning" '[ $rc -eq 0 ]' "$TMP/verify.log"
sed 's/^ProtectSystem=strict/ProtectSystem=stricter/' "$TMP/sigil-serve.service" >"$TMP/bad.service"
verify "$TMP/bad.service"
rc=$?
check "systemd-analyze verify checker: a bad value is caught" '[ $rc -ne 0 ] && grep -qi "protect system" "$TMP/verify.log"' \
	"$TMP/verify.log"

timeout "$T" systemd-analyze security --offline=yes "$TMP/sigil-serve.service" >"$TMP/security.log" 2>&1
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$TMP/security.log")
if [ -z "$score" ]; then
	skip "service.sh: systemd-analyze security --offline is not available here"
else
	echo "NOTE systemd-analyze security: exposure $score (0 best, 10 worst)"
	check "systemd-analyze security: exposure at most 2.0" \
		'awk -v s="$score" "BEGIN { exit !(s <= 2.0) }"' "$TMP/security.log"
fi
finish
