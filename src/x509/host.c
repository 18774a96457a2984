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
#include "x509/oids.h"

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

/* IPv4 dotted quad, the n bytes at s: four decimal octets, no leading
 * zeros (which some parsers read as octal).  True when out[0..3] is set. */
static bool parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
	unsigned part = 0, ndig = 0, nparts = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (ndig == 0 || nparts == 4)
				return false;
			out[nparts++] = (uint8_t)part;
			part = ndig = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || (ndig == 1 && part == 0))
			return false;
		part = part * 10 + (unsigned)(s[i] - '0');
		if (++ndig > 3 || part > 255)
			return false;
	}
	return nparts == 4;
}

size_t sg_x509_parse_ip(const char *s, uint8_t out[16])
{
	size_t n = strlen(s);
	if (n == 0 || n > 45)
		return 0;
	if (!strchr(s, ':'))
		return parse_ipv4(s, n, out) ? 4 : 0;
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
			/* An embedded IPv4 address in the last 32 bits: the
			 * whole rest of the string, parsed as IPv4 only (a
			 * recursive call on a rest that still holds a colon
			 * would parse the same text again, without end). */
			uint8_t v4[4];
			if (ngroups > 6 || !parse_ipv4(s + i, n - i, v4))
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

/* ---- the subject commonName of a server certificate ---- */

void sg_x509_ip_text(const uint8_t *a, size_t n, char *out, size_t cap)
{
	if (n == 4) {
		snprintf(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* RFC 5952 §4: lowercase hex, no leading zeros in a group (4.1,
	 * 4.3), the longest run of two or more zero groups shortened to
	 * "::", the first such run on a tie (4.2). */
	unsigned g[8];
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < 8 && o < cap; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, cap - o, "::");
			i += bestlen - 1;
			continue;
		}
		bool colon = i > 0 && i != best + bestlen;
		o += (size_t)snprintf(out + o, cap - o, "%s%x", colon ? ":" : "", g[i]);
	}
}

struct cn_ctx {
	const uint8_t *cn;
	size_t n;
	uint8_t ip[16];
	size_t iplen;
	bool found;
};

static int cn_in_san(void *vctx, uint8_t tag, sg_rd v)
{
	struct cn_ctx *x = vctx;
	if (x->iplen ? tag == SG_DER_CTX(7) && v.n == x->iplen && memcmp(v.p, x->ip, v.n) == 0
		     : tag == SG_DER_CTX(2) && v.n == x->n && sg_x509_ieq(v.p, x->cn, x->n))
		x->found = true;
	return 0;
}

/* CA/Browser Forum Baseline Requirements 7.1.4.3 (subscriber
 * certificates, subject:commonName): "If present, this field MUST
 * contain exactly one entry that is one of the values contained in the
 * Certificate's subjectAltName extension", an IPv4 address as in
 * RFC 3986 3.2.2 (dotted decimal), an IPv6 address as in RFC 5952 4, a
 * domain name as a copy of the dNSName entry (A-labels, never turned into
 * Unicode).  The rule exists for clients that still read the CN (RFC
 * 6125's fallback, which sigil dropped): a CN that is no SAN value is a
 * host name the CA never put where names are checked, name constraints
 * included.
 *
 * Applied to every CN that names a host: an IP address in any
 * spelling, or a dotted name.  DNS names compare case-insensitively
 * (RFC 4343): a CN that differs from its SAN entry only in case names
 * the same host.  A CN that cannot name a host of the web (one label
 * without a dot, or text with spaces: "kube-apiserver", "EE", "Example
 * Server") is left alone: no public CA can issue for it, no client can
 * be misled by it, and private CAs in wide use write such CNs beside
 * their SAN (kubeadm's API server certificate); see
 * docs/x509-differences.md, cn-in-san.  More than one CN is always
 * refused. */
int sg_x509_cn_check(const sg_x509_cert *c, char *why, size_t cap)
{
	sg_rd name = c->subject, seq, val = {0};
	unsigned ncn = 0;
	uint8_t vtag = 0;
	if (!sg_der_get(&name, SG_DER_SEQUENCE, &seq))
		goto bad;
	while (!sg_rd_done(&seq)) {
		sg_rd set;
		if (!sg_der_get(&seq, SG_DER_SET, &set))
			goto bad;
		while (!sg_rd_done(&set)) {
			sg_rd atv, oid, v;
			uint8_t tag;
			if (!sg_der_get(&set, SG_DER_SEQUENCE, &atv) || !sg_der_get_oid(&atv, &oid) ||
			    !sg_der_get_any(&atv, &tag, &v, NULL))
				goto bad;
			if (SG_DER_OID_IS(oid, sg_oid_cn) && ncn++ == 0) {
				val = v;
				vtag = tag;
			}
		}
	}
	if (ncn == 0)
		return 0;
	if (ncn > 1) {
		snprintf(why, cap, "the subject has %u commonName attributes; a server certificate "
			 "may have one (CA/B Forum BR 7.1.4.3)", ncn);
		return -1;
	}
	/* The text of the value: the 8-bit string types as they are (a
	 * byte above 0x7f makes no A-label nor address), BMP and
	 * Universal strings as UTF-8. */
	char text[256];
	struct cn_ctx x = {0};
	if (vtag == SG_DER_BMP_STRING || vtag == SG_DER_UNIVERSAL_STRING) {
		x.n = sg_der_string_to_utf8(vtag, val, text, sizeof text);
		x.cn = (const uint8_t *)text;
	} else {
		x.cn = val.p;
		x.n = val.n;
	}
	bool dot = false, colon = false, space = false, digits_dots = x.n > 0, hexish = true;
	for (size_t i = 0; i < x.n; i++) {
		uint8_t ch = x.cn[i];
		dot |= ch == '.';
		colon |= ch == ':';
		space |= ch <= 0x20 || ch == 0x7f;
		digits_dots &= ch == '.' || (ch >= '0' && ch <= '9');
		hexish &= ch == '.' || ch == ':' || (ch >= '0' && ch <= '9') ||
			  (sg_x509_lower(ch) >= 'a' && sg_x509_lower(ch) <= 'f');
	}
	bool ip_like = digits_dots || (colon && hexish);
	if (!ip_like && (!dot || space))
		return 0;       /* names no host: see above */
	char lit[64];
	snprintf(lit, sizeof lit, "%.*s", (int)(x.n < 63 ? x.n : 63), (const char *)x.cn);
	if (ip_like) {
		x.iplen = x.n < sizeof lit ? sg_x509_parse_ip(lit, x.ip) : 0;
		char canon[48] = "", mapped[48] = "";
		if (x.iplen)
			sg_x509_ip_text(x.ip, x.iplen, canon, sizeof canon);
		if (x.iplen == 16) {
			static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
			/* RFC 5952 §5 recommends the mixed notation for
			 * IPv4-mapped addresses: either form is taken. */
			if (memcmp(x.ip, v4mapped, 12) == 0)
				snprintf(mapped, sizeof mapped, "::ffff:%u.%u.%u.%u",
					 x.ip[12], x.ip[13], x.ip[14], x.ip[15]);
		}
		if (!x.iplen || (strcmp(lit, canon) != 0 && strcmp(lit, mapped) != 0)) {
			if (x.iplen)
				snprintf(why, cap, "the subject commonName \"%s\" is an IP address not "
					 "in its canonical form \"%s\" (CA/B Forum BR 7.1.4.3)", lit, canon);
			else
				snprintf(why, cap, "the subject commonName \"%s\" is no IP address in "
					 "its canonical form (CA/B Forum BR 7.1.4.3)", lit);
			return -1;
		}
	} else if (!sg_x509_dns_valid(x.cn, x.n, true)) {
		char shown[80];
		sg_der_string_to_utf8(vtag, val, shown, sizeof shown);
		snprintf(why, cap, "the subject commonName \"%s\" is no DNS name in A-label form "
			 "(CA/B Forum BR 7.1.4.3)", shown);
		return -1;
	}
	if (c->san_present && sg_x509_general_names(c->san, cn_in_san, &x) != 0)
		goto bad;
	if (x.found)
		return 0;
	snprintf(why, cap, "the subject commonName \"%s\" is not one of the certificate's "
		 "subjectAltName values (CA/B Forum BR 7.1.4.3)", lit);
	return -1;
bad:
	snprintf(why, cap, "malformed subject name or subjectAltName");
	return -1;
}
