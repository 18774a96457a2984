/*
 * libFuzzer target: a whole server engine fed a client's flight.
 *
 * Input: the bytes a client sends, from its first byte (ClientHello,
 * possibly CCS and a second flight).  Seeds are real ClientHellos from
 * openssl s_client, gnutls-cli, curl and sigil, and complete sigil client
 * flights: with the deterministic hooks of fuzz_common.h the server's
 * random, key share and (Ed25519) signature replay exactly, so a captured
 * client Finished still verifies and the fuzzer starts from a connected
 * server.  The first byte of the input chooses how the bytes are cut into
 * recv_net calls (odd: one call; even: pieces of that many bytes / 2 + 1),
 * so fragmentation is explored too; seeds start with 0x01.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sigil_config *sc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!sc && !(sc = fuzz_server_config(NULL)))
		abort();
	size_t chunk = data[0] & 1 ? 0 : (size_t)data[0] / 2 + 1;
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
	if (!s)
		return 0;
	fuzz_feed(s, data + 1, size - 1, chunk);
	if (sigil_conn_state(s) & SIGIL_ST_CONNECTED) {
		size_t used;
		(void)sigil_conn_write_app(s, (const uint8_t *)"hello", 5, &used);
		(void)sigil_conn_close_notify(s);
	}
	size_t n;
	(void)sigil_conn_send_buf(s, &n);
	sigil_conn_free(s);
	return 0;
}
