/* Guest physical memory: which guest-physical ranges are RAM and where
 * each lives in host memory.
 *
 * This is the one narrow interface through which device models and the
 * loader reach guest memory: every access names a GPA range, and the range
 * is checked (overflow included, up to the last byte of RAM) before a host
 * pointer is formed.  Plinth identity-maps host memory, so a host pointer
 * is also the host-physical address. */
#ifndef PLINTH_GMEM_H
#define PLINTH_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_MAX_REGIONS 8

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct gmem {
	struct gmem_region r[GMEM_MAX_REGIONS];
	unsigned n;
};

void gmem_init(struct gmem *g);
/* Adds RAM at [gpa, gpa+size) backed by `host`.  Regions are kept sorted;
 * -1 on overlap, overflow, zero size or a full table. */
int gmem_add(struct gmem *g, uint64_t gpa, uint64_t size, void *host);

/* A host pointer for [gpa, gpa+len) when the whole range lies inside one
 * region, else NULL.  len 0 is refused. */
void *gmem_ptr(const struct gmem *g, uint64_t gpa, uint64_t len);
/* Copies across region boundaries; -1 (nothing copied) if any byte of the
 * range is not guest RAM. */
int gmem_read(const struct gmem *g, uint64_t gpa, void *dst, uint64_t len);
int gmem_write(const struct gmem *g, uint64_t gpa, const void *src,
	       uint64_t len);
bool gmem_is_ram(const struct gmem *g, uint64_t gpa, uint64_t len);
/* One past the highest RAM byte. */
uint64_t gmem_top(const struct gmem *g);

#endif
