/* The guest: its memory, platform devices, kernel, and the run. */
#ifndef PLINTH_VM_H
#define PLINTH_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpuinfo.h"
#include "hv/config/boot_info.h"

/* What the run loop serves besides the guest, supplied by hv_main: the
 * management plane sits above the run loop and is reached only through
 * these. */
struct vm_services {
	void (*poll)(void);		  /* timers, next to the NIC's poll */
	void (*stay_up)(const char *why); /* the guest cannot run: keep
					     serving, or return to fail */
	void (*run_ended)(void);	  /* after a run's counters: others' */
};

/* Sets up and runs the guest, then takes the on_guest_exit action; a
 * guest that cannot run (no VT-x, no memory, a bad kernel) ends in the
 * on_fault action with the reason logged. */
void vm_run(const struct boot_info *bi, const struct cpu_info *cpu,
	    const struct vm_services *services) __attribute__((noreturn));

/* What the management plane reports of the guest (its counters come
 * from the registry in hv/base/stats.h). */
struct vm_dev_status {
	const char *name, *type, *backend;
	uint64_t sectors;   /* a disk's size; 0 for a NIC */
	const uint8_t *mac; /* a NIC's MAC; NULL for a disk */
	bool link_up;
};

struct vm_status {
	uint64_t ram_size; /* 0 before the first run */
	uint64_t exits;	   /* of the current run */
	unsigned ndev;
	struct vm_dev_status dev[2];
};

void vm_status(struct vm_status *st);
/* The current run's exits by reason, every vCPU's together, slot by
 * slot; false past the last. */
bool vm_exit_reason(unsigned i, const char **name, uint64_t *n);

struct vm_vcpu_status {
	unsigned cpu;	   /* the CPU it runs on */
	const char *state; /* "running", "halted", "offline", "starting" */
	uint64_t exits;	   /* of the current run */
};

/* vCPU i of the current run (0 ..); false past the last, or before the
 * guest's first run. */
bool vm_vcpu_status(unsigned i, struct vm_vcpu_status *st);
/* vCPU `v`'s exits by reason, slot by slot; false past the last. */
bool vm_vcpu_exit_reason(unsigned v, unsigned i, const char **name,
			 uint64_t *n);

/* TSC when hv_main started. */
extern uint64_t hv_entry_tsc;

#endif
