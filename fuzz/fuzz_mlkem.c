/*
 * libFuzzer target: ML-KEM-768 (src/crypto/mlkem.c) and the X25519MLKEM768
 * key exchange (src/crypto/kex.c) on untrusted bytes.
 *
 * Input: mode (first byte, modulo 4), then the rest.
 *   0  an encapsulation key of any length: the section 7.2 check must
 *      agree with a plain re-statement of it (1184 bytes, every 12-bit
 *      value below q); Encaps must refuse exactly the keys it refuses,
 *      and be deterministic in m on the others.
 *   1  a ciphertext of any length: the section 7.3 check refuses every
 *      length but 1088; Decaps under a fixed key (the first 1088 bytes,
 *      zero-padded) must give the real shared secret for the honest
 *      ciphertext and J(z || c), computed here with libcrypto's SHAKE256,
 *      for every other.
 *   2  a client's X25519MLKEM768 share to the server (sg_kex_encap):
 *      accepted exactly when it has 1216 bytes, its ek passes the check
 *      and its X25519 share gives a non-zero secret; a refusal leaves no
 *      secret behind; an answer's ML-KEM half is Encaps with the server's
 *      m, its X25519 half that of a plain x25519 server with the key.
 *   3  a server's share to the client (sg_kex_derive): accepted exactly
 *      when it has 1120 bytes and a usable X25519 share; then the secret
 *      is Decaps of its ciphertext || X25519 with it.
 *
 * The keys are fixed: the client's ML-KEM seed is that of Wycheproof
 * mlkem_768_keygen_seed_test.json tcId 1, the server's encapsulation m
 * that of mlkem_768_encaps_test.json tcId 14 (whose ek is tcId 1's), the
 * X25519 keys RFC 7748 section 6.1's Alice (client) and Bob (server).
 * So the honest ciphertext is tcId 14's c.
 *
 * Seeds (fuzz/corpus/fuzz_mlkem/): the valid and several invalid inputs
 * of each mode, made by this file built as a program:
 *   cc -DFUZZ_MLKEM_SEEDS -std=c11 -D_GNU_SOURCE -Iinclude -Isrc \
 *      fuzz/fuzz_mlkem.c build/libsigil.a -lcrypto -lsqlite3 -lpthread \
 *      -o /tmp/mlkemseeds && /tmp/mlkemseeds fuzz/corpus/fuzz_mlkem
 * and, as mode-0 seeds (wp-encaps-tc*), the keys of the CCTV/modulus
 * group of Wycheproof mlkem_768_encaps_test.json (tcId 2 to 13).
 */
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

enum { M_EK, M_CT, M_CLIENT_SHARE, M_SERVER_SHARE, M_COUNT };

#define Q 3329

static const char seed_hex[] =
	"7c9935a0b07694aa0c6d10e4db6b1add2fd81a25ccb148032dcd739936737f2d"
	"8626ed79d451140800e03b59b956f8210e556067407d13dc90fa9e8b872bfb8f";
static const char m_hex[] = "147c03f7a5bebba406c8fae1874d7f13c80efe79a3a9a874cc09fe76f6997615";
static const char alice_hex[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char bob_hex[] = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";

static struct {
	uint8_t ek[SG_MLKEM768_EK], dk[SG_MLKEM768_DK], ct[SG_MLKEM768_CT], ss[32], m[32];
	uint8_t client_share[1216], server_share[1120];
	sg_kex_key *client, *server, *client_x, *server_x;
	EVP_MD *shake256;
} F;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_mlkem: %s\n", what);
	abort();
}

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			die("bad hex");
		out[i] = (uint8_t)v;
	}
}

static void setup(void)
{
	uint8_t seed[64], priv[96], secret[64];
	if (F.client)
		return;
	unhex(seed_hex, seed, 64);
	unhex(m_hex, F.m, 32);
	memcpy(priv, seed, 64);
	unhex(alice_hex, priv + 64, 32);
	if (sg_mlkem768_keygen_internal(F.ek, F.dk, seed, seed + 32) < 0 ||
	    sg_mlkem768_encaps_internal(F.ct, F.ss, F.ek, F.m) < 0 ||
	    !(F.client = sg_kex_from_private(&sg_x25519mlkem768, priv, 96)))
		die("client setup");
	memset(priv, 0x5a, 64);
	unhex(bob_hex, priv + 64, 32);
	if (!(F.server = sg_kex_from_private(&sg_x25519mlkem768, priv, 96)) ||
	    sg_kex_test_fix_encap(F.server, F.m) < 0 || !(F.client_x = sg_kex_x25519_part(F.client)) ||
	    !(F.server_x = sg_kex_x25519_part(F.server)) || sg_kex_public(F.client, F.client_share) < 0 ||
	    sg_kex_encap(F.server, F.client_share, sizeof F.client_share, F.server_share, secret) < 0 ||
	    !(F.shake256 = EVP_MD_fetch(NULL, "SHAKE256", NULL)))
		die("setup");
}

/* Section 7.2 restated: the length, and every 12-bit value below q. */
static bool ek_valid(const uint8_t *ek, size_t n)
{
	if (n != SG_MLKEM768_EK)
		return false;
	for (size_t i = 0; i < 1152; i += 3) {
		unsigned a = ek[i] | (ek[i + 1] & 0x0fu) << 8, b = ek[i + 1] >> 4 | (unsigned)ek[i + 2] << 4;
		if (a >= Q || b >= Q)
			return false;
	}
	return true;
}

static void j_hash(uint8_t out[32], const uint8_t z[32], const uint8_t *ct)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex2(c, F.shake256, NULL) != 1 || EVP_DigestUpdate(c, z, 32) != 1 ||
	    EVP_DigestUpdate(c, ct, SG_MLKEM768_CT) != 1 || EVP_DigestFinalXOF(c, out, 32) != 1)
		die("SHAKE256");
	EVP_MD_CTX_free(c);
}

static void fuzz_ek(const uint8_t *p, size_t n)
{
	uint8_t ct[SG_MLKEM768_CT], ct2[SG_MLKEM768_CT], ss[32], ss2[32];
	bool valid = ek_valid(p, n);
	if ((sg_mlkem768_encaps_check(p, n) == 0) != valid)
		die("section 7.2 check disagrees with its statement");
	if (n != SG_MLKEM768_EK)
		return;
	int r1 = sg_mlkem768_encaps_internal(ct, ss, p, F.m);
	int r2 = sg_mlkem768_encaps(ct2, ss2, p);
	if ((r1 == 0) != valid || (r2 == 0) != valid)
		die("Encaps and the check disagree");
	if (valid) {
		if (sg_mlkem768_encaps_internal(ct2, ss2, p, F.m) < 0 || memcmp(ct, ct2, sizeof ct) ||
		    memcmp(ss, ss2, sizeof ss))
			die("Encaps_internal is not deterministic");
	}
}

static void fuzz_ct(const uint8_t *p, size_t n)
{
	uint8_t ct[SG_MLKEM768_CT] = { 0 }, ss[32], want[32];
	if ((sg_mlkem768_decaps_check(F.dk, sizeof F.dk, n) == 0) != (n == SG_MLKEM768_CT))
		die("section 7.3 ciphertext type check");
	memcpy(ct, p, n < sizeof ct ? n : sizeof ct);
	if (sg_mlkem768_decaps(ss, F.dk, ct) < 0)
		die("Decaps failed");
	if (!memcmp(ct, F.ct, sizeof ct))
		memcpy(want, F.ss, 32);
	else
		j_hash(want, F.dk + SG_MLKEM768_DK - 32, ct);
	if (memcmp(ss, want, 32))
		die("Decaps: neither the real secret nor J(z || c)");
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void fuzz_client_share(const uint8_t *p, size_t n)
{
	uint8_t share[1120], secret[64], xs[32], xsecret[32];
	int r = sg_kex_encap(F.server, p, n, share, secret);
	bool want = n == 1216 && ek_valid(p, SG_MLKEM768_EK);
	/* The X25519 half alone, through the part key (a plain x25519
	 * server with the same key). */
	bool xok = n == 1216 && sg_kex_encap(F.server_x, p + SG_MLKEM768_EK, 32, xs, xsecret) == 0;
	if ((r == 0) != (want && xok))
		die("hybrid server accepted a bad share or refused a good one");
	if (r < 0) {
		if (!all_zero(secret, 64))
			die("refused share left a secret behind");
		return;
	}
	if (memcmp(secret + 32, xsecret, 32) || memcmp(share + SG_MLKEM768_CT, xs, 32))
		die("X25519 half differs from a plain x25519 server");
	uint8_t ct[SG_MLKEM768_CT], ss[32];
	if (sg_mlkem768_encaps_internal(ct, ss, p, F.m) < 0 || memcmp(ct, share, sizeof ct) ||
	    memcmp(ss, secret, 32))
		die("ML-KEM half differs from Encaps");
}

static void fuzz_server_share(const uint8_t *p, size_t n)
{
	uint8_t secret[64], ss[32], xsecret[32];
	int r = sg_kex_derive(F.client, p, n, secret);
	bool xok = n == 1120 && sg_kex_derive(F.client_x, p + SG_MLKEM768_CT, 32, xsecret) == 0;
	if ((r == 0) != xok)
		die("hybrid client accepted a bad share or refused a good one");
	if (r < 0)
		return;
	if (sg_mlkem768_decaps(ss, F.dk, p) < 0 || memcmp(ss, secret, 32) || memcmp(xsecret, secret + 32, 32))
		die("hybrid client secret differs from its halves");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % M_COUNT) {
	case M_EK:
		fuzz_ek(p, n);
		break;
	case M_CT:
		fuzz_ct(p, n);
		break;
	case M_CLIENT_SHARE:
		fuzz_client_share(p, n);
		break;
	default:
		fuzz_server_share(p, n);
		break;
	}
	return 0;
}

#ifdef FUZZ_MLKEM_SEEDS
static void put(const char *dir, const char *name, uint8_t mode, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fputc(mode, f) == EOF || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die(path);
	/* Each seed must pass through the target cleanly. */
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		die("malloc");
	buf[0] = mode;
	memcpy(buf + 1, p, n);
	LLVMFuzzerTestOneInput(buf, n + 1);
	free(buf);
}

int main(int argc, char **argv)
{
	static uint8_t b[1216];
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	setup();
	const char *d = argv[1];
	put(d, "ek-valid", M_EK, F.ek, sizeof F.ek);
	memcpy(b, F.ek, sizeof F.ek);
	b[0] = 0x01;
	b[1] = (uint8_t)((b[1] & 0xf0) | 0x0d);   /* coefficient 0 = 3329 = q */
	put(d, "ek-modulus-q", M_EK, b, sizeof F.ek);
	memcpy(b, F.ek, sizeof F.ek);
	b[1150] = 0xff;
	b[1151] = 0xff;                           /* coefficient 767 = 4095 */
	put(d, "ek-modulus-last", M_EK, b, sizeof F.ek);
	put(d, "ek-short", M_EK, F.ek, sizeof F.ek - 1);
	put(d, "ct-honest", M_CT, F.ct, sizeof F.ct);
	memcpy(b, F.ct, sizeof F.ct);
	b[0] ^= 1;
	put(d, "ct-tampered", M_CT, b, sizeof F.ct);
	put(d, "ct-long", M_CT, b, sizeof F.ct + 1);
	put(d, "client-share", M_CLIENT_SHARE, F.client_share, sizeof F.client_share);
	memcpy(b, F.client_share, sizeof F.client_share);
	memset(b + SG_MLKEM768_EK, 0, 32);
	put(d, "client-share-x25519-zero", M_CLIENT_SHARE, b, sizeof F.client_share);
	put(d, "server-share", M_SERVER_SHARE, F.server_share, sizeof F.server_share);
	put(d, "server-share-short", M_SERVER_SHARE, F.server_share, sizeof F.server_share - 1);
	return 0;
}
#endif
