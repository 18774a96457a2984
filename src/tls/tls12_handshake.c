/*
 * TLS 1.2 (RFC 5246), the modern subset: the choice of suite, certificate
 * and group for a ClientHello that chose TLS 1.2, the ServerHello, the
 * Certificate, ServerHelloDone, change_cipher_spec and Finished; a
 * server's CertificateRequest and what it reads of the client's
 * certificate (mutual TLS).  The key
 * exchange messages and the key derivation are in tls12_kex.c, what only
 * a client reads in tls12_client.c.  Only
 * ECDHE with an AEAD (RFC 8422, 5288, 7905); no renegotiation (RFC 5746:
 * the indication is sent, every renegotiation is refused).
 */
#include <string.h>

#include "tls/tls.h"

/* ---- suites: ECDHE_{ECDSA,RSA} with AES-GCM (RFC 5289) or ChaCha20 (RFC 7905) ---- */
typedef struct suite12 {
	sg_suite s;
	bool ecdsa;             /* ECDHE_ECDSA (else ECDHE_RSA) */
} suite12;

static const suite12 suites12[] = {
	{ { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", &sg_aes128gcm, &sg_sha256 }, true },
	{ { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", &sg_aes256gcm, &sg_sha384 }, true },
	{ { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", &sg_chacha20poly1305, &sg_sha256 }, true },
	{ { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", &sg_aes128gcm, &sg_sha256 }, false },
	{ { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", &sg_aes256gcm, &sg_sha384 }, false },
	{ { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", &sg_chacha20poly1305, &sg_sha256 }, false },
};
#define NSUITES12 (sizeof suites12 / sizeof suites12[0])

#define SCSV_RENEGOTIATION 0x00ff       /* RFC 5746 3.3 */
#define SCSV_FALLBACK 0x5600            /* RFC 7507 */

const sg_suite *sg_suite12_find(uint16_t id)
{
	for (size_t i = 0; i < NSUITES12; i++)
		if (suites12[i].s.id == id)
			return &suites12[i].s;
	return NULL;
}

/* The TLS 1.2 suites for the AEADs of our TLS 1.3 suites:
 * sigil_config_set_suites chooses both. */
bool sg_suite12_enabled(const sigil_config *cfg, uint16_t id)
{
	const sg_suite *s12 = sg_suite12_find(id);
	for (size_t i = 0; s12 && i < cfg->nsuites; i++) {
		const sg_suite *s = sg_suite_find(cfg->suites[i]);
		if (s && s->aead == s12->aead)
			return true;
	}
	return false;
}

static bool offered(sg_rd suites, uint16_t id)
{
	for (size_t i = 0; i + 1 < suites.n; i += 2)
		if (sg_load16(suites.p + i) == id)
			return true;
	return false;
}

/* RFC 8422 5.1.1: the curve of an ECDSA certificate must be one the
 * client lists in supported_groups. */
static bool curve_ok(const sg_hs *hs, sg_key_type t)
{
	uint16_t g = t == SG_KEY_EC_P256 ? SIGIL_GROUP_SECP256R1 : t == SG_KEY_EC_P384 ? SIGIL_GROUP_SECP384R1 : 0;
	if (!sg_key_is_ec(t))
		return true;
	return g && sg_in_list(hs->peer_groups, hs->npeer_groups, g);
}

/* A signature scheme for ServerKeyExchange (RFC 5246 7.4.1.4.1, RFC 8446
 * 4.2.3 for the schemes TLS 1.3 defines): those of TLS 1.3 and the
 * PKCS#1 v1.5 ones; ecdsa_secp256r1_sha256 and the like name only the
 * hash in TLS 1.2, for a key on any curve. */
static bool scheme_fits12(const sg_sigscheme *s, const sg_certkey *ck)
{
	if (!s)
		return false;
	if (s->kind == SG_SIG_ECDSA)
		return sg_key_is_ec(ck->type);
	return s->key == ck->type;
}

/* Our certificate, its scheme and the suite: the certificates the
 * client's server_name selects, best first (sg_cert_candidates), each
 * with the first of our schemes the client accepts, then the first
 * of our AEADs (the TLS 1.3 suite list's order) in a suite the client
 * offers for that certificate's kind. */
static int choose(sigil_conn *c, sg_rd suites)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	bool any_suite = false, strict;
	uint16_t idx[SG_MAX_CERTKEYS];
	size_t ncand = sg_cert_candidates(c, idx, &strict);
	for (size_t k = 0; k < ncand; k++) {
		const sg_certkey *ck = &cfg->certs[idx[k]];
		bool ecdsa = ck->type != SG_KEY_RSA;
		const sg_suite *suite = NULL;
		for (size_t i = 0; i < cfg->nsuites && !suite; i++) {
			const sg_suite *s13 = sg_suite_find(cfg->suites[i]);
			for (size_t j = 0; s13 && j < NSUITES12 && !suite; j++)
				if (suites12[j].ecdsa == ecdsa && suites12[j].s.aead == s13->aead &&
				    offered(suites, suites12[j].s.id))
					suite = &suites12[j].s;
		}
		if (!suite)
			continue;
		any_suite = true;
		if (!curve_ok(hs, ck->type))
			continue;
		/* First a scheme made for the key (TLS 1.3's rule: the ECDSA
		 * hash that goes with the curve), then any that TLS 1.2 allows. */
		for (size_t i = 0; i < 2 * cfg->nsigalgs; i++) {
			const sg_sigscheme *s = sg_sigscheme_find(cfg->sigalgs[i % cfg->nsigalgs]);
			if (!scheme_fits12(s, ck) || (i < cfg->nsigalgs && s->key != ck->type) ||
			    !sg_in_list(hs->peer_sigalgs, hs->npeer_sigalgs, s->id))
				continue;
			sg_own_set(c, ck, s->id);
			c->suite = suite;
			return 0;
		}
	}
	if (cfg->ncerts == 0)
		return sg_fail(c, SIGIL_ECLASS_USAGE, SIGIL_ALERT_INTERNAL_ERROR, "the server has no certificate configured");
	if (!any_suite)
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
				"no cipher suite in common with the TLS 1.2 client (sigil offers only ECDHE with "
				"AES-GCM or ChaCha20-Poly1305: no CBC, no RSA key transport)");
	return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
			"none of our certificates%s%s suits the TLS 1.2 client (its signature algorithms, or for "
			"ECDSA its supported_groups)", strict ? " for " : "", strict ? c->sni : "");
}

/* RFC 8422 5.1.1: the first of our groups that the client lists;
 * X25519MLKEM768 is a TLS 1.3 group only. */
static const sg_group *choose_group(const sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->ngroups; i++)
		if (cfg->groups[i] != SIGIL_GROUP_X25519MLKEM768 &&
		    sg_in_list(c->hs->peer_groups, c->hs->npeer_groups, cfg->groups[i]))
			return sg_group_find(cfg->groups[i]);
	return NULL;
}

static int client_auth12_start(sigil_conn *c);

int sg_tls12_client_hello(sigil_conn *c, const uint8_t *random, sg_rd suites, sg_rd compression,
			  sg_ext_block *ext)
{
	sg_hs *hs = c->hs;
	c->version = SG_TLS12;
	memcpy(hs->peer_random, random, 32);
	/* RFC 7507 3: we speak TLS 1.3, above the client's 1.2. */
	if (offered(suites, SCSV_FALLBACK))
		return SG_ALERT(c, SIGIL_ALERT_INAPPROPRIATE_FALLBACK,
				"the client fell back to TLS 1.2 (TLS_FALLBACK_SCSV) but sigil speaks TLS 1.3");
	if (offered(suites, SCSV_RENEGOTIATION))
		hs->reneg_ok = true;
	/* RFC 5246 7.4.1.2: the list must include null. */
	bool null = false;
	for (size_t i = 0; i < compression.n; i++)
		null |= compression.p[i] == 0;
	if (!null)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the client offers no null compression");
	if (sg_ext_run(c, SG_MSG_CH, ext) < 0)
		return SIGIL_ERROR;
	/* Without signature_algorithms a TLS 1.2 client means SHA-1 (RFC 5246
	 * 7.4.1.4.1), without supported_groups any curve: sigil refuses both. */
	if (!sg_ext_has(ext, SG_EXT_SIGNATURE_ALGORITHMS) || !sg_ext_has(ext, SG_EXT_SUPPORTED_GROUPS))
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE, "the TLS 1.2 ClientHello lacks %s",
				sg_ext_has(ext, SG_EXT_SUPPORTED_GROUPS) ? "signature_algorithms" : "supported_groups");
	if (hs->ch_point_formats && !hs->ch_uncompressed)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"ec_point_formats without uncompressed (RFC 8422 5.1.2)");
	/* RFC 5077 3.4: a ticket with a session id asks for the abbreviated
	 * handshake (RFC 5246 7.3); we echo the id when the ticket is ours,
	 * unexpired, of TLS 1.2 with EMS, for this server name, and its
	 * suite one the client offers and we still enable.  Else a full
	 * handshake.  (The id is the ClientHello's, after legacy_version and
	 * random: client_hello.c read it.)  No new ticket then: the session
	 * keeps its first issue time, so its lifetime is not stretched. */
	const uint8_t *sid = hs->ch_start + 4 + 2 + 32;
	uint16_t ts;
	if (hs->ch_ticket && hs->ch_ticket_data.n && sid[0] && sid[0] <= 32 &&
	    sg_tls12_ticket_accept(c, hs->ch_ticket_data.p, hs->ch_ticket_data.n, &ts) == 1) {
		if (offered(suites, ts) && sg_suite12_enabled(c->cfg, ts)) {
			c->suite = sg_suite12_find(ts);
			memcpy(hs->session_id, sid + 1, sid[0]);
			hs->session_id_len = sid[0];
			c->resumed = true;
			hs->flags |= SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_PSK;
			return sg_transcript_start(c, c->suite->hash);
		}
		sg_wipe(hs->master12, sizeof hs->master12);
	}
	if (sg_tls12_tickets_on(c)) {
		hs->send_ticket12 = true;       /* session_ticket in the ServerHello (3.2) */
		hs->flags |= SG_HS_NST;
	}
	if (choose(c, suites) < 0)
		return SIGIL_ERROR;
	const sg_group *g = choose_group(c);
	if (!g)
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE, "no ECDHE group in common with the TLS 1.2 client");
	sg_shares_free(hs);
	if (sg_share_new(c, g) < 0)
		return SIGIL_ERROR;
	c->group = g->id;
	c->sigscheme = hs->own_scheme;
	hs->flags |= SG_HS_NEGOTIATED | SG_HS_TLS12;
	if (client_auth12_start(c) < 0)
		return SIGIL_ERROR;
	return sg_transcript_start(c, c->suite->hash);
}

/* RFC 5246 7.4.1.3.  The last 8 bytes of random are the downgrade
 * sentinel of RFC 8446 4.1.3: we could have spoken TLS 1.3. */
int sg_tls12_server_hello_send(sigil_conn *c, sg_wr *w)
{
	sg_hs *hs = c->hs;
	static const uint8_t sentinel[8] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01 };
	if (c->cfg->max_version >= SIGIL_TLS13)
		memcpy(hs->random + 24, sentinel, 8);
	/* Resuming: the keys come from the session's master secret and
	 * both randoms (RFC 5246 7.3), the server's CCS and Finished next. */
	if ((hs->flags & SG_HS_PSK) && sg_tls12_key_block(c) < 0)
		return SIGIL_ERROR;
	sg_wr_u16(w, SG_TLS12);
	sg_wr_bytes(w, hs->random, 32);
	sg_wr_u8(w, (uint8_t)hs->session_id_len);
	sg_wr_bytes(w, hs->session_id, hs->session_id_len);
	sg_wr_u16(w, c->suite->id);
	sg_wr_u8(w, 0);
	if (sg_ext_build(c, SG_MSG_SH12, w) < 0)
		return SIGIL_ERROR;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ServerHello");
}

/* RFC 5246 7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
int sg_tls12_certificate_send(sigil_conn *c, sg_wr *w)
{
	const sg_certkey *ck = c->hs->own;
	sg_wr_mark list = sg_wr_open(w, 3);
	for (size_t i = 0; ck && i < ck->n; i++) {
		sg_wr_u24(w, (uint32_t)ck->chain[i].len);
		sg_wr_bytes(w, ck->chain[i].der, ck->chain[i].len);
	}
	if (!sg_wr_close(w, list) || !sg_wr_ok(w))
		return SG_INTERNAL(c, "Certificate too large");
	return 0;
}

/* RFC 5246 7.4.5: empty. */
int sg_tls12_shd_send(sigil_conn *c, sg_wr *w)
{
	(void)c;
	(void)w;
	return 0;
}

int sg_tls12_shd_recv(sigil_conn *c, sg_rd *r)
{
	if (!sg_rd_done(r))
		return SG_DECODE(c, "ServerHelloDone");
	return 0;
}

/* ---- client authentication, the server's side (RFC 5246 7.4.4, 7.4.6,
 * 7.4.8): CertificateRequest after ServerKeyExchange, then the client's
 * Certificate before its ClientKeyExchange and its CertificateVerify
 * after it (handshake.c's TLS 1.2 rows with SG_HS_CR, SG_HS_CCV). ---- */

/* From the ClientHello on, when we will ask for a certificate: a TLS 1.2
 * CertificateVerify signs the handshake messages themselves (7.4.8),
 * with any scheme we offer, so we keep them (the ClientHello is added
 * when this returns, sg_hs_message) until it is read. */
static int client_auth12_start(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	if (c->cfg->client_auth == SIGIL_CLIENT_AUTH_NONE)
		return 0;
	hs->flags |= SG_HS_CR;
	sg_wr_init(&hs->raw12, NULL, 0, 4 * (size_t)SIGIL_MAX_HANDSHAKE_MSG);
	if (!sg_wr_bytes(&hs->raw12, hs->pending.buf, hs->pending.len))
		return SG_INTERNAL(c, "transcript buffer");
	hs->keep_raw12 = true;
	return 0;
}

static void raw12_drop(sg_hs *hs)
{
	hs->keep_raw12 = false;
	sg_wr_free(&hs->raw12);
}

/* RFC 5246 7.4.4 (with RFC 8422 5.5): certificate_types ecdsa_sign(64)
 * and rsa_sign(1); supported_signature_algorithms: every scheme of our
 * signature_algorithms, all of which TLS 1.2 can carry (the ECDSA ones
 * name the hash only; rsa_pss_rsae_* by RFC 8446 4.2.3; PKCS#1 v1.5,
 * which TLS 1.3 keeps out of CertificateVerify, is TLS 1.2's own; and
 * ed25519 under ecdsa_sign, RFC 8422 5.5, for a client that has such a
 * key and can sign with it); certificate_authorities: the subjects of
 * our client CAs, the list TLS 1.3's CertificateRequest carries
 * (empty where TLS 1.3 leaves the extension out). */
int sg_tls12_certificate_request_send(sigil_conn *c, sg_wr *w)
{
	const sigil_config *cfg = c->cfg;
	static const uint8_t types[] = { 64, 1 };
	sg_wr_u8(w, sizeof types);
	sg_wr_bytes(w, types, sizeof types);
	sg_wr_mark l = sg_wr_open(w, 2);
	for (size_t i = 0; i < cfg->nsigalgs; i++)
		if (sg_sigscheme_find(cfg->sigalgs[i]))
			sg_wr_u16(w, cfg->sigalgs[i]);
	sg_wr_close(w, l);
	if (sg_ca_names_build(c, w) < 0)
		return SIGIL_ERROR;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "CertificateRequest");
}

/* RFC 5246 7.4.2 and 7.4.6, both sides: certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>, split into at most SIGIL_MAX_CHAIN views into r's
 * bytes; *n may be 0 (the caller decides whether that is allowed). */
int sg_tls12_cert_list(sigil_conn *c, sg_rd *r, sg_rd certs[SIGIL_MAX_CHAIN], size_t *n)
{
	sg_rd list;
	*n = 0;
	if (!sg_rd_vec24(r, &list) || !sg_rd_done(r))
		return SG_DECODE(c, "TLS 1.2 Certificate");
	while (!sg_rd_done(&list)) {
		sg_rd der;
		if (!sg_rd_vec24(&list, &der) || sg_rd_done(&der))
			return SG_DECODE(c, "TLS 1.2 Certificate entry");
		if (*n == SIGIL_MAX_CHAIN)
			return SG_ALERT(c, SIGIL_ALERT_BAD_CERTIFICATE,
					"the peer's certificate chain has more than %d certificates", SIGIL_MAX_CHAIN);
		certs[(*n)++] = der;
	}
	return 0;
}

/* RFC 5246 7.4.6: the client's certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>, verified as in TLS 1.3 (certificate.c); an empty
 * one when we require a certificate is the handshake_failure 7.4.6
 * allows (TLS 1.2 has no certificate_required), and when we only
 * request one, no CertificateVerify follows. */
int sg_tls12_client_certificate_recv(sigil_conn *c, sg_rd *r)
{
	sg_hs *hs = c->hs;
	sg_rd certs[SIGIL_MAX_CHAIN];
	size_t n;
	if (sg_tls12_cert_list(c, r, certs, &n) < 0)
		return SIGIL_ERROR;
	if (n == 0) {
		raw12_drop(hs);
		if (c->cfg->client_auth == SIGIL_CLIENT_AUTH_REQUIRE)
			/* Class VERIFY: the client's certificate is what was
			 * refused, as certificate_required says in TLS 1.3. */
			return sg_fail(c, SIGIL_ECLASS_VERIFY, SIGIL_ALERT_HANDSHAKE_FAILURE,
				       "the client sent no certificate, and one is required (TLS 1.2: handshake_failure, "
				       "RFC 5246 7.4.6)");
		return 0;
	}
	if (sg_peer_chain_accept(c, certs, n) < 0)
		return SIGIL_ERROR;
	hs->peer_sent_cert = true;
	hs->flags |= SG_HS_CCV;
	return 0;
}

/* RFC 5246 7.4.8: digitally-signed { handshake_messages }, every message
 * before this one, with a scheme of our CertificateRequest that fits the
 * certificate's key (scheme_fits12: an ECDSA scheme names the hash, for
 * a key on any curve); a signature that does not verify is
 * decrypt_error (7.4.8 names none; RFC 5246 7.2.2's meaning of it, as
 * TLS 1.3 does, RFC 8446 4.4.3). */
int sg_tls12_certificate_verify_recv(sigil_conn *c, sg_rd *r)
{
	sg_hs *hs = c->hs;
	uint16_t scheme;
	sg_rd sig;
	if (!sg_rd_u16(r, &scheme) || !sg_rd_vec16(r, &sig) || !sg_rd_done(r) || sg_rd_done(&sig))
		return SG_DECODE(c, "CertificateVerify");
	if (!hs->keep_raw12 || !sg_wr_ok(&hs->raw12) || !hs->peer_key)
		return SG_INTERNAL(c, "CertificateVerify");
	const sg_sigscheme *s = sg_sigscheme_find(scheme);
	if (!s || !sg_in_list(c->cfg->sigalgs, c->cfg->nsigalgs, scheme))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the peer signed with scheme 0x%04x, which we did not offer", scheme);
	sg_key_type t = sg_pkey_type(hs->peer_key);
	if (s->kind == SG_SIG_ECDSA ? !sg_key_is_ec(t) : s->key != t)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the peer signed with %s, which does not fit its certificate's key", s->name);
	int v = sg_verify(hs->peer_key, s->kind, s->hash, hs->raw12.buf, hs->raw12.len, sig.p, sig.n);
	raw12_drop(hs);
	if (v < 0)
		return SG_ALERT(c, SIGIL_ALERT_DECRYPT_ERROR,
				"the peer's CertificateVerify signature (%s) is invalid: it does not hold "
				"the key of its certificate", s->name);
	return 0;
}

/* RFC 5246 7.1: change_cipher_spec switches our sending keys (the key
 * block's, tls12_kex.c) just before our Finished. */
int sg_tls12_ccs_send(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	int i = c->role == SIGIL_SERVER;
	if (sg_record_send_ccs(c) < 0)
		return SIGIL_ERROR;
	return sg_traffic_install12(c, &c->wr, hs->kb_key[i], hs->kb_iv[i], true);
}

/* The peer's change_cipher_spec: legal only right before its Finished,
 * once the keys are known (7.1, 7.4.9). */
int sg_tls12_ccs_recv(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	size_t n;
	const uint8_t *seq = sg_hs_sequence(hs->flags, &n);
	enum sg_msg want = c->role == SIGIL_SERVER ? SG_M_CFIN12 : SG_M_SFIN12;
	if (!(hs->flags & SG_HS_TLS12) || !seq || hs->pos >= n || seq[hs->pos] != want || c->rd.tls12 ||
	    c->hsmsg.len)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "unexpected change_cipher_spec record");
	int i = c->role == SIGIL_CLIENT;
	return sg_traffic_install12(c, &c->rd, hs->kb_key[i], hs->kb_iv[i], false);
}

/* RFC 5246 7.4.9: verify_data = PRF(master_secret, finished_label,
 * Hash(handshake_messages))[0..11]. */
static int verify_data(sigil_conn *c, bool client, uint8_t out[12])
{
	uint8_t th[SG_MAX_HASH];
	const sg_hash_class *h = c->suite->hash;
	if (sg_transcript_hash(c, th) < 0)
		return SIGIL_ERROR;
	if (sg_tls12_prf(h, c->hs->master12, 48, client ? "client finished" : "server finished", th, h->out_len,
			 NULL, 0, out, 12) < 0)
		return SG_INTERNAL(c, "PRF");
	return 0;
}

int sg_tls12_finished_send(sigil_conn *c, sg_wr *w)
{
	uint8_t vd[12];
	if (verify_data(c, c->role == SIGIL_CLIENT, vd) < 0)
		return SIGIL_ERROR;
	sg_wr_bytes(w, vd, sizeof vd);
	return 0;
}

int sg_tls12_finished_recv(sigil_conn *c, sg_rd *r)
{
	uint8_t vd[12];
	if (!c->rd.tls12)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "Finished before change_cipher_spec");
	if (sg_rd_left(r) != sizeof vd)
		return SG_DECODE(c, "Finished");
	if (verify_data(c, c->role == SIGIL_SERVER, vd) < 0)
		return SIGIL_ERROR;
	if (!sg_ct_eq(vd, r->p, sizeof vd))
		return SG_ALERT(c, SIGIL_ALERT_DECRYPT_ERROR, "the peer's Finished does not match the handshake");
	r->n = 0;
	/* The server's Finished covers its NewSessionTicket: the session
	 * is now the client's (ticket.c). */
	if (c->hs->session12) {
		sg_session_free(c->session);
		c->session = c->hs->session12;
		c->hs->session12 = NULL;
	}
	return 0;
}
