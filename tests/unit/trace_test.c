/*
 * sigil's TLS 1.3 engine against the example handshake traces of
 * draft-ietf-tls-tls13-vectors (the draft of RFC 8448), in
 * tests/data/tls13/tls13-vectors.txt.
 *
 * 1. A parser for the trace text: sections 3..7, their steps ({client} /
 *    {server} lines) and each step's labelled hex values.
 * 2. Over every section: every key-schedule step (extract, derive,
 *    traffic keys, finished, PSK binder) recomputed with sigil's HKDF and
 *    key-schedule functions; the transcript hashes the trace uses are
 *    recomputed from the trace's own handshake messages; every ephemeral
 *    key pair and (EC)DHE shared secret; every record, plaintext and
 *    protected, rebuilt byte for byte by sigil's record layer and every
 *    protected record decrypted again.
 * 3. Section 3 through the engine itself: a server fed the trace's
 *    ClientHello, with the trace's random and key share injected by the
 *    test hooks, answers with the trace's ServerHello record and reaches the
 *    trace's handshake secrets and keys.  Section 5: the engine's
 *    HelloRetryRequest against the trace's.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "tls/tls.h"
#include "der/der.h"

/* ---------------------------------------------------------------- parser */

typedef struct tval {
	char label[64];
	uint8_t *p;
	size_t n;
	size_t declared;        /* "(N octets)", or (size_t)-1 */
	bool zero;              /* "0 (all zero octets)" */
	bool bad;               /* hex did not parse */
} tval;

#define MAX_VALS 8
typedef struct tstep {
	int role;               /* 0 client, 1 server */
	char desc[256];
	tval v[MAX_VALS];
	size_t nv;
	int line;
} tstep;

#define MAX_STEPS 128
typedef struct tsection {
	int num;
	char title[96];
	tstep steps[MAX_STEPS];
	size_t nsteps;
} tsection;

#define MAX_SECTIONS 8
static tsection sections[MAX_SECTIONS];
static size_t nsections;

/* Section 2: the server's RSA key. */
static tval rsa_parts[8];
static size_t nrsa;

static bool page_break(const char *l)
{
	return (strncmp(l, "Thomson ", 8) == 0 && strstr(l, "[Page ")) ||
	       strncmp(l, "Internet-Draft ", 15) == 0;
}

static size_t indent(const char *l)
{
	size_t i = 0;
	while (l[i] == ' ')
		i++;
	return i;
}

static bool blank(const char *l)
{
	return l[indent(l)] == 0;
}

/* Append hex text to v. */
static void add_hex(tval *v, const char *text)
{
	uint8_t tmp[256];
	size_t k = sg_test_unhex(text, tmp, sizeof tmp);
	if (k == (size_t)-1) {
		v->bad = true;
		return;
	}
	uint8_t *np = realloc(v->p, v->n + k + 1);
	if (!np) {
		v->bad = true;
		return;
	}
	v->p = np;
	memcpy(v->p + v->n, tmp, k);
	v->n += k;
}

/* "label (N octets):  hex" or "salt:  0 (all zero octets)". */
static bool start_value(tval *v, const char *l)
{
	const char *colon = strstr(l, ":  ");
	if (!colon)
		return false;
	memset(v, 0, sizeof *v);
	v->declared = (size_t)-1;
	size_t ll = (size_t)(colon - l);
	const char *oct = strstr(l, " octets)");
	const char *paren = NULL;
	if (oct && oct < colon) {
		paren = oct;
		while (paren > l && *paren != '(')
			paren--;
		v->declared = strtoul(paren + 1, NULL, 10);
		ll = (size_t)(paren - l);
		while (ll && l[ll - 1] == ' ')
			ll--;
	}
	if (ll >= sizeof v->label)
		ll = sizeof v->label - 1;
	memcpy(v->label, l, ll);
	const char *rest = colon + 1;
	while (*rest == ' ')
		rest++;
	if (strncmp(rest, "0 (all zero octets)", 19) == 0)
		v->zero = true;
	else if (strncmp(rest, "(empty)", 7) != 0)
		add_hex(v, rest);
	return true;
}

static int parse_trace(char *text)
{
	tsection *sec = NULL;
	tstep *st = NULL;
	tval *val = NULL;       /* value whose hex may continue */
	bool in_keys = false;
	int lineno = 0;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		size_t ln = strlen(line);
		while (ln && (line[ln - 1] == '\r' || line[ln - 1] == ' '))
			line[--ln] = 0;
		if (blank(line) || page_break(line))
			continue;       /* page breaks interrupt hex blocks: skip */
		size_t ind = indent(line);
		if (ind == 0 && isdigit((unsigned char)line[0])) {
			int num = atoi(line);
			const char *t = strstr(line, ".  ");
			in_keys = num == 2;
			val = NULL;
			st = NULL;
			sec = NULL;
			if (num >= 3 && num <= 7 && t && nsections < MAX_SECTIONS) {
				sec = &sections[nsections++];
				sec->num = num;
				snprintf(sec->title, sizeof sec->title, "%s", t + 3);
			}
			continue;
		}
		if (ind == 0)
			continue;
		if (in_keys) {
			if (ind == 3 && strstr(line, ":  ") && nrsa < 8) {
				val = &rsa_parts[nrsa];
				if (start_value(val, line + 3))
					nrsa++;
				else
					val = NULL;
			} else if (ind > 3 && val) {
				add_hex(val, line);
			}
			continue;
		}
		if (!sec)
			continue;
		if (ind == 3 && (strncmp(line + 3, "{client}", 8) == 0 || strncmp(line + 3, "{server}", 8) == 0)) {
			if (sec->nsteps == MAX_STEPS)
				return -1;
			st = &sec->steps[sec->nsteps++];
			st->role = line[4] == 's';
			st->line = lineno;
			const char *d = line + 11;
			while (*d == ' ')
				d++;
			snprintf(st->desc, sizeof st->desc, "%s", d);
			val = NULL;
			continue;
		}
		if (!st)
			continue;       /* prose before the first step */
		if (ind == 6 && strstr(line, ":  ") == NULL && !strstr(line, "salt:")) {
			/* the step description goes on */
			size_t dl = strlen(st->desc);
			snprintf(st->desc + dl, sizeof st->desc - dl, " %s", line + 6);
			val = NULL;
			continue;
		}
		if (ind == 6) {
			if (st->nv == MAX_VALS)
				return -1;
			val = &st->v[st->nv];
			if (start_value(val, line + 6))
				st->nv++;
			else
				val = NULL;
			continue;
		}
		if (ind > 6 && val)
			add_hex(val, line);
	}
	return 0;
}

static const tval *get(const tstep *s, const char *label)
{
	for (size_t i = 0; i < s->nv; i++)
		if (strcmp(s->v[i].label, label) == 0)
			return &s->v[i];
	return NULL;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const tsection *section(int num)
{
	for (size_t i = 0; i < nsections; i++)
		if (sections[i].num == num)
			return &sections[i];
	return NULL;
}

/* The first step of a section whose description starts with `desc`, from
 * role (or any role when role < 0), skipping `skip` matches. */
static const tstep *find_step(const tsection *s, int role, const char *desc, int skip)
{
	for (size_t i = 0; s && i < s->nsteps; i++)
		if ((role < 0 || s->steps[i].role == role) && starts(s->steps[i].desc, desc) && skip-- == 0)
			return &s->steps[i];
	return NULL;
}

static const tval *step_val(const tsection *s, int role, const char *desc, int skip, const char *label)
{
	const tstep *st = find_step(s, role, desc, skip);
	return st ? get(st, label) : NULL;
}

/* ------------------------------------------------- transcript of a section */

static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

typedef struct transcript {
	uint8_t *m[32];
	size_t n[32];
	size_t count;
} transcript;

static void tr_free(transcript *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->m[i]);
	t->count = 0;
}

static void tr_put(transcript *t, size_t at, const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (!c)
		return;
	memcpy(c, p, n);
	if (at < t->count) {
		free(t->m[at]);
	} else {
		if (t->count == 32) {
			free(c);
			return;
		}
		at = t->count++;
	}
	t->m[at] = c;
	t->n[at] = n;
}

/* A message sent in a handshake record: it is either one constructed
 * before, or the completion of one (the ClientHello of section 4 is shown
 * constructed without its binders). NewSessionTicket is not part of the
 * handshake transcript. */
static void tr_sent(transcript *t, const uint8_t *p, size_t n)
{
	size_t off = 0;
	while (n - off >= 4) {
		size_t len = (size_t)p[off + 1] << 16 | (size_t)p[off + 2] << 8 | p[off + 3];
		if (n - off - 4 < len)
			break;
		const uint8_t *m = p + off;
		off += 4 + len;
		if (m[0] == SG_HT_NEW_SESSION_TICKET)
			continue;
		size_t i;
		for (i = 0; i < t->count; i++)
			if (t->n[i] <= 4 + len && memcmp(t->m[i], m, t->n[i]) == 0)
				break;
		tr_put(t, i, m, 4 + len);
	}
}

/* Transcript-Hash, with the HelloRetryRequest rule of RFC 8446 4.4.1. */
static int tr_hash(const transcript *t, uint8_t out[32])
{
	sg_hash_ctx *h = sg_hash_new(&sg_sha256);
	int ret = h ? 0 : -1;
	for (size_t i = 0; h && i < t->count; i++) {
		if (t->m[i][0] == SG_HT_SERVER_HELLO && t->n[i] >= 38 && memcmp(t->m[i] + 6, hrr_random, 32) == 0) {
			uint8_t mh[4 + 32] = { SG_HT_MESSAGE_HASH, 0, 0, 32 };
			if (sg_hash_peek(h, mh + 4) < 0)
				ret = -1;
			sg_hash_free(h);
			h = sg_hash_new(&sg_sha256);
			if (!h || sg_hash_update(h, mh, sizeof mh) < 0)
				ret = -1;
		}
		if (h && sg_hash_update(h, t->m[i], t->n[i]) < 0)
			ret = -1;
	}
	if (!h || sg_hash_peek(h, out) < 0)
		ret = -1;
	sg_hash_free(h);
	return ret;
}

/* ------------------------------------------------------ generic checks */

static unsigned n_extract, n_derive, n_keys, n_finished, n_records, n_kex, n_values;

static bool same(const tval *v, const uint8_t *p, size_t n)
{
	return v && v->n == n && memcmp(v->p, p, n) == 0;
}

#define CHECK_VAL(v, p, n, ...) CHECK_MSG(same((v), (p), (n)), __VA_ARGS__)

/* HkdfLabel built the way RFC 8446 7.1 says. */
static size_t build_info(uint8_t *out, size_t out_len, const char *label, const uint8_t *ctx, size_t clen)
{
	size_t n = 0, ll = strlen(label);
	out[n++] = (uint8_t)(out_len >> 8);
	out[n++] = (uint8_t)out_len;
	out[n++] = (uint8_t)(6 + ll);
	memcpy(out + n, "tls13 ", 6);
	n += 6;
	memcpy(out + n, label, ll);
	n += ll;
	out[n++] = (uint8_t)clen;
	if (clen)
		memcpy(out + n, ctx, clen);
	return n + clen;
}

/* The label (without "tls13 ") of the trace's info bytes. */
static bool info_label(const tval *info, char *label, size_t cap)
{
	if (!info || info->n < 4)
		return false;
	size_t ll = info->p[2];
	if (3 + ll + 1 > info->n || ll < 6 || memcmp(info->p + 3, "tls13 ", 6) != 0 || ll - 6 >= cap)
		return false;
	memcpy(label, info->p + 9, ll - 6);
	label[ll - 6] = 0;
	return true;
}

/* PRK, hash, info, expanded: HKDF-Expand-Label(PRK, label-of-info, hash, len). */
static void check_expand(const tsection *sec, const tstep *st, const tval *prk, const tval *hash,
			 const tval *info, const tval *expanded)
{
	char label[256];
	CHECK_MSG(prk && prk->n == 32 && info && expanded,
		  "s%d line %d: %s: missing values", sec->num, st->line, st->desc);
	if (!prk || !info || !expanded)
		return;
	const uint8_t *ctx = hash ? hash->p : NULL;
	size_t clen = hash ? hash->n : 0;
	CHECK_MSG(info_label(info, label, sizeof label), "s%d line %d: info has no tls13 label", sec->num, st->line);
	uint8_t mine[2 + 1 + 255 + 1 + 255], out[255];
	size_t mn = build_info(mine, expanded->n, label, ctx, clen);
	CHECK_VAL(info, mine, mn, "s%d line %d: %s: our HkdfLabel differs from the trace's info",
		  sec->num, st->line, st->desc);
	CHECK_MSG(expanded->n <= sizeof out &&
		  sg_hkdf_expand_label(&sg_sha256, prk->p, label, ctx, clen, out, expanded->n) == 0 &&
		  memcmp(out, expanded->p, expanded->n) == 0,
		  "s%d line %d: %s: HKDF-Expand-Label(\"%s\") differs", sec->num, st->line, st->desc, label);
	/* The same through plain HKDF-Expand with the trace's own info. */
	CHECK_MSG(sg_hkdf_expand(&sg_sha256, prk->p, prk->n, info->p, info->n, out, expanded->n) == 0 &&
		  memcmp(out, expanded->p, expanded->n) == 0,
		  "s%d line %d: HKDF-Expand differs", sec->num, st->line);
	/* The description names the label: derive secret "tls13 c hs traffic". */
	const char *q = strchr(st->desc, '"');
	if (q && starts(q + 1, "tls13 ")) {
		size_t dl = strcspn(q + 7, "\"");
		CHECK_MSG(dl == strlen(label) && memcmp(q + 7, label, dl) == 0,
			  "s%d line %d: label \"%s\" does not match the step", sec->num, st->line, label);
	}
}

typedef struct kexstate {
	const sg_kex_class *k;
	uint8_t priv[48], pub[97];
	size_t priv_len, pub_len;
	bool set;
} kexstate;

typedef struct recstate {
	uint8_t secret[3][32];          /* early, handshake, application */
	bool known[3];
	int phase;                      /* -1: plaintext */
	uint64_t seq;
	bool sent;
} recstate;

static int phase_of(const char *desc)
{
	if (strstr(desc, "early application data"))
		return 0;
	if (strstr(desc, "handshake data"))
		return 1;
	if (strstr(desc, "application data"))
		return 2;
	return -1;
}

static sigil_config *rec_cfg;

/* A connection used only as a record layer. */
static sigil_conn *record_conn(int role, bool with_suite)
{
	sigil_conn *c = sigil_conn_new(rec_cfg, role ? SIGIL_SERVER : SIGIL_CLIENT);
	if (c && with_suite)
		c->suite = sg_suite_find(SIGIL_AES_128_GCM_SHA256);
	return c;
}

static void check_record(const tsection *sec, const tstep *st, recstate *rs)
{
	const tval *payload = get(st, "payload"), *rec = get(st, "complete record");
	CHECK_MSG(payload && rec && rec->n >= 5, "s%d line %d: record step without values", sec->num, st->line);
	if (!payload || !rec || rec->n < 5)
		return;
	uint8_t type = strstr(st->desc, "change_cipher_spec") ? SG_CT_CCS :
		       strstr(st->desc, "alert") ? SG_CT_ALERT :
		       strstr(st->desc, "application_data") ? SG_CT_APP : SG_CT_HANDSHAKE;
	n_records++;
	if (type == SG_CT_CCS) {
		sigil_conn *c = record_conn(st->role, true);
		CHECK(c && sg_record_send_ccs(c) == 0);
		CHECK_VAL(rec, c ? c->out.buf : NULL, c ? c->out.len : 0,
			  "s%d line %d: change_cipher_spec record differs", sec->num, st->line);
		CHECK_VAL(payload, (const uint8_t *)"\1", 1, "s%d line %d: CCS payload", sec->num, st->line);
		sigil_conn_free(c);
		return;
	}
	if (rs->phase < 0) {
		/* Plaintext; a client's very first record has version 0x0301. */
		sigil_conn *c = record_conn(st->role, st->role == 1 || rs->sent);
		CHECK(c && sg_record_write(c, type, payload->p, payload->n) == 0);
		CHECK_VAL(rec, c ? c->out.buf : NULL, c ? c->out.len : 0,
			  "s%d line %d: plaintext %s differs", sec->num, st->line, st->desc);
		sigil_conn_free(c);
		rs->sent = true;
		return;
	}
	rs->sent = true;
	CHECK_MSG(rs->known[rs->phase], "s%d line %d: no key known for this record", sec->num, st->line);
	if (!rs->known[rs->phase])
		return;
	/* Protect: what sg_record_write puts into the output buffer. */
	sigil_conn *c = record_conn(st->role, true);
	CHECK(c && sg_traffic_install(c, &c->wr, rs->secret[rs->phase], true) == 0);
	if (c) {
		c->wr.seq = rs->seq;
		CHECK(sg_record_write(c, type, payload->p, payload->n) == 0);
		CHECK_VAL(rec, c->out.buf, c->out.len, "s%d line %d: protected %s (seq %llu) differs",
			  sec->num, st->line, st->desc, (unsigned long long)rs->seq);
	}
	sigil_conn_free(c);

	/* Unprotect with the peer's read state: the AEAD directly, then for
	 * application data and alerts the whole receive path. */
	c = record_conn(!st->role, true);
	CHECK(c && sg_traffic_install(c, &c->rd, rs->secret[rs->phase], false) == 0);
	if (c) {
		uint8_t iv[SG_AEAD_NONCE], buf[SG_RECORD_HEADER + SG_MAX_CIPHERTEXT];
		memcpy(iv, c->rd.iv, sizeof iv);
		for (int i = 0; i < 8; i++)
			iv[SG_AEAD_NONCE - 1 - i] ^= (uint8_t)(rs->seq >> (8 * i));
		bool ok = rec->n - 5 >= SG_AEAD_TAG + 1 && rec->n <= sizeof buf &&
			  sg_aead_open(c->rd.aead, iv, rec->p, 5, rec->p + 5, rec->n - 5, buf) == 0;
		size_t pn = ok ? rec->n - 5 - SG_AEAD_TAG : 0;
		CHECK_MSG(ok && pn == payload->n + 1 && buf[payload->n] == type &&
			  memcmp(buf, payload->p, payload->n) == 0,
			  "s%d line %d: record does not decrypt to the payload", sec->num, st->line);
		if (type != SG_CT_HANDSHAKE) {
			c->state = SIGIL_ST_CONNECTED;
			c->started = true;
			c->rd.seq = rs->seq;
			size_t used = 0;
			int r = sg_record_recv(c, rec->p, rec->n, &used);
			CHECK_MSG(r == 0 && used == rec->n, "s%d line %d: sg_record_recv: %s", sec->num, st->line,
				  sigil_conn_error(c));
			if (type == SG_CT_APP)
				CHECK_MSG(c->app_len == payload->n && memcmp(c->app, payload->p, payload->n) == 0,
					  "s%d line %d: received application data differs", sec->num, st->line);
			else if (payload->n == 2 && payload->p[1] == 0)
				CHECK(c->state & SIGIL_ST_PEER_CLOSED);
		}
	}
	sigil_conn_free(c);
	rs->seq++;
}

static void check_kex_pair(const tsection *sec, const tstep *st, kexstate *ks)
{
	const tval *priv = get(st, "private key"), *pub = get(st, "public key");
	const sg_kex_class *k = strstr(st->desc, "x25519") ? &sg_x25519 :
				strstr(st->desc, "P-256") ? &sg_secp256r1 : NULL;
	CHECK_MSG(k && priv && pub, "s%d line %d: key pair step", sec->num, st->line);
	if (!k || !priv || !pub || priv->n > sizeof ks->priv || pub->n > sizeof ks->pub)
		return;
	n_kex++;
	sg_kex_key *key = sg_kex_from_private(k, priv->p, priv->n);
	uint8_t out[SG_MAX_KEX_PUB];
	CHECK_MSG(key && pub->n == k->pub_len && sg_kex_public(key, out) == 0 && memcmp(out, pub->p, pub->n) == 0,
		  "s%d line %d: public key from the private key differs", sec->num, st->line);
	sg_kex_free(key);
	ks->k = k;
	memcpy(ks->priv, priv->p, priv->n);
	ks->priv_len = priv->n;
	memcpy(ks->pub, pub->p, pub->n);
	ks->pub_len = pub->n;
	ks->set = true;
}

static void check_section(const tsection *sec)
{
	transcript tr = { 0 };
	kexstate kex[2] = { 0 };
	recstate rs[2] = { 0 };
	rs[0].phase = rs[1].phase = -1;
	const uint8_t zero[32] = { 0 };
	uint8_t out[32], th[32];

	for (size_t i = 0; i < sec->nsteps; i++) {
		const tstep *st = &sec->steps[i];
		const char *d = st->desc;
		/* The parser: every value has the length it announces. */
		for (size_t j = 0; j < st->nv; j++) {
			const tval *v = &st->v[j];
			n_values++;
			CHECK_MSG(!v->bad && (v->declared == (size_t)-1 || v->declared == v->n),
				  "s%d line %d: value \"%s\" has %zu bytes, announced %zu", sec->num, st->line,
				  v->label, v->n, v->declared);
		}
		if (starts(d, "create an ephemeral")) {
			check_kex_pair(sec, st, &kex[st->role]);
		} else if (starts(d, "construct a ")) {
			/* "construct a X handshake message": value X */
			if (st->nv == 1 && !strstr(d, "NewSessionTicket"))
				tr_put(&tr, (size_t)-1, st->v[0].p, st->v[0].n);
		} else if (starts(d, "extract secret") && st->nv) {
			const tval *salt = get(st, "salt"), *ikm = get(st, "IKM"), *secret = get(st, "secret");
			CHECK_MSG(salt && ikm && secret, "s%d line %d: extract values", sec->num, st->line);
			if (!salt || !ikm || !secret)
				continue;
			n_extract++;
			CHECK_MSG(sg_hkdf_extract(&sg_sha256, salt->zero ? zero : salt->p, salt->zero ? 32 : salt->n,
						  ikm->p, ikm->n, out) == 0 && same(secret, out, 32),
				  "s%d line %d: %s differs", sec->num, st->line, d);
			/* The handshake secret's IKM is the (EC)DHE shared secret. */
			if (strstr(d, "\"handshake\"") && kex[0].set && kex[1].set && kex[1].k == kex[0].k) {
				sg_kex_key *k = sg_kex_from_private(kex[1].k, kex[1].priv, kex[1].priv_len);
				uint8_t shared[SG_MAX_KEX_SECRET];
				CHECK_MSG(k && sg_kex_derive(k, kex[0].pub, kex[0].pub_len, shared) == 0 &&
					  same(ikm, shared, kex[1].k->secret_len),
					  "s%d line %d: (EC)DHE shared secret differs from the IKM", sec->num, st->line);
				sg_kex_free(k);
				k = sg_kex_from_private(kex[0].k, kex[0].priv, kex[0].priv_len);
				CHECK_MSG(k && sg_kex_derive(k, kex[1].pub, kex[1].pub_len, shared) == 0 &&
					  same(ikm, shared, kex[0].k->secret_len),
					  "s%d line %d: client's shared secret differs", sec->num, st->line);
				sg_kex_free(k);
				n_kex++;
			}
		} else if ((starts(d, "derive secret") || starts(d, "generate resumption secret")) && st->nv) {
			const tval *prk = get(st, "PRK"), *hash = get(st, "hash"), *info = get(st, "info"),
				   *exp = get(st, "expanded");
			n_derive++;
			check_expand(sec, st, prk, hash, info, exp);
			char label[256];
			if (hash && info_label(info, label, sizeof label)) {
				if (strcmp(label, "derived") == 0) {
					CHECK_MSG(sg_hash(&sg_sha256, "", 0, out) == 0 && same(hash, out, 32),
						  "s%d line %d: \"derived\" hash is not Hash(\"\")", sec->num, st->line);
				} else if (strcmp(label, "resumption") != 0) {
					/* Derive-Secret's context is the transcript so far. */
					CHECK_MSG(tr_hash(&tr, th) == 0 && same(hash, th, 32),
						  "s%d line %d: %s: transcript hash differs", sec->num, st->line, d);
				}
			}
		} else if (strstr(d, "traffic keys for")) {
			int ph = phase_of(d);
			bool write = starts(d, "derive write");
			CHECK_MSG(ph >= 0, "s%d line %d: phase of %s", sec->num, st->line, d);
			if (ph < 0)
				continue;
			const tval *prk = get(st, "PRK");
			int sender = write ? st->role : !st->role;
			if (prk) {
				n_keys++;
				const tval *ki = get(st, "key info"), *ke = get(st, "key expanded"),
					   *ii = get(st, "iv info"), *ie = get(st, "iv expanded");
				tstep fake = *st;
				check_expand(sec, &fake, prk, NULL, ki, ke);
				check_expand(sec, &fake, prk, NULL, ii, ie);
				/* What the record layer installs. */
				sigil_conn *c = record_conn(0, true);
				CHECK(c && prk->n == 32 && sg_traffic_install(c, &c->wr, prk->p, write) == 0);
				if (c)
					CHECK_VAL(ie, c->wr.iv, SG_AEAD_NONCE, "s%d line %d: installed IV differs",
						  sec->num, st->line);
				sigil_conn_free(c);
				if (prk->n == 32) {
					memcpy(rs[sender].secret[ph], prk->p, 32);
					rs[sender].known[ph] = true;
				}
			}
			if (write) {
				rs[st->role].phase = ph;
				rs[st->role].seq = 0;
			}
		} else if ((starts(d, "calculate finished") || starts(d, "calculate PSK binder")) && st->nv) {
			const tval *prk = get(st, "PRK"), *hash = get(st, "hash"), *info = get(st, "info"),
				   *exp = get(st, "expanded"), *fin = get(st, "finished"),
				   *bh = get(st, "binder hash"), *prefix = get(st, "ClientHello prefix");
			n_finished++;
			check_expand(sec, st, prk, hash, info, exp);
			if (bh) {
				CHECK_MSG(prefix && sg_hash(&sg_sha256, prefix->p, prefix->n, th) == 0 && same(bh, th, 32),
					  "s%d line %d: binder hash differs", sec->num, st->line);
			} else {
				CHECK(tr_hash(&tr, th) == 0);
			}
			CHECK_MSG(prk && fin && sg_ks_finished(&sg_sha256, prk->p, th, out) == 0 && same(fin, out, 32),
				  "s%d line %d: %s: verify_data differs", sec->num, st->line, d);
			CHECK_MSG(exp && fin && sg_hmac(&sg_sha256, exp->p, exp->n, th, 32, out) == 0 && same(fin, out, 32),
				  "s%d line %d: HMAC(finished_key) differs", sec->num, st->line);
		} else if (starts(d, "send ") && strstr(d, " record")) {
			if (strstr(d, "send handshake record")) {
				const tval *p = get(st, "payload");
				if (p)
					tr_sent(&tr, p->p, p->n);
			}
			check_record(sec, st, &rs[st->role]);
		}
	}
	tr_free(&tr);
}

/* --------------------------------------------- section 3 through the engine */

typedef struct hookdata {
	uint8_t random[32];
	const uint8_t *kex_priv;
	size_t kex_len;
	const sg_kex_class *kex;
	unsigned random_calls;
} hookdata;

static int hook_random(void *arg, uint8_t *out, size_t n)
{
	hookdata *h = arg;
	/* The first 32-byte draw is the hello random; anything else (the
	 * HelloRetryRequest cookie) gets a fixed pattern. */
	for (size_t i = 0; i < n; i++)
		out[i] = n == 32 && h->random_calls == 0 ? h->random[i] : (uint8_t)(0xa0 + i);
	h->random_calls++;
	return 0;
}

static sg_kex_key *hook_kex(void *arg, uint16_t group)
{
	hookdata *h = arg;
	if (!h->kex || group != h->kex->group)
		return NULL;
	return sg_kex_from_private(h->kex, h->kex_priv, h->kex_len);
}

/* A tiny DER writer for the PKCS#1 RSAPrivateKey of section 2. */
static size_t der_len(uint8_t *o, size_t n)
{
	if (n < 128) {
		o[0] = (uint8_t)n;
		return 1;
	}
	if (n < 256) {
		o[0] = 0x81;
		o[1] = (uint8_t)n;
		return 2;
	}
	o[0] = 0x82;
	o[1] = (uint8_t)(n >> 8);
	o[2] = (uint8_t)n;
	return 3;
}

static size_t der_int(uint8_t *o, const uint8_t *p, size_t n)
{
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	bool pad = n == 0 || (p[0] & 0x80);
	size_t k = 0;
	o[k++] = 0x02;
	k += der_len(o + k, n + pad);
	if (pad)
		o[k++] = 0;
	memcpy(o + k, p, n);
	return k + n;
}

static char *rsa_key_pem(void)
{
	if (nrsa != 8)
		return NULL;
	uint8_t body[2048], der[2100];
	size_t bn = 0;
	static const uint8_t zero = 0;
	bn += der_int(body + bn, &zero, 1);
	for (size_t i = 0; i < 8; i++)
		bn += der_int(body + bn, rsa_parts[i].p, rsa_parts[i].n);
	size_t dn = 0;
	der[dn++] = 0x30;
	dn += der_len(der + dn, bn);
	memcpy(der + dn, body, bn);
	dn += bn;
	char b64[4096];
	int bl = sg_base64_encode(der, dn, b64, sizeof b64);
	if (bl < 0)
		return NULL;
	char *pem = malloc(8192);
	if (!pem)
		return NULL;
	size_t n = (size_t)snprintf(pem, 8192, "-----BEGIN RSA PRIVATE KEY-----\n");
	for (int i = 0; i < bl; i += 64)
		n += (size_t)snprintf(pem + n, 8192 - n, "%.*s\n", bl - i < 64 ? bl - i : 64, b64 + i);
	snprintf(pem + n, 8192 - n, "-----END RSA PRIVATE KEY-----\n");
	return pem;
}

/* The end-entity certificate inside the trace's Certificate message. */
static char *cert_pem(const tval *cert)
{
	/* 0b len(3) ctx_len(1)=0 list_len(3) cert_len(3) cert... */
	if (!cert || cert->n < 11 || cert->p[0] != SG_HT_CERTIFICATE || cert->p[4] != 0)
		return NULL;
	size_t cl = (size_t)cert->p[8] << 16 | (size_t)cert->p[9] << 8 | cert->p[10];
	if (11 + cl > cert->n)
		return NULL;
	char *b64 = malloc(4 * cl / 3 + 8), *pem = malloc(4 * cl / 3 + cl / 32 + 128);
	int bl = b64 && pem ? sg_base64_encode(cert->p + 11, cl, b64, 4 * cl / 3 + 8) : -1;
	if (bl < 0) {
		free(b64);
		free(pem);
		return NULL;
	}
	size_t n = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n");
	for (int i = 0; i < bl; i += 64)
		n += (size_t)sprintf(pem + n, "%.*s\n", bl - i < 64 ? bl - i : 64, b64 + i);
	sprintf(pem + n, "-----END CERTIFICATE-----\n");
	free(b64);
	return pem;
}

static sigil_config *server_config(const tsection *s, const sg_test_hooks *hooks)
{
	char *key = rsa_key_pem();
	char *crt = cert_pem(step_val(s, 1, "construct a Certificate", 0, "Certificate"));
	sigil_config *cfg = sigil_config_new();
	int r = cfg && key && crt ? sigil_config_add_cert_key_pem(cfg, crt, strlen(crt), key, strlen(key)) : -1;
	CHECK_MSG(r == 0, "server config with the trace's certificate and key: %s",
		  cfg ? sigil_config_error(cfg) : "no config");
	CHECK(cfg && sg_config_set_test_hooks(cfg, hooks) == 0);
	if (key)
		sg_wipe(key, strlen(key));
	free(key);
	free(crt);
	if (r != 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Split the engine's output into records: returns the count. */
static size_t split_records(const uint8_t *p, size_t n, const uint8_t **rec, size_t *len, size_t cap)
{
	size_t k = 0, off = 0;
	while (k < cap && n - off >= 5) {
		size_t l = 5 + ((size_t)p[off + 3] << 8 | p[off + 4]);
		if (l > n - off)
			break;
		rec[k] = p + off;
		len[k++] = l;
		off += l;
	}
	return k;
}

static void engine_section3(void)
{
	const tsection *s = section(3);
	CHECK(s != NULL);
	if (!s)
		return;
	const tval *ch_rec = step_val(s, 0, "send handshake record", 0, "complete record");
	const tval *sh_rec = step_val(s, 1, "send handshake record", 0, "complete record");
	const tval *sh = step_val(s, 1, "construct a ServerHello", 0, "ServerHello");
	const tval *spriv = step_val(s, 1, "create an ephemeral x25519", 0, "private key");
	const tval *hs_secret = step_val(s, 1, "extract secret \"handshake\"", 0, "secret");
	const tval *c_hs = step_val(s, 1, "derive secret \"tls13 c hs traffic\"", 0, "expanded");
	const tval *s_hs = step_val(s, 1, "derive secret \"tls13 s hs traffic\"", 0, "expanded");
	const tval *s_hs_key = step_val(s, 1, "derive write traffic keys for handshake", 0, "key expanded");
	const tval *s_hs_iv = step_val(s, 1, "derive write traffic keys for handshake", 0, "iv expanded");
	const tval *c_hs_iv = step_val(s, 1, "derive read traffic keys for handshake", 0, "iv expanded");
	CHECK(ch_rec && sh_rec && sh && sh->n == 90 && spriv && hs_secret && c_hs && s_hs && s_hs_key &&
	      s_hs_iv && c_hs_iv);
	if (!(ch_rec && sh_rec && sh && sh->n == 90 && spriv && hs_secret && c_hs && s_hs && s_hs_key &&
	      s_hs_iv && c_hs_iv))
		return;

	hookdata hd = { .kex = &sg_x25519, .kex_priv = spriv->p, .kex_len = spriv->n };
	memcpy(hd.random, sh->p + 6, 32);      /* 02 len(3) 03 03 random */
	sg_test_hooks hooks = { .random = hook_random, .kex_key = hook_kex, .arg = &hd };
	sigil_config *cfg = server_config(s, &hooks);
	if (!cfg)
		return;
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_SERVER);
	size_t used = 0;
	int r = sigil_conn_recv_net(c, ch_rec->p, ch_rec->n, &used);
	CHECK_MSG(r == 0 && used == ch_rec->n, "server on the trace's ClientHello: %s", sigil_conn_error(c));
	size_t n = 0;
	const uint8_t *out = sigil_conn_send_buf(c, &n);
	CHECK_MSG(out && n > sh_rec->n && memcmp(out, sh_rec->p, sh_rec->n) == 0,
		  "the engine's ServerHello record differs from the trace's");
	CHECK(sigil_conn_suite(c) == SIGIL_AES_128_GCM_SHA256);
	CHECK(sigil_conn_group(c) == SIGIL_GROUP_X25519);
	/* Empty legacy_session_id: no change_cipher_spec follows (D.4). */
	CHECK(out && n > sh_rec->n && out[sh_rec->n] == SG_CT_APP);

	/* The key schedule inside the engine. */
	CHECK_MSG(c->hs != NULL, "the server should wait for the client's Finished");
	if (c->hs) {
		CHECK_VAL(hs_secret, c->hs->hs_secret, 32, "engine handshake secret differs");
		CHECK_VAL(c_hs, c->hs->c_hs, 32, "engine client handshake traffic secret differs");
		CHECK_VAL(s_hs, c->hs->s_hs, 32, "engine server handshake traffic secret differs");
	}
	/* Until the client's Finished the server reads with the client
	 * handshake key.  It writes with its application key by now, which
	 * depends on its own EncryptedExtensions, Certificate and
	 * CertificateVerify (not the trace's: other extensions, a randomised
	 * RSA-PSS signature), so its write IV cannot be the trace's. */
	CHECK_VAL(c_hs_iv, c->rd.iv, SG_AEAD_NONCE, "engine read IV (client handshake) differs");
	CHECK(c->rd.seq == 0);
	CHECK(c->wr.seq == 0);

	/* The engine's encrypted flight was written under the trace's server
	 * handshake key and IV: each record after the ServerHello decrypts
	 * with them (sequence numbers 0, 1, ...) to the next handshake
	 * message, ending with a Finished. */
	const uint8_t *recs[16];
	size_t lens[16];
	size_t nr = out ? split_records(out, n, recs, lens, 16) : 0;
	CHECK(nr >= 2);
	sg_aead_ctx *a = sg_aead_new(&sg_aes128gcm, s_hs_key->p, false);
	CHECK(a != NULL);
	uint8_t want[] = { SG_HT_ENCRYPTED_EXTENSIONS, SG_HT_CERTIFICATE, SG_HT_CERTIFICATE_VERIFY, SG_HT_FINISHED };
	size_t got = 0;
	for (size_t i = 1; a && i < nr && got < 4; i++) {
		uint8_t iv[12], buf[SG_MAX_CIPHERTEXT];
		memcpy(iv, s_hs_iv->p, 12);
		iv[11] ^= (uint8_t)(i - 1);
		bool ok = recs[i][0] == SG_CT_APP && lens[i] > 5 + 17 && lens[i] - 5 <= sizeof buf &&
			  sg_aead_open(a, iv, recs[i], 5, recs[i] + 5, lens[i] - 5, buf) == 0;
		size_t pn = ok ? lens[i] - 5 - SG_AEAD_TAG : 0;
		CHECK_MSG(ok && pn >= 5 && buf[pn - 1] == SG_CT_HANDSHAKE,
			  "engine record %zu does not decrypt with the trace's server handshake key", i);
		/* One record may hold several messages. */
		for (size_t off = 0; ok && pn >= 5 && off + 4 <= pn - 1 && got < 4;) {
			CHECK_MSG(buf[off] == want[got], "engine message %zu is type %u, expected %u", got, buf[off],
				  want[got]);
			off += 4 + ((size_t)buf[off + 1] << 16 | (size_t)buf[off + 2] << 8 | buf[off + 3]);
			got++;
		}
	}
	CHECK_MSG(got == 4, "decrypted %zu of the 4 messages of the server's flight", got);
	sg_aead_free(a);
	sigil_conn_free(c);
	sigil_config_free(cfg);
}

/* Section 5: the engine's HelloRetryRequest for the trace's first
 * ClientHello (x25519 share only) when the server wants P-256. */
static void engine_section5(void)
{
	const tsection *s = section(5);
	CHECK(s != NULL);
	const tval *ch1 = step_val(s, 0, "send handshake record", 0, "complete record");
	const tval *hrr = step_val(s, 1, "construct a ServerHello", 0, "ServerHello");
	CHECK(ch1 && hrr && hrr->n > 44);
	if (!ch1 || !hrr || hrr->n <= 44)
		return;
	CHECK_MSG(memcmp(hrr->p + 6, hrr_random, 32) == 0, "the trace's first ServerHello is a HelloRetryRequest");

	hookdata hd = { 0 };
	sg_test_hooks hooks = { .random = hook_random, .kex_key = hook_kex, .arg = &hd };
	sigil_config *cfg = server_config(section(3), &hooks);
	if (!cfg)
		return;
	CHECK(sigil_config_set_groups(cfg, "secp256r1") == 0);
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_SERVER);
	size_t used = 0, n = 0;
	int r = sigil_conn_recv_net(c, ch1->p, ch1->n, &used);
	CHECK_MSG(r == 0 && used == ch1->n, "server on the trace's first ClientHello: %s", sigil_conn_error(c));
	const uint8_t *out = sigil_conn_send_buf(c, &n);
	CHECK(sigil_conn_hrr(c) == 1);
	/* The record: 16 03 03 len, then the message. */
	CHECK(out && n > 5 + 44 && out[0] == SG_CT_HANDSHAKE && out[1] == 3 && out[2] == 3);
	if (!out || n <= 5 + 44) {
		sigil_conn_free(c);
		sigil_config_free(cfg);
		return;
	}
	const uint8_t *m = out + 5;
	size_t mlen = 4 + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
	CHECK(mlen <= n - 5);
	/* Everything up to the extensions is the same: type, legacy_version,
	 * the special random, the (empty) session id echo, the suite and
	 * compression: bytes 0 and 4 .. 4+2+32+1+sid+2+1 (the length differs). */
	size_t head = 4 + 2 + 32 + 1 + hrr->p[38] + 2 + 1;
	CHECK(hrr->p[38] == 0 && m[38] == 0);
	CHECK(m[0] == hrr->p[0]);
	CHECK_MEM(m + 4, hrr->p + 4, head - 4);
	/* The extensions: the same set (supported_versions, key_share asking
	 * for secp256r1, cookie) in another order, and the cookie differs:
	 * the trace's server packed 114 bytes of state into it, sigil sends 32
	 * random bytes from the `random` hook.  So compare extension by
	 * extension, and only the cookie's presence. */
	struct { uint16_t type; const uint8_t *p; size_t n; } mine[8], theirs[8];
	size_t nm = 0, nt = 0;
	for (int w = 0; w < 2; w++) {
		const uint8_t *p = w ? hrr->p : m;
		size_t len = w ? hrr->n : mlen;
		size_t off = head, end = len;
		if (off + 2 > len)
			continue;
		size_t el = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		CHECK(off + el == end);
		while (off + 4 <= end) {
			size_t l = (size_t)p[off + 2] << 8 | p[off + 3];
			if (off + 4 + l > end)
				break;
			if (w && nt < 8) {
				theirs[nt].type = (uint16_t)(p[off] << 8 | p[off + 1]);
				theirs[nt].p = p + off + 4;
				theirs[nt++].n = l;
			} else if (!w && nm < 8) {
				mine[nm].type = (uint16_t)(p[off] << 8 | p[off + 1]);
				mine[nm].p = p + off + 4;
				mine[nm++].n = l;
			}
			off += 4 + l;
		}
	}
	CHECK_MSG(nm == nt && nt == 3, "HRR extensions: sigil %zu, trace %zu", nm, nt);
	for (size_t i = 0; i < nt; i++) {
		size_t j;
		for (j = 0; j < nm && mine[j].type != theirs[i].type; j++)
			;
		CHECK_MSG(j < nm, "sigil's HRR lacks extension %u", theirs[i].type);
		if (j == nm || theirs[i].type == SG_EXT_COOKIE)
			continue;
		CHECK_MSG(mine[j].n == theirs[i].n && memcmp(mine[j].p, theirs[i].p, theirs[i].n) == 0,
			  "HRR extension %u differs", theirs[i].type);
	}
	sigil_conn_free(c);
	sigil_config_free(cfg);
}

int main(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tls13/tls13-vectors.txt", sg_test_data());
	size_t len = 0;
	char *text = sg_test_read_file(path, &len);
	CHECK_MSG(text != NULL, "cannot read %s", path);
	if (!text)
		return TEST_END();
	CHECK(parse_trace(text) == 0);
	free(text);

	/* The parser found what the draft has. */
	static const char *titles[] = { "Simple 1-RTT Handshake", "Resumed 0-RTT Handshake", "HelloRetryRequest",
					"Client Authentication", "Compatibility Mode" };
	CHECK(nsections == 5);
	for (size_t i = 0; i < nsections && i < 5; i++) {
		CHECK(sections[i].num == (int)i + 3);
		CHECK_MSG(strcmp(sections[i].title, titles[i]) == 0, "section %zu title \"%s\"", i + 3,
			  sections[i].title);
		CHECK(sections[i].nsteps > 20);
	}
	CHECK_MSG(nrsa == 8 && rsa_parts[0].n == 128 && rsa_parts[1].n == 3, "RSA key: %zu parts, %zu/%zu bytes", nrsa, rsa_parts[0].n, rsa_parts[1].n);
	/* A value cut by a page break: section 3's server x25519 private key. */
	const tval *pk = step_val(section(3), 1, "create an ephemeral x25519", 0, "private key");
	CHECK(pk && pk->n == 32 && pk->p[0] == 0x5a && pk->p[31] == 0xc8);

	rec_cfg = sigil_config_new();
	CHECK(rec_cfg != NULL);
	for (size_t i = 0; rec_cfg && i < nsections; i++) {
		unsigned before = sg_test_failed;
		check_section(&sections[i]);
		printf("%s section %d (%s): %zu steps\n", sg_test_failed == before ? "ok  " : "FAIL",
		       sections[i].num, sections[i].title, sections[i].nsteps);
	}
	printf("NOTE values %u, extract %u, derive %u, traffic keys %u, finished/binder %u, records %u, kex %u\n",
	       n_values, n_extract, n_derive, n_keys, n_finished, n_records, n_kex);
	sigil_config_free(rec_cfg);

	engine_section3();
	engine_section5();

	for (size_t i = 0; i < nsections; i++)
		for (size_t j = 0; j < sections[i].nsteps; j++)
			for (size_t k = 0; k < sections[i].steps[j].nv; k++)
				free(sections[i].steps[j].v[k].p);
	for (size_t i = 0; i < nrsa; i++)
		free(rsa_parts[i].p);
	return TEST_END();
}
