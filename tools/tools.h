/* Subcommands of the sigil CLI: one file (or folder) each, dispatched by
 * main.c, and what they share. */
#ifndef SG_TOOLS_H
#define SG_TOOLS_H

#include <stddef.h>

/*
 * Exit status of every command: one table, printed by `sigil --help`
 * (main.c) and in the README.  tests/cli/exit.sh holds all three to it.
 */
enum {
	EX_OK = 0,      /* success */
	EX_FAIL = 1,    /* the work failed for a reason below none of these */
	EX_USAGE = 2,   /* unknown or repeated option, bad value, missing argument */
	EX_CONNECT = 3, /* cannot resolve, connect, or the connection broke or timed out */
	EX_TLS = 4,     /* TLS handshake or protocol failure, an alert */
	EX_VERIFY = 5,  /* the peer's certificate was refused */
	EX_HTTP = 6,    /* HTTP status >= 400, a redirect not followed, a bad response */
	EX_FILE = 7,    /* a file named on the command line cannot be read or is not what it must be */
};

/* files.c: what a file option must hold, checked at start-up (and by
 * serve on SIGHUP).  Each returns EX_OK, or EX_FILE with one sentence in
 * err: "OPT PATH: why". */
int check_certs(const char *opt, const char *path, char *err, size_t cap);   /* FILE|DIR */
int check_crl(const char *opt, const char *path, char *err, size_t cap);
int check_key(const char *opt, const char *path, char *err, size_t cap);
/* --cert and --key: a chain, a key, and the key matching the leaf. */
int check_cert_key(const char *cert, const char *key, char *err, size_t cap);

/* sigil verify CERT.pem [--cacert FILE|DIR] [--untrusted FILE] [--host NAME|IP]
 *   [--at TIME] [--purpose server|client] [--crl FILE] [--pin sha256//...] */
int do_verify(int argc, char **argv);

/* sigil serve [--listen HOST:PORT] [--cert F --key F] [--root DIR] ... */
int do_serve(int argc, char **argv);
/* sigil get URL [--cacert FILE|DIR] [--pin ...] [-o FILE] [-v] ... */
int do_get(int argc, char **argv);
/* sigil inspect FILE|URL [--json]: see tools/inspect.c */
int do_inspect(int argc, char **argv);
/* sigil trust [--ca FILE] [--uninstall] [--dry-run]: see tools/trust.c */
int do_trust(int argc, char **argv);
/* sigil ca init|intermediate|issue|revoke|crl|list DIR ...: see tools/ca.c */
int do_ca(int argc, char **argv);

#endif
