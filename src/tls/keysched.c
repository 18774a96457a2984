/* The TLS 1.3 key schedule, RFC 8446 section 7.1. */
#include <string.h>

#include "tls/tls.h"

/*
 * HKDF-Expand-Label(Secret, Label, Context, Length) =
 *     HKDF-Expand(Secret, HkdfLabel, Length)
 * struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
 *          opaque context<0..255>; } HkdfLabel;            (RFC 8446 7.1)
 */
int sg_hkdf_expand_label(const sg_hash_class *h, const uint8_t *secret, const char *label,
			 const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t llen = strlen(label);
	if (llen > 255 - 6 || ctx_len > 255 || out_len > 0xffff)
		return -1;
	size_t n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + llen);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	return sg_hkdf_expand(h, secret, h->out_len, info, n, out, out_len);
}

/* Derive-Secret(Secret, Label, Messages) with the transcript hash given. */
int sg_derive_secret(const sg_hash_class *h, const uint8_t *secret, const char *label,
		     const uint8_t *thash, uint8_t *out)
{
	return sg_hkdf_expand_label(h, secret, label, thash, h->out_len, out, h->out_len);
}

/*
 * Constants of the schedule for the two hashes of the TLS 1.3 suites:
 * Hash(""), and, for a handshake without a PSK, the salt of the
 * handshake secret, Derive-Secret(HKDF-Extract(0, 0^HashLen), "derived",
 * "") (RFC 8446 section 7.1: "if PSK is not in use, ... a string of
 * HashLen zeros").  The SHA-256 salt is RFC 8448 section 3's "derived
 * secret for handshake" 6f2615a1...; all four were computed with Python's
 * hmac/hashlib, and tests/unit/crypto_test.c recomputes them with
 * src/crypto.  This saves one HKDF-Extract, one HKDF-Expand-Label and
 * two hashes of "" per full handshake.
 */
static const struct ks_const {
	const sg_hash_class *h;
	uint8_t empty[SG_MAX_HASH], salt0[SG_MAX_HASH];
} ks_consts[] = {
	{ &sg_sha256,
	  {
		  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8,
		  0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		  0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55
	  },
	  {
		  0x6f, 0x26, 0x15, 0xa1, 0x08, 0xc7, 0x02, 0xc5, 0x67, 0x8f, 0x54, 0xfc,
		  0x9d, 0xba, 0xb6, 0x97, 0x16, 0xc0, 0x76, 0x18, 0x9c, 0x48, 0x25, 0x0c,
		  0xeb, 0xea, 0xc3, 0x57, 0x6c, 0x36, 0x11, 0xba
	  } },
	{ &sg_sha384,
	  {
		  0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
		  0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
		  0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
		  0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b
	  },
	  {
		  0x15, 0x91, 0xda, 0xc5, 0xcb, 0xbf, 0x03, 0x30, 0xa4, 0xa8, 0x4d, 0xe9,
		  0xc7, 0x53, 0x33, 0x0e, 0x92, 0xd0, 0x1f, 0x0a, 0x88, 0x21, 0x4b, 0x44,
		  0x64, 0x97, 0x2f, 0xd6, 0x68, 0x04, 0x9e, 0x93, 0xe5, 0x2f, 0x2b, 0x16,
		  0xfa, 0xd9, 0x22, 0xfd, 0xc0, 0x58, 0x44, 0x78, 0x42, 0x8f, 0x28, 0x2b
	  } },
};

static const struct ks_const *ks_const_of(const sg_hash_class *h)
{
	for (size_t i = 0; i < sizeof ks_consts / sizeof ks_consts[0]; i++)
		if (ks_consts[i].h == h)
			return &ks_consts[i];
	return NULL;
}

/* Derive-Secret(secret, "derived", "") needs the hash of the empty string. */
static int derived(const sg_hash_class *h, const uint8_t *secret, uint8_t *out)
{
	const struct ks_const *k = ks_const_of(h);
	uint8_t empty[SG_MAX_HASH];
	if (k)
		memcpy(empty, k->empty, h->out_len);
	else if (sg_hash(h, "", 0, empty) < 0)
		return -1;
	return sg_derive_secret(h, secret, "derived", empty, out);
}

int sg_ks_handshake(sigil_conn *c)
{
	const sg_hash_class *h = c->suite->hash;
	sg_hs *hs = c->hs;
	uint8_t zero[SG_MAX_HASH] = { 0 }, early[SG_MAX_HASH], salt[SG_MAX_HASH], th[SG_MAX_HASH];
	int ret = -1;

	/* The early secret is HKDF-Extract(0, PSK), with a string of zeros
	 * for the PSK in a full handshake. */
	const uint8_t *psk = hs->flags & SG_HS_PSK ? hs->psk : zero;
	const struct ks_const *k = hs->flags & SG_HS_PSK ? NULL : ks_const_of(h);
	if (k)
		memcpy(salt, k->salt0, h->out_len);
	else if (sg_hkdf_extract(h, NULL, 0, psk, h->out_len, early) < 0 || derived(h, early, salt) < 0)
		goto out;
	if (sg_hkdf_extract(h, salt, h->out_len, hs->shared, hs->shared_len, hs->hs_secret) < 0 ||
	    sg_transcript_hash(c, th) < 0 ||
	    sg_derive_secret(h, hs->hs_secret, "c hs traffic", th, hs->c_hs) < 0 ||
	    sg_derive_secret(h, hs->hs_secret, "s hs traffic", th, hs->s_hs) < 0)
		goto out;
	ret = 0;
out:
	sg_wipe(early, sizeof early);
	sg_wipe(salt, sizeof salt);
	sg_wipe(hs->shared, sizeof hs->shared);
	return ret;
}

int sg_ks_application(sigil_conn *c, uint8_t c_ap[SG_MAX_HASH], uint8_t s_ap[SG_MAX_HASH])
{
	const sg_hash_class *h = c->suite->hash;
	sg_hs *hs = c->hs;
	uint8_t zero[SG_MAX_HASH] = { 0 }, salt[SG_MAX_HASH], th[SG_MAX_HASH];
	int ret = -1;

	if (derived(h, hs->hs_secret, salt) < 0 ||
	    sg_hkdf_extract(h, salt, h->out_len, zero, h->out_len, hs->master) < 0 ||
	    sg_transcript_hash(c, th) < 0 ||
	    sg_derive_secret(h, hs->master, "c ap traffic", th, c_ap) < 0 ||
	    sg_derive_secret(h, hs->master, "s ap traffic", th, s_ap) < 0)
		goto out;
	ret = 0;
out:
	sg_wipe(salt, sizeof salt);
	return ret;
}

/* finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length);
 * verify_data = HMAC(finished_key, Transcript-Hash(...))   (RFC 8446 4.4.4) */
int sg_ks_finished(const sg_hash_class *h, const uint8_t *base, const uint8_t *thash, uint8_t *out)
{
	uint8_t key[SG_MAX_HASH];
	int ret = -1;
	if (sg_hkdf_expand_label(h, base, "finished", NULL, 0, key, h->out_len) == 0 &&
	    sg_hmac(h, key, h->out_len, thash, h->out_len, out) == 0)
		ret = 0;
	sg_wipe(key, sizeof key);
	return ret;
}

/* application_traffic_secret_N+1 =
 *     HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
 * (RFC 8446 7.2) */
int sg_ks_update(const sg_hash_class *h, uint8_t *secret)
{
	uint8_t next[SG_MAX_HASH];
	if (sg_hkdf_expand_label(h, secret, "traffic upd", NULL, 0, next, h->out_len) < 0)
		return -1;
	memcpy(secret, next, h->out_len);
	sg_wipe(next, sizeof next);
	return 0;
}

/* binder_key = Derive-Secret(Early Secret, "res binder", ""); the binder is
 * the Finished computation with it over the truncated ClientHello's
 * transcript hash (RFC 8446 4.2.11.2, 7.1). */
int sg_ks_binder(const sg_hash_class *h, const uint8_t *psk, const uint8_t *thash, uint8_t *out)
{
	uint8_t early[SG_MAX_HASH], empty[SG_MAX_HASH], bkey[SG_MAX_HASH];
	int ret = -1;
	if (sg_hkdf_extract(h, NULL, 0, psk, h->out_len, early) == 0 && sg_hash(h, "", 0, empty) == 0 &&
	    sg_derive_secret(h, early, "res binder", empty, bkey) == 0 &&
	    sg_ks_finished(h, bkey, thash, out) == 0)
		ret = 0;
	sg_wipe(early, sizeof early);
	sg_wipe(bkey, sizeof bkey);
	return ret;
}
