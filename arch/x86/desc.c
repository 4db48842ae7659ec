/* GDT, TSS and IDT (Intel SDM vol. 3A, chapters 3, 6 and 8).
 *
 * Plinth runs in 64-bit mode only, so the GDT holds one code and one data
 * segment plus the TSS, which exists for its interrupt stack table. */
#include "arch/x86/exception.h"

#include <string.h>

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type; /* P, DPL, gate type */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == sizeof(((struct cpu_desc *)0)->tss),
	       "struct cpu_desc holds a TSS");

static struct cpu_desc bsp;
static struct idt_entry idt[256] __attribute__((aligned(16)));

extern char isr_stubs[];

static void load_gdt(const uint64_t *gdt, size_t size)
{
	struct dtr d = { (uint16_t)(size - 1), (uint64_t)gdt };

	/* A far return reloads CS; the data segment registers follow. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 "mov %%eax, %%fs\n\t"
			 "mov %%eax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(d), "i"(SEL_CODE), "i"(SEL_DATA), "r"(SEL_TSS)
			 : "rax", "memory");
}

uint64_t desc_tss_base(void)
{
	return (uint64_t)bsp.tss;
}

/* A CPU's own GDT and TSS: each CPU needs its TSS (LTR marks it busy, and
 * its IST1 stack is that CPU's), the IDT is shared. */
void desc_init_cpu(struct cpu_desc *cd, uint64_t ist_top)
{
	struct tss t = { 0 };
	uint64_t base = (uint64_t)cd->tss, limit = sizeof(t) - 1;
	uint64_t *gdt = cd->gdt;

	t.ist[0] = ist_top & ~15ull;
	t.iomap_base = sizeof(t); /* no I/O bitmap */
	memcpy(cd->tss, &t, sizeof(t));
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */
	/* 16-byte system descriptor: available 64-bit TSS (type 9). */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40)
		 | (((limit >> 16) & 0xf) << 48)
		 | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
	load_gdt(gdt, sizeof(cd->gdt));

	struct dtr d = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
}

void exc_init(uint64_t ist_top)
{
	for (int v = 0; v < 256; v++) {
		uint64_t h = (uint64_t)(isr_stubs + 16 * v);
		/* Faults that may come from a broken stack get IST1. */
		int ist = (v == 2 || v == 8 || v == 14 || v == 18) ? 1 : 0;

		idt[v] = (struct idt_entry){
			.off_lo = (uint16_t)h,
			.sel = SEL_CODE,
			.ist = (uint8_t)ist,
			.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
			.off_mid = (uint16_t)(h >> 16),
			.off_hi = (uint32_t)(h >> 32),
		};
	}
	desc_init_cpu(&bsp, ist_top);
}
