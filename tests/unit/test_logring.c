/* Host tests for hv/base/logring.c, the byte ring with absolute offsets. */
#include "tests/support/check.h"

#include "hv/base/logring.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void wr(struct logring *r, const char *s)
{
	logring_write(r, s, strlen(s));
}

/* Reads up to len bytes from offset as a NUL-terminated string. */
static size_t rd(const struct logring *r, uint64_t offset, size_t len,
		 char *out, uint64_t *from)
{
	size_t n = logring_read(r, offset, out, len, from);

	out[n] = '\0';
	return n;
}

static void init_rounds_size_down_to_power_of_two(void)
{
	static const struct {
		size_t given, want;
	} cases[] = {
		{ 2, 2 },     { 3, 2 },       { 4, 4 },       { 5, 4 },
		{ 63, 32 },   { 64, 64 },     { 65, 64 },     { 100, 64 },
		{ 127, 64 },  { 128, 128 },   { 4095, 2048 }, { 4096, 4096 },
		{ 4097, 4096 }, { (size_t)1 << 40, (size_t)1 << 40 },
		{ ((size_t)1 << 40) + 12345, (size_t)1 << 40 },
		{ SIZE_MAX, ((size_t)1 << (sizeof(size_t) * 8 - 1)) },
	};
	static char mem[1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct logring r;

		memset(&r, 0x5a, sizeof(r));
		logring_init(&r, mem, cases[i].given);
		if (r.size != cases[i].want)
			printf("#   size %zu gave %zu\n", cases[i].given, r.size);
		CHECK(r.size == cases[i].want);
		CHECK(r.head == 0);
		CHECK(r.buf == mem);
	}
}

static void init_uses_only_the_power_of_two_bytes(void)
{
	struct logring r;
	char *mem = malloc(100), big[300], out[128];
	uint64_t from = 0;

	memset(mem, '#', 100);
	logring_init(&r, mem, 100);
	for (int i = 0; i < 300; i++)
		big[i] = (char)('a' + i % 26);
	logring_write(&r, big, 37);
	logring_write(&r, big, 300);
	for (int i = 0; i < 50; i++)
		logring_write(&r, big + i, (size_t)i);
	for (int i = 64; i < 100; i++)
		CHECK(mem[i] == '#');
	CHECK(logring_read(&r, 0, out, sizeof(out), &from) == 64);
	free(mem);
}

static void empty_ring_reads_nothing(void)
{
	struct logring r;
	char mem[16], out[16];
	uint64_t from = 99;

	logring_init(&r, mem, sizeof(mem));
	CHECK(logring_oldest(&r) == 0);
	CHECK(logring_read(&r, 0, out, sizeof(out), &from) == 0);
	CHECK(from == 0);
	from = 99;
	CHECK(logring_read(&r, 5, out, sizeof(out), &from) == 0);
	CHECK(from == 0);
}

static void write_then_read_returns_same_bytes(void)
{
	struct logring r;
	char mem[64], out[65];
	uint64_t from = 99;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "hello");
	CHECK(r.head == 5);
	CHECK(logring_oldest(&r) == 0);
	CHECK(rd(&r, 0, 64, out, &from) == 5);
	CHECK_STR(out, "hello");
	CHECK(from == 0);
	wr(&r, ", world");
	CHECK(r.head == 12);
	CHECK(rd(&r, 0, 64, out, &from) == 12);
	CHECK_STR(out, "hello, world");
	CHECK(from == 0);
	/* From the middle: only what came after. */
	CHECK(rd(&r, 5, 64, out, &from) == 7);
	CHECK_STR(out, ", world");
	CHECK(from == 5);
	CHECK(rd(&r, 11, 64, out, &from) == 1);
	CHECK_STR(out, "d");
	CHECK(from == 11);
}

static void zero_length_write_changes_nothing(void)
{
	struct logring r;
	char mem[16], out[17];
	uint64_t from = 0;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "abc");
	logring_write(&r, "xyz", 0);
	CHECK(r.head == 3);
	CHECK(rd(&r, 0, 16, out, &from) == 3);
	CHECK_STR(out, "abc");
}

static void oldest_is_zero_until_full_then_head_minus_size(void)
{
	struct logring r;
	char mem[16];

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "0123456789");
	CHECK(logring_oldest(&r) == 0);
	wr(&r, "abcdef");
	CHECK(r.head == 16);
	CHECK(logring_oldest(&r) == 0);
	wr(&r, "g");
	CHECK(r.head == 17);
	CHECK(logring_oldest(&r) == 1);
	wr(&r, "hijklmnopqrstuvwxyz");
	CHECK(r.head == 36);
	CHECK(logring_oldest(&r) == 20);
}

static void read_from_zero_after_wrap_starts_at_oldest(void)
{
	struct logring r;
	char mem[16], out[64];
	uint64_t from = 99;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "ABCDEFGHIJ");
	wr(&r, "KLMNOPQRST");
	CHECK(r.head == 20);
	CHECK(logring_oldest(&r) == 4);
	CHECK(rd(&r, 0, 63, out, &from) == 16);
	CHECK_STR(out, "EFGHIJKLMNOPQRST");
	CHECK(from == 4);
	/* Any offset older than the oldest reads from the oldest. */
	CHECK(rd(&r, 3, 63, out, &from) == 16);
	CHECK(from == 4);
	CHECK_STR(out, "EFGHIJKLMNOPQRST");
	/* The caller's next offset is from + n, and it learns 4 were lost. */
	CHECK(from + 16 == r.head);
	CHECK(from - 0 == 4);
	/* The oldest offset itself. */
	CHECK(rd(&r, 4, 63, out, &from) == 16);
	CHECK(from == 4);
	CHECK(rd(&r, 5, 63, out, &from) == 15);
	CHECK_STR(out, "FGHIJKLMNOPQRST");
	CHECK(from == 5);
}

static void read_across_wrap_boundary(void)
{
	struct logring r;
	char mem[16], out[64];
	uint64_t from = 0;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "0123456789ab");	/* offsets 0..11 at indices 0..11 */
	wr(&r, "cdefghij");	/* 12..19: "cdef" at 12..15, "ghij" at 0..3 */
	CHECK(r.head == 20);
	CHECK(memcmp(mem, "ghij456789abcdef", 16) == 0);
	/* Offsets 10..17 straddle index 15 -> 0. */
	CHECK(rd(&r, 10, 8, out, &from) == 8);
	CHECK_STR(out, "abcdefgh");
	CHECK(from == 10);
	/* Ending exactly at the buffer's end, and starting exactly at 0. */
	CHECK(rd(&r, 12, 4, out, &from) == 4);
	CHECK_STR(out, "cdef");
	CHECK(rd(&r, 16, 4, out, &from) == 4);
	CHECK_STR(out, "ghij");
	CHECK(rd(&r, 15, 2, out, &from) == 2);
	CHECK_STR(out, "fg");
	CHECK(from == 15);
	/* The whole ring, starting mid-buffer. */
	CHECK(rd(&r, 0, 63, out, &from) == 16);
	CHECK_STR(out, "456789abcdefghij");
	CHECK(from == 4);
}

static void write_across_wrap_boundary(void)
{
	struct logring r;
	char mem[8], out[16];
	uint64_t from = 0;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "abcde");
	wr(&r, "FGHIJ"); /* indices 5,6,7 then 0,1 */
	CHECK(memcmp(mem, "IJcdeFGH", 8) == 0);
	CHECK(rd(&r, 0, 15, out, &from) == 8);
	CHECK_STR(out, "cdeFGHIJ");
	CHECK(from == 2);
	/* A write of exactly the ring size replaces everything. */
	wr(&r, "12345678");
	CHECK(r.head == 18);
	CHECK(rd(&r, 0, 15, out, &from) == 8);
	CHECK_STR(out, "12345678");
	CHECK(from == 10);
}

static void offset_beyond_head_reads_nothing(void)
{
	struct logring r;
	char mem[16], out[16];
	uint64_t from = 0;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "0123456789ABCDEFGHIJ");
	memset(out, '*', sizeof(out));
	CHECK(logring_read(&r, 21, out, sizeof(out), &from) == 0);
	CHECK(from == 20);
	CHECK(logring_read(&r, UINT64_MAX, out, sizeof(out), &from) == 0);
	CHECK(from == 20);
	/* At the head exactly: nothing new yet. */
	from = 0;
	CHECK(logring_read(&r, 20, out, sizeof(out), &from) == 0);
	CHECK(from == 20);
	for (size_t i = 0; i < sizeof(out); i++)
		CHECK(out[i] == '*');
}

static void zero_len_read_reports_offset_and_copies_nothing(void)
{
	struct logring r;
	char mem[16], out[4] = "***";
	uint64_t from = 0;

	logring_init(&r, mem, sizeof(mem));
	wr(&r, "0123456789ABCDEFGHIJ");
	CHECK(logring_read(&r, 7, out, 0, &from) == 0);
	CHECK(from == 7);
	CHECK(logring_read(&r, 0, out, 0, &from) == 0);
	CHECK(from == 4);
	CHECK_STR(out, "***");
}

static void write_larger_than_ring_keeps_last_size_bytes(void)
{
	struct logring r;
	char mem[16], out[64];
	uint64_t from = 0;
	const char *big = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; /* 40 */

	logring_init(&r, mem, sizeof(mem));
	wr(&r, big);
	CHECK(r.head == 40);
	CHECK(logring_oldest(&r) == 24);
	CHECK(rd(&r, 0, 63, out, &from) == 16);
	CHECK_STR(out, "opqrstuvwxyzABCD");
	CHECK(from == 24);

	/* Again from a head that is not at index 0. */
	logring_init(&r, mem, sizeof(mem));
	wr(&r, "xyzzy");
	wr(&r, big);
	CHECK(r.head == 45);
	CHECK(logring_oldest(&r) == 29);
	CHECK(rd(&r, 0, 63, out, &from) == 16);
	CHECK_STR(out, "opqrstuvwxyzABCD");
	CHECK(from == 29);
	CHECK(rd(&r, 40, 63, out, &from) == 5);
	CHECK_STR(out, "zABCD");
	CHECK(from == 40);

	/* One byte more than the ring. */
	logring_init(&r, mem, sizeof(mem));
	wr(&r, "abc");
	wr(&r, "0123456789ABCDEFG");
	CHECK(r.head == 20);
	CHECK(rd(&r, 0, 63, out, &from) == 16);
	CHECK_STR(out, "123456789ABCDEFG");
	CHECK(from == 4);
}

static void partial_reads_with_small_len_walk_the_data(void)
{
	struct logring r;
	char mem[32], out[8], got[128];
	uint64_t off = 0, from = 0;
	size_t total = 0, n;
	const char *text = "the quick brown fox jumps over the lazy dog"; /* 43 */

	logring_init(&r, mem, sizeof(mem));
	wr(&r, text);
	CHECK(logring_oldest(&r) == 11);
	/* Poll from 0 with 3 bytes at a time: first read skips to 11. */
	n = logring_read(&r, off, out, 3, &from);
	CHECK(n == 3);
	CHECK(from == 11);
	CHECK(memcmp(out, "row", 3) == 0);
	memcpy(got, out, n);
	total = n;
	off = from + n;
	while ((n = logring_read(&r, off, out, 3, &from)) != 0) {
		CHECK(from == off);
		CHECK(n <= 3);
		memcpy(got + total, out, n);
		total += n;
		off = from + n;
	}
	got[total] = '\0';
	CHECK(total == 32);
	CHECK_STR(got, text + 11);
	CHECK(off == 43);
	CHECK(from == 43);
	/* The last short read. */
	n = logring_read(&r, 41, out, 3, &from);
	CHECK(n == 2);
	CHECK(memcmp(out, "og", 2) == 0);
}

/* ---- randomized test against the full history ---- */

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int check_read(const struct logring *r, const char *hist,
		      uint64_t head, size_t size, uint64_t offset, size_t len,
		      int step)
{
	static char out[512];
	uint64_t oldest = head > size ? head - size : 0;
	uint64_t want_from = offset < oldest ? oldest
			     : offset > head ? head : offset;
	size_t want_n = head - want_from < len ? (size_t)(head - want_from)
					       : len;
	uint64_t from = 12345;
	size_t n;

	memset(out, 0, sizeof(out));
	n = logring_read(r, offset, out, len, &from);
	if (n != want_n || from != want_from
	    || memcmp(out, hist + want_from, n)) {
		printf("#   step %d: read(%llu, %zu) at head %llu gave %zu "
		       "from %llu, want %zu from %llu%s\n",
		       step, (unsigned long long)offset, len,
		       (unsigned long long)head, n, (unsigned long long)from,
		       want_n, (unsigned long long)want_from,
		       n == want_n && from == want_from ? " (bytes differ)"
							: "");
		return 1;
	}
	return 0;
}

static void many_small_writes_match_full_history(void)
{
	enum { HIST = 200000, RINGMEM = 100 };
	struct logring r;
	char *mem = malloc(RINGMEM), *hist = malloc(HIST), chunk[256];
	uint64_t head = 0;
	int bad = 0, step;

	memset(mem, '#', RINGMEM);
	logring_init(&r, mem, RINGMEM);
	CHECK(r.size == 64);
	for (step = 0; !bad; step++) {
		uint64_t x = rng();
		/* Mostly small writes, now and then one larger than the ring. */
		size_t len = (x & 0xf) == 0 ? 65 + (size_t)((x >> 8) % 150)
					    : (size_t)((x >> 8) % 20);

		if (head + len > HIST)
			break;
		for (size_t i = 0; i < len; i++)
			chunk[i] = (char)(rng() >> 56);
		logring_write(&r, chunk, len);
		memcpy(hist + head, chunk, len);
		head += len;
		if (r.head != head) {
			printf("#   step %d: head %llu, want %llu\n", step,
			       (unsigned long long)r.head,
			       (unsigned long long)head);
			bad = 1;
			break;
		}
		uint64_t oldest = head > 64 ? head - 64 : 0;

		if (logring_oldest(&r) != oldest) {
			printf("#   step %d: oldest %llu, want %llu\n", step,
			       (unsigned long long)logring_oldest(&r),
			       (unsigned long long)oldest);
			bad = 1;
		}
		bad |= check_read(&r, hist, head, 64, 0, 500, step);
		bad |= check_read(&r, hist, head, 64, oldest, 64, step);
		if (oldest)
			bad |= check_read(&r, hist, head, 64, oldest - 1, 10,
					  step);
		bad |= check_read(&r, hist, head, 64, head, 10, step);
		bad |= check_read(&r, hist, head, 64, head + 1, 10, step);
		for (int k = 0; k < 4; k++) {
			uint64_t lo = oldest > 8 ? oldest - 8 : 0;
			uint64_t off = lo + rng() % (head - lo + 9);
			size_t l = (size_t)(rng() % 80);

			bad |= check_read(&r, hist, head, 64, off, l, step);
		}
	}
	CHECK(!bad);
	CHECK(step > 5000);
	for (int i = 64; i < RINGMEM; i++)
		CHECK(mem[i] == '#');
	free(mem);
	free(hist);
}

int main(void)
{
	RUN(init_rounds_size_down_to_power_of_two);
	RUN(init_uses_only_the_power_of_two_bytes);
	RUN(empty_ring_reads_nothing);
	RUN(write_then_read_returns_same_bytes);
	RUN(zero_length_write_changes_nothing);
	RUN(oldest_is_zero_until_full_then_head_minus_size);
	RUN(read_from_zero_after_wrap_starts_at_oldest);
	RUN(read_across_wrap_boundary);
	RUN(write_across_wrap_boundary);
	RUN(offset_beyond_head_reads_nothing);
	RUN(zero_len_read_reports_offset_and_copies_nothing);
	RUN(write_larger_than_ring_keeps_last_size_bytes);
	RUN(partial_reads_with_small_len_walk_the_data);
	RUN(many_small_writes_match_full_history);
	return CHECK_DONE();
}
