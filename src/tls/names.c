/* Algorithm tables and names (IANA TLS registries). */
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"

static const sg_suite suites[] = {
	{ SIGIL_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", &sg_aes128gcm, &sg_sha256 },
	{ SIGIL_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", &sg_aes256gcm, &sg_sha384 },
	{ SIGIL_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", &sg_chacha20poly1305, &sg_sha256 },
};

/* X25519MLKEM768 is draft-ietf-tls-ecdhe-mlkem's name and code point
 * (IANA's registry spells it so; name lists match names without regard
 * to case).  It is a TLS 1.3 group only: the draft defines it for TLS 1.3
 * key_share, and TLS 1.2's ECDHE cannot carry a KEM. */
static const sg_group groups[] = {
	{ SIGIL_GROUP_X25519MLKEM768, "X25519MLKEM768", &sg_x25519mlkem768 },
	{ SIGIL_GROUP_X25519, "x25519", &sg_x25519 },
	{ SIGIL_GROUP_SECP256R1, "secp256r1", &sg_secp256r1 },
	{ SIGIL_GROUP_SECP384R1, "secp384r1", &sg_secp384r1 },
};

/* RFC 8446 4.2.3: ECDSA schemes name their curve in TLS 1.3; PKCS#1 v1.5
 * is only for signatures in certificates, never in CertificateVerify. */
static const sg_sigscheme schemes[] = {
	{ SIGIL_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256", SG_SIG_ECDSA, &sg_sha256, SG_KEY_EC_P256, true },
	{ SIGIL_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384", SG_SIG_ECDSA, &sg_sha384, SG_KEY_EC_P384, true },
	{ SIGIL_SIG_ED25519, "ed25519", SG_SIG_ED25519, NULL, SG_KEY_ED25519, true },
	{ SIGIL_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", SG_SIG_RSA_PSS, &sg_sha256, SG_KEY_RSA, true },
	{ SIGIL_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", SG_SIG_RSA_PSS, &sg_sha384, SG_KEY_RSA, true },
	{ SIGIL_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", SG_SIG_RSA_PSS, &sg_sha512, SG_KEY_RSA, true },
	{ SIGIL_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", SG_SIG_RSA_PKCS1, &sg_sha256, SG_KEY_RSA, false },
	{ SIGIL_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", SG_SIG_RSA_PKCS1, &sg_sha384, SG_KEY_RSA, false },
	{ SIGIL_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", SG_SIG_RSA_PKCS1, &sg_sha512, SG_KEY_RSA, false },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const sg_suite *sg_suite_find(uint16_t id)
{
	for (size_t i = 0; i < COUNT(suites); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const sg_group *sg_group_find(uint16_t id)
{
	for (size_t i = 0; i < COUNT(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

const sg_sigscheme *sg_sigscheme_find(uint16_t id)
{
	for (size_t i = 0; i < COUNT(schemes); i++)
		if (schemes[i].id == id)
			return &schemes[i];
	return NULL;
}

const char *sigil_suite_name(uint16_t id)
{
	const sg_suite *s = sg_suite_find(id);
	if (!s)
		s = sg_suite12_find(id);        /* TLS 1.2 (tls12_handshake.c) */
	return s ? s->name : NULL;
}

const char *sigil_group_name(uint16_t id)
{
	const sg_group *g = sg_group_find(id);
	return g ? g->name : NULL;
}

const char *sigil_sigscheme_name(uint16_t id)
{
	const sg_sigscheme *s = sg_sigscheme_find(id);
	return s ? s->name : NULL;
}

static int lookup(int kind, const char *name, size_t len, uint16_t *id)
{
	if (kind == SG_LIST_CERTCOMP) {
		for (uint16_t a = 1; a <= 3; a++) {
			const char *nm = sg_certcomp_name(a);
			if (nm && strlen(nm) == len && strncasecmp(nm, name, len) == 0) {
				*id = a;
				return 0;
			}
		}
		return -1;
	}
	size_t n = kind == SG_LIST_SUITES ? COUNT(suites) : kind == SG_LIST_GROUPS ? COUNT(groups) : COUNT(schemes);
	for (size_t i = 0; i < n; i++) {
		const char *nm = kind == SG_LIST_SUITES ? suites[i].name :
				 kind == SG_LIST_GROUPS ? groups[i].name : schemes[i].name;
		if (strlen(nm) == len && strncasecmp(nm, name, len) == 0) {
			*id = kind == SG_LIST_SUITES ? suites[i].id :
			      kind == SG_LIST_GROUPS ? groups[i].id : schemes[i].id;
			return 0;
		}
	}
	/* Common aliases people type. */
	if (kind == SG_LIST_GROUPS) {
		if (len == 5 && strncasecmp(name, "P-256", 5) == 0) { *id = SIGIL_GROUP_SECP256R1; return 0; }
		if (len == 5 && strncasecmp(name, "P-384", 5) == 0) { *id = SIGIL_GROUP_SECP384R1; return 0; }
	}
	return -1;
}

int sg_parse_name_list(const char *list, int kind, uint16_t *out, size_t cap, size_t *n,
		       char *err, size_t errlen)
{
	static const char *what[] = { "cipher suite", "group", "signature scheme",
				      "certificate compression algorithm" };
	size_t k = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ":,");
		uint16_t id;
		if (len == 0)
			goto next;
		if (lookup(kind, p, len, &id) < 0) {
			snprintf(err, errlen, "unknown %s \"%.*s\"", what[kind], (int)len, p);
			return -1;
		}
		for (size_t i = 0; i < k; i++)
			if (out[i] == id) {
				snprintf(err, errlen, "%s \"%.*s\" listed twice", what[kind], (int)len, p);
				return -1;
			}
		if (k == cap) {
			snprintf(err, errlen, "too many %ss (at most %zu)", what[kind], cap);
			return -1;
		}
		out[k++] = id;
next:
		p += len;
		if (*p)
			p++;
	}
	/* Only certificate compression may be turned off with "". */
	if (k == 0 && kind != SG_LIST_CERTCOMP) {
		snprintf(err, errlen, "empty %s list", what[kind]);
		return -1;
	}
	*n = k;
	return 0;
}

const char *sigil_alert_name(int a)
{
	switch (a) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 22: return "record_overflow";
	case 40: return "handshake_failure";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case 115: return "unknown_psk_identity";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	default: return "unknown";
	}
}
