/*
 * Differential X.509 testing: x509diff SEEDS OUT [-n N] [-s SEED]
 *   [-e EXPECTED] [-t UNIXTIME] [-i INDEX] [-x] [-v]
 *
 * Each seed (a directory of SEEDS: 0.pem the leaf, 1.pem .. K.pem its
 * issuers, K.pem the self-signed root, K.key the private key of K.pem, and
 * `host`, the name the leaf is for) is mutated one certificate at a time:
 * the TBSCertificate is decoded into its fields and extensions, changed
 * (a flag, a date, a name, an extension dropped or made critical, ...),
 * encoded again and RE-SIGNED with the issuer's key, so that the chain
 * stays cryptographically valid and the verdict depends on the semantic
 * checks.  A few raw byte mutations (flips without re-signing, flips
 * re-signed, truncation, trailing bytes, BER encodings) exercise the
 * parsers.
 *
 * Every mutant is checked twice, with the same trust anchor, host name,
 * purpose and time:
 *   sigil:   sg_x509_verify in this process (what `sigil verify` does);
 *   openssl: openssl verify -x509_strict -purpose sslserver -attime T
 *            -verify_hostname HOST -CAfile root.pem -untrusted inters.pem
 *            leaf.pem
 * and a disagreement gets a stable key, ROLE.MUTATION:ACCEPTOR ("leaf.
 * san-drop:openssl": the mutation san-drop on the leaf, openssl accepted
 * and sigil refused).  Keys matching a pattern of the expected list
 * (-e, tests/x509/diff-expected.txt, each entry naming its section of
 * docs/x509-differences.md) are deliberate differences; any other is a
 * failure: the case is printed and its files kept in OUT/fail-N/.
 *
 * The run has two stages: every single mutation on every certificate of
 * every seed (deterministic), then -n N random mutants of one to three
 * stacked mutations (rng seeded by -s).  -x skips the first stage; -i runs
 * only random mutant INDEX (to reproduce one).  Ends with "N passed, N
 * failed" (a mutant passes when both agree or the difference is listed)
 * and fails on listed patterns that no mutant matched, when stage one ran.
 */
#include "test.h"

#include "der/der.h"
#include "x509/internal.h"
#include "x509/oids.h"
#include "x509/x509.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXC 6          /* certificates in a seed chain */
#define FCAP 1536       /* one TBS field or extension value */
#define MAX_EXT 24
#define MAX_SEEDS 16
#define MAX_SPKI 16
#define MAX_MUT 3       /* stacked mutations in a random mutant */

/* ---- small utilities ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "x509diff: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* splitmix64: small, seedable, the same on every machine. */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t rndn(rng *r, size_t n)
{
	return n ? (size_t)(rnd(r) % n) : 0;
}

/* One DER item we own: a whole TLV, or content, as the field says. */
typedef struct fld {
	size_t n;
	uint8_t b[FCAP];
} fld;

static void fset(fld *f, const void *p, size_t n)
{
	if (n > FCAP)
		die("field of %zu bytes too large", n);
	memcpy(f->b, p, n);
	f->n = n;
}

static void fset_rd(fld *f, sg_rd r)
{
	fset(f, r.p, r.n);
}

static void fset_wr(fld *f, const sg_wr *w)
{
	if (!sg_wr_ok(w))
		die("DER writer failed");
	fset(f, w->buf, w->len);
}

static sg_rd frd(const fld *f)
{
	sg_rd r;
	sg_rd_init(&r, f->b, f->n);
	return r;
}

static void wr_new(sg_wr *w)
{
	sg_wr_init(w, NULL, 0, 1u << 20);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	uint8_t *p = (uint8_t *)sg_test_read_file(path, len);
	if (!p)
		die("cannot read %s: %s", path, strerror(errno));
	return p;
}

/* The first CERTIFICATE block of a PEM file, as DER. */
static uint8_t *pem_cert(const char *path, size_t *len)
{
	size_t n;
	char label[64], err[256];
	uint8_t *text = read_all(path, &n);
	sg_rd t;
	sg_wr w;
	sg_rd_init(&t, text, n);
	wr_new(&w);
	int rc = sg_pem_next(&t, label, sizeof label, &w, err, sizeof err);
	if (rc != 1 || strcmp(label, "CERTIFICATE") != 0)
		die("%s: no certificate (%s)", path, rc < 0 ? err : "none");
	uint8_t *der = xmalloc(w.len);
	memcpy(der, w.buf, w.len);
	*len = w.len;
	sg_wr_free(&w);
	free(text);
	return der;
}

/* Appends one certificate as PEM (64-column base64) to a file. */
static void pem_append(FILE *f, const uint8_t *der, size_t n)
{
	size_t cap = (n + 2) / 3 * 4 + 1;
	char *b = xmalloc(cap);
	if (sg_base64_encode(der, n, b, cap) < 0)
		die("base64");
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	for (size_t i = 0, len = strlen(b); i < len; i += 64)
		fprintf(f, "%.*s\n", (int)(len - i < 64 ? len - i : 64), b + i);
	fputs("-----END CERTIFICATE-----\n", f);
	free(b);
}

/* ---- seeds ---- */

typedef struct seed {
	char name[32];
	size_t n;                       /* certificates, leaf first */
	uint8_t *der[MAXC];
	size_t len[MAXC];
	sg_pkey *key[MAXC];             /* key[i] signs what cert i issues */
	char host[256];
} seed;

typedef struct spki {
	char name[32];
	uint8_t *der;
	size_t len;
} spki;

static seed seeds[MAX_SEEDS];
static size_t nseeds;
static spki spkis[MAX_SPKI];
static size_t nspkis;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of a directory (names only, no dot files). */
static size_t list_dir(const char *dir, char **out, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	if (!d)
		die("cannot open %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) && n < cap)
		if (e->d_name[0] != '.')
			out[n++] = strdup(e->d_name);
	closedir(d);
	qsort(out, n, sizeof *out, cmp_str);
	return n;
}

static void load_seed(const char *dir, const char *name)
{
	char path[1024];
	seed *s = &seeds[nseeds];
	snprintf(s->name, sizeof s->name, "%s", name);
	for (s->n = 0; s->n < MAXC; s->n++) {
		snprintf(path, sizeof path, "%s/%s/%zu.pem", dir, name, s->n);
		if (access(path, R_OK) != 0)
			break;
		s->der[s->n] = pem_cert(path, &s->len[s->n]);
		if (s->n == 0)
			continue;
		size_t klen;
		snprintf(path, sizeof path, "%s/%s/%zu.key", dir, name, s->n);
		char *k = (char *)read_all(path, &klen);
		s->key[s->n] = sg_pkey_private_from_pem(k, klen);
		if (!s->key[s->n])
			die("%s: not a private key", path);
		free(k);
	}
	if (s->n < 2)
		die("seed %s/%s has no chain", dir, name);
	size_t hlen;
	snprintf(path, sizeof path, "%s/%s/host", dir, name);
	char *h = (char *)read_all(path, &hlen);
	while (hlen && (h[hlen - 1] == '\n' || h[hlen - 1] == ' '))
		hlen--;
	snprintf(s->host, sizeof s->host, "%.*s", (int)hlen, h);
	free(h);
	nseeds++;
}

static void load_seeds(const char *dir)
{
	char *names[64], path[1024];
	size_t n = list_dir(dir, names, 64);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (strcmp(names[i], "spki") == 0) {
			char *keys[MAX_SPKI];
			size_t nk = list_dir(path, keys, MAX_SPKI);
			for (size_t j = 0; j < nk; j++) {
				char kp[1100];
				snprintf(kp, sizeof kp, "%s/%s", path, keys[j]);
				spki *k = &spkis[nspkis++];
				snprintf(k->name, sizeof k->name, "%.*s",
					 (int)strcspn(keys[j], "."), keys[j]);
				k->der = read_all(kp, &k->len);
				free(keys[j]);
			}
		} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && nseeds < MAX_SEEDS) {
			load_seed(dir, names[i]);
		}
		free(names[i]);
	}
	if (nseeds == 0)
		die("no seed chains in %s", dir);
}

/* ---- the TBSCertificate as fields (RFC 5280 4.1) ---- */

typedef struct ext {
	fld oid;        /* OID content */
	int crit;       /* -1 absent (DEFAULT), 0 explicit FALSE, 1 TRUE,
			 * 2 TRUE encoded 0x01 (BER, not DER) */
	fld val;        /* extnValue content */
} ext;

typedef struct tbs {
	fld version;    /* whole [0] TLV; n == 0: absent (v1) */
	fld serial, sigalg, issuer, nb, na, subject, spki;     /* whole TLVs */
	fld iuid, suid; /* whole TLVs, n == 0: absent */
	bool has_exts;
	size_t next;
	ext ext[MAX_EXT];
	/* How to sign: hash (NULL: the key's default), RSA-PSS, and
	 * whether a mutation set the inner signature field itself. */
	const sg_hash_class *hash;
	bool pss, inner_set;
	int alg_params; /* 0 as RFC, 1 RSA without NULL, 2 ECDSA with NULL */
	/* Whole Extension TLVs too large for a field (FCAP), written after
	 * the others; malloc'd, freed by whoever signs. */
	uint8_t *xext;
	size_t xext_n;
} tbs;

static bool get_whole(sg_rd *r, uint8_t tag, fld *f)
{
	sg_rd w;
	if (!sg_der_get_whole(r, tag, &w) || w.n > FCAP)
		return false;
	fset_rd(f, w);
	return true;
}

static bool get_any(sg_rd *r, fld *f)
{
	sg_rd w;
	uint8_t tag;
	if (!sg_der_get_any(r, &tag, NULL, &w) || w.n > FCAP)
		return false;
	fset_rd(f, w);
	return true;
}

/* Decodes the TBSCertificate of a DER certificate. False when it is not
 * well-formed enough to take apart (then the mutation does not apply). */
static bool tbs_decode(tbs *t, const uint8_t *der, size_t len)
{
	sg_rd in, cert, seq, tb;
	uint8_t tag;
	bool has;
	memset(t, 0, sizeof *t);
	sg_rd_init(&in, der, len);
	if (!sg_der_get(&in, SG_DER_SEQUENCE, &cert) || !sg_der_get(&cert, SG_DER_SEQUENCE, &tb))
		return false;
	if (!sg_der_peek_tag(&tb, &tag))
		return false;
	if (tag == SG_DER_CTX_CONS(0) && !get_whole(&tb, SG_DER_CTX_CONS(0), &t->version))
		return false;
	if (!get_whole(&tb, SG_DER_INTEGER, &t->serial) ||
	    !get_whole(&tb, SG_DER_SEQUENCE, &t->sigalg) ||
	    !get_whole(&tb, SG_DER_SEQUENCE, &t->issuer) ||
	    !sg_der_get(&tb, SG_DER_SEQUENCE, &seq) ||
	    !get_any(&seq, &t->nb) || !get_any(&seq, &t->na) || !sg_rd_done(&seq) ||
	    !get_whole(&tb, SG_DER_SEQUENCE, &t->subject) ||
	    !get_whole(&tb, SG_DER_SEQUENCE, &t->spki))
		return false;
	if (sg_der_peek_tag(&tb, &tag) && tag == SG_DER_CTX(1) && !get_whole(&tb, tag, &t->iuid))
		return false;
	if (sg_der_peek_tag(&tb, &tag) && tag == SG_DER_CTX(2) && !get_whole(&tb, tag, &t->suid))
		return false;
	sg_rd exts;
	if (!sg_der_get_optional(&tb, SG_DER_CTX_CONS(3), &exts, &has) || !sg_rd_done(&tb))
		return false;
	t->has_exts = has;
	if (!has)
		return true;
	if (!sg_der_get(&exts, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&exts))
		return false;
	while (!sg_rd_done(&seq)) {
		sg_rd e, oid, val;
		if (t->next == MAX_EXT || !sg_der_get(&seq, SG_DER_SEQUENCE, &e) ||
		    !sg_der_get_oid(&e, &oid))
			return false;
		ext *x = &t->ext[t->next++];
		x->crit = -1;
		if (sg_der_peek_tag(&e, &tag) && tag == SG_DER_BOOLEAN) {
			bool c;
			if (!sg_der_get_bool(&e, &c))
				return false;
			x->crit = c;
		}
		if (!sg_der_get(&e, SG_DER_OCTET_STRING, &val) || !sg_rd_done(&e) ||
		    val.n > FCAP || oid.n > FCAP)
			return false;   /* e.g. an nc-bomb's: taken as it is */
		fset_rd(&x->oid, oid);
		fset_rd(&x->val, val);
	}
	return true;
}

static void put_ext(sg_wr *w, const ext *x)
{
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_der_put(w, SG_DER_OID, x->oid.b, x->oid.n);
	if (x->crit == 2)
		(void)sg_der_put(w, SG_DER_BOOLEAN, "\x01", 1);
	else if (x->crit >= 0)
		(void)sg_der_put_bool(w, x->crit == 1);
	(void)sg_der_put(w, SG_DER_OCTET_STRING, x->val.b, x->val.n);
	(void)sg_der_close(w, m);
}

static void tbs_encode(const tbs *t, sg_wr *w)
{
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_wr_bytes(w, t->version.b, t->version.n);
	(void)sg_wr_bytes(w, t->serial.b, t->serial.n);
	(void)sg_wr_bytes(w, t->sigalg.b, t->sigalg.n);
	(void)sg_wr_bytes(w, t->issuer.b, t->issuer.n);
	sg_der_mark v = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_wr_bytes(w, t->nb.b, t->nb.n);
	(void)sg_wr_bytes(w, t->na.b, t->na.n);
	(void)sg_der_close(w, v);
	(void)sg_wr_bytes(w, t->subject.b, t->subject.n);
	(void)sg_wr_bytes(w, t->spki.b, t->spki.n);
	(void)sg_wr_bytes(w, t->iuid.b, t->iuid.n);
	(void)sg_wr_bytes(w, t->suid.b, t->suid.n);
	if (t->has_exts) {
		sg_der_mark e = sg_der_open(w, SG_DER_CTX_CONS(3));
		sg_der_mark s = sg_der_open(w, SG_DER_SEQUENCE);
		for (size_t i = 0; i < t->next; i++)
			put_ext(w, &t->ext[i]);
		(void)sg_wr_bytes(w, t->xext, t->xext_n);
		(void)sg_der_close(w, s);
		(void)sg_der_close(w, e);
	}
	(void)sg_der_close(w, m);
}

/* ---- signing ---- */

static const uint8_t *hash_oid(const sg_hash_class *h, size_t *n)
{
	*n = sizeof sg_oid_sha256;      /* the three have the same length */
	return h == &sg_sha384 ? sg_oid_sha384 : h == &sg_sha512 ? sg_oid_sha512 : sg_oid_sha256;
}

static void put_hash_algid(sg_wr *w, const sg_hash_class *h)
{
	size_t n;
	const uint8_t *oid = hash_oid(h, &n);
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_der_put_oid(w, oid, n);
	(void)sg_der_put_null(w);
	(void)sg_der_close(w, m);
}

/* The AlgorithmIdentifier for signing with k as t asks (RFC 5758 3.2,
 * RFC 4055 5 and 3.1, RFC 8410 3), and how to call sg_sign. False when
 * the key cannot sign that way. */
static bool sig_algid(const sg_pkey *k, const tbs *t, sg_wr *w, sg_sig_kind *kind,
		      const sg_hash_class **h)
{
	sg_key_type kt = sg_pkey_type(k);
	const sg_hash_class *hash = t->hash;
	const uint8_t *oid;
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	if (kt == SG_KEY_ED25519) {
		if (t->hash || t->pss || t->alg_params)
			return false;
		(void)sg_der_put_oid(w, sg_oid_ed25519, sizeof sg_oid_ed25519);
		*kind = SG_SIG_ED25519;
		*h = NULL;
	} else if (kt == SG_KEY_RSA) {
		hash = hash ? hash : &sg_sha256;
		if (t->alg_params == 2)
			return false;
		if (t->pss) {
			if (t->alg_params)
				return false;
			(void)sg_der_put_oid(w, sg_oid_rsa_pss, sizeof sg_oid_rsa_pss);
			sg_der_mark p = sg_der_open(w, SG_DER_SEQUENCE);
			sg_der_mark x = sg_der_open(w, SG_DER_CTX_CONS(0));
			put_hash_algid(w, hash);
			(void)sg_der_close(w, x);
			x = sg_der_open(w, SG_DER_CTX_CONS(1));
			sg_der_mark y = sg_der_open(w, SG_DER_SEQUENCE);
			(void)sg_der_put_oid(w, sg_oid_mgf1, sizeof sg_oid_mgf1);
			put_hash_algid(w, hash);
			(void)sg_der_close(w, y);
			(void)sg_der_close(w, x);
			x = sg_der_open(w, SG_DER_CTX_CONS(2));
			(void)sg_der_put_u64(w, hash->out_len);
			(void)sg_der_close(w, x);
			(void)sg_der_close(w, p);
			*kind = SG_SIG_RSA_PSS;
		} else {
			oid = hash == &sg_sha384 ? sg_oid_sha384_rsa :
			      hash == &sg_sha512 ? sg_oid_sha512_rsa : sg_oid_sha256_rsa;
			(void)sg_der_put_oid(w, oid, sizeof sg_oid_sha256_rsa);
			if (t->alg_params != 1)
				(void)sg_der_put_null(w);
			*kind = SG_SIG_RSA_PKCS1;
		}
		*h = hash;
	} else if (kt == SG_KEY_EC_P256 || kt == SG_KEY_EC_P384 || kt == SG_KEY_EC_P521) {
		if (!hash)
			hash = kt == SG_KEY_EC_P256 ? &sg_sha256 :
			       kt == SG_KEY_EC_P384 ? &sg_sha384 : &sg_sha512;
		if (t->pss || t->alg_params == 1)
			return false;
		oid = hash == &sg_sha384 ? sg_oid_ecdsa_sha384 :
		      hash == &sg_sha512 ? sg_oid_ecdsa_sha512 : sg_oid_ecdsa_sha256;
		(void)sg_der_put_oid(w, oid, sizeof sg_oid_ecdsa_sha256);
		if (t->alg_params == 2)
			(void)sg_der_put_null(w);
		*kind = SG_SIG_ECDSA;
		*h = hash;
	} else {
		return false;
	}
	return sg_der_close(w, m);
}

/* Encodes t, signs it with k and returns the Certificate (malloc'd). */
static uint8_t *tbs_sign(tbs *t, const sg_pkey *k, size_t *len)
{
	sg_wr alg, tb, out;
	sg_sig_kind kind;
	const sg_hash_class *h;
	uint8_t sig[SG_MAX_SIG];
	size_t siglen = sizeof sig;
	uint8_t *der = NULL;
	wr_new(&alg);
	wr_new(&tb);
	wr_new(&out);
	if (!sig_algid(k, t, &alg, &kind, &h))
		goto out;
	if (!t->inner_set)
		fset_wr(&t->sigalg, &alg);
	tbs_encode(t, &tb);
	if (!sg_wr_ok(&tb) || sg_sign(k, kind, h, tb.buf, tb.len, sig, &siglen) != 0)
		goto out;
	sg_der_mark m = sg_der_open(&out, SG_DER_SEQUENCE);
	(void)sg_wr_bytes(&out, tb.buf, tb.len);
	(void)sg_wr_bytes(&out, alg.buf, alg.len);
	(void)sg_der_put_bit_bytes(&out, sig, siglen);
	(void)sg_der_close(&out, m);
	if (!sg_wr_ok(&out))
		goto out;
	der = xmalloc(out.len);
	memcpy(der, out.buf, out.len);
	*len = out.len;
out:
	sg_wr_free(&alg);
	sg_wr_free(&tb);
	sg_wr_free(&out);
	return der;
}

/* ---- values to put in fields and extensions ---- */

static const uint8_t oid_org[] = {0x55, 0x04, 0x0a};
/* 1.3.6.1.4.1.55738.99.1: a private arc, an extension nobody knows. */
static const uint8_t oid_unknown[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb3, 0x7a, 0x63, 0x01};
static const uint8_t oid_eku_email[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04};
static const uint8_t oid_any_policy[] = {0x55, 0x1d, 0x20, 0x00};
/* 2.23.140.1.2.1: CA/B Forum domain-validated policy */
static const uint8_t oid_dv_policy[] = {0x67, 0x81, 0x0c, 0x01, 0x02, 0x01};
static const uint8_t oid_ocsp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};

static void put_atv(sg_wr *w, const uint8_t *oid, size_t on, uint8_t tag, const void *v, size_t n)
{
	sg_der_mark set = sg_der_open(w, SG_DER_SET);
	sg_der_mark seq = sg_der_open(w, SG_DER_SEQUENCE);
	(void)sg_der_put_oid(w, oid, on);
	(void)sg_der_put(w, tag, v, n);
	(void)sg_der_close(w, seq);
	(void)sg_der_close(w, set);
}

/* Name: [O=org,] CN=cn, the CN with string tag `tag` (UTF-8 text turned
 * into UCS-2 for a BMPString). */
static void put_name(sg_wr *w, const char *org, const char *cn, uint8_t tag)
{
	sg_der_mark m = sg_der_open(w, SG_DER_SEQUENCE);
	if (org)
		put_atv(w, oid_org, sizeof oid_org, SG_DER_UTF8_STRING, org, strlen(org));
	if (cn && tag == SG_DER_BMP_STRING) {
		uint8_t u[256];
		size_t n = 0;
		for (const char *p = cn; *p && n + 2 <= sizeof u; p++) {
			u[n++] = 0;
			u[n++] = (uint8_t)*p;
		}
		put_atv(w, sg_oid_cn, sizeof sg_oid_cn, tag, u, n);
	} else if (cn) {
		put_atv(w, sg_oid_cn, sizeof sg_oid_cn, tag, cn, strlen(cn));
	}
	(void)sg_der_close(w, m);
}

static void set_name(fld *f, const char *org, const char *cn, uint8_t tag)
{
	sg_wr w;
	wr_new(&w);
	put_name(&w, org, cn, tag);
	fset_wr(f, &w);
	sg_wr_free(&w);
}

/* The CN and O of a Name as text (ASCII names only, as the seeds have). */
static void name_parts(const fld *name, char *org, char *cn, size_t cap)
{
	sg_rd r = frd(name), seq;
	org[0] = cn[0] = 0;
	if (!sg_der_get(&r, SG_DER_SEQUENCE, &seq))
		return;
	while (!sg_rd_done(&seq)) {
		sg_rd set, atv, oid, v;
		uint8_t tag;
		if (!sg_der_get(&seq, SG_DER_SET, &set) || !sg_der_get(&set, SG_DER_SEQUENCE, &atv) ||
		    !sg_der_get_oid(&atv, &oid) || !sg_der_get_any(&atv, &tag, &v, NULL))
			return;
		char *to = SG_DER_OID_IS(oid, sg_oid_cn) ? cn : SG_DER_OID_IS(oid, oid_org) ? org : NULL;
		if (to)
			snprintf(to, cap, "%.*s", (int)v.n, (const char *)v.p);
	}
}

static void set_time(fld *f, uint8_t tag, const char *s)
{
	sg_wr w;
	wr_new(&w);
	(void)sg_der_put(&w, tag, s, strlen(s));
	fset_wr(f, &w);
	sg_wr_free(&w);
}

static void set_time_t(fld *f, int64_t t)
{
	sg_wr w;
	wr_new(&w);
	(void)sg_der_put_time(&w, t);
	fset_wr(f, &w);
	sg_wr_free(&w);
}

/* ---- extensions ---- */

#define OIDA(x) (x), sizeof(x)

static const struct {
	const char *name;
	const uint8_t *oid;
	size_t n;
} ext_names[] = {
	{"bc", OIDA(sg_oid_bc)}, {"ku", OIDA(sg_oid_ku)}, {"eku", OIDA(sg_oid_eku)},
	{"san", OIDA(sg_oid_san)}, {"nc", OIDA(sg_oid_nc)}, {"aki", OIDA(sg_oid_aki)},
	{"ski", OIDA(sg_oid_ski)}, {"aia", OIDA(sg_oid_aia)}, {"cp", OIDA(sg_oid_policies)},
	{"pc", OIDA(sg_oid_policy_constraints)}, {"pm", OIDA(sg_oid_policy_mappings)},
	{"iap", OIDA(sg_oid_inhibit_any)}, {"crldp", OIDA(sg_oid_crldp)},
	{"sct", OIDA(sg_oid_ct_scts)}, {"ian", OIDA(sg_oid_ian)}, {"unk", OIDA(oid_unknown)},
};

static size_t ext_index(const char *name)
{
	for (size_t i = 0; i < sizeof ext_names / sizeof ext_names[0]; i++)
		if (strcmp(ext_names[i].name, name) == 0)
			return i;
	die("no extension named %s", name);
}

static const char *ext_name_of(sg_rd oid)
{
	for (size_t i = 0; i < sizeof ext_names / sizeof ext_names[0]; i++)
		if (sg_der_oid_eq(oid, ext_names[i].oid, ext_names[i].n))
			return ext_names[i].name;
	return "other";
}

static ext *ext_find(tbs *t, const char *name)
{
	size_t k = ext_index(name);
	for (size_t i = 0; i < t->next; i++)
		if (sg_der_oid_eq(frd(&t->ext[i].oid), ext_names[k].oid, ext_names[k].n))
			return &t->ext[i];
	return NULL;
}

/* Sets the value of extension `name` (in place when present, appended
 * otherwise); crit -3 keeps the present criticality (or uses dflt). */
static void ext_put(tbs *t, const char *name, int crit, const sg_wr *val)
{
	ext *x = ext_find(t, name);
	if (!x) {
		if (t->next == MAX_EXT)
			die("too many extensions");
		size_t k = ext_index(name);
		x = &t->ext[t->next++];
		fset(&x->oid, ext_names[k].oid, ext_names[k].n);
		x->crit = crit == -3 ? -1 : crit;
	} else if (crit != -3) {
		x->crit = crit;
	}
	fset_wr(&x->val, val);
	t->has_exts = true;
}

static bool ext_del(tbs *t, const char *name)
{
	ext *x = ext_find(t, name);
	if (!x)
		return false;
	size_t i = (size_t)(x - t->ext);
	memmove(&t->ext[i], &t->ext[i + 1], (t->next - i - 1) * sizeof *x);
	t->next--;
	return true;
}

/* ---- a mutant being built ---- */

typedef struct mctx {
	const seed *s;
	size_t idx;                     /* the certificate being mutated */
	uint8_t *der[MAXC];
	size_t len[MAXC];
	char host[256];
	rng r;
	int64_t at;
	char field[64];                 /* raw mutations: the field hit */
} mctx;

struct mut;
typedef int (*tbs_fn)(mctx *m, tbs *t, const struct mut *u);
typedef int (*raw_fn)(mctx *m, const struct mut *u);

/* A mutation: applies to the roles in `roles`; fn changes the decoded
 * TBS (then the certificate is re-signed), raw changes the DER itself.
 * Both return 0 when applied, 1 when the mutation does not apply. */
typedef struct mut {
	const char *name;
	unsigned roles;
	tbs_fn fn;
	raw_fn raw;
	int a, b;
	const char *s;
	const char *host;               /* the reference identity to use */
} mut;

/* Roles, and LAST: after this mutation the certificate takes no other
 * (stacking on a certificate without extensions only rediscovers that
 * the later ones put back too few). */
enum { L = 1, C = 2, R = 4, H = 8, LCR = L | C | R, CR = C | R, LAST = 16 };

static const char *role_name(const seed *s, size_t idx)
{
	return idx == 0 ? "leaf" : idx + 1 == s->n ? "root" : "ca";
}

static unsigned role_bit(const seed *s, size_t idx)
{
	return idx == 0 ? L : idx + 1 == s->n ? R : C;
}

/* One GeneralName from text: DNS:x, email:x, URI:x, IP:a.b.c.d[/bits or
 * /mask],
 * DIR:cn (a directoryName O=Sigil Diff, CN=cn), DIRO:org (O=org only),
 * LEAFDN (the leaf's subject). */
static void put_gn(sg_wr *w, const mctx *m, const char *spec, size_t n)
{
	char s[256];
	snprintf(s, sizeof s, "%.*s", (int)n, spec);
	const char *v = strchr(s, ':') ? strchr(s, ':') + 1 : "";
	if (strncmp(s, "DNS:", 4) == 0) {
		(void)sg_der_put(w, SG_DER_CTX(2), v, strlen(v));
	} else if (strncmp(s, "email:", 6) == 0) {
		(void)sg_der_put(w, SG_DER_CTX(1), v, strlen(v));
	} else if (strncmp(s, "URI:", 4) == 0) {
		(void)sg_der_put(w, SG_DER_CTX(6), v, strlen(v));
	} else if (strncmp(s, "IP:", 3) == 0) {
		uint8_t ip[32];
		char a[64];
		snprintf(a, sizeof a, "%s", v);
		char *slash = strchr(a, '/');
		if (slash)
			*slash = 0;
		size_t k = sg_x509_parse_ip(a, ip);
		if (!k)
			die("bad IP in %s", s);
		if (slash && strpbrk(slash + 1, ".:")) {       /* a mask, any bits */
			if (sg_x509_parse_ip(slash + 1, ip + k) != k)
				die("bad mask in %s", s);
			k *= 2;
		} else if (slash) {
			unsigned bits = (unsigned)atoi(slash + 1);
			for (size_t i = 0; i < k; i++)
				ip[k + i] = (uint8_t)(bits >= 8 * (i + 1) ? 0xff :
					    bits <= 8 * i ? 0 : 0xff << (8 - (bits - 8 * i)));
			k *= 2;
		}
		(void)sg_der_put(w, SG_DER_CTX(7), ip, k);
	} else if (strncmp(s, "DIR:", 4) == 0 || strncmp(s, "DIRO:", 5) == 0) {
		sg_der_mark d = sg_der_open(w, SG_DER_CTX_CONS(4));
		if (s[3] == 'O')
			put_name(w, v, NULL, SG_DER_UTF8_STRING);
		else
			put_name(w, "Sigil Diff", v, SG_DER_UTF8_STRING);
		(void)sg_der_close(w, d);
	} else if (strcmp(s, "LEAFDN") == 0) {
		tbs *lt = xmalloc(sizeof *lt);
		if (!tbs_decode(lt, m->der[0], m->len[0]))
			die("leaf does not decode");
		(void)sg_der_put(w, SG_DER_CTX_CONS(4), lt->subject.b, lt->subject.n);
		free(lt);
	} else {
		die("bad GeneralName %s", s);
	}
}

/* GeneralNames content from "A,B,C" (each as put_gn). */
static void put_gns(sg_wr *w, const mctx *m, const char *spec)
{
	while (*spec) {
		size_t n = strcspn(spec, ",");
		put_gn(w, m, spec, n);
		spec += n + (spec[n] == ',');
	}
}

/* ---- structural mutations (on the decoded TBS) ---- */

/* Drop extension u->s. */
static int m_drop(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	return ext_del(t, u->s) ? 0 : 1;
}

/* Criticality of extension u->s becomes u->a (as ext.crit). */
static int m_crit(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	ext *x = ext_find(t, u->s);
	if (!x || x->crit == u->a)
		return 1;
	x->crit = u->a;
	return 0;
}

/* A second copy of extension u->s. */
static int m_dup(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	ext *x = ext_find(t, u->s);
	if (!x || t->next == MAX_EXT)
		return 1;
	t->ext[t->next++] = *x;
	return 0;
}

/* basicConstraints: a = cA (-1 absent, 0 explicit FALSE, 1 TRUE), b =
 * pathLenConstraint (-1 none); critical unless u->s says "nc". */
static int m_bc(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	sg_wr w;
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	if (u->a >= 0)
		(void)sg_der_put_bool(&w, u->a == 1);
	if (u->b >= 0)
		(void)sg_der_put_u64(&w, (uint64_t)u->b);
	(void)sg_der_close(&w, s);
	ext *x = ext_find(t, "bc");
	bool same = x && x->val.n == w.len && memcmp(x->val.b, w.buf, w.len) == 0;
	ext_put(t, "bc", x ? -3 : 1, &w);
	sg_wr_free(&w);
	return same ? 1 : 0;
}

/* keyUsage bits u->a; b = 1: no bits at all, b = 2: one whole byte with
 * the unused trailing zero bits counted as used (BER, not DER). */
static int m_ku(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	sg_wr w;
	wr_new(&w);
	if (u->b == 1)
		(void)sg_der_put(&w, SG_DER_BIT_STRING, "\0", 1);
	else if (u->b == 2)
		(void)sg_der_put(&w, SG_DER_BIT_STRING, "\0\x80", 2);
	else
		(void)sg_der_put_named_bits(&w, (uint32_t)u->a);
	ext_put(t, "ku", ext_find(t, "ku") ? -3 : 1, &w);
	sg_wr_free(&w);
	return 0;
}

/* extKeyUsage: a = 1 serverAuth | 2 clientAuth | 4 anyEKU | 8 email;
 * a = 0 an empty SEQUENCE. */
static int m_eku(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	sg_wr w;
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	if (u->a & 1)
		(void)sg_der_put_oid(&w, OIDA(sg_oid_eku_server));
	if (u->a & 2)
		(void)sg_der_put_oid(&w, OIDA(sg_oid_eku_client));
	if (u->a & 4)
		(void)sg_der_put_oid(&w, OIDA(sg_oid_eku_any));
	if (u->a & 8)
		(void)sg_der_put_oid(&w, OIDA(oid_eku_email));
	(void)sg_der_close(&w, s);
	ext_put(t, "eku", -3, &w);
	sg_wr_free(&w);
	return 0;
}

/* subjectAltName from the spec u->s (put_gns); a = 1: critical. */
static int m_san(mctx *m, tbs *t, const mut *u)
{
	sg_wr w;
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	put_gns(&w, m, u->s);
	(void)sg_der_close(&w, s);
	ext_put(t, "san", u->a ? 1 : -1, &w);
	sg_wr_free(&w);
	return 0;
}

/* nameConstraints from "P:GN;E:GN;..." (permitted, excluded; a bare
 * "P" is an empty permittedSubtrees), or "EMPTY" for an empty
 * NameConstraints; a = -1: non-critical. */
static int m_nc(mctx *m, tbs *t, const mut *u)
{
	sg_wr w;
	if (strstr(u->s, "LEAFDN")) {
		/* a leaf already mutated past decoding has no DN to give */
		tbs *lt = xmalloc(sizeof *lt);
		bool ok = tbs_decode(lt, m->der[0], m->len[0]);
		free(lt);
		if (!ok)
			return 1;
	}
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	for (int pass = 0; pass < 2 && strcmp(u->s, "EMPTY") != 0; pass++) {
		char want = pass ? 'E' : 'P';
		bool any = false;
		for (const char *p = u->s; *p; p += strcspn(p, ";"), p += *p == ';')
			any |= p[0] == want;
		if (!any)
			continue;
		sg_der_mark st = sg_der_open(&w, SG_DER_CTX_CONS(pass));
		for (const char *p = u->s; *p;) {
			size_t n = strcspn(p, ";");
			if (p[0] == want && n > 2) {
				sg_der_mark one = sg_der_open(&w, SG_DER_SEQUENCE);
				put_gn(&w, m, p + 2, n - 2);
				(void)sg_der_close(&w, one);
			}
			p += n + (p[n] == ';');
		}
		(void)sg_der_close(&w, st);
	}
	(void)sg_der_close(&w, s);
	ext_put(t, "nc", u->a ? u->a : 1, &w);
	sg_wr_free(&w);
	return 0;
}

/* Adds extension u->s with a plausible value, criticality u->a. */
static int m_add(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	sg_wr w;
	/* Most values are a SEQUENCE; these three are not. */
	bool seq = strcmp(u->s, "sct") != 0 && strcmp(u->s, "unk") != 0 &&
		   strcmp(u->s, "iap") != 0;
	sg_der_mark s = {0};
	wr_new(&w);
	if (seq)
		s = sg_der_open(&w, SG_DER_SEQUENCE);
	if (strcmp(u->s, "aia") == 0) {         /* OCSP responder URI */
		sg_der_mark a = sg_der_open(&w, SG_DER_SEQUENCE);
		if (u->b)       /* accessMethod not an OID: malformed */
			(void)sg_der_put(&w, SG_DER_INTEGER, "\x01", 1);
		else
			(void)sg_der_put_oid(&w, OIDA(oid_ocsp));
		(void)sg_der_put(&w, SG_DER_CTX(6), "http://ocsp.example/", 20);
		(void)sg_der_close(&w, a);
	} else if (strcmp(u->s, "crldp") == 0 && u->b) {    /* not a DistributionPoint */
		(void)sg_der_put(&w, SG_DER_BIT_STRING, "\x01\x06", 2);
	} else if (strcmp(u->s, "crldp") == 0) { /* fullName URI */
		sg_der_mark a = sg_der_open(&w, SG_DER_SEQUENCE);
		sg_der_mark b = sg_der_open(&w, SG_DER_CTX_CONS(0));
		sg_der_mark c = sg_der_open(&w, SG_DER_CTX_CONS(0));
		(void)sg_der_put(&w, SG_DER_CTX(6), "http://crl.example/", 19);
		(void)sg_der_close(&w, c);
		(void)sg_der_close(&w, b);
		(void)sg_der_close(&w, a);
	} else if (strcmp(u->s, "cp") == 0) {   /* one policy, a = 1 anyPolicy */
		sg_der_mark a = sg_der_open(&w, SG_DER_SEQUENCE);
		if (u->b)
			(void)sg_der_put_oid(&w, OIDA(oid_any_policy));
		else
			(void)sg_der_put_oid(&w, OIDA(oid_dv_policy));
		(void)sg_der_close(&w, a);
	} else if (strcmp(u->s, "pc") == 0) {   /* [0] requireExplicit / [1] inhibitMapping */
		(void)sg_der_put(&w, SG_DER_CTX(u->b ? 1 : 0), "\0", 1);
	} else if (strcmp(u->s, "pm") == 0) {   /* dv -> dv */
		sg_der_mark a = sg_der_open(&w, SG_DER_SEQUENCE);
		(void)sg_der_put_oid(&w, OIDA(oid_dv_policy));
		(void)sg_der_put_oid(&w, OIDA(oid_dv_policy));
		(void)sg_der_close(&w, a);
	} else if (strcmp(u->s, "ian") == 0) {
		(void)sg_der_put(&w, SG_DER_CTX(2), "ca.example", 10);
	} else if (strcmp(u->s, "sct") == 0 || strcmp(u->s, "unk") == 0) {
		/* the value of these is not read; any well-formed bytes */
		(void)sg_der_put(&w, SG_DER_OCTET_STRING, "\0\0", 2);
	} else if (strcmp(u->s, "iap") == 0) {
		(void)sg_der_put_u64(&w, 0);
	}
	if (seq)
		(void)sg_der_close(&w, s);
	if (ext_find(t, u->s)) {
		sg_wr_free(&w);
		return 1;
	}
	ext_put(t, u->s, u->a, &w);
	sg_wr_free(&w);
	return 0;
}

/* A random keyIdentifier in the AKI (a = 0) or the SKI (a = 1). */
static int m_keyid(mctx *m, tbs *t, const mut *u)
{
	uint8_t id[20];
	sg_wr w;
	for (size_t i = 0; i < sizeof id; i++)
		id[i] = (uint8_t)rnd(&m->r);
	if (!ext_find(t, u->a ? "ski" : "aki"))
		return 1;
	wr_new(&w);
	if (u->a) {
		(void)sg_der_put(&w, SG_DER_OCTET_STRING, id, sizeof id);
	} else {
		sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
		(void)sg_der_put(&w, SG_DER_CTX(0), id, sizeof id);
		(void)sg_der_close(&w, s);
	}
	ext_put(t, u->a ? "ski" : "aki", -3, &w);
	sg_wr_free(&w);
	return 0;
}

/* The authorityKeyIdentifier of RFC 5280 4.2.1.1 in other forms, with
 * the fields of the issuer's certificate (the certificate itself for
 * the root): a = 0 authorityCertIssuer and authorityCertSerialNumber
 * without keyIdentifier, 1 all three, 2 all three with the serial
 * number of another certificate, 3 an empty SEQUENCE. */
static int m_aki(mctx *m, tbs *t, const mut *u)
{
	size_t iss = m->idx + 1 < m->s->n ? m->idx + 1 : m->idx;
	tbs *it = xmalloc(sizeof *it);
	sg_rd ski = {0}, serial;
	bool ok = tbs_decode(it, m->der[iss], m->len[iss]);
	ext *x = ok ? ext_find(it, "ski") : NULL;
	sg_rd xv = x ? frd(&x->val) : (sg_rd){0};
	sg_rd sr = ok ? frd(&it->serial) : (sg_rd){0};
	if (!x || !sg_der_get(&xv, SG_DER_OCTET_STRING, &ski) ||
	    !sg_der_get(&sr, SG_DER_INTEGER, &serial) || !ext_find(t, "aki")) {
		free(it);
		return 1;
	}
	sg_wr w;
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	if (u->a == 1 || u->a == 2)
		(void)sg_der_put(&w, SG_DER_CTX(0), ski.p, ski.n);
	if (u->a <= 2) {
		sg_der_mark g = sg_der_open(&w, SG_DER_CTX_CONS(1));
		sg_der_mark d = sg_der_open(&w, SG_DER_CTX_CONS(4));
		(void)sg_wr_bytes(&w, it->issuer.b, it->issuer.n);
		(void)sg_der_close(&w, d);
		(void)sg_der_close(&w, g);
		uint8_t sn[32];
		size_t n = serial.n < sizeof sn ? serial.n : sizeof sn;
		memcpy(sn, serial.p, n);
		if (u->a == 2)
			sn[n - 1] ^= 0x01;
		(void)sg_der_put(&w, SG_DER_CTX(2), sn, n);
	}
	(void)sg_der_close(&w, s);
	ext_put(t, "aki", -3, &w);
	sg_wr_free(&w);
	free(it);
	return 0;
}

/* The subject's CNs and, after '#', a new subjectAltName: u->s is
 * "CN1|CN2|...#SPEC" (put_gns); the O is kept. */
static int m_cn(mctx *m, tbs *t, const mut *u)
{
	char org[128], cn[128], spec[512];
	name_parts(&t->subject, org, cn, sizeof org);
	snprintf(spec, sizeof spec, "%s", u->s);
	char *san = strchr(spec, '#');
	if (san)
		*san++ = 0;
	sg_wr w;
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	if (org[0])
		put_atv(&w, oid_org, sizeof oid_org, SG_DER_UTF8_STRING, org, strlen(org));
	for (char *p = spec; *p;) {
		size_t n = strcspn(p, "|");
		put_atv(&w, OIDA(sg_oid_cn), SG_DER_UTF8_STRING, p, n);
		p += n + (p[n] == '|');
	}
	(void)sg_der_close(&w, s);
	fset_wr(&t->subject, &w);
	sg_wr_free(&w);
	if (san) {
		wr_new(&w);
		s = sg_der_open(&w, SG_DER_SEQUENCE);
		put_gns(&w, m, san);
		(void)sg_der_close(&w, s);
		ext_put(t, "san", -1, &w);
		sg_wr_free(&w);
	}
	return 0;
}

/* Name-constraint work (RFC 5280 4.2.1.10): this CA gets u->b permitted
 * dNSName subtrees (c1.example, ..., then shop.example last) and the
 * leaf, re-signed by the first CA, u->a names below shop.example
 * (shop.example, n1.shop.example, ...), each of which matches only the
 * last subtree: names x subtrees comparisons. */
static int m_ncbomb(mctx *m, tbs *t, const mut *u)
{
	tbs *lt = xmalloc(sizeof *lt);
	if (!tbs_decode(lt, m->der[0], m->len[0])) {
		free(lt);
		return 1;
	}
	char nm[64];
	sg_wr w;
	wr_new(&w);
	sg_der_mark e = sg_der_open(&w, SG_DER_SEQUENCE);
	(void)sg_der_put_oid(&w, OIDA(sg_oid_san));
	sg_der_mark o = sg_der_open(&w, SG_DER_OCTET_STRING);
	sg_der_mark q = sg_der_open(&w, SG_DER_SEQUENCE);
	for (int i = 0; i < u->a; i++) {
		int k = i ? snprintf(nm, sizeof nm, "n%d.shop.example", i) :
			    snprintf(nm, sizeof nm, "shop.example");
		(void)sg_der_put(&w, SG_DER_CTX(2), nm, (size_t)k);
	}
	(void)sg_der_close(&w, q);
	(void)sg_der_close(&w, o);
	(void)sg_der_close(&w, e);
	if (!sg_wr_ok(&w))
		die("DER writer failed");
	(void)ext_del(lt, "san");
	lt->xext = xmalloc(w.len);
	memcpy(lt->xext, w.buf, w.len);
	lt->xext_n = w.len;
	lt->has_exts = true;
	sg_wr_free(&w);
	size_t n;
	uint8_t *d = tbs_sign(lt, m->s->key[1], &n);
	free(lt->xext);
	free(lt);
	if (!d)
		return 1;
	free(m->der[0]);
	m->der[0] = d;
	m->len[0] = n;

	wr_new(&w);
	e = sg_der_open(&w, SG_DER_SEQUENCE);
	(void)sg_der_put_oid(&w, OIDA(sg_oid_nc));
	(void)sg_der_put_bool(&w, true);
	o = sg_der_open(&w, SG_DER_OCTET_STRING);
	q = sg_der_open(&w, SG_DER_SEQUENCE);
	sg_der_mark p = sg_der_open(&w, SG_DER_CTX_CONS(0));
	for (int i = 1; i <= u->b; i++) {
		int k = i < u->b ? snprintf(nm, sizeof nm, "c%d.example", i) :
				   snprintf(nm, sizeof nm, "shop.example");
		sg_der_mark one = sg_der_open(&w, SG_DER_SEQUENCE);
		(void)sg_der_put(&w, SG_DER_CTX(2), nm, (size_t)k);
		(void)sg_der_close(&w, one);
	}
	(void)sg_der_close(&w, p);
	(void)sg_der_close(&w, q);
	(void)sg_der_close(&w, o);
	(void)sg_der_close(&w, e);
	if (!sg_wr_ok(&w))
		die("DER writer failed");
	(void)ext_del(t, "nc");
	free(t->xext);
	t->xext = xmalloc(w.len);
	memcpy(t->xext, w.buf, w.len);
	t->xext_n = w.len;
	t->has_exts = true;
	sg_wr_free(&w);
	return 0;
}

/* Subject (a = 0) or issuer (a = 1) name, mode b:
 * 0 empty, 1 CN = s, 2 CN in capitals, 3 CN with extra spaces around and
 * inside, 4 CN as PrintableString, 5 CN as BMPString, 6 an emailAddress
 * RDN s added, 7 O = s alone, 8 CN as IA5String, 9 empty with a
 * critical SAN, 10 empty without SAN, 11 CN = s without SAN, 12-14 a
 * CN string that breaks its type's rules, 15 a constructed (BER) CN, 16 an
 * O with a context tag, 17 a CN that is an OCTET STRING, 18 a CN whose
 * bytes are no UCS-4 characters, 19 CN as a NumericString. The O is
 * kept. */
static int m_name(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	fld *f = u->a ? &t->issuer : &t->subject;
	char org[128], cn[128], x[300];
	name_parts(f, org, cn, sizeof org);
	const char *o = org[0] ? org : NULL;
	sg_wr w;
	switch (u->b) {
	case 0:
		if (f->n == 2)
			return 1;
		fset(f, "\x30\x00", 2);
		return 0;
	case 1:
		set_name(f, o, u->s, SG_DER_UTF8_STRING);
		return 0;
	case 2:
		for (char *p = cn; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		set_name(f, o, cn, SG_DER_UTF8_STRING);
		return 0;
	case 3: {        /* "Diff Root EC" -> "  Diff  Root  EC  " */
		size_t n = 0;
		x[n++] = ' ';
		x[n++] = ' ';
		for (const char *p = cn; *p; p++) {
			x[n++] = *p;
			if (*p == ' ')
				x[n++] = ' ';
		}
		x[n++] = ' ';
		x[n++] = ' ';
		x[n] = 0;
		set_name(f, o, x, SG_DER_UTF8_STRING);
		return 0;
	}
	case 4:
	case 5:
	case 8:
	case 19:
		if (!cn[0])
			return 1;
		set_name(f, o, cn, u->b == 4 ? SG_DER_PRINTABLE_STRING :
			 u->b == 5 ? SG_DER_BMP_STRING : u->b == 8 ? SG_DER_IA5_STRING : 0x12);
		return 0;
	case 6:
		wr_new(&w);
		sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
		if (o)
			put_atv(&w, oid_org, sizeof oid_org, SG_DER_UTF8_STRING, o, strlen(o));
		if (cn[0])
			put_atv(&w, OIDA(sg_oid_cn), SG_DER_UTF8_STRING, cn, strlen(cn));
		put_atv(&w, OIDA(sg_oid_email), SG_DER_IA5_STRING, u->s, strlen(u->s));
		(void)sg_der_close(&w, s);
		fset_wr(f, &w);
		sg_wr_free(&w);
		return 0;
	case 7:
		set_name(f, u->s, NULL, SG_DER_UTF8_STRING);
		return 0;
	case 9:         /* empty subject, critical SAN (RFC 5280 4.2.1.6) */
	case 10:        /* empty subject, no SAN at all */
		if (!ext_find(t, "san"))
			return 1;
		fset(f, "\x30\x00", 2);
		if (u->b == 9)
			ext_find(t, "san")->crit = 1;
		else
			(void)ext_del(t, "san");
		return 0;
	case 11:        /* CN = s and no SAN */
		set_name(f, o, u->s, SG_DER_UTF8_STRING);
		return ext_del(t, "san") ? 0 : 1;
	case 12:        /* CN: a UTF8String that is not UTF-8 */
	case 13:        /* CN: a PrintableString with '@' (not in its alphabet) */
	case 14:        /* CN: a BMPString of an odd length */
		if (!cn[0])
			return 1;
		snprintf(x, sizeof x, "%s%s", cn, u->b == 12 ? "\xc4" : u->b == 13 ? "@" : "");
		wr_new(&w);
		sg_der_mark q = sg_der_open(&w, SG_DER_SEQUENCE);
		if (o)
			put_atv(&w, oid_org, sizeof oid_org, SG_DER_UTF8_STRING, o, strlen(o));
		if (u->b == 14) {
			uint8_t b[300];
			size_t n = 0;
			for (const char *p = cn; *p && n + 3 <= sizeof b; p++) {
				b[n++] = 0;
				b[n++] = (uint8_t)*p;
			}
			b[n++] = 0;
			put_atv(&w, OIDA(sg_oid_cn), SG_DER_BMP_STRING, b, n);
		} else {
			put_atv(&w, OIDA(sg_oid_cn), u->b == 12 ? SG_DER_UTF8_STRING :
				SG_DER_PRINTABLE_STRING, x, strlen(x));
		}
		(void)sg_der_close(&w, q);
		fset_wr(f, &w);
		sg_wr_free(&w);
		return 0;
	case 17:        /* CN as an OCTET STRING */
	case 18:        /* CN's bytes as a UniversalString: not characters */
		if (!cn[0])
			return 1;
		snprintf(x, sizeof x, "%s", cn);
		while (u->b == 18 && strlen(x) % 4)
			strcat(x, ".");
		wr_new(&w);
		sg_der_mark q2 = sg_der_open(&w, SG_DER_SEQUENCE);
		if (o)
			put_atv(&w, oid_org, sizeof oid_org, SG_DER_UTF8_STRING, o, strlen(o));
		put_atv(&w, OIDA(sg_oid_cn), u->b == 17 ? SG_DER_OCTET_STRING :
			SG_DER_UNIVERSAL_STRING, x, strlen(x));
		(void)sg_der_close(&w, q2);
		fset_wr(f, &w);
		sg_wr_free(&w);
		return 0;
	case 15:        /* CN as a constructed UTF8String (BER, one segment) */
	case 16:        /* O with a context-specific tag [12] */
		if (!cn[0] || (u->b == 16 && !o))
			return 1;
		wr_new(&w);
		sg_der_mark r = sg_der_open(&w, SG_DER_SEQUENCE);
		if (u->b == 16) {
			put_atv(&w, oid_org, sizeof oid_org, SG_DER_CTX(12), o, strlen(o));
		} else if (o) {
			put_atv(&w, oid_org, sizeof oid_org, SG_DER_UTF8_STRING, o, strlen(o));
		}
		if (u->b == 16) {
			put_atv(&w, OIDA(sg_oid_cn), SG_DER_UTF8_STRING, cn, strlen(cn));
		} else {
			sg_der_mark set = sg_der_open(&w, SG_DER_SET);
			sg_der_mark seq = sg_der_open(&w, SG_DER_SEQUENCE);
			(void)sg_der_put_oid(&w, OIDA(sg_oid_cn));
			sg_der_mark c = sg_der_open(&w, 0x20 | SG_DER_UTF8_STRING);
			(void)sg_der_put(&w, SG_DER_UTF8_STRING, cn, strlen(cn));
			(void)sg_der_close(&w, c);
			(void)sg_der_close(&w, seq);
			(void)sg_der_close(&w, set);
		}
		(void)sg_der_close(&w, r);
		fset_wr(f, &w);
		sg_wr_free(&w);
		return 0;
	}
	return 1;
}

/* notBefore (a = 0) or notAfter (a = 1): the literal u->s ("U:..." a
 * UTCTime, "G:..." a GeneralizedTime), or the verification time + b. */
static int m_time(mctx *m, tbs *t, const mut *u)
{
	fld *f = u->a ? &t->na : &t->nb;
	if (u->s)
		set_time(f, u->s[0] == 'U' ? SG_DER_UTC_TIME : SG_DER_GENERALIZED_TIME, u->s + 2);
	else
		set_time_t(f, m->at + u->b);
	return 0;
}

/* version: 0 v1 (no extensions), 1 v1 with extensions, 2 v2 with
 * extensions, 3 v2 without, 4 the value 3 (no such version), 5 v1
 * written out explicitly (a DEFAULT encoded: BER). */
static int m_version(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	static const uint8_t v[][5] = {
		{0}, {0}, {0xa0, 0x03, 0x02, 0x01, 0x01}, {0xa0, 0x03, 0x02, 0x01, 0x01},
		{0xa0, 0x03, 0x02, 0x01, 0x03}, {0xa0, 0x03, 0x02, 0x01, 0x00},
	};
	if (u->a == 0 || u->a == 1)
		t->version.n = 0;
	else
		fset(&t->version, v[u->a], 5);
	if (u->a == 0 || u->a == 3 || u->a == 5) {
		t->has_exts = false;
		t->next = 0;
	}
	return 0;
}

/* serialNumber INTEGER with the content bytes of hex u->s. */
static int m_serial(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	uint8_t c[64], b[66];
	size_t n = sg_test_unhex(u->s, c, sizeof c);
	if (n == (size_t)-1 || n == 0)
		die("bad serial %s", u->s);
	b[0] = SG_DER_INTEGER;
	b[1] = (uint8_t)n;
	memcpy(b + 2, c, n);
	fset(&t->serial, b, n + 2);
	return 0;
}

/* issuerUniqueID (a = 0) or subjectUniqueID (a = 1); b = 1: an
 * unused-bits count of 8, b = 2: one unused bit, set (BER, not DER). */
static int m_uid(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	uint8_t b[] = {(uint8_t)SG_DER_CTX(1 + u->a), 0x03, (uint8_t)(u->b == 1 ? 8 : u->b),
		       0x5a, 0xa5};
	fset(u->a ? &t->suid : &t->iuid, b, sizeof b);
	return 0;
}

/* The public key becomes spki/<u->s>.der. */
static int m_spki(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	for (size_t i = 0; i < nspkis; i++)
		if (strcmp(spkis[i].name, u->s) == 0) {
			fset(&t->spki, spkis[i].der, spkis[i].len);
			return 0;
		}
	return 1;
}

/* How the certificate is signed: 0 SHA-384, 1 SHA-512, 2 RSA-PSS
 * SHA-256, 3 RSA-PSS SHA-384, 4 an inner signature field that differs
 * from the outer one, 5 RSA without NULL parameters, 6 ECDSA with NULL
 * parameters. (tbs_sign refuses what the issuer key cannot do.) */
static int m_sig(mctx *m, tbs *t, const mut *u)
{
	sg_key_type kt = sg_pkey_type(m->s->key[m->idx + 1 < m->s->n ? m->idx + 1 : m->idx]);
	switch (u->a) {
	case 0: t->hash = &sg_sha384; break;
	case 1: t->hash = &sg_sha512; break;
	case 2: t->pss = true; break;
	case 3: t->pss = true; t->hash = &sg_sha384; break;
	case 4: {
		tbs other = {.hash = kt == SG_KEY_EC_P384 ? &sg_sha256 : &sg_sha384};
		sg_wr w;
		sg_sig_kind kind;
		const sg_hash_class *h;
		if (kt == SG_KEY_ED25519)
			return 1;
		wr_new(&w);
		if (!sig_algid(m->s->key[m->idx + 1 < m->s->n ? m->idx + 1 : m->idx], &other,
			       &w, &kind, &h))
			die("sig_algid");
		fset_wr(&t->sigalg, &w);
		sg_wr_free(&w);
		t->inner_set = true;
		break;
	}
	case 5: t->alg_params = 1; break;
	case 6: t->alg_params = 2; break;
	}
	return 0;
}

/* An extensions field holding no extension (SIZE (1..MAX) broken). */
static int m_exts_empty(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	(void)u;
	t->has_exts = true;
	t->next = 0;
	return 0;
}

/* BER where DER has one form: the length in the long form with a leading
 * zero octet (X.690 10.1). */
static bool ber_long(fld *f)
{
	uint8_t tmp[FCAP];
	if (f->n < 2 || f->n + 2 > FCAP)
		return false;
	size_t k = f->b[1] < 0x80 ? 0 : f->b[1] & 0x7fu;
	size_t hdr = 2 + k;
	tmp[0] = f->b[0];
	tmp[1] = (uint8_t)(0x80 | (k ? k + 1 : 1));
	if (k) {
		tmp[2] = 0;
		memcpy(tmp + 3, f->b + 2, k);
	} else {
		tmp[2] = f->b[1];
	}
	size_t nh = k ? 3 + k : 3;
	memcpy(tmp + nh, f->b + hdr, f->n - hdr);
	fset(f, tmp, nh + f->n - hdr);
	return true;
}

/* The indefinite length form (X.690 8.1.3.6), constructed values only. */
static bool ber_indef(fld *f)
{
	uint8_t tmp[FCAP];
	if (f->n < 2 || !(f->b[0] & 0x20) || f->n + 2 > FCAP)
		return false;
	size_t k = f->b[1] < 0x80 ? 0 : f->b[1] & 0x7fu;
	size_t hdr = 2 + k;
	tmp[0] = f->b[0];
	tmp[1] = 0x80;
	memcpy(tmp + 2, f->b + hdr, f->n - hdr);
	tmp[2 + f->n - hdr] = 0;
	tmp[3 + f->n - hdr] = 0;
	fset(f, tmp, 4 + f->n - hdr);
	return true;
}

/* 0 long length on the subject, 1 indefinite subject, 2 critical TRUE
 * as 0x01 (first critical extension), 3 long length on the public key,
 * 4 cA TRUE as 0x01 inside basicConstraints. */
static int m_ber(mctx *m, tbs *t, const mut *u)
{
	(void)m;
	switch (u->a) {
	case 0: return ber_long(&t->subject) ? 0 : 1;
	case 1: return ber_indef(&t->subject) ? 0 : 1;
	case 2:
		for (size_t i = 0; i < t->next; i++)
			if (t->ext[i].crit == 1) {
				t->ext[i].crit = 2;
				return 0;
			}
		return 1;
	case 3: return ber_long(&t->spki) ? 0 : 1;
	case 4: {
		ext *x = ext_find(t, "bc");
		if (!x || x->val.n < 5 || x->val.b[2] != SG_DER_BOOLEAN || x->val.b[4] != 0xff)
			return 1;
		x->val.b[4] = 0x01;
		return 0;
	}
	}
	return 1;
}

/* ---- raw mutations (on the DER) ---- */

static bool within(sg_rd whole, const uint8_t *base, size_t off)
{
	return off >= (size_t)(whole.p - base) && off < (size_t)(whole.p - base) + whole.n;
}

/* The part of a certificate that byte `off` belongs to: "tbs-header",
 * "serial", "issuer", ..., "ext-bc", "ext-other", "sigalg-outer",
 * "signature". */
static void classify_field(const uint8_t *der, size_t len, size_t off, char *out, size_t cap)
{
	static const char *names[] = {"version", "serial", "sigalg", "issuer", "validity",
				      "subject", "spki", "uid", "uid", "exts"};
	sg_rd in, cert, tb, w;
	uint8_t tag;
	snprintf(out, cap, "header");
	sg_rd_init(&in, der, len);
	if (!sg_der_get(&in, SG_DER_SEQUENCE, &cert) || !sg_der_get_whole(&cert, SG_DER_SEQUENCE, &w))
		return;
	if (!within(w, der, off)) {
		if (sg_der_get_whole(&cert, SG_DER_SEQUENCE, &w) && within(w, der, off))
			snprintf(out, cap, "sigalg-outer");
		else if (off > (size_t)(w.p - der))
			snprintf(out, cap, "signature");
		return;
	}
	snprintf(out, cap, "tbs-header");
	if (!sg_der_get(&w, SG_DER_SEQUENCE, &tb))
		return;
	for (size_t i = 0; !sg_rd_done(&tb); i++) {
		if (!sg_der_get_any(&tb, &tag, NULL, &w))
			return;
		if (i == 0 && tag != SG_DER_CTX_CONS(0))
			i = 1;
		if (i == 7 && tag != SG_DER_CTX(1))
			i = tag == SG_DER_CTX(2) ? 8 : 9;
		if (i == 8 && tag != SG_DER_CTX(2))
			i = 9;
		if (!within(w, der, off))
			continue;
		snprintf(out, cap, "%s", names[i < 9 ? i : 9]);
		if (i < 9)
			return;
		sg_rd e, seq, one, oid;
		if (!sg_der_get(&w, tag, &e) || !sg_der_get(&e, SG_DER_SEQUENCE, &seq))
			return;
		while (sg_der_get_whole(&seq, SG_DER_SEQUENCE, &one)) {
			if (!within(one, der, off))
				continue;
			sg_rd body = one;
			if (sg_der_get(&body, SG_DER_SEQUENCE, &body) && sg_der_get_oid(&body, &oid))
				snprintf(out, cap, "ext-%s", ext_name_of(oid));
			return;
		}
		return;
	}
}

static const char *tag_name(uint8_t tag)
{
	static char buf[8];
	switch (tag) {
	case SG_DER_BOOLEAN: return "bool";
	case SG_DER_INTEGER: return "int";
	case SG_DER_BIT_STRING: return "bits";
	case SG_DER_OCTET_STRING: return "octets";
	case SG_DER_NULL: return "null";
	case SG_DER_OID: return "oid";
	case SG_DER_UTF8_STRING: return "utf8";
	case SG_DER_PRINTABLE_STRING: return "printable";
	case SG_DER_IA5_STRING: return "ia5";
	case SG_DER_UTC_TIME: return "utctime";
	case SG_DER_GENERALIZED_TIME: return "gentime";
	case SG_DER_SEQUENCE: return "seq";
	case SG_DER_SET: return "set";
	}
	snprintf(buf, sizeof buf, "%s%u", tag & 0x80 ? "ctx" : "tag", tag & 0x1fu);
	return buf;
}

/* The innermost TLV of r that holds byte `off`, descending into
 * constructed values and into OCTET STRINGs that hold DER (extension
 * values): "/TYPE" for a content byte, "/TYPE-hdr" for a tag or length
 * byte. */
static void innermost(sg_rd r, const uint8_t *base, size_t off, char *out, size_t cap)
{
	for (;;) {
		sg_rd whole, c;
		uint8_t tag;
		if (!sg_der_get_any(&r, &tag, &c, &whole))
			return;
		if (!within(whole, base, off))
			continue;
		if (off < (size_t)(c.p - base)) {
			snprintf(out, cap, "/%s-hdr", tag_name(tag));
			return;
		}
		snprintf(out, cap, "/%s", tag_name(tag));
		if (tag == SG_DER_OCTET_STRING) {
			sg_rd t = c, x;
			while (sg_der_get_any(&t, NULL, NULL, &x))
				;
			if (!sg_rd_done(&t) || c.n == 0)
				return;
		} else if (!(tag & 0x20)) {
			return;
		}
		r = c;
	}
}

/* "FIELD/TYPE" of byte off, as classify_field and innermost say. */
static void classify(const uint8_t *der, size_t len, size_t off, char *out, size_t cap)
{
	char f[32], t[24] = "";
	sg_rd r;
	classify_field(der, len, off, f, sizeof f);
	sg_rd_init(&r, der, len);
	innermost(r, der, off, t, sizeof t);
	snprintf(out, cap, "%s%s", f, t);
}

/* Flips one random bit anywhere; no new signature. */
static int r_flip(mctx *m, const mut *u)
{
	(void)u;
	size_t i = m->idx, off = rndn(&m->r, m->len[i]);
	classify(m->der[i], m->len[i], off, m->field, sizeof m->field);
	m->der[i][off] ^= (uint8_t)(1u << rndn(&m->r, 8));
	return 0;
}

/* Flips one random bit of the TBSCertificate and signs it again, with
 * the algorithm the certificate names. */
static int r_flip_resign(mctx *m, const mut *u)
{
	(void)u;
	size_t i = m->idx;
	const sg_pkey *k = m->s->key[i + 1 < m->s->n ? i + 1 : i];
	sg_rd in, cert, tb, alg;
	sg_x509_sigalg a;
	sg_rd_init(&in, m->der[i], m->len[i]);
	if (!sg_der_get(&in, SG_DER_SEQUENCE, &cert) || !sg_der_get_whole(&cert, SG_DER_SEQUENCE, &tb) ||
	    !sg_der_get_whole(&cert, SG_DER_SEQUENCE, &alg) || !sg_x509_parse_sigalg(alg, &a) || !a.known)
		return 1;
	size_t off = (size_t)(tb.p - m->der[i]) + rndn(&m->r, tb.n);
	classify(m->der[i], m->len[i], off, m->field, sizeof m->field);
	m->der[i][off] ^= (uint8_t)(1u << rndn(&m->r, 8));
	uint8_t sig[SG_MAX_SIG];
	size_t siglen = sizeof sig;
	if (sg_sign(k, a.kind, a.hash, tb.p, tb.n, sig, &siglen) != 0)
		return 1;
	sg_wr w;
	wr_new(&w);
	sg_der_mark s = sg_der_open(&w, SG_DER_SEQUENCE);
	(void)sg_wr_bytes(&w, tb.p, tb.n);
	(void)sg_wr_bytes(&w, alg.p, alg.n);
	(void)sg_der_put_bit_bytes(&w, sig, siglen);
	(void)sg_der_close(&w, s);
	if (!sg_wr_ok(&w))
		die("writer");
	free(m->der[i]);
	m->der[i] = xmalloc(w.len);
	memcpy(m->der[i], w.buf, w.len);
	m->len[i] = w.len;
	sg_wr_free(&w);
	return 0;
}

/* Cuts the certificate short. */
static int r_trunc(mctx *m, const mut *u)
{
	(void)u;
	m->len[m->idx] = 1 + rndn(&m->r, m->len[m->idx] - 1);
	return 0;
}

/* Bytes after the Certificate SEQUENCE. */
static int r_trailing(mctx *m, const mut *u)
{
	(void)u;
	size_t i = m->idx;
	uint8_t *p = xmalloc(m->len[i] + 2);
	memcpy(p, m->der[i], m->len[i]);
	p[m->len[i]] = 0x05;
	p[m->len[i] + 1] = 0x00;
	free(m->der[i]);
	m->der[i] = p;
	m->len[i] += 2;
	return 0;
}

/* ---- the catalogue ---- */

#define T(n, r, f, a, b, s) {n, r, f, NULL, a, b, s, NULL}
#define TH(n, f, a, b, s, h) {n, L, f, NULL, a, b, s, h}
#define HOST(n, h) {n, H, NULL, NULL, 0, 0, NULL, h}
#define RAW(n, f) {n, LCR, NULL, f, 0, 0, NULL, NULL}
#define SER19 "0102030405060708090a0b0c0d0e0f10111213"
#define SER20 "7f" SER19

static const mut muts[] = {
	/* basicConstraints (RFC 5280 4.2.1.9) */
	T("bc-drop", LCR, m_drop, 0, 0, "bc"),
	T("bc-noncrit", LCR, m_crit, -1, 0, "bc"),
	T("bc-crit-false", LCR, m_crit, 0, 0, "bc"),
	T("bc-ca", L, m_bc, 1, -1, NULL),
	T("bc-notca", CR, m_bc, -1, -1, NULL),
	T("bc-ca-false", LCR, m_bc, 0, -1, NULL),
	T("bc-pathlen0", CR, m_bc, 1, 0, NULL),
	T("bc-pathlen1", CR, m_bc, 1, 1, NULL),
	T("bc-pathlen-none", CR, m_bc, 1, -1, NULL),
	T("bc-pathlen256", CR, m_bc, 1, 256, NULL),
	T("bc-pathlen-noca", LCR, m_bc, -1, 0, NULL),
	T("bc-dup", LCR, m_dup, 0, 0, "bc"),
	/* keyUsage (4.2.1.3): 1 digitalSignature, 2 nonRepudiation,
	 * 4 keyEncipherment, 0x10 keyAgreement, 0x20 keyCertSign, 0x40 cRLSign */
	T("ku-drop", LCR, m_drop, 0, 0, "ku"),
	T("ku-noncrit", LCR, m_crit, -1, 0, "ku"),
	T("ku-ds", LCR, m_ku, 0x01, 0, NULL),
	T("ku-ke", L, m_ku, 0x04, 0, NULL),
	T("ku-ka", L, m_ku, 0x10, 0, NULL),
	T("ku-ds-ke", L, m_ku, 0x05, 0, NULL),
	T("ku-nr", L, m_ku, 0x02, 0, NULL),
	T("ku-ds-kcs", LCR, m_ku, 0x21, 0, NULL),
	T("ku-kcs", CR, m_ku, 0x20, 0, NULL),
	T("ku-crl", CR, m_ku, 0x40, 0, NULL),
	T("ku-all", LCR, m_ku, 0x1ff, 0, NULL),
	T("ku-empty", LCR, m_ku, 0, 1, NULL),
	T("ku-ber", L, m_ku, 0, 2, NULL),
	T("ku-dup", LCR, m_dup, 0, 0, "ku"),
	/* extKeyUsage (4.2.1.12): 1 server, 2 client, 4 any, 8 email */
	T("eku-drop", L, m_drop, 0, 0, "eku"),
	T("eku-client", LCR, m_eku, 2, 0, NULL),
	T("eku-server", CR, m_eku, 1, 0, NULL),
	T("eku-any", LCR, m_eku, 4, 0, NULL),
	T("eku-server-any", LCR, m_eku, 5, 0, NULL),
	T("eku-email", LCR, m_eku, 8, 0, NULL),
	T("eku-server-client", L, m_eku, 3, 0, NULL),
	T("eku-empty", LCR, m_eku, 0, 0, NULL),
	T("eku-crit", L, m_crit, 1, 0, "eku"),
	/* subjectAltName (4.2.1.6) and the host name (RFC 9525) */
	T("san-drop", L, m_drop, 0, 0, "san"),
	T("san-other", L, m_san, 0, 0, "DNS:other.example"),
	T("san-ip", L, m_san, 0, 0, "IP:192.0.2.7"),
	T("san-email", L, m_san, 0, 0, "email:admin@shop.example"),
	T("san-uri", L, m_san, 0, 0, "URI:https://shop.example/"),
	T("san-dir", L, m_san, 0, 0, "DIR:shop.example"),
	T("san-upper", L, m_san, 0, 0, "DNS:SHOP.EXAMPLE"),
	T("san-trailing-dot", L, m_san, 0, 0, "DNS:shop.example."),
	TH("san-host-trailing-dot", m_san, 0, 0, "DNS:shop.example.", "shop.example."),
	T("san-wild-1label", L, m_san, 0, 0, "DNS:*.example"),
	T("san-wild-base", L, m_san, 0, 0, "DNS:*.shop.example"),
	TH("san-wild", m_san, 0, 0, "DNS:*.shop.example", "www.shop.example"),
	TH("san-wild-partial", m_san, 0, 0, "DNS:w*.shop.example", "www.shop.example"),
	TH("san-wild-2levels", m_san, 0, 0, "DNS:*.shop.example", "a.www.shop.example"),
	TH("san-wild-inner", m_san, 0, 0, "DNS:www.*.example", "www.shop.example"),
	T("san-idn-raw", L, m_san, 0, 0, "DNS:sh\xc3\xb6p.example"),
	T("san-bad-ia5", L, m_san, 0, 0, "DNS:shop.example,DNS:sh\xc3\xb6p.example"),
	T("san-bad-dns", L, m_san, 0, 0, "DNS:shop.example,DNS:bad_name.example"),
	T("san-crit", L, m_crit, 1, 0, "san"),
	T("san-empty", L, m_san, 0, 0, ""),
	T("san-dup", L, m_dup, 0, 0, "san"),
	T("san-ca", CR, m_san, 0, 0, "DNS:ca.example"),
	HOST("host-upper", "SHOP.EXAMPLE"),
	HOST("host-trailing-dot", "shop.example."),
	HOST("host-www", "www.shop.example"),
	HOST("host-ip", "192.0.2.7"),
	HOST("host-other", "other.example"),
	/* the subject CN of a server certificate (CA/B Forum BR 7.1.4.3) */
	T("subject-cn-case", L, m_name, 0, 2, NULL),
	T("subject-cn-two", L, m_cn, 0, 0, "shop.example|www.shop.example#DNS:shop.example,DNS:www.shop.example"),
	T("subject-cn-two-same", L, m_cn, 0, 0, "shop.example|shop.example"),
	T("subject-cn-label", L, m_cn, 0, 0, "shop"),
	T("subject-cn-text", L, m_cn, 0, 0, "Shop Server"),
	T("subject-cn-wild", L, m_cn, 0, 0, "*.shop.example#DNS:shop.example,DNS:*.shop.example"),
	T("subject-cn-ip4", L, m_cn, 0, 0, "192.0.2.7#DNS:shop.example,IP:192.0.2.7"),
	T("subject-cn-ip4-zeros", L, m_cn, 0, 0, "192.0.2.007#DNS:shop.example,IP:192.0.2.7"),
	T("subject-cn-ip4-other", L, m_cn, 0, 0, "192.0.2.8#DNS:shop.example,IP:192.0.2.7"),
	T("subject-cn-ip6", L, m_cn, 0, 0, "2001:db8::7#DNS:shop.example,IP:2001:db8::7"),
	T("subject-cn-ip6-upper", L, m_cn, 0, 0, "2001:DB8::7#DNS:shop.example,IP:2001:db8::7"),
	T("subject-cn-ip6-long", L, m_cn, 0, 0, "2001:db8:0:0:0:0:0:7#DNS:shop.example,IP:2001:db8::7"),
	T("subject-cn-ulabel", L, m_cn, 0, 0, "sh\xc3\xb6p.example#DNS:shop.example,DNS:xn--shp-sna.example"),
	T("subject-cn-alabel", L, m_cn, 0, 0, "xn--shp-sna.example#DNS:shop.example,DNS:xn--shp-sna.example"),
	/* names (4.1.2.4, 4.1.2.6, 7.1) */
	T("subject-empty", LCR, m_name, 0, 0, NULL),
	T("subject-empty-san-crit", L, m_name, 0, 9, NULL),
	T("subject-empty-nosan", L, m_name, 0, 10, NULL),
	T("subject-cn-other", L, m_name, 0, 1, "other.example"),
	T("subject-cn-only", L, m_name, 0, 11, "shop.example"),
	T("subject-email", L, m_name, 0, 6, "admin@shop.example"),
	T("subject-case", CR, m_name, 0, 2, NULL),
	T("subject-spaces", CR, m_name, 0, 3, NULL),
	T("subject-printable", CR, m_name, 0, 4, NULL),
	T("subject-bmp", CR, m_name, 0, 5, NULL),
	T("subject-ia5", CR, m_name, 0, 8, NULL),
	T("subject-other", CR, m_name, 0, 1, "Other CA"),
	T("issuer-other", LCR, m_name, 1, 7, "Other"),
	T("issuer-case", LCR, m_name, 1, 2, NULL),
	T("issuer-spaces", LCR, m_name, 1, 3, NULL),
	T("issuer-printable", LCR, m_name, 1, 4, NULL),
	T("issuer-bmp", LCR, m_name, 1, 5, NULL),
	T("issuer-ia5", LCR, m_name, 1, 8, NULL),
	T("issuer-empty", LCR, m_name, 1, 0, NULL),
	/* malformed strings: where only the leaf's subject and the root's
	 * issuer do not break the chain's name links */
	T("subject-bad-utf8", L, m_name, 0, 12, NULL),
	T("subject-bad-printable", L, m_name, 0, 13, NULL),
	T("subject-odd-bmp", L, m_name, 0, 14, NULL),
	T("issuer-bad-utf8", R, m_name, 1, 12, NULL),
	T("issuer-bad-printable", R, m_name, 1, 13, NULL),
	T("issuer-odd-bmp", R, m_name, 1, 14, NULL),
	T("subject-cn-constructed", L, m_name, 0, 15, NULL),
	T("subject-o-tagged", L, m_name, 0, 16, NULL),
	T("issuer-cn-constructed", R, m_name, 1, 15, NULL),
	T("subject-cn-octets", L, m_name, 0, 17, NULL),
	T("subject-cn-numeric", L, m_name, 0, 19, NULL),
	T("subject-cn-bad-ucs4", L, m_name, 0, 18, NULL),
	T("issuer-cn-octets", R, m_name, 1, 17, NULL),
	/* validity (4.1.2.5), relative to the verification time or literal */
	T("expired", LCR, m_time, 1, -1, NULL),
	T("notafter-at", LCR, m_time, 1, 0, NULL),
	T("notbefore-at", LCR, m_time, 0, 0, NULL),
	T("notyet", LCR, m_time, 0, 1, NULL),
	T("na-gt-2049", LCR, m_time, 1, 0, "G:20491231235959Z"),
	T("na-utc-2049", LCR, m_time, 1, 0, "U:491231235959Z"),
	T("na-utc-50", LCR, m_time, 1, 0, "U:500101000000Z"),
	T("na-gt-2050", LCR, m_time, 1, 0, "G:20500101000000Z"),
	T("na-gt-9999", LCR, m_time, 1, 0, "G:99991231235959Z"),
	T("nb-gt-2029", LCR, m_time, 0, 0, "G:20290101000000Z"),
	T("nb-utc-50", LCR, m_time, 0, 0, "U:500101000000Z"),
	T("nb-gt-1949", LCR, m_time, 0, 0, "G:19491231235959Z"),
	T("na-fraction", LCR, m_time, 1, 0, "G:20450101000000.5Z"),
	T("na-noseconds", LCR, m_time, 1, 0, "U:4501010000Z"),
	T("na-offset", LCR, m_time, 1, 0, "U:450101000000+0100"),
	T("na-local", LCR, m_time, 1, 0, "G:20450101000000"),
	T("na-lower-z", LCR, m_time, 1, 0, "U:450101000000z"),
	T("na-feb30", LCR, m_time, 1, 0, "U:450230000000Z"),
	T("na-feb29", LCR, m_time, 1, 0, "U:450229000000Z"),
	T("na-feb29-leap", LCR, m_time, 1, 0, "U:440229000000Z"),
	T("na-leapsec", LCR, m_time, 1, 0, "U:451231235960Z"),
	T("na-hour24", LCR, m_time, 1, 0, "U:451231240000Z"),
	/* version (4.1.2.1), unique identifiers (4.1.2.8), serial (4.1.2.2) */
	T("v1", LCR | LAST, m_version, 0, 0, NULL),
	T("v1-exts", LCR, m_version, 1, 0, NULL),
	T("v2", LCR, m_version, 2, 0, NULL),
	T("v2-noexts", LCR | LAST, m_version, 3, 0, NULL),
	T("v4", LCR, m_version, 4, 0, NULL),
	T("v1-explicit", LCR | LAST, m_version, 5, 0, NULL),
	T("issuer-uid", LCR, m_uid, 0, 0, NULL),
	T("subject-uid", LCR, m_uid, 1, 0, NULL),
	T("issuer-uid-bad", LCR, m_uid, 0, 1, NULL),
	T("subject-uid-ber", LCR, m_uid, 1, 2, NULL),
	T("serial-0", LCR, m_serial, 0, 0, "00"),
	T("serial-1", LCR, m_serial, 0, 0, "01"),
	T("serial-neg", LCR, m_serial, 0, 0, "ff"),
	T("serial-neg-big", LCR, m_serial, 0, 0, "8011223344"),
	T("serial-20", LCR, m_serial, 0, 0, SER20),
	T("serial-20-high", LCR, m_serial, 0, 0, "0080" SER19),
	T("serial-21", LCR, m_serial, 0, 0, SER20 "14"),
	T("serial-nonmin", LCR, m_serial, 0, 0, "0001"),
	/* public keys (4.1.2.7; key sizes and curves of the web PKI) */
	T("spki-rsa1024", L, m_spki, 0, 0, "rsa1024"),
	T("spki-rsa2052", L, m_spki, 0, 0, "rsa2052"),
	T("spki-p192", L, m_spki, 0, 0, "p192"),
	T("spki-rsa2048", LCR, m_spki, 0, 0, "rsa2048"),
	T("spki-p521", L, m_spki, 0, 0, "p521"),
	T("spki-secp256k1", L, m_spki, 0, 0, "secp256k1"),
	T("spki-ed25519", L, m_spki, 0, 0, "ed25519"),
	T("spki-p256-explicit", L, m_spki, 0, 0, "p256-explicit"),
	/* key identifiers (4.2.1.1, 4.2.1.2) */
	T("aki-drop", LCR, m_drop, 0, 0, "aki"),
	T("aki-mismatch", LCR, m_keyid, 0, 0, NULL),
	T("aki-crit", LCR, m_crit, 1, 0, "aki"),
	T("aki-no-keyid", LCR, m_aki, 0, 0, NULL),
	T("aki-issuer-serial", LCR, m_aki, 1, 0, NULL),
	T("aki-issuer-other", LCR, m_aki, 2, 0, NULL),
	T("aki-empty", LCR, m_aki, 3, 0, NULL),
	T("ski-drop", LCR, m_drop, 0, 0, "ski"),
	T("ski-change", LCR, m_keyid, 1, 0, NULL),
	T("ski-crit", LCR, m_crit, 1, 0, "ski"),
	T("ski-crit-false", LCR, m_crit, 0, 0, "ski"),
	/* nameConstraints (4.2.1.10); the leaves are shop.example, two of
	 * them with IP 192.0.2.7 */
	T("nc-permit-leaf", CR, m_nc, 0, 0, "P:DNS:shop.example"),
	T("nc-permit-parent", CR, m_nc, 0, 0, "P:DNS:example"),
	T("nc-permit-other", CR, m_nc, 0, 0, "P:DNS:other.example"),
	T("nc-permit-upper", CR, m_nc, 0, 0, "P:DNS:SHOP.EXAMPLE"),
	T("nc-permit-dot", CR, m_nc, 0, 0, "P:DNS:.example"),
	T("nc-permit-all-dns", CR, m_nc, 0, 0, "P:DNS:"),
	T("nc-exclude-leaf", CR, m_nc, 0, 0, "E:DNS:shop.example"),
	T("nc-exclude-parent", CR, m_nc, 0, 0, "E:DNS:example"),
	T("nc-exclude-other", CR, m_nc, 0, 0, "E:DNS:other.example"),
	T("nc-permit-ip-other", CR, m_nc, 0, 0, "P:IP:198.51.100.0/24"),
	T("nc-permit-ip-leaf", CR, m_nc, 0, 0, "P:IP:192.0.2.0/24"),
	T("nc-exclude-ip-leaf", CR, m_nc, 0, 0, "E:IP:192.0.2.0/24"),
	T("nc-permit-both", CR, m_nc, 0, 0, "P:DNS:shop.example;P:IP:192.0.2.0/24"),
	T("nc-ip-mask-holes", CR, m_nc, 0, 0, "P:IP:192.0.2.0/255.0.255.0"),
	T("nc-bad-ia5", CR, m_nc, 0, 0, "E:DNS:b\xe1" "d.example"),
	T("nc-permit-dn-other", CR, m_nc, 0, 0, "P:DIRO:Other"),
	T("nc-exclude-dn-leaf", CR, m_nc, 0, 0, "E:LEAFDN"),
	T("nc-permit-email", CR, m_nc, 0, 0, "P:email:.example"),
	T("nc-exclude-uri", CR, m_nc, 0, 0, "E:URI:.example"),
	T("nc-noncrit", CR, m_nc, -1, 0, "P:DNS:shop.example"),
	T("nc-empty", CR, m_nc, 0, 0, "EMPTY"),
	T("nc-permit-none", CR, m_nc, 0, 0, "P"),
	T("nc-leaf", L, m_nc, 0, 0, "P:DNS:shop.example"),
	/* names x subtrees: a large chain, one past sigil's budget, one
	 * past openssl's too */
	T("nc-many", CR, m_ncbomb, 200, 200, NULL),
	T("nc-bomb", CR, m_ncbomb, 600, 600, NULL),
	T("nc-bomb-huge", CR, m_ncbomb, 1100, 1000, NULL),
	/* policies (4.2.1.4, 4.2.1.5, 4.2.1.11, 4.2.1.14) and other
	 * extensions, critical or not */
	T("cp-any", LCR, m_add, -1, 1, "cp"),
	T("cp-dv", LCR, m_add, -1, 0, "cp"),
	T("cp-dv-crit", LCR, m_add, 1, 0, "cp"),
	T("pc-require", CR, m_add, 1, 0, "pc"),
	T("pc-inhibit-map", CR, m_add, 1, 1, "pc"),
	T("pc-noncrit", CR, m_add, -1, 1, "pc"),
	T("pm", CR, m_add, 1, 0, "pm"),
	T("iap", CR, m_add, 1, 0, "iap"),
	T("aia", LCR, m_add, -1, 0, "aia"),
	T("aia-crit", LCR, m_add, 1, 0, "aia"),
	T("aia-bad", LCR, m_add, -1, 1, "aia"),
	T("crldp", LCR, m_add, -1, 0, "crldp"),
	T("crldp-crit", LCR, m_add, 1, 0, "crldp"),
	T("crldp-bad", LCR, m_add, -1, 1, "crldp"),
	T("sct-crit", L, m_add, 1, 0, "sct"),
	T("ian-crit", LCR, m_add, 1, 0, "ian"),
	T("unk", LCR, m_add, -1, 0, "unk"),
	T("unk-crit", LCR, m_add, 1, 0, "unk"),
	T("exts-empty", LCR | LAST, m_exts_empty, 0, 0, NULL),
	/* signature algorithms (4.1.1.2, 4.1.2.3) */
	T("sig-sha384", LCR, m_sig, 0, 0, NULL),
	T("sig-sha512", LCR, m_sig, 1, 0, NULL),
	T("sig-pss", LCR, m_sig, 2, 0, NULL),
	T("sig-pss384", LCR, m_sig, 3, 0, NULL),
	T("sig-inner-mismatch", LCR, m_sig, 4, 0, NULL),
	T("sig-rsa-noparams", LCR, m_sig, 5, 0, NULL),
	T("sig-ecdsa-null", LCR, m_sig, 6, 0, NULL),
	/* BER where DER allows one encoding (X.690 10, 11) */
	T("ber-subject-long", LCR, m_ber, 0, 0, NULL),
	T("ber-subject-indef", LCR, m_ber, 1, 0, NULL),
	T("ber-crit-01", LCR, m_ber, 2, 0, NULL),
	T("ber-spki-long", LCR, m_ber, 3, 0, NULL),
	T("ber-bc-ca-01", CR, m_ber, 4, 0, NULL),
	/* raw bytes */
	RAW("raw-flip", r_flip),
	RAW("raw-resign", r_flip_resign),
	RAW("raw-trunc", r_trunc),
	RAW("trailing", r_trailing),
};

#define NMUTS (sizeof muts / sizeof muts[0])

/* ---- building a mutant and checking it both ways ---- */

static void mctx_init(mctx *m, const seed *s, uint64_t rs, int64_t at)
{
	memset(m, 0, sizeof *m);
	m->s = s;
	m->r.s = rs;
	m->at = at;
	snprintf(m->host, sizeof m->host, "%s", s->host);
	for (size_t i = 0; i < s->n; i++) {
		m->der[i] = xmalloc(s->len[i]);
		memcpy(m->der[i], s->der[i], s->len[i]);
		m->len[i] = s->len[i];
	}
}

static void mctx_free(mctx *m)
{
	for (size_t i = 0; i < m->s->n; i++)
		free(m->der[i]);
}

/* Applies u to certificate idx: 0 applied, 1 not applicable. */
static int apply(mctx *m, size_t idx, const mut *u)
{
	int rc = 0;
	m->idx = idx;
	m->field[0] = 0;
	if (u->raw) {
		sg_x509_cert c;
		char err[8];
		rc = u->raw(m, u);
		/* Parser differences apart from the rest: "!unparsed" when
		 * sigil's parser refuses the result. */
		if (rc == 0 && m->field[0] &&
		    sg_x509_cert_parse(&c, m->der[idx], m->len[idx], err, sizeof err) != 0)
			snprintf(m->field + strlen(m->field), sizeof m->field - strlen(m->field),
				 "!unparsed");
	} else if (u->fn) {
		tbs *t = xmalloc(sizeof *t);
		rc = tbs_decode(t, m->der[idx], m->len[idx]) ? u->fn(m, t, u) : 1;
		if (rc == 0) {
			size_t n;
			uint8_t *d = tbs_sign(t, m->s->key[idx + 1 < m->s->n ? idx + 1 : idx], &n);
			if (d) {
				free(m->der[idx]);
				m->der[idx] = d;
				m->len[idx] = n;
			} else {
				rc = 1;
			}
		}
		free(t->xext);
		free(t);
	}
	if (rc == 0 && u->host)
		snprintf(m->host, sizeof m->host, "%s", u->host);
	return rc;
}

/* sigil: what `sigil verify leaf.pem --cacert root.pem --untrusted
 * inters.pem --host HOST --at @T` decides. 1 accepted. */
static int sigil_verdict(const mctx *m, char *why, size_t cap)
{
	size_t n = m->s->n;
	char err[256];
	int ok = 0;
	sg_x509_store *st = sg_x509_store_new();
	sg_x509_result *res = xmalloc(sizeof *res);
	if (!st)
		die("out of memory");
	if (sg_x509_store_add_der(st, m->der[n - 1], m->len[n - 1], err, sizeof err) < 0) {
		snprintf(why, cap, "trust anchor refused: %s", err);
	} else {
		sg_rd chain[MAXC];
		for (size_t i = 0; i + 1 < n; i++)
			sg_rd_init(&chain[i], m->der[i], m->len[i]);
		sg_x509_verify_opts o = {.host = m->host, .purpose = SG_X509_PURPOSE_SERVER,
					 .at = m->at};
		ok = sg_x509_verify(st, chain, n - 1, &o, res) == 0;
		snprintf(why, cap, "%s", ok ? "OK" : res->reason);
	}
	free(res);
	sg_x509_store_free(st);
	return ok;
}

/* Writes root.pem, inters.pem and leaf.pem into dir. */
static void write_chain(const mctx *m, const char *dir)
{
	char path[1024];
	const char *names[] = {"leaf.pem", "inters.pem", "root.pem"};
	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[k]);
		FILE *f = fopen(path, "w");
		if (!f)
			die("cannot write %s: %s", path, strerror(errno));
		size_t n = m->s->n;
		for (size_t i = 0; i < n; i++)
			if ((k == 0 && i == 0) || (k == 1 && i > 0 && i + 1 < n) ||
			    (k == 2 && i + 1 == n))
				pem_append(f, m->der[i], m->len[i]);
		if (fclose(f) != 0)
			die("cannot write %s", path);
	}
}

static bool host_is_ip(const char *h)
{
	uint8_t ip[16];
	return sg_x509_parse_ip(h, ip) != 0;
}

/* openssl verify on the files of dir. 1 accepted; out gets its output. */
static int openssl_verdict(const mctx *m, const char *dir, char *out, size_t cap)
{
	char at[32], root[1100], inters[1100], leaf[1100];
	snprintf(at, sizeof at, "%lld", (long long)m->at);
	snprintf(root, sizeof root, "%s/root.pem", dir);
	snprintf(inters, sizeof inters, "%s/inters.pem", dir);
	snprintf(leaf, sizeof leaf, "%s/leaf.pem", dir);
	char *argv[] = {"openssl", "verify", "-x509_strict", "-purpose", "sslserver",
			"-attime", at, host_is_ip(m->host) ? "-verify_ip" : "-verify_hostname",
			(char *)m->host, "-CAfile", root, "-untrusted", inters, leaf, NULL};
	int fd[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	if (pipe(fd) != 0)
		die("pipe: %s", strerror(errno));
	/* posix_spawn, not fork: cheap even for a big (ASan) process. */
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fd[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fd[1], 2) != 0 ||
	    posix_spawn_file_actions_addclose(&fa, fd[0]) != 0 ||
	    posix_spawn_file_actions_addclose(&fa, fd[1]) != 0)
		die("posix_spawn_file_actions");
	int rc = posix_spawnp(&pid, "openssl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0)
		die("cannot run openssl: %s", strerror(rc));
	size_t n = 0;
	char junk[512];
	for (;;) {
		/* Keep reading past a full buffer, so openssl never blocks. */
		bool room = n + 1 < cap;
		ssize_t k = read(fd[0], room ? out + n : junk, room ? cap - 1 - n : sizeof junk);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (room)
			n += (size_t)k;
	}
	out[n] = 0;
	close(fd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	/* "leaf.pem: OK" is the last line of a success. */
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, ": OK\n") != NULL;
}

/* ---- expected differences and the classes seen ---- */

typedef struct expect {
	char pat[160];          /* fnmatch pattern over ROLE.MUTATION:ACCEPTOR */
	char section[64];       /* its section in docs/x509-differences.md */
	bool random;            /* raw classes: not every run meets them */
	unsigned hits;
} expect;

typedef struct cls {
	char key[400];
	unsigned n;
	const expect *e;
} cls;

static expect expects[256];
static size_t nexpects;
static cls *classes;
static size_t nclasses, cap_classes;

static struct {
	unsigned mutants, both_ok, both_bad, expected, unexpected, na, seeds_ok, seeds_bad;
} st;

static const char *outdir;
static char workdir[1024];
static bool verbose;

static void load_expected(const char *path)
{
	size_t len;
	char *text = (char *)read_all(path, &len);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char pat[160], sec[64], flag[16];
		int k = sscanf(line, "%159s %63s %15s", pat, sec, flag);
		if (k <= 0)
			continue;
		if (k < 2 || nexpects == sizeof expects / sizeof expects[0])
			die("%s: bad line \"%s\"", path, line);
		expect *e = &expects[nexpects++];
		snprintf(e->pat, sizeof e->pat, "%s", pat);
		snprintf(e->section, sizeof e->section, "%s", sec);
		e->random = k == 3 && strcmp(flag, "random") == 0;
	}
	free(text);
}

/* The listed entry that explains key "A+B+...:SIDE": one that matches
 * the whole key, or some single mutation A:SIDE, B:SIDE, ... (a stacked
 * mutant whose difference no single mutation explains is a finding). */
static expect *explained(const char *key)
{
	const char *colon = strrchr(key, ':');
	for (size_t i = 0; i < nexpects; i++)
		if (fnmatch(expects[i].pat, key, 0) == 0)
			return &expects[i];
	for (const char *p = key; p < colon;) {
		size_t n = strcspn(p, "+:");
		char one[300];
		snprintf(one, sizeof one, "%.*s%s", (int)n, p, colon);
		for (size_t i = 0; i < nexpects; i++)
			if (fnmatch(expects[i].pat, one, 0) == 0)
				return &expects[i];
		p += n + 1;
	}
	return NULL;
}

static void count_class(const char *key, const expect *e)
{
	for (size_t i = 0; i < nclasses; i++)
		if (strcmp(classes[i].key, key) == 0) {
			classes[i].n++;
			return;
		}
	if (nclasses == cap_classes) {
		/* stacked mutants make many keys: grow, never drop counts */
		cap_classes = cap_classes ? 2 * cap_classes : 1024;
		classes = realloc(classes, cap_classes * sizeof *classes);
		if (!classes)
			die("out of memory");
	}
	snprintf(classes[nclasses].key, sizeof classes[0].key, "%s", key);
	classes[nclasses].n = 1;
	classes[nclasses++].e = e;
}

static void make_dir(const char *d)
{
	if (mkdir(d, 0755) != 0 && errno != EEXIST)
		die("cannot make %s: %s", d, strerror(errno));
}

/* Keeps a case: its chain, and how to run both sides on it. */
static void keep(const mctx *m, const char *dir, const char *label, const char *key,
		 const char *sw, const char *ow)
{
	char path[1100];
	make_dir(dir);
	write_chain(m, dir);
	snprintf(path, sizeof path, "%s/README", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write %s", path);
	fprintf(f, "case %s, seed %s: %s\nsigil: %s\nopenssl: %s\n"
		"sigil verify leaf.pem --cacert root.pem --untrusted inters.pem --host %s --at @%lld\n"
		"openssl verify -x509_strict -purpose sslserver -attime %lld %s %s "
		"-CAfile root.pem -untrusted inters.pem leaf.pem\n",
		label, m->s->name, key, sw, ow, m->host, (long long)m->at, (long long)m->at,
		host_is_ip(m->host) ? "-verify_ip" : "-verify_hostname", m->host);
	fclose(f);
}

/* The last line of openssl's output that says why, for messages. */
static const char *openssl_why(const char *out, char *buf, size_t cap)
{
	const char *e = strstr(out, "error ");
	snprintf(buf, cap, "%.*s", (int)strcspn(e ? e : out, "\n"), e ? e : out);
	return buf;
}

/* Checks one mutant both ways. False for an unexplained difference. */
static bool check(const mctx *m, const char *mkey, const char *label, bool keep_always)
{
	char sw[600], ow[4096], why[300], key[400];
	write_chain(m, workdir);
	int sv = sigil_verdict(m, sw, sizeof sw);
	int ov = openssl_verdict(m, workdir, ow, sizeof ow);
	st.mutants++;
	snprintf(key, sizeof key, "%s:%s", mkey, sv ? "sigil" : "openssl");
	if (verbose || keep_always)
		printf("%s %s %s: sigil %s, openssl %s\n    sigil: %s\n    openssl: %s\n", label,
		       m->s->name, mkey, sv ? "accepts" : "refuses", ov ? "accepts" : "refuses",
		       sw, openssl_why(ow, why, sizeof why));
	if (keep_always) {
		char dir[1100];
		snprintf(dir, sizeof dir, "%s/%s", outdir, label);
		keep(m, dir, label, key, sw, ow);
		printf("    files: %s\n", dir);
	}
	if (sv == ov) {
		if (sv)
			st.both_ok++;
		else
			st.both_bad++;
		return true;
	}
	expect *e = explained(key);
	count_class(key, e);
	if (e) {
		st.expected++;
		e->hits++;
		return true;
	}
	st.unexpected++;
	if (!keep_always) {
		char dir[1100];
		snprintf(dir, sizeof dir, "%s/fail-%u", outdir, st.unexpected);
		keep(m, dir, label, key, sw, ow);
		printf("FAIL %s %s %s\n    sigil: %s\n    openssl: %s\n    files: %s\n", label,
		       m->s->name, key, sw, openssl_why(ow, why, sizeof why), dir);
	}
	return false;
}

static void comp_key(char *out, size_t cap, const mctx *m, size_t idx, const mut *u)
{
	size_t n = strlen(out);
	snprintf(out + n, cap - n, "%s%s.%s%s%s", n ? "+" : "", role_name(m->s, idx), u->name,
		 m->field[0] ? "@" : "", m->field);
}

static bool role_ok(const seed *s, size_t idx, const mut *u)
{
	return (u->roles & role_bit(s, idx)) || ((u->roles & H) && idx == 0);
}

/* ---- the two stages ---- */

/* Every seed as it is must verify on both sides. */
static void stage_seeds(int64_t at)
{
	for (size_t i = 0; i < nseeds; i++) {
		mctx m;
		char sw[600], ow[4096], why[300];
		mctx_init(&m, &seeds[i], 1, at);
		write_chain(&m, workdir);
		int sv = sigil_verdict(&m, sw, sizeof sw);
		int ov = openssl_verdict(&m, workdir, ow, sizeof ow);
		if (sv && ov) {
			st.seeds_ok++;
		} else {
			st.seeds_bad++;
			printf("FAIL seed %s does not verify: sigil: %s; openssl: %s\n", seeds[i].name,
			       sw, openssl_why(ow, why, sizeof why));
		}
		mctx_free(&m);
	}
}

/* Stage one: each mutation alone, on each certificate it applies to. */
static void stage_all(uint64_t seed0, int64_t at)
{
	for (size_t si = 0; si < nseeds; si++)
		for (size_t idx = 0; idx < seeds[si].n; idx++)
			for (size_t ui = 0; ui < NMUTS; ui++) {
				const mut *u = &muts[ui];
				if (!role_ok(&seeds[si], idx, u))
					continue;
				mctx m;
				char key[400] = "", label[64];
				mctx_init(&m, &seeds[si], seed0 ^ (si << 40 | idx << 20 | ui), at);
				if (apply(&m, idx, u) != 0) {
					st.na++;
					mctx_free(&m);
					continue;
				}
				comp_key(key, sizeof key, &m, idx, u);
				snprintf(label, sizeof label, "all-%zu-%zu-%zu", si, idx, ui);
				(void)check(&m, key, label, false);
				mctx_free(&m);
			}
}

/* Stage two, mutant i: one to three mutations on random certificates of
 * a random seed; a quarter of the mutants end with a raw one. */
static void random_mutant(uint64_t seed0, unsigned long i, int64_t at, bool keep_always)
{
	rng r = {seed0 ^ (0x9e3779b97f4a7c15ULL * (i + 1))};
	(void)rnd(&r);
	const seed *s = &seeds[rndn(&r, nseeds)];
	mctx m;
	char key[400] = "", label[64];
	mctx_init(&m, s, rnd(&r), at);
	size_t k = 1 + (rndn(&r, 10) >= 6) + (rndn(&r, 10) >= 8);
	bool raw_last = rndn(&r, 4) == 0, sealed[MAXC] = {false};
	for (size_t j = 0; j < k; j++) {
		bool want_raw = raw_last && j + 1 == k;
		for (int tries = 0; tries < 100; tries++) {
			const mut *u = &muts[rndn(&r, NMUTS)];
			size_t idx = rndn(&r, s->n);
			if ((u->raw != NULL) != want_raw)
				continue;
			if (u->roles == H)
				idx = 0;
			if ((sealed[idx] && !u->raw) || !role_ok(s, idx, u) || apply(&m, idx, u) != 0)
				continue;
			sealed[idx] |= (u->roles & LAST) != 0;
			comp_key(key, sizeof key, &m, idx, u);
			break;
		}
	}
	snprintf(label, sizeof label, "random-%lu", i);
	if (key[0])
		(void)check(&m, key, label, keep_always);
	else
		st.na++;
	mctx_free(&m);
}

static int cmp_class(const void *a, const void *b)
{
	const cls *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void usage(void)
{
	fprintf(stderr, "usage: x509diff SEEDS OUT [-n N] [-s SEED] [-e EXPECTED] [-t UNIXTIME]\n"
			"                [-i INDEX] [-x] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long n = 300, only = 0;
	uint64_t seed0 = 1;
	int64_t at = 1893456000;        /* 2030-01-01T00:00:00Z: every seed valid */
	const char *exp_path = NULL;
	bool stage1 = true, one = false;
	if (argc < 3)
		usage();
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-x") == 0) {
			stage1 = false;
		} else if (strcmp(a, "-v") == 0) {
			verbose = true;
		} else if (!v) {
			usage();
		} else if (strcmp(a, "-n") == 0) {
			n = strtoul(v, NULL, 10), i++;
		} else if (strcmp(a, "-s") == 0) {
			seed0 = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "-e") == 0) {
			exp_path = v, i++;
		} else if (strcmp(a, "-t") == 0) {
			at = strtoll(v, NULL, 10), i++;
		} else if (strcmp(a, "-i") == 0) {
			only = strtoul(v, NULL, 10), i++, one = true, stage1 = false;
		} else {
			usage();
		}
	}
	if (sg_crypto_init() != 0)
		die("crypto init failed");
	load_seeds(argv[1]);
	if (exp_path)
		load_expected(exp_path);
	outdir = argv[2];
	make_dir(outdir);
	snprintf(workdir, sizeof workdir, "%s/work", outdir);
	make_dir(workdir);
	if (one) {
		random_mutant(seed0, only, at, true);
		return st.unexpected ? 1 : 0;
	}

	stage_seeds(at);
	if (stage1)
		stage_all(seed0, at);
	unsigned s1 = st.mutants;
	for (unsigned long i = 0; i < n; i++)
		random_mutant(seed0, i, at, false);

	if (nclasses)
		qsort(classes, nclasses, sizeof classes[0], cmp_class);
	printf("seeds %zu, mutations %zu; mutants %u (%u one at a time, %u random), %u not applicable\n",
	       nseeds, NMUTS, st.mutants, s1, st.mutants - s1, st.na);
	printf("agree %u (both accept %u, both refuse %u); differ %u (listed %u, unexplained %u)\n",
	       st.both_ok + st.both_bad, st.both_ok, st.both_bad, st.expected + st.unexpected,
	       st.expected, st.unexpected);
	for (size_t i = 0; i < nclasses; i++)
		printf("  %5u  %-50s %s\n", classes[i].n, classes[i].key,
		       classes[i].e ? classes[i].e->section : "UNEXPLAINED");
	/* The same by section of the document. */
	for (size_t j = 0; j < nexpects; j++) {
		unsigned sum = 0;
		bool first = true;
		for (size_t k = 0; k < j; k++)
			first &= strcmp(expects[k].section, expects[j].section) != 0;
		if (!first)
			continue;
		for (size_t i = 0; i < nclasses; i++)
			if (classes[i].e && strcmp(classes[i].e->section, expects[j].section) == 0)
				sum += classes[i].n;
		if (sum)
			printf("section %-28s %6u\n", expects[j].section, sum);
	}
	unsigned stale = 0;
	for (size_t i = 0; i < nexpects; i++)
		if (!expects[i].hits && !expects[i].random && stage1) {
			stale++;
			printf("FAIL listed difference %s (%s) did not occur\n", expects[i].pat,
			       expects[i].section);
		}
	unsigned passed = st.seeds_ok + st.both_ok + st.both_bad + st.expected;
	unsigned failed = st.seeds_bad + st.unexpected + stale;
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
