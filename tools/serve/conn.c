/*
 * The connection loop of sigil serve: one epoll loop per worker thread,
 * non-blocking sockets driven through the engine's fd layer.
 * Connections move through HANDSHAKE -> READ (a request head) -> WRITE (the
 * response, file data streamed from disk) -> READ again (keep-alive) or
 * CLOSE.  A timer pass every 250 ms drops connections past their
 * handshake or idle deadline, so a slow or silent client cannot hold a
 * worker.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

/* Deadlines are in milliseconds of CLOCK_MONOTONIC: time() counts whole
 * seconds, so "now + 1" could pass a few milliseconds later, and a wall
 * clock set forward would expire every connection at once. */
int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- pre-authentication memory ----
 *
 * Before the handshake ends a client is anonymous, and what it sends the
 * engine must keep until a handshake message is whole: a ClientHello
 * sent slowly, or one that claims more than it sends, holds memory for
 * nothing (1,000 unfinished 16 KiB ClientHellos took this server from 7
 * to 56 MB).  Each worker counts the bytes its unfinished handshakes have
 * received (FIONREAD before the engine reads them) and, past
 * --handshake-memory, drops the oldest unfinished handshakes until it is
 * under again.  A real client's ClientHello is a few hundred bytes to
 * 3 KB and its handshake ends within a round trip, so it is seldom the
 * oldest; a client that holds bytes without finishing is. */
static void hs_done(worker *w, hconn *c)
{
	if (!c->hs_prev && w->hs_head != c)
		return;         /* not on the list */
	if (c->hs_prev)
		c->hs_prev->hs_next = c->hs_next;
	else
		w->hs_head = c->hs_next;
	if (c->hs_next)
		c->hs_next->hs_prev = c->hs_prev;
	else
		w->hs_tail = c->hs_prev;
	c->hs_prev = c->hs_next = NULL;
	w->hs_bytes -= c->hs_bytes;
	c->hs_bytes = 0;
}

static void hs_start(worker *w, hconn *c)
{
	c->hs_prev = w->hs_tail;
	c->hs_next = NULL;
	if (w->hs_tail)
		w->hs_tail->hs_next = c;
	else
		w->hs_head = c;
	w->hs_tail = c;
}

/* Everything a connection holds goes now; the struct itself only after
 * the batch of events being handled (reap), since an event later in
 * that batch may still name it (another connection's handshake budget,
 * or an upstream's event that kicked it, can drop it). */
static void conn_free(worker *w, hconn *c)
{
	if (c->st == C_DEAD)
		return;
	hs_done(w, c);
	/* close() takes the socket out of the epoll set (it is never dup'ed). */
	close(c->fd);
	c->fd = -1;
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	free(c->mem);
	free(c->req);
	free(c->r);
	free(c->user);
	c->mem = c->req = c->user = NULL;
	c->r = NULL;
	h2_free(c);
	sigil_conn_free(c->tls);
	c->tls = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	c->st = C_DEAD;
	c->dead_next = w->dead;
	w->dead = c;
}

static void reap(worker *w)
{
	while (w->dead) {
		hconn *d = w->dead;
		w->dead = d->dead_next;
		free(d);
	}
	h2p_reap(w);
}

static void want(worker *w, hconn *c, int r)
{
	uint32_t events = r == SIGIL_WANT_WRITE || r == SIGIL_IO_WANT_WRITE ? EPOLLOUT : EPOLLIN;
	if (events == c->events)
		return;         /* a system call saved per wait */
	struct epoll_event ev = { .events = events, .data.ptr = c };
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = events;
}

/* Drop a connection that timed out with a reset (SO_LINGER 0): a plain
 * close leaves what is queued to a peer that does not read in the
 * kernel, retransmitted to the peer for minutes after the connection is
 * gone from here (an orphan in FIN-WAIT-1 holding its send queue). */
static void conn_reset(worker *w, hconn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	conn_free(w, c);
}

static void on_ready(worker *w, hconn *c);

/* Count what arrived for c's handshake; past the budget, drop the
 * oldest unfinished handshakes.  1 when c itself was dropped.  known is
 * the number of bytes waiting when the caller has just seen it (the
 * first read's peek), -1 to ask the kernel (FIONREAD). */
static int hs_account(worker *w, hconn *c, int known)
{
	struct server *s = w->srv;
	int pending = known;
	if (known < 0 && ioctl(c->fd, FIONREAD, &pending) < 0)
		return 0;
	if (pending <= 0)
		return 0;
	c->hs_bytes += (size_t)pending;
	w->hs_bytes += (size_t)pending;
	size_t budget = (size_t)s->o.handshake_kib * 1024;
	int dropped_self = 0, n = 0;
	while (w->hs_bytes > budget && w->hs_head) {
		hconn *old = w->hs_head;
		if (old == c)
			dropped_self = 1;
		n++;
		/* Its memory goes now (a batch of events may bring many
		 * connections), its struct after the batch (conn_free). */
		conn_reset(w, old);
	}
	if (n) {
		int64_t now = mono_ms();
		/* One line a minute, not one per connection. */
		if (now - w->hs_warned >= 60000) {
			fprintf(stderr, "sigil serve: unfinished handshakes on thread %d hold more than --handshake-memory "
				"%d KiB: dropping the oldest\n", w->id, s->o.handshake_kib);
			w->hs_warned = now;
		}
		logv(s, "dropped %d unfinished handshake%s (over --handshake-memory)", n, n == 1 ? "" : "s");
	}
	return dropped_self;
}

/* Accepting again after ACCEPT_BACKOFF_MS (the sweep, worker_main). */
#define ACCEPT_BACKOFF_MS 250

static void accept_pause(worker *w, int err)
{
	struct server *s = w->srv;
	epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL);
	w->accept_paused_until = mono_ms() + ACCEPT_BACKOFF_MS;
	/* One line per episode: the first since the last recovery. */
	if (!atomic_exchange(&s->fd_exhausted, 1)) {
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		fprintf(stderr, "sigil serve: cannot accept: %s (%d connections on thread %d, RLIMIT_NOFILE %llu): "
			"pausing new connections and serving the open ones; lower --max-conns or raise the limit "
			"(ulimit -n)\n", strerror(err), w->nconns, w->id, (unsigned long long)rl.rlim_cur);
	}
}

static void accept_resume(worker *w)
{
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = w };
	w->accept_paused_until = 0;
	epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &lev);
}

/* One connection per wake of the listener (nginx's default, no
 * multi_accept): the listener is level-triggered, so epoll_wait reports
 * it again while the backlog holds more, and the accept4 that would only
 * have said EAGAIN is saved (one system call per connection when
 * connections come one at a time; in a burst, one epoll_wait per
 * connection instead, which also hands out the events of the others). */
static void accept_one(worker *w)
{
	struct server *s = w->srv;
	{
		struct sockaddr_storage sa;
		socklen_t sl = sizeof sa;
		int fd = accept4(w->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors (or of kernel memory): the
			 * connection stays in the backlog and the listener
			 * stays readable, so retrying at once spins at 100%
			 * CPU.  Stop listening for a while instead, keep
			 * serving what we have, and say so once. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				accept_pause(w, errno);
			return;
		}
		if (w->nconns >= s->o.max_conns || stopping(s)) {
			close(fd);
			return;
		}
		if (atomic_load_explicit(&s->fd_exhausted, memory_order_relaxed) && atomic_exchange(&s->fd_exhausted, 0))
			fprintf(stderr, "sigil serve: accepting new connections again\n");
		hconn *c = calloc(1, sizeof *c);
		if (c) {        /* out of memory: drop this client, not the server */
			c->tls = sigil_conn_new(config_get(w), SIGIL_SERVER);
		}
		if (!c || !c->tls || sigil_io_attach(c->tls, fd) < 0) {
			if (c)
				sigil_conn_free(c->tls);
			free(c);
			close(fd);
			return;
		}
		c->fd = fd;
		c->file = -1;
		c->st = C_HANDSHAKE;
		c->deadline = mono_ms() + s->o.handshake_timeout * 1000LL;
		char host[INET6_ADDRSTRLEN] = "?";
		if (sa.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof host);
		else if (sa.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof host);
		snprintf(c->peer, sizeof c->peer, "%s", host);
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		w->nconns++;
		hs_start(w, c);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
		c->events = EPOLLIN;
		/* Not read now: the listener wakes on the client's ACK, and
		 * its ClientHello is a separate segment that has seldom
		 * arrived a few microseconds later (strace over 1,000
		 * connections: the recv right after accept said EAGAIN every
		 * time), so epoll_wait tells when it is there, as nginx does.
		 * (No TCP_DEFER_ACCEPT: a silent client would then sit in the
		 * kernel out of reach of --handshake-timeout.) */
	}
}

static void conn_close(worker *w, hconn *c)
{
	if (c->st != C_CLOSING) {
		c->st = C_CLOSING;
		int r = sigil_io_close(c->tls);
		if (r == SIGIL_WANT_WRITE) {
			c->deadline = mono_ms() + 2000;
			want(w, c, r);
			return;
		}
	} else if (sigil_io_flush(c->tls) == SIGIL_WANT_WRITE) {
		return;
	}
	conn_free(w, c);
}

/* Parse what has arrived; returns 1 when a response was started, -1 when
 * memory for it could not be had. */
static int try_request(worker *w, hconn *c)
{
	/* Skip a request body we do not use. */
	if (c->discard) {
		if (c->req_len == 0)
			return 0;
		size_t k = c->discard < c->req_len ? c->discard : c->req_len;
		memmove(c->req, c->req + k, c->req_len - k);
		c->req_len -= k;
		c->discard -= k;
		c->body_got += k;
		c->scanned = c->line_start = 0;
		if (c->discard)
			return 0;
	}
	if (c->req_len == 0)
		return 0;
	/* The parser starts again from the first byte each time, so calling
	 * it on every read would let a client that sends its head a byte at a
	 * time cost O(n^2): 134 M byte visits for a 16 KiB head.  Its verdict
	 * can only change when a line ends, when the open line passes the
	 * line limit, or at the head limit: only then is it asked. */
	const char *lf = memrchr(c->req + c->scanned, '\n', c->req_len - c->scanned);
	c->scanned = c->req_len;
	if (lf)
		c->line_start = (size_t)(lf - c->req) + 1;
	else if (c->req_len - c->line_start <= SG_HTTP_MAX_FIELD_LINE && c->req_len < REQ_MAX)
		return 0;
	sg_http_request req;
	int r = sg_http_parse_request(c->req, c->req_len, &req);
	if (r == 0) {
		if (c->req_len >= REQ_MAX) {
			req.status = 431;
			req.why = "request head too large\n";
			r = -1;
		} else {
			return 0;
		}
	}
	if (!c->r && !(c->r = calloc(1, sizeof *c->r)))
		return -1;
	/* A body too large to skip: answer, then close (the response says
	 * so), rather than read it all. */
	if (r > 0 && req.framing == SG_HTTP_BODY_LENGTH && req.content_length > DISCARD_MAX)
		req.keep_alive = false;
	if (r > 0 && w->srv->nproxy) {
		int pr = proxy_handle(w, c, &req, (size_t)r);
		if (pr) {
			c->scanned = c->line_start = 0;
			return pr;
		}
	}
	start_response(w, c, &req, r > 0);
	if (r > 0) {
		size_t used = (size_t)r;
		memmove(c->req, c->req + used, c->req_len - used);
		c->req_len -= used;
		c->scanned = c->line_start = 0;
		if (req.framing == SG_HTTP_BODY_LENGTH && req.content_length <= DISCARD_MAX && c->keep_alive) {
			c->discard = (size_t)req.content_length;
			c->body_start = mono_ms();
			c->body_got = 0;
			c->body_deadline = c->body_start + w->srv->o.idle_timeout * 1000LL;
		}
		if (req.framing == SG_HTTP_BODY_CHUNKED)
			c->keep_alive = 0;      /* we do not read chunked request bodies */
	} else {
		c->req_len = 0;
		c->scanned = c->line_start = 0;
		logv(w->srv, "%s: bad request: %s", c->peer, req.why ? req.why : "?");
	}
	c->st = C_WRITE;
	return 1;
}

/* Write the response; returns 0 when done, 1 when waiting, -1 on error. */
static int write_response(worker *w, hconn *c)
{
	char *buf = w->body;
	for (;;) {
		/* Gather head, in-memory body and file data into full records:
		 * a small response is one record, and with close_notify one
		 * send.  The engine queues records up to its hold limit; only
		 * then, or at the end, does the socket see them.  Only as many
		 * bytes are gathered as the engine takes now, so no file byte
		 * is read twice. */
		size_t room = sigil_conn_write_room(c->tls);
		if (room > BODY_CHUNK)
			room = BODY_CHUNK;
		size_t n = 0, from_head = 0, from_mem = 0, from_file = 0;
		if (room == 0)
			goto flush;
		if (c->head_off < c->head_len) {
			from_head = c->head_len - c->head_off < room ? c->head_len - c->head_off : room;
			memcpy(buf, c->r->head + c->head_off, from_head);
			n = from_head;
		}
		if (n < room && c->mem_off < c->mem_len) {
			from_mem = c->mem_len - c->mem_off < room - n ? c->mem_len - c->mem_off : room - n;
			memcpy(buf + n, c->mem + c->mem_off, from_mem);
			n += from_mem;
		}
		if (n < room && c->file >= 0 && c->file_off < c->file_end) {
			size_t want_n = (size_t)(c->file_end - c->file_off) < room - n ?
					(size_t)(c->file_end - c->file_off) : room - n;
			ssize_t r = pread(c->file, buf + n, want_n, c->file_off);
			if (r <= 0)
				return -1;
			from_file = (size_t)r;
			n += from_file;
		}
		if (n == 0) {
			/* Done: a closing response takes its close_notify along. */
			if (!c->keep_alive && !(sigil_conn_state(c->tls) & SIGIL_ST_CLOSED) &&
			    sigil_conn_close_notify(c->tls) < 0)
				return -1;
			int r = sigil_io_flush(c->tls);
			if (r == SIGIL_WANT_WRITE)
				return 1;
			return r == SIGIL_OK ? 0 : -1;
		}
		size_t used;
		if (sigil_conn_write_app(c->tls, (const uint8_t *)buf, n, &used) < 0)
			return -1;
		if (used == 0) {
			/* The engine's queue is full: send it. */
flush:;
			int r = sigil_io_flush(c->tls);
			if (r == SIGIL_WANT_WRITE)
				return 1;
			if (r != SIGIL_OK)
				return -1;
			continue;
		}
		/* A long download is not idle: the idle deadline counts from
		 * the last progress, so only a client that stops reading is
		 * dropped, not one that reads a large file slowly. */
		c->deadline = mono_ms() + w->srv->o.idle_timeout * 1000LL;
		size_t k = used < from_head ? used : from_head;
		c->head_off += k;
		used -= k;
		k = used < from_mem ? used : from_mem;
		c->mem_off += k;
		c->bytes += k;
		used -= k;
		c->file_off += (off_t)used;
		c->bytes += used;
	}
}

static void on_ready(worker *w, hconn *c)
{
	struct server *s = w->srv;
	if (c->st == C_DEAD)
		return;
	for (;;) {
		switch (c->st) {
		case C_HANDSHAKE: {
			int known = -1;
			if (!c->sniffed) {
				/* One peek gives the first byte (TLS or plain
				 * HTTP?) and, when it does not fill the buffer,
				 * the number of bytes waiting that FIONREAD would
				 * tell: a ClientHello is 200 bytes to 2 KB. */
				uint8_t b[2048];
				ssize_t k = recv(c->fd, b, sizeof b, MSG_PEEK);
				if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
					want(w, c, SIGIL_WANT_READ);
					return;
				}
				c->sniffed = true;
				if (k >= 1 && plain_http_first(b[0])) {
					plain_start(w, c);
					continue;
				}
				if (k >= 0 && (size_t)k < sizeof b)
					known = (int)k;
			}
			if (hs_account(w, c, known))
				return;
			int r = sigil_io_handshake(c->tls);
			if (r == SIGIL_OK) {
				hs_done(w, c);
				c->st = C_READ;
				c->deadline = mono_ms() + s->o.idle_timeout * 1000LL;
				const char *cc = sg_conn_cert_compression(c->tls);
				logv(s, "%s: TLS %s %s %s%s%s%s", c->peer,
				     sigil_conn_version(c->tls) == SIGIL_TLS12 ? "1.2" : "1.3", sigil_suite_name(sigil_conn_suite(c->tls)),
				     sigil_group_name(sigil_conn_group(c->tls)), sigil_conn_resumed(c->tls) ? " resumed" : "",
				     cc ? " certificate compressed with " : "", cc ? cc : "");
				note_identity(w, c);
				if (h2_chosen(c)) {
					if (h2_start(w, c) < 0) {
						conn_free(w, c);
						return;
					}
					c->st = C_H2;
				}
				continue;
			}
			if (r == SIGIL_ERROR) {
				/* A refused client certificate is always worth a line. */
				sigil_error_class ec = sigil_conn_error_class(c->tls);
				if (ec == SIGIL_ECLASS_VERIFY ||
				    sigil_conn_error_alert(c->tls) == SIGIL_ALERT_CERTIFICATE_REQUIRED)
					fprintf(stderr, "sigil serve: %s: client refused: %s\n", c->peer, sigil_conn_error(c->tls));
				else
					logv(s, "%s: handshake failed: %s", c->peer, sigil_conn_error(c->tls));
				/* A lingering close, as plain.c does for its 400:
				 * a TLS 1.3 client has sent its request (an h2
				 * client at once) by the time it could read our
				 * alert, and a close with those bytes unread is a
				 * reset that destroys the alert on its way, so the
				 * client would report a broken pipe instead of
				 * why it was refused.  Half-close, then drain for
				 * at most 2 s (the sweep resets it after). */
				if (sigil_conn_error_alert(c->tls) != 0) {
					shutdown(c->fd, SHUT_WR);
					free(c->mem);
					c->mem = NULL;
					c->mem_len = c->mem_off = 0;
					c->plain_sent = true;
					c->st = C_PLAIN;
					c->deadline = mono_ms() + 2000;
					want(w, c, SIGIL_WANT_READ);
					return;
				}
				conn_free(w, c);
				return;
			}
			want(w, c, r);
			return;
		}
		case C_READ: {
			int tr = try_request(w, c);
			if (tr < 0) {
				conn_free(w, c);
				return;
			}
			if (tr)
				continue;
			if (stopping(s)) {
				conn_close(w, c);
				return;
			}
			if (!c->req && !(c->req = malloc(REQ_MAX))) {
				conn_free(w, c);
				return;
			}
			ssize_t r = sigil_io_read(c->tls, c->req + c->req_len, REQ_MAX - c->req_len);
			if (r > 0) {
				c->req_len += (size_t)r;
				/* Bytes of a request head do not move the deadline:
				 * a head must be complete within the idle timeout,
				 * or a client sending it a byte at a time
				 * (slowloris) holds the connection for ever.  Nor
				 * do the bytes of a body being skipped: it has its
				 * own fixed deadline (DISCARD_MAX). */
				continue;
			}
			if (r == 0) {   /* close_notify */
				conn_close(w, c);
				return;
			}
			if (r == SIGIL_IO_WANT_READ || r == SIGIL_IO_WANT_WRITE) {
				/* Waiting for the client: give the record buffers back
				 * (an idle keep-alive connection is then ~2 KiB). */
				if (r == SIGIL_IO_WANT_READ && c->req_len == 0) {
					sigil_conn_shrink(c->tls);
					free(c->req);
					c->req = NULL;
					free(c->r);
					c->r = NULL;
				}
				want(w, c, r == SIGIL_IO_WANT_READ ? SIGIL_WANT_READ : SIGIL_WANT_WRITE);
				return;
			}
			if (c->req_len || sigil_conn_error_class(c->tls) != SIGIL_ECLASS_IO)
				logv(s, "%s: %s", c->peer, sigil_conn_error(c->tls));
			conn_free(w, c);
			return;
		}
		case C_WRITE: {
			int r = write_response(w, c);
			if (r > 0) {
				want(w, c, SIGIL_WANT_WRITE);
				return;
			}
			if (r < 0) {
				logv(s, "%s: writing failed: %s", c->peer, sigil_conn_error(c->tls));
				conn_free(w, c);
				return;
			}
			log_access(s, c);
			if (c->file >= 0) {
				close(c->file);
				c->file = -1;
			}
			free(c->mem);
			c->mem = NULL;
			c->mem_len = c->mem_off = 0;
			c->head_len = c->head_off = 0;
			if (!c->keep_alive || stopping(s)) {
				conn_close(w, c);
				return;
			}
			c->st = C_READ;
			c->deadline = c->discard ? c->body_deadline : mono_ms() + s->o.idle_timeout * 1000LL;
			want(w, c, SIGIL_WANT_READ);
			continue;
		}
		case C_CLOSING:
			conn_close(w, c);
			return;
		case C_DEAD:
			return;
		case C_H2: {
			int r = h2_step(w, c);
			if (r < 0) {
				logv(s, "%s: HTTP/2: %s", c->peer, sigil_conn_error(c->tls));
				conn_free(w, c);
			} else if (r == 0) {
				conn_close(w, c);
			} else {
				want(w, c, r);
			}
			return;
		}
		case C_PLAIN: {
			int r = plain_step(w, c);
			if (r == 0) {
				conn_free(w, c);
				return;
			}
			want(w, c, r);
			return;
		}
		}
	}
}

void conn_kick(worker *w, hconn *c)
{
	on_ready(w, c);
}

static void sweep(worker *w)
{
	struct server *s = w->srv;
	int64_t now = mono_ms();
	/* After a burst, give the memory of the connections that went back
	 * to the system (glibc keeps freed heap otherwise), once per quiet
	 * period rather than per connection. */
	if (w->nconns < w->peak_conns / 4 && w->peak_conns >= 64) {
		malloc_trim(0);
		w->peak_conns = w->nconns;
	}
	if (w->nconns > w->peak_conns)
		w->peak_conns = w->nconns;
	for (hconn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (c->st == C_DEAD)
			continue;
		/* HTTP/2 when stopping: GOAWAY, the streams in flight finish. */
		if (c->st == C_H2 && stopping(s) && h2_drain(c)) {
			on_ready(w, c);
			continue;
		}
		/* HTTP/2 idle (no stream waiting on its upstream either):
		 * GOAWAY, then close. */
		bool kick = false;
		if (c->st == C_H2 && h2_sweep(c, now, &kick))
			c->deadline = now + s->o.idle_timeout * 1000LL;
		if (kick) {
			/* a proxied stream's time-out queued frames */
			on_ready(w, c);
			if (c->st == C_DEAD)
				continue;
		}
		if (c->st == C_H2 && now >= c->deadline) {
			logv(s, "%s: HTTP/2 idle timeout", c->peer);
			h2_timeout(c);
			conn_close(w, c);
			continue;
		}
		if (stopping(s) && c->st == C_READ && c->req_len == 0) {
			conn_close(w, c);
			continue;
		}
		/* A body being skipped: at least DISCARD_MIN_RATE after the
		 * grace, and all of it by its deadline. */
		int64_t late = now - c->body_start - DISCARD_GRACE_MS;
		if (c->st == C_READ && c->discard &&
		    (now >= c->body_deadline || (late > 0 && c->body_got * 1000 < (uint64_t)late * DISCARD_MIN_RATE))) {
			logv(s, "%s: request body too slow (%llu bytes in %lld ms): dropped", c->peer,
			     (unsigned long long)c->body_got, (long long)(now - c->body_start));
			conn_reset(w, c);
			continue;
		}
		if (now >= c->deadline) {
			logv(s, "%s: %s timeout", c->peer, c->st == C_HANDSHAKE ? "handshake" : "idle");
			/* Between requests the connection is sound: say goodbye
			 * with close_notify, so that the client does not take
			 * it for a truncation attack. */
			if (c->st == C_READ)
				conn_close(w, c);
			else
				conn_reset(w, c);
		}
	}
}

void *worker_main(void *arg)
{
	worker *w = arg;
	struct server *s = w->srv;
	struct epoll_event evs[256];
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = w };
	epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &lev);
	struct epoll_event eev = { .events = EPOLLIN, .data.ptr = &w->efd };
	epoll_ctl(w->ep, EPOLL_CTL_ADD, w->efd, &eev);
	/* Sweep 4 times a second: a timeout fires at most 250 ms late. */
	int64_t last_sweep = mono_ms(), stop_deadline = 0;
	for (;;) {
		int n = epoll_wait(w->ep, evs, 256, 250);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == w) {
				accept_one(w);
			} else if (evs[i].data.ptr == &w->efd) {
				uint64_t v;
				if (read(w->efd, &v, sizeof v) < 0) { /* woken anyway */ }
			} else if ((uintptr_t)evs[i].data.ptr & H2P_TAG) {
				h2p_event(w, (void *)((uintptr_t)evs[i].data.ptr & ~H2P_TAG), evs[i].events);
			} else {
				hconn *c = evs[i].data.ptr;
				on_ready(w, c);
			}
		}
		reap(w);
		if (stopping(s) && w->lfd >= 0) {
			epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL);
			close(w->lfd);
			w->lfd = -1;
			stop_deadline = mono_ms() + 10000;
			sweep(w);
		}
		if (mono_ms() - last_sweep >= 250) {
			last_sweep = mono_ms();
			sweep(w);
			reap(w);
		}
		if (w->accept_paused_until && mono_ms() >= w->accept_paused_until && w->lfd >= 0)
			accept_resume(w);
		if (stopping(s) && (w->nconns == 0 || mono_ms() >= stop_deadline)) {
			while (w->conns)
				conn_free(w, w->conns);
			reap(w);
			sigil_config_free(w->cfg);
			w->cfg = NULL;
			return NULL;
		}
	}
}
