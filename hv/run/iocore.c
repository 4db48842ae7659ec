/* The I/O core (see iocore.h). */
#include "hv/run/iocore.h"

#include "arch/x86/cpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/io.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "hv/base/clock.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/power.h"
#include "hv/base/spin.h"
#include "hv/base/stats.h"
#include "hv/config/config.h"

/* A call the I/O core does not take in this long means it is stuck: no
 * poll of its is allowed to run anywhere near it (each exit's work is
 * bounded), so the machine is no longer in a state to trust. */
#define CALL_LIMIT_NS 10000000000ull /* 10 s */

/* With nothing to do for a while, the I/O core sleeps.  The while adapts,
 * as Linux's halt polling does: a nap a request cut short doubles it, so
 * that it outlasts the gaps in the guest's stream of requests and the
 * next one finds the I/O core polling (no notification, no wake-up); a
 * nap that ran its course halves it, so that a guest that does nothing
 * soon costs nothing. */
#define SPIN_MIN_NS 1000000ull	/* 1 ms */
#define SPIN_MAX_NS 16000000ull /* 16 ms */

static struct iocore_chan chan;
bool iocore_running;
static unsigned io_cpu;
static const struct iocore_work *io;
static uint64_t since_tsc;
static struct iocore_stats st; /* the I/O core's own; /metrics reads it */
static bool resume_due;	       /* a nap ended in a hold: resume after it */

bool iocore_choose(unsigned want, unsigned *cpu, char *why, size_t n)
{
	const struct cpu_local *c;

	if (want == 0) {
		fmt(why, n, "io_core = off");
		return false;
	}
	if (want == CFG_IO_CORE_AUTO)
		want = 1;
	c = smp_cpu(want);
	if (!c || c->state != CPU_PARKED) {
		if (!smp_cpu(1))
			fmt(why, n, "Plinth runs on one CPU");
		else
			fmt(why, n, "io_core = %u names no CPU Plinth started",
			    want);
		return false;
	}
	*cpu = want;
	return true;
}

static uint64_t now(void)
{
	return clock_ns();
}

/* Microseconds in t ticks, without overflow for a run of any length. */
static uint64_t ticks_us(uint64_t t)
{
	uint64_t hz = tsc_hz();

	return t / hz * 1000000 + t % hz * 1000000 / hz;
}

static uint64_t ns_ticks(uint64_t ns)
{
	return ns * tsc_hz() / 1000000000ull;
}

/* Sleeps until a call, a device's interrupt or the timer: the drivers
 * notify meanwhile, and their notifications are calls; the NIC interrupts
 * for a frame when it can (io->pause); the rest waits for the timer
 * (io->nap_ns).  Interrupts stay off but for the HLT itself; the wake-up's
 * handler only acknowledges it. */
static void nap(uint64_t *spin)
{
	bool slept = false, cut_short;

	if (!io->pause() && chan_sleep_begin(&chan)) {
		uint64_t t0 = rdtsc();

		host_timer_arm(ns_ticks(io->nap_ns));
		cpu_wait_interrupt();
		st.asleep_us += ticks_us(rdtsc() - t0);
		st.naps++;
		st.device_wakes = smp_cpu(io_cpu)->dev_wakes;
		slept = true;
		chan_sleep_end(&chan);
	}
	/* A call that came meanwhile (a notification, most likely) is
	 * served while the drivers may still notify.  It, or a request
	 * that kept the I/O core awake, says the spin was too short.  If
	 * it was a hold, the devices are the vCPU core's now: they are
	 * resumed once it lets go. */
	cut_short = chan_serve(&chan) || !slept;
	if (chan_held(&chan))
		resume_due = true;
	else
		io->resume();
	if (cut_short && *spin < ns_ticks(SPIN_MAX_NS))
		*spin *= 2;
	else if (!cut_short && *spin > ns_ticks(SPIN_MIN_NS))
		*spin /= 2;
}

static void loop(struct cpu_local *c, void *arg)
{
	uint64_t idle_from, spin = ns_ticks(SPIN_MIN_NS);

	(void)c;
	(void)arg;
	host_timer_cpu_init(); /* its wake-up timer */
	since_tsc = idle_from = rdtsc();
	for (;;) {
		bool work = chan_serve(&chan);

		if (!chan_held(&chan)) {
			if (resume_due) {
				io->resume();
				resume_due = false;
			}
			if (io->poll())
				work = true;
			st.polls++;
		} else
			work = true; /* the vCPU's core works on our side */
		uint64_t t = rdtsc();

		/* After a nap with nothing found, the next one at once. */
		if (work)
			idle_from = t;
		else if (io->pause && t - idle_from >= spin)
			nap(&spin);
		spin_relax();
	}
}

static void wake(void)
{
	smp_kick(io_cpu);
}

void iocore_start(unsigned cpu, const struct iocore_work *work)
{
	io_cpu = cpu;
	io = work;
	chan.wake = wake;
	chan.held = true; /* the vCPU's core sets the guest up first */
	if (!smp_run_on(cpu, loop, NULL))
		panic("the I/O core, CPU %u, would not take its job", cpu);
	iocore_running = true;
	stats_add(&iocore_counters, &st, "iocore", "cpu=\"%u\"", cpu);
	stats_add(&chan_counters, &chan.st, "iocore", "cpu=\"%u\"", cpu);
}

struct iocore_chan *iocore_chan(void)
{
	return iocore_running ? &chan : NULL;
}

void iocore_call(void (*fn)(void *arg), void *arg)
{
	if (!iocore_running) {
		fn(arg);
		return;
	}
	if (chan_call(&chan, fn, arg, now, CALL_LIMIT_NS))
		panic("the I/O core (CPU %u) has not answered the vCPU for "
		      "10 s",
		      io_cpu);
}

void iocore_hold(void)
{
	if (iocore_running && chan_hold(&chan, now, CALL_LIMIT_NS))
		panic("the I/O core (CPU %u) would not stop for the guest's "
		      "restart",
		      io_cpu);
}

void iocore_release(void)
{
	if (iocore_running)
		chan_release(&chan);
}

void iocore_post(chan_irq_fn fn, void *ctx, uint64_t a, uint32_t b)
{
	/* What matters is that the guest's run ends (smp_kick). */
	if (chan_post(&chan, fn, ctx, a, b))
		smp_kick(0);
}

void iocore_print_stats(void)
{
	if (!iocore_running)
		return;
	uint64_t span_us = ticks_us(rdtsc() - since_tsc);
	unsigned awake = span_us ? (unsigned)(1000
					      - st.asleep_us * 1000 / span_us)
				 : 1000;

	log_msg("iocore: cpu %u: %lu polls, %lu calls from the vCPU, %lu "
		"holds, %lu interrupts posted, %lu kicks, %lu waits on a "
		"full ring",
		io_cpu, (unsigned long)st.polls, (unsigned long)chan.st.calls,
		(unsigned long)chan.st.holds, (unsigned long)chan.st.irqs,
		(unsigned long)chan.st.kicks,
		(unsigned long)chan.st.ring_full_waits);
	log_msg("iocore: cpu %u: awake %u.%u%% of %lu ms; %lu naps, %lu "
		"woken early by the vCPU's calls, %lu by a device",
		io_cpu, awake / 10, awake % 10, (unsigned long)(span_us / 1000),
		(unsigned long)st.naps, (unsigned long)chan.st.wakes,
		(unsigned long)st.device_wakes);
}
