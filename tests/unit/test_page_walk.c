/* Host tests for arch/x86/page_walk.c, the guest page-table walk.
 *
 * Guest RAM is a heap buffer of exactly RAM_SIZE bytes registered at GPA
 * 0, so ASan reports any access the walker makes past guest RAM.  Page
 * tables are written into it with put32/put64 and the translations are
 * checked for each paging mode.
 */
#include "tests/support/check.h"

#include "hv/guest/gmem.h"
#include "arch/x86/page_walk.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAM_SIZE 0x200000ull		/* 2 MiB at GPA 0 */

#define P 0x001ull
#define RW 0x002ull
#define US 0x004ull
#define A 0x020ull
#define PS 0x080ull
#define XD (1ull << 63)

#define CR0_PE 1ull
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static struct gmem g;
static uint8_t *ram;

static void setup(void)
{
	free(ram);
	ram = calloc(1, RAM_SIZE);
	gmem_init(&g);
	if (!ram || gmem_add(&g, 0, RAM_SIZE, ram)) {
		printf("#   setup failed\n");
		exit(2);
	}
}

static void put32(uint64_t gpa, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	if (gmem_write(&g, gpa, b, 4))
		exit(2);
}

static void put64(uint64_t gpa, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	if (gmem_write(&g, gpa, b, 8))
		exit(2);
}

/* Translates and returns the result; *out is ~0 unless PW_OK. */
static enum pw_result tr(const struct pw_cpu *c, uint64_t la, uint64_t *out)
{
	*out = ~0ull;
	return pw_translate(&g, c, la, out);
}

/* CHECKs that la translates to want. */
#define CHECK_TR(c, la, want)                                              \
	do {                                                               \
		uint64_t got_;                                             \
		enum pw_result r_ = tr(c, la, &got_);                     \
		if (r_ != PW_OK || got_ != (want)) {                      \
			printf("#   %s:%d: la %#llx: result %d gpa %#llx, " \
			       "want %#llx\n", __FILE__, __LINE__,         \
			       (unsigned long long)(la), (int)r_,          \
			       (unsigned long long)got_,                   \
			       (unsigned long long)(want));                \
			check_failures_in_test++;                          \
		}                                                          \
	} while (0)

/* CHECKs that la fails with result want and leaves *gpa alone. */
#define CHECK_FAIL(c, la, want)                                            \
	do {                                                               \
		uint64_t got_;                                             \
		enum pw_result r_ = tr(c, la, &got_);                     \
		if (r_ != (want) || got_ != ~0ull) {                       \
			printf("#   %s:%d: la %#llx: result %d, want %d\n", \
			       __FILE__, __LINE__, (unsigned long long)(la), \
			       (int)r_, (int)(want));                      \
			check_failures_in_test++;                          \
		}                                                          \
	} while (0)

/* ---- paging off --------------------------------------------------- */

static void paging_off_is_identity(void)
{
	struct pw_cpu c = { .cr0 = 0 };

	setup();
	CHECK_TR(&c, 0, 0);
	CHECK_TR(&c, 0xffff0, 0xffff0);
	CHECK_TR(&c, 0x10ffef, 0x10ffef);	/* real mode, A20 on */
	CHECK_TR(&c, 0xfffffff0, 0xfffffff0);	/* reset vector */
	/* Linear addresses are 32 bits outside long mode. */
	CHECK_TR(&c, 0x100001234ull, 0x1234);
	/* Protected mode without paging; the other bits do not matter. */
	c.cr0 = CR0_PE;
	c.cr4 = CR4_PAE | CR4_PSE;
	c.cr3 = 0xdead0000;
	CHECK_TR(&c, 0x7c00, 0x7c00);
}

/* ---- 32-bit paging ------------------------------------------------ */

/* PD at 0x1000; PD[1] -> PT at 0x2000; PT[2] -> 0x5000. */
static struct pw_cpu setup32(void)
{
	setup();
	put32(0x1000 + 1 * 4, 0x2000 | P | RW | US | A);
	put32(0x2000 + 2 * 4, 0x5000 | P | RW);
	return (struct pw_cpu){ .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000 };
}

#define LA32(pde, pte, off) (((uint64_t)(pde) << 22) | ((pte) << 12) | (off))

static void paging32_4k(void)
{
	struct pw_cpu c = setup32();

	CHECK_TR(&c, LA32(1, 2, 0x123), 0x5123);
	CHECK_TR(&c, LA32(1, 2, 0xfff), 0x5fff);
	/* PCD/PWT in CR3 and junk above bit 31 are not address bits. */
	c.cr3 = 0xffffffff00001018ull;
	CHECK_TR(&c, LA32(1, 2, 0), 0x5000);
	/* Bits 63:32 of the linear address are dropped. */
	CHECK_TR(&c, 0xabcd00000000ull | LA32(1, 2, 7), 0x5007);
	/* Flag bits in a PTE do not leak into the address. */
	put32(0x2000 + 3 * 4, 0xfffff000u | 0xfff);
	CHECK_TR(&c, LA32(1, 3, 0x10), 0xfffff010ull);
}

static void paging32_not_present(void)
{
	struct pw_cpu c = setup32();

	CHECK_FAIL(&c, LA32(0, 2, 0), PW_NOT_PRESENT);	/* PDE */
	CHECK_FAIL(&c, LA32(1, 3, 0), PW_NOT_PRESENT);	/* PTE */
	/* Everything but P set is still not present. */
	put32(0x1000 + 4 * 4, 0xfffffffeu);
	CHECK_FAIL(&c, LA32(4, 0, 0), PW_NOT_PRESENT);
	put32(0x2000 + 5 * 4, 0xfffffffeu);
	CHECK_FAIL(&c, LA32(1, 5, 0), PW_NOT_PRESENT);
}

static void paging32_4m_pages(void)
{
	struct pw_cpu c = setup32();

	c.cr4 = CR4_PSE;
	put32(0x1000 + 3 * 4, 0x00800000 | PS | P);
	CHECK_TR(&c, LA32(3, 0, 0), 0x800000);
	CHECK_TR(&c, (3ull << 22) | 0x3fffff, 0xbfffff);
	/* PSE-36: PDE bits 20:13 are physical bits 39:32. */
	put32(0x1000 + 4 * 4, 0xffc00000u | (0x12u << 13) | PS | P);
	CHECK_TR(&c, (4ull << 22) | 0x123456, 0x12ffd23456ull);
	put32(0x1000 + 5 * 4, (0xffu << 13) | PS | P);
	CHECK_TR(&c, 5ull << 22, 0xff00000000ull);
	/* Bit 21 is reserved in a 4 MiB PDE. */
	put32(0x1000 + 6 * 4, 0x00c00000 | (1u << 21) | PS | P);
	CHECK_FAIL(&c, 6ull << 22, PW_RESERVED_BIT);
	/* 4 KiB mappings still work next to 4 MiB ones. */
	CHECK_TR(&c, LA32(1, 2, 0x42), 0x5042);
}

static void paging32_ps_ignored_without_pse(void)
{
	struct pw_cpu c = setup32();

	/* CR4.PSE = 0: PS is ignored and the PDE points to a page table,
	 * here the one at 0x2000. */
	put32(0x1000 + 7 * 4, 0x2000 | PS | P);
	CHECK_TR(&c, LA32(7, 2, 0x9), 0x5009);
	/* Bit 21 is then an address bit, not a reserved one: this PDE's
	 * table lies at 0x202000, past RAM. */
	put32(0x1000 + 8 * 4, 0x202000 | PS | P);
	CHECK_FAIL(&c, LA32(8, 2, 0), PW_BAD_TABLE);
	/* With CR4.PSE the same entries are 4 MiB pages: 0x2000 has bit 13
	 * set, which is physical bit 32 (PSE-36), and bit 21 is reserved. */
	c.cr4 = CR4_PSE;
	CHECK_TR(&c, LA32(7, 2, 0x9), 0x100002009ull);
	CHECK_FAIL(&c, LA32(8, 2, 0), PW_RESERVED_BIT);
}

static void paging32_bad_tables(void)
{
	struct pw_cpu c = setup32();

	/* CR3 past the end of RAM. */
	c.cr3 = 0x80000000;
	CHECK_FAIL(&c, LA32(1, 2, 0), PW_BAD_TABLE);
	/* CR3 at the last page of RAM: the PDE for index 1 is inside. */
	c.cr3 = RAM_SIZE - 0x1000;
	put32(RAM_SIZE - 0x1000 + 4, 0x2000 | P);
	CHECK_TR(&c, LA32(1, 2, 0x55), 0x5055);
	/* A PDE pointing to a page table outside RAM. */
	c.cr3 = 0x1000;
	put32(0x1000 + 9 * 4, 0xfffff000u | P);
	CHECK_FAIL(&c, LA32(9, 0, 0), PW_BAD_TABLE);
}

/* ---- PAE paging --------------------------------------------------- */

/* PDPT at 0x3020 (CR3 is 32-byte aligned, not page aligned); PDPTE[1] ->
 * PD 0x4000; PD[5] -> PT 0x6000; PT[7] -> 0x9000; PD[6] -> 2 MiB at
 * 0x200000. */
static struct pw_cpu setup_pae(void)
{
	setup();
	put64(0x3020 + 1 * 8, 0x4000 | P);
	put64(0x4000 + 5 * 8, 0x6000 | P | RW | US);
	put64(0x6000 + 7 * 8, 0x9000 | P | RW);
	put64(0x4000 + 6 * 8, 0x200000 | PS | P);
	return (struct pw_cpu){ .cr0 = CR0_PG | CR0_PE, .cr3 = 0x3020,
				 .cr4 = CR4_PAE, .efer = EFER_NXE };
}

#define LAPAE(pdpte, pde, pte, off)                                        \
	(((uint64_t)(pdpte) << 30) | ((uint64_t)(pde) << 21) |            \
	 ((uint64_t)(pte) << 12) | (off))

static void pae_4k_and_2m(void)
{
	struct pw_cpu c = setup_pae();

	CHECK_TR(&c, LAPAE(1, 5, 7, 0xabc), 0x9abc);
	CHECK_TR(&c, LAPAE(1, 6, 0, 0x12345), 0x212345);
	CHECK_TR(&c, LAPAE(1, 6, 0x1ff, 0xfff), 0x3fffff);
	/* PAT (bit 12) in a 2 MiB PDE is not an address bit. */
	put64(0x4000 + 8 * 8, 0x400000 | (1ull << 12) | PS | P);
	CHECK_TR(&c, LAPAE(1, 8, 0, 0x1000), 0x401000);
	/* A 36+-bit physical address, and XD with NXE on. */
	put64(0x6000 + 8 * 8, 0x000fffff12345000ull | XD | P);
	CHECK_TR(&c, LAPAE(1, 5, 8, 0x678), 0x000fffff12345678ull);
	/* Linear bits 63:32 are dropped. */
	CHECK_TR(&c, 0xffffffff00000000ull | LAPAE(1, 5, 7, 1), 0x9001);
	/* CR3 bits 4:0 and 63:32 are not address bits. */
	c.cr3 = 0xffffffff0000303full;
	CHECK_TR(&c, LAPAE(1, 5, 7, 2), 0x9002);
}

static void pae_not_present(void)
{
	struct pw_cpu c = setup_pae();

	CHECK_FAIL(&c, LAPAE(0, 5, 7, 0), PW_NOT_PRESENT);	/* PDPTE */
	CHECK_FAIL(&c, LAPAE(3, 5, 7, 0), PW_NOT_PRESENT);
	CHECK_FAIL(&c, LAPAE(1, 4, 7, 0), PW_NOT_PRESENT);	/* PDE */
	CHECK_FAIL(&c, LAPAE(1, 5, 6, 0), PW_NOT_PRESENT);	/* PTE */
	/* Reserved bits in a not-present entry do not matter (P first). */
	put64(0x6000 + 9 * 8, ~1ull);
	CHECK_FAIL(&c, LAPAE(1, 5, 9, 0), PW_NOT_PRESENT);
}

static void pae_reserved_bits(void)
{
	struct pw_cpu c = setup_pae();
	static const uint64_t pdpte_bad[] = {
		1ull << 1, 1ull << 2, 1ull << 5, 1ull << 7, 1ull << 8,
		1ull << 52, 1ull << 62, 1ull << 63,
	};

	for (size_t i = 0; i < sizeof(pdpte_bad) / sizeof(pdpte_bad[0]);
	     i++) {
		put64(0x3020 + 2 * 8, 0x4000 | P | pdpte_bad[i]);
		CHECK_FAIL(&c, LAPAE(2, 5, 7, 0), PW_RESERVED_BIT);
	}
	/* PWT, PCD and the ignored bits 11:9 are fine in a PDPTE. */
	put64(0x3020 + 2 * 8, 0x4000 | P | 0x18 | 0xe00);
	CHECK_TR(&c, LAPAE(2, 5, 7, 0), 0x9000);

	/* PDE and PTE: bits 62:52. */
	put64(0x4000 + 9 * 8, 0x6000 | P | (1ull << 52));
	CHECK_FAIL(&c, LAPAE(1, 9, 7, 0), PW_RESERVED_BIT);
	put64(0x6000 + 10 * 8, 0xa000 | P | (1ull << 62));
	CHECK_FAIL(&c, LAPAE(1, 5, 10, 0), PW_RESERVED_BIT);
	/* 2 MiB PDE: bits 20:13. */
	put64(0x4000 + 10 * 8, 0x600000 | (1ull << 13) | PS | P);
	CHECK_FAIL(&c, LAPAE(1, 10, 0, 0), PW_RESERVED_BIT);
	put64(0x4000 + 10 * 8, 0x600000 | (1ull << 20) | PS | P);
	CHECK_FAIL(&c, LAPAE(1, 10, 0, 0), PW_RESERVED_BIT);
	/* XD without EFER.NXE is reserved, at any level. */
	put64(0x6000 + 11 * 8, 0xb000 | XD | P);
	CHECK_TR(&c, LAPAE(1, 5, 11, 0), 0xb000);
	c.efer = 0;
	CHECK_FAIL(&c, LAPAE(1, 5, 11, 0), PW_RESERVED_BIT);
	put64(0x4000 + 5 * 8, 0x6000 | P | XD);
	CHECK_FAIL(&c, LAPAE(1, 5, 7, 0), PW_RESERVED_BIT);
}

static void pae_bad_tables(void)
{
	struct pw_cpu c = setup_pae();

	c.cr3 = 0xfffff000;				/* past RAM */
	CHECK_FAIL(&c, LAPAE(1, 5, 7, 0), PW_BAD_TABLE);
	c.cr3 = RAM_SIZE - 0x20;			/* last 32 bytes */
	put64(RAM_SIZE - 0x20 + 3 * 8, 0x4000 | P);
	CHECK_TR(&c, LAPAE(3, 5, 7, 0x10), 0x9010);
	c.cr3 = 0x3020;
	put64(0x3020 + 2 * 8, 0x7ffff000 | P);		/* PD outside */
	CHECK_FAIL(&c, LAPAE(2, 0, 0, 0), PW_BAD_TABLE);
	put64(0x4000 + 11 * 8, 0x000ffffffffff000ull | P); /* PT outside */
	CHECK_FAIL(&c, LAPAE(1, 11, 0, 0), PW_BAD_TABLE);
}

/* ---- 4- and 5-level paging ---------------------------------------- */

/* PML4 0x10000; PML4[1] -> PDPT 0x11000; PDPT[2] -> PD 0x12000; PD[3] ->
 * PT 0x13000; PT[4] -> 0x7000.  PDPT[3]: 1 GiB at 0x40000000.  PD[4]:
 * 2 MiB at 0x400000.  PML4[511] -> PDPT 0x14000, PDPT[510] -> PD 0x12000
 * (the kernel's -2 GiB). */
static struct pw_cpu setup_lm(void)
{
	setup();
	put64(0x10000 + 1 * 8, 0x11000 | P | RW);
	put64(0x11000 + 2 * 8, 0x12000 | P | RW);
	put64(0x12000 + 3 * 8, 0x13000 | P | RW);
	put64(0x13000 + 4 * 8, 0x7000 | P | RW);
	put64(0x11000 + 3 * 8, 0x40000000 | PS | P);
	put64(0x12000 + 4 * 8, 0x400000 | PS | P);
	put64(0x10000 + 511 * 8, 0x14000 | P);
	put64(0x14000 + 510 * 8, 0x12000 | P);
	return (struct pw_cpu){ .cr0 = CR0_PG | CR0_PE, .cr3 = 0x10000,
				 .cr4 = CR4_PAE,
				 .efer = EFER_LME | EFER_LMA | EFER_NXE };
}

static uint64_t la4(uint64_t pml4, uint64_t pdpt, uint64_t pd, uint64_t pt,
		    uint64_t off)
{
	uint64_t la = pml4 << 39 | pdpt << 30 | pd << 21 | pt << 12 | off;

	/* Sign-extend bit 47 to make it canonical. */
	return la & (1ull << 47) ? la | 0xffff000000000000ull : la;
}

static void long_mode_4k_2m_1g(void)
{
	struct pw_cpu c = setup_lm();

	CHECK_TR(&c, la4(1, 2, 3, 4, 0x567), 0x7567);
	CHECK_TR(&c, la4(1, 3, 0, 0, 0), 0x40000000);
	CHECK_TR(&c, la4(1, 3, 0x1ff, 0x1ff, 0xfff), 0x7fffffff);
	CHECK_TR(&c, la4(1, 3, 9, 8, 7), 0x40000000 | 9 << 21 | 8 << 12 | 7);
	CHECK_TR(&c, la4(1, 2, 4, 0, 0x1234), 0x401234);
	CHECK_TR(&c, la4(1, 2, 4, 0x1ff, 0xfff), 0x5fffff);
	/* The higher half: 0xffffffff80000000 + PD[3] / PT[4]. */
	CHECK(la4(511, 510, 3, 4, 0x10) == 0xffffffff80604010ull);
	CHECK_TR(&c, 0xffffffff80604010ull, 0x7010);
	/* PAT in a 1 GiB / 2 MiB entry; XD with NXE; the bits 62:52 that
	 * 4-level paging ignores (or uses as protection keys). */
	put64(0x11000 + 4 * 8, 0x80000000 | (1ull << 12) | PS | P | XD);
	CHECK_TR(&c, la4(1, 4, 0, 0, 0x42), 0x80000042);
	put64(0x13000 + 5 * 8, 0x000ffffffffff000ull | 0x7ff0000000000000ull |
			       P);
	CHECK_TR(&c, la4(1, 2, 3, 5, 0x9), 0x000ffffffffff009ull);
	/* CR3's PCID (11:0) and bits above 51 are not address bits. */
	c.cr3 = 0xf000000000010fffull;
	CHECK_TR(&c, la4(1, 2, 3, 4, 0), 0x7000);
	/* CR4.PAE is not what selects long mode; EFER.LMA is. */
	c.cr4 = 0;
	CHECK_TR(&c, la4(1, 2, 3, 4, 0), 0x7000);
}

static void long_mode_not_present(void)
{
	struct pw_cpu c = setup_lm();

	CHECK_FAIL(&c, la4(0, 2, 3, 4, 0), PW_NOT_PRESENT);	/* PML4E */
	CHECK_FAIL(&c, la4(1, 0, 3, 4, 0), PW_NOT_PRESENT);	/* PDPTE */
	CHECK_FAIL(&c, la4(1, 2, 0, 4, 0), PW_NOT_PRESENT);	/* PDE */
	CHECK_FAIL(&c, la4(1, 2, 3, 0, 0), PW_NOT_PRESENT);	/* PTE */
	CHECK_FAIL(&c, la4(256, 0, 0, 0, 0), PW_NOT_PRESENT);
}

static void long_mode_reserved_bits(void)
{
	struct pw_cpu c = setup_lm();

	/* PS in a PML4E. */
	put64(0x10000 + 2 * 8, 0x11000 | PS | P);
	CHECK_FAIL(&c, la4(2, 2, 3, 4, 0), PW_RESERVED_BIT);
	/* 1 GiB page: bits 29:13. */
	put64(0x11000 + 5 * 8, 0x40000000 | (1ull << 13) | PS | P);
	CHECK_FAIL(&c, la4(1, 5, 0, 0, 0), PW_RESERVED_BIT);
	put64(0x11000 + 5 * 8, 0x40000000 | (1ull << 29) | PS | P);
	CHECK_FAIL(&c, la4(1, 5, 0, 0, 0), PW_RESERVED_BIT);
	/* 2 MiB page: bits 20:13. */
	put64(0x12000 + 6 * 8, 0x400000 | (1ull << 20) | PS | P);
	CHECK_FAIL(&c, la4(1, 2, 6, 0, 0), PW_RESERVED_BIT);
	put64(0x12000 + 6 * 8, 0x400000 | (1ull << 16) | PS | P);
	CHECK_FAIL(&c, la4(1, 2, 6, 0, 0), PW_RESERVED_BIT);
	/* XD without NXE, at each level. */
	c.efer &= ~EFER_NXE;
	CHECK_TR(&c, la4(1, 2, 3, 4, 0), 0x7000);
	put64(0x13000 + 4 * 8, 0x7000 | P | XD);
	CHECK_FAIL(&c, la4(1, 2, 3, 4, 0), PW_RESERVED_BIT);
	put64(0x13000 + 4 * 8, 0x7000 | P);
	put64(0x10000 + 1 * 8, 0x11000 | P | XD);
	CHECK_FAIL(&c, la4(1, 2, 3, 4, 0), PW_RESERVED_BIT);
	c.efer |= EFER_NXE;
	CHECK_TR(&c, la4(1, 2, 3, 4, 0), 0x7000);
	/* PS in a PTE is PAT, not a page size. */
	put64(0x13000 + 6 * 8, 0x8000 | PS | P);
	CHECK_TR(&c, la4(1, 2, 3, 6, 1), 0x8001);
}

static void long_mode_noncanonical(void)
{
	struct pw_cpu c = setup_lm();
	static const uint64_t bad[] = {
		0x0000800000000000ull, 0xffff7fffffffffffull,
		0x8000000000000000ull, 0x7fffffffffffffffull,
		0x0001000000000000ull, 0xfffe800000000000ull,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_FAIL(&c, bad[i], PW_NONCANONICAL);
	/* The edges of both halves are canonical (just not mapped). */
	CHECK_FAIL(&c, 0x00007fffffffffffull, PW_NOT_PRESENT);
	CHECK_FAIL(&c, 0xffff800000000000ull, PW_NOT_PRESENT);
	/* Outside long mode the same address is just truncated. */
	c.efer = 0;
	c.cr0 = 0;
	CHECK_TR(&c, 0x8000000000001234ull, 0x1234);
}

static void five_level(void)
{
	struct pw_cpu c = setup_lm();

	/* PML5 at 0x15000: PML5[0] -> the PML4 at 0x10000, PML5[1] -> a
	 * PML4 at 0x16000 mapping 1 GiB at PDPT 0x11000[3]. */
	put64(0x15000, 0x10000 | P);
	put64(0x15000 + 8, 0x16000 | P);
	put64(0x16000, 0x11000 | P);
	c.cr3 = 0x15000;
	c.cr4 |= CR4_LA57;
	CHECK_TR(&c, la4(1, 2, 3, 4, 0x5), 0x7005);
	/* Bit 47 is an address bit now, not a sign. */
	CHECK_TR(&c, (1ull << 48) | (3ull << 30) | 0x77, 0x40000077);
	CHECK_FAIL(&c, 0x0000800000000000ull, PW_NOT_PRESENT);
	CHECK_FAIL(&c, 0x0100000000000000ull, PW_NONCANONICAL);
	CHECK_FAIL(&c, 0xfeffffffffffffffull, PW_NONCANONICAL);
	CHECK_FAIL(&c, 0xff00000000000000ull, PW_NOT_PRESENT);
	/* PS in a PML5E is reserved. */
	put64(0x15000 + 2 * 8, 0x10000 | PS | P);
	CHECK_FAIL(&c, 2ull << 48, PW_RESERVED_BIT);
	/* Not present at level 5. */
	CHECK_FAIL(&c, 3ull << 48, PW_NOT_PRESENT);
}

static void long_mode_bad_tables(void)
{
	struct pw_cpu c = setup_lm();

	c.cr3 = RAM_SIZE;				/* just past RAM */
	CHECK_FAIL(&c, la4(1, 2, 3, 4, 0), PW_BAD_TABLE);
	c.cr3 = 0x000ffffffffff000ull;			/* top of 52 bits */
	CHECK_FAIL(&c, la4(511, 511, 511, 511, 0), PW_BAD_TABLE);
	c.cr3 = 0x10000;
	/* An entry at each level pointing outside RAM. */
	put64(0x10000 + 3 * 8, 0x000ffffffffff000ull | P);
	CHECK_FAIL(&c, la4(3, 511, 511, 511, 0), PW_BAD_TABLE);
	put64(0x11000 + 6 * 8, 0x80000000 | P);
	CHECK_FAIL(&c, la4(1, 6, 0, 0, 0), PW_BAD_TABLE);
	put64(0x12000 + 7 * 8, RAM_SIZE | P);
	CHECK_FAIL(&c, la4(1, 2, 7, 0, 0), PW_BAD_TABLE);
	/* A leaf outside RAM is fine: that is the gpa, maybe MMIO. */
	put64(0x13000 + 8 * 8, 0xfee00000 | P);
	CHECK_TR(&c, la4(1, 2, 3, 8, 0x30), 0xfee00030);
	/* A table that points to itself (a recursive mapping) still ends
	 * after four reads: the PML4 itself is the final page. */
	put64(0x10000 + 4 * 8, 0x10000 | P);
	CHECK_TR(&c, la4(4, 4, 4, 4, 0x10), 0x10010);
}

/* ---- pw_fetch ---------------------------------------------------- */

static void fetch_across_page_boundary(void)
{
	struct pw_cpu c = setup_lm();
	uint64_t la = la4(1, 2, 3, 4, 0xff8);	/* -> 0x7ff8 */
	uint8_t buf[16], want[15];

	/* The next linear page maps to an unrelated frame. */
	put64(0x13000 + 5 * 8, 0x5000 | P);
	for (int i = 0; i < 8; i++)
		ram[0x7ff8 + i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 7; i++)
		ram[0x5000 + i] = (uint8_t)(0xb0 + i);
	ram[0x8000] = 0xee;			/* physically next: wrong */
	for (int i = 0; i < 15; i++)
		want[i] = (uint8_t)(i < 8 ? 0xa0 + i : 0xb0 + i - 8);

	memset(buf, 0, sizeof(buf));
	CHECK(pw_fetch(&g, &c, la, buf, 15) == 15);
	CHECK(!memcmp(buf, want, 15));
	CHECK(buf[15] == 0);

	/* Second page not present: only the first page's bytes. */
	put64(0x13000 + 5 * 8, 0);
	memset(buf, 0, sizeof(buf));
	CHECK(pw_fetch(&g, &c, la, buf, 15) == 8);
	CHECK(!memcmp(buf, want, 8));
	CHECK(buf[8] == 0);

	/* First page not present: nothing. */
	CHECK(pw_fetch(&g, &c, la4(1, 2, 3, 5, 0), buf, 15) == 0);
	/* Wholly inside one page; and n == 0. */
	CHECK(pw_fetch(&g, &c, la4(1, 2, 3, 4, 0xff8), buf, 4) == 4);
	CHECK(!memcmp(buf, want, 4));
	CHECK(pw_fetch(&g, &c, la, buf, 0) == 0);
	/* Non-canonical: nothing, and no page walk. */
	CHECK(pw_fetch(&g, &c, 0x0000800000000000ull, buf, 15) == 0);
	/* Running into the non-canonical hole stops at its edge. */
	put64(0x10000 + 255 * 8, 0x11000 | P);
	put64(0x11000 + 511 * 8, 0x40000000 | PS | P);	/* not RAM */
	CHECK(pw_fetch(&g, &c, 0x00007ffffffffffcull, buf, 15) == 0);
	put64(0x11000 + 511 * 8, 0x12000 | P);
	put64(0x12000 + 511 * 8, 0x13000 | P);
	put64(0x13000 + 511 * 8, 0x7000 | P);
	CHECK(pw_fetch(&g, &c, 0x00007ffffffffffcull, buf, 15) == 4);
	CHECK(!memcmp(buf, want + 4, 4));
}

static void fetch_stops_where_ram_ends(void)
{
	struct pw_cpu c = setup_lm();
	uint8_t buf[16];

	/* A page whose frame is the last RAM page, then one past RAM. */
	put64(0x13000 + 9 * 8, (RAM_SIZE - 0x1000) | P);
	put64(0x13000 + 10 * 8, RAM_SIZE | P);
	memset(ram + RAM_SIZE - 4, 0x5a, 4);
	CHECK(pw_fetch(&g, &c, la4(1, 2, 3, 9, 0xffc), buf, 15) == 4);
	CHECK(buf[0] == 0x5a && buf[3] == 0x5a);
	CHECK(pw_fetch(&g, &c, la4(1, 2, 3, 10, 0), buf, 15) == 0);
}

static void fetch_ram_ending_mid_page(void)
{
	struct pw_cpu c = { .cr0 = 0 };
	uint8_t *small = calloc(1, 0x1800);
	uint8_t buf[16];

	setup();
	/* A second region that ends half-way into a page. */
	CHECK(gmem_add(&g, 0x400000, 0x1800, small) == 0);
	memset(small + 0x17f8, 0x3c, 8);
	CHECK(pw_fetch(&g, &c, 0x4017f8, buf, 15) == 8);
	CHECK(buf[0] == 0x3c && buf[7] == 0x3c);
	free(small);
}

static void fetch_32bit_wraps_at_4g(void)
{
	struct pw_cpu c = setup32();
	uint8_t buf[8];

	/* 0xfffff000 -> 0x8000 and 0x00000000 -> 0x9000. */
	put32(0x1000 + 1023 * 4, 0x3000 | P);
	put32(0x3000 + 1023 * 4, 0x8000 | P);
	put32(0x1000 + 0 * 4, 0x4000 | P);
	put32(0x4000 + 0 * 4, 0x9000 | P);
	memcpy(ram + 0x8ffc, "\x01\x02\x03\x04", 4);
	memcpy(ram + 0x9000, "\x05\x06\x07\x08", 4);
	CHECK(pw_fetch(&g, &c, 0xfffffffc, buf, 8) == 8);
	CHECK(!memcmp(buf, "\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

/* Outside long mode the fetch starts at CS base + EIP, 32 bits wide; in
 * long mode at RIP, whatever the base. */
static void fetch_insn_adds_cs_base_outside_long_mode(void)
{
	struct pw_cpu c = { .cr0 = CR0_PE };
	uint8_t buf[4];

	setup();
	memcpy(ram + 0x7c00, "\x0f\xa2\xf4\x90", 4);
	CHECK(pw_fetch_insn(&g, &c, 32, 0x7000, 0xc00, buf, 4) == 4);
	CHECK(!memcmp(buf, "\x0f\xa2\xf4\x90", 4));
	CHECK(pw_fetch_insn(&g, &c, 16, 0x100007000ull, 0xc00, buf, 2) == 2);
	CHECK(!memcmp(buf, "\x0f\xa2", 2));
	/* The sum wraps at 4 GiB. */
	CHECK(pw_fetch_insn(&g, &c, 32, 0xffffff00u, 0x7d00, buf, 1) == 1);
	CHECK(buf[0] == 0x0f);
}

static void fetch_pae_and_paging_off(void)
{
	struct pw_cpu c = setup_pae();
	static uint8_t big[3 * 4096 + 10];

	/* PAE: the last 4 KiB page under PD[5], then PD[6] made a 2 MiB
	 * page at frame 0. */
	put64(0x6000 + 0x1ff * 8, 0xc000 | P);
	put64(0x4000 + 6 * 8, 0x000000 | PS | P);
	memcpy(ram + 0xcffe, "\x11\x22", 2);
	memcpy(ram + 0x0, "\x33\x44\x55", 3);
	{
		uint8_t buf[5];

		CHECK(pw_fetch(&g, &c, LAPAE(1, 5, 0x1ff, 0xffe), buf, 5) ==
		      5);
		CHECK(!memcmp(buf, "\x11\x22\x33\x44\x55", 5));
	}

	/* Paging off: a fetch longer than two pages. */
	c.cr0 = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		ram[0x10ff0 + i] = (uint8_t)(i * 7);
	memset(big, 0, sizeof(big));
	CHECK(pw_fetch(&g, &c, 0x10ff0, big, sizeof(big)) == sizeof(big));
	CHECK(!memcmp(big, ram + 0x10ff0, sizeof(big)));
	/* Running off the end of RAM. */
	CHECK(pw_fetch(&g, &c, RAM_SIZE - 3, big, 15) == 3);
}

/* ---- the memo ------------------------------------------------------ */

/* pw_fetch_insn_memo and pw_fetch_insn agree, count and bytes, and the
 * memo writes nothing past the n bytes asked for. */
static size_t both(struct pw_memo *m, const struct pw_cpu *c, int mode,
		   uint64_t la, uint8_t *buf, size_t n)
{
	uint8_t want[32], got_buf[32];
	size_t w = pw_fetch_insn(&g, c, mode, 0, la, want, n);
	size_t got;

	memset(got_buf, 0xcc, sizeof(got_buf));
	got = pw_fetch_insn_memo(m, &g, c, mode, 0, la, got_buf, n);
	CHECK(got == w);
	CHECK(!memcmp(got_buf, want, w));
	for (size_t i = n; i < sizeof(got_buf); i++)
		CHECK(got_buf[i] == 0xcc);
	memcpy(buf, got_buf, n);
	return got;
}

/* The same code page again: no walk, the same bytes; then every input
 * the walk depended on, changed one at a time, is noticed. */
static void memo_hits_and_notices_changes(void)
{
	static struct pw_memo m;
	struct pw_cpu c = setup_lm();
	uint64_t la = la4(1, 2, 3, 4, 0x100);
	uint8_t buf[16];

	memcpy(ram + 0x7100, "\x8b\x04\x25\x30\x00\xe0\xfe", 7);
	memcpy(ram + 0x9100, "\x89\x04\x25\x30\x00\xe0\xfe", 7);
	CHECK(both(&m, &c, 64, la, buf, 15) == 15 && buf[0] == 0x8b);
	CHECK(m.hits == 0 && m.misses == 1);
	CHECK(both(&m, &c, 64, la, buf, 15) == 15 && buf[0] == 0x8b);
	CHECK(both(&m, &c, 64, la + 8, buf, 15) == 15); /* same page */
	CHECK(m.hits == 2);
	/* The bytes themselves are read anew each time. */
	ram[0x7100] = 0x8a;
	CHECK(both(&m, &c, 64, la, buf, 15) == 15 && buf[0] == 0x8a);
	CHECK(m.hits == 3);
	ram[0x7100] = 0x8b;

	/* The PTE now points elsewhere. */
	put64(0x13000 + 4 * 8, 0x9000 | P | RW);
	CHECK(both(&m, &c, 64, la, buf, 15) == 15 && buf[0] == 0x89);
	CHECK(m.hits == 3);
	CHECK(both(&m, &c, 64, la, buf, 15) == 15 && buf[0] == 0x89);
	CHECK(m.hits == 4);
	/* A change high up (the PML4 entry's flags only): still noticed,
	 * though this one does not move the page. */
	put64(0x10000 + 1 * 8, 0x11000 | P | RW | A);
	CHECK(both(&m, &c, 64, la, buf, 15) == 15);
	CHECK(m.hits == 4);
	/* Not present any more: nothing fetched, and nothing kept. */
	put64(0x12000 + 3 * 8, 0);
	CHECK(both(&m, &c, 64, la, buf, 15) == 0);
	CHECK(both(&m, &c, 64, la, buf, 15) == 0);
	CHECK(m.hits == 4);
	put64(0x12000 + 3 * 8, 0x13000 | P | RW);

	/* Another CR3 with the same tables at another place. */
	CHECK(both(&m, &c, 64, la, buf, 15) == 15);
	memcpy(ram + 0x20000, ram + 0x10000, 4096);
	c.cr3 = 0x20000;
	uint64_t hits = m.hits;

	CHECK(both(&m, &c, 64, la, buf, 15) == 15 && buf[0] == 0x89);
	CHECK(m.hits == hits);
	/* XD set in the PTE: a reserved bit without EFER.NXE. */
	put64(0x13000 + 4 * 8, 0x9000 | P | RW | XD);
	CHECK(both(&m, &c, 64, la, buf, 15) == 15);
	c.efer &= ~EFER_NXE;
	CHECK(both(&m, &c, 64, la, buf, 15) == 0);
	c.efer |= EFER_NXE;
	CHECK(both(&m, &c, 64, la, buf, 15) == 15);
}

/* Large pages are remembered too; a fetch over a page boundary, a code
 * page not wholly RAM and paging outside long mode walk as before. */
static void memo_large_pages_and_fallbacks(void)
{
	static struct pw_memo m;
	struct pw_cpu c = setup_lm();
	uint8_t buf[16];

	/* A 2 MiB page at frame 0 (PD entry 5 under PDPT entry 2). */
	put64(0x12000 + 5 * 8, 0x000000 | PS | P);
	ram[0x1234] = 0x42;
	CHECK(both(&m, &c, 64, la4(1, 2, 5, 1, 0x234), buf, 15) == 15);
	CHECK(both(&m, &c, 64, la4(1, 2, 5, 1, 0x234), buf, 15) == 15);
	CHECK(buf[0] == 0x42 && m.hits == 1);
	/* Across a page boundary, to a frame that is not the next. */
	put64(0x13000 + 5 * 8, 0x5000 | P);
	memset(ram + 0x5000, 0x77, 16);
	memset(ram + 0x8000, 0xee, 16);
	CHECK(both(&m, &c, 64, la4(1, 2, 3, 4, 0xff8), buf, 15) == 15);
	CHECK(both(&m, &c, 64, la4(1, 2, 3, 4, 0xff8), buf, 15) == 15);
	/* The last RAM page, half of it past RAM's end via a 2 MiB page
	 * at the top of RAM's frame: only what is RAM. */
	put64(0x13000 + 9 * 8, (RAM_SIZE - 0x1000) | P);
	CHECK(both(&m, &c, 64, la4(1, 2, 3, 9, 0xffc), buf, 4) == 4);
	CHECK(both(&m, &c, 64, la4(1, 2, 3, 9, 0xffc), buf, 15) == 4);
	/* Compatibility mode: the 32-bit linear address, memo or not. */
	both(&m, &c, 32, la4(1, 2, 3, 4, 0x100), buf, 4);
	/* PAE and 32-bit paging: no memo, the plain walk. */
	uint64_t hits = m.hits, misses = m.misses;
	struct pw_cpu pae = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x10000,
			      .cr4 = CR4_PAE };

	both(&m, &pae, 32, 0x1000, buf, 15);
	CHECK(m.hits == hits && m.misses == misses);
}

/* Random tables and control registers, rewritten as it goes: the memo
 * never disagrees with the walk. */
static uint64_t rnd(void)
{
	static uint64_t x = 0x13198a2e03707344ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void memo_random(void)
{
	static struct pw_memo m;
	uint8_t buf[16];

	setup();
	for (size_t i = 0; i < 16 * 4096 / 8; i++) {
		/* Tables in the first 64 KiB, pointing into it; now and
		 * then a large page or an XD bit. */
		uint64_t e = (rnd() & 0xf000) | P | (rnd() & (RW | A));

		if (!(rnd() & 7))
			e |= PS;
		if (!(rnd() & 15))
			e |= XD;
		memcpy(ram + i * 8, &e, 8);
	}
	for (unsigned iter = 0; iter < 200000; iter++) {
		struct pw_cpu c = { .cr0 = CR0_PG | CR0_PE,
				    .cr3 = (rnd() & 1) * 0x1000,
				    .cr4 = CR4_PAE,
				    .efer = EFER_LME | EFER_LMA | EFER_NXE };
		uint64_t la = (rnd() & 1) << 39 | (rnd() & 1) << 30
			      | (rnd() & 1) << 21 | (rnd() & 1) << 12
			      | (rnd() & 0xfff);

		if (!(rnd() & 31)) /* now and then another mode */
			c.efer &= ~EFER_NXE;
		if (!(rnd() & 7)) { /* the guest rewrites an entry */
			uint64_t e = (rnd() & 0xf000) | P | (rnd() & PS);

			memcpy(ram + (rnd() & 0xfff8), &e, 8);
		}
		both(&m, &c, 64, la, buf, (size_t)(rnd() % 16));
	}
	printf("#   memo: %lu hits, %lu misses\n", (unsigned long)m.hits,
	       (unsigned long)m.misses);
	CHECK(m.hits > 1000 && m.misses > 1000);
}

/* ---- hostile tables ----------------------------------------------- */

/* Random tables, control registers and addresses: every walk ends in one
 * of the results, never reads outside RAM (ASan), and a success in long
 * mode only happens for a canonical address. */
static void random_tables(void)
{
	uint64_t x = 0x243f6a8885a308d3ull;
	unsigned ok = 0, bad = 0;

	setup();
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	for (size_t i = 0; i < RAM_SIZE / 8; i++) {
		uint64_t e = RND();

		/* Keep most pointers inside RAM so walks go deep. */
		if (e & 2)
			e = (e & ~0x000ffffffffff000ull) | (e & 0x1ff000);
		if (e & 4)
			e &= ~0xfff0000000000000ull;
		e |= P;
		memcpy(ram + i * 8, &e, 8);
	}
	for (unsigned iter = 0; iter < 200000; iter++) {
		struct pw_cpu c;
		uint64_t la = RND(), gpa = 0;
		enum pw_result r;

		c.cr0 = RND() | CR0_PG;
		c.cr3 = RND();
		if (iter & 1)
			c.cr3 &= 0x1fffff;
		c.cr4 = RND();
		c.efer = RND();
		if (iter & 2)	/* make it canonical for 4-level */
			la = la & (1ull << 47) ? la | 0xffff000000000000ull
					       : la & 0x0000ffffffffffffull;
		r = pw_translate(&g, &c, la, &gpa);
		CHECK(r == PW_OK || r == PW_NOT_PRESENT ||
		      r == PW_RESERVED_BIT || r == PW_BAD_TABLE ||
		      r == PW_NONCANONICAL);
		if (r == PW_OK) {
			ok++;
			CHECK((gpa & 0xfff) == (la & 0xfff));
			CHECK(gpa < (1ull << 52));
		}
		if (r == PW_BAD_TABLE)
			bad++;
	}
#undef RND
	CHECK(ok > 100);
	CHECK(bad > 100);
}

int main(void)
{
	RUN(paging_off_is_identity);
	RUN(paging32_4k);
	RUN(paging32_not_present);
	RUN(paging32_4m_pages);
	RUN(paging32_ps_ignored_without_pse);
	RUN(paging32_bad_tables);
	RUN(pae_4k_and_2m);
	RUN(pae_not_present);
	RUN(pae_reserved_bits);
	RUN(pae_bad_tables);
	RUN(long_mode_4k_2m_1g);
	RUN(long_mode_not_present);
	RUN(long_mode_reserved_bits);
	RUN(long_mode_noncanonical);
	RUN(five_level);
	RUN(long_mode_bad_tables);
	RUN(fetch_across_page_boundary);
	RUN(fetch_stops_where_ram_ends);
	RUN(fetch_ram_ending_mid_page);
	RUN(fetch_32bit_wraps_at_4g);
	RUN(fetch_insn_adds_cs_base_outside_long_mode);
	RUN(fetch_pae_and_paging_off);
	RUN(random_tables);
	RUN(memo_hits_and_notices_changes);
	RUN(memo_large_pages_and_fallbacks);
	RUN(memo_random);
	free(ram);
	return CHECK_DONE();
}
