/* What the virtio device fuzz targets share on top of fuzz_common.h: a
 * driver bringing a device up through BAR 0, fuzz-chosen BAR accesses
 * and PCI configuration writes, and interrupt sinks that check what they
 * are given.
 *
 * A bring-up reads from the input (little-endian):
 *   byte 0      features: bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2
 *               none of the device-specific features, bit 3 one that was
 *               not offered, bit 4 no VERSION_1, bit 5 no RING_PACKED,
 *               bit 6 raw: both feature words follow (4 + 4 bytes),
 *               bit 7 no feature write at all
 *   byte 1      bit 0 queue addresses as two 32-bit halves, bit 1 MSI-X
 *               on, bit 2 no FEATURES_OK, bit 3 no DRIVER_OK, bit 4
 *               queues left disabled, bit 5 MSI-X table entries
 *               programmed and unmasked
 *   byte 2      config_vector (0xff: NO_VECTOR)
 *   per queue   size (2), address kinds (1: descriptor ring bits 0-1,
 *               driver area 2-3, device area 4-5), the three offsets
 *               (2 each), msix_vector (1; 0xff: NO_VECTOR)
 * then it writes, as a driver does: reset, ACKNOWLEDGE, DRIVER, the
 * features, FEATURES_OK, the queues, DRIVER_OK.
 *
 * A BAR access reads: region (1: 0 common cfg, 1 notify, 2 ISR, 3 device
 * cfg, 4 MSI-X table, 5 PBA, 6-7 anywhere), offset in it (1, or 2 for
 * anywhere), size (1, see fz_size) and for a write the value (8).
 *
 * A PCI configuration access reads: mode (1); below 0xc0 the offset (1),
 * size (1) and for a write the value (4); else it goes through the
 * virtio PCI configuration access capability: length (mode bits 0-1:
 * 1, 2, 4 or 3), a BAR offset as above, then pci_cfg_data is read, or
 * written with a value (4).
 */
#ifndef FUZZ_VDEV_H
#define FUZZ_VDEV_H

#include "hv/platform/pci_host.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_regs.h"

#include "tests/fuzz/fuzz_common.h"

/* Common configuration registers (virtio 1.2, 4.1.4.3), short */
#define CC_DFSELECT VIRTIO_PCI_COMMON_DFSELECT
#define CC_GFSELECT VIRTIO_PCI_COMMON_GFSELECT
#define CC_GF VIRTIO_PCI_COMMON_GF
#define CC_MSIX_CONFIG VIRTIO_PCI_COMMON_MSIX
#define CC_STATUS VIRTIO_PCI_COMMON_STATUS
#define CC_Q_SELECT VIRTIO_PCI_COMMON_Q_SELECT
#define CC_Q_SIZE VIRTIO_PCI_COMMON_Q_SIZE
#define CC_Q_VECTOR VIRTIO_PCI_COMMON_Q_MSIX
#define CC_Q_ENABLE VIRTIO_PCI_COMMON_Q_ENABLE
#define CC_Q_DESC VIRTIO_PCI_COMMON_Q_DESC
#define CC_Q_DRIVER VIRTIO_PCI_COMMON_Q_DRIVER
#define CC_Q_DEVICE VIRTIO_PCI_COMMON_Q_DEVICE

static struct vpci_bus fz_bus;
static struct vpci_fn fz_host_bridge;
static bool fz_intx_level;
static uint64_t fz_msis;

static inline uint16_t fz_msix_ctrl(const struct vdev *d)
{
	return (uint16_t)(d->pci->cfg[d->msix_cap + 2]
			  | d->pci->cfg[d->msix_cap + 3] << 8);
}

/* The INTx line: called on changes only, and only with a reason. */
static void fz_intx(void *ctx, bool level)
{
	const struct vdev *d = ctx;

	CHECK(level != fz_intx_level);
	fz_intx_level = level;
	if (level)
		CHECK(d->isr && !(fz_msix_ctrl(d) & 0x8000)
		      && !(d->pci->cfg[PCI_COMMAND + 1]
			   & (PCI_COMMAND_INTX_DISABLE >> 8)));
}

/* An MSI-X message: MSI-X on, not masked, from an unmasked entry. */
static void fz_msi(void *ctx, uint64_t addr, uint32_t data)
{
	const struct vdev *d = ctx;
	bool found = false;

	CHECK((fz_msix_ctrl(d) & 0xc000) == 0x8000);
	for (unsigned v = 0; v < VDEV_MSIX_VECTORS; v++) {
		const struct msix_entry *e = &d->msix[v];

		found |= !(e->ctrl & 1) && e->data == data
			 && ((uint64_t)e->addr_hi << 32 | e->addr_lo) == addr;
	}
	CHECK(found);
	fz_msis++;
}

/* A fresh bus (host bridge only), its BAR window checked against
 * fz_gm. */
static inline void fz_bus_reset(void)
{
	vpci_init(&fz_bus, &fz_host_bridge);
	fz_bus.gm = &fz_gm;
	fz_intx_level = false;
}

/* Hooks the device's interrupts to the checking sinks and puts it in
 * `slot`. */
static inline void fz_vdev_attach(struct vdev *d, unsigned slot)
{
	d->msi = fz_msi;
	d->intx = fz_intx;
	d->irq_ctx = d;
	CHECK(!vpci_add(&fz_bus, slot, d->pci));
}

static inline void fz_bw(struct vdev *d, uint64_t off, unsigned size,
			 uint64_t v)
{
	vdev_bar_write(d, off, size, v);
}

static inline void fz_cfg_write(const struct vdev *d, uint32_t off,
				unsigned size, uint32_t v)
{
	vpci_cfg_write(&fz_bus, 0, d->pci->slot, 0, off, size, v);
}

static inline void fz_queue_addr(struct vdev *d, uint32_t reg, uint64_t a,
				 bool split)
{
	if (split) {
		fz_bw(d, reg, 4, (uint32_t)a);
		fz_bw(d, reg + 4, 4, a >> 32);
	} else {
		fz_bw(d, reg, 8, a);
	}
}

/* The driver's start-up sequence, parameters from the input. */
static inline void fz_bringup(struct fz *s, struct vdev *d)
{
	uint8_t fb = fz8(s), how = fz8(s), cvec = fz8(s);
	uint32_t lo = (uint32_t)d->features, hi = (uint32_t)(d->features >> 32);
	uint64_t want;
	uint8_t st;

	if (!(fb & 1))
		lo &= ~(1u << VIRTIO_F_INDIRECT_DESC);
	if (!(fb & 2))
		lo &= ~(1u << VIRTIO_F_EVENT_IDX);
	if (fb & 4)
		lo &= 0xff000000u;
	if (fb & 8)
		lo |= 1u << 23; /* no device here offers it */
	if (fb & 16)
		hi &= ~(1u << (VIRTIO_F_VERSION_1 - 32));
	if (fb & 32)
		hi &= ~(1u << (VIRTIO_F_RING_PACKED - 32));
	if (fb & 64) {
		lo = fz32(s);
		hi = fz32(s);
	}
	fz_bw(d, CC_STATUS, 1, 0);
	fz_bw(d, CC_STATUS, 1, VIRTIO_S_ACKNOWLEDGE);
	fz_bw(d, CC_STATUS, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	if (!(fb & 128)) {
		fz_bw(d, CC_GFSELECT, 4, 0);
		fz_bw(d, CC_GF, 4, lo);
		fz_bw(d, CC_GFSELECT, 4, 1);
		fz_bw(d, CC_GF, 4, hi);
	}
	want = d->driver_features;
	st = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER;
	if (!(how & 4)) {
		bool was = d->status & VIRTIO_S_FEATURES_OK;
		bool ok = !(want & ~d->features)
			  && (want >> VIRTIO_F_VERSION_1 & 1);

		fz_bw(d, CC_STATUS, 1, st | VIRTIO_S_FEATURES_OK);
		/* FEATURES_OK sticks only for an acceptable set (2.2.2):
		 * nothing that was not offered, and VERSION_1 (without
		 * RING_PACKED the split layout is used). */
		if (!d->resetting && !was)
			CHECK(!!(vdev_bar_read(d, CC_STATUS, 1)
				 & VIRTIO_S_FEATURES_OK) == ok);
		st |= VIRTIO_S_FEATURES_OK;
	}
	if (how & 2)
		fz_cfg_write(d, d->msix_cap + 2, 2, 0x8000);
	for (unsigned v = 0; how & 32 && v < VDEV_MSIX_VECTORS; v++) {
		uint64_t e = VDEV_MSIX_TABLE_OFF + 16 * v;

		fz_bw(d, e, 8, 0xfee00000u);
		fz_bw(d, e + 8, 4, 0x40 + v);
		fz_bw(d, e + 12, 4, 0);
	}
	fz_bw(d, CC_MSIX_CONFIG, 2, cvec == 0xff ? VIRTIO_NO_VECTOR : cvec);
	for (unsigned i = 0; i < d->nq; i++) {
		uint16_t size = fz16(s);
		uint8_t kinds = fz8(s);
		uint64_t desc = fz_addr(kinds, fz16(s));
		uint64_t drv = fz_addr(kinds >> 2, fz16(s));
		uint64_t dev = fz_addr(kinds >> 4, fz16(s));
		uint8_t vec = fz8(s);

		fz_bw(d, CC_Q_SELECT, 2, i);
		fz_bw(d, CC_Q_SIZE, 2, size);
		fz_bw(d, CC_Q_VECTOR, 2, vec == 0xff ? VIRTIO_NO_VECTOR : vec);
		fz_queue_addr(d, CC_Q_DESC, desc, how & 1);
		fz_queue_addr(d, CC_Q_DRIVER, drv, how & 1);
		fz_queue_addr(d, CC_Q_DEVICE, dev, how & 1);
		if (!(how & 16))
			fz_bw(d, CC_Q_ENABLE, 2, 1);
	}
	if (!(how & 8))
		fz_bw(d, CC_STATUS, 1, st | VIRTIO_S_DRIVER_OK);
}

/* A BAR 0 offset from the input (see the top). */
static inline uint64_t fz_bar_off(struct fz *s)
{
	switch (fz8(s) & 7) {
	case 0:
		return VDEV_COMMON_OFF + fz8(s) % 0x40;
	case 1:
		return VDEV_NOTIFY_OFF + fz8(s) % 0x20;
	case 2:
		return VDEV_ISR_OFF + fz8(s) % 8;
	case 3:
		return VDEV_DEVCFG_OFF + fz8(s);
	case 4:
		return VDEV_MSIX_TABLE_OFF + fz8(s);
	case 5:
		return VDEV_MSIX_PBA_OFF + fz8(s) % 0x10;
	default:
		return fz16(s);
	}
}

static inline void fz_bar_access(struct fz *s, struct vdev *d, bool write)
{
	uint64_t off = fz_bar_off(s);
	unsigned size = fz_size(fz8(s));

	if (write)
		vdev_bar_write(d, off, size, fz64(s));
	else
		(void)vdev_bar_read(d, off, size);
}

/* A PCI configuration access to the device (see the top). */
static inline void fz_cfg_access(struct fz *s, const struct vdev *d,
				 bool write)
{
	static const unsigned len[4] = { 1, 2, 4, 3 };
	uint8_t mode = fz8(s);
	uint32_t off = d->pcicfg_cap + 16;
	unsigned size = 4;

	if (mode < 0xc0) {
		off = fz8(s);
		size = fz_size(fz8(s));
	} else {
		fz_cfg_write(d, d->pcicfg_cap + 12, 4, len[mode & 3]);
		fz_cfg_write(d, d->pcicfg_cap + 8, 4, (uint32_t)fz_bar_off(s));
	}
	if (write)
		fz_cfg_write(d, off, size, fz32(s));
	else
		(void)vpci_cfg_read(&fz_bus, 0, d->pci->slot, 0, off, size);
}

#endif
