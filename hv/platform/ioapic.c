#include "hv/platform/ioapic.h"

#include <string.h>

#define RTE_MASKED (1ull << 16)
#define RTE_LEVEL (1ull << 15)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_ACTIVE_LOW (1ull << 13)
#define RTE_DELIVS (1ull << 12)
/* Bits the guest may write: all but delivery status and remote IRR. */
#define RTE_WRITABLE (~(RTE_DELIVS | RTE_REMOTE_IRR))

void vioapic_init(struct vioapic *io, uint32_t id, struct apic_bus *bus)
{
	memset(io, 0, sizeof(*io));
	io->id = id;
	io->bus = bus;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

static bool asserted(const struct vioapic *io, unsigned pin)
{
	bool high = io->line & (1u << pin);

	return (io->redir[pin] & RTE_ACTIVE_LOW) ? !high : high;
}

/* The entry's message (82093AA 3.2.4): vector 7:0, delivery mode 10:8,
 * destination mode 11, trigger 15, destination 63:56.  Fixed and lowest
 * priority are what Linux programs; NMI and INIT travel too, ExtINT
 * (an 8259 behind the pin) and SMI are not modelled.  A level entry
 * stays in service (remote IRR) until the EOI of its vector. */
static void deliver(struct vioapic *io, unsigned pin)
{
	uint64_t r = io->redir[pin];
	struct apic_msg m = {
		.dest = (uint32_t)(r >> 56),
		.vector = r & 0xff,
		.mode = (r >> 8) & 7,
		.logical = r & (1u << 11),
		.level = r & RTE_LEVEL,
		.assert = true,
	};

	if (r & RTE_MASKED)
		return;
	if ((r & RTE_LEVEL) && m.mode <= APIC_DM_LOWEST) {
		if (r & RTE_REMOTE_IRR)
			return; /* still in service: wait for the EOI */
		if (!apic_bus_send(io->bus, &m, APIC_BUS_NOBODY))
			return; /* nobody took it: nothing to wait for */
		io->redir[pin] |= RTE_REMOTE_IRR;
		return;
	}
	apic_bus_send(io->bus, &m, APIC_BUS_NOBODY);
}

uint32_t vioapic_read(struct vioapic *io, uint32_t off)
{
	if (off != 0x10)
		return off == 0x00 ? io->sel : 0;
	uint32_t s = io->sel;

	if (s == 0)
		return io->id << 24;
	if (s == 1)
		return 0x20 | ((IOAPIC_PINS - 1) << 16); /* version, max RTE */
	if (s == 2)
		return io->id << 24; /* arbitration id */
	if (s >= 0x10 && s < 0x10 + 2 * IOAPIC_PINS) {
		uint64_t r = io->redir[(s - 0x10) / 2];

		return (s & 1) ? (uint32_t)(r >> 32) : (uint32_t)r;
	}
	return 0;
}

void vioapic_write(struct vioapic *io, uint32_t off, uint32_t v)
{
	if (off == 0x00) {
		io->sel = v & 0xff;
		return;
	}
	if (off == 0x40) {
		vioapic_eoi(io, (uint8_t)v);
		return;
	}
	if (off != 0x10)
		return;
	if (io->sel == 0) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	if (io->sel < 0x10 || io->sel >= 0x10 + 2 * IOAPIC_PINS)
		return;
	unsigned pin = (io->sel - 0x10) / 2;
	uint64_t r = io->redir[pin];

	if (io->sel & 1)
		r = (r & 0xffffffffull) | ((uint64_t)v << 32);
	else
		r = (r & ~0xffffffffull) | v;
	io->redir[pin] = (r & RTE_WRITABLE) | (io->redir[pin] & RTE_REMOTE_IRR);
	/* Unmasking a level pin that is still asserted delivers it now. */
	if ((io->redir[pin] & RTE_LEVEL) && asserted(io, pin))
		deliver(io, pin);
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	if (pin >= IOAPIC_PINS)
		return;
	bool was = asserted(io, pin);

	if (level)
		io->line |= 1u << pin;
	else
		io->line &= ~(1u << pin);
	bool now = asserted(io, pin);

	if (io->redir[pin] & RTE_LEVEL) {
		if (now)
			deliver(io, pin);
	} else if (now && !was) {
		deliver(io, pin); /* edge: only the rising edge counts */
	}
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t r = io->redir[pin];

		if ((r & 0xff) != vector || !(r & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RTE_REMOTE_IRR;
		/* A level source still asserted interrupts again. */
		if (asserted(io, pin))
			deliver(io, pin);
	}
}
