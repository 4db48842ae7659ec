/* AMD-V: the VMCBs, nested paging and the exits of the guest's vCPUs, as
 * the vCPU interface of arch/x86/vcpu_ops.h (APM vol. 2, chapter 15).
 *
 * Each vCPU has its own VMCB, host save area and FPU state, and runs on
 * one CPU: the ops act on the vCPU of the CPU that calls them
 * (this_cpu()->vcpu_arch, set by svm_vcpu_init on that CPU).  The nested
 * page tables and the I/O and MSR permission maps are the guest's, one
 * set for all its vCPUs, written by vCPU 0's init before any vCPU runs. */
#include "arch/x86/svm.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/guest_fpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/svm_impl.h"
#include "arch/x86/spec_ctrl.h"
#include "arch/x86/vmcb.h"
#include "arch/x86/decode.h"
#include "hv/base/fmt.h"
#include "arch/x86/page_walk.h"
#include "hv/base/log.h"
#include "arch/x86/vcpu_ops.h"
#include "arch/x86/vectors.h"

extern void svm_enter(uint64_t regs[16], void *vmcb, void *fpu, uint64_t xcr0,
		      void *host_save);

static void code_at(struct vcpu_code *c)
{
	uint16_t attr = *f16(VMCB_CS + 2);

	c->cpu.cr0 = *f64(VMCB_CR0);
	c->cpu.cr3 = *f64(VMCB_CR3);
	c->cpu.cr4 = *f64(VMCB_CR4);
	c->cpu.efer = *f64(VMCB_EFER);
	c->rip = *f64(VMCB_RIP);
	c->cs_base = *f64(VMCB_CS + 8);
	c->mode = (c->cpu.efer & EFER_LMA) && (attr & SEG_L) ? 64
		  : (attr & SEG_D)			     ? 32
							     : 16;
}

/* Without NRIP save (QEMU's SVM has none) the CPU does not say how long
 * the intercepted instruction was: fetch it through the guest's page
 * tables (the vCPU's walk memo, page_walk.h, spares the walk for code it
 * ran before) and check that it is the one the exit names.  Prefixes are
 * allowed; anything else stops the guest rather than skip a guess. */
static uint64_t insn_end(const uint8_t *op, size_t oplen, const char *name,
			 char *why, size_t n)
{
	struct vcpu_code c;
	uint8_t bytes[15];

	if (svm_nrips)
		return *f64(VMCB_NRIP);
	code_at(&c);
	size_t got = pw_fetch_insn_memo(&svm_cur()->walks, svm_gm, &c.cpu,
					c.mode, c.cs_base, c.rip, bytes,
					sizeof(bytes));
	size_t len = insn_length_of(bytes, got, c.mode, op, oplen);

	if (len)
		return c.rip + len;
	size_t k = fmt(why, n,
		       "%s exit, but the instruction at RIP 0x%lx "
		       "is not %s: bytes",
		       name, (unsigned long)c.rip, name);

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

/* After an exit: the NMI handler's IRET has run if RIP moved on from it.
 * An NMI whose delivery was cut short is queued again (requeue_event)
 * and keeps blocking. */
static void nmi_unblock(struct svm_vcpu *v)
{
	if (v->nmi_iret && *f64(VMCB_RIP) != v->nmi_iret_rip)
		v->nmi_blocked = v->nmi_iret = false;
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
		[2 + SVM_EXIT_IRET - SVM_EXIT_INTR] = "IRET (NMI handled)",
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
	svm_cur()->next_rip = insn_end(i->op, i->len, i->name, why, n);
	return svm_cur()->next_rip ? i->kind : VX_FAIL;
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
	svm_cur()->next_rip = info2;
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
	case SVM_EXIT_IRET:
		/* The NMI handler's IRET, about to run: blocking ends once
		 * RIP has moved past it (nmi_unblock). */
		*f32(VMCB_INTERCEPT_MISC1) &= ~ICPT_IRET;
		svm_cur()->nmi_iret = true;
		svm_cur()->nmi_iret_rip = *f64(VMCB_RIP);
		x->kind = VX_NONE;
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
	struct svm_vcpu *v = svm_cur();

	guest_fpu_load_xcr0(&v->fpu);
	*f64(VMCB_RAX) = regs[R_RAX];
	spec_ctrl_enter();
	svm_enter(regs, v->vmcb, v->fpu.area, v->fpu.xcr0, v->host_save);
	spec_ctrl_leave();
	v->vmcb[VMCB_TLB_CONTROL] = 0;
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
	v->next_rip = 0;
	requeue_event();
	nmi_unblock(v);
	exit_of(code, info1, info2, x, why, n);
	return 0;
}

static void skip(unsigned len)
{
	uint64_t next_rip = svm_cur()->next_rip;

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

/* NMIs ignore IF; they wait for the last NMI handler's IRET (SDM vol. 3A,
 * 6.7.1) and for the end of an STI or MOV SS shadow. */
static bool can_inject_nmi(void)
{
	return !svm_cur()->nmi_blocked && !(*f64(VMCB_EVENTINJ) & EV_VALID)
	       && !(*f64(VMCB_INT_STATE) & 1);
}

static void inject_nmi(void)
{
	*f64(VMCB_EVENTINJ) = VEC_NMI | EV_TYPE_NMI | EV_VALID;
	svm_cur()->nmi_blocked = true;
	*f32(VMCB_INTERCEPT_MISC1) |= ICPT_IRET;
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
	svm_cur()->fpu.xcr0 = v;
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
	.cpu_on = svm_cpu_on,
	.init = svm_vcpu_init,
	.run = run,
	.get = get,
	.set = set,
	.code = code_at,
	.skip = skip,
	.inject_exception = inject_exception,
	.can_inject = can_inject,
	.inject_intr = inject_intr,
	.can_inject_nmi = can_inject_nmi,
	.inject_nmi = inject_nmi,
	.set_intr_window = set_intr_window,
	.set_timer = host_timer_arm,
	.set_xcr0 = set_xcr0,
	.exit_name = exit_name,
	.dump = dump,
};
