/*
 * A non-blocking HTTPS server on epoll: one thread, many connections, each
 * driven through the sans-I/O engine.  The program owns the sockets and
 * moves the bytes; the engine never touches a descriptor:
 *
 *     socket -> recv -> sigil_conn_recv_net      (decrypts, runs the handshake)
 *     sigil_conn_read_app  -> the request
 *     the response -> sigil_conn_write_app       (while sigil_conn_write_room > 0)
 *     sigil_conn_send_buf -> send -> sigil_conn_send_ack
 *
 * This is the shape for an event loop (libuv, libevent, io_uring, a game
 * loop): nothing blocks, output waits in the engine while the peer is slow,
 * and input that the application has not taken stays with the caller.
 *
 *     epoll_server HOST PORT CERT KEY
 *     GET /          a page naming the connection and its TLS parameters
 *     GET /bytes/N   N bytes (at most 1 GiB), sent as fast as the client reads
 * One request per connection (Connection: close); a connection idle for 10
 * seconds is dropped.  Build:
 *     cc -o epoll_server epoll_server.c $(pkg-config --cflags --libs sigil)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sigil.h>

#define MAX_CLIENTS 1024
#define IDLE_MS 10000
/* The body of /bytes/N repeats this line. */
static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/\n";

enum phase {
	READING,        /* handshake, then the request */
	WRITING,        /* the response, as the client takes it */
	DRAINING,       /* close_notify sent, write side shut: wait for the client's end */
};

struct client {
	int fd;
	unsigned id;
	sigil_conn *tls;
	enum phase phase;
	int connected;
	int shut;                       /* our write side is shut */
	uint32_t watching;              /* the epoll events asked for */
	long long deadline;             /* ms, CLOCK_MONOTONIC */
	/* Bytes received that the engine has not taken yet: recv_net takes
	 * less than it is given while decrypted data waits to be read. */
	uint8_t in[16384];
	size_t in_off, in_len;
	char req[4096];
	size_t req_len;
	char head[1024];                /* response head (and a short body) */
	size_t head_len, head_off;
	unsigned long long body_off, body_len;
};

static struct client *clients[MAX_CLIENTS];
static unsigned nclients, next_id;
static int ep;

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void drop(struct client *cl, const char *why)
{
	/* A failed engine still holds its alert in the send buffer: one
	 * try to let the client know why. */
	size_t n;
	const uint8_t *p = sigil_conn_send_buf(cl->tls, &n);
	if (p)
		(void)send(cl->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (why)
		printf("conn %u: %s\n", cl->id, why);
	for (unsigned i = 0; i < nclients; i++)
		if (clients[i] == cl) {
			clients[i] = clients[--nclients];
			break;
		}
	close(cl->fd); /* also removes it from the epoll set */
	sigil_conn_free(cl->tls);
	free(cl);
}

static void respond(struct client *cl, int complete)
{
	char path[256] = "";
	unsigned long long n = 0;
	const char *status = "200 OK";
	char body[512] = "";
	if (!complete) {
		status = "431 Request Header Fields Too Large";
	} else if (sscanf(cl->req, "GET %255s HTTP/1.", path) != 1) {
		status = "400 Bad Request";
	} else if (strcmp(path, "/") == 0) {
		snprintf(body, sizeof body, "connection %u, %s, %s, %u open\n", cl->id,
			 sigil_suite_name(sigil_conn_suite(cl->tls)), sigil_group_name(sigil_conn_group(cl->tls)),
			 nclients);
	} else if (sscanf(path, "/bytes/%llu", &n) == 1 && n <= (1ull << 30)) {
		cl->body_len = n;
	} else {
		status = "404 Not Found";
	}
	unsigned long long len = cl->body_len ? cl->body_len : strlen(body);
	cl->head_len = (size_t)snprintf(cl->head, sizeof cl->head, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
					"Content-Length: %llu\r\nConnection: close\r\n\r\n%s", status, len, body);
	printf("conn %u: GET %s: %s, %llu bytes\n", cl->id, path, status, len);
	cl->phase = WRITING;
}

/* Take what the engine decrypted: the bytes taken, or -1. */
static long take_app(struct client *cl)
{
	unsigned st = sigil_conn_state(cl->tls);
	if (!cl->connected && (st & SIGIL_ST_CONNECTED)) {
		cl->connected = 1;
		printf("conn %u: handshake done, %s %s, ALPN %s, %u open\n", cl->id,
		       sigil_suite_name(sigil_conn_suite(cl->tls)), sigil_group_name(sigil_conn_group(cl->tls)),
		       sigil_conn_alpn(cl->tls) ? sigil_conn_alpn(cl->tls) : "none", nclients);
	}
	if (cl->phase != READING)
		return 0;
	size_t got, took = 0;
	do {
		if (sigil_conn_read_app(cl->tls, (uint8_t *)cl->req + cl->req_len, sizeof cl->req - 1 - cl->req_len,
					&got) != SIGIL_OK)
			return -1;
		cl->req_len += got;
		took += got;
	} while (got && cl->req_len + 1 < sizeof cl->req);
	cl->req[cl->req_len] = 0;
	if (strstr(cl->req, "\r\n\r\n"))
		respond(cl, 1);
	else if (cl->req_len + 1 == sizeof cl->req)
		respond(cl, 0);
	else if (st & SIGIL_ST_PEER_CLOSED)
		return -1;
	return (long)took;
}

/* Network to engine to application.  0, or -1 (the connection is done). */
static int from_network(struct client *cl)
{
	/* One recv per readiness event: with level-triggered epoll the next
	 * epoll_wait reports the rest, and one busy client cannot starve the
	 * others. */
	if (cl->in_off == cl->in_len) {
		ssize_t r = recv(cl->fd, cl->in, sizeof cl->in, 0);
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		if (r == 0)
			return -1;
		cl->in_off = 0;
		cl->in_len = (size_t)r;
		cl->deadline = now_ms() + IDLE_MS;
	}
	if (cl->phase == DRAINING) {    /* the client's last words: not needed */
		cl->in_off = cl->in_len;
		return 0;
	}
	/* Feed until the engine has it all or stops taking it (decrypted
	 * data waits that we do not read once the request is complete). */
	while (cl->in_off < cl->in_len) {
		size_t used;
		if (sigil_conn_recv_net(cl->tls, cl->in + cl->in_off, cl->in_len - cl->in_off, &used) != SIGIL_OK)
			return -1;
		cl->in_off += used;
		long took = take_app(cl);
		if (took < 0)
			return -1;
		if (used == 0 && took == 0)
			break;
	}
	return 0;
}

/* Application to engine: protect as much of the response as it takes. */
static int produce(struct client *cl)
{
	while (cl->phase == WRITING) {
		size_t room = sigil_conn_write_room(cl->tls), used = 0;
		if (room == 0)
			return 0;       /* send first */
		if (cl->head_off < cl->head_len) {
			if (sigil_conn_write_app(cl->tls, (const uint8_t *)cl->head + cl->head_off,
						 cl->head_len - cl->head_off, &used) != SIGIL_OK)
				return -1;
			cl->head_off += used;
		} else if (cl->body_off < cl->body_len) {
			uint8_t chunk[16384];
			size_t k = sizeof chunk < room ? sizeof chunk : room;
			if (k > cl->body_len - cl->body_off)
				k = (size_t)(cl->body_len - cl->body_off);
			for (size_t i = 0; i < k; i++)
				chunk[i] = (uint8_t)pattern[(cl->body_off + i) % (sizeof pattern - 1)];
			if (sigil_conn_write_app(cl->tls, chunk, k, &used) != SIGIL_OK)
				return -1;
			cl->body_off += used;
		} else {
			if (sigil_conn_close_notify(cl->tls) != SIGIL_OK)
				return -1;
			cl->phase = DRAINING;
			return 0;
		}
		if (used == 0)
			return 0;
	}
	return 0;
}

/* Engine to network: 1 when all went, 0 when the socket is full, -1. */
static int to_network(struct client *cl)
{
	size_t n;
	const uint8_t *p;
	while ((p = sigil_conn_send_buf(cl->tls, &n)) != NULL) {
		ssize_t w = send(cl->fd, p, n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		sigil_conn_send_ack(cl->tls, (size_t)w);
		cl->deadline = now_ms() + IDLE_MS;
	}
	return 1;
}

/* One readiness event of a client: 0, or -1 when it is to be dropped. */
static int step(struct client *cl, uint32_t events)
{
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && from_network(cl) < 0)
		return -1;
	int sent = 0;
	do {
		if (produce(cl) < 0 || (sent = to_network(cl)) < 0)
			return -1;
	} while (sent && cl->phase == WRITING);
	if (cl->phase == DRAINING && sent && !cl->shut) {
		/* Everything went, close_notify last: say we are done and wait
		 * for the client to close (a close now could reset the
		 * connection before it read the end). */
		shutdown(cl->fd, SHUT_WR);
		cl->shut = 1;
		printf("conn %u: response sent, close_notify sent\n", cl->id);
	}
	uint32_t want = cl->phase == WRITING ? 0 : EPOLLIN;
	if (sigil_conn_state(cl->tls) & SIGIL_ST_WANT_SEND)
		want |= EPOLLOUT;
	if (want != cl->watching) {
		struct epoll_event ev = { .events = want, .data.ptr = cl };
		if (epoll_ctl(ep, EPOLL_CTL_MOD, cl->fd, &ev) < 0)
			return -1;
		cl->watching = want;
	}
	return 0;
}

static void accept_all(int lfd, sigil_config *cfg)
{
	int fd;
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		struct client *cl = nclients < MAX_CLIENTS ? calloc(1, sizeof *cl) : NULL;
		if (cl)
			cl->tls = sigil_conn_new(cfg, SIGIL_SERVER);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cl };
		if (!cl || !cl->tls || fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			if (cl)
				sigil_conn_free(cl->tls);
			free(cl);
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->id = ++next_id;
		cl->watching = EPOLLIN;
		cl->deadline = now_ms() + IDLE_MS;
		clients[nclients++] = cl;
	}
}

static int listen_on(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	int one = 1, fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
			bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0 ||
			fcntl(fd, F_SETFL, O_NONBLOCK) < 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s HOST PORT CERT KEY\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* One config for every connection: frozen by the first, shared. */
	sigil_config *cfg = sigil_config_new();
	if (!cfg || sigil_config_add_cert_key_file(cfg, argv[3], argv[4]) != SIGIL_OK ||
	    sigil_config_set_alpn(cfg, "http/1.1") != SIGIL_OK) {
		fprintf(stderr, "epoll_server: %s\n", cfg ? sigil_config_error(cfg) : "out of memory");
		return 1;
	}
	int lfd = listen_on(argv[1], argv[2]);
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	if (lfd < 0 || (ep = epoll_create1(0)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
		fprintf(stderr, "epoll_server: cannot listen on %s port %s\n", argv[1], argv[2]);
		return 1;
	}
	printf("listening on %s port %s\n", argv[1], argv[2]);
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			struct client *cl = evs[i].data.ptr;
			if (!cl) {
				accept_all(lfd, cfg);
			} else if (step(cl, evs[i].events) < 0) {
				/* The engine's sentence when it failed; a hang-up
				 * after our close_notify is the normal end. */
				const char *e = sigil_conn_error(cl->tls);
				drop(cl, e[0] ? e : cl->phase == DRAINING ? "closed" : "the client went away");
			}
		}
		/* Idle connections (a real server keeps a timer heap). */
		long long now = now_ms();
		for (unsigned i = nclients; i-- > 0;)
			if (clients[i]->deadline < now)
				drop(clients[i], "idle for too long, dropped");
	}
}
