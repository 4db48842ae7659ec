/* The guest's MSRs (hv/run/msr.c) against the guest's CPUID
 * (hv/run/guest_cpuid.c): each MSR a CPUID bit promises can be read and
 * written back, so a guest that believes its CPUID takes no #GP; and
 * IA32_TSC_ADJUST says what Plinth adds to the host's TSC, nothing. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"

#include <string.h>

#include "arch/x86/cpuid.h"
#include "hv/run/guest_cpuid.h"
#include "hv/run/msr.h"

#define MSR_TSC_ADJUST 0x3b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_EXTD (1ull << 10)

/* arch/x86/tsc.c's, which calibrates the host's TSC at boot. */
uint64_t tsc_hz(void)
{
	return 2000000000ull;
}

static uint64_t clock_now(void)
{
	return 0;
}

/* Guest registers the MSR emulation keeps in the backend. */
static uint64_t regs[VR_SYSENTER_EIP + 1];

static uint64_t get(enum vreg r)
{
	return regs[r];
}

static void set(enum vreg r, uint64_t v)
{
	regs[r] = v;
}

static const struct vcpu_ops ops = { .name = "test", .get = get, .set = set };

static uint8_t ram[1 << 16];
static struct gmem gm;
static struct vlapic lapic;
static struct vmsr msr;

static void fresh(void)
{
	gmem_init(&gm);
	gmem_add(&gm, 0, sizeof(ram), ram);
	vlapic_init(&lapic, clock_now);
	vmsr_init(&msr, &lapic, &ops, &gm, 0);
	logstub_clear();
}

/* A host with every feature bit set and the leaves up to 0x1f. */
static struct cpuid_regs full_host(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { ~0u, ~0u, ~0u, ~0u };

	(void)sub;
	if (leaf == CPUID_VENDOR) {
		r.eax = 0x1f;
		memcpy(&r.ebx, "Genu", 4);
	} else if (leaf == CPUID_EXT_MAX) {
		r.eax = 0x8000001f;
	}
	return r;
}

/* The same host without TSC_ADJUST of its own. */
static struct cpuid_regs host_without_tsc_adjust(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = full_host(leaf, sub);

	if (leaf == CPUID_EXT_FEATURES)
		r.ebx &= ~CPUID_7_EBX_TSC_ADJUST;
	return r;
}

/* Linux trusts the TSC without its clocksource watchdog when the CPU has
 * an invariant TSC and TSC_ADJUST; both are offered on any host with
 * leaf 7, and the MSR answers. */
static void tsc_adjust_offered_and_reads_zero(void)
{
	struct cpuid_regs (*hosts[])(uint32_t, uint32_t) = {
		full_host, host_without_tsc_adjust
	};

	for (unsigned i = 0; i < 2; i++) {
		struct cpuid_view cv;
		uint64_t v = 1;

		cpuid_view_init(&cv, hosts[i], tsc_hz());
		cv.ncpus = 1;
		CHECK(guest_cpuid(&cv, 0, CPUID_EXT_FEATURES, 0).ebx
		      & CPUID_7_EBX_TSC_ADJUST);
		CHECK(guest_cpuid(&cv, 0, CPUID_APM, 0).edx
		      & CPUID_E7_EDX_INVARIANT_TSC);
		fresh();
		CHECK(vmsr_read(&msr, MSR_TSC_ADJUST, &v));
		CHECK(v == 0);
	}
}

/* A write of 0 keeps what is in effect, quietly; another value is taken,
 * not applied (the MSR still reads 0) and logged, once. */
static void tsc_adjust_writes(void)
{
	uint64_t v = 1;

	fresh();
	CHECK(vmsr_write(&msr, MSR_TSC_ADJUST, 0));
	CHECK(logstub_lines == 0);
	CHECK(vmsr_write(&msr, MSR_TSC_ADJUST, 12345));
	CHECK(logstub_lines == 1);
	CHECK(logstub_has("IA32_TSC_ADJUST write of 12345 not applied"));
	CHECK(vmsr_read(&msr, MSR_TSC_ADJUST, &v) && v == 0);
	CHECK(vmsr_write(&msr, MSR_TSC_ADJUST, (uint64_t)-7));
	CHECK(logstub_lines == 1);
	CHECK(vmsr_read(&msr, MSR_TSC_ADJUST, &v) && v == 0);
}

/* The other MSRs the guest's CPUID names: the TSC deadline (leaf 1 ECX
 * 24), x2APIC mode and its registers (leaf 1 ECX 21), and KVM's clock
 * and PV EOI (the KVM features leaf): each reads, and takes back what it
 * read. */
static void cpuid_promises_are_kept(void)
{
	struct cpuid_view cv;
	uint64_t v;

	cpuid_view_init(&cv, full_host, tsc_hz());
	cv.ncpus = 1;
	fresh();
	struct cpuid_regs l1 = guest_cpuid(&cv, 0, CPUID_FEATURES, 0);
	struct cpuid_regs kvm = guest_cpuid(&cv, 0, KVM_CPUID_FEATURES, 0);

	CHECK(l1.ecx & CPUID_1_ECX_TSC_DEADLINE);
	CHECK(vmsr_read(&msr, MSR_TSC_DEADLINE, &v));
	CHECK(vmsr_write(&msr, MSR_TSC_DEADLINE, v));
	CHECK(l1.ecx & CPUID_1_ECX_X2APIC);
	CHECK(!vmsr_read(&msr, 0x802, &v)); /* xAPIC mode: no ID MSR */
	CHECK(logstub_has("read of MSR 0x802"));
	logstub_clear();
	CHECK(vmsr_read(&msr, MSR_IA32_APIC_BASE, &v));
	CHECK(vmsr_write(&msr, MSR_IA32_APIC_BASE, v | APIC_BASE_EXTD));
	CHECK(vmsr_read(&msr, 0x802, &v) && v == 0); /* x2APIC ID */
	CHECK(kvm.eax & KVM_FEATURE_CLOCKSOURCE2);
	CHECK(vmsr_write(&msr, MSR_KVM_SYSTEM_TIME_NEW, 0x1001));
	CHECK(vmsr_read(&msr, MSR_KVM_SYSTEM_TIME_NEW, &v) && v == 0x1001);
	CHECK(vmsr_write(&msr, MSR_KVM_WALL_CLOCK_NEW, 0x2000));
	CHECK(vmsr_read(&msr, MSR_KVM_WALL_CLOCK_NEW, &v) && v == 0x2000);
	CHECK(kvm.eax & KVM_FEATURE_PV_EOI);
	CHECK(vmsr_write(&msr, MSR_KVM_PV_EOI_EN, 0x3001));
	CHECK(vmsr_read(&msr, MSR_KVM_PV_EOI_EN, &v) && v == 0x3001);
	CHECK(logstub_lines == 0);
}

int main(void)
{
	RUN(tsc_adjust_offered_and_reads_zero);
	RUN(tsc_adjust_writes);
	RUN(cpuid_promises_are_kept);
	return CHECK_DONE();
}
