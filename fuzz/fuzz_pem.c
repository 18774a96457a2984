/*
 * libFuzzer target: PEM block scanning and strict base64, then each
 * decoded block through the certificate parser and the trust store.
 *
 * Build (from the repository root):
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -Isrc fuzz/fuzz_pem.c src/der/[a-z]*.c src/x509/[a-z]*.c src/bytes/[a-z]*.c src/crypto/[a-z]*.c \
 *     -lcrypto -o build-fuzz/fuzz_pem
 *   build-fuzz/fuzz_pem -max_total_time=30
 */
#include <stddef.h>
#include <stdint.h>

#include "der/der.h"
#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_rd t;
	sg_wr w;
	char label[64], err[128];
	sg_rd_init(&t, data, size);
	sg_wr_init(&w, NULL, 0, 1u << 20);
	for (int i = 0; i < 64 && sg_pem_next(&t, label, sizeof label, &w, err, sizeof err) >= 0; i++) {
		if (t.n == 0 && w.len == 0)
			break;
		sg_x509_cert c;
		(void)sg_x509_cert_parse(&c, w.buf, w.len, err, sizeof err);
		sg_wr_reset(&w);
	}
	sg_wr_free(&w);
	sg_x509_store *s = sg_x509_store_new();
	if (s) {
		(void)sg_x509_store_add_pem(s, (const char *)data, size, err, sizeof err);
		sg_x509_store_free(s);
	}
	return 0;
}
