/* Minimal host test harness.
 *
 * Each test binary prints one line per test, "ok - NAME" or
 * "not ok - NAME", with the failed checks above it, and exits non-zero
 * when any test failed.  tests/runner.py counts these lines.
 *
 * The counters live in check.c, which every test binary links, so that a
 * CHECK in a support file counts against the test that called it.
 */
#ifndef PLINTH_CHECK_H
#define PLINTH_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int check_failures_in_test;
extern int check_tests_failed;
extern int check_tests_run;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("#   %s:%d: check failed: %s\n", __FILE__,  \
			       __LINE__, #cond);                           \
			check_failures_in_test++;                          \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *check_a_ = (a), *check_b_ = (b);               \
		if (strcmp(check_a_, check_b_)) {                          \
			printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__,      \
			       __LINE__, check_a_, check_b_);              \
			check_failures_in_test++;                          \
		}                                                          \
	} while (0)

#define RUN(fn)                                                            \
	do {                                                               \
		check_failures_in_test = 0;                                \
		fn();                                                      \
		check_tests_run++;                                         \
		if (check_failures_in_test)                                \
			check_tests_failed++;                              \
		printf("%s - %s\n", check_failures_in_test ? "not ok" : "ok", \
		       #fn);                                               \
	} while (0)

#define CHECK_DONE() (check_tests_failed ? 1 : 0)

/* The host's monotonic clock in nanoseconds: for tests with real threads,
 * to give up on a handshake that never completes instead of hanging. */
uint64_t check_now_ns(void);

#endif
