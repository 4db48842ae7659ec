/* The virtio-pci modern transport (virtio 1.2, 4.1).  See virtio_pci.h.
 *
 * Every register access comes from the guest: any offset and size is
 * answered (unknown ones read 0 and ignore writes), values are checked
 * before they change state, and nothing the guest writes here is used as
 * a host address. */
#include "virtio/virtio_pci.h"

#include <string.h>

#include "hv/guest/gmem.h"
#include "hv/base/log.h"
#include "hv/base/range.h"

/* Capability types (4.1.4) */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4
#define CAP_PCI_CFG 5
#define PCI_CAP_VNDR 0x09
#define PCI_CAP_MSIX 0x11
/* MSI-X message control (PCI 3.0, 6.8.2.3) */
#define MSIX_ENABLE 0x8000
#define MSIX_MASKALL 0x4000

#define ISR_QUEUE 1
#define ISR_CONFIG 2

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

bool vdev_has(const struct vdev *d, unsigned bit)
{
	return bit < 64 && (d->driver_features >> bit) & 1;
}

bool vdev_running(const struct vdev *d)
{
	return (d->status & VIRTIO_S_DRIVER_OK) && !d->resetting
	       && !(d->status & (VIRTIO_S_FAILED | VIRTIO_S_NEEDS_RESET));
}

/* --- interrupts ---------------------------------------------------- */

static uint16_t msix_ctrl(const struct vdev *d)
{
	return (uint16_t)(d->pci->cfg[d->msix_cap + 2]
			  | d->pci->cfg[d->msix_cap + 3] << 8);
}

static bool msix_on(const struct vdev *d)
{
	return msix_ctrl(d) & MSIX_ENABLE;
}

static void update_intx(struct vdev *d)
{
	uint8_t *c = d->pci->cfg;
	bool disabled = c[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
	bool level = d->isr && !msix_on(d);

	/* The status bit shows the device's interrupt whether or not the
	 * command register lets it reach the pin (PCI 3.0, 6.2.3). */
	if (level)
		c[PCI_STATUS] |= PCI_STATUS_INTX;
	else
		c[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
	level = level && !disabled;
	if (level != d->intx_level) {
		d->intx_level = level;
		if (d->intx)
			d->intx(d->irq_ctx, level);
	}
}

static void msix_fire(struct vdev *d, uint16_t vec)
{
	const struct msix_entry *e = &d->msix[vec];

	if ((msix_ctrl(d) & MSIX_MASKALL) || (e->ctrl & 1)) {
		d->pba |= 1u << vec; /* delivered on unmask (6.8.2.9) */
		return;
	}
	d->pba &= ~(1u << vec);
	if (d->msi)
		d->msi(d->irq_ctx, (uint64_t)e->addr_hi << 32 | e->addr_lo,
		       e->data);
}

/* Pending vectors whose mask was lifted. */
static void msix_unmasked(struct vdev *d)
{
	if (!msix_on(d) || (msix_ctrl(d) & MSIX_MASKALL))
		return;
	for (uint16_t v = 0; v < VDEV_MSIX_VECTORS; v++)
		if ((d->pba >> v) & 1 && !(d->msix[v].ctrl & 1))
			msix_fire(d, v);
}

static void signal(struct vdev *d, uint16_t vec, uint8_t isr_bit)
{
	if (msix_on(d)) {
		/* 4.1.5.1.2: with MSI-X on, NO_VECTOR means no interrupt. */
		if (vec < VDEV_MSIX_VECTORS)
			msix_fire(d, vec);
		return;
	}
	d->isr |= isr_bit;
	update_intx(d);
}

void vdev_queue_interrupt(struct vdev *d, struct virtq *q)
{
	if (!vdev_running(d) || !vq_need_interrupt(q))
		return;
	q->st.interrupts++;
	signal(d, q->msix_vector, ISR_QUEUE);
}

void vdev_config_changed(struct vdev *d)
{
	d->config_gen++;
	if (!(d->status & VIRTIO_S_DRIVER_OK))
		return;
	d->config_irqs++;
	signal(d, d->config_vector, ISR_CONFIG);
}

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
				"exits so far", d->name,
				(unsigned long long)*d->vm_exits);
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
	update_intx(d);
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
			"were not offered", d->name,
			(unsigned long long)(f & ~d->features));
		return false;
	}
	if (!vdev_has(d, VIRTIO_F_VERSION_1)) {
		log_msg("virtio: %s: driver did not accept VERSION_1 (legacy "
			"drivers are not supported)", d->name);
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
			"%s", d->name, (unsigned long long)d->driver_features,
			vdev_has(d, VIRTIO_F_RING_PACKED) ? "packed" : "split",
			msix_on(d) ? "MSI-X" : "INTx");
		if (d->ops->driver_ok)
			d->ops->driver_ok(d);
	}
}

/* --- common configuration (4.1.4.3) -------------------------------- */

static struct virtq *selected(struct vdev *d)
{
	return d->queue_sel < d->nq ? &d->vq[d->queue_sel] : NULL;
}

static uint64_t common_read(struct vdev *d, uint32_t off, unsigned size)
{
	struct virtq *q = selected(d);

	switch (off << 4 | size) {
	case 0x00 << 4 | 4:
		return d->dfselect;
	case 0x04 << 4 | 4:
		return d->dfselect < 2 ? (uint32_t)(d->features
						    >> (32 * d->dfselect))
				       : 0;
	case 0x08 << 4 | 4:
		return d->gfselect;
	case 0x0c << 4 | 4:
		return d->gfselect < 2 ? (uint32_t)(d->driver_features
						    >> (32 * d->gfselect))
				       : 0;
	case 0x10 << 4 | 2:
		return d->config_vector;
	case 0x12 << 4 | 2:
		return d->nq;
	case 0x14 << 4 | 1:
		return d->status;
	case 0x15 << 4 | 1:
		return d->config_gen;
	case 0x16 << 4 | 2:
		return d->queue_sel;
	}
	if (!q)
		return 0;
	switch (off << 4 | size) {
	case 0x18 << 4 | 2:
		return q->size;
	case 0x1a << 4 | 2:
		return q->msix_vector;
	case 0x1c << 4 | 2:
		return q->enabled;
	case 0x1e << 4 | 2:
		return d->queue_sel; /* notify_off: one slot per queue */
	case 0x20 << 4 | 8:
		return q->desc_gpa;
	case 0x28 << 4 | 8:
		return q->driver_gpa;
	case 0x30 << 4 | 8:
		return q->device_gpa;
	case 0x20 << 4 | 4:
	case 0x24 << 4 | 4:
	case 0x28 << 4 | 4:
	case 0x2c << 4 | 4:
	case 0x30 << 4 | 4:
	case 0x34 << 4 | 4: {
		uint64_t a = off < 0x28	  ? q->desc_gpa
			     : off < 0x30 ? q->driver_gpa
					  : q->device_gpa;

		return (uint32_t)(a >> (off & 4 ? 32 : 0));
	}
	}
	return 0;
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
			"ignored", d->name, q->index);
		return;
	}
	q->split = !vdev_has(d, VIRTIO_F_RING_PACKED);
	q->event_idx = vdev_has(d, VIRTIO_F_EVENT_IDX);
	q->indirect = vdev_has(d, VIRTIO_F_INDIRECT_DESC);
	vq_enable(q, d->gm);
}

static void common_write(struct vdev *d, uint32_t off, unsigned size,
			 uint64_t v)
{
	struct virtq *q = selected(d);
	bool features_fixed = d->status & VIRTIO_S_FEATURES_OK;

	switch (off << 4 | size) {
	case 0x00 << 4 | 4:
		d->dfselect = (uint32_t)v;
		return;
	case 0x08 << 4 | 4:
		d->gfselect = (uint32_t)v;
		return;
	case 0x0c << 4 | 4:
		if (features_fixed || d->gfselect >= 2)
			return;
		d->driver_features &= ~(0xffffffffull << (32 * d->gfselect));
		d->driver_features |= (v & 0xffffffffull)
				      << (32 * d->gfselect);
		return;
	case 0x10 << 4 | 2:
		d->config_vector = vector_or_none((uint32_t)v);
		return;
	case 0x14 << 4 | 1:
		write_status(d, (uint8_t)v);
		return;
	case 0x16 << 4 | 2:
		d->queue_sel = (uint16_t)v;
		return;
	}
	/* Queue fields are fixed while the queue runs (4.1.4.3.2). */
	if (!q || q->enabled)
		return;
	switch (off << 4 | size) {
	case 0x18 << 4 | 2:
		q->size = vq_clamp_size(q, (uint32_t)v);
		if (q->size != v)
			log_msg("virtio: %s: queue %u size %u clamped to %u",
				d->name, q->index, (unsigned)v, q->size);
		return;
	case 0x1a << 4 | 2:
		q->msix_vector = vector_or_none((uint32_t)v);
		return;
	case 0x1c << 4 | 2:
		if (v == 1)
			enable_queue(d, q);
		return;
	}
	if ((size == 4 || (size == 8 && !(off & 7))) && off >= 0x20
	    && off < 0x38)
		set_addr(off < 0x28   ? &q->desc_gpa
			 : off < 0x30 ? &q->driver_gpa
				      : &q->device_gpa,
			 off, size, v);
}

/* --- BAR 0 --------------------------------------------------------- */

static uint64_t msix_read(struct vdev *d, uint64_t off, unsigned size)
{
	if (range_contains(VDEV_MSIX_PBA_OFF, 8, off, size)
	    && (size == 4 || size == 8))
		return off == VDEV_MSIX_PBA_OFF ? d->pba : 0;
	if (!range_contains(VDEV_MSIX_TABLE_OFF, sizeof(d->msix), off, size)
	    || (size != 4 && size != 8) || (off & (size - 1)))
		return 0;
	const uint32_t *w = (const uint32_t *)&d->msix[0];
	uint64_t i = (off - VDEV_MSIX_TABLE_OFF) / 4;

	return size == 8 ? (uint64_t)w[i + 1] << 32 | w[i] : w[i];
}

static void msix_write(struct vdev *d, uint64_t off, unsigned size,
		       uint64_t v)
{
	if (!range_contains(VDEV_MSIX_TABLE_OFF, sizeof(d->msix), off, size)
	    || (size != 4 && size != 8) || (off & (size - 1)))
		return;
	uint32_t *w = (uint32_t *)&d->msix[0];
	uint64_t i = (off - VDEV_MSIX_TABLE_OFF) / 4;

	for (unsigned k = 0; k < size / 4; k++, i++, v >>= 32) {
		/* Only the mask bit of vector control is writable. */
		w[i] = i % 4 == 3 ? (uint32_t)v & 1 : (uint32_t)v;
	}
	msix_unmasked(d);
}

static void notify(struct vdev *d, uint64_t off)
{
	uint64_t qi = (off - VDEV_NOTIFY_OFF) / VDEV_NOTIFY_MULT;

	/* A queue the device does not have counts like one not running. */
	if (qi >= d->nq || !vdev_running(d) || !d->vq[qi].enabled) {
		d->notifies_ignored++;
		return;
	}
	d->vq[qi].st.notifies++;
	if (d->ops->notify)
		d->ops->notify(d, qi);
}

uint64_t vdev_bar_read(struct vdev *d, uint64_t off, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	if (range_contains(VDEV_COMMON_OFF, VDEV_COMMON_LEN, off, size))
		return common_read(d, (uint32_t)off, size);
	if (range_contains(VDEV_ISR_OFF, 4, off, size)) {
		/* 4.1.4.5: reading the ISR clears it. */
		uint8_t v = off == VDEV_ISR_OFF ? d->isr : 0;

		d->isr = 0;
		update_intx(d);
		return v;
	}
	if (range_contains(VDEV_DEVCFG_OFF, VDEV_DEVCFG_LEN, off, size)) {
		uint32_t o = (uint32_t)(off - VDEV_DEVCFG_OFF);

		if (!d->ops->cfg_read)
			return 0;
		if (size == 8)
			return d->ops->cfg_read(d, o, 4)
			       | (uint64_t)d->ops->cfg_read(d, o + 4, 4) << 32;
		return d->ops->cfg_read(d, o, size);
	}
	return msix_read(d, off, size);
}

void vdev_bar_write(struct vdev *d, uint64_t off, unsigned size, uint64_t v)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return;
	if (range_contains(VDEV_COMMON_OFF, VDEV_COMMON_LEN, off, size))
		common_write(d, (uint32_t)off, size, v);
	else if (range_contains(VDEV_NOTIFY_OFF,
				VDEV_MSIX_TABLE_OFF - VDEV_NOTIFY_OFF, off, size))
		notify(d, off); /* the whole notify area, queues or not */
	else if (range_contains(VDEV_DEVCFG_OFF, VDEV_DEVCFG_LEN, off, size)) {
		if (d->ops->cfg_write && size <= 4)
			d->ops->cfg_write(d, (uint32_t)(off - VDEV_DEVCFG_OFF),
					  size, (uint32_t)v);
	} else
		msix_write(d, off, size, v);
}

static uint64_t bar_mmio_read(void *ctx, uint64_t addr, unsigned size)
{
	struct vdev *d = ctx;

	return vdev_bar_read(d, addr - d->pci->bar[0].range.base, size);
}

static void bar_mmio_write(void *ctx, uint64_t addr, unsigned size,
			   uint64_t v)
{
	struct vdev *d = ctx;

	vdev_bar_write(d, addr - d->pci->bar[0].range.base, size, v);
}

/* --- PCI configuration space --------------------------------------- */

/* 4.1.4.9: the PCI configuration access capability is a window onto the
 * BAR: cap.bar, cap.offset and cap.length pick the register,
 * pci_cfg_data moves the value. */
static bool pcicfg_target(const struct vdev *d, uint32_t *off, unsigned *len)
{
	const uint8_t *c = d->pci->cfg + d->pcicfg_cap;

	*off = rd32(c + 8);
	*len = rd32(c + 12);
	return c[4] == 0 && (*len == 1 || *len == 2 || *len == 4)
	       && !(*off & (*len - 1)) && *off < VDEV_BAR_SIZE;
}

static void cfg_reading(struct vpci_fn *f, uint32_t off, unsigned size)
{
	struct vdev *d = f->ctx;
	uint32_t o;
	unsigned len;

	if (range_overlap(off, size, d->pcicfg_cap + 16, 4)
	    && pcicfg_target(d, &o, &len))
		wr32(f->cfg + d->pcicfg_cap + 16,
		     (uint32_t)vdev_bar_read(d, o, len));
}

static void cfg_written(struct vpci_fn *f, uint32_t off, unsigned size)
{
	struct vdev *d = f->ctx;
	uint32_t o;
	unsigned len;

	if (range_overlap(off, size, d->pcicfg_cap + 16, 4)
	    && pcicfg_target(d, &o, &len))
		vdev_bar_write(d, o, len, rd32(f->cfg + d->pcicfg_cap + 16));
	if (range_overlap(off, size, d->msix_cap + 2, 2)) {
		update_intx(d); /* MSI-X on or off moves the ISR's pin */
		msix_unmasked(d);
	}
	if (range_overlap(off, size, PCI_COMMAND, 2))
		update_intx(d);
}

/* A virtio vendor capability (4.1.4): struct virtio_pci_cap. */
static uint32_t vendor_cap(struct vpci_fn *f, uint8_t type, unsigned len,
			   uint32_t off, uint32_t length)
{
	uint32_t at = vpci_add_cap(f, PCI_CAP_VNDR, len);

	if (!at)
		return 0;
	f->cfg[at + 2] = (uint8_t)len;
	f->cfg[at + 3] = type;
	f->cfg[at + 4] = 0; /* BAR 0 */
	wr32(f->cfg + at + 8, off);
	wr32(f->cfg + at + 12, length);
	return at;
}

void vdev_init(struct vdev *d, struct vpci_fn *f, uint16_t type,
	       const char *name, const struct vdev_ops *ops, void *model,
	       uint64_t features, uint16_t nq, uint16_t qmax,
	       uint64_t bar_addr, const struct gmem *gm)
{
	uint8_t *c = f->cfg;
	uint32_t at;

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->type = type;
	d->ops = ops;
	d->model = model;
	d->gm = gm;
	d->pci = f;
	d->nq = nq > VDEV_MAX_QUEUES ? VDEV_MAX_QUEUES : nq;
	d->features = features | 1ull << VIRTIO_F_VERSION_1
		      | 1ull << VIRTIO_F_RING_PACKED
		      | 1ull << VIRTIO_F_EVENT_IDX
		      | 1ull << VIRTIO_F_INDIRECT_DESC;
	d->config_vector = VIRTIO_NO_VECTOR;
	for (unsigned i = 0; i < d->nq; i++) {
		d->vq[i].index = i;
		d->vq[i].name = name;
		d->vq[i].max_size = qmax > VQ_MAX_SIZE ? VQ_MAX_SIZE : qmax;
		vq_reset(&d->vq[i]);
	}
	for (unsigned v = 0; v < VDEV_MSIX_VECTORS; v++)
		d->msix[v].ctrl = 1; /* masked at reset (PCI 3.0, 6.8.2.9) */

	/* Header: 4.1.2, modern device ids 0x1040 + type, revision 1. */
	wr16(c + 0x00, VIRTIO_VENDOR);
	wr16(c + 0x02, (uint16_t)(0x1040 + type));
	c[0x08] = 1;
	/* Class: 02.00 Ethernet for the network, 01.00 mass storage (SCSI,
	 * as other virtio-blk implementations say) for the disk. */
	c[0x0a] = 0x00;
	c[0x0b] = type == VIRTIO_ID_NET ? 0x02 : 0x01;
	wr16(c + 0x2c, VIRTIO_VENDOR);	/* subsystem vendor */
	wr16(c + 0x2e, 0x1100);		/* subsystem: >= 0x40 */
	c[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
	f->wmask[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	f->wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
	f->wmask[PCI_INTERRUPT_LINE] = 0xff;

	struct mmio_range r = { .name = name, .ctx = d,
				.read = bar_mmio_read,
				.write = bar_mmio_write };

	vpci_bar_init(f, 0, VDEV_BAR_SIZE, true, bar_addr, &r);

	vendor_cap(f, CAP_COMMON, 16, VDEV_COMMON_OFF, VDEV_COMMON_LEN);
	at = vendor_cap(f, CAP_NOTIFY, 20, VDEV_NOTIFY_OFF,
			(uint32_t)d->nq * VDEV_NOTIFY_MULT);
	if (at)
		wr32(c + at + 16, VDEV_NOTIFY_MULT);
	vendor_cap(f, CAP_ISR, 16, VDEV_ISR_OFF, 4);
	vendor_cap(f, CAP_DEVICE, 16, VDEV_DEVCFG_OFF, VDEV_DEVCFG_LEN);
	d->pcicfg_cap = vendor_cap(f, CAP_PCI_CFG, 20, 0, 0);
	/* cap.bar, cap.offset, cap.length and pci_cfg_data are the
	 * driver's to write. */
	f->wmask[d->pcicfg_cap + 4] = 0xff;
	memset(f->wmask + d->pcicfg_cap + 8, 0xff, 12);

	d->msix_cap = vpci_add_cap(f, PCI_CAP_MSIX, 12);
	wr16(c + d->msix_cap + 2, VDEV_MSIX_VECTORS - 1);
	wr32(c + d->msix_cap + 4, VDEV_MSIX_TABLE_OFF); /* BIR 0 */
	wr32(c + d->msix_cap + 8, VDEV_MSIX_PBA_OFF);
	f->wmask[d->msix_cap + 3] = (MSIX_ENABLE | MSIX_MASKALL) >> 8;

	f->reading = cfg_reading;
	f->written = cfg_written;
	f->ctx = d;
}

void vdev_print_stats(const struct vdev *d)
{
	for (unsigned i = 0; i < d->nq; i++) {
		const struct vq_stats *s = &d->vq[i].st;

		log_msg("virtio: %s queue %u: %llu requests, %llu bytes, %llu "
			"errors, %llu stalls, %llu notifications, %llu "
			"interrupts", d->name, i,
			(unsigned long long)s->requests,
			(unsigned long long)s->bytes,
			(unsigned long long)s->errors,
			(unsigned long long)s->stalls,
			(unsigned long long)s->notifies,
			(unsigned long long)s->interrupts);
	}
	if (d->notifies_ignored)
		log_msg("virtio: %s: %llu notifications on queues that were "
			"not running", d->name,
			(unsigned long long)d->notifies_ignored);
}
