/*
 * sigil.h — the public interface of libsigil, a TLS 1.3 library.
 *
 * This header is the manual.  Read the conventions first.
 *
 * CONVENTIONS
 *
 *   Objects.  Two opaque types: a sigil_config holds what many connections
 *   share (certificates, keys, trust, versions, ALPN); a sigil_conn is one
 *   TLS connection.  A config is mutable until the first connection is made
 *   from it; from then on it is frozen (setters fail with SIGIL_E_USAGE) and
 *   may be shared by any number of threads.  Connections hold a reference
 *   to their config, so the caller may free its own reference at any time.
 *   A connection is used by one thread at a time.
 *
 *   Ownership.  Functions copy what they are given unless the parameter
 *   says otherwise; pointers returned by getters (`const char *`,
 *   `const uint8_t *`) point into the object and stay valid until the object
 *   is freed or the next call that changes it, as documented per function.
 *
 *   Return values.  Functions returning `int` return SIGIL_OK (0) on
 *   success, SIGIL_WANT_READ / SIGIL_WANT_WRITE (positive) when the
 *   operation needs more I/O, and SIGIL_ERROR (negative) on failure.
 *   Failures on a connection are sticky: once a connection has failed every
 *   further call returns SIGIL_ERROR, and sigil_conn_error() explains why in
 *   a sentence meant for a person.  The error class tells a program what
 *   kind of failure it was.
 *
 *   Memory.  The library never aborts or exits; allocation failures become
 *   SIGIL_ERROR with class SIGIL_ECLASS_INTERNAL.  A connection object is
 *   about 1.2 KiB.  While data moves it also holds an input record buffer
 *   as large as the largest record the peer has sent (at most 16 KiB +
 *   261; a few hundred bytes during a handshake), the fd layer's read
 *   buffer (2 KiB, growing to 16 KiB when reads fill it) and its queued
 *   output; during the handshake only, the handshake state (a few KiB, plus
 *   the peer's chain, at most SIGIL_MAX_HANDSHAKE_MSG bytes): about 9 KiB
 *   for a server at its peak (ClientHello read, its flight queued: 8 KiB
 *   for an x25519 client, 9 KiB with X25519MLKEM768, whose 1.1 KB answer
 *   goes into the ServerHello and whose keys are wiped as soon as the
 *   secret is known), and about 12 KiB for a client waiting for the
 *   ServerHello with its default shares (the ML-KEM-768 key pair, 3.5 KiB,
 *   wiped once the ServerHello's share is used; 5 KiB with x25519 alone).
 *   A TLS 1.2 server that asks for a client certificate also keeps the
 *   handshake's messages until the client's CertificateVerify (about 2
 *   KiB; see sigil_config_set_client_auth).
 *   A handshake message is copied only when it
 *   spans records, into a buffer no larger than that message type's limit
 *   (see Limits), and plaintext records (the hellos) are never buffered
 *   whole: a client that never finishes its ClientHello holds at most
 *   SIGIL_MAX_CLIENT_HELLO bytes plus the state above (about 21 KiB in
 *   all) of a server's memory, however many records it sends, and one
 *   whose hello announces more is refused at the hello's 4-byte header,
 *   before its body takes any memory.  sigil_conn_shrink returns the
 *   buffers of an idle connection.  Queued output is capped at 4 MiB: a
 *   peer that makes us send (KeyUpdate requests) but never reads fails the
 *   connection there; sigil_conn_write_app stops taking data at 64 KiB.
 *
 *   Security defaults.  TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites
 *   only (sigil_config_set_versions).  Certificate verification is on; the
 *   one switch that turns it off has "insecure" in its name.  Renegotiation,
 *   compression, RSA key transport, CBC and 0-RTT early data do not exist:
 *   a server skips, unread, the early data of a client that attempts 0-RTT
 *   (RFC 8446 4.2.10), up to 64 KiB of records, beyond which it fails the
 *   connection with unexpected_message.
 *
 *   Certificate compression (RFC 8879) is not that compression: it
 *   compresses only the Certificate message, which holds nothing secret,
 *   and is on for both sides in TLS 1.3.  A client offers brotli, zstd and
 *   zlib in its ClientHello, a server in its CertificateRequest; each
 *   sends its chain compressed with the first of brotli, zstd, zlib (or
 *   of sigil_config_set_cert_compression's list) that the peer offered,
 *   made once per chain (on its first use, then kept in
 *   the config) and never per connection.  A peer's CompressedCertificate
 *   may declare at most SIGIL_MAX_HANDSHAKE_MSG bytes uncompressed, and
 *   must decompress to exactly what it declares (else bad_certificate); an
 *   algorithm we did not offer is illegal_parameter.  It costs a chain
 *   about 10-20% of its bytes (tests/interop/certcomp.sh prints them).
 *   sigil_config_set_cert_compression(cfg, "") turns it off.
 */
#ifndef SIGIL_H
#define SIGIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every function declared here is exported from libsigil.so; the library
 * is compiled with -fvisibility=hidden, so nothing else is. */
#pragma GCC visibility push(default)

#define SIGIL_MUST_CHECK __attribute__((warn_unused_result))

/* ------------------------------------------------------------------ */
/* Status codes and errors                                             */

#define SIGIL_OK          0
#define SIGIL_WANT_READ   1   /* call again when the socket is readable */
#define SIGIL_WANT_WRITE  2   /* call again when the socket is writable */
#define SIGIL_ERROR     (-1)  /* see sigil_conn_error() */

/* What kind of failure a connection (or config) had. */
typedef enum sigil_error_class {
	SIGIL_ECLASS_NONE = 0,
	SIGIL_ECLASS_USAGE,       /* the caller broke a rule of this API */
	SIGIL_ECLASS_IO,          /* the socket failed or the peer hung up */
	SIGIL_ECLASS_LOCAL_ALERT, /* we found a protocol error, sent an alert */
	SIGIL_ECLASS_PEER_ALERT,  /* the peer sent a fatal alert */
	SIGIL_ECLASS_VERIFY,      /* the peer's certificate was refused */
	SIGIL_ECLASS_INTERNAL,    /* out of memory, crypto backend failure */
} sigil_error_class;

/* TLS alert descriptions (RFC 8446 section 6). */
enum {
	SIGIL_ALERT_CLOSE_NOTIFY = 0,
	SIGIL_ALERT_UNEXPECTED_MESSAGE = 10,
	SIGIL_ALERT_BAD_RECORD_MAC = 20,
	SIGIL_ALERT_RECORD_OVERFLOW = 22,
	SIGIL_ALERT_HANDSHAKE_FAILURE = 40,
	SIGIL_ALERT_BAD_CERTIFICATE = 42,
	SIGIL_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	SIGIL_ALERT_CERTIFICATE_REVOKED = 44,
	SIGIL_ALERT_CERTIFICATE_EXPIRED = 45,
	SIGIL_ALERT_CERTIFICATE_UNKNOWN = 46,
	SIGIL_ALERT_ILLEGAL_PARAMETER = 47,
	SIGIL_ALERT_UNKNOWN_CA = 48,
	SIGIL_ALERT_ACCESS_DENIED = 49,
	SIGIL_ALERT_DECODE_ERROR = 50,
	SIGIL_ALERT_DECRYPT_ERROR = 51,
	SIGIL_ALERT_PROTOCOL_VERSION = 70,
	SIGIL_ALERT_INSUFFICIENT_SECURITY = 71,
	SIGIL_ALERT_INTERNAL_ERROR = 80,
	SIGIL_ALERT_INAPPROPRIATE_FALLBACK = 86,
	SIGIL_ALERT_USER_CANCELED = 90,
	SIGIL_ALERT_MISSING_EXTENSION = 109,
	SIGIL_ALERT_UNSUPPORTED_EXTENSION = 110,
	SIGIL_ALERT_UNRECOGNIZED_NAME = 112,
	SIGIL_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
	SIGIL_ALERT_UNKNOWN_PSK_IDENTITY = 115,
	SIGIL_ALERT_CERTIFICATE_REQUIRED = 116,
	SIGIL_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

/* The alert's name as in the RFC ("handshake_failure"), or "unknown". */
const char *sigil_alert_name(int alert);

/* TLS 1.2 (RFC 5246): what sigil_conn_version says for a TLS 1.2
 * connection (see sigil_config_set_versions). */
#define SIGIL_TLS12 0x0303

/* Code points (IANA TLS registries). */
enum {
	SIGIL_TLS13 = 0x0304,

	SIGIL_AES_128_GCM_SHA256 = 0x1301,
	SIGIL_AES_256_GCM_SHA384 = 0x1302,
	SIGIL_CHACHA20_POLY1305_SHA256 = 0x1303,

	SIGIL_GROUP_SECP256R1 = 0x0017,
	SIGIL_GROUP_SECP384R1 = 0x0018,
	SIGIL_GROUP_X25519 = 0x001d,
	SIGIL_GROUP_X25519MLKEM768 = 0x11ec,    /* draft-ietf-tls-ecdhe-mlkem */

	SIGIL_SIG_RSA_PKCS1_SHA256 = 0x0401,
	SIGIL_SIG_RSA_PKCS1_SHA384 = 0x0501,
	SIGIL_SIG_RSA_PKCS1_SHA512 = 0x0601,
	SIGIL_SIG_ECDSA_SECP256R1_SHA256 = 0x0403,
	SIGIL_SIG_ECDSA_SECP384R1_SHA384 = 0x0503,
	SIGIL_SIG_RSA_PSS_RSAE_SHA256 = 0x0804,
	SIGIL_SIG_RSA_PSS_RSAE_SHA384 = 0x0805,
	SIGIL_SIG_RSA_PSS_RSAE_SHA512 = 0x0806,
	SIGIL_SIG_ED25519 = 0x0807,
};

/* IANA names ("TLS_AES_128_GCM_SHA256", "x25519", "X25519MLKEM768",
 * "ecdsa_secp256r1_sha256"), or NULL for a code point sigil does not
 * know. Static strings. */
const char *sigil_suite_name(uint16_t suite);
const char *sigil_group_name(uint16_t group);
const char *sigil_sigscheme_name(uint16_t scheme);

/* ------------------------------------------------------------------ */
/* Limits                                                              */

/* Largest handshake message accepted from a peer (a Certificate chain,
 * a NewSessionTicket).  Each message type has its own limit, checked from
 * the message's 4-byte header before any of its body is kept: a
 * ClientHello SIGIL_MAX_CLIENT_HELLO, a Certificate or NewSessionTicket
 * this (so is a CompressedCertificate, and the length it declares
 * uncompressed), a Finished 48 bytes (the longest verify_data), a KeyUpdate 1, any
 * other the maximum its syntax allows (about 64 KiB).  A longer message
 * fails with decode_error, a message of a type not expected at that
 * point with unexpected_message, both before its body is buffered. */
#define SIGIL_MAX_HANDSHAKE_MSG (128u * 1024u)
/* Largest ClientHello a server accepts (its body, after the 4-byte
 * message header); a longer one fails with decode_error before its body
 * is buffered.  No real client comes near it: browsers send under 2 KB,
 * under 3 KB with a post-quantum key share (X25519MLKEM768 adds 1,216
 * bytes), and a hello with a PQ share, an X25519 share and a large
 * resumption ticket stays under 5 KB; 16 KiB leaves three times that.
 * It is also what bounds the work a hello can cause: any number of
 * extensions and key shares is read, as RFC 8446 4.2 and 4.2.8 want,
 * and there are at most as many as fit in this size. */
#define SIGIL_MAX_CLIENT_HELLO (16u * 1024u)
/* Largest number of certificates accepted in a peer's chain. */
#define SIGIL_MAX_CHAIN 10
/* Most certificate/key pairs in one config (sigil_config_add_cert_key_pem):
 * a hosting server's sites.  Since 0.3.0; 4 before. */
#define SIGIL_MAX_CERT_KEYS 256
/* Most application-protocol names in an ALPN list. */
#define SIGIL_MAX_ALPN 8
/* A sending direction updates its keys after this many records, far below
 * the AEAD limits of RFC 8446 section 5.5 (2^24.5 records for AES-GCM). */
#define SIGIL_KEY_UPDATE_RECORDS (1u << 23)

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

typedef struct sigil_config sigil_config;
typedef struct sigil_conn sigil_conn;

/* A new config with safe defaults: TLS 1.3, and TLS 1.2 for peers that
 * have nothing newer (sigil_config_set_versions), suites AES-128-GCM, AES-256-GCM,
 * ChaCha20-Poly1305; groups X25519MLKEM768 (post-quantum hybrid), x25519,
 * secp256r1, secp384r1 (see sigil_config_set_groups); every signature
 * scheme above; the built-in verifier (a client config without trust
 * anchors uses the system bundle, see sigil_config_add_trust); middlebox
 * compatibility mode; 2 session tickets of 2 hours under one random
 * ticket key.  Returns NULL only when memory or the crypto backend cannot
 * be had.  The caller owns one reference.  Thread safety: setters on one
 * thread before the first connection; afterwards the config is read-only
 * and any number of threads may make connections from it. */
sigil_config *sigil_config_new(void);
/* Take another reference. */
sigil_config *sigil_config_ref(sigil_config *cfg);
/* Drop a reference; the last one frees the config. NULL is ignored. */
void sigil_config_free(sigil_config *cfg);
/* The sentence explaining the last failed setter, or "". Valid until the
 * next setter on this config. */
const char *sigil_config_error(const sigil_config *cfg);

/* Add a certificate chain and its private key: the chain is PEM text with
 * the end-entity certificate first, then its intermediates; the key is a
 * PEM private key (PKCS#8, SEC1 or PKCS#1, unencrypted) matching the
 * certificate.  Up to SIGIL_MAX_CERT_KEYS (256) pairs may be added: the
 * sites of one server, and for a site several key types (ECDSA and RSA).
 * The dNSNames of each end-entity certificate's subjectAltName are read
 * once, here.
 *
 * Which pair a server sends (RFC 6066 3, RFC 8446 4.4.2.2):
 *   1. The client's server_name (SNI) against those names, as the
 *      client's own check does (RFC 9525 6.3: case-insensitive, a
 *      wildcard "*." only as the whole left-most label and covering one
 *      label): the pairs with the exact name; if none, the pairs with a
 *      wildcard that covers it.  The subject's Common Name is never
 *      used.  When some pairs match, only they may be sent: if none of
 *      them suits the client (step 3), the handshake fails with
 *      handshake_failure rather than sending a certificate for another
 *      name.
 *   2. No server_name, or a name no pair covers: the default site, which
 *      is the first pair added together with every pair whose names are
 *      exactly its names (its other key types); then, for a client that
 *      can verify none of those, every other pair in the order added.
 *   3. Among the pairs of step 1 or of the default site, the key type
 *      that comes first in the config's signature_algorithms
 *      (sigil_config_set_sigalgs; the default puts ECDSA P-256, P-384,
 *      Ed25519 before RSA), the order added on a tie; the first of them
 *      whose key signs with a scheme the client accepts, and in TLS 1.2
 *      offered in a cipher suite the client offers and, for ECDSA, on a
 *      curve in its supported_groups (RFC 8422 5.1.1).  So an ECDSA and
 *      an RSA chain for one host: ECDSA to clients that accept it, RSA to
 *      the rest, whichever was added first.
 * sigil_conn_cert_index tells which pair a connection sent.  The cost:
 * a handshake compares the name with every pair's names, lengths first
 * (a few microseconds for 256 pairs of a few names; no parsing).
 *
 * A client uses the pairs, in the order added, to answer a
 * CertificateRequest (the first that leads to an authority the server
 * names and signs with a scheme it accepts). */
int sigil_config_add_cert_key_pem(sigil_config *cfg, const char *chain_pem, size_t chain_len,
				  const char *key_pem, size_t key_len) SIGIL_MUST_CHECK;
int sigil_config_add_cert_key_file(sigil_config *cfg, const char *chain_path,
				   const char *key_path) SIGIL_MUST_CHECK;

/* Preference lists, as colon-separated IANA names, most preferred first:
 *   suites:  "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"
 *   groups:  "X25519MLKEM768:x25519:secp256r1"
 *   sigalgs: "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256"
 * A server uses its own order; a client offers in this order.  Names match
 * without regard to case; unknown names and repeated ones fail with a
 * message naming them.
 *
 * Groups: "X25519MLKEM768" (0x11ec, the hybrid of ML-KEM-768 and X25519 of
 * draft-ietf-tls-ecdhe-mlkem: post-quantum, TLS 1.3 only), "x25519",
 * "secp256r1" (or "P-256"), "secp384r1" (or "P-384"); the default is all
 * four in that order.  A server takes the first of its groups for which
 * the client sent a key share, and sends a HelloRetryRequest (a round
 * trip more) only when the client sent no share it can use, asking for
 * its first group that the client lists.  A client lists every group in
 * supported_groups and sends a key share for its first; when that is
 * X25519MLKEM768 and x25519 is in the list too, also an x25519 share made
 * from the same X25519 key (36 bytes, no extra computation), which a
 * server without the hybrid takes.  To turn the hybrid off, leave it out:
 * "x25519:secp256r1:secp384r1".  Cost of the hybrid: 1.2 KB more in the
 * ClientHello and 1.1 KB more in the ServerHello; a server's handshake
 * pays one ML-KEM encapsulation (about 35 us here), a client one key
 * generation and one decapsulation. */
int sigil_config_set_suites(sigil_config *cfg, const char *list) SIGIL_MUST_CHECK;
/* The protocol versions: min and max are SIGIL_TLS12 or SIGIL_TLS13, min
 * <= max; the default is SIGIL_TLS12 to SIGIL_TLS13.  A server speaks
 * TLS 1.3 to every client that offers it and TLS 1.2 (RFC 5246) to the
 * others when min allows: the modern subset only, ECDHE (x25519,
 * secp256r1, secp384r1; never X25519MLKEM768) with the AEADs of the
 * suite list, in its order, as ECDHE_ECDSA or ECDHE_RSA suites
 * (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ...; no CBC, no RSA key
 * transport, no compression), extended master secret, secure
 * renegotiation indication and every renegotiation refused with a fatal
 * handshake_failure alert; its ServerHello carries the downgrade
 * sentinel of RFC 8446 section 4.1.3 while max is TLS 1.3, and a
 * TLS_FALLBACK_SCSV client gets inappropriate_fallback (RFC 7507).  An
 * ECDSA certificate serves a TLS 1.2 client only if its curve is in the
 * client's supported_groups.  min SIGIL_TLS13 refuses TLS 1.2 clients
 * with protocol_version.  A client offers TLS 1.3, and TLS 1.2 too when
 * min is SIGIL_TLS12 (supported_versions 0x0304 then 0x0303, the
 * TLS 1.2 suites after TLS 1.3's, ec_point_formats,
 * extended_master_secret and renegotiation_info; with min SIGIL_TLS13
 * its ClientHello has none of them).  A TLS 1.2 server must send the
 * extended master secret and renegotiation_info, choose a group other
 * than X25519MLKEM768 and a signature scheme of the list; one whose
 * ServerHello carries the downgrade sentinel is refused with
 * illegal_parameter ("downgrade"), a HelloRequest after the handshake
 * with a fatal handshake_failure (no renegotiation).  The server's
 * chain is verified as for TLS 1.3; a CertificateRequest is answered
 * with the config's certificate and a TLS 1.2 CertificateVerify.  A
 * client config with max SIGIL_TLS12 fails its handshakes (a sigil
 * client always offers TLS 1.3).  -1 (sigil_config_error) for other
 * values.
 * Since 0.2.0 (SIGIL_0.2). */
int sigil_config_set_versions(sigil_config *cfg, uint16_t min, uint16_t max) SIGIL_MUST_CHECK;
int sigil_config_set_groups(sigil_config *cfg, const char *list) SIGIL_MUST_CHECK;
/* Certificate compression (RFC 8879, TLS 1.3 only), as a colon-separated
 * list of "brotli", "zstd", "zlib", most preferred first (the default is
 * all three in that order).  A client offers these in its ClientHello and
 * a server in its CertificateRequest; each side compresses its own
 * Certificate with the first algorithm in its list that the peer offered.
 * "" turns compression off in both directions: nothing offered, every
 * Certificate sent plain.  Unknown or repeated names fail with a message
 * naming them; the list is unchanged then.  Since 0.3.0 (SIGIL_0.3). */
int sigil_config_set_cert_compression(sigil_config *cfg, const char *list) SIGIL_MUST_CHECK;
int sigil_config_set_sigalgs(sigil_config *cfg, const char *list) SIGIL_MUST_CHECK;

/* ALPN (RFC 7301) protocol names, comma-separated: "h2,http/1.1".  A
 * client offers them; a server picks its most preferred one that the
 * client offered, and refuses a client that offered ALPN but none of
 * these with a no_application_protocol alert. */
int sigil_config_set_alpn(sigil_config *cfg, const char *list) SIGIL_MUST_CHECK;

/* Client certificates on a server. */
typedef enum sigil_client_auth {
	SIGIL_CLIENT_AUTH_NONE = 0,  /* never ask (default) */
	SIGIL_CLIENT_AUTH_REQUEST,   /* ask; a client without one may go on */
	SIGIL_CLIENT_AUTH_REQUIRE,   /* ask; refuse with certificate_required */
} sigil_client_auth;
/* Client certificates are asked for in TLS 1.3 and in TLS 1.2 alike,
 * with the same client CAs named and the same verification; the
 * identity is read the same way (sigil_conn_peer_identity,
 * sigil_conn_peer_chain).  A TLS 1.2 client is asked with a
 * CertificateRequest (RFC 5246 7.4.4) offering every scheme of
 * sigil_config_set_sigalgs (rsa_pkcs1_* and ed25519 included: TLS 1.2
 * allows them in CertificateVerify), and one that sends no certificate
 * to a server that requires one is refused with handshake_failure (TLS
 * 1.2 has no certificate_required, RFC 5246 7.4.6).  A TLS 1.2 server
 * that asks keeps the handshake messages until the client's
 * CertificateVerify (it signs them, not their hash): 2 KiB with
 * one-certificate chains (openssl s_client), at most 4 times
 * SIGIL_MAX_HANDSHAKE_MSG. */
int sigil_config_set_client_auth(sigil_config *cfg, sigil_client_auth mode) SIGIL_MUST_CHECK;

/* One certificate of a chain, DER-encoded, as the peer sent it. */
typedef struct sigil_der {
	const uint8_t *der;
	size_t len;
} sigil_der;

/* What a verifier says about a peer's chain. */
typedef struct sigil_verify_result {
	uint8_t alert;          /* alert to send when refused (e.g. 48 unknown_ca) */
	char reason[512];       /* a sentence for a person */
} sigil_verify_result;

/* A certificate verifier.  chain[0] is the peer's end-entity certificate,
 * then the rest as the peer sent them (n >= 1; the bytes are valid for the
 * call only).  host is the server name the client connects to (a DNS name
 * or an IP literal), or NULL when a server verifies a client.  Return 0 to
 * accept; anything else refuses the handshake with res->alert and
 * res->reason, which the error of the connection then repeats. */
typedef int (*sigil_verify_fn)(void *arg, const char *host, const sigil_der *chain,
			       size_t n, sigil_verify_result *res);
/* The built-in verifier (RFC 5280 path validation, host names per RFC
 * 9525, CRLs, pins) checks the peer's chain against trust anchors:
 *   sigil_config_add_trust: a PEM bundle file or a directory of PEM files;
 *     NULL adds the system bundle (/etc/ssl/certs/ca-certificates.crt).
 *     A client config with no anchors loads the system bundle when its
 *     first connection is made; a server that asks for client
 *     certificates needs anchors (its client CAs).
 *   sigil_config_add_crl_file: CRLs (PEM or DER); with require != 0 a
 *     peer's certificate must be covered by a current CRL of its issuer.
 *   sigil_config_set_pins: "sha256//BASE64;sha256//BASE64" (curl's form):
 *     some certificate of the verified chain must have one of these SPKIs.
 * The client checks the server's certificate for the name given with
 * sigil_conn_set_server_name (a DNS name or an IP literal). */
int sigil_config_add_trust(sigil_config *cfg, const char *path) SIGIL_MUST_CHECK;
int sigil_config_add_crl_file(sigil_config *cfg, const char *path, int require) SIGIL_MUST_CHECK;
int sigil_config_set_pins(sigil_config *cfg, const char *pins) SIGIL_MUST_CHECK;
/* Replace the built-in verifier. arg is passed through and not owned. */
int sigil_config_set_verifier(sigil_config *cfg, sigil_verify_fn fn, void *arg) SIGIL_MUST_CHECK;
/* Accept any certificate chain from the peer: for tests and debugging only.
 * The peer still has to prove it holds the key of the certificate it sent
 * (CertificateVerify is always checked). */
int sigil_config_insecure_noverify(sigil_config *cfg) SIGIL_MUST_CHECK;

/* Session tickets (RFC 8446 4.6.1; RFC 5077 for TLS 1.2), server side.
 * A ticket is the resumption secret (TLS 1.2: the master secret) and its
 * parameters sealed with AES-256-GCM under a ticket key; the server keeps
 * no state per session.  A ticket is bound to its protocol version and to
 * the server name of its handshake (compared without regard to case):
 * offered in the other version's hello, or for another name, it is not
 * resumed (a full handshake follows).  A key is
 * SIGIL_TICKET_KEY_LEN bytes: a 16-byte name and a 32-byte AES key.  The
 * first key seals new tickets; all of them open tickets (so rotate by
 * putting a new key first and keeping the previous ones for a lifetime).
 * Servers sharing keys resume each other's sessions.  A new config has one
 * random key, so tickets work within one config out of the box.  keys is
 * copied; n is 1 to 8. */
#define SIGIL_TICKET_KEY_LEN 48
int sigil_config_set_ticket_keys(sigil_config *cfg, const uint8_t *keys, size_t n) SIGIL_MUST_CHECK;
/* Tickets sent after each full handshake (default 2; 0: none) and their
 * lifetime in seconds (default 7200, at most 604800).  TLS 1.2 has one
 * NewSessionTicket, in the handshake, for a client that asks for it with
 * extended_master_secret (RFC 7627 5.3), whatever the count above 0; an
 * abbreviated TLS 1.2 handshake issues none, so a session's lifetime
 * runs from its full handshake.  A server that asks for client
 * certificates sends none: a resumed session would skip the client's
 * certificate. */
int sigil_config_set_tickets(sigil_config *cfg, unsigned count, uint32_t lifetime) SIGIL_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* Connections: the sans-I/O engine                                    */

typedef enum sigil_role { SIGIL_CLIENT, SIGIL_SERVER } sigil_role;

/* A new connection; takes a reference to cfg and freezes it.  NULL when
 * memory cannot be had. */
sigil_conn *sigil_conn_new(sigil_config *cfg, sigil_role role);
/* Free a connection (without sending anything) and wipe its secrets. */
void sigil_conn_free(sigil_conn *c);

/* Client: the server's name, sent as SNI (unless it is an IP literal) and
 * checked against the server's certificate.  Must precede the first I/O.
 * A client that verifies with the built-in verifier MUST set it: without a
 * name any trusted certificate would do, so the first I/O fails with
 * SIGIL_ECLASS_USAGE.  (With sigil_config_set_verifier the callback gets
 * a NULL host; with sigil_config_insecure_noverify nothing is checked.) */
int sigil_conn_set_server_name(sigil_conn *c, const char *name) SIGIL_MUST_CHECK;

/*
 * The engine never touches a socket.  The caller moves bytes:
 *
 *   network -> sigil_conn_recv_net()    decrypts, runs the handshake
 *   sigil_conn_send_buf() / _send_ack() bytes the engine wants sent
 *   sigil_conn_write_app()              application data to protect
 *   sigil_conn_read_app()               application data received
 *
 * A client's ClientHello is ready in the send buffer as soon as the first
 * of these is called.  Record processing happens inside recv_net.
 */

/* Give the engine bytes received from the network.  It takes what it can
 * (*used, possibly less than len while decrypted application data waits to
 * be read) and processes every complete record.  SIGIL_OK or SIGIL_ERROR. */
int sigil_conn_recv_net(sigil_conn *c, const uint8_t *data, size_t len, size_t *used) SIGIL_MUST_CHECK;
/* The bytes waiting to be sent, *len of them (0: none).  The pointer is
 * valid until the next call on c. */
const uint8_t *sigil_conn_send_buf(sigil_conn *c, size_t *len);
/* Tell the engine n bytes of the send buffer went out. */
void sigil_conn_send_ack(sigil_conn *c, size_t n);
/* Protect application data: *used bytes of data were taken (they may be
 * fewer when much output is already waiting).  Only after the handshake. */
int sigil_conn_write_app(sigil_conn *c, const uint8_t *data, size_t len, size_t *used) SIGIL_MUST_CHECK;
/* How many bytes of application data write_app takes now, at least: it
 * takes min(len, room) or more, and none while room is 0 (send first).
 * For callers that read data from elsewhere (a file) and want to read
 * only what will be taken. */
size_t sigil_conn_write_room(const sigil_conn *c);
/* Take received application data: *got bytes (0 when none waits). */
int sigil_conn_read_app(sigil_conn *c, uint8_t *buf, size_t cap, size_t *got) SIGIL_MUST_CHECK;
/* Send close_notify (queued in the send buffer). */
int sigil_conn_close_notify(sigil_conn *c) SIGIL_MUST_CHECK;
/* Ask the engine to update its sending keys now (RFC 8446 4.6.3); with
 * request_peer, also ask the peer to update its own. */
int sigil_conn_key_update(sigil_conn *c, int request_peer) SIGIL_MUST_CHECK;

/* Client sessions.  sigil_conn_get_session serialises the latest ticket the
 * server sent (after the handshake; SIGIL_ERROR when none came) into
 * buf[cap], *len bytes; the blob records the protocol version, and a TLS
 * 1.2 session is offered only in a TLS 1.2 session_ticket (RFC 5077, with
 * a random session id), a TLS 1.3 one only as a PSK.  The blob holds the resumption secret: store it as
 * you would a key.  sigil_conn_set_session, before the first I/O, offers
 * such a blob; the server may accept it (an abbreviated handshake, see
 * sigil_conn_resumed) or ignore it (a full handshake follows).  A blob
 * for another server name, or expired, is not offered.  A blob that is
 * not a sigil session gives SIGIL_ERROR but, unlike other failures, leaves
 * the connection usable: it just makes a full handshake. */
int sigil_conn_get_session(const sigil_conn *c, uint8_t *buf, size_t cap, size_t *len) SIGIL_MUST_CHECK;
int sigil_conn_set_session(sigil_conn *c, const uint8_t *blob, size_t len) SIGIL_MUST_CHECK;
/* 1 when the handshake resumed a session with a ticket. */
int sigil_conn_resumed(const sigil_conn *c);

/* Give back the memory an idle connection does not need (the record
 * buffers, up to about 33 KiB, and the AEAD contexts, about 2 KiB); it is taken
 * again when data moves (rebuilding the contexts costs ~2 µs).  Call it
 * when a connection waits for its peer, e.g. an HTTP keep-alive wait. */
void sigil_conn_shrink(sigil_conn *c);

/* State flags, as returned by sigil_conn_state(). */
#define SIGIL_ST_HANDSHAKING  0x01  /* handshake not yet complete */
#define SIGIL_ST_CONNECTED    0x02  /* application data may flow */
#define SIGIL_ST_PEER_CLOSED  0x04  /* peer sent close_notify */
#define SIGIL_ST_CLOSED       0x08  /* we sent close_notify */
#define SIGIL_ST_FAILED       0x10  /* sticky error; see sigil_conn_error */
#define SIGIL_ST_WANT_SEND    0x20  /* the send buffer is not empty */
#define SIGIL_ST_APP_READY    0x40  /* application data waits to be read */
unsigned sigil_conn_state(const sigil_conn *c);

/* ------------------------------------------------------------------ */
/* Errors of a connection                                              */

sigil_error_class sigil_conn_error_class(const sigil_conn *c);
/* The alert we sent (LOCAL_ALERT, VERIFY; INTERNAL when internal_error
 * could still be sent) or received (PEER_ALERT), else -1. */
int sigil_conn_error_alert(const sigil_conn *c);
/* A sentence for a person, e.g. "certificate verify failed: certificate
 * expired on 2024-01-01T00:00:00Z (depth 0, CN=shop.example)", or "" when
 * there is no error. Valid until the connection is freed. */
const char *sigil_conn_error(const sigil_conn *c);

/* ------------------------------------------------------------------ */
/* Negotiated parameters (0 / NULL before they are known)              */

uint16_t sigil_conn_version(const sigil_conn *c);
uint16_t sigil_conn_suite(const sigil_conn *c);
uint16_t sigil_conn_group(const sigil_conn *c);
/* The scheme the server's CertificateVerify used. */
uint16_t sigil_conn_sigscheme(const sigil_conn *c);
/* Whether a HelloRetryRequest was needed. */
int sigil_conn_hrr(const sigil_conn *c);
/* The ALPN protocol agreed, or NULL. */
const char *sigil_conn_alpn(const sigil_conn *c);
/* Server: the SNI host name the client sent; client: the name it set. */
const char *sigil_conn_server_name(const sigil_conn *c);
/* Which of the config's certificate/key pairs this connection sent: its
 * index in the order they were added (0 for the first), or -1 when none
 * was sent (the handshake is not that far, a resumed session, which
 * sends no certificate, or a client that had none to send).  A server
 * learns with it which site a client reached (see
 * sigil_config_add_cert_key_pem).  Since 0.3.0 (SIGIL_0.3). */
int sigil_conn_cert_index(const sigil_conn *c);
/* The chain of that pair as it was sent, end-entity first (valid until
 * the connection is freed): *n certificates; NULL and 0 when none was
 * sent (as sigil_conn_cert_index returns -1).  Since 0.3.0 (SIGIL_0.3). */
const sigil_der *sigil_conn_own_chain(const sigil_conn *c, size_t *n);
/* The peer's certificate chain as received (valid until the connection
 * is freed): *n certificates, end-entity first; NULL and 0 when none. */
const sigil_der *sigil_conn_peer_chain(const sigil_conn *c, size_t *n);

/* The identity in the peer's end-entity certificate: the one it proved
 * it holds (CertificateVerify) and that the verifier accepted (unless the
 * config is insecure_noverify).  A server learns who a client is from it.
 * SIGIL_OK when the peer sent a certificate, else SIGIL_ERROR.
 *
 * subject is the string form of RFC 4514 section 2, with ", " (comma and
 * space) between RDNs where 4514 has ",":
 *   - the RDNs last first: -subj "/O=Example/CN=alice" is
 *     "CN=alice, O=Example"; the attributes of a multi-valued RDN in
 *     their DER order joined with "+": "CN=alice+UID=42, O=Example";
 *   - types by name (CN, SN, serialNumber, C, L, ST, street, O, OU,
 *     title, GN, initials, dnQualifier, pseudonym, emailAddress, DC, UID,
 *     businessCategory, postalCode, organizationIdentifier,
 *     jurisdictionL, jurisdictionST, jurisdictionC), others as dotted
 *     OIDs;
 *   - values as UTF-8 text, with a backslash before , + " \ < > ; and
 *     before a leading # or space and a trailing space, and control
 *     characters (U+0000-001F, U+007F-009F) as \XX per UTF-8 byte: one
 *     CN "alice, O=Example" is "CN=alice\, O=Example";
 *   - "#" and the hexadecimal (upper case) of the value's DER for a type
 *     written as an OID ("1.2.3.4=#0C03616263") and for a value whose
 *     characters sigil cannot name (a T61String, PrintableString or
 *     IA5String with a byte above 0x7F: "CN=#1404636166E9").
 * Different names give different strings, except that the string type
 * is not shown (the same characters as PrintableString or UTF8String
 * read the same), so a subject may be compared as a string, e.g.
 * against a list of allowed subjects.  Case is kept: "CN=Alice" is not
 * "CN=alice", though RFC 5280 compares them equal.
 *
 * san lists the DNS, email and IP entries ("DNS:a.example,
 * email:alice@example.com, IP:192.0.2.1"; IPv6 as 8 groups of hex) in
 * certificate order; other kinds are not shown; a comma or backslash in
 * a name gets a backslash, a control character is \XX.
 *
 * Nothing is ever cut: the built-in verifier refuses a client
 * certificate whose subject or san text is longer than 511 bytes
 * (alert unsupported_certificate), and otherwise (a server's certificate,
 * your own verifier, insecure_noverify) this function returns SIGIL_ERROR
 * for such a certificate. */
typedef struct sigil_peer_identity {
	char subject[512];      /* "CN=alice, O=Example" */
	char san[512];          /* "DNS:a.example, email:alice@example.com, IP:192.0.2.1" */
	char serial[80];        /* hexadecimal, as `sigil ca list` prints it */
	char spki_sha256[48];   /* base64 of SHA-256(SubjectPublicKeyInfo): curl's pin */
} sigil_peer_identity;
int sigil_conn_peer_identity(const sigil_conn *c, sigil_peer_identity *id) SIGIL_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* The file-descriptor layer                                           */

/* Drive the engine over a connected socket (blocking or non-blocking; the
 * caller keeps ownership of fd and closes it after sigil_conn_free). */
int sigil_io_attach(sigil_conn *c, int fd) SIGIL_MUST_CHECK;
/* Run the handshake: SIGIL_OK when complete, SIGIL_WANT_READ/WRITE on a
 * non-blocking socket that would block, SIGIL_ERROR on failure.  The last
 * bytes of the handshake (a client's Finished, a server's session
 * tickets) may still be queued when it returns: the next sigil_io_write,
 * sigil_io_read (before it waits), sigil_io_flush or sigil_io_close sends
 * them, together with the data, in one system call. */
int sigil_io_handshake(sigil_conn *c) SIGIL_MUST_CHECK;
/* Read application data: > 0 bytes, 0 when the peer closed cleanly with
 * close_notify, SIGIL_IO_WANT_READ / SIGIL_IO_WANT_WRITE on a non-blocking
 * socket that would block, or SIGIL_ERROR.  A peer that hangs up without
 * close_notify is an error (class IO): truncation is never mistaken for the
 * end of data.  Runs the handshake first when needed. */
ssize_t sigil_io_read(sigil_conn *c, void *buf, size_t len) SIGIL_MUST_CHECK;
/* Write application data: the number of bytes taken (> 0), or an I/O
 * status as for read.  It may take fewer than len, on a blocking socket
 * too (the engine takes about 64 KiB at a time, so that queued output
 * stays bounded): call again with the rest. */
ssize_t sigil_io_write(sigil_conn *c, const void *buf, size_t len) SIGIL_MUST_CHECK;
/* Send what the engine has queued: SIGIL_OK when the send buffer is empty,
 * SIGIL_WANT_WRITE when the socket would block, SIGIL_ERROR. */
int sigil_io_flush(sigil_conn *c) SIGIL_MUST_CHECK;
/* Send close_notify and flush: SIGIL_OK, SIGIL_WANT_WRITE, SIGIL_ERROR. */
int sigil_io_close(sigil_conn *c) SIGIL_MUST_CHECK;
/* The I/O status values of sigil_io_read/write when they would block. */
#define SIGIL_IO_WANT_READ  (-2)
#define SIGIL_IO_WANT_WRITE (-3)

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
