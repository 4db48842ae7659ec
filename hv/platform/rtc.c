#include "hv/platform/rtc.h"

#include <stdbool.h>
#include <string.h>

#define REG_B 0x0b
#define REG_B_24H 0x02
#define REG_B_BINARY 0x04
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

static int rtc_field(const struct vrtc *r, uint8_t reg, bool binary)
{
	uint8_t v = r->host_read(reg);

	if (binary)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1; /* not BCD */
	return (v >> 4) * 10 + (v & 0x0f);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar:
 * the year is counted from March, so that the leap day ends it. */
static int64_t days_since_epoch(int y, int m, int d)
{
	int64_t yy = m <= 2 ? y - 1 : y;
	int64_t era = yy / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int64_t vrtc_unix_time(const struct vrtc *r)
{
	static const uint8_t mdays[] = { 31, 29, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31 };
	uint8_t b = r->host_read(REG_B);
	bool bin = b & REG_B_BINARY;
	int sec = rtc_field(r, 0x00, bin), min = rtc_field(r, 0x02, bin);
	uint8_t hraw = r->host_read(0x04);
	int day = rtc_field(r, 0x07, bin), mon = rtc_field(r, 0x08, bin);
	int year = rtc_field(r, 0x09, bin);
	int cent = rtc_field(r, REG_CENTURY, bin);
	/* In 12-hour mode bit 7 of the hour is PM, and 12 means 0. */
	bool pm = !(b & REG_B_24H) && (hraw & 0x80);
	int hour;

	if (bin) {
		hour = hraw & (b & REG_B_24H ? 0xff : 0x7f);
	} else {
		uint8_t h = hraw & (b & REG_B_24H ? 0xff : 0x7f);

		hour = (h & 0x0f) > 9 || (h >> 4) > 9
			       ? -1
			       : (h >> 4) * 10 + (h & 0x0f);
	}
	if (!(b & REG_B_24H) && hour >= 1 && hour <= 12)
		hour = hour % 12 + (pm ? 12 : 0);
	/* A century register that is missing or nonsense: this century. */
	if (cent < 19 || cent > 99)
		cent = 20;
	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || hour > 23
	    || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1]
	    || year < 0 || year > 99)
		return -1;
	year += cent * 100;
	return ((days_since_epoch(year, mon, day) * 24 + hour) * 60 + min) * 60
	       + sec;
}
