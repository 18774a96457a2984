/*
 * sigil serve's validators (tools/serve/files.c, issue 20): the
 * If-Match / If-None-Match entity-tag lists and If-Range, parsed from a
 * client's request fields, with the negative cases (RFC 9110 8.8.3,
 * 13.1), then a deterministic fuzz loop over random field values (run it
 * under make asan: no read outside a value, and only the four answers).
 * The file is compiled in here, with stubs for the response writers it
 * calls, so that its static parsers can be called directly.
 */
#include "../../tools/serve/files.c"

#include "test.h"

#include "../../fuzz/serve_stubs.h"

/* A request with the field lines given as "name", "value", ..., NULL. */
static void req_of(sg_http_request *r, const char *const *nv)
{
	memset(r, 0, sizeof *r);
	for (; nv[0]; nv += 2) {
		sg_http_header *f = &r->fields[r->nfields++];
		f->name = (sg_http_str){ nv[0], strlen(nv[0]) };
		f->value = (sg_http_str){ nv[1], strlen(nv[1]) };
	}
}

static int list1(const char *name, const char *value, const char *ours, bool strong)
{
	sg_http_request r;
	const char *nv[] = { name, value, NULL };
	req_of(&r, nv);
	return etag_list(&r, name, ours, strong);
}

static void test_lists(void)
{
	static const struct {
		const char *value, *ours;
		int weak, strong;       /* If-None-Match's answer, If-Match's */
	} cases[] = {
		{ "\"a\"", "\"a\"", 1, 1 },
		{ "W/\"a\"", "\"a\"", 1, 0 },                   /* weak matches only weakly */
		{ "\"b\", \"a\"", "\"a\"", 1, 1 },
		{ "\"b\",W/\"a\"", "\"a\"", 1, 0 },
		{ "\"b\"", "\"a\"", 0, 0 },
		{ " \"b\" ,, , \"a\" ", "\"a\"", 1, 1 },        /* empty elements (5.6.1) */
		{ "*", "\"a\"", 1, 1 },
		{ " * ", "\"a\"", 1, 1 },
		{ "\"\"", "\"\"", 1, 1 },                       /* an empty opaque-tag */
		{ "\"a,b\"", "\"a,b\"", 1, 1 },                 /* a comma inside the quotes */
		{ "\"a,b\", \"c\"", "\"c\"", 1, 1 },
		{ "\"\x80\xff\"", "\"\x80\xff\"", 1, 1 },       /* obs-text */
		{ "\"A\"", "\"a\"", 0, 0 },                     /* opaque tags compare exactly */
		/* Not the syntax: -2. */
		{ "*, \"a\"", "\"a\"", -2, -2 },
		{ "\"a\", *", "\"a\"", -2, -2 },
		{ "a", "\"a\"", -2, -2 },
		{ "\"a", "\"a\"", -2, -2 },
		{ "a\"", "\"a\"", -2, -2 },
		{ "\"", "\"a\"", -2, -2 },
		{ "\"a b\"", "\"a b\"", -2, -2 },               /* SP is no etagc */
		{ "\"a\"b\"", "\"a\"", -2, -2 },
		{ "\"a\"x", "\"a\"", -2, -2 },
		{ "w/\"a\"", "\"a\"", -2, -2 },                 /* "W/" is case-sensitive */
		{ "W/ \"a\"", "\"a\"", -2, -2 },
		{ "W/", "\"a\"", -2, -2 },
		{ "W/a", "\"a\"", -2, -2 },
		{ "", "\"a\"", -2, -2 },                        /* no element at all */
		{ " , ,", "\"a\"", -2, -2 },
		{ "**", "\"a\"", -2, -2 },
		{ "\"a\"\t\"b\"", "\"a\"", -2, -2 },
		{ "\"a\x7f\"", "\"a\x7f\"", -2, -2 },           /* DEL */
		{ "\"a\x01\"", "\"a\x01\"", -2, -2 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int w = list1("If-None-Match", cases[i].value, cases[i].ours, false);
		int s = list1("if-match", cases[i].value, cases[i].ours, true);
		CHECK_MSG(w == cases[i].weak && s == cases[i].strong, "[%s] vs %s: %d %d, want %d %d", cases[i].value,
			  cases[i].ours, w, s, cases[i].weak, cases[i].strong);
	}
	sg_http_request r;
	const char *none[] = { "Range", "bytes=0-1", NULL };
	req_of(&r, none);
	CHECK(etag_list(&r, "if-none-match", "\"a\"", false) == NO_FIELD);
	/* Lines combine (5.3); one bad line spoils the field. */
	const char *two[] = { "If-None-Match", "\"x\"", "if-none-match", "\"a\"", NULL };
	req_of(&r, two);
	CHECK(etag_list(&r, "if-none-match", "\"a\"", false) == 1);
	CHECK(etag_list(&r, "if-none-match", "\"q\"", false) == 0);
	const char *bad[] = { "If-None-Match", "\"a\"", "If-None-Match", "junk", NULL };
	req_of(&r, bad);
	CHECK(etag_list(&r, "if-none-match", "\"a\"", false) == BAD_FIELD);
	/* "*" alone on its line, though another line lists tags. */
	const char *star[] = { "If-Match", "*", "If-Match", "\"b\"", NULL };
	req_of(&r, star);
	CHECK(etag_list(&r, "if-match", "\"a\"", true) == 1);
	/* Our own ETags. */
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_ino = 0xabc;
	st.st_size = 16;
	st.st_mtim.tv_sec = 1;
	st.st_mtim.tv_nsec = 2;
	char e[80];
	file_etag(&st, e, sizeof e);
	CHECK_MSG(strcmp(e, "\"abc-10-3b9aca02\"") == 0, "%s", e);
	const char *tag;
	size_t tl;
	bool weak;
	CHECK(parse_etag(e, strlen(e), &tag, &tl, &weak) && !weak && tl == strlen(e));
	st.st_mtim.tv_nsec = 3;
	char e2[80];
	file_etag(&st, e2, sizeof e2);
	CHECK(strcmp(e, e2) != 0);
}

static void test_if_range(void)
{
	static const char *ours = "\"a\"";
	int64_t mtime = 1700000000;
	char date[SG_HTTP_DATE_LEN + 1], other[SG_HTTP_DATE_LEN + 1];
	sg_http_date_format(mtime, date);
	sg_http_date_format(mtime + 1, other);
	static const struct {
		const char *v;
		int want;
	} cases[] = {
		{ "\"a\"", 1 }, { "W/\"a\"", 0 }, { "\"b\"", 0 }, { "\"a\", \"b\"", 0 }, { "*", 0 }, { "", 0 },
		{ "junk", 0 }, { "\"a", 0 }, { "W/", 0 },
	};
	sg_http_request r;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *nv[] = { "If-Range", cases[i].v, NULL };
		req_of(&r, nv);
		CHECK_MSG(if_range_holds(&r, ours, (time_t)mtime) == cases[i].want, "If-Range: %s", cases[i].v);
	}
	const char *d1[] = { "if-range", date, NULL }, *d2[] = { "If-Range", other, NULL };
	req_of(&r, d1);
	CHECK(if_range_holds(&r, ours, (time_t)mtime));
	req_of(&r, d2);
	CHECK(!if_range_holds(&r, ours, (time_t)mtime));
	const char *twice[] = { "If-Range", "\"a\"", "If-Range", "\"a\"", NULL };
	req_of(&r, twice);
	CHECK(!if_range_holds(&r, ours, (time_t)mtime));
	const char *none[] = { "Range", "bytes=1-2", NULL };
	req_of(&r, none);
	CHECK(if_range_holds(&r, ours, (time_t)mtime));
}

/* Random values over the bytes that matter, from a fixed seed: every
 * answer one of the four, a strong match always a weak one too, and each
 * value read from a buffer of exactly its length (ASan sees overreads). */
static void test_fuzz(void)
{
	static const char alphabet[] = "\"\"\"W/,, *a\t\x80\x7f\x01";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned bad = 0, match = 0;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = (size_t)(x % 24);
		char *v = malloc(n + 1);
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v[k] = alphabet[x % (sizeof alphabet - 1)];
		}
		v[n] = 0;
		sg_http_request r;
		memset(&r, 0, sizeof r);
		r.nfields = 1;
		r.fields[0].name = (sg_http_str){ "If-Match", 8 };
		r.fields[0].value = (sg_http_str){ v, n };
		int s = etag_list(&r, "if-match", "\"a\"", true), w = etag_list(&r, "if-match", "\"a\"", false);
		if (s < BAD_FIELD || s > 1 || w < BAD_FIELD || w > 1 || s == NO_FIELD || (s == 1 && w != 1) ||
		    ((s == BAD_FIELD) != (w == BAD_FIELD)))
			bad++;
		match += w == 1;
		r.fields[0].name = (sg_http_str){ "If-Range", 8 };
		(void)if_range_holds(&r, "\"a\"", 0);
		free(v);
	}
	CHECK_MSG(bad == 0, "%u inconsistent answers", bad);
	CHECK_MSG(match > 100, "only %u random values matched: the loop explores too little", match);
}

int main(void)
{
	test_lists();
	test_if_range();
	test_fuzz();
	return TEST_END();
}
