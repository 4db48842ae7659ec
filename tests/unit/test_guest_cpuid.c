/* The guest's CPUID (hv/run/guest_cpuid.c) against hosts played by the
 * test: the topology leaves agree with the MADT (vCPU i has APIC ID i)
 * for one vCPU and for several, on Intel and AMD, and what Plinth hides
 * stays hidden. */
#include "tests/support/check.h"

#include "arch/x86/cpuid.h"
#include "hv/run/guest_cpuid.h"

static bool host_amd;

/* A host with every feature bit set, 8 threads, and its own APIC ID 7
 * in every leaf that carries one. */
static struct cpuid_regs fake_host(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { 0xffffffff, 0xffffffff, 0xffffffff,
				0xffffffff };

	switch (leaf) {
	case CPUID_VENDOR:
		r.eax = 0x1f;
		memcpy(&r.ebx, host_amd ? "Auth" : "Genu", 4);
		break;
	case CPUID_FEATURES:
		r.ebx = (7u << 24) | (8u << 16) | 0x0800;
		break;
	case CPUID_CACHE:
		r.eax = sub < 3 ? (0x121 | (7u << 26) | (1u << 14)) : 0;
		break;
	case CPUID_TOPOLOGY:
		r = (struct cpuid_regs){ 1, 2, sub | 0x100, 7 };
		break;
	case CPUID_EXT_MAX:
		r.eax = 0x8000001f;
		break;
	case CPUID_AMD_TOPOLOGY:
		r.eax = 7;
		break;
	}
	return r;
}

static struct cpuid_view view(bool amd, unsigned ncpus)
{
	struct cpuid_view cv;

	host_amd = amd;
	cpuid_view_init(&cv, fake_host, 2000000000ull);
	cv.ncpus = ncpus;
	cv.hide_cx16 = false;
	return cv;
}

static void leaf1_names_the_asking_vcpu(void)
{
	struct cpuid_view cv = view(false, 3);

	for (uint32_t id = 0; id < 3; id++) {
		struct cpuid_regs r = guest_cpuid(&cv, id, CPUID_FEATURES, 0);

		CHECK(r.ebx >> 24 == id);
		CHECK(((r.ebx >> 16) & 0xff) == 4); /* IDs 0..3 */
		CHECK((r.ebx & 0xffff) == 0x0800);  /* CLFLUSH size etc. */
		CHECK(r.edx & CPUID_1_EDX_HTT);
		CHECK(r.ecx & CPUID_1_ECX_HYPERVISOR);
		CHECK(r.ecx & CPUID_1_ECX_X2APIC);
		CHECK(!(r.ecx & (CPUID_1_ECX_VMX | CPUID_1_ECX_MONITOR)));
		CHECK(!(r.edx & CPUID_1_EDX_MCE));
	}
	cv = view(false, 1);
	struct cpuid_regs r = guest_cpuid(&cv, 0, CPUID_FEATURES, 0);

	CHECK(r.ebx >> 24 == 0 && ((r.ebx >> 16) & 0xff) == 1);
	CHECK(!(r.edx & CPUID_1_EDX_HTT));
}

/* SDM vol. 3A, 9.6.2: the x2APIC ID shifted right by level 1's EAX is
 * the package ID, the same for every vCPU; level 0 has one thread. */
static void leaf_b_agrees_with_the_madt(void)
{
	for (unsigned n = 1; n <= 9; n++) {
		struct cpuid_view cv = view(false, n);

		for (uint32_t id = 0; id < n; id++) {
			struct cpuid_regs t0 = guest_cpuid(&cv, id, 0xb, 0);
			struct cpuid_regs t1 = guest_cpuid(&cv, id, 0xb, 1);
			struct cpuid_regs t2 = guest_cpuid(&cv, id, 0xb, 2);

			CHECK(t0.edx == id && t1.edx == id && t2.edx == id);
			CHECK(t0.eax == 0 && t0.ebx == 1);
			CHECK(t0.ecx == 0x100);
			CHECK(t1.ebx == n && t1.ecx == 0x201);
			CHECK((id >> t1.eax) == 0); /* one package */
			CHECK((1u << t1.eax) >= n);
			CHECK(t1.eax == 0 || (1u << (t1.eax - 1)) < n);
			CHECK(t2.eax == 0 && t2.ebx == 0 && t2.ecx == 2);
		}
		/* Leaf 0x1F absent: Linux reads 0xB. */
		struct cpuid_regs v2 = guest_cpuid(&cv, 0, 0x1f, 0);

		CHECK(v2.ebx == 0);
	}
}

static void leaf4_counts_the_cores(void)
{
	struct cpuid_view cv = view(false, 3);
	struct cpuid_regs r = guest_cpuid(&cv, 1, CPUID_CACHE, 0);

	CHECK((r.eax >> 26) == 3);	     /* 4 core IDs */
	CHECK(((r.eax >> 14) & 0xfff) == 0); /* one thread per cache */
	CHECK((r.eax & 0x3fff) == 0x121);
	r = guest_cpuid(&cv, 1, CPUID_CACHE, 3); /* no more caches */
	CHECK(r.eax == 0);
}

/* AMD: leaf 0x80000008 ECX numbers the cores; the topology extensions,
 * which would give the host's own IDs, are hidden. */
static void amd_core_count_and_no_topoext(void)
{
	struct cpuid_view cv = view(true, 3);
	struct cpuid_regs r = guest_cpuid(&cv, 2, CPUID_ADDR_SIZES, 0);

	CHECK(cv.amd);
	CHECK((r.ecx & 0xff) == 2);
	CHECK(((r.ecx >> 12) & 0xf) == 2);
	r = guest_cpuid(&cv, 2, CPUID_EXT_SIGNATURE, 0);
	CHECK(!(r.ecx & CPUID_E1_ECX_TOPOEXT));
	CHECK(!(r.ecx & CPUID_E1_ECX_SVM));
	r = guest_cpuid(&cv, 2, CPUID_AMD_TOPOLOGY, 0);
	CHECK(r.eax == 0 && r.ebx == 0 && r.ecx == 0);
	/* Intel keeps ECX as the host has it (reserved). */
	cv = view(false, 3);
	r = guest_cpuid(&cv, 2, CPUID_ADDR_SIZES, 0);
	CHECK(r.ecx == 0xffffffff);
}

static void hypervisor_leaves_and_frequencies(void)
{
	struct cpuid_view cv = view(false, 2);
	struct cpuid_regs r = guest_cpuid(&cv, 0, CPUID_HV_BASE, 0);

	CHECK(!memcmp(&r.ebx, "Plin", 4) && !memcmp(&r.ecx, "thHV", 4));
	r = guest_cpuid(&cv, 0, 0x40000010, 0);
	CHECK(r.eax == 2000000 && r.ebx == 1000000);
	r = guest_cpuid(&cv, 1, CPUID_TSC, 0);
	CHECK(r.eax == 1 && r.ebx == 1 && r.ecx == 2000000000u);
	r = guest_cpuid(&cv, 1, CPUID_FREQ, 0);
	CHECK(r.eax == 2000);
	r = guest_cpuid(&cv, 1, CPUID_APM, 0);
	CHECK(r.edx & CPUID_E7_EDX_INVARIANT_TSC);
	cv.hide_cx16 = true;
	r = guest_cpuid(&cv, 0, CPUID_FEATURES, 0);
	CHECK(!(r.ecx & CPUID_1_ECX_CX16));
}

/* The table an exit fast path answers from (arch/x86/vcpu_fast.h): each
 * leaf in it is what guest_cpuid says, whatever the subleaf; the leaves
 * with subleaves or CR4 bits never are; nor are leaves past the guest's
 * highest, or past the table. */
static void fixed_leaves_answer_as_guest_cpuid(void)
{
	struct cpuid_view cv = view(false, 3);
	struct cpuid_regs t[32], u[32];
	uint32_t bits = guest_cpuid_fixed(&cv, 2, t, 32);
	uint32_t max = guest_cpuid(&cv, 2, CPUID_VENDOR, 0).eax;

	CHECK(bits & (1u << CPUID_VENDOR));
	CHECK(bits & (1u << CPUID_TSC));
	for (uint32_t leaf = 0; leaf < 32; leaf++) {
		if (!(bits >> leaf & 1))
			continue;
		CHECK(leaf <= max);
		for (uint32_t sub = 0; sub < 4; sub++) {
			struct cpuid_regs r = guest_cpuid(&cv, 2, leaf, sub);

			CHECK(!memcmp(&r, &t[leaf], sizeof(r)));
		}
	}
	static const uint32_t never[] = {
		CPUID_FEATURES, CPUID_CACHE, CPUID_EXT_FEATURES,
		CPUID_TOPOLOGY, CPUID_XSAVE,	0x0f,
		0x10,		0x12,	     0x14,
		0x17,		0x18,	     CPUID_TOPOLOGY_V2,
	};
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		CHECK(!(bits >> never[i] & 1));
	/* The same for every vCPU: nothing in them names the asker. */
	CHECK(guest_cpuid_fixed(&cv, 0, u, 32) == bits);
	for (uint32_t leaf = 0; leaf < 32; leaf++)
		if (bits >> leaf & 1)
			CHECK(!memcmp(&u[leaf], &t[leaf], sizeof(t[0])));
	/* A smaller table holds only the leaves below its size. */
	CHECK(guest_cpuid_fixed(&cv, 0, u, 8) == (bits & 0xff));
}

int main(void)
{
	RUN(leaf1_names_the_asking_vcpu);
	RUN(leaf_b_agrees_with_the_madt);
	RUN(leaf4_counts_the_cores);
	RUN(amd_core_count_and_no_topoext);
	RUN(hypervisor_leaves_and_frequencies);
	RUN(fixed_leaves_answer_as_guest_cpuid);
	return CHECK_DONE();
}
