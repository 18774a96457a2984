/*
 * Tests of src/http: the request and response head parsers (every limit,
 * every refused construct, framing combinations that smuggle, heads fed
 * byte by byte, pipelined requests), the chunked decoder (bad sizes,
 * extensions, trailers, any split of the input), the head writer, path
 * mapping, media types, HTTP-dates, Range and form (urlencoded) decoding.
 */
#include <stdint.h>
#include <string.h>

#include "http/http.h"
#include "test.h"

static sg_http_request req;
static sg_http_response res;
static char big[40000];

static int parse(const char *s)
{
	return sg_http_parse_request(s, strlen(s), &req);
}

static bool str_is(sg_http_str v, const char *s)
{
	return v.n == strlen(s) && memcmp(v.p, s, v.n) == 0;
}

/* A request that must fail with `status`. */
#define BAD(s, st) do { \
	int r_ = parse(s); \
	CHECK_MSG(r_ == -1 && req.status == (st) && req.why != NULL, \
	          "%s: got %d status %u", #s, r_, req.status); \
} while (0)

/* A request that must parse completely. */
#define GOOD(s) do { \
	int r_ = parse(s); \
	CHECK_MSG(r_ == (int)strlen(s), "%s: got %d status %u (%s)", #s, r_, req.status, \
	          req.why ? req.why : ""); \
} while (0)

static void test_request_basic(void)
{
	const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com:8443\r\n"
	                "User-Agent: t\r\nAccept:   */*  \r\nEmpty:\r\n\r\n";
	GOOD(s);
	CHECK(req.method == SG_HTTP_GET && str_is(req.method_name, "GET"));
	CHECK(req.form == SG_HTTP_FORM_ORIGIN && str_is(req.path, "/index.html?x=1"));
	CHECK(str_is(req.target, "/index.html?x=1"));
	CHECK(str_is(req.host, "example.com:8443"));
	CHECK(req.version_minor == 1 && req.keep_alive && req.framing == SG_HTTP_BODY_NONE);
	CHECK(req.nfields == 4);
	sg_http_str v;
	CHECK(sg_http_header_get(req.fields, req.nfields, "accept", &v) && str_is(v, "*/*"));
	CHECK(sg_http_header_get(req.fields, req.nfields, "EMPTY", &v) && v.n == 0);
	CHECK(sg_http_header_get(req.fields, req.nfields, "user-agent", &v) && str_is(v, "t"));
	CHECK(!sg_http_header_get(req.fields, req.nfields, "cookie", &v));
	CHECK(!sg_http_header_get(req.fields, req.nfields, "accep", &v));

	/* Every method we implement. */
	static const char *const m[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH" };
	for (size_t i = 0; i < 7; i++) {
		char b[128];
		snprintf(b, sizeof b, "%s / HTTP/1.1\r\nHost: a\r\n\r\n", m[i]);
		GOOD(b);
		CHECK(req.method == (sg_http_method)(SG_HTTP_GET + (int)i));
	}
	/* Leading empty lines are skipped and counted (RFC 9112 2.2). */
	GOOD("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
	BAD("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	/* No fields at all is fine for 1.0. */
	GOOD("GET / HTTP/1.0\r\n\r\n");
	CHECK(req.version_minor == 0 && !req.keep_alive && req.host.n == 0);
	/* Empty Host is valid (RFC 9112 3.2). */
	GOOD("GET / HTTP/1.1\r\nHost:\r\n\r\n");
	GOOD("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n");
	GOOD("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	/* obs-text in a value is allowed by the grammar. */
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n");
}

static void test_request_line(void)
{
	BAD("get / HTTP/1.1\r\nHost: a\r\n\r\n", 501);      /* case-sensitive */
	BAD("FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501);
	BAD("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 405);
	BAD("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", 405);
	BAD("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400);
	BAD("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /\r\n\r\n", 400);                          /* HTTP/0.9 */
	BAD("GET\r\n\r\n", 400);
	CHECK(parse("\r\n\r\n") == 0);      /* only empty lines so far */
	BAD("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505);
	BAD("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
	BAD("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505);
	BAD("GET / http/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400);
	BAD("GET / HTTP/1\r\nHost: a\r\n\r\n", 400);
	BAD("GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400);
	/* Errors on the request-line are reported before the head ends. */
	BAD("GET / HTTP/1.2\r\nHost: a", 505);
	BAD("FOO / HTTP/1.1\r\n", 501);
	BAD("GET / HTTP/1.1\n", 400);
}

static void test_request_target(void)
{
	GOOD("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(req.form == SG_HTTP_FORM_ASTERISK && str_is(req.path, "*"));
	BAD("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("OPTIONS ** HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	GOOD("GET http://example.com/x?y HTTP/1.1\r\nHost: other\r\n\r\n");
	CHECK(req.form == SG_HTTP_FORM_ABSOLUTE && str_is(req.host, "example.com"));
	CHECK(str_is(req.path, "/x?y"));
	GOOD("GET HTTPS://example.com:8443 HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(str_is(req.host, "example.com:8443") && str_is(req.path, "/"));
	BAD("GET http://u@example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET http://a?q HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET http://a:8x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET http:/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a% HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a\"b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a<b> HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	BAD("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	static const char nul_target[] = "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n";
	CHECK(sg_http_parse_request(nul_target, sizeof nul_target - 1, &req) == -1 && req.status == 400);
	GOOD("GET /a%20b;c=d@e:f!$&'()*+,~ HTTP/1.1\r\nHost: a\r\n\r\n");
}

static void test_fields(void)
{
	BAD("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n  c\r\n\r\n", 400);   /* obs-fold */
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400);            /* bare LF */
	BAD("GET / HTTP/1.1\r\nHost: a\r\n\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\rc\r\n\r\n", 400);       /* lone CR */
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX b\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\x7f\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\x01\r\n\r\n", 400);
	static const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX: b\0c\r\n\r\n";
	CHECK(sg_http_parse_request(nul, sizeof nul - 1, &req) == -1 && req.status == 400);
	/* Host rules (RFC 9112 3.2). */
	BAD("GET / HTTP/1.1\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
	BAD("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a:99999x\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: []\r\n\r\n", 400);
	BAD("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400);
	/* Absolute-form still needs Host in 1.1. */
	BAD("GET http://a/ HTTP/1.1\r\n\r\n", 400);
	/* Expect. */
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n");
	CHECK(req.expect_continue && req.framing == SG_HTTP_BODY_LENGTH && req.content_length == 1);
	BAD("GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", 417);
	GOOD("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
	CHECK(!req.expect_continue);
}

static void test_framing(void)
{
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
	CHECK(req.framing == SG_HTTP_BODY_LENGTH && req.content_length == 5);
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
	CHECK(req.framing == SG_HTTP_BODY_LENGTH && req.content_length == 0);
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n");
	CHECK(req.content_length == 7);
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n");
	CHECK(req.content_length == 9223372036854775807ull);
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n");
	CHECK(req.content_length == 5);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00000000000000000001\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,6\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400);

	GOOD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
	CHECK(req.framing == SG_HTTP_BODY_CHUNKED);
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n");
	GOOD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n");
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400);
	/* Smuggling: both framings, in either order, and in HTTP/1.0. */
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n", 400);
	BAD("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n Content-Length: 5\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\nTransfer-Encoding: chunked\r\n\r\n", 400);
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0b" "chunked\r\n\r\n", 400);

	/* Connection semantics per version (RFC 9112 9.3). */
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	CHECK(!req.keep_alive);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n");
	CHECK(!req.keep_alive);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
	CHECK(req.keep_alive);
	GOOD("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	CHECK(req.keep_alive);
	GOOD("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n");
	CHECK(!req.keep_alive);
	GOOD("GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n");
	CHECK(!req.keep_alive);
}

static void test_conditionals(void)
{
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\n\r\n");
	CHECK(req.has_range && str_is(req.range, "bytes=0-9") && !req.has_if_range);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\nIf-Range: \"x\"\r\n\r\n");
	CHECK(req.has_range && req.has_if_range);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\nRange: bytes=1-2\r\n\r\n");
	CHECK(!req.has_range && req.range.n == 0);
	GOOD("HEAD / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\n\r\n");
	CHECK(!req.has_range);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
	CHECK(req.has_ims && req.if_modified_since == 784111777);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n\r\n");
	CHECK(req.has_ims && req.if_modified_since == 784111777);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: yesterday\r\n\r\n");
	CHECK(!req.has_ims);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	     "If-None-Match: \"e\"\r\n\r\n");
	CHECK(!req.has_ims);
	GOOD("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	     "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
	CHECK(!req.has_ims);
}

/* Fill big[] with a request head of exactly `total` bytes built from
 * `field` bytes per field line (CRLF included); returns total. */
static size_t make_head(size_t total, size_t field)
{
	static const char base[] = "GET / HTTP/1.1\r\nHost: a\r\n";
	size_t o = sizeof base - 1;
	memcpy(big, base, o);
	size_t left = total - o - 2;
	while (left > 0) {
		size_t f = left > field ? field : left;
		if (left > field && left - field < 5)
			f = left - 5;
		memcpy(big + o, "X: ", 3);
		memset(big + o + 3, 'v', f - 5);
		memcpy(big + o + f - 2, "\r\n", 2);
		o += f;
		left -= f;
	}
	memcpy(big + o, "\r\n", 2);
	return o + 2;
}

static void test_limits(void)
{
	int r;
	size_t n;
	/* Request-line of exactly 8192 bytes, then one more. */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t line = 8192 + extra;
		memcpy(big, "GET /", 5);
		memset(big + 5, 'a', line - 5 - 9);
		memcpy(big + line - 9, " HTTP/1.1\r\nHost: a\r\n\r\n", 22);
		r = sg_http_parse_request(big, line + 13, &req);
		if (extra == 0)
			CHECK_MSG(r == (int)line + 13, "8192-byte request-line: %d %u", r, req.status);
		else
			CHECK(r == -1 && req.status == 414);
	}
	/* Without any LF: 414 once 8194 bytes are there, not before. */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 9000);
	CHECK(sg_http_parse_request(big, 8193, &req) == 0);
	CHECK(sg_http_parse_request(big, 8194, &req) == -1 && req.status == 414);
	/* A field line of 8192 bytes, then 8193. */
	n = make_head(25 + 8194 + 2, 8194);
	CHECK(sg_http_parse_request(big, n, &req) == (int)n);
	n = make_head(25 + 8195 + 2, 8195);
	CHECK(sg_http_parse_request(big, n, &req) == -1 && req.status == 431);
	/* 8193 bytes then CR could still end in LF; 8194 without LF cannot. */
	CHECK(sg_http_parse_request(big, 25 + 8193, &req) == 0);
	CHECK(sg_http_parse_request(big, 25 + 8194, &req) == -1 && req.status == 431);
	/* Head of exactly 16384 bytes, then 16385. */
	n = make_head(16384, 8000);
	CHECK(n == 16384 && sg_http_parse_request(big, n, &req) == 16384);
	n = make_head(16385, 8000);
	CHECK(sg_http_parse_request(big, n, &req) == -1 && req.status == 431);
	CHECK(sg_http_parse_request(big, 16383, &req) == 0);
	/* A head that never ends: 431 at 16384 bytes. */
	n = make_head(30000, 300);
	CHECK(sg_http_parse_request(big, 16383, &req) == 0);
	CHECK(sg_http_parse_request(big, 16384, &req) == -1 && req.status == 431);
	/* Empty lines before the request-line count against the head. */
	for (size_t i = 0; i < 8200; i++)
		memcpy(big + 2 * i, "\r\n", 2);
	CHECK(sg_http_parse_request(big, 16400, &req) == -1 && req.status == 431);
	/* 100 fields, then 101 (Host is one of them). */
	n = make_head(25 + 99 * 8 + 2, 8);
	CHECK(sg_http_parse_request(big, n, &req) == (int)n && req.nfields == 100);
	n = make_head(25 + 100 * 8 + 2, 8);
	CHECK(sg_http_parse_request(big, n, &req) == -1 && req.status == 431);
}

static void test_incremental(void)
{
	/* Every strict prefix of a valid head needs more; the whole parses. */
	static const char s[] = "\r\nPOST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	                        "Connection: close\r\n\r\n";
	size_t n = sizeof s - 1;
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		if (sg_http_parse_request(s, i, &req) != 0)
			ok = false;
	CHECK(ok);
	CHECK(sg_http_parse_request(s, n, &req) == (int)n && !req.keep_alive);

	/* Byte by byte into a buffer that is only as long as received. */
	char buf[sizeof s];
	int r = 0;
	size_t i;
	for (i = 0; i < n && r == 0; i++) {
		buf[i] = s[i];
		r = sg_http_parse_request(buf, i + 1, &req);
	}
	CHECK(r == (int)n && i == n && req.content_length == 3);

	/* A bad byte is reported at its line end, not at the head end. */
	static const char bad[] = "GET / HTTP/1.1\r\nHost : a\r\nX: y\r\n\r\n";
	for (i = 0; i < 26; i++)
		if (sg_http_parse_request(bad, i, &req) != 0)
			break;
	CHECK(i == 26 && sg_http_parse_request(bad, 26, &req) == -1 && req.status == 400);
}

static void test_pipelined(void)
{
	static const char s[] =
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"
		"HEAD /c HTTP/1.0\r\n\r\n"
		"GET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
		"GET /e HTTP/1.1\r\nHo";
	static const char *const paths[] = { "/a", "/b", "/c", "/d" };
	size_t off = 0, n = sizeof s - 1;
	for (int k = 0; k < 4; k++) {
		int r = sg_http_parse_request(s + off, n - off, &req);
		CHECK_MSG(r > 0 && str_is(req.path, paths[k]), "request %d: %d", k, r);
		if (r <= 0)
			return;
		off += (size_t)r;
		if (req.framing == SG_HTTP_BODY_LENGTH)
			off += req.content_length;
		if (k == 1)
			CHECK(memcmp(s + off - 4, "body", 4) == 0);
		if (k == 2)
			CHECK(req.method == SG_HTTP_HEAD && !req.keep_alive);
		if (k == 3)
			CHECK(!req.keep_alive);
	}
	CHECK(sg_http_parse_request(s + off, n - off, &req) == 0);
}

/* Decode all of in with the input split every `step` bytes; the body is
 * appended to out.  Returns the last feed result. */
static int dechunk(const char *in, size_t n, size_t step, char *out, size_t *outlen,
                   size_t *used)
{
	sg_http_chunked c;
	sg_http_chunked_init(&c);
	size_t off = 0;
	int r = 0;
	*outlen = 0;
	while (off < n) {
		size_t lim = n - off < step ? n - off : step;
		size_t pos = 0;
		while (pos < lim) {
			size_t used1;
			const char *b;
			size_t bl;
			r = sg_http_chunked_feed(&c, in + off + pos, lim - pos, &used1, &b, &bl);
			if (bl > 0) {
				memcpy(out + *outlen, b, bl);
				*outlen += bl;
			}
			pos += used1;
			if (r != 0) {
				*used = off + pos;
				return r;
			}
			if (used1 == 0)
				return 99;      /* no progress: a bug */
		}
		off += lim;
	}
	*used = off;
	return r;
}

#define CHUNK_OK(s, body) do { \
	for (size_t st_ = 1; st_ <= sizeof(s); st_ += st_ < 4 ? 1 : 7) { \
		char o_[256]; size_t ol_, u_; \
		int r_ = dechunk(s, sizeof(s) - 1, st_, o_, &ol_, &u_); \
		CHECK_MSG(r_ == 1 && ol_ == strlen(body) && memcmp(o_, body, ol_) == 0, \
		          "%s step %zu: %d", #s, st_, r_); \
	} \
} while (0)

#define CHUNK_BAD(s) do { \
	for (size_t st_ = 1; st_ <= sizeof(s); st_ += st_ < 4 ? 1 : 7) { \
		char o_[256]; size_t ol_, u_; \
		int r_ = dechunk(s, sizeof(s) - 1, st_, o_, &ol_, &u_); \
		CHECK_MSG(r_ == -1, "%s step %zu: %d", #s, st_, r_); \
	} \
} while (0)

static void test_chunked(void)
{
	CHUNK_OK("5\r\nhello\r\n0\r\n\r\n", "hello");
	CHUNK_OK("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
	CHUNK_OK("A\r\n0123456789\r\n0\r\n\r\n", "0123456789");
	CHUNK_OK("a\r\n0123456789\r\n000\r\n\r\n", "0123456789");
	CHUNK_OK("0000000000000003\r\nabc\r\n0\r\n\r\n", "abc");
	CHUNK_OK("3;name=value;x=\"q s\"\r\nabc\r\n0;last\r\n\r\n", "abc");
	CHUNK_OK("3 ;x\r\nabc\r\n0\t ; y\r\n\r\n", "abc");
	CHUNK_OK("3\r\nabc\r\n0\r\nX-Sum: 1\r\nY:\r\n\r\n", "abc");
	CHUNK_OK("0\r\n\r\n", "");
	CHUNK_OK("2\r\n\r\n\r\n0\r\n\r\n", "\r\n");

	CHUNK_BAD("g\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("-3\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("+3\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("0x3\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD(" 3\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("00000000000000003\r\nabc\r\n0\r\n\r\n");        /* 17 digits */
	CHUNK_BAD("10000000000000000\r\n");                         /* 2^64 */
	CHUNK_BAD("3\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("3\rabc\r\n0\r\n\r\n");
	CHUNK_BAD("3\r\nabcd\r\n0\r\n\r\n");
	CHUNK_BAD("3\r\nab\r\n0\r\n\r\n");
	CHUNK_BAD("3\r\nabc\n0\r\n\r\n");
	CHUNK_BAD("3\r\nabc\r0\r\n\r\n");
	CHUNK_BAD("3 \r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("3 x\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("3x\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("3;a\x01\r\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("3;a\nabc\r\n0\r\n\r\n");
	CHUNK_BAD("3\r\nabc\r\n0\r\n\n");
	CHUNK_BAD("3\r\nabc\r\n0\r\n\r\r");
	CHUNK_BAD("0\r\n X: y\r\n\r\n");
	CHUNK_BAD("0\r\nX : y\r\n\r\n");
	CHUNK_BAD("0\r\nXy\r\n\r\n");
	CHUNK_BAD("0\r\n: y\r\n\r\n");
	CHUNK_BAD("0\r\nX: y\nZ: 1\r\n\r\n");
	CHUNK_BAD("0\r\nX: y\x7f\r\n\r\n");
	CHUNK_BAD("0\r\nX: y\r\n\tz\r\n\r\n");

	/* Limits: 1024 bytes of chunk-ext, 8192 a trailer line, 16384 of
	 * trailers, 100 trailer fields. */
	sg_http_chunked c;
	const char *b;
	size_t bl, used;
	static char s[40000];
	for (int over = 0; over < 2; over++) {
		size_t o = 0;
		s[o++] = '1';
		s[o++] = ';';
		memset(s + o, 'e', 1023 + (size_t)over);
		o += 1023 + (size_t)over;
		memcpy(s + o, "\r\nx\r\n0\r\n\r\n", 10);
		o += 10;
		char out[8];
		size_t ol;
		int r = dechunk(s, o, o, out, &ol, &used);
		CHECK_MSG(over ? r == -1 : (r == 1 && ol == 1 && out[0] == 'x'), "ext %d: %d", over, r);
	}
	for (int over = 0; over < 2; over++) {
		size_t o = 0;
		memcpy(s, "0\r\nX: ", 6);
		o = 6;
		memset(s + o, 'v', 8192 - 3 + (size_t)over);
		o += 8192 - 3 + (size_t)over;
		memcpy(s + o, "\r\n\r\n", 4);
		o += 4;
		char out[8];
		size_t ol;
		int r = dechunk(s, o, 1000, out, &ol, &used);
		CHECK_MSG(over ? r == -1 : r == 1, "trailer line %d: %d", over, r);
	}
	{
		/* Three trailer lines of 6000 bytes: over 16384 in all. */
		size_t o = 3;
		memcpy(s, "0\r\n", 3);
		for (int k = 0; k < 3; k++) {
			memcpy(s + o, "X: ", 3);
			memset(s + o + 3, 'v', 5995);
			memcpy(s + o + 5998, "\r\n", 2);
			o += 6000;
		}
		memcpy(s + o, "\r\n", 2);
		o += 2;
		char out[8];
		size_t ol;
		CHECK(dechunk(s, o, 4096, out, &ol, &used) == -1);
	}
	for (int over = 0; over < 2; over++) {
		size_t o = 3;
		memcpy(s, "0\r\n", 3);
		for (int k = 0; k < 100 + over; k++) {
			memcpy(s + o, "T: 1\r\n", 6);
			o += 6;
		}
		memcpy(s + o, "\r\n", 2);
		o += 2;
		char out[8];
		size_t ol;
		int r = dechunk(s, o, 7, out, &ol, &used);
		CHECK_MSG(over ? r == -1 : r == 1, "trailers %d: %d", over, r);
	}

	/* A 16-digit size is accepted and data flows without overflow. */
	sg_http_chunked_init(&c);
	CHECK(sg_http_chunked_feed(&c, "ffffffffffffffff\r\nab", 20, &used, &b, &bl) == 0 &&
	      used == 20 && bl == 2 && c.total == 2);
	CHECK(c.remaining == UINT64_MAX - 2);
	CHECK(sg_http_chunked_feed(&c, "cde", 3, &used, &b, &bl) == 0 && bl == 3 && c.total == 5);

	/* The next message starts right after the final CRLF; after the
	 * end the decoder stays done, after an error it stays failed. */
	static const char two[] = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	char out[8];
	size_t ol;
	CHECK(dechunk(two, sizeof two - 1, sizeof two, out, &ol, &used) == 1 && used == 13);
	sg_http_chunked_init(&c);
	CHECK(sg_http_chunked_feed(&c, "0\r\n\r\n", 5, &used, &b, &bl) == 1 && used == 5);
	CHECK(sg_http_chunked_feed(&c, "x", 1, &used, &b, &bl) == 1 && used == 0 && bl == 0);
	sg_http_chunked_init(&c);
	CHECK(sg_http_chunked_feed(&c, "z", 1, &used, &b, &bl) == -1 && c.why != NULL);
	CHECK(sg_http_chunked_feed(&c, "0\r\n\r\n", 5, &used, &b, &bl) == -1);
	/* Data is reported as one span pointing into the input. */
	static const char one[] = "5\r\nhello\r\n";
	sg_http_chunked_init(&c);
	CHECK(sg_http_chunked_feed(&c, one, sizeof one - 1, &used, &b, &bl) == 0);
	CHECK(used == 8 && b == one + 3 && bl == 5);
	CHECK(sg_http_chunked_feed(&c, one + 8, 2, &used, &b, &bl) == 0 && used == 2 && bl == 0);
	CHECK(sg_http_chunked_feed(&c, "", 0, &used, &b, &bl) == 0 && used == 0);
}

static int resp(const char *s, bool head)
{
	return sg_http_parse_response(s, strlen(s), head, &res);
}

static void test_response(void)
{
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nServer: x\r\n\r\nabc";
	CHECK(resp(s, false) == (int)strlen(s) - 3);
	CHECK(res.status == 200 && str_is(res.reason, "OK") && res.framing == SG_HTTP_BODY_LENGTH);
	CHECK(res.content_length == 3 && res.keep_alive && !res.interim && res.nfields == 2);
	CHECK(resp(s, true) > 0 && res.framing == SG_HTTP_BODY_NONE);
	CHECK(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false) > 0 &&
	      res.framing == SG_HTTP_BODY_CHUNKED);
	CHECK(resp("HTTP/1.1 200 OK\r\n\r\n", false) > 0 && res.framing == SG_HTTP_BODY_CLOSE &&
	      !res.keep_alive);
	CHECK(resp("HTTP/1.0 200 ok\r\nContent-Length: 1\r\n\r\n", false) > 0 && !res.keep_alive);
	CHECK(resp("HTTP/1.0 200 ok\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n",
	           false) > 0 && res.keep_alive);
	CHECK(resp("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", false) > 0 &&
	      !res.keep_alive && res.framing == SG_HTTP_BODY_LENGTH);
	CHECK(resp("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false) > 0 &&
	      res.framing == SG_HTTP_BODY_NONE && res.keep_alive);
	CHECK(resp("HTTP/1.1 304 Not Modified\r\n\r\n", false) > 0 && res.framing == SG_HTTP_BODY_NONE);
	CHECK(resp("HTTP/1.1 404 \r\n\r\n", false) > 0 && res.reason.n == 0 && res.status == 404);
	/* 1xx, then the final response in the same buffer. */
	static const char two[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	int r = sg_http_parse_response(two, sizeof two - 1, false, &res);
	CHECK(r == 25 && res.interim && res.status == 100 && res.framing == SG_HTTP_BODY_NONE);
	CHECK(sg_http_parse_response(two + r, sizeof two - 1 - (size_t)r, false, &res) > 0 &&
	      res.status == 201 && !res.interim && res.framing == SG_HTTP_BODY_LENGTH);
	/* Incomplete, byte by byte. */
	bool ok = true;
	for (size_t i = 0; i < strlen(s) - 3; i++)
		if (sg_http_parse_response(s, i, false, &res) != 0)
			ok = false;
	CHECK(ok);

	static const char *const bad[] = {
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		"HTTP/1.1 200\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 600 X\r\n\r\n",
		"HTTP/1.1 099 X\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.2 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\n\r\n",
		"HTTP/1.1 200 OK\r\nX: y\n\r\n",
		"HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: -1\r\n\r\n",
		/* What sigil serve's proxy must never pass on (RFC 9112 6.1,
		 * 6.3, 5.2): chunked twice, a length past 2^64, a sign, a
		 * length list of differing values, obs-fold with a tab, a NUL,
		 * a field without a colon, a space before the status line. */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: y\r\n\tz\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		" HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = resp(bad[i], false);
		CHECK_MSG(r == -1 && res.why != NULL, "bad response %zu: %d", i, r);
	}
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	CHECK(sg_http_parse_response(nul, sizeof nul - 1, false, &res) == -1);
	/* A response head over 16384 bytes. */
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	for (size_t i = 17; i + 200 <= 17017; i += 200) {
		memcpy(big + i, "X: ", 3);
		memset(big + i + 3, 'v', 195);
		memcpy(big + i + 198, "\r\n", 2);
	}
	CHECK(sg_http_parse_response(big, 16383, false, &res) == 0);
	CHECK(sg_http_parse_response(big, 17000, false, &res) == -1);
}

static void test_writer(void)
{
	uint8_t buf[512];
	sg_wr w;
	sg_http_header f[2] = {
		{ { "Content-Length", 14 }, { "3", 1 } },
		{ { "Content-Type", 12 }, { "text/plain; charset=utf-8", 25 } },
	};
	static const char want[] =
		"HTTP/1.1 404 Not Found\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: sigil\r\n"
		"Content-Length: 3\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
	sg_wr_init_fixed(&w, buf, sizeof buf);
	CHECK(sg_http_write_response_head(&w, 404, 784111777, f, 2));
	CHECK(w.len == sizeof want - 1 && memcmp(buf, want, w.len) == 0);
	/* Round trip through the client parser. */
	CHECK(sg_http_parse_response((const char *)buf, w.len, false, &res) == (int)w.len &&
	      res.status == 404 && res.content_length == 3 && res.nfields == 4);

	sg_http_header inj = { { "X", 1 }, { "a\r\nSet-Cookie: x", 16 } };
	sg_wr_init_fixed(&w, buf, sizeof buf);
	CHECK(!sg_http_write_response_head(&w, 200, 0, &inj, 1) && w.len == 0);
	sg_http_header lf = { { "X", 1 }, { "a\nb", 3 } };
	CHECK(!sg_http_write_response_head(&w, 200, 0, &lf, 1));
	sg_http_header nul = { { "X", 1 }, { "a\0b", 3 } };
	CHECK(!sg_http_write_response_head(&w, 200, 0, &nul, 1));
	sg_http_header name = { { "X Y", 3 }, { "a", 1 } };
	CHECK(!sg_http_write_response_head(&w, 200, 0, &name, 1));
	sg_http_header colon = { { "X:", 2 }, { "a", 1 } };
	CHECK(!sg_http_write_response_head(&w, 200, 0, &colon, 1));
	sg_http_header empty = { { "", 0 }, { "a", 1 } };
	CHECK(!sg_http_write_response_head(&w, 200, 0, &empty, 1));
	CHECK(!sg_http_write_response_head(&w, 99, 0, NULL, 0));
	CHECK(!sg_http_write_response_head(&w, 600, 0, NULL, 0));
	CHECK(!sg_http_write_response_head(&w, 200, INT64_MAX, NULL, 0));
	sg_wr_init_fixed(&w, buf, 40);
	CHECK(!sg_http_write_response_head(&w, 200, 0, NULL, 0));
	sg_wr_init_fixed(&w, buf, sizeof buf);
	CHECK(sg_http_write_response_head(&w, 299, 0, NULL, 0) &&
	      memcmp(buf, "HTTP/1.1 299 Unknown\r\n", 22) == 0);
	CHECK(strcmp(sg_http_reason(431), "Request Header Fields Too Large") == 0);
	CHECK(strcmp(sg_http_reason(416), "Range Not Satisfiable") == 0);
	/* Every status sigil serve sends has its registered phrase (RFC
	 * 9110 15): serve writes its heads with this writer only. */
	static const uint16_t sent[] = { 200, 206, 301, 304, 400, 403, 404, 405, 408, 413, 414,
	                                 416, 417, 431, 500, 501, 503, 505 };
	for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
		CHECK_MSG(strcmp(sg_http_reason(sent[i]), "Unknown") != 0, "no phrase for %u", sent[i]);
	CHECK(strcmp(sg_http_reason(417), "Expectation Failed") == 0);
}

static void test_map_path(void)
{
	static const struct {
		const char *in;
		const char *out;    /* NULL: refused */
	} t[] = {
		{ "/", "." },
		{ "/index.html", "index.html" },
		{ "/a/b/c.txt", "a/b/c.txt" },
		{ "/a/", "a/" },
		{ "//a//b//", "a/b/" },
		{ "////", "." },
		{ "/a?x=../../etc", "a" },
		{ "/?q", "." },
		{ "/a#f", "a" },
		{ "/./a/./b/.", "a/b/" },
		{ "/.", "." },
		{ "/a%20b", "a b" },
		{ "/%41%62c", "Abc" },
		{ "/caf%C3%A9", "caf\xc3\xa9" },
		{ "/...", "..." },
		{ "/..a/b..", "..a/b.." },
		{ "/.hidden", ".hidden" },
		{ "/a%3Fb", "a?b" },
		{ "/%2E", "." },
		{ "/..", NULL },
		{ "/../etc/passwd", NULL },
		{ "/a/../../etc", NULL },
		{ "/a/..", NULL },
		{ "/a/../b", NULL },
		{ "/%2e%2e/x", NULL },
		{ "/%2E%2E", NULL },
		{ "/.%2e/x", NULL },
		{ "/a%2Fb", NULL },
		{ "/a%2fb", NULL },
		{ "/..%2F..%2Fetc", NULL },
		{ "/a%5Cb", NULL },
		{ "/a\\b", NULL },
		{ "/..\\x", NULL },
		{ "/a%00b", NULL },
		{ "/a%0Ab", NULL },
		{ "/a%7F", NULL },
		{ "/a%", NULL },
		{ "/a%4", NULL },
		{ "/a%4g", NULL },
		{ "/a%%41", NULL },
		{ "a/b", NULL },
		{ "", NULL },
		{ "*", NULL },
		{ "http://x/a", NULL },
	};
	char out[64];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int r = sg_http_map_path(t[i].in, strlen(t[i].in), out, sizeof out);
		if (t[i].out == NULL)
			CHECK_MSG(r == -1, "%s: %d %s", t[i].in, r, r >= 0 ? out : "");
		else
			CHECK_MSG(r == (int)strlen(t[i].out) && strcmp(out, t[i].out) == 0,
			          "%s: %d %s", t[i].in, r, r >= 0 ? out : "");
	}
	/* Capacity: the NUL must fit. */
	CHECK(sg_http_map_path("/abc", 4, out, 4) == 3 && strcmp(out, "abc") == 0);
	CHECK(sg_http_map_path("/abc", 4, out, 3) == -1);
	CHECK(sg_http_map_path("/ab/", 4, out, 3) == -1);
	CHECK(sg_http_map_path("/ab/", 4, out, 4) == 3 && strcmp(out, "ab/") == 0);
	CHECK(sg_http_map_path("/a/b", 4, out, 4) == 3);
	CHECK(sg_http_map_path("/a/b", 4, out, 3) == -1);
	CHECK(sg_http_map_path("/", 1, out, 1) == -1);
	CHECK(sg_http_map_path("/", 1, out, 2) == 1);
	/* The length bounds the input: no read past it. */
	CHECK(sg_http_map_path("/ab%41", 4, out, sizeof out) == -1);
	CHECK(sg_http_map_path("/abcd", 3, out, sizeof out) == 2 && strcmp(out, "ab") == 0);
	/* Through the parser: the path of an absolute-form target. */
	GOOD("GET http://h/x/y.css?v=1 HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK(sg_http_map_path(req.path.p, req.path.n, out, sizeof out) == 7 &&
	      strcmp(out, "x/y.css") == 0);
}

static void test_mime(void)
{
	static const struct {
		const char *name;
		const char *type;
	} t[] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "A.HTML", "text/html; charset=utf-8" },
		{ "s.css", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "d.json", "application/json" },
		{ "r.txt", "text/plain; charset=utf-8" },
		{ "i.png", "image/png" },
		{ "i.jpg", "image/jpeg" },
		{ "i.jpeg", "image/jpeg" },
		{ "i.gif", "image/gif" },
		{ "i.svg", "image/svg+xml" },
		{ "favicon.ico", "image/vnd.microsoft.icon" },
		{ "m.wasm", "application/wasm" },
		{ "doc.pdf", "application/pdf" },
		{ "f.woff2", "font/woff2" },
		{ "dir/x.tar.gz", "application/octet-stream" },
		{ "README", "application/octet-stream" },
		{ "dir.html/README", "application/octet-stream" },
		{ "x.", "application/octet-stream" },
		{ "x.htmlx", "application/octet-stream" },
		{ "x.woff", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK_MSG(strcmp(sg_http_mime_type(t[i].name, strlen(t[i].name)), t[i].type) == 0,
		          "%s", t[i].name);
	CHECK(strcmp(sg_http_mime_type("a.html", 4), "application/octet-stream") == 0);
}

static void test_dates(void)
{
	char d[SG_HTTP_DATE_LEN + 1];
	static const struct {
		int64_t t;
		const char *s;
	} t[] = {
		{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
		{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
		{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
		{ 951868799, "Tue, 29 Feb 2000 23:59:59 GMT" },
		{ 4107542400, "Mon, 01 Mar 2100 00:00:00 GMT" },
		{ -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
		{ -86400, "Wed, 31 Dec 1969 00:00:00 GMT" },
		{ -62135596800LL, "Mon, 01 Jan 0001 00:00:00 GMT" },
		{ 253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
		{ 1798761600, "Fri, 01 Jan 2027 00:00:00 GMT" },
	};
	int64_t v;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK_MSG(sg_http_date_format(t[i].t, d) == 29 && strcmp(d, t[i].s) == 0,
		          "%lld: %s", (long long)t[i].t, d);
		CHECK_MSG(sg_http_date_parse(t[i].s, 29, &v) && v == t[i].t, "%s", t[i].s);
	}
	CHECK(sg_http_date_format(253402300800LL, d) == 0);
	CHECK(sg_http_date_format(-62135596801LL, d) == 0);
	CHECK(sg_http_date_format(INT64_MIN, d) == 0);
	/* Round trip across leap years and day boundaries. */
	bool ok = true;
	for (int64_t x = -5000000000LL; x < 10000000000LL; x += 7777777) {
		if (sg_http_date_format(x, d) != 29 || !sg_http_date_parse(d, 29, &v) || v != x)
			ok = false;
	}
	CHECK(ok);

	/* The two obsolete forms (RFC 9110 5.6.7). */
	CHECK(sg_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, &v) && v == 784111777);
	CHECK(sg_http_date_parse("Sun Nov  6 08:49:37 1994", 24, &v) && v == 784111777);
	CHECK(sg_http_date_parse("Sun Nov 16 08:49:37 1994", 24, &v) && v == 784111777 + 864000);
	CHECK(sg_http_date_parse("Thursday, 01-Jan-70 00:00:00 GMT", 32, &v) && v == 0);
	CHECK(sg_http_date_parse("Friday, 01-Jan-27 00:00:00 GMT", 30, &v) && v == 1798761600);
	CHECK(sg_http_date_parse("Sun, 06 Nov 1994 08:49:60 GMT", 29, &v) && v == 784111800);
	static const char *const bad[] = {
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 31 Feb 1994 08:49:37 GMT",
		"Sun, 29 Feb 1900 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 32 Jan 1994 08:49:37 GMT",
		"Sun, 06 Nov 0000 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun, 06 Nov 19x4 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08-49-37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sunday, 06 Nov 94 08:49:37 GMT",
		"Sundae, 06-Nov-94 08:49:37 GMT",
		"Sun Nov 6 08:49:37 1994",
		"Sun Nov  6 08:49:37 94",
		"Sun Nov 06 08:49:37 1994 ",
		"",
		"Sun",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(!sg_http_date_parse(bad[i], strlen(bad[i]), &v), "%s", bad[i]);
	CHECK(sg_http_date_parse("Sunday, 06-Nov-69 08:49:37 GMT", 30, &v) && v > 3000000000LL);
}

static void test_range(void)
{
	static const struct {
		const char *s;
		uint64_t size;
		int r;
		uint64_t first, last;
	} t[] = {
		{ "bytes=0-9", 100, 1, 0, 9 },
		{ "bytes=10-", 100, 1, 10, 99 },
		{ "bytes=-10", 100, 1, 90, 99 },
		{ "bytes=-1000", 100, 1, 0, 99 },
		{ "bytes=0-1000", 100, 1, 0, 99 },
		{ "bytes=99-99", 100, 1, 99, 99 },
		{ "BYTES=5-5", 100, 1, 5, 5 },
		{ "bytes= 1-2 ", 100, 1, 1, 2 },
		{ "bytes=0-18446744073709551615", 100, 1, 0, 99 },
		{ "bytes=0-99999999999999999999999", 100, 1, 0, 99 },
		{ "bytes=100-", 100, -1, 0, 0 },
		{ "bytes=100-200", 100, -1, 0, 0 },
		{ "bytes=99999999999999999999999-", 100, -1, 0, 0 },
		{ "bytes=-0", 100, -1, 0, 0 },
		{ "bytes=0-0", 0, 0, 0, 0 },
		{ "bytes=-5", 0, 0, 0, 0 },
		{ "bytes=5-4", 100, 0, 0, 0 },
		{ "bytes=0-1,2-3", 100, 0, 0, 0 },
		{ "bytes=0-1,", 100, 0, 0, 0 },
		{ "bytes=", 100, 0, 0, 0 },
		{ "bytes=-", 100, 0, 0, 0 },
		{ "bytes=a-b", 100, 0, 0, 0 },
		{ "bytes=1", 100, 0, 0, 0 },
		{ "bytes=1-2-3", 100, 0, 0, 0 },
		{ "bytes=--1", 100, 0, 0, 0 },
		{ "bytes=+1-2", 100, 0, 0, 0 },
		{ "bytes = 0-1", 100, 0, 0, 0 },
		{ "items=0-1", 100, 0, 0, 0 },
		{ "bytes", 100, 0, 0, 0 },
		{ "", 100, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t a = 7, b = 7;
		int r = sg_http_parse_range(t[i].s, strlen(t[i].s), t[i].size, &a, &b);
		CHECK_MSG(r == t[i].r && (r != 1 || (a == t[i].first && b == t[i].last)),
		          "%s: %d %llu-%llu", t[i].s, r, (unsigned long long)a, (unsigned long long)b);
	}
}

/* application/x-www-form-urlencoded: splitting and strict decoding. */
static void test_form(void)
{
	static const char body[] = "item=pen&&qty=2&flag&x=a=b&=v&amount=12.50&";
	sg_http_str rest = { body, strlen(body) }, name, value;
	static const char *const want[][2] = {
		{ "item", "pen" }, { "qty", "2" }, { "flag", "" }, { "x", "a=b" },
		{ "", "v" }, { "amount", "12.50" },
	};
	size_t k = 0;
	while (sg_http_form_next(&rest, &name, &value)) {
		CHECK_MSG(k < 6 && str_is(name, want[k][0]) && str_is(value, want[k][1]),
		          "pair %zu: %.*s=%.*s", k, (int)name.n, name.p, (int)value.n, value.p);
		k++;
	}
	CHECK(k == 6 && rest.n == 0);
	sg_http_str none = { "&&&", 3 };
	CHECK(!sg_http_form_next(&none, &name, &value));
	sg_http_str empty = { "", 0 };
	CHECK(!sg_http_form_next(&empty, &name, &value));

	static const struct {
		const char *in;
		const char *out;    /* NULL: refused */
	} t[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "a+b", "a b" },
		{ "%2B", "+" },
		{ "%2b%2F%3d", "+/=" },
		{ "caf%C3%A9", "caf\xc3\xa9" },
		{ "%3Cscript%3E", "<script>" },
		{ "line%0D%0Anext", "line\r\nnext" },
		{ "100%", NULL },
		{ "100%2", NULL },
		{ "%zz", NULL },
		{ "%g0", NULL },
		{ "%00", NULL },
		{ "a b", NULL },
		{ "a\tb", NULL },
		{ "a\nb", NULL },
		{ "a\x7f", NULL },
		{ "caf\xc3\xa9", NULL },
	};
	char out[32];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int r = sg_http_form_decode(t[i].in, strlen(t[i].in), out, sizeof out);
		if (t[i].out)
			CHECK_MSG(r == (int)strlen(t[i].out) && strcmp(out, t[i].out) == 0, "%s: %d", t[i].in, r);
		else
			CHECK_MSG(r == -1, "%s: %d, want refused", t[i].in, r);
	}
	/* The output must hold the result and its NUL. */
	CHECK(sg_http_form_decode("abcd", 4, out, 5) == 4 && strcmp(out, "abcd") == 0);
	CHECK(sg_http_form_decode("abcd", 4, out, 4) == -1);
	CHECK(sg_http_form_decode("%41%42", 6, out, 3) == 2 && strcmp(out, "AB") == 0);
	CHECK(sg_http_form_decode("%41%42", 6, out, 2) == -1);
	CHECK(sg_http_form_decode("", 0, out, 1) == 0 && out[0] == 0);
	CHECK(sg_http_form_decode("", 0, out, 0) == -1);
	/* A NUL inside the input is a raw control byte. */
	CHECK(sg_http_form_decode("a\0b", 3, out, sizeof out) == -1);
}

int main(void)
{
	test_request_basic();
	test_request_line();
	test_request_target();
	test_fields();
	test_framing();
	test_conditionals();
	test_limits();
	test_incremental();
	test_pipelined();
	test_chunked();
	test_response();
	test_writer();
	test_map_path();
	test_mime();
	test_dates();
	test_range();
	test_form();
	return TEST_END();
}
