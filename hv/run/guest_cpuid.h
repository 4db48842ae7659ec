/* CPUID as the guest sees it: the host's, minus what Plinth does not
 * virtualise (VMX, SVM, SMX, MONITOR/MWAIT, performance counters,
 * machine-check and thermal MSRs), with the hypervisor bit, Plinth's
 * signature at 0x40000000, KVM's clock interface in the next block
 * (hv/platform/kvmclock.h), the TSC and LAPIC timer frequencies, and a
 * topology that agrees with the MADT: `ncpus` vCPUs with APIC IDs 0 ..
 * ncpus - 1, one core each, one thread per core, in one package (Intel
 * SDM vol. 2A, CPUID leaves 1, 4 and 0xB; vol. 3A, 9.6.2 and 9.6.3; AMD
 * APM vol. 3, E.4.7 leaf 0x80000008).
 *
 * Pure over its inputs: the host's leaves come through `host`, so a test
 * can play any CPU.  The two bits that mirror the asking CPU's CR4
 * (OSXSAVE, OSPKE) are the caller's to set (hv/run/vcpu.c). */
#ifndef PLINTH_GUEST_CPUID_H
#define PLINTH_GUEST_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"

struct cpuid_view {
	struct cpuid_regs (*host)(uint32_t leaf, uint32_t sub);
	uint32_t host_max_leaf; /* the host's highest basic leaf */
	uint32_t host_ext_max;	/* and extended leaf */
	uint64_t tsc_hz;
	bool amd;	/* AuthenticAMD or HygonGenuine */
	bool hide_cx16; /* CMPXCHG16B is broken here (cx16_check.h) */
	unsigned ncpus; /* the guest's vCPUs: 1 .. 256 */
};

/* Fills in the host's part of the view from `host` (ncpus and hide_cx16
 * stay the caller's). */
void cpuid_view_init(struct cpuid_view *cv,
		     struct cpuid_regs (*host)(uint32_t leaf, uint32_t sub),
		     uint64_t tsc_hz);

/* The guest's leaf/subleaf as vCPU `apic_id` sees it. */
struct cpuid_regs guest_cpuid(const struct cpuid_view *cv, uint32_t apic_id,
			      uint32_t leaf, uint32_t sub);

/* Fills table[leaf] for the basic leaves below n whose answer is fixed for
 * vCPU `apic_id`: the guest has them (up to leaf 0's EAX), and they depend
 * on neither the subleaf nor the asking CPU's state.  Returns them as a
 * bit mask (bit n: leaf n); n is at most 32. */
uint32_t guest_cpuid_fixed(const struct cpuid_view *cv, uint32_t apic_id,
			   struct cpuid_regs *table, unsigned n);

#endif
