/*
 * Files under --root: no escape from it, MIME types, Last-Modified and
 * If-Modified-Since, Range, index.html or a listing for a directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char lm[SG_HTTP_DATE_LEN + 1], cr[96];
	sg_http_date_format(st.st_mtime, lm);
	sg_http_header f[3] = { field("Last-Modified", lm), field("Accept-Ranges", "bytes") };
	/* RFC 9110 13.1.3: If-Modified-Since, for GET and HEAD. */
	if (req->has_ims && st.st_mtime <= req->if_modified_since) {
		close(fd);
		free(c->mem);
		c->mem = NULL;
		c->mem_len = 0;
		set_head(c, 304, NULL, NO_LENGTH, f, 1);      /* 304 has no body (9110 15.4.5) */
		return;
	}
	uint64_t first = 0, last = st.st_size ? (uint64_t)st.st_size - 1 : 0;
	int status = 200;
	/* Range is ignored with If-Range, which we do not evaluate (13.1.5). */
	if (req->has_range && !req->has_if_range && st.st_size > 0) {
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
	size_t nf = 2;
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
