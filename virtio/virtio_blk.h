/* virtio-blk (virtio 1.2, 5.2) over a struct blk_backend. */
#ifndef PLINTH_VIRTIO_BLK_H
#define PLINTH_VIRTIO_BLK_H

#include "virtio/blk_backend.h"
#include "virtio/virtio_pci.h"

/* Requests in flight at once; more wait in the ring. */
#define VBLK_SLOTS 32
#define VBLK_SEG_MAX (VQ_MAX_SEGS - 2) /* header and status take two */
#define VBLK_SIZE_MAX (4u << 20)
#define VBLK_MAX_DISCARD_SECTORS (1u << 22)

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
};

/* The counters above, described once. */
extern const struct counter_set vblk_counters;

struct vblk {
	struct vdev dev;
	struct blk_backend *be;
	unsigned in_flight;
	bool processing;
	struct vblk_stats st;
	struct vblk_slot slot[VBLK_SLOTS];
};

/* `f` must be zeroed; the device's BAR starts at bar_addr. */
void vblk_init(struct vblk *b, struct vpci_fn *f, struct blk_backend *be,
	       const char *name, uint64_t bar_addr, const struct gmem *gm);
/* From the run loop: lets the backend complete requests. */
void vblk_poll(struct vblk *b);

#endif
