/* Guest kernel loader: the flat binary planner.  A raw 64-bit image for
 * bench guests, loaded and entered in long mode at GUEST_HIGH_START; see
 * hv/guest/loader.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "hv/guest/loader_impl.h"

/* a + b, or UINT64_MAX when that overflows: only for messages. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* A flat guest gets the whole command line area. */
int ld_plan_flat(struct ld *l)
{
	size_t len = l->a->kernel_len;

	if (len > GUEST_4G - GUEST_HIGH_START
	    || !gmem_is_ram(l->g, GUEST_HIGH_START, len))
		FAIL(l, "flat: kernel [0x%llx, 0x%llx) is outside guest RAM",
		     U(GUEST_HIGH_START), U(sat_add(GUEST_HIGH_START, len)));
	l->kind = KIND_FLAT;
	l->mode = 64;
	l->entry = GUEST_HIGH_START;
	l->kstart = GUEST_HIGH_START;
	l->kend = GUEST_HIGH_START + len;
	l->initrd_max = GUEST_LOW_RAM_MAX - 1;
	l->cmdline_max = CMDLINE_AREA - 1;
	return 0;
}
