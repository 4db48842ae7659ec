/* Guest MMIO: device models register guest-physical ranges that are not
 * RAM; an EPT violation there is decoded (arch/x86/decode.c) and handed to the
 * range's read or write callback.  The exit handler sees devices only
 * through this table. */
#ifndef PLINTH_MMIOBUS_H
#define PLINTH_MMIOBUS_H

#include <stdint.h>

struct mmio_range {
	uint64_t base, len;
	const char *name;
	void *ctx;
	/* size is 1, 2, 4 or 8; addr is the absolute guest-physical one */
	uint64_t (*read)(void *ctx, uint64_t addr, unsigned size);
	void (*write)(void *ctx, uint64_t addr, unsigned size, uint64_t v);
};

/* -1 on overlap, wrap or a full table. */
int mmiobus_register(const struct mmio_range *r);
/* Removes the range registered at `base` for `ctx` (a BAR that moves or
 * stops decoding); -1 if there is none. */
int mmiobus_remove(uint64_t base, const void *ctx);
/* The range holding [addr, addr+size), or NULL. */
const struct mmio_range *mmiobus_find(uint64_t addr, unsigned size);

#endif
