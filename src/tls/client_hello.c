/* ClientHello, RFC 8446 4.1.2: the client builds it; the server reads it
 * and makes every choice of the handshake, in the steps of
 * sg_client_hello_recv. */
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

/* ---- our key shares (both sides) ---- */

/* Take key (NULL: none could be made) as our share for group g. */
static int share_add(sigil_conn *c, const sg_group *g, sg_kex_key *k)
{
	sg_hs *hs = c->hs;
	if (!k)
		return SG_INTERNAL(c, "cannot generate a key share");
	if (hs->nown_shares == SG_MAX_OWN_SHARES) {
		sg_kex_free(k);
		return SG_INTERNAL(c, "key share");
	}
	hs->own_shares[hs->nown_shares].group = g;
	hs->own_shares[hs->nown_shares++].key = k;
	return 0;
}

int sg_share_new(sigil_conn *c, const sg_group *g)
{
	const sg_test_hooks *h = c->cfg->hooks;
	if (!g)
		return SG_INTERNAL(c, "key share");
	sg_kex_key *k = h && h->kex_key ? h->kex_key(h->arg, g->id) : NULL;
	return share_add(c, g, k ? k : sg_kex_generate(g->kex));
}

static void keys_free(sg_hs *hs)
{
	for (size_t i = 0; i < hs->nown_shares; i++)
		sg_kex_free(hs->own_shares[i].key);
	memset(hs->own_shares, 0, sizeof hs->own_shares);
	hs->nown_shares = 0;
}

void sg_shares_free(sg_hs *hs)
{
	keys_free(hs);
	free(hs->server_share);
	hs->server_share = NULL;
	hs->server_share_len = 0;
}

/* ---- client ---- */

/* A share for group id after our first: x25519 after an X25519MLKEM768
 * share is that share's own X25519 key (its last 32 bytes again), so the
 * second share costs 36 bytes and no key generation. */
static int share_more(sigil_conn *c, uint16_t id)
{
	sg_hs *hs = c->hs;
	const sg_group *g = sg_group_find(id);
	if (id == SIGIL_GROUP_X25519 && hs->nown_shares && hs->own_shares[0].group->id == SIGIL_GROUP_X25519MLKEM768)
		return share_add(c, g, sg_kex_x25519_part(hs->own_shares[0].key));
	return sg_share_new(c, g);
}

/* The groups we send shares for (4.2.8).  Our first group's; and when
 * that is X25519MLKEM768 and x25519 is one of our groups, an x25519
 * share made from the hybrid's X25519 key, as browsers send: a server
 * without the hybrid takes it rather than asking again (4.1.4), so that
 * offering the hybrid never costs such a server a round trip.  After a
 * HelloRetryRequest that names a group, one share for it (4.1.2:
 * "replacing the list of shares with a list containing a single
 * KeyShareEntry from the indicated group"); after one that only sends a
 * cookie, the same shares again, keys and all: 4.1.2 lets the second
 * hello change the shares only when the retry asks for a group. */
static int make_shares(sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	if ((hs->flags & SG_HS_HRR) && !hs->hrr_group)
		return hs->nown_shares ? 0 : SG_INTERNAL(c, "key share");
	sg_shares_free(hs);
	if (hs->flags & SG_HS_HRR)
		return sg_share_new(c, sg_group_find(hs->hrr_group));
	if (sg_share_new(c, sg_group_find(cfg->groups[0])) < 0)
		return SIGIL_ERROR;
	/* The test hook: shares for our first n groups. */
	size_t n = cfg->hooks ? cfg->hooks->client_shares : 0;
	for (size_t i = 1; i < n && i < cfg->ngroups && i < SG_MAX_OWN_SHARES; i++)
		if (share_more(c, cfg->groups[i]) < 0)
			return SIGIL_ERROR;
	if (!n && cfg->groups[0] == SIGIL_GROUP_X25519MLKEM768 && sg_in_list(cfg->groups, cfg->ngroups, SIGIL_GROUP_X25519))
		return share_more(c, SIGIL_GROUP_X25519);
	return 0;
}

int sg_client_hello_send(sigil_conn *c, sg_wr *w)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;

	if (make_shares(c) < 0)
		return SIGIL_ERROR;
	/* D.4: a non-empty legacy_session_id puts us in middlebox
	 * compatibility mode; the second hello repeats it.  A TLS 1.2 ticket
	 * goes with a random one too (RFC 5077 3.4, ticket.c). */
	if (!(hs->flags & SG_HS_HRR) && (cfg->compat || sg_tls12_session_offering(c))) {
		hs->session_id_len = 32;
		if (sg_conn_random(c, hs->session_id, 32) < 0)
			return SG_INTERNAL(c, "random generator");
	}
	sg_wr_u16(w, 0x0303);                   /* legacy_version */
	sg_wr_bytes(w, hs->random, 32);
	sg_wr_u8(w, (uint8_t)hs->session_id_len);
	sg_wr_bytes(w, hs->session_id, hs->session_id_len);
	sg_wr_mark m = sg_wr_open(w, 2);
	for (size_t i = 0; i < cfg->nsuites; i++)
		sg_wr_u16(w, cfg->suites[i]);
	if (cfg->min_version <= SG_TLS12)
		sg_tls12_client_suites(c, w);   /* after TLS 1.3's (tls12_client.c) */
	sg_wr_close(w, m);
	sg_wr_u8(w, 1);                         /* legacy_compression_methods: null */
	sg_wr_u8(w, 0);
	if (sg_ext_build(c, SG_MSG_CH, w) < 0)
		return SIGIL_ERROR;
	/* The binder covers the whole hello but itself (4.2.11.2). */
	if (sg_ext_sent(c, SG_EXT_PRE_SHARED_KEY) && sg_psk_fill_binder(c, w) < 0)
		return SIGIL_ERROR;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ClientHello too large");
}

/* ---- server ---- */

/* The fields of a ClientHello before its extensions (4.1.2). */
typedef struct ch_fields {
	uint16_t legacy_version;
	const uint8_t *random;
	sg_rd session_id, suites, compression, exts;
} ch_fields;

/* The next entry of a key_share list (checked when it was read). */
static bool next_share(sg_rd *list, uint16_t *group, sg_rd *key)
{
	return sg_rd_u16(list, group) && sg_rd_vec16(list, key);
}

/* 4.1.2: the syntax, and D.5's rule on legacy_version, which comes
 * before anything the extensions say. */
static int ch_parse(sigil_conn *c, sg_rd *r, ch_fields *ch)
{
	if (!sg_rd_u16(r, &ch->legacy_version) || !sg_rd_bytes(r, &ch->random, 32) || !sg_rd_vec8(r, &ch->session_id) ||
	    !sg_rd_vec16(r, &ch->suites) || !sg_rd_vec8(r, &ch->compression))
		return SG_DECODE(c, "ClientHello");
	/* D.5: "Any endpoint receiving a Hello message with
	 * ClientHello.legacy_version ... set to 0x0300 MUST abort the
	 * handshake with a "protocol_version" alert", whatever its
	 * supported_versions says. */
	if (ch->legacy_version <= 0x0300)
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the ClientHello's legacy_version is 0x%04x (SSL 3.0 or older), which must be refused",
				ch->legacy_version);
	/* A hello without extensions is a TLS 1.2-or-older client. */
	if (sg_rd_done(r))
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the client sends no extensions (TLS 1.2 without signature_algorithms and "
				"supported_groups, or older); sigil needs them");
	if (!sg_rd_vec16(r, &ch->exts) || !sg_rd_done(r))
		return SG_DECODE(c, "ClientHello");
	if (ch->session_id.n > 32)
		return SG_DECODE(c, "ClientHello legacy_session_id");
	if (sg_rd_done(&ch->suites) || ch->suites.n % 2)
		return SG_DECODE(c, "ClientHello cipher_suites");
	return 0;
}

/* 4.2.1: supported_versions alone decides (legacy_version is ignored
 * above 0x0300), before the other extensions are read under it. */
static int ch_version(sigil_conn *c, const ch_fields *ch, sg_ext_block *ext)
{
	c->version = 0;
	if (sg_ext_run_one(c, SG_MSG_CH, ext, SG_EXT_SUPPORTED_VERSIONS) < 0)
		return SIGIL_ERROR;
	if (c->version == SIGIL_TLS13 && c->cfg->max_version >= SIGIL_TLS13)
		return 0;
	c->version = 0;
	/* TLS 1.2 (RFC 5246 E.1): legacy_version 0x0303 or above without
	 * TLS 1.3 in supported_versions, in a first hello. */
	if (ch->legacy_version >= SG_TLS12 && c->cfg->min_version <= SG_TLS12 && !(c->hs->flags & SG_HS_HRR)) {
		c->version = SG_TLS12;
		return 0;
	}
	return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
			"the client does not offer TLS 1.3 (legacy_version 0x%04x)%s", ch->legacy_version,
			c->cfg->min_version > SG_TLS12 ? "; this server's minimum version is TLS 1.3" :
			"; sigil speaks TLS 1.2 and 1.3 only");
}

/* 4.1.2: exactly one compression method, null. */
static int ch_compression(sigil_conn *c, const ch_fields *ch)
{
	if (ch->compression.n != 1 || ch->compression.p[0] != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the client offers TLS compression");
	return 0;
}

/* 4.1.4: the second hello answers the retry request: the same session
 * id, our cookie back, exactly the share we asked for, the suite we
 * chose still offered, and no early data. */
static int ch_retry_consistent(sigil_conn *c, const ch_fields *ch, size_t cookie_sent)
{
	sg_hs *hs = c->hs;
	if (ch->session_id.n != hs->session_id_len || memcmp(ch->session_id.p, hs->session_id, ch->session_id.n) != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the second ClientHello changed its session id");
	if (cookie_sent && hs->cookie_len)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the second ClientHello does not return our cookie");
	sg_rd l = hs->peer_shares, key;
	uint16_t g;
	if (hs->npeer_shares != 1 || !next_share(&l, &g, &key) || g != hs->hrr_group)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the second ClientHello does not carry exactly the key share we asked for");
	bool kept = false;
	for (size_t i = 0; i < ch->suites.n; i += 2)
		kept |= sg_load16(ch->suites.p + i) == c->suite->id;
	if (!kept)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the second ClientHello dropped the cipher suite we chose");
	if (hs->ch_early_data)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "early_data in a second ClientHello");
	return 0;
}

/* The cipher suite: our preference among the client's.  It fixes the
 * transcript hash. */
static int ch_choose_suite(sigil_conn *c, const ch_fields *ch)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	memcpy(hs->session_id, ch->session_id.p, ch->session_id.n);
	hs->session_id_len = ch->session_id.n;
	for (size_t i = 0; i < cfg->nsuites && !c->suite; i++)
		for (size_t j = 0; j < ch->suites.n; j += 2)
			if (sg_load16(ch->suites.p + j) == cfg->suites[i])
				c->suite = sg_suite_find(cfg->suites[i]);
	if (!c->suite)
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE, "no cipher suite in common with the client");
	return sg_transcript_start(c, c->suite->hash);
}

/* 9.2: what a certificate-authenticated (EC)DHE handshake needs, and
 * 4.2.8: every share for a group the client lists (of those we know:
 * peer_groups keeps only them). */
static int ch_required_extensions(sigil_conn *c, const sg_ext_block *ext)
{
	sg_hs *hs = c->hs;
	if (!sg_ext_has(ext, SG_EXT_SIGNATURE_ALGORITHMS))
		return SG_ALERT(c, SIGIL_ALERT_MISSING_EXTENSION, "the ClientHello lacks signature_algorithms");
	bool groups = sg_ext_has(ext, SG_EXT_SUPPORTED_GROUPS), shares = sg_ext_has(ext, SG_EXT_KEY_SHARE);
	if (!groups || !shares)
		return SG_ALERT(c, SIGIL_ALERT_MISSING_EXTENSION, "the ClientHello lacks %s (needed for (EC)DHE)",
				groups ? "key_share" : "supported_groups");
	sg_rd l = hs->peer_shares, key;
	uint16_t g;
	while (next_share(&l, &g, &key))
		if (sg_group_find(g) && !sg_in_list(hs->peer_groups, hs->npeer_groups, g))
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"key share for group 0x%04x, which supported_groups does not list", g);
	return 0;
}

/* 4.2.8: the group of the key exchange is the first of OUR groups, in
 * our order of preference, for which the client sent a share (*share
 * is that share); NULL when it sent none we can use. */
static const sg_group *choose_share(const sigil_conn *c, sg_rd *share)
{
	const sigil_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->ngroups; i++) {
		sg_rd l = c->hs->peer_shares, key;
		uint16_t g;
		while (next_share(&l, &g, &key))
			if (g == cfg->groups[i]) {
				*share = key;
				return sg_group_find(g);
			}
	}
	return NULL;
}

/* 4.1.4: with no usable share, a HelloRetryRequest asks for our first
 * preference among the groups the client supports (0: none). */
static uint16_t choose_retry_group(const sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->ngroups; i++)
		if (sg_in_list(c->hs->peer_groups, c->hs->npeer_groups, cfg->groups[i]))
			return cfg->groups[i];
	return 0;
}

/* Why the client's share for g failed sg_kex_encap, in a sentence (the
 * refusal path only: the checks themselves are sg_kex_encap's). */
static int refuse_share(sigil_conn *c, const sg_group *g, sg_rd share)
{
	const sg_kex_class *k = g->kex;
	if (share.n != k->pub_len)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the client's %s key share is %zu bytes long, not %zu",
				g->name, share.n, k->pub_len);
	/* draft-ietf-tls-ecdhe-mlkem: the server checks the encapsulation
	 * key (FIPS 203 section 7.2) and refuses one that fails. */
	if (k == &sg_x25519mlkem768 && sg_mlkem768_encaps_check(share.p, SG_MLKEM768_EK) < 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the client's %s key share holds an ML-KEM-768 encapsulation key that fails the modulus "
				"check of FIPS 203 section 7.2 (a coefficient not below q = 3329)", g->name);
	if (k == &sg_x25519mlkem768 || k == &sg_x25519)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the client's %s key share has an X25519 value of low order (the shared secret would be "
				"all zeros, which RFC 8446 section 7.4.2 refuses)", g->name);
	return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
			"the client's %s key share is not an uncompressed point on the curve (RFC 8446 section 4.2.8.2)",
			g->name);
}

/* Our share and the shared secret (7.1's (EC)DHE input) now, while the
 * client's share is still in the message buffer, through sg_kex_encap
 * for every group: our public value and the DH secret, and for
 * X25519MLKEM768 also an ML-KEM ciphertext to the client's key.  Our
 * private key has no use once the secret is known: it is freed (and
 * wiped) at once; the answer waits in hs->server_share for the
 * ServerHello. */
static int ch_key_exchange(sigil_conn *c, const sg_group *g, sg_rd share)
{
	sg_hs *hs = c->hs;
	const sg_kex_class *k = g->kex;
	sg_shares_free(hs);
	if (!(hs->server_share = malloc(k->server_share_len)))
		return SG_INTERNAL(c, "out of memory");
	if (sg_share_new(c, g) < 0)
		return SIGIL_ERROR;
	int r = sg_kex_encap(hs->own_shares[0].key, share.p, share.n, hs->server_share, hs->shared);
	keys_free(hs);
	if (r < 0)
		return refuse_share(c, g, share);
	hs->server_share_len = k->server_share_len;
	hs->shared_len = k->secret_len;
	c->group = g->id;
	return 0;
}

/* How we authenticate: a ticket the client offers replaces the
 * certificate (2.2); else a certificate for its signature_algorithms
 * (4.4.2.2), and a CertificateRequest when we want one of the client. */
static int ch_authentication(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	if (sg_psk_accept(c) < 0)
		return SIGIL_ERROR;
	hs->flags |= SG_HS_NEGOTIATED;
	if (hs->flags & SG_HS_PSK)
		return 0;
	if (sg_choose_certificate(c) < 0)
		return SIGIL_ERROR;
	if (c->cfg->client_auth != SIGIL_CLIENT_AUTH_NONE)
		hs->flags |= SG_HS_CR;
	return 0;
}

/* What an earlier hello left in the handshake state that this one says
 * afresh (it pointed into that hello's buffer, too). */
static void ch_forget(sg_hs *hs)
{
	hs->npeer_groups = hs->npeer_sigalgs = hs->npeer_shares = 0;
	hs->peer_shares.n = 0;
	hs->ch_has_psk = hs->psk_dhe_ke = hs->ch_early_data = false;
}

int sg_client_hello_recv(sigil_conn *c, sg_rd *r)
{
	sg_hs *hs = c->hs;
	bool second = hs->flags & SG_HS_HRR;
	size_t cookie_sent = hs->cookie_len;
	ch_fields ch;
	sg_ext_block ext;

	hs->ch_start = r->p - 4;        /* the message header precedes the body */
	ch_forget(hs);
	if (second)
		c->early_skip = SG_EARLY_NONE;  /* the first flight's 0-RTT ends here */
	if (ch_parse(c, r, &ch) < 0 || sg_ext_parse(c, SG_MSG_CH, ch.exts, &ext) < 0 || ch_version(c, &ch, &ext) < 0)
		return SIGIL_ERROR;
	if (c->version == SG_TLS12) {
		memcpy(hs->session_id, ch.session_id.p, ch.session_id.n);
		hs->session_id_len = 0;         /* a full handshake: a session id of ours is not needed */
		return sg_tls12_client_hello(c, ch.random, ch.suites, ch.compression, &ext);
	}
	if (sg_ext_run(c, SG_MSG_CH, &ext) < 0 || ch_compression(c, &ch) < 0 ||
	    (second ? ch_retry_consistent(c, &ch, cookie_sent) : ch_choose_suite(c, &ch)) < 0 ||
	    ch_required_extensions(c, &ext) < 0)
		return SIGIL_ERROR;

	sg_rd share = { 0 };
	const sg_group *g = choose_share(c, &share);
	if (!g) {
		if (second)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the second ClientHello has no usable key share");
		if (!(hs->hrr_group = choose_retry_group(c)))
			return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE, "no key exchange group in common with the client");
		hs->flags |= SG_HS_HRR;
		c->hrr = true;
		return 0;
	}
	if (ch_key_exchange(c, g, share) < 0)
		return SIGIL_ERROR;
	hs->npeer_shares = 0;
	hs->peer_shares.n = 0;
	return ch_authentication(c);
}
