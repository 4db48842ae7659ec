/* The guest's RAM as Plinth lays it out (layout.h): the regions of one
 * host block behind guest-physical addresses, and the e820 map the
 * loader hands the kernel.  Used by the run (hv/run/vm.c) and by the
 * host-side configuration check (tools/check_config.c), which loads the
 * kernel as the machine would. */
#ifndef PLINTH_GUEST_MEMMAP_H
#define PLINTH_GUEST_MEMMAP_H

#include <stdint.h>

#include "hv/guest/gmem.h"
#include "hv/guest/loader.h"

#define GUEST_E820_MAX 8

/* Guest RAM of `size` bytes at host `ram`: [0, low top) and the rest above
 * 4 GiB, backed by the same offsets; e820 reserves 640K-1M (the ACPI
 * tables live at its top) and the ECAM.  -1 if gm cannot take them. */
int guest_memmap(struct gmem *gm, uint64_t size, uint8_t *ram,
		 struct e820_entry e[GUEST_E820_MAX], unsigned *ne);

#endif
