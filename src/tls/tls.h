/*
 * Internal definitions of the TLS 1.3 engine (RFC 8446).  Not installed.
 */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "sigil.h"
#include "bytes/bytes.h"
#include "crypto/crypto.h"

/* ContentType, RFC 8446 5.1 */
enum { SG_CT_CCS = 20, SG_CT_ALERT = 21, SG_CT_HANDSHAKE = 22, SG_CT_APP = 23 };

/* v is one of the n values of l (preference lists, a peer's offers). */
static inline bool sg_in_list(const uint16_t *l, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* HandshakeType, RFC 8446 4 */
enum {
	SG_HT_CLIENT_HELLO = 1,
	SG_HT_SERVER_HELLO = 2,
	SG_HT_NEW_SESSION_TICKET = 4,
	SG_HT_END_OF_EARLY_DATA = 5,
	SG_HT_ENCRYPTED_EXTENSIONS = 8,
	SG_HT_CERTIFICATE = 11,
	SG_HT_SERVER_KEY_EXCHANGE = 12,  /* TLS 1.2 (RFC 5246 7.4.3) */
	SG_HT_CERTIFICATE_REQUEST = 13,
	SG_HT_SERVER_HELLO_DONE = 14,    /* TLS 1.2 (7.4.5) */
	SG_HT_CERTIFICATE_VERIFY = 15,
	SG_HT_CLIENT_KEY_EXCHANGE = 16,  /* TLS 1.2 (7.4.7) */
	SG_HT_FINISHED = 20,
	SG_HT_KEY_UPDATE = 24,
	SG_HT_COMPRESSED_CERTIFICATE = 25,  /* RFC 8879 4 */
	SG_HT_MESSAGE_HASH = 254,
};

/* ExtensionType, RFC 8446 4.2 and others */
enum {
	SG_EXT_SERVER_NAME = 0,
	SG_EXT_STATUS_REQUEST = 5,
	SG_EXT_SUPPORTED_GROUPS = 10,
	SG_EXT_EC_POINT_FORMATS = 11,           /* TLS 1.2, RFC 8422 5.1.2 */
	SG_EXT_SIGNATURE_ALGORITHMS = 13,
	SG_EXT_ALPN = 16,
	SG_EXT_SCT = 18,
	SG_EXT_EXTENDED_MASTER_SECRET = 23,     /* TLS 1.2, RFC 7627 */
	SG_EXT_COMPRESS_CERTIFICATE = 27,       /* RFC 8879 3 */
	SG_EXT_RECORD_SIZE_LIMIT = 28,
	SG_EXT_SESSION_TICKET = 35,             /* TLS 1.2, RFC 5077 */
	SG_EXT_PRE_SHARED_KEY = 41,
	SG_EXT_EARLY_DATA = 42,
	SG_EXT_SUPPORTED_VERSIONS = 43,
	SG_EXT_COOKIE = 44,
	SG_EXT_PSK_KEY_EXCHANGE_MODES = 45,
	SG_EXT_CERTIFICATE_AUTHORITIES = 47,
	SG_EXT_POST_HANDSHAKE_AUTH = 49,
	SG_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
	SG_EXT_KEY_SHARE = 51,
	SG_EXT_RENEGOTIATION_INFO = 0xff01,     /* TLS 1.2, RFC 5746 */
};

/* TLS 1.2's version number (RFC 5246); SIGIL_TLS13 is public. */
#define SG_TLS12 SIGIL_TLS12

#define SG_MAX_PLAINTEXT 16384u                 /* 2^14, RFC 8446 5.1 */
#define SG_MAX_CIPHERTEXT (SG_MAX_PLAINTEXT + 256u)
#define SG_RECORD_HEADER 5
#define SG_MAX_FINISHED 48u                     /* verify_data of SHA-384, the longest suite hash */
#define SG_ERR_LEN 768
#define SG_MAX_LIST 16                          /* entries kept of peer lists */
/* Key shares a client sends (for hybrid post-quantum groups: the hybrid
 * and a classical fallback); a server sends one. */
#define SG_MAX_OWN_SHARES 2
/* Records in a row that carry nothing (empty application data,
 * user_canceled warnings, change_cipher_spec) before we give up. */
#define SG_MAX_EMPTY_RECORDS 32u
/* A server that refuses 0-RTT drops the client's early data (RFC 8446
 * 4.2.10) "up to the configured max_early_data_size".  sigil's tickets
 * allow none, so a client sends early data to it only with a ticket of
 * another server sharing the ticket keys; 64 KiB of records (headers
 * included) is four full ones, above the 16 KiB that servers commonly
 * allow (OpenSSL's default recv_max_early_data). */
#define SG_MAX_EARLY_SKIP (64u * 1024u)
enum {
	SG_EARLY_NONE,
	SG_EARLY_TRIAL,         /* after ServerHello: records that fail to deprotect */
	SG_EARLY_AFTER_HRR,     /* after HelloRetryRequest: every application_data record */
};

/* ---- algorithm tables (names.c) ---- */
typedef struct sg_suite {
	uint16_t id;
	const char *name;
	const sg_aead_class *aead;
	const sg_hash_class *hash;
} sg_suite;

typedef struct sg_group {
	uint16_t id;
	const char *name;
	const sg_kex_class *kex;
} sg_group;

typedef struct sg_sigscheme {
	uint16_t id;
	const char *name;
	sg_sig_kind kind;
	const sg_hash_class *hash;
	sg_key_type key;        /* the key type it needs; for ECDSA the curve too */
	bool handshake;         /* allowed in CertificateVerify (not PKCS#1) */
} sg_sigscheme;

const sg_suite *sg_suite_find(uint16_t id);
const sg_group *sg_group_find(uint16_t id);
const sg_sigscheme *sg_sigscheme_find(uint16_t id);
/* Parse a colon-separated name list into ids; -1 with the bad name in err. */
int sg_parse_name_list(const char *list, int kind, uint16_t *out, size_t cap, size_t *n,
		       char *err, size_t errlen);
enum { SG_LIST_SUITES, SG_LIST_GROUPS, SG_LIST_SIGALGS, SG_LIST_CERTCOMP };

/* ---- config ---- */
#define SG_MAX_CERTKEYS SIGIL_MAX_CERT_KEYS
#define SG_MAX_TICKET_KEYS 8
/* One dNSName of a pair's leaf: p points into the pair's der.  hash is
 * sg_name_hash of the name, or for a wildcard of what follows its '*'
 * (".example.com"): a look-up compares lengths and hashes, and only a
 * name that passes both goes to the real match (sg_x509_dns_match). */
typedef struct sg_certname {
	const uint8_t *p;
	uint32_t hash;
	uint8_t len;
	bool wild;
} sg_certname;
/* FNV-1a over the bytes lower-cased (ASCII), as host names compare. */
uint32_t sg_name_hash(const uint8_t *p, size_t n);
typedef struct sg_certkey {
	uint8_t *der;                   /* all certificates, concatenated */
	sigil_der chain[SIGIL_MAX_CHAIN];
	size_t n;
	sg_pkey *key;
	sg_key_type type;
	/* The leaf's subjectAltName dNSNames, read once when the pair is
	 * added, for the choice by server_name (certificate.c); nwild of
	 * the nnames are wildcards ("*."); NULL when it has none. */
	struct sg_certname *names;
	size_t nnames, nwild;
	/* The CompressedCertificate body (RFC 8879 4) of this chain's
	 * Certificate message with an empty certificate_request_context,
	 * one per algorithm (SG_CERTCOMP_*), made on first use and freed
	 * with the config (certcomp.c). */
	_Atomic(struct sg_certcomp_msg *) comp[4];
} sg_certkey;

/* Test-only hooks (tests/, fuzz/): deterministic values. */
typedef struct sg_test_hooks {
	/* Fill `out` with "random" bytes; returns 0 on success. */
	int (*random)(void *arg, uint8_t *out, size_t n);
	/* A private key for the ephemeral share of this group, or NULL. */
	sg_kex_key *(*kex_key)(void *arg, uint16_t group);
	/* Wall-clock milliseconds since the epoch (ticket ages), or NULL. */
	uint64_t (*now_ms)(void *arg);
	void *arg;
	uint32_t key_update_records;    /* 0: SIGIL_KEY_UPDATE_RECORDS */
	/* A client's first hello carries shares for this many of its first
	 * groups (at most SG_MAX_OWN_SHARES; 0: what a client sends without
	 * the hook, client_hello.c's make_shares). */
	unsigned client_shares;
	/* The certificate compression algorithms we offer (RFC 8879), bits
	 * 1 << SG_CERTCOMP_*; 0: all of them; SG_CERTCOMP_OFF: none (no
	 * compress_certificate extension). */
	unsigned certcomp;
} sg_test_hooks;
#define SG_CERTCOMP_OFF 1u

struct sigil_config {
	atomic_int refs;
	atomic_bool frozen;
	uint16_t suites[4];
	size_t nsuites;
	uint16_t groups[4];
	size_t ngroups;
	/* Certificate compression algorithms (RFC 8879), ours first: what a
	 * client offers and a server prefers; none: never compressed. */
	uint16_t certcomp[3];
	size_t ncertcomp;
	uint16_t sigalgs[SG_MAX_LIST];
	size_t nsigalgs;
	uint8_t alpn[SIGIL_MAX_ALPN * 256];     /* wire form: u8-prefixed names */
	size_t alpn_len;
	sg_certkey *certs;              /* ncerts pairs in the order added, room for certs_cap */
	size_t ncerts, certs_cap;
	sigil_client_auth client_auth;
	sigil_verify_fn verify;
	void *verify_arg;
	bool insecure;
	struct sg_x509_store *trust;    /* built-in verifier's anchors, or NULL */
	struct sg_x509_crls *crls;
	bool crl_required;
	char *pins;
	pthread_mutex_t lock;           /* loading the system store on first use */
	bool compat;                    /* middlebox compatibility mode (client) */
	const sg_test_hooks *hooks;
	/* Session tickets (ticket.c): keys[0] seals, all open. */
	uint8_t ticket_keys[SG_MAX_TICKET_KEYS][SIGIL_TICKET_KEY_LEN];
	size_t nticket_keys;
	unsigned tickets;               /* NewSessionTickets per handshake */
	uint32_t ticket_lifetime;       /* seconds */
	uint16_t min_version;           /* SG_TLS12 (default) or SIGIL_TLS13 */
	uint16_t max_version;           /* SIGIL_TLS13 (default) or SG_TLS12 */
	char err[512];
};

int sg_config_set_test_hooks(sigil_config *cfg, const sg_test_hooks *h);
int sg_config_default_trust(sigil_config *cfg, char *err, size_t errlen);

/* ---- record protection, one direction ---- */
typedef struct sg_traffic {
	sg_aead_ctx *aead;              /* NULL: plaintext, unless parked */
	bool parked;                    /* keys set, context released while idle */
	uint8_t iv[SG_AEAD_NONCE];
	uint64_t seq;
	uint8_t secret[SG_MAX_HASH];     /* TLS 1.2: the write key itself */
	uint8_t tls12;                  /* 0: TLS 1.3 records; SG_NONCE12_* */
} sg_traffic;
/* TLS 1.2 AEAD nonces: GCM's 4-byte salt and 8-byte explicit part sent
 * in each record (RFC 5288 3), ChaCha20-Poly1305's IV XOR the sequence
 * number as in TLS 1.3 (RFC 7905 2). */
enum { SG_NONCE12_GCM = 1, SG_NONCE12_XOR = 2 };

/* ---- handshake state, freed when the handshake ends ---- */
enum sg_msg {
	SG_M_CH, SG_M_HRR, SG_M_CH2, SG_M_SH, SG_M_EE, SG_M_CR, SG_M_SCERT,
	SG_M_SCV, SG_M_SFIN, SG_M_CCERT, SG_M_CCV, SG_M_CFIN, SG_M_DONE,
	/* TLS 1.2 (tls12_handshake.c) */
	SG_M_SH12, SG_M_SCERT12, SG_M_SKE, SG_M_SHD, SG_M_CKE, SG_M_CFIN12, SG_M_SFIN12, SG_M_NST12,
	SG_M_COUNT
};

/* Handshake shape flags: together they select the legal message sequence. */
#define SG_HS_NEGOTIATED 0x01
#define SG_HS_HRR        0x02
#define SG_HS_CR         0x04   /* server sent CertificateRequest */
#define SG_HS_CCV        0x08   /* client sent a certificate (and CertVerify) */
#define SG_HS_PSK        0x10   /* resumed with a PSK: no certificates */
#define SG_HS_TLS12      0x20   /* TLS 1.2 (RFC 5246 7.3) */
#define SG_HS_NST        0x40   /* TLS 1.2: NewSessionTicket before the server's CCS (RFC 5077 3.3) */
#define SG_HS_FLAGS      0x80   /* number of combinations */

typedef struct sg_hs {
	unsigned pos;                   /* index into the current sequence */
	unsigned flags;
	sg_hash_ctx *transcript;        /* NULL until the suite is known */
	sg_wr pending;                  /* messages before the suite is known */
	uint8_t pending_buf[512];

	uint8_t random[32];             /* ours */
	uint8_t session_id[32];
	size_t session_id_len;
	uint8_t cookie[1024];
	size_t cookie_len;

	/* Our ephemeral key shares (4.2.8): a client's, in the order its
	 * key_share lists them, until the ServerHello's share is used; a
	 * server's one, only while it answers the client's share. */
	struct sg_share {
		const sg_group *group;
		sg_kex_key *key;
	} own_shares[SG_MAX_OWN_SHARES];
	size_t nown_shares;
	/* Server: our key_share for the ServerHello (sg_kex_encap's answer:
	 * 1,120 bytes for X25519MLKEM768), from the ClientHello until the
	 * ServerHello is written. */
	uint8_t *server_share;
	size_t server_share_len;
	uint16_t hrr_group;             /* group the HRR asked for (client: 0 for a cookie-only retry) */
	uint8_t shared[SG_MAX_KEX_SECRET];
	size_t shared_len;

	uint8_t hs_secret[SG_MAX_HASH];
	uint8_t master[SG_MAX_HASH];
	uint8_t c_hs[SG_MAX_HASH], s_hs[SG_MAX_HASH];
	uint8_t c_ap[SG_MAX_HASH];      /* client application secret, SF to CF */

	/* What the peer offered (server) or asked for (client in CR). */
	uint16_t peer_sigalgs[SG_MAX_LIST];
	size_t npeer_sigalgs;
	uint16_t peer_groups[SG_MAX_LIST];
	size_t npeer_groups;
	sg_rd peer_shares;              /* KeyShareEntry list of the ClientHello being read */
	size_t npeer_shares;
	uint16_t peer_record_limit;     /* server: the client's record_size_limit, or 0 */
	bool ch_early_data;             /* server: the ClientHello offered 0-RTT */

	/* Certificates. */
	sg_rd ca_names;                 /* certificate_authorities of the CR being read */
	const sg_certkey *own;          /* chain we send, or NULL */
	uint16_t own_scheme;            /* how we sign CertificateVerify */
	sg_pkey *peer_key;              /* peer's end-entity public key */
	uint8_t cr_context[255];
	size_t cr_context_len;
	bool sent_ccs;
	bool peer_sent_cert;
	/* Certificate compression (RFC 8879), bits 1 << SG_CERTCOMP_*:
	 * what we offered (client: ClientHello; server: CertificateRequest)
	 * and what the peer can decompress. */
	uint8_t comp_offered, comp_peer;

	/* Resumption (ticket.c). */
	uint8_t psk[SG_MAX_HASH];       /* the PSK in use, when SG_HS_PSK */
	bool psk_dhe_ke;                /* the client allows psk_dhe_ke */
	bool ch_has_psk;
	sg_rd psk_identities, psk_binders;      /* into the ClientHello being read */
	const uint8_t *ch_start;        /* that ClientHello, from its header */

	size_t early_skipped;           /* rejected 0-RTT bytes dropped, headers included */
	uint32_t ext_sent;              /* client: extensions of our ClientHello (sg_ext_index bits) */

	/* TLS 1.2 (tls12_*.c). */
	uint8_t peer_random[32];
	bool ems;                       /* extended_master_secret offered and used (RFC 7627) */
	bool reneg_ok;                  /* renegotiation_info or the SCSV seen (RFC 5746 3.6) */
	bool ch_ticket;                 /* the client offered session_ticket (RFC 5077) */
	bool ch_uncompressed;           /* ec_point_formats absent or listing uncompressed */
	bool ch_point_formats;          /* ec_point_formats present */
	sg_rd ch_ticket_data;           /* its session_ticket, in the ClientHello being read */
	bool send_ticket12;             /* NewSessionTicket follows (RFC 5077 3.2): the server's, or the
					 * client's reading of the ServerHello's session_ticket */
	bool ticket12_offered;          /* client: a TLS 1.2 ticket in our ClientHello */
	struct sg_session *session12;   /* client: from NewSessionTicket, kept once the server's Finished verifies */
	uint8_t master12[48];
	/* Keys waiting for change_cipher_spec: the key block (6.3). */
	uint8_t kb_key[2][32], kb_iv[2][SG_AEAD_NONCE];  /* [0] client write, [1] server write */
	/* Client with a certificate: the handshake messages themselves,
	 * which a TLS 1.2 CertificateVerify signs (RFC 5246 7.4.8); kept
	 * from the ServerHello while keep_raw12 (tls12_client.c).  A server
	 * that asks for a certificate: from the ClientHello until the
	 * client's CertificateVerify is read (tls12_handshake.c). */
	sg_wr raw12;
	bool keep_raw12;
} sg_hs;

/* ---- the connection ---- */
struct sigil_conn {
	sigil_config *cfg;
	sigil_role role;
	unsigned state;
	bool started;

	sigil_error_class eclass;
	int ealert;
	char *err;                      /* SG_ERR_LEN bytes, taken on failure */

	/* Input: one record at a time, in a buffer taken on demand and
	 * released by sigil_conn_shrink when idle. */
	uint8_t *in;
	size_t in_len;
	size_t in_cap;                  /* sized to the largest record so far */
	size_t in_dirty;                /* bytes of `in` ever written: to wipe */
	size_t in_stream;               /* plaintext handshake bytes of the record still to come */
	const uint8_t *app;             /* decrypted app data waiting to be read */
	size_t app_len;
	sg_wr out;                      /* bytes to send */
	size_t out_off;                 /* of which this many already went out */
	size_t out_hold;                /* limit of output waiting before writes block */
	sg_wr hsmsg;                    /* partial handshake message(s) */

	sg_traffic rd, wr;
	unsigned rd_epoch;              /* read keys installed so far (5.1 boundaries) */
	size_t max_fragment;            /* peer's record_size_limit, minus 1 */
	uint8_t early_skip;             /* server: how rejected 0-RTT records are dropped */
	uint8_t key_update_due;         /* 1: answer a peer's update_requested */
	unsigned empty_run;             /* records in a row that carried nothing */

	sg_hs *hs;

	uint16_t version;               /* negotiated (supported_versions), 0 until known */
	const sg_suite *suite;
	uint16_t group;
	uint16_t sigscheme;
	uint16_t own_cert;              /* 1 + index in cfg->certs of the chain we sent; 0: none */
	bool hrr;
	char alpn[256];
	char sni[256];
	uint8_t *peer_der;
	sigil_der peer_chain[SIGIL_MAX_CHAIN];
	size_t npeer;
	uint8_t resumption[SG_MAX_HASH];
	bool resumed;
	uint16_t cert_comp;             /* RFC 8879 algorithm of the server's Certificate, 0: none */
	sg_hash_ctx *pha;               /* client: transcript through its Finished */
	struct sg_session *session;     /* client: offered, then the latest ticket */

	/* The file-descriptor layer (io.c). */
	int fd;
	uint8_t *io_buf;                /* bytes read but not yet taken */
	size_t io_off, io_len, io_cap;
};

/* ---- errors (conn.c) ---- */
/* Fail the connection: sends `alert` (when >= 0) and records a sentence.
 * Returns SIGIL_ERROR so that callers can `return sg_fail(...)`. */
int sg_fail(sigil_conn *c, sigil_error_class cls, int alert, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define SG_ALERT(c, alert, ...) sg_fail((c), SIGIL_ECLASS_LOCAL_ALERT, (alert), __VA_ARGS__)
#define SG_DECODE(c, what) SG_ALERT((c), SIGIL_ALERT_DECODE_ERROR, "malformed %s", (what))
#define SG_INTERNAL(c, what) sg_fail((c), SIGIL_ECLASS_INTERNAL, SIGIL_ALERT_INTERNAL_ERROR, "internal error: %s", (what))
int sg_conn_random(sigil_conn *c, uint8_t *out, size_t n);

/* ---- record layer (record.c) ---- */
int sg_record_write(sigil_conn *c, uint8_t type, const uint8_t *p, size_t n);
int sg_record_recv(sigil_conn *c, const uint8_t *data, size_t len, size_t *used);
int sg_record_send_alert(sigil_conn *c, uint8_t alert);
int sg_record_send_ccs(sigil_conn *c);
/* Padding removal of a decrypted TLSInnerPlaintext p[n] (5.2, 5.4), in
 * time that depends on n only: the content length, and in *type the
 * content type (0 when p is all zeros: no content type). */
size_t sg_record_unpad(const uint8_t *p, size_t n, uint8_t *type);
/* Install keys for one direction from a traffic secret (RFC 8446 7.3). */
int sg_traffic_install(sigil_conn *c, sg_traffic *t, const uint8_t *secret, bool encrypt);
void sg_traffic_clear(sg_traffic *t);
/* Release an idle direction's AEAD context; it is rebuilt from the secret
 * (sequence number kept) when the next record moves. */
void sg_traffic_park(sg_traffic *t);
static inline bool sg_traffic_on(const sg_traffic *t) { return t->aead || t->parked; }

/* ---- key schedule (keysched.c), RFC 8446 7.1 ---- */
int sg_hkdf_expand_label(const sg_hash_class *h, const uint8_t *secret, const char *label,
			 const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len) SG_MUST_CHECK;
int sg_derive_secret(const sg_hash_class *h, const uint8_t *secret, const char *label,
		     const uint8_t *thash, uint8_t *out) SG_MUST_CHECK;
/* Early secret (no PSK) -> derived -> handshake secret, and the two
 * handshake traffic secrets for the transcript so far. */
int sg_ks_handshake(sigil_conn *c) SG_MUST_CHECK;
/* Master secret and the application traffic secrets (after server Finished). */
int sg_ks_application(sigil_conn *c, uint8_t c_ap[SG_MAX_HASH], uint8_t s_ap[SG_MAX_HASH]) SG_MUST_CHECK;
int sg_ks_finished(const sg_hash_class *h, const uint8_t *base, const uint8_t *thash, uint8_t *out) SG_MUST_CHECK;
int sg_ks_update(const sg_hash_class *h, uint8_t *secret) SG_MUST_CHECK;

/* ---- handshake (handshake.c) ---- */
int sg_hs_start(sigil_conn *c);
int sg_hs_message(sigil_conn *c, uint8_t type, const uint8_t *msg, size_t len);
int sg_hs_send_message(sigil_conn *c, uint8_t type, int (*send)(sigil_conn *c, sg_wr *w));
void sg_hs_free(sigil_conn *c);
int sg_transcript_add(sigil_conn *c, const uint8_t *p, size_t n);
int sg_transcript_start(sigil_conn *c, const sg_hash_class *h);
int sg_transcript_hash(sigil_conn *c, uint8_t *out);
const uint8_t *sg_hs_sequence(unsigned flags, size_t *n);
/* Longest body accepted for a handshake message of this type (0: none
 * is ever read). */
uint32_t sg_hs_max_length(uint8_t type);
/* From a message's 4-byte header: fails the connection unless a message
 * of this type is one we read now and len is within its limit. */
int sg_hs_check_header(sigil_conn *c, uint8_t type, size_t len);
const char *sg_msg_name(enum sg_msg m);

/* ---- extensions (extensions.c) ---- */
/* The messages an extension may appear in (RFC 8446 4.2), one bit each.
 * A ClientHello is the same message in TLS 1.2 and 1.3; a ServerHello is
 * not, so SG_MSG_SH12 is the TLS 1.2 one (RFC 5246 7.4.1.3): a server
 * builds it (tls12_handshake.c), a client reads it (tls12_client.c). */
#define SG_MSG_CH   0x01        /* ClientHello */
#define SG_MSG_SH   0x02        /* TLS 1.3 ServerHello */
#define SG_MSG_HRR  0x04        /* HelloRetryRequest */
#define SG_MSG_EE   0x08        /* EncryptedExtensions */
#define SG_MSG_CT   0x10        /* a CertificateEntry of Certificate */
#define SG_MSG_CR   0x20        /* CertificateRequest */
#define SG_MSG_NST  0x40        /* NewSessionTicket */
#define SG_MSG_SH12 0x80        /* TLS 1.2 ServerHello */

/* An extension block read by sg_ext_parse: each known extension's data,
 * by its index in the table. */
#define SG_EXT_MAX 32
typedef struct sg_ext_block {
	sg_rd data[SG_EXT_MAX];
	uint32_t present;               /* bit i: table entry i is in the block */
	uint32_t done;                  /* bit i: entry i was processed */
} sg_ext_block;

/* Write the extensions block (u16 length first) of message msg: every
 * extension our side needs there, in table order.  A client's
 * ClientHello notes what it sent in hs->ext_sent. */
int sg_ext_build(sigil_conn *c, unsigned msg, sg_wr *w);
/* Read an extensions block's structure (exts: its body, without the
 * length): no duplicate types (4.2), only extensions allowed in msg,
 * in a response to ours only those we sent, pre_shared_key last in a
 * ClientHello (4.2.11); unknown extensions are skipped. */
int sg_ext_parse(sigil_conn *c, unsigned msg, sg_rd exts, sg_ext_block *b);
/* Process the extensions of a parsed block, in table order (not the
 * peer's), each through our side's process function; those already
 * processed are skipped.  sg_ext_run_one processes one type ahead of
 * the others (supported_versions, which decides the version). */
int sg_ext_run(sigil_conn *c, unsigned msg, sg_ext_block *b);
int sg_ext_run_one(sigil_conn *c, unsigned msg, sg_ext_block *b, uint16_t type);
/* Both, for messages without a step in between; b may be NULL. */
int sg_ext_process(sigil_conn *c, unsigned msg, sg_rd exts, sg_ext_block *b);
bool sg_ext_has(const sg_ext_block *b, uint16_t type);
/* Whether our ClientHello carried extension `type` (a client). */
bool sg_ext_sent(const sigil_conn *c, uint16_t type);
/* The first extension of this type in an extensions block, without any
 * other check (a ServerHello's supported_versions, before the block's
 * version is known). */
bool sg_ext_peek(sg_rd exts, uint16_t type, sg_rd *data);

/* The messages extension `type` may appear in (0: one sigil does not
 * know), and NULL or the table rule that is broken (for the tests). */
unsigned sg_ext_messages(uint16_t type);
const char *sg_ext_table_check(void);

/* Our ephemeral key shares (client_hello.c): generate one for group g
 * (the test hooks may provide it), or free them all (with a server's
 * hs->server_share). */
int sg_share_new(sigil_conn *c, const sg_group *g);
void sg_shares_free(sg_hs *hs);

/* ---- messages: one file each, send and recv together ---- */
int sg_client_hello_send(sigil_conn *c, sg_wr *w);
int sg_client_hello_recv(sigil_conn *c, sg_rd *r);
int sg_server_hello_send(sigil_conn *c, sg_wr *w);
int sg_server_hello_recv(sigil_conn *c, sg_rd *r);
int sg_hello_retry_send(sigil_conn *c, sg_wr *w);
int sg_encrypted_extensions_send(sigil_conn *c, sg_wr *w);
int sg_encrypted_extensions_recv(sigil_conn *c, sg_rd *r);
int sg_certificate_request_send(sigil_conn *c, sg_wr *w);
int sg_certificate_request_recv(sigil_conn *c, sg_rd *r);
int sg_certificate_request_extensions(sigil_conn *c, sg_rd exts);
int sg_certificate_send(sigil_conn *c, sg_wr *w);
int sg_certificate_recv(sigil_conn *c, sg_rd *r);
int sg_certificate_verify_send(sigil_conn *c, sg_wr *w);
int sg_certificate_verify_recv(sigil_conn *c, sg_rd *r);
int sg_finished_send(sigil_conn *c, sg_wr *w);
int sg_finished_recv(sigil_conn *c, sg_rd *r);
int sg_post_handshake_recv(sigil_conn *c, uint8_t type, sg_rd *r);
int sg_key_update_send(sigil_conn *c, bool request);
/* ---- resumption (ticket.c), RFC 8446 4.6.1, 4.2.11 ---- */
typedef struct sg_session {
	uint16_t version;               /* SIGIL_TLS13, or SG_TLS12: a RFC 5077 ticket, psk the master secret */
	uint16_t suite;
	uint64_t received_ms;
	uint32_t lifetime, age_add;
	uint8_t psk[SG_MAX_HASH];
	size_t psk_len;
	uint8_t *ticket;
	size_t ticket_len;
	char sni[256];
} sg_session;
void sg_session_free(sg_session *s);
uint64_t sg_now_ms(const sigil_conn *c);
int sg_tickets_send(sigil_conn *c);
int sg_new_session_ticket_recv(sigil_conn *c, sg_rd *r);
/* Client: write the pre_shared_key extension's data (the extension is
 * last in the ClientHello) with a zero binder; sg_psk_fill_binder
 * completes it. */
int sg_psk_build_ch(sigil_conn *c, sg_wr *w);
bool sg_psk_offering(const sigil_conn *c);
int sg_psk_fill_binder(sigil_conn *c, sg_wr *w);
/* Server: try the offered tickets; sets SG_HS_PSK and hs->psk on success. */
int sg_psk_accept(sigil_conn *c);
/* The two steps of reading a ticket, apart for the fuzz target
 * (fuzz/fuzz_ticket.c) and the constant-time check: open ticket t[n]
 * with the config's keys into state[cap] (*len bytes), 0 or -1; decode
 * that state, 0 or -1 (psk points into it). */
#define SG_TICKET_SNI_HASH 32
#define SG_TICKET_EMS 0x01              /* flags: extended master secret (RFC 7627) */
typedef struct sg_ticket {
	uint16_t suite;
	uint64_t issued;                /* ms since the epoch */
	uint32_t lifetime, age_add;
	uint16_t protocol;              /* SIGIL_TLS13 or SG_TLS12 */
	uint8_t flags;
	const uint8_t *sni_hash;        /* SG_TICKET_SNI_HASH bytes, into the state */
	const uint8_t *psk;             /* TLS 1.2: the master secret */
	size_t psk_len;
} sg_ticket;
int sg_ticket_open(const sigil_config *cfg, const uint8_t *t, size_t n, uint8_t *state, size_t cap,
		   size_t *len) SG_MUST_CHECK;
int sg_ticket_decode(const uint8_t *state, size_t n, sg_ticket *t) SG_MUST_CHECK;
/* SHA-256 of the lowercased server name, which a ticket is bound to;
 * whether ticket t was made under the name c's hello asks for. */
int sg_ticket_sni_hash(const char *sni, uint8_t out[SG_TICKET_SNI_HASH]) SG_MUST_CHECK;
bool sg_ticket_sni_ok(const sigil_conn *c, const sg_ticket *t);
/* The binder for a PSK over a transcript hash (4.2.11.2). */
int sg_ks_binder(const sg_hash_class *h, const uint8_t *psk, const uint8_t *thash, uint8_t *out) SG_MUST_CHECK;

/* ---- TLS 1.2 (RFC 5246), tls12_handshake.c and tls12_kex.c ---- */
int sg_traffic_install12(sigil_conn *c, sg_traffic *t, const uint8_t *key, const uint8_t *iv, bool encrypt);
/* Server: the rest of a ClientHello that chose TLS 1.2 (client_hello.c
 * has parsed it and read supported_versions). */
int sg_tls12_client_hello(sigil_conn *c, const uint8_t *random, sg_rd suites, sg_rd compression,
			  sg_ext_block *ext);
/* The peer's change_cipher_spec (record.c): its keys take effect. */
int sg_tls12_ccs_recv(sigil_conn *c);
/* Ours, just before our Finished. */
int sg_tls12_ccs_send(sigil_conn *c);
int sg_tls12_server_hello_send(sigil_conn *c, sg_wr *w);
int sg_tls12_server_hello_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_certificate_send(sigil_conn *c, sg_wr *w);
int sg_tls12_certificate_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_ske_send(sigil_conn *c, sg_wr *w);
int sg_tls12_ske_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_shd_send(sigil_conn *c, sg_wr *w);
int sg_tls12_shd_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_cke_send(sigil_conn *c, sg_wr *w);
int sg_tls12_cke_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_after_cke(sigil_conn *c);
int sg_tls12_key_block(sigil_conn *c);
/* Session tickets (RFC 5077, ticket.c): NewSessionTicket, sent by the
 * server and read by the client; the server's opening of an offered
 * ticket (1 with hs->master12 and *suite set, 0 when it does not resume:
 * not ours, expired, other name or version, no EMS); whether the client
 * has a TLS 1.2 session to offer; whether a TLS 1.2 suite is one our
 * TLS 1.3 suites' AEADs enable (tls12_handshake.c). */
int sg_tls12_ticket_send(sigil_conn *c, sg_wr *w);
int sg_tls12_ticket_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_ticket_accept(sigil_conn *c, const uint8_t *t, size_t n, uint16_t *suite);
bool sg_tls12_tickets_on(const sigil_conn *c);
bool sg_tls12_session_offering(const sigil_conn *c);
bool sg_suite12_enabled(const sigil_config *cfg, uint16_t id);
int sg_tls12_finished_send(sigil_conn *c, sg_wr *w);
int sg_tls12_finished_recv(sigil_conn *c, sg_rd *r);
/* Client (tls12_client.c): our TLS 1.2 suites for the ClientHello,
 * after TLS 1.3's; the CertificateRequest and CertificateVerify of
 * TLS 1.2 (certificate.c and certificate_verify.c hand them over). */
void sg_tls12_client_suites(sigil_conn *c, sg_wr *w);
int sg_tls12_certificate_request_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_certificate_verify_send(sigil_conn *c, sg_wr *w);
/* Server (tls12_handshake.c): client authentication when
 * cfg->client_auth asks for it (RFC 5246 7.4.4, 7.4.6, 7.4.8; the same
 * hand-over). */
int sg_tls12_certificate_request_send(sigil_conn *c, sg_wr *w);
int sg_tls12_client_certificate_recv(sigil_conn *c, sg_rd *r);
int sg_tls12_certificate_verify_recv(sigil_conn *c, sg_rd *r);
/* The certificate_list of a TLS 1.2 Certificate, either side
 * (tls12_handshake.c). */
int sg_tls12_cert_list(sigil_conn *c, sg_rd *r, sg_rd certs[SIGIL_MAX_CHAIN], size_t *n);
/* certificate_authorities (extensions.c): the u16-prefixed list of our
 * client CAs' subjects that a TLS 1.3 CertificateRequest carries, or an
 * empty list where TLS 1.3 leaves the extension out (TLS 1.2's
 * CertificateRequest, RFC 5246 7.4.4). */
int sg_ca_names_build(sigil_conn *c, sg_wr *w);
/* The peer's chain (DER certificates, leaf first): kept in c->peer_chain,
 * its key in hs->peer_key, verified as the config says (certificate.c). */
int sg_peer_chain_accept(sigil_conn *c, const sg_rd *certs, size_t n);
/* The TLS 1.2 suite of this id (ours), or NULL. */
const sg_suite *sg_suite12_find(uint16_t id);

/* ---- certificate compression, RFC 8879 (certcomp.c) ---- */
/* CertificateCompressionAlgorithm (RFC 8879 3, 7.3). */
enum { SG_CERTCOMP_ZLIB = 1, SG_CERTCOMP_BROTLI = 2, SG_CERTCOMP_ZSTD = 3 };
#define SG_CERTCOMP_ALL ((1u << SG_CERTCOMP_ZLIB) | (1u << SG_CERTCOMP_BROTLI) | (1u << SG_CERTCOMP_ZSTD))
struct sg_certcomp_msg {
	size_t len;
	uint8_t body[];                 /* algorithm, uncompressed_length, compressed_certificate_message */
};
/* Our algorithms in our order of preference, n of them. */
extern const uint16_t sg_certcomp_prefs[3];
/* Compress in[n] with alg into a new buffer (*out, *outlen; free());
 * 0 or -1. */
int sg_certcomp_compress(uint16_t alg, const uint8_t *in, size_t n, uint8_t **out, size_t *outlen) SG_MUST_CHECK;
/* Decompress in[n] into out[want]: 0 only when it is a valid stream of
 * alg that gives exactly `want` bytes; never writes or allocates more
 * than `want` bytes of output (the decoders' own state aside, bounded:
 * certcomp.c). */
int sg_certcomp_decompress(uint16_t alg, const uint8_t *in, size_t n, uint8_t *out, size_t want) SG_MUST_CHECK;
/* The algorithm our TLS 1.3 Certificate of the handshake is to be
 * compressed with (0: none, send it plain). */
uint16_t sg_certcomp_choose(const sigil_conn *c);
/* Its name ("brotli"), or NULL. */
const char *sg_certcomp_name(uint16_t alg);
int sg_compressed_certificate_send(sigil_conn *c, sg_wr *w);
int sg_compressed_certificate_recv(sigil_conn *c, sg_rd *r);
void sg_certcomp_free(sg_certkey *ck);

/* Choose our certificate for the peer's signature_algorithms. */
int sg_choose_certificate(sigil_conn *c);
/* The pairs a server may send this client, best first (the rule is in
 * sigil.h at sigil_config_add_cert_key_pem): indexes into cfg->certs,
 * at most cfg->ncerts of them.  *strict is set when the client's
 * server_name chose them (no other pair may stand in).  A client: every
 * pair, in the order added. */
size_t sg_cert_candidates(const sigil_conn *c, uint16_t *idx, bool *strict);
/* Record ck as the chain sent with scheme (sigil_conn_cert_index). */
void sg_own_set(sigil_conn *c, const sg_certkey *ck, uint16_t scheme);

#endif
