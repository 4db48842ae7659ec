/* The virtio PCI transport as a driver uses it, for the host tests of the
 * virtio devices: the helpers bring a struct vdev through the status
 * machine (3.1.1) with vdev_bar_read and vdev_bar_write at the common
 * configuration offsets (4.1.4.3), with queues described by vq_driver.h's
 * struct vqd.  The definitions are in vdev_driver.c, which needs the
 * transport (virtio/virtio_pci.c) in the link. */
#ifndef PLINTH_TEST_VDEV_DRIVER_H
#define PLINTH_TEST_VDEV_DRIVER_H

#include <stdint.h>

#include "tests/support/vq_driver.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_regs.h"

/* --- the transport: struct vdev through its BAR ---------------------- */

/* Common configuration offsets (4.1.4.3, struct virtio_pci_common_cfg;
 * virtio/virtio_regs.h), short */
#define VC_DFSELECT VIRTIO_PCI_COMMON_DFSELECT
#define VC_DF VIRTIO_PCI_COMMON_DF
#define VC_GFSELECT VIRTIO_PCI_COMMON_GFSELECT
#define VC_GF VIRTIO_PCI_COMMON_GF
#define VC_MSIX_CONFIG VIRTIO_PCI_COMMON_MSIX
#define VC_NUM_QUEUES VIRTIO_PCI_COMMON_NUMQ
#define VC_STATUS VIRTIO_PCI_COMMON_STATUS
#define VC_CONFIG_GEN VIRTIO_PCI_COMMON_CFGGEN
#define VC_Q_SELECT VIRTIO_PCI_COMMON_Q_SELECT
#define VC_Q_SIZE VIRTIO_PCI_COMMON_Q_SIZE
#define VC_Q_MSIX VIRTIO_PCI_COMMON_Q_MSIX
#define VC_Q_ENABLE VIRTIO_PCI_COMMON_Q_ENABLE
#define VC_Q_NOTIFY_OFF VIRTIO_PCI_COMMON_Q_NOFF
#define VC_Q_DESC VIRTIO_PCI_COMMON_Q_DESC
#define VC_Q_DRIVER VIRTIO_PCI_COMMON_Q_DRIVER
#define VC_Q_DEVICE VIRTIO_PCI_COMMON_Q_DEVICE

uint64_t vdrv_r(struct vdev *v, uint64_t off, unsigned size);

void vdrv_w(struct vdev *v, uint64_t off, unsigned size, uint64_t val);

uint8_t vdrv_status(struct vdev *v);

/* Writes device_status; returns what it reads back. */
uint8_t vdrv_set_status(struct vdev *v, uint8_t s);

/* The 64 feature bits the device offers. */
uint64_t vdrv_features(struct vdev *v);

/* 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, the features `want`
 * (written as given, offered or not), FEATURES_OK.  Returns the status
 * read back (FEATURES_OK is set only if the device took the features). */
uint8_t vdrv_negotiate(struct vdev *v, uint64_t want);

/* 3.1.1 step 7 for queue qi: size, vector, the three addresses, enable.
 * Returns queue_enable read back. */
unsigned vdrv_setup_queue(struct vdev *v, uint16_t qi, const struct vqd *d);

uint8_t vdrv_driver_ok(struct vdev *v);

/* The whole bring-up: features, queues 0..n-1 from q[], DRIVER_OK.
 * Returns the final status. */
uint8_t vdrv_start(struct vdev *v, uint64_t want, struct vqd *const *q,
		   unsigned n);

/* A notification for queue q (4.1.4.4): the queue index written at the
 * queue's notify address, notify_off * notify_off_multiplier. */
void vdrv_notify(struct vdev *v, uint16_t q);

/* MSI-X on: every table entry gets address 0xfee00000 and data
 * 0x40 + vector and is unmasked; MSI-X Enable in message control. */
void vdrv_msix_on(struct vdev *v);

/* A recording MSI sink: messages per vector (data - 0x40). */
struct msi_rec {
	unsigned total;
	unsigned per_vec[VDEV_MSIX_VECTORS];
	unsigned other;
	uint64_t last_addr;
};

void msi_record(void *ctx, uint64_t addr, uint32_t data);

#endif
