/*
 * Resource limits against a hostile peer, in memory (issue 8): every case
 * ends with a clean alert or a clean completion, with bounded memory and
 * a bounded number of steps.  The handshake is stopped at chosen points
 * with the machinery of the fuzz targets (fuzz/fuzz_common.h), which also
 * lets a test speak as the peer under the peer's real keys.
 */
#include <malloc.h>

#include "test.h"
#include "../../fuzz/fuzz_common.h"

static sigil_config *cc, *sc;

/* The peer's flight re-framed so that every record carries one byte of
 * handshake data (plaintext records only: the ClientHello). */
static size_t one_byte_records(const uint8_t *rec, size_t n, uint8_t *out, size_t cap)
{
	size_t body = sg_load16(rec + 3), k = 0;
	if (n < 5 + body)
		return 0;
	for (size_t i = 0; i < body && k + 6 <= cap; i++) {
		memcpy(out + k, rec, 3);
		out[k + 3] = 0;
		out[k + 4] = 1;
		out[k + 5] = rec[5 + i];
		k += 6;
	}
	return k;
}

/* A peer that sends 1-byte records: the ClientHello as ~200 records of
 * one byte each, then 2,000 one-byte application records.  Both must
 * work (RFC 8446 5.1 allows fragmenting handshake messages freely), with
 * the reassembly buffer never beyond one message. */
static void test_one_byte_records(void)
{
	sigil_conn *c = fuzz_client(cc), *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t n, used;
	const uint8_t *p = sigil_conn_send_buf(c, &n);
	static uint8_t split[6 * 2048];
	size_t k = one_byte_records(p, n, split, sizeof split);
	CHECK(k > 0 && k / 6 == n - 5);
	sigil_conn_send_ack(c, n);
	size_t most = 0;
	for (size_t i = 0; i < k; i += 6) {
		CHECK(sigil_conn_recv_net(s, split + i, 6, &used) == 0 && used == 6);
		if (s->hsmsg.cap > most)
			most = s->hsmsg.cap;
	}
	CHECK_MSG(!(sigil_conn_state(s) & SIGIL_ST_FAILED), "%s", sigil_conn_error(s));
	CHECK_MSG(most <= 4096, "reassembly buffer grew to %zu bytes", most);
	for (int i = 0; i < 4; i++)
		(void)(fuzz_move(s, c) + fuzz_move(c, s));
	CHECK_MSG(sigil_conn_state(c) & sigil_conn_state(s) & SIGIL_ST_CONNECTED, "%s / %s",
		  sigil_conn_error(c), sigil_conn_error(s));
	size_t got = 0;
	for (int i = 0; i < 2000; i++) {
		uint8_t b = (uint8_t)i, r[4];
		size_t g;
		CHECK(sg_record_write(c, SG_CT_APP, &b, 1) == 0);
		fuzz_move(c, s);
		CHECK(sigil_conn_read_app(s, r, sizeof r, &g) == 0);
		got += g;
	}
	CHECK_MSG(got == 2000, "%zu of 2000 bytes arrived", got);
	CHECK(!(sigil_conn_state(s) & SIGIL_ST_FAILED));
	sigil_conn_free(c);
	sigil_conn_free(s);
}

/* A handshake message announced as 16 MiB - 1 (the u24 maximum): refused
 * from its 4-byte header, before any body arrives, without allocating
 * for it (a ClientHello's bound is SIGIL_MAX_CLIENT_HELLO, 16 KiB; any
 * other message's SIGIL_MAX_HANDSHAKE_MSG, 128 KiB). */
static void test_huge_message(void)
{
	static const uint8_t hdr[9] = { SG_CT_HANDSHAKE, 3, 1, 0, 4, SG_HT_CLIENT_HELLO, 0xff, 0xff, 0xff };
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
	size_t used;
	CHECK(sigil_conn_recv_net(s, hdr, sizeof hdr, &used) < 0);
	CHECK(sigil_conn_error_class(s) == SIGIL_ECLASS_LOCAL_ALERT);
	CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_DECODE_ERROR, "%s", sigil_conn_error(s));
	CHECK(s->hsmsg.cap <= 4096);
	sigil_conn_free(s);

	/* The same after the handshake, encrypted, from a connected server,
	 * sent as full records of body that follow the header. */
	fuzz_hs h;
	CHECK(fuzz_hs_setup(&h, FZ_C_POST, cc, sc) == 0);
	static uint8_t body[SG_MAX_PLAINTEXT];
	memset(body, 0x41, sizeof body);
	body[0] = SG_HT_NEW_SESSION_TICKET;
	body[1] = body[2] = body[3] = 0xff;
	for (int i = 0; i < 20 && !(sigil_conn_state(h.c) & SIGIL_ST_FAILED); i++) {
		CHECK(sg_record_write(h.s, SG_CT_HANDSHAKE, body, sizeof body) == 0);
		fuzz_move(h.s, h.c);
		body[0] = body[1] = body[2] = body[3] = 0x41;
	}
	CHECK(sigil_conn_state(h.c) & SIGIL_ST_FAILED);
	CHECK_MSG(sigil_conn_error_alert(h.c) == SIGIL_ALERT_DECODE_ERROR, "%s", sigil_conn_error(h.c));
	CHECK(h.c->hsmsg.cap == 0);             /* refused from the header */
	fuzz_hs_free(&h);

	/* A message the handshake does not expect now is refused from its
	 * header too, whatever the limit of its type: a server waiting for
	 * the client's Finished is sent a 100 KiB Certificate header. */
	CHECK(fuzz_hs_setup(&h, FZ_S_FIN, cc, sc) == 0);
	static const uint8_t cert_hdr[4] = { SG_HT_CERTIFICATE, 0x01, 0x90, 0x00 };
	CHECK(sg_record_write(h.writer, SG_CT_HANDSHAKE, cert_hdr, sizeof cert_hdr) == 0);
	fuzz_move(h.writer, h.target);
	CHECK_MSG(sigil_conn_error_alert(h.s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "%s", sigil_conn_error(h.s));
	CHECK(h.s->hsmsg.cap == 0);
	fuzz_hs_free(&h);
}

/* A ClientHello for the fuzz server (Ed25519, x25519) as plaintext
 * records of at most 2^14 bytes: `unknown` extensions of unassigned
 * types first, `shares` key shares for unassigned groups (listed in
 * supported_groups too) before the x25519 one, and then `dup` again,
 * an extension type repeated at the end (0: none).  dup_group repeats
 * the first unassigned share's group. */
static size_t big_hello(uint8_t *out, size_t cap, unsigned unknown, unsigned shares, uint16_t dup,
			bool dup_group)
{
	static uint8_t msg[96 * 1024];
	sg_wr w;
	sg_wr_init_fixed(&w, msg, sizeof msg);
	sg_wr_u8(&w, SG_HT_CLIENT_HELLO);
	sg_wr_mark body = sg_wr_open(&w, 3);
	sg_wr_u16(&w, 0x0303);
	for (int i = 0; i < 32; i++)
		sg_wr_u8(&w, (uint8_t)i);
	sg_wr_u8(&w, 0);
	sg_wr_u16(&w, 2);
	sg_wr_u16(&w, SIGIL_AES_128_GCM_SHA256);
	sg_wr_u8(&w, 1);
	sg_wr_u8(&w, 0);
	sg_wr_mark exts = sg_wr_open(&w, 2);
	for (unsigned i = 0; i < unknown; i++) {
		sg_wr_u16(&w, (uint16_t)(0x1000 + i));  /* none of these is assigned */
		sg_wr_u16(&w, 0);
	}
	static const uint8_t versions[] = { 0, SG_EXT_SUPPORTED_VERSIONS, 0, 3, 2, 3, 4 };
	static const uint8_t sigalgs[] = { 0, SG_EXT_SIGNATURE_ALGORITHMS, 0, 4, 0, 2, 8, 7 };
	sg_wr_bytes(&w, versions, sizeof versions);
	sg_wr_bytes(&w, sigalgs, sizeof sigalgs);
	sg_wr_u16(&w, SG_EXT_SUPPORTED_GROUPS);
	sg_wr_mark e = sg_wr_open(&w, 2), l = sg_wr_open(&w, 2);
	for (unsigned i = 0; i < shares; i++)
		sg_wr_u16(&w, (uint16_t)(0x2000 + i));
	sg_wr_u16(&w, SIGIL_GROUP_X25519);
	sg_wr_close(&w, l);
	sg_wr_close(&w, e);
	sg_wr_u16(&w, SG_EXT_KEY_SHARE);
	e = sg_wr_open(&w, 2);
	l = sg_wr_open(&w, 2);
	for (unsigned i = 0; i < shares + dup_group; i++) {
		sg_wr_u16(&w, (uint16_t)(0x2000 + (i < shares ? i : 0)));
		sg_wr_u16(&w, 32);
		memset(sg_wr_space(&w, 32), (int)i, 32);
	}
	sg_wr_u16(&w, SIGIL_GROUP_X25519);
	sg_wr_u16(&w, 32);
	uint8_t *pt = sg_wr_space(&w, 32);
	if (pt) {
		memset(pt, 0, 32);
		pt[0] = 9;                      /* the base point: a valid share */
	}
	sg_wr_close(&w, l);
	sg_wr_close(&w, e);
	if (dup) {
		sg_wr_u16(&w, dup);
		sg_wr_u16(&w, 0);
	}
	if (!sg_wr_close(&w, exts) || !sg_wr_close(&w, body) || !sg_wr_ok(&w))
		return 0;
	size_t k = 0;
	for (size_t off = 0; off < w.len && k + 5 + SG_MAX_PLAINTEXT <= cap; off += SG_MAX_PLAINTEXT) {
		size_t n = w.len - off < SG_MAX_PLAINTEXT ? w.len - off : SG_MAX_PLAINTEXT;
		out[k] = SG_CT_HANDSHAKE;
		out[k + 1] = 3;
		out[k + 2] = 1;
		sg_store16(out + k + 3, (uint16_t)n);
		memcpy(out + k + 5, msg + off, n);
		k += 5 + n;
	}
	return k;
}

/* RFC 8446 4.2: a server "MUST" ignore extensions it does not recognise
 * and 4.2.8: a client "MAY" send many key shares, so there is no count
 * limit to refuse them with (sigil had 64 extensions and 8 shares); the
 * work is bounded by the ClientHello's size (SIGIL_MAX_CLIENT_HELLO).
 * Duplicates are still refused, however far apart: "There MUST NOT be
 * more than one extension of the same type in a given extension block"
 * (4.2), "Clients MUST NOT offer multiple KeyShareEntry values for the
 * same group" (4.2.8, which lets the server say illegal_parameter). */
static void test_many_extensions(void)
{
	static uint8_t out[100 * 1024];
	static const struct {
		unsigned unknown, shares;
		uint16_t dup;
		bool dup_group;
		int alert;
		const char *words;
	} cases[] = {
		{ 2500, 100, 0, false, -1, NULL },      /* 14 KB: read whole, x25519 chosen */
		{ 3000, 0, 0, false, -1, NULL },
		{ 0, 300, 0, false, -1, NULL },
		{ 2500, 100, 0x1000, false, SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate extension 4096" },
		{ 2500, 100, 0x1000 + 2499, false, SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate extension" },
		{ 2500, 100, SG_EXT_SUPPORTED_VERSIONS, false, SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate extension 43" },
		{ 40, 0, 0x1000 + 5, false, SIGIL_ALERT_ILLEGAL_PARAMETER, "duplicate extension" },
		{ 2500, 100, 0, true, SIGIL_ALERT_ILLEGAL_PARAMETER, "two key shares for group 0x2000" },
		/* 10,000 extensions, ~40 KB: the size limit, from the first record. */
		{ 10000, 0, 0, false, SIGIL_ALERT_DECODE_ERROR, "ClientHello of" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t k = big_hello(out, sizeof out, cases[i].unknown, cases[i].shares, cases[i].dup,
				     cases[i].dup_group), used;
		CHECK(k > 0);
		sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
		int r = sigil_conn_recv_net(s, out, k, &used);
		if (cases[i].alert < 0) {
			CHECK_MSG(r == 0 && used == k, "case %zu: %s", i, sigil_conn_error(s));
			CHECK_MSG(sigil_conn_group(s) == SIGIL_GROUP_X25519, "case %zu: group %04x", i, sigil_conn_group(s));
			size_t n;
			const uint8_t *p = sigil_conn_send_buf(s, &n);
			CHECK(p && n > 5 && p[0] == SG_CT_HANDSHAKE && p[5] == SG_HT_SERVER_HELLO);
		} else {
			CHECK(r < 0);
			CHECK_MSG(sigil_conn_error_alert(s) == cases[i].alert, "case %zu: %s", i, sigil_conn_error(s));
			CHECK_MSG(strstr(sigil_conn_error(s), cases[i].words) != NULL, "case %zu: %s", i,
				  sigil_conn_error(s));
		}
		if (cases[i].unknown == 10000)
			CHECK_MSG(used <= 5 + SG_MAX_PLAINTEXT, "case %zu: read %zu bytes", i, used);
		sigil_conn_free(s);
	}
}

/* A server Certificate with 100 certificates (the real one, repeated):
 * bad_certificate, naming the limit SIGIL_MAX_CHAIN; nothing of the
 * chain is kept.  Also 100 entries of 2 KB (past the 128 KiB message
 * limit): decode_error from the message header. */
static void test_long_chain(void)
{
	const sigil_der *leaf = &cc->certs[0].chain[0];
	for (int big = 0; big < 2; big++) {
		size_t len = big ? 2048 : leaf->len, n = 1 + 3 + 100 * (3 + len + 2);
		uint8_t *body = calloc(1, n), *q = body;
		*q++ = 0;                               /* empty context */
		*q++ = (uint8_t)((n - 4) >> 16);
		*q++ = (uint8_t)((n - 4) >> 8);
		*q++ = (uint8_t)(n - 4);
		for (int i = 0; i < 100; i++) {
			*q++ = 0;
			*q++ = (uint8_t)(len >> 8);
			*q++ = (uint8_t)len;
			if (!big)
				memcpy(q, leaf->der, len);
			q += len + 2;                   /* no extensions */
		}
		fuzz_hs h;
		CHECK(fuzz_hs_setup(&h, FZ_C_CERT, cc, sc) == 0);
		fuzz_hs_send(&h, SG_HT_CERTIFICATE, body, n);
		CHECK(sigil_conn_state(h.c) & SIGIL_ST_FAILED);
		if (big) {
			CHECK_MSG(sigil_conn_error_alert(h.c) == SIGIL_ALERT_DECODE_ERROR, "%s", sigil_conn_error(h.c));
			CHECK(h.c->hsmsg.cap == 0);
		} else {
			CHECK_MSG(sigil_conn_error_alert(h.c) == SIGIL_ALERT_BAD_CERTIFICATE, "%s", sigil_conn_error(h.c));
			CHECK(strstr(sigil_conn_error(h.c), "more than 10 certificates") != NULL);
		}
		size_t k;
		CHECK(sigil_conn_peer_chain(h.c, &k) == NULL && k == 0);
		/* The alert reaches the server, which fails cleanly too. */
		fuzz_move(h.c, h.s);
		CHECK(sigil_conn_error_class(h.s) == SIGIL_ECLASS_PEER_ALERT);
		fuzz_hs_free(&h);
		free(body);
	}
}

/* Heap in use, as glibc counts it.  Under a sanitizer's allocator glibc
 * sees nothing: heap_counts() says whether the count is real here.  It
 * misses small blocks reused from glibc's per-thread cache (up to about
 * 1 KiB each), so it bounds the large buffers; the connection's buffer
 * capacities are checked exactly besides. */
static size_t heap_used(void)
{
	return mallinfo2().uordblks;
}

static bool heap_counts(void)
{
	size_t before = heap_used();
	void *volatile p = malloc(100000);
	bool ok = p && heap_used() >= before + 100000;
	free(p);
	return ok;
}

/* Feed a fresh server `n` bytes `chunk` at a time (0: at once), until it
 * fails.  Returns how many it took. */
static size_t feed_server(sigil_conn *s, const uint8_t *p, size_t n, size_t chunk)
{
	size_t off = 0;
	while (off < n && !(sigil_conn_state(s) & SIGIL_ST_FAILED)) {
		size_t k = chunk && chunk < n - off ? chunk : n - off, used;
		if (sigil_conn_recv_net(s, p + off, k, &used) < 0) { /* the caller checks the alert */ }
		off += used;
		if (used < k)
			break;
	}
	return off;
}

/*
 * Pre-authentication memory (issue 15): a ClientHello is the only
 * message a server reads from anyone, so what an unfinished one may
 * make the server hold is the limit that counts.  A peer announcing a
 * 128 KiB hello in a record of 2^14 bytes is cut off at the hello's
 * 4-byte header, having cost no buffer for either length; one that
 * sends a hello of exactly SIGIL_MAX_CLIENT_HELLO bytes but never
 * finishes it holds that many bytes of message buffer, and no record
 * buffer beyond the first 512 bytes, in one record or in thousands.
 * Measured by the connection's buffer capacities and, with glibc's
 * allocator, by the heap in use (everything the connection took,
 * libcrypto's allocations included).
 */
static void test_client_hello_memory(void)
{
	static uint8_t in[2 * (5 + SG_MAX_PLAINTEXT)], split[6 * (4 + SIGIL_MAX_CLIENT_HELLO)];
	bool counts = heap_counts();
	if (!counts)
		printf("NOTE heap use not measurable with this allocator: buffer capacities only\n");
	/* Warm up libcrypto (algorithms are fetched once per process). */
	sigil_conn *w = sigil_conn_new(sc, SIGIL_SERVER);
	size_t k = big_hello(in, sizeof in, 0, 0, 0, false), used;
	CHECK(sigil_conn_recv_net(w, in, k, &used) == 0);
	sigil_conn_free(w);

	/* 1: 128 KiB announced, in a full record; at once, and byte by byte. */
	memset(in, 0x41, 5 + SG_MAX_PLAINTEXT);
	in[0] = SG_CT_HANDSHAKE;
	in[1] = 3;
	in[2] = 1;
	sg_store16(in + 3, SG_MAX_PLAINTEXT);
	in[5] = SG_HT_CLIENT_HELLO;
	in[6] = 0x02;                           /* 0x020000: 128 KiB */
	in[7] = in[8] = 0;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		size_t h0 = heap_used();
		sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
		size_t took = feed_server(s, in, 5 + SG_MAX_PLAINTEXT, bytewise ? 1 : 0);
		size_t held = heap_used() - h0;
		CHECK_MSG(sigil_conn_error_alert(s) == SIGIL_ALERT_DECODE_ERROR, "%s", sigil_conn_error(s));
		CHECK_MSG(strstr(sigil_conn_error(s), "ClientHello of 131072 bytes") != NULL, "%s", sigil_conn_error(s));
		CHECK_MSG(!bytewise || took == 9, "refused after %zu bytes", took);
		CHECK_MSG(s->hsmsg.cap <= 4 && s->in_cap <= 512, "buffers: message %zu, record %zu", s->hsmsg.cap,
			  s->in_cap);
		/* The connection (1.2 KiB), a 512-byte record buffer, the
		 * error sentence (768) and the queued alert. */
		CHECK_MSG(!counts || held <= 4096, "an oversized hello left %zu bytes of heap in use", held);
		printf("NOTE 128 KiB ClientHello announced%s: refused after %zu bytes, %zu bytes of heap held\n",
		       bytewise ? " (bytewise)" : "", took, held);
		sigil_conn_free(s);
	}

	/* 2: a hello of exactly the limit, all but its last byte: two full
	 * records, or 1-byte records; the server waits for the rest. */
	size_t body = SIGIL_MAX_CLIENT_HELLO;
	uint8_t *msg = calloc(1, 4 + body);
	msg[0] = SG_HT_CLIENT_HELLO;
	msg[1] = (uint8_t)(body >> 16);
	msg[2] = (uint8_t)(body >> 8);
	msg[3] = (uint8_t)body;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		size_t n = 0, have = 4 + body - 1;
		for (size_t off = 0; off < have;) {
			size_t l = bytewise ? 1 : have - off < SG_MAX_PLAINTEXT ? have - off : SG_MAX_PLAINTEXT;
			uint8_t *r = bytewise ? split + n : in + n;
			r[0] = SG_CT_HANDSHAKE;
			r[1] = 3;
			r[2] = 1;
			sg_store16(r + 3, (uint16_t)l);
			memcpy(r + 5, msg + off, l);
			n += 5 + l;
			off += l;
		}
		size_t h0 = heap_used(), most = 0, peak = 0;
		sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
		const uint8_t *p = bytewise ? split : in;
		for (size_t off = 0; off < n; off += 6 * (bytewise ? 500 : 1)) {
			size_t part = bytewise ? (n - off < 6 * 500 ? n - off : 6 * 500) : n;
			CHECK(sigil_conn_recv_net(s, p + off, part, &used) == 0 && used == part);
			if (heap_used() - h0 > peak)
				peak = heap_used() - h0;
			if (!bytewise)
				break;
		}
		most = s->hsmsg.cap + s->in_cap;
		CHECK_MSG(!(sigil_conn_state(s) & SIGIL_ST_FAILED), "%s", sigil_conn_error(s));
		CHECK_MSG(s->hsmsg.len == 4 + body - 1, "%zu bytes pending", s->hsmsg.len);
		CHECK_MSG(s->hsmsg.cap <= 4 + SIGIL_MAX_CLIENT_HELLO && s->in_cap <= 512, "buffers: message %zu, record %zu",
			  s->hsmsg.cap, s->in_cap);
		/* The message buffer, the connection, the handshake state
		 * (about 3 KiB, with the transcript's first 512 bytes) and the
		 * first record buffer: no more than 24 KiB. */
		CHECK_MSG(!counts || peak <= 24 * 1024, "an unfinished hello held up to %zu bytes of heap", peak);
		printf("NOTE unfinished ClientHello of %zu bytes%s: buffers %zu bytes, heap %zu bytes at most\n", body,
		       bytewise ? " (1-byte records)" : "", most, peak);
		sigil_conn_free(s);
	}
	free(msg);
}

/* Endless KeyUpdate(update_requested) from a peer that never reads: each
 * one makes us queue a KeyUpdate of our own (4.6.3).  What we queue must
 * stay under the output cap (OUT_MAX in conn.c, 4 MiB; write_app already
 * stops taking data at 64 KiB), and the connection must then fail
 * cleanly — no crash, a sentence, a bounded number of steps. */
static void test_endless_key_updates(void)
{
	fuzz_hs h;
	CHECK(fuzz_hs_setup(&h, FZ_S_POST, cc, sc) == 0);
	static const uint8_t ku[5] = { SG_HT_KEY_UPDATE, 0, 0, 1, 1 };
	size_t most = 0, i;
	for (i = 0; i < 400000 && !(sigil_conn_state(h.s) & SIGIL_ST_FAILED); i++) {
		/* As the client: send the request, then update our own keys
		 * as a real sender would (without the reply ever being read). */
		CHECK(sg_record_write(h.c, SG_CT_HANDSHAKE, ku, sizeof ku) == 0);
		if (sg_ks_update(h.c->suite->hash, h.c->wr.secret) < 0 ||
		    sg_traffic_install(h.c, &h.c->wr, h.c->wr.secret, true) < 0)
			break;
		fuzz_move(h.c, h.s);
		if (h.s->out.len > most)
			most = h.s->out.len;
	}
	CHECK_MSG(most <= 4u * 1024 * 1024, "queued output reached %zu bytes", most);
	CHECK_MSG(sigil_conn_state(h.s) & SIGIL_ST_FAILED, "still open after %zu key updates", i);
	CHECK_MSG(sigil_conn_error(h.s)[0] != 0, "failed without a sentence");
	fprintf(stderr, "NOTE endless KeyUpdate: failed after %zu updates, %zu bytes queued: %s\n", i, most,
		sigil_conn_error(h.s));
	fuzz_hs_free(&h);
}

/*
 * Endless records that carry nothing.  RFC 8446 5.1 allows zero-length
 * application data ("potentially useful as a traffic analysis
 * countermeasure") and 6.1 makes user_canceled a warning, which "should
 * be followed by a close_notify"; 5 says a change_cipher_spec during the
 * handshake "MUST simply be dropped".  None uses memory, but a peer can
 * keep us decrypting forever while nothing progresses.  sigil accepts a
 * run of up to SG_MAX_EMPTY_RECORDS such records (a few are legitimate)
 * and then fails with unexpected_message, as BoringSSL does; any record
 * with content ends the run.
 */
static void test_endless_empty(void)
{
	static const uint8_t cancel[2] = { 1, SIGIL_ALERT_USER_CANCELED };
	for (int kind = 0; kind < 3; kind++) {
		fuzz_hs h;
		/* kind 2: CCS records before the server's first flight ends. */
		CHECK(fuzz_hs_setup(&h, kind == 2 ? FZ_S_CERT : FZ_S_POST, cc, sc) == 0);
		size_t i, used;
		/* A few, with content in between, are always fine. */
		for (i = 0; i < (kind == 2 ? SG_MAX_EMPTY_RECORDS / 2 : 3 * SG_MAX_EMPTY_RECORDS); i++) {
			if (kind == 2) {
				static const uint8_t ccs[6] = { SG_CT_CCS, 3, 3, 0, 1, 1 };
				CHECK(sigil_conn_recv_net(h.s, ccs, sizeof ccs, &used) == 0);
				continue;
			}
			CHECK(sg_record_write(h.c, kind ? SG_CT_ALERT : SG_CT_APP, cancel, kind ? 2 : 0) == 0);
			if (i % (SG_MAX_EMPTY_RECORDS / 2) == 0)
				CHECK(sg_record_write(h.c, SG_CT_APP, (const uint8_t *)"x", 1) == 0);
			fuzz_move(h.c, h.s);
			uint8_t b[4];
			size_t g;
			CHECK(sigil_conn_read_app(h.s, b, sizeof b, &g) == 0);
		}
		CHECK_MSG(!(sigil_conn_state(h.s) & SIGIL_ST_FAILED), "kind %d: %s", kind,
			  sigil_conn_error(h.s));
		/* Then an endless run. */
		for (i = 0; i < 100000 && !(sigil_conn_state(h.s) & SIGIL_ST_FAILED); i++) {
			if (kind == 2) {
				static const uint8_t ccs[6] = { SG_CT_CCS, 3, 3, 0, 1, 1 };
				if (sigil_conn_recv_net(h.s, ccs, sizeof ccs, &used) < 0)
					break;
				continue;
			}
			CHECK(sg_record_write(h.c, kind ? SG_CT_ALERT : SG_CT_APP, cancel, kind ? 2 : 0) == 0);
			fuzz_move(h.c, h.s);
		}
		CHECK_MSG(sigil_conn_state(h.s) & SIGIL_ST_FAILED, "kind %d: still open after %zu", kind, i);
		CHECK_MSG(i <= SG_MAX_EMPTY_RECORDS + 1, "kind %d: %zu records", kind, i);
		CHECK_MSG(sigil_conn_error_alert(h.s) == SIGIL_ALERT_UNEXPECTED_MESSAGE, "kind %d: %s", kind,
			  sigil_conn_error(h.s));
		fuzz_hs_free(&h);
	}
}

int main(void)
{
	cc = fuzz_client_config(1);
	sc = fuzz_server_config(NULL);
	if (!cc || !sc) {
		fprintf(stderr, "config\n");
		return 1;
	}
	test_one_byte_records();
	test_huge_message();
	test_many_extensions();
	test_client_hello_memory();
	test_long_chain();
	test_endless_key_updates();
	test_endless_empty();
	sigil_config_free(cc);
	sigil_config_free(sc);
	return TEST_END();
}
