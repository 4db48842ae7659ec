/* The guest's interrupt fabric: the registry of its vCPUs, one local APIC
 * model each, and the delivery of every interrupt message to the LAPICs
 * its destination names: IPIs from a LAPIC's ICR (Intel SDM vol. 3A,
 * 11.6), the I/O APIC's redirections (82093AA, 3.2.4) and MSIs (SDM
 * 11.11; PCI 3.0, 6.8.1).
 *
 * vCPU i has APIC ID i, as the MADT lists them (hv/guest/acpi_build.h).
 *
 * Destinations (SDM 11.6.2): physical, one APIC ID (0xFF, or 0xFFFFFFFF
 * in x2APIC mode, for all); logical, matched against each LAPIC's LDR in
 * the flat or cluster model its DFR selects, or x2APIC's clusters; and
 * the ICR's shorthands (self, all, all but self).  Delivery modes: fixed
 * to every LAPIC named; lowest priority to one of them, taken in turn
 * (the SDM leaves the choice to the implementation, 11.6.2.4); NMI,
 * INIT and STARTUP as events (lapic.h); SMI and ExtINT are not modelled
 * and are counted as dropped, as is a message that names nobody.
 *
 * Ownership.  Entries are added before any vCPU runs and never removed:
 * the registry is read-only while the guest runs.  A LAPIC's registers
 * belong to its vCPU's core.  A message may be sent from any core: to the
 * LAPIC of the vCPU the sending core runs (here()), it is raised at once;
 * to any other, it is posted (vlapic_post, atomic) and folded in by that
 * vCPU's core before its next entry; when a post is the first since that
 * core last looked, kick() makes that core look now (a host IPI that ends
 * the guest's run).  Without here() every message is raised at once: one
 * core runs everything, as in single-core mode and the unit tests.  The
 * counters are atomic: any core may count. */
#ifndef PLINTH_APIC_BUS_H
#define PLINTH_APIC_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/base/counters.h"
#include "hv/platform/lapic.h"

#define APIC_BUS_MAX 64
#define APIC_BUS_NOBODY (~0u) /* here(): a core that runs no vCPU */

/* Delivery modes, as the ICR, an RTE and MSI data encode them. */
enum apic_dm {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_STARTUP = 6,
	APIC_DM_EXTINT = 7,
};

enum apic_shorthand {
	APIC_SH_NONE,
	APIC_SH_SELF,
	APIC_SH_ALL,
	APIC_SH_OTHERS, /* all excluding self */
};

struct apic_msg {
	uint32_t dest; /* APIC ID or logical mask; 32 bits in x2APIC mode */
	uint8_t vector;
	uint8_t mode;	   /* enum apic_dm */
	uint8_t shorthand; /* enum apic_shorthand: ICR only */
	bool logical;
	bool level;  /* trigger mode */
	bool assert; /* level: asserted (an INIT de-assert does nothing) */
	bool x2apic; /* destination format: 32-bit from an x2APIC-mode ICR,
		      * else 8-bit (xAPIC ICR, IOAPIC, MSI) */
};

enum apic_count {
	APIC_FIXED,
	APIC_LOWEST,
	APIC_NMI,
	APIC_INIT,
	APIC_STARTUP,
	APIC_POSTED, /* delivered to another vCPU's core */
	APIC_KICKS,
	APIC_DROPPED, /* nobody named, or a mode not modelled */
	APIC_COUNTS
};

struct apic_bus {
	unsigned n;
	struct vlapic *lapic[APIC_BUS_MAX];
	/* The vCPU the calling core runs, or APIC_BUS_NOBODY; NULL: one
	 * core runs everything. */
	unsigned (*here)(void);
	/* Makes vCPU i's core look at its LAPIC's posts now. */
	void (*kick)(void *ctx, unsigned i);
	void *kick_ctx;
	unsigned next_lowest; /* lowest-priority turn, atomic */
	uint64_t count[APIC_COUNTS];
};

/* plinth_interrupts_*: the count[] above (hv/counters.c). */
extern const struct counter_set apic_counters;

void apic_bus_init(struct apic_bus *b);
/* Registers a LAPIC (its ID becomes its index): the index, or -1 when
 * the bus is full. */
int apic_bus_add(struct apic_bus *b, struct vlapic *a);
/* vCPU index of APIC ID `id`, or -1. */
int apic_bus_find(const struct apic_bus *b, uint32_t id);
/* Delivers m; `from` is the sending vCPU (for the shorthands), or
 * APIC_BUS_NOBODY.  Returns how many LAPICs it reached. */
unsigned apic_bus_send(struct apic_bus *b, const struct apic_msg *m,
		       unsigned from);
/* An MSI write: address 0xFEExxxxx (destination ID 19:12, DM bit 2),
 * data with vector and delivery mode (10:8); always edge-triggered. */
unsigned apic_bus_msi(struct apic_bus *b, uint64_t addr, uint32_t data);

#endif
