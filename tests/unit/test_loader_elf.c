/* Host tests for the guest kernel loader's ELF vmlinux path
 * (hv/guest/loader.c): segments, the entry point, the page tables it
 * builds, and the files it refuses.
 *
 * The kernels are built in memory by tests/support/loader_fixture.c, whose
 * helpers write valid headers field by field; each rejection test starts
 * from a valid file and breaks one thing.  Boot_params fields are checked
 * at the offsets that Documentation/arch/x86/boot.rst and zero-page.rst
 * give, written out as literals rather than taken from the loader, so a
 * wrong offset there cannot hide behind the same wrong offset here.
 *
 * Guest memory is two or more malloc'd blocks of exactly the region size,
 * so ASan catches any write past a region; every block starts filled with
 * POISON, which also shows what the loader wrote and that a refused load
 * wrote nothing.
 */
#include "tests/support/check.h"
#include "tests/support/loader_fixture.h"

#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * ELF
 */
static void elf_loads_segments_and_builds_page_tables(void)
{
	struct guest gu;
	size_t n, ilen = 5000;
	uint8_t *k = elf_default(&n), *initrd = malloc(ilen), *bp;
	struct boot_regs r;
	struct loader_args a;

	memset(initrd, 0x5e, ilen);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	a.initrd = initrd;
	a.initrd_len = ilen;
	EXPECT_OK(&gu, &a, &r);

	CHECK(r.mode == 64);
	CHECK(r.rip == 0x1000000);
	CHECK(r.rsi == 0x7000);
	CHECK(r.rsp == 0x20000);
	CHECK(r.cr3 == 0x9000);
	CHECK(r.kernel_start == 0x1000000 && r.kernel_end == 0x2001000);

	/* Segment 0: file bytes, then zeroed bss, then untouched. */
	CHECK(memcmp(gp(&gu, 0x1000000, 0x3000), k + 0x1000, 0x3000) == 0);
	CHECK(all_bytes(gp(&gu, 0x1003000, 0x2000), 0x2000, 0));
	CHECK(*gp(&gu, 0x1005000, 1) == POISON);
	CHECK(*gp(&gu, 0xffffff, 1) == POISON);
	/* The PT_NOTE is not loaded (its p_paddr 0 would be boot_params'
	 * neighbour); segment 2 is. */
	CHECK(memcmp(gp(&gu, 0x2000000, 0x1000), k + 0x4000, 0x1000) == 0);
	CHECK(*gp(&gu, 0x2001000, 1) == POISON);
	CHECK(all_bytes(gp(&gu, 0, 0x7000), 0x7000, POISON));

	check_page_tables(&gu);

	bp = bootp(&gu);
	CHECK(all_bytes(bp, 0x70, 0));
	CHECK(r64(bp + 0x70) == RSDP);
	check_e820(bp, gu.e820, gu.ne);
	CHECK(bp[0x1f1] == 0);
	CHECK(r16(bp + 0x1fe) == 0xaa55);
	CHECK(memcmp(bp + 0x202, "HdrS", 4) == 0);
	CHECK(r16(bp + 0x206) == 0x020f);
	CHECK(bp[0x210] == 0xff);
	CHECK(bp[0x211] == 0x01);
	CHECK(r32(bp + 0x214) == 0);
	CHECK(r32(bp + 0x218) == r.initrd_addr);
	CHECK(r32(bp + 0x21c) == ilen);
	CHECK(r32(bp + 0x228) == 0x8000);
	CHECK(r32(bp + 0x238) == 2047);
	CHECK(r64(bp + 0x250) == 0);
	CHECK(r.initrd_addr == ((64 * MiB - ilen) & ~0xfffull));
	CHECK(memcmp(gp(&gu, r.initrd_addr, ilen), initrd, ilen) == 0);
	check_cmdline(&gu, CMDLINE);
	guest_free(&gu);
	free(k);
	free(initrd);
}

static void elf_virtual_entry_is_translated(void)
{
	struct guest gu;
	uint8_t *k = elf_build(elf_segs, 3, KVIRT + 0x1000200, ELF_LEN);
	struct boot_regs r;
	struct loader_args a;

	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, ELF_LEN);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.rip == 0x1000200);
	free(k);

	/* In the second segment, through its own p_vaddr - p_paddr. */
	guest_repoison(&gu);
	k = elf_build(elf_segs, 3, KVIRT + 0x2000ff0, ELF_LEN);
	a = args(&gu, k, ELF_LEN);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.rip == 0x2000ff0);
	free(k);

	/* Nowhere: refused. */
	guest_repoison(&gu);
	k = elf_build(elf_segs, 3, 0x500000, ELF_LEN);
	a = args(&gu, k, ELF_LEN);
	EXPECT_FAIL(&gu, &a, "ELF: entry point 0x500000 is not inside any "
			     "loaded segment");
	free(k);
	k = elf_build(elf_segs, 3, KVIRT + 0x2001000, ELF_LEN);
	a = args(&gu, k, ELF_LEN);
	EXPECT_FAIL(&gu, &a, "ELF: entry point 0xffffffff82001000 is not "
			     "inside any loaded segment");
	free(k);
	guest_free(&gu);
}

static void elf_rejections(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k;
	struct loader_args a;

	guest_std(&gu, 64 * MiB);

#define ELF_FAIL(patch, msg)                                                 \
	do {                                                                 \
		k = elf_default(&n);                                         \
		patch;                                                       \
		a = args(&gu, k, n);                                         \
		EXPECT_FAIL(&gu, &a, msg);                                   \
		free(k);                                                     \
	} while (0)

	ELF_FAIL(k[4] = 1, "ELF: 32-bit file (ELFCLASS32); only ELF64 "
			   "kernels are supported");
	ELF_FAIL(k[4] = 7, "ELF: unknown class 7; only ELF64 kernels are "
			   "supported");
	ELF_FAIL(k[5] = 2, "ELF: data encoding 2 is not little-endian "
			   "(ELFDATA2LSB)");
	ELF_FAIL(k[6] = 0, "ELF: e_ident version 0 is not EV_CURRENT (1)");
	ELF_FAIL(w16(k + 16, 3), "ELF: type 3 is not ET_EXEC (2)");
	ELF_FAIL(w16(k + 18, 3), "ELF: machine 3 is not x86-64 (62)");
	ELF_FAIL(w16(k + 18, 183), "ELF: machine 183 is not x86-64 (62)");
	ELF_FAIL(w32(k + 20, 0), "ELF: version 0 is not EV_CURRENT (1)");
	ELF_FAIL(w16(k + 54, 32), "ELF: e_phentsize 32, expected 56");
	ELF_FAIL(w16(k + 56, 0), "ELF: no program headers");
	ELF_FAIL(w16(k + 56, 33), "ELF: 33 program headers, at most 32 are "
				  "accepted");
	ELF_FAIL(w16(k + 56, 0xffff), "ELF: 65535 program headers, at most 32 "
				      "are accepted");
	ELF_FAIL(w64(k + 32, 0x4fa0), "ELF: program headers at 0x4fa0 (3 x 56 "
				      "bytes) run past the end of the file "
				      "(20480 bytes)");
	ELF_FAIL(w64(k + 32, UINT64_MAX), "ELF: program headers at "
					  "0xffffffffffffffff (3 x 56 bytes) "
					  "run past the end of the file (20480 "
					  "bytes)");
	ELF_FAIL(w64(ph(k, 0, 32), 0x6000),
		 "ELF: segment 0 has p_filesz 0x6000 larger than p_memsz "
		 "0x5000");
	ELF_FAIL((w64(ph(k, 2, 32), 0x2000), w64(ph(k, 2, 40), 0x2000)),
		 "ELF: segment 2 file bytes 0x4000+0x2000 run past the end of "
		 "the file (20480 bytes)");
	ELF_FAIL(w64(ph(k, 2, 8), 0xfffffffffffff000ull),
		 "ELF: segment 2 file bytes 0xfffffffffffff000+0x1000 run past "
		 "the end of the file (20480 bytes)");
	ELF_FAIL(w64(ph(k, 2, 8), 0x5001),
		 "ELF: segment 2 file bytes 0x5001+0x1000 run past the end of "
		 "the file (20480 bytes)");
	ELF_FAIL((w64(ph(k, 2, 24), 0xfffffffffffff000ull),
		  w64(ph(k, 2, 40), 0x2000)),
		 "ELF: segment 2 [0xfffffffffffff000, +0x2000) wraps around "
		 "the address space");
	ELF_FAIL(w64(ph(k, 0, 40), 0x3400000),
		 "ELF: segment 0 [0x1000000, 0x4400000) is outside guest RAM");
	ELF_FAIL(w64(ph(k, 2, 24), 0x4000000),
		 "ELF: segment 2 [0x4000000, 0x4001000) is outside guest RAM");
	ELF_FAIL(w64(ph(k, 0, 24), 0x8000),
		 "ELF: segment 0 [0x8000, 0xd000) overlaps the boot area below "
		 "0x100000");
	ELF_FAIL(w64(ph(k, 0, 24), 0xa0000),
		 "ELF: segment 0 [0xa0000, 0xa5000) overlaps the boot area "
		 "below 0x100000");
	ELF_FAIL((w32(ph(k, 0, 0), 4), w32(ph(k, 2, 0), 6)),
		 "ELF: no PT_LOAD segment with memory to load");
	ELF_FAIL((w64(ph(k, 0, 32), 0), w64(ph(k, 0, 40), 0),
		  w32(ph(k, 2, 0), 6)),
		 "ELF: no PT_LOAD segment with memory to load");
#undef ELF_FAIL
	guest_free(&gu);
}

static void elf_segment_at_ram_end_fits(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k = elf_default(&n);
	struct boot_regs r;
	struct loader_args a;

	/* Last byte of segment 2 is the last byte of RAM: accepted.  One
	 * page higher: refused (the previous test's outside-RAM case). */
	guest_std(&gu, 64 * MiB);
	w64(ph(k, 2, 24), 64 * MiB - 0x1000);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.kernel_end == 64 * MiB);
	CHECK(memcmp(gp(&gu, 64 * MiB - 0x1000, 0x1000), k + 0x4000,
		     0x1000) == 0);
	guest_repoison(&gu);
	w64(ph(k, 2, 24), 64 * MiB - 0xfff);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "ELF: segment 2 [0x3fff001, 0x4000001) is outside "
			     "guest RAM");
	guest_free(&gu);
	free(k);
}

static void elf_rejects_ram_hole_and_high_segments(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k = elf_default(&n);
	struct loader_args a;

	/* A hole at [16M, 20M), where segment 0 goes. */
	guest_empty(&gu);
	guest_region(&gu, 0, GUEST_LOW_RAM_END, true);
	guest_region(&gu, MiB, 15 * MiB, true);
	guest_region(&gu, 20 * MiB, 44 * MiB, true);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "ELF: segment 0 [0x1000000, 0x1005000) is outside "
			     "guest RAM");
	guest_free(&gu);

	/* RAM above 4 GiB exists, but the entry page tables stop there. */
	guest_std(&gu, 64 * MiB);
	guest_region(&gu, 0x100000000ull, 2 * MiB, true);
	w64(ph(k, 2, 24), 0x100000000ull);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "ELF: segment 2 [0x100000000, 0x100001000) lies "
			     "above the 4 GiB identity map");
	guest_free(&gu);
	free(k);
}

static void elf_segments_may_span_adjacent_regions(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k = elf_default(&n);
	struct boot_regs r;
	struct loader_args a;

	/* Two regions meet at 0x1002000 (inside segment 0's file bytes) and
	 * 0x1004000 (inside its bss): RAM all the same, copied and zeroed
	 * piecewise. */
	guest_empty(&gu);
	guest_region(&gu, 0, GUEST_LOW_RAM_END, true);
	guest_region(&gu, MiB, 0x1002000 - MiB, true);
	guest_region(&gu, 0x1002000, 0x2000, true);
	guest_region(&gu, 0x1004000, 64 * MiB - 0x1004000, true);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(memcmp(gp(&gu, 0x1000000, 0x2000), k + 0x1000, 0x2000) == 0);
	CHECK(memcmp(gp(&gu, 0x1002000, 0x1000), k + 0x3000, 0x1000) == 0);
	CHECK(all_bytes(gp(&gu, 0x1003000, 0x1000), 0x1000, 0));
	CHECK(all_bytes(gp(&gu, 0x1004000, 0x1000), 0x1000, 0));
	CHECK(*gp(&gu, 0x1005000, 1) == POISON);
	CHECK(*gp(&gu, 0x1002fff, 1) == k[0x3fff]);
	guest_free(&gu);
	free(k);
}

static void elf_truncated_at_every_length(void)
{
	struct guest gu;
	size_t full;
	uint8_t *k = elf_default(&full);
	struct boot_regs r;
	char err[256], want[256];
	unsigned bad = 0;

	guest_std(&gu, 64 * MiB);
	for (size_t len = 0; len < full;
	     len = len < 0x200 || (len >= 0x3f00 && len < 0x4100) ||
			   len >= full - 2 ? len + 1 :
					     min_sz(len + 31, full - 2)) {
		struct loader_args a = args(&gu, k, len);
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, k, len);
		a.kernel = copy;
		if (loader_load(&gu.g, &a, &r, err, sizeof(err)) != -1) {
			bad++;
			free(copy);
			continue;
		}
		if (len == 0)
			snprintf(want, sizeof(want), "kernel: file is empty");
		else if (len < 4)
			snprintf(want, sizeof(want), "kernel: found unknown "
				 "data, not a bzImage or an ELF vmlinux (first "
				 "bytes: %s)", len == 1 ? "7f" : len == 2 ?
				 "7f 45" : "7f 45 4c");
		else if (len < 64)
			snprintf(want, sizeof(want), "ELF: file is %zu bytes, "
				 "shorter than the 64-byte ELF64 header", len);
		else if (len < 64 + 3 * 56)
			snprintf(want, sizeof(want), "ELF: program headers at "
				 "0x40 (3 x 56 bytes) run past the end of the "
				 "file (%zu bytes)", len);
		else if (len < 0x4000)
			snprintf(want, sizeof(want), "ELF: segment 0 file "
				 "bytes 0x1000+0x3000 run past the end of the "
				 "file (%zu bytes)", len);
		else
			snprintf(want, sizeof(want), "ELF: segment 2 file "
				 "bytes 0x4000+0x1000 run past the end of the "
				 "file (%zu bytes)", len);
		if (strcmp(err, want) && bad++ < 5)
			printf("#   length %zu: \"%s\"\n", len, err);
		free(copy);
	}
	CHECK(bad == 0);
	CHECK(untouched(&gu));
	guest_free(&gu);
	free(k);
}

int main(void)
{
	RUN(elf_loads_segments_and_builds_page_tables);
	RUN(elf_virtual_entry_is_translated);
	RUN(elf_rejections);
	RUN(elf_segment_at_ram_end_fits);
	RUN(elf_rejects_ram_hole_and_high_segments);
	RUN(elf_segments_may_span_adjacent_regions);
	RUN(elf_truncated_at_every_length);
	return CHECK_DONE();
}
