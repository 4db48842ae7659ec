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

#include <stdbool.h>
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

/* The first `len` (0 to 16) bytes of lo:hi (little-endian, lo first),
 * zero above. */
static inline void mmio_key_mask(size_t len, uint64_t *lo, uint64_t *hi)
{
	if (len < 8) {
		*lo &= len ? ~0ull >> (64 - 8 * len) : 0;
		*hi = 0;
	} else {
		*hi &= len > 8 ? ~0ull >> (64 - 8 * (len - 8)) : 0;
	}
}

static inline struct mmio_decode_entry *mmio_decode_way(
	struct mmio_decode_cache *c, uint64_t la)
{
	/* Fibonacci hashing: neighbouring accessors land apart. */
	_Static_assert(MMIO_DECODE_WAYS == 16, "the hash takes 4 bits");
	return &c->e[(la * 0x9e3779b97f4a7c15ull) >> 60];
}

/* A hit for the instruction at linear `la` whose first 16 bytes are
 * lo:hi, already read (once) by the caller, in code size `mode`: fills
 * *out, counts the hit and returns true.  False (nothing counted) sends
 * the caller to mmio_decode_cached.  Inline: the look-up of every MMIO
 * exit. */
static inline bool mmio_decode_hit(struct mmio_decode_cache *c, uint64_t la,
				   uint64_t lo, uint64_t hi, int mode,
				   struct mmio_insn *out)
{
	const struct mmio_decode_entry *e = mmio_decode_way(c, la);

	if (!e->in.len || e->mode != mode)
		return false;
	mmio_key_mask(e->in.len, &lo, &hi);
	if (lo != e->lo || hi != e->hi)
		return false;
	*out = e->in;
	c->hits++;
	return true;
}

/* mmio_decode (decode.h) of the first n bytes of `bytes`, fetched at
 * linear address `la`, answered from the cache when the same bytes were
 * decoded in the same mode before.  Same result, same contract, but
 * `bytes` must be 16 bytes long: all 16 are read, whatever n, so that a
 * lookup is two loads; those past n never decide anything. */
int mmio_decode_cached(struct mmio_decode_cache *c, uint64_t la,
		       const uint8_t bytes[16], size_t n, int mode,
		       struct mmio_insn *out);

#endif
