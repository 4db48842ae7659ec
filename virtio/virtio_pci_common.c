/* The virtio-pci common configuration (virtio 1.2, 4.1.4.3): feature
 * negotiation, the device status machine and reset, and the selected
 * queue's fields.  See virtio_pci.h; the rest of BAR 0, the PCI side and
 * interrupts are in virtio_pci.c.
 *
 * Every access comes from the guest: any offset and size is answered
 * (unknown ones read 0 and ignore writes), and values are checked before
 * they change state. */
#include "virtio/virtio_pci_common.h"

#include "hv/base/log.h"
#include "virtio/virtio_regs.h"

/* A register by offset and access size, for one switch over both. */
#define REG(off, size) ((off) << 4 | (size))

static uint16_t vector_or_none(uint32_t v)
{
	/* 4.1.5.1.2: a vector the device cannot map reads back NO_VECTOR. */
	return v < VDEV_MSIX_VECTORS ? (uint16_t)v : VIRTIO_NO_VECTOR;
}

/* --- reset and status ---------------------------------------------- */

static void finish_reset(struct vdev *d)
{
	d->resetting = false;
	d->status = 0;
}

static void reset(struct vdev *d)
{
	uint64_t activity = 0;

	/* Say what the driver did since the last reset (one that only
	 * probed is not worth a line); the counters keep running. */
	for (unsigned i = 0; i < d->nq; i++)
		activity += d->vq[i].st.requests + d->vq[i].st.stalls;
	if (activity != d->activity_logged) {
		d->activity_logged = activity;
		if (d->vm_exits)
			log_msg("virtio: %s reset by the driver, %llu VM "
				"exits so far",
				d->name, (unsigned long long)*d->vm_exits);
		else
			log_msg("virtio: %s reset by the driver", d->name);
		vdev_print_stats(d);
	}
	if (d->ops->reset)
		d->ops->reset(d);
	for (unsigned i = 0; i < d->nq; i++)
		vq_reset(&d->vq[i]);
	d->driver_features = 0;
	d->dfselect = d->gfselect = 0;
	d->queue_sel = 0;
	d->config_vector = VIRTIO_NO_VECTOR;
	d->isr = 0;
	d->pba = 0;
	vdev_update_intx(d);
	/* 4.1.4.3.2: device_status reads 0 once the reset is complete;
	 * requests a backend still holds (DMA into guest memory) finish
	 * first. */
	d->resetting = true;
	vdev_reset_progress(d);
}

void vdev_reset_progress(struct vdev *d)
{
	if (d->resetting && (!d->ops->in_flight || !d->ops->in_flight(d)))
		finish_reset(d);
}

static bool features_ok(struct vdev *d)
{
	uint64_t f = d->driver_features;

	if (f & ~d->features) {
		log_msg("virtio: %s: driver accepted features 0x%llx that "
			"were not offered",
			d->name, (unsigned long long)(f & ~d->features));
		return false;
	}
	if (!vdev_has(d, VIRTIO_F_VERSION_1)) {
		log_msg("virtio: %s: driver did not accept VERSION_1 (legacy "
			"drivers are not supported)",
			d->name);
		return false;
	}
	return true;
}

static void write_status(struct vdev *d, uint8_t v)
{
	uint8_t old = d->status, add = (uint8_t)(v & ~old);

	if (!v) {
		reset(d);
		return;
	}
	if (d->resetting)
		return;
	/* 2.1.2: the driver never clears a bit but by reset; bits it tries
	 * to clear stay set. */
	if ((add & VIRTIO_S_FEATURES_OK) && !features_ok(d))
		add &= (uint8_t)~VIRTIO_S_FEATURES_OK;
	if ((add & VIRTIO_S_DRIVER_OK)
	    && !((old | add) & VIRTIO_S_FEATURES_OK)) {
		log_msg("virtio: %s: DRIVER_OK without FEATURES_OK ignored",
			d->name);
		add &= (uint8_t)~VIRTIO_S_DRIVER_OK;
	}
	add &= (uint8_t)~VIRTIO_S_NEEDS_RESET; /* device-set only */
	d->status = old | add;
	if (add & VIRTIO_S_FAILED)
		log_msg("virtio: %s: the driver gave up (FAILED)", d->name);
	if ((add & VIRTIO_S_DRIVER_OK) && vdev_running(d)) {
		log_msg("virtio: %s: driver ready, features 0x%llx, %s ring, "
			"%s",
			d->name, (unsigned long long)d->driver_features,
			vdev_has(d, VIRTIO_F_RING_PACKED) ? "packed" : "split",
			vdev_msix_on(d) ? "MSI-X" : "INTx");
		if (d->ops->driver_ok)
			d->ops->driver_ok(d);
	}
}

/* --- the registers ------------------------------------------------- */

static struct virtq *selected(struct vdev *d)
{
	return d->queue_sel < d->nq ? &d->vq[d->queue_sel] : NULL;
}

/* The selected queue's address field that `off` falls in. */
static uint64_t *queue_addr(struct virtq *q, uint32_t off)
{
	return off < VIRTIO_PCI_COMMON_Q_DRIVER	  ? &q->desc_gpa
	       : off < VIRTIO_PCI_COMMON_Q_DEVICE ? &q->driver_gpa
						  : &q->device_gpa;
}

/* One 32-bit half of the feature bits a select register picks. */
static uint32_t feature_word(uint64_t features, uint32_t select)
{
	return select < 2 ? (uint32_t)(features >> (32 * select)) : 0;
}

static uint64_t queue_read(struct vdev *d, struct virtq *q, uint32_t off,
			   unsigned size)
{
	switch (REG(off, size)) {
	case REG(VIRTIO_PCI_COMMON_Q_SIZE, 2):
		return q->size;
	case REG(VIRTIO_PCI_COMMON_Q_MSIX, 2):
		return q->msix_vector;
	case REG(VIRTIO_PCI_COMMON_Q_ENABLE, 2):
		return q->enabled;
	case REG(VIRTIO_PCI_COMMON_Q_NOFF, 2):
		return d->queue_sel; /* notify_off: one slot per queue */
	case REG(VIRTIO_PCI_COMMON_Q_DESC, 8):
	case REG(VIRTIO_PCI_COMMON_Q_DRIVER, 8):
	case REG(VIRTIO_PCI_COMMON_Q_DEVICE, 8):
		return *queue_addr(q, off);
	case REG(VIRTIO_PCI_COMMON_Q_DESC, 4):
	case REG(VIRTIO_PCI_COMMON_Q_DESC + 4, 4):
	case REG(VIRTIO_PCI_COMMON_Q_DRIVER, 4):
	case REG(VIRTIO_PCI_COMMON_Q_DRIVER + 4, 4):
	case REG(VIRTIO_PCI_COMMON_Q_DEVICE, 4):
	case REG(VIRTIO_PCI_COMMON_Q_DEVICE + 4, 4):
		return (uint32_t)(*queue_addr(q, off) >> (off & 4 ? 32 : 0));
	}
	return 0;
}

uint64_t vdev_common_read(struct vdev *d, uint32_t off, unsigned size)
{
	struct virtq *q = selected(d);

	switch (REG(off, size)) {
	case REG(VIRTIO_PCI_COMMON_DFSELECT, 4):
		return d->dfselect;
	case REG(VIRTIO_PCI_COMMON_DF, 4):
		return feature_word(d->features, d->dfselect);
	case REG(VIRTIO_PCI_COMMON_GFSELECT, 4):
		return d->gfselect;
	case REG(VIRTIO_PCI_COMMON_GF, 4):
		return feature_word(d->driver_features, d->gfselect);
	case REG(VIRTIO_PCI_COMMON_MSIX, 2):
		return d->config_vector;
	case REG(VIRTIO_PCI_COMMON_NUMQ, 2):
		return d->nq;
	case REG(VIRTIO_PCI_COMMON_STATUS, 1):
		return d->status;
	case REG(VIRTIO_PCI_COMMON_CFGGEN, 1):
		return d->config_gen;
	case REG(VIRTIO_PCI_COMMON_Q_SELECT, 2):
		return d->queue_sel;
	}
	return q ? queue_read(d, q, off, size) : 0;
}

/* A 64-bit queue address written whole or as two 32-bit halves. */
static void set_addr(uint64_t *a, uint32_t off, unsigned size, uint64_t v)
{
	if (size == 8)
		*a = v;
	else if (off & 4)
		*a = (*a & 0xffffffffull) | (v << 32);
	else
		*a = (*a & ~0xffffffffull) | (uint32_t)v;
}

static void enable_queue(struct vdev *d, struct virtq *q)
{
	if (!(d->status & VIRTIO_S_FEATURES_OK) || d->resetting) {
		log_msg("virtio: %s: queue %u enabled before FEATURES_OK; "
			"ignored",
			d->name, q->index);
		return;
	}
	q->split = !vdev_has(d, VIRTIO_F_RING_PACKED);
	q->event_idx = vdev_has(d, VIRTIO_F_EVENT_IDX);
	q->indirect = vdev_has(d, VIRTIO_F_INDIRECT_DESC);
	vq_enable(q, d->gm);
}

/* Queue fields are fixed while the queue runs (4.1.4.3.2). */
static void queue_write(struct vdev *d, struct virtq *q, uint32_t off,
			unsigned size, uint64_t v)
{
	switch (REG(off, size)) {
	case REG(VIRTIO_PCI_COMMON_Q_SIZE, 2):
		q->size = vq_clamp_size(q, (uint32_t)v);
		if (q->size != v)
			log_msg("virtio: %s: queue %u size %u clamped to %u",
				d->name, q->index, (unsigned)v, q->size);
		return;
	case REG(VIRTIO_PCI_COMMON_Q_MSIX, 2):
		q->msix_vector = vector_or_none((uint32_t)v);
		return;
	case REG(VIRTIO_PCI_COMMON_Q_ENABLE, 2):
		if (v == 1)
			enable_queue(d, q);
		return;
	}
	if ((size == 4 || (size == 8 && !(off & 7)))
	    && off >= VIRTIO_PCI_COMMON_Q_DESC && off < VDEV_COMMON_LEN)
		set_addr(queue_addr(q, off), off, size, v);
}

void vdev_common_write(struct vdev *d, uint32_t off, unsigned size, uint64_t v)
{
	struct virtq *q = selected(d);
	bool features_fixed = d->status & VIRTIO_S_FEATURES_OK;

	switch (REG(off, size)) {
	case REG(VIRTIO_PCI_COMMON_DFSELECT, 4):
		d->dfselect = (uint32_t)v;
		return;
	case REG(VIRTIO_PCI_COMMON_GFSELECT, 4):
		d->gfselect = (uint32_t)v;
		return;
	case REG(VIRTIO_PCI_COMMON_GF, 4):
		if (features_fixed || d->gfselect >= 2)
			return;
		d->driver_features &= ~(0xffffffffull << (32 * d->gfselect));
		d->driver_features |= (v & 0xffffffffull) << (32 * d->gfselect);
		return;
	case REG(VIRTIO_PCI_COMMON_MSIX, 2):
		d->config_vector = vector_or_none((uint32_t)v);
		return;
	case REG(VIRTIO_PCI_COMMON_STATUS, 1):
		write_status(d, (uint8_t)v);
		return;
	case REG(VIRTIO_PCI_COMMON_Q_SELECT, 2):
		d->queue_sel = (uint16_t)v;
		return;
	}
	if (q && !q->enabled)
		queue_write(d, q, off, size, v);
}
