/*
 * libFuzzer target: an upstream's byte stream as sigil serve's proxy
 * reads it (tools/serve/proxy.c): response heads through
 * sg_http_parse_response with the 1xx responses skipped, then the body by
 * its framing, chunked ones through sg_http_chunked_feed, fed in the
 * pieces the input's first byte chooses (as reads would split them).
 * Promises checked, not just "no crash":
 *   - a head is whole and inside the input, and no response is both
 *     chunked and length-delimited (one framing per message, RFC 9112 6);
 *   - a chunked body decodes to the same bytes however it is split;
 *   - the proxy's re-framing of those bytes (our own chunks) decodes back
 *     to exactly them, ending where it ends: no byte of the upstream's
 *     framing can reach the client as framing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sg_http_response res;
static char body1[1 << 16], body2[1 << 16], reframed[(1 << 16) + 64];

/* Decode a chunked body from in, in pieces of step bytes (0: at once);
 * returns the status and the decoded bytes in out (up to cap). */
static int decode(const char *in, size_t len, size_t step, char *out, size_t cap, size_t *outlen,
		  size_t *used_all)
{
	sg_http_chunked ch;
	sg_http_chunked_init(&ch);
	size_t off = 0, o = 0;
	int r = 0;
	while (off < len) {
		size_t n = step && len - off > step ? step : len - off;
		size_t used = 0, bl = 0;
		const char *b = NULL;
		r = sg_http_chunked_feed(&ch, in + off, n, &used, &b, &bl);
		if (r < 0) {
			if (!ch.why)
				abort();
			break;
		}
		if (bl && (b < in + off || b + bl > in + off + n))
			abort();
		if (r == 0 && used == 0)
			abort();
		if (bl && o + bl <= cap)
			memcpy(out + o, b, bl);
		o += bl;
		off += used;
		if (r == 1)
			break;
	}
	*outlen = o;
	*used_all = off;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t step = data[0] % 17;
	bool head_req = data[1] & 1;
	const char *buf = (const char *)data + 2;
	size_t len = size - 2;
	int hl;
	for (int k = 0;; k++) {
		hl = sg_http_parse_response(buf, len, head_req, &res);
		if (hl < 0 && !res.why)
			abort();
		if (hl <= 0)
			return 0;
		if ((size_t)hl > len || hl > (int)SG_HTTP_MAX_HEAD || res.nfields > SG_HTTP_MAX_FIELDS)
			abort();
		if (res.status < 100 || res.status > 599 || res.status == 101)
			abort();
		if (!res.interim)
			break;
		if (res.framing != SG_HTTP_BODY_NONE)
			abort();
		buf += hl;
		len -= (size_t)hl;
		if (k > 1000)
			return 0;
	}
	sg_http_str v;
	bool has_te = sg_http_header_get(res.fields, res.nfields, "Transfer-Encoding", &v);
	bool has_cl = sg_http_header_get(res.fields, res.nfields, "Content-Length", &v);
	if (has_te && has_cl)
		abort();        /* must have been refused */
	if (res.framing == SG_HTTP_BODY_CHUNKED && (head_req || !has_te))
		abort();
	buf += hl;
	len -= (size_t)hl;
	if (res.framing != SG_HTTP_BODY_CHUNKED || len > sizeof body1)
		return 0;
	size_t n1, n2, u1, u2;
	int r1 = decode(buf, len, 0, body1, sizeof body1, &n1, &u1);
	int r2 = decode(buf, len, step ? step : 1, body2, sizeof body2, &n2, &u2);
	if (r1 != r2 || n1 != n2 || (r1 == 1 && u1 != u2) || memcmp(body1, body2, n1 < sizeof body1 ? n1 : sizeof body1))
		abort();
	if (r1 != 1 || n1 > sizeof body1)
		return 0;
	/* The proxy's framing: one chunk per span, then the last chunk. */
	int m = snprintf(reframed, sizeof reframed, "%zx\r\n", n1);
	size_t rl = (size_t)m;
	if (n1) {
		memcpy(reframed + rl, body1, n1);
		rl += n1;
		memcpy(reframed + rl, "\r\n", 2);
		rl += 2;
	} else {
		rl = 0;
	}
	memcpy(reframed + rl, "0\r\n\r\nX", 6);
	rl += 6;
	size_t n3, u3;
	if (decode(reframed, rl, step, body2, sizeof body2, &n3, &u3) != 1 || n3 != n1 || u3 != rl - 1 ||
	    memcmp(body1, body2, n1) != 0)
		abort();
	return 0;
}
