#include "hv/run/vcpu.h"
#include "hv/run/vcpu_exit.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "arch/x86/host_timer.h"
#include "arch/x86/vectors.h"
#include "arch/x86/io.h"
#include "arch/x86/tsc.h"
#include "hv/base/fmt.h"
#include "hv/platform/iobus.h"
#include "hv/base/log.h"

/* `reg` with its `os` bit set when the feature `has` is there and the
 * guest's CR4 has `cr4_bit` on. */
static uint32_t os_bit(const struct vcpu *v, uint32_t reg, uint32_t has,
		       uint32_t os, uint64_t cr4_bit)
{
	reg &= ~os;
	if ((reg & has) && (v->ops->get(VR_CR4) & cr4_bit))
		reg |= os;
	return reg;
}

/* CPUID (hv/run/guest_cpuid.h), with the two bits that report the asking
 * CPU's CR4: executed by Plinth they would say the host's (XSAVE on, for
 * the guest's FPU state), so they are taken from the guest's CR4 (SDM vol.
 * 2A, CPUID; a guest booted with noxsave must not see OSXSAVE and try
 * XGETBV). */
static void do_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs[R_RAX];
	uint32_t sub = (uint32_t)v->regs[R_RCX];
	struct cpuid_regs r;

	/* A fixed leaf from the table: no CPUID on the host, which nested
	 * under another hypervisor is an exit of its own. */
	if (leaf < VCPU_FAST_LEAVES && (v->fast.fixed >> leaf & 1))
		r = v->fast.table[leaf];
	else
		r = guest_cpuid(&v->cpuid, v->lapic->id, leaf, sub);
	if (leaf == CPUID_FEATURES)
		r.ecx = os_bit(v, r.ecx, CPUID_1_ECX_XSAVE, CPUID_1_ECX_OSXSAVE,
			       CR4_OSXSAVE);
	else if (leaf == CPUID_EXT_FEATURES && sub == 0)
		r.ecx = os_bit(v, r.ecx, CPUID_7_ECX_PKU, CPUID_7_ECX_OSPKE,
			       CR4_PKE);
	v->regs[R_RAX] = r.eax;
	v->regs[R_RBX] = r.ebx;
	v->regs[R_RCX] = r.ecx;
	v->regs[R_RDX] = r.edx;
	v->ops->skip(0);
}

/* XSETBV (SDM vol. 1, 13.3): XCR0 only; x87 always on; AVX needs SSE;
 * nothing the host CPU lacks.  Anything else is #GP(0), as on hardware. */
static void do_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->regs[R_RAX] & 0xffffffff) | (v->regs[R_RDX] << 32);
	struct cpuid_regs d = cpuid(CPUID_XSAVE, 0);
	uint64_t host = d.eax | ((uint64_t)d.edx << 32);

	if ((uint32_t)v->regs[R_RCX] != 0 || !(val & 1) || (val & ~host)
	    || ((val & 4) && !(val & 2))) {
		v->ops->inject_exception(VEC_GP, true, 0);
		return;
	}
	v->ops->set_xcr0(val);
	v->ops->skip(0);
}

static enum handled do_io(struct vcpu *v, const struct vexit *x,
			  enum guest_end *end)
{
	unsigned size = x->size;

	if (x->string) /* INS/OUTS: no device Plinth emulates uses them */
		return vcpu_stop(v, end, GUEST_FAILED, "string port I/O");
	if (size != 1 && size != 2 && size != 4)
		return vcpu_stop(v, end, GUEST_FAILED, "bad I/O size");
	bool taken = vcpu_plat_lock(v);
	const struct bus_range *r = iobus_find(x->port);

	/* A device may have re-armed a timer the platform hook keeps: it
	 * runs before the next entry, unless the device keeps no time. */
	if (!r || !r->timeless)
		v->platform_due = 0;
	if (x->in) {
		uint32_t val = iobus_read(r, x->port, size);

		if (size == 4)
			v->regs[R_RAX] = val; /* 32-bit writes zero-extend */
		else
			v->regs[R_RAX] = (v->regs[R_RAX]
					  & ~((1ull << (8 * size)) - 1))
					 | val;
	} else {
		iobus_write(r, x->port, size,
			    (uint32_t)v->regs[R_RAX]
				    & (size == 4 ? 0xffffffffu
						 : (1u << (8 * size)) - 1));
	}
	vcpu_plat_unlock(v, taken);
	v->ops->skip(0);
	return DONE;
}

static void do_msr(struct vcpu *v, bool write)
{
	uint32_t msr = (uint32_t)v->regs[R_RCX];
	uint64_t val;

	if (write) {
		val = (v->regs[R_RAX] & 0xffffffff) | (v->regs[R_RDX] << 32);
		if (!vmsr_write(&v->msr, msr, val)) {
			v->ops->inject_exception(VEC_GP, true, 0);
			return;
		}
	} else {
		if (!vmsr_read(&v->msr, msr, &val)) {
			v->ops->inject_exception(VEC_GP, true, 0);
			return;
		}
		v->regs[R_RAX] = (uint32_t)val;
		v->regs[R_RDX] = val >> 32;
	}
	v->ops->skip(0);
}

/* The earlier of two event times, 0 meaning "none". */
static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* Device timers and console input need attention only when their next
 * event is due, not at every exit: the hook runs when it asked to.  The
 * interrupts an I/O core posted are raised first, every time. */
static uint64_t next_event(struct vcpu *v, uint64_t now)
{
	if ((v->irqs && chan_pending(v->irqs))
	    || (v->platform && now >= v->platform_due)) {
		bool taken = vcpu_plat_lock(v);

		if (v->irqs && chan_pending(v->irqs))
			chan_drain(v->irqs);
		if (v->platform && now >= v->platform_due)
			v->platform_due = v->platform(v->platform_ctx, now);
		vcpu_plat_unlock(v, taken);
	}
	vlapic_collect_posts(v->lapic);
	vlapic_pv_eoi_collect(v->lapic);
	vlapic_tick(v->lapic, now);
	return earliest(v->platform_due, vlapic_next_event(v->lapic));
}

/* The backend's timer: the slice, or less when an event (v->due) comes
 * sooner.  The same deadline bounds the quick entries that follow, so
 * that a guest whose every exit is quick still gets a full preparation
 * once a slice. */
static void arm_timer(struct vcpu *v, uint64_t now)
{
	uint64_t slice = v->slice_ticks, next = v->due;

	if (next && (next <= now || next - now < slice))
		slice = next > now ? next - now : 0;
	v->fast.deadline = now + slice;
	v->ops->set_timer(slice);
}

/* A pending NMI that can go in at this entry: the backend injects NMIs,
 * and the last one's handler has returned (SDM vol. 3A, 6.7.1). */
static bool nmi_ready(const struct vcpu *v)
{
	return v->lapic->nmi_pending && v->ops->inject_nmi
	       && v->ops->can_inject_nmi();
}

/* Before each entry: deliver the LAPIC's highest pending vector if the
 * guest can take it now, else ask for an exit when it can; and arm the
 * backend's timer for the next device or LAPIC timer event. */
static void prepare_entry(struct vcpu *v)
{
	const struct vcpu_ops *o = v->ops;
	uint64_t now = rdtsc();
	uint64_t next = next_event(v, now);

	int vec = vlapic_pending(v->lapic);
	bool window = false;

	/* An NMI first: it outranks every interrupt.  One that must wait for
	 * the last one's IRET goes in at the first entry after it, within a
	 * slice (no NMI window is asked for: NMIs are rare). */
	if (v->lapic->nmi_pending && !o->inject_nmi)
		v->lapic->nmi_pending = false; /* counted in nmis only */
	if (nmi_ready(v)) {
		o->inject_nmi();
		v->lapic->nmi_pending = false;
	}
	if (vec >= 0 && o->can_inject()) {
		o->inject_intr((unsigned)vec);
		vlapic_accept(v->lapic, (uint8_t)vec);
	} else if (vec >= 0) {
		window = true;
	}
	vlapic_pv_eoi_offer(v->lapic);
	/* Most entries have nothing pending and no window open: no call. */
	if (window != v->intr_window) {
		o->set_intr_window(window);
		v->intr_window = window;
	}
	v->due = next;
	arm_timer(v, now);
}

/* The exit fast path.  After a QUIET exit, one that neither raises an
 * interrupt nor moves a timer (CPUID, WBINVD, a read of the LAPIC), with
 * nothing posted by the I/O core and the deadline ahead, the last full
 * preparation still holds: the same vector would be pending, the same
 * window open.  Only the timer is
 * re-armed, to the deadline (the VMX preemption timer restarts from its
 * field at each entry), so the next event is met as exactly as by the
 * full path.  The backend's world switch does the same for the fixed
 * CPUID leaves (arch/x86/vcpu_fast.h), without coming back here. */
static bool quick_entry(struct vcpu *v)
{
	uint64_t now;

	if (v->irqs && chan_pending(v->irqs))
		return false;
	now = rdtsc();
	if (now >= v->fast.deadline)
		return false;
	v->ops->set_timer(v->fast.deadline - now);
	return true;
}

/* The fixed CPUID leaves, for do_cpuid and the backend's fast path. */
static void fast_init(struct vcpu *v)
{
	v->fast.fixed = guest_cpuid_fixed(&v->cpuid, v->lapic->id,
					  v->fast.table, VCPU_FAST_LEAVES);
	v->fast.deadline = 0;
	v->fast.exits = 0;
	if (v->ops->set_fast)
		v->ops->set_fast(&v->fast);
}

/* The exits the backend answered itself, into the statistics. */
static void fast_fold(struct vcpu *v)
{
	uint64_t n = v->fast.exits;

	if (n && v->fast.slot < VCPU_EXIT_SLOTS) {
		v->stats[v->fast.slot].count += n;
		v->stats[v->fast.slot].fast += n;
		v->exits += n;
		v->fast.exits = 0;
	}
}

/* Something other than an interrupt that ends a wait in HLT: a power
 * request, INIT (which also wakes a CPU halted with interrupts off), or
 * the guest's end on another vCPU. */
static bool woken(const struct vcpu *v)
{
	return v->pm->request != PM_NONE || v->lapic->cpu != VLAPIC_RUNNING
	       || (v->stop && __atomic_load_n(v->stop, __ATOMIC_ACQUIRE));
}

/* HLT with interrupts enabled waits in the host, as the CPU would, for
 * the next interrupt: a timer, a device, console input.  HLT with them
 * disabled can never resume on vCPU 0: the guest has stopped.  Another
 * vCPU halted so is a CPU the guest took offline (Linux's play_dead): it
 * waits for INIT. */
static enum handled do_hlt(struct vcpu *v, enum guest_end *end)
{
	bool intr = v->ops->get(VR_RFLAGS) & RFLAGS_IF;

	v->ops->skip(0);
	if (!intr && v->id == 0)
		return vcpu_stop(v, end, GUEST_HALTED,
				 "HLT with interrupts disabled");
	v->halted = true;
	for (;;) {
		uint64_t now = rdtsc(), next = next_event(v, now);

		/* An NMI wakes a halted CPU whatever its IF (HLT, SDM vol.
		 * 2A), once it can go in: not one sent to a CPU halted in
		 * the last one's handler, as Linux's crash shutdown leaves
		 * it. */
		if ((intr && vlapic_pending(v->lapic) >= 0) || nmi_ready(v)
		    || woken(v))
			break;
		/* A vCPU's events are its LAPIC timer, the platform's
		 * (vCPU 0: the PIT, console input each millisecond, and in
		 * single-core mode the disk's completions and the NIC) and
		 * what other cores post or stop, which kick it: it sleeps
		 * till then.  The I/O core's posts kick vCPU 0 once `kick`
		 * is clear.  The host's LAPIC timer wakes it, on either
		 * backend (VT-x's preemption timer counts only while the
		 * guest runs). */
		if (v->irqs && chan_arm_kick(v->irqs))
			continue;
		host_timer_arm(next > now ? next - now
			       : next	  ? 0
					  : v->slice_ticks);
		cpu_wait_interrupt();
	}
	v->halted = false;
	return DONE;
}

static enum handled dispatch(struct vcpu *v, const struct vexit *x,
			     enum guest_end *end)
{
	switch (x->kind) {
	case VX_RDMSR:
	case VX_WRMSR:
		do_msr(v, x->kind == VX_WRMSR);
		return DONE;
	case VX_NOP:
		v->ops->skip(0);
		return QUIET;
	case VX_CPUID:
		do_cpuid(v);
		return QUIET;
	case VX_IO:
		return do_io(v, x, end);
	case VX_XSETBV:
		do_xsetbv(v);
		return DONE;
	case VX_HLT:
		return do_hlt(v, end);
	case VX_NONE:
		return DONE; /* prepare_entry does the rest */
	case VX_SHUTDOWN:
		/* A reset on hardware, but a guest that triple-faults has
		 * crashed: report it rather than boot-loop silently. */
		return vcpu_stop(v, end, GUEST_FAILED, "triple fault");
	case VX_MMIO:
		return vcpu_mmio(v, x, end);
	case VX_FAIL:
		break;
	}
	*end = GUEST_FAILED;
	return STOP; /* the backend wrote why */
}

/* What woke the vCPU ends its run: a power request (vCPU 0 ends the
 * guest for it), INIT (the boot CPU restarts the firmware: for this
 * guest, a reset; another vCPU waits for STARTUP), or another vCPU's end
 * of the guest. */
static enum handled run_ends(struct vcpu *v, enum guest_end *end)
{
	if (v->id && v->pm->request != PM_NONE)
		return vcpu_stop(v, end, GUEST_STOPPED, "stopped");
	if (v->pm->request == PM_POWEROFF)
		return vcpu_stop(v, end, GUEST_POWEROFF, "ACPI S5 (soft off)");
	if (v->pm->request == PM_RESET)
		return vcpu_stop(v, end, GUEST_RESET, "reset requested");
	if (v->lapic->cpu != VLAPIC_RUNNING)
		return v->id ? vcpu_stop(v, end, GUEST_VCPU_INIT, "INIT")
			     : vcpu_stop(v, end, GUEST_RESET,
					 "INIT sent to the boot vCPU");
	return vcpu_stop(v, end, GUEST_STOPPED, "stopped");
}

enum guest_end vcpu_run(struct vcpu *v)
{
	enum guest_end end = GUEST_FAILED;

	v->platform_due = 0;
	vmsr_take_cpu(&v->msr);
	/* The host slice (plinth.cfg guest_slice, 10 ms unless set): the
	 * backend's timer brings control back at least this often, for
	 * device back-ends and the console. */
	v->slice_ticks = tsc_hz() * v->slice_ns / 1000000000ull;
	fast_init(v);
	for (bool quick = false;;) {
		struct vexit x;

		if (!quick)
			prepare_entry(v);
		int rc = v->ops->run(v->regs, &x, v->why, sizeof(v->why));
		uint64_t t0 = rdtsc();

		fast_fold(v);
		if (rc < 0)
			return GUEST_FAILED;
		enum handled h = dispatch(v, &x, &end);
		unsigned slot = x.slot < VCPU_EXIT_SLOTS ? x.slot
							 : VCPU_EXIT_SLOTS - 1;

		if (h != STOP && woken(v))
			h = run_ends(v, &end);
		v->stats[slot].count++;
		v->exits++;
		if (h == STOP) {
			v->stats[slot].host_ticks += rdtsc() - t0;
			return end;
		}
		quick = h == QUIET && quick_entry(v);
		v->stats[slot].host_ticks += rdtsc() - t0;
	}
}

void vcpu_print_stats(const struct vcpu *v)
{
	log_msg("exits: reason                      count   host ticks/exit");
	for (unsigned r = 0; r < VCPU_EXIT_SLOTS; r++) {
		const struct exit_stat *s = &v->stats[r];
		uint64_t slow = s->count - s->fast; /* the ones timed */

		if (s->count)
			log_msg("exits: %-26s %8lu %12lu", v->ops->exit_name(r),
				(unsigned long)s->count,
				(unsigned long)(slow ? s->host_ticks / slow
						     : 0));
		if (s->fast)
			log_msg("exits: %lu of the %s exits answered in the "
				"world switch",
				(unsigned long)s->fast, v->ops->exit_name(r));
	}
	if (v->walks.hits || v->decodes.hits)
		log_msg("exits: of %lu MMIO instruction fetches, %lu reused "
			"a page walk and %lu a decode",
			(unsigned long)(v->decodes.hits + v->decodes.misses),
			(unsigned long)v->walks.hits,
			(unsigned long)v->decodes.hits);
	if (v->lapic->pv_eois)
		log_msg("exits: none for %lu EOIs, made through the "
			"paravirtual flag",
			(unsigned long)v->lapic->pv_eois);
}

void vcpu_dump(const struct vcpu *v)
{
	const uint64_t *g = v->regs;
	const struct vcpu_ops *o = v->ops;

	log_msg("guest: RIP 0x%lx RSP 0x%lx RFLAGS 0x%lx",
		(unsigned long)o->get(VR_RIP), (unsigned long)o->get(VR_RSP),
		(unsigned long)o->get(VR_RFLAGS));
	log_msg("guest: RAX 0x%lx RBX 0x%lx RCX 0x%lx RDX 0x%lx",
		(unsigned long)g[R_RAX], (unsigned long)g[R_RBX],
		(unsigned long)g[R_RCX], (unsigned long)g[R_RDX]);
	log_msg("guest: RSI 0x%lx RDI 0x%lx RBP 0x%lx R8 0x%lx",
		(unsigned long)g[R_RSI], (unsigned long)g[R_RDI],
		(unsigned long)g[R_RBP], (unsigned long)g[R_R8]);
	o->dump();
}
