/* This CPU's local APIC (see lapic_host.h). */
#include "arch/x86/lapic_host.h"

#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/tsc.h"
#include "hv/base/fmt.h"

#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)

static volatile uint32_t *mmio; /* NULL in x2APIC mode */
static bool ready;

int lapic_host_init(char *why, size_t n)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (ready)
		return 0;
	if (!(base & APIC_BASE_EN)) {
		fmt(why, n, "the local APIC is disabled (IA32_APIC_BASE)");
		return -1;
	}
	if (!(base & APIC_BASE_EXTD)) {
		uint64_t pa = base & 0x000ffffffffff000ull;

		if (paging_map_mmio(pa, 0x1000)) {
			fmt(why, n, "cannot map the local APIC at 0x%lx",
			    (unsigned long)pa);
			return -1;
		}
		mmio = (volatile uint32_t *)pa;
	}
	ready = true;
	return 0;
}

bool lapic_host_x2apic(void)
{
	return !mmio;
}

uint32_t lapic_host_read(unsigned off)
{
	return mmio ? mmio[off / 4] : (uint32_t)rdmsr(0x800 + off / 16);
}

void lapic_host_write(unsigned off, uint32_t v)
{
	if (mmio)
		mmio[off / 4] = v;
	else
		wrmsr(0x800 + off / 16, v);
}

uint32_t lapic_host_id(void)
{
	uint32_t id = lapic_host_read(LAPIC_ID);

	return mmio ? id >> 24 : id;
}

bool lapic_host_ipi(uint32_t dest, uint32_t icr_lo)
{
	if (!mmio) {
		/* x2APIC: one 64-bit write, the destination in the high
		 * half; no delivery status to wait for (11.12.9).  Such a
		 * WRMSR may complete before earlier stores are globally
		 * visible (11.12.3): without MFENCE; LFENCE the CPU woken
		 * could look for its job, or its start-up ticket, before it
		 * is there, and sleep on. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(0x830, (uint64_t)dest << 32 | icr_lo);
		return true;
	}
	mmio[LAPIC_ICR_HI / 4] = dest << 24;
	mmio[LAPIC_ICR_LO / 4] = icr_lo; /* this write sends it */
	uint64_t end = rdtsc() + tsc_hz() / 1000;

	while (mmio[LAPIC_ICR_LO / 4] & ICR_PENDING)
		if (rdtsc() > end)
			return false;
	return true;
}
