/* ClientHello, RFC 8446 4.1.2: the client builds it, the server reads it
 * and makes every choice of the handshake. */
#include <string.h>

#include "tls/tls.h"

static int new_share(sigil_conn *c, const sg_group *g)
{
	sg_hs *hs = c->hs;
	const sg_test_hooks *h = c->cfg->hooks;
	sg_kex_free(hs->kex);
	hs->kex = h && h->kex_key ? h->kex_key(h->arg, g->id) : NULL;
	if (!hs->kex)
		hs->kex = sg_kex_generate(g->kex);
	hs->kex_group = g;
	return hs->kex ? 0 : SG_INTERNAL(c, "cannot generate a key share");
}

int sg_client_hello_send(sigil_conn *c, sg_wr *w)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;

	if (!(hs->flags & SG_HS_HRR)) {
		/* One share, for our most preferred group; a server that
		 * wants another asks with HelloRetryRequest (4.1.4). */
		if (new_share(c, sg_group_find(cfg->groups[0])) < 0)
			return SIGIL_ERROR;
		/* D.4: a non-empty legacy_session_id puts us in middlebox
		 * compatibility mode. */
		if (cfg->compat) {
			hs->session_id_len = 32;
			if (sg_conn_random(c, hs->session_id, 32) < 0)
				return SG_INTERNAL(c, "random generator");
		}
	} else if (new_share(c, sg_group_find(hs->hrr_group)) < 0) {
		return SIGIL_ERROR;
	}

	sg_wr_u16(w, 0x0303);                   /* legacy_version */
	sg_wr_bytes(w, hs->random, 32);
	sg_wr_u8(w, (uint8_t)hs->session_id_len);
	sg_wr_bytes(w, hs->session_id, hs->session_id_len);
	sg_wr_mark m = sg_wr_open(w, 2);
	for (size_t i = 0; i < cfg->nsuites; i++)
		sg_wr_u16(w, cfg->suites[i]);
	sg_wr_close(w, m);
	sg_wr_u8(w, 1);                         /* legacy_compression_methods: null */
	sg_wr_u8(w, 0);
	m = sg_wr_open(w, 2);
	if (sg_ext_build_ch(c, w) < 0)
		return SIGIL_ERROR;
	sg_wr_close(w, m);
	if (sg_psk_offering(c) && sg_psk_fill_binder(c, w) < 0)
		return SIGIL_ERROR;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ClientHello too large");
}

static bool in_list(const uint16_t *l, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* The next entry of a key_share list checked by the extension parser. */
static bool next_share(sg_rd *list, uint16_t *group, sg_rd *key)
{
	return sg_rd_u16(list, group) && sg_rd_vec16(list, key);
}

int sg_client_hello_recv(sigil_conn *c, sg_rd *r)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	bool second = hs->flags & SG_HS_HRR;
	uint16_t legacy_version;
	uint8_t random[32];
	sg_rd sid, suites, comp, exts;

	hs->ch_start = r->p - 4;        /* the message header precedes the body */
	if (!sg_rd_u16(r, &legacy_version) || !sg_rd_copy(r, random, 32) || !sg_rd_vec8(r, &sid) ||
	    !sg_rd_vec16(r, &suites) || !sg_rd_vec8(r, &comp))
		return SG_DECODE(c, "ClientHello");
	/* D.5: "Any endpoint receiving a Hello message with
	 * ClientHello.legacy_version ... set to 0x0300 MUST abort the
	 * handshake with a "protocol_version" alert", whatever its
	 * supported_versions says; above that, supported_versions alone
	 * decides (4.2.1). */
	if (legacy_version <= 0x0300)
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the ClientHello's legacy_version is 0x%04x (SSL 3.0 or older), which must be refused",
				legacy_version);
	/* A hello without extensions is a TLS 1.2-or-older client. */
	if (sg_rd_done(r))
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the client offers only TLS 1.2 or older (no extensions); sigil speaks TLS 1.3 only");
	if (!sg_rd_vec16(r, &exts) || !sg_rd_done(r))
		return SG_DECODE(c, "ClientHello");
	if (sid.n > 32)
		return SG_DECODE(c, "ClientHello legacy_session_id");
	if (sg_rd_done(&suites) || suites.n % 2)
		return SG_DECODE(c, "ClientHello cipher_suites");

	hs->has_shares = hs->has_groups = hs->has_sigalgs = hs->has_versions = false;
	hs->tls13_offered = hs->ch_has_psk = hs->psk_dhe_ke = hs->ch_early_data = false;
	hs->npeer_groups = hs->npeer_sigalgs = hs->nshares = 0;
	hs->shares.n = 0;
	size_t cookie_sent = hs->cookie_len;
	if (sg_ext_process(c, SG_IN_CH, &exts) < 0)
		return SIGIL_ERROR;

	/* Version (4.2.1): supported_versions decides, legacy_version is
	 * ignored beyond it. */
	if (!hs->has_versions || !hs->tls13_offered)
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the client does not offer TLS 1.3 (legacy_version 0x%04x); sigil speaks TLS 1.3 only",
				legacy_version);
	/* 4.1.2: exactly one compression method, null. */
	if (comp.n != 1 || comp.p[0] != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the client offers TLS compression");

	if (second) {
		c->early_skip = SG_EARLY_NONE;  /* the first flight's 0-RTT ends here */
		/* 4.1.4: the second hello must answer the retry request. */
		if (sid.n != hs->session_id_len || memcmp(sid.p, hs->session_id, sid.n) != 0)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the second ClientHello changed its session id");
		if (cookie_sent && hs->cookie_len)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the second ClientHello does not return our cookie");
		sg_rd l = hs->shares, key;
		uint16_t g;
		if (hs->nshares != 1 || !next_share(&l, &g, &key) || g != hs->hrr_group)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the second ClientHello does not carry exactly the key share we asked for");
		bool kept = false;
		for (size_t i = 0; i < suites.n; i += 2)
			kept |= sg_load16(suites.p + i) == c->suite->id;
		if (!kept)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the second ClientHello dropped the cipher suite we chose");
		if (hs->ch_early_data)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "early_data in a second ClientHello");
	} else {
		memcpy(hs->session_id, sid.p, sid.n);
		hs->session_id_len = sid.n;
		/* Cipher suite: our preference among the client's. */
		for (size_t i = 0; i < cfg->nsuites && !c->suite; i++)
			for (size_t j = 0; j < suites.n; j += 2)
				if (sg_load16(suites.p + j) == cfg->suites[i])
					c->suite = sg_suite_find(cfg->suites[i]);
		if (!c->suite)
			return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
					"no cipher suite in common with the client");
		if (sg_transcript_start(c, c->suite->hash) < 0)
			return SIGIL_ERROR;
	}

	/* Certificate authentication needs these (9.2). */
	if (!hs->has_sigalgs)
		return SG_ALERT(c, SIGIL_ALERT_MISSING_EXTENSION, "the ClientHello lacks signature_algorithms");
	if (!hs->has_groups || !hs->has_shares)
		return SG_ALERT(c, SIGIL_ALERT_MISSING_EXTENSION,
				"the ClientHello lacks %s (needed for (EC)DHE)",
				hs->has_groups ? "key_share" : "supported_groups");
	/* 4.2.8: every share must be for a group the client lists (of
	 * those we know: peer_groups keeps only them). */
	sg_rd l = hs->shares, key, share = { 0 };
	uint16_t sg;
	while (next_share(&l, &sg, &key))
		if (sg_group_find(sg) && !in_list(hs->peer_groups, hs->npeer_groups, sg))
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"key share for group 0x%04x, which supported_groups does not list", sg);

	/* Group: our preference among those the client has a share for; if
	 * none, our preference among the groups it supports, by a retry. */
	const sg_group *g = NULL;
	for (size_t i = 0; i < cfg->ngroups && !g; i++)
		for (l = hs->shares; next_share(&l, &sg, &key);)
			if (sg == cfg->groups[i]) {
				g = sg_group_find(sg);
				share = key;
				break;
			}
	if (!g) {
		if (second)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the second ClientHello has no usable key share");
		for (size_t i = 0; i < cfg->ngroups && !hs->hrr_group; i++)
			if (in_list(hs->peer_groups, hs->npeer_groups, cfg->groups[i]))
				hs->hrr_group = cfg->groups[i];
		if (!hs->hrr_group)
			return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
					"no key exchange group in common with the client");
		hs->flags |= SG_HS_HRR;
		c->hrr = true;
		return 0;
	}

	/* Our share and the shared secret now, while the client's share is
	 * still in the message buffer. */
	if (new_share(c, g) < 0)
		return SIGIL_ERROR;
	if (share.n != g->kex->pub_len || sg_kex_derive(hs->kex, share.p, share.n, hs->shared) < 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the client's %s key share is invalid", g->name);
	hs->shared_len = g->kex->secret_len;
	c->group = g->id;
	hs->nshares = 0;
	hs->shares.n = 0;       /* it pointed into the message buffer */
	/* A ticket the client offers replaces the certificate (2.2). */
	if (sg_psk_accept(c) < 0)
		return SIGIL_ERROR;
	hs->flags |= SG_HS_NEGOTIATED;
	if (hs->flags & SG_HS_PSK)
		return 0;
	if (sg_choose_certificate(c) < 0)
		return SIGIL_ERROR;
	if (cfg->client_auth != SIGIL_CLIENT_AUTH_NONE)
		hs->flags |= SG_HS_CR;
	return 0;
}
