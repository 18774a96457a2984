/*
 * The crypto interface of sigil.  Everything above src/crypto/ sees only
 * this header: const algorithm descriptors and opaque contexts.  The one
 * backend today is OpenSSL's libcrypto (3.0+), fetched once at start-up by
 * sg_crypto_init(); another backend could replace it behind this header.
 *
 * Conventions: functions returning int return 0 on success and -1 on
 * failure.  Output buffers are sized by the descriptor (out_len, key_len,
 * ...) and the caller provides them.  Nothing here keeps a pointer to the
 * caller's input after returning.  Secrets held in contexts are wiped on
 * free.  All functions are thread-safe on distinct contexts; descriptors
 * are immutable and shared.
 */
#ifndef SG_CRYPTO_H
#define SG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes/bytes.h"

#define SG_MAX_HASH 64          /* SHA-512 */
#define SG_MAX_AEAD_KEY 32
#define SG_AEAD_NONCE 12
#define SG_AEAD_TAG 16
#define SG_MAX_KEX_PUB 1216     /* X25519MLKEM768 client share */
#define SG_MAX_KEX_SECRET 64    /* X25519MLKEM768 */
#define SG_MAX_SIG 512          /* RSA-4096 */

/* Idempotent and thread-safe; every other function calls it when needed. */
int sg_crypto_init(void) SG_MUST_CHECK;

/* ---- hashes ---- */
typedef struct sg_hash_class {
	const char *name;
	size_t out_len;
	size_t block_len;
	int id;                 /* backend index */
} sg_hash_class;

extern const sg_hash_class sg_sha256, sg_sha384, sg_sha512;

typedef struct sg_hash_ctx sg_hash_ctx;
sg_hash_ctx *sg_hash_new(const sg_hash_class *h);
/* A context in the same state as src (NULL on failure). */
sg_hash_ctx *sg_hash_dup(const sg_hash_ctx *src);
int sg_hash_update(sg_hash_ctx *c, const void *p, size_t n) SG_MUST_CHECK;
/* Digest of everything so far, leaving the context usable (transcript
 * snapshot). out has out_len bytes. */
int sg_hash_peek(const sg_hash_ctx *c, uint8_t *out) SG_MUST_CHECK;
/* Digest of everything so far followed by more[0..n), leaving the context
 * as it was (a PSK binder over a partial ClientHello). */
int sg_hash_peek_more(const sg_hash_ctx *c, const void *more, size_t n, uint8_t *out) SG_MUST_CHECK;
void sg_hash_free(sg_hash_ctx *c);
int sg_hash(const sg_hash_class *h, const void *p, size_t n, uint8_t *out) SG_MUST_CHECK;

/* ---- HMAC and HKDF (RFC 2104, RFC 5869) ---- */
int sg_hmac(const sg_hash_class *h, const uint8_t *key, size_t klen,
	    const uint8_t *msg, size_t mlen, uint8_t *out) SG_MUST_CHECK;
/* prk has h->out_len bytes. salt may be NULL (then a string of zeros). */
int sg_hkdf_extract(const sg_hash_class *h, const uint8_t *salt, size_t slen,
		    const uint8_t *ikm, size_t ilen, uint8_t *prk) SG_MUST_CHECK;
/* out_len <= 255 * h->out_len. */
int sg_hkdf_expand(const sg_hash_class *h, const uint8_t *prk, size_t plen,
		   const uint8_t *info, size_t ilen, uint8_t *out, size_t olen) SG_MUST_CHECK;

/* ---- the TLS 1.2 PRF (RFC 5246 section 5), tls12_prf.c ----
 * PRF(secret, label, s1 + s2) with P_<h>; label + s1 + s2 at most 192
 * bytes.  out gets olen bytes. */
int sg_tls12_prf(const sg_hash_class *h, const uint8_t *secret, size_t slen, const char *label,
		 const uint8_t *s1, size_t n1, const uint8_t *s2, size_t n2, uint8_t *out,
		 size_t olen) SG_MUST_CHECK;

/* ---- AEAD (RFC 5116): 12-byte nonce, 16-byte tag ---- */
typedef struct sg_aead_class {
	const char *name;
	size_t key_len;
	int id;
} sg_aead_class;

extern const sg_aead_class sg_aes128gcm, sg_aes256gcm, sg_chacha20poly1305;

/* A context bound to one key and one direction, reused for every record. */
typedef struct sg_aead_ctx sg_aead_ctx;
sg_aead_ctx *sg_aead_new(const sg_aead_class *a, const uint8_t *key, bool encrypt);
void sg_aead_free(sg_aead_ctx *c);
/* out gets len + SG_AEAD_TAG bytes; out may equal in (in place). */
int sg_aead_seal(sg_aead_ctx *c, const uint8_t nonce[SG_AEAD_NONCE],
		 const uint8_t *aad, size_t alen, const uint8_t *in, size_t len,
		 uint8_t *out) SG_MUST_CHECK;
/* Seal in[len] followed by in2[len2] as one message (TLS appends the
 * content type to a record's data without copying it); out gets
 * len + len2 + SG_AEAD_TAG bytes and may equal in. */
int sg_aead_seal2(sg_aead_ctx *c, const uint8_t nonce[SG_AEAD_NONCE],
		  const uint8_t *aad, size_t alen, const uint8_t *in, size_t len,
		  const uint8_t *in2, size_t len2, uint8_t *out) SG_MUST_CHECK;
/* in holds ciphertext||tag (len >= SG_AEAD_TAG); out gets len - SG_AEAD_TAG
 * bytes; out may equal in. -1 on authentication failure (out is then
 * unspecified and must not be used). */
int sg_aead_open(sg_aead_ctx *c, const uint8_t nonce[SG_AEAD_NONCE],
		 const uint8_t *aad, size_t alen, const uint8_t *in, size_t len,
		 uint8_t *out) SG_MUST_CHECK;

/* ---- ephemeral key exchange: x25519, secp256r1, secp384r1, X25519MLKEM768 ----
 *
 * One shape for Diffie-Hellman groups and for the hybrid KEM group
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), so that one engine path
 * serves every group (RFC 8446 section 4.2.8):
 *   client: key = sg_kex_generate(k); sg_kex_public(key, share) -> the
 *           key_share it sends (pub_len bytes); later sg_kex_derive(key,
 *           server_share, server_share_len, secret);
 *   server: key = sg_kex_generate(k); sg_kex_encap(key, client_share, n,
 *           server_share, secret) -> the key_share it answers with
 *           (server_share_len bytes) and the shared secret.
 * For DH groups server_share_len == pub_len and sg_kex_encap is
 * sg_kex_public + sg_kex_derive.  For X25519MLKEM768 the client share is
 * the ML-KEM-768 encapsulation key (1184) || the X25519 share (32), the
 * server share the ML-KEM ciphertext (1088) || the X25519 share (32), and
 * the secret the ML-KEM shared secret (32) || the X25519 secret (32).
 *
 * Every function returning -1 refuses the peer's share: the engine sends
 * illegal_parameter (a wrong length, a point off the curve, an all-zero
 * X25519 result, an encapsulation key failing the modulus check of FIPS
 * 203 section 7.2, a ciphertext of the wrong length). */
typedef struct sg_kex_class {
	const char *name;
	uint16_t group;         /* TLS NamedGroup code point */
	size_t pub_len;         /* client share: 32, 65, 97 (uncompressed points), 1216 */
	size_t server_share_len; /* server share: pub_len for DH groups, 1120 */
	size_t secret_len;      /* 32, 32, 48, 64 */
	int id;
} sg_kex_class;

extern const sg_kex_class sg_x25519, sg_secp256r1, sg_secp384r1, sg_x25519mlkem768;

/* A key is owned by whoever got it from a function below and freed with
 * sg_kex_free; it is used by one thread at a time. */
typedef struct sg_kex_key sg_kex_key;
/* A fresh key.  For X25519MLKEM768: an X25519 key and the ML-KEM seed
 * (d, z); the ML-KEM key pair is expanded from the seed on the first
 * sg_kex_public or sg_kex_derive, so a server, which only encapsulates,
 * never pays for ML-KEM key generation. */
sg_kex_key *sg_kex_generate(const sg_kex_class *k);
/* Known private key (tests, vectors): 32 bytes for x25519, the scalar
 * (big-endian, field size) for the NIST curves, and for X25519MLKEM768
 * the 96 bytes d || z || X25519 private key (FIPS 203 section 7.1's seed
 * form of the ML-KEM key, then RFC 7748's). */
sg_kex_key *sg_kex_from_private(const sg_kex_class *k, const uint8_t *priv, size_t len);
/* Our client share; out has k->pub_len bytes. */
int sg_kex_public(sg_kex_key *key, uint8_t *out) SG_MUST_CHECK;
/* Client side: the secret from the server's share (k->server_share_len
 * bytes; any other length is refused).  Validates the share (length,
 * on-curve, not the identity; for x25519 an all-zero result is refused,
 * RFC 8446 7.4.2); out has k->secret_len bytes.  For X25519MLKEM768 the
 * ML-KEM part never fails (a bad ciphertext gives FIPS 203's implicit-
 * rejection secret, which then fails the handshake's Finished check). */
int sg_kex_derive(sg_kex_key *key, const uint8_t *peer, size_t plen,
		  uint8_t *out) SG_MUST_CHECK;
/* Server side: from the client's share (n bytes, k->pub_len expected),
 * server_share gets our answer (k->server_share_len bytes) and secret the
 * shared secret (k->secret_len).  DH groups: our public value, and the
 * derivation as in sg_kex_derive.  X25519MLKEM768: the encapsulation key
 * check of FIPS 203 section 7.2, ML-KEM.Encaps to it (fresh randomness
 * from sg_random), and X25519 with our key.  On -1 nothing written is
 * meaningful and secret is wiped. */
int sg_kex_encap(sg_kex_key *ours, const uint8_t *client_share, size_t n,
		 uint8_t *server_share, uint8_t *secret) SG_MUST_CHECK;
/* The X25519 half of an X25519MLKEM768 key, as a key of class sg_x25519
 * that sg_kex_public/sg_kex_derive/sg_kex_encap accept: a client offering
 * both X25519MLKEM768 and x25519 key shares sends this key's
 * sg_kex_public as its x25519 share (one X25519 key serves both, the last
 * 32 bytes of the hybrid share), and derives with it if the server picks
 * x25519.  Returns a new reference that the caller owns and frees with
 * sg_kex_free, independently of the hybrid key (either may be freed
 * first: the X25519 key is shared and freed with its last reference).
 * NULL if key is not an X25519MLKEM768 key or out of memory. */
sg_kex_key *sg_kex_x25519_part(sg_kex_key *key);
void sg_kex_free(sg_kex_key *key);

/* Tests only: sg_kex_encap with this X25519MLKEM768 key will use m as the
 * ML-KEM encapsulation randomness (FIPS 203 ML-KEM.Encaps_internal)
 * instead of 32 fresh random bytes, so that a server's share and secret
 * are reproducible.  Anyone who knows m computes the ML-KEM secret from
 * the client's share alone: never call it outside tests and fuzzing.
 * -1 if key is not an X25519MLKEM768 key. */
int sg_kex_test_fix_encap(sg_kex_key *key, const uint8_t m[32]) SG_MUST_CHECK;

/* ---- ML-KEM-768 (FIPS 203), src/crypto/mlkem.c ----
 * Keys and ciphertexts in the standard's byte formats (section 7.1):
 * ek = ByteEncode12(t-hat) || rho; dk = dk_PKE || ek || H(ek) || z (the
 * expanded form).  0 on success, -1 on failure (a refused input, or
 * libcrypto failing); on -1 the shared-secret output is wiped.  Output
 * buffers are the caller's and never overlap the inputs. */
#define SG_MLKEM768_EK 1184
#define SG_MLKEM768_DK 2400
#define SG_MLKEM768_CT 1088
#define SG_MLKEM_SS 32

/* ML-KEM.KeyGen (Algorithm 19): d and z from sg_random. */
int sg_mlkem768_keygen(uint8_t ek[SG_MLKEM768_EK], uint8_t dk[SG_MLKEM768_DK]) SG_MUST_CHECK;
/* ML-KEM.KeyGen_internal (Algorithm 16) from the seed d || z (tests,
 * and keys kept in seed form). */
int sg_mlkem768_keygen_internal(uint8_t ek[SG_MLKEM768_EK], uint8_t dk[SG_MLKEM768_DK],
				const uint8_t d[32], const uint8_t z[32]) SG_MUST_CHECK;
/* The encapsulation input check of section 7.2 on an untrusted key of
 * ek_len bytes: type check (the length) and modulus check
 * (ByteEncode12(ByteDecode12(ek)) == ek).  0 when it passes. */
int sg_mlkem768_encaps_check(const uint8_t *ek, size_t ek_len) SG_MUST_CHECK;
/* The decapsulation input check of section 7.3 for a decapsulation key
 * that was not made here: ciphertext type check (ct_len), key type check
 * (dk_len) and hash check (the H(ek) inside dk matches the ek inside
 * dk).  0 when it passes.  Keys from sg_mlkem768_keygen pass by
 * construction. */
int sg_mlkem768_decaps_check(const uint8_t *dk, size_t dk_len, size_t ct_len) SG_MUST_CHECK;
/* ML-KEM.Encaps (Algorithm 20): m from sg_random.  Runs the modulus check
 * itself and returns -1 for a key that fails it. */
int sg_mlkem768_encaps(uint8_t ct[SG_MLKEM768_CT], uint8_t ss[SG_MLKEM_SS],
		       const uint8_t ek[SG_MLKEM768_EK]) SG_MUST_CHECK;
/* ML-KEM.Encaps_internal (Algorithm 17) with the given m (tests only: a
 * known m gives away ss), after the same modulus check. */
int sg_mlkem768_encaps_internal(uint8_t ct[SG_MLKEM768_CT], uint8_t ss[SG_MLKEM_SS],
				const uint8_t ek[SG_MLKEM768_EK], const uint8_t m[32]) SG_MUST_CHECK;
/* ML-KEM.Decaps (Algorithms 18 and 21) with implicit rejection: for a
 * ciphertext that does not re-encrypt to itself, ss is J(z || c), chosen
 * in constant time.  Fails only if libcrypto fails. */
int sg_mlkem768_decaps(uint8_t ss[SG_MLKEM_SS], const uint8_t dk[SG_MLKEM768_DK],
		       const uint8_t ct[SG_MLKEM768_CT]) SG_MUST_CHECK;

/* Tests only (tests/unit/mlkem_test.c): views of
 * ML-KEM's internals.  Polynomials are 256 coefficients taken modulo q
 * on input and returned in [0, q). */
/* SampleNTT (Algorithm 7) of rho || b0 || b1, drawing `first` bytes of
 * SHAKE128 before extending (ML-KEM itself draws 504); returns the XOF
 * bytes consumed (0 on failure). */
size_t sg_mlkem_sample_ntt_test(uint16_t a[256], const uint8_t rho[32], uint8_t b0, uint8_t b1,
				size_t first);
void sg_mlkem_ntt_test(uint16_t f[256]);                /* Algorithm 9 */
void sg_mlkem_invntt_test(uint16_t f[256]);             /* Algorithm 10 */
/* MultiplyNTTs (Algorithm 11) */
void sg_mlkem_mul_ntt_test(uint16_t h[256], const uint16_t f[256], const uint16_t g[256]);
/* Compress_d / Decompress_d (section 4.2.1) */
uint16_t sg_mlkem_compress_test(uint16_t x, unsigned d);
uint16_t sg_mlkem_decompress_test(uint16_t y, unsigned d);
/* Marks n bytes computed from secrets as public by design (the matrix
 * seed rho in ML-KEM key generation).  Does nothing; the constant-time
 * check overrides it (a weak symbol) to tell valgrind. */
void sg_ct_public(const void *p, size_t n);
/* ---- X25519 public key from a fixed-base table (own code: x25519_base.c) ---- */
/* pub = X25519(priv, 9), RFC 7748 section 6.1: the public key of a 32-byte
 * private key, clamped as in section 5 (bits 0-2 and 255 ignored, bit 254
 * set).  Constant time in priv (no secret-dependent branch or memory
 * index); its working copies are wiped.  sg_kex_generate uses it, so that
 * libcrypto never runs its ladder for our own key shares. */
void sg_x25519_public(uint8_t pub[32], const uint8_t priv[32]);

/* ---- public and private keys, signatures ---- */
typedef enum sg_key_type {
	SG_KEY_NONE = 0,
	SG_KEY_RSA,
	SG_KEY_EC_P256,
	SG_KEY_EC_P384,
	SG_KEY_EC_P521,
	SG_KEY_ED25519,
} sg_key_type;
static inline bool sg_key_is_ec(sg_key_type t)
{
	return t == SG_KEY_EC_P256 || t == SG_KEY_EC_P384 || t == SG_KEY_EC_P521;
}

typedef enum sg_sig_kind {
	SG_SIG_ECDSA,           /* DER-encoded (r, s) */
	SG_SIG_RSA_PKCS1,
	SG_SIG_RSA_PSS,         /* MGF1 with the same hash, salt = hash length */
	SG_SIG_ED25519,         /* hash must be NULL */
} sg_sig_kind;

/* Keys are limited to the types above; RSA keys whose signatures would
 * not fit SG_MAX_SIG (above 4096 bits) and RSA-PSS-only keys
 * (id-RSASSA-PSS) are refused by every constructor. */
typedef struct sg_pkey sg_pkey;
/* A private key from PEM: PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY")
 * or PKCS#1 ("RSA PRIVATE KEY"); unencrypted only. The first key block in
 * the text is used. */
sg_pkey *sg_pkey_private_from_pem(const char *pem, size_t len);
/* A public key from a DER SubjectPublicKeyInfo (as found in a certificate). */
sg_pkey *sg_pkey_public_from_spki(const uint8_t *der, size_t len);
void sg_pkey_free(sg_pkey *k);
sg_key_type sg_pkey_type(const sg_pkey *k);
size_t sg_pkey_bits(const sg_pkey *k);
/* Upper bound of a signature's size for this key. */
size_t sg_pkey_sig_max(const sg_pkey *k);
/* The DER SubjectPublicKeyInfo of a key (public or private) into w. */
int sg_pkey_spki(const sg_pkey *k, sg_wr *w) SG_MUST_CHECK;
/* True when both keys have the same public part. */
bool sg_pkey_public_eq(const sg_pkey *a, const sg_pkey *b);
/* A new private key (for the CA): SG_KEY_EC_P256, SG_KEY_EC_P384,
 * SG_KEY_EC_P521, SG_KEY_ED25519, or SG_KEY_RSA with rsa_bits 2048, 3072
 * or 4096 (e = 65537); rsa_bits is ignored for the other types. NULL on
 * failure or an unsupported type/size. Free with sg_pkey_free. */
sg_pkey *sg_pkey_generate(sg_key_type t, size_t rsa_bits);
/* The private key k as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE
 * KEY-----") appended to w; -1 if k has no private part or w fails. The
 * output is a secret: free w with sg_wr_free (which wipes heap storage)
 * and wipe caller storage. */
int sg_pkey_private_to_pem(const sg_pkey *k, sg_wr *w) SG_MUST_CHECK;

/* Sign msg (the whole message; hashing is done here). *siglen is the
 * capacity of sig on input, the signature length on output. */
int sg_sign(const sg_pkey *k, sg_sig_kind kind, const sg_hash_class *h,
	    const uint8_t *msg, size_t mlen, uint8_t *sig, size_t *siglen) SG_MUST_CHECK;
/* 0 only for a valid signature by k; -1 for anything else (wrong key type
 * for kind, malformed signature, mismatch). */
int sg_verify(const sg_pkey *k, sg_sig_kind kind, const sg_hash_class *h,
	      const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t siglen) SG_MUST_CHECK;

/* ---- randomness ---- */
int sg_random(uint8_t *out, size_t n) SG_MUST_CHECK;

/* ---- PKCS#12 (RFC 7292), for the CA ---- */
/* A PKCS#12 file (DER) appended to out: the private key and certs[0]
 * (its certificate, which must match the key), then certs[1..n-1] (the
 * chain), each as DER of lens[i] bytes. Both bags are encrypted with
 * PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) under password, and the MAC is
 * HMAC-SHA256. friendly_name may be NULL. */
int sg_pkcs12_write(const sg_pkey *key, const uint8_t *const *certs, const size_t *lens,
		    size_t n, const char *password, const char *friendly_name,
		    sg_wr *out) SG_MUST_CHECK;

#endif
