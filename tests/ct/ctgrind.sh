#!/bin/sh
# Constant-time check (ctgrind): secret-dependent code sigil owns must
# not branch on secrets nor index memory with them: comparisons of
# Finished, binders and cookies, record padding removal, an opened
# ticket's PSK, ML-KEM-768 KeyGen/Encaps/Decaps, the fixed-base X25519
# public key of a secret private key (tests/tools/ct_check.c).  Four
# controls, a memcmp, the plain padding scan, ML-KEM KeyGen with its public
# seed left secret and a table look-up indexed by the secret scalar, must
# be reported, or the check sees nothing.
# Skipped where valgrind is missing.
BUILD=${BUILD:-build}
pass=0 fail=0
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP ctgrind: valgrind is not installed"
	echo "0 passed, 0 failed"
	exit 0
fi
case "$BUILD" in *asan*) echo "SKIP ctgrind: not under ASan"; echo "0 passed, 0 failed"; exit 0 ;; esac
T=$(mktemp)
valgrind --error-exitcode=99 -q "$BUILD/tests/ct_check" >"$T" 2>&1
rc=$?
if grep -q "debuginfo reader" "$T"; then
	# valgrind 3.19 cannot read clang 14's DWARF 5.
	echo "SKIP ctgrind: this valgrind cannot read the build's debug information" \
	     "(with clang, build with OPT='-O2 -gdwarf-4')"
	rm -f "$T"
	echo "0 passed, 0 failed"
	exit 0
fi
if [ $rc -eq 0 ]; then pass=$((pass + 1)); echo "ok ctgrind: comparisons, padding removal, ticket PSK, ML-KEM-768 and X25519 key generation are constant-time"
else fail=$((fail + 1)); echo "FAIL ctgrind: valgrind saw secret-dependent branches (exit $rc)"; tail -20 "$T"; fi
valgrind --error-exitcode=99 -q "$BUILD/tests/ct_check" control >"$T" 2>&1
rc=$?
if [ $rc -eq 99 ] && grep -q "uninitialised" "$T"; then pass=$((pass + 1)); echo "ok ctgrind control: memcmp on secrets is reported"
else fail=$((fail + 1)); echo "FAIL ctgrind control: the check did not see memcmp (exit $rc)"; tail -20 "$T"; fi
valgrind --error-exitcode=99 -q "$BUILD/tests/ct_check" control-pad >"$T" 2>&1
rc=$?
if [ $rc -eq 99 ] && grep -q "uninitialised" "$T"; then pass=$((pass + 1)); echo "ok ctgrind control: the plain padding scan is reported"
else fail=$((fail + 1)); echo "FAIL ctgrind control: the check did not see the plain padding scan (exit $rc)"; tail -20 "$T"; fi
valgrind --error-exitcode=99 -q "$BUILD/tests/ct_check" control-mlkem >"$T" 2>&1
rc=$?
if [ $rc -eq 99 ] && grep -q "uninitialised" "$T" && grep -q "sample_ntt" "$T"; then
	pass=$((pass + 1)); echo "ok ctgrind control: ML-KEM KeyGen with rho kept secret is reported in SampleNTT"
else fail=$((fail + 1)); echo "FAIL ctgrind control: the check did not see SampleNTT branch on rho (exit $rc)"; tail -20 "$T"; fi
valgrind --error-exitcode=99 -q "$BUILD/tests/ct_check" control-x25519 >"$T" 2>&1
rc=$?
if [ $rc -eq 99 ] && grep -q "uninitialised" "$T"; then pass=$((pass + 1)); echo "ok ctgrind control: a table look-up indexed by the secret scalar is reported"
else fail=$((fail + 1)); echo "FAIL ctgrind control: the check did not see a secret-indexed look-up (exit $rc)"; tail -20 "$T"; fi
rm -f "$T"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
