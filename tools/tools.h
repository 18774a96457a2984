/* Subcommands of the sigil CLI: one file (or folder) each, dispatched by
 * main.c, and what they share. */
#ifndef SG_TOOLS_H
#define SG_TOOLS_H

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

/* files.c: what a file option must hold, checked at start-up.  Each
 * prints "sigil CMD: OPT PATH: why" and returns EX_FILE, or EX_OK. */
int check_certs(const char *cmd, const char *opt, const char *path);   /* FILE|DIR */
int check_crl(const char *cmd, const char *opt, const char *path);
int check_key(const char *cmd, const char *opt, const char *path);
/* --cert and --key: a chain, a key, and the key matching the leaf. */
int check_cert_key(const char *cmd, const char *cert, const char *key);

/* sigil verify CERT.pem [--cacert FILE|DIR] [--untrusted FILE] [--host NAME|IP]
 *   [--at TIME] [--purpose server|client] [--crl FILE] [--pin sha256//...] */
int do_verify(int argc, char **argv);

/* sigil serve [--listen HOST:PORT] [--cert F --key F] [--root DIR] ... */
int do_serve(int argc, char **argv);
/* sigil get URL [--cacert FILE|DIR] [--pin ...] [-o FILE] [-v] ... */
int do_get(int argc, char **argv);
/* sigil ca init|intermediate|issue|revoke|crl|list DIR ...: see tools/ca.c */
int do_ca(int argc, char **argv);

#endif
