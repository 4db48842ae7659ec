/* The HBA's registers as the AHCI unit tests play them (drivers/ahci.h,
 * AHCI_TEST_HBA): plain memory, except that the port's PxCI and PxSACT
 * are write-1-to-set and PxIS and PxSERR write-1-to-clear, as on the
 * hardware (AHCI 1.3.1, 3.3).  What the test writes as the HBA goes
 * straight into `port` with hba_set(). */
#ifndef PLINTH_TEST_FAKE_HBA_H
#define PLINTH_TEST_FAKE_HBA_H

#include <stdint.h>
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

#endif
