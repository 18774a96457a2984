/* Messages after the handshake: NewSessionTicket (4.6.1, in ticket.c) and
 * KeyUpdate (4.6.3).  Post-handshake client authentication (4.6.2) is refused: we
 * never offer post_handshake_auth. */
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
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"post-handshake CertificateRequest, but we did not offer post_handshake_auth");
	default:
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"unexpected handshake message type %u after the handshake", type);
	}
}
