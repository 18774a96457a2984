/* Randomness from libcrypto's DRBG (seeded from the OS). */
#include "crypto/internal.h"

#include <limits.h>
#include <openssl/rand.h>

int sg_random(uint8_t *out, size_t n)
{
	if (sg_crypto_init() != 0)
		return -1;
	while (n) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (RAND_bytes(out, chunk) != 1) {
			sg_evp_clear_errors();
			return -1;
		}
		out += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}
