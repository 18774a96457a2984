/* The shared configuration. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"
#include "der/der.h"
#include "x509/x509.h"

static const uint16_t default_suites[] = {
	SIGIL_AES_128_GCM_SHA256, SIGIL_AES_256_GCM_SHA384, SIGIL_CHACHA20_POLY1305_SHA256,
};
/* The post-quantum hybrid first (draft-ietf-tls-ecdhe-mlkem), as every
 * current browser and server does; a client offers its share and an
 * X25519 share made from the same X25519 key (client_hello.c). */
static const uint16_t default_groups[] = {
	SIGIL_GROUP_X25519MLKEM768, SIGIL_GROUP_X25519, SIGIL_GROUP_SECP256R1, SIGIL_GROUP_SECP384R1,
};
static const uint16_t default_sigalgs[] = {
	SIGIL_SIG_ECDSA_SECP256R1_SHA256, SIGIL_SIG_ECDSA_SECP384R1_SHA384, SIGIL_SIG_ED25519,
	SIGIL_SIG_RSA_PSS_RSAE_SHA256, SIGIL_SIG_RSA_PSS_RSAE_SHA384, SIGIL_SIG_RSA_PSS_RSAE_SHA512,
	SIGIL_SIG_RSA_PKCS1_SHA256, SIGIL_SIG_RSA_PKCS1_SHA384, SIGIL_SIG_RSA_PKCS1_SHA512,
};

sigil_config *sigil_config_new(void)
{
	if (sg_crypto_init() < 0)
		return NULL;
	sigil_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return NULL;
	atomic_init(&cfg->refs, 1);
	atomic_init(&cfg->frozen, false);
	memcpy(cfg->suites, default_suites, sizeof default_suites);
	cfg->nsuites = sizeof default_suites / sizeof default_suites[0];
	memcpy(cfg->groups, default_groups, sizeof default_groups);
	cfg->ngroups = sizeof default_groups / sizeof default_groups[0];
	memcpy(cfg->sigalgs, default_sigalgs, sizeof default_sigalgs);
	cfg->nsigalgs = sizeof default_sigalgs / sizeof default_sigalgs[0];
	memcpy(cfg->certcomp, sg_certcomp_prefs, sizeof sg_certcomp_prefs);
	cfg->ncertcomp = sizeof sg_certcomp_prefs / sizeof sg_certcomp_prefs[0];
	cfg->compat = true;
	pthread_mutex_init(&cfg->lock, NULL);
	/* One random ticket key: resumption works within this config. */
	cfg->tickets = 2;
	cfg->ticket_lifetime = 7200;
	cfg->min_version = SG_TLS12;
	cfg->max_version = SIGIL_TLS13;
	if (sg_random(cfg->ticket_keys[0], SIGIL_TICKET_KEY_LEN) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	cfg->nticket_keys = 1;
	return cfg;
}

sigil_config *sigil_config_ref(sigil_config *cfg)
{
	atomic_fetch_add(&cfg->refs, 1);
	return cfg;
}

void sigil_config_free(sigil_config *cfg)
{
	if (!cfg || atomic_fetch_sub(&cfg->refs, 1) != 1)
		return;
	for (size_t i = 0; i < cfg->ncerts; i++) {
		free(cfg->certs[i].der);
		free(cfg->certs[i].names);
		sg_pkey_free(cfg->certs[i].key);
		sg_certcomp_free(&cfg->certs[i]);
	}
	free(cfg->certs);
	sg_wipe(cfg->ticket_keys, sizeof cfg->ticket_keys);
	sg_x509_store_free(cfg->trust);
	sg_x509_crls_free(cfg->crls);
	free(cfg->pins);
	pthread_mutex_destroy(&cfg->lock);
	sg_wipe(cfg, sizeof *cfg);
	free(cfg);
}

const char *sigil_config_error(const sigil_config *cfg)
{
	return cfg->err;
}

static int cfg_fail(sigil_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cfg_fail(sigil_config *cfg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cfg->err, sizeof cfg->err, fmt, ap);
	va_end(ap);
	return SIGIL_ERROR;
}

static int writable(sigil_config *cfg, const char *fn)
{
	if (atomic_load(&cfg->frozen))
		return cfg_fail(cfg, "%s: the config is in use by a connection and can no longer change", fn);
	cfg->err[0] = 0;
	return 0;
}

int sg_config_set_test_hooks(sigil_config *cfg, const sg_test_hooks *h)
{
	if (writable(cfg, "test hooks") < 0)
		return SIGIL_ERROR;
	cfg->hooks = h;
	return 0;
}

static sg_key_type key_type_of_spki(const sg_x509_cert *leaf)
{
	sg_pkey *k = sg_pkey_public_from_spki(leaf->spki.p, leaf->spki.n);
	sg_key_type t = k ? sg_pkey_type(k) : SG_KEY_NONE;
	sg_pkey_free(k);
	return t;
}

uint32_t sg_name_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
		h = (h ^ c) * 16777619u;
	}
	return h;
}

/* The leaf's dNSNames for the choice by server_name (certificate.c):
 * gathered once here, so that a handshake reads a short array instead
 * of parsing every certificate. */
struct names_ctx {
	sg_certkey *ck;
	size_t cap;
	bool oom;
};

static int collect_name(void *vctx, uint8_t tag, sg_rd v)
{
	struct names_ctx *x = vctx;
	sg_certkey *ck = x->ck;
	/* Over 253 bytes is no host name (RFC 1035 2.3.4): never matched. */
	if (tag != SG_DER_CTX(2) || v.n == 0 || v.n > 253)
		return 0;
	if (ck->nnames == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 4;
		sg_certname *n = realloc(ck->names, cap * sizeof *n);
		if (!n) {
			x->oom = true;
			return 1;
		}
		ck->names = n;
		x->cap = cap;
	}
	bool wild = v.n > 2 && v.p[0] == '*' && v.p[1] == '.';
	sg_certname *e = &ck->names[ck->nnames++];
	e->p = v.p;
	e->len = (uint8_t)v.n;
	e->wild = wild;
	e->hash = wild ? sg_name_hash(v.p + 1, v.n - 1) : sg_name_hash(v.p, v.n);
	ck->nwild += wild;
	return 0;
}

static int leaf_names(sg_certkey *ck, const sg_x509_cert *leaf)
{
	struct names_ctx x = { .ck = ck };
	ck->names = NULL;
	ck->nnames = ck->nwild = 0;
	if (leaf->san_present && sg_x509_general_names(leaf->san, collect_name, &x) != 0) {
		free(ck->names);
		ck->names = NULL;
		ck->nnames = ck->nwild = 0;
		return -1;
	}
	return 0;
}

int sigil_config_add_cert_key_pem(sigil_config *cfg, const char *chain_pem, size_t chain_len,
				  const char *key_pem, size_t key_len)
{
	if (writable(cfg, "sigil_config_add_cert_key") < 0)
		return SIGIL_ERROR;
	if (cfg->ncerts == SG_MAX_CERTKEYS)
		return cfg_fail(cfg, "at most %d certificate/key pairs", SG_MAX_CERTKEYS);
	if (cfg->ncerts == cfg->certs_cap) {
		/* No connection holds a pointer into the array yet: a frozen
		 * config takes no more pairs (writable above). */
		size_t cap = cfg->certs_cap ? 2 * cfg->certs_cap : 4;
		sg_certkey *n = realloc(cfg->certs, cap * sizeof *n);
		if (!n)
			return cfg_fail(cfg, "out of memory");
		cfg->certs = n;
		cfg->certs_cap = cap;
	}
	sg_certkey *ck = &cfg->certs[cfg->ncerts];
	memset(ck, 0, sizeof *ck);
	sg_wr der;
	sg_wr_init(&der, NULL, 0, SIGIL_MAX_HANDSHAKE_MSG);
	size_t ends[SIGIL_MAX_CHAIN];
	size_t n = 0;
	sg_rd text;
	sg_rd_init(&text, (const uint8_t *)chain_pem, chain_len);
	char label[64], why[256];
	int r;
	while ((r = sg_pem_next(&text, label, sizeof label, &der, why, sizeof why)) > 0) {
		if (strcmp(label, "CERTIFICATE") != 0) {
			der.len = n ? ends[n - 1] : 0;
			continue;
		}
		if (n == SIGIL_MAX_CHAIN) {
			sg_wr_free(&der);
			return cfg_fail(cfg, "certificate chain longer than %d certificates", SIGIL_MAX_CHAIN);
		}
		ends[n++] = der.len;
	}
	if (r < 0 || n == 0 || !sg_wr_ok(&der)) {
		sg_wr_free(&der);
		return cfg_fail(cfg, "certificate chain: %s", r < 0 ? why : n == 0 ? "no CERTIFICATE block found"
										     : "too large");
	}
	/* Own the bytes: copy out of the writer's storage. */
	ck->der = malloc(der.len);
	if (!ck->der) {
		sg_wr_free(&der);
		return cfg_fail(cfg, "out of memory");
	}
	memcpy(ck->der, der.buf, der.len);
	sg_wr_free(&der);
	for (size_t i = 0; i < n; i++) {
		size_t start = i ? ends[i - 1] : 0;
		ck->chain[i].der = ck->der + start;
		ck->chain[i].len = ends[i] - start;
		sg_x509_cert cert;
		if (sg_x509_cert_parse(&cert, ck->chain[i].der, ck->chain[i].len, why, sizeof why) < 0) {
			free(ck->der);
			ck->der = NULL;
			return cfg_fail(cfg, "certificate %zu of the chain: %s", i + 1, why);
		}
	}
	ck->n = n;

	ck->key = sg_pkey_private_from_pem(key_pem, key_len);
	if (!ck->key)
		goto bad_key;
	ck->type = sg_pkey_type(ck->key);
	sg_x509_cert leaf;
	if (sg_x509_cert_parse(&leaf, ck->chain[0].der, ck->chain[0].len, why, sizeof why) < 0)
		goto bad_key;
	sg_pkey *pub = sg_pkey_public_from_spki(leaf.spki.p, leaf.spki.n);
	bool match = pub && sg_pkey_public_eq(pub, ck->key);
	sg_pkey_free(pub);
	if (!match || key_type_of_spki(&leaf) != ck->type) {
		sg_pkey_free(ck->key);
		free(ck->der);
		ck->key = NULL;
		ck->der = NULL;
		return cfg_fail(cfg, "the private key does not match the first certificate of the chain");
	}
	if (leaf_names(ck, &leaf) < 0) {
		sg_pkey_free(ck->key);
		free(ck->der);
		ck->key = NULL;
		ck->der = NULL;
		return cfg_fail(cfg, "the subjectAltName of the first certificate cannot be read");
	}
	cfg->ncerts++;
	return SIGIL_OK;
bad_key:
	sg_pkey_free(ck->key);
	free(ck->der);
	ck->key = NULL;
	ck->der = NULL;
	return cfg_fail(cfg, "cannot read the private key (PEM PKCS#8, SEC1 or PKCS#1, unencrypted)");
}

int sigil_config_add_cert_key_file(sigil_config *cfg, const char *chain_path, const char *key_path)
{
	size_t cl, kl;
	char *chain = sg_x509_read_file(chain_path, &cl, cfg->err, sizeof cfg->err);
	if (!chain)
		return SIGIL_ERROR;
	char *key = sg_x509_read_file(key_path, &kl, cfg->err, sizeof cfg->err);
	if (!key) {
		free(chain);
		return SIGIL_ERROR;
	}
	int r = sigil_config_add_cert_key_pem(cfg, chain, cl, key, kl);
	if (r < 0) {
		char msg[sizeof cfg->err * 3];
		snprintf(msg, sizeof msg, "%s / %s: %s", chain_path, key_path, cfg->err);
		memcpy(cfg->err, msg, sizeof cfg->err - 1);
		cfg->err[sizeof cfg->err - 1] = 0;
	}
	sg_wipe(key, kl);
	free(key);
	free(chain);
	return r;
}

static int set_list(sigil_config *cfg, const char *list, int kind, uint16_t *out, size_t cap, size_t *n)
{
	uint16_t tmp[SG_MAX_LIST];
	size_t k;
	if (writable(cfg, "set list") < 0)
		return SIGIL_ERROR;
	if (!list || sg_parse_name_list(list, kind, tmp, cap, &k, cfg->err, sizeof cfg->err) < 0)
		return SIGIL_ERROR;
	memcpy(out, tmp, k * sizeof tmp[0]);
	*n = k;
	return SIGIL_OK;
}

int sigil_config_set_suites(sigil_config *cfg, const char *list)
{
	return set_list(cfg, list, SG_LIST_SUITES, cfg->suites, 4, &cfg->nsuites);
}

int sigil_config_set_versions(sigil_config *cfg, uint16_t min, uint16_t max)
{
	if (writable(cfg, "sigil_config_set_versions") < 0)
		return SIGIL_ERROR;
	if ((min != SIGIL_TLS12 && min != SIGIL_TLS13) || (max != SIGIL_TLS12 && max != SIGIL_TLS13) || min > max)
		return cfg_fail(cfg, "sigil_config_set_versions: 0x%04x to 0x%04x is not a range of TLS 1.2 (0x0303) "
				"and TLS 1.3 (0x0304)", min, max);
	cfg->min_version = min;
	cfg->max_version = max;
	return SIGIL_OK;
}

int sigil_config_set_groups(sigil_config *cfg, const char *list)
{
	return set_list(cfg, list, SG_LIST_GROUPS, cfg->groups, 4, &cfg->ngroups);
}

int sigil_config_set_cert_compression(sigil_config *cfg, const char *list)
{
	return set_list(cfg, list, SG_LIST_CERTCOMP, cfg->certcomp, 3, &cfg->ncertcomp);
}

int sigil_config_set_sigalgs(sigil_config *cfg, const char *list)
{
	return set_list(cfg, list, SG_LIST_SIGALGS, cfg->sigalgs, SG_MAX_LIST, &cfg->nsigalgs);
}

int sigil_config_set_alpn(sigil_config *cfg, const char *list)
{
	if (writable(cfg, "sigil_config_set_alpn") < 0)
		return SIGIL_ERROR;
	uint8_t wire[sizeof cfg->alpn];
	size_t n = 0, count = 0;
	const char *p = list ? list : "";
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len > 255)
			return cfg_fail(cfg, "ALPN names are 1 to 255 bytes: \"%s\"", list);
		if (++count > SIGIL_MAX_ALPN)
			return cfg_fail(cfg, "at most %d ALPN names", SIGIL_MAX_ALPN);
		wire[n++] = (uint8_t)len;
		memcpy(wire + n, p, len);
		n += len;
		p += len;
		if (*p)
			p++;
	}
	memcpy(cfg->alpn, wire, n);
	cfg->alpn_len = n;
	return SIGIL_OK;
}

int sigil_config_set_client_auth(sigil_config *cfg, sigil_client_auth mode)
{
	if (writable(cfg, "sigil_config_set_client_auth") < 0)
		return SIGIL_ERROR;
	if (mode != SIGIL_CLIENT_AUTH_NONE && mode != SIGIL_CLIENT_AUTH_REQUEST && mode != SIGIL_CLIENT_AUTH_REQUIRE)
		return cfg_fail(cfg, "unknown client authentication mode %d", (int)mode);
	cfg->client_auth = mode;
	return SIGIL_OK;
}

int sigil_config_set_verifier(sigil_config *cfg, sigil_verify_fn fn, void *arg)
{
	if (writable(cfg, "sigil_config_set_verifier") < 0)
		return SIGIL_ERROR;
	cfg->verify = fn;
	cfg->verify_arg = arg;
	cfg->insecure = false;
	return SIGIL_OK;
}

int sigil_config_insecure_noverify(sigil_config *cfg)
{
	if (writable(cfg, "sigil_config_insecure_noverify") < 0)
		return SIGIL_ERROR;
	cfg->insecure = true;
	return SIGIL_OK;
}

int sigil_config_add_trust(sigil_config *cfg, const char *path)
{
	if (writable(cfg, "sigil_config_add_trust") < 0)
		return SIGIL_ERROR;
	if (!cfg->trust && !(cfg->trust = sg_x509_store_new()))
		return cfg_fail(cfg, "out of memory");
	int r = path ? sg_x509_store_add_path(cfg->trust, path, cfg->err, sizeof cfg->err)
		     : sg_x509_store_add_system(cfg->trust, cfg->err, sizeof cfg->err);
	return r < 0 ? SIGIL_ERROR : SIGIL_OK;
}

int sigil_config_add_crl_file(sigil_config *cfg, const char *path, int require)
{
	if (writable(cfg, "sigil_config_add_crl_file") < 0)
		return SIGIL_ERROR;
	if (!cfg->crls && !(cfg->crls = sg_x509_crls_new()))
		return cfg_fail(cfg, "out of memory");
	if (sg_x509_crls_add_file(cfg->crls, path, cfg->err, sizeof cfg->err) < 0)
		return SIGIL_ERROR;
	cfg->crl_required |= require != 0;
	return SIGIL_OK;
}

int sigil_config_set_pins(sigil_config *cfg, const char *pins)
{
	if (writable(cfg, "sigil_config_set_pins") < 0)
		return SIGIL_ERROR;
	uint8_t none[1] = { 0 };
	sg_rd empty;
	sg_rd_init(&empty, none, 0);
	if (!pins || sg_x509_pin_match(pins, empty) < 0)
		return cfg_fail(cfg, "malformed pin list \"%s\" (want sha256//BASE64;...)", pins ? pins : "");
	char *copy = strdup(pins);
	if (!copy)
		return cfg_fail(cfg, "out of memory");
	free(cfg->pins);
	cfg->pins = copy;
	return SIGIL_OK;
}

/* A client config without anchors gets the system bundle, once, when its
 * first connection is made (the config is frozen from then on). */
int sg_config_default_trust(sigil_config *cfg, char *err, size_t errlen)
{
	int r = 0;
	pthread_mutex_lock(&cfg->lock);
	if (!cfg->trust && !cfg->verify && !cfg->insecure) {
		sg_x509_store *s = sg_x509_store_new();
		if (!s || sg_x509_store_add_system(s, err, errlen) < 0) {
			sg_x509_store_free(s);
			r = -1;
		} else {
			cfg->trust = s;
		}
	}
	pthread_mutex_unlock(&cfg->lock);
	return r;
}

int sigil_config_set_ticket_keys(sigil_config *cfg, const uint8_t *keys, size_t n)
{
	if (writable(cfg, "sigil_config_set_ticket_keys") < 0)
		return SIGIL_ERROR;
	if (!keys || n == 0 || n > SG_MAX_TICKET_KEYS)
		return cfg_fail(cfg, "ticket keys: 1 to %d keys of %d bytes", SG_MAX_TICKET_KEYS, SIGIL_TICKET_KEY_LEN);
	sg_wipe(cfg->ticket_keys, sizeof cfg->ticket_keys);
	memcpy(cfg->ticket_keys, keys, n * SIGIL_TICKET_KEY_LEN);
	cfg->nticket_keys = n;
	return SIGIL_OK;
}

int sigil_config_set_tickets(sigil_config *cfg, unsigned count, uint32_t lifetime)
{
	if (writable(cfg, "sigil_config_set_tickets") < 0)
		return SIGIL_ERROR;
	/* RFC 8446 4.6.1: at most seven days. */
	if (count > 16 || lifetime == 0 || lifetime > 604800)
		return cfg_fail(cfg, "tickets: at most 16 per handshake, lifetime 1 to 604800 seconds");
	cfg->tickets = count;
	cfg->ticket_lifetime = lifetime;
	return SIGIL_OK;
}
