/* The VT-x world switch.
 *
 * int vmx_enter(uint64_t regs[16], int launched, void *fpu, uint64_t xcr0,
 *               struct vcpu_fast *fast)
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
 *
 * A CPUID exit that `fast` can answer (arch/x86/vcpu_fast.h) is answered
 * here and the guest resumed, without a return: see vmx_exit_stub.
 */
#include "arch/x86/guest_regs.inc"
#include "arch/x86/vcpu_fast.h"
#include "arch/x86/vmcs.h"

	.text
	.globl vmx_enter
	.hidden vmx_enter
	.type vmx_enter, @function
vmx_enter:
	HOST_CALLEE_SAVE	/* fpu area and xcr0 mask, for the exit path */
	push	%r8		/* fast, for the exit path */
	push	%rdi		/* regs, for the exit path */
	mov	%esi, %r12d	/* launched */

	/* Guest vector state. */
	mov	%rdx, %rbx
	GUEST_FPU xrstor, fxrstor, %rbx, %rcx
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	test	%r12d, %r12d	/* flags survive the movs below */
	mov	0*8(%rdi), %rax
	GUEST_GPRS_LOAD
	jnz	3f
	vmlaunch
	jmp	4f
3:	vmresume
4:	/* The entry failed; no guest ran.  Host callee-saved registers are
	 * on the stack below the four arguments. */
	add	$32, %rsp
	mov	$1, %eax
	jmp	5f

/* HOST_RIP: the CPU arrives here on every VM exit with RSP as written
 * above (regs at 0(%rsp), fast at 8) and the guest's registers still
 * live.
 *
 * The fast path first.  A CPUID whose leaf `fast` holds, outside an STI or
 * MOV SS shadow (which executing it would end: the long way clears it),
 * before the deadline: load the answer, move RIP on, re-arm the
 * VMX-preemption timer to the deadline and resume.  That is what the run
 * loop's quick entry would do (hv/run/vcpu.c), less the return to C and
 * the saving of the guest's registers and vector state: the vector state
 * never leaves the CPU, and only RDI of the host's registers is used
 * besides the four that CPUID writes anyway.  The guest's SPEC_CTRL stays
 * in force for these few instructions, which take no indirect branch and
 * no return.  What the run loop checks after an exit but this does not
 * (interrupts an I/O core posted, INIT, a stop) comes with a kick, an IPI
 * that makes the entry exit again at once, to the long way. */
	.globl vmx_exit_stub
	.hidden vmx_exit_stub
vmx_exit_stub:
	push	%rdi
	mov	$VMCS_EXIT_REASON, %edi
	vmread	%rdi, %rdi
	cmp	$EXIT_CPUID, %edi	/* and no entry-failure bit */
	jne	.Lsave
	/* RBX and RDX are CPUID's outputs only: scratch.  EAX (the leaf) and
	 * ECX (the subleaf) stay until the answer is certain. */
	mov	16(%rsp), %rbx		/* fast */
	cmp	$VCPU_FAST_LEAVES, %eax
	jae	.Lsave
	bt	%eax, VF_FIXED(%rbx)
	jnc	.Lsave
	mov	$VMCS_GUEST_INTERRUPTIBILITY, %edx
	vmread	%rdx, %rdx
	test	$3, %dl
	jnz	.Lsave
	mov	%eax, %edi		/* the leaf */
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	VF_DEADLINE(%rbx), %rdx
	sub	%rax, %rdx		/* ticks to the deadline */
	jbe	.Lsave_leaf
	/* Certain: RAX and RCX are outputs too from here. */
	mov	vmx_preempt_shift(%rip), %ecx
	shr	%cl, %rdx
	mov	$0xffffffff, %eax	/* the timer field's 32 bits */
	cmp	%rax, %rdx
	cmova	%rax, %rdx
	mov	$VMCS_PREEMPTION_TIMER, %eax
	vmwrite	%rdx, %rax
	incq	VF_EXITS(%rbx)
	mov	$VMCS_EXIT_INSN_LEN, %eax
	vmread	%rax, %rax
	mov	$VMCS_GUEST_RIP, %ecx
	vmread	%rcx, %rdx
	add	%rax, %rdx
	vmwrite	%rdx, %rcx
	shl	$VF_ENTRY_SHIFT, %edi
	lea	VF_TABLE(%rbx,%rdi), %rdi
	mov	0(%rdi), %eax		/* 32-bit loads clear the upper */
	mov	4(%rdi), %ebx		/* halves, as CPUID does */
	mov	8(%rdi), %ecx
	mov	12(%rdi), %edx
	pop	%rdi
	vmresume
	/* VMRESUME failed: the stack is as at the entry. */
	jmp	4b

.Lsave_leaf:
	mov	%edi, %eax		/* the leaf again, for the long way */
.Lsave:
	mov	8(%rsp), %rdi	/* regs */
	mov	%rax, 0*8(%rdi)
	GUEST_GPRS_SAVE
	pop	%rax
	mov	%rax, 7*8(%rdi)
	add	$16, %rsp	/* regs, fast */
	GUEST_FPU_SAVE
	xor	%eax, %eax
5:	HOST_CALLEE_RESTORE

	.section .note.GNU-stack, "", @progbits
