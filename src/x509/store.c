/*
 * Trust stores: a growable array of anchors, each owning a copy of its
 * DER so the parsed views stay valid when the array grows.  Loading is
 * the only mutation; after it the store is read-only and shareable.
 */
#include "x509/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct anchor {
	uint8_t *der;
	sg_x509_cert c;
};

struct sg_x509_store {
	size_t n, cap;
	struct anchor *a;
};

const sg_x509_cert *sg_x509_store_get(const sg_x509_store *s, size_t i)
{
	return s && i < s->n ? &s->a[i].c : NULL;
}

sg_x509_store *sg_x509_store_new(void)
{
	return calloc(1, sizeof(sg_x509_store));
}

void sg_x509_store_free(sg_x509_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->a[i].der);
	free(s->a);
	free(s);
}

size_t sg_x509_store_count(const sg_x509_store *s)
{
	return s ? s->n : 0;
}

const sg_x509_cert *sg_x509_store_at(const sg_x509_store *s, size_t i)
{
	return s && i < s->n ? &s->a[i].c : NULL;
}

int sg_x509_store_add_der(sg_x509_store *s, const uint8_t *der, size_t len,
			  char *err, size_t errlen)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct anchor *na = realloc(s->a, nc * sizeof *na);
		if (!na) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		s->a = na;
		s->cap = nc;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, der, len);
	if (sg_x509_cert_parse(&s->a[s->n].c, copy, len, err, errlen) != 0) {
		free(copy);
		return -1;
	}
	/* The same anchor twice (bundle plus directory) is harmless but
	 * doubles path-building work: keep one. */
	for (size_t i = 0; i < s->n; i++)
		if (s->a[i].c.der.n == len && memcmp(s->a[i].der, copy, len) == 0) {
			free(copy);
			return 0;
		}
	s->a[s->n++].der = copy;
	return 1;
}

int sg_x509_store_add_pem(sg_x509_store *s, const char *pem, size_t len,
			  char *err, size_t errlen)
{
	sg_rd t;
	sg_wr w;
	char label[64];
	int count = 0, rc;
	sg_rd_init(&t, (const uint8_t *)pem, len);
	sg_wr_init(&w, NULL, 0, 1u << 20);
	while ((rc = sg_pem_next(&t, label, sizeof label, &w, err, errlen)) == 1) {
		if (strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "TRUSTED CERTIFICATE") == 0) {
			/* OpenSSL's TRUSTED CERTIFICATE appends trust settings
			 * after the certificate: take the certificate only. */
			sg_rd r, whole;
			sg_rd_init(&r, w.buf, w.len);
			if (!sg_der_get_whole(&r, SG_DER_SEQUENCE, &whole) ||
			    (strcmp(label, "CERTIFICATE") == 0 && !sg_rd_done(&r))) {
				snprintf(err, errlen, "malformed certificate in PEM");
				rc = -1;
				break;
			}
			int k = sg_x509_store_add_der(s, whole.p, whole.n, err, errlen);
			if (k < 0) {
				rc = -1;
				break;
			}
			count += k;
		}
		sg_wr_reset(&w);
	}
	sg_wr_free(&w);
	return rc < 0 ? -1 : count;
}

/* Reads a whole file (at most 64 MiB) into a NUL-terminated buffer. */
char *sg_x509_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			if (cap > (64u << 20)) {
				snprintf(err, errlen, "%s is too large", path);
				goto err;
			}
			size_t nc = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, nc);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				goto err;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s", path);
		goto err;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
err:
	fclose(f);
	free(buf);
	return NULL;
}

int sg_x509_store_add_file(sg_x509_store *s, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = sg_x509_read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	int rc;
	if (len && (uint8_t)buf[0] == 0x30)
		rc = sg_x509_store_add_der(s, (const uint8_t *)buf, len, err, errlen);
	else
		rc = sg_x509_store_add_pem(s, buf, len, err, errlen);
	free(buf);
	if (rc < 0) {
		char e2[256];
		snprintf(e2, sizeof e2, "%s", err);
		snprintf(err, errlen, "%s: %s", path, e2);
	}
	return rc;
}

int sg_x509_store_add_dir(sg_x509_store *s, const char *path, char *err, size_t errlen)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int total = 0;
	if (!d) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char p[4096];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", path, de->d_name) >= sizeof p)
			continue;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		/* A directory may hold keys, READMEs, CRLs: a file that does
		 * not parse as certificates is skipped, not fatal. */
		char e2[256];
		int k = sg_x509_store_add_file(s, p, e2, sizeof e2);
		if (k > 0)
			total += k;
	}
	closedir(d);
	return total;
}

int sg_x509_store_add_path(sg_x509_store *s, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return sg_x509_store_add_dir(s, path, err, errlen);
	return sg_x509_store_add_file(s, path, err, errlen);
}

int sg_x509_store_add_system(sg_x509_store *s, char *err, size_t errlen)
{
	static const char *const bundles[] = {
		"/etc/ssl/certs/ca-certificates.crt",   /* Debian, Ubuntu, Alpine */
		"/etc/pki/tls/certs/ca-bundle.crt",     /* Fedora, RHEL */
		"/etc/ssl/cert.pem",                    /* BSDs, macOS */
		"/etc/ssl/ca-bundle.pem",               /* openSUSE */
	};
	for (size_t i = 0; i < sizeof bundles / sizeof bundles[0]; i++) {
		struct stat st;
		if (stat(bundles[i], &st) == 0 && S_ISREG(st.st_mode))
			return sg_x509_store_add_file(s, bundles[i], err, errlen);
	}
	snprintf(err, errlen, "no system CA bundle found");
	return -1;
}

int sg_x509_crls_add_file(sg_x509_crls *l, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = sg_x509_read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	int rc;
	if (len && (uint8_t)buf[0] == 0x30)
		rc = sg_x509_crls_add_der(l, (const uint8_t *)buf, len, err, errlen);
	else
		rc = sg_x509_crls_add_pem(l, buf, len, err, errlen);
	free(buf);
	return rc;
}
