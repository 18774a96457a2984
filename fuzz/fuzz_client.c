/*
 * libFuzzer target: a whole client engine fed a server's flight.
 *
 * The client (fuzz_client_config(1), SNI "localhost") writes its
 * ClientHello with the deterministic hooks of fuzz_common.h; the input is
 * what a server sends back.  Seeds are the answers of openssl s_server,
 * gnutls-serv and a sigil server to exactly that ClientHello (captured by
 * tests/tools/fuzzseed with the same hooks), so the handshake keys match
 * and the encrypted part of a seed decrypts.  First byte: how the input
 * is cut into recv_net calls, as in fuzz_server; and its bit 0x02, which
 * client: clear, minimum TLS 1.3 (the ClientHello the older seeds
 * answer); set, the default minimum TLS 1.2, whose hello also offers
 * TLS 1.2 (src/tls/tls12_client.c).  The TLS 1.2 seeds (first byte
 * 0x03) hold a server's whole side of a TLS 1.2 handshake with that
 * client: ServerHello to ServerHelloDone, then change_cipher_spec and
 * Finished, which decrypt because the client's ClientKeyExchange is the
 * same each time (the hooks' key shares).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sigil_config *cc13, *cc12;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!cc13) {
		cc13 = fuzz_client_config(1);
		cc12 = fuzz_client_config(1);
		if (!cc13 || !cc12 || sigil_config_set_versions(cc13, SIGIL_TLS13, SIGIL_TLS13) < 0)
			abort();
	}
	size_t chunk = data[0] & 1 ? 0 : (size_t)data[0] / 2 + 1;
	sigil_conn *c = fuzz_client(data[0] & 2 ? cc12 : cc13);
	if (!c)
		return 0;
	size_t n;
	(void)sigil_conn_send_buf(c, &n);
	sigil_conn_send_ack(c, n);
	fuzz_feed(c, data + 1, size - 1, chunk);
	if (sigil_conn_state(c) & SIGIL_ST_CONNECTED) {
		size_t used;
		(void)sigil_conn_write_app(c, (const uint8_t *)"GET /", 5, &used);
		(void)sigil_conn_key_update(c, 1);
		(void)sigil_conn_close_notify(c);
	}
	(void)sigil_conn_send_buf(c, &n);
	sigil_conn_free(c);
	return 0;
}
