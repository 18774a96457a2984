/* The CA's encoders: DER writer edge cases, certificates and CRLs written
 * then read back by our own parser and verifier, PKCS#10 requests,
 * PKCS#12. */
#include "test.h"

#include "crypto/crypto.h"
#include "der/der.h"
#include "x509/x509.h"

#define DATA "tests/data/ca/"

/* The header a content of n bytes gets, against the expected bytes. */
static void check_len(size_t n, const uint8_t *hdr, size_t hlen)
{
	sg_wr w;
	sg_rd r, c;
	uint8_t *content = calloc(1, n ? n : 1);
	sg_wr_init(&w, NULL, 0, 1u << 20);
	CHECK(content != NULL);
	/* Written whole... */
	CHECK(sg_der_put(&w, SG_DER_OCTET_STRING, content, n));
	CHECK_MSG(w.len == hlen + n && memcmp(w.buf, hdr, hlen) == 0, "put, length %zu", n);
	sg_rd_init(&r, w.buf, w.len);
	CHECK(sg_der_get(&r, SG_DER_OCTET_STRING, &c) && c.n == n && sg_rd_done(&r));
	/* ...and content-first with a back-filled length. */
	sg_wr_reset(&w);
	sg_der_mark m = sg_der_open(&w, SG_DER_OCTET_STRING);
	CHECK(sg_wr_bytes(&w, content, n) || n == 0);
	CHECK(sg_der_close(&w, m));
	CHECK_MSG(w.len == hlen + n && memcmp(w.buf, hdr, hlen) == 0, "open/close, length %zu", n);
	sg_rd_init(&r, w.buf, w.len);
	CHECK(sg_der_get(&r, SG_DER_OCTET_STRING, &c) && c.n == n && sg_rd_done(&r));
	sg_wr_free(&w);
	free(content);
}

static void test_lengths(void)
{
	check_len(0, (const uint8_t *)"\x04\x00", 2);
	check_len(127, (const uint8_t *)"\x04\x7f", 2);
	check_len(128, (const uint8_t *)"\x04\x81\x80", 3);
	check_len(255, (const uint8_t *)"\x04\x81\xff", 3);
	check_len(256, (const uint8_t *)"\x04\x82\x01\x00", 4);
	check_len(65535, (const uint8_t *)"\x04\x82\xff\xff", 4);
	check_len(65536, (const uint8_t *)"\x04\x83\x01\x00\x00", 5);

	/* Nested marks where both levels need the long form: the inner
	 * move must not disturb the outer placeholder. */
	sg_wr w;
	sg_rd r, outer, inner;
	uint8_t blob[300];
	memset(blob, 0xab, sizeof blob);
	sg_wr_init(&w, NULL, 0, 4096);
	sg_der_mark a = sg_der_open(&w, SG_DER_SEQUENCE);
	sg_der_mark b = sg_der_open(&w, SG_DER_SEQUENCE);
	CHECK(sg_der_put(&w, SG_DER_OCTET_STRING, blob, sizeof blob));
	CHECK(sg_der_close(&w, b));
	CHECK(sg_der_put_null(&w));
	CHECK(sg_der_close(&w, a));
	sg_rd_init(&r, w.buf, w.len);
	CHECK(sg_der_get(&r, SG_DER_SEQUENCE, &outer) && sg_rd_done(&r));
	CHECK(sg_der_get(&outer, SG_DER_SEQUENCE, &inner) && sg_der_get_null(&outer) &&
	      sg_rd_done(&outer));
	CHECK(inner.n == 304 && inner.p[4] == 0xab && inner.p[303] == 0xab);

	/* A mark from nowhere fails, and failure is sticky. */
	sg_wr_reset(&w);
	sg_der_mark bogus = { 1000 };
	CHECK(!sg_der_close(&w, bogus));
	CHECK(!sg_wr_ok(&w));
	CHECK(!sg_der_put_null(&w));
	/* A fixed writer that is too small fails instead of overflowing. */
	uint8_t small[4];
	sg_wr f;
	sg_wr_init_fixed(&f, small, sizeof small);
	CHECK(!sg_der_put(&f, SG_DER_OCTET_STRING, blob, 3));
	CHECK(!sg_wr_ok(&f));
	/* Multi-byte tag numbers are not written. */
	sg_wr_reset(&w);
	CHECK(!sg_der_put(&w, 0x1f, "", 0));
	sg_wr_free(&w);
}

static void check_uint(const char *in, size_t n, const char *want, size_t wn)
{
	sg_wr w;
	sg_rd r, c;
	sg_wr_init(&w, NULL, 0, 256);
	CHECK(sg_der_put_uint(&w, SG_DER_INTEGER, (const uint8_t *)in, n));
	CHECK_MSG(w.len == wn && memcmp(w.buf, want, wn) == 0, "INTEGER of %zu bytes", n);
	sg_rd_init(&r, w.buf, w.len);
	CHECK(sg_der_get_integer(&r, &c) && sg_rd_done(&r));
	sg_wr_free(&w);
}

static void test_integers(void)
{
	check_uint("", 0, "\x02\x01\x00", 3);
	check_uint("\x00\x00", 2, "\x02\x01\x00", 3);
	check_uint("\x00\x00\x01", 3, "\x02\x01\x01", 3);
	check_uint("\x7f", 1, "\x02\x01\x7f", 3);
	check_uint("\x80", 1, "\x02\x02\x00\x80", 4);
	check_uint("\x00\xff\x01", 3, "\x02\x03\x00\xff\x01", 5);
	check_uint("\x01\x00", 2, "\x02\x02\x01\x00", 4);

	sg_wr w;
	uint64_t v;
	sg_rd r;
	sg_wr_init(&w, NULL, 0, 256);
	const uint64_t vals[] = { 0, 1, 127, 128, 255, 256, 0x7fffffffffffffffULL, UINT64_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		sg_wr_reset(&w);
		CHECK(sg_der_put_u64(&w, vals[i]));
		sg_rd_init(&r, w.buf, w.len);
		CHECK_MSG(sg_der_get_u64(&r, &v) && v == vals[i], "u64 %llu", (unsigned long long)vals[i]);
	}
	sg_wr_reset(&w);
	CHECK(sg_der_put_u64(&w, 128) && w.len == 4 && memcmp(w.buf, "\x02\x02\x00\x80", 4) == 0);
	sg_wr_free(&w);
}

static void check_bytes(bool ok, const sg_wr *w, const char *want, size_t n, const char *what)
{
	CHECK_MSG(ok && w->len == n && memcmp(w->buf, want, n) == 0, "%s", what);
}

static void test_primitives(void)
{
	sg_wr w;
	sg_rd r, c;
	uint8_t unused;
	sg_wr_init(&w, NULL, 0, 256);
	check_bytes(sg_der_put_bool(&w, true), &w, "\x01\x01\xff", 3, "TRUE is 0xff");
	sg_wr_reset(&w);
	check_bytes(sg_der_put_bool(&w, false), &w, "\x01\x01\x00", 3, "FALSE");
	sg_wr_reset(&w);
	check_bytes(sg_der_put_null(&w), &w, "\x05\x00", 2, "NULL");
	sg_wr_reset(&w);
	/* keyUsage: digitalSignature alone is bit 0, 7 unused bits. */
	check_bytes(sg_der_put_named_bits(&w, SG_KU_DIGITAL_SIGNATURE), &w, "\x03\x02\x07\x80", 4, "KU ds");
	sg_wr_reset(&w);
	check_bytes(sg_der_put_named_bits(&w, SG_KU_KEY_CERT_SIGN | SG_KU_CRL_SIGN), &w,
		    "\x03\x02\x01\x06", 4, "KU certSign+crlSign");
	sg_wr_reset(&w);
	check_bytes(sg_der_put_named_bits(&w, SG_KU_DECIPHER_ONLY), &w, "\x03\x03\x07\x00\x80", 5, "KU bit 8");
	sg_rd_init(&r, w.buf, w.len);
	CHECK(sg_der_get_bit_string(&r, &c, &unused) && unused == 7);
	sg_wr_reset(&w);
	check_bytes(sg_der_put_named_bits(&w, 0), &w, "\x03\x01\x00", 3, "empty BIT STRING");
	sg_wr_reset(&w);
	check_bytes(sg_der_put_bit_bytes(&w, (const uint8_t *)"\xaa", 1), &w, "\x03\x02\x00\xaa", 4, "bit bytes");
	sg_wr_reset(&w);
	/* OIDs: a well-formed one, then one with a dangling continuation. */
	check_bytes(sg_der_put_oid(&w, (const uint8_t *)"\x55\x1d\x13", 3), &w, "\x06\x03\x55\x1d\x13", 5, "OID");
	sg_wr_reset(&w);
	CHECK(!sg_der_put_oid(&w, (const uint8_t *)"\x55\x9d", 2));
	sg_wr_reset(&w);
	CHECK(!sg_der_put_oid(&w, (const uint8_t *)"", 0));
	sg_wr_reset(&w);
	check_bytes(sg_der_put_string(&w, SG_DER_PRINTABLE_STRING, "Ab 1", 4), &w, "\x13\x04" "Ab 1", 6, "Printable");
	sg_wr_reset(&w);
	CHECK(!sg_der_put_string(&w, SG_DER_PRINTABLE_STRING, "a@b", 3));
	sg_wr_reset(&w);
	CHECK(!sg_der_put_string(&w, SG_DER_UTF8_STRING, "\xc3", 1));
	sg_wr_reset(&w);
	check_bytes(sg_der_put_string(&w, SG_DER_UTF8_STRING, "\xc3\xa9", 2), &w, "\x0c\x02\xc3\xa9", 4, "UTF8");
	sg_wr_free(&w);
}

static void check_time(int64_t t, const char *want)
{
	sg_wr w;
	sg_rd r;
	int64_t back;
	size_t n = strlen(want);
	sg_wr_init(&w, NULL, 0, 64);
	CHECK(sg_der_put_time(&w, t));
	uint8_t tag = n == 13 ? SG_DER_UTC_TIME : SG_DER_GENERALIZED_TIME;
	CHECK_MSG(w.len == n + 2 && w.buf[0] == tag && memcmp(w.buf + 2, want, n) == 0, "time %s", want);
	sg_rd_init(&r, w.buf, w.len);
	CHECK_MSG(sg_der_get_time(&r, &back) && back == t, "time round trip %s", want);
	sg_wr_free(&w);
}

static void test_times(void)
{
	check_time(0, "700101000000Z");
	check_time(sg_der_days_from_civil(2049, 12, 31) * 86400 + 86399, "491231235959Z");
	check_time(sg_der_days_from_civil(2050, 1, 1) * 86400, "20500101000000Z");
	check_time(sg_der_days_from_civil(1950, 1, 1) * 86400, "500101000000Z");
	check_time(sg_der_days_from_civil(1949, 12, 31) * 86400 + 3723, "19491231010203Z");
	check_time(sg_der_days_from_civil(2024, 2, 29) * 86400 + 43200, "240229120000Z");
	check_time(sg_der_days_from_civil(9999, 12, 31) * 86400, "99991231000000Z");
	sg_wr w;
	sg_wr_init(&w, NULL, 0, 64);
	CHECK(!sg_der_put_time(&w, sg_der_days_from_civil(10000, 1, 1) * 86400));
	sg_wr_free(&w);
}

/* ---- certificates ---- */

struct issuer {
	sg_pkey *key;
	sg_wr der;
	sg_x509_cert x;
};

static int make_cert(struct issuer *out, sg_pkey *key, const struct issuer *by, const char *cn,
		     bool ca, const char *const *names, size_t n, uint8_t eku, uint8_t serial0)
{
	sg_wr spki;
	char err[256];
	uint8_t serial[16];
	int64_t now = 1700000000;
	sg_wr_init(&spki, NULL, 0, 4096);
	sg_wr_init(&out->der, NULL, 0, 1u << 16);
	out->key = key;
	memset(serial, 0x5a, sizeof serial);
	serial[0] = serial0;
	if (sg_pkey_spki(key, &spki) != 0)
		return -1;
	sg_x509_cert_spec s = { 0 };
	s.serial = serial;
	s.serial_len = sizeof serial;
	s.cn = cn;
	s.org = ca ? "Test Org" : NULL;
	if (by) {
		s.issuer = by->x.subject;
		s.issuer_key_id = by->x.ski;
	}
	s.not_before = now;
	s.not_after = now + 86400 * 30;
	s.spki = spki.buf;
	s.spki_len = spki.len;
	s.ca = ca;
	s.path_len = ca && by ? 0 : -1;
	s.key_usage = ca ? SG_KU_KEY_CERT_SIGN | SG_KU_CRL_SIGN : SG_KU_DIGITAL_SIGNATURE;
	s.eku = eku;
	s.names = names;
	s.n_names = n;
	int rc = sg_x509_cert_write(&s, by ? by->key : key, &out->der, err, sizeof err);
	sg_wr_free(&spki);
	if (rc != 0) {
		fprintf(stderr, "cert_write: %s\n", err);
		return -1;
	}
	rc = sg_x509_cert_parse(&out->x, out->der.buf, out->der.len, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "cert_parse: %s\n", err);
	return rc;
}

static void free_issuer(struct issuer *i)
{
	sg_pkey_free(i->key);
	sg_wr_free(&i->der);
}

static int verify_leaf(const struct issuer *root, const struct issuer *leaf, const struct issuer *mid,
		       const char *host, int purpose)
{
	char err[256];
	sg_x509_store *st = sg_x509_store_new();
	sg_x509_result res;
	sg_rd chain[2];
	if (!st || sg_x509_store_add_der(st, root->der.buf, root->der.len, err, sizeof err) != 1)
		return -2;
	sg_rd_init(&chain[0], leaf->der.buf, leaf->der.len);
	if (mid)
		sg_rd_init(&chain[1], mid->der.buf, mid->der.len);
	sg_x509_verify_opts o = { 0 };
	o.host = host;
	o.purpose = purpose;
	o.at = 1700000000 + 3600;
	int rc = sg_x509_verify(st, chain, mid ? 2 : 1, &o, &res);
	sg_x509_store_free(st);
	return rc;
}

static void test_certs(void)
{
	static const char *const names[] = { "shop.example", "*.shop.example", "192.0.2.7", "2001:db8::1" };
	const struct { sg_key_type t; size_t bits; const char *name; } kinds[] = {
		{ SG_KEY_EC_P256, 0, "p256" }, { SG_KEY_EC_P384, 0, "p384" },
		{ SG_KEY_ED25519, 0, "ed25519" }, { SG_KEY_RSA, 2048, "rsa2048" },
	};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct issuer root, mid, leaf, client;
		memset(&root, 0, sizeof root);
		memset(&mid, 0, sizeof mid);
		memset(&leaf, 0, sizeof leaf);
		memset(&client, 0, sizeof client);
		/* Every key type as the signer of the whole chain. */
		CHECK_MSG(make_cert(&root, sg_pkey_generate(kinds[k].t, kinds[k].bits), NULL,
				    "Test Root", true, NULL, 0, 0, 0x11) == 0, "%s root", kinds[k].name);
		CHECK_MSG(make_cert(&mid, sg_pkey_generate(kinds[k].t, kinds[k].bits), &root,
				    "Test Mid", true, NULL, 0, 0, 0x22) == 0, "%s mid", kinds[k].name);
		CHECK(make_cert(&leaf, sg_pkey_generate(SG_KEY_EC_P256, 0), &mid, "shop.example",
				false, names, 4, SG_EKU_SERVER, 0x83) == 0);
		CHECK(make_cert(&client, sg_pkey_generate(SG_KEY_EC_P256, 0), &root, "alice",
				false, NULL, 0, SG_EKU_CLIENT, 0x01) == 0);
		CHECK(root.x.version == 3 && root.x.self_issued && root.x.ca && root.x.bc_critical &&
		      root.x.path_len == -1 && root.x.ski_present && root.x.ski.n == 20);
		CHECK(root.x.key_usage == (SG_KU_KEY_CERT_SIGN | SG_KU_CRL_SIGN));
		CHECK(mid.x.path_len == 0 && mid.x.aki_present && mid.x.aki_keyid.n == 20 &&
		      memcmp(mid.x.aki_keyid.p, root.x.ski.p, 20) == 0);
		CHECK(!leaf.x.ca && leaf.x.eku == SG_EKU_SERVER && leaf.x.san_present);
		/* 0x83... has its top bit set: the serial gets a sign octet. */
		CHECK(leaf.x.serial.n == 17 && leaf.x.serial.p[0] == 0 && leaf.x.serial.p[1] == 0x83);
		CHECK(leaf.x.not_before == 1700000000 && leaf.x.not_after == 1700000000 + 86400 * 30);
		CHECK_MSG(verify_leaf(&root, &leaf, &mid, "shop.example", SG_X509_PURPOSE_SERVER) == 0,
			  "%s chain", kinds[k].name);
		CHECK(verify_leaf(&root, &leaf, &mid, "www.shop.example", SG_X509_PURPOSE_SERVER) == 0);
		CHECK(verify_leaf(&root, &leaf, &mid, "192.0.2.7", SG_X509_PURPOSE_SERVER) == 0);
		CHECK(verify_leaf(&root, &leaf, &mid, "2001:db8::1", SG_X509_PURPOSE_SERVER) == 0);
		CHECK(verify_leaf(&root, &leaf, &mid, "other.example", SG_X509_PURPOSE_SERVER) != 0);
		CHECK(verify_leaf(&root, &client, NULL, NULL, SG_X509_PURPOSE_CLIENT) == 0);
		CHECK(verify_leaf(&root, &client, NULL, NULL, SG_X509_PURPOSE_SERVER) != 0);
		/* Tamper: one flipped signature byte, then one flipped TBS byte
		 * in the subject CN. */
		leaf.der.buf[leaf.der.len - 2] ^= 1;
		CHECK(verify_leaf(&root, &leaf, &mid, "shop.example", SG_X509_PURPOSE_SERVER) != 0);
		leaf.der.buf[leaf.der.len - 2] ^= 1;
		/* Missing intermediate. */
		CHECK(verify_leaf(&root, &leaf, NULL, "shop.example", SG_X509_PURPOSE_SERVER) != 0);
		free_issuer(&root);
		free_issuer(&mid);
		free_issuer(&leaf);
		free_issuer(&client);
	}

	/* Bad input is refused, not encoded. */
	struct issuer root;
	sg_wr out, spki;
	char err[256];
	uint8_t serial[1] = { 1 };
	memset(&root, 0, sizeof root);
	CHECK(make_cert(&root, sg_pkey_generate(SG_KEY_EC_P256, 0), NULL, "R", true, NULL, 0, 0, 1) == 0);
	sg_wr_init(&out, NULL, 0, 1u << 16);
	sg_wr_init(&spki, NULL, 0, 4096);
	CHECK(sg_pkey_spki(root.key, &spki) == 0);
	static const char *const bad[] = { "bad..example" };
	sg_x509_cert_spec s = { 0 };
	s.serial = serial;
	s.serial_len = 1;
	s.cn = "x";
	s.spki = spki.buf;
	s.spki_len = spki.len;
	s.names = bad;
	s.n_names = 1;
	s.not_after = 1;
	CHECK(sg_x509_cert_write(&s, root.key, &out, err, sizeof err) != 0 && out.len == 0);
	s.n_names = 0;
	s.cn = "";
	CHECK(sg_x509_cert_write(&s, root.key, &out, err, sizeof err) != 0);
	s.cn = "x";
	s.serial_len = 21;
	CHECK(sg_x509_cert_write(&s, root.key, &out, err, sizeof err) != 0);
	s.serial_len = 1;
	s.not_before = 10;
	CHECK(sg_x509_cert_write(&s, root.key, &out, err, sizeof err) != 0);
	s.not_before = 0;
	CHECK(sg_x509_cert_write(&s, root.key, &out, err, sizeof err) == 0);

	CHECK(sg_x509_san_name_ok("a.example") && sg_x509_san_name_ok("*.a.example") &&
	      sg_x509_san_name_ok("::1") && sg_x509_san_name_ok("10.0.0.1") &&
	      sg_x509_san_name_ok("localhost"));
	CHECK(!sg_x509_san_name_ok("") && !sg_x509_san_name_ok("a b") &&
	      !sg_x509_san_name_ok("-a.example") && !sg_x509_san_name_ok("a.*.example") &&
	      !sg_x509_san_name_ok("192.0.2.300") && !sg_x509_san_name_ok("1.2.3") &&
	      !sg_x509_san_name_ok("a..example") && !sg_x509_san_name_ok("::g"));

	/* ---- CRL ---- */
	uint8_t s1[] = { 0x83, 0x01 }, s2[] = { 0x05 };
	sg_x509_crl_entry e[2] = {
		{ s1, sizeof s1, 1700000100, 1 },
		{ s2, sizeof s2, 1700000200, 0 },
	};
	sg_x509_crl_spec cs = { 0 };
	cs.issuer = root.x.subject;
	cs.issuer_key_id = root.x.ski;
	cs.this_update = 1700000300;
	cs.next_update = 1700000300 + 86400;
	cs.number = 300;
	cs.entries = e;
	cs.n_entries = 2;
	sg_wr crlw;
	sg_x509_crl crl;
	sg_rd sr;
	int reason;
	sg_wr_init(&crlw, NULL, 0, 1u << 16);
	CHECK(sg_x509_crl_write(&cs, root.key, &crlw, err, sizeof err) == 0);
	CHECK(sg_x509_crl_parse(&crl, crlw.buf, crlw.len, err, sizeof err) == 0);
	CHECK(crl.this_update == cs.this_update && crl.next_update == cs.next_update &&
	      crl.aki_present && !crl.unknown_critical);
	CHECK(sg_x509_name_eq(crl.issuer, root.x.subject));
	sg_rd_init(&sr, (const uint8_t *)"\x00\x83\x01", 3);
	CHECK(sg_x509_crl_lookup(&crl, sr, &reason) == 1 && reason == 1);
	sg_rd_init(&sr, (const uint8_t *)"\x05", 1);
	CHECK(sg_x509_crl_lookup(&crl, sr, &reason) == 1 && reason == -1);
	sg_rd_init(&sr, (const uint8_t *)"\x06", 1);
	CHECK(sg_x509_crl_lookup(&crl, sr, &reason) == 0);
	/* An empty CRL omits revokedCertificates. */
	cs.n_entries = 0;
	sg_wr_reset(&crlw);
	CHECK(sg_x509_crl_write(&cs, root.key, &crlw, err, sizeof err) == 0);
	CHECK(sg_x509_crl_parse(&crl, crlw.buf, crlw.len, err, sizeof err) == 0 && crl.revoked.n == 0);
	CHECK(sg_x509_crl_reason_code("keyCompromise") == 1 && sg_x509_crl_reason_code("superseded") == 4 &&
	      sg_x509_crl_reason_code("reason7") == -1 && sg_x509_crl_reason_code("nope") == -1);

	/* ---- PKCS#12 ---- */
	sg_wr p12;
	const uint8_t *certs[1] = { root.der.buf };
	size_t lens[1] = { root.der.len };
	sg_wr_init(&p12, NULL, 0, 1u << 16);
	CHECK(sg_pkcs12_write(root.key, certs, lens, 1, "pw", "root", &p12) == 0 &&
	      p12.len > 100 && p12.buf[0] == 0x30);
	/* The key must match the first certificate. */
	sg_pkey *other = sg_pkey_generate(SG_KEY_EC_P256, 0);
	sg_wr_reset(&p12);
	CHECK(sg_pkcs12_write(other, certs, lens, 1, "pw", NULL, &p12) != 0);
	sg_pkey_free(other);
	sg_wr_free(&p12);

	sg_wr_free(&crlw);
	sg_wr_free(&out);
	sg_wr_free(&spki);
	free_issuer(&root);
}

static void test_csr(void)
{
	size_t n;
	char *pem = sg_test_read_file(DATA "req.pem", &n);
	char label[64], err[256];
	sg_rd t;
	sg_wr w;
	sg_x509_csr c;
	CHECK(pem != NULL);
	if (!pem)
		return;
	sg_rd_init(&t, (const uint8_t *)pem, n);
	sg_wr_init(&w, NULL, 0, 1u << 16);
	CHECK(sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) == 1);
	CHECK_MSG(sg_x509_csr_parse(&c, w.buf, w.len, err, sizeof err) == 0, "%s", err);
	char subj[128];
	CHECK(sg_x509_name_to_string(c.subject, subj, sizeof subj) > 0 && strstr(subj, "CN=csr.example"));
	CHECK(c.san_present && c.spki.n > 0);
	sg_pkey *k = sg_pkey_public_from_spki(c.spki.p, c.spki.n);
	CHECK(k && sg_pkey_type(k) == SG_KEY_EC_P256);
	sg_pkey_free(k);
	/* Every truncation is refused. */
	bool all = true;
	for (size_t i = 0; i < w.len; i++)
		if (sg_x509_csr_parse(&c, w.buf, i, err, sizeof err) == 0)
			all = false;
	CHECK(all);
	/* Trailing bytes are refused. */
	CHECK(sg_wr_u8(&w, 0) && sg_x509_csr_parse(&c, w.buf, w.len, err, sizeof err) != 0);
	sg_wr_free(&w);
	free(pem);

	uint8_t *der = (uint8_t *)sg_test_read_file(DATA "req-badsig.der", &n);
	CHECK(der != NULL);
	if (der) {
		CHECK(sg_x509_csr_parse(&c, der, n, err, sizeof err) != 0);
		CHECK_MSG(strstr(err, "signature") != NULL, "%s", err);
	}
	free(der);
}

int main(void)
{
	test_lengths();
	test_integers();
	test_primitives();
	test_times();
	test_certs();
	test_csr();
	return TEST_END();
}
