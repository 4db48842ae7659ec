/* Host tests for arch/x86/decode.c, the MMIO instruction decoder.
 *
 * The table below is the specification: instruction bytes, the code size
 * they run in, and either the expected decoding or a rejection.  Lengths
 * were cross-checked against binutils' disassembler.  Every accepted row
 * is also tried truncated at each length (must be refused) and with junk
 * after it (must not change the result); decode() hands the decoder a
 * buffer of exactly n bytes so ASan catches any read past it.
 */
#include "tests/support/check.h"

#include "arch/x86/decode.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST MMIO_STORE_REG
#define SI MMIO_STORE_IMM
#define LD MMIO_LOAD
#define ZX MMIO_LOAD_ZX
#define SX MMIO_LOAD_SX

/* moffs operands: 8, 4 and 2 address bytes. */
#define A64 " 00 10 00 00 00 00 00 00"
#define A32 " 00 10 00 00"
#define A16 " 00 10"

struct row {
	const char *hex;
	int mode;
	bool ok;
	struct mmio_insn want;
};

/* len, op, size, reg, reg_high8, dst_size, imm */
#define OK(h, m, l, o, s, r, hi, d, i)                                    \
	{ h, m, true,                                                      \
	  { .len = l, .op = o, .size = s, .reg = r, .reg_high8 = hi,      \
	    .dst_size = d, .imm = i } }
#define NO(h, m) { h, m, false, { 0 } }

static const struct row rows[] = {
	/* What Linux's readb..readq / writeb..writeq compile to. */
	OK("8a 00", 64, 2, LD, 1, 0, false, 1, 0),
	OK("66 8b 00", 64, 3, LD, 2, 0, false, 2, 0),
	OK("8b 00", 64, 2, LD, 4, 0, false, 4, 0),
	OK("48 8b 00", 64, 3, LD, 8, 0, false, 8, 0),
	OK("88 02", 64, 2, ST, 1, 0, false, 0, 0),
	OK("66 89 02", 64, 3, ST, 2, 0, false, 0, 0),
	OK("89 02", 64, 2, ST, 4, 0, false, 0, 0),
	OK("48 89 02", 64, 3, ST, 8, 0, false, 0, 0),

	/* REX.R / REX.B / REX.X and r8-r15. */
	OK("44 8b 00", 64, 3, LD, 4, 8, false, 4, 0),	/* (%rax),%r8d */
	OK("4c 8b 38", 64, 3, LD, 8, 15, false, 8, 0),	/* (%rax),%r15 */
	OK("41 8b 07", 64, 3, LD, 4, 0, false, 4, 0),	/* (%r15),%eax */
	OK("45 89 3c 24", 64, 4, ST, 4, 15, false, 0, 0), /* (%r12) */
	OK("41 89 45 00", 64, 4, ST, 4, 0, false, 0, 0),  /* 0(%r13) */
	OK("44 88 38", 64, 3, ST, 1, 15, false, 0, 0),	/* %r15b */
	OK("66 44 89 08", 64, 4, ST, 2, 9, false, 0, 0),	/* %r9w */
	OK("4d 89 4c 24 08", 64, 5, ST, 8, 9, false, 0, 0),

	/* Byte registers: AH..BH without REX, SPL..DIL with any REX. */
	OK("88 60 10", 64, 3, ST, 1, 0, true, 0, 0),	/* %ah */
	OK("8a 78 01", 64, 3, LD, 1, 3, true, 1, 0),	/* %bh */
	OK("8a 28", 32, 2, LD, 1, 1, true, 1, 0),	/* %ch */
	OK("88 30", 64, 2, ST, 1, 2, true, 0, 0),	/* %dh */
	OK("40 88 30", 64, 3, ST, 1, 6, false, 0, 0),	/* %sil */
	OK("40 8a 38", 64, 3, LD, 1, 7, false, 1, 0),	/* %dil */
	OK("40 88 20", 64, 3, ST, 1, 4, false, 0, 0),	/* %spl */
	OK("40 8a 28", 64, 3, LD, 1, 5, false, 1, 0),	/* %bpl */
	OK("88 08", 64, 2, ST, 1, 1, false, 0, 0),	/* %cl */

	/* ModRM / SIB / displacement forms. */
	OK("8b 84 24 00 01 00 00", 64, 7, LD, 4, 0, false, 4, 0),
	OK("8b 04 25 00 10 00 00", 64, 7, LD, 4, 0, false, 4, 0),
	OK("8b 44 8d 08", 64, 4, LD, 4, 0, false, 4, 0),
	OK("42 8b 04 b5 00 00 00 00", 64, 8, LD, 4, 0, false, 4, 0),
	OK("4b 8b 84 f7 78 56 34 12", 64, 8, LD, 8, 0, false, 8, 0),
	OK("8b 80 00 00 00 fe", 64, 6, LD, 4, 0, false, 4, 0),
	OK("8b 40 f0", 64, 3, LD, 4, 0, false, 4, 0),
	OK("8b 04 20", 64, 3, LD, 4, 0, false, 4, 0),	/* index 100 */
	OK("8b 45 00", 64, 3, LD, 4, 0, false, 4, 0),	/* 0(%rbp) */
	OK("8b 05 f8 ff ff ff", 64, 6, LD, 4, 0, false, 4, 0), /* RIP */
	OK("48 8b 05 10 00 00 00", 64, 7, LD, 8, 0, false, 8, 0),
	OK("4c 89 2d 00 00 00 00", 64, 7, ST, 8, 13, false, 0, 0),
	OK("8b 05 00 00 e0 fe", 32, 6, LD, 4, 0, false, 4, 0), /* abs */
	OK("8b 44 24 04", 32, 4, LD, 4, 0, false, 4, 0),

	/* MOVZX / MOVSX. */
	OK("0f b6 00", 64, 3, ZX, 1, 0, false, 4, 0),	/* movzbl */
	OK("0f b7 00", 64, 3, ZX, 2, 0, false, 4, 0),	/* movzwl */
	OK("0f be 00", 64, 3, SX, 1, 0, false, 4, 0),	/* movsbl */
	OK("0f bf 00", 64, 3, SX, 2, 0, false, 4, 0),	/* movswl */
	OK("48 0f be 00", 64, 4, SX, 1, 0, false, 8, 0),	/* movsbq */
	OK("48 0f bf 00", 64, 4, SX, 2, 0, false, 8, 0),	/* movswq */
	OK("66 0f b6 00", 64, 4, ZX, 1, 0, false, 2, 0),	/* movzbw */
	OK("44 0f b6 48 04", 64, 5, ZX, 1, 9, false, 4, 0),
	OK("4c 0f b7 04 24", 64, 5, ZX, 2, 8, false, 8, 0),
	OK("0f b6 20", 64, 3, ZX, 1, 4, false, 4, 0),	/* %esp, not %ah */
	OK("0f b6 07", 16, 3, ZX, 1, 0, false, 2, 0),	/* movzbw (%bx) */
	OK("66 0f bf 07", 16, 4, SX, 2, 0, false, 4, 0),

	/* MOV r/m, imm. */
	OK("c6 00 ff", 64, 3, SI, 1, 0, false, 0, 0xff),
	OK("66 c7 00 34 12", 64, 5, SI, 2, 0, false, 0, 0x1234),
	OK("c7 00 78 56 34 12", 64, 6, SI, 4, 0, false, 0, 0x12345678),
	OK("48 c7 00 ff ff ff ff", 64, 7, SI, 8, 0, false, 0, ~0ull),
	OK("48 c7 00 00 00 00 80", 64, 7, SI, 8, 0, false, 0,
	   0xffffffff80000000ull),
	OK("48 c7 00 ff ff ff 7f", 64, 7, SI, 8, 0, false, 0, 0x7fffffff),
	OK("c7 00 00 00 00 80", 64, 6, SI, 4, 0, false, 0, 0x80000000),
	OK("41 c6 44 24 08 01", 64, 6, SI, 1, 0, false, 0, 1),
	OK("c7 84 24 00 01 00 00 ef be ad de", 64, 11, SI, 4, 0, false, 0,
	   0xdeadbeef),
	OK("c7 05 08 00 00 00 01 00 00 00", 64, 10, SI, 4, 0, false, 0, 1),
	OK("66 41 c7 04 24 cd ab", 64, 7, SI, 2, 0, false, 0, 0xabcd),
	/* REX then 66: the REX is not next to the opcode, so ignored. */
	OK("48 66 c7 00 34 12", 64, 6, SI, 2, 0, false, 0, 0x1234),
	/* 66 then REX.W: REX.W wins, imm32 sign-extended. */
	OK("66 48 c7 00 fe ff ff ff", 64, 8, SI, 8, 0, false, 0, ~1ull),

	/* moffs forms. */
	OK("a0" A64, 64, 9, LD, 1, 0, false, 1, 0),
	OK("a1" A64, 64, 9, LD, 4, 0, false, 4, 0),
	OK("48 a1" A64, 64, 10, LD, 8, 0, false, 8, 0),
	OK("a2" A64, 64, 9, ST, 1, 0, false, 0, 0),
	OK("48 a3" A64, 64, 10, ST, 8, 0, false, 0, 0),
	OK("66 a3" A64, 64, 10, ST, 2, 0, false, 0, 0),
	OK("41 a1" A64, 64, 10, LD, 4, 0, false, 4, 0),	/* REX.B: rax */
	OK("67 a1" A32, 64, 6, LD, 4, 0, false, 4, 0),
	OK("a1" A32, 32, 5, LD, 4, 0, false, 4, 0),
	OK("67 a1" A16, 32, 4, LD, 4, 0, false, 4, 0),
	OK("66 a2" A32, 32, 6, ST, 1, 0, false, 0, 0),
	OK("a1" A16, 16, 3, LD, 2, 0, false, 2, 0),
	OK("66 a1" A16, 16, 4, LD, 4, 0, false, 4, 0),
	OK("67 a3" A32, 16, 6, ST, 2, 0, false, 0, 0),

	/* Segment overrides are accepted and ignored; they also cancel a
	 * REX before them. */
	OK("64 8b 00", 64, 3, LD, 4, 0, false, 4, 0),
	OK("65 48 8b 04 25 28 00 00 00", 64, 9, LD, 8, 0, false, 8, 0),
	OK("2e 36 3e 26 64 65 8b 00", 64, 8, LD, 4, 0, false, 4, 0),
	OK("48 65 8b 00", 64, 4, LD, 4, 0, false, 4, 0),
	OK("48 67 8b 00", 64, 4, LD, 4, 0, false, 4, 0),
	OK("26 88 07", 16, 3, ST, 1, 0, false, 0, 0),
	/* Two REX bytes: only the last one counts. */
	OK("48 41 8b 00", 64, 4, LD, 4, 0, false, 4, 0),

	/* Address-size prefix. */
	OK("67 8b 00", 64, 3, LD, 4, 0, false, 4, 0),
	OK("67 8b 04 24", 64, 4, LD, 4, 0, false, 4, 0),
	OK("67 8b 05 00 00 00 00", 64, 7, LD, 4, 0, false, 4, 0), /* EIP */
	OK("67 8b 07", 32, 3, LD, 4, 0, false, 4, 0),	/* (%bx) */
	OK("67 8b 46 10", 32, 4, LD, 4, 0, false, 4, 0),	/* 16(%bp) */
	OK("67 8b 06 34 12", 32, 5, LD, 4, 0, false, 4, 0), /* disp16 */

	/* 16-bit mode: 16-bit addressing, no SIB. */
	OK("8b 07", 16, 2, LD, 2, 0, false, 2, 0),	/* (%bx) */
	OK("8b 04", 16, 2, LD, 2, 0, false, 2, 0),	/* (%si), no SIB */
	OK("8b 06 00 10", 16, 4, LD, 2, 0, false, 2, 0),	/* disp16 */
	OK("8b 47 02", 16, 3, LD, 2, 0, false, 2, 0),	/* disp8 */
	OK("8b 87 00 10", 16, 4, LD, 2, 0, false, 2, 0),	/* mod 10 */
	OK("8b 46 00", 16, 3, LD, 2, 0, false, 2, 0),	/* 0(%bp) */
	OK("66 8b 07", 16, 3, LD, 4, 0, false, 4, 0),
	OK("67 8b 04 24", 16, 4, LD, 2, 0, false, 2, 0),	/* SIB again */
	OK("67 66 8b 84 24 00 01 00 00", 16, 9, LD, 4, 0, false, 4, 0),
	OK("c7 06 00 10 34 12", 16, 6, SI, 2, 0, false, 0, 0x1234),
	OK("66 c7 06 00 10 78 56 34 12", 16, 9, SI, 4, 0, false, 0,
	   0x12345678),
	OK("c6 07 5a", 16, 3, SI, 1, 0, false, 0, 0x5a),
	OK("88 27", 16, 2, ST, 1, 0, true, 0, 0),	/* %ah */
	OK("89 1e 00 10", 16, 4, ST, 2, 3, false, 0, 0),

	/* Exactly 15 bytes is still legal. */
	OK("66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00", 64, 15, LD, 2, 0,
	   false, 2, 0),
	OK("c7 84 24 00 01 00 00 ef be ad de", 32, 11, SI, 4, 0, false, 0,
	   0xdeadbeef),

	/* Rejections. */
	NO("", 64),
	NO("8b c0", 64),			/* mod 3: register operand */
	NO("88 c4", 64),
	NO("0f b6 c0", 64),
	NO("c7 c0 01 00 00 00", 64),
	NO("f0 89 02", 64),			/* lock */
	NO("f0", 64),
	NO("0f 0b", 64),			/* ud2 */
	NO("0f", 64),				/* truncated escape */
	NO("f3 a4", 64),			/* rep movsb */
	NO("a4", 64),				/* movsb */
	NO("f3 89 02", 64),			/* rep on a mov */
	NO("f2 8b 00", 64),
	NO("44 f3 89 02", 64),			/* REX, then rep */
	NO("f3 0f b6 00", 64),
	NO("c6 08 01", 64),			/* C6 /1 */
	NO("c7 48 08 00 00 00 00", 64),		/* C7 /1 */
	NO("c6 f8 00", 64),			/* xabort */
	NO("c7 f8 00 00 00 00", 64),		/* xbegin */
	NO("48 8b", 64),			/* truncated */
	NO("8b 04", 64),			/* SIB missing */
	NO("8b 04 25 00 10 00", 64),		/* disp32 short */
	NO("8b 80 00 00 00", 64),
	NO("c7 00 01 02 03", 64),		/* imm short */
	NO("a1 00 00 00 00 00 00 00", 64),	/* moffs short */
	NO("8b 06 00", 16),			/* disp16 short */
	NO("8b 00", 0),				/* bad mode */
	NO("8b 00", 8),
	NO("8b 00", 128),
	NO("48 8b 00", 32),			/* 48 is dec %eax here */
	NO("40 88 30", 16),
	NO("01 00", 64),			/* add */
	NO("63 00", 64),			/* movsxd */
	NO("87 00", 64),			/* xchg */
	NO("8c 00", 64),			/* mov from sreg */
	NO("f6 00 01", 64),			/* test */
	NO("ff ff ff", 64),
	NO("c5 f9 6f 00", 64),			/* vex vmovdqa */
	NO("0f 38 f0 00", 64),			/* movbe */
	NO("0f 10 00", 64),			/* movups */
	NO("48", 64),				/* REX alone */
	NO("66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00", 64), /* 16 */
	NO("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00", 64),
	NO("26 26 26 26 26 26 26 26 26 26 26 26 26 26 26", 64),
	NO("48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 8b 00", 64),
	NO("c7 84 24 00 01 00 00 ef be ad de", 65),	/* bad mode */
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		unsigned v;
		int used;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (n == max || sscanf(s, "%2x%n", &v, &used) != 1 ||
		    used != 2) {
			printf("#   bad hex in table: %s\n", s);
			exit(2);
		}
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Decodes from a heap copy of exactly n bytes, into an output full of
 * junk so that a field the decoder forgets to set shows. */
static int decode(const uint8_t *b, size_t n, int mode, struct mmio_insn *o)
{
	uint8_t *p = malloc(n ? n : 1);
	int rc;

	memcpy(p, b, n);
	memset(o, 0xa5, sizeof(*o));
	rc = mmio_decode(n ? p : NULL, n, mode, o);
	free(p);
	return rc;
}

static bool same(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->op == b->op && a->size == b->size &&
	       a->reg == b->reg && a->reg_high8 == b->reg_high8 &&
	       a->dst_size == b->dst_size && a->imm == b->imm;
}

static void show(const char *what, const struct mmio_insn *d)
{
	printf("#     %s: len %u op %d size %u reg %u high8 %d dst %u "
	       "imm %#llx\n", what, d->len, (int)d->op, d->size, d->reg,
	       d->reg_high8, d->dst_size, (unsigned long long)d->imm);
}

static void table_rows(void)
{
	struct mmio_insn zero;

	memset(&zero, 0, sizeof(zero));
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		uint8_t b[32];
		size_t n = parse_hex(r->hex, b, sizeof(b));
		struct mmio_insn got;
		int rc = decode(b, n, r->mode, &got);

		if (!r->ok) {
			if (rc != -1) {
				printf("#   row %zu [%s] mode %d: accepted\n",
				       i, r->hex, r->mode);
				check_failures_in_test++;
			}
			CHECK(!memcmp(&got, &zero, sizeof(got)));
			continue;
		}
		if (rc != 0 || !same(&got, &r->want)) {
			printf("#   row %zu [%s] mode %d: rc %d\n", i, r->hex,
			       r->mode, rc);
			show("want", &r->want);
			show("got ", &got);
			check_failures_in_test++;
		}
		if (r->want.len != n) {
			printf("#   row %zu: table len %u but %zu bytes\n", i,
			       r->want.len, n);
			check_failures_in_test++;
		}
	}
}

static void table_has_enough_rows(void)
{
	size_t ok = 0, no = 0;

	for (size_t i = 0; i < NROWS; i++) {
		if (rows[i].ok)
			ok++;
		else
			no++;
	}
	CHECK(ok >= 60);
	CHECK(no >= 30);
}

/* Every proper prefix of an accepted instruction is refused. */
static void truncated_at_every_length(void)
{
	for (size_t i = 0; i < NROWS; i++) {
		uint8_t b[32];
		size_t n = parse_hex(rows[i].hex, b, sizeof(b));
		struct mmio_insn got;

		if (!rows[i].ok)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (decode(b, k, rows[i].mode, &got) != -1) {
				printf("#   row %zu [%s] accepted at %zu "
				       "bytes\n", i, rows[i].hex, k);
				check_failures_in_test++;
			}
		}
	}
}

/* Bytes after the instruction (the next instruction, or whatever the
 * fetch buffer holds) change nothing, and more than 15 given is fine. */
static void trailing_bytes_ignored(void)
{
	for (size_t i = 0; i < NROWS; i++) {
		uint8_t b[64];
		size_t n = parse_hex(rows[i].hex, b, 32);
		struct mmio_insn got;

		if (!rows[i].ok)
			continue;
		memset(b + n, 0x66, sizeof(b) - n);
		CHECK(decode(b, n + 1, rows[i].mode, &got) == 0);
		CHECK(same(&got, &rows[i].want));
		CHECK(decode(b, sizeof(b), rows[i].mode, &got) == 0);
		CHECK(same(&got, &rows[i].want));
	}
}

static void addr_size_reported(void)
{
	static const uint8_t load[] = { 0x8b, 0x00 };
	static const uint8_t load67[] = { 0x67, 0x8b, 0x00 };
	struct mmio_insn d;

	CHECK(decode(load, 2, 64, &d) == 0 && d.addr_size == 8);
	CHECK(decode(load67, 3, 64, &d) == 0 && d.addr_size == 4);
	CHECK(decode(load, 2, 32, &d) == 0 && d.addr_size == 4);
	CHECK(decode(load67, 3, 32, &d) == 0 && d.addr_size == 2);
	CHECK(decode(load, 2, 16, &d) == 0 && d.addr_size == 2);
	CHECK(decode(load67, 3, 16, &d) == 0 && d.addr_size == 4);
}

/* Whatever the bytes, the result is either -1 or self-consistent, and the
 * decoder never reads past n (ASan) nor past 15 bytes. */
static void hostile_bytes(void)
{
	static const int modes[] = { 16, 32, 64 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t b[24];
	struct mmio_insn d;
	unsigned accepted = 0;

	for (unsigned iter = 0; iter < 300000; iter++) {
		size_t n = iter % 20;
		int mode = modes[iter % 3];
		int rc;

		for (size_t k = 0; k < sizeof(b); k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[k] = (uint8_t)x;
		}
		/* Bias towards the interesting opcodes. */
		if (x & 1)
			b[x >> 8 & 3] = (uint8_t[]){ 0x8b, 0x89, 0xc7, 0x0f,
						     0xa1, 0x66, 0x48, 0xc6 }
					 [x >> 16 & 7];
		rc = decode(b, n, mode, &d);
		if (rc == 0) {
			accepted++;
			CHECK(d.len >= 1 && d.len <= n && d.len <= 15);
			CHECK(d.size == 1 || d.size == 2 || d.size == 4 ||
			      d.size == 8);
			CHECK(d.reg < 16);
			CHECK(!d.reg_high8 || d.reg < 4);
		} else {
			CHECK(rc == -1 && d.len == 0);
		}
	}
	CHECK(accepted > 1000);
}

/* A register file where every byte is distinct, so a wrong merge shows. */
static void fill(uint64_t regs[16])
{
	for (unsigned i = 0; i < 16; i++)
		regs[i] = 0x1122334455667788ull + i * 0x0101010101010101ull;
}

static struct mmio_insn ld(enum mmio_op op, uint8_t size, uint8_t dst,
			   uint8_t reg, bool high8)
{
	return (struct mmio_insn){ .len = 2, .op = op, .size = size,
				   .dst_size = dst, .reg = reg,
				   .reg_high8 = high8 };
}

static void apply_load_merges(void)
{
	uint64_t r[16], orig[16];
	struct mmio_insn in;

	fill(orig);

	memcpy(r, orig, sizeof(r));
	in = ld(LD, 1, 1, 0, false);
	mmio_apply_load(&in, 0xffffffffffffffabull, r);
	CHECK(r[0] == 0x11223344556677abull);
	CHECK(!memcmp(r + 1, orig + 1, sizeof(r) - sizeof(r[0])));

	memcpy(r, orig, sizeof(r));
	in = ld(LD, 2, 2, 2, false);
	mmio_apply_load(&in, 0xffffffff12345678ull, r);
	CHECK(r[2] == (orig[2] & ~0xffffull) + 0x5678);

	memcpy(r, orig, sizeof(r));
	in = ld(LD, 4, 4, 15, false);
	mmio_apply_load(&in, 0xaaaaaaaadeadbeefull, r);
	CHECK(r[15] == 0xdeadbeefull);
	CHECK(r[14] == orig[14]);

	memcpy(r, orig, sizeof(r));
	in = ld(LD, 8, 8, 9, false);
	mmio_apply_load(&in, 0x0123456789abcdefull, r);
	CHECK(r[9] == 0x0123456789abcdefull);

	/* SPL..DIL are the low byte of rsp..rdi. */
	memcpy(r, orig, sizeof(r));
	in = ld(LD, 1, 1, 6, false);
	mmio_apply_load(&in, 0x5a, r);
	CHECK(r[6] == ((orig[6] & ~0xffull) | 0x5a));
}

static void apply_load_high_byte(void)
{
	uint64_t r[16], orig[16];
	struct mmio_insn in;

	fill(orig);

	memcpy(r, orig, sizeof(r));
	in = ld(LD, 1, 1, 0, true);			/* AH */
	mmio_apply_load(&in, 0x1ab, r);
	CHECK(r[0] == 0x112233445566ab88ull);
	CHECK(!memcmp(r + 1, orig + 1, sizeof(r) - sizeof(r[0])));

	memcpy(r, orig, sizeof(r));
	in = ld(LD, 1, 1, 3, true);			/* BH */
	mmio_apply_load(&in, 0xcd, r);
	CHECK(r[3] == ((orig[3] & ~0xff00ull) | 0xcd00));
	CHECK(r[7] == orig[7]);

	/* Through the decoder: mov 0x10(%rax),%ch. */
	{
		static const uint8_t b[] = { 0x8a, 0x68, 0x10 };

		memcpy(r, orig, sizeof(r));
		CHECK(decode(b, sizeof(b), 64, &in) == 0);
		mmio_apply_load(&in, 0xee, r);
		CHECK(r[1] == ((orig[1] & ~0xff00ull) | 0xee00));
		CHECK(r[5] == orig[5]);
	}
}

static void apply_load_extends(void)
{
	uint64_t r[16], orig[16];
	struct mmio_insn in;

	fill(orig);

	memcpy(r, orig, sizeof(r));
	in = ld(ZX, 1, 4, 0, false);			/* movzbl */
	mmio_apply_load(&in, 0xffff, r);
	CHECK(r[0] == 0xff);

	memcpy(r, orig, sizeof(r));
	in = ld(ZX, 1, 2, 0, false);			/* movzbw: merges */
	mmio_apply_load(&in, 0x80, r);
	CHECK(r[0] == 0x1122334455660080ull);

	memcpy(r, orig, sizeof(r));
	in = ld(ZX, 2, 8, 4, false);			/* movzwq */
	mmio_apply_load(&in, 0xffff8001, r);
	CHECK(r[4] == 0x8001);

	memcpy(r, orig, sizeof(r));
	in = ld(SX, 1, 4, 0, false);			/* movsbl */
	mmio_apply_load(&in, 0x80, r);
	CHECK(r[0] == 0xffffff80ull);

	memcpy(r, orig, sizeof(r));
	in = ld(SX, 1, 4, 0, false);
	mmio_apply_load(&in, 0xff7f, r);		/* positive byte */
	CHECK(r[0] == 0x7f);

	memcpy(r, orig, sizeof(r));
	in = ld(SX, 2, 8, 8, false);			/* movswq */
	mmio_apply_load(&in, 0x8000, r);
	CHECK(r[8] == 0xffffffffffff8000ull);

	memcpy(r, orig, sizeof(r));
	in = ld(SX, 1, 2, 1, false);			/* movsbw: merges */
	mmio_apply_load(&in, 0x80, r);
	CHECK(r[1] == ((orig[1] & ~0xffffull) | 0xff80));

	memcpy(r, orig, sizeof(r));
	in = ld(SX, 1, 8, 2, false);			/* movsbq */
	mmio_apply_load(&in, 0x01, r);
	CHECK(r[2] == 1);

	/* Through the decoder: mov (%rax),%r8d zeroes r8's top half. */
	{
		static const uint8_t b[] = { 0x44, 0x8b, 0x00 };

		memcpy(r, orig, sizeof(r));
		CHECK(decode(b, sizeof(b), 64, &in) == 0);
		mmio_apply_load(&in, 0xcafebabe, r);
		CHECK(r[8] == 0xcafebabeull);
	}
}

/* Stores and malformed descriptions leave the registers alone. */
static void apply_load_ignores_non_loads(void)
{
	uint64_t r[16], orig[16];
	struct mmio_insn in;

	fill(orig);
	memcpy(r, orig, sizeof(r));
	in = ld(ST, 4, 4, 0, false);
	mmio_apply_load(&in, 0, r);
	in = ld(SI, 4, 4, 0, false);
	mmio_apply_load(&in, 0, r);
	in = ld(LD, 3, 3, 0, false);
	mmio_apply_load(&in, 0, r);
	in = ld(LD, 4, 0, 0, false);
	mmio_apply_load(&in, 0, r);
	in = ld(LD, 2, 2, 0, true);		/* high byte, not 8-bit */
	mmio_apply_load(&in, 0, r);
	CHECK(!memcmp(r, orig, sizeof(r)));

	/* An out-of-range reg is masked, never indexed past regs[15]. */
	in = ld(LD, 8, 8, 200, false);
	mmio_apply_load(&in, 7, r);
	CHECK(r[200 & 15] == 7);
}

static void store_value(void)
{
	uint64_t r[16];
	struct mmio_insn in;

	fill(r);
	in = ld(ST, 1, 0, 0, false);
	CHECK(mmio_store_value(&in, r) == 0x88);
	in = ld(ST, 1, 0, 0, true);			/* AH */
	CHECK(mmio_store_value(&in, r) == 0x77);
	in = ld(ST, 1, 0, 3, true);			/* BH */
	CHECK(mmio_store_value(&in, r) == ((r[3] >> 8) & 0xff));
	in = ld(ST, 1, 0, 7, false);			/* DIL */
	CHECK(mmio_store_value(&in, r) == (r[7] & 0xff));
	in = ld(ST, 2, 0, 1, false);
	CHECK(mmio_store_value(&in, r) == (r[1] & 0xffff));
	in = ld(ST, 4, 0, 12, false);
	CHECK(mmio_store_value(&in, r) == (r[12] & 0xffffffff));
	in = ld(ST, 8, 0, 15, false);
	CHECK(mmio_store_value(&in, r) == r[15]);

	in = ld(SI, 1, 0, 0, false);
	in.imm = 0x1ff;
	CHECK(mmio_store_value(&in, r) == 0xff);
	in = ld(SI, 8, 0, 0, false);
	in.imm = ~0ull;
	CHECK(mmio_store_value(&in, r) == ~0ull);

	/* Loads and malformed sizes store nothing meaningful: 0. */
	in = ld(LD, 4, 4, 0, false);
	CHECK(mmio_store_value(&in, r) == 0);
	in = ld(ST, 5, 0, 0, false);
	CHECK(mmio_store_value(&in, r) == 0);
}

static void store_value_through_decoder(void)
{
	static const struct {
		const char *hex;
		uint64_t want;
	} cases[] = {
		{ "88 60 10", 0x77 },			/* %ah */
		{ "88 02", 0x88 },			/* %al */
		{ "66 89 02", 0x7788 },
		{ "89 02", 0x55667788 },
		{ "48 89 02", 0x1122334455667788ull },
		{ "44 89 00", 0x5d6e7f90 },		/* %r8d */
		{ "40 88 30", 0x8e },			/* %sil */
		{ "48 c7 00 00 00 00 80", 0xffffffff80000000ull },
		{ "66 c7 00 34 12", 0x1234 },
		{ "c6 00 ff", 0xff },
		{ "a2" A64, 0x88 },
	};
	uint64_t r[16];

	fill(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[32];
		size_t n = parse_hex(cases[i].hex, b, sizeof(b));
		struct mmio_insn in;
		uint64_t v;

		CHECK(decode(b, n, 64, &in) == 0);
		v = mmio_store_value(&in, r);
		if (v != cases[i].want) {
			printf("#   [%s]: %#llx, want %#llx\n", cases[i].hex,
			       (unsigned long long)v,
			       (unsigned long long)cases[i].want);
			check_failures_in_test++;
		}
	}
}

/* Exits without a length (AMD-V without NRIP save): the bytes at RIP
 * must be the instruction the exit names, prefixes allowed. */
static void insn_length_of_fixed_opcodes(void)
{
	static const uint8_t cpuid_op[] = { 0x0f, 0xa2 }, hlt[] = { 0xf4 };
	static const uint8_t xsetbv[] = { 0x0f, 0x01, 0xd1 };
	const uint8_t plain[] = { 0x0f, 0xa2, 0x90 };
	const uint8_t prefixed[] = { 0x66, 0x2e, 0x0f, 0xa2 };
	const uint8_t rex[] = { 0x48, 0x0f, 0xa2 };
	const uint8_t other[] = { 0x0f, 0x31 };		/* RDTSC */
	const uint8_t locked[] = { 0xf0, 0x0f, 0xa2 };
	uint8_t many[15], too_many[16];

	CHECK(insn_length_of(plain, 3, 64, cpuid_op, 2) == 2);
	CHECK(insn_length_of(prefixed, 4, 32, cpuid_op, 2) == 4);
	CHECK(insn_length_of(rex, 3, 64, cpuid_op, 2) == 3);
	/* 0x48 is DEC EAX outside long mode, not a prefix. */
	CHECK(insn_length_of(rex, 3, 32, cpuid_op, 2) == 0);
	CHECK(insn_length_of(other, 2, 64, cpuid_op, 2) == 0);
	CHECK(insn_length_of(locked, 3, 64, cpuid_op, 2) == 0);
	CHECK(insn_length_of(hlt, 1, 16, hlt, 1) == 1);
	CHECK(insn_length_of(xsetbv, 3, 64, xsetbv, 3) == 3);
	/* Fetched too little (a page the guest had not mapped). */
	CHECK(insn_length_of(xsetbv, 2, 64, xsetbv, 3) == 0);
	CHECK(insn_length_of(plain, 0, 64, cpuid_op, 2) == 0);
	/* 13 prefixes and the opcode fit in 15 bytes; 14 do not. */
	memset(many, 0x66, sizeof(many));
	many[13] = 0x0f;
	many[14] = 0xa2;
	CHECK(insn_length_of(many, sizeof(many), 64, cpuid_op, 2) == 15);
	memset(too_many, 0x66, sizeof(too_many));
	too_many[14] = 0x0f;
	too_many[15] = 0xa2;
	CHECK(insn_length_of(too_many, sizeof(too_many), 64, cpuid_op, 2)
	      == 0);
}

int main(void)
{
	RUN(insn_length_of_fixed_opcodes);
	RUN(table_rows);
	RUN(table_has_enough_rows);
	RUN(truncated_at_every_length);
	RUN(trailing_bytes_ignored);
	RUN(addr_size_reported);
	RUN(hostile_bytes);
	RUN(apply_load_merges);
	RUN(apply_load_high_byte);
	RUN(apply_load_extends);
	RUN(apply_load_ignores_non_loads);
	RUN(store_value);
	RUN(store_value_through_decoder);
	return CHECK_DONE();
}
