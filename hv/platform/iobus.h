/* Guest port I/O: device models register port ranges; the exit handler
 * only finds the range and reads or writes through it.  A port nobody
 * claims reads as all ones and ignores writes, as on a PC with nothing
 * decoding it. */
#ifndef PLINTH_IOBUS_H
#define PLINTH_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/platform/bus.h"

/* What a read of `size` bytes (1, 2 or 4) returns where nothing drives
 * the bus: all ones. */
static inline uint32_t iobus_all_ones(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* A port range (struct bus_range): base + len at most 0x10000.  An
 * access goes to the range holding its first port, as a PC's decoding
 * does.  -1 as bus_register(). */
int iobus_register(const struct bus_range *r);
/* The range holding `port` (NULL: nobody claims it), counted; then the
 * access through it.  iobus_in and iobus_out do both. */
const struct bus_range *iobus_find(uint16_t port);
uint32_t iobus_read(const struct bus_range *r, uint16_t port, unsigned size);
void iobus_write(const struct bus_range *r, uint16_t port, unsigned size,
		 uint32_t v);
uint32_t iobus_in(uint16_t port, unsigned size);
void iobus_out(uint16_t port, unsigned size, uint32_t v);
/* Accesses no device claimed, for the exit statistics. */
uint64_t iobus_unclaimed(void);
/* Accesses per range since the last reset (each guest run starts one):
 * which devices the guest's port exits went to.  iobus_counts() walks
 * the ranges by index, false past the last. */
void iobus_reset_counts(void);
bool iobus_counts(unsigned i, const char **name, uint64_t *n);
void iobus_print_counts(void);

#endif
