/*
 * loadclient: many concurrent HTTPS connections on libsigil, for the tests
 * of `sigil serve` (tests/serve/serve.sh).
 *
 *   loadclient PORT CAFILE [options]
 *     --host H       connect to H (default 127.0.0.1; also the verified name)
 *     --conns N      connections, one thread each (default 100)
 *     --reqs R       keep-alive requests per connection (default 1)
 *     --path P       request target (default /)
 *     --expect FILE  every body must equal FILE byte for byte
 *     --loop S       (for SIGTERM tests) each thread connects again and
 *                    again for S seconds, or until the server refuses it
 *
 * Without --loop, every thread connects and completes its handshake, then
 * waits at a barrier, so that all N connections are open at once before any
 * request is sent.  A "failure" is any connection or response that did not
 * complete: refused, handshake failed, wrong status, short or wrong body.
 *
 * With --loop, a response is "whole" when its body is complete and equal to
 * --expect, "broken" when its head arrived but its body did not or was
 * wrong (the one thing a graceful shutdown must never cause), and
 * "refused" when the connection was refused or closed before a response
 * head (expected once the server stops accepting).
 *
 * Prints one line of counts and timings; exit 0 when there was no failure
 * (no broken response with --loop), 1 otherwise, 2 for usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sigil.h"
#include "http/http.h"

static const char *host = "127.0.0.1", *path = "/";
static int port, nconns = 100, nreqs = 1;
static double loop_secs;
static char *expect;
static size_t expect_len;
static int have_expect;
static sigil_config *cfg;
static pthread_barrier_t barrier;

static atomic_int n_ok, n_fail, n_refused, n_broken, n_whole, n_connected;
static atomic_int printed;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first few failures are printed, so a failing test shows why. */
static void why(const char *what, const char *detail)
{
	if (atomic_fetch_add(&printed, 1) < 5)
		fprintf(stderr, "loadclient: %s%s\n", what, detail ? detail : "");
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 20, 0 };
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

enum { R_WHOLE, R_REFUSED, R_BROKEN };

/* One request and its response on c: R_WHOLE, R_REFUSED (nothing of a
 * response arrived) or R_BROKEN. */
static int one_request(sigil_conn *c, int last)
{
	char req[600];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n", path, host, port,
			 last ? "Connection: close\r\n" : "");
	if (sigil_io_write(c, req, (size_t)n) != n) {
		why("write failed: ", sigil_conn_error(c));
		return R_REFUSED;
	}
	static _Thread_local char buf[65536];
	size_t len = 0;
	sg_http_response res;
	int hl = 0;
	for (;;) {
		if (len && (hl = sg_http_parse_response(buf, len, false, &res)) != 0)
			break;
		ssize_t r = sigil_io_read(c, buf + len, sizeof buf - len);
		if (r <= 0) {
			if (len)
				why("response head cut: ", r == 0 ? "close_notify" : sigil_conn_error(c));
			return len ? R_BROKEN : R_REFUSED;
		}
		len += (size_t)r;
		if (len == sizeof buf)
			return R_BROKEN;
	}
	if (hl < 0) {
		why("bad response head: ", res.why);
		return R_BROKEN;
	}
	if (res.status != 200 || res.framing != SG_HTTP_BODY_LENGTH ||
	    (have_expect && res.content_length != expect_len)) {
		char d[80];
		snprintf(d, sizeof d, "status %u, length %llu", res.status, (unsigned long long)res.content_length);
		why("unexpected response: ", d);
		return R_BROKEN;
	}
	uint64_t got = 0;
	size_t off = (size_t)hl;
	for (;;) {
		size_t k = len - off;
		if (k > res.content_length - got)
			k = (size_t)(res.content_length - got);
		if (have_expect && memcmp(buf + off, expect + got, k) != 0) {
			why("body differs from the expected file", "");
			return R_BROKEN;
		}
		got += k;
		if (got == res.content_length)
			return R_WHOLE;
		ssize_t r = sigil_io_read(c, buf, sizeof buf);
		if (r <= 0) {
			char d[160];
			snprintf(d, sizeof d, "%llu of %llu bytes: %s", (unsigned long long)got,
				 (unsigned long long)res.content_length, r == 0 ? "close_notify" : sigil_conn_error(c));
			why("body cut short: ", d);
			return R_BROKEN;
		}
		len = (size_t)r;
		off = 0;
	}
}

/* Connect and handshake: the connection, or NULL (counted as refused). */
static sigil_conn *open_conn(int *fdp)
{
	int fd = dial();
	if (fd < 0) {
		why("connect: ", strerror(errno));
		return NULL;
	}
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	if (!c || sigil_conn_set_server_name(c, host) < 0 || sigil_io_attach(c, fd) < 0 ||
	    sigil_io_handshake(c) != SIGIL_OK) {
		why("handshake: ", c ? sigil_conn_error(c) : "no memory");
		sigil_conn_free(c);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return c;
}

static void close_conn(sigil_conn *c, int fd)
{
	if (c && sigil_io_close(c) < 0) { /* the server may have closed first */ }
	sigil_conn_free(c);
	if (fd >= 0)
		close(fd);
}

static void *burst_thread(void *arg)
{
	(void)arg;
	int fd = -1;
	sigil_conn *c = open_conn(&fd);
	if (c)
		atomic_fetch_add(&n_connected, 1);
	pthread_barrier_wait(&barrier);
	int ok = c != NULL;
	for (int i = 0; ok && i < nreqs; i++)
		ok = one_request(c, i == nreqs - 1) == R_WHOLE;
	atomic_fetch_add(ok ? &n_ok : &n_fail, 1);
	close_conn(c, fd);
	return NULL;
}

static void *loop_thread(void *arg)
{
	(void)arg;
	double end = now_s() + loop_secs;
	while (now_s() < end) {
		int fd = -1;
		sigil_conn *c = open_conn(&fd);
		if (!c) {
			atomic_fetch_add(&n_refused, 1);
			return NULL;    /* the server stopped accepting */
		}
		int stop = 0;
		for (int i = 0; i < nreqs && !stop; i++) {
			switch (one_request(c, i == nreqs - 1)) {
			case R_WHOLE: atomic_fetch_add(&n_whole, 1); break;
			case R_BROKEN: atomic_fetch_add(&n_broken, 1); stop = 1; break;
			default: atomic_fetch_add(&n_refused, 1); stop = 1; break;
			}
		}
		close_conn(c, fd);
	}
	return NULL;
}

static int load_file(const char *name)
{
	FILE *f = fopen(name, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16;
	expect = malloc(cap);
	for (size_t r; expect && (r = fread(expect + expect_len, 1, cap - expect_len, f)) > 0;) {
		expect_len += r;
		if (expect_len == cap)
			expect = realloc(expect, cap *= 2);
	}
	fclose(f);
	have_expect = expect != NULL;
	return expect ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: loadclient PORT CAFILE [--host H] [--conns N] [--reqs R] [--path P]"
				" [--expect FILE] [--loop SECONDS]\n");
		return 2;
	}
	port = atoi(argv[1]);
	const char *ca = argv[2];
	for (int i = 3; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (strcmp(a, "--host") == 0) host = v;
		else if (strcmp(a, "--conns") == 0) nconns = atoi(v);
		else if (strcmp(a, "--reqs") == 0) nreqs = atoi(v);
		else if (strcmp(a, "--path") == 0) path = v;
		else if (strcmp(a, "--loop") == 0) loop_secs = atof(v);
		else if (strcmp(a, "--expect") == 0) {
			if (load_file(v) < 0) {
				perror(v);
				return 2;
			}
		} else {
			fprintf(stderr, "loadclient: unknown option %s\n", a);
			return 2;
		}
	}
	if (port <= 0 || nconns <= 0 || nreqs <= 0 || strlen(path) > 400) {
		fprintf(stderr, "loadclient: bad arguments\n");
		return 2;
	}
	cfg = sigil_config_new();
	if (!cfg || sigil_config_add_trust(cfg, ca) < 0 || sigil_config_set_alpn(cfg, "http/1.1") < 0) {
		fprintf(stderr, "loadclient: %s\n", cfg ? sigil_config_error(cfg) : "no config");
		return 2;
	}
	pthread_t *t = calloc((size_t)nconns, sizeof *t);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_barrier_init(&barrier, NULL, (unsigned)nconns);
	double t0 = now_s();
	int started = 0;
	for (int i = 0; i < nconns; i++) {
		if (pthread_create(&t[i], &attr, loop_secs > 0 ? loop_thread : burst_thread, NULL) != 0) {
			fprintf(stderr, "loadclient: cannot start thread %d\n", i);
			/* The barrier needs every thread: give up. */
			_exit(1);
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	double el = now_s() - t0;
	int rc;
	if (loop_secs > 0) {
		printf("loop: %d whole, %d broken, %d refused in %.2f s\n", n_whole, n_broken, n_refused, el);
		rc = n_broken == 0 ? 0 : 1;
	} else {
		printf("burst: %d connections (%d open at once), %d ok, %d failed, %d requests each, %.2f s\n",
		       nconns, n_connected, n_ok, n_fail, nreqs, el);
		rc = n_fail == 0 ? 0 : 1;
	}
	free(t);
	free(expect);
	sigil_config_free(cfg);
	return rc;
}
