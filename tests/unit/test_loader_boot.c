/* Host tests for what the guest kernel loader (hv/guest/loader.c) puts
 * beside the kernel: the command line, the initrd, the e820 map in
 * boot_params, and the boot area they need.
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
 * Command line
 */
static void cmdline_limits(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k;
	struct boot_regs r;
	struct loader_args a;
	char line[5000];

	guest_std(&gu, 64 * MiB);
	o.cmdline_size = 100;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);

	/* cmdline_size counts characters without the NUL. */
	memset(line, 'x', 101);
	line[101] = '\0';
	a.cmdline = line;
	EXPECT_FAIL(&gu, &a, "command line is longer than 100 bytes, the most "
			     "this kernel accepts");
	line[100] = '\0';
	EXPECT_OK(&gu, &a, &r);
	check_cmdline(&gu, line);
	CHECK(*gp(&gu, 0x8000 + 101, 1) == POISON);

	/* No command line: an empty one, and cmd_line_ptr still set. */
	guest_repoison(&gu);
	a.cmdline = NULL;
	EXPECT_OK(&gu, &a, &r);
	CHECK(*gp(&gu, 0x8000, 1) == 0);
	CHECK(r32(bootp(&gu) + 0x228) == 0x8000);
	free(k);

	/* A huge cmdline_size is capped by the 4 KiB at GUEST_CMDLINE. */
	guest_repoison(&gu);
	o.cmdline_size = 0xffffffff;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	a.cmdline = line;
	memset(line, 'y', 4096);
	line[4096] = '\0';
	EXPECT_FAIL(&gu, &a, "command line is longer than 4095 bytes, the most "
			     "this kernel accepts");
	line[4095] = '\0';
	EXPECT_OK(&gu, &a, &r);
	check_cmdline(&gu, line);
	free(k);

	/* A vmlinux keeps COMMAND_LINE_SIZE - 1 = 2047 characters. */
	guest_repoison(&gu);
	k = elf_default(&n);
	a = args(&gu, k, n);
	a.cmdline = line;
	line[2048] = '\0';
	EXPECT_FAIL(&gu, &a, "command line is longer than 2047 bytes, the most "
			     "this kernel accepts");
	line[2047] = '\0';
	EXPECT_OK(&gu, &a, &r);
	check_cmdline(&gu, line);
	CHECK(r32(bootp(&gu) + 0x238) == 2047);
	free(k);
	guest_free(&gu);
}

/* ------------------------------------------------------------------------
 * Initrd placement
 */
static void initrd_respects_initrd_addr_max(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n, ilen = 300 * KiB + 5;
	uint8_t *k, *initrd = malloc(ilen);
	struct boot_regs r;
	struct loader_args a;

	memset(initrd, 0x42, ilen);
	guest_std(&gu, 64 * MiB);

	/* Highest byte 32 MiB - 1: it ends at or below 32 MiB. */
	o.initrd_addr_max = 0x1ffffff;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	a.initrd = initrd;
	a.initrd_len = ilen;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.initrd_addr == ((32 * MiB - ilen) & ~0xfffull));
	CHECK(r32(bootp(&gu) + 0x218) == r.initrd_addr);
	CHECK(r.initrd_addr + ilen <= 0x2000000);
	CHECK(memcmp(gp(&gu, r.initrd_addr, ilen), initrd, ilen) == 0);
	free(k);

	/* Exactly at the boundary: boot.rst's own example, a 128 KiB
	 * ramdisk below 0x37ffffff starts at 0x37fe0000.  RAM there, and
	 * above it, comes from a third region. */
	guest_region(&gu, 0x37f00000, 2 * MiB, true);
	o.initrd_addr_max = 0x37ffffff;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	a.initrd = initrd;
	a.initrd_len = 128 * KiB;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.initrd_addr == 0x37fe0000);
	free(k);
	guest_free(&gu);
	free(initrd);
}

static void initrd_goes_below_the_kernel_when_it_must(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n, ilen = 2 * MiB;
	uint8_t *k, *initrd = malloc(ilen);
	struct boot_regs r;
	struct loader_args a;

	memset(initrd, 0x24, ilen);
	guest_std(&gu, 64 * MiB);
	/* Kernel [16M, 24M); only 1 MiB above it is allowed. */
	o.initrd_addr_max = 25 * MiB - 1;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	a.initrd = initrd;
	a.initrd_len = ilen;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.initrd_addr == 14 * MiB);
	CHECK(memcmp(gp(&gu, 14 * MiB, ilen), initrd, ilen) == 0);
	free(initrd);

	/* [1M, 16M) below the kernel holds 15 MiB, not a byte more. */
	guest_repoison(&gu);
	ilen = 15 * MiB;
	initrd = calloc(1, ilen + 1);
	a.initrd = initrd;
	a.initrd_len = ilen;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.initrd_addr == MiB);
	guest_repoison(&gu);
	a.initrd_len = ilen + 1;
	EXPECT_FAIL(&gu, &a, "initrd (15728641 bytes) does not fit below "
			     "0x18fffff");
	free(k);
	free(initrd);
	guest_free(&gu);
}

static void initrd_is_page_aligned_and_highest(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k = elf_default(&n), *initrd = malloc(3 * MiB);
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 65537, MiB - 1,
					MiB, 3 * MiB };
	struct boot_regs r;

	memset(initrd, 0x17, 3 * MiB);
	guest_std(&gu, 64 * MiB);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct loader_args a = args(&gu, k, n);

		a.initrd = initrd;
		a.initrd_len = sizes[i];
		EXPECT_OK(&gu, &a, &r);
		CHECK(r.initrd_addr % 4096 == 0);
		CHECK(r.initrd_addr + sizes[i] <= 64 * MiB);
		CHECK(64 * MiB - (r.initrd_addr + sizes[i]) < 4096);
		CHECK(r.initrd_addr >= r.kernel_end);
		CHECK(r32(bootp(&gu) + 0x21c) == sizes[i]);
	}
	guest_free(&gu);
	free(k);
	free(initrd);
}

static void initrd_too_large(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n, ilen = 41 * MiB + 1;
	uint8_t *k, *initrd = malloc(ilen);
	struct boot_regs r;
	struct loader_args a;

	memset(initrd, 0x33, ilen);
	guest_std(&gu, 64 * MiB);
	o.initrd_addr_max = 0x37ffffff;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	a.initrd = initrd;

	/* [24M, 64M) above the kernel holds exactly 40 MiB. */
	a.initrd_len = 40 * MiB;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.initrd_addr == 24 * MiB);
	guest_repoison(&gu);
	a.initrd_len = 41 * MiB;
	EXPECT_FAIL(&gu, &a, "initrd (41 MiB) does not fit below 0x37ffffff");
	a.initrd_len = 41 * MiB + 1;
	EXPECT_FAIL(&gu, &a, "initrd (42991617 bytes) does not fit below "
			     "0x37ffffff");
	a.initrd_len = 40 * MiB + 512 * KiB;
	EXPECT_FAIL(&gu, &a, "initrd (41472 KiB) does not fit below "
			     "0x37ffffff");
	free(k);

	/* initrd_addr_max of 0: nothing fits anywhere. */
	o.initrd_addr_max = 0;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	a.initrd = initrd;
	a.initrd_len = 1;
	EXPECT_FAIL(&gu, &a, "initrd (1 byte) does not fit below 0x0");
	free(k);
	free(initrd);
	guest_free(&gu);
}

/* ------------------------------------------------------------------------
 * e820
 */
static void e820_limits(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k = elf_default(&n);
	static struct e820_entry big[129];
	struct boot_regs r;
	struct loader_args a;

	guest_std(&gu, 64 * MiB);
	big[0] = gu.e820[0];
	big[1] = gu.e820[2];
	for (unsigned i = 2; i < 129; i++)
		big[i] = (struct e820_entry){ 0x100000000ull + i * 0x1000,
					      0x1000, E820_RESERVED };
	a = args(&gu, k, n);
	a.e820 = big;
	a.e820_count = 129;
	EXPECT_FAIL(&gu, &a, "e820: 129 entries, boot_params holds at most "
			     "128");
	a.e820_count = 128;
	EXPECT_OK(&gu, &a, &r);
	check_e820(bootp(&gu), big, 128);
	guest_repoison(&gu);
	a.e820_count = 0;
	EXPECT_FAIL(&gu, &a, "e820: the memory map is empty");
	a.e820 = NULL;
	a.e820_count = 3;
	EXPECT_FAIL(&gu, &a, "e820: the memory map is empty");
	a.e820 = big;
	a.e820_count = 128;
	big[5] = (struct e820_entry){ 0xfffffffffffff000ull, 0x1000, 2 };
	EXPECT_FAIL(&gu, &a, "e820: entry 5 [0xfffffffffffff000, +0x1000) "
			     "wraps around");
	guest_free(&gu);
	free(k);
}

static void boot_area_must_be_ram(void)
{
	struct guest gu;
	size_t n;
	uint8_t *k = elf_default(&n);
	struct loader_args a;

	guest_empty(&gu);
	guest_region(&gu, 0, 0x10000, true);	/* ends inside the area */
	guest_region(&gu, MiB, 63 * MiB, true);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "guest RAM: the boot area [0x7000, 0x20000) is "
			     "not one block of RAM");
	guest_free(&gu);
	free(k);
}

int main(void)
{
	RUN(cmdline_limits);
	RUN(initrd_respects_initrd_addr_max);
	RUN(initrd_goes_below_the_kernel_when_it_must);
	RUN(initrd_is_page_aligned_and_highest);
	RUN(initrd_too_large);
	RUN(e820_limits);
	RUN(boot_area_must_be_ram);
	return CHECK_DONE();
}
