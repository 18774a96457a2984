/*
 * Stubs for the response writers that tools/serve/files.c calls, so that
 * a test or a fuzz target can compile that file in and call its static
 * parsers (tests/unit/etag_test.c, fuzz/fuzz_etag.c).  Include after
 * tools/serve/files.c.
 */
#ifndef SERVE_STUBS_H
#define SERVE_STUBS_H

int set_head(hconn *c, int status, const char *type, uint64_t len, const sg_http_header *extra, size_t nextra)
{
	(void)c, (void)status, (void)type, (void)len, (void)extra, (void)nextra;
	return 0;
}

void respond_text(hconn *c, int status, const char *body, int head_only)
{
	(void)c, (void)status, (void)body, (void)head_only;
}

void html_escape(char *out, size_t cap, const char *in)
{
	snprintf(out, cap, "%s", in);
}

#endif
