/* sigil: one program, one file per subcommand; main only dispatches. */
#include <stdio.h>
#include <string.h>

#include "tools.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "serve", do_serve, "an HTTPS server (static files or a built-in page)" },
	{ "get", do_get, "fetch an https:// URL, verifying the server" },
	{ "verify", do_verify, "check a certificate chain" },
	{ "ca", do_ca, "a certificate authority: init, issue, revoke, crl, list" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sigil COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'sigil COMMAND --help' describes each.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sigil: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
