/*
 * sigil serve: an HTTPS server on libsigil.
 *
 * One epoll loop per worker thread, each with its own SO_REUSEPORT
 * listener, non-blocking sockets driven through the engine's fd layer.
 * Connections move through HANDSHAKE -> READ (a request head) -> WRITE (the
 * response, file data streamed from disk) -> READ again (keep-alive) or
 * CLOSE.  A timer pass every 250 ms drops connections past their
 * handshake or idle deadline, so a slow or silent client cannot hold a
 * worker.  SIGTERM/SIGINT stop accepting, let responses in flight finish
 * and close with close_notify; SIGHUP reloads the certificate and key
 * (new connections use the new config, old ones keep theirs).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sigil.h"
#include "http/http.h"
#include "ca.h"
#include "tools.h"

#define REQ_MAX 16384           /* request head limit (431 beyond) */
#define BODY_CHUNK (64 * 1024)    /* file bytes read per call */
#define NO_LENGTH UINT64_MAX      /* set_head: no Content-Length */

typedef struct serve_opts {
	const char *listen;
	const char *cert, *key;
	const char *root;
	const char *alpn;
	const char *access_log;
	const char *home;
	const char *client_ca;
	const char *client_crl;
	const char *authz;
	const char *ticket_keys;
	int threads;
	int verbose;
	int handshake_timeout, idle_timeout;
	int max_conns;
	int client_auth;
} serve_opts;

enum cstate { C_HANDSHAKE, C_READ, C_WRITE, C_CLOSING };

/* What a response needs only while it is written (and logged): taken per
 * response, so that an idle keep-alive connection stays small. */
struct hresp {
	char head[2048];
	char line[512];                 /* the request line, for the access log */
};

typedef struct hconn {
	int fd;
	sigil_conn *tls;
	enum cstate st;
	uint32_t events;                /* what epoll waits for */
	int64_t deadline;               /* mono_ms() */
	char peer[64];
	struct hconn *prev, *next;
	/* request */
	char *req;                      /* REQ_MAX bytes while a request arrives */
	size_t req_len;
	size_t scanned;                 /* bytes of req already searched for LF */
	size_t line_start;              /* just after the last LF in req */
	size_t discard;                 /* request body bytes to skip */
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
} hconn;

typedef struct worker {
	pthread_t tid;
	int id;
	int ep, lfd, efd;
	hconn *conns;
	int nconns;
	int peak_conns;                 /* since memory was last trimmed */
	sigil_config *cfg;              /* this worker's reference (config_get) */
	unsigned cfg_gen;
	const serve_opts *o;
	char body[BODY_CHUNK];          /* response bytes on their way to records */
} worker;

static sigil_config *current_cfg;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stopping, reload;
static FILE *access_log;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int root_fd = -1;
static char root_real[4096];
static char ca_cert_shown[4096];

static void logv(const serve_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logv(const serve_opts *o, const char *fmt, ...)
{
	if (!o->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&log_lock);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
	va_end(ap);
}

/* Each worker keeps its own reference to the current config and takes
 * the lock only when a reload bumped the generation: no lock per
 * connection on a path all threads share. */
static atomic_uint cfg_gen;

static sigil_config *config_get(worker *w)
{
	unsigned g = atomic_load_explicit(&cfg_gen, memory_order_acquire);
	if (!w->cfg || g != w->cfg_gen) {
		pthread_mutex_lock(&cfg_lock);
		sigil_config *n = sigil_config_ref(current_cfg);
		w->cfg_gen = atomic_load(&cfg_gen);
		pthread_mutex_unlock(&cfg_lock);
		sigil_config_free(w->cfg);
		w->cfg = n;
	}
	return w->cfg;
}

/* Without --ticket-keys: one random key for the process, kept across
 * SIGHUP reloads, so tickets stay valid as long as the process lives. */
static uint8_t process_ticket_key[SIGIL_TICKET_KEY_LEN];

/* --ticket-keys FILE: one key per line, 96 hex digits (a 16-byte name and
 * a 32-byte AES-256-GCM key, e.g. from `openssl rand -hex 48`); the first
 * line seals new tickets, every line opens them; '#' starts a comment.
 * See docs/fleet.md. */
static int read_ticket_keys(const char *path, uint8_t *keys, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "sigil serve: --ticket-keys %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[512];
	int lineno = 0, ret = 0;
	*n = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *p = line + strspn(line, " \t");
		size_t len = strcspn(p, " \t\r\n#");
		if (len == 0)
			continue;
		if (len != 2 * SIGIL_TICKET_KEY_LEN || *n == 8) {
			fprintf(stderr, "sigil serve: %s:%d: %s\n", path, lineno,
				*n == 8 ? "at most 8 keys" : "a key is 96 hex digits (openssl rand -hex 48)");
			ret = -1;
			break;
		}
		for (size_t i = 0; i < SIGIL_TICKET_KEY_LEN; i++) {
			unsigned v;
			if (sscanf(p + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", p[2 * i]) ||
			    !strchr("0123456789abcdefABCDEF", p[2 * i + 1])) {
				fprintf(stderr, "sigil serve: %s:%d: not hexadecimal\n", path, lineno);
				ret = -1;
				goto out;
			}
			keys[*n * SIGIL_TICKET_KEY_LEN + i] = (uint8_t)v;
		}
		(*n)++;
	}
	if (ret == 0 && *n == 0) {
		fprintf(stderr, "sigil serve: %s: no ticket key\n", path);
		ret = -1;
	}
out:
	fclose(f);
	return ret;
}

static sigil_config *config_load(const serve_opts *o, const char *cert, const char *key)
{
	sigil_config *cfg = sigil_config_new();
	if (!cfg) {
		fprintf(stderr, "sigil serve: cannot create a TLS config\n");
		return NULL;
	}
	uint8_t keys[8 * SIGIL_TICKET_KEY_LEN];
	size_t nkeys = 1;
	memcpy(keys, process_ticket_key, SIGIL_TICKET_KEY_LEN);
	if (o->ticket_keys && read_ticket_keys(o->ticket_keys, keys, &nkeys) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	int tr = sigil_config_set_ticket_keys(cfg, keys, nkeys);
	memset(keys, 0, sizeof keys);
	if (tr < 0) {
		fprintf(stderr, "sigil serve: %s\n", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return NULL;
	}
	if (sigil_config_add_cert_key_file(cfg, cert, key) < 0 ||
	    (o->alpn && sigil_config_set_alpn(cfg, o->alpn) < 0) ||
	    (o->client_ca && (sigil_config_add_trust(cfg, o->client_ca) < 0 ||
			      sigil_config_set_client_auth(cfg, o->client_auth) < 0)) ||
	    /* A CRL the operator gives must be current (re-read on SIGHUP). */
	    (o->client_crl && sigil_config_add_crl_file(cfg, o->client_crl, 1) < 0)) {
		fprintf(stderr, "sigil serve: %s\n", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Deadlines are in milliseconds of CLOCK_MONOTONIC: time() counts whole
 * seconds, so "now + 1" could pass a few milliseconds later, and a wall
 * clock set forward would expire every connection at once. */
static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connection list and lifecycle ---- */

static void conn_free(worker *w, hconn *c)
{
	/* close() takes the socket out of the epoll set (it is never dup'ed). */
	close(c->fd);
	if (c->file >= 0)
		close(c->file);
	free(c->mem);
	free(c->req);
	free(c->r);
	free(c->user);
	sigil_conn_free(c->tls);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	free(c);
}

static void want(worker *w, hconn *c, int r)
{
	uint32_t events = r == SIGIL_WANT_WRITE || r == SIGIL_IO_WANT_WRITE ? EPOLLOUT : EPOLLIN;
	if (events == c->events)
		return;         /* a system call saved per wait */
	struct epoll_event ev = { .events = events, .data.ptr = c };
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = events;
}

static void on_ready(worker *w, hconn *c);

static void accept_all(worker *w)
{
	for (;;) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof sa;
		int fd = accept4(w->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (w->nconns >= w->o->max_conns || stopping) {
			close(fd);
			continue;
		}
		hconn *c = calloc(1, sizeof *c);
		if (c) {        /* out of memory: drop this client, not the server */
			c->tls = sigil_conn_new(config_get(w), SIGIL_SERVER);
		}
		if (!c || !c->tls || sigil_io_attach(c->tls, fd) < 0) {
			if (c)
				sigil_conn_free(c->tls);
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->file = -1;
		c->st = C_HANDSHAKE;
		c->deadline = mono_ms() + w->o->handshake_timeout * 1000LL;
		char host[INET6_ADDRSTRLEN] = "?";
		if (sa.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof host);
		else if (sa.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof host);
		snprintf(c->peer, sizeof c->peer, "%s", host);
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		w->nconns++;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
		c->events = EPOLLIN;
		/* The ClientHello often came with the connection: try it now
		 * rather than after another trip through epoll_wait.  (No
		 * TCP_DEFER_ACCEPT: a silent client would then sit in the kernel
		 * out of reach of --handshake-timeout.) */
		on_ready(w, c);
	}
}

/* ---- responses ---- */

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static void set_head(hconn *c, int status, const char *type, uint64_t len, const char *extra)
{
	char date[SG_HTTP_DATE_LEN + 1];
	sg_http_date_format(time(NULL), date);
	char cl[48] = "";
	if (len != NO_LENGTH)
		snprintf(cl, sizeof cl, "Content-Length: %llu\r\n", (unsigned long long)len);
	int n = snprintf(c->r->head, sizeof c->r->head,
			 "HTTP/1.1 %d %s\r\nServer: sigil\r\nDate: %s\r\n%s%s%s%s%s%s\r\n",
			 status, reason_phrase(status), date, type ? "Content-Type: " : "", type ? type : "",
			 type ? "\r\n" : "", cl, extra ? extra : "",
			 c->keep_alive ? "" : "Connection: close\r\n");
	c->head_len = n > 0 && (size_t)n < sizeof c->r->head ? (size_t)n : 0;
	c->head_off = 0;
	c->status = status;
}

static void respond_text(hconn *c, int status, const char *body, int head_only)
{
	free(c->mem);
	c->mem = strdup(body);
	c->mem_len = head_only || !c->mem ? 0 : strlen(body);
	c->mem_off = 0;
	set_head(c, status, "text/plain; charset=utf-8", strlen(body), NULL);
}

static void html_escape(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (; *in && n + 7 < cap; in++) {
		const char *r = *in == '<' ? "&lt;" : *in == '>' ? "&gt;" : *in == '&' ? "&amp;" : *in == '"' ? "&quot;" : NULL;
		if (r) {
			memcpy(out + n, r, strlen(r));
			n += strlen(r);
		} else {
			out[n++] = *in;
		}
	}
	out[n] = 0;
}

/* The built-in page: what this visitor's connection negotiated. */
static void respond_builtin(hconn *c, int head_only)
{
	const char *alpn = sigil_conn_alpn(c->tls), *sni = sigil_conn_server_name(c->tls);
	char esni[600], ebuf[5000], euser[1200];
	html_escape(esni, sizeof esni, sni ? sni : "(none)");
	html_escape(euser, sizeof euser, c->user ? c->user : "(no client certificate)");
	char *page = malloc(16384);
	if (!page) {
		respond_text(c, 500, "out of memory\n", head_only);
		return;
	}
	html_escape(ebuf, sizeof ebuf, ca_cert_shown[0] ? ca_cert_shown : "(a certificate given with --cert)");
	int n = snprintf(page, 16384,
			 "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>sigil</title>\n"
			 "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto}"
			 "td{padding:.2em 1em}</style></head><body>\n"
			 "<h1>sigil: a secure connection</h1>\n<p>Your connection to this site:</p>\n<table>\n"
			 "<tr><td>Protocol</td><td>TLS 1.3</td></tr>\n"
			 "<tr><td>Cipher suite</td><td>%s</td></tr>\n"
			 "<tr><td>Key exchange</td><td>%s%s</td></tr>\n"
			 "<tr><td>Server signature</td><td>%s</td></tr>\n"
			 "<tr><td>ALPN</td><td>%s</td></tr>\n"
			 "<tr><td>Server name (SNI)</td><td>%s</td></tr>\n"
			 "<tr><td>Your address</td><td>%s</td></tr>\n"
			 "<tr><td>Signed in as</td><td>%s</td></tr>\n"
			 "</table>\n<p>The certificate authority of this site: <code>%s</code></p>\n</body></html>\n",
			 sigil_suite_name(sigil_conn_suite(c->tls)), sigil_group_name(sigil_conn_group(c->tls)),
			 sigil_conn_hrr(c->tls) ? " (after HelloRetryRequest)" : "",
			 sigil_sigscheme_name(sigil_conn_sigscheme(c->tls)) ? sigil_sigscheme_name(sigil_conn_sigscheme(c->tls)) : "?",
			 alpn ? alpn : "(none)", esni, c->peer, euser, ebuf);
	free(c->mem);
	c->mem = page;
	c->mem_len = head_only ? 0 : (size_t)n;
	c->mem_off = 0;
	set_head(c, 200, "text/html; charset=utf-8", (uint64_t)n, NULL);
}

/* Directory without index.html: a listing. */
static void respond_listing(hconn *c, int dfd, const char *rel, int head_only)
{
	FILE *m;
	char *buf = NULL;
	size_t len = 0;
	m = open_memstream(&buf, &len);
	int d2 = dup(dfd);
	DIR *dir = d2 >= 0 ? fdopendir(d2) : NULL;
	char erel[1024];
	html_escape(erel, sizeof erel, rel);
	fprintf(m, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>/%s</title></head><body>\n"
		   "<h1>Index of /%s</h1>\n<ul>\n", erel, erel);
	struct dirent *e;
	while (dir && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char en[1024];
		html_escape(en, sizeof en, e->d_name);
		fprintf(m, "<li><a href=\"%s%s\">%s</a></li>\n", en, e->d_type == DT_DIR ? "/" : "", en);
	}
	if (dir)
		closedir(dir);
	fprintf(m, "</ul>\n</body></html>\n");
	fclose(m);
	free(c->mem);
	c->mem = buf;
	c->mem_len = head_only ? 0 : len;
	c->mem_off = 0;
	set_head(c, 200, "text/html; charset=utf-8", len, NULL);
}

/* A file under --root: no escape from it (the path is cleaned by
 * sg_http_map_path; symlinks are resolved and must stay under the root). */
/* Open rel (from sg_http_map_path) under the root so that nothing, not
 * even a symlink, leads out of it: openat2 with RESOLVE_BENEATH does it in
 * one system call (Linux 5.6+); elsewhere realpath must land under the
 * root.  Returns the descriptor or -errno (EXDEV: it would leave). */
static int open_beneath(const char *rel)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	char full[8192], real[4096];
	snprintf(full, sizeof full, "%s/%s", root_real, rel);
	if (!realpath(full, real))
		return -errno;
	size_t rl = strlen(root_real);
	/* The root itself, or below it ("/" is its own separator). */
	if (strncmp(real, root_real, rl) != 0 || (real[rl] != 0 && real[rl] != '/' && root_real[rl - 1] != '/'))
		return -EXDEV;
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 ? (int)fd : -errno;
}

static void respond_file(hconn *c, const sg_http_request *req, int head_only)
{
	char rel[4096];
	if (sg_http_map_path(req->path.p, req->path.n, rel, sizeof rel) < 0) {
		respond_text(c, 403, "forbidden path\n", head_only);
		return;
	}
	int fd = open_beneath(rel);
	struct stat st;
	if (fd < 0) {
		int e = -fd;
		respond_text(c, e == ENOENT || e == ENOTDIR ? 404 : 403,
			     e == ENOENT || e == ENOTDIR ? "not found\n" :
			     e == EXDEV ? "forbidden: outside the site's root\n" : "forbidden\n", head_only);
		return;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		respond_text(c, 403, "forbidden\n", head_only);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t tl = req->path.n;
		const char *q = memchr(req->path.p, '?', tl);
		if (q)
			tl = (size_t)(q - req->path.p);
		if (tl == 0 || req->path.p[tl - 1] != '/') {
			char loc[1200];
			snprintf(loc, sizeof loc, "Location: %.*s/\r\n", (int)(tl < 1000 ? tl : 1000), req->path.p);
			free(c->mem);
			c->mem = NULL;
			c->mem_len = 0;
			set_head(c, 301, NULL, 0, loc);
			close(fd);
			return;
		}
		int ifd = openat(fd, "index.html", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (ifd < 0) {
			respond_listing(c, fd, rel, head_only);
			close(fd);
			return;
		}
		close(fd);
		fd = ifd;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			respond_text(c, 403, "forbidden\n", head_only);
			return;
		}
		snprintf(rel, sizeof rel, "index.html");       /* for its MIME type */
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		respond_text(c, 403, "forbidden: not a regular file\n", head_only);
		return;
	}
	char lm[SG_HTTP_DATE_LEN + 1], extra[256];
	sg_http_date_format(st.st_mtime, lm);
	/* RFC 9110 13.1.3: If-Modified-Since, for GET and HEAD. */
	if (req->has_ims && st.st_mtime <= req->if_modified_since) {
		close(fd);
		free(c->mem);
		c->mem = NULL;
		c->mem_len = 0;
		snprintf(extra, sizeof extra, "Last-Modified: %s\r\n", lm);
		set_head(c, 304, NULL, NO_LENGTH, extra);      /* 304 has no body (9110 15.4.5) */
		return;
	}
	uint64_t first = 0, last = st.st_size ? (uint64_t)st.st_size - 1 : 0;
	int status = 200;
	/* Range is ignored with If-Range, which we do not evaluate (13.1.5). */
	if (req->has_range && !req->has_if_range && st.st_size > 0) {
		int r = sg_http_parse_range(req->range.p, req->range.n, (uint64_t)st.st_size, &first, &last);
		if (r > 0) {
			status = 206;
		} else if (r < 0) {
			close(fd);
			snprintf(extra, sizeof extra, "Content-Range: bytes */%lld\r\n", (long long)st.st_size);
			free(c->mem);
			c->mem = NULL;
			c->mem_len = 0;
			set_head(c, 416, NULL, 0, extra);
			return;
		}
	}
	uint64_t len = st.st_size ? last - first + 1 : 0;
	if (status == 206)
		snprintf(extra, sizeof extra, "Last-Modified: %s\r\nAccept-Ranges: bytes\r\nContent-Range: bytes %llu-%llu/%lld\r\n",
			 lm, (unsigned long long)first, (unsigned long long)last, (long long)st.st_size);
	else
		snprintf(extra, sizeof extra, "Last-Modified: %s\r\nAccept-Ranges: bytes\r\n", lm);
	free(c->mem);
	c->mem = NULL;
	c->mem_len = 0;
	set_head(c, status, sg_http_mime_type(rel, strlen(rel)), len, extra);
	if (head_only || len == 0) {
		close(fd);
		return;
	}
	c->file = fd;
	c->file_off = (off_t)first;
	c->file_end = (off_t)(first + len);
}

/* ---- client identity and --authz ---- */

typedef struct authz_rule {
	char prefix[256];
	char subject[512];              /* "*": any client with a certificate */
} authz_rule;
static authz_rule *authz_rules;
static size_t nauthz;

static int load_authz(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "sigil serve: --authz %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		char *p = line + strspn(line, " \t");
		if (*p == 0 || *p == '#')
			continue;
		size_t pl = strcspn(p, " \t");
		char *subj = p + pl + strspn(p + pl, " \t");
		if (*p != '/' || pl >= sizeof authz_rules->prefix || *subj == 0 || strlen(subj) >= sizeof authz_rules->subject) {
			fprintf(stderr, "sigil serve: %s:%d: want 'PREFIX SUBJECT' (PREFIX starts with /)\n", path, lineno);
			fclose(f);
			return -1;
		}
		authz_rule *n = realloc(authz_rules, (nauthz + 1) * sizeof *n);
		if (!n) {
			fclose(f);
			return -1;
		}
		authz_rules = n;
		memcpy(n[nauthz].prefix, p, pl);
		n[nauthz].prefix[pl] = 0;
		snprintf(n[nauthz].subject, sizeof n[nauthz].subject, "%s", subj);
		nauthz++;
	}
	fclose(f);
	return 0;
}

/* The longest prefix with rules decides; no rule: public.  The rules are
 * matched against the path as it is mapped to a file (percent-decoded,
 * "//" and "/./" collapsed), not as received: "/%61dmin/" and "//admin/"
 * name the files under "/admin/" too.  A path that does not map is
 * refused. */
static int authorized(const hconn *c, const char *target, size_t tlen)
{
	char path[4096];
	int m = sg_http_map_path(target, tlen, path + 1, sizeof path - 1);
	if (m < 0)
		return 0;
	path[0] = '/';
	size_t len = strcmp(path + 1, ".") == 0 ? 1 : (size_t)m + 1;
	size_t best = 0;
	int allowed = 1;
	for (size_t i = 0; i < nauthz; i++) {
		size_t pl = strlen(authz_rules[i].prefix);
		if (pl > len || memcmp(path, authz_rules[i].prefix, pl) != 0 || pl < best)
			continue;
		if (pl > best)
			allowed = 0;
		best = pl;
		if (c->user && (strcmp(authz_rules[i].subject, "*") == 0 || strcmp(authz_rules[i].subject, c->user) == 0))
			allowed = 1;
	}
	return allowed;
}

static void note_identity(worker *w, hconn *c)
{
	sigil_peer_identity id;
	c->user_cn[0] = 0;
	if (sigil_conn_peer_identity(c->tls, &id) != SIGIL_OK)
		return;
	free(c->user);
	c->user = strdup(id.subject);
	/* The CN alone, without spaces, for the log's authuser field. */
	const char *cn = strstr(id.subject, "CN=");
	size_t n = 0;
	if (cn)
		for (cn += 3; *cn && *cn != ',' && n + 1 < sizeof c->user_cn; cn++)
			c->user_cn[n++] = *cn == ' ' ? '_' : *cn;
	c->user_cn[n] = 0;
	logv(w->o, "%s: client certificate: %s (serial %s, SAN %s, SPKI sha256//%s)", c->peer, id.subject, id.serial,
	     id.san[0] ? id.san : "none", id.spki_sha256);
}

static void start_response(worker *w, hconn *c, const sg_http_request *req, int ok)
{
	c->bytes = 0;
	if (!ok) {
		c->keep_alive = 0;
		char msg[300];
		snprintf(msg, sizeof msg, "%s\n", req->why ? req->why : "bad request");
		respond_text(c, req->status, msg, 0);
		snprintf(c->r->line, sizeof c->r->line, "-");
		return;
	}
	c->keep_alive = req->keep_alive && !stopping;
	int head_only = req->method == SG_HTTP_HEAD;
	int get = req->method == SG_HTTP_GET;
	snprintf(c->r->line, sizeof c->r->line, "%.*s %.*s HTTP/1.%d", (int)req->method_name.n, req->method_name.p,
		 (int)(req->target.n < 300 ? req->target.n : 300), req->target.p, req->version_minor);
	if (!get && !head_only) {
		respond_text(c, 405, "only GET and HEAD are served here\n", 0);
		char *h = c->r->head + c->head_len - 2;     /* add Allow before the blank line */
		snprintf(h, sizeof c->r->head - (size_t)(h - c->r->head), "Allow: GET, HEAD\r\n\r\n");
		c->head_len = strlen(c->r->head);
		return;
	}
	if (nauthz && !authorized(c, req->path.p, req->path.n)) {
		respond_text(c, 403, c->user ? "forbidden: your certificate is not allowed here\n"
						: "forbidden: a client certificate is required here\n", head_only);
		logv(w->o, "%s: 403 for %s", c->peer, c->user ? c->user : "a client without a certificate");
		return;
	}
	if (w->o->root)
		respond_file(c, req, head_only);
	else
		respond_builtin(c, head_only);
}

static void log_access(const hconn *c)
{
	if (!access_log)
		return;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
	/* Common Log Format, then the TLS version and suite.  One write(2)
	 * per line on a file opened for appending: the kernel appends each
	 * whole, so workers take no lock (a line longer than the buffer is
	 * cut, but still ends the line). */
	char line[1024];
	int n = snprintf(line, sizeof line, "%s - %s [%s] \"%s\" %d %zu TLSv1.3 %s\n", c->peer,
			 c->user_cn[0] ? c->user_cn : "-", when, c->r->line, c->status, c->bytes,
			 sigil_suite_name(sigil_conn_suite(c->tls)));
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (write(fileno(access_log), line, (size_t)n) < 0) {
		/* A full disk must not stop the server; the log just has a gap. */
	}
}

/* ---- the connection state machine ---- */

static void conn_close(worker *w, hconn *c)
{
	if (c->st != C_CLOSING) {
		c->st = C_CLOSING;
		int r = sigil_io_close(c->tls);
		if (r == SIGIL_WANT_WRITE) {
			c->deadline = mono_ms() + 2000;
			want(w, c, r);
			return;
		}
	} else if (sigil_io_flush(c->tls) == SIGIL_WANT_WRITE) {
		return;
	}
	conn_free(w, c);
}

/* Parse what has arrived; returns 1 when a response was started, -1 when
 * memory for it could not be had. */
static int try_request(worker *w, hconn *c)
{
	/* Skip a request body we do not use. */
	if (c->discard) {
		if (c->req_len == 0)
			return 0;
		size_t k = c->discard < c->req_len ? c->discard : c->req_len;
		memmove(c->req, c->req + k, c->req_len - k);
		c->req_len -= k;
		c->discard -= k;
		c->scanned = c->line_start = 0;
		if (c->discard)
			return 0;
	}
	if (c->req_len == 0)
		return 0;
	/* The parser starts again from the first byte each time, so calling
	 * it on every read would let a client that sends its head a byte at a
	 * time cost O(n^2): 134 M byte visits for a 16 KiB head.  Its verdict
	 * can only change when a line ends, when the open line passes the
	 * line limit, or at the head limit: only then is it asked. */
	const char *lf = memrchr(c->req + c->scanned, '\n', c->req_len - c->scanned);
	c->scanned = c->req_len;
	if (lf)
		c->line_start = (size_t)(lf - c->req) + 1;
	else if (c->req_len - c->line_start <= SG_HTTP_MAX_FIELD_LINE && c->req_len < REQ_MAX)
		return 0;
	sg_http_request req;
	int r = sg_http_parse_request(c->req, c->req_len, &req);
	if (r == 0) {
		if (c->req_len >= REQ_MAX) {
			req.status = 431;
			req.why = "request head too large\n";
			r = -1;
		} else {
			return 0;
		}
	}
	if (!c->r && !(c->r = calloc(1, sizeof *c->r)))
		return -1;
	start_response(w, c, &req, r > 0);
	if (r > 0) {
		size_t used = (size_t)r;
		memmove(c->req, c->req + used, c->req_len - used);
		c->req_len -= used;
		c->scanned = c->line_start = 0;
		if (req.framing == SG_HTTP_BODY_LENGTH)
			c->discard = (size_t)req.content_length;
		if (req.framing == SG_HTTP_BODY_CHUNKED)
			c->keep_alive = 0;      /* we do not read chunked request bodies */
	} else {
		c->req_len = 0;
		c->scanned = c->line_start = 0;
		logv(w->o, "%s: bad request: %s", c->peer, req.why ? req.why : "?");
	}
	c->st = C_WRITE;
	return 1;
}


/* Write the response; returns 0 when done, 1 when waiting, -1 on error. */
static int write_response(worker *w, hconn *c)
{
	char *buf = w->body;
	for (;;) {
		/* Gather head, in-memory body and file data into full records:
		 * a small response is one record, and with close_notify one
		 * send.  The engine queues records up to its hold limit; only
		 * then, or at the end, does the socket see them.  Only as many
		 * bytes are gathered as the engine takes now, so no file byte
		 * is read twice. */
		size_t room = sigil_conn_write_room(c->tls);
		if (room > BODY_CHUNK)
			room = BODY_CHUNK;
		size_t n = 0, from_head = 0, from_mem = 0, from_file = 0;
		if (room == 0)
			goto flush;
		if (c->head_off < c->head_len) {
			from_head = c->head_len - c->head_off < room ? c->head_len - c->head_off : room;
			memcpy(buf, c->r->head + c->head_off, from_head);
			n = from_head;
		}
		if (n < room && c->mem_off < c->mem_len) {
			from_mem = c->mem_len - c->mem_off < room - n ? c->mem_len - c->mem_off : room - n;
			memcpy(buf + n, c->mem + c->mem_off, from_mem);
			n += from_mem;
		}
		if (n < room && c->file >= 0 && c->file_off < c->file_end) {
			size_t want_n = (size_t)(c->file_end - c->file_off) < room - n ?
					(size_t)(c->file_end - c->file_off) : room - n;
			ssize_t r = pread(c->file, buf + n, want_n, c->file_off);
			if (r <= 0)
				return -1;
			from_file = (size_t)r;
			n += from_file;
		}
		if (n == 0) {
			/* Done: a closing response takes its close_notify along. */
			if (!c->keep_alive && !(sigil_conn_state(c->tls) & SIGIL_ST_CLOSED) &&
			    sigil_conn_close_notify(c->tls) < 0)
				return -1;
			int r = sigil_io_flush(c->tls);
			if (r == SIGIL_WANT_WRITE)
				return 1;
			return r == SIGIL_OK ? 0 : -1;
		}
		size_t used;
		if (sigil_conn_write_app(c->tls, (const uint8_t *)buf, n, &used) < 0)
			return -1;
		if (used == 0) {
			/* The engine's queue is full: send it. */
flush:;
			int r = sigil_io_flush(c->tls);
			if (r == SIGIL_WANT_WRITE)
				return 1;
			if (r != SIGIL_OK)
				return -1;
			continue;
		}
		/* A long download is not idle: the idle deadline counts from
		 * the last progress, so only a client that stops reading is
		 * dropped, not one that reads a large file slowly. */
		c->deadline = mono_ms() + w->o->idle_timeout * 1000LL;
		size_t k = used < from_head ? used : from_head;
		c->head_off += k;
		used -= k;
		k = used < from_mem ? used : from_mem;
		c->mem_off += k;
		c->bytes += k;
		used -= k;
		c->file_off += (off_t)used;
		c->bytes += used;
	}
}

static void on_ready(worker *w, hconn *c)
{
	for (;;) {
		switch (c->st) {
		case C_HANDSHAKE: {
			int r = sigil_io_handshake(c->tls);
			if (r == SIGIL_OK) {
				c->st = C_READ;
				c->deadline = mono_ms() + w->o->idle_timeout * 1000LL;
				logv(w->o, "%s: TLS 1.3 %s %s%s", c->peer, sigil_suite_name(sigil_conn_suite(c->tls)),
				     sigil_group_name(sigil_conn_group(c->tls)), sigil_conn_resumed(c->tls) ? " resumed" : "");
				note_identity(w, c);
				continue;
			}
			if (r == SIGIL_ERROR) {
				/* A refused client certificate is always worth a line. */
				sigil_error_class ec = sigil_conn_error_class(c->tls);
				if (ec == SIGIL_ECLASS_VERIFY ||
				    sigil_conn_error_alert(c->tls) == SIGIL_ALERT_CERTIFICATE_REQUIRED)
					fprintf(stderr, "sigil serve: %s: client refused: %s\n", c->peer, sigil_conn_error(c->tls));
				else
					logv(w->o, "%s: handshake failed: %s", c->peer, sigil_conn_error(c->tls));
				conn_free(w, c);
				return;
			}
			want(w, c, r);
			return;
		}
		case C_READ: {
			int tr = try_request(w, c);
			if (tr < 0) {
				conn_free(w, c);
				return;
			}
			if (tr)
				continue;
			if (stopping) {
				conn_close(w, c);
				return;
			}
			if (!c->req && !(c->req = malloc(REQ_MAX))) {
				conn_free(w, c);
				return;
			}
			ssize_t r = sigil_io_read(c->tls, c->req + c->req_len, REQ_MAX - c->req_len);
			if (r > 0) {
				c->req_len += (size_t)r;
				/* Bytes of a request head do not move the deadline:
				 * a head must be complete within the idle timeout,
				 * or a client sending it a byte at a time
				 * (slowloris) holds the connection for ever.  A
				 * request body being skipped is progress. */
				if (c->discard)
					c->deadline = mono_ms() + w->o->idle_timeout * 1000LL;
				continue;
			}
			if (r == 0) {   /* close_notify */
				conn_close(w, c);
				return;
			}
			if (r == SIGIL_IO_WANT_READ || r == SIGIL_IO_WANT_WRITE) {
				/* Waiting for the client: give the record buffers back
				 * (an idle keep-alive connection is then ~2 KiB). */
				if (r == SIGIL_IO_WANT_READ && c->req_len == 0) {
					sigil_conn_shrink(c->tls);
					free(c->req);
					c->req = NULL;
					free(c->r);
					c->r = NULL;
				}
				want(w, c, r == SIGIL_IO_WANT_READ ? SIGIL_WANT_READ : SIGIL_WANT_WRITE);
				return;
			}
			if (c->req_len || sigil_conn_error_class(c->tls) != SIGIL_ECLASS_IO)
				logv(w->o, "%s: %s", c->peer, sigil_conn_error(c->tls));
			conn_free(w, c);
			return;
		}
		case C_WRITE: {
			int r = write_response(w, c);
			if (r > 0) {
				want(w, c, SIGIL_WANT_WRITE);
				return;
			}
			if (r < 0) {
				logv(w->o, "%s: writing failed: %s", c->peer, sigil_conn_error(c->tls));
				conn_free(w, c);
				return;
			}
			log_access(c);
			if (c->file >= 0) {
				close(c->file);
				c->file = -1;
			}
			free(c->mem);
			c->mem = NULL;
			c->mem_len = c->mem_off = 0;
			c->head_len = c->head_off = 0;
			if (!c->keep_alive || stopping) {
				conn_close(w, c);
				return;
			}
			c->st = C_READ;
			c->deadline = mono_ms() + w->o->idle_timeout * 1000LL;
			want(w, c, SIGIL_WANT_READ);
			continue;
		}
		case C_CLOSING:
			conn_close(w, c);
			return;
		}
	}
}

static void sweep(worker *w)
{
	int64_t now = mono_ms();
	/* After a burst, give the memory of the connections that went back
	 * to the system (glibc keeps freed heap otherwise), once per quiet
	 * period rather than per connection. */
	if (w->nconns < w->peak_conns / 4 && w->peak_conns >= 64) {
		malloc_trim(0);
		w->peak_conns = w->nconns;
	}
	if (w->nconns > w->peak_conns)
		w->peak_conns = w->nconns;
	for (hconn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (stopping && c->st == C_READ && c->req_len == 0) {
			conn_close(w, c);
			continue;
		}
		if (now >= c->deadline) {
			logv(w->o, "%s: %s timeout", c->peer, c->st == C_HANDSHAKE ? "handshake" : "idle");
			/* Between requests the connection is sound: say goodbye
			 * with close_notify, so that the client does not take
			 * it for a truncation attack. */
			if (c->st == C_READ)
				conn_close(w, c);
			else
				conn_free(w, c);
		}
	}
}

static int listen_socket(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = 0;
		h++;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	if (getaddrinfo(h, colon + 1, &hints, &res) != 0)
		return -1;
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
		/* Accepted sockets inherit TCP_NODELAY from the listener
		 * (Linux and the BSDs copy it): one system call per
		 * connection saved. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	struct epoll_event evs[256];
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = w };
	epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &lev);
	struct epoll_event eev = { .events = EPOLLIN, .data.ptr = &w->efd };
	epoll_ctl(w->ep, EPOLL_CTL_ADD, w->efd, &eev);
	/* Sweep 4 times a second: a timeout fires at most 250 ms late. */
	int64_t last_sweep = mono_ms(), stop_deadline = 0;
	for (;;) {
		int n = epoll_wait(w->ep, evs, 256, 250);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == w) {
				accept_all(w);
			} else if (evs[i].data.ptr == &w->efd) {
				uint64_t v;
				if (read(w->efd, &v, sizeof v) < 0) { /* woken anyway */ }
			} else {
				hconn *c = evs[i].data.ptr;
				on_ready(w, c);
			}
		}
		if (stopping && w->lfd >= 0) {
			epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL);
			close(w->lfd);
			w->lfd = -1;
			stop_deadline = mono_ms() + 10000;
			sweep(w);
		}
		if (mono_ms() - last_sweep >= 250) {
			last_sweep = mono_ms();
			sweep(w);
		}
		if (stopping && (w->nconns == 0 || mono_ms() >= stop_deadline)) {
			while (w->conns)
				conn_free(w, w->conns);
			sigil_config_free(w->cfg);
			w->cfg = NULL;
			return NULL;
		}
	}
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		stopping = 1;
}

/* mkdir -p of the directories above path (sg_ca_ensure_dev makes path
 * itself): on a fresh machine ~/.local/share may not exist yet. */
static void make_parents(const char *path)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return;         /* sg_ca_ensure_dev will say why */
		*s = '/';
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sigil serve [options]\n"
		"  --listen HOST:PORT     address to listen on (default 127.0.0.1:8443)\n"
		"  --cert CHAIN.pem       certificate chain, leaf first (default: a localhost\n"
		"  --key KEY.pem          certificate from the development CA in $SIGIL_HOME)\n"
		"  --root DIR             serve static files from DIR (default: a built-in page\n"
		"                         showing the visitor's TLS parameters)\n"
		"  --threads N            worker threads (default: the number of cores)\n"
		"  --alpn LIST            ALPN protocols (default http/1.1)\n"
		"  --access-log FILE      Common Log Format plus TLS version and suite\n"
		"  --client-ca FILE       ask for client certificates from this CA\n"
		"  --ticket-keys FILE     session ticket keys shared by a fleet (docs/fleet.md;\n"
		"                         re-read on SIGHUP; default: random per process)\n"
		"  --require-client-cert  refuse clients without one (with --client-ca)\n"
		"  --client-crl FILE      refuse revoked client certificates (re-read on SIGHUP)\n"
		"  --authz FILE           per-path rules: lines 'PREFIX SUBJECT', e.g.\n"
		"                         '/admin/ CN=alice, O=Example' or '/members/ *'\n"
		"  --handshake-timeout S  drop a handshake after S seconds (default 10)\n"
		"  --idle-timeout S       drop an idle connection after S seconds (default 60)\n"
		"  --max-conns N          connections per thread (default 10000)\n"
		"  -v                     log handshakes and errors to stderr\n"
		"SIGTERM/SIGINT: finish responses in flight and stop; SIGHUP: reload the\n"
		"certificate, key and ticket keys.\n");
}

int do_serve(int argc, char **argv)
{
	serve_opts o = { .listen = "127.0.0.1:8443", .alpn = "http/1.1", .threads = 0, .handshake_timeout = 10,
			 .idle_timeout = 60, .max_conns = 10000, .client_auth = SIGIL_CLIENT_AUTH_REQUEST };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name, field) if (strcmp(a, name) == 0 && v) { field = v; i++; continue; }
#define NUM(name, field) if (strcmp(a, name) == 0 && v) { field = atoi(v); i++; continue; }
		ARG("--listen", o.listen)
		ARG("--cert", o.cert)
		ARG("--key", o.key)
		ARG("--root", o.root)
		ARG("--alpn", o.alpn)
		ARG("--access-log", o.access_log)
		ARG("--client-ca", o.client_ca)
		ARG("--client-crl", o.client_crl)
		ARG("--authz", o.authz)
		ARG("--ticket-keys", o.ticket_keys)
		NUM("--threads", o.threads)
		NUM("--handshake-timeout", o.handshake_timeout)
		NUM("--idle-timeout", o.idle_timeout)
		NUM("--max-conns", o.max_conns)
		if (strcmp(a, "--require-client-cert") == 0) { o.client_auth = SIGIL_CLIENT_AUTH_REQUIRE; continue; }
		if (strcmp(a, "--request-client-cert") == 0) { o.client_auth = SIGIL_CLIENT_AUTH_REQUEST; continue; }
		if (strcmp(a, "-v") == 0) { o.verbose = 1; continue; }
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); return 0; }
		fprintf(stderr, "sigil serve: unknown or incomplete option \"%s\"\n", a);
		usage(stderr);
		return 2;
	}
	if (!o.cert != !o.key) {
		fprintf(stderr, "sigil serve: --cert and --key go together\n");
		return 2;
	}
	if (o.threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o.threads = n > 0 ? (int)n : 1;
	}
	if (o.handshake_timeout <= 0 || o.idle_timeout <= 0 || o.max_conns <= 0) {
		fprintf(stderr, "sigil serve: timeouts and limits must be positive\n");
		return 2;
	}
	char dev_cert[4096], dev_key[4096], err[512];
	if (!o.cert) {
		const char *home = getenv("SIGIL_HOME");
		char path[4096];
		if (!home || !*home) {
			const char *h = getenv("HOME");
			snprintf(path, sizeof path, "%s/.local/share/sigil", h && *h ? h : ".");
			home = path;
		}
		make_parents(home);
		if (sg_ca_ensure_dev(home, ca_cert_shown, sizeof ca_cert_shown, dev_cert, dev_key, sizeof dev_cert,
				     err, sizeof err) < 0) {
			fprintf(stderr, "sigil serve: development CA: %s\n", err);
			return 1;
		}
		o.cert = dev_cert;
		o.key = dev_key;
		printf("Development CA: %s\n  trust it with: curl --cacert %s https://localhost:%s/\n", ca_cert_shown,
		       ca_cert_shown, strrchr(o.listen, ':') ? strrchr(o.listen, ':') + 1 : "8443");
	}
	if (o.root) {
		if (!realpath(o.root, root_real)) {
			fprintf(stderr, "sigil serve: --root %s: %s\n", o.root, strerror(errno));
			return 1;
		}
		root_fd = open(root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0) {
			fprintf(stderr, "sigil serve: --root %s: not a directory\n", o.root);
			return 1;
		}
	}
	if (o.authz && load_authz(o.authz) < 0)
		return 1;
	if ((o.client_crl || o.client_auth == SIGIL_CLIENT_AUTH_REQUIRE) && !o.client_ca) {
		fprintf(stderr, "sigil serve: --client-crl and --require-client-cert need --client-ca\n");
		return 2;
	}
	if (o.access_log && !(access_log = fopen(o.access_log, "a"))) {
		fprintf(stderr, "sigil serve: --access-log %s: %s\n", o.access_log, strerror(errno));
		return 1;
	}
	FILE *ur = fopen("/dev/urandom", "rb");
	if (!ur || fread(process_ticket_key, 1, sizeof process_ticket_key, ur) != sizeof process_ticket_key) {
		fprintf(stderr, "sigil serve: cannot read /dev/urandom\n");
		return 1;
	}
	fclose(ur);
	current_cfg = config_load(&o, o.cert, o.key);
	if (!current_cfg)
		return 1;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	worker *ws = calloc((size_t)o.threads, sizeof *ws);
	for (int i = 0; i < o.threads; i++) {
		ws[i].id = i;
		ws[i].o = &o;
		ws[i].lfd = listen_socket(o.listen);
		ws[i].ep = epoll_create1(EPOLL_CLOEXEC);
		ws[i].efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ws[i].lfd < 0) {
			fprintf(stderr, "sigil serve: cannot listen on %s: %s\n", o.listen, strerror(errno));
			return 1;
		}
	}
	/* Signals go to the main thread only. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < o.threads; i++)
		pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
	printf("sigil serve: https://%s/ (%d thread%s)%s%s\n", o.listen, o.threads, o.threads == 1 ? "" : "s",
	       o.root ? ", root " : "", o.root ? root_real : "");
	fflush(stdout);

	/* The signals stay blocked except inside sigsuspend, so one arriving
	 * between the test and the wait is not lost. */
	while (!stopping) {
		sigsuspend(&old);
		if (reload) {
			reload = 0;
			sigil_config *n = config_load(&o, o.cert, o.key);
			if (n) {
				pthread_mutex_lock(&cfg_lock);
				sigil_config *old_cfg = current_cfg;
				current_cfg = n;
				atomic_fetch_add_explicit(&cfg_gen, 1, memory_order_release);
				pthread_mutex_unlock(&cfg_lock);
				sigil_config_free(old_cfg);
				fprintf(stderr, "sigil serve: reloaded %s\n", o.cert);
			} else {
				fprintf(stderr, "sigil serve: reload failed; keeping the old certificate\n");
			}
		}
	}
	for (int i = 0; i < o.threads; i++) {
		uint64_t one = 1;
		if (write(ws[i].efd, &one, sizeof one) < 0) { /* the 1 s tick wakes it too */ }
	}
	for (int i = 0; i < o.threads; i++) {
		pthread_join(ws[i].tid, NULL);
		close(ws[i].ep);
		close(ws[i].efd);
	}
	free(ws);
	sigil_config_free(current_cfg);
	if (access_log)
		fclose(access_log);
	fprintf(stderr, "sigil serve: stopped\n");
	return 0;
}
