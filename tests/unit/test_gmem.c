#include "tests/support/check.h"

#include <stdint.h>

#include "hv/guest/gmem.h"

static uint8_t lo[0x1000], hi[0x2000];

static void setup(struct gmem *g)
{
	gmem_init(g);
	/* Added out of order: the table sorts them. */
	CHECK(gmem_add(g, 0x10000, sizeof(hi), hi) == 0);
	CHECK(gmem_add(g, 0x0, sizeof(lo), lo) == 0);
}

static void regions_are_sorted_and_overlaps_refused(void)
{
	struct gmem g;

	setup(&g);
	CHECK(g.n == 2 && g.r[0].gpa == 0 && g.r[1].gpa == 0x10000);
	CHECK(gmem_add(&g, 0x800, 0x1000, lo) == -1);	   /* overlaps lo */
	CHECK(gmem_add(&g, 0x11fff, 1, lo) == -1);	   /* last byte of hi */
	CHECK(gmem_add(&g, 0xf000, 0x1001, lo) == -1);	   /* into hi */
	CHECK(gmem_add(&g, 0x5000, 0, lo) == -1);	   /* empty */
	CHECK(gmem_add(&g, UINT64_MAX - 10, 100, lo) == -1); /* wraps */
	CHECK(gmem_add(&g, 0x1000, 0x1000, lo) == 0);	   /* adjacent */
	CHECK(g.n == 3 && gmem_top(&g) == 0x12000);
}

static void ptr_needs_the_whole_range_inside_one_region(void)
{
	struct gmem g;

	setup(&g);
	CHECK(gmem_ptr(&g, 0x10, 16) == lo + 0x10);
	CHECK(gmem_ptr(&g, 0xfff, 1) == lo + 0xfff);	/* last byte of RAM */
	CHECK(gmem_ptr(&g, 0xfff, 2) == NULL);		/* one past it */
	CHECK(gmem_ptr(&g, 0x1000, 1) == NULL);		/* the hole */
	CHECK(gmem_ptr(&g, 0x10000, sizeof(hi)) == hi);
	CHECK(gmem_ptr(&g, 0x10000, sizeof(hi) + 1) == NULL);
	CHECK(gmem_ptr(&g, 0x10, 0) == NULL);
	CHECK(gmem_ptr(&g, 0x10, UINT64_MAX) == NULL);	/* would wrap */
	CHECK(gmem_ptr(&g, UINT64_MAX, 1) == NULL);
}

static void copies_cross_adjacent_regions_but_never_holes(void)
{
	struct gmem g;
	uint8_t buf[32], back[32];

	gmem_init(&g);
	CHECK(gmem_add(&g, 0, sizeof(lo), lo) == 0);
	CHECK(gmem_add(&g, 0x1000, sizeof(hi), hi) == 0);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(i + 1);
	CHECK(gmem_write(&g, 0xff0, buf, 32) == 0);	/* across the seam */
	CHECK(lo[0xfff] == 16 && hi[0] == 17 && hi[15] == 32);
	CHECK(gmem_read(&g, 0xff0, back, 32) == 0);
	CHECK(!memcmp(buf, back, 32));
	CHECK(gmem_is_ram(&g, 0, 0x3000));
	CHECK(!gmem_is_ram(&g, 0, 0x3001));
	/* A range that runs past RAM copies nothing at all. */
	hi[sizeof(hi) - 1] = 0xaa;
	CHECK(gmem_write(&g, 0x2fff, buf, 2) == -1);
	CHECK(hi[sizeof(hi) - 1] == 0xaa);
	CHECK(gmem_read(&g, 0x3000, back, 1) == -1);
}

int main(void)
{
	RUN(regions_are_sorted_and_overlaps_refused);
	RUN(ptr_needs_the_whole_range_inside_one_region);
	RUN(copies_cross_adjacent_regions_but_never_holes);
	return CHECK_DONE();
}
