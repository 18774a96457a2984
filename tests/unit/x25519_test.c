/*
 * Tests of the fixed-base X25519 public-key generation
 * (src/crypto/x25519_base.c, sg_x25519_public) and of sg_kex_generate,
 * which uses it.  libcrypto's X25519 (through sg_kex_from_private, whose
 * public key libcrypto computes with its ladder, and sg_kex_derive) is the
 * independent reference; the RFC 7748 vectors pin that reference too.
 *
 * Environment (all optional; `make check-slow` sets the first two to
 * 1,000,000):
 *   X25519_DIFF_N  random private keys compared with libcrypto
 *                  (default 100,000; 20,000 under sanitizers, 1,000
 *                  under valgrind)
 *   X25519_ITER_N  iterations of RFC 7748 section 5.2's iterated vector
 *                  (default 1,000; its published values are checked at 1,
 *                  1,000 and 1,000,000)
 *   X25519_SEED    seed of the random keys (default: from sg_random;
 *                  printed, so that a failure can be replayed)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/crypto.h"
#include "json.h"
#include "test.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

static void unhex32(const char *hex, uint8_t out[32])
{
	if (sg_test_unhex(hex, out, 32) != 32) {
		fprintf(stderr, "x25519_test: bad constant %s\n", hex);
		exit(2);
	}
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s ", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

/* libcrypto's public key for priv (its ladder), or -1. */
static int ref_public(const uint8_t priv[32], uint8_t pub[32])
{
	sg_kex_key *k = sg_kex_from_private(&sg_x25519, priv, 32);
	int r = k ? sg_kex_public(k, pub) : -1;
	sg_kex_free(k);
	return r;
}

/* 1 when our public key for priv differs from libcrypto's (printed, at
 * most a few times per caller via *shown). */
static int differs(const uint8_t priv[32], unsigned *shown)
{
	uint8_t ours[32], ref[32];
	sg_x25519_public(ours, priv);
	if (ref_public(priv, ref) != 0) {
		fprintf(stderr, "x25519_test: libcrypto refused a private key\n");
		return 1;
	}
	if (memcmp(ours, ref, 32) == 0)
		return 0;
	if ((*shown)++ < 3) {
		fprintf(stderr, "x25519_test: public key differs from libcrypto's\n");
		print_hex("private ", priv, 32);
		print_hex("ours    ", ours, 32);
		print_hex("libcrypto", ref, 32);
	}
	return 1;
}

/* A positive decimal count from the environment, or def. */
static unsigned long env_count(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	if (!s || !*s)
		return def;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || *s == '-') {
		CHECK_MSG(0, "%s=%s: give a positive decimal count", name, s);
		return def;
	}
	return v;
}

/* ---- RFC 7748 section 6.1: Alice's and Bob's key pairs ---- */

static void test_rfc7748_dh(void)
{
	static const char *apriv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char *apub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	static const char *bpriv = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	static const char *bpub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
	static const char *shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
	uint8_t ak[32], ap[32], bk[32], bp[32], k[32], got[32], out[32];

	unhex32(apriv, ak);
	unhex32(apub, ap);
	unhex32(bpriv, bk);
	unhex32(bpub, bp);
	unhex32(shared, k);
	sg_x25519_public(got, ak);
	CHECK_MEM(got, ap, 32);
	sg_x25519_public(got, bk);
	CHECK_MEM(got, bp, 32);
	/* Our public keys agree with libcrypto's agreement: each side's
	 * secret from the other's public key as we computed it. */
	sg_kex_key *a = sg_kex_from_private(&sg_x25519, ak, 32), *b = sg_kex_from_private(&sg_x25519, bk, 32);
	CHECK(a && b);
	sg_x25519_public(got, bk);
	CHECK(a && sg_kex_derive(a, got, 32, out) == 0 && memcmp(out, k, 32) == 0);
	sg_x25519_public(got, ak);
	CHECK(b && sg_kex_derive(b, got, 32, out) == 0 && memcmp(out, k, 32) == 0);
	sg_kex_free(a);
	sg_kex_free(b);
}

/*
 * RFC 7748 section 5.2's iterated vector: k = u = 9, then repeatedly
 * k, u = X25519(k, u), k.  Only its first step has the base point as u:
 * X25519(9, 9) is a public key, so sg_x25519_public must give the
 * published one-iteration value by itself.  Every later step multiplies
 * another point, which a fixed-base function cannot do; those steps run
 * through libcrypto (sg_kex_derive), and so check the reference the
 * differential tests below rely on against the published 1,000 (and, in
 * make check-slow, 1,000,000) iteration values.  Along the way each k of
 * the chain, a deterministic pseudo-random string with all bits in play
 * (clamping included), is also a private key on which our public key and
 * libcrypto's must agree.
 */
static void test_rfc7748_iterated(unsigned long n)
{
	static const char *after1 = "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079";
	static const char *after1000 = "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51";
	static const char *after1000000 = "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424";
	uint8_t k[32] = { 9 }, u[32] = { 9 }, want[32], got[32], ref[32];
	unsigned long i, bad = 0, fails = 0;
	unsigned shown = 0;

	unhex32(after1, want);
	sg_x25519_public(got, k);
	CHECK_MEM(got, want, 32);
	for (i = 1; i <= n; i++) {
		sg_kex_key *key = sg_kex_from_private(&sg_x25519, k, 32);
		uint8_t out[32];
		if (!key || sg_kex_public(key, ref) != 0 || sg_kex_derive(key, u, 32, out) != 0) {
			sg_kex_free(key);
			fails++;
			break;
		}
		sg_kex_free(key);
		sg_x25519_public(got, k);
		if (memcmp(got, ref, 32) != 0 && shown++ < 3) {
			fprintf(stderr, "x25519_test: iteration %lu: public key differs from libcrypto's\n", i);
			print_hex("k", k, 32);
		}
		bad += memcmp(got, ref, 32) != 0;
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (i == 1)
			CHECK_MEM(k, want, 32);
		if (i == 1000) {
			unhex32(after1000, want);
			CHECK_MEM(k, want, 32);
		}
		if (i == 1000000) {
			unhex32(after1000000, want);
			CHECK_MEM(k, want, 32);
		}
	}
	CHECK_MSG(fails == 0, "libcrypto failed at iteration %lu", i);
	CHECK_MSG(bad == 0, "%lu of the chain's %lu private keys gave another public key", bad, n);
	printf("NOTE RFC 7748 5.2 iterated vector: %lu iterations%s\n", n,
	       n >= 1000000 ? " (1, 1,000 and 1,000,000 checked)" : n >= 1000 ? " (1 and 1,000 checked)" : "");
}

/* ---- Wycheproof x25519_test.json ---- */

/*
 * A vector whose public key is the base point would test a public-key
 * computation directly (its shared secret is then the private key's
 * public key); the file has none, so its private keys, chosen there to
 * reach edge cases of other implementations, are differential inputs.
 * u = 9 is looked for as X25519 reads u: bit 255 ignored, reduced mod p
 * (9 + p = 2^255 - 10 would also be the base point).
 */
static bool is_base_point(const uint8_t u[32])
{
	static const uint8_t nine_plus_p[32] = {
		0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
	};
	uint8_t v[32], nine[32] = { 9 };
	memcpy(v, u, 32);
	v[31] &= 0x7f;
	return memcmp(v, nine, 32) == 0 || memcmp(v, nine_plus_p, 32) == 0;
}

static void test_wycheproof(void)
{
	char path[1024], err[256];
	snprintf(path, sizeof path, "%s/wycheproof/testvectors_v1/x25519_test.json", sg_test_data());
	sg_json *j = sg_json_parse_file(path, err, sizeof err);
	CHECK_MSG(j != NULL, "%s: %s", path, err);
	const sg_json *groups = sg_json_get(j, "testGroups");
	size_t keys = 0, base = 0, malformed = 0, bad = 0;
	unsigned shown = 0;
	for (size_t g = 0; g < sg_json_len(groups); g++) {
		const sg_json *grp = sg_json_at(groups, g);
		const char *curve = sg_json_get_str(grp, "curve");
		if (!curve || strcmp(curve, "curve25519") != 0)
			continue;
		const sg_json *tests = sg_json_get(grp, "tests");
		for (size_t i = 0; i < sg_json_len(tests); i++) {
			const sg_json *t = sg_json_at(tests, i);
			const char *ps = sg_json_get_str(t, "private"), *us = sg_json_get_str(t, "public");
			const char *ss = sg_json_get_str(t, "shared");
			uint8_t priv[32], u[32], shared[32], ours[32];
			if (!ps || !us || !ss || sg_test_unhex(ps, priv, 32) != 32) {
				malformed++;
				continue;
			}
			keys++;
			bad += (size_t)differs(priv, &shown);
			if (sg_test_unhex(us, u, 32) == 32 && is_base_point(u) && sg_test_unhex(ss, shared, 32) == 32) {
				base++;
				sg_x25519_public(ours, priv);
				CHECK_MEM(ours, shared, 32);
			}
		}
	}
	sg_json_free(j);
	CHECK_MSG(malformed == 0, "%zu malformed vectors", malformed);
	CHECK_MSG(keys >= 500, "only %zu private keys read from %s", keys, path);
	CHECK_MSG(bad == 0, "%zu of %zu Wycheproof private keys gave another public key", bad, keys);
	printf("NOTE x25519_test.json: %zu private keys compared with libcrypto; %zu vectors with the base "
	       "point as public key\n", keys, base);
}

/* ---- edge cases of the private key ---- */

/* Little-endian 256-bit helpers for building the edge cases. */
static void le_add(uint8_t k[32], uint32_t v)
{
	uint32_t c = v;
	for (int i = 0; i < 32 && c; i++) {
		c += k[i];
		k[i] = (uint8_t)c;
		c >>= 8;
	}
}

static void le_sub(uint8_t k[32], uint32_t v)
{
	int64_t b = v;
	for (int i = 0; i < 32 && b; i++) {
		int64_t x = (int64_t)k[i] - (b & 0xff);
		b >>= 8;
		if (x < 0) {
			x += 256;
			b += 1;
		}
		k[i] = (uint8_t)x;
	}
}

static void le_shl(uint8_t k[32], int bits)
{
	for (int n = 0; n < bits; n++) {
		uint8_t c = 0;
		for (int i = 0; i < 32; i++) {
			uint8_t nc = k[i] >> 7;
			k[i] = (uint8_t)(k[i] << 1 | c);
			c = nc;
		}
	}
}

/* The group order (RFC 8032 section 5.1) and p, little-endian. */
static const char *L_HEX = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
static const char *P_HEX = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

static void test_edge_cases(void)
{
	uint8_t k[32], l[32], p[32], a[32], b[32], x[32];
	unsigned shown = 0;
	size_t n = 0, bad = 0;

	unhex32(L_HEX, l);
	unhex32(P_HEX, p);
#define DIFF(expr) do { expr; n++; bad += (size_t)differs(k, &shown); } while (0)
	/* Clamping: all bits clear, all set, each bit it touches. */
	DIFF(memset(k, 0, 32));
	DIFF(memset(k, 0xff, 32));
	DIFF((memset(k, 0, 32), k[31] = 0x80));                 /* bit 255 only */
	DIFF((memset(k, 0, 32), k[31] = 0x40));                 /* 2^254: the smallest clamped scalar */
	DIFF((memset(k, 0, 32), k[0] = 0x07));                  /* the low bits clamping clears */
	DIFF((memset(k, 0, 32), k[0] = 0x08));
	DIFF((memset(k, 0xff, 32), k[31] = 0x7f));              /* 2^255 - 1 */
	DIFF((memset(k, 0xff, 32), k[0] = 0xf8, k[31] = 0x7f)); /* 2^255 - 8: the largest */
	/* Near the group order and its multiples, and near p. */
	for (int s = 0; s <= 3; s++) {
		for (int d = -2; d <= 2; d++) {
			DIFF((memcpy(k, l, 32), le_shl(k, s), d < 0 ? le_sub(k, (uint32_t)-d) : le_add(k, (uint32_t)d)));
			DIFF((memcpy(k, l, 32), le_shl(k, s), k[31] |= 0x40,
			      d < 0 ? le_sub(k, (uint32_t)-d) : le_add(k, (uint32_t)d)));
		}
	}
	for (int d = -2; d <= 2; d++)
		DIFF((memcpy(k, p, 32), d < 0 ? le_sub(k, (uint32_t)-d) : le_add(k, (uint32_t)d)));
	/* Every nibble the same: the signed digits' carries, all at once. */
	for (int v = 0; v < 256; v += 0x11)
		DIFF(memset(k, v, 32));
	DIFF(memset(k, 0x78, 32));
	DIFF(memset(k, 0x87, 32));
	DIFF(memset(k, 0x80, 32));
	DIFF(memset(k, 0x08, 32));
#undef DIFF
	CHECK_MSG(bad == 0, "%zu of %zu edge-case private keys gave another public key", bad, n);

	/* Independently of libcrypto: 4L + c and 4L - c (c = 8j + 4 keeps
	 * both clamped as they are) are c and -c times B, whose
	 * u-coordinates are equal, and differ from those of other c. */
	uint8_t prev[32] = { 0 };
	for (uint32_t j = 0; j < 16; j++) {
		uint32_t c = 8 * j + 4;
		memcpy(a, l, 32);
		le_shl(a, 2);
		memcpy(b, a, 32);
		le_add(a, c);
		le_sub(b, c);
		CHECK(a[0] % 8 == 0 && b[0] % 8 == 0 && (a[31] & 0xc0) == 0x40 && (b[31] & 0xc0) == 0x40);
		sg_x25519_public(x, a);
		sg_x25519_public(k, b);
		CHECK_MSG(memcmp(x, k, 32) == 0, "u((4L + %u)B) != u((4L - %u)B)", (unsigned)c, (unsigned)c);
		CHECK_MSG(memcmp(x, prev, 32) != 0, "c = %u gives the same key as c - 8", (unsigned)c);
		memcpy(prev, x, 32);
	}
}

/* Clamping (RFC 7748 section 5): bits 0-2 and 255 never matter, bit 254
 * is always set; any other bit changes the key. */
static void test_clamping(void)
{
	uint8_t k[32], base[32], got[32];
	size_t same = 0, changed = 0;
	for (int r = 0; r < 16; r++) {
		CHECK(sg_random(k, 32) == 0);
		sg_x25519_public(base, k);
		static const int ignored[] = { 0, 1, 2, 255, 254 };
		for (size_t i = 0; i < 5; i++) {
			int bit = ignored[i];
			uint8_t m[32];
			memcpy(m, k, 32);
			m[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			sg_x25519_public(got, m);
			same += memcmp(got, base, 32) == 0;
		}
		static const int used[] = { 3, 4, 8, 100, 200, 251, 252, 253 };
		for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
			uint8_t m[32];
			memcpy(m, k, 32);
			m[used[i] / 8] ^= (uint8_t)(1 << (used[i] % 8));
			sg_x25519_public(got, m);
			changed += memcmp(got, base, 32) != 0;
		}
	}
	CHECK_MSG(same == 16 * 5, "a clamped-away bit changed the public key (%zu of 80 same)", same);
	CHECK_MSG(changed == 16 * 8, "a scalar bit did not change the public key (%zu of 128)", changed);
}

/* ---- random private keys against libcrypto ---- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void test_random(unsigned long n, uint64_t seed)
{
	uint64_t s = seed;
	unsigned long bad = 0;
	unsigned shown = 0;
	uint8_t k[32];
	for (unsigned long i = 0; i < n; i++) {
		for (int w = 0; w < 4; w++) {
			uint64_t r = splitmix(&s);
			for (int b = 0; b < 8; b++)
				k[8 * w + b] = (uint8_t)(r >> (8 * b));
		}
		if (i % 8 == 7) {
			/* Nibbles from {0, 7, 8, 15} only: runs of carries in
			 * the signed recoding. */
			static const uint8_t nib[4] = { 0, 7, 8, 15 };
			for (int b = 0; b < 32; b++)
				k[b] = (uint8_t)(nib[k[b] & 3] | nib[(k[b] >> 2) & 3] << 4);
		}
		bad += (unsigned long)differs(k, &shown);
	}
	CHECK_MSG(bad == 0, "%lu of %lu random private keys gave another public key (seed %" PRIu64 ")", bad, n,
		  seed);
	printf("NOTE %lu random private keys compared with libcrypto (X25519_SEED=%" PRIu64 ")\n", n, seed);
}

/* ---- sg_kex_generate ---- */

/* Keys from sg_kex_generate: the public key we computed and gave
 * libcrypto must be the one of the private key it holds, i.e. agreement
 * with a peer works both ways (a wrong public key fails here). */
static void test_generate(void)
{
	sg_kex_key *peer = sg_kex_generate(&sg_x25519);
	uint8_t pp[32], pub[32], prev[32] = { 0 }, s1[32], s2[32];
	size_t agree = 0, distinct = 0, n = 200;
	CHECK(peer && sg_kex_public(peer, pp) == 0);
	for (size_t i = 0; i < n; i++) {
		sg_kex_key *k = sg_kex_generate(&sg_x25519);
		if (!k || sg_kex_public(k, pub) != 0) {
			CHECK_MSG(0, "sg_kex_generate failed");
			sg_kex_free(k);
			break;
		}
		agree += sg_kex_derive(k, pp, 32, s1) == 0 && sg_kex_derive(peer, pub, 32, s2) == 0 &&
			 memcmp(s1, s2, 32) == 0;
		distinct += memcmp(pub, prev, 32) != 0;
		memcpy(prev, pub, 32);
		sg_kex_free(k);
	}
	CHECK_MSG(agree == n, "only %zu of %zu generated keys agree with a peer", agree, n);
	CHECK(distinct == n);
	sg_kex_free(peer);
}

/* ---- the committed table ---- */

/* src/crypto/x25519_table.h must be exactly what its generator
 * (tests/tools/x25519_table.c, built by make tests) writes. */
static void test_table(void)
{
	const char *build = getenv("BUILD");
	char cmd[1024], path[1024];
	snprintf(cmd, sizeof cmd, "%s/tests/x25519_table", build && *build ? build : "build");
	snprintf(path, sizeof path, "%s/../../src/crypto/x25519_table.h", sg_test_data());
	size_t clen = 0, glen = 0, cap = 1 << 17;
	char *committed = sg_test_read_file(path, &clen), *gen = malloc(cap);
	FILE *f = popen(cmd, "r");
	CHECK_MSG(committed != NULL, "cannot read %s", path);
	CHECK_MSG(f != NULL && gen != NULL, "cannot run %s", cmd);
	if (f && gen) {
		size_t r;
		while ((r = fread(gen + glen, 1, cap - glen, f)) > 0) {
			glen += r;
			if (glen == cap) {
				char *ng = realloc(gen, cap * 2);
				if (!ng)
					break;
				gen = ng;
				cap *= 2;
			}
		}
	}
	int rc = f ? pclose(f) : -1;
	CHECK_MSG(rc == 0, "%s failed (make tests builds it)", cmd);
	CHECK_MSG(committed && glen == clen && memcmp(gen, committed, clen) == 0,
		  "%s is not the generator's output: regenerate it with %s > %s", path, cmd, path);
	free(committed);
	free(gen);
}

int main(void)
{
	unsigned long diff_def = RUNNING_ON_VALGRIND ? 1000 : UNDER_SANITIZER ? 20000 : 100000;
	unsigned long diff_n = env_count("X25519_DIFF_N", diff_def);
	unsigned long iter_n = env_count("X25519_ITER_N", 1000);
	uint64_t seed;
	const char *ss = getenv("X25519_SEED");

	CHECK(sg_crypto_init() == 0);
	if (ss && *ss) {
		seed = strtoull(ss, NULL, 10);
	} else {
		uint8_t r[8];
		CHECK(sg_random(r, sizeof r) == 0);
		seed = 0;
		for (int i = 0; i < 8; i++)
			seed = seed << 8 | r[i];
	}
	test_table();
	test_rfc7748_dh();
	test_rfc7748_iterated(iter_n);
	test_wycheproof();
	test_edge_cases();
	test_clamping();
	test_generate();
	test_random(diff_n, seed);
	return TEST_END();
}
