/*
 * AEAD records (RFC 5116; TLS 1.3 record protection, RFC 8446 section
 * 5.2).  One EVP_CIPHER_CTX per key and direction: the key schedule is
 * expanded once in sg_aead_new and each record only sets its nonce, which
 * is the cheap path in libcrypto 3 (a full init per record re-runs the AES
 * key expansion and the provider's context set-up).
 */
#include "crypto/internal.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <string.h>

struct sg_aead_ctx {
	const sg_aead_class *a;
	EVP_CIPHER_CTX *c;
	bool encrypt;
};

sg_aead_ctx *sg_aead_new(const sg_aead_class *a, const uint8_t *key, bool encrypt)
{
	const EVP_CIPHER *cipher = sg_evp_cipher(a);
	sg_aead_ctx *c = NULL;
	if (!cipher || !key)
		return NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->a = a;
	c->encrypt = encrypt;
	if (!(c->c = EVP_CIPHER_CTX_new()))
		goto err;
	/* Both GCM and ChaCha20-Poly1305 default to a 12-byte IV, which is
	 * the TLS 1.3 per-record nonce length.  Asked of the cipher, not of
	 * the context: EVP_CIPHER_CTX_get_iv_length queries the provider's
	 * parameters (628 Ir a call under callgrind, 6 calls per
	 * handshake), the cipher keeps the default in a field. */
	if (EVP_CIPHER_get_iv_length(cipher) != SG_AEAD_NONCE)
		goto err;
	if (EVP_CipherInit_ex2(c->c, cipher, key, NULL, encrypt ? 1 : 0, NULL) != 1)
		goto err;
	return c;
err:
	sg_evp_clear_errors();
	sg_aead_free(c);
	return NULL;
}

void sg_aead_free(sg_aead_ctx *c)
{
	if (!c)
		return;
	/* EVP_CIPHER_CTX_free cleanses the expanded key. */
	EVP_CIPHER_CTX_free(c->c);
	free(c);
}

/* Nonce, then the additional data; the cipher context keeps its key. */
static int start(sg_aead_ctx *c, const uint8_t *nonce, const uint8_t *aad, size_t alen)
{
	int outl;
	if (EVP_CipherInit_ex(c->c, NULL, NULL, NULL, nonce, -1) != 1)
		return -1;
	if (alen && (alen > INT_MAX ||
		     EVP_CipherUpdate(c->c, NULL, &outl, aad, (int)alen) != 1))
		return -1;
	return 0;
}

int sg_aead_seal(sg_aead_ctx *c, const uint8_t nonce[SG_AEAD_NONCE],
		 const uint8_t *aad, size_t alen, const uint8_t *in, size_t len,
		 uint8_t *out)
{
	return sg_aead_seal2(c, nonce, aad, alen, in, len, NULL, 0, out);
}

int sg_aead_seal2(sg_aead_ctx *c, const uint8_t nonce[SG_AEAD_NONCE],
		  const uint8_t *aad, size_t alen, const uint8_t *in, size_t len,
		  const uint8_t *in2, size_t len2, uint8_t *out)
{
	int outl = 0, outl2 = 0, fin = 0;
	if (!c || !c->encrypt || len > INT_MAX - SG_AEAD_TAG || len2 > INT_MAX - SG_AEAD_TAG - len)
		return -1;
	if (start(c, nonce, aad, alen) != 0)
		goto err;
	/* GCM and ChaCha20-Poly1305 are stream modes: each update writes
	 * exactly its input's length, so the two parts land back to back. */
	if (len && EVP_CipherUpdate(c->c, out, &outl, in, (int)len) != 1)
		goto err;
	if (len2 && (EVP_CipherUpdate(c->c, out + outl, &outl2, in2, (int)len2) != 1))
		goto err;
	outl += outl2;
	len += len2;
	if (EVP_CipherFinal_ex(c->c, outl ? out + outl : out, &fin) != 1 ||
	    (size_t)outl + (size_t)fin != len)
		goto err;
	if (EVP_CIPHER_CTX_ctrl(c->c, EVP_CTRL_AEAD_GET_TAG, SG_AEAD_TAG, out + len) != 1)
		goto err;
	return 0;
err:
	sg_evp_clear_errors();
	return -1;
}

int sg_aead_open(sg_aead_ctx *c, const uint8_t nonce[SG_AEAD_NONCE],
		 const uint8_t *aad, size_t alen, const uint8_t *in, size_t len,
		 uint8_t *out)
{
	uint8_t tag[SG_AEAD_TAG];
	size_t clen = 0;
	int outl = 0, fin = 0;
	if (!c || c->encrypt || len < SG_AEAD_TAG || len > INT_MAX)
		return -1;
	clen = len - SG_AEAD_TAG;
	/* Copy the tag first: with out == in nothing overwrites it, but with
	 * another overlapping layout it could be. */
	memcpy(tag, in + clen, SG_AEAD_TAG);
	if (start(c, nonce, aad, alen) != 0)
		goto err;
	if (EVP_CIPHER_CTX_ctrl(c->c, EVP_CTRL_AEAD_SET_TAG, SG_AEAD_TAG, tag) != 1)
		goto err;
	if (clen && EVP_CipherUpdate(c->c, out, &outl, in, (int)clen) != 1)
		goto err;
	/* The tag is checked (in constant time, by the provider) here. */
	if (EVP_CipherFinal_ex(c->c, outl ? out + outl : out, &fin) != 1 ||
	    (size_t)outl + (size_t)fin != clen)
		goto err;
	return 0;
err:
	/* Never leave unauthenticated plaintext behind for a careless
	 * caller. */
	if (out && clen)
		OPENSSL_cleanse(out, clen);
	sg_evp_clear_errors();
	return -1;
}
