/* Finished, RFC 8446 4.4.4. */
#include "tls/tls.h"

/* The key is the sender's handshake traffic secret. */
static const uint8_t *base_key(sigil_conn *c, sigil_role sender)
{
	return sender == SIGIL_SERVER ? c->hs->s_hs : c->hs->c_hs;
}

int sg_finished_send(sigil_conn *c, sg_wr *w)
{
	const sg_hash_class *h = c->suite->hash;
	uint8_t th[SG_MAX_HASH], *out;
	if (sg_transcript_hash(c, th) < 0)
		return SIGIL_ERROR;
	out = sg_wr_space(w, h->out_len);
	if (!out || sg_ks_finished(h, base_key(c, c->role), th, out) < 0)
		return SG_INTERNAL(c, "Finished");
	return 0;
}

int sg_finished_recv(sigil_conn *c, sg_rd *r)
{
	const sg_hash_class *h = c->suite->hash;
	uint8_t th[SG_MAX_HASH], want[SG_MAX_HASH];
	const uint8_t *got;
	if (sg_rd_left(r) != h->out_len || !sg_rd_bytes(r, &got, h->out_len))
		return SG_DECODE(c, "Finished");
	sigil_role peer = c->role == SIGIL_CLIENT ? SIGIL_SERVER : SIGIL_CLIENT;
	if (sg_transcript_hash(c, th) < 0 || sg_ks_finished(h, base_key(c, peer), th, want) < 0)
		return SG_INTERNAL(c, "Finished");
	bool ok = sg_ct_eq(got, want, h->out_len);
	sg_wipe(want, sizeof want);
	if (!ok)
		return SG_ALERT(c, SIGIL_ALERT_DECRYPT_ERROR,
				"the peer's Finished does not match: the handshake was tampered with "
				"or the peer derived different keys");
	return 0;
}
