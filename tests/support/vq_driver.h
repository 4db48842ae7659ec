/* The DRIVER side of a packed virtqueue (virtio 1.2, 2.8), for host tests
 * of the device side: what a guest's virtio driver does, written plainly
 * so that a test can also do what a hostile guest does.  The definitions
 * are in vq_driver.c, which a test links through its test_NAME_SRCS.
 *
 * Guest memory is a struct gmem whose regions are separate calloc'd blocks
 * of exactly their size, so AddressSanitizer reports any device access
 * past the end of guest RAM.  Queue rings and buffers live in that memory
 * at guest-physical addresses the test picks.
 *
 * The helpers write descriptors the way the spec tells a driver to: the
 * AVAIL/USED bits follow the driver's wrap counter (2.8.1), a chain's
 * descriptors are written before its head's flags, and the head's flags go
 * last with a release store (2.8.21.3.1).  The transport that brings a
 * device through its status machine is in vdev_driver.h.
 *
 * What the code under test logs is kept by log_stub.c (log_stub.h). */
#ifndef PLINTH_TEST_VQ_DRIVER_H
#define PLINTH_TEST_VQ_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/gmem.h"
#include "virtio/virtq.h"

/* --- fake guest memory ----------------------------------------------- */

#define FM_RAM_SIZE (1u << 20) /* RAM at GPA 0 */

struct fake_mem {
	struct gmem gm;
	uint8_t *ram;
	uint64_t ram_size;
	uint8_t *block[GMEM_MAX_REGIONS]; /* every calloc'd region */
	unsigned nblock;
};

/* Adds a calloc'd region of exactly `size` bytes at `gpa`. */
uint8_t *fm_add(struct fake_mem *m, uint64_t gpa, uint64_t size);

void fm_init(struct fake_mem *m, uint64_t ram_size);

void fm_free(struct fake_mem *m);

/* A host pointer to `len` bytes of guest RAM at `gpa`; the test's own
 * layout must be RAM, so anything else is a bug in the test. */
uint8_t *fm_ptr(const struct fake_mem *m, uint64_t gpa, uint64_t len);

void fm_fill(struct fake_mem *m, uint64_t gpa, int c, uint64_t len);

void fm_put(struct fake_mem *m, uint64_t gpa, const void *src, uint64_t len);

uint8_t fm_byte(const struct fake_mem *m, uint64_t gpa);

/* All `len` bytes at `gpa` equal `c`. */
bool fm_all(const struct fake_mem *m, uint64_t gpa, int c, uint64_t len);

/* --- the driver's view of one packed queue --------------------------- */

#define VQD_DESC_SIZE VQ_DESC_SIZE

/* One buffer of a chain; flags are WRITE and INDIRECT only, the helpers
 * add NEXT and the AVAIL/USED bits. */
struct vqd_buf {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
};

struct vqd {
	struct fake_mem *m;
	uint16_t size;
	uint64_t desc, drv, dev; /* GPAs of the ring and event structures */
	uint16_t vector;	 /* queue_msix_vector to program */
	/* Driver state (2.8.1): both wrap counters start at 1. */
	uint16_t next_avail, next_used;
	bool avail_wrap, used_wrap;
	/* Buffers made available and not yet used: how many ring
	 * descriptors each took, to step over them when used (2.8.7). */
	struct {
		uint16_t id, ndesc;
		bool live;
	} pending[VQ_MAX_SIZE];
	unsigned unknown_ids; /* used ids that were not pending */
};

/* Zeroes the ring and both event structures and starts the counters. */
void vqd_init(struct vqd *d, struct fake_mem *m, uint16_t size, uint64_t desc,
	      uint64_t drv, uint64_t dev);

/* Writes descriptor i as given: addr, len and id, then `flags` exactly
 * (no bits added) with a release store. */
void vqd_write_raw(struct vqd *d, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t id, uint16_t flags);

/* Places a descriptor at slot i, available for driver wrap counter
 * `wrap`. */
void vqd_put(struct vqd *d, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t id, uint16_t flags, bool wrap);

void vqd_read(const struct vqd *d, uint16_t i, uint64_t *addr, uint32_t *len,
	      uint16_t *id, uint16_t *flags);

uint16_t vqd_flags(const struct vqd *d, uint16_t i);

/* The flags of a used descriptor for wrap counter w: AVAIL = USED = w. */
bool vqd_is_used(uint16_t flags, bool wrap);

/* Makes a chain of n buffers available at next_avail: every descriptor
 * but the last has NEXT; the last carries `id` (the buffer id, 2.8.6),
 * the others `other_id`.  The descriptors after the head are written
 * first, the head's flags last (release).  Returns the head's slot. */
uint16_t vqd_chain_ids(struct vqd *d, const struct vqd_buf *b, unsigned n,
		       uint16_t other_id, uint16_t id);

uint16_t vqd_chain(struct vqd *d, const struct vqd_buf *b, unsigned n,
		   uint16_t id);

/* Writes an indirect table of n descriptors at `gpa` (2.8.19): only the
 * buffers' flags, no AVAIL/USED bits, ids 0. */
void vqd_table(struct fake_mem *m, uint64_t gpa, const struct vqd_buf *b,
	       unsigned n);

/* Makes n buffers available through one indirect descriptor whose table
 * is at `table`. */
uint16_t vqd_indirect(struct vqd *d, uint64_t table, const struct vqd_buf *b,
		      unsigned n, uint16_t id);

/* Takes the next used buffer (2.8.7): true with its id and length when
 * the descriptor at next_used is used for the driver's wrap counter; the
 * driver then steps over as many descriptors as that buffer took. */
bool vqd_get_used(struct vqd *d, uint16_t *id, uint32_t *len);

/* Driver event suppression (2.8.10, struct pvirtq_event_suppress):
 * off_wrap = index | wrap << 15, then flags. */
void vqd_set_event(struct vqd *d, uint16_t off_wrap, uint16_t flags);

/* The device's event suppression structure. */
void vqd_dev_event(const struct vqd *d, uint16_t *off_wrap, uint16_t *flags);

/* --- a bare queue, as the ring tests drive it ---------------------- */

/* A queue in its reset state, named for log lines. */
void vqt_fresh(struct virtq *q, const char *name);

/* Programs q as the transport does (enable_queue in virtio_pci.c) and
 * enables it; returns vq_enable's result. */
int vqt_enable(struct virtq *q, struct fake_mem *m, uint16_t size,
	       uint64_t desc, uint64_t drv, uint64_t dev, bool split,
	       bool indirect, bool event_idx);

#endif
