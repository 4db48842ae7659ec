/* Counters described once.  A stats struct of uint64_t fields gets one
 * table saying, for each field, its name (the metric's and the JSON
 * key), the word that follows its value in the log line, and the
 * metric's help text.  The log line when a guest ends, /v1/status and
 * /metrics are all read from that table, so a counter cannot be listed
 * in one and forgotten in another. */
#ifndef PLINTH_COUNTERS_H
#define PLINTH_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

struct counter {
	const char *name; /* metric PREFIX_NAME_total; JSON key */
	const char *unit; /* log: "<value> <unit>" */
	const char *help; /* the metric's HELP line */
	size_t off;	  /* of the uint64_t in the stats struct */
};

struct counter_set {
	const char *prefix; /* metric prefix: "plinth_nic" */
	const struct counter *c;
	unsigned n;
};

/* A counter named after its field, and one named otherwise. */
#define COUNTER(type, field, unit, help)                                       \
	{                                                                      \
#field, unit, help, offsetof(type, field)                      \
	}
#define COUNTER_AS(type, field, name, unit, help)                              \
	{                                                                      \
		name, unit, help, offsetof(type, field)                        \
	}
#define COUNTER_SET(prefix, table)                                             \
	{                                                                      \
		prefix, table, sizeof(table) / sizeof((table)[0])              \
	}

static inline uint64_t counter_value(const struct counter *c, const void *stats)
{
	return *(const uint64_t *)((const char *)stats + c->off);
}

/* One log line: "HEAD: 5 requests, 4096 bytes, 0 errors". */
void counters_log(const char *head, const struct counter_set *s,
		  const void *stats);

#endif
