/* log_msg() for the host tests and fuzz targets: records each line
 * (log_stub.h) instead of writing it to a console and a ring. */
#include "tests/support/log_stub.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/base/log.h"

char logstub_last[512];
char logstub_all[1 << 16];
size_t logstub_all_len;
unsigned logstub_lines;

/* Read once: a fuzz target logs on many of its inputs. */
static bool echo(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("VQ_TEST_LOG") != NULL;
	return on;
}

void log_msg(const char *f, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, f);
	vsnprintf(logstub_last, sizeof(logstub_last), f, ap);
	va_end(ap);
	n = strlen(logstub_last);
	if (logstub_all_len + n + 2 < sizeof(logstub_all)) {
		memcpy(logstub_all + logstub_all_len, logstub_last, n);
		logstub_all_len += n;
		logstub_all[logstub_all_len++] = '\n';
		logstub_all[logstub_all_len] = 0;
	}
	logstub_lines++;
	if (echo())
		printf("#   log: %s\n", logstub_last);
}

void logstub_clear(void)
{
	logstub_last[0] = logstub_all[0] = 0;
	logstub_all_len = 0;
	logstub_lines = 0;
}

bool logstub_has(const char *s)
{
	return strstr(logstub_all, s) != NULL;
}
