/*
 * sigil serve's validators on a client's request head: the If-Match and
 * If-None-Match entity-tag lists and If-Range (tools/serve/files.c, RFC
 * 9110 8.8.3, 13.1), reached the way a request reaches them, through
 * src/http's request parser.
 *
 * Oracles: each answer is one of the four the code defines; a strong
 * match (If-Match's comparison) implies a weak one on the same field
 * lines (13.1.1 vs 13.1.2: weak comparison accepts more); If-Range never
 * holds for a tag other than ours, since it compares strongly.
 */
#include "../tools/serve/files.c"

#include "serve_stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sg_http_request req;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* First byte: which of three tags is ours; the rest: the head. */
	static const char *const ours[] = { "\"1a2b-40-17e0\"", "\"x\"", "\"\"" };
	if (size < 1)
		return 0;
	const char *tag = ours[data[0] % 3];
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	if (sg_http_parse_request(buf, len, &req) <= 0)
		return 0;
	static const char *const names[] = { "if-match", "if-none-match" };
	for (size_t i = 0; i < 2; i++) {
		int strong = etag_list(&req, names[i], tag, true);
		int weak = etag_list(&req, names[i], tag, false);
		if (strong < BAD_FIELD || strong > 1 || weak < BAD_FIELD || weak > 1)
			abort();
		/* Same lines, so the same syntax verdict; strong => weak. */
		if ((strong < 0) != (weak < 0) || (strong < 0 && strong != weak) || (strong == 1 && weak != 1))
			abort();
	}
	/* mtime 0: a date in the field matches only the epoch. */
	bool holds = if_range_holds(&req, tag, 0);
	bool many;
	const sg_http_str *v = one_field(&req, "if-range", &many);
	if (!v && !holds)
		abort();
	if (v && many && holds)
		abort();
	return 0;
}
