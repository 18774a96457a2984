/*
 * A blocking HTTPS client: GET a page and print the response.
 *     https_get HOST PORT PATH [CA-FILE]
 * Without CA-FILE it trusts the system's bundle.  Build:
 *     cc -o https_get https_get.c $(pkg-config --cflags --libs sigil)
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sigil.h>

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s HOST PORT PATH [CA-FILE]\n", argv[0]);
		return 2;
	}
	/* One config can serve many connections; this one trusts CA-FILE. */
	sigil_config *cfg = sigil_config_new();
	if (!cfg || (argc > 4 && sigil_config_add_trust(cfg, argv[4]) != SIGIL_OK)) {
		fprintf(stderr, "https_get: %s\n", cfg ? sigil_config_error(cfg) : "out of memory");
		return 1;
	}
	int fd = dial(argv[1], argv[2]);
	if (fd < 0) {
		fprintf(stderr, "https_get: cannot connect to %s port %s\n", argv[1], argv[2]);
		return 1;
	}
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	sigil_config_free(cfg); /* the connection holds its own reference */

	char req[1024], buf[4096];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
			 argv[3], argv[1]);
	ssize_t r = SIGIL_ERROR;
	/* The name is sent as SNI and checked against the certificate; the
	 * first write runs the handshake. */
	if (c && n > 0 && (size_t)n < sizeof req && sigil_conn_set_server_name(c, argv[1]) == SIGIL_OK &&
	    sigil_io_attach(c, fd) == SIGIL_OK)
		r = sigil_io_write(c, req, (size_t)n);
	while (r > 0 && (r = sigil_io_read(c, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)r, stdout);
	/* 0 is the server's close_notify: the whole response came.  A hang-up
	 * without it is an error, so truncation cannot pass for the end. */
	if (r == 0) {
		int closed = sigil_io_close(c); /* a courtesy: the server may be gone */
		(void)closed;
	} else {
		fprintf(stderr, "https_get: %s\n", c ? sigil_conn_error(c) : "out of memory");
	}
	sigil_conn_free(c);
	close(fd);
	return r == 0 ? 0 : 1;
}
