/*
 * The TLS 1.2 pseudorandom function, RFC 5246 section 5, over HMAC:
 *   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
 *   A(0) = seed, A(i) = HMAC(secret, A(i-1))
 *   PRF(secret, label, seed) = P_<hash>(secret, label + seed)
 * Only TLS 1.2 uses it (the master secret, the key block, Finished).
 */
#include <string.h>

#include "crypto/crypto.h"

#define PRF_MAX_SEED 192

int sg_tls12_prf(const sg_hash_class *h, const uint8_t *secret, size_t slen, const char *label,
		 const uint8_t *s1, size_t n1, const uint8_t *s2, size_t n2, uint8_t *out, size_t olen)
{
	uint8_t seed[PRF_MAX_SEED], a[SG_MAX_HASH + PRF_MAX_SEED], t[SG_MAX_HASH];
	size_t llen = strlen(label), hl = h->out_len, seedlen = llen + n1 + n2, done = 0;
	int ret = -1;

	if (seedlen > PRF_MAX_SEED || (n1 && !s1) || (n2 && !s2))
		return -1;
	memcpy(seed, label, llen);
	if (n1)
		memcpy(seed + llen, s1, n1);
	if (n2)
		memcpy(seed + llen + n1, s2, n2);
	/* a holds A(i) followed by the seed. */
	if (sg_hmac(h, secret, slen, seed, seedlen, a) < 0)        /* A(1) */
		goto out;
	memcpy(a + hl, seed, seedlen);
	while (done < olen) {
		if (sg_hmac(h, secret, slen, a, hl + seedlen, t) < 0)
			goto out;
		size_t k = olen - done < hl ? olen - done : hl;
		memcpy(out + done, t, k);
		done += k;
		if (done < olen && sg_hmac(h, secret, slen, a, hl, a) < 0)     /* A(i+1) */
			goto out;
	}
	ret = 0;
out:
	sg_wipe(seed, sizeof seed);
	sg_wipe(a, sizeof a);
	sg_wipe(t, sizeof t);
	return ret;
}
