/* libFuzzer target for hv/guest/loader.c: any kernel, initrd, command line and
 * format hint must be loaded or refused, never crash, never touch memory
 * outside guest RAM, and a successful load must be self-consistent.
 *
 *   make build/fuzz/fuzz_loader   # sources: fuzz_loader_SRCS
 *   build/fuzz/fuzz_loader -runs=200000
 *
 * Without libFuzzer (gcc), -DFUZZ_REPLAY adds a main() that runs the
 * target over the files named on the command line, e.g. a crash reproducer
 * or a corpus:
 *
 *   gcc -DFUZZ_REPLAY -fsanitize=address,undefined -I. \
 *       tests/fuzz/fuzz_loader.c <fuzz_loader_SRCS> -o fzr
 *   ./fzr crash-1234...
 *
 * Input layout (little-endian):
 *   byte 0      flags: bit 0 the format hint (AUTO / FLAT), bit 1 an
 *               invalid hint instead, bit 2 a RAM hole at [16M, 18M),
 *               bit 3 a one-region boot area missing, bits 4-5 which e820
 *               map, bit 6 NULL command line, bit 7 no RSDP
 *   bytes 1-2   command line length
 *   bytes 3-6   initrd length
 *   then        the command line, the initrd, and the kernel: the rest
 * Lengths longer than what is left are cut to what is left, so every input
 * is meaningful.
 *
 * Guest memory: 32 MiB as separate exact-size blocks, so ASan flags a
 * write past any region.  Each block lies in its own allocation, kept
 * across runs (the loader is not expected to clear memory it does not
 * load into).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader.h"

#define MiB 0x100000ull
#define GUEST_SIZE (32 * MiB)

static uint8_t *low, *mid, *high;

/* The blocks: low RAM, [1M, 16M) and [16M, 32M).  Two high blocks so a
 * hole can be cut between them. */
static void alloc_blocks(void)
{
	if (low)
		return;
	low = malloc(GUEST_LOW_RAM_END);
	mid = malloc(15 * MiB);
	high = malloc(16 * MiB);
	if (!low || !mid || !high)
		abort();
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gmem g;
	struct e820_entry e820[6];
	unsigned ne = 0;

	if (size < 7)
		return 0;
	alloc_blocks();

	uint8_t flags = data[0];
	size_t cl_len = le(data + 1, 2), ird_len = le(data + 3, 4);
	const uint8_t *p = data + 7;
	size_t left = size - 7;

	if (cl_len > left)
		cl_len = left;
	/* The command line is a C string: copy it and terminate it.  Any
	 * NULs inside just end it early. */
	char *cl = malloc(cl_len + 1);

	memcpy(cl, p, cl_len);
	cl[cl_len] = '\0';
	p += cl_len;
	left -= cl_len;
	if (ird_len > left)
		ird_len = left;
	/* Own copies of exactly the right size: ASan then catches any read
	 * past the end of either file. */
	uint8_t *initrd = malloc(ird_len ? ird_len : 1);
	size_t k_len = left - ird_len;
	uint8_t *kernel = malloc(k_len ? k_len : 1);

	memcpy(initrd, p, ird_len);
	memcpy(kernel, p + ird_len, k_len);

	gmem_init(&g);
	if (!(flags & 0x08))
		gmem_add(&g, 0, GUEST_LOW_RAM_END, low);
	else
		gmem_add(&g, 0, 0x10000, low); /* boot area cut short */
	gmem_add(&g, MiB, 15 * MiB, mid);
	if (flags & 0x04)
		gmem_add(&g, 18 * MiB, 14 * MiB, high);
	else
		gmem_add(&g, 16 * MiB, 16 * MiB, high);

	switch ((flags >> 4) & 3) {
	case 0: /* what hv/run/vm.c builds */
		e820[ne++] = (struct e820_entry){ 0, GUEST_LOW_RAM_END, 1 };
		e820[ne++] = (struct e820_entry){ GUEST_BIOS_START,
						  GUEST_BIOS_END -
							  GUEST_BIOS_START, 2 };
		e820[ne++] = (struct e820_entry){ MiB, GUEST_SIZE - MiB, 1 };
		e820[ne++] = (struct e820_entry){ GUEST_ECAM_BASE,
						  GUEST_ECAM_SIZE, 2 };
		break;
	case 1: /* e820 claims RAM that gmem does not have */
		e820[ne++] = (struct e820_entry){ 0, 0x200000000ull, 1 };
		break;
	case 2: /* nonsense: wraps */
		e820[ne++] = (struct e820_entry){ UINT64_MAX - 5, 100, 1 };
		break;
	case 3: /* no RAM at all in the map */
		e820[ne++] = (struct e820_entry){ 0, GUEST_SIZE, 2 };
		break;
	}

	struct loader_args a = {
		.kernel = kernel,
		.kernel_len = k_len,
		.initrd = initrd,
		.initrd_len = ird_len,
		.cmdline = flags & 0x40 ? NULL : cl,
		.format = flags & 0x02 ? (enum kernel_format)(2 + (flags & 1)) :
			  flags & 1    ? KERNEL_FLAT :
					 KERNEL_AUTO,
		.e820 = e820,
		.e820_count = ne,
		.rsdp = flags & 0x80 ? 0 : 0xf0000,
	};
	struct boot_regs r;
	char err[200];

	(void)loader_format_name(kernel, k_len, a.format);
	if (loader_load(&g, &a, &r, err, sizeof(err)) == 0) {
		/* What a successful load promises. */
		bool ok = (r.mode == 32 || r.mode == 64) &&
			  r.rsi == GUEST_BOOT_PARAMS &&
			  gmem_is_ram(&g, r.rip, 1) &&
			  r.kernel_start >= GUEST_HIGH_START &&
			  r.kernel_end > r.kernel_start &&
			  gmem_is_ram(&g, r.kernel_start,
				      r.kernel_end - r.kernel_start) &&
			  (r.mode == 32 ? r.cr3 == 0 :
					  r.cr3 == GUEST_BOOT_PGT) &&
			  r.initrd_size == ird_len;

		if (ird_len) {
			/* It may straddle two adjacent regions. */
			uint8_t *back = malloc(ird_len);

			ok = ok && r.initrd_addr % 4096 == 0 &&
			     r.initrd_addr >= GUEST_HIGH_START &&
			     (r.initrd_addr >= r.kernel_end ||
			      r.initrd_addr + ird_len <= r.kernel_start) &&
			     !gmem_read(&g, r.initrd_addr, back, ird_len) &&
			     !memcmp(back, initrd, ird_len);
			free(back);
		}
		const uint8_t *bp = gmem_ptr(&g, GUEST_BOOT_PARAMS, 4096);
		const char *gcl = gmem_ptr(&g, GUEST_CMDLINE, 4096);

		ok = ok && bp && bp[0x1fe] == 0x55 && bp[0x1ff] == 0xaa &&
		     bp[0x1e8] == ne && gcl &&
		     !strcmp(gcl, a.cmdline ? a.cmdline : "");
		if (!ok) {
			fprintf(stderr, "inconsistent load\n");
			abort();
		}
	} else if (!err[0]) {
		fprintf(stderr, "refused without a message\n");
		abort();
	}
	free(cl);
	free(initrd);
	free(kernel);
	return 0;
}

#include "tests/fuzz/fuzz_replay.h"
