/* The driver side of a packed virtqueue over fake guest memory, as the
 * virtio host tests drive the devices; what each helper does is in
 * vq_driver.h. */
#include "tests/support/vq_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio_pci.h"

static void fm_fail(const char *what)
{
	printf("#   vq_driver: %s\n", what);
	abort();
}

uint8_t *fm_add(struct fake_mem *m, uint64_t gpa, uint64_t size)
{
	uint8_t *p = calloc(1, size);

	if (!p || m->nblock == GMEM_MAX_REGIONS
	    || gmem_add(&m->gm, gpa, size, p))
		fm_fail("cannot add a RAM region");
	m->block[m->nblock++] = p;
	return p;
}

void fm_init(struct fake_mem *m, uint64_t ram_size)
{
	memset(m, 0, sizeof(*m));
	gmem_init(&m->gm);
	m->ram_size = ram_size;
	m->ram = fm_add(m, 0, ram_size);
}

void fm_free(struct fake_mem *m)
{
	for (unsigned i = 0; i < m->nblock; i++)
		free(m->block[i]);
	memset(m, 0, sizeof(*m));
}

uint8_t *fm_ptr(const struct fake_mem *m, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_ptr(&m->gm, gpa, len);

	if (!p)
		fm_fail("test layout outside fake RAM");
	return p;
}

void fm_fill(struct fake_mem *m, uint64_t gpa, int c, uint64_t len)
{
	memset(fm_ptr(m, gpa, len), c, len);
}

void fm_put(struct fake_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	memcpy(fm_ptr(m, gpa, len), src, len);
}

uint8_t fm_byte(const struct fake_mem *m, uint64_t gpa)
{
	return *fm_ptr(m, gpa, 1);
}

bool fm_all(const struct fake_mem *m, uint64_t gpa, int c, uint64_t len)
{
	const uint8_t *p = fm_ptr(m, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)c)
			return false;
	return true;
}

void vqd_init(struct vqd *d, struct fake_mem *m, uint16_t size, uint64_t desc,
	      uint64_t drv, uint64_t dev)
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

static uint8_t *vqd_slot(const struct vqd *d, uint16_t i)
{
	return fm_ptr(d->m, d->desc + (uint64_t)i * VQD_DESC_SIZE,
		      VQD_DESC_SIZE);
}

/* The AVAIL/USED bits of an available descriptor for wrap counter w:
 * AVAIL = w, USED = !w (2.8.1). */
static uint16_t vqd_avail_bits(bool wrap)
{
	return wrap ? VQ_DESC_F_AVAIL : VQ_DESC_F_USED;
}

void vqd_write_raw(struct vqd *d, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t id, uint16_t flags)
{
	uint8_t *p = vqd_slot(d, i);

	memcpy(p + 0, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &id, 2);
	__atomic_store_n((uint16_t *)(p + 14), flags, __ATOMIC_RELEASE);
}

void vqd_put(struct vqd *d, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t id, uint16_t flags, bool wrap)
{
	flags &= (uint16_t)~(VQ_DESC_F_AVAIL | VQ_DESC_F_USED);
	vqd_write_raw(d, i, addr, len, id, (uint16_t)(flags
						      | vqd_avail_bits(wrap)));
}

void vqd_read(const struct vqd *d, uint16_t i, uint64_t *addr, uint32_t *len,
	      uint16_t *id, uint16_t *flags)
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

uint16_t vqd_flags(const struct vqd *d, uint16_t i)
{
	uint16_t f;

	vqd_read(d, i, NULL, NULL, NULL, &f);
	return f;
}

bool vqd_is_used(uint16_t flags, bool wrap)
{
	return !!(flags & VQ_DESC_F_AVAIL) == wrap
	       && !!(flags & VQ_DESC_F_USED) == wrap;
}

static void vqd_note_pending(struct vqd *d, uint16_t id, uint16_t n)
{
	for (unsigned k = 0; k < VQ_MAX_SIZE; k++)
		if (!d->pending[k].live) {
			d->pending[k].id = id;
			d->pending[k].ndesc = n;
			d->pending[k].live = true;
			return;
		}
}

uint16_t vqd_chain_ids(struct vqd *d, const struct vqd_buf *b, unsigned n,
		       uint16_t other_id, uint16_t id)
{
	uint16_t head = d->next_avail, pos = head;
	bool head_wrap = d->avail_wrap, wrap = head_wrap;
	uint16_t head_flags = 0;

	for (unsigned k = 0; k < n; k++) {
		uint16_t f = b[k].flags
			     & (VQ_DESC_F_WRITE | VQ_DESC_F_INDIRECT);
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

uint16_t vqd_chain(struct vqd *d, const struct vqd_buf *b, unsigned n,
		   uint16_t id)
{
	return vqd_chain_ids(d, b, n, id, id);
}

void vqd_table(struct fake_mem *m, uint64_t gpa, const struct vqd_buf *b,
	       unsigned n)
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

uint16_t vqd_indirect(struct vqd *d, uint64_t table, const struct vqd_buf *b,
		      unsigned n, uint16_t id)
{
	struct vqd_buf ind = { table, (uint32_t)n * VQD_DESC_SIZE,
			       VQ_DESC_F_INDIRECT };

	vqd_table(d->m, table, b, n);
	return vqd_chain(d, &ind, 1, id);
}

bool vqd_get_used(struct vqd *d, uint16_t *id, uint32_t *len)
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

void vqd_set_event(struct vqd *d, uint16_t off_wrap, uint16_t flags)
{
	uint8_t *p = fm_ptr(d->m, d->drv, 4);

	memcpy(p, &off_wrap, 2);
	memcpy(p + 2, &flags, 2);
}

void vqd_dev_event(const struct vqd *d, uint16_t *off_wrap, uint16_t *flags)
{
	const uint8_t *p = fm_ptr(d->m, d->dev, 4);

	if (off_wrap)
		memcpy(off_wrap, p, 2);
	if (flags)
		memcpy(flags, p + 2, 2);
}

void vqt_fresh(struct virtq *q, const char *name)
{
	memset(q, 0, sizeof(*q));
	q->name = name;
	q->max_size = VQ_MAX_SIZE;
	vq_reset(q);
}

int vqt_enable(struct virtq *q, struct fake_mem *m, uint16_t size,
	       uint64_t desc, uint64_t drv, uint64_t dev, bool split,
	       bool indirect, bool event_idx)
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
