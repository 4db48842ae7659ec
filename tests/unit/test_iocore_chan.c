/* Host tests for hv/run/iocore_chan.c: the calls from the vCPU's core to
 * the I/O core and the interrupts posted the other way, each side a real
 * thread, with the kick played by a semaphore. */
#include "tests/support/check.h"

#include "hv/run/iocore_chan.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <time.h>

#define LIMIT_NS 5000000000ull /* a call not taken in 5 s is stuck */

static struct iocore_chan ch;
static int stop_server;
static uint64_t polls;

/* The I/O core: calls, and the polls a hold stops. */
static void *server(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&stop_server, __ATOMIC_ACQUIRE)) {
		chan_serve(&ch);
		if (!chan_held(&ch))
			__atomic_add_fetch(&polls, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static pthread_t start_server(void)
{
	pthread_t t;

	memset(&ch, 0, sizeof(ch));
	stop_server = 0;
	polls = 0;
	pthread_create(&t, NULL, server, NULL);
	return t;
}

static void stop(pthread_t t)
{
	__atomic_store_n(&stop_server, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
}

struct call_arg {
	uint64_t written_before; /* by the vCPU, before the call */
	uint64_t seen;		 /* by the I/O core, in the call */
	unsigned runs;
};

static void count_call(void *p)
{
	struct call_arg *a = p;

	a->seen = a->written_before;
	a->runs++;
}

static void calls_run_once_each_and_see_what_the_caller_wrote(void)
{
	pthread_t t = start_server();
	struct call_arg a = { 0, 0, 0 };
	int bad = 0;

	for (unsigned i = 1; i <= 20000; i++) {
		a.written_before = i;
		bad |= chan_call(&ch, count_call, &a, check_now_ns, LIMIT_NS) != 0;
		bad |= a.seen != i || a.runs != i;
	}
	stop(t);
	CHECK(!bad);
	CHECK(ch.st.calls == 20000);
}

static void a_stuck_io_core_fails_the_call(void)
{
	struct call_arg a = { 1, 0, 0 };

	memset(&ch, 0, sizeof(ch));
	CHECK(chan_call(&ch, count_call, &a, check_now_ns, 20000000) == -1);
	CHECK(a.runs == 0);
}

static void hold_stops_the_polls_until_release(void)
{
	pthread_t t = start_server();
	struct timespec ms = { 0, 10000000 };
	uint64_t p0, p1;

	CHECK(chan_hold(&ch, check_now_ns, LIMIT_NS) == 0);
	p0 = __atomic_load_n(&polls, __ATOMIC_RELAXED);
	nanosleep(&ms, NULL);
	p1 = __atomic_load_n(&polls, __ATOMIC_RELAXED);
	CHECK(p0 == p1);
	/* A second hold while held is no call at all. */
	CHECK(chan_hold(&ch, check_now_ns, LIMIT_NS) == 0);
	CHECK(ch.st.holds == 1);
	chan_release(&ch);
	for (int i = 0; i < 1000 && __atomic_load_n(&polls, __ATOMIC_RELAXED)
					    == p1;
	     i++)
		nanosleep(&ms, NULL);
	CHECK(__atomic_load_n(&polls, __ATOMIC_RELAXED) > p1);
	stop(t);
}

/* A sleep bounded as a timer bounds the real one: true if it ran out. */
static bool timed_out(sem_t *s)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += 100000000; /* 100 ms */
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return sem_timedwait(s, &t) && errno == ETIMEDOUT;
}

/* The I/O core naps when it has nothing to do, and a call must wake it:
 * it marks itself asleep, looks for a call, and sleeps (here on a
 * semaphore, with a timeout standing for its timer) until the vCPU's
 * wake-up.  A nap that times out with a call waiting is a lost wake-up. */
static sem_t io_wake;
static int naps_lost, naps_taken;

static void wake_io(void)
{
	sem_post(&io_wake);
}

static void *napping_server(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&stop_server, __ATOMIC_ACQUIRE)) {
		if (chan_serve(&ch) || !chan_sleep_begin(&ch))
			continue;
		naps_taken++;
		if (timed_out(&io_wake))
			naps_lost += __atomic_load_n(&ch.call_seq,
						     __ATOMIC_ACQUIRE)
				     != ch.call_done;
		chan_sleep_end(&ch);
	}
	return NULL;
}

static void a_call_wakes_a_napping_io_core(void)
{
	struct call_arg a = { 0, 0, 0 };
	struct timespec pause = { 0, 0 };
	pthread_t t;
	int bad = 0;

	memset(&ch, 0, sizeof(ch));
	ch.wake = wake_io;
	sem_init(&io_wake, 0, 0);
	stop_server = 0;
	naps_lost = naps_taken = 0;
	pthread_create(&t, NULL, napping_server, NULL);
	for (unsigned i = 1; i <= 20000; i++) {
		a.written_before = i;
		bad |= chan_call(&ch, count_call, &a, check_now_ns, LIMIT_NS)
		       != 0;
		/* Now and then a gap, so that it naps between calls. */
		pause.tv_nsec = i % 64 ? 0 : 20000;
		if (pause.tv_nsec)
			nanosleep(&pause, NULL);
	}
	__atomic_store_n(&stop_server, 1, __ATOMIC_RELEASE);
	sem_post(&io_wake);
	pthread_join(t, NULL);
	CHECK(!bad);
	CHECK(a.runs == 20000 && a.seen == 20000);
	CHECK(naps_lost == 0);
	CHECK(naps_taken > 0 && ch.st.wakes > 0);
	sem_destroy(&io_wake);
}

/* --- interrupts ------------------------------------------------------ */

static sem_t kick;
static uint64_t expected; /* the consumer's next sequence number */
static int out_of_order;

static void take(void *ctx, uint64_t a, uint32_t b)
{
	(void)ctx;
	if (a != expected || b != (uint32_t)(a * 7))
		out_of_order++;
	expected++;
}

struct producer {
	uint64_t n;
	unsigned spin_mask; /* a pause of up to this many loops between */
	uint64_t kicks;
};

static void *produce(void *p)
{
	struct producer *pr = p;
	uint64_t x = 12345;

	for (uint64_t i = 0; i < pr->n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		for (volatile unsigned s = 0; s < ((x >> 33) & pr->spin_mask);
		     s++)
			;
		if (chan_post(&ch, take, NULL, i, (uint32_t)(i * 7))) {
			pr->kicks++;
			sem_post(&kick);
		}
	}
	return NULL;
}

/* The vCPU: empties the ring, then sleeps until kicked.  A sleep that
 * times out with an entry waiting is a lost wake-up. */
static int consume(uint64_t n)
{
	int lost = 0;

	while (expected < n) {
		chan_drain(&ch);
		if (expected >= n)
			break;
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 2;
		if (sem_timedwait(&kick, &t) && errno == ETIMEDOUT) {
			lost += chan_pending(&ch);
			if (!chan_pending(&ch))
				break; /* the producer is gone */
		}
	}
	return lost;
}

static void run_posts(uint64_t n, unsigned spin_mask, int *lost)
{
	struct producer pr = { n, spin_mask, 0 };
	pthread_t t;

	memset(&ch, 0, sizeof(ch));
	sem_init(&kick, 0, 0);
	expected = 0;
	out_of_order = 0;
	pthread_create(&t, NULL, produce, &pr);
	*lost = consume(n);
	pthread_join(t, NULL);
	CHECK(pr.kicks == ch.st.kicks);
	sem_destroy(&kick);
}

static void posted_interrupts_arrive_in_order_and_no_wake_up_is_lost(void)
{
	int lost;

	run_posts(300000, 0x3ff, &lost);
	CHECK(lost == 0);
	CHECK(expected == 300000);
	CHECK(out_of_order == 0);
	/* A kick per wake-up, not per interrupt. */
	CHECK(ch.st.kicks > 0 && ch.st.kicks <= ch.st.irqs);
	CHECK(ch.st.irqs == 300000);
}

/* The vCPU as it halts (vcpu.c, do_hlt): it drains only when an entry
 * waits, so a wake-up with nothing left to drain leaves `kick` set;
 * chan_arm_kick before each sleep must clear it, or the next post sends
 * no kick and waits for a timer.  Each sleep is bounded (the timer); one
 * that times out with an entry waiting is a lost wake-up. */
static int producer_gone;

static void *produce_then_leave(void *p)
{
	produce(p);
	__atomic_store_n(&producer_gone, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int consume_as_hlt(uint64_t n)
{
	int lost = 0;

	while (expected < n) {
		if (chan_pending(&ch))
			chan_drain(&ch);
		if (expected >= n)
			break;
		if (chan_arm_kick(&ch))
			continue;
		if (timed_out(&kick)) {
			lost += chan_pending(&ch);
			if (!chan_pending(&ch)
			    && __atomic_load_n(&producer_gone,
					       __ATOMIC_ACQUIRE))
				break;
		}
	}
	return lost;
}

static void a_vcpu_that_halts_misses_no_post(void)
{
	struct producer pr = { 200000, 0xfff, 0 };
	pthread_t t;
	int lost;

	memset(&ch, 0, sizeof(ch));
	sem_init(&kick, 0, 0);
	expected = 0;
	out_of_order = 0;
	producer_gone = 0;
	pthread_create(&t, NULL, produce_then_leave, &pr);
	lost = consume_as_hlt(pr.n);
	pthread_join(t, NULL);
	CHECK(lost == 0);
	CHECK(expected == pr.n);
	CHECK(out_of_order == 0);
	sem_destroy(&kick);
}

static void a_full_ring_waits_for_the_consumer_and_loses_nothing(void)
{
	int lost;

	run_posts(20 * CHAN_IRQ_RING, 0, &lost);
	CHECK(lost == 0);
	CHECK(expected == 20 * CHAN_IRQ_RING);
	CHECK(out_of_order == 0);
}

/* The I/O core posts more than the ring holds between calls, while the
 * vCPU only ever calls: chan_call empties the ring as it waits, or the
 * two would wait on each other. */
static int producer_done;

static void *post_and_serve(void *p)
{
	uint64_t *n = p, i = 0;

	while (!__atomic_load_n(&stop_server, __ATOMIC_ACQUIRE)) {
		chan_serve(&ch);
		for (int k = 0; k < 3 * CHAN_IRQ_RING; k++, i++)
			chan_post(&ch, take, NULL, i, (uint32_t)(i * 7));
	}
	*n = i;
	__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void a_call_with_the_ring_full_does_not_deadlock(void)
{
	struct call_arg a = { 0, 0, 0 };
	uint64_t posted = 0;
	pthread_t t;
	int bad = 0;

	memset(&ch, 0, sizeof(ch));
	stop_server = 0;
	producer_done = 0;
	expected = 0;
	out_of_order = 0;
	pthread_create(&t, NULL, post_and_serve, &posted);
	/* Nobody empties the ring meanwhile: the producer fills it and
	 * waits before the first call is made. */
	while (!__atomic_load_n(&ch.st.ring_full_waits, __ATOMIC_RELAXED))
		sched_yield();
	for (unsigned i = 1; i <= 200; i++) {
		a.written_before = i;
		bad |= chan_call(&ch, count_call, &a, check_now_ns, LIMIT_NS) != 0;
	}
	__atomic_store_n(&stop_server, 1, __ATOMIC_RELEASE);
	/* The producer may be waiting on a full ring: empty it. */
	while (!__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE))
		chan_drain(&ch);
	pthread_join(t, NULL);
	chan_drain(&ch);
	CHECK(!bad);
	CHECK(a.runs == 200);
	CHECK(expected == posted);
	CHECK(out_of_order == 0);
	CHECK(ch.st.ring_full_waits > 0);
}

static void post_in_call(void *p)
{
	(void)p;
	CHECK(!chan_post(&ch, take, NULL, expected, (uint32_t)(expected * 7)));
}

static void a_post_inside_a_call_is_raised_at_once(void)
{
	pthread_t t = start_server();

	expected = 0;
	out_of_order = 0;
	CHECK(chan_call(&ch, post_in_call, NULL, check_now_ns, LIMIT_NS) == 0);
	/* Raised before the call returned, and nothing left queued. */
	CHECK(expected == 1);
	CHECK(!chan_pending(&ch));
	CHECK(out_of_order == 0);
	stop(t);
}

int main(void)
{
	RUN(calls_run_once_each_and_see_what_the_caller_wrote);
	RUN(a_stuck_io_core_fails_the_call);
	RUN(hold_stops_the_polls_until_release);
	RUN(a_call_wakes_a_napping_io_core);
	RUN(posted_interrupts_arrive_in_order_and_no_wake_up_is_lost);
	RUN(a_vcpu_that_halts_misses_no_post);
	RUN(a_full_ring_waits_for_the_consumer_and_loses_nothing);
	RUN(a_call_with_the_ring_full_does_not_deadlock);
	RUN(a_post_inside_a_call_is_raised_at_once);
	return CHECK_DONE();
}
