/* The counters Plinth reports, registered by their owners.
 *
 * A device model, driver or server registers each stats struct it keeps
 * once, with its counter table (counters.h), the name of what owns it
 * and its Prometheus labels.  The management plane walks this list for
 * /metrics and /v1/status and knows none of the structs; the log lines
 * come from the same tables.  Registering the same struct again (a
 * device set up afresh for a new guest run) replaces its entry. */
#ifndef PLINTH_STATS_H
#define PLINTH_STATS_H

#include <stdint.h>

#include "hv/base/counters.h"

#define STATS_MAX 32
#define STATS_LABELS_MAX 64

struct stats_source {
	const struct counter_set *set;
	const void *stats;
	const char *owner;	       /* "vda", "e1000", "mgmt" */
	char labels[STATS_LABELS_MAX]; /* without braces; "" for none */
};

/* -1 when the list is full (the counters then go unreported). */
int stats_add(const struct counter_set *set, const void *stats,
	      const char *owner, const char *labels_fmt, ...)
	__attribute__((format(printf, 4, 5)));
unsigned stats_count(void);
const struct stats_source *stats_get(unsigned i);

#endif
