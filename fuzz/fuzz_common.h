/*
 * Shared by the engine fuzz targets and by the seed capture tool
 * (tests/tools/fuzzseed.c): the configs and the deterministic test hooks.
 * A seed captured with these hooks replays exactly in the targets, which
 * is what makes an encrypted server flight a meaningful seed: the client's
 * random and key share, hence its keys, are the ones the seed was made
 * with.  Ed25519 certificates because Ed25519 signatures are
 * deterministic, so a whole sigil-to-sigil transcript replays too.
 *
 * Header-only (static functions) so that each target stays one .c file.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "sigil.h"
#include "tls/tls.h"

/* tests/data/tls/ed25519.{crt,key}: self-signed test material, not secret.
 * Embedded so that a fuzz run does not depend on its working directory. */
static const char fuzz_cert_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBVzCCAQmgAwIBAgIUXwXmjODM5rBxkg/w5C+52tdUP9IwBQYDK2VwMBUxEzAR\n"
	"BgNVBAMMCnNpZ2lsLXRlc3QwIBcNMjYxMTI3MDUyMDE1WhgPMjEyNjExMDMwNTIw\n"
	"MTVaMBUxEzARBgNVBAMMCnNpZ2lsLXRlc3QwKjAFBgMrZXADIQBi0xj9NbvPeLCn\n"
	"b/FS2Z/ikFpt9uClsHVf+9xXfIQ1IaNpMGcwHQYDVR0OBBYEFPffkeyN02cRMfpz\n"
	"zWKCa5gA8W1uMB8GA1UdIwQYMBaAFPffkeyN02cRMfpzzWKCa5gA8W1uMA8GA1Ud\n"
	"EwEB/wQFMAMBAf8wFAYDVR0RBA0wC4IJbG9jYWxob3N0MAUGAytlcANBAKjBrO/S\n"
	"h6B7Y9S8tKksXgOlSrMZ5lEfwcPEuS8reH+FBz+4uePj2LDgLvNPB3hmWSvWpIbp\n"
	"iAQDVqQtjMgs4As=\n"
	"-----END CERTIFICATE-----\n";
static const char fuzz_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIDIuJ6M4lIjo6eNYl2pFh6hlG1eDGzoxYeZ9j4oZwRxu\n"
	"-----END PRIVATE KEY-----\n";

/* The hook argument says whose hooks these are, so that client and
 * server values differ (a server random equal to the client's would hide
 * bugs that mix them up). */
static const char fuzz_tag_client = 'C', fuzz_tag_server = 'S';

/* Stateless: the same request always gets the same bytes, so a run never
 * depends on what ran before it in the same process. */
static inline int fuzz_random(void *arg, uint8_t *out, size_t n)
{
	uint8_t t = (uint8_t)*(const char *)arg;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(t * 31u + i * 7u + n);
	return 0;
}

/* X25519MLKEM768: the ML-KEM seed d || z from the tag, then the same
 * X25519 key as the x25519 case (a client's x25519 share is the hybrid
 * key's X25519 half, so both ways give the same share), and a fixed
 * encapsulation randomness m, so that a server's ciphertext replays. */
static inline sg_kex_key *fuzz_hybrid_key(uint8_t t, const uint8_t x25519[32])
{
	uint8_t priv[96], m[32];
	for (size_t i = 0; i < 64; i++)
		priv[i] = (uint8_t)(t * 7u + i * 13u + 1u);
	memcpy(priv + 64, x25519, 32);
	for (size_t i = 0; i < 32; i++)
		m[i] = (uint8_t)(t * 11u + i * 5u + 3u);
	sg_kex_key *k = sg_kex_from_private(&sg_x25519mlkem768, priv, sizeof priv);
	if (k && sg_kex_test_fix_encap(k, m) < 0) {
		sg_kex_free(k);
		return NULL;
	}
	return k;
}

static inline sg_kex_key *fuzz_kex_key(void *arg, uint16_t group)
{
	uint8_t priv[48];
	uint8_t t = (uint8_t)*(const char *)arg;
	/* Small scalars below every group order; x25519 clamps its own. */
	memset(priv, 0, sizeof priv);
	for (size_t i = 0; i < 8; i++)
		priv[sizeof priv - 1 - i] = (uint8_t)(t + i + 1);
	switch (group) {
	case SIGIL_GROUP_X25519MLKEM768:
		return fuzz_hybrid_key(t, priv + 16);
	case SIGIL_GROUP_X25519:
		return sg_kex_from_private(&sg_x25519, priv + 16, 32);
	case SIGIL_GROUP_SECP256R1:
		return sg_kex_from_private(&sg_secp256r1, priv + 16, 32);
	case SIGIL_GROUP_SECP384R1:
		return sg_kex_from_private(&sg_secp384r1, priv, 48);
	default:
		return NULL;
	}
}

static const sg_test_hooks fuzz_client_hooks = { .random = fuzz_random, .kex_key = fuzz_kex_key, .arg = (void *)&fuzz_tag_client };
static const sg_test_hooks fuzz_server_hooks = { .random = fuzz_random, .kex_key = fuzz_kex_key, .arg = (void *)&fuzz_tag_server };

/* Client: every default suite and group (X25519MLKEM768 first, with an
 * x25519 share beside it), ALPN, SNI set
 * by the caller to "localhost", no verification (the fuzzer cannot
 * forge a CA signature; CertificateVerify is still checked).
 * with_cert: a client certificate, for servers that ask. */
static inline sigil_config *fuzz_client_config(int with_cert)
{
	sigil_config *cfg = sigil_config_new();
	if (!cfg)
		return NULL;
	if ((with_cert && sigil_config_add_cert_key_pem(cfg, fuzz_cert_pem, sizeof fuzz_cert_pem - 1,
							fuzz_key_pem, sizeof fuzz_key_pem - 1) < 0) ||
	    sigil_config_set_alpn(cfg, "h2,http/1.1") < 0 || sigil_config_insecure_noverify(cfg) < 0 ||
	    sg_config_set_test_hooks(cfg, &fuzz_client_hooks) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Server: Ed25519 certificate, ALPN, asks for (but does not require) a
 * client certificate, so that the client-certificate decoders are
 * reachable from a client's flight.  groups: NULL for the defaults, or a
 * list that forces a HelloRetryRequest. */
static inline sigil_config *fuzz_server_config(const char *groups)
{
	sigil_config *cfg = sigil_config_new();
	if (!cfg)
		return NULL;
	if (sigil_config_add_cert_key_pem(cfg, fuzz_cert_pem, sizeof fuzz_cert_pem - 1,
					  fuzz_key_pem, sizeof fuzz_key_pem - 1) < 0 ||
	    sigil_config_set_alpn(cfg, "http/1.1,h2") < 0 || sigil_config_insecure_noverify(cfg) < 0 ||
	    sigil_config_set_client_auth(cfg, SIGIL_CLIENT_AUTH_REQUEST) < 0 ||
	    (groups && sigil_config_set_groups(cfg, groups) < 0) ||
	    sg_config_set_test_hooks(cfg, &fuzz_server_hooks) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static inline sigil_conn *fuzz_client(sigil_config *cfg)
{
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	if (c && sigil_conn_set_server_name(c, "localhost") < 0) {
		sigil_conn_free(c);
		return NULL;
	}
	return c;
}

/* Move everything a has queued to b (all at once); stops when b fails or
 * holds application data.  Returns the bytes moved. */
static inline size_t fuzz_move(sigil_conn *a, sigil_conn *b)
{
	size_t n, used, moved = 0;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	while (p && n) {
		if (sigil_conn_recv_net(b, p, n, &used) < 0) {
			sigil_conn_send_ack(a, n);
			break;
		}
		if (used == 0)
			break;
		sigil_conn_send_ack(a, used);
		moved += used;
		p = sigil_conn_send_buf(a, &n);
	}
	return moved;
}

/* Feed data to c in pieces of `chunk` bytes (0: at once), reading any
 * application data it decrypts so that input keeps flowing. */
static inline void fuzz_feed(sigil_conn *c, const uint8_t *data, size_t len, size_t chunk)
{
	uint8_t sink[1024];
	while (len) {
		size_t k = chunk && chunk < len ? chunk : len, used, got;
		if (sigil_conn_recv_net(c, data, k, &used) < 0)
			return;
		data += used;
		len -= used;
		if (sigil_conn_read_app(c, sink, sizeof sink, &got) < 0)
			return;
		if (used == 0 && got == 0)
			return;
	}
}

/* ---- a handshake stopped at a chosen message ---- */

/* Where fuzz_hs_setup stops; the target then receives the message the
 * name says (any type may be sent: the driver must refuse wrong ones). */
enum fuzz_state {
	FZ_S_CH,        /* fresh server: ClientHello */
	FZ_S_CH2,       /* server after HelloRetryRequest: second ClientHello */
	FZ_C_SH,        /* client after ClientHello: ServerHello or HRR */
	FZ_C_EE,        /* client after ServerHello: EncryptedExtensions */
	FZ_C_CR,        /* client after EE: CertificateRequest or Certificate */
	FZ_C_CERT,      /* client after CR: server Certificate */
	FZ_C_CV,        /* client after Certificate: CertificateVerify */
	FZ_C_FIN,       /* client after CertificateVerify: server Finished */
	FZ_S_CERT,      /* server after its Finished: client Certificate */
	FZ_S_CV,        /* server after client Certificate: CertificateVerify */
	FZ_S_FIN,       /* server after client CertificateVerify: Finished */
	FZ_C_POST,      /* connected client: NewSessionTicket, KeyUpdate, ... */
	FZ_S_POST,      /* connected server: KeyUpdate, ... */
	FZ_STATES
};

#define FZ_MAX_RECS 16

typedef struct fuzz_hs {
	sigil_conn *c, *s;
	sigil_conn *target, *peer;
	/* Writes records as the peer would at this point: its own
	 * connection after the handshake, else a connection that only
	 * holds the peer's current keys (or none, for plaintext). */
	sigil_conn *writer;
	bool own_writer;
	/* The peer's flight as the peer sent it, one record each, and the
	 * index of the record the target would have read next. */
	uint8_t *flight;
	size_t flight_len;
	const uint8_t *rec[FZ_MAX_RECS];
	size_t rec_len[FZ_MAX_RECS], nrec, next;
} fuzz_hs;

/* Take a's queued output as a list of records (not sent to anyone). */
static inline int fuzz_take_flight(fuzz_hs *h, sigil_conn *a)
{
	size_t n;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	h->flight = malloc(n ? n : 1);
	if (!h->flight)
		return -1;
	if (n)
		memcpy(h->flight, p, n);
	h->flight_len = n;
	sigil_conn_send_ack(a, n);
	for (size_t off = 0; off + SG_RECORD_HEADER <= n && h->nrec < FZ_MAX_RECS;) {
		size_t l = SG_RECORD_HEADER + sg_load16(h->flight + off + 3);
		if (off + l > n)
			return -1;
		h->rec[h->nrec] = h->flight + off;
		h->rec_len[h->nrec++] = l;
		off += l;
	}
	return 0;
}

/* Give the target the peer's next k records. */
static inline int fuzz_forward(fuzz_hs *h, size_t k)
{
	for (; k && h->next < h->nrec; k--, h->next++) {
		size_t used;
		if (sigil_conn_recv_net(h->target, h->rec[h->next], h->rec_len[h->next], &used) < 0 ||
		    used != h->rec_len[h->next])
			return -1;
	}
	return k ? -1 : 0;
}

/* A writer holding the peer's handshake traffic key `secret` at the
 * target's current read sequence number (NULL secret: plaintext). */
static inline int fuzz_make_writer(fuzz_hs *h, sigil_config *cfg, sigil_role role, const uint8_t *secret)
{
	h->writer = sigil_conn_new(cfg, role);
	if (!h->writer)
		return -1;
	h->own_writer = true;
	h->writer->started = true;      /* never runs a handshake of its own */
	if (!secret)
		return 0;
	h->writer->suite = h->target->suite;
	if (sg_traffic_install(h->writer, &h->writer->wr, secret, true) < 0)
		return -1;
	h->writer->wr.seq = h->target->rd.seq;
	return 0;
}

static inline void fuzz_hs_free(fuzz_hs *h)
{
	if (h->own_writer)
		sigil_conn_free(h->writer);
	sigil_conn_free(h->c);
	sigil_conn_free(h->s);
	free(h->flight);
	memset(h, 0, sizeof *h);
}

/* Run a sigil client (with a certificate) against a sigil server (that
 * asks for one) up to `st`.  cc: fuzz_client_config(1); sc:
 * fuzz_server_config(NULL), or with a group list that forces a
 * HelloRetryRequest for FZ_S_CH2.  0 when the target waits at st. */
static inline int fuzz_hs_setup(fuzz_hs *h, enum fuzz_state st, sigil_config *cc, sigil_config *sc)
{
	memset(h, 0, sizeof *h);
	h->c = fuzz_client(cc);
	h->s = sigil_conn_new(sc, SIGIL_SERVER);
	if (!h->c || !h->s)
		return -1;
	bool client = st >= FZ_C_SH && st <= FZ_C_FIN;
	if (st == FZ_C_POST)
		client = true;
	h->target = client ? h->c : h->s;
	h->peer = client ? h->s : h->c;
	size_t n;
	(void)sigil_conn_send_buf(h->c, &n);    /* the ClientHello */
	switch (st) {
	case FZ_S_CH:
		if (fuzz_take_flight(h, h->c) < 0)
			return -1;
		return fuzz_make_writer(h, cc, SIGIL_CLIENT, NULL);
	case FZ_S_CH2:
		fuzz_move(h->c, h->s);          /* the server answers with HRR */
		if (!h->s->hs || !(h->s->hs->flags & SG_HS_HRR))
			return -1;
		fuzz_move(h->s, h->c);          /* the client's second hello */
		if (fuzz_take_flight(h, h->c) < 0)
			return -1;
		h->next = h->nrec ? h->nrec - 1 : 0;    /* skip its CCS */
		return fuzz_make_writer(h, cc, SIGIL_CLIENT, NULL);
	case FZ_C_SH: case FZ_C_EE: case FZ_C_CR: case FZ_C_CERT: case FZ_C_CV: case FZ_C_FIN:
		fuzz_move(h->c, h->s);
		/* The server's flight: SH, CCS, EE, CR, Certificate, CV, Fin. */
		if (fuzz_take_flight(h, h->s) < 0 || h->nrec != 7)
			return -1;
		if (st == FZ_C_SH)
			return fuzz_make_writer(h, sc, SIGIL_SERVER, NULL);
		if (fuzz_forward(h, 2 + (size_t)(st - FZ_C_EE)) < 0 || !h->c->hs)
			return -1;
		return fuzz_make_writer(h, sc, SIGIL_SERVER, h->c->hs->s_hs);
	case FZ_S_CERT: case FZ_S_CV: case FZ_S_FIN:
		fuzz_move(h->c, h->s);
		fuzz_move(h->s, h->c);
		/* The client's flight: CCS, Certificate, CV, Fin. */
		if (fuzz_take_flight(h, h->c) < 0 || h->nrec != 4)
			return -1;
		if (fuzz_forward(h, 1 + (size_t)(st - FZ_S_CERT)) < 0 || !h->s->hs)
			return -1;
		return fuzz_make_writer(h, sc, SIGIL_CLIENT, h->s->hs->c_hs);
	case FZ_C_POST: case FZ_S_POST:
		for (int i = 0; i < 4; i++)
			(void)(fuzz_move(h->c, h->s) + fuzz_move(h->s, h->c));
		if (!(sigil_conn_state(h->c) & sigil_conn_state(h->s) & SIGIL_ST_CONNECTED))
			return -1;
		h->writer = h->peer;
		return 0;
	default:
		return -1;
	}
}

/* Send one handshake message (type, body) to the target as the peer
 * would, fragmented into records as needed. */
static inline void fuzz_hs_send(fuzz_hs *h, uint8_t type, const uint8_t *body, size_t n)
{
	uint8_t *m = malloc(4 + n);
	if (!m)
		return;
	m[0] = type;
	m[1] = (uint8_t)(n >> 16);
	m[2] = (uint8_t)(n >> 8);
	m[3] = (uint8_t)n;
	if (n)
		memcpy(m + 4, body, n);
	if (sg_record_write(h->writer, SG_CT_HANDSHAKE, m, 4 + n) == 0)
		fuzz_move(h->writer, h->target);
	free(m);
}

#endif
