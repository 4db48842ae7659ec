/* Speculation control for the guest (see spec_ctrl.h). */
#include "arch/x86/spec_ctrl.h"

#include "arch/x86/cpuid.h"

/* The host's value, the same on every CPU; each guest value is its CPU's
 * (cpu_local). */
uint64_t spec_ctrl_host_val;
static struct spec_caps host;

struct spec_caps spec_caps_of(uint32_t leaf7_edx, uint32_t ext8_ebx)
{
	struct spec_caps c = { 0, false };

	if (leaf7_edx & CPUID_7_EDX_IBRS_IBPB) {
		c.ctrl_bits |= SPEC_CTRL_IBRS;
		c.ibpb = true;
	}
	if (leaf7_edx & CPUID_7_EDX_STIBP)
		c.ctrl_bits |= SPEC_CTRL_STIBP;
	if (leaf7_edx & CPUID_7_EDX_SSBD)
		c.ctrl_bits |= SPEC_CTRL_SSBD;
	if (ext8_ebx & CPUID_E8_EBX_IBPB)
		c.ibpb = true;
	if (ext8_ebx & CPUID_E8_EBX_IBRS)
		c.ctrl_bits |= SPEC_CTRL_IBRS;
	if (ext8_ebx & CPUID_E8_EBX_STIBP)
		c.ctrl_bits |= SPEC_CTRL_STIBP;
	if (ext8_ebx & CPUID_E8_EBX_SSBD)
		c.ctrl_bits |= SPEC_CTRL_SSBD;
	return c;
}

void spec_ctrl_init(void)
{
	uint32_t l7 = 0, e8 = 0;

	if (cpuid(CPUID_VENDOR, 0).eax >= CPUID_EXT_FEATURES)
		l7 = cpuid(CPUID_EXT_FEATURES, 0).edx;
	if (cpuid(CPUID_EXT_MAX, 0).eax >= CPUID_ADDR_SIZES)
		e8 = cpuid(CPUID_ADDR_SIZES, 0).ebx;
	host = spec_caps_of(l7, e8);
	/* What the firmware left (usually 0) is what the host runs with. */
	spec_ctrl_host_val = host.ctrl_bits ? rdmsr(MSR_SPEC_CTRL) : 0;
}

const struct spec_caps *spec_host_caps(void)
{
	return &host;
}

void spec_ctrl_set_guest(uint64_t v)
{
	/* Without the MSR the host value stays 0 and so does the guest's:
	 * spec_ctrl_enter() then never writes it. */
	struct cpu_local *c = this_cpu();

	c->spec_ctrl_guest = host.ctrl_bits ? v : spec_ctrl_host_val;
	c->spec_ctrl_switch = c->spec_ctrl_guest != spec_ctrl_host_val;
}

void spec_ibpb(void)
{
	if (host.ibpb)
		wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
}
