/*
 * The listening sockets of sigil serve: one per worker thread, sharing
 * the address with SO_REUSEPORT so that the kernel spreads connections
 * over the threads.
 *
 * SO_REUSEPORT also lets a second process of the same user bind the same
 * address, and the kernel then splits new connections between the two
 * servers without a word: a second `sigil serve` on a port a first one
 * holds used to start "fine" and clients saw either certificate at
 * random.  So, unless --reuse-port asks for a deliberate multi-process
 * set-up, the address is checked first:
 *
 *   1. a lock: an abstract AF_UNIX socket named after the address, bound
 *      for the life of the process (the kernel drops it when the process
 *      ends, however it ends; no file is left behind).  Two sigil serve
 *      processes starting at the same instant cannot both take it, so
 *      between sigil servers there is no race at all;
 *   2. a probe: a socket bound to the address without SO_REUSEPORT (with
 *      SO_REUSEADDR, so that connections of an earlier run left in
 *      TIME_WAIT do not count).  Any listener, with or without
 *      SO_REUSEPORT, makes it fail with EADDRINUSE.  The probe is closed
 *      and the real sockets are bound right after.
 *
 * What is left: a program other than sigil that sets SO_REUSEPORT itself
 * and binds the address in the microseconds between the probe and our
 * first bind, or later while we run, can still join (the kernel allows
 * it for sockets of the same user only).  With one thread there is no
 * SO_REUSEPORT at all and nothing can join; with more, a listener cannot
 * refuse a same-user SO_REUSEPORT peer short of using one socket for all
 * threads, which would give up the kernel's spreading of connections.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve.h"
#include "../opt.h"

/* The numeric form of the address, "[::1]:8443" or "127.0.0.1:8443". */
static void numeric(const struct addrinfo *ai, char *out, size_t cap)
{
	char h[NI_MAXHOST], p[NI_MAXSERV];
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
}

static int take_lock(struct server *s, const char *addr)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	/* sun_path[0] == 0: the abstract namespace (Linux). */
	int n = snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "sigil serve %s", addr);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;       /* no lock to be had: the probe still runs */
	if (bind(fd, (struct sockaddr *)&un, len) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE) {
			fprintf(stderr, "sigil serve: cannot listen on %s: another sigil serve listens there (stop it, "
				"or give both --reuse-port to share the address on purpose)\n", addr);
			return -1;
		}
		return 0;
	}
	s->lock_fd = fd;
	return 0;
}

static int probe(const struct addrinfo *ai, const char *addr)
{
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	int r = bind(fd, ai->ai_addr, ai->ai_addrlen), e = errno;
	close(fd);
	if (r == 0)
		return 0;
	if (e == EADDRINUSE) {
		char port[16];
		const char *colon = strrchr(addr, ':');
		snprintf(port, sizeof port, "%s", colon ? colon + 1 : "?");
		fprintf(stderr, "sigil serve: cannot listen on %s: the address is in use by another listener "
			"(ss -ltnp 'sport = :%s' shows which)\n", addr, port);
	} else {
		fprintf(stderr, "sigil serve: cannot listen on %s: %s\n", addr, strerror(e));
	}
	return -1;
}

int listen_all(struct server *s)
{
	const struct serve_opts *o = &s->o;
	char host[256], portstr[8], addr[INET6_ADDRSTRLEN + 16];
	int port;
	const char *why;
	if (opt_split_hostport(o->listen, host, sizeof host, &port, &why) < 0) {
		fprintf(stderr, "sigil serve: --listen %s: %s\n", o->listen, why);
		return -1;
	}
	snprintf(portstr, sizeof portstr, "%d", port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	int gr = getaddrinfo(host, portstr, &hints, &res);
	if (gr != 0) {
		fprintf(stderr, "sigil serve: --listen %s: cannot resolve %s: %s\n", o->listen, host, gai_strerror(gr));
		return -1;
	}
	numeric(res, addr, sizeof addr);
	int ret = -1;
	if (!o->reuse_port && (take_lock(s, addr) < 0 || probe(res, addr) < 0))
		goto out;
	/* One thread without --reuse-port: no SO_REUSEPORT, so that no
	 * other socket can ever join the address. */
	int share = o->reuse_port || s->nworkers > 1, one = 1;
	for (int i = 0; i < s->nworkers; i++) {
		int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fprintf(stderr, "sigil serve: cannot listen on %s: %s\n", addr, strerror(errno));
			goto out;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (share)
			setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
		/* Accepted sockets inherit TCP_NODELAY from the listener
		 * (Linux and the BSDs copy it): one system call per
		 * connection saved. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		int lowat = SEND_UNSENT_MAX;
		setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat);
		if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
			int e = errno;
			close(fd);
			fprintf(stderr, "sigil serve: cannot listen on %s: %s%s\n", addr, strerror(e),
				e == EADDRINUSE && o->reuse_port ? " (--reuse-port shares an address only with "
								  "sockets that set SO_REUSEPORT too)" : "");
			goto out;
		}
		s->workers[i].lfd = fd;
	}
	ret = 0;
out:
	freeaddrinfo(res);
	return ret;
}
