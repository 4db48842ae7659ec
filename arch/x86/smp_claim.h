/* Who decides whether a CPU being started joins (smp.c): the CPU, which may
 * arrive late, or the first CPU, which gives up on it after a while.
 *
 * Two words settle it, each by one compare-and-swap that only one side can
 * win:
 *   - the ticket, in the start-up page (ap_boot.S): the APIC ID of the one
 *     CPU allowed past the trampoline's first instructions.  That CPU swaps
 *     it for SMP_TICKET_CLOSED before it touches anything else; any other
 *     CPU (one given up on, woken late by a STARTUP IPI that was still
 *     pending) finds an ID not its own and halts there for good.
 *   - the CPU's state: it swaps CPU_STARTING for CPU_PARKED once it is
 *     ready for work (smp_claim_parked), or halts for good if the first CPU
 *     swapped it for CPU_SILENT first.
 * So a CPU the first CPU gave up on never runs on a trampoline patched for
 * another CPU, nor on a cpu_local and stacks handed to another.  Both are
 * pure atomics, so the unit tests play the two sides with threads. */
#ifndef PLINTH_X86_SMP_CLAIM_H
#define PLINTH_X86_SMP_CLAIM_H

#include <stdbool.h>
#include <stdint.h>

/* No CPU's APIC ID: 0xffffffff is the x2APIC broadcast ID. */
#define SMP_TICKET_CLOSED 0xffffffffu

enum smp_fate {
	SMP_JOINED,	/* parked, ready for work */
	SMP_NEVER_CAME, /* never took its ticket; halts if it ever comes */
	/* Took its ticket but did not park in time: it halts when it tries,
	 * but until then it may still read the start-up page and use its
	 * stacks and cpu_local, so neither may go to another CPU. */
	SMP_STUCK,
};

/* The first CPU, done waiting for the CPU with `apic_id`: closes its
 * ticket if the CPU has not taken it; else waits up to late_us more for it
 * to park (parked_within: true once *state is CPU_PARKED), then takes its
 * state from it.  What became of it. */
enum smp_fate smp_claim_give_up(uint32_t *ticket, uint32_t apic_id, int *state,
				uint64_t late_us,
				bool (*parked_within)(const int *state,
						      uint64_t us));

/* The started CPU, ready: true if it joined, false if the first CPU has
 * given up on it (it must then halt for good). */
bool smp_claim_parked(int *state);

#endif
