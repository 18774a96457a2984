/*
 * Certificate compression (RFC 8879): the three codecs' round trips on
 * vectors of our own, decompression bombs and broken streams, the
 * CompressedCertificate message as each side reads it (every alert of
 * RFC 8879 4), and sigil against itself with each algorithm, mutual TLS
 * included, with the compressed message made once per chain.
 */
#include "test.h"
#include "tls/tls.h"
#include "../../fuzz/fuzz_common.h"

static const uint16_t algs[3] = { SG_CERTCOMP_ZLIB, SG_CERTCOMP_BROTLI, SG_CERTCOMP_ZSTD };

/* ---- the codecs ---- */

static void roundtrip(uint16_t alg, const uint8_t *in, size_t n, const char *what)
{
	uint8_t *z = NULL, *back = malloc(n + 1);
	size_t zn = 0;
	CHECK_MSG(sg_certcomp_compress(alg, in, n, &z, &zn) == 0, "%s %s", sg_certcomp_name(alg), what);
	CHECK_MSG(sg_certcomp_decompress(alg, z, zn, back, n) == 0 && memcmp(back, in, n) == 0, "%s %s",
		  sg_certcomp_name(alg), what);
	/* One byte less or more than the stream holds: bad. */
	CHECK_MSG(n < 2 || sg_certcomp_decompress(alg, z, zn, back, n - 1) < 0, "%s %s short", sg_certcomp_name(alg), what);
	CHECK_MSG(sg_certcomp_decompress(alg, z, zn, back, n + 1) < 0, "%s %s long", sg_certcomp_name(alg), what);
	/* Truncated anywhere in its last part, or with a byte after it. */
	for (size_t cut = 1; cut <= 4 && cut < zn; cut++)
		CHECK_MSG(sg_certcomp_decompress(alg, z, zn - cut, back, n) < 0, "%s %s cut %zu",
			  sg_certcomp_name(alg), what, cut);
	uint8_t *more = malloc(zn + 1);
	memcpy(more, z, zn);
	more[zn] = 0;
	CHECK_MSG(sg_certcomp_decompress(alg, more, zn + 1, back, n) < 0, "%s %s trailing byte", sg_certcomp_name(alg), what);
	free(more);
	free(z);
	free(back);
}

static uint8_t *chain_message(const char *key, size_t *n)
{
	/* A Certificate body as sigil writes it: context, list of one entry. */
	char path[128];
	snprintf(path, sizeof path, "tests/data/tls/%s.crt", key);
	sigil_config *cfg = sigil_config_new();
	char kpath[128];
	snprintf(kpath, sizeof kpath, "tests/data/tls/%s.key", key);
	CHECK(cfg && sigil_config_add_cert_key_file(cfg, path, kpath) == 0);
	const sg_certkey *ck = &cfg->certs[0];
	size_t total = 1 + 3;
	for (size_t i = 0; i < ck->n; i++)
		total += 3 + ck->chain[i].len + 2;
	uint8_t *m = malloc(total), *p = m;
	*p++ = 0;
	*p++ = (uint8_t)((total - 4) >> 16), *p++ = (uint8_t)((total - 4) >> 8), *p++ = (uint8_t)(total - 4);
	for (size_t i = 0; i < ck->n; i++) {
		size_t l = ck->chain[i].len;
		*p++ = (uint8_t)(l >> 16), *p++ = (uint8_t)(l >> 8), *p++ = (uint8_t)l;
		memcpy(p, ck->chain[i].der, l);
		p += l;
		*p++ = 0, *p++ = 0;
	}
	*n = total;
	sigil_config_free(cfg);
	return m;
}

static void test_codecs(void)
{
	static const char *certs[] = { "ec256", "rsa", "ed25519" };
	for (size_t k = 0; k < 3; k++) {
		size_t n;
		uint8_t *m = chain_message(certs[k], &n);
		char sizes[128];
		int o = snprintf(sizes, sizeof sizes, "%s Certificate %zu bytes:", certs[k], n);
		for (size_t a = 0; a < 3; a++) {
			roundtrip(algs[a], m, n, certs[k]);
			uint8_t *z;
			size_t zn;
			if (sg_certcomp_compress(algs[a], m, n, &z, &zn) == 0) {
				o += snprintf(sizes + o, sizeof sizes - (size_t)o, " %s %zu", sg_certcomp_name(algs[a]), zn);
				free(z);
			}
		}
		printf("NOTE %s\n", sizes);
		free(m);
	}
	/* One byte, random bytes (incompressible), 100 KB of text. */
	uint8_t one = 0x42, rnd[3000], *text = malloc(100000);
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (uint8_t)((i * 2654435761u) >> 13);
	for (size_t i = 0; i < 100000; i++)
		text[i] = (uint8_t)"CN=www.example.com, O=Example "[i % 30];
	for (size_t a = 0; a < 3; a++) {
		roundtrip(algs[a], &one, 1, "one byte");
		roundtrip(algs[a], rnd, sizeof rnd, "random");
		roundtrip(algs[a], text, 100000, "text");
	}
	free(text);

	/* An algorithm we do not know, an empty stream, zero length. */
	uint8_t out[64];
	CHECK(sg_certcomp_decompress(4, (const uint8_t *)"x", 1, out, 1) < 0);
	CHECK(sg_certcomp_decompress(0, (const uint8_t *)"x", 1, out, 1) < 0);
	uint8_t *z;
	size_t zn;
	CHECK(sg_certcomp_compress(7, &one, 1, &z, &zn) < 0);
	for (size_t a = 0; a < 3; a++) {
		CHECK(sg_certcomp_decompress(algs[a], out, 0, out, 1) < 0);
		CHECK(sg_certcomp_compress(algs[a], &one, 1, &z, &zn) == 0);
		CHECK(sg_certcomp_decompress(algs[a], z, zn, out, 0) < 0);
		/* Garbage is not a stream. */
		memset(out, 0xa5, sizeof out);
		CHECK(sg_certcomp_decompress(algs[a], out, sizeof out, out + 32, 16) < 0);
		free(z);
	}

	/* A bomb: 16 MiB of zeros in a few KiB, read with room for 4 KiB
	 * only, fails without writing past the room (ASan checks that). */
	size_t big = 16u * 1024 * 1024;
	uint8_t *zeros = calloc(1, big);
	for (size_t a = 0; a < 3; a++) {
		CHECK(sg_certcomp_compress(algs[a], zeros, big, &z, &zn) == 0);
		CHECK_MSG(zn < 64 * 1024, "%s bomb of %zu bytes", sg_certcomp_name(algs[a]), zn);
		uint8_t *room = malloc(4096);
		CHECK(sg_certcomp_decompress(algs[a], z, zn, room, 4096) < 0);
		free(room);
		free(z);
	}
	free(zeros);
}

/* ---- the message, as each side reads it ---- */

static sigil_config *fz_cc, *fz_sc;

/* The peer's next record in h, decrypted with `secret`: its handshake
 * content (see tls_test.c's peek_record).  Its length, 0 on failure. */
static size_t peek_record(fuzz_hs *h, const uint8_t *secret, uint8_t *out, size_t cap)
{
	if (h->next >= h->nrec)
		return 0;
	const uint8_t *rec = h->rec[h->next];
	size_t len = sg_load16(rec + 3), n;
	sg_traffic *t = &h->writer->rd;
	uint8_t iv[SG_AEAD_NONCE], type;
	if (len < 1 + SG_AEAD_TAG || len - SG_AEAD_TAG > cap || sg_traffic_install(h->writer, t, secret, false) < 0)
		return 0;
	memcpy(iv, t->iv, sizeof iv);
	for (int i = 0; i < 8; i++)
		iv[SG_AEAD_NONCE - 1 - i] ^= (uint8_t)(h->target->rd.seq >> (8 * i));
	if (sg_aead_open(t->aead, iv, rec, SG_RECORD_HEADER, rec + SG_RECORD_HEADER, len, out) < 0)
		return 0;
	n = sg_record_unpad(out, len - SG_AEAD_TAG, &type);
	return type == SG_CT_HANDSHAKE ? n : 0;
}

/* The plain Certificate body the peer compressed at state st, and the
 * peer's CompressedCertificate's algorithm. */
static uint8_t *peer_certificate(enum fuzz_state st, size_t *n, uint16_t *alg)
{
	fuzz_hs h;
	uint8_t rec[SG_MAX_PLAINTEXT + 256];
	uint8_t *cert = NULL;
	*n = 0;
	CHECK(fuzz_hs_setup(&h, st, fz_cc, fz_sc) == 0);
	const uint8_t *secret = st == FZ_C_CERT ? h.c->hs->s_hs : h.s->hs->c_hs;
	size_t k = peek_record(&h, secret, rec, sizeof rec);
	CHECK_MSG(k > 12 && rec[0] == SG_HT_COMPRESSED_CERTIFICATE, "the peer's Certificate is compressed");
	if (k > 12 && rec[0] == SG_HT_COMPRESSED_CERTIFICATE) {
		*alg = sg_load16(rec + 4);
		size_t want = (size_t)rec[6] << 16 | (size_t)rec[7] << 8 | rec[8];
		size_t zn = (size_t)rec[9] << 16 | (size_t)rec[10] << 8 | rec[11];
		CHECK(12 + zn == k);
		cert = malloc(want);
		CHECK(sg_certcomp_decompress(*alg, rec + 12, zn, cert, want) == 0);
		*n = want;
	}
	fuzz_hs_free(&h);
	return cert;
}

/* Send body (a CompressedCertificate's) to the target at st: its alert
 * (0: none, and the target then waits for the CertificateVerify). */
static int send_compressed(enum fuzz_state st, const uint8_t *body, size_t n, char *why, size_t cap)
{
	fuzz_hs h;
	CHECK(fuzz_hs_setup(&h, st, fz_cc, fz_sc) == 0);
	fuzz_hs_send(&h, SG_HT_COMPRESSED_CERTIFICATE, body, n);
	bool failed = sigil_conn_state(h.target) & SIGIL_ST_FAILED;
	int alert = failed ? sigil_conn_error_alert(h.target) : 0;
	snprintf(why, cap, "%s", failed ? sigil_conn_error(h.target) : "");
	if (!alert)
		CHECK(h.target->hs && h.target->npeer == 1 && h.target->hs->peer_key);
	fuzz_hs_free(&h);
	return alert;
}

static size_t body(uint8_t *out, uint16_t alg, size_t declared, const uint8_t *z, size_t zn)
{
	sg_store16(out, alg);
	out[2] = (uint8_t)(declared >> 16), out[3] = (uint8_t)(declared >> 8), out[4] = (uint8_t)declared;
	out[5] = (uint8_t)(zn >> 16), out[6] = (uint8_t)(zn >> 8), out[7] = (uint8_t)zn;
	memcpy(out + 8, z, zn);
	return 8 + zn;
}

static void test_message(enum fuzz_state st)
{
	const char *side = st == FZ_C_CERT ? "client" : "server";
	size_t n;
	uint16_t alg = 0;
	uint8_t *cert = peer_certificate(st, &n, &alg);
	if (!cert)
		return;
	CHECK_MSG(alg == SG_CERTCOMP_BROTLI, "%s got %u", side, alg);
	uint8_t *msg = malloc(n + 1024), *z;
	size_t zn, m;
	char why[SG_ERR_LEN];
	for (size_t a = 0; a < 3; a++) {
		CHECK(sg_certcomp_compress(algs[a], cert, n, &z, &zn) == 0);
		/* Each algorithm is read. */
		m = body(msg, algs[a], n, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == 0, "%s %s: %s", side, sg_certcomp_name(algs[a]), why);
		/* Declared one more or one less than the stream holds. */
		m = body(msg, algs[a], n + 1, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_BAD_CERTIFICATE, "%s", why);
		m = body(msg, algs[a], n - 1, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_BAD_CERTIFICATE, "%s", why);
		/* Truncated. */
		m = body(msg, algs[a], n, z, zn - 3);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_BAD_CERTIFICATE, "%s", why);
		/* 16 MiB declared: over the limit, refused before anything is
		 * allocated or decompressed. */
		m = body(msg, algs[a], 16u * 1024 * 1024 - 1, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_BAD_CERTIFICATE &&
			  strstr(why, "limit") != NULL, "%s", why);
		/* Zero length. */
		m = body(msg, algs[a], 0, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_BAD_CERTIFICATE, "%s", why);
		/* Another algorithm's stream under this one's number. */
		m = body(msg, algs[(a + 1) % 3], n, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_BAD_CERTIFICATE, "%s", why);
		free(z);
	}
	/* An algorithm we did not offer: illegal_parameter. */
	CHECK(sg_certcomp_compress(SG_CERTCOMP_ZLIB, cert, n, &z, &zn) == 0);
	for (uint16_t bad = 0; bad < 12; bad += 4) {
		m = body(msg, bad == 4 ? 0xffff : bad, n, z, zn);
		CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_ILLEGAL_PARAMETER, "%s", why);
	}
	/* Malformed: empty compressed data, a byte too many, too short. */
	m = body(msg, SG_CERTCOMP_ZLIB, n, z, 0);
	CHECK(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_DECODE_ERROR);
	m = body(msg, SG_CERTCOMP_ZLIB, n, z, zn);
	msg[m++] = 0;
	CHECK(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_DECODE_ERROR);
	CHECK(send_compressed(st, msg, 7, why, sizeof why) == SIGIL_ALERT_DECODE_ERROR);
	/* A stream of a malformed Certificate: decode_error, as plain. */
	uint8_t *z2;
	size_t zn2;
	CHECK(sg_certcomp_compress(SG_CERTCOMP_ZSTD, cert, n - 1, &z2, &zn2) == 0);
	m = body(msg, SG_CERTCOMP_ZSTD, n - 1, z2, zn2);
	CHECK_MSG(send_compressed(st, msg, m, why, sizeof why) == SIGIL_ALERT_DECODE_ERROR, "%s", why);
	free(z2);
	free(z);

	/* A plain Certificate is still read. */
	fuzz_hs h;
	CHECK(fuzz_hs_setup(&h, st, fz_cc, fz_sc) == 0);
	fuzz_hs_send(&h, SG_HT_CERTIFICATE, cert, n);
	CHECK_MSG(!(sigil_conn_state(h.target) & SIGIL_ST_FAILED) && h.target->npeer == 1, "%s",
		  sigil_conn_error(h.target));
	fuzz_hs_free(&h);
	free(msg);
	free(cert);
}

/* A peer whose offer did not include the algorithm: the server's
 * CertificateRequest offers only zlib here, so a brotli client
 * Certificate is illegal_parameter; with no offer at all, too. */
static void test_not_offered(void)
{
	for (int off = 0; off < 2; off++) {
		static const sg_test_hooks zlib_only = { .random = fuzz_random, .kex_key = fuzz_kex_key,
							 .arg = (void *)&fuzz_tag_server, .certcomp = 1u << SG_CERTCOMP_ZLIB };
		static const sg_test_hooks none = { .random = fuzz_random, .kex_key = fuzz_kex_key,
						    .arg = (void *)&fuzz_tag_server, .certcomp = SG_CERTCOMP_OFF };
		sigil_config *sc = fuzz_server_config(NULL);
		CHECK(sc && sg_config_set_test_hooks(sc, off ? &none : &zlib_only) == 0);
		fuzz_hs h;
		CHECK(fuzz_hs_setup(&h, FZ_S_CERT, fz_cc, sc) == 0);
		CHECK(h.s->hs->comp_offered == (off ? 0 : 1u << SG_CERTCOMP_ZLIB));
		uint8_t one = 1, msg[64], *z;
		size_t zn;
		CHECK(sg_certcomp_compress(SG_CERTCOMP_BROTLI, &one, 1, &z, &zn) == 0);
		size_t m = body(msg, SG_CERTCOMP_BROTLI, 1, z, zn);
		fuzz_hs_send(&h, SG_HT_COMPRESSED_CERTIFICATE, msg, m);
		CHECK_MSG(sigil_conn_error_alert(h.s) == SIGIL_ALERT_ILLEGAL_PARAMETER, "%s", sigil_conn_error(h.s));
		free(z);
		fuzz_hs_free(&h);
		sigil_config_free(sc);
	}
	/* CompressedCertificate where no Certificate goes: unexpected. */
	fuzz_hs h;
	CHECK(fuzz_hs_setup(&h, FZ_C_EE, fz_cc, fz_sc) == 0);
	fuzz_hs_send(&h, SG_HT_COMPRESSED_CERTIFICATE, (const uint8_t *)"\0\2\0\0\1\0\0\1x", 9);
	CHECK(sigil_conn_error_alert(h.c) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	fuzz_hs_free(&h);
	CHECK(fuzz_hs_setup(&h, FZ_C_POST, fz_cc, fz_sc) == 0);
	fuzz_hs_send(&h, SG_HT_COMPRESSED_CERTIFICATE, (const uint8_t *)"\0\2\0\0\1\0\0\1x", 9);
	CHECK(sigil_conn_error_alert(h.c) == SIGIL_ALERT_UNEXPECTED_MESSAGE);
	fuzz_hs_free(&h);
}

/* ---- sigil against itself ---- */

static int pump(sigil_conn *c, sigil_conn *s, size_t *server_bytes)
{
	for (int i = 0; i < 50; i++) {
		size_t m = fuzz_move(c, s), k = fuzz_move(s, c);
		*server_bytes += k;
		unsigned cs = sigil_conn_state(c), ss = sigil_conn_state(s);
		if ((cs | ss) & SIGIL_ST_FAILED)
			return -1;
		if ((cs & SIGIL_ST_CONNECTED) && (ss & SIGIL_ST_CONNECTED) && m + k == 0)
			return 0;
	}
	return -1;
}

static sigil_config *config(const char *key, const sg_test_hooks *hooks)
{
	sigil_config *cfg = sigil_config_new();
	char crt[128], k[128];
	if (key) {
		snprintf(crt, sizeof crt, "tests/data/tls/%s.crt", key);
		snprintf(k, sizeof k, "tests/data/tls/%s.key", key);
		CHECK(sigil_config_add_cert_key_file(cfg, crt, k) == 0);
	}
	CHECK(sigil_config_insecure_noverify(cfg) == 0);
	if (hooks)
		CHECK(sg_config_set_test_hooks(cfg, hooks) == 0);
	return cfg;
}

static void test_handshakes(void)
{
	static sg_test_hooks only[4];
	static const sg_test_hooks off = { .certcomp = SG_CERTCOMP_OFF };
	for (size_t a = 0; a < 3; a++)
		only[algs[a]].certcomp = 1u << algs[a];
	size_t plain = 0;
	{
		sigil_config *sc = config("rsa", NULL), *cc = config(NULL, &off);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		CHECK(pump(c, s, &plain) == 0 && c->cert_comp == 0 && s->cert_comp == 0);
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	for (size_t a = 0; a < 4; a++) {
		/* a == 3: the client offers all three; the server picks brotli. */
		uint16_t want = a < 3 ? algs[a] : SG_CERTCOMP_BROTLI;
		for (int mutual = 0; mutual < 2; mutual++) {
			sigil_config *sc = config("rsa", NULL), *cc = config(mutual ? "ed25519" : NULL, a < 3 ? &only[want] : NULL);
			if (mutual)
				CHECK(sigil_config_set_client_auth(sc, SIGIL_CLIENT_AUTH_REQUIRE) == 0);
			const struct sg_certcomp_msg *first = NULL;
			for (int round = 0; round < 3; round++) {
				sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
				size_t sent = 0;
				int r = pump(c, s, &sent);
				CHECK_MSG(r == 0, "%s: %s / %s", sg_certcomp_name(want), sigil_conn_error(c), sigil_conn_error(s));
				CHECK_MSG(c->cert_comp == want && s->cert_comp == want, "%u %u", c->cert_comp, s->cert_comp);
				size_t n;
				CHECK(!mutual || (sigil_conn_peer_chain(s, &n) && n == 1));
				/* Made once per chain, kept in the config. */
				const struct sg_certcomp_msg *m = atomic_load(&sc->certs[0].comp[want]);
				CHECK(m != NULL && (round == 0 || m == first));
				first = m;
				/* A client's chain is compressed too, with the
				 * server's offer (all three): brotli. */
				CHECK(!mutual || atomic_load(&cc->certs[0].comp[SG_CERTCOMP_BROTLI]) != NULL);
				if (round == 0 && !mutual)
					printf("NOTE server flight, RSA chain: %zu bytes plain, %zu with %s\n", plain, sent,
					       sg_certcomp_name(want));
				CHECK(sent < plain);
				sigil_conn_free(c);
				sigil_conn_free(s);
			}
			sigil_config_free(cc);
			sigil_config_free(sc);
		}
	}
}

/* sigil_config_set_cert_compression: the server's own order decides, ""
 * turns it off on either side, bad lists change nothing. */
static void test_setter(void)
{
	static const struct { const char *server, *client; uint16_t want; } cases[] = {
		{ "zlib:brotli", NULL, SG_CERTCOMP_ZLIB },      /* the server's order, not the client's */
		{ "zstd", NULL, SG_CERTCOMP_ZSTD },
		{ NULL, "zlib", SG_CERTCOMP_ZLIB },             /* what the client offers bounds it */
		{ "brotli", "zstd:zlib", 0 },                   /* nothing in common: plain */
		{ "", NULL, 0 },                                /* off on the server */
		{ NULL, "", 0 },                                /* off on the client */
		{ "ZSTD:Brotli", NULL, SG_CERTCOMP_ZSTD },      /* names without regard to case */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sigil_config *sc = config("rsa", NULL), *cc = config(NULL, NULL);
		CHECK(!cases[i].server || sigil_config_set_cert_compression(sc, cases[i].server) == 0);
		CHECK(!cases[i].client || sigil_config_set_cert_compression(cc, cases[i].client) == 0);
		sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
		size_t sent = 0;
		CHECK_MSG(pump(c, s, &sent) == 0, "case %zu: %s / %s", i, sigil_conn_error(c), sigil_conn_error(s));
		CHECK_MSG(c->cert_comp == cases[i].want && s->cert_comp == cases[i].want, "case %zu: %u %u", i,
			  c->cert_comp, s->cert_comp);
		/* Off on the client: nothing offered, so nothing to decompress. */
		CHECK(!(cases[i].client && !*cases[i].client) || c->hs == NULL || c->hs->comp_offered == 0);
		sigil_conn_free(c);
		sigil_conn_free(s);
		sigil_config_free(cc);
		sigil_config_free(sc);
	}
	sigil_config *cfg = sigil_config_new();
	static const char *bad[] = { "gzip", "brotli:brotli", "zlib:zstd:brotli:zlib", "lz4:zlib" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_MSG(sigil_config_set_cert_compression(cfg, bad[i]) == SIGIL_ERROR, "%s", bad[i]);
		CHECK_MSG(*sigil_config_error(cfg) != 0, "%s: no message", bad[i]);
	}
	CHECK(strstr(sigil_config_error(cfg), "lz4") != NULL);
	CHECK(cfg->ncertcomp == 3 && cfg->certcomp[0] == SG_CERTCOMP_BROTLI);
	CHECK(sigil_config_set_cert_compression(cfg, NULL) == SIGIL_ERROR);
	sigil_config_free(cfg);
}

/* Several pairs: each chain has its own compressed message, made only
 * when that chain is sent. */
static void test_two_chains(void)
{
	sigil_config *sc = config("ec256", NULL), *cc = config(NULL, NULL);
	CHECK(sigil_config_add_cert_key_file(sc, "tests/data/tls/rsa.crt", "tests/data/tls/rsa.key") == 0);
	CHECK(sigil_config_set_sigalgs(cc, "rsa_pss_rsae_sha256") == 0);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t sent = 0;
	CHECK_MSG(pump(c, s, &sent) == 0, "%s / %s", sigil_conn_error(c), sigil_conn_error(s));
	CHECK(sc->ncerts == 2 && atomic_load(&sc->certs[0].comp[SG_CERTCOMP_BROTLI]) == NULL &&
	      atomic_load(&sc->certs[1].comp[SG_CERTCOMP_BROTLI]) != NULL);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	cc = config(NULL, NULL);
	c = sigil_conn_new(cc, SIGIL_CLIENT);
	s = sigil_conn_new(sc, SIGIL_SERVER);
	CHECK(pump(c, s, &sent) == 0 && c->cert_comp == SG_CERTCOMP_BROTLI);
	CHECK(atomic_load(&sc->certs[0].comp[SG_CERTCOMP_BROTLI]) != NULL);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
}

/* The first connections of a config, at once on several threads: one
 * compressed message, the same for all (ThreadSanitizer checks the
 * lock and the atomics when this test is built with it). */
static sigil_config *race_sc, *race_cc;
static const void *race_seen[4];

static void *race_one(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg, sent = 0;
	sigil_conn *c = sigil_conn_new(race_cc, SIGIL_CLIENT), *s = sigil_conn_new(race_sc, SIGIL_SERVER);
	if (pump(c, s, &sent) == 0 && c->cert_comp == SG_CERTCOMP_BROTLI)
		race_seen[i] = atomic_load(&race_sc->certs[0].comp[SG_CERTCOMP_BROTLI]);
	sigil_conn_free(c);
	sigil_conn_free(s);
	return NULL;
}

static void test_threads(void)
{
	race_sc = config("rsa", NULL);
	race_cc = config(NULL, NULL);
	pthread_t t[4];
	for (size_t i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, race_one, (void *)(uintptr_t)i) == 0);
	for (size_t i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < 4; i++)
		CHECK(race_seen[i] != NULL && race_seen[i] == race_seen[0]);
	sigil_config_free(race_cc);
	sigil_config_free(race_sc);
}

int main(void)
{
	fz_cc = fuzz_client_config(1);
	fz_sc = fuzz_server_config(NULL);
	test_codecs();
	test_message(FZ_C_CERT);
	test_message(FZ_S_CERT);
	test_not_offered();
	test_handshakes();
	test_setter();
	test_two_chains();
	test_threads();
	sigil_config_free(fz_cc);
	sigil_config_free(fz_sc);
	return TEST_END();
}
