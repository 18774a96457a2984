/*
 * Character classes and helpers shared by the files of src/http; not part
 * of the module's interface (http.h).
 */
#ifndef SG_HTTP_INTERNAL_H
#define SG_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint8_t sg_http_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* p[0..n) equals the NUL-terminated lit, ASCII case-insensitively. */
bool sg_http_ci_eq(const char *p, size_t n, const char *lit);
/* tchar of RFC 9110 5.6.2. */
bool sg_http_is_tchar(uint8_t c);
/* A byte allowed inside a field value: HTAB, SP, VCHAR, obs-text. */
bool sg_http_is_value_char(uint8_t c);

#endif
