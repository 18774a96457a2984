/* Messages after the handshake: NewSessionTicket (4.6.1, in ticket.c),
 * KeyUpdate (4.6.3) and, for a client that offered post_handshake_auth,
 * a server's CertificateRequest (4.6.2). */
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

int sg_key_update_send(sigil_conn *c, bool request)
{
	uint8_t msg[5] = { SG_HT_KEY_UPDATE, 0, 0, 1, request ? 1 : 0 };
	if (sg_record_write(c, SG_CT_HANDSHAKE, msg, sizeof msg) < 0)
		return SIGIL_ERROR;
	if (sg_ks_update(c->suite->hash, c->wr.secret) < 0)
		return SG_INTERNAL(c, "key update");
	return sg_traffic_install(c, &c->wr, c->wr.secret, true);
}

/*
 * Post-handshake client authentication (4.6.2): answer a server's
 * CertificateRequest with Certificate, CertificateVerify (with a
 * certificate) and Finished, over the handshake transcript through our
 * Finished plus these messages (4.4.1), the Finished keyed by our current
 * application traffic secret.  A short-lived handshake state carries the
 * exchange so that the message code is the handshake's own.
 */
static int post_handshake_auth(sigil_conn *c, sg_rd *r)
{
	if (c->role != SIGIL_CLIENT || !c->pha)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"post-handshake CertificateRequest, but we did not offer post_handshake_auth");
	const uint8_t *msg = r->p - 4;
	size_t len = r->n + 4;
	sg_rd ctx, exts;
	if (!sg_rd_vec8(r, &ctx) || !sg_rd_vec16(r, &exts) || !sg_rd_done(r))
		return SG_DECODE(c, "CertificateRequest");
	if (ctx.n == 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"post-handshake CertificateRequest with an empty context (4.3.2)");
	sg_hs *hs = calloc(1, sizeof *hs);
	if (!hs)
		return SG_INTERNAL(c, "out of memory");
	c->hs = hs;
	int ret = SIGIL_ERROR;
	hs->transcript = sg_hash_dup(c->pha);
	memcpy(hs->cr_context, ctx.p, ctx.n);
	hs->cr_context_len = ctx.n;
	memcpy(hs->c_hs, c->wr.secret, sizeof hs->c_hs);       /* Finished base key */
	if (!hs->transcript) {
		SG_INTERNAL(c, "hash");
		goto out;
	}
	if (sg_transcript_add(c, msg, len) < 0 || sg_certificate_request_extensions(c, exts) < 0)
		goto out;
	if (sg_choose_certificate(c) < 0 || sg_hs_send_message(c, SG_HT_CERTIFICATE, sg_certificate_send) < 0 ||
	    (hs->own && sg_hs_send_message(c, SG_HT_CERTIFICATE_VERIFY, sg_certificate_verify_send) < 0) ||
	    sg_hs_send_message(c, SG_HT_FINISHED, sg_finished_send) < 0)
		goto out;
	ret = 0;
out:
	if (c->hs == hs)        /* a failure frees the state itself */
		sg_hs_free(c);
	return ret;
}

int sg_post_handshake_recv(sigil_conn *c, uint8_t type, sg_rd *r)
{
	switch (type) {
	case SG_HT_NEW_SESSION_TICKET:
		return sg_new_session_ticket_recv(c, r);
	case SG_HT_KEY_UPDATE: {
		uint8_t req;
		if (!sg_rd_u8(r, &req) || !sg_rd_done(r))
			return SG_DECODE(c, "KeyUpdate");
		if (req > 1)
			return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "KeyUpdate request_update %u", req);
		if (sg_ks_update(c->suite->hash, c->rd.secret) < 0 ||
		    sg_traffic_install(c, &c->rd, c->rd.secret, false) < 0)
			return SG_INTERNAL(c, "key update");
		/* 4.6.3: answer with our own update (not requesting one). */
		if (req == 1 && !(c->state & SIGIL_ST_CLOSED))
			return sg_key_update_send(c, false);
		return 0;
	}
	case SG_HT_CERTIFICATE_REQUEST:
		return post_handshake_auth(c, r);
	default:
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"unexpected handshake message type %u after the handshake", type);
	}
}
