/* The vCPU <-> I/O core channels (see iocore_chan.h). */
#include "hv/run/iocore_chan.h"

#include "hv/base/spin.h"

int chan_call(struct iocore_chan *c, void (*fn)(void *arg), void *arg,
	      uint64_t (*now)(void), uint64_t limit)
{
	uint32_t seq = c->call_seq + 1;
	uint64_t end = now() + limit;

	c->call_fn = fn;
	c->call_arg = arg;
	/* fn, arg and everything the vCPU wrote before, then the request. */
	__atomic_store_n(&c->call_seq, seq, __ATOMIC_RELEASE);
	c->st.calls++;
	/* The request before the look at `asleep` (chan_sleep_begin). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->asleep, __ATOMIC_RELAXED) && c->wake) {
		c->st.wakes++;
		c->wake();
	}
	while (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) != seq) {
		if (chan_pending(c))
			chan_drain(c);
		if (now() > end)
			return -1;
		spin_relax();
	}
	return 0;
}

static void hold_there(void *arg)
{
	struct iocore_chan *c = arg;

	__atomic_store_n(&c->held, true, __ATOMIC_RELAXED);
}

int chan_hold(struct iocore_chan *c, uint64_t (*now)(void), uint64_t limit)
{
	if (c->held)
		return 0; /* already the vCPU's */
	c->st.holds++;
	return chan_call(c, hold_there, c, now, limit);
}

void chan_release(struct iocore_chan *c)
{
	/* What the vCPU did to the device side, before the I/O core
	 * resumes it. */
	__atomic_store_n(&c->held, false, __ATOMIC_RELEASE);
}

bool chan_serve(struct iocore_chan *c)
{
	uint32_t seq = __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE);

	if (seq == c->call_done)
		return false;
	c->in_call = true;
	c->call_fn(c->call_arg);
	c->in_call = false;
	__atomic_store_n(&c->call_done, seq, __ATOMIC_RELEASE);
	return true;
}

bool chan_sleep_begin(struct iocore_chan *c)
{
	__atomic_store_n(&c->asleep, 1, __ATOMIC_RELAXED);
	/* `asleep` before the look at the request (chan_call). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->call_seq, __ATOMIC_RELAXED) == c->call_done)
		return true;
	chan_sleep_end(c);
	return false;
}

void chan_sleep_end(struct iocore_chan *c)
{
	__atomic_store_n(&c->asleep, 0, __ATOMIC_RELAXED);
}

bool chan_post(struct iocore_chan *c, chan_irq_fn fn, void *ctx, uint64_t a,
	       uint32_t b)
{
	if (c->in_call) {
		/* The vCPU is parked in chan_call: its side is ours. */
		fn(ctx, a, b);
		return false;
	}
	uint32_t head = c->head;

	if (head - __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE)
	    == CHAN_IRQ_RING) {
		c->st.ring_full_waits++;
		/* The vCPU empties it before its next entry; the kick
		 * already sent ends its run. */
		while (head - __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE)
		       == CHAN_IRQ_RING)
			spin_relax();
	}
	c->ring[head % CHAN_IRQ_RING] = (struct chan_irq){ fn, ctx, a, b };
	__atomic_store_n(&c->head, head + 1, __ATOMIC_RELEASE);
	c->st.irqs++;
	if (__atomic_exchange_n(&c->kick, 1, __ATOMIC_SEQ_CST))
		return false;
	c->st.kicks++;
	return true;
}

bool chan_arm_kick(struct iocore_chan *c)
{
	/* The same pair of exchanges as chan_drain's (see the header). */
	(void)__atomic_exchange_n(&c->kick, 0, __ATOMIC_SEQ_CST);
	return chan_pending(c);
}

unsigned chan_drain(struct iocore_chan *c)
{
	unsigned n = 0;

	/* Cleared before head is read: see the header. */
	(void)__atomic_exchange_n(&c->kick, 0, __ATOMIC_SEQ_CST);
	uint32_t head = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);

	for (uint32_t t = c->tail; t != head; t++, n++) {
		struct chan_irq e = c->ring[t % CHAN_IRQ_RING];

		/* The slot is the producer's again once tail passes it. */
		__atomic_store_n(&c->tail, t + 1, __ATOMIC_RELEASE);
		e.fn(e.ctx, e.a, e.b);
	}
	return n;
}
