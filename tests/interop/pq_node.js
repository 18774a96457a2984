// A TLS 1.3 peer on Node.js (OpenSSL 3.5 inside Node 24) for
// tests/interop/pq.sh: the key-exchange groups it offers or accepts are
// OpenSSL's ecdhCurve list ("X25519MLKEM768", "X25519:X25519MLKEM768",
// "auto" for OpenSSL's default).
//
//   node pq_node.js client PORT GROUPS    GET / from 127.0.0.1:PORT (SNI
//                                         localhost, no certificate check)
//   node pq_node.js server PORT CERT KEY GROUPS [COUNT]
//                                         answer COUNT (default 1) GETs
//
// The client prints "node client ok group=NAME protocol=... cipher=..."
// (NAME from socket.getEphemeralKeyInfo(): the group OpenSSL negotiated),
// then the response; or "node client error: ..." (exit 1).  The server
// prints "listening", then "node server ok protocol=..." per connection
// (a Node server cannot name the group: getEphemeralKeyInfo() is empty
// on the server side) or "node server error: ...".
'use strict';
const tls = require('tls');
const fs = require('fs');

const [mode, port] = [process.argv[2], Number(process.argv[3])];
const timer = setTimeout(() => { console.log(`node ${mode} error: timeout`); process.exit(1); }, 15000);

if (mode === 'client') {
	const s = tls.connect({
		host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false,
		minVersion: 'TLSv1.3', ecdhCurve: process.argv[4],
	}, () => {
		const k = s.getEphemeralKeyInfo();
		console.log(`node client ok group=${k.name} protocol=${s.getProtocol()} cipher=${s.getCipher().name}`);
		s.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
	});
	let body = '';
	s.on('data', (d) => { body += d; });
	s.on('end', () => { process.stdout.write(body + '\n'); clearTimeout(timer); });
	s.on('error', (e) => { console.log(`node client error: ${e.code || ''} ${e.message}`); process.exit(1); });
} else if (mode === 'server') {
	let left = Number(process.argv[7] || 1);
	const srv = tls.createServer({
		cert: fs.readFileSync(process.argv[4]), key: fs.readFileSync(process.argv[5]),
		minVersion: 'TLSv1.3', ecdhCurve: process.argv[6],
	}, (c) => {
		console.log(`node server ok protocol=${c.getProtocol()} cipher=${c.getCipher().name}`);
		let head = '';
		c.on('data', (d) => {
			head += d;
			if (!/\r?\n\r?\n/.test(head))
				return;
			c.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nConnection: close\r\n\r\nhello from node\n');
		});
		c.on('error', () => {});
		c.on('close', () => { if (--left === 0) { srv.close(); clearTimeout(timer); } });
	});
	srv.on('tlsClientError', (e) => {
		console.log(`node server error: ${e.code || ''} ${e.message}`);
		if (--left === 0) { srv.close(); clearTimeout(timer); }
	});
	srv.listen(port, '127.0.0.1', () => console.log('listening'));
} else {
	console.log('usage: pq_node.js client PORT GROUPS | server PORT CERT KEY GROUPS [COUNT]');
	process.exit(2);
}
