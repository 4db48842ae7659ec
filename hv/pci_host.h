/* The guest's PCI segment 0, bus 0: configuration space through ports
 * CF8/CFC and ECAM at GUEST_ECAM_BASE.  Slot 0 is the host bridge; device
 * models add functions with vpci_add().  Every offset and size the guest
 * uses is safe: unwritable bits keep their value, absent functions read
 * as all ones. */
#ifndef PLINTH_PCI_HOST_H
#define PLINTH_PCI_HOST_H

#include <stdint.h>

#define VPCI_SLOTS 32
#define VPCI_CFG_SIZE 4096

struct vpci_fn {
	uint8_t cfg[VPCI_CFG_SIZE];
	uint8_t wmask[VPCI_CFG_SIZE]; /* 1 bits may be written by the guest */
	/* Optional hook after a guest write (BAR moves, command changes). */
	void (*written)(struct vpci_fn *f, uint32_t off, unsigned size);
	void *ctx;
};

struct vpci_bus {
	struct vpci_fn *slot[VPCI_SLOTS]; /* function 0 of each device */
	uint32_t cf8;
};

void vpci_init(struct vpci_bus *b, struct vpci_fn *host_bridge);
int vpci_add(struct vpci_bus *b, unsigned slot, struct vpci_fn *f);

/* Raw access by bus/device/function/offset (size 1, 2 or 4). */
uint32_t vpci_cfg_read(struct vpci_bus *b, unsigned bus, unsigned dev,
		       unsigned fn, uint32_t off, unsigned size);
void vpci_cfg_write(struct vpci_bus *b, unsigned bus, unsigned dev,
		    unsigned fn, uint32_t off, unsigned size, uint32_t v);
/* CONFIG_ADDRESS (port 0xCF8, dword accesses only).  Its byte 0xCF9 is
 * the reset control register on PC chipsets, so the platform owns the
 * port and passes dword accesses here. */
uint32_t vpci_cf8_read(struct vpci_bus *b);
void vpci_cf8_write(struct vpci_bus *b, uint32_t v);
/* Registers CONFIG_DATA (0xCFC-0xCFF) and ECAM. */
int vpci_attach(struct vpci_bus *b);

#endif
