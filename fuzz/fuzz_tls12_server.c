/*
 * libFuzzer target: the TLS 1.2 server state machine (RFC 5246 7.3,
 * RFC 5077 3.1-3.4), issue 16.
 *
 * The server speaks TLS 1.2 only (sigil_config_set_versions 1.2..1.2),
 * issues and accepts session tickets under two fixed ticket keys and a
 * fixed clock, and asks for no client certificate (a server that does
 * issues no ticket), so the full handshake, the NewSessionTicket path
 * and the abbreviated handshake on a session_ticket are all reachable.
 * The ECDSA signature is not deterministic, so a recorded full flight
 * reaches the client's Finished but does not verify; the abbreviated
 * handshake (server random from the hooks, no signature) replays whole.
 * Input: as fuzz_server.c, the client's bytes from its first byte; the
 * first byte chooses how they are cut into recv_net calls (odd: one
 * call; even: pieces of data[0] / 2 + 1 bytes).  Seeds
 * (fuzz/corpus/fuzz_tls12_server/) are ClientHellos of openssl s_client
 * -tls1_2 and flights of a sigil TLS 1.2 client, full and resumed
 * (FUZZ_TLS12_SEEDGEN below), each prefixed 0x01.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-01-01T00:00:00Z, so that ticket ages do not depend on the day. */
static uint64_t fuzz12_now(void *arg)
{
	(void)arg;
	return 1767225600000ull;
}

static const sg_test_hooks tls12_server_hooks = {
	.random = fuzz_random, .kex_key = fuzz_kex_key, .now_ms = fuzz12_now, .arg = (void *)&fuzz_tag_server
};

/* Test values, not secret: the first seals, both open. */
static const uint8_t tls12_ticket_keys[2 * SIGIL_TICKET_KEY_LEN] =
	"sigil-fuzz-key-0" "0123456789abcdef0123456789abcdef"
	"sigil-fuzz-key-1" "fedcba9876543210fedcba9876543210";

/* ECDSA P-256, self-signed, CN=localhost: the fuzz certificate of
 * fuzz_common.h is Ed25519, which the TLS 1.2 suites (ECDHE_ECDSA with
 * secp256r1 and friends, ECDHE_RSA) do not serve.  Test key, not secret. */
static const char tls12_cert_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBlTCCATugAwIBAgIUFN0HSBcacGCiYf2qprpmrZROZcAwCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNzEyNTU1NloYDzIxMjYxMTEz\n"
	"MTI1NTU2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAARLAnJMqbGA96OkWuNDe2AvKyr6529drGV5wOurV1OYmAdUO+WJEkYq\n"
	"k8abvSElusipfPrBGJMGOmOEr6DaqXLIo2kwZzAdBgNVHQ4EFgQU41YXkTaA3S1m\n"
	"b6pIIDDJ2IjXh1IwHwYDVR0jBBgwFoAU41YXkTaA3S1mb6pIIDDJ2IjXh1IwDwYD\n"
	"VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID\n"
	"SAAwRQIhAM8BDaFWcBv+b6pWTfZ7lAD/+4/b1A3Ya3nj+3HP4ZrJAiBITqq06gEB\n"
	"Kh4swiK3yWjmBZYxkRXKcdDuZme0UpQ6JA==\n"
	"-----END CERTIFICATE-----\n";

static const char tls12_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgO5hDlhg3ORnuqZKC\n"
	"xTnwSTUv9aThqoBrN4rF/S4MG8ahRANCAARLAnJMqbGA96OkWuNDe2AvKyr6529d\n"
	"rGV5wOurV1OYmAdUO+WJEkYqk8abvSElusipfPrBGJMGOmOEr6DaqXLI\n"
	"-----END PRIVATE KEY-----\n";

static sigil_config *sc;

static sigil_config *tls12_server_config(void)
{
	sigil_config *cfg = sigil_config_new();
	if (!cfg)
		return NULL;
	if (sigil_config_add_cert_key_pem(cfg, tls12_cert_pem, sizeof tls12_cert_pem - 1,
					  tls12_key_pem, sizeof tls12_key_pem - 1) < 0 ||
	    sigil_config_set_alpn(cfg, "http/1.1,h2") < 0 ||
	    sigil_config_set_versions(cfg, SIGIL_TLS12, SIGIL_TLS12) < 0 ||
	    sigil_config_set_ticket_keys(cfg, tls12_ticket_keys, 2) < 0 ||
	    sigil_config_set_tickets(cfg, 1, 7200) < 0 ||
	    sg_config_set_test_hooks(cfg, &tls12_server_hooks) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!sc && !(sc = tls12_server_config()))
		abort();
	size_t chunk = data[0] & 1 ? 0 : (size_t)data[0] / 2 + 1;
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
	if (!s)
		return 0;
	fuzz_feed(s, data + 1, size - 1, chunk);
	if (sigil_conn_state(s) & SIGIL_ST_CONNECTED) {
		size_t used;
		(void)sigil_conn_write_app(s, (const uint8_t *)"hello", 5, &used);
		(void)sigil_conn_close_notify(s);
	}
	size_t n;
	(void)sigil_conn_send_buf(s, &n);
	(void)sigil_conn_resumed(s);
	sigil_conn_free(s);
	return 0;
}

#ifdef FUZZ_TLS12_SEEDGEN
/*
 * Seed generator: a sigil TLS 1.2 client (deterministic hooks, the same
 * clock) against this target's server, in memory; writes the client's
 * bytes of a full handshake and of a resumed one (its ticket) to
 * DIR/sigil12-full and DIR/sigil12-resumed.  With the hooks the server's
 * outputs replay exactly, so the client's Finished still verifies when
 * the fuzzer replays a seed.
 *   clang -DFUZZ_TLS12_SEEDGEN -std=c11 -D_GNU_SOURCE -Iinclude -Isrc \
 *      fuzz/fuzz_tls12_server.c build/libsigil.a -lcrypto -lbrotlienc \
 *      -lbrotlidec -lz -lzstd -lsqlite3 -lpthread -o /tmp/t12seeds &&
 *   /tmp/t12seeds fuzz/corpus/fuzz_tls12_server
 */
#include <stdio.h>

static const sg_test_hooks tls12_client_hooks = {
	.random = fuzz_random, .kex_key = fuzz_kex_key, .now_ms = fuzz12_now, .arg = (void *)&fuzz_tag_client
};

static uint8_t rec[65536];
static size_t nrec;

/* Client and server to completion; the client's bytes appended to rec. */
static int run(sigil_conn *c, sigil_conn *s)
{
	for (int round = 0; round < 16; round++) {
		size_t n, used;
		const uint8_t *p = sigil_conn_send_buf(c, &n);
		if (p && n) {
			if (nrec + n > sizeof rec)
				return -1;
			memcpy(rec + nrec, p, n);
			nrec += n;
			if (sigil_conn_recv_net(s, p, n, &used) < 0)
				return -1;
			sigil_conn_send_ack(c, n);
		}
		fuzz_move(s, c);
		if ((sigil_conn_state(c) & SIGIL_ST_CONNECTED) && (sigil_conn_state(s) & SIGIL_ST_CONNECTED))
			return 0;
	}
	return -1;
}

static int put(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fputc(1, f);
	fwrite(rec, 1, nrec, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2 || !(sc = tls12_server_config()))
		return 1;
	sigil_config *cc = fuzz_client_config(0);
	if (!cc || sigil_config_set_versions(cc, SIGIL_TLS12, SIGIL_TLS13) < 0 ||
	    sg_config_set_test_hooks(cc, &tls12_client_hooks) < 0)
		return 1;
	uint8_t blob[4096];
	size_t blen = 0;
	for (int i = 0; i < 2; i++) {
		sigil_conn *c = fuzz_client(cc), *s = sigil_conn_new(sc, SIGIL_SERVER);
		if (!c || !s || (i && sigil_conn_set_session(c, blob, blen) < 0))
			return 1;
		nrec = 0;
		if (run(c, s) < 0) {
			fprintf(stderr, "handshake %d failed: client %s, server %s\n", i,
				sigil_conn_error(c), sigil_conn_error(s));
			return 1;
		}
		printf("handshake %d: %zu client bytes, resumed %d\n", i, nrec, sigil_conn_resumed(s));
		if (put(argv[1], i ? "sigil12-resumed" : "sigil12-full") < 0)
			return 1;
		if (!i && sigil_conn_get_session(c, blob, sizeof blob, &blen) < 0) {
			fprintf(stderr, "no ticket\n");
			return 1;
		}
		sigil_conn_free(c);
		sigil_conn_free(s);
	}
	return 0;
}
#endif
