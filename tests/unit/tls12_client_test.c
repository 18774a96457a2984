/*
 * The TLS 1.2 client (src/tls/tls12_client.c): a sigil client against a
 * sigil server in memory, for every suite, group and certificate kind;
 * the ClientHello with and without TLS 1.2; the downgrade sentinel both
 * ways; every message of a TLS 1.2 server's first flight made wrong,
 * with the alert and the sentence the client answers with; the TLS 1.2
 * server's client authentication against the sigil client, with every
 * key type, no certificate, another CA's, and a CertificateVerify made
 * wrong; and session tickets (RFC 5077), issued and resumed or refused.
 */
#include <stdbool.h>
#include <stdint.h>

#include "sigil.h"
#include "test.h"
#include "tls/tls.h"             /* test hooks (the clock), ticket keys */

static sigil_config *config(const char *key, uint16_t min, uint16_t max)
{
	sigil_config *cfg = sigil_config_new();
	char crt[128], k[128];
	CHECK(cfg != NULL);
	if (key) {
		snprintf(crt, sizeof crt, "tests/data/tls/%s.crt", key);
		snprintf(k, sizeof k, "tests/data/tls/%s.key", key);
		CHECK_MSG(sigil_config_add_cert_key_file(cfg, crt, k) == 0, "%s", sigil_config_error(cfg));
	}
	CHECK(sigil_config_set_versions(cfg, min, max) == 0);
	CHECK(sigil_config_insecure_noverify(cfg) == 0);
	return cfg;
}

static size_t move(sigil_conn *a, sigil_conn *b)
{
	size_t n, moved = 0, used;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	while (p && n) {
		if (sigil_conn_recv_net(b, p, n, &used) < 0) {
			sigil_conn_send_ack(a, n);
			return moved;
		}
		if (used == 0)
			return moved;
		sigil_conn_send_ack(a, used);
		moved += used;
		p = sigil_conn_send_buf(a, &n);
	}
	return moved;
}

static int pump(sigil_conn *c, sigil_conn *s)
{
	for (int i = 0; i < 20; i++) {
		size_t m = move(c, s) + move(s, c);
		unsigned cs = sigil_conn_state(c), ss = sigil_conn_state(s);
		if ((cs | ss) & SIGIL_ST_FAILED)
			return -1;
		if ((cs & SIGIL_ST_CONNECTED) && (ss & SIGIL_ST_CONNECTED) && m == 0)
			return 0;
	}
	return -1;
}

/* Application data both ways. */
static bool talk(sigil_conn *c, sigil_conn *s)
{
	static const uint8_t a[] = "GET / HTTP/1.1\r\n\r\n", b[] = "HTTP/1.1 200 OK\r\n\r\n";
	uint8_t got[64];
	size_t used, n;
	if (sigil_conn_write_app(c, a, sizeof a, &used) < 0 || used != sizeof a)
		return false;
	move(c, s);
	if (sigil_conn_read_app(s, got, sizeof got, &n) < 0 || n != sizeof a || memcmp(got, a, n) != 0)
		return false;
	if (sigil_conn_write_app(s, b, sizeof b, &used) < 0 || used != sizeof b)
		return false;
	move(s, c);
	return sigil_conn_read_app(c, got, sizeof got, &n) == 0 && n == sizeof b && memcmp(got, b, n) == 0;
}

/* sigil client (default versions) and a sigil server speaking TLS 1.2 only. */
static void test_pairs(void)
{
	static const struct { const char *key, *suite, *group; uint16_t want; } cases[] = {
		{ "ec256", "TLS_AES_128_GCM_SHA256", "x25519", 0xc02b },
		{ "ec256", "TLS_AES_256_GCM_SHA384", "secp256r1", 0xc02c },
		{ "ec256", "TLS_CHACHA20_POLY1305_SHA256", "secp384r1", 0xcca9 },
		{ "ec384", "TLS_AES_128_GCM_SHA256", "x25519:secp384r1", 0xc02b },
		{ "rsa", "TLS_AES_128_GCM_SHA256", "secp256r1", 0xc02f },
		{ "rsa", "TLS_AES_256_GCM_SHA384", "x25519", 0xc030 },
		{ "rsa", "TLS_CHACHA20_POLY1305_SHA256", "secp384r1", 0xcca8 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sigil_config *sc = config(cases[i].key, SIGIL_TLS12, SIGIL_TLS12);
		sigil_config *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
		CHECK(sigil_config_set_suites(cc, cases[i].suite) == 0 && sigil_config_set_groups(sc, cases[i].group) == 0);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		int r = pump(c, s);
		CHECK_MSG(r == 0, "case %zu: %s / %s", i, sigil_conn_error(c), sigil_conn_error(s));
		CHECK_MSG(sigil_conn_version(c) == SIGIL_TLS12 && sigil_conn_suite(c) == cases[i].want &&
			  sigil_conn_suite(s) == cases[i].want && sigil_conn_group(c) == sigil_conn_group(s) &&
			  sigil_conn_group(c) != SIGIL_GROUP_X25519MLKEM768,
			  "case %zu: version %04x suite %04x/%04x group %04x", i, sigil_conn_version(c),
			  sigil_conn_suite(c), sigil_conn_suite(s), sigil_conn_group(c));
		CHECK_MSG(r == 0 && talk(c, s), "case %zu: application data", i);
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	/* The same pair with a server that also speaks TLS 1.3 agrees on 1.3. */
	sigil_config *sc = config("ec256", SIGIL_TLS12, SIGIL_TLS13), *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s) == 0 && sigil_conn_version(c) == SIGIL_TLS13);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
	/* A TLS 1.2-only server refuses a client whose minimum is TLS 1.3
	 * (no suite in common); test_bad_flight shows the client refusing a
	 * TLS 1.2 ServerHello. */
	sc = config("ec256", SIGIL_TLS12, SIGIL_TLS12);
	cc = config(NULL, SIGIL_TLS13, SIGIL_TLS13);
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s) < 0);
	CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_HANDSHAKE_FAILURE, "%s", sigil_conn_error(s));
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* ---- the ClientHello ---- */

static size_t client_hello(uint16_t min, uint8_t *out, size_t cap)
{
	sigil_config *cc = config(NULL, min, SIGIL_TLS13);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT);
	size_t n = 0;
	const uint8_t *p = sigil_conn_send_buf(c, &n);
	if (!p || n > cap)
		n = 0;
	else
		memcpy(out, p, n);
	sigil_conn_free(c);
	sigil_config_free(cc);
	return n;
}

/* Offsets in a ClientHello record: header 5 + 4, version, random, sid. */
static bool ch_find_ext(const uint8_t *ch, size_t n, unsigned type, const uint8_t **data, size_t *len)
{
	size_t p = 9 + 2 + 32;
	if (p >= n)
		return false;
	p += 1 + ch[p];
	if (p + 2 > n)
		return false;
	p += 2 + (size_t)(ch[p] << 8 | ch[p + 1]);
	if (p + 1 > n)
		return false;
	p += 1 + ch[p];
	if (p + 2 > n)
		return false;
	size_t end = p + 2 + (size_t)(ch[p] << 8 | ch[p + 1]);
	for (p += 2; p + 4 <= end && end <= n; p += 4 + (size_t)(ch[p + 2] << 8 | ch[p + 3]))
		if ((unsigned)(ch[p] << 8 | ch[p + 1]) == type) {
			*data = ch + p + 4;
			*len = (size_t)(ch[p + 2] << 8 | ch[p + 3]);
			return true;
		}
	return false;
}

static bool ch_has_suite(const uint8_t *ch, size_t n, unsigned id)
{
	size_t p = 9 + 2 + 32;
	p += 1 + ch[p];
	size_t len = (size_t)(ch[p] << 8 | ch[p + 1]);
	for (size_t i = p + 2; i + 1 < p + 2 + len && i + 1 < n; i += 2)
		if ((unsigned)(ch[i] << 8 | ch[i + 1]) == id)
			return true;
	return false;
}

static void test_client_hello(void)
{
	uint8_t a[4096], b[4096];
	size_t na = client_hello(SIGIL_TLS12, a, sizeof a), nb = client_hello(SIGIL_TLS13, b, sizeof b);
	const uint8_t *d;
	size_t dl;
	CHECK(na > 0 && nb > 0);
	/* supported_versions: 0x0304 then 0x0303; only 0x0304 with minimum 1.3. */
	CHECK(ch_find_ext(a, na, 43, &d, &dl) && dl == 5 && d[0] == 4 && d[1] == 3 && d[2] == 4 && d[3] == 3 && d[4] == 3);
	CHECK(ch_find_ext(b, nb, 43, &d, &dl) && dl == 3 && d[0] == 2 && d[1] == 3 && d[2] == 4);
	/* The TLS 1.2 extensions: EMS and renegotiation_info empty,
	 * ec_point_formats uncompressed; none of them with minimum 1.3. */
	CHECK(ch_find_ext(a, na, 23, &d, &dl) && dl == 0);
	CHECK(ch_find_ext(a, na, 0xff01, &d, &dl) && dl == 1 && d[0] == 0);
	CHECK(ch_find_ext(a, na, 11, &d, &dl) && dl == 2 && d[0] == 1 && d[1] == 0);
	CHECK(!ch_find_ext(b, nb, 23, &d, &dl) && !ch_find_ext(b, nb, 0xff01, &d, &dl) && !ch_find_ext(b, nb, 11, &d, &dl));
	/* The suites: TLS 1.3's first, then the six ECDHE AEAD ones. */
	static const unsigned s12[] = { 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8 };
	for (size_t i = 0; i < 6; i++)
		CHECK_MSG(ch_has_suite(a, na, s12[i]) && !ch_has_suite(b, nb, s12[i]), "suite %04x", s12[i]);
	CHECK(ch_has_suite(a, na, 0x1301) && a[9 + 2 + 32 + 1 + a[9 + 2 + 32] + 2] == 0x13);
	/* rsa_pkcs1_sha256 and ecdsa_secp256r1_sha256 for old servers. */
	CHECK(ch_find_ext(a, na, 13, &d, &dl));
	bool pkcs1 = false, ecdsa = false;
	for (size_t i = 2; i + 1 < dl; i += 2) {
		pkcs1 |= d[i] == 4 && d[i + 1] == 1;
		ecdsa |= d[i] == 4 && d[i + 1] == 3;
	}
	CHECK(pkcs1 && ecdsa);
}

/* ---- a server's first flight, made wrong ---- */

#define MAXMSG 8
typedef struct flight {
	struct { uint8_t type; uint8_t body[4096]; size_t n; } m[MAXMSG];
	size_t n;
} flight;

/* Split plaintext handshake records into messages. */
static bool flight_parse(const uint8_t *p, size_t n, flight *f)
{
	static uint8_t hs[8 * 4096];
	size_t hn = 0;
	f->n = 0;
	for (size_t i = 0; i + 5 <= n;) {
		size_t len = (size_t)(p[i + 3] << 8 | p[i + 4]);
		if (p[i] != 22 || i + 5 + len > n || hn + len > sizeof hs)
			return false;
		memcpy(hs + hn, p + i + 5, len);
		hn += len;
		i += 5 + len;
	}
	for (size_t i = 0; i + 4 <= hn && f->n < MAXMSG;) {
		size_t len = (size_t)hs[i + 1] << 16 | (size_t)hs[i + 2] << 8 | hs[i + 3];
		if (i + 4 + len > hn || len > sizeof f->m[0].body)
			return false;
		f->m[f->n].type = hs[i];
		memcpy(f->m[f->n].body, hs + i + 4, len);
		f->m[f->n++].n = len;
		i += 4 + len;
	}
	return true;
}

/* One record per message. */
static size_t flight_write(const flight *f, uint8_t *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < f->n; i++) {
		size_t len = f->m[i].n;
		if (o + 9 + len > cap)
			return 0;
		uint8_t h[9] = { 22, 3, 3, (uint8_t)((len + 4) >> 8), (uint8_t)(len + 4), f->m[i].type,
				 (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
		memcpy(out + o, h, 9);
		memcpy(out + o + 9, f->m[i].body, len);
		o += 9 + len;
	}
	return o;
}

static int find(const flight *f, uint8_t type)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->m[i].type == type)
			return (int)i;
	return -1;
}

/* The ServerHello's extension block: offset of its u16 length. */
static size_t sh_exts(const flight *f)
{
	const uint8_t *b = f->m[0].body;
	return 2 + 32 + 1 + b[34] + 2 + 1;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Remove extension `type` from the ServerHello. */
static void sh_drop(flight *f, unsigned type)
{
	uint8_t *b = f->m[0].body;
	size_t e = sh_exts(f), end = e + 2 + (size_t)(b[e] << 8 | b[e + 1]);
	for (size_t p = e + 2; p + 4 <= end;) {
		size_t len = 4 + (size_t)(b[p + 2] << 8 | b[p + 3]);
		if ((unsigned)(b[p] << 8 | b[p + 1]) == type) {
			memmove(b + p, b + p + len, f->m[0].n - p - len);
			f->m[0].n -= len;
			put16(b + e, (size_t)(b[e] << 8 | b[e + 1]) - len);
			return;
		}
		p += len;
	}
}

/* Add an extension to the end of the ServerHello. */
static void sh_add(flight *f, unsigned type, const uint8_t *data, size_t n)
{
	uint8_t *b = f->m[0].body;
	size_t e = sh_exts(f), at = f->m[0].n;
	b[at] = (uint8_t)(type >> 8);
	b[at + 1] = (uint8_t)type;
	put16(b + at + 2, n);
	if (n)          /* data may be NULL: memcpy's arguments may not */
		memcpy(b + at + 4, data, n);
	f->m[0].n += 4 + n;
	put16(b + e, (size_t)(b[e] << 8 | b[e + 1]) + 4 + n);
}

static void insert(flight *f, size_t at, uint8_t type, const uint8_t *body, size_t n)
{
	memmove(&f->m[at + 1], &f->m[at], (f->n - at) * sizeof f->m[0]);
	f->m[at].type = type;
	if (n)
		memcpy(f->m[at].body, body, n);
	f->m[at].n = n;
	f->n++;
}

static void sentinel(flight *f) { memcpy(f->m[0].body + 2 + 24, "DOWNGRD\x01", 8); }
static void sentinel11(flight *f) { memcpy(f->m[0].body + 2 + 24, "DOWNGRD\x00", 8); }
static void sh_version(flight *f) { f->m[0].body[1] = 2; }
static void sh_suite_cbc(flight *f) { put16(f->m[0].body + 35 + f->m[0].body[34], 0xc013); }
static void sh_suite_13(flight *f) { put16(f->m[0].body + 35 + f->m[0].body[34], 0x1301); }
static void sh_suite_rsa(flight *f) { put16(f->m[0].body + 35 + f->m[0].body[34], 0xc02f); }
static void sh_comp(flight *f) { f->m[0].body[37 + f->m[0].body[34]] = 1; }
static void sh_no_ems(flight *f) { sh_drop(f, 23); }
static void sh_no_reneg(flight *f) { sh_drop(f, 0xff01); }
static void sh_reneg_full(flight *f)
{
	static const uint8_t d[] = { 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	sh_no_reneg(f);
	sh_add(f, 0xff01, d, sizeof d);
}
static void sh_points_compressed(flight *f)
{
	static const uint8_t d[] = { 1, 1 };
	sh_drop(f, 11);
	sh_add(f, 11, d, sizeof d);
}
static void sh_key_share(flight *f)
{
	static const uint8_t d[] = { 0, 29, 0, 1, 9 };
	sh_add(f, 51, d, sizeof d);
}
static void sh_unasked(flight *f) { sh_add(f, 22, NULL, 0); }  /* encrypt_then_mac: never offered */
static void sh_truncated(flight *f) { f->m[0].n = 36; }
static void sh_trailing(flight *f) { f->m[0].body[f->m[0].n++] = 0; }
static void sh_echo_sid(flight *f)
{
	/* Our compatibility-mode session id, echoed: a resumption we never offered. */
	(void)f;
}
static void cert_empty(flight *f)
{
	int i = find(f, 11);
	memset(f->m[i].body, 0, 3);
	f->m[i].n = 3;
}
static void cert_garbage(flight *f)
{
	static const uint8_t b[] = { 0, 0, 7, 0, 0, 4, 0x30, 0x02, 0x05, 0x00 };
	int i = find(f, 11);
	memcpy(f->m[i].body, b, sizeof b);
	f->m[i].n = sizeof b;
}
static void cert_bad_length(flight *f) { f->m[find(f, 11)].body[2] ^= 1; }
static void ske_curve_type(flight *f) { f->m[find(f, 12)].body[0] = 1; }
static void ske_hybrid(flight *f) { put16(f->m[find(f, 12)].body + 1, SIGIL_GROUP_X25519MLKEM768); }
static void ske_unknown_group(flight *f) { put16(f->m[find(f, 12)].body + 1, 0x0019); }
static void ske_other_group(flight *f) { put16(f->m[find(f, 12)].body + 1, SIGIL_GROUP_SECP256R1); }
static size_t ske_sig_at(const flight *f)
{
	const uint8_t *b = f->m[find(f, 12)].body;
	return 4 + b[3];
}
static void ske_scheme_sha1(flight *f) { put16(f->m[find(f, 12)].body + ske_sig_at(f), 0x0203); }
static void ske_scheme_rsa(flight *f) { put16(f->m[find(f, 12)].body + ske_sig_at(f), 0x0401); }
static void ske_sig_flip(flight *f)
{
	int i = find(f, 12);
	f->m[i].body[f->m[i].n - 5] ^= 0x40;
}
static void ske_point_flip(flight *f) { f->m[find(f, 12)].body[5] ^= 1; }
static void ske_truncated(flight *f) { f->m[find(f, 12)].n = 3; }
static void ske_trailing(flight *f)
{
	int i = find(f, 12);
	f->m[i].body[f->m[i].n++] = 0;
}
static void shd_body(flight *f)
{
	int i = find(f, 14);
	f->m[i].body[0] = 0;
	f->m[i].n = 1;
}
static void no_ske(flight *f)
{
	int i = find(f, 12);
	memmove(&f->m[i], &f->m[i + 1], (f->n - (size_t)i - 1) * sizeof f->m[0]);
	f->n--;
}
static void hello_request(flight *f) { insert(f, 1, 0, NULL, 0); }
static void finished_early(flight *f)
{
	static const uint8_t vd[12] = { 0 };
	insert(f, (size_t)find(f, 14), 20, vd, sizeof vd);
}
static void cr_empty_types(flight *f)
{
	static const uint8_t b[] = { 0, 0, 2, 4, 3, 0, 0 };
	insert(f, (size_t)find(f, 14), 13, b, sizeof b);
}
static void cr_odd_algs(flight *f)
{
	static const uint8_t b[] = { 1, 64, 0, 3, 4, 3, 1, 0, 0 };
	insert(f, (size_t)find(f, 14), 13, b, sizeof b);
}
static void cr_bad_cas(flight *f)
{
	static const uint8_t b[] = { 1, 64, 0, 2, 4, 3, 0, 3, 0, 5, 1 };
	insert(f, (size_t)find(f, 14), 13, b, sizeof b);
}
static void cr_after_shd(flight *f)
{
	static const uint8_t b[] = { 1, 64, 0, 2, 4, 3, 0, 0 };
	insert(f, f->n, 13, b, sizeof b);
}

static bool client_min13;

/* Run a TLS 1.2-only sigil server's first flight through `tamper` into a
 * client: the alert the client failed with (-1: none), its sentence in
 * why; with out, what the client sent back. */
static int client_run(const char *key, void (*tamper)(flight *f), const char *ccert, char *why, size_t cap,
		      uint8_t *out, size_t *outn)
{
	sigil_config *sc = config(key, SIGIL_TLS12, SIGIL_TLS12), *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
	if (ccert) {
		char crt[128], k[128];
		snprintf(crt, sizeof crt, "tests/data/tls/%s.crt", ccert);
		snprintf(k, sizeof k, "tests/data/tls/%s.key", ccert);
		CHECK(sigil_config_add_cert_key_file(cc, crt, k) == 0);
	}
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(c, &n);
	uint8_t ch[4096];
	memcpy(ch, p, n < sizeof ch ? n : sizeof ch);
	size_t chn = n;
	move(c, s);
	p = sigil_conn_send_buf(s, &n);
	static flight f;
	static uint8_t rec[sizeof f.m];
	CHECK(flight_parse(p, n, &f) && f.n == 4);
	sigil_conn_send_ack(s, n);
	if (tamper == sh_echo_sid) {
		/* The hello's session id is at 5 + 4 + 2 + 32. */
		uint8_t *b = f.m[0].body;
		size_t old = b[34];
		CHECK(ch[43] == 32);
		memmove(b + 35 + 32, b + 35 + old, f.m[0].n - 35 - old);
		memcpy(b + 35, ch + 44, 32);
		b[34] = 32;
		f.m[0].n += 32 - old;
	} else if (tamper) {
		tamper(&f);
	}
	(void)chn;
	size_t rn = flight_write(&f, rec, sizeof rec);
	if (client_min13) {
		/* The same flight to a client whose minimum is TLS 1.3. */
		sigil_conn_free(c);
		sigil_config_free(cc);
		cc = config(NULL, SIGIL_TLS13, SIGIL_TLS13);
		c = sigil_conn_new(cc, SIGIL_CLIENT);
		p = sigil_conn_send_buf(c, &n);
		sigil_conn_send_ack(c, n);
	}
	if (sigil_conn_recv_net(c, rec, rn, &used) < 0) { /* checked below */ }
	int alert = (sigil_conn_state(c) & SIGIL_ST_FAILED) ? sigil_conn_error_alert(c) : -1;
	snprintf(why, cap, "%s", sigil_conn_error(c));
	if (out) {
		p = sigil_conn_send_buf(c, &n);
		*outn = n < 8192 ? n : 0;
		if (*outn)
			memcpy(out, p, n);
	}
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
	return alert;
}

static void test_bad_flight(void)
{
	static const struct {
		const char *name, *key;
		void (*tamper)(flight *f);
		int alert;
		const char *words;
	} cases[] = {
		{ "good", "ec256", NULL, -1, "" },
		{ "good rsa", "rsa", NULL, -1, "" },
		/* RFC 8446 4.1.3: the sentinels, in a TLS 1.2 ServerHello to a
		 * client that offered TLS 1.3. */
		{ "sentinel 1.2", "ec256", sentinel, SIGIL_ALERT_ILLEGAL_PARAMETER, "downgrade" },
		{ "sentinel 1.1", "ec256", sentinel11, SIGIL_ALERT_ILLEGAL_PARAMETER, "downgrade" },
		/* ServerHello (RFC 5246 7.4.1.3). */
		{ "TLS 1.1", "ec256", sh_version, SIGIL_ALERT_PROTOCOL_VERSION, "0x0302" },
		{ "CBC suite", "ec256", sh_suite_cbc, SIGIL_ALERT_ILLEGAL_PARAMETER, "did not offer" },
		{ "TLS 1.3 suite", "ec256", sh_suite_13, SIGIL_ALERT_ILLEGAL_PARAMETER, "did not offer" },
		{ "compression", "ec256", sh_comp, SIGIL_ALERT_ILLEGAL_PARAMETER, "compression" },
		{ "no EMS", "ec256", sh_no_ems, SIGIL_ALERT_HANDSHAKE_FAILURE, "extended_master_secret (RFC 7627)" },
		{ "no renegotiation_info", "ec256", sh_no_reneg, SIGIL_ALERT_HANDSHAKE_FAILURE, "renegotiation_info" },
		{ "renegotiation_info not empty", "ec256", sh_reneg_full, SIGIL_ALERT_HANDSHAKE_FAILURE, "RFC 5746 3.4" },
		{ "compressed points only", "ec256", sh_points_compressed, SIGIL_ALERT_ILLEGAL_PARAMETER, "uncompressed" },
		{ "key_share in a TLS 1.2 hello", "ec256", sh_key_share, SIGIL_ALERT_ILLEGAL_PARAMETER, "not allowed" },
		{ "unasked extension", "ec256", sh_unasked, SIGIL_ALERT_UNSUPPORTED_EXTENSION, "never offered" },
		{ "truncated", "ec256", sh_truncated, SIGIL_ALERT_DECODE_ERROR, "ServerHello" },
		{ "trailing byte", "ec256", sh_trailing, SIGIL_ALERT_DECODE_ERROR, "ServerHello" },
		{ "our session id echoed", "ec256", sh_echo_sid, SIGIL_ALERT_ILLEGAL_PARAMETER, "never offered" },
		/* Certificate (7.4.2). */
		{ "empty chain", "ec256", cert_empty, SIGIL_ALERT_DECODE_ERROR, "empty certificate chain" },
		{ "not a certificate", "ec256", cert_garbage, SIGIL_ALERT_BAD_CERTIFICATE, "cannot be parsed" },
		{ "bad length", "ec256", cert_bad_length, SIGIL_ALERT_DECODE_ERROR, "Certificate" },
		{ "ECDSA key for ECDHE_RSA", "ec256", sh_suite_rsa, SIGIL_ALERT_UNSUPPORTED_CERTIFICATE, "needs an RSA" },
		/* ServerKeyExchange (RFC 8422 5.4). */
		{ "explicit curve", "ec256", ske_curve_type, SIGIL_ALERT_ILLEGAL_PARAMETER, "named_curve" },
		{ "hybrid group in TLS 1.2", "ec256", ske_hybrid, SIGIL_ALERT_ILLEGAL_PARAMETER, "did not offer for TLS 1.2" },
		{ "unknown group", "ec256", ske_unknown_group, SIGIL_ALERT_ILLEGAL_PARAMETER, "0x0019" },
		{ "group changed (signed)", "ec256", ske_other_group, SIGIL_ALERT_DECRYPT_ERROR, "signature" },
		{ "SHA-1 scheme", "ec256", ske_scheme_sha1, SIGIL_ALERT_ILLEGAL_PARAMETER, "0x0203" },
		{ "RSA scheme, ECDSA key", "ec256", ske_scheme_rsa, SIGIL_ALERT_ILLEGAL_PARAMETER, "0x0401" },
		{ "signature flipped", "ec256", ske_sig_flip, SIGIL_ALERT_DECRYPT_ERROR, "ServerKeyExchange signature" },
		{ "signature flipped (RSA)", "rsa", ske_sig_flip, SIGIL_ALERT_DECRYPT_ERROR, "ServerKeyExchange signature" },
		{ "point changed", "ec256", ske_point_flip, SIGIL_ALERT_DECRYPT_ERROR, "signature" },
		{ "truncated", "ec256", ske_truncated, SIGIL_ALERT_DECODE_ERROR, "ServerKeyExchange" },
		{ "trailing byte", "ec256", ske_trailing, SIGIL_ALERT_DECODE_ERROR, "ServerKeyExchange" },
		{ "no ServerKeyExchange", "ec256", no_ske, SIGIL_ALERT_UNEXPECTED_MESSAGE, "ServerKeyExchange" },
		/* ServerHelloDone (7.4.5), and messages out of place. */
		{ "ServerHelloDone with a body", "ec256", shd_body, SIGIL_ALERT_DECODE_ERROR, "ServerHelloDone" },
		{ "HelloRequest in the handshake", "ec256", hello_request, SIGIL_ALERT_UNEXPECTED_MESSAGE, "type 0" },
		{ "Finished before ServerHelloDone", "ec256", finished_early, SIGIL_ALERT_UNEXPECTED_MESSAGE, "type 20" },
		/* CertificateRequest (7.4.4). */
		{ "CR without types", "ec256", cr_empty_types, SIGIL_ALERT_DECODE_ERROR, "CertificateRequest" },
		{ "CR odd algorithms", "ec256", cr_odd_algs, SIGIL_ALERT_DECODE_ERROR, "CertificateRequest" },
		{ "CR bad authorities", "ec256", cr_bad_cas, SIGIL_ALERT_DECODE_ERROR, "certificate_authorities" },
		{ "CR after ServerHelloDone", "ec256", cr_after_shd, SIGIL_ALERT_UNEXPECTED_MESSAGE, "type 13" },
	};
	char why[800];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int a = client_run(cases[i].key, cases[i].tamper, NULL, why, sizeof why, NULL, NULL);
		CHECK_MSG(a == cases[i].alert, "%s: alert %d, want %d (%s)", cases[i].name, a, cases[i].alert, why);
		CHECK_MSG(strstr(why, cases[i].words) != NULL, "%s: \"%s\" lacks \"%s\"", cases[i].name, why,
			  cases[i].words);
	}
	/* With minimum TLS 1.3, a TLS 1.2 ServerHello is protocol_version;
	 * with the sentinel, still the downgrade. */
	client_min13 = true;
	int a = client_run("ec256", NULL, NULL, why, sizeof why, NULL, NULL);
	CHECK_MSG(a == SIGIL_ALERT_PROTOCOL_VERSION && strstr(why, "minimum version is TLS 1.3"), "%d %s", a, why);
	a = client_run("ec256", sentinel, NULL, why, sizeof why, NULL, NULL);
	CHECK_MSG(a == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(why, "downgrade"), "%d %s", a, why);
	client_min13 = false;
}

/* A good CertificateRequest: the client answers with its chain and a
 * CertificateVerify (or an empty Certificate without one that fits). */
static void cr_good(flight *f)
{
	static const uint8_t b[] = { 2, 1, 64, 0, 4, 4, 3, 4, 1, 0, 0 };
	insert(f, (size_t)find(f, 14), 13, b, sizeof b);
}
static void cr_rsa_only(flight *f)
{
	static const uint8_t b[] = { 1, 1, 0, 2, 4, 1, 0, 0 };
	insert(f, (size_t)find(f, 14), 13, b, sizeof b);
}

/* The client's handshake records (plaintext up to its CCS): types in order. */
static size_t types_sent(const uint8_t *p, size_t n, uint8_t *types, size_t cap, size_t *cert_len)
{
	size_t k = 0;
	for (size_t i = 0; i + 5 <= n && k < cap;) {
		size_t len = (size_t)(p[i + 3] << 8 | p[i + 4]);
		if (p[i] != 22)
			break;
		for (size_t j = i + 5; j + 4 <= i + 5 + len && k < cap;) {
			size_t ml = (size_t)p[j + 1] << 16 | (size_t)p[j + 2] << 8 | p[j + 3];
			if (p[j] == 11)
				*cert_len = ml;
			types[k++] = p[j];
			j += 4 + ml;
		}
		i += 5 + len;
	}
	return k;
}

static void test_client_auth(void)
{
	static uint8_t out[8192];
	uint8_t types[8];
	size_t n = 0, cl = 99, k;
	char why[800];
	int a = client_run("ec256", cr_good, "ec256", why, sizeof why, out, &n);
	CHECK_MSG(a == -1, "%s", why);
	k = types_sent(out, n, types, sizeof types, &cl);
	CHECK_MSG(k == 3 && types[0] == 11 && types[1] == 16 && types[2] == 15 && cl > 3,
		  "sent %zu messages, certificate %zu bytes", k, cl);
	/* RSA client key, PKCS#1 (only TLS 1.2 allows it in CertificateVerify). */
	a = client_run("ec256", cr_rsa_only, "rsa", why, sizeof why, out, &n);
	CHECK_MSG(a == -1, "%s", why);
	k = types_sent(out, n, types, sizeof types, &cl);
	CHECK_MSG(k == 3 && types[0] == 11 && types[2] == 15, "rsa: sent %zu messages", k);
	/* No certificate that fits (ECDSA key, the server asks for RSA): an
	 * empty Certificate and no CertificateVerify (7.4.6). */
	a = client_run("ec256", cr_rsa_only, "ec256", why, sizeof why, out, &n);
	CHECK_MSG(a == -1, "%s", why);
	cl = 99;
	k = types_sent(out, n, types, sizeof types, &cl);
	CHECK_MSG(k == 2 && types[0] == 11 && types[1] == 16 && cl == 3, "no fit: sent %zu messages, cert %zu", k, cl);
	a = client_run("ec256", cr_good, NULL, why, sizeof why, out, &n);
	cl = 99;
	k = types_sent(out, n, types, sizeof types, &cl);
	CHECK_MSG(a == -1 && k == 2 && cl == 3, "no certificate: sent %zu messages (%s)", k, why);
}

/* ---- the TLS 1.2 server's client authentication (RFC 5246 7.4.4,
 * 7.4.6, 7.4.8): the sigil client against it, in memory ---- */

enum { CV_KEEP, CV_FLIP, CV_DROP, CV_SCHEME };

/* In the client's second flight (plaintext handshake records, then its
 * change_cipher_spec and encrypted Finished), the CertificateVerify:
 * its scheme in *seen (0: none sent), and changed as `how` says (a
 * signature byte flipped, the message removed, its scheme replaced by
 * `scheme`).  Returns the new length. */
static size_t cv_tamper(uint8_t *p, size_t n, int how, uint16_t scheme, uint16_t *seen)
{
	*seen = 0;
	for (size_t i = 0; i + 5 <= n && p[i] == 22;) {
		size_t len = (size_t)(p[i + 3] << 8 | p[i + 4]);
		for (size_t j = i + 5; j + 4 <= i + 5 + len;) {
			size_t ml = (size_t)p[j + 1] << 16 | (size_t)p[j + 2] << 8 | p[j + 3];
			if (p[j] != 15) {
				j += 4 + ml;
				continue;
			}
			*seen = (uint16_t)(p[j + 4] << 8 | p[j + 5]);
			if (how == CV_FLIP)
				p[j + 4 + ml - 1] ^= 0x01;
			if (how == CV_SCHEME)
				put16(p + j + 4, scheme);
			if (how == CV_DROP) {
				size_t cut = 4 + ml;
				if (cut == len) {       /* the record holds it alone */
					j = i;
					cut += 5;
				} else {
					put16(p + i + 3, len - cut);
				}
				memmove(p + j, p + j + cut, n - j - cut);
				return n - cut;
			}
			return n;
		}
		i += 5 + len;
	}
	return n;
}

typedef struct auth_case {
	const char *name;
	sigil_client_auth mode;
	const char *ccert;              /* the client's certificate, or NULL */
	const char *trust;              /* the server's client CA, or NULL: insecure_noverify */
	const char *csigalgs, *ssigalgs;        /* the client's, the server's signature_algorithms */
	int how;
	uint16_t scheme;                /* CV_SCHEME: the one written in */
	int alert;                      /* the server's (-1: the handshake succeeds) */
	const char *words;              /* in the server's error, or the peer's subject */
	uint16_t want_scheme;           /* the scheme the client signs with (0: it sends no CertificateVerify) */
	sigil_error_class cls;          /* the server's error class when it refuses */
} auth_case;

static void auth_run(const auth_case *t)
{
	sigil_config *sc = sigil_config_new(), *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
	CHECK(sc && sigil_config_add_cert_key_file(sc, "tests/data/tls/ec256.crt", "tests/data/tls/ec256.key") == 0);
	CHECK(sigil_config_set_versions(sc, SIGIL_TLS12, SIGIL_TLS12) == 0);
	if (t->trust) {
		char ca[128];
		snprintf(ca, sizeof ca, "tests/data/tls/%s.crt", t->trust);
		CHECK(sigil_config_add_trust(sc, ca) == 0);
	} else {
		CHECK(sigil_config_insecure_noverify(sc) == 0);
	}
	CHECK(sigil_config_set_client_auth(sc, t->mode) == 0);
	if (t->ssigalgs)
		CHECK(sigil_config_set_sigalgs(sc, t->ssigalgs) == 0);
	if (t->csigalgs)
		CHECK(sigil_config_set_sigalgs(cc, t->csigalgs) == 0);
	if (t->ccert) {
		char crt[128], k[128];
		snprintf(crt, sizeof crt, "tests/data/tls/%s.crt", t->ccert);
		snprintf(k, sizeof k, "tests/data/tls/%s.key", t->ccert);
		CHECK(sigil_config_add_cert_key_file(cc, crt, k) == 0);
	}
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	move(c, s);
	move(s, c);
	/* The client's second flight, through cv_tamper. */
	static uint8_t fl[16384];
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(c, &n);
	uint16_t seen = 0;
	CHECK_MSG(p && n <= sizeof fl && !(sigil_conn_state(c) & SIGIL_ST_FAILED), "%s: client: %s", t->name,
		  sigil_conn_error(c));
	if (p && n <= sizeof fl) {
		memcpy(fl, p, n);
		sigil_conn_send_ack(c, n);
		n = cv_tamper(fl, n, t->how, t->scheme, &seen);
		if (sigil_conn_recv_net(s, fl, n, &used) < 0) { /* checked below */ }
	}
	CHECK_MSG(seen == t->want_scheme, "%s: the client signed with %04x, want %04x", t->name, seen, t->want_scheme);
	int r = (sigil_conn_state(s) & SIGIL_ST_FAILED) ? -1 : pump(c, s);
	sigil_peer_identity id;
	size_t nchain = 99;
	if (t->alert == -1) {
		CHECK_MSG(r == 0, "%s: %s / %s", t->name, sigil_conn_error(c), sigil_conn_error(s));
		CHECK_MSG(sigil_conn_version(s) == SIGIL_TLS12, "%s: version %04x", t->name, sigil_conn_version(s));
		CHECK_MSG(r == 0 && talk(c, s), "%s: application data", t->name);
		if (t->words[0]) {
			/* The identity, as TLS 1.3 gives it (tls_test.c). */
			CHECK_MSG(sigil_conn_peer_identity(s, &id) == 0 && strcmp(id.subject, t->words) == 0 &&
				  strlen(id.spki_sha256) == 44 && id.serial[0], "%s: identity %s", t->name, id.subject);
			CHECK(sigil_conn_peer_chain(s, &nchain) != NULL && nchain == 1);
		} else {
			CHECK_MSG(sigil_conn_peer_identity(s, &id) < 0 && sigil_conn_peer_chain(s, &nchain) == NULL &&
				  nchain == 0, "%s: an identity without a certificate", t->name);
		}
	} else {
		CHECK_MSG(r < 0 && sigil_conn_error_alert(s) == t->alert, "%s: alert %d, want %d (%s)", t->name,
			  sigil_conn_error_alert(s), t->alert, sigil_conn_error(s));
		CHECK_MSG(strstr(sigil_conn_error(s), t->words) != NULL, "%s: \"%s\" lacks \"%s\"", t->name,
			  sigil_conn_error(s), t->words);
		CHECK_MSG(sigil_conn_error_class(s) == t->cls, "%s: class %d", t->name, sigil_conn_error_class(s));
		/* The alert reaches the client. */
		move(s, c);
		CHECK_MSG(sigil_conn_error_class(c) == SIGIL_ECLASS_PEER_ALERT && sigil_conn_error_alert(c) == t->alert,
			  "%s: the client: %s", t->name, sigil_conn_error(c));
		CHECK(sigil_conn_peer_identity(s, &id) < 0);
	}
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

static void test_server_client_auth(void)
{
	const sigil_client_auth RQ = SIGIL_CLIENT_AUTH_REQUIRE, RE = SIGIL_CLIENT_AUTH_REQUEST;
	const sigil_error_class LA = SIGIL_ECLASS_LOCAL_ALERT, VE = SIGIL_ECLASS_VERIFY;
	const auth_case cases[] = {
		/* Verified against the client CA; every key type, and the
		 * schemes TLS 1.2 adds: ECDSA names only the hash (P-384
		 * with SHA-256, P-256 with SHA-384), PKCS#1 v1.5. */
		{ "require, CA-issued", RQ, "leaf", "ca", NULL, NULL, CV_KEEP, 0, -1, "CN=localhost", 0x0403, 0 },
		{ "request, CA-issued", RE, "leaf", "ca", NULL, NULL, CV_KEEP, 0, -1, "CN=localhost", 0x0403, 0 },
		{ "P-384 with SHA-256", RQ, "ec384", NULL, NULL, NULL, CV_KEEP, 0, -1, "CN=sigil-test", 0x0403, 0 },
		{ "P-256 with SHA-384", RQ, "leaf", "ca", NULL, "ecdsa_secp384r1_sha384", CV_KEEP, 0, -1, "CN=localhost",
		  0x0503, 0 },
		{ "RSA-PSS", RQ, "rsa", NULL, NULL, NULL, CV_KEEP, 0, -1, "CN=sigil-test", 0x0804, 0 },
		{ "RSA PKCS#1", RE, "rsa", NULL, "ecdsa_secp256r1_sha256:rsa_pkcs1_sha256", NULL, CV_KEEP, 0, -1, "CN=sigil-test", 0x0401, 0 },
		{ "Ed25519", RQ, "ed25519", NULL, NULL, NULL, CV_KEEP, 0, -1, "CN=sigil-test", 0x0807, 0 },
		/* No certificate (7.4.6). */
		{ "request, none", RE, NULL, "ca", NULL, NULL, CV_KEEP, 0, -1, "", 0, 0 },
		{ "require, none", RQ, NULL, "ca", NULL, NULL, CV_KEEP, 0, SIGIL_ALERT_HANDSHAKE_FAILURE,
		  "no certificate, and one is required", 0, VE },
		/* The server offers no scheme the key can sign with: the
		 * client sends none (7.4.6 lets it). */
		{ "require, no scheme for Ed25519", RQ, "ed25519", NULL, NULL, "ecdsa_secp256r1_sha256", CV_KEEP, 0,
		  SIGIL_ALERT_HANDSHAKE_FAILURE, "no certificate", 0, VE },
		/* Another CA: the client sees certificate_authorities and
		 * withholds it; one that names a CA we trust and is not
		 * signed by it is sent and refused by verification. */
		{ "require, another CA's (withheld)", RQ, "ec256", "ca", NULL, NULL, CV_KEEP, 0,
		  SIGIL_ALERT_HANDSHAKE_FAILURE, "no certificate", 0, VE },
		{ "request, another CA's (withheld)", RE, "ec256", "ca", NULL, NULL, CV_KEEP, 0, -1, "", 0, 0 },
		{ "require, same name, another key", RQ, "ec256", "ec384", NULL, NULL, CV_KEEP, 0,
		  SIGIL_ALERT_BAD_CERTIFICATE, "certificate verify failed", 0x0403, VE },
		{ "request, same name, another key", RE, "ec256", "ec384", NULL, NULL, CV_KEEP, 0,
		  SIGIL_ALERT_BAD_CERTIFICATE, "certificate verify failed", 0x0403, VE },
		/* CertificateVerify (7.4.8) made wrong. */
		{ "signature flipped (ECDSA)", RQ, "leaf", "ca", NULL, NULL, CV_FLIP, 0, SIGIL_ALERT_DECRYPT_ERROR,
		  "CertificateVerify signature (ecdsa_secp256r1_sha256) is invalid", 0x0403, LA },
		{ "signature flipped (RSA-PSS)", RE, "rsa", NULL, NULL, NULL, CV_FLIP, 0, SIGIL_ALERT_DECRYPT_ERROR,
		  "CertificateVerify signature (rsa_pss_rsae_sha256) is invalid", 0x0804, LA },
		{ "signature flipped (PKCS#1)", RQ, "rsa", NULL, "ecdsa_secp256r1_sha256:rsa_pkcs1_sha256", NULL, CV_FLIP, 0,
		  SIGIL_ALERT_DECRYPT_ERROR, "is invalid", 0x0401, LA },
		{ "signature flipped (Ed25519)", RQ, "ed25519", NULL, NULL, NULL, CV_FLIP, 0, SIGIL_ALERT_DECRYPT_ERROR,
		  "is invalid", 0x0807, LA },
		{ "CertificateVerify missing", RQ, "leaf", "ca", NULL, NULL, CV_DROP, 0, SIGIL_ALERT_UNEXPECTED_MESSAGE,
		  "change_cipher_spec", 0x0403, LA },
		{ "CertificateVerify missing (request)", RE, "rsa", NULL, NULL, NULL, CV_DROP, 0,
		  SIGIL_ALERT_UNEXPECTED_MESSAGE, "change_cipher_spec", 0x0804, LA },
		{ "a scheme we did not offer", RQ, "leaf", "ca", NULL, "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
		  CV_SCHEME, 0x0503, SIGIL_ALERT_ILLEGAL_PARAMETER, "scheme 0x0503, which we did not offer", 0x0403, LA },
		{ "a scheme sigil does not know (SHA-1)", RQ, "leaf", "ca", NULL, NULL, CV_SCHEME, 0x0203,
		  SIGIL_ALERT_ILLEGAL_PARAMETER, "scheme 0x0203, which we did not offer", 0x0403, LA },
		{ "an RSA scheme for an ECDSA key", RQ, "leaf", "ca", NULL, NULL, CV_SCHEME, 0x0804,
		  SIGIL_ALERT_ILLEGAL_PARAMETER, "does not fit its certificate's key", 0x0403, LA },
		{ "an ECDSA scheme for an Ed25519 key", RQ, "ed25519", NULL, NULL, NULL, CV_SCHEME, 0x0403,
		  SIGIL_ALERT_ILLEGAL_PARAMETER, "does not fit its certificate's key", 0x0807, LA },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		auth_run(&cases[i]);
}

/* RFC 8446 4.1.3 end to end: an attacker removes TLS 1.3 from the
 * ClientHello's supported_versions (0x0304 becomes 0x0303); the sigil
 * server, able to speak TLS 1.3, answers TLS 1.2 with the sentinel, and
 * the client, which offered TLS 1.3, refuses it.  Without the attacker a
 * TLS 1.2-only server sends no sentinel (test_pairs). */
static void test_downgrade_attack(void)
{
	sigil_config *sc = config("ec256", SIGIL_TLS12, SIGIL_TLS13), *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(c, &n);
	static uint8_t ch[4096];
	const uint8_t *d;
	size_t dl;
	CHECK(n <= sizeof ch);
	memcpy(ch, p, n);
	sigil_conn_send_ack(c, n);
	CHECK(ch_find_ext(ch, n, 43, &d, &dl) && dl == 5);
	ch[d - ch + 2] = 3;             /* 0x0304 -> 0x0303 */
	CHECK(sigil_conn_recv_net(s, ch, n, &used) == 0);
	p = sigil_conn_send_buf(s, &n);
	CHECK(n > 43 && memcmp(p + 9 + 2 + 24, "DOWNGRD\x01", 8) == 0);
	if (sigil_conn_recv_net(c, p, n, &used) < 0) { /* checked below */ }
	CHECK_MSG(sigil_conn_error_alert(c) == SIGIL_ALERT_ILLEGAL_PARAMETER && strstr(sigil_conn_error(c), "downgrade"),
		  "%s", sigil_conn_error(c));
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* ---- session tickets (RFC 5077), sigil to sigil ---- */

static uint64_t srv_now, cli_now;
static uint64_t srv_clock(void *arg) { (void)arg; return srv_now; }
static uint64_t cli_clock(void *arg) { (void)arg; return cli_now; }
static const sg_test_hooks srv_hooks = { .now_ms = srv_clock }, cli_hooks = { .now_ms = cli_clock };

/* A handshake under server name `name`, offering blob[n] when n; 1
 * resumed, 0 full, -1 failed; the session the client then holds in
 * out[*on] when out. */
static int connect12(sigil_config *sc, sigil_config *cc, const char *name, const uint8_t *blob, size_t n,
		     uint8_t *out, size_t *on)
{
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	int r = -1;
	CHECK(sigil_conn_set_server_name(c, name) == 0);
	CHECK(n == 0 || sigil_conn_set_session(c, blob, n) == 0);
	if (pump(c, s) == 0 && talk(c, s)) {
		r = sigil_conn_resumed(c);
		CHECK(sigil_conn_resumed(s) == r);
		size_t k;
		CHECK(r == 0 || sigil_conn_peer_chain(c, &k) == NULL);        /* no Certificate resumed */
	}
	if (out && sigil_conn_get_session(c, out, 1024, on) < 0)
		*on = 0;
	sigil_conn_free(c);
	sigil_conn_free(s);
	return r;
}

/* The blob's server name is its last field. */
static size_t rename_blob(const uint8_t *b, size_t n, const char *old, const char *name, uint8_t *out)
{
	size_t k = n - 1 - strlen(old), l = strlen(name);
	memcpy(out, b, k);
	out[k] = (uint8_t)l;
	memcpy(out + k + 1, name, l);
	return k + 1 + l;
}

static void test_tickets(void)
{
	uint8_t blob[1024], b2[1024], b13[1024];
	size_t n = 0, n2 = 0, n13 = 0;
	srv_now = cli_now = 1700000000000ull;
	sigil_config *sc = config("ec256", SIGIL_TLS12, SIGIL_TLS12), *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
	CHECK(sg_config_set_test_hooks(sc, &srv_hooks) == 0 && sg_config_set_test_hooks(cc, &cli_hooks) == 0);
	/* Issued: a NewSessionTicket in the full handshake, kept as a TLS
	 * 1.2 session. */
	CHECK(connect12(sc, cc, "localhost", NULL, 0, blob, &n) == 0);
	CHECK_MSG(n > 73 && memcmp(blob, "SGS2", 4) == 0, "no TLS 1.2 session (%zu bytes)", n);
	/* Resumed (RFC 5246 7.3), twice: the session is kept. */
	CHECK(connect12(sc, cc, "localhost", blob, n, b2, &n2) == 1);
	CHECK(n2 == n && memcmp(b2, blob, n) == 0);
	cli_now = srv_now += 3600 * 1000;       /* within the 2 h lifetime */
	CHECK(connect12(sc, cc, "localhost", blob, n, NULL, NULL) == 1);
	/* The name in other case resumes; another name does not (RFC 6066 3). */
	n2 = rename_blob(blob, n, "localhost", "LOCALHOST", b2);
	CHECK(connect12(sc, cc, "LOCALHOST", b2, n2, NULL, NULL) == 1);
	n2 = rename_blob(blob, n, "localhost", "b.example", b2);
	CHECK(connect12(sc, cc, "b.example", b2, n2, NULL, NULL) == 0);
	/* Tampered inside the ticket (after magic, suite, received, lifetime,
	 * age_add, master secret and the ticket's length): a full handshake,
	 * which issues a new ticket. */
	memcpy(b2, blob, n);
	b2[73 + 20] ^= 1;
	CHECK(connect12(sc, cc, "localhost", b2, n, b2, &n2) == 0 && n2 > 0 && memcmp(b2, blob, n) != 0);
	/* Key rotation: the old key still opens; a server without it does not. */
	uint8_t tkeys[2 * SIGIL_TICKET_KEY_LEN];
	memset(tkeys, 7, SIGIL_TICKET_KEY_LEN);
	memcpy(tkeys + SIGIL_TICKET_KEY_LEN, sc->ticket_keys[0], SIGIL_TICKET_KEY_LEN);
	sigil_config *rot = config("ec256", SIGIL_TLS12, SIGIL_TLS12), *other = config("ec256", SIGIL_TLS12, SIGIL_TLS12);
	CHECK(sigil_config_set_ticket_keys(rot, tkeys, 2) == 0 && sg_config_set_test_hooks(rot, &srv_hooks) == 0);
	CHECK(connect12(rot, cc, "localhost", blob, n, NULL, NULL) == 1);
	CHECK(connect12(other, cc, "localhost", blob, n, NULL, NULL) == 0);
	/* Version crossing: the TLS 1.2 session against a TLS 1.3 server is
	 * a full TLS 1.3 handshake (never a PSK), and a TLS 1.3 session
	 * against the TLS 1.2 server a full TLS 1.2 one (never a ticket).
	 * The same ticket keys, so only the version marker stops them. */
	sigil_config *sc13 = config("ec256", SIGIL_TLS12, SIGIL_TLS13);
	CHECK(sigil_config_set_ticket_keys(sc13, sc->ticket_keys[0], 1) == 0 &&
	      sg_config_set_test_hooks(sc13, &srv_hooks) == 0);
	CHECK(connect12(sc13, cc, "localhost", blob, n, b13, &n13) == 0);
	CHECK_MSG(n13 > 4 && memcmp(b13, "SGS1", 4) == 0, "no TLS 1.3 session");
	CHECK(connect12(sc13, cc, "localhost", b13, n13, NULL, NULL) == 1);
	CHECK(connect12(sc, cc, "localhost", b13, n13, NULL, NULL) == 0);
	/* A TLS 1.2 state sealed with a TLS 1.3 ticket's bytes: the 1.3
	 * ticket put in a 1.2 session blob opens at the 1.2 server, and is
	 * refused for its protocol. */
	{
		size_t tl13 = sg_load16(b13 + 4 + 2 + 8 + 4 + 4 + 1 + b13[22]);
		const uint8_t *t13 = b13 + 4 + 2 + 8 + 4 + 4 + 1 + b13[22] + 2;
		sg_wr w;
		sg_wr_init_fixed(&w, b2, sizeof b2);
		sg_wr_bytes(&w, blob, 71);
		sg_wr_u16(&w, (uint16_t)tl13);
		sg_wr_bytes(&w, t13, tl13);
		sg_wr_bytes(&w, blob + 73 + sg_load16(blob + 71), n - 73 - sg_load16(blob + 71));
		CHECK(sg_wr_ok(&w) && connect12(sc, cc, "localhost", b2, w.len, NULL, NULL) == 0);
	}
	/* Expired on the server's clock though the client still offers it. */
	srv_now += 2 * 3600 * 1000;
	CHECK(connect12(sc, cc, "localhost", blob, n, NULL, NULL) == 0);
	cli_now = srv_now;
	/* No tickets when the server wants client certificates, nor does it
	 * resume one sealed by a server sharing its key. */
	sigil_config *ca = config("ec256", SIGIL_TLS12, SIGIL_TLS12);
	CHECK(sigil_config_set_client_auth(ca, SIGIL_CLIENT_AUTH_REQUEST) == 0 &&
	      sigil_config_set_ticket_keys(ca, sc->ticket_keys[0], 1) == 0 && sg_config_set_test_hooks(ca, &srv_hooks) == 0);
	CHECK(connect12(sc, cc, "localhost", NULL, 0, blob, &n) == 0 && n > 0);
	CHECK(connect12(ca, cc, "localhost", NULL, 0, b2, &n2) == 0 && n2 == 0);
	CHECK(connect12(ca, cc, "localhost", blob, n, NULL, NULL) == 0);
	CHECK(connect12(sc, cc, "localhost", blob, n, NULL, NULL) == 1);
	/* A server that issues no tickets. */
	sigil_config *none = config("ec256", SIGIL_TLS12, SIGIL_TLS12);
	CHECK(sigil_config_set_tickets(none, 0, 7200) == 0);
	CHECK(connect12(none, cc, "localhost", NULL, 0, b2, &n2) == 0 && n2 == 0);
	sigil_config_free(none);
	sigil_config_free(ca);
	sigil_config_free(sc13);
	sigil_config_free(other);
	sigil_config_free(rot);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

static bool last_kept;  /* last_flight: the client kept a session */

/* The server's last flight (NewSessionTicket, change_cipher_spec,
 * Finished), changed by `edit` before the client reads it; the client's
 * alert, or 0 when it connected. */
static int last_flight(sigil_config *sc, sigil_config *cc, size_t (*edit)(uint8_t *p, size_t n, size_t cap))
{
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(sigil_conn_set_server_name(c, "localhost") == 0);
	static uint8_t buf[65536];
	size_t n, used;
	move(c, s);                             /* ClientHello */
	move(s, c);                             /* ServerHello..ServerHelloDone */
	move(c, s);                             /* ClientKeyExchange..Finished */
	const uint8_t *p = sigil_conn_send_buf(s, &n);
	CHECK(p && n > 5 && n < sizeof buf / 2);
	memcpy(buf, p, n);
	sigil_conn_send_ack(s, n);
	n = edit(buf, n, sizeof buf);
	int alert = 0;
	if (sigil_conn_recv_net(c, buf, n, &used) < 0 || !(sigil_conn_state(c) & SIGIL_ST_CONNECTED))
		alert = sigil_conn_error_alert(c);
	uint8_t b[1024];
	last_kept = sigil_conn_get_session(c, b, sizeof b, &n) == 0;
	sigil_conn_free(c);
	sigil_conn_free(s);
	return alert;
}

static size_t keep(uint8_t *p, size_t n, size_t cap) { (void)p; (void)cap; return n; }
/* The ticket's length made longer than the message (RFC 5077 3.3). */
static size_t nst_overlong(uint8_t *p, size_t n, size_t cap)
{
	(void)cap;
	CHECK(p[5] == 4);
	p[5 + 4 + 4] = 0xff;
	return n;
}
/* A NewSessionTicket (empty ticket) before the CCS from a server whose
 * ServerHello had no session_ticket: 3.3 forbids it. */
static size_t nst_unannounced(uint8_t *p, size_t n, size_t cap)
{
	static const uint8_t rec[] = { 22, 3, 3, 0, 10, 4, 0, 0, 6, 0, 0, 0x1c, 0x20, 0, 0 };
	CHECK(n + sizeof rec <= cap);
	memmove(p + sizeof rec, p, n);
	memcpy(p, rec, sizeof rec);
	return n + sizeof rec;
}

/* The server's Finished (the flight's last record) broken. */
static size_t fin_flip(uint8_t *p, size_t n, size_t cap)
{
	(void)cap;
	p[n - 1] ^= 1;
	return n;
}

static void test_bad_ticket(void)
{
	sigil_config *sc = config("ec256", SIGIL_TLS12, SIGIL_TLS12), *cc = config(NULL, SIGIL_TLS12, SIGIL_TLS13);
	CHECK(last_flight(sc, cc, keep) == 0 && last_kept);
	/* The ticket arrived, but the Finished that covers it failed: no
	 * session is kept. */
	CHECK(last_flight(sc, cc, fin_flip) == SIGIL_ALERT_BAD_RECORD_MAC && !last_kept);
	CHECK_MSG(last_flight(sc, cc, nst_overlong) == SIGIL_ALERT_DECODE_ERROR, "overlong ticket");
	sigil_config *none = config("ec256", SIGIL_TLS12, SIGIL_TLS12);
	CHECK(sigil_config_set_tickets(none, 0, 7200) == 0);
	CHECK(last_flight(none, cc, keep) == 0);
	CHECK_MSG(last_flight(none, cc, nst_unannounced) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "unannounced ticket");
	sigil_config_free(none);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

int main(void)
{
	test_downgrade_attack();
	test_client_hello();
	test_pairs();
	test_bad_flight();
	test_client_auth();
	test_server_client_auth();
	test_tickets();
	test_bad_ticket();
	return TEST_END();
}
