/*
 * sigil-bank: options, the listening socket, a thread per connection,
 * and a clean stop on SIGTERM.
 *
 * Why a thread per connection rather than an event loop: the only client
 * is sigil serve, which keeps a small pool of connections; every request
 * runs a few SQLite statements that block (a write may wait for the lock
 * for seconds), and each thread keeping its own SQLite connection is
 * what SQLite wants.  An event loop would need a thread pool for the
 * database anyway.  --max-conns bounds the threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "bank.h"
#include "crypto/crypto.h"

/* Exit statuses, as sigil's (README "Exit status"). */
#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 2
#define EX_FILE 7

/* Set by the signal handler: the one piece of file-scope mutable state,
 * because a handler cannot be given a pointer. */
static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static const char usage[] =
	"usage: sigil-bank --listen unix:PATH|127.0.0.1:PORT --db FILE [options]\n"
	"       sigil-bank --db FILE --rebind NAME\n"
	"The demonstration bank behind `sigil serve --proxy /bank/=unix:PATH` (docs/bank.md).\n"
	"It takes the user's identity from sigil serve's X-Client-* headers, so it listens\n"
	"only where nothing but the proxy can connect.\n"
	"  --listen ADDR       unix:PATH, a Unix-domain socket with --socket-mode (use this),\n"
	"                      or 127.0.0.1:PORT (loopback TCP: any local user can connect)\n"
	"  --db FILE           the ledger, SQLite (created, mode 0600, when missing)\n"
	"  --prefix PATH       where the bank is mounted, as the proxy forwards the path\n"
	"                      (default /; /bank/ behind --proxy /bank/=...)\n"
	"  --socket-mode MODE  0600 (default: the proxy runs as the same user) or 0660\n"
	"                      (the proxy is in the socket's group)\n"
	"  --secret-file FILE  the key of the forms' CSRF tokens: 64 hex digits, mode 0600\n"
	"                      (default: random at each start; open forms then expire)\n"
	"  --idle-timeout S    seconds an idle connection is kept open (default 75)\n"
	"  --request-timeout S seconds for a whole request head and body (default 30)\n"
	"  --max-conns N       connections at once (default 64)\n"
	"  --rebind NAME       let the next certificate with CN=NAME take over NAME's\n"
	"                      accounts (after a certificate was renewed), then exit\n"
	"  -v                  one line per request on stderr\n"
	"  -h, --help          this text\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sigil-bank: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'sigil-bank --help')\n");
	return EX_USAGE;
}

static bool number(const char *s, long min, long max, long *v)
{
	char *end;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < min || x > max || s[0] == '+' || s[0] == '-' || s[0] == ' ')
		return false;
	*v = x;
	return true;
}

/* The prefix as links need it: "/a/b/", only unreserved characters of
 * RFC 3986 2.3 and '/', no empty, "." or ".." segment. */
static bool prefix_ok(const char *p, char *out, size_t cap)
{
	size_t n = strlen(p);
	if (n == 0 || p[0] != '/' || n + 2 > cap)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		                  c == '-' || c == '.' || c == '_' || c == '~';
		if (!unreserved && c != '/')
			return false;
		if (c == '/' && i + 1 < n && p[i + 1] == '/')
			return false;
	}
	memcpy(out, p, n + 1);
	if (out[n - 1] != '/') {
		out[n] = '/';
		out[n + 1] = 0;
	}
	return strstr(out, "/./") == NULL && strstr(out, "/../") == NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_secret(const char *path, uint8_t key[BANK_KEY_LEN])
{
	char buf[256];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "sigil-bank: --secret-file %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		fprintf(stderr, "sigil-bank: --secret-file %s: readable by others (mode %03o): chmod 600 it\n", path,
		        (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	size_t k = 0;
	for (ssize_t i = 0; n > 0 && i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' ')
			continue;
		int h = hexval((unsigned char)buf[i]), l = i + 1 < n ? hexval((unsigned char)buf[i + 1]) : -1;
		if (h < 0 || l < 0 || k == BANK_KEY_LEN) {
			k = 0;
			break;
		}
		key[k++] = (uint8_t)(h << 4 | l);
		i++;
	}
	sg_wipe(buf, sizeof buf);
	if (k != BANK_KEY_LEN) {
		fprintf(stderr, "sigil-bank: --secret-file %s: want 64 hex digits (32 random bytes, e.g. from "
		        "`openssl rand -hex 32`)\n", path);
		return -1;
	}
	return 0;
}

/* A Unix-domain socket at path with the given mode.  A socket file left
 * by a bank that died is replaced; one a running bank listens on is not,
 * nor anything that is not a socket. */
static int listen_unix(const char *path, int mode)
{
	struct sockaddr_un sa;
	struct stat st;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "sigil-bank: --listen unix:%s: the path is longer than %zu bytes\n", path,
		        sizeof sa.sun_path - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "sigil-bank: --listen unix:%s: the file exists and is not a socket\n", path);
			return -1;
		}
		int t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (t >= 0 && connect(t, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(t);
			fprintf(stderr, "sigil-bank: --listen unix:%s: another process is listening there\n", path);
			return -1;
		}
		if (t >= 0)
			close(t);
		unlink(path);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sigil-bank: socket: %s\n", strerror(errno));
		return -1;
	}
	/* The mode is set by the umask at bind time, so there is no moment
	 * in which the socket is open to more than the mode allows. */
	mode_t old = umask((mode_t)(0777 & ~mode));
	int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r != 0 || chmod(path, (mode_t)mode) != 0 || listen(fd, 64) != 0) {
		fprintf(stderr, "sigil-bank: --listen unix:%s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_tcp(const char *addr)
{
	long port;
	if (strncmp(addr, "127.0.0.1:", 10) != 0 || !number(addr + 10, 1, 65535, &port)) {
		fprintf(stderr, "sigil-bank: --listen %s: want unix:PATH or 127.0.0.1:PORT (the bank listens on "
		        "this machine only)\n", addr);
		return -1;
	}
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
		fprintf(stderr, "sigil-bank: --listen %s: %s\n", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct job {
	struct bank *b;
	int fd;
};

static void *conn_thread(void *arg)
{
	struct job *j = arg;
	struct bank *b = j->b;
	conn_serve(b, j->fd);
	free(j);
	pthread_mutex_lock(&b->lock);
	b->conns--;
	pthread_cond_signal(&b->idle);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Over --max-conns: a short 503 instead of a thread. */
static void too_many(int fd)
{
	static const char body[] = "the bank has too many connections open: try again in a moment\n";
	char head[512], cl[16];
	sg_http_header f[3] = {
		{ { "Content-Type", 12 }, { "text/plain; charset=utf-8", 25 } },
		{ { "Content-Length", 14 }, { cl, 0 } },
		{ { "Connection", 10 }, { "close", 5 } },
	};
	f[1].value.n = (size_t)snprintf(cl, sizeof cl, "%zu", sizeof body - 1);
	sg_wr w;
	sg_wr_init_fixed(&w, (uint8_t *)head, sizeof head);
	if (sg_http_write_response_head(&w, 503, time(NULL), f, 3) && send(fd, head, w.len, MSG_NOSIGNAL) > 0)
		(void)!send(fd, body, sizeof body - 1, MSG_NOSIGNAL);
	close(fd);
}

static int serve(struct bank *b, int lfd)
{
	/* SIGTERM and SIGINT are blocked everywhere but in ppoll below, so
	 * they interrupt the wait for the next connection and nothing else. */
	sigset_t block, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!got_stop) {
		struct pollfd p = { lfd, POLLIN, 0 };
		int r = ppoll(&p, 1, NULL, &waitmask);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "sigil-bank: poll: %s\n", strerror(errno));
			break;
		}
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&b->lock);
		bool full = b->conns >= b->max_conns;
		if (!full)
			b->conns++;
		pthread_mutex_unlock(&b->lock);
		if (full) {
			too_many(fd);
			continue;
		}
		struct job *j = malloc(sizeof *j);
		pthread_t t;
		if (j) {
			j->b = b;
			j->fd = fd;
		}
		if (!j || pthread_create(&t, &attr, conn_thread, j) != 0) {
			free(j);
			close(fd);
			pthread_mutex_lock(&b->lock);
			b->conns--;
			pthread_mutex_unlock(&b->lock);
		}
	}
	pthread_attr_destroy(&attr);
	/* Stop: no new connections; a connection ends after the request it
	 * is serving, an idle one at its next look at the flag; at most
	 * 10 s for all of them. */
	atomic_store(&b->stopping, 1);
	close(lfd);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&b->lock);
	while (b->conns > 0 && pthread_cond_timedwait(&b->idle, &b->lock, &until) == 0)
		;
	int left = b->conns;
	pthread_mutex_unlock(&b->lock);
	if (left > 0)
		fprintf(stderr, "sigil-bank: stopping with %d connections still open\n", left);
	return EX_OK;
}

int main(int argc, char **argv)
{
	struct bank b;
	memset(&b, 0, sizeof b);
	const char *prefix = "/", *secret = NULL, *rebind = NULL;
	long v;
	b.socket_mode = 0600;
	b.idle_timeout = 75;
	b.request_timeout = 30;
	b.max_conns = 64;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = strcmp(a, "--listen") == 0 || strcmp(a, "--db") == 0 || strcmp(a, "--prefix") == 0 ||
		             strcmp(a, "--socket-mode") == 0 || strcmp(a, "--secret-file") == 0 ||
		             strcmp(a, "--idle-timeout") == 0 || strcmp(a, "--request-timeout") == 0 ||
		             strcmp(a, "--max-conns") == 0 ||
		             strcmp(a, "--rebind") == 0;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return EX_OK;
		}
		if (strcmp(a, "-v") == 0) {
			b.verbose = 1;
			continue;
		}
		if (!takes)
			return usage_error("unknown option %s", a);
		if (!val)
			return usage_error("%s needs a value", a);
		i++;
		if (strcmp(a, "--listen") == 0) {
			b.listen = val;
		} else if (strcmp(a, "--db") == 0) {
			b.db = val;
		} else if (strcmp(a, "--prefix") == 0) {
			prefix = val;
		} else if (strcmp(a, "--secret-file") == 0) {
			secret = val;
		} else if (strcmp(a, "--rebind") == 0) {
			rebind = val;
		} else if (strcmp(a, "--socket-mode") == 0) {
			if (strcmp(val, "0600") == 0 || strcmp(val, "600") == 0)
				b.socket_mode = 0600;
			else if (strcmp(val, "0660") == 0 || strcmp(val, "660") == 0)
				b.socket_mode = 0660;
			else
				return usage_error("--socket-mode: \"%s\" is neither 0600 nor 0660", val);
		} else if (strcmp(a, "--idle-timeout") == 0) {
			if (!number(val, 1, 86400, &v))
				return usage_error("--idle-timeout: \"%s\" is not a whole number of seconds from 1 to 86400", val);
			b.idle_timeout = (int)v;
		} else if (strcmp(a, "--request-timeout") == 0) {
			if (!number(val, 1, 3600, &v))
				return usage_error("--request-timeout: \"%s\" is not a whole number of seconds from 1 to 3600", val);
			b.request_timeout = (int)v;
		} else {
			if (!number(val, 1, 4096, &v))
				return usage_error("--max-conns: \"%s\" is not a whole number from 1 to 4096", val);
			b.max_conns = (int)v;
		}
	}
	if (!b.db)
		return usage_error("%s", "--db FILE is required: the ledger");
	if (!prefix_ok(prefix, b.prefix, sizeof b.prefix))
		return usage_error("--prefix %s: want a path like /bank/ (letters, digits, - . _ ~ and /)", prefix);

	char err[512];
	ledger *l = NULL;
	if (ledger_open(b.db, &l, err, sizeof err) != 0) {
		fprintf(stderr, "sigil-bank: --db %s\n", err);
		return EX_FILE;
	}
	if (rebind) {
		ledger_res r;
		int code = ledger_rebind(l, rebind, &r);
		ledger_close(l);
		if (code != LEDGER_OK) {
			fprintf(stderr, "sigil-bank: --rebind %s: %s\n", rebind, r.why);
			return EX_FAIL;
		}
		printf("the next certificate with CN=%s takes over its accounts\n", rebind);
		return EX_OK;
	}
	ledger_close(l);
	if (!b.listen)
		return usage_error("%s", "--listen unix:PATH or 127.0.0.1:PORT is required");

	if (sg_crypto_init() != 0 || pages_init(&b) != 0) {
		fprintf(stderr, "sigil-bank: cannot initialise libcrypto\n");
		return EX_FAIL;
	}
	if (secret ? read_secret(secret, b.key) != 0 : sg_random(b.key, sizeof b.key) != 0)
		return secret ? EX_FILE : EX_FAIL;

	bool unix_sock = strncmp(b.listen, "unix:", 5) == 0;
	int lfd = unix_sock ? listen_unix(b.listen + 5, b.socket_mode) : listen_tcp(b.listen);
	if (lfd < 0)
		return EX_FAIL;
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.idle, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("sigil-bank: listening on %s (ledger %s, prefix %s)\n", b.listen, b.db, b.prefix);
	fflush(stdout);
	int rc = serve(&b, lfd);
	if (unix_sock)
		unlink(b.listen + 5);
	sg_wipe(b.key, sizeof b.key);
	printf("sigil-bank: stopped\n");
	return rc;
}
