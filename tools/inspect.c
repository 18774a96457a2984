/*
 * sigil inspect FILE|URL: what a certificate chain, a CSR, a CRL or a key
 * holds, in words (or --json for scripts); for an https:// URL, the chain
 * the server sent and what the connection negotiated.
 *
 * Parsing is the library's (src/x509: sg_x509_cert_parse, _crl_parse,
 * _csr_parse, which check the whole structure strictly).  A few fields
 * the library parses but does not expose, and that are shown here only
 * (extKeyUsage OIDs, CRL distribution points, authority information
 * access, name-constraint subtrees, CRL numbers and entries), are read
 * from the DER again with src/der's checked cursor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sigil.h"
#include "bytes/bytes.h"
#include "crypto/crypto.h"
#include "der/der.h"
#include "opt.h"
#include "tools.h"
#include "x509/x509.h"

/* ---- output: the same calls write text or JSON ---- */

struct out {
	FILE *f;
	bool json;
	int depth;
	bool first[16];         /* JSON: no comma before the next member */
	int indent;             /* text: titles opened */
	bool titled[16];
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void j_key(struct out *o, const char *key)
{
	if (!o->first[o->depth])
		fputc(',', o->f);
	o->first[o->depth] = false;
	if (key) {
		json_str(o->f, key);
		fputc(':', o->f);
	}
}

/* An object or array; in text, title (when not NULL) on a line. */
static void o_open(struct out *o, const char *key, char kind, const char *title)
{
	if (o->json) {
		j_key(o, key);
		fputc(kind, o->f);
	} else if (title) {
		fprintf(o->f, "%*s%s\n", 2 * o->indent, "", title);
	}
	if (o->depth < 15)
		o->depth++;
	o->first[o->depth] = true;
	o->titled[o->depth] = !o->json && title;
	if (o->titled[o->depth])
		o->indent++;
}

static void o_close(struct out *o, char kind)
{
	if (o->titled[o->depth])
		o->indent--;
	o->depth--;
	if (o->json)
		fputc(kind, o->f);
}

/* What an item is, for scripts; the text says it in the title. */
static void o_type(struct out *o, const char *type)
{
	if (o->json) {
		j_key(o, "type");
		json_str(o->f, type);
	}
}

static void o_str(struct out *o, const char *key, const char *label, const char *v)
{
	if (o->json) {
		j_key(o, key);
		json_str(o->f, v);
	} else {
		fprintf(o->f, "%*s%-26s %s\n", 2 * o->indent, "", label, v);
	}
}

static void o_num(struct out *o, const char *key, const char *label, long long v)
{
	if (o->json) {
		j_key(o, key);
		fprintf(o->f, "%lld", v);
	} else {
		char b[32];
		snprintf(b, sizeof b, "%lld", v);
		o_str(o, key, label, b);
	}
}

static void o_bool(struct out *o, const char *key, const char *label, bool v, const char *yes, const char *no)
{
	if (o->json) {
		j_key(o, key);
		fputs(v ? "true" : "false", o->f);
	} else {
		o_str(o, key, label, v ? yes : no);
	}
}

/* A list of strings: a JSON array, or one line joined with ", ". */
static void o_list(struct out *o, const char *key, const char *label, char **v, size_t n, const char *suffix)
{
	if (o->json) {
		j_key(o, key);
		fputc('[', o->f);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', o->f);
			json_str(o->f, v[i]);
		}
		fputc(']', o->f);
		return;
	}
	char line[8192];
	size_t k = 0;
	line[0] = 0;
	for (size_t i = 0; i < n && k < sizeof line; i++)
		k += (size_t)snprintf(line + k, sizeof line - k, "%s%s", i ? ", " : "", v[i]);
	if (suffix && k < sizeof line)
		snprintf(line + k, sizeof line - k, "%s", suffix);
	o_str(o, key, label, line);
}

/* A growable list of strings. */
struct strs {
	char **v;
	size_t n;
};

static void strs_add(struct strs *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void strs_add(struct strs *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
	if (!nv)
		return;
	s->v = nv;
	if ((s->v[s->n] = strdup(buf)) != NULL)
		s->n++;
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* ---- small formatters ---- */

static void hex_colon(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%02x", i ? ":" : "", p[i]);
}

/* An INTEGER's content as hex without the sign byte (as openssl and
 * sigil ca list print serials). */
static void serial_hex(sg_rd s, char *out, size_t cap)
{
	const uint8_t *p = s.p;
	size_t n = s.n;
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && k + 3 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%02x", p[i]);
}

static void time_text(int64_t t, char *out, size_t cap)
{
	sg_der_time_to_string(t, out, cap);
}

static const char *key_name(sg_key_type t)
{
	switch (t) {
	case SG_KEY_RSA: return "RSA";
	case SG_KEY_EC_P256: return "EC P-256";
	case SG_KEY_EC_P384: return "EC P-384";
	case SG_KEY_EC_P521: return "EC P-521";
	case SG_KEY_ED25519: return "Ed25519";
	default: return "unknown";
	}
}

/* The key of an SPKI, its SHA-256 pin (sigil get --pin, curl --pinnedpubkey). */
static void spki_fields(struct out *o, sg_rd spki)
{
	char b[256], alg[64] = "?";
	sg_pkey *k = sg_pkey_public_from_spki(spki.p, spki.n);
	if (k) {
		snprintf(b, sizeof b, "%s, %zu bits", key_name(sg_pkey_type(k)), sg_pkey_bits(k));
		if (o->json) {
			o_str(o, "key_type", "key", key_name(sg_pkey_type(k)));
			o_num(o, "key_bits", "key bits", (long long)sg_pkey_bits(k));
		} else {
			o_str(o, "key", "key:", b);
		}
		sg_pkey_free(k);
	} else {
		/* A key sigil cannot use: say its algorithm. */
		sg_rd r = spki, seq, a, oid;
		if (sg_der_get(&r, SG_DER_SEQUENCE, &seq) && sg_der_get(&seq, SG_DER_SEQUENCE, &a) && sg_der_get_oid(&a, &oid))
			sg_der_oid_to_string(oid, alg, sizeof alg);
		snprintf(b, sizeof b, "algorithm %s (not one sigil uses)", alg);
		o_str(o, "key_type", "key:", b);
	}
	uint8_t h[32];
	char b64[64];
	if (sg_hash(&sg_sha256, spki.p, spki.n, h) == 0 && sg_base64_encode(h, 32, b64, sizeof b64) > 0) {
		snprintf(b, sizeof b, "sha256//%s", b64);
		o_str(o, "pin", "pin (sigil get --pin):", b);
	}
}

/* ---- extensions read again for display ---- */

/* Calls fn for each Extension of a TBSCertificate. */
static void walk_extensions(sg_rd tbs_whole, void (*fn)(void *, const char *oid, bool critical, sg_rd value),
			    void *ctx)
{
	sg_rd r = tbs_whole, tbs, skip, exts, list;
	if (!sg_der_get(&r, SG_DER_SEQUENCE, &tbs))
		return;
	uint8_t tag;
	/* version, serial, signature, issuer, validity, subject, SPKI, then
	 * optional [1] [2] unique IDs, then [3] extensions (RFC 5280 4.1). */
	while (sg_der_peek_tag(&tbs, &tag) && tag != SG_DER_CTX_CONS(3))
		if (!sg_der_get_any(&tbs, &tag, &skip, NULL))
			return;
	if (!sg_der_get(&tbs, SG_DER_CTX_CONS(3), &exts) || !sg_der_get(&exts, SG_DER_SEQUENCE, &list))
		return;
	while (sg_rd_left(&list)) {
		sg_rd ext, oid, val;
		bool crit = false, present;
		char dotted[64];
		sg_rd cb;
		if (!sg_der_get(&list, SG_DER_SEQUENCE, &ext) || !sg_der_get_oid(&ext, &oid))
			return;
		if (!sg_der_get_optional(&ext, SG_DER_BOOLEAN, &cb, &present))
			return;
		if (present)
			crit = cb.n == 1 && cb.p[0] == 0xff;
		if (!sg_der_get(&ext, SG_DER_OCTET_STRING, &val))
			return;
		sg_der_oid_to_string(oid, dotted, sizeof dotted);
		fn(ctx, dotted, crit, val);
	}
}

/* A GeneralName as text ("DNS:a.example", "URI:http://...", "IP:192.0.2.0/24"). */
static void general_name(uint8_t tag, sg_rd v, bool subtree, char *out, size_t cap)
{
	switch (tag) {
	case SG_DER_CTX(1): snprintf(out, cap, "email:%.*s", (int)v.n, (const char *)v.p); return;
	case SG_DER_CTX(2): snprintf(out, cap, "DNS:%.*s", (int)v.n, (const char *)v.p); return;
	case SG_DER_CTX(6): snprintf(out, cap, "URI:%.*s", (int)v.n, (const char *)v.p); return;
	case SG_DER_CTX(7): {
		/* An address, or in a name constraint address and mask (RFC
		 * 5280 4.2.1.10). */
		size_t al = subtree ? v.n / 2 : v.n;
		char a[64] = "", m[64] = "";
		if (al == 4) {
			snprintf(a, sizeof a, "%u.%u.%u.%u", v.p[0], v.p[1], v.p[2], v.p[3]);
			if (subtree)
				snprintf(m, sizeof m, "/%u.%u.%u.%u", v.p[4], v.p[5], v.p[6], v.p[7]);
		} else if (al == 16) {
			struct in6_addr x;
			memcpy(&x, v.p, 16);
			char t6[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, &x, t6, sizeof t6);
			snprintf(a, sizeof a, "%s", t6);
			if (subtree) {
				memcpy(&x, v.p + 16, 16);
				inet_ntop(AF_INET6, &x, t6, sizeof t6);
				snprintf(m, sizeof m, "/%s", t6);
			}
		} else {
			snprintf(out, cap, "IP:(%zu bytes)", v.n);
			return;
		}
		snprintf(out, cap, "IP:%s%s", a, m);
		return;
	}
	case SG_DER_CTX_CONS(4): {
		char n[512];
		sg_rd whole = v;
		/* v is the [4]'s content: the Name TLV itself. */
		if (sg_x509_name_to_string(whole, n, sizeof n) < 0)
			snprintf(n, sizeof n, "?");
		snprintf(out, cap, "dirName:%s", n);
		return;
	}
	default:
		snprintf(out, cap, "[%u]", tag & 0x1f);
	}
}

static const char *eku_name(const char *oid)
{
	static const struct {
		const char *oid, *name;
	} t[] = {
		{ "1.3.6.1.5.5.7.3.1", "serverAuth" }, { "1.3.6.1.5.5.7.3.2", "clientAuth" },
		{ "1.3.6.1.5.5.7.3.3", "codeSigning" }, { "1.3.6.1.5.5.7.3.4", "emailProtection" },
		{ "1.3.6.1.5.5.7.3.8", "timeStamping" }, { "1.3.6.1.5.5.7.3.9", "OCSPSigning" },
		{ "2.5.29.37.0", "anyExtendedKeyUsage" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].oid, oid) == 0)
			return t[i].name;
	return NULL;
}

struct ext_info {
	struct strs eku, crldp, aia, nc_perm, nc_excl, san;
	bool eku_crit, ku_crit;
};

static void on_ext(void *ctx, const char *oid, bool crit, sg_rd val)
{
	struct ext_info *e = ctx;
	sg_rd r = val, seq;
	if (strcmp(oid, "2.5.29.15") == 0) {             /* keyUsage */
		e->ku_crit = crit;
	} else if (strcmp(oid, "2.5.29.17") == 0) {      /* subjectAltName */
		if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq))
			return;
		while (sg_rd_left(&seq)) {
			uint8_t tag;
			sg_rd v;
			char t[600];
			if (!sg_der_get_any(&seq, &tag, &v, NULL))
				return;
			general_name(tag, v, false, t, sizeof t);
			strs_add(&e->san, "%s", t);
		}
	} else if (strcmp(oid, "2.5.29.37") == 0) {      /* extKeyUsage */
		e->eku_crit = crit;
		if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq))
			return;
		while (sg_rd_left(&seq)) {
			sg_rd o;
			char d[64];
			if (!sg_der_get_oid(&seq, &o))
				return;
			sg_der_oid_to_string(o, d, sizeof d);
			strs_add(&e->eku, "%s", eku_name(d) ? eku_name(d) : d);
		}
	} else if (strcmp(oid, "2.5.29.31") == 0) {      /* cRLDistributionPoints */
		if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq))
			return;
		while (sg_rd_left(&seq)) {
			sg_rd dp, dpn, full;
			bool present;
			if (!sg_der_get(&seq, SG_DER_SEQUENCE, &dp) ||
			    !sg_der_get_optional(&dp, SG_DER_CTX_CONS(0), &dpn, &present))
				return;
			if (!present || !sg_der_get_optional(&dpn, SG_DER_CTX_CONS(0), &full, &present) || !present)
				continue;
			while (sg_rd_left(&full)) {
				uint8_t tag;
				sg_rd v;
				char t[600];
				if (!sg_der_get_any(&full, &tag, &v, NULL))
					return;
				general_name(tag, v, false, t, sizeof t);
				strs_add(&e->crldp, "%s", t);
			}
		}
	} else if (strcmp(oid, "1.3.6.1.5.5.7.1.1") == 0) {      /* authorityInfoAccess */
		if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq))
			return;
		while (sg_rd_left(&seq)) {
			sg_rd ad, method;
			uint8_t tag;
			sg_rd v;
			char d[64], t[600];
			if (!sg_der_get(&seq, SG_DER_SEQUENCE, &ad) || !sg_der_get_oid(&ad, &method) ||
			    !sg_der_get_any(&ad, &tag, &v, NULL))
				return;
			sg_der_oid_to_string(method, d, sizeof d);
			general_name(tag, v, false, t, sizeof t);
			strs_add(&e->aia, "%s %s", strcmp(d, "1.3.6.1.5.5.7.48.1") == 0 ? "OCSP" :
				 strcmp(d, "1.3.6.1.5.5.7.48.2") == 0 ? "CA Issuers" : d, t);
		}
	} else if (strcmp(oid, "2.5.29.30") == 0) {      /* nameConstraints */
		sg_rd sub[2];
		bool has[2];
		if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq) ||
		    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(0), &sub[0], &has[0]) ||
		    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(1), &sub[1], &has[1]))
			return;
		for (int k = 0; k < 2; k++)
			while (has[k] && sg_rd_left(&sub[k])) {
				sg_rd st, v;
				uint8_t tag;
				char t[600];
				if (!sg_der_get(&sub[k], SG_DER_SEQUENCE, &st) || !sg_der_get_any(&st, &tag, &v, NULL))
					return;
				general_name(tag, v, true, t, sizeof t);
				strs_add(k ? &e->nc_excl : &e->nc_perm, "%s", t);
			}
	}
}

/* ---- one certificate ---- */

static const char *const ku_names[] = { "digitalSignature", "nonRepudiation", "keyEncipherment",
					"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
					"encipherOnly", "decipherOnly" };

static void show_cert(struct out *o, const sg_x509_cert *x, size_t index, const char *role)
{
	char b[4096], t1[64], t2[64], title[128];
	snprintf(title, sizeof title, "certificate %zu%s%s", index, role ? ": " : "", role ? role : "");
	o_open(o, NULL, '{', title);
	o_type(o, "certificate");
	sg_x509_name_to_string(x->subject, b, sizeof b);
	o_str(o, "subject", "subject:", b);
	sg_x509_name_to_string(x->issuer, b, sizeof b);
	o_str(o, "issuer", "issuer:", b);
	serial_hex(x->serial, b, sizeof b);
	o_str(o, "serial", "serial:", b);
	time_text(x->not_before, t1, sizeof t1);
	time_text(x->not_after, t2, sizeof t2);
	int64_t now = (int64_t)time(NULL);
	/* Whole days, rounded toward the end: 0 on the last day. */
	long long left = x->not_after >= now ? (long long)((x->not_after - now) / 86400) : -1 - (long long)((now - x->not_after) / 86400);
	if (o->json) {
		o_str(o, "not_before", "", t1);
		o_str(o, "not_after", "", t2);
		o_num(o, "days_left", "", left);
	} else {
		snprintf(b, sizeof b, "%s to %s (%s)", t1, t2,
			 now < x->not_before ? "not yet valid" : left >= 0 ? "" : "EXPIRED");
		char tail[64];
		if (now >= x->not_before && left >= 0) {
			snprintf(tail, sizeof tail, "%lld day%s left", left, left == 1 ? "" : "s");
			snprintf(b, sizeof b, "%s to %s (%s)", t1, t2, tail);
		}
		o_str(o, "validity", "validity:", b);
	}
	spki_fields(o, x->spki);
	o_str(o, "signature_algorithm", "signature:", x->sigalg.known ? x->sigalg.name : "unknown");
	struct ext_info e = { 0 };
	walk_extensions(x->tbs, on_ext, &e);
	if (x->san_present)
		o_list(o, "san", x->san_critical ? "SAN (critical):" : "SAN:", e.san.v, e.san.n, NULL);
	if (x->ku_present) {
		struct strs k = { 0 };
		for (int i = 0; i < 9; i++)
			if (x->key_usage & (1u << i))
				strs_add(&k, "%s", ku_names[i]);
		o_list(o, "key_usage", e.ku_crit ? "key usage (critical):" : "key usage:", k.v, k.n, NULL);
		strs_free(&k);
	}
	if (x->eku_present)
		o_list(o, "extended_key_usage", e.eku_crit ? "ext key usage (critical):" : "ext key usage:", e.eku.v,
		       e.eku.n, NULL);
	if (x->bc_present) {
		if (x->ca && x->path_len >= 0)
			snprintf(b, sizeof b, "CA:TRUE, pathlen:%d%s", x->path_len, x->bc_critical ? " (critical)" : "");
		else
			snprintf(b, sizeof b, "CA:%s%s", x->ca ? "TRUE" : "FALSE", x->bc_critical ? " (critical)" : "");
		o_str(o, "basic_constraints", "basic constraints:", b);
	}
	if (x->nc_present) {
		o_list(o, "name_constraints_permitted", "permitted names:", e.nc_perm.v, e.nc_perm.n, NULL);
		o_list(o, "name_constraints_excluded", "excluded names:", e.nc_excl.v, e.nc_excl.n, NULL);
	}
	if (x->ski_present) {
		hex_colon(x->ski.p, x->ski.n, b, sizeof b);
		o_str(o, "subject_key_id", "subject key id:", b);
	}
	if (x->aki_present && x->aki_keyid.n) {
		hex_colon(x->aki_keyid.p, x->aki_keyid.n, b, sizeof b);
		o_str(o, "authority_key_id", "authority key id:", b);
	}
	if (e.crldp.n)
		o_list(o, "crl_distribution_points", "CRL distribution:", e.crldp.v, e.crldp.n, NULL);
	if (e.aia.n)
		o_list(o, "authority_info_access", "authority info:", e.aia.v, e.aia.n, NULL);
	uint8_t h[32];
	if (sg_hash(&sg_sha256, x->der.p, x->der.n, h) == 0) {
		hex_colon(h, 32, b, sizeof b);
		o_str(o, "sha256_fingerprint", "SHA-256 fingerprint:", b);
	}
	o_bool(o, "self_issued", "self-issued:", x->self_issued, "yes (subject = issuer)", "no");
	strs_free(&e.san);
	strs_free(&e.eku);
	strs_free(&e.crldp);
	strs_free(&e.aia);
	strs_free(&e.nc_perm);
	strs_free(&e.nc_excl);
	o_close(o, '}');
}

/* ---- a CSR, a CRL, a key ---- */

static void show_csr(struct out *o, const sg_x509_csr *r)
{
	char b[4096];
	o_open(o, NULL, '{', "certificate request (PKCS#10), its signature valid");
	o_type(o, "certificate_request");
	sg_x509_name_to_string(r->subject, b, sizeof b);
	o_str(o, "subject", "subject:", b);
	spki_fields(o, r->spki);
	o_str(o, "signature_algorithm", "signature:", r->sigalg.known ? r->sigalg.name : "unknown");
	if (r->san_present) {
		struct strs s = { 0 };
		sg_rd names = r->san;
		while (sg_rd_left(&names)) {
			uint8_t tag;
			sg_rd v;
			if (!sg_der_get_any(&names, &tag, &v, NULL))
				break;
			general_name(tag, v, false, b, sizeof b);
			strs_add(&s, "%s", b);
		}
		o_list(o, "san", "requested SAN:", s.v, s.n, NULL);
		strs_free(&s);
	}
	o_close(o, '}');
}

static const char *reason_name(int code)
{
	const char *n = sg_x509_crl_reason_name(code);
	return n ? n : "?";
}

static void show_crl(struct out *o, const sg_x509_crl *c)
{
	char b[4096], t[64];
	o_open(o, NULL, '{', "certificate revocation list");
	o_type(o, "crl");
	sg_x509_name_to_string(c->issuer, b, sizeof b);
	o_str(o, "issuer", "issuer:", b);
	time_text(c->this_update, t, sizeof t);
	o_str(o, "this_update", "this update:", t);
	if (c->next_update) {
		time_text(c->next_update, t, sizeof t);
		int64_t now = (int64_t)time(NULL);
		if (o->json) {
			o_str(o, "next_update", "", t);
			o_num(o, "days_left", "", c->next_update >= now ? (c->next_update - now) / 86400 : -1);
		} else {
			snprintf(b, sizeof b, "%s (%s)", t, c->next_update < now ? "STALE: past its next update" : "current");
			o_str(o, "next_update", "next update:", b);
		}
	}
	o_str(o, "signature_algorithm", "signature:", c->sigalg.known ? c->sigalg.name : "unknown");
	if (c->aki_present && c->aki_keyid.n) {
		hex_colon(c->aki_keyid.p, c->aki_keyid.n, b, sizeof b);
		o_str(o, "authority_key_id", "authority key id:", b);
	}
	/* crlNumber: TBSCertList ... [0] crlExtensions (RFC 5280 5.1). */
	sg_rd r = c->tbs, tbs;
	if (sg_der_get(&r, SG_DER_SEQUENCE, &tbs)) {
		uint8_t tag;
		sg_rd skip, exts, list;
		while (sg_der_peek_tag(&tbs, &tag) && tag != SG_DER_CTX_CONS(0))
			if (!sg_der_get_any(&tbs, &tag, &skip, NULL))
				break;
		if (sg_der_get(&tbs, SG_DER_CTX_CONS(0), &exts) && sg_der_get(&exts, SG_DER_SEQUENCE, &list))
			while (sg_rd_left(&list)) {
				sg_rd ext, oid, val, cb;
				bool present;
				char d[64];
				if (!sg_der_get(&list, SG_DER_SEQUENCE, &ext) || !sg_der_get_oid(&ext, &oid) ||
				    !sg_der_get_optional(&ext, SG_DER_BOOLEAN, &cb, &present) ||
				    !sg_der_get(&ext, SG_DER_OCTET_STRING, &val))
					break;
				sg_der_oid_to_string(oid, d, sizeof d);
				uint64_t num;
				if (strcmp(d, "2.5.29.20") == 0 && sg_der_get_u64(&val, &num))
					o_num(o, "crl_number", "CRL number:", (long long)num);
			}
	}
	/* The entries: serial, date and reason. */
	o_open(o, "revoked", '[', NULL);
	sg_rd list = c->revoked;
	size_t n = 0;
	while (sg_rd_left(&list)) {
		sg_rd e, serial;
		int64_t when;
		if (!sg_der_get(&list, SG_DER_SEQUENCE, &e) || !sg_der_get_integer(&e, &serial) || !sg_der_get_time(&e, &when))
			break;
		int reason = -1;
		sg_rd lk = serial;
		if (sg_x509_crl_lookup(c, lk, &reason) != 1)
			reason = -1;
		char s[200];
		serial_hex(serial, s, sizeof s);
		time_text(when, t, sizeof t);
		if (o->json) {
			o_open(o, NULL, '{', NULL);
			o_str(o, "serial", "", s);
			o_str(o, "date", "", t);
			if (reason >= 0)
				o_str(o, "reason", "", reason_name(reason));
			o_close(o, '}');
		} else {
			snprintf(b, sizeof b, "%s on %s%s%s", s, t, reason >= 0 ? ", " : "", reason >= 0 ? reason_name(reason) : "");
			o_str(o, NULL, n ? "" : "revoked:", b);
		}
		n++;
	}
	if (!o->json && n == 0)
		o_str(o, NULL, "revoked:", "none");
	o_close(o, ']');
	o_close(o, '}');
}

static int show_key(struct out *o, const char *text, size_t len, const char *path)
{
	sg_pkey *k = sg_pkey_private_from_pem(text, len);
	if (!k) {
		fprintf(stderr, "sigil inspect: %s: %s\n", path,
			strstr(text, "ENCRYPTED") ? "the private key is encrypted (decrypt it first: openssl pkey -in KEY)"
						  : "cannot read the private key (PEM PKCS#8, SEC1 or PKCS#1)");
		return EX_FILE;
	}
	sg_wr w;
	sg_wr_init(&w, NULL, 0, 8192);
	int ret = EX_FAIL;
	if (sg_pkey_spki(k, &w) == 0) {
		o_open(o, NULL, '{', "private key (its public part; the key itself is not shown)");
		o_type(o, "private_key");
		sg_rd spki;
		sg_rd_init(&spki, w.buf, w.len);
		spki_fields(o, spki);
		o_close(o, '}');
		ret = EX_OK;
	}
	sg_wr_free(&w);
	sg_pkey_free(k);
	return ret;
}

/* ---- a file ---- */

static int show_der(struct out *o, const uint8_t *der, size_t len, const char *label, size_t *ncert)
{
	char err[256];
	sg_x509_cert x;
	sg_x509_crl crl;
	sg_x509_csr csr;
	bool any = !label;
	if ((any || strcmp(label, "CERTIFICATE") == 0) && sg_x509_cert_parse(&x, der, len, err, sizeof err) == 0) {
		show_cert(o, &x, (*ncert)++, NULL);
		return EX_OK;
	}
	if (label && strcmp(label, "CERTIFICATE") == 0) {
		fprintf(stderr, "sigil inspect: certificate %zu: %s\n", *ncert, err);
		return EX_FILE;
	}
	if ((any || strcmp(label, "X509 CRL") == 0) && sg_x509_crl_parse(&crl, der, len, err, sizeof err) == 0) {
		show_crl(o, &crl);
		return EX_OK;
	}
	if (label && strcmp(label, "X509 CRL") == 0) {
		fprintf(stderr, "sigil inspect: CRL: %s\n", err);
		return EX_FILE;
	}
	if ((any || strstr(label, "CERTIFICATE REQUEST")) && sg_x509_csr_parse(&csr, der, len, err, sizeof err) == 0) {
		show_csr(o, &csr);
		return EX_OK;
	}
	if (label && strstr(label, "CERTIFICATE REQUEST")) {
		fprintf(stderr, "sigil inspect: certificate request: %s\n", err);
		return EX_FILE;
	}
	if (label && strcmp(label, "PUBLIC KEY") == 0) {
		sg_rd spki;
		sg_rd_init(&spki, der, len);
		o_open(o, NULL, '{', "public key");
		o_type(o, "public_key");
		spki_fields(o, spki);
		o_close(o, '}');
		return EX_OK;
	}
	return -1;      /* not something we show */
}

static int inspect_file(struct out *o, const char *path)
{
	char err[512], label[64];
	size_t len;
	char *buf = sg_x509_read_file(path, &len, err, sizeof err);
	if (!buf) {
		fprintf(stderr, "sigil inspect: %s\n", err);
		return EX_FILE;
	}
	size_t ncert = 0, shown = 0;
	int ret = EX_OK;
	o_open(o, NULL, '{', NULL);
	o_str(o, "file", "file:", path);
	o_open(o, "items", '[', NULL);
	if (len && (uint8_t)buf[0] == 0x30) {
		int r = show_der(o, (const uint8_t *)buf, len, NULL, &ncert);
		if (r < 0) {
			fprintf(stderr, "sigil inspect: %s: not a certificate, CRL or certificate request in DER\n", path);
			ret = EX_FILE;
		} else {
			ret = r;
			shown++;
		}
	} else {
		sg_rd t;
		sg_rd_init(&t, (const uint8_t *)buf, len);
		bool key_done = false;
		for (;;) {
			sg_wr w;
			sg_wr_init(&w, NULL, 0, 1u << 24);
			int rc = sg_pem_next(&t, label, sizeof label, &w, err, sizeof err);
			if (rc == 1) {
				int r;
				if (strstr(label, "PRIVATE KEY")) {
					r = key_done ? EX_OK : show_key(o, buf, len, path);
					key_done = true;
				} else {
					r = show_der(o, w.buf, w.len, label, &ncert);
				}
				if (r > 0)
					ret = r;
				if (r >= 0)
					shown++;
			}
			sg_wr_free(&w);
			if (rc < 0) {
				fprintf(stderr, "sigil inspect: %s: %s\n", path, err);
				ret = EX_FILE;
			}
			if (rc != 1)
				break;
		}
		if (shown == 0 && ret == EX_OK) {
			fprintf(stderr, "sigil inspect: %s: no certificate, CRL, certificate request or key in the file\n",
				path);
			ret = EX_FILE;
		}
	}
	o_close(o, ']');
	o_close(o, '}');
	/* The file may hold a private key. */
	sg_wipe(buf, len);
	free(buf);
	return ret;
}

/* ---- a URL: the chain the server sends, the parameters negotiated ---- */

static int connect_host(const char *host, const char *port, int secs, char *err, size_t cap)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, cap, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		int r = connect(fd, ai->ai_addr, ai->ai_addrlen), e = errno;
		if (r < 0 && e == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, secs * 1000) == 1) {
				socklen_t el = sizeof e;
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
				r = e ? -1 : 0;
			} else {
				e = ETIMEDOUT;
			}
		}
		if (r == 0)
			break;
		snprintf(err, cap, "cannot connect to %s port %s: %s", host, port, strerror(e));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int inspect_url(struct out *o, const char *url, const char *cacert, int secs)
{
	char host[256], port[8] = "443";
	const char *s = url + 8, *end = s + strcspn(s, "/?#");
	const char *hs = s, *he;
	if (*s == '[') {
		hs = s + 1;
		he = memchr(s, ']', (size_t)(end - s));
		if (!he)
			return -1;
	} else {
		he = memchr(s, ':', (size_t)(end - s));
		if (!he)
			he = end;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof host)
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = 0;
	const char *colon = memchr(he, ':', (size_t)(end - he));
	if (colon) {
		size_t pl = (size_t)(end - colon - 1);
		if (pl == 0 || pl > 5 || strspn(colon + 1, "0123456789") < pl)
			return -1;
		memcpy(port, colon + 1, pl);
		port[pl] = 0;
	}
	char err[512];
	int fd = connect_host(host, port, secs, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "sigil inspect: %s\n", err);
		return EX_CONNECT;
	}
	/* Every chain is shown, so the handshake does not verify; the chain
	 * is verified below, for the report. */
	sigil_config *cfg = sigil_config_new();
	sigil_conn *c = NULL;
	int ret = EX_TLS;
	if (!cfg || sigil_config_insecure_noverify(cfg) < 0 || sigil_config_set_alpn(cfg, "http/1.1") < 0 ||
	    !(c = sigil_conn_new(cfg, SIGIL_CLIENT)) || sigil_conn_set_server_name(c, host) < 0 ||
	    sigil_io_attach(c, fd) < 0)
		goto out;
	int64_t deadline = (int64_t)time(NULL) + secs;
	int r;
	while ((r = sigil_io_handshake(c)) == SIGIL_WANT_READ || r == SIGIL_WANT_WRITE) {
		struct pollfd p = { .fd = fd, .events = r == SIGIL_WANT_READ ? POLLIN : POLLOUT };
		int64_t left = deadline - (int64_t)time(NULL);
		if (left <= 0 || poll(&p, 1, (int)left * 1000) == 0) {
			fprintf(stderr, "sigil inspect: %s: timed out after %d s in the TLS handshake\n", host, secs);
			ret = EX_CONNECT;
			goto out;
		}
	}
	if (r != SIGIL_OK) {
		fprintf(stderr, "sigil inspect: %s: %s\n", host, sigil_conn_error(c));
		ret = sigil_conn_error_class(c) == SIGIL_ECLASS_IO ? EX_CONNECT : EX_TLS;
		goto out;
	}
	size_t n;
	const sigil_der *chain = sigil_conn_peer_chain(c, &n);
	/* Verify as sigil get would, with --cacert or the system bundle. */
	sg_x509_store *st = sg_x509_store_new();
	sg_x509_result *res = calloc(1, sizeof *res);
	sg_rd rds[SIGIL_MAX_CHAIN];
	for (size_t i = 0; i < n && i < SIGIL_MAX_CHAIN; i++)
		sg_rd_init(&rds[i], chain[i].der, chain[i].len);
	bool verified = false;
	char reason[600] = "";
	if (st && res) {
		int sr = cacert ? sg_x509_store_add_path(st, cacert, err, sizeof err)
				: sg_x509_store_add_system(st, err, sizeof err);
		sg_x509_verify_opts vo = { .host = host };
		if (sr < 0)
			snprintf(reason, sizeof reason, "%s", err);
		else if (sg_x509_verify(st, rds, n < SIGIL_MAX_CHAIN ? n : SIGIL_MAX_CHAIN, &vo, res) == 0)
			verified = true;
		else
			snprintf(reason, sizeof reason, "%s", res->reason);
	}
	sg_x509_store_free(st);
	free(res);
	o_open(o, NULL, '{', NULL);
	o_str(o, "url", "url:", url);
	o_open(o, "tls", '{', "connection:");
	o_str(o, "version", "version:", sigil_conn_version(c) == SIGIL_TLS13 ? "TLS 1.3" : "?");
	o_str(o, "suite", "suite:", sigil_suite_name(sigil_conn_suite(c)) ? sigil_suite_name(sigil_conn_suite(c)) : "?");
	o_str(o, "group", "group:", sigil_group_name(sigil_conn_group(c)) ? sigil_group_name(sigil_conn_group(c)) : "?");
	o_bool(o, "hello_retry", "HelloRetryRequest:", sigil_conn_hrr(c), "yes", "no");
	o_str(o, "signature_scheme", "signature scheme:",
	      sigil_sigscheme_name(sigil_conn_sigscheme(c)) ? sigil_sigscheme_name(sigil_conn_sigscheme(c)) : "?");
	o_str(o, "alpn", "ALPN:", sigil_conn_alpn(c) ? sigil_conn_alpn(c) : "(none)");
	o_bool(o, "verified", "verified:", verified, cacert ? "yes (with --cacert)" : "yes (with the system bundle)",
	       "NO");
	if (!verified)
		o_str(o, "verify_error", "why not:", reason);
	o_close(o, '}');
	o_open(o, "chain", '[', "the chain the server sent:");
	for (size_t i = 0; i < n; i++) {
		sg_x509_cert x;
		if (sg_x509_cert_parse(&x, chain[i].der, chain[i].len, err, sizeof err) == 0)
			show_cert(o, &x, i, i == 0 ? "the server's" : NULL);
		else
			o_str(o, NULL, "unparsable:", err);
	}
	o_close(o, ']');
	o_close(o, '}');
	ret = verified ? EX_OK : EX_VERIFY;
	if (sigil_io_close(c) < 0) { /* the report is out; a failed goodbye changes nothing */ }
out:
	sigil_conn_free(c);
	sigil_config_free(cfg);
	close(fd);
	return ret;
}

int do_inspect(int argc, char **argv)
{
	int json = 0, secs = 10;
	const char *cacert = NULL;
	struct opt opts[] = {
		OPTION("--json", 0, OPT_FLAG, NULL, NULL, "one JSON object, for scripts", &json),
		OPTION("--cacert", 0, OPT_FILE, "FILE|DIR", NULL,
		       "for a URL: verify the chain with these CAs (default: the system bundle)", &cacert, 0, 0, true),
		OPTION("--connect-timeout", 0, OPT_INT, "S", "10", "for a URL: the limit on connecting and the handshake",
		       &secs, 1, 3600),
	};
	struct opt_cmd cmd = {
		"inspect", "FILE|URL [options]",
		"What a certificate chain, a certificate request, a CRL or a key (its public part) holds: "
		"subject, issuer, serial, validity and days left, key type and size, SAN, key usages, basic and "
		"name constraints, key identifiers, CRL distribution points, the SHA-256 fingerprint and the pin "
		"that sigil get --pin takes.  For an https:// URL: the chain the server sends, whether it "
		"verifies, and the TLS parameters negotiated.",
		NULL, opts, sizeof opts / sizeof opts[0], 1, 1,
	};
	char *pos[1];
	int npos;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	if (cacert) {
		char err[1024];
		int r = check_certs("--cacert", cacert, err, sizeof err);
		if (r != EX_OK) {
			fprintf(stderr, "sigil inspect: %s\n", err);
			return r;
		}
	}
	struct out o = { .f = stdout, .json = json };
	o.first[0] = true;
	int ret;
	if (strncmp(pos[0], "https://", 8) == 0) {
		ret = inspect_url(&o, pos[0], cacert, secs);
		if (ret < 0)
			return opt_usage_error(&cmd, "\"%s\" is not an https:// URL (https://HOST[:PORT]/)", pos[0]);
	} else if (strstr(pos[0], "://")) {
		return opt_usage_error(&cmd, "\"%s\": only https:// URLs can be inspected", pos[0]);
	} else {
		ret = inspect_file(&o, pos[0]);
	}
	if (json)
		fputc('\n', stdout);
	return ret;
}
