/* The machine's other CPUs (Intel SDM vol. 3A, 9.4 "Multiple-processor
 * initialization"; AMD APM vol. 2, 15.27.8 / 16.5).
 *
 * After ExitBootServices the first CPU starts each other one the MADT
 * lists with INIT, STARTUP, STARTUP (ap_boot.S takes it from real mode
 * into long mode), one at a time: each gets its own stack (with a guard
 * page), its own GDT and TSS with its own IST stack, the shared IDT and
 * page tables, and the first CPU's control registers, PAT and XCR0.  A
 * CPU that does not answer within a second is reported and left out, sent
 * INIT again; one that comes later all the same halts in the trampoline
 * or just before it parks, as the handshake in smp_claim.h decides, so it
 * never runs on a page, stack or cpu_local handed to another CPU.
 *
 * Ownership: cpus[] is written by the first CPU before it starts that
 * CPU; afterwards each entry's `state` is written by its own CPU (release)
 * and read by the first (acquire).  A started CPU parks in HLT until
 * Plinth gives it work: smp_run_on() stores the job (release) and sends
 * the CPU SMP_WAKE_VECTOR; the CPU checks for a job with interrupts off
 * and only then halts with them on (STI; HLT), so a wake-up that arrives
 * between its check and its HLT stays pending in its LAPIC and ends the
 * HLT at once: none is lost.  The job runs with interrupts off; the CPU
 * clears it (release) when done and parks again. */
#ifndef PLINTH_X86_SMP_H
#define PLINTH_X86_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/exception.h"

#define SMP_MAX_CPUS 64
#define SMP_WAKE_VECTOR 0xf0
/* A device's own wake-up (an MSI, arch/x86/msi.h) for a CPU that sleeps
 * on it: its handler counts it in that CPU's dev_wakes and EOIs it. */
#define SMP_DEV_WAKE_VECTOR 0xf1

enum cpu_state { CPU_ABSENT, CPU_STARTING, CPU_PARKED, CPU_SILENT };

struct cpu_local {
	struct cpu_local *self; /* first: %gs:0 (this_cpu) */
	/* The virtualization backend's vCPU on this CPU (svm.c), set and
	 * read only here. */
	void *vcpu_arch;
	/* The guest's IA32_SPEC_CTRL for this CPU's vCPU (spec_ctrl.h), and
	 * whether it differs from the host's: this CPU's alone. */
	uint64_t spec_ctrl_guest;
	bool spec_ctrl_switch;
	struct cpu_desc desc; /* its GDT and TSS */
	uint32_t apic_id;
	unsigned index; /* 0 is the first CPU */
	int state;	/* enum cpu_state */
	uint64_t stack_top, ist_top;
	uint64_t started_tsc; /* when it reported in (its TSC, the first's) */
	/* Its IA32_TSC_ADJUST before it took the first CPU's (smp.c). */
	uint64_t tsc_adjust_was;
	bool tsc_adjusted;
	/* The job: written by the first CPU while it is NULL, cleared by
	 * this CPU when the job is done. */
	void (*job)(struct cpu_local *c, void *arg);
	void *job_arg;
	uint64_t jobs_done;
	uint64_t dev_wakes; /* SMP_DEV_WAKE_VECTOR taken: this CPU's alone */
};

struct smp_info {
	unsigned listed;     /* processors the MADT lists (this one included) */
	unsigned running;    /* this one and those parked */
	unsigned silent;     /* did not answer: left out */
	const char *why_one; /* when only this CPU runs: why */
};

/* The CPU this runs on: GS's base is each CPU's cpu_local (set before
 * anything reads it; VM exits restore it: VMLOAD on AMD-V, the VMCS's host
 * GS base on VT-x).  One load. */
static inline struct cpu_local *this_cpu(void)
{
	struct cpu_local *c;

	__asm__("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Starts the other CPUs: their APIC IDs (the MADT's, this CPU's among
 * them) and two pages below 1 MiB (boot_info.ap_pages; 0: none).  Logs
 * each CPU that does not answer and one line for the result. */
void smp_start(const uint32_t *apic_ids, unsigned n, uint64_t low_pages,
	       struct smp_info *out);

/* Entry i (0 .. SMP_MAX_CPUS - 1): the CPUs Plinth started. */
const struct cpu_local *smp_cpu(unsigned i);

/* Hands fn(c, arg) to parked CPU i (not 0) and wakes it; false if it is
 * not parked or still busy with its last job. */
bool smp_run_on(unsigned i, void (*fn)(struct cpu_local *c, void *arg),
		void *arg);
/* Sends CPU i (0 included) SMP_WAKE_VECTOR, whose handler only EOIs it:
 * a parked CPU looks for its job, one in a guest leaves it (AMD-V
 * intercepts physical interrupts; VT-x with external-interrupt exiting),
 * one sleeping in cpu_wait_interrupt() wakes. */
void smp_kick(unsigned i);
/* Whether CPU i has finished the job it was given. */
bool smp_job_done(unsigned i);

#endif
