/* lwIP's memory within a budget of its own.
 *
 * lwIP takes everything from the heap (MEM_LIBC_MALLOC with
 * MEMP_MEM_MALLOC: pcbs, pbufs, segments), where its pool sizes, such as
 * MEMP_NUM_TCP_PCB, are no limit.  A peer that opens connections faster
 * than they leave TIME_WAIT, or floods frames, could then grow lwIP until
 * the heap is gone for everyone.  Here lwIP's allocations count against
 * LWIP_HEAP_BUDGET; past it they fail, which lwIP is built for: tcp_alloc
 * recycles the oldest TIME_WAIT (then closing) pcb, a frame without a
 * pbuf is dropped. */
#ifndef PLINTH_LWIP_HEAP_H
#define PLINTH_LWIP_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_HEAP_BUDGET (4u << 20)

struct lwip_heap_stats {
	uint64_t in_use; /* bytes, headers included */
	uint64_t peak;
	uint64_t refused; /* allocations past the budget */
};

extern struct lwip_heap_stats lwip_heap_st;

void *lwip_heap_malloc(size_t n);
void *lwip_heap_calloc(size_t n, size_t size);
void lwip_heap_free(void *p);

#endif
