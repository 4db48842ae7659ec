#ifndef PLINTH_SUMMARY_H
#define PLINTH_SUMMARY_H

#include "arch/x86/cpuinfo.h"
#include "drivers/acpi.h"
#include "hv/config/boot_info.h"

/* The boot summary on the console: firmware, memory, CPU and its
 * virtualization support, TSC, ACPI tables and PCI devices. */
void summary_print(const struct boot_info *bi, const struct cpu_info *cpu,
		   const struct acpi_fw *acpi);

#endif
