/* sigil: one program, one file (or folder) per subcommand; main only
 * dispatches, and holds the table of exit statuses that --help prints. */
#include <stdio.h>
#include <string.h>

#include "tools.h"
#include "version.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "serve", do_serve, "an HTTPS server (static files or a built-in page)" },
	{ "get", do_get, "fetch an https:// URL, verifying the server" },
	{ "verify", do_verify, "check a certificate chain" },
	{ "inspect", do_inspect, "show what a certificate, chain, CSR, CRL, key or https:// server holds" },
	{ "ca", do_ca, "a certificate authority: init, issue, revoke, crl, list" },
	{ "trust", do_trust, "trust a CA in the system store and the browsers' NSS databases" },
};

/* The exit statuses of every command (tools.h); the README has the same
 * table and tests/cli/exit.sh compares them. */
static const struct {
	int code;
	const char *text;
} exits[] = {
	{ EX_OK, "success (verify: the chain is valid)" },
	{ EX_FAIL, "failure: verify found the chain not valid, ca refused, serve could not start" },
	{ EX_USAGE, "usage: unknown or repeated option, bad value, missing argument" },
	{ EX_CONNECT, "connection: cannot resolve or connect, refused, reset, timed out" },
	{ EX_TLS, "TLS: handshake or protocol failure, an alert from the peer" },
	{ EX_VERIFY, "certificate verification: unknown CA, wrong name, expired, revoked, pin" },
	{ EX_HTTP, "HTTP: status >= 400, a redirect not followed, a bad response" },
	{ EX_FILE, "local file: a file named on the command line cannot be read or is not what it must be" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sigil COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'sigil COMMAND --help' lists every option of a command; --version the version.\n"
		   "\nexit status:\n");
	for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++)
		fprintf(f, "  %d  %s\n", exits[i].code, exits[i].text);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sigil %s\n", SIGIL_TOOLS_VERSION);
		return EX_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sigil: unknown command \"%s\" (see 'sigil --help')\n", argv[1]);
	return EX_USAGE;
}
