/* Speculation control (arch/x86/spec_ctrl.c): what the guest's CPUID
 * offers agrees with what the MSR emulation honours, for any host. */
#include "tests/support/check.h"

#include "arch/x86/cpuid.h"
#include "arch/x86/spec_ctrl.h"

static void intel_enumeration(void)
{
	struct spec_caps c = spec_caps_of(CPUID_7_EDX_IBRS_IBPB, 0);

	CHECK(c.ctrl_bits == SPEC_CTRL_IBRS && c.ibpb);
	c = spec_caps_of(CPUID_7_EDX_IBRS_IBPB | CPUID_7_EDX_STIBP
				 | CPUID_7_EDX_SSBD,
			 0);
	CHECK(c.ctrl_bits
	      == (SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD));
	c = spec_caps_of(0, 0);
	CHECK(c.ctrl_bits == 0 && !c.ibpb);
}

static void amd_enumeration(void)
{
	/* IBPB alone (Zen 1 microcode): PRED_CMD but no SPEC_CTRL. */
	struct spec_caps c = spec_caps_of(0, CPUID_E8_EBX_IBPB);

	CHECK(c.ctrl_bits == 0 && c.ibpb);
	c = spec_caps_of(0, CPUID_E8_EBX_IBPB | CPUID_E8_EBX_IBRS
				    | CPUID_E8_EBX_STIBP | CPUID_E8_EBX_SSBD);
	CHECK(c.ctrl_bits
	      == (SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD));
	/* VIRT_SSBD is another MSR: no SPEC_CTRL bit. */
	c = spec_caps_of(0, CPUID_E8_EBX_VIRT_SSBD);
	CHECK(c.ctrl_bits == 0 && !c.ibpb);
}

/* For every host (random leaf values), the guest's filtered leaves name
 * the same capabilities as the host's, and none of the speculation
 * features whose MSRs the guest does not get. */
static void guest_cpuid_offers_exactly_what_is_honoured(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < 100000; i++) {
		struct cpuid_regs l7, e8;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		l7 = (struct cpuid_regs){ 0, 0, 0, (uint32_t)x };
		e8 = (struct cpuid_regs){ 0, (uint32_t)(x >> 32), 0, 0 };
		struct spec_caps host = spec_caps_of(l7.edx, e8.ebx);

		l7.edx = spec_leaf7_edx(l7.edx);
		e8.ebx = spec_ext8_ebx(e8.ebx);
		struct spec_caps guest = spec_caps_of(l7.edx, e8.ebx);

		if (guest.ctrl_bits != host.ctrl_bits
		    || guest.ibpb != host.ibpb
		    || (l7.edx & (CPUID_7_EDX_L1D_FLUSH
				  | CPUID_7_EDX_ARCH_CAPABILITIES))
		    || (e8.ebx & CPUID_E8_EBX_VIRT_SSBD)) {
			printf("#   host leaf 7 EDX 0x%x, 0x80000008 EBX 0x%x\n",
			       (unsigned)x, (unsigned)(x >> 32));
			CHECK(0);
			return;
		}
	}
}

int main(void)
{
	RUN(intel_enumeration);
	RUN(amd_enumeration);
	RUN(guest_cpuid_offers_exactly_what_is_honoured);
	return CHECK_DONE();
}
