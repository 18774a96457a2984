/*
 * Bounded byte cursors for every parser and writer in sigil.
 *
 * sg_rd is a read-only view {p, n} over bytes someone else owns; it never
 * allocates or frees.  Every getter checks the remaining length first and
 * returns false, consuming nothing, when the input is too short.  Nested
 * length-prefixed blocks are read into a sub-cursor that the caller must
 * consume exactly (sg_rd_done), which is how "trailing bytes" are refused.
 *
 * sg_wr is an append-only writer.  It starts on caller storage (possibly on
 * the stack) and, unless created fixed, grows on the heap up to a hard cap.
 * Failure (cap reached, malloc failure, length prefix overflow) is sticky:
 * after the first failure every write is a no-op and sg_wr_ok() is false,
 * so a sequence of writes can be checked once at the end.
 */
#ifndef SG_BYTES_H
#define SG_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_MUST_CHECK __attribute__((warn_unused_result))

typedef struct sg_rd {
	const uint8_t *p;
	size_t n;
} sg_rd;

static inline void sg_rd_init(sg_rd *r, const uint8_t *p, size_t n)
{
	r->p = p;
	r->n = n;
}
static inline size_t sg_rd_left(const sg_rd *r) { return r->n; }
/* True when the cursor has been consumed exactly. */
static inline bool sg_rd_done(const sg_rd *r) { return r->n == 0; }

bool sg_rd_u8(sg_rd *r, uint8_t *v) SG_MUST_CHECK;
bool sg_rd_u16(sg_rd *r, uint16_t *v) SG_MUST_CHECK;
bool sg_rd_u24(sg_rd *r, uint32_t *v) SG_MUST_CHECK;
bool sg_rd_u32(sg_rd *r, uint32_t *v) SG_MUST_CHECK;
bool sg_rd_u64(sg_rd *r, uint64_t *v) SG_MUST_CHECK;
/* Borrow n bytes: *out points into the cursor's storage. */
bool sg_rd_bytes(sg_rd *r, const uint8_t **out, size_t n) SG_MUST_CHECK;
bool sg_rd_copy(sg_rd *r, uint8_t *out, size_t n) SG_MUST_CHECK;
bool sg_rd_skip(sg_rd *r, size_t n) SG_MUST_CHECK;
/* Split off the next n bytes as a sub-cursor. */
bool sg_rd_sub(sg_rd *r, sg_rd *sub, size_t n) SG_MUST_CHECK;
/* Read a 1-, 2- or 3-byte length, then that many bytes as a sub-cursor. */
bool sg_rd_vec8(sg_rd *r, sg_rd *sub) SG_MUST_CHECK;
bool sg_rd_vec16(sg_rd *r, sg_rd *sub) SG_MUST_CHECK;
bool sg_rd_vec24(sg_rd *r, sg_rd *sub) SG_MUST_CHECK;

typedef struct sg_wr {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t max;     /* growth stops here */
	bool heap;      /* buf was allocated by the writer */
	bool fixed;     /* never grow */
	bool failed;
} sg_wr;

/* A back-filled length prefix opened by sg_wr_open(). */
typedef struct sg_wr_mark {
	size_t at;
	uint8_t width;
} sg_wr_mark;

/* Start on caller storage `init` (may be NULL with cap 0); grows up to max. */
void sg_wr_init(sg_wr *w, uint8_t *init, size_t cap, size_t max);
/* A writer that must fit in buf[cap] and never allocates. */
void sg_wr_init_fixed(sg_wr *w, uint8_t *buf, size_t cap);
/* Release heap storage (wiping it first) and reset to empty. */
void sg_wr_free(sg_wr *w);
/* Forget the contents but keep the storage. */
static inline void sg_wr_reset(sg_wr *w) { w->len = 0; w->failed = false; }
static inline bool sg_wr_ok(const sg_wr *w) { return !w->failed; }

bool sg_wr_u8(sg_wr *w, uint8_t v);
bool sg_wr_u16(sg_wr *w, uint16_t v);
bool sg_wr_u24(sg_wr *w, uint32_t v);
bool sg_wr_u32(sg_wr *w, uint32_t v);
bool sg_wr_u64(sg_wr *w, uint64_t v);
bool sg_wr_bytes(sg_wr *w, const void *p, size_t n);
/* Reserve n bytes and return a pointer to them (NULL on failure). The
 * pointer is valid until the next write that may grow the buffer. */
uint8_t *sg_wr_space(sg_wr *w, size_t n);
/* Make room for at least n more bytes without writing them. */
bool sg_wr_reserve(sg_wr *w, size_t n);
/* Open a length prefix of `width` bytes (1..3); close it to back-fill. */
sg_wr_mark sg_wr_open(sg_wr *w, uint8_t width);
bool sg_wr_close(sg_wr *w, sg_wr_mark m);
/* Drop the first n bytes (after they were sent). */
void sg_wr_consume(sg_wr *w, size_t n);

/* Constant-time equality of two n-byte strings: true when equal. */
bool sg_ct_eq(const void *a, const void *b, size_t n);
/* Wipe memory in a way the compiler may not elide. */
void sg_wipe(void *p, size_t n);

static inline uint16_t sg_load16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void sg_store16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void sg_store64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* n bytes as 2n lower-case hex digits and a NUL: out holds 2n + 1. */
void sg_hex(const uint8_t *p, size_t n, char *out);

#endif
