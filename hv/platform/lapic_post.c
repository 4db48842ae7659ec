/* Interrupts posted to a LAPIC from another core, and the INIT and
 * STARTUP signals (SDM vol. 3A, 9.4.4 and 11.6.1).
 *
 * A LAPIC's registers belong to its vCPU's core.  Another core posts into
 * a.post, the way a VT-x posted-interrupt descriptor works: it sets the
 * vector's bits (atomic OR, TMR before IRR), then VLAPIC_POSTED (release).
 * The owner, before each entry, sees the flag (acquire), clears it first
 * and only then takes the bits (atomic exchange).  A vector posted after
 * the flag was cleared either is in the words the owner takes now or has
 * set the flag again, and its poster then saw it clear and kicked: the
 * owner looks again before its next entry, so nothing is lost and
 * nothing is taken twice. */
#include "hv/platform/lapic.h"

#define ATOMIC_OR(p, v) __atomic_fetch_or((p), (v), __ATOMIC_RELAXED)
#define ATOMIC_AND(p, v) __atomic_fetch_and((p), (v), __ATOMIC_RELAXED)

/* Sets VLAPIC_POSTED after `ev`: true if the owner had looked since the
 * last post (it must be made to look again). */
static bool raise_flag(struct vlapic *a, uint32_t ev)
{
	uint32_t was = __atomic_fetch_or(&a->post.flags, ev | VLAPIC_POSTED,
					 __ATOMIC_RELEASE);

	return !(was & VLAPIC_POSTED);
}

bool vlapic_post(struct vlapic *a, uint8_t vector, bool level)
{
	uint32_t bit = 1u << (vector % 32);

	if (level)
		ATOMIC_OR(&a->post.tmr[vector / 32], bit);
	else
		ATOMIC_AND(&a->post.tmr[vector / 32], ~bit);
	ATOMIC_OR(&a->post.irr[vector / 32], bit);
	return raise_flag(a, 0);
}

bool vlapic_post_event(struct vlapic *a, uint32_t ev, uint8_t sipi_vector)
{
	ev &= VLAPIC_EV_NMI | VLAPIC_EV_INIT | VLAPIC_EV_STARTUP;
	if (ev & VLAPIC_EV_STARTUP)
		__atomic_store_n(&a->post.sipi_vector, sipi_vector,
				 __ATOMIC_RELAXED);
	return raise_flag(a, ev);
}

void vlapic_startup_signal(struct vlapic *a, uint8_t vector)
{
	/* Only a CPU waiting for it starts; others ignore it (9.4.4). */
	if (a->cpu != VLAPIC_WAIT_SIPI) {
		a->sipis_ignored++;
		return;
	}
	a->sipi_vector = vector;
	a->cpu = VLAPIC_STARTUP;
}

void vlapic_fold_posts(struct vlapic *a)
{
	uint32_t ev = __atomic_exchange_n(&a->post.flags, 0, __ATOMIC_ACQUIRE);

	/* INIT first: an INIT then a STARTUP posted between two looks is
	 * the start-up sequence, and the STARTUP must find the CPU
	 * waiting.  INIT also clears what was requested before it. */
	if (ev & VLAPIC_EV_INIT)
		vlapic_init_signal(a);
	if (ev & VLAPIC_EV_STARTUP)
		vlapic_startup_signal(a, __atomic_load_n(&a->post.sipi_vector,
							 __ATOMIC_RELAXED));
	if (ev & VLAPIC_EV_NMI) {
		a->nmis++;
		a->nmi_pending = true;
	}
	for (unsigned i = 0; i < 8; i++) {
		uint32_t irr = __atomic_exchange_n(&a->post.irr[i], 0,
						   __ATOMIC_ACQUIRE);

		if (!irr)
			continue;
		uint32_t tmr = __atomic_load_n(&a->post.tmr[i],
					       __ATOMIC_RELAXED);

		a->irr[i] |= irr;
		a->tmr[i] = (a->tmr[i] & ~irr) | (tmr & irr);
	}
}
