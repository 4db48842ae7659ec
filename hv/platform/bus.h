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
	/* The handlers belong to the I/O core's side (the PCI host and the
	 * functions behind it): with an I/O core they run there, through
	 * the gateway, while the vCPU waits. */
	bool remote;
	/* Its accesses re-arm no timer and start no work that the platform
	 * hook keeps (the UART, PCI configuration): the vCPU's run loop
	 * need not run the hook after them (hv/run/vcpu.c). */
	bool timeless;
};

#define BUS_MAX_RANGES 32

struct bus {
	const char *name; /* "port" or "MMIO", for log lines */
	uint64_t limit;	  /* one past the highest address; 0 = 2^64 */
	struct bus_range r[BUS_MAX_RANGES];
	uint64_t accesses[BUS_MAX_RANGES]; /* since the last reset */
	unsigned n;
	/* The range the last lookup found, tried first: a driver tends to
	 * hit one device many times in a row.  A hint only, checked like
	 * any other (a removal may have moved another range there).  Like
	 * the counts, written under the platform lock (hv/run/vcpu.h). */
	unsigned last;
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
	unsigned i = b->last;

	if (i < b->n && range_contains(b->r[i].base, b->r[i].len, addr, size)) {
		b->accesses[i]++;
		return &b->r[i];
	}
	for (i = 0; i < b->n; i++)
		if (range_contains(b->r[i].base, b->r[i].len, addr, size)) {
			b->accesses[i]++;
			b->last = i;
			return &b->r[i];
		}
	return NULL;
}
/* How an access to a remote range reaches its owner: `run` calls
 * fn(arg) on the I/O core and returns once it has.  NULL (the default,
 * and single-core mode): the handlers run on the caller's CPU. */
void bus_set_gateway(void (*run)(void (*fn)(void *arg), void *arg));
/* Calls r's handler (which must not be NULL), through the gateway for a
 * remote range.  Inline: on every port and MMIO exit, where a local
 * range must cost no more than the call. */
extern void (*bus_gateway)(void (*fn)(void *arg), void *arg);
uint64_t bus_read_remote(const struct bus_range *r, uint64_t addr,
			 unsigned size);
void bus_write_remote(const struct bus_range *r, uint64_t addr, unsigned size,
		      uint64_t v);

static inline uint64_t bus_read(const struct bus_range *r, uint64_t addr,
				unsigned size)
{
	if (r->remote && bus_gateway)
		return bus_read_remote(r, addr, size);
	return r->read(r->ctx, addr, size);
}

static inline void bus_write(const struct bus_range *r, uint64_t addr,
			     unsigned size, uint64_t v)
{
	if (r->remote && bus_gateway)
		bus_write_remote(r, addr, size, v);
	else
		r->write(r->ctx, addr, size, v);
}

/* Accesses per range since the last reset (each guest run starts one).
 * bus_counts() walks the ranges by index, false past the last. */
void bus_reset_counts(struct bus *b);
bool bus_counts(const struct bus *b, unsigned i, const char **name,
		uint64_t *n);

#endif
