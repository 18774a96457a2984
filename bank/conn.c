/*
 * One connection from the proxy: HTTP/1.1 requests in, one after the
 * other (keep-alive; pipelined requests wait their turn), each parsed by
 * src/http's strict parser, its body read whole (a form: at most
 * BANK_BODY_MAX bytes, by Content-Length or chunked), answered, and the
 * response head written by src/http's writer (which refuses CR, LF and
 * other controls in any field).  Blocking I/O with poll() time-outs: the
 * thread belongs to this connection alone.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bank.h"

#define IN_MAX (SG_HTTP_MAX_HEAD + BANK_BODY_MAX + 1024)
#define TICK_MS 500                 /* how often an idle connection looks at the stop flag */

struct conn {
	struct bank *b;
	int fd;
	ledger *l;
	char in[IN_MAX];
	size_t len;                     /* bytes in `in` */
	int64_t deadline;               /* mono_ms() by which the request must be in */
	char body[BANK_BODY_MAX];       /* a chunked body, decoded */
};

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool stopping(const struct bank *b)
{
	return atomic_load(&b->stopping) != 0;
}

/*
 * Read more into c->in.  Returns the bytes read, 0 at the end of the
 * stream, -1 on an error, -2 on a time-out.  Idle (no request under way), the
 * connection may wait --idle-timeout and ends early when the bank stops;
 * once a request has begun, all of it must arrive by c->deadline, however
 * slowly its bytes come.
 */
static ssize_t read_more(struct conn *c, bool idle)
{
	int64_t until = idle ? mono_ms() + (int64_t)c->b->idle_timeout * 1000 : c->deadline;
	if (c->len == sizeof c->in)
		return -1;
	for (;;) {
		int64_t left = until - mono_ms();
		if (left <= 0 || (idle && stopping(c->b)))
			return -2;
		struct pollfd p = { c->fd, POLLIN, 0 };
		int r = poll(&p, 1, left < TICK_MS ? (int)left : TICK_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		ssize_t n = recv(c->fd, c->in + c->len, sizeof c->in - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			c->len += (size_t)n;
		return n;
	}
}

static void refuse(struct conn *c, int status, const char *why);

/* More of a request that has begun: 0, or -1 after the peer went away or
 * a 408 for a request that did not arrive in time. */
static int read_rest(struct conn *c)
{
	ssize_t n = read_more(c, false);
	if (n == -2)
		refuse(c, 408, "the request did not arrive in time (--request-timeout)");
	return n > 0 ? 0 : -1;
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static sg_http_header field(const char *name, const char *value)
{
	sg_http_header h = { { name, strlen(name) }, { value, strlen(value) } };
	return h;
}

/* Write the response: the head through src/http's writer with the
 * headers every page has, then the body unless head_only. */
static int respond(struct conn *c, bank_resp *r, bool head_only, bool keep_alive)
{
	char head[4096], cl[24];
	sg_http_header f[12];
	size_t n = 0;
	if (!sg_wr_ok(&r->body)) {
		/* A page over BANK_PAGE_MAX or out of memory: no half page. */
		sg_wr_reset(&r->body);
		r->status = 500;
		r->type = "text/plain; charset=utf-8";
		r->location[0] = 0;
		h_raw(&r->body, "the page could not be made\n");
	}
	snprintf(cl, sizeof cl, "%zu", r->body.len);
	f[n++] = field("Content-Type", r->type ? r->type : "text/html; charset=utf-8");
	f[n++] = field("Content-Length", cl);
	f[n++] = field("Content-Security-Policy", c->b->csp);
	f[n++] = field("X-Content-Type-Options", "nosniff");
	f[n++] = field("X-Frame-Options", "DENY");
	/* same-origin, not no-referrer: with no-referrer a browser sends
	 * "Origin: null" on a POST, and the origin check needs the real one. */
	f[n++] = field("Referrer-Policy", "same-origin");
	/* Balances and statements must not stay in any cache. */
	f[n++] = field("Cache-Control", "no-store");
	if (r->location[0])
		f[n++] = field("Location", r->location);
	if (r->allow)
		f[n++] = field("Allow", r->allow);
	if (!keep_alive)
		f[n++] = field("Connection", "close");
	sg_wr w;
	sg_wr_init_fixed(&w, (uint8_t *)head, sizeof head);
	if (!sg_http_write_response_head(&w, (uint16_t)r->status, time(NULL), f, n)) {
		sg_http_header e[2] = { field("Content-Length", "0"), field("Connection", "close") };
		sg_wr_init_fixed(&w, (uint8_t *)head, sizeof head);
		if (!sg_http_write_response_head(&w, 500, time(NULL), e, 2))
			return -1;
		send_all(c->fd, head, w.len);
		return -1;
	}
	if (send_all(c->fd, head, w.len) != 0)
		return -1;
	if (!head_only && r->body.len > 0 && send_all(c->fd, r->body.buf, r->body.len) != 0)
		return -1;
	return 0;
}

/* A response without a request to answer (a parse error, 413, ...):
 * an error page, then the connection closes. */
static void refuse(struct conn *c, int status, const char *why)
{
	bank_resp r;
	memset(&r, 0, sizeof r);
	sg_wr_init(&r.body, NULL, 0, BANK_PAGE_MAX);
	r.status = status;
	r.type = "text/html; charset=utf-8";
	page_error(c->b, &r.body, NULL, status, why);
	if (respond(c, &r, false, false) == 0 && c->b->verbose)
		fprintf(stderr, "sigil-bank: %d: %s\n", status, why);
	sg_wr_free(&r.body);
}

static int continue_100(struct conn *c)
{
	char head[256];
	sg_wr w;
	sg_wr_init_fixed(&w, (uint8_t *)head, sizeof head);
	if (!sg_http_write_response_head(&w, 100, time(NULL), NULL, 0))
		return -1;
	return send_all(c->fd, head, w.len);
}

/*
 * The body of the request whose head is c->in[0..hl): *body and *blen,
 * and *used the bytes of c->in that the request took (head and body).
 * 0, or -1 after an answer (413, 400) or when the peer went away.
 */
static int read_body(struct conn *c, const sg_http_request *req, size_t hl, const char **body, size_t *blen,
                     size_t *used)
{
	*body = c->in + hl;
	*blen = 0;
	*used = hl;
	if (req->framing == SG_HTTP_BODY_NONE)
		return 0;
	if (req->framing == SG_HTTP_BODY_LENGTH && req->content_length > BANK_BODY_MAX) {
		refuse(c, 413, "the request body is larger than a form of this bank (16384 bytes)");
		return -1;
	}
	/* RFC 9110 10.1.1: a client that waits for 100 gets it before we
	 * read, unless the body is already here. */
	if (req->expect_continue && c->len == hl && continue_100(c) != 0)
		return -1;
	if (req->framing == SG_HTTP_BODY_LENGTH) {
		size_t need = hl + (size_t)req->content_length;
		while (c->len < need) {
			if (read_rest(c) != 0)
				return -1;
		}
		*blen = (size_t)req->content_length;
		*used = need;
		return 0;
	}
	/* Chunked (RFC 9112 7.1): decode into c->body; the raw chunks are
	 * dropped from c->in as they are used, the head stays. */
	sg_http_chunked ch;
	sg_http_chunked_init(&ch);
	size_t pos = hl, got = 0;
	for (;;) {
		while (pos < c->len) {
			size_t consumed, bl;
			const char *span;
			int r = sg_http_chunked_feed(&ch, c->in + pos, c->len - pos, &consumed, &span, &bl);
			if (r < 0) {
				refuse(c, 400, ch.why);
				return -1;
			}
			if (bl > sizeof c->body - got) {
				refuse(c, 413, "the request body is larger than a form of this bank (16384 bytes)");
				return -1;
			}
			if (bl > 0)
				memcpy(c->body + got, span, bl);
			got += bl;
			pos += consumed;
			if (r == 1) {
				*body = c->body;
				*blen = got;
				*used = pos;
				return 0;
			}
		}
		c->len = pos = hl;
		if (read_rest(c) != 0)
			return -1;
	}
}

/* One request: 1 to go on with the next, 0 to close. */
static int one_request(struct conn *c)
{
	sg_http_request req;
	int hl;
	/* The clock of a request starts with its first byte (which may
	 * already be here, pipelined). */
	c->deadline = mono_ms() + (int64_t)c->b->request_timeout * 1000;
	for (;;) {
		hl = sg_http_parse_request(c->in, c->len, &req);
		if (hl != 0)
			break;
		if (c->len > 0) {
			if (read_rest(c) != 0)
				return 0;
			continue;
		}
		if (read_more(c, true) <= 0)
			return 0;
		c->deadline = mono_ms() + (int64_t)c->b->request_timeout * 1000;
	}
	if (hl < 0) {
		refuse(c, req.status, req.why);
		return 0;
	}
	const char *body;
	size_t blen, used;
	if (read_body(c, &req, (size_t)hl, &body, &blen, &used) != 0)
		return 0;

	bank_req r;
	memset(&r, 0, sizeof r);
	r.http = &req;
	r.body = body;
	r.body_len = blen;
	r.now = time(NULL);
	const char *q = memchr(req.path.p, '?', req.path.n);
	r.path.p = req.path.p;
	r.path.n = q ? (size_t)(q - req.path.p) : req.path.n;
	r.query.p = q ? q + 1 : req.path.p + req.path.n;
	r.query.n = q ? req.path.n - r.path.n - 1 : 0;

	bank_resp resp;
	memset(&resp, 0, sizeof resp);
	sg_wr_init(&resp.body, NULL, 0, BANK_PAGE_MAX);
	if (req.form == SG_HTTP_FORM_ASTERISK) {
		resp.status = 404;
		page_error(c->b, &resp.body, NULL, 404, "there is no such page here");
	} else {
		app_handle(c->b, c->l, &r, &resp);
	}
	bool keep = req.keep_alive && !resp.close && !stopping(c->b);
	int ok = respond(c, &resp, req.method == SG_HTTP_HEAD, keep);
	if (c->b->verbose) {
		/* The client's address as the proxy saw it, the user, the
		 * request and the answer. */
		sg_http_str xff = { "-", 1 };
		(void)sg_http_header_get(req.fields, req.nfields, "x-forwarded-for", &xff);
		fprintf(stderr, "sigil-bank: %.*s %s %.*s %.*s %d %zu\n", (int)(xff.n < 100 ? xff.n : 100), xff.p,
		        resp.who, (int)req.method_name.n, req.method_name.p,
		        (int)(req.target.n < 200 ? req.target.n : 200), req.target.p, resp.status, resp.body.len);
	}
	sg_wr_free(&resp.body);
	if (ok != 0 || !keep)
		return 0;
	/* A pipelined request may follow in the same bytes. */
	memmove(c->in, c->in + used, c->len - used);
	c->len -= used;
	return 1;
}

void conn_serve(struct bank *b, int fd)
{
	struct conn *c = malloc(sizeof *c);
	char err[300];
	if (!c) {
		close(fd);
		return;
	}
	c->b = b;
	c->fd = fd;
	c->len = 0;
	c->l = NULL;
	if (ledger_open(b->db, &c->l, err, sizeof err) != 0) {
		fprintf(stderr, "sigil-bank: %s\n", err);
		refuse(c, 503, "the bank's ledger cannot be opened: try again later");
	} else {
		while (one_request(c) == 1)
			;
	}
	ledger_close(c->l);
	/* Half-close, then read what the peer still sends for a moment:
	 * closing with unread bytes would make the kernel send a reset that
	 * can destroy the last response before the peer reads it. */
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 4; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 250) <= 0 || recv(fd, c->in, sizeof c->in, 0) <= 0)
			break;
	}
	close(fd);
	free(c);
}
