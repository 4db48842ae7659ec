/* check.h's counters, one set per test binary. */
#include "tests/support/check.h"

int check_failures_in_test;
int check_tests_failed;
int check_tests_run;
