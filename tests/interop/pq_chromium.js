// Headless Chromium loads a page over TLS and says which key-exchange
// group it negotiated, for tests/interop/pq.sh.
//
//   node pq_chromium.js PUPPETEER_DIR CHROMIUM URL PROFILE_DIR
//
// PUPPETEER_DIR holds node_modules/puppeteer-core.  The group comes from
// the DevTools protocol (Network.responseReceived: securityDetails has
// protocol, keyExchangeGroup, cipher), so it is Chromium's own account
// of the connection.  Prints "chromium ok status=N protocol=P group=G
// cipher=C" and the page text, or "chromium error: ..." (exit 1).
'use strict';
const path = require('path');

async function main() {
	const [dir, exe, url, profile] = process.argv.slice(2);
	const puppeteer = require(path.join(dir, 'node_modules', 'puppeteer-core'));
	const browser = await puppeteer.launch({
		executablePath: exe,
		headless: true,
		// A fresh profile, nothing in the background, no QUIC (TLS over
		// TCP only); the test server's certificate is self-signed.
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			`--user-data-dir=${profile}`, '--ignore-certificate-errors'],
	});
	try {
		const page = await browser.newPage();
		const cdp = await page.createCDPSession();
		await cdp.send('Network.enable');
		let sec = null;
		cdp.on('Network.responseReceived', (e) => {
			if (e.response.url.startsWith(url) && e.response.securityDetails)
				sec = e.response.securityDetails;
		});
		const resp = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
		const text = await page.evaluate(() => document.body ? document.body.innerText : '');
		if (!sec)
			throw new Error('no security details for ' + url);
		console.log(`chromium ok status=${resp.status()} protocol=${sec.protocol} group=${sec.keyExchangeGroup} ` +
			    `cipher=${sec.cipher}`);
		console.log(text);
	} finally {
		await browser.close();
	}
}

main().catch((e) => { console.log(`chromium error: ${e.message}`); process.exit(1); });
