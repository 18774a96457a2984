/* ServerHello and HelloRetryRequest, RFC 8446 4.1.3 and 4.1.4. */
#include <string.h>

#include "tls/tls.h"

/* SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (4.1.3). */
static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

/* The downgrade sentinels in the last 8 bytes of a TLS 1.2/1.1 server
 * random (4.1.3). */
static const uint8_t downgrade12[8] = { 0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01 };
static const uint8_t downgrade11[8] = { 0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00 };

static void hello_head(sigil_conn *c, sg_wr *w, const uint8_t *random)
{
	sg_hs *hs = c->hs;
	sg_wr_u16(w, 0x0303);
	sg_wr_bytes(w, random, 32);
	sg_wr_u8(w, (uint8_t)hs->session_id_len);       /* echoed */
	sg_wr_bytes(w, hs->session_id, hs->session_id_len);
	sg_wr_u16(w, c->suite->id);
	sg_wr_u8(w, 0);
}

int sg_server_hello_send(sigil_conn *c, sg_wr *w)
{
	hello_head(c, w, c->hs->random);
	return sg_ext_build(c, SG_MSG_SH, w);
}

/* Replace the first ClientHello in the transcript by its hash (4.4.1). */
static int hash_first_hello(sigil_conn *c)
{
	const sg_hash_class *h = c->suite->hash;
	uint8_t th[SG_MAX_HASH], mh[4 + SG_MAX_HASH] = { SG_HT_MESSAGE_HASH, 0, 0, (uint8_t)h->out_len };
	if (sg_transcript_hash(c, th) < 0)
		return SIGIL_ERROR;
	sg_hash_free(c->hs->transcript);
	c->hs->transcript = sg_hash_new(h);
	if (!c->hs->transcript)
		return SG_INTERNAL(c, "hash");
	memcpy(mh + 4, th, h->out_len);
	return sg_transcript_add(c, mh, 4 + h->out_len);
}

int sg_hello_retry_send(sigil_conn *c, sg_wr *w)
{
	sg_hs *hs = c->hs;
	if (hash_first_hello(c) < 0)
		return SIGIL_ERROR;
	/* A cookie the client must return: proves it got our reply. */
	hs->cookie_len = 32;
	if (sg_conn_random(c, hs->cookie, hs->cookie_len) < 0)
		return SG_INTERNAL(c, "random generator");
	hello_head(c, w, hrr_random);
	return sg_ext_build(c, SG_MSG_HRR, w);
}

static bool offered_group(const sigil_conn *c, uint16_t g)
{
	for (size_t i = 0; i < c->cfg->ngroups; i++)
		if (c->cfg->groups[i] == g)
			return true;
	return false;
}

static bool sent_share(const sigil_conn *c, uint16_t g)
{
	for (size_t i = 0; i < c->hs->nown_shares; i++)
		if (c->hs->own_shares[i].group->id == g)
			return true;
	return false;
}

/* 4.1.4: the retry must ask for a group we support and did not already
 * send a share for, or at least change something (a cookie). */
static int hrr_recv(sigil_conn *c, sg_rd exts)
{
	sg_hs *hs = c->hs;
	hs->hrr_group = 0;
	hs->cookie_len = 0;
	if (sg_ext_process(c, SG_MSG_HRR, exts, NULL) < 0)
		return SIGIL_ERROR;
	if (!hs->hrr_group && !hs->cookie_len)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "a HelloRetryRequest that changes nothing");
	/* hrr_group stays 0 for a retry that only asks for a cookie: the
	 * second hello then repeats our shares (client_hello.c). */
	if (hs->hrr_group && (!offered_group(c, hs->hrr_group) || sent_share(c, hs->hrr_group)))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the HelloRetryRequest asks for group 0x%04x, %s",
				hs->hrr_group,
				offered_group(c, hs->hrr_group) ? "for which we already sent a share" : "which we did not offer");
	if (sg_transcript_start(c, c->suite->hash) < 0 || hash_first_hello(c) < 0)
		return SIGIL_ERROR;
	hs->flags |= SG_HS_HRR;
	c->hrr = true;
	return 0;
}

int sg_server_hello_recv(sigil_conn *c, sg_rd *r)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	uint16_t legacy_version, suite;
	const uint8_t *random;
	uint8_t comp;
	sg_rd sid, exts;

	sg_rd whole = *r;
	if (!sg_rd_u16(r, &legacy_version) || !sg_rd_bytes(r, &random, 32) || !sg_rd_vec8(r, &sid) ||
	    !sg_rd_u16(r, &suite) || !sg_rd_u8(r, &comp))
		return SG_DECODE(c, "ServerHello");
	exts.n = 0;
	if (!sg_rd_done(r) && (!sg_rd_vec16(r, &exts) || !sg_rd_done(r)))
		return SG_DECODE(c, "ServerHello");

	/* D.5: a ServerHello.legacy_version of 0x0300 or less is
	 * protocol_version, with or without supported_versions. */
	if (legacy_version <= 0x0300)
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the ServerHello's legacy_version is 0x%04x (SSL 3.0 or older), which must be refused",
				legacy_version);
	bool is_hrr = memcmp(random, hrr_random, 32) == 0;
	if (is_hrr && (hs->flags & SG_HS_HRR))
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "a second HelloRetryRequest");

	/* Find supported_versions before anything else: without it the
	 * server speaks TLS 1.2 or older (4.1.3, 4.2.1). */
	sg_rd sv;
	if (!sg_ext_peek(exts, SG_EXT_SUPPORTED_VERSIONS, &sv)) {
		if (memcmp(random + 24, downgrade12, 8) == 0 || memcmp(random + 24, downgrade11, 8) == 0)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"downgrade detected: the server answered with TLS 1.2 although it supports TLS 1.3 "
					"(someone may be tampering with the connection)");
		/* RFC 5246 7.4.1.3: a TLS 1.2 ServerHello (tls12_client.c). */
		if (cfg->min_version <= SG_TLS12 && !is_hrr)
			return sg_tls12_server_hello_recv(c, &whole);
		return SG_ALERT(c, SIGIL_ALERT_PROTOCOL_VERSION,
				"the server does not speak TLS 1.3 (it chose version 0x%04x)%s", legacy_version,
				cfg->min_version <= SG_TLS12 ? "" : "; this client's minimum version is TLS 1.3");
	}
	if (legacy_version != 0x0303)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "ServerHello legacy_version 0x%04x", legacy_version);
	if (sid.n != hs->session_id_len || memcmp(sid.p, hs->session_id, sid.n) != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the server did not echo our legacy_session_id");
	if (comp != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the server chose TLS compression");

	bool offered = false;
	for (size_t i = 0; i < cfg->nsuites; i++)
		offered |= cfg->suites[i] == suite;
	if (!offered)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server chose cipher suite 0x%04x, which we did not offer", suite);
	/* After a retry the suite must not change (4.1.4). */
	if (c->suite && c->suite->id != suite)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the ServerHello's cipher suite differs from the HelloRetryRequest's");
	c->suite = sg_suite_find(suite);

	if (is_hrr)
		return hrr_recv(c, exts);

	if (sg_ext_process(c, SG_MSG_SH, exts, NULL) < 0)
		return SIGIL_ERROR;
	if (!c->group)
		return SG_ALERT(c, SIGIL_ALERT_MISSING_EXTENSION, "the ServerHello has no key_share");
	if (sg_transcript_start(c, c->suite->hash) < 0)
		return SIGIL_ERROR;
	hs->flags |= SG_HS_NEGOTIATED;
	c->resumed = (hs->flags & SG_HS_PSK) != 0;
	return 0;
}
