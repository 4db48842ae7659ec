/* The guest: its memory, platform devices, kernel, and the run. */
#ifndef PLINTH_VM_H
#define PLINTH_VM_H

#include "arch/x86/cpuinfo.h"
#include "hv/boot_info.h"

/* Sets up and runs the guest, then takes the on_guest_exit action; a
 * guest that cannot run (no VT-x, no memory, a bad kernel) ends in the
 * on_fault action with the reason logged. */
void vm_run(const struct boot_info *bi, const struct cpu_info *cpu)
	__attribute__((noreturn));

/* TSC when hv_main started. */
extern uint64_t hv_entry_tsc;

#endif
