#include "hv/rtc.h"

#include <string.h>

#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32 /* the guest FADT's CENTURY field points here */

void vrtc_init(struct vrtc *r, uint8_t (*host_read)(uint8_t reg))
{
	memset(r, 0, sizeof(*r));
	r->host_read = host_read;
}

static int from_host(uint8_t reg)
{
	return reg <= 0x0b || reg == REG_CENTURY;
}

uint8_t vrtc_read(struct vrtc *r, uint16_t port)
{
	if (port == 0x70)
		return 0xff; /* the index register is write-only */
	uint8_t reg = r->index & 0x7f;

	if (from_host(reg))
		return r->host_read(reg);
	if (reg == REG_C)
		return 0; /* no alarm, periodic or update interrupts */
	if (reg == REG_D)
		return 0x80; /* valid RAM and time */
	return r->ram[reg];
}

void vrtc_write(struct vrtc *r, uint16_t port, uint8_t v)
{
	if (port == 0x70) {
		r->index = v; /* bit 7 is NMI masking: nothing to mask here */
		return;
	}
	uint8_t reg = r->index & 0x7f;

	if (!from_host(reg) && reg != REG_C && reg != REG_D)
		r->ram[reg] = v;
	/* Setting the clock is refused silently, as on a locked RTC. */
}
