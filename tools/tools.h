/* Subcommands of the sigil CLI: one file each, dispatched by main.c. */
#ifndef SG_TOOLS_H
#define SG_TOOLS_H

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
