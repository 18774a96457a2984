/*
 * libFuzzer target: the record layer, fed arbitrary network bytes in
 * several states of a connection.
 *
 * Input: mode (1 byte), chunk (1 byte: recv_net is called with pieces of
 * this many bytes, 0 = all at once), then the rest.
 *   mode 0: a fresh server; the rest is raw network input.
 *   mode 1: a client after its ClientHello; raw network input.
 *   mode 2: a connected server; mode 3: a connected client (a full
 *           in-memory handshake first).  The rest is a list of records
 *           [type u8][len u16][bytes]: each is protected by the real
 *           peer with its current keys and that inner content type
 *           (any value, so unknown types, empty records, alerts and
 *           KeyUpdates all reach the target decrypted); type 0xff sends
 *           the bytes raw instead (bad MACs, bad headers, truncation).
 *           Application data the target decrypts is read.  A record
 *           that is exactly one KeyUpdate makes the peer update its
 *           sending keys, as a real sender does, so that runs of them
 *           stay decryptable.
 *   mode | 4: the target's output is never taken (a peer that reads
 *           nothing); otherwise it is drained after every record.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sigil_config *cc, *sc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (!cc) {
		cc = fuzz_client_config(1);
		sc = fuzz_server_config(NULL);
		if (!cc || !sc)
			abort();
	}
	unsigned mode = data[0] % 4;
	bool drain = !(data[0] & 4);
	size_t chunk = data[1];
	data += 2;
	size -= 2;
	if (mode < 2) {
		sigil_conn *t = mode == 0 ? sigil_conn_new(sc, SIGIL_SERVER) : fuzz_client(cc);
		if (!t)
			return 0;
		size_t n;
		(void)sigil_conn_send_buf(t, &n);
		sigil_conn_send_ack(t, n);
		fuzz_feed(t, data, size, chunk);
		(void)sigil_conn_send_buf(t, &n);
		sigil_conn_free(t);
		return 0;
	}
	fuzz_hs h;
	if (fuzz_hs_setup(&h, mode == 2 ? FZ_S_POST : FZ_C_POST, cc, sc) < 0)
		abort();
	while (size >= 3 && !(sigil_conn_state(h.target) & SIGIL_ST_FAILED)) {
		uint8_t type = data[0];
		size_t len = sg_load16(data + 1);
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (type == 0xff) {
			fuzz_feed(h.target, data, len, chunk);
		} else if (sg_record_write(h.peer, type, data, len) == 0) {
			size_t n;
			if (type == SG_CT_HANDSHAKE && len == 5 && data[0] == SG_HT_KEY_UPDATE &&
			    (sg_ks_update(h.peer->suite->hash, h.peer->wr.secret) < 0 ||
			     sg_traffic_install(h.peer, &h.peer->wr, h.peer->wr.secret, true) < 0))
				break;
			const uint8_t *p = sigil_conn_send_buf(h.peer, &n);
			if (p)
				fuzz_feed(h.target, p, n, chunk);
			sigil_conn_send_ack(h.peer, n);
		}
		data += len;
		size -= len;
		/* Drain what the target answers (KeyUpdate replies) so that
		 * its queue reflects only what a stuck peer would cause. */
		if (drain) {
			size_t n;
			(void)sigil_conn_send_buf(h.target, &n);
			sigil_conn_send_ack(h.target, n);
		}
	}
	fuzz_hs_free(&h);
	return 0;
}
