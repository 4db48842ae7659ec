/* PCI configuration access (ECAM from MCFG, else ports CF8/CFC) and the
 * list of functions found at boot. */
#ifndef PLINTH_PCI_H
#define PLINTH_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/msi.h"

#define PCI_MAX_DEVS 256

struct pci_dev {
	uint8_t bus, dev, fn;
	uint8_t hdr_type;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
};

/* ECAM when ecam != 0 (and it could be mapped), else CF8/CFC. */
void pci_init(uint64_t ecam, uint8_t bus_lo, uint8_t bus_hi);
bool pci_uses_ecam(void);

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
void pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off,
		 uint32_t v);

/* Enumerates every bus in range; returns the number of functions. */
unsigned pci_scan(void);
const struct pci_dev *pci_devices(unsigned *count);

/* A base address register as the firmware programmed it (PCI 3.0,
 * 6.2.5.1).  size is found by the usual all-ones probe. */
struct pci_bar {
	uint64_t base, size;
	bool io, is64;
};

/* Reads and sizes BAR `idx` (0-5) of d; -1 when it does not exist, is
 * unprogrammed (base 0) or is the upper half of a 64-bit BAR.  Decoding
 * is off while the BAR holds the probe value. */
int pci_bar_info(const struct pci_dev *d, unsigned idx, struct pci_bar *b);

/* Maps memory BAR `idx` uncached for the driver, after checking that it
 * is memory, programmed and at least min_size bytes long; the register
 * window, or NULL with the reason in err. */
volatile uint8_t *pci_map_bar(const struct pci_dev *d, unsigned idx,
			      uint64_t min_size, char *err, unsigned errlen);

/* Turns on memory decoding and bus mastering (command register bits 1
 * and 2) and keeps INTx off (bit 10): Plinth's drivers poll (an MSI, below,
 * only wakes a CPU that sleeps). */
void pci_enable_dma(const struct pci_dev *d);
/* Turns bus mastering off: the device can reach memory no more, whatever
 * state it is in (PCI Local Bus 3.0, 6.2.2). */
void pci_disable_dma(const struct pci_dev *d);

/* MSI (PCI 3.0, 6.8.1): one message, m, to be written by the device for
 * the interrupts its driver unmasks; false when it has no MSI capability
 * (or only 32-bit addresses and m needs more).  Off again with
 * pci_msi_disable.  INTx stays off either way. */
bool pci_msi_enable(const struct pci_dev *d, const struct msi_msg *m);
void pci_msi_disable(const struct pci_dev *d);

/* A driver's table of the devices it takes, ended by vendor 0. */
struct pci_id {
	uint16_t vendor, device;
	const void *data; /* the driver's own description of the model */
};

/* The first function found at boot that the table names (and, with
 * `at`, at that bus:device.function); *match gets its table entry. */
const struct pci_dev *pci_find_id(const struct pci_id *table,
				  const struct pci_dev *at,
				  const struct pci_id **match);
const struct pci_dev *pci_find_class(uint8_t class_code, uint8_t subclass,
				     int prog_if);

/* "SATA controller (AHCI)", "Ethernet controller", ... */
const char *pci_class_name(uint8_t class_code, uint8_t subclass,
			   uint8_t prog_if);

#endif
