/*
 * HTTP/2 (RFC 9113) in sigil serve, over libnghttp2: nghttp2 does the
 * framing, HPACK and flow control; this file feeds it the decrypted
 * stream (mem_recv / mem_send), turns each request into the same
 * sg_http_request the HTTP/1.1 path parses, answers it through the same
 * start_response, and adds the limits nghttp2 leaves to its user.
 *
 * The response abstraction is the one hconn already carries for
 * HTTP/1.1: a status and a head (written by src/http's checked writer),
 * a body in memory (c->mem) or a file range (c->file, file_off..file_end).
 * Each stream answers into a hconn of its own (struct h2s.sh); the head is
 * read back with sg_http_parse_response into HTTP/2 fields, less the
 * connection-specific ones (RFC 9113 8.2.2), and the body goes out through
 * a data provider that reads at most one frame's worth of the file at a
 * time, so no file is ever held in memory.
 *
 * Memory per connection is bounded: at most H2_MAX_STREAMS streams
 * (SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113 6.5.2), each with at most
 * REQ_MAX bytes of request fields, and one pending output chunk from
 * nghttp2 (consumed before the next is asked for), behind the engine's
 * bounded record queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2.h"

#define H2_MAX_STREAMS 100
/* Frames that cost us work but carry no request, per H2_WINDOW_MS: past
 * the budget the client is closed with GOAWAY ENHANCE_YOUR_CALM. */
#define H2_WINDOW_MS 1000
#define H2_RST_BUDGET 100       /* RST_STREAM (CVE-2023-44487, rapid reset) */
/* SETTINGS and PING (RFC 9113 10.5).  Below the ACKs nghttp2 may queue
 * (max_outbound_ack, h2_start): one read can hold hundreds of frames,
 * and nghttp2's own flood verdict would close without a GOAWAY. */
#define H2_CTRL_BUDGET 100
/* A field section's bytes as HPACK decodes them, counted even after
 * REQ_MAX (when they are no longer kept): past this the client is
 * sending a header block that does not end (CVE-2024-27316 class). */
#define H2_BLOCK_MAX (4 * REQ_MAX)

static void calm_down(struct h2conn *h, const char *why)
{
	if (!h->calm)
		logv(h->w->srv, "%s: HTTP/2: %s: GOAWAY ENHANCE_YOUR_CALM", h->c->peer, why);
	h->calm = true;
	nghttp2_session_terminate_session(h->sess, NGHTTP2_ENHANCE_YOUR_CALM);
}

/* Count a frame against a per-window budget; false when over. */
static bool budget(struct h2conn *h, unsigned *n, unsigned max)
{
	int64_t now = mono_ms();
	if (now - h->win_start >= H2_WINDOW_MS) {
		h->win_start = now;
		h->rst = h->ctrl = 0;
	}
	return ++*n <= max;
}

static void stream_free(struct h2conn *h, struct h2s *st)
{
	if (!st)
		return;
	if (st->prev)
		st->prev->next = st->next;
	else
		h->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	if (st->up)
		h2p_stream_gone(h, st);
	if (st->sh.file >= 0)
		close(st->sh.file);
	free(st->sh.mem);
	free(st->fb);
	free(st);
}

static int on_begin_frame(nghttp2_session *sess, const nghttp2_frame_hd *hd, void *ud)
{
	(void)sess;
	struct h2conn *h = ud;
	/* CONTINUATION frames never come here (nghttp2 reports a header
	 * block as one frame): their bytes are bounded in on_header, their
	 * number by nghttp2 itself (Debian backported the limit of 1.61 to
	 * 1.52: NGHTTP2_ERR_TOO_MANY_CONTINUATIONS, see h2_step). */
	switch (hd->type) {
	case NGHTTP2_RST_STREAM:
		if (!budget(h, &h->rst, H2_RST_BUDGET)) {
			calm_down(h, "rapid reset");
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		break;
	case NGHTTP2_SETTINGS:
	case NGHTTP2_PING:
		if (!budget(h, &h->ctrl, H2_CTRL_BUDGET)) {
			calm_down(h, hd->type == NGHTTP2_PING ? "PING flood" : "SETTINGS flood");
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		break;
	}
	return 0;
}

static int on_begin_headers(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2conn *h = ud;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct h2s *st = calloc(1, sizeof *st);
	if (!st)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;   /* this stream reset */
	st->id = frame->hd.stream_id;
	st->sh.file = -1;
	if (nghttp2_session_set_stream_user_data(sess, st->id, st) != 0) {
		free(st);       /* no such stream (refused): nothing to answer */
		return 0;
	}
	st->next = h->streams;
	if (h->streams)
		h->streams->prev = st;
	h->streams = st;
	return 0;
}

static int on_header(nghttp2_session *sess, const nghttp2_frame *frame, const uint8_t *name, size_t nl,
		     const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	(void)flags;
	struct h2conn *h = ud;
	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	struct h2s *st = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
	if (!st || st->answered)
		return 0;       /* trailers: not used */
	st->seen += nl + vl + 32;       /* RFC 9113 6.5.2's per-field overhead */
	if (st->seen > H2_BLOCK_MAX) {
		calm_down(h, "endless header block (CONTINUATION flood)");
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	/* The field section is bounded as HTTP/1.1's head is (REQ_MAX,
	 * announced as SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113 6.5.2); a
	 * client that goes on regardless is answered 431 (RFC 6585 5). */
	if (st->too_big || st->flen + nl + vl + 32 > REQ_MAX || st->nf >= sizeof st->f / sizeof st->f[0]) {
		if (!st->too_big)
			logv(h->w->srv, "%s: HTTP/2 stream %d: request fields over %d bytes", h->c->peer, st->id, REQ_MAX);
		st->too_big = true;
		return 0;
	}
	if (st->flen + nl + vl > st->fcap) {
		size_t cap = st->fcap ? st->fcap : 1024;
		while (cap < st->flen + nl + vl)
			cap *= 2;
		char *p = realloc(st->fb, cap);
		if (!p)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		st->fb = p;
		st->fcap = cap;
	}
	st->f[st->nf].no = (uint32_t)st->flen;
	st->f[st->nf].nl = (uint32_t)nl;
	memcpy(st->fb + st->flen, name, nl);
	st->flen += nl;
	st->f[st->nf].vo = (uint32_t)st->flen;
	st->f[st->nf].vl = (uint32_t)vl;
	memcpy(st->fb + st->flen, value, vl);
	st->flen += vl;
	st->nf++;
	return 0;
}

static ssize_t read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
			 nghttp2_data_source *src, void *ud)
{
	(void)sess;
	(void)id;
	struct h2conn *h = ud;
	struct h2s *st = src->ptr;
	hconn *r = &st->sh;
	size_t n = 0;
	if (r->mem_off < r->mem_len) {
		n = r->mem_len - r->mem_off < len ? r->mem_len - r->mem_off : len;
		memcpy(buf, r->mem + r->mem_off, n);
		r->mem_off += n;
	} else if (r->file >= 0 && r->file_off < r->file_end) {
		size_t want_n = (size_t)(r->file_end - r->file_off) < len ? (size_t)(r->file_end - r->file_off) : len;
		ssize_t k = pread(r->file, buf, want_n, r->file_off);
		if (k <= 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;   /* the stream is reset */
		n = (size_t)k;
		r->file_off += k;
	}
	r->bytes += n;
	/* Progress: the idle deadline counts from the last byte sent, so a
	 * peer that holds its window at zero is closed after --idle-timeout
	 * (sweep, h2_timeout). */
	if (n)
		h->c->deadline = mono_ms() + h->w->srv->o.idle_timeout * 1000LL;
	if (r->mem_off >= r->mem_len && (r->file < 0 || r->file_off >= r->file_end))
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static bool is(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static bool ieq(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(p, lit, n) == 0;
}

/* A response head (as src/http's writer made it) into HTTP/2 fields and
 * submitted with its body provider (NULL: none, END_STREAM on HEADERS):
 * names lower-cased (RFC 9113 8.2.1), the connection-specific fields
 * dropped (8.2.2).  0, or an nghttp2 error. */
int h2_submit_head(struct h2conn *h, struct h2s *st, const char *head, size_t len, bool head_req,
		   const nghttp2_data_provider *prd)
{
	sg_http_response res;
	if (sg_http_parse_response(head, len, head_req, &res) <= 0)
		return nghttp2_submit_rst_stream(h->sess, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
	char status[4];
	/* the names, lower-cased, one after another (at most the head's size) */
	char *lower = malloc(len ? len : 1);
	if (!lower)
		return nghttp2_submit_rst_stream(h->sess, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
	snprintf(status, sizeof status, "%03u", res.status % 1000);
	nghttp2_nv nv[SG_HTTP_MAX_FIELDS + 1];
	size_t n = 0, used = 0;
	nv[n++] = (nghttp2_nv){ (uint8_t *)":status", (uint8_t *)status, 7, 3, NGHTTP2_NV_FLAG_NONE };
	for (uint32_t i = 0; i < res.nfields && i < SG_HTTP_MAX_FIELDS; i++) {
		const sg_http_header *f = &res.fields[i];
		if (ieq(f->name.p, f->name.n, "connection") || ieq(f->name.p, f->name.n, "keep-alive") ||
		    ieq(f->name.p, f->name.n, "transfer-encoding"))
			continue;
		char *l = lower + used;
		for (size_t k = 0; k < f->name.n; k++)
			l[k] = (char)(f->name.p[k] >= 'A' && f->name.p[k] <= 'Z' ? f->name.p[k] + 32 : f->name.p[k]);
		used += f->name.n;
		nv[n++] = (nghttp2_nv){ (uint8_t *)l, (uint8_t *)f->value.p, f->name.n, f->value.n, NGHTTP2_NV_FLAG_NONE };
	}
	st->sh.status = res.status;
	/* nghttp2 copies the fields (HPACK-encoded when the frame is packed
	 * from its own copy), so the arrays may go. */
	int r = nghttp2_submit_response(h->sess, st->id, nv, n, prd);
	free(lower);
	return r;
}

/* Submit what start_response or respond_text left in the stream's hconn:
 * the head at st->r.head, the body in memory or a file range. */
static int submit_hconn(struct h2conn *h, struct h2s *st, bool head_req)
{
	hconn *r = &st->sh;
	bool body = r->mem_off < r->mem_len || (r->file >= 0 && r->file_off < r->file_end);
	nghttp2_data_provider prd = { .source.ptr = st, .read_callback = read_body };
	return h2_submit_head(h, st, st->r.head, r->head_len, head_req, body ? &prd : NULL);
}

int h2_answer_text(struct h2conn *h, struct h2s *st, int status, const char *msg, bool head_only)
{
	respond_text(&st->sh, status, msg, head_only);
	return submit_hconn(h, st, head_only);
}

/* Whether v is all ASCII digits (v is not NUL-terminated). */
static bool digits(sg_http_str v)
{
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
	return true;
}

/* RFC 9113 8.2.3: the cookie fields of a request, which HTTP/2 may split,
 * joined with "; " into one for an HTTP/1.1 upstream; NULL when there
 * are none or one (nothing to join), or when memory is short (the
 * fields then go as they came: an upstream sees several Cookie lines). */
static char *cookies_joined(const struct h2s *st)
{
	size_t total = 0, count = 0;
	for (uint32_t i = 0; i < st->nf; i++)
		if (is(st->fb + st->f[i].no, st->f[i].nl, "cookie"))
			total += st->f[i].vl + 2, count++;
	if (count < 2)
		return NULL;
	char *out = malloc(total + 1), *p = out;
	if (!out)
		return NULL;
	for (uint32_t i = 0; i < st->nf; i++) {
		if (!is(st->fb + st->f[i].no, st->f[i].nl, "cookie"))
			continue;
		if (p != out)
			*p++ = ';', *p++ = ' ';
		memcpy(p, st->fb + st->f[i].vo, st->f[i].vl);
		p += st->f[i].vl;
	}
	*p = 0;
	return out;
}

/* The request as the HTTP/1.1 parser would have given it (RFC 9113
 * 8.3.1: :method, :path, :authority stand for the request line and
 * Host), answered by start_response or by a --proxy upstream, and the
 * answer submitted.  end_stream: the HEADERS frame ended the request. */
static int answer(struct h2conn *h, struct h2s *st, bool end_stream)
{
	struct server *s = h->w->srv;
	hconn *r = &st->sh;
	st->answered = true;
	sg_http_request req;
	memset(&req, 0, sizeof req);
	sg_http_str method = { "", 0 }, path = { "", 0 }, auth = { "", 0 }, host = { "", 0 }, range = { NULL, 0 },
		    ims = { NULL, 0 }, clen = { NULL, 0 };
	unsigned nrange = 0, nims = 0;
	bool inm = false;
	char *cookie = cookies_joined(st);
	bool cookie_put = false;
	for (uint32_t i = 0; i < st->nf; i++) {
		const char *n = st->fb + st->f[i].no, *v = st->fb + st->f[i].vo;
		size_t nl = st->f[i].nl, vl = st->f[i].vl;
		sg_http_str sv = { v, vl };
		if (nl && n[0] == ':') {
			if (is(n, nl, ":method"))
				method = sv;
			else if (is(n, nl, ":path"))
				path = sv;
			else if (is(n, nl, ":authority"))
				auth = sv;
			continue;
		}
		if (cookie && is(n, nl, "cookie")) {
			if (cookie_put)
				continue;
			cookie_put = true;
			sv = (sg_http_str){ cookie, strlen(cookie) };
		}
		if (req.nfields < SG_HTTP_MAX_FIELDS) {
			req.fields[req.nfields].name = (sg_http_str){ n, nl };
			req.fields[req.nfields].value = sv;
			req.nfields++;
		}
		if (is(n, nl, "host"))
			host = sv;
		else if (is(n, nl, "content-length"))
			clen = sv;
		else if (is(n, nl, "range"))
			range = sv, nrange++;
		else if (is(n, nl, "if-modified-since"))
			ims = sv, nims++;
		else if (is(n, nl, "if-none-match"))
			inm = true;
		else if (is(n, nl, "if-range"))
			req.has_if_range = true;
	}
	req.method_name = method;
	req.method = is(method.p, method.n, "GET") ? SG_HTTP_GET : is(method.p, method.n, "HEAD") ? SG_HTTP_HEAD :
											       SG_HTTP_POST;
	req.form = SG_HTTP_FORM_ORIGIN;
	req.target = req.path = path.n ? path : (sg_http_str){ "/", 1 };
	req.host = auth.n ? auth : host;
	req.version_minor = 1;
	req.keep_alive = true;
	req.has_range = nrange == 1 && req.method == SG_HTTP_GET;
	if (req.has_range)
		req.range = range;
	if (nims == 1 && !inm && sg_http_date_parse(ims.p, ims.n, &req.if_modified_since))
		req.has_ims = true;
	/* The body's framing, for an upstream: nghttp2 has checked that
	 * content-length is one number and that the DATA frames add up to
	 * it (RFC 9113 8.1.1); without it, a body is sent chunked. */
	if (end_stream) {
		bool wants_length = is(method.p, method.n, "POST") || is(method.p, method.n, "PUT") ||
				    is(method.p, method.n, "PATCH");
		req.framing = wants_length ? SG_HTTP_BODY_LENGTH : SG_HTTP_BODY_NONE;
	} else if (clen.n && clen.n < 20 && digits(clen)) {
		req.framing = SG_HTTP_BODY_LENGTH;
		for (size_t i = 0; i < clen.n; i++)
			req.content_length = req.content_length * 10 + (uint64_t)(clen.p[i] - '0');
	} else {
		req.framing = SG_HTTP_BODY_CHUNKED;
	}
	/* HTTP/1.1 needs Host (RFC 9112 3.2): from :authority when the
	 * client sent no host field (RFC 9113 8.3.1). */
	if (!host.n && auth.n && req.nfields < SG_HTTP_MAX_FIELDS) {
		req.fields[req.nfields].name = (sg_http_str){ "Host", 4 };
		req.fields[req.nfields].value = auth;
		req.nfields++;
	}
	/* The stream's hconn: the connection's TLS state and identity,
	 * borrowed (freed with the connection, not here). */
	hconn *c = h->c;
	r->tls = c->tls;
	r->user = c->user;
	memcpy(r->user_cn, c->user_cn, sizeof r->user_cn);
	memcpy(r->peer, c->peer, sizeof r->peer);
	r->r = &st->r;
	snprintf(st->r.line, sizeof st->r.line, "%.*s %.*s HTTP/2.0", (int)(method.n < 20 ? method.n : 20), method.p,
		 (int)(path.n < 300 ? path.n : 300), path.p);
	c->deadline = mono_ms() + s->o.idle_timeout * 1000LL;
	bool head_req = req.method == SG_HTTP_HEAD;
	/* Under a --proxy PREFIX (a CONNECT, which has no :path, never is):
	 * --authz first, as for files, then the upstream. */
	struct proxy_route *rt = !st->too_big && path.n ? proxy_route_for(s, &req) : NULL;
	if (rt) {
		int ret;
		if (s->nauthz && !authorized(s, r, req.path.p, req.path.n)) {
			logv(s, "%s: 403 for %s", c->peer, c->user ? c->user : "a client without a certificate");
			ret = h2_answer_text(h, st, 403, c->user ? "forbidden: your certificate is not allowed here\n"
							     : "forbidden: a client certificate is required here\n",
					     head_req);
		} else {
			h2p_start(h, st, &req, rt, end_stream);
			ret = 0;
		}
		free(cookie);
		return ret;
	}
	free(cookie);
	if (st->too_big) {
		req.status = 431;
		req.why = "request header fields too large";
		start_response(h->w, r, &req, 0);
	} else {
		start_response(h->w, r, &req, 1);
	}
	snprintf(st->r.line, sizeof st->r.line, "%.*s %.*s HTTP/2.0", (int)(method.n < 20 ? method.n : 20), method.p,
		 (int)(path.n < 300 ? path.n : 300), path.p);
	return submit_hconn(h, st, head_req);
}

/* Request body bytes: to the stream's upstream, or dropped.  The window
 * is ours to give back (nghttp2_option_set_no_auto_window_update): a
 * proxied body is credited back only as the upstream takes it, so a
 * slow upstream slows the client instead of filling our memory; any
 * other body at once. */
static int on_data_chunk_recv(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
			      void *ud)
{
	(void)flags;
	struct h2conn *h = ud;
	struct h2s *st = nghttp2_session_get_stream_user_data(sess, id);
	if (st && st->up) {
		h2p_body(h, st, data, len);
		return 0;
	}
	nghttp2_session_consume(sess, id, len);
	return 0;
}

static int on_frame_recv(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2conn *h = ud;
	if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
		struct h2s *st = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
		if (st && !st->answered) {
			int r = answer(h, st, frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
			/* The fields are used: only the stream whose header
			 * block is arriving keeps any (RFC 9113 6.10 keeps a
			 * block contiguous), so a connection holds at most
			 * one REQ_MAX of them. */
			free(st->fb);
			st->fb = NULL;
			st->flen = st->fcap = 0;
			if (r != 0)
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			return 0;
		}
	}
	/* The end of a proxied request's body (its last DATA, or trailers,
	 * which are not forwarded). */
	if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
		struct h2s *st = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
		if (st && st->up)
			h2p_body_end(h, st);
	}
	return 0;
}

static int on_stream_close(nghttp2_session *sess, int32_t id, uint32_t err, void *ud)
{
	(void)err;
	struct h2conn *h = ud;
	struct h2s *st = nghttp2_session_get_stream_user_data(sess, id);
	if (!st)
		return 0;
	if (st->answered)
		log_access(h->w->srv, &st->sh);
	nghttp2_session_set_stream_user_data(sess, id, NULL);
	stream_free(h, st);
	return 0;
}

bool h2_chosen(const hconn *c)
{
	const char *a = sigil_conn_alpn(c->tls);
	return a && strcmp(a, "h2") == 0;
}

int h2_start(worker *w, hconn *c)
{
	struct h2conn *h = calloc(1, sizeof *h);
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;
	if (!h || nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0)
		goto fail;
	h->w = w;
	h->c = c;
	h->win_start = mono_ms();
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	/* SETTINGS and PING ACKs the peer does not read, and the entries of
	 * one SETTINGS frame, are bounded (RFC 9113 10.5). */
	nghttp2_option_set_max_outbound_ack(opt, 4 * H2_CTRL_BUDGET);
	nghttp2_option_set_max_settings(opt, 32);
	nghttp2_option_set_no_auto_window_update(opt, 1);
	int r = nghttp2_session_server_new2(&h->sess, cb, h, opt);
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	cb = NULL;
	opt = NULL;
	if (r != 0)
		goto fail;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, REQ_MAX },
	};
	if (nghttp2_submit_settings(h->sess, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0)
		goto fail;
	c->h2 = h;
	return 0;
fail:
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	if (h && h->sess)
		nghttp2_session_del(h->sess);
	free(h);
	return -1;
}

void h2_free(hconn *c)
{
	struct h2conn *h = c->h2;
	if (!h)
		return;
	/* Streams still open: the session's deletion calls no callback
	 * for them, and each may hold a file descriptor (and an upstream
	 * exchange, which must not start the next one now). */
	h->freeing = true;
	while (h->streams)
		stream_free(h, h->streams);
	nghttp2_session_del(h->sess);
	free(h);
	c->h2 = NULL;
}

/* Hand nghttp2's output to the engine, one chunk at a time, and flush.
 * SIGIL_WANT_WRITE while the socket is full, 0 when all is out, -1. */
static int pump_out(hconn *c, struct h2conn *h)
{
	for (;;) {
		if (!h->out_len) {
			ssize_t n = nghttp2_session_mem_send(h->sess, &h->out);
			if (n < 0)
				return -1;
			h->out_len = (size_t)n;
			if (n == 0)
				break;
		}
		size_t used = 0;
		if (sigil_conn_write_app(c->tls, h->out, h->out_len, &used) < 0)
			return -1;
		h->out += used;
		h->out_len -= used;
		if (h->out_len) {
			int r = sigil_io_flush(c->tls);
			if (r == SIGIL_WANT_WRITE)
				return SIGIL_WANT_WRITE;
			if (r != SIGIL_OK)
				return -1;
		}
	}
	int r = sigil_io_flush(c->tls);
	return r == SIGIL_WANT_WRITE ? SIGIL_WANT_WRITE : r == SIGIL_OK ? 0 : -1;
}

int h2_step(worker *w, hconn *c)
{
	struct h2conn *h = c->h2;
	(void)w;
	for (;;) {
		int o = pump_out(c, h);
		if (o < 0)
			return -1;
		if (o == SIGIL_WANT_WRITE)
			return SIGIL_WANT_WRITE;
		if (h->calm || (!nghttp2_session_want_read(h->sess) && !nghttp2_session_want_write(h->sess)))
			return 0;       /* GOAWAY out: the caller closes */
		ssize_t r = sigil_io_read(c->tls, h->in, sizeof h->in);
		if (r > 0) {
			ssize_t k = nghttp2_session_mem_recv(h->sess, h->in, (size_t)r);
			if (k < 0) {
				if (!h->calm) {
					/* A fatal error of nghttp2's own (a protocol
					 * error, too many CONTINUATION frames): it
					 * queued no GOAWAY, say why we close. */
					logv(w->srv, "%s: HTTP/2: %s", c->peer, nghttp2_strerror((int)k));
					nghttp2_session_terminate_session(h->sess, k == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS || k == NGHTTP2_ERR_FLOODED ?
								NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
					h->calm = true;
				}
				continue;       /* send what is queued, then close */
			}
			continue;
		}
		if (r == 0)
			return 0;       /* close_notify */
		if (r == SIGIL_IO_WANT_READ)
			return SIGIL_WANT_READ;
		if (r == SIGIL_IO_WANT_WRITE)
			return SIGIL_WANT_WRITE;
		return -1;
	}
}

/* Past the idle deadline (no request and no byte sent for
 * --idle-timeout, e.g. a peer that keeps its window at zero): GOAWAY,
 * then the caller closes. */
void h2_timeout(hconn *c)
{
	struct h2conn *h = c->h2;
	if (!h)
		return;
	nghttp2_session_terminate_session(h->sess, NGHTTP2_NO_ERROR);
	h->calm = true;
	pump_out(c, h);
}

bool h2_sweep(hconn *c, int64_t now, bool *kick)
{
	*kick = false;
	return c->h2 && h2p_sweep(c->h2, now, kick);
}

/* SIGTERM: GOAWAY with the last stream taken (RFC 9113 6.8), so that the
 * streams in flight finish and the client retries the rest elsewhere;
 * h2_step then returns 0 once none is left.  1 the first time. */
int h2_drain(hconn *c)
{
	struct h2conn *h = c->h2;
	if (!h || h->draining)
		return 0;
	h->draining = true;
	nghttp2_submit_goaway(h->sess, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h->sess),
			      NGHTTP2_NO_ERROR, NULL, 0);
	return 1;
}
