/*
 * Ephemeral (EC)DHE for TLS 1.3 key_share (RFC 8446 section 4.2.8):
 * X25519 as 32 raw bytes (RFC 7748), P-256/P-384 as uncompressed points
 * 0x04 || X || Y (RFC 8446 section 4.2.8.2; compressed points are not
 * allowed in TLS 1.3); and the hybrid X25519MLKEM768
 * (draft-ietf-tls-ecdhe-mlkem), an X25519 key and an ML-KEM-768 key
 * (mlkem.c), at the end of this file.
 */
#include "crypto/internal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <string.h>

const sg_kex_class sg_x25519 = {
	.name = "x25519", .group = 0x001d, .pub_len = 32, .server_share_len = 32,
	.secret_len = 32, .id = 0,
};
const sg_kex_class sg_secp256r1 = {
	.name = "secp256r1", .group = 0x0017, .pub_len = 65, .server_share_len = 65,
	.secret_len = 32, .id = 1,
};
const sg_kex_class sg_secp384r1 = {
	.name = "secp384r1", .group = 0x0018, .pub_len = 97, .server_share_len = 97,
	.secret_len = 48, .id = 2,
};
/* draft-ietf-tls-ecdhe-mlkem: client share ek (1184) || X25519 (32),
 * server share ciphertext (1088) || X25519 (32), secret 32 || 32. */
const sg_kex_class sg_x25519mlkem768 = {
	.name = "X25519MLKEM768", .group = 0x11ec,
	.pub_len = SG_MLKEM768_EK + 32, .server_share_len = SG_MLKEM768_CT + 32,
	.secret_len = SG_MLKEM_SS + 32, .id = 3,
};

/* Indexed by id; [0] is X25519, which has no group parameter. */
static const char *const group_names[] = { NULL, "P-256", "P-384" };
static const int group_nids[] = { 0, NID_X9_62_prime256v1, NID_secp384r1 };

struct hybrid;

struct sg_kex_key {
	const sg_kex_class *k;
	EVP_PKEY *p;            /* DH groups */
	struct hybrid *hy;      /* X25519MLKEM768 */
	/* References beyond the first (sg_kex_x25519_part shares the X25519
	 * half of a hybrid key): zero for a key made by calloc. */
	unsigned extra_refs;
};

static sg_kex_key *hybrid_new(const uint8_t *priv);
static int hybrid_public(sg_kex_key *key, uint8_t *out);
static int hybrid_derive(sg_kex_key *key, const uint8_t *peer, size_t plen, uint8_t *out);
static int hybrid_encap(sg_kex_key *ours, const uint8_t *cs, size_t n, uint8_t *ss, uint8_t *secret);
static void hybrid_free(struct hybrid *h);

static bool known(const sg_kex_class *k)
{
	return k == &sg_x25519 || k == &sg_secp256r1 || k == &sg_secp384r1;
}

static sg_kex_key *wrap(const sg_kex_class *k, EVP_PKEY *p)
{
	sg_kex_key *key;
	if (!p)
		return NULL;
	if (!(key = calloc(1, sizeof(*key)))) {
		EVP_PKEY_free(p);
		return NULL;
	}
	key->k = k;
	key->p = p;
	return key;
}

/* An EC key of our group from an encoded point (and a private scalar). The
 * import decodes the point with EC_POINT_oct2point, which refuses points
 * that are not on the curve; the point at infinity has no 0x04 encoding. */
static EVP_PKEY *ec_from_data(const sg_kex_class *k, const uint8_t *pub,
			      const BIGNUM *priv)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *p = NULL;

	if (!(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     group_names[k->id], 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      pub, k->pub_len) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)))
		goto err;
	if (!(pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &p, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1) {
		EVP_PKEY_free(p);
		p = NULL;
	}
err:
	EVP_PKEY_CTX_free(pc);
	/* OSSL_PARAM_clear_free is 3.2+; this path only imports known test
	 * scalars (sg_kex_from_private), never a live ephemeral key. */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return p;
}

/*
 * An X25519 key share.  RFC 7748 section 6.1: 32 random bytes are the
 * private key, X25519(priv, 9) the public key.  libcrypto 3.0's own key
 * generation computes the public key with its ladder, as slow as a whole
 * exchange; ours comes from the fixed-base table (x25519_base.c), and both
 * halves go to libcrypto together, which then computes nothing (its X25519
 * import derives a public key only when none is given).  The bytes come
 * from the private DRBG, as in libcrypto's generator (RAND_priv_bytes: a
 * DRBG instance that never serves public values such as nonces), and are
 * stored clamped, as it stores them.  The import copies them; our copies
 * are wiped.  The thread's X25519 context saves a fetch by name.
 */
static EVP_PKEY *x25519_generate(void)
{
	uint8_t priv[32], pub[32];
	EVP_PKEY_CTX *c = sg_thread_x25519_gen();
	EVP_PKEY *p = NULL;
	OSSL_PARAM prm[3];

	if (!c || RAND_priv_bytes(priv, sizeof priv) != 1 || EVP_PKEY_fromdata_init(c) != 1)
		goto done;
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	sg_x25519_public(pub, priv);
	prm[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, priv, sizeof priv);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
	prm[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(c, &p, EVP_PKEY_KEYPAIR, prm) != 1) {
		EVP_PKEY_free(p);
		p = NULL;
	}
done:
	sg_wipe(priv, sizeof priv);
	return p;
}

/* The peer's X25519 public key as a key object, through the thread's
 * X25519 context: EVP_PKEY_new_raw_public_key_ex fetches the key manager
 * by name on every call (31,600 Ir per handshake under callgrind, against
 * about 15,000 for this import). */
static EVP_PKEY *x25519_peer(const uint8_t *peer, size_t plen)
{
	EVP_PKEY_CTX *c = sg_thread_x25519_gen();
	EVP_PKEY *p = NULL;
	OSSL_PARAM prm[2];

	if (!c || EVP_PKEY_fromdata_init(c) != 1)
		return NULL;
	prm[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, plen);
	prm[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(c, &p, EVP_PKEY_PUBLIC_KEY, prm) != 1) {
		EVP_PKEY_free(p);
		p = NULL;
	}
	return p;
}

sg_kex_key *sg_kex_generate(const sg_kex_class *k)
{
	EVP_PKEY *p = NULL;
	if (k == &sg_x25519mlkem768)
		return hybrid_new(NULL);
	if (!known(k) || sg_crypto_init() != 0)
		return NULL;
	if (k == &sg_x25519) {
		p = x25519_generate();
	} else {
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group_names[k->id]);
	}
	if (!p)
		sg_evp_clear_errors();
	return wrap(k, p);
}

sg_kex_key *sg_kex_from_private(const sg_kex_class *k, const uint8_t *priv, size_t len)
{
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *d = NULL;
	BN_CTX *bc = NULL;
	EVP_PKEY *p = NULL;
	uint8_t pub[SG_MAX_KEX_PUB];

	if (k == &sg_x25519mlkem768)
		return priv && len == 96 ? hybrid_new(priv) : NULL;
	if (!known(k) || !priv || sg_crypto_init() != 0)
		return NULL;
	if (k == &sg_x25519) {
		if (len != 32)
			return NULL;
		p = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, len);
		goto done;
	}
	if (len != k->secret_len)
		goto done;
	/* The import wants the public point too: Q = d*G, with d in
	 * [1, n-1]. */
	if (!(g = EC_GROUP_new_by_curve_name(group_nids[k->id])) ||
	    !(pt = EC_POINT_new(g)) || !(bc = BN_CTX_new()) ||
	    !(d = BN_secure_new()) || !BN_bin2bn(priv, (int)len, d))
		goto done;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0)
		goto done;
	if (!EC_POINT_mul(g, pt, d, NULL, NULL, bc) ||
	    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub,
			       sizeof(pub), bc) != k->pub_len)
		goto done;
	p = ec_from_data(k, pub, d);
done:
	if (!p)
		sg_evp_clear_errors();
	BN_clear_free(d);
	BN_CTX_free(bc);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return wrap(k, p);
}

int sg_kex_public(sg_kex_key *key, uint8_t *out)
{
	size_t n = 0;
	if (!key)
		return -1;
	if (key->hy)
		return hybrid_public(key, out);
	if (key->k == &sg_x25519) {
		n = key->k->pub_len;
		if (EVP_PKEY_get_raw_public_key(key->p, out, &n) != 1)
			goto err;
	} else if (EVP_PKEY_get_octet_string_param(key->p,
			OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, key->k->pub_len,
			&n) != 1 || out[0] != 0x04) {
		goto err;
	}
	if (n != key->k->pub_len)
		goto err;
	return 0;
err:
	sg_evp_clear_errors();
	return -1;
}

int sg_kex_derive(sg_kex_key *key, const uint8_t *peer, size_t plen, uint8_t *out)
{
	EVP_PKEY *pp = NULL;
	EVP_PKEY_CTX *dc = NULL;
	size_t n;
	int ret = -1;

	if (key && key->hy)
		return hybrid_derive(key, peer, plen, out);
	if (!key || !peer || plen != key->k->pub_len)
		return -1;
	if (key->k == &sg_x25519) {
		pp = x25519_peer(peer, plen);
	} else {
		/* Only the uncompressed form; 0x00 (infinity), 0x02/0x03
		 * (compressed) and 0x06/0x07 (hybrid) are refused. */
		if (peer[0] != 0x04)
			goto err;
		pp = ec_from_data(key->k, peer, NULL);
	}
	if (!pp)
		goto err;
	/* No EVP_PKEY_public_check here: the import already checked that the
	 * point is on the curve, and P-256/P-384 have cofactor 1, so every
	 * such point other than infinity is in the prime-order group. */
	n = key->k->secret_len;
	if (!(dc = EVP_PKEY_CTX_new_from_pkey(NULL, key->p, NULL)) ||
	    EVP_PKEY_derive_init(dc) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(dc, pp, 0) != 1 ||
	    EVP_PKEY_derive(dc, out, &n) != 1 || n != key->k->secret_len)
		goto err;
	if (key->k == &sg_x25519) {
		/* RFC 8446 section 7.4.2: an all-zero X25519 result (a
		 * low-order peer point) MUST be refused. */
		uint8_t acc = 0;
		for (size_t i = 0; i < n; i++)
			acc |= out[i];
		if (acc == 0)
			goto err;
	}
	ret = 0;
err:
	if (ret) {
		OPENSSL_cleanse(out, key->k->secret_len);
		sg_evp_clear_errors();
	}
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(pp);
	return ret;
}

void sg_kex_free(sg_kex_key *key)
{
	/* The last reference frees (extra_refs was 0). */
	if (!key || __atomic_fetch_sub(&key->extra_refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	hybrid_free(key->hy);
	/* EVP_PKEY_free clears the private key material. */
	EVP_PKEY_free(key->p);
	free(key);
}

/* Server side, every group: DH groups answer with our public value and
 * derive; the hybrid encapsulates. */
int sg_kex_encap(sg_kex_key *ours, const uint8_t *client_share, size_t n,
		 uint8_t *server_share, uint8_t *secret)
{
	if (!ours || !client_share || !server_share || !secret)
		return -1;
	if (ours->hy)
		return hybrid_encap(ours, client_share, n, server_share, secret);
	if (n != ours->k->pub_len || sg_kex_public(ours, server_share) < 0 ||
	    sg_kex_derive(ours, client_share, n, secret) < 0) {
		sg_wipe(secret, ours->k->secret_len);
		return -1;
	}
	return 0;
}

/* ---- X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) ----
 * An X25519 key made by the X25519 code above (so it is generated the
 * same way as a plain x25519 key) and an ML-KEM-768 key kept as its seed
 * d || z (FIPS 203 section 7.1) until a client needs the key pair. */
struct mlkem_pair {
	uint8_t ek[SG_MLKEM768_EK];
	uint8_t dk[SG_MLKEM768_DK];
};

struct hybrid {
	sg_kex_key *x;
	/* The key pair expanded from seed, allocated only then: a server
	 * holds about 100 bytes, not 3.6 KB, during its handshake. */
	struct mlkem_pair *pair;
	bool fixed_m;           /* sg_kex_test_fix_encap */
	bool seeded;            /* seed holds d || z (drawn on first need) */
	uint8_t seed[64];
	uint8_t m[32];
};

/* From priv = d || z || X25519 private key, or fresh when priv is NULL. */
static sg_kex_key *hybrid_new(const uint8_t *priv)
{
	struct hybrid *h = NULL;
	sg_kex_key *key = NULL;

	if (sg_crypto_init() != 0 || !(h = calloc(1, sizeof(*h))) || !(key = calloc(1, sizeof(*key))))
		goto err;
	/* A fresh key's seed is drawn when the key pair is first needed: a
	 * server never needs it (it only encapsulates). */
	if (priv) {
		memcpy(h->seed, priv, 64);
		h->seeded = true;
		h->x = sg_kex_from_private(&sg_x25519, priv + 64, 32);
	} else {
		h->x = sg_kex_generate(&sg_x25519);
	}
	if (!h->x)
		goto err;
	key->k = &sg_x25519mlkem768;
	key->hy = h;
	return key;
err:
	hybrid_free(h);
	free(key);
	return NULL;
}

static void hybrid_free(struct hybrid *h)
{
	if (!h)
		return;
	sg_kex_free(h->x);
	if (h->pair) {
		sg_wipe(h->pair, sizeof *h->pair);
		free(h->pair);
	}
	sg_wipe(h, sizeof *h);
	free(h);
}

/* ML-KEM.KeyGen_internal(d, z) on first use; d is then no longer needed
 * (z is inside dk). */
static int hybrid_expand(struct hybrid *h)
{
	struct mlkem_pair *p;
	if (h->pair)
		return 0;
	if (!h->seeded && sg_random(h->seed, sizeof h->seed) < 0)
		return -1;
	h->seeded = true;
	if (!(p = malloc(sizeof *p)))
		return -1;
	if (sg_mlkem768_keygen_internal(p->ek, p->dk, h->seed, h->seed + 32) < 0) {
		sg_wipe(p, sizeof *p);
		free(p);
		return -1;
	}
	sg_wipe(h->seed, sizeof h->seed);
	h->pair = p;
	return 0;
}

/* Client share: ek || X25519 public value. */
static int hybrid_public(sg_kex_key *key, uint8_t *out)
{
	struct hybrid *h = key->hy;
	if (!out || hybrid_expand(h) < 0)
		return -1;
	memcpy(out, h->pair->ek, SG_MLKEM768_EK);
	return sg_kex_public(h->x, out + SG_MLKEM768_EK);
}

/* Client: server share = ciphertext || X25519 share; secret = ML-KEM
 * shared secret || X25519 secret.  The draft requires refusing a
 * ciphertext of the wrong length: here, any share of the wrong length. */
static int hybrid_derive(sg_kex_key *key, const uint8_t *peer, size_t plen, uint8_t *out)
{
	struct hybrid *h = key->hy;
	if (!peer || !out || plen != key->k->server_share_len)
		return -1;
	if (hybrid_expand(h) < 0 || sg_mlkem768_decaps(out, h->pair->dk, peer) < 0 ||
	    sg_kex_derive(h->x, peer + SG_MLKEM768_CT, 32, out + SG_MLKEM_SS) < 0) {
		sg_wipe(out, key->k->secret_len);
		return -1;
	}
	return 0;
}

/* Server: the draft requires the encapsulation key check of FIPS 203
 * section 7.2 (sg_mlkem768_encaps_internal runs it), then Encaps and
 * X25519 with our key. */
static int hybrid_encap(sg_kex_key *ours, const uint8_t *cs, size_t n, uint8_t *ss, uint8_t *secret)
{
	struct hybrid *h = ours->hy;
	uint8_t m[32];
	int ret = -1;

	if (n != ours->k->pub_len)
		goto done;
	if (h->fixed_m)
		memcpy(m, h->m, sizeof m);
	else if (sg_random(m, sizeof m) < 0)
		goto done;
	if (sg_mlkem768_encaps_internal(ss, secret, cs, m) < 0 ||
	    sg_kex_public(h->x, ss + SG_MLKEM768_CT) < 0 ||
	    sg_kex_derive(h->x, cs + SG_MLKEM768_EK, 32, secret + SG_MLKEM_SS) < 0)
		goto done;
	ret = 0;
done:
	if (ret)
		sg_wipe(secret, ours->k->secret_len);
	sg_wipe(m, sizeof m);
	return ret;
}

sg_kex_key *sg_kex_x25519_part(sg_kex_key *key)
{
	if (!key || !key->hy)
		return NULL;
	__atomic_add_fetch(&key->hy->x->extra_refs, 1, __ATOMIC_RELAXED);
	return key->hy->x;
}

int sg_kex_test_fix_encap(sg_kex_key *key, const uint8_t m[32])
{
	if (!key || !key->hy || !m)
		return -1;
	memcpy(key->hy->m, m, 32);
	key->hy->fixed_m = true;
	return 0;
}
