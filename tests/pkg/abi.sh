#!/bin/sh
# The ABI of libsigil.so (issue 21): only the sigil_* functions of
# include/sigil.h are exported, each under a version node; the exports and
# their types match the record in abi/ for the Makefile's VERSION (abidiff
# when abigail-tools is installed); the records follow the bump rules of
# abi/README; the static library defines no name outside sigil_* and sg_*.
# Each checker also runs once on a fixture that it must refuse, so that a
# checker that cannot fail is seen.  Prints "N passed, N failed" last.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
ROOT=$LIB_ROOT
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || BUILD=$ROOT/build
CC=${CC:-cc}

for t in nm readelf; do
	have "$t" || { skip "abi.sh: $t (binutils) is not installed"; finish; }
done
VERSION=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
MAJOR=${VERSION%%.*}
ABIVER=$(echo "$VERSION" | cut -d. -f1-2)
SO=$BUILD/libsigil.so.$VERSION
AR=$BUILD/libsigil.a
REC=$ROOT/abi/libsigil-$ABIVER
for f in "$SO" "$AR"; do
	[ -f "$f" ] || { fail "build: no $f (make)"; finish; }
done

ANNOUNCE="If the change is intended, announce it (abi/README): bump VERSION in the
  Makefile (MAJOR for a removed or changed function or type, MINOR for an
  addition, with a new version node in src/sigil.map), then run
  'make abi-update' to record abi/libsigil-MAJOR.MINOR.*."

# exports SO: "TYPE NAME@@NODE" for each defined dynamic symbol, sorted.
exports() {
	nm -D --defined-only "$1" | awk 'NF == 3 { print $2, $3 }' | LC_ALL=C sort
}
# foreign SO: the exports that are neither a versioned sigil_* function
# nor a version node.
foreign() {
	exports "$1" | awk '!(($1 == "T" && $2 ~ /^sigil_[a-z0-9_]+@@?SIGIL_[0-9.]+$/) ||
		($1 == "A" && $2 ~ /^SIGIL_[0-9.]+$/))'
}
# record FILE: a record without its comments.
record() {
	grep -v '^#' "$1"
}
# strays AR: global names defined in a static library outside sigil_* and
# sg_* (they could clash with an application's), sanitizer-made names
# (__asan_*, __odr_asan_*, __ubsan_*, __sancov_*) aside.
strays() {
	nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' |
		grep -Ev '^(sigil_|sg_|__asan|__odr_asan|__ubsan|__sancov)' | LC_ALL=C sort -u
}

# ---- 1. what libsigil.so exports --------------------------------------
bad=$(foreign "$SO")
n_all=$(exports "$SO" | wc -l)
n_fn=$(exports "$SO" | grep -c '^T sigil_')
echo "NOTE libsigil.so.$VERSION exports $n_all symbols: $n_fn sigil_* functions and the version nodes"
if [ -z "$bad" ]; then
	ok "exports: only versioned sigil_* functions"
else
	echo "  libsigil.so exports symbols outside the public API (src/sigil.map, -fvisibility=hidden):"
	echo "$bad" | sed 's/^/    /'
	fail "exports: only versioned sigil_* functions"
fi

# The same checker on a library that leaks an internal name and exports
# an unversioned one: both must be reported.
cat >"$TMP/leak.c" <<'EOF'
int sg_internal(void);
int sigil_public(void);
int sg_internal(void) { return 1; }
int sigil_public(void) { return sg_internal(); }
EOF
if $CC -shared -fPIC -o "$TMP/leak.so" "$TMP/leak.c" $LDFLAGS >"$TMP/leak.log" 2>&1; then
	got=$(foreign "$TMP/leak.so" | awk '{print $2}' | grep -E '^(sg_internal|sigil_public)$' | wc -l)
	check "exports checker: refuses an internal name and an unversioned export" '[ "$got" -eq 2 ]'
else
	fail "exports checker: cannot build the fixture library" "$TMP/leak.log"
fi

# Two layers keep the internals in: -fvisibility=hidden (the compiler
# knows sg_* calls stay inside) and the version script.  The objects
# linked without the script must still export only sigil_*.
objs=$(find "$BUILD/src" -name '*.o' | LC_ALL=C sort)
if [ -n "$objs" ] && $CC -shared -o "$TMP/novs.so" $objs $LDFLAGS -lcrypto -lpthread >"$TMP/novs.log" 2>&1; then
	leak=$(exports "$TMP/novs.so" | awk '$1 != "A" && $2 !~ /^sigil_/')
	if [ -z "$leak" ]; then
		ok "visibility: the objects alone export sigil_* only (without src/sigil.map)"
	else
		echo "$leak" | head -n 20 | sed 's/^/    /'
		fail "visibility: the objects alone export sigil_* only (without src/sigil.map)"
	fi
else
	fail "visibility: cannot link the objects without the version script" "$TMP/novs.log"
fi

# ---- 2. the header and the exports agree --------------------------------
# Function names declared in sigil.h (the preprocessor strips comments; a
# name followed by "(" is a declaration, a typedef'd pointer is not).
$CC -E -P -I"$ROOT/include" "$ROOT/include/sigil.h" 2>"$TMP/cpp.log" |
	grep -oE '\bsigil_[a-z0-9_]+ *\(' | sed 's/ *($//' | LC_ALL=C sort -u >"$TMP/header.names"
exports "$SO" | awk '$1 == "T" { sub(/@.*/, "", $2); print $2 }' | LC_ALL=C sort -u >"$TMP/so.names"
if [ -s "$TMP/header.names" ] && cmp -s "$TMP/header.names" "$TMP/so.names"; then
	ok "header: the $(wc -l <"$TMP/header.names") functions of sigil.h are the exports"
else
	echo "  only in sigil.h:"
	LC_ALL=C comm -23 "$TMP/header.names" "$TMP/so.names" | sed 's/^/    /'
	echo "  only exported:"
	LC_ALL=C comm -13 "$TMP/header.names" "$TMP/so.names" | sed 's/^/    /'
	fail "header: the functions of sigil.h are the exports" "$TMP/cpp.log"
fi

# ---- 3. soname ---------------------------------------------------------
soname=$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "soname: libsigil.so.$VERSION has the soname libsigil.so.$MAJOR" '[ "$soname" = "libsigil.so.$MAJOR" ]'
target=$(readlink "$BUILD/libsigil.so.$MAJOR" 2>/dev/null)
check "soname: build/libsigil.so.$MAJOR links to libsigil.so.$VERSION" '[ "$target" = "libsigil.so.$VERSION" ]'

# ---- 4. the exports against the record ---------------------------------
if [ ! -f "$REC.symbols" ]; then
	echo "  no abi/libsigil-$ABIVER.symbols for VERSION $VERSION."
	echo "  $ANNOUNCE"
	fail "record: abi/libsigil-$ABIVER.symbols exists"
else
	exports "$SO" >"$TMP/now.symbols"
	record "$REC.symbols" >"$TMP/rec.symbols"
	if cmp -s "$TMP/rec.symbols" "$TMP/now.symbols"; then
		ok "record: the exports are those of abi/libsigil-$ABIVER.symbols"
	else
		echo "  The exported ABI differs from abi/libsigil-$ABIVER.symbols (- recorded, + built):"
		diff "$TMP/rec.symbols" "$TMP/now.symbols" | grep -E '^[<>]' | sed 's/^</    -/; s/^>/    +/'
		echo "  $ANNOUNCE"
		fail "record: the exports are those of abi/libsigil-$ABIVER.symbols"
	fi
fi

# ---- 5. the records follow the bump rules -------------------------------
# rules OLD NEW: why NEW (version $3) may not follow OLD (version $4),
# or nothing.  Removed or re-versioned symbols need a new MAJOR; added
# symbols need a version node OLD does not have.
rules() {
	record "$1" | awk '$1 != "A"' | LC_ALL=C sort >"$TMP/r.old"
	record "$2" | awk '$1 != "A"' | LC_ALL=C sort >"$TMP/r.new"
	awk '{ sub(/@.*/, "", $2); print $1, $2 }' "$TMP/r.old" | LC_ALL=C sort >"$TMP/n.old"
	awk '{ sub(/@.*/, "", $2); print $1, $2 }' "$TMP/r.new" | LC_ALL=C sort >"$TMP/n.new"
	gone=$(LC_ALL=C comm -23 "$TMP/r.old" "$TMP/r.new" | awk '{print $2}')
	if [ -n "$gone" ] && [ "${3%%.*}" = "${4%%.*}" ]; then
		echo "$4 -> $3 removes or re-versions $(echo $gone) without a MAJOR bump"
	fi
	added=$(LC_ALL=C comm -13 "$TMP/n.old" "$TMP/n.new" | awk '{print $2}')
	for s in $added; do
		node=$(grep "^T $s@" "$TMP/r.new" | sed 's/.*@@*//')
		if record "$1" | grep -q "^A $node\$"; then
			echo "$4 -> $3 adds $s to the existing node $node (a new node is needed)"
		fi
	done
}
ls "$ROOT"/abi/libsigil-*.symbols 2>/dev/null | sed 's/.*libsigil-//; s/\.symbols$//' |
	sort -t. -k1,1n -k2,2n >"$TMP/versions"
prev=
why=
for v in $(cat "$TMP/versions"); do
	[ -n "$prev" ] && why="$why$(rules "$ROOT/abi/libsigil-$prev.symbols" "$ROOT/abi/libsigil-$v.symbols" "$v" "$prev")"
	prev=$v
done
if [ -z "$why" ]; then
	ok "records: $(wc -l <"$TMP/versions") recorded version(s) follow the bump rules"
else
	echo "  $why"
	fail "records: the recorded versions follow the bump rules"
fi
# The rules on made-up records: 0.2 drops a function, 0.3 adds one to
# SIGIL_0, 1.0 drops one (allowed), 1.1 adds one in a new node (allowed).
printf 'A SIGIL_0\nT sigil_a@@SIGIL_0\nT sigil_b@@SIGIL_0\n' >"$TMP/f1"
printf 'A SIGIL_0\nT sigil_a@@SIGIL_0\n' >"$TMP/f2"
printf 'A SIGIL_0\nT sigil_a@@SIGIL_0\nT sigil_b@@SIGIL_0\nT sigil_c@@SIGIL_0\n' >"$TMP/f3"
printf 'A SIGIL_0\nA SIGIL_0.2\nT sigil_a@@SIGIL_0\nT sigil_b@@SIGIL_0\nT sigil_c@@SIGIL_0.2\n' >"$TMP/f4"
r12=$(rules "$TMP/f1" "$TMP/f2" 0.2 0.1)
r13=$(rules "$TMP/f1" "$TMP/f3" 0.3 0.1)
r12m=$(rules "$TMP/f1" "$TMP/f2" 1.0 0.1)
r14=$(rules "$TMP/f1" "$TMP/f4" 1.1 1.0)
check "records checker: refuses a removal without MAJOR and an addition to an old node" \
	'[ -n "$r12" ] && [ -n "$r13" ] && [ -z "$r12m" ] && [ -z "$r14" ]'

# ---- 6. the types: abidiff against the record --------------------------
if ! have abidw || ! have abidiff; then
	skip "abi.sh: abigail-tools (abidw, abidiff) is not installed: types not compared"
elif ! readelf -S "$SO" | grep -q '\.debug_info'; then
	skip "abi.sh: libsigil.so has no debug information (OPT without -g): types not compared"
elif [ ! -f "$REC.abi" ]; then
	echo "  $ANNOUNCE"
	fail "types: abi/libsigil-$ABIVER.abi exists"
else
	flags=$(MAKEFLAGS= make -s -C "$ROOT" print-ABIDW_FLAGS)
	# shellcheck disable=SC2086
	if abidw $flags --out-file "$TMP/now.abi" "$SO" >"$TMP/abidw.log" 2>&1; then
		if abidiff "$REC.abi" "$TMP/now.abi" >"$TMP/abidiff.log" 2>&1; then
			ok "types: abidiff finds no change against abi/libsigil-$ABIVER.abi"
		else
			sed 's/^/    /' "$TMP/abidiff.log" | head -n 40
			echo "  $ANNOUNCE"
			fail "types: abidiff finds no change against abi/libsigil-$ABIVER.abi"
		fi
		# abidiff must see a function the record lacks: drop one from a
		# copy of the record.
		sed -e "/<elf-symbol name='sigil_conn_hrr'/d" \
			-e "/<function-decl name='sigil_conn_hrr'/,/<\/function-decl>/d" "$REC.abi" >"$TMP/less.abi"
		abidiff "$TMP/less.abi" "$TMP/now.abi" >"$TMP/less.log" 2>&1
		rc=$?
		check "types checker: abidiff reports a function the record lacks" \
			'[ $rc -ne 0 ] && grep -q sigil_conn_hrr "$TMP/less.log"' "$TMP/less.log"
	else
		fail "types: abidw cannot read libsigil.so" "$TMP/abidw.log"
	fi
fi

# ---- 7. the static library ---------------------------------------------
# Tests and the sigil program link libsigil.a, so it keeps sg_*; any other
# global name is a possible clash with an application's.
st=$(strays "$AR")
if [ -z "$st" ]; then
	ok "static library: every global name is sigil_* or sg_*"
else
	echo "  libsigil.a defines names outside sigil_* and sg_*:"
	echo "$st" | sed 's/^/    /'
	fail "static library: every global name is sigil_* or sg_*"
fi
printf 'int parse_thing(void);\nint parse_thing(void) { return 0; }\n' >"$TMP/stray.c"
if $CC -c -o "$TMP/stray.o" "$TMP/stray.c" >"$TMP/stray.log" 2>&1 &&
	ar rcs "$TMP/stray.a" "$TMP/stray.o" 2>>"$TMP/stray.log"; then
	check "static library checker: reports a stray global name" \
		'[ "$(strays "$TMP/stray.a")" = parse_thing ]'
else
	fail "static library checker: cannot build the fixture" "$TMP/stray.log"
fi

finish
