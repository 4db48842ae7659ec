/* check.h's counters, one set per test binary. */
#include "tests/support/check.h"

#include <time.h>

int check_failures_in_test;
int check_tests_failed;
int check_tests_run;

uint64_t check_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
