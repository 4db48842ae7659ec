/* The guest's model-specific registers (those that exit: all but the
 * syscall and segment-base MSRs, see arch/x86/vmx.c). */
#ifndef PLINTH_MSR_H
#define PLINTH_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/gmem.h"
#include "hv/platform/kvmclock.h"
#include "hv/platform/lapic.h"
#include "arch/x86/vcpu_ops.h"

struct vmsr {
	uint64_t apic_base;
	uint64_t mtrr_def_type;
	uint64_t misc_enable;
	uint64_t spec_ctrl;
	bool amd;	 /* the host's vendor, which the guest sees too */
	uint64_t hwcr;	 /* AMD HWCR: bit 24, the TSC counts at P0 */
	uint64_t de_cfg; /* AMD DE_CFG: bit 1, LFENCE serializes */
	struct kvmclock clock;
	unsigned unknown_logged;
	unsigned tsc_adjust_logged; /* writes that would shift the TSC */
	struct vlapic *lapic;	    /* TSC deadline and the x2APIC registers */
	const struct vcpu_ops *ops; /* guest state kept by the backend */
};

/* now_unix: the wall time in seconds (-1 if unknown), for kvm-clock. */
void vmsr_init(struct vmsr *m, struct vlapic *lapic, const struct vcpu_ops *ops,
	       const struct gmem *gm, int64_t now_unix);
/* On the vCPU's own CPU as its run begins: the MSRs whose values live in
 * that CPU rather than in *m (SPEC_CTRL), set from *m.  vmsr_init may run
 * elsewhere (vCPU 0's CPU sets up every vCPU). */
void vmsr_take_cpu(const struct vmsr *m);
/* false: the MSR does not exist for the guest (the caller injects #GP). */
bool vmsr_read(struct vmsr *m, uint32_t msr, uint64_t *val);
bool vmsr_write(struct vmsr *m, uint32_t msr, uint64_t val);

#endif
