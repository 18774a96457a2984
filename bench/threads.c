/*
 * bench/threads.c: does the engine scale with threads?  (issue 9: "no lock
 * taken per handshake on a shared path: two server threads give close to
 * twice one thread's handshakes on two cores").
 *
 *   threads CERT KEY [SECONDS [1|2]]   (with 1 or 2: that setting only)
 *
 * Each thread runs complete TLS 1.3 handshakes in memory (X25519, ECDSA
 * P-256, AES-128-GCM; the server sends its two session tickets), both ends
 * in the same thread, on ONE server config and ONE client config shared by
 * every thread: the certificate chain, the signing key, the ticket keys and
 * the config reference counts are the shared paths a multi-threaded server
 * uses.  No sockets, so the load generator does not take one of the two
 * cores.  Prints handshakes per second for 1 and for 2 threads and the
 * ratio; 2.00 is perfect scaling.  Wall-clock based: run it on a quiet
 * machine.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigil.h"

static sigil_config *srv_cfg, *cli_cfg;
static atomic_bool go, halt;

static double wall(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail(const char *what)
{
	fprintf(stderr, "threads: %s\n", what);
	exit(1);
}

static int move(sigil_conn *from, sigil_conn *to)
{
	size_t n, used = 0;
	const uint8_t *p = sigil_conn_send_buf(from, &n);
	if (!n)
		return 0;
	if (sigil_conn_recv_net(to, p, n, &used) != SIGIL_OK)
		return -1;
	sigil_conn_send_ack(from, used);
	return 1;
}

/* One connection: handshake, a request and its answer. */
static void one(void)
{
	sigil_conn *s = sigil_conn_new(srv_cfg, SIGIL_SERVER);
	sigil_conn *c = sigil_conn_new(cli_cfg, SIGIL_CLIENT);
	if (!c || !s || sigil_conn_set_server_name(c, "localhost") != SIGIL_OK)
		fail("conn");
	for (int i = 0; i < 20 && ((sigil_conn_state(c) | sigil_conn_state(s)) & SIGIL_ST_HANDSHAKING); i++)
		if (move(c, s) < 0 || move(s, c) < 0)
			fail(sigil_conn_error(c)[0] ? sigil_conn_error(c) : sigil_conn_error(s));
	static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	size_t used, got;
	uint8_t buf[256];
	if (sigil_conn_write_app(c, (const uint8_t *)req, sizeof req - 1, &used) != SIGIL_OK ||
	    move(c, s) < 0 || sigil_conn_read_app(s, buf, sizeof buf, &got) != SIGIL_OK || got != sizeof req - 1 ||
	    sigil_conn_write_app(s, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, &used) != SIGIL_OK ||
	    move(s, c) < 0 || sigil_conn_read_app(c, buf, sizeof buf, &got) != SIGIL_OK || got != 19)
		fail("request");
	sigil_conn_free(c);
	sigil_conn_free(s);
}

static void *worker(void *arg)
{
	long *count = arg;
	while (!atomic_load(&go))
		;
	while (!atomic_load(&halt)) {
		one();
		(*count)++;
	}
	return NULL;
}

static double run(int nthreads, double seconds)
{
	pthread_t t[2];
	long counts[2] = { 0, 0 };
	atomic_store(&go, false);
	atomic_store(&halt, false);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, worker, &counts[i]) != 0)
			fail("pthread_create");
	double t0 = wall();
	atomic_store(&go, true);
	struct timespec d = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&d, NULL);
	atomic_store(&halt, true);
	long total = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		total += counts[i];
	}
	return (double)total / (wall() - t0);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		fail("usage: threads CERT KEY [SECONDS]");
	double seconds = argc > 3 ? atof(argv[3]) : 3.0;
	srv_cfg = sigil_config_new();
	cli_cfg = sigil_config_new();
	if (!srv_cfg || !cli_cfg || sigil_config_add_cert_key_file(srv_cfg, argv[1], argv[2]) != SIGIL_OK ||
	    sigil_config_insecure_noverify(cli_cfg) != SIGIL_OK || sigil_config_set_groups(cli_cfg, "x25519") != SIGIL_OK)
		fail("configs");
	one();  /* warm-up: first-use initialisation outside the timing */
	if (argc > 4) {         /* one setting only, for a profiler */
		int k = atoi(argv[4]) == 2 ? 2 : 1;
		printf("   %d thread(s): %.0f hs/s\n", k, run(k, seconds));
		return 0;
	}
	double best1 = 0, best2 = 0;
	for (int r = 0; r < 3; r++) {   /* interleaved, best of three each */
		double a = run(1, seconds), b = run(2, seconds);
		printf("   round %d: 1 thread %8.0f hs/s   2 threads %8.0f hs/s   (%.2fx)\n", r + 1, a, b, b / a);
		if (a > best1)
			best1 = a;
		if (b > best2)
			best2 = b;
	}
	printf("   best: 1 thread %.0f hs/s, 2 threads %.0f hs/s: %.2fx (2.00 = perfect)\n", best1, best2, best2 / best1);
	sigil_config_free(srv_cfg);
	sigil_config_free(cli_cfg);
	return 0;
}
