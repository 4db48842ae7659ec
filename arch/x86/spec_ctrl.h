/* Speculation control for the guest: IA32_SPEC_CTRL (0x48: IBRS, STIBP,
 * SSBD) and IA32_PRED_CMD (0x49: IBPB).  Intel SDM vol. 4, table 2-2;
 * Intel, "Speculative Execution Side Channel Mitigations"; AMD,
 * "Indirect Branch Control Extension" and "Speculative Store Bypass
 * Disable".
 *
 * The guest's SPEC_CTRL is in force whenever it runs: the backends load it
 * right before VM entry and put the host's back right after the exit, with
 * one WRMSR each way only while the two differ (a guest on eIBRS sets it
 * once; on retpolines never).  A write to PRED_CMD is an IBPB on the host.
 * The guest's CPUID offers exactly the bits the host has and this module
 * honours, and a write of any other bit is #GP, as on the hardware. */
#ifndef PLINTH_X86_SPEC_CTRL_H
#define PLINTH_X86_SPEC_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "arch/x86/smp.h"

#define MSR_SPEC_CTRL 0x48
#define MSR_PRED_CMD 0x49
#define SPEC_CTRL_IBRS (1ull << 0)
#define SPEC_CTRL_STIBP (1ull << 1)
#define SPEC_CTRL_SSBD (1ull << 2)
#define PRED_CMD_IBPB (1ull << 0)

/* What a CPU has, as its CPUID says. */
struct spec_caps {
	uint64_t ctrl_bits; /* SPEC_CTRL bits that exist (0: no MSR) */
	bool ibpb;	    /* PRED_CMD exists */
};

/* From leaf 7 subleaf 0 EDX (Intel's enumeration, which newer AMD CPUs
 * share) and leaf 0x80000008 EBX (AMD's); pass 0 for a leaf the CPU
 * does not have. */
struct spec_caps spec_caps_of(uint32_t leaf7_edx, uint32_t ext8_ebx);

/* The guest's leaf 7 (subleaf 0) EDX and leaf 0x80000008 EBX: the host's
 * without the speculation features whose MSRs the guest does not get
 * (IA32_ARCH_CAPABILITIES, IA32_FLUSH_CMD, AMD's VIRT_SPEC_CTRL); what
 * stays is what spec_caps_of() reads.  Inline, on registers: CPUID exits
 * are frequent. */
static inline uint32_t spec_leaf7_edx(uint32_t edx)
{
	return edx & ~(CPUID_7_EDX_L1D_FLUSH | CPUID_7_EDX_ARCH_CAPABILITIES);
}

static inline uint32_t spec_ext8_ebx(uint32_t ebx)
{
	return ebx & ~CPUID_E8_EBX_VIRT_SSBD;
}

/* Once at start-up: the host's capabilities and its own SPEC_CTRL. */
void spec_ctrl_init(void);
const struct spec_caps *spec_host_caps(void);

/* The guest's SPEC_CTRL (already checked against the caps) for the vCPU
 * of the calling CPU, loaded at its next entry (each vCPU has its own, on
 * its own CPU; a fresh vCPU starts at 0); and an IBPB now. */
void spec_ctrl_set_guest(uint64_t v);
void spec_ibpb(void);

/* Around the world switch (vmx.c, svm.c): one byte tested on the exit
 * path while the values agree, which is the common case. */
extern uint64_t spec_ctrl_host_val;

static inline void spec_ctrl_enter(void)
{
	const struct cpu_local *c = this_cpu();

	if (__builtin_expect(c->spec_ctrl_switch, 0))
		wrmsr(MSR_SPEC_CTRL, c->spec_ctrl_guest);
}

static inline void spec_ctrl_leave(void)
{
	if (__builtin_expect(this_cpu()->spec_ctrl_switch, 0))
		wrmsr(MSR_SPEC_CTRL, spec_ctrl_host_val);
}

#endif
