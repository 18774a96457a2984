/* The record layer, RFC 8446 section 5. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

void sg_traffic_clear(sg_traffic *t)
{
	sg_aead_free(t->aead);
	sg_wipe(t, sizeof *t);
}

void sg_traffic_park(sg_traffic *t)
{
	if (!t->aead)
		return;
	sg_aead_free(t->aead);
	t->aead = NULL;
	t->parked = true;
}

/* Rebuild a parked direction's context from its secret, keeping the IV
 * and the sequence number. */
static int unpark(sigil_conn *c, sg_traffic *t, bool encrypt)
{
	uint8_t key[SG_MAX_AEAD_KEY];
	const sg_suite *s = c->suite;
	if (t->tls12)           /* the key itself is kept */
		memcpy(key, t->secret, s->aead->key_len);
	if (t->tls12 || sg_hkdf_expand_label(s->hash, t->secret, "key", NULL, 0, key, s->aead->key_len) == 0)
		t->aead = sg_aead_new(s->aead, key, encrypt);
	sg_wipe(key, sizeof key);
	if (!t->aead)
		return SG_INTERNAL(c, "cannot restore record protection");
	t->parked = false;
	return 0;
}

/* [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
 * [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)  (7.3) */
int sg_traffic_install(sigil_conn *c, sg_traffic *t, const uint8_t *secret, bool encrypt)
{
	const sg_suite *s = c->suite;
	uint8_t key[SG_MAX_AEAD_KEY], next[SG_MAX_HASH];
	/* secret may be t->secret itself (KeyUpdate): copy before clearing. */
	memcpy(next, secret, s->hash->out_len);
	sg_traffic_clear(t);
	memcpy(t->secret, next, s->hash->out_len);
	sg_wipe(next, sizeof next);
	int ret = -1;
	if (sg_hkdf_expand_label(s->hash, t->secret, "key", NULL, 0, key, s->aead->key_len) < 0 ||
	    sg_hkdf_expand_label(s->hash, t->secret, "iv", NULL, 0, t->iv, SG_AEAD_NONCE) < 0)
		goto out;
	t->aead = sg_aead_new(s->aead, key, encrypt);
	if (t->aead)
		ret = 0;
	if (t == &c->rd)
		c->rd_epoch++;
out:
	sg_wipe(key, sizeof key);
	if (ret < 0)
		return SG_INTERNAL(c, "cannot set up record protection");
	return 0;
}

/* TLS 1.2: keys from the key block (RFC 5246 6.3), at change_cipher_spec;
 * the sequence number starts at 0 (6.1). */
int sg_traffic_install12(sigil_conn *c, sg_traffic *t, const uint8_t *key, const uint8_t *iv, bool encrypt)
{
	const sg_suite *s = c->suite;
	sg_traffic_clear(t);
	memcpy(t->secret, key, s->aead->key_len);
	memcpy(t->iv, iv, SG_AEAD_NONCE);
	t->tls12 = s->aead == &sg_chacha20poly1305 ? SG_NONCE12_XOR : SG_NONCE12_GCM;
	t->aead = sg_aead_new(s->aead, key, encrypt);
	if (!t->aead)
		return SG_INTERNAL(c, "cannot set up record protection");
	if (t == &c->rd)
		c->rd_epoch++;
	return 0;
}

/* The per-record nonce: the IV XOR the 64-bit sequence number (5.3). */
static void nonce(const sg_traffic *t, uint8_t out[SG_AEAD_NONCE])
{
	memcpy(out, t->iv, SG_AEAD_NONCE);
	for (int i = 0; i < 8; i++)
		out[SG_AEAD_NONCE - 1 - i] ^= (uint8_t)(t->seq >> (8 * i));
}

/* TLS 1.2's additional data: seq_num + type + version + length of the
 * plaintext (RFC 5246 6.2.3.3). */
static void aad12(uint8_t aad[13], uint64_t seq, uint8_t type, size_t n)
{
	sg_store64(aad, seq);
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	sg_store16(aad + 11, (uint16_t)n);
}

/* The nonce of a TLS 1.2 record: GCM's salt || the explicit 8 bytes,
 * which are the sequence number when we send (RFC 5288 3); ChaCha20's as
 * in TLS 1.3 (RFC 7905 2). */
static void nonce12(const sg_traffic *t, const uint8_t *explicit, uint8_t out[SG_AEAD_NONCE])
{
	if (t->tls12 == SG_NONCE12_XOR) {
		nonce(t, out);
		return;
	}
	memcpy(out, t->iv, 4);
	if (explicit)
		memcpy(out + 4, explicit, 8);
	else
		sg_store64(out + 4, t->seq);
}

/* A TLS 1.2 protected record: the real content type in the header, the
 * explicit nonce (GCM) before the ciphertext (RFC 5246 6.2.3.3). */
static int write_one12(sigil_conn *c, sg_traffic *t, uint8_t type, const uint8_t *p, size_t n)
{
	size_t ex = t->tls12 == SG_NONCE12_GCM ? 8 : 0, clen = ex + n + SG_AEAD_TAG;
	uint8_t *rec = sg_wr_space(&c->out, SG_RECORD_HEADER + clen);
	if (!rec)
		return SG_INTERNAL(c, "output buffer full");
	rec[0] = type;
	rec[1] = 3;
	rec[2] = 3;
	sg_store16(rec + 3, (uint16_t)clen);
	uint8_t iv[SG_AEAD_NONCE], aad[13];
	nonce12(t, NULL, iv);
	memcpy(rec + SG_RECORD_HEADER, iv + 4, ex);
	aad12(aad, t->seq, type, n);
	if (sg_aead_seal(t->aead, iv, aad, sizeof aad, p, n, rec + SG_RECORD_HEADER + ex) < 0)
		return SG_INTERNAL(c, "record encryption failed");
	t->seq++;
	return 0;
}

/* Write one record of at most max_fragment bytes of plaintext. */
static int write_one(sigil_conn *c, uint8_t type, const uint8_t *p, size_t n)
{
	sg_traffic *t = &c->wr;
	sg_wr *w = &c->out;
	if (t->parked && unpark(c, t, true) < 0)
		return SIGIL_ERROR;
	if (!t->aead) {
		/* legacy_record_version 0x0301 for an initial ClientHello (5.1). */
		uint16_t ver = (c->role == SIGIL_CLIENT && !c->suite) ? 0x0301 : 0x0303;
		sg_wr_u8(w, type);
		sg_wr_u16(w, ver);
		sg_wr_u16(w, (uint16_t)n);
		sg_wr_bytes(w, p, n);
		return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "output buffer full");
	}
	if (t->seq == UINT64_MAX)
		return SG_INTERNAL(c, "record sequence number exhausted");
	if (t->tls12)
		return write_one12(c, t, type, p, n);
	/* TLSInnerPlaintext = content || type, no padding; TLSCiphertext has
	 * opaque_type application_data and legacy version 0x0303 (5.2). */
	size_t clen = n + 1 + SG_AEAD_TAG;
	uint8_t *rec = sg_wr_space(w, SG_RECORD_HEADER + clen);
	if (!rec)
		return SG_INTERNAL(c, "output buffer full");
	rec[0] = SG_CT_APP;
	rec[1] = 3;
	rec[2] = 3;
	sg_store16(rec + 3, (uint16_t)clen);
	uint8_t iv[SG_AEAD_NONCE];
	nonce(t, iv);
	/* Encrypt straight from the caller's bytes into the record: no copy
	 * of the payload, the content type sealed after it. */
	if (sg_aead_seal2(t->aead, iv, rec, SG_RECORD_HEADER, p, n, &type, 1, rec + SG_RECORD_HEADER) < 0)
		return SG_INTERNAL(c, "record encryption failed");
	t->seq++;
	return 0;
}

int sg_record_write(sigil_conn *c, uint8_t type, const uint8_t *p, size_t n)
{
	if (c->state & SIGIL_ST_FAILED)
		return SIGIL_ERROR;
	do {
		size_t k = n < c->max_fragment ? n : c->max_fragment;
		if (write_one(c, type, p, k) < 0)
			return SIGIL_ERROR;
		p += k;
		n -= k;
	} while (n);
	/* Update our sending keys long before the AEAD limits (5.5). */
	/* TLS 1.2 has no KeyUpdate: its AEAD limits (2^24.5 records for
	 * GCM) are far above any connection's life here. */
	if (type == SG_CT_APP && !c->hs && !c->wr.tls12) {
		uint32_t lim = c->cfg->hooks && c->cfg->hooks->key_update_records ?
			       c->cfg->hooks->key_update_records : SIGIL_KEY_UPDATE_RECORDS;
		if (c->wr.seq >= lim)
			return sg_key_update_send(c, false);
	}
	return 0;
}

int sg_record_send_alert(sigil_conn *c, uint8_t alert)
{
	/* TLS 1.3 alerts are all fatal except close_notify and user_canceled;
	 * the level byte is ignored but we send the conventional one (6). */
	uint8_t a[2] = { alert == 0 || alert == 90 ? 1 : 2, alert };
	return write_one(c, SG_CT_ALERT, a, 2);
}

int sg_record_send_ccs(sigil_conn *c)
{
	/* Middlebox compatibility mode (D.4): always unprotected. */
	static const uint8_t ccs[6] = { SG_CT_CCS, 3, 3, 0, 1, 1 };
	return sg_wr_bytes(&c->out, ccs, sizeof ccs) ? 0 : SG_INTERNAL(c, "output buffer full");
}

/* A record that carried nothing: each is legal (5.1 zero-length
 * application data, 6.1 user_canceled, 5 change_cipher_spec), but an
 * endless run of them keeps us decrypting while nothing progresses, so
 * a run is bounded; any record with content ends it. */
static int nothing(sigil_conn *c, const char *what)
{
	if (++c->empty_run > SG_MAX_EMPTY_RECORDS)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"more than %u records in a row that carry nothing (the last: %s)",
				SG_MAX_EMPTY_RECORDS, what);
	return 0;
}

static int recv_alert(sigil_conn *c, const uint8_t *p, size_t n)
{
	/* "a record with an Alert type MUST contain exactly one message"
	 * (5.1); an empty one, in the clear or protected, is
	 * unexpected_message (5.4: "Implementations MUST NOT send Handshake
	 * and Alert records that have a zero-length
	 * TLSInnerPlaintext.content").  A fragment or two alerts: malformed. */
	if (n == 0)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "empty alert record");
	if (n != 2)
		return SG_DECODE(c, "alert record");
	if (p[1] == SIGIL_ALERT_CLOSE_NOTIFY) {
		c->state |= SIGIL_ST_PEER_CLOSED;
		if (c->hs)
			return sg_fail(c, SIGIL_ECLASS_PEER_ALERT, 0,
				       "peer closed the connection during the handshake (close_notify)");
		return 0;
	}
	if (p[1] == SIGIL_ALERT_USER_CANCELED)
		return nothing(c, "user_canceled alert");      /* a close_notify follows (6.1) */
	return sg_fail(c, SIGIL_ECLASS_PEER_ALERT, p[1], "peer sent alert %s (%u)%s",
		       sigil_alert_name(p[1]), p[1],
		       p[1] == SIGIL_ALERT_PROTOCOL_VERSION && c->hs ?
		       ": the peer does not accept TLS 1.3 (sigil speaks TLS 1.3 only)" :
		       p[1] == SIGIL_ALERT_BAD_CERTIFICATE || p[1] == SIGIL_ALERT_UNKNOWN_CA ||
		       p[1] == SIGIL_ALERT_CERTIFICATE_UNKNOWN || p[1] == SIGIL_ALERT_DECRYPT_ERROR ?
		       ": the peer refused our certificate or signature" : "");
}

/* Take up to n bytes of p into the partial message in c->hsmsg, which
 * never grows past `max` (its header, then the message it announced). */
static size_t take(sigil_conn *c, const uint8_t *p, size_t n, size_t max)
{
	size_t k = max - c->hsmsg.len < n ? max - c->hsmsg.len : n;
	c->hsmsg.max = max;
	return sg_wr_bytes(&c->hsmsg, p, k) ? k : (size_t)-1;
}

static size_t u24(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/*
 * Handshake bytes p[n] from a record of which `after` more bytes are
 * still to come (a plaintext record, read as it arrives; 0 for a
 * protected one), split into messages for the handshake driver (or the
 * post-handshake handler).  A message whole in p is handled where it
 * lies; only one that continues in a later record is copied, into
 * c->hsmsg, and only once its header has been accepted
 * (sg_hs_check_header: a type we expect now, a length within that type's
 * limit), so an unfinished message holds at most its limit, not what a
 * header announces.
 */
static int recv_handshake(sigil_conn *c, const uint8_t *p, size_t n, size_t after)
{
	if (n == 0)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "empty handshake record");
	c->empty_run = 0;
	while (n) {
		const uint8_t *m;
		size_t len, k;
		bool in_place = c->hsmsg.len == 0 && n >= 4;
		if (in_place) {
			len = u24(p + 1);
			if (sg_hs_check_header(c, p[0], len) < 0)
				return SIGIL_ERROR;
			if (n < 4 + len) {
				if (take(c, p, n, 4 + len) != n)
					return SG_INTERNAL(c, "out of memory");
				return 0;
			}
			m = p;
		} else {
			if (c->hsmsg.len < 4) {
				if ((k = take(c, p, n, 4)) == (size_t)-1)
					return SG_INTERNAL(c, "out of memory");
				p += k;
				n -= k;
				if (c->hsmsg.len < 4)
					return 0;
				if (sg_hs_check_header(c, c->hsmsg.buf[0], u24(c->hsmsg.buf + 1)) < 0)
					return SIGIL_ERROR;
			}
			len = u24(c->hsmsg.buf + 1);
			if ((k = take(c, p, n, 4 + len)) == (size_t)-1)
				return SG_INTERNAL(c, "out of memory");
			p += k;
			n -= k;
			if (c->hsmsg.len < 4 + len)
				return 0;
			m = c->hsmsg.buf;
		}
		unsigned epoch = c->rd_epoch;
		int r = sg_hs_message(c, m[0], m, 4 + len);
		if (in_place) {
			p += 4 + len;
			n -= 4 + len;
		} else {
			sg_wr_reset(&c->hsmsg);
		}
		if (r < 0)
			return r;
		/* Handshake messages must not span a key change (5.1): a
		 * message after which we read with new keys (ServerHello,
		 * either Finished, KeyUpdate) must end its record. */
		if (c->rd_epoch != epoch && (n || after))
			return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
					"handshake data after a key change in the same record");
	}
	return 0;
}

static int looks_like(const uint8_t *h, char *out, size_t cap)
{
	static const char *http[] = { "GET ", "POST", "HEAD", "PUT ", "OPTI", "DELE", "CONN", "PRI " };
	for (size_t i = 0; i < sizeof http / sizeof http[0]; i++)
		if (memcmp(h, http[i], 4) == 0)
			return snprintf(out, cap, " (it looks like plain HTTP: \"%.4s\")", h);
	if (h[0] & 0x80)
		return snprintf(out, cap, " (an SSLv2-style hello?)");
	return snprintf(out, cap, "%s", "");
}

/* Hide a value from the optimiser, so that masks computed from secret
 * bytes stay masks and are never turned back into branches (compilers
 * may turn a select into a jump when they can see it is one). */
static inline uint64_t ct_barrier(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	__asm__("" : "+r"(x));
#endif
	return x;
}

/* All ones when x != 0, else 0, without a branch. */
static inline uint64_t ct_nonzero_mask(uint64_t x)
{
	return ct_barrier((uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63));
}

static inline uint64_t ct_select(uint64_t mask, uint64_t a, uint64_t b)
{
	return (a & mask) | (b & ~mask);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* TLSInnerPlaintext = content || type || zeros (5.2): the type is the
 * last non-zero byte (5.4).  The padding hides the content's length, but
 * "an attacker ... may be able to measure it indirectly by the use of
 * timing channels exposed during record processing" (E.3): a scan from
 * the end that stops at the type takes time proportional to the padding.
 * So this one reads every byte of the record and neither branches nor
 * indexes memory on their values; only n, the record's length, is
 * public.  32 bytes at a time: a block that is not all zeros replaces,
 * under a mask, the last such block and its offset; the last non-zero
 * word of that block, then the last non-zero byte of that word, are
 * found the same way.  Here 0.8 us for a record of 2^14 bytes, a third
 * of the AES-128-GCM open of the same record. */
size_t sg_record_unpad(const uint8_t *p, size_t n, uint8_t *type)
{
	uint64_t l0 = 0, l1 = 0, l2 = 0, l3 = 0, at = 0, m;
	size_t blocks = n / 32;
	for (size_t i = 0; i < blocks; i++) {
		const uint8_t *q = p + 32 * i;
		uint64_t w0 = load64(q), w1 = load64(q + 8), w2 = load64(q + 16), w3 = load64(q + 24);
		m = ct_nonzero_mask(w0 | w1 | w2 | w3);
		l0 = ct_select(m, w0, l0);
		l1 = ct_select(m, w1, l1);
		l2 = ct_select(m, w2, l2);
		l3 = ct_select(m, w3, l3);
		at = ct_select(m, (uint64_t)i * 32, at);
	}
	/* The tail (n is public), as a block padded with zeros. */
	uint8_t tail[32] = { 0 };
	memcpy(tail, p + 32 * blocks, n % 32);
	uint64_t w[4] = { load64(tail), load64(tail + 8), load64(tail + 16), load64(tail + 24) };
	m = ct_nonzero_mask(w[0] | w[1] | w[2] | w[3]);
	uint64_t last[4] = { ct_select(m, w[0], l0), ct_select(m, w[1], l1),
			     ct_select(m, w[2], l2), ct_select(m, w[3], l3) };
	at = ct_select(m, (uint64_t)blocks * 32, at);
	/* The last non-zero word of that block, then its last non-zero
	 * byte, in memory order whatever the endianness. */
	uint64_t word = 0, pos = 0, t = 0;
	for (unsigned k = 0; k < 4; k++) {
		m = ct_nonzero_mask(last[k]);
		word = ct_select(m, last[k], word);
		pos = ct_select(m, (uint64_t)k * 8, pos);
	}
	uint8_t b[8];
	memcpy(b, &word, 8);
	for (unsigned j = 0; j < 8; j++) {
		m = ct_nonzero_mask(b[j]);
		t = ct_select(m, b[j], t);
		pos = ct_select(m, (pos & ~(uint64_t)7) | j, pos);
	}
	*type = (uint8_t)t;
	return (size_t)(at + pos);
}

/* Drop a record of rejected 0-RTT data (4.2.10), within the bound;
 * "a server receiving more than max_early_data_size bytes of 0-RTT
 * data SHOULD terminate the connection with an "unexpected_message"
 * alert" (4.6.1). */
static int skip_early(sigil_conn *c, size_t len)
{
	c->hs->early_skipped += SG_RECORD_HEADER + len;
	if (c->hs->early_skipped > SG_MAX_EARLY_SKIP)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"the client sent more than %u bytes of early data (0-RTT), which we refused",
				SG_MAX_EARLY_SKIP);
	return 0;
}

static int dispatch(sigil_conn *c, uint8_t type, uint8_t *body, size_t n);
static int process_record12(sigil_conn *c, uint8_t type, uint8_t *body, size_t len);

/* Process the complete record in c->in. */
static int process_record(sigil_conn *c)
{
	uint8_t type = c->in[0];
	size_t len = sg_load16(c->in + 3);
	uint8_t *body = c->in + SG_RECORD_HEADER;

	/* "if a handshake message is split over two or more records, there
	 * MUST NOT be any other records between them" (5.1); for protected
	 * records the inner type decides, below. */
	if (c->hsmsg.len && type != SG_CT_HANDSHAKE && (type != SG_CT_APP || !sg_traffic_on(&c->rd)))
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"record of type %u interleaved with a fragmented handshake message", type);
	if (type == SG_CT_CCS && c->version == SG_TLS12 && c->hs) {
		if (len != 1 || body[0] != 1)
			return SG_DECODE(c, "change_cipher_spec");
		return sg_tls12_ccs_recv(c);
	}
	if (c->rd.tls12)
		return process_record12(c, type, body, len);
	if (type == SG_CT_CCS) {
		/* D.4 / 5: a single 0x01, unprotected, during the handshake only
		 * (after the first ClientHello, before the peer's Finished). */
		if (!c->hs || len != 1 || body[0] != 1 ||
		    (c->role == SIGIL_SERVER && c->hs->pos == 0))
			return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
					"unexpected change_cipher_spec record");
		return nothing(c, "change_cipher_spec");
	}
	if (!sg_traffic_on(&c->rd) || type != SG_CT_APP) {
		if (type == SG_CT_ALERT && (!sg_traffic_on(&c->rd) || c->hs))
			/* A peer that failed to read our first flight may alert
			 * in the clear; we accept it for its message only. */
			return recv_alert(c, body, len);
		if (sg_traffic_on(&c->rd))
			return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
					"unprotected record of type %u after keys were set", type);
		if (type == SG_CT_APP && c->early_skip == SG_EARLY_AFTER_HRR && c->hs)
			return skip_early(c, len);
		if (type == SG_CT_HANDSHAKE)
			return recv_handshake(c, body, len, 0);
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"unexpected unprotected record of type %u", type);
	}

	/* Protected record (5.2). */
	if (len < 1 + SG_AEAD_TAG)
		return SG_ALERT(c, SIGIL_ALERT_BAD_RECORD_MAC, "protected record too short (%zu bytes)", len);
	uint8_t iv[SG_AEAD_NONCE];
	if (c->rd.parked && unpark(c, &c->rd, false) < 0)
		return SIGIL_ERROR;
	nonce(&c->rd, iv);
	if (sg_aead_open(c->rd.aead, iv, c->in, SG_RECORD_HEADER, body, len, body) < 0) {
		/* A server that refused 0-RTT "skips past early data by
		 * attempting to deprotect received records using the
		 * handshake traffic key, discarding records which fail
		 * deprotection" (4.2.10). */
		if (c->early_skip == SG_EARLY_TRIAL && c->hs)
			return skip_early(c, len);
		return SG_ALERT(c, SIGIL_ALERT_BAD_RECORD_MAC,
				"record authentication failed (bad_record_mac): corrupted or forged data");
	}
	/* "Once a record is deprotected successfully, it is treated as the
	 * start of the client's second flight" (4.2.10). */
	c->early_skip = SG_EARLY_NONE;
	c->rd.seq++;
	/* "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1
	 * octets" (5.4): content, type and padding together, so a short
	 * content cannot carry the ciphertext's 255 spare bytes as padding. */
	if (len - SG_AEAD_TAG > SG_MAX_PLAINTEXT + 1)
		return SG_ALERT(c, SIGIL_ALERT_RECORD_OVERFLOW,
				"protected record of %zu bytes of plaintext with its content type and padding "
				"(the limit is 2^14 + 1)", len - SG_AEAD_TAG);
	size_t n = sg_record_unpad(body, len - SG_AEAD_TAG, &type);
	if (type == 0)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "protected record with no content type");
	return dispatch(c, type, body, n);
}

/* A TLS 1.2 protected record (RFC 5246 6.2.3.3): every content type but
 * change_cipher_spec, which is never protected here (no renegotiation). */
static int process_record12(sigil_conn *c, uint8_t type, uint8_t *body, size_t len)
{
	size_t ex = c->rd.tls12 == SG_NONCE12_GCM ? 8 : 0;
	if (type == SG_CT_CCS)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "unexpected change_cipher_spec record");
	if (len < ex + SG_AEAD_TAG)
		return SG_ALERT(c, SIGIL_ALERT_BAD_RECORD_MAC, "protected record too short (%zu bytes)", len);
	if (c->rd.parked && unpark(c, &c->rd, false) < 0)
		return SIGIL_ERROR;
	size_t n = len - ex - SG_AEAD_TAG;
	uint8_t iv[SG_AEAD_NONCE], aad[13];
	nonce12(&c->rd, body, iv);
	aad12(aad, c->rd.seq, type, n);
	if (sg_aead_open(c->rd.aead, iv, aad, sizeof aad, body + ex, len - ex, body + ex) < 0)
		return SG_ALERT(c, SIGIL_ALERT_BAD_RECORD_MAC,
				"record authentication failed (bad_record_mac): corrupted or forged data");
	c->rd.seq++;
	if (n > SG_MAX_PLAINTEXT)
		return SG_ALERT(c, SIGIL_ALERT_RECORD_OVERFLOW, "protected record of %zu bytes of plaintext", n);
	if (c->hsmsg.len && type != SG_CT_HANDSHAKE)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"record of type %u interleaved with a fragmented handshake message", type);
	return dispatch(c, type, body + ex, n);
}

/* A deprotected record's content. */
static int dispatch(sigil_conn *c, uint8_t type, uint8_t *body, size_t n)
{
	if (type != SG_CT_HANDSHAKE && c->hsmsg.len)
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
				"record of type %u interleaved with a fragmented handshake message", type);
	switch (type) {
	case SG_CT_HANDSHAKE:
		return recv_handshake(c, body, n, 0);
	case SG_CT_ALERT:
		return recv_alert(c, body, n);
	case SG_CT_APP:
		if (!(c->state & SIGIL_ST_CONNECTED))
			return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE,
					"application data before the handshake completed");
		if (c->state & SIGIL_ST_PEER_CLOSED)
			return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "application data after close_notify");
		c->app = body;
		c->app_len = n;
		if (n == 0)
			return nothing(c, "empty application data");
		c->empty_run = 0;
		c->state |= SIGIL_ST_APP_READY;
		return 0;
	default:
		return SG_ALERT(c, SIGIL_ALERT_UNEXPECTED_MESSAGE, "protected record of unknown type %u", type);
	}
}

/* Room for a record of n bytes in c->in.  The buffer is as large as the
 * largest record so far: handshake records are a few hundred bytes, so a
 * connection holds 16 KiB only once the peer sends full records.  The
 * old buffer may hold decrypted records: wiped before it goes. */
static int in_reserve(sigil_conn *c, size_t n)
{
	if (n <= c->in_cap)
		return 0;
	size_t cap = c->in_cap * 2 > n ? c->in_cap * 2 : n;
	if (cap > SG_RECORD_HEADER + SG_MAX_CIPHERTEXT)
		cap = SG_RECORD_HEADER + SG_MAX_CIPHERTEXT;
	uint8_t *p = malloc(cap);
	if (!p)
		return SG_INTERNAL(c, "out of memory");
	if (c->in) {
		memcpy(p, c->in, c->in_len);
		sg_wipe(c->in, c->in_dirty);
		free(c->in);
	}
	c->in = p;
	c->in_cap = cap;
	c->in_dirty = c->in_len;
	return 0;
}

int sg_record_recv(sigil_conn *c, const uint8_t *data, size_t len, size_t *used)
{
	size_t off = 0;
	/* The header first; the body's room once its length is known. */
	if (len && in_reserve(c, 512) < 0) {
		*used = 0;
		return SIGIL_ERROR;
	}
	while (!(c->state & SIGIL_ST_FAILED) && c->app_len == 0 && off < len) {
		if (c->state & SIGIL_ST_PEER_CLOSED)
			break;  /* nothing after close_notify matters (6.1) */
		if (c->in_stream) {
			/* The body of a plaintext handshake record, read as it
			 * comes: nothing to authenticate, so nothing to keep but
			 * the partial message it may end with. */
			size_t k = c->in_stream < len - off ? c->in_stream : len - off;
			c->in_stream -= k;
			off += k;
			if (!c->in_stream)
				c->in_len = 0;
			if (recv_handshake(c, data + off - k, k, c->in_stream) < 0)
				break;
			continue;
		}
		size_t want = SG_RECORD_HEADER;
		if (c->in_len >= SG_RECORD_HEADER)
			want += sg_load16(c->in + 3);
		size_t k = want - c->in_len;
		if (k > len - off)
			k = len - off;
		memcpy(c->in + c->in_len, data + off, k);
		c->in_len += k;
		if (c->in_len > c->in_dirty)
			c->in_dirty = c->in_len;
		off += k;
		if (c->in_len == SG_RECORD_HEADER) {
			/* Check the header before waiting for the body. */
			uint8_t t = c->in[0];
			size_t rl = sg_load16(c->in + 3);
			if (t < SG_CT_CCS || t > SG_CT_APP || c->in[1] != 3) {
				char hint[64];
				looks_like(c->in, hint, sizeof hint);
				*used = off;
				return SG_ALERT(c, c->started && sg_traffic_on(&c->rd) ? SIGIL_ALERT_UNEXPECTED_MESSAGE :
						SIGIL_ALERT_DECODE_ERROR,
						"the peer does not speak TLS: bad record header %02x %02x %02x%s",
						c->in[0], c->in[1], c->in[2], hint);
			}
			/* A protected record may be 2^14 + 256 bytes (5.2); an
			 * application_data record always is one (5.1), even
			 * before we have its key (0-RTT we skip). */
			size_t lim = sg_traffic_on(&c->rd) || t == SG_CT_APP ? SG_MAX_CIPHERTEXT : SG_MAX_PLAINTEXT;
			if (rl > lim) {
				*used = off;
				return SG_ALERT(c, SIGIL_ALERT_RECORD_OVERFLOW,
						"record of %zu bytes exceeds the limit of %zu", rl, lim);
			}
			/* A plaintext handshake record (the hellos) is never
			 * buffered whole: a header announcing 2^14 bytes takes no
			 * memory until they come, and then only as much as the
			 * message they belong to may have. */
			if (t == SG_CT_HANDSHAKE && rl > 0 && !sg_traffic_on(&c->rd)) {
				c->in_stream = rl;
				continue;
			}
			if (in_reserve(c, SG_RECORD_HEADER + rl) < 0) {
				*used = off;
				return SIGIL_ERROR;
			}
			if (rl > 0)
				continue;
		}
		if (c->in_len < SG_RECORD_HEADER || c->in_len < SG_RECORD_HEADER + (size_t)sg_load16(c->in + 3))
			continue;
		c->in_len = 0;
		if (process_record(c) < 0)
			break;
	}
	*used = off;
	return (c->state & SIGIL_ST_FAILED) ? SIGIL_ERROR : SIGIL_OK;
}
