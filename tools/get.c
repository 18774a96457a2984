/*
 * sigil get: a verifying HTTPS client.
 *
 * Exit codes: the table of tools.h (EX_*), distinct so that scripts can
 * tell the failures apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sigil.h"
#include "bytes/bytes.h"
#include "der/der.h"
#include "http/http.h"
#include "x509/x509.h"
#include "opt.h"
#include "tools.h"

#define MAX_HEADERS 32
#define MAX_REDIRECTS 10

typedef struct get_opts {
	const char *url;
	const char *cacert, *pin, *crl, *out, *method, *data;
	const char *cert, *key;
	const char *session;
	struct opt_list headers;
	int verbose, insecure, follow;
} get_opts;

typedef struct url {
	char host[256];
	char port[8];
	char path[4096];
} url;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_url(const char *s, url *u)
{
	if (strncmp(s, "https://", 8) != 0)
		return -1;
	s += 8;
	const char *end = s + strcspn(s, "/?#");
	const char *hs = s, *he, *ps = NULL;
	if (*s == '[') {
		he = memchr(s, ']', (size_t)(end - s));
		if (!he)
			return -1;
		hs = s + 1;
		if (he + 1 < end && he[1] == ':')
			ps = he + 2;
		else if (he + 1 != end)
			return -1;
	} else {
		const char *colon = memchr(s, ':', (size_t)(end - s));
		he = colon ? colon : end;
		ps = colon ? colon + 1 : NULL;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof u->host)
		return -1;
	memcpy(u->host, hs, (size_t)(he - hs));
	u->host[he - hs] = 0;
	if (ps) {
		size_t pl = (size_t)(end - ps);
		if (pl == 0 || pl >= sizeof u->port || strspn(ps, "0123456789") < pl)
			return -1;
		memcpy(u->port, ps, pl);
		u->port[pl] = 0;
	} else {
		strcpy(u->port, "443");
	}
	const char *path = *end == '/' || *end == '?' ? end : "/";
	size_t pl = strcspn(path, "#");
	if (pl + 2 >= sizeof u->path)
		return -1;
	if (*path == '?') {
		u->path[0] = '/';
		memcpy(u->path + 1, path, pl);
		u->path[pl + 1] = 0;
	} else {
		memcpy(u->path, path, pl);
		u->path[pl] = 0;
	}
	for (const char *p = u->path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return -1;
	return 0;
}

static int connect_to(const url *u, char *err, size_t cap)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, cap, "cannot resolve %s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		struct timeval tv = { 30, 0 };
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		snprintf(err, cap, "cannot connect to %s port %s: %s", u->host, u->port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void print_chain(const sigil_conn *c)
{
	size_t n;
	const sigil_der *chain = sigil_conn_peer_chain(c, &n);
	for (size_t i = 0; i < n; i++) {
		sg_x509_cert x;
		char err[128], subj[512], iss[512], exp[64];
		if (sg_x509_cert_parse(&x, chain[i].der, chain[i].len, err, sizeof err) < 0) {
			fprintf(stderr, "*   %zu: (unparsable: %s)\n", i, err);
			continue;
		}
		sg_x509_name_to_string(x.subject, subj, sizeof subj);
		sg_x509_name_to_string(x.issuer, iss, sizeof iss);
		sg_der_time_to_string(x.not_after, exp, sizeof exp);
		fprintf(stderr, "*   %zu subject: %s\n*     issuer: %s\n*     expires: %s\n", i, subj, iss, exp);
	}
}

static int tls_exit(const sigil_conn *c)
{
	switch (sigil_conn_error_class(c)) {
	case SIGIL_ECLASS_VERIFY: return EX_VERIFY;
	case SIGIL_ECLASS_IO: return EX_CONNECT;
	default: return EX_TLS;
	}
}

/* --session FILE: offer a saved session; a missing or unusable file just
 * means a full handshake. */
static void load_session(sigil_conn *c, const char *path, int verbose)
{
	uint8_t blob[4096];
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t n = fread(blob, 1, sizeof blob, f);
	fclose(f);
	if (sigil_conn_set_session(c, blob, n) < 0 && verbose)
		fprintf(stderr, "* ignoring session file %s: not a sigil session\n", path);
	sg_wipe(blob, sizeof blob);
}

/* The blob holds a resumption secret: 0600, written whole or not at all. */
static void save_session(sigil_conn *c, const char *path, int verbose)
{
	uint8_t blob[4096];
	size_t n;
	char tmp[4200];
	if (sigil_conn_get_session(c, blob, sizeof blob, &n) < 0) {
		if (verbose)
			fprintf(stderr, "* the server sent no session ticket\n");
		return;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, blob, n) != (ssize_t)n || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "sigil get: cannot save the session to %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
	sg_wipe(blob, sizeof blob);
}

/* One request; *location gets a redirect target when -L applies. */
static int fetch(const get_opts *o, const url *u, FILE *out, char *location, size_t loc_cap, int *status)
{
	char err[512] = "";
	double t0 = now_ms();
	int fd = connect_to(u, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "sigil get: %s\n", err);
		return EX_CONNECT;
	}
	sigil_config *cfg = sigil_config_new();
	sigil_conn *c = NULL;
	int ret = EX_TLS;
	if (!cfg)
		goto out;
	if ((o->insecure && sigil_config_insecure_noverify(cfg) < 0) ||
	    (!o->insecure && o->cacert && sigil_config_add_trust(cfg, o->cacert) < 0) ||
	    (o->pin && sigil_config_set_pins(cfg, o->pin) < 0) ||
	    (o->crl && sigil_config_add_crl_file(cfg, o->crl, 1) < 0) ||
	    (o->cert && sigil_config_add_cert_key_file(cfg, o->cert, o->key ? o->key : o->cert) < 0) ||
	    sigil_config_set_alpn(cfg, "http/1.1") < 0) {
		fprintf(stderr, "sigil get: %s\n", sigil_config_error(cfg));
		ret = EX_USAGE;
		goto out;
	}
	c = sigil_conn_new(cfg, SIGIL_CLIENT);
	if (!c || sigil_conn_set_server_name(c, u->host) < 0 || sigil_io_attach(c, fd) < 0)
		goto out;
	if (o->session)
		load_session(c, o->session, o->verbose);
	if (sigil_io_handshake(c) != SIGIL_OK) {
		fprintf(stderr, "sigil get: %s: %s\n", u->host, sigil_conn_error(c));
		ret = tls_exit(c);
		goto out;
	}
	double t1 = now_ms();
	if (o->verbose) {
		const char *alpn = sigil_conn_alpn(c);
		fprintf(stderr, "* connected to %s port %s\n* TLS 1.3, %s, group %s%s, signature %s, ALPN %s\n",
			u->host, u->port, sigil_suite_name(sigil_conn_suite(c)), sigil_group_name(sigil_conn_group(c)),
			sigil_conn_hrr(c) ? " (after HelloRetryRequest)" : "",
			sigil_sigscheme_name(sigil_conn_sigscheme(c)) ? sigil_sigscheme_name(sigil_conn_sigscheme(c)) : "?",
			alpn ? alpn : "(none)");
		fprintf(stderr, "* certificate chain%s:\n", o->insecure ? " (NOT verified: --insecure)" : " (verified)");
		print_chain(c);
		fprintf(stderr, "* session %s\n", sigil_conn_resumed(c) ? "resumed (no certificate sent)" : "new");
		fprintf(stderr, "* handshake took %.1f ms\n", t1 - t0);
	}

	/* The request. */
	const char *method = o->method ? o->method : o->data ? "POST" : "GET";
	/* Host carries the port when it is not the default (RFC 9110 7.2). */
	char hosthdr[300];
	bool v6 = strchr(u->host, ':') != NULL;
	snprintf(hosthdr, sizeof hosthdr, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
		 strcmp(u->port, "443") ? ":" : "", strcmp(u->port, "443") ? u->port : "");
	char head[8192];
	int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sigil\r\nAccept: */*\r\n"
			 "Connection: close\r\n", method, u->path, hosthdr);
	for (size_t i = 0; i < o->headers.n && n > 0 && (size_t)n < sizeof head; i++)
		n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", o->headers.v[i]);
	if (o->data && n > 0 && (size_t)n < sizeof head)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", strlen(o->data));
	if (n <= 0 || (size_t)n + 2 >= sizeof head) {
		fprintf(stderr, "sigil get: request too large\n");
		ret = EX_USAGE;
		goto out;
	}
	memcpy(head + n, "\r\n", 2);
	n += 2;
	if (sigil_io_write(c, head, (size_t)n) != n ||
	    (o->data && sigil_io_write(c, o->data, strlen(o->data)) != (ssize_t)strlen(o->data))) {
		fprintf(stderr, "sigil get: %s\n", sigil_conn_error(c));
		ret = tls_exit(c);
		goto out;
	}

	/* The response head. */
	static char buf[1 << 16];
	size_t len = 0;
	sg_http_response res;
	int hl = 0;
	bool is_head = strcmp(method, "HEAD") == 0;
	for (;;) {
		if (len) {
			hl = sg_http_parse_response(buf, len, is_head, &res);
			if (hl < 0) {
				fprintf(stderr, "sigil get: bad HTTP response: %s\n", res.why);
				ret = EX_HTTP;
				goto out;
			}
			if (hl > 0 && res.interim) {    /* 1xx: the real one follows */
				memmove(buf, buf + hl, len - (size_t)hl);
				len -= (size_t)hl;
				continue;
			}
			if (hl > 0)
				break;
		}
		ssize_t r = sigil_io_read(c, buf + len, sizeof buf - len);
		if (r <= 0) {
			fprintf(stderr, "sigil get: %s\n", r == 0 ? "the server closed before answering" : sigil_conn_error(c));
			ret = r == 0 ? EX_HTTP : tls_exit(c);
			goto out;
		}
		len += (size_t)r;
		if (len == sizeof buf) {
			fprintf(stderr, "sigil get: response head too large\n");
			ret = EX_HTTP;
			goto out;
		}
	}
	*status = res.status;
	/* The reason phrase points into buf, which the body reuses. */
	char reason[128];
	snprintf(reason, sizeof reason, "%.*s", (int)res.reason.n, res.reason.p);
	if (o->verbose) {
		fprintf(stderr, "< HTTP/1.%d %u %.*s\n", res.version_minor, res.status, (int)res.reason.n, res.reason.p);
		for (uint32_t i = 0; i < res.nfields; i++)
			fprintf(stderr, "< %.*s: %.*s\n", (int)res.fields[i].name.n, res.fields[i].name.p,
				(int)res.fields[i].value.n, res.fields[i].value.p);
	}
	sg_http_str loc;
	if (location && res.status >= 300 && res.status < 400 &&
	    sg_http_header_get(res.fields, res.nfields, "Location", &loc) && loc.n < loc_cap) {
		memcpy(location, loc.p, loc.n);
		location[loc.n] = 0;
	}

	/* The body. */
	uint64_t total = 0, expect = res.framing == SG_HTTP_BODY_LENGTH ? res.content_length : 0;
	int progress = o->out && isatty(2) && !o->verbose;
	sg_http_chunked ch;
	sg_http_chunked_init(&ch);
	memmove(buf, buf + hl, len - (size_t)hl);
	len -= (size_t)hl;
	/* A redirect that -L follows: its body (a server's "Moved" page) is
	 * not the document asked for and must not go to the output. */
	bool following = location && location[0];
	bool done = following || res.framing == SG_HTTP_BODY_NONE ||
		    (res.framing == SG_HTTP_BODY_LENGTH && expect == 0);
	while (!done) {
		size_t off = 0;
		while (off < len && !done) {
			if (res.framing == SG_HTTP_BODY_CHUNKED) {
				size_t used, blen;
				const char *b;
				int r = sg_http_chunked_feed(&ch, buf + off, len - off, &used, &b, &blen);
				if (r < 0) {
					fprintf(stderr, "sigil get: bad chunked body: %s\n", ch.why);
					ret = EX_HTTP;
					goto out;
				}
				if (blen && fwrite(b, 1, blen, out) != blen)
					goto write_err;
				total += blen;
				off += used;
				done = r == 1;
			} else {
				size_t k = len - off;
				if (res.framing == SG_HTTP_BODY_LENGTH && k > expect - total)
					k = (size_t)(expect - total);
				if (fwrite(buf + off, 1, k, out) != k)
					goto write_err;
				total += k;
				off += k;
				done = res.framing == SG_HTTP_BODY_LENGTH && total == expect;
			}
		}
		if (progress && expect)
			fprintf(stderr, "\r%3d%% %llu / %llu bytes", (int)(total * 100 / expect), (unsigned long long)total,
				(unsigned long long)expect);
		len = 0;
		if (done)
			break;
		ssize_t r = sigil_io_read(c, buf, sizeof buf);
		if (r == 0) {
			if (res.framing == SG_HTTP_BODY_CLOSE)
				break;
			fprintf(stderr, "sigil get: the body ended early (%llu of %llu bytes)\n", (unsigned long long)total,
				(unsigned long long)expect);
			ret = EX_HTTP;
			goto out;
		}
		if (r < 0) {
			fprintf(stderr, "sigil get: %s\n", sigil_conn_error(c));
			ret = tls_exit(c);
			goto out;
		}
		len = (size_t)r;
	}
	if (progress)
		fprintf(stderr, "\n");
	if (fflush(out) != 0)
		goto write_err;
	if (o->verbose)
		fprintf(stderr, "* %llu bytes in %.1f ms\n", (unsigned long long)total, now_ms() - t0);
	if (o->session)
		save_session(c, o->session, o->verbose);
	if (sigil_io_close(c) < 0 && o->verbose)
		fprintf(stderr, "* close: %s\n", sigil_conn_error(c));
	ret = res.status >= 400 ? EX_HTTP : EX_OK;
	if (res.status >= 400)
		fprintf(stderr, "sigil get: HTTP %u %s\n", res.status, reason);
	goto out;
write_err:
	fprintf(stderr, "sigil get: cannot write the body: %s\n", strerror(errno));
	ret = EX_FILE;
out:
	sigil_conn_free(c);
	sigil_config_free(cfg);
	close(fd);
	return ret;
}

int do_get(int argc, char **argv)
{
	get_opts o = { 0 };
	struct opt opts[] = {
		OPTION("--cacert", 0, OPT_FILE, "FILE|DIR", NULL,
		  "trust the CAs in FILE, or in the files of DIR (default: the system bundle, "
		  "/etc/ssl/certs/ca-certificates.crt)", &o.cacert, 0, 0, true),
		OPTION("--pin", 0, OPT_STRING, "sha256//B64", NULL,
		  "require a certificate of the chain with this SPKI hash (';' between several; "
		  "'sigil inspect' prints it)", &o.pin),
		OPTION("--crl", 0, OPT_FILE, "FILE", NULL, "check revocation with this CRL (it must be current)", &o.crl),
		OPTION("--cert", 0, OPT_FILE, "FILE", NULL, "a client certificate chain, for a server that asks", &o.cert),
		OPTION("--key", 0, OPT_FILE, "FILE", NULL, "the private key of --cert (default: in the --cert file)",
		  &o.key),
		OPTION("--session", 0, OPT_STRING, "FILE", NULL,
		  "resume the session saved in FILE, and save the new one there", &o.session),
		OPTION("--output", 'o', OPT_STRING, "FILE", NULL, "write the body to FILE (default: standard output)",
		  &o.out),
		OPTION("--request", 'X', OPT_STRING, "METHOD", NULL, "the request method (default GET, or POST with -d)",
		  &o.method),
		OPTION("--data", 'd', OPT_STRING, "DATA", NULL, "send DATA as the request body (POST)", &o.data),
		OPTION("--header", 'H', OPT_LIST, "'NAME: VALUE'", NULL, "add a request header field", &o.headers),
		OPTION("--location", 'L', OPT_FLAG, NULL, NULL, "follow redirects (at most 10)", &o.follow),
		OPTION("--verbose", 'v', OPT_FLAG, NULL, NULL, "show the handshake, the chain and the response head on "
		  "stderr", &o.verbose),
		OPTION("--insecure", 'k', OPT_FLAG, NULL, NULL, "do not verify the server's certificate (testing only)",
		  &o.insecure),
	};
	struct opt_cmd cmd = {
		"get", "URL [options]",
		"Fetch an https:// URL, verifying the server's certificate chain and name.",
		NULL, opts, sizeof opts / sizeof opts[0], 1, 1,
	};
	char *pos[1];
	int npos;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	o.url = pos[0];
	if (o.headers.n > MAX_HEADERS)
		return opt_usage_error(&cmd, "at most %d -H options", MAX_HEADERS);
	for (size_t i = 0; i < o.headers.n; i++)
		if (strpbrk(o.headers.v[i], "\r\n") || !strchr(o.headers.v[i], ':') || o.headers.v[i][0] == ':')
			return opt_usage_error(&cmd, "-H \"%s\": want 'Name: value' on one line", o.headers.v[i]);
	if (o.key && !o.cert)
		return opt_usage_error(&cmd, "--key goes with --cert");
	if (o.pin && sg_x509_pin_match(o.pin, (sg_rd){ NULL, 0 }) < 0)
		return opt_usage_error(&cmd, "--pin %s: want sha256//BASE64 of 32 bytes, ';' between several", o.pin);
	int fr = EX_OK;
	if ((o.cacert && (fr = check_certs("get", "--cacert", o.cacert)) != EX_OK) ||
	    (o.crl && (fr = check_crl("get", "--crl", o.crl)) != EX_OK) ||
	    (o.cert && (fr = check_cert_key("get", o.cert, o.key ? o.key : o.cert)) != EX_OK))
		return fr;
	url u;
	if (parse_url(o.url, &u) < 0) {
		return opt_usage_error(&cmd, "\"%s\" is not an https:// URL (https://HOST[:PORT]/PATH)", o.url);
	}
	FILE *out = stdout;
	if (o.out && !(out = fopen(o.out, "wb"))) {
		fprintf(stderr, "sigil get: -o %s: %s\n", o.out, strerror(errno));
		return EX_FILE;
	}
	int ret = EX_OK, status = 0;
	for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
		char loc[4096] = "";
		ret = fetch(&o, &u, out, o.follow ? loc : NULL, sizeof loc, &status);
		if (ret != EX_OK || !o.follow || !loc[0])
			break;
		/* Absolute https:// URLs, or paths on the same server. */
		if (loc[0] == '/') {
			snprintf(u.path, sizeof u.path, "%s", loc);
		} else if (parse_url(loc, &u) < 0) {
			fprintf(stderr, "sigil get: will not follow redirect to \"%s\"\n", loc);
			ret = EX_HTTP;
			break;
		}
		if (o.verbose)
			fprintf(stderr, "* following redirect to %s\n", loc);
		if (hop == MAX_REDIRECTS) {
			fprintf(stderr, "sigil get: too many redirects\n");
			ret = EX_HTTP;
		}
	}
	if (o.out && fclose(out) != 0 && ret == EX_OK) {
		fprintf(stderr, "sigil get: -o %s: %s\n", o.out, strerror(errno));
		ret = EX_FILE;
	}
	free(o.headers.v);
	return ret;
}
