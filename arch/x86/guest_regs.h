/* Assembler macros shared by the world switches (vmx_entry.S,
 * svm_entry.S): the guest's general registers in regs[] (x86 numbering:
 * rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15) and its vector state.
 * RAX and RSP are each backend's own business (VMCS, VMCB, or here). */
#ifndef PLINTH_X86_GUEST_REGS_H
#define PLINTH_X86_GUEST_REGS_H

/* XRSTOR (mask \xcr0, when it is not 0) or FXRSTOR from \area; or the
 * same with XSAVE/FXSAVE.  Clobbers rax and rdx. */
.macro GUEST_FPU insn_x, insn_fx, area, xcr0
	mov	\xcr0, %rax
	mov	\xcr0, %rdx
	shr	$32, %rdx
	test	%rax, %rax
	jz	1f
	\insn_x	(\area)
	jmp	2f
1:	\insn_fx (\area)
2:
.endm

/* Loads rcx, rdx, rbx, rbp, rsi, r8-r15 and, last, rdi from regs[] at
 * %rdi. */
.macro GUEST_GPRS_LOAD
	mov	1*8(%rdi), %rcx
	mov	2*8(%rdi), %rdx
	mov	3*8(%rdi), %rbx
	mov	5*8(%rdi), %rbp
	mov	6*8(%rdi), %rsi
	mov	8*8(%rdi), %r8
	mov	9*8(%rdi), %r9
	mov	10*8(%rdi), %r10
	mov	11*8(%rdi), %r11
	mov	12*8(%rdi), %r12
	mov	13*8(%rdi), %r13
	mov	14*8(%rdi), %r14
	mov	15*8(%rdi), %r15
	mov	7*8(%rdi), %rdi
.endm

/* Stores rcx, rdx, rbx, rbp, rsi and r8-r15 into regs[] at %rdi (rdi
 * itself is the caller's to store). */
.macro GUEST_GPRS_SAVE
	mov	%rcx, 1*8(%rdi)
	mov	%rdx, 2*8(%rdi)
	mov	%rbx, 3*8(%rdi)
	mov	%rbp, 5*8(%rdi)
	mov	%rsi, 6*8(%rdi)
	mov	%r8, 8*8(%rdi)
	mov	%r9, 9*8(%rdi)
	mov	%r10, 10*8(%rdi)
	mov	%r11, 11*8(%rdi)
	mov	%r12, 12*8(%rdi)
	mov	%r13, 13*8(%rdi)
	mov	%r14, 14*8(%rdi)
	mov	%r15, 15*8(%rdi)
.endm

#endif
