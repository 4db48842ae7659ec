/* This CPU's own local APIC (Intel SDM vol. 3A, chapter 11; AMD APM vol.
 * 2, chapter 16), in xAPIC mode through its MMIO page or in x2APIC mode
 * through MSRs, whichever the firmware left on.  Shared by the host timer
 * and the start of the other CPUs. */
#ifndef PLINTH_X86_LAPIC_HOST_H
#define PLINTH_X86_LAPIC_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register offsets in the xAPIC page (table 11-1); x2APIC MSR = 0x800 +
 * offset / 16. */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_LVT_CMCI 0x2f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_INIT_COUNT 0x380
#define LAPIC_CUR_COUNT 0x390
#define LAPIC_DIVIDE 0x3e0

/* ICR low word (11.6.1): delivery mode, level, delivery status. */
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_PENDING (1u << 12) /* xAPIC only */

/* Finds the LAPIC (enabled by the firmware), maps its page uncached in
 * xAPIC mode.  Once; 0, or -1 with a message. */
int lapic_host_init(char *why, size_t n);
bool lapic_host_x2apic(void);
uint32_t lapic_host_read(unsigned off);
void lapic_host_write(unsigned off, uint32_t v);
/* This CPU's APIC ID (all 32 bits in x2APIC mode, bits 31:24 in xAPIC). */
uint32_t lapic_host_id(void);
/* Sends an IPI (`icr_lo`: mode, level, vector) to APIC ID `dest`, and
 * waits (up to 1 ms) for an xAPIC to report it delivered: false if it
 * does not. */
bool lapic_host_ipi(uint32_t dest, uint32_t icr_lo);

#endif
