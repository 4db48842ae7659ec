/* Host tests for the virtual local APIC (hv/platform/lapic.c): interrupt
 * delivery: priorities, EOI, illegal vectors and the ESR, and IPIs.
 *
 * Each test drives one struct vlapic through vlapic_read/vlapic_write (and
 * the x2APIC MSRs) from the reset state that tests/support/lapic_fixture.c
 * sets up, its timer on a clock the test moves by hand.
 */
#include "tests/support/check.h"
#include "tests/support/lapic_fixture.h"

#include "hv/guest/gmem.h"
#include "hv/platform/lapic.h"

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

/* Every vector is found, alone and under any other, in IRR (what is
 * delivered) and in ISR (what EOI ends): the scans take 64 bits at a
 * time, so the boundaries of each word count. */
static void every_vector_is_found_highest_first(void)
{
	struct vlapic a;

	for (unsigned v = 16; v < 256; v++) {
		fresh(&a);
		vlapic_set_irq(&a, (uint8_t)v, false);
		CHECK(vlapic_pending(&a) == (int)v);
		for (unsigned lo = 16; lo < v; lo += 7)
			vlapic_set_irq(&a, (uint8_t)lo, false);
		CHECK(vlapic_pending(&a) == (int)v);
		vlapic_accept(&a, (uint8_t)v);
		vlapic_write(&a, EOI, 0); /* ends v, the highest in service */
		CHECK(!bit(&a, ISR, (uint8_t)v));
	}
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


/* ---- paravirtual EOI (KVM_FEATURE_PV_EOI) ---------------------------- */

static uint8_t pv_ram[0x2000];
static struct gmem pv_gm;

#define FLAG 0x1008 /* where the guest keeps its flag */

/* An enabled APIC with the flag at FLAG and `vector` (edge or level) in
 * service, as after its delivery, and the entry's offer made. */
static void pv_in_service(struct vlapic *a, uint8_t vector, bool level)
{
	fresh(a);
	memset(pv_ram, 0, sizeof(pv_ram));
	gmem_init(&pv_gm);
	gmem_add(&pv_gm, 0, sizeof(pv_ram), pv_ram);
	CHECK(vlapic_pv_eoi_msr(a, &pv_gm, FLAG | 1));
	vlapic_set_irq(a, vector, level);
	CHECK(vlapic_pending(a) == vector);
	vlapic_accept(a, vector);
	vlapic_pv_eoi_offer(a);
}

static void pv_eoi_msr_wants_aligned_guest_ram(void)
{
	struct vlapic a;

	pv_in_service(&a, 0x41, false);
	CHECK(!vlapic_pv_eoi_msr(&a, &pv_gm, 0x1002 | 1));
	CHECK(!vlapic_pv_eoi_msr(&a, &pv_gm, 0x2000 | 1)); /* past RAM */
	CHECK(!vlapic_pv_eoi_msr(&a, &pv_gm, (1ull << 63) | 1));
	CHECK(a.pv_eoi_msr == (FLAG | 1)); /* refused writes change nothing */
	/* Off: any address, and the flag is never set again. */
	CHECK(vlapic_pv_eoi_msr(&a, &pv_gm, 0x12340));
	CHECK(a.pv_eoi == NULL && !a.pv_eoi_armed);
}

static void pv_eoi_flag_stands_in_for_an_edge_vectors_eoi(void)
{
	struct vlapic a;

	pv_in_service(&a, 0x41, false);
	CHECK(pv_ram[FLAG] == 1);
	CHECK(bit(&a, ISR, 0x41));
	/* The guest's EOI: it clears the flag and does not exit. */
	pv_ram[FLAG] = 0;
	vlapic_pv_eoi_collect(&a);
	CHECK(!bit(&a, ISR, 0x41));
	CHECK(a.pv_eois == 1);
	/* Looking again does nothing more. */
	vlapic_set_irq(&a, 0x30, false);
	vlapic_accept(&a, 0x30);
	vlapic_pv_eoi_collect(&a);
	CHECK(bit(&a, ISR, 0x30) && a.pv_eois == 1);
}

static void pv_eoi_flag_left_set_is_taken_back(void)
{
	struct vlapic a;

	pv_in_service(&a, 0x41, false);
	/* An exit before the guest's EOI: the flag is cleared, so that the
	 * EOI the guest makes later exits and is done by the register. */
	vlapic_pv_eoi_collect(&a);
	CHECK(pv_ram[FLAG] == 0);
	CHECK(bit(&a, ISR, 0x41));
	CHECK(a.pv_eois == 0);
	vlapic_write(&a, EOI, 0);
	CHECK(!bit(&a, ISR, 0x41));
	/* The guest writing the flag itself, unasked, changes nothing. */
	pv_ram[FLAG] = 0;
	vlapic_set_irq(&a, 0x42, false);
	vlapic_accept(&a, 0x42);
	vlapic_pv_eoi_collect(&a); /* not armed: nothing to collect */
	CHECK(bit(&a, ISR, 0x42) && a.pv_eois == 0);
}

static void pv_eoi_not_offered_for_level_vectors_or_with_requests(void)
{
	struct vlapic a;

	/* A level-triggered vector's EOI must reach the IOAPIC at once. */
	pv_in_service(&a, 0x41, true);
	CHECK(pv_ram[FLAG] == 0 && !a.pv_eoi_armed);
	/* A request waiting (here below the in-service class): the EOI must
	 * exit, so that it is delivered right after. */
	pv_in_service(&a, 0x51, false);
	vlapic_pv_eoi_collect(&a);
	vlapic_set_irq(&a, 0x45, false);
	vlapic_pv_eoi_offer(&a);
	CHECK(pv_ram[FLAG] == 0 && !a.pv_eoi_armed);
	/* Nothing in service: nothing to stand in for. */
	fresh(&a);
	CHECK(vlapic_pv_eoi_msr(&a, &pv_gm, FLAG | 1));
	vlapic_pv_eoi_offer(&a);
	CHECK(pv_ram[FLAG] == 0 && !a.pv_eoi_armed);
}

int main(void)
{
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
	RUN(pv_eoi_msr_wants_aligned_guest_ram);
	RUN(pv_eoi_flag_stands_in_for_an_edge_vectors_eoi);
	RUN(pv_eoi_flag_left_set_is_taken_back);
	RUN(pv_eoi_not_offered_for_level_vectors_or_with_requests);
	RUN(every_vector_is_found_highest_first);
	return CHECK_DONE();
}
