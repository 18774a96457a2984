/*
 * HTML output.  Every string that did not come from this program's own
 * literals goes through h_text, which writes the five characters that can
 * end an element's text or a quoted attribute as character references
 * (HTML Living Standard 13.1.4 and 13.1.2.3): subject names can hold
 * "<script>", "&" and quotes, and payees' references are typed by users.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bank.h"
#include "money.h"

void h_raw(sg_wr *w, const char *s)
{
	sg_wr_bytes(w, s, strlen(s));
}

void h_text(sg_wr *w, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *r;
		switch (s[i]) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		default: r = NULL; break;
		}
		if (!r)
			continue;
		sg_wr_bytes(w, s + run, i - run);
		h_raw(w, r);
		run = i + 1;
	}
	sg_wr_bytes(w, s + run, n - run);
}

void h_str(sg_wr *w, const char *s)
{
	h_text(w, s, strlen(s));
}

void h_fmt(sg_wr *w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) {
		/* Our own formats are short: a long one is a bug, and the
		 * writer's failure makes the page a 500. */
		w->failed = true;
		return;
	}
	sg_wr_bytes(w, buf, (size_t)n);
}

void h_money(sg_wr *w, int64_t cents)
{
	char m[MONEY_FMT_MAX];
	money_format(cents, m);
	h_raw(w, m);
}
