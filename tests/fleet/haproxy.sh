#!/bin/sh
# A fleet behind HAProxy: two `sigil serve` processes share one ticket-key
# file behind HAProxy in TCP mode, round-robin, on 127.0.0.1.  A client
# that got its ticket from one node resumes on the other (docs/fleet.md).
# Skipped, with a notice, where HAProxy is not installed.
BUILD=${BUILD:-build}
SIGIL=$BUILD/sigil
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/  | /' "$2" | tail -n 20; }
if ! command -v haproxy >/dev/null 2>&1; then
	echo "SKIP fleet: haproxy is not installed (apt-get install haproxy)"
	echo "0 passed, 0 failed"
	exit 0
fi
T=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
	i=0
	while [ $i -lt 50 ]; do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# One CA, one certificate for both nodes, one shared ticket-key file.
$SIGIL ca init "$T/ca" --name "fleet test CA" >/dev/null 2>&1 &&
	$SIGIL ca issue "$T/ca" --server localhost,127.0.0.1 --out "$T/node" >/dev/null 2>&1 ||
	{ bad "fleet: sigil ca"; echo "$pass passed, $fail failed"; exit 1; }
{ echo "# current key first, previous keys after it"; openssl rand -hex 48; openssl rand -hex 48; } >"$T/tickets"
A=$(port) B=$(port) F=$(port)
for p in $A $B; do
	timeout 60 "$SIGIL" serve --listen "127.0.0.1:$p" --cert "$T/node.crt" --key "$T/node.key" \
		--ticket-keys "$T/tickets" --threads 1 --access-log "$T/access.$p" >"$T/serve.$p" 2>&1 &
	pids="$pids $!"
done
cat >"$T/haproxy.cfg" <<CFG
global
	maxconn 100
defaults
	mode tcp
	timeout connect 2s
	timeout client 10s
	timeout server 10s
frontend fleet
	bind 127.0.0.1:$F
	default_backend nodes
backend nodes
	balance roundrobin
	server a 127.0.0.1:$A
	server b 127.0.0.1:$B
CFG
timeout 60 haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
pids="$pids $!"
if ! wait_port "$A" || ! wait_port "$B" || ! wait_port "$F"; then
	bad "fleet: servers did not start" "$T/haproxy.log"
	echo "$pass passed, $fail failed"
	exit 1
fi

# Four connections: round-robin alternates the nodes; the first makes a
# session, every later one must resume it, on either node.
resumed=0
for i in 1 2 3 4; do
	timeout 10 "$SIGIL" get "https://localhost:$F/" --cacert "$T/ca/root.crt" --session "$T/sess" -v \
		-o "$T/body.$i" >"$T/get.$i" 2>&1 || { bad "fleet: request $i" "$T/get.$i"; continue; }
	if [ "$i" -gt 1 ] && grep -q 'session resumed' "$T/get.$i"; then
		resumed=$((resumed + 1))
	fi
done
na=$(wc -l <"$T/access.$A" 2>/dev/null || echo 0)
nb=$(wc -l <"$T/access.$B" 2>/dev/null || echo 0)
[ "$na" -ge 1 ] && [ "$nb" -ge 1 ] && ok "fleet: both nodes served (a=$na b=$nb)" ||
	bad "fleet: round-robin reached both nodes (a=$na b=$nb)" "$T/haproxy.log"
[ "$resumed" -eq 3 ] && ok "fleet: 3 of 3 later connections resumed, across nodes" ||
	bad "fleet: resumed $resumed of 3" "$T/get.2"

# A node with other keys cannot resume: full handshake, still served.
openssl rand -hex 48 >"$T/other"
C=$(port)
timeout 30 "$SIGIL" serve --listen "127.0.0.1:$C" --cert "$T/node.crt" --key "$T/node.key" \
	--ticket-keys "$T/other" --threads 1 >"$T/serve.$C" 2>&1 &
pids="$pids $!"
wait_port "$C"
timeout 10 "$SIGIL" get "https://localhost:$C/" --cacert "$T/ca/root.crt" --session "$T/sess" -v -o /dev/null \
	>"$T/get.other" 2>&1 && grep -q 'session new' "$T/get.other" &&
	ok "fleet: a node with other ticket keys falls back to a full handshake" ||
	bad "fleet: foreign node" "$T/get.other"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
