/* What the AMD-V backend's files share (svm.c: the run and the exits;
 * svm_init.c: turning AMD-V on and building a vCPU's VMCB). */
#ifndef PLINTH_X86_SVM_IMPL_H
#define PLINTH_X86_SVM_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/guest_fpu.h"
#include "arch/x86/page_walk.h"
#include "arch/x86/smp.h"
#include "hv/guest/gmem.h"

/* One vCPU's own state; the CPU that runs it finds it in
 * this_cpu()->vcpu_arch. */
struct svm_vcpu {
	uint8_t *vmcb, *host_save;
	struct guest_fpu fpu;
	uint64_t next_rip; /* after the instruction that exited, 0: unknown */
	struct pw_memo walks; /* for those lengths, without NRIP save */
	/* NMI blocking (SDM vol. 3A, 6.7.1), which AMD-V without the vNMI
	 * extension keeps nowhere the host can read: set by an NMI's
	 * injection, it lasts until the guest's IRET has run.  IRET is
	 * intercepted meanwhile; its exit comes before the IRET executes, so
	 * blocking ends at the first exit found past it (RIP moved on). */
	bool nmi_blocked, nmi_iret;
	uint64_t nmi_iret_rip;
};

extern const struct gmem *svm_gm; /* the guest's, for instruction fetches */
extern bool svm_nrips;		  /* the CPU reports the next RIP */

/* The calling CPU's vCPU and its VMCB's fields (one GS-relative load). */
static inline struct svm_vcpu *svm_cur(void)
{
	return this_cpu()->vcpu_arch;
}

static inline uint64_t *f64(unsigned off)
{
	return (uint64_t *)(svm_cur()->vmcb + off);
}

static inline uint32_t *f32(unsigned off)
{
	return (uint32_t *)(svm_cur()->vmcb + off);
}

static inline uint16_t *f16(unsigned off)
{
	return (uint16_t *)(svm_cur()->vmcb + off);
}

#endif
