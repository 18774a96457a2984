/*
 * Session resumption: stateless tickets (RFC 8446 4.6.1), PSK offers and
 * binders (4.2.11), and the client's session blobs.
 *
 * A ticket is  key_name[16] || nonce[12] || AES-256-GCM(state) || tag[16]
 * with the key name as additional data, and state =
 *   u8 version (2) || u16 suite || u64 issued (ms since the epoch) ||
 *   u32 lifetime (s) || u32 age_add || u16 protocol (0x0304 or 0x0303) ||
 *   u8 flags (1: extended master secret) || sni_hash[32] ||
 *   opaque psk<1..48>
 * protocol keeps a TLS 1.2 ticket from resuming a TLS 1.3 session and the
 * reverse; sni_hash, SHA-256 of the lowercased server name (of the empty
 * string when there was none), binds the session to the site it was
 * authenticated for (RFC 8446 4.6.1, RFC 6066 3): one server may serve
 * several (sg_cert_candidates), and another name is a full handshake.
 * Version 1 (no protocol, no name) no longer decodes: a full handshake.
 * For TLS 1.2 (RFC 5077 4) psk is the master secret and age_add is 0.
 * The server keeps nothing per session; any server holding the ticket key
 * can resume it.  0-RTT is never offered nor accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "tls/tls.h"

#define TICKET_NAME 16
#define TICKET_VERSION 2
#define STATE_MAX 128                   /* the longest state we open */
#define AGE_TOLERANCE_MS 10000u         /* clock and RTT slack (8.3) */
#define MAX_LIFETIME 604800u            /* 7 days (4.6.1) */
/* The longest ticket a client keeps.  A NewSessionTicket may carry up to
 * 2^16-1 bytes (4.6.1), but the ticket has to go back in a ClientHello's
 * pre_shared_key with its length, age and binder (4.2.11), inside an
 * extensions block of at most 2^16-1 bytes shared with every other
 * extension (up to about 4 KiB: ALPN, cookie, key shares).  A longer
 * ticket is ignored, as one of lifetime 0 is; 32 KiB leaves ample room
 * and bounds what a server makes a client hold. */
#define MAX_CLIENT_TICKET 32768u
#define SESSION_MAGIC "SGS1"            /* a TLS 1.3 session */
#define SESSION_MAGIC12 "SGS2"          /* a TLS 1.2 one: same fields, psk the master secret */
#define LIFETIME12_DEFAULT 7200u        /* for a lifetime hint of 0, "unspecified" (RFC 5077 3.3) */

uint64_t sg_now_ms(const sigil_conn *c)
{
	const sg_test_hooks *h = c->cfg->hooks;
	if (h && h->now_ms)
		return h->now_ms(h->arg);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sg_session_free(sg_session *s)
{
	if (!s)
		return;
	free(s->ticket);
	sg_wipe(s, sizeof *s);
	free(s);
}

/* A client's new session from a ticket the server sent: the ticket
 * copied, the version, suite and time of receipt; NULL without memory. */
static sg_session *session_new(const sigil_conn *c, sg_rd ticket, uint16_t version)
{
	sg_session *s = calloc(1, sizeof *s);
	if (!s || !(s->ticket = malloc(ticket.n))) {
		free(s);
		return NULL;
	}
	memcpy(s->ticket, ticket.p, ticket.n);
	s->ticket_len = ticket.n;
	s->version = version;
	s->suite = c->suite->id;
	s->received_ms = sg_now_ms(c);
	return s;
}

/* psk = HKDF-Expand-Label(resumption_master_secret, "resumption",
 *                         ticket_nonce, Hash.length)            (4.6.1) */
static int ticket_psk(const sigil_conn *c, const uint8_t *nonce, size_t nlen, uint8_t *psk)
{
	const sg_hash_class *h = c->suite->hash;
	return sg_hkdf_expand_label(h, c->resumption, "resumption", nonce, nlen, psk, h->out_len);
}

/* SHA-256 of the lowercased name: what a ticket is bound to. */
int sg_ticket_sni_hash(const char *sni, uint8_t out[SG_TICKET_SNI_HASH])
{
	char low[256];
	size_t n = strnlen(sni, sizeof low - 1);
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(sni[i] >= 'A' && sni[i] <= 'Z' ? sni[i] - 'A' + 'a' : sni[i]);
	return sg_hash(&sg_sha256, (const uint8_t *)low, n, out);
}

/* ---- server: issuing ---- */

static int seal(sigil_conn *c, const uint8_t *state, size_t n, sg_wr *w)
{
	const uint8_t *key = c->cfg->ticket_keys[0];
	uint8_t *out = sg_wr_space(w, TICKET_NAME + SG_AEAD_NONCE + n + SG_AEAD_TAG);
	if (!out)
		return -1;
	memcpy(out, key, TICKET_NAME);
	if (sg_random(out + TICKET_NAME, SG_AEAD_NONCE) < 0)
		return -1;
	/* A context per ticket: configs are shared by threads, contexts not. */
	sg_aead_ctx *a = sg_aead_new(&sg_aes256gcm, key + TICKET_NAME, true);
	int r = a ? sg_aead_seal(a, out + TICKET_NAME, out, TICKET_NAME, state, n,
				 out + TICKET_NAME + SG_AEAD_NONCE) : -1;
	sg_aead_free(a);
	return r;
}

int sg_tickets_send(sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	/* No tickets for clients that cannot use them (4.2.9), nor when the
	 * client proved its identity with a certificate: a resumption would
	 * skip that proof. */
	if (!cfg->tickets || !cfg->nticket_keys || !hs->psk_dhe_ke || cfg->client_auth != SIGIL_CLIENT_AUTH_NONE)
		return 0;
	const sg_hash_class *h = c->suite->hash;
	for (unsigned i = 0; i < cfg->tickets; i++) {
		uint8_t nonce[8], psk[SG_MAX_HASH], state[STATE_MAX], msg[256], sh[SG_TICKET_SNI_HASH];
		uint32_t age_add;
		sg_store64(nonce, i);
		if (sg_conn_random(c, (uint8_t *)&age_add, sizeof age_add) < 0 || ticket_psk(c, nonce, sizeof nonce, psk) < 0 ||
		    sg_ticket_sni_hash(c->sni, sh) < 0)
			return SG_INTERNAL(c, "ticket");
		sg_wr st, m;
		sg_wr_init_fixed(&st, state, sizeof state);
		sg_wr_u8(&st, TICKET_VERSION);
		sg_wr_u16(&st, c->suite->id);
		sg_wr_u64(&st, sg_now_ms(c));
		sg_wr_u32(&st, cfg->ticket_lifetime);
		sg_wr_u32(&st, age_add);
		sg_wr_u16(&st, SIGIL_TLS13);
		sg_wr_u8(&st, 0);
		sg_wr_bytes(&st, sh, sizeof sh);
		sg_wr_u8(&st, (uint8_t)h->out_len);
		sg_wr_bytes(&st, psk, h->out_len);
		sg_wipe(psk, sizeof psk);
		sg_wr_init_fixed(&m, msg, sizeof msg);
		sg_wr_u8(&m, SG_HT_NEW_SESSION_TICKET);
		sg_wr_mark body = sg_wr_open(&m, 3);
		sg_wr_u32(&m, cfg->ticket_lifetime);
		sg_wr_u32(&m, age_add);
		sg_wr_u8(&m, sizeof nonce);
		sg_wr_bytes(&m, nonce, sizeof nonce);
		sg_wr_mark t = sg_wr_open(&m, 2);
		int r = sg_wr_ok(&st) ? seal(c, state, st.len, &m) : -1;
		sg_wipe(state, sizeof state);
		sg_wr_close(&m, t);
		if (r == 0 && sg_ext_build(c, SG_MSG_NST, &m) < 0)     /* none: no early_data */
			return SIGIL_ERROR;
		sg_wr_close(&m, body);
		if (r < 0 || !sg_wr_ok(&m))
			return SG_INTERNAL(c, "ticket");
		if (sg_record_write(c, SG_CT_HANDSHAKE, msg, m.len) < 0)
			return SIGIL_ERROR;
	}
	return 0;
}

/* ---- server: accepting ---- */

/* Open a ticket; 0 with the state's bytes, -1 when it is not ours,
 * tampered with or malformed (then the PSK is simply not used). */
int sg_ticket_open(const sigil_config *cfg, const uint8_t *t, size_t n, uint8_t *state, size_t cap, size_t *len)
{
	if (n < TICKET_NAME + SG_AEAD_NONCE + SG_AEAD_TAG + 1 || n - TICKET_NAME - SG_AEAD_NONCE > cap + SG_AEAD_TAG)
		return -1;
	for (size_t k = 0; k < cfg->nticket_keys; k++) {
		const uint8_t *key = cfg->ticket_keys[k];
		if (!sg_ct_eq(key, t, TICKET_NAME))
			continue;
		sg_aead_ctx *a = sg_aead_new(&sg_aes256gcm, key + TICKET_NAME, false);
		size_t clen = n - TICKET_NAME - SG_AEAD_NONCE;
		int r = a ? sg_aead_open(a, t + TICKET_NAME, t, TICKET_NAME, t + TICKET_NAME + SG_AEAD_NONCE,
					 clen, state) : -1;
		sg_aead_free(a);
		if (r < 0)
			return -1;
		*len = clen - SG_AEAD_TAG;
		return 0;
	}
	return -1;
}

/* The state's syntax and version only; what it means is checked by the
 * caller.  Nothing here looks at the PSK's bytes. */
int sg_ticket_decode(const uint8_t *state, size_t n, sg_ticket *t)
{
	sg_rd st, psk;
	uint8_t ver;
	sg_rd_init(&st, state, n);
	if (!sg_rd_u8(&st, &ver) || ver != TICKET_VERSION || !sg_rd_u16(&st, &t->suite) ||
	    !sg_rd_u64(&st, &t->issued) || !sg_rd_u32(&st, &t->lifetime) || !sg_rd_u32(&st, &t->age_add) ||
	    !sg_rd_u16(&st, &t->protocol) || !sg_rd_u8(&st, &t->flags) ||
	    !sg_rd_bytes(&st, &t->sni_hash, SG_TICKET_SNI_HASH) || !sg_rd_vec8(&st, &psk) || !sg_rd_done(&st))
		return -1;
	t->psk = psk.p;
	t->psk_len = psk.n;
	return 0;
}

/* The ticket was made under the name this hello asks for. */
bool sg_ticket_sni_ok(const sigil_conn *c, const sg_ticket *t)
{
	uint8_t sh[SG_TICKET_SNI_HASH];
	return sg_ticket_sni_hash(c->sni, sh) == 0 && sg_ct_eq(sh, t->sni_hash, sizeof sh);
}

int sg_psk_accept(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	const sg_hash_class *h = c->suite->hash;
	/* A server that wants client certificates never resumes: the
	 * ticket does not carry the client's identity (and such a server
	 * issues none, but a ticket key may be shared with one that does). */
	if (!hs->ch_has_psk || !hs->psk_dhe_ke || c->cfg->client_auth != SIGIL_CLIENT_AUTH_NONE)
		return 0;
	/* The first identity only: sigil issues one kind of ticket. */
	sg_rd ids = hs->psk_identities, binders = hs->psk_binders, id, binder;
	uint32_t obf_age;
	if (!sg_rd_vec16(&ids, &id) || !sg_rd_u32(&ids, &obf_age) || !sg_rd_vec8(&binders, &binder))
		return SG_DECODE(c, "pre_shared_key");
	uint8_t state[STATE_MAX];
	size_t n;
	if (sg_ticket_open(c->cfg, id.p, id.n, state, sizeof state, &n) < 0)
		return 0;
	sg_ticket t;
	int ret = 0;
	if (sg_ticket_decode(state, n, &t) < 0 || t.protocol != SIGIL_TLS13 || !sg_ticket_sni_ok(c, &t))
		goto out;
	/* The PSK's hash must be the suite's (4.2.11). */
	const sg_suite *ts = sg_suite_find(t.suite);
	if (!ts || ts->hash != h || t.psk_len != h->out_len)
		goto out;
	/* Age: our clock and the client's view must agree, within the
	 * lifetime (4.2.11.1, 8.3). */
	uint64_t now = sg_now_ms(c);
	uint32_t client_age = obf_age - t.age_add;
	if (now < t.issued || now - t.issued > (uint64_t)t.lifetime * 1000u ||
	    client_age > (uint64_t)t.lifetime * 1000u)
		goto out;
	uint64_t server_age = now - t.issued;
	if (server_age > (uint64_t)client_age + AGE_TOLERANCE_MS || client_age > server_age + AGE_TOLERANCE_MS)
		goto out;
	/* The binder covers the ClientHello up to the binders list (4.2.11.2);
	 * a wrong one aborts the handshake. */
	uint8_t th[SG_MAX_HASH], want[SG_MAX_HASH];
	size_t trunc = (size_t)(hs->psk_binders.p - 2 - hs->ch_start);
	if (binder.n != h->out_len)
		goto bad_binder;
	if (sg_hash_peek_more(hs->transcript, hs->ch_start, trunc, th) < 0 || sg_ks_binder(h, t.psk, th, want) < 0) {
		ret = SG_INTERNAL(c, "binder");
		goto out;
	}
	if (!sg_ct_eq(want, binder.p, h->out_len))
		goto bad_binder;
	memcpy(hs->psk, t.psk, t.psk_len);
	hs->flags |= SG_HS_PSK;
	c->resumed = true;
	goto out;
bad_binder:
	ret = SG_ALERT(c, SIGIL_ALERT_DECRYPT_ERROR, "the client's PSK binder is wrong");
out:
	sg_wipe(state, sizeof state);
	return ret;
}

/* ---- client ---- */

int sg_new_session_ticket_recv(sigil_conn *c, sg_rd *r)
{
	uint32_t lifetime, age_add;
	sg_rd nonce, ticket, exts;
	if (c->role != SIGIL_CLIENT)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "a client sent NewSessionTicket");
	if (!sg_rd_u32(r, &lifetime) || !sg_rd_u32(r, &age_add) || !sg_rd_vec8(r, &nonce) ||
	    !sg_rd_vec16(r, &ticket) || sg_rd_done(&ticket) || !sg_rd_vec16(r, &exts) || !sg_rd_done(r))
		return SG_DECODE(c, "NewSessionTicket");
	if (sg_ext_process(c, SG_MSG_NST, exts, NULL) < 0)
		return SIGIL_ERROR;
	/* 4.6.1: more than 7 days is an error; 0 means do not use it. */
	if (lifetime > MAX_LIFETIME)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "ticket lifetime of %u s (more than 7 days)", lifetime);
	if (lifetime == 0 || ticket.n > MAX_CLIENT_TICKET)
		return 0;
	sg_session *s = session_new(c, ticket, SIGIL_TLS13);
	if (!s)
		return SG_INTERNAL(c, "out of memory");
	s->lifetime = lifetime;
	s->age_add = age_add;
	s->psk_len = c->suite->hash->out_len;
	snprintf(s->sni, sizeof s->sni, "%s", c->sni);
	if (ticket_psk(c, nonce.p, nonce.n, s->psk) < 0) {
		sg_session_free(s);
		return SG_INTERNAL(c, "ticket");
	}
	sg_session_free(c->session);
	c->session = s;
	return 0;
}

/* Offer the session only where it belongs: same server name, unexpired,
 * a suite we still offer; after a HelloRetryRequest only when its hash is
 * the chosen suite's (4.1.4). */
bool sg_psk_offering(const sigil_conn *c)
{
	const sg_session *s = c->session;
	/* A TLS 1.2 session goes in session_ticket only (RFC 5077). */
	if (c->role != SIGIL_CLIENT || !s || s->version != SIGIL_TLS13 || !c->hs || strcasecmp(s->sni, c->sni) != 0)
		return false;
	const sg_suite *ss = sg_suite_find(s->suite);
	bool offered = false;
	for (size_t i = 0; i < c->cfg->nsuites; i++)
		offered |= c->cfg->suites[i] == s->suite;
	if (!ss || !offered || (c->suite && c->suite->hash != ss->hash))
		return false;
	uint64_t now = sg_now_ms(c);
	return now >= s->received_ms && now - s->received_ms < (uint64_t)s->lifetime * 1000u;
}

int sg_psk_build_ch(sigil_conn *c, sg_wr *w)
{
	const sg_session *s = c->session;
	const sg_suite *ss = sg_suite_find(s->suite);
	/* obfuscated_ticket_age = age in ms + ticket_age_add, mod 2^32. */
	uint32_t age = (uint32_t)(sg_now_ms(c) - s->received_ms) + s->age_add;
	sg_wr_mark ids = sg_wr_open(w, 2);
	sg_wr_u16(w, (uint16_t)s->ticket_len);
	sg_wr_bytes(w, s->ticket, s->ticket_len);
	sg_wr_u32(w, age);
	sg_wr_close(w, ids);
	sg_wr_mark bl = sg_wr_open(w, 2);
	sg_wr_u8(w, (uint8_t)ss->hash->out_len);
	uint8_t *b = sg_wr_space(w, ss->hash->out_len);
	if (b)
		memset(b, 0, ss->hash->out_len);        /* filled by sg_psk_fill_binder */
	sg_wr_close(w, bl);
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ClientHello too large");
}

/* The ClientHello is complete in w (type, length, body), its binder last.
 * Fix the message length now, hash up to the binders list and fill the
 * binder (4.2.11.2). */
int sg_psk_fill_binder(sigil_conn *c, sg_wr *w)
{
	const sg_session *s = c->session;
	const sg_hash_class *h = sg_suite_find(s->suite)->hash;
	if (!sg_wr_ok(w) || w->len < 4 + 2 + 1 + h->out_len)
		return SG_INTERNAL(c, "ClientHello");
	size_t body = w->len - 4;
	w->buf[1] = (uint8_t)(body >> 16);
	w->buf[2] = (uint8_t)(body >> 8);
	w->buf[3] = (uint8_t)body;
	size_t trunc = w->len - (2 + 1 + h->out_len);
	uint8_t th[SG_MAX_HASH];
	int r = c->hs->transcript ? sg_hash_peek_more(c->hs->transcript, w->buf, trunc, th)
				  : sg_hash(h, w->buf, trunc, th);
	if (r < 0 || sg_ks_binder(h, s->psk, th, w->buf + w->len - h->out_len) < 0)
		return SG_INTERNAL(c, "binder");
	return 0;
}

/* ---- TLS 1.2 (RFC 5077) ---- */

/* Tickets for this TLS 1.2 client: it asked (3.2), the server issues
 * them, the session has the extended master secret (RFC 7627 5.3: never
 * resumed without), and no client certificate is wanted (as for TLS
 * 1.3, sg_tickets_send). */
bool sg_tls12_tickets_on(const sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	return cfg->tickets && cfg->nticket_keys && c->hs->ch_ticket && c->hs->ems &&
	       cfg->client_auth == SIGIL_CLIENT_AUTH_NONE;
}

/* RFC 5077 3.3: uint32 ticket_lifetime_hint, opaque ticket<0..2^16-1>;
 * the state as for TLS 1.3, of protocol 0x0303, the master secret as
 * its secret. */
int sg_tls12_ticket_send(sigil_conn *c, sg_wr *w)
{
	const sigil_config *cfg = c->cfg;
	uint8_t state[STATE_MAX], sh[SG_TICKET_SNI_HASH];
	sg_wr st;
	if (sg_ticket_sni_hash(c->sni, sh) < 0)
		return SG_INTERNAL(c, "ticket");
	sg_wr_init_fixed(&st, state, sizeof state);
	sg_wr_u8(&st, TICKET_VERSION);
	sg_wr_u16(&st, c->suite->id);
	sg_wr_u64(&st, sg_now_ms(c));
	sg_wr_u32(&st, cfg->ticket_lifetime);
	sg_wr_u32(&st, 0);
	sg_wr_u16(&st, SG_TLS12);
	sg_wr_u8(&st, SG_TICKET_EMS);
	sg_wr_bytes(&st, sh, sizeof sh);
	sg_wr_u8(&st, 48);
	sg_wr_bytes(&st, c->hs->master12, 48);
	sg_wr_u32(w, cfg->ticket_lifetime);
	sg_wr_mark t = sg_wr_open(w, 2);
	int r = sg_wr_ok(&st) ? seal(c, state, st.len, w) : -1;
	sg_wipe(state, sizeof state);
	sg_wr_close(w, t);
	return r < 0 || !sg_wr_ok(w) ? SG_INTERNAL(c, "ticket") : 0;
}

int sg_tls12_ticket_accept(sigil_conn *c, const uint8_t *tk, size_t n, uint16_t *suite)
{
	uint8_t state[STATE_MAX];
	size_t len;
	sg_ticket t;
	int ok = 0;
	if (c->cfg->client_auth != SIGIL_CLIENT_AUTH_NONE || !c->hs->ems)
		return 0;
	if (sg_ticket_open(c->cfg, tk, n, state, sizeof state, &len) < 0)
		return 0;
	uint64_t now = sg_now_ms(c);
	if (sg_ticket_decode(state, len, &t) == 0 && t.protocol == SG_TLS12 && (t.flags & SG_TICKET_EMS) &&
	    t.psk_len == 48 && sg_ticket_sni_ok(c, &t) && sg_suite12_find(t.suite) && now >= t.issued &&
	    now - t.issued <= (uint64_t)t.lifetime * 1000u) {
		memcpy(c->hs->master12, t.psk, 48);
		*suite = t.suite;
		ok = 1;
	}
	sg_wipe(state, sizeof state);
	return ok;
}

/* The client: the ticket as a TLS 1.2 session (its master secret is
 * known since the ClientKeyExchange, or is the resumed one), kept when
 * the server's Finished verifies (sg_tls12_finished_recv). */
int sg_tls12_ticket_recv(sigil_conn *c, sg_rd *r)
{
	uint32_t hint;
	sg_rd ticket;
	if (c->role != SIGIL_CLIENT)
		return SG_INTERNAL(c, "TLS 1.2 NewSessionTicket");
	/* 3.3: only after a ServerHello with session_ticket. */
	if (!c->hs->send_ticket12)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"NewSessionTicket, but the ServerHello had no session_ticket extension (RFC 5077 3.3)");
	if (!sg_rd_u32(r, &hint) || !sg_rd_vec16(r, &ticket) || !sg_rd_done(r))
		return SG_DECODE(c, "TLS 1.2 NewSessionTicket");
	/* An empty ticket: the server will not issue one after all (3.3). */
	if (ticket.n == 0 || ticket.n > MAX_CLIENT_TICKET)
		return 0;
	sg_session *s = session_new(c, ticket, SG_TLS12);
	if (!s)
		return SG_INTERNAL(c, "out of memory");
	s->lifetime = hint == 0 ? LIFETIME12_DEFAULT : hint > MAX_LIFETIME ? MAX_LIFETIME : hint;
	memcpy(s->psk, c->hs->master12, 48);
	s->psk_len = 48;
	snprintf(s->sni, sizeof s->sni, "%s", c->sni);
	/* Plaintext, before the server's Finished: kept only once that
	 * Finished (whose transcript covers it) verifies. */
	sg_session_free(c->hs->session12);
	c->hs->session12 = s;
	return 0;
}

/* A TLS 1.2 session to offer in session_ticket: same server name,
 * unexpired, a suite we still offer (as sg_psk_offering). */
bool sg_tls12_session_offering(const sigil_conn *c)
{
	const sg_session *s = c->session;
	if (c->role != SIGIL_CLIENT || !s || s->version != SG_TLS12 || !c->hs || c->cfg->min_version > SG_TLS12 ||
	    strcasecmp(s->sni, c->sni) != 0 || !sg_suite12_enabled(c->cfg, s->suite))
		return false;
	uint64_t now = sg_now_ms(c);
	return now >= s->received_ms && now - s->received_ms < (uint64_t)s->lifetime * 1000u;
}

/* ---- the public calls ---- */

int sigil_conn_get_session(const sigil_conn *c, uint8_t *buf, size_t cap, size_t *len)
{
	const sg_session *s = c->session;
	*len = 0;
	if (!s || s->ticket_len == 0)
		return SIGIL_ERROR;
	sg_wr w;
	sg_wr_init_fixed(&w, buf, cap);
	sg_wr_bytes(&w, s->version == SG_TLS12 ? SESSION_MAGIC12 : SESSION_MAGIC, 4);
	sg_wr_u16(&w, s->suite);
	sg_wr_u64(&w, s->received_ms);
	sg_wr_u32(&w, s->lifetime);
	sg_wr_u32(&w, s->age_add);
	sg_wr_u8(&w, (uint8_t)s->psk_len);
	sg_wr_bytes(&w, s->psk, s->psk_len);
	sg_wr_u16(&w, (uint16_t)s->ticket_len);
	sg_wr_bytes(&w, s->ticket, s->ticket_len);
	size_t sl = strlen(s->sni);
	sg_wr_u8(&w, (uint8_t)sl);
	sg_wr_bytes(&w, s->sni, sl);
	if (!sg_wr_ok(&w))
		return SIGIL_ERROR;
	*len = w.len;
	return SIGIL_OK;
}

int sigil_conn_set_session(sigil_conn *c, const uint8_t *blob, size_t len)
{
	if (c->started || c->role != SIGIL_CLIENT)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "sigil_conn_set_session: a client, before any I/O");
	sg_rd r, psk, ticket, sni;
	const uint8_t *magic = NULL;
	sg_session *s = calloc(1, sizeof *s);
	if (!s)
		return sg_fail(c, SIGIL_ECLASS_INTERNAL, -1, "out of memory");
	sg_rd_init(&r, blob, len);
	bool v12 = false;
	if (sg_rd_bytes(&r, &magic, 4))
		v12 = memcmp(magic, SESSION_MAGIC12, 4) == 0;
	/* The suite of the session's version; a TLS 1.2 one's secret is
	 * its master secret (RFC 5246 8.1). */
	const sg_suite *ss = NULL;
	if (!magic || (!v12 && memcmp(magic, SESSION_MAGIC, 4) != 0) || !sg_rd_u16(&r, &s->suite) ||
	    !(ss = v12 ? sg_suite12_find(s->suite) : sg_suite_find(s->suite)) ||
	    !sg_rd_u64(&r, &s->received_ms) || !sg_rd_u32(&r, &s->lifetime) || !sg_rd_u32(&r, &s->age_add) ||
	    !sg_rd_vec8(&r, &psk) || !sg_rd_vec16(&r, &ticket) || !sg_rd_vec8(&r, &sni) || !sg_rd_done(&r) ||
	    psk.n != (v12 ? 48 : ss->hash->out_len) || ticket.n == 0 ||
	    ticket.n > MAX_CLIENT_TICKET || !(s->ticket = malloc(ticket.n))) {
		/* Not sticky: a bad blob only means a full handshake. */
		sg_session_free(s);
		return SIGIL_ERROR;
	}
	s->version = v12 ? SG_TLS12 : SIGIL_TLS13;
	memcpy(s->psk, psk.p, psk.n);
	s->psk_len = psk.n;
	memcpy(s->ticket, ticket.p, ticket.n);
	s->ticket_len = ticket.n;
	memcpy(s->sni, sni.p, sni.n);
	s->sni[sni.n] = 0;
	sg_session_free(c->session);
	c->session = s;
	return SIGIL_OK;
}

int sigil_conn_resumed(const sigil_conn *c)
{
	return c->resumed;
}
