/* The start-up handshake (arch/x86/smp_claim.c) with both sides real
 * threads: the first CPU, which waits a while and then gives up, and the
 * CPU being started, which takes its ticket in the trampoline (played
 * here by the same LOCK CMPXCHG as ap_boot.S's) and later reports in.
 * Whenever each arrives, they agree: the CPU runs on exactly when the
 * first CPU counts it, and halts in the trampoline or before parking
 * exactly when it was given up on at that point. */
#include "tests/support/check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arch/x86/smp.h"
#include "arch/x86/smp_claim.h"

#define ID 5
#define WAIT_US 40 /* the first CPU's wait before it gives up */
#define LATE_US 40 /* and its wait for a CPU that took its ticket */

enum outcome { AP_RAN, AP_HALTED_AT_TICKET, AP_HALTED_AT_PARKING };

static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void spin_us(uint64_t us)
{
	uint64_t end = now_us() + us;

	while (now_us() < end)
		;
}

static bool parked_within(const int *state, uint64_t us)
{
	uint64_t end = now_us() + us;

	do {
		if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == CPU_PARKED)
			return true;
	} while (now_us() < end);
	return false;
}

struct round {
	uint32_t ticket;
	int state;
	uint64_t t0;		     /* when the first CPU began waiting */
	uint64_t arrive_us, park_us; /* when the CPU comes, after t0 */
	enum outcome out;
};

/* ap_boot.S: its APIC ID against the ticket, swapped for CLOSED. */
static bool take_ticket(uint32_t *ticket, uint32_t id)
{
	return __atomic_compare_exchange_n(ticket, &id, SMP_TICKET_CLOSED,
					   false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* The CPU being started: one thread for every round, told of each by
 * `go` (the round's number) and answering with `done`. */
static struct round *cur;
static unsigned go, done;

static void *ap(void *unused)
{
	(void)unused;
	for (unsigned n = 1;; n++) {
		unsigned g;

		while ((g = __atomic_load_n(&go, __ATOMIC_ACQUIRE)) < n)
			;
		if (g == ~0u)
			return NULL;
		struct round *r = cur;

		while (now_us() < r->t0 + r->arrive_us)
			;
		if (!take_ticket(&r->ticket, ID)) {
			r->out = AP_HALTED_AT_TICKET;
		} else {
			spin_us(r->park_us);
			r->out = smp_claim_parked(&r->state)
					 ? AP_RAN
					 : AP_HALTED_AT_PARKING;
		}
		__atomic_store_n(&done, n, __ATOMIC_RELEASE);
	}
}

/* One start: the first CPU's side as smp.c's start_one. */
static enum smp_fate start(struct round *r, unsigned n)
{
	enum smp_fate f;

	r->state = CPU_STARTING;
	__atomic_store_n(&r->ticket, ID, __ATOMIC_RELEASE);
	r->t0 = now_us();
	cur = r;
	__atomic_store_n(&go, n, __ATOMIC_RELEASE);
	if (parked_within(&r->state, WAIT_US))
		f = SMP_JOINED;
	else
		f = smp_claim_give_up(&r->ticket, ID, &r->state, LATE_US,
				      parked_within);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < n)
		;
	return f;
}

static void both_sides_always_agree(void)
{
	unsigned seen[3] = { 0, 0, 0 };
	pthread_t t;

	srand(1);
	pthread_create(&t, NULL, ap, NULL);
	for (unsigned i = 1; i <= 4000; i++) {
		struct round r = {
			.ticket = SMP_TICKET_CLOSED,
			.arrive_us = (uint64_t)(rand() % (2 * WAIT_US)),
			.park_us = (uint64_t)(rand() % (3 * LATE_US)),
		};
		enum smp_fate f = start(&r, i);

		seen[f]++;
		if (f == SMP_JOINED)
			CHECK(r.out == AP_RAN && r.state == CPU_PARKED);
		else if (f == SMP_NEVER_CAME)
			CHECK(r.out == AP_HALTED_AT_TICKET);
		else
			CHECK(r.out == AP_HALTED_AT_PARKING
			      && r.state == CPU_SILENT);
		/* Whatever happened, nobody can take the ticket again. */
		CHECK(r.ticket == SMP_TICKET_CLOSED);
		CHECK(!take_ticket(&r.ticket, ID));
	}
	__atomic_store_n(&go, ~0u, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	/* How the rounds ended depends on the host's scheduling; the
	 * tests below take each way on purpose. */
	printf("# joined %u, never came %u, stuck %u\n", seen[SMP_JOINED],
	       seen[SMP_NEVER_CAME], seen[SMP_STUCK]);
}

/* The waits, played in one thread: the CPU parks during the wait, or
 * just after it (before the first CPU's swap), or not at all. */
static int *waiting_on;
static bool park_during_wait(const int *state, uint64_t us)
{
	(void)us;
	CHECK(smp_claim_parked(waiting_on));
	return __atomic_load_n(state, __ATOMIC_ACQUIRE) == CPU_PARKED;
}

static bool park_after_wait(const int *state, uint64_t us)
{
	(void)state;
	(void)us;
	CHECK(smp_claim_parked(waiting_on));
	return false;
}

static bool never_parks(const int *state, uint64_t us)
{
	(void)state;
	(void)us;
	return false;
}

static void a_late_cpu_joins_or_halts(void)
{
	bool (*waits[])(const int *, uint64_t) = {
		park_during_wait, park_after_wait, never_parks
	};
	const enum smp_fate want[] = { SMP_JOINED, SMP_JOINED, SMP_STUCK };

	for (unsigned i = 0; i < 3; i++) {
		uint32_t ticket = ID;
		int state = CPU_STARTING;

		waiting_on = &state;
		CHECK(take_ticket(&ticket, ID)); /* in the trampoline */
		CHECK(smp_claim_give_up(&ticket, ID, &state, LATE_US,
					waits[i])
		      == want[i]);
		if (want[i] == SMP_STUCK) {
			CHECK(state == CPU_SILENT);
			CHECK(!smp_claim_parked(&state)); /* it halts */
		} else {
			CHECK(state == CPU_PARKED);
		}
	}
}

/* A CPU woken late, while another one's start is under way: its ID is
 * not on the ticket, so it halts and leaves the ticket to its owner. */
static void another_cpu_cannot_take_the_ticket(void)
{
	uint32_t ticket = ID;

	CHECK(!take_ticket(&ticket, ID + 1));
	CHECK(ticket == ID);
	CHECK(take_ticket(&ticket, ID));
	CHECK(!take_ticket(&ticket, SMP_TICKET_CLOSED - 1));
}

/* A CPU that never comes: the first CPU closes its ticket at once. */
static void a_cpu_that_never_comes(void)
{
	uint32_t ticket = ID;
	int state = CPU_STARTING;

	CHECK(smp_claim_give_up(&ticket, ID, &state, LATE_US, parked_within)
	      == SMP_NEVER_CAME);
	CHECK(ticket == SMP_TICKET_CLOSED && state == CPU_STARTING);
	CHECK(!take_ticket(&ticket, ID)); /* if it comes after all: halts */
}

int main(void)
{
	RUN(another_cpu_cannot_take_the_ticket);
	RUN(a_cpu_that_never_comes);
	RUN(a_late_cpu_joins_or_halts);
	RUN(both_sides_always_agree);
	return CHECK_DONE();
}
