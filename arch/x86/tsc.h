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

#endif
