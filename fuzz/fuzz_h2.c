/*
 * sigil serve's HTTP/2 glue (tools/serve/h2.c): a client's bytes after
 * TLS, as sigil_io_read would hand them over, through nghttp2 into our
 * callbacks (request fields, the 431 / header-block / stream limits,
 * the RST_STREAM, SETTINGS and PING budgets of RFC 9113 10.5), answered
 * by the same start_response as HTTP/1.1 (built-in page, or files from
 * a small --root made once, with authz), the answers sent back through
 * nghttp2's send path and parsed here as frames.
 *
 * h2.c is compiled in unchanged: its four I/O calls are renamed by
 * macros to the functions below, and mono_ms is a fake clock that moves
 * 10 ms per read, so the budgets' windows are deterministic.
 *
 * Streams under /p/ go to a --proxy route whose upstream is played here
 * (tools/serve/proxy.c and h2proxy.c compiled in too): a unix socket
 * that accepts every connection h2proxy.c makes, reads its request, and
 * answers with the bytes after the marker "\xff\xfeUP" in the input
 * (none: no answer but the close), through the same epoll loop conn.c
 * runs (conn_kick is h2_step here).
 *
 * Input: byte 0 selects the setup (bit 0: --root, bit 1: an authz rule,
 * bit 2: a client certificate "CN=alice", bit 3: short writes, bits 4-5:
 * read size 1 / 7 / 100 / 16384, bit 6: h2_drain after the input, bit 7:
 * h2_timeout); the rest is the client's stream, prefixed with the
 * connection preface (RFC 9113 3.4) so the fuzzer need not find it.
 *
 * Oracles: no crash, leak (LeakSanitizer) or descriptor left open after
 * h2_free; the server's output is a well-formed frame sequence (9-byte
 * headers, lengths within the 16384 default SETTINGS_MAX_FRAME_SIZE);
 * a connection h2.c marked calm (a limit hit, or a fatal nghttp2 error)
 * has sent a GOAWAY.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "../tools/serve/respond.c"
#include "../tools/serve/files.c"
#include "../tools/serve/authz.c"
#include "../tools/serve/log.c"

static ssize_t fz_io_read(sigil_conn *c, void *buf, size_t len);
static int fz_write_app(sigil_conn *c, const uint8_t *data, size_t len, size_t *used);
static int fz_io_flush(sigil_conn *c);
#define sigil_io_read fz_io_read
#define sigil_conn_write_app fz_write_app
#define sigil_io_flush fz_io_flush
#include "../tools/serve/h2.c"
#include "../tools/serve/proxy.c"
#include "../tools/serve/h2proxy.c"
#undef sigil_io_read
#undef sigil_conn_write_app
#undef sigil_io_flush

/* conn.c's, for an upstream's event: the connection stepped as on_ready
 * would, its last answer kept for the oracles. */
static int kicked = -2;
void conn_kick(worker *w, hconn *c)
{
	if (kicked != SIGIL_WANT_READ && kicked != -2)
		return;         /* conn.c would have closed it */
	for (unsigned rounds = 0; rounds < 100000; rounds++)
		if ((kicked = h2_step(w, c)) != SIGIL_WANT_WRITE)
			break;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* reload.c's, for the built-in page's certificate line. */
void cert_label(const uint8_t *der, size_t len, char *out, size_t cap)
{
	(void)der, (void)len;
	snprintf(out, cap, "fuzz");
}

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static int64_t now_ms;
int64_t mono_ms(void)
{
	return now_ms;
}

static struct {
	const uint8_t *p;
	size_t n, off, rd;
	bool short_writes, blocked;
	/* the output as frames */
	uint8_t hd[9];
	size_t hd_got, left;
	bool goaway;
	size_t out_total;
} io;

static ssize_t fz_io_read(sigil_conn *c, void *buf, size_t len)
{
	(void)c;
	if (io.off >= io.n)
		return SIGIL_IO_WANT_READ;
	size_t k = io.n - io.off;
	if (k > io.rd)
		k = io.rd;
	if (k > len)
		k = len;
	memcpy(buf, io.p + io.off, k);
	io.off += k;
	now_ms += 10;
	return (ssize_t)k;
}

/* The output, frame by frame (RFC 9113 4.1). */
static void out_frames(const uint8_t *p, size_t n)
{
	io.out_total += n;
	while (n) {
		if (io.left) {
			size_t k = n < io.left ? n : io.left;
			p += k, n -= k, io.left -= k;
			continue;
		}
		io.hd[io.hd_got++] = *p++, n--;
		if (io.hd_got < 9)
			continue;
		io.hd_got = 0;
		size_t len = (size_t)io.hd[0] << 16 | (size_t)io.hd[1] << 8 | io.hd[2];
		if (len > 16384)
			abort();        /* over the peer's default SETTINGS_MAX_FRAME_SIZE */
		if (io.hd[3] == NGHTTP2_GOAWAY)
			io.goaway = true;
		io.left = len;
	}
}

static int fz_write_app(sigil_conn *c, const uint8_t *data, size_t len, size_t *used)
{
	(void)c;
	size_t k = len;
	if (io.short_writes && k > 1000)
		k = 1000;
	out_frames(data, k);
	*used = k;
	io.blocked = io.short_writes;
	return SIGIL_OK;
}

static int fz_io_flush(sigil_conn *c)
{
	(void)c;
	if (io.blocked) {
		io.blocked = false;
		return SIGIL_WANT_WRITE;
	}
	return SIGIL_OK;
}

static struct server fsrv;
static worker wk;
static sigil_config *cfg;
static sigil_conn *tls;
static char rootdir[] = "/tmp/fuzz_h2.XXXXXX";
static struct authz_rule rule = { "/private/", "CN=alice" };
static struct proxy_route route;
static int up_listen = -1;

/* The upstream's side: accept what h2proxy.c connected, take its
 * request, send it resp (once per connection), then close our end of
 * the writing; run the events that makes until none is left. */
static void play_upstream(hconn *c, const uint8_t *resp, size_t rlen)
{
	int ups[64];
	bool answered[64] = { false };
	size_t nups = 0;
	for (unsigned round = 0; round < 64; round++) {
		int fd;
		while (nups < 64 && (fd = accept4(up_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
			ups[nups++] = fd;
		for (size_t i = 0; i < nups; i++) {
			char junk[4096];
			while (recv(ups[i], junk, sizeof junk, 0) > 0)
				;
			if (!answered[i]) {
				answered[i] = true;
				if (rlen && send(ups[i], resp, rlen, MSG_NOSIGNAL) < 0) {
					/* the proxy has gone: nothing to answer */
				}
				shutdown(ups[i], SHUT_WR);
			}
		}
		struct epoll_event evs[64];
		int n = epoll_wait(wk.ep, evs, 64, 0);
		if (n <= 0 && round > 2)
			break;
		for (int i = 0; i < n && c->h2; i++)
			h2p_event(&wk, (void *)((uintptr_t)evs[i].data.ptr & ~H2P_TAG), evs[i].events);
		h2p_reap(&wk);
		now_ms += 100;
	}
	for (size_t i = 0; i < nups; i++)
		close(ups[i]);
}

static void put_file(const char *name, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", rootdir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	for (size_t i = 0; i < len; i++)
		fputc('a' + (int)(i % 26), f);
	fclose(f);
}

static void cleanup(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", rootdir);
	if (system(cmd) != 0)
		return;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (!mkdtemp(rootdir))
		abort();
	atexit(cleanup);
	char d[600];
	snprintf(d, sizeof d, "%s/sub", rootdir);
	mkdir(d, 0755);
	snprintf(d, sizeof d, "%s/private", rootdir);
	mkdir(d, 0755);
	put_file("index.html", 300);
	put_file("big.txt", 70000);  /* several DATA frames, past the initial window */
	put_file("sub/a.css", 10);
	put_file("private/secret.txt", 20);
	put_file("empty", 0);
	/* The upstream, behind /p/. */
	memcpy(route.prefix, "/p/", 4);
	route.plen = 3;
	route.is_unix = true;
	snprintf(route.path, sizeof route.path, "%s/up.sock", rootdir);
	pthread_mutex_init(&route.lock, NULL);
	fsrv.proxies = &route;
	fsrv.nproxy = 1;
	fsrv.o.proxy_connect_timeout = 5;
	fsrv.o.proxy_first_byte_timeout = 30;
	fsrv.o.proxy_idle_timeout = 60;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", route.path);
	up_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	wk.ep = epoll_create1(EPOLL_CLOEXEC);
	if (up_listen < 0 || bind(up_listen, (struct sockaddr *)&a, sizeof a) < 0 || listen(up_listen, 128) < 0 ||
	    wk.ep < 0)
		abort();
	fsrv.root_fd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fsrv.root_fd < 0 || !realpath(rootdir, fsrv.root_real))
		abort();
	fsrv.access_fd = -1;
	fsrv.lock_fd = -1;
	fsrv.o.idle_timeout = 60;
	fsrv.o.verbose = getenv("FUZZ_H2_VERBOSE") != NULL;       /* h2.c's verdicts on stderr */
	pthread_mutex_init(&fsrv.log_lock, NULL);
	pthread_mutex_init(&fsrv.cfg_lock, NULL);
	snprintf(fsrv.ca_cert_shown, sizeof fsrv.ca_cert_shown, "/x/ca.crt");
	wk.srv = &fsrv;
	cfg = sigil_config_new();
	tls = cfg ? sigil_conn_new(cfg, SIGIL_SERVER) : NULL;
	if (!tls)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t rd[] = { 1, 7, 100, 16384 };
	if (size < 1 || size > 1 << 20)
		return 0;
	uint8_t mode = data[0];
	static const uint8_t marker[] = { 0xff, 0xfe, 'U', 'P' };
	const uint8_t *resp = NULL;
	size_t rlen = 0;
	const uint8_t *m = memmem(data + 1, size - 1, marker, sizeof marker);
	if (m) {
		resp = m + sizeof marker;
		rlen = (size_t)(data + size - resp);
		size = (size_t)(m - data);
	}
	uint8_t *in = malloc(sizeof preface - 1 + size - 1);
	if (!in)
		return 0;
	memcpy(in, preface, sizeof preface - 1);
	memcpy(in + sizeof preface - 1, data + 1, size - 1);
	memset(&io, 0, sizeof io);
	io.p = in;
	io.n = sizeof preface - 1 + size - 1;
	io.rd = rd[(mode >> 4) & 3];
	io.short_writes = mode & 8;
	now_ms = 1000000;
	fsrv.o.root = (mode & 1) ? rootdir : NULL;
	fsrv.authz = (mode & 2) ? &rule : NULL;
	fsrv.nauthz = (mode & 2) ? 1 : 0;

	hconn c;
	memset(&c, 0, sizeof c);
	c.fd = -1;
	c.file = -1;
	c.tls = tls;
	c.st = C_H2;
	c.user = (mode & 4) ? "CN=alice" : NULL;
	snprintf(c.peer, sizeof c.peer, "fuzz");
	int fd_before = open("/dev/null", O_RDONLY);
	close(fd_before);

	if (h2_start(&wk, &c) != 0)
		abort();
	int r;
	/* As conn.c drives it: step until it wants input we do not have,
	 * or says close (0 / -1).  Bounded: every round either consumes
	 * input or (short writes) moves output along. */
	for (unsigned rounds = 0;; rounds++) {
		r = h2_step(&wk, &c);
		if (r == SIGIL_WANT_WRITE && rounds < 1000000)
			continue;
		break;
	}
	if (r == SIGIL_WANT_READ) {
		kicked = -2;
		play_upstream(&c, resp, rlen);
		if (kicked != -2)
			r = kicked;
	}
	if (r == SIGIL_WANT_READ) {
		if (mode & 0x40) {
			if (h2_drain(&c) != 1)
				abort();
			for (unsigned rounds = 0; rounds < 100000; rounds++)
				if (h2_step(&wk, &c) != SIGIL_WANT_WRITE)
					break;
		}
		if (mode & 0x80) {
			io.short_writes = false;
			h2_timeout(&c);
			if (!io.goaway)
				abort();        /* the idle timeout says GOAWAY */
		}
	}
	if (c.h2->calm && r != SIGIL_WANT_WRITE && !io.goaway)
		abort();                /* a limit hit, or nghttp2's fatal error, without GOAWAY */
	h2_free(&c);
	if (c.h2)
		abort();
	h2p_reap(&wk);
	/* the pool's connections are this iteration's */
	while (route.npool)
		close(route.pool[--route.npool]);
	free(c.mem);
	int fd_after = open("/dev/null", O_RDONLY);
	close(fd_after);
	if (fd_after != fd_before)
		abort();                /* a stream's file left open */
	free(in);
	return 0;
}
