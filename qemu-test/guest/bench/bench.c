/* A flat 64-bit bench guest (plinth.cfg: kernel_format = flat).  Plinth
 * enters it at its first byte, in long mode with the first 4 GiB
 * identity-mapped, and it measures the round trip of the exits it causes
 * in guest TSC ticks.  Under Bochs those are instruction counts, so the
 * figures are exact and repeatable.  Results go to COM1 as
 * "bench: NAME: N ticks" lines; then it powers off through ACPI S5. */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cx16_check.h" /* shared with Plinth's boot check */
#include "arch/x86/io.h" /* header-only port I/O, shared with Plinth */

#define ITER 2000
#define COM1 0x3f8
#define PM1A_CNT 0x604

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void putc_(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void putu(uint64_t v)
{
	char b[24];
	int n = 0;

	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc_(b[--n]);
}

static void report(const char *name, uint64_t ticks)
{
	puts_("bench: ");
	puts_(name);
	puts_(": ");
	putu(ticks);
	puts_(" ticks\n");
}

static uint64_t loop_empty(void)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < ITER; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

static uint64_t loop_cpuid(void)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < ITER; i++) {
		uint32_t a = 0, b, c = 0, d;

		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return rdtsc() - t0;
}

static uint64_t loop_mmio(void)
{
	/* The LAPIC version register: an EPT violation, an instruction
	 * fetch and decode, and the LAPIC model. */
	volatile uint32_t *ver = (volatile uint32_t *)0xfee00030ul;
	uint64_t t0 = rdtsc();

	for (int i = 0; i < ITER; i++)
		(void)*ver;
	return rdtsc() - t0;
}

/* Single-step: a #DB that Plinth intercepts (so that no guest can keep
 * the CPU in a loop of them) and must hand back as the CPU would have
 * delivered it, with DR6.BS set.  The guest's own GDT and IDT: the entry
 * state's descriptor tables point at nothing. */
struct gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};

static uint64_t gdt[4] __attribute__((aligned(16))) = {
	0, 0,
	0x00af9a000000ffffull, /* 0x10: 64-bit code, as Plinth enters us */
	0x00cf92000000ffffull, /* 0x18: data */
};
static struct gate idt[2] __attribute__((aligned(16)));
volatile uint64_t db_count, db_dr6;

void db_entry(void);
__asm__(".text\n"
	"db_entry:\n"
	"	push	%rax\n"
	"	incq	db_count(%rip)\n"
	"	mov	%dr6, %rax\n"
	"	mov	%rax, db_dr6(%rip)\n"
	"	andq	$~0x100, 24(%rsp)\n" /* TF off in the saved RFLAGS */
	"	pop	%rax\n"
	"	iretq\n");

static void single_step(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} g = { sizeof(gdt) - 1, (uint64_t)gdt },
	  i = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t h = (uint64_t)db_entry;

	idt[1] = (struct gate){ (uint16_t)h, 0x10, 0, 0x8e, (uint16_t)(h >> 16),
				(uint32_t)(h >> 32), 0 };
	__asm__ volatile("lgdt %0; lidt %1" : : "m"(g), "m"(i) : "memory");
	__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ull));
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; nop"
			 ::: "memory", "cc");
	if (db_count == 1 && (db_dr6 & (1u << 14)))
		puts_("bench: single-step #DB reached the guest with DR6.BS\n");
	else {
		puts_("bench: single-step #DB FAILED: ");
		putu(db_count);
		puts_(" #DB, DR6 ");
		putu(db_dr6);
		puts_("\n");
	}
}

/* Plinth virtualises neither VT-x nor AMD-V: CPUID must not offer them. */
static void cpuid_hides_virtualization(void)
{
	uint32_t a = 1, b, c = 0, d, ext;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	bool vmx = c & (1u << 5);

	a = 0x80000001;
	c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	ext = c;
	if (!vmx && !(ext & (1u << 2)))
		puts_("bench: CPUID offers neither VMX nor SVM\n");
	else
		puts_("bench: CPUID offers VMX or SVM: FAILED\n");
}

static uint32_t cpuid1_ecx(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c;
}

/* CPUID.1:ECX.OSXSAVE reports the asking CPU's CR4.OSXSAVE: the guest's,
 * off at entry, then on once it sets the bit, then off again. */
static void cpuid_osxsave_follows_cr4(void)
{
	const uint32_t xsave = 1u << 26, osxsave = 1u << 27;
	uint64_t cr4;
	uint32_t before, on, after;

	if (!(cpuid1_ecx() & xsave)) {
		puts_("bench: CPUID offers no XSAVE\n");
		return;
	}
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	before = cpuid1_ecx() & osxsave;
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 18)));
	on = cpuid1_ecx() & osxsave;
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
	after = cpuid1_ecx() & osxsave;
	if (!(cr4 & (1ull << 18)) && !before && on && !after)
		puts_("bench: CPUID's OSXSAVE follows CR4.OSXSAVE\n");
	else
		puts_("bench: CPUID's OSXSAVE does not follow CR4.OSXSAVE: "
		      "FAILED\n");
}

/* CPUID in a MOV SS shadow against the same leaf outside one: Plinth's
 * exit fast path answers the fixed leaves outside, but leaves a CPUID in
 * a shadow (which it must end) to its full exit handler.  Every basic
 * leaf must read the same both ways. */
static void cpuid_alike_in_a_shadow(void)
{
	uint32_t max = 0, b, c = 0, d, bad = 0;

	__asm__ volatile("cpuid" : "+a"(max), "=b"(b), "+c"(c), "=d"(d));
	if (max > 31)
		max = 31;
	for (uint32_t leaf = 0; leaf <= max; leaf++) {
		uint32_t r[4] = { leaf, 0, 0, 0 }, s[4] = { leaf, 0, 0, 0 };

		__asm__ volatile("cpuid"
				 : "+a"(r[0]), "=b"(r[1]), "+c"(r[2]),
				   "=d"(r[3]));
		__asm__ volatile("movw %%ss, %%si\n\tmovw %%si, %%ss\n\tcpuid"
				 : "+a"(s[0]), "=b"(s[1]), "+c"(s[2]),
				   "=d"(s[3])
				 :
				 : "rsi");
		for (int i = 0; i < 4; i++)
			bad += r[i] != s[i];
	}
	puts_(bad ? "bench: CPUID differs in a MOV SS shadow: FAILED\n"
		  : "bench: CPUID reads alike in and out of a MOV SS shadow\n");
}

/* CMPXCHG16B with a VM exit right after it: on an emulator with the
 * erratum cx16_check.h describes, the damaged flags become the guest's
 * RFLAGS.  Plinth checks for it at boot and then does not offer
 * CMPXCHG16B; the test compares the two. */
static void cmpxchg16b_flags(void)
{
	uint32_t a = 1, b, c = 0, d;
	uint64_t damage;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	puts_(c & (1u << 13) ? "bench: CPUID offers CMPXCHG16B\n"
			     : "bench: CPUID does not offer CMPXCHG16B\n");
	damage = cx16_rflags_damage(1);
	if (!damage) {
		puts_("bench: CMPXCHG16B and a VM exit kept RFLAGS\n");
		return;
	}
	puts_("bench: CMPXCHG16B and a VM exit damaged RFLAGS: ");
	putu(damage);
	puts_("\n");
}

/* MMIO through an instruction rewritten in place: Plinth keeps the
 * decodes and page walks of past MMIO exits, and must still emulate the
 * bytes the CPU ran, not the ones it saw there before.  The accessor is
 * `mov eax, [rdx]; ret` with RDX at the LAPIC version register, then the
 * same with ECX. */
static uint8_t accessor[16] __attribute__((aligned(16)));

static void call_accessor(uint32_t *a, uint32_t *c)
{
	uint32_t ra = 0, rc = 0;

	__asm__ volatile("call *%2"
			 : "+a"(ra), "+c"(rc)
			 : "r"(accessor), "d"(0xfee00030ul)
			 : "memory");
	*a = ra;
	*c = rc;
}

static void mmio_rewritten(void)
{
	static const uint8_t load_eax[] = { 0x8b, 0x02, 0xc3 };
	uint32_t a1, c1, a2, c2, a3, c3;

	for (unsigned i = 0; i < sizeof(load_eax); i++)
		accessor[i] = load_eax[i];
	call_accessor(&a1, &c1);
	call_accessor(&a1, &c1); /* now from what Plinth kept */
	accessor[1] = 0x0a;	 /* ModRM reg 001: ECX */
	call_accessor(&a2, &c2);
	accessor[1] = 0x02;
	call_accessor(&a3, &c3);
	bool ok = a1 && !c1 && !a2 && c2 == a1 && a3 == a1 && !c3;

	puts_(ok ? "bench: MMIO follows an instruction rewritten in place\n"
		 : "bench: MMIO ran a stale instruction: FAILED\n");
}

/* MMIO with RSP as the register: ESP stored to the LAPIC's initial
 * count (a plain 32-bit register; the timer is masked) and read back
 * into ESP, with the stack below 4 GiB.  Plinth keeps RSP apart from the
 * other registers and must bring it over for these. */
static void mmio_through_rsp(void)
{
	volatile uint32_t *tmict = (volatile uint32_t *)0xfee00380ul;
	uint64_t before, loaded;
	uint32_t stored;

	__asm__ volatile("mov %%rsp, %0\n\t"
			 "movl %%esp, (%3)\n\t"
			 "movl (%3), %1\n\t"
			 "lea 8(%%rsp), %%rcx\n\t"
			 "movl %%ecx, (%3)\n\t"
			 "movl (%3), %%esp\n\t"
			 "mov %%rsp, %2\n\t"
			 "mov %0, %%rsp"
			 : "=&r"(before), "=&r"(stored), "=&r"(loaded)
			 : "r"(tmict)
			 : "rcx", "memory");
	*tmict = 0;
	bool ok = stored == (uint32_t)before && loaded == before + 8;

	puts_(ok ? "bench: MMIO to and from RSP reached RSP\n"
		 : "bench: MMIO to or from RSP missed it: FAILED\n");
}

static uint64_t loop_pio(void)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < ITER; i++)
		(void)inb(COM1 + 7); /* the UART scratch register */
	return rdtsc() - t0;
}

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
	uint64_t first = rdtsc();

	puts_("bench: guest running\n");
	report("first guest instruction (TSC)", first);
	uint64_t empty = loop_empty();

	report("cpuid exit round trip", (loop_cpuid() - empty) / ITER);
	report("pio exit round trip", (loop_pio() - empty) / ITER);
	report("mmio exit round trip", (loop_mmio() - empty) / ITER);
	single_step();
	cpuid_hides_virtualization();
	cpuid_osxsave_follows_cr4();
	cpuid_alike_in_a_shadow();
	cmpxchg16b_flags();
	mmio_rewritten();
	mmio_through_rsp();
	puts_("bench: done\n");
	outw(PM1A_CNT, (5 << 10) | (1 << 13)); /* SLP_TYP S5 | SLP_EN */
	for (;;)
		__asm__ volatile("cli; hlt");
}
