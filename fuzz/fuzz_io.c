/*
 * libFuzzer target: the file-descriptor layer (src/io/io.c) of a server
 * over a real socket, fed a client's bytes.
 *
 * Input: as fuzz_server's (first byte: how the bytes are cut; then what a
 * client sends), so its seeds serve here too.  The bytes are written into
 * the other end of a socketpair in pieces, the server's socket is
 * non-blocking, and between pieces the server runs sigil_io_handshake,
 * then sigil_io_read, sigil_io_write and sigil_io_close as a program
 * would; what it sends is drained.  Bit 0x80 of the first byte makes the
 * peer hang up (shutdown) after its bytes, so the truncation paths run.
 *
 * Oracles: every call returns one of the values sigil.h lists; a failure
 * comes with an error sentence; a read never returns more than asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sigil_config *sc;

static void drain(int fd)
{
	uint8_t sink[16384];
	while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
	}
}

static bool io_status(ssize_t r)
{
	return r == SIGIL_OK || r == SIGIL_ERROR || r == SIGIL_WANT_READ || r == SIGIL_WANT_WRITE ||
	       r == SIGIL_IO_WANT_READ || r == SIGIL_IO_WANT_WRITE;
}

/* One step of what a program does with a connection; false once it is
 * over (failed or closed). */
static bool step(sigil_conn *s, bool *connected)
{
	if (!*connected) {
		int r = sigil_io_handshake(s);
		if (!io_status(r))
			abort();
		if (r == SIGIL_ERROR) {
			if (!*sigil_conn_error(s))
				abort();
			return false;
		}
		if (r != SIGIL_OK)
			return true;
		*connected = true;
	}
	uint8_t buf[512];
	ssize_t n = sigil_io_read(s, buf, sizeof buf);
	if (n > (ssize_t)sizeof buf || (n < 0 && !io_status(n)))
		abort();
	if (n > 0) {
		ssize_t w = sigil_io_write(s, buf, (size_t)n);
		if (w > n || (w < 0 && !io_status(w)))
			abort();
		return w != SIGIL_ERROR;
	}
	if (n == 0) {
		/* close_notify from the peer: ours back. */
		int r = sigil_io_close(s);
		if (!io_status(r))
			abort();
		return false;
	}
	if (n == SIGIL_ERROR && !*sigil_conn_error(s))
		abort();
	return n != SIGIL_ERROR;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!sc && !(sc = fuzz_server_config(NULL)))
		abort();
	size_t chunk = data[0] & 1 ? size : (size_t)(data[0] & 0x7f) / 2 + 1;
	bool hangup = data[0] & 0x80;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		abort();
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
	if (!s || sigil_io_attach(s, sv[0]) != SIGIL_OK)
		abort();
	bool connected = false, alive = true;
	const uint8_t *p = data + 1;
	size_t left = size - 1;
	while (alive && left) {
		size_t k = left < chunk ? left : chunk;
		ssize_t w = send(sv[1], p, k, MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			left -= (size_t)w;
		}
		drain(sv[1]);
		alive = step(s, &connected);
	}
	if (alive && hangup) {
		shutdown(sv[1], SHUT_WR);
		alive = step(s, &connected);
	}
	/* Whatever is left: what a program does at the end. */
	if (alive && connected) {
		if (!io_status(sigil_io_flush(s)))
			abort();
		drain(sv[1]);
		if (!io_status(sigil_io_close(s)))
			abort();
	}
	drain(sv[1]);
	sigil_conn_free(s);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
