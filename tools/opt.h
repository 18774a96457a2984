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
 *   - answers --help (every option with its default) and --version, and
 *     the hidden --help-man (the options as roff, for man/gen.sh: the
 *     man pages are made from the same table, so they cannot drift),
 *   - reads the file of an OPT_CONFIG option (--config FILE) after the
 *     command line: the same options, one "name value" a line (below).
 * The positional arguments are left in pos[].
 *
 * The --config file, for any command whose table has an OPT_CONFIG entry:
 *   - one option a line: its long name without the dashes, then blanks,
 *     then the value ("listen 0.0.0.0:443"); a flag stands alone on its
 *     line ("require-client-cert"); blank lines are ignored;
 *   - '#' starts a comment at the start of a line or after a blank; a
 *     '#' inside an unquoted value is refused rather than taken as either
 *     (no silent cut).  A value that holds '#', starts with '"' or begins
 *     or ends with a blank is written in double quotes, in which \" and
 *     \\ are the only escapes: root "/srv/site #2";
 *   - the same names, kinds and checks as on the command line; each bad
 *     line is reported as FILE:LINE with the option's accepted form (all
 *     of them, not only the first), exit 2 (7 for a file it names that
 *     cannot be read, as on the command line);
 *   - an option given on the command line wins over the file's for
 *     single-valued options (the file's line is still checked);
 *     repeatable ones are combined, the file's values first;
 *   - the config option itself and options marked cmdline_only (such as
 *     serve's --check) cannot be set in the file.
 * Values are taken as they are, as on the command line: a relative path
 * is relative to the working directory, not to the file.
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
	OPT_CONFIG,     /* a file of more options, read after the command line
			 * (see above); as OPT_FILE, *(const char **)dest */
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
	bool files;             /* OPT_LIST: each value is checked as OPT_FILE's */
	bool cmdline_only;      /* refused in a --config file */
	/* Set by the parser: how often the command line gave it, the line of
	 * the --config file that did (0: none), and the value as given (the
	 * default, or NULL; "1" for a flag given; not for OPT_LIST). */
	int seen;
	int line;
	const char *text;
	/* OPT_CONFIG: the file's text, which the values read from it point
	 * into; the parser's, freed by opt_release. */
	char *config_text;
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
 * refused): whether it was given on the command line or in the --config
 * file; opt_on_cmdline: on the command line. */
bool opt_given(const struct opt_cmd *cmd, const char *name);
bool opt_on_cmdline(const struct opt_cmd *cmd, const char *name);

/* The value of a single-valued option as parsed (struct opt's text). */
const char *opt_text(const struct opt_cmd *cmd, const char *name);

/*
 * A copy of cmd whose options write into storage of its own, not into the
 * command's variables: opt_parse on it re-reads a command line and its
 * --config file without touching what the running command uses (serve's
 * SIGHUP).  NULL when out of memory.  opt_same compares an option's
 * parsed value in two tables of the same command.  opt_shadow_free
 * releases the copy and everything its parse allocated.
 */
struct opt_cmd *opt_shadow(const struct opt_cmd *cmd);
bool opt_same(const struct opt_cmd *a, const struct opt_cmd *b, const char *name);
void opt_shadow_free(struct opt_cmd *shadow);

/* What opt_parse allocated for cmd (the --config text the values point
 * into): call when the values are no longer used.  Lists stay the
 * command's to free. */
void opt_release(struct opt_cmd *cmd);
/* On a command's table variable: opt_release when it goes out of scope,
 * on every return path (GCC and clang). */
#define OPT_AUTO_RELEASE __attribute__((cleanup(opt_release)))

/* The options as man(7) paragraphs (.TP), what --help-man prints; and
 * text escaped for roff (a leading '.', backslashes, '-' of options). */
void opt_man(const struct opt_cmd *cmd, FILE *f);
void opt_roff(FILE *f, const char *text);

/*
 * HOST:PORT as --listen, --resolve and --connect-to take it: an IPv4
 * address or a host name, or an IPv6 address in brackets, then ':' and a
 * port 1..65535.  host gets the host without brackets (cap bytes), *port
 * the number.  0, or -1 with a sentence in why (static text).
 */
int opt_split_hostport(const char *s, char *host, size_t cap, int *port, const char **why);

#endif
