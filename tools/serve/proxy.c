/*
 * sigil serve --proxy PREFIX=URL: requests under PREFIX go to an HTTP/1.1
 * upstream (http://host:port or unix:/path), with the client's verified
 * identity in X-Client-* fields (docs/bank.md, "The contract with sigil
 * serve").
 *
 * For an HTTP/1.1 client, one exchange runs start to end on its worker
 * thread with poll()-bounded blocking I/O on both sides: while it lasts,
 * that worker serves no other connection (--threads bounds the proxied
 * requests in flight).  HTTP/2 streams are proxied without blocking, by
 * h2proxy.c, which shares the routes, fields, pool and connect below.  Bodies
 * pass through fixed buffers (the connection's request buffer towards the
 * upstream, the worker's body buffer back), never whole.
 *
 * Framing (RFC 9112 section 6): the client's request was parsed strictly
 * by src/http (Content-Length with Transfer-Encoding, two differing
 * Content-Length, a coding other than chunked, obs-fold, bare LF: refused
 * before we get here).  Both bodies are decoded and framed again by us:
 * the upstream sees exactly one Content-Length or our own chunks, the
 * client the same, so no byte of one message can become another.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"
#include "crypto/crypto.h"
#include "x509/x509.h"

#define UP_HEAD_MAX (SG_HTTP_MAX_HEAD + 8192)   /* our request head to the upstream */

int proxy_add(struct server *s, const char *spec, char *err, size_t cap)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec || spec[0] != '/' || (size_t)(eq - spec) >= sizeof s->proxies[0].prefix) {
		snprintf(err, cap, "--proxy %s: give PREFIX=URL, PREFIX an absolute path such as /app/", spec);
		return -1;
	}
	struct proxy_route *n = realloc(s->proxies, (s->nproxy + 1) * sizeof *n);
	if (!n) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	s->proxies = n;
	struct proxy_route *r = &n[s->nproxy];
	memset(r, 0, sizeof *r);
	memcpy(r->prefix, spec, (size_t)(eq - spec));
	r->plen = (size_t)(eq - spec);
	const char *url = eq + 1;
	if (strncmp(url, "unix:", 5) == 0) {
		if (url[5] != '/' || strlen(url + 5) >= sizeof r->path) {
			snprintf(err, cap, "--proxy %s: unix:PATH needs an absolute path under %zu bytes", spec,
				 sizeof r->path);
			return -1;
		}
		r->is_unix = true;
		snprintf(r->path, sizeof r->path, "%s", url + 5);
	} else if (strncmp(url, "http://", 7) == 0) {
		const char *hp = url + 7;
		size_t hl = strcspn(hp, "/");
		if (hp[hl] == '/' && hp[hl + 1]) {
			snprintf(err, cap, "--proxy %s: the URL takes no path (the target is forwarded unchanged)", spec);
			return -1;
		}
		char buf[sizeof r->host];
		if (hl >= sizeof buf) {
			snprintf(err, cap, "--proxy %s: host too long", spec);
			return -1;
		}
		memcpy(buf, hp, hl);
		buf[hl] = 0;
		char *colon = strrchr(buf, ':');
		if (!colon || !colon[1] || strlen(colon + 1) >= sizeof r->port || colon == buf) {
			snprintf(err, cap, "--proxy %s: give http://HOST:PORT", spec);
			return -1;
		}
		*colon = 0;
		snprintf(r->port, sizeof r->port, "%s", colon + 1);
		char *h = buf;
		if (h[0] == '[' && colon[-1] == ']') {
			colon[-1] = 0;
			h++;
		}
		memmove(r->host, h, strlen(h) + 1);
	} else {
		snprintf(err, cap, "--proxy %s: the URL is http://HOST:PORT or unix:/PATH", spec);
		return -1;
	}
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		snprintf(err, cap, "cannot make a lock");
		return -1;
	}
	s->nproxy++;
	return 0;
}

/* The route whose PREFIX the target's path starts with (the longest), or
 * PREFIX without its final slash exactly (the upstream redirects it).
 * Matched on the target as received, as the upstream will see it. */
struct proxy_route *proxy_route_for(struct server *s, const sg_http_request *req)
{
	if (req->form != SG_HTTP_FORM_ORIGIN)
		return NULL;
	/* The target is not NUL-terminated (an HTTP/2 :path is a view into
	 * the stream's field bytes): bounded by its length. */
	const char *p = req->target.p;
	const char *q = memchr(p, '?', req->target.n);
	size_t n = q ? (size_t)(q - p) : req->target.n;
	struct proxy_route *best = NULL;
	for (size_t i = 0; i < s->nproxy; i++) {
		struct proxy_route *r = &s->proxies[i];
		bool under = n >= r->plen && memcmp(p, r->prefix, r->plen) == 0;
		bool bare = r->plen > 1 && r->prefix[r->plen - 1] == '/' && n == r->plen - 1 &&
			    memcmp(p, r->prefix, n) == 0;
		if ((under || bare) && (!best || r->plen > best->plen))
			best = r;
	}
	return best;
}

/* ---- waiting ---- */

/* poll one descriptor until deadline (mono_ms); 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { fd, ev, 0 };
		int r = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* ---- the client side (TLS) ---- */

static int cl_flush(worker *w, hconn *c)
{
	for (;;) {
		int r = sigil_io_flush(c->tls);
		if (r == SIGIL_OK)
			return 0;
		if (r != SIGIL_WANT_WRITE)
			return -1;
		if (wait_fd(c->fd, POLLOUT, mono_ms() + w->srv->o.idle_timeout * 1000LL) != 1)
			return -1;
	}
}

static int cl_write(worker *w, hconn *c, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		size_t used = 0;
		if (sigil_conn_write_app(c->tls, p, n, &used) < 0)
			return -1;
		p += used;
		n -= used;
		if (used == 0 && cl_flush(w, c) < 0)
			return -1;
	}
	return 0;
}

/* More request bytes into c->req: 1, 0 at close, -1 error, -2 time-out. */
static int cl_fill(hconn *c, int64_t deadline)
{
	for (;;) {
		ssize_t r = sigil_io_read(c->tls, c->req + c->req_len, REQ_MAX - c->req_len);
		if (r > 0) {
			c->req_len += (size_t)r;
			return 1;
		}
		if (r == 0)
			return 0;
		if (r != SIGIL_IO_WANT_READ && r != SIGIL_IO_WANT_WRITE)
			return -1;
		int k = wait_fd(c->fd, r == SIGIL_IO_WANT_READ ? POLLIN : POLLOUT, deadline);
		if (k != 1)
			return k == 0 ? -2 : -1;
	}
}

static void cl_take(hconn *c, size_t k)
{
	memmove(c->req, c->req + k, c->req_len - k);
	c->req_len -= k;
}

/* ---- the upstream side ---- */

/* A non-blocking socket to the upstream with its connect() begun: the
 * descriptor (*pending when the connection is still being made: wait
 * for POLLOUT, then read SO_ERROR), or -1 with errno. */
int proxy_connect_start(const struct proxy_route *r, bool *pending)
{
	*pending = false;
	int fd = -1, cr;
	if (r->is_unix) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof a.sun_path, "%s", r->path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -1;
		cr = connect(fd, (struct sockaddr *)&a, sizeof a);
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
		struct addrinfo *ai;
		if (getaddrinfo(r->host, r->port, &hints, &ai) != 0) {
			errno = EHOSTUNREACH;
			return -1;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		cr = fd < 0 ? -1 : connect(fd, ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(ai);
		if (fd < 0)
			return -1;
	}
	if (cr == 0)
		return fd;
	/* A unix socket whose backlog is full says EAGAIN: wait as for TCP. */
	if (errno == EINPROGRESS || errno == EAGAIN) {
		*pending = true;
		return fd;
	}
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int up_connect(const struct proxy_route *r, int timeout_ms, int *timed_out)
{
	*timed_out = 0;
	bool pending;
	int fd = proxy_connect_start(r, &pending);
	if (fd < 0 || !pending)
		return fd;
	int k = wait_fd(fd, POLLOUT, mono_ms() + timeout_ms);
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (k != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		*timed_out = k == 0;
		close(fd);
		errno = soerr ? soerr : ETIMEDOUT;
		return -1;
	}
	return fd;
}

/* A pooled connection still good to use: not idle too long, and nothing
 * to read on it (a closed one reads EOF, a broken upstream sent bytes
 * nobody asked for). */
int proxy_pool_get(struct proxy_route *r, bool *reused)
{
	int fd = -1;
	*reused = false;
	pthread_mutex_lock(&r->lock);
	while (r->npool) {
		r->npool--;
		int f = r->pool[r->npool];
		int64_t since = r->since[r->npool];
		struct pollfd p = { f, POLLIN, 0 };
		if (mono_ms() - since < PROXY_POOL_IDLE_MS && poll(&p, 1, 0) == 0) {
			fd = f;
			break;
		}
		close(f);
	}
	pthread_mutex_unlock(&r->lock);
	if (fd >= 0)
		*reused = true;
	return fd;
}

void proxy_pool_put(struct proxy_route *r, int fd)
{
	pthread_mutex_lock(&r->lock);
	if (r->npool < PROXY_POOL_MAX) {
		r->pool[r->npool] = fd;
		r->since[r->npool] = mono_ms();
		r->npool++;
		fd = -1;
	}
	pthread_mutex_unlock(&r->lock);
	if (fd >= 0)
		close(fd);
}

static int up_write(int fd, const void *buf, size_t n, int64_t deadline)
{
	const char *p = buf;
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, deadline) != 1)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

/* >0 bytes, 0 EOF, -1 error, -2 time-out. */
static ssize_t up_read(int fd, void *buf, size_t cap, int64_t deadline)
{
	for (;;) {
		ssize_t k = recv(fd, buf, cap, 0);
		if (k >= 0)
			return k;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		int r = wait_fd(fd, POLLIN, deadline);
		if (r != 1)
			return r == 0 ? -2 : -1;
	}
}

/* ---- fields ---- */

static bool name_is(sg_http_str n, const char *s)
{
	return n.n == strlen(s) && strncasecmp(n.p, s, n.n) == 0;
}

/* Whether a Connection field among fields names this field (RFC 9110
 * 7.6.1: those are hop-by-hop too). */
static bool named_in_connection(const sg_http_header *f, size_t nf, sg_http_str name)
{
	for (size_t i = 0; i < nf; i++) {
		if (!name_is(f[i].name, "Connection"))
			continue;
		const char *p = f[i].value.p, *e = p + f[i].value.n;
		while (p < e) {
			while (p < e && (*p == ',' || *p == ' ' || *p == '\t'))
				p++;
			const char *t = p;
			while (p < e && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			if ((size_t)(p - t) == name.n && strncasecmp(t, name.p, name.n) == 0)
				return true;
		}
	}
	return false;
}

/* Hop-by-hop fields (RFC 9110 7.6.1), the framing fields we set again,
 * and the names whose value only the proxy may give. */
bool proxy_dropped(const sg_http_header *f, size_t nf, sg_http_str name, bool request)
{
	static const char *const hop[] = { "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
					    "Transfer-Encoding", "Upgrade", "Content-Length", "Proxy-Authorization",
					    "Proxy-Authenticate" };
	static const char *const ours_req[] = { "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "Expect" };
	static const char *const ours_resp[] = { "Date", "Server" };
	for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
		if (name_is(name, hop[i]))
			return true;
	if (request) {
		for (size_t i = 0; i < sizeof ours_req / sizeof ours_req[0]; i++)
			if (name_is(name, ours_req[i]))
				return true;
		/* Every X-Client-*: ours, and nobody else's (docs/bank.md). */
		if (name.n >= 9 && strncasecmp(name.p, "X-Client-", 9) == 0)
			return true;
	} else {
		for (size_t i = 0; i < sizeof ours_resp / sizeof ours_resp[0]; i++)
			if (name_is(name, ours_resp[i]))
				return true;
	}
	return named_in_connection(f, nf, name);
}

/* The leaf as PEM, URL-encoded (every byte but unreserved ones as %XX). */
static void cert_pem_urlenc(sg_wr *o, const uint8_t *der, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char hx[] = "0123456789ABCDEF";
	char line[80];
	size_t ll = 0;
	const char *begin = "-----BEGIN CERTIFICATE-----\n";
	const char *end = "-----END CERTIFICATE-----\n";
#define PUTC(ch) do { unsigned char _c = (unsigned char)(ch);                                          \
		if ((_c >= 'A' && _c <= 'Z') || (_c >= 'a' && _c <= 'z') || (_c >= '0' && _c <= '9') ||   \
		    _c == '-' || _c == '.' || _c == '_' || _c == '~')                                      \
			sg_wr_u8(o, _c);                                                                   \
		else { sg_wr_u8(o, '%'); sg_wr_u8(o, (uint8_t)hx[_c >> 4]); sg_wr_u8(o, (uint8_t)hx[_c & 15]); } \
	} while (0)
	for (const char *q = begin; *q; q++)
		PUTC(*q);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < len ? (uint32_t)der[i + 1] << 8 : 0) |
			     (i + 2 < len ? der[i + 2] : 0);
		line[ll++] = b64[v >> 18 & 63];
		line[ll++] = b64[v >> 12 & 63];
		line[ll++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		line[ll++] = i + 2 < len ? b64[v & 63] : '=';
		if (ll == 64 || i + 3 >= len) {
			for (size_t k = 0; k < ll; k++)
				PUTC(line[k]);
			PUTC('\n');
			ll = 0;
		}
	}
	for (const char *q = end; *q; q++)
		PUTC(*q);
#undef PUTC
}

static void put(sg_wr *o, const char *s)
{
	sg_wr_bytes(o, s, strlen(s));
}

static void put_field(sg_wr *o, const char *name, const char *value)
{
	put(o, name);
	put(o, ": ");
	put(o, value);
	put(o, "\r\n");
}

/* The verified identity (docs/bank.md, "Headers the proxy sets"); false
 * when the certificate cannot be described (the request is refused). */
static bool identity_fields(struct server *s, hconn *c, sg_wr *o)
{
	size_t n = 0;
	const sigil_der *chain = sigil_conn_peer_chain(c->tls, &n);
	if (!chain || n == 0) {
		put_field(o, "X-Client-Verify", "NONE");
		return true;
	}
	sg_x509_cert x;
	char err[128], subj[1024], iss[1024], fp[65];
	uint8_t d[32];
	sigil_peer_identity id;
	if (sg_x509_cert_parse(&x, chain[0].der, chain[0].len, err, sizeof err) < 0 ||
	    sg_x509_name_to_string(x.subject, subj, sizeof subj) < 0 ||
	    sg_x509_name_to_string(x.issuer, iss, sizeof iss) < 0 ||
	    sg_hash(&sg_sha256, chain[0].der, chain[0].len, d) < 0 ||
	    sigil_conn_peer_identity(c->tls, &id) != SIGIL_OK)
		return false;
	sg_hex(d, sizeof d, fp);
	put_field(o, "X-Client-Verify", "SUCCESS");
	put_field(o, "X-Client-Subject", subj);
	put_field(o, "X-Client-Issuer", iss);
	put_field(o, "X-Client-Serial", id.serial);
	put_field(o, "X-Client-Fingerprint-SHA256", fp);
	if (s->o.proxy_client_cert) {
		put(o, "X-Client-Cert: ");
		cert_pem_urlenc(o, chain[0].der, chain[0].len);
		put(o, "\r\n");
	}
	return true;
}

/* The client's address without the port: c->peer is "ADDR:PORT" or
 * "[ADDR]:PORT". */
static void peer_addr(const hconn *c, char *out, size_t cap, bool *v6)
{
	const char *p = c->peer;
	*v6 = p[0] == '[';
	const char *e = *v6 ? strchr(p, ']') : strrchr(p, ':');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	if (*v6 && n)
		p++, n--;
	snprintf(out, cap, "%.*s", (int)n, p);
}

/* Whether a header value may be sent as is (no CR, LF, NUL, controls). */
static bool clean(sg_http_str v)
{
	for (size_t i = 0; i < v.n; i++)
		if ((unsigned char)v.p[i] < 0x20 && v.p[i] != '\t')
			return false;
	return true;
}

int proxy_build_request(struct server *s, hconn *c, const sg_http_request *req, sg_wr *o)
{
	sg_wr_bytes(o, req->method_name.p, req->method_name.n);
	put(o, " ");
	sg_wr_bytes(o, req->target.p, req->target.n);
	put(o, " HTTP/1.1\r\n");
	sg_http_str xff = { NULL, 0 };
	for (uint32_t i = 0; i < req->nfields; i++) {
		const sg_http_header *f = &req->fields[i];
		if (name_is(f->name, "X-Forwarded-For") && !xff.n)
			xff = f->value;
		if (proxy_dropped(req->fields, req->nfields, f->name, true))
			continue;
		sg_wr_bytes(o, f->name.p, f->name.n);
		put(o, ": ");
		sg_wr_bytes(o, f->value.p, f->value.n);
		put(o, "\r\n");
	}
	char addr[64], line[256];
	bool v6;
	peer_addr(c, addr, sizeof addr, &v6);
	/* X-Forwarded-For: appended to the first list the client gave, as is
	 * customary; only our last entry can be trusted. */
	put(o, "X-Forwarded-For: ");
	if (xff.n && clean(xff)) {
		sg_wr_bytes(o, xff.p, xff.n);
		put(o, ", ");
	}
	put(o, addr);
	put(o, "\r\n");
	put_field(o, "X-Forwarded-Proto", "https");
	/* RFC 7239 section 4: an IPv6 node and the host are quoted-strings. */
	snprintf(line, sizeof line, "for=%s%s%s;proto=https", v6 ? "\"[" : "", addr, v6 ? "]\"" : "");
	put(o, "Forwarded: ");
	put(o, line);
	if (req->host.n && !memchr(req->host.p, '"', req->host.n) && !memchr(req->host.p, '\\', req->host.n)) {
		put(o, ";host=\"");
		sg_wr_bytes(o, req->host.p, req->host.n);
		put(o, "\"");
	}
	put(o, "\r\n");
	if (!identity_fields(s, c, o))
		return -1;
	if (req->framing == SG_HTTP_BODY_LENGTH) {
		snprintf(line, sizeof line, "%llu", (unsigned long long)req->content_length);
		put_field(o, "Content-Length", line);
	} else if (req->framing == SG_HTTP_BODY_CHUNKED) {
		put_field(o, "Transfer-Encoding", "chunked");
	}
	put(o, "\r\n");
	return sg_wr_ok(o) ? 0 : -1;
}

/* ---- the exchange ---- */

/* An answer of our own (403, 502, 504...): the normal write path sends it;
 * the connection closes after it when a request body may be left unread. */
static int own_answer(hconn *c, const sg_http_request *req, int status, const char *msg, bool body_left)
{
	if (body_left)
		c->keep_alive = 0;
	if (!c->keep_alive)
		c->req_len = 0;
	respond_text(c, status, msg, req->method == SG_HTTP_HEAD);
	c->st = C_WRITE;
	return 1;
}

void proxy_elog(struct server *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&s->log_lock);
	fputs("sigil serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&s->log_lock);
	va_end(ap);
}

/* Send the request body from the client to the upstream, decoded and
 * framed again.  0, or -1 (client) / -2 (upstream) / -3 (client too slow)
 * / -4 (malformed chunked body, *why set). */
static int send_body(worker *w, hconn *c, const sg_http_request *req, int up, const char **why)
{
	int64_t idle = w->srv->o.idle_timeout * 1000LL;
	if (req->framing == SG_HTTP_BODY_LENGTH) {
		uint64_t left = req->content_length;
		while (left) {
			if (c->req_len == 0) {
				int k = cl_fill(c, mono_ms() + idle);
				if (k <= 0)
					return k == -2 ? -3 : -1;
			}
			size_t n = c->req_len < left ? c->req_len : (size_t)left;
			if (up_write(up, c->req, n, mono_ms() + idle) < 0)
				return -2;
			cl_take(c, n);
			left -= n;
		}
		return 0;
	}
	if (req->framing != SG_HTTP_BODY_CHUNKED)
		return 0;
	sg_http_chunked ch;
	sg_http_chunked_init(&ch);
	for (;;) {
		if (c->req_len == 0) {
			int k = cl_fill(c, mono_ms() + idle);
			if (k <= 0)
				return k == -2 ? -3 : -1;
		}
		size_t used = 0, bl = 0;
		const char *b = NULL;
		int r = sg_http_chunked_feed(&ch, c->req, c->req_len, &used, &b, &bl);
		if (r < 0) {
			*why = ch.why;
			return -4;
		}
		if (bl) {
			char sz[24];
			int m = snprintf(sz, sizeof sz, "%zx\r\n", bl);
			if (up_write(up, sz, (size_t)m, mono_ms() + idle) < 0 ||
			    up_write(up, b, bl, mono_ms() + idle) < 0 || up_write(up, "\r\n", 2, mono_ms() + idle) < 0)
				return -2;
		}
		cl_take(c, used);
		if (r == 1)
			return up_write(up, "0\r\n\r\n", 5, mono_ms() + idle) < 0 ? -2 : 0;
	}
}

int proxy_handle(worker *w, hconn *c, const sg_http_request *req, size_t head_len)
{
	struct server *s = w->srv;
	struct proxy_route *rt = proxy_route_for(s, req);
	if (!rt)
		return 0;
	c->bytes = 0;
	c->keep_alive = req->keep_alive && !stopping(s);
	snprintf(c->r->line, sizeof c->r->line, "%.*s %.*s HTTP/1.%d", (int)req->method_name.n, req->method_name.p,
		 (int)(req->target.n < 300 ? req->target.n : 300), req->target.p, req->version_minor);
	bool has_body = req->framing != SG_HTTP_BODY_NONE;
	/* The head of our request first: req's views point into c->req, which
	 * the body then reuses. */
	sg_wr o;
	sg_wr_init(&o, NULL, 0, UP_HEAD_MAX + (s->o.proxy_client_cert ? 8192 : 0));
	int br = proxy_build_request(s, c, req, &o);
	/* --authz before anything goes upstream (the decoded path, as for files). */
	if (s->nauthz && !authorized(s, c, req->path.p, req->path.n)) {
		sg_wr_free(&o);
		cl_take(c, head_len);
		logv(s, "%s: 403 for %s", c->peer, c->user ? c->user : "a client without a certificate");
		return own_answer(c, req, 403, c->user ? "forbidden: your certificate is not allowed here\n"
						       : "forbidden: a client certificate is required here\n", has_body);
	}
	if (br < 0) {
		sg_wr_free(&o);
		cl_take(c, head_len);
		proxy_elog(s, "%s: proxy: cannot describe the request for the upstream", c->peer);
		return own_answer(c, req, 400, "bad request: it cannot be forwarded\n", has_body);
	}
	sg_http_method method = req->method;
	bool head_req = method == SG_HTTP_HEAD;
	bool idempotent = method == SG_HTTP_GET || method == SG_HTTP_HEAD;
	cl_take(c, head_len);
	/* 100-continue: answered here, so that the client sends its body;
	 * Expect is not forwarded. */
	if (req->expect_continue && has_body) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (cl_write(w, c, cont, sizeof cont - 1) < 0 || cl_flush(w, c) < 0) {
			sg_wr_free(&o);
			return -1;
		}
	}
	char *rh = malloc(SG_HTTP_MAX_HEAD);
	if (!rh) {
		sg_wr_free(&o);
		return -1;
	}
	int up = -1, attempt = 0;
	bool reused = false;
	sg_http_response res;
	size_t rlen = 0;
	int hl = 0;
	const char *fail = NULL;
	int fail_status = 502;
retry:
	attempt++;
	rlen = 0;
	up = attempt == 1 ? proxy_pool_get(rt, &reused) : -1;
	if (up < 0) {
		reused = false;
		int to;
		up = up_connect(rt, s->o.proxy_connect_timeout * 1000, &to);
		if (up < 0) {
			fail = to ? "connect timed out" : "cannot connect";
			fail_status = to ? 504 : 502;
			proxy_elog(s, "%s: proxy %s: %s%s%s: %s", c->peer, rt->prefix, rt->is_unix ? "unix:" : rt->host,
			     rt->is_unix ? rt->path : ":", rt->is_unix ? "" : rt->port, to ? "connect timed out" : strerror(errno));
			goto answer_fail;
		}
	}
	if (up_write(up, o.buf, o.len, mono_ms() + (s->o.proxy_idle_timeout * 1000)) < 0) {
		close(up);
		if (reused && attempt == 1 && idempotent)
			goto retry;
		fail = "the upstream closed";
		proxy_elog(s, "%s: proxy %s: sending the request failed", c->peer, rt->prefix);
		goto answer_fail;
	}
	if (has_body) {
		const char *why = NULL;
		int r = send_body(w, c, req, up, &why);
		if (r == -1 || r == -3) {
			close(up);
			free(rh);
			sg_wr_free(&o);
			logv(s, "%s: proxy: the client stopped sending its body", c->peer);
			return -1;
		}
		if (r == -4) {
			close(up);
			c->keep_alive = 0;
			free(rh);
			sg_wr_free(&o);
			c->req_len = 0;
			return own_answer(c, req, 400, "bad request: malformed chunked body\n", true);
		}
		if (r == -2) {
			close(up);
			fail = "the upstream closed";
			c->keep_alive = 0;
			proxy_elog(s, "%s: proxy %s: sending the body failed", c->peer, rt->prefix);
			goto answer_fail;
		}
	}
	/* The response head: the first byte within (s->o.proxy_first_byte_timeout * 1000), the
	 * rest at most (s->o.proxy_idle_timeout * 1000) apart; 1xx responses are skipped. */
	for (int64_t dl = mono_ms() + (s->o.proxy_first_byte_timeout * 1000);;) {
		ssize_t k = up_read(up, rh + rlen, SG_HTTP_MAX_HEAD - rlen, dl);
		if (k == -2) {
			close(up);
			fail = "the upstream did not answer in time";
			fail_status = 504;
			c->keep_alive = 0;
			proxy_elog(s, "%s: proxy %s: no response within %d s", c->peer, rt->prefix,
			     (rlen ? (s->o.proxy_idle_timeout * 1000) : (s->o.proxy_first_byte_timeout * 1000)) / 1000);
			goto answer_fail;
		}
		if (k <= 0) {
			close(up);
			if (rlen == 0 && reused && attempt == 1 && idempotent && !has_body)
				goto retry;
			fail = "the upstream closed the connection";
			c->keep_alive = 0;
			proxy_elog(s, "%s: proxy %s: the upstream closed before a whole response head", c->peer, rt->prefix);
			goto answer_fail;
		}
		rlen += (size_t)k;
		dl = mono_ms() + (s->o.proxy_idle_timeout * 1000);
		for (;;) {
			hl = sg_http_parse_response(rh, rlen, head_req, &res);
			if (hl > 0 && res.interim) {
				memmove(rh, rh + hl, rlen - (size_t)hl);
				rlen -= (size_t)hl;
				continue;
			}
			break;
		}
		if (hl > 0)
			break;
		if (hl < 0 || rlen == SG_HTTP_MAX_HEAD) {
			close(up);
			c->keep_alive = 0;
			fail = "the upstream's response was malformed";
			proxy_elog(s, "%s: proxy %s: bad response from the upstream: %s", c->peer, rt->prefix,
			     hl < 0 && res.why ? res.why : "head too large");
			goto answer_fail;
		}
	}
	sg_wr_free(&o);
	/* The head to the client, through src/http's writer. */
	{
		sg_http_header f[SG_HTTP_MAX_FIELDS + 4];
		size_t nf = 0;
		char cl[24];
		for (uint32_t i = 0; i < res.nfields; i++)
			if (!proxy_dropped(res.fields, res.nfields, res.fields[i].name, false))
				f[nf++] = res.fields[i];
		bool chunk_out = false;
		if (res.framing == SG_HTTP_BODY_LENGTH) {
			snprintf(cl, sizeof cl, "%llu", (unsigned long long)res.content_length);
			f[nf++] = field("Content-Length", cl);
		} else if (res.framing == SG_HTTP_BODY_NONE) {
			/* HEAD and 304: the length the upstream announced, when it is one. */
			sg_http_str v;
			if (sg_http_header_get(res.fields, res.nfields, "Content-Length", &v) && v.n && v.n < 20 &&
			    strspn(v.p, "0123456789") >= v.n) {
				snprintf(cl, sizeof cl, "%.*s", (int)v.n, v.p);
				f[nf++] = field("Content-Length", cl);
			}
		} else if (req->version_minor == 1) {
			chunk_out = true;
			f[nf++] = field("Transfer-Encoding", "chunked");
		} else {
			c->keep_alive = 0;      /* an HTTP/1.0 client: delimited by the close */
		}
		if (!c->keep_alive)
			f[nf++] = field("Connection", "close");
		sg_wr hw;
		sg_wr_init_fixed(&hw, (uint8_t *)c->r->head, sizeof c->r->head);
		if (!sg_http_write_response_head(&hw, res.status, time(NULL), f, nf)) {
			sg_wr_init(&hw, NULL, 0, SG_HTTP_MAX_HEAD + 512);
			if (!sg_http_write_response_head(&hw, res.status, time(NULL), f, nf)) {
				sg_wr_free(&hw);
				close(up);
				free(rh);
				proxy_elog(s, "%s: proxy %s: the upstream's response head cannot be sent (a refused field)",
				     c->peer, rt->prefix);
				c->keep_alive = 0;
				return own_answer(c, req, 502, "bad gateway: the upstream's response was refused\n",
						  false);
			}
		}
		int wr = cl_write(w, c, hw.buf, hw.len);
		sg_wr_free(&hw);
		c->status = res.status;
		if (wr < 0) {
			close(up);
			free(rh);
			return -1;
		}
		/* ---- the response body, in w->body-sized steps ---- */
		memmove(rh, rh + hl, rlen - (size_t)hl);
		rlen -= (size_t)hl;
		bool up_ok = res.keep_alive && res.framing != SG_HTTP_BODY_CLOSE;
		int err = 0;    /* 1 upstream, 2 client */
		if (res.framing == SG_HTTP_BODY_LENGTH) {
			uint64_t left = res.content_length;
			if (rlen > left) {
				up_ok = false;  /* bytes after the response: not reusable */
				rlen = (size_t)left;
			}
			if (rlen && cl_write(w, c, rh, rlen) < 0)
				err = 2;
			left -= rlen;
			c->bytes += rlen;
			while (left && !err) {
				size_t want_n = left < BODY_CHUNK ? (size_t)left : BODY_CHUNK;
				ssize_t k = up_read(up, w->body, want_n, mono_ms() + (s->o.proxy_idle_timeout * 1000));
				if (k <= 0) {
					err = 1;
					break;
				}
				if (cl_write(w, c, w->body, (size_t)k) < 0)
					err = 2;
				left -= (size_t)k;
				c->bytes += (size_t)k;
			}
		} else if (res.framing == SG_HTTP_BODY_CHUNKED) {
			sg_http_chunked ch;
			sg_http_chunked_init(&ch);
			char *buf = w->body;
			size_t have = 0;
			if (rlen) {
				memcpy(buf, rh, rlen);
				have = rlen;
			}
			for (int done = 0; !done && !err;) {
				if (have == 0) {
					ssize_t k = up_read(up, buf, BODY_CHUNK, mono_ms() + (s->o.proxy_idle_timeout * 1000));
					if (k <= 0) {
						err = 1;
						break;
					}
					have = (size_t)k;
				}
				size_t off = 0;
				while (off < have) {
					size_t used = 0, bl = 0;
					const char *b = NULL;
					int r = sg_http_chunked_feed(&ch, buf + off, have - off, &used, &b, &bl);
					if (r < 0) {
						proxy_elog(s, "%s: proxy %s: bad chunked body from the upstream: %s", c->peer,
						     rt->prefix, ch.why);
						err = 1;
						break;
					}
					if (bl && chunk_out) {
						char sz[24];
						int m = snprintf(sz, sizeof sz, "%zx\r\n", bl);
						if (cl_write(w, c, sz, (size_t)m) < 0 || cl_write(w, c, b, bl) < 0 ||
						    cl_write(w, c, "\r\n", 2) < 0) {
							err = 2;
							break;
						}
					} else if (bl && cl_write(w, c, b, bl) < 0) {
						err = 2;
						break;
					}
					c->bytes += bl;
					off += used;
					if (r == 1) {
						done = 1;
						if (off < have)
							up_ok = false;
						break;
					}
				}
				have = 0;
			}
			if (!err && chunk_out && cl_write(w, c, "0\r\n\r\n", 5) < 0)
				err = 2;
		} else if (res.framing == SG_HTTP_BODY_CLOSE) {
			if (rlen) {
				if (chunk_out) {
					char sz[24];
					int m = snprintf(sz, sizeof sz, "%zx\r\n", rlen);
					if (cl_write(w, c, sz, (size_t)m) < 0 || cl_write(w, c, rh, rlen) < 0 ||
					    cl_write(w, c, "\r\n", 2) < 0)
						err = 2;
				} else if (cl_write(w, c, rh, rlen) < 0) {
					err = 2;
				}
				c->bytes += rlen;
			}
			while (!err) {
				ssize_t k = up_read(up, w->body, BODY_CHUNK, mono_ms() + (s->o.proxy_idle_timeout * 1000));
				if (k == 0)
					break;
				if (k < 0) {
					err = 1;
					break;
				}
				if (chunk_out) {
					char sz[24];
					int m = snprintf(sz, sizeof sz, "%zx\r\n", (size_t)k);
					if (cl_write(w, c, sz, (size_t)m) < 0 || cl_write(w, c, w->body, (size_t)k) < 0 ||
					    cl_write(w, c, "\r\n", 2) < 0)
						err = 2;
				} else if (cl_write(w, c, w->body, (size_t)k) < 0) {
					err = 2;
				}
				c->bytes += (size_t)k;
			}
			if (!err && chunk_out && cl_write(w, c, "0\r\n\r\n", 5) < 0)
				err = 2;
		}
		free(rh);
		if (err) {
			close(up);
			if (err == 1)
				proxy_elog(s, "%s: proxy %s: the upstream's body broke off (time-out, close or bad framing)",
				     c->peer, rt->prefix);
			/* The client has part of a response: the connection can
			 * only be closed (no close_notify: the body is cut). */
			return -1;
		}
		if (up_ok)
			proxy_pool_put(rt, up);
		else
			close(up);
	}
	/* Done: the normal write path sends close_notify when closing, logs,
	 * and reads the next request (whose first bytes may be in c->req). */
	c->head_len = c->head_off = 0;
	c->st = C_WRITE;
	if (!c->keep_alive)
		c->req_len = 0;
	return 1;

answer_fail:
	free(rh);
	if (has_body)
		c->keep_alive = 0;      /* its body may be unread */
	sg_wr_free(&o);
	if (fail_status == 504)
		return own_answer(c, req, 504, "gateway time-out: the application did not answer in time\n", false);
	(void)fail;
	return own_answer(c, req, 502, "bad gateway: the application cannot be reached\n", false);
}
