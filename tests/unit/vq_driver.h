/* The DRIVER side of a packed virtqueue (virtio 1.2, 2.8), for host tests
 * of the device side: what a guest's virtio driver does, written plainly
 * so that a test can also do what a hostile guest does.
 *
 * Guest memory is a struct gmem whose regions are separate calloc'd blocks
 * of exactly their size, so AddressSanitizer reports any device access
 * past the end of guest RAM.  Queue rings and buffers live in that memory
 * at guest-physical addresses the test picks.
 *
 * The helpers write descriptors the way the spec tells a driver to: the
 * AVAIL/USED bits follow the driver's wrap counter (2.8.1), a chain's
 * descriptors are written before its head's flags, and the head's flags go
 * last with a release store (2.8.21.3.1).  The transport helpers bring a
 * struct vdev through the status machine (3.1.1) with vdev_bar_read and
 * vdev_bar_write at the common configuration offsets (4.1.4.3).
 *
 * Also: a log capture that the test files' log_msg() feed (the code under
 * test logs through log_msg), so tests can assert that a line exists. */
#ifndef PLINTH_TEST_VQ_DRIVER_H
#define PLINTH_TEST_VQ_DRIVER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/gmem.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtq.h"

/* --- log capture ----------------------------------------------------- */

static char log_last[512];     /* the last formatted line */
static char log_all[1 << 16];  /* every line since log_clear(), "\n"-ended */
static size_t log_all_len;
static unsigned log_lines;

/* What each test file's log_msg() calls. */
static inline void log_record(const char *f, va_list ap)
{
	size_t n;

	vsnprintf(log_last, sizeof(log_last), f, ap);
	n = strlen(log_last);
	if (log_all_len + n + 2 < sizeof(log_all)) {
		memcpy(log_all + log_all_len, log_last, n);
		log_all_len += n;
		log_all[log_all_len++] = '\n';
		log_all[log_all_len] = 0;
	}
	log_lines++;
	if (getenv("VQ_TEST_LOG"))
		printf("#   log: %s\n", log_last);
}

static inline void log_clear(void)
{
	log_last[0] = log_all[0] = 0;
	log_all_len = 0;
	log_lines = 0;
}

/* Some line logged since log_clear() contains `s`. */
static inline bool log_has(const char *s)
{
	return strstr(log_all, s) != NULL;
}

/* --- fake guest memory ----------------------------------------------- */

#define FM_RAM_SIZE (1u << 20) /* RAM at GPA 0 */

struct fake_mem {
	struct gmem gm;
	uint8_t *ram;
	uint64_t ram_size;
	uint8_t *block[GMEM_MAX_REGIONS]; /* every calloc'd region */
	unsigned nblock;
};

static inline void fm_fail(const char *what)
{
	printf("#   vq_driver: %s\n", what);
	abort();
}

/* Adds a calloc'd region of exactly `size` bytes at `gpa`. */
static inline uint8_t *fm_add(struct fake_mem *m, uint64_t gpa, uint64_t size)
{
	uint8_t *p = calloc(1, size);

	if (!p || m->nblock == GMEM_MAX_REGIONS || gmem_add(&m->gm, gpa, size, p))
		fm_fail("cannot add a RAM region");
	m->block[m->nblock++] = p;
	return p;
}

static inline void fm_init(struct fake_mem *m, uint64_t ram_size)
{
	memset(m, 0, sizeof(*m));
	gmem_init(&m->gm);
	m->ram_size = ram_size;
	m->ram = fm_add(m, 0, ram_size);
}

static inline void fm_free(struct fake_mem *m)
{
	for (unsigned i = 0; i < m->nblock; i++)
		free(m->block[i]);
	memset(m, 0, sizeof(*m));
}

/* A host pointer to `len` bytes of guest RAM at `gpa`; the test's own
 * layout must be RAM, so anything else is a bug in the test. */
static inline uint8_t *fm_ptr(const struct fake_mem *m, uint64_t gpa,
			      uint64_t len)
{
	uint8_t *p = gmem_ptr(&m->gm, gpa, len);

	if (!p)
		fm_fail("test layout outside fake RAM");
	return p;
}

static inline void fm_fill(struct fake_mem *m, uint64_t gpa, int c,
			   uint64_t len)
{
	memset(fm_ptr(m, gpa, len), c, len);
}

static inline void fm_put(struct fake_mem *m, uint64_t gpa, const void *src,
			  uint64_t len)
{
	memcpy(fm_ptr(m, gpa, len), src, len);
}

static inline uint8_t fm_byte(const struct fake_mem *m, uint64_t gpa)
{
	return *fm_ptr(m, gpa, 1);
}

/* All `len` bytes at `gpa` equal `c`. */
static inline bool fm_all(const struct fake_mem *m, uint64_t gpa, int c,
			  uint64_t len)
{
	const uint8_t *p = fm_ptr(m, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)c)
			return false;
	return true;
}

/* --- the driver's view of one packed queue --------------------------- */

#define VQD_DESC_SIZE 16

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
static inline void vqd_init(struct vqd *d, struct fake_mem *m, uint16_t size,
			    uint64_t desc, uint64_t drv, uint64_t dev)
{
	memset(d, 0, sizeof(*d));
	d->m = m;
	d->size = size;
	d->desc = desc;
	d->drv = drv;
	d->dev = dev;
	d->vector = VIRTIO_NO_VECTOR;
	d->avail_wrap = d->used_wrap = true;
	if (size)
		fm_fill(m, desc, 0, (uint64_t)size * VQD_DESC_SIZE);
	fm_fill(m, drv, 0, 4);
	fm_fill(m, dev, 0, 4);
}

static inline uint8_t *vqd_slot(const struct vqd *d, uint16_t i)
{
	return fm_ptr(d->m, d->desc + (uint64_t)i * VQD_DESC_SIZE,
		      VQD_DESC_SIZE);
}

/* The AVAIL/USED bits of an available descriptor for wrap counter w:
 * AVAIL = w, USED = !w (2.8.1). */
static inline uint16_t vqd_avail_bits(bool wrap)
{
	return wrap ? VQ_DESC_F_AVAIL : VQ_DESC_F_USED;
}

/* Writes descriptor i as given: addr, len and id, then `flags` exactly
 * (no bits added) with a release store. */
static inline void vqd_write_raw(struct vqd *d, uint16_t i, uint64_t addr,
				 uint32_t len, uint16_t id, uint16_t flags)
{
	uint8_t *p = vqd_slot(d, i);

	memcpy(p + 0, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &id, 2);
	__atomic_store_n((uint16_t *)(p + 14), flags, __ATOMIC_RELEASE);
}

/* Places a descriptor at slot i, available for driver wrap counter
 * `wrap`. */
static inline void vqd_put(struct vqd *d, uint16_t i, uint64_t addr,
			   uint32_t len, uint16_t id, uint16_t flags, bool wrap)
{
	flags &= (uint16_t)~(VQ_DESC_F_AVAIL | VQ_DESC_F_USED);
	vqd_write_raw(d, i, addr, len, id, (uint16_t)(flags
						      | vqd_avail_bits(wrap)));
}

static inline void vqd_read(const struct vqd *d, uint16_t i, uint64_t *addr,
			    uint32_t *len, uint16_t *id, uint16_t *flags)
{
	const uint8_t *p = vqd_slot(d, i);

	if (addr)
		memcpy(addr, p + 0, 8);
	if (len)
		memcpy(len, p + 8, 4);
	if (id)
		memcpy(id, p + 12, 2);
	if (flags)
		*flags = __atomic_load_n((const uint16_t *)(p + 14),
					 __ATOMIC_ACQUIRE);
}

static inline uint16_t vqd_flags(const struct vqd *d, uint16_t i)
{
	uint16_t f;

	vqd_read(d, i, NULL, NULL, NULL, &f);
	return f;
}

/* The flags of a used descriptor for wrap counter w: AVAIL = USED = w. */
static inline bool vqd_is_used(uint16_t flags, bool wrap)
{
	return !!(flags & VQ_DESC_F_AVAIL) == wrap
	       && !!(flags & VQ_DESC_F_USED) == wrap;
}

static inline void vqd_note_pending(struct vqd *d, uint16_t id, uint16_t n)
{
	for (unsigned k = 0; k < VQ_MAX_SIZE; k++)
		if (!d->pending[k].live) {
			d->pending[k].id = id;
			d->pending[k].ndesc = n;
			d->pending[k].live = true;
			return;
		}
}

/* Makes a chain of n buffers available at next_avail: every descriptor
 * but the last has NEXT; the last carries `id` (the buffer id, 2.8.6),
 * the others `other_id`.  The descriptors after the head are written
 * first, the head's flags last (release).  Returns the head's slot. */
static inline uint16_t vqd_chain_ids(struct vqd *d, const struct vqd_buf *b,
				     unsigned n, uint16_t other_id,
				     uint16_t id)
{
	uint16_t head = d->next_avail, pos = head;
	bool head_wrap = d->avail_wrap, wrap = head_wrap;
	uint16_t head_flags = 0;

	for (unsigned k = 0; k < n; k++) {
		uint16_t f = b[k].flags & (VQ_DESC_F_WRITE | VQ_DESC_F_INDIRECT);
		uint16_t this_id = k + 1 == n ? id : other_id;

		if (k + 1 < n)
			f |= VQ_DESC_F_NEXT;
		if (k == 0) {
			/* Everything but the flags now; the flags last. */
			uint8_t *p = vqd_slot(d, pos);

			memcpy(p + 0, &b[k].addr, 8);
			memcpy(p + 8, &b[k].len, 4);
			memcpy(p + 12, &this_id, 2);
			head_flags = (uint16_t)(f | vqd_avail_bits(wrap));
		} else {
			vqd_put(d, pos, b[k].addr, b[k].len, this_id, f, wrap);
		}
		if (++pos == d->size) {
			pos = 0;
			wrap = !wrap;
		}
	}
	d->next_avail = pos;
	d->avail_wrap = wrap;
	vqd_note_pending(d, id, (uint16_t)n);
	__atomic_store_n((uint16_t *)(vqd_slot(d, head) + 14), head_flags,
			 __ATOMIC_RELEASE);
	return head;
}

static inline uint16_t vqd_chain(struct vqd *d, const struct vqd_buf *b,
				 unsigned n, uint16_t id)
{
	return vqd_chain_ids(d, b, n, id, id);
}

/* Writes an indirect table of n descriptors at `gpa` (2.8.19): only the
 * buffers' flags, no AVAIL/USED bits, ids 0. */
static inline void vqd_table(struct fake_mem *m, uint64_t gpa,
			     const struct vqd_buf *b, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint8_t *p = fm_ptr(m, gpa + (uint64_t)k * VQD_DESC_SIZE,
				    VQD_DESC_SIZE);
		uint16_t id = 0;

		memcpy(p + 0, &b[k].addr, 8);
		memcpy(p + 8, &b[k].len, 4);
		memcpy(p + 12, &id, 2);
		memcpy(p + 14, &b[k].flags, 2);
	}
}

/* Makes n buffers available through one indirect descriptor whose table
 * is at `table`. */
static inline uint16_t vqd_indirect(struct vqd *d, uint64_t table,
				    const struct vqd_buf *b, unsigned n,
				    uint16_t id)
{
	struct vqd_buf ind = { table, (uint32_t)n * VQD_DESC_SIZE,
			       VQ_DESC_F_INDIRECT };

	vqd_table(d->m, table, b, n);
	return vqd_chain(d, &ind, 1, id);
}

/* Takes the next used buffer (2.8.7): true with its id and length when
 * the descriptor at next_used is used for the driver's wrap counter; the
 * driver then steps over as many descriptors as that buffer took. */
static inline bool vqd_get_used(struct vqd *d, uint16_t *id, uint32_t *len)
{
	uint16_t f, uid, n = 1;
	uint32_t ulen;
	bool found = false;

	vqd_read(d, d->next_used, NULL, &ulen, &uid, &f);
	if (!vqd_is_used(f, d->used_wrap))
		return false;

	for (unsigned k = 0; k < VQ_MAX_SIZE && !found; k++)
		if (d->pending[k].live && d->pending[k].id == uid) {
			n = d->pending[k].ndesc;
			d->pending[k].live = false;
			found = true;
		}
	if (!found)
		d->unknown_ids++;
	d->next_used = (uint16_t)(d->next_used + n);
	if (d->next_used >= d->size) {
		d->next_used = (uint16_t)(d->next_used - d->size);
		d->used_wrap = !d->used_wrap;
	}
	if (id)
		*id = uid;
	if (len)
		*len = ulen;
	return true;
}

/* Driver event suppression (2.8.10, struct pvirtq_event_suppress):
 * off_wrap = index | wrap << 15, then flags. */
static inline void vqd_set_event(struct vqd *d, uint16_t off_wrap,
				 uint16_t flags)
{
	uint8_t *p = fm_ptr(d->m, d->drv, 4);

	memcpy(p, &off_wrap, 2);
	memcpy(p + 2, &flags, 2);
}

/* The device's event suppression structure. */
static inline void vqd_dev_event(const struct vqd *d, uint16_t *off_wrap,
				 uint16_t *flags)
{
	const uint8_t *p = fm_ptr(d->m, d->dev, 4);

	if (off_wrap)
		memcpy(off_wrap, p, 2);
	if (flags)
		memcpy(flags, p + 2, 2);
}

/* --- a bare queue, as the ring tests drive it ---------------------- */

/* A queue in its reset state, named for log lines. */
static inline void vqt_fresh(struct virtq *q, const char *name)
{
	memset(q, 0, sizeof(*q));
	q->name = name;
	q->max_size = VQ_MAX_SIZE;
	vq_reset(q);
}

/* Programs q as the transport does (enable_queue in virtio_pci.c) and
 * enables it; returns vq_enable's result. */
static inline int vqt_enable(struct virtq *q, struct fake_mem *m,
			     uint16_t size, uint64_t desc, uint64_t drv,
			     uint64_t dev, bool split, bool indirect,
			     bool event_idx)
{
	q->size = vq_clamp_size(q, size);
	q->desc_gpa = desc;
	q->driver_gpa = drv;
	q->device_gpa = dev;
	q->split = split;
	q->indirect = indirect;
	q->event_idx = event_idx;
	return vq_enable(q, &m->gm);
}

/* --- the transport: struct vdev through its BAR ---------------------- */

/* Common configuration offsets (4.1.4.3, struct virtio_pci_common_cfg) */
#define VC_DFSELECT 0x00
#define VC_DF 0x04
#define VC_GFSELECT 0x08
#define VC_GF 0x0c
#define VC_MSIX_CONFIG 0x10
#define VC_NUM_QUEUES 0x12
#define VC_STATUS 0x14
#define VC_CONFIG_GEN 0x15
#define VC_Q_SELECT 0x16
#define VC_Q_SIZE 0x18
#define VC_Q_MSIX 0x1a
#define VC_Q_ENABLE 0x1c
#define VC_Q_NOTIFY_OFF 0x1e
#define VC_Q_DESC 0x20
#define VC_Q_DRIVER 0x28
#define VC_Q_DEVICE 0x30

static inline uint64_t vdrv_r(struct vdev *v, uint64_t off, unsigned size)
{
	return vdev_bar_read(v, off, size);
}

static inline void vdrv_w(struct vdev *v, uint64_t off, unsigned size,
			  uint64_t val)
{
	vdev_bar_write(v, off, size, val);
}

static inline uint8_t vdrv_status(struct vdev *v)
{
	return (uint8_t)vdrv_r(v, VC_STATUS, 1);
}

/* Writes device_status; returns what it reads back. */
static inline uint8_t vdrv_set_status(struct vdev *v, uint8_t s)
{
	vdrv_w(v, VC_STATUS, 1, s);
	return vdrv_status(v);
}

/* The 64 feature bits the device offers. */
static inline uint64_t vdrv_features(struct vdev *v)
{
	uint64_t f;

	vdrv_w(v, VC_DFSELECT, 4, 0);
	f = (uint32_t)vdrv_r(v, VC_DF, 4);
	vdrv_w(v, VC_DFSELECT, 4, 1);
	f |= (uint64_t)(uint32_t)vdrv_r(v, VC_DF, 4) << 32;
	return f;
}

/* 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, the features `want`
 * (written as given, offered or not), FEATURES_OK.  Returns the status
 * read back (FEATURES_OK is set only if the device took the features). */
static inline uint8_t vdrv_negotiate(struct vdev *v, uint64_t want)
{
	vdrv_w(v, VC_STATUS, 1, 0);
	vdrv_set_status(v, VIRTIO_S_ACKNOWLEDGE);
	vdrv_set_status(v, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vdrv_w(v, VC_GFSELECT, 4, 0);
	vdrv_w(v, VC_GF, 4, (uint32_t)want);
	vdrv_w(v, VC_GFSELECT, 4, 1);
	vdrv_w(v, VC_GF, 4, (uint32_t)(want >> 32));
	return vdrv_set_status(v, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER
					  | VIRTIO_S_FEATURES_OK);
}

/* 3.1.1 step 7 for queue qi: size, vector, the three addresses, enable.
 * Returns queue_enable read back. */
static inline unsigned vdrv_setup_queue(struct vdev *v, uint16_t qi,
					const struct vqd *d)
{
	vdrv_w(v, VC_Q_SELECT, 2, qi);
	vdrv_w(v, VC_Q_SIZE, 2, d->size);
	vdrv_w(v, VC_Q_MSIX, 2, d->vector);
	vdrv_w(v, VC_Q_DESC, 8, d->desc);
	vdrv_w(v, VC_Q_DRIVER, 8, d->drv);
	vdrv_w(v, VC_Q_DEVICE, 8, d->dev);
	vdrv_w(v, VC_Q_ENABLE, 2, 1);
	return (unsigned)vdrv_r(v, VC_Q_ENABLE, 2);
}

static inline uint8_t vdrv_driver_ok(struct vdev *v)
{
	return vdrv_set_status(v, (uint8_t)(vdrv_status(v)
					    | VIRTIO_S_DRIVER_OK));
}

/* The whole bring-up: features, queues 0..n-1 from q[], DRIVER_OK.
 * Returns the final status. */
static inline uint8_t vdrv_start(struct vdev *v, uint64_t want,
				 struct vqd *const *q, unsigned n)
{
	if (!(vdrv_negotiate(v, want) & VIRTIO_S_FEATURES_OK))
		return vdrv_status(v);
	for (unsigned i = 0; i < n; i++)
		vdrv_setup_queue(v, (uint16_t)i, q[i]);
	return vdrv_driver_ok(v);
}

/* A notification for queue q (4.1.4.4): the queue index written at the
 * queue's notify address, notify_off * notify_off_multiplier. */
static inline void vdrv_notify(struct vdev *v, uint16_t q)
{
	vdrv_w(v, VDEV_NOTIFY_OFF + (uint64_t)VDEV_NOTIFY_MULT * q, 2, q);
}

/* MSI-X on: every table entry gets address 0xfee00000 and data
 * 0x40 + vector and is unmasked; MSI-X Enable in message control. */
static inline void vdrv_msix_on(struct vdev *v)
{
	for (unsigned k = 0; k < VDEV_MSIX_VECTORS; k++) {
		uint64_t e = VDEV_MSIX_TABLE_OFF + 16ull * k;

		vdrv_w(v, e + 0, 4, 0xfee00000u);
		vdrv_w(v, e + 4, 4, 0);
		vdrv_w(v, e + 8, 4, 0x40 + k);
	}
	v->pci->cfg[v->msix_cap + 3] |= 0x80;
	for (unsigned k = 0; k < VDEV_MSIX_VECTORS; k++)
		vdrv_w(v, VDEV_MSIX_TABLE_OFF + 16ull * k + 12, 4, 0);
}

/* A recording MSI sink: messages per vector (data - 0x40). */
struct msi_rec {
	unsigned total;
	unsigned per_vec[VDEV_MSIX_VECTORS];
	unsigned other;
	uint64_t last_addr;
};

static inline void msi_record(void *ctx, uint64_t addr, uint32_t data)
{
	struct msi_rec *r = ctx;

	r->total++;
	r->last_addr = addr;
	if (data >= 0x40 && data < 0x40 + VDEV_MSIX_VECTORS)
		r->per_vec[data - 0x40]++;
	else
		r->other++;
}

#endif
