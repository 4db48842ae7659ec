/* Stack switch and exception entry stubs. */

	.text

/* void arch_switch_stack(uint64_t top, void (*fn)(void *), void *arg)
 * Moves onto a new stack and calls fn(arg); fn must not return.  RBP is
 * cleared so that stack traces end here.  `top` is 16-byte aligned, so fn
 * starts with the usual RSP % 16 == 8. */
	.globl arch_switch_stack
	.hidden arch_switch_stack
	.type arch_switch_stack, @function
arch_switch_stack:
	mov	%rdi, %rsp
	xor	%ebp, %ebp
	mov	%rdx, %rdi
	call	*%rsi
	ud2

/* One 16-byte stub per vector.  The CPU pushes an error code for vectors
 * 8, 10-14, 17, 21, 29 and 30 (Intel SDM vol. 3A, table 6-1); the others
 * push a zero in its place so that every frame looks the same. */
	.p2align 4
	.globl isr_stubs
	.hidden isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.p2align 4
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

/* The frame built here is struct exc_frame (arch/x86/exception.h).  In
 * 64-bit mode the CPU aligns RSP to 16 before pushing its frame, and the
 * 17 quadwords below plus its 5 keep the call to exc_dispatch aligned. */
isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	mov	%rsp, %rdi
	call	exc_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	add	$16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
