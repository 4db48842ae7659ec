/* PCI configuration access (ECAM from MCFG, else ports CF8/CFC) and the
 * list of functions found at boot. */
#ifndef PLINTH_PCI_H
#define PLINTH_PCI_H

#include <stdbool.h>
#include <stdint.h>

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

/* "SATA controller (AHCI)", "Ethernet controller", ... */
const char *pci_class_name(uint8_t class_code, uint8_t subclass,
			   uint8_t prog_if);

#endif
