#include "arch/x86/tsc.h"

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "arch/x86/io.h"

#define PIT_HZ 1193182ull
#define PM_TIMER_HZ 3579545ull
#define CAL_MS 20ull /* long enough for <0.1% error, short for Bochs */

static uint64_t hz;
static uint64_t tsc0;
static uint64_t ns_mult; /* ns = (ticks * ns_mult) >> 32 */
static const char *source = "not calibrated";

/* PIT channel 2 in mode 0 counts down once; its output (port 0x61 bit 5)
 * goes high at terminal count.  The gate is port 0x61 bit 0; bit 1 keeps
 * the speaker off.  Returns TSC ticks per CAL_MS, 0 if the PIT never
 * finished (absent or gated off on this board). */
static uint64_t calibrate_pit(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint8_t p61 = inb(0x61);

	outb(0x61, (p61 & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < 50000000u; i++) {
		if (inb(0x61) & 0x20) {
			uint64_t t1 = rdtsc();

			outb(0x61, p61);
			return t1 - t0;
		}
	}
	outb(0x61, p61);
	return 0;
}

static uint32_t pm_read(uint16_t port, int is32)
{
	uint32_t v = inl(port);

	return is32 ? v : (v & 0xffffff);
}

/* The PM timer runs at 3.579545 MHz on every ACPI machine. */
static uint64_t calibrate_pm(uint16_t port, int is32)
{
	uint32_t mask = is32 ? 0xffffffffu : 0xffffffu;
	uint32_t want = (uint32_t)(PM_TIMER_HZ * CAL_MS / 1000);
	uint32_t start = pm_read(port, is32), prev = start;
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < 50000000u; i++) {
		uint32_t now = pm_read(port, is32);
		uint32_t elapsed = (now - start) & mask;

		/* A timer that runs backwards or jumps is not one. */
		if (((now - prev) & mask) > mask / 2)
			return 0;
		prev = now;
		if (elapsed >= want)
			return (rdtsc() - t0) * want / elapsed;
	}
	return 0;
}

static uint64_t cpuid_hz(void)
{
	struct cpuid_regs r = cpuid(CPUID_VENDOR, 0);

	if (r.ebx != 0x756e6547) /* "Genu"ineIntel: others lack 0x15 */
		return 0;
	if (r.eax >= CPUID_TSC) {
		struct cpuid_regs t = cpuid(CPUID_TSC, 0);

		if (t.eax && t.ebx && t.ecx)
			return (uint64_t)t.ecx * t.ebx / t.eax;
	}
	if (r.eax >= CPUID_FREQ) {
		struct cpuid_regs f = cpuid(CPUID_FREQ, 0);

		if (f.eax & 0xffff)
			return (uint64_t)(f.eax & 0xffff) * 1000000;
	}
	return 0;
}

static void set_hz(uint64_t v, const char *src)
{
	hz = v;
	source = src;
	ns_mult = (1000000000ull << 32) / hz;
}

int tsc_init(uint16_t pm_port, int pm_32bit)
{
	uint64_t stated = cpuid_hz();
	uint64_t ticks = pm_port ? calibrate_pm(pm_port, pm_32bit) : 0;
	const char *how = "calibrated against the ACPI PM timer";

	if (!ticks) {
		ticks = calibrate_pit();
		how = "calibrated against the PIT";
	}
	uint64_t measured = ticks * 1000 / CAL_MS;

	tsc0 = rdtsc();
	/* Emulators may state a frequency their TSC does not run at (Bochs'
	 * newer CPU models say 3.5 GHz and count instructions): trust CPUID
	 * only when a measurement, if there is one, agrees within 2%. */
	if (stated
	    && (!measured
		|| (measured > stated * 98 / 100
		    && measured < stated * 102 / 100))) {
		set_hz(stated, "stated by CPUID");
		return 0;
	}
	if (measured) {
		set_hz(measured, how);
		return 0;
	}
	set_hz(1000000000ull, "unknown (no PM timer or PIT answered); "
			      "assuming 1 GHz");
	return -1;
}

int64_t tsc_adjust_clear(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint64_t was;

	if (r.eax < CPUID_EXT_FEATURES
	    || !(cpuid(CPUID_EXT_FEATURES, 0).ebx & CPUID_7_EBX_TSC_ADJUST))
		return 0;
	was = rdmsr(MSR_IA32_TSC_ADJUST);
	if (was)
		wrmsr(MSR_IA32_TSC_ADJUST, 0);
	return (int64_t)was;
}

uint64_t tsc_hz(void)
{
	return hz;
}

const char *tsc_source(void)
{
	return source;
}

uint64_t clock_ns(void)
{
	if (!hz)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc0) * ns_mult)
			  >> 32);
}

void clock_delay_us(uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (clock_ns() < end)
		cpu_pause();
}
