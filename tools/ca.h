/*
 * The certificate authority behind `sigil ca`, callable from other tools
 * (e.g. `sigil serve` creating a development CA on first use).
 *
 * A CA lives in a directory: ca.key (0600), ca.crt (its certificate),
 * chain.crt (the intermediates a leaf should be sent with: empty for a
 * root), root.crt (the trust anchor to give clients) and ca.db (SQLite:
 * the CA, every certificate issued, revocations, CRL numbers).  Every
 * function returns 0 on success and -1 with a sentence in err; on failure
 * nothing on disk has changed.  They print nothing.  Safe to call from
 * several processes at once on the same directory (an exclusive lock on
 * the directory plus SQLite BEGIN IMMEDIATE transactions serialize
 * writers).
 */
#ifndef SG_TOOLS_CA_H
#define SG_TOOLS_CA_H

#include <stddef.h>

/* A new root CA in dir (created if missing; refused if it already holds a
 * CA). key_type: "ec-p256" (NULL = default), "ec-p384", "ed25519",
 * "rsa-2048", "rsa-3072", "rsa-4096". days <= 0: 3650. */
int sg_ca_init(const char *dir, const char *name, const char *key_type, int days,
	       char *err, size_t errlen);

/* Issues a TLS server certificate for names (DNS names, "*.wildcards",
 * IP literals; the first is also the subject CN) with a new ec-p256 key:
 * writes prefix.key (0600) and prefix.crt (leaf then intermediates),
 * replacing them if they exist. serial (may be NULL) gets the serial
 * number in hex. days <= 0: 365. */
int sg_ca_issue_server(const char *dir, const char *const *names, size_t n, int days,
		       const char *prefix, char *serial, size_t scap,
		       char *err, size_t errlen);

/*
 * The development set-up of `sigil serve`: creates $home/ca (a root named
 * "sigil development CA", ec-p256) on first use, and issues, or reuses
 * while it is valid for more than 7 more days and matches its key, a
 * server certificate for DNS:localhost, IP:127.0.0.1 and IP:::1 at
 * $home/ca/localhost.crt with its key at $home/ca/localhost.key.  Returns
 * the paths: ca_cert_path (the root to trust, cap bytes), cert_path and
 * key_path (pcap bytes each).
 */
int sg_ca_ensure_dev(const char *home, char *ca_cert_path, size_t cap,
		     char *cert_path, char *key_path, size_t pcap,
		     char *err, size_t errlen);

#endif
