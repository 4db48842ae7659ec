/* Decoder for the instructions a guest uses to touch MMIO.
 *
 * When a guest access to an MMIO page causes an EPT violation, the CPU
 * reports the faulting guest-physical address but not what the access
 * was: the hypervisor fetches the instruction bytes at RIP and decodes
 * them here to learn the direction, the width, the register or immediate
 * involved and how far to advance RIP.
 *
 * Only the MOV family that compilers emit for device accessors is
 * understood (Linux's readb..readq and writeb..writeq are single MOVs,
 * see arch/x86/include/asm/io.h): 88/89/8A/8B, C6 /0, C7 /0, A0-A3 and
 * 0F B6/B7/BE/BF.  Everything else (string instructions, read-modify-write
 * ALU forms, LOCK, REP) is refused: the caller then injects a fault or
 * stops the guest instead of guessing.
 *
 * Pure code with no state: the bytes are guest-controlled, so every input
 * ends in either a complete description or -1, and nothing is read past
 * the n bytes given.
 */
#ifndef PLINTH_DECODE_H
#define PLINTH_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest legal instruction (SDM Vol. 2A, 2.3.11 "AVX Instruction
 * Length"; Vol. 3A 6.15 "#GP ... instruction length exceeds 15 bytes"). */
#define MMIO_INSN_MAX 15

enum mmio_op {
	MMIO_STORE_REG, /* register -> memory */
	MMIO_STORE_IMM, /* immediate -> memory */
	MMIO_LOAD,	/* memory -> register, same width */
	MMIO_LOAD_ZX,	/* memory -> register, zero-extended (MOVZX) */
	MMIO_LOAD_SX,	/* memory -> register, sign-extended (MOVSX) */
};

struct mmio_insn {
	uint8_t len; /* instruction length in bytes, for RIP */
	enum mmio_op op;
	uint8_t size;	   /* memory operand size: 1, 2, 4 or 8 */
	uint8_t reg;	   /* GPR 0-15 (rax, rcx, rdx, rbx, rsp, rbp,
				 * rsi, rdi, r8..r15) for STORE_REG / LOAD* */
	bool reg_high8;	   /* reg is AH/CH/DH/BH: reg holds 0-3 and the
				 * byte is bits 15:8 of that register */
	uint8_t dst_size;  /* LOAD*: bytes written to the register */
	uint64_t imm;	   /* STORE_IMM: the immediate, sign-extended
				 * or truncated to `size` */
	uint8_t addr_size; /* effective address size in bytes (2, 4, 8);
				 * informational, the CPU gives the GPA */
};

/* mode: 16, 32 or 64, the guest's current code size (CS.L / CS.D).
 * Returns 0 and fills *out, or -1 (and *out zeroed) for anything
 * unsupported or malformed: truncated bytes, LOCK, REP/REPNE, a
 * register-only ModRM (mod == 3), an unknown opcode, or more than
 * MMIO_INSN_MAX bytes in all.  Bytes past the first MMIO_INSN_MAX are
 * never read, so n may simply be the size of the fetch buffer. */
int mmio_decode(const uint8_t *bytes, size_t n, int mode,
		struct mmio_insn *out);

/* Writes a load result into regs[] the way the CPU would: an 8- or 16-bit
 * destination merges into the register, AH..BH write bits 15:8, a 32-bit
 * destination zeroes bits 63:32 (SDM Vol. 1, 3.4.1.1).  value is the raw
 * data read from the device; only its low `size` bytes are used.  Does
 * nothing for a store or a malformed size. */
void mmio_apply_load_any(const struct mmio_insn *in, uint64_t value,
			 uint64_t regs[16]);
static inline void mmio_apply_load(const struct mmio_insn *in, uint64_t value,
				   uint64_t regs[16])
{
	/* Inline, the common case of every MMIO read exit: a 32-bit load
	 * into a 32-bit register (Linux's readl), which zero-extends. */
	if (in->op == MMIO_LOAD && in->size == 4 && in->dst_size == 4
	    && !in->reg_high8) {
		regs[in->reg & 15] = (uint32_t)value;
		return;
	}
	mmio_apply_load_any(in, value, regs);
}

/* The value a store writes (register or immediate), masked to `size`.
 * 0 for a load or a malformed size. */
uint64_t mmio_store_value(const struct mmio_insn *in, const uint64_t regs[16]);

/* The length of the instruction at `bytes` if it is `op` (its opcode
 * bytes, all of them fixed, as for CPUID or HLT) after any legacy or REX
 * prefixes; 0 if it is something else.  For exits whose length the CPU
 * does not report (AMD-V without NRIP save). */
size_t insn_length_of(const uint8_t *bytes, size_t n, int mode,
		      const uint8_t *op, size_t oplen);

#endif
