/* What the plinth.cfg parser's tests (tests/unit/test_config_*.c) share:
 * parse() of a C string as file NAME, the CHECK_OK and CHECK_ERR macros
 * built on it, and repeat() for long lines (config_fixture.c). */
#ifndef PLINTH_TEST_CONFIG_FIXTURE_H
#define PLINTH_TEST_CONFIG_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/config/config.h"

#define NAME "plinth.cfg"

int parse(const char *text, struct plinth_config *cfg, char *err,
	  size_t errlen);

/* The text must fail to parse with exactly this message. */
#define CHECK_ERR(text, want)                                              \
	do {                                                               \
		char e_[512];                                              \
		struct plinth_config c_;                                   \
		int r_ = parse((text), &c_, e_, sizeof(e_));               \
		CHECK(r_ == -1);                                           \
		CHECK_STR(e_, (want));                                     \
	} while (0)

/* The text must parse; the result is left in *cfgp. */
#define CHECK_OK(text, cfgp)                                               \
	do {                                                               \
		char e_[512];                                              \
		int r_ = parse((text), (cfgp), e_, sizeof(e_));            \
		CHECK(r_ == 0);                                            \
		CHECK_STR(e_, "");                                         \
	} while (0)

char *repeat(char c, size_t n);

#endif
