/* Can this CPU run Plinth's guest, and with which backend?  Pure code over
 * struct cpu_info, so that every message is unit-tested: an emulator can
 * only show one. */
#include "arch/x86/cpuinfo.h"

#include "hv/base/fmt.h"

static enum virt vmx_check(const struct cpu_info *c, char *why, size_t n)
{
	if (c->fc_locked && !c->fc_vmxon) {
		fmt(why, n,
		    "VT-x is disabled by the firmware "
		    "(IA32_FEATURE_CONTROL is locked without VMXON): enable "
		    "Intel VT-x (\"Intel Virtualization Technology\") in the "
		    "firmware setup");
		return VIRT_NONE;
	}
	if (!c->ept || !c->ept_4level || !c->ept_wb) {
		fmt(why, n,
		    "VT-x without usable EPT (extended page tables "
		    "with 4-level walks and write-back memory): Plinth needs "
		    "an Intel CPU from 2010 (Westmere) or later");
		return VIRT_NONE;
	}
	if (!c->unrestricted_guest) {
		fmt(why, n,
		    "VT-x without unrestricted guest: Plinth needs an "
		    "Intel CPU from 2010 (Westmere) or later");
		return VIRT_NONE;
	}
	return VIRT_VMX;
}

static enum virt svm_check(const struct cpu_info *c, char *why, size_t n)
{
	if (c->svm_disabled) {
		fmt(why, n,
		    "AMD-V is disabled by the firmware (VM_CR.SVMDIS "
		    "is set): enable \"SVM Mode\" (\"AMD Virtualization\") in "
		    "the firmware setup");
		return VIRT_NONE;
	}
	if (!c->npt) {
		fmt(why, n,
		    "AMD-V without nested paging: Plinth needs an AMD "
		    "CPU from 2007 (family 10h) or later");
		return VIRT_NONE;
	}
	return VIRT_SVM;
}

enum virt virt_check(const struct cpu_info *c, char *why, size_t n)
{
	if (c->vmx)
		return vmx_check(c, why, n);
	if (c->svm)
		return svm_check(c, why, n);
	fmt(why, n,
	    "no hardware virtualization: this CPU has neither Intel "
	    "VT-x (VMX) nor AMD-V (SVM); Plinth needs one of them, with EPT "
	    "or nested paging");
	return VIRT_NONE;
}
