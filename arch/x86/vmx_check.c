/* Can this CPU run Plinth's guest?  Pure code over struct cpu_info, so
 * that every message is unit-tested: an emulator can only show one. */
#include "arch/x86/vmx.h"

#include "hv/fmt.h"

int vmx_check(const struct cpu_info *c, char *why, size_t n)
{
	if (!c->vmx) {
		fmt(why, n, "VT-x not available: this CPU has no Intel VT-x "
		    "(VMX)%s; Plinth needs an Intel CPU with VT-x, EPT and "
		    "unrestricted guest",
		    c->svm ? " (it has AMD-V, which this build does not use)"
			   : "");
		return -1;
	}
	if (c->fc_locked && !c->fc_vmxon) {
		fmt(why, n, "VT-x is disabled by the firmware "
		    "(IA32_FEATURE_CONTROL is locked without VMXON): enable "
		    "Intel VT-x (\"Intel Virtualization Technology\") in the "
		    "firmware setup");
		return -1;
	}
	if (!c->ept || !c->ept_4level || !c->ept_wb) {
		fmt(why, n, "VT-x without usable EPT (extended page tables "
		    "with 4-level walks and write-back memory): Plinth needs "
		    "an Intel CPU from 2010 (Westmere) or later");
		return -1;
	}
	if (!c->unrestricted_guest) {
		fmt(why, n, "VT-x without unrestricted guest: Plinth needs an "
		    "Intel CPU from 2010 (Westmere) or later");
		return -1;
	}
	return 0;
}
