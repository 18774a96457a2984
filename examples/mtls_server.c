/*
 * Mutual TLS: a server that requires a client certificate from its client
 * CA and lets the verified subject decide what the client may do.
 *     mtls_server HOST PORT CERT KEY CLIENT-CA SUBJECT...
 * A client whose certificate subject is one of SUBJECT ("CN=alice, O=Example",
 * as sigil_conn_peer_identity writes it) gets 200 and a greeting; another
 * client of the CA gets 403; a client without a certificate, or with one
 * the CA did not issue, is refused in the handshake.  One connection at a
 * time, blocking, each under a 10-second time limit.  Build:
 *     cc -o mtls_server mtls_server.c $(pkg-config --cflags --libs sigil)
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <sigil.h>

static int listen_on(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	int one = 1, fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
			bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The authorization decision: is this verified subject on the list? */
static int allowed(const char *subject, char **list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(subject, list[i]) == 0)
			return 1;
	return 0;
}

/* Why a call failed: the connection's error, or the time limit (a
 * blocking socket with SO_RCVTIMEO reports that as "would block"). */
static const char *why(const sigil_conn *c)
{
	return sigil_conn_error(c)[0] ? sigil_conn_error(c) : "timed out";
}

/* Read the request head (up to the blank line); 0, or -1. */
static int read_head(sigil_conn *c, char *buf, size_t cap)
{
	size_t len = 0;
	while (len + 1 < cap) {
		ssize_t r = sigil_io_read(c, buf + len, cap - 1 - len);
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = 0;
		if (strstr(buf, "\r\n\r\n"))
			return 0;
	}
	return -1;
}

static void serve(sigil_config *cfg, int fd, char **subjects, int nsubjects)
{
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_SERVER);
	if (!c || sigil_io_attach(c, fd) != SIGIL_OK) {
		sigil_conn_free(c);
		return;
	}
	/* The handshake verifies the client's chain against CLIENT-CA and
	 * its proof of the key; only then is there an identity to look at. */
	sigil_peer_identity id;
	if (sigil_io_handshake(c) != SIGIL_OK || sigil_conn_peer_identity(c, &id) != SIGIL_OK) {
		printf("refused: %s\n", why(c));
		sigil_conn_free(c);
		return;
	}
	char req[8192], resp[1024];
	if (read_head(c, req, sizeof req) < 0) {
		printf("no request from %s: %s\n", id.subject, why(c));
		sigil_conn_free(c);
		return;
	}
	int ok = allowed(id.subject, subjects, nsubjects);
	char body[700];
	snprintf(body, sizeof body, ok ? "hello, %s\n" : "%s may not see this\n", id.subject);
	int n = snprintf(resp, sizeof resp, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 ok ? "200 OK" : "403 Forbidden", strlen(body), body);
	printf("%s: %s (serial %s)\n", ok ? "allowed" : "denied", id.subject, id.serial);
	if (sigil_io_write(c, resp, (size_t)n) != n || sigil_io_close(c) != SIGIL_OK)
		printf("could not answer %s: %s\n", id.subject, why(c));
	sigil_conn_free(c);
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: %s HOST PORT CERT KEY CLIENT-CA SUBJECT...\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigil_config *cfg = sigil_config_new();
	if (!cfg || sigil_config_add_cert_key_file(cfg, argv[3], argv[4]) != SIGIL_OK ||
	    sigil_config_add_trust(cfg, argv[5]) != SIGIL_OK ||
	    sigil_config_set_client_auth(cfg, SIGIL_CLIENT_AUTH_REQUIRE) != SIGIL_OK) {
		fprintf(stderr, "mtls_server: %s\n", cfg ? sigil_config_error(cfg) : "out of memory");
		return 1;
	}
	int lfd = listen_on(argv[1], argv[2]);
	if (lfd < 0) {
		fprintf(stderr, "mtls_server: cannot listen on %s port %s\n", argv[1], argv[2]);
		return 1;
	}
	printf("listening on %s port %s\n", argv[1], argv[2]);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		/* A client that stalls cannot hold the server for longer. */
		struct timeval limit = { .tv_sec = 10 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
		serve(cfg, fd, argv + 6, argc - 6);
		close(fd);
	}
}
