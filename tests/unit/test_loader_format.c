/* Host tests for hv/guest/loader.c, the guest kernel loader: format
 * detection and its messages, the arguments, flat images, random
 * corruption of valid files, and the real Debian kernel.
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
 *
 * When build/guest/vmlinuz (the Debian kernel the system tests boot) is
 * present, it is loaded too; without it that check is skipped with a note.
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
 * Format detection
 */
static void format_names(void)
{
	struct bz_opts o = bz_defaults();
	size_t bl, el;
	uint8_t *bz = bz_build(&o, &bl), *elf = elf_default(&el);

	CHECK_STR(loader_format_name(bz, bl, KERNEL_AUTO), "bzImage");
	CHECK_STR(loader_format_name(elf, el, KERNEL_AUTO), "ELF");
	CHECK_STR(loader_format_name(bz, bl, KERNEL_FLAT), "flat");
	CHECK_STR(loader_format_name(NULL, 0, KERNEL_AUTO), "empty");
	CHECK_STR(loader_format_name(bz, 0, KERNEL_AUTO), "empty");
	CHECK_STR(loader_format_name((const uint8_t *)"\x1f\x8b\x08", 3,
				     KERNEL_AUTO), "gzip data");
	CHECK_STR(loader_format_name((const uint8_t *)"\xfd" "7zXZ", 6,
				     KERNEL_AUTO), "xz data");
	CHECK_STR(loader_format_name((const uint8_t *)"\x28\xb5\x2f\xfd", 4,
				     KERNEL_AUTO), "zstd data");
	CHECK_STR(loader_format_name((const uint8_t *)"BZh9", 4, KERNEL_AUTO),
		  "bzip2 data");
	CHECK_STR(loader_format_name(bz, 0x205, KERNEL_AUTO),
		  "a PE/COFF image without a Linux setup header");
	CHECK_STR(loader_format_name(elf, 3, KERNEL_AUTO), "unknown data");
	CHECK_STR(loader_format_name(bz, bl, (enum kernel_format)9),
		  "invalid format hint");
	/* Either magic alone is not a setup header. */
	bz[0x202] = 'h';
	CHECK_STR(loader_format_name(bz, bl, KERNEL_AUTO),
		  "a PE/COFF image without a Linux setup header");
	bz[0x202] = 'H';
	bz[0x1fe] = 0;
	CHECK_STR(loader_format_name(bz, bl, KERNEL_AUTO),
		  "a PE/COFF image without a Linux setup header");
	free(bz);
	free(elf);
}

static void unknown_formats_are_named(void)
{
	struct guest gu;
	struct loader_args a;

	guest_std(&gu, 64 * MiB);
	a = args(&gu, (const uint8_t *)"\x1f\x8b\x08\x00\x12", 5);
	EXPECT_FAIL(&gu, &a, "kernel: found gzip data, not a bzImage or an "
			     "ELF vmlinux (first bytes: 1f 8b 08 00)");
	a = args(&gu, (const uint8_t *)"ab", 2);
	EXPECT_FAIL(&gu, &a, "kernel: found unknown data, not a bzImage or "
			     "an ELF vmlinux (first bytes: 61 62)");
	a = args(&gu, (const uint8_t *)"", 0);
	EXPECT_FAIL(&gu, &a, "kernel: file is empty");
	a = args(&gu, NULL, 100);
	EXPECT_FAIL(&gu, &a, "kernel: file is empty");
	a = args(&gu, (const uint8_t *)"ab", 2);
	a.format = (enum kernel_format)7;
	EXPECT_FAIL(&gu, &a, "kernel: unknown format hint 7");
	guest_free(&gu);
}

static void bad_arguments_are_refused(void)
{
	struct guest gu;
	struct boot_regs r;
	char err[64];
	struct loader_args a;
	size_t n;
	uint8_t *elf = elf_default(&n);

	guest_std(&gu, 64 * MiB);
	a = args(&gu, elf, n);
	CHECK(loader_load(NULL, &a, &r, err, sizeof(err)) == -1);
	CHECK_STR(err, "loader: missing argument");
	CHECK(loader_load(&gu.g, NULL, &r, err, sizeof(err)) == -1);
	CHECK(loader_load(&gu.g, &a, NULL, err, sizeof(err)) == -1);
	/* No error buffer: still refused, nothing written anywhere. */
	a.initrd_len = 5;
	CHECK(loader_load(&gu.g, &a, &r, NULL, 100) == -1);
	CHECK(loader_load(&gu.g, &a, &r, err, 0) == -1);
	EXPECT_FAIL(&gu, &a, "initrd: length 5 but no data");
	/* A short error buffer truncates, NUL-terminated. */
	CHECK(loader_load(&gu.g, &a, &r, err, 8) == -1);
	CHECK_STR(err, "initrd:");
	/* Success clears a stale message. */
	a.initrd_len = 0;
	strcpy(err, "stale");
	CHECK(loader_load(&gu.g, &a, &r, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	guest_free(&gu);
	free(elf);
}

/* ------------------------------------------------------------------------
 * Flat
 */
static void flat_loads_at_1m_in_long_mode(void)
{
	struct guest gu;
	uint8_t k[1000], *bp;
	struct boot_regs r;
	struct loader_args a;
	struct bz_opts o = bz_defaults();
	size_t n;
	uint8_t *bz = bz_build(&o, &n);

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(i ^ 0xa5);
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, sizeof(k));
	a.format = KERNEL_FLAT;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.mode == 64);
	CHECK(r.rip == 0x100000);
	CHECK(r.rsp == 0x20000);
	CHECK(r.rsi == 0x7000);
	CHECK(r.cr3 == 0x9000);
	CHECK(r.kernel_start == 0x100000 && r.kernel_end == 0x100000 + 1000);
	CHECK(memcmp(gp(&gu, 0x100000, sizeof(k)), k, sizeof(k)) == 0);
	CHECK(*gp(&gu, 0x100000 + sizeof(k), 1) == POISON);
	check_page_tables(&gu);
	bp = bootp(&gu);
	check_e820(bp, gu.e820, gu.ne);
	CHECK(r16(bp + 0x1fe) == 0xaa55);
	CHECK(r16(bp + 0x206) == 0x020f);
	CHECK(r32(bp + 0x228) == 0x8000);
	CHECK(r32(bp + 0x238) == 4095);
	CHECK(r64(bp + 0x70) == RSDP);
	check_cmdline(&gu, CMDLINE);

	/* The hint wins over the magic: a bzImage loaded flat, verbatim. */
	guest_repoison(&gu);
	a = args(&gu, bz, n);
	a.format = KERNEL_FLAT;
	EXPECT_OK(&gu, &a, &r);
	CHECK(r.mode == 64 && r.rip == 0x100000);
	CHECK(memcmp(gp(&gu, 0x100000, n), bz, n) == 0);
	guest_free(&gu);
	free(bz);
}

static void flat_larger_than_ram(void)
{
	struct guest gu;
	size_t n = 63 * MiB + 1;
	uint8_t *k = calloc(1, n);
	struct boot_regs r;
	struct loader_args a;

	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, n);
	a.format = KERNEL_FLAT;
	EXPECT_FAIL(&gu, &a, "flat: kernel [0x100000, 0x4000001) is outside "
			     "guest RAM");
	a.kernel_len = 63 * MiB; /* exactly fills RAM; no room for an initrd */
	EXPECT_OK(&gu, &a, &r);
	guest_repoison(&gu);
	a.initrd = k;
	a.initrd_len = 1;
	EXPECT_FAIL(&gu, &a, "initrd (1 byte) does not fit below 0xafdfffff");
	guest_free(&gu);
	free(k);
}

/* ------------------------------------------------------------------------
 * Robustness: random corruption of valid files, under ASan and UBSan.  The
 * loader must refuse or load, and a load must still be self-consistent.
 */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_corruption_is_harmless(void)
{
	struct guest gu;
	struct bz_opts o = bz_defaults();
	size_t bn, en;
	uint8_t *bz, *elf, *initrd = malloc(64 * KiB);
	unsigned loaded = 0, refused = 0;
	bool sane = true;

	o.pm_size = 0x1000;
	o.init_size = 0x100000;
	bz = bz_build(&o, &bn);
	elf = elf_default(&en);
	memset(initrd, 1, 64 * KiB);
	guest_std(&gu, 64 * MiB);
	for (int it = 0; it < 4000; it++) {
		bool is_bz = it & 1;
		size_t n = is_bz ? bn : en;
		uint8_t *k = malloc(n);
		struct boot_regs r;
		char err[256];

		memcpy(k, is_bz ? bz : elf, n);
		/* Mostly the headers, sometimes anywhere. */
		for (int m = (int)(rng() % 6) + 1; m > 0; m--) {
			size_t at = rng() % 4 ? (is_bz ? 0x1f1 + rng() % 0x80 :
						  rng() % (64 + 3 * 56)) :
						 rng() % n;
			k[at] = (uint8_t)rng();
		}
		struct loader_args a = args(&gu, k, rng() % 8 ? n : rng() % n);

		a.initrd = initrd;
		a.initrd_len = rng() % (64 * KiB);
		if (loader_load(&gu.g, &a, &r, err, sizeof(err)) == 0) {
			loaded++;
			sane &= r.rsi == 0x7000 && r.rip >= MiB &&
				r.rip < 64 * MiB && r.kernel_end <= 64 * MiB &&
				r.kernel_start >= MiB;
			sane &= !r.initrd_size || (r.initrd_addr >= MiB &&
				r.initrd_addr +
				r.initrd_size <= 64 * MiB &&
				(r.initrd_addr >= r.kernel_end ||
				 r.initrd_addr + r.initrd_size <=
					 r.kernel_start));
		} else {
			refused++;
			sane &= err[0] != '\0';
		}
		free(k);
	}
	printf("#   %u loaded, %u refused\n", loaded, refused);
	CHECK(sane);
	CHECK(loaded > 100 && refused > 100);
	guest_free(&gu);
	free(bz);
	free(elf);
	free(initrd);
}

/* ------------------------------------------------------------------------
 * The real Debian kernel, when the guest has been built.
 */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n);
		if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}

static uint8_t *read_guest_file(const char *name, size_t *len)
{
	static const char *const dirs[] = { "build/guest/",
					    "/work/main/build/guest/" };
	char path[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dirs[i], name);
		uint8_t *b = read_file(path, len);

		if (b)
			return b;
	}
	return NULL;
}

static void real_debian_kernel(void)
{
	size_t kn = 0, in = 0;
	uint8_t *k = read_guest_file("vmlinuz", &kn);
	uint8_t *initrd = read_guest_file("initrd.img", &in);
	struct guest gu;
	struct boot_regs r;
	struct loader_args a;

	if (!k) {
		printf("# note: build/guest/vmlinuz not found (make guest "
		       "builds it); real-kernel check skipped\n");
		free(initrd);
		return;
	}
	CHECK_STR(loader_format_name(k, kn, KERNEL_AUTO), "bzImage");
	guest_std(&gu, 128 * MiB);
	a = args(&gu, k, kn);
	a.initrd = initrd;
	a.initrd_len = initrd ? in : 0;
	EXPECT_OK(&gu, &a, &r);

	unsigned sects = k[0x1f1] ? k[0x1f1] : 4;
	size_t pm_off = (sects + 1) * 512;
	size_t pm_size = (size_t)r32(k + 0x1f4) * 16;
	uint8_t *bp = bootp(&gu);

	printf("# note: %s: protocol %u.%02u, %zu bytes at 0x%llx, init_size "
	       "0x%x, initrd %zu bytes at 0x%llx\n", "vmlinuz",
	       k[0x207], k[0x206], pm_size, (unsigned long long)r.rip,
	       r32(k + 0x260), in, (unsigned long long)r.initrd_addr);
	CHECK(r.mode == 32);
	CHECK(r.rip == r64(k + 0x258)); /* relocatable 64-bit: pref_address */
	CHECK(r.kernel_end == r.rip + r32(k + 0x260));
	CHECK(pm_off + pm_size <= kn);
	CHECK(memcmp(gp(&gu, r.rip, pm_size), k + pm_off, pm_size) == 0);
	CHECK(*gp(&gu, r.rip + pm_size, 1) == POISON);

	/* The header, copied up to its own end, except what the loader
	 * writes; nothing after it. */
	size_t end = 0x202 + k[0x201];
	bool same = true;

	for (size_t off = 0x1f1; off < end; off++)
		if (!bz_written(off))
			same &= bp[off] == k[off];
	CHECK(same);
	CHECK(all_bytes(bp + end, 0x2d0 - end, 0));
	CHECK(r32(bp + 0x214) == r.rip);
	CHECK(bp[0x211] == (k[0x211] | 0x80));
	CHECK(r32(bp + 0x228) == 0x8000);
	check_e820(bp, gu.e820, gu.ne);
	check_cmdline(&gu, CMDLINE);
	if (initrd) {
		CHECK(r.initrd_addr == ((128 * MiB - in) & ~0xfffull));
		CHECK(r32(bp + 0x218) == r.initrd_addr);
		CHECK(r32(bp + 0x21c) == in);
		CHECK(memcmp(gp(&gu, r.initrd_addr, in), initrd, in) == 0);
	}
	guest_free(&gu);

	/* 64 MiB is too little for its init_size (about 64 MiB from
	 * 16 MiB): a clear refusal, not a broken boot. */
	guest_std(&gu, 64 * MiB);
	a = args(&gu, k, kn);
	char err[256];

	CHECK(loader_load(&gu.g, &a, &r, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "bzImage: kernel [0x100000, ", 27) == 0);
	CHECK(strstr(err, ") is outside guest RAM") != NULL);
	CHECK(untouched(&gu));
	guest_free(&gu);

	/* Truncated anywhere in the image: refused. */
	guest_std(&gu, 128 * MiB);
	for (size_t len = 0; len < pm_off + pm_size; len += 40961) {
		a = args(&gu, k, len);
		CHECK(loader_load(&gu.g, &a, &r, err, sizeof(err)) == -1);
	}
	CHECK(untouched(&gu));
	guest_free(&gu);
	free(k);
	free(initrd);
}

int main(void)
{
	RUN(format_names);
	RUN(unknown_formats_are_named);
	RUN(bad_arguments_are_refused);
	RUN(flat_loads_at_1m_in_long_mode);
	RUN(flat_larger_than_ram);
	RUN(random_corruption_is_harmless);
	RUN(real_debian_kernel);
	return CHECK_DONE();
}
