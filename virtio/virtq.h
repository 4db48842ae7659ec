/* The device side of a virtqueue: the packed layout (virtio 1.2, 2.8),
 * which Plinth offers, and the split one (2.7) for drivers that decline
 * RING_PACKED (virtq_split.c).
 *
 * Every byte of the ring is written by the guest and treated as hostile.
 * A chain is walked whole before anything acts on it: each descriptor is
 * read once into host memory (flags first, with an acquire load) and only
 * the snapshot is validated and used.  The outcome of a pop is one of:
 *   - a good chain: segments that are all guest RAM, readable ones first;
 *   - a parsed but invalid chain (c->bad says why): the device completes
 *     it with an error status, under the buffer id the chain carried;
 *   - no chain (the ring's structure is broken: a chain that never ends):
 *     the queue stalls with a log line until the device is reset, since
 *     no buffer id can be trusted. */
#ifndef PLINTH_VIRTQ_H
#define PLINTH_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/base/counters.h"

struct gmem;

#define VQ_MAX_SIZE 256 /* the queue size Plinth offers */
#define VQ_MAX_SEGS 130 /* segments per chain (indirect ones included) */

/* A descriptor, 16 bytes in either layout (little-endian fields):
 * struct pvirtq_desc (2.8.13) and struct virtq_desc (2.7.5). */
#define VQ_DESC_SIZE 16
#define VQ_PDESC_ADDR 0	  /* le64 */
#define VQ_PDESC_LEN 8	  /* le32 */
#define VQ_PDESC_ID 12	  /* le16 buffer id */
#define VQ_PDESC_FLAGS 14 /* le16 */
#define VQ_SDESC_ADDR 0	  /* le64 */
#define VQ_SDESC_LEN 8	  /* le32 */
#define VQ_SDESC_FLAGS 12 /* le16 */
#define VQ_SDESC_NEXT 14  /* le16 */

/* Descriptor flags (2.8.1, 2.8.2; NEXT, WRITE and INDIRECT are the split
 * layout's too, 2.7.5) */
#define VQ_DESC_F_NEXT 0x0001
#define VQ_DESC_F_WRITE 0x0002
#define VQ_DESC_F_INDIRECT 0x0004
#define VQ_DESC_F_AVAIL 0x0080
#define VQ_DESC_F_USED 0x8000

/* Event suppression flags (2.8.10) */
#define VQ_EVENT_ENABLE 0
#define VQ_EVENT_DISABLE 1
#define VQ_EVENT_DESC 2

/* One buffer of a chain, checked to be guest RAM in one piece. */
struct vq_seg {
	uint64_t gpa;
	uint8_t *host;
	uint32_t len;
	bool write; /* device-writable */
};

struct vq_chain {
	uint16_t id;	/* buffer id, from the chain's last descriptor */
	uint16_t ndesc; /* ring descriptors the chain took */
	uint16_t nseg;
	uint64_t out_bytes; /* device-readable bytes, widened */
	uint64_t in_bytes;  /* device-writable bytes */
	const char *bad;    /* NULL, or why the chain cannot be used */
	/* The chain's last buffer, checked on its own even when the chain
	 * is bad, so that an error status can still be written there. */
	struct vq_seg last;
	bool last_ok;
	struct vq_seg seg[VQ_MAX_SEGS];
};

struct vq_stats {
	uint64_t requests, bytes, errors, stalls, notifies, interrupts;
	/* Notifications while `polled` (notifications off): a driver that
	 * read the suppression just before it changed, or one that ignores
	 * it. */
	uint64_t notifies_polled;
};

/* The counters above, described once (hv/base/counters.h). */
extern const struct counter_set vq_counters;

struct virtq {
	/* Guest-programmed through the transport. */
	uint16_t size; /* clamped to max_size */
	uint16_t max_size;
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc_gpa, driver_gpa, device_gpa;

	/* Negotiated features. */
	bool split, event_idx, indirect; /* split: the 2.7 layout */

	/* State while enabled. */
	const struct gmem *gm;
	uint8_t *desc;	  /* host view of the descriptor ring */
	uint8_t *drv_evt; /* packed: driver event suppression (guest-
			    * written); split: the available ring */
	uint8_t *dev_evt; /* packed: device event suppression; split: the
			    * used ring */
	uint16_t next_avail, next_used; /* split: free-running indices */
	bool avail_wrap, used_wrap;
	bool stalled;
	bool notify_on; /* split: the driver is asked to notify */
	/* The I/O core looks at the ring all the time: the driver is never
	 * asked to notify (kept across resets; off while the I/O core
	 * sleeps, vdev_poll_pause). */
	bool polled;
	/* The driver posts buffers here for the device to fill when data
	 * arrives (virtio-net's receive queue): an available buffer is no
	 * request, and the device needs no notification of one (kept across
	 * resets). */
	bool receive;
	/* The used position at the last interrupt, for EVENT_IDX. */
	uint16_t signalled;
	bool signalled_wrap, signalled_valid;
	uint32_t used_since_signal;

	unsigned index;
	const char *name; /* for log lines: "vda", "net0" */
	/* Told when the queue stalls (the transport sets NEEDS_RESET). */
	void (*on_stall)(void *ctx);
	void *stall_ctx;
	struct vq_stats st;
};

/* Back to the state after device reset (keeps index, name, max_size, the
 * stall callback, `polled`, `receive` and the counters). */
void vq_reset(struct virtq *q);
/* Clamps a guest-written queue size to [0, max_size]. */
uint16_t vq_clamp_size(const struct virtq *q, uint32_t size);
/* Starts the queue at the guest's addresses; -1 (and a log line) when the
 * rings are not aligned guest RAM or the size is 0. */
int vq_enable(struct virtq *q, const struct gmem *gm);

/* 1: a chain in *c (check c->bad), 0: nothing available, -1: stalled. */
int vq_pop(struct virtq *q, struct vq_chain *c);
/* True if the driver has made a descriptor available. */
bool vq_avail(const struct virtq *q);
/* Marks buffer `id` used with `len` bytes written; `ndesc` is what the
 * chain took from the ring (vq_chain.ndesc). */
void vq_push(struct virtq *q, uint16_t id, uint16_t ndesc, uint32_t len);
/* After pushes: whether the driver wants an interrupt now (its event
 * suppression structure); resets the tracking when it does. */
bool vq_need_interrupt(struct virtq *q);
/* Asks the driver for notifications (true) or not; a polled queue
 * never asks. */
void vq_set_notify(struct virtq *q, bool on);

/* Shared by both layouts (virtq.c). */
void vq_mark_bad(struct vq_chain *c, const char *why);
void vq_add_seg(const struct virtq *q, struct vq_chain *c, uint64_t addr,
		uint32_t len, bool write);
void vq_stall(struct virtq *q, const char *why);
/* The chain's descriptor with INDIRECT (`addr`, `len`, its `flags`): its
 * table is checked, then its entries are read once each and added as
 * buffers, in the queue's layout; what is wrong marks the chain bad. */
void vq_walk_indirect(const struct virtq *q, struct vq_chain *c, uint64_t addr,
		      uint32_t len, uint16_t flags);

/* A piece of guest memory, as a host pointer. */
struct vq_span {
	uint8_t *p;
	uint32_t len;
};

/* Bytes [skip, skip + n) of the chain's readable (write = false) or
 * writable segments as host spans, at most VQ_MAX_SEGS of them; returns
 * how many (fewer bytes if the side is shorter). */
unsigned vq_chain_spans(const struct vq_chain *c, bool write, uint64_t skip,
			uint64_t n, struct vq_span *out);

/* Copies up to n bytes of the chain's readable (write = false) or
 * writable segments starting `skip` bytes in; returns bytes copied. */
uint64_t vq_chain_read(const struct vq_chain *c, uint64_t skip, void *dst,
		       uint64_t n);
uint64_t vq_chain_write(const struct vq_chain *c, uint64_t skip,
			const void *src, uint64_t n);

#endif
