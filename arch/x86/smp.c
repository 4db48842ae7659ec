/* The machine's other CPUs (see smp.h). */
#include "arch/x86/smp.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/lapic_host.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp_claim.h"
#include "arch/x86/stack.h"
#include "arch/x86/tsc.h"
#include "hv/base/clock.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"

#define MSR_EFER 0xc0000080
#define MSR_GS_BASE 0xc0000101
#define AP_STACK_PAGES 4
#define AP_IST_PAGES 1

/* ap_boot.S */
extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp_gdt[],
	ap_tramp_gdtr[], ap_tramp_far[], ap_tramp_cr3[], ap_tramp_efer[],
	ap_tramp_cr0[], ap_tramp_stack[], ap_tramp_arg[], ap_tramp_target[],
	ap_tramp_long[], ap_tramp_ticket[];

#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_X2 (1ull << 10)
#define SPURIOUS_VECTOR 0xff

static struct cpu_local cpus[SMP_MAX_CPUS];
/* What every CPU takes from the first. */
static uint64_t bsp_cr4, bsp_pat, bsp_xcr0;
static bool bsp_x2apic;

const struct cpu_local *smp_cpu(unsigned i)
{
	return i < SMP_MAX_CPUS && cpus[i].state != CPU_ABSENT ? &cpus[i]
							       : NULL;
}

/* A trampoline symbol's offset in the page (the symbols are distinct
 * objects to C: their addresses are compared as integers). */
static size_t off(const char *sym)
{
	return (uintptr_t)sym - (uintptr_t)ap_tramp_start;
}

static void patch32(uint8_t *page, size_t at, uint32_t v)
{
	memcpy(page + at, &v, 4);
}

static void patch64(uint8_t *page, size_t at, uint64_t v)
{
	memcpy(page + at, &v, 8);
}

/* Where a started CPU arrives from ap_boot.S, on its own stack. */
static void __attribute__((noreturn)) ap_main(struct cpu_local *c)
{
	/* Off the trampoline's copy of the root and onto the page tables
	 * themselves: a mapping the first CPU adds later in a new top-level
	 * entry (a BAR above 512 GiB) must reach this CPU too.  The copy was
	 * only for CR3's 32 bits on the way up. */
	write_cr3(paging_root());
	write_cr4(bsp_cr4);
	desc_init_cpu(&c->desc, c->ist_top);
	wrmsr(MSR_IA32_PAT, bsp_pat);
	if (bsp_cr4 & CR4_OSXSAVE)
		__asm__ volatile("xsetbv"
				 :
				 : "c"(0), "a"((uint32_t)bsp_xcr0),
				   "d"((uint32_t)(bsp_xcr0 >> 32)));
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	/* One TSC on every CPU (tsc.h): the guest's vCPUs read the host's
	 * own, and Plinth's deadlines cross CPUs.  Before the time this CPU
	 * reports in is taken. */
	c->tsc_adjust_was = tsc_adjust_clear();
	/* Its LAPIC on, as the first CPU's mode (xAPIC or x2APIC), to be
	 * woken by fixed IPIs; nothing else is routed here. */
	if (bsp_x2apic)
		wrmsr(MSR_IA32_APIC_BASE,
		      rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EN | APIC_BASE_X2);
	lapic_host_write(LAPIC_TPR, 0);
	lapic_host_write(LAPIC_SVR, (1u << 8) | SPURIOUS_VECTOR);
	c->started_tsc = rdtsc();
	/* Everything above before the first CPU may reuse the trampoline
	 * for the next one; too late, and it has given this CPU up. */
	if (!smp_claim_parked(&c->state))
		for (;;)
			__asm__ volatile("hlt");
	for (;;) {
		void (*job)(struct cpu_local *, void *) = __atomic_load_n(
			&c->job, __ATOMIC_ACQUIRE);

		if (job) {
			job(c, c->job_arg);
			c->jobs_done++;
			__atomic_store_n(&c->job, NULL, __ATOMIC_RELEASE);
			continue;
		}
		/* STI's one-instruction shadow: a wake-up pending since the
		 * check above is taken right after HLT begins. */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

/* The wake-up's only work is its EOI: the parked loop looks for the
 * job.  A spurious interrupt takes no EOI (SDM vol. 3A, 11.9). */
static void wake(unsigned vector)
{
	if (vector == SMP_WAKE_VECTOR)
		lapic_host_write(LAPIC_EOI, 0);
}

static void dev_wake(unsigned vector)
{
	this_cpu()->dev_wakes++;
	lapic_host_write(LAPIC_EOI, 0);
	(void)vector;
}

bool smp_run_on(unsigned i, void (*fn)(struct cpu_local *c, void *arg),
		void *arg)
{
	struct cpu_local *c = i && i < SMP_MAX_CPUS ? &cpus[i] : NULL;

	if (!c || __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_PARKED
	    || __atomic_load_n(&c->job, __ATOMIC_ACQUIRE))
		return false;
	c->job_arg = arg;
	__atomic_store_n(&c->job, fn, __ATOMIC_RELEASE);
	smp_kick(i);
	return true;
}

void smp_kick(unsigned i)
{
	if (i < SMP_MAX_CPUS)
		lapic_host_ipi(cpus[i].apic_id, ICR_ASSERT | SMP_WAKE_VECTOR);
}

bool smp_job_done(unsigned i)
{
	return i < SMP_MAX_CPUS
	       && !__atomic_load_n(&cpus[i].job, __ATOMIC_ACQUIRE);
}

static bool wait_parked(const int *state, uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz() / 1000000 * us;

	do {
		if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == CPU_PARKED)
			return true;
		__asm__ volatile("pause");
	} while (rdtsc() < end);
	return false;
}

/* The trampoline and a copy of the page tables' root (CR3 must be a
 * 32-bit value when the CPU loads it in real mode); ap_main moves to the
 * root itself. */
static int prepare(uint8_t *page)
{
	uint64_t lin = (uint64_t)page;
	uint8_t *root = page + 4096;

	if (off(ap_tramp_end) > 4096 || paging_set_exec(lin, 4096, true))
		return -1;
	memcpy(page, ap_tramp_start, off(ap_tramp_end));
	memcpy(root, (const void *)paging_root(), 4096);
	patch32(page, off(ap_tramp_gdtr) + 2,
		(uint32_t)(lin + off(ap_tramp_gdt)));
	patch32(page, off(ap_tramp_far), (uint32_t)(lin + off(ap_tramp_long)));
	patch32(page, off(ap_tramp_cr3), (uint32_t)(uint64_t)root);
	patch32(page, off(ap_tramp_efer),
		(uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA));
	patch32(page, off(ap_tramp_cr0), (uint32_t)read_cr0());
	patch64(page, off(ap_tramp_target), (uint64_t)ap_main);
	bsp_cr4 = read_cr4();
	bsp_pat = rdmsr(MSR_IA32_PAT);
	if (bsp_cr4 & CR4_OSXSAVE) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		bsp_xcr0 = (uint64_t)hi << 32 | lo;
	}
	return 0;
}

/* INIT, then STARTUP twice (SDM vol. 3A, 9.4.4.1: 10 ms after INIT, 200
 * us between the STARTUPs), then a second for the CPU to report in; then
 * the CPU and this one settle whether it joins (smp_claim.h).  Hardware
 * answers within microseconds, but an emulated or nested CPU is a host
 * thread that a busy host may not run for a good part of a second (Linux
 * waits up to 10 s); only a CPU that is listed and absent costs the wait.
 * Its ticket and page data are written before the IPIs that start it. */
static enum smp_fate start_one(uint8_t *page, struct cpu_local *c)
{
	uint32_t vector = (uint32_t)((uint64_t)page >> 12);
	uint32_t *ticket = (uint32_t *)(page + off(ap_tramp_ticket));
	enum smp_fate f;

	patch64(page, off(ap_tramp_stack), c->stack_top);
	patch64(page, off(ap_tramp_arg), (uint64_t)c);
	__atomic_store_n(&c->state, CPU_STARTING, __ATOMIC_RELEASE);
	__atomic_store_n(ticket, c->apic_id, __ATOMIC_RELEASE);
	lapic_host_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
	clock_delay_us(10000);
	for (int i = 0; i < 2; i++) {
		lapic_host_ipi(c->apic_id, ICR_STARTUP | ICR_ASSERT | vector);
		if (wait_parked(&c->state, 200))
			return SMP_JOINED;
	}
	if (wait_parked(&c->state, 1000000))
		return SMP_JOINED;
	f = smp_claim_give_up(ticket, c->apic_id, &c->state, 1000000,
			      wait_parked);
	if (f != SMP_JOINED)
		/* Back to waiting for a STARTUP, where it does nothing. */
		lapic_host_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
	return f;
}

static unsigned start_all(const uint32_t *ids, unsigned n, uint8_t *page,
			  uint32_t self, struct smp_info *out)
{
	unsigned k = 1;

	for (unsigned i = 0; i < n && k < SMP_MAX_CPUS; i++) {
		struct cpu_local *c = &cpus[k];
		char name[16];

		if (ids[i] == self)
			continue;
		fmt(name, sizeof(name), "cpu %u", k);
		c->self = c;
		c->apic_id = ids[i];
		c->index = k;
		c->stack_top = stack_alloc(AP_STACK_PAGES, name);
		c->ist_top = stack_alloc(AP_IST_PAGES, name);
		if (!c->stack_top || !c->ist_top) {
			log_msg("smp: out of pool memory for CPU stacks: %u "
				"CPUs",
				k);
			break;
		}
		enum smp_fate f = start_one(page, c);

		if (f == SMP_JOINED) {
			if (c->tsc_adjust_was)
				log_msg("smp: cpu %u's IA32_TSC_ADJUST was %ld "
					"(its TSC written): now 0, as every "
					"CPU's",
					k, (long)c->tsc_adjust_was);
			k++;
			continue;
		}
		out->silent++;
		if (f == SMP_STUCK) {
			/* It may still read the page and use c: neither can
			 * go to another CPU. */
			log_msg("smp: the CPU with APIC ID %u began its start "
				"but did not finish it in 2 s; left out, and "
				"no further CPU started",
				(unsigned)ids[i]);
			__atomic_store_n(&c->state, CPU_ABSENT,
					 __ATOMIC_RELEASE);
			break;
		}
		log_msg("smp: the CPU with APIC ID %u did not answer its "
			"STARTUP IPIs; left out",
			(unsigned)ids[i]);
		memset(c, 0, sizeof(*c));
	}
	return k;
}

void smp_start(const uint32_t *ids, unsigned n, uint64_t low_pages,
	       struct smp_info *out)
{
	char why[96];
	uint8_t *page = (uint8_t *)low_pages;

	memset(out, 0, sizeof(*out));
	out->listed = n ? n : 1;
	out->running = 1;
	cpus[0].state = CPU_PARKED; /* this one: not parked, but running */
	cpus[0].self = &cpus[0];
	wrmsr(MSR_GS_BASE, (uint64_t)&cpus[0]);
	if (n <= 1) {
		out->why_one = "the firmware lists one processor";
		return;
	}
	if (!page) {
		out->why_one = "no page below 1 MiB to start the others from";
		return;
	}
	if (lapic_host_init(why, sizeof(why))) {
		out->why_one = "no usable local APIC";
		log_msg("smp: %s", why);
		return;
	}
	uint32_t self = lapic_host_id();

	cpus[0].apic_id = self;
	bsp_x2apic = lapic_host_x2apic();
	exc_set_vector_handler(SMP_WAKE_VECTOR, wake);
	exc_set_vector_handler(SMP_DEV_WAKE_VECTOR, dev_wake);
	exc_set_vector_handler(SPURIOUS_VECTOR, wake);
	if (prepare(page)) {
		out->why_one = "the start-up page could not be prepared";
		return;
	}
	out->running = start_all(ids, n, page, self, out);
	paging_set_exec((uint64_t)page, 4096, false);
	if (n > SMP_MAX_CPUS)
		log_msg("smp: %u processors listed, Plinth takes %u", n,
			SMP_MAX_CPUS);
}
