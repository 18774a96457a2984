/*
 * Private to src/crypto/: the OpenSSL objects behind the descriptors of
 * crypto.h.  Nothing outside this directory includes this file.
 */
#ifndef SG_CRYPTO_INTERNAL_H
#define SG_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "crypto/crypto.h"

/* The algorithm fetched at start-up for a descriptor, or NULL when
 * sg_crypto_init() failed or the descriptor is not one of ours. */
const EVP_MD *sg_evp_md(const sg_hash_class *h);
const EVP_CIPHER *sg_evp_cipher(const sg_aead_class *a);

/* SHA-3 and SHAKE (FIPS 202), for ML-KEM (mlkem.c). */
enum sg_keccak { SG_SHA3_256, SG_SHA3_512, SG_SHAKE128, SG_SHAKE256, SG_N_KECCAK };
const EVP_MD *sg_evp_keccak(enum sg_keccak alg);

/* Contexts owned by the calling thread (made on first use, freed at
 * thread exit; NULL when out of memory): a digest context for h, left
 * initialised for h between uses (callers re-initialise it when done so no
 * secret state stays in it), and an X25519 context (made for key
 * generation; sg_kex_generate re-initialises it for EVP_PKEY_fromdata,
 * which imports the key pair it computed itself). */
EVP_MD_CTX *sg_thread_md_ctx(const sg_hash_class *h);
EVP_PKEY_CTX *sg_thread_x25519_gen(void);
/* The calling thread's digest context for alg (NULL when out of memory),
 * for the caller to initialise on each use.  After hashing a secret, the
 * caller resets it (EVP_MD_CTX_reset frees libcrypto's state with
 * OPENSSL_clear_free), so that no secret stays in it between uses. */
EVP_MD_CTX *sg_thread_keccak_ctx(enum sg_keccak alg);

/* Empties OpenSSL's thread-local error queue, so that a failure we have
 * already reported as -1 does not surface in a later, unrelated call. */
void sg_evp_clear_errors(void);

#endif
