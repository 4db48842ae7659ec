#include "hv/run/guest_cpuid.h"

#include <string.h>

#include "arch/x86/cpuid.h"
#include "arch/x86/spec_ctrl.h"
#include "hv/platform/kvmclock.h"

void cpuid_view_init(struct cpuid_view *cv,
		     struct cpuid_regs (*host)(uint32_t leaf, uint32_t sub),
		     uint64_t tsc_hz)
{
	struct cpuid_regs v = host(CPUID_VENDOR, 0);

	cv->host = host;
	cv->host_max_leaf = v.eax;
	cv->host_ext_max = host(CPUID_EXT_MAX, 0).eax;
	cv->tsc_hz = tsc_hz;
	cv->amd = !memcmp(&v.ebx, "Auth", 4) || !memcmp(&v.ebx, "Hygo", 4);
}

/* Bits that number `n` IDs (0 .. n - 1). */
static unsigned order(unsigned n)
{
	unsigned k = 0;

	while ((1u << k) < n)
		k++;
	return k;
}

/* The leaf before Plinth's edits: its own and KVM's hypervisor blocks,
 * zeros for basic leaves the host lacks, else the host's. */
static struct cpuid_regs source(const struct cpuid_view *cv, uint32_t leaf,
				uint32_t sub)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (leaf >= CPUID_HV_BASE && leaf < CPUID_HV_BASE + 0x100) {
		if (leaf == CPUID_HV_BASE) {
			r.eax = 0x40000010;
			memcpy(&r.ebx, "Plin", 4);
			memcpy(&r.ecx, "thHV", 4);
			memcpy(&r.edx, "Plth", 4);
		} else if (leaf == 0x40000010) {
			/* TSC and LAPIC bus frequency in kHz. */
			r.eax = (uint32_t)(cv->tsc_hz / 1000);
			r.ebx = 1000000;
		}
	} else if (leaf >= KVM_CPUID_BASE && leaf < KVM_CPUID_BASE + 0x100) {
		if (leaf == KVM_CPUID_BASE) {
			r.eax = KVM_CPUID_FEATURES;
			memcpy(&r.ebx, "KVMK", 4);
			memcpy(&r.ecx, "VMKV", 4);
			memcpy(&r.edx, "M\0\0\0", 4);
		} else if (leaf == KVM_CPUID_FEATURES) {
			/* The clock and PV EOI (the LAPIC model's); no steal
			 * time, async page faults or PV spinlocks, which need
			 * host support. */
			r.eax = KVM_FEATURE_CLOCKSOURCE2
				| KVM_FEATURE_CLOCKSOURCE_STABLE_BIT
				| KVM_FEATURE_PV_EOI;
		}
	} else if (leaf <= CPUID_FREQ && leaf > cv->host_max_leaf) {
		/* Leaves the host lacks below 0x16: absent (zeros), except
		 * the TSC leaves Plinth always provides. */
	} else {
		r = cv->host(leaf, sub);
	}
	return r;
}

/* Leaf 0xB (SDM vol. 2A; vol. 3A, 9.6.2): level 0 the threads of a core
 * (one), level 1 the cores of the package (all vCPUs); EAX the bits to
 * shift the x2APIC ID by to reach the next level's ID. */
static struct cpuid_regs topology(const struct cpuid_view *cv, uint32_t apic_id,
				  uint32_t sub)
{
	struct cpuid_regs r = { 0, 0, sub & 0xff, apic_id };

	if (sub == 0) {
		r.ebx = 1;
		r.ecx |= 1u << 8; /* SMT */
	} else if (sub == 1) {
		r.eax = order(cv->ncpus);
		r.ebx = cv->ncpus;
		r.ecx |= 2u << 8; /* core */
	}
	return r;
}

/* Leaf 1's features: hidden are MONITOR, DS-CPL, VMX, SMX, EIST, TM2,
 * PDCM and DCA; MCE, MCA, DS, ACPI thermal, TM and PBE, whose MSRs do
 * not exist for the guest.  The LAPIC model has x2APIC and TSC-deadline.
 * EBX: the asking vCPU's APIC ID, and the IDs the package spans. */
static void features(const struct cpuid_view *cv, uint32_t apic_id,
		     struct cpuid_regs *r)
{
	r->ecx &= ~(CPUID_1_ECX_MONITOR | CPUID_1_ECX_DS_CPL | CPUID_1_ECX_VMX
		    | CPUID_1_ECX_SMX | CPUID_1_ECX_EIST | CPUID_1_ECX_TM2
		    | CPUID_1_ECX_PDCM | CPUID_1_ECX_DCA);
	r->ecx |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE
		  | CPUID_1_ECX_HYPERVISOR;
	r->edx &= ~(CPUID_1_EDX_MCE | CPUID_1_EDX_MCA | CPUID_1_EDX_DS
		    | CPUID_1_EDX_ACPI | CPUID_1_EDX_TM | CPUID_1_EDX_PBE
		    | CPUID_1_EDX_HTT);
	if (cv->ncpus > 1)
		r->edx |= CPUID_1_EDX_HTT; /* EBX 23:16 is valid */
	if (cv->hide_cx16)
		r->ecx &= ~CPUID_1_ECX_CX16;
	r->ebx = (r->ebx & 0xffff)
		 | (1u << order(cv->ncpus)) << CPUID_1_EBX_NLOGICAL_SHIFT
		 | (apic_id & 0xff) << 24;
}

/* Plinth's edits of the basic leaves (below the hypervisor blocks). */
static void basic(const struct cpuid_view *cv, uint32_t apic_id, uint32_t leaf,
		  uint32_t sub, struct cpuid_regs *r)
{
	uint32_t tsc_mhz = (uint32_t)(cv->tsc_hz / 1000000);

	switch (leaf) {
	case CPUID_VENDOR:
		if (r->eax < CPUID_FREQ)
			r->eax = CPUID_FREQ;
		break;
	case CPUID_FEATURES:
		features(cv, apic_id, r);
		break;
	case CPUID_CACHE:
		/* Each cache a core's own; the package's cores in 31:26. */
		if (r->eax & 0x1f)
			r->eax = (r->eax & 0x3fff)
				 | ((1u << order(cv->ncpus)) - 1) << 26;
		break;
	case CPUID_THERMAL:
		/* Only ARAT: the LAPIC timer keeps running in idle, so
		 * Linux needs no PIT or HPET as a backup. */
		*r = (struct cpuid_regs){ CPUID_6_EAX_ARAT, 0, 0, 0 };
		break;
	case CPUID_TSC:
		/* TSC = crystal * 1/1, and the LAPIC timer counts at the
		 * crystal rate: Linux then needs to calibrate neither (SDM
		 * vol. 3B, 19.7.3). */
		*r = (struct cpuid_regs){ 1, 1, (uint32_t)cv->tsc_hz, 0 };
		break;
	case CPUID_FREQ:
		*r = (struct cpuid_regs){ tsc_mhz, tsc_mhz, tsc_mhz, 0 };
		break;
	case CPUID_TOPOLOGY:
		*r = topology(cv, apic_id, sub);
		break;
	case CPUID_PERFMON:	/* no performance monitoring */
	case CPUID_TOPOLOGY_V2: /* absent: Linux reads 0xB */
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case CPUID_EXT_FEATURES:
		if (sub == 0) {
			/* The MSR reads 0, what Plinth adds to the TSC
			 * (msr.c); with the invariant TSC (leaf 0x80000007)
			 * it tells Linux that its TSC needs no watchdog. */
			r->ebx |= CPUID_7_EBX_TSC_ADJUST;
			r->ebx &= ~CPUID_7_EBX_SGX;
			r->ecx &= ~CPUID_7_ECX_WAITPKG;
			/* SPEC_CTRL and PRED_CMD as the host has them; no
			 * other speculation MSR. */
			r->edx = spec_leaf7_edx(r->edx);
		}
		break;
	}
}

/* The extended leaves. */
static void extended(const struct cpuid_view *cv, uint32_t leaf,
		     struct cpuid_regs *r)
{
	switch (leaf) {
	case CPUID_EXT_SIGNATURE:
		/* Hidden: SVM, SKINIT, MONITORX/MWAITX (all intercepted:
		 * #UD), and AMD's topology extensions, whose leaves would
		 * give the host's IDs. */
		r->ecx &= ~(CPUID_E1_ECX_SVM | CPUID_E1_ECX_SKINIT
			    | CPUID_E1_ECX_MONITORX | CPUID_E1_ECX_TOPOEXT);
		break;
	case CPUID_APM:
		/* Invariant TSC: the guest's TSC is the machine's, which
		 * Plinth never scales, stops or rewrites; Linux then keeps
		 * it as its clocksource (kvm-clock steps back). */
		if (cv->host_ext_max >= leaf)
			r->edx |= CPUID_E7_EDX_INVARIANT_TSC;
		break;
	case CPUID_ADDR_SIZES:
		r->ebx = spec_ext8_ebx(r->ebx);
		/* AMD: the package's cores, and the APIC ID bits that
		 * number them (APM vol. 3, E.4.7). */
		if (cv->amd)
			r->ecx = (cv->ncpus - 1) | order(cv->ncpus) << 12;
		break;
	case CPUID_SVM: /* SVM features */
	case CPUID_AMD_CACHE_TOPOLOGY:
	case CPUID_AMD_TOPOLOGY:
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	}
}

struct cpuid_regs guest_cpuid(const struct cpuid_view *cv, uint32_t apic_id,
			      uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = source(cv, leaf, sub);

	if (leaf < CPUID_HV_BASE)
		basic(cv, apic_id, leaf, sub, &r);
	else if (leaf >= CPUID_EXT_MAX)
		extended(cv, leaf, &r);
	return r;
}

/* Leaves without subleaves or CR4 bits: the vendor and highest leaf, the
 * cache descriptors (2), the serial number (3), MONITOR's sizes (5),
 * power management, DCA (9), the performance counters, the TSC and its
 * frequencies.  Not leaf 1 (OSXSAVE follows the guest's CR4), nor 7
 * (OSPKE does, and it takes a subleaf), nor 4, 0xB, 0xD and the others
 * that take one. */
static const uint8_t fixed_leaves[] = {
	CPUID_VENDOR,  2,	  3,	      5, CPUID_THERMAL, 9,
	CPUID_PERFMON, CPUID_TSC, CPUID_FREQ,
};

uint32_t guest_cpuid_fixed(const struct cpuid_view *cv, uint32_t apic_id,
			   struct cpuid_regs *table, unsigned n)
{
	uint32_t max = guest_cpuid(cv, apic_id, CPUID_VENDOR, 0).eax;
	uint32_t bits = 0;

	for (size_t i = 0; i < sizeof(fixed_leaves); i++) {
		uint32_t leaf = fixed_leaves[i];

		if (leaf > max || leaf >= n || leaf >= 32)
			continue;
		table[leaf] = guest_cpuid(cv, apic_id, leaf, 0);
		bits |= 1u << leaf;
	}
	return bits;
}
