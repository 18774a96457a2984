/*
 * libFuzzer target: the fixed-base X25519 key generation (our own code,
 * src/crypto/x25519_base.c) against libcrypto's ladder.  Every 32-byte
 * private key must give libcrypto's public key, byte for byte (RFC 7748
 * section 6.1: the public key is X25519(priv, 9) after section 5's
 * clamping, which both sides apply).  A difference aborts.
 *
 *   make fuzz && build-fuzz/fuzz_x25519 -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t priv[32] = { 0 }, ours[32], theirs[32];
	/* Short inputs are padded with zeros: the all-zero and nearly-zero
	 * scalars are edge cases of the comb's windows too. */
	memcpy(priv, data, size < 32 ? size : 32);
	sg_x25519_public(ours, priv);

	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, sizeof priv);
	size_t n = sizeof theirs;
	if (!k || EVP_PKEY_get_raw_public_key(k, theirs, &n) != 1 || n != 32)
		abort();
	EVP_PKEY_free(k);
	if (memcmp(ours, theirs, 32) != 0)
		abort();
	return 0;
}
