/* The bus's lookup (hv/platform/bus.h): the range holding an access, or
 * none, whatever ranges came and went before and whatever the last
 * lookup found. */
#include "tests/support/check.h"

#include <stdlib.h>

#include "hv/platform/bus.h"

static int token[BUS_MAX_RANGES]; /* each range's ctx */

/* The answer by the definition: the one range that holds the access. */
static const struct bus_range *by_search(const struct bus *b, uint64_t addr,
					 unsigned size)
{
	const struct bus_range *found = NULL;
	unsigned n = 0;

	for (unsigned i = 0; i < b->n; i++)
		if (addr >= b->r[i].base
		    && addr + size <= b->r[i].base + b->r[i].len) {
			found = &b->r[i];
			n++;
		}
	CHECK(n <= 1); /* ranges never overlap */
	return found;
}

static struct bus_range range(unsigned slot, uint64_t len)
{
	struct bus_range r = { 0x1000ull * slot, len, "r", &token[slot],
			       NULL, NULL, false, false };

	return r;
}

static void a_repeated_lookup_finds_the_same_range(void)
{
	struct bus b = { .name = "test" };
	struct bus_range r1 = range(1, 0x100), r2 = range(2, 0x100);

	CHECK(bus_register(&b, &r1) == 0);
	CHECK(bus_register(&b, &r2) == 0);
	for (int i = 0; i < 3; i++) {
		const struct bus_range *r = bus_find(&b, 0x2010, 4);

		CHECK(r && r->ctx == &token[2]);
	}
	CHECK(b.accesses[1] == 3);
	CHECK(bus_find(&b, 0x10f0, 4)->ctx == &token[1]);
	CHECK(bus_find(&b, 0x20fe, 4) == NULL); /* straddles the end */
}

/* The range last found is removed and another moves into its slot: the
 * next lookup of the removed range's address finds nothing, and the one
 * that moved is still found. */
static void a_removed_range_is_not_found_through_the_last_hit(void)
{
	struct bus b = { .name = "test" };
	struct bus_range r1 = range(1, 0x100), r2 = range(2, 0x100),
			 r3 = range(3, 0x100);

	CHECK(bus_register(&b, &r1) == 0);
	CHECK(bus_register(&b, &r2) == 0);
	CHECK(bus_register(&b, &r3) == 0);
	CHECK(bus_find(&b, 0x1000, 1)->ctx == &token[1]);
	CHECK(bus_remove(&b, 0x1000, &token[1]) == 0);
	CHECK(bus_find(&b, 0x1000, 1) == NULL);
	CHECK(bus_find(&b, 0x3000, 1)->ctx == &token[3]);
	CHECK(bus_find(&b, 0x2000, 1)->ctx == &token[2]);
	CHECK(bus_remove(&b, 0x3000, &token[3]) == 0);
	CHECK(bus_remove(&b, 0x2000, &token[2]) == 0);
	CHECK(bus_find(&b, 0x2000, 1) == NULL);
}

/* Random registrations, removals and lookups: every lookup gives what a
 * search of the whole table gives, and counts it on that range. */
static void lookups_agree_with_a_full_search(void)
{
	struct bus b = { .name = "test" };
	bool present[BUS_MAX_RANGES] = { false };

	srand(7);
	for (int round = 0; round < 200000; round++) {
		unsigned slot = (unsigned)rand() % BUS_MAX_RANGES;
		int what = rand() % 8;

		if (what == 0 && !present[slot]) {
			struct bus_range r = range(slot, 0x100);

			CHECK(bus_register(&b, &r) == 0);
			present[slot] = true;
		} else if (what == 1 && present[slot]) {
			CHECK(bus_remove(&b, 0x1000ull * slot, &token[slot])
			      == 0);
			present[slot] = false;
		} else {
			uint64_t addr = 0x1000ull * slot
					+ (uint64_t)(rand() % 0x110);
			unsigned size = 1u << (rand() % 4);
			const struct bus_range *want = by_search(&b, addr, size);
			uint64_t before = want ? b.accesses[want - b.r] : 0;
			const struct bus_range *got = bus_find(&b, addr, size);

			CHECK(got == want);
			if (want)
				CHECK(b.accesses[want - b.r] == before + 1);
		}
	}
}

int main(void)
{
	RUN(a_repeated_lookup_finds_the_same_range);
	RUN(a_removed_range_is_not_found_through_the_last_hit);
	RUN(lookups_agree_with_a_full_search);
	return CHECK_DONE();
}
