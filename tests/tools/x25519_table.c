/*
 * x25519_table: writes src/crypto/x25519_table.h, the fixed-base table of
 * src/crypto/x25519_base.c, to standard output:
 *
 *   build/tests/x25519_table > src/crypto/x25519_table.h
 *
 * x25519_test runs it and checks that the committed file is exactly its
 * output.  Entry [j][i] is (i+1) * 256^j * B, B the edwards25519 base point
 * (RFC 8032 section 5.1), as (y+x, y-x, 2*d*x*y) mod p in radix 2^51.
 *
 * Deliberately independent of the library's field code: integers mod p in
 * four 64-bit words, affine points with the textbook addition law and one
 * inversion per addition (slow, variable time: the data is public).  The
 * curve constants are the RFC's decimal numbers, checked here against
 * their definitions (d = -121665/121666, y(B) = 4/5, B on the curve, and
 * the birational map of RFC 7748 section 4.1 sending B to u = 9).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* An integer in [0, p), little-endian 64-bit words. */
typedef struct {
	uint64_t w[4];
} num;

static const num P = { { 0xffffffffffffffedu, 0xffffffffffffffffu, 0xffffffffffffffffu,
			 0x7fffffffffffffffu } };

static int cmp(const num *a, const num *b)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

/* a - b as 256-bit words; the borrow out. */
static uint64_t sub_words(num *r, const num *a, const num *b)
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)a->w[i] - b->w[i] - borrow;
		r->w[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return borrow;
}

static void canon(num *a)
{
	while (cmp(a, &P) >= 0)
		sub_words(a, a, &P);
}

static void add(num *r, const num *a, const num *b)
{
	u128 c = 0;
	for (int i = 0; i < 4; i++) {
		c += (u128)a->w[i] + b->w[i];
		r->w[i] = (uint64_t)c;
		c >>= 64;
	}
	canon(r);       /* a + b < 2p < 2^256: no carry out */
}

static void sub(num *r, const num *a, const num *b)
{
	if (sub_words(r, a, b)) {
		u128 c = 0;
		for (int i = 0; i < 4; i++) {
			c += (u128)r->w[i] + P.w[i];
			r->w[i] = (uint64_t)c;
			c >>= 64;
		}
	}
}

static void mul(num *r, const num *a, const num *b)
{
	uint64_t t[8] = { 0 };
	for (int i = 0; i < 4; i++) {
		uint64_t carry = 0;
		for (int j = 0; j < 4; j++) {
			u128 x = (u128)a->w[i] * b->w[j] + t[i + j] + carry;
			t[i + j] = (uint64_t)x;
			carry = (uint64_t)(x >> 64);
		}
		t[i + 4] = carry;
	}
	/* 2^256 = 2 * 2^255 = 2 * 19 = 38 (mod p): fold the high half in,
	 * then whatever carries out of the top, until nothing does. */
	u128 c = 0;
	for (int i = 0; i < 4; i++) {
		c += (u128)t[i] + (u128)t[i + 4] * 38;
		r->w[i] = (uint64_t)c;
		c >>= 64;
	}
	while (c) {
		c *= 38;
		for (int i = 0; i < 4; i++) {
			c += r->w[i];
			r->w[i] = (uint64_t)c;
			c >>= 64;
		}
	}
	canon(r);
}

static num small(uint64_t v)
{
	num r = { { v, 0, 0, 0 } };
	return r;
}

/* a^e, e given as a number (its 256 bits, most significant first). */
static num power(const num *a, const num *e)
{
	num r = small(1);
	for (int i = 255; i >= 0; i--) {
		mul(&r, &r, &r);
		if (e->w[i / 64] >> (i % 64) & 1)
			mul(&r, &r, a);
	}
	return r;
}

static num inverse(const num *a)
{
	num e, two = small(2);
	sub_words(&e, &P, &two);        /* Fermat: a^(p-2) */
	return power(a, &e);
}

static num decimal(const char *s)
{
	num r = small(0), ten = small(10);
	for (; *s; s++) {
		num d = small((uint64_t)(*s - '0'));
		mul(&r, &r, &ten);
		add(&r, &r, &d);
	}
	return r;
}

static void die(const char *what)
{
	fprintf(stderr, "x25519_table: %s\n", what);
	exit(1);
}

static num D;

typedef struct {
	num x, y;
} point;

/* RFC 8032 section 3 with a = -1 (complete: d is not a square):
 * x3 = (x1*y2 + x2*y1) / (1 + d*x1*x2*y1*y2),
 * y3 = (y1*y2 + x1*x2) / (1 - d*x1*x2*y1*y2). */
static point padd(const point *p, const point *q)
{
	num x1y2, x2y1, y1y2, x1x2, t, one = small(1), den, nx, ny;
	point r;
	mul(&x1y2, &p->x, &q->y);
	mul(&x2y1, &q->x, &p->y);
	mul(&y1y2, &p->y, &q->y);
	mul(&x1x2, &p->x, &q->x);
	mul(&t, &x1x2, &y1y2);
	mul(&t, &t, &D);
	add(&nx, &x1y2, &x2y1);
	add(&den, &one, &t);
	den = inverse(&den);
	mul(&r.x, &nx, &den);
	add(&ny, &y1y2, &x1x2);
	sub(&den, &one, &t);
	den = inverse(&den);
	mul(&r.y, &ny, &den);
	return r;
}

/* The base point, its constants checked against their definitions. */
static point base_point(void)
{
	/* RFC 8032 section 5.1. */
	point b = {
		decimal("15112221349535400772501151409588531511454012693041857206046113283949847762202"),
		decimal("46316835694926478169428394003475163141307993866256225615783033603165251855960"),
	};
	num d_rfc = decimal("37095705934669439343138083508754565189542113879843219016388785533085940283555");
	num a = small(121665), den = small(121666), zero = small(0), one = small(1), t, u, v;

	sub(&a, &zero, &a);
	den = inverse(&den);
	mul(&D, &a, &den);
	if (cmp(&D, &d_rfc) != 0)
		die("d is not -121665/121666");
	t = small(5);
	mul(&t, &t, &b.y);
	if (cmp(&t, &(num){ { 4, 0, 0, 0 } }) != 0)
		die("y(B) is not 4/5");
	if (b.x.w[0] & 1)
		die("x(B) is not even (RFC 8032 5.1: the positive root)");
	/* -x^2 + y^2 = 1 + d*x^2*y^2 */
	num x2, y2, lhs, rhs;
	mul(&x2, &b.x, &b.x);
	mul(&y2, &b.y, &b.y);
	sub(&lhs, &y2, &x2);
	mul(&rhs, &x2, &y2);
	mul(&rhs, &rhs, &D);
	add(&rhs, &rhs, &one);
	if (cmp(&lhs, &rhs) != 0)
		die("B is not on edwards25519");
	/* RFC 7748 section 4.1: u = (1 + y) / (1 - y). */
	add(&u, &one, &b.y);
	sub(&v, &one, &b.y);
	v = inverse(&v);
	mul(&u, &u, &v);
	if (cmp(&u, &(num){ { 9, 0, 0, 0 } }) != 0)
		die("B does not map to u = 9");
	return b;
}

static void limbs(const num *a, uint64_t l[5])
{
	const uint64_t m = (UINT64_C(1) << 51) - 1;
	l[0] = a->w[0] & m;
	l[1] = (a->w[0] >> 51 | a->w[1] << 13) & m;
	l[2] = (a->w[1] >> 38 | a->w[2] << 26) & m;
	l[3] = (a->w[2] >> 25 | a->w[3] << 39) & m;
	l[4] = a->w[3] >> 12;
}

static void print_fe(const num *a, const char *pre, const char *post)
{
	uint64_t l[5];
	limbs(a, l);
	printf("%s{ 0x%013" PRIx64 ", 0x%013" PRIx64 ", 0x%013" PRIx64 ", 0x%013" PRIx64
	       ", 0x%013" PRIx64 " }%s\n", pre, l[0], l[1], l[2], l[3], l[4], post);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: x25519_table > src/crypto/x25519_table.h\n");
		return 2;
	}
	point b = base_point(), pj = b;
	printf("/*\n"
	       " * Generated by tests/tools/x25519_table.c:\n"
	       " *   build/tests/x25519_table > src/crypto/x25519_table.h\n"
	       " * Do not edit; x25519_test checks that this file is the generator's output.\n"
	       " *\n"
	       " * x25519_base_table[j][i] = (i+1) * 256^j * B, B the edwards25519 base\n"
	       " * point (RFC 8032 section 5.1), as (y+x, y-x, 2*d*x*y) mod p, each\n"
	       " * in radix 2^51 (five limbs below 2^51, least significant first).\n"
	       " */\n"
	       "static const uint64_t x25519_base_table[32][8][3][5] = {\n");
	for (int j = 0; j < 32; j++) {
		point q = pj;
		printf("\t{\t/* 256^%d B */\n", j);
		for (int i = 0; i < 8; i++) {
			num ypx, ymx, t2d, two = small(2);
			add(&ypx, &q.y, &q.x);
			sub(&ymx, &q.y, &q.x);
			mul(&t2d, &q.x, &q.y);
			mul(&t2d, &t2d, &D);
			mul(&t2d, &t2d, &two);
			print_fe(&ypx, "\t\t{ ", ",");
			print_fe(&ymx, "\t\t  ", ",");
			print_fe(&t2d, "\t\t  ", i < 7 ? " }," : " }");
			q = padd(&q, &pj);
		}
		printf("\t}%s\n", j < 31 ? "," : "");
		for (int k = 0; k < 8; k++)
			pj = padd(&pj, &pj);    /* 256 * pj */
	}
	printf("};\n");
	return 0;
}
