#include "drivers/gpt_part.h"

#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/base/fmt.h"
#include "hv/base/range.h"

/* Header fields (UEFI 2.10, table 5.5) */
#define H_SIG 0
#define H_SIZE 12
#define H_CRC 16
#define H_MY_LBA 24
#define H_FIRST_USABLE 40
#define H_LAST_USABLE 48
#define H_ENTRIES_LBA 72
#define H_COUNT 80
#define H_ENTRY_SIZE 84
#define H_ENTRIES_CRC 88
/* Entry fields (table 5.6) */
#define E_TYPE 0
#define E_UNIQUE 16
#define E_FIRST 32
#define E_LAST 40
#define E_NAME 56
#define NAME_CHARS 36

/* CRC-32 as UEFI uses it (IEEE 802.3, reflected, 0xEDB88320). */
uint32_t gpt_crc32(const uint8_t *p, uint64_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

int gpt_check_header(const uint8_t *hdr, uint64_t sectors,
		     struct gpt_info *info, char *err, unsigned errlen)
{
	uint8_t copy[512];
	uint32_t size = get_le32(hdr + H_SIZE);

	if (memcmp(hdr + H_SIG, "EFI PART", 8)) {
		fmt(err, errlen, "no GPT on the disk (no 'EFI PART' at LBA 1)");
		return -1;
	}
	if (size < 92 || size > 512) {
		fmt(err, errlen, "GPT header size %u is not 92 to 512", size);
		return -1;
	}
	memcpy(copy, hdr, size);
	memset(copy + H_CRC, 0, 4);
	if (gpt_crc32(copy, size) != get_le32(hdr + H_CRC)) {
		fmt(err, errlen, "the GPT header's CRC does not match");
		return -1;
	}
	info->entries_lba = get_le64(hdr + H_ENTRIES_LBA);
	info->count = get_le32(hdr + H_COUNT);
	info->entry_size = get_le32(hdr + H_ENTRY_SIZE);
	if (get_le64(hdr + H_MY_LBA) != 1 || info->entries_lba < 2
	    || info->entries_lba >= sectors) {
		fmt(err, errlen, "the GPT header points outside the disk");
		return -1;
	}
	if (info->entry_size < 128 || info->entry_size % 8
	    || info->entry_size > 4096 || !info->count
	    || (uint64_t)info->count * info->entry_size > GPT_ENTRIES_MAX_BYTES
	    || info->entries_lba
			       + ((uint64_t)info->count * info->entry_size
				  + 511) / 512
		       > sectors) {
		fmt(err, errlen,
		    "GPT entry array of %u entries of %u bytes is "
		    "not one Plinth reads",
		    info->count, info->entry_size);
		return -1;
	}
	return 0;
}

static bool name_is(const uint8_t *e, const char *label)
{
	unsigned i = 0;

	for (; i < NAME_CHARS && label[i]; i++)
		if (e[E_NAME + 2 * i] != (uint8_t)label[i]
		    || e[E_NAME + 2 * i + 1])
			return false;
	return !label[i]
	       && (i == NAME_CHARS
		   || !(e[E_NAME + 2 * i] | e[E_NAME + 2 * i + 1]));
}

int gpt_find(const uint8_t *hdr, const struct gpt_info *info,
	     const uint8_t *entries, uint64_t sectors,
	     const struct gpt_want *want, uint64_t *first, uint64_t *count,
	     char *err, unsigned errlen)
{
	static const uint8_t unused[16];
	uint64_t bytes = (uint64_t)info->count * info->entry_size;
	uint64_t lo = get_le64(hdr + H_FIRST_USABLE);
	uint64_t hi = get_le64(hdr + H_LAST_USABLE);
	unsigned used = 0;

	if (gpt_crc32(entries, bytes) != get_le32(hdr + H_ENTRIES_CRC)) {
		fmt(err, errlen, "the GPT entry array's CRC does not match");
		return -1;
	}
	/* UEFI 2.10, 5.3.2: the usable area lies past the protective MBR
	 * and the header, and clear of the entry array; a partition inside
	 * it would otherwise give the guest the table that describes it. */
	if (lo < 2 || hi < lo
	    || range_overlap(lo, hi - lo + 1, info->entries_lba,
			     (bytes + 511) / 512)) {
		fmt(err, errlen,
		    "the GPT's usable area (LBA %lu-%lu) overlaps its own "
		    "header or entry array",
		    (unsigned long)lo, (unsigned long)hi);
		return -1;
	}
	for (uint32_t i = 0; i < info->count; i++) {
		const uint8_t *e = entries + (uint64_t)i * info->entry_size;

		if (!memcmp(e + E_TYPE, unused, 16))
			continue;
		used++;
		bool match = want->number  ? want->number == i + 1
			     : want->label ? name_is(e, want->label)
					   : want->guid
						     && !memcmp(e + E_UNIQUE,
								want->guid, 16);
		if (!match)
			continue;
		uint64_t a = get_le64(e + E_FIRST), b = get_le64(e + E_LAST);

		if (a > b || a < lo || b > hi || b >= sectors) {
			fmt(err, errlen,
			    "GPT partition %u (LBA %lu-%lu) lies "
			    "outside the disk's usable area",
			    i + 1, (unsigned long)a, (unsigned long)b);
			return -1;
		}
		*first = a;
		*count = b - a + 1;
		return 0;
	}
	if (want->number)
		fmt(err, errlen, "no GPT partition %u (%u in use)",
		    want->number, used);
	else if (want->label)
		fmt(err, errlen, "no GPT partition named '%s'", want->label);
	else
		fmt(err, errlen, "no GPT partition with that unique GUID");
	return -1;
}

/* --- reading it through a disk that is up ---------------------------- */

static int read_done;

static void read_cb(struct blk_req *r, int status)
{
	(void)r;
	read_done = status == BLK_OK ? 1 : -1;
}

/* Reads `blocks` logical blocks at `lba` into buf and waits, polling. */
static int read_blocks(struct blk_backend *be, unsigned block, uint64_t lba,
		       uint32_t blocks, uint8_t *buf)
{
	struct blk_sg sg = { (uint64_t)(uintptr_t)buf, blocks * block };
	struct blk_req r = { .op = BLK_READ,
			     .sector = lba * (block / BLK_SECTOR),
			     .nsectors = (uint64_t)blocks * block / BLK_SECTOR,
			     .sg = &sg,
			     .nsg = 1,
			     .done = read_cb };

	read_done = 0;
	if (be->submit(be, &r))
		return -1;
	/* The driver times out its own commands: this ends. */
	while (!read_done)
		be->poll(be);
	return read_done > 0 ? 0 : -1;
}

int gpt_read_partition(struct blk_backend *be, unsigned block, uint64_t blocks,
		       const struct gpt_want *want, uint8_t *hdr, uint8_t *ent,
		       uint64_t *first, uint64_t *count, char *err,
		       unsigned errlen)
{
	struct gpt_info info;

	if (read_blocks(be, block, 1, 1, hdr)) {
		fmt(err, errlen, "reading the GPT failed");
		return -1;
	}
	if (gpt_check_header(hdr, blocks, &info, err, errlen))
		return -1;
	uint32_t n = (uint32_t)(((uint64_t)info.count * info.entry_size + block
				 - 1)
				/ block);

	if (read_blocks(be, block, info.entries_lba, n, ent)) {
		fmt(err, errlen, "reading the GPT entries failed");
		return -1;
	}
	return gpt_find(hdr, &info, ent, blocks, want, first, count, err,
			errlen);
}
