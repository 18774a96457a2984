/* Helpers shared between the files of src/x509 (not for other layers). */
#ifndef SG_X509_INTERNAL_H
#define SG_X509_INTERNAL_H

#include "der/der.h"
#include "x509/x509.h"

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* Fuzzing builds only (fuzz/fuzz_verify.c): when set, certificate
 * signatures in path validation count as valid, so that mutated chains
 * reach the checks behind them.  Never compiled into the library. */
extern bool sg_x509_fuzz_skip_signatures;
#endif

/* ASCII case folding for host names and their constraints. */
static inline uint8_t sg_x509_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static inline bool sg_x509_ieq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sg_x509_lower(a[i]) != sg_x509_lower(b[i]))
			return false;
	return true;
}

/* Parses an AlgorithmIdentifier TLV of a signature into *a (known=false
 * for an algorithm we do not implement). False only when malformed. */
bool sg_x509_parse_sigalg(sg_rd alg, sg_x509_sigalg *a);
/* Verifies sig over msg with the key of spki (whole TLV): 0 ok. */
int sg_x509_check_sig(sg_rd spki, const sg_x509_sigalg *a, sg_rd msg, sg_rd sig);
/* Formats an INTEGER content as 0x.. hex (leading zero byte dropped). */
void sg_x509_serial_hex(sg_rd serial, char *out, size_t cap);
/* A preferred-name-syntax DNS name (RFC 1034 §3.5, with digits allowed
 * first per RFC 1123 §2.1): letters, digits and hyphens, labels of 1..63
 * octets not starting or ending with '-', at most 253 octets. With
 * wildcard_ok, the first label may be exactly "*". */
bool sg_x509_dns_valid(const uint8_t *p, size_t n, bool wildcard_ok);
/* Comparisons of a name against a subtree that one verification may
 * spend on name constraints (RFC 5280 4.2.1.10 gives no bound; the
 * work is names x subtrees, both chosen by whoever made the chain).
 * 250,000 is the figure webpki (per verification) and Go's crypto/x509
 * (per certificate, VerifyOptions.MaxConstraintComparisions) chose.
 * Measured here (December 2026, 2 cores): a chain of 1,000 names under
 * 1,000 subtrees is refused after about 8 ms, where checking it to the
 * end took 75 ms; real chains stay far below the figure (a certificate
 * with 100 names under a CA with 1,000 subtrees spends about 102,000,
 * the subtrees' own validation included). */
#define SG_X509_NC_BUDGET 250000u
/* Name constraints of `ca` (which has nc_present) applied to cert c:
 * 0 ok, -1 violated, -2 the budget (*budget, decremented as the work
 * goes) ran out; why gets a sentence. */
int sg_x509_nc_check(const sg_x509_cert *ca, const sg_x509_cert *c, bool is_leaf,
		     size_t *budget, char *why, size_t cap);
/* CA/Browser Forum BR 7.1.4.3 for the subject commonName of a server
 * certificate: at most one, and when present exactly one of the SAN
 * values in its canonical text. 0 ok, -1 not (why gets a sentence). */
int sg_x509_cn_check(const sg_x509_cert *c, char *why, size_t cap);
/* RDN (SET content) comparison and DN prefix test, RFC 5280 7.1. */
bool sg_x509_rdn_eq(sg_rd a, sg_rd b);
bool sg_x509_name_within(sg_rd name, sg_rd constraint);
/* Unix time now. */
int64_t sg_x509_now(void);

#endif
