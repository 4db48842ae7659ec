#include "arch/x86/cpuinfo.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "arch/x86/cx16_check.h"

static void regs_to_str(char *out, const uint32_t *regs, int n)
{
	memcpy(out, regs, (size_t)n * 4);
	out[n * 4] = '\0';
}

static void identify_vmx(struct cpu_info *ci)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);

	ci->fc_locked = fc & 1;
	ci->fc_vmxon = fc & 4;
	ci->vmcs_revision = (uint32_t)basic & 0x7fffffff;
	ci->true_ctls = basic & (1ull << 55);
	/* Allowed-1 settings are the high 32 bits of a control MSR. */
	uint64_t proc = rdmsr(ci->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
					    : MSR_IA32_VMX_PROCBASED_CTLS);

	if (!(proc & (1ull << (32 + 31)))) /* no secondary controls */
		return;
	uint64_t proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;

	ci->ept = proc2 & (1u << 1);
	ci->vpid = proc2 & (1u << 5);
	ci->unrestricted_guest = proc2 & (1u << 7);
	ci->apic_regs = proc2 & (1u << 8);
	ci->vintr_delivery = proc2 & (1u << 9);
	ci->posted_intr = (rdmsr(ci->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
					       : MSR_IA32_VMX_PINBASED_CTLS)
			   >> 32)
			  & (1u << 7);
	if (ci->ept || ci->vpid) {
		uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

		ci->ept_4level = cap & (1ull << 6);
		ci->ept_wb = cap & (1ull << 14);
		ci->ept_2m = cap & (1ull << 16);
		ci->ept_1g = cap & (1ull << 17);
	}
}

void cpu_identify(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(CPUID_VENDOR, 0);
	uint32_t v[3] = { r.ebx, r.edx, r.ecx };
	uint32_t max = r.eax;

	memset(ci, 0, sizeof(*ci));
	regs_to_str(ci->vendor, v, 3);
	r = cpuid(CPUID_FEATURES, 0);
	uint32_t fam = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf;

	if (fam == 0xf)
		fam += (r.eax >> 20) & 0xff;
	if (fam == 0x6 || fam >= 0xf)
		model |= ((r.eax >> 16) & 0xf) << 4;
	ci->family = fam;
	ci->model = model;
	ci->stepping = r.eax & 0xf;
	ci->vmx = max >= CPUID_FEATURES && (r.ecx & CPUID_1_ECX_VMX);
	/* Plinth runs with interrupts off, which the check needs. */
	if (r.ecx & CPUID_1_ECX_CX16)
		ci->cx16_damage = cx16_rflags_damage(0);
	if (r.ecx & CPUID_1_ECX_HYPERVISOR) {
		struct cpuid_regs h = cpuid(CPUID_HV_BASE, 0);
		uint32_t s[3] = { h.ebx, h.ecx, h.edx };

		regs_to_str(ci->hv_signature, s, 3);
	}
	/* The VMX MSRs exist only when CPUID says VMX: reading them
	 * otherwise raises #GP. */
	if (ci->vmx)
		identify_vmx(ci);

	uint32_t ext = cpuid(CPUID_EXT_MAX, 0).eax;

	if (ext >= CPUID_BRAND_END) {
		uint32_t b[12];

		for (uint32_t i = 0; i < 3; i++) {
			r = cpuid(CPUID_BRAND + i, 0);
			b[i * 4] = r.eax;
			b[i * 4 + 1] = r.ebx;
			b[i * 4 + 2] = r.ecx;
			b[i * 4 + 3] = r.edx;
		}
		regs_to_str(ci->brand, b, 12);
		/* Brand strings are padded with leading spaces. */
		size_t lead = strspn(ci->brand, " ");

		memmove(ci->brand, ci->brand + lead,
			strlen(ci->brand) - lead + 1);
	}
	if (ext >= CPUID_EXT_SIGNATURE)
		ci->svm = cpuid(CPUID_EXT_SIGNATURE, 0).ecx & CPUID_E1_ECX_SVM;
	if (ci->svm && ext >= CPUID_SVM) {
		r = cpuid(CPUID_SVM, 0);
		ci->npt = r.edx & CPUID_SVM_EDX_NPT;
		ci->nrip_save = r.edx & CPUID_SVM_EDX_NRIP_SAVE;
		ci->avic = r.edx & CPUID_SVM_EDX_AVIC;
		/* VM_CR (APM vol. 2, 15.30.1) exists wherever SVM does. */
		ci->svm_disabled = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
	}
}
