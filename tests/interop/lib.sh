# Shared helpers for the interop scripts (POSIX sh; sourced, not run).
#
#   . "$(dirname "$0")/lib.sh"
#
# Gives: $PEER (tlspeer), $SIGIL (the sigil program), $TMP (scratch dir,
# removed on exit), certificates in $TMP (gen_certs), free_port,
# start_bg/wait_for/wait_bg for background processes (all killed by the
# exit trap), check helpers that print "ok NAME" / "FAIL NAME" and a final
# line "N passed, N failed" (finish).
#
# SIGIL_WRAP (make valgrind): a command that $PEER and $SIGIL run under,
# e.g. "valgrind --leak-check=full ...": they become small scripts that
# exec it with the real program.  Peers (openssl, curl, gnutls) are not
# wrapped.  TMUL multiplies every time limit (T, start_bg, wait_for);
# it is 1, or 10 with a wrapper, unless set.
#
# Run directly (tests/run.sh runs every tests/*/*.sh) it only reports that it
# has no checks of its own.

BUILD=${BUILD:-build}
LIB_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in
/*) ;;
*) [ -d "$BUILD" ] || BUILD=$LIB_ROOT/$BUILD ;;
esac
PEER=$BUILD/tests/tlspeer
SIGIL=$BUILD/sigil
if [ -n "$SIGIL_WRAP" ]; then TMUL=${TMUL:-10}; else TMUL=${TMUL:-1}; fi
T=$(( ${T:-10} * TMUL ))	# seconds allowed for one client command
NL='
'
passed=0
failed=0
BG_PIDS=
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sigil-interop.XXXXXX") || exit 1

if [ -n "$SIGIL_WRAP" ]; then
	mkdir "$TMP/wrap" || exit 1
	for prog in "$PEER" "$SIGIL"; do
		real=$(cd "$(dirname "$prog")" 2>/dev/null && pwd)/$(basename "$prog")
		w=$TMP/wrap/$(basename "$prog")
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$SIGIL_WRAP" "$real" >"$w"
		chmod +x "$w"
	done
	PEER=$TMP/wrap/tlspeer
	SIGIL=$TMP/wrap/sigil
fi

cleanup() {
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	# Under a wrapper, let every process finish its report (valgrind's
	# leak check runs after the SIGTERM) before the caller reads it.
	if [ -n "$SIGIL_WRAP" ]; then
		for p in $BG_PIDS; do
			wait "$p" 2>/dev/null
		done
	fi
	exec 3>&- 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {
	passed=$((passed + 1))
	echo "ok $1"
}

# fail NAME [LOG...]: count a failure and show the interesting lines.
fail() {
	name=$1
	shift
	failed=$((failed + 1))
	echo "FAIL $name"
	for f in "$@"; do
		[ -f "$f" ] || continue
		echo "  --- $(basename "$f")"
		grep -v -e '^x*$' -e '^    ' -e '^   [0-9]' "$f" | cut -c1-200 | tail -n 15 | sed 's/^/  | /'
	done
}

skip() {
	echo "SKIP $*"
}

# check NAME COND LOG...: ok when the command COND (a string for eval)
# succeeds, otherwise FAIL with the logs.
check() {
	name=$1
	cond=$2
	shift 2
	if eval "$cond"; then ok "$name"; else fail "$name" "$@"; fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

have() {
	command -v "$1" >/dev/null 2>&1
}

port_seq=0
free_port() {
	if have python3; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' && return
	fi
	port_seq=$((port_seq + 1))
	echo $((20000 + ($$ * 7 + port_seq * 13) % 40000))
}

# start_bg LOG SECONDS CMD...: run CMD in the background (bounded by
# timeout), stdout+stderr to LOG, stdin from /dev/null.  Sets BG.
start_bg() {
	log=$1
	secs=$(($2 * TMUL))
	shift 2
	timeout "$secs" "$@" >"$log" 2>&1 </dev/null 3>&- &
	BG=$!
	BG_PIDS="$BG_PIDS $BG"
}

# start_bg_fd3 LOG SECONDS CMD...: as start_bg, but stdin is a FIFO that the
# script writes through fd 3 (send3 TEXT); closing fd 3 (close3) is EOF.
start_bg_fd3() {
	log=$1
	secs=$(($2 * TMUL))
	shift 2
	fifo=$TMP/fifo.$$.$port_seq
	port_seq=$((port_seq + 1))
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	timeout "$secs" "$@" >"$log" 2>&1 <"$fifo" 3>&- &
	BG=$!
	BG_PIDS="$BG_PIDS $BG"
	exec 3>"$fifo"
	rm -f "$fifo"
}

send3() {
	printf '%s' "$1" >&3
}

close3() {
	exec 3>&-
}

# wait_for LOG REGEX [SECONDS]: wait until LOG has a line matching REGEX
# (SECONDS times TMUL at most).
wait_for() {
	n=$(( ${3:-5} * 20 * TMUL ))
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# wait_bg PID: wait for a background process; its exit status.
wait_bg() {
	wait "$1"
}

# peer_server LOG ARGS...: start "tlspeer server PORT ARGS" on a fresh port
# ($PORT) and wait until it listens.  Sets SPID.
peer_server() {
	log=$1
	shift
	PORT=$(free_port)
	start_bg "$log" 20 "$PEER" server "$PORT" "$@"
	SPID=$BG
	wait_for "$log" '^listening' 5
}

# gen_certs: self-signed certificates in $TMP: p256, p384, rsa, ed25519
# ($TMP/NAME.crt, $TMP/NAME.key).
gen_certs() {
	for kt in p256 p384 rsa ed25519; do
		case $kt in
		p256) alg="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
		p384) alg="-newkey ec -pkeyopt ec_paramgen_curve:P-384" ;;
		rsa) alg="-newkey rsa:2048" ;;
		ed25519) alg="-newkey ed25519" ;;
		esac
		# shellcheck disable=SC2086
		timeout 30 openssl req -x509 $alg -nodes -days 2 -subj "/CN=localhost" \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout "$TMP/$kt.key" -out "$TMP/$kt.crt" >"$TMP/req.log" 2>&1 || {
			echo "cannot make the $kt certificate:"
			cat "$TMP/req.log"
			return 1
		}
	done
}

# Sourcing this file from itself (run directly) would run no checks.
case $0 in
*/lib.sh | lib.sh)
	echo "lib.sh: shared helpers, no checks of its own"
	finish
	;;
esac
