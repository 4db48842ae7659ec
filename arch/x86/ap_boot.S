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
 * then jumps into Plinth's 64-bit code on a stack of its own. */

	.section .rodata
	.balign 16
	.globl ap_tramp_start, ap_tramp_end
	.globl ap_tramp_gdtr, ap_tramp_far, ap_tramp_cr3, ap_tramp_efer
	.globl ap_tramp_cr0, ap_tramp_stack, ap_tramp_arg, ap_tramp_target
	.globl ap_tramp_long, ap_tramp_gdt

#define OFF(x) ((x) - ap_tramp_start)

ap_tramp_start:
	.code16
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	OFF(ap_tramp_gdtr)
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
	.balign 8
ap_tramp_stack:
	.quad	0
ap_tramp_arg:
	.quad	0
ap_tramp_target:
	.quad	0
ap_tramp_end:
	.section .note.GNU-stack, "", @progbits
