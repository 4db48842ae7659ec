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
 * here, never through structs laid over the input: the input may be
 * unaligned and is hostile, and byte offsets are what the references give.
 */
#include "hv/guest/loader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hv/base/fmt.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"

#define KIB 0x400ull
#define MIB 0x100000ull
#define LD_PAGE 0x1000ull
#define U(x) ((unsigned long long)(x))

/* Asserts that field b starts right after field a, so a mistyped offset in
 * the tables below breaks the build instead of a boot. */
#define FOLLOWS(a, a_size, b) \
	_Static_assert((a) + (a_size) == (b), #b " must follow " #a)

/* ------------------------------------------------------------------------
 * struct boot_params, the "zero page" (zero-page.rst).  4 KiB, zeroed by
 * the loader, then filled.
 */
#define BP_SIZE 0x1000u
#define BP_ACPI_RSDP_ADDR 0x070u  /* 8: physical address of the RSDP */
#define BP_EXT_RAMDISK_IMAGE 0x0c0u /* 4: ramdisk_image high 32 bits */
#define BP_EXT_RAMDISK_SIZE 0x0c4u  /* 4 */
#define BP_EXT_CMD_LINE_PTR 0x0c8u  /* 4 */
#define BP_E820_ENTRIES 0x1e8u	  /* 1: number of e820_table entries */
#define BP_SENTINEL 0x1efu	  /* 1: must stay 0, see below */
#define BP_HDR 0x1f1u		  /* the setup header is copied here */
#define BP_EDD_MBR_SIG_BUFFER 0x290u
#define BP_E820_TABLE 0x2d0u	  /* 128 x struct boot_e820_entry */
#define BP_EDDBUF 0xd00u
#define BP_E820_ENTRY_SIZE 20u	  /* packed: u64 addr, size; u32 type */

FOLLOWS(BP_EXT_RAMDISK_IMAGE, 4, BP_EXT_RAMDISK_SIZE);
FOLLOWS(BP_EXT_RAMDISK_SIZE, 4, BP_EXT_CMD_LINE_PTR);
_Static_assert(BP_SENTINEL < BP_HDR, "sentinel lies before the header");
_Static_assert(BP_E820_TABLE + LOADER_E820_MAX * BP_E820_ENTRY_SIZE <=
		       BP_EDDBUF,
	       "e820_table (2D0/A00 in zero-page.rst) overruns eddbuf");
_Static_assert(BP_EDDBUF < BP_SIZE, "boot_params is one page");

/* ------------------------------------------------------------------------
 * The setup header (boot.rst, "The Real-Mode Kernel Header").  Its offsets
 * are the same in the kernel file and in boot_params, which is why the
 * 32-bit boot protocol can copy it across unchanged.
 */
#define HDR_SETUP_SECTS 0x1f1u	  /* 1 */
#define HDR_ROOT_FLAGS 0x1f2u	  /* 2 */
#define HDR_SYSSIZE 0x1f4u	  /* 4, 2.04+ */
#define HDR_RAM_SIZE 0x1f8u	  /* 2 */
#define HDR_VID_MODE 0x1fau	  /* 2 */
#define HDR_ROOT_DEV 0x1fcu	  /* 2 */
#define HDR_BOOT_FLAG 0x1feu	  /* 2: 0xAA55 */
#define HDR_JUMP 0x200u		  /* 2: 0xEB, signed displacement */
#define HDR_HEADER 0x202u	  /* 4: "HdrS" */
#define HDR_VERSION 0x206u	  /* 2 */
#define HDR_REALMODE_SWTCH 0x208u /* 4 */
#define HDR_START_SYS_SEG 0x20cu  /* 2 */
#define HDR_KERNEL_VERSION 0x20eu /* 2 */
#define HDR_TYPE_OF_LOADER 0x210u /* 1 */
#define HDR_LOADFLAGS 0x211u	  /* 1 */
#define HDR_SETUP_MOVE_SIZE 0x212u /* 2 */
#define HDR_CODE32_START 0x214u	  /* 4 */
#define HDR_RAMDISK_IMAGE 0x218u  /* 4 */
#define HDR_RAMDISK_SIZE 0x21cu	  /* 4 */
#define HDR_BOOTSECT_KLUDGE 0x220u /* 4 */
#define HDR_HEAP_END_PTR 0x224u	  /* 2, 2.01+ */
#define HDR_EXT_LOADER_VER 0x226u /* 1, 2.02+ */
#define HDR_EXT_LOADER_TYPE 0x227u /* 1, 2.02+ */
#define HDR_CMD_LINE_PTR 0x228u	  /* 4, 2.02+ */
#define HDR_INITRD_ADDR_MAX 0x22cu /* 4, 2.03+ */
#define HDR_KERNEL_ALIGNMENT 0x230u /* 4, 2.05+ */
#define HDR_RELOCATABLE 0x234u	  /* 1, 2.05+ */
#define HDR_MIN_ALIGNMENT 0x235u  /* 1, 2.10+ */
#define HDR_XLOADFLAGS 0x236u	  /* 2, 2.12+ */
#define HDR_CMDLINE_SIZE 0x238u	  /* 4, 2.06+ */
#define HDR_HW_SUBARCH 0x23cu	  /* 4, 2.07+ */
#define HDR_HW_SUBARCH_DATA 0x240u /* 8, 2.07+ */
#define HDR_PAYLOAD_OFFSET 0x248u /* 4, 2.08+ */
#define HDR_PAYLOAD_LENGTH 0x24cu /* 4, 2.08+ */
#define HDR_SETUP_DATA 0x250u	  /* 8, 2.09+ */
#define HDR_PREF_ADDRESS 0x258u	  /* 8, 2.10+ */
#define HDR_INIT_SIZE 0x260u	  /* 4, 2.10+ */
#define HDR_HANDOVER_OFFSET 0x264u /* 4, 2.11+ */
#define HDR_KERNEL_INFO_OFFSET 0x268u /* 4, 2.15+ */
#define HDR_END_2_15 0x26cu

FOLLOWS(HDR_SETUP_SECTS, 1, HDR_ROOT_FLAGS);
FOLLOWS(HDR_ROOT_FLAGS, 2, HDR_SYSSIZE);
FOLLOWS(HDR_SYSSIZE, 4, HDR_RAM_SIZE);
FOLLOWS(HDR_RAM_SIZE, 2, HDR_VID_MODE);
FOLLOWS(HDR_VID_MODE, 2, HDR_ROOT_DEV);
FOLLOWS(HDR_ROOT_DEV, 2, HDR_BOOT_FLAG);
FOLLOWS(HDR_BOOT_FLAG, 2, HDR_JUMP);
FOLLOWS(HDR_JUMP, 2, HDR_HEADER);
FOLLOWS(HDR_HEADER, 4, HDR_VERSION);
FOLLOWS(HDR_VERSION, 2, HDR_REALMODE_SWTCH);
FOLLOWS(HDR_REALMODE_SWTCH, 4, HDR_START_SYS_SEG);
FOLLOWS(HDR_START_SYS_SEG, 2, HDR_KERNEL_VERSION);
FOLLOWS(HDR_KERNEL_VERSION, 2, HDR_TYPE_OF_LOADER);
FOLLOWS(HDR_TYPE_OF_LOADER, 1, HDR_LOADFLAGS);
FOLLOWS(HDR_LOADFLAGS, 1, HDR_SETUP_MOVE_SIZE);
FOLLOWS(HDR_SETUP_MOVE_SIZE, 2, HDR_CODE32_START);
FOLLOWS(HDR_CODE32_START, 4, HDR_RAMDISK_IMAGE);
FOLLOWS(HDR_RAMDISK_IMAGE, 4, HDR_RAMDISK_SIZE);
FOLLOWS(HDR_RAMDISK_SIZE, 4, HDR_BOOTSECT_KLUDGE);
FOLLOWS(HDR_BOOTSECT_KLUDGE, 4, HDR_HEAP_END_PTR);
FOLLOWS(HDR_HEAP_END_PTR, 2, HDR_EXT_LOADER_VER);
FOLLOWS(HDR_EXT_LOADER_VER, 1, HDR_EXT_LOADER_TYPE);
FOLLOWS(HDR_EXT_LOADER_TYPE, 1, HDR_CMD_LINE_PTR);
FOLLOWS(HDR_CMD_LINE_PTR, 4, HDR_INITRD_ADDR_MAX);
FOLLOWS(HDR_INITRD_ADDR_MAX, 4, HDR_KERNEL_ALIGNMENT);
FOLLOWS(HDR_KERNEL_ALIGNMENT, 4, HDR_RELOCATABLE);
FOLLOWS(HDR_RELOCATABLE, 1, HDR_MIN_ALIGNMENT);
FOLLOWS(HDR_MIN_ALIGNMENT, 1, HDR_XLOADFLAGS);
FOLLOWS(HDR_XLOADFLAGS, 2, HDR_CMDLINE_SIZE);
FOLLOWS(HDR_CMDLINE_SIZE, 4, HDR_HW_SUBARCH);
FOLLOWS(HDR_HW_SUBARCH, 4, HDR_HW_SUBARCH_DATA);
FOLLOWS(HDR_HW_SUBARCH_DATA, 8, HDR_PAYLOAD_OFFSET);
FOLLOWS(HDR_PAYLOAD_OFFSET, 4, HDR_PAYLOAD_LENGTH);
FOLLOWS(HDR_PAYLOAD_LENGTH, 4, HDR_SETUP_DATA);
FOLLOWS(HDR_SETUP_DATA, 8, HDR_PREF_ADDRESS);
FOLLOWS(HDR_PREF_ADDRESS, 8, HDR_INIT_SIZE);
FOLLOWS(HDR_INIT_SIZE, 4, HDR_HANDOVER_OFFSET);
FOLLOWS(HDR_HANDOVER_OFFSET, 4, HDR_KERNEL_INFO_OFFSET);
FOLLOWS(HDR_KERNEL_INFO_OFFSET, 4, HDR_END_2_15);
_Static_assert(BP_HDR == HDR_SETUP_SECTS, "header starts at 0x1f1");

/* boot.rst: "setup_header is permanently limited to 144 bytes due to the
 * reach of the 2-byte jump field": 0x1f1 + 144 = 0x202 + 0x7f, the farthest
 * a short jump's signed displacement reaches. */
#define HDR_MAX_END (BP_HDR + 144u)
_Static_assert(HDR_MAX_END == HDR_HEADER + 0x7f, "jump reach");
_Static_assert(HDR_END_2_15 <= HDR_MAX_END, "2.15 header fits");
_Static_assert(HDR_MAX_END <= BP_EDD_MBR_SIG_BUFFER,
	       "the header's hole in boot_params ends at 0x290");

#define BOOT_FLAG_MAGIC 0xaa55u
#define LOADED_HIGH 0x01u   /* loadflags bit 0 (read) */
#define QUIET_FLAG 0x20u    /* loadflags bit 5 (write) */
#define KEEP_SEGMENTS 0x40u /* loadflags bit 6 (obsolete) */
#define CAN_USE_HEAP 0x80u  /* loadflags bit 7 (write) */
#define XLF_KERNEL_64 0x01u /* xloadflags bit 0 */
#define TYPE_OF_LOADER_UNDEFINED 0xffu /* boot.rst: "0xFF = undefined" */
#define VID_MODE_NORMAL 0xffffu	       /* boot.rst: vga=normal */
/* boot.rst, "Sample Boot Configuration": with protocol >= 2.02 and
 * LOADED_HIGH the real-mode segment's stack and heap end at 0xe000, and
 * heap_end_ptr = heap_end - 0x200. */
#define HEAP_END 0xe000u
/* The version this loader speaks when it writes a header itself (ELF and
 * flat kernels): 2.15, the current one, whose fields all lie below
 * HDR_END_2_15. */
#define OWN_HDR_VERSION 0x020fu
/* Oldest bzImage accepted: 2.06 introduced cmdline_size, without which the
 * command line length could not be checked. */
#define MIN_BZ_VERSION 0x0206u

/* ------------------------------------------------------------------------
 * ELF64 (System V ABI).  Header and program header fields.
 */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_NIDENT 16u
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

#define EH_TYPE 0x10u	   /* Elf64_Half */
#define EH_MACHINE 0x12u   /* Elf64_Half */
#define EH_VERSION 0x14u   /* Elf64_Word */
#define EH_ENTRY 0x18u	   /* Elf64_Addr */
#define EH_PHOFF 0x20u	   /* Elf64_Off */
#define EH_SHOFF 0x28u	   /* Elf64_Off */
#define EH_FLAGS 0x30u	   /* Elf64_Word */
#define EH_EHSIZE 0x34u	   /* Elf64_Half */
#define EH_PHENTSIZE 0x36u /* Elf64_Half */
#define EH_PHNUM 0x38u	   /* Elf64_Half */
#define EH_SHENTSIZE 0x3au /* Elf64_Half */
#define EH_SHNUM 0x3cu	   /* Elf64_Half */
#define EH_SHSTRNDX 0x3eu  /* Elf64_Half */
#define EHDR_SIZE 0x40u

FOLLOWS(EI_NIDENT, 0, EH_TYPE);
FOLLOWS(EH_TYPE, 2, EH_MACHINE);
FOLLOWS(EH_MACHINE, 2, EH_VERSION);
FOLLOWS(EH_VERSION, 4, EH_ENTRY);
FOLLOWS(EH_ENTRY, 8, EH_PHOFF);
FOLLOWS(EH_PHOFF, 8, EH_SHOFF);
FOLLOWS(EH_SHOFF, 8, EH_FLAGS);
FOLLOWS(EH_FLAGS, 4, EH_EHSIZE);
FOLLOWS(EH_EHSIZE, 2, EH_PHENTSIZE);
FOLLOWS(EH_PHENTSIZE, 2, EH_PHNUM);
FOLLOWS(EH_PHNUM, 2, EH_SHENTSIZE);
FOLLOWS(EH_SHENTSIZE, 2, EH_SHNUM);
FOLLOWS(EH_SHNUM, 2, EH_SHSTRNDX);
FOLLOWS(EH_SHSTRNDX, 2, EHDR_SIZE);

#define PH_TYPE 0x00u	/* Elf64_Word */
#define PH_FLAGS 0x04u	/* Elf64_Word */
#define PH_OFFSET 0x08u /* Elf64_Off */
#define PH_VADDR 0x10u	/* Elf64_Addr */
#define PH_PADDR 0x18u	/* Elf64_Addr */
#define PH_FILESZ 0x20u /* Elf64_Xword */
#define PH_MEMSZ 0x28u	/* Elf64_Xword */
#define PH_ALIGN 0x30u	/* Elf64_Xword */
#define PHDR_SIZE 0x38u

FOLLOWS(PH_TYPE, 4, PH_FLAGS);
FOLLOWS(PH_FLAGS, 4, PH_OFFSET);
FOLLOWS(PH_OFFSET, 8, PH_VADDR);
FOLLOWS(PH_VADDR, 8, PH_PADDR);
FOLLOWS(PH_PADDR, 8, PH_FILESZ);
FOLLOWS(PH_FILESZ, 8, PH_MEMSZ);
FOLLOWS(PH_MEMSZ, 8, PH_ALIGN);
FOLLOWS(PH_ALIGN, 8, PHDR_SIZE);

/* A vmlinux has a handful of program headers (5 on 6.1); 32 is generous
 * and bounds the work a hostile file can ask for. */
#define ELF_MAX_PHDRS 32u

/* ------------------------------------------------------------------------
 * Fixed guest addresses (hv/guest/layout.h) and what they hold.
 */
#define CMDLINE_AREA (GUEST_BOOT_PGT - GUEST_CMDLINE)
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
_Static_assert(GUEST_BOOT_PARAMS % LD_PAGE == 0 &&
		       GUEST_BOOT_PGT % LD_PAGE == 0,
	       "page-aligned boot structures");

/* x86 COMMAND_LINE_SIZE is 2048 (arch/x86/include/asm/setup.h): what a
 * vmlinux, which carries no cmdline_size, keeps of the command line.  A flat
 * guest gets the whole area. */
#define ELF_CMDLINE_MAX 2047u

/* ------------------------------------------------------------------------ */

enum kind { KIND_BZIMAGE, KIND_ELF, KIND_FLAT };

struct ld {
	struct gmem *g;
	const struct loader_args *a;
	char *err;
	size_t errlen;

	enum kind kind;
	int mode;		/* 32 or 64 */
	uint64_t entry;
	uint64_t kstart, kend;	/* the kernel's footprint */
	uint64_t initrd_max;	/* highest byte the initrd may occupy */
	uint64_t cmdline_max;	/* characters, without the NUL */

	/* bzImage */
	uint64_t hdr_end, pm_off, pm_size, load;
	unsigned setup_sects;
	uint16_t version;

	/* ELF */
	uint64_t phoff;
	unsigned phnum;

	/* chosen by the common steps */
	size_t cmdline_len;
	uint64_t initrd_addr;
};

/* fmt() with a zero size writes nothing, so a caller without an error
 * buffer costs nothing here. */
#define FAIL(l, ...)                                          \
	do {                                                  \
		fmt((l)->err, (l)->errlen, __VA_ARGS__);      \
		return -1;                                    \
	} while (0)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* a + b, or UINT64_MAX when that overflows: only for messages. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

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
	return len >= HDR_HEADER + 4 &&
	       get16(k + HDR_BOOT_FLAG) == BOOT_FLAG_MAGIC &&
	       !memcmp(k + HDR_HEADER, "HdrS", 4);
}

/* ELF: e_ident[EI_MAG0..EI_MAG3] = 0x7f 'E' 'L' 'F'. */
static bool has_elf_magic(const uint8_t *k, size_t len)
{
	return len >= 4 && !memcmp(k, "\x7f" "ELF", 4);
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
	if (len >= 6 && !memcmp(k, "\xfd" "7zXZ", 6)) /* with its NUL */
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
		FAIL(l, "guest RAM: the boot area [0x%llx, 0x%llx) is not one "
			"block of RAM", U(GUEST_BOOT_PARAMS),
		     U(GUEST_BOOT_STACK));
	return 0;
}

/* ------------------------------------------------------------------------
 * bzImage
 */

/* Where a bzImage loaded at `load` will run and how far it reaches.
 *
 * boot.rst (init_size) defines the runtime start as align_up(load,
 * kernel_alignment) for a relocatable kernel and pref_address otherwise,
 * and says the kernel needs init_size bytes from there before it reads the
 * memory map.  Linux's decompressor (startup_32 in
 * arch/x86/boot/compressed/head_64.S) also never runs a relocatable kernel
 * below LOAD_PHYSICAL_ADDR, which is what pref_address holds, so the
 * runtime start is the larger of the two.  The footprint is everything from
 * the lower of load and runtime start to the higher of the two ends. */
static void bz_footprint(const struct ld *l, uint64_t load, bool reloc,
			 uint64_t align, uint64_t pref, uint64_t init,
			 uint64_t *start, uint64_t *end)
{
	uint64_t run;

	if (reloc)
		run = max64((load + align - 1) & ~(align - 1), pref);
	else
		run = pref ? pref : load;
	*start = min64(load, run);
	/* Protocols before 2.10 have no init_size; the image itself is the
	 * least the kernel needs.  The sums cannot wrap: the caller keeps
	 * run below 4 GiB + 2 GiB and both sizes below 2^36. */
	*end = max64(load + l->pm_size, run + max64(init, l->pm_size));
}

static bool fits_below_4g(const struct gmem *g, uint64_t start, uint64_t end)
{
	return start >= GUEST_HIGH_START && end > start && end <= GUEST_4G &&
	       gmem_is_ram(g, start, end - start);
}

static int plan_bzimage(struct ld *l)
{
	const uint8_t *k = l->a->kernel;
	size_t len = l->a->kernel_len;

	/* 32-bit boot protocol: "The end of setup header can be calculated
	 * as follow: 0x0202 + byte value at offset 0x0201".  That byte is a
	 * jump displacement, so clamp it to the 144 bytes the header may
	 * ever have rather than copy whatever a hostile value points at. */
	uint64_t hdr_end = HDR_HEADER + (uint64_t)k[HDR_JUMP + 1];

	if (hdr_end > HDR_MAX_END)
		hdr_end = HDR_MAX_END;
	uint64_t need = max64(hdr_end, HDR_VERSION + 2);

	if (len < need)
		FAIL(l, "bzImage: file is %zu bytes, too short for its setup "
			"header (ends at 0x%llx)", len, U(need));

	uint16_t v = get16(k + HDR_VERSION);

	if (v < MIN_BZ_VERSION)
		FAIL(l, "bzImage: setup header version %u.%02u is older than "
			"2.06", (unsigned)(v >> 8), (unsigned)(v & 0xff));
	/* The header must hold every field its version promises and this
	 * loader reads: up to cmdline_size (2.06), up to init_size (2.10). */
	uint64_t min_end = v >= 0x020a ? HDR_INIT_SIZE + 4 :
					 HDR_CMDLINE_SIZE + 4;

	if (hdr_end < min_end)
		FAIL(l, "bzImage: setup header ends at 0x%llx, but protocol "
			"%u.%02u has fields up to 0x%llx", U(hdr_end),
		     (unsigned)(v >> 8), (unsigned)(v & 0xff), U(min_end));

	/* boot.rst: is_bzImage = protocol >= 2.00 && (loadflags & 0x01).
	 * A zImage wants its code at 0x10000 and real-mode help; no. */
	uint8_t lf = k[HDR_LOADFLAGS];

	if (!(lf & LOADED_HIGH))
		FAIL(l, "bzImage: loadflags 0x%02x lack LOADED_HIGH: zImage "
			"kernels are not supported", lf);

	/* setup_sects: "If this field is 0, the real value is 4."  The
	 * protected-mode code starts at (setup_sects + 1) * 512. */
	unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
	uint64_t pm_off = (sects + 1) * 512ull;

	if (pm_off >= len)
		FAIL(l, "bzImage: setup_sects %u puts the protected-mode code "
			"at 0x%llx, past the end of the file (%zu bytes)",
		     sects, U(pm_off), len);

	/* syssize: "The size of the protected-mode code in units of 16-byte
	 * paragraphs" (4 bytes since 2.04).  Linux's tools/build pads the
	 * image to exactly that; anything after it (a signature) is not
	 * kernel and is not copied. */
	uint32_t syssize = get32(k + HDR_SYSSIZE);
	uint64_t pm_size = (uint64_t)syssize * 16;

	if (!syssize)
		FAIL(l, "bzImage: syssize is 0");
	if (pm_size > len - pm_off)
		FAIL(l, "bzImage: syssize 0x%x (%llu bytes from 0x%llx) runs "
			"past the end of the file (%zu bytes)", syssize,
		     U(pm_size), U(pm_off), len);

	bool reloc = k[HDR_RELOCATABLE] != 0; /* 2.05+ */
	uint64_t align = get32(k + HDR_KERNEL_ALIGNMENT);
	uint16_t xlf = v >= 0x020c ? get16(k + HDR_XLOADFLAGS) : 0;
	uint64_t pref = v >= 0x020a ? get64(k + HDR_PREF_ADDRESS) : 0;
	uint64_t init = v >= 0x020a ? get32(k + HDR_INIT_SIZE) : 0;

	/* The decompressor aligns with a mask built from kernel_alignment. */
	if (reloc && (align == 0 || (align & (align - 1))))
		FAIL(l, "bzImage: kernel_alignment 0x%llx is not a power of "
			"two", U(align));

	l->pm_off = pm_off;
	l->pm_size = pm_size;

	uint64_t start, end;

	/* pref_address: "A relocating bootloader should attempt to load at
	 * this address if possible."  Done for a relocatable kernel (a
	 * non-relocatable one "will unconditionally move itself" there
	 * whatever the loader does) that is 64-bit (XLF_KERNEL_64), the
	 * only kind this hypervisor means to boot; anything else gets the
	 * traditional address.  Never below 1 MiB, where boot_params is. */
	if (reloc && (xlf & XLF_KERNEL_64) && pref >= GUEST_HIGH_START &&
	    pref < GUEST_4G) {
		bz_footprint(l, pref, reloc, align, pref, init, &start, &end);
		if (fits_below_4g(l->g, start, end)) {
			l->load = pref;
			goto placed;
		}
	}
	/* Otherwise the traditional bzImage address (boot.rst, "Loading The
	 * Rest of The Kernel": load_address = 0x100000). */
	l->load = GUEST_HIGH_START;
	if (reloc && pref >= GUEST_4G)
		FAIL(l, "bzImage: pref_address 0x%llx is above 4 GiB, out of "
			"reach of the 32-bit entry", U(pref));
	if (!reloc && pref >= GUEST_4G)
		FAIL(l, "bzImage: non-relocatable kernel runs at pref_address "
			"0x%llx, above 4 GiB", U(pref));
	bz_footprint(l, l->load, reloc, align, pref, init, &start, &end);
	if (start < GUEST_HIGH_START)
		FAIL(l, "bzImage: kernel [0x%llx, 0x%llx) overlaps the boot "
			"area below 0x%llx", U(start), U(end),
		     U(GUEST_HIGH_START));
	if (!fits_below_4g(l->g, start, end))
		FAIL(l, "bzImage: kernel [0x%llx, 0x%llx) is outside guest RAM",
		     U(start), U(end));
placed:
	l->kind = KIND_BZIMAGE;
	l->mode = 32;
	/* 32-bit boot protocol: "the kernel is started by jumping to the
	 * 32-bit kernel entry point, which is the start address of loaded
	 * 32/64-bit kernel." */
	l->entry = l->load;
	l->kstart = start;
	l->kend = end;
	l->hdr_end = hdr_end;
	l->setup_sects = sects;
	l->version = v;
	/* initrd_addr_max is "the address of the highest safe byte"; the
	 * guest's low RAM ends below it in any case. */
	l->initrd_max = min64(get32(k + HDR_INITRD_ADDR_MAX),
			      GUEST_LOW_RAM_MAX - 1);
	/* cmdline_size: "The maximum size of the command line without the
	 * terminating zero." */
	l->cmdline_max = min64(get32(k + HDR_CMDLINE_SIZE), CMDLINE_AREA - 1);
	return 0;
}

/* ------------------------------------------------------------------------
 * ELF vmlinux
 */

static const uint8_t *phdr(const struct ld *l, unsigned i)
{
	return l->a->kernel + l->phoff + (uint64_t)i * PHDR_SIZE;
}

static int plan_elf(struct ld *l)
{
	const uint8_t *k = l->a->kernel;
	size_t len = l->a->kernel_len;

	/* e_ident first: it says how to read the rest. */
	if (len < EI_NIDENT)
		FAIL(l, "ELF: file is %zu bytes, shorter than the 64-byte "
			"ELF64 header", len);
	if (k[EI_CLASS] == ELFCLASS32)
		FAIL(l, "ELF: 32-bit file (ELFCLASS32); only ELF64 kernels "
			"are supported");
	if (k[EI_CLASS] != ELFCLASS64)
		FAIL(l, "ELF: unknown class %u; only ELF64 kernels are "
			"supported", k[EI_CLASS]);
	if (k[EI_DATA] != ELFDATA2LSB)
		FAIL(l, "ELF: data encoding %u is not little-endian "
			"(ELFDATA2LSB)", k[EI_DATA]);
	if (k[EI_VERSION] != EV_CURRENT)
		FAIL(l, "ELF: e_ident version %u is not EV_CURRENT (1)",
		     k[EI_VERSION]);
	if (len < EHDR_SIZE)
		FAIL(l, "ELF: file is %zu bytes, shorter than the 64-byte "
			"ELF64 header", len);
	if (get16(k + EH_TYPE) != ET_EXEC)
		FAIL(l, "ELF: type %u is not ET_EXEC (2)", get16(k + EH_TYPE));
	if (get16(k + EH_MACHINE) != EM_X86_64)
		FAIL(l, "ELF: machine %u is not x86-64 (62)",
		     get16(k + EH_MACHINE));
	if (get32(k + EH_VERSION) != EV_CURRENT)
		FAIL(l, "ELF: version %u is not EV_CURRENT (1)",
		     get32(k + EH_VERSION));
	if (get16(k + EH_PHENTSIZE) != PHDR_SIZE)
		FAIL(l, "ELF: e_phentsize %u, expected %u",
		     get16(k + EH_PHENTSIZE), PHDR_SIZE);

	unsigned phnum = get16(k + EH_PHNUM);
	uint64_t phoff = get64(k + EH_PHOFF);

	if (!phnum)
		FAIL(l, "ELF: no program headers");
	if (phnum > ELF_MAX_PHDRS)
		FAIL(l, "ELF: %u program headers, at most %u are accepted",
		     phnum, ELF_MAX_PHDRS);
	if (phoff > len || (uint64_t)phnum * PHDR_SIZE > len - phoff)
		FAIL(l, "ELF: program headers at 0x%llx (%u x %u bytes) run "
			"past the end of the file (%zu bytes)", U(phoff), phnum,
		     PHDR_SIZE, len);
	l->phoff = phoff;
	l->phnum = phnum;

	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned nload = 0;

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = phdr(l, i);

		if (get32(ph + PH_TYPE) != PT_LOAD)
			continue;
		uint64_t off = get64(ph + PH_OFFSET);
		uint64_t pa = get64(ph + PH_PADDR);
		uint64_t filesz = get64(ph + PH_FILESZ);
		uint64_t memsz = get64(ph + PH_MEMSZ);

		/* ELF: "The file size may not be larger than the memory
		 * size"; the difference is zero-filled (bss). */
		if (filesz > memsz)
			FAIL(l, "ELF: segment %u has p_filesz 0x%llx larger "
				"than p_memsz 0x%llx", i, U(filesz), U(memsz));
		if (off > len || filesz > len - off)
			FAIL(l, "ELF: segment %u file bytes 0x%llx+0x%llx run "
				"past the end of the file (%zu bytes)", i,
			     U(off), U(filesz), len);
		if (!memsz)
			continue; /* occupies no memory: nothing to load */
		if (memsz > UINT64_MAX - pa)
			FAIL(l, "ELF: segment %u [0x%llx, +0x%llx) wraps "
				"around the address space", i, U(pa), U(memsz));
		uint64_t end = pa + memsz;

		/* p_paddr is where the kernel expects to be in physical
		 * memory; it must neither cover the boot structures below
		 * 1 MiB nor leave the 4 GiB the entry page tables map. */
		if (pa < GUEST_HIGH_START)
			FAIL(l, "ELF: segment %u [0x%llx, 0x%llx) overlaps the "
				"boot area below 0x%llx", i, U(pa), U(end),
			     U(GUEST_HIGH_START));
		if (!gmem_is_ram(l->g, pa, memsz))
			FAIL(l, "ELF: segment %u [0x%llx, 0x%llx) is outside "
				"guest RAM", i, U(pa), U(end));
		if (end > GUEST_4G)
			FAIL(l, "ELF: segment %u [0x%llx, 0x%llx) lies above "
				"the 4 GiB identity map", i, U(pa), U(end));
		lo = min64(lo, pa);
		hi = max64(hi, end);
		nload++;
	}
	if (!nload)
		FAIL(l, "ELF: no PT_LOAD segment with memory to load");

	/* x86's vmlinux.lds sets ENTRY(phys_startup_64), so e_entry is
	 * normally already physical.  Other linkers leave the virtual
	 * address of startup_64; translate it through the segment that holds
	 * it (p_vaddr - p_paddr is __START_KERNEL_map for every vmlinux
	 * segment).  An entry outside every segment would run garbage. */
	uint64_t e = get64(k + EH_ENTRY);
	bool found = false;

	for (int pass = 0; pass < 2 && !found; pass++) {
		for (unsigned i = 0; i < phnum && !found; i++) {
			const uint8_t *ph = phdr(l, i);
			uint64_t memsz = get64(ph + PH_MEMSZ);
			uint64_t pa = get64(ph + PH_PADDR);
			uint64_t base = pass ? get64(ph + PH_VADDR) : pa;

			if (get32(ph + PH_TYPE) != PT_LOAD || !memsz)
				continue;
			/* Unsigned: e below base wraps to a huge value. */
			if (e - base < memsz) {
				l->entry = pa + (e - base);
				found = true;
			}
		}
	}
	if (!found)
		FAIL(l, "ELF: entry point 0x%llx is not inside any loaded "
			"segment", U(e));

	l->kind = KIND_ELF;
	l->mode = 64;
	l->kstart = lo;
	l->kend = hi;
	l->initrd_max = GUEST_LOW_RAM_MAX - 1;
	l->cmdline_max = ELF_CMDLINE_MAX;
	return 0;
}

/* ------------------------------------------------------------------------
 * Flat binary
 */

static int plan_flat(struct ld *l)
{
	size_t len = l->a->kernel_len;

	if (len > GUEST_4G - GUEST_HIGH_START ||
	    !gmem_is_ram(l->g, GUEST_HIGH_START, len))
		FAIL(l, "flat: kernel [0x%llx, 0x%llx) is outside guest RAM",
		     U(GUEST_HIGH_START), U(sat_add(GUEST_HIGH_START, len)));
	l->kind = KIND_FLAT;
	l->mode = 64;
	l->entry = GUEST_HIGH_START;
	l->kstart = GUEST_HIGH_START;
	l->kend = GUEST_HIGH_START + len;
	l->initrd_max = GUEST_LOW_RAM_MAX - 1;
	l->cmdline_max = CMDLINE_AREA - 1;
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
		FAIL(l, "command line is longer than %llu bytes, the most this "
			"kernel accepts", U(l->cmdline_max));
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

static int gmem_zero(const struct gmem *g, uint64_t gpa, uint64_t len)
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
		for (unsigned i = 0; i < l->phnum; i++) {
			const uint8_t *ph = phdr(l, i);
			uint64_t off = get64(ph + PH_OFFSET);
			uint64_t pa = get64(ph + PH_PADDR);
			uint64_t filesz = get64(ph + PH_FILESZ);
			uint64_t memsz = get64(ph + PH_MEMSZ);

			if (get32(ph + PH_TYPE) != PT_LOAD || !memsz)
				continue;
			if (filesz && gmem_write(l->g, pa, k + off, filesz))
				return -1;
			if (gmem_zero(l->g, pa + filesz, memsz - filesz))
				return -1;
		}
		return 0;
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
		bp[HDR_SETUP_SECTS] = (uint8_t)l->setup_sects;
		put16(bp + HDR_VID_MODE, VID_MODE_NORMAL);
		put32(bp + HDR_CODE32_START, (uint32_t)l->load);
		bp[HDR_LOADFLAGS] = (uint8_t)((bp[HDR_LOADFLAGS] &
					       ~(QUIET_FLAG | KEEP_SEGMENTS)) |
					      CAN_USE_HEAP);
		put16(bp + HDR_HEAP_END_PTR, HEAP_END - 0x200);
		bp[HDR_EXT_LOADER_VER] = 0;
		bp[HDR_EXT_LOADER_TYPE] = 0;
		put32(bp + HDR_HW_SUBARCH, 0); /* x86/PC */
		put64(bp + HDR_HW_SUBARCH_DATA, 0);
		put64(bp + HDR_SETUP_DATA, 0);
	} else {
		/* A vmlinux or flat binary has no header to copy: write the
		 * minimum a header-reading kernel looks at, under the
		 * current protocol version. */
		put16(bp + HDR_BOOT_FLAG, BOOT_FLAG_MAGIC);
		memcpy(bp + HDR_HEADER, "HdrS", 4);
		put16(bp + HDR_VERSION, OWN_HDR_VERSION);
		bp[HDR_LOADFLAGS] = LOADED_HIGH;
		put32(bp + HDR_CMDLINE_SIZE, (uint32_t)l->cmdline_max);
	}
	bp[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNDEFINED;
	/* cmd_line_ptr: "If this field is left at zero, the kernel will
	 * assume that your boot loader does not support the 2.02+
	 * protocol", so it is set even for an empty command line. */
	put32(bp + HDR_CMD_LINE_PTR, (uint32_t)GUEST_CMDLINE);
	/* Both below GUEST_LOW_RAM_MAX < 4 GiB: the ext_ halves stay 0. */
	put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)l->initrd_addr);
	put32(bp + HDR_RAMDISK_SIZE, (uint32_t)a->initrd_len);

	bp[BP_E820_ENTRIES] = (uint8_t)a->e820_count;
	for (unsigned i = 0; i < a->e820_count; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

		put64(e, a->e820[i].addr);
		put64(e + 8, a->e820[i].size);
		put32(e + 16, a->e820[i].type);
	}
	/* zero-page.rst lists acpi_rsdp_addr at 0x070 for ALL protocols
	 * (kernels before 5.0 see padding there and ignore it).  The
	 * setup-header field of the same name that protocol 2.14 briefly
	 * had is "DO NOT USE" and is never written. */
	put64(bp + BP_ACPI_RSDP_ADDR, a->rsdp);
}

/* Identity map of the first 4 GiB with 2 MiB pages: PML4[0] -> PDPT,
 * PDPT[0..3] -> four page directories of 512 large pages each.  The 64-bit
 * boot protocol needs the kernel, boot_params and the command line identity
 * mapped; Linux builds its own tables right after entry. */
static void build_page_tables(uint8_t *pt)
{
	memset(pt, 0, PGT_SIZE);
	put64(pt, (GUEST_BOOT_PGT + LD_PAGE) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < 4; i++) {
		uint8_t *pd = pt + (2 + i) * LD_PAGE;

		put64(pt + LD_PAGE + i * 8,
		      (GUEST_BOOT_PGT + (2 + i) * LD_PAGE) | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < 512; j++)
			put64(pd + j * 8, ((i * 512 + j) << 21) | PTE_P |
						  PTE_RW | PTE_PS);
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
	int rc;

	if (a->format == KERNEL_FLAT) {
		rc = plan_flat(l);
	} else if (has_setup_header(k, len)) {
		rc = plan_bzimage(l);
	} else if (has_elf_magic(k, len)) {
		rc = plan_elf(l);
	} else {
		char first[16];
		size_t pos = 0;

		first[0] = '\0';
		for (size_t i = 0; i < len && i < 4; i++)
			pos += fmt(first + pos, sizeof(first) - pos, "%s%02x",
				   i ? " " : "", k[i]);
		FAIL(l, "kernel: found %s, not a bzImage or an ELF vmlinux "
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

	if (!bp || !cl || !pt || write_kernel(l) ||
	    (a->initrd_len &&
	     gmem_write(g, l->initrd_addr, a->initrd, a->initrd_len)))
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
