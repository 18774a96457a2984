/*
 * sigil serve --proxy for HTTP/2 clients: each stream under a PREFIX is
 * an HTTP/1.1 exchange with the upstream (RFC 9113 8.3.1 for the mapping
 * of the request, proxy.c's rules for the fields and the identity), on a
 * non-blocking socket of its own that the worker's epoll loop drives, so
 * that one slow upstream never holds the connection's other streams nor
 * the worker's other connections.
 *
 * Life of an exchange (struct upx, owned by its stream):
 *   U_WAIT     queued: the connection already runs H2P_PAR exchanges
 *   U_CONNECT  connect() under way (--proxy-connect-timeout)
 *   U_SEND     the request head and body going out (the body as the
 *              client's DATA frames bring it)
 *   U_HEAD     all sent, the response head awaited (first-byte time-out)
 *   U_BODY     the response submitted; its body read into buf as the
 *              client's stream takes it (DEFERRED when buf is empty)
 *   U_DONE     the upstream's part is over (its socket pooled or closed)
 *
 * Memory is bounded per exchange: a request body is credited back to the
 * client's flow-control window only once the upstream has taken it
 * (h2.c turns nghttp2's automatic window updates off), so at most one
 * window (65,535 bytes, per stream and per connection) waits here; a
 * response body is read at most H2P_BUF ahead of what the client has
 * taken, and reading stops (the socket leaves epoll) while buf is full.
 *
 * Framing is ours both ways, as in proxy.c: the upstream sees one
 * Content-Length (nghttp2 has checked the DATA against it) or our own
 * chunks, and the client gets the decoded body in DATA frames, so no byte
 * of one message can become another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "h2.h"

#define H2P_PAR 32                      /* upstream exchanges at once per client connection */
#define H2P_BUF (32 * 1024)             /* response bytes read ahead of the client */
#define H2P_RQ_MAX (256 * 1024)         /* request bytes held: beyond one window, a peer's error */

enum ustate { U_WAIT, U_CONNECT, U_SEND, U_HEAD, U_BODY, U_DONE };

struct upx {
	struct h2conn *h;
	struct h2s *st;
	struct proxy_route *rt;
	int fd;
	enum ustate state;
	uint32_t events;                /* registered with the worker's epoll (0: not) */
	bool slot;                      /* counted in h->nup */
	bool reused, idempotent, head_req;
	int attempt;
	int64_t deadline;               /* mono_ms(), while waiting on the upstream */
	/* towards the upstream */
	sg_wr head;
	size_t head_off;
	bool chunked;                   /* the body goes in our chunks */
	uint8_t *rq;                    /* body bytes received, not yet framed */
	size_t rq_len, rq_cap;
	uint8_t *wire;                  /* framed bytes being written */
	size_t wire_len, wire_off, wire_raw, wire_cap;  /* wire_raw: the body bytes it carries */
	bool blocked;                   /* the socket took less than we had */
	bool rq_end;                    /* the client's END_STREAM */
	bool rq_sent;                   /* the whole request is written */
	size_t unconsumed;              /* body bytes the client's windows still count */
	/* from the upstream */
	char *rh;                       /* the response head, SG_HTTP_MAX_HEAD */
	size_t rlen;
	sg_http_chunked ch;
	sg_http_framing framing;
	uint64_t left;                  /* SG_HTTP_BODY_LENGTH: bytes to come */
	uint8_t *buf;                   /* decoded body bytes for the client */
	size_t blen, boff;
	bool eof;                       /* the body is all in buf */
	bool up_ok;                     /* the socket may go back to the pool */
	bool submitted;                 /* HEADERS given to nghttp2 */
	bool deferred;                  /* the data provider said DEFERRED */
	struct upx *q_next;             /* U_WAIT: the connection's queue */
	struct upx *dead_next;          /* freed after the batch (h2p_reap) */
	bool dead;
};

static struct server *srv(const struct upx *u)
{
	return u->h->w->srv;
}

static void arm(struct upx *u, uint32_t events)
{
	if (u->fd < 0 || events == u->events)
		return;
	worker *w = u->h->w;
	/* Paused or finished: out of the set (a level-triggered hang-up would
	 * be reported even with no events asked for). */
	if (!events) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, u->fd, NULL);
	} else {
		struct epoll_event ev = { .events = events, .data.ptr = (void *)((uintptr_t)u | H2P_TAG) };
		epoll_ctl(w->ep, u->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, u->fd, &ev);
	}
	u->events = events;
}

/* What the socket is waited for, from the state: writable while the head
 * is not out or bytes are left that it did not take; readable once the head is out (an
 * upstream may answer before the body is all in) unless buf is full or
 * the body is all read. */
static void rearm(struct upx *u)
{
	uint32_t ev = 0;
	if (u->state == U_CONNECT)
		ev = EPOLLOUT;
	else if (u->state == U_SEND || u->state == U_HEAD || u->state == U_BODY) {
		if (u->blocked || u->head_off < u->head.len)
			ev |= EPOLLOUT;
		if (u->head_off >= u->head.len && !(u->state == U_BODY && (u->eof || u->blen - u->boff >= H2P_BUF)))
			ev |= EPOLLIN;
	}
	arm(u, ev);
}

static void start_next(struct h2conn *h);

/* The upstream socket goes: back to the pool when the exchange was
 * complete and clean, closed otherwise; the connection's slot frees. */
static void release(struct upx *u)
{
	if (u->fd >= 0) {
		arm(u, 0);      /* never pooled while in this epoll set */
		if (u->up_ok && u->eof && u->rq_sent)
			proxy_pool_put(u->rt, u->fd);
		else
			close(u->fd);
		u->fd = -1;
	}
	if (u->slot) {
		u->slot = false;
		u->h->nup--;
		start_next(u->h);
	}
}

/* Give the client's window back for body bytes that are gone (taken by
 * the upstream, or dropped). */
static void consume(struct upx *u, size_t n)
{
	if (!n)
		return;
	nghttp2_session_consume(u->h->sess, u->st->id, n);
	u->unconsumed -= n;
}

/* The exchange failed before a response: one of our own, logged. */
static void fail(struct upx *u, int status, const char *why)
{
	struct server *s = srv(u);
	const struct proxy_route *rt = u->rt;
	proxy_elog(s, "%s: proxy %s: %s%s%s: %s (HTTP/2 stream %d)", u->h->c->peer, rt->prefix,
		   rt->is_unix ? "unix:" : rt->host, rt->is_unix ? rt->path : ":", rt->is_unix ? "" : rt->port, why,
		   u->st->id);
	u->up_ok = false;
	release(u);
	u->state = U_DONE;
	/* what the client still sends is dropped */
	consume(u, u->unconsumed);
	u->rq_len = u->wire_len = u->wire_off = u->wire_raw = 0;
	if (u->submitted) {
		nghttp2_submit_rst_stream(u->h->sess, NGHTTP2_FLAG_NONE, u->st->id, NGHTTP2_INTERNAL_ERROR);
		return;
	}
	u->submitted = true;
	int r = status == 504 ? h2_answer_text(u->h, u->st, 504,
					       "gateway time-out: the application did not answer in time\n", u->head_req)
			      : h2_answer_text(u->h, u->st, 502, "bad gateway: the application cannot be reached\n",
					       u->head_req);
	if (r != 0)
		nghttp2_submit_rst_stream(u->h->sess, NGHTTP2_FLAG_NONE, u->st->id, NGHTTP2_INTERNAL_ERROR);
}

static void begin(struct upx *u);

/* A pooled connection that failed before any byte of a response: the
 * upstream closed it while idle.  An idempotent request without a body
 * is sent again on a new one, once (RFC 9110 9.2.2). */
static bool retry(struct upx *u)
{
	if (!u->reused || u->attempt != 1 || !u->idempotent || u->rlen || u->rq_cap)
		return false;
	arm(u, 0);
	close(u->fd);
	u->fd = -1;
	u->head_off = 0;
	u->rq_sent = false;
	begin(u);
	return true;
}

static void begin(struct upx *u)
{
	struct server *s = srv(u);
	u->attempt++;
	u->fd = u->attempt == 1 ? proxy_pool_get(u->rt, &u->reused) : -1;
	bool pending = false;
	if (u->fd < 0) {
		u->reused = false;
		u->fd = proxy_connect_start(u->rt, &pending);
	}
	if (!u->slot) {
		u->slot = true;
		u->h->nup++;
	}
	if (u->fd < 0) {
		char why[160];
		snprintf(why, sizeof why, "cannot connect: %s", strerror(errno));
		fail(u, 502, why);
		return;
	}
	u->state = pending ? U_CONNECT : U_SEND;
	u->deadline = mono_ms() + (pending ? s->o.proxy_connect_timeout : s->o.proxy_idle_timeout) * 1000LL;
	arm(u, EPOLLOUT);
}

static void start_next(struct h2conn *h)
{
	while (!h->freeing && h->nup < H2P_PAR && h->wait_head) {
		struct upx *u = h->wait_head;
		h->wait_head = u->q_next;
		if (!h->wait_head)
			h->wait_tail = NULL;
		u->q_next = NULL;
		begin(u);
	}
}

/* ---- the response ---- */

static ssize_t read_up(nghttp2_session *sess, int32_t id, uint8_t *out, size_t len, uint32_t *flags,
		       nghttp2_data_source *src, void *ud)
{
	(void)sess;
	(void)id;
	(void)ud;
	struct upx *u = src->ptr;
	size_t n = u->blen - u->boff < len ? u->blen - u->boff : len;
	if (n) {
		memcpy(out, u->buf + u->boff, n);
		u->boff += n;
		u->st->sh.bytes += n;
		/* Progress: the client's idle deadline counts from here. */
		u->h->c->deadline = mono_ms() + srv(u)->o.idle_timeout * 1000LL;
		/* Room again: read on (the caller kicks the connection, whose
		 * next epoll batch brings the upstream's bytes). */
		if (u->fd >= 0 && u->state == U_BODY && !u->eof && !(u->events & EPOLLIN))
			rearm(u);
	}
	if (u->boff == u->blen && u->eof) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		return (ssize_t)n;
	}
	if (!n) {
		u->deferred = true;
		return NGHTTP2_ERR_DEFERRED;
	}
	return (ssize_t)n;
}

/* The parsed head to the client: the upstream's fields less the
 * hop-by-hop ones and those we set ourselves, through src/http's writer
 * (which refuses any field that could split a message), then into
 * HTTP/2 fields by h2.c.  0, or -1 (failed; a 502 was sent). */
static int submit_response(struct upx *u, const sg_http_response *res)
{
	sg_http_header f[SG_HTTP_MAX_FIELDS + 2];
	size_t nf = 0;
	char cl[24];
	for (uint32_t i = 0; i < res->nfields && nf < SG_HTTP_MAX_FIELDS; i++)
		if (!proxy_dropped(res->fields, res->nfields, res->fields[i].name, false))
			f[nf++] = res->fields[i];
	if (res->framing == SG_HTTP_BODY_LENGTH) {
		snprintf(cl, sizeof cl, "%llu", (unsigned long long)res->content_length);
		f[nf++] = field("Content-Length", cl);
	} else if (res->framing == SG_HTTP_BODY_NONE) {
		sg_http_str v;
		if (sg_http_header_get(res->fields, res->nfields, "Content-Length", &v) && v.n && v.n < 20 &&
		    strspn(v.p, "0123456789") >= v.n) {
			snprintf(cl, sizeof cl, "%.*s", (int)v.n, v.p);
			f[nf++] = field("Content-Length", cl);
		}
	}
	sg_wr hw;
	sg_wr_init(&hw, NULL, 0, SG_HTTP_MAX_HEAD + 512);
	if (!sg_http_write_response_head(&hw, res->status, time(NULL), f, nf)) {
		sg_wr_free(&hw);
		fail(u, 502, "the response head cannot be sent (a refused field)");
		return -1;
	}
	bool body = res->framing != SG_HTTP_BODY_NONE;
	nghttp2_data_provider prd = { .source.ptr = u, .read_callback = read_up };
	u->submitted = true;
	int r = h2_submit_head(u->h, u->st, (const char *)hw.buf, hw.len, u->head_req, body ? &prd : NULL);
	sg_wr_free(&hw);
	if (r != 0) {
		nghttp2_submit_rst_stream(u->h->sess, NGHTTP2_FLAG_NONE, u->st->id, NGHTTP2_INTERNAL_ERROR);
		u->up_ok = false;
		release(u);
		u->state = U_DONE;
		return -1;
	}
	return 0;
}

/* Body bytes from the upstream (in, n) into buf, decoded; buf has room
 * for n more.  0, or -1 (bad chunked framing). */
static int take_body(struct upx *u, const char *in, size_t n)
{
	if (u->framing != SG_HTTP_BODY_CHUNKED) {
		if (u->framing == SG_HTTP_BODY_LENGTH) {
			if (n > u->left) {
				u->up_ok = false;       /* bytes past the response */
				n = (size_t)u->left;
			}
			u->left -= n;
			if (!u->left)
				u->eof = true;
		}
		if (n)
			memcpy(u->buf + u->blen, in, n);
		u->blen += n;
		return 0;
	}
	size_t off = 0;
	while (off < n && !u->eof) {
		size_t used = 0, bl = 0;
		const char *b = NULL;
		int r = sg_http_chunked_feed(&u->ch, in + off, n - off, &used, &b, &bl);
		if (r < 0)
			return -1;
		if (bl) {
			memcpy(u->buf + u->blen, b, bl);
			u->blen += bl;
		}
		off += used;
		if (r == 1) {
			u->eof = true;
			if (off < n)
				u->up_ok = false;
		}
	}
	return 0;
}

/* Read what the upstream has: the head (then submit it), or body bytes
 * while buf has room.  0 to go on, -1 when the exchange failed. */
static int read_response(struct upx *u)
{
	struct server *s = srv(u);
	worker *w = u->h->w;
	if (u->state != U_BODY) {
		if (!u->rh && !(u->rh = malloc(SG_HTTP_MAX_HEAD))) {
			fail(u, 502, "out of memory");
			return -1;
		}
		ssize_t k = recv(u->fd, u->rh + u->rlen, SG_HTTP_MAX_HEAD - u->rlen, 0);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		if (k <= 0) {
			if (!u->rlen && retry(u))
				return 0;
			char why[160];
			snprintf(why, sizeof why, "%s%s", k == 0 ? "the upstream closed before a whole response head"
								 : "reading the response failed: ",
				 k == 0 ? "" : strerror(errno));
			fail(u, 502, why);
			return -1;
		}
		u->rlen += (size_t)k;
		u->deadline = mono_ms() + s->o.proxy_idle_timeout * 1000LL;
		sg_http_response res;
		int hl;
		for (;;) {
			hl = sg_http_parse_response(u->rh, u->rlen, u->head_req, &res);
			if (hl > 0 && res.interim) {    /* 1xx: not forwarded */
				memmove(u->rh, u->rh + hl, u->rlen - (size_t)hl);
				u->rlen -= (size_t)hl;
				continue;
			}
			break;
		}
		if (hl == 0 && u->rlen < SG_HTTP_MAX_HEAD)
			return 0;
		if (hl <= 0) {
			char why[200];
			snprintf(why, sizeof why, "bad response from the upstream: %s",
				 hl < 0 && res.why ? res.why : "head too large");
			fail(u, 502, why);
			return -1;
		}
		u->framing = res.framing;
		u->left = res.content_length;
		u->up_ok = res.keep_alive && res.framing != SG_HTTP_BODY_CLOSE;
		u->eof = res.framing == SG_HTTP_BODY_NONE || (res.framing == SG_HTTP_BODY_LENGTH && !res.content_length);
		sg_http_chunked_init(&u->ch);
		if (!u->eof && !(u->buf = malloc(H2P_BUF))) {
			fail(u, 502, "out of memory");
			return -1;
		}
		if (submit_response(u, &res) < 0)
			return -1;
		u->state = U_BODY;
		/* What came after the head (at most SG_HTTP_MAX_HEAD bytes,
		 * below H2P_BUF). */
		size_t extra = u->rlen - (size_t)hl;
		int r = 0;
		if (extra && !u->eof)
			r = take_body(u, u->rh + hl, extra);
		else if (extra)
			u->up_ok = false;
		free(u->rh);
		u->rh = NULL;
		u->rlen = 0;
		if (r < 0) {
			proxy_elog(s, "%s: proxy %s: bad chunked body from the upstream: %s", u->h->c->peer,
				   u->rt->prefix, u->ch.why);
			fail(u, 502, "bad chunked body");
			return -1;
		}
		return 0;
	}
	if (u->boff) {
		memmove(u->buf, u->buf + u->boff, u->blen - u->boff);
		u->blen -= u->boff;
		u->boff = 0;
	}
	size_t room = H2P_BUF - u->blen;
	if (!room)
		return 0;
	if (u->framing == SG_HTTP_BODY_LENGTH && room > u->left)
		room = (size_t)u->left;
	char *into = u->framing == SG_HTTP_BODY_CHUNKED ? w->body : (char *)u->buf + u->blen;
	if (room > BODY_CHUNK)
		room = BODY_CHUNK;
	ssize_t k = recv(u->fd, into, room, 0);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (k == 0 && u->framing == SG_HTTP_BODY_CLOSE) {
		u->eof = true;
		return 0;
	}
	if (k <= 0) {
		fail(u, 502, k == 0 ? "the upstream's body broke off (closed)" : "reading the body failed");
		return -1;
	}
	u->deadline = mono_ms() + s->o.proxy_idle_timeout * 1000LL;
	if (u->framing == SG_HTTP_BODY_CHUNKED) {
		if (take_body(u, into, (size_t)k) < 0) {
			proxy_elog(s, "%s: proxy %s: bad chunked body from the upstream: %s", u->h->c->peer,
				   u->rt->prefix, u->ch.why);
			fail(u, 502, "bad chunked body");
			return -1;
		}
	} else {
		/* read in place: only the accounting */
		u->blen += (size_t)k;
		if (u->framing == SG_HTTP_BODY_LENGTH) {
			u->left -= (size_t)k;
			if (!u->left)
				u->eof = true;
		}
	}
	return 0;
}

/* ---- the request ---- */

/* The next framed piece of the body into wire: all the bytes received so
 * far, as one chunk when chunked; then the last chunk at the end. */
static bool frame_more(struct upx *u)
{
	if (u->wire_off < u->wire_len)
		return true;
	u->wire_len = u->wire_off = 0;
	if (!u->rq_len && !(u->rq_end && u->chunked))
		return false;
	size_t need = u->rq_len + 32;   /* a chunk's size line, its CRLF, the last chunk */
	if (need > u->wire_cap) {
		uint8_t *p = realloc(u->wire, need);
		if (!p)
			return false;   /* tried again on the next event */
		u->wire = p;
		u->wire_cap = need;
	}
	size_t n = 0;
	if (u->chunked && u->rq_len)
		n += (size_t)snprintf((char *)u->wire, 24, "%zx\r\n", u->rq_len);
	if (u->rq_len)
		memcpy(u->wire + n, u->rq, u->rq_len);
	n += u->rq_len;
	if (u->chunked && u->rq_len)
		memcpy(u->wire + n, "\r\n", 2), n += 2;
	if (u->chunked && u->rq_end) {
		memcpy(u->wire + n, "0\r\n\r\n", 5);
		n += 5;
		u->chunked = false;     /* the last chunk is framed */
	}
	u->wire_raw = u->rq_len;
	u->rq_len = 0;
	u->wire_len = n;
	return n > 0;
}

/* Write what is ready: the head, then the body as it comes.  0 to go on
 * (EPOLLOUT armed when the socket is full), -1 when the exchange failed. */
static int send_request(struct upx *u)
{
	struct server *s = srv(u);
	u->blocked = false;
	for (;;) {
		const uint8_t *p;
		size_t n;
		bool in_head = u->head_off < u->head.len;
		if (in_head) {
			p = u->head.buf + u->head_off;
			n = u->head.len - u->head_off;
		} else if (frame_more(u)) {
			p = u->wire + u->wire_off;
			n = u->wire_len - u->wire_off;
		} else {
			break;
		}
		ssize_t k = send(u->fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			u->blocked = true;
			return 0;
		}
		if (k < 0) {
			if (retry(u))
				return 0;
			fail(u, 502, "the upstream closed while the request was sent");
			return -1;
		}
		u->deadline = mono_ms() + s->o.proxy_idle_timeout * 1000LL;
		if (in_head) {
			u->head_off += (size_t)k;
			continue;
		}
		u->wire_off += (size_t)k;
		if (u->wire_off == u->wire_len)
			consume(u, u->wire_raw), u->wire_raw = 0;
	}
	u->blocked = false;
	if (u->rq_end && !u->chunked && !u->rq_sent) {
		u->rq_sent = true;
		if (u->state == U_SEND) {
			u->state = U_HEAD;
			u->deadline = mono_ms() + s->o.proxy_first_byte_timeout * 1000LL;
		}
	}
	return 0;
}

/* Whether request bytes can go now (connected, not all sent yet). */
static bool can_send(const struct upx *u)
{
	return u->fd >= 0 && (u->state == U_SEND || u->state == U_BODY) && !u->rq_sent;
}

/* After any progress: an exchange whose response is all read lets its
 * socket go (the request body it did not wait for is dropped from then
 * on); the data provider is woken when it has bytes; the socket is
 * waited for what it is needed for next. */
static void settle(struct upx *u)
{
	if (u->state == U_BODY && u->eof) {
		release(u);
		u->state = U_DONE;
		consume(u, u->unconsumed);
		u->rq_len = 0;
	}
	if (u->deferred && (u->blen > u->boff || u->eof)) {
		u->deferred = false;
		nghttp2_session_resume_data(u->h->sess, u->st->id);
	}
	rearm(u);
}

/* One step on whatever the socket is ready for. */
static void step(struct upx *u, uint32_t ev)
{
	if (u->state == U_CONNECT) {
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
			char why[160];
			snprintf(why, sizeof why, "cannot connect: %s", strerror(soerr ? soerr : errno));
			fail(u, 502, why);
			return;
		}
		u->state = U_SEND;
		u->deadline = mono_ms() + srv(u)->o.proxy_idle_timeout * 1000LL;
	}
	if (can_send(u) && send_request(u) < 0)
		return;
	if ((u->state == U_SEND || u->state == U_HEAD || u->state == U_BODY) && u->head_off >= u->head.len &&
	    (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && read_response(u) < 0)
		return;
	settle(u);
}

/* ---- what h2.c and the event loop call ---- */

int h2p_start(struct h2conn *h, struct h2s *st, const sg_http_request *req, struct proxy_route *rt, bool end_stream)
{
	struct server *s = h->w->srv;
	struct upx *u = calloc(1, sizeof *u);
	if (!u)
		return h2_answer_text(h, st, 503, "service unavailable: out of memory\n", req->method == SG_HTTP_HEAD);
	u->h = h;
	u->st = st;
	u->rt = rt;
	u->fd = -1;
	u->head_req = req->method == SG_HTTP_HEAD;
	u->idempotent = req->method == SG_HTTP_GET || u->head_req;
	u->chunked = req->framing == SG_HTTP_BODY_CHUNKED;
	u->rq_end = end_stream;
	sg_wr_init(&u->head, NULL, 0, SG_HTTP_MAX_HEAD + 8192 + (s->o.proxy_client_cert ? 8192 : 0));
	st->up = u;
	st->sh.bytes = 0;
	if (proxy_build_request(s, h->c, req, &u->head) < 0) {
		proxy_elog(s, "%s: proxy: cannot describe the request for the upstream", h->c->peer);
		u->state = U_DONE;
		return h2_answer_text(h, st, 400, "bad request: it cannot be forwarded\n", u->head_req);
	}
	if (h->nup < H2P_PAR) {
		begin(u);
	} else {
		u->state = U_WAIT;
		if (h->wait_tail)
			h->wait_tail->q_next = u;
		else
			h->wait_head = u;
		h->wait_tail = u;
	}
	return 0;
}

void h2p_body(struct h2conn *h, struct h2s *st, const uint8_t *data, size_t len)
{
	struct upx *u = st->up;
	if (u->state == U_DONE || !len) {
		nghttp2_session_consume(h->sess, st->id, len);
		return;
	}
	if (u->rq_len + len > u->rq_cap) {
		size_t cap = u->rq_cap ? u->rq_cap : 16384;
		while (cap < u->rq_len + len)
			cap *= 2;
		uint8_t *p = cap <= H2P_RQ_MAX ? realloc(u->rq, cap) : NULL;
		if (!p) {
			/* more than the windows we announced allow */
			nghttp2_session_consume(h->sess, st->id, len);
			fail(u, 502, "the request body overran its window");
			return;
		}
		u->rq = p;
		u->rq_cap = cap;
	}
	memcpy(u->rq + u->rq_len, data, len);
	u->rq_len += len;
	u->unconsumed += len;
	if (can_send(u) && send_request(u) < 0)
		return;
	settle(u);
}

void h2p_body_end(struct h2conn *h, struct h2s *st)
{
	(void)h;
	struct upx *u = st->up;
	if (u->rq_end)
		return;
	u->rq_end = true;
	if (u->state == U_DONE || (can_send(u) && send_request(u) < 0))
		return;
	settle(u);
}

void h2p_stream_gone(struct h2conn *h, struct h2s *st)
{
	struct upx *u = st->up;
	st->up = NULL;
	if (u->state == U_WAIT) {
		struct upx **pp = &h->wait_head, *prev = NULL;
		while (*pp && *pp != u)
			prev = *pp, pp = &(*pp)->q_next;
		if (*pp)
			*pp = u->q_next;
		if (h->wait_tail == u)
			h->wait_tail = prev;
	}
	/* A stream closed before its exchange ended: the socket is closed,
	 * never pooled (the upstream is mid-response). */
	if (u->state != U_DONE)
		u->up_ok = false;
	if (!h->freeing && u->unconsumed)
		nghttp2_session_consume_connection(h->sess, u->unconsumed);
	u->unconsumed = 0;
	release(u);
	sg_wr_free(&u->head);
	free(u->rq);
	free(u->wire);
	free(u->rh);
	free(u->buf);
	u->rq = u->wire = u->buf = NULL;
	u->rh = NULL;
	u->dead = true;
	u->dead_next = h->w->dead_up;
	h->w->dead_up = u;
}

static const char *why_secs(int secs, const char *what, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %d s", what, secs);
	return buf;
}

bool h2p_sweep(struct h2conn *h, int64_t now, bool *kick)
{
	bool busy = false;
	char why[80];
	for (struct h2s *st = h->streams; st; st = st->next) {
		struct upx *u = st->up;
		if (!u)
			continue;
		/* Waiting on the upstream: connecting, writing what it does
		 * not take, awaiting its response, or reading a body the
		 * client is ready for. */
		bool waiting = u->state == U_CONNECT || u->state == U_HEAD ||
			       (u->state == U_SEND && (u->head_off < u->head.len || u->wire_off < u->wire_len)) ||
			       (u->state == U_BODY && !u->eof && u->events);
		if (!waiting)
			continue;
		if (now < u->deadline) {
			busy = true;
			continue;
		}
		*kick = true;
		if (u->state == U_CONNECT)
			fail(u, 504, "connect timed out");
		else if (u->state == U_HEAD && !u->rlen)
			fail(u, 504, why_secs(h->w->srv->o.proxy_first_byte_timeout, "no response within", why, sizeof why));
		else
			fail(u, 504, why_secs(h->w->srv->o.proxy_idle_timeout, "the upstream was silent for", why, sizeof why));
	}
	return busy;
}

void h2p_event(worker *w, void *p, uint32_t events)
{
	struct upx *u = p;
	if (u->dead)
		return;
	hconn *c = u->h->c;
	step(u, events);
	/* What the step queued (a response, DATA, WINDOW_UPDATE) goes out. */
	conn_kick(w, c);
}

void h2p_reap(worker *w)
{
	while (w->dead_up) {
		struct upx *u = w->dead_up;
		w->dead_up = u->dead_next;
		free(u);
	}
}
