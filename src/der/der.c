/*
 * Strict DER reader.  X.690 §10.1 (definite form, minimal length octets),
 * §8.1.2 (tags), §8.2 (BOOLEAN, §11.1 for DER), §8.3 (INTEGER), §8.6 and
 * §11.2 (BIT STRING), §8.19 (OID); times per RFC 5280 §4.1.2.5.
 */
#include "der/der.h"

#include <stdio.h>
#include <string.h>

/* Parses tag and length at the front of r without consuming; on success
 * *hdr is the header size and *len the content size, both within r. */
static bool der_header(const sg_rd *r, uint8_t *tag, size_t *hdr, size_t *len)
{
	if (r->n < 2)
		return false;
	uint8_t t = r->p[0];
	/* High-tag-number form (tag bits all ones) is never needed here. */
	if ((t & 0x1f) == 0x1f)
		return false;
	uint8_t l0 = r->p[1];
	size_t h = 2, n;
	if (l0 < 0x80) {
		n = l0;
	} else if (l0 == 0x80) {
		return false;   /* indefinite length: BER only */
	} else {
		size_t k = l0 & 0x7f;
		/* Four length octets cover 4 GiB, far past any certificate. */
		if (k > 4 || r->n < 2 + k)
			return false;
		if (r->p[2] == 0)
			return false;   /* leading zero octet: not minimal */
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = n << 8 | r->p[2 + i];
		if (n < 0x80)
			return false;   /* long form for a short length */
		h += k;
	}
	if (n > r->n - h)
		return false;
	*tag = t;
	*hdr = h;
	*len = n;
	return true;
}

bool sg_der_peek_tag(const sg_rd *r, uint8_t *tag)
{
	if (r->n < 1 || (r->p[0] & 0x1f) == 0x1f)
		return false;
	*tag = r->p[0];
	return true;
}

bool sg_der_get_any(sg_rd *r, uint8_t *tag, sg_rd *content, sg_rd *whole)
{
	uint8_t t;
	size_t h, n;
	if (!der_header(r, &t, &h, &n))
		return false;
	/* Advance first: content or whole may alias r. */
	const uint8_t *p = r->p;
	r->p += h + n;
	r->n -= h + n;
	if (tag)
		*tag = t;
	if (whole)
		sg_rd_init(whole, p, h + n);
	if (content)
		sg_rd_init(content, p + h, n);
	return true;
}

bool sg_der_get(sg_rd *r, uint8_t tag, sg_rd *content)
{
	uint8_t t;
	size_t h, n;
	if (!der_header(r, &t, &h, &n) || t != tag)
		return false;
	return sg_der_get_any(r, NULL, content, NULL);
}

bool sg_der_get_whole(sg_rd *r, uint8_t tag, sg_rd *whole)
{
	uint8_t t;
	size_t h, n;
	if (!der_header(r, &t, &h, &n) || t != tag)
		return false;
	return sg_der_get_any(r, NULL, NULL, whole);
}

bool sg_der_get_optional(sg_rd *r, uint8_t tag, sg_rd *content, bool *present)
{
	uint8_t t;
	*present = false;
	if (r->n == 0 || !sg_der_peek_tag(r, &t) || t != tag)
		return r->n == 0 || (r->p[0] & 0x1f) != 0x1f;
	if (!sg_der_get(r, tag, content))
		return false;
	*present = true;
	return true;
}

bool sg_der_integer_ok(sg_rd c)
{
	if (c.n == 0)
		return false;
	/* X.690 §8.3.2: the first nine bits are not all equal. */
	if (c.n > 1 && ((c.p[0] == 0x00 && !(c.p[1] & 0x80)) ||
			(c.p[0] == 0xff && (c.p[1] & 0x80))))
		return false;
	return true;
}

bool sg_der_get_integer(sg_rd *r, sg_rd *content)
{
	sg_rd save = *r, c;
	if (!sg_der_get(r, SG_DER_INTEGER, &c) || !sg_der_integer_ok(c)) {
		*r = save;
		return false;
	}
	*content = c;
	return true;
}

bool sg_der_get_u64(sg_rd *r, uint64_t *v)
{
	sg_rd save = *r, c;
	if (!sg_der_get_integer(r, &c))
		return false;
	if (c.p[0] & 0x80)
		goto err;       /* negative */
	if (c.p[0] == 0) {
		c.p++;
		c.n--;
	}
	if (c.n > 8)
		goto err;
	uint64_t x = 0;
	for (size_t i = 0; i < c.n; i++)
		x = x << 8 | c.p[i];
	*v = x;
	return true;
err:
	*r = save;
	return false;
}

bool sg_der_get_enum(sg_rd *r, uint32_t *v)
{
	sg_rd save = *r, c;
	if (!sg_der_get(r, SG_DER_ENUMERATED, &c) || !sg_der_integer_ok(c) ||
	    (c.p[0] & 0x80) || c.n > 4)
		goto err;
	uint32_t x = 0;
	for (size_t i = 0; i < c.n; i++)
		x = x << 8 | c.p[i];
	*v = x;
	return true;
err:
	*r = save;
	return false;
}

bool sg_der_get_bool(sg_rd *r, bool *v)
{
	sg_rd save = *r, c;
	/* X.690 §11.1: DER encodes TRUE as 0xFF only. */
	if (!sg_der_get(r, SG_DER_BOOLEAN, &c) || c.n != 1 ||
	    (c.p[0] != 0x00 && c.p[0] != 0xff)) {
		*r = save;
		return false;
	}
	*v = c.p[0] == 0xff;
	return true;
}

bool sg_der_get_null(sg_rd *r)
{
	sg_rd save = *r, c;
	if (!sg_der_get(r, SG_DER_NULL, &c) || c.n != 0) {
		*r = save;
		return false;
	}
	return true;
}

bool sg_der_get_bit_string(sg_rd *r, sg_rd *bits, uint8_t *unused)
{
	sg_rd save = *r, c;
	if (!sg_der_get(r, SG_DER_BIT_STRING, &c) || c.n < 1)
		goto err;
	uint8_t u = c.p[0];
	/* X.690 §8.6.2.2-3 and §11.2.1: at most 7 unused bits, none when
	 * empty, and DER sets them to zero. */
	if (u > 7 || (c.n == 1 && u != 0))
		goto err;
	if (u && (c.p[c.n - 1] & ((1u << u) - 1)))
		goto err;
	sg_rd_init(bits, c.p + 1, c.n - 1);
	*unused = u;
	return true;
err:
	*r = save;
	return false;
}

bool sg_der_get_bit_bytes(sg_rd *r, sg_rd *bytes)
{
	sg_rd save = *r;
	uint8_t u;
	if (!sg_der_get_bit_string(r, bytes, &u))
		return false;
	if (u != 0) {
		*r = save;
		return false;
	}
	return true;
}

bool sg_der_oid_ok(sg_rd oid)
{
	if (oid.n == 0)
		return false;
	/* X.690 §8.19.2: each sub-identifier is minimal (no leading 0x80)
	 * and the last octet ends one. */
	bool start = true;
	for (size_t i = 0; i < oid.n; i++) {
		if (start && oid.p[i] == 0x80)
			return false;
		start = !(oid.p[i] & 0x80);
	}
	return start;
}

bool sg_der_get_oid(sg_rd *r, sg_rd *oid)
{
	sg_rd save = *r, c;
	if (!sg_der_get(r, SG_DER_OID, &c) || !sg_der_oid_ok(c)) {
		*r = save;
		return false;
	}
	*oid = c;
	return true;
}

bool sg_der_oid_eq(sg_rd oid, const uint8_t *c, size_t n)
{
	return oid.n == n && memcmp(oid.p, c, n) == 0;
}

bool sg_der_oid_to_string(sg_rd oid, char *out, size_t cap)
{
	if (cap == 0)
		return false;
	out[0] = 0;
	if (!sg_der_oid_ok(oid))
		return false;
	size_t len = 0;
	uint64_t v = 0;
	bool first = true;
	for (size_t i = 0; i < oid.n; i++) {
		if (v >> 56)
			return false;   /* arc too large to print */
		v = v << 7 | (oid.p[i] & 0x7f);
		if (oid.p[i] & 0x80)
			continue;
		char tmp[48];
		int k;
		if (first) {
			/* The first octets carry two arcs: X*40+Y. */
			uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
			k = snprintf(tmp, sizeof tmp, "%llu.%llu",
				     (unsigned long long)a,
				     (unsigned long long)(v - a * 40));
			first = false;
		} else {
			k = snprintf(tmp, sizeof tmp, ".%llu", (unsigned long long)v);
		}
		if (k < 0 || len + (size_t)k >= cap)
			return true;    /* truncated */
		memcpy(out + len, tmp, (size_t)k + 1);
		len += (size_t)k;
		v = 0;
	}
	return true;
}

/* ---- times ---- */

int64_t sg_der_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Count from 1 March so the leap day falls at the end of a year;
	 * eras of 400 years (146097 days) make the count exact. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const uint8_t *p, size_t n, unsigned *v)
{
	unsigned x = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	*v = x;
	return true;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool sg_der_parse_time(uint8_t tag, sg_rd c, int64_t *t)
{
	unsigned y, mo, d, h, mi, s;
	const uint8_t *p = c.p;
	/* RFC 5280 4.1.2.5.1: UTCTime is YYMMDDHHMMSSZ, seconds always,
	 * and YY >= 50 means 19YY.  4.1.2.5.2: GeneralizedTime is
	 * YYYYMMDDHHMMSSZ without fractions. */
	if (tag == SG_DER_UTC_TIME) {
		if (c.n != 13 || !digits(p, 2, &y))
			return false;
		y += y >= 50 ? 1900 : 2000;
		p += 2;
	} else if (tag == SG_DER_GENERALIZED_TIME) {
		if (c.n != 15 || !digits(p, 4, &y))
			return false;
		p += 4;
	} else {
		return false;
	}
	if (!digits(p, 2, &mo) || !digits(p + 2, 2, &d) || !digits(p + 4, 2, &h) ||
	    !digits(p + 6, 2, &mi) || !digits(p + 8, 2, &s) || p[10] != 'Z')
		return false;
	static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap(y)) || h > 23 || mi > 59 || s > 59)
		return false;
	*t = sg_der_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return true;
}

bool sg_der_get_time(sg_rd *r, int64_t *t)
{
	sg_rd save = *r, c;
	uint8_t tag;
	if (!sg_der_get_any(r, &tag, &c, NULL) || !sg_der_parse_time(tag, c, t)) {
		*r = save;
		return false;
	}
	return true;
}

void sg_der_time_to_string(int64_t t, char *out, size_t cap)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	/* Inverse of days_from_civil. */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
		 (long long)y, (long long)m, (long long)d, (long long)(secs / 3600),
		 (long long)(secs / 60 % 60), (long long)(secs % 60));
}

/* ---- strings ---- */

static bool printable_char(uint8_t c)
{
	/* X.680 §41.4: PrintableString's alphabet. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return strchr(" '()+,-./:=?", c) != NULL && c != 0;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t k;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		k = 2; v = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		k = 3; v = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		k = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k;
}

bool sg_der_string_ok(uint8_t tag, sg_rd c)
{
	switch (tag) {
	case SG_DER_PRINTABLE_STRING:
		for (size_t i = 0; i < c.n; i++)
			if (!printable_char(c.p[i]))
				return false;
		return true;
	case SG_DER_IA5_STRING:
	case SG_DER_VISIBLE_STRING:
		for (size_t i = 0; i < c.n; i++)
			if (c.p[i] >= 0x80)
				return false;
		return true;
	case SG_DER_UTF8_STRING:
		for (size_t i = 0; i < c.n;) {
			uint32_t cp;
			size_t k = utf8_seq(c.p + i, c.n - i, &cp);
			if (!k)
				return false;
			i += k;
		}
		return true;
	case SG_DER_T61_STRING:
		return true;    /* legacy; treated as Latin-1 for display */
	case SG_DER_BMP_STRING:
		return c.n % 2 == 0;
	case SG_DER_UNIVERSAL_STRING:
		return c.n % 4 == 0;
	default:
		return false;
	}
}

bool sg_der_get_string(sg_rd *r, uint8_t *tag, sg_rd *content)
{
	sg_rd save = *r, c;
	uint8_t t;
	if (!sg_der_get_any(r, &t, &c, NULL) || !sg_der_string_ok(t, c)) {
		*r = save;
		return false;
	}
	*tag = t;
	*content = c;
	return true;
}

static size_t put_utf8(char *out, size_t cap, size_t len, uint32_t cp)
{
	char b[4];
	size_t k;
	if (cp < 0x80) {
		b[0] = (char)cp; k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)); k = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); k = 4;
	}
	if (len + k >= cap)
		return len;
	memcpy(out + len, b, k);
	out[len + k] = 0;
	return len + k;
}

size_t sg_der_string_to_utf8(uint8_t tag, sg_rd c, char *out, size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return 0;
	out[0] = 0;
	for (size_t i = 0; i < c.n;) {
		uint32_t cp;
		size_t k;
		switch (tag) {
		case SG_DER_UTF8_STRING:
			k = utf8_seq(c.p + i, c.n - i, &cp);
			if (!k) {
				cp = 0xfffd;
				k = 1;
			}
			break;
		case SG_DER_BMP_STRING:
			if (c.n - i < 2)
				return len;
			cp = (uint32_t)c.p[i] << 8 | c.p[i + 1];
			k = 2;
			break;
		case SG_DER_UNIVERSAL_STRING:
			if (c.n - i < 4)
				return len;
			cp = (uint32_t)c.p[i] << 24 | (uint32_t)c.p[i + 1] << 16 |
			     (uint32_t)c.p[i + 2] << 8 | c.p[i + 3];
			k = 4;
			break;
		default:
			cp = c.p[i];
			k = 1;
			break;
		}
		/* Control characters would let a certificate forge text in a
		 * terminal or log line. */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			cp = '?';
		len = put_utf8(out, cap, len, cp);
		i += k;
	}
	return len;
}
