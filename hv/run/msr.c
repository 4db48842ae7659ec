#include "hv/run/msr.h"

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "arch/x86/spec_ctrl.h"
#include "arch/x86/tsc.h"
#include "hv/guest/layout.h"
#include "hv/base/log.h"

#define MSR_TSC 0x10
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_TSC_ADJUST 0x3b
#define MSR_BIOS_UPDT_TRIG 0x79
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_DEBUGCTL 0x1d9
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_EFER 0xc0000080
#define MSR_K8_INT_PENDING_MSG 0xc0010055

#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_AMD_HWCR 0xc0010015
#define MSR_AMD_DE_CFG 0xc0011029
#define HWCR_TSC_FREQ_SEL (1ull << 24)
#define DE_CFG_LFENCE_SERIALIZE (1ull << 1)
#define LOG_UNKNOWN 16

/* MSRs a stock Linux kernel probes on a CPU of the host's vendor (and
 * the drivers it loads at boot), answered as such a CPU answers under a
 * hypervisor that offers neither machine-check banks nor performance
 * counters, and without a log line: they are expected, not the guest
 * misbehaving.  A row that does not exist on the vendor's CPUs raises
 * #GP quietly, as Linux's rdmsr_safe() probes expect. */
enum { V_INTEL = 1, V_AMD = 2, V_ANY = 3 };
enum probe_write {
	W_GP,	/* read-only, or no write is expected: #GP (logged) */
	W_ZERO, /* only 0 is accepted (a status register cleared) */
	W_DROP, /* accepted and dropped: a counter that never counts */
};
static const struct probe {
	uint32_t first, last;
	unsigned vendors; /* where it exists and reads as 0 */
	unsigned quiet;	  /* where it does not exist: #GP, quietly */
	enum probe_write write;
} probes[] = {
	{ 0x34, 0x34, V_INTEL, V_AMD, W_GP }, /* SMI_COUNT: no SMIs */
	/* PLATFORM_INFO: no ratios to report, no CPUID faulting */
	{ 0xce, 0xce, V_INTEL, V_AMD, W_GP },
	/* MISC_FEATURES_ENABLES: nothing to enable; Linux writes 0 */
	{ 0x140, 0x140, V_INTEL, V_AMD, W_ZERO },
	{ 0x179, 0x179, V_ANY, 0, W_GP },   /* MCG_CAP: no banks */
	{ 0x17a, 0x17a, V_ANY, 0, W_ZERO }, /* MCG_STATUS */
	/* PERF_CTL0-3, PERF_CTR0-3: counters that never count */
	{ 0xc0010000, 0xc0010007, V_AMD, V_INTEL, W_DROP },
	/* SYSCFG: no memory encryption, no fixed-range MTRR extensions */
	{ 0xc0010010, 0xc0010010, V_AMD, V_INTEL, W_GP },
	/* Probed on Intel too, by KVM's module among others. */
	{ MSR_AMD_DE_CFG, MSR_AMD_DE_CFG, 0, V_INTEL, W_GP }, /* DE_CFG */
	{ MSR_AMD_HWCR, MSR_AMD_HWCR, 0, V_INTEL, W_GP },     /* HWCR */
};

static const struct probe *probe_of(uint32_t msr)
{
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (msr >= probes[i].first && msr <= probes[i].last)
			return &probes[i];
	return NULL;
}

void vmsr_init(struct vmsr *m, struct vlapic *lapic, const struct vcpu_ops *ops,
	       const struct gmem *gm, int64_t now_unix)
{
	struct cpuid_regs v = cpuid(CPUID_VENDOR, 0);

	m->lapic = lapic;
	m->ops = ops;
	/* "AuthenticAMD" and Hygon's "HygonGenuine" answer as AMD. */
	m->amd = (v.ebx == 0x68747541 && v.edx == 0x69746e65)
		 || (v.ebx == 0x6f677948 && v.edx == 0x6e65476e);
	/* What the guest's CPUID promises, an invariant TSC counting at the
	 * P0 frequency, and LFENCE serializing dispatch, which family 17h
	 * and later (and emulators) do by design.  Families 10h-16h need
	 * DE_CFG bit 1 set on the host first, which Plinth does not do. */
	m->hwcr = HWCR_TSC_FREQ_SEL;
	m->de_cfg = DE_CFG_LFENCE_SERIALIZE;
	kvmclock_init(&m->clock, gm, tsc_hz(), rdtsc(), now_unix);
	m->apic_base = GUEST_LAPIC_BASE | APIC_BASE_BSP | APIC_BASE_EN;
	/* MTRRs enabled, default type write-back, no fixed or variable
	 * ranges: EPT already maps RAM write-back and MMIO is not RAM. */
	m->mtrr_def_type = (1ull << 11) | 6;
	/* Fast strings on; BTS and PEBS unavailable (SDM vol. 4, 2.1). */
	m->misc_enable = 1 | (1ull << 11) | (1ull << 12);
	m->spec_ctrl = 0;
	m->unknown_logged = 0;
	m->tsc_adjust_logged = 0;
}

void vmsr_take_cpu(const struct vmsr *m)
{
	spec_ctrl_set_guest(m->spec_ctrl);
}

/* PAT entries must each be a defined memory type (SDM 13.12.2). */
static bool pat_ok(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(v >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool unknown(struct vmsr *m, const char *dir, uint32_t msr)
{
	log_limited(m->unknown_logged++, LOG_UNKNOWN, "",
		    "guest: %s of MSR 0x%x, which Plinth does not emulate: #GP",
		    dir, msr);
	return false;
}

/* An access no case took: the probe rows answer it (a read of 0, a
 * dropped write) or refuse it quietly with #GP; anything else is logged
 * as unknown.  Whether the access succeeds. */
static bool probe_answer(struct vmsr *m, uint32_t msr, bool write, uint64_t val)
{
	const struct probe *p = probe_of(msr);
	unsigned vendor = m->amd ? V_AMD : V_INTEL;
	const char *dir = write ? "write" : "read";

	if (!p)
		return unknown(m, dir, msr);
	if (p->quiet & vendor)
		return false;
	if (!(p->vendors & vendor))
		return unknown(m, dir, msr);
	if (write && !(p->write == W_DROP || (p->write == W_ZERO && !val)))
		return unknown(m, dir, msr);
	return true;
}

bool vmsr_read(struct vmsr *m, uint32_t msr, uint64_t *val)
{
	/* x2APIC registers exist only in x2APIC mode (SDM 11.12.1.2). */
	if (msr >= 0x800 && msr <= 0x8ff)
		return (m->apic_base & APIC_BASE_EXTD)
				       && vlapic_msr_read(m->lapic, msr, val)
			       ? true
			       : unknown(m, "read", msr);
	switch (msr) {
	case MSR_TSC_DEADLINE:
		*val = m->lapic->tsc_deadline;
		return true;
	case MSR_TSC:
		*val = rdtsc();
		return true;
	case MSR_TSC_ADJUST:
		*val = 0; /* nothing added: the guest's TSC is the host's */
		return true;
	case MSR_IA32_APIC_BASE:
		*val = m->apic_base;
		return true;
	/* Locked with VMX off: the guest sees no VT-x to use. */
	case MSR_FEATURE_CONTROL:
		*val = 1;
		return true;
	case MSR_SPEC_CTRL:
		*val = m->spec_ctrl;
		return spec_host_caps()->ctrl_bits != 0;
	case MSR_BIOS_SIGN_ID:
		*val = 0;
		return true;
	case MSR_MTRRCAP:
		*val = 1ull << 10;
		return true; /* WC, 0 ranges */
	case MSR_MTRR_DEF_TYPE:
		*val = m->mtrr_def_type;
		return true;
	case MSR_MISC_ENABLE:
		*val = m->misc_enable;
		return true;
	case MSR_DEBUGCTL:
		*val = 0;
		return true;
	case MSR_SYSENTER_CS:
		*val = m->ops->get(VR_SYSENTER_CS);
		return true;
	case MSR_SYSENTER_ESP:
		*val = m->ops->get(VR_SYSENTER_ESP);
		return true;
	case MSR_SYSENTER_EIP:
		*val = m->ops->get(VR_SYSENTER_EIP);
		return true;
	case MSR_PAT:
		*val = m->ops->get(VR_PAT);
		return true;
	case MSR_EFER:
		*val = m->ops->get(VR_EFER);
		return true;
	/* AMD's C1E and SMI-on-halt controls, which Linux reads without a
	 * fault handler on some families: neither is on. */
	case MSR_K8_INT_PENDING_MSG:
		*val = 0;
		return true;
	case MSR_AMD_HWCR:
	case MSR_AMD_DE_CFG:
		if (!m->amd)
			break;
		*val = msr == MSR_AMD_HWCR ? m->hwcr : m->de_cfg;
		return true;
	}
	if (kvmclock_msr_read(&m->clock, msr, val))
		return true;
	if (msr == MSR_KVM_PV_EOI_EN) {
		*val = m->lapic->pv_eoi_msr;
		return true;
	}
	if (!probe_answer(m, msr, false, 0))
		return false;
	*val = 0;
	return true;
}

/* Moving the LAPIC is not supported; x2APIC mode needs the APIC enabled
 * (SDM 11.12.5: EXTD without EN is invalid). */
static bool write_apic_base(struct vmsr *m, uint64_t val)
{
	if ((val & ~0xfffull) != GUEST_LAPIC_BASE
	    || (val & 0x2ff) != (m->apic_base & 0x2ff)
	    || ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN)))
		return false;
	if ((val ^ m->apic_base) & APIC_BASE_EXTD)
		vlapic_set_x2apic(m->lapic, val & APIC_BASE_EXTD);
	m->apic_base = val;
	return true;
}

/* LMA is the CPU's to set (it follows CR0.PG with LME). */
static bool write_efer(struct vmsr *m, uint64_t val)
{
	if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return false;
	uint64_t cur = m->ops->get(VR_EFER);

	m->ops->set(VR_EFER, (val & ~EFER_LMA) | (cur & EFER_LMA));
	return true;
}

/* IA32_TSC_ADJUST (SDM vol. 3B, 18.17.3) is in the guest's CPUID because
 * Linux trusts a TSC that has it (with an invariant TSC) without its
 * clocksource watchdog: every half second, reads of the TSC between two of
 * another clock with interrupts off, which must land within a fraction of
 * a millisecond.  Any exit or host scheduling that comes between them
 * three times running makes the guest drop the TSC for kvm-clock.  Plinth
 * gives every vCPU the host's TSC unshifted, so the adjustment in effect
 * is 0: a write of 0 keeps it; any other is taken and not applied, as a
 * write of the TSC is (Linux writes it only to mend TSCs that disagree,
 * and then finds that they still do). */
static bool write_tsc_adjust(struct vmsr *m, uint64_t val)
{
	if (val)
		log_limited(m->tsc_adjust_logged++, 1,
			    "; later ones are not logged",
			    "guest: IA32_TSC_ADJUST write of %ld not applied: "
			    "the guest's TSC is the host's, which Plinth does "
			    "not shift",
			    (long)val);
	return true;
}

/* SPEC_CTRL is in force from the next entry (spec_ctrl.h); PRED_CMD's IBPB
 * at once.  A bit the CPU lacks, or no MSR at all, is #GP as on the
 * hardware. */
static bool write_spec(struct vmsr *m, uint32_t msr, uint64_t val)
{
	const struct spec_caps *c = spec_host_caps();

	if (msr == MSR_PRED_CMD) {
		if (!c->ibpb || (val & ~PRED_CMD_IBPB))
			return false;
		if (val & PRED_CMD_IBPB)
			spec_ibpb();
		return true;
	}
	if (!c->ctrl_bits || (val & ~c->ctrl_bits))
		return false;
	m->spec_ctrl = val;
	spec_ctrl_set_guest(val);
	return true;
}

bool vmsr_write(struct vmsr *m, uint32_t msr, uint64_t val)
{
	bool ok;

	if (msr >= 0x800 && msr <= 0x8ff) {
		if ((m->apic_base & APIC_BASE_EXTD)
		    && vlapic_msr_write(m->lapic, msr, val))
			return true;
		return unknown(m, "write", msr);
	}
	switch (msr) {
	case MSR_TSC_DEADLINE:
		vlapic_set_tsc_deadline(m->lapic, val);
		return true;
	case MSR_TSC:
		return true; /* the guest TSC is the host's; writes ignored */
	case MSR_TSC_ADJUST:
		return write_tsc_adjust(m, val);
	case MSR_IA32_APIC_BASE:
		return write_apic_base(m, val);
	case MSR_SPEC_CTRL:
	case MSR_PRED_CMD:
		return write_spec(m, msr, val);
	case MSR_BIOS_UPDT_TRIG:
	case MSR_BIOS_SIGN_ID: /* cleared before reading the revision */
		return true;   /* microcode loads: nothing to do */
	case MSR_MTRR_DEF_TYPE:
		if (val & ~0xcffull)
			return false;
		m->mtrr_def_type = val;
		return true;
	case MSR_MISC_ENABLE:
		m->misc_enable = val;
		return true;
	case MSR_DEBUGCTL:
		return val == 0; /* no branch tracing for guests */
	case MSR_SYSENTER_CS:
		m->ops->set(VR_SYSENTER_CS, val);
		return true;
	case MSR_SYSENTER_ESP:
		m->ops->set(VR_SYSENTER_ESP, val);
		return true;
	case MSR_SYSENTER_EIP:
		m->ops->set(VR_SYSENTER_EIP, val);
		return true;
	case MSR_PAT:
		if (!pat_ok(val))
			return false;
		m->ops->set(VR_PAT, val);
		return true;
	case MSR_EFER:
		return write_efer(m, val);
	case MSR_AMD_HWCR:
	case MSR_AMD_DE_CFG:
		if (!m->amd)
			break;
		/* Kept for the guest to read back; the bits the CPUID
		 * promises stay set, as on parts where they are fixed. */
		if (msr == MSR_AMD_HWCR)
			m->hwcr = val | HWCR_TSC_FREQ_SEL;
		else
			m->de_cfg = val | DE_CFG_LFENCE_SERIALIZE;
		return true;
	}
	if (kvmclock_msr_write(&m->clock, msr, val, rdtsc(), &ok))
		return ok;
	if (msr == MSR_KVM_PV_EOI_EN)
		return vlapic_pv_eoi_msr(m->lapic, m->clock.gm, val);
	return probe_answer(m, msr, true, val);
}
