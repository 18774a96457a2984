/*
 * What the files named on a command line must hold, checked at start-up
 * so that a bad file is reported as itself ("--cacert x.pem: no
 * certificate in the file") and not later as a failure of something else.
 * Each check leaves one sentence naming the option and the file in err
 * ("--cacert x.pem: no certificate in the file") and returns EX_FILE (or
 * EX_FAIL when memory runs out), or returns EX_OK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sigil.h"
#include "bytes/bytes.h"
#include "crypto/crypto.h"
#include "x509/x509.h"
#include "tools.h"

int check_certs(const char *opt, const char *path, char *out, size_t cap)
{
	char err[512];
	struct stat st;
	sg_x509_store *s = sg_x509_store_new();
	if (!s) {
		snprintf(out, cap, "out of memory");
		return EX_FAIL;
	}
	int n = sg_x509_store_add_path(s, path, err, sizeof err);
	sg_x509_store_free(s);
	bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (n < 0) {
		/* The store's sentence starts with the path already. */
		const char *e = strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':' ?
				err + strlen(path) + 2 : err;
		snprintf(out, cap, "%s %s: %s", opt, path, e);
		return EX_FILE;
	}
	if (n == 0) {
		snprintf(out, cap, "%s %s: no certificate in the %s (want PEM \"BEGIN CERTIFICATE\" or DER)", opt, path,
			 dir ? "directory's files" : "file");
		return EX_FILE;
	}
	return EX_OK;
}

int check_crl(const char *opt, const char *path, char *out, size_t cap)
{
	char err[512];
	sg_x509_crls *l = sg_x509_crls_new();
	if (!l) {
		snprintf(out, cap, "out of memory");
		return EX_FAIL;
	}
	int n = sg_x509_crls_add_file(l, path, err, sizeof err);
	sg_x509_crls_free(l);
	if (n < 0) {
		snprintf(out, cap, "%s %s: %s", opt, path, err);
		return EX_FILE;
	}
	if (n == 0) {
		snprintf(out, cap, "%s %s: no CRL in the file (want PEM \"BEGIN X509 CRL\" or DER)", opt, path);
		return EX_FILE;
	}
	return EX_OK;
}

int check_key(const char *opt, const char *path, char *out, size_t cap)
{
	char err[512];
	size_t len;
	char *buf = sg_x509_read_file(path, &len, err, sizeof err);
	if (!buf) {
		snprintf(out, cap, "%s %s: %s", opt, path, err);
		return EX_FILE;
	}
	sg_pkey *k = sg_pkey_private_from_pem(buf, len);
	bool encrypted = strstr(buf, "ENCRYPTED") != NULL;
	sg_wipe(buf, len);
	free(buf);
	if (!k) {
		snprintf(out, cap, "%s %s: %s", opt, path,
			encrypted ? "the private key is encrypted (decrypt it first, e.g. openssl pkey -in KEY -out PLAIN)"
				  : "no private key in the file (want PEM PKCS#8, SEC1 or PKCS#1, unencrypted)");
		return EX_FILE;
	}
	sg_pkey_free(k);
	return EX_OK;
}

int check_cert_key(const char *cert, const char *key, char *out, size_t cap)
{
	int r = check_certs("--cert", cert, out, cap);
	if (r != EX_OK)
		return r;
	if ((r = check_key("--key", key, out, cap)) != EX_OK)
		return r;
	sigil_config *cfg = sigil_config_new();
	if (!cfg) {
		snprintf(out, cap, "out of memory");
		return EX_FAIL;
	}
	r = EX_OK;
	if (sigil_config_add_cert_key_file(cfg, cert, key) < 0) {
		/* The library's sentence starts "CERT / KEY: ". */
		const char *e = sigil_config_error(cfg);
		char pre[8200];
		snprintf(pre, sizeof pre, "%s / %s: ", cert, key);
		if (strncmp(e, pre, strlen(pre)) == 0)
			e += strlen(pre);
		snprintf(out, cap, "--cert %s, --key %s: %s", cert, key, e);
		r = EX_FILE;
	}
	sigil_config_free(cfg);
	return r;
}
