/* The virtio-pci modern transport (virtio 1.2, 4.1) as a driver sees it:
 * BAR 0 through vdev_bar_read/vdev_bar_write and through the MMIO bus,
 * configuration space through the PCI bus (the device in slot 1).  The
 * devices are a virtio-blk over a RAM disk and a virtio-net over a frame
 * port that takes every frame. */
#include "check.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/base/log.h"
#include "hv/platform/mmiobus.h"
#include "hv/platform/pci_host.h"
#include "net/frame_port.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"

static char last_log[512];
static unsigned log_lines;

void log_msg(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(last_log, sizeof(last_log), f, ap);
	va_end(ap);
	log_lines++;
}

/* --- common configuration layout (4.1.4.3) --------------------------- */

#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX_CONFIG 0x10
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_CFGGEN 0x15
#define C_QSELECT 0x16
#define C_QSIZE 0x18
#define C_QMSIX 0x1a
#define C_QENABLE 0x1c
#define C_QNOTIFY_OFF 0x1e
#define C_QDESC 0x20
#define C_QDRIVER 0x28
#define C_QDEVICE 0x30

#define S_ACK VIRTIO_S_ACKNOWLEDGE
#define S_DRV VIRTIO_S_DRIVER
#define S_FOK VIRTIO_S_FEATURES_OK
#define S_DOK VIRTIO_S_DRIVER_OK

#define BIT(n) (1ull << (n))
#define MUST (BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_RING_PACKED))

#define CAP_VNDR 0x09
#define CAP_MSIX 0x11

/* --- the machine ----------------------------------------------------- */

#define RAM_SIZE (1u << 20)
#define DISK_SIZE (1u << 20)
#define BAR_BLK (GUEST_PCI_MMIO_BASE + 0x100000)
#define BAR_NET (GUEST_PCI_MMIO_BASE + 0x200000)
#define SLOT 1
#define SLOT_NET 2
/* Where bring_up() puts the rings: queue q at RING + q * 0x10000. */
#define RING 0x10000

static struct gmem G;
static uint8_t *ram, *disk;
static struct ramdisk RD;
static struct vblk *BLK;
static struct vnet *NET;
static struct vpci_fn *BF, *NF;
static struct vpci_bus BUS;
static struct vpci_fn HB;
static struct frame_port PORT;
static unsigned slot_of_d; /* the slot of the device under test */

static struct {
	unsigned msis, intx_calls;
	uint64_t addr;
	uint32_t data;
	bool level;
	unsigned frames;
} irq;

static void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	irq.msis++;
	irq.addr = addr;
	irq.data = data;
}

static void on_intx(void *ctx, bool level)
{
	(void)ctx;
	irq.intx_calls++;
	irq.level = level;
}

static int port_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	(void)p;
	(void)sg;
	(void)n;
	(void)len;
	(void)may_hold;
	irq.frames++;
	return FP_OK;
}

static void machine_init(void)
{
	ram = calloc(1, RAM_SIZE);
	disk = calloc(1, DISK_SIZE);
	BLK = calloc(1, sizeof(*BLK));
	NET = calloc(1, sizeof(*NET));
	BF = calloc(1, sizeof(*BF));
	NF = calloc(1, sizeof(*NF));
	if (!ram || !disk || !BLK || !NET || !BF || !NF) {
		printf("not ok - out of memory\n");
		exit(1);
	}
	gmem_init(&G);
	gmem_add(&G, 0, RAM_SIZE, ram);
}

/* An empty bus (host bridge only), zeroed RAM, no interrupts seen. */
static void fresh_bus(void)
{
	memset(&irq, 0, sizeof(irq));
	memset(ram, 0, RAM_SIZE);
	vpci_init(&BUS, &HB);
	BUS.gm = &G;
}

static void sinks(struct vdev *d)
{
	d->msi = on_msi;
	d->intx = on_intx;
	d->irq_ctx = d;
}

/* A fresh virtio-blk alone on a fresh bus, in slot 1 (memory decode off:
 * nothing mapped). */
static struct vdev *blk(void)
{
	fresh_bus();
	memset(BF, 0, sizeof(*BF));
	ramdisk_init(&RD, disk, DISK_SIZE, false, "rd0");
	vblk_init(BLK, BF, &RD.be, "vda", BAR_BLK, &G);
	sinks(&BLK->dev);
	CHECK(vpci_add(&BUS, SLOT, BF) == 0);
	slot_of_d = SLOT;
	return &BLK->dev;
}

/* A fresh virtio-net added to the bus as it is, in `slot`. */
static struct vdev *net_in(unsigned slot)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(NF, 0, sizeof(*NF));
	memset(&PORT, 0, sizeof(PORT));
	PORT.name = "port0";
	PORT.link_up = true;
	PORT.tx = port_tx;
	vnet_init(NET, NF, &PORT, mac, 1500, "net0", BAR_NET, &G);
	sinks(&NET->dev);
	CHECK(vpci_add(&BUS, slot, NF) == 0);
	return &NET->dev;
}

/* A fresh virtio-net alone on a fresh bus, in slot 1. */
static struct vdev *net(void)
{
	fresh_bus();
	slot_of_d = SLOT;
	return net_in(SLOT);
}

/* Every test ends here: the MMIO bus is process-wide. */
static void done(void)
{
	vpci_remove_all(&BUS);
}

static uint32_t cr(uint32_t off, unsigned size)
{
	return vpci_cfg_read(&BUS, 0, slot_of_d, 0, off, size);
}

static void cw(uint32_t off, unsigned size, uint32_t v)
{
	vpci_cfg_write(&BUS, 0, slot_of_d, 0, off, size, v);
}

static uint64_t br(struct vdev *d, uint64_t off, unsigned size)
{
	return vdev_bar_read(d, off, size);
}

static void bw(struct vdev *d, uint64_t off, unsigned size, uint64_t v)
{
	vdev_bar_write(d, off, size, v);
}

static uint8_t status(struct vdev *d)
{
	return (uint8_t)br(d, C_STATUS, 1);
}

static uint64_t device_features(struct vdev *d)
{
	uint64_t f;

	bw(d, C_DFSELECT, 4, 0);
	f = br(d, C_DF, 4);
	bw(d, C_DFSELECT, 4, 1);
	f |= br(d, C_DF, 4) << 32;
	return f;
}

static void write_driver_features(struct vdev *d, uint64_t f)
{
	bw(d, C_GFSELECT, 4, 0);
	bw(d, C_GF, 4, (uint32_t)f);
	bw(d, C_GFSELECT, 4, 1);
	bw(d, C_GF, 4, f >> 32);
}

static uint64_t driver_features(struct vdev *d)
{
	uint64_t f;

	bw(d, C_GFSELECT, 4, 0);
	f = br(d, C_GF, 4);
	bw(d, C_GFSELECT, 4, 1);
	f |= br(d, C_GF, 4) << 32;
	return f;
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (3.1.1); returns
 * the status read back. */
static uint8_t negotiate(struct vdev *d, uint64_t f)
{
	bw(d, C_STATUS, 1, 0);
	bw(d, C_STATUS, 1, S_ACK);
	bw(d, C_STATUS, 1, S_ACK | S_DRV);
	write_driver_features(d, f);
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK);
	return status(d);
}

/* Programs queue q with rings in guest RAM and enables it. */
static void setup_queue(struct vdev *d, unsigned q, uint16_t size)
{
	uint64_t base = RING + (uint64_t)q * 0x10000;

	bw(d, C_QSELECT, 2, q);
	bw(d, C_QSIZE, 2, size);
	bw(d, C_QDESC, 8, base);
	bw(d, C_QDRIVER, 8, base + 0x8000);
	bw(d, C_QDEVICE, 8, base + 0x8100);
	bw(d, C_QENABLE, 2, 1);
}

/* The whole driver initialisation (3.1.1) with every queue and features
 * f; true if the device ends up running. */
static bool bring_up_with(struct vdev *d, uint64_t f)
{
	if (negotiate(d, f) != (S_ACK | S_DRV | S_FOK))
		return false;
	for (unsigned q = 0; q < br(d, C_NUMQ, 2); q++) {
		setup_queue(d, q, 64);
		if (br(d, C_QENABLE, 2) != 1)
			return false;
	}
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK | S_DOK);
	return status(d) == (S_ACK | S_DRV | S_FOK | S_DOK) && vdev_running(d);
}

static bool bring_up(struct vdev *d)
{
	return bring_up_with(d, MUST | BIT(VIRTIO_F_EVENT_IDX));
}

/* --- the capability list --------------------------------------------- */

struct caps {
	bool well_formed;
	unsigned n;		/* capabilities in the list */
	unsigned of_type[8];	/* virtio vendor capabilities by cfg_type */
	uint32_t at_type[8];	/* where the (last) one of each type is */
	unsigned msix;
	uint32_t msix_at;
	bool bars_ok;		/* every structure inside BAR 0 */
};

static struct caps walk(void)
{
	struct caps c;
	bool seen[256] = { false };
	uint32_t at;

	memset(&c, 0, sizeof(c));
	c.bars_ok = true;
	if (!(cr(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return c;
	for (at = cr(PCI_CAP_PTR, 1); at; at = cr(at + 1, 1)) {
		if (at & 3 || at < 0x40 || at > 0xfc || seen[at]) {
			printf("#   bad capability pointer 0x%x\n", at);
			return c;
		}
		seen[at] = true;
		c.n++;
		uint8_t id = (uint8_t)cr(at, 1);

		if (id == CAP_VNDR) {
			uint8_t type = (uint8_t)cr(at + 3, 1);
			uint64_t off = cr(at + 8, 4), len = cr(at + 12, 4);

			if (cr(at + 2, 1) < 16 || type >= 8) {
				printf("#   bad virtio cap at 0x%x\n", at);
				return c;
			}
			c.of_type[type]++;
			c.at_type[type] = at;
			if (cr(at + 4, 1) != 0 || off + len > VDEV_BAR_SIZE) {
				printf("#   cap type %u outside BAR 0\n", type);
				c.bars_ok = false;
			}
		} else if (id == CAP_MSIX) {
			c.msix++;
			c.msix_at = at;
		}
	}
	c.well_formed = true;
	return c;
}

/* The first virtio capability of cfg_type `type`, whatever it says. */
static uint32_t find_vcap(uint8_t type)
{
	unsigned n = 0;

	for (uint32_t at = cr(PCI_CAP_PTR, 1); at && n < 48;
	     at = cr(at + 1, 1), n++)
		if (cr(at, 1) == CAP_VNDR && cr(at + 3, 1) == type)
			return at;
	return 0;
}

/* virtio 1.2, 4.1.4 */
static void check_capabilities(struct vdev *d)
{
	struct caps c = walk();

	CHECK(c.well_formed);
	CHECK(c.bars_ok);
	for (unsigned t = 1; t <= 5; t++) {
		if (c.of_type[t] != 1)
			printf("#   %u capabilities of type %u\n", c.of_type[t],
			       t);
		CHECK(c.of_type[t] == 1);
	}
	CHECK(c.of_type[0] == 0 && c.of_type[6] == 0 && c.of_type[7] == 0);
	CHECK(c.msix == 1);
	CHECK(c.n == 6);

	/* Common: the whole struct virtio_pci_common_cfg. */
	uint32_t at = c.at_type[1];

	CHECK(cr(at + 12, 4) >= 0x38);
	/* Notify: an even multiplier, and every queue's notify address
	 * inside the structure (4.1.4.4). */
	at = c.at_type[2];
	uint32_t mult = cr(at + 16, 4), noff = cr(at + 8, 4),
		 nlen = cr(at + 12, 4);

	CHECK(cr(at + 2, 1) >= 20);
	CHECK(mult == VDEV_NOTIFY_MULT);
	CHECK(mult % 2 == 0);
	CHECK(noff == VDEV_NOTIFY_OFF);
	for (unsigned q = 0; q < br(d, C_NUMQ, 2); q++) {
		bw(d, C_QSELECT, 2, q);
		CHECK(br(d, C_QNOTIFY_OFF, 2) * mult + 2 <= nlen);
	}
	bw(d, C_QSELECT, 2, 0);
	/* ISR: at least a byte; device config: something. */
	CHECK(cr(c.at_type[3] + 12, 4) >= 1);
	CHECK(cr(c.at_type[3] + 8, 4) == VDEV_ISR_OFF);
	CHECK(cr(c.at_type[4] + 12, 4) >= 1);
	CHECK(cr(c.at_type[4] + 8, 4) == VDEV_DEVCFG_OFF);
	/* PCI configuration access: struct virtio_pci_cfg_cap. */
	CHECK(cr(c.at_type[5] + 2, 1) >= 20);
	/* MSI-X: VDEV_MSIX_VECTORS entries, table and PBA in BAR 0 (BIR 0)
	 * and inside it, not over the virtio structures. */
	at = c.msix_at;
	uint32_t ctrl = cr(at + 2, 2), tbl = cr(at + 4, 4), pba = cr(at + 8, 4);
	uint32_t n = (ctrl & 0x7ff) + 1;

	CHECK(n == VDEV_MSIX_VECTORS);
	CHECK((tbl & 7) == 0 && (pba & 7) == 0);
	CHECK((tbl & ~7u) == VDEV_MSIX_TABLE_OFF);
	CHECK((pba & ~7u) == VDEV_MSIX_PBA_OFF);
	CHECK((uint64_t)(tbl & ~7u) + 16 * n <= VDEV_BAR_SIZE);
	CHECK((uint64_t)(pba & ~7u) + 8 * ((n + 63) / 64) <= VDEV_BAR_SIZE);
	CHECK((tbl & ~7u) >= noff + nlen); /* past the notify area */
	CHECK((pba & ~7u) >= (tbl & ~7u) + 16 * n);
	/* BAR 0 itself: a 64-bit memory BAR. */
	CHECK((cr(PCI_BAR0, 4) & 0x7) == 0x4);
}

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
	const struct mmio_range *r = mmiobus_find(d->pci->bar[0].good + 0x14,
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
	CHECK(vdev_running(d));
	for (unsigned q = 0; q < d->nq; q++)
		bw(d, VDEV_NOTIFY_OFF + q * VDEV_NOTIFY_MULT, 2, q);
	for (unsigned q = 0; q < d->nq; q++)
		after += d->vq[q].st.notifies;
	CHECK(after - before > d->nq);
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
	last_log[0] = 0;
	CHECK(negotiate(d, f) == (S_ACK | S_DRV));
	CHECK(!(status(d) & S_FOK));
	if (!strstr(last_log, why)) {
		printf("#   log \"%s\" does not say \"%s\"\n", last_log, why);
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
	const struct mmio_range *r = mmiobus_find(addr, size);

	if (!r || r->ctx != d)
		return 0xdeadbeef;
	return r->read(r->ctx, addr, size);
}

static void mmio_wr(struct vdev *d, uint64_t addr, unsigned size, uint64_t v)
{
	const struct mmio_range *r = mmiobus_find(addr, size);

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
	RUN(device_offers_transport_and_device_features);
	RUN(feature_negotiation_refuses_what_cannot_work);
	RUN(status_machine_and_reset);
	RUN(queue_size_clamps_and_vectors_beyond_the_table_read_no_vector);
	RUN(notify_on_a_queue_that_cannot_run_is_ignored);
	RUN(msix_delivers_unless_masked_and_pending_bits_work);
	RUN(intx_is_the_fallback_without_msix);
	RUN(pci_cfg_access_capability_reaches_bar0);
	RUN(bar_rollback_keeps_the_device_answering);
	RUN(any_offset_and_size_is_safe);
	return CHECK_DONE();
}
