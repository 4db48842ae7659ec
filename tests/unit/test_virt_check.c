/* The virtualization check: VT-x where the CPU has it, else AMD-V; each
 * missing feature gets its own message saying what is missing and what
 * the user can do. */
#include "tests/support/check.h"

#include "arch/x86/cpuinfo.h"

static struct cpu_info good(void)
{
	struct cpu_info c;

	memset(&c, 0, sizeof(c));
	c.vmx = c.fc_locked = c.fc_vmxon = true;
	c.ept = c.ept_4level = c.ept_wb = c.unrestricted_guest = true;
	return c;
}

static struct cpu_info good_amd(void)
{
	struct cpu_info c;

	memset(&c, 0, sizeof(c));
	c.svm = c.npt = true;
	return c;
}

static void a_capable_cpu_passes(void)
{
	struct cpu_info c = good();
	char why[256] = "untouched";

	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_VMX);
	c.fc_locked = c.fc_vmxon = false; /* unlocked: Plinth locks it */
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_VMX);
	CHECK_STR(why, "untouched");
}

static void a_capable_amd_cpu_gets_svm_with_or_without_nrip_save(void)
{
	struct cpu_info c = good_amd();
	char why[256] = "untouched";

	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_SVM);
	c.nrip_save = true;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_SVM);
	CHECK_STR(why, "untouched");
}

static void neither_says_what_is_needed(void)
{
	struct cpu_info c = good();
	char why[256];

	c.vmx = false;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK_STR(why, "no hardware virtualization: this CPU has neither "
		  "Intel VT-x (VMX) nor AMD-V (SVM); Plinth needs one of them, "
		  "with EPT or nested paging");
}

static void firmware_lock_says_enable_it_in_setup(void)
{
	struct cpu_info c = good();
	char why[256];

	c.fc_vmxon = false; /* locked without VMXON outside SMX */
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK_STR(why, "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL "
		  "is locked without VMXON): enable Intel VT-x (\"Intel "
		  "Virtualization Technology\") in the firmware setup");
	c = good_amd();
	c.svm_disabled = true;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK_STR(why, "AMD-V is disabled by the firmware (VM_CR.SVMDIS is "
		  "set): enable \"SVM Mode\" (\"AMD Virtualization\") in the "
		  "firmware setup");
}

static void missing_second_level_paging_names_it(void)
{
	struct cpu_info c = good();
	char why[256];

	c.ept = false;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK(strstr(why, "VT-x without usable EPT") == why);
	c = good();
	c.ept_wb = false;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK(strstr(why, "VT-x without usable EPT") == why);
	c = good();
	c.ept_4level = false;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	c = good();
	c.unrestricted_guest = false;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK_STR(why, "VT-x without unrestricted guest: Plinth needs an Intel "
		  "CPU from 2010 (Westmere) or later");
	c = good_amd();
	c.npt = false;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_NONE);
	CHECK_STR(why, "AMD-V without nested paging: Plinth needs an AMD CPU "
		  "from 2007 (family 10h) or later");
}

static void vtx_is_preferred_when_both_are_reported(void)
{
	struct cpu_info c = good();
	char why[256];

	c.svm = c.npt = true;
	CHECK(virt_check(&c, why, sizeof(why)) == VIRT_VMX);
}

int main(void)
{
	RUN(a_capable_cpu_passes);
	RUN(a_capable_amd_cpu_gets_svm_with_or_without_nrip_save);
	RUN(neither_says_what_is_needed);
	RUN(firmware_lock_says_enable_it_in_setup);
	RUN(missing_second_level_paging_names_it);
	RUN(vtx_is_preferred_when_both_are_reported);
	return CHECK_DONE();
}
