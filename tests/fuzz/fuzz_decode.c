/* libFuzzer target for the MMIO exit's instruction path: the guest page
 * walker (arch/x86/page_walk.c) fetching instruction bytes through page
 * tables built from the input in a fake guest RAM, and the MOV decoder
 * (arch/x86/decode.c) on what it fetched, as hv/run/vcpu.c's do_mmio
 * does; plus the decoder alone on raw bytes, and insn_length_of.
 *
 *   make build/fuzz/fuzz_decode   # sources: fuzz_decode_SRCS
 *   build/fuzz/fuzz_decode -max_total_time=60
 *
 * Built with gcc and -DFUZZ_REPLAY it replays files instead (see
 * fuzz_loader.c for the command line).
 *
 * Guest RAM is fuzz_common.h's: [0, 64K) and [1M, 1M + 64K), each its own
 * exact-size allocation, so ASan reports any read the walker makes
 * outside guest RAM through a host pointer.  A "page" below is one of the
 * 32 pages of RAM: bit 4 selects the high region, bits 0-3 the page in it;
 * with bit 5 set the address is not RAM at all (just past low RAM, or
 * near 2^52) so that a walk leaves RAM.
 *
 * Input layout (little-endian):
 *   byte 0      the code size: bits 0-1 16, 32, 64, or (3) the whole
 *               byte as the mode (never 16, 32 or 64), which the
 *               decoder must refuse
 *   then        the control registers (see cpu_regs): a byte of paging
 *               bits (bit 0 CR0.PG, 1 CR4.PAE, 2 CR4.PSE, 3 EFER.LMA,
 *               4 CR4.LA57, 5 EFER.NXE, 6 raw CR3), CR3 as 8 raw bytes
 *               (bit 6) or a page (1 byte, bits 6-7 picking a 32-byte
 *               offset for a PAE page-directory-pointer table)
 * then operations, one byte each (mod 6) and their arguments:
 *   0  map: a linear address (8), then for each paging level of the
 *      current mode, top down, the entry on that address's path: the
 *      page it points to (1), its low flags (1: P, RW, US, PWT, PCD, A,
 *      D, PS), extras (1: bit 0 XD; with n bits 4-7, bit 1 sets bit
 *      52 + n % 12, bit 2 bit 13 + n, bit 3 bit 29 - n); the entry is
 *      written where the walk will read it
 *   1  a raw entry: page (1), index (2), value (8), written as 8 bytes
 *      (or 4 with index bit 15) at that index of the page
 *   2  instruction bytes: count (1, mod 20), the bytes, written at the
 *      last mapped address through the reference translation, byte by
 *      byte (what is not mapped is skipped)
 *   3  fetch and decode, as do_mmio: where (1: bit 0 at the last mapped
 *      address plus bits 1-7, else RIP (8) and CS base (4)), fetch size
 *      (1, mod 33)
 *   4  decode raw bytes: mode (1, as byte 0), count (1, mod 24), bytes
 *   5  new control registers (as at the start)
 *
 * Invariants checked (abort on violation):
 *   walker: pw_translate agrees with a reference walk written here from
 *   the SDM (Vol. 3A, chapter 4) and page_walk.h's choices (MAXPHYADDR
 *   52, no access rights), result and address; a translated address has
 *   the linear address's page offset and lies below 2^52; pw_fetch
 *   returns at most what was asked, each byte it returns is the RAM byte
 *   the reference finds for that linear address, and when it stops short
 *   the next byte is indeed unreachable;
 *   decode cache: the answer of a cache kept across the input's fetches
 *   and raw decodes is the decoder's on the same bytes; the page-walk
 *   memo, kept across the input's fetches while its ops rewrite tables
 *   and control registers, fetches what pw_fetch_insn fetches;
 *   decoder: -1 leaves the result zeroed; a decoded instruction is 1..15
 *   bytes and no longer than the bytes given; the result does not depend
 *   on any byte past its length (the same bytes cut to its length, or
 *   followed by other bytes, decode the same; one byte fewer does not
 *   decode); the fields are consistent (size 1/2/4/8, 8 only in 64-bit
 *   mode, register < 16, a load's destination at least its source, an
 *   immediate within its size); no LOCK or REP prefix is accepted, the
 *   opcode byte after the prefixes is one of the MOV forms and agrees
 *   with the operation, and the operand size, address size, register
 *   (AH..BH for byte registers 4-7 without a REX right before the
 *   opcode) and the length (ModRM, SIB, displacement, immediate, moffs)
 *   are what the SDM's rules and tables give for those prefixes and that
 *   ModRM byte; mmio_apply_load changes exactly the destination bits the
 *   SDM says and mmio_store_value is the source masked to its size;
 *   insn_length_of: 0, or a length that ends with the opcode after only
 *   prefixes, within 15 bytes and the bytes given;
 *   and ASan: every byte buffer handed to the decoder is an exact-size
 *   allocation, so a read past the bytes given is reported.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/decode.h"
#include "arch/x86/decode_cache.h"
#include "arch/x86/page_walk.h"
#include "hv/guest/gmem.h"

#include "tests/fuzz/fuzz_common.h"

#define MAX_OPS 256
#define PAGE 4096ull
#define ADDR52 0x000ffffffffff000ull
#define PG_P 1ull
#define PG_PS 0x80ull
#define PG_XD (1ull << 63)

static struct pw_cpu cpu;
static int mode;
static uint64_t last_la;

/* --- the reference walk ---------------------------------------------- */

/* A page of the input (see the top) as a guest-physical address. */
static uint64_t page_gpa(uint8_t b)
{
	if (b & 0x20)
		return b & 1 ? 0x000ffffffffff000ull - PAGE * (b >> 1 & 7)
			     : FZ_RAM_SIZE + PAGE * (b & 7);
	return (b & 0x10 ? FZ_RAM_HI : 0) + PAGE * (b & 15);
}

static enum pw_result ref_entry(uint64_t gpa, unsigned size, uint64_t *e)
{
	uint8_t b[8] = { 0 };

	if (gmem_read(&fz_gm, gpa, b, size))
		return PW_BAD_TABLE;
	*e = 0;
	for (unsigned i = 0; i < size; i++)
		*e |= (uint64_t)b[i] << (8 * i);
	return *e & PG_P ? PW_OK : PW_NOT_PRESENT;
}

/* Levels of the 64-bit-entry walks, top down: 5 or 4 in long mode, 3
 * (the PDPT counts as one) with PAE. */
static unsigned ref_levels(const struct pw_cpu *c)
{
	if (!(c->cr0 & PW_CR0_PG))
		return 0;
	if (c->efer & PW_EFER_LMA)
		return c->cr4 & PW_CR4_LA57 ? 5 : 4;
	return c->cr4 & PW_CR4_PAE ? 3 : 2;
}

/* Where the walk for `la` reads its level-`lvl` entry given the table
 * that level is in, and the entry's size. */
static uint64_t ref_slot(const struct pw_cpu *c, uint64_t table, unsigned lvl,
			 uint64_t la, unsigned *size)
{
	if (!(c->efer & PW_EFER_LMA) && !(c->cr4 & PW_CR4_PAE)) {
		*size = 4; /* 32-bit paging: 10 bits a level */
		return table + ((la >> (lvl == 2 ? 22 : 12) & 0x3ff) << 2);
	}
	*size = 8;
	if (!(c->efer & PW_EFER_LMA) && lvl == 3)
		return table + ((la >> 30 & 3) << 3); /* the four PDPTEs */
	return table + ((la >> (12 + 9 * (lvl - 1)) & 0x1ff) << 3);
}

/* The top table of the walk. */
static uint64_t ref_top(const struct pw_cpu *c)
{
	if (c->efer & PW_EFER_LMA)
		return c->cr3 & ADDR52;
	if (c->cr4 & PW_CR4_PAE)
		return c->cr3 & 0xffffffe0u;
	return c->cr3 & 0xfffff000u;
}

/* SDM Vol. 3A 4.3-4.5, level by level: what each mode reserves in an
 * entry, where a walk may stop at a large page, and what address the
 * leaf gives. */
static enum pw_result ref_translate(const struct pw_cpu *c, uint64_t la,
				    uint64_t *gpa)
{
	unsigned levels = ref_levels(c), size;
	bool lma = c->efer & PW_EFER_LMA, pae = c->cr4 & PW_CR4_PAE;
	uint64_t xd = c->efer & PW_EFER_NXE ? 0 : PG_XD;
	uint64_t table = ref_top(c), e;
	enum pw_result r;

	if (!levels) {
		*gpa = la & 0xffffffffull;
		return PW_OK;
	}
	if (lma) {
		unsigned bits = 12 + 9 * levels; /* 48 or 57 */
		uint64_t ext = (uint64_t)((int64_t)(la << (64 - bits))
					  >> (64 - bits));

		if (ext != la)
			return PW_NONCANONICAL;
	} else {
		la &= 0xffffffffull; /* 32-bit linear addresses */
	}
	for (unsigned lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = lvl == 2 && !lma && !pae ? 22
							  : 12 + 9 * (lvl - 1);
		uint64_t rsvd, off = (1ull << shift) - 1;
		/* The slot first: it sets size. */
		uint64_t at = ref_slot(c, table, lvl, la, &size);
		bool leaf;

		r = ref_entry(at, size, &e);
		if (r != PW_OK)
			return r;
		if (size == 4) {
			/* 32-bit paging: a 4 MiB page with CR4.PSE, bit 21
			 * reserved and bits 20:13 giving PA bits 39:32. */
			leaf = lvl == 1
			       || ((e & PG_PS) && (c->cr4 & PW_CR4_PSE));
			if (!leaf) {
				table = e & 0xfffff000u;
				continue;
			}
			if (lvl == 2 && (e & (1ull << 21)))
				return PW_RESERVED_BIT;
			*gpa = lvl == 2 ? (e & 0xffc00000u)
						  | ((e >> 13 & 0xff) << 32)
						  | (la & off)
					: (e & 0xfffff000u) | (la & 0xfff);
			return PW_OK;
		}
		if (!lma && lvl == 3) {
			/* A PAE PDPTE: bits 2:1, 8:5 and 63:52 reserved. */
			if (e & (0x1e6ull | 0xfff0000000000000ull))
				return PW_RESERVED_BIT;
			table = e & ADDR52;
			continue;
		}
		/* PAE reserves 62:52 (MAXPHYADDR 52); long mode only has
		 * ignored and protection-key bits there.  XD without NXE,
		 * and PS in a PML4E or PML5E, are reserved in both. */
		rsvd = xd | (lma ? 0 : 0x7ff0000000000000ull)
		       | (lvl >= 4 ? PG_PS : 0);
		leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & PG_PS));
		if (leaf && lvl > 1)
			rsvd |= off
				& ~0x1fffull; /* above PAT, below the page */
		if (e & rsvd)
			return PW_RESERVED_BIT;
		if (leaf) {
			*gpa = (e & ADDR52 & ~off) | (la & off);
			return PW_OK;
		}
		table = e & ADDR52;
	}
	return PW_NOT_PRESENT; /* not reached */
}

/* pw_translate agrees with the reference. */
static void check_translate(uint64_t la)
{
	uint64_t got = 0x5a5a, want = 0xa5a5;
	enum pw_result r = pw_translate(&fz_gm, &cpu, la, &got);
	enum pw_result w = ref_translate(&cpu, la, &want);

	CHECK(r == w);
	if (r != PW_OK)
		return;
	CHECK(got == want);
	CHECK((got & 0xfff) == (la & 0xfff));
	CHECK(got < (1ull << 52));
}

/* --- the input ------------------------------------------------------- */

static void cpu_regs(struct fz *s)
{
	uint8_t p = fz8(s);

	cpu = (struct pw_cpu){ 0 };
	if (p & 1)
		cpu.cr0 |= PW_CR0_PG | 1; /* PE too, as a guest has it */
	if (p & 2)
		cpu.cr4 |= PW_CR4_PAE;
	if (p & 4)
		cpu.cr4 |= PW_CR4_PSE;
	if (p & 8)
		cpu.efer |= PW_EFER_LMA;
	if (p & 16)
		cpu.cr4 |= PW_CR4_LA57;
	if (p & 32)
		cpu.efer |= PW_EFER_NXE;
	if (p & 64) {
		cpu.cr3 = fz64(s);
	} else {
		uint8_t b = fz8(s);

		cpu.cr3 = page_gpa(b & 0x3f) + 32 * (b >> 6);
	}
}

static int mode_of(uint8_t b)
{
	static const int m[3] = { 16, 32, 64 };

	return (b & 3) == 3 ? b : m[b & 3];
}

/* Writes an entry of `size` bytes at gpa, as far as it is RAM. */
static void put_entry(uint64_t gpa, uint64_t v, unsigned size)
{
	uint8_t b[8];

	for (unsigned i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	gmem_write(&fz_gm, gpa, b, size);
}

/* Op 0: the entries on la's path, each where the walk reads it. */
static void map(struct fz *s)
{
	uint64_t la = fz64(s), table = ref_top(&cpu);
	unsigned levels = ref_levels(&cpu), size;

	last_la = la;
	if (!(cpu.efer & PW_EFER_LMA))
		la &= 0xffffffffull;
	for (unsigned lvl = levels; lvl >= 1; lvl--) {
		uint8_t to = fz8(s), flags = fz8(s), extra = fz8(s);
		uint64_t next = page_gpa(to), e = next | flags;

		/* One bit where each mode and page size has reserved,
		 * ignored or address bits. */
		if (extra & 1)
			e |= PG_XD;
		if (extra & 2)
			e |= 1ull << (52 + (extra >> 4) % 12); /* 52-63 */
		if (extra & 4)
			e |= 1ull << (13 + (extra >> 4)); /* 13-28 */
		if (extra & 8)
			e |= 1ull << (29 - (extra >> 4)); /* 14-29 */
		/* (The slot first: it sets size.) */
		uint64_t at = ref_slot(&cpu, table, lvl, la, &size);

		put_entry(at, e, size);
		table = next;
	}
}

/* Op 2: instruction bytes at last_la, where the reference maps them. */
static void code(struct fz *s)
{
	unsigned n = fz8(s) % 20;

	for (unsigned i = 0; i < n; i++) {
		uint8_t b = fz8(s);
		uint64_t gpa;

		if (ref_translate(&cpu, last_la + i, &gpa) == PW_OK)
			gmem_write(&fz_gm, gpa, &b, 1);
	}
}

/* --- the decoder ------------------------------------------------------- */

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool is_prefix(uint8_t b, int m)
{
	return (m == 64 && (b & 0xf0) == 0x40) || b == 0x26 || b == 0x2e
	       || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 || b == 0x66
	       || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

/* The bytes a memory ModRM takes with what follows it (SIB and
 * displacement), from the SDM's tables (Vol. 2A, 2-1 for 16-bit
 * addressing, 2-2 and 2-3 for 32- and 64-bit): b points at ModRM. */
static unsigned modrm_len(const uint8_t *b, unsigned asz)
{
	unsigned mod = b[0] >> 6, rm = b[0] & 7;
	static const unsigned disp16[3] = { 0, 1, 2 }, disp32[3] = { 0, 1, 4 };

	if (asz == 2)
		return 1 + (mod == 0 && rm == 6 ? 2 : disp16[mod]);
	if (rm != 4)
		return 1 + (mod == 0 && rm == 5 ? 4 : disp32[mod]);
	/* SIB: base 101 with mod 00 means disp32 and no base. */
	return 2 + (mod == 0 && (b[1] & 7) == 5 ? 4 : disp32[mod]);
}

/* Decodes n bytes from an exact-size copy of them. */
static int decode_exact(const uint8_t *b, size_t n, int m,
			struct mmio_insn *out)
{
	uint8_t *copy = malloc(n ? n : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, b, n);
	r = mmio_decode(n ? copy : NULL, n, m, out);
	free(copy);
	return r;
}

/* What a load writes and a store sends, as the SDM puts it (Vol. 1,
 * 3.4.1.1; Vol. 2B, MOV, MOVZX, MOVSX). */
static void check_semantics(const struct mmio_insn *in, uint64_t seed)
{
	uint64_t regs[16], before[16], value = seed * 0x9e3779b97f4a7c15ull;
	uint64_t src, want;
	bool load = in->op == MMIO_LOAD || in->op == MMIO_LOAD_ZX
		    || in->op == MMIO_LOAD_SX;
	unsigned r = in->reg_high8 ? in->reg & 3 : in->reg;

	for (unsigned i = 0; i < 16; i++)
		regs[i] = before[i] = seed ^ (0x0123456789abcdefull * (i + 1));
	mmio_apply_load(in, value, regs);
	for (unsigned i = 0; i < 16; i++)
		if (!load || i != r)
			CHECK(regs[i] == before[i]);
	if (load) {
		src = value & mask_of(in->size);
		if (in->op == MMIO_LOAD_SX && (src >> (8 * in->size - 1) & 1))
			src |= ~mask_of(in->size);
		if (in->reg_high8)
			want = (before[r] & ~0xff00ull) | (src & 0xff) << 8;
		else if (in->dst_size == 4)
			want = src & 0xffffffffull; /* zero-extends */
		else
			want = (before[r] & ~mask_of(in->dst_size))
			       | (src & mask_of(in->dst_size));
		CHECK(regs[r] == want);
		CHECK(mmio_store_value(in, regs) == 0);
		return;
	}
	if (in->op == MMIO_STORE_IMM)
		want = in->imm & mask_of(in->size);
	else if (in->reg_high8)
		want = before[r] >> 8 & 0xff;
	else
		want = before[r] & mask_of(in->size);
	CHECK(mmio_store_value(in, regs) == want);
}

/* Everything a decoded instruction must satisfy (see the top). */
static void check_decoded(const uint8_t *b, size_t n, int m,
			  const struct mmio_insn *in)
{
	static const struct mmio_insn zero;
	struct mmio_insn again;
	uint8_t other[MMIO_INSN_MAX];
	unsigned k = 0, osz;
	uint8_t op, rex;
	bool p66 = false, p67 = false;

	CHECK(m == 16 || m == 32 || m == 64);
	CHECK(in->len >= 1 && in->len <= MMIO_INSN_MAX && in->len <= n);
	CHECK(in->size == 1 || in->size == 2 || in->size == 4
	      || (in->size == 8 && m == 64));
	CHECK(m == 64 ? in->addr_size == 4 || in->addr_size == 8
		      : in->addr_size == 2 || in->addr_size == 4);
	CHECK(in->reg < 16);
	switch (in->op) {
	case MMIO_LOAD:
		CHECK(in->dst_size == in->size);
		break;
	case MMIO_LOAD_ZX:
	case MMIO_LOAD_SX:
		CHECK(in->size <= 2 && in->dst_size >= 2
		      && in->dst_size <= (m == 64 ? 8 : 4)
		      && !(in->dst_size & (in->dst_size - 1)));
		CHECK(!in->reg_high8);
		break;
	case MMIO_STORE_REG:
		CHECK(in->dst_size == 0);
		break;
	case MMIO_STORE_IMM:
		CHECK(in->dst_size == 0 && !in->reg_high8);
		if (in->size == 8) /* imm32, sign-extended */
			CHECK(in->imm == (uint64_t)(int64_t)(int32_t)in->imm);
		else
			CHECK(!(in->imm & ~mask_of(in->size)));
		break;
	default:
		CHECK(0);
	}
	if (in->reg_high8)
		CHECK(in->reg < 4 && in->size == 1);
	/* The prefixes (no LOCK, no REP), then a MOV opcode that matches
	 * the operation. */
	while (k < in->len && is_prefix(b[k], m)) {
		CHECK(b[k] != 0xf0 && b[k] != 0xf2 && b[k] != 0xf3);
		p66 |= b[k] == 0x66;
		p67 |= b[k] == 0x67;
		k++;
	}
	CHECK(k < in->len);
	op = b[k];
	/* A REX counts only right before the opcode (SDM Vol. 2A, 2.2.1);
	 * operand and address sizes follow Vol. 1, 3.6, tables 3-3, 3-4. */
	rex = m == 64 && k && (b[k - 1] & 0xf0) == 0x40 ? b[k - 1] : 0;
	osz = m == 64 && (rex & 8) ? 8 : (m == 16) != p66 ? 2 : 4;
	CHECK(in->addr_size
	      == (m == 64	     ? (p67 ? 4 : 8)
		  : (m == 16) != p67 ? 2
				     : 4));
	switch (in->op) {
	case MMIO_LOAD:
		CHECK(op == 0x8a || op == 0x8b || op == 0xa0 || op == 0xa1);
		break;
	case MMIO_STORE_REG:
		CHECK(op == 0x88 || op == 0x89 || op == 0xa2 || op == 0xa3);
		break;
	case MMIO_STORE_IMM:
		CHECK(op == 0xc6 || op == 0xc7);
		break;
	default:
		CHECK(op == 0x0f && k + 1 < in->len);
		CHECK(b[k + 1]
		      == (in->op == MMIO_LOAD_SX ? 0xbe : 0xb6)
				 + (in->size == 2));
		CHECK(in->dst_size == osz);
	}
	if (op != 0x0f)
		CHECK(in->size == (op & 1 ? osz : 1));
	if (op >= 0xa0 && op <= 0xa3) {
		/* moffs: the accumulator, an address as wide as asz. */
		CHECK(in->len == k + 1 + in->addr_size);
		CHECK(in->reg == 0 && !in->reg_high8);
	} else {
		unsigned at = op == 0x0f ? k + 2 : k + 1, r;
		/* C6 takes an imm8, C7 imm16 or imm32 (imm32 for REX.W). */
		unsigned imm = op == 0xc6   ? 1
			       : op == 0xc7 ? (osz == 2 ? 2 : 4)
					    : 0;

		CHECK(at < in->len);
		CHECK(b[at] >> 6 != 3); /* a memory operand */
		CHECK(in->len == at + modrm_len(b + at, in->addr_size) + imm);
		r = b[at] >> 3 & 7;
		if (op == 0xc6 || op == 0xc7)
			CHECK(r == 0); /* only /0 is MOV */
		else if ((op == 0x88 || op == 0x8a) && !rex && r >= 4)
			CHECK(in->reg_high8 && in->reg == r - 4);
		else
			CHECK(!in->reg_high8
			      && in->reg == (r | (rex & 4u) << 1));
	}
	/* Nothing past the length matters: cut there, or followed by
	 * other bytes, the same; one byte short, nothing. */
	CHECK(!decode_exact(b, in->len, m, &again));
	CHECK(!memcmp(&again, in, sizeof(again)));
	memcpy(other, b, in->len);
	for (unsigned j = in->len; j < MMIO_INSN_MAX; j++)
		other[j] = (uint8_t)(~b[j < n ? j : 0] + j);
	CHECK(!decode_exact(other, MMIO_INSN_MAX, m, &again));
	CHECK(!memcmp(&again, in, sizeof(again)));
	CHECK(decode_exact(b, in->len - 1u, m, &again) == -1);
	CHECK(!memcmp(&again, &zero, sizeof(zero)));
	check_semantics(in, (uint64_t)b[0] << 8 | n);
}

static void check_decode(const uint8_t *b, size_t n, int m)
{
	static const struct mmio_insn zero;
	struct mmio_insn in;

	memset(&in, 0xa5, sizeof(in));
	if (decode_exact(b, n, m, &in)) {
		/* (also what every mode but 16, 32 and 64 must give) */
		CHECK(!memcmp(&in, &zero, sizeof(zero)));
		return;
	}
	check_decoded(b, n, m, &in);
}

/* insn_length_of for the fixed opcodes the exit handlers use. */
static void check_length_of(const uint8_t *b, size_t n, int m)
{
	static const uint8_t ops[][3] = {
		{ 0x0f, 0xa2 },	      /* CPUID */
		{ 0xf4 },	      /* HLT */
		{ 0x0f, 0x01, 0xd1 }, /* XSETBV */
		{ 0x0f, 0x32 },	      /* RDMSR */
	};
	static const size_t oplen[] = { 2, 1, 3, 2 };
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		abort();
	memcpy(copy, b, n);
	for (unsigned i = 0; i < 4; i++) {
		size_t len = insn_length_of(copy, n, m, ops[i], oplen[i]);

		if (!len)
			continue;
		CHECK(len >= oplen[i] && len <= n && len <= MMIO_INSN_MAX);
		CHECK(!memcmp(copy + len - oplen[i], ops[i], oplen[i]));
		for (size_t j = 0; j + oplen[i] < len; j++)
			CHECK(is_prefix(copy[j], m) && copy[j] != 0xf0);
	}
	free(copy);
}

/* --- the decode cache ------------------------------------------------- */

/* do_mmio's cache, one per input: whatever the input did to the code and
 * the page tables since, its answer is the decoder's on these bytes. */
static struct mmio_decode_cache dcache;
/* And its memo of page walks, likewise (page_walk.h). */
static struct pw_memo memo;

static bool same_insn(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->op == b->op && a->size == b->size
	       && a->reg == b->reg && a->reg_high8 == b->reg_high8
	       && a->dst_size == b->dst_size && a->imm == b->imm
	       && a->addr_size == b->addr_size;
}

static void check_cached(uint64_t la, const uint8_t *b, size_t n, int m)
{
	struct mmio_insn fresh, cached;
	int want = mmio_decode(b, n, m, &fresh);

	CHECK(mmio_decode_cached(&dcache, la, b, n, m, &cached) == want);
	if (!want)
		CHECK(same_insn(&cached, &fresh));
}

/* The vCPU's fast path (hv/run/vcpu_mmio.c, decode_known): in 64-bit
 * code, away from the page's last 15 bytes, the page the memo vouches for
 * is the one the walk finds, and a hit on its 16 raw bytes is the
 * decoder's answer on them. */
static void check_known(uint64_t la)
{
	const uint8_t *page;
	uint8_t raw[16], ref[16];
	uint64_t lo, hi;
	struct mmio_insn hit, fresh;

	if (mode != 64 || (la & 0xfff) > 4096 - 16)
		return;
	page = pw_memo_page(&memo, &cpu, la);
	if (!page)
		return;
	memcpy(raw, page + (la & 0xfff), 16);
	CHECK(pw_fetch_insn(&fz_gm, &cpu, 64, 0, la, ref, 16) == 16);
	CHECK(!memcmp(raw, ref, 16));
	memcpy(&lo, raw, 8);
	memcpy(&hi, raw + 8, 8);
	if (mmio_decode_hit(&dcache, la, lo, hi, 64, &hit))
		CHECK(!mmio_decode(raw, MMIO_INSN_MAX, 64, &fresh)
		      && same_insn(&hit, &fresh));
}

/* --- fetch ------------------------------------------------------------ */

/* Op 3: the fetch do_mmio makes, checked byte by byte, then decoded. */
static void fetch(struct fz *s)
{
	uint8_t where = fz8(s);
	uint64_t rip, cs_base = 0, la;
	size_t n, got;
	uint8_t buf[32];

	if (where & 1) {
		rip = last_la + (where >> 1);
	} else {
		rip = fz64(s);
		cs_base = fz32(s);
	}
	n = fz8(s) % 33;
	memset(buf, 0xcc, sizeof(buf));
	got = pw_fetch_insn(&fz_gm, &cpu, mode, cs_base, rip, buf, n);
	CHECK(got <= n);
	for (size_t i = n; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xcc); /* nothing written past n */
	la = mode == 64 ? rip : (rip + cs_base) & 0xffffffffull;
	for (size_t i = 0; i <= got && i < n; i++) {
		uint64_t gpa;
		uint8_t ram;
		bool ok = ref_translate(&cpu, la + i, &gpa) == PW_OK
			  && !gmem_read(&fz_gm, gpa, &ram, 1);

		check_translate(la + i);
		if (i < got)
			CHECK(ok && ram == buf[i]);
		else
			CHECK(!ok); /* it stopped where the bytes end */
	}
	check_decode(buf, got, mode);
	check_cached(la, buf, got, mode);
	/* The memo's fetch: the same count and bytes. */
	uint8_t again[32];

	CHECK(pw_fetch_insn_memo(&memo, &fz_gm, &cpu, mode, cs_base, rip,
				 again, n)
	      == got);
	CHECK(!memcmp(again, buf, got));
	check_known(la);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };

	fz_ram_reset();
	memset(&dcache, 0, sizeof(dcache));
	memset(&memo, 0, sizeof(memo));
	mode = mode_of(fz8(&s));
	cpu_regs(&s);
	last_la = 0;
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		switch (fz8(&s) % 6) {
		case 0:
			map(&s);
			check_translate(last_la);
			break;
		case 1: {
			uint64_t gpa = page_gpa(fz8(&s));
			uint16_t idx = fz16(&s);
			uint64_t v = fz64(&s);

			if (idx & 0x8000)
				put_entry(gpa + 4 * (idx & 0x3ff), v, 4);
			else
				put_entry(gpa + 8 * (idx & 0x1ff), v, 8);
			break;
		}
		case 2:
			code(&s);
			break;
		case 3:
			fetch(&s);
			break;
		case 4: {
			int m = mode_of(fz8(&s));
			uint8_t b[24];
			size_t n = fz8(&s) % 24;

			for (size_t i = 0; i < n; i++)
				b[i] = fz8(&s);
			check_decode(b, n, m);
			check_length_of(b, n, m);
			check_cached(last_la, b, n, m);
			break;
		}
		case 5:
			cpu_regs(&s);
			break;
		}
	}
	return 0;
}
