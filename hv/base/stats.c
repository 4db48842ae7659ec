#include "hv/base/stats.h"

#include <stdarg.h>

#include "hv/base/fmt.h"

/* Written at set-up, between guest runs, and read by the management
 * plane from the same core: no locking. */
static struct stats_source list[STATS_MAX];
static unsigned count;

int stats_add(const struct counter_set *set, const void *stats,
	      const char *owner, const char *labels_fmt, ...)
{
	struct stats_source *s = NULL;
	va_list ap;

	for (unsigned i = 0; i < count && !s; i++)
		if (list[i].stats == stats)
			s = &list[i];
	if (!s) {
		if (count == STATS_MAX)
			return -1;
		s = &list[count++];
	}
	s->set = set;
	s->stats = stats;
	s->owner = owner;
	va_start(ap, labels_fmt);
	fmt_v(s->labels, sizeof(s->labels), labels_fmt, ap);
	va_end(ap);
	return 0;
}

unsigned stats_count(void)
{
	return count;
}

const struct stats_source *stats_get(unsigned i)
{
	return i < count ? &list[i] : NULL;
}
