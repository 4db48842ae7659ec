/* The machine and driver steps of the virtio-pci transport tests; what
 * each helper does is in virtio_pci_fixture.h. */
#include "tests/support/virtio_pci_fixture.h"

#include "tests/support/check.h"

struct gmem G;
uint8_t *ram, *disk;
struct ramdisk RD;
struct vblk *BLK;
struct vnet *NET;
struct vpci_fn *BF, *NF;
struct vpci_bus BUS;
struct vpci_fn HB;
struct frame_port PORT;
unsigned slot_of_d; /* the slot of the device under test */
struct irq_seen irq;

void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	irq.msis++;
	irq.addr = addr;
	irq.data = data;
}

void on_intx(void *ctx, bool level)
{
	(void)ctx;
	irq.intx_calls++;
	irq.level = level;
}

int port_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
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

void machine_init(void)
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

void fresh_bus(void)
{
	memset(&irq, 0, sizeof(irq));
	memset(ram, 0, RAM_SIZE);
	vpci_init(&BUS, &HB);
	BUS.gm = &G;
}

void sinks(struct vdev *d)
{
	d->msi = on_msi;
	d->intx = on_intx;
	d->irq_ctx = d;
}

struct vdev *blk(void)
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

struct vdev *net_in(unsigned slot)
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

struct vdev *net(void)
{
	fresh_bus();
	slot_of_d = SLOT;
	return net_in(SLOT);
}

void done(void)
{
	vpci_remove_all(&BUS);
}

uint32_t cr(uint32_t off, unsigned size)
{
	return vpci_cfg_read(&BUS, 0, slot_of_d, 0, off, size);
}

void cw(uint32_t off, unsigned size, uint32_t v)
{
	vpci_cfg_write(&BUS, 0, slot_of_d, 0, off, size, v);
}

uint64_t br(struct vdev *d, uint64_t off, unsigned size)
{
	return vdev_bar_read(d, off, size);
}

void bw(struct vdev *d, uint64_t off, unsigned size, uint64_t v)
{
	vdev_bar_write(d, off, size, v);
}

uint8_t status(struct vdev *d)
{
	return (uint8_t)br(d, C_STATUS, 1);
}

uint64_t device_features(struct vdev *d)
{
	uint64_t f;

	bw(d, C_DFSELECT, 4, 0);
	f = br(d, C_DF, 4);
	bw(d, C_DFSELECT, 4, 1);
	f |= br(d, C_DF, 4) << 32;
	return f;
}

void write_driver_features(struct vdev *d, uint64_t f)
{
	bw(d, C_GFSELECT, 4, 0);
	bw(d, C_GF, 4, (uint32_t)f);
	bw(d, C_GFSELECT, 4, 1);
	bw(d, C_GF, 4, f >> 32);
}

uint64_t driver_features(struct vdev *d)
{
	uint64_t f;

	bw(d, C_GFSELECT, 4, 0);
	f = br(d, C_GF, 4);
	bw(d, C_GFSELECT, 4, 1);
	f |= br(d, C_GF, 4) << 32;
	return f;
}

uint8_t negotiate(struct vdev *d, uint64_t f)
{
	bw(d, C_STATUS, 1, 0);
	bw(d, C_STATUS, 1, S_ACK);
	bw(d, C_STATUS, 1, S_ACK | S_DRV);
	write_driver_features(d, f);
	bw(d, C_STATUS, 1, S_ACK | S_DRV | S_FOK);
	return status(d);
}

void setup_queue(struct vdev *d, unsigned q, uint16_t size)
{
	uint64_t base = RING + (uint64_t)q * 0x10000;

	bw(d, C_QSELECT, 2, q);
	bw(d, C_QSIZE, 2, size);
	bw(d, C_QDESC, 8, base);
	bw(d, C_QDRIVER, 8, base + 0x8000);
	bw(d, C_QDEVICE, 8, base + 0x8100);
	bw(d, C_QENABLE, 2, 1);
}

bool bring_up_with(struct vdev *d, uint64_t f)
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

bool bring_up(struct vdev *d)
{
	return bring_up_with(d, MUST | BIT(VIRTIO_F_EVENT_IDX));
}

struct caps walk(void)
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

uint32_t find_vcap(uint8_t type)
{
	unsigned n = 0;

	for (uint32_t at = cr(PCI_CAP_PTR, 1); at && n < 48;
	     at = cr(at + 1, 1), n++)
		if (cr(at, 1) == CAP_VNDR && cr(at + 3, 1) == type)
			return at;
	return 0;
}

void check_capabilities(struct vdev *d)
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
