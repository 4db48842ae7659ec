/* The host's own LAPIC timer.  AMD-V has no preemption timer: a physical
 * interrupt, intercepted (INTR), is what ends a guest that never exits
 * by itself.  Plinth runs with interrupts off, so the interrupt is only
 * let in, and acknowledged, right after such an exit. */
#ifndef PLINTH_X86_HOST_TIMER_H
#define PLINTH_X86_HOST_TIMER_H

#include <stddef.h>
#include <stdint.h>

#define HOST_TIMER_VECTOR 0xef
#define HOST_SPURIOUS_VECTOR 0xff

/* Finds the host LAPIC (xAPIC or x2APIC), enables it, and picks the
 * TSC-deadline mode or, without it, one-shot mode calibrated against the
 * TSC.  -1 with a message. */
int host_timer_init(char *why, size_t n);
/* The same timer on another CPU, after host_timer_init on the first. */
void host_timer_cpu_init(void);

/* An interrupt `ticks` TSC ticks from now (replacing any earlier one). */
void host_timer_arm(uint64_t ticks);

/* Lets a pending host interrupt be delivered and acknowledged. */
void host_timer_take(void);

const char *host_timer_mode(void);
uint64_t host_timer_irqs(void); /* timer interrupts taken */
uint64_t host_other_irqs(void); /* any other vector: logged once */

#endif
