/*
 * Tests of the demonstration bank's ledger (bank/ledger.c), of its
 * strict amounts (bank/money.c) and of the identity it takes from the
 * proxy's headers (bank/identity.c: RFC 4514 names, UTF-8, the header
 * rules): every refused amount with its sentence,
 * overdraft and over-selling refused with nothing changed, the binding of
 * an account to its first certificate, statement order, and the
 * atomicity under contention: 20 threads, each with its own SQLite
 * connection to one database, making 1,000 purchases at once must neither
 * lose nor create money, overdraw, or let SQLITE_BUSY reach the user.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bank.h"
#include "ledger.h"
#include "money.h"
#include "test.h"

static char dir[256];
static char db_path[300];

/* ---- amounts ---- */

static void test_money_parse(void)
{
	static const struct {
		const char *s;
		int64_t cents;
	} good[] = {
		{ "1", 100 }, { "0.01", 1 }, { "0.1", 10 }, { "0.5", 50 }, { "12.5", 1250 },
		{ "12.50", 1250 }, { "12.05", 1205 }, { "1000", 100000 }, { "999999999.99", 99999999999 },
		{ "1000000000", 100000000000 }, { "1000000000.00", 100000000000 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t c = -1;
		const char *why = NULL;
		int r = money_parse(good[i].s, strlen(good[i].s), &c, &why);
		CHECK_MSG(r == 0 && c == good[i].cents, "%s: %d %lld (%s)", good[i].s, r, (long long)c,
		          why ? why : "");
	}
	/* Each bad amount with a word its sentence must hold. */
	static const struct {
		const char *s;
		const char *word;
	} bad[] = {
		{ "", "enter" },
		{ "-1", "negative" },
		{ "-0.01", "negative" },
		{ "--1", "negative" },
		{ "+1", "sign" },
		{ "+0.50", "sign" },
		{ " 1", "spaces" },
		{ "1 ", "spaces" },
		{ "1 000", "spaces" },
		{ "\t1", "spaces" },
		{ "1\n", "spaces" },
		{ "1e3", "exponent" },
		{ "1E3", "exponent" },
		{ "1.5e2", "exponent" },
		{ "1.005", "cents" },
		{ "0.001", "cents" },
		{ "12.345", "cents" },
		{ "1,000.00", "separators" },
		{ "12,50", "separators" },
		{ "1_000", "separators" },
		{ "1'000", "separators" },
		{ "1.", "after the point" },
		{ ".5", "before the point" },
		{ ".", "before the point" },
		{ "1..2", "more than one point" },
		{ "1.2.3", "more than one point" },
		{ "0", "more than zero" },
		{ "0.00", "more than zero" },
		{ "0.0", "more than zero" },
		{ "012", "leading zeros" },
		{ "00.10", "leading zeros" },
		{ "1000000000.01", "too large" },
		{ "10000000000", "too large" },
		{ "92233720368547758.07", "too large" },
		{ "92233720368547758.08", "too large" },
		{ "184467440737095516.16", "too large" },
		{ "99999999999999999999999999999", "too large" },
		{ "0x10", "digits" },
		{ "NaN", "digits" },
		{ "inf", "digits" },
		{ "12\xd9\xa3", "digits" },    /* an Arabic-Indic digit */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t c = 7;
		const char *why = NULL;
		int r = money_parse(bad[i].s, strlen(bad[i].s), &c, &why);
		CHECK_MSG(r == -1 && c == 7 && why && strstr(why, bad[i].word), "\"%s\": %d %lld (%s)", bad[i].s, r,
		          (long long)c, why ? why : "no sentence");
	}
	/* The NUL inside "1\0002" (three bytes) is not a digit. */
	int64_t c = 7;
	const char *why = NULL;
	CHECK(money_parse("1\0002", 3, &c, &why) == -1 && c == 7 && why);
}

static void test_shares_parse(void)
{
	static const struct {
		const char *s;
		int64_t v;      /* 0: refused */
	} t[] = {
		{ "1", 1 }, { "10", 10 }, { "999999", 999999 }, { "1000000", 1000000 },
		{ "", 0 }, { "0", 0 }, { "00", 0 }, { "01", 0 }, { "-1", 0 }, { "+1", 0 }, { "1.5", 0 },
		{ "1.0", 0 }, { "1e3", 0 }, { " 1", 0 }, { "1 ", 0 }, { "1000001", 0 }, { "1,000", 0 },
		{ "99999999999999999999999", 0 }, { "9223372036854775808", 0 }, { "x", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t v = -7;
		const char *why = NULL;
		int r = shares_parse(t[i].s, strlen(t[i].s), &v, &why);
		if (t[i].v)
			CHECK_MSG(r == 0 && v == t[i].v, "%s: %d %lld", t[i].s, r, (long long)v);
		else
			CHECK_MSG(r == -1 && v == -7 && why, "%s: %d %lld, want refused", t[i].s, r, (long long)v);
	}
	int64_t v = 0;
	const char *why = NULL;
	CHECK(shares_parse("0", 1, &v, &why) == -1 && strstr(why, "at least one"));
	CHECK(shares_parse("1.5", 3, &v, &why) == -1 && strstr(why, "whole"));
	CHECK(count_parse("99", 2, 99, &v, &why) == 0 && v == 99);
	CHECK(count_parse("100", 3, 99, &v, &why) == -1 && strstr(why, "too large"));
}

static void test_money_format(void)
{
	static const struct {
		int64_t c;
		const char *s;
	} t[] = {
		{ 0, "0.00" }, { 5, "0.05" }, { -5, "-0.05" }, { 99, "0.99" }, { 100, "1.00" },
		{ 123456, "1,234.56" }, { 100000, "1,000.00" }, { 99999999, "999,999.99" },
		{ 123456789, "1,234,567.89" }, { -100000, "-1,000.00" },
		{ INT64_MAX, "92,233,720,368,547,758.07" }, { INT64_MIN, "-92,233,720,368,547,758.08" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char out[MONEY_FMT_MAX];
		money_format(t[i].c, out);
		CHECK_MSG(strcmp(out, t[i].s) == 0, "%lld: %s", (long long)t[i].c, out);
	}
	/* Every formatted amount parses back (without its separators). */
	for (int64_t c = 1; c < 300000; c += 997) {
		char out[MONEY_FMT_MAX], plain[MONEY_FMT_MAX];
		money_format(c, out);
		size_t n = 0;
		for (const char *p = out; *p; p++)
			if (*p != ',')
				plain[n++] = *p;
		int64_t back = 0;
		const char *why;
		CHECK_MSG(money_parse(plain, n, &back, &why) == 0 && back == c, "%s", out);
	}
}

/* ---- identity ---- */

static void test_dn(void)
{
	static const struct {
		const char *dn;
		const char *cn;     /* NULL: refused */
	} t[] = {
		{ "CN=alice", "alice" },
		{ "CN=alice,O=Example", "alice" },
		{ "CN=alice, O=Example, C=NL", "alice" },          /* sigil's own ", " */
		{ "O=Example,CN=alice", "alice" },
		{ "cn=alice", "alice" },
		{ "commonName=alice", "alice" },
		{ "2.5.4.3=alice", "alice" },
		{ "CN=alice+UID=7,O=x", "alice" },
		{ "UID=7 + CN=alice,O=x", "alice" },
		{ "CN=first,CN=second", "first" },
		{ "CN=Alice Smith", "Alice Smith" },
		{ "CN=a\\\\b", "a\\b" },
		{ "CN=a\\b", NULL },                               /* a backslash and half a hex pair */
		{ "CN=\\<script\\>", "<script>" },
		{ "CN=x\\2C y\\3B", "x, y;" },
		{ "CN=\\\"q\\\"", "\"q\"" },
		{ "CN=\\ lead", " lead" },
		{ "CN=trail\\ ", "trail " },
		{ "CN=\\#hash", "#hash" },
		{ "CN=a#b=c", "a#b=c" },
		{ "CN=caf\\C3\\A9", "caf\xc3\xa9" },
		{ "CN=caf\xc3\xa9", "caf\xc3\xa9" },
		{ "O=x,OU=y", NULL },                              /* no CN */
		{ "", NULL },
		{ "CN=", NULL },
		{ "CN=#0403616263", NULL },                        /* #hex CN */
		{ "CN=<script>", NULL },
		{ "CN=a;b", NULL },
		{ "CN=a\"b", NULL },
		{ "CN=#x", NULL },
		{ "CN=a\\", NULL },
		{ "CN=a\\q", NULL },
		{ "CN=a\\0", NULL },
		{ "CN=a,", NULL },
		{ "CN=a,,O=b", NULL },
		{ "=a", NULL },
		{ "CN a", NULL },
		{ "C N=a", NULL },
		{ "01.2=a,CN=b", NULL },
		{ "CN=\\0Aevil", NULL },                         /* a control */
		{ "CN=\\00", NULL },
		{ "CN=\\C3\\28", NULL },                       /* bad UTF-8 */
		{ "CN=\\C2\\80", NULL },                       /* C1 control */
		{ "CN=\xff", NULL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char cn[64];
		const char *why = NULL;
		int r = dn_first_cn(t[i].dn, strlen(t[i].dn), cn, sizeof cn, &why);
		if (t[i].cn)
			CHECK_MSG(r == 0 && strcmp(cn, t[i].cn) == 0, "%s: %d %s (%s)", t[i].dn, r, r ? "" : cn,
			          why ? why : "");
		else
			CHECK_MSG(r == -1 && why, "%s: %d, want refused", t[i].dn, r);
	}
	/* A CN longer than the buffer is refused, not cut. */
	char small[6];
	const char *why;
	CHECK(dn_first_cn("CN=abcde", 8, small, sizeof small, &why) == 0 && strcmp(small, "abcde") == 0);
	CHECK(dn_first_cn("CN=abcdef", 9, small, sizeof small, &why) == -1 && strstr(why, "too long"));
	/* Bytes after an embedded NUL are not part of a C string name. */
	CHECK(dn_first_cn("CN=a\0b", 6, small, sizeof small, &why) == -1);
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{ "", true }, { "abc", true }, { "caf\xc3\xa9", true }, { "\xe2\x82\xac", true },
		{ "\xf0\x9f\x8f\xa6", true }, { "\xf4\x8f\xbf\xbf", true }, { "\xc2\xa0", true },
		{ "a\tb", false }, { "a\nb", false }, { "\x7f", false }, { "\xc2\x80", false }, { "\xc2\x9f", false },
		{ "\xc0\x80", false }, { "\xc1\xbf", false }, { "\xe0\x80\x80", false }, { "\xed\xa0\x80", false },
		{ "\xf4\x90\x80\x80", false }, { "\xf5\x80\x80\x80", false }, { "\xc3", false },
		{ "\xe2\x82", false }, { "\x80", false }, { "\xc3\x28", false }, { "\xff", false },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK_MSG(utf8_text_ok(t[i].s, strlen(t[i].s)) == t[i].ok, "case %zu", i);
}

static int ident(const char *fields, bank_identity *id, const char **why)
{
	static char buf[4096];
	static sg_http_request req;
	snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", fields);
	if (sg_http_parse_request(buf, strlen(buf), &req) <= 0)
		return -99;
	*why = NULL;
	return identity_read(&req, id, why);
}

#define GOOD_ID "X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice,O=Example\r\n" \
                "X-Client-Issuer: CN=sigil development CA\r\nX-Client-Serial: 6CC9ce\r\n" \
                "X-Client-Fingerprint-SHA256: " FP_UPPER "\r\n"
#define FP_UPPER "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"

static void test_identity(void)
{
	bank_identity id;
	const char *why;
	CHECK(ident(GOOD_ID, &id, &why) == 1 && strcmp(id.cn, "alice") == 0 && strcmp(id.serial, "6cc9ce") == 0 &&
	      strcmp(id.fingerprint, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789") == 0 &&
	      strcmp(id.subject, "CN=alice,O=Example") == 0 && strcmp(id.issuer, "CN=sigil development CA") == 0);
	/* Header names are case-insensitive; X-Client-Cert is ignored. */
	CHECK(ident("x-client-verify: SUCCESS\r\nx-client-subject: CN=bob\r\nx-client-issuer: CN=ca\r\n"
	            "x-client-serial: 01\r\nx-client-fingerprint-sha256: " FP_UPPER "\r\n"
	            "X-Client-Cert: -----BEGIN%20CERTIFICATE-----\r\n", &id, &why) == 1 && strcmp(id.cn, "bob") == 0);
	CHECK(ident("", &id, &why) == 0);
	CHECK(ident("X-Client-Verify: NONE\r\n", &id, &why) == 0);
	static const char *const bad[] = {
		GOOD_ID "X-Client-Subject: CN=mallory\r\n",
		GOOD_ID "X-Client-Verify: SUCCESS\r\n",
		GOOD_ID "X-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
		"X-Client-Verify: NONE\r\nX-Client-Subject: CN=alice\r\n",
		"X-Client-Subject: CN=alice\r\n",
		"X-Client-Cert: x\r\n",
		"X-Client-Verify: success\r\nX-Client-Subject: CN=alice\r\nX-Client-Issuer: CN=ca\r\n"
		"X-Client-Serial: 01\r\nX-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
		"X-Client-Verify: FAILED:expired\r\n",
		"X-Client-Verify: SUCCESS\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice\r\nX-Client-Serial: 01\r\n"
		"X-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice\r\nX-Client-Issuer: CN=ca\r\n"
		"X-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice\r\nX-Client-Issuer: CN=ca\r\n"
		"X-Client-Serial: 0x01\r\nX-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice\r\nX-Client-Issuer: CN=ca\r\n"
		"X-Client-Serial: 01\r\nX-Client-Fingerprint-SHA256: abcd\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice\r\nX-Client-Issuer: CN=ca\r\n"
		"X-Client-Serial: 01\r\nX-Client-Fingerprint-SHA256: " FP_UPPER "00\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: O=NoName\r\nX-Client-Issuer: CN=ca\r\n"
		"X-Client-Serial: 01\r\nX-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
		"X-Client-Verify: SUCCESS\r\nX-Client-Subject: CN=alice\r\nX-Client-Issuer: not a name\r\n"
		"X-Client-Serial: 01\r\nX-Client-Fingerprint-SHA256: " FP_UPPER "\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = ident(bad[i], &id, &why);
		CHECK_MSG(r == -1 && why, "case %zu: %d", i, r);
	}
}

/* ---- the ledger ---- */

static ledger_cert cert(const char *cn, const char *fp)
{
	ledger_cert c = { cn, "CN=test", "CN=sigil development CA", "0a1b2c", fp };
	return c;
}

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static ledger *open_db(void)
{
	ledger *l = NULL;
	char err[256] = "";
	CHECK_MSG(ledger_open(db_path, &l, err, sizeof err) == 0 && l, "%s", err);
	return l;
}

static void balances(ledger *l, int64_t user, int64_t *chk, int64_t *sav)
{
	ledger_summary s;
	ledger_res r;
	CHECK(ledger_summary_get(l, user, &s, &r) == LEDGER_OK);
	*chk = s.balance[LEDGER_CHECKING];
	*sav = s.balance[LEDGER_SAVINGS];
}

static size_t count_entries(ledger *l, int64_t user)
{
	static ledger_entry e[4000];
	size_t n = 0;
	ledger_res r;
	CHECK(ledger_statement(l, user, e, sizeof e / sizeof e[0], &n, &r) == LEDGER_OK);
	return n;
}

static void test_ledger_basics(void)
{
	ledger *l = open_db();
	if (!l)
		return;
	ledger_cert a = cert("alice", FP_A);
	ledger_res r;
	int64_t alice = 0, again = 0, chk, sav;
	CHECK(ledger_login(l, &a, 1000, &alice, &r) == LEDGER_OK && alice > 0);
	CHECK(ledger_login(l, &a, 1001, &again, &r) == LEDGER_OK && again == alice);
	balances(l, alice, &chk, &sav);
	CHECK(chk == 100000 && sav == 500000);
	CHECK(count_entries(l, alice) == 2);

	/* A purchase, a bill, a transfer and trades, each recorded. */
	CHECK(ledger_purchase(l, alice, &a, LEDGER_CHECKING, "Fountain pen", 2, 4500, 1100, &r) == LEDGER_OK &&
	      r.tx > 0);
	int64_t t1 = r.tx;
	CHECK(ledger_pay(l, alice, &a, LEDGER_SAVINGS, "City Power & Light", "<b>123</b>", 12345, 1200, &r) ==
	      LEDGER_OK && r.tx > t1);
	CHECK(ledger_transfer(l, alice, &a, LEDGER_SAVINGS, LEDGER_CHECKING, 50000, 1300, &r) == LEDGER_OK);
	CHECK(ledger_trade(l, alice, &a, true, "SGL", 5, 14250, 1400, &r) == LEDGER_OK);
	CHECK_MSG(ledger_trade(l, alice, &a, false, "SGL", 2, 15000, 1500, &r) == LEDGER_OK, "%s", r.why);
	balances(l, alice, &chk, &sav);
	CHECK_MSG(chk == 100000 - 9000 + 50000 - 71250 + 30000, "checking %lld", (long long)chk);
	CHECK_MSG(sav == 500000 - 12345 - 50000, "savings %lld", (long long)sav);
	ledger_summary s;
	CHECK(ledger_summary_get(l, alice, &s, &r) == LEDGER_OK && s.nhold == 1 &&
	      strcmp(s.hold[0].symbol, "SGL") == 0 && s.hold[0].shares == 3);

	/* The statement: newest first, every movement, with the certificate. */
	ledger_entry e[20];
	size_t n = 0;
	CHECK(ledger_statement(l, alice, e, 20, &n, &r) == LEDGER_OK && n == 8);
	static const char *const kinds[] = { "sell", "buy", "transfer", "transfer", "bill", "purchase", "open", "open" };
	for (size_t i = 0; i < n && i < 8; i++) {
		CHECK_MSG(strcmp(e[i].kind, kinds[i]) == 0, "entry %zu: %s", i, e[i].kind);
		CHECK(i == 0 || (e[i].id < e[i - 1].id && e[i].at <= e[i - 1].at));
		CHECK(strcmp(e[i].serial, "0a1b2c") == 0 && strcmp(e[i].fingerprint, FP_A) == 0);
	}
	CHECK(strcmp(e[0].text, "Sold 2 SGL at 150.00") == 0 && e[0].amount == 30000);
	CHECK(strcmp(e[1].text, "Bought 5 SGL at 142.50") == 0 && e[1].amount == -71250);
	CHECK(strcmp(e[2].account, "checking") == 0 && e[2].amount == 50000);
	CHECK(strcmp(e[3].account, "savings") == 0 && e[3].amount == -50000);
	CHECK(strcmp(e[4].text, "Bill: City Power & Light, reference <b>123</b>") == 0 && e[4].amount == -12345);
	CHECK(strcmp(e[5].text, "Fountain pen x 2") == 0 && e[5].amount == -9000);
	/* A limit keeps the newest. */
	CHECK(ledger_statement(l, alice, e, 3, &n, &r) == LEDGER_OK && n == 3 && strcmp(e[0].kind, "sell") == 0 &&
	      strcmp(e[2].kind, "transfer") == 0);

	/* Refusals change nothing: no balance, no holding, no entry. */
	balances(l, alice, &chk, &sav);
	int64_t chk0 = chk, sav0 = sav;
	size_t n0 = count_entries(l, alice);
	CHECK(ledger_purchase(l, alice, &a, LEDGER_CHECKING, "Yacht", 1, chk + 1, 1600, &r) == LEDGER_REFUSED &&
	      strstr(r.why, "not enough money") && strstr(r.why, "no overdraft"));
	CHECK(ledger_pay(l, alice, &a, LEDGER_SAVINGS, "Tax Office", "", sav + 1, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_transfer(l, alice, &a, LEDGER_CHECKING, LEDGER_SAVINGS, chk + 1, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_transfer(l, alice, &a, LEDGER_CHECKING, LEDGER_CHECKING, 100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_trade(l, alice, &a, false, "SGL", 7, 15000, 1600, &r) == LEDGER_REFUSED &&
	      strstr(r.why, "hold 3"));
	CHECK(ledger_trade(l, alice, &a, false, "ACME", 1, 15000, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_trade(l, alice, &a, true, "SGL", 1000000, 100000, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_purchase(l, alice, &a, LEDGER_CHECKING, "Pen", 1, 0, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_purchase(l, alice, &a, LEDGER_CHECKING, "Pen", 1, -100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_purchase(l, alice, &a, LEDGER_CHECKING, "Pen", 0, 100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_purchase(l, alice, &a, LEDGER_CHECKING, "Pen", INT64_MAX, 2, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_pay(l, alice, &a, LEDGER_CHECKING, "Tax Office", "", 0, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_pay(l, alice, &a, LEDGER_CHECKING, "Tax Office", "", -1, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_pay(l, alice, &a, LEDGER_CHECKING, "Tax Office", "", INT64_MIN, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_pay(l, alice, &a, LEDGER_CHECKING, "Tax Office", "", MONEY_MAX_CENTS + 1, 1600, &r) ==
	      LEDGER_REFUSED);
	CHECK(ledger_transfer(l, alice, &a, LEDGER_CHECKING, LEDGER_SAVINGS, -100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_trade(l, alice, &a, true, "SGL", 0, 100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_trade(l, alice, &a, true, "SGL", -5, 100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_trade(l, alice, &a, true, "SGL", 1, -100, 1600, &r) == LEDGER_REFUSED);
	CHECK(ledger_trade(l, alice, &a, true, "SGL", 1000000, INT64_MAX, 1600, &r) == LEDGER_REFUSED);
	balances(l, alice, &chk, &sav);
	CHECK(chk == chk0 && sav == sav0 && count_entries(l, alice) == n0);
	CHECK(ledger_summary_get(l, alice, &s, &r) == LEDGER_OK && s.nhold == 1 && s.hold[0].shares == 3);

	/* Spending exactly the balance is allowed; one cent more is not. */
	CHECK(ledger_pay(l, alice, &a, LEDGER_CHECKING, "Landlord", "", chk, 1700, &r) == LEDGER_OK);
	CHECK(ledger_pay(l, alice, &a, LEDGER_CHECKING, "Landlord", "", 1, 1700, &r) == LEDGER_REFUSED);
	balances(l, alice, &chk, &sav);
	CHECK(chk == 0);
	/* Selling everything empties the holding. */
	CHECK(ledger_trade(l, alice, &a, false, "SGL", 3, 100, 1800, &r) == LEDGER_OK);
	CHECK(ledger_summary_get(l, alice, &s, &r) == LEDGER_OK && s.nhold == 0 && s.balance[0] == 300);

	/* Users see only their own entries. */
	ledger_cert b = cert("bob", FP_B);
	int64_t bob = 0;
	CHECK(ledger_login(l, &b, 1900, &bob, &r) == LEDGER_OK && bob != alice);
	CHECK(count_entries(l, bob) == 2);
	ledger_close(l);
}

static void test_binding(void)
{
	ledger *l = open_db();
	if (!l)
		return;
	ledger_cert first = cert("grace", FP_A), other = cert("grace", FP_B);
	ledger_res r;
	int64_t u1 = 0, u2 = 0;
	CHECK(ledger_login(l, &first, 10, &u1, &r) == LEDGER_OK);
	/* The same name with another certificate is refused, and says why. */
	CHECK(ledger_login(l, &other, 11, &u2, &r) == LEDGER_FORBIDDEN && u2 == 0 &&
	      strstr(r.why, "bound to another certificate") && strstr(r.why, "--rebind"));
	CHECK(ledger_rebind(l, "nobody", &r) == LEDGER_REFUSED);
	CHECK(ledger_rebind(l, "grace", &r) == LEDGER_OK);
	/* After the rebind the next certificate binds, and the first one is
	 * refused from then on; the accounts stay the same. */
	CHECK(ledger_login(l, &other, 12, &u2, &r) == LEDGER_OK && u2 == u1);
	CHECK(ledger_login(l, &first, 13, &u2, &r) == LEDGER_FORBIDDEN);
	int64_t chk, sav;
	balances(l, u1, &chk, &sav);
	CHECK(chk == LEDGER_SEED_CHECKING && sav == LEDGER_SEED_SAVINGS && count_entries(l, u1) == 2);
	ledger_close(l);
}

/* Opening a ledger needs no write lock once it exists: a connection (the
 * bank's next one) opens while another holds the write lock for as long
 * as it likes, and reads balances beside it (WAL). */
static void test_open_while_locked(void)
{
	sqlite3 *holder;
	CHECK(sqlite3_open(db_path, &holder) == SQLITE_OK);
	CHECK(sqlite3_exec(holder, "BEGIN IMMEDIATE; UPDATE accounts SET balance = balance", NULL, NULL, NULL) ==
	      SQLITE_OK);
	ledger *l = NULL;
	char err[256] = "";
	CHECK_MSG(ledger_open(db_path, &l, err, sizeof err) == 0, "%s", err);
	if (l) {
		ledger_cert a = cert("grace", FP_B);
		ledger_res r;
		int64_t u = 0;
		CHECK(ledger_login(l, &a, 20, &u, &r) == LEDGER_OK && u > 0);
		int64_t chk, sav;
		balances(l, u, &chk, &sav);
		CHECK(chk == LEDGER_SEED_CHECKING);
		ledger_close(l);
	}
	CHECK(sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(holder);
}

static void test_not_a_ledger(void)
{
	char path[320], err[256] = "";
	snprintf(path, sizeof path, "%s/other.db", dir);
	sqlite3 *db;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE x(y)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	ledger *l = NULL;
	CHECK(ledger_open(path, &l, err, sizeof err) == -1 && l == NULL && strstr(err, "not a sigil bank ledger"));
	snprintf(path, sizeof path, "%s/meta.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE meta(key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'x')",
	                   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(ledger_open(path, &l, err, sizeof err) == -1 && strstr(err, "not a sigil bank ledger"));
	CHECK(ledger_open("/nonexistent-dir/x.db", &l, err, sizeof err) == -1 && strstr(err, "nonexistent"));
	/* A new ledger file is private. */
	snprintf(path, sizeof path, "%s/new.db", dir);
	CHECK(ledger_open(path, &l, err, sizeof err) == 0);
	ledger_close(l);
	CHECK(access(path, F_OK) == 0);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "test \"$(stat -c %%a %s)\" = 600", path);
	CHECK(system(cmd) == 0);
}

/* ---- contention ---- */

#define THREADS 20

struct worker {
	pthread_t t;
	const char *cn;
	int n;                  /* operations to try */
	int kind;               /* 0 purchases of 1.00, 1 transfers, 2 logins */
	unsigned seed;
	int ok, refused, other;
	char why[400];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char err[256];
	ledger *l = NULL;
	if (ledger_open(db_path, &l, err, sizeof err) != 0) {
		w->other = w->n;
		snprintf(w->why, sizeof w->why, "%s", err);
		return NULL;
	}
	ledger_cert c = cert(w->cn, FP_A);
	ledger_res r;
	int64_t user = 0;
	if (ledger_login(l, &c, 5000, &user, &r) != LEDGER_OK) {
		w->other = w->n;
		snprintf(w->why, sizeof w->why, "login: %s", r.why);
		ledger_close(l);
		return NULL;
	}
	for (int i = 0; i < w->n; i++) {
		int code;
		if (w->kind == 0) {
			code = ledger_purchase(l, user, &c, LEDGER_CHECKING, "Coffee", 1, 100, 5000 + i, &r);
		} else if (w->kind == 1) {
			/* A random amount either way, sometimes more than the
			 * account holds (refused). */
			int64_t amt = 1 + (int64_t)(rand_r(&w->seed) % 300000);
			bool up = rand_r(&w->seed) & 1;
			code = ledger_transfer(l, user, &c, up ? LEDGER_CHECKING : LEDGER_SAVINGS,
			                       up ? LEDGER_SAVINGS : LEDGER_CHECKING, amt, 5000 + i, &r);
		} else {
			int64_t again = 0;
			code = ledger_login(l, &c, 5000 + i, &again, &r);
			if (code == LEDGER_OK && again != user)
				code = LEDGER_ERROR;
		}
		if (code == LEDGER_OK) {
			w->ok++;
		} else if (code == LEDGER_REFUSED) {
			w->refused++;
		} else {
			w->other++;
			snprintf(w->why, sizeof w->why, "%s", r.why);
		}
	}
	ledger_close(l);
	return NULL;
}

/* Run THREADS workers of kind on cn, n operations each; totals. */
static void race(const char *cn, int kind, int n, int *ok, int *refused, int *other)
{
	static struct worker w[THREADS];
	*ok = *refused = *other = 0;
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].cn = cn;
		w[i].n = n;
		w[i].kind = kind;
		w[i].seed = (unsigned)(i * 7919 + 17);
		CHECK(pthread_create(&w[i].t, NULL, work, &w[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].t, NULL);
		*ok += w[i].ok;
		*refused += w[i].refused;
		*other += w[i].other;
		CHECK_MSG(w[i].other == 0, "worker %d: %d failures, last: %s", i, w[i].other, w[i].why);
	}
}

/* Straight from SQLite, not through the ledger: one number of the user. */
static int64_t sql_num(const char *sql, const char *cn)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = INT64_MIN;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, cn, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

#define SUM_BALANCES "SELECT sum(balance) FROM accounts JOIN users ON users.id = user_id WHERE cn = ?"
#define MIN_BALANCE "SELECT min(balance) FROM accounts JOIN users ON users.id = user_id WHERE cn = ?"
#define SUM_PURCHASES "SELECT coalesce(-sum(amount), 0) FROM transactions JOIN users ON users.id = user_id" \
                      " WHERE cn = ? AND kind = 'purchase'"
#define N_PURCHASES "SELECT count(*) FROM transactions JOIN users ON users.id = user_id" \
                    " WHERE cn = ? AND kind = 'purchase'"
#define N_TRANSFERS "SELECT count(*) FROM transactions JOIN users ON users.id = user_id" \
                    " WHERE cn = ? AND kind = 'transfer'"
#define N_USERS "SELECT count(*) FROM users WHERE cn = ?"
#define N_OPEN "SELECT count(*) FROM transactions JOIN users ON users.id = user_id WHERE cn = ? AND kind = 'open'"

static void test_concurrency(void)
{
	const int64_t total = LEDGER_SEED_CHECKING + LEDGER_SEED_SAVINGS;
	int ok, refused, other;

	/* 1,000 purchases of 1.00 from 20 connections at once: exactly the
	 * 1,000.00 of checking, so every one succeeds and checking ends at
	 * zero; balances plus purchases are what was seeded. */
	race("hank", 0, 50, &ok, &refused, &other);
	CHECK_MSG(ok == 1000 && refused == 0 && other == 0, "%d ok, %d refused, %d failed", ok, refused, other);
	CHECK(sql_num(N_PURCHASES, "hank") == 1000);
	CHECK(sql_num(SUM_PURCHASES, "hank") == 100000);
	CHECK(sql_num(SUM_BALANCES, "hank") + sql_num(SUM_PURCHASES, "hank") == total);
	CHECK(sql_num(MIN_BALANCE, "hank") == 0);

	/* 1,200 attempts for 1,000.00: exactly 1,000 succeed, 200 are
	 * refused as overdrafts, and no balance ever goes below zero. */
	race("carol", 0, 60, &ok, &refused, &other);
	CHECK_MSG(ok == 1000 && refused == 200 && other == 0, "%d ok, %d refused, %d failed", ok, refused, other);
	CHECK(sql_num(SUM_BALANCES, "carol") + sql_num(SUM_PURCHASES, "carol") == total);
	CHECK(sql_num(MIN_BALANCE, "carol") == 0);
	CHECK(sql_num(N_PURCHASES, "carol") == 1000);

	/* Random transfers both ways between one user's accounts, 20
	 * connections at once: the sum never changes, and each transfer is
	 * its two rows. */
	race("dave", 1, 40, &ok, &refused, &other);
	CHECK_MSG(ok + refused == 800 && ok > 0 && other == 0, "%d ok, %d refused, %d failed", ok, refused, other);
	CHECK(sql_num(SUM_BALANCES, "dave") == total);
	CHECK(sql_num(MIN_BALANCE, "dave") >= 0);
	CHECK(sql_num(N_TRANSFERS, "dave") == 2 * ok);

	/* 20 first sights of one name at once make one user, seeded once. */
	race("erin", 2, 5, &ok, &refused, &other);
	CHECK(ok == 100 && other == 0);
	CHECK(sql_num(N_USERS, "erin") == 1 && sql_num(N_OPEN, "erin") == 2);
	CHECK(sql_num(SUM_BALANCES, "erin") == total);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/sigil-bank-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof db_path, "%s/bank.db", dir);
	test_money_parse();
	test_shares_parse();
	test_money_format();
	test_dn();
	test_utf8();
	test_identity();
	test_ledger_basics();
	test_binding();
	test_open_while_locked();
	test_not_a_ledger();
	test_concurrency();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_END();
}
