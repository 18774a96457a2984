/*
 * The option parser of every sigil command: see opt.h.
 */
#include "opt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools.h"
#include "version.h"

int opt_usage_error(const struct opt_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sigil %s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'sigil %s --help')\n", cmd->name);
	va_end(ap);
	return EX_USAGE;
}

/* Decimal digits only (no sign, no spaces, no "0x"), within [min, max]. */
static bool parse_num(const char *s, long min, long max, long *v)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 12)
		return false;
	long x = strtol(s, NULL, 10);
	if (x < min || x > max)
		return false;
	*v = x;
	return true;
}

int opt_split_hostport(const char *s, char *host, size_t cap, int *port, const char **why)
{
	const char *colon;
	const char *hs = s, *he;
	if (*s == '[') {
		he = strchr(s, ']');
		if (!he || he[1] != ':') {
			*why = "an IPv6 address goes in brackets and is followed by :PORT, as [::1]:8443";
			return -1;
		}
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			*why = "want HOST:PORT, e.g. 127.0.0.1:8443 (0.0.0.0:8443 for every interface, [::1]:8443 for IPv6)";
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			*why = "an IPv6 address goes in brackets, as [::1]:8443";
			return -1;
		}
		he = colon;
	}
	if (he == hs) {
		*why = "the host is missing: want HOST:PORT, e.g. 127.0.0.1:8443";
		return -1;
	}
	if ((size_t)(he - hs) >= cap) {
		*why = "the host name is too long";
		return -1;
	}
	long p;
	if (!parse_num(colon + 1, 1, 65535, &p)) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	for (const char *c = hs; c < he; c++)
		if ((unsigned char)*c <= ' ' || *c == '/' || *c == '[' || *c == ']' || *c == 0x7f) {
			*why = "the host holds a character no host name has";
			return -1;
		}
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = 0;
	*port = (int)p;
	return 0;
}

static struct opt *find_long(struct opt_cmd *cmd, const char *name, size_t n)
{
	for (size_t i = 0; i < cmd->nopts; i++)
		if (strlen(cmd->opts[i].name) == n && memcmp(cmd->opts[i].name, name, n) == 0)
			return &cmd->opts[i];
	return NULL;
}

static struct opt *find_letter(struct opt_cmd *cmd, char l)
{
	for (size_t i = 0; i < cmd->nopts; i++)
		if (cmd->opts[i].letter == l)
			return &cmd->opts[i];
	return NULL;
}

/* What a kind accepts, for messages. */
static const char *form(const struct opt *o, char *buf, size_t cap)
{
	switch (o->kind) {
	case OPT_INT:
		snprintf(buf, cap, "a whole number from %ld to %ld", o->min, o->max);
		return buf;
	case OPT_PORT:
		return "a port number from 1 to 65535";
	default:
		return o->arg ? o->arg : "a value";
	}
}

/* Opened here, so that a missing or unreadable file is reported as
 * itself, before anything else happens; what it must hold is checked by
 * the command (tools/files.c). */
static int check_file(const struct opt_cmd *cmd, const struct opt *o, const char *shown, const char *v)
{
	struct stat st;
	int fd = open(v, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "sigil %s: %s %s: %s\n", cmd->name, shown, v, strerror(errno));
		return EX_FILE;
	}
	int r = fstat(fd, &st);
	close(fd);
	if (r == 0 && S_ISDIR(st.st_mode) && !(o->dir_ok && o->kind == OPT_FILE)) {
		fprintf(stderr, "sigil %s: %s %s: is a directory, not a file\n", cmd->name, shown, v);
		return EX_FILE;
	}
	if (r == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "sigil %s: %s %s: not a regular file\n", cmd->name, shown, v);
		return EX_FILE;
	}
	return OPT_GO;
}

/* The display name: "--output" or "-o" as the user typed it. */
static int set_value(struct opt_cmd *cmd, struct opt *o, const char *shown, const char *v)
{
	char buf[96];
	const char *why;
	long n;
	if (o->kind != OPT_LIST)
		o->text = o->kind == OPT_FLAG ? "1" : v;
	switch (o->kind) {
	case OPT_FLAG:
		*(int *)o->dest = 1;
		return OPT_GO;
	case OPT_STRING:
		*(const char **)o->dest = v;
		return OPT_GO;
	case OPT_INT:
	case OPT_PORT:
		if (!parse_num(v, o->kind == OPT_PORT ? 1 : o->min, o->kind == OPT_PORT ? 65535 : o->max, &n))
			return opt_usage_error(cmd, "%s: \"%s\" is not %s", shown, v, form(o, buf, sizeof buf));
		*(int *)o->dest = (int)n;
		return OPT_GO;
	case OPT_ADDR: {
		char host[256];
		int port;
		/* A port alone: say what to write rather than guess between
		 * this machine (127.0.0.1) and every interface (0.0.0.0). */
		if (*v && strspn(v, "0123456789") == strlen(v))
			return opt_usage_error(cmd, "%s %s: a port alone is not an address: give 127.0.0.1:%s for this "
					       "machine, 0.0.0.0:%s for every interface", shown, v, v, v);
		if (opt_split_hostport(v, host, sizeof host, &port, &why) < 0)
			return opt_usage_error(cmd, "%s %s: %s", shown, v, why);
		*(const char **)o->dest = v;
		return OPT_GO;
	}
	case OPT_FILE:
	case OPT_CONFIG: {
		int r = check_file(cmd, o, shown, v);
		if (r != OPT_GO)
			return r;
		*(const char **)o->dest = v;
		return OPT_GO;
	}
	case OPT_LIST: {
		struct opt_list *l = o->dest;
		int r = o->files ? check_file(cmd, o, shown, v) : OPT_GO;
		if (r != OPT_GO)
			return r;
		const char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
		if (!nv) {
			fprintf(stderr, "sigil %s: out of memory\n", cmd->name);
			return EX_FAIL;
		}
		nv[l->n++] = v;
		l->v = nv;
		return OPT_GO;
	}
	}
	return EX_FAIL;
}

static int take(struct opt_cmd *cmd, struct opt *o, const char *shown, const char *v)
{
	if (o->seen && o->kind != OPT_LIST) {
		if (o->kind == OPT_FLAG)
			return opt_usage_error(cmd, "%s is given twice", shown);
		return opt_usage_error(cmd, "%s is given twice; it takes one value", shown);
	}
	o->seen++;
	return set_value(cmd, o, shown, v);
}

static void apply_defaults(struct opt_cmd *cmd)
{
	for (size_t i = 0; i < cmd->nopts; i++) {
		struct opt *o = &cmd->opts[i];
		o->seen = 0;
		o->line = 0;
		o->text = o->kind == OPT_LIST ? NULL : o->def;
		if (!o->def)
			continue;
		switch (o->kind) {
		case OPT_STRING:
		case OPT_ADDR:
		case OPT_FILE:
		case OPT_CONFIG:
			*(const char **)o->dest = o->def;
			break;
		case OPT_INT:
		case OPT_PORT:
			*(int *)o->dest = atoi(o->def);
			break;
		default:
			break;
		}
	}
}

/* ---- the --config file (the format is in opt.h) ---- */

/* A config file is a few dozen lines; a bigger one is not one. */
#define CONFIG_MAX_SIZE (1024 * 1024)
/* Bad lines reported before the rest of the file is left unread. */
#define CONFIG_MAX_ERRORS 20
/* Longer than any option name: an unknown key is shown up to this. */
#define CONFIG_MAX_KEY 64

/* Where an option's value goes while a line overridden by the command
 * line is checked, and the storage of opt_shadow. */
union opt_slot {
	int i;
	const char *s;
	struct opt_list l;
};

/* The option of a config key: its long name without the dashes. */
static struct opt *find_key(struct opt_cmd *cmd, const char *key, size_t n)
{
	for (size_t i = 0; i < cmd->nopts; i++) {
		const char *name = cmd->opts[i].name;
		if (strncmp(name, "--", 2) == 0 && strlen(name + 2) == n && memcmp(name + 2, key, n) == 0)
			return &cmd->opts[i];
	}
	return NULL;
}

/* Edit distance (insertions, deletions, substitutions) of two short
 * strings, for "did you mean": both at most CONFIG_MAX_KEY bytes. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t row[CONFIG_MAX_KEY + 1];
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/* The long name closest to key, if a typo away (at most 2 edits, and
 * one per three letters of the key). */
static const char *nearest(const struct opt_cmd *cmd, const char *key, size_t n)
{
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < cmd->nopts && n <= CONFIG_MAX_KEY; i++) {
		const char *name = cmd->opts[i].name + 2;
		size_t len = strlen(name);
		if (len > CONFIG_MAX_KEY || cmd->opts[i].kind == OPT_CONFIG || cmd->opts[i].cmdline_only)
			continue;
		size_t d = distance(key, n, name, len);
		/* A typo, not another word: "lisen", not "foo" for "root". */
		if (d < bd && d <= n / 3) {
			bd = d;
			best = name;
		}
	}
	return best;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * One line of the file, NUL-terminated in place (the value is unquoted in
 * place too, and points into the file's text from then on).  OPT_GO, or
 * the status of the error it reported.
 */
static int config_line(struct opt_cmd *cmd, const char *path, int lineno, char *s)
{
	s += strspn(s, " \t");
	if (!*s || *s == '#')
		return OPT_GO;
	char *key = s;
	size_t klen = strcspn(s, " \t");
	char *v = s + klen;
	v += strspn(v, " \t");
	key[klen] = 0;  /* the blank after the key, or already the end */
	if (klen > 2 && key[0] == '-' && key[1] == '-')
		return opt_usage_error(cmd, "%s:%d: \"%s\": write the option without its dashes: \"%s\"", path,
				       lineno, key, key + 2);
	if (strchr(key, '='))
		return opt_usage_error(cmd, "%s:%d: \"%s\": write the name, a blank and the value, not '='", path,
				       lineno, key);
	struct opt *o = find_key(cmd, key, klen);
	if (!o) {
		const char *near = nearest(cmd, key, klen);
		if (near)
			return opt_usage_error(cmd, "%s:%d: unknown option \"%.*s\"; did you mean \"%s\"?", path,
					       lineno, CONFIG_MAX_KEY, key, near);
		return opt_usage_error(cmd, "%s:%d: unknown option \"%.*s\" (a line is an option of sigil %s "
				       "without its dashes, then its value)", path, lineno, CONFIG_MAX_KEY, key,
				       cmd->name);
	}
	if (o->kind == OPT_CONFIG || o->cmdline_only)
		return opt_usage_error(cmd, "%s:%d: %s is for the command line only, not for a config file", path,
				       lineno, key);
	/* The value: quoted, or up to a comment (a '#' after a blank). */
	char *val = NULL;
	if (*v == '"') {
		char *d = v, *q = v + 1;
		for (;; q++) {
			if (!*q)
				return opt_usage_error(cmd, "%s:%d: %s: the quote is not closed on its line", path,
						       lineno, key);
			if (*q == '"')
				break;
			if (*q == '\\') {
				if (q[1] != '"' && q[1] != '\\')
					return opt_usage_error(cmd, "%s:%d: %s: in quotes only \\\" and \\\\ are "
							       "escapes", path, lineno, key);
				q++;
			}
			*d++ = *q;
		}
		char *t = q + 1;
		t += strspn(t, " \t");
		if (*t && !(*t == '#' && blank(t[-1])))
			return opt_usage_error(cmd, "%s:%d: %s: text after the closing quote", path, lineno, key);
		*d = 0;
		val = v;
	} else if (*v && *v != '#') {
		char *e = v;
		for (; *e; e++)
			if (*e == '#') {
				if (!blank(e[-1]))
					return opt_usage_error(cmd, "%s:%d: %s: a '#' inside a value: put the value in "
							       "double quotes, or a blank before a comment", path,
							       lineno, key);
				break;
			}
		while (e > v && blank(e[-1]))
			e--;
		*e = 0;
		val = v;
	}
	char buf[96];
	if (o->kind == OPT_FLAG && val)
		return opt_usage_error(cmd, "%s:%d: %s is a flag: it takes no value (write it alone on its line)",
				       path, lineno, key);
	if (o->kind != OPT_FLAG && !val)
		return opt_usage_error(cmd, "%s:%d: %s needs a value (%s)", path, lineno, key,
				       form(o, buf, sizeof buf));
	if (o->kind != OPT_LIST && o->line)
		return opt_usage_error(cmd, "%s:%d: %s is given twice (first on line %d); it takes one value", path,
				       lineno, key, o->line);
	o->line = lineno;
	char shown[PATH_MAX + CONFIG_MAX_KEY + 32];
	snprintf(shown, sizeof shown, "%s:%d: %s", path, lineno, key);
	if (o->kind != OPT_LIST && o->seen) {
		/* The command line wins; the line is checked all the same. */
		struct opt tmp = *o;
		union opt_slot scratch;
		tmp.dest = &scratch;
		return set_value(cmd, &tmp, shown, val);
	}
	return set_value(cmd, o, shown, val);
}

/*
 * The file of the OPT_CONFIG option c, after the command line: every
 * line, each bad one reported.  The file's values of repeatable options
 * go before the command line's.  OPT_GO, or the status of the first
 * error.
 */
static int read_config(struct opt_cmd *cmd, struct opt *c)
{
	const char *path = *(const char **)c->dest;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "sigil %s: %s %s: %s\n", cmd->name, c->name, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EX_FILE;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_SIZE) {
		fprintf(stderr, "sigil %s: %s %s: %s\n", cmd->name, c->name, path,
			S_ISREG(st.st_mode) ? "over 1 MiB: not a config file" : "not a regular file");
		close(fd);
		return EX_FILE;
	}
	char *text = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	while (text && n < (size_t)st.st_size) {
		ssize_t r = read(fd, text + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "sigil %s: %s %s: %s\n", cmd->name, c->name, path, strerror(errno));
			close(fd);
			free(text);
			return EX_FILE;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!text) {
		fprintf(stderr, "sigil %s: out of memory\n", cmd->name);
		return EX_FAIL;
	}
	text[n] = 0;
	const char *nul = memchr(text, 0, n);
	if (nul) {
		int at = 1;
		for (const char *p = text; p < nul; p++)
			at += *p == '\n';
		fprintf(stderr, "sigil %s: %s:%d: a NUL byte: not a text file\n", cmd->name, path, at);
		free(text);
		return EX_FILE;
	}
	struct opt_list *later = calloc(cmd->nopts ? cmd->nopts : 1, sizeof *later);
	if (!later) {
		free(text);
		fprintf(stderr, "sigil %s: out of memory\n", cmd->name);
		return EX_FAIL;
	}
	for (size_t i = 0; i < cmd->nopts; i++)
		if (cmd->opts[i].kind == OPT_LIST) {
			struct opt_list *l = cmd->opts[i].dest;
			later[i] = *l;
			l->v = NULL;
			l->n = 0;
		}
	free(c->config_text);
	c->config_text = text;
	int status = OPT_GO, nerr = 0, lineno = 1;
	char *p = text, *end = text + n;
	/* The byte-order mark some editors write is no part of line 1. */
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end && nerr < CONFIG_MAX_ERRORS; lineno++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *next = nl ? nl + 1 : end;
		if (nl)
			*nl = 0;
		/* CRLF files work too. */
		if (nl && nl > p && nl[-1] == '\r')
			nl[-1] = 0;
		int r = config_line(cmd, path, lineno, p);
		if (r != OPT_GO) {
			if (status == OPT_GO)
				status = r;
			nerr++;
		}
		p = next;
	}
	if (p < end)
		fprintf(stderr, "sigil %s: %s: %d errors; the lines after %d are not checked\n", cmd->name, path,
			nerr, lineno - 1);
	for (size_t i = 0; i < cmd->nopts; i++) {
		if (cmd->opts[i].kind != OPT_LIST)
			continue;
		struct opt_list *l = cmd->opts[i].dest;
		for (size_t k = 0; k < later[i].n && status == OPT_GO; k++) {
			const char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
			if (!nv) {
				fprintf(stderr, "sigil %s: out of memory\n", cmd->name);
				status = EX_FAIL;
				break;
			}
			nv[l->n++] = later[i].v[k];
			l->v = nv;
		}
		free(later[i].v);
	}
	free(later);
	return status;
}

int opt_parse(struct opt_cmd *cmd, int argc, char **argv, char **pos, int *npos)
{
	*npos = 0;
	apply_defaults(cmd);
	bool options = true;
	/* --help and --version win over everything else on the line, so
	 * that "sigil get URL --bogus --help" still helps. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			opt_help(cmd, stdout);
			return EX_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("sigil %s\n", SIGIL_TOOLS_VERSION);
			return EX_OK;
		}
		/* Hidden: the options as roff, for man/gen.sh. */
		if (strcmp(argv[i], "--help-man") == 0) {
			opt_man(cmd, stdout);
			return EX_OK;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!options || a[0] != '-' || a[1] == 0) {
			if (cmd->max_pos >= 0 && *npos >= cmd->max_pos)
				return opt_usage_error(cmd, cmd->max_pos == 0 ? "\"%s\": this command takes no argument"
									      : "\"%s\": one argument too many", a);
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);
			struct opt *o = find_long(cmd, a, n);
			if (!o)
				return opt_usage_error(cmd, "unknown option \"%.*s\"", (int)n, a);
			char shown[64];
			snprintf(shown, sizeof shown, "%.*s", (int)n, a);
			const char *v = NULL;
			if (o->kind == OPT_FLAG) {
				if (eq)
					return opt_usage_error(cmd, "%s takes no value", shown);
			} else if (eq) {
				v = eq + 1;
			} else if (i + 1 < argc) {
				v = argv[++i];
			} else {
				char buf[96];
				return opt_usage_error(cmd, "%s needs a value (%s)", shown, form(o, buf, sizeof buf));
			}
			int r = take(cmd, o, shown, v);
			if (r != OPT_GO)
				return r;
			continue;
		}
		/* -x, -xVALUE, -x VALUE, or bundled flags -vL. */
		for (const char *p = a + 1; *p; p++) {
			struct opt *o = find_letter(cmd, *p);
			char shown[3] = { '-', *p, 0 };
			if (!o)
				return opt_usage_error(cmd, "unknown option \"-%c\"%s", *p,
						       p == a + 1 && a[2] ? " (long options take two dashes)" : "");
			if (o->kind == OPT_FLAG) {
				int r = take(cmd, o, shown, NULL);
				if (r != OPT_GO)
					return r;
				continue;
			}
			const char *v = p[1] ? p + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!v) {
				char buf[96];
				return opt_usage_error(cmd, "%s needs a value (%s)", shown, form(o, buf, sizeof buf));
			}
			int r = take(cmd, o, shown, v);
			if (r != OPT_GO)
				return r;
			break;
		}
	}
	if (*npos < cmd->min_pos)
		return opt_usage_error(cmd, "an argument is missing: sigil %s %s", cmd->name, cmd->synopsis);
	for (size_t i = 0; i < cmd->nopts; i++)
		if (cmd->opts[i].kind == OPT_CONFIG && cmd->opts[i].seen) {
			int r = read_config(cmd, &cmd->opts[i]);
			if (r != OPT_GO) {
				/* Nothing of a bad file is used: its text goes. */
				opt_release(cmd);
				return r;
			}
		}
	return OPT_GO;
}

static const struct opt *by_name(const struct opt_cmd *cmd, const char *name)
{
	for (size_t i = 0; i < cmd->nopts; i++)
		if (strcmp(cmd->opts[i].name, name) == 0)
			return &cmd->opts[i];
	return NULL;
}

bool opt_given(const struct opt_cmd *cmd, const char *name)
{
	const struct opt *o = by_name(cmd, name);
	return o && (o->seen > 0 || o->line > 0);
}

bool opt_on_cmdline(const struct opt_cmd *cmd, const char *name)
{
	const struct opt *o = by_name(cmd, name);
	return o && o->seen > 0;
}

const char *opt_text(const struct opt_cmd *cmd, const char *name)
{
	const struct opt *o = by_name(cmd, name);
	return o ? o->text : NULL;
}

void opt_release(struct opt_cmd *cmd)
{
	for (size_t i = 0; i < cmd->nopts; i++) {
		free(cmd->opts[i].config_text);
		cmd->opts[i].config_text = NULL;
	}
}

/* opt_shadow's block: the command first, so that its address is the
 * block's. */
struct shadow {
	struct opt_cmd cmd;
	struct opt *opts;
	union opt_slot *slots;
};

struct opt_cmd *opt_shadow(const struct opt_cmd *cmd)
{
	size_t n = cmd->nopts ? cmd->nopts : 1;
	struct shadow *sh = malloc(sizeof *sh);
	struct opt *opts = calloc(n, sizeof *opts);
	union opt_slot *slots = calloc(n, sizeof *slots);
	if (!sh || !opts || !slots) {
		free(sh);
		free(opts);
		free(slots);
		return NULL;
	}
	sh->cmd = *cmd;
	sh->cmd.opts = sh->opts = opts;
	sh->slots = slots;
	for (size_t i = 0; i < cmd->nopts; i++) {
		opts[i] = cmd->opts[i];
		opts[i].dest = &slots[i];
		opts[i].config_text = NULL;
	}
	return &sh->cmd;
}

void opt_shadow_free(struct opt_cmd *c)
{
	if (!c)
		return;
	struct shadow *sh = (struct shadow *)c;
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].kind == OPT_LIST)
			free(sh->slots[i].l.v);
	opt_release(c);
	free(sh->slots);
	free(sh->opts);
	free(sh);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool opt_same(const struct opt_cmd *a, const struct opt_cmd *b, const char *name)
{
	const struct opt *x = by_name(a, name), *y = by_name(b, name);
	if (!x || !y)
		return x == y;
	if (x->kind != OPT_LIST)
		return same_str(x->text, y->text);
	const struct opt_list *l = x->dest, *m = y->dest;
	if (l->n != m->n)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (!same_str(l->v[i], m->v[i]))
			return false;
	return true;
}

/* text, wrapped at 79 columns, every line after the first indented by col. */
static void wrap(FILE *f, const char *text, int at, int col)
{
	const char *p = text;
	while (*p) {
		int room = 79 - at;
		size_t n = strlen(p);
		const char *nl = strchr(p, '\n');
		if (nl && (size_t)(nl - p) <= (size_t)room)
			n = (size_t)(nl - p);
		else if (n > (size_t)room) {
			size_t k = (size_t)room;
			while (k > 0 && p[k] != ' ')
				k--;
			n = k ? k : (size_t)room;
		}
		size_t shown_n = n;
		while (shown_n && p[shown_n - 1] == ' ')
			shown_n--;
		for (size_t k = 0; k < shown_n; k++)
			fputc(p[k] == '\x01' ? ' ' : p[k], f);
		fputc('\n', f);
		p += n;
		while (*p == ' ' || *p == '\n')
			p++;
		if (*p)
			fprintf(f, "%*s", col, "");
		at = col;
	}
}

void opt_help(const struct opt_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: sigil %s %s\n", cmd->name, cmd->synopsis);
	if (cmd->about) {
		fputc('\n', f);
		wrap(f, cmd->about, 0, 0);
	}
	fprintf(f, "\noptions:\n");
	for (size_t i = 0; i <= cmd->nopts + 1; i++) {
		const struct opt *o = i < cmd->nopts ? &cmd->opts[i] : NULL;
		char left[96], help[600];
		const char *name = o ? o->name : i == cmd->nopts ? "--help" : "--version";
		char letter = o ? o->letter : i == cmd->nopts ? 'h' : 0;
		const char *arg = o && o->kind != OPT_FLAG ? (o->arg ? o->arg : "VALUE") : NULL;
		char sh[5] = "";
		if (letter)
			snprintf(sh, sizeof sh, "-%c, ", letter);
		int n = snprintf(left, sizeof left, "  %s%s%s%s", sh, name, arg ? " " : "", arg ? arg : "");
		if (!o)
			snprintf(help, sizeof help, "%s", i == cmd->nopts ? "show this help and exit"
									  : "show the version and exit");
		else if (o->def && !strstr(o->help, "default"))
			/* \x01: a space wrap() does not break at. */
			snprintf(help, sizeof help, "%s (default\x01%s)%s", o->help, o->def,
				 o->kind == OPT_LIST ? "; repeatable" : "");
		else
			snprintf(help, sizeof help, "%s%s", o->help, o->kind == OPT_LIST ? " (repeatable)" : "");
		fputs(left, f);
		int col = 30;
		if (n >= col - 1) {
			fprintf(f, "\n%*s", col, "");
		} else {
			fprintf(f, "%*s", col - n, "");
		}
		wrap(f, help, col, col);
	}
	if (cmd->notes) {
		fputc('\n', f);
		wrap(f, cmd->notes, 0, 0);
	}
	fprintf(f, "\nexit status: see 'sigil --help'.\n");
}

/* ---- man pages: the same table as roff (man(7)) ---- */

void opt_roff(FILE *f, const char *s)
{
	/* A '-' that starts a word or continues an option's name is a
	 * minus (\-), so that "--client-ca" copied from the page is the
	 * option; other hyphens ("comma-separated") stay hyphens. */
	bool start = true, in_opt = false;
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		char c = *s;
		if (c == '\\') {
			fputs("\\e", f);
		} else if (c == '-' && (start || in_opt)) {
			fputs("\\-", f);
			in_opt = true;
		} else {
			fputc(c == '\x01' ? ' ' : c, f);
			if (c == '\n' && (s[1] == '.' || s[1] == '\''))
				fputs("\\&", f);
			in_opt = in_opt && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
		}
		start = c == ' ' || c == '\n' || c == '(' || c == '[' || c == '|' || c == '\'' || c == '"';
	}
}

/* One .TP paragraph: the tag (bold option, italic value), then the text. */
static void man_entry(FILE *f, char letter, const char *name, const char *arg, const char *help,
		      const char *def, bool list, bool cmdline_only)
{
	fputs(".TP\n", f);
	if (letter)
		fprintf(f, "\\fB\\-%c\\fR, ", letter);
	fputs("\\fB", f);
	opt_roff(f, name);
	fputs("\\fR", f);
	if (arg) {
		fputs(" \\fI", f);
		opt_roff(f, arg);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	opt_roff(f, help);
	if (def && !strstr(help, "default")) {
		fputs(" (default: \\fB", f);
		opt_roff(f, def);
		fputs("\\fR)", f);
	}
	bool suffix = def && !strstr(help, "default");
	if (list)
		fputs(" (repeatable)", f);
	if (cmdline_only)
		fputs(" (command line only)", f);
	suffix = suffix || list || cmdline_only;
	fputs(suffix || !*help || help[strlen(help) - 1] != '.' ? ".\n" : "\n", f);
}

void opt_man(const struct opt_cmd *cmd, FILE *f)
{
	fprintf(f, ".\\\" The options of sigil %s, from its option table (sigil %s --help-man).\n", cmd->name,
		cmd->name);
	for (size_t i = 0; i < cmd->nopts; i++) {
		const struct opt *o = &cmd->opts[i];
		man_entry(f, o->letter, o->name, o->kind == OPT_FLAG ? NULL : o->arg ? o->arg : "VALUE", o->help,
			  o->def, o->kind == OPT_LIST, o->cmdline_only || o->kind == OPT_CONFIG);
	}
	man_entry(f, 'h', "--help", NULL, "show the help (every option with its default) and exit", NULL, false,
		  false);
	man_entry(f, 0, "--version", NULL, "show the version and exit", NULL, false, false);
}
