#include "arch/x86/vmx.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/guest_fpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/nested_pt.h"
#include "arch/x86/smp.h"
#include "arch/x86/spec_ctrl.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vectors.h"
#include "hv/base/fmt.h"
#include "hv/base/pool.h"

#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_TRUE_PINBASED 0x48d
#define MSR_VMX_TRUE_PROCBASED 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_WB (6ull << 3)
#define EPT_LARGE (1ull << 7)

extern void vmx_exit_stub(void);
extern int vmx_enter(uint64_t regs[16], int launched, void *fpu, uint64_t xcr0,
		     struct vcpu_fast *fast);

/* One vCPU's own state; the CPU that runs it finds it in
 * this_cpu()->vcpu_arch, and the VMCS it has loaded is that vCPU's.
 * vCPU i always runs on the same CPU (hv/run/vcpus.c), so a VMCS is
 * only ever current on one CPU. */
struct vmx_vcpu {
	void *vmcs;
	struct guest_fpu fpu;
	int launched;
	uint32_t proc_ctls; /* primary controls without interrupt window */
	/* The exit fast path's leaves (arch/x86/vcpu_fast.h); none until
	 * the run loop hands its own over. */
	struct vcpu_fast *fast;
};

/* Shared by every vCPU: true_ctls and intr_exits written at boot on the
 * first CPU, before any vCPU; the bitmaps and EPT while vCPU 0 is set
 * up, with the others stopped. */
static bool true_ctls;
static void *io_bitmaps, *msr_bitmap;
static uint64_t *ept_pml4;
static bool intr_exits;	    /* vmx_set_intr_exits */
unsigned vmx_preempt_shift; /* also read by the fast path (vmx_entry.S) */
static struct vcpu_fast no_fast;
static struct vmx_vcpu vcpus[SMP_MAX_CPUS];
/* Each CPU's VMXON region, by its index (arch/x86/smp.h). */
static void *vmxon_region[SMP_MAX_CPUS];

static struct vmx_vcpu *cur(void)
{
	return this_cpu()->vcpu_arch;
}

static int vmx_insn_failed(void)
{
	/* VMX instructions report failure in CF (invalid) or ZF (valid). */
	uint8_t bad;

	__asm__ volatile("setbe %0" : "=qm"(bad) : : "cc");
	return bad;
}

/* Allowed settings of a control (SDM vol. 3D, A.3-A.5): bits set in the
 * low half must be 1, bits clear in the high half must be 0.  Returns -1
 * if a bit Plinth needs cannot be 1. */
static int ctl(uint32_t msr, uint32_t true_msr, uint32_t want, uint32_t *out)
{
	uint64_t cap = rdmsr(true_ctls && true_msr ? true_msr : msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);

	*out = (want | must) & may;
	return (want & ~may) ? -1 : 0;
}

int vmx_cpu_on(char *why, size_t n)
{
	unsigned self = this_cpu()->index;
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & 1))
		/* Lock (bit 0) with VMXON outside SMX (bit 2): OVMF leaves
		 * the register unlocked, and VMXON faults until it is locked. */
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | 1 | 4);
	/* CR0 and CR4 must satisfy the VMX fixed bits (SDM 24.8). */
	uint64_t cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE;

	cr0 = (cr0 | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1);
	cr4 = (cr4 | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
	if (self >= SMP_MAX_CPUS) {
		fmt(why, n, "CPU %u: beyond Plinth's table of CPUs", self);
		return -1;
	}
	/* Once per CPU for the whole boot: a restarted guest finds VMX on. */
	if (!vmxon_region[self])
		vmxon_region[self] = pool_pages(1, 1);
	if (!vmxon_region[self]) {
		fmt(why, n, "out of pool memory for the VMXON region");
		return -1;
	}
	*(uint32_t *)vmxon_region[self] = (uint32_t)rdmsr(MSR_IA32_VMX_BASIC)
					  & 0x7fffffff;
	uint64_t pa = (uint64_t)vmxon_region[self];

	__asm__ volatile("vmxon %0" : : "m"(pa) : "cc", "memory");
	if (vmx_insn_failed()) {
		fmt(why, n,
		    "VMXON failed (another hypervisor active, or "
		    "VT-x disabled)");
		return -1;
	}
	return 0;
}

int vmx_on(char *why, size_t n)
{
	/* The host's LAPIC timer wakes a vCPU other than the first from its
	 * HLT (hv/run/vcpu.c); the VMX-preemption timer bounds guest runs. */
	true_ctls = rdmsr(MSR_IA32_VMX_BASIC) & (1ull << 55);
	if (vmx_cpu_on(why, n) || host_timer_init(why, n))
		return -1;
	return 0;
}

static void set_seg(uint32_t sel_f, uint16_t sel, uint32_t base_f,
		    uint32_t limit_f, uint32_t ar_f, uint32_t ar)
{
	vmx_write(sel_f, sel);
	vmx_write(base_f, 0);
	vmx_write(limit_f, 0xffffffff);
	vmx_write(ar_f, ar);
}

static void host_state(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmx_write(VMCS_HOST_CR0, read_cr0());
	vmx_write(VMCS_HOST_CR3, read_cr3());
	vmx_write(VMCS_HOST_CR4, read_cr4());
	vmx_write(VMCS_HOST_CS_SEL, 0x08);
	vmx_write(VMCS_HOST_SS_SEL, 0x10);
	vmx_write(VMCS_HOST_DS_SEL, 0x10);
	vmx_write(VMCS_HOST_ES_SEL, 0x10);
	vmx_write(VMCS_HOST_FS_SEL, 0x10);
	vmx_write(VMCS_HOST_GS_SEL, 0x10);
	vmx_write(VMCS_HOST_TR_SEL, 0x18);
	vmx_write(VMCS_HOST_FS_BASE, 0);
	/* GS's base is this CPU's cpu_local (arch/x86/smp.h). */
	vmx_write(VMCS_HOST_GS_BASE, rdmsr(0xc0000101));
	vmx_write(VMCS_HOST_TR_BASE, desc_tss_base());
	vmx_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmx_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmx_write(VMCS_HOST_SYSENTER_CS, 0);
	vmx_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmx_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmx_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmx_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmx_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
}

/* A CPU just started by STARTUP (SDM vol. 3A, 9.4.4, and 9.1.1 for the
 * reset values): real mode, CS at the start-up page with IP 0, the data
 * segments at 0, 64 KiB limits.  Unrestricted guest runs it as it is
 * (26.3.1.2: code type 11, data type 3, both accessed). */
static void real_mode_segs(uint64_t page)
{
	static const uint32_t data[][4] = {
		{ VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT,
		  VMCS_GUEST_DS_AR },
		{ VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT,
		  VMCS_GUEST_ES_AR },
		{ VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT,
		  VMCS_GUEST_SS_AR },
		{ VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT,
		  VMCS_GUEST_FS_AR },
		{ VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT,
		  VMCS_GUEST_GS_AR },
	};

	vmx_write(VMCS_GUEST_CS_SEL, page >> 4);
	vmx_write(VMCS_GUEST_CS_BASE, page);
	vmx_write(VMCS_GUEST_CS_LIMIT, 0xffff);
	vmx_write(VMCS_GUEST_CS_AR, AR_CODE16);
	for (unsigned i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		vmx_write(data[i][0], 0);
		vmx_write(data[i][1], 0);
		vmx_write(data[i][2], 0xffff);
		vmx_write(data[i][3], AR_DATA16);
	}
}

static void guest_state(const struct guest_entry *e)
{
	uint64_t fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	uint64_t cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	/* Unrestricted guest lifts the PE and PG requirements (SDM 26.3.1.1);
	 * the other fixed-1 bits (NE, and VMXE in CR4) stay owned by the
	 * host through the guest/host masks, so the guest reads its own
	 * values from the shadows. */
	uint64_t cr0_host = fixed0 & ~(CR0_PE | CR0_PG);
	uint64_t cr0 = (e->mode == 64	? CR0_PE | CR0_PG
			: e->mode == 32 ? CR0_PE
					: 0)
		       | CR0_ET;
	uint64_t cr4 = e->mode == 64 ? CR4_PAE : 0;

	vmx_write(VMCS_CR0_MASK, cr0_host);
	vmx_write(VMCS_CR0_SHADOW, cr0);
	vmx_write(VMCS_GUEST_CR0, cr0 | cr0_host);
	vmx_write(VMCS_CR4_MASK, cr4_fixed0);
	vmx_write(VMCS_CR4_SHADOW, cr4);
	vmx_write(VMCS_GUEST_CR4, cr4 | cr4_fixed0);
	vmx_write(VMCS_GUEST_CR3, e->mode == 64 ? e->cr3 : 0);
	vmx_write(VMCS_GUEST_EFER, e->mode == 64 ? EFER_LME | EFER_LMA : 0);
	/* "IA-32e mode guest" must equal EFER.LMA (SDM 26.3.1.1); the CPU
	 * keeps it up to date at every VM exit from then on. */
	uint64_t entry = vmx_read(VMCS_ENTRY_CTLS) & ~(uint64_t)ENTRY_GUEST_64;

	vmx_write(VMCS_ENTRY_CTLS,
		  entry | (e->mode == 64 ? ENTRY_GUEST_64 : 0));
	if (e->mode == 16) {
		real_mode_segs(e->rip);
	} else {
		set_seg(VMCS_GUEST_CS_SEL, 0x10, VMCS_GUEST_CS_BASE,
			VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR,
			e->mode == 64 ? AR_CODE64 : AR_CODE32);
		set_seg(VMCS_GUEST_DS_SEL, 0x18, VMCS_GUEST_DS_BASE,
			VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, AR_DATA);
		set_seg(VMCS_GUEST_ES_SEL, 0x18, VMCS_GUEST_ES_BASE,
			VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, AR_DATA);
		set_seg(VMCS_GUEST_SS_SEL, 0x18, VMCS_GUEST_SS_BASE,
			VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, AR_DATA);
		set_seg(VMCS_GUEST_FS_SEL, 0x18, VMCS_GUEST_FS_BASE,
			VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, AR_DATA);
		set_seg(VMCS_GUEST_GS_SEL, 0x18, VMCS_GUEST_GS_BASE,
			VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, AR_DATA);
	}
	/* TR must be a usable busy TSS even for a guest that never uses it
	 * (26.3.1.2); LDTR may be unusable. */
	vmx_write(VMCS_GUEST_TR_SEL, 0);
	vmx_write(VMCS_GUEST_TR_BASE, 0);
	vmx_write(VMCS_GUEST_TR_LIMIT, 0xffff);
	vmx_write(VMCS_GUEST_TR_AR, AR_TSS64_BUSY);
	vmx_write(VMCS_GUEST_LDTR_SEL, 0);
	vmx_write(VMCS_GUEST_LDTR_BASE, 0);
	vmx_write(VMCS_GUEST_LDTR_LIMIT, 0);
	vmx_write(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);
	vmx_write(VMCS_GUEST_GDTR_BASE, 0);
	vmx_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmx_write(VMCS_GUEST_IDTR_BASE, 0);
	vmx_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmx_write(VMCS_GUEST_DR7, 0x400);
	vmx_write(VMCS_GUEST_RSP, e->rsp);
	vmx_write(VMCS_GUEST_RIP, e->mode == 16 ? 0 : e->rip);
	vmx_write(VMCS_GUEST_RFLAGS, 0x2);
	vmx_write(VMCS_GUEST_PENDING_DBG, 0);
	vmx_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmx_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmx_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmx_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmx_write(VMCS_GUEST_ACTIVITY, 0);
	vmx_write(VMCS_GUEST_DEBUGCTL, 0);
	vmx_write(VMCS_GUEST_PAT, 0x0007040600070406ull);
	vmx_write(VMCS_LINK_POINTER, ~0ull);
}

static int controls(char *why, size_t n)
{
	uint32_t pin, proc, proc2, exit, entry;

	if (ctl(MSR_VMX_PINBASED, MSR_VMX_TRUE_PINBASED,
		PIN_PREEMPTION_TIMER | (intr_exits ? PIN_EXT_INTR_EXIT : 0),
		&pin)
	    || ctl(MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROCBASED,
		   PROC_HLT_EXIT | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS
			   | PROC_SECONDARY,
		   &proc)
	    || ctl(MSR_IA32_VMX_PROCBASED_CTLS2, 0,
		   PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED, &proc2)
	    || ctl(MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT,
		   EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER
			   | EXIT_LOAD_EFER,
		   &exit)
	    || ctl(MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY,
		   ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, &entry)) {
		fmt(why, n, "a VMX control Plinth needs is not supported");
		return -1;
	}
	/* Instructions the guest may run natively when the CPU has them. */
	uint64_t may2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;

	proc2 |= (uint32_t)may2 & (PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES);
	vmx_write(VMCS_PIN_CTLS, pin);
	vmx_write(VMCS_PROC_CTLS, proc);
	cur()->proc_ctls = proc;
	vmx_write(VMCS_PROC_CTLS2, proc2);
	vmx_write(VMCS_EXIT_CTLS, exit);
	vmx_write(VMCS_ENTRY_CTLS, entry);
	/* #DB and #AC exit, to be handed straight back (vmx_ops.c): a guest
	 * that makes their delivery raise them again would otherwise hold
	 * the CPU in microcode for good (CVE-2015-8104, CVE-2015-5307). */
	vmx_write(VMCS_EXCEPTION_BITMAP, (1u << VEC_DB) | (1u << VEC_AC));
	vmx_write(VMCS_CR3_TARGET_COUNT, 0);
	vmx_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmx_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmx_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmx_write(VMCS_ENTRY_INTR_INFO, 0);
	vmx_write(VMCS_VPID, 1);
	vmx_write(VMCS_IO_BITMAP_A, (uint64_t)io_bitmaps);
	vmx_write(VMCS_IO_BITMAP_B, (uint64_t)io_bitmaps + 4096);
	vmx_write(VMCS_MSR_BITMAP, (uint64_t)msr_bitmap);
	vmx_write(VMCS_EPT_POINTER, (uint64_t)ept_pml4 | (3 << 3) | 6);
	return 0;
}

/* MSRs the guest reads and writes natively: the syscall and segment-base
 * registers that the VMCS does not switch, which Plinth's host code never
 * uses.  Everything else exits (SDM 25.6.9 for the bitmap layout). */
static void msr_passthrough(uint32_t msr)
{
	uint8_t *b = msr_bitmap;
	unsigned off = msr >= 0xc0000000 ? 1024 : 0;
	unsigned bit = msr & 0x1fff;

	b[off + bit / 8] &= (uint8_t) ~(1u << (bit % 8));	 /* read */
	b[2048 + off + bit / 8] &= (uint8_t) ~(1u << (bit % 8)); /* write */
}

/* What every vCPU shares, built when vCPU 0 is (every other one is
 * stopped then): the bitmaps and EPT.  Allocated once: a guest that
 * restarts (or reboots in a loop) reuses them instead of draining the
 * pool; EPT maps the same guest memory each time, so its tables are
 * reused as they are. */
static int shared_init(const struct gmem *g, char *why, size_t n)
{
	if (!io_bitmaps) {
		io_bitmaps = pool_pages(2, 1);
		msr_bitmap = pool_pages(1, 1);
		ept_pml4 = pool_pages(1, 1);
	}
	if (!io_bitmaps || !msr_bitmap || !ept_pml4) {
		fmt(why, n, "out of pool memory for the VMX bitmaps");
		return -1;
	}
	/* EPT (SDM 29.3): read, write, execute; write-back leaves. */
	struct nested_pt ept = { ept_pml4, EPT_R | EPT_W | EPT_X,
				 EPT_R | EPT_W | EPT_X | EPT_WB, EPT_LARGE };

	if (nested_pt_map(&ept, g)) {
		fmt(why, n, "out of pool memory for EPT");
		return -1;
	}
	/* Every port exits (bitmaps all ones): the guest owns no device. */
	memset(io_bitmaps, 0xff, 8192);
	memset(msr_bitmap, 0xff, 4096);
	msr_passthrough(0xc0000081); /* STAR */
	msr_passthrough(0xc0000082); /* LSTAR */
	msr_passthrough(0xc0000083); /* CSTAR */
	msr_passthrough(0xc0000084); /* SFMASK */
	msr_passthrough(0xc0000100); /* FS_BASE (in the VMCS) */
	msr_passthrough(0xc0000101); /* GS_BASE (in the VMCS) */
	msr_passthrough(0xc0000102); /* KERNEL_GS_BASE */
	msr_passthrough(0xc0000103); /* TSC_AUX, which RDTSCP reads natively */
	/* The preemption timer counts down once every 2^N TSC ticks (SDM
	 * A.6): N is read once here rather than at every entry. */
	vmx_preempt_shift = (unsigned)(rdmsr(0x485) & 0x1f);
	return 0;
}

/* A fresh vCPU must not meet translations that an earlier run left in
 * this CPU's TLB under the same VPID: with VPIDs on, VM entries and
 * exits flush nothing (SDM vol. 3C, "Virtual-Processor Identifiers"),
 * and a restarted guest (another kernel, or the same one elsewhere with
 * KASLR) would use the last one's global pages until it next changes
 * CR4.PGE.  INVVPID for Plinth's one VPID, or for all of them where the
 * CPU lacks the single-context type (INVVPID in the VMX instruction
 * reference; the capability bits in appendix A, "VPID and EPT
 * Capabilities"). */
static void flush_vpid(void)
{
	uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	const uint64_t d[2] = { 1, 0 }; /* the descriptor: VPID, address */
	uint64_t type = (cap & (1ull << 41)) ? 1 : 2;

	if (!(cap & (1ull << 32)) || !(cap & (3ull << 41)))
		return; /* no INVVPID of either kind (no CPU known) */
	__asm__ volatile("invvpid %0, %1"
			 :
			 : "m"(d), "r"(type)
			 : "cc", "memory");
}

int vmx_vcpu_init(unsigned id, const struct gmem *g,
		  const struct guest_entry *e, char *why, size_t n)
{
	struct vmx_vcpu *v = id < SMP_MAX_CPUS ? &vcpus[id] : NULL;

	if (!v) {
		fmt(why, n, "vCPU %u: more vCPUs than CPUs", id);
		return -1;
	}
	if (id == 0 && shared_init(g, why, n))
		return -1;
	if (!v->vmcs)
		v->vmcs = pool_pages(1, 1);
	if (!v->vmcs || guest_fpu_reset(&v->fpu)) {
		fmt(why, n, "out of pool memory for the VMCS");
		return -1;
	}
	this_cpu()->vcpu_arch = v;
	*(uint32_t *)v->vmcs = (uint32_t)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
	uint64_t pa = (uint64_t)v->vmcs;

	__asm__ volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
	__asm__ volatile("vmptrld %0" : : "m"(pa) : "cc", "memory");
	if (vmx_insn_failed()) {
		fmt(why, n, "VMPTRLD failed");
		return -1;
	}
	if (controls(why, n))
		return -1;
	host_state();
	guest_state(e);
	flush_vpid();
	v->fast = &no_fast;
	v->launched = 0;
	return 0;
}

void vmx_set_intr_exits(bool on)
{
	intr_exits = on;
}

void vmx_set_timer(uint64_t ticks)
{
	ticks >>= vmx_preempt_shift;
	vmx_write(VMCS_PREEMPTION_TIMER,
		  ticks > 0xffffffffu ? 0xffffffffu : ticks);
}

void vmx_set_intr_window(bool on)
{
	/* vcpu.c calls this only when the window changes. */
	vmx_write(VMCS_PROC_CTLS,
		  on ? cur()->proc_ctls | PROC_INTR_WINDOW : cur()->proc_ctls);
}

void vmx_set_fast(struct vcpu_fast *f)
{
	f->slot = EXIT_CPUID;
	cur()->fast = f;
}

void vmx_set_guest_xcr0(uint64_t v)
{
	cur()->fpu.xcr0 = v;
}

int vmx_run(uint64_t regs[16], char *why, size_t n)
{
	struct vmx_vcpu *v = cur();

	guest_fpu_load_xcr0(&v->fpu);
	spec_ctrl_enter();
	int rc = vmx_enter(regs, v->launched, v->fpu.area, v->fpu.xcr0,
			   v->fast);

	spec_ctrl_leave();

	if (rc) {
		fmt(why, n, "VM entry failed: VM-instruction error %lu",
		    (unsigned long)vmx_read(VMCS_INSN_ERROR));
		return -1;
	}
	v->launched = 1;
	return (int)(vmx_read(VMCS_EXIT_REASON) & 0xffff);
}

void vmx_skip_insn(unsigned len)
{
	vmx_write(VMCS_GUEST_RIP,
		  vmx_read(VMCS_GUEST_RIP)
			  + (len ? len : vmx_read(VMCS_EXIT_INSN_LEN)));
	/* Executing an instruction ends STI/MOV-SS blocking (SDM 26.3.1.5). */
	uint64_t intr = vmx_read(VMCS_GUEST_INTERRUPTIBILITY);

	if (intr & 3)
		vmx_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

void vmx_inject_exception(unsigned vec, bool has_err, uint32_t err)
{
	/* Interruption info (25.8.3): vector, type 3 (hardware exception),
	 * deliver-error-code, valid. */
	vmx_write(VMCS_ENTRY_INTR_INFO,
		  vec | (3u << 8) | (has_err ? 1u << 11 : 0) | (1u << 31));
	if (has_err)
		vmx_write(VMCS_ENTRY_EXCEPTION_ERR, err);
}

const char *vmx_exit_name(unsigned r)
{
	static const char *const names[EXIT_REASON_COUNT] = {
		[EXIT_EXCEPTION_NMI] = "exception or NMI",
		[EXIT_EXTERNAL_INTR] = "external interrupt",
		[EXIT_TRIPLE_FAULT] = "triple fault",
		[EXIT_INIT] = "INIT signal",
		[EXIT_SIPI] = "SIPI",
		[EXIT_INTR_WINDOW] = "interrupt window",
		[EXIT_TASK_SWITCH] = "task switch",
		[EXIT_CPUID] = "CPUID",
		[EXIT_HLT] = "HLT",
		[EXIT_INVD] = "INVD",
		[EXIT_INVLPG] = "INVLPG",
		[EXIT_RDPMC] = "RDPMC",
		[EXIT_RDTSC] = "RDTSC",
		[EXIT_VMCALL] = "VMCALL",
		[EXIT_CR_ACCESS] = "CR access",
		[EXIT_DR_ACCESS] = "DR access",
		[EXIT_IO] = "I/O instruction",
		[EXIT_RDMSR] = "RDMSR",
		[EXIT_WRMSR] = "WRMSR",
		[EXIT_ENTRY_BAD_GUEST] = "entry failure: invalid guest state",
		[EXIT_ENTRY_BAD_MSR] = "entry failure: MSR loading",
		[EXIT_MWAIT] = "MWAIT",
		[EXIT_MTF] = "monitor trap flag",
		[EXIT_MONITOR] = "MONITOR",
		[EXIT_PAUSE] = "PAUSE",
		[EXIT_ENTRY_MCE] = "entry failure: machine check",
		[EXIT_EPT_VIOLATION] = "EPT violation",
		[EXIT_EPT_MISCONFIG] = "EPT misconfiguration",
		[EXIT_PREEMPTION_TIMER] = "preemption timer",
		[EXIT_WBINVD] = "WBINVD",
		[EXIT_XSETBV] = "XSETBV",
	};

	return r < EXIT_REASON_COUNT && names[r] ? names[r] : "other";
}
