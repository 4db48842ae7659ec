/* The AMD-V world switch.
 *
 * void svm_enter(uint64_t regs[16], void *vmcb, void *fpu, uint64_t xcr0,
 *                void *host_save)
 *
 * Loads the guest's general registers from regs[] (x86 numbering; RAX
 * and RSP live in the VMCB and are copied there by the caller) and its
 * vector state from `fpu` (XRSTOR with the guest's XCR0 as mask, or
 * FXRSTOR when xcr0 is 0), runs the guest until the next #VMEXIT, and
 * saves both back.
 *
 * VMRUN switches only part of the state (APM vol. 2, 15.5.1): FS, GS,
 * TR, LDTR, KernelGSBase, the SYSCALL and SYSENTER MSRs are VMLOADed for
 * the guest and VMSAVEd after it, and the host's own copies are saved to
 * host_save first and VMLOADed back, so that the host's TSS (and the IST
 * stacks its fault handlers need) is in force again before any host code
 * runs.
 *
 * Interrupts: GIF is cleared around the switch, so nothing can interrupt
 * the half-switched state.  RFLAGS.IF is set for VMRUN because with
 * V_INTR_MASKING the host's IF at VMRUN decides whether a physical
 * interrupt ends the guest's run (15.21.1); it is cleared again before
 * GIF is set, so the interrupt stays pending until the host lets it in.
 */
#include "arch/x86/guest_regs.inc"

	.text
	.globl svm_enter
	.hidden svm_enter
	.type svm_enter, @function
svm_enter:
	HOST_CALLEE_SAVE	/* 32(%rsp): fpu area, 24(%rsp): xcr0 mask */
	push	%rdi		/* 16(%rsp): regs */
	push	%rsi		/*  8(%rsp): vmcb */
	push	%r8		/*  0(%rsp): host save area */

	/* Guest vector state. */
	mov	%rdx, %rbx
	GUEST_FPU xrstor, fxrstor, %rbx, %rcx
	clgi
	sti
	mov	0(%rsp), %rax
	vmsave	%rax

	mov	16(%rsp), %rdi
	GUEST_GPRS_LOAD
	mov	8(%rsp), %rax
	vmload	%rax
	vmrun	%rax
	/* #VMEXIT: RAX (the VMCB), RSP and RIP are the host's again. */
	vmsave	%rax

	push	%rdi
	mov	24(%rsp), %rdi	/* regs */
	GUEST_GPRS_SAVE
	pop	%rax
	mov	%rax, 7*8(%rdi)

	mov	0(%rsp), %rax
	vmload	%rax
	cli
	stgi

	add	$24, %rsp	/* host save, vmcb, regs */
	GUEST_FPU_SAVE
	HOST_CALLEE_RESTORE

	.section .note.GNU-stack, "", @progbits
