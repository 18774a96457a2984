/*
 * Tests of the TLS 1.2 pieces: the PRF (RFC 5246 section 5) against the
 * test vectors published on the IETF TLS list (SHA-256 and SHA-384, the
 * "test label" vectors), and its refusals; then the TLS 1.2 server's
 * answers to crafted ClientHellos and to a bad second flight, and with
 * client authentication its CertificateRequest and its answers to a bad
 * client Certificate: each refusal with its alert, sent in the clear as
 * the last record.
 */
#include <stdint.h>

#include "sigil.h"
#include "crypto/crypto.h"
#include "test.h"

static void prf_vector(const sg_hash_class *h, const char *secret, const char *seed, const char *want)
{
	uint8_t s[64], sd[64], w[256], out[256];
	size_t sl = sg_test_unhex(secret, s, sizeof s), dl = sg_test_unhex(seed, sd, sizeof sd);
	size_t wl = sg_test_unhex(want, w, sizeof w);
	CHECK(sl != (size_t)-1 && dl != (size_t)-1 && wl != (size_t)-1);
	CHECK(sg_tls12_prf(h, s, sl, "test label", sd, dl, NULL, 0, out, wl) == 0);
	CHECK_MEM(out, w, wl);
	/* The seed split in two gives the same output (s1 + s2). */
	memset(out, 0, sizeof out);
	CHECK(sg_tls12_prf(h, s, sl, "test label", sd, 5, sd + 5, dl - 5, out, wl) == 0);
	CHECK_MEM(out, w, wl);
	/* A prefix of the output is the output for a shorter length. */
	memset(out, 0, sizeof out);
	CHECK(sg_tls12_prf(h, s, sl, "test label", sd, dl, NULL, 0, out, 13) == 0);
	CHECK_MEM(out, w, 13);
}

static void test_prf(void)
{
	prf_vector(&sg_sha256, "9bbe436ba940f017b17652849a71db35", "a0ba9f936cda311827a6f796ffd5198c",
		   "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af"
		   "0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187"
		   "347b66");
	prf_vector(&sg_sha384, "b80b733d6ceefcdc71566ea48e5567df", "cd665cf6a8447dd6ff8b27555edb7465",
		   "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f");
	/* A seed longer than the PRF takes is refused, not cut. */
	uint8_t big[200] = { 0 }, out[16];
	CHECK(sg_tls12_prf(&sg_sha256, big, 16, "master secret", big, 200, NULL, 0, out, sizeof out) < 0);
	CHECK(sg_tls12_prf(&sg_sha256, big, 16, "x", NULL, 3, NULL, 0, out, sizeof out) < 0);
}

/* ---- the TLS 1.2 server against crafted messages ---- */

enum {
	B_NO_SIGALGS = 1 << 0, B_NO_GROUPS = 1 << 1, B_POINTS_COMPRESSED = 1 << 2, B_RENEG_NONEMPTY = 1 << 3,
	B_FALLBACK = 1 << 4, B_CBC_ONLY = 1 << 5, B_NO_NULL = 1 << 6, B_HYBRID_ONLY = 1 << 7, B_RSA_ONLY = 1 << 8,
	B_EMS_DATA = 1 << 9, B_POINTS_EMPTY = 1 << 10, B_TICKET = 1 << 11,
};

static void put16(uint8_t *b, size_t *n, unsigned v)
{
	b[(*n)++] = (uint8_t)(v >> 8);
	b[(*n)++] = (uint8_t)v;
}

/* A TLS 1.2 ClientHello record (no supported_versions), as OpenSSL's
 * s_client -tls1_2 sends it, with the defects of `bad`. */
static size_t build_ch12(uint8_t *b, unsigned bad)
{
	size_t n = 0;
	b[n++] = 22;
	put16(b, &n, 0x0301);
	size_t rlen = n;
	n += 2;
	b[n++] = 1;
	size_t hlen = n;
	n += 3;
	put16(b, &n, 0x0303);
	memset(b + n, 0x5a, 32);
	n += 32;
	b[n++] = 0;                                     /* session id */
	if (bad & B_CBC_ONLY) {
		put16(b, &n, 2);
		put16(b, &n, 0xc009);                   /* ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	} else if (bad & B_RSA_ONLY) {
		put16(b, &n, 2);
		put16(b, &n, 0x009c);                   /* RSA_WITH_AES_128_GCM_SHA256 */
	} else {
		put16(b, &n, bad & B_FALLBACK ? 8 : 6);
		put16(b, &n, 0xc02b);
		put16(b, &n, 0xc02f);
		put16(b, &n, 0x00ff);                   /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
		if (bad & B_FALLBACK)
			put16(b, &n, 0x5600);
	}
	if (bad & B_NO_NULL) {
		b[n++] = 1;
		b[n++] = 1;                             /* DEFLATE only */
	} else {
		b[n++] = 1;
		b[n++] = 0;
	}
	size_t elen = n;
	n += 2;
	if (!(bad & B_NO_GROUPS)) {
		put16(b, &n, 10);
		if (bad & B_HYBRID_ONLY) {
			put16(b, &n, 4);
			put16(b, &n, 2);
			put16(b, &n, SIGIL_GROUP_X25519MLKEM768);
		} else {
			put16(b, &n, 6);
			put16(b, &n, 4);
			put16(b, &n, SIGIL_GROUP_X25519);
			put16(b, &n, SIGIL_GROUP_SECP256R1);
		}
	}
	if (!(bad & B_NO_SIGALGS)) {
		put16(b, &n, 13);
		put16(b, &n, 6);
		put16(b, &n, 4);
		put16(b, &n, 0x0403);                   /* ecdsa_secp256r1_sha256 */
		put16(b, &n, 0x0401);                   /* rsa_pkcs1_sha256 */
	}
	put16(b, &n, 11);                               /* ec_point_formats */
	if (bad & B_POINTS_EMPTY) {
		put16(b, &n, 1);
		b[n++] = 0;
	} else {
		put16(b, &n, 2);
		b[n++] = 1;
		b[n++] = bad & B_POINTS_COMPRESSED ? 1 : 0;
	}
	put16(b, &n, 23);                               /* extended_master_secret */
	if (bad & B_EMS_DATA) {
		put16(b, &n, 1);
		b[n++] = 0;
	} else {
		put16(b, &n, 0);
	}
	if (bad & B_TICKET) {
		put16(b, &n, 35);                       /* session_ticket, empty: asks for one */
		put16(b, &n, 0);
	}
	if (bad & B_RENEG_NONEMPTY) {
		put16(b, &n, 0xff01);
		put16(b, &n, 3);
		b[n++] = 2;
		b[n++] = 0xab;
		b[n++] = 0xcd;
	}
	size_t e = n - elen - 2, h = n - hlen - 3, r = n - rlen - 2;
	b[elen] = (uint8_t)(e >> 8);
	b[elen + 1] = (uint8_t)e;
	b[hlen] = (uint8_t)(h >> 16);
	b[hlen + 1] = (uint8_t)(h >> 8);
	b[hlen + 2] = (uint8_t)h;
	b[rlen] = (uint8_t)(r >> 8);
	b[rlen + 1] = (uint8_t)r;
	return n;
}

/* Client authentication for server_run's servers (the client CA:
 * ec256.crt). */
static sigil_client_auth run_auth = SIGIL_CLIENT_AUTH_NONE;

static sigil_config *server_config(uint16_t min)
{
	sigil_config *cfg = sigil_config_new();
	CHECK(cfg && sigil_config_add_cert_key_file(cfg, "tests/data/tls/ec256.crt", "tests/data/tls/ec256.key") == 0);
	CHECK(sigil_config_set_versions(cfg, min, SIGIL_TLS13) == 0);
	return cfg;
}

/* Feed `in` (then `more`) to a fresh server: the alert it failed with
 * (-1: none; -2: not sent in the clear as the last record); *sh gets
 * the ServerHello record's body when one was sent. */
static int server_run(uint16_t min, const uint8_t *in, size_t n, const uint8_t *more, size_t mn, char *why,
		      size_t cap, uint8_t *sh, size_t *shlen)
{
	sigil_config *cfg = server_config(min);
	if (run_auth != SIGIL_CLIENT_AUTH_NONE) {
		CHECK(sigil_config_add_trust(cfg, "tests/data/tls/ec256.crt") == 0);
		CHECK(sigil_config_set_client_auth(cfg, run_auth) == 0);
	}
	sigil_conn *s = sigil_conn_new(cfg, SIGIL_SERVER);
	size_t used, len;
	if (sigil_conn_recv_net(s, in, n, &used) < 0) { /* checked below */ }
	const uint8_t *out = sigil_conn_send_buf(s, &len);
	if (shlen) {
		*shlen = 0;
		if (len > 5 && out[0] == 22 && out[5] == 2) {
			*shlen = (size_t)(out[3] << 8 | out[4]);
			memcpy(sh, out + 5, *shlen);
		}
	}
	if (more && !(sigil_conn_state(s) & SIGIL_ST_FAILED)) {
		sigil_conn_send_ack(s, len);
		if (sigil_conn_recv_net(s, more, mn, &used) < 0) { /* checked below */ }
		out = sigil_conn_send_buf(s, &len);
	}
	int alert = (sigil_conn_state(s) & SIGIL_ST_FAILED) ? sigil_conn_error_alert(s) : -1;
	snprintf(why, cap, "%s", sigil_conn_error(s));
	if (alert >= 0 && (len < 7 || out[len - 7] != 21 || out[len - 1] != alert))
		alert = -2;
	sigil_conn_free(s);
	sigil_config_free(cfg);
	return alert;
}

static bool has_ext(const uint8_t *sh, size_t n, unsigned type)
{
	/* type(1) len(3) version(2) random(32) sid_len(1) sid suite(2) comp(1) exts */
	if (n < 4 + 2 + 32 + 1)
		return false;
	size_t p = 4 + 2 + 32;
	p += 1 + sh[p] + 2 + 1;
	if (p + 2 > n)
		return false;
	size_t end = p + 2 + (size_t)(sh[p] << 8 | sh[p + 1]);
	for (p += 2; p + 4 <= end && end <= n; p += 4 + (size_t)(sh[p + 2] << 8 | sh[p + 3]))
		if ((unsigned)(sh[p] << 8 | sh[p + 1]) == type)
			return true;
	return false;
}

static void test_server_hello12(void)
{
	uint8_t ch[512], sh[2048];
	size_t n = build_ch12(ch, 0), shn;
	char why[800];
	int a = server_run(SIGIL_TLS12, ch, n, NULL, 0, why, sizeof why, sh, &shn);
	CHECK_MSG(a == -1, "good TLS 1.2 hello refused: %d %s", a, why);
	/* version 0x0303, the downgrade sentinel of RFC 8446 4.1.3 in the
	 * random's last 8 bytes, an ECDHE_ECDSA AES-128-GCM suite, and the
	 * answers to EMS, renegotiation_info and ec_point_formats. */
	static const uint8_t sentinel[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 1 };
	CHECK(shn > 40 && sh[4] == 3 && sh[5] == 3);
	CHECK(shn > 40 && memcmp(sh + 6 + 24, sentinel, 8) == 0);
	CHECK(shn > 41 && sh[38] == 0 && sh[39] == 0xc0 && sh[40] == 0x2b && sh[41] == 0);
	CHECK(has_ext(sh, shn, 23) && has_ext(sh, shn, 0xff01) && has_ext(sh, shn, 11));
	CHECK(!has_ext(sh, shn, 43) && !has_ext(sh, shn, 51));

	static const struct { unsigned bad; uint16_t min; int alert; const char *words; } cases[] = {
		{ 0, SIGIL_TLS13, SIGIL_ALERT_PROTOCOL_VERSION, "minimum version is TLS 1.3" },
		{ B_NO_SIGALGS, SIGIL_TLS12, SIGIL_ALERT_HANDSHAKE_FAILURE, "signature_algorithms" },
		{ B_NO_GROUPS, SIGIL_TLS12, SIGIL_ALERT_HANDSHAKE_FAILURE, "supported_groups" },
		{ B_POINTS_COMPRESSED, SIGIL_TLS12, SIGIL_ALERT_ILLEGAL_PARAMETER, "uncompressed" },
		{ B_POINTS_EMPTY, SIGIL_TLS12, SIGIL_ALERT_DECODE_ERROR, "ec_point_formats" },
		{ B_RENEG_NONEMPTY, SIGIL_TLS12, SIGIL_ALERT_HANDSHAKE_FAILURE, "renegotiation_info" },
		{ B_FALLBACK, SIGIL_TLS12, SIGIL_ALERT_INAPPROPRIATE_FALLBACK, "TLS_FALLBACK_SCSV" },
		{ B_CBC_ONLY, SIGIL_TLS12, SIGIL_ALERT_HANDSHAKE_FAILURE, "no CBC" },
		{ B_RSA_ONLY, SIGIL_TLS12, SIGIL_ALERT_HANDSHAKE_FAILURE, "no cipher suite" },
		{ B_NO_NULL, SIGIL_TLS12, SIGIL_ALERT_ILLEGAL_PARAMETER, "compression" },
		{ B_HYBRID_ONLY, SIGIL_TLS12, SIGIL_ALERT_HANDSHAKE_FAILURE, "supported_groups" },
		{ B_EMS_DATA, SIGIL_TLS12, SIGIL_ALERT_DECODE_ERROR, "extended_master_secret" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = build_ch12(ch, cases[i].bad);
		a = server_run(cases[i].min, ch, n, NULL, 0, why, sizeof why, NULL, NULL);
		CHECK_MSG(a == cases[i].alert, "case %zu: alert %d, want %d (%s)", i, a, cases[i].alert, why);
		CHECK_MSG(strstr(why, cases[i].words) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, why, cases[i].words);
	}
}

/* The client's second flight, wrong: what the server answers. */
static void test_second_flight12(void)
{
	uint8_t ch[512];
	size_t n = build_ch12(ch, 0);
	char why[800];
	static const struct { uint8_t rec[16]; size_t n; int alert; const char *words; } cases[] = {
		/* ClientKeyExchange with a 3-byte "point" for x25519. */
		{ { 22, 3, 3, 0, 8, 16, 0, 0, 4, 3, 1, 2, 3 }, 13, SIGIL_ALERT_ILLEGAL_PARAMETER, "not a valid point" },
		/* ... with an empty point, and with bytes after it. */
		{ { 22, 3, 3, 0, 5, 16, 0, 0, 1, 0 }, 10, SIGIL_ALERT_DECODE_ERROR, "ClientKeyExchange" },
		{ { 22, 3, 3, 0, 7, 16, 0, 0, 3, 1, 9, 9 }, 12, SIGIL_ALERT_DECODE_ERROR, "ClientKeyExchange" },
		/* change_cipher_spec before ClientKeyExchange. */
		{ { 20, 3, 3, 0, 1, 1 }, 6, SIGIL_ALERT_UNEXPECTED_MESSAGE, "change_cipher_spec" },
		/* A Finished where ClientKeyExchange belongs. */
		{ { 22, 3, 3, 0, 16, 20, 0, 0, 12 }, 21, SIGIL_ALERT_UNEXPECTED_MESSAGE, "ClientKeyExchange" },
		/* Application data in the clear. */
		{ { 23, 3, 3, 0, 2, 'h', 'i' }, 7, SIGIL_ALERT_UNEXPECTED_MESSAGE, "record" },
		/* A second ClientHello before the first handshake ends. */
		{ { 22, 3, 3, 0, 4, 1, 0, 0, 0 }, 9, SIGIL_ALERT_UNEXPECTED_MESSAGE, "ClientKeyExchange" },
		/* A ClientKeyExchange longer than its syntax allows. */
		{ { 22, 3, 3, 1, 5, 16, 0, 1, 1 }, 5 + 261, SIGIL_ALERT_DECODE_ERROR, "ClientKeyExchange" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t rec[300] = { 0 };
		size_t rn = cases[i].n;
		memcpy(rec, cases[i].rec, sizeof cases[i].rec);
		int a = server_run(SIGIL_TLS12, ch, n, rec, rn, why, sizeof why, NULL, NULL);
		CHECK_MSG(a == cases[i].alert, "flight case %zu: alert %d, want %d (%s)", i, a, cases[i].alert, why);
		CHECK_MSG(strstr(why, cases[i].words) != NULL, "flight case %zu: \"%s\" lacks \"%s\"", i, why,
			  cases[i].words);
	}
}

static void test_versions_api(void)
{
	sigil_config *cfg = sigil_config_new();
	CHECK(cfg != NULL);
	CHECK(sigil_config_set_versions(cfg, SIGIL_TLS12, SIGIL_TLS13) == 0);
	CHECK(sigil_config_set_versions(cfg, SIGIL_TLS13, SIGIL_TLS13) == 0);
	CHECK(sigil_config_set_versions(cfg, SIGIL_TLS13, SIGIL_TLS12) < 0);
	CHECK(sigil_config_set_versions(cfg, 0x0302, SIGIL_TLS13) < 0);
	CHECK(sigil_config_set_versions(cfg, SIGIL_TLS12, 0x0305) < 0);
	CHECK(strstr(sigil_config_error(cfg), "sigil_config_set_versions") != NULL);
	sigil_config_free(cfg);
	CHECK(sigil_suite_name(0xc02b) && strcmp(sigil_suite_name(0xc02b), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") == 0);
	CHECK(sigil_suite_name(0xc013) == NULL);        /* CBC: not ours */
}

/* Mutual TLS in TLS 1.2 (RFC 5246 7.4.4, 7.4.6): a server that requests
 * or requires a client certificate sends CertificateRequest between
 * ServerKeyExchange and ServerHelloDone, with ecdsa_sign and rsa_sign,
 * every scheme of its signature_algorithms (PKCS#1 included, which TLS
 * 1.3 keeps out of CertificateVerify) and its client CA's subject; then
 * an empty Certificate is handshake_failure when one is required, and
 * TLS 1.2 has no CompressedCertificate.  tls12_client_test.c pairs the
 * sigil client with it. */

/* The handshake messages of plaintext handshake records: types[], and
 * the body of the one of type `want` in *body (*blen bytes). */
static size_t hs_types(const uint8_t *p, size_t n, uint8_t *types, size_t cap, uint8_t want, const uint8_t **body,
		       size_t *blen)
{
	static uint8_t hs[16384];
	size_t hn = 0, k = 0;
	for (size_t i = 0; i + 5 <= n && p[i] == 22;) {
		size_t len = (size_t)(p[i + 3] << 8 | p[i + 4]);
		if (i + 5 + len > n || hn + len > sizeof hs)
			break;
		memcpy(hs + hn, p + i + 5, len);
		hn += len;
		i += 5 + len;
	}
	for (size_t i = 0; i + 4 <= hn && k < cap;) {
		size_t len = (size_t)hs[i + 1] << 16 | (size_t)hs[i + 2] << 8 | hs[i + 3];
		if (i + 4 + len > hn)
			break;
		if (hs[i] == want) {
			*body = hs + i + 4;
			*blen = len;
		}
		types[k++] = hs[i];
		i += 4 + len;
	}
	return k;
}

static void test_client_auth12(void)
{
	static const sigil_client_auth modes[] = { SIGIL_CLIENT_AUTH_REQUIRE, SIGIL_CLIENT_AUTH_REQUEST };
	for (size_t i = 0; i < 2; i++) {
		uint8_t ch[512], types[8];
		/* The client asks for a session ticket (RFC 5077): 1.3 issues
		 * none under client authentication (ticket.c), nor does 1.2. */
		size_t n = build_ch12(ch, B_TICKET), used, len, blen = 0, shn = 0;
		const uint8_t *body = NULL, *sh = NULL;
		sigil_config *cfg = server_config(SIGIL_TLS12);
		CHECK(sigil_config_add_trust(cfg, "tests/data/tls/ec256.crt") == 0);
		CHECK(sigil_config_set_client_auth(cfg, modes[i]) == 0);
		sigil_conn *s = sigil_conn_new(cfg, SIGIL_SERVER);
		if (sigil_conn_recv_net(s, ch, n, &used) < 0) { /* checked below */ }
		const uint8_t *out = sigil_conn_send_buf(s, &len);
		CHECK_MSG(!(sigil_conn_state(s) & SIGIL_ST_FAILED), "mode %zu: %s", i, sigil_conn_error(s));
		size_t k = hs_types(out, len, types, sizeof types, 13, &body, &blen);
		CHECK_MSG(k == 5 && types[0] == 2 && types[1] == 11 && types[2] == 12 && types[3] == 13 && types[4] == 14,
			  "mode %zu: %zu messages", i, k);
		hs_types(out, len, types, sizeof types, 2, &sh, &shn);
		CHECK(sh && has_ext(sh - 4, shn + 4, 23) && !has_ext(sh - 4, shn + 4, 35));
		/* certificate_types: ecdsa_sign, rsa_sign. */
		CHECK(body && blen > 3 && body[0] == 2 && body[1] == 64 && body[2] == 1);
		/* supported_signature_algorithms: the nine defaults, ECDSA first,
		 * rsa_pkcs1_sha256 among them. */
		size_t an = body && blen > 5 ? (size_t)(body[3] << 8 | body[4]) : 0;
		CHECK_MSG(an == 18 && body[5] == 4 && body[6] == 3, "%zu bytes of schemes", an);
		bool pkcs1 = false, ed = false;
		for (size_t j = 0; j + 1 < an; j += 2) {
			pkcs1 |= body[5 + j] == 4 && body[6 + j] == 1;
			ed |= body[5 + j] == 8 && body[6 + j] == 7;
		}
		CHECK(pkcs1 && ed);
		/* certificate_authorities: one name, the trusted CN=sigil-test. */
		size_t at = 5 + an;
		CHECK_MSG(blen > at + 4 && (size_t)(body[at] << 8 | body[at + 1]) == blen - at - 2 &&
			  (size_t)(body[at + 2] << 8 | body[at + 3]) == blen - at - 4 && body[at + 4] == 0x30 &&
			  memmem(body + at, blen - at, "sigil-test", 10) != NULL, "authorities");
		sigil_conn_free(s);
		sigil_config_free(cfg);
	}
}

/* The client's answer to a CertificateRequest, wrong or empty. */
static void test_client_certificate12(void)
{
	uint8_t ch[512];
	size_t n = build_ch12(ch, 0);
	char why[800];
	static const struct {
		sigil_client_auth mode;
		uint8_t rec[20];
		size_t n;
		int alert;
		const char *words;
	} cases[] = {
		/* An empty certificate_list (7.4.6): refused when required,
		 * accepted when requested (the ClientKeyExchange is next). */
		{ SIGIL_CLIENT_AUTH_REQUIRE, { 22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0 }, 12, SIGIL_ALERT_HANDSHAKE_FAILURE,
		  "no certificate, and one is required" },
		{ SIGIL_CLIENT_AUTH_REQUEST, { 22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0 }, 12, -1, "" },
		/* TLS 1.3's form (a context byte first), and an empty entry. */
		{ SIGIL_CLIENT_AUTH_REQUEST, { 22, 3, 3, 0, 8, 11, 0, 0, 4, 0, 0, 0, 0 }, 13, SIGIL_ALERT_DECODE_ERROR,
		  "TLS 1.2 Certificate" },
		{ SIGIL_CLIENT_AUTH_REQUEST, { 22, 3, 3, 0, 10, 11, 0, 0, 6, 0, 0, 3, 0, 0, 0 }, 15,
		  SIGIL_ALERT_DECODE_ERROR, "Certificate entry" },
		/* A list that is not a certificate. */
		{ SIGIL_CLIENT_AUTH_REQUEST, { 22, 3, 3, 0, 12, 11, 0, 0, 8, 0, 0, 5, 0, 0, 2, 0x30, 0 }, 17,
		  SIGIL_ALERT_BAD_CERTIFICATE, "cannot be parsed" },
		/* RFC 5246 7.4.6: asked, the client sends a Certificate first;
		 * not a ClientKeyExchange, nor a CertificateVerify. */
		{ SIGIL_CLIENT_AUTH_REQUIRE, { 22, 3, 3, 0, 6, 16, 0, 0, 2, 1, 9 }, 11, SIGIL_ALERT_UNEXPECTED_MESSAGE,
		  "client Certificate" },
		{ SIGIL_CLIENT_AUTH_REQUEST, { 22, 3, 3, 0, 9, 15, 0, 0, 5, 4, 3, 0, 1, 0 }, 14,
		  SIGIL_ALERT_UNEXPECTED_MESSAGE, "client Certificate" },
		/* TLS 1.2 has no certificate compression (RFC 8879 is TLS 1.3's). */
		{ SIGIL_CLIENT_AUTH_REQUEST, { 22, 3, 3, 0, 11, 25, 0, 0, 7, 0, 1, 0, 0, 3, 0, 0, 0 }, 16,
		  SIGIL_ALERT_UNEXPECTED_MESSAGE, "type 25" },
		/* Without a CertificateRequest, a Certificate is out of place. */
		{ SIGIL_CLIENT_AUTH_NONE, { 22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0 }, 12, SIGIL_ALERT_UNEXPECTED_MESSAGE,
		  "ClientKeyExchange" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_auth = cases[i].mode;
		int a = server_run(SIGIL_TLS12, ch, n, cases[i].rec, cases[i].n, why, sizeof why, NULL, NULL);
		CHECK_MSG(a == cases[i].alert, "certificate case %zu: alert %d, want %d (%s)", i, a, cases[i].alert, why);
		CHECK_MSG(strstr(why, cases[i].words) != NULL, "certificate case %zu: \"%s\" lacks \"%s\"", i, why,
			  cases[i].words);
	}
	run_auth = SIGIL_CLIENT_AUTH_NONE;
}

int main(void)
{
	CHECK(sg_crypto_init() == 0);
	test_prf();
	test_versions_api();
	test_server_hello12();
	test_second_flight12();
	test_client_auth12();
	test_client_certificate12();
	return TEST_END();
}
