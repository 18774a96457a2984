/*
 * The TLS 1.2 client (RFC 5246), the modern subset the server speaks
 * (tls12_handshake.c): what only a client reads or sends.  Its
 * ClientHello is TLS 1.3's, offering TLS 1.2 as well when the minimum
 * version allows it (client_hello.c, extensions.c); a ServerHello without
 * supported_versions comes here (server_hello.c, after the downgrade
 * sentinel of RFC 8446 4.1.3 is checked).  Then Certificate,
 * ServerKeyExchange (ECDHE, RFC 8422 5.4), an optional
 * CertificateRequest (7.4.4), ServerHelloDone; our ClientKeyExchange,
 * [Certificate, CertificateVerify], change_cipher_spec and Finished; the
 * server's change_cipher_spec and Finished.  The key derivation,
 * change_cipher_spec and Finished are shared with the server
 * (tls12_kex.c, tls12_handshake.c).  Renegotiation is refused
 * (handshake.c: a HelloRequest after the handshake is a fatal
 * handshake_failure).
 */
#include <string.h>

#include "tls/tls.h"

/* ECDHE_ECDSA then ECDHE_RSA for each AEAD (RFC 5289, 7905). */
static const struct { uint16_t id; bool ecdsa; } ids12[] = {
	{ 0xc02b, true }, { 0xc02f, false },    /* AES-128-GCM */
	{ 0xc02c, true }, { 0xc030, false },    /* AES-256-GCM */
	{ 0xcca9, true }, { 0xcca8, false },    /* ChaCha20-Poly1305 */
};
#define NIDS12 (sizeof ids12 / sizeof ids12[0])
#define NAMED_CURVE 3   /* ECCurveType, RFC 8422 5.4 */

static bool suite12_ecdsa(uint16_t id)
{
	for (size_t i = 0; i < NIDS12; i++)
		if (ids12[i].id == id)
			return ids12[i].ecdsa;
	return false;
}

/* The TLS 1.2 suites for the AEADs of our TLS 1.3 suites, in their
 * order: sigil_config_set_suites chooses both. */
static bool offered12(const sigil_config *cfg, uint16_t id)
{
	const sg_suite *s12 = sg_suite12_find(id);
	for (size_t i = 0; s12 && i < cfg->nsuites; i++) {
		const sg_suite *s = sg_suite_find(cfg->suites[i]);
		if (s && s->aead == s12->aead)
			return true;
	}
	return false;
}

void sg_tls12_client_suites(sigil_conn *c, sg_wr *w)
{
	const sigil_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->nsuites; i++) {
		const sg_suite *s = sg_suite_find(cfg->suites[i]);
		for (size_t j = 0; s && j < NIDS12; j++) {
			const sg_suite *s12 = sg_suite12_find(ids12[j].id);
			if (s12 && s12->aead == s->aead)
				sg_wr_u16(w, s12->id);
		}
	}
}

/* RFC 5246 7.4.1.3, with RFC 7627 and 5746 required. */
int sg_tls12_server_hello_recv(sigil_conn *c, sg_rd *r)
{
	sg_hs *hs = c->hs;
	uint16_t version, suite;
	const uint8_t *random;
	uint8_t comp;
	sg_rd sid, exts = { 0 };
	sg_ext_block b;

	if (!sg_rd_u16(r, &version) || !sg_rd_bytes(r, &random, 32) || !sg_rd_vec8(r, &sid) || sid.n > 32 ||
	    !sg_rd_u16(r, &suite) || !sg_rd_u8(r, &comp))
		return SG_DECODE(c, "TLS 1.2 ServerHello");
	if (!sg_rd_done(r) && (!sg_rd_vec16(r, &exts) || !sg_rd_done(r)))
		return SG_DECODE(c, "TLS 1.2 ServerHello");
	if (version != SG_TLS12)
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the server chose version 0x%04x; sigil speaks TLS 1.2 and 1.3 only", version);
	if (hs->flags & SG_HS_HRR)
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"a TLS 1.2 ServerHello after a TLS 1.3 HelloRetryRequest");
	/* Our legacy_session_id is random: of middlebox compatibility
	 * (RFC 8446 D.4), or sent with a TLS 1.2 ticket (RFC 5077 3.4).  A
	 * server that echoes it resumes that ticket's session, and must do
	 * so with its suite (RFC 5246 7.4.1.3); without a ticket offered it
	 * claims to resume a session we never had.  Another id: a full
	 * handshake. */
	bool resume = sid.n && sid.n == hs->session_id_len && memcmp(sid.p, hs->session_id, sid.n) == 0;
	if (resume && !hs->ticket12_offered)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the TLS 1.2 server resumes a session we never offered (it echoed our session id)");
	if (resume && suite != c->session->suite)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the TLS 1.2 server resumes our session with cipher suite 0x%04x, not its 0x%04x", suite,
				c->session->suite);
	const sg_suite *s = sg_suite12_find(suite);
	if (!s || !offered12(c->cfg, suite))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server chose cipher suite 0x%04x, which we did not offer", suite);
	if (comp != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the server chose TLS compression");

	c->version = SG_TLS12;
	c->suite = s;
	memcpy(hs->peer_random, random, 32);
	hs->session_id_len = 0;         /* no compatibility-mode change_cipher_spec in TLS 1.2 */
	hs->ems = hs->reneg_ok = hs->ch_uncompressed = false;
	if (sg_ext_process(c, SG_MSG_SH12, exts, &b) < 0)
		return SIGIL_ERROR;
	/* RFC 7627 5.3: a client may refuse a server without it; sigil
	 * does, as its DESIGN requires (the triple handshake attack). */
	if (!hs->ems)
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
				"the TLS 1.2 server does not support extended_master_secret (RFC 7627), which sigil "
				"requires");
	/* RFC 5746 4.1 lets a client go on without it; sigil does not talk
	 * to servers that may be open to renegotiation attacks. */
	if (!hs->reneg_ok)
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
				"the TLS 1.2 server does not send renegotiation_info (RFC 5746), which sigil requires");
	sg_shares_free(hs);             /* TLS 1.3's; ServerKeyExchange names the group */
	hs->flags |= SG_HS_NEGOTIATED | SG_HS_TLS12;
	/* Resumed (RFC 5246 7.3): keys from the session's master secret, no
	 * certificate; the server's CCS and Finished come next.  EMS was
	 * required above, as RFC 7627 5.3 requires for resumption. */
	if (resume) {
		memcpy(hs->master12, c->session->psk, 48);
		hs->flags |= SG_HS_PSK;
		c->resumed = true;
		if (sg_tls12_key_block(c) < 0)
			return SIGIL_ERROR;
		return sg_transcript_start(c, s->hash);
	}
	/* A TLS 1.2 CertificateVerify signs the messages themselves: keep
	 * them (the ClientHello is still in `pending`) when we may send one. */
	if (c->cfg->ncerts) {
		sg_wr_init(&hs->raw12, NULL, 0, 4 * (size_t)SIGIL_MAX_HANDSHAKE_MSG);
		if (!sg_wr_bytes(&hs->raw12, hs->pending.buf, hs->pending.len))
			return SG_INTERNAL(c, "transcript buffer");
		hs->keep_raw12 = true;
	}
	return sg_transcript_start(c, s->hash);
}

/* RFC 5246 7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>;
 * the same verification as TLS 1.3 (certificate.c), and a key for the
 * suite's authentication (RFC 8422 5.3: ECDSA-capable for ECDHE_ECDSA,
 * RFC 5246 7.4.2: RSA for ECDHE_RSA). */
int sg_tls12_certificate_recv(sigil_conn *c, sg_rd *r)
{
	sg_rd certs[SIGIL_MAX_CHAIN];
	size_t n;
	if (sg_tls12_cert_list(c, r, certs, &n) < 0)
		return SIGIL_ERROR;
	if (c->role != SIGIL_CLIENT)
		return SG_INTERNAL(c, "TLS 1.2 server Certificate");
	if (n == 0)
		return SG_ALERT(c, SIGIL_ALERT_DECODE_ERROR, "the server sent an empty certificate chain");
	if (sg_peer_chain_accept(c, certs, n) < 0)
		return SIGIL_ERROR;
	c->hs->peer_sent_cert = true;
	sg_key_type t = sg_pkey_type(c->hs->peer_key);
	bool ecdsa = suite12_ecdsa(c->suite->id);
	if (ecdsa ? !(sg_key_is_ec(t) || t == SG_KEY_ED25519) : t != SG_KEY_RSA)
		return SG_ALERT(c, SIGIL_ALERT_UNSUPPORTED_CERTIFICATE,
				"the server's certificate has %s key, but its suite %s needs %s", t == SG_KEY_RSA ?
				"an RSA" : "a non-RSA", c->suite->name, ecdsa ? "an ECDSA one" : "an RSA one");
	return 0;
}

/* A signature scheme of ours that fits the key in TLS 1.2's sense
 * (tls12_handshake.c's rule: ECDSA schemes name the hash only). */
static const sg_sigscheme *scheme12(const sigil_config *cfg, uint16_t id, sg_key_type t)
{
	const sg_sigscheme *s = sg_sigscheme_find(id);
	if (!s || !sg_in_list(cfg->sigalgs, cfg->nsigalgs, id))
		return NULL;
	if (s->kind == SG_SIG_ECDSA)
		return sg_key_is_ec(t) ? s : NULL;
	return s->key == t ? s : NULL;
}

/* RFC 8422 5.4: ServerECDHParams { curve_type named_curve, namedcurve,
 * ECPoint public<1..2^8-1> }, then digitally-signed { client_random,
 * server_random, params } (RFC 5246 4.7, 7.4.3) with a scheme we
 * offered; the group one we offered for TLS 1.2.  Then our key for that
 * group and the premaster secret (RFC 8422 5.10). */
int sg_tls12_ske_recv(sigil_conn *c, sg_rd *r)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	const uint8_t *params = r->p;
	uint8_t ctype;
	uint16_t gid, sid;
	sg_rd pt, sig;
	if (!sg_rd_u8(r, &ctype))
		return SG_DECODE(c, "ServerKeyExchange");
	if (ctype != NAMED_CURVE)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the ServerKeyExchange's curve type is %u, not named_curve (RFC 8422 5.4)", ctype);
	if (!sg_rd_u16(r, &gid) || !sg_rd_vec8(r, &pt) || sg_rd_done(&pt))
		return SG_DECODE(c, "ServerKeyExchange");
	size_t plen = (size_t)(r->p - params);
	if (!sg_rd_u16(r, &sid) || !sg_rd_vec16(r, &sig) || sg_rd_done(&sig) || !sg_rd_done(r))
		return SG_DECODE(c, "ServerKeyExchange");
	/* X25519MLKEM768 is a TLS 1.3 group only (draft-ietf-tls-ecdhe-mlkem:
	 * its key_share cannot be a TLS 1.2 ECPoint): never one a TLS 1.2
	 * server may pick, though supported_groups lists it for TLS 1.3. */
	const sg_group *g = sg_group_find(gid);
	if (gid == SIGIL_GROUP_X25519MLKEM768 || !g || !sg_in_list(cfg->groups, cfg->ngroups, gid))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server chose group 0x%04x for TLS 1.2 ECDHE, which we did not offer for TLS 1.2", gid);
	const sg_sigscheme *s = scheme12(cfg, sid, sg_pkey_type(hs->peer_key));
	if (!s)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server signed its ServerKeyExchange with scheme 0x%04x, which we did not offer "
				"for its certificate's key", sid);
	uint8_t tbs[64 + 1 + 2 + 1 + 255];
	memcpy(tbs, hs->random, 32);
	memcpy(tbs + 32, hs->peer_random, 32);
	memcpy(tbs + 64, params, plen);
	if (sg_verify(hs->peer_key, s->kind, s->hash, tbs, 64 + plen, sig.p, sig.n) < 0)
		return SG_ALERT(c, SIGIL_ALERT_DECRYPT_ERROR,
				"the server's ServerKeyExchange signature (%s) is invalid: it does not hold the key of "
				"its certificate", s->name);
	c->sigscheme = sid;
	sg_shares_free(hs);
	if (sg_share_new(c, g) < 0)
		return SIGIL_ERROR;
	if (pt.n != g->kex->pub_len || sg_kex_derive(hs->own_shares[0].key, pt.p, pt.n, hs->shared) < 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server's %s public value in ServerKeyExchange is not a valid point (RFC 8422 5.4)",
				g->name);
	hs->shared_len = g->kex->secret_len;
	c->group = gid;
	return 0;
}

/* RFC 8422 5.7: ClientECDiffieHellmanPublic, ECPoint ecdh_Yc<1..2^8-1>. */
int sg_tls12_cke_send(sigil_conn *c, sg_wr *w)
{
	sg_hs *hs = c->hs;
	const struct sg_share *sh = &hs->own_shares[0];
	if (!hs->nown_shares || !sh->key || sh->group->kex->pub_len > 255)
		return SG_INTERNAL(c, "key share");
	size_t n = sh->group->kex->pub_len;
	sg_wr_u8(w, (uint8_t)n);
	uint8_t *pub = sg_wr_space(w, n);
	if (!pub || sg_kex_public(sh->key, pub) < 0)
		return SG_INTERNAL(c, "key share");
	sg_shares_free(hs);
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ClientKeyExchange");
}

/* RFC 5246 7.4.4: ClientCertificateType certificate_types<1..2^8-1>,
 * SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>,
 * DistinguishedName certificate_authorities<0..2^16-1>.  Our chain and
 * scheme are chosen as in TLS 1.3 (certificate.c); without one that
 * fits, an empty Certificate answers (7.4.6). */
int sg_tls12_certificate_request_recv(sigil_conn *c, sg_rd *r)
{
	sg_hs *hs = c->hs;
	sg_rd types, algs, cas;
	if (!sg_rd_vec8(r, &types) || sg_rd_done(&types) || !sg_rd_vec16(r, &algs) || sg_rd_done(&algs) ||
	    algs.n % 2 || !sg_rd_vec16(r, &cas) || !sg_rd_done(r))
		return SG_DECODE(c, "TLS 1.2 CertificateRequest");
	for (sg_rd l = cas; !sg_rd_done(&l);) {
		sg_rd name;
		if (!sg_rd_vec16(&l, &name) || sg_rd_done(&name))
			return SG_DECODE(c, "TLS 1.2 CertificateRequest certificate_authorities");
	}
	bool rsa = false, ecdsa = false;
	for (size_t i = 0; i < types.n; i++) {
		rsa |= types.p[i] == 1;                 /* rsa_sign */
		ecdsa |= types.p[i] == 64;              /* ecdsa_sign, RFC 8422 5.5 */
	}
	hs->npeer_sigalgs = 0;
	while (!sg_rd_done(&algs)) {
		uint16_t v;
		if (!sg_rd_u16(&algs, &v))
			return SG_DECODE(c, "TLS 1.2 CertificateRequest");
		const sg_sigscheme *s = sg_sigscheme_find(v);
		bool type_ok = s && (s->key == SG_KEY_RSA ? rsa : ecdsa);
		if (type_ok && hs->npeer_sigalgs < SG_MAX_LIST && !sg_in_list(hs->peer_sigalgs, hs->npeer_sigalgs, v))
			hs->peer_sigalgs[hs->npeer_sigalgs++] = v;
	}
	hs->ca_names = cas;
	if (sg_choose_certificate(c) < 0)
		return SIGIL_ERROR;
	hs->ca_names.n = 0;
	if (hs->own)
		hs->flags |= SG_HS_CCV;
	else
		hs->keep_raw12 = false;
	return 0;
}

/* RFC 5246 7.4.8: digitally-signed { handshake_messages } with the
 * scheme chosen from the CertificateRequest's list. */
int sg_tls12_certificate_verify_send(sigil_conn *c, sg_wr *w)
{
	sg_hs *hs = c->hs;
	const sg_sigscheme *s = sg_sigscheme_find(hs->own_scheme);
	if (!s || !hs->own || !hs->keep_raw12 || !sg_wr_ok(&hs->raw12))
		return SG_INTERNAL(c, "CertificateVerify");
	size_t siglen = sg_pkey_sig_max(hs->own->key), max = siglen;
	sg_wr_u16(w, s->id);
	sg_wr_mark m = sg_wr_open(w, 2);
	uint8_t *sig = sg_wr_space(w, siglen);
	if (!sig || sg_sign(hs->own->key, s->kind, s->hash, hs->raw12.buf, hs->raw12.len, sig, &siglen) < 0)
		return SG_INTERNAL(c, "signing CertificateVerify failed");
	w->len -= max - siglen;
	sg_wr_close(w, m);
	hs->keep_raw12 = false;
	sg_wr_free(&hs->raw12);
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "CertificateVerify");
}
