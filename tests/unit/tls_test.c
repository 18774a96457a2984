/*
 * The engine against itself, in memory: every suite x group x key type,
 * HelloRetryRequest, ALPN, client certificates, key updates, close_notify,
 * one-byte-at-a-time delivery, and hostile input: tampered, truncated and
 * oversized records, crafted hellos (TLS 1.2 only, compression, duplicate
 * extensions, missing extensions), a ServerHello choosing what the client
 * never offered, the downgrade sentinel, unexpected messages.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "tls/tls.h"
#include "der/der.h"
#include "x509/x509.h"
#include "../../fuzz/fuzz_common.h"

static const char *keys[] = { "ec256", "ec384", "rsa", "ed25519" };

static sigil_config *config(const char *key, const char *suites, const char *groups)
{
	sigil_config *cfg = sigil_config_new();
	char crt[128], k[128];
	if (key) {
		snprintf(crt, sizeof crt, "tests/data/tls/%s.crt", key);
		snprintf(k, sizeof k, "tests/data/tls/%s.key", key);
		if (sigil_config_add_cert_key_file(cfg, crt, k) < 0)
			fprintf(stderr, "config: %s\n", sigil_config_error(cfg));
	}
	if (suites && sigil_config_set_suites(cfg, suites) < 0)
		fprintf(stderr, "config: %s\n", sigil_config_error(cfg));
	if (groups && sigil_config_set_groups(cfg, groups) < 0)
		fprintf(stderr, "config: %s\n", sigil_config_error(cfg));
	if (sigil_config_insecure_noverify(cfg) < 0)
		fprintf(stderr, "config: %s\n", sigil_config_error(cfg));
	return cfg;
}

/* Move bytes from a to b, `chunk` at a time (0: all). Returns bytes moved. */
static size_t move(sigil_conn *a, sigil_conn *b, size_t chunk)
{
	size_t n, moved = 0;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	while (p && n) {
		size_t k = chunk && chunk < n ? chunk : n, used;
		if (sigil_conn_recv_net(b, p, k, &used) < 0) {
			sigil_conn_send_ack(a, n);      /* b failed: drop the rest */
			return moved;
		}
		if (used == 0)
			return moved;   /* b holds application data not yet read */
		sigil_conn_send_ack(a, used);
		moved += used;
		p = sigil_conn_send_buf(a, &n);
	}
	return moved;
}

static int pump(sigil_conn *c, sigil_conn *s, size_t chunk)
{
	for (int i = 0; i < 50; i++) {
		size_t m = move(c, s, chunk) + move(s, c, chunk);
		unsigned cs = sigil_conn_state(c), ss = sigil_conn_state(s);
		if ((cs | ss) & SIGIL_ST_FAILED)
			return -1;
		if ((cs & SIGIL_ST_CONNECTED) && (ss & SIGIL_ST_CONNECTED) && m == 0)
			return 0;
		if (m == 0 && i > 2)
			return -1;
	}
	return -1;
}

/* Send data one way and check it arrives whole. */
static int transfer(sigil_conn *from, sigil_conn *to, size_t len)
{
	uint8_t *data = malloc(len), *got = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	size_t off = 0, in = 0;
	int ret = -1;
	while (in < len) {
		size_t used = 0, n;
		if (off < len && sigil_conn_write_app(from, data + off, len - off, &used) < 0)
			goto out;
		off += used;
		move(from, to, 0);
		while (sigil_conn_read_app(to, got + in, len - in, &n) == 0 && n > 0) {
			in += n;
			move(from, to, 0);
		}
		move(to, from, 0);      /* key update answers */
		if (sigil_conn_state(to) & SIGIL_ST_FAILED)
			goto out;
		if (!used && off < len && !n)
			goto out;
	}
	ret = memcmp(data, got, len) == 0 ? 0 : -1;
out:
	free(data);
	free(got);
	return ret;
}

static void test_matrix(void)
{
	static const char *suites[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
					"TLS_CHACHA20_POLY1305_SHA256" };
	static const char *groups[] = { "x25519", "secp256r1", "secp384r1" };
	for (size_t k = 0; k < 4; k++)
		for (size_t s = 0; s < 3; s++)
			for (size_t g = 0; g < 3; g++) {
				sigil_config *sc = config(keys[k], NULL, NULL);
				sigil_config *cc = config(NULL, suites[s], groups[g]);
				sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *sv = sigil_conn_new(sc, SIGIL_SERVER);
				int r = pump(c, sv, 0);
				CHECK_MSG(r == 0, "%s %s %s: %s / %s", keys[k], suites[s], groups[g],
					  sigil_conn_error(c), sigil_conn_error(sv));
				if (r == 0) {
					CHECK(strcmp(sigil_suite_name(sigil_conn_suite(c)), suites[s]) == 0);
					CHECK(sigil_conn_suite(c) == sigil_conn_suite(sv));
					CHECK(strcmp(sigil_group_name(sigil_conn_group(c)), groups[g]) == 0);
					CHECK(sigil_conn_sigscheme(c) != 0 && sigil_conn_sigscheme(c) == sigil_conn_sigscheme(sv));
					CHECK(sigil_conn_hrr(c) == 0);
					CHECK(transfer(c, sv, 40000) == 0);
					CHECK(transfer(sv, c, 1000) == 0);
					size_t n;
					CHECK(sigil_conn_peer_chain(c, &n) != NULL && n == 1);
				}
				sigil_conn_free(c);
				sigil_conn_free(sv);
				sigil_config_free(cc);
				sigil_config_free(sc);
			}
}

/* A client share the server does not take: HelloRetryRequest (4.1.4). */
static void test_hrr(void)
{
	sigil_config *sc = config("ec256", NULL, "secp384r1:secp256r1");
	sigil_config *cc = config(NULL, NULL, "x25519:secp256r1");
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK_MSG(pump(c, s, 7) == 0, "%s / %s", sigil_conn_error(c), sigil_conn_error(s));
	CHECK(sigil_conn_hrr(c) && sigil_conn_hrr(s));
	CHECK(sigil_conn_group(c) == SIGIL_GROUP_SECP256R1 && sigil_conn_group(s) == SIGIL_GROUP_SECP256R1);
	CHECK(transfer(c, s, 3000) == 0);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	/* No group in common at all: handshake_failure. */
	cc = config(NULL, NULL, "x25519");
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s, 0) < 0);
	CHECK(sigil_conn_error_alert(s) == SIGIL_ALERT_HANDSHAKE_FAILURE);
	CHECK(strstr(sigil_conn_error(s), "group") != NULL);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

static void test_byte_at_a_time_and_close(void)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(sigil_conn_set_server_name(c, "localhost") == 0);
	CHECK(pump(c, s, 1) == 0);
	CHECK(strcmp(sigil_conn_server_name(s), "localhost") == 0);
	/* The input buffer is as large as the largest record so far: the
	 * handshake needs no 16 KiB buffer. */
	CHECK_MSG(s->in_cap <= 1024, "server input buffer after the handshake: %zu bytes", s->in_cap);
	CHECK(transfer(c, s, 5000) == 0);
	CHECK(s->in_cap >= 5000 && s->in_cap <= SG_RECORD_HEADER + SG_MAX_CIPHERTEXT);
	/* Idle: the record buffers go back, and come again with data. */
	sigil_conn_shrink(c);
	sigil_conn_shrink(s);
	CHECK(c->in == NULL && s->in == NULL && c->out.cap == 0 && s->out.cap == 0 && !c->hs && !s->hs);
	CHECK(!c->rd.aead && c->rd.parked && !s->wr.aead && s->wr.parked);
	CHECK_MSG(sizeof(sigil_conn) <= 1536, "an idle connection is %zu bytes", sizeof(sigil_conn));
	CHECK(transfer(c, s, 5000) == 0 && transfer(s, c, 20000) == 0);
	CHECK(sigil_conn_close_notify(c) == 0);
	move(c, s, 0);
	CHECK(sigil_conn_state(s) & SIGIL_ST_PEER_CLOSED);
	CHECK(!(sigil_conn_state(s) & SIGIL_ST_FAILED));
	/* The other direction stays open until the server closes too. */
	CHECK(transfer(s, c, 100) == 0);
	size_t used;
	CHECK(sigil_conn_write_app(c, (const uint8_t *)"x", 1, &used) < 0);
	CHECK(sigil_conn_error_class(c) == SIGIL_ECLASS_USAGE);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

static void test_key_update(void)
{
	static sg_test_hooks hooks = { .key_update_records = 4 };
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	CHECK(sg_config_set_test_hooks(cc, &hooks) == 0);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s, 0) == 0);
	uint8_t before[SG_MAX_HASH];
	memcpy(before, c->wr.secret, sizeof before);
	/* 100 KB is 7 records: the client updates its keys by itself. */
	CHECK(transfer(c, s, 100000) == 0);
	CHECK(memcmp(before, c->wr.secret, sizeof before) != 0);
	CHECK(c->wr.seq < 4);
	/* The next secret is HKDF-Expand-Label(old, "traffic upd") (7.2) and
	 * the installed IV follows from it: checked independently, since two
	 * sigil peers would agree on a wrong derivation. */
	uint8_t want[SG_MAX_HASH], iv[SG_AEAD_NONCE];
	const sg_hash_class *h = c->suite->hash;
	memcpy(before, c->wr.secret, sizeof before);
	CHECK(sigil_conn_key_update(c, 0) == 0);
	CHECK(sg_hkdf_expand_label(h, before, "traffic upd", NULL, 0, want, h->out_len) == 0);
	CHECK_MEM(c->wr.secret, want, h->out_len);
	CHECK(sg_hkdf_expand_label(h, want, "iv", NULL, 0, iv, sizeof iv) == 0);
	CHECK_MEM(c->wr.iv, iv, sizeof iv);
	CHECK(transfer(c, s, 100) == 0);
	CHECK_MEM(s->rd.secret, want, h->out_len);
	/* Explicit update, asking the peer to update too (4.6.3). */
	memcpy(before, s->wr.secret, sizeof before);
	CHECK(sigil_conn_key_update(c, 1) == 0);
	CHECK(transfer(c, s, 100) == 0);
	CHECK(memcmp(before, s->wr.secret, sizeof before) != 0);
	CHECK(transfer(s, c, 100) == 0);
	CHECK(sigil_conn_key_update(s, 0) == 0);
	CHECK(transfer(s, c, 100) == 0);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

static void test_alpn_and_client_auth(void)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	CHECK(sigil_config_set_alpn(sc, "h2,http/1.1") == 0);
	CHECK(sigil_config_set_alpn(cc, "http/1.1,spdy/3") == 0);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s, 0) == 0);
	CHECK(sigil_conn_alpn(c) && strcmp(sigil_conn_alpn(c), "http/1.1") == 0);
	CHECK(sigil_conn_alpn(s) && strcmp(sigil_conn_alpn(s), "http/1.1") == 0);
	/* A frozen config refuses changes. */
	CHECK(sigil_config_set_alpn(sc, "h2") < 0);
	CHECK(strstr(sigil_config_error(sc), "in use") != NULL);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);

	cc = config(NULL, NULL, NULL);
	CHECK(sigil_config_set_alpn(cc, "spdy/3") == 0);
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s, 0) < 0);
	CHECK(sigil_conn_error_alert(s) == SIGIL_ALERT_NO_APPLICATION_PROTOCOL);
	CHECK(sigil_conn_error_class(c) == SIGIL_ECLASS_PEER_ALERT);
	CHECK(sigil_conn_error_alert(c) == SIGIL_ALERT_NO_APPLICATION_PROTOCOL);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);

	/* Mutual TLS: required and given; required and missing. */
	for (int with = 0; with < 2; with++) {
		sc = config("ec256", NULL, NULL);
		CHECK(sigil_config_set_client_auth(sc, SIGIL_CLIENT_AUTH_REQUIRE) == 0);
		cc = config(with ? "ed25519" : NULL, NULL, NULL);
		c = sigil_conn_new(cc, SIGIL_CLIENT);
		s = sigil_conn_new(sc, SIGIL_SERVER);
		int r = pump(c, s, 0);
		if (with) {
			CHECK_MSG(r == 0, "%s / %s", sigil_conn_error(c), sigil_conn_error(s));
			size_t n;
			CHECK(sigil_conn_peer_chain(s, &n) != NULL && n == 1);
			CHECK(transfer(c, s, 100) == 0);
		} else {
			/* The client thinks it is done; the server refuses. */
			CHECK(sigil_conn_error_alert(s) == SIGIL_ALERT_CERTIFICATE_REQUIRED);
			move(s, c, 0);
			CHECK(sigil_conn_error_alert(c) == SIGIL_ALERT_CERTIFICATE_REQUIRED);
		}
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
}

/* The built-in verifier through the engine: a CA-issued leaf, checked for
 * the name the client connects to; the server checks client certificates
 * against its client CA. */
static void test_builtin_verifier(void)
{
	static const struct { const char *name; int ok; } names[] = {
		{ "localhost", 1 }, { "127.0.0.1", 1 }, { "LOCALHOST", 1 }, { "other.example", 0 }, { "10.0.0.1", 0 },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		sigil_config *sc = sigil_config_new(), *cc = sigil_config_new();
		CHECK(sigil_config_add_cert_key_file(sc, "tests/data/tls/leaf.crt", "tests/data/tls/leaf.key") == 0);
		CHECK(sigil_config_add_trust(cc, "tests/data/tls/ca.crt") == 0);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		CHECK(sigil_conn_set_server_name(c, names[i].name) == 0);
		int r = pump(c, s, 0);
		CHECK_MSG((r == 0) == names[i].ok, "%s: %s", names[i].name, sigil_conn_error(c));
		if (!names[i].ok) {
			CHECK(sigil_conn_error_class(c) == SIGIL_ECLASS_VERIFY);
			CHECK_MSG(strstr(sigil_conn_error(c), "not in subjectAltName") != NULL, "%s", sigil_conn_error(c));
			move(c, s, 0);
			CHECK(sigil_conn_error_class(s) == SIGIL_ECLASS_PEER_ALERT);
		}
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	/* Client certificates against the server's client CA:
	 * 0: issued by it: accepted, and the identity reaches the server;
	 * 1: from an unrelated CA: the client sees certificate_authorities,
	 *    withholds it, and the server refuses with certificate_required;
	 * 2: a self-signed certificate whose issuer name is that of a CA the
	 *    server trusts: sent, and refused by verification. */
	static const struct { const char *crt, *key, *ca; int alert; sigil_error_class cls; } cc_cases[] = {
		{ "leaf", "leaf", "ca", -1, SIGIL_ECLASS_NONE },
		{ "ec256", "ec256", "ca", SIGIL_ALERT_CERTIFICATE_REQUIRED, SIGIL_ECLASS_LOCAL_ALERT },
		{ "ec256", "ec256", "ec384", -2, SIGIL_ECLASS_VERIFY },
	};
	for (size_t i = 0; i < sizeof cc_cases / sizeof cc_cases[0]; i++) {
		char crt[64], key[64], ca[64];
		snprintf(crt, sizeof crt, "tests/data/tls/%s.crt", cc_cases[i].crt);
		snprintf(key, sizeof key, "tests/data/tls/%s.key", cc_cases[i].key);
		snprintf(ca, sizeof ca, "tests/data/tls/%s.crt", cc_cases[i].ca);
		sigil_config *sc = sigil_config_new(), *cc = sigil_config_new();
		CHECK(sigil_config_add_cert_key_file(sc, "tests/data/tls/ec384.crt", "tests/data/tls/ec384.key") == 0);
		CHECK(sigil_config_add_trust(sc, ca) == 0);
		CHECK(sigil_config_set_client_auth(sc, SIGIL_CLIENT_AUTH_REQUIRE) == 0);
		CHECK(sigil_config_insecure_noverify(cc) == 0);
		CHECK(sigil_config_add_cert_key_file(cc, crt, key) == 0);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		int r = pump(c, s, 0);
		move(s, c, 0);
		CHECK_MSG((r == 0) == (cc_cases[i].alert == -1), "case %zu: %s", i, sigil_conn_error(s));
		CHECK_MSG(sigil_conn_error_class(s) == cc_cases[i].cls, "case %zu: class %d: %s", i,
			  sigil_conn_error_class(s), sigil_conn_error(s));
		if (cc_cases[i].alert >= 0)
			CHECK(sigil_conn_error_alert(s) == cc_cases[i].alert);
		if (cc_cases[i].alert != -1)
			CHECK(sigil_conn_error_class(c) == SIGIL_ECLASS_PEER_ALERT);
		sigil_peer_identity id;
		if (r == 0) {
			CHECK(sigil_conn_peer_identity(s, &id) == 0);
			CHECK_MSG(strcmp(id.subject, "CN=localhost") == 0, "%s", id.subject);
			CHECK_MSG(strstr(id.san, "DNS:localhost") && strstr(id.san, "IP:127.0.0.1"), "%s", id.san);
			CHECK(strlen(id.serial) > 0 && strlen(id.spki_sha256) == 44);
		} else {
			CHECK(sigil_conn_peer_identity(s, &id) < 0);
		}
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
}

/* A client certificate for leaf.key issued by tests/data/tls/ca (the
 * client CA of the test below) with subject O=org (unless NULL), CN=cn,
 * as PEM in pem[cap].  With ncn > 1 the subject is instead ncn RDNs of
 * CN=cn, re-signed after sg_x509_cert_write (whose CNs are single and
 * at most 64 characters).  False on failure. */
static bool issue_client(const char *cn, const char *org, size_t ncn, char *pem, size_t cap)
{
	static const uint8_t cn_oid[] = {0x55, 0x04, 0x03};
	size_t calen, clen, klen;
	char *capem = sg_test_read_file("tests/data/tls/ca.crt", &calen);
	char *cakey = sg_test_read_file("tests/data/tls/ca.key", &clen);
	char *key = sg_test_read_file("tests/data/tls/leaf.key", &klen);
	sg_pkey *ck = cakey ? sg_pkey_private_from_pem(cakey, clen) : NULL;
	sg_pkey *lk = key ? sg_pkey_private_from_pem(key, klen) : NULL;
	sg_wr ca, spki, out, tbs, cert;
	sg_wr_init(&ca, NULL, 0, 1 << 16);
	sg_wr_init(&spki, NULL, 0, 1 << 12);
	sg_wr_init(&out, NULL, 0, 1 << 16);
	sg_wr_init(&tbs, NULL, 0, 1 << 16);
	sg_wr_init(&cert, NULL, 0, 1 << 16);
	sg_x509_cert x, y;
	char label[32], err[128];
	uint8_t serial[8];
	bool ok = false;
	sg_rd t;
	if (!capem || !ck || !lk)
		goto done;
	sg_rd_init(&t, (const uint8_t *)capem, calen);
	if (sg_pem_next(&t, label, sizeof label, &ca, err, sizeof err) != 1 ||
	    sg_x509_cert_parse(&x, ca.buf, ca.len, err, sizeof err) != 0 ||
	    sg_pkey_spki(lk, &spki) != 0 || sg_random(serial, sizeof serial) != 0)
		goto done;
	serial[0] = (uint8_t)(serial[0] & 0x7f) | 1;
	sg_x509_cert_spec s = {.serial = serial, .serial_len = sizeof serial, .cn = ncn > 1 ? "x" : cn,
			       .org = org, .issuer = x.subject, .issuer_key_id = x.ski,
			       .not_before = (int64_t)time(NULL) - 3600, .not_after = (int64_t)time(NULL) + 86400,
			       .spki = spki.buf, .spki_len = spki.len, .path_len = -1,
			       .key_usage = SG_KU_DIGITAL_SIGNATURE, .eku = SG_EKU_CLIENT};
	if (sg_x509_cert_write(&s, ck, &out, err, sizeof err) != 0) {
		fprintf(stderr, "issue_client: %s\n", err);
		goto done;
	}
	sg_wr *der = &out;
	if (ncn > 1) {
		/* The TBSCertificate with the subject replaced, signed again
		 * by the CA (RFC 5280 4.1). */
		if (sg_x509_cert_parse(&y, out.buf, out.len, err, sizeof err) != 0)
			goto done;
		sg_rd in = y.tbs, body;
		uint8_t tag;
		if (!sg_der_get_any(&in, &tag, &body, NULL))
			goto done;
		sg_der_mark m = sg_der_open(&tbs, SG_DER_SEQUENCE);
		(void)sg_wr_bytes(&tbs, body.p, (size_t)(y.subject.p - body.p));
		sg_der_mark nm = sg_der_open(&tbs, SG_DER_SEQUENCE);
		for (size_t i = 0; i < ncn; i++) {
			sg_der_mark set = sg_der_open(&tbs, SG_DER_SET), atv = sg_der_open(&tbs, SG_DER_SEQUENCE);
			(void)sg_der_put_oid(&tbs, cn_oid, sizeof cn_oid);
			(void)sg_der_put(&tbs, SG_DER_UTF8_STRING, cn, strlen(cn));
			(void)sg_der_close(&tbs, atv);
			(void)sg_der_close(&tbs, set);
		}
		(void)sg_der_close(&tbs, nm);
		const uint8_t *after = y.subject.p + y.subject.n;
		(void)sg_wr_bytes(&tbs, after, (size_t)(body.p + body.n - after));
		uint8_t sig[SG_MAX_SIG];
		size_t siglen = sizeof sig;
		if (!sg_der_close(&tbs, m) || !sg_wr_ok(&tbs) ||
		    sg_sign(ck, y.sigalg.kind, y.sigalg.hash, tbs.buf, tbs.len, sig, &siglen) != 0)
			goto done;
		m = sg_der_open(&cert, SG_DER_SEQUENCE);
		(void)sg_wr_bytes(&cert, tbs.buf, tbs.len);
		(void)sg_wr_bytes(&cert, y.sig_alg.p, y.sig_alg.n);
		(void)sg_der_put_bit_bytes(&cert, sig, siglen);
		if (!sg_der_close(&cert, m) || !sg_wr_ok(&cert))
			goto done;
		der = &cert;
	}
	int n = snprintf(pem, cap, "-----BEGIN CERTIFICATE-----\n");
	int b = n > 0 ? sg_base64_encode(der->buf, der->len, pem + n, cap - (size_t)n) : -1;
	ok = b > 0 && (size_t)(n + b) < cap &&
	     (size_t)snprintf(pem + n + b, cap - (size_t)(n + b), "\n-----END CERTIFICATE-----\n") <
		     cap - (size_t)(n + b);
done:
	sg_wr_free(&ca);
	sg_wr_free(&spki);
	sg_wr_free(&out);
	sg_wr_free(&tbs);
	sg_wr_free(&cert);
	sg_pkey_free(ck);
	sg_pkey_free(lk);
	free(capem);
	free(cakey);
	free(key);
	return ok;
}

/* The subject a server sees through sigil_conn_peer_identity is RFC 4514
 * text: a client whose one CN is "alice, O=Example" cannot pass for the
 * subject O=Example, CN=alice (the hole an authorization on the string
 * had), and a subject too long to report whole is refused in the
 * handshake, not cut. */
static void test_peer_identity_subject(void)
{
	static const struct { const char *cn, *org; size_t ncn; const char *want; } t[] = {
		{"alice", "Example", 1, "CN=alice, O=Example"},
		{"alice, O=Example", NULL, 1, "CN=alice\\, O=Example"},
		{"#1 \"boss\" ", NULL, 1, "CN=\\#1 \\\"boss\\\"\\ "},
		/* 4 CNs of 61 commas, each "CN=" and 122 characters, ", "
		 * between: 506 characters fit; 5 (633) do not */
		{",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", NULL, 4, NULL},
		{",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", NULL, 5, NULL},
	};
	size_t klen;
	char *key = sg_test_read_file("tests/data/tls/leaf.key", &klen);
	CHECK(key != NULL);
	for (size_t i = 0; key && i < sizeof t / sizeof t[0]; i++) {
		char pem[4096];
		CHECK(issue_client(t[i].cn, t[i].org, t[i].ncn, pem, sizeof pem));
		sigil_config *sc = sigil_config_new(), *cc = sigil_config_new();
		CHECK(sigil_config_add_cert_key_file(sc, "tests/data/tls/ec384.crt", "tests/data/tls/ec384.key") == 0);
		CHECK(sigil_config_add_trust(sc, "tests/data/tls/ca.crt") == 0);
		CHECK(sigil_config_set_client_auth(sc, SIGIL_CLIENT_AUTH_REQUIRE) == 0);
		CHECK(sigil_config_insecure_noverify(cc) == 0);
		CHECK_MSG(sigil_config_add_cert_key_pem(cc, pem, strlen(pem), key, klen) == 0, "%s",
			  sigil_config_error(cc));
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		int r = pump(c, s, 0);
		move(s, c, 0);
		sigil_peer_identity id;
		if (t[i].ncn == 4) {
			CHECK_MSG(r == 0, "case %zu: %s", i, sigil_conn_error(s));
			CHECK(sigil_conn_peer_identity(s, &id) == 0 && strlen(id.subject) == 506);
		} else if (t[i].want) {
			CHECK_MSG(r == 0, "case %zu: %s", i, sigil_conn_error(s));
			CHECK(sigil_conn_peer_identity(s, &id) == 0);
			CHECK_MSG(strcmp(id.subject, t[i].want) == 0, "case %zu: %s", i, id.subject);
		} else {
			CHECK_MSG(r != 0 && sigil_conn_error_class(s) == SIGIL_ECLASS_VERIFY &&
				  sigil_conn_error_alert(s) == SIGIL_ALERT_UNSUPPORTED_CERTIFICATE &&
				  strstr(sigil_conn_error(s), "longer than the 511 bytes"),
				  "case %zu: %s", i, sigil_conn_error(s));
			CHECK(sigil_conn_peer_identity(s, &id) < 0 && id.subject[0] == 0);
		}
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	free(key);
}

/* ---- resumption (RFC 8446 2.2, 4.2.11, 4.6.1) ---- */

static uint64_t fake_now;
static uint64_t hook_now(void *arg)
{
	(void)arg;
	return fake_now;
}

/* A full handshake; returns the session blob the client got. */
static size_t first_session(sigil_config *sc, sigil_config *cc, uint8_t *blob, size_t cap)
{
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t n = 0;
	CHECK(sigil_conn_set_server_name(c, "localhost") == 0);
	CHECK(pump(c, s, 0) == 0);
	CHECK(!sigil_conn_resumed(c) && !sigil_conn_resumed(s));
	CHECK(transfer(s, c, 10) == 0);         /* the tickets arrive with it */
	CHECK(sigil_conn_get_session(c, blob, cap, &n) == 0 && n > 0);
	sigil_conn_free(c);
	sigil_conn_free(s);
	return n;
}

/* Offer blob under server name `name`; returns 1 resumed, 0 full
 * handshake, -1 failed. */
static int resume_as(sigil_config *sc, sigil_config *cc, const uint8_t *blob, size_t n, const char *name, int *alert)
{
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	int r = -1;
	CHECK(sigil_conn_set_server_name(c, name) == 0);
	CHECK(sigil_conn_set_session(c, blob, n) == 0);
	if (pump(c, s, 0) == 0 && transfer(c, s, 1000) == 0 && transfer(s, c, 1000) == 0) {
		CHECK(sigil_conn_resumed(c) == sigil_conn_resumed(s));
		r = sigil_conn_resumed(c);
		size_t k;
		/* A resumed client sees no new certificate. */
		CHECK(r == 0 || sigil_conn_peer_chain(c, &k) == NULL);
	}
	*alert = sigil_conn_error_alert(s);
	sigil_conn_free(c);
	sigil_conn_free(s);
	return r;
}

static int resume(sigil_config *sc, sigil_config *cc, const uint8_t *blob, size_t n, int *alert)
{
	return resume_as(sc, cc, blob, n, "localhost", alert);
}

/* The blob of a "localhost" session (its server name last) renamed, so
 * that the client offers it under `name`: the server must check. */
static size_t blob_rename(const uint8_t *blob, size_t n, const char *name, uint8_t *out)
{
	size_t k = n - 1 - strlen("localhost"), l = strlen(name);
	memcpy(out, blob, k);
	out[k] = (uint8_t)l;
	memcpy(out + k + 1, name, l);
	return k + 1 + l;
}

static void test_resumption(void)
{
	static sg_test_hooks clock_hooks = { .now_ms = hook_now };
	uint8_t blob[1024], bad[1024];
	int alert;
	fake_now = 1700000000000ull;
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	CHECK(sg_config_set_test_hooks(sc, &clock_hooks) == 0);
	CHECK(sg_config_set_test_hooks(cc, &clock_hooks) == 0);
	size_t n = first_session(sc, cc, blob, sizeof blob);
	CHECK(resume(sc, cc, blob, n, &alert) == 1);
	fake_now += 3600 * 1000;                /* within the 2 h lifetime */
	CHECK(resume(sc, cc, blob, n, &alert) == 1);
	/* Bound to the server name (RFC 8446 4.6.1, RFC 6066 3): the same
	 * name in other case resumes, another name is a full handshake. */
	{
		uint8_t other[1024];
		size_t on = blob_rename(blob, n, "LocalHost", other);
		CHECK(resume_as(sc, cc, other, on, "LocalHost", &alert) == 1);
		on = blob_rename(blob, n, "b.example", other);
		CHECK(resume_as(sc, cc, other, on, "b.example", &alert) == 0);
		on = blob_rename(blob, n, "localhost.", other);
		CHECK(resume_as(sc, cc, other, on, "localhost.", &alert) == 0);
	}

	/* A tampered ticket: not ours, so a full handshake (4.2.11). */
	memcpy(bad, blob, n);
	bad[n - 12] ^= 1;                       /* inside the ticket */
	CHECK(resume(sc, cc, bad, n, &alert) == 0);
	/* A wrong PSK gives a wrong binder: the server aborts (4.2.11). */
	memcpy(bad, blob, n);
	bad[4 + 2 + 8 + 4 + 4 + 1] ^= 1;        /* first byte of the PSK */
	CHECK(resume(sc, cc, bad, n, &alert) < 0);
	CHECK(alert == SIGIL_ALERT_DECRYPT_ERROR);
	/* Garbage is refused by the API. */
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT);
	CHECK(sigil_conn_set_session(c, blob, n - 1) < 0);
	sigil_conn_free(c);

	/* A ticket too long to offer again (it must fit in the ClientHello's
	 * extensions, at most 2^16-1 bytes with everything else): a client
	 * used to keep it, and its next handshake failed with an internal
	 * error ("ClientHello too large").  Now it is ignored: the session
	 * already held stays, and a blob carrying one is refused. */
	{
		sigil_conn *c2 = sigil_conn_new(cc, SIGIL_CLIENT), *s2 = sigil_conn_new(sc, SIGIL_SERVER);
		uint8_t before[1024];
		size_t nb = 0, na = 0, tl = 65535;
		CHECK(sigil_conn_set_server_name(c2, "localhost") == 0);
		CHECK(pump(c2, s2, 0) == 0 && transfer(s2, c2, 10) == 0);
		CHECK(sigil_conn_get_session(c2, before, sizeof before, &nb) == 0);
		uint8_t *nst = calloc(1, 4 + 4 + 4 + 1 + 8 + 2 + tl + 2);
		size_t k = 0;
		nst[k++] = SG_HT_NEW_SESSION_TICKET;
		sg_wr w;
		sg_wr_init_fixed(&w, nst + 4, 4 + 4 + 1 + 8 + 2 + tl + 2);
		sg_wr_u32(&w, 7200);
		sg_wr_u32(&w, 1);
		sg_wr_u8(&w, 8);
		sg_wr_u64(&w, 9);
		sg_wr_u16(&w, (uint16_t)tl);
		memset(sg_wr_space(&w, tl), 'T', tl);
		sg_wr_u16(&w, 0);
		nst[1] = (uint8_t)(w.len >> 16);
		nst[2] = (uint8_t)(w.len >> 8);
		nst[3] = (uint8_t)w.len;
		CHECK(sg_wr_ok(&w) && sg_record_write(s2, SG_CT_HANDSHAKE, nst, 4 + w.len) == 0);
		move(s2, c2, 0);
		CHECK(!(sigil_conn_state(c2) & SIGIL_ST_FAILED));
		uint8_t *after = malloc(70000);
		CHECK(sigil_conn_get_session(c2, after, 70000, &na) == 0 && na == nb && memcmp(after, before, nb) == 0);
		CHECK(resume(sc, cc, after, na, &alert) == 1);
		/* The same ticket in a blob. */
		size_t off = 4 + 2 + 8 + 4 + 4, bl;
		memcpy(after, before, off);
		bl = off;
		after[bl++] = 32;
		memset(after + bl, 1, 32);
		bl += 32;
		sg_store16(after + bl, (uint16_t)tl);
		memset(after + bl + 2, 'T', tl);
		bl += 2 + tl;
		after[bl++] = 9;
		memcpy(after + bl, "localhost", 9);
		bl += 9;
		sigil_conn *c3 = sigil_conn_new(cc, SIGIL_CLIENT), *s3 = sigil_conn_new(sc, SIGIL_SERVER);
		CHECK(sigil_conn_set_server_name(c3, "localhost") == 0);
		CHECK(sigil_conn_set_session(c3, after, bl) < 0);
		CHECK(pump(c3, s3, 0) == 0 && !sigil_conn_resumed(c3));
		/* A ticket of exactly the limit is kept and offered. */
		sg_store16(after + off + 1 + 32, 32768);
		memmove(after + off + 1 + 32 + 2 + 32768, after + bl - 10, 10);
		sigil_conn *c4 = sigil_conn_new(cc, SIGIL_CLIENT), *s4 = sigil_conn_new(sc, SIGIL_SERVER);
		CHECK(sigil_conn_set_server_name(c4, "localhost") == 0);
		CHECK(sigil_conn_set_session(c4, after, off + 1 + 32 + 2 + 32768 + 10) == 0);
		/* Offered: the client's hello carries it.  (A server of another
		 * stack may issue such tickets; a sigil server refuses a hello
		 * this large, SIGIL_MAX_CLIENT_HELLO.) */
		size_t hl;
		const uint8_t *hello = sigil_conn_send_buf(c4, &hl);
		CHECK(hello && hl > 32768 && hello[5] == SG_HT_CLIENT_HELLO);
		CHECK(pump(c4, s4, 0) < 0 && sigil_conn_error_alert(s4) == SIGIL_ALERT_DECODE_ERROR);
		CHECK_MSG(strstr(sigil_conn_error(s4), "ClientHello of") != NULL, "%s", sigil_conn_error(s4));
		free(after);
		free(nst);
		sigil_conn_free(c4);
		sigil_conn_free(s4);
		sigil_conn_free(c3);
		sigil_conn_free(s3);
		sigil_conn_free(c2);
		sigil_conn_free(s2);
	}

	/* A server whose keys were rotated out does not know the ticket. */
	sigil_config *other = config("ec256", NULL, NULL);
	CHECK(resume(other, cc, blob, n, &alert) == 0);
	/* Rotation done right: new key first, old one kept. */
	uint8_t tkeys[2 * SIGIL_TICKET_KEY_LEN];
	memset(tkeys, 7, SIGIL_TICKET_KEY_LEN);
	memcpy(tkeys + SIGIL_TICKET_KEY_LEN, sc->ticket_keys[0], SIGIL_TICKET_KEY_LEN);
	sigil_config *rot = config("ec256", NULL, NULL);
	CHECK(sigil_config_set_ticket_keys(rot, tkeys, 2) == 0);
	CHECK(sg_config_set_test_hooks(rot, &clock_hooks) == 0);
	CHECK(resume(rot, cc, blob, n, &alert) == 1);

	/* Expired on the server's clock though the client still offers it. */
	static sg_test_hooks late_hooks = { .now_ms = hook_now };
	sigil_config *late_client = config(NULL, NULL, NULL);
	CHECK(sg_config_set_test_hooks(late_client, &late_hooks) == 0);
	fake_now += 2 * 3600 * 1000;
	CHECK(resume(sc, late_client, blob, n, &alert) == 0);
	sigil_config_free(late_client);

	/* HelloRetryRequest, then resumption on the second hello. */
	sigil_config *sc2 = config("ec256", NULL, "secp256r1"), *cc2 = config(NULL, NULL, "x25519:secp256r1");
	n = first_session(sc2, cc2, blob, sizeof blob);
	CHECK(resume(sc2, cc2, blob, n, &alert) == 1);
	/* No tickets when the server asks for client certificates. */
	sigil_config *sc3 = config("ec256", NULL, NULL);
	CHECK(sigil_config_set_client_auth(sc3, SIGIL_CLIENT_AUTH_REQUEST) == 0);
	c = sigil_conn_new(cc2, SIGIL_CLIENT);
	sigil_conn *s = sigil_conn_new(sc3, SIGIL_SERVER);
	CHECK(pump(c, s, 0) == 0 && transfer(s, c, 10) == 0);
	CHECK(sigil_conn_get_session(c, blob, sizeof blob, &n) < 0);
	sigil_conn_free(c);
	sigil_conn_free(s);
	/* Nor does it accept a ticket another server sealed with a shared
	 * key: the client would skip its certificate. */
	sigil_config *sc4 = config("ec256", NULL, "secp256r1");
	CHECK(sigil_config_set_client_auth(sc4, SIGIL_CLIENT_AUTH_REQUEST) == 0);
	CHECK(sigil_config_set_ticket_keys(sc4, sc2->ticket_keys[0], 1) == 0);
	n = first_session(sc2, cc2, blob, sizeof blob);
	CHECK(resume(sc2, cc2, blob, n, &alert) == 1);
	CHECK(resume(sc4, cc2, blob, n, &alert) == 0);
	sigil_config_free(sc4);
	sigil_config_free(sc3);
	sigil_config_free(sc2);
	sigil_config_free(cc2);
	sigil_config_free(rot);
	sigil_config_free(other);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

static void test_verifier(void)
{
	/* No trust configured: the client refuses, and says why. */
	sigil_config *sc = config("ec256", NULL, NULL), *cc = sigil_config_new();
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(sigil_conn_set_server_name(c, "localhost") == 0);
	CHECK(pump(c, s, 0) < 0);
	CHECK(sigil_conn_error_class(c) == SIGIL_ECLASS_VERIFY);
	CHECK(strstr(sigil_conn_error(c), "certificate verify failed") != NULL);
	move(c, s, 0);
	CHECK(sigil_conn_error_class(s) == SIGIL_ECLASS_PEER_ALERT);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);

	/* A verifying client with no server name would accept any trusted
	 * certificate for any host: it refuses before sending anything. */
	sigil_config_free(sc);
	sc = sigil_config_new();
	cc = sigil_config_new();
	CHECK(sigil_config_add_cert_key_file(sc, "tests/data/tls/leaf.crt", "tests/data/tls/leaf.key") == 0);
	CHECK(sigil_config_add_trust(cc, "tests/data/tls/ca.crt") == 0);
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t n = 1, used;
	CHECK(sigil_conn_recv_net(c, NULL, 0, &used) == SIGIL_ERROR);
	CHECK(sigil_conn_error_class(c) == SIGIL_ECLASS_USAGE);
	CHECK(strstr(sigil_conn_error(c), "sigil_conn_set_server_name") != NULL);
	CHECK(sigil_conn_send_buf(c, &n) == NULL || n == 0);
	sigil_conn_free(c);
	/* With a name, the same config connects. */
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	CHECK(sigil_conn_set_server_name(c, "localhost") == 0);
	CHECK(pump(c, s, 0) == 0);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* ---- hostile input ---- */

/* A ClientHello built by hand; flags choose what is wrong with it. */
enum { CH_NO_VERSIONS = 1, CH_COMPRESSION = 2, CH_DUP_EXT = 4, CH_NO_SIGALGS = 8, CH_NO_SHARE = 16,
       CH_PSK_NOT_LAST = 32, CH_BAD_SHARE = 64, CH_TRAILING = 128,
       /* legacy_version other than 0x0303 */
       CH_V_SSL2 = 256, CH_V_SSL3 = 512, CH_V_TLS10 = 1024, CH_V_TLS11 = 2048, CH_V_TLS13 = 4096 };

static size_t build_ch(uint8_t *out, size_t cap, unsigned bad)
{
	sg_wr w;
	sg_wr_init_fixed(&w, out, cap);
	sg_wr_u8(&w, 22);
	sg_wr_u16(&w, 0x0301);
	sg_wr_mark rec = sg_wr_open(&w, 2);
	sg_wr_u8(&w, 1);
	sg_wr_mark body = sg_wr_open(&w, 3);
	sg_wr_u16(&w, bad & CH_V_SSL2 ? 0x0200 : bad & CH_V_SSL3 ? 0x0300 : bad & CH_V_TLS10 ? 0x0301 :
		      bad & CH_V_TLS11 ? 0x0302 : bad & CH_V_TLS13 ? 0x0304 : 0x0303);
	for (int i = 0; i < 32; i++)
		sg_wr_u8(&w, (uint8_t)i);
	sg_wr_u8(&w, 0);
	sg_wr_u16(&w, 2);
	sg_wr_u16(&w, 0x1301);
	if (bad & CH_COMPRESSION) {
		sg_wr_u8(&w, 2);
		sg_wr_u8(&w, 1);
		sg_wr_u8(&w, 0);
	} else {
		sg_wr_u8(&w, 1);
		sg_wr_u8(&w, 0);
	}
	sg_wr_mark exts = sg_wr_open(&w, 2);
	if (bad & CH_PSK_NOT_LAST) {
		sg_wr_u16(&w, SG_EXT_PRE_SHARED_KEY);
		sg_wr_u16(&w, 0);
	}
	if (!(bad & CH_NO_VERSIONS)) {
		sg_wr_u16(&w, SG_EXT_SUPPORTED_VERSIONS);
		sg_wr_u16(&w, 3);
		sg_wr_u8(&w, 2);
		sg_wr_u16(&w, 0x0304);
	}
	sg_wr_u16(&w, SG_EXT_SUPPORTED_GROUPS);
	sg_wr_u16(&w, 4);
	sg_wr_u16(&w, 2);
	sg_wr_u16(&w, 0x001d);
	if (bad & CH_DUP_EXT) {
		sg_wr_u16(&w, SG_EXT_SUPPORTED_GROUPS);
		sg_wr_u16(&w, 4);
		sg_wr_u16(&w, 2);
		sg_wr_u16(&w, 0x001d);
	}
	if (!(bad & CH_NO_SIGALGS)) {
		sg_wr_u16(&w, SG_EXT_SIGNATURE_ALGORITHMS);
		sg_wr_u16(&w, 4);
		sg_wr_u16(&w, 2);
		sg_wr_u16(&w, 0x0403);
	}
	if (!(bad & CH_NO_SHARE)) {
		sg_wr_u16(&w, SG_EXT_KEY_SHARE);
		sg_wr_u16(&w, 2 + 4 + 32);
		sg_wr_u16(&w, 4 + 32);
		sg_wr_u16(&w, 0x001d);
		sg_wr_u16(&w, 32);
		for (int i = 0; i < 32; i++)    /* a valid x25519 point: 9 */
			sg_wr_u8(&w, bad & CH_BAD_SHARE ? 0 : i == 0 ? 9 : 0);
	}
	sg_wr_close(&w, exts);
	if (bad & CH_TRAILING)
		sg_wr_u8(&w, 0);
	sg_wr_close(&w, body);
	sg_wr_close(&w, rec);
	return sg_wr_ok(&w) ? w.len : 0;
}

/* Feed bytes to a fresh server; return the alert it sent (or -1). */
static int server_alert(const uint8_t *in, size_t n, char *why, size_t cap)
{
	sigil_config *sc = config("ec256", NULL, NULL);
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t used;
	if (sigil_conn_recv_net(s, in, n, &used) < 0) { /* the alert is checked below */ }
	int alert = (sigil_conn_state(s) & SIGIL_ST_FAILED) ? sigil_conn_error_alert(s) : -1;
	snprintf(why, cap, "%s", sigil_conn_error(s));
	/* The alert really goes out, in the clear, as the last record. */
	size_t len;
	const uint8_t *out = sigil_conn_send_buf(s, &len);
	if (alert >= 0 && (len < 7 || out[len - 7] != 21 || out[len - 1] != alert))
		alert = -2;
	sigil_conn_free(s);
	sigil_config_free(sc);
	return alert;
}

static void test_bad_client_hello(void)
{
	static const struct { unsigned bad; int alert; const char *words; } cases[] = {
		/* No supported_versions: TLS 1.2, whose suites this hello lacks. */
		{ CH_NO_VERSIONS, SIGIL_ALERT_HANDSHAKE_FAILURE, "TLS 1.2" },
		{ CH_COMPRESSION, SIGIL_ALERT_ILLEGAL_PARAMETER, "compression" },
		{ CH_DUP_EXT, SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate" },
		{ CH_NO_SIGALGS, SIGIL_ALERT_MISSING_EXTENSION, "signature_algorithms" },
		{ CH_NO_SHARE, SIGIL_ALERT_MISSING_EXTENSION, "key_share" },
		{ CH_PSK_NOT_LAST, SIGIL_ALERT_ILLEGAL_PARAMETER, "last" },
		{ CH_BAD_SHARE, SIGIL_ALERT_ILLEGAL_PARAMETER, "key share" },
		{ CH_TRAILING, SIGIL_ALERT_DECODE_ERROR, "malformed" },
		/* D.5: "Any endpoint receiving a Hello message with
		 * ClientHello.legacy_version ... set to 0x0300 MUST abort the
		 * handshake with a "protocol_version" alert" although
		 * supported_versions offers TLS 1.3. */
		{ CH_V_SSL3, SIGIL_ALERT_PROTOCOL_VERSION, "0x0300" },
		{ CH_V_SSL2, SIGIL_ALERT_PROTOCOL_VERSION, "0x0200" },
		{ CH_V_SSL3 | CH_NO_VERSIONS, SIGIL_ALERT_PROTOCOL_VERSION, "SSL 3.0" },
		{ CH_V_TLS10 | CH_NO_VERSIONS, SIGIL_ALERT_PROTOCOL_VERSION, "TLS 1.3" },
	};
	uint8_t buf[512];
	char why[800];
	size_t n = build_ch(buf, sizeof buf, 0);
	CHECK(n > 0);
	CHECK_MSG(server_alert(buf, n, why, sizeof why) == -1, "good hello refused: %s", why);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = build_ch(buf, sizeof buf, cases[i].bad);
		int a = server_alert(buf, n, why, sizeof why);
		CHECK_MSG(a == cases[i].alert, "case %zu: alert %d, want %d (%s)", i, a, cases[i].alert, why);
		CHECK_MSG(strstr(why, cases[i].words) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, why, cases[i].words);
	}
	/* 4.2.1: "If this extension is present in the ClientHello, servers
	 * MUST NOT use the ClientHello.legacy_version value for version
	 * negotiation": 0x0301, 0x0302 (and 0x0304) with supported_versions
	 * are TLS 1.3 hellos. */
	static const unsigned fine[] = { CH_V_TLS10, CH_V_TLS11, CH_V_TLS13 };
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		n = build_ch(buf, sizeof buf, fine[i]);
		CHECK_MSG(server_alert(buf, n, why, sizeof why) == -1, "legacy_version case %zu refused: %s", i, why);
	}
	/* Every truncation of a good hello: a clean wait or a clean alert. */
	n = build_ch(buf, sizeof buf, 0);
	for (size_t cut = 1; cut < n; cut++) {
		/* Shorten the inner lengths consistently with the record's. */
		uint8_t t[512];
		memcpy(t, buf, n);
		sg_store16(t + 3, (uint16_t)(cut > 5 ? cut - 5 : 0));
		int a = server_alert(t, cut, why, sizeof why);
		CHECK_MSG(a == -1 || a == SIGIL_ALERT_DECODE_ERROR || a == SIGIL_ALERT_UNEXPECTED_MESSAGE,
			  "cut %zu: alert %d (%s)", cut, a, why);
	}
	/* Not TLS at all. */
	const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	CHECK(server_alert((const uint8_t *)http, strlen(http), why, sizeof why) == SIGIL_ALERT_DECODE_ERROR);
	CHECK(strstr(why, "plain HTTP") != NULL);
	/* Oversized plaintext record. */
	uint8_t big[5] = { 22, 3, 1, 0x40, 0x01 };
	CHECK(server_alert(big, 5, why, sizeof why) == SIGIL_ALERT_RECORD_OVERFLOW);
	/* Application data before any handshake. */
	uint8_t app[6] = { 23, 3, 3, 0, 1, 0 };
	CHECK(server_alert(app, 6, why, sizeof why) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	/* A ServerHello sent to a server. */
	uint8_t sh[9] = { 22, 3, 3, 0, 4, 2, 0, 0, 0 };
	CHECK(server_alert(sh, 9, why, sizeof why) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	/* A change_cipher_spec before the ClientHello. */
	uint8_t ccs[6] = { 20, 3, 3, 0, 1, 1 };
	CHECK(server_alert(ccs, 6, why, sizeof why) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
}

/* Run a handshake where `tamper` edits the server's first flight before
 * the client sees it; return the client's alert. */
static int client_alert(void (*tamper)(uint8_t *p, size_t n), const char *client_suites, char *why, size_t cap)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, client_suites, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	move(c, s, 0);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(s, &n);
	uint8_t *copy = malloc(n);
	memcpy(copy, p, n);
	sigil_conn_send_ack(s, n);
	tamper(copy, n);
	if (sigil_conn_recv_net(c, copy, n, &used) < 0) { /* checked below */ }
	int alert = (sigil_conn_state(c) & SIGIL_ST_FAILED) ? sigil_conn_error_alert(c) : -1;
	snprintf(why, cap, "%s", sigil_conn_error(c));
	free(copy);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
	return alert;
}

/* The ServerHello is the first record: 5 + 4 header bytes, then
 * version(2) random(32) sid_len(1) sid(32) suite(2). */
static void sh_suite_1303(uint8_t *p, size_t n) { (void)n; p[9 + 2 + 32 + 1 + 32 + 1] = 0x03; }
static void sh_downgrade(uint8_t *p, size_t n)
{
	(void)n;
	/* Remove supported_versions (the last 6 bytes of the hello) by
	 * shortening the lengths, and set the TLS 1.2 sentinel. */
	memcpy(p + 9 + 2 + 24, "DOWNGRD\x01", 8);
	size_t ext = 9 + 2 + 32 + 1 + 32 + 3;
	sg_store16(p + ext, (uint16_t)(sg_load16(p + ext) - 6));
	uint32_t hl = (uint32_t)p[6] << 16 | p[7] << 8 | p[8];
	hl -= 6;
	p[7] = (uint8_t)(hl >> 8);
	p[8] = (uint8_t)hl;
	sg_store16(p + 3, (uint16_t)(sg_load16(p + 3) - 6));
	/* The 6 dropped bytes now start the next "record": make them a
	 * harmless CCS-looking prefix is not possible; the client fails on
	 * the hello first. */
}
static void sh_tls12(uint8_t *p, size_t n)
{
	sh_downgrade(p, n);
	memcpy(p + 9 + 2 + 24, "NOTDOWNG", 8);
}
/* ServerHello.legacy_version (after the 5 + 4 header bytes). */
static void sh_ssl3(uint8_t *p, size_t n) { (void)n; p[9] = 3; p[10] = 0; }
static void sh_tls11(uint8_t *p, size_t n) { (void)n; p[9] = 3; p[10] = 2; }
static void flip_last(uint8_t *p, size_t n) { p[n - 1] ^= 1; }
static void flip_sh_random(uint8_t *p, size_t n) { (void)n; p[20] ^= 1; }
static void truncate_record(uint8_t *p, size_t n) { (void)n; sg_store16(p + 3, 0x4500); }

static void test_bad_server(void)
{
	char why[800];
	int a = client_alert(sh_suite_1303, "TLS_AES_128_GCM_SHA256", why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "did not offer"), "%d %s", a, why);
	a = client_alert(sh_downgrade, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "downgrade"), "%d %s", a, why);
	/* Without supported_versions it is a TLS 1.2 ServerHello, which the
	 * default minimum reads (tls12_client.c): this one echoes our
	 * compatibility-mode session id, a resumption we never offered. */
	a = client_alert(sh_tls12, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "never offered"), "%d %s", a, why);
	/* The last record is the encrypted flight: its tag fails. */
	a = client_alert(flip_last, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_BAD_RECORD_MAC, "%d %s", a, why);
	/* A changed ServerHello random changes the keys: the encrypted
	 * records no longer decrypt. */
	a = client_alert(flip_sh_random, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_BAD_RECORD_MAC || a == SIGIL_ALERT_DECRYPT_ERROR, "%d %s", a, why);
	a = client_alert(truncate_record, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_RECORD_OVERFLOW, "%d %s", a, why);
	/* D.5: "... or ServerHello.legacy_version set to 0x0300 MUST abort
	 * the handshake with a "protocol_version" alert", supported_versions
	 * or not; any other value but 0x0303 is illegal_parameter (4.1.3). */
	a = client_alert(sh_ssl3, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_PROTOCOL_VERSION && strstr(why, "0x0300"), "%d %s", a, why);
	a = client_alert(sh_tls11, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER, "%d %s", a, why);
}

/* A bad Finished: the server's Finished is recomputed with a wrong key by
 * tampering with the client's expectation instead (its s_hs secret). */
static void test_bad_finished(void)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	move(c, s, 0);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(s, &n);
	/* Feed the ServerHello record alone, then corrupt the secret the
	 * client will check the server's Finished with. */
	size_t first = 5 + sg_load16(p + 3);
	CHECK(sigil_conn_recv_net(c, p, first, &used) == 0 && used == first);
	c->hs->s_hs[0] ^= 1;    /* keys are installed already: records still decrypt */
	CHECK(sigil_conn_recv_net(c, p + first, n - first, &used) < 0);
	CHECK(sigil_conn_error_alert(c) == SIGIL_ALERT_DECRYPT_ERROR);
	CHECK(strstr(sigil_conn_error(c), "Finished") != NULL);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* ---- record padding (RFC 8446 5.2, 5.4) ---- */

/* The plain scan from the end, as 5.4 describes it: the reference. */
static size_t unpad_ref(const uint8_t *p, size_t n, uint8_t *type)
{
	while (n > 0 && p[n - 1] == 0)
		n--;
	*type = n ? p[n - 1] : 0;
	return n ? n - 1 : 0;
}

/* Protect inner (a whole TLSInnerPlaintext: content, type, padding) as
 * from's next record, the way write_one would but with the padding that
 * sigil never sends, and give it to `to`.  Its recv_net result. */
static int send_inner(sigil_conn *from, sigil_conn *to, const uint8_t *inner, size_t n)
{
	size_t clen = n + SG_AEAD_TAG, used;
	uint8_t *rec = malloc(SG_RECORD_HEADER + clen), iv[SG_AEAD_NONCE];
	rec[0] = SG_CT_APP;
	rec[1] = 3;
	rec[2] = 3;
	sg_store16(rec + 3, (uint16_t)clen);
	memcpy(iv, from->wr.iv, sizeof iv);
	for (int i = 0; i < 8; i++)
		iv[SG_AEAD_NONCE - 1 - i] ^= (uint8_t)(from->wr.seq >> (8 * i));
	int r = -1;
	if (from->wr.aead && sg_aead_seal(from->wr.aead, iv, rec, SG_RECORD_HEADER, inner, n, rec + SG_RECORD_HEADER) == 0) {
		from->wr.seq++;
		r = sigil_conn_recv_net(to, rec, SG_RECORD_HEADER + clen, &used);
		if (r == 0 && used != SG_RECORD_HEADER + clen)
			r = -1;
	}
	free(rec);
	return r;
}

/* A connected pair; the server sends `inner` to the client.  Returns the
 * client's alert (0: none) and in got/glen what the client read. */
static int padded_record(const uint8_t *inner, size_t n, uint8_t *got, size_t cap, size_t *glen)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	int alert = -1;
	*glen = 0;
	if (pump(c, s, 0) == 0) {
		if (send_inner(s, c, inner, n) < 0) {
			alert = sigil_conn_error_alert(c);
		} else {
			alert = 0;
			if (sigil_conn_read_app(c, got, cap, glen) < 0)
				alert = -1;
		}
	}
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
	return alert;
}

static void test_padding(void)
{
	/* The constant-time scan against the plain one: every length up
	 * to 200 (all block and word boundaries), sparse random contents,
	 * and every position of a lone type byte. */
	uint8_t buf[SG_MAX_CIPHERTEXT], type, rtype;
	uint32_t x = 12345;
	int bad = 0;
	for (size_t n = 0; n <= 200; n++) {
		for (int round = 0; round < 50; round++) {
			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				buf[i] = (x >> 16) % 5 == 0 ? (uint8_t)(x >> 8) : 0;
			}
			size_t got = sg_record_unpad(buf, n, &type), want = unpad_ref(buf, n, &rtype);
			bad += type != rtype || (rtype && got != want);
		}
		for (size_t at = 0; at < n; at++) {
			memset(buf, 0, n);
			buf[at] = (uint8_t)(0x80 | at);
			size_t got = sg_record_unpad(buf, n, &type);
			bad += got != at || type != (uint8_t)(0x80 | at);
		}
		memset(buf, 0, n);
		(void)sg_record_unpad(buf, n, &type);
		bad += type != 0;
	}
	/* The largest record: type last, type first, all zeros. */
	size_t big = SG_MAX_CIPHERTEXT - SG_AEAD_TAG;
	memset(buf, 0xa5, big);
	bad += sg_record_unpad(buf, big, &type) != big - 1 || type != 0xa5;
	memset(buf, 0, big);
	buf[0] = SG_CT_APP;
	bad += sg_record_unpad(buf, big, &type) != 0 || type != SG_CT_APP;
	buf[0] = 0;
	(void)sg_record_unpad(buf, big, &type);
	bad += type != 0;
	CHECK_MSG(bad == 0, "%d disagreements with the plain scan", bad);

	/* Through the engine: padded records as a peer may send them. */
	static uint8_t inner[SG_MAX_PLAINTEXT + 2 + 256], got[SG_MAX_PLAINTEXT + 2];
	size_t glen;
	memcpy(inner, "hello", 5);
	inner[5] = SG_CT_APP;
	memset(inner + 6, 0, 100);
	CHECK(padded_record(inner, 106, got, sizeof got, &glen) == 0 && glen == 5 && memcmp(got, "hello", 5) == 0);
	/* Zeros in the content are content: the scan stops at the type. */
	memcpy(inner, "a\0\0", 3);
	inner[3] = SG_CT_APP;
	memset(inner + 4, 0, 37);
	CHECK(padded_record(inner, 41, got, sizeof got, &glen) == 0 && glen == 3 && memcmp(got, "a\0\0", 3) == 0);
	/* The type at position 0 with the most padding 5.4 allows (the
	 * whole TLSInnerPlaintext 2^14 + 1 bytes): empty application data. */
	memset(inner, 0, SG_MAX_PLAINTEXT + 1);
	inner[0] = SG_CT_APP;
	CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 1, got, sizeof got, &glen) == 0 && glen == 0);
	/* ... and of a handshake record: empty, refused. */
	inner[0] = SG_CT_HANDSHAKE;
	CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 1, got, sizeof got, &glen) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	/* The largest content, no padding; one byte more overflows (5.2). */
	for (size_t i = 0; i < SG_MAX_PLAINTEXT + 1; i++)
		inner[i] = (uint8_t)(i * 7 + 1);
	inner[SG_MAX_PLAINTEXT] = SG_CT_APP;
	CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 1, got, sizeof got, &glen) == 0 && glen == SG_MAX_PLAINTEXT &&
	      got[SG_MAX_PLAINTEXT - 1] == (uint8_t)((SG_MAX_PLAINTEXT - 1) * 7 + 1));
	inner[SG_MAX_PLAINTEXT] = 0x55;
	inner[SG_MAX_PLAINTEXT + 1] = SG_CT_APP;
	CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 2, got, sizeof got, &glen) == SIGIL_ALERT_RECORD_OVERFLOW);
	/* 5.4: "The presence of padding does not change the overall record
	 * size limitations: the full encoded TLSInnerPlaintext MUST NOT
	 * exceed 2^14 + 1 octets" (5.2: record_overflow).  Short contents
	 * padded one byte past it, and to the largest ciphertext (2^14 +
	 * 256 with the tag), of application data and of a handshake. */
	static const uint8_t kinds[2] = { SG_CT_APP, SG_CT_HANDSHAKE };
	for (size_t k = 0; k < 2; k++) {
		memset(inner, 0, sizeof inner);
		memcpy(inner, "\x18\0\0\1\0", 5);         /* a KeyUpdate, or 5 bytes of data */
		inner[5] = kinds[k];
		CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 2, got, sizeof got, &glen) == SIGIL_ALERT_RECORD_OVERFLOW);
		CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 256 - SG_AEAD_TAG, got, sizeof got, &glen) ==
		      SIGIL_ALERT_RECORD_OVERFLOW);
		/* ... and exactly at the limit it is read. */
		CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 1, got, sizeof got, &glen) == 0);
		CHECK(k == 1 || (glen == 5 && memcmp(got, "\x18\0\0\1\0", 5) == 0));
	}
	/* No content type at all: one zero byte, and 2^14 + 1 of them. */
	memset(inner, 0, sizeof inner);
	CHECK(padded_record(inner, 1, got, sizeof got, &glen) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	CHECK(padded_record(inner, SG_MAX_PLAINTEXT + 1, got, sizeof got, &glen) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
}


/* ---- RFC 8446 rules a protocol fuzzer probes (issue 15) ----
 * Each test reads as the RFC sentence it checks, speaking as the peer
 * through the machinery of the fuzz targets (fuzz/fuzz_common.h). */

static sigil_config *fz_cc, *fz_sc;

/* Decrypt the peer's next flight record in h (protected under `secret`,
 * at the target's read sequence number) into out: the TLSInnerPlaintext
 * content, without its type.  Its length, 0 on failure. */
static size_t peek_record(fuzz_hs *h, const uint8_t *secret, uint8_t *out, size_t cap)
{
	if (h->next >= h->nrec)
		return 0;
	const uint8_t *rec = h->rec[h->next];
	size_t len = sg_load16(rec + 3), n;
	sg_traffic *t = &h->writer->rd;
	uint8_t iv[SG_AEAD_NONCE], type;
	if (len < 1 + SG_AEAD_TAG || len - SG_AEAD_TAG > cap ||
	    sg_traffic_install(h->writer, t, secret, false) < 0)
		return 0;
	memcpy(iv, t->iv, sizeof iv);
	for (int i = 0; i < 8; i++)
		iv[SG_AEAD_NONCE - 1 - i] ^= (uint8_t)(h->target->rd.seq >> (8 * i));
	if (sg_aead_open(t->aead, iv, rec, SG_RECORD_HEADER, rec + SG_RECORD_HEADER, len, out) < 0)
		return 0;
	n = sg_record_unpad(out, len - SG_AEAD_TAG, &type);
	return type == SG_CT_HANDSHAKE ? n : 0;
}

static const uint8_t key_update_msg[5] = { SG_HT_KEY_UPDATE, 0, 0, 1, 0 };

/* 5.1: "Handshake messages MUST NOT span key changes.  Implementations
 * MUST verify that all messages immediately preceding a key change align
 * with a record boundary; if not, then they MUST terminate the connection
 * with an "unexpected_message" alert."  KeyUpdate and both Finished
 * messages precede a key change of the receiver's read keys. */
static void test_key_change_ends_record(void)
{
	fuzz_hs h;
	/* Two KeyUpdates in one record: the second was sent under the old
	 * keys, so it must not be applied. */
	CHECK(fuzz_hs_setup(&h, FZ_S_POST, fz_cc, fz_sc) == 0);
	uint8_t two[10];
	memcpy(two, key_update_msg, 5);
	memcpy(two + 5, key_update_msg, 5);
	uint8_t before[SG_MAX_HASH];
	memcpy(before, h.s->rd.secret, sizeof before);
	CHECK(sg_record_write(h.c, SG_CT_HANDSHAKE, two, sizeof two) == 0);
	fuzz_move(h.c, h.s);
	CHECK_MSG(sigil_conn_error_alert(h.s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(h.s));
	CHECK_MSG(strstr(sigil_conn_error(h.s), "key change") != NULL, "%s", sigil_conn_error(h.s));
	fuzz_hs_free(&h);
	/* One KeyUpdate alone is fine, and so are two in two records. */
	CHECK(fuzz_hs_setup(&h, FZ_S_POST, fz_cc, fz_sc) == 0);
	for (int i = 0; i < 2; i++) {
		CHECK(sg_record_write(h.c, SG_CT_HANDSHAKE, key_update_msg, 5) == 0);
		CHECK(sg_ks_update(h.c->suite->hash, h.c->wr.secret) == 0 &&
		      sg_traffic_install(h.c, &h.c->wr, h.c->wr.secret, true) == 0);
		fuzz_move(h.c, h.s);
	}
	CHECK_MSG(!(sigil_conn_state(h.s) & SIGIL_ST_FAILED), "%s", sigil_conn_error(h.s));
	CHECK(memcmp(before, h.s->rd.secret, sizeof before) != 0);
	CHECK(memcmp(h.c->wr.secret, h.s->rd.secret, h.s->suite->hash->out_len) == 0);
	fuzz_hs_free(&h);

	/* A KeyUpdate and then a NewSessionTicket, to a client. */
	CHECK(fuzz_hs_setup(&h, FZ_C_POST, fz_cc, fz_sc) == 0);
	static const uint8_t nst[] = { SG_HT_NEW_SESSION_TICKET, 0, 0, 0x10, 0, 0, 0x1c, 0x20, 1, 2, 3, 4,
				       0, 0, 3, 't', 'k', 't', 0, 0 };
	uint8_t ku_nst[5 + sizeof nst];
	memcpy(ku_nst, key_update_msg, 5);
	memcpy(ku_nst + 5, nst, sizeof nst);
	CHECK(sg_record_write(h.s, SG_CT_HANDSHAKE, ku_nst, sizeof ku_nst) == 0);
	fuzz_move(h.s, h.c);
	CHECK_MSG(sigil_conn_error_alert(h.c) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(h.c));
	fuzz_hs_free(&h);

	/* The client's Finished and, in the same record, a KeyUpdate: the
	 * server reads with the client application key after the Finished. */
	uint8_t fin[256], msg[300];
	CHECK(fuzz_hs_setup(&h, FZ_S_FIN, fz_cc, fz_sc) == 0);
	size_t n = peek_record(&h, h.s->hs->c_hs, fin, sizeof fin);
	CHECK(n == 4 + 32 && fin[0] == SG_HT_FINISHED);
	memcpy(msg, fin, n);
	memcpy(msg + n, key_update_msg, 5);
	CHECK(sg_record_write(h.writer, SG_CT_HANDSHAKE, msg, n + 5) == 0);
	fuzz_move(h.writer, h.target);
	CHECK_MSG(sigil_conn_error_alert(h.s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(h.s));
	CHECK_MSG(strstr(sigil_conn_error(h.s), "key change") != NULL, "%s", sigil_conn_error(h.s));
	fuzz_hs_free(&h);
	/* The same Finished alone completes the handshake (the control). */
	CHECK(fuzz_hs_setup(&h, FZ_S_FIN, fz_cc, fz_sc) == 0);
	n = peek_record(&h, h.s->hs->c_hs, fin, sizeof fin);
	CHECK(n == 36 && sg_record_write(h.writer, SG_CT_HANDSHAKE, fin, n) == 0);
	fuzz_move(h.writer, h.target);
	CHECK_MSG(sigil_conn_state(h.s) & SIGIL_ST_CONNECTED, "%s", sigil_conn_error(h.s));
	fuzz_hs_free(&h);

	/* The server's Finished and a KeyUpdate in one record, to a client. */
	CHECK(fuzz_hs_setup(&h, FZ_C_FIN, fz_cc, fz_sc) == 0);
	n = peek_record(&h, h.c->hs->s_hs, fin, sizeof fin);
	CHECK(n == 36 && fin[0] == SG_HT_FINISHED);
	memcpy(msg, fin, n);
	memcpy(msg + n, key_update_msg, 5);
	CHECK(sg_record_write(h.writer, SG_CT_HANDSHAKE, msg, n + 5) == 0);
	fuzz_move(h.writer, h.target);
	CHECK_MSG(sigil_conn_error_alert(h.c) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(h.c));
	fuzz_hs_free(&h);

	/* The ClientHello and more handshake bytes in its record: the
	 * server reads with its handshake key after the hello. */
	uint8_t ch[600];
	size_t k = build_ch(ch, sizeof ch - 5, 0);
	CHECK(k > 0);
	memcpy(ch + k, key_update_msg, 5);
	sg_store16(ch + 3, (uint16_t)(k - 5 + 5));
	sigil_config *ec = config("ec256", NULL, NULL);
	sigil_conn *s = sigil_conn_new(ec, SIGIL_SERVER);
	size_t used;
	CHECK(sigil_conn_recv_net(s, ch, k + 5, &used) < 0);
	/* (Encrypted: the server has its handshake keys by then.) */
	CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(s));
	CHECK_MSG(strstr(sigil_conn_error(s), "key change") != NULL, "%s", sigil_conn_error(s));
	sigil_conn_free(s);
	sigil_config_free(ec);
}


/* The client's queued ClientHello (one plaintext record), taken from it
 * with an early_data extension added first in its extensions, as a
 * client attempting 0-RTT sends it; the client's transcript gets the
 * same bytes, so the handshake can still complete.  Its length. */
static size_t take_hello_with_early_data(sigil_conn *c, uint8_t *out, size_t cap)
{
	size_t n;
	const uint8_t *p = sigil_conn_send_buf(c, &n);
	if (!p || n < 5 + 4 + 2 + 32 + 1 || n + 4 > cap || n != 5 + (size_t)sg_load16(p + 3) || !c->hs ||
	    c->hs->transcript || c->hs->pending.len != n - 5)
		return 0;
	size_t at = 5 + 4 + 2 + 32;
	at += 1 + p[at];                        /* legacy_session_id */
	at += 2 + sg_load16(p + at);            /* cipher_suites */
	at += 1 + p[at];                        /* compression */
	memcpy(out, p, at + 2);
	static const uint8_t early[4] = { 0, SG_EXT_EARLY_DATA, 0, 0 };
	memcpy(out + at + 2, early, 4);
	memcpy(out + at + 6, p + at + 2, n - at - 2);
	sigil_conn_send_ack(c, n);
	n += 4;
	sg_store16(out + 3, (uint16_t)(n - 5));
	out[6] = (uint8_t)((n - 9) >> 16);
	out[7] = (uint8_t)((n - 9) >> 8);
	out[8] = (uint8_t)(n - 9);
	sg_store16(out + at, (uint16_t)(sg_load16(out + at) + 4));
	sg_wr_reset(&c->hs->pending);
	return sg_wr_bytes(&c->hs->pending, out + 5, n - 5) ? n : 0;
}

/* 0-RTT records as the server sees them when it has no key for them:
 * application_data records of `each` bytes of noise. */
static int send_early(sigil_conn *s, size_t count, size_t each)
{
	static uint8_t rec[5 + SG_MAX_CIPHERTEXT];
	int r = 0;
	for (size_t i = 0; i < count && r == 0; i++) {
		size_t used;
		rec[0] = SG_CT_APP;
		rec[1] = 3;
		rec[2] = 3;
		sg_store16(rec + 3, (uint16_t)each);
		for (size_t j = 0; j < each; j++)
			rec[5 + j] = (uint8_t)(j * 31 + i);
		r = sigil_conn_recv_net(s, rec, 5 + each, &used);
	}
	return r;
}

/* 4.2.10: a server that refuses early data either returns a 1-RTT
 * response and "skips past early data by attempting to deprotect
 * received records using the handshake traffic key, discarding records
 * which fail deprotection (up to the configured max_early_data_size)",
 * or sends a HelloRetryRequest, "A client MUST NOT include the
 * "early_data" extension in its followup ClientHello.  The server then
 * ignores early data by skipping all records with an external content
 * type of "application_data" (indicating that they are encrypted), up to
 * the configured max_early_data_size."  4.6.1: "A server receiving more
 * than max_early_data_size bytes of 0-RTT data SHOULD terminate the
 * connection with an "unexpected_message" alert." */
static void test_early_data_skipped(void)
{
	sigil_config *sc_hrr = fuzz_server_config("secp384r1");
	static uint8_t ch[4096];
	for (int retry = 0; retry < 2; retry++)
		for (int much = 0; much < 2; much++) {
			sigil_conn *c = fuzz_client(fz_cc), *s = sigil_conn_new(retry ? sc_hrr : fz_sc, SIGIL_SERVER);
			size_t n = take_hello_with_early_data(c, ch, sizeof ch), used;
			CHECK(n > 0 && sigil_conn_recv_net(s, ch, n, &used) == 0 && used == n);
			CHECK(sigil_conn_hrr(s) == retry);
			/* The client's CCS (compatibility mode) and its 0-RTT
			 * records, in flight before the server's answer. */
			static const uint8_t ccs[6] = { SG_CT_CCS, 3, 3, 0, 1, 1 };
			CHECK(sigil_conn_recv_net(s, ccs, sizeof ccs, &used) == 0);
			/* 16 KiB in 3 records, or more than the 64 KiB bound. */
			int r = much ? send_early(s, 5, SG_MAX_CIPHERTEXT) : send_early(s, 3, 5500);
			if (much) {
				CHECK(r < 0);
				CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s",
					  sigil_conn_error(s));
				CHECK_MSG(strstr(sigil_conn_error(s), "early data") != NULL, "%s", sigil_conn_error(s));
			} else {
				CHECK_MSG(r == 0, "retry %d: %s", retry, sigil_conn_error(s));
				for (int i = 0; i < 6; i++)
					(void)(fuzz_move(s, c) + fuzz_move(c, s));
				CHECK_MSG(sigil_conn_state(c) & sigil_conn_state(s) & SIGIL_ST_CONNECTED,
					  "retry %d: %s / %s", retry, sigil_conn_error(c), sigil_conn_error(s));
				CHECK(sigil_conn_hrr(c) == retry);
				CHECK(transfer(c, s, 100) == 0);
			}
			sigil_conn_free(c);
			sigil_conn_free(s);
		}
	/* Without early_data in the first hello an application_data record
	 * after the retry request is just out of place. */
	sigil_conn *c = fuzz_client(fz_cc), *s = sigil_conn_new(sc_hrr, SIGIL_SERVER);
	fuzz_move(c, s);
	CHECK(sigil_conn_hrr(s));
	CHECK(send_early(s, 1, 100) < 0);
	CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(s));
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(sc_hrr);
}


/* 5.1: "a record with an Alert type MUST contain exactly one message";
 * 5.4: "Implementations MUST NOT send Handshake and Alert records that
 * have a zero-length TLSInnerPlaintext.content; if such a message is
 * received, the receiving implementation MUST terminate the connection
 * with an "unexpected_message" alert."  Before encryption and after. */
static void test_empty_alert(void)
{
	char why[800];
	static const uint8_t clear[5] = { SG_CT_ALERT, 3, 3, 0, 0 }, half[6] = { SG_CT_ALERT, 3, 3, 0, 1, 2 };
	CHECK(server_alert(clear, sizeof clear, why, sizeof why) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	CHECK_MSG(strstr(why, "empty alert") != NULL, "%s", why);
	/* Half an alert is malformed (decode_error), as before. */
	CHECK(server_alert(half, sizeof half, why, sizeof why) == SIGIL_ALERT_DECODE_ERROR);
	static uint8_t inner[64], got[8];
	size_t glen;
	inner[0] = SG_CT_ALERT;
	CHECK(padded_record(inner, 1, got, sizeof got, &glen) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	CHECK(padded_record(inner, 40, got, sizeof got, &glen) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	/* During the handshake, protected: the server's encrypted flight. */
	fuzz_hs h;
	CHECK(fuzz_hs_setup(&h, FZ_C_EE, fz_cc, fz_sc) == 0);
	CHECK(sg_record_write(h.writer, SG_CT_ALERT, inner, 0) == 0);
	fuzz_move(h.writer, h.target);
	CHECK_MSG(sigil_conn_error_alert(h.c) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(h.c));
	fuzz_hs_free(&h);
}

/* A Finished "padded": verify_data (Hash.length bytes, 4.4.4) followed
 * by more bytes.  sigil answers decode_error whatever the padding, from
 * one byte to past the record size (the message then spans records) and
 * to the u24 maximum, refused from the message header when it is longer
 * than any verify_data.  (Padding the record instead, past the 2^14 + 1
 * of a TLSInnerPlaintext, is record_overflow: test_padding.) */
static void test_padded_finished(void)
{
	static const size_t pads[] = { 1, 16, SG_MAX_PLAINTEXT - 4 - 32, SG_MAX_PLAINTEXT, 40000,
				       SIGIL_MAX_HANDSHAKE_MSG, (1u << 24) - 1 - 32 };
	static uint8_t body[1u << 16];
	for (int server = 0; server < 2; server++)
		for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++) {
			fuzz_hs h;
			CHECK(fuzz_hs_setup(&h, server ? FZ_S_FIN : FZ_C_FIN, fz_cc, fz_sc) == 0);
			uint8_t fin[64];
			size_t n = peek_record(&h, server ? h.s->hs->c_hs : h.c->hs->s_hs, fin, sizeof fin);
			CHECK(n == 36);
			size_t blen = 32 + pads[i];
			/* The header, the real verify_data, zeros: as records of
			 * 2^14 bytes, stopping when the target has failed. */
			memset(body, 0, sizeof body);
			body[0] = SG_HT_FINISHED;
			body[1] = (uint8_t)(blen >> 16);
			body[2] = (uint8_t)(blen >> 8);
			body[3] = (uint8_t)blen;
			memcpy(body + 4, fin + 4, 32);
			size_t left = 4 + blen, sent = 0;
			while (left && !(sigil_conn_state(h.target) & SIGIL_ST_FAILED)) {
				size_t k = left < SG_MAX_PLAINTEXT ? left : SG_MAX_PLAINTEXT;
				CHECK(sg_record_write(h.writer, SG_CT_HANDSHAKE, sent ? body + 4 + 32 : body, k) == 0);
				fuzz_move(h.writer, h.target);
				left -= k;
				sent++;
			}
			CHECK_MSG(sigil_conn_error_alert(h.target) == SIGIL_ALERT_DECODE_ERROR, "pad %zu: %s", pads[i],
				  sigil_conn_error(h.target));
			/* Refused at the first record, however many the message
			 * announced. */
			CHECK_MSG(sent == 1, "pad %zu: %zu records", pads[i], sent);
			fuzz_hs_free(&h);
		}
}


/* Key shares (4.2.8).  A client may send several ("clients MAY send an
 * empty client_shares vector ... or a list of KeyShareEntry values"),
 * and the server picks by its own preference among the groups with a
 * share, retrying (4.1.4) only when none is usable; the ServerHello's
 * share may answer any of the client's.  The hook makes the client send
 * shares for its first two groups. */
static void hrr_asks_p256(uint8_t *p, size_t n)
{
	static const uint8_t ks[6] = { 0, SG_EXT_KEY_SHARE, 0, 2, 0, SIGIL_GROUP_SECP384R1 };
	for (size_t i = 0; i + 6 <= n; i++)
		if (memcmp(p + i, ks, 6) == 0) {
			p[i + 5] = SIGIL_GROUP_SECP256R1;
			return;
		}
}

static void test_key_shares(void)
{
	static sg_test_hooks two = { .client_shares = 2 };
	static const struct { const char *server_groups; uint16_t group; int hrr; } cases[] = {
		{ "secp256r1:x25519", SIGIL_GROUP_SECP256R1, 0 },       /* the client's second share */
		{ "x25519:secp256r1", SIGIL_GROUP_X25519, 0 },
		{ "secp384r1:secp256r1", SIGIL_GROUP_SECP256R1, 0 },    /* a share beats a retry */
		{ "secp384r1", SIGIL_GROUP_SECP384R1, 1 },              /* none usable: a retry */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sigil_config *sc = config("ec256", NULL, cases[i].server_groups);
		sigil_config *cc = config(NULL, NULL, "x25519:secp256r1:secp384r1");
		CHECK(sg_config_set_test_hooks(cc, &two) == 0);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		size_t n;
		CHECK(sigil_conn_send_buf(c, &n) && c->hs->nown_shares == 2);
		CHECK_MSG(pump(c, s, 0) == 0, "case %zu: %s / %s", i, sigil_conn_error(c), sigil_conn_error(s));
		CHECK_MSG(sigil_conn_group(c) == cases[i].group && sigil_conn_group(s) == cases[i].group,
			  "case %zu: group %04x", i, sigil_conn_group(c));
		CHECK(sigil_conn_hrr(c) == cases[i].hrr && sigil_conn_hrr(s) == cases[i].hrr);
		CHECK(transfer(c, s, 1000) == 0);
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	/* 4.2.8: the client "MUST verify that ... (2) the selected_group
	 * field does not correspond to a group which was provided in the
	 * "key_share" extension in the original ClientHello", any of its
	 * shares, else illegal_parameter.  The server's retry is edited to
	 * ask for P-256, the client's second share. */
	char why[800];
	two.client_shares = 2;
	sigil_config *sc = config("ec256", NULL, "secp384r1"), *cc = config(NULL, NULL, "x25519:secp256r1:secp384r1");
	CHECK(sg_config_set_test_hooks(cc, &two) == 0);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	move(c, s, 0);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(s, &n);
	uint8_t *copy = malloc(n);
	memcpy(copy, p, n);
	sigil_conn_send_ack(s, n);
	hrr_asks_p256(copy, n);
	CHECK(sigil_conn_recv_net(c, copy, n, &used) < 0);
	snprintf(why, sizeof why, "%s", sigil_conn_error(c));
	CHECK_MSG(sigil_conn_error_alert(c) == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "already sent a share"),
		  "%s", why);
	free(copy);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* A NewSessionTicket's extensions go through the same rules as any
 * block (4.2): unknown ones are ignored, a known one that does not
 * belong there is illegal_parameter, and so is a repeated one. */
static void test_ticket_extensions(void)
{
	static const struct { uint8_t ext[16]; size_t n; int alert; const char *words; } cases[] = {
		{ { 0, SG_EXT_EARLY_DATA, 0, 4, 0, 0, 0x40, 0 }, 8, -1, NULL },
		{ { 0x7a, 0x7a, 0, 1, 9 }, 5, -1, NULL },                       /* unknown (GREASE) */
		{ { 0, SG_EXT_EARLY_DATA, 0, 4, 0, 0, 0x40, 0, 0, SG_EXT_EARLY_DATA, 0, 4, 0, 0, 0x40, 0 }, 16,
		  SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate extension 42" },
		{ { 0, SG_EXT_KEY_SHARE, 0, 0 }, 4, SIGIL_ALERT_ILLEGAL_PARAMETER, "not allowed in NewSessionTicket" },
		{ { 0, SG_EXT_EARLY_DATA, 0, 2, 0, 0 }, 6, SIGIL_ALERT_DECODE_ERROR, "early_data" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fuzz_hs h;
		CHECK(fuzz_hs_setup(&h, FZ_C_POST, fz_cc, fz_sc) == 0);
		uint8_t m[64];
		size_t k = 0;
		static const uint8_t head[] = { 0, 0, 0x1c, 0x20, 1, 2, 3, 4, 2, 0xaa, 0xbb, 0, 3, 't', 'k', 't' };
		m[k++] = SG_HT_NEW_SESSION_TICKET;
		k += 3;
		memcpy(m + k, head, sizeof head);
		k += sizeof head;
		sg_store16(m + k, (uint16_t)cases[i].n);
		memcpy(m + k + 2, cases[i].ext, cases[i].n);
		k += 2 + cases[i].n;
		m[1] = 0;
		m[2] = 0;
		m[3] = (uint8_t)(k - 4);
		CHECK(sg_record_write(h.s, SG_CT_HANDSHAKE, m, k) == 0);
		fuzz_move(h.s, h.c);
		if (cases[i].alert < 0) {
			uint8_t blob[512];
			size_t bl;
			CHECK_MSG(!(sigil_conn_state(h.c) & SIGIL_ST_FAILED), "case %zu: %s", i, sigil_conn_error(h.c));
			CHECK(sigil_conn_get_session(h.c, blob, sizeof blob, &bl) == 0 && memcmp(blob + bl - 9 - 1 - 3, "tkt", 3) == 0);
		} else {
			CHECK_MSG(sigil_conn_error_alert(h.c) == cases[i].alert && strstr(sigil_conn_error(h.c), cases[i].words),
				  "case %zu: %s", i, sigil_conn_error(h.c));
		}
		fuzz_hs_free(&h);
	}
}

/* ---- X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), issue 17 ---- */

#define HYB SIGIL_GROUP_X25519MLKEM768
#define X25 SIGIL_GROUP_X25519
#define P256 SIGIL_GROUP_SECP256R1
#define P384 SIGIL_GROUP_SECP384R1

/* The extensions block of the hello in the plaintext record at p[n] (a
 * ClientHello, a ServerHello or a HelloRetryRequest). */
static bool hello_exts(const uint8_t *p, size_t n, sg_rd *exts)
{
	sg_rd r, body, x;
	uint8_t type;
	uint32_t len;
	sg_rd_init(&r, p, n);
	if (!sg_rd_skip(&r, 5) || !sg_rd_u8(&r, &type) || !sg_rd_u24(&r, &len) || !sg_rd_sub(&r, &body, len) ||
	    !sg_rd_skip(&body, 2 + 32) || !sg_rd_vec8(&body, &x))
		return false;
	if (type == SG_HT_CLIENT_HELLO ? !sg_rd_vec16(&body, &x) || !sg_rd_vec8(&body, &x) : !sg_rd_skip(&body, 3))
		return false;
	return sg_rd_vec16(&body, exts) && sg_rd_done(&body);
}

/* The data of extension `type` of that hello. */
static bool hello_ext(const uint8_t *p, size_t n, uint16_t type, sg_rd *data)
{
	sg_rd exts;
	return hello_exts(p, n, &exts) && sg_ext_peek(exts, type, data);
}

/* A client's key_share: its groups and shares, *k of them. */
static bool client_shares(const uint8_t *p, size_t n, uint16_t *groups, sg_rd *vals, size_t cap, size_t *k)
{
	sg_rd d, list;
	if (!hello_ext(p, n, SG_EXT_KEY_SHARE, &d) || !sg_rd_vec16(&d, &list) || !sg_rd_done(&d))
		return false;
	for (*k = 0; !sg_rd_done(&list); (*k)++)
		if (*k == cap || !sg_rd_u16(&list, &groups[*k]) || !sg_rd_vec16(&list, &vals[*k]))
			return false;
	return true;
}

/* Every pairing of the group lists that matter: the server takes the
 * first of its groups for which the client sent a share, and retries
 * only when no share is usable; a default client sends the hybrid's
 * share and an x25519 share made from the same X25519 key, and lists
 * every group. */
static void test_hybrid_pairings(void)
{
	static const struct { const char *cg, *sg; uint16_t group; int hrr; size_t nshares; uint16_t shares[2]; } cases[] = {
		{ NULL, NULL, HYB, 0, 2, { HYB, X25 } },                               /* both default */
		{ NULL, "X25519MLKEM768", HYB, 0, 2, { HYB, X25 } },
		{ NULL, "x25519:secp256r1", X25, 0, 2, { HYB, X25 } },                 /* no hybrid: no retry */
		{ NULL, "x25519", X25, 0, 2, { HYB, X25 } },
		{ NULL, "secp256r1", P256, 1, 2, { HYB, X25 } },                       /* nothing usable: a retry */
		{ "x25519", NULL, X25, 0, 1, { X25 } },                                /* classical client: no retry */
		{ "x25519:secp256r1:secp384r1", NULL, X25, 0, 1, { X25 } },
		{ "secp256r1", NULL, P256, 0, 1, { P256 } },                           /* a share beats a retry */
		{ "secp384r1:secp256r1", "X25519MLKEM768:secp256r1", P256, 1, 1, { P384 } },
		{ "secp256r1:X25519MLKEM768", "X25519MLKEM768:x25519", HYB, 1, 1, { P256 } }, /* retry for the hybrid */
		{ "X25519MLKEM768", NULL, HYB, 0, 1, { HYB } },                        /* hybrid only */
		{ "x25519mlkem768:secp256r1", "secp256r1:x25519", P256, 1, 1, { HYB } }, /* no x25519: one share */
		{ "x25519:X25519MLKEM768", NULL, X25, 0, 1, { X25 } },                 /* the client's order */
		{ "secp256r1:x25519:X25519MLKEM768", NULL, P256, 0, 1, { P256 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sigil_config *sc = config("ec256", NULL, cases[i].sg), *cc = config(NULL, NULL, cases[i].cg);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		size_t n, k = 0;
		const uint8_t *ch = sigil_conn_send_buf(c, &n);
		uint16_t groups[4];
		sg_rd vals[4], sgl;
		CHECK_MSG(ch && client_shares(ch, n, groups, vals, 4, &k) && k == cases[i].nshares,
			  "case %zu: %zu shares", i, k);
		for (size_t j = 0; j < k && j < 2; j++) {
			const sg_group *g = sg_group_find(groups[j]);
			CHECK_MSG(groups[j] == cases[i].shares[j] && g && vals[j].n == g->kex->pub_len,
				  "case %zu: share %zu for %04x, %zu bytes", i, j, groups[j], vals[j].n);
		}
		/* One X25519 key: the x25519 share is the hybrid share's end. */
		if (k == 2 && groups[0] == HYB && groups[1] == X25)
			CHECK_MSG(vals[0].n == 1216 && vals[1].n == 32 && memcmp(vals[0].p + 1184, vals[1].p, 32) == 0,
				  "case %zu: the x25519 share is not the hybrid's X25519 part", i);
		/* supported_groups: the whole order. */
		if (!cases[i].cg)
			CHECK_MSG(ch && hello_ext(ch, n, SG_EXT_SUPPORTED_GROUPS, &sgl) && sgl.n == 2 + 8 &&
				  sgl.p[1] == 8 && memcmp(sgl.p + 2, "\x11\xec\x00\x1d\x00\x17\x00\x18", 8) == 0,
				  "case %zu: supported_groups", i);
		CHECK_MSG(pump(c, s, 0) == 0, "case %zu: %s / %s", i, sigil_conn_error(c), sigil_conn_error(s));
		CHECK_MSG(sigil_conn_group(c) == cases[i].group && sigil_conn_group(s) == cases[i].group,
			  "case %zu: group %04x / %04x, want %04x", i, sigil_conn_group(c), sigil_conn_group(s),
			  cases[i].group);
		CHECK_MSG(sigil_conn_hrr(c) == cases[i].hrr && sigil_conn_hrr(s) == cases[i].hrr, "case %zu: hrr %d",
			  i, sigil_conn_hrr(c));
		CHECK(!c->hs && !s->hs);
		CHECK(transfer(c, s, 2000) == 0 && transfer(s, c, 2000) == 0);
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	/* No group in common: handshake_failure, whoever lacks the hybrid. */
	static const struct { const char *cg, *sg; } none[] = {
		{ "X25519MLKEM768", "x25519:secp256r1:secp384r1" },
		{ "secp256r1", "X25519MLKEM768:x25519" },
	};
	for (size_t i = 0; i < 2; i++) {
		sigil_config *sc = config("ec256", NULL, none[i].sg), *cc = config(NULL, NULL, none[i].cg);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		CHECK(pump(c, s, 0) < 0);
		CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_HANDSHAKE_FAILURE &&
			  strstr(sigil_conn_error(s), "no key exchange group in common"), "none %zu: %s", i,
			  sigil_conn_error(s));
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
}

/* The hybrid on the wire and in memory: a 1,120-byte server share, one
 * byte at a time too; the server's key and answer are gone once its
 * ServerHello is written, the client's ML-KEM key (2,400-byte dk) and
 * both shares once it has read the ServerHello. */
static void test_hybrid_handshake(void)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	move(c, s, 0);
	CHECK(s->hs && s->hs->nown_shares == 0 && !s->hs->server_share && s->hs->server_share_len == 0);
	CHECK(sigil_conn_group(s) == HYB);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(s, &n);
	sg_rd ks;
	uint16_t g = 0, kl = 0;
	CHECK(p && hello_ext(p, n, SG_EXT_KEY_SHARE, &ks) && sg_rd_u16(&ks, &g) && sg_rd_u16(&ks, &kl) &&
	      g == HYB && kl == 1120 && ks.n == 1120);
	CHECK(c->hs && c->hs->nown_shares == 2);
	size_t first = p ? 5 + sg_load16(p + 3) : 0;
	CHECK(p && sigil_conn_recv_net(c, p, first, &used) == 0 && used == first);
	CHECK_MSG(c->hs && c->hs->nown_shares == 0 && sigil_conn_group(c) == HYB, "%s", sigil_conn_error(c));
	sigil_conn_send_ack(s, first);
	CHECK(pump(c, s, 0) == 0);
	CHECK(transfer(c, s, 1000) == 0);
	sigil_conn_free(c);
	sigil_conn_free(s);
	/* Byte by byte, both ways. */
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK_MSG(pump(c, s, 1) == 0 && sigil_conn_group(c) == HYB && sigil_conn_group(s) == HYB, "%s / %s",
		  sigil_conn_error(c), sigil_conn_error(s));
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* Remove extension `type` from the hello in the first (plaintext) record
 * of p[*n], fixing the three lengths around it; the records after it
 * move up. */
static bool drop_ext(uint8_t *p, size_t *n, uint16_t type)
{
	sg_rd exts, l;
	if (!hello_exts(p, *n, &exts))
		return false;
	size_t eoff = (size_t)(exts.p - p);
	for (l = exts; !sg_rd_done(&l);) {
		size_t off = (size_t)(l.p - p);
		uint16_t t;
		sg_rd d;
		if (!sg_rd_u16(&l, &t) || !sg_rd_vec16(&l, &d))
			return false;
		if (t != type)
			continue;
		size_t len = 4 + d.n;
		uint32_t ml = (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
		memmove(p + off, p + off + len, *n - off - len);
		*n -= len;
		sg_store16(p + eoff - 2, (uint16_t)(sg_load16(p + eoff - 2) - len));
		ml -= (uint32_t)len;
		p[6] = (uint8_t)(ml >> 16);
		p[7] = (uint8_t)(ml >> 8);
		p[8] = (uint8_t)ml;
		sg_store16(p + 3, (uint16_t)(sg_load16(p + 3) - len));
		return true;
	}
	return false;
}

/* 4.1.2: after a HelloRetryRequest without key_share (a cookie only),
 * the second ClientHello keeps its key_share as it was ("the client MUST
 * send the same ClientHello without modification, except as follows",
 * and replacing the shares is only for a retry that names a group): the
 * same two shares, byte for byte, and the cookie returned. */
static void test_cookie_only_retry(void)
{
	sigil_config *sc = config("ec256", NULL, "secp256r1"), *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t n, n1, used;
	const uint8_t *p = sigil_conn_send_buf(c, &n1);
	uint8_t *ch1 = malloc(n1);
	memcpy(ch1, p, n1);
	move(c, s, 0);
	p = sigil_conn_send_buf(s, &n);
	uint8_t *hrr = malloc(n);
	memcpy(hrr, p, n);
	sigil_conn_send_ack(s, n);
	sg_rd cookie, ks1, ks2, cookie2;
	CHECK(drop_ext(hrr, &n, SG_EXT_KEY_SHARE) && !hello_ext(hrr, n, SG_EXT_KEY_SHARE, &ks1) &&
	      hello_ext(hrr, n, SG_EXT_COOKIE, &cookie));
	CHECK_MSG(sigil_conn_recv_net(c, hrr, n, &used) == 0, "%s", sigil_conn_error(c));
	CHECK(sigil_conn_hrr(c) == 1);
	p = sigil_conn_send_buf(c, &n);
	/* Compatibility mode: a change_cipher_spec, then the second hello. */
	CHECK(p && n > 6 && p[0] == SG_CT_CCS);
	const uint8_t *ch2 = p ? p + 6 : NULL;
	size_t n2 = n > 6 ? n - 6 : 0;
	CHECK(ch2 && hello_ext(ch1, n1, SG_EXT_KEY_SHARE, &ks1) && hello_ext(ch2, n2, SG_EXT_KEY_SHARE, &ks2));
	CHECK_MSG(ks1.n == 2 + 4 + 1216 + 4 + 32 && ks2.n == ks1.n && memcmp(ks1.p, ks2.p, ks1.n) == 0,
		  "the second ClientHello changed its key shares (%zu bytes, first %zu)", ks2.n, ks1.n);
	CHECK(ch2 && hello_ext(ch2, n2, SG_EXT_COOKIE, &cookie2) && cookie2.n == cookie.n &&
	      memcmp(cookie2.p, cookie.p, cookie.n) == 0);
	free(ch1);
	free(hrr);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* A ClientHello offering one group, with one share for it. */
static size_t ch_with_share(uint8_t *out, size_t cap, uint16_t group, const uint8_t *share, size_t len)
{
	sg_wr w;
	sg_wr_init_fixed(&w, out, cap);
	sg_wr_u8(&w, 22);
	sg_wr_u16(&w, 0x0301);
	sg_wr_mark rec = sg_wr_open(&w, 2);
	sg_wr_u8(&w, SG_HT_CLIENT_HELLO);
	sg_wr_mark body = sg_wr_open(&w, 3);
	sg_wr_u16(&w, 0x0303);
	for (int i = 0; i < 32; i++)
		sg_wr_u8(&w, (uint8_t)i);
	sg_wr_u8(&w, 0);
	sg_wr_u16(&w, 2);
	sg_wr_u16(&w, 0x1301);
	sg_wr_u8(&w, 1);
	sg_wr_u8(&w, 0);
	sg_wr_mark exts = sg_wr_open(&w, 2);
	static const uint8_t fixed[] = { 0, SG_EXT_SUPPORTED_VERSIONS, 0, 3, 2, 3, 4,
					 0, SG_EXT_SIGNATURE_ALGORITHMS, 0, 4, 0, 2, 4, 3 };
	sg_wr_bytes(&w, fixed, sizeof fixed);
	sg_wr_u16(&w, SG_EXT_SUPPORTED_GROUPS);
	sg_wr_u16(&w, 4);
	sg_wr_u16(&w, 2);
	sg_wr_u16(&w, group);
	sg_wr_u16(&w, SG_EXT_KEY_SHARE);
	sg_wr_u16(&w, (uint16_t)(2 + 4 + len));
	sg_wr_u16(&w, (uint16_t)(4 + len));
	sg_wr_u16(&w, group);
	sg_wr_u16(&w, (uint16_t)len);
	sg_wr_bytes(&w, share, len);
	sg_wr_close(&w, exts);
	sg_wr_close(&w, body);
	sg_wr_close(&w, rec);
	return sg_wr_ok(&w) ? w.len : 0;
}

/* The first invalid encapsulation key of the CCTV modulus vectors
 * (tests/data/cctv-mlkem/modulus: one coefficient in [q, 4096)). */
static bool cctv_bad_ek(uint8_t ek[SG_MLKEM768_EK])
{
	char path[1024], cmd[1200], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof path, "%s/cctv-mlkem/modulus/ML-KEM-768.txt.gz", sg_test_data());
	if (strchr(path, '\''))
		return false;
	snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
	FILE *f = popen(cmd, "r");
	bool ok = f && getline(&line, &cap, f) > 0 && sg_test_unhex(line, ek, SG_MLKEM768_EK) == SG_MLKEM768_EK;
	free(line);
	if (f)
		pclose(f);
	return ok;
}

/* Client shares a server must refuse with illegal_parameter, each with
 * a sentence that says what is wrong; a good share of each kind passes. */
static void test_bad_client_shares(void)
{
	static uint8_t good[1216 + 1], share[1216 + 1], buf[2048];
	char why[800];
	sg_kex_key *k = sg_kex_generate(&sg_x25519mlkem768);
	CHECK(k && sg_kex_public(k, good) == 0);
	sg_kex_free(k);
	struct { uint16_t group; size_t len; int tamper; const char *words; } cases[] = {
		{ HYB, 1216, 0, NULL },
		{ HYB, 1215, 0, "X25519MLKEM768 key share is 1215 bytes long, not 1216" },
		{ HYB, 1217, 0, "is 1217 bytes long, not 1216" },
		{ HYB, 1184, 0, "is 1184 bytes long, not 1216" },
		{ HYB, 32, 0, "is 32 bytes long, not 1216" },
		{ HYB, 1216, 1, "fails the modulus check of FIPS 203 section 7.2" },     /* CCTV vector */
		{ HYB, 1216, 2, "X25519 value of low order" },                          /* all-zero X25519 part */
		{ X25, 32, 3, NULL },
		{ X25, 31, 3, "x25519 key share is 31 bytes long, not 32" },
		{ X25, 32, 2, "x25519 key share has an X25519 value of low order" },
		{ P256, 65, 4, "not an uncompressed point on the curve" },               /* off the curve */
		{ P256, 65, 5, "not an uncompressed point on the curve" },               /* compressed form tag */
	};
	uint8_t bad_ek[SG_MLKEM768_EK];
	bool have_cctv = cctv_bad_ek(bad_ek);
	CHECK_MSG(have_cctv, "cannot read the CCTV modulus vectors");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = cases[i].len;
		memcpy(share, good, 1216);
		switch (cases[i].tamper) {
		case 1:
			memcpy(share, bad_ek, SG_MLKEM768_EK);
			break;
		case 2:
			memset(share + len - 32, 0, 32);
			break;
		case 3:
			memcpy(share, good + 1184, 32);     /* a valid X25519 public value */
			break;
		case 4:
			share[0] = 4;
			memset(share + 1, 1, 64);
			break;
		case 5:
			share[0] = 2;
			break;
		}
		size_t n = ch_with_share(buf, sizeof buf, cases[i].group, share, len);
		int a = n ? server_alert(buf, n, why, sizeof why) : -3;
		if (!cases[i].words)
			CHECK_MSG(a == -1, "case %zu: a good share refused: %s", i, why);
		else
			CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, cases[i].words),
				  "case %zu: alert %d, \"%s\"", i, a, why);
	}
}

/* A ServerHello answering a default client's hello with share[len] for
 * group; the client's alert (-1: none) and its sentence. */
static int client_on_server_share(uint16_t group, const uint8_t *share, size_t len, char *why, size_t cap)
{
	sigil_config *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT);
	size_t n, used;
	(void)sigil_conn_send_buf(c, &n);
	sigil_conn_send_ack(c, n);
	static uint8_t buf[2048];
	sg_wr w;
	sg_wr_init_fixed(&w, buf, sizeof buf);
	sg_wr_u8(&w, 22);
	sg_wr_u16(&w, 0x0303);
	sg_wr_mark rec = sg_wr_open(&w, 2);
	sg_wr_u8(&w, SG_HT_SERVER_HELLO);
	sg_wr_mark body = sg_wr_open(&w, 3);
	sg_wr_u16(&w, 0x0303);
	for (int i = 0; i < 32; i++)
		sg_wr_u8(&w, (uint8_t)(0x40 + i));
	sg_wr_u8(&w, (uint8_t)c->hs->session_id_len);
	sg_wr_bytes(&w, c->hs->session_id, c->hs->session_id_len);
	sg_wr_u16(&w, 0x1301);
	sg_wr_u8(&w, 0);
	sg_wr_mark exts = sg_wr_open(&w, 2);
	sg_wr_u16(&w, SG_EXT_KEY_SHARE);
	sg_wr_u16(&w, (uint16_t)(4 + len));
	sg_wr_u16(&w, group);
	sg_wr_u16(&w, (uint16_t)len);
	sg_wr_bytes(&w, share, len);
	static const uint8_t sv[] = { 0, SG_EXT_SUPPORTED_VERSIONS, 0, 2, 3, 4 };
	sg_wr_bytes(&w, sv, sizeof sv);
	sg_wr_close(&w, exts);
	sg_wr_close(&w, body);
	sg_wr_close(&w, rec);
	CHECK(sg_wr_ok(&w));
	if (sigil_conn_recv_net(c, buf, w.len, &used) < 0) { /* checked below */ }
	int alert = (sigil_conn_state(c) & SIGIL_ST_FAILED) ? sigil_conn_error_alert(c) : -1;
	snprintf(why, cap, "%s", sigil_conn_error(c));
	sigil_conn_free(c);
	sigil_config_free(cc);
	return alert;
}

/* draft-ietf-tls-ecdhe-mlkem on the client: a server share (ciphertext
 * and X25519 value) of the wrong length is illegal_parameter; an
 * all-zero X25519 result too; a ciphertext of the right length that is
 * not the server's gives ML-KEM's implicit-rejection secret, so nothing
 * fails at the ServerHello (the handshake fails later, at the first
 * encrypted record). */
static void test_bad_server_shares(void)
{
	static uint8_t share[1216];
	char why[800];
	sg_kex_key *x = sg_kex_generate(&sg_x25519);
	for (size_t i = 0; i < sizeof share; i++)
		share[i] = (uint8_t)(i * 29 + 1);
	CHECK(x && sg_kex_public(x, share + 1088) == 0);
	sg_kex_free(x);
	static const size_t lens[] = { 1119, 1121, 1088, 1216, 32 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		int a = client_on_server_share(HYB, share, lens[i], why, sizeof why);
		char want[80];
		snprintf(want, sizeof want, "X25519MLKEM768 key share is %zu bytes long, not 1120", lens[i]);
		CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, want), "%zu bytes: alert %d, \"%s\"", lens[i],
			  a, why);
	}
	CHECK_MSG(client_on_server_share(HYB, share, 1120, why, sizeof why) == -1, "a well-formed share refused: %s", why);
	int a = client_on_server_share(X25, share + 1088, 31, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "x25519 key share is 31 bytes long, not 32"), "%s",
		  why);
	memset(share + 1088, 0, 32);
	a = client_on_server_share(HYB, share, 1120, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "low order"), "%d %s", a, why);
	/* The server's group must be one we sent a share for. */
	a = client_on_server_share(P256, share, 65, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "not the one we sent"), "%d %s", a, why);
}

/* A flipped ciphertext byte in a real server's answer: the client's
 * keys differ from the server's and its first encrypted record fails. */
static void sh_flip_ciphertext(uint8_t *p, size_t n)
{
	sg_rd ks;
	if (hello_ext(p, n, SG_EXT_KEY_SHARE, &ks) && ks.n == 4 + 1120)
		p[(size_t)(ks.p - p) + 4 + 500] ^= 0x10;
}

static void test_hybrid_names(void)
{
	CHECK(sigil_group_name(0x11ec) && strcmp(sigil_group_name(0x11ec), "X25519MLKEM768") == 0);
	sigil_config *cfg = sigil_config_new();
	CHECK(cfg->ngroups == 4 && cfg->groups[0] == HYB && cfg->groups[1] == X25 && cfg->groups[2] == P256 &&
	      cfg->groups[3] == P384);
	CHECK(sigil_config_set_groups(cfg, "x25519mlkem768:P-256") == 0 && cfg->ngroups == 2 && cfg->groups[0] == HYB &&
	      cfg->groups[1] == P256);
	CHECK(sigil_config_set_groups(cfg, "x25519:secp256r1") == 0 && cfg->ngroups == 2);
	CHECK(sigil_config_set_groups(cfg, "X25519MLKEM768:x25519MLKEM768") < 0 &&
	      strstr(sigil_config_error(cfg), "listed twice"));
	CHECK(sigil_config_set_groups(cfg, "X25519Kyber768Draft00:x25519") < 0 &&
	      strstr(sigil_config_error(cfg), "unknown group \"X25519Kyber768Draft00\""));
	sigil_config_free(cfg);
	char why[800];
	int a = client_alert(sh_flip_ciphertext, NULL, why, sizeof why);
	CHECK_MSG(a == SIGIL_ALERT_BAD_RECORD_MAC, "%d %s", a, why);
}

static void test_io_socketpair(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		sigil_config *sc = config("rsa", NULL, NULL);
		sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
		char buf[100];
		int ok = sigil_io_attach(s, sv[1]) == 0 && sigil_io_handshake(s) == 0;
		ssize_t r = ok ? sigil_io_read(s, buf, sizeof buf) : -1;
		if (r > 0)
			r = sigil_io_write(s, buf, (size_t)r);
		ok = r > 0 && sigil_io_read(s, buf, sizeof buf) == 0 && sigil_io_close(s) == 0;
		sigil_conn_free(s);
		sigil_config_free(sc);
		_exit(ok ? 0 : 1);
	}
	sigil_config *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT);
	char buf[100];
	CHECK(sigil_io_attach(c, sv[0]) == 0);
	CHECK(sigil_io_handshake(c) == 0);
	CHECK(sigil_io_write(c, "ping", 4) == 4);
	CHECK(sigil_io_read(c, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(sigil_io_close(c) == 0);
	CHECK(sigil_io_read(c, buf, sizeof buf) == 0);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	sigil_conn_free(c);
	sigil_config_free(cc);
	close(sv[0]);
	close(sv[1]);
}

/* Output taken by room, sent in odd pieces (a slow reader): write_app
 * takes at least what write_room promised, nothing once room is 0, and the
 * bytes arrive whole however the sends were cut. */
static void test_write_room_partial_sends(void)
{
	sigil_config *sc = config("ec256", NULL, NULL), *cc = config(NULL, NULL, NULL);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(sigil_conn_set_server_name(c, "localhost") == 0);
	CHECK(pump(c, s, 0) == 0);
	enum { LEN = 300 * 1000 };
	uint8_t *data = malloc(LEN), *got = malloc(LEN);
	for (size_t i = 0; i < LEN; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	size_t off = 0, in = 0, most = 0, refused = 0, short_takes = 0;
	for (int round = 0; in < LEN && round < 100000; round++) {
		size_t room = sigil_conn_write_room(s), used = 0, n;
		if (off < LEN) {
			CHECK(sigil_conn_write_app(s, data + off, LEN - off, &used) == 0);
			size_t want = room < LEN - off ? room : LEN - off;
			if (used < want)
				short_takes++;
			if (room == 0 && used != 0)
				short_takes++;
			if (room == 0)
				refused++;
			off += used;
		}
		if (s->out.len > most)
			most = s->out.len;
		/* Send 777 bytes, as a socket with a small buffer would. */
		const uint8_t *p = sigil_conn_send_buf(s, &n);
		if (p && n) {
			size_t k = n < 777 ? n : 777, u;
			CHECK(sigil_conn_recv_net(c, p, k, &u) == 0);
			sigil_conn_send_ack(s, u);
		}
		while (sigil_conn_read_app(c, got + in, LEN - in, &n) == 0 && n > 0)
			in += n;
	}
	CHECK(in == LEN && memcmp(data, got, LEN) == 0);
	CHECK_MSG(short_takes == 0, "write_app took less than write_room promised %zu times", short_takes);
	CHECK(refused > 0);     /* the queue did fill up */
	/* Sent bytes are dropped from the front lazily, never beyond twice the
	 * hold limit plus a record. */
	CHECK_MSG(most <= 2 * (64 * 1024 + 16 * 1024 + 256), "output grew to %zu", most);
	free(data);
	free(got);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

int main(void)
{
	test_matrix();
	test_hrr();
	test_byte_at_a_time_and_close();
	test_key_update();
	test_alpn_and_client_auth();
	test_verifier();
	test_builtin_verifier();
	test_peer_identity_subject();
	test_resumption();
	test_bad_client_hello();
	test_bad_server();
	test_bad_finished();
	test_padding();
	fz_cc = fuzz_client_config(1);
	fz_sc = fuzz_server_config(NULL);
	test_key_change_ends_record();
	test_early_data_skipped();
	test_empty_alert();
	test_padded_finished();
	test_key_shares();
	test_ticket_extensions();
	sigil_config_free(fz_cc);
	sigil_config_free(fz_sc);
	test_hybrid_pairings();
	test_hybrid_handshake();
	test_cookie_only_retry();
	test_bad_client_shares();
	test_bad_server_shares();
	test_hybrid_names();
	test_io_socketpair();
	test_write_room_partial_sends();
	return TEST_END();
}
