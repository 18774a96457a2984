/*
 * libFuzzer target: session tickets, both sides (RFC 8446 4.6.1, 4.2.11).
 *
 * Input: mode (first byte, modulo 6), then the rest.
 *   0  a sealed ticket, opened by sg_ticket_open under the server's two
 *      ticket keys (lengths, key names; a seed from a real ticket opens)
 *      and, when it opens, its state decoded.
 *   1  a ticket's state (the plaintext), to sg_ticket_decode directly.
 *   2  a ticket's state through the engine: the target seals the bytes
 *      under the server's first ticket key, as the server would, so that
 *      the decoder and every check after it (suite, PSK length, ages,
 *      binder) see arbitrary content that a network peer could only
 *      reach by forging AES-GCM.  The client offering it is made to
 *      match the state where it can (suite, PSK, age), so the binder
 *      verifies and a well-formed state resumes; then the whole
 *      handshake runs and application data goes both ways.
 *   3  a client session blob, to sigil_conn_set_session; when accepted,
 *      sigil_conn_get_session must give the same bytes back, and the
 *      client offers the session to the server (its ticket is then
 *      opened by the server's path of mode 0).
 *   4  the body of a NewSessionTicket, sent by the server of a connected
 *      pair to its client (sg_new_session_ticket_recv); the session the
 *      client keeps is then exported, imported into a new client, which
 *      must accept it, and offered to the server.
 *   5  a TLS 1.2 ticket's state (RFC 5077) through the engine: sealed as
 *      in mode 2, offered in session_ticket by a TLS 1.2-only client
 *      whose session holds the state's suite and master secret, so that
 *      a well-formed state (protocol 0x0303, EMS, this server name,
 *      unexpired) gives the abbreviated handshake.
 * Checked beyond "no crash": no internal error on either side; a client
 * and server that both complete a handshake agree on whether it resumed;
 * blobs round-trip; what a client exports, a client imports.
 *
 * Seeds (fuzz/corpus/fuzz_ticket/) are real tickets, states, blobs and
 * NewSessionTicket bodies of sigil servers, one set per cipher suite,
 * made by this file built as a program:
 *   cc -DFUZZ_TICKET_SEEDS -std=c11 -D_GNU_SOURCE -Iinclude -Isrc \
 *      fuzz/fuzz_ticket.c build/libsigil.a -lcrypto -lsqlite3 -lpthread \
 *      -o /tmp/ticketseeds && /tmp/ticketseeds fuzz/corpus/fuzz_ticket
 * The clock, the randomness and the key shares are the deterministic
 * hooks, so the handshakes replay exactly; only a ticket's own nonce is
 * real randomness (ticket.c seals with sg_random), so sealed seeds differ
 * from one making to the next, and all of them open.
 */
#include <stdio.h>

#include "fuzz_common.h"

enum { M_SEALED, M_STATE, M_STATE_ENGINE, M_BLOB, M_NST, M_STATE12, M_COUNT };

/* 2026-01-01T00:00:00Z: ticket ages are computed against this clock. */
#define FUZZ_NOW 1767225600000ull
#define MAX_LIFETIME_MS (604800ull * 1000u)

static uint64_t fuzz_now(void *arg)
{
	(void)arg;
	return FUZZ_NOW;
}

static const sg_test_hooks ticket_client_hooks = {
	.random = fuzz_random, .kex_key = fuzz_kex_key, .now_ms = fuzz_now, .arg = (void *)&fuzz_tag_client
};
static const sg_test_hooks ticket_server_hooks = {
	.random = fuzz_random, .kex_key = fuzz_kex_key, .now_ms = fuzz_now, .arg = (void *)&fuzz_tag_server
};

/* Two keys: the first seals, both open.  Test values, not secret. */
static const uint8_t ticket_keys[2 * SIGIL_TICKET_KEY_LEN] =
	"sigil-fuzz-key-0" "0123456789abcdef0123456789abcdef"
	"sigil-fuzz-key-1" "fedcba9876543210fedcba9876543210";

static const uint16_t suites[3] = {
	SIGIL_AES_128_GCM_SHA256, SIGIL_AES_256_GCM_SHA384, SIGIL_CHACHA20_POLY1305_SHA256
};
static const char *const suite_names[3] = {
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"
};

/* A server that issues and accepts tickets (so it does not ask for
 * client certificates), and one client config per suite, offering only
 * that suite, so that a ticket of any suite can be resumed. */
static sigil_config *sc, *cc[3], *sc12, *cc12;

static int suite_index(uint16_t id)
{
	for (int i = 0; i < 3; i++)
		if (suites[i] == id)
			return i;
	return -1;
}

static void setup(void)
{
	sc = sigil_config_new();
	if (!sc || sigil_config_add_cert_key_pem(sc, fuzz_cert_pem, sizeof fuzz_cert_pem - 1, fuzz_key_pem,
						 sizeof fuzz_key_pem - 1) < 0 ||
	    sigil_config_set_alpn(sc, "http/1.1,h2") < 0 || sigil_config_set_ticket_keys(sc, ticket_keys, 2) < 0 ||
	    sigil_config_set_tickets(sc, 2, 7200) < 0 || sg_config_set_test_hooks(sc, &ticket_server_hooks) < 0)
		abort();
	for (int i = 0; i < 3; i++) {
		cc[i] = fuzz_client_config(0);
		if (!cc[i] || sigil_config_set_suites(cc[i], suite_names[i]) < 0 ||
		    sg_config_set_test_hooks(cc[i], &ticket_client_hooks) < 0)
			abort();
	}
	/* TLS 1.2: the same server speaking TLS 1.2 only, the same keys. */
	sc12 = sigil_config_new();
	cc12 = fuzz_client_config(0);
	if (!sc12 || !cc12 ||
	    sigil_config_add_cert_key_pem(sc12, fuzz_cert_pem, sizeof fuzz_cert_pem - 1, fuzz_key_pem,
					  sizeof fuzz_key_pem - 1) < 0 ||
	    sigil_config_set_versions(sc12, SIGIL_TLS12, SIGIL_TLS12) < 0 ||
	    sigil_config_set_ticket_keys(sc12, ticket_keys, 2) < 0 || sigil_config_set_tickets(sc12, 2, 7200) < 0 ||
	    sg_config_set_test_hooks(sc12, &ticket_server_hooks) < 0 ||
	    sg_config_set_test_hooks(cc12, &ticket_client_hooks) < 0)
		abort();
}

/* Seal state[n] as sg_tickets_send does (key name || nonce ||
 * AES-256-GCM(state) || tag, the name as additional data), with a fixed
 * nonce.  The ticket's length, or 0. */
static size_t seal(const uint8_t *state, size_t n, uint8_t *out, size_t cap)
{
	if (16 + SG_AEAD_NONCE + n + SG_AEAD_TAG > cap)
		return 0;
	memcpy(out, ticket_keys, 16);
	memset(out + 16, 0x5e, SG_AEAD_NONCE);
	sg_aead_ctx *a = sg_aead_new(&sg_aes256gcm, ticket_keys + 16, true);
	int r = a ? sg_aead_seal(a, out + 16, out, 16, state, n, out + 16 + SG_AEAD_NONCE) : -1;
	sg_aead_free(a);
	return r < 0 ? 0 : 16 + SG_AEAD_NONCE + n + SG_AEAD_TAG;
}

/* A client session blob, in the format of sigil_conn_get_session. */
static size_t blob(uint8_t *out, size_t cap, uint16_t suite, uint64_t received, uint32_t lifetime,
		   uint32_t age_add, const uint8_t *psk, size_t psk_len, const uint8_t *ticket, size_t tlen)
{
	sg_wr w;
	sg_wr_init_fixed(&w, out, cap);
	sg_wr_bytes(&w, "SGS1", 4);
	sg_wr_u16(&w, suite);
	sg_wr_u64(&w, received);
	sg_wr_u32(&w, lifetime);
	sg_wr_u32(&w, age_add);
	sg_wr_u8(&w, (uint8_t)psk_len);
	sg_wr_bytes(&w, psk, psk_len);
	sg_wr_u16(&w, (uint16_t)tlen);
	sg_wr_bytes(&w, ticket, tlen);
	sg_wr_u8(&w, 9);
	sg_wr_bytes(&w, "localhost", 9);
	return sg_wr_ok(&w) ? w.len : 0;
}

/* Client and server to the end of the handshake and a little beyond:
 * application data both ways, the client reading the server's tickets.
 * Both connected means they agree on resumption. */
static void run(sigil_conn *c, sigil_conn *s)
{
	for (int i = 0; i < 8; i++)
		if (fuzz_move(c, s) + fuzz_move(s, c) == 0)
			break;
	/* Nothing a peer sends, nor any session a client holds, may end in
	 * an internal error: that would be sigil's own failure. */
	if (sigil_conn_error_class(c) == SIGIL_ECLASS_INTERNAL || sigil_conn_error_class(s) == SIGIL_ECLASS_INTERNAL)
		abort();
	unsigned cs = sigil_conn_state(c), ss = sigil_conn_state(s);
	if (!(cs & ss & SIGIL_ST_CONNECTED))
		return;
	if (sigil_conn_resumed(c) != sigil_conn_resumed(s))
		abort();
	size_t used, got;
	uint8_t buf[64];
	if (sigil_conn_write_app(c, (const uint8_t *)"ping", 4, &used) == 0 &&
	    sigil_conn_write_app(s, (const uint8_t *)"pong", 4, &used) == 0) {
		fuzz_move(c, s);
		fuzz_move(s, c);
		if (sigil_conn_read_app(s, buf, sizeof buf, &got) == 0)
			(void)(sigil_conn_read_app(c, buf, sizeof buf, &got) == 0);
	}
}

/* Offer the session blob b[n] from a client of its suite to a fresh
 * server: -1 when the client refused the blob, else whether the
 * handshake resumed. */
static int offer(const uint8_t *b, size_t n)
{
	int k = n >= 6 ? suite_index(sg_load16(b + 4)) : -1;
	sigil_conn *c = fuzz_client(cc[k < 0 ? 0 : k]), *s = sigil_conn_new(sc, SIGIL_SERVER);
	int r = -1;
	if (c && s && sigil_conn_set_session(c, b, n) == 0) {
		run(c, s);
		r = sigil_conn_resumed(c);
	}
	sigil_conn_free(c);
	sigil_conn_free(s);
	return r;
}

static void sealed(const uint8_t *p, size_t n)
{
	uint8_t state[128];
	size_t len;
	sg_ticket t;
	if (sg_ticket_open(sc, p, n, state, sizeof state, &len) == 0 && sg_ticket_decode(state, len, &t) == 0 &&
	    t.psk + t.psk_len != state + len)
		abort();
}

static void state_direct(const uint8_t *p, size_t n)
{
	sg_ticket t;
	if (sg_ticket_decode(p, n, &t) == 0 && (t.psk < p || t.psk + t.psk_len != p + n))
		abort();        /* the PSK is the state's last field */
}

/* The state as a ticket offered by a client that matches it where it
 * can: the state's suite (else the first), its PSK (padded or cut to
 * the hash length), its age_add, and its issue time when that is in the
 * past week (else now), so that the binder and the ages can pass. */
static int state_engine(const uint8_t *p, size_t n)
{
	/* The server refuses states over 128 bytes before decrypting:
	 * longer ones need not be sealed (nor kept under the client's
	 * ticket limit). */
	uint8_t ticket[1024], b[256 + sizeof ticket], psk[SG_MAX_HASH] = { 0 };
	size_t tlen = seal(p, n, ticket, sizeof ticket);
	if (!tlen)
		return -1;
	int k = n >= 3 ? suite_index(sg_load16(p + 1)) : -1;
	if (k < 0)
		k = 0;
	size_t hl = sg_suite_find(suites[k])->hash->out_len;
	uint64_t issued = FUZZ_NOW;
	uint32_t age_add = 0;
	sg_rd st;
	sg_rd_init(&st, p, n);
	/* A short state leaves the defaults where it ends. */
	bool whole = sg_rd_skip(&st, 3) && sg_rd_u64(&st, &issued) && sg_rd_skip(&st, 4) && sg_rd_u32(&st, &age_add);
	(void)whole;
	if (issued > FUZZ_NOW || FUZZ_NOW - issued >= MAX_LIFETIME_MS)
		issued = FUZZ_NOW;
	/* The PSK after version, suite, issued, lifetime, age_add, protocol,
	 * flags, the name's hash and the PSK's length (ticket.c). */
	enum { PSK_AT = 1 + 2 + 8 + 4 + 4 + 2 + 1 + SG_TICKET_SNI_HASH + 1 };
	if (n > PSK_AT)
		memcpy(psk, p + PSK_AT, n - PSK_AT < hl ? n - PSK_AT : hl);
	size_t bl = blob(b, sizeof b, suites[k], issued, 604800, age_add, psk, hl, ticket, tlen);
	int r = bl ? offer(b, bl) : -1;
	if (bl && r < 0)
		abort();        /* a well-formed blob must be taken */
	return r;
}

/* The PSK (TLS 1.2: the master secret) after version, suite, issued,
 * lifetime, age_add, protocol, flags, the name's hash and its length
 * (ticket.c). */
#define STATE_PSK_AT (1 + 2 + 8 + 4 + 4 + 2 + 1 + SG_TICKET_SNI_HASH + 1)

/* The state as a TLS 1.2 ticket (mode 5); -1 when not offered, else
 * whether the handshake resumed. */
static int state12_engine(const uint8_t *p, size_t n)
{
	uint8_t ticket[1024], b[256 + sizeof ticket], ms[48] = { 0 };
	size_t tlen = seal(p, n, ticket, sizeof ticket);
	if (!tlen)
		return -1;
	uint16_t suite = n >= 3 ? sg_load16(p + 1) : 0;
	if (!sg_suite12_find(suite))
		suite = 0xc02b;
	uint64_t issued = FUZZ_NOW;
	sg_rd st;
	sg_rd_init(&st, p, n);
	if (!sg_rd_skip(&st, 3) || !sg_rd_u64(&st, &issued) || issued > FUZZ_NOW || FUZZ_NOW - issued >= MAX_LIFETIME_MS)
		issued = FUZZ_NOW;
	if (n > STATE_PSK_AT)
		memcpy(ms, p + STATE_PSK_AT, n - STATE_PSK_AT < 48 ? n - STATE_PSK_AT : 48);
	size_t bl = blob(b, sizeof b, suite, issued, 604800, 0, ms, 48, ticket, tlen);
	if (!bl)
		return -1;
	memcpy(b, "SGS2", 4);   /* a TLS 1.2 session */
	sigil_conn *c = fuzz_client(cc12), *s = sigil_conn_new(sc12, SIGIL_SERVER);
	int r = -1;
	if (!c || !s || sigil_conn_set_session(c, b, bl) != 0)
		abort();        /* a well-formed blob must be taken */
	run(c, s);
	r = sigil_conn_resumed(c);
	sigil_conn_free(c);
	sigil_conn_free(s);
	return r;
}

static void blob_import(const uint8_t *p, size_t n)
{
	sigil_conn *c = fuzz_client(cc[0]);
	if (!c)
		return;
	if (sigil_conn_set_session(c, p, n) == 0) {
		/* Taken, so well formed: magic, suite, received, lifetime,
		 * age_add (22 bytes), psk<1..>, ticket<1..2^16-1>, sni<0..255>.
		 * It exports to the same bytes, unless the server name held a
		 * NUL (the name is kept as a C string). */
		size_t off = 22 + 1 + p[22];
		off += 2 + sg_load16(p + off);
		const uint8_t *sni = p + off + 1;
		size_t sl = p[off], len;
		uint8_t *out = malloc(n);
		if (!out || sigil_conn_get_session(c, out, n, &len) < 0 ||
		    (!memchr(sni, 0, sl) && (len != n || memcmp(out, p, n) != 0)))
			abort();
		free(out);
	}
	sigil_conn_free(c);
	(void)offer(p, n);
}

/* -1 when the client kept no session, else whether offering the
 * session it exported resumed. */
static int nst(const uint8_t *p, size_t n)
{
	fuzz_hs h;
	if (fuzz_hs_setup(&h, FZ_C_POST, cc[0], sc) < 0)
		abort();        /* deterministic: a failure here is a bug */
	fuzz_hs_send(&h, SG_HT_NEW_SESSION_TICKET, p, n);
	static uint8_t b[128 + 65536];
	size_t bl;
	int r = -1;
	if (!(sigil_conn_state(h.c) & SIGIL_ST_FAILED) && sigil_conn_get_session(h.c, b, sizeof b, &bl) == 0 &&
	    (r = offer(b, bl)) < 0)
		abort();        /* what a client exports, a client imports */
	fuzz_hs_free(&h);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!sc)
		setup();
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % M_COUNT) {
	case M_SEALED: sealed(p, n); break;
	case M_STATE: state_direct(p, n); break;
	case M_STATE_ENGINE: (void)state_engine(p, n); break;
	case M_BLOB: blob_import(p, n); break;
	case M_NST: (void)nst(p, n); break;
	case M_STATE12: (void)state12_engine(p, n); break;
	}
	return 0;
}

#ifdef FUZZ_TICKET_SEEDS
/* The seed maker (see the top of the file). */
static const char *dir;

static void save(const char *name, int k, uint8_t mode, const uint8_t *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s-%s", dir, name, suite_names[k] + 4);
	FILE *f = fopen(path, "wb");
	if (!f || fputc(mode, f) == EOF || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	printf("  %s (%zu bytes)\n", path, n + 1);
}

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "ticketseeds: %s\n", what);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	need(argc == 2, "usage: ticketseeds DIR");
	dir = argv[1];
	setup();
	for (int k = 0; k < 3; k++) {
		/* A full handshake; the client keeps the server's last ticket. */
		sigil_conn *c = fuzz_client(cc[k]), *s = sigil_conn_new(sc, SIGIL_SERVER);
		need(c && s, "connections");
		run(c, s);
		uint8_t b[4096], state[128], body[4096];
		size_t bl, sl;
		need(sigil_conn_get_session(c, b, sizeof b, &bl) == 0, "no session");
		sigil_conn_free(c);
		sigil_conn_free(s);
		size_t off = 22 + 1 + b[22], tl = sg_load16(b + off);
		const uint8_t *ticket = b + off + 2;
		need(sg_ticket_open(sc, ticket, tl, state, sizeof state, &sl) == 0, "the ticket does not open");
		need(offer(b, bl) == 1, "the blob does not resume");
		save("blob", k, M_BLOB, b, bl);
		save("sealed", k, M_SEALED, ticket, tl);
		save("state", k, M_STATE, state, sl);
		/* Sealed again by the target (another nonce): it resumes. */
		need(state_engine(state, sl) == 1, "the state does not resume");
		save("state-engine", k, M_STATE_ENGINE, state, sl);
		/* The NewSessionTicket that carried it: lifetime, age_add,
		 * nonce 1 (the second ticket), the ticket, no extensions.  The
		 * target's connection is this one (same hooks), so with the
		 * first suite the client's PSK matches the ticket's. */
		sg_wr w;
		sg_wr_init_fixed(&w, body, sizeof body);
		sg_wr_u32(&w, 7200);
		sg_wr_bytes(&w, b + 18, 4);
		sg_wr_u8(&w, 8);
		sg_wr_u64(&w, 1);
		sg_wr_u16(&w, (uint16_t)tl);
		sg_wr_bytes(&w, ticket, tl);
		sg_wr_u16(&w, 0);
		need(sg_wr_ok(&w), "NewSessionTicket");
		save("nst", k, M_NST, body, w.len);
		need(nst(body, w.len) == (k == 0), "the NewSessionTicket seed");
		if (k == 0) {
			/* With an early_data extension (max_early_data_size). */
			memcpy(body + w.len - 2, "\x00\x08\x00\x2a\x00\x04\x00\x00\x40\x00", 10);
			need(nst(body, w.len + 8) == 1, "the NewSessionTicket seed with early_data");
			save("nst-early-data", k, M_NST, body, w.len + 8);
		}
	}
	/* TLS 1.2 (RFC 5077): a full handshake of the 1.2-only client, its
	 * ticket's state resealed by the target resumes; the sealed ticket
	 * and its blob too. */
	{
		sigil_conn *c = fuzz_client(cc12), *s = sigil_conn_new(sc12, SIGIL_SERVER);
		need(c && s, "connections");
		run(c, s);
		uint8_t b[4096], state[128];
		size_t bl, sl;
		need(sigil_conn_get_session(c, b, sizeof b, &bl) == 0 && memcmp(b, "SGS2", 4) == 0, "no TLS 1.2 session");
		sigil_conn_free(c);
		sigil_conn_free(s);
		size_t off = 22 + 1 + b[22], tl = sg_load16(b + off);
		const uint8_t *ticket = b + off + 2;
		need(sg_ticket_open(sc, ticket, tl, state, sizeof state, &sl) == 0, "the TLS 1.2 ticket does not open");
		need(state12_engine(state, sl) == 1, "the TLS 1.2 state does not resume");
		save("tls12-state-engine", 0, M_STATE12, state, sl);
		save("tls12-sealed", 0, M_SEALED, ticket, tl);
		save("tls12-blob", 0, M_BLOB, b, bl);
	}
	return 0;
}
#endif
