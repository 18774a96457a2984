/*
 * PKCS#10 certification requests (RFC 2986), as made by `openssl req`:
 * strict DER, and the request must be signed by the key it carries
 * (proof of possession, RFC 2986 §3).
 */
#include <stdio.h>
#include <string.h>

#include "der/der.h"
#include "x509/internal.h"
#include "x509/oids.h"
#include "x509/x509.h"

/* 1.2.840.113549.1.9.14 extensionRequest (RFC 2985 5.4.2) */
static const uint8_t oid_ext_req[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e};

#define FAIL(msg) do { snprintf(err, errlen, "%s", (msg)); goto err; } while (0)

/* Extensions ::= SEQUENCE OF Extension, looking for a SAN. */
static bool parse_ext_req(sg_x509_csr *c, sg_rd v)
{
	sg_rd exts, ext, oid, val;
	bool present;
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &exts) || !sg_rd_done(&v))
		return false;
	while (!sg_rd_done(&exts)) {
		if (!sg_der_get(&exts, SG_DER_SEQUENCE, &ext) || !sg_der_get_oid(&ext, &oid))
			return false;
		sg_rd b;
		if (!sg_der_get_optional(&ext, SG_DER_BOOLEAN, &b, &present))
			return false;
		if (!sg_der_get(&ext, SG_DER_OCTET_STRING, &val) || !sg_rd_done(&ext))
			return false;
		if (SG_DER_OID_IS(oid, sg_oid_san)) {
			sg_rd names;
			if (c->san_present || !sg_der_get(&val, SG_DER_SEQUENCE, &names) ||
			    !sg_rd_done(&val))
				return false;
			c->san_present = true;
			c->san = names;
		}
	}
	return true;
}

int sg_x509_csr_parse(sg_x509_csr *c, const uint8_t *der, size_t len, char *err, size_t errlen)
{
	sg_rd r, req, info, info_whole, alg, sig, attrs;
	uint64_t version;
	bool present;
	memset(c, 0, sizeof *c);
	sg_rd_init(&r, der, len);
	/* CertificationRequest ::= SEQUENCE { certificationRequestInfo,
	 * signatureAlgorithm, signature BIT STRING } (RFC 2986 §4.2) */
	if (!sg_der_get_whole(&r, SG_DER_SEQUENCE, &c->der) || !sg_rd_done(&r))
		FAIL("request: not a DER SEQUENCE (or trailing bytes)");
	r = c->der;
	if (!sg_der_get(&r, SG_DER_SEQUENCE, &req))
		FAIL("request: malformed");
	if (!sg_der_get_whole(&req, SG_DER_SEQUENCE, &info_whole) ||
	    !sg_der_get_whole(&req, SG_DER_SEQUENCE, &alg) ||
	    !sg_der_get_bit_bytes(&req, &sig) || !sg_rd_done(&req))
		FAIL("request: malformed outer structure");
	if (!sg_x509_parse_sigalg(alg, &c->sigalg))
		FAIL("request: malformed signature algorithm");
	if (!c->sigalg.known)
		FAIL("request: unsupported signature algorithm");

	/* CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) },
	 * subject Name, subjectPKInfo, attributes [0] IMPLICIT SET OF } */
	if (!sg_der_get(&info_whole, SG_DER_SEQUENCE, &info))
		FAIL("request: malformed");
	if (!sg_der_get_u64(&info, &version) || version != 0)
		FAIL("request: version is not v1");
	if (!sg_der_get_whole(&info, SG_DER_SEQUENCE, &c->subject) ||
	    !sg_der_get_whole(&info, SG_DER_SEQUENCE, &c->spki))
		FAIL("request: malformed subject or public key");
	if (!sg_der_get_optional(&info, SG_DER_CTX_CONS(0), &attrs, &present) ||
	    !sg_rd_done(&info))
		FAIL("request: malformed attributes");
	while (present && !sg_rd_done(&attrs)) {
		sg_rd attr, type, vals, v;
		if (!sg_der_get(&attrs, SG_DER_SEQUENCE, &attr) || !sg_der_get_oid(&attr, &type) ||
		    !sg_der_get(&attr, SG_DER_SET, &vals) || !sg_rd_done(&attr))
			FAIL("request: malformed attribute");
		if (!SG_DER_OID_IS(type, oid_ext_req))
			continue;
		if (!sg_der_get_whole(&vals, SG_DER_SEQUENCE, &v) || !sg_rd_done(&vals) ||
		    !parse_ext_req(c, v))
			FAIL("request: malformed extensionRequest");
	}

	/* The signed bytes: the whole certificationRequestInfo TLV. */
	{
		sg_rd outer = c->der, body, signed_part;
		if (!sg_der_get(&outer, SG_DER_SEQUENCE, &body) ||
		    !sg_der_get_whole(&body, SG_DER_SEQUENCE, &signed_part))
			FAIL("request: malformed");
		if (sg_x509_check_sig(c->spki, &c->sigalg, signed_part, sig) != 0)
			FAIL("request: bad self-signature (the request was not signed by its key)");
	}
	return 0;
err:
	return -1;
}
