/*
 * libFuzzer target: CRLs (RFC 5280 section 5) — the DER parser, serial
 * lookup through revokedCertificates and their entry extensions, and the
 * CRL list that the config's PEM/DER loader fills.
 *
 * Built by `make fuzz` (fuzz.mk); seeds in fuzz/corpus/fuzz_crl/.
 */
#include <stddef.h>
#include <stdint.h>

#include "der/der.h"
#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_x509_crl crl;
	char err[128];
	int reason;
	if (sg_x509_crl_parse(&crl, data, size, err, sizeof err) == 0) {
		/* Serials that are rarely listed, plus ones the fuzzer can
		 * make match: the input's own bytes at a few offsets. */
		static const uint8_t fixed[] = { 0x01, 0x00, 0x7f, 0x1f };
		for (size_t i = 0; i < sizeof fixed; i++)
			if (sg_x509_crl_lookup(&crl, (sg_rd){ fixed + i, 1 }, &reason) == 1)
				(void)sg_x509_crl_reason_name(reason);
		for (size_t off = 0; off + 1 < size && off < 64; off += 13)
			for (size_t n = 1; n <= 20 && off + n <= size; n += 7)
				if (sg_x509_crl_lookup(&crl, (sg_rd){ data + off, n }, &reason) == 1)
					(void)sg_x509_crl_reason_name(reason);
		/* Every listed serial is looked up: walks each entry and
		 * its extensions (reason codes). */
		sg_rd list = crl.revoked;
		for (int i = 0; i < 64 && list.n; i++) {
			sg_rd entry, serial;
			if (!sg_der_get(&list, 0x30, &entry) || !sg_der_get_integer(&entry, &serial))
				break;
			if (sg_x509_crl_lookup(&crl, serial, &reason) == 1)
				(void)sg_x509_crl_reason_name(reason);
		}
	}
	sg_x509_crls *l = sg_x509_crls_new();
	if (l) {
		(void)sg_x509_crls_add_der(l, data, size, err, sizeof err);
		(void)sg_x509_crls_add_pem(l, (const char *)data, size, err, sizeof err);
		for (size_t i = 0; i < sg_x509_crls_count(l); i++)
			(void)sg_x509_crls_at(l, i);
		sg_x509_crls_free(l);
	}
	return 0;
}
