/* The virtio-pci modern transport (virtio 1.2, 4.1): one PCI function
 * whose 64-bit memory BAR 0 holds the common configuration, notify area,
 * ISR, device configuration and the MSI-X table and PBA; the capability
 * list names them, plus the PCI configuration access capability.
 *
 * The device model (virtio-blk, virtio-net) supplies a struct vdev_ops;
 * the platform supplies interrupt sinks (MSI messages and the INTx line).
 * Nothing here knows about the CPU. */
#ifndef PLINTH_VIRTIO_PCI_H
#define PLINTH_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/platform/pci_host.h"
#include "virtio/virtq.h"

struct gmem;

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_ID_NET 1 /* PCI device 0x1040 + id (4.1.2) */
#define VIRTIO_ID_BLOCK 2

/* Device status (2.1) */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER 2
#define VIRTIO_S_DRIVER_OK 4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 64
#define VIRTIO_S_FAILED 128

/* Reserved feature bits (6) */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_RING_PACKED 34

#define VIRTIO_NO_VECTOR 0xffff
#define VDEV_MAX_QUEUES 4
#define VDEV_MSIX_VECTORS 8

/* BAR 0 layout */
#define VDEV_BAR_SIZE 0x4000
#define VDEV_COMMON_OFF 0x0000
#define VDEV_COMMON_LEN 0x0038
#define VDEV_ISR_OFF 0x0100
#define VDEV_DEVCFG_OFF 0x0200
#define VDEV_DEVCFG_LEN 0x0100
#define VDEV_NOTIFY_OFF 0x1000
#define VDEV_NOTIFY_MULT 4
#define VDEV_MSIX_TABLE_OFF 0x2000
#define VDEV_MSIX_PBA_OFF 0x3000

struct vdev;

struct vdev_ops {
	/* The driver wrote 0 to device_status: forget every request (ones
	 * a backend still holds must never touch the rings again). */
	void (*reset)(struct vdev *d);
	/* Requests still held by a backend; the reset completes (status
	 * reads 0) only once this is 0. */
	unsigned (*in_flight)(struct vdev *d);
	/* The driver notified queue q (enabled, DRIVER_OK). */
	void (*notify)(struct vdev *d, unsigned q);
	/* DRIVER_OK was set: queues may start. */
	void (*driver_ok)(struct vdev *d);
	/* Device-specific configuration; off + size <= VDEV_DEVCFG_LEN. */
	uint32_t (*cfg_read)(struct vdev *d, uint32_t off, unsigned size);
	void (*cfg_write)(struct vdev *d, uint32_t off, unsigned size,
			  uint32_t v);
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl; /* ctrl bit 0: masked */
};

struct vdev {
	const char *name;
	uint16_t type; /* VIRTIO_ID_* */
	const struct vdev_ops *ops;
	void *model; /* the device model's state */
	const struct gmem *gm;
	struct vpci_fn *pci;

	uint64_t features;	  /* offered */
	uint64_t driver_features; /* accepted by the driver */
	uint32_t dfselect, gfselect;
	uint8_t status;
	uint8_t config_gen;
	bool resetting; /* 0 was written; waiting for backends */
	uint16_t queue_sel;
	uint16_t nq;
	struct virtq vq[VDEV_MAX_QUEUES];
	uint16_t config_vector;
	uint8_t isr;
	bool intx_level;

	struct msix_entry msix[VDEV_MSIX_VECTORS];
	uint32_t pba;
	uint32_t msix_cap, pcicfg_cap;

	/* Interrupt sinks from the platform. */
	void (*msi)(void *ctx, uint64_t addr, uint32_t data);
	void (*intx)(void *ctx, bool level);
	void *irq_ctx;

	uint64_t notifies_ignored; /* on queues that cannot run */
	uint64_t activity_logged; /* requests + stalls at the last reset line */
	/* The guest's VM exits so far, for the reset lines: exits per
	 * request between two resets is a benchmark figure.  May be NULL. */
	const uint64_t *vm_exits;
	uint64_t config_irqs;
};

/* Sets up the function `f` (zeroed by the caller) as a
 * modern virtio device with `nq` queues of up to `qmax` entries and
 * device features `features`, its BAR at `bar_addr`.  Transport features
 * (VERSION_1, RING_PACKED, EVENT_IDX, INDIRECT_DESC) are added here. */
void vdev_init(struct vdev *d, struct vpci_fn *f, uint16_t type,
	       const char *name, const struct vdev_ops *ops, void *model,
	       uint64_t features, uint16_t nq, uint16_t qmax, uint64_t bar_addr,
	       const struct gmem *gm);

/* BAR 0 access at offset `off` (what the MMIO bus calls). */
uint64_t vdev_bar_read(struct vdev *d, uint64_t off, unsigned size);
void vdev_bar_write(struct vdev *d, uint64_t off, unsigned size, uint64_t v);

/* Feature `bit` is negotiated. */
bool vdev_has(const struct vdev *d, unsigned bit);
/* DRIVER_OK is set and no reset or failure is pending. */
bool vdev_running(const struct vdev *d);
/* After pushes on q: interrupts the driver if it wants one. */
void vdev_queue_interrupt(struct vdev *d, struct virtq *q);
/* Device configuration changed (link status): generation and interrupt. */
void vdev_config_changed(struct vdev *d);
/* A backend finished its last request after a reset: completes it. */
void vdev_reset_progress(struct vdev *d);
/* An I/O core polls this device's queues (vdev_poll): its driver is
 * told not to notify but while the I/O core naps (vdev_poll_pause).  Call
 * after vdev_init. */
void vdev_set_polled(struct vdev *d);
/* The I/O core's look at every queue: what a notify would start, for the
 * queues that can run (not counted as notifies).  True if a queue took a
 * request. */
bool vdev_poll(struct vdev *d);
/* The I/O core is about to sleep: the driver is asked to notify again on
 * each running queue it fills with requests (not a receive queue), and
 * each is looked at once more after that (the order in which the driver
 * adds, then reads the suppression: 2.8.21.3.1 and 2.7.10.1).  True if
 * a request is already there: the I/O core must not sleep.  Either way
 * vdev_poll_resume() follows. */
bool vdev_poll_pause(struct vdev *d);
/* The I/O core polls again: notifications off. */
void vdev_poll_resume(struct vdev *d);
/* One log line per queue with its counters. */
void vdev_print_stats(const struct vdev *d);

#endif
