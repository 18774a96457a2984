/*
 * The one option parser of every sigil command.
 *
 * A command describes its options in a table (struct opt): name, short
 * letter, kind, the default, a line of help and where the value goes.
 * opt_parse then
 *   - applies the defaults of the table (so --help shows what is used),
 *   - takes "--name VALUE", "--name=VALUE", "-x VALUE", "-xVALUE" and
 *     bundled flags ("-vL"); "--" ends the options,
 *   - checks each value by its kind (a number in range, a port, an
 *     address, a file that can be opened) and names the option and the
 *     accepted form when it is wrong,
 *   - refuses unknown options and a second value for a single-valued one,
 *   - answers --help (every option with its default) and --version.
 * The positional arguments are left in pos[].
 */
#ifndef SG_TOOLS_OPT_H
#define SG_TOOLS_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG,       /* no value; *(int *)dest = 1 */
	OPT_STRING,     /* *(const char **)dest */
	OPT_INT,        /* a decimal number in [min, max]; *(int *)dest */
	OPT_PORT,       /* 1..65535; *(int *)dest */
	OPT_ADDR,       /* HOST:PORT or [IPv6]:PORT; *(const char **)dest */
	OPT_FILE,       /* a file that can be opened for reading; *(const char **)dest */
	OPT_LIST,       /* repeatable string; struct opt_list *dest */
};

struct opt_list {
	const char **v;
	size_t n;
};

struct opt {
	const char *name;       /* "--listen" */
	char letter;            /* 'v' for -v, or 0 */
	enum opt_kind kind;
	const char *arg;        /* the value's name in the help: "HOST:PORT" */
	const char *def;        /* default, applied before parsing; NULL: none */
	const char *help;       /* one sentence; it may say "(default: ...)" itself */
	void *dest;
	long min, max;          /* OPT_INT */
	bool dir_ok;            /* OPT_FILE: a directory is fine too */
	int seen;               /* set by the parser */
};

/* A table entry: OPTION(name, letter, kind, arg, def, help, dest[, min,
 * max[, dir_ok]]); the fields not given are zero. */
#define OPTION(...) { __VA_ARGS__, .seen = 0 }

struct opt_cmd {
	const char *name;       /* "serve", "ca issue": messages say "sigil NAME: " */
	const char *synopsis;   /* after "usage: sigil NAME " */
	const char *about;      /* one paragraph before the options, or NULL */
	const char *notes;      /* text after the options, or NULL */
	struct opt *opts;
	size_t nopts;
	int min_pos, max_pos;   /* positional arguments allowed (max -1: any) */
};

/* opt_parse's "go on": anything else is the exit status to return now
 * (0 after --help or --version, 2 usage, 7 a file option that cannot be
 * opened), the message already printed. */
#define OPT_GO (-1)

int opt_parse(struct opt_cmd *cmd, int argc, char **argv, char **pos, int *npos);

/* The help of a command, as --help prints it. */
void opt_help(const struct opt_cmd *cmd, FILE *f);

/* "sigil NAME: MESSAGE (see 'sigil NAME --help')" on stderr; returns 2. */
int opt_usage_error(const struct opt_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An option by name, for checks after parsing ("given twice" is already
 * refused): whether it was given on the command line. */
bool opt_given(const struct opt_cmd *cmd, const char *name);

/*
 * HOST:PORT as --listen, --resolve and --connect-to take it: an IPv4
 * address or a host name, or an IPv6 address in brackets, then ':' and a
 * port 1..65535.  host gets the host without brackets (cap bytes), *port
 * the number.  0, or -1 with a sentence in why (static text).
 */
int opt_split_hostport(const char *s, char *host, size_t cap, int *port, const char **why);

#endif
