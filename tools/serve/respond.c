/*
 * Responses of sigil serve: the head, short text bodies, the built-in
 * page, and the choice of response for a parsed request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"

/* The head goes through src/http's writer, which checks every name and
 * value (no CR, LF or other control byte can split the response) and
 * holds the one table of reason phrases. */
int set_head(hconn *c, int status, const char *type, uint64_t len, const sg_http_header *extra,
	     size_t nextra)
{
	sg_http_header f[16];
	size_t n = 0;
	char cl[24];
	if (type)
		f[n++] = field("Content-Type", type);
	if (len != NO_LENGTH) {
		snprintf(cl, sizeof cl, "%llu", (unsigned long long)len);
		f[n++] = field("Content-Length", cl);
	}
	for (size_t i = 0; i < nextra && n < sizeof f / sizeof f[0] - 1; i++)
		f[n++] = extra[i];
	if (!c->keep_alive)
		f[n++] = field("Connection", "close");
	sg_wr w;
	sg_wr_init_fixed(&w, (uint8_t *)c->r->head, sizeof c->r->head);
	if (!sg_http_write_response_head(&w, (uint16_t)status, time(NULL), f, n)) {
		/* A field the writer refused (or too long for the buffer):
		 * answer 500 without it, and without a body. */
		free(c->mem);
		c->mem = NULL;
		c->mem_len = c->mem_off = 0;
		c->keep_alive = 0;
		sg_http_header e[2] = { field("Content-Length", "0"), field("Connection", "close") };
		sg_wr_init_fixed(&w, (uint8_t *)c->r->head, sizeof c->r->head);
		if (!sg_http_write_response_head(&w, 500, time(NULL), e, 2))
			w.len = 0;
		c->head_len = w.len;
		c->head_off = 0;
		c->status = 500;
		return -1;
	}
	c->head_len = w.len;
	c->head_off = 0;
	c->status = status;
	return 0;
}

void respond_text(hconn *c, int status, const char *body, int head_only)
{
	free(c->mem);
	c->mem = strdup(body);
	c->mem_len = head_only || !c->mem ? 0 : strlen(body);
	c->mem_off = 0;
	set_head(c, status, "text/plain; charset=utf-8", strlen(body), NULL, 0);
}

void html_escape(char *out, size_t cap, const char *in)
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
static void respond_builtin(const struct server *s, hconn *c, int head_only)
{
	const char *alpn = sigil_conn_alpn(c->tls), *sni = sigil_conn_server_name(c->tls);
	char esni[600], ebuf[5000], euser[1200];
	html_escape(esni, sizeof esni, sni ? sni : "(none)");
	/* Which of the --cert chains this visitor got (sites by SNI). */
	char label[2600], ecert[3200];
	size_t nchain;
	const sigil_der *chain = sigil_conn_own_chain(c->tls, &nchain);
	int ci = sigil_conn_cert_index(c->tls);
	if (chain) {
		char what[2400];
		cert_label(chain[0].der, chain[0].len, what, sizeof what);
		snprintf(label, sizeof label, "%s (--cert number %d%s)", what, ci + 1, ci == 0 ? ", the default" : "");
	} else {
		snprintf(label, sizeof label, "none sent on this connection (a resumed session)");
	}
	html_escape(ecert, sizeof ecert, label);
	html_escape(euser, sizeof euser, c->user ? c->user : "(no client certificate)");
	char *page = malloc(16384);
	if (!page) {
		respond_text(c, 500, "out of memory\n", head_only);
		return;
	}
	html_escape(ebuf, sizeof ebuf, s->ca_cert_shown[0] ? s->ca_cert_shown : "(a certificate given with --cert)");
	int n = snprintf(page, 16384,
			 "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>sigil</title>\n"
			 "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto}"
			 "td{padding:.2em 1em}</style></head><body>\n"
			 "<h1>sigil: a secure connection</h1>\n<p>Your connection to this site:</p>\n<table>\n"
			 "<tr><td>Protocol</td><td>%s</td></tr>\n"
			 "<tr><td>Cipher suite</td><td>%s</td></tr>\n"
			 "<tr><td>Key exchange</td><td>%s%s%s</td></tr>\n"
			 "<tr><td>Server signature</td><td>%s</td></tr>\n"
			 "<tr><td>Certificate compression</td><td>%s</td></tr>\n"
			 "<tr><td>ALPN</td><td>%s</td></tr>\n"
			 "<tr><td>Server name (SNI)</td><td>%s</td></tr>\n"
			 "<tr><td>Certificate served</td><td>%s</td></tr>\n"
			 "<tr><td>Your address</td><td>%s</td></tr>\n"
			 "<tr><td>Signed in as</td><td>%s</td></tr>\n"
			 "</table>\n<p>The certificate authority of this site: <code>%s</code></p>\n</body></html>\n",
			 sigil_conn_version(c->tls) == SIGIL_TLS12 ? "TLS 1.2" : "TLS 1.3",
			 sigil_suite_name(sigil_conn_suite(c->tls)), sigil_group_name(sigil_conn_group(c->tls)),
			 /* Whether a recording of this connection stays secret
			  * from a future quantum computer. */
			 sigil_conn_group(c->tls) == SIGIL_GROUP_X25519MLKEM768 ? " (post-quantum hybrid)" :
										   " (not post-quantum)",
			 sigil_conn_hrr(c->tls) ? " (after HelloRetryRequest)" : "",
			 sigil_sigscheme_name(sigil_conn_sigscheme(c->tls)) ? sigil_sigscheme_name(sigil_conn_sigscheme(c->tls)) : "?",
			 /* RFC 8879: resumed handshakes send no certificate. */
			 sg_conn_cert_compression(c->tls) ? sg_conn_cert_compression(c->tls) :
			 sigil_conn_resumed(c->tls) ? "(resumed: no certificate sent)" : "(none)",
			 alpn ? alpn : "(none)", esni, ecert, c->peer, euser, ebuf);
	free(c->mem);
	c->mem = page;
	c->mem_len = head_only ? 0 : (size_t)n;
	c->mem_off = 0;
	set_head(c, 200, "text/html; charset=utf-8", (uint64_t)n, NULL, 0);
}

/* The length of a target's path without its query. */
static size_t memcspn_len(const char *p, size_t n)
{
	const char *q = memchr(p, '?', n);
	return q ? (size_t)(q - p) : n;
}

void start_response(worker *w, hconn *c, const sg_http_request *req, int ok)
{
	struct server *s = w->srv;
	c->bytes = 0;
	if (!ok) {
		c->keep_alive = 0;
		char msg[300];
		snprintf(msg, sizeof msg, "%s\n", req->why ? req->why : "bad request");
		respond_text(c, req->status, msg, 0);
		snprintf(c->r->line, sizeof c->r->line, "-");
		return;
	}
	c->keep_alive = req->keep_alive && !stopping(s);
	int head_only = req->method == SG_HTTP_HEAD;
	int get = req->method == SG_HTTP_GET;
	snprintf(c->r->line, sizeof c->r->line, "%.*s %.*s HTTP/1.%d", (int)req->method_name.n, req->method_name.p,
		 (int)(req->target.n < 300 ? req->target.n : 300), req->target.p, req->version_minor);
	if (!get && !head_only) {
		static const char msg[] = "only GET and HEAD are served here\n";
		sg_http_header allow = field("Allow", "GET, HEAD");
		free(c->mem);
		c->mem = strdup(msg);
		c->mem_len = c->mem ? strlen(msg) : 0;
		c->mem_off = 0;
		set_head(c, 405, "text/plain; charset=utf-8", strlen(msg), &allow, 1);
		return;
	}
	/* A path longer than any file name we map (sg_http_map_path's
	 * buffer) is refused as too long, not as forbidden. */
	if (memcspn_len(req->path.p, req->path.n) >= 4096) {
		respond_text(c, 414, "URI too long: the path is over 4095 bytes\n", head_only);
		return;
	}
	if (s->nauthz && !authorized(s, c, req->path.p, req->path.n)) {
		respond_text(c, 403, c->user ? "forbidden: your certificate is not allowed here\n"
						: "forbidden: a client certificate is required here\n", head_only);
		logv(s, "%s: 403 for %s", c->peer, c->user ? c->user : "a client without a certificate");
		return;
	}
	if (s->o.root)
		respond_file(s, c, req, head_only);
	else
		respond_builtin(s, c, head_only);
}
