/*
 * Extensions: one table of every extension sigil knows, with the messages
 * each may appear in (RFC 8446 4.2) and its parser.  sg_ext_process() runs
 * the rules common to all of them; builders for our own messages follow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tls/tls.h"

typedef int (*ext_fn)(sigil_conn *c, unsigned where, sg_rd *d);

static int ext_server_name(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_groups(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_sigalgs(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_sigalgs_cert(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_alpn(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_key_share(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_versions(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_psk_modes(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_cookie(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_early_data(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_record_limit(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_pha(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_psk(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_cas(sigil_conn *c, unsigned where, sg_rd *d);
static int ext_ignore(sigil_conn *c, unsigned where, sg_rd *d);

static const struct sg_ext {
	uint16_t type;
	unsigned where;
	const char *name;
	ext_fn parse;
} table[] = {
	{ SG_EXT_SERVER_NAME, SG_IN_CH | SG_IN_EE, "server_name", ext_server_name },
	{ SG_EXT_STATUS_REQUEST, SG_IN_CH | SG_IN_CR | SG_IN_CT, "status_request", ext_ignore },
	{ SG_EXT_SUPPORTED_GROUPS, SG_IN_CH | SG_IN_EE, "supported_groups", ext_groups },
	{ SG_EXT_SIGNATURE_ALGORITHMS, SG_IN_CH | SG_IN_CR, "signature_algorithms", ext_sigalgs },
	{ SG_EXT_ALPN, SG_IN_CH | SG_IN_EE, "application_layer_protocol_negotiation", ext_alpn },
	{ SG_EXT_SCT, SG_IN_CH | SG_IN_CR | SG_IN_CT, "signed_certificate_timestamp", ext_ignore },
	{ SG_EXT_RECORD_SIZE_LIMIT, SG_IN_CH | SG_IN_EE, "record_size_limit", ext_record_limit },
	{ SG_EXT_PRE_SHARED_KEY, SG_IN_CH | SG_IN_SH, "pre_shared_key", ext_psk },
	{ SG_EXT_EARLY_DATA, SG_IN_CH | SG_IN_EE | SG_IN_NST, "early_data", ext_early_data },
	{ SG_EXT_SUPPORTED_VERSIONS, SG_IN_CH | SG_IN_SH | SG_IN_HRR, "supported_versions", ext_versions },
	{ SG_EXT_COOKIE, SG_IN_CH | SG_IN_HRR, "cookie", ext_cookie },
	{ SG_EXT_PSK_KEY_EXCHANGE_MODES, SG_IN_CH, "psk_key_exchange_modes", ext_psk_modes },
	{ SG_EXT_CERTIFICATE_AUTHORITIES, SG_IN_CH | SG_IN_CR, "certificate_authorities", ext_cas },
	{ SG_EXT_POST_HANDSHAKE_AUTH, SG_IN_CH, "post_handshake_auth", ext_pha },
	{ SG_EXT_SIGNATURE_ALGORITHMS_CERT, SG_IN_CH | SG_IN_CR, "signature_algorithms_cert", ext_sigalgs_cert },
	{ SG_EXT_KEY_SHARE, SG_IN_CH | SG_IN_SH | SG_IN_HRR, "key_share", ext_key_share },
};

static const char *where_name(unsigned where)
{
	switch (where) {
	case SG_IN_CH: return "ClientHello";
	case SG_IN_SH: return "ServerHello";
	case SG_IN_HRR: return "HelloRetryRequest";
	case SG_IN_EE: return "EncryptedExtensions";
	case SG_IN_CT: return "Certificate";
	case SG_IN_CR: return "CertificateRequest";
	default: return "NewSessionTicket";
	}
}

static bool sent_by_us(const sigil_conn *c, uint16_t type)
{
	const sg_hs *hs = c->hs;
	for (size_t i = 0; i < hs->next_sent; i++)
		if (hs->ext_sent[i] == type)
			return true;
	return false;
}

/*
 * A set of 16-bit values, for duplicate extension types (4.2) and key
 * share groups (4.2.8).  A list may hold thousands of them (a ClientHello
 * of SIGIL_MAX_CLIENT_HELLO bytes holds up to 4,000 empty extensions),
 * so the check must stay linear: the first values go to a small array
 * searched in full (every real hello: browsers send about 16 extensions
 * and 2 or 3 key shares), and from the first value that does not fit, a
 * bitmap of all 2^16 values (8 KiB, on the heap, freed at once) takes
 * each in constant time.  Exact, whatever the values, and no allocation
 * unless a peer sends more than SET_FEW of them.
 */
#define SET_FEW 32
typedef struct u16set {
	uint16_t few[SET_FEW];
	size_t n;
	uint8_t *all;
} u16set;

/* 1: added, 0: already there, -1: out of memory. */
static int set_add(u16set *s, uint16_t v)
{
	if (!s->all) {
		for (size_t i = 0; i < s->n; i++)
			if (s->few[i] == v)
				return 0;
		if (s->n < SET_FEW) {
			s->few[s->n++] = v;
			return 1;
		}
		if (!(s->all = calloc(1, 65536 / 8)))
			return -1;
		for (size_t i = 0; i < s->n; i++)
			s->all[s->few[i] >> 3] |= (uint8_t)(1u << (s->few[i] & 7));
	}
	uint8_t bit = (uint8_t)(1u << (v & 7));
	if (s->all[v >> 3] & bit)
		return 0;
	s->all[v >> 3] |= bit;
	return 1;
}

static void set_free(u16set *s)
{
	free(s->all);
	s->all = NULL;
}

static int process(sigil_conn *c, unsigned where, sg_rd *exts, u16set *seen)
{
	/* Messages that answer ours may only carry what we asked for (4.2). */
	bool response = where & (SG_IN_SH | SG_IN_HRR | SG_IN_EE | SG_IN_CT);
	while (!sg_rd_done(exts)) {
		uint16_t type;
		sg_rd data;
		if (!sg_rd_u16(exts, &type) || !sg_rd_vec16(exts, &data))
			return SG_DECODE(c, "extension list");
		/* 4.2: "There MUST NOT be more than one extension of the same
		 * type in a given extension block." */
		int fresh = set_add(seen, type);
		if (fresh < 0)
			return SG_INTERNAL(c, "out of memory");
		if (!fresh)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"duplicate extension %u in %s", type, where_name(where));
		/* pre_shared_key must be the last extension (4.2.11). */
		if (where == SG_IN_CH && type == SG_EXT_PRE_SHARED_KEY && !sg_rd_done(exts))
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"pre_shared_key is not the last extension of the ClientHello");
		const struct sg_ext *e = NULL;
		for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
			if (table[i].type == type)
				e = &table[i];
		if (response && !(where == SG_IN_HRR && type == SG_EXT_COOKIE) &&
		    (where == SG_IN_CT || !sent_by_us(c, type)))
			return SG_ALERT(c, SIGIL_ALERT_UNSUPPORTED_EXTENSION,
					"the peer sent extension %s (%u) in %s, which we never offered",
					e ? e->name : "unknown", type, where_name(where));
		if (!e)
			continue;       /* unknown extensions in requests are ignored */
		if (!(e->where & where))
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "extension %s not allowed in %s",
					e->name, where_name(where));
		if (e->parse(c, where, &data) < 0)
			return SIGIL_ERROR;
		if (!sg_rd_done(&data))
			return SG_ALERT(c, SIGIL_ALERT_DECODE_ERROR, "trailing bytes in extension %s", e->name);
	}
	return 0;
}

int sg_ext_process(sigil_conn *c, unsigned where, sg_rd *exts)
{
	u16set seen = { .n = 0 };
	int r = process(c, where, exts, &seen);
	set_free(&seen);
	return r;
}

/* ---- parsers ---- */

static int ext_ignore(sigil_conn *c, unsigned where, sg_rd *d)
{
	(void)c;
	(void)where;
	return sg_rd_skip(d, sg_rd_left(d)) ? 0 : -1;
}

/* RFC 6066 3: a list with at most one host_name. */
static int ext_server_name(sigil_conn *c, unsigned where, sg_rd *d)
{
	if (where == SG_IN_EE) {
		c->hs->ch_has_sni = true;
		return sg_rd_done(d) ? 0 : SG_DECODE(c, "server_name acknowledgement");
	}
	sg_rd list;
	if (!sg_rd_vec16(d, &list) || sg_rd_done(&list))
		return SG_DECODE(c, "server_name");
	bool have = false;
	while (!sg_rd_done(&list)) {
		uint8_t type;
		sg_rd name;
		if (!sg_rd_u8(&list, &type) || !sg_rd_vec16(&list, &name))
			return SG_DECODE(c, "server_name");
		if (type != 0)
			continue;
		if (have)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "two host names in server_name");
		have = true;
		size_t n = sg_rd_left(&name);
		if (n == 0 || n >= sizeof c->sni)
			return SG_ALERT(c, SIGIL_ALERT_DECODE_ERROR, "server_name of %zu bytes", n);
		for (size_t i = 0; i < n; i++) {
			uint8_t ch = name.p[i];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			      ch == '-' || ch == '.' || ch == '_'))
				return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
						"server_name holds a byte 0x%02x not allowed in a host name", ch);
		}
		memcpy(c->sni, name.p, n);
		c->sni[n] = 0;
		c->hs->ch_has_sni = true;
	}
	return 0;
}

static int read_u16_list(sigil_conn *c, sg_rd *d, const char *what, uint16_t *out, size_t *n,
			 bool (*known)(uint16_t))
{
	sg_rd list;
	if (!sg_rd_vec16(d, &list) || sg_rd_done(&list) || sg_rd_left(&list) % 2)
		return SG_DECODE(c, what);
	*n = 0;
	while (!sg_rd_done(&list)) {
		uint16_t v;
		if (!sg_rd_u16(&list, &v))
			return SG_DECODE(c, what);
		if (out && known(v) && *n < SG_MAX_LIST)
			out[(*n)++] = v;
	}
	return 0;
}

static bool known_group(uint16_t v) { return sg_group_find(v) != NULL; }
static bool known_scheme(uint16_t v) { return sg_sigscheme_find(v) != NULL; }

static int ext_groups(sigil_conn *c, unsigned where, sg_rd *d)
{
	if (where == SG_IN_EE) {
		size_t n;
		/* The server's preferences, for later connections: unused. */
		return read_u16_list(c, d, "supported_groups", NULL, &n, known_group);
	}
	c->hs->has_groups = true;
	return read_u16_list(c, d, "supported_groups", c->hs->peer_groups, &c->hs->npeer_groups, known_group);
}

static int ext_sigalgs(sigil_conn *c, unsigned where, sg_rd *d)
{
	(void)where;
	c->hs->has_sigalgs = true;
	return read_u16_list(c, d, "signature_algorithms", c->hs->peer_sigalgs, &c->hs->npeer_sigalgs, known_scheme);
}

static int ext_sigalgs_cert(sigil_conn *c, unsigned where, sg_rd *d)
{
	(void)where;
	size_t n;
	return read_u16_list(c, d, "signature_algorithms_cert", NULL, &n, known_scheme);
}

/* RFC 7301 3.1 */
static int ext_alpn(sigil_conn *c, unsigned where, sg_rd *d)
{
	const sigil_config *cfg = c->cfg;
	sg_rd list, name;
	if (!sg_rd_vec16(d, &list) || sg_rd_done(&list))
		return SG_DECODE(c, "ALPN extension");
	if (where == SG_IN_EE) {
		/* Exactly one name, one we offered. */
		if (!sg_rd_vec8(&list, &name) || sg_rd_done(&name) || !sg_rd_done(&list))
			return SG_DECODE(c, "ALPN extension");
		sg_rd ours;
		sg_rd_init(&ours, cfg->alpn, cfg->alpn_len);
		sg_rd o;
		while (sg_rd_vec8(&ours, &o))
			if (o.n == name.n && memcmp(o.p, name.p, name.n) == 0) {
				memcpy(c->alpn, name.p, name.n);
				c->alpn[name.n] = 0;
				return 0;
			}
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server chose ALPN protocol \"%.*s\", which we did not offer",
				(int)name.n, (const char *)name.p);
	}
	c->hs->ch_has_alpn = true;
	sg_rd all = list;
	while (!sg_rd_done(&all))
		if (!sg_rd_vec8(&all, &name) || sg_rd_done(&name))
			return SG_DECODE(c, "ALPN protocol list");
	if (!cfg->alpn_len)
		return 0;
	/* The server's preference decides (3.2). */
	sg_rd ours, o;
	sg_rd_init(&ours, cfg->alpn, cfg->alpn_len);
	while (sg_rd_vec8(&ours, &o)) {
		sg_rd theirs = list;
		while (sg_rd_vec8(&theirs, &name))
			if (o.n == name.n && memcmp(o.p, name.p, name.n) == 0) {
				memcpy(c->alpn, name.p, name.n);
				c->alpn[name.n] = 0;
				return 0;
			}
	}
	return SG_ALERT(c, SIGIL_ALERT_NO_APPLICATION_PROTOCOL,
			"the client offers no application protocol (ALPN) that we serve");
}

/* RFC 8446 4.2.8 */
static int ext_key_share(sigil_conn *c, unsigned where, sg_rd *d)
{
	sg_hs *hs = c->hs;
	if (where == SG_IN_HRR) {
		if (!sg_rd_u16(d, &hs->hrr_group))
			return SG_DECODE(c, "key_share of HelloRetryRequest");
		return 0;
	}
	if (where == SG_IN_SH) {
		uint16_t g;
		sg_rd key;
		if (!sg_rd_u16(d, &g) || !sg_rd_vec16(d, &key))
			return SG_DECODE(c, "key_share of ServerHello");
		if (!hs->kex || g != hs->kex_group->id)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the server's key share is for group 0x%04x, not the one we sent", g);
		if (key.n != hs->kex_group->kex->pub_len ||
		    sg_kex_derive(hs->kex, key.p, key.n, hs->shared) < 0)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the server's %s key share is invalid", hs->kex_group->name);
		hs->shared_len = hs->kex_group->kex->secret_len;
		c->group = g;
		return 0;
	}
	/* Any number of shares, for groups we do not know too: the
	 * ClientHello's size bounds the work.  Kept as the checked list;
	 * the group is chosen once every extension is read. */
	sg_rd list, all;
	if (!sg_rd_vec16(d, &list))
		return SG_DECODE(c, "key_share");
	u16set groups = { .n = 0 };
	size_t n = 0;
	int r = 0;
	for (all = list; r == 0 && !sg_rd_done(&all); n++) {
		uint16_t g;
		sg_rd key;
		if (!sg_rd_u16(&all, &g) || !sg_rd_vec16(&all, &key) || sg_rd_done(&key)) {
			r = SG_DECODE(c, "key_share entry");
			break;
		}
		/* "Clients MUST NOT offer multiple KeyShareEntry values for
		 * the same group" (4.2.8). */
		int fresh = set_add(&groups, g);
		if (fresh <= 0)
			r = fresh < 0 ? SG_INTERNAL(c, "out of memory") :
			    SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "two key shares for group 0x%04x", g);
	}
	set_free(&groups);
	if (r < 0)
		return r;       /* the handshake state is gone */
	hs->has_shares = true;
	hs->shares = list;
	hs->nshares = n;
	return 0;
}

/* RFC 8446 4.2.1 */
static int ext_versions(sigil_conn *c, unsigned where, sg_rd *d)
{
	if (where != SG_IN_CH) {
		uint16_t v;
		if (!sg_rd_u16(d, &v))
			return SG_DECODE(c, "supported_versions");
		if (v != SIGIL_TLS13)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the server selected version 0x%04x, which we did not offer", v);
		c->hs->has_versions = true;
		return 0;
	}
	sg_rd list;
	if (!sg_rd_vec8(d, &list) || sg_rd_done(&list) || sg_rd_left(&list) % 2)
		return SG_DECODE(c, "supported_versions");
	c->hs->has_versions = true;
	while (!sg_rd_done(&list)) {
		uint16_t v;
		if (!sg_rd_u16(&list, &v))
			return SG_DECODE(c, "supported_versions");
		if (v == SIGIL_TLS13)
			c->hs->tls13_offered = true;
	}
	return 0;
}

static int ext_psk_modes(sigil_conn *c, unsigned where, sg_rd *d)
{
	(void)where;
	sg_rd list;
	uint8_t mode;
	if (!sg_rd_vec8(d, &list) || sg_rd_done(&list))
		return SG_DECODE(c, "psk_key_exchange_modes");
	/* psk_dhe_ke (1) is the only mode sigil uses (4.2.9). */
	while (sg_rd_u8(&list, &mode))
		c->hs->psk_dhe_ke |= mode == 1;
	return 0;
}

/* RFC 8446 4.2.11: identities and binders in a ClientHello (checked and
 * kept for sg_psk_accept), the selected identity in a ServerHello. */
static int ext_psk(sigil_conn *c, unsigned where, sg_rd *d)
{
	sg_hs *hs = c->hs;
	if (where == SG_IN_SH) {
		uint16_t sel;
		if (!sg_rd_u16(d, &sel))
			return SG_DECODE(c, "pre_shared_key of ServerHello");
		/* We offer one identity, with a hash fitting the suite (4.2.11). */
		const sg_suite *ss = c->session ? sg_suite_find(c->session->suite) : NULL;
		if (sel != 0 || !ss || ss->hash != c->suite->hash)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
					"the server selected PSK identity %u, which we did not offer for this suite", sel);
		memcpy(hs->psk, c->session->psk, c->session->psk_len);
		hs->flags |= SG_HS_PSK;
		return 0;
	}
	sg_rd ids, binders, id, b;
	uint32_t age;
	size_t nids = 0, nb = 0;
	if (!sg_rd_vec16(d, &ids) || sg_rd_done(&ids) || !sg_rd_vec16(d, &binders) || sg_rd_done(&binders))
		return SG_DECODE(c, "pre_shared_key");
	hs->psk_identities = ids;
	hs->psk_binders = binders;
	while (!sg_rd_done(&ids)) {
		if (!sg_rd_vec16(&ids, &id) || sg_rd_done(&id) || !sg_rd_u32(&ids, &age))
			return SG_DECODE(c, "pre_shared_key identity");
		nids++;
	}
	while (!sg_rd_done(&binders)) {
		if (!sg_rd_vec8(&binders, &b) || b.n < 32)
			return SG_DECODE(c, "pre_shared_key binder");
		nb++;
	}
	if (nids != nb)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "pre_shared_key has %zu identities but %zu binders",
				nids, nb);
	hs->ch_has_psk = true;
	return 0;
}

/* RFC 8446 4.2.2 */
static int ext_cookie(sigil_conn *c, unsigned where, sg_rd *d)
{
	sg_hs *hs = c->hs;
	sg_rd ck;
	if (!sg_rd_vec16(d, &ck) || sg_rd_done(&ck))
		return SG_DECODE(c, "cookie");
	if (where == SG_IN_HRR) {
		if (ck.n > sizeof hs->cookie)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest cookie of %zu bytes", ck.n);
		memcpy(hs->cookie, ck.p, ck.n);
		hs->cookie_len = ck.n;
		return 0;
	}
	/* Only a second ClientHello may carry our cookie, unchanged. */
	if (!(hs->flags & SG_HS_HRR) || ck.n != hs->cookie_len || !sg_ct_eq(ck.p, hs->cookie, ck.n))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the ClientHello carries a cookie we did not send");
	hs->cookie_len = 0;     /* consumed: its absence is checked by the caller */
	return 0;
}

static int ext_early_data(sigil_conn *c, unsigned where, sg_rd *d)
{
	if (where == SG_IN_NST) {
		uint32_t max;
		return sg_rd_u32(d, &max) ? 0 : SG_DECODE(c, "early_data");
	}
	if (!sg_rd_done(d))
		return SG_DECODE(c, "early_data");
	c->hs->ch_early_data = true;
	return 0;
}

/* RFC 8449 4: the peer's limit on the plaintext of records we send, which
 * in TLS 1.3 counts the content type byte. */
static int ext_record_limit(sigil_conn *c, unsigned where, sg_rd *d)
{
	uint16_t v;
	if (!sg_rd_u16(d, &v))
		return SG_DECODE(c, "record_size_limit");
	if (v < 64)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "record_size_limit of %u (minimum 64)", v);
	if (where == SG_IN_CH)
		c->hs->peer_record_limit = v;
	if ((size_t)v - 1 < c->max_fragment)
		c->max_fragment = (size_t)v - 1;
	return 0;
}

/* RFC 8446 4.2.4: DistinguishedName authorities<3..2^16-1>, each
 * opaque<1..2^16-1>.  A client uses them to pick its certificate; a
 * server ignores them (one certificate per key type is enough). */
static int ext_cas(sigil_conn *c, unsigned where, sg_rd *d)
{
	sg_rd list, name, all;
	if (!sg_rd_vec16(d, &list) || sg_rd_left(&list) < 3)
		return SG_DECODE(c, "certificate_authorities");
	all = list;
	while (!sg_rd_done(&all))
		if (!sg_rd_vec16(&all, &name) || sg_rd_done(&name))
			return SG_DECODE(c, "certificate_authorities");
	if (where == SG_IN_CR)
		c->hs->ca_names = list;
	return 0;
}

static int ext_pha(sigil_conn *c, unsigned where, sg_rd *d)
{
	(void)where;
	c->hs->ch_pha = true;
	return sg_rd_done(d) ? 0 : SG_DECODE(c, "post_handshake_auth");
}

/* ---- builders ---- */

static void note_sent(sigil_conn *c, uint16_t type)
{
	sg_hs *hs = c->hs;
	if (hs->next_sent < sizeof hs->ext_sent / sizeof hs->ext_sent[0])
		hs->ext_sent[hs->next_sent++] = type;
}

void sg_ext_put_u16_list(sg_wr *w, uint16_t type, const uint16_t *v, size_t n, bool handshake_schemes)
{
	sg_wr_u16(w, type);
	sg_wr_mark m = sg_wr_open(w, 2);
	sg_wr_mark l = sg_wr_open(w, 2);
	for (size_t i = 0; i < n; i++) {
		const sg_sigscheme *s = handshake_schemes ? sg_sigscheme_find(v[i]) : NULL;
		if (!handshake_schemes || (s && s->handshake))
			sg_wr_u16(w, v[i]);
	}
	sg_wr_close(w, l);
	sg_wr_close(w, m);
}

static bool is_ip_literal(const char *s)
{
	uint8_t buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int sg_ext_build_ch(sigil_conn *c, sg_wr *w)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	sg_wr_mark m, l;
	hs->next_sent = 0;

	/* RFC 6066 3: host names only, never IP literals. */
	if (c->sni[0] && !is_ip_literal(c->sni)) {
		size_t n = strlen(c->sni);
		sg_wr_u16(w, SG_EXT_SERVER_NAME);
		m = sg_wr_open(w, 2);
		l = sg_wr_open(w, 2);
		sg_wr_u8(w, 0);
		sg_wr_u16(w, (uint16_t)n);
		sg_wr_bytes(w, c->sni, n);
		sg_wr_close(w, l);
		sg_wr_close(w, m);
		note_sent(c, SG_EXT_SERVER_NAME);
	}

	sg_wr_u16(w, SG_EXT_SUPPORTED_VERSIONS);
	sg_wr_u16(w, 3);
	sg_wr_u8(w, 2);
	sg_wr_u16(w, SIGIL_TLS13);
	note_sent(c, SG_EXT_SUPPORTED_VERSIONS);

	sg_ext_put_u16_list(w, SG_EXT_SUPPORTED_GROUPS, cfg->groups, cfg->ngroups, false);
	note_sent(c, SG_EXT_SUPPORTED_GROUPS);

	sg_wr_u16(w, SG_EXT_KEY_SHARE);
	m = sg_wr_open(w, 2);
	l = sg_wr_open(w, 2);
	sg_wr_u16(w, hs->kex_group->id);
	uint8_t *pub = (sg_wr_u16(w, (uint16_t)hs->kex_group->kex->pub_len),
			sg_wr_space(w, hs->kex_group->kex->pub_len));
	if (!pub || sg_kex_public(hs->kex, pub) < 0)
		return SG_INTERNAL(c, "key share");
	sg_wr_close(w, l);
	sg_wr_close(w, m);
	note_sent(c, SG_EXT_KEY_SHARE);

	sg_ext_put_u16_list(w, SG_EXT_SIGNATURE_ALGORITHMS, cfg->sigalgs, cfg->nsigalgs, false);
	note_sent(c, SG_EXT_SIGNATURE_ALGORITHMS);

	if (cfg->alpn_len) {
		sg_wr_u16(w, SG_EXT_ALPN);
		m = sg_wr_open(w, 2);
		l = sg_wr_open(w, 2);
		sg_wr_bytes(w, cfg->alpn, cfg->alpn_len);
		sg_wr_close(w, l);
		sg_wr_close(w, m);
		note_sent(c, SG_EXT_ALPN);
	}

	/* With a certificate to show, we accept a request for it after the
	 * handshake (4.2.6). */
	if (cfg->ncerts) {
		sg_wr_u16(w, SG_EXT_POST_HANDSHAKE_AUTH);
		sg_wr_u16(w, 0);
		note_sent(c, SG_EXT_POST_HANDSHAKE_AUTH);
		hs->pha_offered = true;
	}

	/* psk_dhe_ke only: lets servers issue tickets (4.2.9). */
	sg_wr_u16(w, SG_EXT_PSK_KEY_EXCHANGE_MODES);
	sg_wr_u16(w, 2);
	sg_wr_u8(w, 1);
	sg_wr_u8(w, 1);
	note_sent(c, SG_EXT_PSK_KEY_EXCHANGE_MODES);

	if (hs->cookie_len) {
		sg_wr_u16(w, SG_EXT_COOKIE);
		m = sg_wr_open(w, 2);
		l = sg_wr_open(w, 2);
		sg_wr_bytes(w, hs->cookie, hs->cookie_len);
		sg_wr_close(w, l);
		sg_wr_close(w, m);
		note_sent(c, SG_EXT_COOKIE);
	}
	/* pre_shared_key goes last (4.2.11). */
	if (sg_psk_offering(c)) {
		if (sg_psk_build_ch(c, w) < 0)
			return SIGIL_ERROR;
		note_sent(c, SG_EXT_PRE_SHARED_KEY);
	}
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "ClientHello too large");
}

int sg_ext_build_ee(sigil_conn *c, sg_wr *w)
{
	sg_hs *hs = c->hs;
	sg_wr_mark m, l;
	if (hs->ch_has_sni && c->sni[0]) {
		/* RFC 6066 3: an empty server_name says the name was used. */
		sg_wr_u16(w, SG_EXT_SERVER_NAME);
		sg_wr_u16(w, 0);
	}
	if (c->alpn[0]) {
		size_t n = strlen(c->alpn);
		sg_wr_u16(w, SG_EXT_ALPN);
		m = sg_wr_open(w, 2);
		l = sg_wr_open(w, 2);
		sg_wr_u8(w, (uint8_t)n);
		sg_wr_bytes(w, c->alpn, n);
		sg_wr_close(w, l);
		sg_wr_close(w, m);
	}
	if (hs->peer_record_limit) {
		/* We take full records: 2^14 plus the content type byte. */
		sg_wr_u16(w, SG_EXT_RECORD_SIZE_LIMIT);
		sg_wr_u16(w, 2);
		sg_wr_u16(w, SG_MAX_PLAINTEXT + 1);
	}
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "EncryptedExtensions too large");
}
