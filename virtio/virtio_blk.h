/* virtio-blk (virtio 1.2, 5.2) over a struct blk_backend. */
#ifndef PLINTH_VIRTIO_BLK_H
#define PLINTH_VIRTIO_BLK_H

#include "virtio/blk_backend.h"
#include "virtio/virtio_pci.h"

/* Requests in flight at once; more wait in the ring. */
#define VBLK_SLOTS 32
/* The limits offered (5.2.4) and enforced: data segments per request and
 * bytes per segment, so that no request moves more than
 * VBLK_MAX_REQ_BYTES (and its used length fits 32 bits).  Linux sends
 * 1.25 MiB at most unless told otherwise (max_sectors_kb). */
#define VBLK_SEG_MAX (VQ_MAX_SEGS - 2) /* header and status take two */
#define VBLK_SIZE_MAX (64u << 10)
#define VBLK_MAX_REQ_BYTES ((uint64_t)VBLK_SEG_MAX * VBLK_SIZE_MAX)
/* DISCARD and WRITE_ZEROES, unless the backend says less. */
#define VBLK_MAX_DISCARD_SECTORS (1u << 22)
/* What one pass over the ring may start before it leaves the rest to the
 * run loop's next poll: one exit must not hold the host (the NIC, the
 * management plane) while a RAM disk copies gigabytes. */
#define VBLK_BATCH_REQUESTS VBLK_SLOTS
#define VBLK_BATCH_BYTES (8u << 20)

struct vblk;

struct vblk_slot {
	struct vblk *blk;
	bool busy, orphan; /* orphan: the device was reset meanwhile */
	uint8_t *status;   /* the status byte, NULL when there is none */
	uint32_t used_len; /* bytes written on success */
	struct blk_req req;
	struct vq_chain ch;
	struct blk_sg sg[VQ_MAX_SEGS];
};

struct vblk_stats {
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t read_bytes, write_bytes;
	uint64_t ioerr, unsupp, bad_chains, no_status;
	uint64_t over_limits; /* beyond seg_max, size_max */
	uint64_t deferred;    /* passes cut short by the batch bound */
};

/* The counters above, described once. */
extern const struct counter_set vblk_counters;

struct vblk {
	struct vdev dev;
	struct blk_backend *be;
	unsigned in_flight;
	bool processing;
	bool backlog; /* a pass stopped at its bound: the ring may hold more */
	uint64_t pass_bytes; /* bytes handed to the backend in this pass */
	struct vblk_stats st;
	struct vblk_slot slot[VBLK_SLOTS];
};

/* `f` must be zeroed; the device's BAR starts at bar_addr. */
void vblk_init(struct vblk *b, struct vpci_fn *f, struct blk_backend *be,
	       const char *name, uint64_t bar_addr, const struct gmem *gm);
/* From the run loop: lets the backend complete requests, and takes the
 * next batch from the ring when the last pass stopped at its bound. */
void vblk_poll(struct vblk *b);
/* Whether vblk_poll() has work: requests in flight or a backlog.  Asked
 * after every exit, so inline. */
static inline bool vblk_busy(const struct vblk *b)
{
	return b->in_flight || b->backlog;
}

#endif
