/* The guest's x87/SSE/AVX state and XCR0, which both world switches load
 * next to the guest entry and save next to the exit (vmx_entry.S,
 * svm_entry.S): host C code may use SSE registers anywhere else. */
#ifndef PLINTH_X86_GUEST_FPU_H
#define PLINTH_X86_GUEST_FPU_H

#include <stdint.h>

struct guest_fpu {
	void *area;	      /* XSAVE (or FXSAVE) image, 16 KiB */
	uint64_t xcr0;	      /* the guest's; 0 without XSAVE (FXSAVE used) */
	uint64_t loaded_xcr0; /* what XCR0 holds now */
};

/* A freshly reset FPU (FCW 0x37f, MXCSR 0x1f80, XSAVE header 0) with x87
 * and SSE enabled in XCR0, as after reset; the host's CR4.OSXSAVE is set
 * where the CPU has XSAVE.  The area is allocated once.  -1 when the
 * pool is empty. */
int guest_fpu_reset(struct guest_fpu *f);

/* Puts the guest's XCR0 in force before an entry.  It stays there while
 * the guest's state is saved and afterwards: host code only needs x87
 * and SSE, which every valid XCR0 has, and XSETBV is not cheap.  Inline:
 * it runs before every entry. */
static inline void guest_fpu_load_xcr0(struct guest_fpu *f)
{
	uint64_t v = f->xcr0;

	if (!v || v == f->loaded_xcr0)
		return;
	__asm__ volatile("xsetbv"
			 :
			 : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	f->loaded_xcr0 = v;
}

#endif
