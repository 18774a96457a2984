/*
 * The rest of the codec for the tools: reason phrases and the response
 * head writer, request-target to file path mapping, media types,
 * HTTP-dates and the Range field.
 */
#include "http/http.h"

#include <string.h>

#include "http/internal.h"

const char *sg_http_reason(uint16_t status)
{
	/* RFC 9110 15: the phrases of the registered codes we can send. */
	static const struct {
		uint16_t code;
		const char *text;
	} t[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 206, "Partial Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 408, "Request Timeout" }, { 409, "Conflict" },
		{ 410, "Gone" }, { 411, "Length Required" }, { 412, "Precondition Failed" },
		{ 413, "Content Too Large" }, { 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
		{ 422, "Unprocessable Content" }, { 426, "Upgrade Required" },
		{ 428, "Precondition Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].code == status)
			return t[i].text;
	return "Unknown";
}

static bool wr_str(sg_wr *w, const char *s)
{
	return sg_wr_bytes(w, s, strlen(s));
}

bool sg_http_write_response_head(sg_wr *w, uint16_t status, int64_t now,
                                 const sg_http_header *fields, size_t n)
{
	char date[SG_HTTP_DATE_LEN + 1];
	char code[4];
	if (status < 100 || status > 599)
		return false;
	if (sg_http_date_format(now, date) != SG_HTTP_DATE_LEN)
		return false;
	/* Check every field before writing anything: a CR or LF in a value
	 * would let whoever chose it add fields or a body (splitting). */
	for (size_t i = 0; i < n; i++) {
		if (fields[i].name.n == 0)
			return false;
		for (size_t j = 0; j < fields[i].name.n; j++)
			if (!sg_http_is_tchar((uint8_t)fields[i].name.p[j]))
				return false;
		for (size_t j = 0; j < fields[i].value.n; j++)
			if (!sg_http_is_value_char((uint8_t)fields[i].value.p[j]))
				return false;
	}
	code[0] = (char)('0' + status / 100);
	code[1] = (char)('0' + status / 10 % 10);
	code[2] = (char)('0' + status % 10);
	code[3] = '\0';
	/* RFC 9110 2.5: a server sends the highest minor version it
	 * conforms to, whatever the request's. */
	wr_str(w, "HTTP/1.1 ");
	wr_str(w, code);
	wr_str(w, " ");
	wr_str(w, sg_http_reason(status));
	/* RFC 9110 6.6.1: an origin server with a clock MUST send Date. */
	wr_str(w, "\r\nDate: ");
	wr_str(w, date);
	wr_str(w, "\r\nServer: sigil\r\n");
	for (size_t i = 0; i < n; i++) {
		sg_wr_bytes(w, fields[i].name.p, fields[i].name.n);
		wr_str(w, ": ");
		sg_wr_bytes(w, fields[i].value.p, fields[i].value.n);
		wr_str(w, "\r\n");
	}
	wr_str(w, "\r\n");
	return sg_wr_ok(w);
}

static int unhex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sg_http_map_path(const char *target, size_t len, char *out, size_t cap)
{
	if (cap < 2 || len == 0 || target[0] != '/')
		return -1;
	/* The query (RFC 9110 4.2.1) is not part of the file name; a
	 * fragment is never sent, but cut it too. */
	size_t end = 0;
	while (end < len && target[end] != '?' && target[end] != '#')
		end++;
	size_t o = 0, i = 1;
	bool dir = true;
	while (i <= end) {
		size_t a = i;
		while (i < end && target[i] != '/')
			i++;
		size_t b = i++;
		if (a == b) {
			/* Empty segment: "//" collapses, a final '/' names a
			 * directory. */
			dir = true;
			continue;
		}
		size_t mark = o;
		if (o > 0) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '/';
		}
		size_t seg = o;
		for (size_t k = a; k < b; k++) {
			uint8_t c = (uint8_t)target[k];
			if (c == '%') {
				int hi = k + 2 < b ? unhex((uint8_t)target[k + 1]) : -1;
				int lo = k + 2 < b ? unhex((uint8_t)target[k + 2]) : -1;
				if (hi < 0 || lo < 0)
					return -1;
				c = (uint8_t)(hi << 4 | lo);
				k += 2;
				/* An encoded '/' or '\' would join segments after
				 * the ".." check below: refused, not decoded. */
				if (c == '/')
					return -1;
			}
			if (c == '\\' || c < 0x20 || c == 0x7f)
				return -1;
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)c;
		}
		size_t sl = o - seg;
		if (sl == 2 && out[seg] == '.' && out[seg + 1] == '.')
			return -1;
		if (sl == 1 && out[seg] == '.') {
			o = mark;
			dir = true;
			continue;
		}
		dir = false;
	}
	if (o == 0) {
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	if (dir) {
		if (o + 1 >= cap)
			return -1;
		out[o++] = '/';
	}
	out[o] = '\0';
	return (int)o;
}

const char *sg_http_mime_type(const char *name, size_t len)
{
	static const struct {
		const char *ext;
		const char *type;
	} t[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		/* RFC 9239: text/javascript is the one to use. */
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "svg", "image/svg+xml" },
		{ "ico", "image/vnd.microsoft.icon" },
		{ "wasm", "application/wasm" },
		{ "pdf", "application/pdf" },
		{ "woff2", "font/woff2" },
	};
	size_t dot = len;
	while (dot > 0 && name[dot - 1] != '.' && name[dot - 1] != '/')
		dot--;
	if (dot == 0 || name[dot - 1] != '.')
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (sg_http_ci_eq(name + dot, len - dot, t[i].ext))
			return t[i].type;
	return "application/octet-stream";
}

/* Dates: our own proleptic Gregorian arithmetic on days since
 * 1970-01-01, so that nothing depends on the process time zone. */
static const char days_short[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const days_long[7] = { "Sunday", "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t month_days(int64_t y, int m)
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return d[m] + (m == 1 && is_leap(y));
}

/* Leap years in 1..y (y >= 0). */
static int64_t leaps(int64_t y)
{
	return y / 4 - y / 100 + y / 400;
}

/* Days from 1970-01-01 to y-m-d (m 0..11, d 1..31), y in 1..9999. */
static int64_t days_from_civil(int64_t y, int m, int64_t d)
{
	int64_t days = 365 * (y - 1970) + leaps(y - 1) - leaps(1969);
	for (int i = 0; i < m; i++)
		days += month_days(y, i);
	return days + d - 1;
}

/* Seconds of 0001-01-01 and of 10000-01-01. */
#define MIN_T (-62135596800LL)
#define MAX_T (253402300800LL)

size_t sg_http_date_format(int64_t t, char out[SG_HTTP_DATE_LEN + 1])
{
	if (t < MIN_T || t >= MAX_T)
		return 0;
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int64_t y = 1970 + days / 366;
	/* Start at or below the year and walk up: at most a few steps. */
	if (days < 0)
		y = 1970 + days / 365 - 1;
	while (y < 1)
		y++;
	while (days_from_civil(y + 1, 0, 1) <= days)
		y++;
	int64_t rem = days - days_from_civil(y, 0, 1);
	int m = 0;
	while (rem >= month_days(y, m))
		rem -= month_days(y, m++);
	int wd = (int)(((days % 7) + 7 + 4) % 7);   /* 1970-01-01 was a Thursday */
	int64_t v[6] = { rem + 1, y, secs / 3600, secs / 60 % 60, secs % 60, 0 };
	memcpy(out, days_short[wd], 3);
	memcpy(out + 3, ", 00 ", 5);
	out[5] = (char)('0' + v[0] / 10);
	out[6] = (char)('0' + v[0] % 10);
	memcpy(out + 8, months[m], 3);
	out[11] = ' ';
	out[12] = (char)('0' + v[1] / 1000);
	out[13] = (char)('0' + v[1] / 100 % 10);
	out[14] = (char)('0' + v[1] / 10 % 10);
	out[15] = (char)('0' + v[1] % 10);
	out[16] = ' ';
	for (int k = 0; k < 3; k++) {
		out[17 + 3 * k] = (char)('0' + v[2 + k] / 10);
		out[18 + 3 * k] = (char)('0' + v[2 + k] % 10);
		out[19 + 3 * k] = k < 2 ? ':' : ' ';
	}
	memcpy(out + 26, "GMT", 4);
	return SG_HTTP_DATE_LEN;
}

/* n decimal digits at p, or -1. */
static int64_t num(const char *p, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int month_index(const char *p)
{
	for (int i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0)
			return i;
	return -1;
}

static bool short_day(const char *p)
{
	for (int i = 0; i < 7; i++)
		if (memcmp(p, days_short[i], 3) == 0)
			return true;
	return false;
}

/* "hh:mm:ss" at p. */
static bool time_of_day(const char *p, int64_t *secs)
{
	if (p[2] != ':' || p[5] != ':')
		return false;
	int64_t h = num(p, 2), m = num(p + 3, 2), s = num(p + 6, 2);
	/* RFC 9110 5.6.7: second is 00-60, 60 for a leap second. */
	if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
		return false;
	*secs = h * 3600 + m * 60 + s;
	return true;
}

static bool civil_ok(int64_t y, int m, int64_t d)
{
	return y >= 1 && y <= 9999 && m >= 0 && d >= 1 && d <= month_days(y, m);
}

bool sg_http_date_parse(const char *s, size_t n, int64_t *t)
{
	int64_t y, d, secs;
	int m;
	/* Case-sensitive names, as in the grammar (%s"Sun", RFC 9110 5.6.7). */
	if (n == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' &&
	    s[16] == ' ' && memcmp(s + 25, " GMT", 4) == 0 && short_day(s)) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
		d = num(s + 5, 2);
		m = month_index(s + 8);
		y = num(s + 12, 4);
		if (!time_of_day(s + 17, &secs))
			return false;
	} else if (n == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ' &&
	           short_day(s)) {
		/* asctime: "Sun Nov  6 08:49:37 1994". */
		m = month_index(s + 4);
		d = s[8] == ' ' ? num(s + 9, 1) : num(s + 8, 2);
		y = num(s + 20, 4);
		if (!time_of_day(s + 11, &secs))
			return false;
	} else {
		/* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT". */
		size_t k = 0;
		for (int i = 0; i < 7; i++) {
			size_t l = strlen(days_long[i]);
			if (n > l && memcmp(s, days_long[i], l) == 0)
				k = l;
		}
		if (k == 0 || n != k + 24 || s[k] != ',' || s[k + 1] != ' ' || s[k + 4] != '-' ||
		    s[k + 8] != '-' || s[k + 11] != ' ' || memcmp(s + k + 20, " GMT", 4) != 0)
			return false;
		d = num(s + k + 2, 2);
		m = month_index(s + k + 5);
		y = num(s + k + 9, 2);
		if (y < 0 || !time_of_day(s + k + 12, &secs))
			return false;
		/* RFC 9110 5.6.7 wants "more than 50 years in the future"
		 * judged against the clock; without one, a fixed pivot. */
		y += y < 70 ? 2000 : 1900;
	}
	if (d < 0 || y < 0 || m < 0 || !civil_ok(y, m, d))
		return false;
	*t = days_from_civil(y, m, d) * 86400 + secs;
	return true;
}

/* 1*DIGIT, saturating at UINT64_MAX; false if no digit. */
static bool range_num(const char *p, size_t n, size_t *i, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;
	while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
		uint64_t dgt = (uint64_t)(p[*i] - '0');
		x = x > (UINT64_MAX - dgt) / 10 ? UINT64_MAX : x * 10 + dgt;
		(*i)++;
	}
	*v = x;
	return *i > start;
}

int sg_http_parse_range(const char *s, size_t n, uint64_t size, uint64_t *first, uint64_t *last)
{
	/* RFC 9110 14.1: ranges-specifier = range-unit "=" range-set, the
	 * unit compared case-insensitively. */
	if (n < 6 || !sg_http_ci_eq(s, 6, "bytes="))
		return 0;
	size_t i = 6;
	if (memchr(s + i, ',', n - i) != NULL)
		return 0;      /* several ranges: ignored, as 14.2 allows */
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (size == 0)
		return 0;
	uint64_t a, b;
	if (i < n && s[i] == '-') {
		/* suffix-range = "-" suffix-length (14.1.1). */
		i++;
		if (!range_num(s, n, &i, &b) || i != n)
			return 0;
		if (b == 0)
			return -1;     /* 14.1.3: a zero suffix is unsatisfiable */
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (!range_num(s, n, &i, &a) || i >= n || s[i] != '-')
		return 0;
	i++;
	bool has_last = range_num(s, n, &i, &b);
	if (i != n)
		return 0;
	if (has_last && b < a)
		return 0;      /* 14.1.1: last-pos < first-pos is invalid */
	if (a >= size)
		return -1;     /* 14.1.3: first-pos past the end */
	*first = a;
	*last = !has_last || b >= size ? size - 1 : b;
	return 1;
}
