#include "arch/x86/guest_fpu.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "hv/pool.h"

#define AREA_PAGES 4

int guest_fpu_reset(struct guest_fpu *f)
{
	if (!f->area)
		f->area = pool_pages(AREA_PAGES, 1);
	if (!f->area)
		return -1;
	f->xcr0 = 0;
	if (cpuid(1, 0).ecx & (1u << 26)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		f->xcr0 = 3;
	}
	memset(f->area, 0, AREA_PAGES * 4096);
	*(uint16_t *)f->area = 0x37f;
	*(uint32_t *)((char *)f->area + 24) = 0x1f80;
	return 0;
}

void guest_fpu_load_xcr0(struct guest_fpu *f)
{
	uint64_t v = f->xcr0;

	if (!v || v == f->loaded_xcr0)
		return;
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
	f->loaded_xcr0 = v;
}
