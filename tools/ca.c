/*
 * sigil ca: a small certificate authority with its state in SQLite.
 *
 *   sigil ca init DIR [--name NAME] [--key-type T] [--days N]
 *   sigil ca intermediate DIR NEWDIR [--name NAME] [--path-len N] [--key-type T] [--days N]
 *   sigil ca issue DIR (--server NAME[,NAME...] | --client NAME) [--days N]
 *                  [--key-type T] [--out PREFIX] [--csr FILE] [--p12]
 *                  [--p12-pass PASS] [--force]
 *   sigil ca revoke DIR SERIAL [--reason REASON]
 *   sigil ca crl DIR [--out FILE] [--days N]
 *   sigil ca list DIR
 *   sigil ca dev HOME        (sg_ca_ensure_dev, for trying `sigil serve`)
 *
 * Atomicity: every new file is written under a temporary name in its final
 * directory and fsync'd; the database change is committed; then the files
 * are renamed into place and the directory fsync'd.  An interruption
 * before the commit leaves only temporary files (ignored); one after it
 * leaves a certificate that the database knows (with its PEM) and whose
 * files are still under their temporary names: a CA must never have
 * signed something it does not know about.  Writers hold an exclusive
 * flock on DIR and use BEGIN IMMEDIATE with a long busy timeout, so
 * concurrent commands queue instead of failing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ca.h"
#include "opt.h"
#include "tools.h"
#include "version.h"
#include "crypto/crypto.h"
#include "der/der.h"
#include "x509/x509.h"

#define DB_FORMAT "sigil-ca-1"
#define BUSY_MS 60000
#define MAX_STAGED 6
#define BACKDATE 300            /* seconds of clock skew tolerated */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int path_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- key types ---- */

static const struct {
	const char *name;
	sg_key_type type;
	size_t bits;
} key_types[] = {
	{ "ec-p256", SG_KEY_EC_P256, 0 },
	{ "ec-p384", SG_KEY_EC_P384, 0 },
	{ "ed25519", SG_KEY_ED25519, 0 },
	{ "rsa-2048", SG_KEY_RSA, 2048 },
	{ "rsa-3072", SG_KEY_RSA, 3072 },
	{ "rsa-4096", SG_KEY_RSA, 4096 },
};

static int key_type_lookup(const char *name, size_t *idx)
{
	for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++)
		if (strcmp(name, key_types[i].name) == 0) {
			*idx = i;
			return 0;
		}
	return -1;
}

/* ---- files ---- */

/* A file written under a temporary name, waiting to be renamed. */
struct staged {
	char tmp[PATH_MAX];
	char final[PATH_MAX];
};

struct stage_set {
	size_t n;
	struct staged f[MAX_STAGED];
};

static int fsync_parent(const char *path)
{
	char d[PATH_MAX];
	snprintf(d, sizeof d, "%s", path);
	char *slash = strrchr(d, '/');
	if (slash == d)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(d, sizeof d, ".");
	int fd = open(d, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes p[n] to a fresh temporary file next to `final`, with mode, and
 * fsyncs it. */
static int stage(struct stage_set *s, const char *final, const void *p, size_t n,
		 mode_t mode, char *err, size_t errlen)
{
	if (s->n == MAX_STAGED) {
		seterr(err, errlen, "internal: too many files");
		return -1;
	}
	struct staged *f = &s->f[s->n];
	int len = snprintf(f->tmp, sizeof f->tmp, "%s.tmp-XXXXXX", final);
	if (len < 0 || (size_t)len >= sizeof f->tmp ||
	    snprintf(f->final, sizeof f->final, "%s", final) >= (int)sizeof f->final) {
		seterr(err, errlen, "%s: path too long", final);
		return -1;
	}
	int fd = mkstemp(f->tmp);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", f->tmp, strerror(errno));
		return -1;
	}
	const uint8_t *b = p;
	size_t off = 0;
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < n) {
		ssize_t w = write(fd, b + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	s->n++;
	return 0;
fail:
	seterr(err, errlen, "%s: %s", f->tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(f->tmp);
	return -1;
}

static void stage_abort(struct stage_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		unlink(s->f[i].tmp);
	s->n = 0;
}

/* Renames every staged file into place, in order (so the file that marks
 * completion can go last). */
static int stage_commit(struct stage_set *s, char *err, size_t errlen)
{
	int ret = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (rename(s->f[i].tmp, s->f[i].final) != 0 || fsync_parent(s->f[i].final) != 0) {
			seterr(err, errlen, "%s: %s", s->f[i].final, strerror(errno));
			ret = -1;
		}
	}
	s->n = 0;
	return ret;
}

static char *read_text(const char *path, size_t *len, char *err, size_t errlen)
{
	return sg_x509_read_file(path, len, err, errlen);
}

/* PEM (RFC 7468) of der[n] with label, 64 columns. */
static int pem_append(sg_wr *w, const char *label, const uint8_t *der, size_t n)
{
	size_t b64cap = (n + 2) / 3 * 4 + 1;
	char *b64 = malloc(b64cap);
	int len;
	if (!b64 || (len = sg_base64_encode(der, n, b64, b64cap)) < 0) {
		free(b64);
		return -1;
	}
	char line[128];
	snprintf(line, sizeof line, "-----BEGIN %s-----\n", label);
	(void)sg_wr_bytes(w, line, strlen(line));
	for (int i = 0; i < len; i += 64) {
		int k = len - i < 64 ? len - i : 64;
		(void)sg_wr_bytes(w, b64 + i, (size_t)k);
		(void)sg_wr_u8(w, '\n');
	}
	snprintf(line, sizeof line, "-----END %s-----\n", label);
	(void)sg_wr_bytes(w, line, strlen(line));
	free(b64);
	return sg_wr_ok(w) ? 0 : -1;
}

/* The first PEM block with one of the labels (or DER when the file starts
 * with a SEQUENCE) into out. */
static int load_der(const char *path, const char *label1, const char *label2, sg_wr *out,
		    char *err, size_t errlen)
{
	size_t len;
	char label[64], perr[128];
	char *buf = read_text(path, &len, err, errlen);
	int ret = -1;
	if (!buf)
		return -1;
	if (len && (uint8_t)buf[0] == 0x30) {
		if (sg_wr_bytes(out, buf, len))
			ret = 0;
		goto done;
	}
	sg_rd t;
	sg_rd_init(&t, (const uint8_t *)buf, len);
	for (;;) {
		out->len = 0;
		int rc = sg_pem_next(&t, label, sizeof label, out, perr, sizeof perr);
		if (rc < 0) {
			seterr(err, errlen, "%s: %s", path, perr);
			goto done;
		}
		if (rc == 0) {
			seterr(err, errlen, "%s: no %s block", path, label1);
			goto done;
		}
		if (strcmp(label, label1) == 0 || (label2 && strcmp(label, label2) == 0))
			break;
	}
	ret = sg_wr_ok(out) ? 0 : -1;
done:
	free(buf);
	return ret;
}

/* ---- the database ---- */

static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE ca(id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL,"
	" key_type TEXT NOT NULL, cert_path TEXT NOT NULL, parent TEXT,"
	" path_len INTEGER, not_after INTEGER NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE certs(serial TEXT PRIMARY KEY, subject TEXT NOT NULL,"
	" names TEXT NOT NULL, profile TEXT NOT NULL, not_before INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'valid'"
	" CHECK (status IN ('valid', 'revoked')), revoked_at INTEGER, reason INTEGER,"
	" issued_at INTEGER NOT NULL, pem TEXT NOT NULL);"
	"CREATE TABLE crls(number INTEGER PRIMARY KEY, this_update INTEGER NOT NULL,"
	" next_update INTEGER NOT NULL, path TEXT NOT NULL);";

static int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, errlen, "database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Opens DIR/ca.db of an existing CA, checking that it is one of ours. */
static int db_open(const char *dir, sqlite3 **out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	sqlite3 *db = NULL;
	sqlite3_stmt *st1 = NULL;
	int ret = -1;
	*out = NULL;
	if (stat(dir, &st) != 0) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		seterr(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	if (path_join(path, sizeof path, dir, "ca.db") != 0 || stat(path, &st) != 0) {
		seterr(err, errlen, "%s is not a sigil CA directory (no ca.db; create one with `sigil ca init`)", dir);
		return -1;
	}
	/* No SQLITE_OPEN_CREATE: a missing file must not become an empty CA. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		seterr(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		goto err;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'format'", -1, &st1, NULL) != SQLITE_OK ||
	    sqlite3_step(st1) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st1, 0), DB_FORMAT) != 0) {
		seterr(err, errlen, "%s is not a sigil CA database", path);
		goto err;
	}
	*out = db;
	db = NULL;
	ret = 0;
err:
	sqlite3_finalize(st1);
	sqlite3_close(db);
	return ret;
}

/* ---- a loaded CA ---- */

struct ca {
	char dir[PATH_MAX];
	int lockfd;
	sqlite3 *db;
	sg_pkey *key;
	sg_wr der;              /* the CA certificate */
	sg_x509_cert x;
	char *chain;            /* chain.crt text (intermediates for leaves) */
	size_t chain_len;
};

static void ca_close(struct ca *c)
{
	sqlite3_close(c->db);
	sg_pkey_free(c->key);
	sg_wr_free(&c->der);
	free(c->chain);
	if (c->lockfd >= 0)
		close(c->lockfd);      /* releases the flock */
	memset(c, 0, sizeof *c);
	c->lockfd = -1;
}

/* An exclusive lock on the directory itself, held until fd is closed. */
static int lock_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		seterr(err, errlen, "%s: cannot lock: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int ca_open(struct ca *c, const char *dir, bool with_key, bool lock,
		   char *err, size_t errlen)
{
	char path[PATH_MAX], perr[256];
	memset(c, 0, sizeof *c);
	c->lockfd = -1;
	sg_wr_init(&c->der, NULL, 0, 1u << 20);
	if (snprintf(c->dir, sizeof c->dir, "%s", dir) >= (int)sizeof c->dir) {
		seterr(err, errlen, "%s: path too long", dir);
		goto err;
	}
	if (db_open(dir, &c->db, err, errlen) != 0)
		goto err;
	if (lock && (c->lockfd = lock_dir(dir, err, errlen)) < 0)
		goto err;
	if (path_join(path, sizeof path, dir, "ca.crt") != 0 ||
	    load_der(path, "CERTIFICATE", NULL, &c->der, err, errlen) != 0)
		goto err;
	if (sg_x509_cert_parse(&c->x, c->der.buf, c->der.len, perr, sizeof perr) != 0) {
		seterr(err, errlen, "%s: %s", path, perr);
		goto err;
	}
	if (path_join(path, sizeof path, dir, "chain.crt") != 0 ||
	    !(c->chain = read_text(path, &c->chain_len, err, errlen)))
		goto err;
	if (with_key) {
		size_t len;
		char *pem;
		if (path_join(path, sizeof path, dir, "ca.key") != 0 ||
		    !(pem = read_text(path, &len, err, errlen)))
			goto err;
		c->key = sg_pkey_private_from_pem(pem, len);
		sg_wipe(pem, len);
		free(pem);
		if (!c->key) {
			seterr(err, errlen, "%s: not a usable private key", path);
			goto err;
		}
		sg_wr spki;
		sg_wr_init(&spki, NULL, 0, 4096);
		bool match = sg_pkey_spki(c->key, &spki) == 0 && spki.len == c->x.spki.n &&
			     memcmp(spki.buf, c->x.spki.p, spki.len) == 0;
		sg_wr_free(&spki);
		if (!match) {
			seterr(err, errlen, "%s does not match ca.crt", path);
			goto err;
		}
	}
	return 0;
err:
	ca_close(c);
	return -1;
}

/* ---- serial numbers ---- */

/* Serial text as stored: lower-case hex of the magnitude, no leading zero
 * octets. Accepts "0x", colons and upper case. */
static int serial_normalize(const char *in, char *out, size_t cap)
{
	char t[128];
	size_t n = 0;
	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	for (; *in; in++) {
		if (*in == ':')
			continue;
		char ch = *in;
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) || n + 2 >= sizeof t)
			return -1;
		t[n++] = ch;
	}
	t[n] = 0;
	size_t i = 0;
	while (i < n && t[i] == '0')
		i++;
	if (i == n)
		return -1;      /* empty or zero: not a serial we issue */
	size_t rest = n - i, pad = rest % 2;
	if (rest + pad + 1 > cap)
		return -1;
	if (pad)
		out[0] = '0';
	memcpy(out + pad, t + i, rest + 1);
	return 0;
}

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

/* A fresh 128-bit serial not yet in the database (RFC 5280 4.1.2.2:
 * positive, unique per CA, at most 20 octets; CA/B 7.1: 64+ random bits).
 * Runs inside the caller's write transaction so the check holds. */
static int new_serial(sqlite3 *db, uint8_t s[16], size_t *len, char *shex, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM certs WHERE serial = ?", -1, &st, NULL) != SQLITE_OK)
		goto err;
	for (int tries = 0; tries < 16; tries++) {
		if (sg_random(s, 16) != 0)
			goto err;
		/* A non-zero first octet keeps every serial 16 octets (17 in
		 * DER with the sign octet), and hex text stable. */
		if (s[0] == 0)
			continue;
		sg_hex(s, 16, shex);
		*len = 16;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, shex, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			ret = 0;
			goto done;
		}
		if (rc != SQLITE_ROW)
			goto err;
	}
err:
	seterr(err, errlen, "cannot allocate a serial number: %s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	return ret;
}

/* ---- init and intermediate ---- */

struct init_opts {
	const char *name;
	size_t kt;              /* index in key_types */
	int days;
	int path_len;           /* -1: none */
};

/* Creates a CA in dir: signed by parent (an open CA) or self-signed. */
static int ca_create(const char *dir, const struct init_opts *o, struct ca *parent,
		     bool verbose, char *err, size_t errlen)
{
	char kpath[PATH_MAX], cpath[PATH_MAX], chpath[PATH_MAX], rpath[PATH_MAX],
	     dbpath[PATH_MAX], dbtmp[PATH_MAX + 16], shex[33];
	uint8_t serial[16];
	size_t slen = 0;
	sg_pkey *key = NULL;
	sg_wr spki, der, keypem, certpem, chain;
	struct stage_set stg = { 0 };
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int lockfd = -1, ret = -1;
	bool parent_tx = false;
	char *root = NULL;
	size_t root_len = 0;
	int64_t now = (int64_t)time(NULL);
	sg_wr_init(&spki, NULL, 0, 4096);
	sg_wr_init(&der, NULL, 0, 1u << 16);
	sg_wr_init(&keypem, NULL, 0, 1u << 16);
	sg_wr_init(&certpem, NULL, 0, 1u << 16);
	sg_wr_init(&chain, NULL, 0, 1u << 20);
	dbtmp[0] = 0;

	if (!o->name || !*o->name || strlen(o->name) > 64) {
		seterr(err, errlen, "CA name must be 1 to 64 bytes");
		goto err;
	}
	if (path_join(kpath, sizeof kpath, dir, "ca.key") || path_join(cpath, sizeof cpath, dir, "ca.crt") ||
	    path_join(chpath, sizeof chpath, dir, "chain.crt") ||
	    path_join(rpath, sizeof rpath, dir, "root.crt") || path_join(dbpath, sizeof dbpath, dir, "ca.db")) {
		seterr(err, errlen, "%s: path too long", dir);
		goto err;
	}
	/* Checked once before locking too: `intermediate DIR DIR` would
	 * otherwise wait forever on the lock this process already holds. */
	if (exists(dbpath)) {
		seterr(err, errlen, "%s already holds a CA (ca.db exists); refusing to overwrite it", dir);
		goto err;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		goto err;
	}
	if ((lockfd = lock_dir(dir, err, errlen)) < 0)
		goto err;
	/* Under the lock, so two inits of one DIR cannot both pass. */
	if (exists(dbpath)) {
		seterr(err, errlen, "%s already holds a CA (ca.db exists); refusing to overwrite it", dir);
		goto err;
	}
	/* A key without a database is an interrupted init, or someone
	 * else's key: never overwrite a private key. */
	if (exists(kpath) || exists(cpath)) {
		seterr(err, errlen, "%s has ca.key or ca.crt but no ca.db (an interrupted init?); "
		       "move them away first", dir);
		goto err;
	}
	key = sg_pkey_generate(key_types[o->kt].type, key_types[o->kt].bits);
	if (!key || sg_pkey_spki(key, &spki) != 0) {
		seterr(err, errlen, "key generation failed");
		goto err;
	}

	sg_x509_cert_spec s = { 0 };
	s.cn = o->name;
	s.not_before = now - BACKDATE;
	s.not_after = now + (int64_t)o->days * 86400;
	s.spki = spki.buf;
	s.spki_len = spki.len;
	s.ca = true;
	s.path_len = o->path_len;
	/* RFC 5280 4.2.1.3: keyCertSign and cRLSign for a CA that signs
	 * certificates and CRLs. */
	s.key_usage = SG_KU_KEY_CERT_SIGN | SG_KU_CRL_SIGN | SG_KU_DIGITAL_SIGNATURE;
	if (parent) {
		/* 4.2.1.9: pathLenConstraint of the parent bounds ours. */
		if (parent->x.path_len == 0) {
			seterr(err, errlen, "%s has pathLenConstraint 0: it cannot sign another CA", parent->dir);
			goto err;
		}
		if (parent->x.path_len > 0) {
			if (s.path_len < 0)
				s.path_len = parent->x.path_len - 1;
			if (s.path_len >= parent->x.path_len) {
				seterr(err, errlen, "--path-len %d: must be below the parent's %d",
				       s.path_len, parent->x.path_len);
				goto err;
			}
		}
		if (s.not_after > parent->x.not_after)
			s.not_after = parent->x.not_after;
		s.issuer = parent->x.subject;
		s.issuer_key_id = parent->x.ski;
		if (db_exec(parent->db, "BEGIN IMMEDIATE", err, errlen) != 0)
			goto err;
		parent_tx = true;
		if (new_serial(parent->db, serial, &slen, shex, err, errlen) != 0)
			goto err;
	} else {
		if (sg_random(serial, sizeof serial) != 0) {
			seterr(err, errlen, "random number generator failed");
			goto err;
		}
		serial[0] |= 0x01;      /* never zero; see new_serial */
		slen = sizeof serial;
		sg_hex(serial, slen, shex);
	}
	s.serial = serial;
	s.serial_len = slen;
	if (sg_x509_cert_write(&s, parent ? parent->key : key, &der, err, errlen) != 0)
		goto err;
	if (sg_pkey_private_to_pem(key, &keypem) != 0 ||
	    pem_append(&certpem, "CERTIFICATE", der.buf, der.len) != 0) {
		seterr(err, errlen, "PEM encoding failed");
		goto err;
	}
	/* chain.crt: the intermediates a leaf of this CA travels with (this
	 * CA and the parent's chain); root.crt: the anchor to trust. */
	if (parent) {
		char ppath[PATH_MAX];
		(void)sg_wr_bytes(&chain, certpem.buf, certpem.len);
		(void)sg_wr_bytes(&chain, parent->chain, parent->chain_len);
		if (path_join(ppath, sizeof ppath, parent->dir, "root.crt") != 0 ||
		    !(root = read_text(ppath, &root_len, err, errlen)))
			goto err;
	}
	if (!sg_wr_ok(&chain))
		goto err;

	/* The new database, built under a temporary name: its rename is the
	 * moment the CA exists. */
	if (snprintf(dbtmp, sizeof dbtmp, "%s.tmp-%ld", dbpath, (long)getpid()) >= (int)sizeof dbtmp)
		goto err;
	unlink(dbtmp);
	if (sqlite3_open_v2(dbtmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot create", dbtmp);
		goto err;
	}
	if (db_exec(db, "PRAGMA journal_mode = DELETE", err, errlen) ||
	    db_exec(db, "BEGIN", err, errlen) || db_exec(db, schema, err, errlen))
		goto err;
	if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES ('format', '" DB_FORMAT "')", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO ca VALUES (1, ?, ?, 'ca.crt', ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key_types[o->kt].name, -1, SQLITE_STATIC);
	if (parent)
		sqlite3_bind_text(st, 3, parent->dir, -1, SQLITE_STATIC);
	if (s.path_len >= 0)
		sqlite3_bind_int(st, 4, s.path_len);
	sqlite3_bind_int64(st, 5, s.not_after);
	sqlite3_bind_int64(st, 6, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (db_exec(db, "COMMIT", err, errlen))
		goto err;
	sqlite3_close(db);
	db = NULL;
	{
		/* fsync the temporary database before it is renamed. */
		int fd = open(dbtmp, O_RDONLY);
		if (fd < 0 || fsync(fd) != 0) {
			if (fd >= 0)
				close(fd);
			seterr(err, errlen, "%s: %s", dbtmp, strerror(errno));
			goto err;
		}
		close(fd);
		chmod(dbtmp, 0600);
	}

	if (stage(&stg, kpath, keypem.buf, keypem.len, 0600, err, errlen) ||
	    stage(&stg, cpath, certpem.buf, certpem.len, 0644, err, errlen) ||
	    stage(&stg, chpath, chain.buf ? (const void *)chain.buf : "", chain.len, 0644, err, errlen) ||
	    stage(&stg, rpath, parent ? (const void *)root : certpem.buf,
		  parent ? root_len : certpem.len, 0644, err, errlen))
		goto err;

	if (parent) {
		char subj[256], names[300];
		snprintf(subj, sizeof subj, "CN=%s", o->name);
		snprintf(names, sizeof names, "CA %s", dir);
		if (sqlite3_prepare_v2(parent->db, "INSERT INTO certs (serial, subject, names, profile,"
				       " not_before, not_after, issued_at, pem) VALUES (?, ?, ?, 'ca', ?, ?, ?, ?)",
				       -1, &st, NULL) != SQLITE_OK)
			goto pdberr;
		sqlite3_bind_text(st, 1, shex, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, subj, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, names, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, s.not_before);
		sqlite3_bind_int64(st, 5, s.not_after);
		sqlite3_bind_int64(st, 6, now);
		sqlite3_bind_text(st, 7, (const char *)certpem.buf, (int)certpem.len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto pdberr;
		sqlite3_finalize(st);
		st = NULL;
		if (db_exec(parent->db, "COMMIT", err, errlen))
			goto err;
		parent_tx = false;
	}
	if (stage_commit(&stg, err, errlen) != 0)
		goto err;
	if (rename(dbtmp, dbpath) != 0 || fsync_parent(dbpath) != 0) {
		seterr(err, errlen, "%s: %s", dbpath, strerror(errno));
		goto err;
	}
	dbtmp[0] = 0;
	if (verbose)
		printf("created CA \"%s\" in %s (%s, serial %s)\n", o->name, dir, key_types[o->kt].name, shex);
	ret = 0;
	goto err;
pdberr:
	seterr(err, errlen, "database: %s", sqlite3_errmsg(parent->db));
	goto err;
dberr:
	seterr(err, errlen, "database: %s", sqlite3_errmsg(db));
err:
	sqlite3_finalize(st);
	if (parent_tx)
		(void)db_exec(parent->db, "ROLLBACK", NULL, 0);
	sqlite3_close(db);
	if (dbtmp[0]) {
		char j[PATH_MAX + 32];
		unlink(dbtmp);
		snprintf(j, sizeof j, "%s-journal", dbtmp);
		unlink(j);
	}
	stage_abort(&stg);
	if (lockfd >= 0)
		close(lockfd);
	sg_pkey_free(key);
	sg_wr_free(&spki);
	sg_wr_free(&der);
	sg_wr_free(&keypem);
	sg_wr_free(&certpem);
	sg_wr_free(&chain);
	free(root);
	return ret;
}

/* ---- issue ---- */

struct issue_opts {
	bool server;            /* else client */
	char *names[SG_X509_MAX_NAMES];
	size_t n_names;
	int days;
	size_t kt;
	const char *prefix;
	const char *csr;
	bool p12;
	const char *p12_pass;
	bool force;
	bool quiet;
	char serial[41];        /* out */
};

struct san_ctx {
	struct issue_opts *o;
	int bad;
};

/* Names a CSR asks for (used when the command line gives none). */
static int csr_name(void *ctx, uint8_t tag, sg_rd v)
{
	struct san_ctx *c = ctx;
	char buf[256];
	if (c->o->n_names >= SG_X509_MAX_NAMES)
		return c->bad = 1;
	if (tag == SG_DER_CTX(2) && v.n < sizeof buf) {
		memcpy(buf, v.p, v.n);
		buf[v.n] = 0;
	} else if (tag == SG_DER_CTX(7) && (v.n == 4 || v.n == 16)) {
		if (v.n == 4)
			snprintf(buf, sizeof buf, "%u.%u.%u.%u", v.p[0], v.p[1], v.p[2], v.p[3]);
		else {
			size_t k = 0;
			for (size_t i = 0; i < 16; i += 2)
				k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%x", i ? ":" : "",
						      (unsigned)(v.p[i] << 8 | v.p[i + 1]));
		}
	} else {
		return c->bad = 1;  /* a name type we would not sign for */
	}
	if (!(c->o->names[c->o->n_names] = strdup(buf)))
		return c->bad = 1;
	c->o->n_names++;
	return 0;
}

static void names_text(char *const *names, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && k < cap; i++) {
		uint8_t ip[16];
		int w = snprintf(out + k, cap - k, "%s%s:%s", i ? "," : "",
				 sg_x509_parse_ip(names[i], ip) ? "IP" : "DNS", names[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

static int do_issue_locked(struct ca *ca, struct issue_opts *o, char *err, size_t errlen)
{
	char kpath[PATH_MAX], cpath[PATH_MAX], ppath[PATH_MAX], subj[128], names[4096];
	uint8_t serial[16];
	size_t slen;
	sg_pkey *key = NULL;
	sg_wr spki, der, keypem, crt, p12, csrder;
	struct stage_set stg = { 0 };
	sqlite3_stmt *st = NULL;
	bool tx = false;
	int ret = -1;
	int64_t now = (int64_t)time(NULL);
	sg_wr_init(&spki, NULL, 0, 4096);
	sg_wr_init(&der, NULL, 0, 1u << 16);
	sg_wr_init(&keypem, NULL, 0, 1u << 16);
	sg_wr_init(&crt, NULL, 0, 1u << 20);
	sg_wr_init(&p12, NULL, 0, 1u << 20);
	sg_wr_init(&csrder, NULL, 0, 1u << 16);

	if (snprintf(kpath, sizeof kpath, "%s.key", o->prefix) >= (int)sizeof kpath ||
	    snprintf(cpath, sizeof cpath, "%s.crt", o->prefix) >= (int)sizeof cpath ||
	    snprintf(ppath, sizeof ppath, "%s.p12", o->prefix) >= (int)sizeof ppath) {
		seterr(err, errlen, "--out: path too long");
		goto err;
	}
	if (!o->force && (exists(cpath) || (!o->csr && exists(kpath)) || (o->p12 && exists(ppath)))) {
		seterr(err, errlen, "%s.crt or .key already exists (use --force to replace)", o->prefix);
		goto err;
	}
	if (o->csr) {
		sg_x509_csr req;
		char perr[256];
		if (load_der(o->csr, "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", &csrder, err, errlen) != 0)
			goto err;
		if (sg_x509_csr_parse(&req, csrder.buf, csrder.len, perr, sizeof perr) != 0) {
			seterr(err, errlen, "%s: %s", o->csr, perr);
			goto err;
		}
		sg_pkey *pk = sg_pkey_public_from_spki(req.spki.p, req.spki.n);
		if (!pk) {
			seterr(err, errlen, "%s: unsupported public key", o->csr);
			goto err;
		}
		sg_pkey_free(pk);
		(void)sg_wr_bytes(&spki, req.spki.p, req.spki.n);
		if (o->n_names == 0 && req.san_present) {
			struct san_ctx sc = { o, 0 };
			if (sg_x509_general_names(req.san, csr_name, &sc) != 0 || sc.bad) {
				seterr(err, errlen, "%s: the requested subjectAltName has names we do not issue", o->csr);
				goto err;
			}
		}
		if (o->n_names == 0) {
			seterr(err, errlen, "%s: the request names nothing; give --server or --client", o->csr);
			goto err;
		}
		if (o->p12) {
			seterr(err, errlen, "--p12 needs the private key: it cannot be used with --csr");
			goto err;
		}
	} else {
		key = sg_pkey_generate(key_types[o->kt].type, key_types[o->kt].bits);
		if (!key || sg_pkey_spki(key, &spki) != 0 || sg_pkey_private_to_pem(key, &keypem) != 0) {
			seterr(err, errlen, "key generation failed");
			goto err;
		}
	}
	for (size_t i = 0; i < o->n_names && o->server; i++)
		if (!sg_x509_san_name_ok(o->names[i])) {
			seterr(err, errlen, "\"%s\" is not a DNS name, wildcard or IP address", o->names[i]);
			goto err;
		}
	if (now + BACKDATE > ca->x.not_after) {
		seterr(err, errlen, "the CA certificate of %s has expired", ca->dir);
		goto err;
	}

	sg_x509_cert_spec s = { 0 };
	s.cn = o->names[0];
	if (strlen(s.cn) > 64) {
		seterr(err, errlen, "\"%s\": longer than a commonName may be (64)", s.cn);
		goto err;
	}
	s.issuer = ca->x.subject;
	s.issuer_key_id = ca->x.ski;
	s.not_before = now - BACKDATE;
	s.not_after = now + (int64_t)o->days * 86400;
	/* A certificate may not outlive its issuer (RFC 5280 6.1.3 checks
	 * every certificate of the path for the current time). */
	if (s.not_after > ca->x.not_after)
		s.not_after = ca->x.not_after;
	s.spki = spki.buf;
	s.spki_len = spki.len;
	s.path_len = -1;
	/* TLS 1.3 needs only digitalSignature for either side (RFC 8446
	 * 4.4.2.2 and 4.4.2.4 via RFC 5280 4.2.1.3). */
	s.key_usage = SG_KU_DIGITAL_SIGNATURE;
	s.eku = o->server ? SG_EKU_SERVER : SG_EKU_CLIENT;
	if (o->server) {
		s.names = (const char *const *)o->names;
		s.n_names = o->n_names;
	}
	snprintf(subj, sizeof subj, "CN=%s", s.cn);
	if (o->server)
		names_text(o->names, o->n_names, names, sizeof names);
	else
		names[0] = 0;

	if (db_exec(ca->db, "BEGIN IMMEDIATE", err, errlen) != 0)
		goto err;
	tx = true;
	if (new_serial(ca->db, serial, &slen, o->serial, err, errlen) != 0)
		goto err;
	s.serial = serial;
	s.serial_len = slen;
	if (sg_x509_cert_write(&s, ca->key, &der, err, errlen) != 0)
		goto err;
	if (pem_append(&crt, "CERTIFICATE", der.buf, der.len) != 0)
		goto err;
	size_t leaf_pem_len = crt.len;
	(void)sg_wr_bytes(&crt, ca->chain, ca->chain_len);
	if (!sg_wr_ok(&crt))
		goto err;

	if (o->p12) {
		/* The chain's DER for the bundle: leaf, then chain.crt. */
		const uint8_t *certs[8];
		size_t lens[8], n = 0;
		sg_wr all;
		sg_wr_init(&all, NULL, 0, 1u << 20);
		sg_rd t;
		char label[64], perr[128];
		size_t offs[8];
		certs[0] = der.buf;
		lens[0] = der.len;
		n = 1;
		sg_rd_init(&t, (const uint8_t *)ca->chain, ca->chain_len);
		while (n < 8) {
			size_t before = all.len;
			int rc = sg_pem_next(&t, label, sizeof label, &all, perr, sizeof perr);
			if (rc != 1)
				break;
			offs[n] = before;
			lens[n] = all.len - before;
			n++;
		}
		for (size_t i = 1; i < n; i++)
			certs[i] = all.buf + offs[i];
		int rc = sg_wr_ok(&all) ? sg_pkcs12_write(key, certs, lens, n, o->p12_pass, s.cn, &p12) : -1;
		sg_wr_free(&all);
		if (rc != 0) {
			seterr(err, errlen, "PKCS#12 encoding failed");
			goto err;
		}
	}

	if (sqlite3_prepare_v2(ca->db, "INSERT INTO certs (serial, subject, names, profile, not_before,"
			       " not_after, issued_at, pem) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, o->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subj, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, names, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->server ? "server" : "client", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s.not_before);
	sqlite3_bind_int64(st, 6, s.not_after);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_text(st, 8, (const char *)crt.buf, (int)leaf_pem_len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;

	/* The key goes first and the certificate last, so a reader that
	 * finds the new certificate also finds its key. */
	if ((!o->csr && stage(&stg, kpath, keypem.buf, keypem.len, 0600, err, errlen)) ||
	    (o->p12 && stage(&stg, ppath, p12.buf, p12.len, 0600, err, errlen)) ||
	    stage(&stg, cpath, crt.buf, crt.len, 0644, err, errlen))
		goto err;
	if (db_exec(ca->db, "COMMIT", err, errlen) != 0)
		goto err;
	tx = false;
	if (stage_commit(&stg, err, errlen) != 0)
		goto err;
	if (!o->quiet) {
		printf("issued %s certificate serial %s for %s%s%s\n", o->server ? "server" : "client",
		       o->serial, subj, names[0] ? " " : "", names);
		printf("  %s%s%s\n", o->csr ? "" : kpath, o->csr ? "" : "  ", cpath);
		if (o->p12)
			printf("  %s\n", ppath);
	}
	ret = 0;
	goto err;
dberr:
	seterr(err, errlen, "database: %s", sqlite3_errmsg(ca->db));
err:
	sqlite3_finalize(st);
	if (tx)
		(void)db_exec(ca->db, "ROLLBACK", NULL, 0);
	stage_abort(&stg);
	sg_pkey_free(key);
	sg_wr_free(&spki);
	sg_wr_free(&der);
	sg_wr_free(&keypem);
	sg_wr_free(&crt);
	sg_wr_free(&p12);
	sg_wr_free(&csrder);
	return ret;
}

/* ---- revoke, crl, list ---- */

static int do_revoke_locked(struct ca *ca, const char *serial_in, int reason, char *err, size_t errlen)
{
	char serial[128];
	sqlite3_stmt *st = NULL;
	bool tx = false;
	int ret = -1;
	if (serial_normalize(serial_in, serial, sizeof serial) != 0) {
		seterr(err, errlen, "\"%s\" is not a serial number (hex)", serial_in);
		return -1;
	}
	if (db_exec(ca->db, "BEGIN IMMEDIATE", err, errlen) != 0)
		goto err;
	tx = true;
	if (sqlite3_prepare_v2(ca->db, "SELECT status FROM certs WHERE serial = ?", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		seterr(err, errlen, "serial %s: not issued by this CA", serial);
		goto err;
	}
	if (rc != SQLITE_ROW)
		goto dberr;
	if (strcmp((const char *)sqlite3_column_text(st, 0), "revoked") == 0) {
		seterr(err, errlen, "serial %s is already revoked", serial);
		goto err;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(ca->db, "UPDATE certs SET status = 'revoked', revoked_at = ?, reason = ?"
			       " WHERE serial = ? AND status = 'valid'", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
	sqlite3_bind_int(st, 2, reason);
	sqlite3_bind_text(st, 3, serial, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(ca->db) != 1)
		goto dberr;
	if (db_exec(ca->db, "COMMIT", err, errlen) != 0)
		goto err;
	tx = false;
	printf("revoked %s (%s); publish a new CRL with `sigil ca crl`\n", serial,
	       sg_x509_crl_reason_name(reason));
	ret = 0;
	goto err;
dberr:
	seterr(err, errlen, "database: %s", sqlite3_errmsg(ca->db));
err:
	sqlite3_finalize(st);
	if (tx)
		(void)db_exec(ca->db, "ROLLBACK", NULL, 0);
	return ret;
}

struct revoked {
	uint8_t serial[20];
	sg_x509_crl_entry e;
};

static int do_crl_locked(struct ca *ca, const char *out, int days, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct revoked *list = NULL;
	size_t n = 0, cap = 0;
	sg_wr der, pem;
	struct stage_set stg = { 0 };
	bool tx = false;
	int ret = -1;
	int64_t now = (int64_t)time(NULL), number = 0;
	sg_wr_init(&der, NULL, 0, 64u << 20);
	sg_wr_init(&pem, NULL, 0, 128u << 20);

	if (db_exec(ca->db, "BEGIN IMMEDIATE", err, errlen) != 0)
		goto err;
	tx = true;
	/* 5.2.3: a monotonically increasing sequence number. */
	if (sqlite3_prepare_v2(ca->db, "SELECT COALESCE(MAX(number), 0) + 1 FROM crls", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto dberr;
	number = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(ca->db, "SELECT serial, revoked_at, reason FROM certs WHERE status = 'revoked'"
			       " ORDER BY revoked_at, serial", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct revoked *nl = realloc(list, cap * sizeof *list);
			if (!nl) {
				seterr(err, errlen, "out of memory");
				goto err;
			}
			list = nl;
		}
		size_t slen;
		if (unhex((const char *)sqlite3_column_text(st, 0), list[n].serial,
			  sizeof list[n].serial, &slen) != 0) {
			seterr(err, errlen, "database: bad serial %s", sqlite3_column_text(st, 0));
			goto err;
		}
		list[n].e.serial_len = slen;
		list[n].e.when = sqlite3_column_int64(st, 1);
		list[n].e.reason = sqlite3_column_int(st, 2);
		n++;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	sg_x509_crl_entry *entries = n ? calloc(n, sizeof *entries) : NULL;
	if (n && !entries) {
		seterr(err, errlen, "out of memory");
		goto err;
	}
	for (size_t i = 0; i < n; i++) {
		entries[i] = list[i].e;
		entries[i].serial = list[i].serial;
	}
	sg_x509_crl_spec cs = { 0 };
	cs.issuer = ca->x.subject;
	cs.issuer_key_id = ca->x.ski;
	cs.this_update = now;
	cs.next_update = now + (int64_t)days * 86400;
	cs.number = (uint64_t)number;
	cs.entries = entries;
	cs.n_entries = n;
	rc = sg_x509_crl_write(&cs, ca->key, &der, err, errlen);
	free(entries);
	if (rc != 0)
		goto err;
	if (pem_append(&pem, "X509 CRL", der.buf, der.len) != 0) {
		seterr(err, errlen, "PEM encoding failed");
		goto err;
	}
	if (sqlite3_prepare_v2(ca->db, "INSERT INTO crls VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, cs.this_update);
	sqlite3_bind_int64(st, 3, cs.next_update);
	sqlite3_bind_text(st, 4, out, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (stage(&stg, out, pem.buf, pem.len, 0644, err, errlen) != 0)
		goto err;
	if (db_exec(ca->db, "COMMIT", err, errlen) != 0)
		goto err;
	tx = false;
	if (stage_commit(&stg, err, errlen) != 0)
		goto err;
	printf("CRL number %lld with %zu revoked certificate%s: %s\n", (long long)number, n,
	       n == 1 ? "" : "s", out);
	ret = 0;
	goto err;
dberr:
	seterr(err, errlen, "database: %s", sqlite3_errmsg(ca->db));
err:
	sqlite3_finalize(st);
	if (tx)
		(void)db_exec(ca->db, "ROLLBACK", NULL, 0);
	stage_abort(&stg);
	free(list);
	sg_wr_free(&der);
	sg_wr_free(&pem);
	return ret;
}

static int do_list(struct ca *ca, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(ca->db, "SELECT serial, status, not_after, profile, subject, names, reason"
			       " FROM certs ORDER BY issued_at, serial", -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errlen, "database: %s", sqlite3_errmsg(ca->db));
		return -1;
	}
	printf("%-34s %-8s %-20s %-7s %s\n", "SERIAL", "STATUS", "NOT AFTER", "PROFILE", "SUBJECT  NAMES");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char when[32];
		sg_der_time_to_string(sqlite3_column_int64(st, 2), when, sizeof when);
		printf("%-34s %-8s %-20s %-7s %s  %s\n", sqlite3_column_text(st, 0),
		       sqlite3_column_text(st, 1), when, sqlite3_column_text(st, 3),
		       sqlite3_column_text(st, 4), sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		seterr(err, errlen, "database: %s", sqlite3_errmsg(ca->db));
		return -1;
	}
	return 0;
}

/* ---- public functions ---- */

int sg_ca_init(const char *dir, const char *name, const char *key_type, int days,
	       char *err, size_t errlen)
{
	struct init_opts o = { name ? name : "sigil CA", 0, days > 0 ? days : 3650, -1 };
	if (key_type && key_type_lookup(key_type, &o.kt) != 0) {
		seterr(err, errlen, "unknown key type \"%s\"", key_type);
		return -1;
	}
	return ca_create(dir, &o, NULL, false, err, errlen);
}

static int issue_server(const char *dir, const char *const *names, size_t n, int days,
			const char *prefix, bool quiet, char *serial, size_t scap,
			char *err, size_t errlen)
{
	struct issue_opts o;
	struct ca ca;
	int ret;
	memset(&o, 0, sizeof o);
	if (n == 0 || n > SG_X509_MAX_NAMES) {
		seterr(err, errlen, "between 1 and %d names", SG_X509_MAX_NAMES);
		return -1;
	}
	o.server = true;
	for (size_t i = 0; i < n; i++)
		o.names[i] = (char *)names[i];
	o.n_names = n;
	o.days = days > 0 ? days : 365;
	o.prefix = prefix;
	o.force = true;
	o.quiet = quiet;
	if (ca_open(&ca, dir, true, true, err, errlen) != 0)
		return -1;
	ret = do_issue_locked(&ca, &o, err, errlen);
	ca_close(&ca);
	if (ret == 0 && serial)
		snprintf(serial, scap, "%s", o.serial);
	return ret;
}

int sg_ca_issue_server(const char *dir, const char *const *names, size_t n, int days,
		       const char *prefix, char *serial, size_t scap, char *err, size_t errlen)
{
	/* Quiet: a caller such as `sigil serve` decides what to print. */
	return issue_server(dir, names, n, days, prefix, true, serial, scap, err, errlen);
}

/* True when cert_path holds a certificate issued by ca that is valid for
 * more than `margin` seconds and key_path holds its key. */
static bool dev_cert_fresh(const struct ca *ca, const char *cert_path, const char *key_path,
			   int64_t margin)
{
	sg_wr der, spki;
	sg_x509_cert x;
	char e[256];
	sg_pkey *key = NULL;
	char *pem = NULL;
	size_t len;
	bool ok = false;
	sg_wr_init(&der, NULL, 0, 1u << 16);
	sg_wr_init(&spki, NULL, 0, 4096);
	if (load_der(cert_path, "CERTIFICATE", NULL, &der, e, sizeof e) != 0 ||
	    sg_x509_cert_parse(&x, der.buf, der.len, e, sizeof e) != 0)
		goto done;
	if (!sg_x509_name_eq(x.issuer, ca->x.subject) ||
	    (int64_t)time(NULL) + margin >= x.not_after || !sg_x509_host_match(&x, "localhost"))
		goto done;
	if (!(pem = read_text(key_path, &len, e, sizeof e)))
		goto done;
	key = sg_pkey_private_from_pem(pem, len);
	sg_wipe(pem, len);
	if (!key || sg_pkey_spki(key, &spki) != 0)
		goto done;
	ok = spki.len == x.spki.n && memcmp(spki.buf, x.spki.p, spki.len) == 0;
done:
	free(pem);
	sg_pkey_free(key);
	sg_wr_free(&der);
	sg_wr_free(&spki);
	return ok;
}

int sg_ca_ensure_dev(const char *home, char *ca_cert_path, size_t cap,
		     char *cert_path, char *key_path, size_t pcap, char *err, size_t errlen)
{
	static const char *const names[] = { "localhost", "127.0.0.1", "::1" };
	char dir[PATH_MAX], db[PATH_MAX], prefix[PATH_MAX], crt[PATH_MAX], key[PATH_MAX], root[PATH_MAX];
	struct ca ca;
	int ret = -1;
	if (path_join(dir, sizeof dir, home, "ca") || path_join(db, sizeof db, dir, "ca.db") ||
	    path_join(prefix, sizeof prefix, dir, "localhost") ||
	    path_join(crt, sizeof crt, dir, "localhost.crt") ||
	    path_join(key, sizeof key, dir, "localhost.key") ||
	    path_join(root, sizeof root, dir, "root.crt")) {
		seterr(err, errlen, "%s: path too long", home);
		return -1;
	}
	if (mkdir(home, 0700) != 0 && errno != EEXIST) {
		seterr(err, errlen, "%s: %s", home, strerror(errno));
		return -1;
	}
	if (!exists(db)) {
		char e2[256];
		struct init_opts o = { "sigil development CA", 0, 3650, -1 };
		/* Another process may win the race to create it: then use
		 * theirs. */
		if (ca_create(dir, &o, NULL, false, e2, sizeof e2) != 0 && !exists(db)) {
			seterr(err, errlen, "%s", e2);
			return -1;
		}
	}
	if (ca_open(&ca, dir, true, true, err, errlen) != 0)
		return -1;
	/* Renew a week ahead, so a server started today keeps working. */
	if (!dev_cert_fresh(&ca, crt, key, 7 * 86400)) {
		struct issue_opts o;
		memset(&o, 0, sizeof o);
		o.server = true;
		for (size_t i = 0; i < 3; i++)
			o.names[i] = (char *)names[i];
		o.n_names = 3;
		o.days = 90;
		o.prefix = prefix;
		o.force = true;
		o.quiet = true;
		if (do_issue_locked(&ca, &o, err, errlen) != 0)
			goto err;
	}
	if ((size_t)snprintf(ca_cert_path, cap, "%s", root) >= cap ||
	    (size_t)snprintf(cert_path, pcap, "%s", crt) >= pcap ||
	    (size_t)snprintf(key_path, pcap, "%s", key) >= pcap) {
		seterr(err, errlen, "path buffer too small");
		goto err;
	}
	ret = 0;
err:
	ca_close(&ca);
	return ret;
}

/* ---- the command line ---- */

static const char key_types_help[] = "ec-p256, ec-p384, ed25519, rsa-2048, rsa-3072 or rsa-4096";

/* Parse a subcommand's options; OPT_GO or the exit status. */
static int parse(struct opt_cmd *cmd, struct opt *opts, size_t n, int argc, char **argv, char **pos,
		 int *npos)
{
	cmd->opts = opts;
	cmd->nopts = n;
	return opt_parse(cmd, argc, argv, pos, npos);
}

/* The default output prefix from a name: safe file-name characters. */
static void default_prefix(const char *name, char *out, size_t cap)
{
	size_t k = 0;
	for (const char *p = name; *p && k + 1 < cap; p++) {
		char ch = *p;
		if (ch == '*')
			k += (size_t)snprintf(out + k, cap - k, "wildcard");
		else
			out[k++] = (ch == '.' || ch == '-' || ch == '_' || (ch >= '0' && ch <= '9') ||
				    (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) ? ch : '_';
		if (k >= cap)
			k = cap - 1;
	}
	out[k] = 0;
}

static int cmd_init(int argc, char **argv, bool intermediate)
{
	const char *name = NULL, *kt = NULL;
	int days = 0, path_len = -1;
	struct opt opts[] = {
		OPTION("--name", 0, OPT_STRING, "NAME", intermediate ? "sigil Intermediate CA" : "sigil CA",
		       "the CA's name (subject CN)", &name),
		OPTION("--key-type", 0, OPT_STRING, "TYPE", "ec-p256", key_types_help, &kt),
		OPTION("--days", 0, OPT_INT, "N", intermediate ? "1825" : "3650", "validity in days", &days, 1, 36500),
		OPTION("--path-len", 0, OPT_INT, "N", NULL,
		       "pathLenConstraint: how many CAs may follow below (default: one below DIR's, or none)",
		       &path_len, 0, 16),
	};
	struct opt_cmd cmd = {
		intermediate ? "ca intermediate" : "ca init", intermediate ? "DIR NEWDIR [options]" : "DIR [options]",
		intermediate ? "Creates a CA in NEWDIR whose certificate DIR signs (recorded in DIR's database, "
			       "revocable there).  NEWDIR works with every command."
			     : "Creates a root CA in DIR: ca.key (0600), ca.crt (self-signed, basicConstraints "
			       "CA:TRUE critical, keyUsage keyCertSign+cRLSign), root.crt, chain.crt and ca.db.  "
			       "Refuses a DIR that holds a CA.",
		NULL, NULL, 0, intermediate ? 2 : 1, intermediate ? 2 : 1,
	};
	char *pos[2];
	int npos;
	int pr = parse(&cmd, opts, intermediate ? 4 : 3, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	struct init_opts io = { name, 0, days, path_len };
	if (key_type_lookup(kt, &io.kt) != 0)
		return opt_usage_error(&cmd, "--key-type: unknown key type \"%s\" (%s)", kt, key_types_help);
	char err[1024] = "";
	int rc;
	if (!intermediate) {
		rc = ca_create(pos[0], &io, NULL, true, err, sizeof err) == 0 ? EX_OK : EX_FAIL;
	} else {
		struct ca parent;
		rc = EX_FAIL;
		if (ca_open(&parent, pos[0], true, true, err, sizeof err) == 0) {
			rc = ca_create(pos[1], &io, &parent, true, err, sizeof err) == 0 ? EX_OK : EX_FAIL;
			ca_close(&parent);
		}
	}
	if (rc != EX_OK)
		fprintf(stderr, "sigil %s: %s\n", cmd.name, err);
	return rc;
}

static int split_names(const char *list, struct issue_opts *io, char *err, size_t errlen)
{
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n > 253) {
			seterr(err, errlen, "empty or overlong name in \"%s\"", list);
			return -1;
		}
		if (io->n_names == SG_X509_MAX_NAMES) {
			seterr(err, errlen, "at most %d names", SG_X509_MAX_NAMES);
			return -1;
		}
		if (!(io->names[io->n_names] = strndup(p, n))) {
			seterr(err, errlen, "out of memory");
			return -1;
		}
		io->n_names++;
		p += n;
		if (comma) {
			p++;
			if (!*p) {
				seterr(err, errlen, "empty name at the end of \"%s\"", list);
				return -1;
			}
		}
	}
	return 0;
}

/* --csr FILE: a PKCS#10 request, signed by its own key, read at start-up. */
static int check_csr(const char *path)
{
	sg_wr der;
	sg_x509_csr req;
	char err[512], perr[256];
	sg_wr_init(&der, NULL, 0, 1u << 16);
	int rc = EX_OK;
	if (load_der(path, "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", &der, err, sizeof err) != 0) {
		fprintf(stderr, "sigil ca issue: --csr %s\n", err);
		rc = EX_FILE;
	} else if (sg_x509_csr_parse(&req, der.buf, der.len, perr, sizeof perr) != 0) {
		fprintf(stderr, "sigil ca issue: --csr %s: %s\n", path, perr);
		rc = EX_FILE;
	}
	sg_wr_free(&der);
	return rc;
}

static int cmd_issue(int argc, char **argv)
{
	const char *server = NULL, *client = NULL, *kt = NULL, *out = NULL, *csr = NULL, *p12_pass = NULL;
	int days = 0, p12 = 0, force = 0;
	struct opt opts[] = {
		OPTION("--server", 0, OPT_STRING, "NAME[,NAME...]", NULL,
		       "a server certificate for these DNS names, *.wildcards and IP addresses (subjectAltName; "
		       "the first is also the CN), extKeyUsage serverAuth", &server),
		OPTION("--client", 0, OPT_STRING, "NAME", NULL,
		       "a client certificate with this CN (commas and all), extKeyUsage clientAuth", &client),
		OPTION("--days", 0, OPT_INT, "N", "365", "validity in days", &days, 1, 36500),
		OPTION("--key-type", 0, OPT_STRING, "TYPE", "ec-p256", key_types_help, &kt),
		OPTION("--out", 0, OPT_STRING, "PREFIX", NULL,
		       "write PREFIX.key (0600) and PREFIX.crt (leaf then intermediates) (default: the first name)",
		       &out),
		OPTION("--csr", 0, OPT_FILE, "FILE", NULL,
		       "sign this PKCS#10 request (PEM or DER) after checking its signature; without --server or "
		       "--client its requested subjectAltName is used", &csr),
		OPTION("--p12", 0, OPT_FLAG, NULL, NULL, "also write PREFIX.p12", &p12),
		OPTION("--p12-pass", 0, OPT_STRING, "PASS", NULL,
		       "the PKCS#12 password (default: $SIGIL_P12_PASS, or a generated one that is printed)",
		       &p12_pass),
		OPTION("--force", 0, OPT_FLAG, NULL, NULL, "replace existing PREFIX files", &force),
	};
	struct opt_cmd cmd = {
		"ca issue", "DIR (--server NAMES | --client NAME | --csr FILE) [options]",
		"Issues a leaf certificate signed by the CA in DIR.", NULL, NULL, 0, 1, 1,
	};
	char *pos[1];
	int npos;
	int pr = parse(&cmd, opts, sizeof opts / sizeof opts[0], argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	struct issue_opts io;
	struct ca ca;
	char prefix[PATH_MAX], pass[32], err[1024] = "";
	int ret = EX_FAIL;
	memset(&io, 0, sizeof io);
	memset(pass, 0, sizeof pass);
	io.days = days;
	if (server && client)
		return opt_usage_error(&cmd, "--server and --client are exclusive");
	if (!server && !client && !csr)
		return opt_usage_error(&cmd, "give --server NAMES or --client NAME (or --csr FILE)");
	/* An empty list ("--server ''") names nothing: without this check the
	 * issue went on with no name at all and crashed. */
	if (server && !*server)
		return opt_usage_error(&cmd, "--server needs at least one name (NAME[,NAME...])");
	if (client && (!*client || strlen(client) > 64))
		return opt_usage_error(&cmd, "--client: a name of 1 to 64 bytes");
	if (key_type_lookup(kt, &io.kt) != 0)
		return opt_usage_error(&cmd, "--key-type: unknown key type \"%s\" (%s)", kt, key_types_help);
	if (p12_pass && !p12)
		return opt_usage_error(&cmd, "--p12-pass goes with --p12");
	if (csr && (ret = check_csr(csr)) != EX_OK)
		return ret;
	ret = EX_USAGE;
	io.server = !client;
	if (server && split_names(server, &io, err, sizeof err) != 0)
		goto done;
	if (client) {
		/* One name, commas and all ("Doe, John"): it is a CN, not a
		 * list. */
		if (!(io.names[0] = strdup(client))) {
			seterr(err, sizeof err, "out of memory");
			ret = EX_FAIL;
			goto done;
		}
		io.n_names = 1;
	}
	for (size_t i = 0; i < io.n_names && io.server; i++)
		if (!sg_x509_san_name_ok(io.names[i])) {
			seterr(err, sizeof err, "\"%s\" is not a DNS name, wildcard or IP address", io.names[i]);
			goto done;
		}
	ret = EX_FAIL;
	io.csr = csr;
	io.p12 = p12;
	io.force = force;
	if (io.p12) {
		io.p12_pass = p12_pass ? p12_pass : getenv("SIGIL_P12_PASS");
		if (!io.p12_pass) {
			uint8_t r[12];
			if (sg_random(r, sizeof r) != 0 || sg_base64_encode(r, sizeof r, pass, sizeof pass) < 0) {
				seterr(err, sizeof err, "random number generator failed");
				goto done;
			}
			for (char *p = pass; *p; p++)
				if (*p == '/' || *p == '+')
					*p = 'x';
			io.p12_pass = pass;
		}
	}
	if (ca_open(&ca, pos[0], true, true, err, sizeof err) != 0)
		goto done;
	/* With --csr and no names the names come from the request, so the
	 * default prefix is chosen inside; take it from the CSR file then. */
	if (out)
		snprintf(prefix, sizeof prefix, "%s", out);
	else if (io.n_names)
		default_prefix(io.names[0], prefix, sizeof prefix);
	else {
		snprintf(prefix, sizeof prefix, "%s", io.csr);
		char *dot = strrchr(prefix, '.');
		if (dot && !strchr(dot, '/'))
			*dot = 0;
	}
	io.prefix = prefix;
	if (do_issue_locked(&ca, &io, err, sizeof err) == 0) {
		ret = EX_OK;
		if (io.p12 && io.p12_pass == pass)
			printf("PKCS#12 password: %s\n", pass);
	}
	ca_close(&ca);
done:
	for (size_t i = 0; i < io.n_names; i++)
		free(io.names[i]);
	sg_wipe(pass, sizeof pass);
	if (ret != EX_OK && err[0])
		fprintf(stderr, "sigil ca issue: %s\n", err);
	return ret;
}

static int cmd_revoke(int argc, char **argv)
{
	const char *reason_name = NULL;
	struct opt opts[] = {
		OPTION("--reason", 0, OPT_STRING, "REASON", NULL,
		       "unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
		       "cessationOfOperation, certificateHold, privilegeWithdrawn or aACompromise (default: none "
		       "given)", &reason_name),
	};
	struct opt_cmd cmd = {
		"ca revoke", "DIR SERIAL [options]",
		"Marks a certificate of this CA revoked.  SERIAL in hex, as 'sigil ca list' or 'openssl x509 "
		"-serial' print it.", NULL, NULL, 0, 2, 2,
	};
	char *pos[2];
	int npos;
	int pr = parse(&cmd, opts, 1, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	int reason = 0;
	/* removeFromCRL (8) belongs to delta CRLs only (RFC 5280 5.3.1). */
	if (reason_name && ((reason = sg_x509_crl_reason_code(reason_name)) < 0 || reason == 8))
		return opt_usage_error(&cmd, "--reason: unknown revocation reason \"%s\"", reason_name);
	struct ca ca;
	char err[1024] = "";
	int rc = EX_FAIL;
	if (ca_open(&ca, pos[0], false, true, err, sizeof err) == 0) {
		rc = do_revoke_locked(&ca, pos[1], reason, err, sizeof err) == 0 ? EX_OK : EX_FAIL;
		ca_close(&ca);
	}
	if (rc != EX_OK)
		fprintf(stderr, "sigil ca revoke: %s\n", err);
	return rc;
}

static int cmd_crl(int argc, char **argv)
{
	const char *out_opt = NULL;
	int days = 0;
	struct opt opts[] = {
		OPTION("--out", 0, OPT_STRING, "FILE", NULL, "where to write the CRL (default: DIR/crl.pem)", &out_opt),
		OPTION("--days", 0, OPT_INT, "N", "7", "days until nextUpdate", &days, 1, 36500),
	};
	struct opt_cmd cmd = {
		"ca crl", "DIR [options]",
		"Signs a CRL of every revoked certificate, with the next CRL number.", NULL, NULL, 0, 1, 1,
	};
	char *pos[1];
	int npos;
	int pr = parse(&cmd, opts, 2, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	char out[PATH_MAX], err[1024] = "";
	if (out_opt ? snprintf(out, sizeof out, "%s", out_opt) >= (int)sizeof out
		    : path_join(out, sizeof out, pos[0], "crl.pem") != 0)
		return opt_usage_error(&cmd, "--out: path too long");
	struct ca ca;
	int rc = EX_FAIL;
	if (ca_open(&ca, pos[0], true, true, err, sizeof err) == 0) {
		rc = do_crl_locked(&ca, out, days, err, sizeof err) == 0 ? EX_OK : EX_FAIL;
		ca_close(&ca);
	}
	if (rc != EX_OK)
		fprintf(stderr, "sigil ca crl: %s\n", err);
	return rc;
}

static int cmd_dev(int argc, char **argv)
{
	struct opt_cmd cmd = {
		"ca dev", "HOME",
		"Creates HOME/ca (\"sigil development CA\", ec-p256) if missing and a certificate for "
		"localhost, 127.0.0.1 and ::1 (renewed when it expires within 7 days); prints the paths of the "
		"root, the certificate and the key.", NULL, NULL, 0, 1, 1,
	};
	char *pos[1];
	int npos;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	char ca_crt[PATH_MAX], crt[PATH_MAX], key[PATH_MAX], err[1024] = "";
	if (sg_ca_ensure_dev(pos[0], ca_crt, sizeof ca_crt, crt, key, sizeof crt, err, sizeof err) != 0) {
		fprintf(stderr, "sigil ca dev: %s\n", err);
		return EX_FAIL;
	}
	printf("ca %s\ncert %s\nkey %s\n", ca_crt, crt, key);
	return EX_OK;
}

static int cmd_list(int argc, char **argv)
{
	struct opt_cmd cmd = {
		"ca list", "DIR",
		"Every certificate issued: serial, status, notAfter, profile, subject, names.", NULL, NULL, 0, 1, 1,
	};
	char *pos[1];
	int npos;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	struct ca ca;
	char err[1024] = "";
	int rc = EX_FAIL;
	if (ca_open(&ca, pos[0], false, false, err, sizeof err) == 0) {
		rc = do_list(&ca, err, sizeof err) == 0 ? EX_OK : EX_FAIL;
		ca_close(&ca);
	}
	if (rc != EX_OK)
		fprintf(stderr, "sigil ca list: %s\n", err);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *help;
} ca_commands[] = {
	{ "init", NULL, "DIR [--name NAME] [--key-type T] [--days N]", "a new root CA in DIR" },
	{ "intermediate", NULL, "DIR NEWDIR [--name NAME] [--path-len N] [--key-type T] [--days N]",
	  "a new CA in NEWDIR signed by DIR" },
	{ "issue", cmd_issue, "DIR (--server NAMES | --client NAME | --csr FILE) [options]",
	  "a leaf certificate: PREFIX.key, PREFIX.crt, PREFIX.p12 with --p12" },
	{ "revoke", cmd_revoke, "DIR SERIAL [--reason REASON]", "revoke a certificate" },
	{ "crl", cmd_crl, "DIR [--out FILE] [--days N]", "sign a new CRL" },
	{ "list", cmd_list, "DIR", "every certificate issued" },
	{ "dev", cmd_dev, "HOME", "the development CA of 'sigil serve' and a localhost certificate" },
};

static void ca_usage(FILE *f)
{
	fprintf(f, "usage: sigil ca COMMAND ARGS [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof ca_commands / sizeof ca_commands[0]; i++)
		fprintf(f, "  %-13s %s\n  %-13s %s\n", ca_commands[i].name, ca_commands[i].synopsis, "",
			ca_commands[i].help);
	fprintf(f, "\nkey types: %s\n'sigil ca COMMAND --help' lists every option of a command.\n"
		   "exit status: see 'sigil --help'.\n", key_types_help);
}

int do_ca(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "sigil ca: a command is missing (see 'sigil ca --help')\n");
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		ca_usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sigil %s\n", SIGIL_TOOLS_VERSION);
		return EX_OK;
	}
	if (strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "intermediate") == 0)
		return cmd_init(argc - 1, argv + 1, true);
	for (size_t i = 0; i < sizeof ca_commands / sizeof ca_commands[0]; i++)
		if (ca_commands[i].run && strcmp(argv[1], ca_commands[i].name) == 0)
			return ca_commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sigil ca: unknown command \"%s\" (see 'sigil ca --help')\n", argv[1]);
	return EX_USAGE;
}
