/* Host tests for the virtual local APIC (hv/platform/lapic.c): its reset
 * state and software enable, the x2APIC MSRs, and the xAPIC register
 * file.
 *
 * Each test drives one struct vlapic through vlapic_read/vlapic_write (and
 * the x2APIC MSRs) from the reset state that tests/support/lapic_fixture.c
 * sets up, its timer on a clock the test moves by hand.
 */
#include "tests/support/check.h"
#include "tests/support/lapic_fixture.h"

#include "hv/platform/lapic.h"

/* ---- reset and enable ------------------------------------------------ */

static void reset_state_is_disabled_and_masked(void)
{
	struct vlapic a;
	uint64_t m;

	reset(&a);
	uint32_t ver = vlapic_read(&a, VERSION);

	CHECK(ver == 0x00060014);
	CHECK(((ver >> 16) & 0xff) == 6); /* max LVT index: 7 entries */
	CHECK((ver & 0xff) == 0x14);	  /* integrated APIC */
	CHECK(vlapic_msr_read(&a, 0x803, &m) && m == ver);
	CHECK(vlapic_read(&a, ID) == 0);
	CHECK(vlapic_read(&a, TPR) == 0);
	CHECK(vlapic_read(&a, PPR) == 0);
	CHECK(vlapic_read(&a, DFR) == 0xffffffff);
	CHECK(vlapic_read(&a, LDR) == 0);
	CHECK(vlapic_read(&a, SVR) == 0xff);
	CHECK(!(vlapic_read(&a, SVR) & 0x100)); /* software-disabled */
	CHECK(vlapic_read(&a, ESR) == 0);
	CHECK(vlapic_read(&a, LVT_CMCI_REG) == MASKED);
	for (uint32_t off = LVT_TIMER_REG; off <= LVT_ERROR_REG; off += 16)
		CHECK(vlapic_read(&a, off) == MASKED);
	for (uint32_t i = 0; i < 8; i++) {
		CHECK(vlapic_read(&a, ISR + i * 16) == 0);
		CHECK(vlapic_read(&a, TMR + i * 16) == 0);
		CHECK(vlapic_read(&a, IRR + i * 16) == 0);
	}
	CHECK(vlapic_read(&a, TMICT) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);
	CHECK(vlapic_read(&a, TDCR) == 0);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_pending(&a) == -1);
	/* Held in the IRR, but nothing is delivered while disabled. */
	vlapic_set_irq(&a, 0x40, false);
	CHECK(bit(&a, IRR, 0x40));
	CHECK(vlapic_pending(&a) == -1);
}

static void svr_enables_and_disables(void)
{
	struct vlapic a;

	reset(&a);
	/* While disabled, LVT writes keep the mask bit. */
	vlapic_write(&a, LVT_TIMER_REG, 0x30);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == (MASKED | 0x30));
	vlapic_set_irq(&a, 0x40, false);
	CHECK(vlapic_pending(&a) == -1);

	vlapic_write(&a, SVR, 0x1ff);
	CHECK(vlapic_read(&a, SVR) == 0x1ff);
	CHECK(vlapic_pending(&a) == 0x40);
	vlapic_write(&a, LVT_TIMER_REG, 0x30);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == 0x30);
	vlapic_write(&a, LVT_LINT0_REG, 0x700);	/* ExtINT, unmasked */
	CHECK(vlapic_read(&a, LVT_LINT0_REG) == 0x700);

	/* Clearing the enable bit masks every LVT again. */
	vlapic_write(&a, SVR, 0xff);
	CHECK(vlapic_pending(&a) == -1);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == (MASKED | 0x30));
	CHECK(vlapic_read(&a, LVT_LINT0_REG) == (MASKED | 0x700));
	CHECK(vlapic_read(&a, LVT_CMCI_REG) & MASKED);
	/* Re-enabling does not unmask them. */
	vlapic_write(&a, SVR, 0x1ff);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) & MASKED);
	CHECK(vlapic_pending(&a) == 0x40);
}

/* ---- x2APIC MSRs ----------------------------------------------------------*/

static void x2apic_msr_registers(void)
{
	struct vlapic a;
	uint64_t v;

	fresh(&a);
	vlapic_write(&a, ID, 0x05000000);
	vlapic_set_x2apic(&a, true);
	CHECK(vlapic_msr_read(&a, 0x802, &v) && v == 5); /* not shifted */
	CHECK(vlapic_msr_read(&a, 0x803, &v)
	      && v == vlapic_read(&a, VERSION));
	CHECK(vlapic_msr_write(&a, 0x808, 0x30));
	CHECK(vlapic_msr_read(&a, 0x808, &v) && v == 0x30);
	CHECK(vlapic_read(&a, TPR) == 0x30);
	CHECK(vlapic_msr_read(&a, 0x80a, &v) && v == 0x30); /* PPR */
	CHECK(vlapic_msr_read(&a, 0x80f, &v) && v == 0x1ff); /* SVR */
	CHECK(vlapic_msr_write(&a, 0x832, PERIODIC | 0x28));
	CHECK(vlapic_msr_read(&a, 0x832, &v) && v == (PERIODIC | 0x28));
	CHECK(vlapic_msr_write(&a, 0x83e, 0xb));
	CHECK(vlapic_msr_read(&a, 0x83e, &v) && v == 0xb);
	CHECK(vlapic_msr_write(&a, 0x838, 1000));
	CHECK(vlapic_msr_read(&a, 0x838, &v) && v == 1000);
	tsc += 400;
	CHECK(vlapic_msr_read(&a, 0x839, &v) && v == 600);
	vlapic_set_irq(&a, 0x81, true);
	CHECK(vlapic_msr_read(&a, 0x824, &v) && v == 2);	/* IRR 4 */
	CHECK(vlapic_msr_read(&a, 0x81c, &v) && v == 2);	/* TMR 4 */
	vlapic_accept(&a, 0x81);
	CHECK(vlapic_msr_read(&a, 0x814, &v) && v == 2);	/* ISR 4 */
	CHECK(vlapic_msr_read(&a, 0x824, &v) && v == 0);
	CHECK(vlapic_msr_read(&a, 0x828, &v) && v == 0);	/* ESR */
	CHECK(vlapic_msr_write(&a, 0x828, 0));

	/* ICR: one 64-bit MSR. */
	CHECK(vlapic_msr_write(&a, 0x830, (5ull << 32) | 0x0c0a9));
	CHECK(vlapic_pending(&a) == 0xa9);
	CHECK(vlapic_msr_read(&a, 0x830, &v));
	CHECK(v == ((5ull << 32) | 0x0c0a9));
	CHECK(bit(&a, TMR, 0xa9) == 0);		/* IPIs are edge */
}

static void x2apic_msr_refusals(void)
{
	struct vlapic a;
	uint64_t v;

	fresh(&a);
	vlapic_write(&a, ID, 0x03000000);
	vlapic_write(&a, LDR, 0x04000000);
	vlapic_write(&a, TPR, 0x20);

	CHECK(!vlapic_msr_write(&a, 0x802, 7));		/* ID */
	CHECK(vlapic_msr_read(&a, 0x802, &v) && v == 3);
	CHECK(!vlapic_msr_write(&a, 0x803, 0));		/* VERSION */
	CHECK(vlapic_read(&a, VERSION) == 0x00060014);
	CHECK(!vlapic_msr_write(&a, 0x80a, 0x90));	/* PPR */
	CHECK(vlapic_read(&a, PPR) == 0x20);
	CHECK(!vlapic_msr_write(&a, 0x80d, 0x1));	/* LDR */
	CHECK(vlapic_read(&a, LDR) == 0x04000000);
	CHECK(!vlapic_msr_read(&a, 0x80b, &v));		/* EOI: write-only */
	CHECK(!vlapic_msr_read(&a, 0x80e, &v));		/* DFR: gone */
	CHECK(!vlapic_msr_write(&a, 0x80e, 0));
	CHECK(vlapic_read(&a, DFR) == 0xffffffff);
	CHECK(!vlapic_msr_read(&a, 0x7ff, &v));		/* out of range */
	CHECK(!vlapic_msr_read(&a, 0x900, &v));
	CHECK(!vlapic_msr_write(&a, 0x900, 0));
	CHECK(!vlapic_msr_write(&a, 0x7ff, 0));
	CHECK(!vlapic_msr_read(&a, 0xffffffff, &v));
}

/* lapic.h: "false for MSRs with no register".  SDM table 11-6 has no
 * register at 0x801, 0x804-0x807, 0x809 (APR has no x2APIC form), 0x80c
 * or 0x831 (the ICR is the single MSR 0x830): #GP. */
static void x2apic_msr_without_register_is_refused(void)
{
	struct vlapic a;
	uint64_t v;
	static const uint32_t none[] = { 0x800, 0x801, 0x804, 0x807, 0x809,
					 0x80c, 0x829, 0x831, 0x83a, 0x840,
					 0x8ff };

	fresh_x2(&a);
	for (unsigned i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		bool r = vlapic_msr_read(&a, none[i], &v);
		bool w = vlapic_msr_write(&a, none[i], 0);

		if (r || w)
			printf("#   MSR 0x%x: read %s, write %s\n", none[i],
			       r ? "accepted" : "refused",
			       w ? "accepted" : "refused");
		CHECK(!r);
		CHECK(!w);
	}
}

/* SDM table 11-6: ISR, TMR, IRR and the current count are read-only
 * (WRMSR #GP), SELF IPI is write-only (RDMSR #GP). */
static void x2apic_read_only_and_write_only_msrs_fault(void)
{
	struct vlapic a;
	uint64_t v;

	fresh_x2(&a);
	CHECK(!vlapic_msr_write(&a, 0x810, 0));		/* ISR */
	CHECK(!vlapic_msr_write(&a, 0x818, 0));		/* TMR */
	CHECK(!vlapic_msr_write(&a, 0x820, 0));		/* IRR */
	CHECK(!vlapic_msr_write(&a, 0x839, 0));		/* TMCCT */
	CHECK(!vlapic_msr_read(&a, 0x83f, &v));		/* SELF IPI */
}

/* SDM 11.12.10.1: in x2APIC mode the LDR is read-only and derived from
 * the x2APIC ID: (ID[19:4] << 16) | (1 << ID[3:0]). */
static void x2apic_ldr_is_derived_from_id(void)
{
	struct vlapic a;
	uint64_t v = 0;

	fresh_x2(&a);
	CHECK(vlapic_msr_read(&a, 0x80d, &v) && v == 0x00000001);
	fresh(&a);
	vlapic_write(&a, ID, 0x13000000);	/* ID 0x13: cluster 1, bit 3 */
	vlapic_set_x2apic(&a, true);
	CHECK(vlapic_msr_read(&a, 0x80d, &v) && v == 0x00010008);
}

/* ---- xAPIC register file ---------------------------------------------------*/

static void unaligned_and_unknown_offsets_read_zero(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, TPR, 0x20);
	vlapic_write(&a, ID, 0x02000000);
	CHECK(vlapic_read(&a, VERSION + 4) == 0);
	CHECK(vlapic_read(&a, ID + 1) == 0);
	CHECK(vlapic_read(&a, TPR + 8) == 0);
	CHECK(vlapic_read(&a, SVR + 0xc) == 0);
	CHECK(vlapic_read(&a, LVT_TIMER_REG + 2) == 0);
	/* Unaligned writes do nothing. */
	vlapic_write(&a, TPR + 4, 0xff);
	CHECK(vlapic_read(&a, TPR) == 0x20);
	vlapic_write(&a, SVR + 1, 0);
	CHECK(vlapic_read(&a, SVR) == 0x1ff);
	vlapic_write(&a, TMICT + 4, 100);
	CHECK(vlapic_next_event(&a) == 0);
	/* Reserved offsets read 0. */
	CHECK(vlapic_read(&a, 0x000) == 0);
	CHECK(vlapic_read(&a, 0x040) == 0);
	CHECK(vlapic_read(&a, 0x3f0) == 0);
	CHECK(vlapic_read(&a, 0xff0) == 0);
	CHECK(vlapic_read(&a, 0x090) == 0);	/* APR: not modelled */
}

static void read_only_xapic_registers_ignore_writes(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, VERSION, 0);
	CHECK(vlapic_read(&a, VERSION) == 0x00060014);
	vlapic_write(&a, TPR, 0x20);
	vlapic_write(&a, PPR, 0xf0);
	CHECK(vlapic_read(&a, PPR) == 0x20);
	vlapic_write(&a, IRR + 0x20, 0xffffffff);
	vlapic_write(&a, ISR + 0x20, 0xffffffff);
	vlapic_write(&a, TMR + 0x20, 0xffffffff);
	CHECK(irr_empty(&a));
	CHECK(vlapic_read(&a, ISR + 0x20) == 0);
	CHECK(vlapic_read(&a, TMR + 0x20) == 0);
	vlapic_write(&a, TMCCT, 1234);
	CHECK(vlapic_read(&a, TMCCT) == 0);
	CHECK(vlapic_next_event(&a) == 0);
	/* LDR keeps bits 31:24, DFR only its model bits 31:28. */
	vlapic_write(&a, LDR, 0x12345678);
	CHECK(vlapic_read(&a, LDR) == 0x12000000);
	vlapic_write(&a, DFR, 0x00000000);	/* cluster model */
	CHECK(vlapic_read(&a, DFR) == 0x0fffffff);
}

/* SDM figure 11-8: delivery status (bit 12) and remote IRR (bit 14) of
 * the LVT entries are read-only. */
static void lvt_read_only_bits_are_not_writable(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_LINT0_REG, (1u << 12) | (1u << 14) | 0x31);
	CHECK(vlapic_read(&a, LVT_LINT0_REG) == 0x31);
	vlapic_write(&a, LVT_TIMER_REG, (1u << 12) | 0x32);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == 0x32);
}

int main(void)
{
	RUN(reset_state_is_disabled_and_masked);
	RUN(svr_enables_and_disables);
	RUN(x2apic_msr_registers);
	RUN(x2apic_msr_refusals);
	RUN(x2apic_msr_without_register_is_refused);
	RUN(x2apic_read_only_and_write_only_msrs_fault);
	RUN(x2apic_ldr_is_derived_from_id);
	RUN(unaligned_and_unknown_offsets_read_zero);
	RUN(read_only_xapic_registers_ignore_writes);
	RUN(lvt_read_only_bits_are_not_writable);
	return CHECK_DONE();
}
