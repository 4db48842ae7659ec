/* The virtio PCI transport as the virtio device tests' driver uses it;
 * what each helper does is in vdev_driver.h. */
#include "tests/support/vdev_driver.h"

uint64_t vdrv_r(struct vdev *v, uint64_t off, unsigned size)
{
	return vdev_bar_read(v, off, size);
}

void vdrv_w(struct vdev *v, uint64_t off, unsigned size, uint64_t val)
{
	vdev_bar_write(v, off, size, val);
}

uint8_t vdrv_status(struct vdev *v)
{
	return (uint8_t)vdrv_r(v, VC_STATUS, 1);
}

uint8_t vdrv_set_status(struct vdev *v, uint8_t s)
{
	vdrv_w(v, VC_STATUS, 1, s);
	return vdrv_status(v);
}

uint64_t vdrv_features(struct vdev *v)
{
	uint64_t f;

	vdrv_w(v, VC_DFSELECT, 4, 0);
	f = (uint32_t)vdrv_r(v, VC_DF, 4);
	vdrv_w(v, VC_DFSELECT, 4, 1);
	f |= (uint64_t)(uint32_t)vdrv_r(v, VC_DF, 4) << 32;
	return f;
}

uint8_t vdrv_negotiate(struct vdev *v, uint64_t want)
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

unsigned vdrv_setup_queue(struct vdev *v, uint16_t qi, const struct vqd *d)
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

uint8_t vdrv_driver_ok(struct vdev *v)
{
	return vdrv_set_status(v, (uint8_t)(vdrv_status(v)
					    | VIRTIO_S_DRIVER_OK));
}

uint8_t vdrv_start(struct vdev *v, uint64_t want, struct vqd *const *q,
		   unsigned n)
{
	if (!(vdrv_negotiate(v, want) & VIRTIO_S_FEATURES_OK))
		return vdrv_status(v);
	for (unsigned i = 0; i < n; i++)
		vdrv_setup_queue(v, (uint16_t)i, q[i]);
	return vdrv_driver_ok(v);
}

void vdrv_notify(struct vdev *v, uint16_t q)
{
	vdrv_w(v, VDEV_NOTIFY_OFF + (uint64_t)VDEV_NOTIFY_MULT * q, 2, q);
}

void vdrv_msix_on(struct vdev *v)
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

void msi_record(void *ctx, uint64_t addr, uint32_t data)
{
	struct msi_rec *r = ctx;

	r->total++;
	r->last_addr = addr;
	if (data >= 0x40 && data < 0x40 + VDEV_MSIX_VECTORS)
		r->per_vec[data - 0x40]++;
	else
		r->other++;
}
