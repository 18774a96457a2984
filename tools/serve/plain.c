/*
 * A plain-HTTP request on the TLS port ("http://host:8443/" typed for
 * "https://"): rather than a TLS alert the browser shows as garbage
 * (curl: "Received HTTP/0.9 when not allowed"), a readable HTTP/1.1 400
 * page that says which URL to use, in the clear, then a close, as nginx
 * does.
 *
 * A TLS connection starts with a handshake record, content type 22 (RFC
 * 8446 5.1), and an SSL 2 hello with a byte >= 0x80; a request line
 * starts with a method, a token that in practice is upper-case ASCII
 * (RFC 9110 9.1).  So the first byte decides, without reading further.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

bool plain_http_first(uint8_t b)
{
	return b >= 'A' && b <= 'Z';
}

/* A Host value safe to put in a URL and a page: a name or IPv4 address,
 * or [IPv6], and an optional port. */
static bool host_ok(const char *p, size_t n)
{
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '-' || ch == ':' || ch == '[' || ch == ']'))
			return false;
	}
	return true;
}

void plain_start(worker *w, hconn *c)
{
	struct server *s = w->srv;
	char req[4096], host[300];
	/* What came with the first packet: enough for the Host field of
	 * any browser's request.  The rest is drained after the answer. */
	ssize_t n = recv(c->fd, req, sizeof req, 0);
	sg_http_request r;
	if (n > 0 && sg_http_parse_request(req, (size_t)n, &r) > 0 && host_ok(r.host.p, r.host.n))
		snprintf(host, sizeof host, "%.*s", (int)r.host.n, r.host.p);
	else
		snprintf(host, sizeof host, "%s", s->o.listen);
	char *page = malloc(1024);
	size_t plen = 0;
	if (page) {
		int k = snprintf(page, 1024,
				 "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>400 Bad Request</title></head>"
				 "<body>\n<h1>400 Bad Request</h1>\n<p>This is an HTTPS port: use "
				 "<a href=\"https://%s/\">https://%s/</a></p>\n</body></html>\n", host, host);
		plen = k > 0 && k < 1024 ? (size_t)k : 0;
	}
	char cl[24];
	snprintf(cl, sizeof cl, "%zu", plen);
	sg_http_header f[3] = { field("Content-Type", "text/html; charset=utf-8"), field("Content-Length", cl),
				field("Connection", "close") };
	uint8_t head[512];
	sg_wr wr;
	sg_wr_init_fixed(&wr, head, sizeof head);
	char *all = NULL;
	if (page && sg_http_write_response_head(&wr, 400, time(NULL), f, 3) && (all = malloc(wr.len + plen))) {
		memcpy(all, head, wr.len);
		memcpy(all + wr.len, page, plen);
	}
	free(page);
	free(c->mem);
	c->mem = all;
	c->mem_len = all ? wr.len + plen : 0;
	c->mem_off = 0;
	c->status = 400;
	c->st = C_PLAIN;
	c->deadline = mono_ms() + 5000;
	logv(s, "%s: plain HTTP on the TLS port: answered 400 (use https://%s/)", c->peer, host);
}

int plain_step(worker *w, hconn *c)
{
	(void)w;
	while (!c->plain_sent && c->mem_off < c->mem_len) {
		ssize_t n = send(c->fd, c->mem + c->mem_off, c->mem_len - c->mem_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return SIGIL_WANT_WRITE;
		if (n <= 0)
			return 0;
		c->mem_off += (size_t)n;
	}
	if (!c->plain_sent) {
		/* The answer is out: half-close, then read what the client
		 * still sends until it closes, so that unread request bytes
		 * do not turn our close into a reset that could destroy the
		 * answer on its way (a "lingering close"). */
		shutdown(c->fd, SHUT_WR);
		c->plain_sent = true;
		c->deadline = mono_ms() + 2000;
	}
	char sink[4096];
	for (;;) {
		ssize_t n = recv(c->fd, sink, sizeof sink, 0);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return SIGIL_WANT_READ;
		return 0;
	}
}
