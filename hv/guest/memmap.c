/* The guest's RAM and e820 map (see memmap.h). */
#include "hv/guest/memmap.h"

#include "hv/guest/layout.h"

int guest_memmap(struct gmem *gm, uint64_t size, uint8_t *ram,
		 struct e820_entry e[GUEST_E820_MAX], unsigned *ne)
{
	uint64_t high = size > GUEST_LOW_RAM_MAX ? size - GUEST_LOW_RAM_MAX : 0;
	uint64_t low_top = size - high;
	unsigned n = 0;

	gmem_init(gm);
	/* The legacy VGA and option-ROM area is memory too (reserved in
	 * e820): Linux scans it for ROM signatures, iBFT and MP tables, and
	 * reads zeros there rather than faulting. */
	if (gmem_add(gm, 0, low_top, ram))
		return -1;
	e[n++] = (struct e820_entry){ 0, GUEST_LOW_RAM_END, E820_RAM };
	e[n++] = (struct e820_entry){ GUEST_LOW_RAM_END,
				      GUEST_BIOS_END - GUEST_LOW_RAM_END,
				      E820_RESERVED };
	e[n++] = (struct e820_entry){ GUEST_HIGH_START,
				      low_top - GUEST_HIGH_START, E820_RAM };
	e[n++] = (struct e820_entry){ GUEST_ECAM_BASE, GUEST_ECAM_SIZE,
				      E820_RESERVED };
	if (high) {
		if (gmem_add(gm, GUEST_4G, high, ram + low_top))
			return -1;
		e[n++] = (struct e820_entry){ GUEST_4G, high, E820_RAM };
	}
	*ne = n;
	return 0;
}
