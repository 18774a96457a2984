/*
 * Certificate revocation lists, RFC 5280 §5: parsing, serial lookup and
 * the list type that verification consults.
 */
#include "x509/internal.h"
#include "x509/oids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto err; } while (0)

static bool crl_exts(sg_x509_crl *crl, sg_rd exts, bool *has_number)
{
	sg_rd seq;
	if (!sg_der_get(&exts, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&exts) || sg_rd_done(&seq))
		return false;
	while (!sg_rd_done(&seq)) {
		sg_rd ext, oid, v;
		bool critical = false;
		uint8_t tag;
		if (!sg_der_get(&seq, SG_DER_SEQUENCE, &ext) || !sg_der_get_oid(&ext, &oid))
			return false;
		if (sg_der_peek_tag(&ext, &tag) && tag == SG_DER_BOOLEAN &&
		    !sg_der_get_bool(&ext, &critical))
			return false;
		if (!sg_der_get(&ext, SG_DER_OCTET_STRING, &v) || !sg_rd_done(&ext))
			return false;
		if (SG_DER_OID_IS(oid, sg_oid_crl_number)) {
			/* 5.2.3: non-critical, 0..2^159 (20 octets). */
			sg_rd n;
			if (critical || *has_number || !sg_der_get_integer(&v, &n) ||
			    !sg_rd_done(&v) || (n.p[0] & 0x80) || n.n > 21)
				return false;
			*has_number = true;
		} else if (SG_DER_OID_IS(oid, sg_oid_aki)) {
			sg_rd seq2, names, serial;
			bool has_id, hn, hs;
			if (critical || !sg_der_get(&v, SG_DER_SEQUENCE, &seq2) ||
			    !sg_der_get_optional(&seq2, SG_DER_CTX(0), &crl->aki_keyid, &has_id) ||
			    !sg_der_get_optional(&seq2, SG_DER_CTX_CONS(1), &names, &hn) ||
			    !sg_der_get_optional(&seq2, SG_DER_CTX(2), &serial, &hs) ||
			    !sg_rd_done(&seq2))
				return false;
			crl->aki_present = has_id;
		} else if (SG_DER_OID_IS(oid, sg_oid_idp)) {
			crl->idp_present = true;
		} else if (SG_DER_OID_IS(oid, sg_oid_delta_crl)) {
			crl->delta = true;
		} else if (SG_DER_OID_IS(oid, sg_oid_ian) || SG_DER_OID_IS(oid, sg_oid_aia) ||
			   SG_DER_OID_IS(oid, sg_oid_freshest_crl)) {
			if (critical)
				crl->unknown_critical = true;
		} else if (critical) {
			crl->unknown_critical = true;
		}
	}
	return true;
}

int sg_x509_crl_parse(sg_x509_crl *crl, const uint8_t *der, size_t len,
		      char *err, size_t errlen)
{
	sg_rd in, cl, tbs, alg, alg2;
	char dummy[1];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	memset(crl, 0, sizeof *crl);
	sg_rd_init(&in, der, len);
	/* 5.1: CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
	 * signatureValue }. */
	if (!sg_der_get_whole(&in, SG_DER_SEQUENCE, &crl->der) || !sg_rd_done(&in))
		FAIL("CRL is not one DER SEQUENCE");
	cl = crl->der;
	if (!sg_der_get(&cl, SG_DER_SEQUENCE, &cl) ||
	    !sg_der_get_whole(&cl, SG_DER_SEQUENCE, &crl->tbs) ||
	    !sg_der_get_whole(&cl, SG_DER_SEQUENCE, &alg) ||
	    !sg_der_get_bit_bytes(&cl, &crl->sig) || !sg_rd_done(&cl))
		FAIL("malformed CRL");
	if (!sg_x509_parse_sigalg(alg, &crl->sigalg))
		FAIL("malformed CRL signature algorithm");
	tbs = crl->tbs;
	if (!sg_der_get(&tbs, SG_DER_SEQUENCE, &tbs))
		FAIL("malformed TBSCertList");
	/* 5.1.2.1: version v2 (1) when present; we need v2 for CRLNumber. */
	uint8_t tag;
	uint64_t ver = 0;
	if (sg_der_peek_tag(&tbs, &tag) && tag == SG_DER_INTEGER) {
		if (!sg_der_get_u64(&tbs, &ver) || ver != 1)
			FAIL("unsupported CRL version");
	}
	if (!sg_der_get_whole(&tbs, SG_DER_SEQUENCE, &alg2) || alg2.n != alg.n ||
	    memcmp(alg2.p, alg.p, alg.n) != 0)
		FAIL("CRL signature algorithm differs inside and outside the TBSCertList");
	if (!sg_der_get_whole(&tbs, SG_DER_SEQUENCE, &crl->issuer))
		FAIL("malformed CRL issuer");
	if (!sg_der_get_time(&tbs, &crl->this_update))
		FAIL("malformed CRL thisUpdate");
	if (sg_der_peek_tag(&tbs, &tag) &&
	    (tag == SG_DER_UTC_TIME || tag == SG_DER_GENERALIZED_TIME) &&
	    !sg_der_get_time(&tbs, &crl->next_update))
		FAIL("malformed CRL nextUpdate");
	bool has;
	if (!sg_der_get_optional(&tbs, SG_DER_SEQUENCE, &crl->revoked, &has))
		FAIL("malformed revokedCertificates");
	/* Check every entry's shape now so lookups can trust it. */
	sg_rd rl = crl->revoked;
	while (!sg_rd_done(&rl)) {
		sg_rd e, serial;
		int64_t when;
		if (!sg_der_get(&rl, SG_DER_SEQUENCE, &e) || !sg_der_get_integer(&e, &serial) ||
		    !sg_der_get_time(&e, &when))
			FAIL("malformed revoked certificate entry");
		if (!sg_rd_done(&e)) {
			sg_rd ex;
			if (!sg_der_get(&e, SG_DER_SEQUENCE, &ex) || !sg_rd_done(&e))
				FAIL("malformed CRL entry extensions");
		}
	}
	sg_rd exts;
	bool has_number = false;
	if (!sg_der_get_optional(&tbs, SG_DER_CTX_CONS(0), &exts, &has))
		FAIL("malformed CRL extensions");
	if (has && (ver != 1 || !crl_exts(crl, exts, &has_number)))
		FAIL("malformed CRL extensions");
	if (!sg_rd_done(&tbs))
		FAIL("trailing data in TBSCertList");
	/* 5.2.3: conforming CRL issuers MUST include the CRL number. */
	if (!has_number)
		FAIL("CRL has no CRL number");
	return 0;
err:
	return -1;
}

/* The reasonCode of an entry's extensions (5.3.1), or -1. */
static int entry_reason(sg_rd exts)
{
	sg_rd seq;
	if (!sg_der_get(&exts, SG_DER_SEQUENCE, &seq))
		return -1;
	while (!sg_rd_done(&seq)) {
		sg_rd ext, oid, v;
		uint8_t tag;
		bool crit;
		uint32_t code;
		if (!sg_der_get(&seq, SG_DER_SEQUENCE, &ext) || !sg_der_get_oid(&ext, &oid))
			return -1;
		if (sg_der_peek_tag(&ext, &tag) && tag == SG_DER_BOOLEAN &&
		    !sg_der_get_bool(&ext, &crit))
			return -1;
		if (!sg_der_get(&ext, SG_DER_OCTET_STRING, &v))
			return -1;
		if (SG_DER_OID_IS(oid, sg_oid_crl_reason) && sg_der_get_enum(&v, &code))
			return (int)code;
	}
	return -1;
}

int sg_x509_crl_lookup(const sg_x509_crl *crl, sg_rd serial, int *reason)
{
	sg_rd rl = crl->revoked;
	*reason = -1;
	while (!sg_rd_done(&rl)) {
		sg_rd e, s;
		int64_t when;
		if (!sg_der_get(&rl, SG_DER_SEQUENCE, &e) || !sg_der_get_integer(&e, &s) ||
		    !sg_der_get_time(&e, &when))
			return -1;
		if (s.n == serial.n && memcmp(s.p, serial.p, s.n) == 0) {
			if (!sg_rd_done(&e))
				*reason = entry_reason(e);
			return 1;
		}
	}
	return 0;
}

const char *sg_x509_crl_reason_name(int r)
{
	/* 5.3.1 CRLReason; 7 is unused. */
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", "reason7",
		"removeFromCRL", "privilegeWithdrawn", "aACompromise",
	};
	if (r < 0 || r > 10)
		return "no reason given";
	return names[r];
}

/* ---- the list of CRLs ---- */

struct crl_entry {
	uint8_t *der;
	sg_x509_crl crl;
};

struct sg_x509_crls {
	size_t n, cap;
	struct crl_entry *e;
};

sg_x509_crls *sg_x509_crls_new(void)
{
	return calloc(1, sizeof(sg_x509_crls));
}

void sg_x509_crls_free(sg_x509_crls *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].der);
	free(l->e);
	free(l);
}

int sg_x509_crls_add_der(sg_x509_crls *l, const uint8_t *der, size_t len, char *err, size_t errlen)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 4;
		struct crl_entry *ne = realloc(l->e, nc * sizeof *ne);
		if (!ne) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		l->e = ne;
		l->cap = nc;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* An empty PEM block gives der == NULL, len 0: memcpy's arguments
	 * must be valid pointers even for 0 bytes (C11 7.24.1). */
	if (len)
		memcpy(copy, der, len);
	if (sg_x509_crl_parse(&l->e[l->n].crl, copy, len, err, errlen) != 0) {
		free(copy);
		return -1;
	}
	l->e[l->n++].der = copy;
	return 1;
}

int sg_x509_crls_add_pem(sg_x509_crls *l, const char *pem, size_t len, char *err, size_t errlen)
{
	sg_rd t;
	sg_wr w;
	char label[64];
	int count = 0, rc;
	sg_rd_init(&t, (const uint8_t *)pem, len);
	sg_wr_init(&w, NULL, 0, 16u << 20);
	while ((rc = sg_pem_next(&t, label, sizeof label, &w, err, errlen)) == 1) {
		if (strcmp(label, "X509 CRL") == 0) {
			if (sg_x509_crls_add_der(l, w.buf, w.len, err, errlen) < 0) {
				rc = -1;
				break;
			}
			count++;
		}
		sg_wr_reset(&w);
	}
	sg_wr_free(&w);
	return rc < 0 ? -1 : count;
}

size_t sg_x509_crls_count(const sg_x509_crls *l)
{
	return l ? l->n : 0;
}

const sg_x509_crl *sg_x509_crls_at(const sg_x509_crls *l, size_t i)
{
	return l && i < l->n ? &l->e[i].crl : NULL;
}
