/* What the split virtqueue's tests (tests/unit/test_virtq_split_*.c)
 * share: the driver's view of one split queue (virtio 1.2, 2.7) over
 * vq_driver.h's fake guest memory, and the tests' queue: its guest-physical
 * layout, the queue Q with its memory M, driver D and last chain C, and
 * the steps the tests repeat (virtq_split_fixture.c). */
#ifndef PLINTH_TEST_VIRTQ_SPLIT_FIXTURE_H
#define PLINTH_TEST_VIRTQ_SPLIT_FIXTURE_H

#include "hv/guest/gmem.h"
#include "virtio/virtq.h"
#include "tests/support/log_stub.h"
#include "tests/support/vq_driver.h"

/* --- the driver's view of one split queue (2.7) ---------------------- */

/* Descriptor flags (2.7.5; virtio/virtq.h) and ring flags (2.7.7,
 * 2.7.10) */
#define SF_NEXT VQ_DESC_F_NEXT
#define SF_WRITE VQ_DESC_F_WRITE
#define SF_INDIRECT VQ_DESC_F_INDIRECT
#define AVAIL_F_NO_INTERRUPT 1
#define USED_F_NO_NOTIFY 1

/* One buffer of a chain; flags are WRITE and INDIRECT, the helpers add
 * NEXT and `next`. */
struct sbuf {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
};

struct sdrv {
	struct fake_mem *m;
	uint16_t size;
	uint64_t desc, avail, used; /* GPAs of the three parts */
	uint16_t avail_idx;	    /* the driver's avail->idx */
	uint16_t last_used;	    /* the next used element it reads */
};

/* Zeroes the table and both rings, avail_event and used_event included
 * (the driver allocates them zeroed, 2.7.10.1). */
void sd_init(struct sdrv *d, struct fake_mem *m, uint16_t size, uint64_t desc,
	     uint64_t avail, uint64_t used);

/* Descriptor i of the table, written as given. */
void sd_desc(struct sdrv *d, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next);

/* Entry k of an indirect table at `table`, written as given. */
void sd_tentry(struct fake_mem *m, uint64_t table, uint16_t k, uint64_t addr,
	       uint32_t len, uint16_t flags, uint16_t next);

/* A chain of n buffers in descriptors idx[0..n-1], linked by NEXT and
 * `next` (2.7.13.1); returns the head. */
uint16_t sd_chain_at(struct sdrv *d, const uint16_t *idx, const struct sbuf *b,
		     unsigned n);

/* The same in descriptors first, first + 1, ... (modulo the size). */
uint16_t sd_chain(struct sdrv *d, uint16_t first, const struct sbuf *b,
		  unsigned n);

uint8_t *sd_avail_p(const struct sdrv *d, uint64_t off, uint64_t len);

uint8_t *sd_used_p(const struct sdrv *d, uint64_t off, uint64_t len);

/* avail->idx as the driver publishes it: a release store after the ring
 * entries (2.7.13.3). */
void sd_set_avail_idx(struct sdrv *d, uint16_t v);

/* Puts `head` in the next available ring entry without publishing it. */
void sd_add(struct sdrv *d, uint16_t head);

/* Adds `head` and publishes it (2.7.13.2-3). */
void sd_publish(struct sdrv *d, uint16_t head);

uint16_t sd_rd16(const uint8_t *p);

uint32_t sd_rd32(const uint8_t *p);

void sd_wr16(uint8_t *p, uint16_t v);

uint16_t sd_used_flags(const struct sdrv *d);

uint16_t sd_used_idx(const struct sdrv *d);

/* Used element k (ring position, not index). */
void sd_used_elem(const struct sdrv *d, uint16_t k, uint32_t *id,
		  uint32_t *len);

/* avail_event: after the used ring (2.7.8). */
uint16_t sd_avail_event(const struct sdrv *d);

void sd_poke_avail_event(struct sdrv *d, uint16_t v);

/* used_event: after the available ring (2.7.6). */
void sd_set_used_event(struct sdrv *d, uint16_t v);

void sd_set_avail_flags(struct sdrv *d, uint16_t v);

/* The next used buffer (2.7.14): true with its id and len when used->idx
 * has moved past what the driver has read. */
bool sd_get_used(struct sdrv *d, uint32_t *id, uint32_t *len);

/* Both sides' free-running indices start at v: the driver's avail->idx
 * and used->idx as it finds them, and the device's counters, set
 * directly. */
void sd_start_at(struct sdrv *d, struct virtq *q, uint16_t v);

/* --- the tests' queue ------------------------------------------------ */

/* Guest-physical layout of the tests. */
#define DESC 0x1000ull	/* up to 256 descriptors */
#define AVAIL 0x3000ull /* 6 + 2 * 256 bytes */
#define USED 0x4000ull	/* 6 + 8 * 256 bytes */
#define TABLE 0x6000ull /* indirect tables */
#define BUF 0x10000ull	/* data buffers */
#define RAM_END ((uint64_t)FM_RAM_SIZE)

extern struct fake_mem M;
extern struct virtq Q;
extern struct sdrv D;
extern struct vq_chain C;

/* Programs Q as the transport does for a driver that declined
 * RING_PACKED (virtio_pci.c, enable_queue) and enables it. */
int program(uint16_t size, bool indirect, bool event_idx);

/* Fresh memory, fresh rings of `size` entries, the queue enabled. */
int setup(uint16_t size, bool indirect, bool event_idx);

/* The device takes the next chain and completes it with `len`. */
int serve(uint32_t len);

/* One single-buffer request through the whole cycle, in the descriptor
 * the ring position names; true when the driver got it back. */
bool round_trip(void);

/* A chain the device must take whole but refuse: popped as 1 with c->bad
 * set, under the head's id, the ring still running. */
bool popped_bad(uint16_t head, const char *why);

/* The queue stalled on the last vq_pop: a log line, no used element, and
 * it stays stalled. */
bool stalled_for_good(void);

#endif
