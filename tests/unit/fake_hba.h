/* The HBA's registers as the AHCI unit tests play them (drivers/ahci.h,
 * AHCI_TEST_HBA): plain memory, except that the port's PxCI and PxSACT
 * are write-1-to-set and PxIS and PxSERR write-1-to-clear, as on the
 * hardware (AHCI 1.3.1, 3.3).  What the test writes as the HBA goes
 * straight into `port` with hba_set(). */
#ifndef PLINTH_TEST_FAKE_HBA_H
#define PLINTH_TEST_FAKE_HBA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ahci.h"

static uint8_t port[0x80];

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
	if (base == port && (off == PxCI || off == PxSACT))
		v |= old;
	else if (base == port && (off == PxIS || off == PxSERR))
		v = old & ~v;
	memcpy(p, &v, 4);
}

static inline void hba_set(unsigned off, uint32_t v)
{
	memcpy(port + off, &v, 4);
}

/* A disk on this port, its command list, tables, TRIM and zero pages
 * cleared (allocated once): NCQ with every slot, or one command at a
 * time.  The caller sets what its tests need (backend, restart, clock)
 * and calls ahci_io_init(). */
static inline void hba_disk(struct ahci_disk *d, bool ncq)
{
	static uint8_t *pages;
	const size_t bytes = (AHCI_SLOTS + 2) * 4096 + AHCI_ZERO_BYTES;

	if (!pages)
		pages = aligned_alloc(4096, bytes);
	memset(pages, 0, bytes);
	memset(d, 0, sizeof(*d));
	memset(port, 0, sizeof(port));
	d->port_regs = port;
	d->clb = pages;
	for (unsigned s = 0; s < AHCI_SLOTS; s++)
		d->ctba[s] = pages + 4096 * (s + 1);
	d->dsm = pages + 4096 * (AHCI_SLOTS + 1);
	d->zero = pages + 4096 * (AHCI_SLOTS + 2);
	d->ncq = ncq;
	d->dma64 = true;
	d->depth = ncq ? AHCI_SLOTS : 1;
}

#endif
