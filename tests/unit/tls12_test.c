/*
 * Tests of the TLS 1.2 pieces: the PRF (RFC 5246 section 5) against the
 * test vectors published on the IETF TLS list (SHA-256 and SHA-384, the
 * "test label" vectors), and its refusals.
 */
#include <stdint.h>

#include "crypto/crypto.h"
#include "test.h"

static void prf_vector(const sg_hash_class *h, const char *secret, const char *seed, const char *want)
{
	uint8_t s[64], sd[64], w[256], out[256];
	size_t sl = sg_test_unhex(secret, s, sizeof s), dl = sg_test_unhex(seed, sd, sizeof sd);
	size_t wl = sg_test_unhex(want, w, sizeof w);
	CHECK(sl != (size_t)-1 && dl != (size_t)-1 && wl != (size_t)-1);
	CHECK(sg_tls12_prf(h, s, sl, "test label", sd, dl, NULL, 0, out, wl) == 0);
	CHECK_MEM(out, w, wl);
	/* The seed split in two gives the same output (s1 + s2). */
	memset(out, 0, sizeof out);
	CHECK(sg_tls12_prf(h, s, sl, "test label", sd, 5, sd + 5, dl - 5, out, wl) == 0);
	CHECK_MEM(out, w, wl);
	/* A prefix of the output is the output for a shorter length. */
	memset(out, 0, sizeof out);
	CHECK(sg_tls12_prf(h, s, sl, "test label", sd, dl, NULL, 0, out, 13) == 0);
	CHECK_MEM(out, w, 13);
}

static void test_prf(void)
{
	prf_vector(&sg_sha256, "9bbe436ba940f017b17652849a71db35", "a0ba9f936cda311827a6f796ffd5198c",
		   "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af"
		   "0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187"
		   "347b66");
	prf_vector(&sg_sha384, "b80b733d6ceefcdc71566ea48e5567df", "cd665cf6a8447dd6ff8b27555edb7465",
		   "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f");
	/* A seed longer than the PRF takes is refused, not cut. */
	uint8_t big[200] = { 0 }, out[16];
	CHECK(sg_tls12_prf(&sg_sha256, big, 16, "master secret", big, 200, NULL, 0, out, sizeof out) < 0);
	CHECK(sg_tls12_prf(&sg_sha256, big, 16, "x", NULL, 3, NULL, 0, out, sizeof out) < 0);
}

int main(void)
{
	CHECK(sg_crypto_init() == 0);
	test_prf();
	return TEST_END();
}
