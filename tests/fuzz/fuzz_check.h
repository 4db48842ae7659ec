/* The fuzz targets' invariant check: a violation aborts, which libFuzzer
 * reports as a crash with the reproducer kept.  On its own, for targets
 * that need none of fuzz_common.h's guest memory and rings. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                           \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "%s:%d: invariant violated: %s\n", \
				__FILE__, __LINE__, #c);                   \
			abort();                                           \
		}                                                          \
	} while (0)

#endif
