/*
 * The file-descriptor layer: drives the sans-I/O engine over a socket,
 * blocking or not (the shape of libtls: tls_handshake/read/write/close).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls/tls.h"

#define IO_BUF (SG_RECORD_HEADER + SG_MAX_CIPHERTEXT)
#define IO_MIN 2048

int sigil_io_attach(sigil_conn *c, int fd)
{
	if (fd < 0 || c->fd >= 0)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "sigil_io_attach: a valid descriptor, once");
	c->fd = fd;
	return SIGIL_OK;
}

/* Feed whatever the peer already sent, without waiting. */
static void drain_alert(sigil_conn *c)
{
	uint8_t buf[512];
	ssize_t r;
	while (!(c->state & SIGIL_ST_FAILED) && (r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
		size_t off = 0, used;
		while (off < (size_t)r && sigil_conn_recv_net(c, buf + off, (size_t)r - off, &used) == SIGIL_OK && used)
			off += used;
		if (off < (size_t)r)
			break;
	}
}

/* Send what the engine queued: SIGIL_OK when all went, else WANT_WRITE. */
static int flush(sigil_conn *c)
{
	size_t n;
	const uint8_t *p;
	while ((p = sigil_conn_send_buf(c, &n)) != NULL && n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SIGIL_WANT_WRITE;
			if (c->state & SIGIL_ST_FAILED)
				return SIGIL_ERROR;
			int e = errno;
			/* A peer that refused us (an alert, then a close) makes
			 * our send fail; its alert says why, so read it first. */
			if (e == EPIPE || e == ECONNRESET)
				drain_alert(c);
			if (c->state & SIGIL_ST_FAILED)
				return SIGIL_ERROR;
			return sg_fail(c, SIGIL_ECLASS_IO, -1, "cannot send: %s", strerror(e));
		}
		sigil_conn_send_ack(c, (size_t)w);
	}
	return (c->state & SIGIL_ST_FAILED) ? SIGIL_ERROR : SIGIL_OK;
}

/* Give the engine buffered bytes, reading the socket when none are left. */
static int feed(sigil_conn *c)
{
	if (c->io_off == c->io_len) {
		ssize_t r;
		/* Taken on demand (sigil_conn_shrink gives it back when idle)
		 * and small at first: handshake flights are a few hundred
		 * bytes.  A read that fills it means bulk data is coming, so
		 * the next buffer is four times larger, up to a full record. */
		if (c->io_buf && c->io_len == c->io_cap && c->io_cap < IO_BUF) {
			free(c->io_buf);
			c->io_buf = NULL;
			c->io_cap = c->io_cap * 4 < IO_BUF ? c->io_cap * 4 : IO_BUF;
		}
		if (!c->io_cap)
			c->io_cap = IO_MIN;
		if (!c->io_buf && !(c->io_buf = malloc(c->io_cap)))
			return sg_fail(c, SIGIL_ECLASS_INTERNAL, -1, "out of memory");
		do
			r = recv(c->fd, c->io_buf, c->io_cap, 0);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SIGIL_WANT_READ;
			return sg_fail(c, SIGIL_ECLASS_IO, -1, "cannot receive: %s", strerror(errno));
		}
		if (r == 0)
			return sg_fail(c, SIGIL_ECLASS_IO, -1, "%s",
				       c->state & SIGIL_ST_HANDSHAKING ?
				       "the peer closed the connection during the handshake" :
				       "the peer closed the connection without close_notify "
				       "(the data may be truncated)");
		c->io_off = 0;
		c->io_len = (size_t)r;
	}
	size_t used;
	int ret = sigil_conn_recv_net(c, c->io_buf + c->io_off, c->io_len - c->io_off, &used);
	c->io_off += used;
	return ret;
}

int sigil_io_handshake(sigil_conn *c)
{
	if (c->fd < 0)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "sigil_io_handshake: no descriptor attached");
	for (;;) {
		/* Done: what the handshake left queued (a client's Finished, a
		 * server's tickets) goes out with the first write, or before
		 * the first read blocks: one send instead of two. */
		if (c->started && !(c->state & (SIGIL_ST_HANDSHAKING | SIGIL_ST_FAILED)))
			return SIGIL_OK;
		int r = flush(c);
		if (r != SIGIL_OK)
			return r;
		r = feed(c);
		if (r != SIGIL_OK) {
			if (r == SIGIL_ERROR)
				(void)flush(c); /* the alert, if any */
			return r;
		}
	}
}

static ssize_t io_status(int r)
{
	return r == SIGIL_WANT_READ ? SIGIL_IO_WANT_READ : r == SIGIL_WANT_WRITE ? SIGIL_IO_WANT_WRITE : SIGIL_ERROR;
}

ssize_t sigil_io_read(sigil_conn *c, void *buf, size_t len)
{
	int r = sigil_io_handshake(c);
	if (r != SIGIL_OK)
		return io_status(r);
	for (;;) {
		size_t got;
		if (sigil_conn_read_app(c, buf, len, &got) < 0)
			return SIGIL_ERROR;
		if (got)
			return (ssize_t)got;
		if (c->state & SIGIL_ST_PEER_CLOSED)
			return 0;
		if (len == 0)
			return 0;
		/* Before waiting for the peer, send what we owe it (the end of
		 * the handshake, a KeyUpdate answer): it may be waiting for it.
		 * With data to return, it goes out with our next write. */
		r = flush(c);
		if (r == SIGIL_ERROR)
			return SIGIL_ERROR;
		r = feed(c);
		if (r != SIGIL_OK) {
			if (r == SIGIL_ERROR)
				(void)flush(c);
			return io_status(r);
		}
	}
}

ssize_t sigil_io_write(sigil_conn *c, const void *buf, size_t len)
{
	int r = sigil_io_handshake(c);
	if (r != SIGIL_OK)
		return io_status(r);
	/* Queue (up to the engine's hold limit, so output stays bounded),
	 * then send it all at once. */
	size_t used;
	if (sigil_conn_write_app(c, buf, len, &used) < 0)
		return SIGIL_ERROR;
	if (used == 0 && len) {
		r = flush(c);
		if (r != SIGIL_OK)
			return io_status(r);
		if (sigil_conn_write_app(c, buf, len, &used) < 0)
			return SIGIL_ERROR;
	}
	r = flush(c);
	if (r == SIGIL_ERROR)
		return SIGIL_ERROR;
	/* Bytes taken are protected and queued; a non-blocking caller
	 * flushes the rest by calling again. */
	return (ssize_t)used;
}

int sigil_io_flush(sigil_conn *c)
{
	if (c->fd < 0)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "sigil_io_flush: no descriptor attached");
	return flush(c);
}

int sigil_io_close(sigil_conn *c)
{
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;
	if (!(c->state & SIGIL_ST_CLOSED) && sigil_conn_close_notify(c) < 0)
		return SIGIL_ERROR;
	return flush(c);
}
