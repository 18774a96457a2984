/*
 * Tests of ML-KEM-768 (src/crypto/mlkem.c) and of the X25519MLKEM768
 * key exchange (src/crypto/kex.c):
 *   - every vector of the four Wycheproof ML-KEM-768 files, with a count
 *     check against the file's numberOfTests;
 *   - the CCTV modulus vectors (every invalid encapsulation key refused,
 *     and the same key with the bad coefficient reduced accepted) and the
 *     strcmp vector;
 *   - the arithmetic against its definitions: NTT against the sums of
 *     FIPS 203 eq. 4.9-4.10, NTT^-1(NTT(f)) = f, products against
 *     schoolbook multiplication modulo X^256 + 1, Compress/Decompress
 *     against exact rational rounding for every input;
 *   - SampleNTT's extension of the XOF output: every first length gives
 *     the same coefficients, seeds that need more than the first 504
 *     bytes exist and agree, and the Wycheproof key-generation answers
 *     include such seeds;
 *   - round trips, and tamper tests: each byte of a ciphertext flipped
 *     gives J(z || c') (computed here with libcrypto's SHAKE256), never
 *     the real key;
 *   - the hybrid group: known answers from the Wycheproof ML-KEM vectors
 *     and RFC 7748 section 6.1 combined, malformed shares refused, the
 *     shared X25519 half, and sg_kex_encap for the DH groups.
 * Libcrypto is called directly only to compute J independently.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/crypto.h"
#include "json.h"
#include "test.h"

#define WP_DIR "/wycheproof/testvectors_v1/"
#define Q 3329

/* ---- vector plumbing (as crypto_test.c) ---- */

static uint8_t *unhex_str(const char *s, size_t *len)
{
	size_t cap = strlen(s) / 2 + 1, n;
	uint8_t *b = malloc(cap);
	if (!b)
		return NULL;
	n = sg_test_unhex(s, b, cap);
	if (n == (size_t)-1) {
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

/* Hex member `key` of t in a fresh buffer (never NULL on success, even
 * for ""); NULL if absent or malformed. */
static uint8_t *hexm(const sg_json *t, const char *key, size_t *len)
{
	const char *s = sg_json_get_str(t, key);
	return s ? unhex_str(s, len) : NULL;
}

static sg_json *load(const char *file)
{
	char path[1024], err[256];
	sg_json *j;
	snprintf(path, sizeof(path), "%s" WP_DIR "%s", sg_test_data(), file);
	j = sg_json_parse_file(path, err, sizeof(err));
	CHECK_MSG(j != NULL, "%s: %s", path, err);
	return j;
}

/* One CHECK per vector: "valid" must pass, "invalid" must fail (the ML-KEM
 * files have no "acceptable"). */
static void judge(const char *file, const sg_json *t, bool ok)
{
	const char *r = sg_json_get_str(t, "result");
	int64_t id = -1;
	(void)sg_json_get_int(t, "tcId", &id);
	if (r && !strcmp(r, "valid"))
		CHECK_MSG(ok, "%s tcId %lld: valid vector rejected", file, (long long)id);
	else if (r && !strcmp(r, "invalid"))
		CHECK_MSG(!ok, "%s tcId %lld: invalid vector accepted", file, (long long)id);
	else
		CHECK_MSG(0, "%s tcId %lld: result %s", file, (long long)id, r ? r : "missing");
}

typedef void (*test_fn)(const char *file, const sg_json *t);

/* fn over every test of every group; checks that the number run is the
 * file's numberOfTests, so no vector is silently skipped. */
static void each_test(const char *file, test_fn fn)
{
	sg_json *j = load(file);
	const sg_json *groups = sg_json_get(j, "testGroups");
	int64_t want = -1;
	size_t count = 0;
	CHECK_MSG(sg_json_len(groups) > 0, "%s: no test groups", file);
	for (size_t g = 0; g < sg_json_len(groups); g++) {
		const sg_json *grp = sg_json_at(groups, g);
		const char *ps = sg_json_get_str(grp, "parameterSet");
		CHECK_MSG(ps && !strcmp(ps, "ML-KEM-768"), "%s: group %zu is not ML-KEM-768", file, g);
		const sg_json *tests = sg_json_get(grp, "tests");
		for (size_t i = 0; i < sg_json_len(tests); i++) {
			fn(file, sg_json_at(tests, i));
			count++;
		}
	}
	CHECK_MSG(sg_json_get_int(j, "numberOfTests", &want) && want > 0 && count == (size_t)want,
		  "%s: %zu vectors run, file has %lld", file, count, (long long)want);
	printf("NOTE %s: %zu vectors judged\n", file, count);
	sg_json_free(j);
}

/* J(s) = SHAKE256(s, 32) over a || b, independently of mlkem.c. */
static void j_hash(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, "SHAKE256", NULL);
	int ok = c && md && EVP_DigestInit_ex2(c, md, NULL) == 1 && EVP_DigestUpdate(c, a, alen) == 1 &&
		 EVP_DigestUpdate(c, b, blen) == 1 && EVP_DigestFinalXOF(c, out, 32) == 1;
	CHECK_MSG(ok, "SHAKE256 from libcrypto");
	EVP_MD_free(md);
	EVP_MD_CTX_free(c);
}

/* ---- Wycheproof ---- */

static size_t keygen_extended; /* keygen vectors whose matrix needed XOF extension */

/* True when some entry of the matrix of rho needs more XOF output than
 * the 504 bytes ML-KEM draws first. */
static bool needs_extension(const uint8_t rho[32])
{
	uint16_t a[256];
	bool ext = false;
	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < 3; j++)
			ext |= sg_mlkem_sample_ntt_test(a, rho, (uint8_t)j, (uint8_t)i, 504) > 504;
	return ext;
}

/* mlkem_768_keygen_seed_test.json: seed = d || z -> ek, dk. */
static void keygen_vector(const char *file, const sg_json *t)
{
	uint8_t *seed = NULL, *ek = NULL, *dk = NULL;
	uint8_t gek[SG_MLKEM768_EK], gdk[SG_MLKEM768_DK];
	size_t sl, el, dl;
	bool ok;
	if (!(seed = hexm(t, "seed", &sl)) || !(ek = hexm(t, "ek", &el)) || !(dk = hexm(t, "dk", &dl))) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	ok = sl == 64 && el == sizeof gek && dl == sizeof gdk &&
	     sg_mlkem768_keygen_internal(gek, gdk, seed, seed + 32) == 0 &&
	     memcmp(gek, ek, el) == 0 && memcmp(gdk, dk, dl) == 0;
	judge(file, t, ok);
	if (ok) {
		/* Our own keys pass both input checks. */
		CHECK(sg_mlkem768_encaps_check(gek, sizeof gek) == 0);
		CHECK(sg_mlkem768_decaps_check(gdk, sizeof gdk, SG_MLKEM768_CT) == 0);
		keygen_extended += needs_extension(gek + 1152);
	}
done:
	free(seed); free(ek); free(dk);
}

/* mlkem_768_encaps_test.json: ek, m -> c, K; invalid keys (length,
 * modulus) refused. */
static void encaps_vector(const char *file, const sg_json *t)
{
	uint8_t *ek = NULL, *m = NULL, *c = NULL, *k = NULL;
	uint8_t gc[SG_MLKEM768_CT], gk[SG_MLKEM_SS];
	size_t el, ml, cl, kl;
	bool ok;
	if (!(ek = hexm(t, "ek", &el)) || !(m = hexm(t, "m", &ml)) || !(c = hexm(t, "c", &cl)) ||
	    !(k = hexm(t, "K", &kl)) || ml != 32) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	ok = sg_mlkem768_encaps_check(ek, el) == 0 &&
	     sg_mlkem768_encaps_internal(gc, gk, ek, m) == 0 &&
	     cl == sizeof gc && kl == sizeof gk && memcmp(gc, c, cl) == 0 && memcmp(gk, k, kl) == 0;
	judge(file, t, ok);
	if (el == SG_MLKEM768_EK) {
		/* Encaps runs the modulus check itself: it agrees with the
		 * explicit check on every full-length key. */
		bool checked = sg_mlkem768_encaps_check(ek, el) == 0;
		CHECK_MSG((sg_mlkem768_encaps_internal(gc, gk, ek, m) == 0) == checked,
			  "%s: Encaps and the section 7.2 check disagree", file);
	}
done:
	free(ek); free(m); free(c); free(k);
}

/* mlkem_768_semi_expanded_decaps_test.json: the decapsulation input check
 * of section 7.3 (lengths, hash), then Decaps. */
static void semi_expanded_vector(const char *file, const sg_json *t)
{
	uint8_t *dk = NULL, *c = NULL, *k = NULL, ss[SG_MLKEM_SS];
	size_t dl, cl, kl = 0;
	bool ok;
	if (!(dk = hexm(t, "dk", &dl)) || !(c = hexm(t, "c", &cl))) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	if (sg_json_get(t, "K") && (!(k = hexm(t, "K", &kl)) || kl != sizeof ss)) {
		CHECK_MSG(0, "%s: malformed K", file);
		goto done;
	}
	ok = sg_mlkem768_decaps_check(dk, dl, cl) == 0 && sg_mlkem768_decaps(ss, dk, c) == 0 &&
	     (!k || memcmp(ss, k, kl) == 0);
	judge(file, t, ok);
done:
	free(dk); free(c); free(k);
}

/* mlkem_768_test.json: seed -> key pair (ek checked when given), then the
 * ciphertext through the section 7.3 check and Decaps. */
static void decaps_vector(const char *file, const sg_json *t)
{
	uint8_t *seed = NULL, *ek = NULL, *c = NULL, *k = NULL;
	uint8_t gek[SG_MLKEM768_EK], gdk[SG_MLKEM768_DK], ss[SG_MLKEM_SS];
	size_t sl, el = 0, cl, kl;
	bool ok;
	if (!(seed = hexm(t, "seed", &sl)) || !(c = hexm(t, "c", &cl)) || !(k = hexm(t, "K", &kl)) ||
	    (sg_json_get(t, "ek") && !(ek = hexm(t, "ek", &el)))) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	/* A seed of the wrong length is no key (section 7.1: d and z are
	 * 32 bytes each). */
	ok = sl == 64 && sg_mlkem768_keygen_internal(gek, gdk, seed, seed + 32) == 0 &&
	     (!ek || (el == sizeof gek && memcmp(ek, gek, el) == 0)) &&
	     sg_mlkem768_decaps_check(gdk, sizeof gdk, cl) == 0 && sg_mlkem768_decaps(ss, gdk, c) == 0 &&
	     kl == sizeof ss && memcmp(ss, k, kl) == 0;
	judge(file, t, ok);
done:
	free(seed); free(ek); free(c); free(k);
}

static void test_wycheproof(void)
{
	each_test("mlkem_768_keygen_seed_test.json", keygen_vector);
	each_test("mlkem_768_encaps_test.json", encaps_vector);
	each_test("mlkem_768_semi_expanded_decaps_test.json", semi_expanded_vector);
	each_test("mlkem_768_test.json", decaps_vector);
	/* The extension path of SampleNTT is covered by known answers, not
	 * only by the self-consistency of test_sample_ntt. */
	CHECK_MSG(keygen_extended > 0, "no keygen vector needs more than 504 XOF bytes");
	printf("NOTE %zu of the Wycheproof key-generation vectors extend the SHAKE128 output\n",
	       keygen_extended);
}

/* ---- CCTV ---- */

/* The 12-bit values of ek's polynomials (2 per 3 bytes). */
static unsigned coeff(const uint8_t *ek, unsigned i)
{
	const uint8_t *p = ek + 3 * (i / 2);
	return i % 2 ? (unsigned)(p[1] >> 4 | p[2] << 4) : (unsigned)(p[0] | (p[1] & 0x0f) << 8);
}

static void set_coeff(uint8_t *ek, unsigned i, unsigned v)
{
	uint8_t *p = ek + 3 * (i / 2);
	if (i % 2) {
		p[1] = (uint8_t)((p[1] & 0x0f) | (v & 0x0f) << 4);
		p[2] = (uint8_t)(v >> 4);
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)((p[1] & 0xf0) | v >> 8);
	}
}

/* modulus/ML-KEM-768.txt.gz: one invalid key a line, each with one
 * coefficient in [q, 4096).  Read through `gzip -dc` (gzip is on every
 * POSIX system that has this file; zlib would add a build dependency for
 * one test).  Each key is refused by the check, by Encaps and by the
 * hybrid server; reducing its bad coefficient modulo q makes it valid, so
 * the refusal is for that coefficient only. */
static void test_cctv_modulus(void)
{
	char path[1024], cmd[1200], *line = NULL;
	size_t cap = 0, keys = 0, refused = 0, accepted_fixed = 0;
	uint8_t x25519_pub[32], ct[SG_MLKEM768_CT], ss[SG_MLKEM_SS];
	uint8_t share[SG_MLKEM768_EK + 32], sshare[SG_MLKEM768_CT + 32], secret[64];
	FILE *f;

	snprintf(path, sizeof path, "%s/cctv-mlkem/modulus/ML-KEM-768.txt.gz", sg_test_data());
	if (strchr(path, '\'')) {
		CHECK_MSG(0, "test data path contains a quote: %s", path);
		return;
	}
	snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
	f = popen(cmd, "r");
	CHECK_MSG(f != NULL, "cannot run %s", cmd);
	if (!f)
		return;
	sg_kex_key *srv = sg_kex_generate(&sg_x25519mlkem768), *x = sg_kex_generate(&sg_x25519);
	CHECK(srv && x && sg_kex_public(x, x25519_pub) == 0);
	ssize_t r;
	while ((r = getline(&line, &cap, f)) > 0) {
		size_t n;
		uint8_t *ek = unhex_str(line, &n);
		unsigned bad = 0, at = 0;
		keys++;
		if (!ek || n != SG_MLKEM768_EK) {
			CHECK_MSG(0, "CCTV modulus line %zu: not a 1184-byte key", keys);
			free(ek);
			continue;
		}
		for (unsigned i = 0; i < 768; i++)
			if (coeff(ek, i) >= Q) {
				bad++;
				at = i;
			}
		CHECK_MSG(bad == 1, "CCTV modulus line %zu: %u coefficients >= q", keys, bad);
		memcpy(share, ek, SG_MLKEM768_EK);
		memcpy(share + SG_MLKEM768_EK, x25519_pub, 32);
		bool no = sg_mlkem768_encaps_check(ek, n) < 0 && sg_mlkem768_encaps(ct, ss, ek) < 0 &&
			  sg_kex_encap(srv, share, sizeof share, sshare, secret) < 0;
		refused += no;
		CHECK_MSG(no, "CCTV modulus line %zu: invalid key accepted", keys);
		set_coeff(ek, at, coeff(ek, at) - Q);
		memcpy(share, ek, SG_MLKEM768_EK);
		accepted_fixed += sg_mlkem768_encaps_check(ek, n) == 0 &&
				  sg_kex_encap(srv, share, sizeof share, sshare, secret) == 0;
		free(ek);
	}
	free(line);
	int st = pclose(f);
	CHECK_MSG(st == 0, "gzip -dc %s failed (status %d)", path, st);
	/* The file holds 780 keys: all of them must have been read. */
	CHECK_MSG(keys == 780, "CCTV modulus: %zu keys read, the file has 780", keys);
	CHECK_MSG(refused == keys && accepted_fixed == keys,
		  "CCTV modulus: %zu refused, %zu accepted once reduced, of %zu", refused, accepted_fixed, keys);
	printf("NOTE CCTV modulus: %zu invalid encapsulation keys refused\n", refused);
	sg_kex_free(srv);
	sg_kex_free(x);
}

/* strcmp/ML-KEM-768.txt: "dk = ...", "c = ...", "K = ...".  Its c
 * starts with a zero byte, so a Decaps comparing with strcmp() would
 * take the wrong branch. */
static void test_cctv_strcmp(void)
{
	char path[1024];
	size_t len;
	uint8_t *dk = NULL, *c = NULL, *k = NULL, ss[SG_MLKEM_SS];
	size_t dl = 0, cl = 0, kl = 0;
	snprintf(path, sizeof path, "%s/cctv-mlkem/strcmp/ML-KEM-768.txt", sg_test_data());
	char *txt = sg_test_read_file(path, &len);
	CHECK_MSG(txt != NULL, "cannot read %s", path);
	if (!txt)
		return;
	for (char *ln = strtok(txt, "\n"); ln; ln = strtok(NULL, "\n")) {
		if (!strncmp(ln, "dk = ", 5))
			dk = unhex_str(ln + 5, &dl);
		else if (!strncmp(ln, "c = ", 4))
			c = unhex_str(ln + 4, &cl);
		else if (!strncmp(ln, "K = ", 4))
			k = unhex_str(ln + 4, &kl);
	}
	CHECK(dk && c && k && cl == SG_MLKEM768_CT && kl == 32 && c[0] == 0);
	if (dk && c && k && kl == 32) {
		CHECK(sg_mlkem768_decaps_check(dk, dl, cl) == 0);
		CHECK(sg_mlkem768_decaps(ss, dk, c) == 0 && memcmp(ss, k, 32) == 0);
	}
	free(dk); free(c); free(k); free(txt);
}

/* ---- arithmetic ---- */

static uint32_t rng_state = 0x12345678;
static uint32_t rnd(void)
{
	/* xorshift32: reproducible inputs */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static uint32_t powmod(uint32_t b, uint32_t e)
{
	uint32_t r = 1;
	for (b %= Q; e; e >>= 1, b = b * b % Q)
		if (e & 1)
			r = r * b % Q;
	return r;
}

static unsigned bitrev7(unsigned i)
{
	unsigned r = 0;
	for (unsigned b = 0; b < 7; b++)
		r |= ((i >> b) & 1) << (6 - b);
	return r;
}

/* f * g in Z_q[X]/(X^256 + 1), schoolbook. */
static void schoolbook(uint16_t h[256], const uint16_t f[256], const uint16_t g[256])
{
	int64_t acc[256] = { 0 };
	for (unsigned i = 0; i < 256; i++)
		for (unsigned j = 0; j < 256; j++) {
			int64_t p = (int64_t)f[i] * g[j];
			if (i + j < 256)
				acc[i + j] += p;
			else
				acc[i + j - 256] -= p;
		}
	for (unsigned i = 0; i < 256; i++)
		h[i] = (uint16_t)(((acc[i] % Q) + Q) % Q);
}

static void test_ntt(void)
{
	uint16_t f[256], g[256], fh[256], gh[256], h[256], want[256];
	unsigned bad_def = 0, bad_inv = 0, bad_mul = 0;

	for (int round = 0; round < 20; round++) {
		for (unsigned i = 0; i < 256; i++) {
			f[i] = (uint16_t)(rnd() % Q);
			g[i] = (uint16_t)(round == 0 ? (i == 1) : rnd() % Q);   /* first g = X */
		}
		if (round == 1)
			for (unsigned i = 0; i < 256; i++)
				f[i] = Q - 1;                                   /* the largest input */
		memcpy(fh, f, sizeof f);
		sg_mlkem_ntt_test(fh);
		/* FIPS 203 eq. 4.9-4.10: f-hat[2i] = sum_j f[2j] zeta^((2
		 * BitRev7(i) + 1) j), f-hat[2i+1] likewise with f[2j+1]. */
		for (unsigned i = 0; i < 128; i++) {
			uint32_t e = 2 * bitrev7(i) + 1, s0 = 0, s1 = 0;
			for (unsigned j = 0; j < 128; j++) {
				uint32_t z = powmod(17, e * j);
				s0 = (s0 + f[2 * j] * z) % Q;
				s1 = (s1 + f[2 * j + 1] * z) % Q;
			}
			bad_def += fh[2 * i] != s0 || fh[2 * i + 1] != s1;
		}
		memcpy(h, fh, sizeof h);
		sg_mlkem_invntt_test(h);
		bad_inv += memcmp(h, f, sizeof f) != 0;
		memcpy(gh, g, sizeof g);
		sg_mlkem_ntt_test(gh);
		sg_mlkem_mul_ntt_test(h, fh, gh);
		sg_mlkem_invntt_test(h);
		schoolbook(want, f, g);
		bad_mul += memcmp(h, want, sizeof h) != 0;
	}
	CHECK_MSG(bad_def == 0, "NTT differs from its definition at %u coefficients", bad_def);
	CHECK_MSG(bad_inv == 0, "NTT^-1(NTT(f)) != f in %u rounds", bad_inv);
	CHECK_MSG(bad_mul == 0, "NTT product != schoolbook product in %u rounds", bad_mul);
}

/* Compress_d(x) = round(2^d x / q) mod 2^d and Decompress_d(y) =
 * round(q y / 2^d), exactly: round(a / b) = floor((2a + b) / 2b). */
static void test_compress(void)
{
	static const unsigned ds[] = { 1, 4, 10, 11 };
	unsigned bad = 0, bad_d = 0, bad_rt = 0;
	for (unsigned k = 0; k < sizeof ds / sizeof ds[0]; k++) {
		unsigned d = ds[k];
		for (uint32_t x = 0; x < Q; x++) {
			uint32_t want = ((2u * (x << d) + Q) / (2 * Q)) & ((1u << d) - 1);
			bad += sg_mlkem_compress_test((uint16_t)x, d) != want;
		}
		for (uint32_t y = 0; y < 1u << d; y++) {
			uint32_t want = (2 * Q * y + (1u << d)) / (2u << d);
			uint16_t got = sg_mlkem_decompress_test((uint16_t)y, d);
			bad_d += got != want;
			bad_rt += sg_mlkem_compress_test(got, d) != y;    /* section 4.2.1 */
		}
	}
	CHECK_MSG(bad == 0, "Compress wrong for %u inputs", bad);
	CHECK_MSG(bad_d == 0, "Decompress wrong for %u inputs", bad_d);
	CHECK_MSG(bad_rt == 0, "Compress(Decompress(y)) != y for %u inputs", bad_rt);
}

/* SampleNTT over a fixed-length XOF output extended on demand: the
 * coefficients and the bytes consumed do not depend on the first length
 * (from one block, which always extends, to the limit, which never does);
 * seeds exist that need more than the 504 bytes ML-KEM draws first, and
 * the production path agrees with a single long output on them. */
static void test_sample_ntt(void)
{
	uint8_t rho[32];
	uint16_t a1[256], a2[256], a3[256];
	unsigned differ = 0, bad = 0, found = 0, tries = 0;
	for (unsigned i = 0; i < 32; i++)
		rho[i] = (uint8_t)(i * 29 + 7);
	for (unsigned s = 0; s < 4000 && found < 3; s++) {
		uint8_t b0 = (uint8_t)s, b1 = (uint8_t)(s >> 8);
		if (s && s % 256 == 0)
			rho[0]++;
		tries++;
		size_t n1 = sg_mlkem_sample_ntt_test(a1, rho, b0, b1, 168);
		size_t n2 = sg_mlkem_sample_ntt_test(a2, rho, b0, b1, 504);
		size_t n3 = sg_mlkem_sample_ntt_test(a3, rho, b0, b1, 16 * 168);
		bad += !n1 || !n2 || !n3;
		for (unsigned i = 0; i < 256; i++)
			bad += a1[i] >= Q;
		differ += n1 != n2 || n2 != n3 || memcmp(a1, a2, sizeof a1) || memcmp(a2, a3, sizeof a2);
		found += n2 > 504;
	}
	CHECK_MSG(bad == 0, "SampleNTT failed or gave coefficients >= q");
	CHECK_MSG(differ == 0, "SampleNTT depends on the first XOF length for %u seeds", differ);
	CHECK_MSG(found == 3, "only %u of %u seeds needed more than 504 XOF bytes", found, tries);
	printf("NOTE SampleNTT: %u seeds needing more than 504 XOF bytes found in %u\n", found, tries);
	/* A first length that is not a multiple of 3 (candidates straddle the
	 * boundary) gives the same result too. */
	size_t n = sg_mlkem_sample_ntt_test(a1, rho, 1, 2, 100);
	CHECK(n && n == sg_mlkem_sample_ntt_test(a2, rho, 1, 2, 504) && memcmp(a1, a2, sizeof a1) == 0);
}

/* ---- round trips, tampering ---- */

static void test_round_trip(void)
{
	uint8_t ek[SG_MLKEM768_EK], dk[SG_MLKEM768_DK], ct[SG_MLKEM768_CT], ss1[32], ss2[32];
	unsigned bad = 0;
	for (int i = 0; i < 50; i++) {
		bool ok = sg_mlkem768_keygen(ek, dk) == 0 && sg_mlkem768_encaps_check(ek, sizeof ek) == 0 &&
			  sg_mlkem768_decaps_check(dk, sizeof dk, sizeof ct) == 0 &&
			  sg_mlkem768_encaps(ct, ss1, ek) == 0 && sg_mlkem768_decaps(ss2, dk, ct) == 0 &&
			  memcmp(ss1, ss2, 32) == 0;
		bad += !ok;
	}
	CHECK_MSG(bad == 0, "%u round trips failed", bad);
	/* Two encapsulations to one key differ (fresh m). */
	uint8_t ct2[SG_MLKEM768_CT];
	CHECK(sg_mlkem768_encaps(ct, ss1, ek) == 0 && sg_mlkem768_encaps(ct2, ss2, ek) == 0 &&
	      memcmp(ct, ct2, sizeof ct) != 0 && memcmp(ss1, ss2, 32) != 0);
	/* Input checks refuse the wrong lengths and a corrupted hash. */
	CHECK(sg_mlkem768_encaps_check(ek, sizeof ek - 1) == -1);
	CHECK(sg_mlkem768_encaps_check(NULL, sizeof ek) == -1);
	CHECK(sg_mlkem768_decaps_check(dk, sizeof dk, sizeof ct + 1) == -1);
	CHECK(sg_mlkem768_decaps_check(dk, sizeof dk + 1, sizeof ct) == -1);
	dk[2340] ^= 1;  /* inside H(ek), dk[2336..2368) */
	CHECK(sg_mlkem768_decaps_check(dk, sizeof dk, sizeof ct) == -1);
	dk[2340] ^= 1;
	dk[1200] ^= 1;  /* inside the embedded ek */
	CHECK(sg_mlkem768_decaps_check(dk, sizeof dk, sizeof ct) == -1);
	dk[1200] ^= 1;
	CHECK(sg_mlkem768_decaps_check(dk, sizeof dk, sizeof ct) == 0);
}

/* Flip each byte of a ciphertext in turn: Decaps takes the implicit
 * rejection, J(z || c'), never the real key. */
static void test_tamper(void)
{
	uint8_t ek[SG_MLKEM768_EK], dk[SG_MLKEM768_DK], ct[SG_MLKEM768_CT], real[32], ss[32], want[32];
	unsigned wrong = 0, leaked = 0;
	if (sg_mlkem768_keygen(ek, dk) != 0 || sg_mlkem768_encaps(ct, real, ek) != 0) {
		CHECK_MSG(0, "keygen/encaps");
		return;
	}
	const uint8_t *z = dk + SG_MLKEM768_DK - 32;
	for (size_t i = 0; i < sizeof ct; i++) {
		uint8_t flip = (uint8_t)(1u << (i % 8));
		ct[i] ^= flip;
		j_hash(want, z, 32, ct, sizeof ct);
		if (sg_mlkem768_decaps(ss, dk, ct) != 0 || memcmp(ss, want, 32) != 0)
			wrong++;
		leaked += memcmp(ss, real, 32) == 0;
		ct[i] ^= flip;
	}
	CHECK_MSG(wrong == 0, "%u tampered ciphertexts did not give J(z || c')", wrong);
	CHECK_MSG(leaked == 0, "%u tampered ciphertexts gave the real key", leaked);
	CHECK(sg_mlkem768_decaps(ss, dk, ct) == 0 && memcmp(ss, real, 32) == 0);
	/* A wrong z changes only the rejection value. */
	j_hash(want, z, 32, ct, sizeof ct);
	CHECK(memcmp(want, real, 32) != 0);
}

/* ---- X25519MLKEM768 ---- */

/* RFC 7748 section 6.1. */
static const char *const x_alice_priv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char *const x_alice_pub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char *const x_bob_priv = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char *const x_bob_pub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char *const x_shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

static const sg_json *find_tc(const sg_json *j, int64_t id)
{
	const sg_json *groups = sg_json_get(j, "testGroups");
	for (size_t g = 0; g < sg_json_len(groups); g++) {
		const sg_json *tests = sg_json_get(sg_json_at(groups, g), "tests");
		for (size_t i = 0; i < sg_json_len(tests); i++) {
			int64_t tc;
			if (sg_json_get_int(sg_json_at(tests, i), "tcId", &tc) && tc == id)
				return sg_json_at(tests, i);
		}
	}
	return NULL;
}

/* Known answers: the client's ML-KEM key from keygen vector tcId 1 and
 * Alice's X25519 key; the server encapsulates with encaps vector tcId 14's
 * m (to the same ek) and Bob's key.  Shares and secrets are the vectors'
 * bytes concatenated in the draft's order. */
static void test_hybrid_kat(void)
{
	sg_json *kg = load("mlkem_768_keygen_seed_test.json"), *en = load("mlkem_768_encaps_test.json");
	const sg_json *t1 = find_tc(kg, 1), *t14 = find_tc(en, 14);
	uint8_t *seed = NULL, *ek = NULL, *ek2 = NULL, *m = NULL, *c = NULL, *k = NULL;
	uint8_t priv[96], apub[32], bpub[32], xs[32], bpriv[32];
	uint8_t share[1216], want_share[1216], sshare[1120], want_sshare[1120];
	uint8_t ssec[64], csec[64], want_sec[64];
	size_t sl, el, el2, ml, cl, kl, n;
	sg_kex_key *cli = NULL, *srv = NULL;

	if (!t1 || !t14 || !(seed = hexm(t1, "seed", &sl)) || !(ek = hexm(t1, "ek", &el)) ||
	    !(ek2 = hexm(t14, "ek", &el2)) || !(m = hexm(t14, "m", &ml)) || !(c = hexm(t14, "c", &cl)) ||
	    !(k = hexm(t14, "K", &kl)) || sl != 64 || el != 1184 || el2 != 1184 || ml != 32 ||
	    cl != 1088 || kl != 32 || memcmp(ek, ek2, 1184) != 0) {
		CHECK_MSG(0, "hybrid KAT: the vectors are not as expected");
		goto done;
	}
	CHECK(sg_test_unhex(x_alice_pub, apub, 32) == 32 && sg_test_unhex(x_bob_pub, bpub, 32) == 32 &&
	      sg_test_unhex(x_shared, xs, 32) == 32 && sg_test_unhex(x_bob_priv, bpriv, 32) == 32);
	memcpy(priv, seed, 64);
	n = sg_test_unhex(x_alice_priv, priv + 64, 32);
	CHECK(n == 32);
	memcpy(want_share, ek, 1184);
	memcpy(want_share + 1184, apub, 32);
	memcpy(want_sshare, c, 1088);
	memcpy(want_sshare + 1088, bpub, 32);
	memcpy(want_sec, k, 32);
	memcpy(want_sec + 32, xs, 32);

	CHECK((cli = sg_kex_from_private(&sg_x25519mlkem768, priv, 96)) != NULL);
	CHECK(cli && sg_kex_public(cli, share) == 0 && memcmp(share, want_share, sizeof share) == 0);
	/* The server's ML-KEM seed is never used (it only encapsulates). */
	memset(priv, 0xee, 64);
	memcpy(priv + 64, bpriv, 32);
	CHECK((srv = sg_kex_from_private(&sg_x25519mlkem768, priv, 96)) != NULL);
	CHECK(srv && sg_kex_test_fix_encap(srv, m) == 0);
	CHECK(srv && sg_kex_encap(srv, want_share, sizeof want_share, sshare, ssec) == 0 &&
	      memcmp(sshare, want_sshare, sizeof sshare) == 0 && memcmp(ssec, want_sec, 64) == 0);
	CHECK(cli && sg_kex_derive(cli, want_sshare, sizeof want_sshare, csec) == 0 &&
	      memcmp(csec, want_sec, 64) == 0);
	/* The X25519 half alone is Alice's RFC 7748 key. */
	sg_kex_key *xa = sg_kex_x25519_part(cli);
	uint8_t xp[32], xsec[32];
	CHECK(xa && sg_kex_public(xa, xp) == 0 && memcmp(xp, apub, 32) == 0);
	CHECK(xa && sg_kex_derive(xa, bpub, 32, xsec) == 0 && memcmp(xsec, xs, 32) == 0);
	sg_kex_free(xa);
done:
	sg_kex_free(cli);
	sg_kex_free(srv);
	free(seed); free(ek); free(ek2); free(m); free(c); free(k);
	sg_json_free(kg);
	sg_json_free(en);
}

static void test_hybrid(void)
{
	const sg_kex_class *h = &sg_x25519mlkem768;
	uint8_t share[SG_MAX_KEX_PUB + 1], sshare[SG_MAX_KEX_PUB + 1], s1[SG_MAX_KEX_SECRET],
		s2[SG_MAX_KEX_SECRET], bad[SG_MAX_KEX_PUB + 1], zero[64] = { 0 };

	CHECK(h->group == 0x11ec && h->pub_len == 1216 && h->server_share_len == 1120 &&
	      h->secret_len == 64 && SG_MAX_KEX_PUB >= 1216 && SG_MAX_KEX_SECRET >= 64);
	sg_kex_key *cli = sg_kex_generate(h), *srv = sg_kex_generate(h);
	CHECK(cli && srv);
	if (!cli || !srv)
		goto done;
	CHECK(sg_kex_public(cli, share) == 0);
	CHECK(sg_mlkem768_encaps_check(share, SG_MLKEM768_EK) == 0);
	CHECK(sg_kex_encap(srv, share, 1216, sshare, s1) == 0);
	CHECK(sg_kex_derive(cli, sshare, 1120, s2) == 0 && memcmp(s1, s2, 64) == 0);
	CHECK(memcmp(s1, zero, 32) != 0 && memcmp(s1 + 32, zero, 32) != 0);
	/* A fresh encapsulation to the same share gives another secret. */
	uint8_t s3[64], sshare2[1120];
	CHECK(sg_kex_encap(srv, share, 1216, sshare2, s3) == 0 && memcmp(s3, s1, 32) != 0 &&
	      memcmp(s3 + 32, s1 + 32, 32) == 0);

	/* Malformed client shares: wrong lengths, modulus failure, an X25519
	 * share with an all-zero result. */
	static const size_t cl_bad[] = { 0, 32, 1184, 1120, 1215, 1217 };
	for (size_t i = 0; i < sizeof cl_bad / sizeof cl_bad[0]; i++) {
		memset(s3, 0x55, sizeof s3);
		CHECK_MSG(sg_kex_encap(srv, share, cl_bad[i], sshare2, s3) == -1,
			  "client share of %zu bytes accepted", cl_bad[i]);
		CHECK(memcmp(s3, zero, 64) == 0);       /* the secret is wiped */
	}
	memcpy(bad, share, 1216);
	bad[0] = 0xff;
	bad[1] |= 0x0f;                                 /* coefficient 0 = 4095 */
	CHECK(sg_kex_encap(srv, bad, 1216, sshare2, s3) == -1);
	memcpy(bad, share, 1216);
	memset(bad + 1184, 0, 32);                      /* X25519 low-order point */
	CHECK(sg_kex_encap(srv, bad, 1216, sshare2, s3) == -1);
	/* Malformed server shares on the client. */
	static const size_t sv_bad[] = { 0, 32, 1088, 1119, 1121, 1216 };
	for (size_t i = 0; i < sizeof sv_bad / sizeof sv_bad[0]; i++)
		CHECK_MSG(sg_kex_derive(cli, sshare, sv_bad[i], s3) == -1,
			  "server share of %zu bytes accepted", sv_bad[i]);
	memcpy(bad, sshare, 1120);
	memset(bad + 1088, 0, 32);
	CHECK(sg_kex_derive(cli, bad, 1120, s3) == -1);
	CHECK(sg_kex_derive(cli, NULL, 1120, s3) == -1);
	CHECK(sg_kex_encap(srv, NULL, 1216, sshare2, s3) == -1);
	/* A tampered ciphertext is not refused (implicit rejection): the
	 * ML-KEM half differs and the handshake fails at Finished. */
	memcpy(bad, sshare, 1120);
	bad[500] ^= 4;
	CHECK(sg_kex_derive(cli, bad, 1120, s3) == 0 && memcmp(s3, s1, 32) != 0 &&
	      memcmp(s3 + 32, s1 + 32, 32) == 0);
	/* Still the right secret afterwards. */
	CHECK(sg_kex_derive(cli, sshare, 1120, s2) == 0 && memcmp(s1, s2, 64) == 0);

	/* One X25519 key for both shares: the part's share is the hybrid
	 * share's last 32 bytes; it derives against a plain x25519 server
	 * and outlives the hybrid key. */
	sg_kex_key *part = sg_kex_x25519_part(cli), *xs = sg_kex_generate(&sg_x25519);
	uint8_t xpub[32], xss[32], xsec1[32], xsec2[32];
	CHECK(part && xs && sg_kex_public(part, xpub) == 0 && memcmp(xpub, share + 1184, 32) == 0);
	sg_kex_free(cli);
	cli = NULL;
	CHECK(part && xs && sg_kex_encap(xs, xpub, 32, xss, xsec1) == 0 &&
	      sg_kex_derive(part, xss, 32, xsec2) == 0 && memcmp(xsec1, xsec2, 32) == 0);
	CHECK(sg_kex_x25519_part(xs) == NULL && sg_kex_x25519_part(NULL) == NULL);
	CHECK(sg_kex_test_fix_encap(xs, zero) == -1);
	sg_kex_free(part);
	sg_kex_free(xs);

	/* Deterministic construction: 96 bytes only; with a fixed m, the
	 * server's answer repeats. */
	uint8_t priv[97];
	memset(priv, 7, sizeof priv);
	CHECK(sg_kex_from_private(h, priv, 95) == NULL && sg_kex_from_private(h, priv, 97) == NULL &&
	      sg_kex_from_private(h, NULL, 96) == NULL);
	sg_kex_key *d1 = sg_kex_from_private(h, priv, 96), *d2 = sg_kex_from_private(h, priv, 96);
	uint8_t p1[1216], p2[1216];
	CHECK(d1 && d2 && sg_kex_public(d1, p1) == 0 && sg_kex_public(d2, p2) == 0 && memcmp(p1, p2, 1216) == 0);
	CHECK(d1 && sg_kex_test_fix_encap(d1, zero) == 0);
	CHECK(d1 && sg_kex_encap(d1, share, 1216, sshare, s1) == 0 &&
	      sg_kex_encap(d1, share, 1216, sshare2, s2) == 0 && memcmp(sshare, sshare2, 1120) == 0 &&
	      memcmp(s1, s2, 64) == 0);
	sg_kex_free(d1);
	sg_kex_free(d2);
done:
	sg_kex_free(cli);
	sg_kex_free(srv);
}

/* sg_kex_encap for the DH groups: our public value and the same secret
 * as the client's sg_kex_derive; server_share_len is pub_len. */
static void test_dh_encap(void)
{
	const sg_kex_class *ks[] = { &sg_x25519, &sg_secp256r1, &sg_secp384r1 };
	for (size_t i = 0; i < 3; i++) {
		const sg_kex_class *k = ks[i];
		uint8_t cpub[SG_MAX_KEX_PUB], spub[SG_MAX_KEX_PUB], s1[SG_MAX_KEX_SECRET], s2[SG_MAX_KEX_SECRET];
		sg_kex_key *c = sg_kex_generate(k), *s = sg_kex_generate(k);
		CHECK(k->server_share_len == k->pub_len);
		CHECK(c && s && sg_kex_public(c, cpub) == 0);
		CHECK(c && s && sg_kex_encap(s, cpub, k->pub_len, spub, s1) == 0 &&
		      sg_kex_derive(c, spub, k->server_share_len, s2) == 0 && memcmp(s1, s2, k->secret_len) == 0);
		uint8_t zero[SG_MAX_KEX_SECRET] = { 0 };
		memset(s1, 0x55, sizeof s1);
		CHECK(s && sg_kex_encap(s, cpub, k->pub_len - 1, spub, s1) == -1);
		CHECK(memcmp(s1, zero, k->secret_len) == 0);    /* the secret is wiped */
		CHECK(sg_kex_encap(NULL, cpub, k->pub_len, spub, s1) == -1);
		sg_kex_free(c);
		sg_kex_free(s);
	}
}

int main(void)
{
	CHECK(sg_crypto_init() == 0);
	test_compress();
	test_ntt();
	test_sample_ntt();
	test_wycheproof();
	test_cctv_modulus();
	test_cctv_strcmp();
	test_round_trip();
	test_tamper();
	test_hybrid_kat();
	test_hybrid();
	test_dh_encap();
	return TEST_END();
}
