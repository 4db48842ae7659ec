#include "tests/support/check.h"

#include "hv/platform/ioapic.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOEOI 0x40

#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_DELIVS (1u << 12)
#define RTE_LOWEST (1u << 8)

/* Local APIC offsets used here. */
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200

static uint64_t tsc = 1000;
static int eoi_calls;

static uint64_t fake_now(void)
{
	return tsc;
}

/* What hv/run/vm.c wires up: the LAPIC's level EOI goes to the IOAPIC. */
static void lapic_eoi_level(void *ctx, uint8_t vector)
{
	eoi_calls++;
	vioapic_eoi(ctx, vector);
}

static struct apic_bus bus;

/* One enabled LAPIC, APIC ID 0, the only one on the bus. */
static void fresh(struct vioapic *io, struct vlapic *a)
{
	eoi_calls = 0;
	vlapic_init(a, fake_now);
	vlapic_write(a, LAPIC_SVR, 0x1ff);	/* software-enabled */
	apic_bus_init(&bus);
	apic_bus_add(&bus, a);
	vioapic_init(io, 1, &bus);
	a->eoi_level = lapic_eoi_level;
	a->eoi_ctx = io;
}

static uint32_t reg_read(struct vioapic *io, uint32_t reg)
{
	vioapic_write(io, IOREGSEL, reg);
	return vioapic_read(io, IOWIN);
}

static void reg_write(struct vioapic *io, uint32_t reg, uint32_t v)
{
	vioapic_write(io, IOREGSEL, reg);
	vioapic_write(io, IOWIN, v);
}

static uint32_t rte_lo(struct vioapic *io, unsigned pin)
{
	return reg_read(io, 0x10 + 2 * pin);
}

static uint32_t rte_hi(struct vioapic *io, unsigned pin)
{
	return reg_read(io, 0x11 + 2 * pin);
}

static void program(struct vioapic *io, unsigned pin, uint32_t lo)
{
	reg_write(io, 0x11 + 2 * pin, 0);	/* destination APIC 0 */
	reg_write(io, 0x10 + 2 * pin, lo);
}

static int irr(struct vlapic *a, unsigned v)
{
	return (vlapic_read(a, LAPIC_IRR + (v / 32) * 16) >> (v % 32)) & 1;
}

static int tmr(struct vlapic *a, unsigned v)
{
	return (vlapic_read(a, LAPIC_TMR + (v / 32) * 16) >> (v % 32)) & 1;
}

static int irr_empty(struct vlapic *a)
{
	for (uint32_t i = 0; i < 8; i++)
		if (vlapic_read(a, LAPIC_IRR + i * 16))
			return 0;
	return 1;
}

/* The guest takes the interrupt and EOIs it at the local APIC. */
static void take_and_eoi(struct vlapic *a, uint8_t v)
{
	vlapic_accept(a, v);
	vlapic_write(a, LAPIC_EOI, 0);
}

/* ---- registers ----------------------------------------------------------*/

static void reset_state(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	CHECK(reg_read(&io, 0x00) == 0x01000000);	/* ID 1 in 27:24 */
	CHECK(reg_read(&io, 0x01) == 0x00170020);	/* 24 RTEs, v0x20 */
	CHECK(((reg_read(&io, 0x01) >> 16) & 0xff) + 1 == IOAPIC_PINS);
	CHECK((reg_read(&io, 0x01) & 0xff) == 0x20);
	CHECK(reg_read(&io, 0x02) == 0x01000000);	/* arbitration ID */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		CHECK(rte_lo(&io, pin) == RTE_MASKED);
		CHECK(rte_hi(&io, pin) == 0);
	}
	/* Past the table and unknown registers read 0. */
	CHECK(reg_read(&io, 0x10 + 2 * IOAPIC_PINS) == 0);
	CHECK(reg_read(&io, 0x03) == 0);
	CHECK(reg_read(&io, 0xff) == 0);
	/* Raising any pin now delivers nothing. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		vioapic_set_irq(&io, pin, true);
	CHECK(irr_empty(&a));
	CHECK(vlapic_pending(&a) == -1);
}

static void ioregsel_and_id(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	vioapic_write(&io, IOREGSEL, 0x12);
	CHECK(vioapic_read(&io, IOREGSEL) == 0x12);
	vioapic_write(&io, IOREGSEL, 0x1234);		/* 8 bits */
	CHECK(vioapic_read(&io, IOREGSEL) == 0x34);
	/* Other offsets read 0 (the EOI register is write-only). */
	CHECK(vioapic_read(&io, 0x20) == 0);
	CHECK(vioapic_read(&io, IOEOI) == 0);
	CHECK(vioapic_read(&io, 0x04) == 0);

	reg_write(&io, 0x00, 0x0a000000);
	CHECK(reg_read(&io, 0x00) == 0x0a000000);
	CHECK(reg_read(&io, 0x02) == 0x0a000000);
	reg_write(&io, 0x00, 0xffffffff);		/* ID is bits 27:24 */
	CHECK(reg_read(&io, 0x00) == 0x0f000000);
	/* Version and arbitration are read-only. */
	reg_write(&io, 0x01, 0);
	CHECK(reg_read(&io, 0x01) == 0x00170020);
}

static void redirection_entries_read_and_write_by_halves(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	reg_write(&io, 0x10 + 2 * 5, RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW
				     | (1u << 11) | RTE_LOWEST | 0x35);
	CHECK(rte_lo(&io, 5) == (RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW
				 | (1u << 11) | RTE_LOWEST | 0x35));
	CHECK(rte_hi(&io, 5) == 0);
	reg_write(&io, 0x11 + 2 * 5, 0xff000000);
	CHECK(rte_hi(&io, 5) == 0xff000000);
	/* Each half leaves the other alone. */
	CHECK(rte_lo(&io, 5) == (RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW
				 | (1u << 11) | RTE_LOWEST | 0x35));
	reg_write(&io, 0x10 + 2 * 5, RTE_MASKED | 0x36);
	CHECK(rte_hi(&io, 5) == 0xff000000);
	CHECK(rte_lo(&io, 5) == (RTE_MASKED | 0x36));
	CHECK(io.redir[5] == (0xff00000000000000ull | RTE_MASKED | 0x36));
	/* Neighbours untouched. */
	CHECK(rte_lo(&io, 4) == RTE_MASKED && rte_hi(&io, 4) == 0);
	CHECK(rte_lo(&io, 6) == RTE_MASKED && rte_hi(&io, 6) == 0);

	/* First and last pins. */
	reg_write(&io, 0x10, RTE_MASKED | 0x30);
	reg_write(&io, 0x11, 0x01000000);
	reg_write(&io, 0x10 + 2 * 23, RTE_MASKED | 0x47);
	reg_write(&io, 0x11 + 2 * 23, 0x02000000);
	CHECK(rte_lo(&io, 0) == (RTE_MASKED | 0x30));
	CHECK(rte_hi(&io, 0) == 0x01000000);
	CHECK(rte_lo(&io, 23) == (RTE_MASKED | 0x47));
	CHECK(rte_hi(&io, 23) == 0x02000000);
	/* Past the table: ignored. */
	reg_write(&io, 0x10 + 2 * 24, 0x55);
	reg_write(&io, 0x11 + 2 * 24, 0x55);
	CHECK(rte_lo(&io, 23) == (RTE_MASKED | 0x47));
	CHECK(rte_hi(&io, 23) == 0x02000000);
	CHECK(io.id == 1);
}

static void read_only_bits_are_not_writable(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	reg_write(&io, 0x10 + 2 * 7,
		  RTE_MASKED | RTE_DELIVS | RTE_REMOTE_IRR | RTE_LEVEL | 0x37);
	CHECK(rte_lo(&io, 7) == (RTE_MASKED | RTE_LEVEL | 0x37));

	/* A remote IRR the IOAPIC set survives the guest's rewrite. */
	program(&io, 7, RTE_LEVEL | 0x37);
	vioapic_set_irq(&io, 7, true);
	CHECK(rte_lo(&io, 7) & RTE_REMOTE_IRR);
	reg_write(&io, 0x10 + 2 * 7, RTE_MASKED | RTE_LEVEL | 0x37);
	CHECK(rte_lo(&io, 7) == (RTE_MASKED | RTE_REMOTE_IRR | RTE_LEVEL
				 | 0x37));
	reg_write(&io, 0x11 + 2 * 7, 0);
	CHECK(rte_lo(&io, 7) & RTE_REMOTE_IRR);
}

/* ---- edge ----------------------------------------------------------------*/

static void edge_pin_delivers_once_per_rising_edge(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	program(&io, 3, 0x33);			/* edge, high, fixed */
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 3, true);
	CHECK(irr(&a, 0x33));
	CHECK(!tmr(&a, 0x33));			/* edge */
	CHECK(vlapic_pending(&a) == 0x33);
	CHECK(!(rte_lo(&io, 3) & RTE_REMOTE_IRR));
	take_and_eoi(&a, 0x33);
	CHECK(eoi_calls == 0);

	vioapic_set_irq(&io, 3, true);		/* held high */
	vioapic_set_irq(&io, 3, true);
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 3, false);		/* falling edge */
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 3, false);
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 3, true);		/* rising again */
	CHECK(irr(&a, 0x33));
	take_and_eoi(&a, 0x33);
	/* EOI of an edge vector at the IOAPIC does nothing. */
	vioapic_eoi(&io, 0x33);
	CHECK(irr_empty(&a));
	/* Rewriting the RTE of a held edge pin does not re-deliver. */
	program(&io, 3, 0x34);
	CHECK(irr_empty(&a));
	/* Lowest-priority delivery also reaches our one CPU. */
	vioapic_set_irq(&io, 3, false);
	program(&io, 3, RTE_LOWEST | 0x35);
	vioapic_set_irq(&io, 3, true);
	CHECK(vlapic_pending(&a) == 0x35);
}

static void masked_pins_deliver_nothing(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	/* Edge: an edge while masked is lost. */
	program(&io, 4, RTE_MASKED | 0x44);
	vioapic_set_irq(&io, 4, true);
	CHECK(irr_empty(&a));
	program(&io, 4, 0x44);			/* unmask, still high */
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 4, true);
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 4, false);
	vioapic_set_irq(&io, 4, true);
	CHECK(vlapic_pending(&a) == 0x44);
	take_and_eoi(&a, 0x44);

	/* Level: held while masked, delivered once unmasked. */
	program(&io, 9, RTE_MASKED | RTE_LEVEL | 0x49);
	vioapic_set_irq(&io, 9, true);
	CHECK(irr_empty(&a));
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));
	program(&io, 9, RTE_LEVEL | 0x49);
	CHECK(irr(&a, 0x49) && tmr(&a, 0x49));
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);
	CHECK(vlapic_pending(&a) == 0x49);

	/* A level pin unmasked while deasserted delivers nothing. */
	program(&io, 10, RTE_MASKED | RTE_LEVEL | 0x4a);
	vioapic_set_irq(&io, 10, true);
	vioapic_set_irq(&io, 10, false);
	program(&io, 10, RTE_LEVEL | 0x4a);
	CHECK(!irr(&a, 0x4a));
	CHECK(!(rte_lo(&io, 10) & RTE_REMOTE_IRR));

	/* Non-fixed delivery modes carry no vector. */
	program(&io, 11, (4u << 8) | 0x4b);	/* NMI */
	program(&io, 12, (7u << 8) | 0x4c);	/* ExtINT */
	vioapic_set_irq(&io, 11, true);
	vioapic_set_irq(&io, 12, true);
	CHECK(!irr(&a, 0x4b) && !irr(&a, 0x4c));
}

/* ---- level ----------------------------------------------------------------*/

static void level_pin_waits_for_eoi(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	program(&io, 9, RTE_LEVEL | 0x59);
	vioapic_set_irq(&io, 9, true);
	CHECK(irr(&a, 0x59) && tmr(&a, 0x59));
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);
	vlapic_accept(&a, 0x59);		/* in service, no EOI yet */
	vioapic_set_irq(&io, 9, true);		/* still asserted */
	vioapic_set_irq(&io, 9, false);
	vioapic_set_irq(&io, 9, true);		/* even a new assertion */
	CHECK(!irr(&a, 0x59));
	/* EOI of another vector leaves it alone. */
	vioapic_eoi(&io, 0x58);
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);
	CHECK(!irr(&a, 0x59));
	/* EOI while still asserted: remote IRR cleared, then set again by
	 * the new delivery. */
	vioapic_eoi(&io, 0x59);
	CHECK(irr(&a, 0x59) && tmr(&a, 0x59));
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);

	/* Deasserted before the EOI: nothing more. */
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, 0x59);
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));
	vlapic_accept(&a, 0x59);
	CHECK(irr_empty(&a));
	vioapic_eoi(&io, 0x59);			/* stray EOI: harmless */
	CHECK(irr_empty(&a));
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));
}

static void eoi_register_clears_remote_irr(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	program(&io, 9, RTE_LEVEL | 0x69);
	program(&io, 10, RTE_LEVEL | 0x6a);
	vioapic_set_irq(&io, 9, true);
	vioapic_set_irq(&io, 10, true);
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);
	CHECK(rte_lo(&io, 10) & RTE_REMOTE_IRR);
	vlapic_accept(&a, 0x69);
	vlapic_accept(&a, 0x6a);
	vioapic_set_irq(&io, 9, false);
	vioapic_write(&io, IOEOI, 0x69);
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));
	CHECK(rte_lo(&io, 10) & RTE_REMOTE_IRR);	/* other vector */
	CHECK(!irr(&a, 0x69));
	/* Still asserted: delivered again after the EOI. */
	vioapic_write(&io, IOEOI, 0x6a);
	CHECK(irr(&a, 0x6a));
	CHECK(rte_lo(&io, 10) & RTE_REMOTE_IRR);
	/* Only the vector byte counts. */
	vlapic_accept(&a, 0x6a);
	vioapic_write(&io, IOEOI, 0xffffff00u | 0x6a);
	CHECK(irr(&a, 0x6a));

	/* Two pins sharing a vector are both released. */
	program(&io, 14, RTE_LEVEL | 0x70);
	program(&io, 15, RTE_LEVEL | 0x70);
	vioapic_set_irq(&io, 14, true);
	vioapic_set_irq(&io, 15, true);
	vioapic_set_irq(&io, 14, false);
	vioapic_set_irq(&io, 15, false);
	vioapic_write(&io, IOEOI, 0x70);
	CHECK(!(rte_lo(&io, 14) & RTE_REMOTE_IRR));
	CHECK(!(rte_lo(&io, 15) & RTE_REMOTE_IRR));
}

static void active_low_inverts(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	/* Edge, active low: the falling edge of the line is the one. */
	vioapic_set_irq(&io, 5, true);		/* line idles high */
	program(&io, 5, RTE_ACTIVE_LOW | 0x35);
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 5, false);
	CHECK(vlapic_pending(&a) == 0x35);
	take_and_eoi(&a, 0x35);
	vioapic_set_irq(&io, 5, false);		/* held low */
	CHECK(irr_empty(&a));
	vioapic_set_irq(&io, 5, true);		/* rising: deasserts */
	CHECK(irr_empty(&a));

	/* Level, active low: asserted while the line is low. */
	vioapic_set_irq(&io, 6, true);
	program(&io, 6, RTE_LEVEL | RTE_ACTIVE_LOW | 0x36);
	CHECK(irr_empty(&a));
	CHECK(!(rte_lo(&io, 6) & RTE_REMOTE_IRR));
	vioapic_set_irq(&io, 6, false);
	CHECK(irr(&a, 0x36) && tmr(&a, 0x36));
	CHECK(rte_lo(&io, 6) & RTE_REMOTE_IRR);
	vlapic_accept(&a, 0x36);
	vioapic_set_irq(&io, 6, true);		/* released */
	vioapic_eoi(&io, 0x36);
	CHECK(!(rte_lo(&io, 6) & RTE_REMOTE_IRR));
	CHECK(irr_empty(&a));

	/* A pin left low, then set active low and unmasked: asserted. */
	program(&io, 7, RTE_LEVEL | RTE_ACTIVE_LOW | 0x37);
	CHECK(irr(&a, 0x37));
}

static void pins_past_the_table_are_ignored(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		program(&io, pin, 0x30 + pin);
	vioapic_set_irq(&io, 24, true);
	vioapic_set_irq(&io, 31, true);
	vioapic_set_irq(&io, 32, true);
	vioapic_set_irq(&io, 1000, true);
	vioapic_set_irq(&io, ~0u, true);
	CHECK(irr_empty(&a));
	CHECK(io.line == 0);
	vioapic_set_irq(&io, 23, true);
	CHECK(vlapic_pending(&a) == 0x30 + 23);
}

/* 82093AA 3.2.4: the entry's destination (63:56) and destination mode
 * (bit 11) choose the LAPICs; a LAPIC not named sees nothing. */
static void delivery_goes_to_the_lapics_the_entry_names(void)
{
	struct vioapic io;
	struct vlapic a, other;

	fresh(&io, &a);
	vlapic_init(&other, fake_now);
	vlapic_write(&other, LAPIC_SVR, 0x1ff);
	CHECK(apic_bus_add(&bus, &other) == 1);	/* APIC ID 1 */
	program(&io, 2, 0x82);
	program(&io, 8, RTE_LEVEL | 0x88);
	reg_write(&io, 0x11 + 2 * 2, 0x01000000);	/* pin 2: APIC 1 */
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 8, true);
	CHECK(irr(&other, 0x82) && !tmr(&other, 0x82));
	CHECK(!irr(&a, 0x82));
	CHECK(irr(&a, 0x88) && tmr(&a, 0x88));
	CHECK(!irr(&other, 0x88));
	CHECK(vlapic_pending(&a) == 0x88);
	CHECK(vlapic_pending(&other) == 0x82);

	/* A destination nobody has: dropped, and a level entry is then not
	 * left in service waiting for an EOI that cannot come. */
	program(&io, 9, RTE_LEVEL | 0x99);
	reg_write(&io, 0x11 + 2 * 9, 0x07000000);
	vioapic_set_irq(&io, 9, true);
	CHECK(!irr(&a, 0x99) && !irr(&other, 0x99));
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));

	/* Logical, flat model: LDR bits of both LAPICs. */
	vlapic_write(&a, 0x0d0, 0x01000000);
	vlapic_write(&other, 0x0d0, 0x02000000);
	program(&io, 4, (1u << 11) | 0x64);
	reg_write(&io, 0x11 + 2 * 4, 0x03000000);
	vioapic_set_irq(&io, 4, true);
	CHECK(irr(&a, 0x64) && irr(&other, 0x64));

	/* A disabled LAPIC holds it in the IRR but delivers nothing. */
	vlapic_write(&a, LAPIC_SVR, 0xff);
	CHECK(irr(&a, 0x88));
	CHECK(vlapic_pending(&a) == -1);
}

/* ---- end to end ------------------------------------------------------------*/

static void level_interrupt_end_to_end(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	program(&io, 9, RTE_LEVEL | 0x91);	/* e.g. the SCI */
	vioapic_set_irq(&io, 9, true);
	CHECK(vlapic_pending(&a) == 0x91);
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);
	vlapic_accept(&a, 0x91);
	CHECK(vlapic_pending(&a) == -1);
	/* The handler quiets the device, then EOIs at the local APIC. */
	vioapic_set_irq(&io, 9, false);
	vlapic_write(&a, LAPIC_EOI, 0);
	CHECK(eoi_calls == 1);
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));
	CHECK(vlapic_pending(&a) == -1);
	CHECK(!tmr(&a, 0x91));

	/* Next assertion is delivered again. */
	vioapic_set_irq(&io, 9, true);
	CHECK(vlapic_pending(&a) == 0x91);
	vlapic_accept(&a, 0x91);
	/* This time the device is still asserting at EOI: the interrupt
	 * comes straight back, level again, remote IRR set again. */
	vlapic_write(&a, LAPIC_EOI, 0);
	CHECK(eoi_calls == 2);
	CHECK(vlapic_pending(&a) == 0x91);
	CHECK(tmr(&a, 0x91));
	CHECK(rte_lo(&io, 9) & RTE_REMOTE_IRR);
	vlapic_accept(&a, 0x91);
	vioapic_set_irq(&io, 9, false);
	vlapic_write(&a, LAPIC_EOI, 0);
	CHECK(eoi_calls == 3);
	CHECK(!(rte_lo(&io, 9) & RTE_REMOTE_IRR));
	CHECK(vlapic_pending(&a) == -1);
}

static void edge_interrupt_end_to_end(void)
{
	struct vioapic io;
	struct vlapic a;

	fresh(&io, &a);
	program(&io, 4, 0x24);			/* COM1 */
	vioapic_set_irq(&io, 4, true);
	CHECK(vlapic_pending(&a) == 0x24);
	vlapic_accept(&a, 0x24);
	vlapic_write(&a, LAPIC_EOI, 0);
	CHECK(eoi_calls == 0);			/* edge: no IOAPIC EOI */
	CHECK(vlapic_pending(&a) == -1);
	/* Priority: a higher-class pin preempts, a lower one waits. */
	program(&io, 1, 0x31);
	program(&io, 8, RTE_LEVEL | 0x58);
	vioapic_set_irq(&io, 8, true);
	vlapic_accept(&a, 0x58);
	vioapic_set_irq(&io, 1, true);
	CHECK(vlapic_pending(&a) == -1);	/* 0x31 below class 5 */
	vioapic_set_irq(&io, 8, false);
	vlapic_write(&a, LAPIC_EOI, 0);
	CHECK(eoi_calls == 1);
	CHECK(vlapic_pending(&a) == 0x31);
}

int main(void)
{
	RUN(reset_state);
	RUN(ioregsel_and_id);
	RUN(redirection_entries_read_and_write_by_halves);
	RUN(read_only_bits_are_not_writable);
	RUN(edge_pin_delivers_once_per_rising_edge);
	RUN(masked_pins_deliver_nothing);
	RUN(level_pin_waits_for_eoi);
	RUN(eoi_register_clears_remote_irr);
	RUN(active_low_inverts);
	RUN(pins_past_the_table_are_ignored);
	RUN(delivery_goes_to_the_lapics_the_entry_names);
	RUN(level_interrupt_end_to_end);
	RUN(edge_interrupt_end_to_end);
	return CHECK_DONE();
}
