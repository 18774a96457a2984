/*
 * X.509 certificates (RFC 5280): parsing, names, CRLs, trust stores, path
 * building and validation, host-name matching (RFC 6125 / RFC 9525) and
 * SPKI pinning.
 *
 * A parsed certificate (sg_x509_cert) is a read-only view over DER bytes
 * that the caller owns and must keep alive as long as the view is used:
 * every sg_rd in it points into those bytes.  Parsing checks the whole
 * structure strictly (DER, versions, extension syntax) but decides
 * nothing about trust; sg_x509_verify does that.
 *
 * Nothing here prints or exits: failures come back as a return value and
 * a sentence (err buffers, sg_x509_result.reason).
 */
#ifndef SG_X509_H
#define SG_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes/bytes.h"
#include "crypto/crypto.h"

/* keyUsage bits (RFC 5280 4.2.1.3), bit 0 = digitalSignature. */
#define SG_KU_DIGITAL_SIGNATURE 0x001
#define SG_KU_NON_REPUDIATION   0x002
#define SG_KU_KEY_ENCIPHERMENT  0x004
#define SG_KU_DATA_ENCIPHERMENT 0x008
#define SG_KU_KEY_AGREEMENT     0x010
#define SG_KU_KEY_CERT_SIGN     0x020
#define SG_KU_CRL_SIGN          0x040
#define SG_KU_ENCIPHER_ONLY     0x080
#define SG_KU_DECIPHER_ONLY     0x100

/* extKeyUsage purposes we know (RFC 5280 4.2.1.12). */
#define SG_EKU_SERVER   0x01
#define SG_EKU_CLIENT   0x02
#define SG_EKU_ANY      0x04
#define SG_EKU_OTHER    0x08    /* some purpose we do not name */

/* Signature algorithm of a certificate or CRL. */
typedef struct sg_x509_sigalg {
	bool known;
	sg_sig_kind kind;
	const sg_hash_class *hash;      /* NULL for Ed25519 */
	const char *name;               /* "ecdsa-with-SHA256", ... */
} sg_x509_sigalg;

typedef struct sg_x509_cert {
	sg_rd der;              /* the whole Certificate TLV */
	sg_rd tbs;              /* the whole TBSCertificate TLV: signed bytes */
	sg_rd spki;             /* the whole SubjectPublicKeyInfo TLV */
	sg_rd subject;          /* whole Name TLVs */
	sg_rd issuer;
	sg_rd serial;           /* INTEGER content bytes */
	int64_t not_before, not_after;

	int version;            /* 1, 2 or 3 */
	sg_rd sig_alg;          /* outer AlgorithmIdentifier TLV */
	sg_rd sig;              /* signature bytes (BIT STRING, no unused bits) */
	sg_x509_sigalg sigalg;
	sg_rd spki_alg;         /* SPKI algorithm OID content */

	/* Extensions: *_present says whether the extension appeared. */
	bool bc_present, bc_critical, ca;
	int path_len;           /* -1: no pathLenConstraint */
	bool ku_present;
	uint16_t key_usage;     /* SG_KU_* */
	bool eku_present, eku_critical;
	uint8_t eku;            /* SG_EKU_* */
	bool san_present, san_critical;
	sg_rd san;              /* content of the GeneralNames SEQUENCE */
	bool nc_present, nc_critical;
	sg_rd nc_permitted, nc_excluded;        /* GeneralSubtrees content, or empty */
	bool nc_has_permitted, nc_has_excluded;
	bool aki_present;
	bool aki_has_keyid;     /* the keyIdentifier [0] form is there */
	sg_rd aki_keyid;        /* keyIdentifier content, may be empty */
	bool aki_has_issuer;    /* authorityCertIssuer and ...SerialNumber */
	sg_rd aki_issuer;       /* GeneralNames content */
	sg_rd aki_serial;       /* INTEGER content */
	bool ski_present;
	sg_rd ski;
	bool pc_critical;
	bool policies_present, policy_constraints_present, policy_mappings_present,
	     inhibit_any_present;
	/* An extension we do not process was marked critical (RFC 5280 4.2:
	 * such a certificate MUST be rejected by verification). */
	bool unknown_critical;
	char unknown_critical_oid[64];
	bool self_issued;       /* subject and issuer names match */
	bool subject_empty, issuer_empty;
	bool aia_present;
} sg_x509_cert;

/* Parses a DER certificate. 0 ok, -1 with a sentence in err. */
int sg_x509_cert_parse(sg_x509_cert *c, const uint8_t *der, size_t len,
		       char *err, size_t errlen) SG_MUST_CHECK;

/* The string form of a Name (RFC 4514 section 2; cert.c says exactly
 * how): "CN=shop.example, O=Example", the last RDN first, values escaped
 * so that different names give different strings.  Returns the length
 * written, or, with out set to "": SG_X509_NAME_BAD for a malformed Name,
 * SG_X509_NAME_TOO_LONG when the string does not fit in cap (never a cut
 * string, which could equal another name's). */
#define SG_X509_NAME_BAD      (-1)
#define SG_X509_NAME_TOO_LONG (-2)
int sg_x509_name_to_string(sg_rd name, char *out, size_t cap);
/* The same string for messages to a person: cut to fit with a visible
 * "...", "(malformed name)" for a bad Name.  Never compare labels. */
void sg_x509_name_label(sg_rd name, char *out, size_t cap);
/* RFC 5280 7.1 name comparison: binary equality, or equality after
 * case-folding ASCII and collapsing white space of UTF8String and
 * PrintableString values. */
bool sg_x509_name_eq(sg_rd a, sg_rd b);
/* The subject of a certificate for messages: sg_x509_name_label, or
 * "empty subject". */
void sg_x509_cert_label(const sg_x509_cert *c, char *out, size_t cap);

/* Calls fn for every GeneralName in a GeneralNames content (SAN). tag is
 * the context tag: 0x81 rfc822Name, 0x82 dNSName, 0x87 iPAddress, 0xa4
 * directoryName (content is the Name's content), ... Returns -1 when the
 * encoding is bad or fn returns nonzero. */
int sg_x509_general_names(sg_rd names,
			  int (*fn)(void *ctx, uint8_t tag, sg_rd value), void *ctx);

/* ---- host names (RFC 6125, RFC 9525) ---- */
/* True when the certificate's subjectAltName matches host, a DNS name
 * (A-labels, case-insensitive, optional trailing dot) or an IP literal
 * (IPv4 dotted quad, IPv6 text). No CN fallback: see host.c. */
bool sg_x509_host_match(const sg_x509_cert *c, const char *host);
/* The DNS, email and IP entries of the subjectAltName as text:
 * "DNS:a.example, email:x@y, IP:192.0.2.1" ("" when there is none), a
 * comma or backslash in a name escaped with a backslash and a control
 * character written \XX.  The length, or with out "":
 * SG_X509_NAME_BAD (malformed), SG_X509_NAME_TOO_LONG (does not fit). */
int sg_x509_san_to_string(const sg_x509_cert *c, char *out, size_t cap);
/* One SAN dNSName pattern against a host name (both ASCII). */
bool sg_x509_dns_match(const uint8_t *pat, size_t plen, const char *host);
/* Parses an IP literal into 4 or 16 bytes; returns the length or 0. */
size_t sg_x509_parse_ip(const char *s, uint8_t out[16]);
/* The canonical text of a 4- or 16-byte address: dotted decimal, or
 * RFC 5952 section 4 ("2001:db8::1"); cap of 46 always suffices. */
void sg_x509_ip_text(const uint8_t *a, size_t n, char *out, size_t cap);

/* ---- CRLs (RFC 5280 §5) ---- */
typedef struct sg_x509_crl {
	sg_rd der, tbs, issuer, sig;
	sg_x509_sigalg sigalg;
	int64_t this_update, next_update;       /* next_update 0 when absent */
	sg_rd revoked;          /* content of revokedCertificates, or empty */
	sg_rd aki_keyid;
	bool aki_present;
	bool idp_present;       /* issuingDistributionPoint (partitioned) */
	bool delta;             /* deltaCRLIndicator */
	bool unknown_critical;
} sg_x509_crl;

int sg_x509_crl_parse(sg_x509_crl *crl, const uint8_t *der, size_t len,
		      char *err, size_t errlen) SG_MUST_CHECK;
/* Looks a serial (INTEGER content) up: 1 revoked (reason set to the
 * CRLReason code, or -1 when the entry carries none), 0 not listed, -1 bad
 * encoding. */
int sg_x509_crl_lookup(const sg_x509_crl *crl, sg_rd serial, int *reason);
/* "keyCompromise", ... */
const char *sg_x509_crl_reason_name(int reason);

/* ---- trust store ---- */
/*
 * A set of trust anchors (self-signed or not: any certificate added here
 * is trusted as an anchor, RFC 5280 §6.1.1 (d)). Build it, then share it
 * read-only: nothing in verification modifies it, so threads may use one
 * store concurrently without locks. Not reference counted: the owner frees
 * it after the last user is done.
 */
typedef struct sg_x509_store sg_x509_store;

sg_x509_store *sg_x509_store_new(void);
void sg_x509_store_free(sg_x509_store *s);
/* Adds every CERTIFICATE block of a PEM text (other blocks are ignored).
 * Returns the number of certificates added, or -1 (err says why; nothing
 * partially added stays usable only up to the failing block). */
int sg_x509_store_add_pem(sg_x509_store *s, const char *pem, size_t len,
			  char *err, size_t errlen);
int sg_x509_store_add_der(sg_x509_store *s, const uint8_t *der, size_t len,
			  char *err, size_t errlen);
/* A PEM bundle file, or every regular file of a directory (files that
 * hold no certificate are skipped). */
int sg_x509_store_add_file(sg_x509_store *s, const char *path, char *err, size_t errlen);
int sg_x509_store_add_dir(sg_x509_store *s, const char *path, char *err, size_t errlen);
/* File or directory, whichever path is. */
int sg_x509_store_add_path(sg_x509_store *s, const char *path, char *err, size_t errlen);
/* The system bundle (/etc/ssl/certs/ca-certificates.crt and the usual
 * alternatives). */
int sg_x509_store_add_system(sg_x509_store *s, char *err, size_t errlen);
size_t sg_x509_store_count(const sg_x509_store *s);
/* The i-th anchor (0 <= i < count), valid while the store lives. */
const sg_x509_cert *sg_x509_store_get(const sg_x509_store *s, size_t i);
/* Anchor i (0 <= i < count), or NULL. */
const sg_x509_cert *sg_x509_store_at(const sg_x509_store *s, size_t i);

/* A list of CRLs, each held as its own copy of the DER. */
typedef struct sg_x509_crls sg_x509_crls;
sg_x509_crls *sg_x509_crls_new(void);
void sg_x509_crls_free(sg_x509_crls *l);
int sg_x509_crls_add_pem(sg_x509_crls *l, const char *pem, size_t len, char *err, size_t errlen);
int sg_x509_crls_add_der(sg_x509_crls *l, const uint8_t *der, size_t len, char *err, size_t errlen);
int sg_x509_crls_add_file(sg_x509_crls *l, const char *path, char *err, size_t errlen);
size_t sg_x509_crls_count(const sg_x509_crls *l);
const sg_x509_crl *sg_x509_crls_at(const sg_x509_crls *l, size_t i);

/* Reads a whole file (at most 64 MiB) into a malloc'd NUL-terminated
 * buffer the caller frees; NULL with err set on failure. */
char *sg_x509_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* ---- verification ---- */
#define SG_X509_PURPOSE_SERVER 0        /* TLS server certificate (default) */
#define SG_X509_PURPOSE_CLIENT 1        /* TLS client certificate */
#define SG_X509_PURPOSE_ANY    2        /* no EKU check */

#define SG_X509_MAX_DEPTH 10            /* default max_depth */
#define SG_X509_MAX_PINS 16

/* TLS alerts (RFC 8446 §6) that a verification failure maps to. */
#define SG_ALERT_BAD_CERTIFICATE         42
#define SG_ALERT_UNSUPPORTED_CERTIFICATE 43
#define SG_ALERT_CERTIFICATE_REVOKED     44
#define SG_ALERT_CERTIFICATE_EXPIRED     45
#define SG_ALERT_CERTIFICATE_UNKNOWN     46
#define SG_ALERT_UNKNOWN_CA              48
#define SG_ALERT_INTERNAL_ERROR          80

typedef struct sg_x509_verify_opts {
	const char *host;       /* DNS name or IP literal to match, or NULL */
	int purpose;            /* SG_X509_PURPOSE_* */
	int64_t at;             /* Unix time; 0 = now */
	bool no_time_check;     /* skip validity dates entirely (tests) */
	/* The greatest depth the anchor may have (leaf = depth 0), i.e. the
	 * most intermediates plus one; self-issued intermediates do not
	 * count, as for pathLenConstraint. 0 = SG_X509_MAX_DEPTH. */
	unsigned max_depth;
	const sg_x509_crls *crls;       /* may be NULL */
	/* When set, the leaf must be covered by a CRL from its issuer that
	 * is current at `at` (as OpenSSL's -crl_check): a missing or stale
	 * CRL is then a failure. Without it, CRLs that apply are used and
	 * stale ones ignored. */
	bool crl_required;
	const char *pins;       /* "sha256//B64;sha256//B64", or NULL */
} sg_x509_verify_opts;

#define SG_X509_MAX_CHAIN 16
/* The size of sigil_peer_identity's subject and san fields (sigil.h):
 * verification for SG_X509_PURPOSE_CLIENT refuses a leaf whose subject
 * or subjectAltName text (sg_x509_name_to_string, sg_x509_san_to_string)
 * does not fit, with alert unsupported_certificate. */
#define SG_X509_IDENTITY_TEXT 512

typedef struct sg_x509_result {
	int ok;                 /* 1 verified, 0 not */
	uint8_t alert;          /* alert to send when !ok */
	int depth;              /* certificate the reason is about, or -1 */
	char reason[512];       /* e.g. "certificate expired on ... (depth 0, CN=...)" */
	/* The path that verified (or the best attempt), leaf first, anchor
	 * last. The views point into the caller's chain bytes and the store:
	 * valid while both are. */
	size_t chain_len;
	sg_x509_cert chain[SG_X509_MAX_CHAIN];
} sg_x509_result;

/*
 * Verifies chain[0] (the peer's end-entity certificate, DER) using
 * chain[1..n-1] as untrusted intermediates in any order, building a path
 * to an anchor of `trust` and trying alternatives when a candidate path
 * fails.  Returns 0 when valid, -1 otherwise (res explains). res is
 * always filled.
 */
int sg_x509_verify(const sg_x509_store *trust, const sg_rd *chain, size_t n,
		   const sg_x509_verify_opts *o, sg_x509_result *res);

/* Checks a pin list against a SubjectPublicKeyInfo: 1 match, 0 none,
 * -1 malformed pin list. */
int sg_x509_pin_match(const char *pins, sg_rd spki);

/* ---- writing certificates and CRLs (for the CA) ---- */
/*
 * The writers build DER into an sg_wr the caller owns and sign it with the
 * issuer's private key.  The signature algorithm follows the key (RFC 5758
 * 3.2, RFC 8410 3, RFC 4055 5): ecdsa-with-SHA256 for P-256, -SHA384 for
 * P-384, -SHA512 for P-521, Ed25519, sha256WithRSAEncryption for RSA.
 * Nothing is printed; -1 comes with a sentence in err.
 */
#define SG_X509_MAX_NAMES 64

typedef struct sg_x509_cert_spec {
	const uint8_t *serial;  /* big-endian magnitude, 1..20 octets */
	size_t serial_len;
	const char *cn;         /* subject commonName (UTF-8), required */
	const char *org;        /* subject organizationName, or NULL */
	/* Issuer Name, the whole TLV copied from the issuer's subject; empty
	 * (n == 0) for a self-signed certificate (issuer = subject). */
	sg_rd issuer;
	sg_rd issuer_key_id;    /* the issuer's SKI for the AKI; empty: own */
	int64_t not_before, not_after;
	const uint8_t *spki;    /* the subject's SubjectPublicKeyInfo (DER) */
	size_t spki_len;
	bool ca;                /* basicConstraints cA */
	int path_len;           /* pathLenConstraint for a CA, -1 for none */
	uint16_t key_usage;     /* SG_KU_* */
	uint8_t eku;            /* SG_EKU_SERVER | SG_EKU_CLIENT, 0 = none */
	/* subjectAltName entries: IP literals become iPAddress, anything
	 * else must be a DNS name (a leading "*." wildcard allowed). */
	const char *const *names;
	size_t n_names;
} sg_x509_cert_spec;

/* Encodes, signs and appends a v3 Certificate to out. */
int sg_x509_cert_write(const sg_x509_cert_spec *s, const sg_pkey *issuer_key,
		       sg_wr *out, char *err, size_t errlen) SG_MUST_CHECK;
/* Key identifier of a SubjectPublicKeyInfo (DER): the leftmost 160 bits
 * of SHA-256 of the subjectPublicKey bits (RFC 7093 §2 method 1). */
int sg_x509_key_id(const uint8_t *spki, size_t len, uint8_t out[20]) SG_MUST_CHECK;
/* True when s is a SAN name the writer accepts (DNS name, wildcard DNS
 * name or IP literal). */
bool sg_x509_san_name_ok(const char *s);

typedef struct sg_x509_crl_entry {
	const uint8_t *serial;  /* big-endian magnitude */
	size_t serial_len;
	int64_t when;           /* revocationDate */
	int reason;             /* CRLReason code, -1 or 0 for none */
} sg_x509_crl_entry;

typedef struct sg_x509_crl_spec {
	sg_rd issuer;           /* whole Name TLV of the CA */
	sg_rd issuer_key_id;    /* the CA's SKI, for the AKI extension */
	int64_t this_update, next_update;
	uint64_t number;        /* cRLNumber */
	const sg_x509_crl_entry *entries;
	size_t n_entries;
} sg_x509_crl_spec;

/* Encodes, signs and appends a v2 CRL (RFC 5280 §5) to out. */
int sg_x509_crl_write(const sg_x509_crl_spec *s, const sg_pkey *key,
		      sg_wr *out, char *err, size_t errlen) SG_MUST_CHECK;
/* The CRLReason code of a name ("keyCompromise", ...), or -1. */
int sg_x509_crl_reason_code(const char *name);

/* ---- PKCS#10 certification requests (RFC 2986) ---- */
typedef struct sg_x509_csr {
	sg_rd der;              /* the whole CertificationRequest */
	sg_rd subject;          /* whole Name TLV */
	sg_rd spki;             /* whole SubjectPublicKeyInfo TLV */
	sg_x509_sigalg sigalg;
	bool san_present;
	sg_rd san;              /* GeneralNames content of a requested SAN */
} sg_x509_csr;

/* Parses a DER request and checks its self-signature: 0 only for a
 * well-formed request signed by its own key. Views point into der. */
int sg_x509_csr_parse(sg_x509_csr *c, const uint8_t *der, size_t len,
		      char *err, size_t errlen) SG_MUST_CHECK;

#endif
