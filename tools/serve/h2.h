/*
 * HTTP/2 internals shared by h2.c (the session, static answers) and
 * h2proxy.c (streams answered by a --proxy upstream).  The rest of the
 * server sees only the h2_* functions of serve.h.
 */
#ifndef SG_TOOLS_SERVE_H2_H
#define SG_TOOLS_SERVE_H2_H

#include <nghttp2/nghttp2.h>

#include "serve.h"

struct upx;

struct h2s {
	int32_t id;
	struct h2s *prev, *next;        /* the connection's open streams */
	hconn sh;                       /* the response, as HTTP/1.1 builds it */
	struct hresp r;
	bool answered;
	/* request fields, as received: offsets into fb */
	char *fb;
	size_t flen, fcap;
	struct { uint32_t no, nl, vo, vl; } f[SG_HTTP_MAX_FIELDS + 8];
	uint32_t nf;
	bool too_big;
	size_t seen;                    /* field bytes decoded, kept or not */
	struct upx *up;                 /* a proxied stream's exchange (h2proxy.c), or NULL */
};

struct h2conn {
	nghttp2_session *sess;
	worker *w;
	hconn *c;
	struct h2s *streams;            /* nghttp2_session_del does not close them */
	const uint8_t *out;             /* mem_send's chunk not yet taken by the engine */
	size_t out_len;
	int64_t win_start;
	unsigned rst, ctrl;
	bool calm;                      /* a limit was hit: GOAWAY sent, then close */
	bool draining;                  /* h2_drain: GOAWAY sent, streams finishing */
	bool freeing;                   /* h2_free: the streams go, none starts */
	/* h2proxy.c: exchanges with an upstream socket, and those waiting
	 * for one (at most H2P_PAR run at once per connection) */
	unsigned nup;
	struct upx *wait_head, *wait_tail;
	uint8_t in[16384];
};

/* h2.c: a response head (src/http's writer's bytes) submitted with its
 * body provider (NULL: no body); 0, or an nghttp2 error. */
int h2_submit_head(struct h2conn *h, struct h2s *st, const char *head, size_t len, bool head_req,
		   const nghttp2_data_provider *prd);
/* h2.c: a response of our own for a stream (403, 502, 504...), text/plain,
 * submitted to nghttp2; 0, or an nghttp2 error. */
int h2_answer_text(struct h2conn *h, struct h2s *st, int status, const char *msg, bool head_only);

/* h2proxy.c */
/* The exchange for a request under a --proxy PREFIX: the upstream
 * request built, its connection begun (or queued).  end_stream: the
 * request has no body.  0, or -1: answered with an error of our own. */
int h2p_start(struct h2conn *h, struct h2s *st, const sg_http_request *req, struct proxy_route *rt,
	      bool end_stream);
/* DATA of a proxied request, in order; then its end (END_STREAM). */
void h2p_body(struct h2conn *h, struct h2s *st, const uint8_t *data, size_t len);
void h2p_body_end(struct h2conn *h, struct h2s *st);
/* The stream is gone (closed or reset, or the connection): the upstream
 * connection is closed (pooled when the exchange was complete). */
void h2p_stream_gone(struct h2conn *h, struct h2s *st);
/* Time-outs of the connection's exchanges (*kick when frames were
 * queued); whether one of them waits on its upstream. */
bool h2p_sweep(struct h2conn *h, int64_t now, bool *kick);

#endif
