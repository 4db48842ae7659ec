/* The virtio-pci modern transport (virtio 1.2, 4.1) as a driver sees it:
 * the common configuration: features, the status machine and reset,
 * queues and notifications, and interrupts by MSI-X or INTx.
 *
 * The machine of tests/support/virtio_pci_fixture.c: BAR 0 reached through
 * vdev_bar_read/vdev_bar_write and through the MMIO bus, configuration
 * space through the PCI bus (the device in slot 1).  The devices are a
 * virtio-blk over a RAM disk and a virtio-net over a frame port that takes
 * every frame. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/virtio_pci_fixture.h"

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/platform/mmiobus.h"
#include "hv/platform/pci_host.h"
#include "net/frame_port.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_regs.h"

static void device_offers_transport_and_device_features(void)
{
	struct vdev *d = blk();
	uint64_t f = device_features(d);

	CHECK(f & BIT(VIRTIO_F_VERSION_1));
	CHECK(f & BIT(VIRTIO_F_RING_PACKED));
	CHECK(f & BIT(VIRTIO_F_EVENT_IDX));
	CHECK(f & BIT(VIRTIO_F_INDIRECT_DESC));
	CHECK(f & BIT(9));	/* FLUSH */
	CHECK(f & BIT(2));	/* SEG_MAX */
	CHECK(f & BIT(6));	/* BLK_SIZE */
	CHECK(!(f & BIT(5)));	/* not RO: the disk is writable */
	CHECK(!(f & BIT(0)));	/* legacy BARRIER */
	CHECK(!(f & BIT(35)));	/* IN_ORDER is not offered */
	/* Pages past 1 are empty; the select reads back. */
	bw(d, C_DFSELECT, 4, 2);
	CHECK(br(d, C_DFSELECT, 4) == 2);
	CHECK(br(d, C_DF, 4) == 0);
	bw(d, C_DFSELECT, 4, 0xffffffffu);
	CHECK(br(d, C_DF, 4) == 0);
	/* device_feature is read-only. */
	bw(d, C_DFSELECT, 4, 0);
	bw(d, C_DF, 4, 0);
	CHECK(device_features(d) == f);
	done();

	d = net();
	f = device_features(d);
	CHECK(f & BIT(VIRTIO_F_VERSION_1));
	CHECK(f & BIT(VIRTIO_F_RING_PACKED));
	CHECK(f & BIT(VIRTIO_F_EVENT_IDX));
	CHECK(f & BIT(VIRTIO_F_INDIRECT_DESC));
	CHECK(f & BIT(5));	/* MAC */
	CHECK(f & BIT(16));	/* STATUS */
	CHECK(f & BIT(3));	/* MTU */
	CHECK(!(f & BIT(0)));	/* no checksum offload */
	done();
}

/* One refusal: FEATURES_OK does not read back, the driver can see it. */
static void refuses(struct vdev *d, uint64_t f, const char *why)
{
	logstub_last[0] = 0;
	CHECK(negotiate(d, f) == (S_ACK | S_DRV));
	CHECK(!(status(d) & S_FOK));
	if (!strstr(logstub_last, why)) {
		printf("#   log \"%s\" does not say \"%s\"\n", logstub_last, why);
		CHECK(0);
	}
	/* DRIVER_OK does not get through either. */
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK | S_DOK);
	CHECK(!(status(d) & (S_FOK | S_DOK)));
	CHECK(!vdev_running(d));
}

static void feature_negotiation_refuses_what_cannot_work(void)
{
	struct vdev *d = blk();
	uint64_t offered = device_features(d);

	refuses(d, offered | BIT(35), "not offered");
	refuses(d, offered | BIT(0), "not offered");
	refuses(d, MUST | BIT(63), "not offered");
	refuses(d, offered & ~BIT(VIRTIO_F_VERSION_1), "VERSION_1");
	refuses(d, BIT(VIRTIO_F_RING_PACKED), "VERSION_1");
	refuses(d, 0, "VERSION_1");
	/* Without RING_PACKED the driver gets the split layout. */
	CHECK(negotiate(d, offered & ~BIT(VIRTIO_F_RING_PACKED))
	      == (S_ACK | S_DRV | S_FOK));
	CHECK(negotiate(d, BIT(VIRTIO_F_VERSION_1))
	      == (S_ACK | S_DRV | S_FOK));

	/* The minimum and everything offered are both accepted. */
	CHECK(negotiate(d, MUST) == (S_ACK | S_DRV | S_FOK));
	CHECK(driver_features(d) == MUST);
	CHECK(vdev_has(d, VIRTIO_F_VERSION_1) && !vdev_has(d, 9));
	CHECK(negotiate(d, offered) == (S_ACK | S_DRV | S_FOK));
	CHECK(driver_features(d) == offered);
	CHECK(vdev_has(d, 9) && vdev_has(d, VIRTIO_F_EVENT_IDX));

	/* After FEATURES_OK the accepted set is fixed (3.1.1). */
	bw(d, C_GFSELECT, 4, 0);
	bw(d, C_GF, 4, 0);
	bw(d, C_GFSELECT, 4, 1);
	bw(d, C_GF, 4, 0xffffffffu);
	CHECK(driver_features(d) == offered);
	CHECK(vdev_has(d, 9) && !vdev_has(d, 40));
	/* Still fixed once running. */
	setup_queue(d, 0, 64);
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK | S_DOK);
	CHECK(vdev_running(d));
	write_driver_features(d, MUST);
	CHECK(driver_features(d) == offered);
	/* driver_feature pages past 1 read 0 and take nothing. */
	bw(d, C_GFSELECT, 4, 2);
	CHECK(br(d, C_GFSELECT, 4) == 2);
	CHECK(br(d, C_GF, 4) == 0);
	done();

	d = net();
	offered = device_features(d);
	refuses(d, offered | BIT(1), "not offered");
	refuses(d, MUST | BIT(5) | BIT(33), "not offered");
	refuses(d, offered & ~BIT(VIRTIO_F_VERSION_1), "VERSION_1");
	CHECK(negotiate(d, offered & ~BIT(VIRTIO_F_RING_PACKED))
	      == (S_ACK | S_DRV | S_FOK));
	CHECK(negotiate(d, MUST | BIT(5)) == (S_ACK | S_DRV | S_FOK));
	/* Before FEATURES_OK the driver may change its mind. */
	bw(d, C_STATUS, 1, 0);
	bw(d, C_STATUS, 1, S_ACK | S_DRV);
	write_driver_features(d, offered);
	write_driver_features(d, MUST);
	CHECK(driver_features(d) == MUST);
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK);
	CHECK(status(d) == (S_ACK | S_DRV | S_FOK));
	CHECK(!vdev_has(d, 5));
	done();
}

static void status_machine_and_reset(void)
{
	struct vdev *d = blk();

	CHECK(status(d) == 0);
	bw(d, C_STATUS, 1, S_ACK);
	CHECK(status(d) == S_ACK);
	bw(d, C_STATUS, 1, S_ACK | S_DRV);
	CHECK(status(d) == (S_ACK | S_DRV));
	/* DRIVER_OK without FEATURES_OK is not set. */
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_DOK);
	CHECK(status(d) == (S_ACK | S_DRV));
	CHECK(!vdev_running(d));
	/* Bits are cleared only by reset. */
	bw(d, C_STATUS, 1, S_ACK);
	CHECK(status(d) == (S_ACK | S_DRV));
	/* A queue cannot be enabled before FEATURES_OK. */
	setup_queue(d, 0, 64);
	CHECK(br(d, C_QENABLE, 2) == 0);
	/* NEEDS_RESET is the device's to set. */
	bw(d, C_STATUS, 1, S_ACK | S_DRV | VIRTIO_S_NEEDS_RESET);
	CHECK(!(status(d) & VIRTIO_S_NEEDS_RESET));

	CHECK(bring_up(d));
	CHECK(status(d) == (S_ACK | S_DRV | S_FOK | S_DOK));
	bw(d, C_MSIX_CONFIG, 2, 2);
	bw(d, C_QSELECT, 2, 0);
	CHECK(br(d, C_QENABLE, 2) == 1);
	CHECK(br(d, C_QSIZE, 2) == 64);
	CHECK(br(d, C_QDESC, 8) == RING);

	/* Queue fields are fixed while the queue is enabled. */
	bw(d, C_QSIZE, 2, 32);
	bw(d, C_QDESC, 8, 0x40000);
	bw(d, C_QDESC, 4, 0x40000);
	bw(d, C_QDESC + 4, 4, 1);
	bw(d, C_QDRIVER, 8, 0x40000);
	bw(d, C_QDEVICE, 4, 0x40000);
	bw(d, C_QMSIX, 2, 1);
	bw(d, C_QENABLE, 2, 0);
	CHECK(br(d, C_QSIZE, 2) == 64);
	CHECK(br(d, C_QDESC, 8) == RING);
	CHECK(br(d, C_QDESC, 4) == RING);
	CHECK(br(d, C_QDESC + 4, 4) == 0);
	CHECK(br(d, C_QDRIVER, 8) == RING + 0x8000);
	CHECK(br(d, C_QDEVICE, 8) == RING + 0x8100);
	CHECK(br(d, C_QMSIX, 2) == VIRTIO_NO_VECTOR);
	CHECK(br(d, C_QENABLE, 2) == 1);
	CHECK(vdev_running(d));

	/* Writing 0 resets everything the driver set. */
	bw(d, C_STATUS, 1, 0);
	CHECK(status(d) == 0);
	CHECK(!vdev_running(d));
	CHECK(driver_features(d) == 0);
	CHECK(br(d, C_MSIX_CONFIG, 2) == VIRTIO_NO_VECTOR);
	CHECK(br(d, C_QSELECT, 2) == 0);
	CHECK(br(d, C_QENABLE, 2) == 0);
	CHECK(br(d, C_QSIZE, 2) == VQ_MAX_SIZE);
	CHECK(br(d, C_QMSIX, 2) == VIRTIO_NO_VECTOR);
	CHECK(br(d, C_QDESC, 8) == 0);
	CHECK(br(d, C_QDRIVER, 8) == 0);
	CHECK(br(d, C_QDEVICE, 8) == 0);
	CHECK(br(d, VDEV_ISR_OFF, 1) == 0);
	/* The queue fields are writable again. */
	bw(d, C_QSIZE, 2, 32);
	CHECK(br(d, C_QSIZE, 2) == 32);
	/* A queue whose rings are not aligned guest RAM, or of size 0,
	 * does not enable (queue_enable reads 0). */
	CHECK(negotiate(d, MUST) == (S_ACK | S_DRV | S_FOK));
	static const uint64_t bad_desc[] = { RAM_SIZE, RAM_SIZE - 0x100,
					     RING + 8, 0xffffffffffffff00ull,
					     GUEST_PCI_MMIO_BASE };

	for (unsigned i = 0; i < sizeof(bad_desc) / sizeof(bad_desc[0]);
	     i++) {
		bw(d, C_QSIZE, 2, 64);
		bw(d, C_QDESC, 8, bad_desc[i]);
		bw(d, C_QDRIVER, 8, RING + 0x8000);
		bw(d, C_QDEVICE, 8, RING + 0x8100);
		bw(d, C_QENABLE, 2, 1);
		CHECK(br(d, C_QENABLE, 2) == 0);
	}
	bw(d, C_QDESC, 8, RING);
	bw(d, C_QDRIVER, 8, RING + 0x8001);
	bw(d, C_QENABLE, 2, 1);
	CHECK(br(d, C_QENABLE, 2) == 0);
	bw(d, C_QDRIVER, 8, RING + 0x8000);
	bw(d, C_QSIZE, 2, 0);
	bw(d, C_QENABLE, 2, 1);
	CHECK(br(d, C_QENABLE, 2) == 0);
	bw(d, C_QSIZE, 2, 64);
	bw(d, C_QENABLE, 2, 2);	/* only 1 enables */
	CHECK(br(d, C_QENABLE, 2) == 0);
	bw(d, C_QENABLE, 2, 1);
	CHECK(br(d, C_QENABLE, 2) == 1);
	/* And it comes back up. */
	CHECK(bring_up(d));
	/* FAILED sticks and stops the device until reset. */
	bw(d, C_STATUS, 1, status(d) | VIRTIO_S_FAILED);
	CHECK(status(d) & VIRTIO_S_FAILED);
	CHECK(!vdev_running(d));
	bw(d, C_STATUS, 1, 0);
	CHECK(status(d) == 0);
	done();

	/* The same on virtio-net, every queue. */
	d = net();
	CHECK(br(d, C_NUMQ, 2) == 2);
	CHECK(bring_up(d));
	bw(d, C_QSELECT, 2, 1);
	CHECK(br(d, C_QENABLE, 2) == 1);
	bw(d, C_STATUS, 1, 0);
	for (unsigned q = 0; q < 2; q++) {
		bw(d, C_QSELECT, 2, q);
		CHECK(br(d, C_QENABLE, 2) == 0);
		CHECK(br(d, C_QMSIX, 2) == VIRTIO_NO_VECTOR);
	}
	CHECK(status(d) == 0 && driver_features(d) == 0);
	done();
}

static void queue_size_clamps_and_vectors_beyond_the_table_read_no_vector(void)
{
	struct vdev *d = blk();

	CHECK(br(d, C_NUMQ, 2) == 1);
	bw(d, C_QSELECT, 2, 0);
	CHECK(br(d, C_QSIZE, 2) == 256);	/* the maximum, at reset */
	bw(d, C_QSIZE, 2, 257);
	CHECK(br(d, C_QSIZE, 2) == 256);
	bw(d, C_QSIZE, 2, 1024);
	CHECK(br(d, C_QSIZE, 2) == 256);
	bw(d, C_QSIZE, 2, 0xffff);
	CHECK(br(d, C_QSIZE, 2) == 256);
	bw(d, C_QSIZE, 2, 100);	/* packed rings need no power of 2 */
	CHECK(br(d, C_QSIZE, 2) == 100);
	bw(d, C_QSIZE, 2, 256);
	CHECK(br(d, C_QSIZE, 2) == 256);

	for (uint32_t v = 0; v < VDEV_MSIX_VECTORS; v++) {
		bw(d, C_QMSIX, 2, v);
		CHECK(br(d, C_QMSIX, 2) == v);
		bw(d, C_MSIX_CONFIG, 2, v);
		CHECK(br(d, C_MSIX_CONFIG, 2) == v);
	}
	static const uint16_t bad[] = { VDEV_MSIX_VECTORS, 9, 0x7ff, 0x8000,
					0xfffe, 0xffff };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bw(d, C_QMSIX, 2, 3);
		bw(d, C_QMSIX, 2, bad[i]);
		CHECK(br(d, C_QMSIX, 2) == VIRTIO_NO_VECTOR);
		bw(d, C_MSIX_CONFIG, 2, 3);
		bw(d, C_MSIX_CONFIG, 2, bad[i]);
		CHECK(br(d, C_MSIX_CONFIG, 2) == VIRTIO_NO_VECTOR);
	}

	/* A queue_select past num_queues: queue_size reads 0 (4.1.4.3). */
	bw(d, C_QSELECT, 2, 1);
	CHECK(br(d, C_QSELECT, 2) == 1);
	CHECK(br(d, C_QSIZE, 2) == 0);
	bw(d, C_QSIZE, 2, 16);
	bw(d, C_QENABLE, 2, 1);
	CHECK(br(d, C_QSIZE, 2) == 0);
	CHECK(br(d, C_QENABLE, 2) == 0);
	bw(d, C_QSELECT, 2, 0xffff);
	CHECK(br(d, C_QSIZE, 2) == 0);
	bw(d, C_QSELECT, 2, 0);
	CHECK(br(d, C_QSIZE, 2) == 256);
	done();

	d = net();
	for (unsigned q = 0; q < 2; q++) {
		bw(d, C_QSELECT, 2, q);
		bw(d, C_QSIZE, 2, 4096);
		CHECK(br(d, C_QSIZE, 2) == 256);
	}
	bw(d, C_QSELECT, 2, 2);
	CHECK(br(d, C_QSIZE, 2) == 0);
	done();
}

static void notify_on_a_queue_that_cannot_run_is_ignored(void)
{
	struct vdev *d = blk();

	/* Before anything. */
	bw(d, VDEV_NOTIFY_OFF, 2, 0);
	CHECK(d->notifies_ignored == 1);
	/* Queue enabled but no DRIVER_OK yet. */
	CHECK(negotiate(d, MUST) == (S_ACK | S_DRV | S_FOK));
	setup_queue(d, 0, 64);
	CHECK(br(d, C_QENABLE, 2) == 1);
	bw(d, VDEV_NOTIFY_OFF, 2, 0);
	CHECK(d->notifies_ignored == 2);
	CHECK(d->vq[0].st.notifies == 0);
	/* Running: counted as a notification of the queue. */
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK | S_DOK);
	CHECK(vdev_running(d));
	bw(d, VDEV_NOTIFY_OFF, 2, 0);
	CHECK(d->notifies_ignored == 2);
	CHECK(d->vq[0].st.notifies == 1);
	/* The notify offset of a queue blk does not have (index 1, 2,
	 * VDEV_MAX_QUEUES and beyond). */
	bw(d, VDEV_NOTIFY_OFF + 1 * VDEV_NOTIFY_MULT, 2, 1);
	CHECK(d->notifies_ignored == 3);
	bw(d, VDEV_NOTIFY_OFF + 2 * VDEV_NOTIFY_MULT, 2, 2);
	CHECK(d->notifies_ignored == 4);
	bw(d, VDEV_NOTIFY_OFF + VDEV_MAX_QUEUES * VDEV_NOTIFY_MULT, 2,
	   VDEV_MAX_QUEUES);
	CHECK(d->notifies_ignored == 5);
	CHECK(d->vq[0].st.notifies == 1);
	/* After FAILED, notifications are ignored again. */
	bw(d, C_STATUS, 1, status(d) | VIRTIO_S_FAILED);
	bw(d, VDEV_NOTIFY_OFF, 2, 0);
	CHECK(d->notifies_ignored == 6);
	CHECK(d->vq[0].st.notifies == 1);
	done();

	/* virtio-net: queue 1 not enabled while queue 0 runs. */
	d = net();
	CHECK(negotiate(d, MUST) == (S_ACK | S_DRV | S_FOK));
	setup_queue(d, 0, 64);
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK | S_DOK);
	CHECK(vdev_running(d));
	bw(d, VDEV_NOTIFY_OFF + 1 * VDEV_NOTIFY_MULT, 2, 1);
	CHECK(d->notifies_ignored == 1);
	CHECK(d->vq[1].st.notifies == 0);
	bw(d, VDEV_NOTIFY_OFF, 2, 0);
	CHECK(d->notifies_ignored == 1);
	CHECK(d->vq[0].st.notifies == 1);
	bw(d, VDEV_NOTIFY_OFF + 2 * VDEV_NOTIFY_MULT, 2, 2);
	CHECK(d->notifies_ignored == 2);
	bw(d, VDEV_NOTIFY_OFF + 3 * VDEV_NOTIFY_MULT, 4, 3);
	CHECK(d->notifies_ignored == 3);
	/* After a reset, ignored again. */
	bw(d, C_STATUS, 1, 0);
	bw(d, VDEV_NOTIFY_OFF, 2, 0);
	CHECK(d->notifies_ignored == 4);
	CHECK(d->vq[0].st.notifies == 1); /* counters outlive resets */
	done();
}

/* MSI-X table entry `v`, field `f` (0 addr_lo, 4 addr_hi, 8 data,
 * 12 vector control). */
static uint64_t msix_reg(unsigned v, unsigned f)
{
	return VDEV_MSIX_TABLE_OFF + 16 * v + f;
}

static void msix_delivers_unless_masked_and_pending_bits_work(void)
{
	struct vdev *d = blk();
	uint32_t mc = walk().msix_at;
	uint8_t gen;

	CHECK(mc != 0);
	CHECK(bring_up(d));
	/* All entries are masked at reset. */
	for (unsigned v = 0; v < VDEV_MSIX_VECTORS; v++)
		CHECK(br(d, msix_reg(v, 12), 4) & 1);
	/* The driver: MSI-X on, entry 3 programmed and unmasked, the
	 * configuration vector set to it. */
	cw(mc + 2, 2, 0x8000);
	CHECK(cr(mc + 2, 2) == (0x8000 | (VDEV_MSIX_VECTORS - 1)));
	bw(d, msix_reg(3, 0), 4, 0xfee01000);
	bw(d, msix_reg(3, 4), 4, 0);
	bw(d, msix_reg(3, 8), 4, 0x4041);
	CHECK(br(d, msix_reg(3, 0), 8) == 0xfee01000);
	CHECK(br(d, msix_reg(3, 8), 4) == 0x4041);
	bw(d, msix_reg(3, 12), 4, 0);
	CHECK(br(d, msix_reg(3, 12), 4) == 0);
	bw(d, C_MSIX_CONFIG, 2, 3);
	CHECK(br(d, C_MSIX_CONFIG, 2) == 3);

	gen = (uint8_t)br(d, C_CFGGEN, 1);
	vdev_config_changed(d);
	CHECK(irq.msis == 1);
	CHECK(irq.addr == 0xfee01000 && irq.data == 0x4041);
	CHECK(irq.intx_calls == 0 && !irq.level);
	CHECK((uint8_t)br(d, C_CFGGEN, 1) != gen);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 4) == 0);

	/* Entry masked: nothing goes out, the pending bit is set. */
	bw(d, msix_reg(3, 12), 4, 1);
	vdev_config_changed(d);
	CHECK(irq.msis == 1);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 4) == 1u << 3);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 8) == 1u << 3);
	/* The driver moves the message while masked; unmasking delivers
	 * the new one, once, and clears the bit. */
	bw(d, msix_reg(3, 8), 4, 0x4042);
	bw(d, msix_reg(3, 12), 4, 0);
	CHECK(irq.msis == 2);
	CHECK(irq.addr == 0xfee01000 && irq.data == 0x4042);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 4) == 0);
	bw(d, msix_reg(3, 12), 4, 0);
	bw(d, msix_reg(3, 8), 4, 0x4042);
	CHECK(irq.msis == 2);

	/* Function mask: same, through configuration space. */
	cw(mc + 3, 1, 0xc0);	/* enable | function mask */
	vdev_config_changed(d);
	CHECK(irq.msis == 2);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 4) == 1u << 3);
	/* Unmasking the entry does not help while the function is masked. */
	bw(d, msix_reg(3, 12), 4, 0);
	CHECK(irq.msis == 2);
	cw(mc + 3, 1, 0x80);
	CHECK(irq.msis == 3);
	CHECK(irq.data == 0x4042);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 4) == 0);
	cw(mc + 3, 1, 0x80);
	CHECK(irq.msis == 3);

	/* 8-byte table writes: the whole address at once. */
	bw(d, msix_reg(5, 0), 8, 0x00000001fee02000ull);
	bw(d, msix_reg(5, 8), 8, 0x0000000000004055ull); /* data, unmask */
	bw(d, C_MSIX_CONFIG, 2, 5);
	vdev_config_changed(d);
	CHECK(irq.msis == 4);
	CHECK(irq.addr == 0x1fee02000ull && irq.data == 0x4055);

	/* With MSI-X on, NO_VECTOR means no interrupt of any kind. */
	bw(d, C_MSIX_CONFIG, 2, VIRTIO_NO_VECTOR);
	vdev_config_changed(d);
	CHECK(irq.msis == 4);
	CHECK(irq.intx_calls == 0);
	CHECK(br(d, VDEV_MSIX_PBA_OFF, 4) == 0);
	/* Only the mask bit of vector control is writable. */
	bw(d, msix_reg(2, 12), 4, 0xfffffffeu);
	CHECK(br(d, msix_reg(2, 12), 4) == 0);
	/* The table survives a device reset (it is the PCI function's). */
	bw(d, C_STATUS, 1, 0);
	CHECK(br(d, msix_reg(3, 8), 4) == 0x4042);
	/* Before DRIVER_OK no configuration interrupt is sent. */
	bw(d, C_MSIX_CONFIG, 2, 3);
	vdev_config_changed(d);
	CHECK(irq.msis == 4);
	done();
}

static void intx_is_the_fallback_without_msix(void)
{
	struct vdev *d = blk();
	uint32_t mc = walk().msix_at;
	uint8_t isr;

	CHECK(bring_up(d));
	CHECK(!(cr(mc + 2, 2) & 0x8000));
	vdev_config_changed(d);
	CHECK(irq.msis == 0);
	CHECK(irq.intx_calls == 1 && irq.level);
	CHECK(d->intx_level);
	CHECK(cr(PCI_STATUS, 2) & PCI_STATUS_INTX);
	/* Reading the ISR returns the configuration bit and clears it. */
	isr = (uint8_t)br(d, VDEV_ISR_OFF, 1);
	CHECK(isr == 2);
	CHECK(irq.intx_calls == 2 && !irq.level);
	CHECK(!(cr(PCI_STATUS, 2) & PCI_STATUS_INTX));
	CHECK(br(d, VDEV_ISR_OFF, 1) == 0);
	CHECK(irq.intx_calls == 2);

	/* INTx disabled in the command register: the line stays low, the
	 * status bit still shows the interrupt. */
	cw(PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	CHECK(cr(PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE);
	vdev_config_changed(d);
	CHECK(irq.intx_calls == 2 && !irq.level);
	CHECK(cr(PCI_STATUS, 2) & PCI_STATUS_INTX);
	/* Enabling it again raises the line for what is pending. */
	cw(PCI_COMMAND, 2, 0);
	CHECK(irq.intx_calls == 3 && irq.level);
	cw(PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	CHECK(irq.intx_calls == 4 && !irq.level);
	cw(PCI_COMMAND, 2, 0);
	CHECK(irq.intx_calls == 5 && irq.level);
	CHECK(br(d, VDEV_ISR_OFF, 1) == 2);
	CHECK(irq.intx_calls == 6 && !irq.level);

	/* Turning MSI-X on while the line is up drops it. */
	vdev_config_changed(d);
	CHECK(irq.intx_calls == 7 && irq.level);
	cw(mc + 3, 1, 0x80);
	CHECK(irq.intx_calls == 8 && !irq.level);
	CHECK(!(cr(PCI_STATUS, 2) & PCI_STATUS_INTX));
	cw(mc + 3, 1, 0);
	/* Reset clears the ISR and the line. */
	CHECK(irq.intx_calls == 9 && irq.level);
	bw(d, C_STATUS, 1, 0);
	CHECK(irq.intx_calls == 10 && !irq.level);
	CHECK(br(d, VDEV_ISR_OFF, 1) == 0);
	/* Before DRIVER_OK nothing is raised. */
	vdev_config_changed(d);
	CHECK(irq.intx_calls == 10 && !irq.level);
	CHECK(br(d, VDEV_ISR_OFF, 1) == 0);
	done();
}

int main(void)
{
	machine_init();
	RUN(device_offers_transport_and_device_features);
	RUN(feature_negotiation_refuses_what_cannot_work);
	RUN(status_machine_and_reset);
	RUN(queue_size_clamps_and_vectors_beyond_the_table_read_no_vector);
	RUN(notify_on_a_queue_that_cannot_run_is_ignored);
	RUN(msix_delivers_unless_masked_and_pending_bits_work);
	RUN(intx_is_the_fallback_without_msix);
	return CHECK_DONE();
}
