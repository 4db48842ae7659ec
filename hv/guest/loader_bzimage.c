/* Guest kernel loader: the bzImage planner (boot.rst, "32-bit Boot
 * Protocol").  See hv/guest/loader.h for what is accepted and
 * hv/guest/loader_impl.h for how the loader's files divide the work.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/guest/loader_impl.h"

/* Oldest bzImage accepted: 2.06 introduced cmdline_size, without which the
 * command line length could not be checked. */
#define MIN_BZ_VERSION 0x0206u

/* What plan_bzimage() reads from the setup header, field by field. */
struct bz {
	uint64_t hdr_end; /* the header's end in the file */
	uint16_t v;	  /* protocol version */
	unsigned sects;	  /* setup_sects, 0 read as 4 */
	bool reloc;
	uint64_t align, pref, init;
	uint16_t xlf;
	uint64_t start, end; /* the footprint chosen */
};

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
	return start >= GUEST_HIGH_START && end > start && end <= GUEST_4G
	       && gmem_is_ram(g, start, end - start);
}

/* The header's extent, version and loadflags. */
static int bz_check_header(struct ld *l, struct bz *b)
{
	const uint8_t *k = l->a->kernel;
	size_t len = l->a->kernel_len;

	/* 32-bit boot protocol: "The end of setup header can be calculated
	 * as follow: 0x0202 + byte value at offset 0x0201".  That byte is a
	 * jump displacement, so clamp it to the 144 bytes the header may
	 * ever have rather than copy whatever a hostile value points at. */
	uint64_t hdr_end = HDR(header) + (uint64_t)k[HDR(jump) + 1];

	if (hdr_end > HDR_MAX_END)
		hdr_end = HDR_MAX_END;
	uint64_t need = max64(hdr_end, HDR(version) + 2);

	if (len < need)
		FAIL(l,
		     "bzImage: file is %zu bytes, too short for its setup "
		     "header (ends at 0x%llx)",
		     len, U(need));

	uint16_t v = get_le16(k + HDR(version));

	if (v < MIN_BZ_VERSION)
		FAIL(l,
		     "bzImage: setup header version %u.%02u is older than "
		     "2.06",
		     (unsigned)(v >> 8), (unsigned)(v & 0xff));
	/* The header must hold every field its version promises and this
	 * loader reads: up to cmdline_size (2.06), up to init_size (2.10). */
	uint64_t min_end = v >= 0x020a ? HDR(init_size) + 4
				       : HDR(cmdline_size) + 4;

	if (hdr_end < min_end)
		FAIL(l,
		     "bzImage: setup header ends at 0x%llx, but protocol "
		     "%u.%02u has fields up to 0x%llx",
		     U(hdr_end), (unsigned)(v >> 8), (unsigned)(v & 0xff),
		     U(min_end));

	/* boot.rst: is_bzImage = protocol >= 2.00 && (loadflags & 0x01).
	 * A zImage wants its code at 0x10000 and real-mode help; no. */
	uint8_t lf = k[HDR(loadflags)];

	if (!(lf & LOADED_HIGH))
		FAIL(l,
		     "bzImage: loadflags 0x%02x lack LOADED_HIGH: zImage "
		     "kernels are not supported",
		     lf);
	b->hdr_end = hdr_end;
	b->v = v;
	return 0;
}

/* Where the protected-mode code lies in the file, and the fields that say
 * where it may run. */
static int bz_check_image(struct ld *l, struct bz *b)
{
	const uint8_t *k = l->a->kernel;
	size_t len = l->a->kernel_len;
	uint16_t v = b->v;

	/* setup_sects: "If this field is 0, the real value is 4."  The
	 * protected-mode code starts at (setup_sects + 1) * 512. */
	unsigned sects = k[HDR(setup_sects)] ? k[HDR(setup_sects)] : 4;
	uint64_t pm_off = (sects + 1) * 512ull;

	if (pm_off >= len)
		FAIL(l,
		     "bzImage: setup_sects %u puts the protected-mode code "
		     "at 0x%llx, past the end of the file (%zu bytes)",
		     sects, U(pm_off), len);

	/* syssize: "The size of the protected-mode code in units of 16-byte
	 * paragraphs" (4 bytes since 2.04).  Linux's tools/build pads the
	 * image to exactly that; anything after it (a signature) is not
	 * kernel and is not copied. */
	uint32_t syssize = get_le32(k + HDR(syssize));
	uint64_t pm_size = (uint64_t)syssize * 16;

	if (!syssize)
		FAIL(l, "bzImage: syssize is 0");
	if (pm_size > len - pm_off)
		FAIL(l,
		     "bzImage: syssize 0x%x (%llu bytes from 0x%llx) runs "
		     "past the end of the file (%zu bytes)",
		     syssize, U(pm_size), U(pm_off), len);

	b->sects = sects;
	b->reloc = k[HDR(relocatable_kernel)] != 0; /* 2.05+ */
	b->align = get_le32(k + HDR(kernel_alignment));
	b->xlf = v >= 0x020c ? get_le16(k + HDR(xloadflags)) : 0;
	b->pref = v >= 0x020a ? get_le64(k + HDR(pref_address)) : 0;
	b->init = v >= 0x020a ? get_le32(k + HDR(init_size)) : 0;

	/* The decompressor aligns with a mask built from kernel_alignment. */
	if (b->reloc && (b->align == 0 || (b->align & (b->align - 1))))
		FAIL(l,
		     "bzImage: kernel_alignment 0x%llx is not a power of "
		     "two",
		     U(b->align));

	l->pm_off = pm_off;
	l->pm_size = pm_size;
	return 0;
}

/* Picks the load address, l->load, and the footprint, b->start/b->end. */
static int bz_place(struct ld *l, struct bz *b)
{
	bool reloc = b->reloc;
	uint64_t align = b->align, pref = b->pref, init = b->init;

	/* pref_address: "A relocating bootloader should attempt to load at
	 * this address if possible."  Done for a relocatable kernel (a
	 * non-relocatable one "will unconditionally move itself" there
	 * whatever the loader does) that is 64-bit (XLF_KERNEL_64), the
	 * only kind this hypervisor means to boot; anything else gets the
	 * traditional address.  Never below 1 MiB, where boot_params is. */
	if (reloc && (b->xlf & XLF_KERNEL_64) && pref >= GUEST_HIGH_START
	    && pref < GUEST_4G) {
		bz_footprint(l, pref, reloc, align, pref, init, &b->start,
			     &b->end);
		if (fits_below_4g(l->g, b->start, b->end)) {
			l->load = pref;
			return 0;
		}
	}
	/* Otherwise the traditional bzImage address (boot.rst, "Loading The
	 * Rest of The Kernel": load_address = 0x100000). */
	l->load = GUEST_HIGH_START;
	if (reloc && pref >= GUEST_4G)
		FAIL(l,
		     "bzImage: pref_address 0x%llx is above 4 GiB, out of "
		     "reach of the 32-bit entry",
		     U(pref));
	if (!reloc && pref >= GUEST_4G)
		FAIL(l,
		     "bzImage: non-relocatable kernel runs at pref_address "
		     "0x%llx, above 4 GiB",
		     U(pref));
	bz_footprint(l, l->load, reloc, align, pref, init, &b->start, &b->end);
	if (b->start < GUEST_HIGH_START)
		FAIL(l,
		     "bzImage: kernel [0x%llx, 0x%llx) overlaps the boot "
		     "area below 0x%llx",
		     U(b->start), U(b->end), U(GUEST_HIGH_START));
	if (!fits_below_4g(l->g, b->start, b->end))
		FAIL(l, "bzImage: kernel [0x%llx, 0x%llx) is outside guest RAM",
		     U(b->start), U(b->end));
	return 0;
}

int ld_plan_bzimage(struct ld *l)
{
	const uint8_t *k = l->a->kernel;
	struct bz b = { 0 };

	if (bz_check_header(l, &b) || bz_check_image(l, &b) || bz_place(l, &b))
		return -1;
	l->kind = KIND_BZIMAGE;
	l->mode = 32;
	/* 32-bit boot protocol: "the kernel is started by jumping to the
	 * 32-bit kernel entry point, which is the start address of loaded
	 * 32/64-bit kernel." */
	l->entry = l->load;
	l->kstart = b.start;
	l->kend = b.end;
	l->hdr_end = b.hdr_end;
	l->setup_sects = b.sects;
	l->version = b.v;
	/* initrd_addr_max is "the address of the highest safe byte"; the
	 * guest's low RAM ends below it in any case. */
	l->initrd_max = min64(get_le32(k + HDR(initrd_addr_max)),
			      GUEST_LOW_RAM_MAX - 1);
	/* cmdline_size: "The maximum size of the command line without the
	 * terminating zero." */
	l->cmdline_max = min64(get_le32(k + HDR(cmdline_size)),
			       CMDLINE_AREA - 1);
	return 0;
}
