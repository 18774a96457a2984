/*
 * TLS 1.2 key exchange: ServerKeyExchange and ClientKeyExchange for ECDHE
 * (RFC 8422 5.4, 5.7), then the master secret (RFC 5246 8.1, or the
 * extended one of RFC 7627 4) and the key block (RFC 5246 6.3).
 */
#include <string.h>

#include "tls/tls.h"

#define NAMED_CURVE 3   /* ECCurveType, RFC 8422 5.4 */

/* ServerECDHParams: curve_type, namedcurve, ECPoint public<1..2^8-1>. */
static int ecdh_params(sigil_conn *c, sg_wr *w)
{
	const struct sg_share *sh = &c->hs->own_shares[0];
	uint8_t pub[SG_MAX_KEX_PUB];
	size_t n = sh->group->kex->pub_len;
	if (n > sizeof pub || n > 255 || sg_kex_public(sh->key, pub) < 0)
		return SG_INTERNAL(c, "key share");
	sg_wr_u8(w, NAMED_CURVE);
	sg_wr_u16(w, sh->group->id);
	sg_wr_u8(w, (uint8_t)n);
	sg_wr_bytes(w, pub, n);
	return 0;
}

/* RFC 8422 5.4: params, then digitally-signed { client_random,
 * server_random, params } with a SignatureAndHashAlgorithm (RFC 5246
 * 4.7, 7.4.1.4.1). */
int sg_tls12_ske_send(sigil_conn *c, sg_wr *w)
{
	sg_hs *hs = c->hs;
	const sg_sigscheme *s = sg_sigscheme_find(hs->own_scheme);
	uint8_t tbs[64 + 4 + SG_MAX_KEX_PUB];
	sg_wr t;
	size_t start = w->len;
	if (!s || !hs->own || ecdh_params(c, w) < 0 || !sg_wr_ok(w))
		return SG_INTERNAL(c, "ServerKeyExchange");
	size_t plen = w->len - start;
	sg_wr_init_fixed(&t, tbs, sizeof tbs);
	sg_wr_bytes(&t, hs->peer_random, 32);
	sg_wr_bytes(&t, hs->random, 32);
	sg_wr_bytes(&t, w->buf + start, plen);
	if (!sg_wr_ok(&t))
		return SG_INTERNAL(c, "ServerKeyExchange");
	uint8_t sig[SG_MAX_SIG];
	size_t siglen = sizeof sig;
	if (sg_sign(hs->own->key, s->kind, s->hash, tbs, t.len, sig, &siglen) < 0)
		return SG_INTERNAL(c, "signing the ServerKeyExchange");
	sg_wr_u16(w, s->id);
	sg_wr_u16(w, (uint16_t)siglen);
	sg_wr_bytes(w, sig, siglen);
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ServerKeyExchange");
}

/* RFC 8422 5.7: ClientECDiffieHellmanPublic, ECPoint ecdh_Yc<1..2^8-1>;
 * the point is checked (on the curve, not the identity; X25519's
 * all-zero result refused) by sg_kex_derive. */
int sg_tls12_cke_recv(sigil_conn *c, sg_rd *r)
{
	sg_hs *hs = c->hs;
	const struct sg_share *sh = &hs->own_shares[0];
	sg_rd pt;
	if (!sg_rd_vec8(r, &pt) || !sg_rd_done(r) || sg_rd_done(&pt))
		return SG_DECODE(c, "ClientKeyExchange");
	if (!sh->key)
		return SG_INTERNAL(c, "key share");
	if (pt.n != sh->group->kex->pub_len || sg_kex_derive(sh->key, pt.p, pt.n, hs->shared) < 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the client's %s public value in ClientKeyExchange is not a valid point (RFC 8422 5.7)",
				sh->group->name);
	hs->shared_len = sh->group->kex->secret_len;
	sg_shares_free(hs);
	return 0;
}

/* The key block from the master secret: client_write_key,
 * server_write_key, client_write_IV, server_write_IV (RFC 5246 6.3; the
 * IVs are 4 bytes of salt for GCM, RFC 5288 3, and 12 for
 * ChaCha20-Poly1305, RFC 7905 2).  After the ClientKeyExchange, or in
 * an abbreviated handshake from the resumed session's master secret
 * (RFC 5246 7.4.1.3, 7.3) once both randoms are known. */
int sg_tls12_key_block(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	const sg_hash_class *h = c->suite->hash;
	const uint8_t *cr = c->role == SIGIL_SERVER ? hs->peer_random : hs->random;
	const uint8_t *sr = c->role == SIGIL_SERVER ? hs->random : hs->peer_random;
	uint8_t kb[2 * 32 + 2 * SG_AEAD_NONCE];
	size_t kl = c->suite->aead->key_len, il = c->suite->aead == &sg_chacha20poly1305 ? 12 : 4;
	int r = sg_tls12_prf(h, hs->master12, 48, "key expansion", sr, 32, cr, 32, kb, 2 * kl + 2 * il);
	if (r == 0) {
		memcpy(hs->kb_key[0], kb, kl);
		memcpy(hs->kb_key[1], kb + kl, kl);
		memcpy(hs->kb_iv[0], kb + 2 * kl, il);
		memcpy(hs->kb_iv[1], kb + 2 * kl + il, il);
	}
	sg_wipe(kb, sizeof kb);
	return r < 0 ? SG_INTERNAL(c, "PRF") : 0;
}

/* After the ClientKeyExchange: the master secret from the premaster
 * secret (the ECDH x-coordinate, RFC 8422 5.10), with RFC 7627 4's
 * session_hash when both sides use extended_master_secret, then the key
 * block. */
int sg_tls12_after_cke(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	const sg_hash_class *h = c->suite->hash;
	const uint8_t *cr = c->role == SIGIL_SERVER ? hs->peer_random : hs->random;
	const uint8_t *sr = c->role == SIGIL_SERVER ? hs->random : hs->peer_random;
	uint8_t th[SG_MAX_HASH];
	int r;
	if (hs->ems) {
		if (sg_transcript_hash(c, th) < 0)
			return SIGIL_ERROR;
		r = sg_tls12_prf(h, hs->shared, hs->shared_len, "extended master secret", th, h->out_len, NULL, 0,
				 hs->master12, 48);
	} else {
		r = sg_tls12_prf(h, hs->shared, hs->shared_len, "master secret", cr, 32, sr, 32, hs->master12, 48);
	}
	sg_wipe(hs->shared, sizeof hs->shared);
	if (r < 0)
		return SG_INTERNAL(c, "PRF");
	return sg_tls12_key_block(c);
}
