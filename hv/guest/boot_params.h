/* The Linux/x86 zero page: struct boot_params and the setup header it
 * carries, as byte offsets (Documentation/arch/x86/zero-page.rst and
 * boot.rst, "The Real-Mode Kernel Header").  Named once here for the
 * loader (hv/guest/loader*.c) and whatever else reads or writes the page.
 *
 * Offsets, not a struct laid over the bytes: the kernel file is unaligned
 * and hostile, and byte offsets are what the references give.  The setup
 * header is declared as boot.rst's struct only to derive its offsets.
 */
#ifndef PLINTH_BOOT_PARAMS_H
#define PLINTH_BOOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Asserts that field b starts right after field a, so a mistyped offset in
 * the tables below breaks the build instead of a boot. */
#define FOLLOWS(a, a_size, b)                                                  \
	_Static_assert((a) + (a_size) == (b), #b " must follow " #a)

/* ------------------------------------------------------------------------
 * struct boot_params, the "zero page" (zero-page.rst).  4 KiB, zeroed by
 * the loader, then filled.
 */
#define BP_SIZE 0x1000u
#define BP_ACPI_RSDP_ADDR 0x070u    /* 8: physical address of the RSDP */
#define BP_EXT_RAMDISK_IMAGE 0x0c0u /* 4: ramdisk_image high 32 bits */
#define BP_EXT_RAMDISK_SIZE 0x0c4u  /* 4 */
#define BP_EXT_CMD_LINE_PTR 0x0c8u  /* 4 */
#define BP_E820_ENTRIES 0x1e8u	    /* 1: number of e820_table entries */
#define BP_SENTINEL 0x1efu	    /* 1: must stay 0, see below */
#define BP_HDR 0x1f1u		    /* the setup header is copied here */
#define BP_EDD_MBR_SIG_BUFFER 0x290u
#define BP_E820_TABLE 0x2d0u /* 128 x struct boot_e820_entry */
#define BP_EDDBUF 0xd00u
#define BP_E820_ENTRY_SIZE 20u /* packed: u64 addr, size; u32 type */
#define BP_E820_MAX 128u       /* entries e820_table holds */
/* struct boot_e820_entry, packed: */
#define E820E_ADDR 0x00u /* 8 */
#define E820E_SIZE 0x08u /* 8 */
#define E820E_TYPE 0x10u /* 4 */

FOLLOWS(BP_EXT_RAMDISK_IMAGE, 4, BP_EXT_RAMDISK_SIZE);
FOLLOWS(BP_EXT_RAMDISK_SIZE, 4, BP_EXT_CMD_LINE_PTR);
FOLLOWS(E820E_ADDR, 8, E820E_SIZE);
FOLLOWS(E820E_SIZE, 8, E820E_TYPE);
FOLLOWS(E820E_TYPE, 4, BP_E820_ENTRY_SIZE);
_Static_assert(BP_SENTINEL < BP_HDR, "sentinel lies before the header");
_Static_assert(BP_E820_TABLE + BP_E820_MAX * BP_E820_ENTRY_SIZE <= BP_EDDBUF,
	       "e820_table (2D0/A00 in zero-page.rst) overruns eddbuf");
_Static_assert(BP_EDDBUF < BP_SIZE, "boot_params is one page");

/* ------------------------------------------------------------------------
 * The setup header (boot.rst, "The Real-Mode Kernel Header").  Its offsets
 * are the same in the kernel file and in boot_params, which is why the
 * 32-bit boot protocol can copy it across unchanged.
 */
/* Only offsetof() and sizeof() are taken.  Packed, so that each field's
 * offset (in the comments) is the sum of the sizes before it: the size of
 * the whole and the place of `header` are checked below. */
struct setup_header {
	uint8_t setup_sects;		/* 0x1f1 */
	uint16_t root_flags;		/* 0x1f2 */
	uint32_t syssize;		/* 0x1f4, 2.04+ */
	uint16_t ram_size;		/* 0x1f8 */
	uint16_t vid_mode;		/* 0x1fa */
	uint16_t root_dev;		/* 0x1fc */
	uint16_t boot_flag;		/* 0x1fe: 0xAA55 */
	uint16_t jump;			/* 0x200: 0xEB, signed displacement */
	uint32_t header;		/* 0x202: "HdrS" */
	uint16_t version;		/* 0x206 */
	uint32_t realmode_swtch;	/* 0x208 */
	uint16_t start_sys_seg;		/* 0x20c */
	uint16_t kernel_version;	/* 0x20e */
	uint8_t type_of_loader;		/* 0x210 */
	uint8_t loadflags;		/* 0x211 */
	uint16_t setup_move_size;	/* 0x212 */
	uint32_t code32_start;		/* 0x214 */
	uint32_t ramdisk_image;		/* 0x218 */
	uint32_t ramdisk_size;		/* 0x21c */
	uint32_t bootsect_kludge;	/* 0x220 */
	uint16_t heap_end_ptr;		/* 0x224, 2.01+ */
	uint8_t ext_loader_ver;		/* 0x226, 2.02+ */
	uint8_t ext_loader_type;	/* 0x227, 2.02+ */
	uint32_t cmd_line_ptr;		/* 0x228, 2.02+ */
	uint32_t initrd_addr_max;	/* 0x22c, 2.03+ */
	uint32_t kernel_alignment;	/* 0x230, 2.05+ */
	uint8_t relocatable_kernel;	/* 0x234, 2.05+ */
	uint8_t min_alignment;		/* 0x235, 2.10+ */
	uint16_t xloadflags;		/* 0x236, 2.12+ */
	uint32_t cmdline_size;		/* 0x238, 2.06+ */
	uint32_t hardware_subarch;	/* 0x23c, 2.07+ */
	uint64_t hardware_subarch_data; /* 0x240, 2.07+ */
	uint32_t payload_offset;	/* 0x248, 2.08+ */
	uint32_t payload_length;	/* 0x24c, 2.08+ */
	uint64_t setup_data;		/* 0x250, 2.09+ */
	uint64_t pref_address;		/* 0x258, 2.10+ */
	uint32_t init_size;		/* 0x260, 2.10+ */
	uint32_t handover_offset;	/* 0x264, 2.11+ */
	uint32_t kernel_info_offset;	/* 0x268, 2.15+ */
} __attribute__((packed));

/* A field's offset in the kernel file and in boot_params. */
#define HDR(field) (BP_HDR + offsetof(struct setup_header, field))
#define HDR_END_2_15 0x26cu
_Static_assert(BP_HDR + sizeof(struct setup_header) == HDR_END_2_15,
	       "the 2.15 header ends at 0x26c");

/* boot.rst: "setup_header is permanently limited to 144 bytes due to the
 * reach of the 2-byte jump field": 0x1f1 + 144 = 0x202 + 0x7f, the farthest
 * a short jump's signed displacement reaches. */
#define HDR_MAX_END (BP_HDR + 144u)
_Static_assert(HDR_MAX_END == HDR(header) + 0x7f, "jump reach");
_Static_assert(HDR_END_2_15 <= HDR_MAX_END, "2.15 header fits");
_Static_assert(HDR_MAX_END <= BP_EDD_MBR_SIG_BUFFER,
	       "the header's hole in boot_params ends at 0x290");

#define BOOT_FLAG_MAGIC 0xaa55u
#define LOADED_HIGH 0x01u	       /* loadflags bit 0 (read) */
#define QUIET_FLAG 0x20u	       /* loadflags bit 5 (write) */
#define KEEP_SEGMENTS 0x40u	       /* loadflags bit 6 (obsolete) */
#define CAN_USE_HEAP 0x80u	       /* loadflags bit 7 (write) */
#define XLF_KERNEL_64 0x01u	       /* xloadflags bit 0 */
#define TYPE_OF_LOADER_UNDEFINED 0xffu /* boot.rst: "0xFF = undefined" */
#define VID_MODE_NORMAL 0xffffu	       /* boot.rst: vga=normal */

#endif
