/*
 * libFuzzer target: the HTTP/1.1 request and response head parsers, the
 * chunked decoder, path mapping, HTTP-dates and Range, with checks of
 * their promises (not just "no crash"):
 *   - a complete head lies inside the input and parses alone to the same
 *     length; its views point into the input;
 *   - the chunked decoder gives the same result, the same consumed count
 *     and the same body whether fed all at once or one byte at a time;
 *   - a mapped path is relative, has no ".." segment and no backslash;
 *   - a parsed date formats and parses back to the same time;
 *   - a satisfiable range lies inside the representation;
 *   - form pairs (urlencoded) cover the input exactly, and a decoded name
 *     or value is no longer than its encoding and holds no NUL.
 *
 * Build and run (from the repository root):
 *   mkdir -p build-fuzz && clang -std=c11 -D_GNU_SOURCE -g -O1 \
 *     -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *     fuzz/fuzz_http.c src/http/[a-z]*.c src/bytes/[a-z]*.c -o build-fuzz/fuzz_http
 *   build-fuzz/fuzz_http -max_total_time=30
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sg_http_request req;
static sg_http_response res;

static void inside(sg_http_str v, const char *buf, size_t len)
{
	/* A view is inside buf, or it is one of the parser's literals. */
	if (v.n == 0 || (v.n == 1 && v.p[0] == '/'))
		return;
	if (v.p < buf || v.p + v.n > buf + len)
		abort();
}

static void fuzz_request(const char *buf, size_t len)
{
	int r = sg_http_parse_request(buf, len, &req);
	if (r < 0 && (req.status < 400 || req.why == NULL))
		abort();
	if (r <= 0)
		return;
	if ((size_t)r > len || r > (int)SG_HTTP_MAX_HEAD || req.nfields > SG_HTTP_MAX_FIELDS)
		abort();
	inside(req.method_name, buf, (size_t)r);
	inside(req.target, buf, (size_t)r);
	inside(req.path, buf, (size_t)r);
	inside(req.host, buf, (size_t)r);
	for (uint32_t i = 0; i < req.nfields; i++) {
		inside(req.fields[i].name, buf, (size_t)r);
		inside(req.fields[i].value, buf, (size_t)r);
	}
	if (req.framing == SG_HTTP_BODY_LENGTH && req.content_length > (uint64_t)INT64_MAX)
		abort();
	char out[512];
	int m = sg_http_map_path(req.path.p, req.path.n, out, sizeof out);
	if (m >= 0) {
		if ((size_t)m != strlen(out) || out[0] == '/' || strchr(out, '\\') != NULL)
			abort();
		/* No ".." segment anywhere. */
		for (const char *s = out; *s; ) {
			const char *e = strchr(s, '/');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			if (n == 2 && s[0] == '.' && s[1] == '.')
				abort();
			s += n + (e != NULL);
		}
	}
	if (req.has_range) {
		uint64_t a, b, sz = (uint64_t)len * 1000;
		if (sg_http_parse_range(req.range.p, req.range.n, sz, &a, &b) == 1 &&
		    (a > b || b >= sz))
			abort();
	}
	/* The head alone parses to the same length. */
	int again = sg_http_parse_request(buf, (size_t)r, &req);
	if (again != r)
		abort();
}

static void form_decoded(sg_http_str v)
{
	char out[256];
	int m = sg_http_form_decode(v.p, v.n, out, sizeof out);
	if (m >= 0 && ((size_t)m > v.n || strlen(out) != (size_t)m))
		abort();
}

static void fuzz_form(const char *buf, size_t len)
{
	sg_http_str rest = { buf, len }, name, value;
	size_t seen = 0;
	while (sg_http_form_next(&rest, &name, &value)) {
		if (name.p < buf || value.p + value.n > buf + len || name.n + value.n >= len + 1)
			abort();
		seen += name.n + value.n;
		form_decoded(name);
		form_decoded(value);
	}
	if (rest.n != 0 || seen > len)
		abort();
}

static void fuzz_chunked(const char *buf, size_t len)
{
	sg_http_chunked a, b;
	sg_http_chunked_init(&a);
	sg_http_chunked_init(&b);
	size_t off_a = 0, off_b = 0;
	uint64_t sum_a = 0, sum_b = 0;
	int ra = 0, rb = 0;
	while (off_a < len) {
		size_t used, bl;
		const char *body;
		ra = sg_http_chunked_feed(&a, buf + off_a, len - off_a, &used, &body, &bl);
		if (used > len - off_a || (bl > 0 && (body < buf + off_a || body + bl > buf + off_a + used)))
			abort();
		for (size_t i = 0; i < bl; i++)
			sum_a = sum_a * 31 + (uint8_t)body[i];
		off_a += used;
		if (ra != 0)
			break;
		if (used == 0)
			abort();
	}
	while (off_b < len) {
		size_t used, bl;
		const char *body;
		rb = sg_http_chunked_feed(&b, buf + off_b, 1, &used, &body, &bl);
		for (size_t i = 0; i < bl; i++)
			sum_b = sum_b * 31 + (uint8_t)body[i];
		off_b += used;
		if (rb != 0)
			break;
		if (used != 1)
			abort();
	}
	if (ra != rb || sum_a != sum_b || a.total != b.total || (ra >= 0 && off_a != off_b))
		abort();
	if (ra < 0 && a.why == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	fuzz_request(buf, size);
	fuzz_chunked(buf, size);
	fuzz_form(buf, size);

	int r = sg_http_parse_response(buf, size, size > 0 && (data[0] & 1), &res);
	if (r > 0 && ((size_t)r > size || res.status < 100 || res.status > 599))
		abort();
	if (r < 0 && res.why == NULL)
		abort();

	int64_t t, t2;
	if (sg_http_date_parse(buf, size, &t)) {
		char d[SG_HTTP_DATE_LEN + 1];
		if (sg_http_date_format(t, d) != SG_HTTP_DATE_LEN || !sg_http_date_parse(d, SG_HTTP_DATE_LEN, &t2) || t2 != t)
			abort();
	}
	uint64_t a, b;
	uint64_t sz = size > 8 ? (uint64_t)data[size - 1] * 65536 : 100;
	int rr = sg_http_parse_range(buf, size, sz, &a, &b);
	if (rr == 1 && (a > b || b >= sz))
		abort();
	(void)sg_http_mime_type(buf, size);
	return 0;
}
