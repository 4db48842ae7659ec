/* A disk in host memory: a raw image loaded from the ESP, or a blank
 * one.  It completes every request inside submit(), copying between the
 * disk and the request's host-physical ranges. */
#ifndef PLINTH_RAMDISK_H
#define PLINTH_RAMDISK_H

#include <stdint.h>

#include "virtio/blk_backend.h"

#define RAMDISK_MAX_CLEAR_BYTES (8u << 20) /* per DISCARD or WRITE_ZEROES */

struct ramdisk {
	struct blk_backend be;
	uint8_t *mem;
	uint64_t size; /* bytes, a multiple of 512 */
};

/* `size` is rounded down to whole sectors. */
void ramdisk_init(struct ramdisk *d, void *mem, uint64_t size, bool readonly,
		  const char *name);

#endif
