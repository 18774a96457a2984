/*
 * Extensions (RFC 8446 4.2).  One table entry owns each extension whole:
 * the messages it may appear in, and for each side of a connection (we
 * are c->role) whether to send it in a message (needs), how (build), and
 * what reading it from the peer does (process).  Messages write and read
 * extension blocks only through sg_ext_build and sg_ext_parse/sg_ext_run,
 * which apply the rules common to all: one of each type per block,
 * nothing outside the messages an extension belongs to, nothing in a
 * response that we did not ask for, pre_shared_key last.
 *
 * Order.  The table's order is the order a message writes its extensions
 * in, and the order a block's extensions are processed in, whatever the
 * peer's order (so an extension may rely on those above it: key_share on
 * supported_groups, everything on supported_versions).  It is the order
 * sigil has always written ClientHellos in; the ServerHello writes
 * key_share first (`first_in`), as RFC 8448's traces do.
 *
 * Adding an extension: its type in tls.h (SG_EXT_*), an entry here at the
 * place its messages should write it, and the functions of each side that
 * sends or reads it (a NULL process skips the extension's data unread).
 * Adding a message: an SG_MSG_* bit in tls.h and its name in msg_name();
 * set the bit in `messages` of the entries allowed there (RFC 8446 4.2's
 * table, or the extension's RFC), then build the message with
 * sg_ext_build(c, bit, w) and read it with sg_ext_process (or
 * sg_ext_parse, a step of its own, sg_ext_run).
 *
 * TLS 1.2 has its extensions in this table too, each with
 * messages SG_MSG_CH | SG_MSG_SH12: extended_master_secret (RFC 7627),
 * renegotiation_info (RFC 5746), ec_point_formats (RFC 8422),
 * session_ticket (RFC 5077).  A TLS 1.2 ServerHello is built and read as
 * SG_MSG_SH12, so it never carries key_share or supported_versions, and a
 * TLS 1.3 one never carries them; server_name, ALPN and
 * record_size_limit, which TLS 1.2 answers in the ServerHello rather than
 * EncryptedExtensions, get the SG_MSG_SH12 bit too.  Process functions
 * see the message bit, and c->version, which supported_versions' process
 * sets before the rest of a block is processed (sg_ext_run_one); in a
 * ClientHello they should only record what the client offers, and leave
 * decisions to client_hello.c once the version is chosen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tls/tls.h"
#include "x509/x509.h"

typedef struct sg_ext_side {
	/* Send it in message msg?  NULL: never. */
	bool (*needs)(const sigil_conn *c, unsigned msg);
	/* Write its extension_data (type and length are written around it). */
	int (*build)(sigil_conn *c, unsigned msg, sg_wr *w);
	/* Read it from the peer's message msg: d is the extension_data, to
	 * be consumed exactly.  NULL: skipped unread. */
	int (*process)(sigil_conn *c, unsigned msg, sg_rd *d);
} sg_ext_side;

typedef struct sg_ext {
	uint16_t type;
	const char *name;
	unsigned messages;      /* where it may appear (SG_MSG_*) */
	unsigned unasked;       /* responses that may carry it unasked (a cookie in HRR) */
	unsigned first_in;      /* messages that write it before the table order */
	unsigned last_in;       /* messages where it must be the last one */
	sg_ext_side client, server;
} sg_ext;

/* ---- server_name, RFC 6066 3 ---- */

static bool is_ip_literal(const char *s)
{
	uint8_t buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Host names only, never IP literals (RFC 6066 3). */
static bool sni_client_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->sni[0] && !is_ip_literal(c->sni);
}

static int sni_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	size_t n = strlen(c->sni);
	sg_wr_mark l = sg_wr_open(w, 2);
	sg_wr_u8(w, 0);                 /* host_name */
	sg_wr_u16(w, (uint16_t)n);
	sg_wr_bytes(w, c->sni, n);
	sg_wr_close(w, l);
	return 0;
}

/* The server's acknowledgement: empty. */
static int sni_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return sg_rd_done(d) ? 0 : SG_DECODE(c, "server_name acknowledgement");
}

/* We use every host name we are given: say so (RFC 6066 3). */
static bool sni_server_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->sni[0] != 0;
}

static int build_empty(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)c;
	(void)msg;
	(void)w;
	return 0;
}

/* A list with at most one host_name (RFC 6066 3). */
static int sni_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
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
	}
	return 0;
}

/* ---- lists of 16-bit values ---- */

static bool always(const sigil_conn *c, unsigned msg)
{
	(void)c;
	(void)msg;
	return true;
}

/* A u16-prefixed list of u16 values; with handshake_schemes, only the
 * signature schemes usable in CertificateVerify. */
static void put_u16_list(sg_wr *w, const uint16_t *v, size_t n, bool handshake_schemes)
{
	sg_wr_mark l = sg_wr_open(w, 2);
	for (size_t i = 0; i < n; i++) {
		const sg_sigscheme *s = handshake_schemes ? sg_sigscheme_find(v[i]) : NULL;
		if (!handshake_schemes || (s && s->handshake))
			sg_wr_u16(w, v[i]);
	}
	sg_wr_close(w, l);
}

/* A non-empty u16-prefixed list of u16 values; the first SG_MAX_LIST
 * distinct ones that `known` accepts go to out (when not NULL). */
static int read_u16_list(sigil_conn *c, sg_rd *d, const char *what, uint16_t *out, size_t *n,
			 bool (*known)(uint16_t))
{
	sg_rd list;
	if (!sg_rd_vec16(d, &list) || sg_rd_done(&list) || sg_rd_left(&list) % 2)
		return SG_DECODE(c, what);
	size_t k = 0;
	while (!sg_rd_done(&list)) {
		uint16_t v;
		if (!sg_rd_u16(&list, &v))
			return SG_DECODE(c, what);
		if (out && known(v) && k < SG_MAX_LIST && !sg_in_list(out, k, v))
			out[k++] = v;
	}
	if (n)
		*n = k;
	return 0;
}

static bool known_group(uint16_t v) { return sg_group_find(v) != NULL; }
static bool known_scheme(uint16_t v) { return sg_sigscheme_find(v) != NULL; }

/* ---- supported_groups, RFC 8446 4.2.7 ---- */

static int groups_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	put_u16_list(w, c->cfg->groups, c->cfg->ngroups, false);
	return 0;
}

/* The server's preferences, for later connections: checked, unused. */
static int groups_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return read_u16_list(c, d, "supported_groups", NULL, NULL, known_group);
}

static int groups_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return read_u16_list(c, d, "supported_groups", c->hs->peer_groups, &c->hs->npeer_groups, known_group);
}

/* ---- signature_algorithms(_cert), RFC 8446 4.2.3 ---- */

static int sigalgs_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	put_u16_list(w, c->cfg->sigalgs, c->cfg->nsigalgs, false);
	return 0;
}

/* In a CertificateRequest: only what CertificateVerify may use. */
static int sigalgs_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	put_u16_list(w, c->cfg->sigalgs, c->cfg->nsigalgs, true);
	return 0;
}

/* The peer's schemes: a server's CertificateRequest, a client's hello. */
static int sigalgs_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return read_u16_list(c, d, "signature_algorithms", c->hs->peer_sigalgs, &c->hs->npeer_sigalgs, known_scheme);
}

/* Schemes for certificates' signatures: the chain is judged by the
 * verifier; checked, unused. */
static int sigalgs_cert_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return read_u16_list(c, d, "signature_algorithms_cert", NULL, NULL, known_scheme);
}

/* ---- application_layer_protocol_negotiation, RFC 7301 3.1 ---- */

static bool alpn_client_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->cfg->alpn_len != 0;
}

static int alpn_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	sg_wr_mark l = sg_wr_open(w, 2);
	sg_wr_bytes(w, c->cfg->alpn, c->cfg->alpn_len);
	sg_wr_close(w, l);
	return 0;
}

static bool same(sg_rd a, sg_rd b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static void set_alpn(sigil_conn *c, sg_rd name)
{
	memcpy(c->alpn, name.p, name.n);
	c->alpn[name.n] = 0;
}

/* Exactly one name, one we offered. */
static int alpn_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd list, name, ours, o;
	if (!sg_rd_vec16(d, &list) || sg_rd_done(&list) || !sg_rd_vec8(&list, &name) || sg_rd_done(&name) ||
	    !sg_rd_done(&list))
		return SG_DECODE(c, "ALPN extension");
	sg_rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
	while (sg_rd_vec8(&ours, &o))
		if (same(o, name)) {
			set_alpn(c, name);
			return 0;
		}
	return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
			"the server chose ALPN protocol \"%.*s\", which we did not offer", (int)name.n,
			(const char *)name.p);
}

static bool alpn_server_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->alpn[0] != 0;
}

static int alpn_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	size_t n = strlen(c->alpn);
	sg_wr_mark l = sg_wr_open(w, 2);
	sg_wr_u8(w, (uint8_t)n);
	sg_wr_bytes(w, c->alpn, n);
	sg_wr_close(w, l);
	return 0;
}

/* The server's preference decides (3.2). */
static int alpn_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd list, name, all, ours, o;
	if (!sg_rd_vec16(d, &list) || sg_rd_done(&list))
		return SG_DECODE(c, "ALPN extension");
	for (all = list; !sg_rd_done(&all);)
		if (!sg_rd_vec8(&all, &name) || sg_rd_done(&name))
			return SG_DECODE(c, "ALPN protocol list");
	if (!c->cfg->alpn_len)
		return 0;
	sg_rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
	while (sg_rd_vec8(&ours, &o))
		for (all = list; sg_rd_vec8(&all, &name);)
			if (same(o, name)) {
				set_alpn(c, name);
				return 0;
			}
	return SG_ALERT(c, SIGIL_ALERT_NO_APPLICATION_PROTOCOL,
			"the client offers no application protocol (ALPN) that we serve");
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

/* ---- key_share, RFC 8446 4.2.8 ---- */

/* KeyShareEntry: group, key_exchange<1..2^16-1>: a client's public
 * value (for X25519MLKEM768 the encapsulation key, then X25519's). */
static int put_share(sigil_conn *c, sg_wr *w, const struct sg_share *s)
{
	const sg_kex_class *k = s->group->kex;
	sg_wr_u16(w, s->group->id);
	sg_wr_u16(w, (uint16_t)k->pub_len);
	uint8_t *pub = sg_wr_space(w, k->pub_len);
	if (!pub || sg_kex_public(s->key, pub) < 0)
		return SG_INTERNAL(c, "key share");
	return 0;
}

/* client_shares: one entry for each of our shares (client_hello.c makes
 * them: our first group, and x25519 after X25519MLKEM768; after a retry
 * the group it asked for). */
static int key_share_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	sg_hs *hs = c->hs;
	sg_wr_mark l = sg_wr_open(w, 2);
	for (size_t i = 0; i < hs->nown_shares; i++)
		if (put_share(c, w, &hs->own_shares[i]) < 0)
			return SIGIL_ERROR;
	sg_wr_close(w, l);
	return 0;
}

/* HRR: the group the server wants (selected_group); ServerHello: its
 * share, for a group of one of ours, from which we derive the secret. */
static int key_share_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	sg_hs *hs = c->hs;
	if (msg == SG_MSG_HRR)
		return sg_rd_u16(d, &hs->hrr_group) ? 0 : SG_DECODE(c, "key_share of HelloRetryRequest");
	uint16_t g;
	sg_rd key;
	if (!sg_rd_u16(d, &g) || !sg_rd_vec16(d, &key))
		return SG_DECODE(c, "key_share of ServerHello");
	const struct sg_share *ours = NULL;
	for (size_t i = 0; i < hs->nown_shares && !ours; i++)
		if (hs->own_shares[i].group->id == g)
			ours = &hs->own_shares[i];
	if (!ours)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server's key share is for group 0x%04x, not the one we sent", g);
	const sg_group *grp = ours->group;
	/* draft-ietf-tls-ecdhe-mlkem: a ciphertext of the wrong length is
	 * refused (illegal_parameter); so is any share of the wrong length. */
	if (key.n != grp->kex->server_share_len)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the server's %s key share is %zu bytes long, not %zu",
				grp->name, key.n, grp->kex->server_share_len);
	if (sg_kex_derive(ours->key, key.p, key.n, hs->shared) < 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the server's %s key share is invalid (%s)", grp->name,
				grp->kex == &sg_secp256r1 || grp->kex == &sg_secp384r1 ?
				"not an uncompressed point on the curve" :
				"an X25519 value of low order, giving an all-zero shared secret");
	hs->shared_len = grp->kex->secret_len;
	c->group = g;
	sg_shares_free(hs);     /* done with: the secret is derived */
	return 0;
}

static int key_share_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	sg_hs *hs = c->hs;
	if (msg == SG_MSG_HRR)
		return sg_wr_u16(w, hs->hrr_group) ? 0 : SG_INTERNAL(c, "HelloRetryRequest");
	/* Our answer to the client's share (client_hello.c computed it),
	 * needed only here. */
	if (!hs->server_share_len)
		return SG_INTERNAL(c, "no key share");
	sg_wr_u16(w, c->group);
	sg_wr_u16(w, (uint16_t)hs->server_share_len);
	sg_wr_bytes(w, hs->server_share, hs->server_share_len);
	free(hs->server_share);
	hs->server_share = NULL;
	hs->server_share_len = 0;
	return 0;
}

/* Any number of shares, for groups we do not know too (the ClientHello's
 * size bounds the work), each non-empty and each group once.  Kept as
 * the checked list; client_hello.c chooses among them once every
 * extension is read. */
static int key_share_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_hs *hs = c->hs;
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
	hs->peer_shares = list;
	hs->npeer_shares = n;
	return 0;
}

/* ---- supported_versions, RFC 8446 4.2.1 ---- */

/* TLS 1.3 first, then TLS 1.2 when the minimum allows it (4.2.1). */
static int versions_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	bool v12 = c->cfg->min_version <= SG_TLS12;
	sg_wr_u8(w, v12 ? 4 : 2);
	sg_wr_u16(w, SIGIL_TLS13);
	if (v12)
		sg_wr_u16(w, SG_TLS12);
	return 0;
}

/* selected_version: one we offered. */
static int versions_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	uint16_t v;
	if (!sg_rd_u16(d, &v))
		return SG_DECODE(c, "supported_versions");
	if (v != SIGIL_TLS13)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server selected version 0x%04x, which we did not offer", v);
	c->version = v;
	return 0;
}

static int versions_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	return sg_wr_u16(w, c->version) ? 0 : SG_INTERNAL(c, "supported_versions");
}

/* The client's list: the version we speak of those it offers, or none
 * (c->version stays 0, which client_hello.c refuses). */
static int versions_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd list;
	if (!sg_rd_vec8(d, &list) || sg_rd_done(&list) || sg_rd_left(&list) % 2)
		return SG_DECODE(c, "supported_versions");
	while (!sg_rd_done(&list)) {
		uint16_t v;
		if (!sg_rd_u16(&list, &v))
			return SG_DECODE(c, "supported_versions");
		if (v == SIGIL_TLS13)
			c->version = v;
	}
	return 0;
}

/* ---- psk_key_exchange_modes, RFC 8446 4.2.9 ---- */

/* psk_dhe_ke only: lets servers issue tickets. */
static int psk_modes_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)c;
	(void)msg;
	sg_wr_u8(w, 1);
	sg_wr_u8(w, 1);
	return 0;
}

/* psk_dhe_ke (1) is the only mode sigil uses. */
static int psk_modes_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd list;
	uint8_t mode;
	if (!sg_rd_vec8(d, &list) || sg_rd_done(&list))
		return SG_DECODE(c, "psk_key_exchange_modes");
	while (sg_rd_u8(&list, &mode))
		c->hs->psk_dhe_ke |= mode == 1;
	return 0;
}

/* ---- cookie, RFC 8446 4.2.2 ---- */

/* A client returns the HRR's cookie; a server's HRR carries one
 * (sg_hello_retry_send makes it). */
static bool cookie_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->hs->cookie_len != 0;
}

static int cookie_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	sg_wr_mark l = sg_wr_open(w, 2);
	sg_wr_bytes(w, c->hs->cookie, c->hs->cookie_len);
	sg_wr_close(w, l);
	return 0;
}

static int cookie_read(sigil_conn *c, sg_rd *d, sg_rd *ck)
{
	if (!sg_rd_vec16(d, ck) || sg_rd_done(ck))
		return SG_DECODE(c, "cookie");
	return 0;
}

static int cookie_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_hs *hs = c->hs;
	sg_rd ck;
	if (cookie_read(c, d, &ck) < 0)
		return SIGIL_ERROR;
	if (ck.n > sizeof hs->cookie)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest cookie of %zu bytes", ck.n);
	memcpy(hs->cookie, ck.p, ck.n);
	hs->cookie_len = ck.n;
	return 0;
}

/* Only a second ClientHello may carry our cookie, unchanged. */
static int cookie_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_hs *hs = c->hs;
	sg_rd ck;
	if (cookie_read(c, d, &ck) < 0)
		return SIGIL_ERROR;
	if (!(hs->flags & SG_HS_HRR) || ck.n != hs->cookie_len || !sg_ct_eq(ck.p, hs->cookie, ck.n))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "the ClientHello carries a cookie we did not send");
	hs->cookie_len = 0;     /* consumed: its absence is checked by client_hello.c */
	return 0;
}

/* ---- post_handshake_auth, RFC 8446 4.2.6 ---- */

/* With a certificate to show, we accept a request for it after the
 * handshake. */
static bool pha_client_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->cfg->ncerts != 0;
}

static int must_be_empty(sigil_conn *c, sg_rd *d, const char *what)
{
	return sg_rd_done(d) ? 0 : SG_DECODE(c, what);
}

/* A server never asks after the handshake: checked, unused. */
static int pha_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return must_be_empty(c, d, "post_handshake_auth");
}

/* ---- record_size_limit, RFC 8449 4 ---- */

/* We take full records: 2^14 plus the content type byte (TLS 1.3). */
static bool rsl_server_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return c->hs->peer_record_limit != 0;
}

static int rsl_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	return sg_wr_u16(w, SG_MAX_PLAINTEXT + 1) ? 0 : SG_INTERNAL(c, "record_size_limit");
}

/* The peer's limit on the plaintext of records we send, which in TLS 1.3
 * counts the content type byte.  (A client never offers it, so a server
 * cannot answer it.) */
static int rsl_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	uint16_t v;
	if (!sg_rd_u16(d, &v))
		return SG_DECODE(c, "record_size_limit");
	if (v < 64)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "record_size_limit of %u (minimum 64)", v);
	c->hs->peer_record_limit = v;
	if ((size_t)v - 1 < c->max_fragment)
		c->max_fragment = (size_t)v - 1;
	return 0;
}

/* ---- certificate_authorities, RFC 8446 4.2.4 ---- */

/* The subjects of our client CAs, so a client with several certificates
 * picks the right one; omitted when there are too many (a whole system
 * bundle). */
#define MAX_CA_NAMES 8192
static size_t ca_names_len(const sigil_config *cfg)
{
	size_t n = sg_x509_store_count(cfg->trust), total = 0;
	for (size_t i = 0; i < n; i++)
		total += 2 + sg_x509_store_get(cfg->trust, i)->subject.n;
	return total;
}

static bool cas_server_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	size_t total = ca_names_len(c->cfg);
	return total && total <= MAX_CA_NAMES;
}

static int cas_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	const sigil_config *cfg = c->cfg;
	size_t n = sg_x509_store_count(cfg->trust);
	sg_wr_mark l = sg_wr_open(w, 2);
	for (size_t i = 0; i < n; i++) {
		sg_rd subj = sg_x509_store_get(cfg->trust, i)->subject;
		sg_wr_u16(w, (uint16_t)subj.n);
		sg_wr_bytes(w, subj.p, subj.n);
	}
	sg_wr_close(w, l);
	return 0;
}

int sg_ca_names_build(sigil_conn *c, sg_wr *w)
{
	if (cas_server_needs(c, SG_MSG_CR))
		return cas_server_build(c, SG_MSG_CR, w);
	return sg_wr_u16(w, 0) ? 0 : SG_INTERNAL(c, "certificate_authorities");
}

/* DistinguishedName authorities<3..2^16-1>, each opaque<1..2^16-1>. */
static int cas_read(sigil_conn *c, sg_rd *d, sg_rd *list)
{
	sg_rd all, name;
	if (!sg_rd_vec16(d, list) || sg_rd_left(list) < 3)
		return SG_DECODE(c, "certificate_authorities");
	for (all = *list; !sg_rd_done(&all);)
		if (!sg_rd_vec16(&all, &name) || sg_rd_done(&name))
			return SG_DECODE(c, "certificate_authorities");
	return 0;
}

/* A client uses them to pick its certificate (certificate.c). */
static int cas_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	return cas_read(c, d, &c->hs->ca_names);
}

/* A server ignores them: one certificate per key type is enough. */
static int cas_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd list;
	return cas_read(c, d, &list);
}

/* ---- compress_certificate, RFC 8879 3 ---- */

/* TLS 1.3 only (3): a client's hello (sigil's client speaks only TLS
 * 1.3), a server's CertificateRequest (a TLS 1.3 message); a TLS 1.2
 * server ignores the client's offer, as its Certificate is never
 * compressed (tls12_handshake.c writes it). */
static unsigned certcomp_offer(const sigil_conn *c)
{
	unsigned mine = 0;
	for (size_t i = 0; i < c->cfg->ncertcomp; i++)
		mine |= 1u << c->cfg->certcomp[i];
	unsigned t = c->cfg->hooks ? c->cfg->hooks->certcomp : 0;
	return t ? t & mine : mine;
}

static bool certcomp_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return certcomp_offer(c) != 0;
}

static int certcomp_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	/* CertificateCompressionAlgorithm algorithms<2..2^8-2>: all we
	 * can decompress, in our order of preference (certcomp.c). */
	unsigned offer = certcomp_offer(c);
	sg_wr_mark l = sg_wr_open(w, 1);
	for (size_t i = 0; i < c->cfg->ncertcomp; i++)
		if (offer & (1u << c->cfg->certcomp[i])) {
			sg_wr_u16(w, c->cfg->certcomp[i]);
			c->hs->comp_offered |= (uint8_t)(1u << c->cfg->certcomp[i]);
		}
	sg_wr_close(w, l);
	return 0;
}

/* The algorithms the peer can decompress, those we know; it may then
 * get our Certificate compressed (certcomp.c chooses). */
static int certcomp_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd list;
	if (!sg_rd_vec8(d, &list) || sg_rd_done(&list) || sg_rd_left(&list) % 2 || !sg_rd_done(d))
		return SG_DECODE(c, "compress_certificate");
	c->hs->comp_peer = 0;
	while (!sg_rd_done(&list)) {
		uint16_t v;
		if (!sg_rd_u16(&list, &v))
			return SG_DECODE(c, "compress_certificate");
		if (sg_certcomp_name(v))
			c->hs->comp_peer |= (uint8_t)(1u << v);
	}
	return 0;
}

/* ---- early_data, RFC 8446 4.2.10 ---- */

/* Offered 0-RTT, which we refuse: its records are skipped (record.c). */
static int early_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	if (must_be_empty(c, d, "early_data") < 0)
		return SIGIL_ERROR;
	c->hs->ch_early_data = true;
	return 0;
}

/* A ticket's max_early_data_size (4.6.1): sigil sends no early data. */
static int early_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	uint32_t max;
	return sg_rd_u32(d, &max) ? 0 : SG_DECODE(c, "early_data");
}

/* ---- pre_shared_key, RFC 8446 4.2.11 ---- */

static bool psk_client_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return sg_psk_offering(c);
}

static int psk_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	return sg_psk_build_ch(c, w);
}

/* The identity the server selected: the one we offer, with a hash that
 * fits the suite. */
static int psk_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_hs *hs = c->hs;
	uint16_t sel;
	if (!sg_rd_u16(d, &sel))
		return SG_DECODE(c, "pre_shared_key of ServerHello");
	const sg_suite *ss = c->session ? sg_suite_find(c->session->suite) : NULL;
	if (sel != 0 || !ss || ss->hash != c->suite->hash)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server selected PSK identity %u, which we did not offer for this suite", sel);
	memcpy(hs->psk, c->session->psk, c->session->psk_len);
	hs->flags |= SG_HS_PSK;
	return 0;
}

static bool psk_server_needs(const sigil_conn *c, unsigned msg)
{
	(void)msg;
	return (c->hs->flags & SG_HS_PSK) != 0;
}

/* selected_identity: the first (and only) one we try. */
static int psk_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	return sg_wr_u16(w, 0) ? 0 : SG_INTERNAL(c, "pre_shared_key");
}

/* Identities and binders, checked and kept for sg_psk_accept. */
static int psk_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_hs *hs = c->hs;
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

/* ---- TLS 1.2 extensions (RFC 7627, 5746, 8422, 5077) ----
 * In a ClientHello the server only records what the client offers;
 * tls12_handshake.c decides once TLS 1.2 is chosen.  They are answered
 * in the TLS 1.2 ServerHello (SG_MSG_SH12) only. */

static bool sh12_ems_needs(const sigil_conn *c, unsigned msg)
{
	return msg == SG_MSG_SH12 && c->hs->ems;
}

/* RFC 7627 5.1: extension_data is empty. */
static int ems_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	if (!sg_rd_done(d))
		return SG_DECODE(c, "extended_master_secret");
	c->hs->ems = true;
	return 0;
}

static bool sh12_reneg_needs(const sigil_conn *c, unsigned msg)
{
	return msg == SG_MSG_SH12 && c->hs->reneg_ok;
}

/* RFC 5746 3.6: an empty renegotiated_connection in the answer. */
static int reneg_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	return sg_wr_u8(w, 0) ? 0 : SG_INTERNAL(c, "renegotiation_info");
}

/* RFC 5746 3.6: an initial handshake's renegotiated_connection is
 * empty, or the handshake fails. */
static int reneg_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd rc;
	if (!sg_rd_vec8(d, &rc) || !sg_rd_done(d))
		return SG_DECODE(c, "renegotiation_info");
	if (!sg_rd_done(&rc))
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
				"renegotiation_info of an initial handshake is not empty (RFC 5746 3.6)");
	c->hs->reneg_ok = true;
	return 0;
}

static bool sh12_points_needs(const sigil_conn *c, unsigned msg)
{
	return msg == SG_MSG_SH12 && c->hs->ch_point_formats;
}

/* RFC 8422 5.2: uncompressed only. */
static int points_server_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	return sg_wr_u8(w, 1) && sg_wr_u8(w, 0) ? 0 : SG_INTERNAL(c, "ec_point_formats");
}

/* RFC 8422 5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>, which
 * must contain uncompressed (0). */
static int points_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	sg_rd l;
	if (!sg_rd_vec8(d, &l) || sg_rd_done(&l) || !sg_rd_done(d))
		return SG_DECODE(c, "ec_point_formats");
	c->hs->ch_point_formats = true;
	while (!sg_rd_done(&l)) {
		uint8_t f;
		if (!sg_rd_u8(&l, &f))
			return SG_DECODE(c, "ec_point_formats");
		if (f == 0)
			c->hs->ch_uncompressed = true;
	}
	return 0;
}

/* RFC 5077 3.2: the client's ticket (empty: it asks for one). */
static int ticket12_server_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	c->hs->ch_ticket = true;
	c->hs->ch_ticket_data = *d;
	d->n = 0;
	return 0;
}

static bool sh12_ticket_needs(const sigil_conn *c, unsigned msg)
{
	return msg == SG_MSG_SH12 && c->hs->send_ticket12;
}

/* The client's side: the ticket of a TLS 1.2 session when it has one
 * to offer (ticket.c), else empty, asking for one (RFC 5077 3.2).  Sent
 * whenever TLS 1.2 is offered (ch12_needs). */
static int ticket12_client_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	(void)msg;
	if (!sg_tls12_session_offering(c))
		return 0;
	sg_wr_bytes(w, c->session->ticket, c->session->ticket_len);
	c->hs->ticket12_offered = true;
	return 0;
}

/* The ServerHello's: empty (3.2), a NewSessionTicket will follow. */
static int ticket12_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	(void)msg;
	if (!sg_rd_done(d))
		return SG_DECODE(c, "session_ticket");
	c->hs->send_ticket12 = true;
	return 0;
}

/* The client's side (tls12_client.c decides once the ServerHello is
 * read): offered in a ClientHello only when the minimum version is
 * TLS 1.2, so a TLS 1.3-only hello is what it was before TLS 1.2. */
static bool ch12_needs(const sigil_conn *c, unsigned msg)
{
	return msg == SG_MSG_CH && c->cfg->min_version <= SG_TLS12;
}

/* RFC 7627 5.1: the server's answer is empty too. */
static int ems_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	return ems_server_process(c, msg, d);
}

/* RFC 5746 3.4: the client "MUST check that the length of the
 * renegotiated_connection field is zero", else handshake_failure. */
static int reneg_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	sg_rd rc;
	(void)msg;
	if (!sg_rd_vec8(d, &rc) || !sg_rd_done(d))
		return SG_DECODE(c, "renegotiation_info");
	if (!sg_rd_done(&rc))
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
				"the server's renegotiation_info is not empty in an initial handshake (RFC 5746 3.4)");
	c->hs->reneg_ok = true;
	return 0;
}

/* RFC 8422 5.2: the server's list, which must hold uncompressed. */
static int points_client_process(sigil_conn *c, unsigned msg, sg_rd *d)
{
	if (points_server_process(c, msg, d) < 0)
		return SIGIL_ERROR;
	if (!c->hs->ch_uncompressed)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"the server's ec_point_formats lacks uncompressed (RFC 8422 5.2)");
	return 0;
}

/* ---- the table ---- */

#define CH SG_MSG_CH
#define SH SG_MSG_SH
#define HRR SG_MSG_HRR
#define EE SG_MSG_EE
#define CT SG_MSG_CT
#define CR SG_MSG_CR
#define NST SG_MSG_NST
#define SH12 SG_MSG_SH12

static const sg_ext table[] = {
	{ .type = SG_EXT_SERVER_NAME, .name = "server_name", .messages = CH | EE | SH12,
	  .client = { sni_client_needs, sni_client_build, sni_client_process },
	  .server = { sni_server_needs, build_empty, sni_server_process } },
	{ .type = SG_EXT_SUPPORTED_VERSIONS, .name = "supported_versions", .messages = CH | SH | HRR,
	  .client = { always, versions_client_build, versions_client_process },
	  .server = { always, versions_server_build, versions_server_process } },
	{ .type = SG_EXT_SUPPORTED_GROUPS, .name = "supported_groups", .messages = CH | EE,
	  .client = { always, groups_client_build, groups_client_process },
	  .server = { NULL, NULL, groups_server_process } },
	{ .type = SG_EXT_KEY_SHARE, .name = "key_share", .messages = CH | SH | HRR, .first_in = SH,
	  .client = { always, key_share_client_build, key_share_client_process },
	  .server = { always, key_share_server_build, key_share_server_process } },
	{ .type = SG_EXT_SIGNATURE_ALGORITHMS, .name = "signature_algorithms", .messages = CH | CR,
	  .client = { always, sigalgs_client_build, sigalgs_process },
	  .server = { always, sigalgs_server_build, sigalgs_process } },
	{ .type = SG_EXT_ALPN, .name = "application_layer_protocol_negotiation", .messages = CH | EE | SH12,
	  .client = { alpn_client_needs, alpn_client_build, alpn_client_process },
	  .server = { alpn_server_needs, alpn_server_build, alpn_server_process } },
	{ .type = SG_EXT_POST_HANDSHAKE_AUTH, .name = "post_handshake_auth", .messages = CH,
	  .client = { pha_client_needs, build_empty, NULL },
	  .server = { NULL, NULL, pha_server_process } },
	{ .type = SG_EXT_PSK_KEY_EXCHANGE_MODES, .name = "psk_key_exchange_modes", .messages = CH,
	  .client = { always, psk_modes_client_build, NULL },
	  .server = { NULL, NULL, psk_modes_server_process } },
	{ .type = SG_EXT_COOKIE, .name = "cookie", .messages = CH | HRR, .unasked = HRR,
	  .client = { cookie_needs, cookie_build, cookie_client_process },
	  .server = { cookie_needs, cookie_build, cookie_server_process } },
	{ .type = SG_EXT_RECORD_SIZE_LIMIT, .name = "record_size_limit", .messages = CH | EE,
	  .client = { NULL, NULL, NULL },
	  .server = { rsl_server_needs, rsl_server_build, rsl_server_process } },
	{ .type = SG_EXT_CERTIFICATE_AUTHORITIES, .name = "certificate_authorities", .messages = CH | CR,
	  .client = { NULL, NULL, cas_client_process },
	  .server = { cas_server_needs, cas_server_build, cas_server_process } },
	{ .type = SG_EXT_SIGNATURE_ALGORITHMS_CERT, .name = "signature_algorithms_cert", .messages = CH | CR,
	  .client = { NULL, NULL, sigalgs_cert_process },
	  .server = { NULL, NULL, sigalgs_cert_process } },
	{ .type = SG_EXT_COMPRESS_CERTIFICATE, .name = "compress_certificate", .messages = CH | CR,
	  .client = { certcomp_needs, certcomp_build, certcomp_process },
	  .server = { certcomp_needs, certcomp_build, certcomp_process } },
	/* TLS 1.2 only (RFC 8422, 7627, 5077, 5746). */
	{ .type = SG_EXT_EC_POINT_FORMATS, .name = "ec_point_formats", .messages = CH | SH12,
	  .client = { ch12_needs, points_server_build, points_client_process },
	  .server = { sh12_points_needs, points_server_build, points_server_process } },
	{ .type = SG_EXT_EXTENDED_MASTER_SECRET, .name = "extended_master_secret", .messages = CH | SH12,
	  .client = { ch12_needs, build_empty, ems_client_process },
	  .server = { sh12_ems_needs, build_empty, ems_server_process } },
	{ .type = SG_EXT_SESSION_TICKET, .name = "session_ticket", .messages = CH | SH12,
	  .client = { ch12_needs, ticket12_client_build, ticket12_client_process },
	  .server = { sh12_ticket_needs, build_empty, ticket12_server_process } },
	{ .type = SG_EXT_RENEGOTIATION_INFO, .name = "renegotiation_info", .messages = CH | SH12,
	  .client = { ch12_needs, reneg_server_build, reneg_client_process },
	  .server = { sh12_reneg_needs, reneg_server_build, reneg_server_process } },
	/* Never sent; a client's offer is skipped unread. */
	{ .type = SG_EXT_STATUS_REQUEST, .name = "status_request", .messages = CH | CR | CT },
	{ .type = SG_EXT_SCT, .name = "signed_certificate_timestamp", .messages = CH | CR | CT },
	{ .type = SG_EXT_EARLY_DATA, .name = "early_data", .messages = CH | EE | NST,
	  .client = { NULL, NULL, early_client_process },
	  .server = { NULL, NULL, early_server_process } },
	/* Last in a ClientHello (4.2.11): the binders cover all before it. */
	{ .type = SG_EXT_PRE_SHARED_KEY, .name = "pre_shared_key", .messages = CH | SH, .last_in = CH,
	  .client = { psk_client_needs, psk_client_build, psk_client_process },
	  .server = { psk_server_needs, psk_server_build, psk_server_process } },
};

#define NEXT (sizeof table / sizeof table[0])
_Static_assert(NEXT <= SG_EXT_MAX && SG_EXT_MAX <= 32, "sg_ext_block and hs->ext_sent hold a bit per entry");

static const sg_ext_side *side(const sigil_conn *c, const sg_ext *e)
{
	return c->role == SIGIL_CLIENT ? &e->client : &e->server;
}

static int find(uint16_t type)
{
	for (size_t i = 0; i < NEXT; i++)
		if (table[i].type == type)
			return (int)i;
	return -1;
}

static const char *msg_name(unsigned msg)
{
	switch (msg) {
	case SG_MSG_CH: return "ClientHello";
	case SG_MSG_SH: return "ServerHello";
	case SG_MSG_HRR: return "HelloRetryRequest";
	case SG_MSG_EE: return "EncryptedExtensions";
	case SG_MSG_CT: return "Certificate";
	case SG_MSG_CR: return "CertificateRequest";
	case SG_MSG_NST: return "NewSessionTicket";
	case SG_MSG_SH12: return "ServerHello (TLS 1.2)";
	default: return "?";
	}
}

unsigned sg_ext_messages(uint16_t type)
{
	int i = find(type);
	return i < 0 ? 0 : table[i].messages;
}

/* The rules the functions below rely on (tests/unit/hs_table_test.c). */
const char *sg_ext_table_check(void)
{
	for (size_t i = 0; i < NEXT; i++) {
		const sg_ext *e = &table[i];
		if (find(e->type) != (int)i)
			return "an extension type appears twice";
		if ((e->first_in | e->unasked | e->last_in) & ~e->messages)
			return "first_in, unasked or last_in names a message the extension is not allowed in";
		for (int k = 0; k < 2; k++) {
			const sg_ext_side *sd = k ? &e->server : &e->client;
			if (!sd->needs != !sd->build)
				return "a side has needs without build, or build without needs";
		}
		/* Nothing may be written after an extension that must be last. */
		for (size_t j = i + 1; e->last_in && j < NEXT; j++)
			if ((table[j].messages & e->last_in) && (table[j].client.needs || table[j].server.needs))
				return "an extension that must be last has one after it that may be written";
	}
	return NULL;
}

/* ---- building ---- */

static int build_one(sigil_conn *c, unsigned msg, sg_wr *w, size_t i)
{
	const sg_ext *e = &table[i];
	const sg_ext_side *s = side(c, e);
	if (!(e->messages & msg) || !s->needs || !s->build || !s->needs(c, msg))
		return 0;
	sg_wr_u16(w, e->type);
	sg_wr_mark m = sg_wr_open(w, 2);
	if (s->build(c, msg, w) < 0)
		return SIGIL_ERROR;
	sg_wr_close(w, m);
	if (c->role == SIGIL_CLIENT && msg == SG_MSG_CH)
		c->hs->ext_sent |= 1u << i;
	return 0;
}

int sg_ext_build(sigil_conn *c, unsigned msg, sg_wr *w)
{
	if (c->role == SIGIL_CLIENT && msg == SG_MSG_CH)
		c->hs->ext_sent = 0;
	sg_wr_mark block = sg_wr_open(w, 2);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < NEXT; i++)
			if (((table[i].first_in & msg) != 0) == (pass == 0) && build_one(c, msg, w, i) < 0)
				return SIGIL_ERROR;
	sg_wr_close(w, block);
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "extensions too large");
}

/* ---- reading ---- */

bool sg_ext_sent(const sigil_conn *c, uint16_t type)
{
	int i = find(type);
	return i >= 0 && c->hs && (c->hs->ext_sent & (1u << i));
}

bool sg_ext_has(const sg_ext_block *b, uint16_t type)
{
	int i = find(type);
	return i >= 0 && (b->present & (1u << i));
}

bool sg_ext_peek(sg_rd exts, uint16_t type, sg_rd *data)
{
	uint16_t t;
	while (sg_rd_u16(&exts, &t) && sg_rd_vec16(&exts, data))
		if (t == type)
			return true;
	return false;
}

static int parse(sigil_conn *c, unsigned msg, sg_rd *exts, sg_ext_block *b, u16set *seen)
{
	/* Messages that answer ours may only carry what we asked for (4.2):
	 * a client's ClientHello; a Certificate entry, nothing (we never
	 * send status_request or signed_certificate_timestamp). */
	bool response = msg & (SG_MSG_SH | SG_MSG_HRR | SG_MSG_EE | SG_MSG_CT | SG_MSG_SH12);
	uint32_t asked = msg == SG_MSG_CT || !c->hs ? 0 : c->hs->ext_sent;
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
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate extension %u in %s", type,
					msg_name(msg));
		int i = find(type);
		const sg_ext *e = i >= 0 ? &table[i] : NULL;
		if (e && (e->last_in & msg) && !sg_rd_done(exts))
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "%s is not the last extension of the %s",
					e->name, msg_name(msg));
		if (response && !(e && (e->unasked & msg)) && !(i >= 0 && (asked & (1u << i))))
			return SG_ALERT(c, SIGIL_ALERT_UNSUPPORTED_EXTENSION,
					"the peer sent extension %s (%u) in %s, which we never offered",
					e ? e->name : "unknown", type, msg_name(msg));
		if (!e)
			continue;       /* unknown extensions in requests are ignored */
		/* 4.2: "If an implementation receives an extension which it
		 * recognizes and which is not specified for the message in
		 * which it appears, it MUST abort the handshake with an
		 * "illegal_parameter" alert." */
		if (!(e->messages & msg))
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "extension %s not allowed in %s", e->name,
					msg_name(msg));
		b->data[i] = data;
		b->present |= 1u << i;
	}
	return 0;
}

int sg_ext_parse(sigil_conn *c, unsigned msg, sg_rd exts, sg_ext_block *b)
{
	u16set seen = { .n = 0 };
	memset(b, 0, sizeof *b);
	int r = parse(c, msg, &exts, b, &seen);
	set_free(&seen);
	return r;
}

static int run(sigil_conn *c, unsigned msg, sg_ext_block *b, size_t i)
{
	const sg_ext *e = &table[i];
	const sg_ext_side *s = side(c, e);
	if (!(b->present & (1u << i)) || (b->done & (1u << i)))
		return 0;
	b->done |= 1u << i;
	if (!s->process)
		return 0;       /* skipped unread */
	sg_rd d = b->data[i];
	if (s->process(c, msg, &d) < 0)
		return SIGIL_ERROR;
	if (!sg_rd_done(&d))
		return SG_ALERT(c, SIGIL_ALERT_DECODE_ERROR, "trailing bytes in extension %s", e->name);
	return 0;
}

int sg_ext_run(sigil_conn *c, unsigned msg, sg_ext_block *b)
{
	for (size_t i = 0; i < NEXT; i++)
		if (run(c, msg, b, i) < 0)
			return SIGIL_ERROR;
	return 0;
}

int sg_ext_run_one(sigil_conn *c, unsigned msg, sg_ext_block *b, uint16_t type)
{
	int i = find(type);
	return i < 0 ? 0 : run(c, msg, b, (size_t)i);
}

int sg_ext_process(sigil_conn *c, unsigned msg, sg_rd exts, sg_ext_block *b)
{
	sg_ext_block local;
	if (!b)
		b = &local;
	if (sg_ext_parse(c, msg, exts, b) < 0)
		return SIGIL_ERROR;
	return sg_ext_run(c, msg, b);
}
