/*
 * sigil verify CERT.pem [--cacert FILE|DIR] [--untrusted FILE] [--host NAME|IP]
 *              [--at TIME] [--purpose server|client] [--crl FILE] [--pin sha256//...]
 *
 * Verifies CERT.pem (the leaf, optionally followed by intermediates) and
 * prints "OK" and the chain it built, or "certificate verify failed:
 * <reason>".  Exit 0 when valid, 1 when not, 2 on usage errors, 7 when a
 * file cannot be read or holds nothing usable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/der.h"
#include "opt.h"
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

int do_verify(int argc, char **argv)
{
	const char *host = NULL, *pins = NULL, *at = NULL, *purpose = "server";
	struct opt_list cacerts = { 0 }, untrusted = { 0 }, crlfiles = { 0 };
	struct opt opts[] = {
		OPTION("--cacert", 0, OPT_LIST, "FILE|DIR", NULL,
		       "trust anchors: a PEM bundle or a directory of them (default: the system bundle)", &cacerts),
		OPTION("--untrusted", 0, OPT_LIST, "FILE", NULL, "more intermediate certificates to build the path with",
		       &untrusted),
		OPTION("--host", 0, OPT_STRING, "NAME|IP", NULL,
		       "check the leaf for this DNS name or IP address (RFC 9525, no CN fallback)", &host),
		OPTION("--at", 0, OPT_STRING, "TIME", NULL,
		       "validate at TIME instead of now: Unix seconds, @SECONDS or YYYY-MM-DD[THH:MM[:SS]]", &at),
		OPTION("--purpose", 0, OPT_STRING, "server|client", "server", "the extKeyUsage the leaf needs", &purpose),
		OPTION("--crl", 0, OPT_LIST, "FILE", NULL,
		       "CRLs; with any, the leaf must be covered by a current CRL of its issuer", &crlfiles),
		OPTION("--pin", 0, OPT_STRING, "sha256//B64[;...]", NULL,
		       "some certificate of the path must have one of these SPKI hashes", &pins),
	};
	struct opt_cmd cmd = {
		"verify", "CERT.pem [options]",
		"RFC 5280 path validation of CERT.pem (the leaf, optionally followed by intermediates): prints "
		"OK and the path it built (exit 0), or the reason it is not valid (exit 1).",
		NULL, opts, sizeof opts / sizeof opts[0], 1, 1,
	};
	char *pos[1];
	int npos;
	sg_x509_verify_opts o = {0};
	char err[512];
	int ret = EX_USAGE;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	const char *cert = pos[0];
	if (at && parse_time(at, &o.at) != 0) {
		ret = opt_usage_error(&cmd, "--at %s: want Unix seconds, @SECONDS or YYYY-MM-DD[THH:MM[:SS]]", at);
		goto args;
	}
	if (strcmp(purpose, "server") == 0)
		o.purpose = SG_X509_PURPOSE_SERVER;
	else if (strcmp(purpose, "client") == 0)
		o.purpose = SG_X509_PURPOSE_CLIENT;
	else {
		ret = opt_usage_error(&cmd, "--purpose %s: want server or client", purpose);
		goto args;
	}
	if (pins && sg_x509_pin_match(pins, (sg_rd){ NULL, 0 }) < 0) {
		ret = opt_usage_error(&cmd, "--pin %s: want sha256//BASE64 of 32 bytes, ';' between several", pins);
		goto args;
	}
	/* Every file now, each reported as itself (exit 7). */
	ret = EX_FILE;
	for (size_t i = 0; i < cacerts.n + untrusted.n + crlfiles.n; i++) {
		int r = i < cacerts.n ? check_certs("--cacert", cacerts.v[i], err, sizeof err)
			: i < cacerts.n + untrusted.n ? check_certs("--untrusted", untrusted.v[i - cacerts.n], err, sizeof err)
			: check_crl("--crl", crlfiles.v[i - cacerts.n - untrusted.n], err, sizeof err);
		if (r != EX_OK) {
			fprintf(stderr, "sigil verify: %s\n", err);
			ret = r;
			goto args;
		}
	}

	struct derlist chain = {0};
	sg_x509_store *st = sg_x509_store_new();
	sg_x509_crls *crls = sg_x509_crls_new();
	sg_x509_result *res = malloc(sizeof *res);
	if (!st || !crls || !res)
		xfail("out of memory");
	if (load_certs(cert, &chain) <= 0) {
		if (chain.n == 0)
			fprintf(stderr, "sigil verify: %s: no certificate in the file (want PEM \"BEGIN CERTIFICATE\" "
				"or DER)\n", cert);
		goto out;
	}
	for (size_t i = 0; i < untrusted.n; i++)
		if (load_certs(untrusted.v[i], &chain) < 0)
			goto out;
	for (size_t i = 0; i < cacerts.n; i++)
		if (sg_x509_store_add_path(st, cacerts.v[i], err, sizeof err) < 0) {
			fprintf(stderr, "sigil verify: --cacert %s\n", err);
			goto out;
		}
	if (cacerts.n == 0 && sg_x509_store_add_system(st, err, sizeof err) < 0) {
		fprintf(stderr, "sigil verify: %s (give --cacert)\n", err);
		ret = EX_FAIL;
		goto out;
	}
	for (size_t i = 0; i < crlfiles.n; i++)
		if (sg_x509_crls_add_file(crls, crlfiles.v[i], err, sizeof err) < 0) {
			fprintf(stderr, "sigil verify: --crl %s: %s\n", crlfiles.v[i], err);
			goto out;
		}
	if (crlfiles.n) {
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
		ret = EX_OK;
	} else {
		printf("certificate verify failed: %s\n", res->reason);
		ret = EX_FAIL;
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
args:
	free(cacerts.v);
	free(untrusted.v);
	free(crlfiles.v);
	return ret;
}
