#include "hv/platform/pci_host.h"

#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/platform/iobus.h"
#include "hv/base/log.h"
#include "hv/platform/mmiobus.h"
#include "hv/base/range.h"

void vpci_init(struct vpci_bus *b, struct vpci_fn *hb)
{
	memset(b, 0, sizeof(*b));
	memset(hb, 0, sizeof(*hb));
	/* An Intel Q35 (82G33) host bridge: class 06.00.00, no BARs. */
	put_le16(hb->cfg + 0x00, 0x8086);
	put_le16(hb->cfg + 0x02, 0x29c0);
	put_le16(hb->cfg + 0x04, 0x0006); /* memory and bus-master decode on */
	hb->cfg[0x0b] = 0x06;
	hb->wmask[0x04] = 0x06;
	b->slot[0] = hb;
	b->win_base = GUEST_PCI_MMIO_BASE;
	b->win_end = GUEST_PCI_MMIO_END;
}

uint64_t vpci_bar_addr(const struct vpci_fn *f, unsigned idx)
{
	const uint8_t *r = f->cfg + PCI_BAR0 + 4 * idx;
	uint64_t a = get_le32(r) & ~0xfull;

	if (idx + 1 < VPCI_BARS && f->bar[idx].is64)
		a |= (uint64_t)get_le32(r + 4) << 32;
	return a;
}

static void set_bar_reg(struct vpci_fn *f, unsigned idx, uint64_t a)
{
	uint8_t *r = f->cfg + PCI_BAR0 + 4 * idx;

	put_le32(r, (uint32_t)a | (get_le32(r) & 0xf));
	if (f->bar[idx].is64)
		put_le32(r + 4, (uint32_t)(a >> 32));
}

void vpci_bar_init(struct vpci_fn *f, unsigned idx, uint64_t size, bool is64,
		   uint64_t addr, const struct bus_range *r)
{
	struct vpci_bar *bar;

	if (idx >= VPCI_BARS || (is64 && idx + 1 >= VPCI_BARS) || size < 4096
	    || (size & (size - 1)))
		return;
	bar = &f->bar[idx];
	*bar = (struct vpci_bar){
		.size = size, .is64 = is64, .good = addr, .range = *r
	};
	/* What decodes behind a BAR is the function's, as its
	 * configuration space is: the I/O core's side. */
	bar->range.remote = true;
	/* Memory space, 64-bit type 10b when is64, not prefetchable (PCI
	 * 3.0, 6.2.5.1); the size shows as the address bits that stay 0. */
	put_le32(f->cfg + PCI_BAR0 + 4 * idx, is64 ? 0x4 : 0x0);
	put_le32(f->wmask + PCI_BAR0 + 4 * idx, (uint32_t) ~(size - 1) & ~0xfu);
	if (is64)
		put_le32(f->wmask + PCI_BAR0 + 4 * idx + 4,
			 (uint32_t)(~(size - 1) >> 32));
	set_bar_reg(f, idx, addr);
}

/* [a, a+len) touches guest RAM. */
static bool over_ram(const struct gmem *g, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; g && i < g->n; i++)
		if (range_overlap(a, len, g->r[i].gpa, g->r[i].size))
			return true;
	return false;
}

/* Registers the BAR at `a` if nothing forbids it. */
static bool map_at(struct vpci_fn *f, struct vpci_bar *bar, uint64_t a)
{
	struct vpci_bus *b = f->bus;

	if (a < b->win_base
	    || !range_contains(b->win_base, b->win_end - b->win_base, a,
			       bar->size)
	    || over_ram(b->gm, a, bar->size))
		return false;
	bar->range.base = a;
	bar->range.len = bar->size;
	if (mmiobus_register(&bar->range))
		return false; /* another device is there */
	bar->mapped = true;
	return true;
}

static void unmap(struct vpci_bar *bar)
{
	if (bar->mapped)
		mmiobus_remove(bar->range.base, bar->range.ctx);
	bar->mapped = false;
}

/* Makes the MMIO bus agree with the command register and the BARs.  An
 * address that cannot be mapped (outside the window, over RAM or another
 * device) is refused: both halves of the register go back to the last
 * good address and the device stays there. */
static void bars_update(struct vpci_fn *f)
{
	bool decode = f->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY;

	for (unsigned i = 0; i < VPCI_BARS; i++) {
		struct vpci_bar *bar = &f->bar[i];
		uint64_t a = vpci_bar_addr(f, i);

		if (!bar->size)
			continue;
		if (!decode) {
			unmap(bar);
			continue;
		}
		if (bar->mapped && bar->range.base == a)
			continue;
		uint64_t old = bar->mapped ? bar->range.base : bar->good;

		unmap(bar);
		if (map_at(f, bar, a)) {
			bar->good = a;
			continue;
		}
		/* A size probe with decode on (PCI 3.0, 6.2.5.1): the
		 * register keeps the mask it reads back, and the BAR, like
		 * hardware decoding at that address, answers nowhere until
		 * the driver writes an address back. */
		if (bar->sizing)
			continue;
		bar->rollbacks++;
		set_bar_reg(f, i, old);
		log_msg("pci: 00:%02x.0 BAR%u: 0x%llx cannot be mapped, kept "
			"at 0x%llx",
			f->slot, i, (unsigned long long)a,
			(unsigned long long)old);
		if (!map_at(f, bar, old))
			log_msg("pci: 00:%02x.0 BAR%u: 0x%llx is taken too; "
				"BAR unmapped",
				f->slot, i, (unsigned long long)old);
	}
}

int vpci_add(struct vpci_bus *b, unsigned slot, struct vpci_fn *f)
{
	if (slot >= VPCI_SLOTS || b->slot[slot])
		return -1;
	b->slot[slot] = f;
	f->bus = b;
	f->slot = slot;
	bars_update(f);
	return 0;
}

void vpci_remove_all(struct vpci_bus *b)
{
	for (unsigned s = 1; s < VPCI_SLOTS; s++) {
		struct vpci_fn *f = b->slot[s];

		if (!f)
			continue;
		for (unsigned i = 0; i < VPCI_BARS; i++)
			unmap(&f->bar[i]);
		b->slot[s] = NULL;
	}
}

uint32_t vpci_add_cap(struct vpci_fn *f, uint8_t id, unsigned len)
{
	uint32_t at = f->cap_free ? f->cap_free : 0x40;

	if (len < 2 || len > 0x100 - at)
		return 0;
	f->cfg[at] = id;
	f->cfg[at + 1] = 0;
	if (f->cap_last)
		f->cfg[f->cap_last + 1] = (uint8_t)at;
	else
		f->cfg[PCI_CAP_PTR] = (uint8_t)at;
	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	f->cap_last = (uint8_t)at;
	f->cap_free = (uint16_t)((at + len + 3) & ~3u);
	return at;
}

static struct vpci_fn *find(struct vpci_bus *b, unsigned bus, unsigned dev,
			    unsigned fn)
{
	return bus == 0 && fn == 0 && dev < VPCI_SLOTS ? b->slot[dev] : NULL;
}

uint32_t vpci_cfg_read(struct vpci_bus *b, unsigned bus, unsigned dev,
		       unsigned fn, uint32_t off, unsigned size)
{
	struct vpci_fn *f = find(b, bus, dev, fn);
	uint32_t v = 0;

	if (!f || (size != 1 && size != 2 && size != 4) || off >= VPCI_CFG_SIZE
	    || size > VPCI_CFG_SIZE - off || (off & (size - 1)))
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (f->reading)
		f->reading(f, off, size);
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

/* Which BAR dwords a write puts the size probe in (all ones, the whole
 * dword) and which it takes it out of (anything else). */
static void note_sizing(struct vpci_fn *f, uint32_t off, unsigned size,
			uint32_t v)
{
	for (unsigned i = 0; i < VPCI_BARS; i++) {
		struct vpci_bar *bar = &f->bar[i];

		for (unsigned h = 0; bar->size && h < (bar->is64 ? 2u : 1u);
		     h++) {
			uint32_t at = PCI_BAR0 + 4 * (i + h);

			if (!range_overlap(off, size, at, 4))
				continue;
			if (off == at && size == 4 && v == 0xffffffffu)
				bar->sizing |= (uint8_t)(1u << h);
			else
				bar->sizing &= (uint8_t) ~(1u << h);
		}
	}
}

void vpci_cfg_write(struct vpci_bus *b, unsigned bus, unsigned dev, unsigned fn,
		    uint32_t off, unsigned size, uint32_t v)
{
	struct vpci_fn *f = find(b, bus, dev, fn);

	if (!f || (size != 1 && size != 2 && size != 4) || off >= VPCI_CFG_SIZE
	    || size > VPCI_CFG_SIZE - off || (off & (size - 1)))
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = f->wmask[off + i], nb = (uint8_t)(v >> (8 * i));

		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (nb & m));
	}
	note_sizing(f, off, size, v);
	/* The command register and BAR0-5 decide where BARs are mapped. */
	if (range_overlap(off, size, PCI_COMMAND, 2)
	    || range_overlap(off, size, PCI_BAR0, 4 * VPCI_BARS))
		bars_update(f);
	if (f->written)
		f->written(f, off, size);
}

/* CF8: bit 31 enable, bus 23:16, device 15:11, function 10:8, register
 * 7:2; CFC-CFF: the dword's bytes (PCI Local Bus 3.0, 3.2.2.3.2). */
uint32_t vpci_cf8_read(struct vpci_bus *b)
{
	return b->cf8;
}

void vpci_cf8_write(struct vpci_bus *b, uint32_t v)
{
	b->cf8 = v & 0x80fffffcu;
}

static uint64_t io_in(void *ctx, uint64_t port, unsigned size)
{
	struct vpci_bus *b = ctx;
	uint32_t a = b->cf8;

	if (!(a & (1u << 31)))
		return iobus_all_ones(size);
	return vpci_cfg_read(b, (a >> 16) & 0xff, (a >> 11) & 0x1f,
			     (a >> 8) & 7, (a & 0xfc) + (port - 0xcfc), size);
}

static void io_out(void *ctx, uint64_t port, unsigned size, uint64_t v)
{
	struct vpci_bus *b = ctx;
	uint32_t a = b->cf8;

	if (!(a & (1u << 31)))
		return;
	vpci_cfg_write(b, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7,
		       (a & 0xfc) + (port - 0xcfc), size, v);
}

static uint64_t ecam_read(void *ctx, uint64_t addr, unsigned size)
{
	uint64_t o = addr - GUEST_ECAM_BASE;

	if (size > 4)
		return ~0ull;
	return vpci_cfg_read(ctx, (o >> 20) & 0xff, (o >> 15) & 0x1f,
			     (o >> 12) & 7, o & 0xfff, size);
}

static void ecam_write(void *ctx, uint64_t addr, unsigned size, uint64_t v)
{
	uint64_t o = addr - GUEST_ECAM_BASE;

	if (size <= 4)
		vpci_cfg_write(ctx, (o >> 20) & 0xff, (o >> 15) & 0x1f,
			       (o >> 12) & 7, o & 0xfff, size, (uint32_t)v);
}

int vpci_attach(struct vpci_bus *b)
{
	struct bus_range io = { 0xcfc, 4,      "pci-cfc", b,
				io_in, io_out, true,	  false };
	struct bus_range ecam = {
		GUEST_ECAM_BASE, GUEST_ECAM_SIZE, "ecam", b,
		ecam_read,	 ecam_write,	  true,	  false
	};

	return iobus_register(&io) || mmiobus_register(&ecam) ? -1 : 0;
}
