/*
 * Files under --root: no escape from it, MIME types, Last-Modified and
 * If-Modified-Since, ETag with If-None-Match, If-Match and If-Range,
 * Range, index.html or a listing for a directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "serve.h"

/* No descriptor to open the file with: a condition of the server, not
 * of the file, so 503 and a hint to retry (RFC 9110 15.6.4, 10.2.3)
 * rather than a 403 that says the file is forbidden. */
static void respond_no_fd(hconn *c, int head_only)
{
	static const char msg[] = "service unavailable: the server is out of file descriptors; try again\n";
	sg_http_header f = field("Retry-After", "1");
	free(c->mem);
	c->mem = strdup(msg);
	c->mem_len = head_only || !c->mem ? 0 : strlen(msg);
	c->mem_off = 0;
	set_head(c, 503, "text/plain; charset=utf-8", strlen(msg), &f, 1);
}

static bool no_fd(int e)
{
	return e == EMFILE || e == ENFILE;
}

/* Percent-encode s for a path (RFC 3986 3.3: pchar and '/'); false when
 * out is too small. */
static bool pct_path(const char *s, char *out, size_t cap, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			     strchr("-._~!$&'()*+,;=@", *p) || (keep_slash && *p == '/');
		if (n + 4 > cap)
			return false;
		if (plain) {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = 0;
	return true;
}

/* Directory without index.html: a listing. */
static void respond_listing(hconn *c, int dfd, const char *rel, int head_only)
{
	FILE *m;
	char *buf = NULL;
	size_t len = 0;
	m = open_memstream(&buf, &len);
	if (!m) {
		respond_text(c, 500, "out of memory\n", head_only);
		return;
	}
	int d2 = dup(dfd);
	DIR *dir = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!dir) {
		/* Not an empty listing: say why there is none. */
		if (d2 >= 0)
			close(d2);
		fclose(m);
		free(buf);
		respond_no_fd(c, head_only);
		return;
	}
	char erel[1024];
	html_escape(erel, sizeof erel, rel);
	fprintf(m, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>/%s</title></head><body>\n"
		   "<h1>Index of /%s</h1>\n<ul>\n", erel, erel);
	struct dirent *e;
	while (dir && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		/* The link: "./" and the name percent-encoded, so that a file
		 * named "javascript:alert(1)" (or with '?', '#', '"') is a
		 * relative path and nothing else; the text: the name
		 * HTML-escaped. */
		char en[1024], href[3200];
		html_escape(en, sizeof en, e->d_name);
		if (!pct_path(e->d_name, href, sizeof href, false))
			continue;
		fprintf(m, "<li><a href=\"./%s%s\">%s</a></li>\n", href, e->d_type == DT_DIR ? "/" : "", en);
	}
	if (dir)
		closedir(dir);
	fprintf(m, "</ul>\n</body></html>\n");
	fclose(m);
	free(c->mem);
	c->mem = buf;
	c->mem_len = head_only ? 0 : len;
	c->mem_off = 0;
	set_head(c, 200, "text/html; charset=utf-8", len, NULL, 0);
}

/* Open rel (from sg_http_map_path) under the root so that nothing, not
 * even a symlink, leads out of it: openat2 with RESOLVE_BENEATH does it in
 * one system call (Linux 5.6+); elsewhere realpath must land under the
 * root.  Returns the descriptor or -errno (EXDEV: it would leave).
 *
 * O_NONBLOCK: opening a FIFO for reading blocks until a writer comes,
 * and a device may block too; a worker that blocks serves nobody, and
 * after a few such requests the server served nothing and did not stop
 * on SIGTERM.  Non-blocking, the open returns at once and fstat then
 * refuses anything but a regular file or a directory.  (On a regular
 * file O_NONBLOCK changes nothing; O_NOCTTY keeps a terminal from
 * becoming ours.) */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
static int open_beneath(const struct server *s, const char *rel)
{
	struct open_how how = { .flags = OPEN_FLAGS, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, s->root_fd, rel, &how, sizeof how);
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	char full[8192], real[4096];
	snprintf(full, sizeof full, "%s/%s", s->root_real, rel);
	if (!realpath(full, real))
		return -errno;
	size_t rl = strlen(s->root_real);
	/* The root itself, or below it ("/" is its own separator). */
	if (strncmp(real, s->root_real, rl) != 0 ||
	    (real[rl] != 0 && real[rl] != '/' && s->root_real[rl - 1] != '/'))
		return -EXDEV;
	fd = open(real, OPEN_FLAGS | O_NOFOLLOW);
	return fd >= 0 ? (int)fd : -errno;
}

/* ---- validators (RFC 9110 8.8, 13) ---- */

/*
 * A file's ETag: a strong validator (8.8.3) made of its inode, size and
 * modification time in nanoseconds, in hex: "ino-size-mtime".  Any write
 * that changes the size or the time changes it, and so does replacing
 * the file (a new inode: how deployments rename a new version into
 * place).  What it cannot see is a rewrite of the same size within one
 * tick of the file system's clock (nanoseconds on ext4 and XFS, the
 * kernel's clock tick in practice, a few milliseconds), the trade nginx
 * and Apache make too; strong, so that If-Range (which needs a strong
 * validator, 13.1.5) can resume a download.  Directory listings get
 * none.
 */
static void file_etag(const struct stat *st, char *out, size_t cap)
{
	unsigned long long ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
				(unsigned long long)st->st_mtim.tv_nsec;
	snprintf(out, cap, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino, (unsigned long long)st->st_size,
		 ns);
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* etagc (8.8.3): %x21 / %x23-7E / obs-text. */
static bool etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* One entity-tag at p[0..n): its opaque-tag (with the quotes) in *tag,
 * *tlen, and whether it is weak; false when it is not one. */
static bool parse_etag(const char *p, size_t n, const char **tag, size_t *tlen, bool *weak)
{
	*weak = n >= 2 && p[0] == 'W' && p[1] == '/';
	if (*weak) {
		p += 2;
		n -= 2;
	}
	if (n < 2 || p[0] != '"' || p[n - 1] != '"')
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!etagc((unsigned char)p[i]))
			return false;
	*tag = p;
	*tlen = n;
	return true;
}

/*
 * If-Match (13.1.1, strong comparison) or If-None-Match (13.1.2, weak
 * comparison) against our ETag: "*" or a comma-separated list of
 * entity-tags, over any number of field lines (5.3).  1 when one matches,
 * 0 when none does, -1 when the field is absent, -2 when a line is not
 * that syntax.  Empty list elements are allowed and ignored (5.6.1).
 */
enum { NO_FIELD = -1, BAD_FIELD = -2 };
static int etag_list(const sg_http_request *req, const char *name, const char *ours, bool strong)
{
	int found = NO_FIELD;
	size_t olen = strlen(ours);
	for (uint32_t i = 0; i < req->nfields; i++) {
		const sg_http_header *f = &req->fields[i];
		if (f->name.n != strlen(name) || strncasecmp(f->name.p, name, f->name.n) != 0)
			continue;
		if (found == NO_FIELD)
			found = 0;
		const char *p = f->value.p, *end = p + f->value.n;
		size_t elems = 0;
		bool star = false;
		while (p < end) {
			while (p < end && (ows(*p) || *p == ','))
				p++;
			if (p == end)
				break;
			/* An element runs to the next comma outside quotes. */
			const char *e = p;
			bool q = false;
			while (e < end && (q || *e != ',')) {
				q ^= *e == '"';
				e++;
			}
			const char *t = e;
			while (t > p && ows(t[-1]))
				t--;
			elems++;
			const char *tag;
			size_t tlen;
			bool weak;
			if (t - p == 1 && *p == '*') {
				star = true;
			} else if (!parse_etag(p, (size_t)(t - p), &tag, &tlen, &weak)) {
				return BAD_FIELD;
			} else if (tlen == olen && memcmp(tag, ours, olen) == 0 && !(strong && weak)) {
				found = 1;
			}
			p = e;
		}
		/* "*" stands alone (13.1.1, 13.1.2): the file exists. */
		if (star && elems != 1)
			return BAD_FIELD;
		if (star)
			found = 1;
		if (elems == 0)
			return BAD_FIELD;
	}
	return found;
}

/* The single value of a field, or NULL; *many when it came more than
 * once. */
static const sg_http_str *one_field(const sg_http_request *req, const char *name, bool *many)
{
	const sg_http_str *v = NULL;
	*many = false;
	for (uint32_t i = 0; i < req->nfields; i++) {
		const sg_http_header *f = &req->fields[i];
		if (f->name.n == strlen(name) && strncasecmp(f->name.p, name, f->name.n) == 0) {
			*many = v != NULL;
			v = &f->value;
		}
	}
	return v;
}

/* 13.1.5: If-Range holds an entity-tag (strong comparison) or the
 * HTTP-date of Last-Modified, exactly.  True when the Range may be
 * served; false means the whole file, 200.  Anything unreadable, or the
 * field twice, is no match (the whole file is always a right answer). */
static bool if_range_holds(const sg_http_request *req, const char *etag, time_t mtime)
{
	bool many;
	const sg_http_str *v = one_field(req, "if-range", &many);
	if (!v)
		return true;
	if (many)
		return false;
	const char *tag;
	size_t tlen;
	bool weak;
	if (v->n && (v->p[0] == '"' || v->p[0] == 'W'))
		return parse_etag(v->p, v->n, &tag, &tlen, &weak) && !weak && tlen == strlen(etag) &&
		       memcmp(tag, etag, tlen) == 0;
	int64_t t;
	return sg_http_date_parse(v->p, v->n, &t) && t == (int64_t)mtime;
}

void respond_file(struct server *s, hconn *c, const sg_http_request *req, int head_only)
{
	char rel[4096];
	if (sg_http_map_path(req->path.p, req->path.n, rel, sizeof rel) < 0) {
		respond_text(c, 403, "forbidden path\n", head_only);
		return;
	}
	int fd = open_beneath(s, rel);
	struct stat st;
	if (fd < 0 && no_fd(-fd)) {
		respond_no_fd(c, head_only);
		return;
	}
	if (fd < 0) {
		int e = -fd;
		respond_text(c, e == ENOENT || e == ENOTDIR ? 404 : 403,
			     e == ENOENT || e == ENOTDIR ? "not found\n" :
			     e == EXDEV ? "forbidden: outside the site's root\n" : "forbidden\n", head_only);
		return;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		respond_text(c, 403, "forbidden\n", head_only);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t tl = req->path.n;
		const char *q = memchr(req->path.p, '?', tl);
		if (q)
			tl = (size_t)(q - req->path.p);
		if (tl == 0 || req->path.p[tl - 1] != '/') {
			/* The Location from the path as mapped, not as received:
			 * "GET //sub" must not send the client to the
			 * protocol-relative "//sub/", another host. */
			char loc[8200], enc[8100];
			if (!pct_path(strcmp(rel, ".") == 0 ? "" : rel, enc, sizeof enc, true)) {
				close(fd);
				respond_text(c, 414, "URI too long\n", head_only);
				return;
			}
			snprintf(loc, sizeof loc, "/%s/%.*s", enc, q ? (int)(req->path.n - tl) : 0, q ? q : "");
			sg_http_header f = field("Location", loc);
			free(c->mem);
			c->mem = NULL;
			c->mem_len = 0;
			set_head(c, 301, NULL, 0, &f, 1);
			close(fd);
			return;
		}
		int ifd = openat(fd, "index.html", OPEN_FLAGS | O_NOFOLLOW);
		if (ifd < 0 && no_fd(errno)) {
			close(fd);
			respond_no_fd(c, head_only);
			return;
		}
		if (ifd < 0) {
			respond_listing(c, fd, rel, head_only);
			close(fd);
			return;
		}
		close(fd);
		fd = ifd;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			respond_text(c, 403, "forbidden\n", head_only);
			return;
		}
		snprintf(rel, sizeof rel, "index.html");       /* for its MIME type */
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		respond_text(c, 403, "forbidden: not a regular file\n", head_only);
		return;
	}
	char lm[SG_HTTP_DATE_LEN + 1], cr[96], etag[80];
	sg_http_date_format(st.st_mtime, lm);
	file_etag(&st, etag, sizeof etag);
	sg_http_header f[4] = { field("Last-Modified", lm), field("ETag", etag), field("Accept-Ranges", "bytes") };
	/* RFC 9110 13.2.2, in its order: If-Match, else If-Unmodified-Since
	 * (412 when it fails); If-None-Match, else If-Modified-Since (304
	 * for GET and HEAD, with the validators a 200 would carry, 15.4.5);
	 * then If-Range for a Range. */
	int im = etag_list(req, "if-match", etag, true);
	bool many;
	const sg_http_str *ius = im == NO_FIELD ? one_field(req, "if-unmodified-since", &many) : NULL;
	int64_t t;
	if (im == 0 || im == BAD_FIELD ||
	    (ius && !many && sg_http_date_parse(ius->p, ius->n, &t) && st.st_mtime > t)) {
		close(fd);
		respond_text(c, 412, "precondition failed: the file is not the version the request names\n", head_only);
		return;
	}
	/* A malformed If-None-Match is ignored (and with it, as the parser
	 * already did, If-Modified-Since): the file is sent. */
	int inm = etag_list(req, "if-none-match", etag, false);
	if (inm == 1 || (inm == NO_FIELD && req->has_ims && st.st_mtime <= req->if_modified_since)) {
		close(fd);
		free(c->mem);
		c->mem = NULL;
		c->mem_len = 0;
		set_head(c, 304, NULL, NO_LENGTH, f, 2);      /* 304 has no body (9110 15.4.5) */
		return;
	}
	uint64_t first = 0, last = st.st_size ? (uint64_t)st.st_size - 1 : 0;
	int status = 200;
	if (req->has_range && st.st_size > 0 && (!req->has_if_range || if_range_holds(req, etag, st.st_mtime))) {
		int r = sg_http_parse_range(req->range.p, req->range.n, (uint64_t)st.st_size, &first, &last);
		if (r > 0) {
			status = 206;
		} else if (r < 0) {
			close(fd);
			snprintf(cr, sizeof cr, "bytes */%lld", (long long)st.st_size);
			sg_http_header f416 = field("Content-Range", cr);
			free(c->mem);
			c->mem = NULL;
			c->mem_len = 0;
			set_head(c, 416, NULL, 0, &f416, 1);
			return;
		}
	}
	uint64_t len = st.st_size ? last - first + 1 : 0;
	size_t nf = 3;
	if (status == 206) {
		snprintf(cr, sizeof cr, "bytes %llu-%llu/%lld", (unsigned long long)first, (unsigned long long)last,
			 (long long)st.st_size);
		f[nf++] = field("Content-Range", cr);
	}
	free(c->mem);
	c->mem = NULL;
	c->mem_len = 0;
	if (set_head(c, status, sg_http_mime_type(rel, strlen(rel)), len, f, nf) < 0 || head_only || len == 0) {
		close(fd);
		return;
	}
	c->file = fd;
	c->file_off = (off_t)first;
	c->file_end = (off_t)(first + len);
}
