/* The start-up handshake's decisions (see smp_claim.h). */
#include "arch/x86/smp_claim.h"

#include "arch/x86/smp.h"

enum smp_fate smp_claim_give_up(uint32_t *ticket, uint32_t apic_id, int *state,
				uint64_t late_us,
				bool (*parked_within)(const int *state,
						      uint64_t us))
{
	uint32_t id = apic_id;
	int s = CPU_STARTING;

	if (__atomic_compare_exchange_n(ticket, &id, SMP_TICKET_CLOSED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return SMP_NEVER_CAME;
	/* It took the ticket: it is on its way, only slow. */
	if (parked_within(state, late_us))
		return SMP_JOINED;
	if (__atomic_compare_exchange_n(state, &s, CPU_SILENT, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return SMP_STUCK;
	return SMP_JOINED; /* it parked between the wait and the swap */
}

bool smp_claim_parked(int *state)
{
	int s = CPU_STARTING;

	/* Release: its start-up's writes (its descriptors, started_tsc)
	 * before the first CPU sees it parked. */
	return __atomic_compare_exchange_n(state, &s, CPU_PARKED, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
