#include "drivers/pci.h"

#include "arch/x86/io.h"
#include "arch/x86/paging.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"

static uint64_t ecam_base;
static uint8_t bus_first, bus_last = 255;
static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned ndevs;

void pci_init(uint64_t ecam, uint8_t lo, uint8_t hi)
{
	ecam_base = 0;
	bus_first = 0;
	bus_last = 255;
	if (!ecam)
		return;
	/* MCFG's base address is that of bus 0 even when the range starts
	 * later; only the buses in range are decoded. */
	uint64_t start = ecam + ((uint64_t)lo << 20);
	uint64_t size = (uint64_t)(hi - lo + 1) << 20;

	if (paging_map_mmio(start, size)) {
		log_msg("pci: cannot map ECAM at 0x%lx; using ports CF8/CFC",
			(unsigned long)ecam);
		return;
	}
	ecam_base = ecam;
	bus_first = lo;
	bus_last = hi;
}

bool pci_uses_ecam(void)
{
	return ecam_base != 0;
}

static volatile uint32_t *ecam_reg(uint8_t b, uint8_t d, uint8_t f,
				   uint16_t off)
{
	return (volatile uint32_t *)(ecam_base + ((uint64_t)b << 20)
				     + ((uint64_t)(d & 31) << 15)
				     + ((uint64_t)(f & 7) << 12)
				     + (off & 0xffc));
}

static uint32_t cf8_addr(uint8_t b, uint8_t d, uint8_t f, uint16_t off)
{
	return 0x80000000u | (uint32_t)b << 16 | (uint32_t)(d & 31) << 11
	       | (uint32_t)(f & 7) << 8 | (off & 0xfc);
}

uint32_t pci_read32(uint8_t b, uint8_t d, uint8_t f, uint16_t off)
{
	if (b < bus_first || b > bus_last)
		return 0xffffffffu;
	if (ecam_base)
		return off < 4096 ? *ecam_reg(b, d, f, off) : 0xffffffffu;
	if (off >= 256)
		return 0xffffffffu;
	outl(0xcf8, cf8_addr(b, d, f, off));
	return inl(0xcfc);
}

void pci_write32(uint8_t b, uint8_t d, uint8_t f, uint16_t off, uint32_t v)
{
	if (b < bus_first || b > bus_last)
		return;
	if (ecam_base) {
		if (off < 4096)
			*ecam_reg(b, d, f, off) = v;
		return;
	}
	if (off >= 256)
		return;
	outl(0xcf8, cf8_addr(b, d, f, off));
	outl(0xcfc, v);
}

static void add(uint8_t b, uint8_t d, uint8_t f, uint32_t id)
{
	uint32_t cls = pci_read32(b, d, f, 0x08);
	uint32_t hdr = pci_read32(b, d, f, 0x0c);

	if (ndevs == PCI_MAX_DEVS)
		return;
	devs[ndevs++] = (struct pci_dev){
		.bus = b,
		.dev = d,
		.fn = f,
		.hdr_type = (uint8_t)(hdr >> 16),
		.vendor = (uint16_t)id,
		.device = (uint16_t)(id >> 16),
		.class_code = (uint8_t)(cls >> 24),
		.subclass = (uint8_t)(cls >> 16),
		.prog_if = (uint8_t)(cls >> 8),
		.revision = (uint8_t)cls,
	};
}

/* Every bus in the decoded range, not only those reachable through
 * bridges from bus 0: boards with several host bridges have root buses
 * that no bridge on bus 0 leads to. */
unsigned pci_scan(void)
{
	ndevs = 0;
	for (unsigned b = bus_first; b <= bus_last; b++) {
		for (uint8_t d = 0; d < 32; d++) {
			uint32_t id = pci_read32((uint8_t)b, d, 0, 0);

			if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
				continue;
			add((uint8_t)b, d, 0, id);
			uint8_t hdr = (uint8_t)(pci_read32((uint8_t)b, d, 0,
							   0x0c)
						>> 16);
			if (!(hdr & 0x80))
				continue;
			for (uint8_t f = 1; f < 8; f++) {
				id = pci_read32((uint8_t)b, d, f, 0);
				if ((id & 0xffff) != 0xffff && (id & 0xffff))
					add((uint8_t)b, d, f, id);
			}
		}
	}
	return ndevs;
}

const struct pci_dev *pci_devices(unsigned *count)
{
	*count = ndevs;
	return devs;
}

const char *pci_class_name(uint8_t c, uint8_t s, uint8_t p)
{
	static const struct {
		uint8_t c, s;
		int p; /* -1 = any */
		const char *name;
	} names[] = {
		{ 0x01, 0x01, -1, "IDE controller" },
		{ 0x01, 0x06, 0x01, "SATA controller (AHCI)" },
		{ 0x01, 0x06, -1, "SATA controller" },
		{ 0x01, 0x08, 0x02, "NVMe controller" },
		{ 0x01, 0x00, -1, "SCSI controller" },
		{ 0x01, 0x80, -1, "storage controller" },
		{ 0x02, 0x00, -1, "Ethernet controller" },
		{ 0x02, 0x80, -1, "network controller" },
		{ 0x03, 0x00, -1, "VGA controller" },
		{ 0x03, 0x80, -1, "display controller" },
		{ 0x04, 0x03, -1, "audio device" },
		{ 0x06, 0x00, -1, "host bridge" },
		{ 0x06, 0x01, -1, "ISA bridge" },
		{ 0x06, 0x04, -1, "PCI bridge" },
		{ 0x06, 0x80, -1, "bridge" },
		{ 0x08, 0x80, -1, "system peripheral" },
		{ 0x0c, 0x03, -1, "USB controller" },
		{ 0x0c, 0x05, -1, "SMBus controller" },
		{ 0xff, 0xff, -1, NULL },
	};

	for (int i = 0; names[i].name; i++)
		if (names[i].c == c && names[i].s == s
		    && (names[i].p < 0 || names[i].p == p))
			return names[i].name;
	return "device";
}

/* --- what drivers need ---------------------------------------------- */

#define PCI_COMMAND 0x04
#define PCI_BAR0 0x10
#define CMD_IO (1u << 0)
#define CMD_MEM (1u << 1)
#define CMD_MASTER (1u << 2)
#define CMD_INTX_OFF (1u << 10)
#define STATUS_CAPS (1u << 20) /* status bit 4, in the command dword */
#define PCI_CAP_PTR 0x34
#define CAP_MSI 0x05
/* MSI message control (PCI 3.0, 6.8.1.3) */
#define MSI_ENABLE (1u << 0)
#define MSI_MME (7u << 4)
#define MSI_64BIT (1u << 7)
#define MSI_MASKABLE (1u << 8)

int pci_bar_info(const struct pci_dev *d, unsigned idx, struct pci_bar *b)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * idx);
	uint32_t lo, hi = 0, szlo, szhi = 0xffffffffu;
	uint32_t cmd;

	if (idx > 5 || (d->hdr_type & 0x7f) != 0)
		return -1;
	lo = pci_read32(d->bus, d->dev, d->fn, off);
	b->io = lo & 1;
	b->is64 = !b->io && ((lo >> 1) & 3) == 2;
	if (b->is64 && idx == 5)
		return -1;
	if (b->is64)
		hi = pci_read32(d->bus, d->dev, d->fn, off + 4);
	/* Sizing writes all ones: decoding off meanwhile, so that the probe
	 * value never claims addresses (PCI 3.0, 6.2.5.1 implementation
	 * note). */
	cmd = pci_read32(d->bus, d->dev, d->fn, PCI_COMMAND);
	pci_write32(d->bus, d->dev, d->fn, PCI_COMMAND,
		    (cmd & 0xffff) & ~(CMD_IO | CMD_MEM));
	pci_write32(d->bus, d->dev, d->fn, off, 0xffffffffu);
	szlo = pci_read32(d->bus, d->dev, d->fn, off);
	pci_write32(d->bus, d->dev, d->fn, off, lo);
	if (b->is64) {
		pci_write32(d->bus, d->dev, d->fn, off + 4, 0xffffffffu);
		szhi = pci_read32(d->bus, d->dev, d->fn, off + 4);
		pci_write32(d->bus, d->dev, d->fn, off + 4, hi);
	}
	pci_write32(d->bus, d->dev, d->fn, PCI_COMMAND, cmd & 0xffff);
	if (b->io) {
		b->base = lo & ~3u;
		szlo = (szlo & ~3u) | 0xffff0000u;
	} else {
		b->base = ((uint64_t)hi << 32) | (lo & ~0xfu);
		szlo &= ~0xfu;
	}
	uint64_t mask = ((uint64_t)szhi << 32) | szlo;

	if (!(uint32_t)mask && !b->is64)
		return -1; /* no BAR here */
	b->size = ~mask + 1;
	if (!b->base || !b->size)
		return -1;
	return 0;
}

volatile uint8_t *pci_map_bar(const struct pci_dev *d, unsigned idx,
			      uint64_t min_size, char *err, unsigned errlen)
{
	struct pci_bar b;

	if (pci_bar_info(d, idx, &b)) {
		fmt(err, errlen,
		    "%02x:%02x.%x: BAR%u is absent or was not "
		    "programmed by the firmware",
		    d->bus, d->dev, d->fn, idx);
		return NULL;
	}
	if (b.io || b.size < min_size) {
		fmt(err, errlen,
		    "%02x:%02x.%x: BAR%u is %s of %lu bytes, want "
		    "memory of at least %lu",
		    d->bus, d->dev, d->fn, idx, b.io ? "I/O" : "memory",
		    (unsigned long)b.size, (unsigned long)min_size);
		return NULL;
	}
	if (paging_map_mmio(b.base, b.size)) {
		fmt(err, errlen,
		    "%02x:%02x.%x: BAR%u at 0x%lx cannot be "
		    "mapped",
		    d->bus, d->dev, d->fn, idx, (unsigned long)b.base);
		return NULL;
	}
	return (volatile uint8_t *)(uintptr_t)b.base;
}

void pci_enable_dma(const struct pci_dev *d)
{
	uint32_t cmd = pci_read32(d->bus, d->dev, d->fn, PCI_COMMAND);

	pci_write32(d->bus, d->dev, d->fn, PCI_COMMAND,
		    (cmd & 0xffff) | CMD_MEM | CMD_MASTER | CMD_INTX_OFF);
}

void pci_disable_dma(const struct pci_dev *d)
{
	uint32_t cmd = pci_read32(d->bus, d->dev, d->fn, PCI_COMMAND);

	pci_write32(d->bus, d->dev, d->fn, PCI_COMMAND,
		    (cmd & 0xffff) & ~(uint32_t)CMD_MASTER);
}

/* The capability list (PCI 3.0, 6.7): present when the status register
 * says so; each entry dword-aligned at 0x40 or above, its ID in byte 0
 * and the next entry's offset in byte 1.  A device that loops its list
 * is walked no further than the entries config space has room for. */
static uint16_t find_cap(const struct pci_dev *d, uint8_t id)
{
	uint8_t at;

	if (!(pci_read32(d->bus, d->dev, d->fn, PCI_COMMAND) & STATUS_CAPS))
		return 0;
	at = pci_read32(d->bus, d->dev, d->fn, PCI_CAP_PTR) & 0xfc;
	for (unsigned n = 0; n < (256 - 0x40) / 4 && at >= 0x40; n++) {
		uint32_t head = pci_read32(d->bus, d->dev, d->fn, at);

		if ((head & 0xff) == id)
			return at;
		at = (head >> 8) & 0xfc;
	}
	return 0;
}

bool pci_msi_enable(const struct pci_dev *d, const struct msi_msg *m)
{
	uint16_t at = find_cap(d, CAP_MSI);

	if (!at)
		return false;
	uint32_t head = pci_read32(d->bus, d->dev, d->fn, at);
	uint32_t ctl = head >> 16;
	bool is64 = ctl & MSI_64BIT;
	uint16_t data = at + (is64 ? 12 : 8);

	if (!is64 && (m->addr >> 32))
		return false;
	/* Off while it changes; one message (MME 0), to the one address. */
	ctl &= ~(MSI_ENABLE | MSI_MME);
	pci_write32(d->bus, d->dev, d->fn, at, (head & 0xffff) | ctl << 16);
	pci_write32(d->bus, d->dev, d->fn, at + 4, (uint32_t)m->addr);
	if (is64)
		pci_write32(d->bus, d->dev, d->fn, at + 8,
			    (uint32_t)(m->addr >> 32));
	pci_write32(d->bus, d->dev, d->fn, data,
		    (pci_read32(d->bus, d->dev, d->fn, data) & 0xffff0000u)
			    | (m->data & 0xffff));
	if (ctl & MSI_MASKABLE) /* the mask bits follow the data */
		pci_write32(d->bus, d->dev, d->fn, data + 4, 0);
	pci_write32(d->bus, d->dev, d->fn, at,
		    (head & 0xffff) | (ctl | MSI_ENABLE) << 16);
	return true;
}

void pci_msi_disable(const struct pci_dev *d)
{
	uint16_t at = find_cap(d, CAP_MSI);

	if (at) {
		uint32_t head = pci_read32(d->bus, d->dev, d->fn, at);

		pci_write32(d->bus, d->dev, d->fn, at,
			    head & ~((uint32_t)MSI_ENABLE << 16));
	}
}

const struct pci_dev *pci_find_id(const struct pci_id *table,
				  const struct pci_dev *at,
				  const struct pci_id **match)
{
	for (unsigned i = 0; i < ndevs; i++) {
		const struct pci_dev *p = &devs[i];

		if (at
		    && (p->bus != at->bus || p->dev != at->dev
			|| p->fn != at->fn))
			continue;
		for (const struct pci_id *t = table; t->vendor; t++)
			if (t->vendor == p->vendor && t->device == p->device) {
				if (match)
					*match = t;
				return p;
			}
	}
	return NULL;
}

const struct pci_dev *pci_find_class(uint8_t c, uint8_t s, int p)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].class_code == c && devs[i].subclass == s
		    && (p < 0 || devs[i].prog_if == p))
			return &devs[i];
	return NULL;
}
