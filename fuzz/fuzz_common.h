/*
 * Shared by the engine fuzz targets and by the seed capture tool
 * (tests/tools/fuzzseed.c): the configs and the deterministic test hooks.
 * A seed captured with these hooks replays exactly in the targets, which
 * is what makes an encrypted server flight a meaningful seed: the client's
 * random and key share, hence its keys, are the ones the seed was made
 * with.  Ed25519 certificates because Ed25519 signatures are
 * deterministic, so a whole sigil-to-sigil transcript replays too.
 *
 * Header-only (static functions) so that each target stays one .c file.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <string.h>

#include "sigil.h"
#include "tls/tls.h"

/* tests/data/tls/ed25519.{crt,key}: self-signed test material, not secret.
 * Embedded so that a fuzz run does not depend on its working directory. */
static const char fuzz_cert_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBVzCCAQmgAwIBAgIUXwXmjODM5rBxkg/w5C+52tdUP9IwBQYDK2VwMBUxEzAR\n"
	"BgNVBAMMCnNpZ2lsLXRlc3QwIBcNMjYxMTI3MDUyMDE1WhgPMjEyNjExMDMwNTIw\n"
	"MTVaMBUxEzARBgNVBAMMCnNpZ2lsLXRlc3QwKjAFBgMrZXADIQBi0xj9NbvPeLCn\n"
	"b/FS2Z/ikFpt9uClsHVf+9xXfIQ1IaNpMGcwHQYDVR0OBBYEFPffkeyN02cRMfpz\n"
	"zWKCa5gA8W1uMB8GA1UdIwQYMBaAFPffkeyN02cRMfpzzWKCa5gA8W1uMA8GA1Ud\n"
	"EwEB/wQFMAMBAf8wFAYDVR0RBA0wC4IJbG9jYWxob3N0MAUGAytlcANBAKjBrO/S\n"
	"h6B7Y9S8tKksXgOlSrMZ5lEfwcPEuS8reH+FBz+4uePj2LDgLvNPB3hmWSvWpIbp\n"
	"iAQDVqQtjMgs4As=\n"
	"-----END CERTIFICATE-----\n";
static const char fuzz_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIDIuJ6M4lIjo6eNYl2pFh6hlG1eDGzoxYeZ9j4oZwRxu\n"
	"-----END PRIVATE KEY-----\n";

/* The hook argument says whose hooks these are, so that client and
 * server values differ (a server random equal to the client's would hide
 * bugs that mix them up). */
static const char fuzz_tag_client = 'C', fuzz_tag_server = 'S';

/* Stateless: the same request always gets the same bytes, so a run never
 * depends on what ran before it in the same process. */
static int fuzz_random(void *arg, uint8_t *out, size_t n)
{
	uint8_t t = (uint8_t)*(const char *)arg;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(t * 31u + i * 7u + n);
	return 0;
}

static sg_kex_key *fuzz_kex_key(void *arg, uint16_t group)
{
	uint8_t priv[48];
	uint8_t t = (uint8_t)*(const char *)arg;
	/* Small scalars below every group order; x25519 clamps its own. */
	memset(priv, 0, sizeof priv);
	for (size_t i = 0; i < 8; i++)
		priv[sizeof priv - 1 - i] = (uint8_t)(t + i + 1);
	switch (group) {
	case SIGIL_GROUP_X25519:
		return sg_kex_from_private(&sg_x25519, priv + 16, 32);
	case SIGIL_GROUP_SECP256R1:
		return sg_kex_from_private(&sg_secp256r1, priv + 16, 32);
	case SIGIL_GROUP_SECP384R1:
		return sg_kex_from_private(&sg_secp384r1, priv, 48);
	default:
		return NULL;
	}
}

static const sg_test_hooks fuzz_client_hooks = { fuzz_random, fuzz_kex_key, (void *)&fuzz_tag_client, 0 };
static const sg_test_hooks fuzz_server_hooks = { fuzz_random, fuzz_kex_key, (void *)&fuzz_tag_server, 0 };

/* Client: every default suite and group (x25519 first), ALPN, SNI set
 * by the caller to "localhost", no verification (the fuzzer cannot
 * forge a CA signature; CertificateVerify is still checked).
 * with_cert: a client certificate, for servers that ask. */
static sigil_config *fuzz_client_config(int with_cert)
{
	sigil_config *cfg = sigil_config_new();
	if (!cfg)
		return NULL;
	if ((with_cert && sigil_config_add_cert_key_pem(cfg, fuzz_cert_pem, sizeof fuzz_cert_pem - 1,
							fuzz_key_pem, sizeof fuzz_key_pem - 1) < 0) ||
	    sigil_config_set_alpn(cfg, "h2,http/1.1") < 0 || sigil_config_insecure_noverify(cfg) < 0 ||
	    sg_config_set_test_hooks(cfg, &fuzz_client_hooks) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Server: Ed25519 certificate, ALPN, asks for (but does not require) a
 * client certificate, so that the client-certificate decoders are
 * reachable from a client's flight.  groups: NULL for the defaults, or a
 * list that forces a HelloRetryRequest. */
static sigil_config *fuzz_server_config(const char *groups)
{
	sigil_config *cfg = sigil_config_new();
	if (!cfg)
		return NULL;
	if (sigil_config_add_cert_key_pem(cfg, fuzz_cert_pem, sizeof fuzz_cert_pem - 1,
					  fuzz_key_pem, sizeof fuzz_key_pem - 1) < 0 ||
	    sigil_config_set_alpn(cfg, "http/1.1,h2") < 0 || sigil_config_insecure_noverify(cfg) < 0 ||
	    sigil_config_set_client_auth(cfg, SIGIL_CLIENT_AUTH_REQUEST) < 0 ||
	    (groups && sigil_config_set_groups(cfg, groups) < 0) ||
	    sg_config_set_test_hooks(cfg, &fuzz_server_hooks) < 0) {
		sigil_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static sigil_conn *fuzz_client(sigil_config *cfg)
{
	sigil_conn *c = sigil_conn_new(cfg, SIGIL_CLIENT);
	if (c && sigil_conn_set_server_name(c, "localhost") < 0) {
		sigil_conn_free(c);
		return NULL;
	}
	return c;
}

/* Move everything a has queued to b (all at once); stops when b fails or
 * holds application data.  Returns the bytes moved. */
static size_t fuzz_move(sigil_conn *a, sigil_conn *b)
{
	size_t n, used, moved = 0;
	const uint8_t *p = sigil_conn_send_buf(a, &n);
	while (p && n) {
		if (sigil_conn_recv_net(b, p, n, &used) < 0) {
			sigil_conn_send_ack(a, n);
			break;
		}
		if (used == 0)
			break;
		sigil_conn_send_ack(a, used);
		moved += used;
		p = sigil_conn_send_buf(a, &n);
	}
	return moved;
}

/* Feed data to c in pieces of `chunk` bytes (0: at once), reading any
 * application data it decrypts so that input keeps flowing. */
static void fuzz_feed(sigil_conn *c, const uint8_t *data, size_t len, size_t chunk)
{
	uint8_t sink[1024];
	while (len) {
		size_t k = chunk && chunk < len ? chunk : len, used, got;
		if (sigil_conn_recv_net(c, data, k, &used) < 0)
			return;
		data += used;
		len -= used;
		if (sigil_conn_read_app(c, sink, sizeof sink, &got) < 0)
			return;
		if (used == 0 && got == 0)
			return;
	}
}

#endif
