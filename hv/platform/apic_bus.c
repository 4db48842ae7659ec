#include "hv/platform/apic_bus.h"

#include <string.h>

#include "hv/guest/layout.h"

static void count(struct apic_bus *b, enum apic_count c)
{
	__atomic_fetch_add(&b->count[c], 1, __ATOMIC_RELAXED);
}

void apic_bus_init(struct apic_bus *b)
{
	memset(b, 0, sizeof(*b));
}

int apic_bus_add(struct apic_bus *b, struct vlapic *a)
{
	if (b->n >= APIC_BUS_MAX)
		return -1;
	a->id = b->n;
	a->bus = b;
	a->index = b->n;
	b->lapic[b->n] = a;
	return (int)b->n++;
}

int apic_bus_find(const struct apic_bus *b, uint32_t id)
{
	return id < b->n ? (int)id : -1;
}

/* Is vCPU i among m's destinations? */
static bool named(const struct apic_bus *b, const struct apic_msg *m,
		  unsigned i, unsigned from)
{
	switch (m->shorthand) {
	case APIC_SH_SELF:
		return i == from;
	case APIC_SH_ALL:
		return true;
	case APIC_SH_OTHERS:
		return i != from;
	}
	return vlapic_matches(b->lapic[i], m->dest, m->logical, m->x2apic);
}

/* SDM table 11-3: with the self or all-including-self shorthand only
 * fixed delivery is valid. */
static bool valid(const struct apic_msg *m)
{
	if (m->shorthand == APIC_SH_SELF || m->shorthand == APIC_SH_ALL)
		return m->mode == APIC_DM_FIXED;
	return true;
}

/* One LAPIC's share of m: raised at once on the core that owns it, else
 * posted, and its core kicked when the post is the first it has not seen. */
static void deliver(struct apic_bus *b, const struct apic_msg *m, unsigned i)
{
	struct vlapic *a = b->lapic[i];
	bool here = !b->here || b->here() == i;
	bool first;

	if (m->mode == APIC_DM_FIXED || m->mode == APIC_DM_LOWEST) {
		if (here) {
			vlapic_set_irq(a, m->vector, m->level);
			return;
		}
		if (m->vector < 16)
			return; /* illegal (11.5.3): the IOAPIC does not check */
		first = vlapic_post(a, m->vector, m->level);
	} else {
		uint32_t ev = m->mode == APIC_DM_NMI	? VLAPIC_EV_NMI
			      : m->mode == APIC_DM_INIT ? VLAPIC_EV_INIT
							: VLAPIC_EV_STARTUP;

		first = vlapic_post_event(a, ev, m->vector);
		/* The sender's own core takes it now, before its entry. */
		if (here) {
			vlapic_fold_posts(a);
			return;
		}
	}
	count(b, APIC_POSTED);
	if (first && b->kick) {
		count(b, APIC_KICKS);
		b->kick(b->kick_ctx, i);
	}
}

/* Lowest priority: one of the LAPICs named, in turn. */
static unsigned send_lowest(struct apic_bus *b, const struct apic_msg *m,
			    unsigned from)
{
	unsigned start = __atomic_fetch_add(&b->next_lowest, 1,
					    __ATOMIC_RELAXED);

	for (unsigned k = 0; k < b->n; k++) {
		unsigned i = (start + k) % b->n;

		if (named(b, m, i, from)) {
			deliver(b, m, i);
			count(b, APIC_LOWEST);
			return 1;
		}
	}
	return 0;
}

static enum apic_count counter_of(unsigned mode)
{
	return mode == APIC_DM_NMI	 ? APIC_NMI
	       : mode == APIC_DM_INIT	 ? APIC_INIT
	       : mode == APIC_DM_STARTUP ? APIC_STARTUP
					 : APIC_FIXED;
}

unsigned apic_bus_send(struct apic_bus *b, const struct apic_msg *m,
		       unsigned from)
{
	unsigned reached = 0;
	bool modelled = m->mode == APIC_DM_FIXED || m->mode == APIC_DM_LOWEST
			|| m->mode == APIC_DM_NMI || m->mode == APIC_DM_INIT
			|| m->mode == APIC_DM_STARTUP;

	/* An INIT de-assert (level trigger, level 0) only synchronised
	 * arbitration IDs on old processors (SDM 11.6.1): nothing here. */
	if (m->mode == APIC_DM_INIT && m->level && !m->assert)
		return 0;
	if (modelled && valid(m)) {
		if (m->mode == APIC_DM_LOWEST) {
			reached = send_lowest(b, m, from);
		} else {
			for (unsigned i = 0; i < b->n; i++)
				if (named(b, m, i, from)) {
					deliver(b, m, i);
					count(b, counter_of(m->mode));
					reached++;
				}
		}
	}
	if (!reached)
		count(b, APIC_DROPPED);
	return reached;
}

unsigned apic_bus_msi(struct apic_bus *b, uint64_t addr, uint32_t data)
{
	struct apic_msg m = {
		.dest = (addr >> 12) & 0xff,
		.vector = data & 0xff,
		.mode = (data >> 8) & 7,
		.logical = addr & (1u << 2),
		.assert = true, /* edge: MSIs have no EOI to wait for */
	};

	/* Only the interrupt window at 0xFEExxxxx takes messages; a fixed
	 * or lowest-priority vector below 16 is illegal (11.5.3). */
	if ((addr >> 20) != (GUEST_LAPIC_BASE >> 20)
	    || ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST)
		&& m.vector < 16)) {
		count(b, APIC_DROPPED);
		return 0;
	}
	return apic_bus_send(b, &m, APIC_BUS_NOBODY);
}
