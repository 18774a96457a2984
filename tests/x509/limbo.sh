#!/bin/sh
# Runs the x509-limbo suite and fails on any outcome that differs from
# limbo's expected result, unless tests/x509/limbo-expected.txt lists it.
BUILD=${BUILD:-build}
dir=$(dirname "$0")
# The suite is part of the repository (tests/data/x509-limbo, Apache-2.0);
# LIMBO_SUITE runs another limbo-format file instead.
suite=${LIMBO_SUITE:-$dir/../data/x509-limbo/limbo.json.gz}
if [ ! -f "$suite" ]; then
	echo "FAIL limbo: $suite not found"
	echo "0 passed, 1 failed"
	exit 1
fi
out=${LIMBO_OUT:-$BUILD/limbo-results.json}
BUILD=$BUILD sh "$dir/limbo-run" "$suite" --out "$out" --expected "$dir/limbo-expected.txt"
