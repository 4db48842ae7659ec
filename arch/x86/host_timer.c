#include "arch/x86/host_timer.h"

#include <stdbool.h>

#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/io.h"
#include "arch/x86/lapic_host.h"
#include "arch/x86/tsc.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"

#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0

static bool deadline_mode;
static uint64_t count_mult; /* LAPIC counts per TSC tick, 32.32 */
static uint64_t timer_irqs, other_irqs;

static void irq(unsigned vector)
{
	if (vector == HOST_SPURIOUS_VECTOR)
		return; /* a spurious interrupt takes no EOI (SDM 11.9) */
	if (vector == HOST_TIMER_VECTOR)
		__atomic_fetch_add(&timer_irqs, 1, __ATOMIC_RELAXED);
	else
		log_limited(other_irqs++, 1, "",
			    "host: unexpected interrupt, vector %u "
			    "(acknowledged and ignored)",
			    vector);
	lapic_host_write(LAPIC_EOI, 0);
}

/* This CPU's LAPIC: only the timer may interrupt.  Whatever else the
 * firmware left wired (the 8259 through LINT0, NMI on LINT1, the error,
 * thermal, performance and CMCI entries) is masked, or a level-triggered
 * source would end every guest run at once.  Entries beyond MAXLVT do not
 * exist (and #GP in x2APIC mode). */
static void mask_lvts(void)
{
	unsigned max_lvt = (lapic_host_read(LAPIC_VERSION) >> 16) & 0xff;
	static const struct {
		unsigned off, min_lvt;
	} lvt[] = {
		{ LAPIC_LVT_LINT0, 0 },	  { LAPIC_LVT_LINT1, 0 },
		{ LAPIC_LVT_ERROR, 0 },	  { LAPIC_LVT_PERF, 4 },
		{ LAPIC_LVT_THERMAL, 5 }, { LAPIC_LVT_CMCI, 6 },
	};

	for (unsigned i = 0; i < sizeof(lvt) / sizeof(lvt[0]); i++)
		if (max_lvt >= lvt[i].min_lvt)
			lapic_host_write(lvt[i].off, lapic_host_read(lvt[i].off)
							     | LVT_MASKED);
	lapic_host_write(LAPIC_TPR, 0);
	lapic_host_write(LAPIC_SVR, (1u << 8) | HOST_SPURIOUS_VECTOR);
}

/* The timer's LVT entry in the mode host_timer_init chose. */
static void program_timer(void)
{
	if (deadline_mode) {
		lapic_host_write(LAPIC_LVT_TIMER,
				 LVT_TSC_DEADLINE | HOST_TIMER_VECTOR);
		/* The xAPIC write must be ordered before the first WRMSR to
		 * IA32_TSC_DEADLINE (SDM vol. 3A, 10.5.4.1). */
		__asm__ volatile("mfence" ::: "memory");
		return;
	}
	lapic_host_write(LAPIC_DIVIDE, 0xb);
	lapic_host_write(LAPIC_LVT_TIMER, HOST_TIMER_VECTOR); /* one-shot */
}

void host_timer_cpu_init(void)
{
	mask_lvts();
	program_timer();
}

int host_timer_init(char *why, size_t n)
{
	if (lapic_host_init(why, n))
		return -1;
	exc_set_irq_handler(irq);
	mask_lvts();
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	deadline_mode = cpuid(1, 0).ecx & (1u << 24);
	if (deadline_mode) {
		program_timer();
		return 0;
	}
	/* One-shot mode counts at the bus clock, divided by 1: measure it
	 * against the TSC for a millisecond. */
	lapic_host_write(LAPIC_LVT_TIMER, LVT_MASKED | HOST_TIMER_VECTOR);
	lapic_host_write(LAPIC_DIVIDE, 0xb);
	lapic_host_write(LAPIC_INIT_COUNT, 0xffffffffu);
	uint64_t t0 = rdtsc(), span = tsc_hz() / 1000;

	while (rdtsc() - t0 < span)
		cpu_pause();
	uint32_t counted = 0xffffffffu - lapic_host_read(LAPIC_CUR_COUNT);
	uint64_t ticks = rdtsc() - t0;

	lapic_host_write(LAPIC_INIT_COUNT, 0);
	if (!counted || !ticks) {
		fmt(why, n, "the local APIC timer does not count");
		return -1;
	}
	count_mult = ((uint64_t)counted << 32) / ticks;
	if (!count_mult)
		count_mult = 1;
	program_timer();
	return 0;
}

void host_timer_arm(uint64_t ticks)
{
	if (ticks > (1ull << 31))
		ticks = 1ull << 31;
	if (deadline_mode) {
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + (ticks ? ticks : 1));
		return;
	}
	uint64_t count = (ticks * count_mult) >> 32;

	lapic_host_write(LAPIC_INIT_COUNT, count ? (uint32_t)count : 1);
}

void host_timer_take(void)
{
	/* STI's one-instruction shadow: the interrupt arrives after the
	 * NOP, and CLI closes the window again. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

const char *host_timer_mode(void)
{
	return deadline_mode ? "TSC deadline" : "one-shot";
}

uint64_t host_timer_irqs(void)
{
	return timer_irqs;
}

uint64_t host_other_irqs(void)
{
	return other_irqs;
}
