/* The exit fast path: CPUID exits a backend answers in its world switch,
 * without saving the guest's state or returning to the exit dispatcher
 * (hv/run/vcpu.c).  Plain CPUID is the one exit whose whole effect is
 * known in advance: four registers from a table and RIP moved on.
 *
 * The vCPU's run loop fills the table once per run with the leaves whose
 * answer depends on neither the subleaf (ECX) nor guest state (leaf 1
 * reports CR4.OSXSAVE, leaf 7 takes a subleaf: those still go the long
 * way), and sets `deadline` before each full entry.  The world switch then
 * answers such a CPUID itself while the deadline is ahead, re-arming the
 * backend's timer to it, and counts the exit in `exits` for the run loop
 * to fold into its statistics.
 *
 * Ownership: the vCPU's own CPU writes and reads all of it, between
 * entries (C) and in the world switch (assembler): nothing is shared.
 *
 * Included from assembler: the offsets below are the layout, checked
 * against the struct by static assertions. */
#ifndef PLINTH_X86_VCPU_FAST_H
#define PLINTH_X86_VCPU_FAST_H

#define VCPU_FAST_LEAVES 32 /* basic leaves 0 .. 31 */

#define VF_FIXED 0	 /* uint32_t: bit n set, table[n] is leaf n */
#define VF_DEADLINE 8	 /* uint64_t: TSC; at or past it, the long way */
#define VF_EXITS 16	 /* uint64_t: CPUID exits answered here */
#define VF_TABLE 24	 /* struct cpuid_regs[VCPU_FAST_LEAVES] */
#define VF_ENTRY_SHIFT 4 /* log2 of sizeof(struct cpuid_regs) */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu.h"

struct vcpu_fast {
	uint32_t fixed;
	uint64_t deadline;
	uint64_t exits;
	struct cpuid_regs table[VCPU_FAST_LEAVES];
	unsigned slot; /* the backend's exit slot for CPUID (C only) */
};

_Static_assert(offsetof(struct vcpu_fast, fixed) == VF_FIXED, "layout");
_Static_assert(offsetof(struct vcpu_fast, deadline) == VF_DEADLINE, "layout");
_Static_assert(offsetof(struct vcpu_fast, exits) == VF_EXITS, "layout");
_Static_assert(offsetof(struct vcpu_fast, table) == VF_TABLE, "layout");
_Static_assert(sizeof(struct cpuid_regs) == 1u << VF_ENTRY_SHIFT, "layout");
#endif

#endif
