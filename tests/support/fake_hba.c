/* The fake HBA of the AHCI unit tests (fake_hba.h). */
#include "tests/support/fake_hba.h"

#include <stdlib.h>
#include <string.h>

uint8_t hba_port[0x80];

uint32_t ahci_rd(const volatile uint8_t *base, unsigned off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)base + off, 4);
	return v;
}

void ahci_wr(volatile uint8_t *base, unsigned off, uint32_t v)
{
	uint8_t *p = (uint8_t *)base + off;
	uint32_t old;

	memcpy(&old, p, 4);
	if (base == hba_port && (off == PxCI || off == PxSACT))
		v |= old;
	else if (base == hba_port && (off == PxIS || off == PxSERR))
		v = old & ~v;
	memcpy(p, &v, 4);
}

void hba_set(unsigned off, uint32_t v)
{
	memcpy(hba_port + off, &v, 4);
}

void hba_disk(struct ahci_disk *d, bool ncq)
{
	static uint8_t *pages;
	const size_t bytes = (AHCI_SLOTS + 2) * 4096 + AHCI_ZERO_BYTES;

	if (!pages)
		pages = aligned_alloc(4096, bytes);
	memset(pages, 0, bytes);
	memset(d, 0, sizeof(*d));
	memset(hba_port, 0, sizeof(hba_port));
	d->port_regs = hba_port;
	d->clb = pages;
	for (unsigned s = 0; s < AHCI_SLOTS; s++)
		d->ctba[s] = pages + 4096 * (s + 1);
	d->dsm = pages + 4096 * (AHCI_SLOTS + 1);
	d->zero = pages + 4096 * (AHCI_SLOTS + 2);
	d->ncq = ncq;
	d->dma64 = true;
	d->depth = ncq ? AHCI_SLOTS : 1;
}
