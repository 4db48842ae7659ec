/* Exception vectors (Intel SDM Vol. 3A, 6.3.1, Table 6-1 "Protected-Mode
 * Exceptions and Interrupts"; AMD APM Vol. 2, 8.2 "Vectors").  Named once
 * here for the host's fault report (exception.c), the backends' exception
 * intercepts (svm.c, vmx.c, vmx_ops.c) and the exceptions the exit
 * dispatcher hands the guest (hv/run/).
 */
#ifndef PLINTH_X86_VECTORS_H
#define PLINTH_X86_VECTORS_H

#define VEC_DE 0 /* divide error */
#define VEC_DB 1 /* debug */
#define VEC_NMI 2
#define VEC_BP 3	  /* breakpoint */
#define VEC_OF 4	  /* overflow */
#define VEC_BR 5	  /* bound range */
#define VEC_UD 6	  /* invalid opcode */
#define VEC_NM 7	  /* device not available */
#define VEC_DF 8	  /* double fault */
#define VEC_TS 10	  /* invalid TSS */
#define VEC_NP 11	  /* segment not present */
#define VEC_SS 12	  /* stack fault */
#define VEC_GP 13	  /* general protection */
#define VEC_PF 14	  /* page fault */
#define VEC_MF 16	  /* x87 error */
#define VEC_AC 17	  /* alignment check */
#define VEC_MC 18	  /* machine check */
#define VEC_XM 19	  /* SIMD floating-point */
#define VEC_VE 20	  /* virtualization */
#define VEC_CP 21	  /* control protection */
#define VEC_EXCEPTIONS 32 /* 0-31 are reserved for exceptions */

#endif
