// Headless Chromium (puppeteer-core) through sigil serve to the bank, with
// alice's client certificate from the NSS database in $HOME and selected
// by the AutoSelectCertificateForUrls policy.  argv: URL.  Prints one
// "ok NAME" / "FAIL NAME" line per check; exits 0.
const puppeteer = require('puppeteer-core');
const url = process.argv[2];
let failed = 0;
function check(name, cond) {
	console.log((cond ? 'ok ' : 'FAIL ') + name);
	if (!cond) failed++;
}
async function post(page, action, fields) {
	await page.goto(url + 'bank/', { waitUntil: 'load' });
	const nav = page.waitForNavigation({ waitUntil: 'load' });
	const found = await page.evaluate((action, fields) => {
		const f = document.querySelector('form[action="/bank/' + action + '"]');
		if (!f) return false;
		for (const [k, v] of Object.entries(fields)) {
			const e = f.elements[k];
			if (!e) return false;
			if (e instanceof RadioNodeList) {
				for (const r of e) r.checked = r.value === v;
			} else {
				e.value = v;
			}
		}
		f.submit();
		return true;
	}, action, fields);
	if (!found) return null;
	const res = await nav;
	return { status: res.status(), url: page.url(), text: await page.evaluate(() => document.body.innerText) };
}
(async () => {
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--user-data-dir=' + process.env.HOME + '/profile'],
	});
	try {
		const page = await browser.newPage();
		if (process.argv[3] === 'revoked') {
			let refused = false, why = '';
			try {
				const rr = await page.goto(url + 'bank/', { waitUntil: 'load' });
				const t = await page.evaluate(() => document.body.innerText);
				refused = rr.status() !== 200 || /alice/.test(t) === false;
				why = 'status ' + rr.status();
			} catch (e) {
				refused = true;
				why = e.message.split('\n')[0];
			}
			check('after the revocation the bank is refused (' + why + ')', refused);
			return;
		}
		const res = await page.goto(url + 'bank/', { waitUntil: 'load' });
		const text = await page.evaluate(() => document.body.innerText);
		check('the bank through sigil serve: 200', res.status() === 200);
		check('signed in as alice by the certificate', /alice/.test(text));
		const sd = res.securityDetails();
		check('TLS 1.3 (' + (sd && sd.protocol()) + ')', sd && sd.protocol() === 'TLS 1.3');
		// The proxy over HTTP/2: the browser picks h2 when it is offered.
		const proto = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
		check('the bank over HTTP/2 through the proxy (' + proto + ')', proto === 'h2');
		let r = await post(page, 'buy', { item: 'pen', quantity: '2', account: 'checking' });
		check('buy: to the statement (' + (r && r.url) + ')', r && r.status === 200 && /statement/.test(r.url));
		r = await post(page, 'pay', { payee: 'power', reference: 'e2e', amount: '12.34', account: 'savings' });
		check('pay a bill: to the statement', r && r.status === 200 && /statement/.test(r.url) && /12\.34/.test(r.text));
		await page.goto(url + 'bank/', { waitUntil: 'load' });
		const quote = await page.evaluate(() => {
			const f = document.querySelector('form[action="/bank/trade"]');
			return f && f.elements.quote ? f.elements.quote.value : null;
		});
		r = await post(page, 'trade', { quote: quote, side: 'buy', symbol: 'SGL', shares: '3' });
		check('trade: to the statement', r && r.status === 200 && /statement/.test(r.url));
		await page.goto(url + 'bank/statement', { waitUntil: 'load' });
		const st = await page.evaluate(() => document.body.innerText);
		console.log('STATEMENT ' + JSON.stringify(st.slice(0, 2000)));
	} catch (e) {
		check('no exception: ' + e.message, false);
	} finally {
		await browser.close();
	}
})();
