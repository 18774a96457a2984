/*
 * The handshake driver: a table of messages (who sends each, its wire type,
 * its send and receive functions) and a table of legal message sequences
 * selected by the shape flags of the handshake.  The driver walks the
 * sequence: it sends our messages and checks that each message from the
 * peer is the one the sequence expects.  RFC 8446 section 2 and App. A.
 */
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

typedef struct sg_action {
	sigil_role sender;
	uint8_t type;
	const char *name;
	int (*send)(sigil_conn *c, sg_wr *w);
	int (*recv)(sigil_conn *c, sg_rd *r);
	/* Runs after the message has been added to the transcript. */
	int (*after)(sigil_conn *c);
} sg_action;

static int after_server_hello(sigil_conn *c);
static int after_server_finished(sigil_conn *c);
static int after_client_finished(sigil_conn *c);
static int after_hrr_sent(sigil_conn *c);

static const sg_action actions[SG_M_COUNT] = {
	[SG_M_CH] = { SIGIL_CLIENT, SG_HT_CLIENT_HELLO, "ClientHello",
		      sg_client_hello_send, sg_client_hello_recv, NULL },
	[SG_M_HRR] = { SIGIL_SERVER, SG_HT_SERVER_HELLO, "HelloRetryRequest",
		       sg_hello_retry_send, sg_server_hello_recv, after_hrr_sent },
	[SG_M_CH2] = { SIGIL_CLIENT, SG_HT_CLIENT_HELLO, "second ClientHello",
		       sg_client_hello_send, sg_client_hello_recv, NULL },
	[SG_M_SH] = { SIGIL_SERVER, SG_HT_SERVER_HELLO, "ServerHello",
		      sg_server_hello_send, sg_server_hello_recv, after_server_hello },
	[SG_M_EE] = { SIGIL_SERVER, SG_HT_ENCRYPTED_EXTENSIONS, "EncryptedExtensions",
		      sg_encrypted_extensions_send, sg_encrypted_extensions_recv, NULL },
	[SG_M_CR] = { SIGIL_SERVER, SG_HT_CERTIFICATE_REQUEST, "CertificateRequest",
		      sg_certificate_request_send, sg_certificate_request_recv, NULL },
	[SG_M_SCERT] = { SIGIL_SERVER, SG_HT_CERTIFICATE, "server Certificate",
			 sg_certificate_send, sg_certificate_recv, NULL },
	[SG_M_SCV] = { SIGIL_SERVER, SG_HT_CERTIFICATE_VERIFY, "server CertificateVerify",
		       sg_certificate_verify_send, sg_certificate_verify_recv, NULL },
	[SG_M_SFIN] = { SIGIL_SERVER, SG_HT_FINISHED, "server Finished",
			sg_finished_send, sg_finished_recv, after_server_finished },
	[SG_M_CCERT] = { SIGIL_CLIENT, SG_HT_CERTIFICATE, "client Certificate",
			 sg_certificate_send, sg_certificate_recv, NULL },
	[SG_M_CCV] = { SIGIL_CLIENT, SG_HT_CERTIFICATE_VERIFY, "client CertificateVerify",
		       sg_certificate_verify_send, sg_certificate_verify_recv, NULL },
	[SG_M_CFIN] = { SIGIL_CLIENT, SG_HT_FINISHED, "client Finished",
			sg_finished_send, sg_finished_recv, after_client_finished },
	[SG_M_DONE] = { SIGIL_CLIENT, 0, "end of handshake", NULL, NULL, NULL },
	/* TLS 1.2, RFC 5246 7.3 (tls12_handshake.c, tls12_kex.c). */
	[SG_M_SH12] = { SIGIL_SERVER, SG_HT_SERVER_HELLO, "TLS 1.2 ServerHello",
			sg_tls12_server_hello_send, sg_tls12_server_hello_recv, NULL },
	[SG_M_SCERT12] = { SIGIL_SERVER, SG_HT_CERTIFICATE, "TLS 1.2 server Certificate",
			   sg_tls12_certificate_send, sg_tls12_certificate_recv, NULL },
	[SG_M_SKE] = { SIGIL_SERVER, SG_HT_SERVER_KEY_EXCHANGE, "ServerKeyExchange",
		       sg_tls12_ske_send, sg_tls12_ske_recv, NULL },
	[SG_M_SHD] = { SIGIL_SERVER, SG_HT_SERVER_HELLO_DONE, "ServerHelloDone",
		       sg_tls12_shd_send, sg_tls12_shd_recv, NULL },
	[SG_M_CKE] = { SIGIL_CLIENT, SG_HT_CLIENT_KEY_EXCHANGE, "ClientKeyExchange",
		       sg_tls12_cke_send, sg_tls12_cke_recv, sg_tls12_after_cke },
	[SG_M_CFIN12] = { SIGIL_CLIENT, SG_HT_FINISHED, "TLS 1.2 client Finished",
			  sg_tls12_finished_send, sg_tls12_finished_recv, NULL },
	[SG_M_SFIN12] = { SIGIL_SERVER, SG_HT_FINISHED, "TLS 1.2 server Finished",
			  sg_tls12_finished_send, sg_tls12_finished_recv, NULL },
	/* RFC 5077 3.3 (ticket.c). */
	[SG_M_NST12] = { SIGIL_SERVER, SG_HT_NEW_SESSION_TICKET, "TLS 1.2 NewSessionTicket",
			 sg_tls12_ticket_send, sg_tls12_ticket_recv, NULL },
};

#define SEQ_MAX 14
#define CH SG_M_CH
#define HRR SG_M_HRR
#define CH2 SG_M_CH2
#define SH SG_M_SH
#define EE SG_M_EE
#define CR SG_M_CR
#define SC SG_M_SCERT
#define SCV SG_M_SCV
#define SF SG_M_SFIN
#define CC SG_M_CCERT
#define CCV SG_M_CCV
#define CF SG_M_CFIN
#define DONE SG_M_DONE
#define SH12 SG_M_SH12
#define SC12 SG_M_SCERT12
#define SKE SG_M_SKE
#define SHD SG_M_SHD
#define CKE SG_M_CKE
#define CF12 SG_M_CFIN12
#define SF12 SG_M_SFIN12
#define NST12 SG_M_NST12

/* Every legal sequence, indexed by shape flags; an empty row is an
 * impossible combination.  Rows agree on their common prefixes, so a flag
 * learnt at position i keeps positions 0..i valid.  (RFC 8446 2, 2.1, 4.3.2) */
static const uint8_t sequences[SG_HS_FLAGS][SEQ_MAX] = {
	[0] = { CH, SH },
	[SG_HS_HRR] = { CH, HRR, CH2, SH },
	[SG_HS_NEGOTIATED] = { CH, SH, EE, SC, SCV, SF, CF, DONE },
	[SG_HS_NEGOTIATED | SG_HS_CR] = { CH, SH, EE, CR, SC, SCV, SF, CC, CF, DONE },
	[SG_HS_NEGOTIATED | SG_HS_CR | SG_HS_CCV] = { CH, SH, EE, CR, SC, SCV, SF, CC, CCV, CF, DONE },
	[SG_HS_NEGOTIATED | SG_HS_HRR] = { CH, HRR, CH2, SH, EE, SC, SCV, SF, CF, DONE },
	[SG_HS_NEGOTIATED | SG_HS_HRR | SG_HS_CR] = { CH, HRR, CH2, SH, EE, CR, SC, SCV, SF, CC, CF, DONE },
	[SG_HS_NEGOTIATED | SG_HS_HRR | SG_HS_CR | SG_HS_CCV] =
		{ CH, HRR, CH2, SH, EE, CR, SC, SCV, SF, CC, CCV, CF, DONE },
	/* Resumption: the PSK authenticates, no certificates (2.2). */
	[SG_HS_NEGOTIATED | SG_HS_PSK] = { CH, SH, EE, SF, CF, DONE },
	[SG_HS_NEGOTIATED | SG_HS_HRR | SG_HS_PSK] = { CH, HRR, CH2, SH, EE, SF, CF, DONE },
	/* TLS 1.2 full handshake, ECDHE (RFC 5246 7.3, RFC 8422 2);
	 * change_cipher_spec before each Finished is not a handshake
	 * message (tls12_handshake.c). */
	[SG_HS_NEGOTIATED | SG_HS_TLS12] = { CH, SH12, SC12, SKE, SHD, CKE, CF12, SF12, DONE },
	/* With a CertificateRequest (7.4.4): the client's Certificate (empty
	 * when it has none that fits), and CertificateVerify when not empty
	 * (7.4.8).  CR, CC and CCV hand over to tls12_client.c. */
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_CR] = { CH, SH12, SC12, SKE, CR, SHD, CC, CKE, CF12, SF12, DONE },
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_CR | SG_HS_CCV] =
		{ CH, SH12, SC12, SKE, CR, SHD, CC, CKE, CCV, CF12, SF12, DONE },
	/* Session tickets (RFC 5077 3.3, 3.4): NewSessionTicket before the
	 * server's change_cipher_spec (sigil sends none with a
	 * CertificateRequest, ticket.c, but other servers do).  The
	 * abbreviated handshake (RFC 5246 7.3): the server's
	 * change_cipher_spec and Finished first, then the client's. */
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_NST] = { CH, SH12, SC12, SKE, SHD, CKE, CF12, NST12, SF12, DONE },
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_CR | SG_HS_NST] =
		{ CH, SH12, SC12, SKE, CR, SHD, CC, CKE, CF12, NST12, SF12, DONE },
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_CR | SG_HS_CCV | SG_HS_NST] =
		{ CH, SH12, SC12, SKE, CR, SHD, CC, CKE, CCV, CF12, NST12, SF12, DONE },
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_PSK] = { CH, SH12, SF12, CF12, DONE },
	[SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_PSK | SG_HS_NST] = { CH, SH12, NST12, SF12, CF12, DONE },
};

const uint8_t *sg_hs_sequence(unsigned flags, size_t *n)
{
	if (flags >= SG_HS_FLAGS)
		return NULL;
	const uint8_t *s = sequences[flags];
	size_t k = 0;
	while (k < SEQ_MAX && (k == 0 || s[k] != 0))
		k++;
	*n = k;
	return k > 1 ? s : NULL;
}

const char *sg_msg_name(enum sg_msg m)
{
	return m < SG_M_COUNT ? actions[m].name : "?";
}

static enum sg_msg at(unsigned flags, unsigned pos)
{
	size_t n;
	const uint8_t *s = sg_hs_sequence(flags, &n);
	if (!s || pos >= n)
		return SG_M_COUNT;
	return (enum sg_msg)s[pos];
}

static enum sg_msg current(const sigil_conn *c)
{
	return at(c->hs->flags, c->hs->pos);
}

/* ---- the transcript hash (4.4.1) ---- */

int sg_transcript_add(sigil_conn *c, const uint8_t *p, size_t n)
{
	sg_hs *hs = c->hs;
	if (hs->keep_raw12 && !sg_wr_bytes(&hs->raw12, p, n))
		return SG_INTERNAL(c, "transcript buffer");
	if (hs->transcript)
		return sg_hash_update(hs->transcript, p, n) < 0 ? SG_INTERNAL(c, "hash") : 0;
	return sg_wr_bytes(&hs->pending, p, n) ? 0 : SG_INTERNAL(c, "transcript buffer");
}

int sg_transcript_start(sigil_conn *c, const sg_hash_class *h)
{
	sg_hs *hs = c->hs;
	if (hs->transcript)
		return 0;
	hs->transcript = sg_hash_new(h);
	if (!hs->transcript || sg_hash_update(hs->transcript, hs->pending.buf, hs->pending.len) < 0)
		return SG_INTERNAL(c, "hash");
	sg_wr_free(&hs->pending);
	return 0;
}

int sg_transcript_hash(sigil_conn *c, uint8_t *out)
{
	return sg_hash_peek(c->hs->transcript, out) < 0 ? SG_INTERNAL(c, "hash") : 0;
}

/* ---- key changes around the messages ---- */

static int after_server_hello(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	if (sg_ks_handshake(c) < 0)
		return SG_INTERNAL(c, "key schedule");
	if (c->role == SIGIL_SERVER) {
		/* D.4: a server in compatibility mode sends a dummy CCS right
		 * after its first flight's ServerHello (or HelloRetryRequest). */
		if (hs->session_id_len && !hs->sent_ccs) {
			if (sg_record_send_ccs(c) < 0)
				return SIGIL_ERROR;
			hs->sent_ccs = true;
		}
		if (sg_traffic_install(c, &c->wr, hs->s_hs, true) < 0 ||
		    sg_traffic_install(c, &c->rd, hs->c_hs, false) < 0)
			return SIGIL_ERROR;
		/* A client that offered 0-RTT sends early data we refuse:
		 * skip what we cannot decrypt (4.2.10).  After a retry the
		 * early data came before the second hello, which may not
		 * offer it. */
		c->early_skip = hs->ch_early_data ? SG_EARLY_TRIAL : SG_EARLY_NONE;
		return 0;
	}
	if (sg_traffic_install(c, &c->rd, hs->s_hs, false) < 0 ||
	    sg_traffic_install(c, &c->wr, hs->c_hs, true) < 0)
		return SIGIL_ERROR;
	return 0;
}

static int after_hrr_sent(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	if (c->role == SIGIL_SERVER && hs->session_id_len && !hs->sent_ccs) {
		if (sg_record_send_ccs(c) < 0)
			return SIGIL_ERROR;
		hs->sent_ccs = true;
	}
	/* 4.2.10: after a HelloRetryRequest the server "ignores early data
	 * by skipping all records with an external content type of
	 * application_data", until the second ClientHello: we have no key
	 * to try them with. */
	if (c->role == SIGIL_SERVER && hs->ch_early_data)
		c->early_skip = SG_EARLY_AFTER_HRR;
	return 0;
}

static int after_server_finished(sigil_conn *c)
{
	uint8_t s_ap[SG_MAX_HASH];
	int ret = SIGIL_ERROR;
	/* The server sends with s_ap from now on, the client reads with it;
	 * c_ap waits in the handshake state until the client's Finished
	 * (the server keeps reading with the client handshake key). */
	if (sg_ks_application(c, c->hs->c_ap, s_ap) < 0)
		SG_INTERNAL(c, "key schedule");
	else
		ret = sg_traffic_install(c, c->role == SIGIL_SERVER ? &c->wr : &c->rd, s_ap, c->role == SIGIL_SERVER);
	sg_wipe(s_ap, sizeof s_ap);
	return ret < 0 ? SIGIL_ERROR : 0;
}

static int after_client_finished(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	const sg_hash_class *h = c->suite->hash;
	uint8_t th[SG_MAX_HASH];
	if (sg_traffic_install(c, c->role == SIGIL_CLIENT ? &c->wr : &c->rd, hs->c_ap, c->role == SIGIL_CLIENT) < 0)
		return SIGIL_ERROR;
	/* resumption_master_secret, kept for session tickets (7.1). */
	if (sg_transcript_hash(c, th) < 0 || sg_derive_secret(h, hs->master, "res master", th, c->resumption) < 0)
		return SG_INTERNAL(c, "key schedule");
	/* A client that offered post-handshake authentication keeps the
	 * transcript through its Finished: every later CertificateRequest is
	 * answered over it (4.4.1, 4.6.2). */
	if (c->role == SIGIL_CLIENT && sg_ext_sent(c, SG_EXT_POST_HANDSHAKE_AUTH) && !(c->pha = sg_hash_dup(hs->transcript)))
		return SG_INTERNAL(c, "hash");
	return 0;
}

/* ---- the driver ---- */

static int finish(sigil_conn *c)
{
	c->state &= ~(unsigned)SIGIL_ST_HANDSHAKING;
	c->state |= SIGIL_ST_CONNECTED;
	/* A server's tickets follow its handshake at once (4.6.1). */
	int r = c->role == SIGIL_SERVER && c->version != SG_TLS12 ? sg_tickets_send(c) : 0;
	sg_hs_free(c);
	return r;
}

/* Build one handshake message with `send`, add it to the transcript and
 * write it as records under the current keys. */
int sg_hs_send_message(sigil_conn *c, uint8_t type, int (*send)(sigil_conn *c, sg_wr *w))
{
	uint8_t stack[1024];
	sg_wr w;
	sg_wr_init(&w, stack, sizeof stack, SIGIL_MAX_HANDSHAKE_MSG + 4);
	sg_wr_u8(&w, type);
	sg_wr_mark body = sg_wr_open(&w, 3);
	int r = send(c, &w);
	if (r == 0 && !sg_wr_close(&w, body))
		r = SG_INTERNAL(c, "handshake message too large");
	if (r == 0)
		r = sg_transcript_add(c, w.buf, w.len);
	if (r == 0)
		r = sg_record_write(c, SG_CT_HANDSHAKE, w.buf, w.len);
	sg_wr_free(&w);
	return r < 0 ? SIGIL_ERROR : 0;
}

/* Send every message of ours that is next in the sequence. */
static int send_ours(sigil_conn *c)
{
	while (c->hs) {
		enum sg_msg m = current(c);
		if (m == SG_M_DONE)
			return finish(c);
		if (m >= SG_M_COUNT)
			return SG_INTERNAL(c, "handshake sequence");
		const sg_action *a = &actions[m];
		if (a->sender != c->role)
			return 0;
		/* D.4: a client in compatibility mode sends its dummy CCS
		 * just before its second flight. */
		if (c->role == SIGIL_CLIENT && m != SG_M_CH && c->hs->session_id_len && !c->hs->sent_ccs) {
			if (sg_record_send_ccs(c) < 0)
				return SIGIL_ERROR;
			c->hs->sent_ccs = true;
		}
		/* TLS 1.2: change_cipher_spec before our Finished (RFC 5246 7.1). */
		if ((m == SG_M_SFIN12 || m == SG_M_CFIN12) && sg_tls12_ccs_send(c) < 0)
			return SIGIL_ERROR;
		/* RFC 8879 4: CompressedCertificate in place of Certificate,
		 * when the peer can decompress it. */
		bool comp = (m == SG_M_SCERT || m == SG_M_CCERT) && sg_certcomp_choose(c);
		if (comp ? sg_hs_send_message(c, SG_HT_COMPRESSED_CERTIFICATE, sg_compressed_certificate_send) < 0 :
			   sg_hs_send_message(c, a->type, a->send) < 0)
			return SIGIL_ERROR;
		c->hs->pos++;
		if (a->after && a->after(c) < 0)
			return SIGIL_ERROR;
	}
	return 0;
}

int sg_hs_start(sigil_conn *c)
{
	if (sg_crypto_init() < 0)
		return SG_INTERNAL(c, "crypto backend unavailable");
	/* The built-in verifier checks the server's certificate for a name;
	 * without one, any certificate from a trusted CA would do, for any
	 * host (RFC 9525 6: the reference identity comes from the caller).
	 * Refuse rather than verify the chain alone. */
	if (c->role == SIGIL_CLIENT && !c->sni[0] && !c->cfg->insecure && !c->cfg->verify)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1,
			       "no server name to check the certificate against: call sigil_conn_set_server_name "
			       "before the handshake (or sigil_config_insecure_noverify for tests)");
	if (c->role == SIGIL_CLIENT && c->cfg->max_version < SIGIL_TLS13)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "the client speaks TLS 1.3 only (maximum version TLS 1.2 set)");
	c->hs = calloc(1, sizeof *c->hs);
	if (!c->hs)
		return SG_INTERNAL(c, "out of memory");
	sg_wr_init(&c->hs->pending, c->hs->pending_buf, sizeof c->hs->pending_buf, SIGIL_MAX_HANDSHAKE_MSG * 2);
	if (sg_conn_random(c, c->hs->random, 32) < 0)
		return SG_INTERNAL(c, "random generator");
	return send_ours(c);
}

void sg_hs_free(sigil_conn *c)
{
	sg_hs *hs = c->hs;
	if (!hs)
		return;
	sg_hash_free(hs->transcript);
	sg_wr_free(&hs->pending);
	sg_wr_free(&hs->raw12);
	sg_shares_free(hs);
	sg_pkey_free(hs->peer_key);
	sg_session_free(hs->session12);
	sg_wipe(hs, sizeof *hs);
	free(hs);
	c->hs = NULL;
}

/* Branches: at a position where the sequence expects `want`, the peer may
 * send `got` instead, which sets `flag` (RFC 8446 2: "CertificateRequest"
 * is optional). */
static const struct { uint8_t want, got; unsigned flag; sigil_role receiver; } branches[] = {
	{ SG_M_SCERT, SG_HT_CERTIFICATE_REQUEST, SG_HS_CR, SIGIL_CLIENT },
	/* TLS 1.2: between ServerKeyExchange and ServerHelloDone (RFC 5246 7.3). */
	{ SG_M_SHD, SG_HT_CERTIFICATE_REQUEST, SG_HS_CR, SIGIL_CLIENT },
	/* TLS 1.2: NewSessionTicket before the server's Finished (RFC 5077 3.3). */
	{ SG_M_SFIN12, SG_HT_NEW_SESSION_TICKET, SG_HS_NST, SIGIL_CLIENT },
};

/* The flags under which a message of `type` from the peer is the next
 * one of the sequence (the current flags, or those of a branch), or
 * SG_HS_FLAGS when it is not. */
static bool from_peer(const sigil_conn *c, enum sg_msg m, uint8_t type)
{
	/* A TLS 1.3 Certificate may come compressed (RFC 8879 4); a TLS
	 * 1.2 client's (SG_M_CCERT too) never. */
	return m < SG_M_COUNT && actions[m].sender != c->role &&
	       (actions[m].type == type ||
		(type == SG_HT_COMPRESSED_CERTIFICATE && (m == SG_M_SCERT || m == SG_M_CCERT) &&
		 !(c->hs->flags & SG_HS_TLS12)));
}

static unsigned expect(const sigil_conn *c, uint8_t type)
{
	unsigned flags = c->hs->flags, pos = c->hs->pos;
	enum sg_msg m = at(flags, pos);
	if (from_peer(c, m, type))
		return flags;
	for (size_t i = 0; i < sizeof branches / sizeof branches[0]; i++)
		if (branches[i].want == m && branches[i].got == type && branches[i].receiver == c->role &&
		    !(flags & branches[i].flag) && from_peer(c, at(flags | branches[i].flag, pos), type))
			return flags | branches[i].flag;
	return SG_HS_FLAGS;
}

static int unexpected(sigil_conn *c, uint8_t type)
{
	enum sg_msg m = current(c);
	if (m >= SG_M_COUNT)
		return SG_INTERNAL(c, "handshake sequence");
	return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
			"unexpected handshake message type %u while waiting for %s", type,
			actions[m].sender == c->role ? "our own turn" : actions[m].name);
}

/*
 * The longest body accepted for each handshake message a peer may send
 * (RFC 8446 4), one table for every message.  It is checked from the
 * message's 4-byte header, before any of the body is buffered, so that
 * what a peer makes us hold for an unfinished message is bounded by the
 * limit of a message we expect, and never by what the header announces.
 * Where the message's own syntax bounds it, the bound is that syntax's
 * maximum (so only a malformed message exceeds it); where it does not,
 * or the maximum is larger than anything real, our policy.  A longer
 * message is decode_error: "the length of the message was incorrect"
 * (6.2), as it is for a Finished longer than its verify_data.
 */
static const struct sg_msg_limit {
	uint8_t type;
	uint32_t max;
} msg_limits[] = {
	/* The one message before any authentication: what no real client
	 * exceeds (sigil.h).  Its syntax allows about 128 KiB. */
	{ SG_HT_CLIENT_HELLO, SIGIL_MAX_CLIENT_HELLO },
	/* legacy_version, random, legacy_session_id_echo<0..32>,
	 * cipher_suite, compression, extensions<6..2^16-1> (4.1.3). */
	{ SG_HT_SERVER_HELLO, 2 + 32 + 1 + 32 + 2 + 1 + 2 + 0xffff },
	/* extensions<0..2^16-1> (4.3.1). */
	{ SG_HT_ENCRYPTED_EXTENSIONS, 2 + 0xffff },
	/* certificate_request_context<0..2^8-1>, extensions<2..2^16-1>. */
	{ SG_HT_CERTIFICATE_REQUEST, 1 + 0xff + 2 + 0xffff },
	/* A chain may be long (2^24 - 1 by syntax): SIGIL_MAX_HANDSHAKE_MSG. */
	{ SG_HT_CERTIFICATE, SIGIL_MAX_HANDSHAKE_MSG },
	/* algorithm, uncompressed_length, compressed_certificate_message
	 * (RFC 8879 4): no larger than the Certificate it stands for. */
	{ SG_HT_COMPRESSED_CERTIFICATE, SIGIL_MAX_HANDSHAKE_MSG },
	/* algorithm, signature<0..2^16-1> (4.4.3). */
	{ SG_HT_CERTIFICATE_VERIFY, 2 + 2 + 0xffff },
	/* TLS 1.2 (RFC 8422 5.4): curve_type, namedcurve, point<1..255>,
	 * algorithm, signature<0..2^16-1>. */
	{ SG_HT_SERVER_KEY_EXCHANGE, 1 + 2 + 1 + 255 + 2 + 2 + 0xffff },
	/* Empty (RFC 5246 7.4.5). */
	{ SG_HT_SERVER_HELLO_DONE, 0 },
	/* ECPoint ecdh_Yc<1..2^8-1> (RFC 8422 5.7). */
	{ SG_HT_CLIENT_KEY_EXCHANGE, 1 + 255 },
	/* verify_data[Hash.length] (4.4.4). */
	{ SG_HT_FINISHED, SG_MAX_FINISHED },
	/* lifetime, age_add, nonce<0..255>, ticket<1..2^16-1>,
	 * extensions<0..2^16-2> (4.6.1): up to 128 KiB, so that any
	 * ticket can be read (and one longer than a client keeps, skipped). */
	{ SG_HT_NEW_SESSION_TICKET, SIGIL_MAX_HANDSHAKE_MSG },
	/* request_update (4.6.3). */
	{ SG_HT_KEY_UPDATE, 1 },
};

uint32_t sg_hs_max_length(uint8_t type)
{
	for (size_t i = 0; i < sizeof msg_limits / sizeof msg_limits[0]; i++)
		if (msg_limits[i].type == type)
			return msg_limits[i].max;
	return 0;
}

static const char *type_name(uint8_t type)
{
	switch (type) {
	case SG_HT_CLIENT_HELLO: return "ClientHello";
	case SG_HT_SERVER_HELLO: return "ServerHello";
	case SG_HT_NEW_SESSION_TICKET: return "NewSessionTicket";
	case SG_HT_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
	case SG_HT_CERTIFICATE: return "Certificate";
	case SG_HT_CERTIFICATE_REQUEST: return "CertificateRequest";
	case SG_HT_CERTIFICATE_VERIFY: return "CertificateVerify";
	case SG_HT_COMPRESSED_CERTIFICATE: return "CompressedCertificate";
	case SG_HT_FINISHED: return "Finished";
	case SG_HT_KEY_UPDATE: return "KeyUpdate";
	case SG_HT_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
	case SG_HT_SERVER_HELLO_DONE: return "ServerHelloDone";
	case SG_HT_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
	default: return "handshake message";
	}
}

int sg_hs_check_header(sigil_conn *c, uint8_t type, size_t len)
{
	if (c->hs && expect(c, type) == SG_HS_FLAGS)
		return unexpected(c, type);
	/* TLS 1.2: a ClientHello (or a server's HelloRequest) after the
	 * handshake asks for renegotiation, which sigil refuses: a fatal
	 * handshake_failure (RFC 5746 4.4 lets a server decline; a warning
	 * no_renegotiation would leave the peer to decide, and nothing else
	 * may follow a message we will not answer).  Nothing else is legal
	 * after a TLS 1.2 handshake. */
	if (!c->hs && c->version == SG_TLS12) {
		if (type == SG_HT_CLIENT_HELLO || type == 0)
			return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
					"the peer asked for TLS 1.2 renegotiation, which sigil refuses");
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"unexpected handshake message type %u after the TLS 1.2 handshake", type);
	}
	/* After the handshake: what sg_post_handshake_recv reads (4.6). */
	if (!c->hs && type != SG_HT_KEY_UPDATE &&
	    !(c->role == SIGIL_CLIENT && (type == SG_HT_NEW_SESSION_TICKET || type == SG_HT_CERTIFICATE_REQUEST)))
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"unexpected handshake message type %u after the handshake", type);
	uint32_t max = sg_hs_max_length(type);
	if (len > max)
		return SG_ALERT(c, SIGIL_ALERT_DECODE_ERROR, "%s of %zu bytes (the limit is %u%s)", type_name(type), len,
				max, type == SG_HT_CLIENT_HELLO ? "; no real client sends more than 5 KB" :
				type == SG_HT_FINISHED ? ", the longest verify_data" : "");
	return 0;
}

int sg_hs_message(sigil_conn *c, uint8_t type, const uint8_t *msg, size_t len)
{
	if (!c->hs)
		return sg_post_handshake_recv(c, type, &(sg_rd){ msg + 4, len - 4 });
	unsigned flags = expect(c, type);
	if (flags == SG_HS_FLAGS)
		return unexpected(c, type);
	c->hs->flags = flags;
	const sg_action *a = &actions[current(c)];
	sg_rd r;
	sg_rd_init(&r, msg + 4, len - 4);
	if ((type == SG_HT_COMPRESSED_CERTIFICATE ? sg_compressed_certificate_recv(c, &r) : a->recv(c, &r)) < 0)
		return SIGIL_ERROR;
	if (!c->hs)     /* the receive function may have failed the connection */
		return SIGIL_ERROR;
	if (sg_transcript_add(c, msg, len) < 0)
		return SIGIL_ERROR;
	/* The handler may have changed the shape (a ServerHello that was a
	 * HelloRetryRequest): what follows is decided by the new sequence. */
	a = &actions[current(c)];
	c->hs->pos++;
	if (a->after && a->after(c) < 0)
		return SIGIL_ERROR;
	return send_ours(c);
}
