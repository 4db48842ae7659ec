/* The I/O core's work (see io_side.h). */
#include "hv/run/io_side.h"

#include "arch/x86/msi.h"
#include "arch/x86/smp.h"
#include "hv/backend/network.h"
#include "hv/base/clock.h"
#include "hv/base/log.h"
#include "hv/guest/devices.h"
#include "hv/platform/bus.h"
#include "hv/run/iocore.h"

/* How long a nap may last.  Without a wake-up from the NIC, frames wait
 * for the nap's timer, whose period the NIC's receive ring holds many
 * times over.  With one, only lwIP's timers (250 ms and up) and the log
 * do; a guest's request wakes the I/O core either way (its notification
 * is a call). */
#define NAP_POLL_NS 1000000ull	/* 1 ms */
#define NAP_WAKE_NS 10000000ull /* 10 ms */

static void (*lwip_timers)(void);
static unsigned io_cpu;

static bool io_poll(void)
{
	bool work = guest_devices_poll_io(clock_ns());

	if (network_poll())
		work = true;
	if (lwip_timers)
		lwip_timers();
	return work;
}

/* The devices' notifications on, and the NIC's interrupt unmasked, before
 * either answer counts; a frame or a request that came meanwhile calls
 * the nap off. */
static bool io_pause(void)
{
	bool waiting = guest_devices_io_pause();

	if (network_wake_arm())
		waiting = true;
	return waiting;
}

static void io_resume(void)
{
	network_wake_disarm();
	guest_devices_io_resume();
}

/* nap_ns changes before the I/O core's first release, which publishes
 * it (iocore_release). */
static struct iocore_work io_work = {
	.poll = io_poll,
	.pause = io_pause,
	.resume = io_resume,
	.nap_ns = NAP_POLL_NS,
};

unsigned io_side_start(const struct boot_info *bi, void (*timers)(void))
{
	char why[96];
	unsigned c;

	lwip_timers = timers;
	if (!iocore_choose(bi->cfg.io_core, &c, why, sizeof(why))) {
		log_msg("iocore: off (%s): the devices are served on CPU 0 "
			"between the guest's exits",
			why);
		return 0;
	}
	bus_set_gateway(iocore_call);
	iocore_start(c, &io_work);
	io_cpu = c;
	log_msg("iocore: the devices on CPU %u (APIC ID %u), polled; the "
		"guest's vCPU on CPU 0",
		c, (unsigned)smp_cpu(c)->apic_id);
	return c;
}

void io_side_wakes(void)
{
	struct msi_msg m;

	if (!io_cpu)
		return;
	if (msi_to_cpu(smp_cpu(io_cpu)->apic_id, SMP_DEV_WAKE_VECTOR, &m)
	    && network_wake_to(&m)) {
		io_work.nap_ns = NAP_WAKE_NS;
		log_msg("iocore: the NIC wakes it from a nap (MSI); naps of up "
			"to %u ms",
			(unsigned)(NAP_WAKE_NS / 1000000));
	} else {
		log_msg("iocore: naps of %u ms: the NIC cannot wake it (no MSI,"
			" or no NIC)",
			(unsigned)(NAP_POLL_NS / 1000000));
	}
}
