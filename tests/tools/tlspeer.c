/*
 * tlspeer: a small TLS peer on libsigil for the interop tests.
 *
 *   tlspeer server PORT --cert F --key F [options]   serve one connection
 *   tlspeer client HOST PORT [options]               connect once
 *
 * Options: --suites L --groups L --sigalgs L --alpn L --tls-min 1.2|1.3 --sni NAME
 *          --insecure (client) --client-auth request|require (server)
 *          --cert F --key F (client: a client certificate)
 *          --send TEXT      send TEXT after the handshake
 *          --bulk N         send N bytes after the handshake
 *          --keyupdate      request a key update after the handshake
 *          --echo           (server) echo what arrives until close_notify
 *          --count N        (server) serve N connections, one after another
 *          --http           (server) read one HTTP request, answer "200 OK"
 *                           with a small body, then close_notify
 *          --close          (client) send close_notify after --send/--bulk,
 *                           then read until the peer closes
 *
 * It prints "handshake ok suite=... group=... sigscheme=... alpn=... hrr=...
 * certcomp=... sni=..." (certcomp: RFC 8879 compression of the server's
 * Certificate, sent or received, or -)
 * on success and "error: <class> alert=<n>: <sentence>" on failure (exit 1).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sigil.h"
#include "tls/certcomp.h"

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc - 1; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int flag(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

static const char *class_name(sigil_error_class c)
{
	static const char *n[] = { "none", "usage", "io", "local-alert", "peer-alert", "verify", "internal" };
	return c <= SIGIL_ECLASS_INTERNAL ? n[c] : "?";
}

static int report_error(sigil_conn *c)
{
	printf("error: %s alert=%d: %s\n", class_name(sigil_conn_error_class(c)),
	       sigil_conn_error_alert(c), sigil_conn_error(c));
	fflush(stdout);
	return 1;
}

static void report(sigil_conn *c)
{
	const char *alpn = sigil_conn_alpn(c);
	const char *sni = sigil_conn_server_name(c);
	printf("handshake ok suite=%s group=%s sigscheme=%s alpn=%s hrr=%d certcomp=%s sni=%s\n",
	       sigil_suite_name(sigil_conn_suite(c)), sigil_group_name(sigil_conn_group(c)),
	       sigil_sigscheme_name(sigil_conn_sigscheme(c)) ? sigil_sigscheme_name(sigil_conn_sigscheme(c)) : "-",
	       alpn ? alpn : "-", sigil_conn_hrr(c),
	       sg_conn_cert_compression(c) ? sg_conn_cert_compression(c) : "-", sni ? sni : "-");
	fflush(stdout);
}

static sigil_config *make_config(int argc, char **argv, int server)
{
	sigil_config *cfg = sigil_config_new();
	const char *v;
	if (!cfg)
		return NULL;
	if (((v = opt(argc, argv, "--suites")) && sigil_config_set_suites(cfg, v) < 0) ||
	    ((v = opt(argc, argv, "--groups")) && sigil_config_set_groups(cfg, v) < 0) ||
	    ((v = opt(argc, argv, "--sigalgs")) && sigil_config_set_sigalgs(cfg, v) < 0) ||
	    ((v = opt(argc, argv, "--alpn")) && sigil_config_set_alpn(cfg, v) < 0) ||
	    ((v = opt(argc, argv, "--tls-min")) &&
	     sigil_config_set_versions(cfg, strcmp(v, "1.3") == 0 ? SIGIL_TLS13 : SIGIL_TLS12, SIGIL_TLS13) < 0) ||
	    (opt(argc, argv, "--cert") &&
	     sigil_config_add_cert_key_file(cfg, opt(argc, argv, "--cert"), opt(argc, argv, "--key")) < 0) ||
	    ((server || flag(argc, argv, "--insecure")) && sigil_config_insecure_noverify(cfg) < 0)) {
		fprintf(stderr, "tlspeer: %s\n", sigil_config_error(cfg));
		sigil_config_free(cfg);
		return NULL;
	}
	if ((v = opt(argc, argv, "--client-auth")) &&
	    sigil_config_set_client_auth(cfg, strcmp(v, "require") == 0 ? SIGIL_CLIENT_AUTH_REQUIRE
									: SIGIL_CLIENT_AUTH_REQUEST) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* --http: read a request head (up to the blank line), answer one response. */
static int http_answer(sigil_conn *c)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: text/plain\r\n"
				   "Content-Length: 13\r\n"
				   "Connection: close\r\n"
				   "\r\n"
				   "hello, sigil\n";
	char req[8192];
	size_t n = 0;
	while (n < sizeof req - 1) {
		ssize_t r = sigil_io_read(c, req + n, sizeof req - 1 - n);
		if (r == 0)
			break;
		if (r < 0)
			return report_error(c);
		n += (size_t)r;
		req[n] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = 0;
	printf("request: %.*s\n", (int)strcspn(req, "\r\n"), req);
	for (size_t off = 0; off < sizeof resp - 1;) {
		ssize_t w = sigil_io_write(c, resp + off, sizeof resp - 1 - off);
		if (w < 0)
			return report_error(c);
		off += (size_t)w;
	}
	if (sigil_io_close(c) < 0)
		return report_error(c);
	printf("response sent; close_notify sent\n");
	fflush(stdout);
	return 0;
}

static int after_handshake(sigil_conn *c, int argc, char **argv, int server)
{
	const char *v;
	if (server && flag(argc, argv, "--http"))
		return http_answer(c);
	if (flag(argc, argv, "--keyupdate") && sigil_conn_key_update(c, 1) < 0)
		return report_error(c);
	if ((v = opt(argc, argv, "--send")) != NULL) {
		size_t n = strlen(v), off = 0;
		while (off < n) {
			ssize_t w = sigil_io_write(c, v + off, n - off);
			if (w < 0)
				return report_error(c);
			off += (size_t)w;
		}
	}
	if ((v = opt(argc, argv, "--bulk")) != NULL) {
		size_t total = strtoul(v, NULL, 10), off = 0;
		static char block[65536];
		memset(block, 'x', sizeof block);
		while (off < total) {
			size_t n = total - off < sizeof block ? total - off : sizeof block;
			ssize_t w = sigil_io_write(c, block, n);
			if (w < 0)
				return report_error(c);
			off += (size_t)w;
		}
	}
	if (server && !flag(argc, argv, "--echo")) {
		if (sigil_io_close(c) < 0)
			return report_error(c);
		return 0;
	}
	int closed = 0;
	if (!server && flag(argc, argv, "--close")) {
		if (sigil_io_close(c) < 0)
			return report_error(c);
		closed = 1;
	}
	/* Read until the peer closes; echo on a server. */
	char buf[16384];
	size_t total = 0;
	for (;;) {
		ssize_t r = sigil_io_read(c, buf, sizeof buf);
		if (r == 0)
			break;
		if (r < 0)
			return report_error(c);
		total += (size_t)r;
		if (server) {
			if (sigil_io_write(c, buf, (size_t)r) < 0)
				return report_error(c);
		} else if (!flag(argc, argv, "--quiet")) {
			fwrite(buf, 1, (size_t)r, stdout);
			fflush(stdout);
		}
	}
	printf("\nreceived %zu bytes; peer closed cleanly\n", total);
	fflush(stdout);
	if (!closed && sigil_io_close(c) < 0)
		return report_error(c);
	return 0;
}

static int serve(int argc, char **argv)
{
	int port = atoi(argv[2]);
	sigil_config *cfg = make_config(argc, argv, 1);
	if (!cfg)
		return 2;
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0) {
		perror("tlspeer: bind");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	const char *cnt = opt(argc, argv, "--count");
	int count = cnt ? atoi(cnt) : 1, rc = 0;
	for (int i = 0; i < count; i++) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0)
			return 2;
		sigil_conn *c = sigil_conn_new(cfg, SIGIL_SERVER);
		if (!c || sigil_io_attach(c, fd) < 0 || sigil_io_handshake(c) != SIGIL_OK)
			rc = report_error(c);
		else {
			report(c);
			rc = after_handshake(c, argc, argv, 1);
		}
		sigil_conn_free(c);
		close(fd);
	}
	sigil_config_free(cfg);
	close(ls);
	return rc;
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	int fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int client(int argc, char **argv)
{
	sigil_config *cfg = make_config(argc, argv, 0);
	if (!cfg)
		return 2;
	int fd = connect_to(argv[2], argv[3]);
	if (fd < 0) {
		perror("tlspeer: connect");
		return 2;
	}
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	const char *sni = opt(argc, argv, "--sni");
	int rc;
	if (!c || (sni && sigil_conn_set_server_name(c, sni) < 0) || sigil_io_attach(c, fd) < 0 ||
	    sigil_io_handshake(c) != SIGIL_OK)
		rc = report_error(c);
	else {
		report(c);
		rc = after_handshake(c, argc, argv, 0);
	}
	sigil_conn_free(c);
	sigil_config_free(cfg);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "server") == 0)
		return serve(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "client") == 0)
		return client(argc, argv);
	fprintf(stderr, "usage: tlspeer server PORT ... | tlspeer client HOST PORT ...\n");
	return 2;
}
