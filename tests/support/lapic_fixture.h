/* What the virtual local APIC's tests (tests/unit/test_lapic_*.c) share:
 * the xAPIC register offsets and LVT bits, the hand-moved clock, an EOI
 * recorder, and vlapics reset or enabled (lapic_fixture.c). */
#ifndef PLINTH_TEST_LAPIC_FIXTURE_H
#define PLINTH_TEST_LAPIC_FIXTURE_H

#include "hv/platform/lapic.h"

/* xAPIC register offsets (SDM vol. 3A, table 11-1). */
#define ID 0x020
#define VERSION 0x030
#define TPR 0x080
#define PPR 0x0a0
#define EOI 0x0b0
#define LDR 0x0d0
#define DFR 0x0e0
#define SVR 0x0f0
#define ISR 0x100
#define TMR 0x180
#define IRR 0x200
#define ESR 0x280
#define LVT_CMCI_REG 0x2f0
#define ICR_LO 0x300
#define ICR_HI 0x310
#define LVT_TIMER_REG 0x320
#define LVT_LINT0_REG 0x350
#define LVT_ERROR_REG 0x370
#define TMICT 0x380
#define TMCCT 0x390
#define TDCR 0x3e0

#define MASKED (1u << 16)
#define ONESHOT (0u << 17)
#define PERIODIC (1u << 17)
#define DEADLINE (2u << 17)

/* The timer's clock: a variable the tests move by hand. */
extern uint64_t tsc;
extern int eoi_calls;
extern int eoi_vector;

uint64_t fake_now(void);

void record_eoi(void *ctx, uint8_t vector);

/* Reset state: software-disabled, as after power-up; alone on a bus. */
void reset(struct vlapic *a);

/* Reset, then software-enabled with spurious vector 0xff. */
void fresh(struct vlapic *a);

/* The x2APIC MSRs exist only in x2APIC mode (SDM 11.12.1.2); the
 * hypervisor's MSR code refuses them otherwise. */
void fresh_x2(struct vlapic *a);

int bit(struct vlapic *a, uint32_t base, unsigned v);

int irr_empty(struct vlapic *a);

#endif
