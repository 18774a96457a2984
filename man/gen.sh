#!/bin/sh
# man/gen.sh SIGIL PAGE.1.in: the man page, on standard output.
#
# The prose of each page is written by hand in man/PAGE.1.in; what the
# program's own tables hold is not written twice.  A line that is exactly
#   @sigil ARGS@
# is replaced by what `SIGIL ARGS` prints, e.g. "@sigil serve --help-man@"
# (every option of the command's table with its default, as .TP
# paragraphs, tools/opt.c) or "@sigil --help-man exit@" (the exit
# statuses, tools/main.c).  @VERSION@ is the program's version and @DATE@
# the date of the build (SOURCE_DATE_EPOCH when set, for a reproducible
# page).  A command that fails fails the page.
set -e
sigil=$1
in=$2
[ -x "$sigil" ] && [ -f "$in" ] || { echo "usage: man/gen.sh SIGIL PAGE.1.in" >&2; exit 2; }
version=$("$sigil" --version | sed 's/^sigil //')
if [ -n "$SOURCE_DATE_EPOCH" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
	date=$(date -u +%Y-%m-%d)
fi
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	@sigil\ *@)
		args=${line#@sigil }
		args=${args%@}
		# The arguments are words without quotes: split them.
		# shellcheck disable=SC2086
		"$sigil" $args >>"$tmp" || { echo "man/gen.sh: $in: '$sigil $args' failed" >&2; exit 1; }
		;;
	*)
		printf '%s\n' "$line" >>"$tmp"
		;;
	esac
done <"$in"
sed -e "s|@VERSION@|$version|g" -e "s|@DATE@|$date|g" "$tmp"
