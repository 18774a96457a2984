/*
 * ML-KEM-768, FIPS 203 (final, August 2024), written from the standard's
 * text.  Section and algorithm numbers below are those of FIPS 203.
 *
 * Parameters (section 8, Table 2): n = 256, q = 3329, k = 3, eta1 = eta2
 * = 2, du = 10, dv = 4.  SHA3-256, SHA3-512, SHAKE128 and SHAKE256
 * (section 4.1) come from libcrypto, fetched once by init.c.
 *
 * Arithmetic: coefficients are int16_t.  Multiplication modulo q is
 * Montgomery's with R = 2^16 (mont_mul returns a * b * R^-1 mod q), and
 * additions are reduced lazily with a rounding Barrett step (reduce).
 * The NTT twiddles are kept as zeta * R mod q, so that one Montgomery
 * multiplication by them is an exact multiplication by zeta.
 *
 * Constant time: every secret (d, z, sigma, s, e, m, r, y, e1, e2, the
 * decapsulation key, m', the re-encryption and its comparison) flows
 * through arithmetic only: no branch, memory index or division depends on
 * it.  Rejection sampling (SampleNTT) branches on the public seed rho
 * only.  tests/ct/ctgrind.sh checks this under valgrind.  Every secret on
 * the stack is wiped before return, on every path.
 */
#include "crypto/internal.h"

#include <string.h>

#define N 256
#define Q 3329
#define K 3
#define DU 10
#define DV 4
#define POLY_BYTES 384                          /* ByteEncode12 of one polynomial */
#define EK_BYTES (K * POLY_BYTES + 32)          /* 1184 */
#define DK_BYTES (2 * K * POLY_BYTES + 96)      /* 2400 */
#define C1_BYTES (32 * DU * K)                  /* 960 */
#define CT_BYTES (C1_BYTES + 32 * DV)           /* 1088 */
#define PRF_BYTES (64 * 2)                      /* PRF_eta output, eta = 2 */

_Static_assert(EK_BYTES == SG_MLKEM768_EK && DK_BYTES == SG_MLKEM768_DK &&
	       CT_BYTES == SG_MLKEM768_CT, "ML-KEM-768 sizes (FIPS 203 Table 3)");
/* mulhi and reduce shift negative values right: arithmetic on every
 * compiler we build with, but implementation-defined in C. */
_Static_assert((-3 >> 1) == -2, "arithmetic right shift of negative values");

/* SampleNTT reads SHAKE128 output in blocks of the SHAKE128 rate.  One
 * entry of the matrix needs 256 accepted 12-bit candidates (two per 3
 * bytes), each below q with probability 3329/4096: about 472 bytes on
 * average.  3 blocks (504 bytes, 336 candidates) suffice for 99.17% of
 * entries (binomial tail 0.0083); the rest are extended (see sample_ntt),
 * which costs less on average than drawing 4 blocks for every entry.  The
 * limit (16 blocks, 1792 candidates) is never reached: fewer than 256 of
 * 1792 accepted has probability about 2^-2738. */
#define XOF_BLOCK 168
#define XOF_FIRST (3 * XOF_BLOCK)
#define XOF_MAX (16 * XOF_BLOCK)

typedef struct poly {
	int16_t c[N];
} poly;

/* ---- constant-time helpers ---- */

/* The compiler cannot see through this, so it cannot turn mask
 * arithmetic on the value back into a branch. */
static inline uint32_t opaque(uint32_t v)
{
#if defined(__GNUC__) || defined(__clang__)
	__asm__("" : "+r"(v));
#else
	volatile uint32_t t = v;
	v = t;
#endif
	return v;
}

/* Overridden by the constant-time check (tests/tools/ct_check.c) to tell
 * valgrind that bytes computed from secrets are public by design; the
 * library's own definition does nothing. */
__attribute__((weak)) void sg_ct_public(const void *p, size_t n)
{
	(void)p;
	(void)n;
}

/* ---- arithmetic modulo q ----
 * Written on 16-bit lanes (products split into low and high halves), so
 * that the compilers turn the loops below into vector code (multiply-
 * high and multiply-low instructions: SSE2 on every x86-64); the scalar
 * meaning is the same. */

#define QINV (-3327)    /* q^-1 mod 2^16, as a signed 16-bit value */
#define MONT_R2 1353    /* R^2 mod q: mont_mul(x, MONT_R2) = x * R */
#define INVNTT_F 1441   /* 128^-1 * R^2 mod q, see invntt */

/* Narrowing to int16_t keeps the low 16 bits (two's complement): true of
 * every compiler we build with, implementation-defined in C. */
_Static_assert((int16_t)(uint16_t)0xffff == -1, "int16_t conversion wraps");

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The high half of a * b (floor((a * b) / 2^16)). */
static inline int16_t mulhi(int16_t a, int16_t b)
{
	return (int16_t)(((int32_t)a * b) >> 16);
}

/* a * b * R^-1 mod q (Montgomery, R = 2^16): t = a*b*q^-1 mod R, signed,
 * makes a*b - t*q a multiple of R whose low half is zero, so its quotient
 * by R is the difference of the two high halves.  |result| <= |a b| /
 * 2^16 + (q + 1) / 2: below q for |a b| < q * 2^15, and below 2342 for
 * the NTT's |a| <= 1664, |b| < 8q. */
static inline int16_t mont_mul(int16_t a, int16_t b)
{
	int16_t t = (int16_t)((int16_t)(a * b) * QINV);
	return (int16_t)(mulhi(a, b) - mulhi(t, Q));
}

/* a mod q in [-(q-1)/2, (q-1)/2] for any int16_t a (Barrett): the
 * quotient a/q rounded is floor((a * round(2^26/q) + 2^25) / 2^26),
 * computed from the high half; exact range checked for every int16_t
 * when written, and exercised by the unit tests' NTT identities. */
static inline int16_t reduce(int16_t a)
{
	int16_t t = (int16_t)((mulhi(a, 20159) + 512) >> 10);
	return (int16_t)(a - t * Q);
}

/* a mod q in [0, q). */
static inline int16_t canon(int16_t a)
{
	int16_t r = reduce(a);
	return (int16_t)(r + ((r >> 15) & Q));
}

/* ---- NTT (section 4.3) ---- */

/* zeta^BitRev7(i) * R mod q, centred, zeta = 17 (section 4.3). */
static const int16_t zetas[128] = {
	-1044,  -758,  -359, -1517,  1493,  1422,   287,   202,
	 -171,   622,  1577,   182,   962, -1202, -1474,  1468,
	  573, -1325,   264,   383,  -829,  1458, -1602,  -130,
	 -681,  1017,   732,   608, -1542,   411,  -205, -1571,
	 1223,   652,  -552,  1015, -1293,  1491,  -282, -1544,
	  516,    -8,  -320,  -666, -1618, -1162,   126,  1469,
	 -853,   -90,  -271,   830,   107, -1421,  -247,  -951,
	 -398,   961, -1508,  -725,   448, -1065,   677, -1275,
	-1103,   430,   555,   843, -1251,   871,  1550,   105,
	  422,   587,   177,  -235,  -291,  -460,  1574,  1653,
	 -246,   778,  1159,  -147,  -777,  1483,  -602,  1119,
	-1590,   644,  -872,   349,   418,   329,  -156,   -75,
	  817,  1097,   603,   610,  1322, -1285, -1465,   384,
	-1215,  -136,  1218, -1335,  -874,   220, -1187, -1659,
	-1185, -1530, -1278,   794, -1510,  -854,  -870,   478,
	 -108,  -308,   996,   991,   958, -1460,  1522,  1628,
};

/* gamma_i = zeta^(2 BitRev7(i) + 1) * R mod q, centred: the moduli
 * X^2 - gamma_i of the base-case products (Algorithm 11). */
static const int16_t gammas[128] = {
	-1103,  1103,   430,  -430,   555,  -555,   843,  -843,
	-1251,  1251,   871,  -871,  1550, -1550,   105,  -105,
	  422,  -422,   587,  -587,   177,  -177,  -235,   235,
	 -291,   291,  -460,   460,  1574, -1574,  1653, -1653,
	 -246,   246,   778,  -778,  1159, -1159,  -147,   147,
	 -777,   777,  1483, -1483,  -602,   602,  1119, -1119,
	-1590,  1590,   644,  -644,  -872,   872,   349,  -349,
	  418,  -418,   329,  -329,  -156,   156,   -75,    75,
	  817,  -817,  1097, -1097,   603,  -603,   610,  -610,
	 1322, -1322, -1285,  1285, -1465,  1465,   384,  -384,
	-1215,  1215,  -136,   136,  1218, -1218, -1335,  1335,
	 -874,   874,   220,  -220, -1187,  1187, -1659,  1659,
	-1185,  1185, -1530,  1530, -1278,  1278,   794,  -794,
	-1510,  1510,  -854,   854,  -870,   870,   478,  -478,
	 -108,   108,  -308,   308,   996,  -996,   991,  -991,
	  958,  -958, -1460,  1460,  1522, -1522,  1628, -1628,
};

/* One layer of Algorithm 9 (steps 5-10): blocks of 2 len coefficients,
 * each with its own zeta.  Inlined with a constant len, the inner loop
 * has a known trip count and becomes vector code. */
static ALWAYS_INLINE void ntt_layer(int16_t *c, unsigned len, unsigned *k)
{
	for (unsigned start = 0; start < N; start += 2 * len) {
		int16_t z = zetas[(*k)++];
		int16_t *a = c + start, *b = a + len;
		for (unsigned j = 0; j < len; j++) {
			int16_t t = mont_mul(z, b[j]);
			b[j] = (int16_t)(a[j] - t);
			a[j] = (int16_t)(a[j] + t);
		}
	}
}

/* Algorithm 9, in place; then every coefficient reduced to [0, q).  Input
 * |f_i| < q; each of the 7 layers adds less than 2342 to the bound, so
 * the coefficients stay below q + 7 * 2342 < 2^15 without intermediate
 * reduction. */
static void ntt(poly *f)
{
	unsigned k = 1;
	ntt_layer(f->c, 128, &k);
	ntt_layer(f->c, 64, &k);
	ntt_layer(f->c, 32, &k);
	ntt_layer(f->c, 16, &k);
	ntt_layer(f->c, 8, &k);
	ntt_layer(f->c, 4, &k);
	ntt_layer(f->c, 2, &k);
	for (unsigned j = 0; j < N; j++)
		f->c[j] = canon(f->c[j]);
}

/* One layer of Algorithm 10 (steps 5-10), zetas taken downwards; the
 * sums are reduced so that every coefficient stays below q in size. */
static ALWAYS_INLINE void invntt_layer(int16_t *c, unsigned len, unsigned *k)
{
	for (unsigned start = 0; start < N; start += 2 * len) {
		int16_t z = zetas[(*k)--];
		int16_t *a = c + start, *b = a + len;
		for (unsigned j = 0; j < len; j++) {
			int16_t t = a[j];
			a[j] = reduce((int16_t)(t + b[j]));
			b[j] = mont_mul(z, (int16_t)(b[j] - t));
		}
	}
}

/* Algorithm 10 times R: the input is a sum of Montgomery products (one
 * factor R^-1 too few, see basemul_acc), so the final scaling by 128^-1
 * also restores R: mont_mul(x, 128^-1 R^2) = x * 128^-1 * R.  Input
 * |f_i| < q; output |f_i| < q. */
static void invntt(poly *f)
{
	unsigned k = 127;
	invntt_layer(f->c, 2, &k);
	invntt_layer(f->c, 4, &k);
	invntt_layer(f->c, 8, &k);
	invntt_layer(f->c, 16, &k);
	invntt_layer(f->c, 32, &k);
	invntt_layer(f->c, 64, &k);
	invntt_layer(f->c, 128, &k);
	for (unsigned j = 0; j < N; j++)
		f->c[j] = mont_mul(f->c[j], INVNTT_F);
}

/* h = sum over j < n of a[j] x b[j] in the NTT domain (Algorithms 11 and
 * 12), times R^-1, reduced to |h_i| <= (q-1)/2.  Inputs |x| < q.  Each
 * base case is c0 = a0 b0 + (a1 b1) gamma, c1 = a0 b1 + a1 b0, every
 * product a Montgomery product (so gamma is kept times R); one term is
 * below 3668 in size, so three sum in int16_t. */
static void basemul_acc(poly *restrict h, const poly *restrict a, const poly *restrict b, unsigned n)
{
	memset(h, 0, sizeof *h);
	for (unsigned j = 0; j < n; j++) {
		const int16_t *x = a[j].c, *y = b[j].c;
		for (unsigned i = 0; i < N / 2; i++) {
			int16_t a0 = x[2 * i], a1 = x[2 * i + 1], b0 = y[2 * i], b1 = y[2 * i + 1];
			h->c[2 * i] = (int16_t)(h->c[2 * i] + mont_mul(a0, b0) +
						mont_mul(mont_mul(a1, b1), gammas[i]));
			h->c[2 * i + 1] = (int16_t)(h->c[2 * i + 1] + mont_mul(a0, b1) + mont_mul(a1, b0));
		}
	}
	for (unsigned i = 0; i < N; i++)
		h->c[i] = reduce(h->c[i]);
}

/* ---- encoding (section 4.2.1) ---- */

/* ByteEncode_d (Algorithm 5): bit j of coefficient i is bit i*d + j of
 * the output, least significant first.  f_i in [0, 2^d) (for d = 12,
 * [0, q)).  Written per width for the three ML-KEM-768 packs into bytes
 * (d = 12, du = 10, dv = 4); d = 1 is done in place where it is used. */
static void byte_encode(uint8_t *out, const poly *f, unsigned d)
{
	const int16_t *c = f->c;
	switch (d) {
	case 12:        /* 2 coefficients, 3 bytes */
		for (unsigned i = 0; i < N; i += 2, out += 3) {
			uint32_t x = (uint16_t)c[i] | (uint32_t)(uint16_t)c[i + 1] << 12;
			out[0] = (uint8_t)x;
			out[1] = (uint8_t)(x >> 8);
			out[2] = (uint8_t)(x >> 16);
		}
		break;
	case 10:        /* 4 coefficients, 5 bytes */
		for (unsigned i = 0; i < N; i += 4, out += 5) {
			uint64_t x = (uint64_t)(uint16_t)c[i] | (uint64_t)(uint16_t)c[i + 1] << 10 |
				     (uint64_t)(uint16_t)c[i + 2] << 20 | (uint64_t)(uint16_t)c[i + 3] << 30;
			for (unsigned b = 0; b < 5; b++)
				out[b] = (uint8_t)(x >> (8 * b));
		}
		break;
	default:        /* 4 */
		for (unsigned i = 0; i < N; i += 2)
			*out++ = (uint8_t)(c[i] | c[i + 1] << 4);
	}
}

/* ByteDecode_d (Algorithm 6) for d = 12, 10, 4, without the final
 * reduction: the raw d-bit values. */
static void byte_decode(poly *f, const uint8_t *in, unsigned d)
{
	int16_t *c = f->c;
	switch (d) {
	case 12:
		for (unsigned i = 0; i < N; i += 2, in += 3) {
			c[i] = (int16_t)(in[0] | (in[1] & 0x0f) << 8);
			c[i + 1] = (int16_t)(in[1] >> 4 | in[2] << 4);
		}
		break;
	case 10:
		for (unsigned i = 0; i < N; i += 4, in += 5) {
			uint64_t x = 0;
			for (unsigned b = 0; b < 5; b++)
				x |= (uint64_t)in[b] << (8 * b);
			for (unsigned l = 0; l < 4; l++)
				c[i + l] = (int16_t)((x >> (10 * l)) & 0x3ff);
		}
		break;
	default:        /* 4 */
		for (unsigned i = 0; i < N; i += 2, in++) {
			c[i] = (int16_t)(*in & 0x0f);
			c[i + 1] = (int16_t)(*in >> 4);
		}
	}
}

/* ByteDecode_12 with its reduction modulo q (Algorithm 6, m = q), in
 * constant time: the input may be a secret key. */
static void decode12_mod_q(poly *f, const uint8_t *in)
{
	byte_decode(f, in, 12);
	for (unsigned i = 0; i < N; i++) {
		int16_t t = (int16_t)(f->c[i] - Q);
		f->c[i] = (int16_t)(t + ((t >> 15) & Q));
	}
}

/* ByteDecode_12 of an encapsulation key's polynomial; -1 when a value is
 * not below q, which is exactly when ByteEncode12(ByteDecode12(x)) != x
 * (the modulus check of section 7.2).  The key is public. */
static int decode12_checked(poly *f, const uint8_t *in)
{
	int16_t bad = 0;
	byte_decode(f, in, 12);
	for (unsigned i = 0; i < N; i++)
		bad |= (int16_t)((Q - 1 - f->c[i]) >> 15);
	return bad ? -1 : 0;
}

/* Compress_d (section 4.2.1, eq. 4.7) of x in [0, q): round(2^d x / q)
 * mod 2^d = floor((2^d x + (q-1)/2) / q) mod 2^d (q is odd, so no value
 * lies half-way).  The division is a multiplication by ceil(2^36 / q)
 * and a shift, exact for every numerator below 2^23 (the error is below
 * 2^23 * 1655 / 2^36 / q < 1/q); the unit test checks every x and d. */
static inline uint16_t compress(int16_t x, unsigned d)
{
	uint32_t num = ((uint32_t)(uint16_t)x << d) + (Q - 1) / 2;
	return (uint16_t)((((uint64_t)num * 20642679u) >> 36) & ((1u << d) - 1));
}

/* Compress_d of every coefficient, in place (inlined for a constant d,
 * the loop becomes vector code). */
static ALWAYS_INLINE void compress_poly(poly *f, unsigned d)
{
	for (unsigned j = 0; j < N; j++)
		f->c[j] = (int16_t)compress(f->c[j], d);
}

/* Decompress_d (eq. 4.8): round(q y / 2^d). */
static inline int16_t decompress(uint16_t y, unsigned d)
{
	return (int16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

/* ---- hashes and sampling (sections 4.1, 4.2.2) ---- */

/* One SHA-3 or SHAKE over a || b.  out_len is the XOF length (ignored
 * for SHA3-256/512).  The thread's context for the algorithm is reused.
 * Secrets go through SHA3-512 (G) and SHAKE256 (PRF, J) only; their
 * contexts are reset once at the end of each ML-KEM operation
 * (keccak_forget), not after every call: 9 resets fewer per Encaps,
 * 402,800 instead of 436,000 Ir (callgrind, bench/primitives).  Until
 * then the next call's EVP_DigestInit_ex2 replaces the state (libcrypto
 * 3.0 frees the old provider context, with OPENSSL_clear_free, and makes
 * a new one).
 *
 * What is left of SHA-3's cost is mostly the permutation itself: 44
 * Keccak-f[1600] per Encaps (27 for the matrix, 3 per entry, the fewest
 * that can give 256 coefficients; 9 for H(ek); 7 PRF; 1 G), about 4,700
 * Ir each inside libcrypto, against about 2,200 Ir of EVP calls per
 * hash. */
static int keccak(enum sg_keccak alg, const uint8_t *a, size_t alen,
		  const uint8_t *b, size_t blen, uint8_t *out, size_t out_len)
{
	const EVP_MD *md = sg_evp_keccak(alg);
	EVP_MD_CTX *c = md ? sg_thread_keccak_ctx(alg) : NULL;
	bool xof = alg == SG_SHAKE128 || alg == SG_SHAKE256;
	if (!c)
		return -1;
	if (EVP_DigestInit_ex2(c, md, NULL) == 1 && EVP_DigestUpdate(c, a, alen) == 1 &&
	    (!blen || EVP_DigestUpdate(c, b, blen) == 1) &&
	    (xof ? EVP_DigestFinalXOF(c, out, out_len) : EVP_DigestFinal_ex(c, out, NULL)) == 1)
		return 0;
	sg_evp_clear_errors();
	return -1;
}

/* Wipe what the secret inputs left in the thread's SHA3-512 and SHAKE256
 * contexts; called on every path out of KeyGen, Encaps and Decaps. */
static void keccak_forget(void)
{
	const enum sg_keccak used[] = { SG_SHA3_512, SG_SHAKE256 };
	for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
		EVP_MD_CTX *c = sg_thread_keccak_ctx(used[i]);
		if (c)
			EVP_MD_CTX_reset(c);
	}
}

/* H = SHA3-256, G = SHA3-512, J(s) = SHAKE256(s, 32), PRF_eta(s, b) =
 * SHAKE256(s || b, 64 eta) (section 4.1). */
static int hash_h(uint8_t out[32], const uint8_t *p, size_t n)
{
	return keccak(SG_SHA3_256, p, n, NULL, 0, out, 32);
}

static int hash_g(uint8_t out[64], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return keccak(SG_SHA3_512, a, alen, b, blen, out, 64);
}

static int prf(uint8_t out[PRF_BYTES], const uint8_t s[32], uint8_t b)
{
	return keccak(SG_SHAKE256, s, 32, &b, 1, out, PRF_BYTES);
}

/* SampleNTT (Algorithm 7) of the seed rho || b0 || b1 into a, drawing
 * `first` bytes of SHAKE128 at first.  Returns the number of XOF bytes
 * consumed, 0 on failure.  Branches on the XOF output: public (rho is
 * part of the encapsulation key).
 *
 * libcrypto 3.0 cannot squeeze a SHAKE context incrementally, so the
 * output is drawn at a fixed length.  When 256 coefficients are not
 * reached, the output is drawn again at twice the length: a sponge's
 * output stream does not depend on the length asked for (FIPS 202
 * section 4: Z is the first L bits of the same squeezed stream), so the
 * longer output begins with the bytes already parsed, and parsing goes on
 * at the offset where it stopped, exactly as Algorithm 7's successive
 * XOF.Squeeze(ctx, 3) calls would. */
static size_t sample_ntt(poly *a, const uint8_t rho[32], uint8_t b0, uint8_t b1, size_t first)
{
	uint8_t seed[34], buf[XOF_MAX];
	size_t len = first < 3 ? 3 : first > XOF_MAX ? XOF_MAX : first, off = 0;
	unsigned n = 0;

	memcpy(seed, rho, 32);
	seed[32] = b0;
	seed[33] = b1;
	if (keccak(SG_SHAKE128, seed, sizeof seed, NULL, 0, buf, len) < 0)
		return 0;
	for (;;) {
		/* While two more coefficients fit, store both candidates and
		 * count those below q (no branch to mispredict: about one
		 * candidate in five is rejected).  Equal to the loop below,
		 * which is Algorithm 7's steps 6-14 as written. */
		while (n + 2 <= N && off + 3 <= len) {
			uint16_t d1 = (uint16_t)(buf[off] | (buf[off + 1] & 0x0f) << 8);
			uint16_t d2 = (uint16_t)(buf[off + 1] >> 4 | buf[off + 2] << 4);
			off += 3;
			a->c[n] = (int16_t)d1;
			n += d1 < Q;
			a->c[n] = (int16_t)d2;
			n += d2 < Q;
		}
		while (n < N && off + 3 <= len) {
			uint16_t d1 = (uint16_t)(buf[off] | (buf[off + 1] & 0x0f) << 8);
			uint16_t d2 = (uint16_t)(buf[off + 1] >> 4 | buf[off + 2] << 4);
			off += 3;
			if (d1 < Q)
				a->c[n++] = (int16_t)d1;
			if (d2 < Q && n < N)
				a->c[n++] = (int16_t)d2;
		}
		if (n == N)
			return off;
		if (len == XOF_MAX)
			return 0;
		len = 2 * len > XOF_MAX ? XOF_MAX : 2 * len;
		if (keccak(SG_SHAKE128, seed, sizeof seed, NULL, 0, buf, len) < 0)
			return 0;
	}
}

/* SamplePolyCBD_2 (Algorithm 8): coefficient i is the sum of bits 4i and
 * 4i+1 minus the sum of bits 4i+2 and 4i+3 of the input, so byte k gives
 * coefficients 2k (low nibble) and 2k+1 (high nibble).  s holds the four
 * sums of adjacent bit pairs of the byte. */
static void sample_cbd2(poly *restrict f, const uint8_t *restrict in)
{
	for (unsigned k = 0; k < PRF_BYTES; k++) {
		unsigned s = (in[k] & 0x55u) + ((in[k] >> 1) & 0x55u);
		f->c[2 * k] = (int16_t)((int)(s & 3) - (int)((s >> 2) & 3));
		f->c[2 * k + 1] = (int16_t)((int)((s >> 4) & 3) - (int)(s >> 6));
	}
}

/* CBD_2(PRF_2(s, nonce)) */
static int sample_noise(poly *f, const uint8_t s[32], uint8_t nonce, uint8_t buf[PRF_BYTES])
{
	if (prf(buf, s, nonce) < 0)
		return -1;
	sample_cbd2(f, buf);
	return 0;
}

/* The matrix A-hat (transposed when `transpose`) of Algorithms 13 and
 * 14: A[i][j] = SampleNTT(rho || j || i). */
static int sample_matrix(poly a[K][K], const uint8_t rho[32], bool transpose)
{
	for (unsigned i = 0; i < K; i++)
		for (unsigned j = 0; j < K; j++) {
			uint8_t b0 = (uint8_t)(transpose ? i : j), b1 = (uint8_t)(transpose ? j : i);
			if (!sample_ntt(&a[i][j], rho, b0, b1, XOF_FIRST))
				return -1;
		}
	return 0;
}

/* ---- K-PKE (section 5) ---- */

/* Algorithm 13, K-PKE.KeyGen(d): ek_PKE into ek[0..1184), dk_PKE into
 * dk_pke[0..1152). */
static int pke_keygen(uint8_t ek[EK_BYTES], uint8_t dk_pke[K * POLY_BYTES], const uint8_t d[32])
{
	struct {
		uint8_t g[64];                  /* rho || sigma */
		uint8_t prf[PRF_BYTES];
		poly s[K], e[K];
	} sec;
	poly a[K][K], t;
	const uint8_t k = K;
	int ret = -1;

	/* Step 1: (rho, sigma) = G(d || k), with the domain separator k
	 * that FIPS 203 added to Kyber. */
	if (hash_g(sec.g, d, 32, &k, 1) < 0)
		goto done;
	sg_ct_public(sec.g, 32);
	if (sample_matrix(a, sec.g, false) < 0)
		goto done;
	for (unsigned i = 0; i < K; i++)
		if (sample_noise(&sec.s[i], sec.g + 32, (uint8_t)i, sec.prf) < 0 ||
		    sample_noise(&sec.e[i], sec.g + 32, (uint8_t)(K + i), sec.prf) < 0)
			goto done;
	for (unsigned i = 0; i < K; i++) {
		ntt(&sec.s[i]);
		ntt(&sec.e[i]);
	}
	/* t-hat = A-hat o s-hat + e-hat (step 18).  basemul_acc leaves a
	 * factor R^-1, which mont_mul by R^2 turns back into 1. */
	for (unsigned i = 0; i < K; i++) {
		basemul_acc(&t, a[i], sec.s, K);
		for (unsigned j = 0; j < N; j++)
			t.c[j] = canon((int16_t)(mont_mul(t.c[j], MONT_R2) + sec.e[i].c[j]));
		byte_encode(ek + i * POLY_BYTES, &t, 12);
		byte_encode(dk_pke + i * POLY_BYTES, &sec.s[i], 12);
	}
	memcpy(ek + K * POLY_BYTES, sec.g, 32);
	ret = 0;
done:
	sg_wipe(&sec, sizeof sec);
	sg_wipe(&t, sizeof t);
	return ret;
}

/* Algorithm 14, K-PKE.Encrypt(ek_PKE, m, r), given t-hat decoded (in
 * [0, q)) and rho.  ct may hold a secret (the re-encryption of Decaps). */
static int pke_encrypt(uint8_t ct[CT_BYTES], const poly that[K], const uint8_t rho[32],
		       const uint8_t m[32], const uint8_t r[32])
{
	struct {
		uint8_t prf[PRF_BYTES];
		poly y[K], e1[K], e2, u, v;
	} sec;
	poly at[K][K];
	int ret = -1;

	if (sample_matrix(at, rho, true) < 0)
		goto done;
	for (unsigned i = 0; i < K; i++)
		if (sample_noise(&sec.y[i], r, (uint8_t)i, sec.prf) < 0)
			goto done;
	for (unsigned i = 0; i < K; i++)
		if (sample_noise(&sec.e1[i], r, (uint8_t)(K + i), sec.prf) < 0)
			goto done;
	if (sample_noise(&sec.e2, r, 2 * K, sec.prf) < 0)
		goto done;
	for (unsigned i = 0; i < K; i++)
		ntt(&sec.y[i]);
	/* u = NTT^-1(A-hat^T o y-hat) + e1, compressed to du bits. */
	for (unsigned i = 0; i < K; i++) {
		basemul_acc(&sec.u, at[i], sec.y, K);
		invntt(&sec.u);
		for (unsigned j = 0; j < N; j++)
			sec.u.c[j] = canon((int16_t)(sec.u.c[j] + sec.e1[i].c[j]));
		compress_poly(&sec.u, DU);
		byte_encode(ct + i * 32 * DU, &sec.u, DU);
	}
	/* v = NTT^-1(t-hat^T o y-hat) + e2 + mu, mu = Decompress_1(m):
	 * each message bit selects 0 or round(q/2) = 1665 by a mask. */
	basemul_acc(&sec.v, that, sec.y, K);
	invntt(&sec.v);
	for (unsigned j = 0; j < N; j++) {
		uint32_t bit = (uint32_t)(m[j / 8] >> (j % 8)) & 1;
		int16_t mu = (int16_t)((0u - bit) & 1665);
		sec.v.c[j] = canon((int16_t)(sec.v.c[j] + sec.e2.c[j] + mu));
	}
	compress_poly(&sec.v, DV);
	byte_encode(ct + C1_BYTES, &sec.v, DV);
	ret = 0;
done:
	sg_wipe(&sec, sizeof sec);
	return ret;
}

/* Algorithm 15, K-PKE.Decrypt(dk_PKE, c) -> m. */
static void pke_decrypt(uint8_t m[32], const uint8_t dk_pke[K * POLY_BYTES], const uint8_t ct[CT_BYTES])
{
	struct {
		poly s[K], w;
	} sec;
	poly u[K], v;

	/* u' = Decompress_du(ByteDecode_du(c1)), v' likewise from c2 (public);
	 * s-hat = ByteDecode_12(dk_PKE). */
	for (unsigned i = 0; i < K; i++) {
		byte_decode(&u[i], ct + i * 32 * DU, DU);
		for (unsigned j = 0; j < N; j++)
			u[i].c[j] = decompress((uint16_t)u[i].c[j], DU);
		ntt(&u[i]);
		decode12_mod_q(&sec.s[i], dk_pke + i * POLY_BYTES);
	}
	byte_decode(&v, ct + C1_BYTES, DV);
	/* w = v' - NTT^-1(s-hat^T o NTT(u')); m = ByteEncode_1(Compress_1(w)). */
	basemul_acc(&sec.w, sec.s, u, K);
	invntt(&sec.w);
	memset(m, 0, 32);
	for (unsigned j = 0; j < N; j++) {
		int16_t w = canon((int16_t)(decompress((uint16_t)v.c[j], DV) - sec.w.c[j]));
		m[j / 8] |= (uint8_t)(compress(w, 1) << (j % 8));
	}
	sg_wipe(&sec, sizeof sec);
}

/* ---- ML-KEM (sections 6 and 7) ---- */

int sg_mlkem768_encaps_check(const uint8_t *ek, size_t ek_len)
{
	uint8_t test[POLY_BYTES];
	poly f;

	/* Section 7.2: 1. type check, 2. modulus check:
	 * ByteEncode12(ByteDecode12(ek[0 : 384k])) == ek[0 : 384k]. */
	if (!ek || ek_len != EK_BYTES)
		return -1;
	for (unsigned i = 0; i < K; i++) {
		decode12_mod_q(&f, ek + i * POLY_BYTES);
		byte_encode(test, &f, 12);
		if (memcmp(test, ek + i * POLY_BYTES, POLY_BYTES) != 0)
			return -1;
	}
	return 0;
}

int sg_mlkem768_decaps_check(const uint8_t *dk, size_t dk_len, size_t ct_len)
{
	uint8_t h[32];

	/* Section 7.3: 1. ciphertext type check, 2. decapsulation key type
	 * check, 3. hash check: H(dk[384k : 768k+32]) == dk[768k+32 :
	 * 768k+64] (the hash of the embedded encapsulation key, public). */
	if (!dk || ct_len != CT_BYTES || dk_len != DK_BYTES)
		return -1;
	if (hash_h(h, dk + K * POLY_BYTES, EK_BYTES) < 0)
		return -1;
	return memcmp(h, dk + K * POLY_BYTES + EK_BYTES, 32) == 0 ? 0 : -1;
}

/* Algorithm 16, ML-KEM.KeyGen_internal(d, z). */
int sg_mlkem768_keygen_internal(uint8_t ek[SG_MLKEM768_EK], uint8_t dk[SG_MLKEM768_DK],
				const uint8_t d[32], const uint8_t z[32])
{
	/* dk = dk_PKE || ek || H(ek) || z */
	int bad = pke_keygen(ek, dk, d) < 0 || hash_h(dk + K * POLY_BYTES + EK_BYTES, ek, EK_BYTES) < 0;
	keccak_forget();
	if (bad) {
		sg_wipe(dk, DK_BYTES);
		return -1;
	}
	memcpy(dk + K * POLY_BYTES, ek, EK_BYTES);
	memcpy(dk + K * POLY_BYTES + EK_BYTES + 32, z, 32);
	return 0;
}

/* Algorithm 19, ML-KEM.KeyGen: d and z from the RNG. */
int sg_mlkem768_keygen(uint8_t ek[SG_MLKEM768_EK], uint8_t dk[SG_MLKEM768_DK])
{
	uint8_t dz[64];
	int ret = -1;
	if (sg_random(dz, sizeof dz) == 0)
		ret = sg_mlkem768_keygen_internal(ek, dk, dz, dz + 32);
	sg_wipe(dz, sizeof dz);
	return ret;
}

/* Algorithm 17, ML-KEM.Encaps_internal(ek, m), after the modulus check
 * of section 7.2 (done here on the decoded key, so that no caller can
 * skip it). */
int sg_mlkem768_encaps_internal(uint8_t ct[SG_MLKEM768_CT], uint8_t ss[SG_MLKEM_SS],
				const uint8_t ek[SG_MLKEM768_EK], const uint8_t m[32])
{
	uint8_t h[32], kr[64];
	poly that[K];
	int ret = -1;

	for (unsigned i = 0; i < K; i++)
		if (decode12_checked(&that[i], ek + i * POLY_BYTES) < 0)
			goto done;
	/* (K, r) = G(m || H(ek)) */
	if (hash_h(h, ek, EK_BYTES) < 0 || hash_g(kr, m, 32, h, 32) < 0 ||
	    pke_encrypt(ct, that, ek + K * POLY_BYTES, m, kr + 32) < 0)
		goto done;
	memcpy(ss, kr, 32);
	ret = 0;
done:
	keccak_forget();
	if (ret) {
		sg_wipe(ss, SG_MLKEM_SS);
		memset(ct, 0, CT_BYTES);
	}
	sg_wipe(kr, sizeof kr);
	return ret;
}

/* Algorithm 20, ML-KEM.Encaps: m from the RNG. */
int sg_mlkem768_encaps(uint8_t ct[SG_MLKEM768_CT], uint8_t ss[SG_MLKEM_SS],
		       const uint8_t ek[SG_MLKEM768_EK])
{
	uint8_t m[32];
	int ret = -1;
	if (sg_random(m, sizeof m) == 0)
		ret = sg_mlkem768_encaps_internal(ct, ss, ek, m);
	else
		sg_wipe(ss, SG_MLKEM_SS);
	sg_wipe(m, sizeof m);
	return ret;
}

/* Algorithm 18, ML-KEM.Decaps_internal(dk, c) (= Algorithm 21 once the
 * input checks of section 7.3 are done). */
int sg_mlkem768_decaps(uint8_t ss[SG_MLKEM_SS], const uint8_t dk[SG_MLKEM768_DK],
		       const uint8_t ct[SG_MLKEM768_CT])
{
	const uint8_t *dk_pke = dk, *ek_pke = dk + K * POLY_BYTES;
	const uint8_t *h = ek_pke + EK_BYTES, *z = h + 32;
	struct {
		uint8_t m[32], kr[64], kbar[32], ct[CT_BYTES];
		poly that[K];
	} sec;
	uint32_t diff = 0;
	int ret = -1;

	/* m' = K-PKE.Decrypt(dk_PKE, c); (K', r') = G(m' || h);
	 * K-bar = J(z || c); c' = K-PKE.Encrypt(ek_PKE, m', r'). */
	pke_decrypt(sec.m, dk_pke, ct);
	if (hash_g(sec.kr, sec.m, 32, h, 32) < 0 ||
	    keccak(SG_SHAKE256, z, 32, ct, CT_BYTES, sec.kbar, 32) < 0)
		goto done;
	for (unsigned i = 0; i < K; i++)
		decode12_mod_q(&sec.that[i], ek_pke + i * POLY_BYTES);
	if (pke_encrypt(sec.ct, sec.that, ek_pke + K * POLY_BYTES, sec.m, sec.kr + 32) < 0)
		goto done;
	/* If c != c', K' = K-bar: the comparison and the choice are masks
	 * over every byte, so neither the result nor the position of a
	 * difference shows in the timing. */
	for (size_t i = 0; i < CT_BYTES; i++)
		diff |= (uint32_t)(sec.ct[i] ^ ct[i]);
	uint8_t take_kbar = (uint8_t)((0u - opaque(diff)) >> 24);
	for (size_t i = 0; i < 32; i++)
		ss[i] = (uint8_t)(sec.kr[i] ^ ((sec.kr[i] ^ sec.kbar[i]) & take_kbar));
	ret = 0;
done:
	keccak_forget();
	if (ret)
		sg_wipe(ss, SG_MLKEM_SS);
	sg_wipe(&sec, sizeof sec);
	return ret;
}

/* ---- for tests only (crypto.h) ---- */

size_t sg_mlkem_sample_ntt_test(uint16_t a[256], const uint8_t rho[32], uint8_t b0, uint8_t b1,
				size_t first)
{
	poly f;
	size_t n = sample_ntt(&f, rho, b0, b1, first);
	for (unsigned i = 0; i < N; i++)
		a[i] = n ? (uint16_t)f.c[i] : 0;
	return n;
}

static void load(poly *f, const uint16_t in[256])
{
	for (unsigned i = 0; i < N; i++)
		f->c[i] = (int16_t)(in[i] % Q);
}

static void store(uint16_t out[256], const poly *f)
{
	for (unsigned i = 0; i < N; i++)
		out[i] = (uint16_t)canon(f->c[i]);
}

void sg_mlkem_ntt_test(uint16_t f[256])
{
	poly p;
	load(&p, f);
	ntt(&p);
	store(f, &p);
}

void sg_mlkem_invntt_test(uint16_t f[256])
{
	/* invntt computes NTT^-1 times R; mont_mul by 1 divides by R. */
	poly p;
	load(&p, f);
	invntt(&p);
	for (unsigned i = 0; i < N; i++)
		p.c[i] = mont_mul(p.c[i], 1);
	store(f, &p);
}

void sg_mlkem_mul_ntt_test(uint16_t h[256], const uint16_t f[256], const uint16_t g[256])
{
	poly a, b, c;
	load(&a, f);
	load(&b, g);
	basemul_acc(&c, &a, &b, 1);
	for (unsigned i = 0; i < N; i++)
		c.c[i] = mont_mul(c.c[i], MONT_R2);
	store(h, &c);
}

uint16_t sg_mlkem_compress_test(uint16_t x, unsigned d)
{
	return compress((int16_t)(x % Q), d);
}

uint16_t sg_mlkem_decompress_test(uint16_t y, unsigned d)
{
	return (uint16_t)decompress((uint16_t)(y & ((1u << d) - 1)), d);
}
