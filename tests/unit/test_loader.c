/* Host tests for hv/guest/loader.c, the guest kernel loader.
 *
 * The kernels are built here, in memory, by helpers that write valid
 * headers field by field; each rejection test starts from a valid file and
 * breaks one thing.  Boot_params fields are checked at the offsets that
 * Documentation/arch/x86/boot.rst and zero-page.rst give, written out as
 * literals here rather than taken from the loader, so a wrong offset there
 * cannot hide behind the same wrong offset here.
 *
 * Guest memory is two or more malloc'd blocks of exactly the region size,
 * so ASan catches any write past a region; every block starts filled with
 * POISON, which also shows what the loader wrote and that a refused load
 * wrote nothing.
 *
 * When build/guest/vmlinuz (the Debian kernel the system tests boot) is
 * present, it is loaded too; without it that check is skipped with a note.
 */
#include "tests/unit/check.h"

#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KiB 0x400ull
#define MiB 0x100000ull
#define POISON 0xcc

/* ------------------------------------------------------------------------
 * Little-endian accessors for test-built files and guest memory.
 */
static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)v);
	w16(p + 2, (uint16_t)(v >> 16));
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t r16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)r16(p) | (uint32_t)r16(p + 2) << 16;
}

static uint64_t r64(const uint8_t *p)
{
	return (uint64_t)r32(p) | (uint64_t)r32(p + 4) << 32;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Compares a block at a time: the tests scan 64 MiB guests often. */
static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	static uint8_t ref[4096];
	static int ref_v = -1;

	if (ref_v != v) {
		memset(ref, v, sizeof(ref));
		ref_v = v;
	}
	for (size_t i = 0; i < n; i += sizeof(ref))
		if (memcmp(p + i, ref, min_sz(n - i, sizeof(ref))))
			return false;
	return true;
}

/* ------------------------------------------------------------------------
 * Guest memory
 */
struct guest {
	struct gmem g;
	uint8_t *block[GMEM_MAX_REGIONS];
	uint64_t block_size[GMEM_MAX_REGIONS];
	unsigned nblocks;
	struct e820_entry e820[8];
	unsigned ne;
};

static void guest_region(struct guest *gu, uint64_t gpa, uint64_t size,
			 bool in_e820)
{
	uint8_t *b = malloc(size);

	if (!b) {
		printf("# out of memory\n");
		exit(1);
	}
	memset(b, POISON, size);
	gu->block[gu->nblocks] = b;
	gu->block_size[gu->nblocks++] = size;
	CHECK(gmem_add(&gu->g, gpa, size, b) == 0);
	if (in_e820)
		gu->e820[gu->ne++] = (struct e820_entry){ gpa, size, E820_RAM };
}

static void guest_empty(struct guest *gu)
{
	memset(gu, 0, sizeof(*gu));
	gmem_init(&gu->g);
}

/* The usual test guest: low RAM below 640 KiB, the legacy hole, RAM from
 * 1 MiB to `size`, and a reserved e820 entry for the BIOS area (not RAM
 * here). */
static void guest_std(struct guest *gu, uint64_t size)
{
	guest_empty(gu);
	guest_region(gu, 0, GUEST_LOW_RAM_END, true);
	gu->e820[gu->ne++] = (struct e820_entry){ 0xf0000, 0x10000,
						  E820_RESERVED };
	guest_region(gu, GUEST_HIGH_START, size - GUEST_HIGH_START, true);
}

static void guest_free(struct guest *gu)
{
	for (unsigned i = 0; i < gu->nblocks; i++)
		free(gu->block[i]);
	gu->nblocks = 0;
}

static void guest_repoison(struct guest *gu)
{
	for (unsigned i = 0; i < gu->nblocks; i++)
		memset(gu->block[i], POISON, gu->block_size[i]);
}

static bool untouched(const struct guest *gu)
{
	for (unsigned i = 0; i < gu->nblocks; i++)
		if (!all_bytes(gu->block[i], gu->block_size[i], POISON))
			return false;
	return true;
}

/* A host pointer to n bytes at gpa; the tests only ask for RAM. */
static uint8_t *gp(struct guest *gu, uint64_t gpa, uint64_t n)
{
	uint8_t *p = gmem_ptr(&gu->g, gpa, n);

	if (!p) {
		printf("# test bug: 0x%llx+0x%llx is not guest RAM\n",
		       (unsigned long long)gpa, (unsigned long long)n);
		exit(1);
	}
	return p;
}

static uint8_t *bootp(struct guest *gu)
{
	return gp(gu, 0x7000, 0x1000);
}

#define RSDP 0xf0123ull
#define CMDLINE "console=ttyS0 root=/dev/vda quiet"

static struct loader_args args(const struct guest *gu, const uint8_t *k,
			       size_t n)
{
	return (struct loader_args){
		.kernel = k,
		.kernel_len = n,
		.cmdline = CMDLINE,
		.format = KERNEL_AUTO,
		.e820 = gu->e820,
		.e820_count = gu->ne,
		.rsdp = RSDP,
	};
}

/* A refused load: the exact message, nothing written, *out zeroed. */
#define EXPECT_FAIL(gu, a, msg)                                              \
	do {                                                                 \
		char e_[256];                                                \
		struct boot_regs r_;                                         \
		memset(&r_, 0x5a, sizeof(r_));                               \
		CHECK(loader_load(&(gu)->g, (a), &r_, e_, sizeof(e_)) == -1); \
		CHECK_STR(e_, msg);                                          \
		CHECK(untouched(gu));                                        \
		CHECK(r_.mode == 0 && r_.rip == 0 && r_.rsi == 0);           \
	} while (0)

#define EXPECT_OK(gu, a, r)                                                  \
	do {                                                                 \
		char e_[256];                                                \
		int rc_ = loader_load(&(gu)->g, (a), (r), e_, sizeof(e_));   \
		if (rc_)                                                     \
			printf("#   unexpected: %s\n", e_);                  \
		CHECK(rc_ == 0);                                             \
		CHECK_STR(e_, "");                                           \
	} while (0)

/* ------------------------------------------------------------------------
 * Synthetic bzImage: a setup area of junk with a valid setup header, a
 * protected-mode part of patterned bytes, and an optional trailer (where
 * a signed kernel keeps its signature).
 */
struct bz_opts {
	uint8_t setup_sects;	/* raw field; 0 means 4 */
	uint16_t version;
	uint8_t hdr_len;	/* byte at 0x201: header ends at 0x202 + it */
	uint8_t loadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint64_t pref_address;
	uint32_t init_size;
	size_t pm_size;		/* multiple of 16 */
	uint32_t syssize;	/* 0: pm_size / 16 */
	size_t trailer;
};

static struct bz_opts bz_defaults(void)
{
	return (struct bz_opts){
		.setup_sects = 4,
		.version = 0x020f,
		.hdr_len = 0x6a, /* header ends at 0x26c, as Linux 6.1's */
		.loadflags = 0x01,
		.relocatable = 1,
		.kernel_alignment = 0x200000,
		.xloadflags = 0x0003, /* KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
		.cmdline_size = 2047,
		.initrd_addr_max = 0x7fffffff,
		.pref_address = 0x1000000,
		.init_size = 0x800000,
		.pm_size = 0x10000,
	};
}

static uint8_t pm_byte(size_t i)
{
	return (uint8_t)(i * 13 + 7);
}

static size_t bz_pm_off(const struct bz_opts *o)
{
	return ((size_t)(o->setup_sects ? o->setup_sects : 4) + 1) * 512;
}

static uint8_t *bz_build(const struct bz_opts *o, size_t *len)
{
	size_t off = bz_pm_off(o);
	size_t n = off + o->pm_size + o->trailer;
	uint8_t *b = malloc(n);

	memset(b, 0x5a, off); /* junk, which must not reach boot_params */
	for (size_t i = 0; i < o->pm_size; i++)
		b[off + i] = pm_byte(i);
	memset(b + off + o->pm_size, 0xee, o->trailer);
	b[0] = 'M';
	b[1] = 'Z';
	b[0x1f1] = o->setup_sects;
	w16(b + 0x1f2, 1);		/* root_flags */
	w32(b + 0x1f4, o->syssize ? o->syssize : (uint32_t)(o->pm_size / 16));
	w16(b + 0x1fa, 0xfffd);		/* vid_mode: ask */
	w16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = o->hdr_len;
	memcpy(b + 0x202, "HdrS", 4);
	w16(b + 0x206, o->version);
	b[0x210] = 0;			/* type_of_loader */
	b[0x211] = o->loadflags;
	w32(b + 0x214, 0x100000);	/* code32_start */
	w32(b + 0x218, 0xdeadbeef);	/* ramdisk_image: junk */
	w32(b + 0x21c, 0x1234);		/* ramdisk_size: junk */
	w16(b + 0x224, 0);		/* heap_end_ptr */
	b[0x226] = 0x77;		/* ext_loader_ver: junk */
	b[0x227] = 0x66;		/* ext_loader_type: junk */
	w32(b + 0x228, 0xcafebabe);	/* cmd_line_ptr: junk */
	w32(b + 0x22c, o->initrd_addr_max);
	w32(b + 0x230, o->kernel_alignment);
	b[0x234] = o->relocatable;
	b[0x235] = 21;			/* min_alignment */
	w16(b + 0x236, o->xloadflags);
	w32(b + 0x238, o->cmdline_size);
	w32(b + 0x23c, 2);		/* hardware_subarch: Xen! */
	w64(b + 0x240, 0x1111);		/* hardware_subarch_data */
	w32(b + 0x248, 0x3ba);		/* payload_offset */
	w32(b + 0x24c, 0x1000);		/* payload_length */
	w64(b + 0x250, 0x1122334455667788ull);	/* setup_data: junk */
	w64(b + 0x258, o->pref_address);
	w32(b + 0x260, o->init_size);
	w32(b + 0x264, 0x190);		/* handover_offset */
	w32(b + 0x268, 0x2a0000);	/* kernel_info_offset */
	*len = n;
	return b;
}

/* Offsets of boot_params bytes that the loader writes over the copied
 * header (boot.rst: the write and modify fields it fills). */
static bool bz_written(size_t off)
{
	static const struct {
		size_t off, size;
	} w[] = {
		{ 0x1f1, 1 }, /* setup_sects, 0 -> 4 */
		{ 0x1fa, 2 }, /* vid_mode */
		{ 0x210, 1 }, /* type_of_loader */
		{ 0x211, 1 }, /* loadflags */
		{ 0x214, 4 }, /* code32_start */
		{ 0x218, 8 }, /* ramdisk_image, ramdisk_size */
		{ 0x224, 8 }, /* heap_end_ptr, ext_loader_*, cmd_line_ptr */
		{ 0x23c, 12 }, /* hardware_subarch(_data) */
		{ 0x250, 8 }, /* setup_data */
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (off >= w[i].off && off < w[i].off + w[i].size)
			return true;
	return false;
}

/* The e820 table in boot_params: count at 0x1e8, 20-byte entries at
 * 0x2d0, nothing after the last one. */
static void check_e820(uint8_t *bp, const struct e820_entry *e, unsigned n)
{
	CHECK(bp[0x1e8] == n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = bp + 0x2d0 + 20 * i;

		CHECK(r64(p) == e[i].addr);
		CHECK(r64(p + 8) == e[i].size);
		CHECK(r32(p + 16) == e[i].type);
	}
	CHECK(all_bytes(bp + 0x2d0 + 20 * n, 0x1000 - 0x2d0 - 20 * n, 0));
}

static void check_cmdline(struct guest *gu, const char *s)
{
	size_t n = strlen(s);

	CHECK(memcmp(gp(gu, 0x8000, n + 1), s, n + 1) == 0);
}

/* ------------------------------------------------------------------------
 * Synthetic ELF vmlinux
 */
struct eseg {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

static uint8_t file_byte(size_t i)
{
	return (uint8_t)(i * 29 + 11);
}

static uint8_t *elf_build(const struct eseg *s, unsigned n, uint64_t entry,
			  size_t len)
{
	uint8_t *b = malloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = file_byte(i);
	memset(b, 0, 64 + 56 * n);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = 2; /* ELFCLASS64 */
	b[5] = 1; /* ELFDATA2LSB */
	b[6] = 1; /* EV_CURRENT */
	w16(b + 16, 2);	 /* ET_EXEC */
	w16(b + 18, 62); /* EM_X86_64 */
	w32(b + 20, 1);
	w64(b + 24, entry);
	w64(b + 32, 64); /* e_phoff */
	w16(b + 52, 64);
	w16(b + 54, 56);
	w16(b + 56, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = b + 64 + 56 * i;

		w32(p, s[i].type);
		w32(p + 4, 7);
		w64(p + 8, s[i].off);
		w64(p + 16, s[i].vaddr);
		w64(p + 24, s[i].paddr);
		w64(p + 32, s[i].filesz);
		w64(p + 40, s[i].memsz);
		w64(p + 48, 0x200000);
	}
	return b;
}

#define ELF_LEN 0x5000
#define KVIRT 0xffffffff80000000ull /* __START_KERNEL_map */

/* A vmlinux in miniature: text+data with bss at 16 MiB, a PT_NOTE that
 * must be ignored, and a second segment at 32 MiB. */
static const struct eseg elf_segs[3] = {
	{ 1, 0x1000, KVIRT + 0x1000000, 0x1000000, 0x3000, 0x5000 },
	{ 4, 0x1100, 0, 0, 0x10, 0x10 },
	{ 1, 0x4000, KVIRT + 0x2000000, 0x2000000, 0x1000, 0x1000 },
};

static uint8_t *elf_default(size_t *len)
{
	*len = ELF_LEN;
	return elf_build(elf_segs, 3, 0x1000000, ELF_LEN);
}

/* Program header i's field at offset f. */
static uint8_t *ph(uint8_t *b, unsigned i, unsigned f)
{
	return b + 64 + 56 * i + f;
}

static void check_page_tables(struct guest *gu)
{
	uint8_t *pt = gp(gu, 0x9000, 6 * 0x1000);
	bool ok = true;

	CHECK(r64(pt) == 0xa003);
	CHECK(all_bytes(pt + 8, 0x1000 - 8, 0));
	for (unsigned i = 0; i < 4; i++)
		CHECK(r64(pt + 0x1000 + 8 * i) == 0xb003 + 0x1000ull * i);
	CHECK(all_bytes(pt + 0x1000 + 32, 0x1000 - 32, 0));
	for (uint64_t i = 0; i < 2048; i++)
		ok &= r64(pt + 0x2000 + 8 * i) == ((i << 21) | 0x83);
	CHECK(ok);
	CHECK(r64(pt + 0x2000 + 8 * 2047) == 0xffe00083);
}

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
	EXPECT_FAIL(&gu, &a, "initrd (1 byte) does not fit below 0xafffffff");
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
	RUN(cmdline_limits);
	RUN(initrd_respects_initrd_addr_max);
	RUN(initrd_goes_below_the_kernel_when_it_must);
	RUN(initrd_is_page_aligned_and_highest);
	RUN(initrd_too_large);
	RUN(e820_limits);
	RUN(boot_area_must_be_ram);
	RUN(elf_loads_segments_and_builds_page_tables);
	RUN(elf_virtual_entry_is_translated);
	RUN(elf_rejections);
	RUN(elf_segment_at_ram_end_fits);
	RUN(elf_rejects_ram_hole_and_high_segments);
	RUN(elf_segments_may_span_adjacent_regions);
	RUN(elf_truncated_at_every_length);
	RUN(flat_loads_at_1m_in_long_mode);
	RUN(flat_larger_than_ram);
	RUN(random_corruption_is_harmless);
	RUN(real_debian_kernel);
	return CHECK_DONE();
}
