/*
 * Strict amounts.  A bank that reads "1e3" as a thousand, "1.005" as a
 * rounded 1.01, "-5" as a refund or "92233720368547758.08" as whatever
 * the overflow makes of it has a bug an attacker can spend; here each of
 * them is a sentence for the person who typed it.
 */
#include "money.h"

#include <stdbool.h>
#include <string.h>

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The sentence for the first byte that is not part of an amount. */
static const char *explain(const char *s, size_t n, bool integer)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (digit(c) || (!integer && c == '.'))
			continue;
		if (c == '-')
			return integer ? "the number must be positive, without a sign"
			               : "the amount must be positive, without a sign (negative amounts are refused)";
		if (c == '+')
			return "write the number without a sign";
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			return "write the number without spaces";
		if (c == 'e' || c == 'E')
			return "write the number in plain digits, without an exponent (1000, not 1e3)";
		if (c == ',' || c == '\'' || c == '_')
			return integer ? "write the number without separators (1000, not 1,000)"
			               : "write the amount without separators, with a point before the cents (1000.50, not 1,000.50 or 1000,50)";
		if (c == '.')
			return "shares are whole numbers";
		return integer ? "the number may hold only the digits 0 to 9"
		               : "the amount may hold only the digits 0 to 9 and one point before the cents";
	}
	return NULL;
}

int money_parse(const char *s, size_t n, int64_t *cents, const char **why)
{
	const char *w = explain(s, n, false);
	if (n == 0) {
		*why = "enter an amount";
		return -1;
	}
	if (w) {
		*why = w;
		return -1;
	}
	const char *dot = memchr(s, '.', n);
	size_t ilen = dot ? (size_t)(dot - s) : n;
	size_t flen = dot ? n - ilen - 1 : 0;
	if (dot && memchr(dot + 1, '.', flen) != NULL) {
		*why = "the amount has more than one point";
		return -1;
	}
	if (ilen == 0) {
		*why = "write a digit before the point (0.50, not .50)";
		return -1;
	}
	if (dot && flen == 0) {
		*why = "write the cents after the point, or no point (12 or 12.00, not 12.)";
		return -1;
	}
	if (flen > 2) {
		*why = "an amount has at most two decimals: the bank counts in whole cents";
		return -1;
	}
	if (ilen > 1 && s[0] == '0') {
		*why = "write the amount without leading zeros";
		return -1;
	}
	/* MONEY_MAX_CENTS has 12 digits: 10 before the point.  Longer
	 * integer parts are refused before any arithmetic, so nothing here
	 * can overflow. */
	if (ilen > 10) {
		*why = "the amount is too large: one operation moves at most 1,000,000,000.00";
		return -1;
	}
	int64_t v = 0;
	for (size_t i = 0; i < ilen; i++)
		v = v * 10 + (s[i] - '0');
	int64_t c = 0;
	if (flen >= 1)
		c += (dot[1] - '0') * 10;
	if (flen == 2)
		c += dot[2] - '0';
	v = v * 100 + c;
	if (v == 0) {
		*why = "the amount must be more than zero";
		return -1;
	}
	if (v > MONEY_MAX_CENTS) {
		*why = "the amount is too large: one operation moves at most 1,000,000,000.00";
		return -1;
	}
	*cents = v;
	return 0;
}

static int parse_count(const char *s, size_t n, int64_t max, int64_t *out, const char **why,
                       const char *too_large, const char *zero)
{
	const char *w = explain(s, n, true);
	if (n == 0) {
		*why = "enter a number";
		return -1;
	}
	if (w) {
		*why = w;
		return -1;
	}
	if (n > 1 && s[0] == '0') {
		*why = "write the number without leading zeros";
		return -1;
	}
	/* Checked at every digit: v stays at most max * 10 + 9. */
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > max) {
			*why = too_large;
			return -1;
		}
	}
	if (v == 0) {
		*why = zero;
		return -1;
	}
	*out = v;
	return 0;
}

int count_parse(const char *s, size_t n, int64_t max, int64_t *out, const char **why)
{
	return parse_count(s, n, max, out, why, "the number is too large", "the number must be at least 1");
}

int shares_parse(const char *s, size_t n, int64_t *shares, const char **why)
{
	return parse_count(s, n, SHARES_MAX, shares, why, "one trade buys or sells at most 1,000,000 shares",
	                   "trade at least one share");
}

void money_format(int64_t cents, char out[MONEY_FMT_MAX])
{
	/* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
	uint64_t m = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	char tmp[MONEY_FMT_MAX];
	size_t t = 0;
	tmp[t++] = (char)('0' + m % 10);
	m /= 10;
	tmp[t++] = (char)('0' + m % 10);
	m /= 10;
	tmp[t++] = '.';
	int group = 0;
	do {
		if (group == 3) {
			tmp[t++] = ',';
			group = 0;
		}
		tmp[t++] = (char)('0' + m % 10);
		m /= 10;
		group++;
	} while (m > 0);
	size_t o = 0;
	if (cents < 0)
		out[o++] = '-';
	while (t > 0)
		out[o++] = tmp[--t];
	out[o] = '\0';
}
