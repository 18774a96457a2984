/*
 * Public key pinning: connect only to a server whose chain holds one of
 * the pinned keys, on top of the usual certificate checks.
 *     pinned_get HOST PORT PINS [CA-FILE]
 * PINS is "sha256//BASE64[;sha256//BASE64...]" (curl's --pinnedpubkey
 * form), the SHA-256 of a SubjectPublicKeyInfo in base64; of a PEM
 * certificate:
 *     openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform der |
 *         openssl dgst -sha256 -binary | base64
 * Pin the server's key, or its CA's (any key of the verified chain counts,
 * the trust anchor's too); list a backup key so that a key change does not
 * lock clients out.  Exit status: 0 connected, 3 refused (a certificate or
 * pin mismatch), 1 any other failure.  Build:
 *     cc -o pinned_get pinned_get.c $(pkg-config --cflags --libs sigil)
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <string.h>
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
		fprintf(stderr, "usage: %s HOST PORT PINS [CA-FILE]\n", argv[0]);
		return 2;
	}
	sigil_config *cfg = sigil_config_new();
	if (!cfg)
		return 1;
	/* A malformed pin list is refused here, not at the first connection. */
	if (sigil_config_set_pins(cfg, argv[3]) != SIGIL_OK ||
	    (argc > 4 && sigil_config_add_trust(cfg, argv[4]) != SIGIL_OK)) {
		fprintf(stderr, "pinned_get: %s\n", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return 1;
	}
	int fd = dial(argv[1], argv[2]);
	if (fd < 0) {
		fprintf(stderr, "pinned_get: cannot connect to %s port %s\n", argv[1], argv[2]);
		sigil_config_free(cfg);
		return 1;
	}
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	sigil_config_free(cfg);
	int status = 1;
	if (!c || sigil_conn_set_server_name(c, argv[1]) != SIGIL_OK || sigil_io_attach(c, fd) != SIGIL_OK)
		goto out;
	/* The pins are checked inside the handshake, with the chain: a
	 * mismatch refuses the server before a byte of ours is sent to it. */
	if (sigil_io_handshake(c) != SIGIL_OK) {
		if (sigil_conn_error_class(c) == SIGIL_ECLASS_VERIFY)
			status = 3;
		fprintf(stderr, "pinned_get: %s\n", sigil_conn_error(c));
		goto out;
	}
	sigil_peer_identity id;
	if (sigil_conn_peer_identity(c, &id) == SIGIL_OK)
		printf("connected to %s (%s), key sha256//%s\n", id.subject, id.san, id.spki_sha256);
	printf("%s %s\n", sigil_suite_name(sigil_conn_suite(c)), sigil_group_name(sigil_conn_group(c)));

	char req[512], buf[4096];
	int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", argv[1]);
	if (n < 0 || (size_t)n >= sizeof req || sigil_io_write(c, req, (size_t)n) != n)
		goto fail;
	/* The status line of the answer. */
	ssize_t r = sigil_io_read(c, buf, sizeof buf - 1);
	if (r <= 0)
		goto fail;
	buf[r] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	printf("%s\n", buf);
	status = 0;
	int closed = sigil_io_close(c);
	(void)closed;
	goto out;
fail:
	fprintf(stderr, "pinned_get: %s\n", sigil_conn_error(c));
out:
	sigil_conn_free(c);
	close(fd);
	return status;
}
