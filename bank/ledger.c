/*
 * The ledger (ledger.h).  The schema keeps the invariants twice: in the
 * code, which refuses an overdraft with a sentence, and in CHECK
 * constraints, which make the database refuse a negative balance or
 * holding whatever a bug in the code would do.
 */
#include "ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "money.h"

#define FORMAT "sigil-bank-1"
/* How long one attempt waits for the write lock, and how many attempts:
 * a request waits, it does not fail, while others hold the lock. */
#define BUSY_MS 5000
#define ATTEMPTS 4

struct ledger {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE users(id INTEGER PRIMARY KEY, cn TEXT NOT NULL UNIQUE,"
	" subject TEXT NOT NULL, issuer TEXT NOT NULL,"
	/* NULL after a rebind: the next certificate with this CN binds. */
	" fingerprint TEXT, serial TEXT, created INTEGER NOT NULL);"
	"CREATE TABLE accounts(user_id INTEGER NOT NULL REFERENCES users(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('checking', 'savings')),"
	" balance INTEGER NOT NULL CHECK (balance >= 0 AND balance <= 1000000000000000),"
	" PRIMARY KEY (user_id, kind));"
	"CREATE TABLE holdings(user_id INTEGER NOT NULL REFERENCES users(id),"
	" symbol TEXT NOT NULL, shares INTEGER NOT NULL CHECK (shares >= 0),"
	" PRIMARY KEY (user_id, symbol));"
	/* One row per movement of money on one account.  AUTOINCREMENT:
	 * ids only grow, so "newest first" is "id descending". */
	"CREATE TABLE transactions(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" user_id INTEGER NOT NULL REFERENCES users(id), at INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('open', 'purchase', 'bill', 'transfer', 'buy', 'sell')),"
	" account TEXT NOT NULL, amount INTEGER NOT NULL, text TEXT NOT NULL,"
	" item TEXT, quantity INTEGER, payee TEXT, reference TEXT,"
	" symbol TEXT, shares INTEGER, price INTEGER,"
	" cert_serial TEXT NOT NULL, cert_fingerprint TEXT NOT NULL);"
	"CREATE INDEX transactions_user ON transactions(user_id, id);"
	"INSERT INTO meta VALUES ('format', '" FORMAT "');";

static const char *const acct_names[2] = { "checking", "savings" };

const char *ledger_acct_name(ledger_acct a)
{
	return acct_names[a == LEDGER_SAVINGS];
}

bool ledger_acct_parse(const char *s, ledger_acct *a)
{
	for (int i = 0; i < 2; i++) {
		if (strcmp(s, acct_names[i]) == 0) {
			*a = (ledger_acct)i;
			return true;
		}
	}
	return false;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int say(ledger_res *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(ledger_res *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	r->code = code;
	return code;
}

static bool busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* A failed SQLite call: LEDGER_BUSY to retry, or LEDGER_ERROR. */
static int db_fail(ledger *l, ledger_res *r, int rc)
{
	if (busy(rc))
		return say(r, LEDGER_BUSY, "the database is locked (%s)", sqlite3_errmsg(l->db));
	return say(r, LEDGER_ERROR, "database: %s", sqlite3_errmsg(l->db));
}

static int exec(ledger *l, const char *sql)
{
	return sqlite3_exec(l->db, sql, NULL, NULL, NULL);
}

/* Bind the arguments that types names, from 1: 'i' an int64_t, 'z' an
 * int64_t that is NULL when 0, 't' a NUL-terminated string (NULL binds
 * NULL). */
static int bind(sqlite3_stmt *st, const char *types, va_list ap)
{
	int rc = SQLITE_OK;
	for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
		if (types[i] == 'i') {
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else if (types[i] == 'z') {
			int64_t v = va_arg(ap, int64_t);
			rc = v ? sqlite3_bind_int64(st, i + 1, v) : sqlite3_bind_null(st, i + 1);
		} else {
			const char *t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
		}
	}
	return rc;
}

/* Prepare sql with its arguments bound. */
static int prep(ledger *l, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	*st = NULL;
	int rc = sqlite3_prepare_v2(l->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	va_list ap;
	va_start(ap, types);
	rc = bind(*st, types, ap);
	va_end(ap);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

/* Run a statement that returns no row. */
static int run(ledger *l, ledger_res *r, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		va_list ap;
		va_start(ap, types);
		rc = bind(st, types, ap);
		va_end(ap);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(l, r, rc);
	return LEDGER_OK;
}

void ledger_close(ledger *l)
{
	if (!l)
		return;
	sqlite3_close(l->db);
	free(l);
}

/*
 * Run fn inside BEGIN IMMEDIATE ... COMMIT: fn's LEDGER_OK commits, any
 * other code rolls back.  The write lock is taken before fn reads
 * anything, so what fn checks stays true until the commit.  A lock held
 * by others past the busy timeout is retried, ATTEMPTS times in all.
 */
typedef int (*tx_fn)(ledger *l, void *arg, ledger_res *r);

static int in_tx(ledger *l, tx_fn fn, void *arg, ledger_res *r)
{
	int code = LEDGER_ERROR;
	for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
		r->code = LEDGER_OK;
		r->why[0] = 0;
		int rc = exec(l, "BEGIN IMMEDIATE");
		if (rc != SQLITE_OK) {
			code = db_fail(l, r, rc);
			if (code == LEDGER_BUSY)
				continue;
			return code;
		}
		code = fn(l, arg, r);
		if (code == LEDGER_OK) {
			rc = exec(l, "COMMIT");
			if (rc == SQLITE_OK) {
				r->code = LEDGER_OK;
				return LEDGER_OK;
			}
			code = db_fail(l, r, rc);
		}
		/* After a failed COMMIT the transaction may still be open:
		 * ROLLBACK ends it either way (an error when none is open is
		 * harmless). */
		exec(l, "ROLLBACK");
		if (code != LEDGER_BUSY)
			return code;
	}
	return say(r, LEDGER_BUSY, "the ledger stayed locked through %d attempts of %d ms: try again", ATTEMPTS,
	           BUSY_MS);
}

/* The journal in WAL mode (readers never wait for the writer), set once
 * per database; the change needs a moment without other connections'
 * locks, which the busy handler does not always wait for: retried. */
static int wal(ledger *l)
{
	for (int i = 0; i < 100; i++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(l->db, i == 0 ? "PRAGMA journal_mode" : "PRAGMA journal_mode=WAL", -1, &st,
		                            NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		bool is_wal = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
		              strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (is_wal)
			return 0;
		if (rc != SQLITE_ROW && !busy(rc))
			return -1;
		if (busy(rc))
			sqlite3_sleep(50);
	}
	return -1;
}

/* What the database holds: *kind 1 for a ledger of ours, 0 for nothing
 * (a new file), -1 for something else (LEDGER_REFUSED with the reason). */
static int format_of(ledger *l, int *kind, ledger_res *r)
{
	sqlite3_stmt *st = NULL;
	int tables = -1;
	int rc = sqlite3_prepare_v2(l->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		tables = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (tables < 0)
		return db_fail(l, r, rc);
	*kind = 0;
	if (tables == 0)
		return LEDGER_OK;
	bool ours = false;
	if (sqlite3_prepare_v2(l->db, "SELECT value FROM meta WHERE key = 'format'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *v = sqlite3_column_text(st, 0);
			ours = v && strcmp((const char *)v, FORMAT) == 0;
		}
		sqlite3_finalize(st);
	}
	*kind = ours ? 1 : -1;
	if (ours)
		return LEDGER_OK;
	return say(r, LEDGER_REFUSED, "it is not a sigil bank ledger (format %s): give --db a new file or a ledger",
	           FORMAT);
}

/* The first opener creates the schema, inside the write lock; others, in
 * this process or another, wait for it and find the ledger made. */
static int create_tx(ledger *l, void *arg, ledger_res *r)
{
	(void)arg;
	int kind = 0;
	int code = format_of(l, &kind, r);
	if (code != LEDGER_OK || kind == 1)
		return code;
	int rc = exec(l, schema);
	return rc == SQLITE_OK ? LEDGER_OK : db_fail(l, r, rc);
}

int ledger_open(const char *path, ledger **out, char *err, size_t errlen)
{
	*out = NULL;
	ledger *l = calloc(1, sizeof *l);
	ledger_res r;
	if (!l) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	/* Create the file 0600 ourselves: SQLite would make it 0644, and a
	 * ledger is nobody else's business. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		free(l);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		seterr(err, errlen, "%s: %s", path, l->db ? sqlite3_errmsg(l->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(l->db, BUSY_MS);
	/* FULL: a committed payment survives a power cut; foreign keys: no
	 * orphan rows. */
	if (wal(l) != 0 || exec(l, "PRAGMA synchronous=FULL") != SQLITE_OK ||
	    exec(l, "PRAGMA foreign_keys=ON") != SQLITE_OK) {
		seterr(err, errlen, "%s: %s", path, sqlite3_errmsg(l->db));
		goto fail;
	}
	/* Usually the ledger is there: a read says so without the write
	 * lock (in WAL mode a read does not wait for writers). */
	int kind = 0, code = LEDGER_BUSY;
	for (int i = 0; i < ATTEMPTS && code == LEDGER_BUSY; i++)
		code = format_of(l, &kind, &r);
	if (code == LEDGER_OK && kind == 0)
		code = in_tx(l, create_tx, NULL, &r);
	if (code != LEDGER_OK) {
		seterr(err, errlen, "%s: %s", path, r.why);
		goto fail;
	}
	*out = l;
	return 0;
fail:
	sqlite3_close(l->db);
	free(l);
	return -1;
}

/* ---- users ---- */

struct login_arg {
	const ledger_cert *c;
	int64_t now;
	int64_t user;
};

static int balance_of(ledger *l, int64_t user, ledger_acct a, int64_t *bal, ledger_res *r)
{
	sqlite3_stmt *st;
	int rc = prep(l, &st, "SELECT balance FROM accounts WHERE user_id = ? AND kind = ?", "it", user,
	              ledger_acct_name(a));
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*bal = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return say(r, LEDGER_ERROR, "user %lld has no %s account", (long long)user, ledger_acct_name(a));
	if (rc != SQLITE_ROW)
		return db_fail(l, r, rc);
	return LEDGER_OK;
}

/* One row of transactions. */
struct row {
	const char *kind;
	ledger_acct account;
	int64_t amount;
	const char *text;
	const char *item;
	int64_t quantity;
	const char *payee, *reference, *symbol;
	int64_t shares, price;
};

static int record(ledger *l, int64_t user, const ledger_cert *c, int64_t now, const struct row *w, ledger_res *r)
{
	int code = run(l, r,
	               "INSERT INTO transactions (user_id, at, kind, account, amount, text, item, quantity,"
	               " payee, reference, symbol, shares, price, cert_serial, cert_fingerprint)"
	               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	               "iittittztttzztt", user, now, w->kind, ledger_acct_name(w->account), w->amount, w->text,
	               w->item, w->quantity, w->payee, w->reference, w->symbol, w->shares, w->price, c->serial,
	               c->fingerprint);
	if (code == LEDGER_OK)
		r->tx = sqlite3_last_insert_rowid(l->db);
	return code;
}

/* The user row of cn: 1 found (with *fp NULL or the bound fingerprint,
 * which the caller frees), 0 none. */
static int find_user(ledger *l, const char *cn, int64_t *user, char **fp, ledger_res *r)
{
	sqlite3_stmt *st;
	*fp = NULL;
	int rc = prep(l, &st, "SELECT id, fingerprint FROM users WHERE cn = ?", "t", cn);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*user = sqlite3_column_int64(st, 0);
		const unsigned char *f = sqlite3_column_text(st, 1);
		if (f && !(*fp = strdup((const char *)f))) {
			sqlite3_finalize(st);
			return say(r, LEDGER_ERROR, "out of memory");
		}
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return -db_fail(l, r, rc);
}

static int bound_elsewhere(ledger_res *r, const char *cn, const char *fp)
{
	return say(r, LEDGER_FORBIDDEN,
	           "the account of \"%s\" is bound to another certificate (SHA-256 %.16s...): a new certificate "
	           "with the same name is accepted only after the bank's operator runs "
	           "sigil-bank --db LEDGER --rebind NAME",
	           cn, fp);
}

static int login_tx(ledger *l, void *arg, ledger_res *r)
{
	struct login_arg *a = arg;
	const ledger_cert *c = a->c;
	char *fp;
	int f = find_user(l, c->cn, &a->user, &fp, r);
	if (f < 0)
		return -f;
	if (f == 1) {
		int code = LEDGER_OK;
		if (fp && strcmp(fp, c->fingerprint) != 0)
			code = bound_elsewhere(r, c->cn, fp);
		else if (!fp)
			/* After a rebind: this certificate is the user's now. */
			code = run(l, r, "UPDATE users SET fingerprint = ?, serial = ?, subject = ?, issuer = ? WHERE id = ?",
			           "tttti", c->fingerprint, c->serial, c->subject, c->issuer,
			           a->user);
		free(fp);
		return code;
	}
	sqlite3_stmt *st;
	int rc = prep(l, &st, "INSERT INTO users (cn, subject, issuer, fingerprint, serial, created) VALUES (?, ?, ?, ?, ?, ?)",
	              "ttttti", c->cn, c->subject, c->issuer, c->fingerprint, c->serial,
	              a->now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(l, r, rc);
	a->user = sqlite3_last_insert_rowid(l->db);
	static const int64_t seed[2] = { LEDGER_SEED_CHECKING, LEDGER_SEED_SAVINGS };
	for (int i = 0; i < 2; i++) {
		char text[64], amt[MONEY_FMT_MAX];
		money_format(seed[i], amt);
		snprintf(text, sizeof text, "Account opened with %s", amt);
		struct row w = { .kind = "open", .account = (ledger_acct)i, .amount = seed[i], .text = text };
		int code = run(l, r, "INSERT INTO accounts (user_id, kind, balance) VALUES (?, ?, ?)", "iti", a->user,
		               acct_names[i], seed[i]);
		if (code == LEDGER_OK)
			code = record(l, a->user, c, a->now, &w, r);
		if (code != LEDGER_OK)
			return code;
	}
	return LEDGER_OK;
}

int ledger_login(ledger *l, const ledger_cert *c, int64_t now, int64_t *user, ledger_res *r)
{
	r->tx = 0;
	r->why[0] = 0;
	/* The common case reads only: a known user with this certificate. */
	char *fp;
	int64_t id = 0;
	int f = find_user(l, c->cn, &id, &fp, r);
	if (f < 0)
		return -f;
	if (f == 1 && fp) {
		int code = strcmp(fp, c->fingerprint) == 0 ? say(r, LEDGER_OK, "%s", "") : bound_elsewhere(r, c->cn, fp);
		free(fp);
		if (code == LEDGER_OK)
			*user = id;
		return code;
	}
	struct login_arg a = { c, now, 0 };
	int code = in_tx(l, login_tx, &a, r);
	if (code == LEDGER_OK)
		*user = a.user;
	return code;
}

static int rebind_tx(ledger *l, void *arg, ledger_res *r)
{
	const char *cn = arg;
	int code = run(l, r, "UPDATE users SET fingerprint = NULL WHERE cn = ?", "t", cn);
	if (code != LEDGER_OK)
		return code;
	if (sqlite3_changes(l->db) == 0)
		return say(r, LEDGER_REFUSED, "no user has the name \"%s\"", cn);
	return LEDGER_OK;
}

int ledger_rebind(ledger *l, const char *cn, ledger_res *r)
{
	r->tx = 0;
	return in_tx(l, rebind_tx, (void *)cn, r);
}

/* ---- movements of money ---- */

/* Add delta (either sign) to an account, refusing an overdraft or a
 * balance over the limit with a sentence for the person. */
static int move(ledger *l, int64_t user, ledger_acct a, int64_t delta, ledger_res *r)
{
	int64_t bal = 0;
	int code = balance_of(l, user, a, &bal, r);
	if (code != LEDGER_OK)
		return code;
	if (delta < 0 && bal < -delta) {
		char b[MONEY_FMT_MAX], d[MONEY_FMT_MAX];
		money_format(bal, b);
		money_format(-delta, d);
		return say(r, LEDGER_REFUSED, "refused: not enough money: this needs %s and your %s account holds %s (no overdraft)",
		           d, ledger_acct_name(a), b);
	}
	if (delta > 0 && bal > LEDGER_MAX_BALANCE - delta)
		return say(r, LEDGER_REFUSED, "refused: your %s account would hold more than the bank allows",
		           ledger_acct_name(a));
	return run(l, r, "UPDATE accounts SET balance = balance + ? WHERE user_id = ? AND kind = ?", "iit", delta,
	           user, ledger_acct_name(a));
}

/* What every operation checks before it touches the database: an amount
 * the forms' parser would also have refused is refused here too. */
static int amount_ok(int64_t cents, ledger_res *r)
{
	if (cents <= 0)
		return say(r, LEDGER_REFUSED, "the amount must be more than zero");
	if (cents > MONEY_MAX_CENTS)
		return say(r, LEDGER_REFUSED, "the amount is too large: one operation moves at most 1,000,000,000.00");
	return LEDGER_OK;
}

static bool text_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max;
}

struct op {
	int64_t user;
	const ledger_cert *c;
	int64_t now;
	struct row w;
	ledger_acct to;                 /* transfer */
	bool buy;                       /* trade */
};

static int purchase_tx(ledger *l, void *arg, ledger_res *r)
{
	struct op *o = arg;
	int code = move(l, o->user, o->w.account, o->w.amount, r);
	return code == LEDGER_OK ? record(l, o->user, o->c, o->now, &o->w, r) : code;
}

int ledger_purchase(ledger *l, int64_t user, const ledger_cert *c, ledger_acct from, const char *item, int64_t qty,
                    int64_t unit, int64_t now, ledger_res *r)
{
	r->tx = 0;
	int64_t total;
	if (qty <= 0 || unit <= 0 || __builtin_mul_overflow(qty, unit, &total))
		return say(r, LEDGER_REFUSED, "the quantity and the price must be positive");
	if (amount_ok(total, r) != LEDGER_OK)
		return r->code;
	if (!text_ok(item, 100))
		return say(r, LEDGER_REFUSED, "the item's name is too long");
	char text[LEDGER_TEXT_MAX];
	if (qty == 1)
		snprintf(text, sizeof text, "%s", item);
	else
		snprintf(text, sizeof text, "%s x %lld", item, (long long)qty);
	struct op o = { user, c, now, { .kind = "purchase", .account = from, .amount = -total, .text = text,
	                                .item = item, .quantity = qty, .price = unit }, from, false };
	return in_tx(l, purchase_tx, &o, r);
}

int ledger_pay(ledger *l, int64_t user, const ledger_cert *c, ledger_acct from, const char *payee,
               const char *reference, int64_t cents, int64_t now, ledger_res *r)
{
	r->tx = 0;
	if (amount_ok(cents, r) != LEDGER_OK)
		return r->code;
	if (!text_ok(payee, 100) || !text_ok(reference, 100))
		return say(r, LEDGER_REFUSED, "the payee or the reference is too long");
	char text[LEDGER_TEXT_MAX];
	if (reference[0])
		snprintf(text, sizeof text, "Bill: %s, reference %s", payee, reference);
	else
		snprintf(text, sizeof text, "Bill: %s", payee);
	struct op o = { user, c, now, { .kind = "bill", .account = from, .amount = -cents, .text = text,
	                                .payee = payee, .reference = reference }, from, false };
	return in_tx(l, purchase_tx, &o, r);
}

static int transfer_tx(ledger *l, void *arg, ledger_res *r)
{
	struct op *o = arg;
	char text[LEDGER_TEXT_MAX];
	snprintf(text, sizeof text, "Transfer from %s", ledger_acct_name(o->w.account));
	struct row in = { .kind = "transfer", .account = o->to, .amount = -o->w.amount, .text = text };
	int code = move(l, o->user, o->w.account, o->w.amount, r);
	if (code == LEDGER_OK)
		code = move(l, o->user, o->to, -o->w.amount, r);
	if (code == LEDGER_OK)
		code = record(l, o->user, o->c, o->now, &o->w, r);
	int64_t first = r->tx;
	if (code == LEDGER_OK)
		code = record(l, o->user, o->c, o->now, &in, r);
	/* The transfer is known by its first row (the debit). */
	r->tx = first;
	return code;
}

int ledger_transfer(ledger *l, int64_t user, const ledger_cert *c, ledger_acct from, ledger_acct to, int64_t cents,
                    int64_t now, ledger_res *r)
{
	r->tx = 0;
	if (amount_ok(cents, r) != LEDGER_OK)
		return r->code;
	if (from == to)
		return say(r, LEDGER_REFUSED, "choose two different accounts");
	char text[LEDGER_TEXT_MAX];
	snprintf(text, sizeof text, "Transfer to %s", ledger_acct_name(to));
	struct op o = { user, c, now, { .kind = "transfer", .account = from, .amount = -cents, .text = text }, to,
	                false };
	return in_tx(l, transfer_tx, &o, r);
}

static int trade_tx(ledger *l, void *arg, ledger_res *r)
{
	struct op *o = arg;
	sqlite3_stmt *st;
	int64_t held = 0;
	int rc = prep(l, &st, "SELECT shares FROM holdings WHERE user_id = ? AND symbol = ?", "it", o->user,
	              o->w.symbol);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		held = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(l, r, rc);
	if (!o->buy && held < o->w.shares)
		return say(r, LEDGER_REFUSED, "refused: you hold %lld %s shares and cannot sell %lld", (long long)held,
		           o->w.symbol, (long long)o->w.shares);
	if (o->buy && held > INT64_MAX / 2 - o->w.shares)
		return say(r, LEDGER_REFUSED, "refused: that is more shares than the bank can hold for you");
	int code = move(l, o->user, LEDGER_CHECKING, o->w.amount, r);
	if (code != LEDGER_OK)
		return code;
	/* A row is there whenever shares are sold (held >= shares > 0). */
	if (rc == SQLITE_ROW)
		code = run(l, r, "UPDATE holdings SET shares = shares + ? WHERE user_id = ? AND symbol = ?", "iit",
		           o->buy ? o->w.shares : -o->w.shares, o->user, o->w.symbol);
	else
		code = run(l, r, "INSERT INTO holdings (user_id, symbol, shares) VALUES (?, ?, ?)", "iti", o->user,
		           o->w.symbol, o->w.shares);
	return code == LEDGER_OK ? record(l, o->user, o->c, o->now, &o->w, r) : code;
}

int ledger_trade(ledger *l, int64_t user, const ledger_cert *c, bool buy, const char *symbol, int64_t shares,
                 int64_t price, int64_t now, ledger_res *r)
{
	r->tx = 0;
	int64_t total;
	if (shares <= 0 || shares > SHARES_MAX)
		return say(r, LEDGER_REFUSED, "trade from 1 to 1,000,000 shares");
	if (price <= 0 || __builtin_mul_overflow(shares, price, &total))
		return say(r, LEDGER_REFUSED, "the price must be positive");
	if (amount_ok(total, r) != LEDGER_OK)
		return r->code;
	if (!text_ok(symbol, 15) || !symbol[0])
		return say(r, LEDGER_REFUSED, "no such share");
	char text[LEDGER_TEXT_MAX], p[MONEY_FMT_MAX];
	money_format(price, p);
	snprintf(text, sizeof text, "%s %lld %s at %s", buy ? "Bought" : "Sold", (long long)shares, symbol, p);
	struct op o = { user, c, now, { .kind = buy ? "buy" : "sell", .account = LEDGER_CHECKING,
	                                .amount = buy ? -total : total, .text = text, .symbol = symbol,
	                                .shares = shares, .price = price }, LEDGER_CHECKING, buy };
	return in_tx(l, trade_tx, &o, r);
}

/* ---- reading ---- */

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	snprintf(out, cap, "%s", v ? (const char *)v : "");
}

int ledger_summary_get(ledger *l, int64_t user, ledger_summary *s, ledger_res *r)
{
	memset(s, 0, sizeof *s);
	r->tx = 0;
	/* One read transaction: the balances and holdings of one moment. */
	int rc = exec(l, "BEGIN");
	if (rc != SQLITE_OK)
		return db_fail(l, r, rc);
	int code = balance_of(l, user, LEDGER_CHECKING, &s->balance[0], r);
	if (code == LEDGER_OK)
		code = balance_of(l, user, LEDGER_SAVINGS, &s->balance[1], r);
	sqlite3_stmt *st = NULL;
	if (code == LEDGER_OK) {
		rc = prep(l, &st, "SELECT symbol, shares FROM holdings WHERE user_id = ? AND shares > 0 ORDER BY symbol",
		          "i", user);
		if (rc == SQLITE_OK)
			rc = SQLITE_ROW;
		while (rc == SQLITE_ROW && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (s->nhold == LEDGER_MAX_HOLDINGS)
				continue;
			copy_col(st, 0, s->hold[s->nhold].symbol, sizeof s->hold[0].symbol);
			s->hold[s->nhold++].shares = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			code = db_fail(l, r, rc);
	}
	exec(l, "COMMIT");
	return code == LEDGER_OK ? say(r, LEDGER_OK, "%s", "") : code;
}

int ledger_statement(ledger *l, int64_t user, ledger_entry *e, size_t cap, size_t *n, ledger_res *r)
{
	*n = 0;
	r->tx = 0;
	sqlite3_stmt *st;
	int rc = prep(l, &st,
	              "SELECT id, at, kind, account, amount, text, cert_serial, cert_fingerprint FROM transactions"
	              " WHERE user_id = ? ORDER BY id DESC LIMIT ?",
	              "ii", user, (int64_t)cap);
	if (rc == SQLITE_OK)
		rc = SQLITE_ROW;
	while (rc == SQLITE_ROW && *n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ledger_entry *x = &e[(*n)++];
		x->id = sqlite3_column_int64(st, 0);
		x->at = sqlite3_column_int64(st, 1);
		copy_col(st, 2, x->kind, sizeof x->kind);
		copy_col(st, 3, x->account, sizeof x->account);
		x->amount = sqlite3_column_int64(st, 4);
		copy_col(st, 5, x->text, sizeof x->text);
		copy_col(st, 6, x->serial, sizeof x->serial);
		copy_col(st, 7, x->fingerprint, sizeof x->fingerprint);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(l, r, rc);
	r->code = LEDGER_OK;
	r->why[0] = 0;
	return LEDGER_OK;
}
