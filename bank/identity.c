/*
 * Who is asking: the verified client certificate, as sigil serve puts it
 * in request headers after removing whatever the client sent under the
 * same names (docs/bank.md).  The bank trusts these headers only because
 * it listens where nobody but sigil serve can connect; it still checks
 * their form, so that a proxy that appends instead of replacing, or
 * escapes a name wrongly, is noticed instead of trusted.
 */
#include <string.h>

#include "bank.h"

bool utf8_text_ok(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		/* RFC 3629 section 4: the well-formed sequences. */
		size_t len;
		uint32_t cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		/* C1 controls, U+0080..U+009F. */
		if (cp <= 0x9f)
			return false;
		i += len;
	}
	return true;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* attributeType = descr / numericoid (RFC 4514 section 3, RFC 4512 1.4). */
static bool attr_type(const char *s, size_t n, size_t *i)
{
	size_t a = *i;
	if (*i < n && is_alpha(s[*i])) {
		while (*i < n && (is_alpha(s[*i]) || is_digit(s[*i]) || s[*i] == '-'))
			(*i)++;
	} else {
		/* numericoid = number 1*( DOT number ), number without
		 * leading zeros. */
		for (;;) {
			size_t d = *i;
			while (*i < n && is_digit(s[*i]))
				(*i)++;
			if (*i == d || (*i - d > 1 && s[d] == '0'))
				return false;
			if (*i < n && s[*i] == '.' && *i + 1 < n && is_digit(s[*i + 1])) {
				(*i)++;
				continue;
			}
			break;
		}
	}
	return *i > a;
}

static bool is_cn(const char *t, size_t n)
{
	/* RFC 4519 2.3: cn / commonName, OID 2.5.4.3; descriptors are
	 * case-insensitive (RFC 4512 1.4). */
	static const char *const names[] = { "cn", "commonname", "2.5.4.3" };
	for (size_t k = 0; k < 3; k++) {
		size_t m = strlen(names[k]);
		if (m != n)
			continue;
		size_t j = 0;
		while (j < n && (t[j] | 0x20) == names[k][j])
			j++;
		if (j == n)
			return true;
	}
	return false;
}

/* RFC 4514 section 3: the characters that are escaped when they appear
 * in a value ("special"), besides the backslash itself. */
static bool special(char c)
{
	return c != 0 && strchr("\"+,;<>=# ", c) != NULL;
}

/*
 * One attributeValue at s[*i], up to an unescaped ',' or '+' or the end:
 * a string with its escapes undone into out[cap] (when out is not NULL),
 * or, with *hex set, a "#hexstring" (not decoded).  0, or -1 with *why.
 */
static int attr_value(const char *s, size_t n, size_t *i, char *out, size_t cap, size_t *outlen, bool *hex,
                      const char **why)
{
	size_t o = 0, keep = 0;     /* keep: length up to the last escaped byte */
	*hex = false;
	if (*i < n && s[*i] == '#') {
		/* hexstring = SHARP 1*hexpair: the BER of the value. */
		size_t a = ++(*i);
		while (*i + 1 < n && hexval(s[*i]) >= 0 && hexval(s[*i + 1]) >= 0)
			*i += 2;
		if (*i == a || (*i < n && s[*i] != ',' && s[*i] != '+')) {
			*why = "a value in #hex form is not an even number of hex digits (RFC 4514 2.4)";
			return -1;
		}
		*hex = true;
		*outlen = 0;
		return 0;
	}
	bool lead = true;
	while (*i < n && s[*i] != ',' && s[*i] != '+') {
		char c = s[*i];
		if (c == '\\') {
			if (*i + 1 >= n) {
				*why = "the subject ends in a lone backslash (RFC 4514 3)";
				return -1;
			}
			char d = s[*i + 1];
			if (d == '\\' || special(d)) {
				c = d;
				*i += 2;
			} else if (*i + 2 < n && hexval(d) >= 0 && hexval(s[*i + 2]) >= 0) {
				c = (char)(hexval(d) << 4 | hexval(s[*i + 2]));
				*i += 3;
			} else {
				*why = "a backslash in the subject is not followed by a special character or two hex digits (RFC 4514 3)";
				return -1;
			}
			if (out) {
				if (o + 1 >= cap) {
					*why = "the common name is too long";
					return -1;
				}
				out[o++] = c;
			}
			keep = o;
			lead = false;
			continue;
		}
		/* Unescaped, RFC 4514 forbids NUL, '"', ';', '<', '>' anywhere
		 * and '#' first.  A space first or last would be escaped
		 * too; unescaped, it is the space people write after a
		 * separator ("CN=alice, O=Example") and is not part of the
		 * value. */
		if (c == 0 || c == '"' || c == ';' || c == '<' || c == '>' || (lead && c == '#')) {
			*why = "the subject holds a character that RFC 4514 requires escaped (\" ; < > or a leading #)";
			return -1;
		}
		(*i)++;
		if (lead && c == ' ')
			continue;
		lead = false;
		if (out) {
			if (o + 1 >= cap) {
				*why = "the common name is too long";
				return -1;
			}
			out[o++] = c;
		}
	}
	/* Trailing unescaped spaces are the space before a separator. */
	while (o > keep && out && out[o - 1] == ' ')
		o--;
	if (out)
		out[o] = 0;
	*outlen = o;
	return 0;
}

/* Parse the whole DN; with out, the first CN into it (*found set). */
static int dn_parse(const char *s, size_t n, char *out, size_t cap, bool *found, const char **why)
{
	size_t i = 0;
	*found = false;
	if (n == 0) {
		*why = "the name is empty";
		return -1;
	}
	for (;;) {
		while (i < n && s[i] == ' ')
			i++;
		size_t t0 = i;
		if (!attr_type(s, n, &i) || i >= n || s[i] != '=') {
			*why = "the name is not an RFC 4514 string (type=value, separated by commas)";
			return -1;
		}
		bool cn = !*found && out && is_cn(s + t0, i - t0);
		i++;
		char scratch[8];
		size_t len;
		bool hex;
		if (attr_value(s, n, &i, cn ? out : NULL, cn ? cap : sizeof scratch, &len, &hex, why) != 0)
			return -1;
		if (cn) {
			if (hex) {
				*why = "the certificate's CN is given in #hex form, which the bank does not decode";
				return -1;
			}
			*found = true;
			if (len == 0) {
				*why = "the certificate's CN is empty";
				return -1;
			}
			if (!utf8_text_ok(out, len)) {
				*why = "the certificate's CN is not valid UTF-8 or holds a control character";
				return -1;
			}
		}
		if (i == n)
			return 0;
		/* s[i] is ',' (next RDN) or '+' (next value of this RDN). */
		i++;
		if (i == n) {
			*why = "the name ends with a separator";
			return -1;
		}
	}
}

int dn_first_cn(const char *s, size_t n, char *out, size_t cap, const char **why)
{
	bool found;
	if (cap < 2) {
		*why = "no room for the common name";
		return -1;
	}
	out[0] = 0;
	if (dn_parse(s, n, out, cap, &found, why) != 0)
		return -1;
	if (!found) {
		*why = "the certificate's subject has no CN (common name): the bank names its users by it";
		return -1;
	}
	return 0;
}

/* Hex of 1..max digits, lower-cased into out. */
static bool hex_field(sg_http_str v, size_t min, size_t max, char *out)
{
	if (v.n < min || v.n > max)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		if (hexval(v.p[i]) < 0)
			return false;
		out[i] = (char)(v.p[i] >= 'A' && v.p[i] <= 'F' ? v.p[i] + 32 : v.p[i]);
	}
	out[v.n] = 0;
	return true;
}

static const char *const id_fields[] = {
	"X-Client-Verify", "X-Client-Subject", "X-Client-Issuer", "X-Client-Serial",
	"X-Client-Fingerprint-SHA256", "X-Client-Cert",
};
enum { F_VERIFY, F_SUBJECT, F_ISSUER, F_SERIAL, F_FP, F_CERT, F_N };

static bool ci_eq(sg_http_str a, const char *b)
{
	size_t n = strlen(b);
	if (a.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a.p[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

int identity_read(const sg_http_request *req, bank_identity *id, const char **why)
{
	sg_http_str v[F_N];
	unsigned count[F_N] = { 0 };
	memset(id, 0, sizeof *id);
	memset(v, 0, sizeof v);
	for (uint32_t i = 0; i < req->nfields; i++) {
		for (int f = 0; f < F_N; f++) {
			if (ci_eq(req->fields[i].name, id_fields[f])) {
				v[f] = req->fields[i].value;
				count[f]++;
			}
		}
	}
	for (int f = 0; f < F_N; f++) {
		if (count[f] > 1) {
			/* Two copies: one is the client's, which the proxy
			 * should have removed.  Neither can be trusted. */
			*why = "an identity header (X-Client-*) came twice: the proxy must replace what a client sends, not add to it";
			return -1;
		}
	}
	if (count[F_VERIFY] == 0 || ci_eq(v[F_VERIFY], "NONE")) {
		if (count[F_SUBJECT] || count[F_ISSUER] || count[F_SERIAL] || count[F_FP] || count[F_CERT]) {
			*why = "identity headers came without \"X-Client-Verify: SUCCESS\": the proxy must remove those a client sends";
			return -1;
		}
		return 0;
	}
	if (!(v[F_VERIFY].n == 7 && memcmp(v[F_VERIFY].p, "SUCCESS", 7) == 0)) {
		*why = "X-Client-Verify is neither SUCCESS nor NONE";
		return -1;
	}
	if (v[F_SUBJECT].n == 0) {
		*why = "X-Client-Verify is SUCCESS but X-Client-Subject is missing or empty";
		return -1;
	}
	if (v[F_ISSUER].n == 0) {
		*why = "X-Client-Verify is SUCCESS but X-Client-Issuer is missing or empty";
		return -1;
	}
	if (v[F_SUBJECT].n >= sizeof id->subject || v[F_ISSUER].n >= sizeof id->issuer) {
		*why = "the certificate's subject or issuer name is too long";
		return -1;
	}
	if (!hex_field(v[F_SERIAL], 1, 64, id->serial)) {
		*why = "X-Client-Serial is missing or not 1 to 64 hex digits";
		return -1;
	}
	if (!hex_field(v[F_FP], 64, 64, id->fingerprint)) {
		*why = "X-Client-Fingerprint-SHA256 is missing or not 64 hex digits";
		return -1;
	}
	if (dn_first_cn(v[F_SUBJECT].p, v[F_SUBJECT].n, id->cn, sizeof id->cn, why) != 0)
		return -1;
	char scratch[8];
	bool found;
	if (dn_parse(v[F_ISSUER].p, v[F_ISSUER].n, NULL, sizeof scratch, &found, why) != 0) {
		*why = "X-Client-Issuer is not an RFC 4514 name";
		return -1;
	}
	memcpy(id->subject, v[F_SUBJECT].p, v[F_SUBJECT].n);
	memcpy(id->issuer, v[F_ISSUER].p, v[F_ISSUER].n);
	return 1;
}
