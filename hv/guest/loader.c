/* Guest kernel loader; see hv/guest/loader.h for what it accepts and why.
 *
 * References, cited below by name:
 *   boot.rst      Documentation/arch/x86/boot.rst, "THE LINUX/x86 BOOT
 *                 PROTOCOL": the setup header and the 32/64-bit entries.
 *   zero-page.rst Documentation/arch/x86/zero-page.rst: struct boot_params.
 *   ELF           System V ABI, "ELF-64 Object File Format" (the ELF64
 *                 header and program header layouts).
 *
 * The work is split in two: plan_*() read and validate the files and pick
 * every address, touching nothing; only when all of that succeeded does
 * loader_load() write guest memory.  A refused load therefore leaves the
 * guest as it was, and the writers cannot meet a case the planners did not
 * check.
 *
 * Files are read with explicit little-endian accessors at offsets defined
 * in hv/guest/boot_params.h and loader_elf.c, never through structs laid
 * over the input: the input may be unaligned and is hostile, and byte
 * offsets are what the references give.
 *
 * This file holds what every format shares; each format's planner is in
 * loader_bzimage.c, loader_elf.c or loader_flat.c (see
 * hv/guest/loader_impl.h).
 */
#include "hv/guest/loader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/base/fmt.h"
#include "hv/guest/boot_params.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader_impl.h"

/* boot.rst, "Sample Boot Configuration": with protocol >= 2.02 and
 * LOADED_HIGH the real-mode segment's stack and heap end at 0xe000, and
 * heap_end_ptr = heap_end - 0x200. */
#define HEAP_END 0xe000u
/* The version this loader speaks when it writes a header itself (ELF and
 * flat kernels): 2.15, the current one, whose fields all lie below
 * HDR_END_2_15. */
#define OWN_HDR_VERSION 0x020fu

/* ------------------------------------------------------------------------
 * Fixed guest addresses (hv/guest/layout.h) and what they hold.
 */
#define PGT_PAGES 6u /* PML4, PDPT, 4 page directories */
#define PGT_SIZE (PGT_PAGES * LD_PAGE)
#define PTE_P 0x001ull
#define PTE_RW 0x002ull
#define PTE_PS 0x080ull /* 2 MiB page in a page directory entry */

_Static_assert(GUEST_BOOT_PARAMS + BP_SIZE <= GUEST_CMDLINE,
	       "boot_params and the command line overlap");
_Static_assert(CMDLINE_AREA == 0x1000, "4 KiB for the command line");
_Static_assert(GUEST_BOOT_PGT + PGT_SIZE < GUEST_BOOT_STACK,
	       "page tables and the boot stack overlap");
_Static_assert(GUEST_BOOT_STACK <= GUEST_LOW_RAM_END, "stack in low RAM");
_Static_assert(GUEST_LOW_RAM_MAX <= GUEST_4G,
	       "ramdisk_image is a 32-bit field");
_Static_assert(GUEST_BOOT_PARAMS % LD_PAGE == 0
		       && GUEST_BOOT_PGT % LD_PAGE == 0,
	       "page-aligned boot structures");

/* "40 MiB", "12 KiB" or "1234567 bytes": round sizes read well, and any
 * other size is shown exactly rather than rounded into a lie. */
static const char *size_str(char *buf, size_t n, uint64_t v)
{
	if (v >= MIB && v % MIB == 0)
		fmt(buf, n, "%llu MiB", U(v / MIB));
	else if (v >= KIB && v % KIB == 0)
		fmt(buf, n, "%llu KiB", U(v / KIB));
	else
		fmt(buf, n, "%llu byte%s", U(v), v == 1 ? "" : "s");
	return buf;
}

/* boot.rst: boot_flag 0xAA55 at 0x1fe ("the closest thing old Linux kernels
 * have to a magic number") and "HdrS" at 0x202 (protocol 2.00+). */
static bool has_setup_header(const uint8_t *k, size_t len)
{
	return len >= HDR(header) + 4
	       && get_le16(k + HDR(boot_flag)) == BOOT_FLAG_MAGIC
	       && !memcmp(k + HDR(header), "HdrS", 4);
}

/* ELF: e_ident[EI_MAG0..EI_MAG3] = 0x7f 'E' 'L' 'F'. */
static bool has_elf_magic(const uint8_t *k, size_t len)
{
	return len >= 4
	       && !memcmp(k,
			  "\x7f"
			  "ELF",
			  4);
}

const char *loader_format_name(const uint8_t *k, size_t len,
			       enum kernel_format hint)
{
	if (hint == KERNEL_FLAT)
		return "flat";
	if (hint != KERNEL_AUTO)
		return "invalid format hint";
	if (!k || !len)
		return "empty";
	if (has_setup_header(k, len))
		return "bzImage";
	if (has_elf_magic(k, len))
		return "ELF";
	/* What people mistake for a kernel: compressed vmlinux payloads
	 * (magic numbers as boot.rst lists them for payload_offset) and a
	 * PE/COFF image that is not a Linux EFI-stub kernel. */
	if (len >= 2 && k[0] == 0x1f && (k[1] == 0x8b || k[1] == 0x9e))
		return "gzip data";
	if (len >= 6
	    && !memcmp(k,
		       "\xfd"
		       "7zXZ",
		       6)) /* with its NUL */
		return "xz data";
	if (len >= 4 && !memcmp(k, "\x28\xb5\x2f\xfd", 4))
		return "zstd data";
	if (len >= 3 && !memcmp(k, "BZh", 3))
		return "bzip2 data";
	if (len >= 2 && k[0] == 'M' && k[1] == 'Z')
		return "a PE/COFF image without a Linux setup header";
	return "unknown data";
}

/* ------------------------------------------------------------------------
 * Checks on what the caller built.
 */

static int check_e820(struct ld *l)
{
	const struct loader_args *a = l->a;

	if (!a->e820 || !a->e820_count)
		FAIL(l, "e820: the memory map is empty");
	if (a->e820_count > LOADER_E820_MAX)
		FAIL(l, "e820: %u entries, boot_params holds at most %u",
		     a->e820_count, LOADER_E820_MAX);
	for (unsigned i = 0; i < a->e820_count; i++) {
		const struct e820_entry *e = &a->e820[i];

		if (e->size > UINT64_MAX - e->addr)
			FAIL(l, "e820: entry %u [0x%llx, +0x%llx) wraps around",
			     i, U(e->addr), U(e->size));
	}
	return 0;
}

/* boot_params, the command line, the page tables and the flat guests'
 * stack all live in [GUEST_BOOT_PARAMS, GUEST_BOOT_STACK); one region of
 * RAM must hold it so each structure can be built in place. */
static int check_boot_area(struct ld *l)
{
	if (!gmem_ptr(l->g, GUEST_BOOT_PARAMS,
		      GUEST_BOOT_STACK - GUEST_BOOT_PARAMS))
		FAIL(l,
		     "guest RAM: the boot area [0x%llx, 0x%llx) is not one "
		     "block of RAM",
		     U(GUEST_BOOT_PARAMS), U(GUEST_BOOT_STACK));
	return 0;
}
/* ------------------------------------------------------------------------
 * Command line and initrd, common to all formats
 */

static int measure_cmdline(struct ld *l)
{
	const char *s = l->a->cmdline ? l->a->cmdline : "";
	size_t n = 0;

	/* Never read more than one byte past the limit. */
	while (n <= l->cmdline_max && s[n])
		n++;
	if (n > l->cmdline_max)
		FAIL(l,
		     "command line is longer than %llu bytes, the most this "
		     "kernel accepts",
		     U(l->cmdline_max));
	l->cmdline_len = n;
	return 0;
}

/* The initrd goes as high as it can: page-aligned, inside an e820 RAM
 * entry that is guest RAM, above the boot area, at or below initrd_max
 * (boot.rst: initrd_addr_max is "the address of the highest safe byte")
 * and clear of the kernel's whole footprint, init_size included, which the
 * decompressor overwrites.  High, because the kernel reclaims the initrd
 * late and low memory is what early allocations want. */
static int place_initrd(struct ld *l)
{
	const struct loader_args *a = l->a;
	uint64_t size = a->initrd_len;
	uint64_t top = l->initrd_max + 1; /* initrd_max < 4 GiB: no wrap */
	uint64_t best = 0;
	bool found = false;

	if (!size)
		return 0;
	for (unsigned i = 0; i < a->e820_count; i++) {
		const struct e820_entry *e = &a->e820[i];

		if (e->type != E820_RAM)
			continue;
		uint64_t lo = max64(e->addr, GUEST_HIGH_START);
		uint64_t hi = min64(e->addr + e->size, top);

		if (hi <= lo || hi - lo < size)
			continue;
		uint64_t s = (hi - size) & ~(LD_PAGE - 1);

		if (s < lo)
			continue;
		if (s < l->kend && s + size > l->kstart) {
			/* Below the kernel, then. */
			if (l->kstart < size)
				continue;
			s = (l->kstart - size) & ~(LD_PAGE - 1);
			if (s < lo)
				continue;
		}
		if (!gmem_is_ram(l->g, s, size))
			continue;
		if (!found || s > best) {
			best = s;
			found = true;
		}
	}
	if (!found) {
		char sz[32];

		FAIL(l, "initrd (%s) does not fit below 0x%llx",
		     size_str(sz, sizeof(sz), size), U(l->initrd_max));
	}
	l->initrd_addr = best;
	return 0;
}

/* ------------------------------------------------------------------------
 * Writers: everything they touch was checked by the planners.
 */

int ld_gmem_zero(const struct gmem *g, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[512];

	/* One memset when the range lies in one region, the usual case. */
	uint8_t *p = len ? gmem_ptr(g, gpa, len) : NULL;

	if (p) {
		memset(p, 0, len);
		return 0;
	}
	while (len) {
		uint64_t n = min64(len, sizeof(zeros));

		if (gmem_write(g, gpa, zeros, n))
			return -1;
		gpa += n;
		len -= n;
	}
	return 0;
}

static int write_kernel(struct ld *l)
{
	const uint8_t *k = l->a->kernel;

	switch (l->kind) {
	case KIND_BZIMAGE:
		return gmem_write(l->g, l->load, k + l->pm_off, l->pm_size);
	case KIND_FLAT:
		return gmem_write(l->g, GUEST_HIGH_START, k, l->a->kernel_len);
	case KIND_ELF:
		return ld_write_elf(l);
	}
	return -1;
}

static void build_boot_params(struct ld *l, uint8_t *bp)
{
	const struct loader_args *a = l->a;

	memset(bp, 0, BP_SIZE);
	if (l->kind == KIND_BZIMAGE) {
		/* 32-bit boot protocol: "the setup header from offset 0x01f1
		 * of kernel image on should be loaded into struct boot_params
		 * and examined."  Copying from 0x1f1, not earlier, leaves the
		 * sentinel at 0x1ef zero, which tells the kernel this loader
		 * zeroed the rest of boot_params (sanitize_boot_params()). */
		memcpy(bp + BP_HDR, a->kernel + BP_HDR, l->hdr_end - BP_HDR);
		/* Then the fields boot.rst marks write or modify.  Loader-
		 * written fields the file may carry junk in are cleared:
		 * a setup_data pointer from the file would send the kernel
		 * walking a list through arbitrary guest memory. */
		bp[HDR(setup_sects)] = (uint8_t)l->setup_sects;
		put_le16(bp + HDR(vid_mode), VID_MODE_NORMAL);
		put_le32(bp + HDR(code32_start), (uint32_t)l->load);
		bp[HDR(loadflags)] = (uint8_t)((bp[HDR(loadflags)]
						& ~(QUIET_FLAG | KEEP_SEGMENTS))
					       | CAN_USE_HEAP);
		put_le16(bp + HDR(heap_end_ptr), HEAP_END - 0x200);
		bp[HDR(ext_loader_ver)] = 0;
		bp[HDR(ext_loader_type)] = 0;
		put_le32(bp + HDR(hardware_subarch), 0); /* x86/PC */
		put_le64(bp + HDR(hardware_subarch_data), 0);
		put_le64(bp + HDR(setup_data), 0);
	} else {
		/* A vmlinux or flat binary has no header to copy: write the
		 * minimum a header-reading kernel looks at, under the
		 * current protocol version. */
		put_le16(bp + HDR(boot_flag), BOOT_FLAG_MAGIC);
		memcpy(bp + HDR(header), "HdrS", 4);
		put_le16(bp + HDR(version), OWN_HDR_VERSION);
		bp[HDR(loadflags)] = LOADED_HIGH;
		put_le32(bp + HDR(cmdline_size), (uint32_t)l->cmdline_max);
	}
	bp[HDR(type_of_loader)] = TYPE_OF_LOADER_UNDEFINED;
	/* cmd_line_ptr: "If this field is left at zero, the kernel will
	 * assume that your boot loader does not support the 2.02+
	 * protocol", so it is set even for an empty command line. */
	put_le32(bp + HDR(cmd_line_ptr), (uint32_t)GUEST_CMDLINE);
	/* Both below GUEST_LOW_RAM_MAX < 4 GiB: the ext_ halves stay 0. */
	put_le32(bp + HDR(ramdisk_image), (uint32_t)l->initrd_addr);
	put_le32(bp + HDR(ramdisk_size), (uint32_t)a->initrd_len);

	bp[BP_E820_ENTRIES] = (uint8_t)a->e820_count;
	for (unsigned i = 0; i < a->e820_count; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

		put_le64(e + E820E_ADDR, a->e820[i].addr);
		put_le64(e + E820E_SIZE, a->e820[i].size);
		put_le32(e + E820E_TYPE, a->e820[i].type);
	}
	/* zero-page.rst lists acpi_rsdp_addr at 0x070 for ALL protocols
	 * (kernels before 5.0 see padding there and ignore it).  The
	 * setup-header field of the same name that protocol 2.14 briefly
	 * had is "DO NOT USE" and is never written. */
	put_le64(bp + BP_ACPI_RSDP_ADDR, a->rsdp);
}

/* Identity map of the first 4 GiB with 2 MiB pages: PML4[0] -> PDPT,
 * PDPT[0..3] -> four page directories of 512 large pages each.  The 64-bit
 * boot protocol needs the kernel, boot_params and the command line identity
 * mapped; Linux builds its own tables right after entry. */
static void build_page_tables(uint8_t *pt)
{
	memset(pt, 0, PGT_SIZE);
	put_le64(pt, (GUEST_BOOT_PGT + LD_PAGE) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < 4; i++) {
		uint8_t *pd = pt + (2 + i) * LD_PAGE;

		put_le64(pt + LD_PAGE + i * 8,
			 (GUEST_BOOT_PGT + (2 + i) * LD_PAGE) | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < 512; j++)
			put_le64(pd + j * 8, ((i * 512 + j) << 21) | PTE_P
						     | PTE_RW | PTE_PS);
	}
}

/* ------------------------------------------------------------------------ */

int loader_load(struct gmem *g, const struct loader_args *a,
		struct boot_regs *out, char *err, size_t errlen)
{
	struct ld ld, *l = &ld;

	memset(l, 0, sizeof(*l));
	l->err = err;
	l->errlen = err ? errlen : 0;
	if (l->errlen)
		err[0] = '\0';
	if (!g || !a || !out)
		FAIL(l, "loader: missing argument");
	memset(out, 0, sizeof(*out));
	l->g = g;
	l->a = a;

	if (a->format != KERNEL_AUTO && a->format != KERNEL_FLAT)
		FAIL(l, "kernel: unknown format hint %d", (int)a->format);
	if (!a->kernel || !a->kernel_len)
		FAIL(l, "kernel: file is empty");
	if (!a->initrd && a->initrd_len)
		FAIL(l, "initrd: length %zu but no data", a->initrd_len);
	if (check_e820(l) || check_boot_area(l))
		return -1;

	const uint8_t *k = a->kernel;
	size_t len = a->kernel_len;
	int rc = -1;

	if (a->format == KERNEL_FLAT) {
		rc = ld_plan_flat(l);
	} else if (has_setup_header(k, len)) {
		rc = ld_plan_bzimage(l);
	} else if (has_elf_magic(k, len)) {
		rc = ld_plan_elf(l);
	} else {
		char first[16];
		size_t pos = 0;

		first[0] = '\0';
		for (size_t i = 0; i < len && i < 4; i++)
			pos += fmt(first + pos, sizeof(first) - pos, "%s%02x",
				   i ? " " : "", k[i]);
		FAIL(l,
		     "kernel: found %s, not a bzImage or an ELF vmlinux "
		     "(first bytes: %s)",
		     loader_format_name(k, len, a->format), first);
	}
	if (rc || measure_cmdline(l) || place_initrd(l))
		return -1;

	/* Nothing has been written so far.  From here on every range was
	 * checked above, so a failure is a bug in this file. */
	uint8_t *bp = gmem_ptr(g, GUEST_BOOT_PARAMS, BP_SIZE);
	uint8_t *cl = gmem_ptr(g, GUEST_CMDLINE, l->cmdline_len + 1);
	uint8_t *pt = gmem_ptr(g, GUEST_BOOT_PGT, PGT_SIZE);

	if (!bp || !cl || !pt || write_kernel(l)
	    || (a->initrd_len
		&& gmem_write(g, l->initrd_addr, a->initrd, a->initrd_len)))
		FAIL(l, "loader: internal error: a checked range is not RAM");
	build_boot_params(l, bp);
	if (l->cmdline_len)
		memcpy(cl, a->cmdline, l->cmdline_len);
	cl[l->cmdline_len] = '\0';

	out->mode = l->mode;
	out->rip = l->entry;
	out->rsi = GUEST_BOOT_PARAMS; /* both protocols: %esi/%rsi */
	out->rsp = GUEST_BOOT_STACK;
	if (l->mode == 64) {
		build_page_tables(pt);
		out->cr3 = GUEST_BOOT_PGT;
	}
	out->kernel_start = l->kstart;
	out->kernel_end = l->kend;
	out->initrd_addr = a->initrd_len ? l->initrd_addr : 0;
	out->initrd_size = a->initrd_len;
	return 0;
}