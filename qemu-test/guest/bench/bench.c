/* A flat 64-bit bench guest (plinth.cfg: kernel_format = flat).  Plinth
 * enters it at its first byte, in long mode with the first 4 GiB
 * identity-mapped, and it measures the round trip of the exits it causes
 * in guest TSC ticks.  Under Bochs those are instruction counts, so the
 * figures are exact and repeatable.  Results go to COM1 as
 * "bench: NAME: N ticks" lines; then it powers off through ACPI S5. */
#include <stdint.h>

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
	puts_("bench: done\n");
	outw(PM1A_CNT, (5 << 10) | (1 << 13)); /* SLP_TYP S5 | SLP_EN */
	for (;;)
		__asm__ volatile("cli; hlt");
}
