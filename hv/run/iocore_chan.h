/* The two channels between the vCPU's core and the I/O core, with no
 * locks (hv/run/iocore.h says what each core owns):
 *
 *   - calls, vCPU -> I/O core: the vCPU's trap paths into the device side
 *     (PCI configuration space, the virtio functions' registers) hand the
 *     access over and wait for it; the I/O core runs it between two polls,
 *     when none of its own work is under way.  A hold is a call that
 *     leaves the I/O core idle until released: the vCPU's core then owns
 *     the device side (guest reset and restart).  A call to an I/O core
 *     that naps wakes it with an IPI (chan_sleep_begin).
 *   - interrupts, I/O core -> vCPU: a device's MSI or INTx change is a
 *     call fn(ctx, a, b) posted to a single-producer, single-consumer
 *     ring the vCPU empties before each entry and while it waits in HLT.
 *     The first post after an emptying asks for a kick (an IPI that ends
 *     the guest's run), later ones do not until the vCPU empties it again.
 *
 * Lost wake-ups: the producer publishes an entry (head, release) before
 * it sets `kick` with an atomic exchange; the consumer clears `kick` with
 * an exchange before it reads head.  The two exchanges are ordered: if
 * the producer's comes first the consumer's read of head sees the entry;
 * if the consumer's comes first the producer sees 0 and kicks.
 *
 * A full ring makes the producer wait for the consumer.  The vCPU empties
 * the ring while it waits for a call too, so the two cannot wait on each
 * other; during a call the vCPU is parked, and a post from inside the
 * call is delivered at once. */
#ifndef PLINTH_IOCORE_CHAN_H
#define PLINTH_IOCORE_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/base/counters.h"

#define CHAN_IRQ_RING 256 /* a power of two */

typedef void (*chan_irq_fn)(void *ctx, uint64_t a, uint32_t b);

struct chan_irq {
	chan_irq_fn fn;
	void *ctx;
	uint64_t a;
	uint32_t b;
};

struct chan_stats {
	uint64_t calls, holds, irqs, kicks, ring_full_waits, wakes;
};
extern const struct counter_set chan_counters;

struct iocore_chan {
	/* Calls: fn and arg written by the vCPU before seq (release); done
	 * written by the I/O core after the call (release). */
	void (*call_fn)(void *arg);
	void *call_arg;
	uint32_t call_seq, call_done;
	bool in_call; /* I/O core: running a call, the vCPU waits */
	bool held;    /* set by a hold call, cleared by chan_release */
	/* The I/O core sleeps (chan_sleep_begin): a call wakes it with
	 * wake(), set before the first call. */
	int asleep;
	void (*wake)(void);

	/* Interrupts: head written by the I/O core, tail by the vCPU. */
	struct chan_irq ring[CHAN_IRQ_RING];
	uint32_t head, tail;
	int kick;

	struct chan_stats st;
};

/* vCPU side.  Runs fn(arg) on the I/O core and returns when it has; while
 * it waits it empties the interrupt ring.  -1 if the I/O core has not
 * taken the call after `limit` units of now() (it is stuck). */
int chan_call(struct iocore_chan *c, void (*fn)(void *arg), void *arg,
	      uint64_t (*now)(void), uint64_t limit);
/* A call that leaves the I/O core idle until chan_release(). */
int chan_hold(struct iocore_chan *c, uint64_t (*now)(void), uint64_t limit);
void chan_release(struct iocore_chan *c);
/* Runs the posted interrupt calls, oldest first; how many. */
unsigned chan_drain(struct iocore_chan *c);
/* The vCPU is about to sleep in HLT: the next post must send an IPI, so
 * `kick` is cleared first (as chan_drain does), then the ring looked at:
 * true if an entry already waits, and it must not sleep.  Without this a
 * post that found `kick` still set from an earlier one, already drained,
 * would not wake it. */
bool chan_arm_kick(struct iocore_chan *c);
/* Whether an entry waits (one load: the check before every entry). */
static inline bool chan_pending(const struct iocore_chan *c)
{
	return __atomic_load_n(&c->head, __ATOMIC_ACQUIRE) != c->tail;
}

/* I/O core side.  Runs a call the vCPU has posted; true if there was
 * one. */
bool chan_serve(struct iocore_chan *c);
/* Whether a hold is in force: poll nothing. */
static inline bool chan_held(const struct iocore_chan *c)
{
	return __atomic_load_n(&c->held, __ATOMIC_ACQUIRE);
}
/* Before the I/O core sleeps: marks it asleep, so that a call from now on
 * wakes it, then looks for a call made before that: true if there is
 * none and it may sleep; false (and not marked) if there is.  The vCPU
 * publishes its call, then reads `asleep`; the I/O core writes `asleep`,
 * then reads the call: each with a full fence between, so at least one
 * of the two sees the other (no call waits on a sleeping I/O core). */
bool chan_sleep_begin(struct iocore_chan *c);
/* Awake again: calls need no wake-up. */
void chan_sleep_end(struct iocore_chan *c);
/* Posts fn(ctx, a, b) to the vCPU; true when the caller must kick it. */
bool chan_post(struct iocore_chan *c, chan_irq_fn fn, void *ctx, uint64_t a,
	       uint32_t b);

#endif
