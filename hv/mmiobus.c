#include "hv/mmiobus.h"

#include <stddef.h>

#define MAX_RANGES 16

static struct mmio_range ranges[MAX_RANGES];
static unsigned nranges;

int mmiobus_register(const struct mmio_range *r)
{
	if (nranges == MAX_RANGES || !r->len || r->base + r->len < r->base)
		return -1;
	for (unsigned i = 0; i < nranges; i++)
		if (r->base < ranges[i].base + ranges[i].len
		    && ranges[i].base < r->base + r->len)
			return -1;
	ranges[nranges++] = *r;
	return 0;
}

const struct mmio_range *mmiobus_find(uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < nranges; i++) {
		const struct mmio_range *r = &ranges[i];

		/* The access must lie wholly inside: no straddling devices. */
		if (addr >= r->base && addr - r->base < r->len
		    && size <= r->len - (addr - r->base))
			return r;
	}
	return NULL;
}
