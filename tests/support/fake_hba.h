/* The HBA's registers as the AHCI unit tests play them (drivers/ahci.h,
 * AHCI_TEST_HBA): plain memory, except that the port's PxCI and PxSACT
 * are write-1-to-set and PxIS and PxSERR write-1-to-clear, as on the
 * hardware (AHCI 1.3.1, 3.3).  fake_hba.c defines ahci_rd() and ahci_wr()
 * on them; it is built with -DAHCI_TEST_HBA, as the drivers are.  What the
 * test writes as the HBA goes straight into hba_port with hba_set(). */
#ifndef PLINTH_TEST_FAKE_HBA_H
#define PLINTH_TEST_FAKE_HBA_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ahci.h"

/* The one port's registers. */
extern uint8_t hba_port[0x80];

void hba_set(unsigned off, uint32_t v);

/* A disk on this port, its command list, tables, TRIM and zero pages
 * cleared (allocated once): NCQ with every slot, or one command at a
 * time.  The caller sets what its tests need (backend, restart, clock)
 * and calls ahci_io_init(). */
void hba_disk(struct ahci_disk *d, bool ncq);

#endif
