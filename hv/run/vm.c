/* The guest run: memory carved from what the firmware left free, the
 * PC platform the guest expects, the kernel loaded by the Linux boot
 * protocol, then the vCPU until the guest ends. */
#include "hv/run/vm.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/io.h"
#include "arch/x86/spec_ctrl.h"
#include "arch/x86/tsc.h"
#include "arch/x86/svm.h"
#include "arch/x86/vmx.h"
#include "hv/guest/acpi_build.h"
#include "hv/guest/devices.h"
#include "hv/backend/disk.h"
#include "hv/base/canary.h"
#include "hv/base/fmt.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/memmap.h"
#include "hv/run/guest_state.h"
#include "hv/run/iocore.h"
#include "hv/run/io_side.h"
#include "hv/platform/iobus.h"
#include "hv/backend/network.h"
#include "hv/guest/loader.h"
#include "hv/base/log.h"
#include "hv/base/power.h"
#include "hv/run/vcpu.h"
#include "hv/run/vcpus.h"

#define MIB (1ull << 20)
#define ALIGN_2M (2 * MIB)

static struct gmem gm;
static struct vcpu vcpu;
static const struct vcpu_ops *backend; /* VT-x or AMD-V */
static bool cx16_broken; /* CMPXCHG16B damages RFLAGS on this CPU */
static struct guest_platform *plat;
static uint64_t next_input_poll, next_net_poll;
/* Single-core mode, the guest halted: the NIC's polling period, from
 * NET_POLL_IDLE up to a millisecond while no frame comes (vm.c's
 * platform hook). */
static uint64_t net_idle_period;
static const struct vm_services *services;
static enum gs_request mgmt_request; /* what ends the current run */
static struct blk_backend *disk;
static struct nswitch *nic; /* NULL: virtio-net has no link */
static uint8_t *ram;	    /* host memory behind guest RAM */
static uint64_t ram_size;

/* The highest free range that holds `size` bytes at a 2 MiB-aligned host
 * address (so EPT can use 2 MiB pages), above the first MiB. */
static uint8_t *carve(const struct boot_info *bi, uint64_t size)
{
	uint64_t best = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct mem_range *r = &bi->mem[i];

		if (r->kind != MEM_FREE || r->base + r->size < MIB)
			continue;
		uint64_t end = (r->base + r->size) & ~(ALIGN_2M - 1);
		uint64_t lo = r->base < MIB ? MIB : r->base;

		if (end >= size && end - size >= lo && end - size > best)
			best = end - size;
	}
	return (uint8_t *)best;
}

static uint64_t largest_free(const struct boot_info *bi)
{
	uint64_t m = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].kind == MEM_FREE && bi->mem[i].size > m)
			m = bi->mem[i].size;
	return m;
}

static void console_tx(void *ctx, uint8_t c)
{
	(void)ctx;
	log_guest((const char *)&c, 1);
	gs_console_out(c);
}

/* The guest cannot run: with the management plane up and on_fault =
 * halt, Plinth stays reachable to say why; else the on_fault action. */
static void __attribute__((noreturn)) guest_fail(const char *why)
{
	iocore_hold(); /* the management plane runs here from now on */
	gs_set(GS_FAILED, why);
	if (services && services->stay_up)
		services->stay_up(why);
	power_fail(DEBUG_EXIT_NO_GUEST, why);
}

static uint64_t tsc_now(void)
{
	return rdtsc();
}

static struct cpuid_regs host_cpuid(uint32_t leaf, uint32_t sub)
{
	return cpuid(leaf, sub);
}

/* The NIC and the disk as plinth.cfg names them. */
static void open_backends(const struct boot_info *bi)
{
	char err[160];

	nic = network_open(bi, err, sizeof(err));
	if (nic) {
		log_msg("guest: virtio-net net0 on the NIC, MAC "
			"%02x:%02x:%02x:%02x:%02x:%02x",
			bi->cfg.net_mac[0], bi->cfg.net_mac[1],
			bi->cfg.net_mac[2], bi->cfg.net_mac[3],
			bi->cfg.net_mac[4], bi->cfg.net_mac[5]);
	} else if (bi->cfg.nic == CFG_NIC_PCI) {
		log_msg("guest: no NIC for virtio-net: %s", err);
		guest_fail("the guest's NIC is missing");
	} else {
		log_msg("guest: virtio-net net0 without a link: %s", err);
	}
	if (bi->cfg.disk == CFG_DISK_NONE)
		return;
	disk = disk_open(bi, err, sizeof(err));
	if (!disk) {
		log_msg("guest: no virtio-blk disk: %s", err);
		guest_fail("the guest's disk is missing");
	}
	log_msg("guest: virtio-blk vda on the %s disk", disk->name);
}

/* Requests the disk still holds point into this guest's slots, which
 * the next guest's devices reuse: they finish first. */
static void drain_disk(void)
{
	uint64_t end = clock_ns() + 60000000000ull;

	while (plat->blk && plat->blk->in_flight && clock_ns() < end)
		vblk_poll(plat->blk);
	if (plat->blk && plat->blk->in_flight)
		panic("the disk still holds %u requests 60 s after the guest "
		      "ended",
		      plat->blk->in_flight);
}

/* The machine's RTC: wait out an update in progress (UIP, register A
 * bit 7) so the guest never reads a half-updated time. */
static uint8_t host_rtc_read(uint8_t reg)
{
	for (int i = 0; i < 10000 && reg <= 9; i++) {
		outb(0x70, 0x0a);
		if (!(inb(0x71) & 0x80))
			break;
	}
	outb(0x70, reg);
	return inb(0x71);
}

#define NET_POLL_IDLE (tsc_hz() / 50000) /* 20 us */
#define NET_POLL_SLOW (tsc_hz() / 1000)	 /* 1 ms */

/* Between exits: PIT edges, console input from the machine's serial port
 * into the guest's COM1 (polled once a millisecond, so that exits stay
 * cheap), and the disk backend's completions. */
static uint64_t platform(void *ctx, uint64_t now)
{
	(void)ctx;
	if (now >= next_input_poll) {
		int c;

		next_input_poll = now + tsc_hz() / 1000;
		while (plat->com1.rx_count < VUART_RX_SIZE
		       && ((c = log_getc()) >= 0
			   || (c = gs_console_take()) >= 0)) {
			uint8_t b = (uint8_t)c;

			vuart_rx(&plat->com1, &b, 1);
		}
		/* A reset or power-off asked for through the management
		 * plane ends the run at the next exit. */
		enum gs_request r = gs_take_request();

		if (r != GS_REQ_NONE) {
			mgmt_request = r;
			plat->pm.request = r == GS_REQ_RESET ? PM_RESET
							     : PM_POWEROFF;
		}
	}
	/* The devices' own work (disk completions, the PIT), then the NIC
	 * at the console's millisecond, since this hook runs after every
	 * port and MMIO exit and those must stay cheap; its ring holds more
	 * than a millisecond of line rate.  While the guest waits in HLT the
	 * host has nothing else to do, and polls it every NET_POLL_IDLE
	 * while frames come, backing off to the millisecond while none do,
	 * so that vCPU 0 may sleep between.  With an I/O core, the NIC, the
	 * disk and lwIP are its. */
	uint64_t now_ns = clock_ns(), due_ns = guest_devices_poll(now_ns);

	if (iocore_on())
		next_net_poll = ~0ull;
	else if (now >= next_net_poll) {
		/* Frames in, transmit buffers back, link. */
		if (network_poll())
			net_idle_period = NET_POLL_IDLE;
		else if (net_idle_period < NET_POLL_SLOW)
			net_idle_period *= 2;
		next_net_poll = now
				+ (vcpu.halted ? net_idle_period
					       : NET_POLL_SLOW);
		if (services && services->poll)
			services->poll(); /* lwIP's timers */
	}
	uint64_t next = next_input_poll;

	if (next_net_poll < next)
		next = next_net_poll;
	if (due_ns) {
		uint64_t t = now
			     + (due_ns > now_ns ? (due_ns - now_ns) * tsc_hz()
							  / 1000000000ull
						: 0);

		if (t < next)
			next = t;
	}
	return next;
}

/* Everything that makes a fresh guest: RAM cleared, tables, kernel,
 * devices in their reset state, the vCPU at the kernel's entry. */
static int setup(const struct boot_info *bi, char *err, size_t n)
{
	struct e820_entry e820[GUEST_E820_MAX];
	unsigned ne;
	size_t rsdp_off;
	struct boot_regs br;

	/* Like RAM at power-on, guest memory is not cleared (under Bochs that
	 * would cost seconds): the loader zeroes everything it hands over,
	 * and the first MiB, with the boot structures and ACPI tables, starts
	 * clean. */
	memset(ram, 0, GUEST_HIGH_START);
	if (guest_memmap(&gm, ram_size, ram, e820, &ne)) {
		fmt(err, n, "cannot map guest memory");
		return -1;
	}
	struct acpi_build_cfg acfg = { .ncpus = vcpus_count(),
				       .have_ecam = true };
	uint8_t *bios = gmem_ptr(&gm, GUEST_BIOS_START,
				 GUEST_BIOS_END - GUEST_BIOS_START);

	if (!bios
	    || !acpi_build(bios, GUEST_BIOS_END - GUEST_BIOS_START,
			   GUEST_BIOS_START, &acfg, &rsdp_off)) {
		fmt(err, n, "cannot build the guest's ACPI tables");
		return -1;
	}
	struct loader_args la = {
		.kernel = (const uint8_t *)bi->kernel.addr,
		.kernel_len = bi->kernel.size,
		.initrd = (const uint8_t *)bi->initrd.addr,
		.initrd_len = bi->initrd.size,
		.cmdline = bi->cfg.cmdline,
		.format = bi->cfg.kernel_format == CFG_KERNEL_FLAT
				  ? KERNEL_FLAT
				  : KERNEL_AUTO,
		.e820 = e820,
		.e820_count = ne,
		.rsdp = GUEST_BIOS_START + rsdp_off,
	};

	if (loader_load(&gm, &la, &br, err, n))
		return -1;
	log_msg("guest: %s kernel loaded, entry 0x%lx in %d-bit mode",
		loader_format_name(la.kernel, la.kernel_len, la.format),
		(unsigned long)br.rip, br.mode);
	struct guest_entry entry = { br.mode, br.rip, br.rsp, br.cr3 };

	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.ops = backend;
	cpuid_view_init(&vcpu.cpuid, host_cpuid, tsc_hz());
	vcpu.cpuid.hide_cx16 = cx16_broken;
	vcpu.cpuid.ncpus = acfg.ncpus;
	vcpu.slice_ns = (uint64_t)bi->cfg.guest_slice_us * 1000;
	vcpu.regs[R_RSI] = br.rsi;
	plat = guest_devices_reset();
	vcpu.pm = &plat->pm;
	vcpu.gm = &gm;
	vcpu.lapic = &plat->lapic;
	vmsr_init(&vcpu.msr, &plat->lapic, backend, &gm,
		  vrtc_unix_time(&plat->rtc));
	vcpu.platform = platform;
	vcpu.irqs = iocore_chan();
	next_input_poll = next_net_poll = 0;
	net_idle_period = NET_POLL_IDLE;
	if (backend->init(0, &gm, &entry, err, n))
		return -1;
	vcpus_setup(&vcpu, plat, vrtc_unix_time(&plat->rtc));
	return 0;
}

void vm_status(struct vm_status *st)
{
	struct vm_vcpu_status c;

	*st = (struct vm_status){ .ram_size = ram_size };
	for (unsigned i = 0; vm_vcpu_status(i, &c); i++)
		st->exits += c.exits;
	if (!plat)
		return;
	if (plat->blk) {
		const struct guest_dev *d = guest_dev(DEV_BLK);

		st->dev[st->ndev++] = (struct vm_dev_status){
			.name = d->name,
			.type = d->type,
			.backend = disk->name,
			.sectors = disk->sectors,
		};
	}
	const struct guest_dev *d = guest_dev(DEV_NET);

	st->dev[st->ndev++] = (struct vm_dev_status){
		.name = d->name,
		.type = d->type,
		.backend = nic ? "e1000" : "none",
		.mac = plat->net->mac,
		.link_up = plat->net->link_up,
	};
}

bool vm_exit_reason(unsigned i, const char **name, uint64_t *n)
{
	uint64_t one;

	if (i >= VCPU_EXIT_SLOTS || !vcpu.ops)
		return false;
	*name = vcpu.ops->exit_name(i);
	*n = 0;
	for (unsigned v = 0; vm_vcpu_exit_reason(v, i, name, &one); v++)
		*n += one;
	return true;
}

bool vm_vcpu_status(unsigned i, struct vm_vcpu_status *st)
{
	const struct vcpu *v = vcpus_status(i, &st->cpu, &st->state);

	if (!v)
		return false;
	st->exits = __atomic_load_n(&v->exits, __ATOMIC_RELAXED);
	return true;
}

bool vm_vcpu_exit_reason(unsigned v, unsigned i, const char **name, uint64_t *n)
{
	const struct vcpu *c = vcpus_get(v);

	if (!c || i >= VCPU_EXIT_SLOTS)
		return false;
	*name = c->ops->exit_name(i);
	*n = __atomic_load_n(&c->stats[i].count, __ATOMIC_RELAXED);
	return true;
}

/* VT-x or AMD-V on, as the CPU offers; a guest that cannot run here
 * ends in guest_fail(). */
static void start_backend(const struct cpu_info *cpu)
{
	char err[256];
	enum virt virt = virt_check(cpu, err, sizeof(err));

	if (virt == VIRT_NONE) {
		log_msg("%s: %s",
			cpu->vmx   ? "vmx"
			: cpu->svm ? "svm"
				   : "cpu",
			err);
		guest_fail("the guest cannot run here");
	}
	if (virt == VIRT_SVM) {
		if (svm_on(cpu->nrip_save, err, sizeof(err))) {
			log_msg("svm: %s", err);
			guest_fail("AMD-V could not be turned on");
		}
		backend = &svm_ops;
		log_msg("svm: on (host timer: %s; instruction lengths %s)",
			host_timer_mode(),
			cpu->nrip_save ? "from NRIP save"
				       : "decoded by Plinth");
	} else {
		if (vmx_on(err, sizeof(err))) {
			log_msg("vmx: %s", err);
			guest_fail("VMXON failed");
		}
		backend = &vmx_ops;
		log_msg("vmx: on");
	}
	spec_ctrl_init();

	const struct spec_caps *sc = spec_host_caps();

	log_msg("cpu: speculation control for the guest:%s%s%s%s%s",
		sc->ctrl_bits & SPEC_CTRL_IBRS ? " IBRS" : "",
		sc->ctrl_bits & SPEC_CTRL_STIBP ? " STIBP" : "",
		sc->ctrl_bits & SPEC_CTRL_SSBD ? " SSBD" : "",
		sc->ibpb ? " IBPB" : "",
		sc->ctrl_bits || sc->ibpb ? "" : " none (the CPU has none)");
}

/* Once per boot: guest RAM, the devices and their backends. */
static void build_machine(const struct boot_info *bi)
{
	log_guest_raw(bi->cfg.guest_console_raw);
	ram_size = (bi->cfg.memory + ALIGN_2M - 1) & ~(ALIGN_2M - 1);
	/* With 2 MiB on either side for a canary page each: an access that
	 * strays past guest RAM, Plinth's or a device's, shows there. */
	ram = carve(bi, ram_size + 2 * ALIGN_2M);
	if (ram) {
		ram += ALIGN_2M;
		canary_place(ram - CANARY_BYTES, "guest RAM (before it)", ram);
		canary_place(ram + ram_size, "guest RAM (after it)", ram);
	}
	if (!ram) {
		log_msg("guest: no free block of %lu MiB for guest memory "
			"(largest is %lu MiB): lower memory in plinth.cfg",
			(unsigned long)(ram_size >> 20),
			(unsigned long)(largest_free(bi) >> 20));
		guest_fail("no memory for the guest");
	}
	log_msg("guest: %lu MiB of RAM at host 0x%lx",
		(unsigned long)(ram_size >> 20), (unsigned long)ram);
	if (guest_devices_attach())
		panic("cannot register the guest's devices");
	open_backends(bi);
	struct guest_dev_setup ds = {
		.gm = &gm,
		.virtio_split = bi->cfg.virtio_split,
		.net_mac = bi->cfg.net_mac,
		.disk = disk,
		.nic = nic ? &nic->side[SW_GUEST] : NULL,
		.vm_exits = &vcpu.exits,
		.tsc_now = tsc_now,
		.clock_ns = clock_ns,
		.host_rtc = host_rtc_read,
		.console_tx = console_tx,
		.post_irq = iocore_on() ? iocore_post : NULL,
	};

	if (guest_devices_alloc(&ds))
		guest_fail("no pool memory for the virtio devices: raise "
			   "hv_memory");
}

/* After a run: the reason, the disk and NIC let go of the guest's
 * buffers, and the run's counters. */
static void end_run(enum guest_end end)
{
	/* The request's own wording, when it is what ended the run. */
	if ((mgmt_request == GS_REQ_RESET && end == GUEST_RESET)
	    || (mgmt_request == GS_REQ_POWEROFF && end == GUEST_POWEROFF))
		fmt(vcpu.why, sizeof(vcpu.why),
		    "%s through the management "
		    "plane",
		    mgmt_request == GS_REQ_RESET ? "reset" : "powered off");
	else
		mgmt_request = GS_REQ_NONE;
	log_msg("guest: ended: %s", vcpu.why);
	gs_set(GS_ENDED, vcpu.why);
	drain_disk();
	network_quiesce();
	if (!canary_check())
		log_msg("canary: %lu guard pages beside guest RAM and Plinth's "
			"buffers, all intact",
			(unsigned long)canary_st.placed);
	vcpu_print_stats(&vcpu);
	vcpus_print_stats();
	iocore_print_stats();
	iobus_print_counts();
	if (plat->blk)
		vdev_print_stats(&plat->blk->dev);
	disk_print_stats();
	vdev_print_stats(&plat->net->dev);
	vnet_print_stats(plat->net);
	network_print_stats();
	if (services && services->run_ended)
		services->run_ended();
	if (end == GUEST_FAILED || end == GUEST_HALTED)
		vcpu_dump(&vcpu);
}

void vm_run(const struct boot_info *bi, const struct cpu_info *cpu,
	    const struct vm_services *svc)
{
	char err[256];

	services = svc;
	start_backend(cpu);
	/* Physical interrupts must end the guest's run, for the host to
	 * take: the I/O core's and other vCPUs' kicks, and the host's LAPIC
	 * timer, on which a vCPU waiting in HLT sleeps (one armed for a wait
	 * that ended sooner may still fire).  AMD-V intercepts them anyway,
	 * VT-x is told to. */
	vmx_set_intr_exits(true);
	vcpus_choose(bi->cfg.cpus, io_side_start(bi, svc ? svc->poll : NULL));
	gs_console_init();
	cx16_broken = cpu->cx16_damage != 0;
	build_machine(bi);
	io_side_wakes();
	for (;;) {
		iocore_hold(); /* the devices are this core's to reset */
		if (setup(bi, err, sizeof(err))) {
			log_msg("guest: %s", err);
			guest_fail("the guest cannot start");
		}
		log_msg("guest: starting, %lu TSC ticks after hv_main began",
			(unsigned long)(rdtsc() - hv_entry_tsc));
		/* A request for the run that ended is not one for this. */
		(void)gs_take_request();
		mgmt_request = GS_REQ_NONE;
		gs_set(GS_RUNNING, NULL);
		iocore_release();
		vcpus_start();
		enum guest_end end = vcpu_run(&vcpu);

		vcpus_stop(&vcpu, &end);
		iocore_hold();
		end_run(end);
		/* The guest asked to reboot, or its owner did: it gets to. */
		if (end == GUEST_RESET
		    && (mgmt_request == GS_REQ_RESET
			|| bi->cfg.on_guest_exit != CFG_ACT_POWEROFF))
			continue;
		if (bi->cfg.on_guest_exit == CFG_ACT_RESTART)
			continue;
		/* The I/O core is held: the disk is this core's now. */
		disk_shutdown();
		if (bi->cfg.on_guest_exit == CFG_ACT_REBOOT)
			power_reboot("on_guest_exit = reboot");
		power_off("on_guest_exit = poweroff");
	}
}
