/*
 * Amounts of money and numbers of shares as the bank's forms give them:
 * parsed strictly into integers (cents, whole shares), never through a
 * floating-point number, and formatted for pages.
 */
#ifndef SG_BANK_MONEY_H
#define SG_BANK_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* The most one operation may move: 1,000,000,000.00 (in cents).  Every
 * sum the ledger forms stays far below INT64_MAX with it. */
#define MONEY_MAX_CENTS 100000000000LL
/* The most shares one trade may buy or sell. */
#define SHARES_MAX 1000000LL
/* "-1,000,000,000,000,000.00" and more: enough for any int64_t. */
#define MONEY_FMT_MAX 40

/*
 * An amount as a person types it: digits, then optionally '.' and one or
 * two digits ("12", "12.5", "12.50").  Refused, each with its sentence
 * in *why: empty, a sign ('-' or '+'), white space anywhere, an exponent
 * ("1e3"), a thousands separator or a decimal comma, more than two
 * decimals ("1.005": amounts are whole cents), a leading zero ("012"), a
 * point without digits on either side, zero, and anything over
 * MONEY_MAX_CENTS.  Returns 0 with *cents set, or -1.
 */
int money_parse(const char *s, size_t n, int64_t *cents, const char **why);

/* A number of shares: 1 to SHARES_MAX, decimal digits only, no sign, no
 * leading zero, no white space.  0 with *shares, or -1 with *why. */
int shares_parse(const char *s, size_t n, int64_t *shares, const char **why);

/* A count (a quantity, 1..max, max at most 10^15) with the same rules. */
int count_parse(const char *s, size_t n, int64_t max, int64_t *v, const char **why);

/* cents as "1,234.56" or "-0.05" into out[MONEY_FMT_MAX]; any int64_t. */
void money_format(int64_t cents, char out[MONEY_FMT_MAX]);

#endif
