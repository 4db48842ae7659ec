/* AMD-V (SVM): the VMCB of Plinth's one vCPU, nested paging, and the
 * world switch.  hv/run/vcpu.c drives it through svm_ops. */
#ifndef PLINTH_X86_SVM_H
#define PLINTH_X86_SVM_H

#include <stddef.h>

#include <stdbool.h>
#include "hv/guest/gmem.h"
#include "arch/x86/vcpu_ops.h"

/* Sets EFER.SVME and the host save area, and starts the host timer that
 * bounds each guest run; `nrip_save` says whether the CPU reports the
 * next RIP at exits.  -1 with a message. */
int svm_on(bool nrip_save, char *why, size_t n);

/* Builds the nested page tables for guest RAM (MMIO holes stay unmapped
 * and exit) and the VMCB, ready to enter the guest as `e` says.  `g`
 * must stay valid: exits without NRIP save fetch instructions through
 * it.  -1 with a message. */
int svm_vcpu_init(const struct gmem *g, const struct guest_entry *e, char *why,
		  size_t n);

#endif
