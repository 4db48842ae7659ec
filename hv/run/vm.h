/* The guest: its memory, platform devices, kernel, and the run. */
#ifndef PLINTH_VM_H
#define PLINTH_VM_H

#include "arch/x86/cpuinfo.h"
#include "hv/config/boot_info.h"

/* What the run loop serves besides the guest, supplied by hv_main: the
 * management plane sits above the run loop and is reached only through
 * these. */
struct vm_services {
	void (*poll)(void);		  /* timers, next to the NIC's poll */
	void (*stay_up)(const char *why); /* the guest cannot run: keep
					     serving, or return to fail */
};

/* Sets up and runs the guest, then takes the on_guest_exit action; a
 * guest that cannot run (no VT-x, no memory, a bad kernel) ends in the
 * on_fault action with the reason logged. */
void vm_run(const struct boot_info *bi, const struct cpu_info *cpu,
	    const struct vm_services *services)
	__attribute__((noreturn));

struct vcpu;
struct vblk;
struct vnet;
struct blk_backend;

/* The guest's parts, for the management plane's status and metrics;
 * NULL members where there is none (yet). */
struct vm_parts {
	const struct vcpu *vcpu;
	const struct vblk *blk;
	const struct vnet *net;
	const struct blk_backend *disk;
	uint64_t ram_size;
};
const struct vm_parts *vm_parts(void);

/* TSC when hv_main started. */
extern uint64_t hv_entry_tsc;

#endif
