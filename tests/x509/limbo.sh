#!/bin/sh
# Runs the x509-limbo suite and fails on any outcome that differs from
# limbo's expected result, unless tests/x509/limbo-expected.txt lists it.
BUILD=${BUILD:-build}
SIGIL_SHARED=${SIGIL_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
suite=$SIGIL_SHARED/testdata/x509-limbo/limbo.json.gz
dir=$(dirname "$0")
if [ ! -f "$suite" ]; then
	echo "SKIP limbo: $suite not found"
	echo "0 passed, 0 failed"
	exit 0
fi
out=${LIMBO_OUT:-$BUILD/limbo-results.json}
BUILD=$BUILD sh "$dir/limbo-run" "$suite" --out "$out" --expected "$dir/limbo-expected.txt"
