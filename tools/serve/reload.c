/*
 * The TLS config of sigil serve: built at start-up and again on SIGHUP
 * (new connections use the new one; open ones keep theirs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "serve.h"
#include "der/der.h"
#include "x509/x509.h"
#include "../tools.h"

/* --ticket-keys FILE: one key per line, 96 hex digits (a 16-byte name and
 * a 32-byte AES-256-GCM key, e.g. from `openssl rand -hex 48`); the first
 * line seals new tickets, every line opens them; '#' starts a comment.
 * See docs/fleet.md. */
static int read_ticket_keys(const char *path, uint8_t *keys, size_t *n, char *err, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, cap, "--ticket-keys %s: %s", path, strerror(errno));
		return -1;
	}
	char line[512];
	int lineno = 0, ret = 0;
	*n = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *p = line + strspn(line, " \t");
		size_t len = strcspn(p, " \t\r\n#");
		if (len == 0)
			continue;
		if (len != 2 * SIGIL_TICKET_KEY_LEN || *n == 8) {
			snprintf(err, cap, "--ticket-keys %s, line %d: %s", path, lineno,
				 *n == 8 ? "at most 8 keys" : "a key is 96 hex digits (openssl rand -hex 48)");
			ret = -1;
			break;
		}
		for (size_t i = 0; i < SIGIL_TICKET_KEY_LEN; i++) {
			unsigned v;
			if (sscanf(p + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", p[2 * i]) ||
			    !strchr("0123456789abcdefABCDEF", p[2 * i + 1])) {
				snprintf(err, cap, "--ticket-keys %s, line %d: not hexadecimal", path, lineno);
				ret = -1;
				goto out;
			}
			keys[*n * SIGIL_TICKET_KEY_LEN + i] = (uint8_t)v;
		}
		(*n)++;
	}
	if (ret == 0 && *n == 0) {
		snprintf(err, cap, "--ticket-keys %s: no ticket key in the file", path);
		ret = -1;
	}
out:
	fclose(f);
	return ret;
}

int config_load(const struct server *s, sigil_config **out, char *err, size_t cap)
{
	const struct serve_opts *o = &s->o;
	*out = NULL;
	/* Each file first, so that a bad one is named (also on SIGHUP):
	 * every pair, and all of them or none (a reload that fails for one
	 * keeps every old one). */
	int r;
	for (size_t i = 0; i < o->ncerts; i++)
		if ((r = check_cert_key(o->cert[i], o->key[i], err, cap)) != EX_OK)
			return r;
	if ((o->client_ca && (r = check_certs("--client-ca", o->client_ca, err, cap)) != EX_OK) ||
	    (o->client_crl && (r = check_crl("--client-crl", o->client_crl, err, cap)) != EX_OK))
		return r;
	uint8_t keys[8 * SIGIL_TICKET_KEY_LEN];
	size_t nkeys = 1;
	memcpy(keys, s->ticket_key, SIGIL_TICKET_KEY_LEN);
	if (o->ticket_keys && read_ticket_keys(o->ticket_keys, keys, &nkeys, err, cap) < 0)
		return EX_FILE;
	sigil_config *cfg = sigil_config_new();
	if (!cfg) {
		sg_wipe(keys, sizeof keys);
		snprintf(err, cap, "cannot create a TLS config (out of memory)");
		return EX_FAIL;
	}
	int tr = sigil_config_set_ticket_keys(cfg, keys, nkeys);
	sg_wipe(keys, sizeof keys);
	for (size_t i = 0; i < o->ncerts && tr == 0; i++)
		tr = sigil_config_add_cert_key_file(cfg, o->cert[i], o->key[i]);
	if (tr < 0 ||
	    (o->alpn && sigil_config_set_alpn(cfg, o->alpn) < 0) ||
	    (o->groups && sigil_config_set_groups(cfg, o->groups) < 0) ||
	    (o->cert_compression && sigil_config_set_cert_compression(cfg, o->cert_compression) < 0) ||
	    sigil_config_set_versions(cfg, strcmp(o->tls_min, "1.3") == 0 ? SIGIL_TLS13 : SIGIL_TLS12, SIGIL_TLS13) < 0 ||
	    (o->client_ca && (sigil_config_add_trust(cfg, o->client_ca) < 0 ||
			      sigil_config_set_client_auth(cfg, o->client_auth) < 0)) ||
	    /* A CRL the operator gives must be current (re-read on SIGHUP). */
	    (o->client_crl && sigil_config_add_crl_file(cfg, o->client_crl, 1) < 0)) {
		snprintf(err, cap, "%s", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return EX_FILE;
	}
	*out = cfg;
	return EX_OK;
}

void cert_label(const uint8_t *der, size_t len, char *out, size_t cap)
{
	sg_x509_cert x;
	char err[64], name[512], san[2048];
	if (sg_x509_cert_parse(&x, der, len, err, sizeof err) < 0) {
		snprintf(out, cap, "(unreadable: %s)", err);
		return;
	}
	sg_x509_cert_label(&x, name, sizeof name);
	if (sg_x509_san_to_string(&x, san, sizeof san) < 0)
		snprintf(san, sizeof san, "(names too long to show)");
	snprintf(out, cap, "%s; %s", name, san[0] ? san : "no subjectAltName: only a default");
}

/* The first certificate of a PEM file as DER into der; 0, or -1. */
static int first_cert(const char *path, sg_wr *der)
{
	char err[256], label[64];
	size_t len;
	char *text = sg_x509_read_file(path, &len, err, sizeof err);
	if (!text)
		return -1;
	sg_rd t;
	sg_rd_init(&t, (const uint8_t *)text, len);
	int r;
	while ((r = sg_pem_next(&t, label, sizeof label, der, err, sizeof err)) == 1 && strcmp(label, "CERTIFICATE"))
		sg_wr_reset(der);
	free(text);
	return r == 1 ? 0 : -1;
}

/* The names each --cert serves, which one is the default (the first:
 * clients without SNI or with a name none covers), then the warnings of
 * each. */
void cert_warnings(const struct server *s)
{
	for (size_t i = 0; i < s->o.ncerts; i++) {
		const char *path = s->o.cert[i];
		char err[256], name[512], when[64], shown[2600];
		sg_wr der;
		sg_wr_init(&der, NULL, 0, SIGIL_MAX_HANDSHAKE_MSG);
		sg_x509_cert x;
		if (first_cert(path, &der) < 0 || sg_x509_cert_parse(&x, der.buf, der.len, err, sizeof err) < 0) {
			sg_wr_free(&der);
			continue;
		}
		cert_label(der.buf, der.len, shown, sizeof shown);
		if (s->o.ncerts > 1 || s->o.verbose)
			fprintf(stderr, "sigil serve: certificate %zu of %zu%s: %s: %s\n", i + 1, s->o.ncerts,
				i == 0 ? " (the default)" : "", path, shown);
		int64_t now = (int64_t)time(NULL);
		sg_x509_cert_label(&x, name, sizeof name);
		/* RFC 5280 4.1.2.5: valid from notBefore to notAfter, both
		 * inclusive. */
		if (now > x.not_after) {
			sg_der_time_to_string(x.not_after, when, sizeof when);
			fprintf(stderr, "sigil serve: warning: --cert %s (%s) expired on %s, %lld days ago: clients will "
				"refuse it\n", path, name, when, (long long)((now - x.not_after) / 86400));
		} else if (now < x.not_before) {
			sg_der_time_to_string(x.not_before, when, sizeof when);
			fprintf(stderr, "sigil serve: warning: --cert %s (%s) is not valid before %s: clients will refuse "
				"it until then (is this machine's clock right?)\n", path, name, when);
		} else if (x.not_after - now < 7 * 86400) {
			sg_der_time_to_string(x.not_after, when, sizeof when);
			/* Days rounded up: "in 3 days" for a 3-day certificate issued a moment ago. */
			long long days = (long long)((x.not_after - now + 86399) / 86400);
			fprintf(stderr, "sigil serve: warning: --cert %s (%s) expires on %s, in %lld day%s: renew it and "
				"send SIGHUP\n", path, name, when, days, days == 1 ? "" : "s");
		}
		if (!x.san_present)
			fprintf(stderr, "sigil serve: warning: --cert %s (%s) has no subjectAltName: browsers refuse it, "
				"and it serves only as the default\n", path, name);
		sg_wr_free(&der);
	}
}

/* Each worker keeps its own reference to the current config and takes
 * the lock only when a reload bumped the generation: no lock per
 * connection on a path all threads share. */
sigil_config *config_get(worker *w)
{
	struct server *s = w->srv;
	unsigned g = atomic_load_explicit(&s->cfg_gen, memory_order_acquire);
	if (!w->cfg || g != w->cfg_gen) {
		pthread_mutex_lock(&s->cfg_lock);
		sigil_config *n = sigil_config_ref(s->cfg);
		w->cfg_gen = atomic_load(&s->cfg_gen);
		pthread_mutex_unlock(&s->cfg_lock);
		sigil_config_free(w->cfg);
		w->cfg = n;
	}
	return w->cfg;
}

/* SIGHUP: the certificates, keys, client CA, CRL and ticket keys again.
 * All of them or none: a failure keeps the whole old config and says
 * why, in one line. */
void config_reload(struct server *s)
{
	sigil_config *n;
	char err[1024];
	if (config_load(s, &n, err, sizeof err) != EX_OK) {
		fprintf(stderr, "sigil serve: SIGHUP: reload failed, keeping the old certificate%s: %s\n",
			s->o.ncerts > 1 ? "s (every one of them)" : "", err);
		return;
	}
	pthread_mutex_lock(&s->cfg_lock);
	sigil_config *old = s->cfg;
	s->cfg = n;
	atomic_fetch_add_explicit(&s->cfg_gen, 1, memory_order_release);
	pthread_mutex_unlock(&s->cfg_lock);
	sigil_config_free(old);
	fprintf(stderr, "sigil serve: reloaded");
	for (size_t i = 0; i < s->o.ncerts; i++)
		fprintf(stderr, "%s %s", i ? "," : "", s->o.cert[i]);
	fprintf(stderr, "\n");
	cert_warnings(s);
}
