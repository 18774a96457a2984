/*
 * DER writer (X.690 §10): definite, minimal lengths; content written first
 * and the length back-filled, so callers never compute sizes by hand.
 */
#include <string.h>

#include "der/der.h"

static void fail(sg_wr *w)
{
	w->failed = true;
}

/* Octets of the length field for a content of n bytes (X.690 §10.1: the
 * short form below 128, else the fewest long-form octets). */
static size_t len_octets(size_t n)
{
	size_t k = 1;
	if (n < 0x80)
		return 1;
	while (n) {
		k++;
		n >>= 8;
	}
	return k;
}

static void put_len(uint8_t *p, size_t n, size_t k)
{
	if (k == 1) {
		p[0] = (uint8_t)n;
		return;
	}
	p[0] = (uint8_t)(0x80 | (k - 1));
	for (size_t i = k - 1; i >= 1; i--) {
		p[i] = (uint8_t)n;
		n >>= 8;
	}
}

bool sg_der_put_header(sg_wr *w, uint8_t tag, size_t n)
{
	/* Only single-byte tags, as the reader: tag number 31 means the
	 * multi-byte form. */
	if ((tag & 0x1f) == 0x1f) {
		fail(w);
		return false;
	}
	size_t k = len_octets(n);
	uint8_t *p = sg_wr_space(w, 1 + k);
	if (!p)
		return false;
	p[0] = tag;
	put_len(p + 1, n, k);
	return true;
}

bool sg_der_put(sg_wr *w, uint8_t tag, const void *p, size_t n)
{
	if (!sg_der_put_header(w, tag, n))
		return false;
	return sg_wr_bytes(w, p, n);
}

sg_der_mark sg_der_open(sg_wr *w, uint8_t tag)
{
	sg_der_mark m = { 0 };
	if ((tag & 0x1f) == 0x1f) {
		fail(w);
		return m;
	}
	(void)sg_wr_u8(w, tag);
	m.at = w->len;
	(void)sg_wr_u8(w, 0);
	return m;
}

bool sg_der_close(sg_wr *w, sg_der_mark m)
{
	/* A mark that does not lie inside the written bytes (from another
	 * writer, or before a reset) is a caller bug: fail, do not scribble. */
	if (w->failed || m.at == 0 || m.at >= w->len) {
		fail(w);
		return false;
	}
	size_t n = w->len - m.at - 1;
	size_t k = len_octets(n);
	if (k > 1) {
		/* The long form needs k-1 more octets: grow, then move the
		 * content up behind the length. */
		if (!sg_wr_space(w, k - 1))
			return false;
		memmove(w->buf + m.at + k, w->buf + m.at + 1, n);
	}
	put_len(w->buf + m.at, n, k);
	return true;
}

bool sg_der_put_uint(sg_wr *w, uint8_t tag, const uint8_t *p, size_t n)
{
	while (n && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0) {
		static const uint8_t zero = 0;
		return sg_der_put(w, tag, &zero, 1);
	}
	/* X.690 §8.3.2: a set top bit would read as negative, so a zero
	 * octet goes first; otherwise no leading zero may appear. */
	bool pad = p[0] & 0x80;
	if (n > SIZE_MAX - 1 || !sg_der_put_header(w, tag, n + pad))
		return false;
	if (pad && !sg_wr_u8(w, 0))
		return false;
	return sg_wr_bytes(w, p, n);
}

bool sg_der_put_u64(sg_wr *w, uint64_t v)
{
	uint8_t b[8];
	sg_store64(b, v);
	return sg_der_put_uint(w, SG_DER_INTEGER, b, sizeof b);
}

bool sg_der_put_oid(sg_wr *w, const uint8_t *oid, size_t n)
{
	sg_rd r;
	sg_rd_init(&r, oid, n);
	if (!sg_der_oid_ok(r)) {
		fail(w);
		return false;
	}
	return sg_der_put(w, SG_DER_OID, oid, n);
}

bool sg_der_put_bool(sg_wr *w, bool v)
{
	/* X.690 §11.1: TRUE is 0xFF in DER. */
	uint8_t b = v ? 0xff : 0x00;
	return sg_der_put(w, SG_DER_BOOLEAN, &b, 1);
}

bool sg_der_put_null(sg_wr *w)
{
	return sg_der_put(w, SG_DER_NULL, NULL, 0);
}

bool sg_der_put_bit_bytes(sg_wr *w, const uint8_t *p, size_t n)
{
	if (n > SIZE_MAX - 1 || !sg_der_put_header(w, SG_DER_BIT_STRING, n + 1) ||
	    !sg_wr_u8(w, 0))
		return false;
	return sg_wr_bytes(w, p, n);
}

bool sg_der_put_named_bits(sg_wr *w, uint32_t bits)
{
	uint8_t b[5];
	int top = -1;
	for (int i = 0; i < 32; i++)
		if (bits & (1u << i))
			top = i;
	if (top < 0)
		return sg_der_put(w, SG_DER_BIT_STRING, "\0", 1);
	size_t nbytes = (size_t)top / 8 + 1;
	memset(b, 0, sizeof b);
	b[0] = (uint8_t)(7 - top % 8);  /* unused bits after the last one set */
	for (int i = 0; i <= top; i++)
		if (bits & (1u << i))
			b[1 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return sg_der_put(w, SG_DER_BIT_STRING, b, nbytes + 1);
}

/* Proleptic Gregorian date of a day count since 1970-01-01 (the inverse of
 * sg_der_days_from_civil, by 400-year eras). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

bool sg_der_put_time(sg_wr *w, int64_t t)
{
	char s[16];
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t sec = t - days * 86400, y;
	unsigned mo, d;
	civil(days, &y, &mo, &d);
	if (y < 1 || y > 9999) {
		fail(w);
		return false;
	}
	/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050;
	 * both in Zulu with seconds and no fractions. */
	bool utc = y >= 1950 && y <= 2049;
	char *p = s;
	if (utc) {
		digits(p, y % 100, 2);
		p += 2;
	} else {
		digits(p, y, 4);
		p += 4;
	}
	digits(p, mo, 2);
	digits(p + 2, d, 2);
	digits(p + 4, sec / 3600, 2);
	digits(p + 6, sec / 60 % 60, 2);
	digits(p + 8, sec % 60, 2);
	p[10] = 'Z';
	p += 11;
	return sg_der_put(w, utc ? SG_DER_UTC_TIME : SG_DER_GENERALIZED_TIME, s,
			  (size_t)(p - s));
}

bool sg_der_put_string(sg_wr *w, uint8_t tag, const char *s, size_t n)
{
	sg_rd r;
	sg_rd_init(&r, (const uint8_t *)s, n);
	if (!sg_der_string_ok(tag, r) || (tag != SG_DER_UTF8_STRING &&
	    tag != SG_DER_PRINTABLE_STRING && tag != SG_DER_IA5_STRING)) {
		fail(w);
		return false;
	}
	return sg_der_put(w, tag, s, n);
}
