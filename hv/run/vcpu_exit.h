/* What the run loop's exit handlers share (hv/run/vcpu.c, and the MMIO
 * exits in hv/run/vcpu_mmio.c): how a handler reports, and the platform
 * lock. */
#ifndef PLINTH_VCPU_EXIT_H
#define PLINTH_VCPU_EXIT_H

#include "hv/base/fmt.h"
#include "hv/run/vcpu.h"

/* QUIET: handled, and nothing the preparation for the next entry reads
 * (pending vectors, timers, the interrupt window) can have changed, so
 * the quick entry may follow (vcpu.c, quick_entry).  STOP: the run ends,
 * with v->why and *end saying how. */
enum handled { DONE, QUIET, STOP };

static inline enum handled vcpu_stop(struct vcpu *v, enum guest_end *end,
				     enum guest_end e, const char *why)
{
	*end = e;
	fmt(v->why, sizeof(v->why), "%s", why);
	return STOP;
}

/* The platform lock, with several vCPUs (vcpu.h). */
static inline bool vcpu_plat_lock(struct vcpu *v)
{
	return v->plat_lock ? spin_lock(v->plat_lock) : false;
}

static inline void vcpu_plat_unlock(struct vcpu *v, bool taken)
{
	if (v->plat_lock)
		spin_unlock(v->plat_lock, taken);
}

/* An access where the guest has no RAM (EPT violation, NPF), x->gpa:
 * the instruction decoded and done by the vCPU's LAPIC or the device
 * behind the address, or the guest stopped with the reason. */
enum handled vcpu_mmio(struct vcpu *v, const struct vexit *x,
		       enum guest_end *end);

#endif
