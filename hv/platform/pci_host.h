/* The guest's PCI segment 0, bus 0: configuration space through ports
 * CF8/CFC and ECAM at GUEST_ECAM_BASE.  Slot 0 is the host bridge; device
 * models add functions with vpci_add().  Every offset and size the guest
 * uses is safe: unwritable bits keep their value, absent functions read
 * as all ones. */
#ifndef PLINTH_PCI_HOST_H
#define PLINTH_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/platform/mmiobus.h"

struct gmem;

#define VPCI_SLOTS 32
#define VPCI_CFG_SIZE 4096
#define VPCI_BARS 6

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_STATUS_INTX 0x0008
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

/* A memory BAR the bus maps on the MMIO bus while the function decodes
 * memory.  The device fills `range` (name, ctx, read, write); the bus
 * owns its base. */
struct vpci_bar {
	uint64_t size; /* a power of two >= 4 KiB; 0 = no BAR here */
	bool is64;     /* takes this register and the next */
	bool mapped;   /* range is registered at range.base */
	uint64_t good; /* the last address that could be mapped */
	struct bus_range range;
	unsigned rollbacks; /* guest writes refused */
	/* Halves holding the size probe, all ones written (bit 0: the low
	 * dword, bit 1: the high one of a 64-bit BAR).  While one does, the
	 * BAR decodes nowhere instead of being rolled back. */
	uint8_t sizing;
};

struct vpci_fn {
	uint8_t cfg[VPCI_CFG_SIZE];
	uint8_t wmask[VPCI_CFG_SIZE]; /* 1 bits may be written by the guest */
	/* Optional hook after a guest write (BAR moves, command changes). */
	void (*written)(struct vpci_fn *f, uint32_t off, unsigned size);
	/* Optional hook before a guest read of registers whose value the
	 * device computes; it may update cfg[off..off+size). */
	void (*reading)(struct vpci_fn *f, uint32_t off, unsigned size);
	void *ctx;
	struct vpci_bar bar[VPCI_BARS];
	struct vpci_bus *bus;
	unsigned slot;
	uint8_t cap_last;  /* offset of the last capability, 0 = none */
	uint16_t cap_free; /* where the next one goes */
};

struct vpci_bus {
	struct vpci_fn *slot[VPCI_SLOTS]; /* function 0 of each device */
	uint32_t cf8;
	/* Where BARs may be mapped: inside [win_base, win_end), never over
	 * guest RAM or another device. */
	const struct gmem *gm;
	uint64_t win_base, win_end;
};

void vpci_init(struct vpci_bus *b, struct vpci_fn *host_bridge);
int vpci_add(struct vpci_bus *b, unsigned slot, struct vpci_fn *f);
/* Removes every function but the host bridge, unmapping their BARs. */
void vpci_remove_all(struct vpci_bus *b);

/* Declares memory BAR `idx` (a 64-bit one also takes idx + 1) of `size`
 * bytes at `addr`, as firmware would have placed it; it is mapped once
 * the guest enables memory decode.  Call before vpci_add. */
void vpci_bar_init(struct vpci_fn *f, unsigned idx, uint64_t size, bool is64,
		   uint64_t addr, const struct bus_range *r);
/* The address a BAR register currently holds. */
uint64_t vpci_bar_addr(const struct vpci_fn *f, unsigned idx);

/* Appends a capability of `len` bytes (ID and next pointer included) to
 * the function's list; returns its offset, or 0 if config space is full.
 * The list stays well formed: each next pointer is dword aligned and the
 * last is 0. */
uint32_t vpci_add_cap(struct vpci_fn *f, uint8_t id, unsigned len);

/* Raw access by bus/device/function/offset (size 1, 2 or 4). */
uint32_t vpci_cfg_read(struct vpci_bus *b, unsigned bus, unsigned dev,
		       unsigned fn, uint32_t off, unsigned size);
void vpci_cfg_write(struct vpci_bus *b, unsigned bus, unsigned dev, unsigned fn,
		    uint32_t off, unsigned size, uint32_t v);
/* CONFIG_ADDRESS (port 0xCF8, dword accesses only).  Its byte 0xCF9 is
 * the reset control register on PC chipsets, so the platform owns the
 * port and passes dword accesses here. */
uint32_t vpci_cf8_read(struct vpci_bus *b);
void vpci_cf8_write(struct vpci_bus *b, uint32_t v);
/* Registers CONFIG_DATA (0xCFC-0xCFF) and ECAM. */
int vpci_attach(struct vpci_bus *b);

#endif
