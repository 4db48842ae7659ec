/* The log as the host tests and fuzz targets see it: log_stub.c defines
 * log_msg() (hv/base/log.h), which the code under test calls, and keeps
 * what it was given so that a test can assert on it.  With VQ_TEST_LOG
 * set in the environment each line is also printed as a "#" note. */
#ifndef PLINTH_TEST_LOG_STUB_H
#define PLINTH_TEST_LOG_STUB_H

#include <stdbool.h>
#include <stddef.h>

extern char logstub_last[512];	  /* the last formatted line */
extern char logstub_all[1 << 16]; /* every line since logstub_clear(),
				   * each "\n"-ended; later lines are
				   * dropped once it is full */
extern size_t logstub_all_len;
extern unsigned logstub_lines;	  /* lines since logstub_clear() */

void logstub_clear(void);

/* Some line logged since logstub_clear() contains `s`. */
bool logstub_has(const char *s);

#endif
