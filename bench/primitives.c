/*
 * primitives: native CPU cost of each step of a server handshake, through
 * sigil's own crypto layer (src/crypto/) and next to the cheapest way
 * libcrypto 3 offers for the same operation, so that the overhead of the
 * wrapping is visible.  Also: a whole TLS 1.3 handshake in memory (no
 * sockets), timing the server's calls only.
 *
 *   primitives [ITERATIONS]      (default 2000)
 *   primitives mlkem [ITERATIONS]   only the ML-KEM-768 / X25519MLKEM768 rows
 *
 * Times are thread CPU time (CLOCK_THREAD_CPUTIME_ID), median of 5 runs.
 * Cycles (x86-64) are those times at the TSC rate, calibrated at start:
 * reference cycles, which equal core cycles only when the core runs at
 * the TSC frequency (no hardware cycle counter in a VM without PMU).
 * The X25519 key-generation part also gives TSC ticks per call.
 * Uses sigil's internal headers: this is a measuring tool, not an API user.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/rand.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "sigil.h"
#include "crypto/crypto.h"
#include "tls/tls.h"

static long iters = 2000;

static double tcpu(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef void (*op_fn)(void *arg);

/* Median over 5 runs of the µs per call of fn. */
static double measure(op_fn fn, void *arg, long n)
{
	double r[5];
	for (long i = 0; i < n / 10 + 1; i++)
		fn(arg);        /* warm-up */
	for (int k = 0; k < 5; k++) {
		double t0 = tcpu();
		for (long i = 0; i < n; i++)
			fn(arg);
		r[k] = (tcpu() - t0) / (double)n;
	}
	qsort(r, 5, sizeof r[0], cmp_d);
	return r[2];
}

/* The same, in TSC ticks per call (median of 5): reference cycles at the
 * TSC's fixed rate, counted in wall time (a run preempted shows it). */
static double measure_tsc(op_fn fn, void *arg, long n)
{
#if defined(__x86_64__)
	double r[5];
	for (long i = 0; i < n / 10 + 1; i++)
		fn(arg);
	for (int k = 0; k < 5; k++) {
		unsigned lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		uint64_t t0 = (uint64_t)hi << 32 | lo;
		for (long i = 0; i < n; i++)
			fn(arg);
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		r[k] = (double)(((uint64_t)hi << 32 | lo) - t0) / (double)n;
	}
	qsort(r, 5, sizeof r[0], cmp_d);
	return r[2];
#else
	(void)fn; (void)arg; (void)n;
	return 0;
#endif
}

static void fail(const char *what)
{
	fprintf(stderr, "primitives: %s failed\n", what);
	exit(1);
}

/* ---- sigil's layer ---- */
static uint8_t peer_pub[32];
static sg_pkey *sign_key;
static EVP_PKEY *sign_pkey;
static uint8_t msg[130];
static uint8_t secret[32];

static void s_kex_generate(void *a)
{
	(void)a;
	sg_kex_key *k = sg_kex_generate(&sg_x25519);
	uint8_t pub[32];
	if (!k || sg_kex_public(k, pub) != 0)
		fail("sg_kex_generate");
	sg_kex_free(k);
}

static void s_kex_derive(void *a)
{
	uint8_t out[32];
	if (sg_kex_derive(a, peer_pub, 32, out) != 0)
		fail("sg_kex_derive");
}

static void s_sign(void *a)
{
	(void)a;
	uint8_t sig[SG_MAX_SIG];
	size_t n = sizeof sig;
	if (sg_sign(sign_key, SG_SIG_ECDSA, &sg_sha256, msg, sizeof msg, sig, &n) != 0)
		fail("sg_sign");
}

static void s_expand_label(void *a)
{
	(void)a;
	uint8_t out[32];
	if (sg_hkdf_expand_label(&sg_sha256, secret, "c hs traffic", msg, 32, out, 32) != 0)
		fail("sg_hkdf_expand_label");
}

static void s_extract(void *a)
{
	(void)a;
	uint8_t out[32];
	if (sg_hkdf_extract(&sg_sha256, secret, 32, msg, 32, out) != 0)
		fail("sg_hkdf_extract");
}

static void s_transcript(void *a)
{
	(void)a;
	/* A server transcript: new, 6 updates of handshake messages, 5
	 * snapshots, free (about what one handshake does). */
	sg_hash_ctx *h = sg_hash_new(&sg_sha256);
	uint8_t out[32];
	if (!h)
		fail("sg_hash_new");
	for (int i = 0; i < 6; i++)
		if (sg_hash_update(h, msg, sizeof msg) != 0)
			fail("sg_hash_update");
	for (int i = 0; i < 5; i++)
		if (sg_hash_peek(h, out) != 0)
			fail("sg_hash_peek");
	sg_hash_free(h);
}

static void s_aead_new(void *a)
{
	(void)a;
	sg_aead_ctx *c = sg_aead_new(&sg_aes128gcm, secret, true);
	if (!c)
		fail("sg_aead_new");
	sg_aead_free(c);
}

static uint8_t rec[16384 + 64];
static void s_seal16k(void *a)
{
	uint8_t nonce[12] = { 0 };
	if (sg_aead_seal(a, nonce, rec, 5, rec + 5, 16385, rec + 5) != 0)
		fail("sg_aead_seal");
}

static void s_seal_small(void *a)
{
	uint8_t nonce[12] = { 0 };
	if (sg_aead_seal(a, nonce, rec, 5, rec + 5, 100, rec + 5) != 0)
		fail("sg_aead_seal");
}

static void s_random(void *a)
{
	(void)a;
	uint8_t r[32];
	if (sg_random(r, sizeof r) != 0)
		fail("sg_random");
}

static sigil_config *srv_cfg;
static void s_conn_new_free(void *a)
{
	(void)a;
	sigil_conn *c = sigil_conn_new(srv_cfg, SIGIL_SERVER);
	if (!c)
		fail("sigil_conn_new");
	sigil_conn_free(c);
}

static void s_wipe(void *a)
{
	(void)a;
	static uint8_t big[sizeof(sigil_conn)];
	sg_wipe(big, sizeof big);
}

static uint8_t spki[200];
static size_t spki_len;
static void s_spki(void *a)
{
	(void)a;
	sg_pkey *k = sg_pkey_public_from_spki(spki, spki_len);
	if (!k)
		fail("sg_pkey_public_from_spki");
	sg_pkey_free(k);
}

static void o_malloc_free(void *a);

/* ---- X25519 key generation, piece by piece (issue 19) ---- */
static uint8_t x_priv_bytes[32];
static void x_base(void *a)
{
	(void)a;
	uint8_t pub[32];
	sg_x25519_public(pub, x_priv_bytes);
	x_priv_bytes[0] ^= pub[1];      /* a new scalar each call */
}

static void x_rand_priv(void *a)
{
	(void)a;
	if (RAND_priv_bytes(x_priv_bytes, 32) != 1)
		fail("RAND_priv_bytes");
}

/* What sg_kex_generate hands libcrypto: private and public key together
 * (EVP_PKEY_fromdata on a reused context, re-initialised per call). */
static EVP_PKEY_CTX *x_import_ctx;
static uint8_t x_pub_bytes[32];
static void x_import_pair(void *a)
{
	(void)a;
	EVP_PKEY *p = NULL;
	OSSL_PARAM prm[3];
	prm[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, x_priv_bytes, 32);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, x_pub_bytes, 32);
	prm[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata_init(x_import_ctx) != 1 ||
	    EVP_PKEY_fromdata(x_import_ctx, &p, EVP_PKEY_KEYPAIR, prm) != 1)
		fail("EVP_PKEY_fromdata");
	EVP_PKEY_free(p);
}

/* The same without the public key: libcrypto derives it (its ladder). */
static void x_import_priv_only(void *a)
{
	(void)a;
	EVP_PKEY *p = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, x_priv_bytes, 32);
	if (!p)
		fail("EVP_PKEY_new_raw_private_key_ex");
	EVP_PKEY_free(p);
}

static EVP_PKEY *x_held;
static void x_get_public(void *a)
{
	(void)a;
	uint8_t pub[32];
	size_t n = sizeof pub;
	if (EVP_PKEY_get_raw_public_key(x_held, pub, &n) != 1 || n != 32)
		fail("EVP_PKEY_get_raw_public_key");
}

static EVP_PKEY_CTX *x_gen_ctx;

/* sg_kex_generate + sg_kex_public as they were before issue 19: the
 * thread's keygen context, then the public key read back. */
static void x_before(void *a)
{
	(void)a;
	EVP_PKEY *p = NULL;
	uint8_t pub[32];
	size_t n = sizeof pub;
	void *volatile k = malloc(2 * sizeof(void *));  /* the sg_kex_key */
	if (!k || EVP_PKEY_keygen(x_gen_ctx, &p) != 1 || EVP_PKEY_get_raw_public_key(p, pub, &n) != 1)
		fail("EVP_PKEY_keygen");
	free(k);
	EVP_PKEY_free(p);
}

static void x25519_keygen_parts(void)
{
	RAND_priv_bytes(x_priv_bytes, 32);
	sg_x25519_public(x_pub_bytes, x_priv_bytes);
	if (!(x_import_ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL)) ||
	    !(x_held = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, x_priv_bytes, 32)))
		fail("x25519 set-up");
	printf("\n  X25519 key generation (sg_kex_generate + sg_kex_public), before and after issue 19:\n");
	printf("    %-62s %9s %12s\n", "", "us", "TSC ticks");
	struct {
		const char *what;
		op_fn fn;
	} parts[] = {
		{ "before: EVP_PKEY_keygen (ladder) + get_raw_public_key", x_before },
		{ "after: sg_kex_generate + sg_kex_public", s_kex_generate },
		{ "  sg_x25519_public (fixed-base table, own code)", x_base },
		{ "  RAND_priv_bytes, 32 bytes", x_rand_priv },
		{ "  EVP_PKEY_fromdata_init + fromdata (priv + pub) + free", x_import_pair },
		{ "  EVP_PKEY_get_raw_public_key (sg_kex_public)", x_get_public },
		{ "  malloc + free (the sg_kex_key)", o_malloc_free },
		{ "for comparison: EVP_PKEY_new_raw_private_key + free", x_import_priv_only },
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		printf("    %-62s %9.2f %12.0f\n", parts[i].what, measure(parts[i].fn, NULL, iters),
		       measure_tsc(parts[i].fn, NULL, iters));
	EVP_PKEY_CTX_free(x_import_ctx);
	EVP_PKEY_free(x_held);
}

/* ---- the same through libcrypto directly, its cheapest way ---- */
static void o_spki_fromdata(void *a)
{
	(void)a;
	/* A P-256 SPKI is a fixed 26-byte prefix and the 65-byte point: the
	 * key from its parts, without the decoder framework. */
	OSSL_PARAM prm[3];
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, spki + spki_len - 65, 65);
	prm[2] = OSSL_PARAM_construct_end();
	static EVP_PKEY_CTX *c;
	EVP_PKEY *k = NULL;
	if (!c && (!(c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) || EVP_PKEY_fromdata_init(c) != 1))
		fail("fromdata ctx");
	if (EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		fail("EVP_PKEY_fromdata");
	EVP_PKEY_free(k);
}

static void o_x25519_keygen(void *a)
{
	(void)a;
	EVP_PKEY *p = NULL;
	if (EVP_PKEY_keygen(x_gen_ctx, &p) != 1)
		fail("EVP_PKEY_keygen");
	EVP_PKEY_free(p);
}

static EVP_PKEY *x_priv, *x_peer;
static void o_x25519_derive(void *a)
{
	(void)a;
	uint8_t out[32];
	size_t n = 32;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, x_priv, NULL);
	if (!c || EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c, x_peer) != 1 ||
	    EVP_PKEY_derive(c, out, &n) != 1)
		fail("EVP_PKEY_derive");
	EVP_PKEY_CTX_free(c);
}

static EVP_MD *sha256;
static void o_sign(void *a)
{
	(void)a;
	/* Hash once, then sign the digest with a reused EVP_PKEY_CTX. */
	static EVP_PKEY_CTX *c;
	uint8_t dg[32], sig[80];
	size_t n = sizeof sig;
	if (!c && (!(c = EVP_PKEY_CTX_new_from_pkey(NULL, sign_pkey, NULL)) || EVP_PKEY_sign_init(c) != 1 ||
		   EVP_PKEY_CTX_set_signature_md(c, sha256) != 1))
		fail("EVP_PKEY_sign_init");
	if (EVP_Digest(msg, sizeof msg, dg, NULL, sha256, NULL) != 1 || EVP_PKEY_sign(c, sig, &n, dg, 32) != 1)
		fail("EVP_PKEY_sign");
}

static void o_hmac(void *a)
{
	(void)a;
	/* One HMAC-SHA256 on a 32-byte key and a ~50-byte message (one
	 * HKDF-Expand-Label block) through a reused EVP_MD_CTX pair. */
	static EVP_MD_CTX *in, *out, *tmp;
	uint8_t pad[64], d[32];
	if (!in) {
		in = EVP_MD_CTX_new();
		out = EVP_MD_CTX_new();
		tmp = EVP_MD_CTX_new();
		memset(pad, 0, sizeof pad);
		memcpy(pad, secret, 32);
		for (int i = 0; i < 64; i++)
			pad[i] ^= 0x36;
		EVP_DigestInit_ex2(in, sha256, NULL);
		EVP_DigestUpdate(in, pad, 64);
		for (int i = 0; i < 64; i++)
			pad[i] ^= 0x36 ^ 0x5c;
		EVP_DigestInit_ex2(out, sha256, NULL);
		EVP_DigestUpdate(out, pad, 64);
	}
	if (EVP_MD_CTX_copy_ex(tmp, in) != 1 || EVP_DigestUpdate(tmp, msg, 50) != 1 ||
	    EVP_DigestFinal_ex(tmp, d, NULL) != 1 || EVP_MD_CTX_copy_ex(tmp, out) != 1 ||
	    EVP_DigestUpdate(tmp, d, 32) != 1 || EVP_DigestFinal_ex(tmp, d, NULL) != 1)
		fail("hmac");
}

static void o_sha256_block(void *a)
{
	(void)a;
	uint8_t d[32];
	if (EVP_Digest(msg, 64, d, NULL, sha256, NULL) != 1)
		fail("EVP_Digest");
}

static void o_malloc_free(void *a)
{
	(void)a;
	void *volatile p = malloc(64);
	free(p);
}

/* ---- ML-KEM-768 and X25519MLKEM768 ---- */
static uint8_t mk_ek[SG_MLKEM768_EK], mk_dk[SG_MLKEM768_DK], mk_ct[SG_MLKEM768_CT];
static uint8_t hy_client_share[1216], hy_server_share[1120];

static void s_mlkem_keygen(void *a)
{
	(void)a;
	uint8_t ek[SG_MLKEM768_EK], dk[SG_MLKEM768_DK];
	if (sg_mlkem768_keygen(ek, dk) != 0)
		fail("sg_mlkem768_keygen");
}

static void s_mlkem_encaps(void *a)
{
	(void)a;
	uint8_t ct[SG_MLKEM768_CT], ss[32];
	if (sg_mlkem768_encaps(ct, ss, mk_ek) != 0)
		fail("sg_mlkem768_encaps");
}

static void s_mlkem_decaps(void *a)
{
	(void)a;
	uint8_t ss[32];
	if (sg_mlkem768_decaps(ss, mk_dk, mk_ct) != 0)
		fail("sg_mlkem768_decaps");
}

/* A client's ClientHello share: a fresh key and its public value. */
static void s_hybrid_client_share(void *a)
{
	const sg_kex_class *k = a;
	uint8_t share[SG_MAX_KEX_PUB];
	sg_kex_key *key = sg_kex_generate(k);
	if (!key || sg_kex_public(key, share) != 0)
		fail("client share");
	sg_kex_free(key);
}

/* A client's ServerHello: the secret from the server's share. */
static void s_hybrid_client_derive(void *a)
{
	uint8_t sec[64];
	if (sg_kex_derive(a, hy_server_share, sizeof hy_server_share, sec) != 0)
		fail("client derive");
}

/* A server's whole key exchange: a fresh key, the answer and the secret. */
static uint8_t x_client_share[32];
static void s_server_kex(void *a)
{
	const sg_kex_class *k = a;
	const uint8_t *cs = k == &sg_x25519 ? x_client_share : hy_client_share;
	uint8_t share[SG_MAX_KEX_PUB], sec[SG_MAX_KEX_SECRET];
	sg_kex_key *key = sg_kex_generate(k);
	if (!key || sg_kex_encap(key, cs, k->pub_len, share, sec) != 0)
		fail("server kex");
	sg_kex_free(key);
}

/* TSC ticks per microsecond, over 50 ms of wall time. */
static double tsc_per_us(void)
{
#if defined(__x86_64__) || defined(__i386__)
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	unsigned long long t0 = __rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3 < 50000);
	unsigned long long t1 = __rdtsc();
	return (double)(t1 - t0) / ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3);
#else
	return 0;
#endif
}

static void krow(const char *what, double us, double tsc, const char *note)
{
	if (tsc > 0)
		printf("  %-48s %9.2f us %9.0f cycles   %s\n", what, us, us * tsc, note);
	else
		printf("  %-48s %9.2f us   %s\n", what, us, note);
}

static void mlkem_rows(void)
{
	double tsc = tsc_per_us();
	sg_kex_key *cli = sg_kex_generate(&sg_x25519mlkem768), *srv = sg_kex_generate(&sg_x25519mlkem768);
	sg_kex_key *xc = sg_kex_generate(&sg_x25519);
	uint8_t ss[64];
	if (sg_mlkem768_keygen(mk_ek, mk_dk) != 0 || sg_mlkem768_encaps(mk_ct, ss, mk_ek) != 0 || !cli || !srv ||
	    !xc || sg_kex_public(cli, hy_client_share) != 0 || sg_kex_public(xc, x_client_share) != 0 ||
	    sg_kex_encap(srv, hy_client_share, sizeof hy_client_share, hy_server_share, ss) != 0)
		fail("ML-KEM setup");
	printf("\n  ML-KEM-768 (src/crypto/mlkem.c, portable C; SHA-3/SHAKE from libcrypto), %.0f TSC cycles/us:\n", tsc);
	printf("  (published portable C ML-KEM-768: about 60-90 thousand cycles per operation)\n");
	krow("ML-KEM-768 KeyGen (sg_mlkem768_keygen)", measure(s_mlkem_keygen, NULL, iters), tsc, "");
	krow("ML-KEM-768 Encaps (sg_mlkem768_encaps)", measure(s_mlkem_encaps, NULL, iters), tsc, "");
	krow("ML-KEM-768 Decaps (sg_mlkem768_decaps)", measure(s_mlkem_decaps, NULL, iters), tsc, "");
	printf("  X25519MLKEM768 (src/crypto/kex.c):\n");
	krow("client share: generate + public (1216 bytes)", measure(s_hybrid_client_share, (void *)&sg_x25519mlkem768, iters),
	     tsc, "KeyGen + X25519 keygen");
	krow("client: derive from the server share", measure(s_hybrid_client_derive, cli, iters), tsc,
	     "Decaps + X25519");
	double hs = measure(s_server_kex, (void *)&sg_x25519mlkem768, iters), xs = measure(s_server_kex, (void *)&sg_x25519, iters);
	krow("server: generate + sg_kex_encap", hs, tsc, "Encaps + X25519 keygen + X25519");
	krow("server, x25519 alone: generate + sg_kex_encap", xs, tsc, "X25519 keygen + X25519");
	printf("    the hybrid adds %.1f us to a server's key exchange (%.2fx of x25519 alone)\n", hs - xs, hs / xs);
	sg_kex_free(cli);
	sg_kex_free(srv);
	sg_kex_free(xc);
}

/* ---- a handshake in memory, server calls timed ---- */
static sigil_config *cli_cfg, *cli_hy_cfg, *hs_cli;
static double srv_us;

static int move(sigil_conn *from, sigil_conn *to, int timed)
{
	size_t n;
	const uint8_t *p = sigil_conn_send_buf(from, &n);
	if (!n)
		return 0;
	size_t used = 0;
	double t0 = timed ? tcpu() : 0;
	int r = sigil_conn_recv_net(to, p, n, &used);
	if (timed)
		srv_us += tcpu() - t0;
	if (r != SIGIL_OK)
		return -1;
	sigil_conn_send_ack(from, used);
	return 1;
}

/* A handshake in memory; returns the server's connection, established. */
static sigil_conn *handshake_keep(void)
{
	double t0 = tcpu();
	sigil_conn *s = sigil_conn_new(srv_cfg, SIGIL_SERVER);
	srv_us += tcpu() - t0;
	sigil_conn *c = sigil_conn_new(hs_cli, SIGIL_CLIENT);
	if (!c || !s || sigil_conn_set_server_name(c, "localhost") != SIGIL_OK)
		fail("conn");
	for (int i = 0; i < 20 && (sigil_conn_state(c) & SIGIL_ST_HANDSHAKING || sigil_conn_state(s) & SIGIL_ST_HANDSHAKING); i++) {
		int r1 = move(c, s, 1), r2 = move(s, c, 0);
		if (r1 < 0 || r2 < 0) {
			fprintf(stderr, "client: %s\nserver: %s\n", sigil_conn_error(c), sigil_conn_error(s));
			fail("handshake");
		}
	}
	if (!(sigil_conn_state(s) & SIGIL_ST_CONNECTED))
		fail("handshake incomplete");
	sigil_conn_free(c);
	return s;
}

static void handshake(void *a)
{
	(void)a;
	sigil_conn *s = handshake_keep();
	double t0 = tcpu();
	sigil_conn_free(s);
	srv_us += tcpu() - t0;
}

/* Heap bytes in use (glibc's count of allocated chunks). */
static double heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (double)mi.uordblks;
}

/* Heap per server connection at the handshake peak: it has read the
 * ClientHello of a client of config cli and queued its whole flight,
 * waiting for the client's Finished.  The ClientHellos are made first
 * and their clients freed, so that only servers are counted. */
static double server_peak(sigil_config *cli, double *flight)
{
	enum { K = 200 };
	static sigil_conn *held[K];
	static uint8_t *hello[K];
	static size_t hello_len[K];
	for (int i = 0; i < K; i++) {
		sigil_conn *c = sigil_conn_new(cli, SIGIL_CLIENT);
		size_t n = 0;
		const uint8_t *p;
		if (!c || sigil_conn_set_server_name(c, "localhost") != SIGIL_OK ||
		    !(p = sigil_conn_send_buf(c, &n)) || !(hello[i] = malloc(n)))
			fail("client hello");
		memcpy(hello[i], p, n);
		hello_len[i] = n;
		sigil_conn_free(c);
	}
	double p0 = heap_used(), fl = 0;
	for (int i = 0; i < K; i++) {
		size_t used, n = 0;
		if (!(held[i] = sigil_conn_new(srv_cfg, SIGIL_SERVER)) ||
		    sigil_conn_recv_net(held[i], hello[i], hello_len[i], &used) != SIGIL_OK ||
		    !sigil_conn_send_buf(held[i], &n))
			fail("server flight");
		fl += (double)n;
	}
	double p1 = heap_used();
	for (int i = 0; i < K; i++) {
		sigil_conn_free(held[i]);
		free(hello[i]);
	}
	*flight = fl / K;
	return (p1 - p0) / K;
}

/* Heap per client connection whose ClientHello is queued (its key
 * shares held until the ServerHello). */
static double client_peak(sigil_config *cli)
{
	enum { K = 200 };
	static sigil_conn *held[K];
	double p0 = heap_used();
	for (int i = 0; i < K; i++) {
		size_t n = 0;
		if (!(held[i] = sigil_conn_new(cli, SIGIL_CLIENT)) || sigil_conn_set_server_name(held[i], "localhost") != SIGIL_OK ||
		    !sigil_conn_send_buf(held[i], &n))
			fail("client hello");
	}
	double p1 = heap_used();
	for (int i = 0; i < K; i++)
		sigil_conn_free(held[i]);
	return (p1 - p0) / K;
}

static void memory(void)
{
	enum { K = 200 };
	static sigil_conn *held[K];
	static sg_aead_ctx *aeads[K];
	double h0 = heap_used();
	for (int i = 0; i < K; i++)
		held[i] = handshake_keep();
	double h1 = heap_used();
	for (int i = 0; i < K; i++)
		sigil_conn_free(held[i]);
	double h2 = heap_used();
	for (int i = 0; i < K; i++)
		if (!(aeads[i] = sg_aead_new(&sg_aes128gcm, secret, true)))
			fail("sg_aead_new");
	double h3 = heap_used();
	for (int i = 0; i < K; i++)
		sg_aead_free(aeads[i]);
	/* The handshake peak, with a client offering x25519 and with one
	 * offering X25519MLKEM768 (and x25519). */
	double fl_x, peak_x = server_peak(cli_cfg, &fl_x), fl_h, peak_h = server_peak(cli_hy_cfg, &fl_h);
	double cpeak_x = client_peak(cli_cfg), cpeak_h = client_peak(cli_hy_cfg);
	printf("\n  heap held (glibc uordblks), per object, %d objects:\n", K);
	printf("    server sigil_conn at the handshake peak (ClientHello read, %.0f-byte flight queued): %8.0f bytes\n",
	       fl_x, peak_x);
	printf("      the same, X25519MLKEM768 (%.0f-byte flight queued):                       %8.0f bytes\n", fl_h,
	       peak_h);
	printf("    client sigil_conn waiting for the ServerHello, x25519 share:                 %8.0f bytes\n", cpeak_x);
	printf("      the same, X25519MLKEM768 and x25519 shares (ML-KEM key pair held):        %8.0f bytes\n", cpeak_h);
	printf("    established idle server sigil_conn (after handshake, no fd layer): %8.0f bytes\n", (h1 - h0) / K);
	printf("      of which the struct itself: %zu bytes (input record buffer: the largest record so far, up to %zu)\n", sizeof(sigil_conn),
	       (size_t)(SG_RECORD_HEADER + SG_MAX_CIPHERTEXT));
	printf("    one AES-128-GCM sg_aead_ctx (EVP_CIPHER_CTX + provider context):  %8.0f bytes\n", (h3 - h2) / K);
}

static void row(const char *what, double sigil_us, double floor_us, const char *floor_what)
{
	if (floor_us > 0)
		printf("  %-44s %9.2f us   %-34s %9.2f us   %+8.2f us\n", what, sigil_us, floor_what, floor_us,
		       sigil_us - floor_us);
	else
		printf("  %-44s %9.2f us\n", what, sigil_us);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "mlkem") == 0) {
		if (argc > 2)
			iters = atol(argv[2]);
		if (iters < 10)
			iters = 10;
		if (sg_crypto_init() != 0)
			fail("sg_crypto_init");
		mlkem_rows();
		return 0;
	}
	if (argc > 1)
		iters = atol(argv[1]);
	if (iters < 10)
		iters = 10;
	if (sg_crypto_init() != 0)
		fail("sg_crypto_init");
	RAND_bytes(msg, sizeof msg);
	RAND_bytes(secret, sizeof secret);
	const char *cert = getenv("BENCH_CERT"), *key = getenv("BENCH_KEY");
	if (!cert || !key) {
		fprintf(stderr, "primitives: set BENCH_CERT and BENCH_KEY (ECDSA P-256 PEM files)\n");
		return 2;
	}
	FILE *f = fopen(key, "r");
	char pem[8192];
	size_t pl = f ? fread(pem, 1, sizeof pem, f) : 0;
	if (f)
		fclose(f);
	if (!(sign_key = sg_pkey_private_from_pem(pem, pl)))
		fail("key");
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	{
		BIO *b = BIO_new_mem_buf(pem, (int)pl);
		sign_pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	{
		uint8_t *q = spki;
		int l = i2d_PUBKEY(sign_pkey, NULL);
		if (l <= 0 || (size_t)l > sizeof spki || i2d_PUBKEY(sign_pkey, &q) != l)
			fail("i2d_PUBKEY");
		spki_len = (size_t)l;
	}
	sg_kex_key *mine = sg_kex_generate(&sg_x25519), *peer = sg_kex_generate(&sg_x25519);
	if (!mine || !peer || sg_kex_public(peer, peer_pub) != 0 || !sign_pkey)
		fail("setup");
	x_gen_ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	if (!x_gen_ctx || EVP_PKEY_keygen_init(x_gen_ctx) != 1)
		fail("keygen ctx");
	EVP_PKEY_keygen(x_gen_ctx, &x_priv);
	EVP_PKEY_keygen(x_gen_ctx, &x_peer);
	sg_aead_ctx *gcm = sg_aead_new(&sg_aes128gcm, secret, true);
	sg_aead_ctx *cha = sg_aead_new(&sg_chacha20poly1305, secret, true);

	srv_cfg = sigil_config_new();
	cli_cfg = sigil_config_new();
	cli_hy_cfg = sigil_config_new();
	if (!srv_cfg || !cli_cfg || !cli_hy_cfg || sigil_config_add_cert_key_file(srv_cfg, cert, key) != SIGIL_OK ||
	    sigil_config_insecure_noverify(cli_cfg) != SIGIL_OK || sigil_config_set_groups(cli_cfg, "x25519") != SIGIL_OK ||
	    sigil_config_insecure_noverify(cli_hy_cfg) != SIGIL_OK)
		fail("configs");
	hs_cli = cli_cfg;

	printf("primitives: native thread CPU, median of 5 x %ld calls (%zu-byte sigil_conn, %zu-byte handshake state)\n",
	       iters, sizeof(sigil_conn), sizeof(sg_hs));
	printf("  %-44s %12s   %-34s %12s   %11s\n", "sigil (src/crypto, src/tls)", "", "libcrypto, cheapest use", "",
	       "overhead");
	double hs_kg = measure(s_kex_generate, NULL, iters), o_kg = measure(o_x25519_keygen, NULL, iters);
	row("X25519 keygen + public (sg_kex_generate)", hs_kg, o_kg, "EVP_PKEY_keygen, reused ctx");
	double hs_dv = measure(s_kex_derive, mine, iters), o_dv = measure(o_x25519_derive, NULL, iters);
	row("X25519 derive (sg_kex_derive)", hs_dv, o_dv, "EVP_PKEY_derive, parsed peer");
	double hs_sg = measure(s_sign, NULL, iters), o_sg = measure(o_sign, NULL, iters);
	row("ECDSA P-256 sign (sg_sign)", hs_sg, o_sg, "EVP_PKEY_sign, reused ctx");
	double hs_el = measure(s_expand_label, NULL, iters * 10), o_hm = measure(o_hmac, NULL, iters * 10);
	row("HKDF-Expand-Label, 32 bytes", hs_el, o_hm, "HMAC from precomputed pads");
	row("P-256 SPKI -> key (sg_pkey_public_from_spki)", measure(s_spki, NULL, iters), measure(o_spki_fromdata, NULL, iters),
	    "EVP_PKEY_fromdata, group + point");
	row("HKDF-Extract", measure(s_extract, NULL, iters * 10), 0, "");
	row("transcript: new, 6 updates, 5 peeks, free", measure(s_transcript, NULL, iters * 5), 0, "");
	row("one SHA-256 block (EVP_Digest, 64 bytes)", measure(o_sha256_block, NULL, iters * 10), 0, "");
	row("sg_aead_new + free (AES-128-GCM)", measure(s_aead_new, NULL, iters * 5), 0, "");
	row("sg_aead_seal, 100 bytes, AES-128-GCM", measure(s_seal_small, gcm, iters * 10), 0, "");
	double g16 = measure(s_seal16k, gcm, iters * 2), c16 = measure(s_seal16k, cha, iters * 2);
	printf("  %-44s %9.2f us   (%.2f GiB/s, %.3f s CPU per GiB)\n", "sg_aead_seal, 16 KiB record, AES-128-GCM", g16,
	       16385.0 / g16 / 1073.741824, g16 * 65536 / 1e6);
	printf("  %-44s %9.2f us   (%.2f GiB/s, %.3f s CPU per GiB)\n", "sg_aead_seal, 16 KiB record, ChaCha20-Poly1305",
	       c16, 16385.0 / c16 / 1073.741824, c16 * 65536 / 1e6);
	row("sg_random, 32 bytes", measure(s_random, NULL, iters * 10), 0, "");
	row("sigil_conn_new + sigil_conn_free (server)", measure(s_conn_new_free, NULL, iters * 5), 0, "");
	row("sg_wipe of sizeof(sigil_conn)", measure(s_wipe, NULL, iters * 5), 0, "");
	row("malloc(64) + free", measure(o_malloc_free, NULL, iters * 50), 0, "");
	srv_us = 0;
	double both = measure(handshake, NULL, iters / 2);
	/* measure() ran (iters/2)/10+1 warm-ups and 5 runs of iters/2. */
	double srv = srv_us / (double)((iters / 2) / 10 + 1 + 5 * (iters / 2));
	printf("\n  in-memory TLS 1.3 handshake (X25519, ECDSA P-256, AES-128-GCM), no sockets:\n");
	printf("    server calls only (conn_new, recv_net, conn_free): %8.1f us per handshake\n", srv);
	printf("    client and server together:                        %8.1f us per handshake\n", both);
	printf("    server crypto floor (keygen + derive + sign, libcrypto cheapest): %.1f us\n", o_kg + o_dv + o_sg);
	printf("    the same with sigil's keygen (sg_kex_generate):                  %.1f us\n", hs_kg + o_dv + o_sg);
	x25519_keygen_parts();
	hs_cli = cli_hy_cfg;
	srv_us = 0;
	double both_hy = measure(handshake, NULL, iters / 2);
	double srv_hy = srv_us / (double)((iters / 2) / 10 + 1 + 5 * (iters / 2));
	hs_cli = cli_cfg;
	printf("  the same with X25519MLKEM768 (the client's default: hybrid and x25519 shares):\n");
	printf("    server calls only:                                 %8.1f us per handshake (%+.1f us, %.2fx)\n", srv_hy,
	       srv_hy - srv, srv_hy / srv);
	printf("    client and server together:                        %8.1f us per handshake (%+.1f us)\n", both_hy,
	       both_hy - both);
	mlkem_rows();
	memory();
	sg_kex_free(mine);
	sg_kex_free(peer);
	sg_aead_free(gcm);
	sg_aead_free(cha);
	sg_pkey_free(sign_key);
	sigil_config_free(srv_cfg);
	sigil_config_free(cli_cfg);
	sigil_config_free(cli_hy_cfg);
	return 0;
}
