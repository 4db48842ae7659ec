/* CPUID leaves and the feature bits Plinth reads or changes (Intel SDM
 * Vol. 2A, CPUID, Tables 3-8 to 3-10; AMD APM Vol. 3, Appendix E).  Named
 * once here for the host's identification (cpuinfo.c, guest_fpu.c, tsc.c)
 * and the guest's CPUID (hv/run/guest_cpuid.c).  A bit's name says its leaf and
 * register: CPUID_1_ECX_VMX is bit 5 of ECX of leaf 1.
 */
#ifndef PLINTH_X86_CPUID_H
#define PLINTH_X86_CPUID_H

/* Leaves. */
#define CPUID_VENDOR 0x0 /* max basic leaf, vendor string */
#define CPUID_FEATURES 0x1
#define CPUID_CACHE 0x4	  /* deterministic cache parameters */
#define CPUID_THERMAL 0x6 /* thermal and power management */
#define CPUID_EXT_FEATURES 0x7
#define CPUID_PERFMON 0xa	       /* architectural perf. monitoring */
#define CPUID_XSAVE 0xd		       /* XSAVE state components */
#define CPUID_TOPOLOGY 0xb	       /* extended topology */
#define CPUID_TSC 0x15		       /* TSC / crystal clock ratio */
#define CPUID_FREQ 0x16		       /* processor frequency */
#define CPUID_TOPOLOGY_V2 0x1f	       /* V2 extended topology */
#define CPUID_HV_BASE 0x40000000       /* hypervisor range, signature */
#define CPUID_EXT_MAX 0x80000000       /* max extended leaf */
#define CPUID_EXT_SIGNATURE 0x80000001 /* extended features */
#define CPUID_BRAND 0x80000002	       /* ... to 0x80000004 */
#define CPUID_BRAND_END 0x80000004
#define CPUID_APM 0x80000007	    /* advanced power management */
#define CPUID_ADDR_SIZES 0x80000008 /* address sizes; AMD: EBX features */
#define CPUID_SVM 0x8000000a	    /* SVM revision and features */
#define CPUID_AMD_CACHE_TOPOLOGY 0x8000001d /* with TOPOEXT */
#define CPUID_AMD_TOPOLOGY 0x8000001e	    /* with TOPOEXT: APIC ID, cores */

/* Leaf 1, ECX. */
#define CPUID_1_ECX_MONITOR (1u << 3)
#define CPUID_1_ECX_DS_CPL (1u << 4)
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_SMX (1u << 6)
#define CPUID_1_ECX_EIST (1u << 7)
#define CPUID_1_ECX_TM2 (1u << 8)
#define CPUID_1_ECX_CX16 (1u << 13)
#define CPUID_1_ECX_PDCM (1u << 15)
#define CPUID_1_ECX_DCA (1u << 18)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27) /* CR4.OSXSAVE of the CPU asking */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

/* Leaf 1, EDX. */
#define CPUID_1_EDX_MCE (1u << 7)
#define CPUID_1_EDX_MCA (1u << 14)
#define CPUID_1_EDX_DS (1u << 21)
#define CPUID_1_EDX_ACPI (1u << 22) /* thermal monitor MSRs */
#define CPUID_1_EDX_HTT (1u << 28)  /* leaf 1 EBX 23:16 is valid */
#define CPUID_1_EDX_TM (1u << 29)
#define CPUID_1_EDX_PBE (1u << 31)

/* Leaf 1, EBX bits 23:16: logical processors in the package. */
#define CPUID_1_EBX_NLOGICAL_SHIFT 16

/* Leaf 6, EAX. */
#define CPUID_6_EAX_ARAT (1u << 2) /* APIC timer always running */

/* Leaf 7 subleaf 0. */
#define CPUID_7_EBX_TSC_ADJUST (1u << 1)
#define CPUID_7_EBX_SGX (1u << 2)
#define CPUID_7_ECX_PKU (1u << 3)
#define CPUID_7_ECX_OSPKE (1u << 4) /* CR4.PKE of the CPU asking */
#define CPUID_7_ECX_WAITPKG (1u << 5)
#define CPUID_7_EDX_IBRS_IBPB (1u << 26) /* SPEC_CTRL.IBRS, PRED_CMD */
#define CPUID_7_EDX_STIBP (1u << 27)
#define CPUID_7_EDX_L1D_FLUSH (1u << 28)
#define CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)
#define CPUID_7_EDX_SSBD (1u << 31)

/* Leaf 0x80000001, ECX (AMD). */
#define CPUID_E1_ECX_SVM (1u << 2)
#define CPUID_E1_ECX_SKINIT (1u << 12)
#define CPUID_E1_ECX_TOPOEXT (1u << 22)
#define CPUID_E1_ECX_MONITORX (1u << 29)

/* Leaf 0x80000008, EBX (AMD): speculation control. */
#define CPUID_E8_EBX_IBPB (1u << 12)
#define CPUID_E8_EBX_IBRS (1u << 14)
#define CPUID_E8_EBX_STIBP (1u << 15)
#define CPUID_E8_EBX_SSBD (1u << 24)	  /* through SPEC_CTRL */
#define CPUID_E8_EBX_VIRT_SSBD (1u << 25) /* through VIRT_SPEC_CTRL */

/* Leaf 0x80000007, EDX. */
#define CPUID_E7_EDX_INVARIANT_TSC (1u << 8)

/* Leaf 0x8000000a, EDX (AMD). */
#define CPUID_SVM_EDX_NPT (1u << 0)
#define CPUID_SVM_EDX_NRIP_SAVE (1u << 3)
#define CPUID_SVM_EDX_AVIC (1u << 13)

#endif
