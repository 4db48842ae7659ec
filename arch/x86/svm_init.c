/* AMD-V on, per CPU, and each vCPU's VMCB: controls, permission maps,
 * nested page tables and the state it starts in (APM vol. 2, 15.4,
 * 15.5, 15.10, 15.11, 15.25). */
#include "arch/x86/svm.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/nested_pt.h"
#include "arch/x86/svm_impl.h"
#include "arch/x86/vectors.h"
#include "arch/x86/vmcb.h"
#include "hv/base/fmt.h"
#include "hv/base/pool.h"

#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2) /* nested walks are user accesses (15.25.5) */
#define NPT_LARGE (1ull << 7)

/* Each taken from the pool when its vCPU is first set up: a table for
 * every possible CPU would be zeroes in the file (the EFI link folds
 * .bss into .data). */
static struct svm_vcpu *vcpus[SMP_MAX_CPUS];
static uint8_t *iopm, *msrpm;
static uint64_t *npt_root;
const struct gmem *svm_gm;
bool svm_nrips;

int svm_on(bool nrip_save, char *why, size_t n)
{
	svm_nrips = nrip_save;
	if (host_timer_init(why, n))
		return -1;
	return svm_cpu_on(why, n);
}

int svm_cpu_on(char *why, size_t n)
{
	void *hsave = pool_pages(1, 1);

	if (!hsave) {
		fmt(why, n, "out of pool memory for the host save area");
		return -1;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	/* VMRUN keeps the host's RIP, RSP, CR0/3/4, EFER and segments
	 * there; the rest goes to host_save through VMSAVE (svm_entry.S). */
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)hsave);
	return 0;
}

static void set_seg(unsigned off, uint16_t sel, uint16_t attr, uint32_t limit)
{
	*f16(off) = sel;
	*f16(off + 2) = attr;
	*f32(off + 4) = limit;
	*f64(off + 8) = 0;
}

/* A CPU after INIT and STARTUP (SDM vol. 3A, table 9-1): real mode, CS
 * at the start page, the rest zero with 64 KiB limits. */
static void real_mode_state(const struct guest_entry *e)
{
	static const unsigned data[] = { VMCB_DS, VMCB_ES, VMCB_SS, VMCB_FS,
					 VMCB_GS };

	set_seg(VMCB_CS, (uint16_t)(e->rip >> 4), SEG_REAL_CODE, 0xffff);
	*f64(VMCB_CS + 8) = e->rip;
	for (unsigned i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		set_seg(data[i], 0, SEG_REAL_DATA, 0xffff);
	set_seg(VMCB_TR, 0, SEG_TSS64_BUSY, 0xffff);
	set_seg(VMCB_LDTR, 0, SEG_LDT, 0xffff);
	set_seg(VMCB_GDTR, 0, 0, 0xffff);
	set_seg(VMCB_IDTR, 0, 0, 0xffff);
	*f64(VMCB_CR0) = CR0_ET;
	*f64(VMCB_EFER) = EFER_SVME;
	*f64(VMCB_DR6) = 0xffff0ff0;
	*f64(VMCB_DR7) = 0x400;
	*f64(VMCB_RFLAGS) = 0x2;
	*f64(VMCB_G_PAT) = 0x0007040600070406ull;
}

static void guest_state(const struct guest_entry *e)
{
	bool lm = e->mode == 64;
	uint8_t *vmcb = svm_cur()->vmcb;

	if (e->mode == 16) {
		real_mode_state(e);
		return;
	}
	set_seg(VMCB_CS, 0x10, lm ? SEG_CODE64 : SEG_CODE32, 0xffffffff);
	set_seg(VMCB_DS, 0x18, SEG_DATA, 0xffffffff);
	set_seg(VMCB_ES, 0x18, SEG_DATA, 0xffffffff);
	set_seg(VMCB_SS, 0x18, SEG_DATA, 0xffffffff);
	set_seg(VMCB_FS, 0x18, SEG_DATA, 0xffffffff);
	set_seg(VMCB_GS, 0x18, SEG_DATA, 0xffffffff);
	set_seg(VMCB_TR, 0, SEG_TSS64_BUSY, 0xffff);
	set_seg(VMCB_LDTR, 0, SEG_LDT, 0);
	set_seg(VMCB_GDTR, 0, 0, 0xffff);
	set_seg(VMCB_IDTR, 0, 0, 0xffff);
	vmcb[VMCB_CPL] = 0;
	*f64(VMCB_CR0) = (lm ? CR0_PE | CR0_PG : CR0_PE) | CR0_ET;
	*f64(VMCB_CR4) = lm ? CR4_PAE : 0;
	*f64(VMCB_CR3) = lm ? e->cr3 : 0;
	*f64(VMCB_EFER) = EFER_SVME | (lm ? EFER_LME | EFER_LMA : 0);
	*f64(VMCB_DR6) = 0xffff0ff0;
	*f64(VMCB_DR7) = 0x400;
	*f64(VMCB_RFLAGS) = 0x2;
	*f64(VMCB_RIP) = e->rip;
	*f64(VMCB_RSP) = e->rsp;
	*f64(VMCB_G_PAT) = 0x0007040600070406ull;
}

/* MSRs the guest reads and writes natively: VMLOAD/VMSAVE switch them,
 * except TSC_AUX, which the host never reads.  Two bits per MSR, read
 * then write, in three 2 KiB ranges (15.11). */
static void msr_passthrough(uint32_t msr)
{
	unsigned base = msr >= 0xc0010000   ? 0x1000
			: msr >= 0xc0000000 ? 0x800
					    : 0;
	unsigned bit = (msr & 0x1fff) * 2;

	msrpm[base + bit / 8] &= (uint8_t) ~(3u << (bit % 8));
}

/* Every port exits: the guest owns no device.  The MSRs listed are the
 * guest's own. */
static void permission_maps(void)
{
	memset(iopm, 0xff, 3 * 4096);
	memset(msrpm, 0xff, 2 * 4096);
	msr_passthrough(0xc0000081); /* STAR */
	msr_passthrough(0xc0000082); /* LSTAR */
	msr_passthrough(0xc0000083); /* CSTAR */
	msr_passthrough(0xc0000084); /* SFMASK */
	msr_passthrough(0xc0000100); /* FS_BASE */
	msr_passthrough(0xc0000101); /* GS_BASE */
	msr_passthrough(0xc0000102); /* KERNEL_GS_BASE */
	msr_passthrough(0xc0000103); /* TSC_AUX, which RDTSCP reads natively */
}

/* Plinth edits the VMCB between runs and never sets the clean bits
 * (VMCB_CLEAN stays 0), so the CPU reloads every field at each VMRUN
 * (15.15).  A change that sets them must clear a field's bit whenever the
 * field is written. */
static void controls(void)
{
	/* #DB and #AC exit, to be handed straight back: a guest that makes
	 * their delivery raise them again would otherwise hold the CPU in
	 * microcode for good (CVE-2015-8104, CVE-2015-5307). */
	*f32(VMCB_INTERCEPT_EXC) = (1u << VEC_DB) | (1u << VEC_AC);
	*f32(VMCB_INTERCEPT_MISC1) = ICPT_INTR | ICPT_CPUID | ICPT_INVD
				     | ICPT_HLT | ICPT_IOIO | ICPT_MSR
				     | ICPT_SHUTDOWN;
	/* WBINVD would flush the host's caches for the guest's sake. */
	*f32(VMCB_INTERCEPT_MISC2) = ICPT_VMRUN | ICPT_VMMCALL | ICPT_VMLOAD
				     | ICPT_VMSAVE | ICPT_STGI | ICPT_CLGI
				     | ICPT_SKINIT | ICPT_WBINVD | ICPT_MONITOR
				     | ICPT_MWAIT | ICPT_MWAIT_COND
				     | ICPT_XSETBV;
	*f64(VMCB_IOPM_BASE) = (uint64_t)iopm;
	*f64(VMCB_MSRPM_BASE) = (uint64_t)msrpm;
	*f32(VMCB_ASID) = 1;
	svm_cur()->vmcb[VMCB_TLB_CONTROL] =
		1; /* flush all on the first VMRUN */
	/* Physical interrupts are the host's (its IF at VMRUN masks them),
	 * the guest's IF masks only the virtual ones (15.21.1).  The guest's
	 * CR8 then lands in V_TPR, which the LAPIC model never sees: Linux
	 * uses the LAPIC's own TPR register, never CR8. */
	*f32(VMCB_INT_CTL) = INT_V_INTR_MASKING;
	*f64(VMCB_NP_ENABLE) = 1;
	*f64(VMCB_N_CR3) = (uint64_t)npt_root;
}

/* vCPU 0's init, before any vCPU runs: what all of them share. */
static int shared_init(const struct gmem *g, char *why, size_t n)
{
	/* Allocated once: a guest that restarts reuses them; the nested
	 * tables map the same guest memory each time. */
	if (!iopm) {
		iopm = pool_pages(3, 1);
		msrpm = pool_pages(2, 1);
		npt_root = pool_pages(1, 1);
	}
	if (!iopm || !msrpm || !npt_root) {
		fmt(why, n, "out of pool memory for the VMCB");
		return -1;
	}
	struct nested_pt npt = { npt_root, NPT_P | NPT_RW | NPT_US,
				 NPT_P | NPT_RW | NPT_US, NPT_LARGE };

	if (nested_pt_map(&npt, g)) {
		fmt(why, n, "out of pool memory for the nested page tables");
		return -1;
	}
	svm_gm = g;
	permission_maps();
	return 0;
}

int svm_vcpu_init(unsigned id, const struct gmem *g,
		  const struct guest_entry *e, char *why, size_t n)
{
	struct svm_vcpu *v;

	if (id >= SMP_MAX_CPUS) {
		fmt(why, n, "vCPU %u: more vCPUs than CPUs", id);
		return -1;
	}
	if (!vcpus[id])
		vcpus[id] = pool_pages((sizeof(*v) + PAGE_SIZE - 1) / PAGE_SIZE,
				       1);
	v = vcpus[id];
	if (!v) {
		fmt(why, n, "vCPU %u: out of pool memory", id);
		return -1;
	}
	if (id == 0 && shared_init(g, why, n))
		return -1;
	if (!v->vmcb) {
		v->vmcb = pool_pages(1, 1);
		v->host_save = pool_pages(1, 1);
	}
	if (!v->vmcb || !v->host_save || guest_fpu_reset(&v->fpu)) {
		fmt(why, n, "out of pool memory for the VMCB");
		return -1;
	}
	this_cpu()->vcpu_arch = v;
	v->nmi_blocked = v->nmi_iret = false;
	memset(&v->walks, 0, sizeof(v->walks));
	memset(v->vmcb, 0, 4096);
	controls();
	guest_state(e);
	return 0;
}
