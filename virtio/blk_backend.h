/* What virtio-blk asks of a disk: asynchronous requests over
 * scatter-gather lists of host-physical ranges.  Plinth identity-maps
 * host memory, so a DMA backend (AHCI) points its PRDT straight at the
 * guest's pages and nothing is copied; the RAM disk copies once.
 *
 * submit() takes a request or refuses it (-1: full, retry after one of
 * its own completions).  A taken request completes exactly once through
 * r->done(), either inside submit() or later from poll(); until then the
 * backend may use r and its sg list, and the caller keeps both alive.
 * A READ, WRITE or DISCARD of no sectors (within the disk) succeeds and
 * touches nothing, on every backend. */
#ifndef PLINTH_BLK_BACKEND_H
#define PLINTH_BLK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/base/counters.h"

#define BLK_SECTOR 512

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_DISCARD, BLK_WRITE_ZEROES };

enum { BLK_OK = 0, BLK_EIO = 1 };

struct blk_sg {
	uint64_t hpa; /* host-physical (= host virtual) address */
	uint32_t len;
};

struct blk_req {
	enum blk_op op;
	uint64_t sector;   /* in 512-byte sectors */
	uint64_t nsectors; /* READ/WRITE: the sg total / 512 */
	const struct blk_sg *sg;
	unsigned nsg;
	void (*done)(struct blk_req *r, int status);
	void *ctx;
};

struct blk_backend {
	const char *name;
	uint64_t sectors;
	/* The disk's logical block in bytes (0: 512): requests in smaller
	 * pieces fail, and virtio-blk tells the guest (blk_size). */
	uint32_t block_size;
	bool readonly;
	bool can_discard, can_write_zeroes;
	/* Sectors one DISCARD or WRITE_ZEROES may cover; 0 for virtio-blk's
	 * default.  A backend that clears inside submit() keeps it to what
	 * one exit may do. */
	uint32_t max_clear_sectors;
	char serial[20]; /* for GET_ID, NUL-padded */
	int (*submit)(struct blk_backend *be, struct blk_req *r);
	void (*poll)(struct blk_backend *be); /* may be NULL */
	void *priv;
	/* Data bytes the backend copied between the request's buffers and
	 * its store (the RAM disk copies each byte once; AHCI's DMA none). */
	uint64_t copied;
};

/* What every backend counts (copied), described once in hv/counters.c. */
extern const struct counter_set blk_backend_counters;

#endif
