/*
 * libFuzzer target: each handshake message decoder, reached directly.
 *
 * Input: state (1 byte, modulo FZ_STATES, see fuzz_common.h), handshake
 * type (1 byte), then the message body.  A sigil client and server run
 * up to the chosen state; the body is then framed as one handshake
 * message and delivered as the peer would send it at that point —
 * encrypted under the peer's current keys — so that the decoder of an
 * EncryptedExtensions or a CertificateVerify sees the fuzzer's bytes,
 * which a flight-level target would almost never get past the AEAD.
 * Seeds are the real messages of each state (tests/tools/fuzzseed).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sigil_config *cc, *sc, *sc_hrr;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (!cc) {
		cc = fuzz_client_config(1);
		sc = fuzz_server_config(NULL);
		/* The client's shares are X25519MLKEM768 and x25519: a
		 * server that takes only secp384r1 asks again. */
		sc_hrr = fuzz_server_config("secp384r1");
		if (!cc || !sc || !sc_hrr)
			abort();
	}
	enum fuzz_state st = (enum fuzz_state)(data[0] % FZ_STATES);
	fuzz_hs h;
	if (fuzz_hs_setup(&h, st, cc, st == FZ_S_CH2 ? sc_hrr : sc) < 0)
		abort();        /* the set-up is deterministic: this is a bug */
	fuzz_hs_send(&h, data[1], data + 2, size - 2);
	/* Whatever happened, what the target queued must be well formed
	 * enough for its peer to read (an alert, or its next flight). */
	fuzz_move(h.target, h.peer);
	fuzz_hs_free(&h);
	return 0;
}
