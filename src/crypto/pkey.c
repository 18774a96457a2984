/*
 * Long-term keys: loading (PEM private keys, DER SubjectPublicKeyInfo),
 * generation for the CA, and signatures as TLS 1.3 uses them (RFC 8446
 * section 4.2.3): ECDSA with DER signatures, RSASSA-PKCS1-v1_5 (for
 * certificates only), RSASSA-PSS with MGF1 and salt = hash length, and
 * Ed25519.
 */
#include "crypto/internal.h"
#include "der/der.h"

#include <limits.h>
#include <openssl/param_build.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

struct sg_pkey {
	EVP_PKEY *p;
	sg_key_type type;
	bool priv;
	/* A private key's usual signature (ECDSA with its curve's hash,
	 * RSA-PSS with SHA-256), set up once: each signature duplicates it
	 * instead of paying EVP_DigestSignInit's fetch by name, lock and
	 * allocations (about 2.5 µs of a 20 µs ECDSA signature).  Made before
	 * the key is shared and never changed after: duplicating it from
	 * several threads at once only reads it. */
	EVP_PKEY_CTX *tmpl;
	sg_sig_kind tmpl_kind;
	const sg_hash_class *tmpl_hash;
};

static EVP_PKEY_CTX *sign_template(EVP_PKEY *p, sg_sig_kind kind, const sg_hash_class *h);

/* Our key type for an OpenSSL key; SG_KEY_NONE for anything we do not
 * sign with (DSA, X448, RSA-PSS-restricted keys, other curves...). */
static sg_key_type classify(const EVP_PKEY *p)
{
	char group[64];
	size_t n = 0;
	switch (EVP_PKEY_get_base_id(p)) {
	case EVP_PKEY_RSA:
		return SG_KEY_RSA;
	case EVP_PKEY_ED25519:
		return SG_KEY_ED25519;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME,
						   group, sizeof(group), &n) != 1)
			return SG_KEY_NONE;
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
			return SG_KEY_EC_P256;
		if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
			return SG_KEY_EC_P384;
		if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
			return SG_KEY_EC_P521;
		return SG_KEY_NONE;
	default:
		return SG_KEY_NONE;
	}
}

static sg_pkey *wrap(EVP_PKEY *p, bool priv)
{
	sg_pkey *k = NULL;
	sg_key_type t;
	if (!p)
		goto err;
	if ((t = classify(p)) == SG_KEY_NONE)
		goto err;
	/* Callers size signature buffers with SG_MAX_SIG: larger keys
	 * (RSA above 4096 bits) are refused rather than overflowing them. */
	if (EVP_PKEY_get_size(p) <= 0 || EVP_PKEY_get_size(p) > SG_MAX_SIG)
		goto err;
	if (!(k = malloc(sizeof(*k))))
		goto err;
	k->p = p;
	k->type = t;
	k->priv = priv;
	k->tmpl = NULL;
	k->tmpl_kind = SG_SIG_ECDSA;
	k->tmpl_hash = NULL;
	if (priv) {
		/* Best effort: without a template, sg_sign takes the long way. */
		switch (t) {
		case SG_KEY_EC_P256: k->tmpl_hash = &sg_sha256; break;
		case SG_KEY_EC_P384: k->tmpl_hash = &sg_sha384; break;
		case SG_KEY_EC_P521: k->tmpl_hash = &sg_sha512; break;
		case SG_KEY_RSA: k->tmpl_hash = &sg_sha256; k->tmpl_kind = SG_SIG_RSA_PSS; break;
		default: break;
		}
		if (k->tmpl_hash)
			k->tmpl = sign_template(p, k->tmpl_kind, k->tmpl_hash);
	}
	/* Decoders may leave notes on the error queue even on success (e.g.
	 * PEM blocks skipped on the way); later calls start clean. */
	sg_evp_clear_errors();
	return k;
err:
	EVP_PKEY_free(p);
	sg_evp_clear_errors();
	return NULL;
}

/* Encrypted keys are refused without asking anyone for a password: a
 * library must never prompt on the terminal (OpenSSL's default). */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

sg_pkey *sg_pkey_private_from_pem(const char *pem, size_t len)
{
	BIO *b = NULL;
	EVP_PKEY *p = NULL;
	if (!pem || len > INT_MAX || sg_crypto_init() != 0)
		return NULL;
	if (!(b = BIO_new_mem_buf(pem, (int)len)))
		goto done;
	/* Reads the first private key block, skipping other blocks such as
	 * certificates; "ENCRYPTED PRIVATE KEY" and Proc-Type: ENCRYPTED
	 * blocks reach no_password and fail. */
	p = PEM_read_bio_PrivateKey_ex(b, NULL, no_password, NULL, NULL, NULL);
done:
	BIO_free(b);
	return wrap(p, true);
}

/*
 * The common SubjectPublicKeyInfo shapes (RFC 5480 EC with a named curve
 * and an uncompressed point, RFC 8410 Ed25519, RFC 8017 RSA) are built
 * from their parts: OpenSSL 3.0's generic decoder behind d2i_PUBKEY costs
 * about 100 µs a key, the parts about 13 µs, and a verified handshake
 * loads several keys.  Anything else goes to d2i_PUBKEY.
 */
static const uint8_t oid_ec[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
static const uint8_t oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x2B, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_ed25519[] = { 0x2B, 0x65, 0x70 };
static const uint8_t oid_rsa[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01 };

static EVP_PKEY *from_params(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY *p = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (!pc || EVP_PKEY_fromdata_init(pc) != 1 || EVP_PKEY_fromdata(pc, &p, EVP_PKEY_PUBLIC_KEY, params) != 1)
		p = NULL;
	EVP_PKEY_CTX_free(pc);
	return p;
}

/* NULL: not a shape handled here (the caller falls back), else the key
 * or, through *bad, a definite refusal. */
static EVP_PKEY *spki_fast(const uint8_t *der, size_t len, bool *bad)
{
	sg_rd in, spki, alg, oid, key;
	uint8_t unused;
	*bad = false;
	sg_rd_init(&in, der, len);
	if (!sg_der_get(&in, SG_DER_SEQUENCE, &spki) || !sg_rd_done(&in) ||
	    !sg_der_get(&spki, SG_DER_SEQUENCE, &alg) || !sg_der_get_bit_string(&spki, &key, &unused) ||
	    !sg_rd_done(&spki) || unused != 0 || !sg_der_get_oid(&alg, &oid))
		return NULL;
	if (sg_der_oid_eq(oid, oid_ed25519, sizeof oid_ed25519)) {
		if (!sg_rd_done(&alg) || key.n != 32)
			return NULL;
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key.p, key.n);
	}
	if (sg_der_oid_eq(oid, oid_ec, sizeof oid_ec)) {
		sg_rd curve;
		const char *name = NULL;
		if (!sg_der_get_oid(&alg, &curve) || !sg_rd_done(&alg))
			return NULL;
		if (sg_der_oid_eq(curve, oid_p256, sizeof oid_p256) && key.n == 65)
			name = "P-256";
		else if (sg_der_oid_eq(curve, oid_p384, sizeof oid_p384) && key.n == 97)
			name = "P-384";
		if (!name || key.p[0] != 0x04)
			return NULL;
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0),
			OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)key.p, key.n),
			OSSL_PARAM_construct_end(),
		};
		/* Import checks that the point is on the curve. */
		EVP_PKEY *p = from_params("EC", params);
		*bad = p == NULL;
		return p;
	}
	if (sg_der_oid_eq(oid, oid_rsa, sizeof oid_rsa)) {
		sg_rd rsa, n, e;
		if (!sg_der_get_null(&alg) || !sg_rd_done(&alg))
			return NULL;
		sg_rd_init(&in, key.p, key.n);
		if (!sg_der_get(&in, SG_DER_SEQUENCE, &rsa) || !sg_rd_done(&in) || !sg_der_get_integer(&rsa, &n) ||
		    !sg_der_get_integer(&rsa, &e) || !sg_rd_done(&rsa) || n.n == 0 || e.n == 0 || (n.p[0] & 0x80) ||
		    (e.p[0] & 0x80))
			return NULL;
		BIGNUM *bn = BN_bin2bn(n.p, (int)n.n, NULL), *be = BN_bin2bn(e.p, (int)e.n, NULL);
		EVP_PKEY *p = NULL;
		OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
		OSSL_PARAM *params = NULL;
		if (bn && be && b && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
		    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) == 1 && (params = OSSL_PARAM_BLD_to_param(b)))
			p = from_params("RSA", params);
		OSSL_PARAM_free(params);
		OSSL_PARAM_BLD_free(b);
		BN_free(bn);
		BN_free(be);
		*bad = p == NULL;
		return p;
	}
	return NULL;
}

sg_pkey *sg_pkey_public_from_spki(const uint8_t *der, size_t len)
{
	const uint8_t *q = der;
	EVP_PKEY *p;
	bool bad;
	if (!der || len == 0 || len > LONG_MAX || sg_crypto_init() != 0)
		return NULL;
	if ((p = spki_fast(der, len, &bad)) != NULL || bad)
		return wrap(p, false);
	p = d2i_PUBKEY(NULL, &q, (long)len);
	/* Trailing bytes after the SPKI are an error (DESIGN.md). */
	if (p && q != der + len) {
		EVP_PKEY_free(p);
		p = NULL;
	}
	return wrap(p, false);
}

sg_pkey *sg_pkey_generate(sg_key_type t, size_t rsa_bits)
{
	EVP_PKEY *p = NULL;
	if (sg_crypto_init() != 0)
		return NULL;
	switch (t) {
	case SG_KEY_RSA:
		if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096)
			return NULL;
		p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", rsa_bits);
		break;
	case SG_KEY_EC_P256:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case SG_KEY_EC_P384:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case SG_KEY_EC_P521:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
		break;
	case SG_KEY_ED25519:
		p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return NULL;
	}
	return wrap(p, true);
}

int sg_pkey_private_to_pem(const sg_pkey *k, sg_wr *w)
{
	BIO *b = NULL;
	char *data = NULL;
	long n = 0;
	int ret = -1;
	if (!k || !k->priv || !w)
		return -1;
	if (!(b = BIO_new(BIO_s_mem())))
		goto err;
	/* In OpenSSL 3 this writes PKCS#8 ("PRIVATE KEY"), unencrypted. */
	if (PEM_write_bio_PrivateKey(b, k->p, NULL, NULL, 0, NULL, NULL) != 1)
		goto err;
	if ((n = BIO_get_mem_data(b, &data)) <= 0)
		goto err;
	if (!sg_wr_bytes(w, data, (size_t)n))
		goto err;
	ret = 0;
err:
	if (data && n > 0)
		OPENSSL_cleanse(data, (size_t)n);
	BIO_free(b);
	sg_evp_clear_errors();
	return ret;
}

void sg_pkey_free(sg_pkey *k)
{
	if (!k)
		return;
	/* EVP_PKEY_free clears private key material. */
	EVP_PKEY_CTX_free(k->tmpl);
	EVP_PKEY_free(k->p);
	free(k);
}

sg_key_type sg_pkey_type(const sg_pkey *k)
{
	return k ? k->type : SG_KEY_NONE;
}

size_t sg_pkey_bits(const sg_pkey *k)
{
	int b = k ? EVP_PKEY_get_bits(k->p) : 0;
	return b > 0 ? (size_t)b : 0;
}

size_t sg_pkey_sig_max(const sg_pkey *k)
{
	int s = k ? EVP_PKEY_get_size(k->p) : 0;
	return s > 0 ? (size_t)s : 0;
}

int sg_pkey_spki(const sg_pkey *k, sg_wr *w)
{
	uint8_t *q;
	int n;
	if (!k || !w)
		return -1;
	if ((n = i2d_PUBKEY(k->p, NULL)) <= 0)
		goto err;
	if (!(q = sg_wr_space(w, (size_t)n)))
		goto err;
	if (i2d_PUBKEY(k->p, &q) != n)
		goto err;
	return 0;
err:
	sg_evp_clear_errors();
	return -1;
}

bool sg_pkey_public_eq(const sg_pkey *a, const sg_pkey *b)
{
	bool eq;
	if (!a || !b)
		return false;
	/* Compares the parameters and the public part only. */
	eq = EVP_PKEY_eq(a->p, b->p) == 1;
	sg_evp_clear_errors();
	return eq;
}

/*
 * A digest-sign/verify context for kind, after checking that the key can
 * make such signatures at all: an ECDSA signature "by" an RSA key is a
 * failure, not a question for OpenSSL.
 */
/* RSA padding for the signature kind (nothing for ECDSA and Ed25519). */
static bool set_padding(EVP_PKEY_CTX *pc, sg_sig_kind kind, const EVP_MD *md)
{
	if (kind == SG_SIG_RSA_PKCS1)
		return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1;
	/* RFC 8446 section 4.2.3: "The length of the Salt MUST be equal to
	 * the length of the digest algorithm" and MGF1 uses the same hash.
	 * RSA_PSS_SALTLEN_DIGEST makes verification demand exactly that salt
	 * length rather than recovering whatever the signer used. */
	if (kind == SG_SIG_RSA_PSS)
		return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		       EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) == 1 &&
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) == 1;
	return true;
}

static EVP_MD_CTX *sig_ctx(const sg_pkey *k, sg_sig_kind kind,
			   const sg_hash_class *h, bool sign)
{
	const EVP_MD *md = NULL;
	EVP_MD_CTX *mc = NULL;
	EVP_PKEY_CTX *pc = NULL;
	int r;

	if (!k)
		return NULL;
	switch (kind) {
	case SG_SIG_ECDSA:
		if (k->type != SG_KEY_EC_P256 && k->type != SG_KEY_EC_P384 &&
		    k->type != SG_KEY_EC_P521)
			return NULL;
		break;
	case SG_SIG_RSA_PKCS1:
	case SG_SIG_RSA_PSS:
		if (k->type != SG_KEY_RSA)
			return NULL;
		break;
	case SG_SIG_ED25519:
		/* PureEdDSA hashes internally (RFC 8032 section 5.1.6). */
		if (k->type != SG_KEY_ED25519 || h)
			return NULL;
		break;
	default:
		return NULL;
	}
	if (kind != SG_SIG_ED25519 && !(md = sg_evp_md(h)))
		return NULL;
	if (sign && !k->priv)
		return NULL;
	if (!(mc = EVP_MD_CTX_new()))
		return NULL;
	r = sign ? EVP_DigestSignInit(mc, &pc, md, NULL, k->p)
		 : EVP_DigestVerifyInit(mc, &pc, md, NULL, k->p);
	if (r != 1 || !set_padding(pc, kind, md))
		goto err;
	return mc;
err:
	EVP_MD_CTX_free(mc);
	return NULL;
}

/* A signing context over a digest (EVP_PKEY_sign), with the padding
 * and hash settings sig_ctx gives EVP_DigestSignInit. */
static EVP_PKEY_CTX *sign_template(EVP_PKEY *p, sg_sig_kind kind, const sg_hash_class *h)
{
	const EVP_MD *md = sg_evp_md(h);
	EVP_PKEY_CTX *pc = md ? EVP_PKEY_CTX_new_from_pkey(NULL, p, NULL) : NULL;
	if (!pc || EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, md) != 1 || !set_padding(pc, kind, md))
		goto err;
	return pc;
err:
	EVP_PKEY_CTX_free(pc);
	sg_evp_clear_errors();
	return NULL;
}

/* Sign with a duplicate of the key's template: hash with our prefetched
 * digest, then sign the digest.  out has room for sg_pkey_sig_max(k). */
static int sign_fast(const sg_pkey *k, const uint8_t *msg, size_t mlen,
		     uint8_t *out, size_t *n)
{
	uint8_t dg[SG_MAX_HASH];
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_dup(k->tmpl);
	int ret = -1;
	if (pc && sg_hash(k->tmpl_hash, msg, mlen, dg) == 0 &&
	    EVP_PKEY_sign(pc, out, n, dg, k->tmpl_hash->out_len) == 1)
		ret = 0;
	EVP_PKEY_CTX_free(pc);
	return ret;
}

int sg_sign(const sg_pkey *k, sg_sig_kind kind, const sg_hash_class *h,
	    const uint8_t *msg, size_t mlen, uint8_t *sig, size_t *siglen)
{
	EVP_MD_CTX *mc = NULL;
	uint8_t *tmp = NULL, *out;
	size_t max, n;
	int ret = -1;

	if (!k || !siglen || !sig || !k->priv || (max = sg_pkey_sig_max(k)) == 0)
		goto err;
	/* A DER ECDSA signature is often shorter than the maximum and may
	 * still fit a smaller buffer; OpenSSL wants room for the maximum, so
	 * then sign aside and copy. */
	out = sig;
	if (*siglen < max && !(out = tmp = malloc(max)))
		goto err;
	n = max;
	if (k->tmpl && kind == k->tmpl_kind && h == k->tmpl_hash) {
		if (sign_fast(k, msg, mlen, out, &n) < 0)
			goto err;
	} else if (!(mc = sig_ctx(k, kind, h, true)) ||
		   EVP_DigestSign(mc, out, &n, msg, mlen) != 1) {
		goto err;
	}
	if (n > *siglen)
		goto err;
	if (tmp)
		memcpy(sig, tmp, n);
	*siglen = n;
	ret = 0;
err:
	free(tmp);
	EVP_MD_CTX_free(mc);
	sg_evp_clear_errors();
	return ret;
}

int sg_verify(const sg_pkey *k, sg_sig_kind kind, const sg_hash_class *h,
	      const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *mc = NULL;
	int ret = -1;
	if (!sig || !(mc = sig_ctx(k, kind, h, false)))
		goto err;
	/* 1 is valid; 0 is a mismatch and a negative value a malformed
	 * signature or internal error, all the same to the caller. */
	if (EVP_DigestVerify(mc, sig, siglen, msg, mlen) == 1)
		ret = 0;
err:
	EVP_MD_CTX_free(mc);
	sg_evp_clear_errors();
	return ret;
}
