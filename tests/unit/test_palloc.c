/* Host tests for hv/base/palloc.c, the bitmap page allocator. */
#include "tests/support/check.h"

#include "hv/base/palloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG 4096ull

/* A bitmap of exactly the documented size, so ASan catches any access to a
 * word past (npages + 63) / 64. */
static uint64_t *new_bitmap(size_t npages)
{
	size_t n = palloc_bitmap_words(npages);

	return malloc((n ? n : 1) * sizeof(uint64_t));
}

static int page_used(const struct palloc *pa, size_t i)
{
	return (int)((pa->bitmap[i / 64] >> (i % 64)) & 1);
}

static size_t count_used(const struct palloc *pa)
{
	size_t n = 0;

	for (size_t i = 0; i < pa->npages; i++)
		n += (size_t)page_used(pa, i);
	return n;
}

static void bitmap_words_rounds_up(void)
{
	CHECK(palloc_bitmap_words(0) == 0);
	CHECK(palloc_bitmap_words(1) == 1);
	CHECK(palloc_bitmap_words(64) == 1);
	CHECK(palloc_bitmap_words(65) == 2);
	CHECK(palloc_bitmap_words(128) == 2);
	CHECK(palloc_bitmap_words(129) == 3);
}

static void init_rejects_unaligned_base(void)
{
	struct palloc pa;
	uint64_t bm[2];

	CHECK(palloc_init(&pa, 0x1001, 10, bm) == -1);
	CHECK(palloc_init(&pa, 0x800, 10, bm) == -1);
	CHECK(palloc_init(&pa, 0x1fff, 10, bm) == -1);
	CHECK(palloc_init(&pa, 0, 10, bm) == 0);
	CHECK(palloc_init(&pa, 0x1000, 10, bm) == 0);
	CHECK(palloc_init(&pa, 0x100000000ull, 100, bm) == 0);
}

static void init_rejects_range_that_wraps(void)
{
	struct palloc pa;
	uint64_t bm[1];

	/* Three pages from 2^64 - 8K run past the top of the address space. */
	CHECK(palloc_init(&pa, 0xffffffffffffe000ull, 3, bm) == -1);
	CHECK(palloc_init(&pa, 0x8000000000000000ull, SIZE_MAX, bm) == -1);
	CHECK(palloc_init(&pa, 0xffffffffffffe000ull, 1, bm) == 0);
}

static void init_marks_every_page_free(void)
{
	struct palloc pa;
	uint64_t bm[3];

	memset(bm, 0xff, sizeof(bm));
	CHECK(palloc_init(&pa, 0x200000, 130, bm) == 0);
	CHECK(pa.base == 0x200000);
	CHECK(pa.npages == 130);
	CHECK(pa.nfree == 130);
	CHECK(pa.bitmap == bm);
	CHECK(bm[0] == 0 && bm[1] == 0 && bm[2] == 0);
}

static void alloc_one_page_returns_base(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(16), a = 0;

	CHECK(palloc_init(&pa, 0x40000, 16, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0);
	CHECK(a == 0x40000);
	CHECK(pa.nfree == 15);
	CHECK(page_used(&pa, 0) == 1);
	CHECK(count_used(&pa) == 1);
	free(bm);
}

static void allocs_are_first_fit_and_ascending(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(16), a = 0;

	CHECK(palloc_init(&pa, 0x40000, 16, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 1, &a) == 0 && a == 0x40000);
	CHECK(palloc_alloc(&pa, 3, 0, &a) == 0 && a == 0x41000);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == 0 && a == 0x44000);
	CHECK(pa.nfree == 10);
	/* The hole left by a free is reused first. */
	CHECK(palloc_free(&pa, 0x41000, 3) == 0);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == 0 && a == 0x41000);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == 0 && a == 0x46000);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x43000);
	CHECK(pa.nfree == 8);
	free(bm);
}

static void alloc_zero_pages_fails(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(8), a = 0;

	CHECK(palloc_init(&pa, 0x1000, 8, bm) == 0);
	CHECK(palloc_alloc(&pa, 0, 0, &a) == -1);
	CHECK(pa.nfree == 8);
	CHECK(count_used(&pa) == 0);
	free(bm);
}

static void exhausting_pool_then_alloc_fails(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(10), a = 0;

	CHECK(palloc_init(&pa, 0x10000, 10, bm) == 0);
	for (uint64_t i = 0; i < 10; i++) {
		CHECK(palloc_alloc(&pa, 1, 0, &a) == 0);
		CHECK(a == 0x10000 + i * PG);
		CHECK(pa.nfree == 9 - i);
	}
	CHECK(palloc_alloc(&pa, 1, 0, &a) == -1);
	CHECK(palloc_alloc(&pa, 1, 1, &a) == -1);
	CHECK(pa.nfree == 0);
	CHECK(count_used(&pa) == 10);
	/* One page back, one page out again. */
	CHECK(palloc_free(&pa, 0x10000 + 6 * PG, 1) == 0);
	CHECK(pa.nfree == 1);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x10000 + 6 * PG);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == -1);
	free(bm);
}

static void alloc_bigger_than_free_pages_fails(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(8), a = 0;

	CHECK(palloc_init(&pa, 0x1000, 8, bm) == 0);
	CHECK(palloc_alloc(&pa, 9, 0, &a) == -1);
	CHECK(pa.nfree == 8);
	CHECK(palloc_alloc(&pa, SIZE_MAX, 0, &a) == -1);
	CHECK(palloc_alloc(&pa, 8, 0, &a) == 0 && a == 0x1000);
	CHECK(pa.nfree == 0);
	CHECK(palloc_free(&pa, 0x1000, 8) == 0);
	CHECK(palloc_alloc(&pa, 3, 0, &a) == 0);
	CHECK(palloc_alloc(&pa, 6, 0, &a) == -1);
	CHECK(pa.nfree == 5);
	free(bm);
}

static void alignment_gives_2mib_aligned_address(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(1024), a = 0;

	CHECK(palloc_init(&pa, 0x1000, 1024, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 512, &a) == 0);
	CHECK(a == 0x200000);
	CHECK(page_used(&pa, 511) == 1);
	CHECK(pa.nfree == 1023);
	/* Pages below the aligned one stay free for unaligned requests. */
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x1000);
	CHECK(palloc_alloc(&pa, 1, 512, &a) == 0 && a == 0x400000);
	CHECK(palloc_alloc(&pa, 1, 512, &a) == -1);
	CHECK(pa.nfree == 1021);
	/* Alignment is of the physical address, not the index: with the pool
	 * at 0x1000, index 1 (0x2000) is the first 2- and 4-page aligned slot
	 * ... but index 1 and 2 are free, so 2 pages at 0x2000, then 4 pages
	 * at index 3 (0x4000), then 64 KiB-aligned index 15 (0x10000). */
	CHECK(palloc_alloc(&pa, 2, 2, &a) == 0 && a == 0x2000);
	CHECK(palloc_alloc(&pa, 4, 4, &a) == 0 && a == 0x4000);
	CHECK(palloc_alloc(&pa, 1, 16, &a) == 0 && a == 0x10000);
	CHECK(pa.nfree == 1014);
	free(bm);
}

static void alignment_skips_used_page_at_aligned_slot(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(64), a = 0;

	/* base page index 3: aligned-to-8 slots are page indices 5, 13, ... */
	CHECK(palloc_init(&pa, 3 * PG, 64, bm) == 0);
	CHECK(palloc_reserve(&pa, 8 * PG, 1) == 0); /* index 5 */
	CHECK(palloc_alloc(&pa, 8, 8, &a) == 0);
	CHECK(a == 16 * PG);
	CHECK(palloc_alloc(&pa, 8, 8, &a) == 0);
	CHECK(a == 24 * PG);
	CHECK(pa.nfree == 64 - 17);
	free(bm);
}

static void alloc_with_non_power_of_two_align_fails(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(64), a = 0;

	CHECK(palloc_init(&pa, 0, 64, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 3, &a) == -1);
	CHECK(palloc_alloc(&pa, 1, 6, &a) == -1);
	CHECK(palloc_alloc(&pa, 1, 24, &a) == -1);
	CHECK(pa.nfree == 64);
	CHECK(count_used(&pa) == 0);
	free(bm);
}

static void alloc_with_alignment_larger_than_pool_fails(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(64), a = 0;

	CHECK(palloc_init(&pa, PG, 64, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 128, &a) == -1);
	CHECK(palloc_alloc(&pa, 1, (size_t)1 << 40, &a) == -1);
	CHECK(pa.nfree == 64);
	free(bm);
}

static void free_then_realloc_gets_same_pages(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(32), a = 0, b = 0, c = 0;

	CHECK(palloc_init(&pa, 0x80000, 32, bm) == 0);
	CHECK(palloc_alloc(&pa, 4, 0, &a) == 0 && a == 0x80000);
	CHECK(palloc_alloc(&pa, 4, 0, &b) == 0 && b == 0x84000);
	CHECK(palloc_alloc(&pa, 4, 0, &c) == 0 && c == 0x88000);
	CHECK(palloc_free(&pa, b, 4) == 0);
	CHECK(pa.nfree == 24);
	for (size_t i = 4; i < 8; i++)
		CHECK(page_used(&pa, i) == 0);
	CHECK(palloc_alloc(&pa, 4, 0, &b) == 0);
	CHECK(b == 0x84000);
	CHECK(pa.nfree == 20);
	free(bm);
}

static void double_free_is_refused_and_changes_nothing(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(16), a = 0, b = 0, saved;

	CHECK(palloc_init(&pa, 0x1000, 16, bm) == 0);
	CHECK(palloc_alloc(&pa, 4, 0, &a) == 0);
	CHECK(palloc_alloc(&pa, 2, 0, &b) == 0);
	CHECK(palloc_free(&pa, a, 4) == 0);
	CHECK(pa.nfree == 14);
	saved = bm[0];
	CHECK(palloc_free(&pa, a, 4) == -1);
	CHECK(palloc_free(&pa, a, 1) == -1);
	CHECK(palloc_free(&pa, a + 3 * PG, 1) == -1);
	CHECK(pa.nfree == 14);
	CHECK(bm[0] == saved);
	CHECK(palloc_free(&pa, b, 2) == 0);
	CHECK(palloc_free(&pa, b, 2) == -1);
	CHECK(pa.nfree == 16);
	CHECK(bm[0] == 0);
	free(bm);
}

static void free_outside_pool_is_refused(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(8), a = 0, saved;

	CHECK(palloc_init(&pa, 0x10000, 8, bm) == 0);
	CHECK(palloc_alloc(&pa, 8, 0, &a) == 0);
	saved = bm[0];
	CHECK(palloc_free(&pa, 0x10000 - PG, 1) == -1);    /* below */
	CHECK(palloc_free(&pa, 0, 1) == -1);
	CHECK(palloc_free(&pa, 0x10000 - PG, 2) == -1);    /* straddles base */
	CHECK(palloc_free(&pa, 0x10000 + 8 * PG, 1) == -1); /* just past end */
	CHECK(palloc_free(&pa, 0x10000 + 7 * PG, 2) == -1); /* runs off end */
	CHECK(palloc_free(&pa, 0x10000, 9) == -1);
	CHECK(palloc_free(&pa, 0x10000, SIZE_MAX) == -1);
	CHECK(palloc_free(&pa, 0xfffffffffffff000ull, 1) == -1);
	CHECK(pa.nfree == 0);
	CHECK(bm[0] == saved);
	CHECK(palloc_free(&pa, 0x10000 + 7 * PG, 1) == 0);
	CHECK(pa.nfree == 1);
	free(bm);
}

static void free_misaligned_address_is_refused(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(8), a = 0;

	CHECK(palloc_init(&pa, 0x10000, 8, bm) == 0);
	CHECK(palloc_alloc(&pa, 4, 0, &a) == 0);
	CHECK(palloc_free(&pa, a + 1, 1) == -1);
	CHECK(palloc_free(&pa, a + 0x800, 1) == -1);
	CHECK(palloc_free(&pa, a + PG - 1, 1) == -1);
	CHECK(pa.nfree == 4);
	CHECK(count_used(&pa) == 4);
	CHECK(palloc_free(&pa, a, 4) == 0);
	free(bm);
}

static void free_of_partially_free_range_is_refused(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(16), a = 0, b = 0;

	CHECK(palloc_init(&pa, 0x1000, 16, bm) == 0);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == 0 && a == 0x1000);
	/* Page 2 is free: a 3-page free must fail and leave 0-1 allocated. */
	CHECK(palloc_free(&pa, a, 3) == -1);
	CHECK(pa.nfree == 14);
	CHECK(page_used(&pa, 0) == 1 && page_used(&pa, 1) == 1);
	/* A free page first, then used ones. */
	CHECK(palloc_alloc(&pa, 2, 0, &b) == 0 && b == 0x3000);
	CHECK(palloc_free(&pa, a, 1) == 0);
	CHECK(palloc_free(&pa, a, 4) == -1);
	CHECK(pa.nfree == 13);
	CHECK(page_used(&pa, 1) == 1 && page_used(&pa, 2) == 1
	      && page_used(&pa, 3) == 1);
	/* Freeing part of an allocation is allowed. */
	CHECK(palloc_free(&pa, a + PG, 2) == 0);
	CHECK(pa.nfree == 15);
	CHECK(palloc_free(&pa, b + PG, 1) == 0);
	CHECK(pa.nfree == 16);
	free(bm);
}

static void free_of_zero_pages_is_refused(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(8), a = 0;

	CHECK(palloc_init(&pa, 0x1000, 8, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0);
	CHECK(palloc_free(&pa, a, 0) == -1);
	CHECK(pa.nfree == 7);
	CHECK(page_used(&pa, 0) == 1);
	free(bm);
}

static void reserve_marks_range_used(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(16), a = 0;

	CHECK(palloc_init(&pa, 0x100000, 16, bm) == 0);
	CHECK(palloc_reserve(&pa, 0x100000, 2) == 0);
	CHECK(palloc_reserve(&pa, 0x100000 + 4 * PG, 3) == 0);
	CHECK(pa.nfree == 11);
	CHECK(bm[0] == 0x73);
	/* Allocation goes around the reserved pages. */
	CHECK(palloc_alloc(&pa, 2, 0, &a) == 0 && a == 0x100000 + 2 * PG);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x100000 + 7 * PG);
	CHECK(pa.nfree == 8);
	/* Reserving a page already in use, reserved or allocated, fails. */
	CHECK(palloc_reserve(&pa, 0x100000, 1) == -1);
	CHECK(palloc_reserve(&pa, 0x100000 + 2 * PG, 1) == -1);
	CHECK(palloc_reserve(&pa, 0x100000 + 7 * PG, 2) == -1);
	CHECK(pa.nfree == 8);
	CHECK(page_used(&pa, 8) == 0);
	/* Outside, misaligned, zero pages. */
	CHECK(palloc_reserve(&pa, 0x100000 - PG, 1) == -1);
	CHECK(palloc_reserve(&pa, 0x100000 + 15 * PG, 2) == -1);
	CHECK(palloc_reserve(&pa, 0x100000 + 16 * PG, 1) == -1);
	CHECK(palloc_reserve(&pa, 0x100000 + 8 * PG + 8, 1) == -1);
	CHECK(palloc_reserve(&pa, 0x100000 + 8 * PG, 0) == -1);
	CHECK(pa.nfree == 8);
	CHECK(count_used(&pa) == 8);
	/* Reserved pages can be freed like allocated ones. */
	CHECK(palloc_free(&pa, 0x100000 + 4 * PG, 3) == 0);
	CHECK(pa.nfree == 11);
	CHECK(palloc_reserve(&pa, 0x100000 + 15 * PG, 1) == 0);
	CHECK(pa.nfree == 10);
	free(bm);
}

static void pool_not_multiple_of_64_pages_uses_last_word_edge(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(70), a = 0;

	CHECK(palloc_bitmap_words(70) == 2);
	CHECK(palloc_init(&pa, 0, 70, bm) == 0);
	CHECK(palloc_alloc(&pa, 64, 0, &a) == 0 && a == 0);
	CHECK(bm[0] == UINT64_MAX);
	/* Only 6 pages left, all in the last, partial word. */
	CHECK(palloc_alloc(&pa, 7, 0, &a) == -1);
	CHECK(palloc_alloc(&pa, 6, 0, &a) == 0 && a == 64 * PG);
	CHECK(bm[1] == 0x3f);
	CHECK(pa.nfree == 0);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == -1);
	/* The last page of the pool can be freed and handed out again. */
	CHECK(palloc_free(&pa, 69 * PG, 1) == 0);
	CHECK(palloc_free(&pa, 70 * PG, 1) == -1);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 69 * PG);
	CHECK(palloc_reserve(&pa, 69 * PG, 2) == -1);
	/* Bits past the pool are never set. */
	CHECK((bm[1] >> 6) == 0);
	free(bm);

	bm = new_bitmap(70);
	CHECK(palloc_init(&pa, 0, 70, bm) == 0);
	CHECK(palloc_alloc(&pa, 1, 64, &a) == 0 && a == 0);
	CHECK(palloc_alloc(&pa, 1, 64, &a) == 0 && a == 64 * PG);
	CHECK(palloc_alloc(&pa, 1, 64, &a) == -1);
	CHECK(palloc_alloc(&pa, 6, 0, &a) == 0 && a == 1 * PG);
	CHECK(palloc_alloc(&pa, 6, 0, &a) == 0 && a == 7 * PG);
	CHECK(pa.nfree == 56);
	free(bm);

	/* Six free pages, but the run at the end is only five long: a 6-page
	 * run may not reach past the last page. */
	bm = new_bitmap(70);
	CHECK(palloc_init(&pa, 0, 70, bm) == 0);
	CHECK(palloc_reserve(&pa, 0, 10) == 0);
	CHECK(palloc_reserve(&pa, 11 * PG, 54) == 0);
	CHECK(pa.nfree == 6);
	CHECK(palloc_alloc(&pa, 6, 0, &a) == -1);
	CHECK(pa.nfree == 6);
	CHECK(palloc_alloc(&pa, 5, 0, &a) == 0 && a == 65 * PG);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 10 * PG);
	CHECK(pa.nfree == 0);
	free(bm);
}

static void full_bitmap_word_is_skipped(void)
{
	struct palloc pa;
	uint64_t *bm = new_bitmap(192), a = 0;

	CHECK(palloc_init(&pa, 0x1000, 192, bm) == 0);
	CHECK(palloc_reserve(&pa, 0x1000, 64) == 0);
	CHECK(palloc_reserve(&pa, 0x1000 + 65 * PG, 63) == 0);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x1000 + 64 * PG);
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x1000 + 128 * PG);
	/* Aligned to 4 pages: base page 1, so indices 3, 7, ...; 131 is the
	 * first free one. */
	CHECK(palloc_alloc(&pa, 2, 4, &a) == 0 && a == 0x1000 + 131 * PG);
	/* A run that crosses a word boundary. */
	CHECK(palloc_free(&pa, 0x1000 + 60 * PG, 4) == 0);
	CHECK(palloc_free(&pa, 0x1000 + 64 * PG, 1) == 0);
	CHECK(palloc_alloc(&pa, 5, 0, &a) == 0 && a == 0x1000 + 60 * PG);
	CHECK(pa.nfree == 192 - 64 - 63 - 1 - 1 - 2);
	CHECK(count_used(&pa) == 192 - pa.nfree);
	free(bm);
}

static void fragmented_pool_needs_neighbour_freed_for_two_pages(void)
{
	struct palloc pa;
	enum { N = 100 };
	uint64_t *bm = new_bitmap(N), a = 0;

	CHECK(palloc_init(&pa, 0x1000, N, bm) == 0);
	for (size_t i = 0; i < N; i++) {
		CHECK(palloc_alloc(&pa, 1, 0, &a) == 0);
		CHECK(a == 0x1000 + i * PG);
	}
	CHECK(pa.nfree == 0);
	for (size_t i = 0; i < N; i += 2)
		CHECK(palloc_free(&pa, 0x1000 + i * PG, 1) == 0);
	CHECK(pa.nfree == 50);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == -1);
	CHECK(pa.nfree == 50);
	/* Page 41 joins free pages 40 and 42. */
	CHECK(palloc_free(&pa, 0x1000 + 41 * PG, 1) == 0);
	CHECK(pa.nfree == 51);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == 0);
	CHECK(a == 0x1000 + 40 * PG);
	CHECK(pa.nfree == 49);
	CHECK(palloc_alloc(&pa, 2, 0, &a) == -1);
	/* A single page still comes from the first hole. */
	CHECK(palloc_alloc(&pa, 1, 0, &a) == 0 && a == 0x1000);
	free(bm);
}

/* ---- randomized test against a reference model ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

struct live {
	uint64_t addr;
	size_t n;
};

/* First fit in the model: lowest index aligned in physical terms with a free
 * run of n pages, or -1. */
static long model_first_fit(const bool *used, size_t npages, uint64_t base,
			    size_t n, size_t align)
{
	if (align == 0)
		align = 1;
	for (size_t i = 0; i + n <= npages; i++) {
		if ((base / PG + i) % align)
			continue;
		size_t k = 0;

		while (k < n && !used[i + k])
			k++;
		if (k == n)
			return (long)i;
	}
	return -1;
}

static void random_alloc_free_matches_reference_model(void)
{
	enum { NPAGES = 1000, STEPS = 20000, MAXLIVE = 1000 };
	static const size_t aligns[] = { 0, 1, 1, 1, 2, 4, 8, 16, 64, 512 };
	const uint64_t base = 0x7000; /* page index 7: not aligned to much */
	struct palloc pa;
	uint64_t *bm = new_bitmap(NPAGES);
	bool used[NPAGES] = { false };
	static struct live live[MAXLIVE];
	size_t nlive = 0, nused = 0;
	int bad = 0;

	CHECK(palloc_init(&pa, base, NPAGES, bm) == 0);
	for (int step = 0; step < STEPS && !bad; step++) {
		uint64_t r = rng();
		int op = (int)(r % 10);

		if (op < 5 && nlive < MAXLIVE) {
			size_t n = 1 + (size_t)((r >> 8) % 16);
			size_t align = aligns[(r >> 16) % 10];
			long want = model_first_fit(used, NPAGES, base, n,
						    align);
			uint64_t a = 0;
			int rc = palloc_alloc(&pa, n, align, &a);

			if (want < 0) {
				if (rc != -1) {
					printf("#   step %d: alloc(%zu, %zu) "
					       "succeeded at 0x%llx, model has "
					       "no room\n", step, n, align,
					       (unsigned long long)a);
					bad = 1;
				}
				continue;
			}
			if (rc != 0) {
				printf("#   step %d: alloc(%zu, %zu) failed, "
				       "model has index %ld\n",
				       step, n, align, want);
				bad = 1;
				continue;
			}
			/* In the pool, page aligned, aligned as asked. */
			if (a < base || (a - base) % PG
			    || (a - base) / PG + n > NPAGES
			    || (align > 1 && (a / PG) % align)) {
				printf("#   step %d: alloc(%zu, %zu) gave bad "
				       "0x%llx\n", step, n, align,
				       (unsigned long long)a);
				bad = 1;
				continue;
			}
			size_t first = (size_t)((a - base) / PG);

			for (size_t k = 0; k < n; k++) {
				if (used[first + k]) {
					printf("#   step %d: page %zu handed "
					       "out twice\n", step, first + k);
					bad = 1;
				}
				used[first + k] = true;
			}
			if ((long)first != want) {
				printf("#   step %d: alloc(%zu, %zu) gave index "
				       "%zu, first fit is %ld\n",
				       step, n, align, first, want);
				bad = 1;
			}
			nused += n;
			live[nlive].addr = a;
			live[nlive].n = n;
			nlive++;
		} else if (op < 9 && nlive) {
			size_t j = (size_t)((r >> 8) % nlive);
			struct live l = live[j];
			size_t first = (size_t)((l.addr - base) / PG);

			if (palloc_free(&pa, l.addr, l.n) != 0) {
				printf("#   step %d: free of live 0x%llx+%zu "
				       "refused\n", step,
				       (unsigned long long)l.addr, l.n);
				bad = 1;
			}
			for (size_t k = 0; k < l.n; k++)
				used[first + k] = false;
			nused -= l.n;
			live[j] = live[--nlive];
			/* Freeing it again must be refused. */
			if (palloc_free(&pa, l.addr, l.n) != -1) {
				printf("#   step %d: double free accepted\n",
				       step);
				bad = 1;
			}
		} else {
			/* A free of a range with at least one free page must
			 * be refused and change nothing. */
			size_t first = (size_t)((r >> 8) % NPAGES);
			size_t n = 1 + (size_t)((r >> 24) % 8);
			bool any_free = first + n > NPAGES;

			for (size_t k = 0; k < n && first + k < NPAGES; k++)
				if (!used[first + k])
					any_free = true;
			if (any_free
			    && palloc_free(&pa, base + first * PG, n) != -1) {
				printf("#   step %d: bad free of %zu+%zu "
				       "accepted\n", step, first, n);
				bad = 1;
			}
		}
		if (pa.nfree != NPAGES - nused) {
			printf("#   step %d: nfree %zu, model %zu\n", step,
			       pa.nfree, (size_t)NPAGES - nused);
			bad = 1;
		}
		if (step % 64 == 0) {
			for (size_t i = 0; i < NPAGES; i++) {
				if (page_used(&pa, i) != (int)used[i]) {
					printf("#   step %d: bitmap page %zu "
					       "differs\n", step, i);
					bad = 1;
					break;
				}
			}
		}
	}
	CHECK(!bad);
	/* Free everything that is left: the pool is whole again. */
	while (nlive) {
		nlive--;
		CHECK(palloc_free(&pa, live[nlive].addr, live[nlive].n) == 0);
	}
	CHECK(pa.nfree == NPAGES);
	CHECK(count_used(&pa) == 0);
	uint64_t a = 0;

	CHECK(palloc_alloc(&pa, NPAGES, 0, &a) == 0 && a == base);
	free(bm);
}

int main(void)
{
	RUN(bitmap_words_rounds_up);
	RUN(init_rejects_unaligned_base);
	RUN(init_rejects_range_that_wraps);
	RUN(init_marks_every_page_free);
	RUN(alloc_one_page_returns_base);
	RUN(allocs_are_first_fit_and_ascending);
	RUN(alloc_zero_pages_fails);
	RUN(exhausting_pool_then_alloc_fails);
	RUN(alloc_bigger_than_free_pages_fails);
	RUN(alignment_gives_2mib_aligned_address);
	RUN(alignment_skips_used_page_at_aligned_slot);
	RUN(alloc_with_non_power_of_two_align_fails);
	RUN(alloc_with_alignment_larger_than_pool_fails);
	RUN(free_then_realloc_gets_same_pages);
	RUN(double_free_is_refused_and_changes_nothing);
	RUN(free_outside_pool_is_refused);
	RUN(free_misaligned_address_is_refused);
	RUN(free_of_partially_free_range_is_refused);
	RUN(free_of_zero_pages_is_refused);
	RUN(reserve_marks_range_used);
	RUN(pool_not_multiple_of_64_pages_uses_last_word_edge);
	RUN(full_bitmap_word_is_skipped);
	RUN(fragmented_pool_needs_neighbour_freed_for_two_pages);
	RUN(random_alloc_free_matches_reference_model);
	return CHECK_DONE();
}
