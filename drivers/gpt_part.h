/* Finding one partition in a GUID Partition Table (UEFI 2.10, 5.3), for
 * `disk = ahci:PORT:pN` (or nvme:...), `:label=NAME` and `:guid=GUID`.  Everything read
 * from the disk is checked: signature, sizes, both CRCs, and that the
 * partition lies inside the disk. */
#ifndef PLINTH_GPT_PART_H
#define PLINTH_GPT_PART_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/blk_backend.h"

#define GPT_ENTRIES_MAX_BYTES (128u * 1024) /* entry array read at most */

struct gpt_want {
	unsigned number;   /* 1-based, or 0 */
	const char *label; /* ASCII name, or NULL */
	const uint8_t
		*guid; /* unique partition GUID (on-disk order), or NULL */
};

struct gpt_info {
	uint64_t entries_lba;
	uint32_t count, entry_size;
};

/* Checks the header in `hdr` (LBA 1, 512 bytes) of a disk of `sectors`;
 * 0 with where the entries are, or -1 with the reason. */
int gpt_check_header(const uint8_t *hdr, uint64_t sectors,
		     struct gpt_info *info, char *err, unsigned errlen);

/* Finds the wanted partition in the entry array (info->count entries of
 * info->entry_size bytes, CRC from the header); 0 with its first sector
 * and length, or -1 with the reason. */
int gpt_find(const uint8_t *hdr, const struct gpt_info *info,
	     const uint8_t *entries, uint64_t sectors,
	     const struct gpt_want *want, uint64_t *first, uint64_t *count,
	     char *err, unsigned errlen);

/* The whole search on a disk whose backend is up: the header at LBA 1 and
 * the entries read through be (submit, then poll until done) into hdr
 * (a block) and ent (GPT_ENTRIES_MAX_BYTES), memory the device reaches;
 * `block` is the logical block size and LBAs count in it.  0 with the
 * partition's first block and length, or -1 with the reason. */
int gpt_read_partition(struct blk_backend *be, unsigned block, uint64_t blocks,
		       const struct gpt_want *want, uint8_t *hdr, uint8_t *ent,
		       uint64_t *first, uint64_t *count, char *err,
		       unsigned errlen);

uint32_t gpt_crc32(const uint8_t *p, uint64_t n);

#endif
