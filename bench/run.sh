#!/usr/bin/env bash
# bench/run.sh: the benchmarks of issue 9, run by `make bench`.
#
#   bench/run.sh [hs] [bulk] [mem] [client] [threads] [pq]   (default: all six)
#
# Environment: BUILD (default build), SIGIL (default $BUILD/sigil),
# HS_N / HS_ROUNDS (handshake part, default 3000 / 5), BULK_MIB (default
# 1024), BULK_ROUNDS (default 5), MEM_CONNS (default 10000), CL_N /
# CL_ROUNDS (client part, default 1000 / 3), PQ_N / PQ_ROUNDS (post-quantum
# part, default 2000 / 5).
#
# Every part runs on loopback with one server thread and prints a table
# with the ratio to OpenSSL or nginx.  Figures are CPU time from /proc or
# getrusage, so they hold on a shared machine better than wall time does;
# they are never asserted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
# The neutral instruments (load generator, baseline servers) live outside
# the repository, in ../shared/bench beside the clone, or in SIGIL_BENCH.
shared=${SIGIL_BENCH:-$(cd "$top/../shared/bench" 2>/dev/null && pwd || true)}
if [ -z "$shared" ] || [ ! -f "$shared/compare.sh" ]; then
	echo "bench: the neutral instruments are missing: put shared/bench beside the clone (../shared/bench) or set SIGIL_BENCH" >&2
	exit 2
fi
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD;; esac
SIGIL=${SIGIL:-$BUILD/sigil}
HS_N=${HS_N:-3000} HS_ROUNDS=${HS_ROUNDS:-5}
BULK_MIB=${BULK_MIB:-1024} BULK_ROUNDS=${BULK_ROUNDS:-5}
MEM_CONNS=${MEM_CONNS:-10000}
CL_N=${CL_N:-1000} CL_ROUNDS=${CL_ROUNDS:-3}
# libsigil.a's own dependencies besides libcrypto (the Makefile's COMP_LDLIBS:
# certificate compression, RFC 8879).
sigil_libs="-lbrotlienc -lbrotlidec -lz -lzstd"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(hs bulk mem client threads pq)

work=$(mktemp -d /tmp/sigil-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
[ -x "$SIGIL" ] || die "$SIGIL not built (run make first)"

# nginx belongs in every comparison; install it when we may.
if ! command -v nginx >/dev/null 2>&1 && [ -x /usr/sbin/nginx ]; then PATH=$PATH:/usr/sbin; fi
if ! command -v nginx >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "note: nginx missing; installing nginx-light with apt-get"
		apt-get install -y -q nginx-light >"$work/apt.log" 2>&1 || say "note: apt-get install nginx-light failed; nginx rows are skipped"
		command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	else
		say "note: nginx not installed (apt-get install nginx-light); nginx rows are skipped"
	fi
fi
have_nginx=0
command -v nginx >/dev/null 2>&1 && have_nginx=1

cc_flags=(-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
mkdir -p "$BUILD/bench"

# A CA and a localhost leaf (ECDSA P-256), for the servers of parts 2-4.
pki() {
	[ -f "$work/leaf.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
		-out "$work/ca.pem" -days 30 -subj /CN=bench-ca 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf.key" \
		-out "$work/leaf.csr" -subj /CN=localhost 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$work/leaf.ext"
	openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
		-days 30 -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
}

# Ports below the ephemeral range (32768-60999 here), so that the many
# outgoing loopback connections of the memory part cannot hold them.
port() { echo $((20000 + RANDOM % 12000)); }

# wait_port PORT: until something listens there (5 s at most).
wait_port() {
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# start LOG CMD...: run a server in the background; sets $spid.
start() {
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	spid=$!
	pids+=("$spid")
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

cpu() { "$shared/cpu_of.sh" "$@"; }
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]; else print "nan"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0 && a != "nan") printf "%.2f", a/b; else printf "-" }'; }

# nginx_conf DIR PORT ROOT EXTRA: a one-worker nginx serving ROOT.
nginx_conf() {
	mkdir -p "$1/logs"
	cat >"$1/nginx.conf" <<NGX
worker_processes 1; daemon off; master_process off; pid $1/nginx.pid; error_log $1/logs/error.log;
worker_rlimit_nofile 30000;
events { worker_connections 16000; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 100000;
  server { listen 127.0.0.1:$2 ssl; ssl_certificate $work/leaf.pem; ssl_certificate_key $work/leaf.key;
    ssl_protocols TLSv1.3; root $3; $4 } }
NGX
}

# ---- 1. handshake: the neutral instrument ----------------------------
part_hs() {
	say ""
	say "== 1. handshake: server CPU per connection (TLS 1.3 full handshake + GET + close), n=$HS_N x $HS_ROUNDS rounds"
	local out
	out=$(timeout 600 "$shared/compare.sh" --n "$HS_N" --rounds "$HS_ROUNDS" \
		--server "$SIGIL serve --listen 127.0.0.1:{port} --cert {cert} --key {key} --root {root} --threads 1" \
		2>"$work/compare.err")
	say "$out" | sed 's/^/   /'
	sed 's/^/   warning: /' "$work/compare.err"
	local o ng s
	o=$(say "$out" | awk '/^openssl:/{print $2}')
	ng=$(say "$out" | awk '/^nginx:/{print $2}')
	s=$(say "$out" | awk '/^under-test:/{print $2}')
	# A server whose client saw failures has no figure.
	grep -q '^nginx: client saw failures' "$work/compare.err" && ng=""
	say ""
	printf '   %-22s %14s %12s %10s\n' server "us CPU/conn" "vs openssl" "vs nginx"
	printf '   %-22s %14s %12s %10s\n' "openssl (libssl)" "$o" 1.00 "$(ratio "$o" "${ng:-0}")"
	[ -n "$ng" ] && printf '   %-22s %14s %12s %10s\n' "nginx $(nginx -v 2>&1 | sed 's/.*\///')" "$ng" "$(ratio "$ng" "$o")" 1.00
	printf '   %-22s %14s %12s %10s\n' "sigil serve" "$s" "$(ratio "$s" "$o")" "$(ratio "$s" "${ng:-0}")"
	say "   target (issue 9): sigil <= 0.40 x openssl"
}

# ---- 2. bulk: server CPU per GiB over one connection -----------------
part_bulk() {
	pki
	say ""
	say "== 2. bulk: server CPU per GiB sent, one connection, ${BULK_MIB} MiB file, median of $BULK_ROUNDS (client: curl)"
	mkdir -p "$work/www"
	printf 'hello, world\n' >"$work/www/index.html"
	# A sparse file: both servers read the same zero pages from the page
	# cache; only the server's own work differs.
	truncate -s "${BULK_MIB}M" "$work/www/big"
	# The first read of a sparse file fills the page cache (about 2 s/GiB
	# here): do it now, outside every measurement.
	cat "$work/www/big" >/dev/null
	local sp np
	sp=$(port)
	start "$work/bulk-sigil.log" "$SIGIL" serve --listen "127.0.0.1:$sp" --cert "$work/leaf.pem" --key "$work/leaf.key" \
		--root "$work/www" --threads 1
	local spid_s=$spid
	wait_port "$sp" || die "sigil serve did not start: $(cat "$work/bulk-sigil.log")"
	local spid_n=""
	if [ $have_nginx = 1 ]; then
		np=$((sp + 1))
		nginx_conf "$work/ngx-bulk" "$np" "$work/www" ""
		start "$work/bulk-nginx.log" nginx -c "$work/ngx-bulk/nginx.conf" -p "$work/ngx-bulk"
		spid_n=$spid
		wait_port "$np" || die "nginx did not start"
	fi
	local bytes=$((BULK_MIB * 1024 * 1024))
	declare -A res wall
	local suites=(TLS_AES_128_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA256)
	for r in $(seq "$BULK_ROUNDS"); do
		for suite in "${suites[@]}"; do
			for srv in sigil nginx; do
				local p pid
				if [ $srv = sigil ]; then p=$sp pid=$spid_s; else [ -n "$spid_n" ] || continue; p=$np pid=$spid_n; fi
				local c0 c1 t0 t1 got
				c0=$(cpu "$pid"); t0=$(date +%s.%N)
				got=$(curl -sk --tlsv1.3 --tls13-ciphers "$suite" -o /dev/null -w '%{size_download}' \
					--max-time 120 "https://127.0.0.1:$p/big" || true)
				t1=$(date +%s.%N); c1=$(cpu "$pid")
				[ "$got" = "$bytes" ] || say "   warning: $srv $suite got $got of $bytes bytes"
				res[$srv.$suite]+="$(awk -v a="$c0" -v b="$c1" -v n="$bytes" 'BEGIN{printf "%.3f ", (b-a)/(n/1073741824)}')"
				wall[$srv.$suite]+="$(awk -v a="$t0" -v b="$t1" -v n="$bytes" 'BEGIN{printf "%.0f ", n/1048576/(b-a)}')"
			done
		done
	done
	printf '   %-30s %-8s %14s %12s %10s\n' suite server "CPU s/GiB" "MiB/s wall" "vs nginx"
	for suite in "${suites[@]}"; do
		local ns ss
		ns=$(echo "${res[nginx.$suite]:-}" | med); ss=$(echo "${res[sigil.$suite]}" | med)
		[ -n "$spid_n" ] && printf '   %-30s %-8s %14s %12s %10s\n' "$suite" nginx "$ns" "$(echo "${wall[nginx.$suite]}" | med)" 1.00
		printf '   %-30s %-8s %14s %12s %10s\n' "$suite" sigil "$ss" "$(echo "${wall[sigil.$suite]}" | med)" "$(ratio "$ss" "${ns:-0}")"
		say "     rounds: sigil ${res[sigil.$suite]}| nginx ${res[nginx.$suite]:-}"
	done
	say "   target (issue 9): sigil <= 0.80 x nginx"
	stop "$spid_s"; [ -n "$spid_n" ] && stop "$spid_n"
	rm -f "$work/www/big"
}

# ---- 3. memory: RSS with N idle established connections --------------
# hold_rss NAME PID PORT: RSS before and with $MEM_CONNS held; prints
# "before after held".  The neutral holder (shared/bench/hold.c) opens its
# connections one after another without TCP_NODELAY, so a server that
# sends nothing after the client's Finished (no NewSessionTicket) waits
# out a delayed ACK per connection (about 40 ms); HOLD_PROCS holders run
# side by side to keep this part short.
HOLD_PROCS=${HOLD_PROCS:-50}
hold_rss() {
	local pid=$2 p=$3 before after held=0 per=$((MEM_CONNS / HOLD_PROCS)) hps=() i
	sleep 0.5
	before=$(rss_kib "$pid")
	for i in $(seq "$HOLD_PROCS"); do
		local k=$per
		[ "$i" = "$HOLD_PROCS" ] && k=$((MEM_CONNS - per * (HOLD_PROCS - 1)))
		"$BUILD/bench/hold" 127.0.0.1 "$p" "$k" 600 >"$work/hold-$1.$i.out" 2>"$work/hold-$1.$i.err" &
		hps+=($!); pids+=($!)
	done
	for _ in $(seq 1200); do
		local done_n=0 alive=0
		done_n=$(cat "$work"/hold-"$1".*.out 2>/dev/null | grep -c '^held' || true)
		[ "$done_n" -ge "$HOLD_PROCS" ] && break
		for i in "${hps[@]}"; do kill -0 "$i" 2>/dev/null && alive=$((alive + 1)); done
		[ "$alive" -eq 0 ] && break
		sleep 0.25
	done
	held=$(cat "$work"/hold-"$1".*.out | awk '/^held/{s+=$2} END{print s+0}')
	sleep 1
	after=$(rss_kib "$pid")
	for i in "${hps[@]}"; do stop "$i"; done
	echo "$before $after ${held:-0}"
}

part_mem() {
	pki
	say ""
	say "== 3. memory: server RSS with $MEM_CONNS idle established TLS connections (handshake + one keep-alive GET each)"
	cc -O2 -o "$BUILD/bench/hold" "$shared/hold.c" -lssl -lcrypto
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	local lim; lim=$(ulimit -n)
	if [ "$lim" -lt $((MEM_CONNS + 100)) ]; then
		MEM_CONNS=$((lim - 100))
		say "   note: open-file limit $lim; holding $MEM_CONNS connections instead"
	fi
	mkdir -p "$work/www"; printf 'hello, world\n' >"$work/www/index.html"
	printf '   %-10s %10s %12s %12s %14s %10s\n' server held "RSS before" "RSS held" "KiB per conn" "vs nginx"
	local sp np line sres nres
	sp=$(port)
	start "$work/mem-sigil.log" "$SIGIL" serve --listen "127.0.0.1:$sp" --cert "$work/leaf.pem" --key "$work/leaf.key" \
		--root "$work/www" --threads 1 --max-conns $((MEM_CONNS + 100)) --idle-timeout 600
	local s_pid=$spid
	wait_port "$sp" || die "sigil serve did not start"
	sres=$(hold_rss sigil "$s_pid" "$sp")
	stop "$s_pid"
	if [ $have_nginx = 1 ]; then
		np=$(port)
		nginx_conf "$work/ngx-mem" "$np" "$work/www" ""
		start "$work/mem-nginx.log" nginx -c "$work/ngx-mem/nginx.conf" -p "$work/ngx-mem"
		local n_pid=$spid
		wait_port "$np" || die "nginx did not start"
		nres=$(hold_rss nginx "$n_pid" "$np")
		stop "$n_pid"
	fi
	local nper=""
	if [ -n "${nres:-}" ]; then
		read -r b a h <<<"$nres"
		nper=$(awk -v b="$b" -v a="$a" -v h="$h" 'BEGIN{ if (h > 0) printf "%.1f", (a-b)/h; else print "nan" }')
		printf '   %-10s %10s %12s %12s %14s %10s\n' nginx "$h" "$b KiB" "$a KiB" "$nper" 1.00
	fi
	read -r b a h <<<"$sres"
	local sper
	sper=$(awk -v b="$b" -v a="$a" -v h="$h" 'BEGIN{ if (h > 0) printf "%.1f", (a-b)/h; else print "nan" }')
	printf '   %-10s %10s %12s %12s %14s %10s\n' sigil "$h" "$b KiB" "$a KiB" "$sper" "$(ratio "$sper" "${nper:-0}")"
	say "   (user-space RSS of the server process only; kernel socket buffers are not counted)"
	say "   target (issue 9): <= 4 KiB per idle connection"
}

# ---- 4. client side: CPU per full handshake, sigil vs libssl ----------
part_client() {
	pki
	say ""
	say "== 4. client: client CPU per connection (full handshake + GET + close), n=$CL_N x $CL_ROUNDS rounds, server: ossl_server"
	cc -O2 -o "$BUILD/bench/ossl_server" "$shared/ossl_server.c" -lssl -lcrypto
	cc "${cc_flags[@]}" -I"$top/include" -o "$BUILD/bench/clientload" "$here/clientload.c" \
		"$BUILD/libsigil.a" -lssl -lcrypto $sigil_libs -lsqlite3 -lpthread
	local p; p=$(port)
	cat "$work/leaf.pem" >"$work/chain.pem"
	start "$work/cl-server.log" "$BUILD/bench/ossl_server" "$p" "$work/chain.pem" "$work/leaf.key"
	local o_pid=$spid
	wait_port "$p" || die "ossl_server did not start"
	declare -A res
	for r in $(seq "$CL_ROUNDS"); do
		for v in no yes; do
			for lib in openssl sigil; do
				local extra=() out
				[ $v = yes ] && extra=(--verify "$work/ca.pem")
				out=$("$BUILD/bench/clientload" "$lib" 127.0.0.1 "$p" "$CL_N" "${extra[@]}" 2>>"$work/cl.err" || true)
				res[$lib.$v]+="$(echo "$out" | sed -n 's/.*cpu_us_per_conn=\([0-9.]*\).*/\1/p') "
				echo "$out" | grep -q 'failures=0 ' || say "   warning: $lib verify=$v: ${out:-no output} $(tail -1 "$work/cl.err")"
			done
		done
	done
	stop "$o_pid"
	printf '   %-10s %-12s %16s %12s\n' client "chain check" "us CPU/conn" "vs openssl"
	for v in no yes; do
		local o s
		o=$(echo "${res[openssl.$v]}" | med); s=$(echo "${res[sigil.$v]}" | med)
		printf '   %-10s %-12s %16s %12s\n' openssl "$v" "$o" 1.00
		printf '   %-10s %-12s %16s %12s\n' sigil "$v" "$s" "$(ratio "$s" "$o")"
		say "     rounds: openssl ${res[openssl.$v]}| sigil ${res[sigil.$v]}"
	done
}

# ---- 5. threads: handshakes per second, 1 vs 2 threads on shared configs ----
part_threads() {
	pki
	say ""
	say "== 5. threads: in-memory handshakes (client and server in each thread) on one shared server and client config"
	cc "${cc_flags[@]}" -I"$top/include" -o "$BUILD/bench/threads" "$here/threads.c" \
		"$BUILD/libsigil.a" -lcrypto $sigil_libs -lsqlite3 -lpthread
	"$BUILD/bench/threads" "$work/leaf.pem" "$work/leaf.key" "${THREADS_SECONDS:-3}"
	say "   target (issue 9): close to 2x with two threads on two cores"
}

# ---- 6. pq: server CPU per full handshake with X25519MLKEM768 ----------
# shared/bench's hsload is OpenSSL 3.0's libssl, which has no ML-KEM, so
# the hybrid needs another load client: bench/clientload.c on sigil's
# client, offering sigil's default groups (X25519MLKEM768 and x25519
# shares).  To show what the client changes, both clients drive both
# servers with X25519 as well.  Every figure is the SERVER's CPU
# (shared/bench/cpu_of.sh, user+system, from /proc) per connection: TCP
# accept, TLS 1.3 full handshake (ECDSA P-256 certificate), one GET of a
# 13-byte page, close; the client's own CPU is not counted.  Rows run
# interleaved, round after round, on the same two server processes;
# medians.
PQ_N=${PQ_N:-2000} PQ_ROUNDS=${PQ_ROUNDS:-5}
part_pq() {
	pki
	say ""
	say "== 6. pq: server CPU per connection (full handshake + GET + close) by key exchange, n=$PQ_N x $PQ_ROUNDS rounds"
	cc -O2 -o "$BUILD/bench/hsload" "$shared/hsload.c" -lssl -lcrypto
	cc -O2 -o "$BUILD/bench/ossl_server" "$shared/ossl_server.c" -lssl -lcrypto
	cc "${cc_flags[@]}" -I"$top/include" -o "$BUILD/bench/clientload" "$here/clientload.c" \
		"$BUILD/libsigil.a" -lssl -lcrypto $sigil_libs -lsqlite3 -lpthread
	mkdir -p "$work/www"; printf 'hello, world\n' >"$work/www/index.html"
	cat "$work/leaf.pem" >"$work/chain.pem"
	local op sp o_pid s_pid
	op=$(port); sp=$((op + 1))
	start "$work/pq-ossl.log" "$BUILD/bench/ossl_server" "$op" "$work/chain.pem" "$work/leaf.key"
	o_pid=$spid
	start "$work/pq-sigil.log" "$SIGIL" serve --listen "127.0.0.1:$sp" --cert "$work/leaf.pem" --key "$work/leaf.key" \
		--root "$work/www" --threads 1
	s_pid=$spid
	wait_port "$op" || die "ossl_server did not start"
	wait_port "$sp" || die "sigil serve did not start: $(cat "$work/pq-sigil.log")"
	# name | server | client command (PORT is replaced) | group offered
	local rows=(
		"openssl|o|$BUILD/bench/hsload 127.0.0.1 PORT $PQ_N|hsload: X25519"
		"sigil|s|$BUILD/bench/hsload 127.0.0.1 PORT $PQ_N|hsload: X25519"
		"openssl|o|$BUILD/bench/clientload sigil 127.0.0.1 PORT $PQ_N --groups x25519|clientload: x25519"
		"sigil|s|$BUILD/bench/clientload sigil 127.0.0.1 PORT $PQ_N --groups x25519|clientload: x25519"
		"sigil|s|$BUILD/bench/clientload sigil 127.0.0.1 PORT $PQ_N --groups X25519MLKEM768:x25519:secp256r1:secp384r1|clientload: X25519MLKEM768"
	)
	declare -A res
	local r i
	for r in $(seq "$PQ_ROUNDS"); do
		for i in "${!rows[@]}"; do
			local name srv cmd what pid p c0 c1 out
			IFS='|' read -r name srv cmd what <<<"${rows[$i]}"
			if [ "$srv" = o ]; then pid=$o_pid p=$op; else pid=$s_pid p=$sp; fi
			c0=$(cpu "$pid")
			out=$(${cmd//PORT/$p} 2>>"$work/pq.err" || true)
			c1=$(cpu "$pid")
			res[$i]+="$(awk -v a="$c0" -v b="$c1" -v n="$PQ_N" 'BEGIN{printf "%.1f ", (b-a)/n*1e6}')"
			case $out in
			*"failures 0"* | *"failures=0 "*) ;;
			*) say "   warning: $name, $what: ${out:-no output} $(tail -n 1 "$work/pq.err" 2>/dev/null)" ;;
			esac
			[ "$r" = 1 ] && case $out in *group=*) res[g$i]=${out##*group=} ;; *) res[g$i]=x25519 ;; esac
		done
	done
	stop "$o_pid"; stop "$s_pid"
	local base x_cl hy
	base=$(echo "${res[0]}" | med)
	printf '   %-8s %-32s %-15s %14s %14s
' server "load client: groups offered" negotiated "us CPU/conn" "vs openssl"
	for i in "${!rows[@]}"; do
		local name srv cmd what m
		IFS='|' read -r name srv cmd what <<<"${rows[$i]}"
		m=$(echo "${res[$i]}" | med)
		printf '   %-8s %-32s %-15s %14s %14s
' "$name" "$what" "${res[g$i]}" "$m" "$(ratio "$m" "$base")"
		say "     rounds: ${res[$i]}"
	done
	x_cl=$(echo "${res[3]}" | med); hy=$(echo "${res[4]}" | med)
	say "   the hybrid costs sigil's server $(awk -v a="$hy" -v b="$x_cl" 'BEGIN{printf "%+.1f", a-b}') us over x25519 with the same client"
	say "   target (issue 17): sigil with X25519MLKEM768 <= 0.55 x openssl with X25519 (hsload): $(ratio "$hy" "$base")"
}

say "sigil bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cpus, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), kernel $(uname -r), $(openssl version | cut -d' ' -f1-2)"
for p in "${parts[@]}"; do
	case $p in
	hs) part_hs ;;
	bulk) part_bulk ;;
	mem) part_mem ;;
	client) part_client ;;
	threads) part_threads ;;
	pq) part_pq ;;
	*) die "unknown part $p (hs, bulk, mem, client, threads, pq)" ;;
	esac
done
