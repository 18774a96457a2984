/*
 * sigil trust: install a CA (the development CA of `sigil serve`, or
 * --ca FILE) where this machine's clients look for trust anchors, as
 * `mkcert -install` does, and record what was changed so that
 * `sigil trust --uninstall` removes exactly that.
 *
 *   the system store   Debian/Ubuntu: a .crt file in
 *                      /usr/local/share/ca-certificates, then
 *                      update-ca-certificates; Fedora/RHEL: a file in
 *                      /etc/pki/ca-trust/source/anchors, then
 *                      update-ca-trust extract.  curl, sigil get and most
 *                      programs read the bundle these build.
 *   NSS databases      the user's own stores, which Chromium
 *                      (~/.pki/nssdb) and Firefox (the cert9.db of each
 *                      profile under ~/.mozilla/firefox) read instead of
 *                      the system's: certutil (libnss3-tools) adds the CA
 *                      with trust "C,," (trusted to issue server
 *                      certificates).
 *
 * Every path is overridable, so that a test runs inside its own HOME and
 * a temporary directory and never touches the real system store:
 * --system-dir DIR / $SIGIL_TRUST_SYSTEM_DIR, --update-command CMD /
 * $SIGIL_TRUST_UPDATE ("none": run nothing), $HOME for the NSS databases,
 * $SIGIL_HOME for the CA and the record ($SIGIL_HOME/trusted).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ca.h"
#include "crypto/crypto.h"
#include "der/der.h"
#include "opt.h"
#include "tools.h"
#include "x509/x509.h"

struct trust {
	const char *ca_path;
	char home[2048];                /* $SIGIL_HOME */
	char record[PATH_MAX];          /* $SIGIL_HOME/trusted */
	/* The CA */
	uint8_t *der;
	size_t der_len;
	char fp[65];                    /* SHA-256 of the DER, hex */
	char name[256];                 /* its subject */
	char nick[320];                 /* NSS nickname */
	/* The system store */
	char sysdir[PATH_MAX];
	char update[512];               /* "" : none */
	bool no_system, no_nss, dry_run;
	int failures;
};

/* $SIGIL_HOME as sigil serve finds it. */
static void sigil_home(char *out, size_t cap)
{
	const char *h = getenv("SIGIL_HOME");
	if (h && *h) {
		snprintf(out, cap, "%s", h);
		return;
	}
	h = getenv("HOME");
	snprintf(out, cap, "%s/.local/share/sigil", h && *h ? h : ".");
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* cmd found in $PATH (or as given when it holds a '/'). */
static bool in_path(const char *cmd)
{
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	const char *path = getenv("PATH");
	char dir[PATH_MAX + 64];
	for (const char *p = path ? path : "/usr/bin:/bin:/usr/sbin:/sbin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(dir, sizeof dir, "%.*s/%s", (int)n, p, cmd);
		if (access(dir, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	/* root's tools live in sbin, which a user's PATH often lacks. */
	for (const char *const *d = (const char *const[]){ "/usr/sbin", "/sbin", NULL }; *d; d++) {
		snprintf(dir, sizeof dir, "%s/%s", *d, cmd);
		if (access(dir, X_OK) == 0)
			return true;
	}
	return false;
}

/* Run argv (no shell), its output into out (cap bytes); the exit status,
 * or -1 when it could not be run. */
static int run(char *const argv[], char *out, size_t cap)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		/* sbin for a user's PATH */
		char p[PATH_MAX];
		snprintf(p, sizeof p, "/usr/sbin/%s", argv[0]);
		execv(p, argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	size_t n = 0;
	ssize_t r;
	char sink[512];
	while ((r = read(pfd[0], n + 1 < cap ? out + n : sink, n + 1 < cap ? cap - 1 - n : sizeof sink)) > 0)
		if (n + 1 < cap)
			n += (size_t)r;
	close(pfd[0]);
	if (cap)
		out[n] = 0;
	/* One line for messages. */
	for (char *q = out; cap && *q; q++)
		if (*q == '\n')
			*q = *(q + 1) ? ' ' : 0;
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The update command as an argv (split at spaces). */
static int run_update(struct trust *t, char *out, size_t cap)
{
	char buf[512], *argv[16];
	int n = 0;
	snprintf(buf, sizeof buf, "%s", t->update);
	for (char *p = strtok(buf, " "); p && n < 15; p = strtok(NULL, " "))
		argv[n++] = p;
	argv[n] = NULL;
	return n ? run(argv, out, cap) : 0;
}

static int load_ca(struct trust *t, char *err, size_t cap)
{
	size_t len;
	char *buf = sg_x509_read_file(t->ca_path, &len, err, cap);
	if (!buf)
		return EX_FILE;
	sg_wr w;
	sg_wr_init(&w, NULL, 0, 1u << 20);
	int ret = EX_FILE;
	if (len && (uint8_t)buf[0] == 0x30) {
		if (!sg_wr_bytes(&w, buf, len))
			goto out;
	} else {
		sg_rd text;
		char label[64], perr[128];
		sg_rd_init(&text, (const uint8_t *)buf, len);
		int r;
		while ((r = sg_pem_next(&text, label, sizeof label, &w, perr, sizeof perr)) == 1 &&
		       strcmp(label, "CERTIFICATE") != 0)
			sg_wr_reset(&w);
		if (r != 1) {
			snprintf(err, cap, "--ca %s: no certificate in the file", t->ca_path);
			goto out;
		}
	}
	sg_x509_cert x;
	char perr[256];
	if (sg_x509_cert_parse(&x, w.buf, w.len, perr, sizeof perr) < 0) {
		snprintf(err, cap, "--ca %s: %s", t->ca_path, perr);
		goto out;
	}
	/* RFC 5280 4.2.1.9: only a certificate with cA set issues others. */
	if (!x.bc_present || !x.ca) {
		snprintf(err, cap, "--ca %s: not a CA certificate (basicConstraints cA is not set): trust the CA that "
			 "issued it instead", t->ca_path);
		goto out;
	}
	uint8_t h[32];
	if (sg_hash(&sg_sha256, w.buf, w.len, h) != 0) {
		snprintf(err, cap, "SHA-256 failed");
		ret = EX_FAIL;
		goto out;
	}
	for (int i = 0; i < 32; i++)
		snprintf(t->fp + 2 * i, 3, "%02x", h[i]);
	sg_x509_name_to_string(x.subject, t->name, sizeof t->name);
	/* The fingerprint in the nickname: two CAs of the same name (two
	 * machines' development CAs) stay apart. */
	snprintf(t->nick, sizeof t->nick, "%s (sigil %.16s)", t->name, t->fp);
	t->der = malloc(w.len);
	if (!t->der) {
		ret = EX_FAIL;
		goto out;
	}
	memcpy(t->der, w.buf, w.len);
	t->der_len = w.len;
	ret = EX_OK;
out:
	sg_wr_free(&w);
	free(buf);
	return ret;
}

static int write_pem(const struct trust *t, const char *path, char *err, size_t cap)
{
	char b64[8192];
	if (sg_base64_encode(t->der, t->der_len, b64, sizeof b64) < 0) {
		snprintf(err, cap, "the certificate is too large");
		return -1;
	}
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "-----BEGIN CERTIFICATE-----\n");
	for (size_t i = 0, n = strlen(b64); i < n; i += 64)
		fprintf(f, "%.64s\n", b64 + i);
	fprintf(f, "-----END CERTIFICATE-----\n");
	if (fchmod(fileno(f), 0644) != 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- the record: one line per change, tab-separated:
 * "FINGERPRINT\tsystem\tFILE" or "FINGERPRINT\tnss\tDIR\tNICKNAME" ---- */

static void record_line(const struct trust *t, const char *kind, const char *where, char *out, size_t cap)
{
	if (strcmp(kind, "nss") == 0)
		snprintf(out, cap, "%s\t%s\t%s\t%s", t->fp, kind, where, t->nick);
	else
		snprintf(out, cap, "%s\t%s\t%s", t->fp, kind, where);
}

static bool recorded(const struct trust *t, const char *kind, const char *where)
{
	FILE *f = fopen(t->record, "r");
	char line[2 * PATH_MAX], want[2 * PATH_MAX];
	bool found = false;
	record_line(t, kind, where, want, sizeof want);
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line, want) == 0)
			found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static void record_add(struct trust *t, const char *kind, const char *where)
{
	char line[2 * PATH_MAX];
	if (recorded(t, kind, where))
		return;
	record_line(t, kind, where, line, sizeof line);
	FILE *f = fopen(t->record, "a");
	if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0) {
		fprintf(stderr, "sigil trust: cannot record the change in %s: %s (--uninstall will not know it)\n",
			t->record, strerror(errno));
		t->failures++;
	}
}

/* Drop one line; the file goes when it is empty. */
static void record_remove(const char *record, const char *line_want)
{
	FILE *f = fopen(record, "r");
	if (!f)
		return;
	char tmp[PATH_MAX + 8], line[2 * PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp", record);
	FILE *o = fopen(tmp, "w");
	bool any = false;
	while (o && fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\n");
		if (strlen(line_want) == n && memcmp(line, line_want, n) == 0)
			continue;
		fputs(line, o);
		any = true;
	}
	fclose(f);
	if (o && fclose(o) == 0) {
		if (any) {
			rename(tmp, record);
		} else {
			unlink(tmp);
			unlink(record);
		}
	}
}

/* ---- the system store ---- */

static void system_detect(struct trust *t)
{
	const char *d = getenv("SIGIL_TRUST_SYSTEM_DIR"), *u = getenv("SIGIL_TRUST_UPDATE");
	if (!t->sysdir[0] && d && *d)
		snprintf(t->sysdir, sizeof t->sysdir, "%s", d);
	if (!t->update[0] && u && *u)
		snprintf(t->update, sizeof t->update, "%s", u);
	if (!t->sysdir[0]) {
		if (is_dir("/usr/local/share/ca-certificates") && in_path("update-ca-certificates")) {
			snprintf(t->sysdir, sizeof t->sysdir, "/usr/local/share/ca-certificates");
			if (!t->update[0])
				snprintf(t->update, sizeof t->update, "update-ca-certificates");
		} else if (is_dir("/etc/pki/ca-trust/source/anchors") && in_path("update-ca-trust")) {
			snprintf(t->sysdir, sizeof t->sysdir, "/etc/pki/ca-trust/source/anchors");
			if (!t->update[0])
				snprintf(t->update, sizeof t->update, "update-ca-trust extract");
		}
	}
	if (strcmp(t->update, "none") == 0)
		t->update[0] = 0;
}

static void system_file(const struct trust *t, char *out, size_t cap)
{
	/* Debian's update-ca-certificates takes only *.crt files. */
	snprintf(out, cap, "%s/sigil-%.16s.crt", t->sysdir, t->fp);
}

static void system_install(struct trust *t)
{
	char path[PATH_MAX + 64], err[1024], out[1024];
	if (!t->sysdir[0]) {
		printf("system store: not found (neither /usr/local/share/ca-certificates with update-ca-certificates "
		       "nor /etc/pki/ca-trust/source/anchors with update-ca-trust): skipped\n");
		return;
	}
	system_file(t, path, sizeof path);
	if (access(path, F_OK) == 0 && recorded(t, "system", path)) {
		printf("system store: already trusted (%s)\n", path);
		return;
	}
	if (t->dry_run) {
		printf("system store: would write %s%s%s\n", path, t->update[0] ? " and run " : "", t->update);
		return;
	}
	if (write_pem(t, path, err, sizeof err) < 0) {
		fprintf(stderr, "sigil trust: system store: %s%s\n", err,
			errno == EACCES || errno == EPERM ? " (the system store needs root: sudo sigil trust, or "
							    "--no-system for the user's stores only)" : "");
		t->failures++;
		return;
	}
	record_add(t, "system", path);
	printf("system store: wrote %s\n", path);
	if (t->update[0]) {
		int r = run_update(t, out, sizeof out);
		if (r != 0) {
			fprintf(stderr, "sigil trust: system store: %s failed (exit %d): %s\n", t->update, r, out);
			t->failures++;
		} else {
			printf("system store: ran %s\n", t->update);
		}
	}
}

/* ---- NSS databases ---- */

/* Each NSS database of the user: Chromium's, then every Firefox
 * profile's (also the snap packages' places). */
static size_t nss_dbs(char dbs[][PATH_MAX], size_t max)
{
	const char *home = getenv("HOME");
	size_t n = 0;
	if (!home || !*home)
		return 0;
	static const char *const pats[] = {
		"/.pki/nssdb/cert9.db",
		"/snap/chromium/current/.pki/nssdb/cert9.db",
		"/.mozilla/firefox/*/cert9.db",
		"/snap/firefox/common/.mozilla/firefox/*/cert9.db",
	};
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		char pat[PATH_MAX];
		glob_t g;
		snprintf(pat, sizeof pat, "%s%s", home, pats[i]);
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc && n < max; k++) {
			snprintf(dbs[n], PATH_MAX, "%s", g.gl_pathv[k]);
			*strrchr(dbs[n], '/') = 0;      /* the directory */
			n++;
		}
		globfree(&g);
	}
	return n;
}

static bool nss_has(const struct trust *t, const char *db)
{
	char d[PATH_MAX + 8], out[256];
	snprintf(d, sizeof d, "sql:%s", db);
	char *argv[] = { "certutil", "-L", "-d", d, "-n", (char *)t->nick, NULL };
	return run(argv, out, sizeof out) == 0;
}

static void nss_install(struct trust *t)
{
	char dbs[32][PATH_MAX];
	size_t n = nss_dbs(dbs, 32);
	if (n == 0) {
		printf("NSS databases: none found under %s (Chromium: ~/.pki/nssdb, Firefox: a profile's cert9.db)\n",
		       getenv("HOME") ? getenv("HOME") : "$HOME");
		return;
	}
	if (!in_path("certutil")) {
		fprintf(stderr, "sigil trust: %zu NSS database%s found (Chromium, Firefox) but no certutil: install "
			"libnss3-tools (Debian) or nss-tools (Fedora) and run sigil trust again\n", n, n == 1 ? "" : "s");
		t->failures++;
		return;
	}
	char pem[PATH_MAX];
	snprintf(pem, sizeof pem, "%s/trust-ca.tmp.%ld.pem", t->home, (long)getpid());
	char err[1024];
	if (!t->dry_run && write_pem(t, pem, err, sizeof err) < 0) {
		fprintf(stderr, "sigil trust: %s\n", err);
		t->failures++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (nss_has(t, dbs[i])) {
			printf("NSS %s: already trusted (\"%s\")\n", dbs[i], t->nick);
			continue;
		}
		if (t->dry_run) {
			printf("NSS %s: would add \"%s\" (trust C,,)\n", dbs[i], t->nick);
			continue;
		}
		char d[PATH_MAX + 8], out[1024];
		snprintf(d, sizeof d, "sql:%s", dbs[i]);
		/* "C,,": a trusted CA for TLS servers, nothing for mail or
		 * code signing. */
		char *argv[] = { "certutil", "-A", "-d", d, "-t", "C,,", "-n", t->nick, "-i", pem, NULL };
		int r = run(argv, out, sizeof out);
		if (r != 0) {
			fprintf(stderr, "sigil trust: NSS %s: certutil failed (exit %d): %s\n", dbs[i], r, out);
			t->failures++;
			continue;
		}
		record_add(t, "nss", dbs[i]);
		printf("NSS %s: added \"%s\" (trust C,,)\n", dbs[i], t->nick);
	}
	if (!t->dry_run)
		unlink(pem);
}

/* ---- uninstall: exactly what the record says ---- */

static int uninstall(struct trust *t, bool all_cas)
{
	FILE *f = fopen(t->record, "r");
	if (!f) {
		printf("nothing to remove: %s records no change by sigil trust\n", t->record);
		return EX_OK;
	}
	/* Read it all first: record_remove rewrites the file. */
	char (*lines)[2 * PATH_MAX] = calloc(64, sizeof *lines);
	size_t n = 0;
	if (!lines) {
		fclose(f);
		return EX_FAIL;
	}
	while (n < 64 && fgets(lines[n], sizeof lines[n], f)) {
		lines[n][strcspn(lines[n], "\n")] = 0;
		if (all_cas || strncmp(lines[n], t->fp, 64) == 0)
			n++;
	}
	fclose(f);
	if (n == 0)
		printf("nothing to remove for %s\n", t->name);
	bool changed_system = false;
	for (size_t i = 0; i < n; i++) {
		char copy[2 * PATH_MAX];
		snprintf(copy, sizeof copy, "%s", lines[i]);
		char *fp = strtok(copy, "\t"), *kind = strtok(NULL, "\t"), *where = strtok(NULL, "\t"),
		     *nick = strtok(NULL, "\t");
		if (!fp || !kind || !where)
			continue;
		if (strcmp(kind, "system") == 0) {
			if (t->dry_run) {
				printf("system store: would remove %s\n", where);
				continue;
			}
			if (unlink(where) != 0 && errno != ENOENT) {
				fprintf(stderr, "sigil trust: cannot remove %s: %s%s\n", where, strerror(errno),
					errno == EACCES ? " (the system store needs root: sudo sigil trust --uninstall)" : "");
				t->failures++;
				continue;
			}
			printf("system store: removed %s\n", where);
			record_remove(t->record, lines[i]);
			changed_system = true;
		} else if (strcmp(kind, "nss") == 0 && nick) {
			char d[PATH_MAX + 8], out[1024];
			snprintf(d, sizeof d, "sql:%s", where);
			char *largv[] = { "certutil", "-L", "-d", d, "-n", nick, NULL };
			if (run(largv, out, sizeof out) != 0) {
				printf("NSS %s: \"%s\" is already gone\n", where, nick);
				if (!t->dry_run)
					record_remove(t->record, lines[i]);
				continue;
			}
			if (t->dry_run) {
				printf("NSS %s: would remove \"%s\"\n", where, nick);
				continue;
			}
			char *argv[] = { "certutil", "-D", "-d", d, "-n", nick, NULL };
			int r = run(argv, out, sizeof out);
			if (r != 0) {
				fprintf(stderr, "sigil trust: NSS %s: certutil -D failed (exit %d): %s\n", where, r, out);
				t->failures++;
				continue;
			}
			printf("NSS %s: removed \"%s\"\n", where, nick);
			record_remove(t->record, lines[i]);
		}
	}
	free(lines);
	if (changed_system && t->update[0]) {
		char out[1024];
		int r = run_update(t, out, sizeof out);
		if (r != 0) {
			fprintf(stderr, "sigil trust: %s failed (exit %d): %s\n", t->update, r, out);
			t->failures++;
		} else {
			printf("system store: ran %s\n", t->update);
		}
	}
	return t->failures ? EX_FAIL : EX_OK;
}

int do_trust(int argc, char **argv)
{
	struct trust t = { 0 };
	const char *sysdir = NULL, *update = NULL;
	int un = 0, dry = 0, nosys = 0, nonss = 0;
	struct opt opts[] = {
		OPTION("--ca", 0, OPT_FILE, "FILE", NULL,
		       "the CA certificate to trust (default: the development CA of sigil serve, "
		       "$SIGIL_HOME/ca/root.crt, made if missing)", &t.ca_path),
		OPTION("--uninstall", 0, OPT_FLAG, NULL, NULL,
		       "remove what sigil trust installed, as recorded in $SIGIL_HOME/trusted (with --ca: for that "
		       "CA only)", &un),
		OPTION("--dry-run", 'n', OPT_FLAG, NULL, NULL, "show what would change, change nothing", &dry),
		OPTION("--no-system", 0, OPT_FLAG, NULL, NULL, "leave the system store alone (no root needed)", &nosys),
		OPTION("--no-nss", 0, OPT_FLAG, NULL, NULL, "leave the NSS databases (Chromium, Firefox) alone", &nonss),
		OPTION("--system-dir", 0, OPT_STRING, "DIR", NULL,
		       "the system store's directory of anchors (default: $SIGIL_TRUST_SYSTEM_DIR, else "
		       "/usr/local/share/ca-certificates or /etc/pki/ca-trust/source/anchors, whichever this "
		       "system has)", &sysdir),
		OPTION("--update-command", 0, OPT_STRING, "CMD", NULL,
		       "what rebuilds the system bundle after a change, 'none' for nothing (default: "
		       "$SIGIL_TRUST_UPDATE, else update-ca-certificates or update-ca-trust extract)", &update),
	};
	struct opt_cmd cmd = {
		"trust", "[options]",
		"Trust a CA on this machine, as mkcert -install does: in the system store (Debian/Ubuntu "
		"ca-certificates, Fedora/RHEL trust anchors) and in every NSS database of the user (Chromium's "
		"~/.pki/nssdb, each Firefox profile), with certutil from libnss3-tools.  It prints what it "
		"changes and records it, so that --uninstall removes exactly that.",
		"Trust only a CA whose key never leaves this machine: whoever holds the key of a trusted CA can "
		"impersonate any site to this machine's browsers.",
		opts, sizeof opts / sizeof opts[0], 0, 0,
	};
	char *pos[1];
	int npos;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	if (nosys && nonss)
		return opt_usage_error(&cmd, "--no-system and --no-nss together leave nothing to do");
	t.dry_run = dry;
	t.no_system = nosys;
	t.no_nss = nonss;
	if (sysdir)
		snprintf(t.sysdir, sizeof t.sysdir, "%s", sysdir);
	if (update)
		snprintf(t.update, sizeof t.update, "%s", update);
	system_detect(&t);
	sigil_home(t.home, sizeof t.home);
	snprintf(t.record, sizeof t.record, "%s/trusted", t.home);
	char err[1024], ca_path[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];

	int ret;
	if (!t.ca_path) {
		snprintf(ca_path, sizeof ca_path, "%s/ca/root.crt", t.home);
		t.ca_path = ca_path;
		if (access(ca_path, R_OK) != 0) {
			if (un) {
				/* Nothing of ours to name it by: remove every
				 * recorded change. */
				return uninstall(&t, true);
			}
			if (t.dry_run) {
				/* No CA yet, so no fingerprint: say where it would go. */
				printf("would make the development CA in %s/ca, then add it to:\n", t.home);
				if (!t.no_system)
					printf("  system store: %s%s\n", t.sysdir[0] ? t.sysdir : "(none found)",
					       t.update[0] ? ", then run the update command" : "");
				char dbs[32][PATH_MAX];
				size_t ndb = t.no_nss ? 0 : nss_dbs(dbs, 32);
				for (size_t i = 0; i < ndb; i++)
					printf("  NSS %s\n", dbs[i]);
				return EX_OK;
			}
			if (sg_ca_ensure_dev(t.home, ca_path, sizeof ca_path, crt, key, sizeof crt, err, sizeof err) < 0) {
				fprintf(stderr, "sigil trust: development CA: %s\n", err);
				return EX_FAIL;
			}
			printf("made the development CA: %s\n", ca_path);
		}
	}
	if ((ret = load_ca(&t, err, sizeof err)) != EX_OK) {
		fprintf(stderr, "sigil trust: %s\n", err);
		return ret;
	}
	if (un) {
		ret = uninstall(&t, false);
		free(t.der);
		return ret;
	}
	printf("CA: %s (SHA-256 %s)\n", t.name, t.fp);
	if (!t.dry_run && mkdir(t.home, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "sigil trust: cannot make %s: %s\n", t.home, strerror(errno));
		free(t.der);
		return EX_FAIL;
	}
	if (!t.no_system)
		system_install(&t);
	if (!t.no_nss)
		nss_install(&t);
	if (!t.dry_run && !t.failures)
		printf("recorded in %s: 'sigil trust --uninstall' removes it\n", t.record);
	free(t.der);
	return t.failures ? EX_FAIL : EX_OK;
}
