/* AMD-V (SVM): the guest's VMCBs, nested paging, and the world switch.
 * hv/run/vcpu.c drives it through svm_ops. */
#ifndef PLINTH_X86_SVM_H
#define PLINTH_X86_SVM_H

#include <stddef.h>

#include <stdbool.h>
#include "hv/guest/gmem.h"
#include "arch/x86/vcpu_ops.h"

/* On the first CPU: starts the host timer that bounds each guest run and
 * turns AMD-V on here (svm_cpu_on); `nrip_save` says whether the CPU
 * reports the next RIP at exits.  -1 with a message. */
int svm_on(bool nrip_save, char *why, size_t n);
/* On each other CPU that runs a vCPU: EFER.SVME and its own host save
 * area.  -1 with a message. */
int svm_cpu_on(char *why, size_t n);

/* vCPU `id`'s VMCB, on the CPU that will run it, ready to enter the guest
 * as `e` says; vCPU 0's also builds the nested page tables for guest RAM
 * (MMIO holes stay unmapped and exit) and must come first.  `g` must stay
 * valid: exits without NRIP save fetch instructions through it.  -1 with
 * a message. */
int svm_vcpu_init(unsigned id, const struct gmem *g,
		  const struct guest_entry *e, char *why, size_t n);

#endif
