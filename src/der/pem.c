/*
 * PEM (RFC 7468) and base64 (RFC 4648).  Strict where it matters: the
 * body is the base64 alphabet and white space only, padding is correct and
 * final, and the END label matches the BEGIN label.  Text around blocks
 * (comments in CA bundles, "Bag Attributes", ...) is skipped.
 */
#include "der/der.h"

#include <stdio.h>
#include <string.h>

static int b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int sg_base64_decode(const char *in, size_t n, sg_wr *out)
{
	uint32_t acc = 0;
	unsigned nch = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)in[i];
		if (is_ws(c))
			continue;
		if (c == '=') {
			/* RFC 4648 §3.3: padding only completes a quantum. */
			if (nch < 2)
				return -1;
			pad++;
			nch++;
			if (nch == 4)
				break;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (++nch == 4) {
			uint8_t b[3] = {(uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc};
			if (!sg_wr_bytes(out, b, 3))
				return -1;
			acc = 0;
			nch = 0;
		}
	}
	if (pad) {
		if (nch != 4)
			return -1;
		/* Nothing but white space may follow the padding. */
		const char *end = in + n;
		const char *q = memchr(in, '=', n);
		for (q += pad; q < end; q++)
			if (!is_ws((uint8_t)*q))
				return -1;
		if (pad == 1) {
			/* Three characters carry 18 bits, 16 used: the
			 * last two must be zero (§3.5 canonical). */
			if (acc & 0x3)
				return -1;
			uint8_t b[2] = {(uint8_t)(acc >> 10), (uint8_t)(acc >> 2)};
			if (!sg_wr_bytes(out, b, 2))
				return -1;
		} else if (pad == 2) {
			if (acc & 0xf)
				return -1;
			uint8_t b = (uint8_t)(acc >> 4);
			if (!sg_wr_bytes(out, &b, 1))
				return -1;
		} else {
			return -1;
		}
	} else if (nch != 0) {
		return -1;      /* unpadded tail */
	}
	return sg_wr_ok(out) ? 0 : -1;
}

int sg_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (n + 2) / 3 * 4 + 1;
	if (cap < need)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n) v |= in[i + 2];
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = i + 1 < n ? al[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? al[v & 63] : '=';
	}
	out[o] = 0;
	return (int)o;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* Finds needle in [p, end); NULL if absent. */
static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *needle)
{
	size_t k = strlen(needle);
	while ((size_t)(end - p) >= k) {
		const uint8_t *q = memchr(p, needle[0], (size_t)(end - p) - k + 1);
		if (!q)
			return NULL;
		if (memcmp(q, needle, k) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

int sg_pem_next(sg_rd *text, char *label, size_t cap, sg_wr *out,
		char *err, size_t errlen)
{
	const uint8_t *p = text->p, *end = text->p + text->n;
	for (;;) {
		const uint8_t *b = find(p, end, "-----BEGIN ");
		if (!b) {
			text->p = end;
			text->n = 0;
			return 0;
		}
		/* RFC 7468 §2: the encapsulation boundary starts a line. */
		if (b != text->p && b[-1] != '\n') {
			p = b + 1;
			continue;
		}
		const uint8_t *ls = b + 11;
		const uint8_t *le = find(ls, end, "-----");
		const uint8_t *nl = memchr(ls, '\n', (size_t)(end - ls));
		if (!le || (nl && nl < le) || le - ls > 64) {
			set_err(err, errlen, "malformed PEM BEGIN line");
			goto bad;
		}
		size_t llen = (size_t)(le - ls);
		const uint8_t *body = le + 5;
		/* Rest of the BEGIN line: only white space. */
		while (body < end && *body != '\n') {
			if (!is_ws(*body)) {
				set_err(err, errlen, "malformed PEM BEGIN line");
				goto bad;
			}
			body++;
		}
		char endline[96];
		snprintf(endline, sizeof endline, "-----END %.*s-----", (int)llen, (const char *)ls);
		const uint8_t *e = find(body, end, endline);
		if (!e) {
			set_err(err, errlen, "PEM block without its END line");
			goto bad;
		}
		/* Encrypted PEM has headers ("Proc-Type:"); refuse rather than
		 * mis-decode: base64 decoding fails on ':'. */
		size_t before = out->len;
		if (sg_base64_decode((const char *)body, (size_t)(e - body), out) != 0) {
			if (out->len > before && sg_wr_ok(out))
				out->len = before;
			set_err(err, errlen, "bad base64 in PEM block");
			goto bad;
		}
		if (cap) {
			size_t k = llen < cap - 1 ? llen : cap - 1;
			memcpy(label, ls, k);
			label[k] = 0;
		}
		const uint8_t *after = e + strlen(endline);
		text->n -= (size_t)(after - text->p);
		text->p = after;
		return 1;
bad:
		text->n -= (size_t)(ls - text->p);
		text->p = ls;
		return -1;
	}
}
