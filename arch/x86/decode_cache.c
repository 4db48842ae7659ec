/* The MMIO decode cache; see arch/x86/decode_cache.h. */
#include "arch/x86/decode_cache.h"

int mmio_decode_cached(struct mmio_decode_cache *c, uint64_t la,
		       const uint8_t bytes[16], size_t n, int mode,
		       struct mmio_insn *out)
{
	struct mmio_decode_entry *e = mmio_decode_way(c, la);
	uint64_t lo, hi;

	/* Two loads, whatever the instruction.  (The builtin: with
	 * -ffreestanding a plain memcpy of 8 bytes is a call.) */
	__builtin_memcpy(&lo, bytes, 8);
	__builtin_memcpy(&hi, bytes + 8, 8);
	if (n > MMIO_INSN_MAX)
		n = MMIO_INSN_MAX;
	/* A hit needs every byte of the cached instruction among those
	 * fetched (the rest of the buffer is not), and each the same. */
	if (n >= e->in.len && mmio_decode_hit(c, la, lo, hi, mode, out))
		return 0;
	c->misses++;
	if (mmio_decode(bytes, n, mode, out))
		return -1;
	mmio_key_mask(out->len, &lo, &hi);
	e->lo = lo;
	e->hi = hi;
	e->in = *out;
	e->mode = mode;
	return 0;
}
