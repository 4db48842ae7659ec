/* The guest's MC146818 RTC and CMOS at ports 0x70/0x71.  The time and
 * its format registers (0x00-0x0b, century 0x32) are read from the
 * machine's own RTC, so the guest's date is the machine's; the guest
 * cannot set it, and its other CMOS bytes are a private 128-byte RAM that
 * never touches the real CMOS. */
#ifndef PLINTH_RTC_H
#define PLINTH_RTC_H

#include <stdint.h>

struct vrtc {
	uint8_t index;
	uint8_t ram[128];
	/* Reads a register of the real RTC. */
	uint8_t (*host_read)(uint8_t reg);
};

void vrtc_init(struct vrtc *r, uint8_t (*host_read)(uint8_t reg));
uint8_t vrtc_read(struct vrtc *r, uint16_t port);
void vrtc_write(struct vrtc *r, uint16_t port, uint8_t v);
/* The machine's RTC as seconds since 1970-01-01 00:00 UTC (the RTC is
 * taken to keep UTC, as Linux assumes on a PC without a zone setting),
 * for clocks that hand the guest the wall time directly (kvm-clock's
 * wall clock).  -1 when the registers hold no valid date. */
int64_t vrtc_unix_time(const struct vrtc *r);

#endif
