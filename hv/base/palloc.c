#include "hv/base/palloc.h"

#include <string.h>

static int test_bit(const struct palloc *pa, size_t i)
{
	return (pa->bitmap[i / 64] >> (i % 64)) & 1;
}

static void set_range(struct palloc *pa, size_t first, size_t n, int used)
{
	for (size_t i = first; i < first + n; i++) {
		uint64_t m = 1ull << (i % 64);

		if (used)
			pa->bitmap[i / 64] |= m;
		else
			pa->bitmap[i / 64] &= ~m;
	}
	pa->nfree = used ? pa->nfree - n : pa->nfree + n;
}

int palloc_init(struct palloc *pa, uint64_t base, size_t npages,
		uint64_t *bitmap)
{
	if (base & (PAGE_SIZE - 1))
		return -1;
	if (npages > (UINT64_MAX - base) / PAGE_SIZE)
		return -1;
	pa->base = base;
	pa->npages = npages;
	pa->nfree = npages;
	pa->bitmap = bitmap;
	memset(bitmap, 0, palloc_bitmap_words(npages) * sizeof(uint64_t));
	return 0;
}

/* Range check shared by reserve and free: a page-aligned range that lies
 * wholly inside the pool.  Sets *first to its first page index. */
static int in_pool(const struct palloc *pa, uint64_t addr, size_t npages,
		   size_t *first)
{
	if (npages == 0 || (addr & (PAGE_SIZE - 1)) || addr < pa->base)
		return 0;
	uint64_t idx = (addr - pa->base) / PAGE_SIZE;

	if (idx >= pa->npages || npages > pa->npages - idx)
		return 0;
	*first = (size_t)idx;
	return 1;
}

/* Smallest index >= i whose physical address is a multiple of align pages. */
static size_t align_index(const struct palloc *pa, size_t i, size_t align)
{
	size_t phase = (size_t)((pa->base / PAGE_SIZE + i) % align);

	return phase ? i + (align - phase) : i;
}

int palloc_alloc(struct palloc *pa, size_t npages, size_t align_pages,
		 uint64_t *out)
{
	if (npages == 0 || npages > pa->nfree)
		return -1;
	if (align_pages == 0)
		align_pages = 1;
	if (align_pages & (align_pages - 1))
		return -1;
	size_t i = align_index(pa, 0, align_pages);

	while (i < pa->npages && npages <= pa->npages - i) {
		size_t run = 0;

		/* A full bitmap word cannot start a run: skip it whole. */
		if (i % 64 == 0 && pa->bitmap[i / 64] == UINT64_MAX) {
			i = align_index(pa, i + 64, align_pages);
			continue;
		}
		while (run < npages && !test_bit(pa, i + run))
			run++;
		if (run == npages) {
			set_range(pa, i, npages, 1);
			*out = pa->base + (uint64_t)i * PAGE_SIZE;
			return 0;
		}
		/* Page i + run is used: no run can start before it ends. */
		i = align_index(pa, i + run + 1, align_pages);
	}
	return -1;
}

int palloc_reserve(struct palloc *pa, uint64_t addr, size_t npages)
{
	size_t first;

	if (!in_pool(pa, addr, npages, &first))
		return -1;
	for (size_t i = first; i < first + npages; i++)
		if (test_bit(pa, i))
			return -1;
	set_range(pa, first, npages, 1);
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t addr, size_t npages)
{
	size_t first;

	if (!in_pool(pa, addr, npages, &first))
		return -1;
	for (size_t i = first; i < first + npages; i++)
		if (!test_bit(pa, i))
			return -1;
	set_range(pa, first, npages, 0);
	return 0;
}
