/* The guest's vCPUs beyond the first: where they run, their start by the
 * guest's own INIT and STARTUP, and the stop of every one when the guest
 * ends.
 *
 * Placement (once per boot): vCPU 0 runs on CPU 0, in hv/run/vm.c's loop;
 * vCPU i on the i-th other CPU Plinth started, the I/O core's left out.
 * plinth.cfg's `cpus` caps the count (auto: every CPU free).  Several
 * vCPUs need AMD-V: on VT-x the guest gets one.
 *
 * A guest run: vCPU 0 starts at the kernel's entry; every other vCPU's
 * CPU waits, polling its LAPIC, for the STARTUP the guest sends (after
 * INIT), then enters the guest in real mode at the STARTUP page.  An INIT
 * later (the guest brings a CPU back online) ends that vCPU's run and it
 * waits for STARTUP again.
 *
 * Ownership: each vCPU (its struct vcpu, LAPIC, MSRs, VMCB) belongs to
 * its CPU while the guest runs; the platform behind the buses is shared
 * under its lock (hv/guest/devices.h); interrupts between vCPUs travel
 * the APIC bus (hv/platform/apic_bus.h), whose kick here is a host IPI.
 * The stop flag and the first stopper's end are written by whichever
 * vCPU ends the guest first (atomic) and read by vCPU 0 once every other
 * vCPU has returned.  Between runs everything is CPU 0's. */
#ifndef PLINTH_VCPUS_H
#define PLINTH_VCPUS_H

#include <stdbool.h>
#include <stddef.h>

#include "hv/guest/devices.h"
#include "hv/run/vcpu.h"

/* At boot: how many vCPUs the guest gets; `io_cpu` is the I/O core's CPU
 * (0: none).  Logs the choice and why. */
unsigned vcpus_choose(unsigned want, unsigned io_cpu);
unsigned vcpus_count(void);

/* Per guest run, with vCPU 0 (`first`) and the platform set up: vCPUs 1
 * and up as copies of it, each LAPIC on the platform's APIC bus waiting
 * for STARTUP; `wall` is the wall time for kvm-clock. */
void vcpus_setup(struct vcpu *first, struct guest_platform *plat, int64_t wall);
/* Hands each its CPU: they wait there for STARTUP. */
void vcpus_start(void);
/* After vCPU 0's run ended with *end (and the reason in its why): every
 * vCPU stopped.  When another vCPU ended the guest, its end and reason
 * replace vCPU 0's. */
void vcpus_stop(struct vcpu *first, enum guest_end *end);
/* One line per vCPU but 0 (whose counts vcpu_print_stats gives). */
void vcpus_print_stats(void);
/* vCPU i (0 ..), for the exit counts; NULL past the last, or before the
 * guest's first run. */
const struct vcpu *vcpus_get(unsigned i);
/* vCPU i (0 ..) as the management API shows it: the CPU it runs on and
 * its state in words ("running", "halted", "offline", "starting");
 * NULL past the last, or before the guest's first run.  The counts in
 * it are its own core's, read from another: each a whole 64-bit word,
 * perhaps a moment old. */
const struct vcpu *vcpus_status(unsigned i, unsigned *cpu, const char **state);

#endif
