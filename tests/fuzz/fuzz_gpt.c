/* libFuzzer target for the GPT partition finder (drivers/gpt_part.c), as
 * drivers/ahci.c's find_partition calls it: the header at LBA 1 checked
 * against the disk's size, then the entry array it names searched for
 * the partition plinth.cfg asks for (by number, label or unique GUID).
 *
 *   make build/fuzz/fuzz_gpt   # sources: fuzz_gpt_SRCS
 *   build/fuzz/fuzz_gpt -max_total_time=60
 *
 * Built with gcc and -DFUZZ_REPLAY it replays files instead (see
 * fuzz_loader.c for the command line).
 *
 * Both CRCs are mended by the target before the call unless the input
 * says not to, so that mutations reach what lies behind them.  Input
 * layout (little-endian):
 *   byte 0      bit 0 keep the header's CRC as given, bit 1 keep the entry
 *               array's, bit 2 keep the signature as given (else "EFI
 *               PART"), bits 3-4 what is wanted (0 a number, 1 a label,
 *               2 a unique GUID, 3 a number of 0 with no label or GUID),
 *               bit 5 a disk size of 8 bytes (else 4), bit 6 an error
 *               buffer of bits 0-6 of the next byte (else 128 bytes)
 *   (byte)      the error buffer's size, with bit 6
 *   4 or 8      the disk's size in sectors
 *   then        what is wanted: a number (2), or a label (a length byte,
 *               mod 40, then its characters), or a GUID (16)
 *   2           how many bytes of the 512-byte header the input gives
 *               (mod 513), then those bytes (the rest is zeros)
 *   then        the entry array, as much as the header asks for (what
 *               the input lacks is zeros)
 * The header and the entry array are exact-size allocations (512 bytes,
 * count * entry size), so ASan reports a read past either.
 *
 * Invariants checked (abort on violation): a message comes with every
 * refusal, NUL-terminated inside its buffer and non-empty when it has
 * room; an accepted header names an entry array of 128-4096-byte entries
 * (a multiple of 8), at most 128 KiB, from LBA 2 up that ends inside the
 * disk, as its fields say; a partition found comes only with both CRCs
 * right, starts at its entry's first LBA and ends at its last, lies
 * wholly inside the disk and inside the header's usable area, clear of
 * LBA 0 and 1 (protective MBR, header) and of the entry array; it is the
 * entry asked for: the one with that number (and a type), or the first
 * in use with that UTF-16 name (and nothing after it) or unique GUID.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/gpt_part.h"

#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t in8(struct in *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

static uint64_t in_le(struct in *s, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)in8(s) << (8 * i);
	return v;
}

static uint64_t le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Refused: a message, terminated inside the buffer. */
static void check_err(const char *err, unsigned errlen)
{
	size_t n = strnlen(err, errlen);

	if (!errlen)
		return;
	CHECK(n < errlen);
	if (errlen >= 2)
		CHECK(n > 0);
}

/* Entry e's name is `label` (UTF-16LE, NUL-ended unless all 36). */
static bool named(const uint8_t *e, const char *label)
{
	size_t n = strlen(label);

	if (n > 36)
		return false;
	for (size_t i = 0; i < n; i++)
		if (e[56 + 2 * i] != (uint8_t)label[i] || e[57 + 2 * i])
			return false;
	return n == 36 || (!e[56 + 2 * n] && !e[57 + 2 * n]);
}

static bool in_use(const uint8_t *e)
{
	static const uint8_t unused[16];

	return memcmp(e, unused, 16) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t sig[8] = {
		'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'
	};
	struct in s = { data, size };
	uint8_t flags = in8(&s), guid[16];
	unsigned errlen = flags & 0x40 ? in8(&s) & 0x7f : 128;
	uint64_t sectors = in_le(&s, flags & 0x20 ? 8 : 4);
	unsigned want_kind = flags >> 3 & 3;
	struct gpt_want want = { 0 };
	char label[41];
	struct gpt_info info;
	uint8_t *hdr = calloc(1, 512), *ents = NULL;
	char *err = malloc(errlen ? errlen : 1);
	uint64_t first = ~0ull, count = ~0ull, bytes, lo, hi, arr_lba;
	int r;

	if (!hdr || !err)
		abort();
	switch (want_kind) {
	case 0:
		want.number = (unsigned)in_le(&s, 2);
		break;
	case 1: {
		unsigned n = in8(&s) % 40;

		for (unsigned i = 0; i < n; i++)
			label[i] = (char)in8(&s);
		label[n] = '\0';
		want.label = label;
		break;
	}
	case 2:
		for (unsigned i = 0; i < 16; i++)
			guid[i] = in8(&s);
		want.guid = guid;
		break;
	}
	unsigned hn = (unsigned)in_le(&s, 2) % 513;

	for (unsigned i = 0; i < hn; i++)
		hdr[i] = in8(&s);
	if (!(flags & 4))
		memcpy(hdr, sig, 8);
	if (!(flags & 1)) {
		/* The CRC over the header's own size, with itself zeroed. */
		uint32_t hsize = (uint32_t)le(hdr + 12, 4);

		put32(hdr + 16, 0);
		if (hsize >= 92 && hsize <= 512)
			put32(hdr + 16, gpt_crc32(hdr, hsize));
	}
	memset(err, 0x55, errlen ? errlen : 1);
	r = gpt_check_header(hdr, sectors, &info, err, errlen);
	CHECK(r == 0 || r == -1);
	if (r) {
		check_err(err, errlen);
		goto out;
	}
	/* The entry array it names is one Plinth can read, on the disk. */
	bytes = (uint64_t)info.count * info.entry_size;
	arr_lba = (bytes + 511) / 512;
	CHECK(!memcmp(hdr, sig, 8) && le(hdr + 24, 8) == 1);
	CHECK(info.entries_lba == le(hdr + 72, 8)
	      && info.count == le(hdr + 80, 4)
	      && info.entry_size == le(hdr + 84, 4));
	CHECK(info.entry_size >= 128 && info.entry_size <= 4096
	      && info.entry_size % 8 == 0);
	CHECK(info.count >= 1 && bytes <= GPT_ENTRIES_MAX_BYTES);
	CHECK(info.entries_lba >= 2 && info.entries_lba < sectors
	      && arr_lba <= sectors - info.entries_lba);

	if (!(ents = calloc(1, bytes)))
		abort();
	for (uint64_t i = 0; i < bytes && s.n; i++)
		ents[i] = in8(&s);
	if (!(flags & 2)) {
		/* The header's CRC covers the array's: mend that, then the
		 * header's again (unless it is kept), and check the header
		 * afresh, as the driver reads it once. */
		uint32_t hsize = (uint32_t)le(hdr + 12, 4);

		put32(hdr + 88, gpt_crc32(ents, bytes));
		if (!(flags & 1)) {
			put32(hdr + 16, 0);
			put32(hdr + 16, gpt_crc32(hdr, hsize));
		}
		r = gpt_check_header(hdr, sectors, &info, err, errlen);
		CHECK(r == 0 || (flags & 1));
		if (r)
			goto out;
	}
	memset(err, 0x55, errlen ? errlen : 1);
	r = gpt_find(hdr, &info, ents, sectors, &want, &first, &count, err,
		     errlen);
	CHECK(r == 0 || r == -1);
	if (r) {
		check_err(err, errlen);
		goto out;
	}
	/* Found: the CRCs were right, and the partition is where the
	 * disk, the usable area and the tables allow. */
	lo = le(hdr + 40, 8);
	hi = le(hdr + 48, 8);
	CHECK(gpt_crc32(ents, bytes) == le(hdr + 88, 4));
	CHECK(count >= 1 && first <= UINT64_MAX - count);
	CHECK(first + count <= sectors);
	CHECK(first >= lo && first + count - 1 <= hi);
	CHECK(first >= 2);
	CHECK(first + count <= info.entries_lba
	      || first >= info.entries_lba + arr_lba);
	/* ...and it is the entry asked for, the first that fits. */
	bool seen = false;

	for (uint32_t i = 0; i < info.count && !seen; i++) {
		const uint8_t *e = ents + (uint64_t)i * info.entry_size;
		bool match = want.number  ? want.number == i + 1
			     : want.label ? named(e, want.label)
			     : want.guid  ? !memcmp(e + 16, want.guid, 16)
					  : false;

		if (!in_use(e) || !match)
			continue;
		seen = true;
		CHECK(le(e + 32, 8) == first
		      && le(e + 40, 8) == first + count - 1);
	}
	CHECK(seen);
out:
	free(ents);
	free(err);
	free(hdr);
	return 0;
}

#include "tests/fuzz/fuzz_replay.h"
