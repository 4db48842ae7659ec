#include "check.h"

#include "hv/platform/lapic.h"

/* xAPIC register offsets (SDM vol. 3A, table 11-1). */
#define ID 0x020
#define VERSION 0x030
#define TPR 0x080
#define PPR 0x0a0
#define EOI 0x0b0
#define LDR 0x0d0
#define DFR 0x0e0
#define SVR 0x0f0
#define ISR 0x100
#define TMR 0x180
#define IRR 0x200
#define ESR 0x280
#define LVT_CMCI_REG 0x2f0
#define ICR_LO 0x300
#define ICR_HI 0x310
#define LVT_TIMER_REG 0x320
#define LVT_LINT0_REG 0x350
#define LVT_ERROR_REG 0x370
#define TMICT 0x380
#define TMCCT 0x390
#define TDCR 0x3e0

#define MASKED (1u << 16)
#define ONESHOT (0u << 17)
#define PERIODIC (1u << 17)
#define DEADLINE (2u << 17)

/* The timer's clock: a variable the tests move by hand. */
static uint64_t tsc;
static int eoi_calls;
static int eoi_vector;

static uint64_t fake_now(void)
{
	return tsc;
}

static void record_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	eoi_calls++;
	eoi_vector = vector;
}

/* Reset state: software-disabled, as after power-up. */
static void reset(struct vlapic *a)
{
	tsc = 1000000;
	eoi_calls = 0;
	eoi_vector = -1;
	vlapic_init(a, fake_now);
	a->eoi_level = record_eoi;
}

/* Reset, then software-enabled with spurious vector 0xff. */
static void fresh(struct vlapic *a)
{
	reset(a);
	vlapic_write(a, SVR, 0x1ff);
}

/* The x2APIC MSRs exist only in x2APIC mode (SDM 11.12.1.2); the
 * hypervisor's MSR code refuses them otherwise. */
static void fresh_x2(struct vlapic *a)
{
	fresh(a);
	vlapic_set_x2apic(a, true);
}

static int bit(struct vlapic *a, uint32_t base, unsigned v)
{
	return (vlapic_read(a, base + (v / 32) * 16) >> (v % 32)) & 1;
}

static int irr_empty(struct vlapic *a)
{
	for (uint32_t i = 0; i < 8; i++)
		if (vlapic_read(a, IRR + i * 16))
			return 0;
	return 1;
}

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

/* ---- priority --------------------------------------------------------- */

static void ppr_is_the_higher_of_tpr_and_isr_class(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, TPR, 0x35);
	CHECK(vlapic_read(&a, TPR) == 0x35);
	CHECK(vlapic_read(&a, PPR) == 0x35);	/* no ISR: PPR = TPR */
	vlapic_write(&a, TPR, 0x1ff);		/* bits 31:8 reserved */
	CHECK(vlapic_read(&a, TPR) == 0xff);
	vlapic_write(&a, TPR, 0x35);

	vlapic_set_irq(&a, 0x5b, false);
	vlapic_accept(&a, 0x5b);
	CHECK(vlapic_read(&a, PPR) == 0x50);	/* ISR class, low bits 0 */
	vlapic_write(&a, TPR, 0x5a);		/* same class: TPR wins */
	CHECK(vlapic_read(&a, PPR) == 0x5a);
	vlapic_write(&a, TPR, 0x62);
	CHECK(vlapic_read(&a, PPR) == 0x62);
	vlapic_write(&a, TPR, 0x00);
	CHECK(vlapic_read(&a, PPR) == 0x50);
	vlapic_write(&a, EOI, 0);
	CHECK(vlapic_read(&a, PPR) == 0x00);
}

static void pending_only_above_ppr_class(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, TPR, 0x40);
	vlapic_set_irq(&a, 0x45, false);
	CHECK(vlapic_pending(&a) == -1);	/* class 4 is not above 4 */
	vlapic_set_irq(&a, 0x3f, false);
	CHECK(vlapic_pending(&a) == -1);
	vlapic_write(&a, TPR, 0x3f);		/* class 3 */
	CHECK(vlapic_pending(&a) == 0x45);
	vlapic_write(&a, TPR, 0x4f);
	CHECK(vlapic_pending(&a) == -1);
	vlapic_set_irq(&a, 0x50, false);
	CHECK(vlapic_pending(&a) == 0x50);
	vlapic_set_irq(&a, 0x70, false);
	vlapic_set_irq(&a, 0x61, false);
	CHECK(vlapic_pending(&a) == 0x70);	/* highest first */
	vlapic_write(&a, TPR, 0xf0);
	CHECK(vlapic_pending(&a) == -1);
	vlapic_write(&a, TPR, 0);
	CHECK(vlapic_pending(&a) == 0x70);
	vlapic_set_irq(&a, 0xff, false);
	CHECK(vlapic_pending(&a) == 0xff);
}

static void accept_moves_irr_to_isr(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_set_irq(&a, 0x41, false);
	CHECK(bit(&a, IRR, 0x41) && !bit(&a, ISR, 0x41));
	CHECK(vlapic_read(&a, IRR + 0x20) == 1u << 1); /* 0x41: word 2 */
	vlapic_accept(&a, 0x41);
	CHECK(!bit(&a, IRR, 0x41) && bit(&a, ISR, 0x41));
	CHECK(vlapic_read(&a, ISR + 0x20) == 1u << 1);
	CHECK(vlapic_pending(&a) == -1);
	/* Same class as the one in service: held. */
	vlapic_set_irq(&a, 0x4e, false);
	CHECK(vlapic_pending(&a) == -1);
	/* Higher class: nests. */
	vlapic_set_irq(&a, 0x51, false);
	CHECK(vlapic_pending(&a) == 0x51);
	vlapic_accept(&a, 0x51);
	CHECK(vlapic_pending(&a) == -1);
	vlapic_write(&a, EOI, 0);		/* 0x51 done */
	CHECK(vlapic_pending(&a) == -1);	/* 0x41 still in service */
	vlapic_write(&a, EOI, 0);		/* 0x41 done */
	CHECK(vlapic_pending(&a) == 0x4e);
}

/* ---- EOI ----------------------------------------------------------------*/

static void eoi_clears_highest_isr_and_reports_level_only(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, EOI, 0);		/* nothing in service */
	CHECK(eoi_calls == 0);

	vlapic_set_irq(&a, 0x41, true);		/* level */
	CHECK(bit(&a, TMR, 0x41));
	vlapic_accept(&a, 0x41);
	vlapic_set_irq(&a, 0x61, false);	/* edge */
	CHECK(!bit(&a, TMR, 0x61));
	vlapic_accept(&a, 0x61);
	CHECK(bit(&a, ISR, 0x41) && bit(&a, ISR, 0x61));

	vlapic_write(&a, EOI, 0);
	CHECK(!bit(&a, ISR, 0x61) && bit(&a, ISR, 0x41));
	CHECK(eoi_calls == 0);			/* edge: not reported */
	vlapic_write(&a, EOI, 0);
	CHECK(!bit(&a, ISR, 0x41));
	CHECK(eoi_calls == 1 && eoi_vector == 0x41);
	CHECK(!bit(&a, TMR, 0x41));
	vlapic_write(&a, EOI, 0);
	CHECK(eoi_calls == 1);

	/* No callback installed: a level EOI is still fine. */
	a.eoi_level = NULL;
	vlapic_set_irq(&a, 0x42, true);
	vlapic_accept(&a, 0x42);
	vlapic_write(&a, EOI, 0);
	CHECK(!bit(&a, ISR, 0x42));
	CHECK(eoi_calls == 1);

	/* x2APIC EOI MSR does the same. */
	a.eoi_level = record_eoi;
	vlapic_set_irq(&a, 0x43, true);
	vlapic_accept(&a, 0x43);
	CHECK(vlapic_msr_write(&a, 0x80b, 0));
	CHECK(!bit(&a, ISR, 0x43));
	CHECK(eoi_calls == 2 && eoi_vector == 0x43);
}

/* ---- illegal vectors and ESR ---------------------------------------------*/

static void vectors_below_16_are_illegal(void)
{
	struct vlapic a;

	fresh(&a);
	for (unsigned v = 0; v < 16; v++)
		vlapic_set_irq(&a, (uint8_t)v, v & 1);
	CHECK(irr_empty(&a));
	CHECK(vlapic_read(&a, TMR) == 0);
	CHECK(vlapic_pending(&a) == -1);
	vlapic_write(&a, ESR, 0);		/* latch the errors (11.5.3) */
	CHECK(vlapic_read(&a, ESR) & (1u << 6)); /* received illegal vector */
	vlapic_set_irq(&a, 16, false);		/* 16 is the first legal one */
	CHECK(vlapic_pending(&a) == 16);
	vlapic_accept(&a, 16);
	vlapic_write(&a, EOI, 0);

	/* Neither IPI path sets an IRR bit below 16. */
	vlapic_write(&a, ICR_LO, (1u << 18) | 0x05);
	CHECK(vlapic_msr_write(&a, 0x83f, 0x07));
	CHECK(irr_empty(&a));
	CHECK(vlapic_pending(&a) == -1);
}

/* SDM 11.5.3: "A write (of any value) to the ESR must be done to update
 * the register before attempting to read it.  This write clears any
 * previously logged errors and updates the ESR with any errors detected
 * since the last write."  Linux does exactly this (write 0, then read). */
static void esr_write_then_read_reports_errors(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, ESR, 0);
	vlapic_set_irq(&a, 3, false);		/* receive illegal vector */
	vlapic_write(&a, ESR, 0);
	CHECK(vlapic_read(&a, ESR) & (1u << 6));
	vlapic_write(&a, ESR, 0);		/* back-to-back: cleared */
	CHECK(vlapic_read(&a, ESR) == 0);
}

/* SDM 11.5.3, bit 5 "Send Illegal Vector": set by a write to the ICR or
 * to SELF IPI with a vector 0-15.  Accept either ESR read discipline. */
static void illegal_ipi_vector_sets_send_illegal_vector(void)
{
	struct vlapic a;
	uint32_t direct, latched;

	fresh(&a);
	vlapic_write(&a, ESR, 0);
	vlapic_write(&a, ICR_LO, (1u << 18) | 0x05); /* self, vector 5 */
	direct = vlapic_read(&a, ESR);
	vlapic_write(&a, ESR, 0);
	latched = vlapic_read(&a, ESR);
	CHECK((direct | latched) & (1u << 5));

	fresh(&a);
	vlapic_write(&a, ESR, 0);
	CHECK(vlapic_msr_write(&a, 0x83f, 0x05));
	direct = vlapic_read(&a, ESR);
	vlapic_write(&a, ESR, 0);
	latched = vlapic_read(&a, ESR);
	CHECK((direct | latched) & (1u << 5));
}

/* ---- IPIs ---------------------------------------------------------------*/

static void self_ipi_through_icr(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, ICR_LO, (1u << 18) | 0x44); /* shorthand: self */
	CHECK(vlapic_pending(&a) == 0x44);
	CHECK(!bit(&a, TMR, 0x44));
	CHECK(vlapic_read(&a, ICR_LO) == ((1u << 18) | 0x44));
	CHECK(!(vlapic_read(&a, ICR_LO) & (1u << 12))); /* idle */
	vlapic_accept(&a, 0x44);
	vlapic_write(&a, EOI, 0);
	CHECK(eoi_calls == 0);

	/* The guest polls delivery status: it never reads back as pending. */
	vlapic_write(&a, ICR_LO, (1u << 18) | (1u << 12) | 0x45);
	CHECK(!(vlapic_read(&a, ICR_LO) & (1u << 12)));
	CHECK(vlapic_pending(&a) == 0x45);
	vlapic_accept(&a, 0x45);
	vlapic_write(&a, EOI, 0);

	vlapic_write(&a, ICR_LO, (2u << 18) | 0x46); /* all including self */
	CHECK(vlapic_pending(&a) == 0x46);
	vlapic_accept(&a, 0x46);
	vlapic_write(&a, EOI, 0);
	vlapic_write(&a, ICR_LO, (3u << 18) | 0x47); /* all excluding self */
	CHECK(irr_empty(&a));
	/* NMI and INIT to self carry no vector into the IRR. */
	vlapic_write(&a, ICR_LO, (1u << 18) | (4u << 8) | 0x48);
	vlapic_write(&a, ICR_LO, (1u << 18) | (5u << 8) | 0x49);
	CHECK(irr_empty(&a));

	/* No shorthand, destination our own APIC ID. */
	vlapic_write(&a, ID, 0x05000000);
	CHECK(vlapic_read(&a, ID) == 0x05000000);
	vlapic_write(&a, ICR_HI, 0x05000000);
	CHECK(vlapic_read(&a, ICR_HI) == 0x05000000);
	vlapic_write(&a, ICR_LO, 0x4a);
	CHECK(vlapic_pending(&a) == 0x4a);
}

static void self_ipi_through_x2apic_msr(void)
{
	struct vlapic a;

	fresh(&a);
	CHECK(vlapic_msr_write(&a, 0x83f, 0x55));
	CHECK(vlapic_pending(&a) == 0x55);
	CHECK(!bit(&a, TMR, 0x55));
	vlapic_accept(&a, 0x55);
	CHECK(vlapic_msr_write(&a, 0x80b, 0));
	CHECK(!bit(&a, ISR, 0x55));
	/* Only the vector field counts. */
	CHECK(vlapic_msr_write(&a, 0x83f, 0xffffff00ull | 0x66));
	CHECK(vlapic_pending(&a) == 0x66);
	/* SELF_IPI does not exist at an xAPIC offset. */
	fresh(&a);
	vlapic_write(&a, 0x3f0, 0x77);
	CHECK(irr_empty(&a));
}

static void icr_to_another_apic_id_does_nothing(void)
{
	struct vlapic a;
	uint64_t v;

	fresh(&a);
	vlapic_write(&a, ICR_HI, 0x01000000);	/* APIC ID 1: nobody */
	vlapic_write(&a, ICR_LO, 0x40);
	CHECK(irr_empty(&a));
	vlapic_write(&a, ICR_LO, (5u << 8) | (1u << 14));  /* INIT */
	vlapic_write(&a, ICR_LO, (6u << 8) | 0x10);	    /* SIPI */
	CHECK(irr_empty(&a));
	CHECK(vlapic_pending(&a) == -1);

	/* x2APIC: one 64-bit MSR, destination in bits 63:32. */
	vlapic_set_x2apic(&a, true);
	CHECK(vlapic_msr_write(&a, 0x830, (1ull << 32) | 0x41));
	CHECK(irr_empty(&a));
	CHECK(vlapic_msr_read(&a, 0x830, &v));
	CHECK(v == ((1ull << 32) | 0x41));
	CHECK(vlapic_msr_write(&a, 0x830, (0ull << 32) | 0x42)); /* us */
	CHECK(vlapic_pending(&a) == 0x42);
	CHECK(vlapic_msr_read(&a, 0x830, &v) && v == 0x42);
}

/* SDM 11.12.9: in x2APIC mode the ICR destination is the full 32 bits
 * 63:32.  APIC ID 0x100 is not APIC ID 0, and reading the ICR back
 * returns what was written. */
static void x2apic_icr_destination_is_32_bits(void)
{
	struct vlapic a;
	uint64_t v = 0;

	fresh_x2(&a);
	CHECK(vlapic_msr_write(&a, 0x830, (0x100ull << 32) | 0x40));
	CHECK(irr_empty(&a));
	CHECK(vlapic_pending(&a) == -1);
	CHECK(vlapic_msr_write(&a, 0x830, (0x12345678ull << 32) | 0x4041));
	CHECK(vlapic_msr_read(&a, 0x830, &v));
	CHECK(v == ((0x12345678ull << 32) | 0x4041));
}

/* SDM 11.6.2.2: in logical destination mode (ICR bit 11) the message
 * destination is matched against LDR (flat model: a bit mask), not
 * against the APIC ID.  Linux's flat xAPIC mode sends IPIs this way with
 * LDR = 1 << 24 on CPU 0. */
static void icr_logical_destination_matching_ldr_delivers(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, DFR, 0xffffffff);	/* flat model */
	vlapic_write(&a, LDR, 0x01000000);
	CHECK(vlapic_read(&a, LDR) == 0x01000000);
	vlapic_write(&a, ICR_HI, 0x01000000);
	vlapic_write(&a, ICR_LO, (1u << 11) | 0x40);
	CHECK(vlapic_pending(&a) == 0x40);
	vlapic_accept(&a, 0x40);
	vlapic_write(&a, EOI, 0);
	/* Logical destination 0 addresses nobody, even with APIC ID 0. */
	vlapic_write(&a, ICR_HI, 0x00000000);
	vlapic_write(&a, ICR_LO, (1u << 11) | 0x41);
	CHECK(irr_empty(&a));
}

/* SDM 11.6.2.1: physical destination 0xFF (xAPIC) is a broadcast. */
static void icr_physical_broadcast_delivers(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, ICR_HI, 0xff000000);
	vlapic_write(&a, ICR_LO, 0x40);
	CHECK(vlapic_pending(&a) == 0x40);
}

/* ---- timer ---------------------------------------------------------------*/

static void timer_one_shot_fires_once_for_each_divisor(void)
{
	static const struct { uint32_t tdcr, div; } cfg[] = {
		{ 0xb, 1 }, { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 },
	};

	for (unsigned i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct vlapic a;
		uint64_t t0, fire;

		fresh(&a);
		vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x20);
		vlapic_write(&a, TDCR, cfg[i].tdcr);
		CHECK(vlapic_read(&a, TDCR) == cfg[i].tdcr);
		t0 = tsc;
		vlapic_write(&a, TMICT, 1000);
		fire = t0 + 1000ull * cfg[i].div;
		CHECK(vlapic_read(&a, TMICT) == 1000);
		CHECK(vlapic_next_event(&a) == fire);
		CHECK(vlapic_read(&a, TMCCT) == 1000);
		tsc = t0 + 250ull * cfg[i].div;
		CHECK(vlapic_read(&a, TMCCT) == 750);
		tsc = fire - 1;
		CHECK(vlapic_read(&a, TMCCT) == (cfg[i].div == 1 ? 1 : 0));
		vlapic_tick(&a, tsc);
		CHECK(irr_empty(&a));
		tsc = fire;
		vlapic_tick(&a, tsc);
		CHECK(vlapic_pending(&a) == 0x20);
		CHECK(vlapic_read(&a, TMCCT) == 0);
		CHECK(vlapic_next_event(&a) == 0);
		CHECK(vlapic_read(&a, TMICT) == 1000); /* initial count stays */
		vlapic_accept(&a, 0x20);
		vlapic_write(&a, EOI, 0);
		/* Once only. */
		tsc = fire + 5000ull * cfg[i].div;
		vlapic_tick(&a, tsc);
		CHECK(irr_empty(&a));
		CHECK(vlapic_read(&a, TMCCT) == 0);
		if (check_failures_in_test) {
			printf("#   (divide configuration 0x%x)\n",
			       cfg[i].tdcr);
			break;
		}
	}
}

static void timer_one_shot_rearm_and_stop(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, 0x20);
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);
	tsc += 60;
	vlapic_write(&a, TMICT, 100);		/* reload restarts the count */
	CHECK(vlapic_next_event(&a) == tsc + 100);
	CHECK(vlapic_read(&a, TMCCT) == 100);
	vlapic_write(&a, TMICT, 0);		/* 0 stops it */
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	/* Only TDCR bits 0, 1 and 3 exist. */
	vlapic_write(&a, TDCR, 0xffffffff);
	CHECK(vlapic_read(&a, TDCR) == 0xb);
}

static void timer_periodic_rearms_and_skips_missed_periods(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x21);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == (PERIODIC | 0x21));
	vlapic_write(&a, TDCR, 0x0);		/* divide by 2 */
	t0 = tsc;
	vlapic_write(&a, TMICT, 50);		/* period 100 TSC ticks */
	CHECK(vlapic_next_event(&a) == t0 + 100);

	tsc = t0 + 100;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	CHECK(vlapic_next_event(&a) == t0 + 200);
	CHECK(vlapic_read(&a, TMCCT) == 50);	/* reloaded */
	vlapic_accept(&a, 0x21);
	vlapic_write(&a, EOI, 0);
	tsc = t0 + 150;
	CHECK(vlapic_read(&a, TMCCT) == 25);
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	tsc = t0 + 200;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	CHECK(vlapic_next_event(&a) == t0 + 300);
	vlapic_accept(&a, 0x21);
	vlapic_write(&a, EOI, 0);

	/* Late by three and a half periods: one interrupt, and the next
	 * expiry is the next point of the original grid. */
	tsc = t0 + 650;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	vlapic_accept(&a, 0x21);
	CHECK(vlapic_pending(&a) == -1);
	CHECK(irr_empty(&a));
	vlapic_write(&a, EOI, 0);
	CHECK(vlapic_next_event(&a) == t0 + 700);
	CHECK(vlapic_next_event(&a) > tsc);
	CHECK((vlapic_next_event(&a) - t0) % 100 == 0);
	CHECK(vlapic_read(&a, TMCCT) == 25);
	vlapic_tick(&a, tsc);			/* same time again: nothing */
	CHECK(irr_empty(&a));

	/* Late by exactly whole periods: next is still in the future. */
	tsc = t0 + 900;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	CHECK(vlapic_next_event(&a) == t0 + 1000);
}

static void masked_timer_counts_but_raises_nothing(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, MASKED | ONESHOT | 0x22);
	vlapic_write(&a, TDCR, 0xb);
	t0 = tsc;
	vlapic_write(&a, TMICT, 100);
	CHECK(vlapic_next_event(&a) == t0 + 100);
	tsc = t0 + 40;
	CHECK(vlapic_read(&a, TMCCT) == 60);
	tsc = t0 + 100;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);

	/* Periodic and masked: keeps its period, never interrupts. */
	vlapic_write(&a, LVT_TIMER_REG, MASKED | PERIODIC | 0x22);
	t0 = tsc;
	vlapic_write(&a, TMICT, 100);
	tsc = t0 + 100;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	CHECK(vlapic_next_event(&a) == t0 + 200);
	/* Unmasking without a mode change keeps the timer running. */
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x22);
	CHECK(vlapic_next_event(&a) == t0 + 200);
	tsc = t0 + 200;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x22);
}

static void changing_timer_mode_stops_it(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x23);
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);
	CHECK(vlapic_next_event(&a) != 0);
	/* Same mode, other vector: still running. */
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x24);
	CHECK(vlapic_next_event(&a) != 0);
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x24);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	/* Periodic to one-shot likewise. */
	vlapic_write(&a, TMICT, 100);
	CHECK(vlapic_next_event(&a) == tsc + 100);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x24);
	CHECK(vlapic_next_event(&a) == 0);

	/* Deadline to one-shot disarms and clears the deadline. */
	vlapic_write(&a, LVT_TIMER_REG, DEADLINE | 0x24);
	vlapic_set_tsc_deadline(&a, tsc + 500);
	CHECK(a.tsc_deadline == tsc + 500);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x24);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(a.tsc_deadline == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
}

static void tsc_deadline_mode(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, DEADLINE | 0x25);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == (DEADLINE | 0x25));
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);		/* ignored in this mode */
	CHECK(vlapic_read(&a, TMICT) == 0);
	CHECK(vlapic_next_event(&a) == 0);

	t0 = tsc;
	vlapic_set_tsc_deadline(&a, t0 + 500);
	CHECK(a.tsc_deadline == t0 + 500);
	CHECK(vlapic_next_event(&a) == t0 + 500);
	CHECK(vlapic_read(&a, TMCCT) == 0);	/* not used in this mode */
	vlapic_write(&a, TMICT, 10);		/* still ignored */
	CHECK(vlapic_next_event(&a) == t0 + 500);
	tsc = t0 + 499;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	CHECK(a.tsc_deadline == t0 + 500);
	tsc = t0 + 500;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x25);
	CHECK(a.tsc_deadline == 0);		/* reads 0 after firing */
	CHECK(vlapic_next_event(&a) == 0);
	vlapic_accept(&a, 0x25);
	vlapic_write(&a, EOI, 0);
	tsc += 10000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));			/* once */

	/* Re-arm, then disarm by writing 0. */
	vlapic_set_tsc_deadline(&a, tsc + 100);
	CHECK(vlapic_next_event(&a) == tsc + 100);
	vlapic_set_tsc_deadline(&a, 0);
	CHECK(vlapic_next_event(&a) == 0 && a.tsc_deadline == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	/* A deadline already past fires at the next tick. */
	vlapic_set_tsc_deadline(&a, tsc - 50);
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x25);
	CHECK(a.tsc_deadline == 0);
}

static void tsc_deadline_ignored_outside_deadline_mode(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x26);
	vlapic_set_tsc_deadline(&a, tsc + 100);
	CHECK(a.tsc_deadline == 0);
	CHECK(vlapic_next_event(&a) == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	/* Nor does it disturb a running one-shot count. */
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 300);
	vlapic_set_tsc_deadline(&a, tsc + 10);
	CHECK(vlapic_next_event(&a) == tsc + 300);
	CHECK(a.tsc_deadline == 0);

	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x26);
	vlapic_set_tsc_deadline(&a, tsc + 10);
	CHECK(a.tsc_deadline == 0);
	CHECK(vlapic_next_event(&a) == 0);
}

static void next_event_tracks_the_timer(void)
{
	struct vlapic a;

	fresh(&a);
	CHECK(vlapic_next_event(&a) == 0);
	vlapic_write(&a, LVT_TIMER_REG, 0x27);
	vlapic_write(&a, TDCR, 0x3);		/* divide by 16 */
	vlapic_write(&a, TMICT, 10);
	CHECK(vlapic_next_event(&a) == tsc + 160);
	tsc += 160;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_pending(&a) == 0x27);
	vlapic_accept(&a, 0x27);
	vlapic_write(&a, EOI, 0);
	/* The timer runs even while the APIC is software-disabled. */
	vlapic_write(&a, SVR, 0xff);
	vlapic_write(&a, TMICT, 10);
	CHECK(vlapic_next_event(&a) == tsc + 160);
	tsc += 160;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(irr_empty(&a));			/* LVT forced masked */
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
	RUN(ppr_is_the_higher_of_tpr_and_isr_class);
	RUN(pending_only_above_ppr_class);
	RUN(accept_moves_irr_to_isr);
	RUN(eoi_clears_highest_isr_and_reports_level_only);
	RUN(vectors_below_16_are_illegal);
	RUN(esr_write_then_read_reports_errors);
	RUN(illegal_ipi_vector_sets_send_illegal_vector);
	RUN(self_ipi_through_icr);
	RUN(self_ipi_through_x2apic_msr);
	RUN(icr_to_another_apic_id_does_nothing);
	RUN(x2apic_icr_destination_is_32_bits);
	RUN(icr_logical_destination_matching_ldr_delivers);
	RUN(icr_physical_broadcast_delivers);
	RUN(timer_one_shot_fires_once_for_each_divisor);
	RUN(timer_one_shot_rearm_and_stop);
	RUN(timer_periodic_rearms_and_skips_missed_periods);
	RUN(masked_timer_counts_but_raises_nothing);
	RUN(changing_timer_mode_stops_it);
	RUN(tsc_deadline_mode);
	RUN(tsc_deadline_ignored_outside_deadline_mode);
	RUN(next_event_tracks_the_timer);
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
