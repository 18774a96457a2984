/*
 * --authz FILE: path prefixes limited to client-certificate subjects, and
 * the identity a client's certificate gives it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* One rule a line: "PREFIX SUBJECT" ("/admin/ CN=alice, O=Example"), or
 * "PREFIX *" for any client with a certificate from the client CA. */
int load_authz(struct server *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "sigil serve: --authz %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		char *p = line + strspn(line, " \t");
		if (*p == 0 || *p == '#')
			continue;
		size_t pl = strcspn(p, " \t");
		char *subj = p + pl + strspn(p + pl, " \t");
		if (*p != '/' || pl >= sizeof s->authz->prefix || *subj == 0 || strlen(subj) >= sizeof s->authz->subject) {
			fprintf(stderr, "sigil serve: %s:%d: want 'PREFIX SUBJECT' (PREFIX starts with /)\n", path, lineno);
			fclose(f);
			return -1;
		}
		struct authz_rule *n = realloc(s->authz, (s->nauthz + 1) * sizeof *n);
		if (!n) {
			fclose(f);
			return -1;
		}
		s->authz = n;
		memcpy(n[s->nauthz].prefix, p, pl);
		n[s->nauthz].prefix[pl] = 0;
		snprintf(n[s->nauthz].subject, sizeof n[s->nauthz].subject, "%s", subj);
		s->nauthz++;
	}
	fclose(f);
	return 0;
}

/* The longest prefix with rules decides; no rule: public.  The rules are
 * matched against the path as it is mapped to a file (percent-decoded,
 * "//" and "/./" collapsed), not as received: "/%61dmin/" and "//admin/"
 * name the files under "/admin/" too.  A path that does not map is
 * refused. */
int authorized(const struct server *s, const hconn *c, const char *target, size_t tlen)
{
	char path[4096];
	int m = sg_http_map_path(target, tlen, path + 1, sizeof path - 1);
	if (m < 0)
		return 0;
	path[0] = '/';
	size_t len = strcmp(path + 1, ".") == 0 ? 1 : (size_t)m + 1;
	size_t best = 0;
	int allowed = 1;
	for (size_t i = 0; i < s->nauthz; i++) {
		const struct authz_rule *r = &s->authz[i];
		size_t pl = strlen(r->prefix);
		if (pl > len || memcmp(path, r->prefix, pl) != 0 || pl < best)
			continue;
		if (pl > best)
			allowed = 0;
		best = pl;
		if (c->user && (strcmp(r->subject, "*") == 0 || strcmp(r->subject, c->user) == 0))
			allowed = 1;
	}
	return allowed;
}

void note_identity(worker *w, hconn *c)
{
	sigil_peer_identity id;
	c->user_cn[0] = 0;
	if (sigil_conn_peer_identity(c->tls, &id) != SIGIL_OK)
		return;
	free(c->user);
	c->user = strdup(id.subject);
	/* The CN alone, without spaces, for the log's authuser field. */
	const char *cn = strstr(id.subject, "CN=");
	size_t n = 0;
	if (cn)
		for (cn += 3; *cn && *cn != ',' && n + 1 < sizeof c->user_cn; cn++)
			c->user_cn[n++] = *cn == ' ' ? '_' : *cn;
	c->user_cn[n] = 0;
	logv(w->srv, "%s: client certificate: %s (serial %s, SAN %s, SPKI sha256//%s)", c->peer, id.subject,
	     id.serial, id.san[0] ? id.san : "none", id.spki_sha256);
}
