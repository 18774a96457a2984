/*
 * clientload: CPU time of a TLS 1.3 client per full handshake, for sigil's
 * client engine (through its fd layer) and for OpenSSL libssl, against the
 * same local server.
 *
 *   clientload sigil|openssl HOST PORT N [--verify CA.pem] [--groups LIST]
 *
 * Per connection: TCP connect, full handshake (X25519, or the groups of
 * --groups in that library's syntax; no resumption),
 * "GET /" with Connection: close, read to close, close.  Without --verify
 * neither client checks the server's chain (both still check its
 * CertificateVerify signature); with --verify both check the chain against
 * CA.pem and the name "localhost".  Prints one line:
 *   lib=... n=... failures=... cpu_us_per_conn=... wall_s=... group=...
 * where the CPU is this process's user+system time (getrusage), so the
 * server's work is not counted, and group is what the last handshake
 * negotiated (sigil only).  bench/run.sh's part pq also uses it as the
 * load client that offers X25519MLKEM768 (--groups with sigil's default
 * order), which OpenSSL 3.0's libssl cannot; the server's CPU is then
 * measured from outside, as for shared/bench/hsload.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sigil.h"

static uint16_t last_group;

static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dial(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection with sigil; 0 on success. */
static int one_sigil(sigil_config *cfg, const struct sockaddr_in *sa)
{
	int fd = dial(sa), ok = -1;
	if (fd < 0)
		return -1;
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	char buf[16384];
	if (!c || sigil_conn_set_server_name(c, "localhost") != SIGIL_OK || sigil_io_attach(c, fd) != SIGIL_OK)
		goto out;
	if (sigil_io_handshake(c) != SIGIL_OK) {
		fprintf(stderr, "clientload: sigil handshake: %s\n", sigil_conn_error(c));
		goto out;
	}
	last_group = sigil_conn_group(c);
	if (sigil_io_write(c, request, sizeof request - 1) != (ssize_t)(sizeof request - 1))
		goto out;
	ssize_t r;
	size_t got = 0;
	while ((r = sigil_io_read(c, buf, sizeof buf)) > 0)
		got += (size_t)r;
	/* A server may hang up right after close_notify or without it; only
	 * the response matters here. */
	ok = got > 0 ? 0 : -1;
out:
	sigil_conn_free(c);
	close(fd);
	return ok;
}

/* One connection with libssl; 0 on success. */
static int one_openssl(SSL_CTX *ctx, const struct sockaddr_in *sa)
{
	int fd = dial(sa), ok = -1;
	if (fd < 0)
		return -1;
	SSL *s = SSL_new(ctx);
	char buf[16384];
	if (!s || SSL_set_fd(s, fd) != 1 || SSL_set_tlsext_host_name(s, "localhost") != 1 ||
	    SSL_set1_host(s, "localhost") != 1)
		goto out;
	if (SSL_connect(s) != 1) {
		ERR_print_errors_fp(stderr);
		goto out;
	}
	if (SSL_write(s, request, (int)(sizeof request - 1)) != (int)(sizeof request - 1))
		goto out;
	int r;
	size_t got = 0;
	while ((r = SSL_read(s, buf, sizeof buf)) > 0)
		got += (size_t)r;
	ok = got > 0 ? 0 : -1;
	SSL_shutdown(s);
out:
	SSL_free(s);
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: clientload sigil|openssl HOST PORT N [--verify CA.pem] [--groups LIST]\n");
		return 2;
	}
	const char *lib = argv[1], *ca = NULL, *groups = NULL;
	long n = atol(argv[4]);
	for (int i = 5; i < argc; i++)
		if (strcmp(argv[i], "--verify") == 0 && i + 1 < argc)
			ca = argv[++i];
		else if (strcmp(argv[i], "--groups") == 0 && i + 1 < argc)
			groups = argv[++i];
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "clientload: bad address %s\n", argv[2]);
		return 2;
	}

	sigil_config *cfg = NULL;
	SSL_CTX *ctx = NULL;
	if (strcmp(lib, "sigil") == 0) {
		cfg = sigil_config_new();
		if (!cfg || sigil_config_set_groups(cfg, groups ? groups : "x25519") != SIGIL_OK ||
		    (ca ? sigil_config_add_trust(cfg, ca) : sigil_config_insecure_noverify(cfg)) != SIGIL_OK) {
			fprintf(stderr, "clientload: sigil config: %s\n", cfg ? sigil_config_error(cfg) : "?");
			return 1;
		}
	} else if (strcmp(lib, "openssl") == 0) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
		    SSL_CTX_set1_groups_list(ctx, groups ? groups : "X25519") != 1)
			return 1;
		/* Full handshakes only: no session cache, no tickets kept. */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		if (ca) {
			if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
				ERR_print_errors_fp(stderr);
				return 1;
			}
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		} else {
			SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		}
	} else {
		fprintf(stderr, "clientload: library is sigil or openssl\n");
		return 2;
	}

	/* One warm-up connection: lazy initialisation (the trust store, the
	 * providers) is not per-handshake work. */
	int warm = cfg ? one_sigil(cfg, &sa) : one_openssl(ctx, &sa);
	long fails = warm ? 1 : 0;
	double c0 = cpu_seconds(), w0 = wall_seconds();
	for (long i = 0; i < n; i++)
		if ((cfg ? one_sigil(cfg, &sa) : one_openssl(ctx, &sa)) != 0)
			fails++;
	double c1 = cpu_seconds(), w1 = wall_seconds();
	const char *gname = sigil_group_name(last_group);
	printf("lib=%s verify=%s n=%ld failures=%ld cpu_us_per_conn=%.1f wall_s=%.2f group=%s\n", lib, ca ? "yes" : "no",
	       n, fails, (c1 - c0) / (double)n * 1e6, w1 - w0, gname ? gname : "-");
	sigil_config_free(cfg);
	SSL_CTX_free(ctx);
	return fails ? 1 : 0;
}
