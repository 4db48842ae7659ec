/* The guest's paravirtual clock: KVM's clock interface ("kvm-clock"),
 * which a stock Linux kernel uses under any hypervisor that offers it
 * (Linux: arch/x86/kernel/kvmclock.c; the ABI: Documentation/virt/kvm/
 * x86/msr.rst and cpuid.rst).
 *
 * Why: on AMD, Linux trusts no CPUID leaf for the TSC frequency and
 * calibrates against the PIT and the PM timer, one exit per read; under a
 * slow or loaded host that calibration fails, the TSC is marked unstable
 * and every clock read becomes a PM-timer exit.  With kvm-clock the guest
 * takes the TSC frequency from the clock page (X86_FEATURE_TSC_KNOWN_FREQ,
 * no calibration), and with an invariant TSC it still prefers the TSC
 * itself as its clocksource.
 *
 * Only the clock is offered: CLOCKSOURCE2 (the MSRs below) and the stable
 * bit.  The guest's TSC is the machine's own, so the scale written at
 * registration stays right for the guest's whole life and the page is
 * never rewritten. */
#ifndef PLINTH_KVMCLOCK_H
#define PLINTH_KVMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/gmem.h"

/* Linux scans 0x40000000-0x4000ff00 in steps of 0x100 for the signature
 * (hypervisor_cpuid_base), so Plinth's own leaves stay at 0x40000000 and
 * KVM's block is the next one. */
#define KVM_CPUID_BASE 0x40000100u
#define KVM_CPUID_FEATURES (KVM_CPUID_BASE + 1)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_PV_EOI (1u << 6)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define MSR_KVM_PV_EOI_EN 0x4b564d04u /* the LAPIC model's (lapic.h) */

/* struct pvclock_vcpu_time_info: 32 bytes in guest memory. */
struct pvclock_time {
	uint32_t version; /* odd while being written */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time; /* ns at tsc_timestamp */
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};
#define PVCLOCK_TSC_STABLE_BIT (1u << 0)

/* struct pvclock_wall_clock: 12 bytes. */
struct pvclock_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

struct kvmclock {
	const struct gmem *gm;
	uint64_t start_tsc; /* kvm-clock 0: the guest's start */
	int64_t start_unix; /* wall time at kvm-clock 0, s (-1: unknown) */
	uint32_t mul;	    /* ns = ((tsc << shift or >> -shift) * mul) >> 32 */
	int8_t shift;
	uint64_t system_time_msr; /* as the guest last wrote them */
	uint64_t wall_clock_msr;
	unsigned bad_logged;
};

/* The scale that turns TSC ticks at tsc_hz into ns, as pvclock wants it:
 * the largest 32-bit multiplier (the finest) with a shift in -31..31. */
void kvmclock_scale(uint64_t tsc_hz, int8_t *shift, uint32_t *mul);
/* ns for `ticks` with that scale, as the guest computes them. */
uint64_t kvmclock_ns(uint64_t ticks, int8_t shift, uint32_t mul);

/* now_unix: the wall time now, in seconds (-1 if unknown). */
void kvmclock_init(struct kvmclock *k, const struct gmem *gm, uint64_t tsc_hz,
		   uint64_t now_tsc, int64_t now_unix);
/* The two MSRs; false for any other MSR.  A write whose page is not
 * guest RAM makes *ok false (#GP): nothing is written outside RAM. */
bool kvmclock_msr_read(const struct kvmclock *k, uint32_t msr, uint64_t *val);
bool kvmclock_msr_write(struct kvmclock *k, uint32_t msr, uint64_t val,
			uint64_t now_tsc, bool *ok);

#endif
