/* TSC frequency and the monotonic clock built on it. */
#ifndef PLINTH_X86_TSC_H
#define PLINTH_X86_TSC_H

#include <stdint.h>

#include "hv/base/clock.h"

/* Finds the TSC frequency: CPUID 0x15/0x16 when the CPU states it (and a
 * quick measurement agrees), else calibration against the ACPI PM timer
 * (pm_port != 0) or the PIT.  Returns 0 on success; on failure the clock
 * assumes 1 GHz and says so. */
int tsc_init(uint16_t pm_port, int pm_32bit);
uint64_t tsc_hz(void);
/* How the frequency was found, for the boot summary. */
const char *tsc_source(void);

/* clock_ns() and clock_delay_us() count from tsc_init. */

/* One TSC on every CPU.  The CPUs of a package count from one reset;
 * firmware that wrote a CPU's TSC moved that CPU's IA32_TSC_ADJUST by as
 * much (SDM vol. 3B, 18.17.3), and its TSC apart from the others'.  Each
 * CPU, before it reads its TSC for anything, sets IA32_TSC_ADJUST to 0,
 * as Linux does at boot: the count since reset again, the same on all.
 * Returns what it was (0: nothing to undo, or no such MSR). */
int64_t tsc_adjust_clear(void);

#endif
