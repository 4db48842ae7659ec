/* The VMCB (AMD APM vol. 2, appendix B): byte offsets of the control
 * area fields and the state save area, and the intercept and exit codes
 * Plinth uses (15.9-15.14 and table C-1). */
#ifndef PLINTH_X86_VMCB_H
#define PLINTH_X86_VMCB_H

/* Control area */
#define VMCB_INTERCEPT_CR 0x000	   /* 32: reads 0-15, writes 16-31 */
#define VMCB_INTERCEPT_EXC 0x008   /* 32: one bit per vector */
#define VMCB_INTERCEPT_MISC1 0x00c /* 32 */
#define VMCB_INTERCEPT_MISC2 0x010 /* 32 */
#define VMCB_IOPM_BASE 0x040
#define VMCB_MSRPM_BASE 0x048
#define VMCB_TSC_OFFSET 0x050
#define VMCB_ASID 0x058	       /* 32 */
#define VMCB_TLB_CONTROL 0x05c /* 8 */
#define VMCB_INT_CTL 0x060     /* 32 */
#define VMCB_INT_VECTOR 0x064  /* 32 */
#define VMCB_INT_STATE 0x068   /* 64: bit 0 is the interrupt shadow */
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088
#define VMCB_NP_ENABLE 0x090
#define VMCB_EVENTINJ 0x0a8
#define VMCB_N_CR3 0x0b0
#define VMCB_CLEAN 0x0c0 /* 32 */
#define VMCB_NRIP 0x0c8

/* State save area: segments are 16 bytes each (selector 16, attributes
 * 16, limit 32, base 64). */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4cb /* 8 */
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_RAX 0x5f8
#define VMCB_SYSENTER_CS 0x628
#define VMCB_SYSENTER_ESP 0x630
#define VMCB_SYSENTER_EIP 0x638
#define VMCB_CR2 0x640
#define VMCB_G_PAT 0x668

/* Segment attributes: the descriptor's type/S/DPL/P byte, then AVL, L,
 * D/B and G in bits 8-11. */
#define SEG_CODE64 0x029b
#define SEG_CODE32 0x0c9b
#define SEG_DATA 0x0c93
#define SEG_REAL_CODE 0x009b /* real mode: 16-bit, present, accessed */
#define SEG_REAL_DATA 0x0093
#define SEG_TSS64_BUSY 0x008b
#define SEG_LDT 0x0082
#define SEG_L (1u << 9)
#define SEG_D (1u << 10)

/* VMCB_INTERCEPT_MISC1 */
#define ICPT_INTR (1u << 0)
#define ICPT_VINTR (1u << 4)
#define ICPT_CPUID (1u << 18)
#define ICPT_IRET (1u << 20)
#define ICPT_INVD (1u << 22)
#define ICPT_HLT (1u << 24)
#define ICPT_IOIO (1u << 27)
#define ICPT_MSR (1u << 28)
#define ICPT_TASK_SWITCH (1u << 29)
#define ICPT_SHUTDOWN (1u << 31)
/* VMCB_INTERCEPT_MISC2: VMRUN must be intercepted (15.5.1); the other
 * SVM instructions, MONITOR and MWAIT raise #UD for the guest. */
#define ICPT_VMRUN (1u << 0)
#define ICPT_VMMCALL (1u << 1)
#define ICPT_VMLOAD (1u << 2)
#define ICPT_VMSAVE (1u << 3)
#define ICPT_STGI (1u << 4)
#define ICPT_CLGI (1u << 5)
#define ICPT_SKINIT (1u << 6)
#define ICPT_WBINVD (1u << 9)
#define ICPT_MONITOR (1u << 10)
#define ICPT_MWAIT (1u << 11)
#define ICPT_MWAIT_COND (1u << 12)
#define ICPT_XSETBV (1u << 13)

/* VMCB_INT_CTL (15.21.1) */
#define INT_V_IRQ (1u << 8)
#define INT_V_PRIO_MAX (15u << 16)
#define INT_V_IGN_TPR (1u << 20)
#define INT_V_INTR_MASKING (1u << 24)

/* EVENTINJ and EXITINTINFO (15.20) */
#define EV_VALID (1u << 31)
#define EV_ERR_VALID (1u << 11)
#define EV_TYPE_INTR (0u << 8)
#define EV_TYPE_NMI (2u << 8)
#define EV_TYPE_EXC (3u << 8)
#define EV_TYPE_SOFT (4u << 8)
#define EV_TYPE_MASK (7u << 8)

/* Exit codes (appendix C) */
#define SVM_EXIT_EXC_BASE 0x40
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IRET 0x74
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_TASK_SWITCH 0x7d
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_WBINVD 0x89
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_MWAIT_COND 0x8c
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID (~0ull)

/* IOIO EXITINFO1 (15.10.2) */
#define IOIO_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_SIZE_SHIFT 4 /* bits 4-6: one-hot 8, 16, 32 */

#endif
