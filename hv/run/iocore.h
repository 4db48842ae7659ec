/* The I/O core: with two CPUs or more, one of Plinth's CPUs runs the
 * device side by polling while the guest's vCPU runs on the first (and
 * its other vCPUs, if it has several, on CPUs of their own: vCPU 0's core
 * is "the vCPU's core" below, and hv/run/vcpus.h says what the others may
 * touch).
 *
 * Who owns what while the guest runs:
 *   - the I/O core: the PCI host and its configuration space, the virtio
 *     functions (transport registers, MSI-X table, queues and their
 *     rings), the disk and NIC drivers and their rings, the switch, lwIP
 *     and the management server.  It polls them all, every queue included,
 *     so the guest's drivers are told not to notify (virtq.polled) except
 *     while it naps (iocore.c): then a notification, a trapped access like
 *     any other and so a call, wakes it.
 *   - the vCPU's core: the vCPU, the LAPIC, IOAPIC, PIT, RTC, PM block and
 *     UART models, the MMIO and port buses.
 *   - shared, under a bounded spin lock: the log and the guest's status,
 *     console rings and requests (hv/base/spin.h).  Counters are written
 *     by their owner alone and may be read anywhere.
 * The vCPU's trap paths into the I/O core's side (bus ranges marked
 * remote: configuration space, the virtio BARs) are calls: the vCPU hands
 * the access over and waits (iocore_chan.h); during a call the vCPU's side
 * is the I/O core's too, so a BAR move may change the MMIO bus.  The
 * devices' interrupts travel the other way, posted to the vCPU and raised
 * there before its next entry; the first one since it last looked sends
 * its core an IPI that ends the guest's run (an intercepted physical
 * interrupt), so it is raised without waiting for a timer.  Between two
 * runs the vCPU's core holds the I/O core idle and owns everything
 * (guest reset, device reset, drain, restart).
 *
 * Single-core mode (one CPU, or io_core = off) keeps everything on the
 * vCPU's core, as before: none of the calls below does anything then. */
#ifndef PLINTH_IOCORE_H
#define PLINTH_IOCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/base/counters.h"
#include "hv/run/iocore_chan.h"

/* Chooses the mode for plinth.cfg's io_core (CFG_IO_CORE_AUTO, 0 for off,
 * or a CPU index) and the CPUs Plinth started, and logs it: true with the
 * I/O core's CPU in *cpu, false with why not in why. */
bool iocore_choose(unsigned want, unsigned *cpu, char *why, size_t n);
/* The device side's work. */
struct iocore_work {
	/* Run over and over while no hold is in force: true if there was
	 * work, or work is still out (a request, a frame to send). */
	bool (*poll)(void);
	/* With nothing to do for a while, the I/O core sleeps: pause asks
	 * the drivers to notify again, and says whether a request came
	 * meanwhile (then it does not sleep); resume follows either way.
	 * pause NULL: it never sleeps. */
	bool (*pause)(void);
	void (*resume)(void);
	/* The longest nap: the timer that ends it brings what no wake-up
	 * does (the NIC's frames, unless the NIC can wake the I/O core;
	 * lwIP's timers). */
	uint64_t nap_ns;
};

/* The I/O core's own counters, written by it alone (/metrics reads them
 * there too, the management server being one of its polls); the vCPU's
 * calls, holds and posts are counted in its channel (iocore_chan.h). */
struct iocore_stats {
	uint64_t polls;	       /* looks at every device */
	uint64_t naps;	       /* sleeps for want of work */
	uint64_t asleep_us;    /* time asleep */
	uint64_t device_wakes; /* naps a device's interrupt ended */
};
extern const struct counter_set iocore_counters;

/* Starts polling on CPU `cpu`.  The I/O core starts held. */
void iocore_start(unsigned cpu, const struct iocore_work *work);
/* Inline: the run loop asks after every port and MMIO exit. */
extern bool iocore_running;
static inline bool iocore_on(void)
{
	return iocore_running;
}

/* vCPU side: runs fn(arg) on the I/O core (the bus's gateway). */
void iocore_call(void (*fn)(void *arg), void *arg);
/* The device side is the vCPU core's until iocore_release(). */
void iocore_hold(void);
void iocore_release(void);
/* The channel whose interrupts the vCPU raises (vcpu.irqs); NULL in
 * single-core mode. */
struct iocore_chan *iocore_chan(void);

/* I/O core side: has fn(ctx, a, b) run on the vCPU's core before its
 * next entry (guest_dev_setup.post_irq). */
void iocore_post(chan_irq_fn fn, void *ctx, uint64_t a, uint32_t b);

/* Two log lines: polls, calls, holds, interrupts posted, kicks; the share
 * of the time it was awake, its naps and the wake-ups. */
void iocore_print_stats(void);

#endif
