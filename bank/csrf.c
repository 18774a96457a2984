/*
 * Form tokens against cross-site request forgery.  The browser presents
 * the client certificate to any page that posts a form to the bank, also
 * to a form on another site: the certificate proves who, never that the
 * person meant it.  Every form therefore carries a token that only the
 * bank can make, bound to the form's action, to the certificate and to
 * the time it was made:
 *
 *   token = T "." hex(HMAC-SHA256(key, "sigil-bank-csrf-1|" action "|"
 *                                      fingerprint "|" T))
 *
 * T in decimal seconds.  No cookie and no server-side state: the check
 * recomputes the MAC and compares in constant time (sg_ct_eq).  The
 * fields have fixed alphabets (a word, hex, digits), so '|' cannot be
 * forged into a different split.
 */
#include <stdio.h>
#include <string.h>

#include "bank.h"
#include "crypto/crypto.h"

static int mac(const struct bank *b, const char *action, const char *fingerprint, const char *t,
               uint8_t out[32])
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "sigil-bank-csrf-1|%s|%s|%s", action, fingerprint, t);
	if (n < 0 || (size_t)n >= sizeof msg)
		return -1;
	return sg_hmac(&sg_sha256, b->key, sizeof b->key, (const uint8_t *)msg, (size_t)n, out);
}

void csrf_make(const struct bank *b, const char *action, const char *fingerprint, int64_t now,
               char out[CSRF_TOKEN_MAX])
{
	char t[24], h[65];
	uint8_t m[32];
	snprintf(t, sizeof t, "%lld", (long long)now);
	if (mac(b, action, fingerprint, t, m) != 0) {
		/* No token: the form's post will be refused, not trusted. */
		out[0] = 0;
		return;
	}
	sg_hex(m, sizeof m, h);
	snprintf(out, CSRF_TOKEN_MAX, "%s.%s", t, h);
}

int csrf_check(const struct bank *b, const char *action, const char *fingerprint, const char *token,
               int64_t now, const char **why)
{
	const char *dot = strchr(token, '.');
	size_t tl = dot ? (size_t)(dot - token) : 0;
	if (!dot || tl == 0 || tl > 19 || strlen(dot + 1) != 64) {
		*why = "the form's security token is missing or malformed: reload the page and submit the form again";
		return -1;
	}
	int64_t t = 0;
	for (size_t i = 0; i < tl; i++) {
		if (token[i] < '0' || token[i] > '9' || (i == 0 && token[i] == '0' && tl > 1)) {
			*why = "the form's security token is malformed: reload the page and submit the form again";
			return -1;
		}
		t = t * 10 + (token[i] - '0');
	}
	char ts[24], h[65];
	uint8_t m[32];
	memcpy(ts, token, tl);
	ts[tl] = 0;
	if (mac(b, action, fingerprint, ts, m) != 0) {
		*why = "the form's security token could not be checked";
		return -1;
	}
	sg_hex(m, sizeof m, h);
	/* Constant time: a byte-by-byte early exit would let a forger learn
	 * the MAC one byte at a time.  Lower-case hex only, as made. */
	if (!sg_ct_eq(h, dot + 1, 64)) {
		*why = "the form's security token is not valid for this form and certificate: reload the page and submit the form again";
		return -1;
	}
	/* The time is checked after the MAC, so that it is one we made. */
	if (t > now + 60) {
		*why = "the form's security token is from the future: check the server's clock";
		return -1;
	}
	if (now - t >= CSRF_LIFETIME) {
		*why = "the form has expired (forms are valid for an hour): reload the page and submit the form again";
		return -1;
	}
	return 0;
}
