#!/bin/sh
# The man pages (issue 21): sigil(1) and a page per command, made by
# `make man` into $BUILD/man from man/*.1.in and the program's own tables
# (man/gen.sh).  Every command of `sigil --help` has its page; each page
# has the sections a man page has; every option of every command's table
# (as `sigil CMD --help` lists it) is an entry of its page, with the
# default --help shows; the EXIT STATUS list is `sigil --help`'s table;
# groff (and man, and mandoc when installed) reports no warning.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }
export SIGIL_HOME="$TMP/home"
MAN=$BUILD/man
have groff || { skip "man.sh: groff (groff-base) is not installed"; finish; }

PAGES="sigil sigil-serve sigil-get sigil-verify sigil-inspect sigil-ca sigil-trust"
# render PAGE: the page as text, wide and without hyphenation, so that an
# option or a default is never split across lines.
render() {
	groff -man -Tutf8 -rLL=220n -rHY=0 "$MAN/$1.1" 2>/dev/null | col -bx
}
# entries: "OPTION<TAB>text" for each option entry of a rendered page
# (standard input): the .TP tag at 7 columns, the text at 14.
entries() {
	awk '
	function out() { if (name != "") { gsub(/  +/, " ", text); print name "\t" text } name = "" }
	/^       [^ ]/ {
		out()
		if (match($0, /^       (-[A-Za-z0-9], )?--[a-z0-9-]+/)) {
			tag = substr($0, 8, RLENGTH - 7); sub(/^-[A-Za-z0-9], /, "", tag)
			name = tag; text = substr($0, RLENGTH + 1)
		}
		next
	}
	/^              / { if (name != "") text = text " " substr($0, 15); next }
	/^[^ ]/ { out() }
	/^   [^ ]/ { out() }
	END { out() }'
}
# help_entries: the same from `sigil CMD --help` (standard input): the
# option at 2 columns, its text from column 31, continued at 30 blanks.
help_entries() {
	awk '
	function out() { if (name != "") { gsub(/  +/, " ", text); print name "\t" text } name = "" }
	/^  -/ {
		out()
		match($0, /^  (-[A-Za-z0-9], )?--[a-z0-9-]+/)
		tag = substr($0, 3, RLENGTH - 2); sub(/^-[A-Za-z0-9], /, "", tag)
		# A long option and value push the text to the next line.
		name = tag; text = substr($0, 29, 2) == "  " ? substr($0, 31) : ""
		next
	}
	/^                              / { if (name != "") text = text " " substr($0, 31); next }
	{ out() }
	END { out() }'
}
# same_options LABEL HELPFILE MANTEXT: every option of the --help output is
# an entry of the man text, and an option whose --help shows "(default X)"
# shows "(default: X)" there.
same_options() {
	label=$1
	help_entries <"$2" >"$TMP/h.ent"
	entries <"$3" >"$TMP/m.ent"
	missing=
	nodef=
	while IFS='	' read -r name text; do
		mtext=$(awk -F '\t' -v n="$name" '$1 == n { print $2 }' "$TMP/m.ent")
		if [ -z "$mtext" ]; then
			missing="$missing $name"
			continue
		fi
		def=$(printf '%s\n' "$text" | sed -n 's/.*(default \([^)]*\)).*/\1/p')
		if [ -n "$def" ] && ! printf '%s\n' "$mtext" | grep -qF -e "(default: $def)" -e "(default $def)"; then
			nodef="$nodef $name($def)"
		fi
	done <"$TMP/h.ent"
	n=$(wc -l <"$TMP/h.ent")
	check "$label: each of its $n options is an entry of the page${missing:+ (missing:$missing)}" \
		'[ "$n" -gt 1 ] && [ -z "$missing" ]' "$TMP/h.ent" "$TMP/m.ent"
	check "$label: with the default --help shows${nodef:+ (not:$nodef)}" '[ -z "$nodef" ]'
}

for p in $PAGES; do
	[ -s "$MAN/$p.1" ] || fail "$p(1): $MAN/$p.1 exists (make man)"
done
[ -s "$MAN/sigil.1" ] || finish

# Every command has its page, and sigil(1) lists it.
"$SIGIL" --help >"$TMP/help" 2>&1
cmds=$(sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' "$TMP/help")
render sigil >"$TMP/sigil.txt"
nopage=
for c in $cmds; do
	[ -s "$MAN/sigil-$c.1" ] && grep -q "sigil-$c(1)" "$TMP/sigil.txt" || nopage="$nopage $c"
done
check "every command of sigil --help ($(echo $cmds)) has its page, listed in sigil(1)" \
	'[ -n "$cmds" ] && [ -z "$nopage" ]' "$TMP/sigil.txt"

V=$("$SIGIL" --version | sed 's/^sigil //')
# The exit statuses of sigil --help, as "N text".
sed -n '/^exit status:/,$s/^  \([0-9]\)  \(.*\)$/\1 \2/p' "$TMP/help" >"$TMP/exit.help"
for p in $PAGES; do
	[ -s "$MAN/$p.1" ] || continue
	groff -man -Tutf8 -ww -z "$MAN/$p.1" >"$TMP/groff.log" 2>&1
	check "$p(1): groff -man -ww reports no warning" '[ ! -s "$TMP/groff.log" ]' "$TMP/groff.log"
	if have man; then
		MANWIDTH=80 man --warnings -l "$MAN/$p.1" >/dev/null 2>"$TMP/man.log" </dev/null
		check "$p(1): man --warnings -l reports nothing" '[ ! -s "$TMP/man.log" ]' "$TMP/man.log"
	fi
	if have mandoc; then
		mandoc -Tlint -Wwarning "$MAN/$p.1" >"$TMP/mandoc.log" 2>&1
		check "$p(1): mandoc -Tlint: no warning" '[ ! -s "$TMP/mandoc.log" ]' "$TMP/mandoc.log"
	fi
	render "$p" >"$TMP/$p.txt"
	nosec=
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
		grep -qx "$s" "$TMP/$p.txt" || nosec="$nosec, $s"
	done
	check "$p(1): NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, FILES, EXAMPLES, SEE ALSO${nosec:+ (missing${nosec#,})}" \
		'[ -z "$nosec" ]' "$TMP/$p.txt"
	check "$p(1): the NAME line and the version ($V) in the footer" \
		'sed -n "/^NAME$/{n;p;}" "$TMP/$p.txt" | grep -q "^       $p - " && tail -n 2 "$TMP/$p.txt" | grep -q "sigil $V"' \
		"$TMP/$p.txt"
	# EXIT STATUS: "N text" from the .TP list (with the period the page
	# adds), against sigil --help.
	sed -n '/^EXIT STATUS$/,/^[A-Z]/p' "$TMP/$p.txt" | awk '
		/^       [0-9]      / { if (t != "") print t; t = substr($0, 8, 1) " " substr($0, 15); next }
		/^              / { if (t != "") t = t " " substr($0, 15); next }
		END { if (t != "") print t }' | sed 's/  */ /g; s/\.$//' >"$TMP/exit.man"
	check "$p(1): EXIT STATUS is sigil --help's table" \
		'[ -s "$TMP/exit.help" ] && cmp -s "$TMP/exit.help" "$TMP/exit.man"' "$TMP/exit.help" "$TMP/exit.man"
done

# Every option of every command, with its default.
for c in serve get verify inspect trust; do
	"$SIGIL" "$c" --help >"$TMP/help.$c" 2>&1
	sed -n '/^OPTIONS$/,/^[A-Z]/p' "$TMP/sigil-$c.txt" >"$TMP/opts.$c"
	same_options "sigil-$c(1)" "$TMP/help.$c" "$TMP/opts.$c"
done
# sigil ca: each subcommand in its own subsection of OPTIONS.
"$SIGIL" ca --help >"$TMP/help.ca" 2>&1
subs=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\)  .*/\1/p' "$TMP/help.ca")
check "sigil ca --help lists its commands ($(echo $subs))" '[ "$(echo $subs | wc -w)" -ge 7 ]' "$TMP/help.ca"
for sc in $subs; do
	"$SIGIL" ca "$sc" --help >"$TMP/help.ca.$sc" 2>&1
	awk -v h="   sigil ca $sc " 'index($0, h) == 1 { on = 1; next } on && /^   [^ ]/ { exit } on && /^[^ ]/ { exit } on' \
		"$TMP/sigil-ca.txt" >"$TMP/opts.ca.$sc"
	check "sigil-ca(1): a subsection for sigil ca $sc" '[ -s "$TMP/opts.ca.$sc" ]' "$TMP/sigil-ca.txt"
	same_options "sigil-ca(1), sigil ca $sc" "$TMP/help.ca.$sc" "$TMP/opts.ca.$sc"
done

# The checker itself: a page with an option missing and a roff mistake.
sed '/^\\fB\\-\\-listen\\fR/,+1d; s/^\.SH FILES$/.SH FILES\n.BOGUS/' "$MAN/sigil-serve.1" >"$TMP/broken.1"
groff -man -Tutf8 -ww -z "$TMP/broken.1" >"$TMP/groff.log" 2>&1
check "checker: groff warns about a bad macro" '[ -s "$TMP/groff.log" ]'
groff -man -Tutf8 -rLL=220n -rHY=0 "$TMP/broken.1" 2>/dev/null | col -bx | sed -n '/^OPTIONS$/,/^[A-Z]/p' >"$TMP/broken.txt"
help_entries <"$TMP/help.serve" >"$TMP/h.ent"
entries <"$TMP/broken.txt" >"$TMP/m.ent"
check "checker: an option missing from a page is caught" \
	'grep -q "^--listen	" "$TMP/h.ent" && ! grep -q "^--listen	" "$TMP/m.ent" && grep -q "^--cert	" "$TMP/m.ent"' \
	"$TMP/m.ent"
# The default is read from the page, so the checker keeps working when it changes.
hmdef=$(sed -n '/^\\fB\\-\\-handshake\\-memory\\fR/{n;s/.*(default: \\fB\([0-9]*\)\\fR).*/\1/p;}' "$MAN/sigil-serve.1")
[ -n "$hmdef" ] || fail "checker: sigil-serve(1) gives a default for --handshake-memory"
sed "s/ (default: \\\\fB$hmdef\\\\fR)//" "$MAN/sigil-serve.1" >"$TMP/nodef.1"
groff -man -Tutf8 -rLL=220n -rHY=0 "$TMP/nodef.1" 2>/dev/null | col -bx | sed -n '/^OPTIONS$/,/^[A-Z]/p' >"$TMP/nodef.txt"
# In a subshell: its FAIL is the checker's success, not a failure here.
(same_options "checker (a default taken out of sigil-serve(1))" "$TMP/help.serve" "$TMP/nodef.txt") >"$TMP/nodef.out"
check "checker: a default missing from a page is caught" \
	'grep -q "^FAIL checker.*(not: --handshake-memory($hmdef))" "$TMP/nodef.out"' "$TMP/nodef.out"
finish
