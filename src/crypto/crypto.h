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
#define SG_MAX_KEX_PUB 97       /* uncompressed P-384 point */
#define SG_MAX_KEX_SECRET 48
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

/* ---- ephemeral key exchange: x25519, secp256r1, secp384r1 ---- */
typedef struct sg_kex_class {
	const char *name;
	uint16_t group;         /* TLS NamedGroup code point */
	size_t pub_len;         /* 32, 65, 97 (uncompressed points) */
	size_t secret_len;      /* 32, 32, 48 */
	int id;
} sg_kex_class;

extern const sg_kex_class sg_x25519, sg_secp256r1, sg_secp384r1;

typedef struct sg_kex_key sg_kex_key;
sg_kex_key *sg_kex_generate(const sg_kex_class *k);
/* Known private key (tests, vectors): 32 bytes for x25519, the scalar
 * (big-endian, field size) for the NIST curves. */
sg_kex_key *sg_kex_from_private(const sg_kex_class *k, const uint8_t *priv, size_t len);
/* out has k->pub_len bytes. */
int sg_kex_public(const sg_kex_key *key, uint8_t *out) SG_MUST_CHECK;
/* Validates the peer's share (length, on-curve, not the identity; for
 * x25519 an all-zero result is refused, RFC 8446 7.4.2); out has
 * k->secret_len bytes. */
int sg_kex_derive(const sg_kex_key *key, const uint8_t *peer, size_t plen,
		  uint8_t *out) SG_MUST_CHECK;
void sg_kex_free(sg_kex_key *key);

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
