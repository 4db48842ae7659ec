/* Guest kernel loader: puts a Linux kernel, its initrd and its command line
 * into guest memory and says how to enter it.
 *
 * Three kinds of kernel file are understood:
 *
 *   bzImage  Linux's own boot format, entered through the 32-bit boot
 *            protocol (Documentation/arch/x86/boot.rst, "32-bit Boot
 *            Protocol"): protected mode, paging off, at the load address.
 *   ELF      an uncompressed vmlinux (ELF64, x86-64, ET_EXEC), entered in
 *            long mode at startup_64 as the 64-bit boot protocol describes.
 *   flat     a raw 64-bit binary for bench guests, loaded and entered in
 *            long mode at GUEST_HIGH_START.
 *
 * Every input (kernel, initrd, command line) is treated as hostile: each
 * field is validated, each offset and size checked for overflow and against
 * the file length, and guest memory is only reached through gmem, which
 * bounds-checks.  Everything is validated before the first byte is written,
 * so a refused load leaves guest memory as it was.
 *
 * Pure code: no allocation, no I/O, only <string.h> and project headers, so
 * the same file builds freestanding in the hypervisor and hosted for tests.
 */
#ifndef PLINTH_LOADER_H
#define PLINTH_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "hv/guest/gmem.h"

enum kernel_format {
	KERNEL_AUTO, /* bzImage or ELF, told apart by their magic numbers */
	KERNEL_FLAT, /* raw 64-bit binary at GUEST_HIGH_START */
};

/* One entry of the guest's memory map, as boot_params carries it. */
struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

/* struct boot_params holds at most this many e820 entries (zero-page.rst,
 * e820_table at 0x2d0). */
#define LOADER_E820_MAX 128

/* The guest's state at entry.  Registers not named here (rax, rbx, rcx,
 * rdx, rdi, rbp, r8-r15) must be zero: the 32-bit boot protocol requires
 * %ebp, %edi and %ebx to be zero.  Segments are the caller's business: flat
 * 4 GiB code and data segments (boot.rst asks for __BOOT_CS 0x10 and
 * __BOOT_DS 0x18), interrupts disabled. */
struct boot_regs {
	int mode; /* 32: protected mode, paging off; 64: long mode */
	uint64_t rip, rsi, rsp;
	uint64_t cr3; /* mode 64: the identity page tables the loader built;
		       * mode 32: 0 */

	/* Where things went, for the boot summary and for tests. */
	uint64_t kernel_start, kernel_end; /* all memory the kernel may use
					    * before it reads the e820 map */
	uint64_t initrd_addr, initrd_size; /* 0, 0 without an initrd */
};

struct loader_args {
	const uint8_t *kernel;
	size_t kernel_len;
	const uint8_t *initrd; /* may be NULL when initrd_len is 0 */
	size_t initrd_len;
	const char *cmdline; /* NUL-terminated; NULL means "" */
	enum kernel_format format;
	const struct e820_entry *e820; /* the guest memory map, built by */
	unsigned e820_count;	       /* the caller; 1..LOADER_E820_MAX */
	uint64_t rsdp; /* guest-physical ACPI RSDP, for boot_params */
};

/* Loads into guest memory and fills *out.  Returns 0, or -1 with a precise
 * message in err (when err is not NULL and errlen > 0), e.g.
 * "bzImage: setup header version 2.03 is older than 2.06".  On failure
 * guest memory is left as it was and *out is zeroed. */
int loader_load(struct gmem *g, const struct loader_args *a,
		struct boot_regs *out, char *err, size_t errlen);

/* What the file is: "bzImage", "ELF", "flat", or a short description of
 * what was found instead ("empty", "gzip data", ...).  Exposed for tests
 * and for the boot log; never NULL. */
const char *loader_format_name(const uint8_t *kernel, size_t len,
			       enum kernel_format hint);

#endif
