#include "hv/platform/mmiobus.h"

/* The guest's MMIO space: the LAPIC, the IOAPIC, ECAM and the BARs. */
static struct bus mmio = { .name = "MMIO" };

int mmiobus_register(const struct bus_range *r)
{
	return bus_register(&mmio, r);
}

int mmiobus_remove(uint64_t base, const void *ctx)
{
	return bus_remove(&mmio, base, ctx);
}

const struct bus_range *mmiobus_find(uint64_t addr, unsigned size)
{
	return bus_find(&mmio, addr, size);
}
