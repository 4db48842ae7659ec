#include "drivers/ramdisk.h"

#include <stddef.h>
#include <string.h>

static int rd_submit(struct blk_backend *be, struct blk_req *r)
{
	struct ramdisk *d = be->priv;
	uint64_t off = r->sector * BLK_SECTOR, total = 0;
	int status = BLK_OK;

	/* virtio-blk checked the range; a backend still never trusts it.  A
	 * flush has none: the RAM disk has nothing to write back. */
	if (r->op == BLK_FLUSH)
		status = BLK_OK;
	else if (r->sector > be->sectors
		 || r->nsectors > be->sectors - r->sector)
		status = BLK_EIO;
	else if (be->readonly && r->op != BLK_READ)
		status = BLK_EIO;
	else if (r->op == BLK_READ || r->op == BLK_WRITE) {
		for (unsigned i = 0; i < r->nsg; i++)
			total += r->sg[i].len;
		if (total != r->nsectors * BLK_SECTOR)
			status = BLK_EIO;
		for (unsigned i = 0; status == BLK_OK && i < r->nsg; i++) {
			void *p = (void *)(uintptr_t)r->sg[i].hpa;

			if (r->op == BLK_READ)
				memcpy(p, d->mem + off, r->sg[i].len);
			else
				memcpy(d->mem + off, p, r->sg[i].len);
			off += r->sg[i].len;
			be->copied += r->sg[i].len;
		}
	} else if (r->op == BLK_DISCARD || r->op == BLK_WRITE_ZEROES) {
		/* Discarded sectors read back as zeros: deterministic, and
		 * what a thin-provisioned disk does. */
		memset(d->mem + off, 0, r->nsectors * BLK_SECTOR);
	}
	r->done(r, status);
	return 0;
}

void ramdisk_init(struct ramdisk *d, void *mem, uint64_t size, bool readonly,
		  const char *name)
{
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->size = size & ~(uint64_t)(BLK_SECTOR - 1);
	d->be = (struct blk_backend){
		.name = name,
		.sectors = d->size / BLK_SECTOR,
		.readonly = readonly,
		.can_discard = true,
		.can_write_zeroes = true,
		/* Cleared with memset inside the exit: no more than the
		 * largest read or write moves. */
		.max_clear_sectors = RAMDISK_MAX_CLEAR_BYTES / BLK_SECTOR,
		.submit = rd_submit,
		.priv = d,
	};
	strncpy(d->be.serial, "plinth-ramdisk", sizeof(d->be.serial));
}
