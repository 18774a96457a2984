#!/bin/sh
# Differential X.509 test: mutated certificate chains (tests/x509/diff-seeds,
# mutated and re-signed by build/tests/x509diff) checked by sigil and by
# `openssl verify -x509_strict`.  Every disagreement must be a deliberate
# difference listed in tests/x509/diff-expected.txt, whose sections are
# written out in docs/x509-differences.md; any other fails, and its chain
# is kept in $XDIFF_OUT/fail-N/ with the commands that show it.
#
#   XDIFF_N     random mutants after the one-at-a-time stage (default 500;
#               XDIFF_N=5000 for a bigger run)
#   XDIFF_SEED  seed of the random stage (default 1)
#   XDIFF_OUT   where the log and failing cases go (default $BUILD/x509diff)
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
TOOL=$BUILD/tests/x509diff
DIR=$ROOT/tests/x509
DOC=$ROOT/docs/x509-differences.md
OUT=${XDIFF_OUT:-$BUILD/x509diff}
pass=0; fail=0

if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP x509 diff: no openssl"
	echo "0 passed, 0 failed"
	exit 0
fi
[ -x "$TOOL" ] || { echo "FAIL $TOOL not built"; echo "0 passed, 1 failed"; exit 1; }

# Every section the expected list names is written down.
missing=""
for sec in $(sed -e 's/#.*//' "$DIR/diff-expected.txt" | awk 'NF >= 2 { print $2 }' | sort -u); do
	grep -q "^### $sec:" "$DOC" 2>/dev/null || missing="$missing $sec"
done
if [ -z "$missing" ]; then
	pass=$((pass + 1)); echo "ok every listed difference has its section in docs/x509-differences.md"
else
	fail=$((fail + 1)); echo "FAIL sections missing from docs/x509-differences.md:$missing"
fi

rm -rf "$OUT"
mkdir -p "$OUT" || exit 1
"$TOOL" "$DIR/diff-seeds" "$OUT" -n "${XDIFF_N:-500}" -s "${XDIFF_SEED:-1}" \
	-e "$DIR/diff-expected.txt" >"$OUT/log" 2>&1
rc=$?
# The failures with their details, the figures, then the classes met.
grep -A4 '^FAIL' "$OUT/log" | grep -v '^--$' | head -n 80
grep -E '^(seeds|agree) ' "$OUT/log" | sed 's/^/NOTE /'
grep -E '^section ' "$OUT/log"
grep -E '^ +[0-9]+  ' "$OUT/log" | head -n 100
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT/log" | tail -n 1)
p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed$/\1/p')
if [ -z "$line" ]; then
	fail=$((fail + 1)); echo "FAIL x509diff did not finish (exit $rc):"; tail -n 5 "$OUT/log"
else
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { fail=$((fail + 1)); echo "FAIL x509diff exit $rc"; }
fi
[ "$fail" -ne 0 ] && echo "log and failing cases kept in $OUT"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
