/* Host tests for arch/x86/decode_cache.c: a decode from the cache is
 * always the decode of the bytes just fetched, whatever the guest did to
 * its code in between. */
#include "tests/support/check.h"

#include "arch/x86/decode_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool same(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->op == b->op && a->size == b->size
	       && a->reg == b->reg && a->reg_high8 == b->reg_high8
	       && a->dst_size == b->dst_size && a->imm == b->imm
	       && a->addr_size == b->addr_size;
}

/* The cached answer and the decoder's own must agree, result and all.
 * The cache reads a 16-byte buffer: past the n fetched bytes it holds
 * junk, which must decide nothing. */
static int both(struct mmio_decode_cache *c, uint64_t la, const uint8_t *b,
		size_t n, int mode, struct mmio_insn *out)
{
	struct mmio_insn fresh;
	uint8_t buf[16];
	int want = mmio_decode(b, n, mode, &fresh);

	memset(buf, (int)(n * 37 + 11), sizeof(buf));
	memcpy(buf, b, n);
	int got = mmio_decode_cached(c, la, buf, n, mode, out);

	CHECK(got == want);
	CHECK(same(out, &fresh));
	return got;
}

/* mov eax, [0xfee00030]: the LAPIC version register, as a guest reads it. */
static const uint8_t load[15] = { 0x8b, 0x04, 0x25, 0x30, 0x00, 0xe0, 0xfe,
				  0x90, 0x90 };

static void second_decode_is_a_hit(void)
{
	static struct mmio_decode_cache c;
	struct mmio_insn in;

	CHECK(both(&c, 0x401234, load, 15, 64, &in) == 0);
	CHECK(in.len == 7 && in.op == MMIO_LOAD && in.size == 4 && in.reg == 0);
	CHECK(c.hits == 0 && c.misses == 1);
	CHECK(both(&c, 0x401234, load, 15, 64, &in) == 0);
	CHECK(c.hits == 1 && c.misses == 1);
}

/* The guest rewrote the instruction (or remapped the page): the bytes
 * differ, so it is decoded again. */
static void changed_bytes_decode_again(void)
{
	static struct mmio_decode_cache c;
	struct mmio_insn in;
	uint8_t b[15];

	memcpy(b, load, sizeof(b));
	CHECK(both(&c, 0x1000, b, 15, 64, &in) == 0);
	b[0] = 0x89; /* mov [0xfee00030], eax: now a store */
	CHECK(both(&c, 0x1000, b, 15, 64, &in) == 0);
	CHECK(in.op == MMIO_STORE_REG);
	CHECK(c.hits == 0 && c.misses == 2);
	b[6] = 0xff; /* only the displacement: still a different insn */
	CHECK(both(&c, 0x1000, b, 15, 64, &in) == 0);
	CHECK(c.hits == 0 && c.misses == 3);
	CHECK(both(&c, 0x1000, b, 15, 64, &in) == 0);
	CHECK(c.hits == 1);
}

/* Bytes after the instruction are not part of it: a hit. */
static void bytes_past_the_instruction_do_not_matter(void)
{
	static struct mmio_decode_cache c;
	struct mmio_insn in;
	uint8_t b[15];

	memcpy(b, load, sizeof(b));
	CHECK(both(&c, 0x2000, b, 15, 64, &in) == 0);
	memset(b + 7, 0xcc, 8);
	CHECK(both(&c, 0x2000, b, 15, 64, &in) == 0);
	CHECK(c.hits == 1);
	CHECK(both(&c, 0x2000, b, 7, 64, &in) == 0); /* exactly its bytes */
	CHECK(c.hits == 2);
}

/* The same bytes mean something else in another code size. */
static void mode_is_part_of_the_key(void)
{
	static struct mmio_decode_cache c;
	static const uint8_t b[] = { 0x66, 0x8b, 0x00 }; /* 16- or 32-bit */
	struct mmio_insn in;

	CHECK(both(&c, 0x3000, b, 3, 32, &in) == 0);
	CHECK(in.size == 2);
	CHECK(both(&c, 0x3000, b, 3, 16, &in) == 0);
	CHECK(in.size == 4);
	CHECK(c.hits == 0 && c.misses == 2);
}

/* A fetch that ended early (the next page unmapped) cannot be the
 * cached instruction: the decoder refuses it, and so must the cache. */
static void short_fetch_is_not_a_hit(void)
{
	static struct mmio_decode_cache c;
	struct mmio_insn in;

	CHECK(both(&c, 0x4000, load, 15, 64, &in) == 0);
	for (size_t n = 0; n < 7; n++)
		CHECK(both(&c, 0x4000, load, n, 64, &in) == -1);
	CHECK(c.hits == 0);
	CHECK(both(&c, 0x4000, load, 15, 64, &in) == 0);
	CHECK(c.hits == 1); /* a refusal left the entry as it was */
	/* An instruction that ends in zero bytes: a fetch cut short looks
	 * the same as far as it goes, and is still no hit. */
	static const uint8_t one[] = { 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00 };

	CHECK(both(&c, 0x4000, one, 6, 64, &in) == 0);
	for (size_t n = 0; n < 6; n++)
		CHECK(both(&c, 0x4000, one, n, 64, &in) == -1);
	CHECK(c.hits == 1);
}

/* What does not decode is refused every time, never remembered. */
static void refusals_are_not_cached(void)
{
	static struct mmio_decode_cache c;
	static const uint8_t lock[] = { 0xf0, 0x01, 0x00 }; /* lock add */
	struct mmio_insn in;

	for (int i = 0; i < 3; i++)
		CHECK(both(&c, 0x5000, lock, 3, 64, &in) == -1);
	CHECK(c.hits == 0 && c.misses == 3);
}

/* Instructions at addresses that share a way replace each other; each
 * decode is still its own. */
static void colliding_addresses(void)
{
	static struct mmio_decode_cache c;
	static const uint8_t store[] = { 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00 };
	struct mmio_insn in;
	uint64_t a = 0x6000, b = a + 1;

	/* Find an address in a's way. */
	while (((b * 0x9e3779b97f4a7c15ull) >> 60)
	       != ((a * 0x9e3779b97f4a7c15ull) >> 60))
		b++;
	for (int i = 0; i < 4; i++) {
		CHECK(both(&c, a, load, 15, 64, &in) == 0 && in.len == 7);
		CHECK(both(&c, b, store, 6, 64, &in) == 0 && in.len == 6);
	}
}

/* Random instructions at a few addresses: every answer is the decoder's.
 * Mostly MOV opcodes with random operands, so that hits and changes
 * both happen often. */
static void random_agrees_with_decoder(void)
{
	static struct mmio_decode_cache c;
	static const uint8_t ops[] = { 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7,
				       0xa1, 0xa3 };
	struct mmio_insn in;
	uint8_t pool[4][15];

	srand(7);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 15; j++)
			pool[i][j] = (uint8_t)rand();
	for (int k = 0; k < 200000; k++) {
		unsigned w = (unsigned)rand() % 4;
		uint8_t *b = pool[w];
		int modes[] = { 16, 32, 64 };

		if (rand() % 4 == 0) /* the guest writes its code */
			b[rand() % 15] = (uint8_t)rand();
		if (rand() % 2)
			b[rand() % 3] = ops[rand() % 8];
		both(&c, 0x7000 + w * 64, b, (size_t)(rand() % 16),
		     modes[rand() % 3], &in);
	}
	CHECK(c.hits > 1000 && c.misses > 1000);
}

/* The vCPU's fast path reads 16 bytes straight from the code page and
 * asks mmio_decode_hit: the instruction's own bytes decide, in every
 * length and the mode, and the bytes past it never do. */
static void hit_on_raw_code_bytes(void)
{
	static struct mmio_decode_cache c;
	/* mov dword [rax+rbx*4+0x12345678], 0x11223344: 11 bytes, so that
	 * the second word holds both instruction bytes and others. */
	static const uint8_t mov11[15] = { 0xc7, 0x84, 0x98, 0x78, 0x56,
					   0x34, 0x12, 0x44, 0x33, 0x22,
					   0x11 };
	struct mmio_insn in, hit;
	uint64_t lo, hi;
	uint8_t raw[16];

	CHECK(both(&c, 0x5000, mov11, 15, 64, &in) == 0 && in.len == 11);
	memset(raw, 0xa5, sizeof(raw)); /* what follows in the page */
	memcpy(raw, mov11, 11);
	memcpy(&lo, raw, 8);
	memcpy(&hi, raw + 8, 8);
	CHECK(mmio_decode_hit(&c, 0x5000, lo, hi, 64, &hit));
	CHECK(same(&hit, &in) && c.hits == 1);
	CHECK(!mmio_decode_hit(&c, 0x5000, lo, hi, 32, &hit));
	CHECK(!mmio_decode_hit(&c, 0x5000, lo, hi ^ (1ull << 16), 64, &hit));
	CHECK(mmio_decode_hit(&c, 0x5000, lo, hi ^ (1ull << 24), 64, &hit));
	CHECK(!mmio_decode_hit(&c, 0x5000, lo ^ 1, hi, 64, &hit));
	CHECK(c.hits == 2);
	for (size_t len = 0; len <= 16; len++) {
		uint64_t a = ~0ull, b = ~0ull;

		mmio_key_mask(len, &a, &b);
		CHECK(__builtin_popcountll(a) + __builtin_popcountll(b)
		      == (int)(8 * len));
	}
}

int main(void)
{
	RUN(second_decode_is_a_hit);
	RUN(changed_bytes_decode_again);
	RUN(bytes_past_the_instruction_do_not_matter);
	RUN(mode_is_part_of_the_key);
	RUN(short_fetch_is_not_a_hit);
	RUN(refusals_are_not_cached);
	RUN(colliding_addresses);
	RUN(random_agrees_with_decoder);
	RUN(hit_on_raw_code_bytes);
	return CHECK_DONE();
}
