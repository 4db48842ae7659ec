/* What the CPU is and which virtualization features it offers. */
#ifndef PLINTH_X86_CPUINFO_H
#define PLINTH_X86_CPUINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu_info {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	char hv_signature[13]; /* "" when no hypervisor is below us */
	/* RFLAGS bits CMPXCHG16B changed that it must not (cx16_check.h):
	 * nonzero on an emulator with that erratum, and then the guest is
	 * not offered CMPXCHG16B. */
	uint64_t cx16_damage;

	/* Intel VT-x (SDM vol. 3D, appendix A) */
	bool vmx;
	bool fc_locked; /* IA32_FEATURE_CONTROL bit 0 */
	bool fc_vmxon;	/* bit 2: VMXON allowed outside SMX */
	uint32_t vmcs_revision;
	bool true_ctls;
	bool ept, unrestricted_guest, vpid;
	bool ept_4level, ept_wb, ept_2m, ept_1g;
	/* APIC virtualization, reported though not used: Plinth's LAPIC is
	 * its own model (secondary controls bits 8 and 9, pin-based bit 7). */
	bool apic_regs, vintr_delivery, posted_intr;

	/* AMD-V (APM vol. 2, 15.4) */
	bool svm, npt, nrip_save;
	bool avic;	   /* reported, not used (15.29) */
	bool svm_disabled; /* VM_CR.SVMDIS: the firmware turned it off */
};

void cpu_identify(struct cpu_info *ci);

enum virt { VIRT_NONE = -1, VIRT_VMX = 1, VIRT_SVM = 2 };

/* Which backend can run Plinth's guest on this CPU (VT-x first), or
 * VIRT_NONE with a message that names what is missing and what the user
 * can do. */
enum virt virt_check(const struct cpu_info *ci, char *why, size_t n);

#endif
