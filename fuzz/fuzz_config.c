/*
 * The configuration API on arbitrary input: every setter that parses
 * text or bytes an operator or a program hands it (preference lists,
 * ALPN, pins, PEM certificate chains and keys, trust bundles, CRLs,
 * ticket keys, versions), on a client and a server config, then one
 * in-memory handshake between them, so that what a setter accepted is
 * also used (certificate choice by SNI, suites and groups, versions,
 * ALPN, pins, tickets).
 *
 * Input: records  op(1) || len(2, big-endian) || data(len).  op's top bit
 * picks the client's config, the rest the setter.  Files (trust, CRL)
 * are the record's bytes in a memfd, read through /proc/self/fd.
 *
 * Oracles: a setter returns SIGIL_OK or SIGIL_ERROR, and an error comes
 * with a sentence; a handshake that completes agrees on both sides
 * (version, suite, group, ALPN) and names things the API can name.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	OP_SUITES, OP_GROUPS, OP_SIGALGS, OP_ALPN, OP_CERTCOMP, OP_PINS, OP_CERT_KEY, OP_CERT_OURKEY,
	OP_TRUST, OP_CRL, OP_VERSIONS, OP_CLIENT_AUTH, OP_TICKETS, OP_TICKET_KEYS, OP_SNI, OP_COUNT
};

static int memfd = -1;
static char memfd_path[64];
static char sni[256];

static const char *as_file(const uint8_t *p, size_t n)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz_config", 0);
		if (memfd < 0)
			abort();
		snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, p, n, 0) != (ssize_t)n)
		abort();
	return memfd_path;
}

static void judge(sigil_config *cfg, int r)
{
	if (r != SIGIL_OK && r != SIGIL_ERROR)
		abort();
	if (r == SIGIL_ERROR && !*sigil_config_error(cfg))
		abort();
}

static void apply(sigil_config *cfg, uint8_t op, const uint8_t *p, size_t n)
{
	char s[1024];
	size_t k = n < sizeof s - 1 ? n : sizeof s - 1;
	memcpy(s, p, k);
	s[k] = 0;
	switch (op % OP_COUNT) {
	case OP_SUITES: judge(cfg, sigil_config_set_suites(cfg, s)); break;
	case OP_GROUPS: judge(cfg, sigil_config_set_groups(cfg, s)); break;
	case OP_SIGALGS: judge(cfg, sigil_config_set_sigalgs(cfg, s)); break;
	case OP_ALPN: judge(cfg, sigil_config_set_alpn(cfg, s)); break;
	case OP_CERTCOMP: judge(cfg, sigil_config_set_cert_compression(cfg, s)); break;
	case OP_PINS: judge(cfg, sigil_config_set_pins(cfg, s)); break;
	case OP_CERT_KEY: {
		/* chain NUL key */
		const uint8_t *z = memchr(p, 0, n);
		size_t cl = z ? (size_t)(z - p) : n;
		const char *key = z ? (const char *)z + 1 : "";
		size_t kl = z ? n - cl - 1 : 0;
		judge(cfg, sigil_config_add_cert_key_pem(cfg, (const char *)p, cl, key, kl));
		break;
	}
	case OP_CERT_OURKEY:
		/* A chain of the fuzzer's with the test key: the key match. */
		judge(cfg, sigil_config_add_cert_key_pem(cfg, (const char *)p, n, fuzz_key_pem,
							  sizeof fuzz_key_pem - 1));
		break;
	case OP_TRUST: judge(cfg, sigil_config_add_trust(cfg, as_file(p, n))); break;
	case OP_CRL: judge(cfg, sigil_config_add_crl_file(cfg, as_file(p, n), n && (p[0] & 1))); break;
	case OP_VERSIONS:
		if (n >= 4)
			judge(cfg, sigil_config_set_versions(cfg, (uint16_t)(p[0] << 8 | p[1]), (uint16_t)(p[2] << 8 | p[3])));
		break;
	case OP_CLIENT_AUTH:
		if (n >= 1)
			judge(cfg, sigil_config_set_client_auth(cfg, (sigil_client_auth)(p[0] % 4)));
		break;
	case OP_TICKETS:
		if (n >= 5)
			judge(cfg, sigil_config_set_tickets(cfg, p[0],
							    (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]));
		break;
	case OP_TICKET_KEYS: judge(cfg, sigil_config_set_ticket_keys(cfg, p, n / SIGIL_TICKET_KEY_LEN)); break;
	case OP_SNI: snprintf(sni, sizeof sni, "%s", s); break;
	}
}

static void check_agreement(sigil_conn *c, sigil_conn *s)
{
	if (sigil_conn_version(c) != sigil_conn_version(s) || sigil_conn_suite(c) != sigil_conn_suite(s))
		abort();
	if (!sigil_suite_name(sigil_conn_suite(c)))
		abort();
	const char *ca = sigil_conn_alpn(c), *sa = sigil_conn_alpn(s);
	if ((ca == NULL) != (sa == NULL) || (ca && strcmp(ca, sa) != 0))
		abort();
	if (sigil_conn_version(c) == SIGIL_TLS13 && !sigil_conn_resumed(c) && sigil_conn_group(c) != sigil_conn_group(s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sigil_config *cc = fuzz_client_config(1), *sc = fuzz_server_config(NULL);
	if (!cc || !sc)
		abort();
	snprintf(sni, sizeof sni, "localhost");
	size_t off = 0;
	for (int records = 0; off + 3 <= size && records < 32; records++) {
		uint8_t op = data[off];
		size_t n = (size_t)(data[off + 1] << 8 | data[off + 2]);
		off += 3;
		if (n > size - off)
			n = size - off;
		apply(op & 0x80 ? cc : sc, op & 0x7f, data + off, n);
		off += n;
	}
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	if (c && s && (!*sni || sigil_conn_set_server_name(c, sni) == SIGIL_OK)) {
		for (int i = 0; i < 16; i++) {
			size_t m = fuzz_move(c, s) + fuzz_move(s, c);
			unsigned cs = sigil_conn_state(c), ss = sigil_conn_state(s);
			if ((cs | ss) & SIGIL_ST_FAILED) {
				if ((cs & SIGIL_ST_FAILED) && !*sigil_conn_error(c))
					abort();
				if ((ss & SIGIL_ST_FAILED) && !*sigil_conn_error(s))
					abort();
				break;
			}
			if ((cs & SIGIL_ST_CONNECTED) && (ss & SIGIL_ST_CONNECTED)) {
				check_agreement(c, s);
				break;
			}
			if (m == 0)
				break;
		}
	}
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	sigil_config_free(sc);
	return 0;
}
