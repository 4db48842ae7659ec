/* The firmware's ACPI tables, as far as the host needs them: which tables
 * exist, where PCI ECAM is (MCFG), where the PM timer is (FADT) and which
 * processors there are (MADT).
 * Firmware tables are input too: every pointer, length and checksum is
 * checked before use. */
#ifndef PLINTH_ACPI_H
#define PLINTH_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_TABLES 32
#define ACPI_MAX_CPUS 256 /* processors listed; more are counted only */

struct acpi_table_ref {
	char sig[5];
	uint64_t addr;
	uint32_t len;
	bool checksum_ok;
};

struct acpi_fw {
	uint64_t rsdp;
	uint8_t revision; /* RSDP revision: 0 = ACPI 1.0 (RSDT) */
	char oem[7];
	unsigned ntables;
	struct acpi_table_ref t[ACPI_MAX_TABLES];
	unsigned dropped; /* entries that pointed nowhere sensible */
	/* MCFG, segment 0 */
	uint64_t ecam;
	uint8_t ecam_bus_lo, ecam_bus_hi;
	/* FADT */
	uint16_t pm_timer_port;
	bool pm_timer_32bit;
	/* MADT (ACPI 6.5, 5.2.12): the enabled processors' APIC IDs, in
	 * table order, each once; processors marked only online-capable
	 * (hot-pluggable, not present) are not listed. */
	uint64_t lapic_base;
	unsigned ncpus;
	uint32_t cpu_apic_id[ACPI_MAX_CPUS];
	unsigned cpus_over; /* enabled ones past ACPI_MAX_CPUS */
	unsigned madt_bad;  /* entries too short or running off the table */
	const char *error;  /* why there are no tables, or NULL */
};

/* Reads the tables below `limit` (the identity-mapped range). */
void acpi_fw_scan(uint64_t rsdp, uint64_t limit, struct acpi_fw *out);

#endif
