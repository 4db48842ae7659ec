/* The guest's ACPI tables: RSDP, XSDT and RSDT, FADT, FACS, DSDT, MADT and
 * (optionally) MCFG, built into one buffer that the hypervisor copies to
 * guest-physical GUEST_BIOS_START.
 *
 * Pure: no allocation, no I/O, no globals; it writes only inside the
 * buffer it is given, so host tests parse its output like an OS would.
 * Only <stdint.h>, <stddef.h>, <stdbool.h> and <string.h> are used, so it
 * builds freestanding inside the hypervisor as well.
 */
#ifndef PLINTH_ACPI_BUILD_H
#define PLINTH_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Local APIC ids are 0..ncpus-1 and the I/O APIC takes id ncpus; xAPIC
 * ids are 8 bits and 0xff is the broadcast id, so 254 CPUs at most. */
#define ACPI_BUILD_MAX_CPUS 254

/* Legacy PCI INTx routing of bus 0, as the DSDT's \_SB.PCI0._PRT (ACPI
 * 6.5, 6.2.13) gives it to the guest: INTA..INTD (pin 0..3) of the device
 * in slot 1..31 raise I/O APIC pin 16 + ((slot + pin) & 3), the usual
 * swizzle, so the four GSIs 16-19 are shared round-robin and a slot's
 * INTA lands on a different line from its neighbours'.  The _PRT entries
 * have Source 0, so the SourceIndex is the GSI itself: Linux then
 * programs these pins level-triggered, active-low, as PCI INTx is.
 * `pin` counts from 0 as the _PRT does: it is the device's Interrupt
 * Pin register (1 = INTA#) minus 1.  Device models must assert exactly
 * this GSI.  Slot 0 (the host bridge) has no entries. */
#define ACPI_PCI_INTX_GSI_BASE 16
#define ACPI_PCI_INTX_GSI(slot, pin)                                           \
	(ACPI_PCI_INTX_GSI_BASE + (((slot) + (pin)) & 3))

struct acpi_build_cfg {
	unsigned ncpus; /* 1..ACPI_BUILD_MAX_CPUS: one Processor Local
			 * APIC entry per CPU, APIC ids 0..ncpus-1 */
	bool have_ecam; /* MCFG for GUEST_ECAM_BASE, buses 0-255, and a
			 * PNP0C02 device in the DSDT that reserves it */
};

/* Writes the tables into buf, which the hypervisor places at guest-physical
 * `base` (GUEST_BIOS_START; 128 KiB up to GUEST_BIOS_END).  Every pointer
 * between tables is guest-physical (base + offset), and every table must
 * lie below 4 GiB (the RSDT and FADT hold 32-bit copies of the pointers).
 *
 * Returns the number of bytes used, or 0 if buflen is too small, cfg is
 * invalid (NULL, ncpus 0 or above ACPI_BUILD_MAX_CPUS) or the tables would
 * not lie below 4 GiB.  Nothing at or past buf[buflen] is ever written;
 * after a 0 return the first buflen bytes are unspecified.
 *
 * *rsdp_off gets the RSDP's offset in buf: base + *rsdp_off is 16-byte
 * aligned, so Linux also finds it by scanning 0xE0000-0xFFFFF, though the
 * loader passes it in boot_params as well. */
size_t acpi_build(uint8_t *buf, size_t buflen, uint64_t base,
		  const struct acpi_build_cfg *cfg, size_t *rsdp_off);

/* AML PkgLength encoding (ACPI 6.5, 20.2.4) of a package whose contents,
 * not counting the PkgLength bytes themselves, are `body` bytes long: the
 * encoded value includes its own 1 to 4 bytes.  Writes them to out and
 * returns how many, or 0 if the package is too long to encode (the value
 * must stay below 2^28).  Exposed for tests and for later SSDT builders. */
size_t acpi_aml_pkglen(size_t body, uint8_t out[4]);

#endif
