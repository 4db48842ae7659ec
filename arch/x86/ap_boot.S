/* The other CPUs' way from the STARTUP IPI into Plinth (Intel SDM vol.
 * 3A, 9.4.4 "MP initialization example" and 9.8.5 "Initializing IA-32e
 * mode"; AMD APM vol. 2, 14.8 "Long-mode initialization").
 *
 * smp.c copies these bytes to a page below 1 MiB and patches the data at
 * their end; a STARTUP IPI with that page's number starts a CPU here in
 * real mode, CS = page >> 4, IP = 0.  So the code is position
 * independent: 16-bit code reaches the data through DS = CS, 64-bit code
 * RIP-relative.  The CPU goes from real mode straight into long mode,
 * with PE and PG set by one write to CR0 (after PAE, CR3 and EFER.LME),
 * then jumps into Plinth's 64-bit code on a stack of its own.
 *
 * First of all it takes its ticket (smp_claim.h): the page says which
 * CPU may go on, and a CPU whose APIC ID is not that one (one the first
 * CPU gave up on, woken late) halts here, before it touches anything.
 * The ID is the one CPUID gives (leaf 0xB's x2APIC ID where that leaf
 * exists, else leaf 1's initial APIC ID), which the firmware's MADT
 * lists; a CPU whose IDs disagree halts and is reported as silent. */

	.section .rodata
	.balign 16
	.globl ap_tramp_start, ap_tramp_end
	.globl ap_tramp_gdtr, ap_tramp_far, ap_tramp_cr3, ap_tramp_efer
	.globl ap_tramp_cr0, ap_tramp_stack, ap_tramp_arg, ap_tramp_target
	.globl ap_tramp_long, ap_tramp_gdt, ap_tramp_ticket

#define OFF(x) ((x) - ap_tramp_start)

ap_tramp_start:
	.code16
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%eax, %eax
	cpuid
	cmp	$0xb, %eax
	jb	1f
	mov	$0xb, %eax
	xor	%ecx, %ecx
	cpuid
	test	%ebx, %ebx		/* no processors at level 0: no leaf */
	jz	1f
	mov	%edx, %esi		/* the x2APIC ID */
	jmp	2f
1:	mov	$1, %eax
	cpuid
	shr	$24, %ebx		/* the initial APIC ID */
	mov	%ebx, %esi
2:	mov	%esi, %eax
	mov	$0xffffffff, %edx	/* SMP_TICKET_CLOSED */
	lock cmpxchgl %edx, OFF(ap_tramp_ticket)
	je	4f
3:	hlt				/* not this CPU's turn: for good */
	jmp	3b
4:	lgdtl	OFF(ap_tramp_gdtr)
	mov	$0x20, %eax		/* CR4.PAE */
	mov	%eax, %cr4
	movl	OFF(ap_tramp_cr3), %eax	/* a PML4 below 4 GiB */
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER: LME, NXE as the first CPU */
	movl	OFF(ap_tramp_efer), %eax
	xor	%edx, %edx
	wrmsr
	movl	OFF(ap_tramp_cr0), %eax	/* PE and PG at once */
	mov	%eax, %cr0
	ljmpl	*OFF(ap_tramp_far)

	.code64
ap_tramp_long:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	ap_tramp_stack(%rip), %rsp
	mov	ap_tramp_arg(%rip), %rdi
	xor	%ebp, %ebp
	/* A call, as arch_switch_stack does: the target starts with the
	 * ABI's RSP % 16 == 8 (the stack top is 16-byte aligned), and
	 * never returns. */
	call	*ap_tramp_target(%rip)
	ud2

	/* Patched by smp.c. */
	.balign 8
ap_tramp_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
ap_tramp_gdtr:
	.word	3 * 8 - 1
	.long	0			/* linear: page + OFF(ap_tramp_gdt) */
	.balign 4
ap_tramp_far:
	.long	0			/* linear: page + OFF(ap_tramp_long) */
	.word	0x08
	.balign 4
ap_tramp_cr3:
	.long	0
ap_tramp_efer:
	.long	0
ap_tramp_cr0:
	.long	0
ap_tramp_ticket:
	.long	0xffffffff		/* the APIC ID that may go on */
	.balign 8
ap_tramp_stack:
	.quad	0
ap_tramp_arg:
	.quad	0
ap_tramp_target:
	.quad	0
ap_tramp_end:
	.section .note.GNU-stack, "", @progbits
