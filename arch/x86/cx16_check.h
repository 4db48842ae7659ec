/* Does CMPXCHG16B leave RFLAGS alone?  An erratum check, header-only so
 * that Plinth (at boot) and the flat bench guest (as a regression test)
 * run the same instructions.
 *
 * CMPXCHG16B writes ZF and nothing else (SDM vol. 2A, CMPXCHG8B/16B).
 * QEMU's TCG before 8.x computes the flags of its CMPXCHG16B helper from
 * the flags state the translator last stored, without storing the
 * current one first (target/i386/tcg/translate.c, case 0x1c7: no
 * gen_update_cc_op() before gen_helper_cmpxchg16b).  When that stale
 * state is "EFLAGS in CC_SRC" (after a POPF, another CMPXCHG16B, an
 * IRET) and the instructions since have left some other value in
 * CC_SRC (the operand of a SUB or CMP), the helper turns that value into
 * the flags: PUSHF, an interrupt frame or a #VMEXIT then see its bits as
 * RFLAGS.  Under a hypervisor the #VMEXIT stores them in the VMCB and
 * VMRUN loads them back, so they become the guest's real RFLAGS: IF, TF,
 * DF, AC and IOPL from a pointer's low bits.  A Linux guest takes this in
 * its slab allocator's CMPXCHG16B fast path, as an interrupt delivered
 * with interrupts off or a #DB in the kernel.
 *
 * The sequence below sets that stage: POPF (flags state EFLAGS) and a
 * jump (the translator stores it at the block's end), a SUB whose operand
 * holds DF and ID, MOVs (which leave the flags alone: an XOR would let
 * the translator drop CC_SRC), then a CMPXCHG16B that succeeds.  On a
 * correct CPU only ZF can differ afterwards. */
#ifndef PLINTH_X86_CX16_CHECK_H
#define PLINTH_X86_CX16_CHECK_H

#include <stdint.h>

#define CX16_CHECK_JUNK 0x200400ull /* ID and DF */
/* CF, PF, AF, ZF, SF, OF: the arithmetic flags, whatever they hold. */
#define CX16_CHECK_ARITH 0x8d5ull

/* The RFLAGS bits outside the arithmetic flags that CMPXCHG16B changed
 * (0 on a correct CPU).  With `exit_between`, a CPUID (which exits
 * under a hypervisor) and a TEST come between the CMPXCHG16B and the
 * PUSHF: what then differs survived a #VMEXIT and VMRUN as state, not
 * only as stale flags bookkeeping.  Interrupts must be off, or nothing
 * may use string instructions while DF may be set (the flags are
 * restored before returning). */
/* The stage: flags state EFLAGS stored, CC_SRC holding the junk, then
 * the CMPXCHG16B (which succeeds: RDX:RAX equal the zeroed slot). */
#define CX16_CHECK_STAGE                                                       \
	"pushfq\n\t"                                                           \
	"popq %[before]\n\t"                                                   \
	"pushq %[before]\n\t"                                                  \
	"popfq\n\t"                                                            \
	"jmp 1f\n"                                                             \
	"1:\n\t"                                                               \
	"movq %[junk], %%r8\n\t"                                               \
	"xorl %%r9d, %%r9d\n\t"                                                \
	"subq %%r8, %%r9\n\t"                                                  \
	"movl $0, %%eax\n\t"                                                   \
	"movl $0, %%edx\n\t"                                                   \
	"movl $0, %%ebx\n\t"                                                   \
	"movl $0, %%ecx\n\t"                                                   \
	"lock cmpxchg16b %[m]\n\t"
#define CX16_CHECK_END                                                         \
	"pushfq\n\t"                                                           \
	"popq %[after]\n\t"                                                    \
	"pushq %[before]\n\t"                                                  \
	"popfq"

/* The RFLAGS bits outside the arithmetic flags that CMPXCHG16B changed
 * (0 on a correct CPU).  With `exit_between`, a CPUID (which exits
 * under a hypervisor) and a TEST come between the CMPXCHG16B and the
 * PUSHF: what then differs survived a #VMEXIT and VMRUN as state, not
 * only as stale flags bookkeeping.  Interrupts must be off, or nothing
 * may use string instructions while DF may be set (the flags are
 * restored before returning). */
static inline uint64_t cx16_rflags_damage(int exit_between)
{
	static volatile __int128 slot __attribute__((aligned(16)));
	uint64_t before, after;

	slot = 0;
	if (exit_between)
		__asm__ volatile(CX16_CHECK_STAGE
				 "movl $0, %%eax\n\t"
				 "cpuid\n\t"
				 "testl %%eax, %%eax\n\t" CX16_CHECK_END
				 : [before] "=&r"(before), [after] "=&r"(after),
				   [m] "+m"(slot)
				 : [junk] "i"(CX16_CHECK_JUNK)
				 : "rax", "rbx", "rcx", "rdx", "r8", "r9", "cc",
				   "memory");
	else
		__asm__ volatile(CX16_CHECK_STAGE CX16_CHECK_END
				 : [before] "=&r"(before), [after] "=&r"(after),
				   [m] "+m"(slot)
				 : [junk] "i"(CX16_CHECK_JUNK)
				 : "rax", "rbx", "rcx", "rdx", "r8", "r9", "cc",
				   "memory");
	return (before ^ after) & ~CX16_CHECK_ARITH;
}

#endif
