/*
 * Strict JSON (RFC 8259) into a DOM; see json.h for what "strict" means.
 * A recursive-descent parser over a bounded cursor; depth is capped so a
 * hostile file cannot exhaust the stack.
 */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

struct sg_json {
	sg_json_type type;
	/* STRING: text; NUMBER: the literal as written (for sg_json_int). */
	char *s;
	size_t slen;
	double num;
	/* ARRAY and OBJECT: n values; OBJECT also n keys. */
	sg_json **v;
	char **keys;
	size_t n;
};

typedef struct parser {
	const char *p;
	size_t n, off;
	char *err;
	size_t errlen;
	bool failed;
} parser;

static void fail(parser *ps, const char *what)
{
	if (ps->failed)
		return;
	ps->failed = true;
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "json: %s at offset %zu", what, ps->off);
}

static int peek(const parser *ps)
{
	return ps->off < ps->n ? (unsigned char)ps->p[ps->off] : -1;
}

/* RFC 8259 section 2: ws = *( %x20 / %x09 / %x0A / %x0D ) */
static void skip_ws(parser *ps)
{
	while (ps->off < ps->n) {
		char c = ps->p[ps->off];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->off++;
	}
}

static bool lit(parser *ps, const char *word)
{
	size_t l = strlen(word);
	if (ps->n - ps->off < l || memcmp(ps->p + ps->off, word, l) != 0)
		return false;
	ps->off += l;
	return true;
}

static sg_json *node(parser *ps, sg_json_type t)
{
	sg_json *v = calloc(1, sizeof(*v));
	if (!v)
		fail(ps, "out of memory");
	else
		v->type = t;
	return v;
}

/* A growable byte buffer for decoded strings. */
typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static bool buf_put(buf *b, const void *src, size_t n)
{
	if (b->cap - b->len <= n) {
		size_t nc = b->cap ? b->cap : 32;
		while (nc - b->len <= n)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np)
			return false;
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
	b->p[b->len] = 0;
	return true;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the well-formed UTF-8 sequence at p[0..n) (RFC 3629 section 4:
 * no overlongs, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_valid(const unsigned char *p, size_t n)
{
	size_t l;
	uint32_t cp, min;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) { l = 2; cp = p[0] & 0x1f; min = 0x80; }
	else if ((p[0] & 0xf0) == 0xe0) { l = 3; cp = p[0] & 0x0f; min = 0x800; }
	else if ((p[0] & 0xf8) == 0xf0) { l = 4; cp = p[0] & 0x07; min = 0x10000; }
	else return 0;
	if (n < l)
		return 0;
	for (size_t i = 1; i < l; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return l;
}

static int hex4(parser *ps, uint32_t *out)
{
	uint32_t v = 0;
	if (ps->n - ps->off < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = ps->p[ps->off + (size_t)i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
		else return -1;
	}
	ps->off += 4;
	*out = v;
	return 0;
}

/* RFC 8259 section 7.  Called with the cursor on the opening quote. */
static bool parse_string(parser *ps, char **out, size_t *outlen)
{
	buf b = { NULL, 0, 0 };
	ps->off++;
	if (!buf_put(&b, "", 0))
		goto oom;
	for (;;) {
		int c = peek(ps);
		if (c < 0) {
			fail(ps, "unterminated string");
			goto err;
		}
		if (c == '"') {
			ps->off++;
			break;
		}
		if (c < 0x20) {
			fail(ps, "control character in string");
			goto err;
		}
		if (c == '\\') {
			char e, enc[4];
			uint32_t cp;
			ps->off++;
			if ((c = peek(ps)) < 0) {
				fail(ps, "unterminated escape");
				goto err;
			}
			ps->off++;
			switch (c) {
			case '"': e = '"'; break;
			case '\\': e = '\\'; break;
			case '/': e = '/'; break;
			case 'b': e = '\b'; break;
			case 'f': e = '\f'; break;
			case 'n': e = '\n'; break;
			case 'r': e = '\r'; break;
			case 't': e = '\t'; break;
			case 'u':
				if (hex4(ps, &cp) != 0) {
					fail(ps, "bad \\u escape");
					goto err;
				}
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					fail(ps, "lone low surrogate");
					goto err;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					uint32_t lo;
					if (!lit(ps, "\\u") || hex4(ps, &lo) != 0 ||
					    lo < 0xdc00 || lo > 0xdfff) {
						fail(ps, "unpaired high surrogate");
						goto err;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				if (!buf_put(&b, enc, utf8_encode(cp, enc)))
					goto oom;
				continue;
			default:
				fail(ps, "bad escape");
				goto err;
			}
			if (!buf_put(&b, &e, 1))
				goto oom;
			continue;
		}
		size_t l = utf8_valid((const unsigned char *)ps->p + ps->off, ps->n - ps->off);
		if (!l) {
			fail(ps, "invalid UTF-8");
			goto err;
		}
		if (!buf_put(&b, ps->p + ps->off, l))
			goto oom;
		ps->off += l;
	}
	*out = b.p;
	*outlen = b.len;
	return true;
oom:
	fail(ps, "out of memory");
err:
	free(b.p);
	return false;
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static sg_json *parse_number(parser *ps)
{
	size_t start = ps->off;
	sg_json *v;
	int c;
	if (peek(ps) == '-')
		ps->off++;
	c = peek(ps);
	if (c == '0') {
		ps->off++;
	} else if (c >= '1' && c <= '9') {
		while ((c = peek(ps)) >= '0' && c <= '9')
			ps->off++;
	} else {
		fail(ps, "bad number");
		return NULL;
	}
	if (peek(ps) == '.') {
		ps->off++;
		if (!((c = peek(ps)) >= '0' && c <= '9')) {
			fail(ps, "bad fraction");
			return NULL;
		}
		while ((c = peek(ps)) >= '0' && c <= '9')
			ps->off++;
	}
	if ((c = peek(ps)) == 'e' || c == 'E') {
		ps->off++;
		if ((c = peek(ps)) == '+' || c == '-')
			ps->off++;
		if (!((c = peek(ps)) >= '0' && c <= '9')) {
			fail(ps, "bad exponent");
			return NULL;
		}
		while ((c = peek(ps)) >= '0' && c <= '9')
			ps->off++;
	}
	if (!(v = node(ps, SG_JSON_NUMBER)))
		return NULL;
	v->slen = ps->off - start;
	if (!(v->s = malloc(v->slen + 1))) {
		free(v);
		fail(ps, "out of memory");
		return NULL;
	}
	memcpy(v->s, ps->p + start, v->slen);
	v->s[v->slen] = 0;
	v->num = strtod(v->s, NULL);
	return v;
}

static sg_json *parse_value(parser *ps, unsigned depth);

static bool push(parser *ps, sg_json *parent, sg_json *child, char *key)
{
	size_t n = parent->n + 1;
	sg_json **nv = realloc(parent->v, n * sizeof(*nv));
	if (!nv)
		goto oom;
	parent->v = nv;
	if (parent->type == SG_JSON_OBJECT) {
		char **nk = realloc(parent->keys, n * sizeof(*nk));
		if (!nk)
			goto oom;
		parent->keys = nk;
		nk[parent->n] = key;
	}
	nv[parent->n] = child;
	parent->n = n;
	return true;
oom:
	fail(ps, "out of memory");
	return false;
}

static sg_json *parse_container(parser *ps, unsigned depth, bool object)
{
	sg_json *v = node(ps, object ? SG_JSON_OBJECT : SG_JSON_ARRAY);
	char close = object ? '}' : ']';
	if (!v)
		return NULL;
	if (depth >= SG_JSON_MAX_DEPTH) {
		fail(ps, "nesting too deep");
		goto err;
	}
	ps->off++;
	skip_ws(ps);
	if (peek(ps) == close) {
		ps->off++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		sg_json *child;
		skip_ws(ps);
		if (object) {
			if (peek(ps) != '"') {
				fail(ps, "expected a key");
				goto err;
			}
			if (!parse_string(ps, &key, &klen))
				goto err;
			/* Keys are looked up as C strings, so an embedded
			 * NUL would make two keys look alike. */
			if (strlen(key) != klen || sg_json_get(v, key)) {
				fail(ps, strlen(key) != klen ? "NUL in key" : "duplicate key");
				free(key);
				goto err;
			}
			skip_ws(ps);
			if (peek(ps) != ':') {
				fail(ps, "expected ':'");
				free(key);
				goto err;
			}
			ps->off++;
		}
		if (!(child = parse_value(ps, depth + 1))) {
			free(key);
			goto err;
		}
		if (!push(ps, v, child, key)) {
			free(key);
			sg_json_free(child);
			goto err;
		}
		skip_ws(ps);
		if (peek(ps) == ',') {
			ps->off++;
			continue;
		}
		if (peek(ps) == close) {
			ps->off++;
			return v;
		}
		fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto err;
	}
err:
	sg_json_free(v);
	return NULL;
}

static sg_json *parse_value(parser *ps, unsigned depth)
{
	sg_json *v;
	skip_ws(ps);
	switch (peek(ps)) {
	case '{':
		return parse_container(ps, depth, true);
	case '[':
		return parse_container(ps, depth, false);
	case '"':
		if (!(v = node(ps, SG_JSON_STRING)))
			return NULL;
		if (!parse_string(ps, &v->s, &v->slen)) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
		if (lit(ps, "true"))
			return node(ps, SG_JSON_TRUE);
		break;
	case 'f':
		if (lit(ps, "false"))
			return node(ps, SG_JSON_FALSE);
		break;
	case 'n':
		if (lit(ps, "null"))
			return node(ps, SG_JSON_NULL);
		break;
	case -1:
		fail(ps, "unexpected end of input");
		return NULL;
	default:
		return parse_number(ps);
	}
	fail(ps, "unexpected character");
	return NULL;
}

sg_json *sg_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	parser ps = { text, len, 0, err, errlen, false };
	sg_json *v;
	if (err && errlen)
		err[0] = 0;
	if (!text) {
		fail(&ps, "no input");
		return NULL;
	}
	if (!(v = parse_value(&ps, 0)))
		return NULL;
	skip_ws(&ps);
	if (ps.off != ps.n) {
		fail(&ps, "trailing characters");
		sg_json_free(v);
		return NULL;
	}
	return v;
}

sg_json *sg_json_parse_file(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = sg_test_read_file(path, &len);
	sg_json *v;
	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "json: cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	v = sg_json_parse(text, len, err, errlen);
	free(text);
	return v;
}

void sg_json_free(sg_json *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		sg_json_free(v->v[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->v);
	free(v->keys);
	free(v->s);
	free(v);
}

sg_json_type sg_json_type_of(const sg_json *v)
{
	return v ? v->type : SG_JSON_NULL;
}

const sg_json *sg_json_get(const sg_json *obj, const char *key)
{
	if (!obj || obj->type != SG_JSON_OBJECT || !key)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->v[i];
	return NULL;
}

size_t sg_json_len(const sg_json *v)
{
	return v && (v->type == SG_JSON_ARRAY || v->type == SG_JSON_OBJECT) ? v->n : 0;
}

const sg_json *sg_json_at(const sg_json *v, size_t i)
{
	return i < sg_json_len(v) ? v->v[i] : NULL;
}

const char *sg_json_key_at(const sg_json *obj, size_t i)
{
	if (!obj || obj->type != SG_JSON_OBJECT || i >= obj->n)
		return NULL;
	return obj->keys[i];
}

const char *sg_json_str(const sg_json *v, size_t *len)
{
	if (!v || v->type != SG_JSON_STRING)
		return NULL;
	if (len)
		*len = v->slen;
	return v->s;
}

bool sg_json_num(const sg_json *v, double *out)
{
	if (!v || v->type != SG_JSON_NUMBER)
		return false;
	*out = v->num;
	return true;
}

bool sg_json_int(const sg_json *v, int64_t *out)
{
	char *end;
	long long x;
	if (!v || v->type != SG_JSON_NUMBER || strpbrk(v->s, ".eE"))
		return false;
	errno = 0;
	x = strtoll(v->s, &end, 10);
	if (errno || *end)
		return false;
	*out = (int64_t)x;
	return true;
}

bool sg_json_bool(const sg_json *v, bool *out)
{
	if (!v || (v->type != SG_JSON_TRUE && v->type != SG_JSON_FALSE))
		return false;
	*out = v->type == SG_JSON_TRUE;
	return true;
}

const char *sg_json_get_str(const sg_json *obj, const char *key)
{
	return sg_json_str(sg_json_get(obj, key), NULL);
}

bool sg_json_get_int(const sg_json *obj, const char *key, int64_t *out)
{
	return sg_json_int(sg_json_get(obj, key), out);
}
