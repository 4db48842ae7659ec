#include "tests/support/check.h"

#include "hv/guest/layout.h"
#include "hv/platform/iobus.h"
#include "hv/platform/pm.h"

/* One PM block attached once (the I/O bus is process-wide), reset in
 * place by each test. */
static struct vpm P;
static uint64_t fake_ns;

static uint64_t fake_now(void)
{
	return fake_ns;
}

static void fresh(void)
{
	fake_ns = 0;
	vpm_init(&P, fake_now);
}

/* ACPI 6.5, 4.8.3.1 and 4.8.3.2: PM1 status, enable and control bits. */
#define TMR_STS 0x0001
#define GBL_STS 0x0020
#define PWRBTN_STS 0x0100
#define WAK_STS 0x8000
#define SCI_EN 0x0001
#define SLP_TYP(n) ((uint16_t)((n) << 10))
#define SLP_EN 0x2000

#define PM1A_STS GUEST_PM1A_EVT
#define PM1A_EN (GUEST_PM1A_EVT + 2)

static void attach_refuses_a_second_registration(void)
{
	CHECK(vpm_attach(&P) == -1);
}

static void sci_en_always_reads_1(void)
{
	fresh();
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == SCI_EN);
	iobus_out(GUEST_PM1A_CNT, 2, 0x0000);
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == SCI_EN);
	iobus_out(GUEST_PM1A_CNT, 1, 0x00);
	CHECK(iobus_in(GUEST_PM1A_CNT, 1) == SCI_EN);
	iobus_out(GUEST_PM1A_CNT, 4, 0x00000000);
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == SCI_EN);
	/* Other control bits read back (BM_RLD, GBL_RLS here). */
	iobus_out(GUEST_PM1A_CNT, 2, 0x0006);
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == 0x0007);
	CHECK(P.request == PM_NONE);
}

static void status_bits_are_write_1_to_clear(void)
{
	fresh();
	/* Nothing in the model raises events; plant some as hardware would. */
	P.sts = WAK_STS | PWRBTN_STS | GBL_STS | TMR_STS;
	CHECK(iobus_in(PM1A_STS, 2) == 0x8121);
	iobus_out(PM1A_STS, 2, 0x0000);		/* writing 0 changes nothing */
	CHECK(iobus_in(PM1A_STS, 2) == 0x8121);
	iobus_out(PM1A_STS, 2, TMR_STS);
	CHECK(iobus_in(PM1A_STS, 2) == 0x8120);
	iobus_out(PM1A_STS + 1, 1, 0x80);	/* byte write, high byte */
	CHECK(iobus_in(PM1A_STS, 2) == 0x0120);
	CHECK(iobus_in(PM1A_STS + 1, 1) == 0x01);
	/* A dword write at PM1a_EVT clears status and sets enable at once. */
	iobus_out(PM1A_STS, 4, (uint32_t)0x0100 << 16 | GBL_STS);
	CHECK(iobus_in(PM1A_STS, 2) == 0x0100);
	CHECK(iobus_in(PM1A_EN, 2) == 0x0100);
	iobus_out(PM1A_STS, 2, 0xffff);		/* Linux clears them all */
	CHECK(iobus_in(PM1A_STS, 2) == 0x0000);
	CHECK(iobus_in(PM1A_EN, 2) == 0x0100);	/* enable untouched */
}

static void enable_register_round_trips(void)
{
	fresh();
	CHECK(iobus_in(PM1A_EN, 2) == 0x0000);
	iobus_out(PM1A_EN, 2, 0x0321);
	CHECK(iobus_in(PM1A_EN, 2) == 0x0321);
	CHECK(iobus_in(PM1A_EN, 1) == 0x21);
	CHECK(iobus_in(PM1A_EN + 1, 1) == 0x03);
	iobus_out(PM1A_EN + 1, 1, 0x01);	/* high byte only */
	CHECK(iobus_in(PM1A_EN, 2) == 0x0121);
	iobus_out(PM1A_EN, 1, 0x00);		/* low byte only */
	CHECK(iobus_in(PM1A_EN, 2) == 0x0100);
	/* Dword read of the event block: status low, enable high. */
	P.sts = WAK_STS;
	CHECK(iobus_in(PM1A_STS, 4) == 0x01008000u);
	CHECK(P.sts == WAK_STS);		/* enable writes leave status */
}

static void s5_sleep_powers_off(void)
{
	fresh();
	/* What ACPICA's acpi_hw_legacy_sleep does: SLP_TYP first, then
	 * SLP_TYP | SLP_EN, each a 16-bit write of PM1a_CNT. */
	iobus_out(GUEST_PM1A_CNT, 2, SCI_EN | SLP_TYP(5));
	CHECK(P.request == PM_NONE);
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == (SCI_EN | SLP_TYP(5)));
	iobus_out(GUEST_PM1A_CNT, 2, SLP_TYP(5) | SLP_EN);
	CHECK(P.request == PM_POWEROFF);
	/* SLP_EN is write-only (ACPI 6.5, 4.8.3.2): it reads as 0. */
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == (SCI_EN | SLP_TYP(5)));

	fresh();
	iobus_out(GUEST_PM1A_CNT, 2, (5 << 10) | (1 << 13));
	CHECK(P.request == PM_POWEROFF);
	CHECK(!(iobus_in(GUEST_PM1A_CNT, 2) & SLP_EN));

	/* A dword write covering PM1a_CNT. */
	fresh();
	iobus_out(GUEST_PM1A_CNT, 4, SLP_TYP(5) | SLP_EN);
	CHECK(P.request == PM_POWEROFF);
}

static void other_sleep_types_do_nothing(void)
{
	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == 5)
			continue;
		fresh();
		iobus_out(GUEST_PM1A_CNT, 2, SLP_TYP(typ) | SLP_EN);
		CHECK(P.request == PM_NONE);
		CHECK(iobus_in(GUEST_PM1A_CNT, 2) == (SCI_EN | SLP_TYP(typ)));
	}
	/* S5's type without SLP_EN does nothing either. */
	fresh();
	iobus_out(GUEST_PM1A_CNT, 2, SLP_TYP(5));
	CHECK(P.request == PM_NONE);
}

static void byte_writes_to_the_high_byte(void)
{
	fresh();
	iobus_out(GUEST_PM1A_CNT, 1, 0x00);	/* low byte alone: nothing */
	CHECK(P.request == PM_NONE);
	/* (5 << 10 | 1 << 13) >> 8 = 0x34 */
	iobus_out(GUEST_PM1A_CNT + 1, 1, 0x34);
	CHECK(P.request == PM_POWEROFF);
	CHECK(iobus_in(GUEST_PM1A_CNT + 1, 1) == 0x14);
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == 0x1401);

	fresh();
	iobus_out(GUEST_PM1A_CNT + 1, 1, 0x14);	/* SLP_TYP 5 alone */
	CHECK(P.request == PM_NONE);
	iobus_out(GUEST_PM1A_CNT + 1, 1, 0x2c);	/* SLP_TYP 3 | SLP_EN */
	CHECK(P.request == PM_NONE);
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == 0x0c01);
	iobus_out(GUEST_PM1A_CNT + 1, 1, 0x34);
	CHECK(P.request == PM_POWEROFF);
}

/* ACPI 6.5, 4.8.3.3: a 24-bit counter at 3.579545 MHz (TMR_VAL_EXT
 * clear in the FADT). */
static void pm_timer_counts_at_3579545_hz(void)
{
	fresh();
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 0);
	fake_ns = 1000;				/* 3.58 clocks */
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 3);
	fake_ns = 1000000;			/* 1 ms */
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 3579);
	fake_ns = 1000000000;			/* 1 s */
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 3579545);
	/* 3579545 = 0x369e99: the bytes and words of the dword. */
	CHECK(iobus_in(GUEST_PM_TMR, 1) == 0x99);
	CHECK(iobus_in(GUEST_PM_TMR + 1, 1) == 0x9e);
	CHECK(iobus_in(GUEST_PM_TMR + 2, 1) == 0x36);
	CHECK(iobus_in(GUEST_PM_TMR + 3, 1) == 0x00);
	CHECK(iobus_in(GUEST_PM_TMR, 2) == 0x9e99);
	CHECK(iobus_in(GUEST_PM_TMR + 2, 2) == 0x0036);
	/* Writes do not set it. */
	iobus_out(GUEST_PM_TMR, 4, 0x12345678);
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 3579545);
	/* It is not tied to the PM1 registers. */
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == SCI_EN);
	/* Monotonic until the wrap. */
	uint32_t prev = 0;
	int backwards = 0;

	for (fake_ns = 0; fake_ns < 4000000000ull; fake_ns += 3333333) {
		uint32_t v = iobus_in(GUEST_PM_TMR, 4);

		backwards += v < prev;
		prev = v;
	}
	CHECK(backwards == 0);
}

static void pm_timer_wraps_at_2_24(void)
{
	fresh();
	/* 2^24 clocks last 4.687 s. */
	fake_ns = 4686000000ull;		/* 16773747.87 clocks */
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 16773747);
	fake_ns = 4687000000ull;		/* 16777327.4 = 2^24 + 111 */
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 111);
	fake_ns = 10000000000ull;		/* 35795450 = 2 * 2^24 + 2241018 */
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 2241018);
	/* Bits 31:24 always read 0. */
	int high = 0;

	for (fake_ns = 0; fake_ns < 20000000000ull; fake_ns += 7777777)
		high += (iobus_in(GUEST_PM_TMR, 4) & 0xff000000u) != 0;
	CHECK(high == 0);
}

/* The host clock runs from the hypervisor's start: the counter must stay
 * right after months.  60 days = 5184000 s; 5184000 * 3579545 =
 * 18556361280000 clocks, which mod 2^24 is 5409280. */
static void pm_timer_right_after_60_days(void)
{
	fresh();
	fake_ns = 5184000ull * 1000000000ull;
	CHECK(iobus_in(GUEST_PM_TMR, 4) == 5409280);
}

static void reset_register(void)
{
	fresh();
	vpm_reset_write(&P, 0x00);
	CHECK(P.request == PM_NONE);
	vpm_reset_write(&P, 0x02);		/* SYS_RST alone: no reset yet */
	CHECK(P.request == PM_NONE);
	vpm_reset_write(&P, 0x08);		/* FULL_RST alone */
	CHECK(P.request == PM_NONE);
	vpm_reset_write(&P, 0xfb);		/* everything but RST_CPU */
	CHECK(P.request == PM_NONE);
	vpm_reset_write(&P, 0x04);		/* RST_CPU: soft reset */
	CHECK(P.request == PM_RESET);
	fresh();
	vpm_reset_write(&P, 0x06);		/* Linux's hard reset value */
	CHECK(P.request == PM_RESET);
	fresh();
	vpm_reset_write(&P, 0x0e);		/* full reset */
	CHECK(P.request == PM_RESET);
	/* The PM block's registers are untouched by it. */
	CHECK(iobus_in(GUEST_PM1A_CNT, 2) == SCI_EN);
}

int main(void)
{
	fresh();
	if (vpm_attach(&P)) {
		printf("not ok - vpm_attach\n");
		return 1;
	}
	RUN(attach_refuses_a_second_registration);
	RUN(sci_en_always_reads_1);
	RUN(status_bits_are_write_1_to_clear);
	RUN(enable_register_round_trips);
	RUN(s5_sleep_powers_off);
	RUN(other_sleep_types_do_nothing);
	RUN(byte_writes_to_the_high_byte);
	RUN(pm_timer_counts_at_3579545_hz);
	RUN(pm_timer_wraps_at_2_24);
	RUN(pm_timer_right_after_60_days);
	RUN(reset_register);
	return CHECK_DONE();
}
