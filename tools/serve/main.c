/*
 * sigil serve: options, start-up, worker threads and signals.
 *
 * SIGTERM/SIGINT stop accepting, let responses in flight finish and close
 * with close_notify; SIGHUP reloads the certificate and key (new
 * connections use the new config, old ones keep theirs).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"
#include "../ca.h"
#include "../tools.h"

/* The only file-scope mutable state of the server: a signal handler is
 * given no pointer, so it can only set flags it finds by name.  Written
 * by the handler, read and cleared by the main thread (the signals are
 * blocked in every other thread). */
static volatile sig_atomic_t got_stop, got_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
}

/* mkdir -p of the directories above path (sg_ca_ensure_dev makes path
 * itself): on a fresh machine ~/.local/share may not exist yet. */
static void make_parents(const char *path)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return;         /* sg_ca_ensure_dev will say why */
		*s = '/';
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sigil serve [options]\n"
		"  --listen HOST:PORT     address to listen on (default 127.0.0.1:8443)\n"
		"  --cert CHAIN.pem       certificate chain, leaf first (default: a localhost\n"
		"  --key KEY.pem          certificate from the development CA in $SIGIL_HOME)\n"
		"  --root DIR             serve static files from DIR (default: a built-in page\n"
		"                         showing the visitor's TLS parameters)\n"
		"  --threads N            worker threads (default: the number of cores)\n"
		"  --alpn LIST            ALPN protocols (default http/1.1)\n"
		"  --access-log FILE      Common Log Format plus TLS version and suite\n"
		"  --client-ca FILE       ask for client certificates from this CA\n"
		"  --ticket-keys FILE     session ticket keys shared by a fleet (docs/fleet.md;\n"
		"                         re-read on SIGHUP; default: random per process)\n"
		"  --require-client-cert  refuse clients without one (with --client-ca)\n"
		"  --client-crl FILE      refuse revoked client certificates (re-read on SIGHUP)\n"
		"  --authz FILE           per-path rules: lines 'PREFIX SUBJECT', e.g.\n"
		"                         '/admin/ CN=alice, O=Example' or '/members/ *'\n"
		"  --handshake-timeout S  drop a handshake after S seconds (default 10)\n"
		"  --idle-timeout S       drop an idle connection after S seconds (default 60)\n"
		"  --max-conns N          connections per thread (default 10000)\n"
		"  -v                     log handshakes and errors to stderr\n"
		"SIGTERM/SIGINT: finish responses in flight and stop; SIGHUP: reload the\n"
		"certificate, key and ticket keys.\n");
}

int do_serve(int argc, char **argv)
{
	struct server srv = { 0 };
	struct server *s = &srv;
	struct serve_opts *o = &s->o;
	*o = (struct serve_opts){ .listen = "127.0.0.1:8443", .alpn = "http/1.1", .threads = 0,
				  .handshake_timeout = 10, .idle_timeout = 60, .max_conns = 10000,
				  .client_auth = SIGIL_CLIENT_AUTH_REQUEST };
	s->root_fd = -1;
	s->access_fd = -1;
	pthread_mutex_init(&s->cfg_lock, NULL);
	pthread_mutex_init(&s->log_lock, NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name, field) if (strcmp(a, name) == 0 && v) { field = v; i++; continue; }
#define NUM(name, field) if (strcmp(a, name) == 0 && v) { field = atoi(v); i++; continue; }
		ARG("--listen", o->listen)
		ARG("--cert", o->cert)
		ARG("--key", o->key)
		ARG("--root", o->root)
		ARG("--alpn", o->alpn)
		ARG("--access-log", o->access_log)
		ARG("--client-ca", o->client_ca)
		ARG("--client-crl", o->client_crl)
		ARG("--authz", o->authz)
		ARG("--ticket-keys", o->ticket_keys)
		NUM("--threads", o->threads)
		NUM("--handshake-timeout", o->handshake_timeout)
		NUM("--idle-timeout", o->idle_timeout)
		NUM("--max-conns", o->max_conns)
		if (strcmp(a, "--require-client-cert") == 0) { o->client_auth = SIGIL_CLIENT_AUTH_REQUIRE; continue; }
		if (strcmp(a, "--request-client-cert") == 0) { o->client_auth = SIGIL_CLIENT_AUTH_REQUEST; continue; }
		if (strcmp(a, "-v") == 0) { o->verbose = 1; continue; }
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); return 0; }
		fprintf(stderr, "sigil serve: unknown or incomplete option \"%s\"\n", a);
		usage(stderr);
		return 2;
	}
	if (!o->cert != !o->key) {
		fprintf(stderr, "sigil serve: --cert and --key go together\n");
		return 2;
	}
	if (o->threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o->threads = n > 0 ? (int)n : 1;
	}
	if (o->handshake_timeout <= 0 || o->idle_timeout <= 0 || o->max_conns <= 0) {
		fprintf(stderr, "sigil serve: timeouts and limits must be positive\n");
		return 2;
	}
	char dev_cert[4096], dev_key[4096];
	char err[512];
	if (!o->cert) {
		const char *home = getenv("SIGIL_HOME");
		char path[4096];
		if (!home || !*home) {
			const char *h = getenv("HOME");
			snprintf(path, sizeof path, "%s/.local/share/sigil", h && *h ? h : ".");
			home = path;
		}
		make_parents(home);
		if (sg_ca_ensure_dev(home, s->ca_cert_shown, sizeof s->ca_cert_shown, dev_cert, dev_key,
				     sizeof dev_cert, err, sizeof err) < 0) {
			fprintf(stderr, "sigil serve: development CA: %s\n", err);
			return 1;
		}
		o->cert = dev_cert;
		o->key = dev_key;
		printf("Development CA: %s\n  trust it with: curl --cacert %s https://localhost:%s/\n", s->ca_cert_shown,
		       s->ca_cert_shown, strrchr(o->listen, ':') ? strrchr(o->listen, ':') + 1 : "8443");
	}
	if (o->root) {
		if (!realpath(o->root, s->root_real)) {
			fprintf(stderr, "sigil serve: --root %s: %s\n", o->root, strerror(errno));
			return 1;
		}
		s->root_fd = open(s->root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->root_fd < 0) {
			fprintf(stderr, "sigil serve: --root %s: not a directory\n", o->root);
			return 1;
		}
	}
	if (o->authz && load_authz(s, o->authz) < 0)
		return 1;
	if ((o->client_crl || o->client_auth == SIGIL_CLIENT_AUTH_REQUIRE) && !o->client_ca) {
		fprintf(stderr, "sigil serve: --client-crl and --require-client-cert need --client-ca\n");
		return 2;
	}
	if (o->access_log &&
	    (s->access_fd = open(o->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "sigil serve: --access-log %s: %s\n", o->access_log, strerror(errno));
		return 1;
	}
	FILE *ur = fopen("/dev/urandom", "rb");
	if (!ur || fread(s->ticket_key, 1, sizeof s->ticket_key, ur) != sizeof s->ticket_key) {
		fprintf(stderr, "sigil serve: cannot read /dev/urandom\n");
		return 1;
	}
	fclose(ur);
	s->cfg = config_load(s);
	if (!s->cfg)
		return 1;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s->nworkers = o->threads;
	s->workers = calloc((size_t)o->threads, sizeof *s->workers);
	if (!s->workers) {
		fprintf(stderr, "sigil serve: out of memory\n");
		return 1;
	}
	for (int i = 0; i < o->threads; i++) {
		worker *w = &s->workers[i];
		w->id = i;
		w->srv = s;
		w->lfd = listen_socket(o->listen);
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->lfd < 0) {
			fprintf(stderr, "sigil serve: cannot listen on %s: %s\n", o->listen, strerror(errno));
			return 1;
		}
	}
	/* Signals go to the main thread only. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < o->threads; i++)
		pthread_create(&s->workers[i].tid, NULL, worker_main, &s->workers[i]);
	printf("sigil serve: https://%s/ (%d thread%s)%s%s\n", o->listen, o->threads, o->threads == 1 ? "" : "s",
	       o->root ? ", root " : "", o->root ? s->root_real : "");
	fflush(stdout);

	/* The signals stay blocked except inside sigsuspend, so one arriving
	 * between the test and the wait is not lost. */
	while (!got_stop) {
		sigsuspend(&old);
		if (got_reload) {
			got_reload = 0;
			config_reload(s);
		}
	}
	atomic_store(&s->stopping, 1);
	for (int i = 0; i < o->threads; i++) {
		uint64_t one = 1;
		if (write(s->workers[i].efd, &one, sizeof one) < 0) { /* the 250 ms tick wakes it too */ }
	}
	for (int i = 0; i < o->threads; i++) {
		pthread_join(s->workers[i].tid, NULL);
		close(s->workers[i].ep);
		close(s->workers[i].efd);
	}
	free(s->workers);
	free(s->authz);
	sigil_config_free(s->cfg);
	if (s->access_fd >= 0)
		close(s->access_fd);
	if (s->root_fd >= 0)
		close(s->root_fd);
	fprintf(stderr, "sigil serve: stopped\n");
	return 0;
}
