/* A per-vCPU cache of MMIO decodes.
 *
 * A guest that drives a device runs the same few accessor instructions
 * over and over (Linux's readl/writel, a virtio notify, an EOI), and on
 * each EPT violation or NPF Plinth fetched and decoded them anew.  The
 * fetch cannot be skipped: it is what tells Plinth which bytes the guest
 * executed, and its page tables may have changed since (a module unloaded
 * and another loaded at the same address).  The decode can.
 *
 * What makes a decode valid is exactly its input: the code size (16, 32
 * or 64) and the instruction's bytes, no more (decode.c reads nothing
 * past the instruction's length, an invariant fuzz_decode checks).  So an
 * entry holds those and the result, and is used only when the bytes just
 * fetched are the same: it never has to be invalidated, and a guest that
 * rewrites its code simply misses.  Decodes that fail are not cached:
 * they stop the guest.
 *
 * Ownership: one per vCPU, touched only by that vCPU's core in its exit
 * handler, so it needs no lock. */
#ifndef PLINTH_X86_DECODE_CACHE_H
#define PLINTH_X86_DECODE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/decode.h"

#define MMIO_DECODE_WAYS 16 /* direct-mapped, by the instruction's address */

struct mmio_decode_entry {
	uint64_t lo, hi;     /* the instruction's bytes, zero past len */
	struct mmio_insn in; /* in.len == 0: an empty entry */
	int mode;
};

struct mmio_decode_cache {
	struct mmio_decode_entry e[MMIO_DECODE_WAYS];
	uint64_t hits, misses; /* for the exit statistics */
};

/* mmio_decode (decode.h) of the first n bytes of `bytes`, fetched at
 * linear address `la`, answered from the cache when the same bytes were
 * decoded in the same mode before.  Same result, same contract, but
 * `bytes` must be 16 bytes long: all 16 are read, whatever n, so that a
 * lookup is two loads; those past n never decide anything. */
int mmio_decode_cached(struct mmio_decode_cache *c, uint64_t la,
		       const uint8_t bytes[16], size_t n, int mode,
		       struct mmio_insn *out);

#endif
