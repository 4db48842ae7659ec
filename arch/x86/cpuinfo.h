/* What the CPU is and which virtualization features it offers. */
#ifndef PLINTH_X86_CPUINFO_H
#define PLINTH_X86_CPUINFO_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_info {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	char hv_signature[13]; /* "" when no hypervisor is below us */

	/* Intel VT-x (SDM vol. 3D, appendix A) */
	bool vmx;
	bool fc_locked;	    /* IA32_FEATURE_CONTROL bit 0 */
	bool fc_vmxon;	    /* bit 2: VMXON allowed outside SMX */
	uint32_t vmcs_revision;
	bool true_ctls;
	bool ept, unrestricted_guest, vpid;
	bool ept_4level, ept_wb, ept_2m, ept_1g;

	/* AMD-V (APM vol. 2, 15.4) */
	bool svm, npt, nrip_save;
};

void cpu_identify(struct cpu_info *ci);

#endif
