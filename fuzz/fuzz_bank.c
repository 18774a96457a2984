/*
 * libFuzzer target: the demonstration bank's parsers of what a request
 * carries (bank/money.c, bank/identity.c), with checks of their promises:
 *   - an accepted amount is 1..MONEY_MAX_CENTS cents and formats back to
 *     the same number; an accepted share count is 1..SHARES_MAX; a refusal
 *     always has a sentence;
 *   - a CN taken from an RFC 4514 name is non-empty, NUL-terminated inside
 *     its buffer, valid UTF-8 without control characters;
 *   - identity_read on a parsed request head either refuses with a
 *     sentence, finds none, or gives a CN and 64 lower-case hex digits of
 *     fingerprint.
 * The bank's sources are compiled into the target (they are not part of
 * libsigil).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../bank/identity.c"
#include "../bank/money.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sg_http_request req;

static void fuzz_money(const char *s, size_t n)
{
	int64_t v = -1;
	const char *why = NULL;
	if (money_parse(s, n, &v, &why) == 0) {
		if (v <= 0 || v > MONEY_MAX_CENTS)
			abort();
		char out[MONEY_FMT_MAX], plain[MONEY_FMT_MAX];
		money_format(v, out);
		size_t k = 0;
		for (const char *p = out; *p; p++)
			if (*p != ',')
				plain[k++] = *p;
		int64_t back = 0;
		if (money_parse(plain, k, &back, &why) != 0 || back != v)
			abort();
	} else if (!why) {
		abort();
	}
	why = NULL;
	if (shares_parse(s, n, &v, &why) == 0 ? v < 1 || v > SHARES_MAX : !why)
		abort();
}

static void fuzz_dn(const char *s, size_t n)
{
	char cn[64];
	const char *why = NULL;
	memset(cn, 'x', sizeof cn);
	if (dn_first_cn(s, n, cn, sizeof cn, &why) == 0) {
		size_t l = strnlen(cn, sizeof cn);
		if (l == 0 || l == sizeof cn || !utf8_text_ok(cn, l))
			abort();
	} else if (!why) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	fuzz_money(buf, size);
	fuzz_dn(buf, size);
	(void)utf8_text_ok(buf, size);
	if (sg_http_parse_request(buf, size, &req) > 0) {
		bank_identity id;
		const char *why = NULL;
		int r = identity_read(&req, &id, &why);
		if (r < 0 && !why)
			abort();
		if (r == 1) {
			if (!id.cn[0] || strlen(id.fingerprint) != 64)
				abort();
			for (size_t i = 0; i < 64; i++)
				if (!strchr("0123456789abcdef", id.fingerprint[i]))
					abort();
		}
	}
	return 0;
}
