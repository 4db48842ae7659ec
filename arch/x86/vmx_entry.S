/* The VT-x world switch.
 *
 * int vmx_enter(uint64_t regs[16], int launched, void *fpu, uint64_t xcr0)
 *
 * Loads the guest's general registers from regs[] (x86 numbering: rax,
 * rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15; RSP itself lives in the
 * VMCS), its FPU/SSE/AVX state from `fpu` (XRSTOR with the guest's XCR0
 * as mask, or FXRSTOR when xcr0 is 0), and enters the guest.  After the
 * VM exit the same state is saved back and 0 is returned.  If VMLAUNCH or
 * VMRESUME fails, 1 is returned with RFLAGS.CF/ZF semantics lost: the
 * caller reads the VM-instruction error field.
 *
 * The guest's vector state is switched here, next to the VM entry and
 * exit, because host C code (and newlib) may use SSE registers anywhere
 * else: nothing compiled may run between the restore and the entry.
 */
#define HOST_RSP 0x6c14

	.text
	.globl vmx_enter
	.hidden vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx		/* fpu area, for the exit path */
	push	%rcx		/* xcr0 mask */
	push	%rdi		/* regs, for the exit path */
	mov	%esi, %r12d	/* launched */

	/* Guest vector state. */
	mov	%rcx, %rax
	mov	%rcx, %rsi
	shr	$32, %rsi
	mov	%rdx, %rbx
	mov	%esi, %edx
	test	%rax, %rax
	jz	1f
	xrstor	(%rbx)
	jmp	2f
1:	fxrstor	(%rbx)
2:
	mov	$HOST_RSP, %eax
	vmwrite	%rsp, %rax

	test	%r12d, %r12d	/* flags survive the movs below */
	mov	0*8(%rdi), %rax
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
	jnz	3f
	vmlaunch
	jmp	4f
3:	vmresume
4:	/* The entry failed; no guest ran.  Host callee-saved registers are
	 * on the stack below the three arguments. */
	add	$24, %rsp
	mov	$1, %eax
	jmp	5f

/* HOST_RIP: the CPU arrives here on every VM exit with RSP as written
 * above and the guest's registers still live. */
	.globl vmx_exit_stub
	.hidden vmx_exit_stub
vmx_exit_stub:
	push	%rdi
	mov	8(%rsp), %rdi	/* regs */
	mov	%rax, 0*8(%rdi)
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
	pop	%rax
	mov	%rax, 7*8(%rdi)
	add	$8, %rsp	/* regs */
	pop	%rax		/* xcr0 mask */
	pop	%rbx		/* fpu area */
	mov	%rax, %rdx
	shr	$32, %rdx
	test	%rax, %rax
	jz	6f
	xsave	(%rbx)
	jmp	7f
6:	fxsave	(%rbx)
7:	xor	%eax, %eax
5:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
