/*
 * Tests of src/crypto: Wycheproof known-answer vectors for every primitive
 * (tests/data/wycheproof/testvectors_v1), then round trips, tamper
 * tests and refusals that the vectors do not cover.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "tls/tls.h"
#include "json.h"
#include "test.h"

#define WP_DIR "/wycheproof/testvectors_v1/"

/* ---- vector plumbing ---- */

/* Hex member `key` of a test, decoded into a fresh buffer (never NULL on
 * success, even for ""); NULL if absent or malformed. */
static uint8_t *hexm(const sg_json *t, const char *key, size_t *len)
{
	const char *s = sg_json_get_str(t, key);
	size_t n, cap;
	uint8_t *b;
	if (!s)
		return NULL;
	cap = strlen(s) / 2 + 1;
	if (!(b = malloc(cap)))
		return NULL;
	n = sg_test_unhex(s, b, cap);
	if (n == (size_t)-1) {
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

static sg_json *load(const char *file)
{
	char path[1024], err[256];
	sg_json *j;
	snprintf(path, sizeof(path), "%s" WP_DIR "%s", sg_test_data(), file);
	j = sg_json_parse_file(path, err, sizeof(err));
	CHECK_MSG(j != NULL, "%s: %s", path, err);
	return j;
}

enum expect { VALID, INVALID, ACCEPTABLE, BAD_RESULT };

static enum expect expectation(const sg_json *t)
{
	const char *r = sg_json_get_str(t, "result");
	if (!r)
		return BAD_RESULT;
	if (!strcmp(r, "valid"))
		return VALID;
	if (!strcmp(r, "invalid"))
		return INVALID;
	if (!strcmp(r, "acceptable"))
		return ACCEPTABLE;
	return BAD_RESULT;
}

/* One CHECK per vector: valid must pass, invalid must fail, acceptable
 * may do either (it got here without crashing). */
static size_t judged;   /* vectors given a verdict, for the NOTE lines */

static void judge(const char *file, const sg_json *t, bool ok)
{
	int64_t id = -1;
	judged++;
	enum expect e = expectation(t);
	(void)sg_json_get_int(t, "tcId", &id);
	switch (e) {
	case VALID:
		CHECK_MSG(ok, "%s tcId %lld: valid vector rejected", file, (long long)id);
		break;
	case INVALID:
		CHECK_MSG(!ok, "%s tcId %lld: invalid vector accepted", file, (long long)id);
		break;
	case ACCEPTABLE:
		CHECK(1);
		break;
	default:
		CHECK_MSG(0, "%s tcId %lld: no result", file, (long long)id);
	}
}

static const sg_hash_class *hash_by_name(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "SHA-256"))
		return &sg_sha256;
	if (!strcmp(name, "SHA-384"))
		return &sg_sha384;
	if (!strcmp(name, "SHA-512"))
		return &sg_sha512;
	return NULL;
}

typedef void (*test_fn)(const char *file, const sg_json *group, const sg_json *t);

/* Runs fn over every test of every group; returns the number run. */
static size_t each_test(const char *file, test_fn fn)
{
	sg_json *j = load(file);
	const sg_json *groups = sg_json_get(j, "testGroups");
	size_t count = 0;
	CHECK_MSG(sg_json_len(groups) > 0, "%s: no test groups", file);
	for (size_t g = 0; g < sg_json_len(groups); g++) {
		const sg_json *grp = sg_json_at(groups, g);
		const sg_json *tests = sg_json_get(grp, "tests");
		for (size_t i = 0; i < sg_json_len(tests); i++) {
			fn(file, grp, sg_json_at(tests, i));
			count++;
		}
	}
	sg_json_free(j);
	return count;
}

/* ---- AEAD ---- */

static void aead_vector(const char *file, const sg_json *grp, const sg_json *t)
{
	int64_t ivbits = 0, keybits = 0, tagbits = 0;
	const sg_aead_class *a = NULL;
	uint8_t *key = NULL, *iv = NULL, *aad = NULL, *msg = NULL, *ct = NULL,
		*tag = NULL, *in = NULL, *out = NULL;
	size_t klen, ivlen, alen, mlen, clen, tlen;
	sg_aead_ctx *enc = NULL, *dec = NULL;
	bool ok = false;

	(void)sg_json_get_int(grp, "ivSize", &ivbits);
	(void)sg_json_get_int(grp, "keySize", &keybits);
	(void)sg_json_get_int(grp, "tagSize", &tagbits);
	/* TLS 1.3 uses only 96-bit nonces and 128-bit tags; other sizes are
	 * outside the interface. */
	if (ivbits != 96 || tagbits != 128)
		return;
	if (strstr(file, "chacha"))
		a = keybits == 256 ? &sg_chacha20poly1305 : NULL;
	else if (keybits == 128)
		a = &sg_aes128gcm;
	else if (keybits == 256)
		a = &sg_aes256gcm;
	if (!a)
		return;
	if (!(key = hexm(t, "key", &klen)) || !(iv = hexm(t, "iv", &ivlen)) ||
	    !(aad = hexm(t, "aad", &alen)) || !(msg = hexm(t, "msg", &mlen)) ||
	    !(ct = hexm(t, "ct", &clen)) || !(tag = hexm(t, "tag", &tlen)) ||
	    klen != a->key_len || ivlen != SG_AEAD_NONCE || tlen != SG_AEAD_TAG ||
	    clen != mlen) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	in = malloc(clen + SG_AEAD_TAG);
	out = malloc(clen + SG_AEAD_TAG);
	enc = sg_aead_new(a, key, true);
	dec = sg_aead_new(a, key, false);
	CHECK(in && out && enc && dec);
	if (!in || !out || !enc || !dec)
		goto done;
	memcpy(in, ct, clen);
	memcpy(in + clen, tag, SG_AEAD_TAG);
	/* Opening decides validity: it must recover msg.  For a valid vector
	 * sealing must also reproduce ct||tag exactly. */
	ok = sg_aead_open(dec, iv, aad, alen, in, clen + SG_AEAD_TAG, out) == 0 &&
	     (mlen == 0 || memcmp(out, msg, mlen) == 0);
	if (expectation(t) == VALID) {
		bool sealed = sg_aead_seal(enc, iv, aad, alen, msg, mlen, out) == 0 &&
			      memcmp(out, in, clen + SG_AEAD_TAG) == 0;
		CHECK_MSG(sealed, "%s: seal differs", file);
	}
	judge(file, t, ok);
done:
	sg_aead_free(enc);
	sg_aead_free(dec);
	free(key); free(iv); free(aad); free(msg); free(ct); free(tag);
	free(in); free(out);
}

/* ---- HMAC, HKDF ---- */

static const sg_hash_class *hash_from_file(const char *file)
{
	if (strstr(file, "sha256"))
		return &sg_sha256;
	if (strstr(file, "sha384"))
		return &sg_sha384;
	if (strstr(file, "sha512"))
		return &sg_sha512;
	return NULL;
}

static void hmac_vector(const char *file, const sg_json *grp, const sg_json *t)
{
	const sg_hash_class *h = hash_from_file(file);
	int64_t tagbits = 0;
	uint8_t *key = NULL, *msg = NULL, *tag = NULL, mac[SG_MAX_HASH];
	size_t klen, mlen, tlen;
	bool ok;

	(void)sg_json_get_int(grp, "tagSize", &tagbits);
	if (!h || !(key = hexm(t, "key", &klen)) || !(msg = hexm(t, "msg", &mlen)) ||
	    !(tag = hexm(t, "tag", &tlen)) || tagbits <= 0 ||
	    (size_t)tagbits / 8 != tlen || tlen > h->out_len) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	/* Truncated tags compare the leading bytes (RFC 2104 section 5). */
	ok = sg_hmac(h, key, klen, msg, mlen, mac) == 0 && memcmp(mac, tag, tlen) == 0;
	judge(file, t, ok);
done:
	free(key); free(msg); free(tag);
}

static void hkdf_vector(const char *file, const sg_json *grp, const sg_json *t)
{
	const sg_hash_class *h = hash_from_file(file);
	int64_t size = 0;
	uint8_t *ikm = NULL, *salt = NULL, *info = NULL, *okm = NULL, *out = NULL;
	uint8_t prk[SG_MAX_HASH];
	size_t ilen, slen, nlen, olen;
	bool ok;

	(void)grp;
	if (!h || !(ikm = hexm(t, "ikm", &ilen)) || !(salt = hexm(t, "salt", &slen)) ||
	    !(info = hexm(t, "info", &nlen)) || !(okm = hexm(t, "okm", &olen)) ||
	    !sg_json_get_int(t, "size", &size) || size < 0 || size > 1 << 20) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	out = malloc((size_t)size + 1);
	ok = out && sg_hkdf_extract(h, salt, slen, ikm, ilen, prk) == 0 &&
	     sg_hkdf_expand(h, prk, h->out_len, info, nlen, out, (size_t)size) == 0 &&
	     (size_t)size == olen && memcmp(out, okm, olen) == 0;
	judge(file, t, ok);
done:
	free(ikm); free(salt); free(info); free(okm); free(out);
}

/* ---- key exchange ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void kex_vector(const char *file, const sg_json *grp, const sg_json *t)
{
	const sg_kex_class *k = NULL;
	const char *curve = sg_json_get_str(grp, "curve");
	uint8_t *priv = NULL, *pub = NULL, *shared = NULL, scalar[SG_MAX_KEX_SECRET];
	uint8_t out[SG_MAX_KEX_SECRET];
	size_t prlen, plen, slen;
	sg_kex_key *key = NULL;
	bool ok = false;

	if (curve && !strcmp(curve, "curve25519"))
		k = &sg_x25519;
	else if (curve && !strcmp(curve, "secp256r1"))
		k = &sg_secp256r1;
	else if (curve && !strcmp(curve, "secp384r1"))
		k = &sg_secp384r1;
	if (!k || !(priv = hexm(t, "private", &prlen)) || !(pub = hexm(t, "public", &plen)) ||
	    !(shared = hexm(t, "shared", &slen))) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	if (k == &sg_x25519) {
		key = sg_kex_from_private(k, priv, prlen);
	} else {
		/* Wycheproof writes scalars as minimal two's-complement
		 * integers; the interface wants exactly the field size. */
		size_t off = 0;
		while (prlen - off > k->secret_len && priv[off] == 0)
			off++;
		if (prlen - off <= k->secret_len) {
			memset(scalar, 0, sizeof(scalar));
			memcpy(scalar + k->secret_len - (prlen - off), priv + off, prlen - off);
			key = sg_kex_from_private(k, scalar, k->secret_len);
		}
	}
	CHECK_MSG(key != NULL, "%s: private key refused", file);
	if (!key)
		goto done;
	if (sg_kex_derive(key, pub, plen, out) == 0) {
		/* Whatever the verdict, a secret we return must be right. */
		ok = slen == k->secret_len && memcmp(out, shared, slen) == 0;
		CHECK_MSG(ok, "%s: wrong shared secret", file);
	}
	/* RFC 8446 section 7.4.2: an all-zero X25519 secret is refused,
	 * although Wycheproof only calls these "acceptable". */
	if (k == &sg_x25519 && slen == 32 && all_zero(shared, 32))
		CHECK_MSG(!ok, "%s: all-zero X25519 secret accepted", file);
	judge(file, t, ok);
done:
	sg_kex_free(key);
	free(priv); free(pub); free(shared);
}

/* ---- signatures ---- */

static void sig_vector(const char *file, const sg_json *grp, const sg_json *t)
{
	const sg_hash_class *h = hash_by_name(sg_json_get_str(grp, "sha"));
	const char *type = sg_json_get_str(grp, "type");
	uint8_t *spki = NULL, *msg = NULL, *sig = NULL;
	size_t klen, mlen, slen;
	sg_sig_kind kind;
	sg_pkey *k = NULL;
	bool ok;

	if (!type) {
		CHECK_MSG(0, "%s: no group type", file);
		return;
	}
	if (!strcmp(type, "EcdsaVerify")) {
		kind = SG_SIG_ECDSA;
	} else if (!strcmp(type, "EddsaVerify")) {
		kind = SG_SIG_ED25519;
		h = NULL;
	} else if (!strcmp(type, "RsassaPkcs1Verify")) {
		kind = SG_SIG_RSA_PKCS1;
	} else if (!strcmp(type, "RsassaPssVerify")) {
		int64_t slen_g = -1;
		kind = SG_SIG_RSA_PSS;
		(void)sg_json_get_int(grp, "sLen", &slen_g);
		/* Only what TLS 1.3 allows: MGF1 with the same hash, salt =
		 * hash length.  (All groups of the files we read are so.) */
		if (!h || slen_g != (int64_t)h->out_len ||
		    hash_by_name(sg_json_get_str(grp, "mgfSha")) != h)
			return;
	} else {
		CHECK_MSG(0, "%s: unknown group type %s", file, type);
		return;
	}
	if ((kind != SG_SIG_ED25519 && !h) || !(spki = hexm(grp, "publicKeyDer", &klen)) ||
	    !(msg = hexm(t, "msg", &mlen)) || !(sig = hexm(t, "sig", &slen))) {
		CHECK_MSG(0, "%s: malformed vector", file);
		goto done;
	}
	k = sg_pkey_public_from_spki(spki, klen);
	CHECK_MSG(k != NULL, "%s: public key refused", file);
	ok = k && sg_verify(k, kind, h, msg, mlen, sig, slen) == 0;
	judge(file, t, ok);
done:
	sg_pkey_free(k);
	free(spki); free(msg); free(sig);
}

/* ---- hashes, HMAC, HKDF beyond the vectors ---- */

static void test_hash(void)
{
	/* FIPS 180-2 appendix B.1: SHA-256("abc"). */
	static const char *abc256 =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	uint8_t want[SG_MAX_HASH], got[SG_MAX_HASH], peek[SG_MAX_HASH];
	const sg_hash_class *hs[] = { &sg_sha256, &sg_sha384, &sg_sha512 };
	sg_hash_ctx *c;

	CHECK(sg_test_unhex(abc256, want, sizeof(want)) == 32);
	CHECK(sg_hash(&sg_sha256, "abc", 3, got) == 0);
	CHECK_MEM(got, want, 32);
	CHECK(sg_sha256.out_len == 32 && sg_sha384.out_len == 48 && sg_sha512.out_len == 64);
	CHECK(sg_sha256.block_len == 64 && sg_sha384.block_len == 128);

	/* A transcript: peek after each part equals the hash of the prefix,
	 * and peeking does not disturb the running hash. */
	for (size_t i = 0; i < 3; i++) {
		const sg_hash_class *h = hs[i];
		CHECK((c = sg_hash_new(h)) != NULL);
		if (!c)
			continue;
		CHECK(sg_hash_peek(c, peek) == 0);
		CHECK(sg_hash(h, "", 0, want) == 0);
		CHECK_MEM(peek, want, h->out_len);
		CHECK(sg_hash_update(c, "ab", 2) == 0);
		CHECK(sg_hash_peek(c, peek) == 0);
		CHECK(sg_hash_peek(c, peek) == 0);
		CHECK(sg_hash(h, "ab", 2, want) == 0);
		CHECK_MEM(peek, want, h->out_len);
		CHECK(sg_hash_update(c, "c", 1) == 0);
		CHECK(sg_hash_update(c, NULL, 0) == 0);
		CHECK(sg_hash_peek(c, peek) == 0);
		CHECK(sg_hash(h, "abc", 3, want) == 0);
		CHECK_MEM(peek, want, h->out_len);
		sg_hash_free(c);
	}
	sg_hash_free(NULL);
	CHECK(sg_hash_new(NULL) == NULL);
	CHECK(sg_hash_update(NULL, "a", 1) == -1);
	CHECK(sg_hash_peek(NULL, got) == -1);
}

/* The constants src/tls/keysched.c keeps for a handshake without a PSK
 * (RFC 8446 section 7.1): Hash("") and the handshake secret's salt,
 * Derive-Secret(HKDF-Extract(0, 0^HashLen), "derived", ""), recomputed
 * here; the SHA-256 salt is RFC 8448 section 3's. */
static void test_keysched_constants(void)
{
	static const struct {
		const sg_hash_class *h;
		const char *empty, *salt;
	} v[] = {
		{ &sg_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba" },
		{ &sg_sha384, "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
			      "274edebfe76f65fbd51ad2f14898b95b",
		  "1591dac5cbbf0330a4a84de9c753330e92d01f0a88214b4464972fd668049e93"
		  "e52f2b16fad922fdc0584478428f282b" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		const sg_hash_class *h = v[i].h;
		uint8_t zero[SG_MAX_HASH] = { 0 }, empty[SG_MAX_HASH], early[SG_MAX_HASH], salt[SG_MAX_HASH],
			want[SG_MAX_HASH];
		CHECK(sg_hash(h, "", 0, empty) == 0);
		CHECK(sg_test_unhex(v[i].empty, want, sizeof want) == h->out_len &&
		      memcmp(empty, want, h->out_len) == 0);
		CHECK(sg_hkdf_extract(h, NULL, 0, zero, h->out_len, early) == 0);
		CHECK(sg_derive_secret(h, early, "derived", empty, salt) == 0);
		CHECK(sg_test_unhex(v[i].salt, want, sizeof want) == h->out_len &&
		      memcmp(salt, want, h->out_len) == 0);
	}
}

static void test_hmac_hkdf(void)
{
	/* RFC 4231 test case 2: key "Jefe". */
	static const char *tc2 =
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	/* RFC 4231 test case 6: a 131-byte key (longer than the block). */
	static const char *tc6 =
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
	uint8_t key[131], want[SG_MAX_HASH], out[SG_MAX_HASH], prk1[SG_MAX_HASH],
		prk2[SG_MAX_HASH], zeros[SG_MAX_HASH] = { 0 }, big[255 * 32 + 1];
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";

	CHECK(sg_test_unhex(tc2, want, sizeof(want)) == 32);
	CHECK(sg_hmac(&sg_sha256, (const uint8_t *)"Jefe", 4,
		      (const uint8_t *)"what do ya want for nothing?", 28, out) == 0);
	CHECK_MEM(out, want, 32);
	memset(key, 0xaa, sizeof(key));
	CHECK(sg_test_unhex(tc6, want, sizeof(want)) == 32);
	CHECK(sg_hmac(&sg_sha256, key, sizeof(key), (const uint8_t *)m6, strlen(m6), out) == 0);
	CHECK_MEM(out, want, 32);
	CHECK(sg_hmac(NULL, key, 4, key, 4, out) == -1);

	/* RFC 5869 section 2.2: no salt = HashLen zeros. */
	CHECK(sg_hkdf_extract(&sg_sha384, NULL, 0, key, 22, prk1) == 0);
	CHECK(sg_hkdf_extract(&sg_sha384, zeros, 48, key, 22, prk2) == 0);
	CHECK_MEM(prk1, prk2, 48);
	/* Output length limit: 255 blocks. */
	CHECK(sg_hkdf_expand(&sg_sha256, prk1, 32, NULL, 0, big, 255 * 32) == 0);
	CHECK(sg_hkdf_expand(&sg_sha256, prk1, 32, NULL, 0, big, 255 * 32 + 1) == -1);
	/* A prefix of a longer output is the shorter output. */
	CHECK(sg_hkdf_expand(&sg_sha256, prk1, 32, key, 5, out, 40) == 0);
	CHECK(sg_hkdf_expand(&sg_sha256, prk1, 32, key, 5, big, 100) == 0);
	CHECK_MEM(out, big, 40);
	CHECK(sg_hkdf_expand(&sg_sha256, prk1, 32, key, 5, out, 0) == 0);
}

/* ---- AEAD beyond the vectors ---- */

static void test_aead_one(const sg_aead_class *a)
{
	uint8_t key[SG_MAX_AEAD_KEY], nonce[SG_AEAD_NONCE], aad[13], msg[40];
	uint8_t ct[sizeof(msg) + SG_AEAD_TAG], pt[sizeof(msg) + SG_AEAD_TAG];
	uint8_t buf[sizeof(msg) + SG_AEAD_TAG];
	sg_aead_ctx *enc, *dec;
	size_t clen = sizeof(ct);
	bool all_refused = true;

	CHECK(sg_random(key, sizeof(key)) == 0);
	CHECK(sg_random(nonce, sizeof(nonce)) == 0);
	CHECK(sg_random(aad, sizeof(aad)) == 0);
	CHECK(sg_random(msg, sizeof(msg)) == 0);
	enc = sg_aead_new(a, key, true);
	dec = sg_aead_new(a, key, false);
	CHECK(enc && dec);
	if (!enc || !dec)
		goto done;

	/* Round trip, then the same in place. */
	CHECK(sg_aead_seal(enc, nonce, aad, sizeof(aad), msg, sizeof(msg), ct) == 0);
	CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), ct, clen, pt) == 0);
	CHECK_MEM(pt, msg, sizeof(msg));
	memcpy(buf, msg, sizeof(msg));
	CHECK(sg_aead_seal(enc, nonce, aad, sizeof(aad), buf, sizeof(msg), buf) == 0);
	CHECK_MEM(buf, ct, clen);
	CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), buf, clen, buf) == 0);
	CHECK_MEM(buf, msg, sizeof(msg));

	/* Flip one bit in every byte of ciphertext||tag, then of the AAD
	 * and the nonce: each must be refused, and the context must still
	 * open the genuine record afterwards. */
	for (size_t i = 0; i < clen; i++) {
		memcpy(buf, ct, clen);
		buf[i] ^= 0x01;
		if (sg_aead_open(dec, nonce, aad, sizeof(aad), buf, clen, pt) == 0)
			all_refused = false;
	}
	CHECK(all_refused);
	for (size_t i = 0; i < sizeof(aad); i++) {
		aad[i] ^= 0x80;
		CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), ct, clen, pt) == -1);
		aad[i] ^= 0x80;
	}
	nonce[11] ^= 1;
	CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), ct, clen, pt) == -1);
	nonce[11] ^= 1;
	CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), ct, clen - 1, pt) == -1);
	CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), ct, clen, pt) == 0);
	CHECK_MEM(pt, msg, sizeof(msg));

	/* Shorter than a tag; a bare tag (empty plaintext) is fine. */
	for (size_t n = 0; n < SG_AEAD_TAG; n++)
		CHECK(sg_aead_open(dec, nonce, NULL, 0, ct, n, pt) == -1);
	CHECK(sg_aead_seal(enc, nonce, NULL, 0, NULL, 0, buf) == 0);
	CHECK(sg_aead_open(dec, nonce, NULL, 0, buf, SG_AEAD_TAG, pt) == 0);
	buf[0] ^= 1;
	CHECK(sg_aead_open(dec, nonce, NULL, 0, buf, SG_AEAD_TAG, pt) == -1);

	/* A context does one direction only. */
	CHECK(sg_aead_seal(dec, nonce, NULL, 0, msg, 4, buf) == -1);
	CHECK(sg_aead_open(enc, nonce, aad, sizeof(aad), ct, clen, pt) == -1);
	/* Another key cannot open. */
	key[0] ^= 1;
	sg_aead_free(dec);
	dec = sg_aead_new(a, key, false);
	CHECK(dec != NULL);
	CHECK(sg_aead_open(dec, nonce, aad, sizeof(aad), ct, clen, pt) == -1);
done:
	sg_aead_free(enc);
	sg_aead_free(dec);
}

static void test_aead(void)
{
	uint8_t key[32] = { 0 };
	test_aead_one(&sg_aes128gcm);
	test_aead_one(&sg_aes256gcm);
	test_aead_one(&sg_chacha20poly1305);
	CHECK(sg_aead_new(NULL, key, true) == NULL);
	CHECK(sg_aead_new(&sg_aes128gcm, NULL, true) == NULL);
	sg_aead_free(NULL);
}

/* ---- key exchange beyond the vectors ---- */

static void test_kex_one(const sg_kex_class *k)
{
	uint8_t pa[SG_MAX_KEX_PUB], pb[SG_MAX_KEX_PUB], bad[SG_MAX_KEX_PUB + 1];
	uint8_t sa[SG_MAX_KEX_SECRET], sb[SG_MAX_KEX_SECRET];
	sg_kex_key *a = sg_kex_generate(k), *b = sg_kex_generate(k);
	size_t n = k->pub_len;

	CHECK(a && b);
	if (!a || !b)
		goto done;
	CHECK(sg_kex_public(a, pa) == 0);
	CHECK(sg_kex_public(b, pb) == 0);
	CHECK(memcmp(pa, pb, n) != 0);
	CHECK(sg_kex_derive(a, pb, n, sa) == 0);
	CHECK(sg_kex_derive(b, pa, n, sb) == 0);
	CHECK_MEM(sa, sb, k->secret_len);

	/* Wrong lengths. */
	memcpy(bad, pb, n);
	bad[n] = 0;
	CHECK(sg_kex_derive(a, bad, n - 1, sa) == -1);
	CHECK(sg_kex_derive(a, bad, n + 1, sa) == -1);
	CHECK(sg_kex_derive(a, bad, 0, sa) == -1);
	CHECK(sg_kex_derive(a, NULL, n, sa) == -1);
	if (k == &sg_x25519) {
		/* Low-order points give an all-zero secret (RFC 7748 section
		 * 6.1): u = 0 and u = 1. */
		memset(bad, 0, n);
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
		bad[0] = 1;
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
	} else {
		size_t flen = (n - 1) / 2;
		/* The compressed form, at its own length and padded out. */
		bad[0] = (uint8_t)(0x02 | (pb[n - 1] & 1));
		memcpy(bad + 1, pb + 1, flen);
		CHECK(sg_kex_derive(a, bad, 1 + flen, sa) == -1);
		memcpy(bad, pb, n);
		bad[0] = 0x02;
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
		bad[0] = 0x06 | (pb[n - 1] & 1);        /* hybrid */
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
		/* Off the curve: change Y. */
		memcpy(bad, pb, n);
		bad[n - 1] ^= 1;
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
		/* Infinity: 0x00 alone, or all zeros at full length. */
		bad[0] = 0;
		CHECK(sg_kex_derive(a, bad, 1, sa) == -1);
		memset(bad, 0, n);
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
		bad[0] = 4;
		CHECK(sg_kex_derive(a, bad, n, sa) == -1);
		/* A point of the other NIST curve. */
		const sg_kex_class *o = k == &sg_secp256r1 ? &sg_secp384r1 : &sg_secp256r1;
		sg_kex_key *c = sg_kex_generate(o);
		CHECK(c && sg_kex_public(c, bad) == 0);
		CHECK(sg_kex_derive(a, bad, o->pub_len, sa) == -1);
		sg_kex_free(c);
	}
	/* Still works after the refusals. */
	CHECK(sg_kex_derive(a, pb, n, sa) == 0);
	CHECK_MEM(sa, sb, k->secret_len);

	/* Private keys: wrong sizes, zero scalar. */
	memset(bad, 0, sizeof(bad));
	CHECK(sg_kex_from_private(k, bad, k->secret_len + 1) == NULL);
	CHECK(sg_kex_from_private(k, bad, 31) == NULL);
	if (k != &sg_x25519) {
		CHECK(sg_kex_from_private(k, bad, k->secret_len) == NULL);
		memset(bad, 0xff, k->secret_len);       /* >= the group order */
		CHECK(sg_kex_from_private(k, bad, k->secret_len) == NULL);
	}
done:
	sg_kex_free(a);
	sg_kex_free(b);
}

static void test_kex(void)
{
	/* RFC 7748 section 6.1: Alice's private key and public key. */
	static const char *apriv =
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char *apub =
		"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	uint8_t priv[32], pub[32], got[32];
	sg_kex_key *k;

	CHECK(sg_x25519.group == 0x001d && sg_secp256r1.group == 0x0017 &&
	      sg_secp384r1.group == 0x0018);
	test_kex_one(&sg_x25519);
	test_kex_one(&sg_secp256r1);
	test_kex_one(&sg_secp384r1);
	CHECK(sg_test_unhex(apriv, priv, 32) == 32 && sg_test_unhex(apub, pub, 32) == 32);
	CHECK((k = sg_kex_from_private(&sg_x25519, priv, 32)) != NULL);
	CHECK(k && sg_kex_public(k, got) == 0);
	CHECK_MEM(got, pub, 32);
	sg_kex_free(k);
	sg_kex_free(NULL);
	CHECK(sg_kex_generate(NULL) == NULL);
	CHECK(sg_kex_public(NULL, got) == -1);
}

/* ---- keys and signatures beyond the vectors ---- */

#define KEY_DIR "tests/data/keys/"

static sg_pkey *load_pem(const char *name)
{
	size_t len;
	char *pem = sg_test_read_file(name, &len);
	sg_pkey *k;
	CHECK_MSG(pem != NULL, "cannot read %s (run from the repository root)", name);
	if (!pem)
		return NULL;
	k = sg_pkey_private_from_pem(pem, len);
	free(pem);
	return k;
}

static sg_pkey *public_of(const sg_pkey *k)
{
	uint8_t store[64];
	sg_wr w;
	sg_pkey *p = NULL;
	sg_wr_init(&w, store, sizeof(store), 1 << 16);
	if (sg_pkey_spki(k, &w) == 0 && sg_wr_ok(&w))
		p = sg_pkey_public_from_spki(w.buf, w.len);
	sg_wr_free(&w);
	return p;
}

/* Sign with k, verify with its public half; then every way of getting it
 * wrong must fail. */
static void sign_verify(const sg_pkey *k, sg_sig_kind kind, const sg_hash_class *h)
{
	static const uint8_t msg[] = "TLS 1.3, server CertificateVerify";
	uint8_t sig[SG_MAX_SIG + 1];
	size_t slen = sizeof(sig), small;
	sg_pkey *pub = public_of(k);

	CHECK(pub != NULL);
	CHECK(sg_sign(k, kind, h, msg, sizeof(msg), sig, &slen) == 0);
	CHECK(slen > 0 && slen <= sg_pkey_sig_max(k));
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg), sig, slen) == 0);
	CHECK(sg_verify(k, kind, h, msg, sizeof(msg), sig, slen) == 0);
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg) - 1, sig, slen) == -1);
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg), sig, slen - 1) == -1);
	sig[slen] = 0;
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg), sig, slen + 1) == -1);
	sig[slen / 2] ^= 0x10;
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg), sig, slen) == -1);
	sig[slen / 2] ^= 0x10;
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg), sig, 0) == -1);
	/* Errors of the failures above must not leak into the next call. */
	CHECK(sg_verify(pub, kind, h, msg, sizeof(msg), sig, slen) == 0);
	/* A public key cannot sign; a too-small buffer is refused. */
	small = slen;
	CHECK(sg_sign(pub, kind, h, msg, sizeof(msg), sig, &small) == -1);
	small = 8;
	CHECK(sg_sign(k, kind, h, msg, sizeof(msg), sig, &small) == -1);
	/* Another hash is another signature (Ed25519 has none). */
	if (h) {
		const sg_hash_class *o = h == &sg_sha256 ? &sg_sha384 : &sg_sha256;
		CHECK(sg_verify(pub, kind, o, msg, sizeof(msg), sig, slen) == -1);
		CHECK(sg_verify(pub, kind, NULL, msg, sizeof(msg), sig, slen) == -1);
	}
	sg_pkey_free(pub);
}

/* Kinds that a key of type t must refuse, sign and verify alike. */
static void wrong_kinds(const sg_pkey *k)
{
	static const uint8_t msg[] = "m";
	uint8_t sig[SG_MAX_SIG];
	size_t slen = sizeof(sig);
	sg_key_type t = sg_pkey_type(k);
	bool ec = t == SG_KEY_EC_P256 || t == SG_KEY_EC_P384 || t == SG_KEY_EC_P521;

	/* A valid signature of the key's own kind, presented as others. */
	sg_sig_kind own = ec ? SG_SIG_ECDSA : t == SG_KEY_RSA ? SG_SIG_RSA_PSS : SG_SIG_ED25519;
	const sg_hash_class *oh = own == SG_SIG_ED25519 ? NULL : &sg_sha256;
	CHECK(sg_sign(k, own, oh, msg, 1, sig, &slen) == 0);
	if (!ec) {
		size_t n = sizeof(sig);
		CHECK(sg_sign(k, SG_SIG_ECDSA, &sg_sha256, msg, 1, sig, &n) == -1);
		CHECK(sg_verify(k, SG_SIG_ECDSA, &sg_sha256, msg, 1, sig, slen) == -1);
	}
	if (t != SG_KEY_RSA) {
		size_t n = sizeof(sig);
		CHECK(sg_sign(k, SG_SIG_RSA_PKCS1, &sg_sha256, msg, 1, sig, &n) == -1);
		CHECK(sg_verify(k, SG_SIG_RSA_PSS, &sg_sha256, msg, 1, sig, slen) == -1);
		CHECK(sg_verify(k, SG_SIG_RSA_PKCS1, &sg_sha256, msg, 1, sig, slen) == -1);
	} else {
		/* PSS and PKCS#1 v1.5 are not interchangeable. */
		CHECK(sg_verify(k, SG_SIG_RSA_PKCS1, &sg_sha256, msg, 1, sig, slen) == -1);
	}
	if (t != SG_KEY_ED25519) {
		size_t n = sizeof(sig);
		CHECK(sg_sign(k, SG_SIG_ED25519, NULL, msg, 1, sig, &n) == -1);
		CHECK(sg_verify(k, SG_SIG_ED25519, NULL, msg, 1, sig, slen) == -1);
	} else {
		size_t n = sizeof(sig);
		/* PureEdDSA takes no hash. */
		CHECK(sg_sign(k, SG_SIG_ED25519, &sg_sha256, msg, 1, sig, &n) == -1);
		CHECK(sg_verify(k, SG_SIG_ED25519, &sg_sha512, msg, 1, sig, slen) == -1);
	}
	CHECK(sg_verify(k, (sg_sig_kind)99, oh, msg, 1, sig, slen) == -1);
	CHECK(sg_verify(k, own, oh, msg, 1, sig, slen) == 0);
}

static void all_kinds(const sg_pkey *k)
{
	switch (sg_pkey_type(k)) {
	case SG_KEY_EC_P256:
	case SG_KEY_EC_P384:
	case SG_KEY_EC_P521:
		sign_verify(k, SG_SIG_ECDSA, &sg_sha256);
		sign_verify(k, SG_SIG_ECDSA, &sg_sha384);
		sign_verify(k, SG_SIG_ECDSA, &sg_sha512);
		break;
	case SG_KEY_RSA:
		sign_verify(k, SG_SIG_RSA_PKCS1, &sg_sha256);
		sign_verify(k, SG_SIG_RSA_PSS, &sg_sha256);
		sign_verify(k, SG_SIG_RSA_PSS, &sg_sha384);
		sign_verify(k, SG_SIG_RSA_PSS, &sg_sha512);
		break;
	case SG_KEY_ED25519:
		sign_verify(k, SG_SIG_ED25519, NULL);
		break;
	default:
		CHECK_MSG(0, "unexpected key type %d", (int)sg_pkey_type(k));
	}
	wrong_kinds(k);
}

/* PEM out, PEM in: the same key, and it still signs. */
static void pem_round_trip(const sg_pkey *k)
{
	static const char head[] = "-----BEGIN PRIVATE KEY-----\n";
	sg_wr w;
	sg_pkey *back;
	sg_wr_init(&w, NULL, 0, 1 << 16);
	CHECK(sg_pkey_private_to_pem(k, &w) == 0);
	CHECK(w.len > sizeof(head) && memcmp(w.buf, head, sizeof(head) - 1) == 0);
	back = sg_pkey_private_from_pem((const char *)w.buf, w.len);
	CHECK(back != NULL);
	CHECK(sg_pkey_public_eq(k, back));
	CHECK(sg_pkey_type(back) == sg_pkey_type(k));
	sg_pkey_free(back);
	sg_wr_free(&w);
}

static void test_pem_files(void)
{
	static const struct {
		const char *file;
		sg_key_type type;
		size_t bits, sig_max;
	} keys[] = {
		{ KEY_DIR "p256_pkcs8.pem", SG_KEY_EC_P256, 256, 72 },
		{ KEY_DIR "p384_sec1.pem", SG_KEY_EC_P384, 384, 104 },
		{ KEY_DIR "rsa2048_pkcs1.pem", SG_KEY_RSA, 2048, 256 },
		{ KEY_DIR "ed25519_pkcs8.pem", SG_KEY_ED25519, 256, 64 },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		sg_pkey *k = load_pem(keys[i].file);
		CHECK_MSG(k != NULL, "%s refused", keys[i].file);
		if (!k)
			continue;
		CHECK(sg_pkey_type(k) == keys[i].type);
		CHECK_MSG(sg_pkey_bits(k) == keys[i].bits, "%s: %zu bits", keys[i].file,
			  sg_pkey_bits(k));
		CHECK_MSG(sg_pkey_sig_max(k) >= keys[i].sig_max &&
			  sg_pkey_sig_max(k) <= SG_MAX_SIG, "%s: sig_max %zu",
			  keys[i].file, sg_pkey_sig_max(k));
		all_kinds(k);
		pem_round_trip(k);
		sg_pkey_free(k);
	}
	/* Encrypted keys (PKCS#8 and legacy Proc-Type) are refused without
	 * a prompt; so are key types we do not sign with. */
	CHECK(load_pem(KEY_DIR "ed25519_encrypted_pkcs8.pem") == NULL);
	CHECK(load_pem(KEY_DIR "p384_sec1_encrypted.pem") == NULL);
	CHECK(load_pem(KEY_DIR "x448_pkcs8.pem") == NULL);
}

static void test_pem_text(void)
{
	size_t len;
	char *pem = sg_test_read_file(KEY_DIR "p256_pkcs8.pem", &len);
	char *text;
	sg_pkey *k;
	static const char *garbage[] = {
		"",
		"hello",
		"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\n"
		"MCowBQYDK2VwAyEAfU0Of2FTpptiQrUiq77mhf2kQg+INLEIw72uNp71Sfo=\n"
		"-----END PUBLIC KEY-----\n",
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		CHECK_MSG(sg_pkey_private_from_pem(garbage[i], strlen(garbage[i])) == NULL,
			  "garbage %zu accepted", i);
	CHECK(sg_pkey_private_from_pem(NULL, 0) == NULL);
	CHECK(pem != NULL);
	if (!pem)
		return;
	/* Truncated: the END line is cut off. */
	CHECK(sg_pkey_private_from_pem(pem, len - 20) == NULL);
	/* Another block first: the first key block is used. */
	text = malloc(len + 200);
	if (text) {
		int n = snprintf(text, len + 200,
				 "junk\n-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n%s", pem);
		k = sg_pkey_private_from_pem(text, (size_t)n);
		CHECK(k != NULL && sg_pkey_type(k) == SG_KEY_EC_P256);
		sg_pkey_free(k);
		free(text);
	}
	free(pem);
}

static void test_spki(void)
{
	uint8_t der[1024];
	sg_wr w;
	sg_pkey *a = sg_pkey_generate(SG_KEY_EC_P256, 0), *b = sg_pkey_generate(SG_KEY_EC_P256, 0);
	sg_pkey *pa;

	CHECK(a && b);
	sg_wr_init_fixed(&w, der, sizeof(der));
	CHECK(sg_pkey_spki(a, &w) == 0 && w.len == 91);
	pa = sg_pkey_public_from_spki(der, w.len);
	CHECK(pa != NULL);
	CHECK(sg_pkey_public_eq(a, pa));
	CHECK(sg_pkey_public_eq(pa, a));
	CHECK(!sg_pkey_public_eq(a, b));
	CHECK(!sg_pkey_public_eq(a, NULL));
	CHECK(sg_pkey_type(pa) == SG_KEY_EC_P256 && sg_pkey_bits(pa) == 256);
	/* A public key has no PEM private form. */
	sg_wr_reset(&w);
	CHECK(sg_pkey_private_to_pem(pa, &w) == -1);
	/* Exactly one SPKI: trailing or missing bytes are refused. */
	sg_wr_reset(&w);
	CHECK(sg_pkey_spki(a, &w) == 0);
	der[w.len] = 0;
	CHECK(sg_pkey_public_from_spki(der, w.len + 1) == NULL);
	CHECK(sg_pkey_public_from_spki(der, w.len - 1) == NULL);
	CHECK(sg_pkey_public_from_spki(der, 0) == NULL);
	CHECK(sg_pkey_public_from_spki(NULL, 10) == NULL);
	der[w.len - 1] ^= 1;    /* point off the curve */
	CHECK(sg_pkey_public_from_spki(der, w.len) == NULL);
	/* A fixed writer too small for the SPKI fails. */
	sg_wr_init_fixed(&w, der, 10);
	CHECK(sg_pkey_spki(a, &w) == -1);
	sg_pkey_free(pa);
	/* An 8192-bit RSA key: signatures would not fit SG_MAX_SIG. */
	{
		static const uint8_t head[] = {
			0x30, 0x82, 0x04, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
			0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03,
			0x82, 0x04, 0x0f, 0x00, 0x30, 0x82, 0x04, 0x0a, 0x02, 0x82,
			0x04, 0x01, 0x00,
		};
		static const uint8_t e[] = { 0x02, 0x03, 0x01, 0x00, 0x01 };
		static uint8_t big[sizeof(head) + 1024 + sizeof(e)];
		memcpy(big, head, sizeof(head));
		memset(big + sizeof(head), 0xff, 1024);
		memcpy(big + sizeof(head) + 1024, e, sizeof(e));
		CHECK(sg_pkey_public_from_spki(big, sizeof(big)) == NULL);
		/* The same construction at 4096 bits is accepted. */
		big[2] = 0x02; big[3] = 0x22; big[21] = 0x02; big[22] = 0x0f;
		big[26] = 0x02; big[27] = 0x0a; big[30] = 0x02; big[31] = 0x01;
		memcpy(big + sizeof(head) + 512, e, sizeof(e));
		pa = sg_pkey_public_from_spki(big, sizeof(head) + 512 + sizeof(e));
		CHECK(pa != NULL && sg_pkey_bits(pa) == 4096 && sg_pkey_sig_max(pa) == 512);
		sg_pkey_free(pa);
	}
	CHECK(sg_pkey_type(NULL) == SG_KEY_NONE && sg_pkey_bits(NULL) == 0 &&
	      sg_pkey_sig_max(NULL) == 0);
	sg_pkey_free(a);
	sg_pkey_free(b);
	sg_pkey_free(NULL);
}

static void test_generate(void)
{
	static const struct {
		sg_key_type t;
		size_t bits;
	} gen[] = {
		{ SG_KEY_EC_P256, 256 }, { SG_KEY_EC_P384, 384 }, { SG_KEY_EC_P521, 521 },
		{ SG_KEY_ED25519, 256 }, { SG_KEY_RSA, 2048 },
	};
	for (size_t i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
		sg_pkey *k = sg_pkey_generate(gen[i].t, gen[i].bits);
		CHECK_MSG(k != NULL, "generate type %d", (int)gen[i].t);
		if (!k)
			continue;
		CHECK(sg_pkey_type(k) == gen[i].t);
		CHECK(sg_pkey_bits(k) == gen[i].bits);
		all_kinds(k);
		pem_round_trip(k);
		sg_pkey_free(k);
	}
	CHECK(sg_pkey_generate(SG_KEY_RSA, 1024) == NULL);
	CHECK(sg_pkey_generate(SG_KEY_RSA, 2047) == NULL);
	CHECK(sg_pkey_generate(SG_KEY_NONE, 0) == NULL);
	CHECK(sg_pkey_private_to_pem(NULL, NULL) == -1);
}

/* RFC 8446 section 4.2.3: PSS salt = hash length, and nothing else.  The
 * openssl command signs with other salt lengths; skipped without it. */
static void test_pss_salt(void)
{
	char dir[] = "/tmp/sigil-pss-XXXXXX", cmd[1024], path[256];
	static const char msg[] = "salt length";
	sg_pkey *k = load_pem(KEY_DIR "rsa2048_pkcs1.pem");
	FILE *f;

	if (!k || !mkdtemp(dir)) {
		CHECK(0);
		sg_pkey_free(k);
		return;
	}
	snprintf(path, sizeof(path), "%s/msg", dir);
	if ((f = fopen(path, "wb"))) {
		fwrite(msg, 1, sizeof(msg) - 1, f);
		fclose(f);
	}
	for (int salt = 0; salt <= 64; salt += 16) {
		uint8_t *sig;
		size_t slen;
		snprintf(cmd, sizeof(cmd),
			 "openssl dgst -sha256 -sign " KEY_DIR "rsa2048_pkcs1.pem "
			 "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:%d "
			 "-out %s/sig%d %s/msg 2>/dev/null", salt, dir, salt, dir);
		if (system(cmd) != 0) {
			printf("SKIP PSS salt-length test: openssl command failed\n");
			break;
		}
		snprintf(path, sizeof(path), "%s/sig%d", dir, salt);
		sig = (uint8_t *)sg_test_read_file(path, &slen);
		CHECK(sig != NULL);
		if (sig)
			CHECK_MSG((sg_verify(k, SG_SIG_RSA_PSS, &sg_sha256, (const uint8_t *)msg,
					     sizeof(msg) - 1, sig, slen) == 0) == (salt == 32),
				  "PSS salt %d", salt);
		free(sig);
		remove(path);
	}
	snprintf(path, sizeof(path), "%s/msg", dir);
	remove(path);
	rmdir(dir);
	sg_pkey_free(k);
}

static void test_random(void)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 };
	CHECK(sg_random(a, sizeof(a)) == 0);
	CHECK(sg_random(b, sizeof(b)) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(sg_random(a, 0) == 0);
}

/* ---- the JSON test-support parser itself ---- */

static void test_json(void)
{
	static const char doc[] =
		" {\"a\": [1, -2.5e3, 0, true, false, null],\n"
		"  \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\",\n"
		"  \"o\": {\"\": {}}, \"nul\": \"x\\u0000y\", \"big\": 12345678901234} ";
	static const char *bad[] = {
		"", " ", "[1,]", "{\"a\":1,}", "01", "[01]", "1.", ".5", "-", "+1",
		"NaN", "[1] x", "[1][2]", "\"\\x\"", "\"a\x01\"", "{\"a\":1,\"a\":2}",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\xff\"",
		"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "tru", "nul", "[", "{\"a\"}",
		"{1:2}", "\"abc", "[1 2]", "1e", "'a'", "/* */ 1", "\"\\u12\"",
		"{\"a\\u0000b\":1}",
	};
	char err[128];
	char deep[SG_JSON_MAX_DEPTH + 2];
	sg_json *j = sg_json_parse(doc, strlen(doc), err, sizeof(err));
	const sg_json *a;
	const char *s;
	size_t len;
	int64_t iv;
	double dv;
	bool bv;

	CHECK_MSG(j != NULL, "%s", err);
	a = sg_json_get(j, "a");
	CHECK(sg_json_type_of(j) == SG_JSON_OBJECT && sg_json_len(j) == 5);
	CHECK(sg_json_type_of(a) == SG_JSON_ARRAY && sg_json_len(a) == 6);
	CHECK(sg_json_int(sg_json_at(a, 0), &iv) && iv == 1);
	CHECK(!sg_json_int(sg_json_at(a, 1), &iv));
	CHECK(sg_json_num(sg_json_at(a, 1), &dv) && dv == -2500.0);
	CHECK(sg_json_bool(sg_json_at(a, 3), &bv) && bv);
	CHECK(sg_json_bool(sg_json_at(a, 4), &bv) && !bv);
	CHECK(sg_json_type_of(sg_json_at(a, 5)) == SG_JSON_NULL);
	CHECK(sg_json_at(a, 6) == NULL);
	s = sg_json_str(sg_json_get(j, "s"), &len);
	CHECK(s && len == 15 && memcmp(s, "q\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80", 15) == 0);
	s = sg_json_str(sg_json_get(j, "nul"), &len);
	CHECK(s && len == 3 && memcmp(s, "x\0y", 3) == 0);
	CHECK(sg_json_get_int(j, "big", &iv) && iv == 12345678901234);
	CHECK(sg_json_len(sg_json_get(sg_json_get(j, "o"), "")) == 0);
	CHECK(sg_json_type_of(sg_json_get(sg_json_get(j, "o"), "")) == SG_JSON_OBJECT);
	CHECK(sg_json_key_at(j, 1) && !strcmp(sg_json_key_at(j, 1), "s"));
	CHECK(sg_json_key_at(j, 5) == NULL && sg_json_key_at(a, 0) == NULL);
	CHECK(sg_json_get(j, "missing") == NULL && sg_json_get(a, "a") == NULL);
	CHECK(sg_json_get_str(j, "a") == NULL && sg_json_str(NULL, NULL) == NULL);
	sg_json_free(j);
	sg_json_free(NULL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = sg_json_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		CHECK_MSG(j == NULL, "accepted bad JSON #%zu: %s", i, bad[i]);
		CHECK_MSG(j || err[0], "no error message for #%zu", i);
		sg_json_free(j);
	}
	/* Not NUL-terminated input: the length rules. */
	j = sg_json_parse("[1]]", 3, NULL, 0);
	CHECK(j != NULL);
	sg_json_free(j);
	/* Depth: exactly the limit parses, one more does not. */
	memset(deep, '[', sizeof(deep));
	j = sg_json_parse(deep, sizeof(deep), NULL, 0);
	CHECK(j == NULL);
	{
		char ok[2 * SG_JSON_MAX_DEPTH];
		memset(ok, '[', SG_JSON_MAX_DEPTH);
		memset(ok + SG_JSON_MAX_DEPTH, ']', SG_JSON_MAX_DEPTH);
		j = sg_json_parse(ok, sizeof(ok), NULL, 0);
		CHECK(j != NULL);
		sg_json_free(j);
		ok[0] = '{';
		CHECK(sg_json_parse(ok, sizeof(ok), NULL, 0) == NULL);
	}
}

static void test_wycheproof(void)
{
	static const struct {
		const char *file;
		test_fn fn;
		size_t min;     /* vectors that must have run */
	} files[] = {
		{ "aes_gcm_test.json", aead_vector, 133 },
		{ "chacha20_poly1305_test.json", aead_vector, 316 },
		{ "hmac_sha256_test.json", hmac_vector, 170 },
		{ "hmac_sha384_test.json", hmac_vector, 170 },
		{ "hkdf_sha256_test.json", hkdf_vector, 80 },
		{ "hkdf_sha384_test.json", hkdf_vector, 80 },
		{ "x25519_test.json", kex_vector, 500 },
		{ "ecdh_secp256r1_ecpoint_test.json", kex_vector, 350 },
		{ "ecdh_secp384r1_ecpoint_test.json", kex_vector, 780 },
		{ "ecdsa_secp256r1_sha256_test.json", sig_vector, 480 },
		{ "ecdsa_secp384r1_sha384_test.json", sig_vector, 500 },
		{ "ed25519_test.json", sig_vector, 150 },
		{ "rsa_signature_2048_sha256_test.json", sig_vector, 250 },
		{ "rsa_pss_2048_sha256_mgf1_32_test.json", sig_vector, 100 },
		{ "rsa_pss_2048_sha384_mgf1_48_test.json", sig_vector, 140 },
		{ "rsa_pss_3072_sha256_mgf1_32_test.json", sig_vector, 100 },
		{ "rsa_pss_4096_sha512_mgf1_64_test.json", sig_vector, 170 },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		unsigned before = sg_test_passed + sg_test_failed;
		size_t n;
		judged = 0;
		n = each_test(files[i].file, files[i].fn);
		CHECK_MSG(judged >= files[i].min, "%s: only %zu vectors judged",
			  files[i].file, judged);
		printf("NOTE %s: %zu of %zu vectors judged (others outside the "
		       "interface), %u checks\n", files[i].file, judged, n,
		       sg_test_passed + sg_test_failed - before);
	}
}

int main(void)
{
	CHECK(sg_crypto_init() == 0);
	CHECK(sg_crypto_init() == 0);
	test_wycheproof();
	test_hash();
	test_hmac_hkdf();
	test_keysched_constants();
	test_aead();
	test_kex();
	test_pem_files();
	test_pem_text();
	test_spki();
	test_generate();
	test_pss_salt();
	test_random();
	test_json();
	return TEST_END();
}
