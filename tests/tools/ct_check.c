/*
 * ct_check: the constant-time check of secret-dependent code sigil owns,
 * by the ctgrind technique: secrets are marked undefined for valgrind's
 * memcheck, which then reports every branch or memory index that depends
 * on them.  Run by tests/ct/ctgrind.sh under valgrind:
 *   ct_check              must run clean (no error);
 *   ct_check control      compares with memcmp instead, and must be
 *                         reported (so the check is known to see what it
 *                         looks for);
 *   ct_check control-pad  removes record padding with the plain scan
 *                         from the end, and must be reported too;
 *   ct_check control-mlkem  runs ML-KEM key generation without marking
 *                         the matrix seed rho public, so SampleNTT's
 *                         rejection branches on it (derived from the
 *                         secret d) must be reported: the check sees
 *                         inside mlkem.c.
 *   ct_check control-x25519  picks table entries by the secret scalar's
 *                         digits (reading only the chosen entry, as a
 *                         table look-up without the full scan would), and
 *                         must be reported too.
 * Covered: sg_ct_eq, which compares Finished, PSK binders, HRR cookies
 * and ticket key names; the HMAC behind Finished and binders (secret key
 * and message); record padding removal (sg_record_unpad) with the whole
 * decrypted record secret, at every padding length of small records and
 * at the largest record; the path of an opened ticket: its state decoded
 * with the PSK secret (sg_ticket_decode), the binder computed from that
 * PSK and compared; ML-KEM-768 (src/crypto/mlkem.c): KeyGen with d and z
 * secret, Encaps with m secret, Decaps with the secret part of dk (s-hat
 * and z; the embedded ek and H(ek) are public) on a valid and on a
 * tampered ciphertext, whose re-encryption comparison and the choice
 * between K' and J(z || c) depend on secrets only through masks; the
 * fixed-base X25519 public key (sg_x25519_public) with the whole private
 * key secret, for keys whose digits reach every table entry, sign and
 * carry.  The AEAD (tag check included) and SHA-3 are the backend's.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "bytes/bytes.h"
#include "crypto/crypto.h"
#include "tls/tls.h"

static void secret(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

static void public_(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_DEFINED(p, n);
}

/* mlkem.c calls this for values it makes public by design (rho in
 * KeyGen); this definition replaces the library's empty weak one.  The
 * ML-KEM control turns it off. */
static int declassify = 1;
void sg_ct_public(const void *p, size_t n)
{
	if (declassify)
		VALGRIND_MAKE_MEM_DEFINED(p, n);
}

/* ML-KEM-768 with its secrets undefined; only results become public, to
 * be checked.  0 when every result is right. */
static int check_mlkem(void)
{
	static uint8_t ek[SG_MLKEM768_EK], dk[SG_MLKEM768_DK], ek2[SG_MLKEM768_EK], dk2[SG_MLKEM768_DK];
	static uint8_t ct[SG_MLKEM768_CT];
	uint8_t d[32], z[32], m[32], k1[32], k2[32], k3[32];
	int bad = 0;

	memset(d, 0x11, sizeof d);
	memset(z, 0x22, sizeof z);
	memset(m, 0x33, sizeof m);
	/* The reference run, all public. */
	if (sg_mlkem768_keygen_internal(ek, dk, d, z) < 0 || sg_mlkem768_encaps_internal(ct, k1, ek, m) < 0)
		return 1;
	/* KeyGen: d, z secret. */
	secret(d, sizeof d);
	secret(z, sizeof z);
	bad |= sg_mlkem768_keygen_internal(ek2, dk2, d, z) < 0;
	public_(ek2, sizeof ek2);
	public_(dk2, sizeof dk2);
	bad |= memcmp(ek, ek2, sizeof ek) != 0 || memcmp(dk, dk2, sizeof dk) != 0;
	/* Encaps: m secret (ek public). */
	secret(m, sizeof m);
	bad |= sg_mlkem768_encaps_internal(ct, k2, ek, m) < 0;
	public_(ct, sizeof ct);
	public_(k2, sizeof k2);
	bad |= memcmp(k1, k2, sizeof k1) != 0;
	/* Decaps: dk_PKE and z secret; valid, then tampered ciphertext. */
	secret(dk, 1152);
	secret(dk + SG_MLKEM768_DK - 32, 32);
	bad |= sg_mlkem768_decaps(k2, dk, ct) < 0;
	ct[100] ^= 1;
	bad |= sg_mlkem768_decaps(k3, dk, ct) < 0;
	public_(k2, sizeof k2);
	public_(k3, sizeof k3);
	bad |= memcmp(k1, k2, sizeof k1) != 0 || memcmp(k1, k3, sizeof k1) == 0;
	if (bad)
		printf("mlkem: wrong results\n");
	return bad;
}

/* KeyGen with rho left secret: must be reported. */
static int control_mlkem(void)
{
	static uint8_t ek[SG_MLKEM768_EK], dk[SG_MLKEM768_DK];
	uint8_t d[32], z[32];
	memset(d, 0x11, sizeof d);
	memset(z, 0x22, sizeof z);
	declassify = 0;
	secret(d, sizeof d);
	return sg_mlkem768_keygen_internal(ek, dk, d, z) < 0;
}

/* The scan RFC 8446 5.4 describes, stopping at the type: its time
 * depends on the padding (the control). */
static size_t unpad_plain(const uint8_t *p, size_t n, uint8_t *type)
{
	while (n > 0 && p[n - 1] == 0)
		n--;
	*type = n ? p[n - 1] : 0;
	return n ? n - 1 : 0;
}

/* Record padding removal with the decrypted record secret: only the
 * result (content length and type) becomes public, as in the engine,
 * which acts on it.  A record of len bytes whose type is at `at`
 * (at == len: all zeros, no type).  1 when the result is wrong. */
static int unpad_one(int control, size_t len, size_t at)
{
	static uint8_t rec[SG_MAX_CIPHERTEXT - SG_AEAD_TAG];
	memset(rec, 0, len);
	if (at < len) {
		for (size_t i = 0; i < at; i++)
			rec[i] = (uint8_t)(i % 3 ? 0x41 + i : 0);      /* zeros in the content too */
		rec[at] = SG_CT_APP;
	}
	secret(rec, len);
	uint8_t type;
	size_t got = control ? unpad_plain(rec, len, &type) : sg_record_unpad(rec, len, &type);
	public_(&type, sizeof type);
	public_(&got, sizeof got);
	return at < len ? type != SG_CT_APP || got != at : type != 0;
}

/* Every content length and padding of records up to 70 bytes (blocks,
 * words and bytes of the scan), then the largest record with the type
 * first and last.  0 when every result is right. */
static int check_unpad(int control)
{
	size_t big = SG_MAX_CIPHERTEXT - SG_AEAD_TAG;
	int bad = 0;
	for (size_t len = 1; len <= 70; len++)
		for (size_t at = 0; at <= len; at++)
			bad += unpad_one(control, len, at);
	bad += unpad_one(control, big, 0) + unpad_one(control, big, big - 1) + unpad_one(control, big, big);
	if (bad)
		printf("unpad: %d wrong results\n", bad);
	return bad != 0;
}

/* An opened ticket: the state as sg_ticket_open leaves it, with the PSK
 * secret; decoding it, computing the binder and comparing it must not
 * branch on the PSK.  0 when the binder matches as it should. */
static int check_ticket(void)
{
	/* version 2 || suite || issued || lifetime || age_add || protocol ||
	 * flags || sni_hash[32] || psk<1..48>  (ticket.c) */
	enum { PSK_AT = 1 + 2 + 8 + 4 + 4 + 2 + 1 + SG_TICKET_SNI_HASH + 1 };
	uint8_t state[PSK_AT + 32], th[32], want[32], binder[32];
	memset(state, 0, sizeof state);
	state[0] = 2;                                   /* version */
	sg_store16(state + 1, SIGIL_AES_128_GCM_SHA256);
	sg_store16(state + 19, SIGIL_TLS13);
	state[PSK_AT - 1] = 32;
	memset(state + PSK_AT, 0x33, 32);               /* the PSK */
	memset(th, 0x44, sizeof th);
	if (sg_ks_binder(&sg_sha256, state + PSK_AT, th, binder) < 0)
		return 1;
	secret(state + PSK_AT, 32);
	sg_ticket t;
	if (sg_ticket_decode(state, sizeof state, &t) < 0 || t.psk_len != 32 ||
	    sg_ks_binder(&sg_sha256, t.psk, th, want) < 0)
		return 1;
	bool ok = sg_ct_eq(want, binder, sizeof want);
	public_(&ok, sizeof ok);
	return !ok;
}

/* A look-up that reads only the entry the digit selects: its address
 * depends on the secret (the control). */
static uint8_t lookup_direct(const uint8_t *k)
{
	static const uint8_t table[16][8] = { { 1 }, { 2 }, { 3 }, { 4 }, { 5 }, { 6 }, { 7 }, { 8 },
					      { 9 }, { 10 }, { 11 }, { 12 }, { 13 }, { 14 }, { 15 }, { 16 } };
	uint8_t acc = 0;
	for (int i = 0; i < 32; i++)
		acc = (uint8_t)(acc + table[k[i] & 15][0] + table[k[i] >> 4][0]);
	return acc;
}

/* sg_x25519_public with the private key secret: only the public key
 * becomes public.  Keys: RFC 7748 6.1's Alice, all zeros, all ones,
 * every nibble 8 (a carry into every digit), and 0x87 bytes (digits of
 * both signs); each result is compared with the one computed before the
 * key was marked.  0 when every result is right. */
static int check_x25519(int control)
{
	static const uint8_t alice[32] = {
		0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
		0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
	};
	static const uint8_t alice_pub[32] = {
		0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
		0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
	};
	uint8_t keys[5][32], want[5][32], got[32];
	int bad = 0;
	memcpy(keys[0], alice, 32);
	memset(keys[1], 0, 32);
	memset(keys[2], 0xff, 32);
	memset(keys[3], 0x88, 32);
	memset(keys[4], 0x87, 32);
	for (int i = 0; i < 5; i++)
		sg_x25519_public(want[i], keys[i]);
	bad += memcmp(want[0], alice_pub, 32) != 0;
	for (int i = 0; i < 5; i++) {
		uint8_t k[32];
		memcpy(k, keys[i], 32);
		secret(k, sizeof k);
		if (control) {
			uint8_t v = lookup_direct(k);
			public_(&v, sizeof v);
			continue;
		}
		sg_x25519_public(got, k);
		public_(got, sizeof got);
		bad += memcmp(got, want[i], 32) != 0;
	}
	if (bad)
		printf("x25519: %d wrong public keys\n", bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	int control = argc > 1 && strcmp(argv[1], "control") == 0;
	if (argc > 1 && strcmp(argv[1], "control-pad") == 0)
		return check_unpad(1) ? 1 : 0;
	if (argc > 1 && strcmp(argv[1], "control-mlkem") == 0)
		return sg_crypto_init() < 0 || control_mlkem() ? 1 : 0;
	if (argc > 1 && strcmp(argv[1], "control-x25519") == 0)
		return check_x25519(1) ? 1 : 0;
	uint8_t a[48], b[48];
	int eq = 0;
	for (int round = 0; round < 4; round++) {
		memset(a, 0x5a, sizeof a);
		memcpy(b, a, sizeof b);
		if (round & 1)
			b[round * 7] ^= 1;
		secret(a, sizeof a);
		secret(b, sizeof b);
		bool same = control ? memcmp(a, b, sizeof a) == 0 : sg_ct_eq(a, b, sizeof a);
		/* Only the final verdict becomes public, as in the engine. */
		public_(&same, sizeof same);
		eq += same;
	}
	/* The HMAC behind Finished and binders: a secret key and message
	 * must not steer branches either (the digest itself is backend code
	 * and not checked here; the comparison after it is). */
	uint8_t key[32], msg[32], mac1[32], mac2[32];
	memset(key, 1, sizeof key);
	memset(msg, 2, sizeof msg);
	if (sg_crypto_init() < 0 || sg_hmac(&sg_sha256, key, sizeof key, msg, sizeof msg, mac1) < 0 ||
	    sg_hmac(&sg_sha256, key, sizeof key, msg, sizeof msg, mac2) < 0)
		return 2;
	secret(mac1, sizeof mac1);
	secret(mac2, sizeof mac2);
	bool ok = control ? memcmp(mac1, mac2, sizeof mac1) == 0 : sg_ct_eq(mac1, mac2, sizeof mac1);
	public_(&ok, sizeof ok);
	int unpad = check_unpad(0), ticket = check_ticket(), mlkem = check_mlkem(), x25519 = check_x25519(0);
	printf("equal: %d of 4, hmac %s, unpad %s, ticket binder %s, ML-KEM %s, x25519 %s\n", eq,
	       ok ? "same" : "differs", unpad ? "wrong" : "right", ticket ? "wrong" : "right",
	       mlkem ? "wrong" : "right", x25519 ? "wrong" : "right");
	return eq == 2 && ok && !unpad && !ticket && !mlkem && !x25519 ? 0 : 1;
}
