/* The hypervisor's memory: the pool boot/ reserved, handed out in pages,
 * plus newlib's heap carved from it. */
#ifndef PLINTH_POOL_H
#define PLINTH_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "hv/base/palloc.h"

/* Puts the allocator's bitmap at the start of the pool.  -1 if the pool
 * is too small to hold even that. */
int pool_init(uint64_t base, uint64_t size);

/* Zeroed pages, or NULL.  Each allocation is followed by a canary page
 * (hv/base/canary.h). */
void *pool_pages(size_t n, size_t align_pages);
/* The same without clearing, for buffers that are written before they are
 * read (clearing megabytes costs seconds under Bochs). */
void *pool_pages_uncleared(size_t n, size_t align_pages);
void pool_free_pages(void *p, size_t n);

/* Sets up newlib's heap (sbrk) with `bytes` from the pool. */
int heap_init(size_t bytes);

const struct palloc *pool_allocator(void);
uint64_t heap_used(void);
uint64_t heap_size(void);

#endif
