/* The VT-x side of the vCPU interface (arch/x86/vcpu_ops.h): VMX exit reasons
 * turned into the shared exit kinds, guest state through VMREAD and
 * VMWRITE, and the exits only VT-x has (CR accesses under the guest/host
 * masks, events to re-deliver) handled here. */
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/vmx.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "arch/x86/vcpu_ops.h"
#include "arch/x86/vectors.h"

static uint64_t get_gpr(const uint64_t regs[16], unsigned reg)
{
	return reg == R_RSP ? vmx_read(VMCS_GUEST_RSP) : regs[reg & 15];
}

/* MOV to CR0/CR4 exits only when the guest changes a bit the host owns
 * (guest/host mask).  The guest's value goes into the read shadow; the
 * real register keeps the host-owned bits (SDM 25.6.6).  Returns -1 with
 * a message for accesses that cannot happen with Plinth's controls. */
static int do_cr(const uint64_t regs[16], char *why, size_t n)
{
	uint64_t q = vmx_read(VMCS_EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	if (type == 0 && cr == 0) {
		uint64_t val = get_gpr(regs, reg);
		uint64_t mask = vmx_read(VMCS_CR0_MASK);
		uint64_t efer = vmx_read(VMCS_GUEST_EFER);
		uint64_t old = vmx_read(VMCS_GUEST_CR0);

		vmx_write(VMCS_CR0_SHADOW, val);
		vmx_write(VMCS_GUEST_CR0, (val & ~mask) | (old & mask));
		/* Paging turned on with LME set enters IA-32e mode. */
		if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
			vmx_write(VMCS_GUEST_EFER, efer | EFER_LMA);
			vmx_write(VMCS_ENTRY_CTLS,
				  vmx_read(VMCS_ENTRY_CTLS) | ENTRY_GUEST_64);
		}
	} else if (type == 0 && cr == 4) {
		uint64_t val = get_gpr(regs, reg);
		uint64_t mask = vmx_read(VMCS_CR4_MASK);

		vmx_write(VMCS_CR4_SHADOW, val);
		vmx_write(VMCS_GUEST_CR4,
			  (val & ~mask) | (vmx_read(VMCS_GUEST_CR4) & mask));
	} else if (type == 1) {
		/* Reads of CR0/CR4 never exit; CR3/CR8 are not intercepted. */
		fmt(why, n, "unexpected MOV from CR");
		return -1;
	} else if (type == 2) { /* CLTS */
		vmx_write(VMCS_CR0_SHADOW, vmx_read(VMCS_CR0_SHADOW) & ~8ull);
		vmx_write(VMCS_GUEST_CR0, vmx_read(VMCS_GUEST_CR0) & ~8ull);
	} else {
		fmt(why, n, "unsupported CR access (qualification 0x%lx)",
		    (unsigned long)q);
		return -1;
	}
	vmx_skip_insn(0);
	return 0;
}

/* An exit in the middle of delivering an event (IDT-vectoring info,
 * SDM 28.2.4) must deliver it again, or it is lost.  Only exits that
 * event delivery itself can cause carry such information; instruction
 * exits (CPUID, I/O, MSR...) never do, and skip the VMREAD. */
static void requeue_vectored_event(int reason)
{
	if (reason != EXIT_EPT_VIOLATION && reason != EXIT_EPT_MISCONFIG
	    && reason != EXIT_EXCEPTION_NMI && reason != EXIT_TASK_SWITCH
	    && reason != EXIT_TRIPLE_FAULT)
		return;
	uint32_t info = (uint32_t)vmx_read(VMCS_IDT_VECTORING_INFO);

	if (!(info & (1u << 31)))
		return;
	vmx_write(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12));
	if (info & (1u << 11))
		vmx_write(VMCS_ENTRY_EXCEPTION_ERR,
			  vmx_read(VMCS_IDT_VECTORING_ERR));
	unsigned type = (info >> 8) & 7;

	if (type == 4 || type == 5 || type == 6) /* software events */
		vmx_write(VMCS_ENTRY_INSN_LEN, vmx_read(VMCS_EXIT_INSN_LEN));
}

/* #DB and #AC, intercepted only so that the host keeps control (vmx.c):
 * each goes back to the guest as the CPU would have delivered it.  A
 * #DB exit comes before DR6 is written (SDM 27.1); the qualification
 * holds the bits the CPU would have set (B0-B3, BD, BS; table 28-1). */
static int reflect_exception(char *why, size_t n)
{
	uint32_t info = (uint32_t)vmx_read(VMCS_EXIT_INTR_INFO);
	unsigned vec = info & 0xff, type = (info >> 8) & 7;

	if (type == 3 && vec == VEC_DB) {
		uint64_t q = vmx_read(VMCS_EXIT_QUALIFICATION) & 0x600f, dr6;

		__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
		dr6 = (dr6 & ~0x600full) | q;
		__asm__ volatile("mov %0, %%dr6" : : "r"(dr6));
		vmx_inject_exception(VEC_DB, false, 0);
		return 0;
	}
	if (type == 3 && vec == VEC_AC) {
		vmx_inject_exception(VEC_AC, true,
				     (uint32_t)vmx_read(VMCS_EXIT_INTR_ERR));
		return 0;
	}
	fmt(why, n,
	    "unexpected exception or NMI exit (interruption "
	    "information 0x%x)",
	    info);
	return -1;
}

static int run(uint64_t regs[16], struct vexit *x, char *why, size_t n)
{
	int reason = vmx_run(regs, why, n);

	if (reason < 0)
		return -1;
	/* Only the fields of the kind set are read: no memset, which
	 * would be a sizeable part of a CPUID round trip. */
	x->slot = (unsigned)reason < VCPU_EXIT_SLOTS ? (unsigned)reason
						     : VCPU_EXIT_SLOTS - 1;
	requeue_vectored_event(reason);
	switch (reason) {
	case EXIT_RDMSR:
		x->kind = VX_RDMSR;
		break;
	case EXIT_WRMSR:
		x->kind = VX_WRMSR;
		break;
	case EXIT_WBINVD:
	case EXIT_INVD:
		x->kind = VX_NOP;
		break;
	case EXIT_CPUID:
		x->kind = VX_CPUID;
		break;
	case EXIT_XSETBV:
		x->kind = VX_XSETBV;
		break;
	case EXIT_HLT:
		x->kind = VX_HLT;
		break;
	case EXIT_INTR_WINDOW:
	case EXIT_PREEMPTION_TIMER:
		x->kind = VX_NONE;
		break;
	case EXIT_EXTERNAL_INTR:
		/* Not acknowledged on exit: it is still pending in the
		 * LAPIC, and is taken (and EOIed) with interrupts let in
		 * for a moment. */
		host_timer_take();
		x->kind = VX_NONE;
		break;
	case EXIT_TRIPLE_FAULT:
		x->kind = VX_SHUTDOWN;
		break;
	case EXIT_IO: {
		uint64_t q = vmx_read(VMCS_EXIT_QUALIFICATION);

		x->kind = VX_IO;
		x->size = (uint8_t)((q & 7) + 1);
		x->in = q & 8;
		x->string = q & 16;
		x->port = (uint16_t)(q >> 16);
		break;
	}
	case EXIT_EPT_VIOLATION:
		x->kind = VX_MMIO;
		x->gpa = vmx_read(VMCS_GUEST_PHYS_ADDR);
		/* Bit 1 of the qualification is "write" (SDM table 28-7). */
		x->write = vmx_read(VMCS_EXIT_QUALIFICATION) & 2;
		break;
	case EXIT_CR_ACCESS:
		x->kind = do_cr(regs, why, n) ? VX_FAIL : VX_NONE;
		break;
	case EXIT_EXCEPTION_NMI:
		x->kind = reflect_exception(why, n) ? VX_FAIL : VX_NONE;
		break;
	default:
		x->kind = VX_FAIL;
		fmt(why, n, "unhandled VM exit %d (%s), qualification 0x%lx",
		    reason, vmx_exit_name((unsigned)reason),
		    (unsigned long)vmx_read(VMCS_EXIT_QUALIFICATION));
		break;
	}
	return 0;
}

static const uint32_t fields[] = {
	[VR_RIP] = VMCS_GUEST_RIP,
	[VR_RSP] = VMCS_GUEST_RSP,
	[VR_RFLAGS] = VMCS_GUEST_RFLAGS,
	[VR_CR0] = VMCS_GUEST_CR0,
	[VR_CR3] = VMCS_GUEST_CR3,
	[VR_CR4] = VMCS_GUEST_CR4,
	[VR_EFER] = VMCS_GUEST_EFER,
	[VR_PAT] = VMCS_GUEST_PAT,
	[VR_SYSENTER_CS] = VMCS_GUEST_SYSENTER_CS,
	[VR_SYSENTER_ESP] = VMCS_GUEST_SYSENTER_ESP,
	[VR_SYSENTER_EIP] = VMCS_GUEST_SYSENTER_EIP,
};

static uint64_t get(enum vreg r)
{
	return vmx_read(fields[r]);
}

static void set(enum vreg r, uint64_t v)
{
	vmx_write(fields[r], v);
}

static void code_at(struct vcpu_code *c)
{
	uint64_t ar = vmx_read(VMCS_GUEST_CS_AR);

	c->cpu.cr0 = vmx_read(VMCS_GUEST_CR0);
	c->cpu.cr3 = vmx_read(VMCS_GUEST_CR3);
	c->cpu.cr4 = vmx_read(VMCS_GUEST_CR4);
	c->cpu.efer = vmx_read(VMCS_GUEST_EFER);
	c->rip = vmx_read(VMCS_GUEST_RIP);
	c->cs_base = vmx_read(VMCS_GUEST_CS_BASE);
	c->mode = (ar & (1u << 13)) ? 64 : (ar & (1u << 14)) ? 32 : 16;
}

static bool can_inject(void)
{
	return !(vmx_read(VMCS_ENTRY_INTR_INFO) & (1u << 31))
	       && (vmx_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF)
	       && !(vmx_read(VMCS_GUEST_INTERRUPTIBILITY) & 3);
}

static void inject_intr(unsigned vec)
{
	/* Type 0: external interrupt (SDM 25.8.3). */
	vmx_write(VMCS_ENTRY_INTR_INFO, (vec & 0xff) | (1u << 31));
}

/* NMIs ignore IF; they wait for the end of an STI or MOV SS shadow and
 * for the last NMI handler's IRET.  Without "virtual NMIs" (Plinth sets
 * neither it nor NMI exiting) the guest's NMI blocking is the CPU's own:
 * an injected NMI sets it, the guest's IRET clears it, and the VMCS shows
 * it in bit 3 of the interruptibility state (SDM vol. 3C, 24.4.2, 26.6.1,
 * and 26.3.1.5 for what an entry that injects one requires). */
static bool can_inject_nmi(void)
{
	return !(vmx_read(VMCS_ENTRY_INTR_INFO) & (1u << 31))
	       && !(vmx_read(VMCS_GUEST_INTERRUPTIBILITY) & (1 | 2 | 8));
}

static void inject_nmi(void)
{
	/* Type 2: NMI, vector 2 (25.8.3). */
	vmx_write(VMCS_ENTRY_INTR_INFO, VEC_NMI | (2u << 8) | (1u << 31));
}

static void dump(void)
{
	log_msg("guest: CR0 0x%lx (shadow 0x%lx) CR3 0x%lx CR4 0x%lx "
		"(shadow 0x%lx) EFER 0x%lx",
		(unsigned long)vmx_read(VMCS_GUEST_CR0),
		(unsigned long)vmx_read(VMCS_CR0_SHADOW),
		(unsigned long)vmx_read(VMCS_GUEST_CR3),
		(unsigned long)vmx_read(VMCS_GUEST_CR4),
		(unsigned long)vmx_read(VMCS_CR4_SHADOW),
		(unsigned long)vmx_read(VMCS_GUEST_EFER));
	log_msg("guest: CS 0x%lx (AR 0x%lx) SS 0x%lx, exit qualification "
		"0x%lx, interruptibility 0x%lx",
		(unsigned long)vmx_read(VMCS_GUEST_CS_SEL),
		(unsigned long)vmx_read(VMCS_GUEST_CS_AR),
		(unsigned long)vmx_read(VMCS_GUEST_SS_SEL),
		(unsigned long)vmx_read(VMCS_EXIT_QUALIFICATION),
		(unsigned long)vmx_read(VMCS_GUEST_INTERRUPTIBILITY));
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
	.cpu_on = vmx_cpu_on,
	.init = vmx_vcpu_init,
	.run = run,
	.get = get,
	.set = set,
	.code = code_at,
	.skip = vmx_skip_insn,
	.inject_exception = vmx_inject_exception,
	.can_inject = can_inject,
	.inject_intr = inject_intr,
	.can_inject_nmi = can_inject_nmi,
	.inject_nmi = inject_nmi,
	.set_intr_window = vmx_set_intr_window,
	.set_timer = vmx_set_timer,
	.set_fast = vmx_set_fast,
	.set_xcr0 = vmx_set_guest_xcr0,
	.exit_name = vmx_exit_name,
	.dump = dump,
};
