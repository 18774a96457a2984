/*
 * The bank's pages: plain HTML with one inline style sheet, no script,
 * no image, no external resource.  The Content-Security-Policy allows
 * exactly that style sheet (by its SHA-256, CSP Level 3 "hash-source"),
 * forms that post to this origin only, and no framing: an injected
 * element could neither run nor load anything, and the bank cannot be
 * framed to trick a click.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bank.h"
#include "crypto/crypto.h"
#include "der/der.h"

static const char css[] =
	"body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f3f5f8;color:#1c2833}"
	"header{background:#0d3b5e;color:#fff;padding:.7em 1.5em;display:flex;flex-wrap:wrap;gap:1em;align-items:center}"
	"header .brand{font-weight:700;font-size:1.25em;margin-right:auto}"
	"header a{color:#fff;margin-left:1em}header small{color:#c8d6e5}"
	"main{max-width:62em;margin:1.2em auto;padding:0 1em}"
	"section{background:#fff;border-radius:8px;padding:.8em 1.4em 1.1em;margin-bottom:1.1em;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12)}"
	"h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:.4em 0 .5em}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #e4e9ef;vertical-align:top}"
	"th{font-size:.85em;color:#52606d;font-weight:600}"
	".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	".neg{color:#a61b1b}.pos{color:#1d6b35}"
	"form{display:flex;flex-wrap:wrap;gap:.6em;align-items:flex-end}"
	"label{display:flex;flex-direction:column;font-size:.85em;color:#52606d}"
	"input,select,button{font:inherit;padding:.3em .5em;border:1px solid #b8c4d0;border-radius:4px}"
	"input{width:9em}button{background:#0d3b5e;color:#fff;border-color:#0d3b5e;padding:.35em 1.1em;cursor:pointer}"
	".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(24em,1fr));gap:1.1em}"
	".note,.err,.ok{padding:.6em 1em;border-radius:4px;margin:.4em 0 1em}"
	".note{background:#fff7df;border-left:4px solid #e0a800}"
	".err{background:#fdecea;border-left:4px solid #c62828}"
	".ok{background:#e7f5ea;border-left:4px solid #2e7d32}"
	"tr.hl{background:#fffbe6}"
	"code{background:#eef1f5;padding:0 .3em;border-radius:3px;font-size:.92em}"
	"small,.muted{color:#5f6f7f}footer{text-align:center;color:#7b8a99;font-size:.8em;padding:1em}";

int pages_init(struct bank *b)
{
	uint8_t h[32];
	char b64[48];
	if (sg_hash(&sg_sha256, css, sizeof css - 1, h) != 0 || sg_base64_encode(h, sizeof h, b64, sizeof b64) < 0)
		return -1;
	/* CSP Level 3: default-src 'none' denies everything not listed;
	 * form-action and frame-ancestors do not fall back to it. */
	int n = snprintf(b->csp, sizeof b->csp,
	                 "default-src 'none'; style-src 'sha256-%s'; form-action 'self'; "
	                 "base-uri 'none'; frame-ancestors 'none'",
	                 b64);
	return n < 0 || (size_t)n >= sizeof b->csp ? -1 : 0;
}

static void nav_link(const struct bank *b, sg_wr *w, const char *route, const char *text)
{
	h_raw(w, "<a href=\"");
	h_str(w, b->prefix);
	h_raw(w, route);
	h_raw(w, "\">");
	h_raw(w, text);
	h_raw(w, "</a>");
}

void page_begin(const struct bank *b, sg_wr *w, const char *title, const bank_identity *id)
{
	h_raw(w, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	h_str(w, title);
	h_raw(w, " - Sigil Bank</title>\n<style>");
	h_raw(w, css);
	h_raw(w, "</style></head>\n<body>\n<header><span class=\"brand\">Sigil Bank</span>");
	if (id) {
		h_raw(w, "<nav>");
		nav_link(b, w, "", "Accounts");
		nav_link(b, w, "statement", "Statement");
		h_raw(w, "</nav><span>Signed in as <b>");
		h_str(w, id->cn);
		h_raw(w, "</b> <small>(certificate ");
		h_text(w, id->serial, strlen(id->serial) > 16 ? 16 : strlen(id->serial));
		h_raw(w, strlen(id->serial) > 16 ? "&hellip;" : "");
		h_raw(w, ")</small></span>");
	} else {
		h_raw(w, "<span>Not signed in</span>");
	}
	h_raw(w, "</header>\n<main>\n");
}

void page_end(sg_wr *w)
{
	h_raw(w, "</main>\n<footer>Sigil Bank, a demonstration: served over TLS 1.3 by sigil; you are known by your "
	         "client certificate, without passwords or cookies. All amounts in euros (EUR).</footer>\n"
	         "</body></html>\n");
}

static void hhmm(sg_wr *w, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	if (!gmtime_r(&tt, &tm) || strftime(s, sizeof s, "%H:%M", &tm) == 0)
		snprintf(s, sizeof s, "?");
	h_raw(w, s);
}

static void datetime(sg_wr *w, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[40];
	if (!gmtime_r(&tt, &tm) || strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(s, sizeof s, "?");
	h_raw(w, s);
}

/* A rate times 10^4 as a decimal. */
static void rate(sg_wr *w, int64_t v)
{
	h_fmt(w, "%lld.%04lld", (long long)(v / 10000), (long long)(v % 10000));
}

void page_market(const struct bank *b, sg_wr *w, int64_t now)
{
	(void)b;
	int64_t k = quote_step(now);
	h_raw(w, "<div class=\"grid\">\n<section><h2>Exchange rates</h2><table><tr><th>1 EUR in</th><th class=\"n\">Rate</th></tr>");
	for (size_t i = 0; i < market_nrates; i++) {
		h_raw(w, "<tr><td>");
		h_str(w, market_rates[i].name);
		h_raw(w, " <small>");
		h_str(w, market_rates[i].code);
		h_raw(w, "</small></td><td class=\"n\">");
		rate(w, rate_at(&market_rates[i], k));
		h_raw(w, "</td></tr>");
	}
	h_raw(w, "</table></section>\n<section><h2>Share quotes</h2><table><tr><th>Share</th><th class=\"n\">Price</th>"
	         "<th class=\"n\">Change</th></tr>");
	for (size_t i = 0; i < market_nshares; i++) {
		const market_share *s = &market_shares[i];
		int64_t p = quote_price(s, k), d = p - quote_price(s, k - 1);
		h_raw(w, "<tr><td><b>");
		h_str(w, s->symbol);
		h_raw(w, "</b> <small>");
		h_str(w, s->name);
		h_raw(w, "</small></td><td class=\"n\">");
		h_money(w, p);
		h_raw(w, d < 0 ? "</td><td class=\"n neg\">" : "</td><td class=\"n pos\">");
		h_raw(w, d > 0 ? "+" : "");
		h_money(w, d);
		h_raw(w, "</td></tr>");
	}
	h_raw(w, "</table><small>Quoted at ");
	hhmm(w, k * QUOTE_PERIOD);
	h_raw(w, " UTC; a new quote every minute.</small></section>\n</div>\n");
	h_raw(w, "<section><h2>Catalogue</h2><table><tr><th>Item</th><th class=\"n\">Price</th></tr>");
	for (size_t i = 0; i < market_nitems; i++) {
		h_raw(w, "<tr><td>");
		h_str(w, market_items[i].name);
		h_raw(w, "</td><td class=\"n\">");
		h_money(w, market_items[i].price);
		h_raw(w, "</td></tr>");
	}
	h_raw(w, "</table></section>\n");
}

void page_public(const struct bank *b, sg_wr *w, int64_t now)
{
	page_begin(b, w, "Welcome", NULL);
	h_raw(w, "<section><h1>Sign in with your certificate</h1>\n"
	         "<p class=\"note\">This bank knows its customers by the <b>client certificate</b> their browser "
	         "presents when it connects: there is no password to type and no cookie. Your browser did not "
	         "present one, so you see the public pages only.</p>\n"
	         "<p>To sign in as the demonstration user <b>alice</b>, import her certificate into your browser:</p>\n"
	         "<ol><li>Find <code>alice.p12</code>: <code>make run</code> writes it to "
	         "<code>$SIGIL_HOME/client/alice.p12</code> (by default "
	         "<code>~/.local/share/sigil/client/alice.p12</code>) and prints its password.</li>\n"
	         "<li>Import it: in <b>Firefox</b>, Settings &rarr; Privacy &amp; Security &rarr; Certificates &rarr; "
	         "View Certificates &rarr; Your Certificates &rarr; Import; in <b>Chromium or Chrome</b>, "
	         "Settings &rarr; Privacy and security &rarr; Security &rarr; Manage certificates &rarr; "
	         "Your certificates &rarr; Import.</li>\n"
	         "<li>Reload this page and choose <i>alice</i> when the browser asks which certificate to present "
	         "(a browser that already connected without one may need to be restarted).</li></ol>\n"
	         "<p><small>A certificate from another issuer, or one that has been revoked, is refused by the "
	         "server before any page is sent.</small></p></section>\n");
	page_market(b, w, now);
	page_end(w);
}

static void hidden(sg_wr *w, const char *name, const char *value)
{
	h_raw(w, "<input type=\"hidden\" name=\"");
	h_raw(w, name);
	h_raw(w, "\" value=\"");
	h_str(w, value);
	h_raw(w, "\">");
}

static void form_open(const struct bank *b, sg_wr *w, const bank_identity *id, const char *action, int64_t now)
{
	char tok[CSRF_TOKEN_MAX];
	csrf_make(b, action, id->fingerprint, now, tok);
	h_raw(w, "<form method=\"post\" action=\"");
	h_str(w, b->prefix);
	h_raw(w, action);
	h_raw(w, "\">");
	hidden(w, "csrf", tok);
}

static void account_select(sg_wr *w, const char *name, const char *label, ledger_acct selected)
{
	h_raw(w, "<label>");
	h_raw(w, label);
	h_raw(w, "<select name=\"");
	h_raw(w, name);
	h_raw(w, "\">");
	for (int a = 0; a < 2; a++) {
		h_raw(w, "<option value=\"");
		h_raw(w, ledger_acct_name((ledger_acct)a));
		h_raw(w, a == (int)selected ? "\" selected>" : "\">");
		h_raw(w, a == LEDGER_CHECKING ? "Checking" : "Savings");
		h_raw(w, "</option>");
	}
	h_raw(w, "</select></label>");
}

void page_accounts(const struct bank *b, sg_wr *w, const bank_identity *id, const ledger_summary *s, int64_t now)
{
	int64_t k = quote_step(now);
	page_begin(b, w, "Accounts", id);
	h_raw(w, "<section><h1>Your accounts</h1><table><tr><th>Account</th><th class=\"n\">Balance</th></tr>"
	         "<tr><td>Checking</td><td class=\"n\">");
	h_money(w, s->balance[LEDGER_CHECKING]);
	h_raw(w, "</td></tr><tr><td>Savings</td><td class=\"n\">");
	h_money(w, s->balance[LEDGER_SAVINGS]);
	h_raw(w, "</td></tr><tr><td><b>Total</b></td><td class=\"n\"><b>");
	h_money(w, s->balance[0] + s->balance[1]);
	h_raw(w, "</b></td></tr></table>\n<h2>Your shares</h2>");
	if (s->nhold == 0) {
		h_raw(w, "<p class=\"muted\">You hold no shares.</p>");
	} else {
		h_raw(w, "<table><tr><th>Share</th><th class=\"n\">Shares</th><th class=\"n\">Price</th>"
		         "<th class=\"n\">Value</th></tr>");
		for (size_t i = 0; i < s->nhold; i++) {
			const market_share *m = market_share_find(s->hold[i].symbol);
			int64_t p = m ? quote_price(m, k) : 0;
			h_raw(w, "<tr><td>");
			h_str(w, s->hold[i].symbol);
			h_fmt(w, "</td><td class=\"n\">%lld</td><td class=\"n\">", (long long)s->hold[i].shares);
			h_money(w, p);
			h_raw(w, "</td><td class=\"n\">");
			h_money(w, p * s->hold[i].shares);
			h_raw(w, "</td></tr>");
		}
		h_raw(w, "</table>");
	}
	h_raw(w, "<p><small>Every operation is recorded with your certificate's serial number and fingerprint: "
	         "see the ");
	nav_link(b, w, "statement", "statement");
	h_raw(w, ".</small></p></section>\n<div class=\"grid\">\n");

	/* Buy from the catalogue. */
	h_raw(w, "<section><h2>Buy</h2>");
	form_open(b, w, id, "buy", now);
	h_raw(w, "<label>Item<select name=\"item\">");
	for (size_t i = 0; i < market_nitems; i++) {
		h_raw(w, "<option value=\"");
		h_str(w, market_items[i].id);
		h_raw(w, "\">");
		h_str(w, market_items[i].name);
		h_raw(w, " &ndash; ");
		h_money(w, market_items[i].price);
		h_raw(w, "</option>");
	}
	h_raw(w, "</select></label><label>Quantity<input name=\"quantity\" value=\"1\" inputmode=\"numeric\" "
	         "required></label>");
	account_select(w, "account", "Pay from", LEDGER_CHECKING);
	h_raw(w, "<button>Buy</button></form></section>\n");

	/* Pay a bill. */
	h_raw(w, "<section><h2>Pay a bill</h2>");
	form_open(b, w, id, "pay", now);
	h_raw(w, "<label>Payee<select name=\"payee\">");
	for (size_t i = 0; i < market_npayees; i++) {
		h_raw(w, "<option value=\"");
		h_str(w, market_payees[i].id);
		h_raw(w, "\">");
		h_str(w, market_payees[i].name);
		h_raw(w, "</option>");
	}
	h_raw(w, "</select></label><label>Reference<input name=\"reference\" maxlength=\"40\"></label>"
	         "<label>Amount<input name=\"amount\" placeholder=\"0.00\" inputmode=\"decimal\" required></label>");
	account_select(w, "account", "Pay from", LEDGER_CHECKING);
	h_raw(w, "<button>Pay</button></form></section>\n");

	/* Trade shares at the quote on this page. */
	h_raw(w, "<section><h2>Trade shares</h2>");
	form_open(b, w, id, "trade", now);
	char q[24];
	snprintf(q, sizeof q, "%lld", (long long)k);
	hidden(w, "quote", q);
	h_raw(w, "<label>Order<select name=\"side\"><option value=\"buy\">Buy</option>"
	         "<option value=\"sell\">Sell</option></select></label><label>Share<select name=\"symbol\">");
	for (size_t i = 0; i < market_nshares; i++) {
		h_raw(w, "<option value=\"");
		h_str(w, market_shares[i].symbol);
		h_raw(w, "\">");
		h_str(w, market_shares[i].symbol);
		h_raw(w, " at ");
		h_money(w, quote_price(&market_shares[i], k));
		h_raw(w, "</option>");
	}
	h_raw(w, "</select></label><label>Shares<input name=\"shares\" value=\"1\" inputmode=\"numeric\" required>"
	         "</label><button>Place order</button></form><p><small>The order executes at the price shown here, "
	         "quoted at ");
	hhmm(w, k * QUOTE_PERIOD);
	h_raw(w, " UTC, if it arrives before ");
	hhmm(w, (k + 2) * QUOTE_PERIOD);
	h_raw(w, " UTC; after that it is refused and the page shows the new quote. Buying is paid from checking, "
	         "selling is paid into it.</small></p></section>\n");

	/* Move money between the two accounts. */
	h_raw(w, "<section><h2>Move money</h2>");
	form_open(b, w, id, "transfer", now);
	account_select(w, "from", "From", LEDGER_SAVINGS);
	account_select(w, "to", "To", LEDGER_CHECKING);
	h_raw(w, "<label>Amount<input name=\"amount\" placeholder=\"0.00\" inputmode=\"decimal\" required></label>"
	         "<button>Move</button></form></section>\n</div>\n");
	page_market(b, w, now);
	page_end(w);
}

void page_statement(const struct bank *b, sg_wr *w, const bank_identity *id, const ledger_entry *e, size_t n,
                    int64_t done)
{
	page_begin(b, w, "Statement", id);
	h_raw(w, "<section><h1>Statement</h1>");
	if (done > 0)
		h_fmt(w, "<p class=\"ok\">Done: recorded as transaction %lld.</p>", (long long)done);
	h_raw(w, "<table><tr><th>#</th><th>Date (UTC)</th><th>Description</th><th>Account</th>"
	         "<th class=\"n\">Amount</th><th>Certificate</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		h_raw(w, e[i].id == done ? "<tr class=\"hl\"" : "<tr");
		h_fmt(w, " id=\"t%lld\"><td>%lld</td><td>", (long long)e[i].id, (long long)e[i].id);
		datetime(w, e[i].at);
		h_raw(w, "</td><td>");
		h_str(w, e[i].text);
		h_raw(w, "</td><td>");
		h_str(w, e[i].account);
		h_raw(w, e[i].amount < 0 ? "</td><td class=\"n neg\">" : "</td><td class=\"n pos\">");
		h_money(w, e[i].amount);
		h_raw(w, "</td><td><small>serial ");
		h_str(w, e[i].serial);
		h_raw(w, "<br>SHA-256 ");
		h_text(w, e[i].fingerprint, strlen(e[i].fingerprint) > 16 ? 16 : strlen(e[i].fingerprint));
		h_raw(w, "&hellip;</small></td></tr>\n");
	}
	h_raw(w, "</table>");
	if (n == 0)
		h_raw(w, "<p class=\"muted\">Nothing yet.</p>");
	h_raw(w, "<p><small>Newest first; the latest 200 entries.</small></p></section>\n");
	page_end(w);
}

void page_error(const struct bank *b, sg_wr *w, const bank_identity *id, int status, const char *msg)
{
	char title[64];
	snprintf(title, sizeof title, "%d %s", status, sg_http_reason((uint16_t)status));
	page_begin(b, w, title, id);
	h_raw(w, "<section><h1>");
	h_str(w, title);
	h_raw(w, "</h1><p class=\"err\">");
	h_str(w, msg);
	h_raw(w, "</p><p>");
	nav_link(b, w, "", id ? "Back to your accounts" : "Back to the bank");
	h_raw(w, "</p></section>\n");
	page_end(w);
}
