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
#include "arch/x86/guest_regs.inc"

#define HOST_RSP 0x6c14

	.text
	.globl vmx_enter
	.hidden vmx_enter
	.type vmx_enter, @function
vmx_enter:
	HOST_CALLEE_SAVE	/* fpu area and xcr0 mask, for the exit path */
	push	%rdi		/* regs, for the exit path */
	mov	%esi, %r12d	/* launched */

	/* Guest vector state. */
	mov	%rdx, %rbx
	GUEST_FPU xrstor, fxrstor, %rbx, %rcx
	mov	$HOST_RSP, %eax
	vmwrite	%rsp, %rax

	test	%r12d, %r12d	/* flags survive the movs below */
	mov	0*8(%rdi), %rax
	GUEST_GPRS_LOAD
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
	GUEST_GPRS_SAVE
	pop	%rax
	mov	%rax, 7*8(%rdi)
	add	$8, %rsp	/* regs */
	GUEST_FPU_SAVE
	xor	%eax, %eax
5:	HOST_CALLEE_RESTORE

	.section .note.GNU-stack, "", @progbits
