/*
 * libFuzzer target: the certificate decompressors (RFC 8879, certcomp.c)
 * alone, faster than through a handshake (fuzz_handshake_msgs reaches
 * them in a CompressedCertificate of either side).
 *
 * Input: algorithm (1 byte: 0 none, 1 zlib, 2 brotli, 3 zstd, as the
 * wire's), the declared length (3 bytes, at most the Certificate limit),
 * then the stream.  The output buffer is exactly the declared length, on
 * the heap, so that ASan sees any write past it.  Then the input itself
 * goes through compress and decompress with each algorithm, which must
 * give it back.
 */
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint16_t alg = data[0] & 3;
	size_t want = ((size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3]) % (SIGIL_MAX_HANDSHAKE_MSG + 1);
	uint8_t *out = malloc(want ? want : 1);
	if (!out)
		return 0;
	(void)sg_certcomp_decompress(alg, data + 4, size - 4, out, want);
	free(out);

	static const uint16_t algs[3] = { SG_CERTCOMP_ZLIB, SG_CERTCOMP_BROTLI, SG_CERTCOMP_ZSTD };
	if (size - 4 > 4096)
		return 0;       /* brotli at quality 11 is slow: keep the round trips small */
	for (size_t i = 0; i < 3 && size > 4; i++) {
		uint8_t *z = NULL, *back = malloc(size - 4);
		size_t zn;
		if (!back || sg_certcomp_compress(algs[i], data + 4, size - 4, &z, &zn) < 0 ||
		    sg_certcomp_decompress(algs[i], z, zn, back, size - 4) < 0 || memcmp(back, data + 4, size - 4) != 0)
			abort();
		free(z);
		free(back);
	}
	return 0;
}
