/*
 * Strict HTTP/1.1 codec for `sigil serve` and `sigil get` (RFC 9110,
 * RFC 9112).  No I/O and no allocation: the parsers return views
 * (sg_http_str) into the caller's buffer, which must outlive them.
 *
 * Strictness is deliberate.  Where RFC 9112 lets a recipient either
 * tolerate or reject a dubious construct (bare LF, obs-fold, whitespace
 * before the colon, Content-Length with Transfer-Encoding, ...), these
 * parsers reject it, because every tolerance is a place where two parsers
 * on the path can disagree about message framing (request smuggling).
 *
 * Conventions: lengths are size_t; parsers that can need more input
 * return 0 for "incomplete", which is not failure; every failure leaves a
 * sentence in `why` (a static string, never NULL after a failure).
 */
#ifndef SG_HTTP_H
#define SG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes/bytes.h"

/* Limits on what an untrusted peer controls (DESIGN.md, security rules). */
#define SG_HTTP_MAX_REQUEST_LINE 8192u   /* request-line, CRLF excluded */
#define SG_HTTP_MAX_FIELD_LINE   8192u   /* one field line, CRLF excluded */
#define SG_HTTP_MAX_HEAD         16384u  /* whole head, final CRLF included */
#define SG_HTTP_MAX_FIELDS       100u
#define SG_HTTP_MAX_CHUNK_DIGITS 16u     /* hex digits of a chunk-size */
#define SG_HTTP_MAX_CHUNK_EXT    1024u   /* bytes of chunk-ext on one line */
#define SG_HTTP_MAX_TRAILER      16384u  /* whole trailer section */
#define SG_HTTP_MAX_TRAILERS     100u
/* Length of an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT". */
#define SG_HTTP_DATE_LEN         29u

/* A view {p, n} into someone else's bytes; not NUL-terminated. */
typedef struct sg_http_str {
	const char *p;
	size_t n;
} sg_http_str;

typedef struct sg_http_header {
	sg_http_str name;   /* a token, case as received */
	sg_http_str value;  /* leading and trailing OWS removed */
} sg_http_header;

typedef enum sg_http_method {
	SG_HTTP_GET = 1,
	SG_HTTP_HEAD,
	SG_HTTP_POST,
	SG_HTTP_PUT,
	SG_HTTP_DELETE,
	SG_HTTP_OPTIONS,
	SG_HTTP_PATCH,
} sg_http_method;

typedef enum sg_http_form {
	SG_HTTP_FORM_ORIGIN = 1,    /* "/path?query" */
	SG_HTTP_FORM_ABSOLUTE,      /* "http://host/path?query" */
	SG_HTTP_FORM_ASTERISK,      /* "*", OPTIONS only */
} sg_http_form;

/* How the message body is delimited (RFC 9112 6.3). */
typedef enum sg_http_framing {
	SG_HTTP_BODY_NONE = 0,      /* no body at all */
	SG_HTTP_BODY_LENGTH,        /* exactly content_length bytes */
	SG_HTTP_BODY_CHUNKED,       /* feed it to sg_http_chunked */
	SG_HTTP_BODY_CLOSE,         /* until the connection closes (responses) */
} sg_http_framing;

typedef struct sg_http_request {
	sg_http_method method;
	sg_http_str method_name;
	sg_http_form form;
	sg_http_str target;         /* the request-target as received */
	/* The path and query to map with sg_http_map_path: the target for
	 * origin-form, the part after the authority for absolute-form (a
	 * static "/" when that is empty), "*" for asterisk-form. */
	sg_http_str path;
	/* The authority the request is for: the target's authority for
	 * absolute-form (RFC 9112 3.2.2 says to ignore Host then), otherwise
	 * the Host field (may be empty; n == 0 with HTTP/1.0 and no Host). */
	sg_http_str host;
	uint8_t version_minor;      /* HTTP/1.<minor>, 0 or 1 */
	sg_http_header fields[SG_HTTP_MAX_FIELDS];
	uint32_t nfields;
	sg_http_framing framing;    /* NONE, LENGTH or CHUNKED */
	uint64_t content_length;    /* when framing == LENGTH */
	/* Whether the connection may carry another request after this one
	 * (RFC 9112 9.3).  A server MUST still close after any error reply. */
	bool keep_alive;
	bool expect_continue;       /* "Expect: 100-continue" in HTTP/1.1 */
	bool has_range;             /* GET with exactly one Range field: range */
	sg_http_str range;
	bool has_if_range;          /* If-Range present: see sg_http_parse_range */
	/* A valid If-Modified-Since (seconds since the epoch); cleared when
	 * If-None-Match is present (RFC 9110 13.1.3). */
	bool has_ims;
	int64_t if_modified_since;
	/* After -1: the status to answer with and a sentence for the log. */
	uint16_t status;
	const char *why;
} sg_http_request;

/*
 * Parse a request head (request-line, field lines, empty line) at the
 * start of buf[0..len).  Returns the head length when complete (the body,
 * or the next pipelined request, starts at buf + result), 0 when more
 * bytes are needed, and -1 on error with req->status and req->why set:
 * 400 malformed, 405 a method this server never allows (CONNECT, TRACE),
 * 501 an unknown method or transfer coding, 414 request-line too long,
 * 417 an unknown expectation, 431 a field line, the head or the field
 * count over its limit, 505 an HTTP version other than 1.0 and 1.1.
 * Errors are reported as soon as the bytes that prove them arrive.
 * Parsing restarts from buf[0] at every call: call again only when new
 * bytes arrived (a head is at most SG_HTTP_MAX_HEAD bytes).
 * The views in req point into buf.
 */
int sg_http_parse_request(const char *buf, size_t len, sg_http_request *req) SG_MUST_CHECK;

typedef struct sg_http_response {
	uint8_t version_minor;
	uint16_t status;
	sg_http_str reason;
	sg_http_header fields[SG_HTTP_MAX_FIELDS];
	uint32_t nfields;
	/* An informational (1xx) response: no body; the final response
	 * follows it on the same connection, parse again after it. */
	bool interim;
	sg_http_framing framing;
	uint64_t content_length;    /* when framing == LENGTH */
	bool keep_alive;
	const char *why;            /* after -1 */
} sg_http_response;

/*
 * Parse a response head at the start of buf[0..len) for a request whose
 * method was HEAD when head_request (its response has no body whatever
 * the fields say, RFC 9110 9.3.2).  Returns as sg_http_parse_request:
 * head length, 0 for more, -1 with res->why.  Framing follows RFC 9112
 * 6.3: 1xx, 204 and 304 have no body; chunked; Content-Length; otherwise
 * close-delimited.  A 101 is refused (we never ask to upgrade), and so is
 * any response with both Content-Length and Transfer-Encoding.
 */
int sg_http_parse_response(const char *buf, size_t len, bool head_request,
                           sg_http_response *res) SG_MUST_CHECK;

/*
 * First field named `name` (ASCII case-insensitive) among fields[0..n):
 * true and *value set when present.  Fields that may legally repeat are
 * lists; a caller that needs all of them walks the array itself.
 */
bool sg_http_header_get(const sg_http_header *fields, size_t n, const char *name,
                        sg_http_str *value);

/*
 * Incremental chunked body decoder (RFC 9112 7.1).  The state is a few
 * words, the input can be split anywhere, and the decoded body is never
 * copied: each call reports one span of body bytes inside the input.
 */
typedef struct sg_http_chunked {
	uint8_t state;
	uint8_t digits;             /* hex digits of the current chunk-size */
	uint64_t remaining;         /* data bytes left in the current chunk */
	uint64_t total;             /* body bytes decoded so far */
	uint32_t ext_len;           /* chunk-ext bytes on the current line */
	uint32_t line_len;          /* bytes on the current trailer line */
	uint32_t trailer_len;       /* bytes of the trailer section so far */
	uint32_t trailers;          /* trailer fields so far */
	const char *why;            /* after -1 */
} sg_http_chunked;

void sg_http_chunked_init(sg_http_chunked *c);

/*
 * Decode from in[0..len).  *consumed gets how many input bytes were used
 * and *body / *body_len one span of decoded body bytes inside in (body_len
 * may be 0).  Returns 1 when the last chunk and the trailer section have
 * been consumed (the next message starts at in + *consumed), 0 when the
 * caller should call again with the bytes after *consumed (or with new
 * bytes once those are used up), -1 on malformed input with c->why.
 * Every call with len > 0 that returns 0 consumes at least one byte.
 * Trailer fields are checked for syntax and skipped.  The decoder sets no
 * limit on the body size: compare c->total with yours.
 */
int sg_http_chunked_feed(sg_http_chunked *c, const char *in, size_t len, size_t *consumed,
                         const char **body, size_t *body_len) SG_MUST_CHECK;

/* The standard reason phrase of a status code ("OK"), "Unknown" if none. */
const char *sg_http_reason(uint16_t status);

/*
 * Append a response head for HTTP/1.1 to w: the status line, Date (from
 * now, seconds since the epoch), "Server: sigil", then fields[0..n), then
 * the empty line.  The caller gives the framing fields (Content-Length,
 * Connection: close, ...).  Returns false, possibly after writing part of
 * the head, when a name is not a token, a value holds CR, LF, NUL or
 * another control byte (response splitting), the status is not 100..599,
 * or w failed.
 */
bool sg_http_write_response_head(sg_wr *w, uint16_t status, int64_t now,
                                 const sg_http_header *fields, size_t n) SG_MUST_CHECK;

/*
 * Map the path of an origin-form target ("/a/b.html?q") to a relative
 * path for openat(rootfd, out, O_RDONLY | O_NOFOLLOW | ...) under a
 * document root.  Strips the query, percent-decodes, collapses repeated
 * '/' and drops "." segments; refuses (returns -1) a target that does not
 * start with '/', a bad %-escape, an encoded '/' or '\' (%2F, %5C), NUL or
 * another control byte, a backslash, any ".." segment (also when
 * encoded), and an out[] too small.  On success out is NUL-terminated and
 * the return value is its length: "." for the root, otherwise no leading
 * '/', and a trailing '/' kept when the target had one (a directory).
 *
 * MUST: the result only names a path *lexically* inside the root.  A
 * symbolic link inside the root can still point out of it, and
 * O_NOFOLLOW only covers the last component: the caller must open with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) or walk the components
 * one openat(O_NOFOLLOW | O_DIRECTORY) at a time, and refuse symlinks.
 */
int sg_http_map_path(const char *target, size_t len, char *out, size_t cap) SG_MUST_CHECK;

/* Content-Type for a file name by its extension (case-insensitive);
 * "application/octet-stream" when unknown.  A static string. */
const char *sg_http_mime_type(const char *name, size_t len);

/* Write t (seconds since the epoch, year 0..9999) as an IMF-fixdate into
 * out[SG_HTTP_DATE_LEN + 1], NUL-terminated (RFC 9110 5.6.7).  Returns
 * SG_HTTP_DATE_LEN, or 0 when t is out of range. */
size_t sg_http_date_format(int64_t t, char out[SG_HTTP_DATE_LEN + 1]);

/* Parse an HTTP-date: IMF-fixdate, or the obsolete RFC 850 and asctime
 * forms (RFC 9110 5.6.7).  True and *t set when valid.  A two-digit RFC
 * 850 year is taken as 1970..2069. */
bool sg_http_date_parse(const char *s, size_t n, int64_t *t) SG_MUST_CHECK;

/*
 * Evaluate a Range field value against a representation of `size` bytes
 * (RFC 9110 14.1.2, 14.2): one range "bytes=a-b", "bytes=a-" or
 * "bytes=-n".  Returns 1 with [*first, *last] (inclusive, clamped to the
 * size) for a 206; -1 when the range is valid but not satisfiable (416,
 * with "Content-Range: bytes * /size"); 0 when the field must be ignored
 * and the whole representation served with 200: bad syntax, another
 * unit, several ranges, or an empty representation.  A server that does
 * not evaluate If-Range should ignore Range when If-Range is present
 * (RFC 9110 13.1.5).
 */
int sg_http_parse_range(const char *s, size_t n, uint64_t size, uint64_t *first,
                        uint64_t *last);

/*
 * application/x-www-form-urlencoded, the body of an HTML form sent with
 * POST and the query of a URL (WHATWG URL Standard).  sg_http_form_next
 * splits the next "name=value" pair off the front of *rest, as views into
 * the caller's bytes, still encoded: pairs are separated by '&', empty
 * pairs are skipped, a pair without '=' has an empty value, and the first
 * '=' separates (a value may hold more).  False when nothing is left.
 */
bool sg_http_form_next(sg_http_str *rest, sg_http_str *name, sg_http_str *value);

/*
 * Decode one name or value from sg_http_form_next into out[cap]: '+' is a
 * space and "%XX" the byte 0xXX (RFC 3986 2.1).  Returns the length, out
 * NUL-terminated, or -1 for: a '%' not followed by two hex digits (the URL
 * Standard would pass it through; we refuse, so that no two readers see
 * different values), an encoded NUL (%00), a raw byte a browser never
 * leaves unencoded (space, a control, DEL, or any byte >= 0x80), or an out
 * too small for the result and its NUL.  Decoded bytes are otherwise not
 * judged: the caller checks UTF-8 and control characters (%0A is a line
 * feed of a textarea).
 */
int sg_http_form_decode(const char *p, size_t n, char *out, size_t cap) SG_MUST_CHECK;

#endif
