/* Guest port I/O: device models register port ranges; the exit handler
 * only calls iobus_in/iobus_out.  A port nobody claims reads as all ones
 * and ignores writes, as on a PC with nothing decoding it. */
#ifndef PLINTH_IOBUS_H
#define PLINTH_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

struct io_range {
	uint16_t base, len;
	const char *name;
	void *ctx;
	/* size is 1, 2 or 4; port is absolute */
	uint32_t (*in)(void *ctx, uint16_t port, unsigned size);
	void (*out)(void *ctx, uint16_t port, unsigned size, uint32_t v);
};

/* What a read of `size` bytes (1, 2 or 4) returns where nothing drives
 * the bus: all ones. */
static inline uint32_t iobus_all_ones(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* -1 if the range overlaps one already registered or the table is full. */
int iobus_register(const struct io_range *r);
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
