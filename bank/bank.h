/*
 * sigil-bank: the demonstration bank behind `sigil serve --proxy`
 * (docs/bank.md has the contract with the proxy).  One file per concern:
 *
 *   main.c      options, the listening socket, one thread per connection,
 *               signals
 *   conn.c      one connection: requests in (src/http's parser), bodies,
 *               responses out (src/http's head writer)
 *   app.c       the routes: identity, CSRF, forms, the ledger, the pages
 *   identity.c  the verified client identity from sigil serve's headers
 *   csrf.c      form tokens
 *   market.c    the catalogue, the payees, exchange rates, share quotes
 *   html.c      HTML output with escaping
 *   pages.c     the pages
 *   ledger.c    the ledger in SQLite (ledger.h)
 *   money.c     strict amounts (money.h)
 *
 * Everything shared lives in one struct bank; the only file-scope mutable
 * state is the flag the signal handler sets (main.c).
 */
#ifndef SG_BANK_H
#define SG_BANK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes/bytes.h"
#include "http/http.h"
#include "ledger.h"

#define BANK_KEY_LEN 32
#define BANK_BODY_MAX 16384         /* a form body; more is 413 */
#define BANK_PAGE_MAX (1u << 20)    /* the largest page we write */

struct bank {
	const char *listen;             /* "unix:/path" or "127.0.0.1:PORT" */
	const char *db;
	char prefix[256];               /* "/bank/": always starts and ends with '/' */
	int socket_mode;                /* 0600 or 0660 */
	int idle_timeout;               /* seconds a kept-alive connection may idle */
	int request_timeout;            /* seconds for a whole request, from its first byte */
	int max_conns;
	int verbose;
	/* The key of the CSRF tokens (csrf.c): random at start, or read from
	 * --secret-file so tokens outlive a restart. */
	uint8_t key[BANK_KEY_LEN];
	/* The Content-Security-Policy of every page (pages.c). */
	char csp[256];
	/* Connections at work, and the stop flag after SIGTERM. */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int conns;
	atomic_int stopping;
};

/* A request as the routes see it. */
typedef struct bank_req {
	const sg_http_request *http;
	const char *body;               /* the decoded body (POST) */
	size_t body_len;
	sg_http_str path;               /* the request-target's path, without the query */
	sg_http_str query;              /* after '?', may be empty */
	int64_t now;
} bank_req;

/* A response as the routes build it; conn.c writes it. */
typedef struct bank_resp {
	int status;
	sg_wr body;                     /* HTML (or text) */
	const char *type;               /* Content-Type */
	char location[512];             /* for 301 / 303, "" otherwise */
	const char *allow;              /* for 405 */
	bool close;                     /* close the connection after it */
	char who[260];                  /* the user's CN for the log, "-" when none */
} bank_resp;

/* app.c: answer one request; l is this connection's ledger. */
void app_handle(struct bank *b, ledger *l, const bank_req *r, bank_resp *out);

/* conn.c: serve one accepted connection until it closes (the thread's
 * body); takes ownership of fd. */
void conn_serve(struct bank *b, int fd);

/* ---- identity.c ---- */

typedef struct bank_identity {
	char cn[257];                   /* decoded UTF-8 */
	char subject[1025];             /* as received (RFC 4514, escaped) */
	char issuer[1025];
	char serial[81];                /* lower-case hex */
	char fingerprint[65];           /* lower-case hex, SHA-256 of the DER */
} bank_identity;

/*
 * The identity sigil serve verified: 1 with *id for "X-Client-Verify:
 * SUCCESS" and complete, well-formed identity fields; 0 when the client
 * sent no certificate (NONE, or no X-Client-Verify); -1 with a sentence
 * in *why when the fields are there but unusable (a field twice, SUCCESS
 * without a subject, no CN, a malformed serial, ...).
 */
int identity_read(const sg_http_request *req, bank_identity *id, const char **why);

/*
 * The first CN (RFC 4514 order: the most specific RDN first) of an RFC
 * 4514 distinguished name, decoded, into out[cap]: 0, or -1 with *why
 * for a string that is not an RFC 4514 DN, a DN without CN, a CN in the
 * "#hex" form, or a CN that is not valid UTF-8, holds a control
 * character or is longer than cap - 1 bytes.
 */
int dn_first_cn(const char *s, size_t n, char *out, size_t cap, const char **why);

/* Valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF) without C0 or C1 controls or DEL. */
bool utf8_text_ok(const char *s, size_t n);

/* ---- csrf.c ---- */

#define CSRF_TOKEN_MAX 96
#define CSRF_LIFETIME 3600          /* seconds a form stays valid */

/* The token for a form: the time it was made and an HMAC-SHA256 over
 * the form's action, the user's certificate fingerprint and that time. */
void csrf_make(const struct bank *b, const char *action, const char *fingerprint, int64_t now,
               char out[CSRF_TOKEN_MAX]);
/* 0 when token is one csrf_make gave for this action and fingerprint less
 * than CSRF_LIFETIME seconds ago; -1 with a sentence in *why. */
int csrf_check(const struct bank *b, const char *action, const char *fingerprint, const char *token,
               int64_t now, const char **why);

/* ---- market.c ---- */

typedef struct market_item {
	const char *id;
	const char *name;
	int64_t price;                  /* cents */
} market_item;

typedef struct market_payee {
	const char *id;
	const char *name;
} market_payee;

typedef struct market_share {
	const char *symbol;
	const char *name;
	int64_t base;                   /* cents */
} market_share;

typedef struct market_rate {
	const char *code;
	const char *name;
	int64_t base;                   /* units per 1 EUR, times 10^4 */
} market_rate;

extern const market_item market_items[];
extern const size_t market_nitems;
extern const market_payee market_payees[];
extern const size_t market_npayees;
extern const market_share market_shares[];
extern const size_t market_nshares;
extern const market_rate market_rates[];
extern const size_t market_nrates;

#define QUOTE_PERIOD 60             /* seconds a quote is current */

const market_item *market_item_find(const char *id);
const market_payee *market_payee_find(const char *id);
const market_share *market_share_find(const char *symbol);
/* The quote number of a time (a new quote every QUOTE_PERIOD seconds). */
int64_t quote_step(int64_t now);
/* The price of a share at quote step k, in cents: a deterministic
 * function of k (two slow sine waves around its base price). */
int64_t quote_price(const market_share *s, int64_t k);
/* A rate at quote step k, times 10^4. */
int64_t rate_at(const market_rate *r, int64_t k);

/* ---- html.c ---- */

/* Trusted text (our own literals): written as it is. */
void h_raw(sg_wr *w, const char *s);
/* Untrusted text: & < > " ' become character references, so it can go
 * into element content and into a quoted attribute value. */
void h_text(sg_wr *w, const char *s, size_t n);
void h_str(sg_wr *w, const char *s);
/* Our own formats with numbers only, never with untrusted strings. */
void h_fmt(sg_wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void h_money(sg_wr *w, int64_t cents);

/* ---- pages.c ---- */

/* The CSP (with the hash of the inline style sheet) into b->csp. */
int pages_init(struct bank *b);

/* The page head and the end, around every page's content. */
void page_begin(const struct bank *b, sg_wr *w, const char *title, const bank_identity *id);
void page_end(sg_wr *w);
/* Market tables shown to everyone. */
void page_market(const struct bank *b, sg_wr *w, int64_t now);

/* The page for visitors without a certificate. */
void page_public(const struct bank *b, sg_wr *w, int64_t now);
/* A signed-in user's accounts, holdings and forms. */
void page_accounts(const struct bank *b, sg_wr *w, const bank_identity *id, const ledger_summary *s,
                   int64_t now);
/* The statement, newest first; done is a transaction to point out (0: none). */
void page_statement(const struct bank *b, sg_wr *w, const bank_identity *id, const ledger_entry *e, size_t n,
                    int64_t done);
/* An error: the status line's meaning, the sentence, a way back. */
void page_error(const struct bank *b, sg_wr *w, const bank_identity *id, int status, const char *msg);

#endif
