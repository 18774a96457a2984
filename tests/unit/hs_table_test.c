/*
 * The handshake driver's table of legal message sequences (handshake.c,
 * sg_hs_sequence) against RFC 8446 section 2, 2.1, 4.3.2 and Appendix A:
 * every combination of the SG_HS_* shape flags is either impossible (NULL)
 * or a well-formed sequence, the rows agree where the driver switches from
 * one to another, and the RFC's handshakes are all there, exactly.
 */
#include <stdbool.h>

#include "test.h"
#include "tls/tls.h"

static bool server_sends(uint8_t m)
{
	return m == SG_M_HRR || m == SG_M_SH || m == SG_M_EE || m == SG_M_CR || m == SG_M_SCERT ||
	       m == SG_M_SCV || m == SG_M_SFIN || m == SG_M_SH12 || m == SG_M_SCERT12 || m == SG_M_SKE ||
	       m == SG_M_SHD || m == SG_M_SFIN12 || m == SG_M_NST12;
}

static int index_of(const uint8_t *s, size_t n, uint8_t m)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == m)
			return (int)i;
	return -1;
}

static bool possible(unsigned f)
{
	/* TLS 1.2: the full handshake, with or without a CertificateRequest
	 * (and the client's CertificateVerify), each with a NewSessionTicket
	 * or without; the abbreviated one (RFC 5077
	 * 3.4), with or without a new ticket; no HRR. */
	if (f & SG_HS_TLS12)
		return f == (SG_HS_TLS12 | SG_HS_NEGOTIATED) || f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_CR) ||
		       f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_CR | SG_HS_CCV) ||
		       f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_NST) ||
		       f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_CR | SG_HS_NST) ||
		       f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_CR | SG_HS_CCV | SG_HS_NST) ||
		       f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_PSK) ||
		       f == (SG_HS_TLS12 | SG_HS_NEGOTIATED | SG_HS_PSK | SG_HS_NST);
	if (f & SG_HS_NST)
		return false;
	/* CertificateRequest needs a negotiated handshake, a client
	 * CertificateVerify needs a CertificateRequest.  Before the
	 * ServerHello (no NEGOTIATED) only the retry is known. */
	if ((f & SG_HS_CCV) && !(f & SG_HS_CR))
		return false;
	if ((f & SG_HS_CR) && !(f & SG_HS_NEGOTIATED))
		return false;
	/* A PSK is accepted in the ServerHello, and a server resuming with
	 * it sends no CertificateRequest (4.3.2). */
	if ((f & SG_HS_PSK) && (!(f & SG_HS_NEGOTIATED) || (f & SG_HS_CR)))
		return false;
	return true;
}

static void check_row(unsigned f, const uint8_t *s, size_t n)
{
	bool neg = f & SG_HS_NEGOTIATED;
	CHECK_MSG(n >= 2 && s[0] == SG_M_CH, "row %#x does not start with ClientHello", f);
	bool seen[SG_M_COUNT] = { false };
	for (size_t i = 0; i < n; i++) {
		CHECK_MSG(s[i] < SG_M_COUNT, "row %#x: message %u at %zu", f, s[i], i);
		if (s[i] >= SG_M_COUNT)
			return;
		CHECK_MSG(!seen[s[i]], "row %#x repeats %s", f, sg_msg_name((enum sg_msg)s[i]));
		seen[s[i]] = true;
	}
	/* A negotiated row is a whole handshake; the others are what the
	 * driver walks before it knows the shape, up to the ServerHello. */
	if (neg)
		CHECK_MSG(s[n - 1] == SG_M_DONE, "row %#x does not end with DONE", f);
	else
		CHECK_MSG(s[n - 1] == SG_M_SH, "row %#x (not negotiated) does not end at ServerHello", f);
	CHECK_MSG(index_of(s, n, SG_M_DONE) == (neg ? (int)n - 1 : -1), "row %#x: DONE only last", f);

	/* HelloRetryRequest (2.1): CH, HRR, CH2 and only with the flag. */
	bool hrr = f & SG_HS_HRR;
	CHECK_MSG(seen[SG_M_HRR] == hrr && seen[SG_M_CH2] == hrr, "row %#x: HRR/CH2 presence", f);
	if (hrr)
		CHECK_MSG(s[1] == SG_M_HRR && s[2] == SG_M_CH2 && s[3] == SG_M_SH, "row %#x: CH HRR CH2 SH", f);
	else
		CHECK_MSG(s[1] == SG_M_SH, "row %#x: ServerHello second", f);
	if (!neg)
		return;

	/* The server's flight SH EE [CR] Certificate CertificateVerify
	 * Finished is contiguous and in this order (2, A.1, A.2). */
	int sh = index_of(s, n, SG_M_SH), sf = index_of(s, n, SG_M_SFIN);
	CHECK_MSG(sh > 0 && sf > sh, "row %#x: SH before SF", f);
	static const uint8_t flight[] = { SG_M_SH, SG_M_EE, SG_M_CR, SG_M_SCERT, SG_M_SCV, SG_M_SFIN };
	int k = sh;
	bool psk = f & SG_HS_PSK;
	CHECK_MSG(seen[SG_M_SCERT] == !psk && seen[SG_M_SCV] == !psk, "row %#x: server certificate iff not PSK", f);
	for (size_t i = 0; i < sizeof flight; i++) {
		if (psk && (flight[i] == SG_M_SCERT || flight[i] == SG_M_SCV))
			continue;       /* 2.2: the PSK authenticates the server */
		if (flight[i] == SG_M_CR && !(f & SG_HS_CR)) {
			CHECK_MSG(!seen[SG_M_CR], "row %#x: CertificateRequest without the flag", f);
			continue;
		}
		CHECK_MSG(k >= 0 && (size_t)k < n && s[k] == flight[i], "row %#x: server flight: %s expected at %d", f,
			  sg_msg_name((enum sg_msg)flight[i]), k);
		k++;
	}
	for (int i = sh; i <= sf && i >= 0; i++)
		CHECK_MSG(server_sends(s[i]), "row %#x: client message inside the server flight", f);

	/* The client's second flight follows the server's Finished:
	 * [Certificate [CertificateVerify]] Finished, then the end (4.4.2:
	 * a client asked for a certificate always sends a Certificate
	 * message, empty when it has none; CertificateVerify only with a
	 * certificate). */
	k = sf + 1;
	if (f & SG_HS_CR) {
		CHECK_MSG((size_t)k < n && s[k] == SG_M_CCERT, "row %#x: client Certificate after SF", f);
		k++;
		if (f & SG_HS_CCV) {
			CHECK_MSG((size_t)k < n && s[k] == SG_M_CCV, "row %#x: client CertificateVerify", f);
			k++;
		}
	}
	CHECK_MSG(seen[SG_M_CCERT] == !!(f & SG_HS_CR), "row %#x: client Certificate iff CR", f);
	CHECK_MSG(seen[SG_M_CCV] == !!(f & SG_HS_CCV), "row %#x: client CertificateVerify iff CCV", f);
	CHECK_MSG((size_t)k + 2 == n && s[k] == SG_M_CFIN && s[k + 1] == SG_M_DONE,
		  "row %#x: client Finished then DONE", f);
	for (size_t i = (size_t)sf + 1; i + 1 < n; i++)
		CHECK_MSG(!server_sends(s[i]), "row %#x: server message after the server's Finished", f);
}

static void check_exact(unsigned f, const uint8_t *want, size_t wn, const char *what)
{
	size_t n = 0;
	const uint8_t *s = sg_hs_sequence(f, &n);
	CHECK_MSG(s && n == wn && memcmp(s, want, wn) == 0, "%s (flags %#x) is not the RFC's sequence", what, f);
}

/*
 * The extensions table (extensions.c) against RFC 8446 4.2's table of
 * where each extension may appear ("CH, EE" ...), plus RFC 8449 4 for
 * record_size_limit, and the table's own rules.  Extensions sigil does
 * not know are absent (0) and skipped wherever they appear.
 */
static void test_extension_table(void)
{
	enum { CH = SG_MSG_CH, SH = SG_MSG_SH, HRR = SG_MSG_HRR, EE = SG_MSG_EE, CT = SG_MSG_CT,
	       CR = SG_MSG_CR, NST = SG_MSG_NST, SH12 = SG_MSG_SH12 };
	static const struct { uint16_t type; const char *name; unsigned where; } rfc[] = {
		/* TLS 1.2 answers in its ServerHello (RFC 6066 3, RFC 7301 3.1). */
		{ 0, "server_name", CH | EE | SH12 },
		{ 1, "max_fragment_length", 0 },
		{ 5, "status_request", CH | CR | CT },
		{ 10, "supported_groups", CH | EE },
		{ 13, "signature_algorithms", CH | CR },
		{ 14, "use_srtp", 0 },
		{ 15, "heartbeat", 0 },
		{ 16, "application_layer_protocol_negotiation", CH | EE | SH12 },
		{ 18, "signed_certificate_timestamp", CH | CR | CT },
		{ 19, "client_certificate_type", 0 },
		{ 20, "server_certificate_type", 0 },
		{ 21, "padding", 0 },
		{ 28, "record_size_limit", CH | EE },
		{ 41, "pre_shared_key", CH | SH },
		{ 42, "early_data", CH | EE | NST },
		{ 43, "supported_versions", CH | SH | HRR },
		{ 44, "cookie", CH | HRR },
		{ 45, "psk_key_exchange_modes", CH },
		{ 47, "certificate_authorities", CH | CR },
		{ 48, "oid_filters", 0 },
		{ 49, "post_handshake_auth", CH },
		{ 50, "signature_algorithms_cert", CH | CR },
		{ 51, "key_share", CH | SH | HRR },
		/* TLS 1.2 only: RFC 8422 5.1, RFC 7627 5.1, RFC 5077 3.2, RFC 5746 3.2. */
		{ 11, "ec_point_formats", CH | SH12 },
		{ 23, "extended_master_secret", CH | SH12 },
		{ 35, "session_ticket", CH | SH12 },
		{ 0xff01, "renegotiation_info", CH | SH12 },
	};
	for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++)
		CHECK_MSG(sg_ext_messages(rfc[i].type) == rfc[i].where, "%s: messages %#x, RFC 8446 4.2 says %#x",
			  rfc[i].name, sg_ext_messages(rfc[i].type), rfc[i].where);
	/* A TLS 1.3 ServerHello carries only key_share, supported_versions
	 * and pre_shared_key (4.2's "SH" column). */
	for (unsigned t = 0; t < 0x10000; t++)
		if ((sg_ext_messages((uint16_t)t) & SG_MSG_SH) && t != 41 && t != 43 && t != 51)
			CHECK_MSG(0, "extension %u allowed in a TLS 1.3 ServerHello", t);
	const char *why = sg_ext_table_check();
	CHECK_MSG(why == NULL, "extension table: %s", why ? why : "");
}

/* The per-message limits (handshake.c) against the messages' syntax in
 * RFC 8446 4: every message a peer sends has one, and a message whose
 * syntax is fixed gets exactly its size. */
static void test_message_limits(void)
{
	static const uint8_t read[] = { SG_HT_CLIENT_HELLO, SG_HT_SERVER_HELLO, SG_HT_NEW_SESSION_TICKET,
					SG_HT_ENCRYPTED_EXTENSIONS, SG_HT_CERTIFICATE, SG_HT_CERTIFICATE_REQUEST,
					SG_HT_CERTIFICATE_VERIFY, SG_HT_FINISHED, SG_HT_KEY_UPDATE };
	for (size_t i = 0; i < sizeof read; i++) {
		uint32_t max = sg_hs_max_length(read[i]);
		CHECK_MSG(max > 0 && max <= SIGIL_MAX_HANDSHAKE_MSG, "type %u: limit %u", read[i], max);
	}
	CHECK(sg_hs_max_length(SG_HT_CLIENT_HELLO) == SIGIL_MAX_CLIENT_HELLO);
	CHECK(sg_hs_max_length(SG_HT_FINISHED) == 48);          /* verify_data of SHA-384 */
	CHECK(sg_hs_max_length(SG_HT_KEY_UPDATE) == 1);         /* request_update */
	/* Syntax maxima: legacy_session_id_echo<0..32>, extensions<..2^16-1>. */
	CHECK(sg_hs_max_length(SG_HT_SERVER_HELLO) == 2 + 32 + 33 + 2 + 1 + 2 + 65535);
	CHECK(sg_hs_max_length(SG_HT_ENCRYPTED_EXTENSIONS) == 2 + 65535);
	/* Never read: EndOfEarlyData (no 0-RTT), message_hash, unknown. */
	CHECK(sg_hs_max_length(SG_HT_END_OF_EARLY_DATA) == 0);
	CHECK(sg_hs_max_length(SG_HT_MESSAGE_HASH) == 0);
	CHECK(sg_hs_max_length(3) == 0 && sg_hs_max_length(99) == 0);
}

int main(void)
{
	unsigned rows = 0, impossible = 0;
	const uint8_t *seq[SG_HS_FLAGS];
	size_t len[SG_HS_FLAGS];
	for (unsigned f = 0; f < SG_HS_FLAGS; f++) {
		len[f] = 0;
		seq[f] = sg_hs_sequence(f, &len[f]);
		CHECK_MSG(!seq[f] == !possible(f), "flags %#x: %s", f,
			  seq[f] ? "an impossible combination has a sequence" : "a possible combination has none");
		if (!seq[f]) {
			impossible++;
			continue;
		}
		rows++;
		if (!(f & SG_HS_TLS12))
			check_row(f, seq[f], len[f]);
	}
	/* Out of range. */
	size_t n = 0;
	CHECK(sg_hs_sequence(SG_HS_FLAGS, &n) == NULL);
	CHECK(sg_hs_sequence(~0u, &n) == NULL);

	/* Rows agree on common prefixes: when the driver learns a flag it
	 * switches rows at the same position, so positions already walked
	 * must be the same in both, and the first difference is the message
	 * that revealed the flag (the ServerHello ends the pre-negotiation
	 * rows; CertificateRequest arrives where the client expected the
	 * server Certificate; the client's CertificateVerify where the server
	 * expected its Finished; a HelloRetryRequest where a ServerHello
	 * was). */
	static const struct { unsigned bit; uint8_t reveals; } learn[] = {
		{ SG_HS_NEGOTIATED, SG_M_COUNT },
		{ SG_HS_HRR, SG_M_HRR },
		{ SG_HS_CR, SG_M_CR },
		{ SG_HS_CCV, SG_M_CCV },
		{ SG_HS_NST, SG_M_NST12 },
	};
	for (unsigned f = 0; f < SG_HS_FLAGS; f++)
		for (size_t b = 0; b < sizeof learn / sizeof learn[0]; b++) {
			unsigned g = f | learn[b].bit;
			if (g == f || !seq[f] || !seq[g])
				continue;
			size_t d = 0;
			while (d < len[f] && d < len[g] && seq[f][d] == seq[g][d])
				d++;
			if (learn[b].bit == SG_HS_NEGOTIATED) {
				CHECK_MSG(d == len[f], "row %#x is not a prefix of row %#x", f, g);
			} else {
				CHECK_MSG(d < len[g] && seq[g][d] == learn[b].reveals && d < len[f] &&
					  server_sends(seq[f][d]) == server_sends(seq[g][d]),
					  "rows %#x and %#x first differ at %zu, not where the flag is learnt", f, g, d);
			}
		}
	/* Every pair of rows shares at least the ClientHello, and any two
	 * rows with the same HelloRetryRequest bit share CH..SH. */
	for (unsigned f = 0; f < SG_HS_FLAGS; f++)
		for (unsigned g = 0; g < SG_HS_FLAGS; g++) {
			if (!seq[f] || !seq[g] || ((f ^ g) & SG_HS_HRR))
				continue;
			/* TLS 1.2 rows share only the ClientHello with TLS 1.3's. */
			size_t k = (f ^ g) & SG_HS_TLS12 ? 1 : (f & SG_HS_HRR) ? 4 : 2;
			CHECK_MSG(len[f] >= k && len[g] >= k && memcmp(seq[f], seq[g], k) == 0,
				  "rows %#x and %#x disagree before the ServerHello's end", f, g);
		}

	/* The RFC's handshakes. */
	static const uint8_t full[] = { SG_M_CH, SG_M_SH, SG_M_EE, SG_M_SCERT, SG_M_SCV, SG_M_SFIN, SG_M_CFIN,
					SG_M_DONE };
	static const uint8_t retry[] = { SG_M_CH, SG_M_HRR, SG_M_CH2, SG_M_SH, SG_M_EE, SG_M_SCERT, SG_M_SCV,
					 SG_M_SFIN, SG_M_CFIN, SG_M_DONE };
	static const uint8_t cr_cert[] = { SG_M_CH, SG_M_SH, SG_M_EE, SG_M_CR, SG_M_SCERT, SG_M_SCV, SG_M_SFIN,
					   SG_M_CCERT, SG_M_CCV, SG_M_CFIN, SG_M_DONE };
	static const uint8_t cr_nocert[] = { SG_M_CH, SG_M_SH, SG_M_EE, SG_M_CR, SG_M_SCERT, SG_M_SCV, SG_M_SFIN,
					     SG_M_CCERT, SG_M_CFIN, SG_M_DONE };
	static const uint8_t retry_cr_cert[] = { SG_M_CH, SG_M_HRR, SG_M_CH2, SG_M_SH, SG_M_EE, SG_M_CR,
						 SG_M_SCERT, SG_M_SCV, SG_M_SFIN, SG_M_CCERT, SG_M_CCV,
						 SG_M_CFIN, SG_M_DONE };
	check_exact(SG_HS_NEGOTIATED, full, sizeof full, "RFC 8446 2 full handshake");
	check_exact(SG_HS_NEGOTIATED | SG_HS_HRR, retry, sizeof retry, "RFC 8446 2.1 HelloRetryRequest");
	check_exact(SG_HS_NEGOTIATED | SG_HS_CR | SG_HS_CCV, cr_cert, sizeof cr_cert,
		    "RFC 8446 4.3.2 CertificateRequest with a client certificate");
	check_exact(SG_HS_NEGOTIATED | SG_HS_CR, cr_nocert, sizeof cr_nocert,
		    "RFC 8446 4.3.2/4.4.2 CertificateRequest, no client certificate");
	check_exact(SG_HS_NEGOTIATED | SG_HS_HRR | SG_HS_CR | SG_HS_CCV, retry_cr_cert, sizeof retry_cr_cert,
		    "HelloRetryRequest and client certificate");
	static const uint8_t resumed[] = { SG_M_CH, SG_M_SH, SG_M_EE, SG_M_SFIN, SG_M_CFIN, SG_M_DONE };
	static const uint8_t retry_resumed[] = { SG_M_CH, SG_M_HRR, SG_M_CH2, SG_M_SH, SG_M_EE, SG_M_SFIN,
						 SG_M_CFIN, SG_M_DONE };
	check_exact(SG_HS_NEGOTIATED | SG_HS_PSK, resumed, sizeof resumed, "RFC 8446 2.2 resumption");
	check_exact(SG_HS_NEGOTIATED | SG_HS_HRR | SG_HS_PSK, retry_resumed, sizeof retry_resumed,
		    "HelloRetryRequest and resumption");

	/* RFC 5246 7.3 (with RFC 8422's ECDHE ServerKeyExchange). */
	static const uint8_t full12[] = { SG_M_CH, SG_M_SH12, SG_M_SCERT12, SG_M_SKE, SG_M_SHD, SG_M_CKE,
					  SG_M_CFIN12, SG_M_SFIN12, SG_M_DONE };
	check_exact(SG_HS_NEGOTIATED | SG_HS_TLS12, full12, sizeof full12, "RFC 5246 7.3 full handshake");
	static const uint8_t cr12[] = { SG_M_CH, SG_M_SH12, SG_M_SCERT12, SG_M_SKE, SG_M_CR, SG_M_SHD, SG_M_CCERT,
					SG_M_CKE, SG_M_CFIN12, SG_M_SFIN12, SG_M_DONE };
	static const uint8_t cr12_cert[] = { SG_M_CH, SG_M_SH12, SG_M_SCERT12, SG_M_SKE, SG_M_CR, SG_M_SHD,
					     SG_M_CCERT, SG_M_CKE, SG_M_CCV, SG_M_CFIN12, SG_M_SFIN12, SG_M_DONE };
	check_exact(SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_CR, cr12, sizeof cr12,
		    "RFC 5246 7.3 CertificateRequest, no client certificate (7.4.6)");
	check_exact(SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_CR | SG_HS_CCV, cr12_cert, sizeof cr12_cert,
		    "RFC 5246 7.3 client certificate and CertificateVerify");

	static const uint8_t nst12[] = { SG_M_CH, SG_M_SH12, SG_M_SCERT12, SG_M_SKE, SG_M_SHD, SG_M_CKE,
					 SG_M_CFIN12, SG_M_NST12, SG_M_SFIN12, SG_M_DONE };
	static const uint8_t abbr12[] = { SG_M_CH, SG_M_SH12, SG_M_SFIN12, SG_M_CFIN12, SG_M_DONE };
	static const uint8_t abbr12_nst[] = { SG_M_CH, SG_M_SH12, SG_M_NST12, SG_M_SFIN12, SG_M_CFIN12, SG_M_DONE };
	check_exact(SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_NST, nst12, sizeof nst12, "RFC 5077 3.3 new ticket");
	check_exact(SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_PSK, abbr12, sizeof abbr12,
		    "RFC 5246 7.3 abbreviated handshake");
	check_exact(SG_HS_NEGOTIATED | SG_HS_TLS12 | SG_HS_PSK | SG_HS_NST, abbr12_nst, sizeof abbr12_nst,
		    "RFC 5077 3.4 abbreviated handshake, ticket renewed");

	/* Names for diagnostics. */
	for (unsigned m = 0; m < SG_M_COUNT; m++) {
		const char *name = sg_msg_name((enum sg_msg)m);
		CHECK(name && *name && strcmp(name, "?") != 0);
		for (unsigned o = 0; o < m; o++)
			CHECK_MSG(strcmp(name, sg_msg_name((enum sg_msg)o)) != 0, "two messages named %s", name);
	}
	CHECK(strcmp(sg_msg_name(SG_M_COUNT), "?") == 0);

	CHECK(rows == 18 && impossible == SG_HS_FLAGS - 18);
	printf("NOTE %u sequences, %u impossible combinations\n", rows, impossible);
	test_extension_table();
	test_message_limits();
	return TEST_END();
}
