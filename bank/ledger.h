/*
 * The bank's ledger in SQLite: users (one per certificate subject CN,
 * bound to the certificate's fingerprint on first sight), two accounts
 * each (checking, savings), share holdings, and every movement of money.
 *
 * One struct ledger is one SQLite connection: open one per thread (SQLite
 * connections are not to be shared between threads that run statements
 * at the same time).  Any number of connections, in any number of
 * processes, may use the same database file: every change runs in one
 * BEGIN IMMEDIATE transaction (the write lock taken before the balances
 * are read, so a check and the debit it allows can never interleave with
 * another writer), in WAL mode, with a busy timeout and retries, so that
 * contention makes a request wait rather than fail.
 *
 * Every function that can fail returns a LEDGER_* code and fills
 * res->code, and res->why with one sentence: for the person using the
 * bank after LEDGER_REFUSED and LEDGER_FORBIDDEN, for the log after
 * LEDGER_BUSY and LEDGER_ERROR.  A refused operation changes nothing.
 */
#ifndef SG_BANK_LEDGER_H
#define SG_BANK_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEDGER_OK        0
#define LEDGER_REFUSED   1      /* not allowed (overdraft, bad amount): 400 */
#define LEDGER_FORBIDDEN 2      /* this certificate may not use the account: 403 */
#define LEDGER_BUSY      3      /* the database stayed locked through every retry: 503 */
#define LEDGER_ERROR     4      /* the database failed: 500 */

/* A new user's opening balances, in cents. */
#define LEDGER_SEED_CHECKING 100000     /* 1,000.00 */
#define LEDGER_SEED_SAVINGS  500000     /* 5,000.00 */
/* No account may hold more (far from INT64_MAX: sums cannot overflow). */
#define LEDGER_MAX_BALANCE   1000000000000000LL

#define LEDGER_TEXT_MAX 256

typedef struct ledger ledger;

typedef enum ledger_acct { LEDGER_CHECKING = 0, LEDGER_SAVINGS = 1 } ledger_acct;

/* "checking" / "savings". */
const char *ledger_acct_name(ledger_acct a);
/* The account a form names; false for anything else. */
bool ledger_acct_parse(const char *s, ledger_acct *a);

/* The verified certificate a request came with (all NUL-terminated):
 * cn identifies the user; subject, issuer, serial (hex) and fingerprint
 * (SHA-256 of the DER, 64 hex digits) are recorded with every change. */
typedef struct ledger_cert {
	const char *cn;
	const char *subject;
	const char *issuer;
	const char *serial;
	const char *fingerprint;
} ledger_cert;

typedef struct ledger_res {
	int code;
	int64_t tx;                     /* the transaction recorded (LEDGER_OK) */
	char why[320];
} ledger_res;

/*
 * Open (creating it, 0600, when missing) the database at path and check
 * that it is a bank ledger.  0, or -1 with a sentence in err.
 */
int ledger_open(const char *path, ledger **out, char *err, size_t errlen);
void ledger_close(ledger *l);

/*
 * The user of a certificate: on first sight of its CN, a new user bound to
 * this certificate's fingerprint, with a checking and a savings account
 * seeded with the LEDGER_SEED_* balances (all in one transaction: several
 * first requests at once still make one user).  Later, the same CN with
 * another certificate is LEDGER_FORBIDDEN until ledger_rebind.
 */
int ledger_login(ledger *l, const ledger_cert *c, int64_t now, int64_t *user, ledger_res *res);

/* Forget the certificate bound to cn: the next certificate with that CN
 * is bound instead (an operator's act, after a certificate is renewed).
 * LEDGER_REFUSED when no such user exists. */
int ledger_rebind(ledger *l, const char *cn, ledger_res *res);

/* A purchase of qty (>= 1) items at unit cents each, paid from `from`. */
int ledger_purchase(ledger *l, int64_t user, const ledger_cert *c, ledger_acct from,
                    const char *item, int64_t qty, int64_t unit, int64_t now, ledger_res *res);
/* A bill of cents paid to payee from `from`; reference may be "". */
int ledger_pay(ledger *l, int64_t user, const ledger_cert *c, ledger_acct from, const char *payee,
               const char *reference, int64_t cents, int64_t now, ledger_res *res);
/* Money moved between the user's own two accounts. */
int ledger_transfer(ledger *l, int64_t user, const ledger_cert *c, ledger_acct from, ledger_acct to,
                    int64_t cents, int64_t now, ledger_res *res);
/* Buy (paid from checking) or sell (paid into checking) shares of symbol
 * at price cents each; selling only what is held. */
int ledger_trade(ledger *l, int64_t user, const ledger_cert *c, bool buy, const char *symbol,
                 int64_t shares, int64_t price, int64_t now, ledger_res *res);

#define LEDGER_MAX_HOLDINGS 16

typedef struct ledger_summary {
	int64_t balance[2];             /* by ledger_acct */
	struct {
		char symbol[16];
		int64_t shares;
	} hold[LEDGER_MAX_HOLDINGS];
	size_t nhold;                   /* holdings with shares > 0, by symbol */
} ledger_summary;

/* Balances and holdings, read in one snapshot. */
int ledger_summary_get(ledger *l, int64_t user, ledger_summary *s, ledger_res *res);

typedef struct ledger_entry {
	int64_t id;                     /* increasing with time */
	int64_t at;                     /* seconds since the epoch */
	char kind[12];                  /* open, purchase, bill, transfer, buy, sell */
	char account[12];               /* the account whose balance moved */
	int64_t amount;                 /* cents, negative out of the account */
	char text[LEDGER_TEXT_MAX];     /* "Fountain pen x 2", "Bought 10 SGL at 142.50" */
	char serial[81];
	char fingerprint[65];
} ledger_entry;

/* The newest cap entries of the user, newest first; *n how many. */
int ledger_statement(ledger *l, int64_t user, ledger_entry *e, size_t cap, size_t *n, ledger_res *res);

#endif
