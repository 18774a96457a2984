/*
 * A tiny test harness.  Each test binary calls CHECK() for every assertion
 * and ends with TEST_END(), which prints "N passed, N failed" and returns
 * the exit code.  A failed CHECK prints where and what, and the test goes
 * on, so one run shows every failure.
 */
#ifndef SG_TEST_H
#define SG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned sg_test_passed, sg_test_failed;

#define CHECK(cond) do { \
	if (cond) { sg_test_passed++; } \
	else { sg_test_failed++; \
	       fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (cond) { sg_test_passed++; } \
	else { sg_test_failed++; \
	       fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
	       fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

#define CHECK_MEM(a, b, n) CHECK_MSG(memcmp((a), (b), (n)) == 0, "bytes differ")

#define TEST_END() (printf("%u passed, %u failed\n", sg_test_passed, sg_test_failed), \
	sg_test_failed ? 1 : 0)

/* Helpers from test_util.c. */
size_t sg_test_unhex(const char *hex, unsigned char *out, size_t cap);
char *sg_test_read_file(const char *path, size_t *len);
/* The repository's test data (tests/data): SIGIL_TESTDATA, or tests/data
 * relative to the current directory (make check runs from the top). */
const char *sg_test_data(void);

#endif
