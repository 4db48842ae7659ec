/* Can this CPU run Plinth's guest, and with which backend?  Pure code over
 * struct cpu_info, so that every message is unit-tested: an emulator can
 * only show one. */
#include "arch/x86/cpuinfo.h"

#include "hv/base/fmt.h"

/* What a backend needs, each with the message that says it is missing. */
struct need {
	bool missing;
	const char *why;
};

/* The first missing need's message and VIRT_NONE; `ok` when none is. */
static enum virt first_missing(const struct need *need, size_t count,
			       enum virt ok, char *why, size_t n)
{
	for (size_t i = 0; i < count; i++) {
		if (need[i].missing) {
			fmt(why, n, "%s", need[i].why);
			return VIRT_NONE;
		}
	}
	return ok;
}

static enum virt vmx_check(const struct cpu_info *c, char *why, size_t n)
{
	const struct need need[] = {
		{ c->fc_locked && !c->fc_vmxon,
		  "VT-x is disabled by the firmware "
		  "(IA32_FEATURE_CONTROL is locked without VMXON): enable "
		  "Intel VT-x (\"Intel Virtualization Technology\") in the "
		  "firmware setup" },
		{ !c->ept || !c->ept_4level || !c->ept_wb,
		  "VT-x without usable EPT (extended page tables "
		  "with 4-level walks and write-back memory): Plinth needs "
		  "an Intel CPU from 2010 (Westmere) or later" },
		{ !c->unrestricted_guest,
		  "VT-x without unrestricted guest: Plinth needs an "
		  "Intel CPU from 2010 (Westmere) or later" },
	};

	return first_missing(need, sizeof(need) / sizeof(need[0]), VIRT_VMX,
			     why, n);
}

static enum virt svm_check(const struct cpu_info *c, char *why, size_t n)
{
	const struct need need[] = {
		{ c->svm_disabled,
		  "AMD-V is disabled by the firmware (VM_CR.SVMDIS "
		  "is set): enable \"SVM Mode\" (\"AMD Virtualization\") in "
		  "the firmware setup" },
		{ !c->npt, "AMD-V without nested paging: Plinth needs an AMD "
			   "CPU from 2007 (family 10h) or later" },
	};

	return first_missing(need, sizeof(need) / sizeof(need[0]), VIRT_SVM,
			     why, n);
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
