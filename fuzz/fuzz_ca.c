/*
 * libFuzzer target: the CA's writers (src/x509/cert_write.c, the DER
 * writer in src/der/der_write.c) as a round trip.  The input describes a
 * certificate and a CRL; whatever the writer accepts must come back from
 * our own parser with the same content:
 *   - the certificate parses, with the serial, validity, basicConstraints,
 *     keyUsage and extendedKeyUsage that were asked for, a subject whose
 *     RFC 4514 string is well formed, and a SAN that matches every DNS
 *     name (without a wildcard) and IP literal it was given;
 *   - the CRL parses and lists every serial with its reason.
 * Any difference aborts: a CA that writes what its own verifier reads
 * differently is a bug.
 *
 * Input: 12 bytes of parameters, then '\n'-separated strings: CN, O
 * (empty: none), subjectAltName entries.  Signed with the fixed Ed25519
 * test key of fuzz_common.h (deterministic signatures).
 *
 *   make fuzz && build-fuzz/fuzz_ca -max_total_time=60 fuzz/corpus/fuzz_ca
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "crypto/crypto.h"
#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STR 8

static sg_pkey *key(void)
{
	static sg_pkey *k;
	if (!k && !(k = sg_pkey_private_from_pem(fuzz_key_pem, strlen(fuzz_key_pem))))
		abort();
	return k;
}

/* The INTEGER content without its leading zero octets (the writer adds
 * one before a high bit; the caller may have given some). */
static sg_rd magnitude(const uint8_t *p, size_t n)
{
	while (n > 1 && p[0] == 0)
		p++, n--;
	return (sg_rd){ p, n };
}

static bool same_magnitude(sg_rd a, const uint8_t *b, size_t bn)
{
	sg_rd x = magnitude(a.p, a.n), y = magnitude(b, bn);
	return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
}

static void check_cert(const uint8_t *der, size_t len, const sg_x509_cert_spec *s)
{
	sg_x509_cert c;
	char err[256], text[1024];
	if (sg_x509_cert_parse(&c, der, len, err, sizeof err) != 0)
		abort();
	if (!same_magnitude(c.serial, s->serial, s->serial_len))
		abort();
	if (c.not_before != s->not_before || c.not_after != s->not_after)
		abort();
	if (c.version != 3 || !c.bc_present || c.ca != s->ca)
		abort();
	if (s->ca && c.path_len != s->path_len)
		abort();
	if (s->key_usage && (!c.ku_present || c.key_usage != s->key_usage))
		abort();
	if (s->eku && (!c.eku_present || c.eku != s->eku))
		abort();
	if (sg_x509_name_to_string(c.subject, text, sizeof text) == SG_X509_NAME_BAD)
		abort();
	if (s->n_names && !c.san_present)
		abort();
	for (size_t i = 0; i < s->n_names; i++) {
		const char *n = s->names[i];
		if (n[0] == '*')
			continue;
		if (!sg_x509_host_match(&c, n))
			abort();
	}
	if (sg_x509_san_to_string(&c, text, sizeof text) == SG_X509_NAME_BAD)
		abort();
}

static void check_crl(const sg_x509_cert_spec *s, const uint8_t *p, size_t n)
{
	/* Up to four entries, serials cut from the parameter bytes. */
	sg_x509_crl_entry e[4];
	size_t ne = n % 5;
	for (size_t i = 0; i < ne; i++) {
		e[i].serial = p + i;
		e[i].serial_len = 1 + (p[i] % 8);
		if (e[i].serial_len > n - i)
			e[i].serial_len = n - i;
		e[i].when = s->not_before + (int64_t)i * 3600;
		e[i].reason = (int)(p[i] % 12) - 1;   /* -1..10; 7 is unused */
	}
	uint8_t kid[20] = { 1, 2, 3 };
	sg_x509_crl_spec cs = {
		.issuer = s->issuer, .issuer_key_id = { kid, sizeof kid },
		.this_update = s->not_before, .next_update = s->not_after,
		.number = p[0], .entries = e, .n_entries = ne,
	};
	sg_wr w;
	char err[256];
	sg_wr_init(&w, NULL, 0, 1u << 20);
	if (sg_x509_crl_write(&cs, key(), &w, err, sizeof err) == 0) {
		sg_x509_crl crl;
		if (sg_x509_crl_parse(&crl, w.buf, w.len, err, sizeof err) != 0)
			abort();
		for (size_t i = 0; i < ne; i++) {
			int reason = -2;
			/* The writer encodes the magnitude as a positive INTEGER;
			 * look it up the way a certificate's serial would be. */
			uint8_t ser[21] = { 0 };
			sg_rd m = magnitude(e[i].serial, e[i].serial_len);
			size_t off = (m.p[0] & 0x80) ? 1 : 0;
			memcpy(ser + off, m.p, m.n);
			if (sg_x509_crl_lookup(&crl, (sg_rd){ ser, m.n + off }, &reason) != 1)
				abort();
			/* The first entry with this serial decides; the writer
			 * leaves out unspecified (0) and the codes RFC 5280 5.3.1
			 * does not define (7, above 10). */
			size_t first = i;
			for (size_t j = 0; j < i; j++) {
				sg_rd mj = magnitude(e[j].serial, e[j].serial_len);
				if (mj.n == m.n && memcmp(mj.p, m.p, m.n) == 0) {
					first = j;
					break;
				}
			}
			int want = e[first].reason;
			if (want <= 0 || want > 10 || want == 7)
				want = -1;
			if (reason != want)
				abort();
		}
	}
	sg_wr_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 12 || size > 4096)
		return 0;
	const uint8_t *p = data;
	char buf[4097];
	memcpy(buf, data + 12, size - 12);
	buf[size - 12] = 0;
	/* The strings: NUL bytes end them early, as a C caller's would. */
	const char *str[MAX_STR + 2];
	size_t ns = 0;
	char *q = buf;
	while (ns < MAX_STR + 2) {
		str[ns++] = q;
		char *nl = strchr(q, '\n');
		if (!nl)
			break;
		*nl = 0;
		q = nl + 1;
	}
	uint8_t spki_buf[64];
	sg_wr spki;
	sg_wr_init_fixed(&spki, spki_buf, sizeof spki_buf);
	if (sg_pkey_spki(key(), &spki) != 0)
		abort();

	/* An issuer Name for half the inputs: the subject of the test key's
	 * self-signed certificate, copied as the CA does. */
	static const uint8_t issuer[] = {
		0x30, 0x15, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0a,
		's', 'i', 'g', 'i', 'l', '-', 't', 'e', 's', 't',
	};
	uint8_t serial[20];
	size_t slen = 1 + p[4] % 20;
	for (size_t i = 0; i < slen; i++)
		serial[i] = (uint8_t)(p[(5 + i) % 12] ^ (i * 29));
	int64_t nb = (int64_t)((uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8]);
	if (p[0] & 0x20)
		nb *= 4;        /* past 2050: GeneralizedTime (RFC 5280 4.1.2.5) */
	int64_t na = nb + (int64_t)((uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11]) * 60;
	sg_x509_cert_spec s = {
		.serial = serial, .serial_len = slen,
		.cn = str[0],
		.org = ns > 1 && str[1][0] ? str[1] : NULL,
		.issuer = (p[0] & 0x08) ? (sg_rd){ issuer, sizeof issuer } : (sg_rd){ NULL, 0 },
		.not_before = nb, .not_after = na,
		.spki = spki.buf, .spki_len = spki.len,
		.ca = p[0] & 1,
		.path_len = p[1] == 0xff ? -1 : p[1] % 16,
		.key_usage = (uint16_t)((p[2] << 8 | p[3]) & 0x1ff),
		.eku = (uint8_t)((p[0] >> 1) & 3),
		.names = ns > 2 ? str + 2 : NULL,
		.n_names = ns > 2 ? ns - 2 : 0,
	};
	uint8_t kid[20];
	if (p[0] & 0x10) {
		memset(kid, p[1], sizeof kid);
		s.issuer_key_id = (sg_rd){ kid, sizeof kid };
	}
	sg_wr w;
	char err[256];
	sg_wr_init(&w, NULL, 0, 1u << 20);
	if (sg_x509_cert_write(&s, key(), &w, err, sizeof err) == 0)
		check_cert(w.buf, w.len, &s);
	sg_wr_free(&w);
	if (!s.issuer.n)
		s.issuer = (sg_rd){ issuer, sizeof issuer };
	check_crl(&s, p, 12);
	for (size_t i = 0; i < ns; i++)
		(void)sg_x509_san_name_ok(str[i]);
	return 0;
}
