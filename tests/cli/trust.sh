#!/bin/sh
# sigil trust (issue 14): the development CA (or --ca FILE) into the
# system store and every NSS database of the user, what it changed
# printed and recorded, --uninstall removing exactly that, --dry-run
# changing nothing.  Everything happens in the test's own HOME and a
# temporary anchors directory: the real system store is never touched
# (checked before anything is written).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }

export HOME="$TMP/home"
export SIGIL_HOME="$TMP/sigil"
export SIGIL_TRUST_SYSTEM_DIR="$TMP/anchors"
# The "update" command records that it ran and builds a bundle of the
# anchors, as update-ca-certificates does.
cat >"$TMP/update" <<EOS
#!/bin/sh
echo ran >>"$TMP/update.log"
cat "$TMP/anchors"/*.crt >"$TMP/bundle.pem" 2>/dev/null
exit 0
EOS
chmod +x "$TMP/update"
export SIGIL_TRUST_UPDATE="$TMP/update"
mkdir -p "$HOME" "$TMP/anchors"

snapshot() {
	ls -la "$TMP/anchors" 2>&1 | sed 1d | awk '{print $NF}'
	for d in "$HOME/.pki/nssdb" "$HOME/.mozilla/firefox/p1.default" "$HOME/.mozilla/firefox/p2.dev"; do
		[ -d "$d" ] && certutil -L -d "sql:$d" 2>&1
	done
	cat "$SIGIL_HOME/trusted" 2>/dev/null
}

# A guard first: a dry run must name only the test's directories.
timeout $T "$SIGIL" trust --dry-run >"$TMP/guard.out" 2>&1
rc=$?
check "dry run without a CA: exit 0, only the test's directories, nothing made" \
	'[ $rc -eq 0 ] && grep -q "system store: $TMP/anchors" "$TMP/guard.out" && ! grep -q "/usr/local\|/etc/pki" "$TMP/guard.out" &&
	 [ ! -e "$SIGIL_HOME/ca" ]' "$TMP/guard.out"
if grep -q "/usr/local\|/etc/pki" "$TMP/guard.out"; then
	echo "the overrides are not honoured: stopping before anything touches the system"
	finish
fi

if have certutil; then
	mkdir -p "$HOME/.pki/nssdb" "$HOME/.mozilla/firefox/p1.default" "$HOME/.mozilla/firefox/p2.dev"
	for d in "$HOME/.pki/nssdb" "$HOME/.mozilla/firefox/p1.default" "$HOME/.mozilla/firefox/p2.dev"; do
		certutil -N -d "sql:$d" --empty-password >/dev/null 2>&1
	done
	# Something of the user's own in one database: it must stay.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/own.key" -subj "/CN=own CA" \
		-addext "basicConstraints=critical,CA:TRUE" -days 2 -out "$TMP/own.crt" >/dev/null 2>&1
	certutil -A -d "sql:$HOME/.pki/nssdb" -t "C,," -n "my own CA" -i "$TMP/own.crt" >/dev/null 2>&1
	NSS=1
else
	skip "certutil (libnss3-tools) is not installed: NSS databases not tested"
	NSS=0
fi
before=$(snapshot)

# ---- install ----
timeout $T "$SIGIL" trust >"$TMP/i.out" 2>"$TMP/i.err"
rc=$?
FP=$(sed -n 's/^CA: CN=sigil development CA (SHA-256 \([0-9a-f]*\))$/\1/p' "$TMP/i.out")
FP16=$(echo "$FP" | cut -c1-16)
NICK="CN=sigil development CA (sigil $FP16)"
check "sigil trust: exit 0, the development CA made and named with its fingerprint" \
	'[ $rc -eq 0 ] && [ -s "$SIGIL_HOME/ca/root.crt" ] && [ ${#FP} -eq 64 ]' "$TMP/i.out" "$TMP/i.err"
want=$(openssl x509 -in "$SIGIL_HOME/ca/root.crt" -outform der | openssl dgst -sha256 -r | cut -d" " -f1)
check "the fingerprint is the CA's SHA-256" '[ "$FP" = "$want" ]' "$TMP/i.out"
check "system store: the CA written as a .crt and the update command run" \
	'grep -q "system store: wrote $TMP/anchors/sigil-$FP16.crt" "$TMP/i.out" &&
	 cmp -s "$TMP/anchors/sigil-$FP16.crt" "$SIGIL_HOME/ca/root.crt" && [ "$(cat "$TMP/update.log")" = ran ]' \
	"$TMP/i.out"
check "the bundle the update builds lets openssl verify the development server's certificate" \
	'openssl verify -CAfile "$TMP/bundle.pem" "$SIGIL_HOME/ca/localhost.crt" >/dev/null 2>&1' "$TMP/i.out"
if [ $NSS -eq 1 ]; then
	for d in "$HOME/.pki/nssdb" "$HOME/.mozilla/firefox/p1.default" "$HOME/.mozilla/firefox/p2.dev"; do
		certutil -L -d "sql:$d" >"$TMP/l.out" 2>&1
		check "NSS $(echo "$d" | sed "s|$HOME/||"): added with trust C,, and said so" \
			'grep -q "^$NICK *C,," "$TMP/l.out" && grep -q "NSS $d: added \"$NICK\"" "$TMP/i.out"' "$TMP/l.out" "$TMP/i.out"
	done
	# certutil verifies the dev server's certificate with what it now trusts.
	certutil -A -d "sql:$HOME/.pki/nssdb" -t ",," -n leaf -i "$SIGIL_HOME/ca/localhost.crt" >/dev/null 2>&1
	certutil -V -d "sql:$HOME/.pki/nssdb" -n leaf -u V >"$TMP/v.out" 2>&1
	check "NSS now validates the development server's certificate" 'grep -q "certificate is valid" "$TMP/v.out"' "$TMP/v.out"
	certutil -D -d "sql:$HOME/.pki/nssdb" -n leaf >/dev/null 2>&1
fi
check "what changed is recorded in \$SIGIL_HOME/trusted" \
	'grep -q "^$FP	system	$TMP/anchors/sigil-$FP16.crt$" "$SIGIL_HOME/trusted" &&
	 [ $NSS -eq 0 ] || [ "$(grep -c "	nss	" "$SIGIL_HOME/trusted")" -eq 3 ]' "$SIGIL_HOME/trusted"

# Again: nothing new, said so.
timeout $T "$SIGIL" trust >"$TMP/i2.out" 2>&1
rc=$?
check "a second sigil trust: already trusted everywhere, nothing added" \
	'[ $rc -eq 0 ] && grep -q "system store: already trusted" "$TMP/i2.out" && ! grep -q "added\|wrote" "$TMP/i2.out" &&
	 [ "$(cat "$TMP/update.log")" = ran ]' "$TMP/i2.out"

# ---- --ca FILE, and refusals ----
timeout $T "$SIGIL" ca init "$TMP/ca2" --name "Second CA" >/dev/null 2>&1
timeout $T "$SIGIL" trust --ca "$TMP/ca2/root.crt" --no-nss >"$TMP/c.out" 2>&1
rc=$?
check "--ca FILE --no-nss: that CA into the system store only" \
	'[ $rc -eq 0 ] && grep -q "^CA: CN=Second CA" "$TMP/c.out" && [ "$(ls "$TMP/anchors" | wc -l)" -eq 2 ] && ! grep -q NSS "$TMP/c.out"' \
	"$TMP/c.out"
timeout $T "$SIGIL" trust --ca "$SIGIL_HOME/ca/localhost.crt" >"$TMP/leaf.out" 2>&1
rc=$?
check "--ca with a leaf certificate: refused, exit 7" \
	'[ $rc -eq 7 ] && grep -q "not a CA certificate" "$TMP/leaf.out"' "$TMP/leaf.out"
timeout $T "$SIGIL" trust --ca "$TMP/nope.crt" >"$TMP/nope.out" 2>&1
rc=$?
check "--ca with a missing file: exit 7" '[ $rc -eq 7 ] && grep -q "nope.crt: No such file" "$TMP/nope.out"' "$TMP/nope.out"
timeout $T "$SIGIL" trust --no-system --no-nss >"$TMP/none.out" 2>&1
rc=$?
check "--no-system --no-nss: a usage error" '[ $rc -eq 2 ]' "$TMP/none.out"
# A system store that cannot be written: said, exit 1, NSS still done.
mkdir -p "$TMP/ro"
chmod 555 "$TMP/ro"
if [ ! -w "$TMP/ro" ]; then
	timeout $T "$SIGIL" trust --ca "$TMP/ca2/root.crt" --system-dir "$TMP/ro" --update-command none >"$TMP/ro.out" 2>&1
	rc=$?
	check "an unwritable system store: exit 1 and the way out named" \
		'[ $rc -eq 1 ] && grep -q "cannot write $TMP/ro/sigil-.*Permission denied.*sudo sigil trust" "$TMP/ro.out"' "$TMP/ro.out"
else
	skip "running as root: a read-only directory is writable (a file in the way is tried instead)"
fi
chmod 755 "$TMP/ro"
: >"$TMP/notadir"
timeout $T "$SIGIL" trust --ca "$TMP/ca2/root.crt" --system-dir "$TMP/notadir" --update-command none --no-nss \
	>"$TMP/nd.out" 2>&1
rc=$?
check "a system store that cannot be written: exit 1 with the reason" \
	'[ $rc -eq 1 ] && grep -q "cannot write $TMP/notadir/sigil-.*Not a directory" "$TMP/nd.out"' "$TMP/nd.out"

# ---- --dry-run and --uninstall ----
mid=$(snapshot)
timeout $T "$SIGIL" trust --uninstall --dry-run >"$TMP/ud.out" 2>&1
rc=$?
check "--uninstall --dry-run: shows what it would remove, changes nothing" \
	'[ $rc -eq 0 ] && grep -q "would remove $TMP/anchors/sigil-$FP16.crt" "$TMP/ud.out" && [ "$(snapshot)" = "$mid" ]' \
	"$TMP/ud.out"
timeout $T "$SIGIL" trust --uninstall >"$TMP/u.out" 2>&1
rc=$?
check "--uninstall: the development CA's changes removed and said" \
	'[ $rc -eq 0 ] && grep -q "removed $TMP/anchors/sigil-$FP16.crt" "$TMP/u.out" && [ ! -e "$TMP/anchors/sigil-$FP16.crt" ] &&
	 [ "$(grep -c ran "$TMP/update.log")" -ge 2 ]' "$TMP/u.out"
check "... and only those: the second CA stays" '[ "$(ls "$TMP/anchors" | wc -l)" -eq 1 ] && grep -q "Second CA" "$TMP/anchors"/*.crt ||
	openssl x509 -in "$TMP/anchors"/*.crt -noout -subject | grep -q "Second CA"' "$TMP/u.out"
if [ $NSS -eq 1 ]; then
	certutil -L -d "sql:$HOME/.pki/nssdb" >"$TMP/l.out" 2>&1
	check "... the user's own NSS entry stays, ours is gone" \
		'grep -q "^my own CA" "$TMP/l.out" && ! grep -q "sigil $FP16" "$TMP/l.out"' "$TMP/l.out"
fi
timeout $T "$SIGIL" trust --uninstall --ca "$TMP/ca2/root.crt" >"$TMP/u2.out" 2>&1
rc=$?
check "--uninstall --ca FILE: that CA's changes removed" '[ $rc -eq 0 ] && [ "$(ls "$TMP/anchors" | wc -l)" -eq 0 ]' "$TMP/u2.out"
check "everything is as before sigil trust ran" '[ "$(snapshot)" = "$before" ] && [ ! -e "$SIGIL_HOME/trusted" ]' "$TMP/u2.out"
timeout $T "$SIGIL" trust --uninstall >"$TMP/u3.out" 2>&1
rc=$?
check "--uninstall with nothing recorded: exit 0, says so" '[ $rc -eq 0 ] && grep -q "nothing to remove" "$TMP/u3.out"' "$TMP/u3.out"
finish
