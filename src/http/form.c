/*
 * application/x-www-form-urlencoded: the body of an HTML form sent with
 * POST, and the query of a request-target (WHATWG URL Standard, section
 * "application/x-www-form-urlencoded"; HTML's form submission algorithm
 * produces it).  Percent-decoding is RFC 3986 section 2.1.
 */
#include "http/http.h"

#include <limits.h>
#include <string.h>

bool sg_http_form_next(sg_http_str *rest, sg_http_str *name, sg_http_str *value)
{
	while (rest->n > 0) {
		const char *amp = memchr(rest->p, '&', rest->n);
		size_t len = amp ? (size_t)(amp - rest->p) : rest->n;
		const char *pair = rest->p;
		rest->p += len + (amp != NULL);
		rest->n -= len + (amp != NULL);
		/* "a=1&&b=2": the URL Standard skips empty sequences. */
		if (len == 0)
			continue;
		const char *eq = memchr(pair, '=', len);
		size_t nl = eq ? (size_t)(eq - pair) : len;
		name->p = pair;
		name->n = nl;
		value->p = eq ? eq + 1 : pair + len;
		value->n = eq ? len - nl - 1 : 0;
		return true;
	}
	return false;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sg_http_form_decode(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0 || cap > INT_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];
		/* A browser percent-encodes everything but ASCII letters,
		 * digits and "*-._", and writes a space as '+': raw spaces,
		 * controls and non-ASCII bytes come only from a broken or
		 * hostile sender. */
		if (c <= 0x20 || c >= 0x7f)
			return -1;
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			/* The URL Standard passes a bad escape through as
			 * text; we refuse it, so that no two readers of the
			 * same bytes see different values. */
			if (n - i < 3)
				return -1;
			int h = hexval((uint8_t)p[i + 1]), l = hexval((uint8_t)p[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (uint8_t)(h << 4 | l);
			i += 2;
			/* The result is a C string. */
			if (c == 0)
				return -1;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}
