/*
 * sigil verify CERT.pem [--cacert FILE|DIR] [--untrusted FILE] [--host NAME|IP]
 *              [--at TIME] [--purpose server|client] [--crl FILE] [--pin sha256//...]
 *
 * Verifies CERT.pem (the leaf, optionally followed by intermediates) and
 * prints "OK" and the chain it built, or "certificate verify failed:
 * <reason>".  Exit 0 when valid, 1 when not, 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/der.h"
#include "tools.h"
#include "x509/x509.h"

struct derlist {
	size_t n, cap;
	uint8_t **p;
	size_t *len;
};

static void xfail(const char *msg)
{
	fprintf(stderr, "sigil verify: %s\n", msg);
	exit(2);
}

static void add_der(struct derlist *l, const uint8_t *p, size_t n)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->p = realloc(l->p, l->cap * sizeof *l->p);
		l->len = realloc(l->len, l->cap * sizeof *l->len);
		if (!l->p || !l->len)
			xfail("out of memory");
	}
	l->p[l->n] = malloc(n ? n : 1);
	if (!l->p[l->n])
		xfail("out of memory");
	memcpy(l->p[l->n], p, n);
	l->len[l->n++] = n;
}

/* Every CERTIFICATE of a PEM (or one DER) file. */
static int load_certs(const char *path, struct derlist *l)
{
	char err[256], label[64];
	size_t len;
	char *buf = sg_x509_read_file(path, &len, err, sizeof err);
	if (!buf) {
		fprintf(stderr, "sigil verify: %s\n", err);
		return -1;
	}
	int count = 0, rc;
	if (len && (uint8_t)buf[0] == 0x30) {
		add_der(l, (const uint8_t *)buf, len);
		free(buf);
		return 1;
	}
	sg_rd t;
	sg_rd_init(&t, (const uint8_t *)buf, len);
	for (;;) {
		sg_wr w;
		sg_wr_init(&w, NULL, 0, 1u << 20);
		rc = sg_pem_next(&t, label, sizeof label, &w, err, sizeof err);
		if (rc == 1 && strcmp(label, "CERTIFICATE") == 0) {
			add_der(l, w.buf, w.len);
			count++;
		}
		sg_wr_free(&w);
		if (rc != 1)
			break;
	}
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "sigil verify: %s: %s\n", path, err);
		return -1;
	}
	return count;
}

/* Unix seconds, "@SECONDS", or "YYYY-MM-DD[THH:MM[:SS]][Z]". */
static int parse_time(const char *s, int64_t *t)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	char *end;
	if (*s == '@')
		s++;
	long long v = strtoll(s, &end, 10);
	if (*s && *end == 0 && strchr(s, '-') == NULL) {
		*t = v;
		return 0;
	}
	int k = sscanf(s, "%4u-%2u-%2u%*[T ]%2u:%2u:%2u", &y, &mo, &d, &h, &mi, &se);
	if (k != 3 && k < 5)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	*t = sg_der_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sigil verify CERT.pem [--cacert FILE|DIR] [--untrusted FILE]\n"
		"                    [--host NAME|IP] [--at TIME] [--purpose server|client]\n"
		"                    [--crl FILE] [--pin sha256//BASE64[;...]]\n");
}

int do_verify(int argc, char **argv)
{
	const char *cert = NULL, *host = NULL, *pins = NULL;
	const char *cacerts[16], *untrusted[16], *crlfiles[16];
	size_t ncacert = 0, nuntrusted = 0, ncrl = 0;
	sg_x509_verify_opts o = {0};
	char err[512];
	int ret = 2;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (cert) {
				usage();
				return 2;
			}
			cert = a;
			continue;
		}
		if (!val) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--cacert") == 0 && ncacert < 16) {
			cacerts[ncacert++] = val;
		} else if (strcmp(a, "--untrusted") == 0 && nuntrusted < 16) {
			untrusted[nuntrusted++] = val;
		} else if (strcmp(a, "--crl") == 0 && ncrl < 16) {
			crlfiles[ncrl++] = val;
		} else if (strcmp(a, "--host") == 0) {
			host = val;
		} else if (strcmp(a, "--pin") == 0) {
			pins = val;
		} else if (strcmp(a, "--at") == 0) {
			if (parse_time(val, &o.at) != 0) {
				fprintf(stderr, "sigil verify: bad time %s\n", val);
				return 2;
			}
		} else if (strcmp(a, "--purpose") == 0) {
			if (strcmp(val, "server") == 0)
				o.purpose = SG_X509_PURPOSE_SERVER;
			else if (strcmp(val, "client") == 0)
				o.purpose = SG_X509_PURPOSE_CLIENT;
			else {
				usage();
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}
	if (!cert) {
		usage();
		return 2;
	}

	struct derlist chain = {0};
	sg_x509_store *st = sg_x509_store_new();
	sg_x509_crls *crls = sg_x509_crls_new();
	sg_x509_result *res = malloc(sizeof *res);
	if (!st || !crls || !res)
		xfail("out of memory");
	if (load_certs(cert, &chain) <= 0) {
		if (chain.n == 0)
			fprintf(stderr, "sigil verify: no certificate in %s\n", cert);
		goto out;
	}
	for (size_t i = 0; i < nuntrusted; i++)
		if (load_certs(untrusted[i], &chain) < 0)
			goto out;
	for (size_t i = 0; i < ncacert; i++)
		if (sg_x509_store_add_path(st, cacerts[i], err, sizeof err) < 0) {
			fprintf(stderr, "sigil verify: %s\n", err);
			goto out;
		}
	if (ncacert == 0 && sg_x509_store_add_system(st, err, sizeof err) < 0) {
		fprintf(stderr, "sigil verify: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < ncrl; i++)
		if (sg_x509_crls_add_file(crls, crlfiles[i], err, sizeof err) < 0) {
			fprintf(stderr, "sigil verify: %s: %s\n", crlfiles[i], err);
			goto out;
		}
	if (ncrl) {
		o.crls = crls;
		o.crl_required = true;
	}
	o.host = host;
	o.pins = pins;

	sg_rd *rds = calloc(chain.n, sizeof *rds);
	if (!rds)
		xfail("out of memory");
	for (size_t i = 0; i < chain.n; i++)
		sg_rd_init(&rds[i], chain.p[i], chain.len[i]);
	if (sg_x509_verify(st, rds, chain.n, &o, res) == 0) {
		printf("OK\n");
		for (size_t i = 0; i < res->chain_len; i++) {
			char name[512];
			sg_x509_cert_label(&res->chain[i], name, sizeof name);
			printf("%2zu %s%s\n", i, name,
			       i + 1 == res->chain_len ? " (trust anchor)" : "");
		}
		ret = 0;
	} else {
		printf("certificate verify failed: %s\n", res->reason);
		ret = 1;
	}
	free(rds);
out:
	for (size_t i = 0; i < chain.n; i++)
		free(chain.p[i]);
	free(chain.p);
	free(chain.len);
	sg_x509_store_free(st);
	sg_x509_crls_free(crls);
	free(res);
	return ret;
}
