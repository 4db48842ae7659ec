/* What the guest kernel loader's files share: the state of one load, the
 * error macro, the byte accessors and the per-format planners.  Private to
 * hv/guest/loader*.c; the interface is hv/guest/loader.h.
 *
 * The loader is split by format: loader.c holds what every format needs
 * (the checks on the caller's memory map, the command line, the initrd's
 * place, boot_params, the entry page tables and loader_load() itself),
 * loader_bzimage.c, loader_elf.c and loader_flat.c each plan one kind of
 * kernel file.  The planners only read and decide; loader.c writes.
 */
#ifndef PLINTH_LOADER_IMPL_H
#define PLINTH_LOADER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "hv/base/fmt.h"
#include "hv/base/byteorder.h"
#include "hv/guest/boot_params.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader.h"

#define KIB 0x400ull
#define MIB 0x100000ull
#define LD_PAGE 0x1000ull
#define U(x) ((unsigned long long)(x))

_Static_assert(LOADER_E820_MAX == BP_E820_MAX,
	       "loader.h's e820 limit is boot_params' table");

/* The command line's 4 KiB between boot_params and the page tables
 * (hv/guest/layout.h). */
#define CMDLINE_AREA (GUEST_BOOT_PGT - GUEST_CMDLINE)

enum kind { KIND_BZIMAGE, KIND_ELF, KIND_FLAT };

struct ld {
	struct gmem *g;
	const struct loader_args *a;
	char *err;
	size_t errlen;

	enum kind kind;
	int mode; /* 32 or 64 */
	uint64_t entry;
	uint64_t kstart, kend; /* the kernel's footprint */
	uint64_t initrd_max;   /* highest byte the initrd may occupy */
	uint64_t cmdline_max;  /* characters, without the NUL */

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
#define FAIL(l, ...)                                                           \
	do {                                                                   \
		fmt((l)->err, (l)->errlen, __VA_ARGS__);                       \
		return -1;                                                     \
	} while (0)

static inline uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The planners: each validates one kind of kernel file, picks where it
 * goes and fills l (kind, mode, entry, footprint, initrd and command line
 * limits).  0, or -1 with the message in l->err.  They write nothing. */
int ld_plan_bzimage(struct ld *l);
int ld_plan_elf(struct ld *l);
int ld_plan_flat(struct ld *l);

/* Copies a planned vmlinux's PT_LOAD segments into guest memory and zeroes
 * their bss; 0, or -1 if a range the planner checked is not RAM. */
int ld_write_elf(struct ld *l);

/* Zeroes [gpa, gpa + len) of guest memory; -1 where it is not RAM. */
int ld_gmem_zero(const struct gmem *g, uint64_t gpa, uint64_t len);

#endif
