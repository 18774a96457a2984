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
#include <poll.h>
#include <stdbool.h>
#include <strings.h>
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
	const char *groups;                 /* key-exchange groups, or NULL: the library's order */
	const char *tls_min;                /* "1.2" (default) or "1.3" */
	struct opt_list headers, resolve, connect_to;
	int verbose, insecure, follow;
	int connect_timeout, max_time;      /* seconds; max_time 0: no limit */
} get_opts;

typedef struct url {
	char host[256];
	char port[8];
	char path[4096];
} url;

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

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a transfer waits for, and until when: the connection (TCP and the
 * TLS handshake) has --connect-timeout, everything --max-time, and a
 * server silent for IDLE_SECS after the handshake is given up even
 * without --max-time. */
#define IDLE_SECS 30
struct clock {
	int64_t start;          /* of the whole run */
	int64_t end;            /* --max-time, or INT64_MAX */
	int64_t conn_start;     /* of this connection */
	int64_t conn_end;       /* --connect-timeout of this connection */
	int connect_timeout, max_time;
	/* Set when a wait timed out: which limit it was. */
	char why[160];
};

enum phase { PH_CONNECT, PH_HANDSHAKE, PH_REQUEST, PH_RESPONSE, PH_BODY };

static const char *phase_text(enum phase p, bool got_bytes)
{
	switch (p) {
	case PH_CONNECT: return "connecting";
	case PH_HANDSHAKE: return got_bytes ? "in the middle of the TLS handshake"
					    : "waiting for the server's first flight";
	case PH_REQUEST: return "sending the request";
	case PH_RESPONSE: return "waiting for the response";
	default: return "reading the body";
	}
}

/* Wait until fd is ready to read (or write) or the limit of the phase:
 * 1 ready, 0 timed out (clk->why says which limit). */
static int wait_fd(int fd, bool wr, struct clock *clk, enum phase ph, bool got_bytes)
{
	int64_t now = mono_ms();
	int64_t until = clk->end;
	const char *limit = "--max-time";
	int secs = clk->max_time;
	if (ph <= PH_HANDSHAKE && clk->conn_end < until) {
		until = clk->conn_end;
		limit = "--connect-timeout";
		secs = clk->connect_timeout;
	} else if (ph > PH_HANDSHAKE && now + IDLE_SECS * 1000 < until) {
		until = now + IDLE_SECS * 1000;
		limit = NULL;
	}
	for (;;) {
		int64_t left = until - mono_ms();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = wr ? POLLOUT : POLLIN };
		int r = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;       /* the next I/O call reports the error */
	}
	if (limit)
		snprintf(clk->why, sizeof clk->why, "timed out after %d s %s (%s %d)",
			 (int)((mono_ms() - (ph <= PH_HANDSHAKE && limit[2] == 'c' ? clk->conn_start : clk->start) + 500) / 1000),
			 phase_text(ph, got_bytes), limit, secs);
	else
		snprintf(clk->why, sizeof clk->why, "the server sent nothing for %d s %s", IDLE_SECS,
			 phase_text(ph, got_bytes));
	return 0;
}

/* --resolve HOST:PORT:ADDR and --connect-to HOST:PORT:HOST2:PORT2 (curl's
 * meanings): split at the colons, an IPv6 address in brackets. */
static const char *field_end(const char *p)
{
	if (*p == '[') {
		const char *e = strchr(p, ']');
		return e ? e + 1 : p + strlen(p);
	}
	return p + strcspn(p, ":");
}

static int split_fields(const char *s, char f[][256], int want)
{
	const char *p = s;
	for (int i = 0; i < want; i++) {
		const char *e = i == want - 1 ? p + strlen(p) : field_end(p);
		if (i < want - 1 && *e != ':')
			return -1;
		size_t n = (size_t)(e - p);
		if (n >= 256)
			return -1;
		/* Brackets are notation, not part of the address. */
		if (n >= 2 && p[0] == '[' && p[n - 1] == ']')
			memcpy(f[i], p + 1, n - 2), f[i][n - 2] = 0;
		else
			memcpy(f[i], p, n), f[i][n] = 0;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static bool port_ok(const char *s)
{
	return *s && strlen(s) <= 5 && strspn(s, "0123456789") == strlen(s) && atoi(s) >= 1 && atoi(s) <= 65535;
}

static int check_resolve(const char *s)
{
	char f[3][256];
	uint8_t ip[16];
	return split_fields(s, f, 3) == 0 && f[0][0] && port_ok(f[1]) && sg_x509_parse_ip(f[2], ip) ? 0 : -1;
}

static int check_connect_to(const char *s)
{
	char f[4][256];
	return split_fields(s, f, 4) == 0 && (!f[1][0] || port_ok(f[1])) && (!f[3][0] || port_ok(f[3])) ? 0 : -1;
}

/* Where to connect for host:port after --connect-to, and the address to
 * use after --resolve (NULL: ask the resolver). */
static const char *route(const get_opts *o, const url *u, char host[256], char port[8], char addr[256])
{
	snprintf(host, 256, "%s", u->host);
	snprintf(port, 8, "%s", u->port);
	for (size_t i = 0; i < o->connect_to.n; i++) {
		char f[4][256];
		if (split_fields(o->connect_to.v[i], f, 4) < 0)
			continue;
		if ((f[0][0] && strcasecmp(f[0], u->host) != 0) || (f[1][0] && strcmp(f[1], u->port) != 0))
			continue;
		if (f[2][0])
			snprintf(host, 256, "%s", f[2]);
		if (f[3][0])
			snprintf(port, 8, "%.5s", f[3]);     /* checked: 1..65535 */
		break;          /* the first that matches, as curl */
	}
	for (size_t i = 0; i < o->resolve.n; i++) {
		char f[3][256];
		if (split_fields(o->resolve.v[i], f, 3) == 0 && strcasecmp(f[0], host) == 0 && strcmp(f[1], port) == 0) {
			snprintf(addr, 256, "%s", f[2]);
			return addr;
		}
	}
	return NULL;
}

/* A non-blocking TCP connection to the URL's server, within the connect
 * limit; -1 with a sentence in err. */
static int connect_to(const get_opts *o, const url *u, struct clock *clk, char *err, size_t cap)
{
	char host[256], port[8], abuf[256];
	const char *addr = route(o, u, host, port, abuf);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	if (addr)
		hints.ai_flags = AI_NUMERICHOST;
	int rc = getaddrinfo(addr ? addr : host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, cap, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	const char *shown = addr ? addr : host;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			if (wait_fd(fd, true, clk, PH_CONNECT, false) == 0) {
				snprintf(err, cap, "%s port %s: %s", shown, port, clk->why);
				close(fd);
				fd = -1;
				break;  /* the time is gone for the others too */
			}
			socklen_t el = sizeof r;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &el) < 0)
				r = errno;
			errno = r;
			r = r ? -1 : 0;
		}
		if (r == 0)
			break;
		snprintf(err, cap, "cannot connect to %s port %s: %s", shown, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0 && o->verbose)
		fprintf(stderr, "* connected to %s port %s%s%s\n", shown, port, addr ? " (--resolve)" : "",
			strcmp(host, u->host) || strcmp(port, u->port) ? " (--connect-to)" : "");
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

/* $SIGIL_HOME as sigil serve finds it (default ~/.local/share/sigil). */
static void sigil_home(char *out, size_t cap)
{
	const char *home = getenv("SIGIL_HOME");
	if (home && *home) {
		snprintf(out, cap, "%s", home);
		return;
	}
	const char *h = getenv("HOME");
	snprintf(out, cap, "%s/.local/share/sigil", h && *h ? h : ".");
}

/* Whether a certificate of the peer's chain was issued by the development
 * CA of `sigil serve` (its name is fixed: tools/ca.c). */
static bool from_dev_ca(const sigil_conn *c)
{
	size_t n;
	const sigil_der *chain = sigil_conn_peer_chain(c, &n);
	for (size_t i = 0; i < n; i++) {
		sg_x509_cert x;
		char err[128], iss[512];
		if (sg_x509_cert_parse(&x, chain[i].der, chain[i].len, err, sizeof err) == 0 &&
		    sg_x509_name_to_string(x.issuer, iss, sizeof iss) > 0 && strcmp(iss, "CN=sigil development CA") == 0)
			return true;
	}
	return false;
}

/* The connection's error, and what to do about it. */
static int report(const get_opts *o, const sigil_conn *c, const char *host)
{
	fprintf(stderr, "sigil get: %s: %s\n", host, sigil_conn_error(c));
	sigil_error_class ec = sigil_conn_error_class(c);
	int alert = sigil_conn_error_alert(c);
	if (ec == SIGIL_ECLASS_VERIFY && alert == SIGIL_ALERT_UNKNOWN_CA) {
		char home[4096], root[4200];
		sigil_home(home, sizeof home);
		snprintf(root, sizeof root, "%s/ca/root.crt", home);
		if (from_dev_ca(c))
			fprintf(stderr, "  this is the development CA of 'sigil serve': give --cacert %s%s, or run "
				"'sigil trust' once to trust it everywhere\n", root,
				access(root, R_OK) == 0 ? "" : " (from the machine the server runs on)");
		else
			fprintf(stderr, "  give --cacert FILE with the CA that issued the server's certificate%s\n",
				o->cacert ? " (the one given does not)" : "");
	} else if (ec == SIGIL_ECLASS_PEER_ALERT && alert == SIGIL_ALERT_CERTIFICATE_REQUIRED) {
		if (o->cert)
			/* The client sends none when the server's
			 * certificate_authorities do not name the issuer. */
			fprintf(stderr, "  the server requires a client certificate from a CA it trusts, and --cert %s "
				"is not from one of them\n", o->cert);
		else
			fprintf(stderr, "  the server requires a client certificate: use --cert FILE --key FILE\n");
	} else if (ec == SIGIL_ECLASS_PEER_ALERT && o->cert &&
		   (alert == SIGIL_ALERT_UNKNOWN_CA || alert == SIGIL_ALERT_BAD_CERTIFICATE ||
		    alert == SIGIL_ALERT_CERTIFICATE_REVOKED || alert == SIGIL_ALERT_CERTIFICATE_EXPIRED ||
		    alert == SIGIL_ALERT_UNSUPPORTED_CERTIFICATE || alert == SIGIL_ALERT_CERTIFICATE_UNKNOWN)) {
		fprintf(stderr, "  the server refused the client certificate %s: is it from a CA the server "
			"trusts, current and not revoked?\n", o->cert);
	}
	return tls_exit(c);
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
	if (sigil_conn_set_session(c, blob, n) < 0)
		fprintf(stderr, "sigil get: --session %s: not a sigil session file; making a full handshake%s\n", path,
			verbose ? "" : " (and saving a new session there)");
	sg_wipe(blob, sizeof blob);
}

/* The blob holds a resumption secret: 0600, written whole or not at all. */
static void save_session(sigil_conn *c, const char *path)
{
	uint8_t blob[4096];
	size_t n;
	char tmp[4200];
	if (sigil_conn_get_session(c, blob, sizeof blob, &n) < 0) {
		fprintf(stderr, "sigil get: --session %s: the server sent no session ticket, so there is nothing to "
			"save (a server that asks for client certificates sends none)\n", path);
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

/* The engine's I/O over the non-blocking socket, each wait bounded by the
 * phase's limit.  -1 after a timeout (clk->why) or an error (the
 * connection's). */
struct link {
	sigil_conn *c;
	int fd;
	struct clock *clk;
	bool timed_out;
};

static int link_handshake(struct link *l)
{
	bool got = false;
	for (;;) {
		int r = sigil_io_handshake(l->c);
		if (r == SIGIL_OK)
			return 0;
		if (r != SIGIL_WANT_READ && r != SIGIL_WANT_WRITE)
			return -1;
		if (wait_fd(l->fd, r == SIGIL_WANT_WRITE, l->clk, PH_HANDSHAKE, got) == 0) {
			l->timed_out = true;
			return -1;
		}
		/* Whether the server has said anything yet, for the message
		 * if it then goes quiet. */
		char b;
		if (!got && recv(l->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
			got = true;
	}
}

static int link_write(struct link *l, const void *p, size_t n)
{
	const char *b = p;
	while (n) {
		ssize_t r = sigil_io_write(l->c, b, n);
		if (r > 0) {
			b += r;
			n -= (size_t)r;
			continue;
		}
		if (r != SIGIL_IO_WANT_READ && r != SIGIL_IO_WANT_WRITE)
			return -1;
		if (wait_fd(l->fd, r == SIGIL_IO_WANT_WRITE, l->clk, PH_REQUEST, true) == 0) {
			l->timed_out = true;
			return -1;
		}
	}
	for (;;) {
		int r = sigil_io_flush(l->c);
		if (r == SIGIL_OK)
			return 0;
		if (r != SIGIL_WANT_WRITE)
			return -1;
		if (wait_fd(l->fd, true, l->clk, PH_REQUEST, true) == 0) {
			l->timed_out = true;
			return -1;
		}
	}
}

/* > 0 bytes, 0 at close_notify, -1. */
static ssize_t link_read(struct link *l, void *buf, size_t cap, enum phase ph)
{
	for (;;) {
		ssize_t r = sigil_io_read(l->c, buf, cap);
		if (r >= 0)
			return r;
		if (r != SIGIL_IO_WANT_READ && r != SIGIL_IO_WANT_WRITE)
			return -1;
		if (wait_fd(l->fd, r == SIGIL_IO_WANT_WRITE, l->clk, ph, true) == 0) {
			l->timed_out = true;
			return -1;
		}
	}
}

static bool is_redirect(unsigned status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* What one request of a redirect chain sends. */
struct hop {
	const char *method;
	const char *data;       /* the body, or NULL */
	bool credentials;       /* Authorization, Cookie, Proxy-Authorization go */
	int status;             /* out: the response's status */
};

/* The -H fields that carry credentials: they go only to the origin they
 * were given for, as curl does (its CVE-2018-1000007, CVE-2022-27776). */
static bool credential_field(const char *h)
{
	static const char *const names[] = { "authorization", "cookie", "proxy-authorization" };
	size_t n = strcspn(h, ":");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (n == strlen(names[i]) && strncasecmp(h, names[i], n) == 0)
			return true;
	return false;
}

/* One request; *location gets a redirect target when -L applies. */
static int fetch(const get_opts *o, const url *u, FILE *out, struct clock *clk, char *location, size_t loc_cap,
		 struct hop *hop)
{
	char err[512] = "";
	int64_t t0 = mono_ms();
	clk->conn_start = t0;
	clk->conn_end = t0 + clk->connect_timeout * 1000LL;
	int fd = connect_to(o, u, clk, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "sigil get: %s\n", err);
		return EX_CONNECT;
	}
	sigil_config *cfg = sigil_config_new();
	sigil_conn *c = NULL;
	struct link l = { .fd = fd, .clk = clk };
	int ret = EX_TLS;
	if (!cfg)
		goto out;
	if ((o->insecure && sigil_config_insecure_noverify(cfg) < 0) ||
	    (!o->insecure && o->cacert && sigil_config_add_trust(cfg, o->cacert) < 0) ||
	    (o->pin && sigil_config_set_pins(cfg, o->pin) < 0) ||
	    (o->crl && sigil_config_add_crl_file(cfg, o->crl, 1) < 0) ||
	    (o->cert && sigil_config_add_cert_key_file(cfg, o->cert, o->key ? o->key : o->cert) < 0) ||
	    (o->groups && sigil_config_set_groups(cfg, o->groups) < 0) ||
	    sigil_config_set_versions(cfg, strcmp(o->tls_min, "1.3") == 0 ? SIGIL_TLS13 : SIGIL_TLS12, SIGIL_TLS13) < 0 ||
	    sigil_config_set_alpn(cfg, "http/1.1") < 0) {
		/* The files were checked at start-up: only a change since. */
		fprintf(stderr, "sigil get: %s\n", sigil_config_error(cfg));
		ret = EX_FILE;
		goto out;
	}
	c = sigil_conn_new(cfg, SIGIL_CLIENT);
	if (!c || sigil_conn_set_server_name(c, u->host) < 0 || sigil_io_attach(c, fd) < 0)
		goto out;
	l.c = c;
	if (o->session)
		load_session(c, o->session, o->verbose);
	if (link_handshake(&l) < 0) {
		if (l.timed_out) {
			fprintf(stderr, "sigil get: %s: %s\n", u->host, clk->why);
			ret = EX_CONNECT;
		} else {
			ret = report(o, c, u->host);
		}
		goto out;
	}
	int64_t t1 = mono_ms();
	if (o->verbose) {
		const char *alpn = sigil_conn_alpn(c);
		fprintf(stderr, "* TLS %s, %s, group %s%s, signature %s, ALPN %s\n",
			sigil_conn_version(c) == SIGIL_TLS12 ? "1.2" : "1.3", sigil_suite_name(sigil_conn_suite(c)), sigil_group_name(sigil_conn_group(c)),
			sigil_conn_hrr(c) ? " (after HelloRetryRequest)" : "",
			sigil_sigscheme_name(sigil_conn_sigscheme(c)) ? sigil_sigscheme_name(sigil_conn_sigscheme(c)) : "?",
			alpn ? alpn : "(none)");
		fprintf(stderr, "* certificate chain%s:\n", o->insecure ? " (NOT verified: --insecure)" : " (verified)");
		print_chain(c);
		fprintf(stderr, "* session %s\n", sigil_conn_resumed(c) ? "resumed (no certificate sent)" : "new");
		fprintf(stderr, "* handshake took %lld ms\n", (long long)(t1 - t0));
	}

	/* The request. */
	const char *method = hop->method;
	/* Host carries the port when it is not the default (RFC 9110 7.2). */
	char hosthdr[300];
	bool v6 = strchr(u->host, ':') != NULL;
	snprintf(hosthdr, sizeof hosthdr, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
		 strcmp(u->port, "443") ? ":" : "", strcmp(u->port, "443") ? u->port : "");
	char head[8192];
	int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sigil\r\nAccept: */*\r\n"
			 "Connection: close\r\n", method, u->path, hosthdr);
	for (size_t i = 0; i < o->headers.n && n > 0 && (size_t)n < sizeof head; i++) {
		if (!hop->credentials && credential_field(o->headers.v[i])) {
			if (o->verbose)
				fprintf(stderr, "* not sending \"%.*s\" to another origin\n",
					(int)strcspn(o->headers.v[i], ":"), o->headers.v[i]);
			continue;
		}
		n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", o->headers.v[i]);
	}
	if (hop->data && n > 0 && (size_t)n < sizeof head)
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", strlen(hop->data));
	if (n <= 0 || (size_t)n + 2 >= sizeof head) {
		fprintf(stderr, "sigil get: the request head is over %zu bytes (the -H fields are too long)\n",
			sizeof head);
		ret = EX_USAGE;
		goto out;
	}
	memcpy(head + n, "\r\n", 2);
	n += 2;
	if (link_write(&l, head, (size_t)n) < 0 || (hop->data && link_write(&l, hop->data, strlen(hop->data)) < 0)) {
		if (l.timed_out) {
			fprintf(stderr, "sigil get: %s: %s\n", u->host, clk->why);
			ret = EX_CONNECT;
		} else {
			ret = report(o, c, u->host);
		}
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
		ssize_t r = link_read(&l, buf + len, sizeof buf - len, PH_RESPONSE);
		if (r <= 0) {
			if (r == 0) {
				fprintf(stderr, "sigil get: %s: the server closed the connection before answering\n",
					u->host);
				ret = EX_HTTP;
			} else if (l.timed_out) {
				fprintf(stderr, "sigil get: %s: %s\n", u->host, clk->why);
				ret = EX_CONNECT;
			} else {
				ret = report(o, c, u->host);
			}
			goto out;
		}
		len += (size_t)r;
		if (len == sizeof buf) {
			fprintf(stderr, "sigil get: response head too large\n");
			ret = EX_HTTP;
			goto out;
		}
	}
	hop->status = res.status;
	/* The reason phrase points into buf, which the body reuses. */
	char reason[128];
	snprintf(reason, sizeof reason, "%.*s", (int)res.reason.n, res.reason.p);
	if (o->verbose) {
		fprintf(stderr, "< HTTP/1.%d %u %.*s\n", res.version_minor, res.status, (int)res.reason.n, res.reason.p);
		for (uint32_t i = 0; i < res.nfields; i++)
			fprintf(stderr, "< %.*s: %.*s\n", (int)res.fields[i].name.n, res.fields[i].name.p,
				(int)res.fields[i].value.n, res.fields[i].value.p);
	}
	sg_http_str loc = { NULL, 0 };
	bool redirect = is_redirect(res.status) && sg_http_header_get(res.fields, res.nfields, "Location", &loc);
	char shown_loc[600] = "";
	if (redirect)
		snprintf(shown_loc, sizeof shown_loc, "%.*s%s", (int)(loc.n < 500 ? loc.n : 500), loc.p,
			 loc.n < 500 ? "" : "...");
	if (redirect && location && loc.n >= loc_cap) {
		/* Not silently dropped: the redirect cannot be followed. */
		fprintf(stderr, "sigil get: HTTP %u: the Location is %zu bytes long; sigil get follows at most %zu\n",
			res.status, loc.n, loc_cap - 1);
		ret = EX_HTTP;
		goto out;
	}
	if (redirect && location) {
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
		ssize_t r = link_read(&l, buf, sizeof buf, PH_BODY);
		if (r == 0) {
			if (res.framing == SG_HTTP_BODY_CLOSE)
				break;
			fprintf(stderr, "sigil get: the body ended early (%llu of %llu bytes)\n", (unsigned long long)total,
				(unsigned long long)expect);
			ret = EX_HTTP;
			goto out;
		}
		if (r < 0) {
			if (progress)
				fprintf(stderr, "\n");
			if (l.timed_out) {
				fprintf(stderr, "sigil get: %s: %s (%llu bytes received)\n", u->host, clk->why,
					(unsigned long long)total);
				ret = EX_CONNECT;
			} else {
				ret = report(o, c, u->host);
			}
			goto out;
		}
		len = (size_t)r;
	}
	if (progress)
		fprintf(stderr, "\n");
	if (fflush(out) != 0)
		goto write_err;
	if (o->verbose)
		fprintf(stderr, "* %llu bytes in %lld ms\n", (unsigned long long)total, (long long)(mono_ms() - t0));
	if (o->session)
		save_session(c, o->session);
	if (sigil_io_close(c) < 0 && o->verbose)
		fprintf(stderr, "* close: %s\n", sigil_conn_error(c));
	ret = EX_OK;
	if (res.status >= 400) {
		fprintf(stderr, "sigil get: HTTP %u %s\n", res.status, reason);
		ret = EX_HTTP;
	} else if (redirect && !following) {
		/* Not silently 0 with nothing printed: a script would take an
		 * empty output for the document. */
		fprintf(stderr, "sigil get: HTTP %u %s: the document is at %s; -L follows it\n", res.status, reason,
			shown_loc);
		ret = EX_HTTP;
	}
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

/* RFC 3986 5.2.4: remove "." and ".." segments from a path, in place
 * (the query, if any, is left alone). */
static void remove_dots(char *path)
{
	char *q = strchr(path, '?');
	char query[4096] = "";
	if (q) {
		snprintf(query, sizeof query, "%s", q);
		*q = 0;
	}
	char out[4096];
	size_t o = 0;
	const char *in = path;
	while (*in) {
		if (strncmp(in, "../", 3) == 0) {
			in += 3;
		} else if (strncmp(in, "./", 2) == 0) {
			in += 2;
		} else if (strncmp(in, "/./", 3) == 0) {
			in += 2;
		} else if (strcmp(in, "/.") == 0) {
			in = "/";
		} else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			in += 3;
			if (!*in)
				in = "/";
			while (o > 0 && out[--o] != '/')
				;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
			break;
		} else {
			size_t k = 1 + strcspn(in + 1, "/");
			if (o + k < sizeof out) {
				memcpy(out + o, in, k);
				o += k;
			}
			in += k;
		}
	}
	out[o] = 0;
	snprintf(path, 4096, "%s%s", o ? out : "/", query);
}

/* The URL a Location (RFC 9110 10.2.2: a URI reference) names, resolved
 * against the request's URL (RFC 3986 5.2).  Only https:// is
 * followed; -1 with the reason otherwise. */
static int resolve_location(const url *base, const char *ref, url *next, const char **why)
{
	char abs[4200];
	size_t sl = strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (sl > 0 && ref[sl] == ':' && ((ref[0] | 0x20) >= 'a' && (ref[0] | 0x20) <= 'z')) {
		if (sl == 5 && strncasecmp(ref, "https", 5) == 0) {
			snprintf(abs, sizeof abs, "https%s", ref + 5);
		} else if (sl == 4 && strncasecmp(ref, "http", 4) == 0) {
			*why = "it leaves TLS (https to http): the request and its headers would go in the clear";
			return -1;
		} else {
			*why = "sigil get follows https:// redirects only";
			return -1;
		}
	} else if (ref[0] == '/' && ref[1] == '/') {
		snprintf(abs, sizeof abs, "https:%s", ref);
	} else {
		/* Same origin: a path, a query, or a relative path. */
		*next = *base;
		char path[4096];
		size_t frag = strcspn(ref, "#");
		if (ref[0] == '/')
			snprintf(path, sizeof path, "%.*s", (int)frag, ref);
		else if (ref[0] == '?')
			snprintf(path, sizeof path, "%.*s%.*s", (int)strcspn(base->path, "?"), base->path, (int)frag, ref);
		else if (frag == 0)
			snprintf(path, sizeof path, "%s", base->path);
		else {
			size_t dir = strcspn(base->path, "?");
			while (dir > 0 && base->path[dir - 1] != '/')
				dir--;
			snprintf(path, sizeof path, "%.*s%.*s", (int)dir, base->path, (int)frag, ref);
		}
		for (const char *p = path; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f) {
				*why = "the Location holds a space or a control character";
				return -1;
			}
		remove_dots(path);
		snprintf(next->path, sizeof next->path, "%s", path);
		return 0;
	}
	if (parse_url(abs, next) < 0) {
		*why = "not a URL sigil get can use";
		return -1;
	}
	remove_dots(next->path);
	return 0;
}

/* The next request after a redirect, as curl makes it: 303 turns every
 * method but HEAD into a GET, 301 and 302 turn a POST into a GET (as
 * browsers do, RFC 9110 15.4.2-4), both without the body; 307 and 308
 * keep both.  Credentials given with -H go only to the origin (scheme,
 * host and port) of the URL on the command line. */
static void follow(struct hop *h, const url *first, const url *next, int verbose)
{
	bool to_get = (h->status == 303 && strcmp(h->method, "HEAD") != 0) ||
		      ((h->status == 301 || h->status == 302) && strcmp(h->method, "POST") == 0);
	if (to_get) {
		if (verbose && h->data)
			fprintf(stderr, "* the %d redirect turns the %s into a GET without the body\n", h->status,
				h->method);
		h->method = "GET";
		h->data = NULL;
	}
	h->credentials = strcasecmp(first->host, next->host) == 0 && strcmp(first->port, next->port) == 0;
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
		OPTION("--groups", 0, OPT_STRING, "LIST", NULL,
		       "key-exchange groups to offer, most preferred first, colon-separated (default: "
		       "X25519MLKEM768:x25519:secp256r1:secp384r1; leave X25519MLKEM768 out to turn the "
		       "post-quantum hybrid off)", &o.groups),
		OPTION("--tls-min", 0, OPT_STRING, "1.2|1.3", "1.2",
		       "the lowest protocol version offered: 1.2 also reaches servers that have nothing newer "
		       "(ECDHE with AES-GCM or ChaCha20-Poly1305 only, extended master secret required), 1.3 "
		       "refuses them", &o.tls_min),
		OPTION("--output", 'o', OPT_STRING, "FILE", NULL, "write the body to FILE (default: standard output)",
		       &o.out),
		OPTION("--request", 'X', OPT_STRING, "METHOD", NULL, "the request method (default GET, or POST with -d)",
		       &o.method),
		OPTION("--data", 'd', OPT_STRING, "DATA", NULL, "send DATA as the request body (POST)", &o.data),
		OPTION("--header", 'H', OPT_LIST, "'NAME: VALUE'", NULL, "add a request header field", &o.headers),
		OPTION("--location", 'L', OPT_FLAG, NULL, NULL, "follow redirects (at most 10)", &o.follow),
		OPTION("--connect-timeout", 0, OPT_INT, "S", "10",
		       "give up when the connection (TCP and the TLS handshake) is not made within S seconds",
		       &o.connect_timeout, 1, 86400),
		OPTION("--max-time", 0, OPT_INT, "S", NULL,
		       "give up when the whole transfer, redirects included, takes more than S seconds (default: "
		       "no limit; a server silent for 30 s is given up in any case)", &o.max_time, 1, 86400 * 30),
		OPTION("--resolve", 0, OPT_LIST, "HOST:PORT:ADDR", NULL,
		       "connect to ADDR for HOST:PORT instead of asking the resolver (the URL, SNI and the "
		       "certificate check keep HOST)", &o.resolve),
		OPTION("--connect-to", 0, OPT_LIST, "HOST:PORT:HOST2:PORT2", NULL,
		       "connect to HOST2:PORT2 for requests to HOST:PORT (an empty field matches any or keeps "
		       "the original; the URL, SNI and the certificate check keep HOST)", &o.connect_to),
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
	int ret = EX_USAGE;
	if (o.headers.n > MAX_HEADERS) {
		opt_usage_error(&cmd, "at most %d -H options", MAX_HEADERS);
		goto done;
	}
	for (size_t i = 0; i < o.headers.n; i++)
		if (strpbrk(o.headers.v[i], "\r\n") || !strchr(o.headers.v[i], ':') || o.headers.v[i][0] == ':') {
			opt_usage_error(&cmd, "-H \"%s\": want 'Name: value' on one line", o.headers.v[i]);
			goto done;
		}
	for (size_t i = 0; i < o.resolve.n; i++)
		if (check_resolve(o.resolve.v[i]) < 0) {
			opt_usage_error(&cmd, "--resolve %s: want HOST:PORT:ADDR, ADDR an IP address "
				       "(e.g. example.com:443:127.0.0.1)", o.resolve.v[i]);
			goto done;
		}
	for (size_t i = 0; i < o.connect_to.n; i++)
		if (check_connect_to(o.connect_to.v[i]) < 0) {
			opt_usage_error(&cmd, "--connect-to %s: want HOST:PORT:HOST2:PORT2, ports 1-65535 or empty "
				       "(e.g. example.com:443:127.0.0.1:8443)", o.connect_to.v[i]);
			goto done;
		}
	if (strcmp(o.tls_min, "1.2") != 0 && strcmp(o.tls_min, "1.3") != 0) {
		opt_usage_error(&cmd, "--tls-min %s: 1.2 or 1.3", o.tls_min);
		goto done;
	}
	if (o.key && !o.cert) {
		opt_usage_error(&cmd, "--key goes with --cert");
		goto done;
	}
	if (o.groups) {
		sigil_config *probe = sigil_config_new();
		if (probe && sigil_config_set_groups(probe, o.groups) < 0) {
			opt_usage_error(&cmd, "--groups %s: %s (known: X25519MLKEM768, x25519, secp256r1 or P-256, "
				       "secp384r1 or P-384)", o.groups, sigil_config_error(probe));
			sigil_config_free(probe);
			goto done;
		}
		sigil_config_free(probe);
	}
	if (o.pin && sg_x509_pin_match(o.pin, (sg_rd){ NULL, 0 }) < 0) {
		opt_usage_error(&cmd, "--pin %s: want sha256//BASE64 of 32 bytes, ';' between several", o.pin);
		goto done;
	}
	url u;
	if (parse_url(o.url, &u) < 0) {
		opt_usage_error(&cmd, "\"%s\" is not an https:// URL (https://HOST[:PORT]/PATH)", o.url);
		goto done;
	}
	char ferr[1024];
	if ((o.cacert && (ret = check_certs("--cacert", o.cacert, ferr, sizeof ferr)) != EX_OK) ||
	    (o.crl && (ret = check_crl("--crl", o.crl, ferr, sizeof ferr)) != EX_OK) ||
	    (o.cert && (ret = check_cert_key(o.cert, o.key ? o.key : o.cert, ferr, sizeof ferr)) != EX_OK)) {
		fprintf(stderr, "sigil get: %s\n", ferr);
		goto done;
	}
	FILE *out = stdout;
	if (o.out && !(out = fopen(o.out, "wb"))) {
		fprintf(stderr, "sigil get: -o %s: %s\n", o.out, strerror(errno));
		ret = EX_FILE;
		goto done;
	}
	struct clock clk = { .start = mono_ms(), .connect_timeout = o.connect_timeout, .max_time = o.max_time };
	clk.end = o.max_time ? clk.start + o.max_time * 1000LL : INT64_MAX;
	/* The first request as asked; redirects may change the method and
	 * drop the body and the credentials (follow()). */
	struct hop hop = { .method = o.method ? o.method : o.data ? "POST" : "GET", .data = o.data, .credentials = true };
	url first = u;
	ret = EX_OK;
	for (int n = 0; n <= MAX_REDIRECTS; n++) {
		char loc[4096] = "";
		ret = fetch(&o, &u, out, &clk, o.follow ? loc : NULL, sizeof loc, &hop);
		if (ret != EX_OK || !o.follow || !loc[0])
			break;
		if (n == MAX_REDIRECTS) {
			fprintf(stderr, "sigil get: more than %d redirects\n", MAX_REDIRECTS);
			ret = EX_HTTP;
			break;
		}
		url next;
		const char *why;
		if (resolve_location(&u, loc, &next, &why) < 0) {
			fprintf(stderr, "sigil get: will not follow the redirect to \"%.300s\": %s\n", loc, why);
			ret = EX_HTTP;
			break;
		}
		follow(&hop, &first, &next, o.verbose);
		if (o.verbose)
			fprintf(stderr, "* following the %d redirect to https://%s:%s%s (%s)\n", hop.status, next.host, next.port,
				next.path, hop.method);
		u = next;
	}
	if (o.out && fclose(out) != 0 && ret == EX_OK) {
		fprintf(stderr, "sigil get: -o %s: %s\n", o.out, strerror(errno));
		ret = EX_FILE;
	}
done:
	free(o.headers.v);
	free(o.resolve.v);
	free(o.connect_to.v);
	return ret;
}
