#include "hv/pci_host.h"

#include <string.h>

#include "hv/guest_layout.h"
#include "hv/iobus.h"
#include "hv/mmiobus.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void vpci_init(struct vpci_bus *b, struct vpci_fn *hb)
{
	memset(b, 0, sizeof(*b));
	memset(hb, 0, sizeof(*hb));
	/* An Intel Q35 (82G33) host bridge: class 06.00.00, no BARs. */
	put16(hb->cfg + 0x00, 0x8086);
	put16(hb->cfg + 0x02, 0x29c0);
	put16(hb->cfg + 0x04, 0x0006); /* memory and bus-master decode on */
	hb->cfg[0x0b] = 0x06;
	hb->wmask[0x04] = 0x06;
	b->slot[0] = hb;
}

int vpci_add(struct vpci_bus *b, unsigned slot, struct vpci_fn *f)
{
	if (slot >= VPCI_SLOTS || b->slot[slot])
		return -1;
	b->slot[slot] = f;
	return 0;
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

	if (!f || (size != 1 && size != 2 && size != 4)
	    || off >= VPCI_CFG_SIZE
	    || size > VPCI_CFG_SIZE - off || (off & (size - 1)))
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

void vpci_cfg_write(struct vpci_bus *b, unsigned bus, unsigned dev,
		    unsigned fn, uint32_t off, unsigned size, uint32_t v)
{
	struct vpci_fn *f = find(b, bus, dev, fn);

	if (!f || (size != 1 && size != 2 && size != 4)
	    || off >= VPCI_CFG_SIZE
	    || size > VPCI_CFG_SIZE - off || (off & (size - 1)))
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = f->wmask[off + i], nb = (uint8_t)(v >> (8 * i));

		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (nb & m));
	}
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

static uint32_t io_in(void *ctx, uint16_t port, unsigned size)
{
	struct vpci_bus *b = ctx;
	uint32_t a = b->cf8;

	if (!(a & (1u << 31)))
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return vpci_cfg_read(b, (a >> 16) & 0xff, (a >> 11) & 0x1f,
			     (a >> 8) & 7, (a & 0xfc) + (port - 0xcfc), size);
}

static void io_out(void *ctx, uint16_t port, unsigned size, uint32_t v)
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
	struct io_range io = { 0xcfc, 4, "pci-cfc", b, io_in, io_out };
	struct mmio_range ecam = { GUEST_ECAM_BASE, GUEST_ECAM_SIZE, "ecam",
				   b, ecam_read, ecam_write };

	return iobus_register(&io) || mmiobus_register(&ecam) ? -1 : 0;
}
