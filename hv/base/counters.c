#include "hv/base/counters.h"

#include "hv/base/fmt.h"
#include "hv/base/log.h"

void counters_log(const char *head, const struct counter_set *s,
		  const void *stats)
{
	char line[448];
	size_t n = fmt(line, sizeof(line), "%s:", head);

	for (unsigned i = 0; i < s->n && n < sizeof(line); i++)
		n += fmt(line + n, sizeof(line) - n, "%s %lu %s", i ? "," : "",
			 (unsigned long)counter_value(&s->c[i], stats),
			 s->c[i].unit);
	log_msg("%s", line);
}
