#include "bytes/bytes.h"

#include <stdlib.h>
#include <string.h>

static bool rd_uint(sg_rd *r, size_t width, uint64_t *v)
{
	if (r->n < width)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < width; i++)
		x = x << 8 | r->p[i];
	r->p += width;
	r->n -= width;
	*v = x;
	return true;
}

bool sg_rd_u8(sg_rd *r, uint8_t *v)
{
	uint64_t x;
	if (!rd_uint(r, 1, &x))
		return false;
	*v = (uint8_t)x;
	return true;
}

bool sg_rd_u16(sg_rd *r, uint16_t *v)
{
	uint64_t x;
	if (!rd_uint(r, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

bool sg_rd_u24(sg_rd *r, uint32_t *v)
{
	uint64_t x;
	if (!rd_uint(r, 3, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

bool sg_rd_u32(sg_rd *r, uint32_t *v)
{
	uint64_t x;
	if (!rd_uint(r, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

bool sg_rd_u64(sg_rd *r, uint64_t *v)
{
	return rd_uint(r, 8, v);
}

bool sg_rd_bytes(sg_rd *r, const uint8_t **out, size_t n)
{
	if (r->n < n)
		return false;
	*out = r->p;
	/* An empty cursor may have p == NULL, and NULL + 0 is undefined. */
	if (n) {
		r->p += n;
		r->n -= n;
	}
	return true;
}

bool sg_rd_copy(sg_rd *r, uint8_t *out, size_t n)
{
	const uint8_t *p;
	if (!sg_rd_bytes(r, &p, n))
		return false;
	if (n)
		memcpy(out, p, n);
	return true;
}

bool sg_rd_skip(sg_rd *r, size_t n)
{
	const uint8_t *p;
	return sg_rd_bytes(r, &p, n);
}

bool sg_rd_sub(sg_rd *r, sg_rd *sub, size_t n)
{
	const uint8_t *p;
	if (!sg_rd_bytes(r, &p, n))
		return false;
	sg_rd_init(sub, p, n);
	return true;
}

static bool rd_vec(sg_rd *r, sg_rd *sub, size_t width)
{
	sg_rd save = *r;
	uint64_t n;
	if (!rd_uint(r, width, &n) || !sg_rd_sub(r, sub, (size_t)n)) {
		*r = save;
		return false;
	}
	return true;
}

bool sg_rd_vec8(sg_rd *r, sg_rd *sub) { return rd_vec(r, sub, 1); }
bool sg_rd_vec16(sg_rd *r, sg_rd *sub) { return rd_vec(r, sub, 2); }
bool sg_rd_vec24(sg_rd *r, sg_rd *sub) { return rd_vec(r, sub, 3); }

void sg_wr_init(sg_wr *w, uint8_t *init, size_t cap, size_t max)
{
	w->buf = init;
	w->len = 0;
	w->cap = init ? cap : 0;
	w->max = max;
	w->heap = false;
	w->fixed = false;
	w->failed = false;
}

void sg_wr_init_fixed(sg_wr *w, uint8_t *buf, size_t cap)
{
	sg_wr_init(w, buf, cap, cap);
	w->fixed = true;
}

void sg_wr_free(sg_wr *w)
{
	if (w->heap) {
		sg_wipe(w->buf, w->cap);
		free(w->buf);
		w->buf = NULL;
		w->cap = 0;
		w->heap = false;
	}
	w->len = 0;
	w->failed = false;
}

bool sg_wr_reserve(sg_wr *w, size_t n)
{
	if (w->failed)
		return false;
	if (n <= w->cap - w->len)
		return true;
	/* len can exceed max when the initial storage was larger than max;
	 * then max - len would wrap and the growth loop below never end. */
	if (w->fixed || w->len > w->max || n > w->max - w->len) {
		w->failed = true;
		return false;
	}
	size_t want = w->len + n;
	size_t ncap = w->cap ? w->cap : 256;
	while (ncap < want)
		ncap = ncap > w->max / 2 ? w->max : ncap * 2;
	if (ncap > w->max)
		ncap = w->max;
	uint8_t *nb = malloc(ncap);
	if (!nb) {
		w->failed = true;
		return false;
	}
	if (w->len)
		memcpy(nb, w->buf, w->len);
	if (w->heap) {
		sg_wipe(w->buf, w->cap);
		free(w->buf);
	}
	w->buf = nb;
	w->cap = ncap;
	w->heap = true;
	return true;
}

uint8_t *sg_wr_space(sg_wr *w, size_t n)
{
	if (!sg_wr_reserve(w, n) || !w->buf)
		return NULL;
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

static bool wr_uint(sg_wr *w, uint64_t v, size_t width)
{
	uint8_t *p = sg_wr_space(w, width);
	if (!p)
		return false;
	for (size_t i = width; i-- > 0;) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	return true;
}

bool sg_wr_u8(sg_wr *w, uint8_t v) { return wr_uint(w, v, 1); }
bool sg_wr_u16(sg_wr *w, uint16_t v) { return wr_uint(w, v, 2); }
bool sg_wr_u24(sg_wr *w, uint32_t v) { return v < (1u << 24) ? wr_uint(w, v, 3) : (w->failed = true, false); }
bool sg_wr_u32(sg_wr *w, uint32_t v) { return wr_uint(w, v, 4); }
bool sg_wr_u64(sg_wr *w, uint64_t v) { return wr_uint(w, v, 8); }

bool sg_wr_bytes(sg_wr *w, const void *src, size_t n)
{
	/* Nothing to write succeeds even before any storage exists (where
	 * sg_wr_space has no pointer to return). */
	if (n == 0)
		return !w->failed;
	uint8_t *p = sg_wr_space(w, n);
	if (!p)
		return false;
	if (n)
		memcpy(p, src, n);
	return true;
}

sg_wr_mark sg_wr_open(sg_wr *w, uint8_t width)
{
	sg_wr_mark m = { w->len, width };
	if (width < 1 || width > 3)
		w->failed = true;
	else
		(void)wr_uint(w, 0, width);
	return m;
}

bool sg_wr_close(sg_wr *w, sg_wr_mark m)
{
	/* A mark from before a reset may lie past the end, and a width
	 * outside 1..3 would shift by 32 bits or more (undefined). */
	if (w->failed || m.width < 1 || m.width > 3 || m.at > w->len ||
	    w->len - m.at < m.width) {
		w->failed = true;
		return false;
	}
	size_t body = w->len - m.at - m.width;
	if (body >> (8 * m.width)) {
		w->failed = true;
		return false;
	}
	for (size_t i = m.width; i-- > 0;) {
		w->buf[m.at + i] = (uint8_t)body;
		body >>= 8;
	}
	return true;
}

void sg_wr_consume(sg_wr *w, size_t n)
{
	if (n >= w->len) {
		w->len = 0;
		return;
	}
	memmove(w->buf, w->buf + n, w->len - n);
	w->len -= n;
}

bool sg_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void sg_wipe(void *p, size_t n)
{
	/* explicit_bzero (glibc 2.25+) is a word-wide memset the compiler
	 * may not drop; a volatile byte loop costs 3 µs on a connection. */
	if (n)
		explicit_bzero(p, n);
}

void sg_hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}
