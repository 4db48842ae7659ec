/* Physical page allocator over the pool that boot/ reserved.
 *
 * A bitmap, one bit per 4 KiB page, searched first-fit.  The hypervisor
 * allocates rarely (page tables, stacks, rings, later EPT) and frees even
 * less, so simplicity and checkable behaviour beat speed here.  Every free
 * is checked: a range outside the pool, a misaligned address or a page that
 * is already free is refused and reported, never silently accepted.
 *
 * Pure bookkeeping: it never touches the pages themselves, so host tests
 * drive it with made-up addresses.
 */
#ifndef PLINTH_PALLOC_H
#define PLINTH_PALLOC_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull

struct palloc {
	uint64_t base; /* physical address of page 0, page aligned */
	size_t npages;
	size_t nfree;
	uint64_t *bitmap; /* 1 = in use; (npages + 63) / 64 words */
};

static inline size_t palloc_bitmap_words(size_t npages)
{
	return (npages + 63) / 64;
}

/* All pages start free.  Returns -1 if base is not page aligned or the
 * range wraps. */
int palloc_init(struct palloc *pa, uint64_t base, size_t npages,
		uint64_t *bitmap);

/* Allocates npages contiguous pages whose physical address is a multiple
 * of align_pages pages (a power of two; 0 or 1 = any).  Returns 0 and the
 * address in *out, or -1 when no such run is free. */
int palloc_alloc(struct palloc *pa, size_t npages, size_t align_pages,
		 uint64_t *out);

/* Marks an exact range as used (for memory the allocator must not hand
 * out, such as its own bitmap).  -1 if any page is outside or in use. */
int palloc_reserve(struct palloc *pa, uint64_t addr, size_t npages);

/* -1 (and nothing changed) if the range is outside the pool, misaligned,
 * or any page in it is not allocated. */
int palloc_free(struct palloc *pa, uint64_t addr, size_t npages);

#endif
