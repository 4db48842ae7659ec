/* The guest's I/O APIC (82093AA datasheet) at 0xFEC00000: 24 pins,
 * edge- or level-triggered, each routed by its redirection entry to the
 * local APICs its destination names (apic_bus.h). */
#ifndef PLINTH_IOAPIC_H
#define PLINTH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/platform/apic_bus.h"

#define IOAPIC_PINS 24

struct vioapic {
	uint32_t id, sel;
	uint64_t redir[IOAPIC_PINS];
	uint32_t line; /* current input levels, one bit per pin */
	struct apic_bus *bus;
};

void vioapic_init(struct vioapic *io, uint32_t id, struct apic_bus *bus);
/* MMIO at offset 0x00 (IOREGSEL), 0x10 (IOWIN), 0x40 (EOI). */
uint32_t vioapic_read(struct vioapic *io, uint32_t off);
void vioapic_write(struct vioapic *io, uint32_t off, uint32_t v);
/* A device drives pin `pin` to `level` (true = asserted). */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);
/* The local APIC's EOI of a level-triggered vector. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
