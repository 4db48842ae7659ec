#include "tests/support/check.h"

#include "hv/platform/rtc.h"

/* A fake machine RTC: answers 0x40 + reg (0x80 + reg for the century)
 * and records what was asked. */
static int host_reads;
static int last_reg;
static uint8_t host_bias;

static uint8_t host_read(uint8_t reg)
{
	host_reads++;
	last_reg = reg;
	return (uint8_t)(host_bias + (reg == 0x32 ? 0x80 : 0x40 + reg));
}

static void fresh(struct vrtc *r)
{
	host_reads = 0;
	last_reg = -1;
	host_bias = 0;
	vrtc_init(r, host_read);
}

static uint8_t cmos_read(struct vrtc *r, uint8_t index)
{
	vrtc_write(r, 0x70, index);
	return vrtc_read(r, 0x71);
}

static void cmos_write(struct vrtc *r, uint8_t index, uint8_t v)
{
	vrtc_write(r, 0x70, index);
	vrtc_write(r, 0x71, v);
}

static void time_registers_come_from_the_host(void)
{
	struct vrtc r;
	/* MC146818: 0-9 seconds..year, 0x0a-0x0b status A/B; 0x32 is the
	 * century byte the FADT's CENTURY field names. */
	static const uint8_t regs[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
					0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
					0x32 };

	fresh(&r);
	for (unsigned i = 0; i < sizeof(regs); i++) {
		int before = host_reads;

		last_reg = -1;
		uint8_t v = cmos_read(&r, regs[i]);

		CHECK(host_reads == before + 1);
		CHECK(last_reg == regs[i]);
		CHECK(v == (regs[i] == 0x32 ? 0x80 : 0x40 + regs[i]));
	}
	/* Every read goes to the host: the guest sees the clock move. */
	host_bias = 1;
	CHECK(cmos_read(&r, 0x00) == 0x41);
	CHECK(cmos_read(&r, 0x32) == 0x81);
	/* Neighbours of the century byte are plain RAM. */
	int before = host_reads;

	CHECK(cmos_read(&r, 0x31) == 0x00);
	CHECK(cmos_read(&r, 0x33) == 0x00);
	CHECK(cmos_read(&r, 0x0e) == 0x00);
	CHECK(host_reads == before);
}

static void nvram_round_trips(void)
{
	struct vrtc r;

	fresh(&r);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			cmos_write(&r, (uint8_t)i, (uint8_t)(i * 7 + 3));
	int bad = 0;

	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32 && cmos_read(&r, (uint8_t)i) != (uint8_t)(i * 7 + 3))
			bad++;
	CHECK(bad == 0);
	CHECK(host_reads == 0);
	/* Writing the index alone changes nothing. */
	vrtc_write(&r, 0x70, 0x20);
	vrtc_write(&r, 0x70, 0x21);
	CHECK(cmos_read(&r, 0x20) == (uint8_t)(0x20 * 7 + 3));
	/* A second VM's CMOS is its own. */
	struct vrtc r2;

	vrtc_init(&r2, host_read);
	CHECK(cmos_read(&r2, 0x20) == 0x00);
	CHECK(cmos_read(&r, 0x20) == (uint8_t)(0x20 * 7 + 3));
}

static void time_writes_are_refused(void)
{
	struct vrtc r;

	fresh(&r);
	for (unsigned i = 0; i <= 0x0b; i++)
		cmos_write(&r, (uint8_t)i, 0x99);
	cmos_write(&r, 0x32, 0x99);
	/* Writing reads nothing from (and there is nothing to write to) the
	 * host; reads still give the host's values. */
	CHECK(host_reads == 0);
	for (unsigned i = 0; i <= 0x0b; i++)
		CHECK(cmos_read(&r, (uint8_t)i) == 0x40 + i);
	CHECK(cmos_read(&r, 0x32) == 0x80);
	/* Linux's set_rtc_mmss-style sequence: SET in B, write, clear SET. */
	cmos_write(&r, 0x0b, 0x82);
	cmos_write(&r, 0x00, 0x00);
	cmos_write(&r, 0x0b, 0x02);
	CHECK(cmos_read(&r, 0x0b) == 0x4b);
	CHECK(cmos_read(&r, 0x00) == 0x40);
}

static void status_c_and_d(void)
{
	struct vrtc r;

	fresh(&r);
	CHECK(cmos_read(&r, 0x0c) == 0x00);	/* no IRQF, PF, AF, UF */
	CHECK(cmos_read(&r, 0x0d) == 0x80);	/* VRT: battery good */
	cmos_write(&r, 0x0c, 0xff);
	cmos_write(&r, 0x0d, 0x00);
	CHECK(cmos_read(&r, 0x0c) == 0x00);
	CHECK(cmos_read(&r, 0x0d) == 0x80);
	CHECK(host_reads == 0);
}

static void index_port_reads_ff(void)
{
	struct vrtc r;

	fresh(&r);
	CHECK(vrtc_read(&r, 0x70) == 0xff);
	vrtc_write(&r, 0x70, 0x0e);
	CHECK(vrtc_read(&r, 0x70) == 0xff);
	CHECK(host_reads == 0);
}

static void nmi_mask_bit_does_not_select(void)
{
	struct vrtc r;

	fresh(&r);
	/* Linux writes the index with bit 7 set (NMI disabled). */
	CHECK(cmos_read(&r, 0x80 | 0x04) == 0x44);
	CHECK(last_reg == 0x04);
	CHECK(cmos_read(&r, 0x80 | 0x32) == 0x80);
	CHECK(last_reg == 0x32);
	CHECK(cmos_read(&r, 0x80 | 0x0c) == 0x00);
	CHECK(cmos_read(&r, 0x80 | 0x0d) == 0x80);
	cmos_write(&r, 0x80 | 0x10, 0x5a);
	CHECK(cmos_read(&r, 0x10) == 0x5a);
	cmos_write(&r, 0x11, 0xa5);
	CHECK(cmos_read(&r, 0x80 | 0x11) == 0xa5);
	cmos_write(&r, 0xff, 0x3c);		/* 0x7f, the last byte */
	CHECK(cmos_read(&r, 0x7f) == 0x3c);
	/* Time registers stay refused with the NMI bit set too. */
	cmos_write(&r, 0x80 | 0x00, 0x12);
	CHECK(cmos_read(&r, 0x00) == 0x40);
}

/* A machine RTC holding a given date, register by register. */
static uint8_t clock_regs[0x80];

static uint8_t clock_read(uint8_t reg)
{
	return clock_regs[reg & 0x7f];
}

static void set_clock(uint8_t b, uint8_t sec, uint8_t min, uint8_t hour,
		      uint8_t day, uint8_t mon, uint8_t year, uint8_t cent)
{
	memset(clock_regs, 0, sizeof(clock_regs));
	clock_regs[0x0b] = b;
	clock_regs[0x00] = sec;
	clock_regs[0x02] = min;
	clock_regs[0x04] = hour;
	clock_regs[0x07] = day;
	clock_regs[0x08] = mon;
	clock_regs[0x09] = year;
	clock_regs[0x32] = cent;
}

static void the_machine_clock_as_unix_time(void)
{
	struct vrtc r;

	vrtc_init(&r, clock_read);
	/* BCD, 24-hour: 2026-12-06 08:28:23 UTC. */
	set_clock(0x02, 0x23, 0x28, 0x08, 0x06, 0x12, 0x26, 0x20);
	CHECK(vrtc_unix_time(&r) == 1796545703);
	/* Binary, 24-hour: 2000-02-29 23:59:59 (a leap day). */
	set_clock(0x06, 59, 59, 23, 29, 2, 0, 20);
	CHECK(vrtc_unix_time(&r) == 951868799);
	/* BCD, 12-hour: 12 AM is midnight, 12 PM noon, 1 PM 13:00. */
	set_clock(0x00, 0x00, 0x00, 0x12, 0x01, 0x01, 0x70, 0x19);
	CHECK(vrtc_unix_time(&r) == 0);
	set_clock(0x00, 0x00, 0x00, 0x92, 0x01, 0x01, 0x70, 0x19);
	CHECK(vrtc_unix_time(&r) == 12 * 3600);
	set_clock(0x00, 0x00, 0x00, 0x81, 0x01, 0x01, 0x70, 0x19);
	CHECK(vrtc_unix_time(&r) == 13 * 3600);
	/* No century register: this century. */
	set_clock(0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x25, 0x00);
	CHECK(vrtc_unix_time(&r) == 1735689600);
}

static void a_clock_that_holds_no_date_is_unknown(void)
{
	struct vrtc r;

	vrtc_init(&r, clock_read);
	/* Not BCD, month 13, day 0, hour 24, an unset (all-ones) chip. */
	set_clock(0x02, 0x5a, 0x00, 0x00, 0x01, 0x01, 0x25, 0x20);
	CHECK(vrtc_unix_time(&r) == -1);
	set_clock(0x06, 0, 0, 0, 1, 13, 25, 20);
	CHECK(vrtc_unix_time(&r) == -1);
	set_clock(0x06, 0, 0, 0, 0, 1, 25, 20);
	CHECK(vrtc_unix_time(&r) == -1);
	set_clock(0x06, 0, 0, 24, 1, 1, 25, 20);
	CHECK(vrtc_unix_time(&r) == -1);
	memset(clock_regs, 0xff, sizeof(clock_regs));
	CHECK(vrtc_unix_time(&r) == -1);
}

int main(void)
{
	RUN(the_machine_clock_as_unix_time);
	RUN(a_clock_that_holds_no_date_is_unknown);
	RUN(time_registers_come_from_the_host);
	RUN(nvram_round_trips);
	RUN(time_writes_are_refused);
	RUN(status_c_and_d);
	RUN(index_port_reads_ff);
	RUN(nmi_mask_bit_does_not_select);
	return CHECK_DONE();
}
