#include "hv/base/pool.h"

#include <string.h>

#include "hv/base/canary.h"
#include "hv/base/spin.h"

static struct palloc pool;
/* The pool's bitmap and the canary list are shared by every CPU: a vCPU's
 * CPU takes its pages when the guest first starts it. */
static struct spin lock;
static char *heap_lo, *heap_brk, *heap_hi;

int pool_init(uint64_t base, uint64_t size)
{
	size_t npages = (size_t)(size / PAGE_SIZE);
	size_t bm_bytes = palloc_bitmap_words(npages) * sizeof(uint64_t);
	size_t bm_pages = (bm_bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	if (npages <= bm_pages
	    || palloc_init(&pool, base, npages, (uint64_t *)base))
		return -1;
	/* palloc_init cleared the bitmap; now claim the pages it sits on. */
	return palloc_reserve(&pool, base, bm_pages);
}

/* Every allocation has one more page, a canary (canary.h): a write past
 * its end, by Plinth or by a device's DMA, shows there. */
void *pool_pages_uncleared(size_t n, size_t align_pages)
{
	uint64_t pa;
	bool taken = spin_lock(&lock);

	if (palloc_alloc(&pool, n + 1, align_pages, &pa)) {
		spin_unlock(&lock, taken);
		return NULL;
	}
	canary_place((void *)(pa + n * PAGE_SIZE), "pool pages", (void *)pa);
	spin_unlock(&lock, taken);
	return (void *)pa;
}

void *pool_pages(size_t n, size_t align_pages)
{
	void *p = pool_pages_uncleared(n, align_pages);

	if (p)
		memset(p, 0, n * PAGE_SIZE);
	return p;
}

void pool_free_pages(void *p, size_t n)
{
	bool taken = spin_lock(&lock);

	canary_remove((uint8_t *)p + n * PAGE_SIZE);
	palloc_free(&pool, (uint64_t)p, n + 1);
	spin_unlock(&lock, taken);
}

int heap_init(size_t bytes)
{
	size_t n = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	heap_lo = pool_pages_uncleared(n, 1); /* malloc promises no zeroes */
	if (!heap_lo)
		return -1;
	heap_brk = heap_lo;
	heap_hi = heap_lo + n * PAGE_SIZE;
	return 0;
}

const struct palloc *pool_allocator(void)
{
	return &pool;
}

uint64_t heap_used(void)
{
	return (uint64_t)(heap_brk - heap_lo);
}

uint64_t heap_size(void)
{
	return (uint64_t)(heap_hi - heap_lo);
}

/* newlib's sbrk (MISSING_SYSCALL_NAMES: plain names).  Running out is an
 * ENOMEM for malloc to report, not a crash. */
#include <errno.h>
#include <unistd.h>
#undef errno
extern int errno;

void *sbrk(ptrdiff_t incr)
{
	char *old = heap_brk;

	if (!heap_lo || (incr > 0 && incr > heap_hi - heap_brk)
	    || (incr < 0 && -incr > heap_brk - heap_lo)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_brk += incr;
	return old;
}
