/*
 * X25519 public keys from a fixed-base table (RFC 7748 section 6.1:
 * pub = X25519(priv, 9)), without a Montgomery ladder.
 *
 * curve25519 and edwards25519 are birationally equivalent (RFC 7748
 * section 4.1), and the map u = (1 + y) / (1 - y) is a group isomorphism
 * sending the Edwards base point B (RFC 8032 section 5.1) to u = 9.  So
 * the public key is the u-coordinate of k*B computed on the Edwards curve,
 * where the base point is fixed and its multiples can be precomputed: with
 * the clamped scalar k written in 64 signed radix-16 digits e[i] in
 * [-8, 8],
 *
 *   k*B = sum e[i] * 16^i * B
 *       = 16 * sum_{i odd} e[i] * 256^((i-1)/2) * B + sum_{i even} e[i] * 256^(i/2) * B,
 *
 * and x25519_table.h holds j * 256^m * B for j = 1..8, m = 0..31: 64
 * additions of a table entry and 4 doublings, against the ladder's 255
 * steps.  One inversion at the end gives the affine u.
 *
 * Constant time in the private key: no branch and no memory index depends
 * on it.  Every look-up reads all eight entries of its subtable and keeps
 * one with masks; the digits' signs are applied with masks; the inversion
 * is a fixed chain of squarings and multiplications; the final reduction
 * mod p is arithmetic.  tests/tools/ct_check.c checks this under valgrind.
 *
 * Field elements mod p = 2^255 - 19 are five 51-bit limbs (radix 2^51,
 * least significant first) with 128-bit products.  The table is a
 * committed constant (made by tests/tools/x25519_table.c, and checked
 * against it by x25519_test) rather than computed at start-up: it then
 * lives in read-only memory shared by every process, costs nothing at
 * start-up, and needs no initialisation order.
 */
#include "crypto/crypto.h"

#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

#include "crypto/x25519_table.h"

/*
 * An element of GF(p) as v[0] + v[1]*2^51 + ... + v[4]*2^204, not
 * necessarily reduced.  Bounds, as used below: fe_mul and fe_sqr take
 * limbs below 2^54 and return limbs below 2^52; fe_add and fe_sub are only
 * given limbs below 2^53 (fe_sub's subtrahend below 2^52, the bound of a
 * product), so their results stay below 2^54.
 */
typedef struct {
	uint64_t v[5];
} fe;

/* Extended coordinates (RFC 8032 section 5.1.4): x = X/Z, y = Y/Z,
 * x*y = T/Z. */
typedef struct {
	fe X, Y, Z, T;
} ge_p3;

/* An affine point as (y+x, y-x, 2*d*x*y), the form the addition wants. */
typedef struct {
	fe ypx, ymx, t2d;
} ge_niels;

/* An optimisation barrier: the compiler cannot know the value, so it
 * cannot turn mask arithmetic back into a branch. */
static inline uint64_t opaque(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	__asm__("" : "+r"(x));
#endif
	return x;
}

static void fe_add(fe *h, const fe *f, const fe *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
}

/* f - g computed as f + 2p - g, so that no limb goes below zero (g's
 * limbs are below 2^52 - 38, 2p's limbs). */
static void fe_sub(fe *h, const fe *f, const fe *g)
{
	h->v[0] = f->v[0] + (2 * ((UINT64_C(1) << 51) - 19)) - g->v[0];
	for (int i = 1; i < 5; i++)
		h->v[i] = f->v[i] + (2 * MASK51) - g->v[i];
}

/* The 128-bit column sums r[0..4] of a product carried into limbs below
 * 2^51 + 2^15, in two rounds whose carries are all taken at once (rather
 * than one chain of five dependent carries).  With factors below 2^54 a
 * column is below 77 * 2^108 < 2^115 and the last below 5 * 2^108, so each
 * carry fits 64 bits and h0 + 19 * c4 does too.  2^255 = 19 mod p folds
 * the top carry back into limb 0. */
static inline __attribute__((always_inline)) void fe_carry128(fe *h, u128 r0, u128 r1, u128 r2,
							       u128 r3, u128 r4)
{
	uint64_t c0 = (uint64_t)(r0 >> 51), c1 = (uint64_t)(r1 >> 51), c2 = (uint64_t)(r2 >> 51);
	uint64_t c3 = (uint64_t)(r3 >> 51), c4 = (uint64_t)(r4 >> 51);
	uint64_t h0 = ((uint64_t)r0 & MASK51) + 19 * c4;        /* < 2^64: c4 < 2^60 */
	uint64_t h1 = ((uint64_t)r1 & MASK51) + c0;
	uint64_t h2 = ((uint64_t)r2 & MASK51) + c1;
	uint64_t h3 = ((uint64_t)r3 & MASK51) + c2;
	uint64_t h4 = ((uint64_t)r4 & MASK51) + c3;
	h->v[0] = (h0 & MASK51) + 19 * (h4 >> 51);
	h->v[1] = (h1 & MASK51) + (h0 >> 51);
	h->v[2] = (h2 & MASK51) + (h1 >> 51);
	h->v[3] = (h3 & MASK51) + (h2 >> 51);
	h->v[4] = (h4 & MASK51) + (h3 >> 51);
}

/* Schoolbook product; a term f[i]*g[j] with i+j >= 5 stands for
 * 2^255 * 2^(51(i+j-5)) and is folded back times 19 (19 * g[j] < 2^59). */
static void fe_mul(fe *h, const fe *f, const fe *g)
{
	uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
	u128 r0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
	u128 r1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
	u128 r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
	u128 r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
	u128 r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
	fe_carry128(h, r0, r1, r2, r3, r4);
}

/* The product with itself, each cross term f[i]*f[j] (i != j) once and
 * doubled. */
static inline __attribute__((always_inline)) void fe_sqr_inline(fe *h, const fe *f)
{
	uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1;
	uint64_t f1_38 = 38 * f1, f2_38 = 38 * f2, f3_38 = 38 * f3, f3_19 = 19 * f3, f4_19 = 19 * f4;
	u128 r0 = (u128)f0 * f0 + (u128)f1_38 * f4 + (u128)f2_38 * f3;
	u128 r1 = (u128)f0_2 * f1 + (u128)f2_38 * f4 + (u128)f3_19 * f3;
	u128 r2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)f3_38 * f4;
	u128 r3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4_19 * f4;
	u128 r4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
	fe_carry128(h, r0, r1, r2, r3, r4);
}

static void fe_sqr(fe *h, const fe *f)
{
	fe_sqr_inline(h, f);
}

/* f^(2^n), n >= 1; the limbs stay in registers between squarings (the
 * chain is one long dependency, so a trip through memory per step
 * shows). */
static void fe_sqr_n(fe *h, const fe *f, int n)
{
	fe t = *f;
	for (int i = 0; i < n; i++)
		fe_sqr_inline(&t, &t);
	*h = t;
	sg_wipe(&t, sizeof t);
}

/* 1/z = z^(p-2) (Fermat), p - 2 = 2^255 - 21 = (2^250 - 1) * 2^5 + 11: a
 * fixed chain of 254 squarings and 11 multiplications, whatever z is
 * (z = 0 gives 0). */
static void fe_invert(fe *out, const fe *z)
{
	fe z2, z9, z11, a, b, c;
	fe_sqr(&z2, z);                 /* z^2 */
	fe_sqr_n(&a, &z2, 2);           /* z^8 */
	fe_mul(&z9, &a, z);             /* z^9 */
	fe_mul(&z11, &z9, &z2);         /* z^11 */
	fe_sqr(&a, &z11);               /* z^22 */
	fe_mul(&a, &a, &z9);            /* z^(2^5 - 1) */
	fe_sqr_n(&b, &a, 5);
	fe_mul(&a, &b, &a);             /* z^(2^10 - 1) */
	fe_sqr_n(&b, &a, 10);
	fe_mul(&b, &b, &a);             /* z^(2^20 - 1) */
	fe_sqr_n(&c, &b, 20);
	fe_mul(&b, &c, &b);             /* z^(2^40 - 1) */
	fe_sqr_n(&b, &b, 10);
	fe_mul(&a, &b, &a);             /* z^(2^50 - 1) */
	fe_sqr_n(&b, &a, 50);
	fe_mul(&b, &b, &a);             /* z^(2^100 - 1) */
	fe_sqr_n(&c, &b, 100);
	fe_mul(&b, &c, &b);             /* z^(2^200 - 1) */
	fe_sqr_n(&b, &b, 50);
	fe_mul(&b, &b, &a);             /* z^(2^250 - 1) */
	fe_sqr_n(&b, &b, 5);
	fe_mul(out, &b, &z11);          /* z^(2^255 - 21) */
	sg_wipe(&z2, sizeof z2);
	sg_wipe(&z9, sizeof z9);
	sg_wipe(&z11, sizeof z11);
	sg_wipe(&a, sizeof a);
	sg_wipe(&b, sizeof b);
	sg_wipe(&c, sizeof c);
}

/* The canonical encoding (RFC 7748 section 5: little-endian, value in
 * [0, p)).  After one carry pass h < 2^255 + 2^8, so
 * q = floor((h + 19) / 2^255) is 1 exactly when h >= p; h + 19q with bit
 * 255 dropped is then h - q*p. */
static void fe_tobytes(uint8_t s[32], const fe *f)
{
	uint64_t h0 = f->v[0], h1 = f->v[1], h2 = f->v[2], h3 = f->v[3], h4 = f->v[4], q;
	h1 += h0 >> 51; h0 &= MASK51;
	h2 += h1 >> 51; h1 &= MASK51;
	h3 += h2 >> 51; h2 &= MASK51;
	h4 += h3 >> 51; h3 &= MASK51;
	h0 += 19 * (h4 >> 51); h4 &= MASK51;
	q = (h0 + 19) >> 51;
	q = (h1 + q) >> 51;
	q = (h2 + q) >> 51;
	q = (h3 + q) >> 51;
	q = (h4 + q) >> 51;
	h0 += 19 * q;
	h1 += h0 >> 51; h0 &= MASK51;
	h2 += h1 >> 51; h1 &= MASK51;
	h3 += h2 >> 51; h2 &= MASK51;
	h4 += h3 >> 51; h3 &= MASK51;
	h4 &= MASK51;
	uint64_t w[4] = { h0 | h1 << 51, h1 >> 13 | h2 << 38, h2 >> 26 | h3 << 25, h3 >> 39 | h4 << 12 };
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
	sg_wipe(w, sizeof w);
}

/* All ones when a == b, zero otherwise (a, b < 2^63). */
static uint64_t eq_mask(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ b;
	return opaque(0 - ((x - 1) >> 63));
}

/* t = e * 256^m * B for a digit e in [-8, 8], reading every entry of
 * subtable m: |e| picks one of the eight multiples (none for 0: the
 * identity (1, 1, 0)), and a negative e negates it, -(x, y) = (-x, y),
 * i.e. (y+x, y-x, 2dxy) becomes (y-x, y+x, -2dxy). */
static void select_niels(ge_niels *t, int m, int8_t e)
{
	const uint64_t *s = &x25519_base_table[m][0][0][0];
	uint8_t ue = (uint8_t)e;
	uint64_t neg = ue >> 7;
	uint64_t mag = (uint8_t)((ue ^ (uint8_t)(0 - neg)) + neg);
	uint64_t m1 = eq_mask(mag, 1), m2 = eq_mask(mag, 2), m3 = eq_mask(mag, 3), m4 = eq_mask(mag, 4);
	uint64_t m5 = eq_mask(mag, 5), m6 = eq_mask(mag, 6), m7 = eq_mask(mag, 7), m8 = eq_mask(mag, 8);
	uint64_t none = eq_mask(mag, 0), nmask = opaque(0 - neg);

	/* At most one mask is set: OR the eight masked entries (15 limbs
	 * each) together, so that every limb of every entry is read.  The
	 * result goes straight into t, which the caller wipes. */
#define PICK(x) ((m1 & s[x]) | (m2 & s[15 + (x)]) | (m3 & s[30 + (x)]) | (m4 & s[45 + (x)]) | \
		 (m5 & s[60 + (x)]) | (m6 & s[75 + (x)]) | (m7 & s[90 + (x)]) | (m8 & s[105 + (x)]))
	for (int l = 0; l < 5; l++) {
		t->ypx.v[l] = PICK(l);
		t->ymx.v[l] = PICK(5 + l);
		t->t2d.v[l] = PICK(10 + l);
	}
#undef PICK
	/* |e| = 0: the identity, (1, 1, 0). */
	t->ypx.v[0] |= none & 1;
	t->ymx.v[0] |= none & 1;
	/* e < 0: swap y+x and y-x, and negate 2dxy (2p - 2dxy). */
	for (int l = 0; l < 5; l++) {
		uint64_t x = nmask & (t->ypx.v[l] ^ t->ymx.v[l]);
		uint64_t z = t->t2d.v[l], nz = (l ? 2 * MASK51 : 2 * (MASK51 - 18)) - z;
		t->ypx.v[l] ^= x;
		t->ymx.v[l] ^= x;
		t->t2d.v[l] = z ^ (nmask & (z ^ nz));
	}
}

/* r = p + q, q affine (Z2 = 1): RFC 8032 section 5.1.4's addition, with
 * 2*d*T2 taken from the table.  Complete (no exceptional inputs); r may
 * be p. */
static void ge_madd(ge_p3 *r, const ge_p3 *p, const ge_niels *q)
{
	fe a, b, c, d, e, f, g, h;
	fe_sub(&a, &p->Y, &p->X);
	fe_mul(&a, &a, &q->ymx);        /* A = (Y1-X1)*(Y2-X2) */
	fe_add(&b, &p->Y, &p->X);
	fe_mul(&b, &b, &q->ypx);        /* B = (Y1+X1)*(Y2+X2) */
	fe_mul(&c, &p->T, &q->t2d);     /* C = T1*2*d*T2 */
	fe_add(&d, &p->Z, &p->Z);       /* D = Z1*2*Z2 */
	fe_sub(&e, &b, &a);
	fe_sub(&f, &d, &c);
	fe_add(&g, &d, &c);
	fe_add(&h, &b, &a);
	fe_mul(&r->X, &e, &f);
	fe_mul(&r->Y, &g, &h);
	fe_mul(&r->T, &e, &h);
	fe_mul(&r->Z, &f, &g);
}

/* r = 2p: RFC 8032 section 5.1.4's doubling; r may be p. */
static void ge_dbl(ge_p3 *r, const ge_p3 *p)
{
	fe a, b, c, e, f, g, h, s;
	fe_sqr(&a, &p->X);              /* A = X1^2 */
	fe_sqr(&b, &p->Y);              /* B = Y1^2 */
	fe_sqr(&c, &p->Z);
	fe_add(&c, &c, &c);             /* C = 2*Z1^2 */
	fe_add(&h, &a, &b);             /* H = A+B */
	fe_add(&s, &p->X, &p->Y);
	fe_sqr(&s, &s);
	fe_sub(&e, &h, &s);             /* E = H-(X1+Y1)^2 */
	fe_sub(&g, &a, &b);             /* G = A-B */
	fe_add(&f, &c, &g);             /* F = C+G */
	fe_mul(&r->X, &e, &f);
	fe_mul(&r->Y, &g, &h);
	fe_mul(&r->T, &e, &h);
	fe_mul(&r->Z, &f, &g);
}

void sg_x25519_public(uint8_t pub[32], const uint8_t priv[32])
{
	uint8_t k[32];
	int8_t e[64];
	ge_p3 h;
	ge_niels t;
	fe num, den;
	int carry;

	/* RFC 7748 section 5, decodeScalar25519. */
	memcpy(k, priv, 32);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;

	/* Signed radix 16: e[i] in [-8, 7] for i < 63; k < 2^255 leaves
	 * e[63] in [0, 8].  (e[i] + 8 is never negative, so the shift is
	 * plain arithmetic.) */
	for (int i = 0; i < 32; i++) {
		e[2 * i] = (int8_t)(k[i] & 15);
		e[2 * i + 1] = (int8_t)(k[i] >> 4);
	}
	carry = 0;
	for (int i = 0; i < 63; i++) {
		int x = e[i] + carry;
		carry = (x + 8) >> 4;
		e[i] = (int8_t)(x - (carry << 4));
	}
	e[63] = (int8_t)(e[63] + carry);

	/* The neutral element (0, 1). */
	memset(&h, 0, sizeof h);
	h.Y.v[0] = 1;
	h.Z.v[0] = 1;
	for (int i = 1; i < 64; i += 2) {
		select_niels(&t, i / 2, e[i]);
		ge_madd(&h, &h, &t);
	}
	for (int i = 0; i < 4; i++)
		ge_dbl(&h, &h);
	for (int i = 0; i < 64; i += 2) {
		select_niels(&t, i / 2, e[i]);
		ge_madd(&h, &h, &t);
	}

	/* RFC 7748 section 4.1: u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y).
	 * Z = Y only at the neutral element, which a clamped scalar (8
	 * times a number below the group order) never reaches. */
	fe_add(&num, &h.Z, &h.Y);
	fe_sub(&den, &h.Z, &h.Y);
	fe_invert(&den, &den);
	fe_mul(&num, &num, &den);
	fe_tobytes(pub, &num);

	sg_wipe(k, sizeof k);
	sg_wipe(e, sizeof e);
	sg_wipe(&h, sizeof h);
	sg_wipe(&t, sizeof t);
	sg_wipe(&num, sizeof num);
	sg_wipe(&den, sizeof den);
}
