/* Intel VT-x: capability checks, VMXON on each CPU, a VMCS per vCPU,
 * EPT, and the world switch.  Device and platform code never sees this:
 * hv/run/vcpu.c drives it through vmx_ops (arch/x86/vmx_ops.c). */
#ifndef PLINTH_X86_VMX_H
#define PLINTH_X86_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpuinfo.h"
#include "hv/guest/gmem.h"
#include "arch/x86/vcpu_fast.h"
#include "arch/x86/vcpu_ops.h"

/* On the first CPU: VMX on (vmx_cpu_on) and the host's LAPIC timer,
 * which wakes the other vCPUs from HLT.  -1 with a message. */
int vmx_on(char *why, size_t n);
/* On the calling CPU: locks IA32_FEATURE_CONTROL with VMXON allowed if
 * the firmware left it unlocked, sets CR4.VMXE and executes VMXON.  -1
 * with a message. */
int vmx_cpu_on(char *why, size_t n);

/* On the CPU that will run vCPU `id`: its VMCS, ready to enter the guest
 * as `entry` says (16-bit real mode at a STARTUP page, 32- or 64-bit);
 * for vCPU 0 also EPT for guest RAM (MMIO holes stay unmapped and exit)
 * and the bitmaps every vCPU shares.  -1 with a message. */
int vmx_vcpu_init(unsigned id, const struct gmem *g,
		  const struct guest_entry *e, char *why, size_t n);

/* Enters the guest until the next VM exit.  Returns the basic exit reason,
 * or -1 if the entry failed (why holds the VM-instruction error). */
int vmx_run(uint64_t regs[16], char *why, size_t n);

/* Inline: a handful of them run on every exit. */
static inline uint64_t vmx_read(uint32_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0"
			 : "=r"(v)
			 : "r"((uint64_t)field)
			 : "cc");
	return v;
}

static inline void vmx_write(uint32_t field, uint64_t v)
{
	__asm__ volatile("vmwrite %0, %1"
			 :
			 : "r"(v), "r"((uint64_t)field)
			 : "cc");
}
/* Advances the guest RIP past the instruction that exited: len bytes, or
 * the exit's instruction length when len is 0. */
void vmx_skip_insn(unsigned len);
/* Makes the next entry deliver exception `vec` (with error code when
 * has_err) to the guest. */
void vmx_inject_exception(unsigned vec, bool has_err, uint32_t err);
const char *vmx_exit_name(unsigned reason);

/* The guest runs at most `ticks` TSC ticks (VMX-preemption timer). */
void vmx_set_timer(uint64_t ticks);
/* The CPUID leaves the world switch answers itself from now on, until
 * the next vmx_vcpu_init (arch/x86/vcpu_fast.h). */
void vmx_set_fast(struct vcpu_fast *f);
/* Physical interrupts end the guest's run (external-interrupt exiting,
 * SDM vol. 3C, 25.6.1) instead of reaching the guest's IDT: with an I/O
 * core or several vCPUs, whose IPIs must.  Before the guest's VMCS is
 * set up. */
void vmx_set_intr_exits(bool on);
/* Interrupt-window exiting: an exit as soon as the guest can take an
 * external interrupt. */
void vmx_set_intr_window(bool on);

/* The guest's XCR0 (XSETBV exits; vcpu.c validates the value). */
void vmx_set_guest_xcr0(uint64_t v);

#endif
