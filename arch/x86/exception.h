/* Host exceptions: descriptor tables and the fatal-fault report. */
#ifndef PLINTH_X86_EXCEPTION_H
#define PLINTH_X86_EXCEPTION_H

#include <stdint.h>

struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Loads Plinth's GDT (with a TSS whose IST1 stack ends at ist_top) and
 * IDT.  #DF, NMI, #MC and #PF run on IST1, so a host stack overflow
 * into its guard page is still reported. */
void exc_init(uint64_t ist_top);

/* Registers a stack for stack traces (and for naming a guard-page hit);
 * guard_lo..lo is its unmapped guard. */
void exc_add_stack(uint64_t guard_lo, uint64_t lo, uint64_t hi,
		   const char *name);

/* Where plinth.so was loaded, so traces print link-time offsets. */
void exc_set_image(uint64_t base, uint64_t text_lo, uint64_t text_hi);

/* Vectors 32-255 go to `fn` instead of the fatal-fault report. */
void exc_set_irq_handler(void (*fn)(unsigned vector));
/* One vector to a handler of its own (on every CPU), before the one
 * above. */
void exc_set_vector_handler(unsigned vector, void (*fn)(unsigned vector));

/* Called by the stubs in entry.S with the frame they pushed. */
void exc_dispatch(struct exc_frame *f);

/* One CPU's GDT and TSS (the IDT is shared). */
struct cpu_desc {
	uint64_t gdt[5];
	uint8_t tss[104];
} __attribute__((aligned(16)));

/* On a CPU other than the first, after exc_init ran on the first: loads
 * its own GDT and TSS (IST1 ending at ist_top) and the shared IDT. */
void desc_init_cpu(struct cpu_desc *cd, uint64_t ist_top);

/* For the VMCS host state: TR's base cannot be read by an instruction. */
uint64_t desc_tss_base(void);

void arch_switch_stack(uint64_t top, void (*fn)(void *), void *arg)
	__attribute__((noreturn));

#endif
