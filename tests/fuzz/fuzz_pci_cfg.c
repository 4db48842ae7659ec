/* libFuzzer target for the guest's PCI configuration space (hv/platform/pci_host.c)
 * with the two virtio functions Plinth gives a guest: whatever the guest
 * writes through CF8/CFC, ECAM or directly, the read-only bits keep their
 * value, absent functions read as all ones, and the MMIO bus maps a BAR
 * exactly where its registers say, only while memory decode is on, never
 * over guest RAM and only inside [GUEST_PCI_MMIO_BASE, GUEST_PCI_MMIO_END).
 * BAR accesses go through mmiobus_find() to the virtio registers.
 *
 *   make build/fuzz/fuzz_pci_cfg   # sources: fuzz_pci_cfg_SRCS
 *   build/fuzz/fuzz_pci_cfg -max_total_time=60
 *
 * Without libFuzzer (gcc), -DFUZZ_REPLAY adds a main() that runs the
 * target over the files named on the command line:
 *
 *   gcc -DFUZZ_REPLAY -fsanitize=address,undefined -I. \
 *       tests/fuzz/fuzz_pci_cfg.c <fuzz_pci_cfg_SRCS> -o fzr
 *   ./fzr crash-1234...
 *
 * The bus: the host bridge in slot 0, virtio-blk (a 16-sector RAM disk)
 * in slot 1 with its BAR at GUEST_PCI_MMIO_BASE, virtio-net in slot 2 at
 * GUEST_PCI_MMIO_BASE + 0x4000.  Guest RAM: fuzz_common.h's two regions,
 * and maybe a third inside the PCI window.  The MMIO and I/O buses are
 * process-wide: CFC-CFF and ECAM are registered once, the devices are
 * removed after each input.
 *
 * Input layout (little-endian):
 *   byte 0      a 64 KiB RAM region inside the PCI window: 0 none,
 *               1 at 0xd0000000, 2 right after the two BARs
 *               (GUEST_PCI_MMIO_BASE + 0x10000), 3 at the window's end
 * then operations, one byte each (mod 10) and their arguments; a
 * function is named by one byte: bits 0-1 slot 0, 1, 2, or 3 for one
 * more byte (its low 5 bits), bit 2 a bus byte follows, bit 3 a function
 * byte follows (low 3 bits), bit 4 a 16-bit offset follows instead of an
 * 8-bit one; sizes are fz_size() of one byte unless said otherwise:
 *   0  configuration write: function, offset, size, value (4)
 *   1  configuration read: function, offset, size
 *   2  CONFIG_ADDRESS: bit 0 of one byte: 4 raw bytes, else enable plus
 *      a function and offset as above
 *   3  CONFIG_DATA read: port 0xCFC + (1 byte & 3), size (1, 2 or 4)
 *   4  CONFIG_DATA write: the same, value (4)
 *   5  ECAM access: function, offset, size (1, 2, 4 or 8), write (bit
 *      0 of one byte), value (8)
 *   6  BAR MMIO access: where (1: 0 an address seen in a BAR, 1 the
 *      window plus 4 bytes, 2 anywhere: 8 bytes, 3 the blk or net BAR)
 *      with index or offset, size (1, 2, 4 or 8), write (bit 0), value
 *   7  a BAR move as an OS does it: device (bit 0: blk or net), how
 *      (1: bit 0 decode off first, bit 1 decode on after, bits 2-4 what:
 *      window + 16K steps (2), the other device's address, a RAM
 *      address, all ones (sizing), 4 raw bytes, high dword raw (4),
 *      high dword 0, both halves raw (8))
 *   8  command register: device (1: 0-2), value (2)
 *   9  a device reset through BAR writes (device_status 0)
 *
 * Invariants checked (abort on violation), after every operation: for
 * both virtio BARs, a mapped BAR is at the address its registers hold,
 * with memory decode on, of its size, aligned, inside the window and off
 * guest RAM, and mmiobus_find finds it there; a BAR with decode on and
 * not mapped was refused a move or holds a size probe; the low BAR bits say 64-bit memory;
 * every address ever seen in a BAR register either finds nothing on the
 * MMIO bus or the device mapped there (or ECAM); bits the guest cannot
 * write keep their value (config header and capabilities; all 4 KiB at
 * the end), but INTx status; reads of absent functions, bad offsets and
 * sizes, and CFC with CONFIG_ADDRESS disabled, are all ones;
 * CONFIG_ADDRESS reads back masked.  After vpci_remove_all no device is
 * left on the MMIO bus.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/platform/iobus.h"
#include "hv/platform/mmiobus.h"
#include "net/frame_port.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"

#include "tests/fuzz/fuzz_vdev.h"

#define MAX_OPS 2048
#define BAR_SIZE VDEV_BAR_SIZE
#define WIN_RAM_SIZE 0x10000ull
#define MAX_SEEN 512

static struct vpci_fn blk_fn, net_fn;
static struct vblk blk;
static struct vnet net;
static struct ramdisk rd;
static struct frame_port port;
static uint8_t *disk, *win_ram;
static struct vpci_fn *fns[3] = { &fz_host_bridge, &blk_fn, &net_fn };
static uint8_t init_cfg[3][VPCI_CFG_SIZE];
static uint64_t seen[MAX_SEEN];
static unsigned nseen;

static int port_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	(void)p;
	(void)sg;
	(void)n;
	(void)len;
	(void)may_hold;
	return FP_OK;
}

static uint32_t all_ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void see(uint64_t a)
{
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == a)
			return;
	if (nseen < MAX_SEEN)
		seen[nseen++] = a;
}

struct where {
	unsigned bus, dev, fn;
	uint32_t off;
};

static struct where where(struct fz *s)
{
	uint8_t b = fz8(s);
	struct where w = { 0, b & 3, 0, 0 };

	if (w.dev == 3)
		w.dev = fz8(s) & 31;
	if (b & 4)
		w.bus = fz8(s);
	if (b & 8)
		w.fn = fz8(s) & 7;
	w.off = b & 16 ? fz16(s) : fz8(s);
	return w;
}

/* The function a configuration access reaches, or NULL. */
static struct vpci_fn *present(const struct where *w, unsigned size)
{
	if (w->bus || w->fn || w->dev > 2 || (size != 1 && size != 2
					       && size != 4)
	    || w->off >= VPCI_CFG_SIZE || w->off % size)
		return NULL;
	return fns[w->dev];
}

static bool over_ram(uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < fz_gm.n; i++)
		if (a < fz_gm.r[i].gpa + fz_gm.r[i].size
		    && fz_gm.r[i].gpa < a + len)
			return true;
	return false;
}

/* Read-only bits, `n` bytes of each function's config space. */
static void check_ro(unsigned n)
{
	for (unsigned f = 0; f < 3; f++)
		for (unsigned i = 0; i < n; i++) {
			uint8_t keep = (uint8_t)~fns[f]->wmask[i];

			if (i == PCI_STATUS)
				keep &= (uint8_t)~PCI_STATUS_INTX;
			CHECK(!((fns[f]->cfg[i] ^ init_cfg[f][i]) & keep));
		}
}

static void check_bar(const struct vdev *d)
{
	const struct vpci_fn *f = d->pci;
	const struct vpci_bar *bar = &f->bar[0];
	uint64_t reg = vpci_bar_addr(f, 0);
	bool decode = f->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY;
	const struct bus_range *r;

	see(reg);
	CHECK((f->cfg[PCI_BAR0] & 0xf) == 0x4);
	CHECK(reg % BAR_SIZE == 0);
	if (bar->mapped) {
		CHECK(decode);
		CHECK(bar->range.base == reg && bar->range.len == BAR_SIZE);
		CHECK(reg >= GUEST_PCI_MMIO_BASE && reg < GUEST_PCI_MMIO_END
		      && BAR_SIZE <= GUEST_PCI_MMIO_END - reg);
		CHECK(!over_ram(reg, BAR_SIZE));
		r = mmiobus_find(reg, 4);
		CHECK(r && r->ctx == d && r->base == reg
		      && r->len == BAR_SIZE);
		CHECK(mmiobus_find(reg + BAR_SIZE - 8, 8) == r);
	} else if (decode) {
		/* Only an address that could not be mapped leaves it so, or
		 * a size probe (all ones) still in a half. */
		CHECK(bar->rollbacks > 0 || bar->sizing);
	}
}

static void check_all(void)
{
	check_bar(&blk.dev);
	check_bar(&net.dev);
	for (unsigned i = 0; i < nseen; i++) {
		const struct bus_range *r = mmiobus_find(seen[i], 1);

		if (!r)
			continue;
		if (r->ctx == &blk.dev || r->ctx == &net.dev) {
			const struct vdev *d = r->ctx;

			CHECK(d->pci->bar[0].mapped
			      && r->base == vpci_bar_addr(d->pci, 0));
		} else {
			CHECK(r->ctx == &fz_bus && r->base == GUEST_ECAM_BASE);
		}
	}
	CHECK(vpci_cf8_read(&fz_bus) == (fz_bus.cf8 & 0x80fffffcu));
	check_ro(0x100);
}

static void cfg_write(struct fz *s)
{
	struct where w = where(s);
	unsigned size = fz_size(fz8(s));

	vpci_cfg_write(&fz_bus, w.bus, w.dev, w.fn, w.off, size, fz32(s));
}

static void cfg_read(struct fz *s)
{
	struct where w = where(s);
	unsigned size = fz_size(fz8(s));
	uint32_t v = vpci_cfg_read(&fz_bus, w.bus, w.dev, w.fn, w.off, size);

	if (!present(&w, size))
		CHECK(v == all_ones(size));
}

static void cf8(struct fz *s)
{
	uint32_t v;

	if (fz8(s) & 1) {
		v = fz32(s);
	} else {
		struct where w = where(s);

		v = 0x80000000u | (w.bus & 0xff) << 16 | w.dev << 11
		    | w.fn << 8 | (w.off & 0xfc);
	}
	vpci_cf8_write(&fz_bus, v);
	CHECK(vpci_cf8_read(&fz_bus) == (v & 0x80fffffcu));
}

static void cfc(struct fz *s, bool write)
{
	static const unsigned sizes[4] = { 1, 2, 4, 4 };
	uint16_t port_no = 0xcfc + (fz8(s) & 3);
	unsigned size = sizes[fz8(s) & 3];
	uint32_t a = vpci_cf8_read(&fz_bus);
	struct where w = { a >> 16 & 0xff, a >> 11 & 0x1f, a >> 8 & 7,
			   (a & 0xfc) + (port_no - 0xcfc) };

	if (write) {
		iobus_out(port_no, size, fz32(s));
	} else {
		uint32_t v = iobus_in(port_no, size);

		if (!(a >> 31) || !present(&w, size))
			CHECK(v == all_ones(size));
	}
}

static void ecam(struct fz *s)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	struct where w = where(s);
	unsigned size = sizes[fz8(s) & 3];
	bool write = fz8(s) & 1;
	uint64_t v = fz64(s);
	uint64_t a = GUEST_ECAM_BASE + ((uint64_t)(w.bus & 0xff) << 20
					| w.dev << 15 | w.fn << 12
					| (w.off & 0xfff));
	const struct bus_range *r = mmiobus_find(a, size);

	if (a + size > GUEST_ECAM_BASE + GUEST_ECAM_SIZE)
		return;
	CHECK(r && r->ctx == &fz_bus);
	if (write) {
		r->write(r->ctx, a, size, v);
	} else {
		uint64_t got = r->read(r->ctx, a, size);

		w.off &= 0xfff;
		if (size == 8)
			CHECK(got == ~0ull);
		else if (!present(&w, size))
			CHECK(got == all_ones(size));
	}
}

static void bar_mmio(struct fz *s)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	uint8_t how = fz8(s);
	uint64_t a;
	unsigned size;
	bool write;
	const struct bus_range *r;

	switch (how & 3) {
	case 0:
		a = seen[fz8(s) % nseen] + (fz16(s) & (BAR_SIZE - 1));
		break;
	case 1:
		a = GUEST_PCI_MMIO_BASE + fz32(s);
		break;
	case 2:
		a = fz64(s);
		break;
	default:
		a = vpci_bar_addr(how & 4 ? &net_fn : &blk_fn, 0)
		    + (fz16(s) & (BAR_SIZE - 1));
		break;
	}
	size = sizes[fz8(s) & 3];
	write = fz8(s) & 1;
	r = mmiobus_find(a, size);
	if (!r)
		return;
	CHECK(a >= r->base && a - r->base < r->len
	      && size <= r->len - (a - r->base));
	if (write)
		r->write(r->ctx, a, size, fz64(s));
	else
		(void)r->read(r->ctx, a, size);
}

static void bar_move(struct fz *s)
{
	struct vdev *d = fz8(s) & 1 ? &net.dev : &blk.dev;
	struct vdev *other = d == &net.dev ? &blk.dev : &net.dev;
	uint8_t how = fz8(s);
	unsigned slot = d->pci->slot;
	uint16_t cmd = (uint16_t)vpci_cfg_read(&fz_bus, 0, slot, 0,
					       PCI_COMMAND, 2);
	uint32_t lo = 0, hi = 0;
	bool set_lo = true, set_hi = false;

	switch (how >> 2 & 7) {
	case 0:
		lo = (uint32_t)(GUEST_PCI_MMIO_BASE + (uint64_t)fz16(s) * BAR_SIZE);
		break;
	case 1:
		lo = (uint32_t)vpci_bar_addr(other->pci, 0);
		break;
	case 2:
		lo = fz8(s) & 1 && win_ram ? (uint32_t)fz_gm.r[fz_gm.n - 1].gpa
					   : 0;
		break;
	case 3:
		lo = 0xffffffffu;
		break;
	case 4:
		lo = fz32(s);
		break;
	case 5:
		set_lo = false;
		set_hi = true;
		hi = fz32(s);
		break;
	case 6:
		set_lo = false;
		set_hi = true;
		hi = 0;
		break;
	default:
		lo = fz32(s);
		hi = fz32(s);
		set_hi = true;
		break;
	}
	if (how & 1)
		vpci_cfg_write(&fz_bus, 0, slot, 0, PCI_COMMAND, 2,
			       cmd & ~PCI_COMMAND_MEMORY);
	if (set_lo) {
		bool off = !(d->pci->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY);

		vpci_cfg_write(&fz_bus, 0, slot, 0, PCI_BAR0, 4, lo);
		if (lo == 0xffffffffu && off)
			/* Sizing: the size shows in the bits that stay 0. */
			CHECK(vpci_cfg_read(&fz_bus, 0, slot, 0, PCI_BAR0, 4)
			      == ((uint32_t)~(BAR_SIZE - 1) | 0x4));
	}
	if (set_hi)
		vpci_cfg_write(&fz_bus, 0, slot, 0, PCI_BAR0 + 4, 4, hi);
	if (how & 2)
		vpci_cfg_write(&fz_bus, 0, slot, 0, PCI_COMMAND, 2,
			       cmd | PCI_COMMAND_MEMORY);
}

static void setup(uint8_t where_ram)
{
	static const uint8_t mac[6] = { 0x02, 0x50, 0x4c, 0x4e, 0x54, 0x01 };
	static const uint64_t at[4] = { 0, 0xd0000000ull,
					GUEST_PCI_MMIO_BASE + 0x10000,
					GUEST_PCI_MMIO_END - WIN_RAM_SIZE };
	static bool attached;

	fz_ram_reset();
	if (where_ram & 3) {
		memset(win_ram, 0, WIN_RAM_SIZE);
		CHECK(!gmem_add(&fz_gm, at[where_ram & 3], WIN_RAM_SIZE,
				win_ram));
	}
	fz_bus_reset();
	if (!attached) {
		/* CFC-CFF and ECAM, for the bus object that stays. */
		CHECK(!vpci_attach(&fz_bus));
		attached = true;
	}
	memset(&blk_fn, 0, sizeof(blk_fn));
	memset(&net_fn, 0, sizeof(net_fn));
	memset(disk, 0, 16 * BLK_SECTOR);
	ramdisk_init(&rd, disk, 16 * BLK_SECTOR, false, "fuzz");
	vblk_init(&blk, &blk_fn, &rd.be, "vda", GUEST_PCI_MMIO_BASE, &fz_gm);
	port = (struct frame_port){ .name = "fuzz", .tx = port_tx };
	vnet_init(&net, &net_fn, &port, mac, 1500, "net0",
		  GUEST_PCI_MMIO_BASE + BAR_SIZE, &fz_gm);
	fz_vdev_attach(&blk.dev, 1);
	/* fz_intx follows one line: virtio-net gets no INTx sink. */
	net.dev.msi = fz_msi;
	net.dev.irq_ctx = &net.dev;
	CHECK(!vpci_add(&fz_bus, 2, &net_fn));
	for (unsigned f = 0; f < 3; f++)
		memcpy(init_cfg[f], fns[f]->cfg, VPCI_CFG_SIZE);
	nseen = 0;
	see(GUEST_PCI_MMIO_BASE);
	see(GUEST_PCI_MMIO_BASE + BAR_SIZE);
	see(GUEST_ECAM_BASE);
	for (unsigned i = 0; i < fz_gm.n; i++)
		see(fz_gm.r[i].gpa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };

	if (!disk) {
		disk = calloc(16, BLK_SECTOR);
		win_ram = calloc(1, WIN_RAM_SIZE);
		if (!disk || !win_ram)
			abort();
	}
	setup(fz8(&s));
	check_all();
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		switch (fz8(&s) % 10) {
		case 0:
			cfg_write(&s);
			break;
		case 1:
			cfg_read(&s);
			break;
		case 2:
			cf8(&s);
			break;
		case 3:
			cfc(&s, false);
			break;
		case 4:
			cfc(&s, true);
			break;
		case 5:
			ecam(&s);
			break;
		case 6:
			bar_mmio(&s);
			break;
		case 7:
			bar_move(&s);
			break;
		case 8: {
			uint8_t dev = fz8(&s) % 3;

			vpci_cfg_write(&fz_bus, 0, dev, 0, PCI_COMMAND, 2,
				       fz16(&s));
			break;
		}
		case 9:
			vdev_bar_write(fz8(&s) & 1 ? &net.dev : &blk.dev,
				       CC_STATUS, 1, 0);
			break;
		}
		check_all();
	}
	check_ro(VPCI_CFG_SIZE);
	vpci_remove_all(&fz_bus);
	for (unsigned i = 0; i < nseen; i++) {
		const struct bus_range *r = mmiobus_find(seen[i], 1);

		CHECK(!r || r->ctx == &fz_bus);
	}
	CHECK(mmiobus_find(GUEST_ECAM_BASE, 4)->ctx == &fz_bus);
	return 0;
}
