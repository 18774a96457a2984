/*
 * SHA-2, HMAC (RFC 2104) and HKDF (RFC 5869) over the digests fetched by
 * init.c.  HMAC is computed here from the key pads rather than through
 * EVP_MAC: the MAC provider re-fetches its digest by name on every init,
 * which dominates the cost of the short HMACs of the TLS 1.3 key schedule
 * (HKDF-Expand-Label runs about fifteen times per handshake).
 */
#include "crypto/internal.h"

#include <openssl/crypto.h>
#include <string.h>

#define MAX_BLOCK 128

struct sg_hash_ctx {
	const sg_hash_class *h;
	EVP_MD_CTX *md;
	/* Scratch copy for sg_hash_peek, kept so that transcript snapshots
	 * (several per handshake) do not allocate. */
	EVP_MD_CTX *peek;
};

sg_hash_ctx *sg_hash_new(const sg_hash_class *h)
{
	const EVP_MD *md = sg_evp_md(h);
	sg_hash_ctx *c = NULL;
	if (!md)
		return NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->h = h;
	if (!(c->md = EVP_MD_CTX_new()) || !(c->peek = EVP_MD_CTX_new()))
		goto err;
	if (EVP_DigestInit_ex2(c->md, md, NULL) != 1)
		goto err;
	return c;
err:
	sg_evp_clear_errors();
	sg_hash_free(c);
	return NULL;
}

sg_hash_ctx *sg_hash_dup(const sg_hash_ctx *src)
{
	sg_hash_ctx *c = src ? sg_hash_new(src->h) : NULL;
	if (c && EVP_MD_CTX_copy_ex(c->md, src->md) != 1) {
		sg_evp_clear_errors();
		sg_hash_free(c);
		return NULL;
	}
	return c;
}

int sg_hash_update(sg_hash_ctx *c, const void *p, size_t n)
{
	if (!c)
		return -1;
	if (n && EVP_DigestUpdate(c->md, p, n) != 1) {
		sg_evp_clear_errors();
		return -1;
	}
	return 0;
}

int sg_hash_peek(const sg_hash_ctx *c, uint8_t *out)
{
	return sg_hash_peek_more(c, NULL, 0, out);
}

int sg_hash_peek_more(const sg_hash_ctx *c, const void *more, size_t n, uint8_t *out)
{
	if (!c)
		return -1;
	/* Finalise a copy: the running context stays open for more
	 * transcript bytes. */
	if (EVP_MD_CTX_copy_ex(c->peek, c->md) != 1 ||
	    (n && EVP_DigestUpdate(c->peek, more, n) != 1) ||
	    EVP_DigestFinal_ex(c->peek, out, NULL) != 1) {
		sg_evp_clear_errors();
		return -1;
	}
	return 0;
}

void sg_hash_free(sg_hash_ctx *c)
{
	if (!c)
		return;
	/* EVP_MD_CTX_free cleanses the digest state it owns. */
	EVP_MD_CTX_free(c->md);
	EVP_MD_CTX_free(c->peek);
	free(c);
}

int sg_hash(const sg_hash_class *h, const void *p, size_t n, uint8_t *out)
{
	const EVP_MD *md = sg_evp_md(h);
	if (!md)
		return -1;
	if (EVP_Digest(p, n, out, NULL, md, NULL) != 1) {
		sg_evp_clear_errors();
		return -1;
	}
	return 0;
}

/*
 * HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)), RFC 2104 section 2,
 * where K' is K hashed if longer than a block, then zero-padded.  The
 * message is given in up to three parts so that HKDF-Expand needs no
 * concatenation buffer.  c is a caller-owned scratch context.
 */
static int hmac_parts(EVP_MD_CTX *c, const EVP_MD *md, const sg_hash_class *h,
		      const uint8_t *key, size_t klen,
		      const uint8_t *m1, size_t l1, const uint8_t *m2, size_t l2,
		      const uint8_t *m3, size_t l3, uint8_t *out)
{
	uint8_t pad[MAX_BLOCK], inner[SG_MAX_HASH];
	size_t bl = h->block_len;
	int ret = -1;

	memset(pad, 0, sizeof(pad));
	if (klen > bl) {
		if (EVP_Digest(key, klen, pad, NULL, md, NULL) != 1)
			goto err;
	} else if (klen) {
		memcpy(pad, key, klen);
	}
	for (size_t i = 0; i < bl; i++)
		pad[i] ^= 0x36;
	if (EVP_DigestInit_ex2(c, md, NULL) != 1 ||
	    EVP_DigestUpdate(c, pad, bl) != 1 ||
	    (l1 && EVP_DigestUpdate(c, m1, l1) != 1) ||
	    (l2 && EVP_DigestUpdate(c, m2, l2) != 1) ||
	    (l3 && EVP_DigestUpdate(c, m3, l3) != 1) ||
	    EVP_DigestFinal_ex(c, inner, NULL) != 1)
		goto err;
	/* 0x36 ^ 0x5c turns the inner pad into the outer one. */
	for (size_t i = 0; i < bl; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (EVP_DigestInit_ex2(c, md, NULL) != 1 ||
	    EVP_DigestUpdate(c, pad, bl) != 1 ||
	    EVP_DigestUpdate(c, inner, h->out_len) != 1 ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		goto err;
	ret = 0;
err:
	if (ret)
		sg_evp_clear_errors();
	/* The context is the thread's and stays: initialising it again
	 * overwrites the key-dependent state the outer hash left in it. */
	if (EVP_DigestInit_ex2(c, md, NULL) != 1)
		sg_evp_clear_errors();
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	return ret;
}

static int hmac3(const sg_hash_class *h, const uint8_t *key, size_t klen,
		 const uint8_t *m1, size_t l1, const uint8_t *m2, size_t l2,
		 const uint8_t *m3, size_t l3, uint8_t *out)
{
	const EVP_MD *md = sg_evp_md(h);
	EVP_MD_CTX *c = md ? sg_thread_md_ctx(h) : NULL;
	if (!c)
		return -1;
	return hmac_parts(c, md, h, key, klen, m1, l1, m2, l2, m3, l3, out);
}

int sg_hmac(const sg_hash_class *h, const uint8_t *key, size_t klen,
	    const uint8_t *msg, size_t mlen, uint8_t *out)
{
	return hmac3(h, key, klen, msg, mlen, NULL, 0, NULL, 0, out);
}

/* RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is
 * HashLen zeros, which HMAC's zero padding of the key makes equal to an
 * empty key. */
int sg_hkdf_extract(const sg_hash_class *h, const uint8_t *salt, size_t slen,
		    const uint8_t *ikm, size_t ilen, uint8_t *prk)
{
	if (!salt)
		slen = 0;
	return hmac3(h, salt, slen, ikm, ilen, NULL, 0, NULL, 0, prk);
}

/* RFC 5869 section 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i). */
int sg_hkdf_expand(const sg_hash_class *h, const uint8_t *prk, size_t plen,
		   const uint8_t *info, size_t ilen, uint8_t *out, size_t olen)
{
	const EVP_MD *md = sg_evp_md(h);
	EVP_MD_CTX *c = NULL;
	uint8_t t[SG_MAX_HASH];
	size_t tlen = 0, done = 0;
	int ret = -1;

	if (!md || olen > 255 * h->out_len)
		return -1;
	if (!(c = sg_thread_md_ctx(h)))
		return -1;
	for (uint8_t i = 1; done < olen; i++) {
		if (hmac_parts(c, md, h, prk, plen, t, tlen, info, ilen, &i, 1, t) != 0)
			goto err;
		tlen = h->out_len;
		size_t n = olen - done < tlen ? olen - done : tlen;
		memcpy(out + done, t, n);
		done += n;
	}
	ret = 0;
err:
	OPENSSL_cleanse(t, sizeof(t));
	return ret;
}
