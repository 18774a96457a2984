/*
 * libFuzzer target: the DER reader through the certificate and CRL
 * parsers, names, host matching and name-constraint checks.
 *
 * Build (from the repository root):
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -Isrc fuzz/fuzz_x509.c src/der/[a-z]*.c src/x509/[a-z]*.c src/bytes/[a-z]*.c src/crypto/[a-z]*.c \
 *     -lcrypto -o build-fuzz/fuzz_x509
 *   mkdir -p build-fuzz/corpus && for f in tests/data/x509/[a-z]*; do
 *     openssl x509 -in $f -outform DER 2>/dev/null >build-fuzz/corpus/$(basename $f) ||
 *     openssl crl -in $f -outform DER >build-fuzz/corpus/$(basename $f); done
 *   build-fuzz/fuzz_x509 -max_total_time=30 build-fuzz/corpus
 */
#include <stddef.h>
#include <stdint.h>

#include "x509/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_x509_cert c;
	sg_x509_crl crl;
	char err[128], name[256], why[256];
	int reason;
	if (sg_x509_cert_parse(&c, data, size, err, sizeof err) == 0) {
		(void)sg_x509_name_to_string(c.subject, name, sizeof name);
		(void)sg_x509_name_to_string(c.issuer, name, sizeof name);
		/* The display forms, with a small buffer so the cut-to-fit
		 * path of the label is taken too. */
		sg_x509_name_label(c.subject, name, 24);
		sg_x509_cert_label(&c, name, sizeof name);
		(void)sg_x509_san_to_string(&c, name, sizeof name);
		(void)sg_x509_san_to_string(&c, name, 16);
		(void)sg_x509_host_match(&c, "www.example.com");
		(void)sg_x509_host_match(&c, "192.0.2.1");
		(void)sg_x509_name_eq(c.subject, c.issuer);
		(void)sg_x509_cn_check(&c, why, sizeof why);
		if (c.nc_present) {
			size_t budget = SG_X509_NC_BUDGET;
			(void)sg_x509_nc_check(&c, &c, true, &budget, why, sizeof why);
		}
	}
	if (sg_x509_crl_parse(&crl, data, size, err, sizeof err) == 0) {
		uint8_t s[] = {0x1f};
		(void)sg_x509_crl_lookup(&crl, (sg_rd){s, 1}, &reason);
	}
	return 0;
}
