/* The monotonic clock every folder may read.  arch/ provides it
 * (arch/x86/tsc.c, from the calibrated TSC). */
#ifndef PLINTH_CLOCK_H
#define PLINTH_CLOCK_H

#include <stdint.h>

/* Nanoseconds since the clock was started (0 before it). */
uint64_t clock_ns(void);
void clock_delay_us(uint64_t us);

#endif
