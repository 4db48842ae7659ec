/* A vCPU: the run loop, exit dispatch and exit statistics.  Each vCPU
 * runs on its own CPU; hv/run/vcpus.h places them. */
#ifndef PLINTH_VCPU_H
#define PLINTH_VCPU_H

#include <stdint.h>

#include "hv/base/spin.h"
#include "hv/guest/gmem.h"
#include "hv/run/guest_cpuid.h"
#include "hv/run/iocore_chan.h"
#include "hv/platform/lapic.h"
#include "hv/run/msr.h"
#include "hv/platform/pm.h"
#include "arch/x86/decode_cache.h"
#include "arch/x86/page_walk.h"
#include "arch/x86/vcpu_fast.h"
#include "arch/x86/vcpu_ops.h"

enum guest_end {
	GUEST_POWEROFF, /* ACPI S5 */
	GUEST_RESET,	/* 0xCF9, keyboard controller, triple fault */
	GUEST_HALTED,	/* HLT that nothing can ever wake */
	GUEST_FAILED,	/* an exit Plinth cannot handle */
	/* A vCPU's own end, not the guest's (vCPUs other than 0): */
	GUEST_VCPU_INIT, /* sent INIT: it waits for STARTUP */
	GUEST_STOPPED,	 /* another vCPU ended the guest */
};

struct exit_stat {
	uint64_t count;
	uint64_t host_ticks; /* TSC from the VM exit to the next entry */
	uint64_t fast;	     /* of count, answered in the world switch
			      * (arch/x86/vcpu_fast.h): no host_ticks */
};

struct vcpu {
	unsigned id; /* 0 starts the guest; the others wait for STARTUP */
	uint64_t regs[16];
	const struct vcpu_ops *ops; /* VT-x or AMD-V, chosen at boot */
	struct exit_stat stats[VCPU_EXIT_SLOTS];
	uint64_t exits; /* all of them, this run */
	struct vpm *pm;
	struct vmsr msr;
	struct vlapic *lapic;
	const struct gmem *gm; /* for instruction fetches at MMIO exits */
	struct pw_memo walks;  /* what those fetches walked */
	struct mmio_decode_cache decodes; /* what those fetches decoded to */
	char why[192];			  /* what ended the run */
	uint64_t slice_ns;    /* the longest the guest runs without an exit */
	uint64_t slice_ticks; /* the same in TSC ticks */
	/* Platform work before each entry and while the guest halts: device
	 * timers, console input.  Returns the TSC of the next device event
	 * (0 = none), which bounds how long the guest runs or waits. */
	uint64_t (*platform)(void *ctx, uint64_t now);
	void *platform_ctx;
	uint64_t platform_due; /* TSC when the hook wants to run next */
	uint64_t due;	       /* TSC of the next device or LAPIC event (0:
				 * none), as the last entry's preparation saw */
	/* The CPUID leaves answered without the dispatcher, and the
	 * deadline of quick entries: the slice or `due`, whichever comes
	 * first after the last full preparation. */
	struct vcpu_fast fast;
	bool halted;		 /* waiting in HLT: the host is idle */
	bool intr_window;	 /* the backend's interrupt window is open */
	struct cpuid_view cpuid; /* what CPUID says (its APIC ID: the
				  * LAPIC's) */
	/* With an I/O core: the devices' interrupts posted to this vCPU,
	 * raised before each entry and while it halts.  NULL: none. */
	struct iocore_chan *irqs;
	/* With several vCPUs: the platform's lock (devices.h), taken for
	 * port and MMIO accesses and the platform hook; and the flag that
	 * ends every vCPU's run.  NULL: one vCPU. */
	struct spin *plat_lock;
	const int *stop;
};

/* Runs the guest until it powers off, resets, halts for good or fails. */
enum guest_end vcpu_run(struct vcpu *v);
void vcpu_print_stats(const struct vcpu *v);
void vcpu_dump(const struct vcpu *v);

#endif
