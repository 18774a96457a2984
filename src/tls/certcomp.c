/*
 * TLS certificate compression, RFC 8879: the CompressedCertificate
 * message (4), send and recv, and the one place that calls the
 * compression libraries (zlib, brotli, zstd).  The compress_certificate
 * extension (3) is an entry of extensions.c's table; handshake.c sends
 * and accepts this message where a TLS 1.3 Certificate goes.
 *
 * Sending.  A CompressedCertificate of our chain is made once per chain
 * and algorithm, on first use, and kept in the chain (sg_certkey.comp)
 * for the config's lifetime: a Certificate with an empty
 * certificate_request_context (the server's, and a client's in the
 * handshake, RFC 8446 4.3.2) and no CertificateEntry extensions (sigil
 * sends none) depends on the chain alone.  Anything else goes plain.
 *
 * Receiving.  The message is at most the Certificate limit
 * (handshake.c's table), and so is the uncompressed_length it declares;
 * the output buffer is exactly that length, and a stream that gives more
 * or fewer bytes, or bytes after its end, is bad_certificate (4).  The
 * decoders' own state is bounded too: zlib's by its 32 KiB window, zstd's
 * by decoding in one shot into our buffer (no window of its own), and
 * brotli's by an allocator with a budget (its window and Huffman tables
 * would otherwise follow what the stream asks for, up to 16 MiB).
 */
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "tls/tls.h"
#include "tls/certcomp.h"

/*
 * Our order of preference, as a server choosing among the client's and
 * as a client answering a CertificateRequest: brotli, then zstd, then
 * zlib.  On certificates brotli gives the smallest output of the three
 * (its built-in dictionary holds many of the strings of X.509 names and
 * URLs; tests/unit/tls_test.c prints the sizes for our chains), and it is
 * what browsers offer (Chromium offers brotli alone); zstd is next, and
 * zlib, the oldest, last.  Decompression is cheap for all three, and the
 * compression cost is paid once per chain, so we compress at each
 * library's highest level.
 */
const uint16_t sg_certcomp_prefs[3] = { SG_CERTCOMP_BROTLI, SG_CERTCOMP_ZSTD, SG_CERTCOMP_ZLIB };

const char *sg_certcomp_name(uint16_t alg)
{
	switch (alg) {
	case SG_CERTCOMP_ZLIB: return "zlib";
	case SG_CERTCOMP_BROTLI: return "brotli";
	case SG_CERTCOMP_ZSTD: return "zstd";
	default: return NULL;
	}
}

/* ---- the libraries ---- */

static int brotli_window(size_t n)
{
	int w = BROTLI_MIN_WINDOW_BITS;
	while (w < BROTLI_MAX_WINDOW_BITS && ((size_t)1 << w) - 16 < n)
		w++;
	return w;
}

int sg_certcomp_compress(uint16_t alg, const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
	size_t cap;
	*out = NULL;
	switch (alg) {
	case SG_CERTCOMP_ZLIB: cap = compressBound((uLong)n); break;
	case SG_CERTCOMP_BROTLI: cap = BrotliEncoderMaxCompressedSize(n); break;
	case SG_CERTCOMP_ZSTD: cap = ZSTD_compressBound(n); break;
	default: return -1;
	}
	uint8_t *b = cap ? malloc(cap) : NULL;
	if (!b)
		return -1;
	bool ok = false;
	if (alg == SG_CERTCOMP_ZLIB) {
		uLongf l = (uLongf)cap;
		ok = compress2(b, &l, in, (uLong)n, Z_BEST_COMPRESSION) == Z_OK;
		cap = l;
	} else if (alg == SG_CERTCOMP_BROTLI) {
		/* The smallest window that holds the message: what the
		 * decoder needs to allocate stays near its size. */
		ok = BrotliEncoderCompress(BROTLI_MAX_QUALITY, brotli_window(n), BROTLI_MODE_GENERIC, n, in, &cap, b) ==
		     BROTLI_TRUE;
	} else {
		/* ZSTD_compress writes the content size into the frame. */
		size_t r = ZSTD_compress(b, cap, in, n, ZSTD_maxCLevel());
		ok = !ZSTD_isError(r);
		cap = r;
	}
	if (!ok) {
		free(b);
		return -1;
	}
	*out = b;
	*outlen = cap;
	return 0;
}

/* brotli's allocations, counted against a budget. */
typedef struct budget {
	size_t used, cap;
} budget;

typedef union blk_head {
	size_t size;
	max_align_t align;
} blk_head;

static void *budget_alloc(void *opaque, size_t size)
{
	budget *b = opaque;
	if (size > b->cap - b->used)
		return NULL;
	blk_head *h = malloc(sizeof *h + size);
	if (!h)
		return NULL;
	h->size = size;
	b->used += size;
	return h + 1;
}

static void budget_free(void *opaque, void *p)
{
	budget *b = opaque;
	if (!p)
		return;
	blk_head *h = (blk_head *)p - 1;
	b->used -= h->size;
	free(h);
}

/* What brotli may hold beside the output: a ring buffer of the output's
 * size rounded up to a power of two (twice, for the slack it adds), and
 * Huffman tables (at most 256 literal trees of about 4 KiB each, and the
 * command and distance trees): 2 MiB covers the worst case of the
 * tables. */
static size_t brotli_budget(size_t want)
{
	size_t p = 1024;
	while (p < want)
		p <<= 1;
	return 2 * p + 2u * 1024 * 1024;
}

static int brotli_dec(const uint8_t *in, size_t n, uint8_t *out, size_t want)
{
	budget b = { 0, brotli_budget(want) };
	BrotliDecoderState *s = BrotliDecoderCreateInstance(budget_alloc, budget_free, &b);
	if (!s)
		return -1;
	size_t avail_in = n, avail_out = want;
	const uint8_t *next_in = in;
	uint8_t *next_out = out;
	BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
	BrotliDecoderDestroyInstance(s);
	/* The whole stream, ending exactly at `want` bytes: more output is
	 * NEEDS_MORE_OUTPUT, a truncated one NEEDS_MORE_INPUT. */
	return r == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0 && avail_out == 0 ? 0 : -1;
}

static int zlib_dec(const uint8_t *in, size_t n, uint8_t *out, size_t want)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)want;
	int r = inflate(&z, Z_FINISH);
	bool ok = r == Z_STREAM_END && z.avail_in == 0 && z.avail_out == 0;
	inflateEnd(&z);
	return ok ? 0 : -1;
}

static int zstd_dec(const uint8_t *in, size_t n, uint8_t *out, size_t want)
{
	/* A frame that names its size must name ours; one that does not is
	 * still bounded by the buffer. */
	unsigned long long fcs = ZSTD_getFrameContentSize(in, n);
	if (fcs == ZSTD_CONTENTSIZE_ERROR || (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != want))
		return -1;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	if (!d)
		return -1;
	size_t r = ZSTD_decompressDCtx(d, out, want, in, n);
	ZSTD_freeDCtx(d);
	return !ZSTD_isError(r) && r == want ? 0 : -1;
}

int sg_certcomp_decompress(uint16_t alg, const uint8_t *in, size_t n, uint8_t *out, size_t want)
{
	if (n == 0 || want == 0 || n > 0xffffff || want > 0xffffff)
		return -1;
	switch (alg) {
	case SG_CERTCOMP_ZLIB: return zlib_dec(in, n, out, want);
	case SG_CERTCOMP_BROTLI: return brotli_dec(in, n, out, want);
	case SG_CERTCOMP_ZSTD: return zstd_dec(in, n, out, want);
	default: return -1;
	}
}

/* ---- the message, RFC 8879 4 ---- */

uint16_t sg_certcomp_choose(const sigil_conn *c)
{
	const sg_hs *hs = c->hs;
	/* An empty client Certificate (no chain to show) and a
	 * post-handshake one (a context) go plain. */
	if (c->version != SIGIL_TLS13 || !hs->own || hs->cr_context_len != 0)
		return 0;
	const sigil_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->ncertcomp; i++)
		if (hs->comp_peer & (1u << cfg->certcomp[i]))
			return cfg->certcomp[i];
	return 0;
}

/* algorithm || uncompressed_length || compressed_certificate_message of
 * our chain's Certificate, made the way sg_certificate_send writes it. */
static struct sg_certcomp_msg *make(sigil_conn *c, uint16_t alg)
{
	uint8_t stack[1024];
	sg_wr cert;
	sg_wr_init(&cert, stack, sizeof stack, SIGIL_MAX_HANDSHAKE_MSG);
	struct sg_certcomp_msg *m = NULL;
	uint8_t *z = NULL;
	size_t zn = 0;
	if (sg_certificate_send(c, &cert) < 0 || cert.len == 0 ||
	    sg_certcomp_compress(alg, cert.buf, cert.len, &z, &zn) < 0 || zn == 0 || zn > 0xffffff)
		goto out;
	m = malloc(sizeof *m + 2 + 3 + 3 + zn);
	if (!m)
		goto out;
	uint8_t *p = m->body;
	sg_store16(p, alg);
	p[2] = (uint8_t)(cert.len >> 16), p[3] = (uint8_t)(cert.len >> 8), p[4] = (uint8_t)cert.len;
	p[5] = (uint8_t)(zn >> 16), p[6] = (uint8_t)(zn >> 8), p[7] = (uint8_t)zn;
	memcpy(p + 8, z, zn);
	m->len = 8 + zn;
out:
	free(z);
	sg_wr_free(&cert);
	return m;
}

/* The chain's message for alg: made by the first connection that needs
 * it, under the config's lock, then read without one. */
static const struct sg_certcomp_msg *cached(sigil_conn *c, uint16_t alg)
{
	/* The config is shared read-only; this cache is the one field
	 * written after it is in use, through atomics and the lock. */
	sg_certkey *ck = (sg_certkey *)c->hs->own;
	struct sg_certcomp_msg *m = atomic_load_explicit(&ck->comp[alg], memory_order_acquire);
	if (m)
		return m;
	pthread_mutex_lock(&c->cfg->lock);
	m = atomic_load_explicit(&ck->comp[alg], memory_order_relaxed);
	if (!m && (m = make(c, alg)) != NULL)
		atomic_store_explicit(&ck->comp[alg], m, memory_order_release);
	pthread_mutex_unlock(&c->cfg->lock);
	return m;
}

int sg_compressed_certificate_send(sigil_conn *c, sg_wr *w)
{
	uint16_t alg = sg_certcomp_choose(c);
	const struct sg_certcomp_msg *m = alg ? cached(c, alg) : NULL;
	if (!m)
		return SG_INTERNAL(c, "CompressedCertificate");
	sg_wr_bytes(w, m->body, m->len);
	/* As sg_certificate_send: a client's chain is followed by its
	 * CertificateVerify. */
	if (c->role == SIGIL_CLIENT)
		c->hs->flags |= SG_HS_CCV;
	else
		c->cert_comp = alg;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "CompressedCertificate");
}

int sg_compressed_certificate_recv(sigil_conn *c, sg_rd *r)
{
	uint16_t alg;
	uint32_t len;
	sg_rd z;
	if (!sg_rd_u16(r, &alg) || !sg_rd_u24(r, &len) || !sg_rd_vec24(r, &z) || sg_rd_done(&z) || !sg_rd_done(r))
		return SG_DECODE(c, "CompressedCertificate");
	/* 4: "The algorithm MUST be one of the algorithms listed in the
	 * peer's compress_certificate extension": another one breaks a rule
	 * of the protocol, illegal_parameter (RFC 8446 6.2).  A length after
	 * decompression other than uncompressed_length (that of the
	 * Certificate structure without its handshake header, errata 8753)
	 * "MUST abort the connection with the bad_certificate alert"; so
	 * does a stream that does not decompress at all. */
	if (alg > 7 || !(c->hs->comp_offered & (1u << alg)))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the peer compressed its Certificate with algorithm %u, which we did not offer", alg);
	uint32_t max = sg_hs_max_length(SG_HT_CERTIFICATE);
	if (len == 0 || len > max)
		return SG_ALERT(c, SIGIL_ALERT_BAD_CERTIFICATE,
				"CompressedCertificate declares %u bytes uncompressed (the limit is %u)", len, max);
	uint8_t *buf = malloc(len);
	if (!buf)
		return SG_INTERNAL(c, "out of memory");
	int ret;
	if (sg_certcomp_decompress(alg, z.p, z.n, buf, len) < 0) {
		ret = SG_ALERT(c, SIGIL_ALERT_BAD_CERTIFICATE,
			       "CompressedCertificate (%s) does not decompress to the %u bytes it declares",
			       sg_certcomp_name(alg), len);
	} else {
		sg_rd body;
		sg_rd_init(&body, buf, len);
		ret = sg_certificate_recv(c, &body);
		if (ret == 0 && c->role == SIGIL_CLIENT)
			c->cert_comp = alg;
	}
	free(buf);
	return ret < 0 ? SIGIL_ERROR : 0;
}

void sg_certcomp_free(sg_certkey *ck)
{
	for (size_t i = 0; i < sizeof ck->comp / sizeof ck->comp[0]; i++) {
		free(atomic_load_explicit(&ck->comp[i], memory_order_relaxed));
		atomic_store_explicit(&ck->comp[i], NULL, memory_order_relaxed);
	}
}

const char *sg_conn_cert_compression(const sigil_conn *c)
{
	return c ? sg_certcomp_name(c->cert_comp) : NULL;
}
