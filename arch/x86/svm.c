/* AMD-V: the VMCB, nested paging and the exits of Plinth's one vCPU, as
 * the vCPU interface of arch/x86/vcpu_ops.h (APM vol. 2, chapter 15). */
#include "arch/x86/svm.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/guest_fpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/nested_pt.h"
#include "arch/x86/spec_ctrl.h"
#include "arch/x86/vmcb.h"
#include "arch/x86/decode.h"
#include "hv/base/fmt.h"
#include "arch/x86/page_walk.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"
#include "arch/x86/vcpu_ops.h"
#include "arch/x86/vectors.h"

#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2) /* nested walks are user accesses (15.25.5) */
#define NPT_LARGE (1ull << 7)

extern void svm_enter(uint64_t regs[16], void *vmcb, void *fpu, uint64_t xcr0,
		      void *host_save);

static uint8_t *vmcb, *host_save, *iopm, *msrpm;
static struct guest_fpu fpu;
static uint64_t *npt_root;
static const struct gmem *gm;
static bool nrips;
static uint64_t next_rip; /* after the instruction that exited, 0: unknown */

static uint64_t *f64(unsigned off)
{
	return (uint64_t *)(vmcb + off);
}
static uint32_t *f32(unsigned off)
{
	return (uint32_t *)(vmcb + off);
}
static uint16_t *f16(unsigned off)
{
	return (uint16_t *)(vmcb + off);
}

int svm_on(bool nrip_save, char *why, size_t n)
{
	static void *hsave;

	nrips = nrip_save;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	if (!hsave)
		hsave = pool_pages(1, 1);
	if (!hsave) {
		fmt(why, n, "out of pool memory for the host save area");
		return -1;
	}
	/* VMRUN keeps the host's RIP, RSP, CR0/3/4, EFER and segments
	 * there; the rest goes to host_save through VMSAVE (svm_entry.S). */
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)hsave);
	return host_timer_init(why, n);
}

static void set_seg(unsigned off, uint16_t sel, uint16_t attr, uint32_t limit)
{
	*f16(off) = sel;
	*f16(off + 2) = attr;
	*f32(off + 4) = limit;
	*f64(off + 8) = 0;
}

static void guest_state(const struct guest_entry *e)
{
	bool lm = e->mode == 64;

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
	/* Every port exits: the guest owns no device. */
	memset(iopm, 0xff, 3 * 4096);
	*f64(VMCB_IOPM_BASE) = (uint64_t)iopm;
	memset(msrpm, 0xff, 2 * 4096);
	msr_passthrough(0xc0000081); /* STAR */
	msr_passthrough(0xc0000082); /* LSTAR */
	msr_passthrough(0xc0000083); /* CSTAR */
	msr_passthrough(0xc0000084); /* SFMASK */
	msr_passthrough(0xc0000100); /* FS_BASE */
	msr_passthrough(0xc0000101); /* GS_BASE */
	msr_passthrough(0xc0000102); /* KERNEL_GS_BASE */
	msr_passthrough(0xc0000103); /* TSC_AUX, which RDTSCP reads natively */
	*f64(VMCB_MSRPM_BASE) = (uint64_t)msrpm;
	*f32(VMCB_ASID) = 1;
	vmcb[VMCB_TLB_CONTROL] = 1; /* flush everything on the first VMRUN */
	/* Physical interrupts are the host's (its IF at VMRUN masks them),
	 * the guest's IF masks only the virtual ones (15.21.1).  The guest's
	 * CR8 then lands in V_TPR, which the LAPIC model never sees: Linux
	 * uses the LAPIC's own TPR register, never CR8. */
	*f32(VMCB_INT_CTL) = INT_V_INTR_MASKING;
	*f64(VMCB_NP_ENABLE) = 1;
	*f64(VMCB_N_CR3) = (uint64_t)npt_root;
}

int svm_vcpu_init(const struct gmem *g, const struct guest_entry *e, char *why,
		  size_t n)
{
	/* Allocated once: a guest that restarts reuses them; the nested
	 * tables map the same guest memory each time. */
	if (!vmcb) {
		vmcb = pool_pages(1, 1);
		host_save = pool_pages(1, 1);
		iopm = pool_pages(3, 1);
		msrpm = pool_pages(2, 1);
		npt_root = pool_pages(1, 1);
	}
	if (!vmcb || !host_save || !iopm || !msrpm || !npt_root
	    || guest_fpu_reset(&fpu)) {
		fmt(why, n, "out of pool memory for the VMCB");
		return -1;
	}
	struct nested_pt npt = { npt_root, NPT_P | NPT_RW | NPT_US,
				 NPT_P | NPT_RW | NPT_US, NPT_LARGE };

	if (nested_pt_map(&npt, g)) {
		fmt(why, n, "out of pool memory for the nested page tables");
		return -1;
	}
	gm = g;
	memset(vmcb, 0, 4096);
	controls();
	guest_state(e);
	return 0;
}

static int code_mode(uint64_t *cs_base)
{
	uint16_t attr = *f16(VMCB_CS + 2);

	*cs_base = *f64(VMCB_CS + 8);
	if ((*f64(VMCB_EFER) & EFER_LMA) && (attr & SEG_L))
		return 64;
	return (attr & SEG_D) ? 32 : 16;
}

/* Without NRIP save (QEMU's SVM has none) the CPU does not say how long
 * the intercepted instruction was: fetch it through the guest's page
 * tables and check that it is the one the exit names.  Prefixes are
 * allowed; anything else stops the guest rather than skip a guess. */
static uint64_t insn_end(const uint8_t *op, size_t oplen, const char *name,
			 char *why, size_t n)
{
	uint64_t rip = *f64(VMCB_RIP), cs_base;
	int mode = code_mode(&cs_base);
	struct pw_cpu cpu = { *f64(VMCB_CR0), *f64(VMCB_CR3), *f64(VMCB_CR4),
			      *f64(VMCB_EFER) };
	uint8_t bytes[15];

	if (nrips)
		return *f64(VMCB_NRIP);
	size_t got = pw_fetch_insn(gm, &cpu, mode, cs_base, rip, bytes,
				   sizeof(bytes));
	size_t len = insn_length_of(bytes, got, mode, op, oplen);

	if (len)
		return rip + len;
	size_t k = fmt(why, n,
		       "%s exit, but the instruction at RIP 0x%lx "
		       "is not %s: bytes",
		       name, (unsigned long)rip, name);

	fmt_bytes(why, n, k, bytes, got < 8 ? got : 8);
	return 0;
}

/* An event the exit interrupted (EXITINTINFO, 15.7.2) is delivered again
 * at the next VMRUN, or it is lost.  A software interrupt is not: its
 * INT instruction has not retired, so it runs again by itself; nor are
 * INT3 and INTO, which EXITINTINFO reports as exceptions 3 and 4 but
 * whose RIP is also still on the instruction. */
static void requeue_event(void)
{
	uint64_t info = *f64(VMCB_EXITINTINFO);
	unsigned vec = info & 0xff;
	bool soft = (info & EV_TYPE_MASK) == EV_TYPE_SOFT
		    || ((info & EV_TYPE_MASK) == EV_TYPE_EXC
			&& (vec == 3 || vec == 4));

	*f64(VMCB_EVENTINJ) = 0;
	if ((info & EV_VALID) && !soft)
		*f64(VMCB_EVENTINJ) = info;
}

static void inject_exception(unsigned vec, bool has_err, uint32_t err)
{
	*f64(VMCB_EVENTINJ) = (vec & 0xff) | EV_TYPE_EXC | EV_VALID
			      | (has_err ? EV_ERR_VALID | ((uint64_t)err << 32)
					 : 0);
}

static unsigned slot_of(uint64_t code)
{
	if (code >= SVM_EXIT_EXC_BASE && code < SVM_EXIT_INTR)
		return 0;
	if (code == SVM_EXIT_NPF)
		return 1;
	if (code >= SVM_EXIT_INTR && code < SVM_EXIT_INTR + VCPU_EXIT_SLOTS - 3)
		return (unsigned)(code - SVM_EXIT_INTR) + 2;
	return VCPU_EXIT_SLOTS - 1;
}

static const char *exit_name(unsigned slot)
{
	static const char *const names[VCPU_EXIT_SLOTS] = {
		[0] = "exception",
		[1] = "nested page fault",
		[2 + SVM_EXIT_INTR - SVM_EXIT_INTR] = "physical interrupt",
		[2 + SVM_EXIT_NMI - SVM_EXIT_INTR] = "NMI",
		[2 + SVM_EXIT_VINTR - SVM_EXIT_INTR] = "interrupt window",
		[2 + SVM_EXIT_CPUID - SVM_EXIT_INTR] = "CPUID",
		[2 + SVM_EXIT_INVD - SVM_EXIT_INTR] = "INVD",
		[2 + SVM_EXIT_HLT - SVM_EXIT_INTR] = "HLT",
		[2 + SVM_EXIT_IOIO - SVM_EXIT_INTR] = "I/O instruction",
		[2 + SVM_EXIT_MSR - SVM_EXIT_INTR] = "RDMSR/WRMSR",
		[2 + SVM_EXIT_TASK_SWITCH - SVM_EXIT_INTR] = "task switch",
		[2 + SVM_EXIT_SHUTDOWN - SVM_EXIT_INTR] = "shutdown",
		[2 + SVM_EXIT_VMRUN - SVM_EXIT_INTR] = "VMRUN",
		[2 + SVM_EXIT_VMMCALL - SVM_EXIT_INTR] = "VMMCALL",
		[2 + SVM_EXIT_VMLOAD - SVM_EXIT_INTR] = "VMLOAD",
		[2 + SVM_EXIT_VMSAVE - SVM_EXIT_INTR] = "VMSAVE",
		[2 + SVM_EXIT_STGI - SVM_EXIT_INTR] = "STGI",
		[2 + SVM_EXIT_CLGI - SVM_EXIT_INTR] = "CLGI",
		[2 + SVM_EXIT_SKINIT - SVM_EXIT_INTR] = "SKINIT",
		[2 + SVM_EXIT_WBINVD - SVM_EXIT_INTR] = "WBINVD",
		[2 + SVM_EXIT_MONITOR - SVM_EXIT_INTR] = "MONITOR",
		[2 + SVM_EXIT_MWAIT - SVM_EXIT_INTR] = "MWAIT",
		[2 + SVM_EXIT_MWAIT_COND -
			SVM_EXIT_INTR] = "MWAIT (conditional)",
		[2 + SVM_EXIT_XSETBV - SVM_EXIT_INTR] = "XSETBV",
	};

	return slot < VCPU_EXIT_SLOTS && names[slot] ? names[slot] : "other";
}

/* The exits that need the instruction's length: its opcode, its name for
 * messages and the kind it becomes.  SVM_EXIT_INVD is last. */
static const struct insn {
	uint64_t code;
	uint8_t op[3], len;
	const char *name;
	enum vexit_kind kind;
} insns[] = {
	{ SVM_EXIT_CPUID, { 0x0f, 0xa2 }, 2, "CPUID", VX_CPUID },
	{ SVM_EXIT_HLT, { 0xf4 }, 1, "HLT", VX_HLT },
	{ SVM_EXIT_MSR, { 0x0f, 0x32 }, 2, "RDMSR", VX_RDMSR },
	{ SVM_EXIT_MSR, { 0x0f, 0x30 }, 2, "WRMSR", VX_WRMSR },
	{ SVM_EXIT_XSETBV, { 0x0f, 0x01, 0xd1 }, 3, "XSETBV", VX_XSETBV },
	{ SVM_EXIT_WBINVD, { 0x0f, 0x09 }, 2, "WBINVD", VX_NOP },
	{ SVM_EXIT_INVD, { 0x0f, 0x08 }, 2, "INVD", VX_NOP },
};

/* The kind of one of those exits (any other code is taken for INVD).  For
 * SVM_EXIT_MSR, bit 0 of EXITINFO1 picks WRMSR, the row after RDMSR's. */
static enum vexit_kind insn_exit(uint64_t code, char *why, size_t n)
{
	const struct insn *i = insns;

	while (i->code != code && i->code != SVM_EXIT_INVD)
		i++;
	if (code == SVM_EXIT_MSR && (*f64(VMCB_EXITINFO1) & 1))
		i++;
	next_rip = insn_end(i->op, i->len, i->name, why, n);
	return next_rip ? i->kind : VX_FAIL;
}

/* SVM_EXIT_IOIO: EXITINFO2 is the next RIP, with or without NRIP save. */
static void io_exit(struct vexit *x, uint64_t info1, uint64_t info2)
{
	x->kind = VX_IO;
	x->in = info1 & IOIO_IN;
	x->string = info1 & IOIO_STR;
	x->size = (uint8_t)((info1 >> IOIO_SIZE_SHIFT) & 7);
	if (x->size == 3 || x->size > 4)
		x->size = 0; /* not one-hot: refused by vcpu.c */
	x->port = (uint16_t)(info1 >> 16);
	next_rip = info2;
}

/* SVM_EXIT_NPF: EXITINFO1 is a page-fault error code, EXITINFO2 the GPA.
 * Bit 33: the fault hit the guest's own page tables, which a device can
 * never hold. */
static void npf_exit(struct vexit *x, uint64_t info1, uint64_t info2, char *why,
		     size_t n)
{
	if (info1 & (1ull << 33)) {
		x->kind = VX_FAIL;
		fmt(why, n,
		    "the guest's page tables point at "
		    "guest-physical 0x%lx, where there is no RAM",
		    (unsigned long)info2);
		return;
	}
	x->kind = VX_MMIO;
	x->gpa = info2;
	x->write = info1 & 2;
}

/* Turns the #VMEXIT just taken into *x. */
static void exit_of(uint64_t code, uint64_t info1, uint64_t info2,
		    struct vexit *x, char *why, size_t n)
{
	switch (code) {
	case SVM_EXIT_INTR:
		/* The host timer (or another interrupt) ended the run:
		 * acknowledge it now, with interrupts let in for a moment. */
		host_timer_take();
		x->kind = VX_NONE;
		break;
	case SVM_EXIT_VINTR:
		x->kind = VX_NONE; /* prepare_entry injects */
		break;
	case SVM_EXIT_CPUID:
	case SVM_EXIT_HLT:
	case SVM_EXIT_MSR:
	case SVM_EXIT_XSETBV:
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		x->kind = insn_exit(code, why, n);
		break;
	case SVM_EXIT_EXC_BASE + VEC_DB:
		/* The CPU has already written the guest's DR6 (in the VMCB);
		 * the #DB goes back as it was. */
		inject_exception(VEC_DB, false, 0);
		x->kind = VX_NONE;
		break;
	case SVM_EXIT_EXC_BASE + VEC_AC:
		inject_exception(VEC_AC, true, (uint32_t)info1);
		x->kind = VX_NONE;
		break;
	case SVM_EXIT_IOIO:
		io_exit(x, info1, info2);
		break;
	case SVM_EXIT_NPF:
		npf_exit(x, info1, info2, why, n);
		break;
	case SVM_EXIT_SHUTDOWN:
		x->kind = VX_SHUTDOWN;
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMMCALL:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		/* CPUID offers neither SVM nor MONITOR to the guest. */
		inject_exception(VEC_UD, false, 0);
		x->kind = VX_NONE;
		break;
	default:
		x->kind = VX_FAIL;
		fmt(why, n,
		    "unhandled #VMEXIT 0x%lx (%s), EXITINFO1 0x%lx, "
		    "EXITINFO2 0x%lx",
		    (unsigned long)code, exit_name(x->slot),
		    (unsigned long)info1, (unsigned long)info2);
		break;
	}
}

static int run(uint64_t regs[16], struct vexit *x, char *why, size_t n)
{
	guest_fpu_load_xcr0(&fpu);
	*f64(VMCB_RAX) = regs[R_RAX];
	spec_ctrl_enter();
	svm_enter(regs, vmcb, fpu.area, fpu.xcr0, host_save);
	spec_ctrl_leave();
	vmcb[VMCB_TLB_CONTROL] = 0;
	regs[R_RAX] = *f64(VMCB_RAX);
	regs[R_RSP] = *f64(VMCB_RSP);

	uint64_t code = *f64(VMCB_EXITCODE);
	uint64_t info1 = *f64(VMCB_EXITINFO1), info2 = *f64(VMCB_EXITINFO2);

	if (code == SVM_EXIT_INVALID) {
		fmt(why, n,
		    "VMRUN failed: the VMCB holds an invalid guest "
		    "state (VMEXIT_INVALID)");
		return -1;
	}
	x->slot = slot_of(code);
	next_rip = 0;
	requeue_event();
	exit_of(code, info1, info2, x, why, n);
	return 0;
}

static void skip(unsigned len)
{
	if (len)
		*f64(VMCB_RIP) += len;
	else if (next_rip)
		*f64(VMCB_RIP) = next_rip;
	*f64(VMCB_INT_STATE) &= ~1ull; /* the interrupt shadow ends */
}

static unsigned vreg_off(enum vreg r)
{
	static const unsigned off[] = {
		[VR_RIP] = VMCB_RIP,
		[VR_RSP] = VMCB_RSP,
		[VR_RFLAGS] = VMCB_RFLAGS,
		[VR_CR0] = VMCB_CR0,
		[VR_CR3] = VMCB_CR3,
		[VR_CR4] = VMCB_CR4,
		[VR_EFER] = VMCB_EFER,
		[VR_PAT] = VMCB_G_PAT,
		[VR_SYSENTER_CS] = VMCB_SYSENTER_CS,
		[VR_SYSENTER_ESP] = VMCB_SYSENTER_ESP,
		[VR_SYSENTER_EIP] = VMCB_SYSENTER_EIP,
	};

	return off[r];
}

/* EFER.SVME must stay set in the guest's EFER or VMRUN fails (15.5.1);
 * the guest neither sees nor changes it. */
static uint64_t get(enum vreg r)
{
	uint64_t v = *f64(vreg_off(r));

	return r == VR_EFER ? v & ~EFER_SVME : v;
}

static void set(enum vreg r, uint64_t v)
{
	*f64(vreg_off(r)) = r == VR_EFER ? v | EFER_SVME : v;
}

static bool can_inject(void)
{
	return !(*f64(VMCB_EVENTINJ) & EV_VALID)
	       && (*f64(VMCB_RFLAGS) & RFLAGS_IF)
	       && !(*f64(VMCB_INT_STATE) & 1);
}

static void inject_intr(unsigned vec)
{
	*f64(VMCB_EVENTINJ) = (vec & 0xff) | EV_TYPE_INTR | EV_VALID;
}

/* A virtual interrupt that the guest takes as soon as it can, intercepted
 * (VINTR) before it is delivered: the interrupt window (15.21.4). */
static void set_intr_window(bool on)
{
	/* vcpu.c calls this only when the window changes. */
	if (on) {
		*f32(VMCB_INT_CTL) |= INT_V_IRQ | INT_V_PRIO_MAX
				      | INT_V_IGN_TPR;
		*f32(VMCB_INTERCEPT_MISC1) |= ICPT_VINTR;
	} else {
		*f32(VMCB_INT_CTL) &= ~(INT_V_IRQ | INT_V_PRIO_MAX
					| INT_V_IGN_TPR);
		*f32(VMCB_INTERCEPT_MISC1) &= ~ICPT_VINTR;
	}
}

static void set_xcr0(uint64_t v)
{
	fpu.xcr0 = v;
}

static void dump(void)
{
	log_msg("guest: CR0 0x%lx CR3 0x%lx CR4 0x%lx EFER 0x%lx",
		(unsigned long)*f64(VMCB_CR0), (unsigned long)*f64(VMCB_CR3),
		(unsigned long)*f64(VMCB_CR4), (unsigned long)*f64(VMCB_EFER));
	log_msg("guest: CS 0x%x (attributes 0x%x) SS 0x%x, exit code 0x%lx, "
		"EXITINFO1 0x%lx, EXITINFO2 0x%lx, interrupt shadow %lu",
		*f16(VMCB_CS), *f16(VMCB_CS + 2), *f16(VMCB_SS),
		(unsigned long)*f64(VMCB_EXITCODE),
		(unsigned long)*f64(VMCB_EXITINFO1),
		(unsigned long)*f64(VMCB_EXITINFO2),
		(unsigned long)(*f64(VMCB_INT_STATE) & 1));
	log_msg("host: timer (%s) interrupts %lu, other interrupts %lu",
		host_timer_mode(), (unsigned long)host_timer_irqs(),
		(unsigned long)host_other_irqs());
}

const struct vcpu_ops svm_ops = {
	.name = "svm",
	.init = svm_vcpu_init,
	.run = run,
	.get = get,
	.set = set,
	.code_mode = code_mode,
	.skip = skip,
	.inject_exception = inject_exception,
	.can_inject = can_inject,
	.inject_intr = inject_intr,
	.set_intr_window = set_intr_window,
	.set_timer = host_timer_arm,
	.set_xcr0 = set_xcr0,
	.exit_name = exit_name,
	.dump = dump,
};
