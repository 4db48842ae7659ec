#include "hv/platform/mmiobus.h"

#include <stddef.h>

#include "hv/base/range.h"

#define MAX_RANGES 32

static struct mmio_range ranges[MAX_RANGES];
static unsigned nranges;

int mmiobus_register(const struct mmio_range *r)
{
	if (nranges == MAX_RANGES || !r->len || r->base + r->len < r->base)
		return -1;
	for (unsigned i = 0; i < nranges; i++)
		if (range_overlap(r->base, r->len, ranges[i].base,
				  ranges[i].len))
			return -1;
	ranges[nranges++] = *r;
	return 0;
}

int mmiobus_remove(uint64_t base, const void *ctx)
{
	for (unsigned i = 0; i < nranges; i++)
		if (ranges[i].base == base && ranges[i].ctx == ctx) {
			ranges[i] = ranges[--nranges];
			return 0;
		}
	return -1;
}

const struct mmio_range *mmiobus_find(uint64_t addr, unsigned size)
{
	/* The access must lie wholly inside: no straddling devices. */
	for (unsigned i = 0; i < nranges; i++)
		if (range_contains(ranges[i].base, ranges[i].len, addr, size))
			return &ranges[i];
	return NULL;
}
