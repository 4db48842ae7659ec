/* MMIO instruction decoder; see arch/x86/decode.h.
 *
 * The layout is the SDM's (Vol. 2A, chapter 2, "Instruction Format"):
 *
 *   legacy prefixes, REX (64-bit mode only), opcode (1 or 2 bytes),
 *   ModRM, SIB, displacement, immediate
 *
 * Every byte is read through next(), which refuses to go past the bytes
 * given or past MMIO_INSN_MAX, so a truncated or over-long instruction
 * ends in -1 wherever it stops.
 */
#include "arch/x86/decode.h"

#include <string.h>

struct cursor {
	const uint8_t *p;
	size_t n; /* bytes usable: min(given, MMIO_INSN_MAX) */
	size_t i; /* bytes consumed */
};

static int next(struct cursor *c, uint8_t *b)
{
	if (c->i >= c->n)
		return -1;
	*b = c->p[c->i++];
	return 0;
}

static int skip(struct cursor *c, size_t k)
{
	if (k > c->n - c->i)
		return -1;
	c->i += k;
	return 0;
}

/* Little-endian immediate of k (1, 2 or 4) bytes. */
static int next_le(struct cursor *c, size_t k, uint64_t *v)
{
	uint64_t r = 0;

	for (size_t j = 0; j < k; j++) {
		uint8_t b;

		if (next(c, &b))
			return -1;
		r |= (uint64_t)b << (8 * j);
	}
	*v = r;
	return 0;
}

static uint64_t size_mask(unsigned size)
{
	switch (size) {
	case 1:
		return 0xffull;
	case 2:
		return 0xffffull;
	case 4:
		return 0xffffffffull;
	case 8:
		return ~0ull;
	}
	return 0;
}

/* Sign-extends the low `size` bytes of v to 64 bits. */
static uint64_t sign_extend(uint64_t v, unsigned size)
{
	uint64_t m = size_mask(size);

	if (size == 8 || !m)
		return v & m;
	v &= m;
	if (v & ((m >> 1) + 1)) /* the sign bit of `size` bytes */
		v |= ~m;
	return v;
}

/* Consumes ModRM's addressing bytes (SIB, displacement) and refuses a
 * register operand: an MMIO exit always has a memory operand, so mod == 3
 * here means the bytes are not what faulted.  SDM Vol. 2A, 2.1.5, tables
 * 2-1 (16-bit), 2-2 (32-bit) and 2-3 (SIB); 2.2.1.6 for RIP-relative. */
static int skip_modrm_mem(struct cursor *c, uint8_t modrm, unsigned asz)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;

	if (mod == 3)
		return -1;
	if (asz == 2) {
		/* 16-bit forms: no SIB; mod 00 r/m 110 is a bare disp16. */
		if (mod == 0)
			return skip(c, rm == 6 ? 2 : 0);
		return skip(c, mod == 1 ? 1 : 2);
	}
	/* 32- and 64-bit forms.  These tests use the raw 3-bit fields:
	 * REX.B does not change them, which is why r12 always needs a SIB
	 * and r13 a displacement (SDM Vol. 2A, 2.2.1.2, table 2-5). */
	if (rm == 4) {
		uint8_t sib;

		if (next(c, &sib))
			return -1;
		/* Base 101 with mod 00: no base register, disp32.  Index 100
		 * (no index) changes nothing about the length. */
		if (mod == 0 && (sib & 7) == 5)
			return skip(c, 4);
	} else if (mod == 0 && rm == 5) {
		/* disp32; RIP- (or EIP-) relative in 64-bit mode. */
		return skip(c, 4);
	}
	if (mod == 1)
		return skip(c, 1);
	if (mod == 2)
		return skip(c, 4);
	return 0;
}

/* What the prefixes say: the REX byte in force and the operand and
 * address sizes in bytes. */
struct prefixes {
	uint8_t rex;
	unsigned osz, asz;
};

/* Reads the prefixes and the first opcode byte, *b. */
static int read_prefixes(struct cursor *c, int mode, struct prefixes *px,
			 uint8_t *b)
{
	bool opsize = false, adsize = false, rep = false;
	uint8_t rex = 0;

	/* Prefixes.  A REX byte counts only when the opcode follows it
	 * directly; one followed by a legacy prefix or another REX is
	 * ignored (SDM Vol. 2A, 2.2.1: "must immediately precede the opcode
	 * byte or the escape opcode byte", other placements are ignored by
	 * the processor).  Repeats of a legacy prefix are legal; the 15-byte
	 * limit in next() bounds them. */
	for (;;) {
		if (next(c, b))
			return -1;
		if (mode == 64 && (*b & 0xf0) == 0x40) {
			rex = *b;
			continue;
		}
		switch (*b) {
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
			/* Segment overrides only change the linear address,
			 * which the CPU has already turned into the GPA. */
			rex = 0;
			continue;
		case 0x66:
			opsize = true;
			rex = 0;
			continue;
		case 0x67:
			adsize = true;
			rex = 0;
			continue;
		case 0xf2:
		case 0xf3:
			/* REP/REPNE (and XACQUIRE/XRELEASE) are refused
			 * below: nothing here needs them and guessing their
			 * meaning for MMIO is worse than stopping. */
			rep = true;
			rex = 0;
			continue;
		case 0xf0:
			/* A locked MMIO access cannot be emulated atomically
			 * with respect to the device; refuse it. */
			return -1;
		}
		break;
	}
	if (rep)
		return -1;

	/* Operand and address size: SDM Vol. 1, 3.6 and 3.6.1 (tables 3-3
	 * and 3-4); REX.W wins over 66 in 64-bit mode. */
	if (mode == 64) {
		px->osz = (rex & 8) ? 8 : opsize ? 2 : 4;
		px->asz = adsize ? 4 : 8;
	} else if (mode == 32) {
		px->osz = opsize ? 2 : 4;
		px->asz = adsize ? 2 : 4;
	} else {
		px->osz = opsize ? 4 : 2;
		px->asz = adsize ? 4 : 2;
	}
	px->rex = rex;
	return 0;
}

/* Two-byte opcodes, 0F xx: MOVZX and MOVSX. */
static int decode_0f(struct cursor *c, const struct prefixes *px,
		     struct mmio_insn *out)
{
	uint8_t b, modrm;

	if (next(c, &b))
		return -1;
	switch (b) {
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		if (next(c, &modrm) || skip_modrm_mem(c, modrm, px->asz))
			return -1;
		/* MOVZX/MOVSX: the source width is in the opcode, the
		 * destination's is the operand size.  The reg operand is
		 * never 8-bit, so never AH..BH. */
		out->op = b & 8 ? MMIO_LOAD_SX : MMIO_LOAD_ZX;
		out->size = b & 1 ? 2 : 1;
		out->dst_size = (uint8_t)px->osz;
		out->reg = (uint8_t)(((modrm >> 3) & 7) | ((px->rex & 4) << 1));
		return 0;
	default:
		return -1;
	}
}

/* 88-8B: MOV between a register and memory. */
static int decode_mov_reg(struct cursor *c, const struct prefixes *px,
			  uint8_t b, struct mmio_insn *out)
{
	uint8_t modrm;
	unsigned r;

	if (next(c, &modrm) || skip_modrm_mem(c, modrm, px->asz))
		return -1;
	r = (modrm >> 3) & 7;
	out->op = b & 2 ? MMIO_LOAD : MMIO_STORE_REG;
	out->size = b & 1 ? (uint8_t)px->osz : 1;
	out->dst_size = out->op == MMIO_LOAD ? out->size : 0;
	if (out->size == 1 && !px->rex && r >= 4) {
		/* Without any REX, byte registers 4-7 are AH, CH, DH, BH;
		 * with one (even 40) they are SPL, BPL, SIL, DIL (SDM Vol.
		 * 2A, 2.2.1.2 and table 3-1). */
		out->reg = (uint8_t)(r - 4);
		out->reg_high8 = true;
	} else {
		out->reg = (uint8_t)(r | ((px->rex & 4) << 1));
	}
	return 0;
}

/* C6/C7 /0: MOV of an immediate to memory. */
static int decode_mov_imm(struct cursor *c, const struct prefixes *px,
			  uint8_t b, struct mmio_insn *out)
{
	uint8_t modrm;
	uint64_t imm;

	if (next(c, &modrm))
		return -1;
	/* Only /0 is MOV; C6 F8 / C7 F8 (XABORT, XBEGIN) are mod 3 and the
	 * other /r values are undefined. */
	if ((modrm >> 3) & 7)
		return -1;
	if (skip_modrm_mem(c, modrm, px->asz))
		return -1;
	out->op = MMIO_STORE_IMM;
	out->size = b == 0xc6 ? 1 : (uint8_t)px->osz;
	/* The immediate is at most 32 bits; a 64-bit store takes imm32
	 * sign-extended (SDM Vol. 2B, MOV: "REX.W + C7 /0 id"). */
	if (next_le(c, out->size < 4 ? out->size : 4, &imm))
		return -1;
	out->imm = out->size == 8 ? sign_extend(imm, 4) : imm;
	return 0;
}

/* Fills a zeroed *out; the caller discards it on -1. */
static int decode(const uint8_t *bytes, size_t n, int mode,
		  struct mmio_insn *out)
{
	struct cursor c = { bytes, n < MMIO_INSN_MAX ? n : MMIO_INSN_MAX, 0 };
	struct prefixes px;
	uint8_t b;
	int rc;

	if (mode != 16 && mode != 32 && mode != 64)
		return -1;
	if (read_prefixes(&c, mode, &px, &b))
		return -1;
	out->addr_size = (uint8_t)px.asz;

	switch (b) {
	case 0x0f:
		rc = decode_0f(&c, &px, out);
		break;
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
		rc = decode_mov_reg(&c, &px, b, out);
		break;
	case 0xc6:
	case 0xc7:
		rc = decode_mov_imm(&c, &px, b, out);
		break;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		/* moffs forms: the accumulator and an absolute address as
		 * wide as the address size, no ModRM.  REX.B does not
		 * select another register here. */
		if (skip(&c, px.asz))
			return -1;
		out->op = b & 2 ? MMIO_STORE_REG : MMIO_LOAD;
		out->size = b & 1 ? (uint8_t)px.osz : 1;
		out->dst_size = out->op == MMIO_LOAD ? out->size : 0;
		out->reg = 0;
		rc = 0;
		break;
	default:
		return -1;
	}
	if (rc)
		return -1;
	out->len = (uint8_t)c.i;
	return 0;
}

int mmio_decode(const uint8_t *bytes, size_t n, int mode, struct mmio_insn *out)
{
	struct mmio_insn d;

	/* Decode into a copy so a rejection leaves no half-filled result
	 * behind for a careless caller to act on. */
	memset(&d, 0, sizeof(d));
	if (decode(bytes, n, mode, &d)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	*out = d;
	return 0;
}

void mmio_apply_load_any(const struct mmio_insn *in, uint64_t value,
			 uint64_t regs[16])
{
	uint64_t v, m = size_mask(in->dst_size);
	uint64_t *r = &regs[in->reg & 15];

	if (!size_mask(in->size) || !m)
		return;
	switch (in->op) {
	case MMIO_LOAD:
	case MMIO_LOAD_ZX:
		v = value & size_mask(in->size);
		break;
	case MMIO_LOAD_SX:
		v = sign_extend(value, in->size);
		break;
	default:
		return;
	}
	v &= m;
	if (in->reg_high8) {
		/* AH..BH: only an 8-bit destination can be one. */
		if (in->dst_size != 1)
			return;
		r = &regs[in->reg & 3];
		*r = (*r & ~0xff00ull) | (v << 8);
	} else if (in->dst_size == 4) {
		/* A 32-bit write zero-extends into bits 63:32 (SDM Vol. 1,
		 * 3.4.1.1).  Outside 64-bit mode those bits are not visible
		 * to the guest, so zeroing them is harmless there too. */
		*r = v;
	} else {
		*r = (*r & ~m) | v;
	}
}

uint64_t mmio_store_value(const struct mmio_insn *in, const uint64_t regs[16])
{
	uint64_t m = size_mask(in->size);

	switch (in->op) {
	case MMIO_STORE_IMM:
		return in->imm & m;
	case MMIO_STORE_REG:
		if (in->reg_high8)
			return in->size == 1 ? (regs[in->reg & 3] >> 8) & m : 0;
		return regs[in->reg & 15] & m;
	default:
		return 0;
	}
}

size_t insn_length_of(const uint8_t *bytes, size_t n, int mode,
		      const uint8_t *op, size_t oplen)
{
	size_t i = 0;

	if (n > MMIO_INSN_MAX)
		n = MMIO_INSN_MAX;
	/* Prefixes that may stand before any of these opcodes without
	 * changing what they do; LOCK would make them #UD. */
	while (i < n) {
		uint8_t b = bytes[i];

		if ((mode == 64 && (b & 0xf0) == 0x40) || b == 0x26 || b == 0x2e
		    || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65
		    || b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3)
			i++;
		else
			break;
	}
	if (!oplen || n - i < oplen || memcmp(bytes + i, op, oplen))
		return 0;
	return i + oplen;
}
