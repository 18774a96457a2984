/*
 * Name constraints, RFC 5280 4.2.1.10 and §6.1.3 (b)-(c).
 *
 * Every name of the certificate (subject DN, emailAddress attributes of
 * the subject, every subjectAltName entry) is checked against the
 * constraints of the same type: it must fall in no excluded subtree, and
 * in at least one permitted subtree when the CA listed permitted subtrees
 * of that type.  Types we cannot compare (otherName, x400Address,
 * ediPartyName, registeredID) compare byte for byte, so an excluded
 * subtree of such a type refuses every name of that type: fail closed.
 * Malformed constraints refuse the certificate.
 *
 * The work is names x subtrees, and both lists come from the peer: a
 * leaf with 1,000 names under a CA with 1,000 subtrees asks for a
 * million comparisons per path tried.  Every subtree looked at counts
 * against a budget that the caller shares across the whole verification
 * (SG_X509_NC_BUDGET); when it runs out the chain is refused rather than
 * checked to the end (the choice of number is in internal.h).
 */
#include "x509/internal.h"
#include "x509/oids.h"

#include <stdio.h>
#include <string.h>

#define T_EMAIL SG_DER_CTX(1)
#define T_DNS   SG_DER_CTX(2)
#define T_URI   SG_DER_CTX(6)
#define T_IP    SG_DER_CTX(7)
#define T_DN    SG_DER_CTX_CONS(4)


/* True when host (len hn) ends with the suffix, case-insensitively. */
static bool iends(const uint8_t *h, size_t hn, const uint8_t *s, size_t sn)
{
	return hn >= sn && sg_x509_ieq(h + hn - sn, s, sn);
}

/* dNSName: "any DNS name that can be constructed by simply adding zero or
 * more labels to the left-hand side of the name satisfies the name
 * constraint" (4.2.1.10). An empty constraint matches everything. */
static bool dns_within(sg_rd n, sg_rd c)
{
	if (c.n == 0)
		return true;
	if (n.n == c.n)
		return sg_x509_ieq(n.p, c.p, n.n);
	return n.n > c.n && iends(n.p, n.n, c.p, c.n) && n.p[n.n - c.n - 1] == '.';
}

/* For excluded subtrees a wildcard name "*.X" is in conflict when some
 * name it can match is excluded: when the constraint is X or within X
 * by one more label. */
static bool dns_wild_conflict(sg_rd n, sg_rd c)
{
	if (!(n.n > 2 && n.p[0] == '*' && n.p[1] == '.'))
		return false;
	sg_rd x = {n.p + 2, n.n - 2};
	if (dns_within(x, c))
		return true;
	const uint8_t *dot = memchr(c.p, '.', c.n);
	if (!dot)
		return false;
	sg_rd cr = {dot + 1, c.n - (size_t)(dot + 1 - c.p)};
	return cr.n == x.n && sg_x509_ieq(cr.p, x.p, x.n);
}

static bool mask_ok(const uint8_t *m, size_t n)
{
	/* The mask must be a run of ones then zeros (a CIDR prefix). */
	bool zero = false;
	for (size_t i = 0; i < n; i++)
		for (int b = 7; b >= 0; b--) {
			bool one = m[i] >> b & 1;
			if (one && zero)
				return false;
			if (!one)
				zero = true;
		}
	return true;
}

static bool ip_within(sg_rd n, sg_rd c)
{
	if (c.n != 2 * n.n)
		return false;   /* IPv4 name against IPv6 constraint or v.v. */
	for (size_t i = 0; i < n.n; i++)
		if ((n.p[i] & c.p[n.n + i]) != (c.p[i] & c.p[n.n + i]))
			return false;
	return true;
}

/* rfc822Name: a mailbox ("a@host"), all mailboxes of one host ("host"),
 * or of every host in a domain (".domain"). Compared literally: "*" has
 * no special meaning. */
static bool email_within(sg_rd n, sg_rd c)
{
	const uint8_t *at = NULL;
	for (size_t i = 0; i < n.n; i++)
		if (n.p[i] == '@')
			at = n.p + i;
	if (!at)
		return false;
	if (memchr(c.p, '@', c.n)) {
		/* local part case-sensitive, host not (RFC 5280 7.5) */
		const uint8_t *cat = memchr(c.p, '@', c.n);
		size_t cl = (size_t)(cat - c.p), nl = (size_t)(at - n.p);
		return cl == nl && memcmp(c.p, n.p, cl) == 0 &&
		       n.n - nl == c.n - cl && sg_x509_ieq(at, cat, n.n - nl);
	}
	const uint8_t *host = at + 1;
	size_t hn = n.n - (size_t)(host - n.p);
	if (c.n && c.p[0] == '.')
		return hn > c.n && iends(host, hn, c.p, c.n);
	return hn == c.n && sg_x509_ieq(host, c.p, hn);
}

static bool email_constraint_ok(sg_rd c)
{
	if (c.n == 0)
		return false;
	const uint8_t *at = memchr(c.p, '@', c.n);
	const uint8_t *host = c.p;
	size_t hn = c.n;
	if (at) {
		if (at == c.p || memchr(at + 1, '@', c.n - (size_t)(at + 1 - c.p)))
			return false;
		host = at + 1;
		hn = c.n - (size_t)(host - c.p);
	} else if (c.p[0] == '.') {
		host++;
		hn--;
	}
	return sg_x509_dns_valid(host, hn, false);
}

static bool email_name_ok(sg_rd n)
{
	const uint8_t *at = memchr(n.p, '@', n.n);
	if (!at || at == n.p)
		return false;
	const uint8_t *host = at + 1;
	size_t hn = n.n - (size_t)(host - n.p);
	return !memchr(host, '@', hn) && sg_x509_dns_valid(host, hn, false);
}

/* Host of an absolute URI "scheme://[userinfo@]host[:port][/...]". */
static bool uri_host(sg_rd u, sg_rd *host)
{
	const uint8_t *p = u.p, *end = u.p + u.n;
	const uint8_t *colon = memchr(p, ':', u.n);
	if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
		return false;
	const uint8_t *h = colon + 3, *e = h;
	while (e < end && *e != '/' && *e != '?' && *e != '#')
		e++;
	const uint8_t *at = NULL;
	for (const uint8_t *q = h; q < e; q++)
		if (*q == '@')
			at = q;
	if (at)
		h = at + 1;
	const uint8_t *pc = memchr(h, ':', (size_t)(e - h));
	if (pc)
		e = pc;
	if (e == h)
		return false;
	sg_rd_init(host, h, (size_t)(e - h));
	return true;
}

static bool uri_within(sg_rd n, sg_rd c)
{
	sg_rd h;
	if (!uri_host(n, &h))
		return false;
	if (c.n && c.p[0] == '.')
		return h.n > c.n && iends(h.p, h.n, c.p, c.n);
	return h.n == c.n && sg_x509_ieq(h.p, c.p, h.n);
}

/* Checks one constraint's syntax. */
static bool constraint_ok(uint8_t tag, sg_rd c)
{
	switch (tag) {
	case T_DNS:
		/* Empty matches everything; wildcards and leading periods
		 * are not DNS names (4.2.1.10 describes names, not
		 * patterns). */
		return c.n == 0 || sg_x509_dns_valid(c.p, c.n, false);
	case T_IP:
		return (c.n == 8 && mask_ok(c.p + 4, 4)) || (c.n == 32 && mask_ok(c.p + 16, 16));
	case T_EMAIL:
		return email_constraint_ok(c);
	case T_URI:
		return c.n > 0 && sg_x509_dns_valid(c.p[0] == '.' ? c.p + 1 : c.p,
						    c.p[0] == '.' ? c.n - 1 : c.n, false);
	default:
		return true;
	}
}

static bool within(uint8_t tag, sg_rd n, sg_rd c)
{
	switch (tag) {
	case T_DNS:
		return dns_within(n, c);
	case T_IP:
		return ip_within(n, c);
	case T_EMAIL:
		return email_within(n, c);
	case T_URI:
		return uri_within(n, c);
	case T_DN:
		return sg_x509_name_within(n, c);
	default:
		return n.n == c.n && memcmp(n.p, c.p, n.n) == 0;
	}
}

/* The value of a GeneralName as it appears in a subtree base: for a
 * directoryName the inner Name TLV, otherwise the content. */
static bool base_value(sg_rd base, uint8_t *tag, sg_rd *v)
{
	sg_rd c;
	if (!sg_der_get_any(&base, tag, &c, NULL))
		return false;
	if (*tag == T_DN) {
		if (!sg_der_get_whole(&c, SG_DER_SEQUENCE, v))
			return false;
	} else {
		*v = c;
	}
	return true;
}

/* 1: in some subtree of the same type; 0: none matches; 2: no subtree of
 * this type; -1: malformed constraint; -2: the comparison budget ran out.
 * Every subtree visited costs one unit, whatever its type, so a long
 * list of constraints of another type is paid for too (as webpki
 * counts). */
static int in_subtrees(sg_rd trees, uint8_t tag, sg_rd n, bool excluded, size_t *budget)
{
	bool any = false;
	while (!sg_rd_done(&trees)) {
		sg_rd sub, base, v;
		uint8_t t;
		if (*budget == 0)
			return -2;
		--*budget;
		if (!sg_der_get(&trees, SG_DER_SEQUENCE, &sub) ||
		    !sg_der_get_any(&sub, NULL, NULL, &base) || !base_value(base, &t, &v))
			return -1;
		if (t != tag)
			continue;
		any = true;
		if (within(tag, n, v) || (excluded && tag == T_DNS && dns_wild_conflict(n, v)))
			return 1;
	}
	return any ? 0 : 2;
}

/* Every subtree of a list well-formed (constraint_ok): checked once per
 * certificate, not once per name, and paid for from the budget too. */
static int subtrees_valid(sg_rd trees, size_t *budget)
{
	while (!sg_rd_done(&trees)) {
		sg_rd sub, base, v;
		uint8_t t;
		if (*budget == 0)
			return -2;
		--*budget;
		if (!sg_der_get(&trees, SG_DER_SEQUENCE, &sub) ||
		    !sg_der_get_any(&sub, NULL, NULL, &base) || !base_value(base, &t, &v) ||
		    !constraint_ok(t, v))
			return -1;
	}
	return 0;
}

static const char *type_name(uint8_t tag)
{
	switch (tag) {
	case T_EMAIL: return "email";
	case T_DNS: return "DNS";
	case T_URI: return "URI";
	case T_IP: return "IP";
	case T_DN: return "DirName";
	default: return "name";
	}
}

static void describe(uint8_t tag, sg_rd n, char *out, size_t cap)
{
	if (tag == T_IP && (n.n == 4 || n.n == 16)) {
		if (n.n == 4) {
			snprintf(out, cap, "IP:%u.%u.%u.%u", n.p[0], n.p[1], n.p[2], n.p[3]);
		} else {
			size_t o = (size_t)snprintf(out, cap, "IP:");
			for (size_t i = 0; i < 16 && o < cap; i += 2)
				o += (size_t)snprintf(out + o, cap - o, "%s%x", i ? ":" : "",
						      (unsigned)(n.p[i] << 8 | n.p[i + 1]));
		}
	} else if (tag == T_DN) {
		char dn[200];
		sg_x509_name_label(n, dn, sizeof dn);
		snprintf(out, cap, "DirName:%s", dn);
	} else if (tag == T_EMAIL || tag == T_DNS || tag == T_URI) {
		char s[200];
		sg_der_string_to_utf8(SG_DER_IA5_STRING, n, s, sizeof s);
		snprintf(out, cap, "%s:%s", type_name(tag), s);
	} else {
		snprintf(out, cap, "%s of type [%u]", type_name(tag), tag & 0x1fu);
	}
}

struct nc_ctx {
	const sg_x509_cert *ca;
	char *why;
	size_t cap;
	size_t *budget;
	bool failed, exhausted;
};

static int check_name(void *vctx, uint8_t tag, sg_rd n)
{
	struct nc_ctx *x = vctx;
	const sg_x509_cert *ca = x->ca;
	char d[240];
	describe(tag, n, d, sizeof d);
	/* Names of the types we compare must be well-formed, or a
	 * constraint could be evaded by a name no resolver would use. */
	if ((tag == T_DNS && !sg_x509_dns_valid(n.p, n.n, true)) ||
	    (tag == T_IP && n.n != 4 && n.n != 16) ||
	    (tag == T_EMAIL && !email_name_ok(n))) {
		snprintf(x->why, x->cap, "malformed %s checked against name constraints", d);
		x->failed = true;
		return 1;
	}
	if (ca->nc_has_excluded) {
		int r = in_subtrees(ca->nc_excluded, tag, n, true, x->budget);
		if (r == -2)
			goto exhausted;
		if (r < 0)
			goto bad;
		if (r == 1) {
			snprintf(x->why, x->cap, "%s is excluded by name constraints", d);
			x->failed = true;
			return 1;
		}
	}
	if (ca->nc_has_permitted) {
		int r = in_subtrees(ca->nc_permitted, tag, n, false, x->budget);
		if (r == -2)
			goto exhausted;
		if (r < 0)
			goto bad;
		if (r == 0) {
			snprintf(x->why, x->cap, "%s is not permitted by name constraints", d);
			x->failed = true;
			return 1;
		}
	}
	return 0;
exhausted:
	snprintf(x->why, x->cap, "checking the name constraints would take more than %u "
		 "comparisons of names against subtrees, so the chain is refused",
		 (unsigned)SG_X509_NC_BUDGET);
	x->failed = x->exhausted = true;
	return 1;
bad:
	snprintf(x->why, x->cap, "malformed name constraints");
	x->failed = true;
	return 1;
}

/* emailAddress attributes of the subject (RFC 5280 4.2.1.10: SHOULD be
 * checked as rfc822Name). */
static int subject_emails(sg_rd name, struct nc_ctx *x)
{
	sg_rd seq;
	if (!sg_der_get(&name, SG_DER_SEQUENCE, &seq))
		return -1;
	while (!sg_rd_done(&seq)) {
		sg_rd set;
		if (!sg_der_get(&seq, SG_DER_SET, &set))
			return -1;
		while (!sg_rd_done(&set)) {
			sg_rd atv, oid, v;
			uint8_t tag;
			if (!sg_der_get(&set, SG_DER_SEQUENCE, &atv) || !sg_der_get_oid(&atv, &oid) ||
			    !sg_der_get_any(&atv, &tag, &v, NULL))
				return -1;
			if (SG_DER_OID_IS(oid, sg_oid_email) && check_name(x, T_EMAIL, v) != 0)
				return -1;
		}
	}
	return 0;
}

int sg_x509_nc_check(const sg_x509_cert *ca, const sg_x509_cert *c, bool is_leaf,
		     size_t *budget, char *why, size_t cap)
{
	struct nc_ctx x = {ca, why, cap, budget, false, false};
	(void)is_leaf;
	int r = 0;
	if (ca->nc_has_excluded)
		r = subtrees_valid(ca->nc_excluded, budget);
	if (r == 0 && ca->nc_has_permitted)
		r = subtrees_valid(ca->nc_permitted, budget);
	if (r == -2) {
		snprintf(why, cap, "checking the name constraints would take more than %u "
			 "comparisons of names against subtrees, so the chain is refused",
			 (unsigned)SG_X509_NC_BUDGET);
		return -2;
	}
	if (r != 0) {
		snprintf(why, cap, "malformed name constraints");
		return -1;
	}
	if (!c->subject_empty) {
		if (check_name(&x, T_DN, c->subject) != 0)
			return x.exhausted ? -2 : -1;
		if (subject_emails(c->subject, &x) != 0)
			return x.exhausted ? -2 : -1;
	}
	if (c->san_present && sg_x509_general_names(c->san, check_name, &x) != 0) {
		if (!x.failed)
			snprintf(why, cap, "malformed subjectAltName");
		return x.exhausted ? -2 : -1;
	}
	return 0;
}
