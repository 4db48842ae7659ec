/* The VT-x capability check: each missing feature gets its own message
 * saying what is missing and what the user can do. */
#include "tests/unit/check.h"

#include "arch/x86/vmx.h"

static struct cpu_info good(void)
{
	struct cpu_info c;

	memset(&c, 0, sizeof(c));
	c.vmx = c.fc_locked = c.fc_vmxon = true;
	c.ept = c.ept_4level = c.ept_wb = c.unrestricted_guest = true;
	return c;
}

static void a_capable_cpu_passes(void)
{
	struct cpu_info c = good();
	char why[256] = "untouched";

	CHECK(vmx_check(&c, why, sizeof(why)) == 0);
	c.fc_locked = c.fc_vmxon = false; /* unlocked: Plinth locks it */
	CHECK(vmx_check(&c, why, sizeof(why)) == 0);
}

static void no_vmx_says_vtx_not_available(void)
{
	struct cpu_info c = good();
	char why[256];

	c.vmx = false;
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	CHECK_STR(why, "VT-x not available: this CPU has no Intel VT-x (VMX); "
		  "Plinth needs an Intel CPU with VT-x, EPT and unrestricted "
		  "guest");
	c.svm = true;
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	CHECK(strstr(why, "(it has AMD-V, which this build does not use)"));
}

static void firmware_lock_says_enable_it_in_setup(void)
{
	struct cpu_info c = good();
	char why[256];

	c.fc_vmxon = false; /* locked without VMXON outside SMX */
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	CHECK_STR(why, "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL "
		  "is locked without VMXON): enable Intel VT-x (\"Intel "
		  "Virtualization Technology\") in the firmware setup");
}

static void missing_ept_or_unrestricted_guest_names_it(void)
{
	struct cpu_info c = good();
	char why[256];

	c.ept = false;
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	CHECK(strstr(why, "VT-x without usable EPT") == why);
	c = good();
	c.ept_wb = false;
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	CHECK(strstr(why, "VT-x without usable EPT") == why);
	c = good();
	c.ept_4level = false;
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	c = good();
	c.unrestricted_guest = false;
	CHECK(vmx_check(&c, why, sizeof(why)) == -1);
	CHECK_STR(why, "VT-x without unrestricted guest: Plinth needs an Intel "
		  "CPU from 2010 (Westmere) or later");
}

int main(void)
{
	RUN(a_capable_cpu_passes);
	RUN(no_vmx_says_vtx_not_available);
	RUN(firmware_lock_says_enable_it_in_setup);
	RUN(missing_ept_or_unrestricted_guest_names_it);
	return CHECK_DONE();
}
