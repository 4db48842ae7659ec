/* The guest's vCPUs beyond the first (see vcpus.h). */
#include "hv/run/vcpus.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/io.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "hv/base/counters.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"
#include "hv/base/power.h"
#include "hv/config/config.h"

#define APIC_BASE_BSP (1ull << 8)
#define STOP_LIMIT_MS 10000 /* a vCPU that does not stop in this long */

static unsigned nv = 1;
static unsigned cpu_of[SMP_MAX_CPUS];  /* vCPU -> CPU index */
static unsigned vcpu_on[SMP_MAX_CPUS]; /* CPU index -> vCPU */
static bool cpu_ready[SMP_MAX_CPUS];   /* AMD-V and the timer are on */
/* nv of each, from the pool once the count is known: tables for every
 * possible CPU would be zeroes in the file (the EFI link folds .bss into
 * .data). */
static struct vcpu *ap;	     /* [0] unused: vm.c's */
static struct vlapic *lapic; /* [0] unused: the platform's */
static struct guest_platform *plat;
static struct vcpu *first;

/* Who stopped the guest first (-1: nobody yet), its end and reason. */
static int stop_flag, stopper;
static enum guest_end stop_end;
static char stop_why[192];

/* The tables for n vCPUs.  The count is chosen once per boot; a larger
 * one later would find them too small, and is refused. */
static bool take_tables(unsigned n)
{
	static unsigned have;
	size_t pages_v = (n * sizeof(*ap) + PAGE_SIZE - 1) / PAGE_SIZE;
	size_t pages_l = (n * sizeof(*lapic) + PAGE_SIZE - 1) / PAGE_SIZE;

	if (have)
		return n <= have;
	ap = pool_pages(pages_v, 1);
	lapic = pool_pages(pages_l, 1);
	if (!ap || !lapic)
		return false; /* vcpus_choose gives the guest one */
	have = n;
	return true;
}

unsigned vcpus_choose(unsigned want, unsigned io_cpu)
{
	unsigned free = 0;

	for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
		vcpu_on[i] = APIC_BUS_NOBODY;
	vcpu_on[0] = 0;
	nv = 1;
	for (unsigned i = 1; i < SMP_MAX_CPUS; i++) {
		const struct cpu_local *c = smp_cpu(i);

		if (!c || c->state != CPU_PARKED || i == io_cpu)
			continue;
		free++;
		if (want == CFG_CPUS_AUTO || nv < want) {
			cpu_of[nv] = i;
			vcpu_on[i] = nv++;
		}
	}
	if (want != CFG_CPUS_AUTO && want > nv)
		log_msg("vcpus: cpus = %u, but %u CPU%s free beside CPU 0: "
			"the guest gets %u vCPU%s",
			want, free, free == 1 ? " is" : "s are", nv,
			nv == 1 ? "" : "s");
	if (nv > 1 && !take_tables(nv)) {
		log_msg("vcpus: no pool memory for %u vCPUs: the guest gets "
			"one",
			nv);
		for (unsigned i = 1; i < nv; i++)
			vcpu_on[cpu_of[i]] = APIC_BUS_NOBODY;
		nv = 1;
	}
	for (unsigned i = 1; i < nv; i++)
		log_msg("vcpus: vCPU %u on CPU %u (APIC ID %u)", i, cpu_of[i],
			(unsigned)smp_cpu(cpu_of[i])->apic_id);
	log_msg("vcpus: the guest has %u vCPU%s, vCPU 0 on CPU 0", nv,
		nv == 1 ? "" : "s");
	return nv;
}

unsigned vcpus_count(void)
{
	return nv;
}

const struct vcpu *vcpus_get(unsigned i)
{
	return i == 0 ? first : i < nv ? &ap[i] : NULL;
}

const struct vcpu *vcpus_status(unsigned i, unsigned *cpu, const char **state)
{
	const struct vcpu *v = vcpus_get(i);

	if (!v)
		return NULL;
	*cpu = i == 0 ? 0 : cpu_of[i];
	/* vCPU 0 is never offline: an INIT to it resets the guest. */
	enum vlapic_cpu c = VLAPIC_RUNNING;

	if (i)
		c = __atomic_load_n(&lapic[i].cpu, __ATOMIC_RELAXED);
	if (c == VLAPIC_WAIT_SIPI)
		*state = "offline";
	else if (c == VLAPIC_STARTUP)
		*state = "starting";
	else if (__atomic_load_n(&v->halted, __ATOMIC_RELAXED))
		*state = "halted";
	else
		*state = "running";
	return v;
}

static unsigned here(void)
{
	return vcpu_on[this_cpu()->index];
}

/* A post for vCPU i: its CPU leaves the guest or wakes, and looks. */
static void kick(void *ctx, unsigned i)
{
	(void)ctx;
	if (i < nv)
		smp_kick(cpu_of[i]);
}

/* The first vCPU to end the guest says how; every other one stops. */
static void raise_stop(unsigned id, enum guest_end end, const char *why)
{
	int none = -1;

	if (__atomic_compare_exchange_n(&stopper, &none, (int)id, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		stop_end = end;
		fmt(stop_why, sizeof(stop_why), "%s (vCPU %u)", why, id);
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < nv; i++)
		if (i != id)
			kick(NULL, i);
}

void vcpus_setup(struct vcpu *v0, struct guest_platform *p, int64_t wall)
{
	plat = p;
	first = v0;
	stop_flag = 0;
	stopper = -1;
	p->shared = nv > 1;
	p->ioapic.id = nv; /* the MADT's: the one after the CPUs' */
	if (nv == 1)
		return;
	p->apic_bus.here = here;
	p->apic_bus.kick = kick;
	v0->plat_lock = &p->lock;
	v0->stop = &stop_flag;
	for (unsigned i = 1; i < nv; i++) {
		struct vcpu *v = &ap[i];

		vlapic_init(&lapic[i], p->lapic.now);
		lapic[i].eoi_level = p->lapic.eoi_level;
		lapic[i].eoi_ctx = p->lapic.eoi_ctx;
		apic_bus_add(&p->apic_bus, &lapic[i]); /* APIC ID i */
		lapic[i].cpu = VLAPIC_WAIT_SIPI;
		memset(v, 0, sizeof(*v));
		v->id = i;
		v->ops = v0->ops;
		v->cpuid = v0->cpuid;
		v->slice_ns = v0->slice_ns;
		v->pm = v0->pm;
		v->gm = v0->gm;
		v->lapic = &lapic[i];
		v->plat_lock = &p->lock;
		v->stop = &stop_flag;
		vmsr_init(&v->msr, &lapic[i], v->ops, v->gm, wall);
		v->msr.apic_base &= ~APIC_BASE_BSP;
		/* One kvm-clock for the guest: every vCPU's counts from vCPU
		 * 0's start, or Linux sees the vCPUs' clocks apart (and its
		 * watchdog then finds the TSC "unstable" against them). */
		v->msr.clock.start_tsc = v0->msr.clock.start_tsc;
	}
}

/* Waits for the guest's STARTUP; false when the guest ends first.  The
 * CPU sleeps: a post to its LAPIC that it has not seen, and the guest's
 * end, both kick it. */
static bool wait_startup(struct vcpu *v)
{
	for (;;) {
		vlapic_collect_posts(v->lapic);
		if (v->lapic->cpu == VLAPIC_STARTUP)
			return true;
		if (__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE))
			return false;
		cpu_wait_interrupt();
	}
}

/* vCPU v on its CPU, for one guest run. */
static void run_ap(struct cpu_local *c, void *arg)
{
	struct vcpu *v = arg;
	char why[160];

	if (!cpu_ready[c->index]) {
		if (v->ops->cpu_on(why, sizeof(why))) {
			raise_stop(v->id, GUEST_FAILED, why);
			return;
		}
		host_timer_cpu_init();
		cpu_ready[c->index] = true;
	}
	while (wait_startup(v)) {
		/* Real mode at the STARTUP page (SDM vol. 3A, 9.4.4). */
		struct guest_entry e = { 16,
					 (uint64_t)v->lapic->sipi_vector << 12,
					 0, 0 };

		memset(v->regs, 0, sizeof(v->regs));
		if (v->ops->init(v->id, v->gm, &e, why, sizeof(why))) {
			raise_stop(v->id, GUEST_FAILED, why);
			return;
		}
		v->lapic->cpu = VLAPIC_RUNNING;
		enum guest_end end = vcpu_run(v);

		if (end == GUEST_STOPPED)
			return;
		if (end != GUEST_VCPU_INIT) {
			raise_stop(v->id, end, v->why);
			return;
		}
	}
}

void vcpus_start(void)
{
	for (unsigned i = 1; i < nv; i++)
		if (!smp_run_on(cpu_of[i], run_ap, &ap[i]))
			panic("vCPU %u: CPU %u would not take it", i,
			      cpu_of[i]);
}

void vcpus_stop(struct vcpu *v0, enum guest_end *end)
{
	uint64_t limit;

	if (nv == 1)
		return;
	if (*end != GUEST_STOPPED)
		raise_stop(0, *end, v0->why);
	limit = rdtsc() + tsc_hz() / 1000 * STOP_LIMIT_MS;
	for (unsigned i = 1; i < nv; i++)
		while (!smp_job_done(cpu_of[i]))
			if (rdtsc() > limit)
				panic("vCPU %u (CPU %u) did not stop within "
				      "%u ms of the guest's end",
				      i, cpu_of[i], STOP_LIMIT_MS);
	if (stopper > 0) {
		*end = stop_end;
		fmt(v0->why, sizeof(v0->why), "%s", stop_why);
	}
}

void vcpus_print_stats(void)
{
	if (nv > 1)
		counters_log("interrupts", &apic_counters, &plat->apic_bus);
	for (unsigned i = 1; i < nv; i++)
		log_msg("vcpus: vCPU %u: %lu exits, %u STARTUPs ignored", i,
			(unsigned long)ap[i].exits, lapic[i].sipis_ignored);
}
