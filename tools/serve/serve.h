/*
 * sigil serve: an HTTPS server on libsigil, one file per concern:
 *
 *   main.c     options, start-up, worker threads, signals
 *   listen.c   the listening sockets
 *   conn.c     the connection loop: accept, handshake, read, write, time-outs
 *   respond.c  response heads (through src/http's writer), the built-in page
 *   files.c    files and directory listings under --root
 *   authz.c    --authz rules and the client's identity
 *   reload.c   the TLS config: certificates and keys, client CA, CRL, ticket keys
 *   log.c      the error log (stderr) and the access log
 *   h2.c       HTTP/2 over libnghttp2, answered by respond.c as HTTP/1.1 is
 *   proxy.c    --proxy for HTTP/1.1 clients, and the parts both proxies share
 *   h2proxy.c  --proxy for HTTP/2 streams, non-blocking on the worker's epoll
 *
 * Everything the server shares lives in one struct server; each worker
 * thread has a struct worker; each connection a struct hconn.  The only
 * file-scope mutable state is the pair of flags the signal handler sets
 * (main.c), because a handler cannot be given a pointer.
 */
#ifndef SG_TOOLS_SERVE_H
#define SG_TOOLS_SERVE_H

#include <limits.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "sigil.h"
#include "http/http.h"
#include "tls/certcomp.h"

#define REQ_MAX 16384             /* request head limit (431 beyond) */
#define BODY_CHUNK (64 * 1024)    /* file bytes read per call */
#define NO_LENGTH UINT64_MAX      /* set_head: no Content-Length */
/* A request body the server does not use is read and dropped so that
 * the connection can carry the next request, but only a small one, and
 * only within a deadline that the body's bytes do not move and at a
 * minimum rate after a grace period: a body sent a byte at a time must
 * not hold the connection past --idle-timeout.  A larger body closes
 * the connection after the response instead. */
#define DISCARD_MAX (1024 * 1024)
/* The bytes a connection may keep in the kernel's send queue that the
 * peer has not yet been sent (TCP_NOTSENT_LOWAT, see listen.c). */
#define SEND_UNSENT_MAX (128 * 1024)
#define DISCARD_MIN_RATE 4096     /* bytes per second, after the grace */
#define DISCARD_GRACE_MS 2000

/* --proxy (proxy.c): the upstream's idle pool, which must let a
 * connection go before the upstream does (docs/bank.md: the bank closes
 * after 75 s). */
#define PROXY_POOL_IDLE_MS 55000
#define PROXY_POOL_MAX 16

struct proxy_route {
	char prefix[256];
	size_t plen;
	bool is_unix;
	char path[108];                 /* unix: */
	char host[256], port[8];        /* http: */
	pthread_mutex_t lock;           /* the pool */
	int pool[PROXY_POOL_MAX];
	int64_t since[PROXY_POOL_MAX];  /* mono_ms() it went idle */
	int npool;
};

struct serve_opts {
	const char *listen;
	/* --cert/--key pairs in the order given, ncerts of each; the first
	 * is the default site (sigil.h, sigil_config_add_cert_key_pem). */
	const char *const *cert, *const *key;
	size_t ncerts;
	const char *root;
	const char *alpn;
	const char *groups;             /* key-exchange groups, or NULL: the library's order */
	const char *cert_compression;   /* RFC 8879 algorithms, or NULL: the library's */
	const char *tls_min;            /* "1.2" (default) or "1.3" */
	const char *access_log;
	const char *client_ca;
	const char *client_crl;
	const char *authz;
	const char *ticket_keys;
	int threads;
	int verbose;
	int handshake_timeout, idle_timeout;
	int handshake_kib;              /* per thread: unfinished handshakes' bytes */
	int max_conns;
	int client_auth;
	int reuse_port;
	int proxy_client_cert;
	/* seconds: the first byte of a response (longer than the bank's 20 s
	 * of lock waits), and between its bytes */
	int proxy_connect_timeout, proxy_first_byte_timeout, proxy_idle_timeout;
};

/* C_PLAIN: a plain-HTTP request came to the TLS port; it is answered in
 * the clear and the connection closed (plain.c). */
/* C_DEAD: dropped while other connections' events of the same epoll
 * batch may still name it; freed when the batch is done. */
/* C_H2: ALPN chose h2; h2.c drives the connection from then on. */
enum cstate { C_HANDSHAKE, C_READ, C_WRITE, C_CLOSING, C_PLAIN, C_DEAD, C_H2 };

/* What a response needs only while it is written (and logged): taken per
 * response, so that an idle keep-alive connection stays small. */
struct hresp {
	char head[2048];
	char line[512];                 /* the request line, for the access log */
};

struct worker;

typedef struct hconn {
	int fd;
	sigil_conn *tls;
	enum cstate st;
	bool sniffed;                   /* the first byte was looked at */
	bool plain_sent;                /* C_PLAIN: the answer is out, draining */
	uint32_t events;                /* what epoll waits for */
	int64_t deadline;               /* mono_ms() */
	char peer[64];
	struct hconn *prev, *next;
	/* While the handshake runs: the worker's list of unfinished
	 * handshakes, oldest first, and the bytes this one has received
	 * (the engine holds them until a message is whole). */
	struct hconn *hs_prev, *hs_next;
	struct hconn *dead_next;        /* C_DEAD: the worker's list to free */
	size_t hs_bytes;
	/* request */
	char *req;                      /* REQ_MAX bytes while a request arrives */
	size_t req_len;
	size_t scanned;                 /* bytes of req already searched for LF */
	size_t line_start;              /* just after the last LF in req */
	size_t discard;                 /* request body bytes to skip */
	int64_t body_start;             /* when the skipping began (mono_ms) */
	int64_t body_deadline;          /* by when the whole body must be in */
	uint64_t body_got;              /* bytes of it skipped so far */
	int keep_alive;
	/* response */
	struct hresp *r;                /* while a response is under way */
	size_t head_len, head_off;
	char *mem;                      /* in-memory body (built-in page) */
	size_t mem_len, mem_off;
	int file;                       /* file body, or -1 */
	off_t file_off, file_end;
	/* the client's certificate, when it sent one */
	char *user;                     /* subject, NULL when none */
	char user_cn[64];               /* its CN, for the access log */
	int status;
	size_t bytes;
	struct h2conn *h2;              /* C_H2: the HTTP/2 session (h2.c) */
} hconn;

struct authz_rule {
	char prefix[256];
	char subject[512];              /* "*": any client with a certificate */
};

struct server {
	struct serve_opts o;
	/* The TLS config new connections use; reload.c swaps it.  Workers
	 * keep their own reference and look here only when cfg_gen moved. */
	pthread_mutex_t cfg_lock;
	sigil_config *cfg;
	atomic_uint cfg_gen;
	/* Without --ticket-keys: one random key for the process, kept across
	 * reloads, so tickets stay valid as long as the process lives. */
	uint8_t ticket_key[SIGIL_TICKET_KEY_LEN];
	/* --root, opened once */
	int root_fd;
	char root_real[PATH_MAX];
	/* The development CA's path, shown on the built-in page ("" with --cert). */
	char ca_cert_shown[PATH_MAX];
	struct authz_rule *authz;
	size_t nauthz;
	struct proxy_route *proxies;
	size_t nproxy;
	int access_fd;                  /* -1 without --access-log */
	int lock_fd;                    /* listen.c's lock on the address, or -1 */
	pthread_mutex_t log_lock;
	/* Set by the main thread after SIGTERM/SIGINT; workers then stop
	 * accepting and finish what is in flight. */
	atomic_int stopping;
	/* Set when accept ran out of descriptors, cleared when a connection
	 * is accepted again: the message is said once per episode. */
	atomic_int fd_exhausted;
	struct worker *workers;
	int nworkers;
};

typedef struct worker {
	pthread_t tid;
	int id;
	int ep, lfd, efd;
	hconn *conns;
	int nconns;
	hconn *hs_head, *hs_tail;       /* unfinished handshakes, oldest first */
	hconn *dead;                    /* C_DEAD connections, freed after a batch */
	struct upx *dead_up;            /* h2proxy.c's finished exchanges, likewise */
	int64_t accept_paused_until;    /* out of descriptors: 0, or when to retry */
	size_t hs_bytes;                /* bytes they have received in all */
	int64_t hs_warned;              /* when the budget was last said full */
	int peak_conns;                 /* since memory was last trimmed */
	sigil_config *cfg;              /* this worker's reference (config_get) */
	unsigned cfg_gen;
	struct server *srv;
	char body[BODY_CHUNK];          /* response bytes on their way to records */
} worker;

static inline int stopping(const struct server *s)
{
	return atomic_load_explicit(&s->stopping, memory_order_relaxed);
}

/* conn.c */
int64_t mono_ms(void);
void *worker_main(void *arg);
/* Run a connection as if its socket were ready (h2proxy.c, when an
 * upstream gave a stream something to send).  It may be dropped: the
 * caller must not use c afterwards. */
void conn_kick(worker *w, hconn *c);

/* respond.c */
/* A field for set_head from two NUL-terminated strings (not copied: they
 * must live until set_head returns). */
static inline sg_http_header field(const char *name, const char *value)
{
	sg_http_header h = { { name, strlen(name) }, { value, strlen(value) } };
	return h;
}
/* The response head into c->r->head: the status, Content-Type when type is
 * not NULL, Content-Length unless len is NO_LENGTH, the extra fields,
 * Connection: close unless keep-alive.  -1 when the writer refused a
 * field: the head is then a 500 without a body (c->mem is freed) and the
 * caller must not send the body it meant to. */
int set_head(hconn *c, int status, const char *type, uint64_t len, const sg_http_header *extra,
	     size_t nextra);
void respond_text(hconn *c, int status, const char *body, int head_only);
void html_escape(char *out, size_t cap, const char *in);
void start_response(worker *w, hconn *c, const sg_http_request *req, int ok);

/* proxy.c: a --proxy PREFIX=URL (-1 with a sentence in err); and the
 * exchange for a request under a PREFIX, called with the head of
 * head_len bytes at c->req: 0 when req is not for a proxy, 1 when the
 * response is under way (c->st set; the head and body taken from c->req),
 * -1 when the connection must be dropped. */
int proxy_add(struct server *s, const char *spec, char *err, size_t cap);
int proxy_handle(worker *w, hconn *c, const sg_http_request *req, size_t head_len);
/* What h2proxy.c shares with the HTTP/1.1 proxy: the route for a request
 * (NULL: none), the upstream request head for it with the client's
 * identity from c (-1 when it cannot be described), the fields a proxy
 * drops from a request or a response, the idle pool, and a non-blocking
 * connect (the descriptor, *pending while it is being made; -1, errno). */
struct proxy_route *proxy_route_for(struct server *s, const sg_http_request *req);
int proxy_build_request(struct server *s, hconn *c, const sg_http_request *req, sg_wr *o);
bool proxy_dropped(const sg_http_header *f, size_t nf, sg_http_str name, bool request);
int proxy_pool_get(struct proxy_route *r, bool *reused);
void proxy_pool_put(struct proxy_route *r, int fd);
int proxy_connect_start(const struct proxy_route *r, bool *pending);
void proxy_elog(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* plain.c: whether the first byte says plain HTTP, and the answer. */
bool plain_http_first(uint8_t b);
void plain_start(worker *w, hconn *c);
/* SIGIL_WANT_READ / SIGIL_WANT_WRITE while it needs the socket again,
 * 0 when the connection can be freed. */
int plain_step(worker *w, hconn *c);

/* h2.c: HTTP/2 once ALPN chose it.  h2_step returns as plain_step
 * (and -1 on an error: drop the connection); 0 means close it. */
bool h2_chosen(const hconn *c);
int h2_start(worker *w, hconn *c);
int h2_step(worker *w, hconn *c);
void h2_timeout(hconn *c);
int h2_drain(hconn *c);
void h2_free(hconn *c);
/* The sweep: the time-outs of proxied streams (*kick when one queued
 * frames: run the connection); true when one of them is waiting on its
 * upstream (the connection is then not idle). */
bool h2_sweep(hconn *c, int64_t now, bool *kick);
/* h2proxy.c: an event on an upstream socket (epoll's data.ptr is the
 * exchange with its low bit set, H2P_TAG), and the exchanges finished in
 * a batch freed after it. */
#define H2P_TAG ((uintptr_t)1)
void h2p_event(worker *w, void *up, uint32_t events);
void h2p_reap(worker *w);

/* files.c */
void respond_file(struct server *s, hconn *c, const sg_http_request *req, int head_only);

/* authz.c */
int load_authz(struct server *s, const char *path);
int authorized(const struct server *s, const hconn *c, const char *target, size_t tlen);
void note_identity(worker *w, hconn *c);

/* reload.c: the config from the files (each checked and named when bad);
 * EX_OK, or EX_FILE / EX_FAIL with a sentence in err. */
int config_load(const struct server *s, sigil_config **out, char *err, size_t cap);
/* On stderr, each --cert with its names, which is the default, and a
 * warning when it has expired, is not yet valid, or expires within 7
 * days. */
void cert_warnings(const struct server *s);
/* "CN=a.test; DNS:a.test, DNS:www.a.test" of a DER certificate. */
void cert_label(const uint8_t *der, size_t len, char *out, size_t cap);
sigil_config *config_get(worker *w);
void config_reload(struct server *s);

/* listen.c: a listening socket for every worker (workers[i].lfd), the
 * address checked first (see there); -1 after a message. */
int listen_all(struct server *s);

/* log.c */
void logv(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_access(struct server *s, const hconn *c);

#endif
