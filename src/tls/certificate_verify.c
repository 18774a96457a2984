/* CertificateVerify, RFC 8446 4.4.3; TLS 1.2's (RFC 5246 7.4.8) is in
 * tls12_client.c (a client's) and tls12_handshake.c (a server reads). */
#include <string.h>

#include "tls/tls.h"

/* 64 spaces, the context string, a zero byte, the transcript hash. */
static size_t signed_content(sigil_conn *c, sigil_role signer, uint8_t *out)
{
	static const char sctx[] = "TLS 1.3, server CertificateVerify";
	static const char cctx[] = "TLS 1.3, client CertificateVerify";
	const char *ctx = signer == SIGIL_SERVER ? sctx : cctx;
	size_t n = 0;
	memset(out, 0x20, 64);
	n += 64;
	memcpy(out + n, ctx, sizeof sctx);      /* includes the zero byte */
	n += sizeof sctx;
	if (sg_transcript_hash(c, out + n) < 0)
		return 0;
	return n + c->suite->hash->out_len;
}

int sg_certificate_verify_send(sigil_conn *c, sg_wr *w)
{
	if (c->version == SG_TLS12)
		return sg_tls12_certificate_verify_send(c, w);
	sg_hs *hs = c->hs;
	const sg_sigscheme *s = sg_sigscheme_find(hs->own_scheme);
	uint8_t content[64 + 34 + SG_MAX_HASH];
	size_t n = signed_content(c, c->role, content);
	if (!n || !s)
		return SG_INTERNAL(c, "CertificateVerify");
	size_t siglen = sg_pkey_sig_max(hs->own->key);
	sg_wr_u16(w, s->id);
	sg_wr_mark m = sg_wr_open(w, 2);
	uint8_t *sig = sg_wr_space(w, siglen);
	if (!sig || sg_sign(hs->own->key, s->kind, s->hash, content, n, sig, &siglen) < 0)
		return SG_INTERNAL(c, "signing CertificateVerify failed");
	w->len -= sg_pkey_sig_max(hs->own->key) - siglen;
	sg_wr_close(w, m);
	if (c->role == SIGIL_SERVER)
		c->sigscheme = s->id;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "CertificateVerify");
}

int sg_certificate_verify_recv(sigil_conn *c, sg_rd *r)
{
	if (c->version == SG_TLS12)
		return sg_tls12_certificate_verify_recv(c, r);
	sg_hs *hs = c->hs;
	uint16_t scheme;
	sg_rd sig;
	if (!sg_rd_u16(r, &scheme) || !sg_rd_vec16(r, &sig) || !sg_rd_done(r) || sg_rd_done(&sig))
		return SG_DECODE(c, "CertificateVerify");
	/* 4.4.3: a scheme we offered, usable in TLS 1.3, fitting the key. */
	bool offered = false;
	for (size_t i = 0; i < c->cfg->nsigalgs; i++)
		offered |= c->cfg->sigalgs[i] == scheme;
	const sg_sigscheme *s = sg_sigscheme_find(scheme);
	if (!offered || !s || !s->handshake)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the peer signed with scheme 0x%04x, which we did not offer", scheme);
	if (sg_pkey_type(hs->peer_key) != s->key)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the peer signed with %s, which does not fit its certificate's key", s->name);
	uint8_t content[64 + 34 + SG_MAX_HASH];
	sigil_role peer = c->role == SIGIL_CLIENT ? SIGIL_SERVER : SIGIL_CLIENT;
	size_t n = signed_content(c, peer, content);
	if (!n)
		return SG_INTERNAL(c, "CertificateVerify");
	if (sg_verify(hs->peer_key, s->kind, s->hash, content, n, sig.p, sig.n) < 0)
		return SG_ALERT(c, SIGIL_ALERT_DECRYPT_ERROR,
				"the peer's CertificateVerify signature (%s) is invalid: it does not hold "
				"the key of its certificate", s->name);
	if (c->role == SIGIL_CLIENT)
		c->sigscheme = scheme;
	return 0;
}
