#!/usr/bin/env bash
# bench/syscalls.sh: system calls of `sigil serve --threads 1` per
# connection (full handshake + GET + close, shared/bench/hsload as the
# client), counted with `perf stat` on the syscall tracepoints of the
# server process.  strace -c is not used: it slows the server enough that
# the client's segments have always arrived, and the EAGAIN reads vanish.
#   bench/syscalls.sh [N]        (default 1000; SIGIL=path/to/sigil)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
shared=${SIGIL_BENCH:-$top/../shared/bench}
SIGIL=${SIGIL:-$top/build/sigil}
N=${1:-1000}
work=$(mktemp -d /tmp/sigil-sys.XXXXXX)
sp=
cleanup() { [ -n "$sp" ] && kill "$sp" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cc -O2 -o "$work/hsload" "$shared/hsload.c" -lssl -lcrypto
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
	-out "$work/cert.pem" -days 30 -subj /CN=localhost 2>/dev/null
mkdir -p "$work/root"; printf 'hello, world\n' >"$work/root/index.html"
p=$((20000 + RANDOM % 30000))
"$SIGIL" serve --listen "127.0.0.1:$p" --cert "$work/cert.pem" --key "$work/key.pem" --root "$work/root" \
	--threads 1 >/dev/null 2>&1 &
sp=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
"$work/hsload" 127.0.0.1 "$p" 20 >/dev/null
ev=raw_syscalls:sys_enter
for s in accept4 recvfrom sendto epoll_wait epoll_ctl ioctl getpid close openat openat2 newfstatat pread64 \
	setsockopt getsockname clock_gettime; do ev="$ev,syscalls:sys_enter_$s"; done
perf stat -x, -e "$ev" -e syscalls:sys_exit_recvfrom --filter 'ret == -11' \
	-e syscalls:sys_exit_accept4 --filter 'ret == -11' -p "$sp" -o "$work/pc.txt" &
pp=$!
sleep 0.5
"$work/hsload" 127.0.0.1 "$p" "$N" >/dev/null
sleep 0.2
kill -INT "$pp"; wait "$pp" 2>/dev/null || true
echo "system calls of sigil serve per connection ($N hsload connections):"
awk -F, -v n="$N" '/^[0-9]/ { e=$3; sub("raw_syscalls:sys_enter", "all", e); sub("syscalls:sys_enter_", "", e);
	if (e ~ /sys_exit_/) { sub("syscalls:sys_exit_", "", e); e=e" EAGAIN" } printf "  %-22s %7.2f\n", e, $1/n }' "$work/pc.txt"
