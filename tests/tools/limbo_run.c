/*
 * x509-limbo runner: limbo_run FILE.json [--out results.json]
 *                              [--expected limbo-expected.txt] [--only ID]
 *
 * Reads a limbo-format file (plain JSON; tests/x509/limbo-run decompresses
 * gzip first), runs every testcase through sg_x509_verify in this process
 * and writes limbo's result format with --out.  With --expected it
 * compares each outcome with the case's expected_result, or with the
 * override listed for the case in the expectations file ("ID RESULT #
 * why"), prints every difference and ends with "N passed, N failed".
 *
 * Cases whose features name something sigil deliberately does not
 * implement are SKIPPED (see skip_features below, with the reasons).
 */
#include "test.h"
#include "json.h"

#include "der/der.h"
#include "x509/x509.h"

#include <stdint.h>

/* Features sigil does not implement, and why. */
static const struct {
	const char *name;
	const char *why;
} skip_features[] = {
	{"pedantic-public-suffix-wildcard",
	 "no Public Suffix List: wildcards need two labels after '*', no more"},
	{"rfc5280-incompatible-with-webpki",
	 "sigil follows the web PKI where it and RFC 5280 disagree"},
	{"pedantic-webpki-eku",
	 "CA/B Forum EKU rules beyond RFC 5280 (EKU required in leaves, no anyEKU) not enforced"},
};

static const char *skip_reason(const sg_json *tc)
{
	const sg_json *f = sg_json_get(tc, "features");
	for (size_t i = 0; i < sg_json_len(f); i++) {
		const char *s = sg_json_str(sg_json_at(f, i), NULL);
		for (size_t j = 0; s && j < sizeof skip_features / sizeof skip_features[0]; j++)
			if (strcmp(s, skip_features[j].name) == 0)
				return skip_features[j].why;
	}
	return NULL;
}

/* All blocks of a PEM text as DER, appended to bufs. */
struct ders {
	size_t n;
	uint8_t *p[64];
	size_t len[64];
};

static int pem_all(const char *pem, const char *want, struct ders *d)
{
	sg_rd t;
	char label[64], err[128];
	int rc;
	sg_rd_init(&t, (const uint8_t *)pem, strlen(pem));
	for (;;) {
		sg_wr w;
		sg_wr_init(&w, NULL, 0, 1u << 20);
		rc = sg_pem_next(&t, label, sizeof label, &w, err, sizeof err);
		if (rc != 1 || strcmp(label, want) != 0 || d->n == 64) {
			sg_wr_free(&w);
			if (rc == 1)
				continue;
			return rc;
		}
		d->p[d->n] = malloc(w.len ? w.len : 1);
		memcpy(d->p[d->n], w.buf, w.len);
		d->len[d->n++] = w.len;
		sg_wr_free(&w);
	}
}

static void ders_free(struct ders *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->p[i]);
	d->n = 0;
}

static bool parse_rfc3339(const char *s, int64_t *t)
{
	unsigned y, mo, d, h, mi, se;
	if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u", &y, &mo, &d, &h, &mi, &se) != 6)
		return false;
	*t = sg_der_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return true;
}

static void json_esc(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Runs one case; returns "SUCCESS", "FAILURE" or "SKIPPED" and a context
 * sentence. */
static const char *run_case(const sg_json *tc, char *ctx, size_t cap)
{
	const char *why = skip_reason(tc);
	if (why) {
		snprintf(ctx, cap, "%s", why);
		return "SKIPPED";
	}
	const char *result = "FAILURE";
	struct ders anchors = {0}, inter = {0}, leaf = {0}, crld = {0};
	sg_x509_store *st = sg_x509_store_new();
	sg_x509_crls *crls = sg_x509_crls_new();
	sg_x509_result *res = malloc(sizeof *res);
	char err[256];
	const sg_json *a;

	a = sg_json_get(tc, "trusted_certs");
	for (size_t i = 0; i < sg_json_len(a); i++)
		if (pem_all(sg_json_str(sg_json_at(a, i), NULL), "CERTIFICATE", &anchors) < 0)
			goto done;
	for (size_t i = 0; i < anchors.n; i++)
		if (sg_x509_store_add_der(st, anchors.p[i], anchors.len[i], err, sizeof err) < 0) {
			/* A trust anchor we cannot parse cannot anchor anything;
			 * the others may still. */
			continue;
		}
	a = sg_json_get(tc, "crls");
	for (size_t i = 0; i < sg_json_len(a); i++)
		if (pem_all(sg_json_str(sg_json_at(a, i), NULL), "X509 CRL", &crld) < 0)
			goto done;
	for (size_t i = 0; i < crld.n; i++)
		if (sg_x509_crls_add_der(crls, crld.p[i], crld.len[i], err, sizeof err) < 0) {
			snprintf(ctx, cap, "CRL refused: %s", err);
			goto done;
		}
	const char *peer = sg_json_get_str(tc, "peer_certificate");
	if (!peer || pem_all(peer, "CERTIFICATE", &leaf) < 0 || leaf.n != 1) {
		snprintf(ctx, cap, "bad peer certificate PEM");
		goto done;
	}
	a = sg_json_get(tc, "untrusted_intermediates");
	for (size_t i = 0; i < sg_json_len(a); i++)
		if (pem_all(sg_json_str(sg_json_at(a, i), NULL), "CERTIFICATE", &inter) < 0)
			goto done;

	sg_rd chain[65];
	size_t n = 0;
	sg_rd_init(&chain[n++], leaf.p[0], leaf.len[0]);
	for (size_t i = 0; i < inter.n; i++)
		sg_rd_init(&chain[n++], inter.p[i], inter.len[i]);

	sg_x509_verify_opts o = {0};
	const char *kind = sg_json_get_str(tc, "validation_kind");
	o.purpose = kind && strcmp(kind, "CLIENT") == 0 ? SG_X509_PURPOSE_CLIENT
							: SG_X509_PURPOSE_SERVER;
	const sg_json *eku = sg_json_get(tc, "extended_key_usage");
	for (size_t i = 0; i < sg_json_len(eku); i++) {
		const char *e = sg_json_str(sg_json_at(eku, i), NULL);
		if (e && strcmp(e, "clientAuth") == 0)
			o.purpose = SG_X509_PURPOSE_CLIENT;
		else if (e && strcmp(e, "serverAuth") == 0)
			o.purpose = SG_X509_PURPOSE_SERVER;
	}
	const char *vt = sg_json_get_str(tc, "validation_time");
	if (vt) {
		if (!parse_rfc3339(vt, &o.at)) {
			snprintf(ctx, cap, "bad validation_time");
			goto done;
		}
	} else {
		o.no_time_check = true;
	}
	int64_t depth;
	if (sg_json_get_int(tc, "max_chain_depth", &depth))
		o.max_depth = (unsigned)depth + 1;
	const sg_json *pn = sg_json_get(tc, "expected_peer_name");
	const char *pkind = sg_json_get_str(pn, "kind");
	if (pkind && (strcmp(pkind, "DNS") == 0 || strcmp(pkind, "IP") == 0))
		o.host = sg_json_get_str(pn, "value");
	if (sg_x509_crls_count(crls))
		o.crls = crls;

	if (sg_x509_verify(st, chain, n, &o, res) == 0) {
		result = "SUCCESS";
		snprintf(ctx, cap, "chain of %zu", res->chain_len);
	} else {
		snprintf(ctx, cap, "%s", res->reason);
	}
done:
	ders_free(&anchors);
	ders_free(&inter);
	ders_free(&leaf);
	ders_free(&crld);
	sg_x509_store_free(st);
	sg_x509_crls_free(crls);
	free(res);
	return result;
}

struct override {
	char id[256];
	char result[16];
	bool used;
};

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *expected = NULL, *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--expected") == 0 && i + 1 < argc)
			expected = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else
			in = argv[i];
	}
	if (!in) {
		fprintf(stderr, "usage: limbo_run FILE.json [--out F] [--expected F] [--only ID]\n");
		return 2;
	}
	char err[256];
	sg_json *doc = sg_json_parse_file(in, err, sizeof err);
	if (!doc) {
		fprintf(stderr, "%s: %s\n", in, err);
		return 2;
	}
	struct override *ov = NULL;
	size_t nov = 0;
	if (expected) {
		FILE *f = fopen(expected, "r");
		char line[1024];
		if (!f) {
			fprintf(stderr, "cannot open %s\n", expected);
			return 2;
		}
		while (fgets(line, sizeof line, f)) {
			struct override o = {0};
			if (line[0] == '#' || sscanf(line, "%255s %15s", o.id, o.result) != 2)
				continue;
			ov = realloc(ov, (nov + 1) * sizeof *ov);
			ov[nov++] = o;
		}
		fclose(f);
	}
	const sg_json *tcs = sg_json_get(doc, "testcases");
	FILE *fo = out ? fopen(out, "w") : NULL;
	if (fo)
		fprintf(fo, "{\"version\":1,\"harness\":\"sigil\",\"results\":[\n");
	unsigned passed = 0, failed = 0, skipped = 0, agree = 0, total = 0;
	for (size_t i = 0; i < sg_json_len(tcs); i++) {
		const sg_json *tc = sg_json_at(tcs, i);
		const char *id = sg_json_get_str(tc, "id");
		const char *exp = sg_json_get_str(tc, "expected_result");
		if (!id || !exp || (only && strcmp(only, id) != 0))
			continue;
		char ctx[600];
		const char *act = run_case(tc, ctx, sizeof ctx);
		total++;
		if (strcmp(act, "SKIPPED") == 0)
			skipped++;
		else if (strcmp(act, exp) == 0)
			agree++;
		if (fo) {
			fprintf(fo, "%s{\"id\":", total > 1 ? ",\n" : "");
			json_esc(fo, id);
			fprintf(fo, ",\"actual_result\":\"%s\",\"context\":", act);
			json_esc(fo, ctx);
			fputc('}', fo);
		}
		if (only)
			printf("%s %s (expected %s): %s\n", id, act, exp, ctx);
		if (!expected)
			continue;
		const char *want = exp;
		for (size_t j = 0; j < nov; j++)
			if (strcmp(ov[j].id, id) == 0) {
				want = ov[j].result;
				ov[j].used = true;
			}
		if (strcmp(act, want) == 0) {
			passed++;
		} else {
			failed++;
			printf("MISMATCH %s: got %s, want %s: %s\n", id, act, want, ctx);
		}
	}
	if (fo) {
		fprintf(fo, "\n]}\n");
		fclose(fo);
	}
	for (size_t j = 0; j < nov; j++)
		if (!ov[j].used && !only) {
			printf("STALE expectation for %s (no such case)\n", ov[j].id);
			failed++;
		}
	printf("NOTE limbo: %u cases, %u agree with limbo's expected result, %u skipped, %u differ\n",
	       total, agree, skipped, total - agree - skipped);
	free(ov);
	sg_json_free(doc);
	if (expected)
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
