/*
 * Strict DER reader (X.690 §10) and PEM decoder (RFC 7468) over sg_rd.
 *
 * Every getter reads one TLV from the front of a cursor and either
 * succeeds, advancing the cursor, or fails leaving the cursor untouched.
 * Only single-byte tags are accepted (certificates never need the
 * high-tag-number form); lengths must be definite, minimally encoded and
 * fit in what remains.  Sub-cursors point into the caller's bytes: nothing
 * here copies or allocates, except the PEM decoder, which writes into an
 * sg_wr the caller owns.
 */
#ifndef SG_DER_H
#define SG_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes/bytes.h"

/* Universal tags, with the constructed bit where DER requires it. */
#define SG_DER_BOOLEAN          0x01
#define SG_DER_INTEGER          0x02
#define SG_DER_BIT_STRING       0x03
#define SG_DER_OCTET_STRING     0x04
#define SG_DER_NULL             0x05
#define SG_DER_OID              0x06
#define SG_DER_ENUMERATED       0x0a
#define SG_DER_UTF8_STRING      0x0c
#define SG_DER_PRINTABLE_STRING 0x13
#define SG_DER_T61_STRING       0x14
#define SG_DER_IA5_STRING       0x16
#define SG_DER_UTC_TIME         0x17
#define SG_DER_GENERALIZED_TIME 0x18
#define SG_DER_VISIBLE_STRING   0x1a
#define SG_DER_UNIVERSAL_STRING 0x1c
#define SG_DER_BMP_STRING       0x1e
#define SG_DER_SEQUENCE         0x30
#define SG_DER_SET              0x31
/* Context-specific [n], primitive and constructed. */
#define SG_DER_CTX(n)           ((uint8_t)(0x80 | (n)))
#define SG_DER_CTX_CONS(n)      ((uint8_t)(0xa0 | (n)))

/* Reads one TLV whose tag is exactly `tag`; content gets the value. */
bool sg_der_get(sg_rd *r, uint8_t tag, sg_rd *content) SG_MUST_CHECK;
/* The tag of the next TLV without consuming it; false at end of input or
 * on a multi-byte tag. */
bool sg_der_peek_tag(const sg_rd *r, uint8_t *tag) SG_MUST_CHECK;
/* Reads any TLV. whole (may be NULL) gets the full TLV, tag and length
 * included; content (may be NULL) the value. */
bool sg_der_get_any(sg_rd *r, uint8_t *tag, sg_rd *content, sg_rd *whole) SG_MUST_CHECK;
/* Like sg_der_get_any but the TLV must have tag `tag`. */
bool sg_der_get_whole(sg_rd *r, uint8_t tag, sg_rd *whole) SG_MUST_CHECK;
/* Reads the TLV if the next tag is `tag`; *present says whether it was.
 * False only on malformed input. */
bool sg_der_get_optional(sg_rd *r, uint8_t tag, sg_rd *content, bool *present) SG_MUST_CHECK;

/* INTEGER with a minimal two's-complement encoding; content bytes (the
 * sign byte included). */
bool sg_der_get_integer(sg_rd *r, sg_rd *content) SG_MUST_CHECK;
/* Non-negative INTEGER that fits in 64 bits. */
bool sg_der_get_u64(sg_rd *r, uint64_t *v) SG_MUST_CHECK;
/* The same checks on INTEGER content already split off (e.g. implicitly
 * tagged); true when minimal. */
bool sg_der_integer_ok(sg_rd content);
/* ENUMERATED, small non-negative values (CRL reason codes). */
bool sg_der_get_enum(sg_rd *r, uint32_t *v) SG_MUST_CHECK;
/* BOOLEAN: DER allows only 0x00 and 0xFF. */
bool sg_der_get_bool(sg_rd *r, bool *v) SG_MUST_CHECK;
/* NULL with empty content. */
bool sg_der_get_null(sg_rd *r) SG_MUST_CHECK;
/* BIT STRING: bits gets the bytes after the unused-bits octet. DER: the
 * unused count is 0..7, 0 for an empty string, and the unused bits are 0. */
bool sg_der_get_bit_string(sg_rd *r, sg_rd *bits, uint8_t *unused) SG_MUST_CHECK;
/* A BIT STRING with no unused bits (keys, signatures). */
bool sg_der_get_bit_bytes(sg_rd *r, sg_rd *bytes) SG_MUST_CHECK;
/* OBJECT IDENTIFIER with a well-formed encoding (X.690 §8.19: minimal
 * sub-identifiers, last byte without the continuation bit). */
bool sg_der_get_oid(sg_rd *r, sg_rd *oid) SG_MUST_CHECK;
bool sg_der_oid_ok(sg_rd oid);
/* True when the OID content equals the constant encoding c[n]. */
bool sg_der_oid_eq(sg_rd oid, const uint8_t *c, size_t n);
#define SG_DER_OID_IS(oid, arr) sg_der_oid_eq((oid), (arr), sizeof(arr))
/* Dotted text ("2.5.29.19") for messages; truncated to fit, always
 * terminated; returns false when the encoding is bad. */
bool sg_der_oid_to_string(sg_rd oid, char *out, size_t cap);

/* UTCTime or GeneralizedTime (whichever is next) to Unix seconds, with the
 * RFC 5280 4.1.2.5 rules: UTCTime YYMMDDHHMMSSZ (YY >= 50 is 19YY, else
 * 20YY), GeneralizedTime YYYYMMDDHHMMSSZ, seconds present, no fractions,
 * Zulu only. */
bool sg_der_get_time(sg_rd *r, int64_t *t) SG_MUST_CHECK;
/* Parses the content of one time value of the given tag. */
bool sg_der_parse_time(uint8_t tag, sg_rd content, int64_t *t);
/* "2024-01-01T00:00:00Z"; out needs 21 bytes (more for far years). */
void sg_der_time_to_string(int64_t t, char *out, size_t cap);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t sg_der_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Reads a directory string (UTF8, Printable, IA5, T61, Visible, BMP,
 * Universal): tag and content. Checks PrintableString's alphabet, that
 * IA5/Visible are 7-bit, that UTF8String is valid UTF-8 and that BMP and
 * Universal strings have whole characters. */
bool sg_der_get_string(sg_rd *r, uint8_t *tag, sg_rd *content) SG_MUST_CHECK;
bool sg_der_string_ok(uint8_t tag, sg_rd content);
/* Appends the string as UTF-8 to out (truncating, always terminated);
 * returns the length that was written. */
size_t sg_der_string_to_utf8(uint8_t tag, sg_rd content, char *out, size_t cap);

/* ---- PEM (RFC 7468) ---- */
/*
 * Finds the next "-----BEGIN <label>-----" block in *text, skipping any
 * text before it, decodes its base64 body (strict: only the base64
 * alphabet, white space between lines, correct padding, nothing after the
 * padding) into out (appended) and advances *text past the END line.
 * label gets the label (truncated to cap, terminated).
 * Returns 1 for a block, 0 when no BEGIN line is left, -1 for a malformed
 * block (err says why; *text is then left after the bad BEGIN line).
 */
int sg_pem_next(sg_rd *text, char *label, size_t cap, sg_wr *out,
		char *err, size_t errlen) SG_MUST_CHECK;
/* Strict base64 (RFC 4648 §4) of in[n] appended to out; white space
 * allowed. -1 on bad input. */
int sg_base64_decode(const char *in, size_t n, sg_wr *out) SG_MUST_CHECK;
/* Base64 of in[n] into out (NUL-terminated); returns the length or -1
 * when cap is too small. */
int sg_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* ---- DER writer (X.690 §10) over sg_wr ---- */
/*
 * Every value is written with a definite, minimal length.  Constructed
 * values are written content-first: sg_der_open() writes the tag and a
 * one-byte length placeholder, sg_der_close() measures the content and,
 * when the length needs the long form, moves the content up to make room.
 * Marks nest like parentheses: close the innermost first.  Failures are
 * sticky on the writer (sg_wr_ok), so a whole structure can be checked once.
 */
typedef struct sg_der_mark {
	size_t at;              /* offset of the length placeholder */
} sg_der_mark;

sg_der_mark sg_der_open(sg_wr *w, uint8_t tag);
bool sg_der_close(sg_wr *w, sg_der_mark m);
/* Tag, minimal length, then n content bytes. */
bool sg_der_put(sg_wr *w, uint8_t tag, const void *p, size_t n);
/* Just the tag and length octets (for callers that write content after). */
bool sg_der_put_header(sg_wr *w, uint8_t tag, size_t n);
/* A non-negative INTEGER from big-endian magnitude bytes: leading zero
 * bytes are dropped and one 0x00 is added when the top bit is set
 * (X.690 §8.3.2); an empty or all-zero magnitude is the value 0. */
bool sg_der_put_uint(sg_wr *w, uint8_t tag, const uint8_t *p, size_t n);
bool sg_der_put_u64(sg_wr *w, uint64_t v);
/* OBJECT IDENTIFIER from its content encoding (as in x509/oids.h). */
bool sg_der_put_oid(sg_wr *w, const uint8_t *oid, size_t n);
bool sg_der_put_bool(sg_wr *w, bool v);
bool sg_der_put_null(sg_wr *w);
/* BIT STRING of whole bytes (keys, signatures): unused count 0. */
bool sg_der_put_bit_bytes(sg_wr *w, const uint8_t *p, size_t n);
/* A named-bit BIT STRING (keyUsage): bit 0 is the first bit; trailing
 * zero bits are dropped as DER requires (X.690 §11.2.2). */
bool sg_der_put_named_bits(sg_wr *w, uint32_t bits);
/* UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5),
 * always with seconds and Z.  Years before 1 or after 9999 fail. */
bool sg_der_put_time(sg_wr *w, int64_t t);
/* A string value of tag `tag` (UTF8String, PrintableString, IA5String);
 * the content is checked with sg_der_string_ok. */
bool sg_der_put_string(sg_wr *w, uint8_t tag, const char *s, size_t n);

#endif
