/*
 * libFuzzer target: PKCS#10 certification requests (RFC 2986), as
 * `sigil ca issue --csr` reads them: the DER parser, the requested
 * extensions and the self-signature check.
 *
 * Built by `make fuzz` (fuzz.mk); seeds in fuzz/corpus/fuzz_csr/ (requests
 * made by `openssl req`).
 */
#include <stddef.h>
#include <stdint.h>

#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_x509_csr csr;
	char err[128];
	if (sg_x509_csr_parse(&csr, data, size, err, sizeof err) == 0 && csr.san_present) {
		/* A request that parsed is what `sigil ca issue --csr` goes on with. */
	}
	return 0;
}
