/* The guest's model-specific registers (those that exit: all but the
 * syscall and segment-base MSRs, see arch/x86/vmx.c). */
#ifndef PLINTH_MSR_H
#define PLINTH_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/lapic.h"
#include "hv/vcpu_ops.h"

struct vmsr {
	uint64_t apic_base;
	uint64_t mtrr_def_type;
	uint64_t misc_enable;
	uint64_t spec_ctrl;
	unsigned unknown_logged;
	struct vlapic *lapic; /* TSC deadline and the x2APIC registers */
	const struct vcpu_ops *ops; /* guest state kept by the backend */
};

void vmsr_init(struct vmsr *m, struct vlapic *lapic,
	       const struct vcpu_ops *ops);
/* false: the MSR does not exist for the guest (the caller injects #GP). */
bool vmsr_read(struct vmsr *m, uint32_t msr, uint64_t *val);
bool vmsr_write(struct vmsr *m, uint32_t msr, uint64_t val);

#endif
