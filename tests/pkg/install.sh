#!/bin/sh
# make install / make uninstall (issue 21).  Installs into a temporary
# DESTDIR, the way a package is built, and checks the tree: the files and
# their modes, the soname and the links, that sigil.pc names the final
# prefix (never the staging directory), that pkg-config's flags build and
# link a program against the staged library, shared and static, which then
# runs a handshake; that the man pages are in share/man/man1 where man(1)
# finds them; a second install with another PREFIX, LIBDIR and MANDIR;
# and that uninstall removes exactly what install put there.
#
# pkg-config on a staged tree: PKG_CONFIG_PATH finds sigil.pc and
# PKG_CONFIG_SYSROOT_DIR puts the staging directory in front of its -I and
# -L, so the .pc under test is the one a package ships (prefix=/usr/local),
# unchanged.  (tests/pkg/examples.sh covers the other way, make install
# PREFIX=DIR, which needs PKG_CONFIG_PATH only.)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
ROOT=$LIB_ROOT
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || BUILD=$ROOT/build
CC=${CC:-cc}
VERSION=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
MAJOR=${VERSION%%.*}

[ -x "$BUILD/sigil" ] && [ -f "$BUILD/libsigil.so.$VERSION" ] || { fail "build: make first"; finish; }
have readelf || { skip "install.sh: readelf (binutils) is not installed"; finish; }

# mk ARGS...: the Makefile in the source tree, on this build, with the
# variables of the caller's make (CC, OPT, ... come through the
# environment); its jobserver is not ours.
mk() {
	MAKEFLAGS= make -s -C "$ROOT" BUILD="$BUILD" "$@"
}
# tree DIR: every file and link under DIR, as "TYPE MODE PATH", sorted.
tree() {
	(cd "$1" && find . \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do
		if [ -L "$f" ]; then echo "link $f -> $(readlink "$f")"; else echo "file $(stat -c %a "$f") $f"; fi
	done)
}

ST=$TMP/stage
P=usr/local
mkdir -p "$ST/$P/lib" "$ST/$P/bin"
# Files of another package where ours go: uninstall must leave them.
echo other >"$ST/$P/lib/libother.so.1"
echo other >"$ST/$P/bin/other"
before=$(tree "$ST")

mk install DESTDIR="$ST" >"$TMP/install.log" 2>&1
rc=$?
check "install: make install DESTDIR=... succeeds" '[ $rc -eq 0 ]' "$TMP/install.log"

# The man pages of issue 21: the program and each of its commands.
PAGES="sigil sigil-serve sigil-get sigil-verify sigil-inspect sigil-ca sigil-trust"
cat >"$TMP/want" <<EOF
$(for m in $PAGES; do echo "file 644 ./$P/share/man/man1/$m.1"; done)
file 644 ./$P/include/sigil.h
file 644 ./$P/lib/libother.so.1
file 644 ./$P/lib/libsigil.a
link ./$P/lib/libsigil.so -> libsigil.so.$MAJOR
link ./$P/lib/libsigil.so.$MAJOR -> libsigil.so.$VERSION
file 644 ./$P/lib/libsigil.so.$VERSION
file 644 ./$P/lib/pkgconfig/sigil.pc
file 644 ./$P/bin/other
file 755 ./$P/bin/sigil
EOF
LC_ALL=C sort -k3 "$TMP/want" >"$TMP/want.s"
tree "$ST" | LC_ALL=C sort -k3 >"$TMP/got.s"
if cmp -s "$TMP/want.s" "$TMP/got.s"; then
	ok "install: the tree (files, modes, relative links), nothing else"
else
	diff "$TMP/want.s" "$TMP/got.s" | sed 's/^/    /'
	fail "install: the tree (files, modes, relative links), nothing else"
fi

L=$ST/$P/lib
soname=$(readelf -d "$L/libsigil.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "install: the installed library's soname is libsigil.so.$MAJOR" '[ "$soname" = "libsigil.so.$MAJOR" ]'
needed=$(readelf -d "$L/libsigil.so.$VERSION" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "NOTE libsigil.so.$VERSION needs: $needed"
check "install: libsigil.so needs libcrypto and not sqlite3 (that is the CA tool's)" \
	'echo "$needed" | grep -q "libcrypto\\.so" && ! echo "$needed" | grep -q sqlite'
check "install: the installed files are the build's" \
	'cmp -s "$ROOT/include/sigil.h" "$ST/$P/include/sigil.h" && cmp -s "$BUILD/libsigil.a" "$L/libsigil.a" &&
	 cmp -s "$BUILD/libsigil.so.$VERSION" "$L/libsigil.so.$VERSION" && cmp -s "$BUILD/sigil" "$ST/$P/bin/sigil"'
bad=
for m in $PAGES; do cmp -s "$BUILD/man/$m.1" "$ST/$P/share/man/man1/$m.1" || bad="$bad $m"; done
check "install: the man pages are the build's (make man)" '[ -z "$bad" ]'
if have man; then
	found=$(MANPATH= man -M "$ST/$P/share/man" -w sigil-serve 2>&1)
	check "install: man -M PREFIX/share/man finds sigil-serve(1) ($found)" \
		'[ "$found" = "$ST/$P/share/man/man1/sigil-serve.1" ]'
	MANPATH= MANWIDTH=80 man -M "$ST/$P/share/man" sigil >"$TMP/man.out" 2>&1 </dev/null
	rc=$?
	check "install: man sigil shows the installed page" '[ $rc -eq 0 ] && grep -q "sigil-serve(1)" "$TMP/man.out"' \
		"$TMP/man.out"
else
	skip "install.sh: man (man-db) is not installed: the pages are not looked up"
fi
"$ST/$P/bin/sigil" --help >"$TMP/help.log" 2>&1
rc=$?
check "install: the installed sigil runs" '[ $rc -eq 0 ] && grep -q serve "$TMP/help.log"' "$TMP/help.log"

PC=$L/pkgconfig/sigil.pc
check "sigil.pc: names the final prefix, never the staging directory" \
	'grep -qx "prefix=/usr/local" "$PC" && ! grep -q "$TMP" "$PC"' "$PC"
check "sigil.pc: the Makefile's VERSION, libcrypto for the static library" \
	'grep -qx "Version: $VERSION" "$PC" && grep -q "^Requires.private:.*libcrypto" "$PC"' "$PC"

if ! have pkg-config; then
	skip "install.sh: pkg-config is not installed: flags not checked"
else
	export PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$ST"
	pkg-config --validate sigil >"$TMP/validate.log" 2>&1
	rc=$?
	check "pkg-config: sigil.pc is valid" '[ $rc -eq 0 ]' "$TMP/validate.log"
	check "pkg-config: --modversion is $VERSION" '[ "$(pkg-config --modversion sigil)" = "$VERSION" ]'
	cflags=$(pkg-config --cflags sigil)
	libs=$(pkg-config --libs sigil)
	slibs=$(pkg-config --static --libs sigil)
	echo "NOTE pkg-config --cflags --libs sigil: $cflags $libs"
	echo "NOTE pkg-config --static --libs sigil: $slibs"
	check "pkg-config: -I and -L point into the staged tree" \
		'echo "$cflags" | grep -q -- "-I$ST/$P/include" && echo "$libs" | grep -q -- "-L$L -lsigil"'

	# A handshake in memory through the installed library: a client and
	# a server connection, the bytes moved between them by hand.
	cat >"$TMP/hs.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <sigil.h>

/* Move what a wants sent into b; 0, or -1 on an error. */
static int pump(sigil_conn *a, sigil_conn *b)
{
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	if (n == 0)
		return 0;
	if (sigil_conn_recv_net(b, p, n, &used) != SIGIL_OK)
		return -1;
	sigil_conn_send_ack(a, used);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	sigil_config *sc = sigil_config_new(), *cc = sigil_config_new();
	if (!sc || !cc || sigil_config_add_cert_key_file(sc, argv[1], argv[2]) != SIGIL_OK ||
	    sigil_config_add_trust(cc, argv[3]) != SIGIL_OK) {
		fprintf(stderr, "config: %s%s\n", sc ? sigil_config_error(sc) : "", cc ? sigil_config_error(cc) : "");
		return 1;
	}
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER), *c = sigil_conn_new(cc, SIGIL_CLIENT);
	sigil_config_free(sc);
	sigil_config_free(cc);
	if (!s || !c || sigil_conn_set_server_name(c, "localhost") != SIGIL_OK)
		return 1;
	for (int i = 0; i < 10 && (sigil_conn_state(c) & SIGIL_ST_HANDSHAKING); i++)
		if (pump(c, s) < 0 || pump(s, c) < 0)
			break;
	if (!(sigil_conn_state(c) & SIGIL_ST_CONNECTED)) {
		fprintf(stderr, "handshake: %s / %s\n", sigil_conn_error(c), sigil_conn_error(s));
		return 1;
	}
	printf("handshake ok %s\n", sigil_suite_name(sigil_conn_suite(c)));
	sigil_conn_free(c);
	sigil_conn_free(s);
	return 0;
}
EOF
	D=$SIGIL_TESTDATA
	[ -n "$D" ] || D=$ROOT/tests/data
	run_hs() {
		"$1" "$D/tls/leaf.crt" "$D/tls/leaf.key" "$D/tls/ca.crt" >"$1.out" 2>&1
	}
	# shellcheck disable=SC2086
	$CC -std=c11 $EXTRA_CFLAGS -Wall -Wextra -Werror $cflags -o "$TMP/hs" "$TMP/hs.c" $LDFLAGS $libs >"$TMP/cc.log" 2>&1
	rc=$?
	check "pkg-config: a program builds against the staged library (shared)" '[ $rc -eq 0 ]' "$TMP/cc.log"
	if [ -x "$TMP/hs" ]; then
		dep=$(LD_LIBRARY_PATH=$L ldd "$TMP/hs" | grep libsigil)
		check "shared: the program needs libsigil.so.$MAJOR, found in the staged tree" \
			'echo "$dep" | grep -q "libsigil\\.so\\.$MAJOR => $L/libsigil\\.so\\.$MAJOR"'
		LD_LIBRARY_PATH=$L run_hs "$TMP/hs"
		rc=$?
		check "shared: it makes a TLS 1.3 handshake" '[ $rc -eq 0 ] && grep -q "^handshake ok TLS_" "$TMP/hs.out"' "$TMP/hs.out"
	fi
	# Static: libsigil.a and what --static adds (Requires.private,
	# Libs.private) must be all the link needs.
	sl=$(echo "$slibs" | sed 's/-lsigil\b/-Wl,-Bstatic -lsigil -Wl,-Bdynamic/')
	# shellcheck disable=SC2086
	$CC -std=c11 $EXTRA_CFLAGS $cflags -o "$TMP/hs-static" "$TMP/hs.c" $LDFLAGS $sl >"$TMP/ccs.log" 2>&1
	rc=$?
	check "pkg-config --static: a program links libsigil.a with the private libraries" '[ $rc -eq 0 ]' "$TMP/ccs.log"
	if [ -x "$TMP/hs-static" ]; then
		check "static: the program does not need libsigil.so" '! ldd "$TMP/hs-static" | grep -q libsigil'
		run_hs "$TMP/hs-static"
		rc=$?
		check "static: it makes a TLS 1.3 handshake" '[ $rc -eq 0 ] && grep -q "^handshake ok TLS_" "$TMP/hs-static.out"' "$TMP/hs-static.out"
	fi
	unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
fi

# Installing again over the tree (an upgrade) works and changes nothing.
mk install DESTDIR="$ST" >"$TMP/install2.log" 2>&1
rc=$?
check "install: a second install over the first" '[ $rc -eq 0 ] && [ "$(tree "$ST" | LC_ALL=C sort -k3)" = "$(cat "$TMP/got.s")" ]' \
	"$TMP/install2.log"

mk uninstall DESTDIR="$ST" >"$TMP/uninstall.log" 2>&1
rc=$?
after=$(tree "$ST")
if [ $rc -eq 0 ] && [ "$after" = "$before" ]; then
	ok "uninstall: removes exactly what install put there"
else
	echo "    before install:"; echo "$before" | sed 's/^/      /'
	echo "    after uninstall:"; echo "$after" | sed 's/^/      /'
	fail "uninstall: removes exactly what install put there" "$TMP/uninstall.log"
fi

# Another PREFIX and LIBDIR: the files follow, and sigil.pc says where.
ST2=$TMP/stage2
mk install DESTDIR="$ST2" PREFIX=/opt/sigil LIBDIR=/opt/sigil/lib64 MANDIR=/opt/sigil/man >"$TMP/install3.log" 2>&1
check "install PREFIX=/opt/sigil LIBDIR=/opt/sigil/lib64 MANDIR=/opt/sigil/man: the files there" \
	'[ -x "$ST2/opt/sigil/bin/sigil" ] && [ -L "$ST2/opt/sigil/lib64/libsigil.so" ] &&
	 [ -f "$ST2/opt/sigil/include/sigil.h" ] && [ -f "$ST2/opt/sigil/lib64/pkgconfig/sigil.pc" ] &&
	 [ -f "$ST2/opt/sigil/man/man1/sigil-serve.1" ] && [ ! -e "$ST2/opt/sigil/share" ]' "$TMP/install3.log"
check "install PREFIX=/opt/sigil LIBDIR=/opt/sigil/lib64: sigil.pc says so" \
	'grep -qx "prefix=/opt/sigil" "$ST2/opt/sigil/lib64/pkgconfig/sigil.pc" &&
	 grep -qx "libdir=\${prefix}/lib64" "$ST2/opt/sigil/lib64/pkgconfig/sigil.pc"' "$ST2/opt/sigil/lib64/pkgconfig/sigil.pc"
mk uninstall DESTDIR="$ST2" PREFIX=/opt/sigil LIBDIR=/opt/sigil/lib64 MANDIR=/opt/sigil/man >"$TMP/uninstall3.log" 2>&1
check "uninstall PREFIX=/opt/sigil LIBDIR=/opt/sigil/lib64 MANDIR=/opt/sigil/man: no file left" \
	'[ -z "$(find "$ST2" ! -type d)" ]' "$TMP/uninstall3.log"

finish
