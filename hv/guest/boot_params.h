/* The Linux/x86 zero page: struct boot_params and the setup header it
 * carries, as byte offsets (Documentation/arch/x86/zero-page.rst and
 * boot.rst, "The Real-Mode Kernel Header").  Named once here for the
 * loader (hv/guest/loader*.c) and whatever else reads or writes the page.
 *
 * Offsets, not a struct laid over the bytes: the kernel file is unaligned
 * and hostile, and byte offsets are what the references give.
 */
#ifndef PLINTH_BOOT_PARAMS_H
#define PLINTH_BOOT_PARAMS_H

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
#define HDR_SETUP_SECTS 0x1f1u	      /* 1 */
#define HDR_ROOT_FLAGS 0x1f2u	      /* 2 */
#define HDR_SYSSIZE 0x1f4u	      /* 4, 2.04+ */
#define HDR_RAM_SIZE 0x1f8u	      /* 2 */
#define HDR_VID_MODE 0x1fau	      /* 2 */
#define HDR_ROOT_DEV 0x1fcu	      /* 2 */
#define HDR_BOOT_FLAG 0x1feu	      /* 2: 0xAA55 */
#define HDR_JUMP 0x200u		      /* 2: 0xEB, signed displacement */
#define HDR_HEADER 0x202u	      /* 4: "HdrS" */
#define HDR_VERSION 0x206u	      /* 2 */
#define HDR_REALMODE_SWTCH 0x208u     /* 4 */
#define HDR_START_SYS_SEG 0x20cu      /* 2 */
#define HDR_KERNEL_VERSION 0x20eu     /* 2 */
#define HDR_TYPE_OF_LOADER 0x210u     /* 1 */
#define HDR_LOADFLAGS 0x211u	      /* 1 */
#define HDR_SETUP_MOVE_SIZE 0x212u    /* 2 */
#define HDR_CODE32_START 0x214u	      /* 4 */
#define HDR_RAMDISK_IMAGE 0x218u      /* 4 */
#define HDR_RAMDISK_SIZE 0x21cu	      /* 4 */
#define HDR_BOOTSECT_KLUDGE 0x220u    /* 4 */
#define HDR_HEAP_END_PTR 0x224u	      /* 2, 2.01+ */
#define HDR_EXT_LOADER_VER 0x226u     /* 1, 2.02+ */
#define HDR_EXT_LOADER_TYPE 0x227u    /* 1, 2.02+ */
#define HDR_CMD_LINE_PTR 0x228u	      /* 4, 2.02+ */
#define HDR_INITRD_ADDR_MAX 0x22cu    /* 4, 2.03+ */
#define HDR_KERNEL_ALIGNMENT 0x230u   /* 4, 2.05+ */
#define HDR_RELOCATABLE 0x234u	      /* 1, 2.05+ */
#define HDR_MIN_ALIGNMENT 0x235u      /* 1, 2.10+ */
#define HDR_XLOADFLAGS 0x236u	      /* 2, 2.12+ */
#define HDR_CMDLINE_SIZE 0x238u	      /* 4, 2.06+ */
#define HDR_HW_SUBARCH 0x23cu	      /* 4, 2.07+ */
#define HDR_HW_SUBARCH_DATA 0x240u    /* 8, 2.07+ */
#define HDR_PAYLOAD_OFFSET 0x248u     /* 4, 2.08+ */
#define HDR_PAYLOAD_LENGTH 0x24cu     /* 4, 2.08+ */
#define HDR_SETUP_DATA 0x250u	      /* 8, 2.09+ */
#define HDR_PREF_ADDRESS 0x258u	      /* 8, 2.10+ */
#define HDR_INIT_SIZE 0x260u	      /* 4, 2.10+ */
#define HDR_HANDOVER_OFFSET 0x264u    /* 4, 2.11+ */
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
#define LOADED_HIGH 0x01u	       /* loadflags bit 0 (read) */
#define QUIET_FLAG 0x20u	       /* loadflags bit 5 (write) */
#define KEEP_SEGMENTS 0x40u	       /* loadflags bit 6 (obsolete) */
#define CAN_USE_HEAP 0x80u	       /* loadflags bit 7 (write) */
#define XLF_KERNEL_64 0x01u	       /* xloadflags bit 0 */
#define TYPE_OF_LOADER_UNDEFINED 0xffu /* boot.rst: "0xFF = undefined" */
#define VID_MODE_NORMAL 0xffffu	       /* boot.rst: vga=normal */

#endif
