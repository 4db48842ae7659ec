/* Plinth's AHCI driver (Serial ATA AHCI 1.3.1): one SATA disk on one port
 * of the first AHCI controller, as a struct blk_backend.
 *
 * Requests go to the disk as READ/WRITE DMA EXT and FLUSH CACHE EXT with
 * the PRDT pointing straight at the request's host-physical ranges (no
 * copy).  This first version issues one command at a time and waits for
 * it inside submit(), with a timeout; NCQ, TRIM and error recovery by
 * port reset come next.  What the HBA writes back (the task file, the
 * byte count, IDENTIFY data) is checked before it is believed. */
#ifndef PLINTH_AHCI_H
#define PLINTH_AHCI_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/blk_backend.h"

struct ahci_disk {
	struct blk_backend be;
	volatile uint8_t *abar;
	volatile uint8_t *port_regs;
	unsigned port;
	uint8_t *clb, *fis, *ctba; /* command list, FIS area, one table */
	char model[41];
	uint64_t ios, errors, timeouts;
};

/* Finds the controller, resets it and brings up `port`; 0, or -1 with the
 * reason in err. */
int ahci_open(struct ahci_disk *d, unsigned port, bool readonly, char *err,
	      unsigned errlen);

#endif
