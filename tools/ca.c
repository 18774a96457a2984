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
#include "crypto/crypto.h"
#include "der/der.h"
#include "tools.h"
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

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

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
		hex(s, 16, shex);
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

static int parse_days(const char *s, int *days)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > 36500)
		return -1;
	*days = (int)v;
	return 0;
}

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
		hex(serial, slen, shex);
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

static const char usage_text[] =
	"usage: sigil ca COMMAND DIR [OPTIONS]\n"
	"\n"
	"  init DIR [--name NAME] [--key-type T] [--days N]\n"
	"      a new root CA in DIR (refuses to overwrite one)\n"
	"  intermediate DIR NEWDIR [--name NAME] [--path-len N] [--key-type T] [--days N]\n"
	"      a new CA in NEWDIR signed by DIR\n"
	"  issue DIR (--server NAME[,NAME...] | --client NAME) [--days N] [--key-type T]\n"
	"        [--out PREFIX] [--csr FILE] [--p12 [--p12-pass PASS]] [--force]\n"
	"      a leaf certificate: PREFIX.key (0600), PREFIX.crt (leaf then\n"
	"      intermediates), PREFIX.p12 with --p12\n"
	"  revoke DIR SERIAL [--reason REASON]\n"
	"  crl DIR [--out FILE] [--days N]\n"
	"  list DIR\n"
	"  dev HOME\n"
	"      the development CA of `sigil serve`: HOME/ca and a localhost certificate\n"
	"\n"
	"key types: ec-p256 (default), ec-p384, ed25519, rsa-2048, rsa-3072, rsa-4096\n"
	"'sigil ca COMMAND --help' describes each command.\n";

static const struct {
	const char *cmd;
	const char *help;
} helps[] = {
	{ "init", "usage: sigil ca init DIR [--name NAME] [--key-type T] [--days N]\n"
	  "Creates a root CA in DIR: ca.key (0600), ca.crt (self-signed,\n"
	  "basicConstraints CA:TRUE critical, keyUsage keyCertSign+cRLSign),\n"
	  "root.crt, chain.crt and ca.db. Defaults: --name \"sigil CA\",\n"
	  "--key-type ec-p256, --days 3650. Refuses a DIR that holds a CA.\n" },
	{ "intermediate", "usage: sigil ca intermediate DIR NEWDIR [--name NAME] [--path-len N]\n"
	  "                                 [--key-type T] [--days N]\n"
	  "Creates a CA in NEWDIR whose certificate DIR signs (recorded in DIR's\n"
	  "database, revocable there). NEWDIR works with every command.\n"
	  "Defaults: --name \"sigil Intermediate CA\", --days 1825, --path-len one\n"
	  "below DIR's, or none.\n" },
	{ "issue", "usage: sigil ca issue DIR (--server NAME[,NAME...] | --client NAME)\n"
	  "            [--days N] [--key-type T] [--out PREFIX] [--csr FILE]\n"
	  "            [--p12 [--p12-pass PASS]] [--force]\n"
	  "--server: DNS names, *.wildcards and IP addresses (subjectAltName; the\n"
	  "first is also the CN), extKeyUsage serverAuth. --client: the CN of a\n"
	  "client certificate, extKeyUsage clientAuth. --csr signs a PKCS#10\n"
	  "request (PEM or DER) after checking its signature; without --server or\n"
	  "--client its requested subjectAltName is used. --p12 also writes\n"
	  "PREFIX.p12 protected by --p12-pass, $SIGIL_P12_PASS, or a generated\n"
	  "password that is printed. Defaults: --days 365, --key-type ec-p256,\n"
	  "--out the first name. Existing files are kept unless --force.\n" },
	{ "revoke", "usage: sigil ca revoke DIR SERIAL [--reason REASON]\n"
	  "Marks a certificate of this CA revoked. SERIAL in hex (as `sigil ca\n"
	  "list` or `openssl x509 -serial` print it). REASON: unspecified,\n"
	  "keyCompromise, cACompromise, affiliationChanged, superseded,\n"
	  "cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise.\n" },
	{ "crl", "usage: sigil ca crl DIR [--out FILE] [--days N]\n"
	  "Signs a CRL of every revoked certificate, with the next CRL number.\n"
	  "Defaults: --out DIR/crl.pem, --days 7 (nextUpdate).\n" },
	{ "dev", "usage: sigil ca dev HOME\n"
	  "Creates HOME/ca (\"sigil development CA\", ec-p256) if missing and a\n"
	  "certificate for localhost, 127.0.0.1 and ::1 (renewed when it expires\n"
	  "within 7 days); prints the paths of the root, the certificate and the key.\n" },
	{ "list", "usage: sigil ca list DIR\n"
	  "Every certificate issued: serial, status, notAfter, profile, subject,\n"
	  "names.\n" },
};

static int want_help(int argc, char **argv, const char *cmd)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			for (size_t k = 0; k < sizeof helps / sizeof helps[0]; k++)
				if (strcmp(helps[k].cmd, cmd) == 0)
					fputs(helps[k].help, stdout);
			return 1;
		}
	return 0;
}

/* Options after the positional arguments: --name VALUE pairs and flags. */
struct opt {
	const char *name;
	bool has_value;
	const char *value;
	bool seen;
};

static int parse_opts(int argc, char **argv, int first, struct opt *opts, size_t n,
		      char *err, size_t errlen)
{
	for (int i = first; i < argc; i++) {
		size_t k;
		for (k = 0; k < n; k++)
			if (strcmp(argv[i], opts[k].name) == 0)
				break;
		if (k == n) {
			seterr(err, errlen, "unknown option \"%s\"", argv[i]);
			return -1;
		}
		if (opts[k].seen) {
			seterr(err, errlen, "%s given twice", opts[k].name);
			return -1;
		}
		opts[k].seen = true;
		if (opts[k].has_value) {
			if (i + 1 >= argc) {
				seterr(err, errlen, "%s needs a value", opts[k].name);
				return -1;
			}
			opts[k].value = argv[++i];
		}
	}
	return 0;
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

static int cmd_init(int argc, char **argv, bool intermediate, char *err, size_t errlen)
{
	struct opt o[] = {
		{ "--name", true, NULL, false }, { "--key-type", true, NULL, false },
		{ "--days", true, NULL, false }, { "--path-len", true, NULL, false },
	};
	int npos = intermediate ? 3 : 2;
	struct init_opts io = { intermediate ? "sigil Intermediate CA" : "sigil CA", 0,
				intermediate ? 1825 : 3650, -1 };
	if (argc < npos || argv[1][0] == '-' || (intermediate && argv[2][0] == '-')) {
		seterr(err, errlen, "usage: sigil ca %s", intermediate ? "intermediate DIR NEWDIR [...]" : "init DIR [...]");
		return 2;
	}
	if (parse_opts(argc, argv, npos, o, intermediate ? 4 : 3, err, errlen) != 0)
		return 2;
	if (o[0].value)
		io.name = o[0].value;
	if (o[1].value && key_type_lookup(o[1].value, &io.kt) != 0) {
		seterr(err, errlen, "unknown key type \"%s\" (ec-p256, ec-p384, ed25519, rsa-2048, rsa-3072, rsa-4096)", o[1].value);
		return 1;
	}
	if (o[2].value && parse_days(o[2].value, &io.days) != 0) {
		seterr(err, errlen, "--days: a whole number of days from 1 to 36500");
		return 1;
	}
	if (o[3].value) {
		int pl;
		if (parse_days(o[3].value, &pl) == 0 && pl <= 16)
			io.path_len = pl;
		else if (strcmp(o[3].value, "0") == 0)
			io.path_len = 0;
		else {
			seterr(err, errlen, "--path-len: a number from 0 to 16");
			return 1;
		}
	}
	if (!intermediate)
		return ca_create(argv[1], &io, NULL, true, err, errlen) == 0 ? 0 : 1;
	struct ca parent;
	if (ca_open(&parent, argv[1], true, true, err, errlen) != 0)
		return 1;
	int rc = ca_create(argv[2], &io, &parent, true, err, errlen);
	ca_close(&parent);
	return rc == 0 ? 0 : 1;
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

static int cmd_issue(int argc, char **argv, char *err, size_t errlen)
{
	struct opt o[] = {
		{ "--server", true, NULL, false }, { "--client", true, NULL, false },
		{ "--days", true, NULL, false }, { "--key-type", true, NULL, false },
		{ "--out", true, NULL, false }, { "--csr", true, NULL, false },
		{ "--p12", false, NULL, false }, { "--p12-pass", true, NULL, false },
		{ "--force", false, NULL, false },
	};
	struct issue_opts io;
	struct ca ca;
	char prefix[PATH_MAX], pass[32];
	int ret = 1;
	memset(&io, 0, sizeof io);
	io.days = 365;
	if (argc < 2 || argv[1][0] == '-') {
		seterr(err, errlen, "usage: sigil ca issue DIR (--server NAMES | --client NAME) [...]");
		return 2;
	}
	if (parse_opts(argc, argv, 2, o, sizeof o / sizeof o[0], err, errlen) != 0)
		return 2;
	if (o[0].seen && o[1].seen) {
		seterr(err, errlen, "--server and --client are exclusive");
		return 2;
	}
	if (!o[0].seen && !o[1].seen && !o[5].seen) {
		seterr(err, errlen, "give --server NAMES or --client NAME (or --csr FILE)");
		return 2;
	}
	io.server = !o[1].seen;
	/* An empty list ("--server ''") names nothing: without this check the
	 * issue went on with no name at all and crashed. */
	if (o[0].seen && !*o[0].value) {
		seterr(err, errlen, "--server needs at least one name (NAME[,NAME...])");
		return 2;
	}
	if (o[0].value && split_names(o[0].value, &io, err, errlen) != 0)
		goto done;
	if (o[1].value) {
		if (!*o[1].value || strlen(o[1].value) > 64) {
			seterr(err, errlen, "--client: a name of 1 to 64 bytes");
			goto done;
		}
		/* One name, commas and all ("Doe, John"): it is a CN, not a
		 * list. */
		if (!(io.names[0] = strdup(o[1].value))) {
			seterr(err, errlen, "out of memory");
			goto done;
		}
		io.n_names = 1;
	}
	for (size_t i = 0; i < io.n_names && io.server; i++)
		if (!sg_x509_san_name_ok(io.names[i])) {
			seterr(err, errlen, "\"%s\" is not a DNS name, wildcard or IP address", io.names[i]);
			goto done;
		}
	if (o[2].value && parse_days(o[2].value, &io.days) != 0) {
		seterr(err, errlen, "--days: a whole number of days from 1 to 36500");
		goto done;
	}
	if (o[3].value && key_type_lookup(o[3].value, &io.kt) != 0) {
		seterr(err, errlen, "unknown key type \"%s\" (ec-p256, ec-p384, ed25519, rsa-2048, rsa-3072, rsa-4096)", o[3].value);
		goto done;
	}
	io.csr = o[5].value;
	io.p12 = o[6].seen;
	io.force = o[8].seen;
	if (o[7].seen && !io.p12) {
		seterr(err, errlen, "--p12-pass without --p12");
		goto done;
	}
	if (io.p12) {
		io.p12_pass = o[7].value ? o[7].value : getenv("SIGIL_P12_PASS");
		if (!io.p12_pass) {
			uint8_t r[12];
			if (sg_random(r, sizeof r) != 0 || sg_base64_encode(r, sizeof r, pass, sizeof pass) < 0) {
				seterr(err, errlen, "random number generator failed");
				goto done;
			}
			for (char *p = pass; *p; p++)
				if (*p == '/' || *p == '+')
					*p = 'x';
			io.p12_pass = pass;
		}
	}
	if (ca_open(&ca, argv[1], true, true, err, errlen) != 0)
		goto done;
	/* With --csr and no names the names come from the request, so the
	 * default prefix is chosen inside; take it from the CSR file then. */
	if (o[4].value)
		snprintf(prefix, sizeof prefix, "%s", o[4].value);
	else if (io.n_names)
		default_prefix(io.names[0], prefix, sizeof prefix);
	else {
		snprintf(prefix, sizeof prefix, "%s", io.csr);
		char *dot = strrchr(prefix, '.');
		if (dot && !strchr(dot, '/'))
			*dot = 0;
	}
	io.prefix = prefix;
	if (do_issue_locked(&ca, &io, err, errlen) == 0) {
		ret = 0;
		if (io.p12 && io.p12_pass == pass)
			printf("PKCS#12 password: %s\n", pass);
	}
	ca_close(&ca);
done:
	for (size_t i = 0; i < io.n_names; i++)
		free(io.names[i]);
	sg_wipe(pass, sizeof pass);
	return ret;
}

int do_ca(int argc, char **argv)
{
	char err[1024] = "";
	int rc = 1;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (want_help(argc, argv, cmd))
		return 0;
	if (strcmp(cmd, "init") == 0) {
		rc = cmd_init(argc, argv, false, err, sizeof err);
	} else if (strcmp(cmd, "intermediate") == 0) {
		rc = cmd_init(argc, argv, true, err, sizeof err);
	} else if (strcmp(cmd, "issue") == 0) {
		rc = cmd_issue(argc, argv, err, sizeof err);
	} else if (strcmp(cmd, "revoke") == 0) {
		struct opt o[] = { { "--reason", true, NULL, false } };
		int reason = 0;
		struct ca ca;
		if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-') {
			seterr(err, sizeof err, "usage: sigil ca revoke DIR SERIAL [--reason REASON]");
			rc = 2;
		} else if (parse_opts(argc, argv, 3, o, 1, err, sizeof err) != 0) {
			rc = 2;
		} else if (o[0].value && ((reason = sg_x509_crl_reason_code(o[0].value)) < 0 ||
					  reason == 8)) {
			/* removeFromCRL (8) belongs to delta CRLs only
			 * (RFC 5280 5.3.1). */
			seterr(err, sizeof err, "unknown revocation reason \"%s\"", o[0].value);
		} else if (ca_open(&ca, argv[1], false, true, err, sizeof err) == 0) {
			rc = do_revoke_locked(&ca, argv[2], reason, err, sizeof err) == 0 ? 0 : 1;
			ca_close(&ca);
		}
	} else if (strcmp(cmd, "crl") == 0) {
		struct opt o[] = { { "--out", true, NULL, false }, { "--days", true, NULL, false } };
		int days = 7;
		char out[PATH_MAX];
		struct ca ca;
		if (argc < 2 || argv[1][0] == '-') {
			seterr(err, sizeof err, "usage: sigil ca crl DIR [--out FILE] [--days N]");
			rc = 2;
		} else if (parse_opts(argc, argv, 2, o, 2, err, sizeof err) != 0) {
			rc = 2;
		} else if (o[1].value && parse_days(o[1].value, &days) != 0) {
			seterr(err, sizeof err, "--days: a whole number of days from 1 to 36500");
		} else if ((o[0].value ? snprintf(out, sizeof out, "%s", o[0].value) >= (int)sizeof out
				       : path_join(out, sizeof out, argv[1], "crl.pem") != 0)) {
			seterr(err, sizeof err, "--out: path too long");
		} else if (ca_open(&ca, argv[1], true, true, err, sizeof err) == 0) {
			rc = do_crl_locked(&ca, out, days, err, sizeof err) == 0 ? 0 : 1;
			ca_close(&ca);
		}
	} else if (strcmp(cmd, "dev") == 0) {
		char ca_crt[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
		if (argc != 2 || argv[1][0] == '-') {
			seterr(err, sizeof err, "usage: sigil ca dev HOME");
			rc = 2;
		} else if (sg_ca_ensure_dev(argv[1], ca_crt, sizeof ca_crt, crt, key, sizeof crt,
					    err, sizeof err) == 0) {
			printf("ca %s\ncert %s\nkey %s\n", ca_crt, crt, key);
			rc = 0;
		}
	} else if (strcmp(cmd, "list") == 0) {
		struct ca ca;
		if (argc != 2 || argv[1][0] == '-') {
			seterr(err, sizeof err, "usage: sigil ca list DIR");
			rc = 2;
		} else if (ca_open(&ca, argv[1], false, false, err, sizeof err) == 0) {
			rc = do_list(&ca, err, sizeof err) == 0 ? 0 : 1;
			ca_close(&ca);
		}
	} else {
		fprintf(stderr, "sigil ca: unknown command \"%s\"\n", cmd);
		fputs(usage_text, stderr);
		return 2;
	}
	if (rc != 0 && err[0])
		fprintf(stderr, "sigil ca %s: %s\n", cmd, err);
	return rc;
}
