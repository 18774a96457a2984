/*
 * sigil serve: options, start-up, worker threads and signals.
 *
 * SIGTERM/SIGINT stop accepting, let responses in flight finish and close
 * with close_notify; SIGHUP reloads the certificate and key (new
 * connections use the new config, old ones keep theirs), re-reading the
 * --config file first.  --check runs the start-up checks and stops before
 * anything listens.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"
#include "../ca.h"
#include "../opt.h"
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

/* Descriptors the server holds besides its connections: stdio, the
 * logs, --root, the address lock, and per thread a listener, an epoll
 * and an eventfd; with some to spare for reloads. */
#define FD_RESERVE(threads) (32 + 3 * (threads))

/* --max-conns from RLIMIT_NOFILE: each connection may hold two
 * descriptors (its socket and the file it sends).  The soft limit is
 * raised to the hard one first, as servers commonly do. */
static void size_cons(struct serve_opts *o, bool given)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = { rl.rlim_max, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	unsigned long long nofile = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (unsigned long long)rl.rlim_cur;
	unsigned long long reserve = FD_RESERVE(o->threads);
	unsigned long long fit = nofile > reserve ? (nofile - reserve) / (2ull * (unsigned)o->threads) : 1;
	if (fit < 1)
		fit = 1;
	if (fit > 10000000)
		fit = 10000000;
	if (!given) {
		o->max_conns = (int)fit;
		if (o->verbose)
			fprintf(stderr, "sigil serve: --max-conns %d a thread (RLIMIT_NOFILE %llu)\n", o->max_conns, nofile);
	}
	else if ((unsigned long long)o->max_conns > fit)
		fprintf(stderr, "sigil serve: warning: --max-conns %d with %d thread%s needs about %llu descriptors and "
			"RLIMIT_NOFILE is %llu: past about %llu connections a thread, new ones wait (raise ulimit -n)\n",
			o->max_conns, o->threads, o->threads == 1 ? "" : "s",
			2ull * (unsigned)o->max_conns * (unsigned)o->threads + reserve, nofile, fit);
}

/* $SIGIL_HOME, or ~/.local/share/sigil: where the development CA lives. */
static const char *sigil_home(char *buf, size_t cap)
{
	const char *home = getenv("SIGIL_HOME");
	if (home && *home)
		return home;
	const char *h = getenv("HOME");
	snprintf(buf, cap, "%s/.local/share/sigil", h && *h ? h : ".");
	return buf;
}

/* --check: what start-up would do with --access-log, without creating
 * the file: it can be opened for appending, or its directory written. */
static int check_access_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
		return EX_OK;
	}
	int e = errno;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	if (e == ENOENT && access(dirname(dir), W_OK | X_OK) == 0)
		return EX_OK;
	fprintf(stderr, "sigil serve: --access-log %s: %s\n", path, strerror(e == ENOENT ? errno : e));
	return EX_FILE;
}

/* --check: the --listen host resolves as listen.c will resolve it (the
 * address is not bound: a running server may hold it). */
static int check_listen(const char *listen)
{
	char host[256], portstr[8];
	int port;
	const char *why;
	if (opt_split_hostport(listen, host, sizeof host, &port, &why) < 0) {
		fprintf(stderr, "sigil serve: --listen %s: %s\n", listen, why);
		return EX_USAGE;
	}
	snprintf(portstr, sizeof portstr, "%d", port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	int gr = getaddrinfo(host, portstr, &hints, &res);
	if (gr != 0) {
		fprintf(stderr, "sigil serve: --listen %s: cannot resolve %s: %s\n", listen, host, gai_strerror(gr));
		return EX_FAIL;
	}
	freeaddrinfo(res);
	return EX_OK;
}

/* The options SIGHUP takes from a re-read --config file: the files of the
 * TLS config that reload.c builds again.  Every other option keeps the
 * value it started with until a restart. */
static const char *const reloadable[] = { "--cert", "--key", "--client-crl", "--ticket-keys" };

static bool is_reloadable(const char *name)
{
	for (size_t i = 0; i < sizeof reloadable / sizeof reloadable[0]; i++)
		if (strcmp(name, reloadable[i]) == 0)
			return true;
	return false;
}

static const char *shown_text(const struct opt *o, const char *t)
{
	if (o->kind == OPT_FLAG)
		return t ? "on" : "off";
	return t ? t : "(not set)";
}

static void free_list(struct opt_list *l)
{
	free(l->v);
}

/* The list of a repeatable option of a parsed table (the command's or
 * an opt_shadow's). */
static struct opt_list *list_of(const struct opt_cmd *cmd, const char *name)
{
	for (size_t i = 0; i < cmd->nopts; i++)
		if (strcmp(cmd->opts[i].name, name) == 0 && cmd->opts[i].kind == OPT_LIST)
			return cmd->opts[i].dest;
	return NULL;
}

/* --cert on the command line replaces the --config file's cert lines,
 * all of them, and --key its key lines (as the command line wins over
 * the file for a single-valued option): the parser gives the file's
 * values first. */
static void drop_file_values(const struct opt_cmd *cmd, const char *name, struct opt_list *l)
{
	for (size_t i = 0; i < cmd->nopts; i++) {
		const struct opt *o = &cmd->opts[i];
		if (strcmp(o->name, name) != 0 || !o->seen || l->n <= (size_t)o->seen)
			continue;
		size_t skip = l->n - (size_t)o->seen;
		memmove(l->v, l->v + skip, (size_t)o->seen * sizeof *l->v);
		l->n = (size_t)o->seen;
	}
}

static void cmdline_wins(const struct opt_cmd *cmd, struct opt_list *certs, struct opt_list *keys)
{
	drop_file_values(cmd, "--cert", certs);
	drop_file_values(cmd, "--key", keys);
}

/*
 * SIGHUP with --config: the file again, under the same command line (which
 * still wins).  The certificate, key, client CRL and ticket keys follow
 * the file (config_reload then loads them); any other option that changed
 * is said to take a restart and keeps its running value.  A file with an
 * error, or cert and key lines that do not pair up, reloads nothing.  run is the start-up parse, *live the last
 * re-read (the reloaded paths point into it) or NULL.  Whether to go on
 * with config_reload.
 */
static bool reread_config(const struct opt_cmd *run, struct opt_cmd **live, struct serve_opts *o, const char *path,
			  int argc, char **argv)
{
	struct opt_cmd *n = opt_shadow(run);
	char *pos[1];
	int npos;
	if (!n || opt_parse(n, argc, argv, pos, &npos) != OPT_GO) {
		fprintf(stderr, "sigil serve: SIGHUP: %s: %s: nothing reloaded, the running configuration stays\n",
			path, n ? "an error (above)" : "out of memory");
		opt_shadow_free(n);
		return false;
	}
	struct opt_list *certs = list_of(n, "--cert"), *keys = list_of(n, "--key");
	const char *crl = opt_text(n, "--client-crl");
	const char *why = NULL;
	char whybuf[160];
	cmdline_wins(n, certs, keys);
	if (certs->n != keys->n) {
		snprintf(whybuf, sizeof whybuf, "cert and key go together, in pairs in the same order: %zu cert and %zu key line%s",
			 certs->n, keys->n, keys->n == 1 ? "" : "s");
		why = whybuf;
	} else if (certs->n > SIGIL_MAX_CERT_KEYS) {
		snprintf(whybuf, sizeof whybuf, "at most %d cert/key pairs", SIGIL_MAX_CERT_KEYS);
		why = whybuf;
	} else if (crl && !o->client_ca)
		why = "client-crl needs the client-ca the server started with (client-ca takes a restart)";
	if (why) {
		fprintf(stderr, "sigil serve: SIGHUP: %s: %s: nothing reloaded, the running configuration stays\n",
			path, why);
		opt_shadow_free(n);
		return false;
	}
	/* Between the development certificate and a --cert: a restart
	 * (the development CA is set up at start-up only). */
	bool dev = list_of(run, "--cert")->n == 0;
	bool dev_switch = dev != (certs->n == 0);
	for (size_t i = 0; i < run->nopts; i++) {
		const struct opt *r = &run->opts[i];
		bool reload = is_reloadable(r->name) &&
			      !(dev_switch && (strcmp(r->name, "--cert") == 0 || strcmp(r->name, "--key") == 0));
		if (reload || opt_same(run, n, r->name))
			continue;
		if (r->kind == OPT_LIST)
			fprintf(stderr, "sigil serve: SIGHUP: %s: %s changed: it takes a restart; the running value "
				"stays\n", path, r->name);
		else
			fprintf(stderr, "sigil serve: SIGHUP: %s: %s changed (%s -> %s): it takes a restart; the "
				"running value stays\n", path, r->name, shown_text(r, r->text),
				shown_text(r, opt_text(n, r->name)));
	}
	if (!dev_switch && !dev) {
		o->cert = certs->v;
		o->key = keys->v;
		o->ncerts = certs->n;
	}
	o->client_crl = crl;
	o->ticket_keys = opt_text(n, "--ticket-keys");
	opt_shadow_free(*live);
	*live = n;
	return true;
}

int do_serve(int argc, char **argv)
{
	struct server srv = { 0 };
	struct server *s = &srv;
	struct serve_opts *o = &s->o;
	int require = 0, request = 0, check = 0;
	const char *config = NULL;
	struct opt_list proxies = { 0 };
	/* The pairs' lists are the command's (opt.h): freed on every path
	 * do_serve returns by. */
	struct opt_list certs __attribute__((cleanup(free_list))) = { 0 };
	struct opt_list keys __attribute__((cleanup(free_list))) = { 0 };
	struct opt opts[] = {
		OPTION("--config", 0, OPT_CONFIG, "FILE", NULL,
		  "read options from FILE, one 'name value' a line, e.g. 'listen 0.0.0.0:443' (see sigil-serve(1)); "
		  "an option on the command line overrides the file's; SIGHUP re-reads it", &config),
		OPTION("--check", 0, OPT_FLAG, NULL, NULL,
		  "check the options, the --config file and every file they name as start-up does, print "
		  "'FILE: ok' and exit without listening", &check, .cmdline_only = true),
		OPTION("--listen", 0, OPT_ADDR, "HOST:PORT", "127.0.0.1:8443",
		  "address to listen on: an IPv4 address or a host name, or [IPv6], and a port", &o->listen),
		OPTION("--cert", 0, OPT_LIST, "CHAIN.pem", NULL,
		  "certificate chain, leaf first; one per site and key type, each with its --key in the same "
		  "order, chosen by the client's SNI against the names of each, the first the default "
		  "(default: a certificate for localhost from the development CA in $SIGIL_HOME)", &certs,
		  .files = true),
		OPTION("--key", 0, OPT_LIST, "KEY.pem", NULL, "the private key of the --cert in the same place",
		  &keys, .files = true),
		OPTION("--root", 0, OPT_STRING, "DIR", NULL,
		  "serve the static files of DIR (default: a built-in page showing the visitor's TLS "
		  "parameters)", &o->root),
		OPTION("--threads", 0, OPT_INT, "N", NULL, "worker threads (default: the number of cores)", &o->threads,
		  1, 1024),
		OPTION("--alpn", 0, OPT_STRING, "LIST", "h2,http/1.1", "ALPN protocols, comma-separated (h2, http/1.1)", &o->alpn),
		OPTION("--groups", 0, OPT_STRING, "LIST", NULL,
		  "key-exchange groups, most preferred first, colon-separated (default: X25519MLKEM768:x25519:"
		  "secp256r1:secp384r1; leave X25519MLKEM768 out to turn the post-quantum hybrid off)", &o->groups),
		OPTION("--cert-compression", 0, OPT_STRING, "LIST", "brotli:zstd:zlib",
		  "certificate compression (RFC 8879, TLS 1.3), most preferred first, colon-separated; "
		  "\"\" sends every certificate plain", &o->cert_compression),
		OPTION("--tls-min", 0, OPT_STRING, "1.2|1.3", "1.2",
		  "the lowest protocol version served: 1.2 serves clients that have nothing newer (ECDHE with "
		  "AES-GCM or ChaCha20-Poly1305 only), 1.3 refuses them", &o->tls_min),
		OPTION("--access-log", 0, OPT_STRING, "FILE", NULL,
		  "append Common Log Format lines plus the TLS version, suite and key-exchange group to FILE",
		  &o->access_log),
		OPTION("--client-ca", 0, OPT_FILE, "FILE|DIR", NULL, "ask for client certificates issued by these CAs",
		  &o->client_ca, 0, 0, true),
		OPTION("--require-client-cert", 0, OPT_FLAG, NULL, NULL,
		  "refuse clients without a certificate (with --client-ca)", &require),
		OPTION("--request-client-cert", 0, OPT_FLAG, NULL, NULL,
		  "let clients without a certificate in (the default with --client-ca)", &request),
		OPTION("--client-crl", 0, OPT_FILE, "FILE", NULL,
		  "refuse client certificates this CRL revokes (it must be current; re-read on SIGHUP)",
		  &o->client_crl),
		OPTION("--authz", 0, OPT_FILE, "FILE", NULL,
		  "per-path rules, a line each: 'PREFIX SUBJECT', e.g. '/admin/ CN=alice, O=Example' or "
		  "'/members/ *' (any client certificate)", &o->authz),
		OPTION("--proxy", 0, OPT_LIST, "PREFIX=URL", NULL,
		  "forward requests under PREFIX to an HTTP/1.1 application at URL, http://HOST:PORT or "
		  "unix:/PATH, with the client's verified identity in X-Client-* fields (repeatable)", &proxies),
		OPTION("--proxy-client-cert", 0, OPT_FLAG, NULL, NULL,
		  "also send the client's certificate, URL-encoded PEM, in X-Client-Cert", &o->proxy_client_cert),
		OPTION("--proxy-connect-timeout", 0, OPT_INT, "S", "5",
		  "504 when a connection to the application is not made within S seconds",
		  &o->proxy_connect_timeout, 1, 3600),
		OPTION("--proxy-first-byte-timeout", 0, OPT_INT, "S", "30",
		  "504 when the application has not begun its response S seconds after the request",
		  &o->proxy_first_byte_timeout, 1, 86400),
		OPTION("--proxy-idle-timeout", 0, OPT_INT, "S", "60",
		  "give up on an application silent for S seconds within a response", &o->proxy_idle_timeout, 1, 86400),
		OPTION("--ticket-keys", 0, OPT_FILE, "FILE", NULL,
		  "session-ticket keys shared by a fleet, 96 hex digits a line (docs/fleet.md; re-read on "
		  "SIGHUP; default: one random key per process)", &o->ticket_keys),
		OPTION("--handshake-timeout", 0, OPT_INT, "S", "10", "drop a handshake not done after S seconds",
		  &o->handshake_timeout, 1, 3600),
		OPTION("--idle-timeout", 0, OPT_INT, "S", "60",
		  "drop a connection idle for S seconds (no request, a head not complete, a response not read)",
		  &o->idle_timeout, 1, 86400),
		OPTION("--max-conns", 0, OPT_INT, "N", NULL,
		       "connections per thread (default: what RLIMIT_NOFILE allows, two descriptors a connection)",
		       &o->max_conns, 1, 10000000),
		/* 8 MiB: a burst of 4,000 handshakes with post-quantum
		 * ClientHellos (about 2 KB each: a 1,216-byte X25519MLKEM768
		 * share; Chromium's is 1,982 bytes) fits; 2 MiB dropped a
		 * quarter of tests/load's 2,000 at once. */
		OPTION("--handshake-memory", 0, OPT_INT, "KIB", "8192",
		       "per thread, the bytes unfinished handshakes may hold in all; past it the oldest are dropped",
		       &o->handshake_kib, 64, 4194304),
		OPTION("--reuse-port", 0, OPT_FLAG, NULL, NULL,
		       "share the address with other processes that set SO_REUSEPORT (a deliberate multi-process "
		       "set-up; without it sigil serve refuses an address another program or sigil serve holds)",
		       &o->reuse_port),
		OPTION("--verbose", 'v', OPT_FLAG, NULL, NULL, "log handshakes and errors to stderr", &o->verbose),
	};
	/* Values read from --config point into its text: released on
	 * whichever path do_serve returns by. */
	struct opt_cmd cmd OPT_AUTO_RELEASE = {
		"serve", "[options]",
		"An HTTPS server: static files under --root, or a page showing the TLS parameters of the "
		"visitor's connection.",
		"SIGTERM or SIGINT: finish the responses in flight (10 s at most) and stop.  SIGHUP: reload the "
		"certificate, key, client CRL and ticket keys; open connections go on.  With --config, SIGHUP "
		"re-reads the file first and takes those four from it; other changes take a restart.",
		opts, sizeof opts / sizeof opts[0], 0, 0,
	};
	char *pos[1];
	int npos;
	int pr = opt_parse(&cmd, argc, argv, pos, &npos);
	if (pr != OPT_GO)
		return pr;
	if (require && request) {
		/* One in the --config file, the other on the command line:
		 * the command line's wins, as for every option. */
		bool rq = opt_on_cmdline(&cmd, "--require-client-cert");
		if (rq == opt_on_cmdline(&cmd, "--request-client-cert"))
			return opt_usage_error(&cmd,
					       "--require-client-cert and --request-client-cert contradict each other");
		if (rq)
			request = 0;
		else
			require = 0;
	}
	o->client_auth = require ? SIGIL_CLIENT_AUTH_REQUIRE : SIGIL_CLIENT_AUTH_REQUEST;
	s->root_fd = -1;
	s->access_fd = -1;
	s->lock_fd = -1;
	pthread_mutex_init(&s->cfg_lock, NULL);
	pthread_mutex_init(&s->log_lock, NULL);
	cmdline_wins(&cmd, &certs, &keys);
	if (certs.n != keys.n)
		return opt_usage_error(&cmd, "--cert and --key go together, in pairs in the same order: %zu --cert "
				       "and %zu --key given", certs.n, keys.n);
	if (certs.n > SIGIL_MAX_CERT_KEYS)
		return opt_usage_error(&cmd, "at most %d --cert/--key pairs (%zu given)", SIGIL_MAX_CERT_KEYS, certs.n);
	o->cert = certs.v;
	o->key = keys.v;
	o->ncerts = certs.n;
	if ((o->client_crl || require) && !o->client_ca)
		return opt_usage_error(&cmd, "%s needs --client-ca (the CA whose clients to check)",
				       o->client_crl ? "--client-crl" : "--require-client-cert");
	if (strcmp(o->tls_min, "1.2") != 0 && strcmp(o->tls_min, "1.3") != 0)
		return opt_usage_error(&cmd, "--tls-min %s: 1.2 or 1.3", o->tls_min);
	if (!*o->alpn)
		return opt_usage_error(&cmd, "--alpn needs at least one protocol name, e.g. http/1.1");
	/* Never offer what is not spoken: a client that picks it would get
	 * no answer (RFC 7301 3.2). */
	for (const char *p = o->alpn; *p;) {
		size_t n = strcspn(p, ",");
		if (!((n == 2 && !memcmp(p, "h2", 2)) || (n == 8 && !memcmp(p, "http/1.1", 8))))
			return opt_usage_error(&cmd, "--alpn: sigil serve does not speak \"%.*s\" (it speaks h2 and "
					       "http/1.1)", (int)n, p);
		p += n + (p[n] == ',');
	}
	sigil_config *probe = sigil_config_new();
	if (probe && sigil_config_set_alpn(probe, o->alpn) < 0) {
		int r = opt_usage_error(&cmd, "--alpn %s: %s", o->alpn, sigil_config_error(probe));
		sigil_config_free(probe);
		return r;
	}
	if (probe && o->groups && sigil_config_set_groups(probe, o->groups) < 0) {
		int r = opt_usage_error(&cmd, "--groups %s: %s (known: X25519MLKEM768, x25519, secp256r1 or P-256, "
					"secp384r1 or P-384)", o->groups, sigil_config_error(probe));
		sigil_config_free(probe);
		return r;
	}
	if (probe && o->cert_compression && sigil_config_set_cert_compression(probe, o->cert_compression) < 0) {
		int r = opt_usage_error(&cmd, "--cert-compression %s: %s (known: brotli, zstd, zlib; \"\" for none)",
					o->cert_compression, sigil_config_error(probe));
		sigil_config_free(probe);
		return r;
	}
	sigil_config_free(probe);
	if (!opt_given(&cmd, "--threads")) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o->threads = n > 0 ? (n < 1024 ? (int)n : 1024) : 1;
	}
	size_cons(o, opt_given(&cmd, "--max-conns"));
	char err[1024];
	/* The files of --cert/--key first: a bad one is reported as itself
	 * (exit 7), before a development CA is made or anything listens. */
	for (size_t i = 0; i < o->ncerts; i++)
		if (check_cert_key(o->cert[i], o->key[i], err, sizeof err) != EX_OK) {
			fprintf(stderr, "sigil serve: %s\n", err);
			return EX_FILE;
		}
	char dev_cert[4096], dev_key[4096];
	const char *dev_certs[1] = { dev_cert }, *dev_keys[1] = { dev_key };
	bool check_tls = true;
	if (!o->ncerts && check) {
		/* --check changes nothing: it uses the development certificate
		 * if there is one, and does not make it. */
		char path[4096];
		const char *home = sigil_home(path, sizeof path);
		snprintf(dev_cert, sizeof dev_cert, "%s/ca/localhost.crt", home);
		snprintf(dev_key, sizeof dev_key, "%s/ca/localhost.key", home);
		if (access(dev_cert, R_OK) == 0 && access(dev_key, R_OK) == 0) {
			o->cert = dev_certs;
			o->key = dev_keys;
			o->ncerts = 1;
		} else {
			check_tls = false;
			fprintf(stderr, "sigil serve: --check: no --cert, and no development CA in %s yet: start-up "
				"would make it; the TLS files are not checked without a certificate\n", home);
		}
	} else if (!o->ncerts) {
		char path[4096];
		const char *home = sigil_home(path, sizeof path);
		make_parents(home);
		if (sg_ca_ensure_dev(home, s->ca_cert_shown, sizeof s->ca_cert_shown, dev_cert, dev_key,
				     sizeof dev_cert, err, sizeof err) < 0) {
			fprintf(stderr, "sigil serve: development CA: %s\n", err);
			return EX_FAIL;
		}
		o->cert = dev_certs;
		o->key = dev_keys;
		o->ncerts = 1;
		printf("Development CA: %s\n  trust it with: curl --cacert %s https://localhost:%s/\n", s->ca_cert_shown,
		       s->ca_cert_shown, strrchr(o->listen, ':') ? strrchr(o->listen, ':') + 1 : "8443");
	}
	if (o->root) {
		if (!realpath(o->root, s->root_real)) {
			fprintf(stderr, "sigil serve: --root %s: %s\n", o->root, strerror(errno));
			return EX_FILE;
		}
		s->root_fd = open(s->root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->root_fd < 0) {
			fprintf(stderr, "sigil serve: --root %s: not a directory\n", o->root);
			return EX_FILE;
		}
	}
	if (o->authz && load_authz(s, o->authz) < 0)
		return EX_FILE;
	for (size_t i = 0; i < proxies.n; i++)
		if (proxy_add(s, proxies.v[i], err, sizeof err) < 0)
			return opt_usage_error(&cmd, "%s", err);
	if (check && o->access_log && check_access_log(o->access_log) != EX_OK)
		return EX_FILE;
	if (!check && o->access_log &&
	    (s->access_fd = open(o->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "sigil serve: --access-log %s: %s\n", o->access_log, strerror(errno));
		return EX_FILE;
	}
	FILE *ur = fopen("/dev/urandom", "rb");
	if (!ur || fread(s->ticket_key, 1, sizeof s->ticket_key, ur) != sizeof s->ticket_key) {
		fprintf(stderr, "sigil serve: cannot read /dev/urandom\n");
		return 1;
	}
	fclose(ur);
	int cr = EX_OK;
	if (check_tls)
		cr = config_load(s, &s->cfg, err, sizeof err);
	else if (o->client_ca && (cr = check_certs("--client-ca", o->client_ca, err, sizeof err)) == EX_OK &&
		 o->client_crl)
		cr = check_crl("--client-crl", o->client_crl, err, sizeof err);
	if (cr != EX_OK) {
		fprintf(stderr, "sigil serve: %s\n", err);
		return cr;
	}
	if (check_tls)
		cert_warnings(s);
	if (check) {
		/* What is left at start-up is binding the address, which a
		 * running server holds: like nginx -t, --check stops here. */
		int lr = check_listen(o->listen);
		sigil_config_free(s->cfg);
		free(s->authz);
		if (s->root_fd >= 0)
			close(s->root_fd);
		if (lr == EX_OK)
			printf("%s: ok\n", config ? config : "sigil serve");
		return lr;
	}

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
		w->lfd = -1;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->ep < 0 || w->efd < 0) {
			fprintf(stderr, "sigil serve: %s\n", strerror(errno));
			return EX_FAIL;
		}
	}
	if (listen_all(s) < 0)
		return EX_FAIL;
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
	struct opt_cmd *live = NULL;
	while (!got_stop) {
		sigsuspend(&old);
		if (got_reload) {
			got_reload = 0;
			if (!config || reread_config(&cmd, &live, o, config, argc, argv))
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
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	opt_shadow_free(live);
	fprintf(stderr, "sigil serve: stopped\n");
	return 0;
}
