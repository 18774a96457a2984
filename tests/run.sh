#!/bin/sh
# Runs every test: each unit test binary in $BUILD/tests and every script
# tests/*/*.sh (interop, x509, ...).  Each prints "N passed, N failed" as its
# last such line; this adds them up and prints the total last.
BUILD=${BUILD:-build}
export BUILD
# Every vector a test reads is in the repository (tests/data).
SIGIL_TESTDATA=${SIGIL_TESTDATA:-$(cd "$(dirname "$0")" && pwd)/data}
export SIGIL_TESTDATA
total_p=0; total_f=0; bad=""
log=$(mktemp -d)
# Every test runs under a watchdog, so one that hangs fails instead of
# stalling the run (CI has a hard time limit).
LIMIT=${TEST_TIMEOUT:-600}
run_one() {
	name=$1; shift
	start=$(date +%s)
	timeout -k 10 "$LIMIT" "$@" >"$log/out" 2>&1
	rc=$?
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log/out" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/p')
	f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	total_p=$((total_p + p)); total_f=$((total_f + f))
	el=$(( $(date +%s) - start ))
	if [ "$f" -ne 0 ]; then
		bad="$bad $name"
		echo "FAIL $name: $p passed, $f failed (exit $rc, ${el}s)"
		sed 's/^/    /' "$log/out" | grep -v '^    ok ' | tail -n 60
	else
		echo "ok   $name: $p passed (${el}s)"
		grep -E '^(SKIP|NOTE)' "$log/out" | sed 's/^/    /'
	fi
}
for t in "$BUILD"/tests/*_test; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
# Under ASan, the servers and clients the scripts start keep ASan's checks
# but not LeakSanitizer's exit-time scan: it ptrace-attaches to the
# process, and a server stopping on SIGTERM was seen to hang in it.  The
# unit tests keep leak detection (and make valgrind checks leaks too).
case "$BUILD" in *asan*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" ;; esac
for s in tests/*/*.sh; do
	[ -f "$s" ] || continue
	case $s in */lib.sh) continue ;; esac    # sourced helpers, not a test
	run_one "$s" sh "$s"
done
rm -rf "$log"
[ -n "$bad" ] && echo "failed:$bad"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
