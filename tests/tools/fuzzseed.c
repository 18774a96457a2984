/*
 * fuzzseed: makes the seed corpora of the engine fuzz targets, with the
 * same deterministic hooks and configs as the targets (fuzz/fuzz_common.h),
 * so that captured encrypted flights still decrypt when a target replays
 * them.
 *
 *   fuzzseed gen DIR              sigil-to-sigil seeds, in memory, into
 *                                 DIR/fuzz_{server,client,record,handshake_msgs}/
 *   fuzzseed listen PORT FILE     accept one TCP connection on 127.0.0.1,
 *                                 save the peer's ClientHello as a
 *                                 fuzz_server seed (openssl s_client,
 *                                 gnutls-cli, curl ...)
 *   fuzzseed connect PORT FILE    send the fuzz client's ClientHello to
 *                                 127.0.0.1:PORT and save the server's
 *                                 answer as a fuzz_client seed (openssl
 *                                 s_server, gnutls-serv ...)
 *
 * Seeds of fuzz_server and fuzz_client start with the chunk byte 0x01
 * (all input in one call).  A tool: it exits on failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../fuzz/fuzz_common.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzzseed: %s\n", what);
	exit(1);
}

static void save(const char *dir, const char *target, const char *name, const uint8_t *prefix,
		 size_t plen, const uint8_t *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(prefix, 1, plen, f) != plen || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path);
	printf("  %s (%zu bytes)\n", path, plen + n);
}

/* Append everything a has queued to w, then deliver it to b. */
static void relay(sigil_conn *a, sigil_conn *b, sg_wr *w)
{
	size_t n;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	if (p && w)
		sg_wr_bytes(w, p, n);
	fuzz_move(a, b);
}

/* Seeds for fuzz_server and fuzz_client from one sigil handshake. */
static void gen_flights(const char *dir, const char *name, sigil_config *cc, sigil_config *sc)
{
	static const uint8_t one[1] = { 1 }, bytewise[1] = { 0 };
	sg_wr cw, sw;
	sg_wr_init(&cw, NULL, 0, 1u << 20);
	sg_wr_init(&sw, NULL, 0, 1u << 20);
	sigil_conn *c = fuzz_client(cc), *s = sigil_conn_new(sc, SIGIL_SERVER);
	for (int i = 0; i < 6; i++) {
		relay(c, s, &cw);
		relay(s, c, &sw);
	}
	if (!(sigil_conn_state(c) & sigil_conn_state(s) & SIGIL_ST_CONNECTED))
		die(sigil_conn_error(c)[0] ? sigil_conn_error(c) : sigil_conn_error(s));
	char n[128];
	snprintf(n, sizeof n, "sigil-%s", name);
	save(dir, "fuzz_server", n, one, 1, cw.buf, cw.len);
	save(dir, "fuzz_client", n, one, 1, sw.buf, sw.len);
	snprintf(n, sizeof n, "sigil-%s-bytewise", name);
	save(dir, "fuzz_server", n, bytewise, 1, cw.buf, cw.len);
	save(dir, "fuzz_client", n, bytewise, 1, sw.buf, sw.len);
	/* fuzz_record modes 0 and 1: the same flights, cut in 7-byte pieces. */
	static const uint8_t m0[2] = { 0, 7 }, m1[2] = { 1, 7 };
	snprintf(n, sizeof n, "server-%s", name);
	save(dir, "fuzz_record", n, m0, 2, cw.buf, cw.len);
	snprintf(n, sizeof n, "client-%s", name);
	save(dir, "fuzz_record", n, m1, 2, sw.buf, sw.len);
	sigil_conn_free(c);
	sigil_conn_free(s);
	sg_wr_free(&cw);
	sg_wr_free(&sw);
}

/* The plaintext of the record the target would read next, as a
 * fuzz_handshake_msgs seed: state, type, body. */
static void gen_msg(const char *dir, enum fuzz_state st, sigil_config *cc, sigil_config *sc, const char *suffix)
{
	static const char *names[FZ_STATES] = { "s-ch", "s-ch2", "c-sh", "c-ee", "c-cr", "c-cert", "c-cv",
						 "c-fin", "s-cert", "s-cv", "s-fin", "c-post", "s-post" };
	fuzz_hs h;
	if (fuzz_hs_setup(&h, st, cc, sc) < 0 || h.next >= h.nrec)
		die("handshake set-up");
	const uint8_t *rec = h.rec[h.next], *m;
	size_t n = sg_load16(rec + 3);
	if (rec[0] == SG_CT_HANDSHAKE) {
		m = rec + SG_RECORD_HEADER;
	} else {
		/* Decrypted in place: the target's input buffer keeps the
		 * plaintext (then the content type) after processing. */
		if (fuzz_forward(&h, 1) < 0)
			die("forwarding a record");
		m = h.target->in + SG_RECORD_HEADER;
		n -= SG_AEAD_TAG + 1;
	}
	if (n < 4)
		die("short message");
	uint8_t pre[2] = { (uint8_t)st, m[0] };
	char name[64];
	snprintf(name, sizeof name, "%s%s", names[st], suffix);
	save(dir, "fuzz_handshake_msgs", name, pre, 2, m + 4, n - 4);
	fuzz_hs_free(&h);
}

static void gen(const char *dir)
{
	mkdir(dir, 0755);
	sigil_config *cc = fuzz_client_config(1), *cc0 = fuzz_client_config(0);
	sigil_config *sc = fuzz_server_config(NULL), *sc_hrr = fuzz_server_config("secp384r1");
	/* A server without the hybrid: it takes the client's x25519 share. */
	sigil_config *sc_x = fuzz_server_config("x25519:secp256r1");
	if (!cc || !cc0 || !sc || !sc_hrr || !sc_x)
		die("config");
	gen_flights(dir, "client-cert", cc, sc);
	gen_flights(dir, "no-client-cert", cc0, sc);
	gen_flights(dir, "hrr", cc, sc_hrr);
	gen_flights(dir, "x25519", cc, sc_x);
	for (int st = 0; st < FZ_C_POST; st++)
		gen_msg(dir, (enum fuzz_state)st, cc, st == FZ_S_CH2 ? sc_hrr : sc, "");
	gen_msg(dir, FZ_C_SH, cc, sc_x, "-x25519");
	/* Post-handshake messages, by hand (4.6.1, 4.6.3). */
	static const uint8_t ku_c[] = { FZ_C_POST, SG_HT_KEY_UPDATE, 1 };
	static const uint8_t ku_s[] = { FZ_S_POST, SG_HT_KEY_UPDATE, 0 };
	static const uint8_t nst[] = { FZ_C_POST, SG_HT_NEW_SESSION_TICKET, 0, 0, 0x1c, 0x20, 1, 2, 3, 4,
				       2, 0xaa, 0xbb, 0, 3, 't', 'k', 't', 0, 8, 0, 42, 0, 4, 0, 0, 0x40, 0 };
	save(dir, "fuzz_handshake_msgs", "c-post-keyupdate", ku_c, 0, ku_c, sizeof ku_c);
	save(dir, "fuzz_handshake_msgs", "s-post-keyupdate", ku_s, 0, ku_s, sizeof ku_s);
	save(dir, "fuzz_handshake_msgs", "c-post-nst", nst, 0, nst, sizeof nst);
	/* fuzz_record modes 2 and 3: records of every kind, decrypted. */
	static const uint8_t recs[] = {
		SG_CT_APP, 0, 5, 'h', 'e', 'l', 'l', 'o',
		SG_CT_APP, 0, 0,                                        /* empty */
		SG_CT_ALERT, 0, 2, 1, SIGIL_ALERT_USER_CANCELED,        /* warning */
		SG_CT_HANDSHAKE, 0, 5, SG_HT_KEY_UPDATE, 0, 0, 1, 1,
		SG_CT_APP, 0, 3, 'a', 'b', 'c',
		0xff, 0, 6, SG_CT_APP, 3, 3, 0, 1, 0,                  /* raw, bad MAC */
	};
	static const uint8_t close[] = { SG_CT_APP, 0, 2, 'h', 'i', SG_CT_ALERT, 0, 2, 1, 0,
					 SG_CT_APP, 0, 2, 'n', 'o' };
	uint8_t buf[sizeof recs + 2];
	for (uint8_t mode = 2; mode < 4; mode++) {
		buf[0] = mode;
		buf[1] = 0;
		save(dir, "fuzz_record", mode == 2 ? "server-records" : "client-records", buf, 2, recs, sizeof recs);
		buf[1] = 3;
		save(dir, "fuzz_record", mode == 2 ? "server-records-3" : "client-records-3", buf, 2, recs, sizeof recs);
		buf[1] = 0;
		save(dir, "fuzz_record", mode == 2 ? "server-close" : "client-close", buf, 2, close, sizeof close);
	}
	sigil_config_free(cc);
	sigil_config_free(cc0);
	sigil_config_free(sc);
	sigil_config_free(sc_hrr);
	sigil_config_free(sc_x);
}

/* Read from fd until `enough` says stop or the peer is quiet for idle_ms. */
static size_t read_some(int fd, uint8_t *buf, size_t cap, int idle_ms, size_t (*enough)(const uint8_t *, size_t))
{
	size_t n = 0;
	while (n < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, idle_ms) <= 0)
			break;
		ssize_t r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (enough && enough(buf, n))
			break;
	}
	return n;
}

/* Whole records that hold one whole handshake message (a ClientHello). */
static size_t have_hello(const uint8_t *b, size_t n)
{
	size_t off = 0, body = 0, need = 0;
	while (off + 5 <= n) {
		size_t l = sg_load16(b + off + 3);
		if (off + 5 + l > n)
			return 0;
		if (need == 0 && l >= 4)
			need = 4 + ((size_t)b[off + 6] << 16 | (size_t)b[off + 7] << 8 | b[off + 8]);
		body += l;
		off += 5 + l;
		if (need && body >= need)
			return off;
	}
	return 0;
}

static int tcp(int port, int listening)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;
	if (fd < 0)
		die("socket");
	if (listening) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0)
			die("bind");
		int c = accept(fd, NULL, NULL);
		close(fd);
		if (c < 0)
			die("accept");
		return c;
	}
	for (int i = 0; i < 50; i++) {
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
			return fd;
		usleep(100000);
	}
	die("connect");
	return -1;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	static const uint8_t one[1] = { 1 };
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(one, 1, 1, f) != 1 || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path);
	printf("  %s (%zu bytes)\n", path, n + 1);
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	if (argc == 3 && strcmp(argv[1], "gen") == 0) {
		gen(argv[2]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "listen") == 0) {
		int fd = tcp(atoi(argv[2]), 1);
		size_t n = read_some(fd, buf, sizeof buf, 5000, have_hello);
		close(fd);
		if (!have_hello(buf, n))
			die("no whole ClientHello");
		write_file(argv[3], buf, have_hello(buf, n));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "connect") == 0) {
		sigil_config *cc = fuzz_client_config(1);
		sigil_conn *c = cc ? fuzz_client(cc) : NULL;
		if (!c)
			die("client");
		size_t n;
		const uint8_t *p = sigil_conn_send_buf(c, &n);
		int fd = tcp(atoi(argv[2]), 0);
		if (write(fd, p, n) != (ssize_t)n)
			die("write");
		sigil_conn_send_ack(c, n);
		n = read_some(fd, buf, sizeof buf, 1000, NULL);
		close(fd);
		if (n == 0)
			die("no answer");
		/* Check that the flight is one this client accepts. */
		size_t used;
		if (sigil_conn_recv_net(c, buf, n, &used) < 0)
			fprintf(stderr, "fuzzseed: note: the client refuses it: %s\n", sigil_conn_error(c));
		else if (sigil_conn_state(c) & SIGIL_ST_CONNECTED)
			printf("  the client completes its handshake on it\n");
		write_file(argv[3], buf, n);
		sigil_conn_free(c);
		sigil_config_free(cc);
		return 0;
	}
	fprintf(stderr, "usage: fuzzseed gen DIR | listen PORT FILE | connect PORT FILE\n");
	return 2;
}
