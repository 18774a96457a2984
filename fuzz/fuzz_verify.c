/*
 * libFuzzer target: certificate path validation (src/x509/verify.c, nc.c,
 * host.c, crl.c) on chains the fuzzer builds.
 *
 * Input: one option byte, then DER TLVs back to back.  The first TLV is the
 * trust anchor; each later one is a CRL when it parses as one, otherwise a
 * presented certificate (leaf first, then intermediates in any order).
 * The option byte picks the purpose, the host name to check and whether a
 * CRL is required.  Validation time is fixed (2024-01-01, as in most
 * x509-limbo cases the seeds come from).
 *
 * Mutated certificates never carry valid signatures, so validation would
 * stop at the first signature check; this target switches signature
 * checks off (sg_x509_fuzz_skip_signatures, which exists only in fuzzing
 * builds) to reach the constraint, name and revocation logic behind them.
 * Signature checking itself is exercised by the other targets and tests.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "der/der.h"
#include "x509/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {
	NULL, "example.com", "www.example.com", "foo.bar.example.com", "localhost",
	"127.0.0.1", "::1", "xn--bcher-kva.example", "a.b.c.d.e.example.com",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	sg_x509_fuzz_skip_signatures = true;
	uint8_t opt = data[0];
	sg_rd in = { data + 1, size - 1 }, whole, chain[SG_X509_MAX_CHAIN];
	size_t n = 0;
	uint8_t tag;
	char err[256];
	sg_x509_store *trust = sg_x509_store_new();
	sg_x509_crls *crls = sg_x509_crls_new();
	if (!trust || !crls)
		goto out;
	if (!sg_der_get_any(&in, &tag, NULL, &whole) ||
	    sg_x509_store_add_der(trust, whole.p, whole.n, err, sizeof err) < 0)
		goto out;
	while (n < SG_X509_MAX_CHAIN && sg_der_get_any(&in, &tag, NULL, &whole)) {
		sg_x509_crl crl;
		if (sg_x509_crl_parse(&crl, whole.p, whole.n, err, sizeof err) == 0)
			(void)sg_x509_crls_add_der(crls, whole.p, whole.n, err, sizeof err);
		else
			chain[n++] = whole;
	}
	if (n == 0)
		goto out;
	sg_x509_verify_opts o = {
		.host = hosts[(opt & 0x0f) % (sizeof hosts / sizeof hosts[0])],
		.purpose = (opt >> 4) & 3,
		.at = 1704067200,       /* 2024-01-01T00:00:00Z */
		.crls = crls,
		.crl_required = (opt & 0x40) != 0,
		.max_depth = (opt & 0x80) ? 3 : 0,
	};
	if (o.purpose > SG_X509_PURPOSE_ANY)
		o.purpose = SG_X509_PURPOSE_SERVER;
	sg_x509_result *res = malloc(sizeof(*res));
	if (res) {
		(void)sg_x509_verify(trust, chain, n, &o, res);
		free(res);
	}
out:
	sg_x509_crls_free(crls);
	sg_x509_store_free(trust);
	return 0;
}
