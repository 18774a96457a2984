/*
 * Certificate and CRL encoding for the CA (RFC 5280 §4 and §5).  Only the
 * profile sigil issues is supported: names of CN and O, validity, one
 * SubjectPublicKeyInfo given as DER, and the extensions a TLS CA needs.
 */
#include <stdio.h>
#include <string.h>

#include "der/der.h"
#include "x509/internal.h"
#include "x509/oids.h"
#include "x509/x509.h"

static const uint8_t oid_org[] = {0x55, 0x04, 0x0a};
/* RFC 5280 Appendix A.1 upper bounds. */
#define UB_COMMON_NAME 64
#define UB_ORGANIZATION_NAME 64

static void seterr(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* The signature algorithm for an issuer key: AlgorithmIdentifier into w,
 * and how to call sg_sign. */
static int sigalg_for_key(const sg_pkey *k, sg_wr *w, sg_sig_kind *kind,
			  const sg_hash_class **h)
{
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	switch (sg_pkey_type(k)) {
	case SG_KEY_EC_P256:
		/* RFC 5758 3.2: ECDSA AlgorithmIdentifiers omit parameters. */
		(void)sg_der_put_oid(w, sg_oid_ecdsa_sha256, sizeof sg_oid_ecdsa_sha256);
		*kind = SG_SIG_ECDSA;
		*h = &sg_sha256;
		break;
	case SG_KEY_EC_P384:
		(void)sg_der_put_oid(w, sg_oid_ecdsa_sha384, sizeof sg_oid_ecdsa_sha384);
		*kind = SG_SIG_ECDSA;
		*h = &sg_sha384;
		break;
	case SG_KEY_EC_P521:
		(void)sg_der_put_oid(w, sg_oid_ecdsa_sha512, sizeof sg_oid_ecdsa_sha512);
		*kind = SG_SIG_ECDSA;
		*h = &sg_sha512;
		break;
	case SG_KEY_ED25519:
		/* RFC 8410 3: parameters MUST be absent. */
		(void)sg_der_put_oid(w, sg_oid_ed25519, sizeof sg_oid_ed25519);
		*kind = SG_SIG_ED25519;
		*h = NULL;
		break;
	case SG_KEY_RSA:
		/* RFC 4055 5: parameters MUST be NULL for PKCS#1 v1.5. */
		(void)sg_der_put_oid(w, sg_oid_sha256_rsa, sizeof sg_oid_sha256_rsa);
		(void)sg_der_put_null(w);
		*kind = SG_SIG_RSA_PKCS1;
		*h = &sg_sha256;
		break;
	default:
		return -1;
	}
	return sg_der_close(w, m) ? 0 : -1;
}

/* Signs the TBS structure tbs[n] (whose signature field already holds
 * algid) and appends SEQUENCE { tbs, algid, BIT STRING sig } to out
 * (RFC 5280 4.1.1 and 5.1.1 share this shape). */
static int sign_wrap(const sg_pkey *k, sg_sig_kind kind, const sg_hash_class *h,
		     const sg_wr *tbs, const sg_wr *algid, sg_wr *out)
{
	uint8_t sig[SG_MAX_SIG];
	size_t siglen = sizeof sig;
	if (sg_sign(k, kind, h, tbs->buf, tbs->len, sig, &siglen) != 0)
		return -1;
	sg_der_mark m = sg_der_open(out, SG_DER_SEQUENCE);
	(void)sg_wr_bytes(out, tbs->buf, tbs->len);
	(void)sg_wr_bytes(out, algid->buf, algid->len);
	(void)sg_der_put_bit_bytes(out, sig, siglen);
	return sg_der_close(out, m) ? 0 : -1;
}

static bool put_attr(sg_wr *w, const uint8_t *oid, size_t oidlen, const char *v, size_t ub)
{
	size_t n = strlen(v);
	/* RFC 5280 4.1.2.4: new certificates use UTF8String; the upper
	 * bounds of Appendix A count characters, bytes are a safe stricter
	 * check. */
	if (n == 0 || n > ub)
		return false;
	sg_der_mark set = sg_der_open(w, SG_DER_SET);
	sg_der_mark seq = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_der_put_oid(w, oid, oidlen);
	if (!sg_der_put_string(w, SG_DER_UTF8_STRING, v, n))
		return false;
	(void)sg_der_close(w, seq);
	return sg_der_close(w, set);
}

/* Name ::= SEQUENCE OF RDN, most significant first: O, then CN. */
static bool put_name(sg_wr *w, const char *cn, const char *org)
{
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	if (org && !put_attr(w, oid_org, sizeof oid_org, org, UB_ORGANIZATION_NAME))
		return false;
	/* CA/B Forum BR 7.1.4.3: a CN that is an IP address is written in
	 * its canonical text (dotted decimal, RFC 5952), whatever spelling
	 * the caller gave ("2001:DB8::1" becomes "2001:db8::1"), or
	 * verifiers of the web profile, sigil's included, refuse it. */
	uint8_t ip[16];
	char canon[48];
	size_t iplen = sg_x509_parse_ip(cn, ip);
	if (iplen) {
		sg_x509_ip_text(ip, iplen, canon, sizeof canon);
		cn = canon;
	}
	if (!put_attr(w, sg_oid_cn, sizeof sg_oid_cn, cn, UB_COMMON_NAME))
		return false;
	return sg_der_close(w, m);
}

/* Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue
 * OCTET STRING } (RFC 5280 4.1): open it up to the OCTET STRING; the
 * caller writes the value and closes both marks. */
struct ext_marks {
	sg_der_mark ext, oct;
};

static struct ext_marks ext_open(sg_wr *w, const uint8_t *oid, size_t n, bool critical)
{
	struct ext_marks e;
	e.ext = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_der_put_oid(w, oid, n);
	/* DER: a DEFAULT value is omitted (X.690 §11.5). */
	if (critical)
		(void)sg_der_put_bool(w, true);
	e.oct = sg_der_open(w, SG_DER_OCTET_STRING);
	return e;
}

static bool ext_close(sg_wr *w, struct ext_marks e)
{
	(void)sg_der_close(w, e.oct);
	return sg_der_close(w, e.ext);
}

bool sg_x509_san_name_ok(const char *s)
{
	uint8_t ip[16];
	if (!s || !*s)
		return false;
	if (sg_x509_parse_ip(s, ip))
		return true;
	/* A name whose last label is all digits ("192.0.2.300", "10.1")
	 * is a mistyped IP address, not a host name: top-level domains
	 * are not numeric (RFC 3696 §2). */
	const char *last = strrchr(s, '.');
	last = last ? last + 1 : s;
	if (*last && strspn(last, "0123456789") == strlen(last))
		return false;
	return sg_x509_dns_valid((const uint8_t *)s, strlen(s), true);
}

/* GeneralNames (RFC 5280 4.2.1.6): dNSName [2] IA5String, iPAddress [7]
 * OCTET STRING of 4 or 16 octets. */
static bool put_san(sg_wr *w, const char *const *names, size_t n)
{
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	for (size_t i = 0; i < n; i++) {
		uint8_t ip[16];
		size_t iplen = sg_x509_parse_ip(names[i], ip);
		if (iplen) {
			(void)sg_der_put(w, SG_DER_CTX(7), ip, iplen);
		} else if (sg_x509_san_name_ok(names[i])) {
			(void)sg_der_put(w, SG_DER_CTX(2), names[i], strlen(names[i]));
		} else {
			return false;
		}
	}
	return sg_der_close(w, m);
}

int sg_x509_key_id(const uint8_t *spki, size_t len, uint8_t out[20])
{
	sg_rd r, seq, alg, bits;
	uint8_t h[32];
	sg_rd_init(&r, spki, len);
	if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&r) ||
	    !sg_der_get(&seq, SG_DER_SEQUENCE, &alg) ||
	    !sg_der_get_bit_bytes(&seq, &bits) || !sg_rd_done(&seq))
		return -1;
	if (sg_hash(&sg_sha256, bits.p, bits.n, h) != 0)
		return -1;
	memcpy(out, h, 20);
	return 0;
}

static bool put_aki(sg_wr *w, const uint8_t *id, size_t n)
{
	/* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] ... } */
	struct ext_marks e = ext_open(w, sg_oid_aki, sizeof sg_oid_aki, false);
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_der_put(w, SG_DER_CTX(0), id, n);
	(void)sg_der_close(w, m);
	return ext_close(w, e);
}

static bool put_extensions(sg_wr *w, const sg_x509_cert_spec *s,
			   const uint8_t ski[20], const uint8_t *aki, size_t akilen,
			   char *err, size_t errlen)
{
	struct ext_marks e;
	sg_der_mark m;
	sg_der_mark ctx = sg_der_open(w, SG_DER_CTX_CONS(3));
	sg_der_mark seq = sg_der_open(w, SG_DER_SEQUENCE);

	/* 4.2.1.9: basicConstraints, critical in CA certificates; we mark
	 * it critical in every certificate, which 5280 permits. cA FALSE is
	 * the DEFAULT and so omitted. */
	e = ext_open(w, sg_oid_bc, sizeof sg_oid_bc, true);
	m = sg_der_open(w, SG_DER_SEQUENCE);
	if (s->ca) {
		(void)sg_der_put_bool(w, true);
		if (s->path_len >= 0)
			(void)sg_der_put_u64(w, (uint64_t)s->path_len);
	}
	(void)sg_der_close(w, m);
	(void)ext_close(w, e);

	/* 4.2.1.3: keyUsage, SHOULD be critical. */
	if (s->key_usage) {
		e = ext_open(w, sg_oid_ku, sizeof sg_oid_ku, true);
		(void)sg_der_put_named_bits(w, s->key_usage);
		(void)ext_close(w, e);
	}

	/* 4.2.1.12: extKeyUsage, non-critical. */
	if (s->eku) {
		e = ext_open(w, sg_oid_eku, sizeof sg_oid_eku, false);
		m = sg_der_open(w, SG_DER_SEQUENCE);
		if (s->eku & SG_EKU_SERVER)
			(void)sg_der_put_oid(w, sg_oid_eku_server, sizeof sg_oid_eku_server);
		if (s->eku & SG_EKU_CLIENT)
			(void)sg_der_put_oid(w, sg_oid_eku_client, sizeof sg_oid_eku_client);
		(void)sg_der_close(w, m);
		(void)ext_close(w, e);
	}

	/* 4.2.1.6: the subject is not empty (it always has a CN), so the
	 * SAN is non-critical. */
	if (s->n_names) {
		if (s->n_names > SG_X509_MAX_NAMES) {
			seterr(err, errlen, "too many subjectAltName entries");
			return false;
		}
		e = ext_open(w, sg_oid_san, sizeof sg_oid_san, false);
		if (!put_san(w, s->names, s->n_names)) {
			seterr(err, errlen, "malformed DNS name or IP address in subjectAltName");
			return false;
		}
		(void)ext_close(w, e);
	}

	/* 4.2.1.2: subjectKeyIdentifier, MUST in CA certificates, SHOULD
	 * in others. */
	e = ext_open(w, sg_oid_ski, sizeof sg_oid_ski, false);
	(void)sg_der_put(w, SG_DER_OCTET_STRING, ski, 20);
	(void)ext_close(w, e);

	/* 4.2.1.1: authorityKeyIdentifier, MUST except in self-signed
	 * certificates, where it MAY appear; we always include it. */
	(void)put_aki(w, aki, akilen);

	(void)sg_der_close(w, seq);
	return sg_der_close(w, ctx);
}

int sg_x509_cert_write(const sg_x509_cert_spec *s, const sg_pkey *key, sg_wr *out,
		       char *err, size_t errlen)
{
	sg_wr tbs, algid, subj;
	uint8_t ski[20];
	sg_sig_kind kind;
	const sg_hash_class *h;
	int ret = -1;
	sg_wr_init(&tbs, NULL, 0, 1u << 20);
	sg_wr_init(&algid, NULL, 0, 256);
	sg_wr_init(&subj, NULL, 0, 1024);

	if (!s || !key || !s->cn || !s->spki || !s->serial ||
	    s->serial_len == 0 || s->serial_len > 20) {
		seterr(err, errlen, "incomplete certificate description");
		goto err;
	}
	if (s->not_after < s->not_before) {
		seterr(err, errlen, "notAfter is before notBefore");
		goto err;
	}
	if (sigalg_for_key(key, &algid, &kind, &h) != 0) {
		seterr(err, errlen, "unsupported issuer key type");
		goto err;
	}
	if (sg_x509_key_id(s->spki, s->spki_len, ski) != 0) {
		seterr(err, errlen, "malformed SubjectPublicKeyInfo");
		goto err;
	}
	if (!put_name(&subj, s->cn, s->org)) {
		seterr(err, errlen, "subject name empty, too long or not UTF-8");
		goto err;
	}

	/* TBSCertificate (RFC 5280 4.1) */
	sg_der_mark m = sg_der_open(&tbs, SG_DER_SEQUENCE);
	/* 4.1.2.1: version v3 (2), explicitly tagged [0]. */
	sg_der_mark v = sg_der_open(&tbs, SG_DER_CTX_CONS(0));
	(void)sg_der_put_u64(&tbs, 2);
	(void)sg_der_close(&tbs, v);
	/* 4.1.2.2: positive, at most 20 octets. */
	(void)sg_der_put_uint(&tbs, SG_DER_INTEGER, s->serial, s->serial_len);
	/* 4.1.2.3: the same algorithm as the outer signatureAlgorithm. */
	(void)sg_wr_bytes(&tbs, algid.buf, algid.len);
	/* 4.1.2.4: issuer, copied verbatim from the issuer's subject so
	 * that name chaining is a byte comparison. */
	if (s->issuer.n)
		(void)sg_wr_bytes(&tbs, s->issuer.p, s->issuer.n);
	else
		(void)sg_wr_bytes(&tbs, subj.buf, subj.len);
	/* 4.1.2.5: validity */
	sg_der_mark val = sg_der_open(&tbs, SG_DER_SEQUENCE);
	(void)sg_der_put_time(&tbs, s->not_before);
	(void)sg_der_put_time(&tbs, s->not_after);
	(void)sg_der_close(&tbs, val);
	(void)sg_wr_bytes(&tbs, subj.buf, subj.len);
	/* 4.1.2.7 */
	(void)sg_wr_bytes(&tbs, s->spki, s->spki_len);
	/* 4.1.2.9 */
	/* 4.2.1.1: the AKI names the key that verifies the signature: the
	 * issuer's SKI when given; for a self-signed certificate our own;
	 * for an issuer without an SKI, the identifier of its key made the
	 * way ours is, never our own (which would name the wrong key). */
	uint8_t issuer_id[20];
	const uint8_t *aki = s->issuer_key_id.n ? s->issuer_key_id.p : ski;
	size_t akilen = s->issuer_key_id.n ? s->issuer_key_id.n : sizeof ski;
	if (s->issuer.n && !s->issuer_key_id.n) {
		sg_wr ispki;
		sg_wr_init(&ispki, NULL, 0, 1u << 16);
		int r = sg_pkey_spki(key, &ispki) == 0 ? sg_x509_key_id(ispki.buf, ispki.len, issuer_id) : -1;
		sg_wr_free(&ispki);
		if (r != 0) {
			seterr(err, errlen, "cannot compute the issuer's key identifier");
			goto err;
		}
		aki = issuer_id;
		akilen = sizeof issuer_id;
	}
	if (!put_extensions(&tbs, s, ski, aki, akilen, err, errlen))
		goto err;
	if (!sg_der_close(&tbs, m) || !sg_wr_ok(&algid) || !sg_wr_ok(&subj)) {
		seterr(err, errlen, "certificate encoding failed");
		goto err;
	}
	if (sign_wrap(key, kind, h, &tbs, &algid, out) != 0) {
		seterr(err, errlen, "signing the certificate failed");
		goto err;
	}
	ret = 0;
err:
	sg_wr_free(&tbs);
	sg_wr_free(&algid);
	sg_wr_free(&subj);
	return ret;
}

int sg_x509_crl_reason_code(const char *name)
{
	for (int r = 0; r <= 10; r++) {
		if (r == 7)
			continue;
		if (strcmp(name, sg_x509_crl_reason_name(r)) == 0)
			return r;
	}
	return -1;
}

int sg_x509_crl_write(const sg_x509_crl_spec *s, const sg_pkey *key, sg_wr *out,
		      char *err, size_t errlen)
{
	sg_wr tbs, algid;
	sg_sig_kind kind;
	const sg_hash_class *h;
	struct ext_marks e;
	int ret = -1;
	sg_wr_init(&tbs, NULL, 0, 64u << 20);
	sg_wr_init(&algid, NULL, 0, 256);

	if (!s || !key || !s->issuer.n || (s->n_entries && !s->entries) ||
	    s->next_update < s->this_update) {
		seterr(err, errlen, "incomplete CRL description");
		goto err;
	}
	if (sigalg_for_key(key, &algid, &kind, &h) != 0) {
		seterr(err, errlen, "unsupported CRL signing key type");
		goto err;
	}
	/* TBSCertList (RFC 5280 5.1) */
	sg_der_mark m = sg_der_open(&tbs, SG_DER_SEQUENCE);
	/* 5.1.2.1: v2 (1), required because extensions are present. */
	(void)sg_der_put_u64(&tbs, 1);
	(void)sg_wr_bytes(&tbs, algid.buf, algid.len);
	(void)sg_wr_bytes(&tbs, s->issuer.p, s->issuer.n);
	(void)sg_der_put_time(&tbs, s->this_update);
	/* 5.1.2.5: conforming CRL issuers MUST include nextUpdate. */
	(void)sg_der_put_time(&tbs, s->next_update);
	/* 5.1.2.6: absent, not empty, when nothing is revoked. */
	if (s->n_entries) {
		sg_der_mark list = sg_der_open(&tbs, SG_DER_SEQUENCE);
		for (size_t i = 0; i < s->n_entries; i++) {
			const sg_x509_crl_entry *en = &s->entries[i];
			if (!en->serial || !en->serial_len || en->serial_len > 20) {
				seterr(err, errlen, "bad serial number in CRL entry");
				goto err;
			}
			sg_der_mark ent = sg_der_open(&tbs, SG_DER_SEQUENCE);
			(void)sg_der_put_uint(&tbs, SG_DER_INTEGER, en->serial, en->serial_len);
			(void)sg_der_put_time(&tbs, en->when);
			/* 5.3.1: reasonCode; unspecified (0) SHOULD be absent. */
			if (en->reason > 0 && en->reason <= 10 && en->reason != 7) {
				sg_der_mark exts = sg_der_open(&tbs, SG_DER_SEQUENCE);
				e = ext_open(&tbs, sg_oid_crl_reason, sizeof sg_oid_crl_reason, false);
				uint8_t r = (uint8_t)en->reason;
				(void)sg_der_put(&tbs, SG_DER_ENUMERATED, &r, 1);
				(void)ext_close(&tbs, e);
				(void)sg_der_close(&tbs, exts);
			}
			(void)sg_der_close(&tbs, ent);
		}
		(void)sg_der_close(&tbs, list);
	}
	/* 5.1.2.7: crlExtensions [0] EXPLICIT */
	sg_der_mark ctx = sg_der_open(&tbs, SG_DER_CTX_CONS(0));
	sg_der_mark seq = sg_der_open(&tbs, SG_DER_SEQUENCE);
	/* 5.2.1: AKI, MUST be included. */
	if (s->issuer_key_id.n)
		(void)put_aki(&tbs, s->issuer_key_id.p, s->issuer_key_id.n);
	/* 5.2.3: cRLNumber, non-critical, MUST be included. */
	e = ext_open(&tbs, sg_oid_crl_number, sizeof sg_oid_crl_number, false);
	(void)sg_der_put_u64(&tbs, s->number);
	(void)ext_close(&tbs, e);
	(void)sg_der_close(&tbs, seq);
	(void)sg_der_close(&tbs, ctx);
	if (!sg_der_close(&tbs, m) || !sg_wr_ok(&algid)) {
		seterr(err, errlen, "CRL encoding failed");
		goto err;
	}
	if (sign_wrap(key, kind, h, &tbs, &algid, out) != 0) {
		seterr(err, errlen, "signing the CRL failed");
		goto err;
	}
	ret = 0;
err:
	sg_wr_free(&tbs);
	sg_wr_free(&algid);
	return ret;
}
