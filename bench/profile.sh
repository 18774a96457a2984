#!/usr/bin/env bash
# bench/profile.sh: where the server's CPU goes per connection (TLS 1.3
# full handshake X25519 + ECDSA P-256, one GET, close), for `make
# bench-profile`.
#
#   1. callgrind: `sigil serve --threads 1` under valgrind, driven by the
#      neutral client (shared/bench/hsload) for PROF_N connections
#      (default 300); instrumentation is switched on after start-up and a warm-up, so the
#      figures are per connection only.  Summarised by bench/cgsum.py.
#      Then twice more driven by bench/clientload (sigil's client, since
#      hsload's OpenSSL 3.0 has no ML-KEM): offering x25519 (that
#      client's baseline) and X25519MLKEM768.
#   0. bench/primitives.c: native CPU of each handshake step through
#      src/crypto/ next to libcrypto used directly, and a whole handshake
#      in memory with the server's calls timed.
#   2. perf (when `perf stat -e task-clock true` works): `perf stat` and
#      `perf record` on the native server for PERF_N connections (default
#      3000): user vs kernel time, and the top symbols.
# Output files stay in $BUILD/bench/profile/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
shared=${SIGIL_BENCH:-$(cd "$top/../shared/bench" 2>/dev/null && pwd || true)}
if [ -z "$shared" ] || [ ! -f "$shared/hsload.c" ]; then
	echo "bench-profile: the neutral instruments are missing: put shared/bench beside the clone (../shared/bench) or set SIGIL_BENCH" >&2
	exit 2
fi
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD;; esac
SIGIL=${SIGIL:-$BUILD/sigil}
PROF_N=${PROF_N:-300}
PERF_N=${PERF_N:-3000}
# libsigil.a's own dependencies besides libcrypto (the Makefile's COMP_LDLIBS:
# certificate compression, RFC 8879).
sigil_libs="-lbrotlienc -lbrotlidec -lz -lzstd"
out=$BUILD/bench/profile
mkdir -p "$out"
work=$(mktemp -d /tmp/sigil-prof.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cc -O2 -o "$out/hsload" "$shared/hsload.c" -lssl -lcrypto
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
	-out "$work/cert.pem" -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
mkdir -p "$work/root"; printf 'hello, world\n' >"$work/root/index.html"

# ---- native cost of each step, through sigil's crypto layer and libcrypto ----
cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-I"$top/include" -I"$top/src" -o "$out/primitives" "$here/primitives.c" "$BUILD/libsigil.a" \
	-lssl -lcrypto $sigil_libs -lsqlite3 -lpthread
BENCH_CERT=$work/cert.pem BENCH_KEY=$work/key.pem "$out/primitives" "${PRIM_N:-2000}" | tee "$out/primitives.txt"
echo

wait_port() { for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# ---- callgrind ----
if command -v valgrind >/dev/null; then
	p=$((20000 + RANDOM % 12000))
	rm -f "$out"/callgrind.out*
	valgrind --tool=callgrind --instr-atstart=no --dump-instr=no --separate-threads=no \
		--callgrind-out-file="$out/callgrind.out" \
		"$SIGIL" serve --listen "127.0.0.1:$p" --cert "$work/cert.pem" --key "$work/key.pem" \
		--root "$work/root" --threads 1 >"$out/callgrind.log" 2>&1 &
	vpid=$!; pids+=("$vpid")
	wait_port "$p" || { cat "$out/callgrind.log"; exit 1; }
	"$out/hsload" 127.0.0.1 "$p" 20 >/dev/null       # warm-up, not collected
	callgrind_control -i on "$vpid" >/dev/null
	"$out/hsload" 127.0.0.1 "$p" "$PROF_N"
	callgrind_control -i off "$vpid" >/dev/null
	kill -TERM "$vpid"; wait "$vpid" 2>/dev/null || true
	echo "== callgrind: sigil serve, per connection (n=$PROF_N)"
	python3 "$here/cgsum.py" "$out/callgrind.out" "$PROF_N" | tee "$out/callgrind.txt"

	# The hybrid: the same server, driven by sigil's client (with x25519
	# first, the same client's baseline; then offering X25519MLKEM768).
	cc -std=c11 -D_GNU_SOURCE -O2 -I"$top/include" -o "$out/clientload" "$here/clientload.c" "$BUILD/libsigil.a" \
		-lssl -lcrypto $sigil_libs -lsqlite3 -lpthread
	for g in x25519 X25519MLKEM768:x25519; do
		tag=clientload-${g%%:*}
		p=$((20000 + RANDOM % 12000))
		rm -f "$out/callgrind-$tag.out"*
		valgrind --tool=callgrind --instr-atstart=no --dump-instr=no --separate-threads=no \
			--callgrind-out-file="$out/callgrind-$tag.out" \
			"$SIGIL" serve --listen "127.0.0.1:$p" --cert "$work/cert.pem" --key "$work/key.pem" \
			--root "$work/root" --threads 1 >"$out/callgrind-$tag.log" 2>&1 &
		vpid=$!; pids+=("$vpid")
		wait_port "$p" || { cat "$out/callgrind-$tag.log"; exit 1; }
		"$out/clientload" sigil 127.0.0.1 "$p" 20 --groups "$g" >/dev/null
		callgrind_control -i on "$vpid" >/dev/null
		"$out/clientload" sigil 127.0.0.1 "$p" "$PROF_N" --groups "$g"
		callgrind_control -i off "$vpid" >/dev/null
		kill -TERM "$vpid"; wait "$vpid" 2>/dev/null || true
		echo
		echo "== callgrind: sigil serve, client bench/clientload offering $g, per connection (n=$PROF_N)"
		python3 "$here/cgsum.py" "$out/callgrind-$tag.out" "$PROF_N" | tee "$out/callgrind-$tag.txt"
	done
fi

# ---- perf ----
# In a VM the hardware counters are often missing (instructions "not
# supported"); task-clock and the sampled profile (cpu-clock) still work.
top30() { awk -v n="${1:-30}" '/^ +[0-9]+\.[0-9]+%/ && c < n {print; c++}'; }
if perf stat -e task-clock true >/dev/null 2>&1; then
	p=$((20000 + RANDOM % 12000))
	"$SIGIL" serve --listen "127.0.0.1:$p" --cert "$work/cert.pem" --key "$work/key.pem" \
		--root "$work/root" --threads 1 >"$out/perf-serve.log" 2>&1 &
	spid=$!; pids+=("$spid")
	wait_port "$p"
	"$out/hsload" 127.0.0.1 "$p" 100 >/dev/null
	perf stat -e task-clock,context-switches,instructions -p "$spid" -o "$out/perf-stat.txt" &
	ps=$!
	sleep 0.3
	"$out/hsload" 127.0.0.1 "$p" "$PERF_N" >/dev/null
	kill -INT "$ps"; wait "$ps" 2>/dev/null || true
	perf record -q -p "$spid" -o "$out/perf.data" 2>/dev/null &
	pr=$!
	sleep 0.3
	"$out/hsload" 127.0.0.1 "$p" "$PERF_N" >/dev/null
	kill -INT "$pr"; wait "$pr" 2>/dev/null || true
	kill "$spid"; wait "$spid" 2>/dev/null || true
	echo
	echo "== perf stat: sigil serve, $PERF_N connections"
	awk -v n="$PERF_N" '/task-clock/{gsub(",","",$1); printf "  %.1f us task-clock per connection\n", $1*1000/n}
		/context-switches/{gsub(",","",$1); printf "  %.2f context switches per connection\n", $1/n}
		/instructions/ && $1 !~ /not/ {gsub(",","",$1); printf "  %.0f instructions per connection\n", $1/n}' "$out/perf-stat.txt"
	echo
	echo "== perf record (cpu-clock samples): share by object"
	perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | top30 8
	echo
	echo "== perf record: top symbols (self)"
	perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | top30 30
fi
