/* The virtio-pci modern transport (virtio 1.2, 4.1).  See virtio_pci.h.
 * Here: interrupts (MSI-X and INTx), BAR 0 but for the common
 * configuration (virtio_pci_common.c), and PCI configuration space with
 * the capabilities.
 *
 * Every register access comes from the guest: any offset and size is
 * answered (unknown ones read 0 and ignore writes), values are checked
 * before they change state, and nothing the guest writes here is used as
 * a host address. */
#include "virtio/virtio_pci.h"

#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/range.h"
#include "virtio/virtio_pci_common.h"
#include "virtio/virtio_regs.h"

/* Type 0 header fields the device sets (PCI 3.0, 6.2.1) */
#define CFG_VENDOR_ID 0x00
#define CFG_DEVICE_ID 0x02
#define CFG_REVISION 0x08
#define CFG_SUBCLASS 0x0a
#define CFG_CLASS 0x0b
#define CFG_SUBSYS_VENDOR_ID 0x2c
#define CFG_SUBSYS_ID 0x2e

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
	return get_le16(d->pci->cfg + d->msix_cap + PCI_MSIX_FLAGS);
}

bool vdev_msix_on(const struct vdev *d)
{
	return msix_ctrl(d) & PCI_MSIX_ENABLE;
}

void vdev_update_intx(struct vdev *d)
{
	uint8_t *c = d->pci->cfg;
	bool disabled = c[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
	bool level = d->isr && !vdev_msix_on(d);

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

	if ((msix_ctrl(d) & PCI_MSIX_MASKALL)
	    || (e->ctrl & PCI_MSIX_ENTRY_MASKED)) {
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
	if (!vdev_msix_on(d) || (msix_ctrl(d) & PCI_MSIX_MASKALL))
		return;
	for (uint16_t v = 0; v < VDEV_MSIX_VECTORS; v++)
		if ((d->pba >> v) & 1
		    && !(d->msix[v].ctrl & PCI_MSIX_ENTRY_MASKED))
			msix_fire(d, v);
}

static void signal(struct vdev *d, uint16_t vec, uint8_t isr_bit)
{
	if (vdev_msix_on(d)) {
		/* 4.1.5.1.2: with MSI-X on, NO_VECTOR means no interrupt. */
		if (vec < VDEV_MSIX_VECTORS)
			msix_fire(d, vec);
		return;
	}
	d->isr |= isr_bit;
	vdev_update_intx(d);
}

void vdev_queue_interrupt(struct vdev *d, struct virtq *q)
{
	if (!vdev_running(d) || !vq_need_interrupt(q))
		return;
	q->st.interrupts++;
	signal(d, q->msix_vector, VIRTIO_PCI_ISR_QUEUE);
}

void vdev_config_changed(struct vdev *d)
{
	d->config_gen++;
	if (!(d->status & VIRTIO_S_DRIVER_OK))
		return;
	d->config_irqs++;
	signal(d, d->config_vector, VIRTIO_PCI_ISR_CONFIG);
}

/* A queue stalled on a ring it cannot trust: the device cannot go on
 * without a reset.  2.1.2: DEVICE_NEEDS_RESET, and with DRIVER_OK a
 * configuration change notification.  The whole device stops
 * (vdev_running) until the driver resets it. */
static void needs_reset(void *ctx)
{
	struct vdev *d = ctx;

	if (d->status & VIRTIO_S_NEEDS_RESET)
		return;
	d->status |= VIRTIO_S_NEEDS_RESET;
	log_msg("virtio: %s: DEVICE_NEEDS_RESET set", d->name);
	vdev_config_changed(d);
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

static void msix_write(struct vdev *d, uint64_t off, unsigned size, uint64_t v)
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
	if (d->vq[qi].polled)
		d->vq[qi].st.notifies_polled++;
	if (d->ops->notify)
		d->ops->notify(d, qi);
}

void vdev_set_polled(struct vdev *d)
{
	for (unsigned i = 0; i < d->nq; i++)
		d->vq[i].polled = true;
}

static uint64_t requests(const struct vdev *d)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < d->nq; i++)
		n += d->vq[i].st.requests;
	return n;
}

bool vdev_poll(struct vdev *d)
{
	if (!d->ops->notify || !vdev_running(d))
		return false;
	uint64_t before = requests(d);

	for (unsigned i = 0; i < d->nq; i++)
		if (d->vq[i].enabled)
			d->ops->notify(d, i);
	return requests(d) != before;
}

bool vdev_poll_pause(struct vdev *d)
{
	bool waiting = false;

	if (!vdev_running(d))
		return false;
	for (unsigned i = 0; i < d->nq; i++) {
		struct virtq *q = &d->vq[i];

		if (!q->polled || !q->enabled || q->receive)
			continue;
		q->polled = false;
		/* Its full fence orders the flag before the look. */
		vq_set_notify(q, true);
		waiting |= vq_avail(q);
	}
	return waiting;
}

void vdev_poll_resume(struct vdev *d)
{
	for (unsigned i = 0; i < d->nq; i++) {
		struct virtq *q = &d->vq[i];

		if (q->polled)
			continue;
		q->polled = true;
		if (q->enabled)
			vq_set_notify(q, false);
	}
}

uint64_t vdev_bar_read(struct vdev *d, uint64_t off, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return 0;
	if (range_contains(VDEV_COMMON_OFF, VDEV_COMMON_LEN, off, size))
		return vdev_common_read(d, (uint32_t)(off - VDEV_COMMON_OFF),
					size);
	if (range_contains(VDEV_ISR_OFF, 4, off, size)) {
		/* 4.1.4.5: reading the ISR clears it. */
		uint8_t v = off == VDEV_ISR_OFF ? d->isr : 0;

		d->isr = 0;
		vdev_update_intx(d);
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
		vdev_common_write(d, (uint32_t)(off - VDEV_COMMON_OFF), size,
				  v);
	else if (range_contains(VDEV_NOTIFY_OFF,
				VDEV_MSIX_TABLE_OFF - VDEV_NOTIFY_OFF, off,
				size))
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

static void bar_mmio_write(void *ctx, uint64_t addr, unsigned size, uint64_t v)
{
	struct vdev *d = ctx;

	vdev_bar_write(d, addr - d->pci->bar[0].range.base, size, v);
}

/* --- PCI configuration space --------------------------------------- */

/* 4.1.4.9: the PCI configuration access capability is a window onto the
 * BAR: cap.bar, cap.offset and cap.length pick the register,
 * pci_cfg_data moves the value.  True when the config access [at, +size)
 * touches pci_cfg_data and the window is usable: *off and *len are it. */
static bool pcicfg_target(const struct vdev *d, uint32_t at, unsigned size,
			  uint32_t *off, unsigned *len)
{
	const uint8_t *c = d->pci->cfg + d->pcicfg_cap;

	if (!range_overlap(at, size, d->pcicfg_cap + VIRTIO_PCI_CFG_CAP_DATA,
			   4))
		return false;
	*off = get_le32(c + VIRTIO_PCI_CAP_OFFSET);
	*len = get_le32(c + VIRTIO_PCI_CAP_LENGTH);
	return c[VIRTIO_PCI_CAP_BAR] == 0
	       && (*len == 1 || *len == 2 || *len == 4) && !(*off & (*len - 1))
	       && *off < VDEV_BAR_SIZE;
}

static void cfg_reading(struct vpci_fn *f, uint32_t off, unsigned size)
{
	struct vdev *d = f->ctx;
	uint32_t o;
	unsigned len;

	if (pcicfg_target(d, off, size, &o, &len))
		put_le32(f->cfg + d->pcicfg_cap + VIRTIO_PCI_CFG_CAP_DATA,
			 (uint32_t)vdev_bar_read(d, o, len));
}

static void cfg_written(struct vpci_fn *f, uint32_t off, unsigned size)
{
	struct vdev *d = f->ctx;
	uint32_t o;
	unsigned len;

	if (pcicfg_target(d, off, size, &o, &len))
		vdev_bar_write(d, o, len,
			       get_le32(f->cfg + d->pcicfg_cap
					+ VIRTIO_PCI_CFG_CAP_DATA));
	if (range_overlap(off, size, d->msix_cap + PCI_MSIX_FLAGS, 2)) {
		vdev_update_intx(d); /* MSI-X on or off moves the ISR's pin */
		msix_unmasked(d);
	}
	if (range_overlap(off, size, PCI_COMMAND, 2))
		vdev_update_intx(d);
}

/* A virtio vendor capability (4.1.4): struct virtio_pci_cap. */
static uint32_t vendor_cap(struct vpci_fn *f, uint8_t type, unsigned len,
			   uint32_t off, uint32_t length)
{
	uint32_t at = vpci_add_cap(f, PCI_CAP_ID_VNDR, len);

	if (!at)
		return 0;
	f->cfg[at + VIRTIO_PCI_CAP_LEN] = (uint8_t)len;
	f->cfg[at + VIRTIO_PCI_CAP_CFG_TYPE] = type;
	f->cfg[at + VIRTIO_PCI_CAP_BAR] = 0;
	put_le32(f->cfg + at + VIRTIO_PCI_CAP_OFFSET, off);
	put_le32(f->cfg + at + VIRTIO_PCI_CAP_LENGTH, length);
	return at;
}

static void init_queues(struct vdev *d, uint16_t qmax)
{
	for (unsigned i = 0; i < d->nq; i++) {
		d->vq[i].index = i;
		d->vq[i].name = d->name;
		d->vq[i].max_size = qmax > VQ_MAX_SIZE ? VQ_MAX_SIZE : qmax;
		d->vq[i].on_stall = needs_reset;
		d->vq[i].stall_ctx = d;
		vq_reset(&d->vq[i]);
	}
}

void vdev_init(struct vdev *d, struct vpci_fn *f, uint16_t type,
	       const char *name, const struct vdev_ops *ops, void *model,
	       uint64_t features, uint16_t nq, uint16_t qmax, uint64_t bar_addr,
	       const struct gmem *gm)
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
	init_queues(d, qmax);
	/* Every vector masked at reset (PCI 3.0, 6.8.2.9). */
	for (unsigned v = 0; v < VDEV_MSIX_VECTORS; v++)
		d->msix[v].ctrl = PCI_MSIX_ENTRY_MASKED;

	/* Header: 4.1.2, modern device ids 0x1040 + type, revision 1. */
	put_le16(c + CFG_VENDOR_ID, VIRTIO_VENDOR);
	put_le16(c + CFG_DEVICE_ID, (uint16_t)(0x1040 + type));
	c[CFG_REVISION] = 1;
	/* Class: 02.00 Ethernet for the network, 01.00 mass storage (SCSI,
	 * as other virtio-blk implementations say) for the disk. */
	c[CFG_SUBCLASS] = 0x00;
	c[CFG_CLASS] = type == VIRTIO_ID_NET ? 0x02 : 0x01;
	put_le16(c + CFG_SUBSYS_VENDOR_ID, VIRTIO_VENDOR);
	put_le16(c + CFG_SUBSYS_ID, 0x1100); /* >= 0x40 */
	c[PCI_INTERRUPT_PIN] = 1;	     /* INTA# */
	f->wmask[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	f->wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
	f->wmask[PCI_INTERRUPT_LINE] = 0xff;

	struct bus_range r = { .name = name,
			       .ctx = d,
			       .read = bar_mmio_read,
			       .write = bar_mmio_write };

	vpci_bar_init(f, 0, VDEV_BAR_SIZE, true, bar_addr, &r);

	vendor_cap(f, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_SIZE,
		   VDEV_COMMON_OFF, VDEV_COMMON_LEN);
	at = vendor_cap(f, VIRTIO_PCI_CAP_NOTIFY_CFG,
			VIRTIO_PCI_NOTIFY_CAP_SIZE, VDEV_NOTIFY_OFF,
			(uint32_t)d->nq * VDEV_NOTIFY_MULT);
	if (at)
		put_le32(c + at + VIRTIO_PCI_NOTIFY_CAP_MULT, VDEV_NOTIFY_MULT);
	vendor_cap(f, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_CAP_SIZE, VDEV_ISR_OFF,
		   4);
	vendor_cap(f, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_SIZE,
		   VDEV_DEVCFG_OFF, VDEV_DEVCFG_LEN);
	d->pcicfg_cap = vendor_cap(f, VIRTIO_PCI_CAP_PCI_CFG,
				   VIRTIO_PCI_CFG_CAP_SIZE, 0, 0);
	/* cap.bar, cap.offset, cap.length and pci_cfg_data are the
	 * driver's to write. */
	f->wmask[d->pcicfg_cap + VIRTIO_PCI_CAP_BAR] = 0xff;
	memset(f->wmask + d->pcicfg_cap + VIRTIO_PCI_CAP_OFFSET, 0xff,
	       VIRTIO_PCI_CFG_CAP_SIZE - VIRTIO_PCI_CAP_OFFSET);

	d->msix_cap = vpci_add_cap(f, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_SIZE);
	put_le16(c + d->msix_cap + PCI_MSIX_FLAGS, VDEV_MSIX_VECTORS - 1);
	put_le32(c + d->msix_cap + PCI_MSIX_TABLE,
		 VDEV_MSIX_TABLE_OFF); /* BIR 0 */
	put_le32(c + d->msix_cap + PCI_MSIX_PBA, VDEV_MSIX_PBA_OFF);
	f->wmask[d->msix_cap + PCI_MSIX_FLAGS + 1] = (PCI_MSIX_ENABLE
						      | PCI_MSIX_MASKALL)
						     >> 8;

	f->reading = cfg_reading;
	f->written = cfg_written;
	f->ctx = d;
}

void vdev_print_stats(const struct vdev *d)
{
	for (unsigned i = 0; i < d->nq; i++) {
		char head[48];

		fmt(head, sizeof(head), "virtio: %s queue %u", d->name, i);
		counters_log(head, &vq_counters, &d->vq[i].st);
	}
	if (d->notifies_ignored)
		log_msg("virtio: %s: %llu notifications on queues that were "
			"not running",
			d->name, (unsigned long long)d->notifies_ignored);
}
