#include "arch/x86/guest_fpu.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "hv/base/pool.h"

#define AREA_PAGES 4

int guest_fpu_reset(struct guest_fpu *f)
{
	if (!f->area)
		f->area = pool_pages(AREA_PAGES, 1);
	if (!f->area)
		return -1;
	f->xcr0 = 0;
	if (cpuid(CPUID_FEATURES, 0).ecx & CPUID_1_ECX_XSAVE) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		f->xcr0 = 3;
	}
	memset(f->area, 0, AREA_PAGES * 4096);
	*(uint16_t *)f->area = 0x37f;
	*(uint32_t *)((char *)f->area + 24) = 0x1f80;
	return 0;
}
