/*
 * sigil serve's logs: -v lines on stderr, and the access log (Common Log
 * Format, then the TLS version, suite and key-exchange group).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

void logv(struct server *s, const char *fmt, ...)
{
	if (!s->o.verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&s->log_lock);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&s->log_lock);
	va_end(ap);
}

void log_access(struct server *s, const hconn *c)
{
	if (s->access_fd < 0)
		return;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
	/* Common Log Format, then the TLS version, suite and group (whether
	 * the connection was post-quantum: X25519MLKEM768).  One write(2)
	 * per line on a file opened for appending: the kernel appends each
	 * whole, so workers take no lock (a line longer than the buffer is
	 * cut, but still ends the line). */
	char line[1024];
	const char *group = sigil_group_name(sigil_conn_group(c->tls));
	int n = snprintf(line, sizeof line, "%s - %s [%s] \"%s\" %d %zu %s %s %s\n", c->peer,
			 c->user_cn[0] ? c->user_cn : "-", when, c->r->line, c->status, c->bytes,
			 sigil_conn_version(c->tls) == SIGIL_TLS12 ? "TLSv1.2" : "TLSv1.3",
			 sigil_suite_name(sigil_conn_suite(c->tls)), group ? group : "-");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (write(s->access_fd, line, (size_t)n) < 0) {
		/* A full disk must not stop the server; the log just has a gap. */
	}
}
