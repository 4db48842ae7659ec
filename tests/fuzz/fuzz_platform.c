/* libFuzzer target for the guest's interrupt and timer chips: the local
 * APIC (hv/platform/lapic.c), the I/O APIC (ioapic.c) and the legacy PIC
 * pair, PIT, port 0x61 and 8042 (legacy.c), wired as hv/guest/devices.c
 * wires them (PIT channel 0 pulses IOAPIC pin 2, a level EOI goes back to
 * the IOAPIC) and reached as the exit handlers reach them: MMIO of any
 * offset and size (only 32-bit accesses get through, as in devices.c),
 * x2APIC MSRs (only in x2APIC mode, as in hv/run/msr.c), TSC-deadline
 * writes, ports through the I/O bus; with time moving on and the CPU
 * taking interrupts and ending them.
 *
 *   make build/fuzz/fuzz_platform   # sources: fuzz_platform_SRCS
 *   build/fuzz/fuzz_platform -max_total_time=60
 *
 * Built with gcc and -DFUZZ_REPLAY it replays files instead (see
 * fuzz_loader.c for the command line).
 *
 * Input layout (little-endian):
 *   byte 0      bit 0 x2APIC mode, bit 1 the APIC software-enabled
 *               (spurious vector 0xff)
 * then operations, one byte each (mod 14) and their arguments:
 *   0  LAPIC MMIO read: offset (2, mod 0x1000), size (1, fz_size)
 *   1  LAPIC MMIO write: offset (2), size (1), value (4)
 *   2  x2APIC MSR read: 0x800 + (1)
 *   3  x2APIC MSR write: 0x800 + (1), value (8)
 *   4  x2APIC mode on or off (1, bit 0)
 *   5  TSC deadline: now + (4), or (bit 31 of it) a value in the past
 *   6  IOAPIC MMIO read: offset (1), size (1)
 *   7  IOAPIC MMIO write: offset (1), size (1), value (4)
 *   8  a device drives an IOAPIC pin: pin (1: mod 26, past the last
 *      pin too), level (bit 7)
 *   9  port read: port (1: an index into the legacy ports, or 0xff and
 *      any port (2)), size (1, fz_size)
 *   10 port write: port as 9, size (1), value (1)
 *   11 time: TSC and nanoseconds forward by (3) << (1, mod 24), then the
 *      ticks the run loop makes (vlegacy_tick, vlapic_tick)
 *   12 the CPU takes the pending interrupt, if any (vlapic_accept)
 *   13 EOI: (1) bit 0 as MSR 0x80b (in x2APIC mode), else as MMIO
 *
 * Invariants checked (abort on violation):
 *   the vector the LAPIC offers (vlapic_pending) is -1 or 16..255, the
 *   highest in IRR, with the APIC enabled and its priority class above
 *   the processor priority's; -1 means no such vector; IRR and ISR never
 *   hold a vector below 16; an accepted vector moves from IRR to ISR;
 *   every read (LAPIC MMIO and MSR, IOAPIC, the legacy ports but the
 *   PIT counters and 8042 data, whose reads step their latches) leaves
 *   all three chips as they were; LAPIC offsets with no register read 0,
 *   and writes to them (or of a size the bus drops, or to read-only
 *   registers) change nothing; the timer's current count never exceeds
 *   its initial count; after a tick at `now` the next LAPIC and PIT
 *   events are 0 or after `now`; the IOAPIC's delivery-status bit reads
 *   0 and its version and max-redirection register is fixed; IOAPIC
 *   window writes to a register that is not writable change nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/platform/ioapic.h"
#include "hv/platform/iobus.h"
#include "hv/platform/lapic.h"
#include "hv/platform/legacy.h"

#include "tests/fuzz/fuzz_common.h"

#define MAX_OPS 1024

static struct vlapic lapic;
static struct vioapic ioapic;
static struct apic_bus apic_bus;
static struct vlegacy legacy;
static uint64_t tsc, ns;

static uint64_t now_tsc(void)
{
	return tsc;
}

static uint64_t now_ns(void)
{
	return ns;
}

/* devices.c: a PIT edge is a pulse on GSI 2; a level EOI goes back. */
static void pit_irq0(void *ctx)
{
	CHECK(ctx == &legacy);
	vioapic_set_irq(&ioapic, 2, true);
	vioapic_set_irq(&ioapic, 2, false);
}

static void eoi_level(void *ctx, uint8_t vector)
{
	CHECK(ctx == &ioapic);
	vioapic_eoi(&ioapic, vector);
}

/* --- what must hold after every operation ----------------------------- */

static int highest(const uint32_t *bm)
{
	for (int i = 255; i >= 0; i--)
		if (bm[i / 32] >> (i % 32) & 1)
			return i;
	return -1;
}

static void check_state(void)
{
	int p = vlapic_pending(&lapic), top = highest(lapic.irr);
	uint32_t ppr = vlapic_read(&lapic, 0xa0);

	/* No vector below 16 is ever requested or in service. */
	CHECK(!(lapic.irr[0] & 0xffff) && !(lapic.isr[0] & 0xffff));
	if (p >= 0) {
		CHECK(p >= 16 && p <= 255);
		CHECK(p == top && (lapic.svr & 0x100));
		CHECK(((unsigned)p & 0xf0) > (ppr & 0xf0));
	} else {
		CHECK(top < 0 || !(lapic.svr & 0x100)
		      || ((unsigned)top & 0xf0) <= (ppr & 0xf0));
	}
	/* The count runs down from the initial count (SDM 11.5.4). */
	CHECK(vlapic_read(&lapic, 0x390) <= lapic.tmict);
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		CHECK(!(ioapic.redir[i] & (1ull << 12)));
}

/* The three chips, for "nothing changed". */
struct snap {
	struct vlapic a;
	struct vioapic io;
	struct vlegacy l;
};

static void take(struct snap *s)
{
	s->a = lapic;
	s->io = ioapic;
	s->l = legacy;
}

static bool same(const struct snap *s)
{
	return !memcmp(&s->a, &lapic, sizeof(lapic))
	       && !memcmp(&s->io, &ioapic, sizeof(ioapic))
	       && !memcmp(&s->l, &legacy, sizeof(legacy));
}

/* --- the LAPIC ------------------------------------------------------- */

/* Offsets with a register to read (SDM table 11-1). */
static bool lapic_readable(uint32_t off)
{
	if (off & 0xf)
		return false;
	if (off >= 0x100 && off < 0x280)
		return true; /* ISR, TMR, IRR */
	if (off >= 0x320 && off <= 0x370)
		return true; /* the LVTs */
	switch (off) {
	case 0x20:
	case 0x30:
	case 0x80:
	case 0x90:
	case 0xa0:
	case 0xd0:
	case 0xe0:
	case 0xf0:
	case 0x280:
	case 0x2f0:
	case 0x300:
	case 0x310:
	case 0x380:
	case 0x390:
	case 0x3e0:
		return true;
	}
	return false;
}

/* Offsets a write may change something at (EOI is write-only). */
static bool lapic_writable(uint32_t off)
{
	if (off & 0xf)
		return false;
	if (off >= 0x320 && off <= 0x370)
		return true;
	switch (off) {
	case 0x20:
	case 0x80:
	case 0xb0:
	case 0xd0:
	case 0xe0:
	case 0xf0:
	case 0x280:
	case 0x2f0:
	case 0x300:
	case 0x310:
	case 0x380:
	case 0x3e0:
		return true;
	}
	return false;
}

static uint32_t lapic_mmio_read(uint32_t off, unsigned size)
{
	struct snap s;
	uint32_t v;

	take(&s);
	v = size == 4 ? vlapic_read(&lapic, off & 0xfff) : 0;
	CHECK(same(&s));
	if (!lapic_readable(off & 0xfff))
		CHECK(v == 0);
	return v;
}

static void lapic_mmio_write(uint32_t off, unsigned size, uint32_t v)
{
	struct snap s;

	take(&s);
	if (size == 4)
		vlapic_write(&lapic, off & 0xfff, v);
	if (size != 4 || !lapic_writable(off & 0xfff))
		CHECK(same(&s));
}

/* --- the IOAPIC ------------------------------------------------------- */

static uint32_t ioapic_mmio_read(uint32_t off, unsigned size)
{
	struct snap s;
	uint32_t v;

	take(&s);
	v = size == 4 ? vioapic_read(&ioapic, off & 0xff) : 0;
	CHECK(same(&s));
	if (size == 4 && (off & 0xff) == 0x10 && ioapic.sel == 1)
		CHECK(v == (0x20 | (IOAPIC_PINS - 1) << 16));
	return v;
}

static void ioapic_mmio_write(uint32_t off, unsigned size, uint32_t v)
{
	struct snap s;
	uint32_t sel = ioapic.sel;

	take(&s);
	if (size == 4)
		vioapic_write(&ioapic, off & 0xff, v);
	/* Only IOREGSEL, the EOI register, and through the window the ID
	 * and the redirection table can change anything. */
	if (size != 4
	    || ((off & 0xff) != 0x00 && (off & 0xff) != 0x40
		&& ((off & 0xff) != 0x10
		    || (sel != 0
			&& (sel < 0x10 || sel >= 0x10 + 2 * IOAPIC_PINS)))))
		CHECK(same(&s));
}

/* --- ports -------------------------------------------------------------- */

static uint16_t port_of(struct fz *s)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41,
					  0x42, 0x43, 0x60, 0x61, 0x64, 0x80,
					  0x87, 0x2e, 0x4e, 0x2f8 };
	uint8_t b = fz8(s);

	return b == 0xff ? fz16(s) : ports[b % (sizeof(ports) / 2)];
}

static void port_read(uint16_t port, unsigned size)
{
	struct snap s;
	bool steps = (port >= 0x40 && port <= 0x42) || port == 0x60;

	if (size != 1 && size != 2 && size != 4)
		return; /* the exit handler never makes one */
	take(&s);
	(void)iobus_in(port, size);
	if (!steps)
		CHECK(same(&s));
}

/* --- time --------------------------------------------------------------- */

static void advance(uint64_t d)
{
	uint64_t next;

	tsc += d;
	ns += d;
	next = vlegacy_tick(&legacy, ns);
	CHECK(next == 0 || next > ns);
	vlapic_tick(&lapic, tsc);
	next = vlapic_next_event(&lapic);
	CHECK(next == 0 || next > tsc);
}

static void setup(struct fz *s)
{
	static bool attached;
	uint8_t b = fz8(s);

	tsc = 1000000;
	ns = 1000000;
	vlapic_init(&lapic, now_tsc);
	lapic.eoi_level = eoi_level;
	lapic.eoi_ctx = &ioapic;
	apic_bus_init(&apic_bus);
	apic_bus_add(&apic_bus, &lapic);
	vioapic_init(&ioapic, 1, &apic_bus);
	/* The I/O bus is process-wide: the chips attach once and are
	 * reinitialised in place (as tests/unit/test_legacy.c does). */
	vlegacy_init(&legacy, now_ns);
	legacy.irq0 = pit_irq0;
	legacy.irq_ctx = &legacy;
	if (!attached) {
		CHECK(!vlegacy_attach(&legacy));
		attached = true;
	}
	if (b & 2)
		vlapic_write(&lapic, 0xf0, 0x1ff);
	if (b & 1)
		vlapic_set_x2apic(&lapic, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };

	setup(&s);
	check_state();
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		switch (fz8(&s) % 14) {
		case 0: {
			uint32_t off = fz16(&s) % 0x1000;

			lapic_mmio_read(off, fz_size(fz8(&s)));
			break;
		}
		case 1: {
			uint32_t off = fz16(&s) % 0x1000;
			unsigned sz = fz_size(fz8(&s));

			lapic_mmio_write(off, sz, fz32(&s));
			break;
		}
		case 2: {
			uint32_t msr = 0x800 + fz8(&s);
			uint64_t v;
			struct snap sn;

			if (!lapic.x2apic)
				break; /* msr.c refuses it */
			take(&sn);
			/* All 32 bits wide but the ICR. */
			if (vlapic_msr_read(&lapic, msr, &v) && msr != 0x830)
				CHECK(v >> 32 == 0);
			CHECK(same(&sn));
			break;
		}
		case 3: {
			uint32_t msr = 0x800 + fz8(&s);
			uint64_t v = fz64(&s);

			if (lapic.x2apic)
				vlapic_msr_write(&lapic, msr, v);
			break;
		}
		case 4:
			vlapic_set_x2apic(&lapic, fz8(&s) & 1);
			break;
		case 5: {
			uint32_t d = fz32(&s);

			vlapic_set_tsc_deadline(&lapic,
						d >> 31 ? tsc - (d & 0x7fffffff)
							: tsc + d);
			break;
		}
		case 6: {
			/* (One read at a time: arguments have no order.) */
			uint32_t off = fz8(&s);

			ioapic_mmio_read(off, fz_size(fz8(&s)));
			break;
		}
		case 7: {
			uint32_t off = fz8(&s);
			unsigned sz = fz_size(fz8(&s));

			ioapic_mmio_write(off, sz, fz32(&s));
			break;
		}
		case 8: {
			uint8_t p = fz8(&s);

			vioapic_set_irq(&ioapic, (p & 0x7f) % 26, p & 0x80);
			break;
		}
		case 9: {
			uint16_t port = port_of(&s);

			port_read(port, fz_size(fz8(&s)));
			break;
		}
		case 10: {
			uint16_t port = port_of(&s);
			unsigned sz = fz_size(fz8(&s));

			if (sz == 1 || sz == 2 || sz == 4)
				iobus_out(port, sz, fz8(&s));
			break;
		}
		case 11: {
			uint32_t d = fz16(&s);

			d |= (uint32_t)fz8(&s) << 16;
			advance((uint64_t)d << (fz8(&s) % 24));
			break;
		}
		case 12: {
			int v = vlapic_pending(&lapic);

			if (v < 0)
				break;
			vlapic_accept(&lapic, (uint8_t)v);
			CHECK(lapic.isr[v / 32] >> (v % 32) & 1);
			CHECK(!(lapic.irr[v / 32] >> (v % 32) & 1));
			break;
		}
		case 13: {
			bool msr = fz8(&s) & 1;

			if (lapic.x2apic && msr)
				CHECK(vlapic_msr_write(&lapic, 0x80b, 0));
			else
				vlapic_write(&lapic, 0xb0, 0);
			break;
		}
		}
		check_state();
	}
	return 0;
}
