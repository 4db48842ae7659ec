/* Counters described once (hv/base/counters.c) and their registry
 * (hv/base/stats.c): the log line a table gives, and what the management
 * plane finds registered. */
#include "tests/support/check.h"

#include <string.h>

#include "hv/base/counters.h"
#include "hv/base/stats.h"
#include "tests/support/log_stub.h"

struct demo_stats {
	uint64_t frames, bytes, drops;
};

static const struct counter demo_table[] = {
	COUNTER(struct demo_stats, frames, "frames", "Frames."),
	COUNTER(struct demo_stats, bytes, "bytes", "Bytes."),
	COUNTER_AS(struct demo_stats, drops, "dropped_frames", "dropped",
		   "Frames dropped."),
};

static const struct counter_set demo = COUNTER_SET("plinth_demo",
						   demo_table);

static void a_table_reads_each_field_by_its_offset(void)
{
	struct demo_stats s = { 7, 900, 2 };

	CHECK(demo.n == 3);
	CHECK(counter_value(&demo.c[0], &s) == 7);
	CHECK(counter_value(&demo.c[1], &s) == 900);
	CHECK(counter_value(&demo.c[2], &s) == 2);
	CHECK_STR(demo.c[2].name, "dropped_frames");
	CHECK_STR(demo.c[0].name, "frames");
}

static void the_log_line_names_every_counter_in_order(void)
{
	struct demo_stats s = { 7, 900, 2 };

	logstub_clear();
	counters_log("nic: 00:02.0", &demo, &s);
	CHECK(logstub_lines == 1);
	CHECK_STR(logstub_last, "nic: 00:02.0: 7 frames, 900 bytes, 2 dropped");
}

static void a_long_line_is_cut_not_overrun(void)
{
	static const struct counter many[] = {
#define C(i) COUNTER(struct demo_stats, bytes, \
		     "bytes with a long explanation of what they are", "B.")
		C(0), C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9),
		C(10), C(11), C(12), C(13), C(14), C(15),
#undef C
	};
	static const struct counter_set set = COUNTER_SET("x", many);
	struct demo_stats s = { 0, 123456789, 0 };

	logstub_clear();
	counters_log("head", &set, &s);
	CHECK(logstub_lines == 1);
	CHECK(strncmp(logstub_last, "head: 123456789 bytes", 21) == 0);
	CHECK(strlen(logstub_last) < 512);
}

static void registering_again_replaces_the_entry(void)
{
	static struct demo_stats a, b;
	unsigned n = stats_count();

	CHECK(stats_add(&demo, &a, "net0", "device=\"%s\"", "net0") == 0);
	CHECK(stats_add(&demo, &b, "vda", "device=\"%s\"", "vda") == 0);
	CHECK(stats_count() == n + 2);
	/* The same struct, set up again for a new guest run. */
	CHECK(stats_add(&demo, &a, "net0", "device=\"%s\",queue=\"%u\"",
			"net0", 1u) == 0);
	CHECK(stats_count() == n + 2);
	CHECK(stats_get(n)->stats == &a);
	CHECK_STR(stats_get(n)->labels, "device=\"net0\",queue=\"1\"");
	CHECK_STR(stats_get(n + 1)->owner, "vda");
	CHECK(stats_get(stats_count()) == NULL);
}

static void a_full_registry_refuses_and_keeps_what_it_has(void)
{
	static struct demo_stats many[STATS_MAX + 1];
	unsigned added = 0;

	for (unsigned i = 0; i <= STATS_MAX; i++)
		added += stats_add(&demo, &many[i], "x", "%s", "") == 0;
	CHECK(stats_count() == STATS_MAX);
	CHECK(added < STATS_MAX + 1);
	CHECK(stats_add(&demo, &many[STATS_MAX], "x", "%s", "") == -1);
	/* One already there is still replaced. */
	CHECK(stats_add(&demo, &many[0], "y", "%s", "") == 0);
}

static void labels_longer_than_the_room_are_cut(void)
{
	static struct demo_stats s;
	char label[200];

	memset(label, 'a', sizeof(label) - 1);
	label[sizeof(label) - 1] = 0;
	CHECK(stats_add(&demo, &s, "z", "%s", label) == 0 || stats_count()
	      == STATS_MAX);
	for (unsigned i = 0; i < stats_count(); i++)
		CHECK(strlen(stats_get(i)->labels) < STATS_LABELS_MAX);
}

int main(void)
{
	RUN(a_table_reads_each_field_by_its_offset);
	RUN(the_log_line_names_every_counter_in_order);
	RUN(a_long_line_is_cut_not_overrun);
	RUN(registering_again_replaces_the_entry);
	RUN(a_full_registry_refuses_and_keeps_what_it_has);
	RUN(labels_longer_than_the_room_are_cut);
	return CHECK_DONE();
}
