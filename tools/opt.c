/*
 * The option parser of every sigil command: see opt.h.
 */
#include "opt.h"

#include <errno.h>
#include <fcntl.h>
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

/* The display name: "--output" or "-o" as the user typed it. */
static int set_value(struct opt_cmd *cmd, struct opt *o, const char *shown, const char *v)
{
	char buf[96];
	const char *why;
	long n;
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
	case OPT_FILE: {
		/* Opened here, so that a missing or unreadable file is
		 * reported as itself, before anything else happens; what it
		 * must hold is checked by the command (tools/files.c). */
		struct stat st;
		int fd = open(v, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			fprintf(stderr, "sigil %s: %s %s: %s\n", cmd->name, shown, v, strerror(errno));
			return EX_FILE;
		}
		int r = fstat(fd, &st);
		close(fd);
		if (r == 0 && S_ISDIR(st.st_mode) && !o->dir_ok) {
			fprintf(stderr, "sigil %s: %s %s: is a directory, not a file\n", cmd->name, shown, v);
			return EX_FILE;
		}
		if (r == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			fprintf(stderr, "sigil %s: %s %s: not a regular file\n", cmd->name, shown, v);
			return EX_FILE;
		}
		*(const char **)o->dest = v;
		return OPT_GO;
	}
	case OPT_LIST: {
		struct opt_list *l = o->dest;
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
		if (!o->def)
			continue;
		switch (o->kind) {
		case OPT_STRING:
		case OPT_ADDR:
		case OPT_FILE:
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
	return OPT_GO;
}

bool opt_given(const struct opt_cmd *cmd, const char *name)
{
	for (size_t i = 0; i < cmd->nopts; i++)
		if (strcmp(cmd->opts[i].name, name) == 0)
			return cmd->opts[i].seen > 0;
	return false;
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
