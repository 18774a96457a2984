/*
 * Request and response head parsers (RFC 9112 2-6, RFC 9110 5-8).
 *
 * One pass over the caller's bytes, line by line.  Each line is found
 * with a bounded search, so a line over its limit is reported as soon as
 * limit + 2 bytes without LF are present, and a bad request-line is
 * refused before the rest of the head arrives.
 */
#include "http/http.h"

#include <string.h>

#include "http/internal.h"

/* Line lookup result. */
enum { LINE_MORE = 0, LINE_OK = 1, LINE_BARE_LF = -1, LINE_LONG = -2 };

/*
 * Find the line starting at buf[pos]: on LINE_OK, *eol is the index of
 * its CR and the next line starts at *eol + 2.  RFC 9112 2.2 lets a
 * recipient accept a bare LF as a line terminator; we refuse it, since a
 * proxy in front of us might not (a smuggling vector).
 */
static int next_line(const char *buf, size_t len, size_t pos, size_t limit, size_t *eol)
{
	size_t avail = len - pos;
	size_t scan = avail < limit + 2 ? avail : limit + 2;
	const char *lf = memchr(buf + pos, '\n', scan);
	if (lf == NULL)
		return avail >= limit + 2 ? LINE_LONG : LINE_MORE;
	size_t i = (size_t)(lf - buf);
	if (i == pos || buf[i - 1] != '\r')
		return LINE_BARE_LF;
	if (i - 1 - pos > limit)
		return LINE_LONG;
	*eol = i - 1;
	return LINE_OK;
}

bool sg_http_ci_eq(const char *p, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sg_http_lower((uint8_t)p[i]) != sg_http_lower((uint8_t)lit[i]))
			return false;
	return true;
}

bool sg_http_is_tchar(uint8_t c)
{
	/* RFC 9110 5.6.2: token = 1*tchar. */
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool sg_http_is_value_char(uint8_t c)
{
	/* RFC 9110 5.5: field-vchar = VCHAR / obs-text, with SP and HTAB
	 * inside.  CR, LF, NUL and the other controls are refused. */
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* RFC 3986 characters allowed in a request-target (RFC 9112 3.2), '%'
 * checked separately; '#' (fragment) and anything non-ASCII refused. */
static bool is_target_char(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != 0 && strchr("-._~!$&'()*+,;=:@/?%", c) != NULL;
}

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool target_ok(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];
		if (!is_target_char(c))
			return false;
		if (c == '%') {
			if (n - i < 3 || !is_hex((uint8_t)p[i + 1]) || !is_hex((uint8_t)p[i + 2]))
				return false;
			i += 2;
		}
	}
	return true;
}

/*
 * Host = uri-host [ ":" port ] (RFC 9110 7.2): reg-name or IPv4 characters,
 * or an IP-literal in brackets, then an optional decimal port.  Empty is
 * allowed (RFC 9112 3.2: a target without authority gets an empty Host).
 */
static bool host_ok(const char *p, size_t n)
{
	size_t i = 0;
	if (n > 0 && p[0] == '[') {
		for (i = 1; i < n && p[i] != ']'; i++) {
			uint8_t c = (uint8_t)p[i];
			if (!is_hex(c) && c != ':' && c != '.' && c != 'v' && c != 'V')
				return false;
		}
		if (i == n || i == 1)
			return false;
		i++;
	} else {
		for (; i < n && p[i] != ':'; i++) {
			uint8_t c = (uint8_t)p[i];
			bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			             (c >= 'A' && c <= 'Z');
			if (!alnum && strchr("-._~!$&'()*+,;=%", c) == NULL)
				return false;
		}
	}
	if (i == n)
		return true;
	if (p[i] != ':')
		return false;
	if (n - i - 1 > 5)
		return false;
	for (i++; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* One field line "name: value" without its CRLF (RFC 9112 5). */
static bool parse_field_line(const char *p, size_t n, sg_http_header *h, const char **why)
{
	size_t i = 0;
	if (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		/* RFC 9112 5.2: obs-fold; also whitespace between the start
		 * line and the first field (2.2).  Refused, not unfolded. */
		*why = "a field line starts with whitespace (obs-fold is refused, RFC 9112 5.2)";
		return false;
	}
	while (i < n && sg_http_is_tchar((uint8_t)p[i]))
		i++;
	if (i == n || p[i] != ':') {
		if (i < n && (p[i] == ' ' || p[i] == '\t'))
			*why = "whitespace between a field name and the colon (RFC 9112 5.1)";
		else
			*why = "a field name is not a token (RFC 9110 5.1)";
		return false;
	}
	if (i == 0) {
		*why = "a field line has an empty name (RFC 9110 5.1)";
		return false;
	}
	h->name.p = p;
	h->name.n = i;
	size_t j = i + 1, k = n;
	while (j < k && (p[j] == ' ' || p[j] == '\t'))
		j++;
	while (k > j && (p[k - 1] == ' ' || p[k - 1] == '\t'))
		k--;
	for (size_t m = j; m < k; m++) {
		if (!sg_http_is_value_char((uint8_t)p[m])) {
			*why = "a field value holds a control character (RFC 9110 5.5)";
			return false;
		}
	}
	h->value.p = p + j;
	h->value.n = k - j;
	return true;
}

/*
 * Field lines from buf[pos] up to and including the empty line.  Returns
 * 1 with *end = head length, 0 for more bytes, -1 with *status, *why.
 */
static int parse_fields(const char *buf, size_t len, size_t pos, sg_http_header *fields,
                        uint32_t *nfields, size_t *end, uint16_t *status, const char **why)
{
	*nfields = 0;
	for (;;) {
		size_t eol = 0;
		int r = next_line(buf, len, pos, SG_HTTP_MAX_FIELD_LINE, &eol);
		if (r == LINE_BARE_LF) {
			*status = 400;
			*why = "a line ends in a bare LF, not CR LF (RFC 9112 2.2)";
			return -1;
		}
		if (r == LINE_LONG) {
			*status = 431;
			*why = "a header field line is longer than 8192 bytes";
			return -1;
		}
		if (r == LINE_MORE) {
			if (len >= SG_HTTP_MAX_HEAD)
				goto too_big;
			return 0;
		}
		if (eol + 2 > SG_HTTP_MAX_HEAD)
			goto too_big;
		if (eol == pos) {
			*end = eol + 2;
			return 1;
		}
		if (*nfields == SG_HTTP_MAX_FIELDS) {
			*status = 431;
			*why = "more than 100 header fields";
			return -1;
		}
		if (!parse_field_line(buf + pos, eol - pos, &fields[*nfields], why)) {
			*status = 400;
			return -1;
		}
		(*nfields)++;
		pos = eol + 2;
	}
too_big:
	*status = 431;
	*why = "the request head is larger than 16384 bytes";
	return -1;
}

bool sg_http_header_get(const sg_http_header *fields, size_t n, const char *name,
                        sg_http_str *value)
{
	for (size_t i = 0; i < n; i++) {
		if (sg_http_ci_eq(fields[i].name.p, fields[i].name.n, name)) {
			*value = fields[i].value;
			return true;
		}
	}
	return false;
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3): 1 for a valid
 * 1.0 or 1.1, 0 for a well-formed other version, -1 for garbage. */
static int parse_version(const char *p, size_t n, uint8_t *minor)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' ||
	    p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
		return -1;
	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return 0;
	*minor = (uint8_t)(p[7] - '0');
	return 1;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6), at most 2^63 - 1 so that it
 * fits every off_t; a list "5, 5" is refused rather than deduplicated. */
static bool parse_length(sg_http_str v, uint64_t *out)
{
	uint64_t x = 0;
	if (v.n == 0 || v.n > 19)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX)
		return false;
	*out = x;
	return true;
}

/* Shared Content-Length / Transfer-Encoding / Connection bookkeeping. */
typedef struct framing_state {
	uint32_t ncl, nte;
	uint64_t cl;
	uint32_t nchunked;      /* times chunked appears in the list */
	bool last_chunked;      /* the list so far ends with chunked */
	bool other_coding;      /* a coding we do not implement */
	bool conn_close, conn_keep_alive;
} framing_state;

/* Iterate the elements of a #list (RFC 9110 5.6.1), ignoring empty ones. */
static bool list_next(sg_http_str *rest, sg_http_str *elem)
{
	for (;;) {
		if (rest->n == 0)
			return false;
		size_t i = 0;
		while (i < rest->n && rest->p[i] != ',')
			i++;
		size_t a = 0, b = i;
		while (a < b && (rest->p[a] == ' ' || rest->p[a] == '\t'))
			a++;
		while (b > a && (rest->p[b - 1] == ' ' || rest->p[b - 1] == '\t'))
			b--;
		elem->p = rest->p + a;
		elem->n = b - a;
		if (i < rest->n)
			i++;
		rest->p += i;
		rest->n -= i;
		if (elem->n > 0)
			return true;
	}
}

static bool framing_field(framing_state *f, const sg_http_header *h, const char **why)
{
	sg_http_str rest = h->value, e;
	if (sg_http_ci_eq(h->name.p, h->name.n, "content-length")) {
		uint64_t v;
		if (!parse_length(h->value, &v)) {
			*why = "Content-Length is not a single decimal number (RFC 9110 8.6)";
			return false;
		}
		if (f->ncl > 0 && v != f->cl) {
			*why = "Content-Length fields disagree (RFC 9112 6.3)";
			return false;
		}
		f->cl = v;
		f->ncl++;
	} else if (sg_http_ci_eq(h->name.p, h->name.n, "transfer-encoding")) {
		/* RFC 9112 6.1: several fields form one list; chunked must
		 * be last and appear once. */
		f->nte++;
		while (list_next(&rest, &e)) {
			f->last_chunked = sg_http_ci_eq(e.p, e.n, "chunked");
			if (f->last_chunked)
				f->nchunked++;
			else
				f->other_coding = true;
		}
	} else if (sg_http_ci_eq(h->name.p, h->name.n, "connection")) {
		/* RFC 9112 9.3: "close" ends the connection after this
		 * message; "keep-alive" is the HTTP/1.0 opt-in. */
		while (list_next(&rest, &e)) {
			if (sg_http_ci_eq(e.p, e.n, "close"))
				f->conn_close = true;
			else if (sg_http_ci_eq(e.p, e.n, "keep-alive"))
				f->conn_keep_alive = true;
		}
	}
	return true;
}

/* The checks that refuse ambiguous framing (RFC 9112 6.1, 6.3). */
static bool framing_check(const framing_state *f, uint8_t minor, uint16_t *status,
                          const char **why)
{
	*status = 400;
	if (f->nte == 0)
		return true;
	if (f->ncl > 0) {
		/* RFC 9112 6.3 point 3: a sender MUST NOT send both, and a
		 * message with both is a classic smuggling attempt. */
		*why = "both Content-Length and Transfer-Encoding (RFC 9112 6.3)";
		return false;
	}
	if (minor == 0) {
		/* RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message
		 * means faulty framing. */
		*why = "Transfer-Encoding in an HTTP/1.0 message (RFC 9112 6.1)";
		return false;
	}
	if (f->nchunked > 1) {
		*why = "chunked applied more than once (RFC 9112 6.1)";
		return false;
	}
	if (!f->last_chunked) {
		/* RFC 9112 6.3 point 4: the length cannot be determined, the
		 * server MUST answer 400 and close. */
		*why = "Transfer-Encoding does not end with chunked (RFC 9112 6.3)";
		return false;
	}
	if (f->other_coding) {
		/* RFC 9112 6.1: 501 for a transfer coding we do not know. */
		*status = 501;
		*why = "a transfer coding other than chunked (RFC 9112 6.1)";
		return false;
	}
	return true;
}

static bool keep_alive(const framing_state *f, uint8_t minor)
{
	/* RFC 9112 9.3: persistent by default in 1.1; in 1.0 only with
	 * "Connection: keep-alive". */
	if (f->conn_close)
		return false;
	return minor >= 1 || f->conn_keep_alive;
}

static const struct {
	const char *name;
	sg_http_method m;
} methods[] = {
	{ "GET", SG_HTTP_GET }, { "HEAD", SG_HTTP_HEAD }, { "POST", SG_HTTP_POST },
	{ "PUT", SG_HTTP_PUT }, { "DELETE", SG_HTTP_DELETE },
	{ "OPTIONS", SG_HTTP_OPTIONS }, { "PATCH", SG_HTTP_PATCH },
};

static int fail(sg_http_request *req, uint16_t status, const char *why)
{
	req->status = status;
	req->why = why;
	return -1;
}

/* request-target forms (RFC 9112 3.2). */
static int parse_target(sg_http_request *req)
{
	const char *t = req->target.p;
	size_t n = req->target.n;
	if (!target_ok(t, n))
		return fail(req, 400, "the request-target has a character outside RFC 3986 or a bad %-escape");
	if (n == 1 && t[0] == '*') {
		/* RFC 9112 3.2.4: asterisk-form is only for OPTIONS. */
		if (req->method != SG_HTTP_OPTIONS)
			return fail(req, 400, "asterisk-form target with a method other than OPTIONS (RFC 9112 3.2.4)");
		req->form = SG_HTTP_FORM_ASTERISK;
		req->path = req->target;
		return 0;
	}
	if (t[0] == '/') {
		req->form = SG_HTTP_FORM_ORIGIN;
		req->path = req->target;
		return 0;
	}
	/* RFC 9112 3.2.2: absolute-form, which servers MUST accept. */
	size_t s;
	if (n > 8 && sg_http_ci_eq(t, 7, "http://"))
		s = 7;
	else if (n > 9 && sg_http_ci_eq(t, 8, "https://"))
		s = 8;
	else
		return fail(req, 400, "the request-target is neither origin-form nor an http(s) absolute URI");
	size_t a = s;
	while (a < n && t[a] != '/' && t[a] != '?')
		a++;
	if (a == s || memchr(t + s, '@', a - s) != NULL || !host_ok(t + s, a - s))
		return fail(req, 400, "the authority of an absolute-form target is empty, has userinfo or is malformed (RFC 9110 4.2)");
	if (a < n && t[a] == '?')
		return fail(req, 400, "an absolute-form target has a query but no path");
	req->form = SG_HTTP_FORM_ABSOLUTE;
	req->host.p = t + s;
	req->host.n = a - s;
	if (a == n) {
		req->path.p = "/";
		req->path.n = 1;
	} else {
		req->path.p = t + a;
		req->path.n = n - a;
	}
	return 0;
}

static int parse_request_line(const char *p, size_t n, sg_http_request *req)
{
	const char *sp1 = memchr(p, ' ', n);
	if (sp1 == NULL)
		return fail(req, 400, "the request-line is not \"method SP target SP version\" (RFC 9112 3)");
	size_t ml = (size_t)(sp1 - p);
	const char *sp2 = memchr(sp1 + 1, ' ', n - ml - 1);
	if (sp2 == NULL)
		return fail(req, 400, "the request-line is not \"method SP target SP version\" (RFC 9112 3)");
	size_t tl = (size_t)(sp2 - sp1 - 1);
	size_t vl = n - ml - tl - 2;
	if (ml == 0)
		return fail(req, 400, "the request-line has no method (RFC 9112 3)");
	for (size_t i = 0; i < ml; i++)
		if (!sg_http_is_tchar((uint8_t)p[i]))
			return fail(req, 400, "the method is not a token (RFC 9110 9.1)");
	if (tl == 0)
		return fail(req, 400, "the request-line has two spaces in a row (RFC 9112 3)");
	int v = parse_version(sp2 + 1, vl, &req->version_minor);
	if (v < 0)
		return fail(req, 400, "the request-line does not end with a valid HTTP-version (RFC 9112 2.3)");
	if (v == 0)
		return fail(req, 505, "only HTTP/1.0 and HTTP/1.1 are supported (RFC 9110 15.6.6)");
	req->method_name.p = p;
	req->method_name.n = ml;
	req->target.p = sp1 + 1;
	req->target.n = tl;
	/* RFC 9110 9.1: methods are case-sensitive. */
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strlen(methods[i].name) == ml && memcmp(methods[i].name, p, ml) == 0)
			req->method = methods[i].m;
	if (req->method == 0) {
		/* RFC 9110 15.6.2 vs 15.5.6: 501 for a method we do not
		 * recognize, 405 for one we know and never allow. */
		if ((ml == 7 && memcmp(p, "CONNECT", 7) == 0) || (ml == 5 && memcmp(p, "TRACE", 5) == 0))
			return fail(req, 405, "CONNECT and TRACE are not allowed here");
		return fail(req, 501, "the method is not implemented (RFC 9110 15.6.2)");
	}
	return parse_target(req);
}

int sg_http_parse_request(const char *buf, size_t len, sg_http_request *req)
{
	memset(req, 0, offsetof(sg_http_request, fields));
	req->nfields = 0;
	req->framing = SG_HTTP_BODY_NONE;
	req->content_length = 0;
	req->keep_alive = req->expect_continue = req->has_range = req->has_if_range = false;
	req->has_ims = false;
	req->range.p = NULL;
	req->range.n = 0;
	req->if_modified_since = 0;
	req->status = 0;
	req->why = NULL;

	/* RFC 9112 2.2: ignore empty lines before the request-line (some
	 * clients send a CRLF after a POST body); they count in the head. */
	size_t pos = 0;
	while (len - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') {
		pos += 2;
		if (pos >= SG_HTTP_MAX_HEAD)
			return fail(req, 431, "the request head is larger than 16384 bytes");
	}
	if (len - pos >= 1 && buf[pos] == '\n')
		return fail(req, 400, "a line ends in a bare LF, not CR LF (RFC 9112 2.2)");

	size_t eol = 0;
	int r = next_line(buf, len, pos, SG_HTTP_MAX_REQUEST_LINE, &eol);
	if (r == LINE_BARE_LF)
		return fail(req, 400, "a line ends in a bare LF, not CR LF (RFC 9112 2.2)");
	if (r == LINE_LONG)
		return fail(req, 414, "the request-line is longer than 8192 bytes (RFC 9112 3)");
	if (r == LINE_MORE)
		return len >= SG_HTTP_MAX_HEAD ? fail(req, 431, "the request head is larger than 16384 bytes") : 0;
	if (eol + 2 > SG_HTTP_MAX_HEAD)
		return fail(req, 431, "the request head is larger than 16384 bytes");
	if (parse_request_line(buf + pos, eol - pos, req) < 0)
		return -1;

	size_t end = 0;
	r = parse_fields(buf, len, eol + 2, req->fields, &req->nfields, &end, &req->status, &req->why);
	if (r <= 0)
		return r;

	framing_state f;
	memset(&f, 0, sizeof f);
	uint32_t nhost = 0, nrange = 0, nims = 0;
	bool inm = false;
	sg_http_str host = { NULL, 0 }, ims = { NULL, 0 };
	for (uint32_t i = 0; i < req->nfields; i++) {
		const sg_http_header *h = &req->fields[i];
		if (!framing_field(&f, h, &req->why))
			return fail(req, 400, req->why);
		if (sg_http_ci_eq(h->name.p, h->name.n, "host")) {
			host = h->value;
			nhost++;
		} else if (sg_http_ci_eq(h->name.p, h->name.n, "range")) {
			req->range = h->value;
			nrange++;
		} else if (sg_http_ci_eq(h->name.p, h->name.n, "if-modified-since")) {
			ims = h->value;
			nims++;
		} else if (sg_http_ci_eq(h->name.p, h->name.n, "if-none-match")) {
			inm = true;
		} else if (sg_http_ci_eq(h->name.p, h->name.n, "if-range")) {
			req->has_if_range = true;
		} else if (sg_http_ci_eq(h->name.p, h->name.n, "expect")) {
			/* RFC 9110 10.1.1: 100-continue is the only expectation. */
			if (!sg_http_ci_eq(h->value.p, h->value.n, "100-continue"))
				return fail(req, 417, "an expectation other than 100-continue (RFC 9110 10.1.1)");
			/* ... and MUST be ignored in an HTTP/1.0 request. */
			req->expect_continue = req->version_minor == 1;
		}
	}
	/* RFC 9112 3.2: 400 for a 1.1 request without Host, for more than
	 * one Host, and for an invalid Host. */
	if (nhost > 1)
		return fail(req, 400, "more than one Host field (RFC 9112 3.2)");
	if (nhost == 0 && req->version_minor == 1)
		return fail(req, 400, "an HTTP/1.1 request without Host (RFC 9112 3.2)");
	if (nhost == 1 && !host_ok(host.p, host.n))
		return fail(req, 400, "the Host field is not a valid host[:port] (RFC 9110 7.2)");
	if (req->form != SG_HTTP_FORM_ABSOLUTE)
		req->host = host;
	if (!framing_check(&f, req->version_minor, &req->status, &req->why))
		return -1;
	req->status = 0;
	req->why = NULL;

	/* RFC 9112 6.3 points 4, 5 and 7: chunked, Content-Length, or no
	 * body at all for a request with neither. */
	if (f.nte > 0) {
		req->framing = SG_HTTP_BODY_CHUNKED;
	} else if (f.ncl > 0) {
		req->framing = SG_HTTP_BODY_LENGTH;
		req->content_length = f.cl;
	}
	req->keep_alive = keep_alive(&f, req->version_minor);
	/* RFC 9110 14.2: Range is a single field; several are invalid and
	 * the server may ignore an invalid one.  It MUST be ignored for
	 * methods other than GET, the only one with range handling. */
	req->has_range = nrange == 1 && req->method == SG_HTTP_GET;
	if (!req->has_range) {
		req->range.p = NULL;
		req->range.n = 0;
	}
	/* RFC 9110 13.1.3: ignore If-Modified-Since when it is not a valid
	 * date, or when If-None-Match is present. */
	if (nims == 1 && !inm && sg_http_date_parse(ims.p, ims.n, &req->if_modified_since))
		req->has_ims = true;
	else
		req->if_modified_since = 0;
	return (int)end;
}

static int rfail(sg_http_response *res, const char *why)
{
	res->why = why;
	return -1;
}

int sg_http_parse_response(const char *buf, size_t len, bool head_request, sg_http_response *res)
{
	res->version_minor = 0;
	res->status = 0;
	res->reason.p = NULL;
	res->reason.n = 0;
	res->nfields = 0;
	res->interim = false;
	res->framing = SG_HTTP_BODY_NONE;
	res->content_length = 0;
	res->keep_alive = false;
	res->why = NULL;

	size_t eol = 0;
	int r = next_line(buf, len, 0, SG_HTTP_MAX_REQUEST_LINE, &eol);
	if (r == LINE_BARE_LF)
		return rfail(res, "a line ends in a bare LF, not CR LF (RFC 9112 2.2)");
	if (r == LINE_LONG)
		return rfail(res, "the status-line is longer than 8192 bytes");
	if (r == LINE_MORE)
		return 0;
	/* status-line = HTTP-version SP status-code SP [ reason-phrase ]
	 * (RFC 9112 4). */
	if (eol < 13 || buf[8] != ' ' || buf[12] != ' ')
		return rfail(res, "the status-line is not \"HTTP/1.x SP code SP reason\" (RFC 9112 4)");
	int v = parse_version(buf, 8, &res->version_minor);
	if (v < 0)
		return rfail(res, "the status-line does not start with a valid HTTP-version (RFC 9112 2.3)");
	if (v == 0)
		return rfail(res, "the response is neither HTTP/1.0 nor HTTP/1.1");
	uint16_t st = 0;
	for (size_t i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return rfail(res, "the status code is not three digits (RFC 9112 4)");
		st = (uint16_t)(st * 10 + (uint16_t)(buf[i] - '0'));
	}
	if (st < 100 || st > 599)
		return rfail(res, "the status code is not in 100..599 (RFC 9110 15)");
	for (size_t i = 13; i < eol; i++)
		if (!sg_http_is_value_char((uint8_t)buf[i]))
			return rfail(res, "the reason phrase holds a control character (RFC 9112 4)");
	res->status = st;
	res->reason.p = buf + 13;
	res->reason.n = eol - 13;

	size_t end = 0;
	uint16_t status = 0;
	r = parse_fields(buf, len, eol + 2, res->fields, &res->nfields, &end, &status, &res->why);
	if (r < 0 && status == 431)
		res->why = "the response head is too large (over 16384 bytes, 8192 a line or 100 fields)";
	if (r <= 0)
		return r;

	framing_state f;
	memset(&f, 0, sizeof f);
	for (uint32_t i = 0; i < res->nfields; i++)
		if (!framing_field(&f, &res->fields[i], &res->why))
			return -1;
	if (st == 101)
		return rfail(res, "101 Switching Protocols without an Upgrade request");
	if (!framing_check(&f, res->version_minor, &status, &res->why)) {
		if (status == 501)
			res->why = "the response uses a transfer coding other than chunked";
		return -1;
	}
	res->keep_alive = keep_alive(&f, res->version_minor);
	if (st < 200) {
		/* RFC 9110 15.2: a 1xx is followed by the final response. */
		res->interim = true;
		return (int)end;
	}
	/* RFC 9112 6.3 point 1: HEAD, 204 and 304 responses end with the
	 * head, whatever Content-Length says. */
	if (head_request || st == 204 || st == 304)
		return (int)end;
	if (f.nte > 0) {
		res->framing = SG_HTTP_BODY_CHUNKED;
	} else if (f.ncl > 0) {
		res->framing = SG_HTTP_BODY_LENGTH;
		res->content_length = f.cl;
	} else {
		/* RFC 9112 6.3 point 8: read until the connection closes. */
		res->framing = SG_HTTP_BODY_CLOSE;
		res->keep_alive = false;
	}
	return (int)end;
}
