/* The replay main() of every fuzz target: built with gcc and
 * -DFUZZ_REPLAY (no libFuzzer), a target runs over each file named on the
 * command line, such as a crash reproducer or a corpus.  Include it once,
 * after the target's LLVMFuzzerTestOneInput is declared. */
#ifndef FUZZ_REPLAY_H
#define FUZZ_REPLAY_H

#ifdef FUZZ_REPLAY
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs the target over each file named on the command line. */
int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		long n = -1;

		if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0
		    && !fseek(f, 0, SEEK_SET)) {
			buf = malloc(n ? (size_t)n : 1);
			if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n)
				n = -1;
		}
		if (f)
			fclose(f);
		if (!buf || n < 0) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			bad = 1;
		} else {
			LLVMFuzzerTestOneInput(buf, (size_t)n);
			printf("%s: ok\n", argv[i]);
		}
		free(buf);
	}
	return bad;
}
#endif

#endif
