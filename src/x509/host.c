/*
 * Host-name matching: RFC 9525 (which obsoletes RFC 6125) §6.
 *
 * Decisions, stated once:
 * - Only subjectAltName is consulted.  There is NO fallback to the
 *   subject's Common Name, with or without a SAN: RFC 9525 §2 drops CN-IDs
 *   and the CA/Browser Forum Baseline Requirements have required SANs
 *   since 2012, so a CN-only certificate is refused.
 * - A reference identity that parses as an IP literal matches only
 *   iPAddress entries, byte for byte (§6.2); never a dNSName.
 * - DNS names compare as ASCII, case-insensitively (§6.3, A-labels; a
 *   U-label host must be converted by the caller).  One trailing dot on
 *   the host is ignored.
 * - A wildcard is accepted only as the complete left-most label ("*."),
 *   matches exactly one non-empty label, and needs at least two labels
 *   after it (so "*.com" and "*" never match) (§6.3 rules 1-3).
 */
#include "x509/internal.h"

#include <stdio.h>
#include <string.h>


bool sg_x509_dns_valid(const uint8_t *p, size_t n, bool wildcard_ok)
{
	if (n == 0 || n > 253)
		return false;
	size_t i = 0;
	if (wildcard_ok && n >= 2 && p[0] == '*' && p[1] == '.')
		i = 2;
	size_t start = i;
	for (; i <= n; i++) {
		if (i == n || p[i] == '.') {
			size_t len = i - start;
			if (len == 0 || len > 63 || p[start] == '-' || p[i - 1] == '-')
				return false;
			start = i + 1;
			continue;
		}
		uint8_t c = sg_x509_lower(p[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool sg_x509_dns_match(const uint8_t *pat, size_t plen, const char *host)
{
	size_t hlen = strlen(host);
	if (hlen && host[hlen - 1] == '.')
		hlen--;
	const uint8_t *h = (const uint8_t *)host;
	if (!sg_x509_dns_valid(h, hlen, false) || !sg_x509_dns_valid(pat, plen, true))
		return false;
	if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
		/* §6.3: the wildcard stands for exactly the left-most label. */
		const uint8_t *rest = pat + 1;          /* ".example.com" */
		size_t rlen = plen - 1;
		if (memchr(rest + 1, '.', rlen - 1) == NULL)
			return false;   /* "*.com": at least two labels after */
		const uint8_t *dot = memchr(h, '.', hlen);
		if (!dot || dot == h)
			return false;
		size_t tail = hlen - (size_t)(dot - h);
		return tail == rlen && sg_x509_ieq(dot, rest, rlen);
	}
	return plen == hlen && sg_x509_ieq(pat, h, hlen);
}

size_t sg_x509_parse_ip(const char *s, uint8_t out[16])
{
	/* IPv4 dotted quad: four decimal octets, no leading zeros (which
	 * some parsers read as octal). */
	size_t n = strlen(s);
	if (n == 0 || n > 45)
		return 0;
	if (!strchr(s, ':')) {
		unsigned part = 0, ndig = 0, nparts = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i == n || s[i] == '.') {
				if (ndig == 0 || nparts == 4)
					return 0;
				out[nparts++] = (uint8_t)part;
				part = ndig = 0;
				continue;
			}
			if (s[i] < '0' || s[i] > '9' || (ndig == 1 && part == 0))
				return 0;
			part = part * 10 + (unsigned)(s[i] - '0');
			if (++ndig > 3 || part > 255)
				return 0;
		}
		return nparts == 4 ? 4 : 0;
	}
	/* IPv6 (RFC 4291 §2.2): eight groups, one "::" elision, optional
	 * trailing dotted quad. */
	uint16_t g[8];
	int ngroups = 0, elide = -1;
	size_t i = 0;
	if (s[0] == ':') {
		if (s[1] != ':')
			return 0;
		elide = 0;
		i = 2;
	}
	while (i < n) {
		size_t j = i;
		unsigned v = 0;
		while (j < n && j - i < 5) {
			char c = s[j];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			v = v << 4 | (unsigned)d;
			j++;
		}
		if (j < n && s[j] == '.') {
			/* embedded IPv4 in the last 32 bits */
			uint8_t v4[16];
			if (ngroups > 6 || sg_x509_parse_ip(s + i, v4) != 4)
				return 0;
			g[ngroups++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ngroups++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = n;
			break;
		}
		if (j == i || j - i > 4 || ngroups == 8)
			return 0;
		g[ngroups++] = (uint16_t)v;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < n && s[i] == ':') {
			if (elide >= 0)
				return 0;
			elide = ngroups;
			i++;
		} else if (i == n) {
			return 0;       /* trailing single colon */
		}
	}
	if (elide < 0 && ngroups != 8)
		return 0;
	if (elide >= 0 && ngroups > 7)
		return 0;
	memset(out, 0, 16);
	int tail = elide < 0 ? 0 : ngroups - elide;
	int head = ngroups - tail;
	for (int k = 0; k < head; k++) {
		out[2 * k] = (uint8_t)(g[k] >> 8);
		out[2 * k + 1] = (uint8_t)g[k];
	}
	for (int k = 0; k < tail; k++) {
		int pos = 8 - tail + k;
		out[2 * pos] = (uint8_t)(g[head + k] >> 8);
		out[2 * pos + 1] = (uint8_t)g[head + k];
	}
	return 16;
}

struct match_ctx {
	const char *host;
	uint8_t ip[16];
	size_t iplen;
	bool matched;
};

static int match_one(void *vctx, uint8_t tag, sg_rd v)
{
	struct match_ctx *m = vctx;
	if (m->iplen) {
		if (tag == SG_DER_CTX(7) && v.n == m->iplen && memcmp(v.p, m->ip, v.n) == 0)
			m->matched = true;
	} else if (tag == SG_DER_CTX(2)) {
		if (sg_x509_dns_match(v.p, v.n, m->host))
			m->matched = true;
	}
	return 0;
}

bool sg_x509_host_match(const sg_x509_cert *c, const char *host)
{
	struct match_ctx m = {.host = host};
	if (!c->san_present || !host)
		return false;
	m.iplen = sg_x509_parse_ip(host, m.ip);
	if (sg_x509_general_names(c->san, match_one, &m) != 0)
		return false;
	return m.matched;
}
