/* The I/O core (see iocore.h). */
#include "hv/run/iocore.h"

#include "arch/x86/smp.h"
#include "hv/base/clock.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/power.h"
#include "hv/base/spin.h"
#include "hv/config/config.h"

/* A call the I/O core does not take in this long means it is stuck: no
 * poll of its is allowed to run anywhere near it (each exit's work is
 * bounded), so the machine is no longer in a state to trust. */
#define CALL_LIMIT_NS 10000000000ull /* 10 s */

static struct iocore_chan chan;
bool iocore_running;
static unsigned io_cpu;
static void (*io_poll)(void);
static uint64_t polls;

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

static void loop(struct cpu_local *c, void *arg)
{
	(void)c;
	(void)arg;
	for (;;) {
		chan_serve(&chan);
		if (!chan_held(&chan)) {
			io_poll();
			polls++;
		}
		spin_relax();
	}
}

void iocore_start(unsigned cpu, void (*poll)(void))
{
	io_cpu = cpu;
	io_poll = poll;
	chan.held = true; /* the vCPU's core sets the guest up first */
	if (!smp_run_on(cpu, loop, NULL))
		panic("the I/O core, CPU %u, would not take its job", cpu);
	iocore_running = true;
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
	log_msg("iocore: cpu %u: %lu polls, %lu calls from the vCPU, %lu "
		"holds, %lu interrupts posted, %lu kicks, %lu waits on a "
		"full ring",
		io_cpu, (unsigned long)polls, (unsigned long)chan.st.calls,
		(unsigned long)chan.st.holds, (unsigned long)chan.st.irqs,
		(unsigned long)chan.st.kicks,
		(unsigned long)chan.st.ring_full_waits);
}
