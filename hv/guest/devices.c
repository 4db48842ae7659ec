/* The guest's devices: the table, and the wiring composed from it. */
#include "hv/guest/devices.h"

#include <string.h>

#include "hv/base/log.h"
#include "hv/base/pool.h"
#include "hv/base/stats.h"
#include "hv/guest/acpi_build.h"
#include "hv/guest/layout.h"
#include "hv/platform/iobus.h"
#include "hv/platform/mmiobus.h"
#include "hv/platform/pci_host.h"

/* The virtio functions' BARs: where the firmware would put them, one
 * after the other at the start of the PCI window. */
#define BLK_BAR GUEST_PCI_MMIO_BASE
#define NET_BAR (GUEST_PCI_MMIO_BASE + VDEV_BAR_SIZE)

static uint64_t blk_poll(uint64_t now_ns);
static uint64_t legacy_poll(uint64_t now_ns);

/* Slots 1 and 2 raise the GSIs the DSDT's _PRT gives their INTA#; ISA
 * IRQ 4 (COM1) is GSI 4 and IRQ 0 (the PIT) GSI 2, by the MADT's
 * interrupt source override.  The PM block, the PCI host and the legacy
 * chips register their windows themselves (several each); the windows
 * here are the ones they take. */
static const struct guest_dev table[DEV_COUNT] = {
	[DEV_COM1] = { .name = "com1",
		       .type = "16550 UART",
		       .pci_slot = -1,
		       .gsi = 4,
		       .port = 0x3f8,
		       .nports = 8 },
	[DEV_RTC] = { .name = "rtc",
		      .type = "MC146818 RTC",
		      .pci_slot = -1,
		      .gsi = -1,
		      .port = 0x70,
		      .nports = 2 },
	[DEV_PCI_CF8] = { .name = "pci-address/reset",
			  .type = "PCI CONFIG_ADDRESS, reset control",
			  .pci_slot = -1,
			  .gsi = -1,
			  .port = 0xcf8,
			  .nports = 4 },
	[DEV_PCI_HOST] = { .name = "pci-host",
			   .type = "PCI host bridge (ECAM, 0xCFC)",
			   .pci_slot = 0,
			   .gsi = -1,
			   .port = 0xcfc,
			   .nports = 4,
			   .mmio = GUEST_ECAM_BASE,
			   .mmio_len = GUEST_ECAM_SIZE },
	[DEV_PM] = { .name = "acpi-pm",
		     .type = "ACPI PM block",
		     .pci_slot = -1,
		     .gsi = GUEST_SCI_IRQ,
		     .port = GUEST_PM_BASE,
		     .nports = 12 },
	[DEV_LEGACY] = { .name = "legacy",
			 .type = "PIC, PIT, port 61, 8042, absent chips",
			 .pci_slot = -1,
			 .gsi = 2,
			 .poll = legacy_poll },
	[DEV_LAPIC] = { .name = "lapic",
			.type = "local APIC",
			.pci_slot = -1,
			.gsi = -1,
			.mmio = GUEST_LAPIC_BASE,
			.mmio_len = 0x1000 },
	[DEV_IOAPIC] = { .name = "ioapic",
			 .type = "I/O APIC",
			 .pci_slot = -1,
			 .gsi = -1,
			 .mmio = GUEST_IOAPIC_BASE,
			 .mmio_len = 0x1000 },
	[DEV_BLK] = { .name = "vda",
		      .type = "virtio-blk",
		      .pci_slot = 1,
		      .gsi = ACPI_PCI_INTX_GSI(1, 0),
		      .mmio = BLK_BAR,
		      .mmio_len = VDEV_BAR_SIZE,
		      .poll = blk_poll,
		      .counters = &vblk_counters,
		      .io_side = true },
	[DEV_NET] = { .name = "net0",
		      .type = "virtio-net",
		      .pci_slot = 2,
		      .gsi = ACPI_PCI_INTX_GSI(2, 0),
		      .mmio = NET_BAR,
		      .mmio_len = VDEV_BAR_SIZE,
		      .counters = &vnet_counters },
};

static struct guest_dev_setup cfg;
static struct guest_platform plat;
static struct vpci_bus pci;
static struct vpci_fn host_bridge;
static struct vpci_fn *blk_fn, *net_fn;
static struct frame_port no_nic;
/* The poll hooks of the devices present, gathered from the table at each
 * reset: guest_devices_poll() runs after every port and MMIO exit, and a
 * walk of the whole table there cost 95 Bochs instructions an exit. */
static uint64_t (*pollers[DEV_COUNT])(uint64_t now_ns);
static unsigned npollers;

const struct guest_dev *guest_dev(enum guest_dev_id id)
{
	return id < DEV_COUNT ? &table[id] : NULL;
}

bool guest_dev_present(enum guest_dev_id id)
{
	return id < DEV_COUNT && (id != DEV_BLK || plat.blk);
}

static void raise_gsi(enum guest_dev_id id, bool level)
{
	vioapic_set_irq(&plat.ioapic, (unsigned)table[id].gsi, level);
}

static void com1_irq(void *ctx, bool level)
{
	(void)ctx;
	raise_gsi(DEV_COM1, level);
}

static void pit_irq0(void *ctx)
{
	(void)ctx;
	/* An edge is a pulse. */
	raise_gsi(DEV_LEGACY, true);
	raise_gsi(DEV_LEGACY, false);
}

/* On the vCPU's core that made the EOI, with or without the platform
 * lock held (an MMIO EOI runs without it: the LAPIC range is per-CPU). */
static void lapic_eoi_level(void *ctx, uint8_t vector)
{
	bool taken = false;

	(void)ctx;
	if (plat.shared)
		taken = spin_lock(&plat.lock);
	vioapic_eoi(&plat.ioapic, vector);
	if (plat.shared)
		spin_unlock(&plat.lock, taken);
}

static void intx(void *ctx, bool level)
{
	raise_gsi((enum guest_dev_id)(uintptr_t)ctx, level);
}

/* An MSI (PCI 3.0, 6.8.1.3; SDM 11.11), to the LAPICs its address
 * names (apic_bus.h decodes and checks it). */
static void msi_deliver(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	apic_bus_msi(&plat.apic_bus, addr, data);
}

/* With an I/O core, the virtio functions' interrupts are raised on the
 * vCPU's core, which owns the LAPIC and IOAPIC models. */
static void intx_there(void *ctx, uint64_t level, uint32_t unused)
{
	(void)unused;
	intx(ctx, level != 0);
}

static void msi_post(void *ctx, uint64_t addr, uint32_t data)
{
	cfg.post_irq(msi_deliver, ctx, addr, data);
}

static void intx_post(void *ctx, bool level)
{
	cfg.post_irq(intx_there, ctx, level, 0);
}

static uint64_t com1_in(void *ctx, uint64_t port, unsigned size)
{
	(void)size;
	return vuart_read(ctx, (uint16_t)(port - table[DEV_COM1].port));
}

static void com1_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	(void)size;
	vuart_write(ctx, (uint16_t)(port - table[DEV_COM1].port), (uint8_t)v);
}

static uint64_t rtc_in(void *ctx, uint64_t port, unsigned size)
{
	(void)size;
	return vrtc_read(ctx, (uint16_t)port);
}

static void rtc_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	(void)size;
	vrtc_write(ctx, (uint16_t)port, (uint8_t)v);
}

/* Port 0xCF8-0xCFB: dwords are PCI CONFIG_ADDRESS, the byte at 0xCF9 is
 * the reset control register. */
static uint64_t cf8_in(void *ctx, uint64_t port, unsigned size)
{
	(void)ctx;
	if (port == 0xcf8 && size == 4)
		return vpci_cf8_read(&pci);
	return port == GUEST_RESET_PORT && size == 1 ? 0 : iobus_all_ones(size);
}

static void cf8_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	(void)ctx;
	if (port == 0xcf8 && size == 4)
		vpci_cf8_write(&pci, (uint32_t)v);
	else if (port == GUEST_RESET_PORT && size == 1)
		vpm_reset_write(&plat.pm, (uint8_t)v);
}

/* The I/O APIC takes 32-bit accesses only (as the LAPIC, SDM 11.4.1);
 * others are dropped and read as 0. */
static uint64_t ioapic_mmio_read(void *ctx, uint64_t addr, unsigned size)
{
	return size == 4 ? vioapic_read(ctx, (uint32_t)(addr & 0xff)) : 0;
}

static void ioapic_mmio_write(void *ctx, uint64_t addr, unsigned size,
			      uint64_t v)
{
	if (size == 4)
		vioapic_write(ctx, (uint32_t)(addr & 0xff), (uint32_t)v);
}

/* The table's port and MMIO windows for the devices whose handlers live
 * here; the PM block, the PCI host and the legacy chips register their
 * own (several windows each). */
static int attach_ranges(void)
{
	static const struct {
		enum guest_dev_id id;
		void *ctx;
		uint64_t (*read)(void *, uint64_t, unsigned);
		void (*write)(void *, uint64_t, unsigned, uint64_t);
		bool timeless; /* bus.h: the UART and CF8 keep no time */
	} ports[] = {
		{ DEV_COM1, &plat.com1, com1_in, com1_out, true },
		{ DEV_RTC, &plat.rtc, rtc_in, rtc_out, false },
		{ DEV_PCI_CF8, NULL, cf8_in, cf8_out, true },
	}, mmio[] = {
		/* Each vCPU's exits reach its own LAPIC (hv/run/vcpu.c): the
		 * range only keeps the page from anything else. */
		{ DEV_LAPIC, NULL, NULL, NULL, false },
		{ DEV_IOAPIC, &plat.ioapic, ioapic_mmio_read, ioapic_mmio_write,
		  false },
	};

	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		const struct guest_dev *d = &table[ports[i].id];
		struct bus_range r = {
			.base = d->port,
			.len = d->nports,
			.name = d->name,
			.ctx = ports[i].ctx,
			.read = ports[i].read,
			.write = ports[i].write,
			.timeless = ports[i].timeless,
		};

		if (iobus_register(&r)) {
			log_msg("guest: cannot register %s", d->name);
			return -1;
		}
	}
	for (unsigned i = 0; i < sizeof(mmio) / sizeof(mmio[0]); i++) {
		const struct guest_dev *d = &table[mmio[i].id];
		struct bus_range r = {
			.base = d->mmio,
			.len = d->mmio_len,
			.name = d->name,
			.ctx = mmio[i].ctx,
			.read = mmio[i].read,
			.write = mmio[i].write,
		};
		if (mmiobus_register(&r)) {
			log_msg("guest: cannot register %s", d->name);
			return -1;
		}
	}
	return 0;
}

#define PAGES(x) ((sizeof(x) + 4095) / 4096)

int guest_devices_attach(void)
{
	if (attach_ranges())
		return -1;
	if (vpm_attach(&plat.pm) || vpci_attach(&pci)
	    || vlegacy_attach(&plat.legacy)) {
		log_msg("guest: cannot register the PM block, PCI or the "
			"legacy chips");
		return -1;
	}
	return 0;
}

int guest_devices_alloc(const struct guest_dev_setup *s)
{
	cfg = *s;
	/* The virtio devices' state and config-space arrays come from the
	 * pool, not from the image. */
	net_fn = pool_pages(PAGES(*net_fn), 1);
	plat.net = pool_pages(PAGES(*plat.net), 1);
	if (!net_fn || !plat.net)
		return -1;
	if (!cfg.disk)
		return 0;
	blk_fn = pool_pages(PAGES(*blk_fn), 1);
	plat.blk = pool_pages(PAGES(*plat.blk), 1);
	return blk_fn && plat.blk ? 0 : -1;
}

/* Without a NIC virtio-net's link is down and what the guest sends is
 * counted and dropped. */
static int no_nic_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		     uint32_t len, bool may_hold)
{
	(void)p;
	(void)sg;
	(void)n;
	(void)len;
	(void)may_hold;
	return FP_OK;
}

static void add_virtio(struct vdev *d, enum guest_dev_id id)
{
	const struct guest_dev *t = &table[id];

	/* virtio_ring = split: drivers that see no RING_PACKED use the
	 * split layout. */
	if (cfg.virtio_split)
		d->features &= ~(1ull << VIRTIO_F_RING_PACKED);
	d->msi = cfg.post_irq ? msi_post : msi_deliver;
	d->intx = cfg.post_irq ? intx_post : intx;
	d->irq_ctx = (void *)(uintptr_t)id;
	if (cfg.post_irq)
		vdev_set_polled(d);
	d->vm_exits = cfg.vm_exits;
	/* What firmware leaves in Interrupt Line: the GSI the _PRT names. */
	d->pci->cfg[PCI_INTERRUPT_LINE] = (uint8_t)t->gsi;
	if (vpci_add(&pci, (unsigned)t->pci_slot, d->pci))
		log_msg("guest: PCI slot %u taken; %s not added",
			(unsigned)t->pci_slot, d->name);
	for (unsigned i = 0; i < d->nq; i++)
		stats_add(&vq_counters, &d->vq[i].st, t->name,
			  "device=\"%s\",queue=\"%u\"", t->name, i);
}

/* Fresh virtio devices at their firmware addresses.  The RAM disk's
 * contents survive a guest restart, like a disk's. */
static void reset_virtio(void)
{
	if (plat.blk) {
		memset(blk_fn, 0, sizeof(*blk_fn));
		vblk_init(plat.blk, blk_fn, cfg.disk, table[DEV_BLK].name,
			  table[DEV_BLK].mmio, cfg.gm);
		add_virtio(&plat.blk->dev, DEV_BLK);
		stats_add(table[DEV_BLK].counters, &plat.blk->st,
			  table[DEV_BLK].name, "device=\"%s\"",
			  table[DEV_BLK].name);
	}
	memset(net_fn, 0, sizeof(*net_fn));
	no_nic = (struct frame_port){ .name = "none", .tx = no_nic_tx };
	vnet_init(plat.net, net_fn, cfg.nic ? cfg.nic : &no_nic, cfg.net_mac,
		  1500, table[DEV_NET].name, table[DEV_NET].mmio, cfg.gm);
	add_virtio(&plat.net->dev, DEV_NET);
	stats_add(table[DEV_NET].counters, &plat.net->st, table[DEV_NET].name,
		  "device=\"%s\"", table[DEV_NET].name);
}

struct guest_platform *guest_devices_reset(void)
{
	vlapic_init(&plat.lapic, cfg.tsc_now);
	plat.lapic.eoi_level = lapic_eoi_level;
	apic_bus_init(&plat.apic_bus);
	apic_bus_add(&plat.apic_bus, &plat.lapic); /* APIC ID 0 */
	stats_add(&apic_counters, &plat.apic_bus, "interrupts", "%s", "");
	vioapic_init(&plat.ioapic, 1, &plat.apic_bus); /* id 1: the MADT's */
	vrtc_init(&plat.rtc, cfg.host_rtc);
	vuart_init(&plat.com1, cfg.console_tx, NULL);
	vlegacy_init(&plat.legacy, cfg.clock_ns);
	plat.legacy.irq0 = pit_irq0;
	vpci_remove_all(&pci);
	vpci_init(&pci, &host_bridge);
	pci.gm = cfg.gm;
	reset_virtio();
	plat.com1.irq = com1_irq;
	vpm_init(&plat.pm, cfg.clock_ns);
	iobus_reset_counts();
	npollers = 0;
	for (unsigned i = 0; i < DEV_COUNT; i++)
		if (table[i].poll && guest_dev_present(i)
		    && !(table[i].io_side && cfg.post_irq))
			pollers[npollers++] = table[i].poll;
	return &plat;
}

/* A disk with requests out, or requests left in the ring by a pass that
 * reached its bound, is polled often: that is what the guest waits for. */
#define DISK_POLL_NS 50000ull /* 50 us */

static uint64_t blk_poll(uint64_t now_ns)
{
	if (!plat.blk || !vblk_busy(plat.blk))
		return 0;
	vblk_poll(plat.blk);
	return vblk_busy(plat.blk) ? now_ns + DISK_POLL_NS : 0;
}

/* The 8042's reset line goes to the PM block's reset; the PIT's next
 * edge is the chips' next event. */
static uint64_t legacy_poll(uint64_t now_ns)
{
	if (plat.legacy.reset_requested) {
		plat.legacy.reset_requested = false;
		vpm_reset_write(&plat.pm, 0x06);
	}
	return vlegacy_tick(&plat.legacy, now_ns);
}

uint64_t guest_devices_poll(uint64_t now_ns)
{
	uint64_t due = 0;

	for (unsigned i = 0; i < npollers; i++) {
		uint64_t t = pollers[i](now_ns);

		if (t && (!due || t < due))
			due = t;
	}
	return due;
}

/* The virtio functions the I/O core polls: the disk, if there is one,
 * then the network.  NULL past the last. */
static struct vdev *io_vdev(unsigned i)
{
	if (plat.blk && i-- == 0)
		return &plat.blk->dev;
	return i == 0 ? &plat.net->dev : NULL;
}

bool guest_devices_poll_io(uint64_t now_ns)
{
	bool work = false;
	struct vdev *d;

	/* A hook that wants to be polled again still has work out. */
	for (unsigned i = 0; i < DEV_COUNT; i++)
		if (table[i].poll && table[i].io_side && guest_dev_present(i)
		    && table[i].poll(now_ns))
			work = true;
	for (unsigned i = 0; (d = io_vdev(i)); i++)
		if (vdev_poll(d))
			work = true;
	return work;
}

bool guest_devices_io_pause(void)
{
	bool waiting = false;
	struct vdev *d;

	/* Every device's notifications on, before any answer counts. */
	for (unsigned i = 0; (d = io_vdev(i)); i++)
		if (vdev_poll_pause(d))
			waiting = true;
	return waiting;
}

void guest_devices_io_resume(void)
{
	struct vdev *d;

	for (unsigned i = 0; (d = io_vdev(i)); i++)
		vdev_poll_resume(d);
}
