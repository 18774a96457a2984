/* DER reader, times, strings, OIDs, base64 and PEM: edge cases first. */
#include "test.h"

#include "der/der.h"

static sg_rd hx(const char *hex, unsigned char *buf, size_t cap)
{
	sg_rd r;
	size_t n = sg_test_unhex(hex, buf, cap);
	sg_rd_init(&r, buf, n == (size_t)-1 ? 0 : n);
	return r;
}

static void test_lengths(void)
{
	unsigned char b[300];
	sg_rd r, c;
	uint8_t tag;

	r = hx("0403010203", b, sizeof b);
	CHECK(sg_der_get(&r, SG_DER_OCTET_STRING, &c) && c.n == 3 && sg_rd_done(&r));
	/* Wrong tag: nothing consumed. */
	r = hx("0403010203", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_SEQUENCE, &c) && r.n == 5);
	/* Non-minimal: long form for a short length. */
	r = hx("048103010203", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_OCTET_STRING, &c));
	/* Non-minimal: leading zero length octet. */
	r = hx("04820003010203", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_OCTET_STRING, &c));
	/* Indefinite length. */
	r = hx("3080020101 0000", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_SEQUENCE, &c));
	/* Length beyond the input. */
	r = hx("040401020304", b, sizeof b);
	CHECK(sg_der_get(&r, SG_DER_OCTET_STRING, &c));
	r = hx("0405010203", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_OCTET_STRING, &c) && r.n == 5);
	/* Huge lengths. */
	r = hx("0484ffffffff00", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_OCTET_STRING, &c));
	r = hx("0488ffffffffffffffff00", b, sizeof b);
	CHECK(!sg_der_get(&r, SG_DER_OCTET_STRING, &c));
	/* Truncated header. */
	r = hx("04", b, sizeof b);
	CHECK(!sg_der_get_any(&r, &tag, &c, NULL));
	r = hx("0482", b, sizeof b);
	CHECK(!sg_der_get_any(&r, &tag, &c, NULL));
	/* High tag number form. */
	r = hx("1f2001ff", b, sizeof b);
	CHECK(!sg_der_get_any(&r, &tag, &c, NULL));
	CHECK(!sg_der_peek_tag(&r, &tag));
	/* Proper long form: 0x81 0x80 for 128 bytes. */
	unsigned char big[3 + 128] = {0x04, 0x81, 0x80};
	sg_rd_init(&r, big, sizeof big);
	sg_rd whole;
	CHECK(sg_der_get_any(&r, &tag, &c, &whole) && c.n == 128 && whole.n == 131 &&
	      tag == 0x04 && sg_rd_done(&r));
	/* Trailing bytes are visible to the caller. */
	r = hx("300302010100", b, sizeof b);
	CHECK(sg_der_get(&r, SG_DER_SEQUENCE, &c) && !sg_rd_done(&r));
	/* Optional. */
	bool present;
	r = hx("a003020101 0201ff", b, sizeof b);
	CHECK(sg_der_get_optional(&r, SG_DER_CTX_CONS(0), &c, &present) && present && c.n == 3);
	CHECK(sg_der_get_optional(&r, SG_DER_CTX_CONS(1), &c, &present) && !present && r.n == 3);
	r = hx("", b, sizeof b);
	CHECK(sg_der_get_optional(&r, SG_DER_CTX_CONS(1), &c, &present) && !present);
	r = hx("a0050201", b, sizeof b);
	CHECK(!sg_der_get_optional(&r, SG_DER_CTX_CONS(0), &c, &present));
}

static void test_integers(void)
{
	unsigned char b[64];
	sg_rd r, c;
	uint64_t v;
	r = hx("020100", b, sizeof b);
	CHECK(sg_der_get_u64(&r, &v) && v == 0);
	r = hx("02020080", b, sizeof b);
	CHECK(sg_der_get_u64(&r, &v) && v == 128);
	r = hx("0201 80", b, sizeof b);
	CHECK(!sg_der_get_u64(&r, &v) && r.n == 3);            /* negative */
	CHECK(sg_der_get_integer(&r, &c) && c.n == 1);
	r = hx("02020001", b, sizeof b);
	CHECK(!sg_der_get_integer(&r, &c));                    /* non-minimal */
	r = hx("0202ff80", b, sizeof b);
	CHECK(!sg_der_get_integer(&r, &c));                    /* non-minimal */
	r = hx("0200", b, sizeof b);
	CHECK(!sg_der_get_integer(&r, &c));                    /* empty */
	r = hx("0209 00ffffffffffffffff", b, sizeof b);
	CHECK(sg_der_get_u64(&r, &v) && v == UINT64_MAX);
	r = hx("0209 010000000000000000", b, sizeof b);
	CHECK(!sg_der_get_u64(&r, &v));                         /* too big */
	bool bv;
	r = hx("0101ff", b, sizeof b);
	CHECK(sg_der_get_bool(&r, &bv) && bv);
	r = hx("010100", b, sizeof b);
	CHECK(sg_der_get_bool(&r, &bv) && !bv);
	r = hx("010101", b, sizeof b);
	CHECK(!sg_der_get_bool(&r, &bv));
	r = hx("01020000", b, sizeof b);
	CHECK(!sg_der_get_bool(&r, &bv));
	CHECK(!sg_der_get_null(&(sg_rd){b, sg_test_unhex("050100", b, sizeof b)}));
	r = hx("0500", b, sizeof b);
	CHECK(sg_der_get_null(&r));
}

static void test_bitstrings(void)
{
	unsigned char b[64];
	sg_rd r, c;
	uint8_t u;
	r = hx("03020780", b, sizeof b);
	CHECK(sg_der_get_bit_string(&r, &c, &u) && u == 7 && c.n == 1);
	r = hx("03020781", b, sizeof b);
	CHECK(!sg_der_get_bit_string(&r, &c, &u));              /* unused bit set */
	r = hx("030208ff", b, sizeof b);
	CHECK(!sg_der_get_bit_string(&r, &c, &u));              /* 8 unused */
	r = hx("030101", b, sizeof b);
	CHECK(!sg_der_get_bit_string(&r, &c, &u));              /* empty with unused */
	r = hx("030100", b, sizeof b);
	CHECK(sg_der_get_bit_string(&r, &c, &u) && c.n == 0);
	r = hx("0300", b, sizeof b);
	CHECK(!sg_der_get_bit_string(&r, &c, &u));
	r = hx("03020180", b, sizeof b);
	CHECK(!sg_der_get_bit_bytes(&r, &c));
}

static void test_oids(void)
{
	unsigned char b[64];
	sg_rd r, c;
	char s[64];
	static const uint8_t bc[] = {0x55, 0x1d, 0x13};
	r = hx("0603551d13", b, sizeof b);
	CHECK(sg_der_get_oid(&r, &c) && SG_DER_OID_IS(c, bc));
	CHECK(sg_der_oid_to_string(c, s, sizeof s) && strcmp(s, "2.5.29.19") == 0);
	r = hx("06092a864886f70d010101", b, sizeof b);
	CHECK(sg_der_get_oid(&r, &c) && sg_der_oid_to_string(c, s, sizeof s) &&
	      strcmp(s, "1.2.840.113549.1.1.1") == 0);
	r = hx("0603883703", b, sizeof b);                      /* 2.999.3 */
	CHECK(sg_der_get_oid(&r, &c) && sg_der_oid_to_string(c, s, sizeof s) &&
	      strcmp(s, "2.999.3") == 0);
	r = hx("0603558001", b, sizeof b);                      /* non-minimal arc */
	CHECK(!sg_der_get_oid(&r, &c));
	r = hx("0602558f", b, sizeof b);                        /* unterminated */
	CHECK(!sg_der_get_oid(&r, &c));
	r = hx("0600", b, sizeof b);
	CHECK(!sg_der_get_oid(&r, &c));
	CHECK(!sg_der_oid_to_string(c, s, 0));
}

static int64_t tm(const char *hex)
{
	unsigned char b[64];
	sg_rd r = hx(hex, b, sizeof b);
	int64_t t;
	if (!sg_der_get_time(&r, &t) || !sg_rd_done(&r))
		return -1;
	return t;
}

static void test_times(void)
{
	char s[32];
	/* 240101000000Z */
	CHECK(tm("170d3234303130313030303030305a") == 1704067200);
	/* 500101000000Z is 1950, 491231235959Z is 2049. */
	CHECK(tm("170d3530303130313030303030305a") == -631152000);
	CHECK(tm("170d3439313233313233353935395a") == 2524607999);
	/* GeneralizedTime 20500101000000Z */
	CHECK(tm("180f32303530303130313030303030305a") == 2524608000);
	/* 2000-02-29 is a leap day; 2100-02-29 is not. */
	CHECK(tm("180f32303030303232393030303030305a") == 951782400);
	CHECK(tm("180f32313030303232393030303030305a") == -1);
	/* no seconds, fractions, offsets, bad fields */
	CHECK(tm("170b323430313031303030305a") == -1);
	CHECK(tm("1711323430313031303030303030") == -1);
	CHECK(tm("170d3234303130313030303030302b") == -1);
	CHECK(tm("1711323430313031303030303030" "2b30303030") == -1);
	CHECK(tm("1811323032343031303130303030303030" "2e305a") == -1);
	CHECK(tm("170d3234313330313030303030305a") == -1);      /* month 13 */
	CHECK(tm("170d3234303133323030303030305a") == -1);      /* day 32 */
	CHECK(tm("170d3234303433313030303030305a") == -1);      /* Apr 31 */
	CHECK(tm("170d3234303130313234303030305a") == -1);      /* hour 24 */
	CHECK(tm("170d3234303130313030363030305a") == -1);      /* min 60 */
	CHECK(tm("170d3234303130313030303036305a") == -1);      /* sec 60 */
	CHECK(tm("170d32343031303130302030305a5a") == -1);      /* space */
	CHECK(tm("040d3234303130313030303030305a") == -1);      /* not a time */
	sg_der_time_to_string(1704067200, s, sizeof s);
	CHECK(strcmp(s, "2024-01-01T00:00:00Z") == 0);
	sg_der_time_to_string(-631152000 + 86399, s, sizeof s);
	CHECK(strcmp(s, "1950-01-01T23:59:59Z") == 0);
	sg_der_time_to_string(951782400, s, sizeof s);
	CHECK(strcmp(s, "2000-02-29T00:00:00Z") == 0);
}

static void test_strings(void)
{
	unsigned char b[64];
	sg_rd r, c;
	uint8_t tag;
	char s[64];
	r = hx("1303414243", b, sizeof b);
	CHECK(sg_der_get_string(&r, &tag, &c) && tag == SG_DER_PRINTABLE_STRING);
	r = hx("130141 ", b, sizeof b);
	CHECK(sg_der_get_string(&r, &tag, &c));
	r = hx("130140", b, sizeof b);                          /* '@' */
	CHECK(!sg_der_get_string(&r, &tag, &c));
	r = hx("0c02c3a9", b, sizeof b);                        /* é */
	CHECK(sg_der_get_string(&r, &tag, &c));
	CHECK(sg_der_string_to_utf8(tag, c, s, sizeof s) == 2 && strcmp(s, "\xc3\xa9") == 0);
	r = hx("0c02c0af", b, sizeof b);                        /* overlong */
	CHECK(!sg_der_get_string(&r, &tag, &c));
	r = hx("0c03eda080", b, sizeof b);                      /* surrogate */
	CHECK(!sg_der_get_string(&r, &tag, &c));
	r = hx("1e0400e90041", b, sizeof b);                    /* BMP "éA" */
	CHECK(sg_der_get_string(&r, &tag, &c));
	CHECK(sg_der_string_to_utf8(tag, c, s, sizeof s) == 3 && strcmp(s, "\xc3\xa9" "A") == 0);
	r = hx("1e0300e900", b, sizeof b);
	CHECK(!sg_der_get_string(&r, &tag, &c));
	r = hx("160180", b, sizeof b);
	CHECK(!sg_der_get_string(&r, &tag, &c));
	/* Control characters are not printed as such. */
	r = hx("0c03410a42", b, sizeof b);
	CHECK(sg_der_get_string(&r, &tag, &c));
	sg_der_string_to_utf8(tag, c, s, sizeof s);
	CHECK(strcmp(s, "A?B") == 0);
	/* Truncation keeps the output terminated. */
	sg_der_string_to_utf8(tag, c, s, 2);
	CHECK(strcmp(s, "A") == 0);
}

static int b64(const char *in, unsigned char *out, size_t *n)
{
	sg_wr w;
	sg_wr_init_fixed(&w, out, 64);
	int rc = sg_base64_decode(in, strlen(in), &w);
	*n = w.len;
	return rc;
}

static void test_base64(void)
{
	unsigned char o[64];
	size_t n;
	char e[64];
	CHECK(b64("aGVsbG8=", o, &n) == 0 && n == 5 && memcmp(o, "hello", 5) == 0);
	CHECK(b64("aGVs\nbG8h", o, &n) == 0 && n == 6);
	CHECK(b64("aGk=", o, &n) == 0 && n == 2);
	CHECK(b64("YQ==", o, &n) == 0 && n == 1 && o[0] == 'a');
	CHECK(b64("YR==", o, &n) != 0);         /* non-zero pad bits */
	CHECK(b64("aGk", o, &n) != 0);          /* missing padding */
	CHECK(b64("aG=k", o, &n) != 0);
	CHECK(b64("YQ==YQ==", o, &n) != 0);     /* data after padding */
	CHECK(b64("Y===", o, &n) != 0);
	CHECK(b64("a*Vs", o, &n) != 0);
	CHECK(b64("", o, &n) == 0 && n == 0);
	CHECK(sg_base64_encode((const uint8_t *)"hello", 5, e, sizeof e) == 8 &&
	      strcmp(e, "aGVsbG8=") == 0);
	CHECK(sg_base64_encode((const uint8_t *)"hello", 5, e, 8) == -1);
}

static void test_pem(void)
{
	const char *text =
		"junk before\n"
		"-----BEGIN CERTIFICATE-----\n"
		"aGVsbG8=\n"
		"-----END CERTIFICATE-----\n"
		"Bag Attributes: x\n"
		"-----BEGIN X509 CRL-----\r\n"
		"YWJj\r\n"
		"-----END X509 CRL-----\r\n"
		"trailing\n";
	sg_rd t;
	sg_wr w;
	char label[32], err[128];
	unsigned char buf[64];
	sg_rd_init(&t, (const uint8_t *)text, strlen(text));
	sg_wr_init_fixed(&w, buf, sizeof buf);
	CHECK(sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) == 1 &&
	      strcmp(label, "CERTIFICATE") == 0 && w.len == 5);
	sg_wr_reset(&w);
	CHECK(sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) == 1 &&
	      strcmp(label, "X509 CRL") == 0 && w.len == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK(sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) == 0);

	const char *bad[] = {
		"-----BEGIN CERTIFICATE-----\naGVsbG8=\n",                           /* no END */
		"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END X509 CRL-----\n",   /* label */
		"-----BEGIN CERTIFICATE-----\naGV!bG8=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\naGVsbG8=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE\naGVsbG8=\n-----END CERTIFICATE-----\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sg_rd_init(&t, (const uint8_t *)bad[i], strlen(bad[i]));
		sg_wr_reset(&w);
		CHECK_MSG(sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) == -1,
			  "bad PEM %zu accepted", i);
	}
	/* A BEGIN not at a line start is not a boundary. */
	const char *mid = "x -----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
	sg_rd_init(&t, (const uint8_t *)mid, strlen(mid));
	CHECK(sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) == 0);
}

int main(void)
{
	test_lengths();
	test_integers();
	test_bitstrings();
	test_oids();
	test_times();
	test_strings();
	test_base64();
	test_pem();
	return TEST_END();
}
