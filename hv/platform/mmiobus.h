/* Guest MMIO: device models register guest-physical ranges that are not
 * RAM; an EPT violation there is decoded (arch/x86/decode.c) and handed to the
 * range's read or write callback.  The exit handler sees devices only
 * through this table. */
#ifndef PLINTH_MMIOBUS_H
#define PLINTH_MMIOBUS_H

#include <stdint.h>

#include "hv/platform/bus.h"

/* A guest-physical range (struct bus_range); -1 as bus_register(). */
int mmiobus_register(const struct bus_range *r);
/* Removes the range registered at `base` for `ctx` (a BAR that moves or
 * stops decoding); -1 if there is none. */
int mmiobus_remove(uint64_t base, const void *ctx);
/* The range holding [addr, addr+size), or NULL. */
const struct bus_range *mmiobus_find(uint64_t addr, unsigned size);

#endif
