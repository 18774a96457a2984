/*
 * Path building and validation (RFC 5280 §6, RFC 4158 for the building),
 * with the web PKI's stricter profile where RFC 5280 leaves room.
 *
 * Building is a depth-first search from the leaf: for the certificate on
 * top of the path, first every trust anchor whose subject matches its
 * issuer, then every presented intermediate that does, each one accepted
 * only when it is a usable CA and its key verifies the signature.  When a
 * complete path fails a path-wide check (path length, name constraints,
 * revocation, pins) the search backtracks and tries the next candidate,
 * so extra and cross-signed certificates cannot hide a good path.  A work
 * budget bounds the search against pathological inputs (many certificates
 * with the same names).
 *
 * When every path fails, the reason reported is the most specific one
 * seen: a check on a candidate that matched by name beats "unknown
 * issuer", and the first such failure wins.
 */
#include "x509/internal.h"
#include "x509/oids.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Signature verifications and candidate visits per verification. */
#define SIG_BUDGET 64
#define NODE_BUDGET 2048
#define MAX_POOL 64

enum rank {
	R_NONE = 0,
	R_UNKNOWN_ISSUER,       /* no candidate at all */
	R_CANDIDATE,            /* a candidate issuer was refused */
	R_PATH,                 /* a complete path was refused */
	R_LEAF,                 /* the leaf itself is unacceptable */
};

struct vctx {
	const sg_x509_store *trust;
	const sg_x509_verify_opts *o;
	int64_t at;
	unsigned max_depth;
	const sg_x509_cert *pool;
	size_t npool;
	const sg_x509_cert *path[SG_X509_MAX_CHAIN];
	unsigned sigs, nodes;
	bool gave_up;
	int rank;
	uint8_t alert;
	int depth;
	char reason[512];
};

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void fail(struct vctx *v, int rank, uint8_t alert, int depth, const char *fmt, ...)
{
	if (rank <= v->rank)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
	v->rank = rank;
	v->alert = alert;
	v->depth = depth;
}

static void label(const sg_x509_cert *c, char *out, size_t cap)
{
	sg_x509_cert_label(c, out, cap);
}

/* Key checks of the web PKI: RSA of at least 2048 bits in whole bytes,
 * named curves P-256/P-384/P-521, Ed25519; nothing else (no DSA, no
 * explicit curve parameters, no P-192). */
static bool key_ok(const sg_x509_cert *c, char *why, size_t cap)
{
	static const uint8_t ec_oid[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
	sg_rd spki = c->spki, seq, alg, oid;
	if (!sg_der_get(&spki, SG_DER_SEQUENCE, &seq) || !sg_der_get(&seq, SG_DER_SEQUENCE, &alg) ||
	    !sg_der_get_oid(&alg, &oid))
		goto bad;
	if (SG_DER_OID_IS(oid, ec_oid)) {
		/* RFC 5480 §2.1.1: namedCurve only in the web PKI. */
		sg_rd curve;
		if (!sg_der_get_oid(&alg, &curve) || !sg_rd_done(&alg)) {
			snprintf(why, cap, "EC key without a named curve");
			return false;
		}
	}
	sg_pkey *k = sg_pkey_public_from_spki(c->spki.p, c->spki.n);
	if (!k)
		goto bad;
	sg_key_type t = sg_pkey_type(k);
	size_t bits = sg_pkey_bits(k);
	sg_pkey_free(k);
	switch (t) {
	case SG_KEY_RSA:
		if (bits < 2048 || bits % 8 != 0) {
			snprintf(why, cap, "RSA key of %zu bits is not acceptable", bits);
			return false;
		}
		return true;
	case SG_KEY_EC_P256:
	case SG_KEY_EC_P384:
	case SG_KEY_EC_P521:
	case SG_KEY_ED25519:
		return true;
	default:
		break;
	}
bad:
	snprintf(why, cap, "unsupported or malformed public key");
	return false;
}

enum role { ROLE_LEAF, ROLE_INTERMEDIATE, ROLE_ANCHOR };

static bool eku_allows(const sg_x509_cert *c, int purpose)
{
	if (!c->eku_present || purpose == SG_X509_PURPOSE_ANY)
		return true;
	if (c->eku & SG_EKU_ANY)
		return true;
	return purpose == SG_X509_PURPOSE_SERVER ? (c->eku & SG_EKU_SERVER) != 0
						 : (c->eku & SG_EKU_CLIENT) != 0;
}

/* Checks of one certificate that do not depend on the rest of the path.
 * Returns false after recording why (at `rank`). */
static bool cert_ok(struct vctx *v, const sg_x509_cert *c, enum role role, int depth, int rank)
{
	char lb[256], why[200];
	label(c, lb, sizeof lb);
	const char *what = role == ROLE_ANCHOR ? "trust anchor" :
			   role == ROLE_INTERMEDIATE ? "issuing certificate" : "certificate";
	if (c->version != 3) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s is version %d, not 3 (depth %d, %s)", what, c->version, depth, lb);
		return false;
	}
	/* RFC 5280 4.2: unknown critical extensions MUST be rejected. */
	if (c->unknown_critical) {
		fail(v, rank, SG_ALERT_UNSUPPORTED_CERTIFICATE, depth,
		     "%s has unsupported critical extension %s (depth %d, %s)",
		     what, c->unknown_critical_oid, depth, lb);
		return false;
	}
	/* RFC 5280 4.1.2.2: positive, at most 20 octets. Not enforced on
	 * trust anchors: some long-lived roots have serial 0. */
	if (role != ROLE_ANCHOR && (c->serial.n > 21 || (c->serial.n == 21 && c->serial.p[0] != 0) ||
	    (c->serial.p[0] & 0x80) || (c->serial.n == 1 && c->serial.p[0] == 0))) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s has an invalid serial number (depth %d, %s)", what, depth, lb);
		return false;
	}
	/* 4.1.2.4: the issuer field MUST contain a non-empty name. */
	if (c->issuer_empty) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s has an empty issuer name (depth %d, %s)", what, depth, lb);
		return false;
	}
	/* 4.2.1.6: an empty subject needs a critical subjectAltName, and
	 * the SAN SHOULD NOT be critical otherwise (webpki refuses it). */
	if (c->subject_empty && (!c->san_present || !c->san_critical)) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s has an empty subject without a critical subjectAltName (depth %d)",
		     what, depth);
		return false;
	}
	if (!c->subject_empty && c->san_present && c->san_critical) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s has a critical subjectAltName beside a subject name (depth %d, %s)",
		     what, depth, lb);
		return false;
	}
	/* 4.2.1.11: policyConstraints MUST be critical. */
	if (c->policy_constraints_present && !c->pc_critical) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s has a non-critical policyConstraints extension (depth %d, %s)",
		     what, depth, lb);
		return false;
	}
	/* 4.2.1.3: keyCertSign only with cA. */
	if (c->ku_present && (c->key_usage & SG_KU_KEY_CERT_SIGN) && !(c->bc_present && c->ca)) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s asserts keyCertSign without being a CA (depth %d, %s)", what, depth, lb);
		return false;
	}
	if (!key_ok(c, why, sizeof why)) {
		fail(v, rank, SG_ALERT_UNSUPPORTED_CERTIFICATE, depth, "%s (depth %d, %s)",
		     why, depth, lb);
		return false;
	}
	if (!v->o->no_time_check) {
		char t[40];
		if (v->at > c->not_after) {
			sg_der_time_to_string(c->not_after, t, sizeof t);
			fail(v, rank, SG_ALERT_CERTIFICATE_EXPIRED, depth,
			     "%s expired on %s (depth %d, %s)", what, t, depth, lb);
			return false;
		}
		if (v->at < c->not_before) {
			sg_der_time_to_string(c->not_before, t, sizeof t);
			fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
			     "%s is not valid before %s (depth %d, %s)", what, t, depth, lb);
			return false;
		}
	}
	if (!eku_allows(c, v->o->purpose)) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "%s is not valid for %s authentication (extKeyUsage; depth %d, %s)", what,
		     v->o->purpose == SG_X509_PURPOSE_CLIENT ? "TLS client" : "TLS server",
		     depth, lb);
		return false;
	}
	if (role == ROLE_LEAF) {
		/* The web PKI refuses CA certificates as end entities. */
		if (c->bc_present && c->ca) {
			fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
			     "certificate is a CA certificate, not an end entity (depth %d, %s)",
			     depth, lb);
			return false;
		}
		/* 4.2.1.10: name constraints only in CA certificates. */
		if (c->nc_present) {
			fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
			     "end-entity certificate has name constraints (depth %d, %s)", depth, lb);
			return false;
		}
		/* TLS 1.3 authenticates with a signature (RFC 8446 4.4.2.2):
		 * keyUsage, when present, must allow it. */
		if (c->ku_present && !(c->key_usage & SG_KU_DIGITAL_SIGNATURE)) {
			fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
			     "certificate key usage does not allow digitalSignature (depth %d, %s)",
			     depth, lb);
			return false;
		}
		return true;
	}
	/* CA certificates: 6.1.4 (k) basicConstraints with cA, which 4.2.1.9
	 * says MUST be critical; (n) keyCertSign when keyUsage is present;
	 * 4.1.2.6 non-empty subject; 4.2.1.2 subjectKeyIdentifier MUST
	 * appear. */
	if (!c->bc_present || !c->ca) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "issuer is not a CA (basicConstraints; depth %d, %s)", depth, lb);
		return false;
	}
	if (!c->bc_critical) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "CA certificate has non-critical basicConstraints (depth %d, %s)", depth, lb);
		return false;
	}
	if (c->ku_present && !(c->key_usage & SG_KU_KEY_CERT_SIGN)) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "CA key usage does not allow keyCertSign (depth %d, %s)", depth, lb);
		return false;
	}
	if (c->subject_empty) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "CA certificate has an empty subject (depth %d)", depth);
		return false;
	}
	if (!c->ski_present) {
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "CA certificate has no subjectKeyIdentifier (depth %d, %s)", depth, lb);
		return false;
	}
	return true;
}

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
bool sg_x509_fuzz_skip_signatures;
#endif

/* Signature of child by issuer. */
static bool sig_ok(struct vctx *v, const sg_x509_cert *child, const sg_x509_cert *issuer,
		   int depth, int rank)
{
	char lb[256];
	if (!child->sigalg.known) {
		label(child, lb, sizeof lb);
		fail(v, rank, SG_ALERT_UNSUPPORTED_CERTIFICATE, depth,
		     "unsupported signature algorithm (depth %d, %s)", depth, lb);
		return false;
	}
	v->sigs++;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	if (sg_x509_fuzz_skip_signatures)
		return true;
#endif
	if (sg_x509_check_sig(issuer->spki, &child->sigalg, child->tbs, child->sig) != 0) {
		label(child, lb, sizeof lb);
		fail(v, rank, SG_ALERT_BAD_CERTIFICATE, depth,
		     "bad signature (depth %d, %s)", depth, lb);
		return false;
	}
	return true;
}

/* CRL checks of path[0..k-1] (RFC 5280 §6.3, simplified to complete CRLs
 * issued by the certificate's issuer). */
static bool crl_ok(struct vctx *v, size_t k)
{
	const sg_x509_crls *l = v->o->crls;
	size_t ncrl = sg_x509_crls_count(l);
	for (size_t i = 0; i < k; i++) {
		const sg_x509_cert *c = v->path[i], *iss = v->path[i + 1];
		bool covered = false;
		char lb[256];
		label(iss, lb, sizeof lb);
		for (size_t j = 0; j < ncrl; j++) {
			const sg_x509_crl *crl = sg_x509_crls_at(l, j);
			if (!sg_x509_name_eq(crl->issuer, iss->subject))
				continue;
			/* Partitioned or delta CRLs and unknown critical
			 * extensions: scope unknown, so not used. */
			if (crl->idp_present || crl->delta || crl->unknown_critical)
				continue;
			if (!crl->sigalg.known ||
			    sg_x509_check_sig(iss->spki, &crl->sigalg, crl->tbs, crl->sig) != 0)
				continue;       /* not from this issuer's key */
			/* 6.3.3 (f): the CRL issuer must be allowed to sign
			 * CRLs. */
			if (iss->ku_present && !(iss->key_usage & SG_KU_CRL_SIGN)) {
				fail(v, R_PATH, SG_ALERT_BAD_CERTIFICATE, (int)i + 1,
				     "CRL issuer's key usage does not allow cRLSign (depth %zu, %s)",
				     i + 1, lb);
				return false;
			}
			bool current = v->o->no_time_check ||
				       (crl->this_update <= v->at &&
					(crl->next_update == 0 || v->at <= crl->next_update));
			if (!current) {
				if (v->o->crl_required && i == 0) {
					char t[40];
					sg_der_time_to_string(crl->next_update, t, sizeof t);
					fail(v, R_PATH, SG_ALERT_CERTIFICATE_UNKNOWN, 0,
					     "CRL of %s is not current (next update %s)", lb, t);
					return false;
				}
				continue;
			}
			int reason;
			int r = sg_x509_crl_lookup(crl, c->serial, &reason);
			if (r != 0) {
				char sn[80];
				sg_x509_serial_hex(c->serial, sn, sizeof sn);
				fail(v, R_PATH, SG_ALERT_CERTIFICATE_REVOKED, (int)i,
				     "revoked (serial %s, %s, CRL of %s)", sn,
				     sg_x509_crl_reason_name(reason), lb);
				return false;
			}
			covered = true;
		}
		if (!covered && v->o->crl_required && i == 0) {
			fail(v, R_PATH, SG_ALERT_CERTIFICATE_UNKNOWN, 0,
			     "no current CRL from %s for the certificate", lb);
			return false;
		}
	}
	return true;
}

static int pin_check(struct vctx *v, size_t k)
{
	for (size_t i = 0; i <= k; i++) {
		int r = sg_x509_pin_match(v->o->pins, v->path[i]->spki);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Path-wide checks of path[0..k] where path[k] is an anchor. */
static bool path_ok(struct vctx *v, size_t k)
{
	char lb[256], why[400];
	/* 6.1.4 (l)-(m): pathLenConstraint counts the non-self-issued
	 * intermediates below a CA (the leaf excluded). */
	for (size_t i = 1; i <= k; i++) {
		const sg_x509_cert *ca = v->path[i];
		if (ca->path_len < 0)
			continue;
		int below = 0;
		for (size_t j = 1; j < i; j++)
			if (!v->path[j]->self_issued)
				below++;
		if (below > ca->path_len) {
			label(ca, lb, sizeof lb);
			fail(v, R_PATH, SG_ALERT_BAD_CERTIFICATE, (int)i,
			     "path length constraint %d exceeded (depth %zu, %s)",
			     ca->path_len, i, lb);
			return false;
		}
	}
	/* 6.1.3 (b)-(c): a CA's name constraints apply to every certificate
	 * below it, except self-issued intermediates. */
	for (size_t i = 1; i <= k; i++) {
		const sg_x509_cert *ca = v->path[i];
		if (!ca->nc_present)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (j != 0 && v->path[j]->self_issued)
				continue;
			if (sg_x509_nc_check(ca, v->path[j], j == 0, why, sizeof why) != 0) {
				label(v->path[j], lb, sizeof lb);
				fail(v, R_PATH, SG_ALERT_BAD_CERTIFICATE, (int)j,
				     "%s (depth %zu, %s)", why, j, lb);
				return false;
			}
		}
	}
	if (!crl_ok(v, k))
		return false;
	if (v->o->pins) {
		int r = pin_check(v, k);
		if (r <= 0) {
			fail(v, R_PATH, SG_ALERT_BAD_CERTIFICATE, 0, r < 0 ?
			     "malformed public key pin list" :
			     "no public key in the chain matches the pinned keys");
			return false;
		}
	}
	return true;
}

static bool in_path(struct vctx *v, size_t depth, const sg_x509_cert *c)
{
	for (size_t i = 0; i <= depth; i++) {
		const sg_x509_cert *p = v->path[i];
		if (p == c || (p->der.n == c->der.n && memcmp(p->der.p, c->der.p, c->der.n) == 0))
			return true;
		/* The same subject and key again is a loop through
		 * cross-signatures; never useful (RFC 4158 §5.2). */
		if (sg_x509_name_eq(p->subject, c->subject) && p->spki.n == c->spki.n &&
		    memcmp(p->spki.p, c->spki.p, c->spki.n) == 0)
			return true;
	}
	return false;
}

static bool keyid_mismatch(const sg_x509_cert *child, const sg_x509_cert *cand)
{
	return child->aki_present && child->aki_keyid.n && cand->ski_present &&
	       (child->aki_keyid.n != cand->ski.n ||
		memcmp(child->aki_keyid.p, cand->ski.p, cand->ski.n) != 0);
}

static bool budget_left(struct vctx *v)
{
	if (v->sigs >= SIG_BUDGET || v->nodes >= NODE_BUDGET) {
		v->gave_up = true;
		return false;
	}
	v->nodes++;
	return true;
}

/* Intermediates in path[1..depth] that count toward the depth limit:
 * like pathLenConstraint, self-issued ones do not. */
static unsigned logical(const struct vctx *v, size_t depth)
{
	unsigned n = 0;
	for (size_t i = 1; i <= depth; i++)
		n += !v->path[i]->self_issued;
	return n;
}

/* path[0..depth] is set; find issuers of path[depth]. True when a full
 * valid path was found (left in v->path, length returned in *len). */
static bool build(struct vctx *v, size_t depth, size_t *len)
{
	const sg_x509_cert *cur = v->path[depth];
	bool any = false;
	size_t nanch = sg_x509_store_count(v->trust);
	/* Candidates whose subjectKeyIdentifier matches the child's
	 * authorityKeyIdentifier first, the rest after (4.2.1.1 says the
	 * identifier helps pick among issuers of the same name). */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nanch; i++) {
			const sg_x509_cert *a = sg_x509_store_at(v->trust, i);
			if (!sg_x509_name_eq(a->subject, cur->issuer) || keyid_mismatch(cur, a) != pass)
				continue;
			any = true;
			if (!budget_left(v))
				return false;
			if (logical(v, depth) + 1 > v->max_depth) {
				fail(v, R_CANDIDATE, SG_ALERT_BAD_CERTIFICATE, (int)depth + 1,
				     "certificate chain longer than the maximum depth %u",
				     v->max_depth);
				continue;
			}
			if (!cert_ok(v, a, ROLE_ANCHOR, (int)depth + 1, R_CANDIDATE) ||
			    !sig_ok(v, cur, a, (int)depth, R_CANDIDATE))
				continue;
			v->path[depth + 1] = a;
			if (path_ok(v, depth + 1)) {
				*len = depth + 2;
				return true;
			}
		}
		for (size_t i = 0; i < v->npool; i++) {
			const sg_x509_cert *p = &v->pool[i];
			if (!sg_x509_name_eq(p->subject, cur->issuer) || keyid_mismatch(cur, p) != pass)
				continue;
			if (in_path(v, depth, p))
				continue;
			any = true;
			if (!budget_left(v))
				return false;
			/* An intermediate needs an anchor above it. */
			if (logical(v, depth) + !p->self_issued + 1 > v->max_depth ||
			    depth + 2 >= SG_X509_MAX_CHAIN) {
				fail(v, R_CANDIDATE, SG_ALERT_BAD_CERTIFICATE, (int)depth + 1,
				     "certificate chain longer than the maximum depth %u",
				     v->max_depth);
				continue;
			}
			if (!cert_ok(v, p, ROLE_INTERMEDIATE, (int)depth + 1, R_CANDIDATE) ||
			    !sig_ok(v, cur, p, (int)depth, R_CANDIDATE))
				continue;
			v->path[depth + 1] = p;
			if (build(v, depth + 1, len))
				return true;
			if (v->gave_up)
				return false;
		}
	}
	if (!any) {
		char in[256];
		if (sg_x509_name_to_string(cur->issuer, in, sizeof in) < 0)
			snprintf(in, sizeof in, "?");
		fail(v, R_UNKNOWN_ISSUER, SG_ALERT_UNKNOWN_CA, (int)depth + 1,
		     "unknown issuer \"%s\" (depth %zu)", in, depth + 1);
	}
	return false;
}

struct san_list {
	char *out;
	size_t cap, len;
	bool emails;
};

static int list_san(void *ctx, uint8_t tag, sg_rd v)
{
	struct san_list *l = ctx;
	char item[300];
	if (tag == SG_DER_CTX(2)) {
		char s[260];
		sg_der_string_to_utf8(SG_DER_IA5_STRING, v, s, sizeof s);
		snprintf(item, sizeof item, "DNS:%s", s);
	} else if (tag == SG_DER_CTX(1) && l->emails) {
		char s[260];
		sg_der_string_to_utf8(SG_DER_IA5_STRING, v, s, sizeof s);
		snprintf(item, sizeof item, "email:%s", s);
	} else if (tag == SG_DER_CTX(7) && v.n == 4) {
		snprintf(item, sizeof item, "IP:%u.%u.%u.%u", v.p[0], v.p[1], v.p[2], v.p[3]);
	} else if (tag == SG_DER_CTX(7) && v.n == 16) {
		size_t o = (size_t)snprintf(item, sizeof item, "IP:");
		for (size_t i = 0; i < 16; i += 2)
			o += (size_t)snprintf(item + o, sizeof item - o, "%s%x", i ? ":" : "",
					      (unsigned)(v.p[i] << 8 | v.p[i + 1]));
	} else {
		return 0;
	}
	int k = snprintf(l->out + l->len, l->cap - l->len, "%s%s", l->len ? ", " : "", item);
	if (k > 0)
		l->len += (size_t)k < l->cap - l->len ? (size_t)k : l->cap - l->len - 1;
	return 0;
}

int sg_x509_san_to_string(const sg_x509_cert *c, char *out, size_t cap)
{
	struct san_list l = { .out = out, .cap = cap, .emails = true };
	if (cap == 0)
		return -1;
	out[0] = 0;
	if (!c->san_present)
		return 0;
	return sg_x509_general_names(c->san, list_san, &l) < 0 ? -1 : 0;
}

int sg_x509_verify(const sg_x509_store *trust, const sg_rd *chain, size_t n,
		   const sg_x509_verify_opts *o, sg_x509_result *res)
{
	static const sg_x509_verify_opts defaults = {0};
	struct vctx *v = NULL;
	sg_x509_cert *pool = NULL;
	char err[256];
	if (!o)
		o = &defaults;
	memset(res, 0, offsetof(sg_x509_result, chain));
	res->depth = -1;
	res->alert = SG_ALERT_INTERNAL_ERROR;
	if (n == 0 || !chain) {
		res->alert = SG_ALERT_BAD_CERTIFICATE;
		snprintf(res->reason, sizeof res->reason, "no certificate");
		return -1;
	}
	v = calloc(1, sizeof *v);
	pool = calloc(n < MAX_POOL ? n : MAX_POOL, sizeof *pool);
	if (!v || !pool) {
		snprintf(res->reason, sizeof res->reason, "out of memory");
		goto out;
	}
	v->trust = trust;
	v->o = o;
	v->at = o->at ? o->at : sg_x509_now();
	v->max_depth = o->max_depth ? o->max_depth : SG_X509_MAX_DEPTH;
	if (v->max_depth > SG_X509_MAX_CHAIN - 1)
		v->max_depth = SG_X509_MAX_CHAIN - 1;
	v->depth = -1;

	sg_x509_cert *leaf = &res->chain[0];
	if (sg_x509_cert_parse(leaf, chain[0].p, chain[0].n, err, sizeof err) != 0) {
		res->alert = SG_ALERT_BAD_CERTIFICATE;
		res->depth = 0;
		snprintf(res->reason, sizeof res->reason, "cannot parse certificate: %s (depth 0)", err);
		goto out;
	}
	/* Intermediates that do not parse are ignored: they can only be
	 * useless extras, since a path through them is impossible. */
	for (size_t i = 1; i < n && v->npool < MAX_POOL; i++)
		if (sg_x509_cert_parse(&pool[v->npool], chain[i].p, chain[i].n, err, sizeof err) == 0)
			v->npool++;
	v->pool = pool;

	if (!cert_ok(v, leaf, ROLE_LEAF, 0, R_LEAF))
		goto fill;
	v->path[0] = leaf;
	size_t len = 0;
	bool found = build(v, 0, &len);
	if (!found) {
		if (v->gave_up && v->rank < R_PATH)
			fail(v, R_LEAF, SG_ALERT_BAD_CERTIFICATE, 0,
			     "gave up building a certificate path (too many candidates)");
		goto fill;
	}
	/* RFC 9525 §6: the reference identity against the SAN. */
	if (o->host && !sg_x509_host_match(leaf, o->host)) {
		char sans[300] = "";
		struct san_list l = { .out = sans, .cap = sizeof sans };
		if (leaf->san_present)
			(void)sg_x509_general_names(leaf->san, list_san, &l);
		fail(v, R_LEAF, SG_ALERT_CERTIFICATE_UNKNOWN, 0,
		     "host name \"%s\" not in subjectAltName (%s)", o->host,
		     leaf->san_present ? sans : "none");
		goto fill;
	}
	for (size_t i = 1; i < len; i++)
		res->chain[i] = *v->path[i];
	res->chain_len = len;
	res->ok = 1;
	res->alert = 0;
	res->depth = -1;
	free(pool);
	free(v);
	return 0;
fill:
	res->alert = v->alert ? v->alert : SG_ALERT_BAD_CERTIFICATE;
	res->depth = v->depth;
	snprintf(res->reason, sizeof res->reason, "%s", v->rank ? v->reason : "verification failed");
	res->chain_len = 1;
out:
	free(pool);
	free(v);
	return -1;
}

int sg_x509_pin_match(const char *pins, sg_rd spki)
{
	uint8_t h[32];
	bool hashed = false;
	const char *p = pins;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		/* curl's format: "sha256//" then base64 of the SHA-256 of the
		 * DER SubjectPublicKeyInfo. */
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n < 8 || memcmp(p, "sha256//", 8) != 0)
			return -1;
		uint8_t buf[48];
		sg_wr w;
		sg_wr_init_fixed(&w, buf, sizeof buf);
		if (sg_base64_decode(p + 8, n - 8, &w) != 0 || w.len != 32)
			return -1;
		if (!hashed) {
			if (sg_hash(&sg_sha256, spki.p, spki.n, h) != 0)
				return -1;
			hashed = true;
		}
		if (memcmp(buf, h, 32) == 0)
			return 1;
		p += n;
		if (*p == ';')
			p++;
	}
	return 0;
}
