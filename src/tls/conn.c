/* Connection lifecycle, errors, the sans-I/O calls and the getters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

#define OUT_MAX (4u * 1024u * 1024u)    /* hard cap of queued output */
#define OUT_HOLD (64u * 1024u)          /* write_app takes no more beyond this */

/* The error sentence when even its buffer could not be had. */
static char err_oom[] = "out of memory";

sigil_conn *sigil_conn_new(sigil_config *cfg, sigil_role role)
{
	if (!cfg || (role != SIGIL_CLIENT && role != SIGIL_SERVER))
		return NULL;
	sigil_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cfg = sigil_config_ref(cfg);
	atomic_store(&cfg->frozen, true);
	c->role = role;
	c->fd = -1;
	c->ealert = -1;
	c->max_fragment = SG_MAX_PLAINTEXT;
	c->state = SIGIL_ST_HANDSHAKING;
	c->out_hold = OUT_HOLD;
	sg_wr_init(&c->out, NULL, 0, OUT_MAX);
	sg_wr_init(&c->hsmsg, NULL, 0, SIGIL_MAX_HANDSHAKE_MSG + 4);
	return c;
}

void sigil_conn_free(sigil_conn *c)
{
	if (!c)
		return;
	sg_hs_free(c);
	sg_traffic_clear(&c->rd);
	sg_traffic_clear(&c->wr);
	sg_wr_free(&c->out);
	sg_wr_free(&c->hsmsg);
	free(c->peer_der);
	if (c->err != err_oom)
		free(c->err);
	if (c->in)
		sg_wipe(c->in, c->in_dirty);
	free(c->in);
	free(c->io_buf);
	sg_session_free(c->session);
	sg_hash_free(c->pha);
	sigil_config_free(c->cfg);
	sg_wipe(c, sizeof *c);
	free(c);
}

int sigil_conn_set_server_name(sigil_conn *c, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (c->started || c->role != SIGIL_CLIENT || n == 0 || n >= sizeof c->sni)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1,
			       "sigil_conn_set_server_name: a client's name of 1 to 255 bytes, before any I/O");
	memcpy(c->sni, name, n + 1);
	return SIGIL_OK;
}

int sg_fail(sigil_conn *c, sigil_error_class cls, int alert, const char *fmt, ...)
{
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;     /* sticky: the first error is the one to report */
	/* The sentence lives on the heap: most connections never fail, and
	 * an idle one should stay small. */
	c->err = malloc(SG_ERR_LEN);
	if (c->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, SG_ERR_LEN, fmt, ap);
		va_end(ap);
		/* Say which alert went to the peer: it is what the peer logs. */
		if (alert > 0 && (cls == SIGIL_ECLASS_LOCAL_ALERT || cls == SIGIL_ECLASS_VERIFY)) {
			size_t n = strlen(c->err);
			snprintf(c->err + n, SG_ERR_LEN - n, " [sent alert %s]", sigil_alert_name(alert));
		}
	} else {
		c->err = err_oom;
		cls = SIGIL_ECLASS_INTERNAL;
	}
	c->eclass = cls;
	c->ealert = alert;
	/* Failed before the alert goes out: when the alert itself cannot be
	 * queued (output buffer full), write_one fails again, and that
	 * nested sg_fail must return at once instead of recursing. */
	c->state |= SIGIL_ST_FAILED;
	/* Tell the peer (RFC 8446 6.2); usage errors do not concern it. */
	if (alert >= 0 && cls != SIGIL_ECLASS_PEER_ALERT && cls != SIGIL_ECLASS_USAGE &&
	    cls != SIGIL_ECLASS_IO && c->started)
		(void)sg_record_send_alert(c, (uint8_t)alert);
	c->state &= ~(unsigned)(SIGIL_ST_HANDSHAKING | SIGIL_ST_CONNECTED);
	c->app_len = 0;
	sg_hs_free(c);
	return SIGIL_ERROR;
}

int sg_conn_random(sigil_conn *c, uint8_t *out, size_t n)
{
	const sg_test_hooks *h = c->cfg->hooks;
	if (h && h->random)
		return h->random(h->arg, out, n);
	return sg_random(out, n);
}

static int start(sigil_conn *c)
{
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;
	if (c->started)
		return SIGIL_OK;
	c->started = true;
	return sg_hs_start(c);
}

int sigil_conn_recv_net(sigil_conn *c, const uint8_t *data, size_t len, size_t *used)
{
	*used = 0;
	if (start(c) < 0)
		return SIGIL_ERROR;
	return sg_record_recv(c, data, len, used);
}

const uint8_t *sigil_conn_send_buf(sigil_conn *c, size_t *len)
{
	/* A failed connection still flushes what it queued (the alert). */
	if (!(c->state & SIGIL_ST_FAILED))
		(void)start(c);
	*len = c->out.len - c->out_off;
	return *len ? c->out.buf + c->out_off : NULL;
}

void sigil_conn_send_ack(sigil_conn *c, size_t n)
{
	/* A partial send moves an offset, not the bytes: a slow reader would
	 * otherwise cost a memmove of up to the whole queue per send.  The
	 * rest moves to the front only once it is smaller than what went
	 * out, so each byte is moved at most once on average. */
	size_t left = c->out.len - c->out_off;
	if (n >= left) {
		c->out.len = 0;
		c->out_off = 0;
		return;
	}
	c->out_off += n;
	left -= n;
	if (left < c->out_off) {
		memmove(c->out.buf, c->out.buf + c->out_off, left);
		c->out.len = left;
		c->out_off = 0;
	}
}

size_t sigil_conn_write_room(const sigil_conn *c)
{
	size_t queued = c->out.len - c->out_off;
	return queued < c->out_hold ? c->out_hold - queued : 0;
}

int sigil_conn_write_app(sigil_conn *c, const uint8_t *data, size_t len, size_t *used)
{
	*used = 0;
	if (start(c) < 0)
		return SIGIL_ERROR;
	if (!(c->state & SIGIL_ST_CONNECTED))
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "write before the handshake completed");
	if (c->state & SIGIL_ST_CLOSED)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "write after close_notify");
	size_t done = 0;
	while (done < len && c->out.len - c->out_off < c->out_hold) {
		size_t n = len - done;
		if (n > c->max_fragment)
			n = c->max_fragment;
		if (sg_record_write(c, SG_CT_APP, data + done, n) < 0)
			return SIGIL_ERROR;
		done += n;
	}
	*used = done;
	return SIGIL_OK;
}

int sigil_conn_read_app(sigil_conn *c, uint8_t *buf, size_t cap, size_t *got)
{
	*got = 0;
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;
	size_t n = c->app_len < cap ? c->app_len : cap;
	if (n) {
		memcpy(buf, c->app, n);
		c->app += n;
		c->app_len -= n;
	}
	if (c->app_len == 0)
		c->state &= ~(unsigned)SIGIL_ST_APP_READY;
	*got = n;
	return SIGIL_OK;
}

int sigil_conn_close_notify(sigil_conn *c)
{
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;
	if (c->state & SIGIL_ST_CLOSED)
		return SIGIL_OK;
	if (!c->started)
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "close before the connection started");
	c->state |= SIGIL_ST_CLOSED;
	return sg_record_send_alert(c, SIGIL_ALERT_CLOSE_NOTIFY);
}

int sigil_conn_key_update(sigil_conn *c, int request_peer)
{
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;
	if (!(c->state & SIGIL_ST_CONNECTED) || (c->state & SIGIL_ST_CLOSED))
		return sg_fail(c, SIGIL_ECLASS_USAGE, -1, "key update outside an open connection");
	return sg_key_update_send(c, request_peer != 0);
}

void sigil_conn_shrink(sigil_conn *c)
{
	/* Only buffers holding nothing: a partial record, unread data or
	 * unsent bytes keep theirs. */
	if (c->in && c->in_len == 0 && c->app_len == 0) {
		sg_wipe(c->in, c->in_dirty);
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
		c->in_dirty = 0;
	}
	if (c->out.len == 0)
		sg_wr_free(&c->out);
	if (c->hsmsg.len == 0)
		sg_wr_free(&c->hsmsg);
	if (c->io_buf && c->io_off == c->io_len) {
		free(c->io_buf);
		c->io_buf = NULL;
		c->io_off = c->io_len = 0;
	}
	/* The AEAD contexts (about 1 KiB each in OpenSSL) go too, once the
	 * handshake is over; the keys are rebuilt from the traffic secrets
	 * when the next record moves. */
	if (!c->hs && (c->state & SIGIL_ST_CONNECTED) && c->in_len == 0) {
		sg_traffic_park(&c->rd);
		sg_traffic_park(&c->wr);
	}
}

unsigned sigil_conn_state(const sigil_conn *c)
{
	unsigned s = c->state;
	if (c->out.len > c->out_off)
		s |= SIGIL_ST_WANT_SEND;
	return s;
}

sigil_error_class sigil_conn_error_class(const sigil_conn *c) { return c->eclass; }
int sigil_conn_error_alert(const sigil_conn *c) { return c->ealert; }
const char *sigil_conn_error(const sigil_conn *c) { return c->err ? c->err : ""; }
uint16_t sigil_conn_version(const sigil_conn *c) { return c->suite ? (c->version == SG_TLS12 ? SG_TLS12 : SIGIL_TLS13) : 0; }
uint16_t sigil_conn_suite(const sigil_conn *c) { return c->suite ? c->suite->id : 0; }
uint16_t sigil_conn_group(const sigil_conn *c) { return c->group; }
uint16_t sigil_conn_sigscheme(const sigil_conn *c) { return c->sigscheme; }
int sigil_conn_hrr(const sigil_conn *c) { return c->hrr; }
const char *sigil_conn_alpn(const sigil_conn *c) { return c->alpn[0] ? c->alpn : NULL; }
const char *sigil_conn_server_name(const sigil_conn *c) { return c->sni[0] ? c->sni : NULL; }

const sigil_der *sigil_conn_peer_chain(const sigil_conn *c, size_t *n)
{
	*n = c->npeer;
	return c->npeer ? c->peer_chain : NULL;
}
