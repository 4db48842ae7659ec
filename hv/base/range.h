/* Half-open address ranges [base, base + len), as the I/O and MMIO buses
 * use them.  Written so that no sum can wrap. */
#ifndef PLINTH_RANGE_H
#define PLINTH_RANGE_H

#include <stdbool.h>
#include <stdint.h>

static inline bool range_overlap(uint64_t a, uint64_t alen, uint64_t b,
				 uint64_t blen)
{
	return a - b < blen || b - a < alen;
}

/* [addr, addr + size) lies wholly inside [base, base + len). */
static inline bool range_contains(uint64_t base, uint64_t len, uint64_t addr,
				  uint64_t size)
{
	return addr >= base && addr - base < len && size <= len - (addr - base);
}

#endif
