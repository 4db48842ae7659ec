/* A message-signalled interrupt aimed at one of Plinth's own CPUs (Intel
 * SDM vol. 3A, 11.11): the address names the LAPIC (0xFEE in bits 31:20,
 * the destination APIC ID in bits 19:12, physical destination mode, no
 * redirection hint); the data names the vector, fixed delivery, edge
 * triggered.  A device writes it to wake a CPU that sleeps on it. */
#ifndef PLINTH_X86_MSI_H
#define PLINTH_X86_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct msi_msg {
	uint64_t addr;
	uint32_t data;
};

/* False for an APIC ID the 8-bit destination field cannot hold (x2APIC
 * IDs above 255 need interrupt remapping, which Plinth does not set up). */
static inline bool msi_to_cpu(uint32_t apic_id, uint8_t vector,
			      struct msi_msg *m)
{
	if (apic_id > 0xff)
		return false;
	m->addr = 0xfee00000ull | (uint64_t)apic_id << 12;
	m->data = vector;
	return true;
}

#endif
