/*
 * The bank's routes, under the prefix (--prefix, "/bank/" behind
 * `sigil serve --proxy /bank/=...`):
 *
 *   GET  PREFIX            the public page, or the user's accounts and forms
 *   GET  PREFIX statement  the user's statement, newest first
 *   POST PREFIX buy        buy an item of the catalogue
 *   POST PREFIX pay        pay a bill
 *   POST PREFIX trade      buy or sell shares at the quote of the form
 *   POST PREFIX transfer   move money between the user's two accounts
 *
 * A POST is taken only with a verified identity, from this origin (Origin
 * and Sec-Fetch-Site, where the browser sends them), as a form
 * (application/x-www-form-urlencoded), with a valid CSRF token for that
 * form and certificate; then every field is checked before the ledger
 * sees it.  A success answers 303 to the statement (post/redirect/get: a
 * reload does not pay twice).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "money.h"

#define FORM_FIELDS 16

typedef struct form {
	size_t n;
	struct {
		char name[32];
		char value[256];
	} f[FORM_FIELDS];
} form;

static void page(bank_resp *out, int status)
{
	out->status = status;
	out->type = "text/html; charset=utf-8";
}

static void fail(const struct bank *b, bank_resp *out, const bank_identity *id, int status, const char *msg)
{
	page(out, status);
	sg_wr_reset(&out->body);
	page_error(b, &out->body, id, status, msg);
}

static bool str_eq(sg_http_str a, const char *b)
{
	return a.n == strlen(b) && memcmp(a.p, b, a.n) == 0;
}

static bool ci_eq(const char *a, size_t n, const char *b)
{
	if (n != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
		if (x != y)
			return false;
	}
	return true;
}

/* Every pair decoded; a name twice, or more fields than a form of ours
 * has, is refused: two values for "amount" must not be read one way
 * here and another way by anyone else. */
static int form_parse(const char *body, size_t n, form *f, const char **why)
{
	sg_http_str rest = { body, n }, name, value;
	f->n = 0;
	while (sg_http_form_next(&rest, &name, &value)) {
		if (f->n == FORM_FIELDS) {
			*why = "the form has more fields than any form of this bank";
			return -1;
		}
		if (sg_http_form_decode(name.p, name.n, f->f[f->n].name, sizeof f->f[0].name) < 0 ||
		    sg_http_form_decode(value.p, value.n, f->f[f->n].value, sizeof f->f[0].value) < 0) {
			*why = "the form's data is not properly encoded (application/x-www-form-urlencoded) or a field is too long";
			return -1;
		}
		for (size_t i = 0; i < f->n; i++) {
			if (strcmp(f->f[i].name, f->f[f->n].name) == 0) {
				*why = "a field of the form appears twice";
				return -1;
			}
		}
		f->n++;
	}
	return 0;
}

static const char *form_get(const form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}

/*
 * A form post from another site carries the browser's client certificate
 * too.  The CSRF token is what refuses it; where the browser says where
 * the form came from (Fetch: Sec-Fetch-Site, Origin), that is checked as
 * well.  The origin we serve is the proxy's: X-Forwarded-Proto and Host.
 */
static int same_origin(const sg_http_request *h, const char **why)
{
	sg_http_str v, proto;
	if (sg_http_header_get(h->fields, h->nfields, "sec-fetch-site", &v) && !str_eq(v, "same-origin") &&
	    !str_eq(v, "none")) {
		*why = "the form was sent from another site (Sec-Fetch-Site), which this bank refuses";
		return -1;
	}
	if (!sg_http_header_get(h->fields, h->nfields, "origin", &v))
		return 0;
	const char *scheme = "http";
	if (sg_http_header_get(h->fields, h->nfields, "x-forwarded-proto", &proto) && ci_eq(proto.p, proto.n, "https"))
		scheme = "https";
	char want[600];
	int n = snprintf(want, sizeof want, "%s://%.*s", scheme, (int)h->host.n, h->host.p);
	if (n < 0 || (size_t)n >= sizeof want || !ci_eq(v.p, v.n, want)) {
		*why = "the form was sent from another origin (Origin), which this bank refuses";
		return -1;
	}
	return 0;
}

static bool is_form(const sg_http_request *h)
{
	sg_http_str v;
	if (!sg_http_header_get(h->fields, h->nfields, "content-type", &v))
		return false;
	size_t n = 0;
	while (n < v.n && v.p[n] != ';' && v.p[n] != ' ' && v.p[n] != '\t')
		n++;
	return ci_eq(v.p, n, "application/x-www-form-urlencoded");
}

static void cert_of(const bank_identity *id, ledger_cert *c)
{
	c->cn = id->cn;
	c->subject = id->subject;
	c->issuer = id->issuer;
	c->serial = id->serial;
	c->fingerprint = id->fingerprint;
}

/* A ledger result that is not LEDGER_OK as a response. */
static void ledger_fail(const struct bank *b, bank_resp *out, const bank_identity *id, const ledger_res *r)
{
	switch (r->code) {
	case LEDGER_REFUSED:
		fail(b, out, id, 400, r->why);
		break;
	case LEDGER_FORBIDDEN:
		fail(b, out, NULL, 403, r->why);
		break;
	case LEDGER_BUSY:
		fprintf(stderr, "sigil-bank: %s\n", r->why);
		fail(b, out, id, 503, "the bank is busy: try again in a moment");
		break;
	default:
		fprintf(stderr, "sigil-bank: %s\n", r->why);
		fail(b, out, id, 500, "the bank's ledger failed; nothing was changed: try again later");
		break;
	}
}

static void see_statement(const struct bank *b, bank_resp *out, int64_t tx)
{
	out->status = 303;
	out->type = "text/html; charset=utf-8";
	snprintf(out->location, sizeof out->location, "%sstatement?done=%lld", b->prefix, (long long)tx);
	h_raw(&out->body, "<!doctype html>\n<title>See Other</title><p>Done: see the <a href=\"");
	h_str(&out->body, out->location);
	h_raw(&out->body, "\">statement</a>.</p>\n");
}

static bool account_field(const form *f, const char *name, ledger_acct *a)
{
	const char *v = form_get(f, name);
	return v && ledger_acct_parse(v, a);
}

/* The POST routes after identity, origin, form and token checks. */
static void do_buy(const struct bank *b, ledger *l, const bank_identity *id, int64_t user, const form *f,
                   int64_t now, bank_resp *out)
{
	const char *item = form_get(f, "item"), *qty = form_get(f, "quantity"), *why;
	const market_item *it = item ? market_item_find(item) : NULL;
	int64_t n = 1;
	ledger_acct from;
	if (!it) {
		fail(b, out, id, 400, "choose an item of the catalogue");
		return;
	}
	if (qty && count_parse(qty, strlen(qty), 99, &n, &why) != 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "quantity: %s (1 to 99)", why);
		fail(b, out, id, 400, msg);
		return;
	}
	if (!account_field(f, "account", &from)) {
		fail(b, out, id, 400, "choose the account to pay from (checking or savings)");
		return;
	}
	ledger_cert c;
	ledger_res r;
	cert_of(id, &c);
	if (ledger_purchase(l, user, &c, from, it->name, n, it->price, now, &r) != LEDGER_OK) {
		ledger_fail(b, out, id, &r);
		return;
	}
	see_statement(b, out, r.tx);
}

static int amount_field(const struct bank *b, const form *f, const bank_identity *id, int64_t *cents,
                        bank_resp *out)
{
	const char *v = form_get(f, "amount"), *why;
	if (!v) {
		fail(b, out, id, 400, "amount: enter an amount");
		return -1;
	}
	if (money_parse(v, strlen(v), cents, &why) != 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "amount: %s", why);
		fail(b, out, id, 400, msg);
		return -1;
	}
	return 0;
}

static void do_pay(const struct bank *b, ledger *l, const bank_identity *id, int64_t user, const form *f,
                   int64_t now, bank_resp *out)
{
	const char *payee = form_get(f, "payee"), *ref = form_get(f, "reference");
	const market_payee *p = payee ? market_payee_find(payee) : NULL;
	ledger_acct from;
	int64_t cents;
	if (!p) {
		fail(b, out, id, 400, "choose a payee from the list");
		return;
	}
	if (!ref)
		ref = "";
	if (strlen(ref) > 40 || !utf8_text_ok(ref, strlen(ref))) {
		fail(b, out, id, 400,
		     "reference: at most 40 bytes of text, without line breaks or control characters");
		return;
	}
	if (!account_field(f, "account", &from)) {
		fail(b, out, id, 400, "choose the account to pay from (checking or savings)");
		return;
	}
	if (amount_field(b, f, id, &cents, out) != 0)
		return;
	ledger_cert c;
	ledger_res r;
	cert_of(id, &c);
	if (ledger_pay(l, user, &c, from, p->name, ref, cents, now, &r) != LEDGER_OK) {
		ledger_fail(b, out, id, &r);
		return;
	}
	see_statement(b, out, r.tx);
}

static void do_transfer(const struct bank *b, ledger *l, const bank_identity *id, int64_t user, const form *f,
                        int64_t now, bank_resp *out)
{
	ledger_acct from, to;
	int64_t cents;
	if (!account_field(f, "from", &from) || !account_field(f, "to", &to)) {
		fail(b, out, id, 400, "choose the two accounts (checking and savings)");
		return;
	}
	if (amount_field(b, f, id, &cents, out) != 0)
		return;
	ledger_cert c;
	ledger_res r;
	cert_of(id, &c);
	if (ledger_transfer(l, user, &c, from, to, cents, now, &r) != LEDGER_OK) {
		ledger_fail(b, out, id, &r);
		return;
	}
	see_statement(b, out, r.tx);
}

static void do_trade(const struct bank *b, ledger *l, const bank_identity *id, int64_t user, const form *f,
                     int64_t now, bank_resp *out)
{
	const char *side = form_get(f, "side"), *sym = form_get(f, "symbol"), *sh = form_get(f, "shares");
	const char *q = form_get(f, "quote"), *why;
	const market_share *s = sym ? market_share_find(sym) : NULL;
	int64_t shares, k = 0;
	bool buy;
	char msg[300];
	if (side && strcmp(side, "buy") == 0)
		buy = true;
	else if (side && strcmp(side, "sell") == 0)
		buy = false;
	else {
		fail(b, out, id, 400, "choose to buy or to sell");
		return;
	}
	if (!s) {
		fail(b, out, id, 400, "choose a share from the list");
		return;
	}
	if (!sh || shares_parse(sh, strlen(sh), &shares, &why) != 0) {
		snprintf(msg, sizeof msg, "shares: %s", sh ? why : "enter a number");
		fail(b, out, id, 400, msg);
		return;
	}
	if (!q || count_parse(q, strlen(q), 1000000000000LL, &k, &why) != 0) {
		fail(b, out, id, 400, "the order has no valid quote: reload the page and place it again");
		return;
	}
	/* The price is the quote the form showed, recomputed (the form
	 * carries its step, not a price anyone could edit), and honoured
	 * while it is current or one step old. */
	int64_t now_k = quote_step(now);
	if (k > now_k) {
		fail(b, out, id, 400, "the order's quote is from the future: reload the page");
		return;
	}
	if (now_k - k > 1) {
		char p[MONEY_FMT_MAX];
		money_format(quote_price(s, now_k), p);
		snprintf(msg, sizeof msg,
		         "the quote on your form has expired, and the order was not placed: %s is now at %s; reload "
		         "the page to trade at the new price",
		         s->symbol, p);
		fail(b, out, id, 409, msg);
		return;
	}
	ledger_cert c;
	ledger_res r;
	cert_of(id, &c);
	if (ledger_trade(l, user, &c, buy, s->symbol, shares, quote_price(s, k), now, &r) != LEDGER_OK) {
		ledger_fail(b, out, id, &r);
		return;
	}
	see_statement(b, out, r.tx);
}

static int64_t done_param(sg_http_str query)
{
	sg_http_str name, value;
	while (sg_http_form_next(&query, &name, &value)) {
		int64_t v = 0;
		const char *why;
		char s[24];
		if (str_eq(name, "done") && value.n < sizeof s) {
			memcpy(s, value.p, value.n);
			s[value.n] = 0;
			if (count_parse(s, value.n, 1000000000000000LL, &v, &why) == 0)
				return v;
		}
	}
	return 0;
}

typedef void (*post_fn)(const struct bank *, ledger *, const bank_identity *, int64_t, const form *, int64_t,
                        bank_resp *);

static const struct {
	const char *route;
	post_fn fn;
} posts[] = {
	{ "buy", do_buy }, { "pay", do_pay }, { "trade", do_trade }, { "transfer", do_transfer },
};

void app_handle(struct bank *b, ledger *l, const bank_req *r, bank_resp *out)
{
	const sg_http_request *h = r->http;
	size_t pl = strlen(b->prefix);
	bool get = h->method == SG_HTTP_GET || h->method == SG_HTTP_HEAD;
	snprintf(out->who, sizeof out->who, "-");
	page(out, 200);

	/* Routing on the path as received: our routes hold no character
	 * that needs %-encoding, so an encoded one names no route. */
	if (r->path.n + 1 == pl && memcmp(r->path.p, b->prefix, r->path.n) == 0) {
		/* "/bank" for "/bank/": the links below are relative to the
		 * prefix with its slash. */
		out->status = 301;
		snprintf(out->location, sizeof out->location, "%s", b->prefix);
		h_raw(&out->body, "<!doctype html>\n<title>Moved</title><p>The bank is at <a href=\"");
		h_str(&out->body, b->prefix);
		h_raw(&out->body, "\">");
		h_str(&out->body, b->prefix);
		h_raw(&out->body, "</a>.</p>\n");
		return;
	}
	if (r->path.n < pl || memcmp(r->path.p, b->prefix, pl) != 0) {
		fail(b, out, NULL, 404, "there is no such page here");
		return;
	}
	sg_http_str route = { r->path.p + pl, r->path.n - pl };
	post_fn fn = NULL;
	for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++)
		if (str_eq(route, posts[i].route))
			fn = posts[i].fn;
	if (!fn && !str_eq(route, "") && !str_eq(route, "statement")) {
		fail(b, out, NULL, 404, "there is no such page here");
		return;
	}
	if (fn && h->method != SG_HTTP_POST) {
		out->allow = "POST";
		fail(b, out, NULL, 405, "this address takes a form (POST) only");
		return;
	}
	if (!fn && !get) {
		out->allow = "GET, HEAD";
		fail(b, out, NULL, 405, "this page can only be read (GET)");
		return;
	}

	bank_identity id;
	const char *why;
	int st = identity_read(h, &id, &why);
	if (st < 0) {
		fprintf(stderr, "sigil-bank: refused an identity: %s\n", why);
		fail(b, out, NULL, 403, why);
		return;
	}
	if (st == 0) {
		if (str_eq(route, "")) {
			page_public(b, &out->body, r->now);
			return;
		}
		fail(b, out, NULL, 403,
		     "sign in with your certificate first: this page needs the client certificate your browser "
		     "presents (see the bank's front page)");
		return;
	}
	snprintf(out->who, sizeof out->who, "%s", id.cn);
	ledger_cert c;
	ledger_res lr;
	int64_t user = 0;
	cert_of(&id, &c);
	if (ledger_login(l, &c, r->now, &user, &lr) != LEDGER_OK) {
		ledger_fail(b, out, &id, &lr);
		return;
	}

	if (fn) {
		form f;
		char action[16];
		if (same_origin(h, &why) != 0) {
			fail(b, out, &id, 403, why);
			return;
		}
		if (!is_form(h)) {
			fail(b, out, &id, 415, "the bank takes forms as application/x-www-form-urlencoded only");
			return;
		}
		if (form_parse(r->body, r->body_len, &f, &why) != 0) {
			fail(b, out, &id, 400, why);
			return;
		}
		snprintf(action, sizeof action, "%.*s", (int)route.n, route.p);
		const char *tok = form_get(&f, "csrf");
		if (!tok) {
			fail(b, out, &id, 403,
			     "the form has no security token: reload the page and submit the form again");
			return;
		}
		if (csrf_check(b, action, id.fingerprint, tok, r->now, &why) != 0) {
			fail(b, out, &id, 403, why);
			return;
		}
		fn(b, l, &id, user, &f, r->now, out);
		return;
	}
	if (str_eq(route, "")) {
		ledger_summary s;
		if (ledger_summary_get(l, user, &s, &lr) != LEDGER_OK) {
			ledger_fail(b, out, &id, &lr);
			return;
		}
		page_accounts(b, &out->body, &id, &s, r->now);
		return;
	}
	ledger_entry *e = calloc(200, sizeof *e);
	size_t n = 0;
	if (!e) {
		fail(b, out, &id, 500, "out of memory");
		return;
	}
	if (ledger_statement(l, user, e, 200, &n, &lr) != LEDGER_OK) {
		free(e);
		ledger_fail(b, out, &id, &lr);
		return;
	}
	page_statement(b, &out->body, &id, e, n, done_param(r->query));
	free(e);
}
