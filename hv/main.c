/* hv_main: the hypervisor core's start-up, after ExitBootServices.
 *
 * Order matters: the pool allocator first (it needs nothing), then our own
 * stack (the UEFI stack lies in memory that will belong to the guest),
 * then exceptions, then our page tables, and only then anything that may
 * touch devices or allocate from the heap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/cpuinfo.h"
#include "arch/x86/lapic_host.h"
#include "arch/x86/smp.h"
#include "arch/x86/exception.h"
#include "arch/x86/paging.h"
#include "arch/x86/stack.h"
#include "arch/x86/tsc.h"
#include "drivers/acpi.h"
#include "drivers/pci.h"
#include "drivers/serial.h"
#include "hv/backend/disk.h"
#include "hv/config/boot_info.h"
#include "hv/base/log.h"
#include "hv/manage/manage.h"
#include "hv/base/pool.h"
#include "hv/base/power.h"
#include "hv/selftest/selftest.h"
#include "hv/run/summary.h"
#include "hv/run/vm.h"
#include "hv/screen.h"
#include "hv/base/version.h"
#include "net/lwip_port.h"

#define HV_STACK_PAGES 16 /* 64 KiB */
#define IST_STACK_PAGES 4 /* for #DF, #PF, NMI and #MC */
#define LOG_RING_PAGES 64 /* 256 KiB of log history */

extern char _text[], _etext[];

static struct boot_info bi;
uint64_t hv_entry_tsc;	       /* for the "hv_main to guest entry" figure */
static int64_t tsc_adjust_was; /* this CPU's, before tsc_adjust_clear */
static struct cpu_info cpu;
static struct acpi_fw acpi;

/* The log's console: COM1 (or plinth.cfg's serial port). */
static struct serial uart;

static void uart_write(const char *buf, size_t len)
{
	serial_write(&uart, buf, len);
}

static int uart_getc(void)
{
	return serial_getc(&uart);
}

static void uart_drain(void)
{
	serial_drain(&uart);
}

static const struct log_console uart_console = {
	.write = uart_write,
	.getc = uart_getc,
	.drain = uart_drain,
};

static void start_power(void)
{
	static const enum power_action act[] = {
		[CFG_ACT_HALT] = POWER_ACT_HALT,
		[CFG_ACT_POWEROFF] = POWER_ACT_POWEROFF,
		[CFG_ACT_REBOOT] = POWER_ACT_REBOOT,
	};
	struct power_setup ps = {
		.fw_reset = bi.reset,
		.on_fault = POWER_ACT_HALT,
		.debug_exit_port = bi.cfg.debug_exit_port,
	};

	/* config.c allows only these three for on_fault. */
	if ((unsigned)bi.cfg.on_fault < sizeof(act) / sizeof(act[0]))
		ps.on_fault = act[bi.cfg.on_fault];
	power_init(&ps);
}

static uint64_t page_table_page(void)
{
	return (uint64_t)pool_pages(1, 1);
}

/* newlib reaches the machine only through our sbrk and write hooks: use
 * both once, visibly, so a broken hook shows at boot, not in lwIP later. */
static void check_libc(void)
{
	char *p = malloc(64 << 10);

	if (!p)
		panic("newlib: malloc failed on an empty heap");
	memset(p, 0xa5, 64 << 10);
	printf("newlib: printf reached the console through write(); malloc "
	       "got 64 KiB, heap %lu KiB in use of %lu KiB\n",
	       (unsigned long)(heap_used() >> 10),
	       (unsigned long)(heap_size() >> 10));
	fflush(stdout);
	free(p);
}

/* What a parked CPU reports when handed a job: the APIC ID its own
 * LAPIC says, and when it ran. */
struct cpu_report {
	uint32_t apic_id;
	uint64_t tsc;
};

static void report_in(struct cpu_local *c, void *arg)
{
	struct cpu_report *r = arg;

	(void)c;
	r->apic_id = lapic_host_id();
	r->tsc = rdtsc();
}

/* Each parked CPU is handed one job and woken for it, once: the path the
 * devices' work will take to another core, checked at every boot. */
static void check_jobs(unsigned running)
{
	for (unsigned i = 1; i < running; i++) {
		struct cpu_report r = { ~0u, 0 };
		const struct cpu_local *c = smp_cpu(i);
		uint64_t t0 = rdtsc(), end = t0 + tsc_hz() / 10;

		bool taken = smp_run_on(i, report_in, &r);

		while (taken && !smp_job_done(i) && rdtsc() < end)
			cpu_pause();
		if (!taken || !smp_job_done(i) || r.apic_id != c->apic_id) {
			log_msg("smp: cpu %u did not run the job it was woken "
				"for (reported APIC ID %d, want %u)",
				i, smp_job_done(i) ? (int)r.apic_id : -1,
				(unsigned)c->apic_id);
			continue;
		}
		log_msg("smp: cpu %u woke for a job and ran it on APIC ID %u "
			"in %lu us",
			i, (unsigned)r.apic_id,
			(unsigned long)((r.tsc - t0) * 1000000 / tsc_hz()));
	}
}

/* The other CPUs, parked for now: the boot summary says how many run. */
static void start_cpus(void)
{
	struct smp_info smp;

	smp_start(acpi.cpu_apic_id, acpi.ncpus, bi.ap_pages, &smp);
	if (smp.why_one) {
		log_msg("smp: this CPU only: %s", smp.why_one);
		return;
	}
	for (unsigned i = 1; i < smp.running; i++) {
		const struct cpu_local *c = smp_cpu(i);

		log_msg("smp: cpu %u (APIC ID %u) started and parked", i,
			(unsigned)c->apic_id);
	}
	log_msg("smp: %u of %u CPUs running (cpu 0, APIC ID %u, is this "
		"one)%s",
		smp.running, smp.listed, (unsigned)smp_cpu(0)->apic_id,
		smp.silent ? "; the rest left out (above)" : "");
	check_jobs(smp.running);
}

static void __attribute__((noreturn)) hv_start(void *unused)
{
	(void)unused;
	exc_init(stack_alloc(IST_STACK_PAGES, "exception"));
	exc_set_image(bi.image_base, (uint64_t)_text, (uint64_t)_etext);
	if (paging_init(&bi, page_table_page))
		panic("out of pool memory for page tables "
		      "(raise hv_memory in plinth.cfg)");
	void *ring = pool_pages_uncleared(LOG_RING_PAGES, 1);

	if (ring) {
		log_attach_ring(ring, LOG_RING_PAGES * PAGE_SIZE);
		log_import(bi.boot_log, bi.boot_log_len);
	}
	screen_start(&bi);
	if (heap_init(bi.pool_size / 4))
		panic("out of pool memory for the heap");
	log_msg("Plinth %s: hypervisor core running", plinth_version);
	check_libc();
	log_msg("config: %s: memory %lu MiB, hv_memory %lu MiB, "
		"on_guest_exit %s, on_fault %s, guest_slice %u us",
		bi.cfg_path, (unsigned long)(bi.cfg.memory >> 20),
		(unsigned long)(bi.cfg.hv_memory >> 20),
		config_action_name(bi.cfg.on_guest_exit),
		config_action_name(bi.cfg.on_fault), bi.cfg.guest_slice_us);
	acpi_fw_scan(bi.rsdp, paging_limit(), &acpi);
	tsc_init(acpi.pm_timer_port, acpi.pm_timer_32bit);
	if (tsc_adjust_was)
		log_msg("tsc: this CPU's IA32_TSC_ADJUST was %ld (the firmware "
			"wrote its TSC): now 0, as every CPU's",
			(long)tsc_adjust_was);
	cpu_identify(&cpu);
	pci_init(acpi.ecam, acpi.ecam_bus_lo, acpi.ecam_bus_hi);
	pci_scan();
	summary_print(&bi, &cpu, &acpi);
	start_cpus();
	net_init();
	log_msg("net: lwIP %s initialised", net_lwip_version());
	if (bi.cfg.selftest) {
		if (selftest_run(&bi))
			power_fail(DEBUG_EXIT_SELFTEST, "self-test failed");
		if (!(bi.cfg.selftest & CFG_SELFTEST_GUEST)) {
			disk_shutdown();
			power_off("self-tests passed");
		}
		log_msg("selftest: passed; the guest starts next");
	}
	manage_start(&bi);
	static const struct vm_services services = {
		.poll = manage_poll,
		.stay_up = manage_stay_up,
		.run_ended = screen_print_stats,
	};

	vm_run(&bi, &cpu, &services);
}

void hv_main(const struct boot_info *in)
{
	/* Before the TSC is read for anything (tsc.h). */
	tsc_adjust_was = tsc_adjust_clear();
	hv_entry_tsc = rdtsc();
	cpu_cli();
	memcpy(&bi, in, sizeof(bi));
	serial_init(&uart, bi.cfg.serial_port);
	log_init(&uart_console);
	if (bi.magic != BOOT_INFO_MAGIC) {
		log_msg("hv_main: boot information is corrupt; halting");
		power_halt_now();
	}
	start_power();
	if (pool_init(bi.pool_base, bi.pool_size))
		panic("the hypervisor pool is too small");
	uint64_t top = stack_alloc(HV_STACK_PAGES, "hypervisor");

	if (!top)
		panic("out of pool memory for the hypervisor stack");
	arch_switch_stack(top, hv_start, NULL);
}
