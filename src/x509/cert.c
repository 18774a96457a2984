/*
 * Certificate parsing (RFC 5280 §4.1) into a view over the DER, and the
 * extensions of §4.2 that verification uses.  The parser is strict about
 * structure (a certificate that does not parse is refused, never guessed
 * at) and records facts; policy decisions live in verify.c.
 */
#include "x509/internal.h"
#include "x509/oids.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto err; } while (0)

int64_t sg_x509_now(void)
{
	return (int64_t)time(NULL);
}

void sg_x509_serial_hex(sg_rd s, char *out, size_t cap)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	if (cap < 4) {
		if (cap)
			out[0] = 0;
		return;
	}
	if (s.n > 1 && s.p[0] == 0) {
		s.p++;
		s.n--;
	}
	out[o++] = '0';
	out[o++] = 'x';
	for (size_t i = 0; i < s.n && o + 3 < cap; i++) {
		out[o++] = hx[s.p[i] >> 4];
		out[o++] = hx[s.p[i] & 15];
	}
	out[o] = 0;
}

/* ---- signature algorithms ---- */

static const sg_hash_class *hash_from_algid(sg_rd alg)
{
	sg_rd seq, oid;
	if (!sg_der_get(&alg, SG_DER_SEQUENCE, &seq) || !sg_der_get_oid(&seq, &oid))
		return NULL;
	/* RFC 4055 §2.1: parameters absent or NULL. */
	if (!sg_rd_done(&seq) && (!sg_der_get_null(&seq) || !sg_rd_done(&seq)))
		return NULL;
	if (SG_DER_OID_IS(oid, sg_oid_sha256))
		return &sg_sha256;
	if (SG_DER_OID_IS(oid, sg_oid_sha384))
		return &sg_sha384;
	if (SG_DER_OID_IS(oid, sg_oid_sha512))
		return &sg_sha512;
	return NULL;
}

/* RFC 4055 §3.1 RSASSA-PSS-params. We support what TLS 1.3 uses: SHA-2,
 * MGF1 with the same hash, salt length equal to the hash length, trailer
 * field 1. */
static bool parse_pss(sg_rd params, sg_x509_sigalg *a)
{
	sg_rd seq, h, m, s, t;
	bool hp, mp, sp, tp;
	if (!sg_der_get(&params, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&params))
		return false;
	if (!sg_der_get_optional(&seq, SG_DER_CTX_CONS(0), &h, &hp) ||
	    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(1), &m, &mp) ||
	    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(2), &s, &sp) ||
	    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(3), &t, &tp) || !sg_rd_done(&seq))
		return false;
	/* Defaults are SHA-1 and salt 20: not supported, so all must be
	 * present. */
	if (!hp || !mp || !sp)
		return true;    /* well-formed, unknown */
	const sg_hash_class *hash = hash_from_algid(h);
	sg_rd mseq, moid;
	if (!sg_der_get(&m, SG_DER_SEQUENCE, &mseq) || !sg_rd_done(&m) ||
	    !sg_der_get_oid(&mseq, &moid))
		return false;
	if (!SG_DER_OID_IS(moid, sg_oid_mgf1))
		return true;
	const sg_hash_class *mh = hash_from_algid(mseq);
	uint64_t salt;
	if (!sg_der_get_u64(&s, &salt) || !sg_rd_done(&s))
		return false;
	if (tp) {
		uint64_t tr;
		if (!sg_der_get_u64(&t, &tr) || !sg_rd_done(&t))
			return false;
		if (tr != 1)
			return true;
	}
	if (!hash || hash != mh || salt != hash->out_len)
		return true;
	a->known = true;
	a->kind = SG_SIG_RSA_PSS;
	a->hash = hash;
	a->name = hash == &sg_sha256 ? "rsassa-pss-sha256" :
		  hash == &sg_sha384 ? "rsassa-pss-sha384" : "rsassa-pss-sha512";
	return true;
}

bool sg_x509_parse_sigalg(sg_rd alg, sg_x509_sigalg *a)
{
	sg_rd seq, oid;
	memset(a, 0, sizeof *a);
	a->name = "unknown";
	if (!sg_der_get(&alg, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&alg) ||
	    !sg_der_get_oid(&seq, &oid))
		return false;
	sg_rd params = seq;
	static const struct {
		const uint8_t *oid;
		size_t len;
		sg_sig_kind kind;
		const sg_hash_class *hash;
		const char *name;
		bool null_params;
	} tab[] = {
		{sg_oid_sha256_rsa, sizeof sg_oid_sha256_rsa, SG_SIG_RSA_PKCS1, &sg_sha256, "sha256WithRSAEncryption", true},
		{sg_oid_sha384_rsa, sizeof sg_oid_sha384_rsa, SG_SIG_RSA_PKCS1, &sg_sha384, "sha384WithRSAEncryption", true},
		{sg_oid_sha512_rsa, sizeof sg_oid_sha512_rsa, SG_SIG_RSA_PKCS1, &sg_sha512, "sha512WithRSAEncryption", true},
		{sg_oid_ecdsa_sha256, sizeof sg_oid_ecdsa_sha256, SG_SIG_ECDSA, &sg_sha256, "ecdsa-with-SHA256", false},
		{sg_oid_ecdsa_sha384, sizeof sg_oid_ecdsa_sha384, SG_SIG_ECDSA, &sg_sha384, "ecdsa-with-SHA384", false},
		{sg_oid_ecdsa_sha512, sizeof sg_oid_ecdsa_sha512, SG_SIG_ECDSA, &sg_sha512, "ecdsa-with-SHA512", false},
		{sg_oid_ed25519, sizeof sg_oid_ed25519, SG_SIG_ED25519, NULL, "Ed25519", false},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (!sg_der_oid_eq(oid, tab[i].oid, tab[i].len))
			continue;
		if (tab[i].null_params) {
			/* RFC 4055 §5: NULL parameters (absent tolerated, as
			 * some old encoders omit them). */
			if (!sg_rd_done(&params) &&
			    (!sg_der_get_null(&params) || !sg_rd_done(&params)))
				return false;
		} else if (!sg_rd_done(&params)) {
			/* RFC 5758 §3.2, RFC 8410 §3: parameters absent. */
			return false;
		}
		a->known = true;
		a->kind = tab[i].kind;
		a->hash = tab[i].hash;
		a->name = tab[i].name;
		return true;
	}
	if (SG_DER_OID_IS(oid, sg_oid_rsa_pss)) {
		a->name = "rsassa-pss";
		return parse_pss(params, a);
	}
	return true;
}

int sg_x509_check_sig(sg_rd spki, const sg_x509_sigalg *a, sg_rd msg, sg_rd sig)
{
	if (!a->known)
		return -1;
	sg_pkey *k = sg_pkey_public_from_spki(spki.p, spki.n);
	if (!k)
		return -1;
	int ret = sg_verify(k, a->kind, a->hash, msg.p, msg.n, sig.p, sig.n);
	sg_pkey_free(k);
	return ret == 0 ? 0 : -1;
}

/* ---- names ---- */

/* Attribute types written by name (RFC 4514 §3's table, and for the rest
 * the short names OpenSSL prints for the same OIDs, so that sigil's
 * strings read like the ones people know).  text: the value must be a
 * string of text (name_ok); the others are named for reading only and
 * are otherwise checked and compared as unfamiliar types. */
static const struct attr {
	uint8_t len;
	uint8_t oid[11];
	bool text;
	const char *name;
} attrs[] = {
	{3, {0x55, 0x04, 0x03}, true, "CN"},
	{3, {0x55, 0x04, 0x04}, true, "SN"},
	{3, {0x55, 0x04, 0x05}, true, "serialNumber"},
	{3, {0x55, 0x04, 0x06}, true, "C"},
	{3, {0x55, 0x04, 0x07}, true, "L"},
	{3, {0x55, 0x04, 0x08}, true, "ST"},
	{3, {0x55, 0x04, 0x09}, true, "street"},
	{3, {0x55, 0x04, 0x0a}, true, "O"},
	{3, {0x55, 0x04, 0x0b}, true, "OU"},
	{3, {0x55, 0x04, 0x0c}, true, "title"},
	{3, {0x55, 0x04, 0x2a}, true, "GN"},
	{3, {0x55, 0x04, 0x2b}, true, "initials"},
	{3, {0x55, 0x04, 0x2e}, true, "dnQualifier"},
	{3, {0x55, 0x04, 0x41}, true, "pseudonym"},
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, true, "emailAddress"},
	{10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, true, "DC"},
	{10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, true, "UID"},
	/* The subject fields of EV certificates (CA/B EV Guidelines 7.1.4.2). */
	{3, {0x55, 0x04, 0x0f}, false, "businessCategory"},
	{3, {0x55, 0x04, 0x11}, false, "postalCode"},
	{3, {0x55, 0x04, 0x61}, false, "organizationIdentifier"},
	{11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01}, false, "jurisdictionL"},
	{11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02}, false, "jurisdictionST"},
	{11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03}, false, "jurisdictionC"},
};

static const struct attr *attr_find(sg_rd oid)
{
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		if (sg_der_oid_eq(oid, attrs[i].oid, attrs[i].len))
			return &attrs[i];
	return NULL;
}

/* A string value of a name attribute that holds text: UTF-8 that
 * decodes, BMPString (UCS-2) and UniversalString (UCS-4) characters that
 * are characters (no surrogates, nothing above U+10FFFF).  The
 * Numeric-, Printable- and IA5String alphabets are not enforced: issued
 * certificates break them, openssl does not check them, and nothing
 * depends on them. */
static bool text_ok(uint8_t tag, sg_rd v)
{
	switch (tag) {
	case SG_DER_UTF8_STRING:
		return sg_der_string_ok(tag, v);
	case SG_DER_BMP_STRING:
		if (v.n % 2)
			return false;
		for (size_t i = 0; i < v.n; i += 2)
			if (v.p[i] >= 0xd8 && v.p[i] <= 0xdf)
				return false;
		return true;
	case SG_DER_UNIVERSAL_STRING:
		if (v.n % 4)
			return false;
		for (size_t i = 0; i < v.n; i += 4) {
			uint32_t cp = (uint32_t)v.p[i] << 24 | (uint32_t)v.p[i + 1] << 16 |
				      (uint32_t)v.p[i + 2] << 8 | v.p[i + 3];
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return false;
		}
		return true;
	case 0x12:      /* NumericString, a PrintableString one bit away */
	case SG_DER_PRINTABLE_STRING:
	case SG_DER_IA5_STRING:
	case SG_DER_VISIBLE_STRING:
	case SG_DER_T61_STRING:
		return true;
	default:
		return false;
	}
}

/* Walks a Name TLV checking its structure (RFC 5280 4.1.2.4) and values:
 * the attributes sigil knows (CN, O, C, emailAddress, DC, ...) are
 * strings of text; unfamiliar ones may hold any untagged value, compared
 * byte for byte (4.1.2.4: "Binary comparison should be used when
 * unfamiliar attribute types include attribute values with encoding
 * options other than those found in DirectoryString"). No attribute has
 * a tagged value, and DER writes strings in the primitive form only
 * (X.690 10.2).  openssl refuses to load certificates that break these. */
static bool name_ok(sg_rd name)
{
	sg_rd seq;
	if (!sg_der_get(&name, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&name))
		return false;
	while (!sg_rd_done(&seq)) {
		sg_rd set;
		if (!sg_der_get(&seq, SG_DER_SET, &set) || sg_rd_done(&set))
			return false;
		while (!sg_rd_done(&set)) {
			sg_rd atv, oid, val;
			uint8_t tag;
			if (!sg_der_get(&set, SG_DER_SEQUENCE, &atv) ||
			    !sg_der_get_oid(&atv, &oid) ||
			    !sg_der_get_any(&atv, &tag, &val, NULL) || !sg_rd_done(&atv))
				return false;
			if ((tag & 0xc0) != 0 ||
			    ((tag & 0x20) && tag != SG_DER_SEQUENCE && tag != SG_DER_SET))
				return false;
			const struct attr *at = attr_find(oid);
			if (at && at->text ? !text_ok(tag, val) :
			    ((tag == SG_DER_UTF8_STRING || tag == SG_DER_BMP_STRING ||
			      tag == SG_DER_UNIVERSAL_STRING) && !text_ok(tag, val)))
				return false;
		}
	}
	return true;
}

/* ---- the string form of a Name (RFC 4514 §2) ----
 *
 * RDNs last to first (§2.1), separated by ", " (a comma and a space:
 * the one difference from §2.1's bare ",", kept because sigil has always
 * written it so and --authz rule files and access logs hold such
 * strings); the attributes of a multi-valued RDN joined by "+" (§2.2) in
 * their encoded order; each attribute TYPE=VALUE (§2.3), TYPE the name
 * of the table above or else the dotted OID.  A value (§2.4) is text
 * when the type has a name and the value is a string whose characters
 * sigil knows, with the characters escaped that could be read as
 * structure; otherwise it is "#" and the hexadecimal of its whole DER
 * encoding.
 *
 * The mapping is one to one up to the string type of a value (a
 * PrintableString and a UTF8String of the same characters read the same,
 * as RFC 4514 converts both to UTF-8): a reader splits at the unescaped
 * ", " and "+" (every ',' and '+' of a value is escaped, and a value
 * never begins with an unescaped space), takes the type up to the first
 * "=" (types never hold one), and a value is "#" form exactly when it
 * starts with an unescaped "#".  The writer never cuts: what
 * does not fit is an error (sg_x509_name_to_string) or ends in a visible
 * "..." (sg_x509_name_label, for messages only). */

#define MAX_PRINT_RDNS 128

static void put(sg_wr *w, const char *s)
{
	(void)sg_wr_bytes(w, s, strlen(s));
}

static void put_hex(sg_wr *w, uint8_t b)
{
	static const char hx[] = "0123456789ABCDEF";
	char h[2] = { hx[b >> 4], hx[b & 15] };
	(void)sg_wr_bytes(w, h, 2);
}

/* Dotted decimal of an OID (X.690 §8.19): every arc, whatever its size,
 * up to 448 bits (a UUID arc of 2.25 has 128); false beyond. */
static bool put_oid(sg_wr *w, sg_rd oid)
{
	size_t i = 0;
	bool first = true;
	while (i < oid.n) {
		/* The arc in base 10^9, least significant limb first:
		 * 16 limbs hold 10^144 > 2^448. */
		uint32_t limb[16] = {0};
		size_t nl = 1, start = i;
		bool more;
		do {
			if (i - start == 64)
				return false;
			uint32_t carry = oid.p[i] & 0x7f;
			more = oid.p[i] & 0x80;
			i++;
			for (size_t j = 0; j < nl; j++) {
				uint64_t x = (uint64_t)limb[j] * 128 + carry;
				limb[j] = (uint32_t)(x % 1000000000u);
				carry = (uint32_t)(x / 1000000000u);
			}
			if (carry)
				limb[nl++] = carry;
		} while (more && i < oid.n);
		if (more)
			return false;   /* sg_der_oid_ok refuses this */
		char buf[16];
		if (first) {
			/* §8.19.4: the first subidentifier is X*40+Y, X in 0..2. */
			uint32_t x = nl > 1 || limb[0] >= 80 ? 2 : limb[0] / 40, sub = x * 40;
			for (size_t j = 0; sub; j++) {
				if (limb[j] >= sub) {
					limb[j] -= sub;
					sub = 0;
				} else {
					limb[j] += 1000000000u - sub;
					sub = 1;
				}
			}
			while (nl > 1 && limb[nl - 1] == 0)
				nl--;
			snprintf(buf, sizeof buf, "%u.", (unsigned)x);
			put(w, buf);
			first = false;
		} else {
			put(w, ".");
		}
		snprintf(buf, sizeof buf, "%u", (unsigned)limb[nl - 1]);
		put(w, buf);
		for (size_t j = nl - 1; j-- > 0;) {
			snprintf(buf, sizeof buf, "%09u", (unsigned)limb[j]);
			put(w, buf);
		}
	}
	return true;
}

/* The character at v.p[*i] of a string of type tag, or false when there
 * is none sigil can name: not whole, a surrogate, beyond U+10FFFF, or a
 * byte outside ASCII in a string type whose alphabet is ASCII (a
 * PrintableString or IA5String that breaks its alphabet would otherwise
 * read as Latin-1 and equal a UTF8String), or in a T61String (whose
 * upper half is not Latin-1, and sigil does not guess it).  UTF8String
 * values were checked by name_ok. */
static bool next_char(uint8_t tag, sg_rd v, size_t *i, uint32_t *cp)
{
	const uint8_t *p = v.p + *i;
	size_t left = v.n - *i, k;
	switch (tag) {
	case SG_DER_UTF8_STRING:
		k = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
		if (k > left)
			return false;
		*cp = k == 1 ? p[0] : p[0] & (0x7f >> k);
		for (size_t j = 1; j < k; j++)
			*cp = *cp << 6 | (p[j] & 0x3f);
		break;
	case SG_DER_BMP_STRING:
		if (left < 2)
			return false;
		*cp = (uint32_t)p[0] << 8 | p[1];
		k = 2;
		break;
	case SG_DER_UNIVERSAL_STRING:
		if (left < 4)
			return false;
		*cp = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		k = 4;
		break;
	case 0x12:      /* NumericString */
	case SG_DER_PRINTABLE_STRING:
	case SG_DER_IA5_STRING:
	case SG_DER_VISIBLE_STRING:
	case SG_DER_T61_STRING:
		if (p[0] >= 0x80)
			return false;
		*cp = p[0];
		k = 1;
		break;
	default:
		return false;
	}
	if (*cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return false;
	*i += k;
	return true;
}

static bool has_text(uint8_t tag, sg_rd v)
{
	if (tag == SG_DER_UTF8_STRING && !sg_der_string_ok(tag, v))
		return false;
	uint32_t cp;
	for (size_t i = 0; i < v.n;)
		if (!next_char(tag, v, &i, &cp))
			return false;
	return true;
}

/* One character of a value, escaped as RFC 4514 §2.4 requires.  Control
 * characters, C0 and C1 and DEL, are written as the hex pairs of their
 * UTF-8 bytes: RFC 4514 only requires it of NUL, but raw they would
 * forge text in a terminal or a log line. */
static void put_char(sg_wr *w, uint32_t cp, bool first, bool last)
{
	char b[4];
	if ((cp == ' ' && (first || last)) || (cp == '#' && first) ||
	    (cp != 0 && cp < 0x80 && strchr(",+\"\\<>;", (int)cp))) {
		b[0] = '\\';
		b[1] = (char)cp;
		(void)sg_wr_bytes(w, b, 2);
	} else if (cp < 0x20 || cp == 0x7f) {
		put(w, "\\");
		put_hex(w, (uint8_t)cp);
	} else if (cp >= 0x80 && cp < 0xa0) {
		put(w, "\\C2\\");
		put_hex(w, (uint8_t)cp);
	} else if (cp < 0x80) {
		b[0] = (char)cp;
		(void)sg_wr_bytes(w, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		(void)sg_wr_bytes(w, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		(void)sg_wr_bytes(w, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		(void)sg_wr_bytes(w, b, 4);
	}
}

static bool put_atv(sg_wr *w, sg_rd atv)
{
	sg_rd oid, val, whole;
	uint8_t tag;
	if (!sg_der_get_oid(&atv, &oid) || !sg_der_get_any(&atv, &tag, &val, &whole) ||
	    !sg_rd_done(&atv))
		return false;
	const struct attr *at = attr_find(oid);
	if (at)
		put(w, at->name);
	else if (!put_oid(w, oid))
		return false;
	put(w, "=");
	if (at && has_text(tag, val)) {
		uint32_t cp;
		for (size_t i = 0; i < val.n;) {
			bool first = i == 0;
			if (!next_char(tag, val, &i, &cp))
				return false;
			put_char(w, cp, first, i == val.n);
		}
	} else {
		/* §2.4: "#" and the hex of the BER (here DER) encoding. */
		put(w, "#");
		for (size_t i = 0; i < whole.n; i++)
			put_hex(w, whole.p[i]);
	}
	return true;
}

/* Writes the string of a Name into w (a fixed writer: what does not fit
 * fails it).  SG_X509_NAME_BAD for a malformed Name, or one with an arc
 * sigil cannot write; SG_X509_NAME_TOO_LONG for more than MAX_PRINT_RDNS
 * RDNs (the last MAX_PRINT_RDNS are written, for a label). */
static int write_name(sg_rd name, sg_wr *w)
{
	sg_rd seq, rdns[MAX_PRINT_RDNS];
	size_t nrdn = 0;
	if (!name_ok(name) || !sg_der_get(&name, SG_DER_SEQUENCE, &seq))
		return SG_X509_NAME_BAD;
	/* The last RDNs are the ones written first: keep those. */
	while (!sg_rd_done(&seq))
		if (!sg_der_get(&seq, SG_DER_SET, &rdns[nrdn++ % MAX_PRINT_RDNS]))
			return SG_X509_NAME_BAD;
	size_t shown = nrdn < MAX_PRINT_RDNS ? nrdn : MAX_PRINT_RDNS;
	for (size_t k = 0; k < shown; k++) {
		sg_rd set = rdns[(nrdn - 1 - k) % MAX_PRINT_RDNS];
		if (k)
			put(w, ", ");
		for (bool first = true; !sg_rd_done(&set); first = false) {
			sg_rd atv;
			if (!first)
				put(w, "+");
			if (!sg_der_get(&set, SG_DER_SEQUENCE, &atv) || !put_atv(w, atv))
				return SG_X509_NAME_BAD;
		}
	}
	return nrdn > MAX_PRINT_RDNS ? SG_X509_NAME_TOO_LONG : 0;
}

int sg_x509_name_to_string(sg_rd name, char *out, size_t cap)
{
	sg_wr w;
	if (cap == 0)
		return SG_X509_NAME_TOO_LONG;
	sg_wr_init_fixed(&w, (uint8_t *)out, cap - 1);
	int r = write_name(name, &w);
	if (r == 0 && !sg_wr_ok(&w))
		r = SG_X509_NAME_TOO_LONG;
	out[r == 0 ? w.len : 0] = 0;
	return r == 0 ? (int)w.len : r;
}

void sg_x509_name_label(sg_rd name, char *out, size_t cap)
{
	sg_wr w;
	if (cap < 4) {
		if (cap)
			out[0] = 0;
		return;
	}
	/* Room for "..." and the NUL after the longest text. */
	sg_wr_init_fixed(&w, (uint8_t *)out, cap - 4);
	int r = write_name(name, &w);
	if (r == SG_X509_NAME_BAD) {
		snprintf(out, cap, "(malformed name)");
		return;
	}
	if (r != 0 || !sg_wr_ok(&w)) {
		memcpy(out + w.len, "...", 4);
		return;
	}
	out[w.len] = 0;
}

void sg_x509_cert_label(const sg_x509_cert *c, char *out, size_t cap)
{
	if (c->subject_empty && cap)
		snprintf(out, cap, "empty subject");
	else
		sg_x509_name_label(c->subject, out, cap);
}
/* Case-insensitive, white-space-collapsing compare of two string values
 * (RFC 5280 7.1, a subset of RFC 4518 string preparation). */
static bool value_fold_eq(sg_rd a, sg_rd b)
{
	size_t i = 0, j = 0;
	/* Leading and trailing spaces are insignificant; runs collapse. */
	while (i < a.n && a.p[i] == ' ') i++;
	while (j < b.n && b.p[j] == ' ') j++;
	size_t an = a.n, bn = b.n;
	while (an > i && a.p[an - 1] == ' ') an--;
	while (bn > j && b.p[bn - 1] == ' ') bn--;
	while (i < an && j < bn) {
		uint8_t x = a.p[i], y = b.p[j];
		if (x == ' ' && y == ' ') {
			while (i < an && a.p[i] == ' ') i++;
			while (j < bn && b.p[j] == ' ') j++;
			continue;
		}
		if (x >= 'A' && x <= 'Z') x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z') y = (uint8_t)(y + 32);
		if (x != y)
			return false;
		i++;
		j++;
	}
	return i == an && j == bn;
}

static bool foldable(uint8_t tag)
{
	return tag == SG_DER_UTF8_STRING || tag == SG_DER_PRINTABLE_STRING;
}

bool sg_x509_rdn_eq(sg_rd ra, sg_rd rb)
{
	if (ra.n == rb.n && memcmp(ra.p, rb.p, ra.n) == 0)
		return true;
	/* Multi-valued RDNs are compared in encoded order (DER sorts SET
	 * OF, so equal sets encode in the same order). */
	while (!sg_rd_done(&ra) && !sg_rd_done(&rb)) {
		sg_rd xa, xb, oa, ob, va, vb;
		uint8_t ta, tb;
		if (!sg_der_get(&ra, SG_DER_SEQUENCE, &xa) ||
		    !sg_der_get(&rb, SG_DER_SEQUENCE, &xb) ||
		    !sg_der_get_oid(&xa, &oa) || !sg_der_get_oid(&xb, &ob) ||
		    !sg_der_get_any(&xa, &ta, &va, NULL) ||
		    !sg_der_get_any(&xb, &tb, &vb, NULL))
			return false;
		if (oa.n != ob.n || memcmp(oa.p, ob.p, oa.n) != 0)
			return false;
		if (foldable(ta) && foldable(tb)) {
			if (!value_fold_eq(va, vb))
				return false;
		} else if (ta != tb || va.n != vb.n || memcmp(va.p, vb.p, va.n) != 0) {
			return false;
		}
	}
	return sg_rd_done(&ra) && sg_rd_done(&rb);
}

/* RFC 5280 7.1 / 6.1.3 (b): true when constraint's RDNs are the first
 * RDNs of name (equal names included). */
bool sg_x509_name_within(sg_rd name, sg_rd constraint)
{
	sg_rd sa, sb;
	if (!sg_der_get(&name, SG_DER_SEQUENCE, &sa) ||
	    !sg_der_get(&constraint, SG_DER_SEQUENCE, &sb))
		return false;
	while (!sg_rd_done(&sb)) {
		sg_rd ra, rb;
		if (!sg_der_get(&sa, SG_DER_SET, &ra) || !sg_der_get(&sb, SG_DER_SET, &rb) ||
		    !sg_x509_rdn_eq(ra, rb))
			return false;
	}
	return true;
}

bool sg_x509_name_eq(sg_rd a, sg_rd b)
{
	if (a.n == b.n && memcmp(a.p, b.p, a.n) == 0)
		return true;
	sg_rd sa, sb;
	if (!sg_der_get(&a, SG_DER_SEQUENCE, &sa) || !sg_der_get(&b, SG_DER_SEQUENCE, &sb))
		return false;
	while (!sg_rd_done(&sa) && !sg_rd_done(&sb)) {
		sg_rd ra, rb;
		if (!sg_der_get(&sa, SG_DER_SET, &ra) || !sg_der_get(&sb, SG_DER_SET, &rb) ||
		    !sg_x509_rdn_eq(ra, rb))
			return false;
	}
	return sg_rd_done(&sa) && sg_rd_done(&sb);
}

/* ---- GeneralNames (RFC 5280 4.2.1.6) ---- */

static bool ia5_ok(sg_rd v)
{
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] >= 0x80)
			return false;
	return true;
}

int sg_x509_general_names(sg_rd names, int (*fn)(void *ctx, uint8_t tag, sg_rd value), void *ctx)
{
	while (!sg_rd_done(&names)) {
		uint8_t tag;
		sg_rd v;
		if (!sg_der_get_any(&names, &tag, &v, NULL))
			return -1;
		switch (tag) {
		case SG_DER_CTX(1):     /* rfc822Name */
		case SG_DER_CTX(2):     /* dNSName */
		case SG_DER_CTX(6):     /* uniformResourceIdentifier */
			if (!ia5_ok(v))
				return -1;
			break;
		case SG_DER_CTX(7):     /* iPAddress */
		case SG_DER_CTX(8):     /* registeredID */
			break;
		case SG_DER_CTX_CONS(4): {      /* directoryName: explicit Name */
			sg_rd inner = v, nm;
			if (!sg_der_get_whole(&inner, SG_DER_SEQUENCE, &nm) ||
			    !sg_rd_done(&inner) || !name_ok(nm))
				return -1;
			v = nm;
			break;
		}
		case SG_DER_CTX_CONS(0):        /* otherName */
		case SG_DER_CTX_CONS(3):        /* x400Address */
		case SG_DER_CTX_CONS(5):        /* ediPartyName */
			break;
		default:
			return -1;
		}
		if (fn && fn(ctx, tag, v) != 0)
			return -1;
	}
	return 0;
}

/* ---- extensions ---- */

static bool parse_bc(sg_x509_cert *c, sg_rd v)
{
	sg_rd seq;
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&v))
		return false;
	c->bc_present = true;
	c->ca = false;
	c->path_len = -1;
	uint8_t tag;
	if (sg_der_peek_tag(&seq, &tag) && tag == SG_DER_BOOLEAN) {
		bool ca;
		if (!sg_der_get_bool(&seq, &ca))
			return false;
		/* DER never encodes a DEFAULT value (X.690 §11.5), but cA
		 * FALSE written out is common in issued certificates
		 * (mozilla::pkix and Chromium accept it for that reason) and
		 * means the default: accepted, as an explicit critical FALSE
		 * is in parse_exts. */
		c->ca = ca;
	}
	if (!sg_rd_done(&seq)) {
		uint64_t pl;
		if (!sg_der_get_u64(&seq, &pl) || pl > 255)
			return false;
		c->path_len = (int)pl;
	}
	return sg_rd_done(&seq);
}

static bool parse_ku(sg_x509_cert *c, sg_rd v)
{
	sg_rd bits;
	uint8_t unused;
	if (!sg_der_get_bit_string(&v, &bits, &unused) || !sg_rd_done(&v) || bits.n > 2)
		return false;
	uint16_t ku = 0;
	for (size_t i = 0; i < bits.n * 8; i++)
		if (bits.p[i / 8] & (0x80 >> (i % 8)))
			ku |= (uint16_t)(1u << i);
	/* RFC 5280 4.2.1.3: when present, at least one bit is set. */
	if (ku == 0)
		return false;
	c->ku_present = true;
	c->key_usage = ku;
	return true;
}

static bool parse_eku(sg_x509_cert *c, sg_rd v)
{
	sg_rd seq;
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&v) || sg_rd_done(&seq))
		return false;
	c->eku_present = true;
	c->eku = 0;
	while (!sg_rd_done(&seq)) {
		sg_rd oid;
		if (!sg_der_get_oid(&seq, &oid))
			return false;
		if (SG_DER_OID_IS(oid, sg_oid_eku_server))
			c->eku |= SG_EKU_SERVER;
		else if (SG_DER_OID_IS(oid, sg_oid_eku_client))
			c->eku |= SG_EKU_CLIENT;
		else if (SG_DER_OID_IS(oid, sg_oid_eku_any))
			c->eku |= SG_EKU_ANY;
		else
			c->eku |= SG_EKU_OTHER;
	}
	return true;
}

static bool parse_san(sg_x509_cert *c, sg_rd v, bool critical)
{
	sg_rd seq;
	/* RFC 5280 4.2.1.6: GeneralNames is SIZE (1..MAX). */
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&v) || sg_rd_done(&seq))
		return false;
	if (sg_x509_general_names(seq, NULL, NULL) != 0)
		return false;
	c->san_present = true;
	c->san_critical = critical;
	c->san = seq;
	return true;
}

static bool subtrees_ok(sg_rd st)
{
	if (sg_rd_done(&st))
		return false;   /* GeneralSubtrees is SIZE (1..MAX) */
	while (!sg_rd_done(&st)) {
		sg_rd sub, base;
		uint8_t tag;
		if (!sg_der_get(&st, SG_DER_SEQUENCE, &sub) ||
		    !sg_der_get_any(&sub, &tag, NULL, &base))
			return false;
		if (sg_x509_general_names(base, NULL, NULL) != 0)
			return false;
		/* RFC 5280 4.2.1.10: minimum MUST be zero (so, in DER, absent)
		 * and maximum MUST be absent. */
		if (!sg_rd_done(&sub))
			return false;
	}
	return true;
}

static bool parse_nc(sg_x509_cert *c, sg_rd v)
{
	sg_rd seq;
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&v))
		return false;
	if (!sg_der_get_optional(&seq, SG_DER_CTX_CONS(0), &c->nc_permitted, &c->nc_has_permitted) ||
	    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(1), &c->nc_excluded, &c->nc_has_excluded) ||
	    !sg_rd_done(&seq))
		return false;
	/* RFC 5280 4.2.1.10: an empty sequence MUST NOT be issued. */
	if (!c->nc_has_permitted && !c->nc_has_excluded)
		return false;
	if ((c->nc_has_permitted && !subtrees_ok(c->nc_permitted)) ||
	    (c->nc_has_excluded && !subtrees_ok(c->nc_excluded)))
		return false;
	c->nc_present = true;
	return true;
}

static bool parse_aki(sg_x509_cert *c, sg_rd v)
{
	sg_rd seq;
	bool has_serial;
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&v))
		return false;
	if (!sg_der_get_optional(&seq, SG_DER_CTX(0), &c->aki_keyid, &c->aki_has_keyid) ||
	    !sg_der_get_optional(&seq, SG_DER_CTX_CONS(1), &c->aki_issuer, &c->aki_has_issuer) ||
	    !sg_der_get_optional(&seq, SG_DER_CTX(2), &c->aki_serial, &has_serial) ||
	    !sg_rd_done(&seq))
		return false;
	/* RFC 5280 4.2.1.1: issuer and serial come together or not at all. */
	if (c->aki_has_issuer != has_serial)
		return false;
	if (c->aki_has_issuer && (sg_rd_done(&c->aki_issuer) ||
				  sg_x509_general_names(c->aki_issuer, NULL, NULL) != 0))
		return false;
	if (has_serial && !sg_der_integer_ok(c->aki_serial))
		return false;
	if (!c->aki_has_keyid)
		sg_rd_init(&c->aki_keyid, NULL, 0);
	c->aki_present = true;
	return true;
}

static bool is_seq(sg_rd v)
{
	sg_rd seq;
	return sg_der_get(&v, SG_DER_SEQUENCE, &seq) && sg_rd_done(&v);
}

/* RFC 5280 4.2.2.1: SEQUENCE SIZE (1..MAX) OF AccessDescription
 * { accessMethod OID, accessLocation GeneralName }. */
static bool aia_ok(sg_rd v)
{
	sg_rd seq;
	if (!sg_der_get(&v, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&v) || sg_rd_done(&seq))
		return false;
	while (!sg_rd_done(&seq)) {
		sg_rd ad, oid, gn;
		uint8_t tag;
		if (!sg_der_get(&seq, SG_DER_SEQUENCE, &ad) || !sg_der_get_oid(&ad, &oid) ||
		    !sg_der_get_any(&ad, &tag, NULL, &gn) || !sg_rd_done(&ad) ||
		    sg_x509_general_names(gn, NULL, NULL) != 0)
			return false;
	}
	return true;
}

/* One extension; false when malformed. Sets unknown_critical when a
 * critical extension is one we do not process. */
static bool parse_ext(sg_x509_cert *c, sg_rd oid, bool critical, sg_rd v)
{
	if (SG_DER_OID_IS(oid, sg_oid_bc))
	{
		c->bc_critical = critical;
		return parse_bc(c, v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_ku))
		return parse_ku(c, v);
	if (SG_DER_OID_IS(oid, sg_oid_eku)) {
		c->eku_critical = critical;
		return parse_eku(c, v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_san))
		return parse_san(c, v, critical);
	if (SG_DER_OID_IS(oid, sg_oid_nc)) {
		c->nc_critical = critical;
		return parse_nc(c, v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_aia)) {
		c->aia_present = true;
		if (!aia_ok(v))
			return false;
		/* Not processed: critical AIA is an unknown critical
		 * extension below. */
	}
	if (SG_DER_OID_IS(oid, sg_oid_aki)) {
		/* RFC 5280 4.2.1.1: MUST be non-critical. */
		if (critical)
			return false;
		return parse_aki(c, v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_ski)) {
		/* RFC 5280 4.2.1.2: MUST be non-critical. */
		if (critical || !sg_der_get(&v, SG_DER_OCTET_STRING, &c->ski) || !sg_rd_done(&v))
			return false;
		c->ski_present = true;
		return true;
	}
	/* Policy extensions are recognised and checked for syntax only: the
	 * web PKI does not use policy processing (RFC 5280 §6.1 with
	 * initial-policy-set anyPolicy and no explicit policy required
	 * accepts every chain the policy tree would). */
	if (SG_DER_OID_IS(oid, sg_oid_policies)) {
		c->policies_present = true;
		return is_seq(v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_policy_constraints)) {
		c->policy_constraints_present = true;
		c->pc_critical = critical;
		return is_seq(v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_policy_mappings)) {
		c->policy_mappings_present = true;
		return is_seq(v);
	}
	if (SG_DER_OID_IS(oid, sg_oid_inhibit_any)) {
		uint64_t skip;
		c->inhibit_any_present = true;
		return sg_der_get_u64(&v, &skip) && sg_rd_done(&v);
	}
	/* Informational extensions: fine to ignore unless critical. */
	if (critical) {
		c->unknown_critical = true;
		if (!c->unknown_critical_oid[0])
			sg_der_oid_to_string(oid, c->unknown_critical_oid,
					     sizeof c->unknown_critical_oid);
	}
	return true;
}

#define MAX_EXTS 64

static bool parse_exts(sg_x509_cert *c, sg_rd exts, char *err, size_t errlen)
{
	sg_rd seq, seen[MAX_EXTS];
	size_t nseen = 0;
	if (!sg_der_get(&exts, SG_DER_SEQUENCE, &seq) || !sg_rd_done(&exts) || sg_rd_done(&seq))
		FAIL("malformed extensions");
	while (!sg_rd_done(&seq)) {
		sg_rd ext, oid, val;
		bool critical = false;
		uint8_t tag;
		if (!sg_der_get(&seq, SG_DER_SEQUENCE, &ext) || !sg_der_get_oid(&ext, &oid))
			FAIL("malformed extension");
		if (sg_der_peek_tag(&ext, &tag) && tag == SG_DER_BOOLEAN) {
			if (!sg_der_get_bool(&ext, &critical))
				FAIL("malformed extension criticality");
			/* DER omits DEFAULT FALSE; we accept it explicitly
			 * encoded because widely used encoders emit it. */
		}
		if (!sg_der_get(&ext, SG_DER_OCTET_STRING, &val) || !sg_rd_done(&ext))
			FAIL("malformed extension value");
		/* RFC 5280 4.2: at most one instance of an extension. */
		for (size_t i = 0; i < nseen; i++)
			if (seen[i].n == oid.n && memcmp(seen[i].p, oid.p, oid.n) == 0) {
				char o[64];
				sg_der_oid_to_string(oid, o, sizeof o);
				FAIL("duplicate extension %s", o);
			}
		if (nseen == MAX_EXTS)
			FAIL("too many extensions");
		seen[nseen++] = oid;
		if (!parse_ext(c, oid, critical, val)) {
			char o[64];
			sg_der_oid_to_string(oid, o, sizeof o);
			FAIL("malformed extension %s", o);
		}
	}
	return true;
err:
	return false;
}

/* UniqueIdentifier ::= BIT STRING, implicitly tagged: the content of a
 * DER BIT STRING (X.690 8.6.2, 11.2.1): an unused-bits count of 0..7, 0
 * when there are no bits, and the unused bits zero. */
static bool uid_ok(sg_rd v)
{
	if (v.n == 0 || v.p[0] > 7 || (v.n == 1 && v.p[0] != 0))
		return false;
	return (v.p[v.n - 1] & ((1u << v.p[0]) - 1)) == 0;
}

int sg_x509_cert_parse(sg_x509_cert *c, const uint8_t *der, size_t len,
		       char *err, size_t errlen)
{
	sg_rd in, cert, tbs, alg2;
	char dummy[1];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	memset(c, 0, sizeof *c);
	c->path_len = -1;
	sg_rd_init(&in, der, len);
	/* RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate,
	 * signatureAlgorithm, signatureValue }. */
	if (!sg_der_get_whole(&in, SG_DER_SEQUENCE, &c->der) || !sg_rd_done(&in))
		FAIL("certificate is not one DER SEQUENCE");
	cert = c->der;
	if (!sg_der_get(&cert, SG_DER_SEQUENCE, &cert))
		FAIL("certificate is not one DER SEQUENCE");
	if (!sg_der_get_whole(&cert, SG_DER_SEQUENCE, &c->tbs) ||
	    !sg_der_get_whole(&cert, SG_DER_SEQUENCE, &c->sig_alg) ||
	    !sg_der_get_bit_bytes(&cert, &c->sig) || !sg_rd_done(&cert))
		FAIL("malformed certificate");
	if (!sg_x509_parse_sigalg(c->sig_alg, &c->sigalg))
		FAIL("malformed signature algorithm");

	tbs = c->tbs;
	if (!sg_der_get(&tbs, SG_DER_SEQUENCE, &tbs))
		FAIL("malformed TBSCertificate");
	/* 4.1.2.1: version [0] EXPLICIT, DEFAULT v1 (so never encoded as
	 * v1 in DER). */
	sg_rd ver;
	bool has_ver;
	c->version = 1;
	if (!sg_der_get_optional(&tbs, SG_DER_CTX_CONS(0), &ver, &has_ver))
		FAIL("malformed version");
	if (has_ver) {
		uint64_t v;
		if (!sg_der_get_u64(&ver, &v) || !sg_rd_done(&ver) || v < 1 || v > 2)
			FAIL("unsupported certificate version");
		c->version = (int)v + 1;
	}
	/* 4.1.2.2: serialNumber. */
	if (!sg_der_get_integer(&tbs, &c->serial))
		FAIL("malformed serial number");
	/* 4.1.2.3: signature MUST equal signatureAlgorithm. */
	if (!sg_der_get_whole(&tbs, SG_DER_SEQUENCE, &alg2))
		FAIL("malformed TBS signature algorithm");
	if (alg2.n != c->sig_alg.n || memcmp(alg2.p, c->sig_alg.p, alg2.n) != 0)
		FAIL("signature algorithm differs inside and outside the TBSCertificate");
	if (!sg_der_get_whole(&tbs, SG_DER_SEQUENCE, &c->issuer) || !name_ok(c->issuer))
		FAIL("malformed issuer name");
	/* 4.1.2.5: Validity. */
	sg_rd val;
	if (!sg_der_get(&tbs, SG_DER_SEQUENCE, &val) ||
	    !sg_der_get_time(&val, &c->not_before) ||
	    !sg_der_get_time(&val, &c->not_after) || !sg_rd_done(&val))
		FAIL("malformed validity");
	if (!sg_der_get_whole(&tbs, SG_DER_SEQUENCE, &c->subject) || !name_ok(c->subject))
		FAIL("malformed subject name");
	/* 4.1.2.7: SubjectPublicKeyInfo. */
	sg_rd spki, palg, key;
	if (!sg_der_get_whole(&tbs, SG_DER_SEQUENCE, &c->spki))
		FAIL("malformed public key");
	spki = c->spki;
	if (!sg_der_get(&spki, SG_DER_SEQUENCE, &spki) ||
	    !sg_der_get(&spki, SG_DER_SEQUENCE, &palg) ||
	    !sg_der_get_oid(&palg, &c->spki_alg) ||
	    !sg_der_get_bit_bytes(&spki, &key) || !sg_rd_done(&spki))
		FAIL("malformed public key");
	/* 4.1.2.8: unique identifiers, v2 and v3 only; unused, but they
	 * are BIT STRINGs and must be well-formed ones. */
	sg_rd uid;
	bool has;
	if (!sg_der_get_optional(&tbs, SG_DER_CTX(1), &uid, &has) || (has && !uid_ok(uid)))
		FAIL("malformed issuerUniqueID");
	if (has && c->version < 2)
		FAIL("issuerUniqueID in a v1 certificate");
	if (!sg_der_get_optional(&tbs, SG_DER_CTX(2), &uid, &has) || (has && !uid_ok(uid)))
		FAIL("malformed subjectUniqueID");
	if (has && c->version < 2)
		FAIL("subjectUniqueID in a v1 certificate");
	/* 4.1.2.9: extensions [3] EXPLICIT, v3 only. */
	sg_rd exts;
	if (!sg_der_get_optional(&tbs, SG_DER_CTX_CONS(3), &exts, &has))
		FAIL("malformed extensions");
	if (has) {
		if (c->version != 3)
			FAIL("extensions in a v%d certificate", c->version);
		if (!parse_exts(c, exts, err, errlen))
			goto err;
	}
	if (!sg_rd_done(&tbs))
		FAIL("trailing data in TBSCertificate");
	c->self_issued = sg_x509_name_eq(c->subject, c->issuer);
	c->subject_empty = c->subject.n == 2;
	c->issuer_empty = c->issuer.n == 2;
	return 0;
err:
	return -1;
}
