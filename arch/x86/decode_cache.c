/* The MMIO decode cache; see arch/x86/decode_cache.h. */
#include "arch/x86/decode_cache.h"

/* The first `len` (1 to 15) of 16 bytes as two words, zero above: two
 * loads and a mask, whatever the instruction.  (The builtin: with
 * -ffreestanding a plain memcpy of 8 bytes is a call.) */
static void key_of(const uint8_t b[16], size_t len, uint64_t *lo, uint64_t *hi)
{
	__builtin_memcpy(lo, b, 8);
	__builtin_memcpy(hi, b + 8, 8);
	if (len < 8) {
		*lo &= len ? ~0ull >> (64 - 8 * len) : 0;
		*hi = 0;
	} else {
		*hi &= len > 8 ? ~0ull >> (64 - 8 * (len - 8)) : 0;
	}
}

int mmio_decode_cached(struct mmio_decode_cache *c, uint64_t la,
		       const uint8_t bytes[16], size_t n, int mode,
		       struct mmio_insn *out)
{
	/* Fibonacci hashing: neighbouring accessors land apart. */
	struct mmio_decode_entry *e = &c->e[(la * 0x9e3779b97f4a7c15ull) >> 60];
	uint64_t lo, hi;

	_Static_assert(MMIO_DECODE_WAYS == 16, "the hash takes 4 bits");
	if (n > MMIO_INSN_MAX)
		n = MMIO_INSN_MAX;
	/* A hit needs every byte of the cached instruction among those
	 * fetched (the rest of the buffer is not), and each the same. */
	if (e->in.len && e->mode == mode && n >= e->in.len) {
		key_of(bytes, e->in.len, &lo, &hi);
		if (lo == e->lo && hi == e->hi) {
			*out = e->in;
			c->hits++;
			return 0;
		}
	}
	c->misses++;
	if (mmio_decode(bytes, n, mode, out))
		return -1;
	key_of(bytes, out->len, &e->lo, &e->hi);
	e->in = *out;
	e->mode = mode;
	return 0;
}
