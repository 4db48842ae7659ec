/* Host tests for the guest kernel loader's bzImage path
 * (hv/guest/loader.c): where the kernel goes, the setup header copied into
 * boot_params, and the headers and lengths it refuses.
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
 * bzImage loads
 */
static void bz_loads_at_pref_address(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n, ilen = MiB + 123;
	uint8_t *k, *initrd = malloc(ilen), *bp;
	struct boot_regs r;
	struct loader_args a;

	o.trailer = 1472;
	k = bz_build(&o, &n);
	k[0x211] |= 0x20 | 0x40; /* QUIET_FLAG, KEEP_SEGMENTS: cleared */
	memset(k + 0x26c, 0x99, 0x290 - 0x26c); /* past the header end */
	for (size_t i = 0; i < ilen; i++)
		initrd[i] = (uint8_t)(i * 3);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	a.initrd = initrd;
	a.initrd_len = ilen;
	EXPECT_OK(&gu, &a, &r);

	/* Entry: 32-bit protocol at the load address, %esi = boot_params. */
	CHECK(r.mode == 32);
	CHECK(r.rip == 0x1000000);
	CHECK(r.rsi == 0x7000);
	CHECK(r.rsp == 0x20000);
	CHECK(r.cr3 == 0);
	CHECK(r.kernel_start == 0x1000000 && r.kernel_end == 0x1800000);

	/* The protected-mode part, exactly syssize * 16 bytes of it: the
	 * trailer stays in the file. */
	uint8_t *kp = gp(&gu, 0x1000000, o.pm_size + 1);
	bool same = true;

	for (size_t i = 0; i < o.pm_size; i++)
		same &= kp[i] == pm_byte(i);
	CHECK(same);
	CHECK(kp[o.pm_size] == POISON);

	/* Initrd: page-aligned, as high as 64 MiB of RAM allows. */
	uint64_t ia = (64 * MiB - ilen) & ~0xfffull;

	CHECK(ia == 0x3eff000);
	CHECK(r.initrd_addr == ia && r.initrd_size == ilen);
	CHECK(memcmp(gp(&gu, ia, ilen), initrd, ilen) == 0);
	CHECK(*gp(&gu, ia - 1, 1) == POISON);

	bp = bootp(&gu);
	/* zero-page fields */
	CHECK(all_bytes(bp, 0x70, 0));
	CHECK(r64(bp + 0x70) == RSDP);	/* acpi_rsdp_addr */
	CHECK(all_bytes(bp + 0x78, 0x1e8 - 0x78, 0));
	CHECK(all_bytes(bp + 0x1e9, 0x1f1 - 0x1e9, 0)); /* sentinel 0x1ef */
	check_e820(bp, gu.e820, gu.ne);
	/* Setup header: copied from the file... */
	CHECK(bp[0x1f1] == 4);
	CHECK(r16(bp + 0x1f2) == 1);
	CHECK(r32(bp + 0x1f4) == o.pm_size / 16);
	CHECK(r16(bp + 0x1fe) == 0xaa55);
	CHECK(bp[0x200] == 0xeb && bp[0x201] == 0x6a);
	CHECK(memcmp(bp + 0x202, "HdrS", 4) == 0);
	CHECK(r16(bp + 0x206) == 0x020f);
	CHECK(r32(bp + 0x22c) == 0x7fffffff);
	CHECK(r32(bp + 0x230) == 0x200000);
	CHECK(bp[0x234] == 1);
	CHECK(r16(bp + 0x236) == 3);
	CHECK(r32(bp + 0x238) == 2047);
	CHECK(r64(bp + 0x258) == 0x1000000);
	CHECK(r32(bp + 0x260) == 0x800000);
	CHECK(r32(bp + 0x268) == 0x2a0000);
	/* ...then the loader's fields. */
	CHECK(r16(bp + 0x1fa) == 0xffff);	/* vid_mode: normal */
	CHECK(bp[0x210] == 0xff);		/* type_of_loader */
	CHECK(bp[0x211] == 0x81);	/* LOADED_HIGH | CAN_USE_HEAP */
	CHECK(r32(bp + 0x214) == 0x1000000);	/* code32_start */
	CHECK(r32(bp + 0x218) == ia);		/* ramdisk_image */
	CHECK(r32(bp + 0x21c) == ilen);		/* ramdisk_size */
	CHECK(r16(bp + 0x224) == 0xde00);	/* heap_end_ptr */
	CHECK(bp[0x226] == 0 && bp[0x227] == 0);
	CHECK(r32(bp + 0x228) == 0x8000);	/* cmd_line_ptr */
	CHECK(r32(bp + 0x23c) == 0);		/* hardware_subarch */
	CHECK(r64(bp + 0x240) == 0);
	CHECK(r64(bp + 0x250) == 0);		/* setup_data */
	CHECK(r32(bp + 0xc0) == 0 && r32(bp + 0xc4) == 0 &&
	      r32(bp + 0xc8) == 0);		/* ext_ halves */
	/* Nothing past the header's end, nothing from before 0x1f1. */
	CHECK(all_bytes(bp + 0x26c, 0x2d0 - 0x26c, 0));
	check_cmdline(&gu, CMDLINE);

	guest_free(&gu);
	free(k);
	free(initrd);
}

static void bz_header_copy_is_bounded(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k, *bp;
	struct boot_regs r;
	struct loader_args a;

	/* 0x202 + 0xff would reach 0x301, over edd_mbr_sig_buffer and the
	 * e820 table; boot.rst caps the header at 144 bytes (0x281). */
	o.hdr_len = 0xff;
	k = bz_build(&o, &n);
	memset(k + 0x26c, 0x99, 0x400 - 0x26c);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	bp = bootp(&gu);
	CHECK(all_bytes(bp + 0x26c, 0x281 - 0x26c, 0x99));
	CHECK(all_bytes(bp + 0x281, 0x2d0 - 0x281, 0));
	check_e820(bp, gu.e820, gu.ne);
	guest_free(&gu);
	free(k);
}

static void bz_setup_sects_zero_means_four(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k;
	struct boot_regs r;
	struct loader_args a;

	o.setup_sects = 0;
	k = bz_build(&o, &n); /* protected-mode code at 5 * 512 */
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(bootp(&gu)[0x1f1] == 4);
	CHECK(memcmp(gp(&gu, 0x1000000, o.pm_size), k + 0xa00, o.pm_size) == 0);
	guest_free(&gu);
	free(k);
}

static void bz_non_relocatable_loads_at_1m(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k;
	struct boot_regs r;
	struct loader_args a;

	o.relocatable = 0;
	k = bz_build(&o, &n);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.mode == 32 && r.rip == 0x100000);
	CHECK(r32(bootp(&gu) + 0x214) == 0x100000);
	CHECK(memcmp(gp(&gu, 0x100000, o.pm_size), k + 0xa00, o.pm_size) == 0);
	/* It moves itself to pref_address and needs init_size there. */
	CHECK(r.kernel_start == 0x100000 && r.kernel_end == 0x1800000);
	guest_free(&gu);
	free(k);
}

static void bz_without_kernel64_loads_at_1m(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k;
	struct boot_regs r;
	struct loader_args a;

	o.xloadflags = 0;
	k = bz_build(&o, &n);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.rip == 0x100000);
	/* Linux's decompressor never runs below LOAD_PHYSICAL_ADDR
	 * (pref_address), so its runtime area is still [16M, 24M). */
	CHECK(r.kernel_start == 0x100000 && r.kernel_end == 0x1800000);
	guest_free(&gu);
	free(k);
}

static void bz_low_pref_address_is_ignored(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k;
	struct boot_regs r;
	struct loader_args a;

	/* pref_address below 1 MiB would cover boot_params: load at 1 MiB,
	 * run at align_up(1M, 2M). */
	o.pref_address = 0x80000;
	k = bz_build(&o, &n);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.rip == 0x100000);
	CHECK(r.kernel_start == 0x100000 && r.kernel_end == 0xa00000);
	free(k);

	/* A non-relocatable kernel would move itself there: refused. */
	guest_repoison(&gu);
	o.relocatable = 0;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "bzImage: kernel [0x80000, 0x880000) overlaps the "
			     "boot area below 0x100000");
	free(k);

	/* Nor may it run above 4 GiB, where a 32-bit entry cannot reach. */
	o.pref_address = 0x123456789000ull;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "bzImage: non-relocatable kernel runs at "
			     "pref_address 0x123456789000, above 4 GiB");
	free(k);
	o.relocatable = 1;
	k = bz_build(&o, &n);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "bzImage: pref_address 0x123456789000 is above "
			     "4 GiB, out of reach of the 32-bit entry");
	free(k);
	guest_free(&gu);
}

static void bz_protocol_2_06_loads(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k, *bp;
	struct boot_regs r;
	struct loader_args a;

	/* 2.06: no pref_address, init_size or xloadflags; the header ends
	 * after cmdline_size.  Whatever the file has past it is not read. */
	o.version = 0x0206;
	o.hdr_len = 0x3a;
	k = bz_build(&o, &n);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.rip == 0x100000);
	CHECK(r.kernel_start == 0x100000);
	CHECK(r.kernel_end == 0x200000 + o.pm_size);
	bp = bootp(&gu);
	CHECK(r32(bp + 0x238) == 2047);
	CHECK(all_bytes(bp + 0x23c, 0x2d0 - 0x23c, 0));
	CHECK(r64(bp + 0x70) == RSDP); /* zero-page.rst: ALL protocols */
	guest_free(&gu);
	free(k);
}

/* ------------------------------------------------------------------------
 * bzImage rejections
 */
static void bz_rejects_bad_headers(void)
{
	struct guest gu;
	struct bz_opts o;
	size_t n;
	uint8_t *k;
	struct loader_args a;

	guest_std(&gu, 64 * MiB);

#define BZ_FAIL(setup, msg)                                                  \
	do {                                                                 \
		o = bz_defaults();                                           \
		setup;                                                       \
		k = bz_build(&o, &n);                                        \
		a = args(&gu, k, n);                                         \
		EXPECT_FAIL(&gu, &a, msg);                                   \
		free(k);                                                     \
	} while (0)

	BZ_FAIL(o.version = 0x0205,
		"bzImage: setup header version 2.05 is older than 2.06");
	BZ_FAIL(o.version = 0x0203,
		"bzImage: setup header version 2.03 is older than 2.06");
	BZ_FAIL(o.version = 0x0100,
		"bzImage: setup header version 1.00 is older than 2.06");
	BZ_FAIL(o.loadflags = 0,
		"bzImage: loadflags 0x00 lack LOADED_HIGH: zImage kernels are "
		"not supported");
	BZ_FAIL(o.loadflags = 0x80,
		"bzImage: loadflags 0x80 lack LOADED_HIGH: zImage kernels are "
		"not supported");
	BZ_FAIL(o.hdr_len = 0x30,
		"bzImage: setup header ends at 0x232, but protocol 2.15 has "
		"fields up to 0x264");
	BZ_FAIL((o.version = 0x0206, o.hdr_len = 0x30),
		"bzImage: setup header ends at 0x232, but protocol 2.06 has "
		"fields up to 0x23c");
	BZ_FAIL(o.syssize = 0x1001,
		"bzImage: syssize 0x1001 (65552 bytes from 0xa00) runs past "
		"the end of the file (68096 bytes)");
	BZ_FAIL(o.syssize = 0xffffffff,
		"bzImage: syssize 0xffffffff (68719476720 bytes from 0xa00) "
		"runs past the end of the file (68096 bytes)");
	BZ_FAIL((o.syssize = 1, o.pm_size = 0),
		"bzImage: setup_sects 4 puts the protected-mode code at 0xa00, "
		"past the end of the file (2560 bytes)");
	BZ_FAIL((o.syssize = 2, o.pm_size = 16),
		"bzImage: syssize 0x2 (32 bytes from 0xa00) runs past the end "
		"of the file (2576 bytes)");
	BZ_FAIL(o.kernel_alignment = 0x300000,
		"bzImage: kernel_alignment 0x300000 is not a power of two");
	BZ_FAIL(o.kernel_alignment = 0,
		"bzImage: kernel_alignment 0x0 is not a power of two");
	/* Larger than RAM: init_size alone is 80 MiB. */
	BZ_FAIL(o.init_size = 0x5000000,
		"bzImage: kernel [0x100000, 0x6000000) is outside guest RAM");
	BZ_FAIL((o.pref_address = 0x3000000, o.init_size = 0x1800000),
		"bzImage: kernel [0x100000, 0x4800000) is outside guest RAM");
	BZ_FAIL((o.init_size = 0, o.pm_size = 64 * MiB),
		"bzImage: kernel [0x100000, 0x5000000) is outside guest RAM");

	/* Patched after the build, which lays the file out to match. */
	o = bz_defaults();
	k = bz_build(&o, &n);
	k[0x1f1] = 200;
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "bzImage: setup_sects 200 puts the protected-mode "
			     "code at 0x19200, past the end of the file (68096 "
			     "bytes)");
	k[0x1f1] = 132; /* 133 * 512 = 68096: no byte of kernel left */
	EXPECT_FAIL(&gu, &a, "bzImage: setup_sects 132 puts the protected-mode "
			     "code at 0x10a00, past the end of the file (68096 "
			     "bytes)");
	k[0x1f1] = 131; /* 512 bytes left, syssize wants 64 KiB */
	EXPECT_FAIL(&gu, &a, "bzImage: syssize 0x1000 (65536 bytes from "
			     "0x10800) runs past the end of the file (68096 "
			     "bytes)");
	k[0x1f1] = 4;
	w32(k + 0x1f4, 0);	/* 0 in bz_opts means "compute" */
	EXPECT_FAIL(&gu, &a, "bzImage: syssize is 0");
	free(k);
#undef BZ_FAIL
	guest_free(&gu);
}

static void bz_rejects_ram_hole_under_kernel(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *k = bz_build(&o, &n);
	struct loader_args a;

	/* RAM [1M, 16M) and [20M, 64M): pref_address falls in the hole, and
	 * loading at 1 MiB does not help, Linux would still run at 16 MiB. */
	guest_empty(&gu);
	guest_region(&gu, 0, GUEST_LOW_RAM_END, true);
	guest_region(&gu, MiB, 15 * MiB, true);
	guest_region(&gu, 20 * MiB, 44 * MiB, true);
	a = args(&gu, k, n);
	EXPECT_FAIL(&gu, &a, "bzImage: kernel [0x100000, 0x1800000) is "
			     "outside guest RAM");
	guest_free(&gu);
	free(k);
}

static void bz_truncated_at_every_length(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t full;
	uint8_t *k = bz_build(&o, &full);
	struct boot_regs r;
	char err[256], want[256];
	unsigned bad = 0;

	guest_std(&gu, 64 * MiB);
	/* Every length through the headers and around 0xa00, then a prime
	 * stride through the rest of the image, then its last byte. */
	for (size_t len = 0; len < full;
	     len = len < 0xc00 || len >= full - 2 ?
			   len + 1 : min_sz(len + 251, full - 2)) {
		struct loader_args a = args(&gu, k, len);

		/* A file exactly as long as its data, so ASan sees any read
		 * past the end. */
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
		else if (len < 0x206)
			snprintf(want, sizeof(want), "%.14s", "kernel: found ");
		else if (len < 0x26c)
			snprintf(want, sizeof(want), "bzImage: file is %zu "
				 "bytes, too short for its setup header (ends "
				 "at 0x26c)", len);
		else if (len <= 0xa00)
			snprintf(want, sizeof(want), "bzImage: setup_sects 4 "
				 "puts the protected-mode code at 0xa00, past "
				 "the end of the file (%zu bytes)", len);
		else
			snprintf(want, sizeof(want), "bzImage: syssize 0x1000 "
				 "(65536 bytes from 0xa00) runs past the end "
				 "of the file (%zu bytes)", len);
		if (len && len < 0x206 ? strncmp(err, want, strlen(want))
				       : strcmp(err, want)) {
			if (bad++ < 5)
				printf("#   length %zu: \"%s\"\n", len, err);
		}
		free(copy);
	}
	CHECK(bad == 0);
	CHECK(untouched(&gu));
	/* The two ends of the unknown-format range, exactly. */
	struct loader_args a = args(&gu, k, 1);

	EXPECT_FAIL(&gu, &a, "kernel: found unknown data, not a bzImage or an "
			     "ELF vmlinux (first bytes: 4d)");
	a.kernel_len = 0x205;
	EXPECT_FAIL(&gu, &a, "kernel: found a PE/COFF image without a Linux "
			     "setup header, not a bzImage or an ELF vmlinux "
			     "(first bytes: 4d 5a 5a 5a)");
	a.kernel_len = full;
	EXPECT_OK(&gu, &a, &r);
	guest_free(&gu);
	free(k);
}

int main(void)
{
	RUN(bz_loads_at_pref_address);
	RUN(bz_header_copy_is_bounded);
	RUN(bz_setup_sects_zero_means_four);
	RUN(bz_non_relocatable_loads_at_1m);
	RUN(bz_without_kernel64_loads_at_1m);
	RUN(bz_low_pref_address_is_ignored);
	RUN(bz_protocol_2_06_loads);
	RUN(bz_rejects_bad_headers);
	RUN(bz_rejects_ram_hole_under_kernel);
	RUN(bz_truncated_at_every_length);
	return CHECK_DONE();
}
