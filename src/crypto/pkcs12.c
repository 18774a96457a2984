/*
 * PKCS#12 (RFC 7292) output for the CA: a key and its certificate chain in
 * one password-protected file that browsers and OS key stores import.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "crypto/internal.h"

/* PBKDF2 iterations for both the key/cert encryption and the MAC: the
 * OpenSSL 3 default, which every current importer handles. */
#define P12_ITER 2048

int sg_pkcs12_write(const sg_pkey *key, const uint8_t *const *certs, const size_t *lens,
		    size_t n, const char *password, const char *friendly_name, sg_wr *out)
{
	sg_wr pem;
	BIO *b = NULL;
	EVP_PKEY *pk = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	PKCS12 *p12 = NULL;
	unsigned char *der = NULL;
	int dlen, ret = -1;
	sg_wr_init(&pem, NULL, 0, 1u << 20);

	if (!key || !certs || !lens || n == 0 || !password || !out || sg_crypto_init() != 0)
		goto err;
	/* sg_pkey is private to pkey.c: move the key across as PKCS#8 PEM,
	 * which is wiped on the way out. */
	if (sg_pkey_private_to_pem(key, &pem) != 0 || pem.len > INT32_MAX)
		goto err;
	if (!(b = BIO_new_mem_buf(pem.buf, (int)pem.len)) ||
	    !(pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)))
		goto err;
	if (!(chain = sk_X509_new_null()))
		goto err;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = certs[i];
		if (lens[i] > INT32_MAX)
			goto err;
		X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
		if (!x || p != certs[i] + lens[i]) {
			X509_free(x);
			goto err;
		}
		if (i == 0) {
			leaf = x;
		} else if (!sk_X509_push(chain, x)) {
			X509_free(x);
			goto err;
		}
	}
	if (X509_check_private_key(leaf, pk) != 1)
		goto err;
	/* PBES2 with AES-256-CBC and PBKDF2 for both bags; no MAC here
	 * (mac_iter -1) so that the MAC below can use SHA-256 rather than
	 * the SHA-1 default. */
	p12 = PKCS12_create(password, friendly_name, pk, leaf, chain,
			    NID_aes_256_cbc, NID_aes_256_cbc, P12_ITER, -1, 0);
	if (!p12)
		goto err;
	if (PKCS12_set_mac(p12, password, -1, NULL, 0, P12_ITER, EVP_sha256()) != 1)
		goto err;
	if ((dlen = i2d_PKCS12(p12, &der)) <= 0)
		goto err;
	if (!sg_wr_bytes(out, der, (size_t)dlen))
		goto err;
	ret = 0;
err:
	OPENSSL_free(der);
	PKCS12_free(p12);
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	EVP_PKEY_free(pk);
	BIO_free(b);
	sg_wr_free(&pem);
	sg_evp_clear_errors();
	return ret;
}
