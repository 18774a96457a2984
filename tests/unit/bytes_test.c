/*
 * Tests of src/bytes: the read cursor (every getter at exact and short
 * lengths, nested length-prefixed blocks) and the writer (back-filled
 * prefixes, fixed storage, growth cap, sticky failure).
 */
#include <stdint.h>

#include "bytes/bytes.h"
#include "test.h"

static void test_getters(void)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint8_t u8, buf[9];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	const uint8_t *p;
	sg_rd r;

	/* Exact length succeeds and consumes all; one short fails and
	 * consumes nothing. */
	sg_rd_init(&r, in, 1);
	CHECK(sg_rd_u8(&r, &u8) && u8 == 1 && sg_rd_done(&r));
	CHECK(!sg_rd_u8(&r, &u8));
	sg_rd_init(&r, in, 2);
	CHECK(sg_rd_u16(&r, &u16) && u16 == 0x0102 && sg_rd_done(&r));
	sg_rd_init(&r, in, 1);
	CHECK(!sg_rd_u16(&r, &u16) && sg_rd_left(&r) == 1 && r.p == in);
	sg_rd_init(&r, in, 3);
	CHECK(sg_rd_u24(&r, &u32) && u32 == 0x010203 && sg_rd_done(&r));
	sg_rd_init(&r, in, 2);
	CHECK(!sg_rd_u24(&r, &u32) && sg_rd_left(&r) == 2);
	sg_rd_init(&r, in, 4);
	CHECK(sg_rd_u32(&r, &u32) && u32 == 0x01020304 && sg_rd_done(&r));
	sg_rd_init(&r, in, 3);
	CHECK(!sg_rd_u32(&r, &u32) && sg_rd_left(&r) == 3);
	sg_rd_init(&r, in, 8);
	CHECK(sg_rd_u64(&r, &u64) && u64 == 0x0102030405060708ull && sg_rd_done(&r));
	sg_rd_init(&r, in, 7);
	CHECK(!sg_rd_u64(&r, &u64) && sg_rd_left(&r) == 7);
	/* High bits are not sign-extended. */
	{
		static const uint8_t ff[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
		sg_rd_init(&r, ff, 8);
		CHECK(sg_rd_u64(&r, &u64) && u64 == 0xfffffffffffffffeull);
		sg_rd_init(&r, ff, 3);
		CHECK(sg_rd_u24(&r, &u32) && u32 == 0xffffff);
	}

	sg_rd_init(&r, in, sizeof(in));
	CHECK(sg_rd_bytes(&r, &p, 4) && p == in && sg_rd_left(&r) == 5);
	CHECK(!sg_rd_bytes(&r, &p, 6) && sg_rd_left(&r) == 5);
	CHECK(sg_rd_bytes(&r, &p, 0) && p == in + 4);
	CHECK(sg_rd_copy(&r, buf, 5) && buf[0] == 5 && buf[4] == 9 && sg_rd_done(&r));
	CHECK(!sg_rd_copy(&r, buf, 1));
	CHECK(sg_rd_copy(&r, buf, 0));
	sg_rd_init(&r, in, sizeof(in));
	CHECK(sg_rd_skip(&r, 9) && sg_rd_done(&r));
	CHECK(!sg_rd_skip(&r, 1));
	sg_rd_init(&r, in, sizeof(in));
	CHECK(!sg_rd_skip(&r, 10) && sg_rd_left(&r) == 9);
	CHECK(!sg_rd_skip(&r, SIZE_MAX) && sg_rd_left(&r) == 9);

	/* An empty cursor over no storage at all. */
	sg_rd_init(&r, NULL, 0);
	CHECK(sg_rd_done(&r));
	CHECK(!sg_rd_u8(&r, &u8));
	CHECK(sg_rd_skip(&r, 0));
	CHECK(sg_rd_copy(&r, buf, 0));
}

static void test_sub(void)
{
	/* 2-byte length 5, then a 1-byte vector of 3 inside, then 1 left. */
	static const uint8_t in[] = { 0x00, 0x05, 0x03, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	sg_rd r, sub, inner, tail;
	uint8_t u8;

	sg_rd_init(&r, in, sizeof(in));
	CHECK(sg_rd_vec16(&r, &sub) && sg_rd_left(&sub) == 5 && sg_rd_left(&r) == 1);
	CHECK(sg_rd_vec8(&sub, &inner) && sg_rd_left(&inner) == 3);
	/* The sub-cursor is not done until its last byte is read. */
	CHECK(!sg_rd_done(&sub));
	CHECK(sg_rd_u8(&sub, &u8) && u8 == 0xdd && sg_rd_done(&sub));
	CHECK(sg_rd_skip(&inner, 3) && sg_rd_done(&inner));
	CHECK(sg_rd_u8(&r, &u8) && u8 == 0xee && sg_rd_done(&r));

	/* Overruns: a length larger than what is left, at each width; the
	 * cursor is left where it was. */
	{
		static const uint8_t v8[] = { 0x03, 1, 2 };
		static const uint8_t v16[] = { 0x00, 0x03, 1, 2 };
		static const uint8_t v24[] = { 0x00, 0x00, 0x03, 1, 2 };
		static const uint8_t big24[] = { 0xff, 0xff, 0xff, 0 };
		sg_rd_init(&r, v8, sizeof(v8));
		CHECK(!sg_rd_vec8(&r, &sub) && sg_rd_left(&r) == 3 && r.p == v8);
		sg_rd_init(&r, v16, sizeof(v16));
		CHECK(!sg_rd_vec16(&r, &sub) && sg_rd_left(&r) == 4 && r.p == v16);
		sg_rd_init(&r, v24, sizeof(v24));
		CHECK(!sg_rd_vec24(&r, &sub) && sg_rd_left(&r) == 5 && r.p == v24);
		sg_rd_init(&r, big24, sizeof(big24));
		CHECK(!sg_rd_vec24(&r, &sub) && sg_rd_left(&r) == 4);
		/* Exact fits. */
		sg_rd_init(&r, v8, 1);
		CHECK(!sg_rd_vec8(&r, &sub));
		sg_rd_init(&r, v16, 1);
		CHECK(!sg_rd_vec16(&r, &sub) && sg_rd_left(&r) == 1);
		sg_rd_init(&r, v24, 2);
		CHECK(!sg_rd_vec24(&r, &sub) && sg_rd_left(&r) == 2);
	}
	/* A nested block that overruns its parent (but not the input):
	 * outer says 3, inner claims 4. */
	{
		static const uint8_t nest[] = { 0x03, 0x04, 1, 2, 3, 4 };
		sg_rd_init(&r, nest, sizeof(nest));
		CHECK(sg_rd_vec8(&r, &sub) && sg_rd_left(&sub) == 3);
		CHECK(!sg_rd_vec8(&sub, &inner) && sg_rd_left(&sub) == 3);
	}
	/* Empty vectors. */
	{
		static const uint8_t e[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
		sg_rd_init(&r, e, sizeof(e));
		CHECK(sg_rd_vec8(&r, &sub) && sg_rd_done(&sub));
		CHECK(sg_rd_vec16(&r, &sub) && sg_rd_done(&sub));
		CHECK(sg_rd_vec24(&r, &sub) && sg_rd_done(&sub) && sg_rd_done(&r));
	}
	/* sg_rd_sub. */
	sg_rd_init(&r, in, sizeof(in));
	CHECK(sg_rd_sub(&r, &tail, 8) && sg_rd_done(&r) && sg_rd_left(&tail) == 8);
	sg_rd_init(&r, in, sizeof(in));
	CHECK(!sg_rd_sub(&r, &tail, 9) && sg_rd_left(&r) == 8);
}

static void test_writer(void)
{
	static const uint8_t zeros[64];
	uint8_t store[8];
	sg_wr w;
	uint8_t *p;

	/* Starts on caller storage, grows to the heap. */
	sg_wr_init(&w, store, sizeof(store), 64);
	CHECK(sg_wr_u8(&w, 1) && sg_wr_u16(&w, 0x0203) && sg_wr_u24(&w, 0x040506));
	CHECK(w.len == 6 && w.buf == store && !w.heap);
	CHECK(sg_wr_u32(&w, 0x0708090a) && w.heap && w.buf != store);
	CHECK(sg_wr_u64(&w, 0x0b0c0d0e0f101112ull));
	CHECK(w.len == 18 && sg_wr_ok(&w));
	for (size_t i = 0; i < w.len; i++)
		CHECK(w.buf[i] == i + 1);
	/* Growth stops at max, and the failure sticks. */
	CHECK(sg_wr_bytes(&w, zeros, 46) && w.len == 64);
	CHECK(!sg_wr_u8(&w, 0) && !sg_wr_ok(&w) && w.len == 64);
	CHECK(!sg_wr_bytes(&w, NULL, 0));
	CHECK(sg_wr_space(&w, 0) == NULL);
	CHECK(!sg_wr_reserve(&w, 0));
	sg_wr_reset(&w);
	CHECK(sg_wr_ok(&w) && w.len == 0 && w.cap == 64);
	sg_wr_free(&w);
	CHECK(w.buf == NULL && w.cap == 0 && w.len == 0);

	/* From nothing; reserve; space. */
	sg_wr_init(&w, NULL, 100, 1000);
	CHECK(w.cap == 0);
	CHECK(sg_wr_bytes(&w, "", 0) && sg_wr_ok(&w) && w.len == 0);
	CHECK(sg_wr_reserve(&w, 300) && w.cap >= 300 && w.cap <= 1000 && w.len == 0);
	CHECK((p = sg_wr_space(&w, 3)) != NULL && w.len == 3);
	if (p)
		memcpy(p, "abc", 3);
	CHECK(memcmp(w.buf, "abc", 3) == 0);
	CHECK(!sg_wr_reserve(&w, 998) && !sg_wr_ok(&w));
	sg_wr_free(&w);
	sg_wr_init(&w, NULL, 0, 1000);
	CHECK(sg_wr_reserve(&w, 997) && sg_wr_space(&w, 1000) != NULL && w.cap == 1000);
	sg_wr_free(&w);
	/* SIZE_MAX requests do not wrap around. */
	sg_wr_init(&w, NULL, 0, SIZE_MAX);
	CHECK(sg_wr_u8(&w, 1));
	CHECK(!sg_wr_reserve(&w, SIZE_MAX));
	sg_wr_free(&w);

	/* Caller storage larger than max: no growth past it (and no hang). */
	sg_wr_init(&w, store, sizeof(store), 4);
	CHECK(sg_wr_u64(&w, 1) && w.len == 8 && !w.heap);
	CHECK(!sg_wr_u8(&w, 2) && !sg_wr_ok(&w) && w.len == 8);
	sg_wr_free(&w);

	/* Fixed writer: exact fit, then overflow. */
	sg_wr_init_fixed(&w, store, 4);
	CHECK(sg_wr_u32(&w, 0xdeadbeef) && w.len == 4 && store[0] == 0xde);
	CHECK(!sg_wr_u8(&w, 0) && !sg_wr_ok(&w) && w.buf == store);
	sg_wr_free(&w);         /* nothing on the heap: a reset */
	CHECK(sg_wr_ok(&w) && w.buf == store);
	sg_wr_init_fixed(&w, store, 4);
	CHECK(!sg_wr_u64(&w, 1) && w.len == 0 && !sg_wr_ok(&w));
	sg_wr_init_fixed(&w, store, 2);
	CHECK(!sg_wr_u24(&w, 1));

	/* A u24 beyond 24 bits is a failure, not a truncation. */
	sg_wr_init_fixed(&w, store, sizeof(store));
	CHECK(!sg_wr_u24(&w, 1u << 24) && !sg_wr_ok(&w) && w.len == 0);
}

static void test_prefix(void)
{
	uint8_t store[600];
	sg_wr w;
	sg_wr_mark m8, m16, m24;

	/* Nested back-filled prefixes of each width. */
	sg_wr_init(&w, NULL, 0, 4096);
	m24 = sg_wr_open(&w, 3);
	m16 = sg_wr_open(&w, 2);
	m8 = sg_wr_open(&w, 1);
	CHECK(sg_wr_bytes(&w, "xyz", 3));
	CHECK(sg_wr_close(&w, m8));
	CHECK(sg_wr_close(&w, m16));
	CHECK(sg_wr_u8(&w, 0x42));
	CHECK(sg_wr_close(&w, m24));
	{
		static const uint8_t want[] = { 0, 0, 7, 0, 4, 3, 'x', 'y', 'z', 0x42 };
		CHECK(w.len == sizeof(want) && memcmp(w.buf, want, sizeof(want)) == 0);
	}
	/* The bytes read back with the cursor. */
	{
		sg_rd r, a, b, c;
		uint8_t u8;
		sg_rd_init(&r, w.buf, w.len);
		CHECK(sg_rd_vec24(&r, &a) && sg_rd_done(&r));
		CHECK(sg_rd_vec16(&a, &b) && sg_rd_vec8(&b, &c) && sg_rd_done(&b));
		CHECK(sg_rd_skip(&c, 3) && sg_rd_done(&c));
		CHECK(sg_rd_u8(&a, &u8) && u8 == 0x42 && sg_rd_done(&a));
	}
	sg_wr_free(&w);

	/* A 1-byte prefix holds 255 bytes, not 256. */
	memset(store, 0x5a, sizeof(store));
	sg_wr_init(&w, NULL, 0, 4096);
	m8 = sg_wr_open(&w, 1);
	CHECK(sg_wr_bytes(&w, store, 255) && sg_wr_close(&w, m8) && w.buf[0] == 255);
	m8 = sg_wr_open(&w, 1);
	CHECK(sg_wr_bytes(&w, store, 256));
	CHECK(!sg_wr_close(&w, m8) && !sg_wr_ok(&w));
	/* Sticky: later writes and closes fail too. */
	CHECK(!sg_wr_u8(&w, 0) && !sg_wr_close(&w, m8));
	sg_wr_free(&w);
	/* A 2-byte prefix holds 65535. */
	{
		static uint8_t big[65536];
		sg_wr_init(&w, NULL, 0, 1 << 20);
		m16 = sg_wr_open(&w, 2);
		CHECK(sg_wr_bytes(&w, big, 65535) && sg_wr_close(&w, m16));
		CHECK(w.buf[0] == 0xff && w.buf[1] == 0xff);
		m16 = sg_wr_open(&w, 2);
		CHECK(sg_wr_bytes(&w, big, 65536) && !sg_wr_close(&w, m16));
		sg_wr_free(&w);
	}
	/* Widths other than 1..3 are refused. */
	sg_wr_init_fixed(&w, store, sizeof(store));
	m8 = sg_wr_open(&w, 0);
	CHECK(!sg_wr_ok(&w) && !sg_wr_close(&w, m8));
	sg_wr_init_fixed(&w, store, sizeof(store));
	m8 = sg_wr_open(&w, 4);
	CHECK(!sg_wr_ok(&w) && w.len == 0);
	/* Opening a prefix in a full fixed writer fails. */
	sg_wr_init_fixed(&w, store, 1);
	m16 = sg_wr_open(&w, 2);
	CHECK(!sg_wr_ok(&w) && !sg_wr_close(&w, m16));
	/* A mark made invalid by a reset does not write out of bounds. */
	sg_wr_init_fixed(&w, store, sizeof(store));
	m16 = sg_wr_open(&w, 2);
	CHECK(sg_wr_bytes(&w, "ab", 2));
	sg_wr_reset(&w);
	CHECK(!sg_wr_close(&w, m16) && !sg_wr_ok(&w));
	/* A bogus mark (width 0 or > 3) after a reset cleared the failure. */
	sg_wr_init_fixed(&w, store, sizeof(store));
	m8 = sg_wr_open(&w, 9);
	sg_wr_reset(&w);
	CHECK(sg_wr_bytes(&w, "abcdefghijkl", 12));
	CHECK(!sg_wr_close(&w, m8) && !sg_wr_ok(&w));
}

static void test_consume(void)
{
	uint8_t store[16];
	sg_wr w;
	sg_wr_init(&w, store, sizeof(store), sizeof(store));
	CHECK(sg_wr_bytes(&w, "abcdef", 6));
	sg_wr_consume(&w, 2);
	CHECK(w.len == 4 && memcmp(w.buf, "cdef", 4) == 0);
	sg_wr_consume(&w, 0);
	CHECK(w.len == 4);
	CHECK(sg_wr_bytes(&w, "gh", 2) && memcmp(w.buf, "cdefgh", 6) == 0);
	sg_wr_consume(&w, 6);
	CHECK(w.len == 0);
	CHECK(sg_wr_bytes(&w, "ij", 2));
	sg_wr_consume(&w, 100);
	CHECK(w.len == 0 && sg_wr_ok(&w));
}

static void test_ct(void)
{
	uint8_t a[33], b[33];
	memset(a, 7, sizeof(a));
	memset(b, 7, sizeof(b));
	CHECK(sg_ct_eq(a, b, sizeof(a)));
	CHECK(sg_ct_eq(a, b, 0));
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			CHECK(!sg_ct_eq(a, b, sizeof(a)));
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK(sg_ct_eq(a, b, sizeof(a)));
	sg_wipe(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		CHECK(a[i] == 0);
	sg_wipe(NULL, 0);
	/* The inline load/store helpers. */
	{
		uint8_t p[8];
		sg_store16(p, 0xbeef);
		CHECK(p[0] == 0xbe && p[1] == 0xef && sg_load16(p) == 0xbeef);
		sg_store64(p, 0x0102030405060708ull);
		CHECK(p[0] == 1 && p[7] == 8);
	}
}

int main(void)
{
	test_getters();
	test_sub();
	test_writer();
	test_prefix();
	test_consume();
	test_ct();
	return TEST_END();
}
