/* The guest's local APIC (Intel SDM vol. 3A, chapter 11): registers at
 * 0xFEE00000 (xAPIC) and as MSRs 0x800-0x8FF (x2APIC), interrupt
 * priority, EOI, and the timer in one-shot, periodic and TSC-deadline
 * modes.  Time is the host TSC, which the guest reads unchanged; the timer
 * "bus" runs at the TSC rate, as CPUID leaf 0x15 tells the guest. */
#ifndef PLINTH_LAPIC_H
#define PLINTH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/gmem.h"

enum {
	LVT_CMCI,
	LVT_TIMER,
	LVT_THERMAL,
	LVT_PERF,
	LVT_LINT0,
	LVT_LINT1,
	LVT_ERROR,
	LVT_COUNT
};

/* What the CPU a LAPIC belongs to is doing, as INIT and STARTUP
 * messages move it (SDM vol. 3A, 9.4.4): running; reset by INIT and
 * waiting for a STARTUP; given a STARTUP, to start in real mode at
 * sipi_vector << 12 (the run loop takes it). */
enum vlapic_cpu { VLAPIC_RUNNING, VLAPIC_WAIT_SIPI, VLAPIC_STARTUP };

/* Events another core posts (apic_bus.h), besides vectors. */
#define VLAPIC_POSTED 1u /* something was posted since the owner looked */
#define VLAPIC_EV_NMI 2u
#define VLAPIC_EV_INIT 4u
#define VLAPIC_EV_STARTUP 8u

struct apic_bus;

struct vlapic {
	uint32_t id, tpr, svr, ldr, dfr, icr_lo, icr_hi;
	uint32_t esr;	      /* what the last ESR write latched */
	uint32_t esr_pending; /* errors since then (SDM 11.5.3) */
	bool x2apic;	      /* IA32_APIC_BASE.EXTD */
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t tmict, tdcr;
	uint64_t timer_start;  /* TSC when the count was loaded */
	uint64_t timer_fire;   /* TSC of the next expiry, 0 = idle */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE */
	/* KVM's paravirtual EOI (KVM_FEATURE_PV_EOI, MSR_KVM_PV_EOI_EN): a
	 * flag byte in guest RAM.  Before an entry that leaves an
	 * edge-triggered vector in service and nothing requested, Plinth
	 * sets it; the guest's EOI then only clears it, without an exit, and
	 * Plinth does the EOI when it next looks. */
	uint8_t *pv_eoi;	/* the byte; NULL: off */
	uint64_t pv_eoi_msr;	/* as written */
	bool pv_eoi_armed;	/* Plinth set the byte and has not looked */
	uint64_t pv_eois;	/* EOIs taken from the byte */
	int cpu;		/* enum vlapic_cpu */
	uint8_t sipi_vector;	/* VLAPIC_STARTUP: where to start */
	uint32_t nmis;		/* NMIs received */
	bool nmi_pending;	/* one to inject: NMIs do not queue */
	uint32_t sipis_ignored; /* STARTUPs while not waiting for one */

	/* Kept across INIT (everything above is reset by it). */
	uint64_t (*now)(void); /* TSC */
	/* EOI of a level-triggered vector, for the IOAPIC's remote IRR. */
	void (*eoi_level)(void *ctx, uint8_t vector);
	void *eoi_ctx;
	struct apic_bus *bus; /* NULL: alone, only self-IPIs arrive */
	unsigned index;	      /* on the bus */
	/* Posted by other cores, any time: atomic.  The owner folds them
	 * into the registers (vlapic_collect_posts) before each entry. */
	struct {
		uint32_t irr[8], tmr[8];
		uint32_t flags; /* VLAPIC_POSTED, VLAPIC_EV_* */
		uint8_t sipi_vector;
	} post;
};

void vlapic_init(struct vlapic *a, uint64_t (*now)(void));
/* Register access by xAPIC offset (0x000-0xff0); bad offsets and sizes
 * read as 0 and ignore writes. */
uint32_t vlapic_read(struct vlapic *a, uint32_t off);
void vlapic_write(struct vlapic *a, uint32_t off, uint32_t v);
/* x2APIC MSR access (0x800-0x8ff); false for MSRs with no register. */
bool vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *v);
bool vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t v);
void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t tsc);
/* Enters or leaves x2APIC mode (the LDR becomes derived from the ID). */
void vlapic_set_x2apic(struct vlapic *a, bool on);

/* Raises `vector` (from the IOAPIC or an IPI); level says whether its
 * EOI must be reported. */
void vlapic_set_irq(struct vlapic *a, uint8_t vector, bool level);
/* Fires the timer if it is due at `now`.  The test inline: it runs
 * before every entry, and the timer is seldom due. */
void vlapic_fire(struct vlapic *a, uint64_t now);
static inline void vlapic_tick(struct vlapic *a, uint64_t now)
{
	if (a->timer_fire && now >= a->timer_fire)
		vlapic_fire(a, now);
}
/* The vector to deliver next, or -1 (nothing above the priority). */
int vlapic_pending(const struct vlapic *a);
/* The guest took `vector`: IRR to ISR. */
void vlapic_accept(struct vlapic *a, uint8_t vector);
/* MSR_KVM_PV_EOI_EN: bit 0 on, the flag byte's 4-byte aligned
 * guest-physical address above; false (#GP) for an address that is not
 * guest RAM or not aligned. */
bool vlapic_pv_eoi_msr(struct vlapic *a, const struct gmem *gm, uint64_t val);
/* After an exit, before the pending vector is judged: an EOI the guest
 * made through the flag is done now, and an armed flag is taken back
 * (the guest's next EOI then exits).  Inline: on every exit. */
void vlapic_pv_eoi_take(struct vlapic *a);
static inline void vlapic_pv_eoi_collect(struct vlapic *a)
{
	if (a->pv_eoi_armed)
		vlapic_pv_eoi_take(a);
}
/* Before an entry: arms the flag if it may stand in for the EOI (an
 * edge-triggered vector in service, nothing requested). */
void vlapic_pv_eoi_arm(struct vlapic *a);
static inline void vlapic_pv_eoi_offer(struct vlapic *a)
{
	if (a->pv_eoi && !a->pv_eoi_armed)
		vlapic_pv_eoi_arm(a);
}

/* Does a message to `dest` (logical or physical; x2: a 32-bit
 * destination) name this LAPIC?  Logical destinations are matched in the
 * LAPIC's own model (SDM 11.6.2.2, 11.12.10.2). */
bool vlapic_matches(const struct vlapic *a, uint32_t dest, bool logical,
		    bool x2);

/* Any core (hv/platform/lapic_post.c): posts a vector or an event
 * (VLAPIC_EV_*; sipi_vector for STARTUP).  True when this is the first
 * post since the owner last looked: the caller then makes it look. */
bool vlapic_post(struct vlapic *a, uint8_t vector, bool level);
bool vlapic_post_event(struct vlapic *a, uint32_t ev, uint8_t sipi_vector);
/* The owner: takes in what was posted (INIT before STARTUP). */
void vlapic_fold_posts(struct vlapic *a);
static inline void vlapic_collect_posts(struct vlapic *a)
{
	if (__atomic_load_n(&a->post.flags, __ATOMIC_ACQUIRE))
		vlapic_fold_posts(a);
}
/* The owner, for a message from its own core: INIT resets the LAPIC to
 * its power-up state but for its ID and mode (SDM 11.4.7.3, 11.12.5.1)
 * and waits for STARTUP; STARTUP is taken only while waiting. */
void vlapic_init_signal(struct vlapic *a);
void vlapic_startup_signal(struct vlapic *a, uint8_t vector);

/* TSC of the next timer event, or 0 if none is armed. */
static inline uint64_t vlapic_next_event(const struct vlapic *a)
{
	return a->timer_fire;
}

#endif
