/*
 * A small, strict JSON parser (RFC 8259) for test vectors: it builds an
 * immutable DOM in memory.  Test-support code, not part of libsigil.
 *
 * Strict means: one value with optional white space around it, no
 * comments, no trailing commas, no leading zeros, no NaN/Infinity, no raw
 * control characters or invalid UTF-8 in strings, \u escapes with proper
 * surrogate pairs only, no duplicate keys in an object, nesting at most
 * SG_JSON_MAX_DEPTH deep.
 *
 * Ownership: sg_json_parse returns a tree the caller frees with
 * sg_json_free (the root only).  Every pointer obtained from the tree
 * (values, strings, keys) is owned by the tree and lives until then.
 * Accessors accept NULL and a value of the wrong type and then return
 * NULL / 0 / false, so lookups chain without checks in between:
 *     sg_json_str(sg_json_get(sg_json_at(tests, i), "msg"))
 */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_JSON_MAX_DEPTH 256

typedef enum sg_json_type {
	SG_JSON_NULL,
	SG_JSON_FALSE,
	SG_JSON_TRUE,
	SG_JSON_NUMBER,
	SG_JSON_STRING,
	SG_JSON_ARRAY,
	SG_JSON_OBJECT,
} sg_json_type;

typedef struct sg_json sg_json;

/* Parses text[0..len) (need not be NUL-terminated).  On failure returns
 * NULL and, if err is not NULL, writes a message with the byte offset into
 * err[errlen]. */
sg_json *sg_json_parse(const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a whole file; NULL if unreadable or invalid. */
sg_json *sg_json_parse_file(const char *path, char *err, size_t errlen);
void sg_json_free(sg_json *v);

/* The type of v; SG_JSON_NULL for a NULL v. */
sg_json_type sg_json_type_of(const sg_json *v);

/* Objects: the member named key (exact, byte-wise), or NULL. */
const sg_json *sg_json_get(const sg_json *obj, const char *key);
/* Arrays and objects: number of elements / members (0 for others). */
size_t sg_json_len(const sg_json *v);
/* Arrays: element i; objects: the value of member i (in document
 * order); NULL when out of range or another type. */
const sg_json *sg_json_at(const sg_json *v, size_t i);
/* Objects: the key of member i (NUL-terminated), or NULL. */
const char *sg_json_key_at(const sg_json *obj, size_t i);

/* Strings: the decoded UTF-8 text, NUL-terminated, or NULL for a
 * non-string.  A string may contain U+0000; *len (if not NULL) gives the
 * exact byte length. */
const char *sg_json_str(const sg_json *v, size_t *len);
/* Numbers: the value as a double (false for non-numbers). */
bool sg_json_num(const sg_json *v, double *out);
/* Numbers that are integers within int64 range, written without fraction
 * or exponent: the exact value (false otherwise). */
bool sg_json_int(const sg_json *v, int64_t *out);
/* true/false values (false return for other types). */
bool sg_json_bool(const sg_json *v, bool *out);

/* Shorthands: sg_json_str(sg_json_get(obj, key), NULL) etc. */
const char *sg_json_get_str(const sg_json *obj, const char *key);
bool sg_json_get_int(const sg_json *obj, const char *key, int64_t *out);

#endif
