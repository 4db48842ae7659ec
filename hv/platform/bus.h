/* One bus type for the guest's port I/O space and its MMIO space: device
 * models register address ranges with read and write handlers, and the
 * exit handlers look the address up.  Ranges never overlap, and an
 * access must lie wholly inside one range: no access straddles devices. */
#ifndef PLINTH_BUS_H
#define PLINTH_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/base/range.h"

struct bus_range {
	uint64_t base, len;
	const char *name;
	void *ctx;
	/* addr is the absolute port or guest-physical address; size is 1,
	 * 2 or 4 (ports) or 1, 2, 4 or 8 (MMIO).  A NULL handler: reads
	 * return all ones, writes are dropped, both counted unclaimed. */
	uint64_t (*read)(void *ctx, uint64_t addr, unsigned size);
	void (*write)(void *ctx, uint64_t addr, unsigned size, uint64_t v);
};

#define BUS_MAX_RANGES 32

struct bus {
	const char *name; /* "port" or "MMIO", for log lines */
	uint64_t limit;	  /* one past the highest address; 0 = 2^64 */
	struct bus_range r[BUS_MAX_RANGES];
	uint64_t accesses[BUS_MAX_RANGES]; /* since the last reset */
	unsigned n;
};

/* -1 if the range is empty, wraps, passes the bus's limit, overlaps one
 * already registered, or the table is full. */
int bus_register(struct bus *b, const struct bus_range *r);
/* Removes the range registered at `base` for `ctx` (a BAR that moves or
 * stops decoding); -1 if there is none. */
int bus_remove(struct bus *b, uint64_t base, const void *ctx);
/* The range holding [addr, addr+size), or NULL; counts the access.
 * Inline: it is on every port and MMIO exit. */
static inline const struct bus_range *bus_find(struct bus *b, uint64_t addr,
					       unsigned size)
{
	for (unsigned i = 0; i < b->n; i++)
		if (range_contains(b->r[i].base, b->r[i].len, addr, size)) {
			b->accesses[i]++;
			return &b->r[i];
		}
	return NULL;
}
/* Accesses per range since the last reset (each guest run starts one).
 * bus_counts() walks the ranges by index, false past the last. */
void bus_reset_counts(struct bus *b);
bool bus_counts(const struct bus *b, unsigned i, const char **name,
		uint64_t *n);

#endif
