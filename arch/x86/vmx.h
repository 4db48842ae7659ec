/* Intel VT-x: capability checks, VMXON, the VMCS of Plinth's one vCPU,
 * EPT, and the world switch.  Device and platform code never sees this:
 * hv/vcpu.c drives it through the functions below. */
#ifndef PLINTH_X86_VMX_H
#define PLINTH_X86_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpuinfo.h"
#include "hv/gmem.h"

/* Returns 0 when this CPU can run Plinth's guest, else -1 with a message
 * that names what is missing and what the user can do. */
int vmx_check(const struct cpu_info *ci, char *why, size_t n);

/* Locks IA32_FEATURE_CONTROL with VMXON allowed if the firmware left it
 * unlocked, sets CR4.VMXE and executes VMXON.  -1 with a message. */
int vmx_on(char *why, size_t n);

struct vmx_guest_entry {
	int mode; /* 32: protected mode without paging; 64: long mode */
	uint64_t rip, rsp, cr3;
};

/* Builds EPT for guest RAM (MMIO holes stay unmapped and exit) and the
 * VMCS, ready to enter the guest as `entry` says.  -1 with a message. */
int vmx_vcpu_init(const struct gmem *g, const struct vmx_guest_entry *e,
		  char *why, size_t n);

/* Enters the guest until the next VM exit.  Returns the basic exit reason,
 * or -1 if the entry failed (why holds the VM-instruction error). */
int vmx_run(uint64_t regs[16], char *why, size_t n);

uint64_t vmx_read(uint32_t field);
void vmx_write(uint32_t field, uint64_t value);
/* Advances the guest RIP past the instruction that exited. */
void vmx_skip_insn(void);
/* Makes the next entry deliver exception `vec` (with error code when
 * has_err) to the guest. */
void vmx_inject_exception(unsigned vec, int has_err, uint32_t err);
const char *vmx_exit_name(unsigned reason);

unsigned vmx_preemption_shift(void);
/* Interrupt-window exiting: an exit as soon as the guest can take an
 * external interrupt. */
void vmx_set_intr_window(bool on);

/* The guest's XCR0 (XSETBV exits; vcpu.c validates the value). */
uint64_t vmx_guest_xcr0(void);
void vmx_set_guest_xcr0(uint64_t v);

#endif
