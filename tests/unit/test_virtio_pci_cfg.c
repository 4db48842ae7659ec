/* The virtio-pci modern transport (virtio 1.2, 4.1) as a driver sees it:
 * the PCI identity and capability list, any access at any offset and
 * size, the PCI configuration access capability, and BAR moves.
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

/* --- tests ----------------------------------------------------------- */

static void check_identity(uint16_t device, uint8_t class)
{
	CHECK(cr(0x00, 2) == VIRTIO_VENDOR);
	CHECK(cr(0x02, 2) == device);
	CHECK(cr(0x08, 1) >= 1);	/* revision: modern */
	CHECK(cr(0x0b, 1) == class);
	CHECK(cr(0x0e, 1) == 0);	/* header type 0 */
	CHECK(cr(0x2c, 2) == VIRTIO_VENDOR);
	CHECK(cr(0x2e, 2) >= 0x40);	/* 4.1.2.1 */
	CHECK(cr(PCI_INTERRUPT_PIN, 1) == 1);
	/* The ids are read-only. */
	cw(0x00, 4, 0);
	cw(0x2c, 4, 0);
	cw(0x08, 4, 0);
	cw(PCI_INTERRUPT_PIN, 1, 0);
	CHECK(cr(0x00, 4) == ((uint32_t)device << 16 | VIRTIO_VENDOR));
	CHECK(cr(0x2e, 2) >= 0x40);
	CHECK(cr(0x08, 1) >= 1);
	CHECK(cr(PCI_INTERRUPT_PIN, 1) == 1);
	/* The interrupt line is firmware's scratch register. */
	cw(PCI_INTERRUPT_LINE, 1, 11);
	CHECK(cr(PCI_INTERRUPT_LINE, 1) == 11);
}

static void pci_identity_is_a_modern_virtio_device(void)
{
	blk();
	check_identity(0x1042, 0x01);
	done();
	net();
	check_identity(0x1041, 0x02);
	done();
}

static void capability_walk_finds_each_virtio_structure_once(void)
{
	struct vdev *d = blk();

	check_capabilities(d);
	done();
	d = net();
	check_capabilities(d);
	done();
}

/* xorshift64*, fixed seed: the same accesses every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* keep_status: leave device_status alone so that the device keeps
 * running and notifications reach the device model. */
static void fuzz_bar(struct vdev *d, bool keep_status)
{
	static const unsigned sizes[] = { 1, 2, 4, 8, 3, 0, 16 };

	for (uint64_t off = 0; off < VDEV_BAR_SIZE + 16; off++)
		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]);
		     i++) {
			br(d, off, sizes[i]);
			if (keep_status && off <= C_STATUS
			    && off + sizes[i] > C_STATUS)
				continue;
			bw(d, off, sizes[i], rnd());
		}
	/* Far away offsets are ignored too. */
	br(d, ~0ull, 1);
	bw(d, ~0ull - 3, 4, rnd());
	bw(d, 1ull << 40, 8, rnd());
}

static void fuzz_cfg(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	for (uint32_t off = 0; off < VPCI_CFG_SIZE; off++)
		for (unsigned i = 0; i < 3; i++) {
			cr(off, sizes[i]);
			cw(off, sizes[i], (uint32_t)rnd());
		}
}

/* Sizes 3 and 8 (and 0) are refused: reads are all ones, writes change
 * nothing. */
static void odd_sizes_refused(struct vpci_fn *f)
{
	static uint8_t before[VPCI_CFG_SIZE];
	static const unsigned sizes[] = { 3, 8, 0 };
	bool same = true;

	for (uint32_t off = 0; off < VPCI_CFG_SIZE + 8; off++)
		for (unsigned i = 0; i < 3; i++) {
			uint32_t v = cr(off, sizes[i]);

			if (sizes[i] == 3 && v != 0xffffffu) {
				same = false;
				break;
			}
			if (sizes[i] == 8 && v != 0xffffffffu) {
				same = false;
				break;
			}
			memcpy(before, f->cfg, sizeof(before));
			cw(off, sizes[i], (uint32_t)rnd());
			if (memcmp(before, f->cfg, sizeof(before))) {
				printf("#   size %u write at 0x%x changed "
				       "config space\n", sizes[i], off);
				same = false;
				break;
			}
		}
	CHECK(same);
}

/* After any of that the device is reset by writing 0 and works. */
static void still_works(struct vdev *d)
{
	uint32_t pc;

	/* Put back what the driver may write in config space: the PCI
	 * configuration access window. */
	cw(PCI_COMMAND, 2, 0);
	pc = find_vcap(5);
	CHECK(pc != 0);
	if (pc) {
		cw(pc + 4, 1, 0);
		cw(pc + 8, 4, 0);
		cw(pc + 12, 4, 0);
	}
	cw(PCI_BAR0, 4, (uint32_t)d->pci->bar[0].good);
	cw(PCI_BAR0 + 4, 4, (uint32_t)(d->pci->bar[0].good >> 32));
	bw(d, C_STATUS, 1, 0);
	CHECK(status(d) == 0);
	CHECK(driver_features(d) == 0);
	CHECK(!vdev_running(d));
	memset(ram, 0, RAM_SIZE);
	CHECK(bring_up(d));
	check_capabilities(d);
	CHECK(cr(0x00, 2) == VIRTIO_VENDOR);
	CHECK(cr(0x02, 2) == 0x1040u + d->type);
	/* And it answers on the bus once decoding. */
	cw(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	const struct bus_range *r = mmiobus_find(d->pci->bar[0].good + 0x14,
						  1);

	CHECK(r && r->ctx == d);
	if (r)
		CHECK(r->read(r->ctx, d->pci->bar[0].good + C_STATUS, 1)
		      == 0x0f);
	bw(d, C_STATUS, 1, 0);
}

/* With the device running (features f) and the rings full of garbage:
 * notifications reach the device model. */
static void fuzz_running(struct vdev *d, uint64_t f)
{
	CHECK(bring_up_with(d, f));
	for (uint32_t i = 0; i < RAM_SIZE; i += 8) {
		uint64_t v = rnd();

		memcpy(ram + i, &v, 8);
	}
	/* Queue counters are cumulative: count this pass's. */
	uint64_t before = 0, after = 0;

	for (unsigned q = 0; q < d->nq; q++)
		before += d->vq[q].st.notifies;
	fuzz_bar(d, true);
	/* Garbage rings may stall a queue: the device then says it needs a
	 * reset (2.1.2) and stops until it gets one. */
	bool stalled = false;

	for (unsigned q = 0; q < d->nq; q++)
		stalled |= d->vq[q].stalled;
	CHECK(stalled == !!(d->status & VIRTIO_S_NEEDS_RESET));
	CHECK(vdev_running(d) == !stalled);
	for (unsigned q = 0; q < d->nq; q++)
		bw(d, VDEV_NOTIFY_OFF + q * VDEV_NOTIFY_MULT, 2, q);
	for (unsigned q = 0; q < d->nq; q++)
		after += d->vq[q].st.notifies;
	CHECK(stalled || after - before > d->nq);
	fuzz_cfg();
	still_works(d);
}

static void fuzz(struct vdev *d, struct vpci_fn *f)
{
	fuzz_cfg();
	odd_sizes_refused(f);
	fuzz_bar(d, false);
	fuzz_cfg();
	still_works(d);
	/* Packed rings, with and without EVENT_IDX and INDIRECT_DESC; then
	 * the split layout a driver without RING_PACKED gets. */
	fuzz_running(d, MUST | BIT(VIRTIO_F_EVENT_IDX)
				| BIT(VIRTIO_F_INDIRECT_DESC));
	fuzz_running(d, MUST);
	fuzz_running(d, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_EVENT_IDX)
				| BIT(VIRTIO_F_INDIRECT_DESC));
	fuzz_running(d, BIT(VIRTIO_F_VERSION_1));
}

static void any_offset_and_size_is_safe(void)
{
	struct vdev *d = blk();

	fuzz(d, BF);
	done();
	d = net();
	fuzz(d, NF);
	done();
}

static void pci_cfg_access_capability_reaches_bar0(void)
{
	struct vdev *d = blk();
	uint32_t pc = walk().at_type[5];

	CHECK(pc != 0);
	if (!pc) {
		done();
		return;
	}
	bw(d, C_STATUS, 1, S_ACK | S_DRV);
	/* cap.bar = 0, cap.offset = device_status, cap.length = 1. */
	cw(pc + 4, 1, 0);
	cw(pc + 8, 4, C_STATUS);
	cw(pc + 12, 4, 1);
	CHECK(cr(pc + 4, 1) == 0 && cr(pc + 8, 4) == C_STATUS
	      && cr(pc + 12, 4) == 1);
	CHECK((cr(pc + 16, 4) & 0xff) == br(d, C_STATUS, 1));
	CHECK(cr(pc + 16, 1) == (S_ACK | S_DRV));
	/* A write through it changes the status. */
	cw(pc + 16, 4, S_ACK | S_DRV | VIRTIO_S_FAILED);
	CHECK(status(d) == (S_ACK | S_DRV | VIRTIO_S_FAILED));
	CHECK(cr(pc + 16, 1) == (S_ACK | S_DRV | VIRTIO_S_FAILED));
	cw(pc + 16, 1, 0);	/* reset */
	CHECK(status(d) == 0);
	/* 4 bytes: device_feature page 1; 2 bytes: num_queues. */
	bw(d, C_DFSELECT, 4, 1);
	cw(pc + 8, 4, C_DF);
	cw(pc + 12, 4, 4);
	CHECK(cr(pc + 16, 4) == br(d, C_DF, 4));
	CHECK(cr(pc + 16, 4) & 1);	/* VERSION_1 */
	cw(pc + 8, 4, C_NUMQ);
	cw(pc + 12, 4, 2);
	CHECK(cr(pc + 16, 4) == 1);
	/* Device configuration: capacity in sectors. */
	cw(pc + 8, 4, VDEV_DEVCFG_OFF);
	cw(pc + 12, 4, 4);
	CHECK(cr(pc + 16, 4) == DISK_SIZE / 512);
	/* MSI-X table through it. */
	cw(pc + 8, 4, VDEV_MSIX_TABLE_OFF + 8);
	cw(pc + 16, 4, 0x1234);
	CHECK(br(d, VDEV_MSIX_TABLE_OFF + 8, 4) == 0x1234);

	/* Refused: length 3, 0 or 8; an offset beyond the BAR; an offset
	 * not aligned to the length; another BAR. */
	bw(d, C_STATUS, 1, S_ACK);
	static const struct {
		uint8_t bar;
		uint32_t off, len;
	} bad[] = { { 0, C_STATUS, 3 },	      { 0, C_STATUS, 0 },
		    { 0, C_STATUS, 8 },	      { 0, VDEV_BAR_SIZE, 1 },
		    { 0, VDEV_BAR_SIZE + C_STATUS, 1 },
		    { 0, 0xfffffffcu, 4 },    { 0, 0xffffffffu, 1 },
		    { 0, C_STATUS + 1, 2 },   { 0, C_STATUS + 2, 4 }, 
		    { 1, C_STATUS, 1 },	      { 0xff, C_STATUS, 1 } };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cw(pc + 4, 1, bad[i].bar);
		cw(pc + 8, 4, bad[i].off);
		cw(pc + 12, 4, bad[i].len);
		cw(pc + 16, 4, 0);
		cw(pc + 16, 1, 0);
		CHECK(status(d) == S_ACK);
		cr(pc + 16, 4);
	}
	/* A refused read does not reach the ISR (reading would clear it). */
	CHECK(bring_up(d));
	vdev_config_changed(d);
	CHECK(irq.level);
	cw(pc + 4, 1, 0);
	cw(pc + 8, 4, VDEV_ISR_OFF);
	cw(pc + 12, 4, 3);
	cr(pc + 16, 4);
	CHECK(irq.level);
	cw(pc + 4, 1, 1);
	cw(pc + 12, 4, 1);
	cr(pc + 16, 1);
	CHECK(irq.level);
	/* A good one does, and clears it. */
	cw(pc + 4, 1, 0);
	CHECK(cr(pc + 16, 1) == 2);
	CHECK(!irq.level);
	done();
}

/* A read of the device's BAR through the MMIO bus at `addr`, or
 * 0xdeadbeef when nothing of d's is mapped there. */
static uint64_t mmio_rd(struct vdev *d, uint64_t addr, unsigned size)
{
	const struct bus_range *r = mmiobus_find(addr, size);

	if (!r || r->ctx != d)
		return 0xdeadbeef;
	return r->read(r->ctx, addr, size);
}

static void mmio_wr(struct vdev *d, uint64_t addr, unsigned size, uint64_t v)
{
	const struct bus_range *r = mmiobus_find(addr, size);

	if (r && r->ctx == d)
		r->write(r->ctx, addr, size, v);
}

static void bar_rollback_keeps_the_device_answering(void)
{
	struct vdev *d = blk();
	struct vdev *n = net_in(SLOT_NET);

	/* Not decoding: nothing there. */
	CHECK(mmio_rd(d, BAR_BLK + C_NUMQ, 2) == 0xdeadbeef);
	cw(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	vpci_cfg_write(&BUS, 0, SLOT_NET, 0, PCI_COMMAND, 2,
		       PCI_COMMAND_MEMORY);
	CHECK(mmio_rd(d, BAR_BLK + C_NUMQ, 2) == 1);
	CHECK(mmio_rd(n, BAR_NET + C_NUMQ, 2) == 2);
	mmio_wr(d, BAR_BLK + C_STATUS, 1, S_ACK);
	CHECK(status(d) == S_ACK);
	CHECK(mmio_rd(d, BAR_BLK + C_STATUS, 1) == S_ACK);

	/* Over guest RAM: refused, still at BAR_BLK. */
	cw(PCI_BAR0, 4, 0x1000000);
	CHECK(cr(PCI_BAR0, 4) == ((uint32_t)BAR_BLK | 4));
	CHECK(cr(PCI_BAR0 + 4, 4) == 0);
	CHECK(d->pci->bar[0].rollbacks == 1);
	CHECK(mmio_rd(d, BAR_BLK + C_STATUS, 1) == S_ACK);
	CHECK(mmiobus_find(0x1000000 + C_STATUS, 1) == NULL);
	/* Above the window. */
	cw(PCI_BAR0 + 4, 4, 1);
	CHECK(cr(PCI_BAR0, 4) == ((uint32_t)BAR_BLK | 4));
	CHECK(cr(PCI_BAR0 + 4, 4) == 0);
	CHECK(d->pci->bar[0].rollbacks == 2);
	CHECK(mmio_rd(d, BAR_BLK + C_NUMQ, 2) == 1);
	/* Over virtio-net's BAR: refused, each still answers its own. */
	cw(PCI_BAR0, 4, (uint32_t)BAR_NET);
	CHECK(cr(PCI_BAR0, 4) == ((uint32_t)BAR_BLK | 4));
	CHECK(d->pci->bar[0].rollbacks == 3);
	CHECK(mmio_rd(d, BAR_BLK + C_NUMQ, 2) == 1);
	CHECK(mmio_rd(n, BAR_NET + C_NUMQ, 2) == 2);
	/* Written with decode off, refused on enable. */
	cw(PCI_COMMAND, 2, 0);
	CHECK(mmio_rd(d, BAR_BLK + C_NUMQ, 2) == 0xdeadbeef);
	cw(PCI_BAR0, 4, 0x2000);
	cw(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(cr(PCI_BAR0, 4) == ((uint32_t)BAR_BLK | 4));
	CHECK(d->pci->bar[0].rollbacks == 4);
	CHECK(mmio_rd(d, BAR_BLK + C_STATUS, 1) == S_ACK);
	/* Registers at the end of the BAR answer (the PBA), past it not. */
	CHECK(mmio_rd(d, BAR_BLK + VDEV_MSIX_PBA_OFF, 4) == 0);
	CHECK(mmiobus_find(BAR_BLK + VDEV_BAR_SIZE, 1) == NULL);
	/* A good move: the device follows, offsets stay relative. */
	uint64_t to = BAR_BLK + 0x40000;

	cw(PCI_BAR0, 4, (uint32_t)to);
	CHECK(cr(PCI_BAR0, 4) == ((uint32_t)to | 4));
	CHECK(d->pci->bar[0].rollbacks == 4);
	CHECK(mmio_rd(d, BAR_BLK + C_NUMQ, 2) == 0xdeadbeef);
	CHECK(mmio_rd(d, to + C_NUMQ, 2) == 1);
	CHECK(mmio_rd(d, to + C_STATUS, 1) == S_ACK);
	mmio_wr(d, to + C_STATUS, 1, S_ACK | S_DRV);
	CHECK(status(d) == (S_ACK | S_DRV));
	/* And a bad one after it goes back to the new place. */
	cw(PCI_BAR0, 4, (uint32_t)GUEST_ECAM_BASE);
	CHECK(cr(PCI_BAR0, 4) == ((uint32_t)to | 4));
	CHECK(mmio_rd(d, to + C_STATUS, 1) == (S_ACK | S_DRV));
	CHECK(mmio_rd(n, BAR_NET + C_NUMQ, 2) == 2);
	done();
	CHECK(mmiobus_find(to, 1) == NULL);
	CHECK(mmiobus_find(BAR_NET, 1) == NULL);
}

int main(void)
{
	machine_init();
	RUN(pci_identity_is_a_modern_virtio_device);
	RUN(capability_walk_finds_each_virtio_structure_once);
	RUN(pci_cfg_access_capability_reaches_bar0);
	RUN(bar_rollback_keeps_the_device_answering);
	RUN(any_offset_and_size_is_safe);
	return CHECK_DONE();
}
