/*
 * The TLS config of sigil serve: built at start-up and again on SIGHUP
 * (new connections use the new one; open ones keep theirs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* --ticket-keys FILE: one key per line, 96 hex digits (a 16-byte name and
 * a 32-byte AES-256-GCM key, e.g. from `openssl rand -hex 48`); the first
 * line seals new tickets, every line opens them; '#' starts a comment.
 * See docs/fleet.md. */
static int read_ticket_keys(const char *path, uint8_t *keys, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "sigil serve: --ticket-keys %s: %s\n", path, strerror(errno));
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
			fprintf(stderr, "sigil serve: %s:%d: %s\n", path, lineno,
				*n == 8 ? "at most 8 keys" : "a key is 96 hex digits (openssl rand -hex 48)");
			ret = -1;
			break;
		}
		for (size_t i = 0; i < SIGIL_TICKET_KEY_LEN; i++) {
			unsigned v;
			if (sscanf(p + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", p[2 * i]) ||
			    !strchr("0123456789abcdefABCDEF", p[2 * i + 1])) {
				fprintf(stderr, "sigil serve: %s:%d: not hexadecimal\n", path, lineno);
				ret = -1;
				goto out;
			}
			keys[*n * SIGIL_TICKET_KEY_LEN + i] = (uint8_t)v;
		}
		(*n)++;
	}
	if (ret == 0 && *n == 0) {
		fprintf(stderr, "sigil serve: %s: no ticket key\n", path);
		ret = -1;
	}
out:
	fclose(f);
	return ret;
}

sigil_config *config_load(const struct server *s)
{
	const struct serve_opts *o = &s->o;
	sigil_config *cfg = sigil_config_new();
	if (!cfg) {
		fprintf(stderr, "sigil serve: cannot create a TLS config\n");
		return NULL;
	}
	uint8_t keys[8 * SIGIL_TICKET_KEY_LEN];
	size_t nkeys = 1;
	memcpy(keys, s->ticket_key, SIGIL_TICKET_KEY_LEN);
	if (o->ticket_keys && read_ticket_keys(o->ticket_keys, keys, &nkeys) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	int tr = sigil_config_set_ticket_keys(cfg, keys, nkeys);
	memset(keys, 0, sizeof keys);
	if (tr < 0) {
		fprintf(stderr, "sigil serve: %s\n", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return NULL;
	}
	if (sigil_config_add_cert_key_file(cfg, o->cert, o->key) < 0 ||
	    (o->alpn && sigil_config_set_alpn(cfg, o->alpn) < 0) ||
	    (o->client_ca && (sigil_config_add_trust(cfg, o->client_ca) < 0 ||
			      sigil_config_set_client_auth(cfg, o->client_auth) < 0)) ||
	    /* A CRL the operator gives must be current (re-read on SIGHUP). */
	    (o->client_crl && sigil_config_add_crl_file(cfg, o->client_crl, 1) < 0)) {
		fprintf(stderr, "sigil serve: %s\n", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
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

/* SIGHUP: the certificate, key, client CA, CRL and ticket keys again. */
void config_reload(struct server *s)
{
	sigil_config *n = config_load(s);
	if (!n) {
		fprintf(stderr, "sigil serve: reload failed; keeping the old certificate\n");
		return;
	}
	pthread_mutex_lock(&s->cfg_lock);
	sigil_config *old = s->cfg;
	s->cfg = n;
	atomic_fetch_add_explicit(&s->cfg_gen, 1, memory_order_release);
	pthread_mutex_unlock(&s->cfg_lock);
	sigil_config_free(old);
	fprintf(stderr, "sigil serve: reloaded %s\n", s->o.cert);
}
