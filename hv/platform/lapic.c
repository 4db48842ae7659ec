#include "hv/platform/lapic.h"

#include <stddef.h>
#include <string.h>

#include "hv/platform/apic_bus.h"

#define REG_ID 0x020
#define REG_VERSION 0x030
#define REG_TPR 0x080
#define REG_APR 0x090
#define REG_PPR 0x0a0
#define REG_EOI 0x0b0
#define REG_LDR 0x0d0
#define REG_DFR 0x0e0
#define REG_SVR 0x0f0
#define REG_ISR 0x100
#define REG_TMR 0x180
#define REG_IRR 0x200
#define REG_ESR 0x280
#define REG_LVT_CMCI 0x2f0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_ERROR 0x370
#define REG_TMICT 0x380
#define REG_TMCCT 0x390
#define REG_TDCR 0x3e0
#define REG_SELF_IPI 0x3f0 /* x2APIC only */

#define LVT_MASKED (1u << 16)
#define TIMER_MODE(l) (((l) >> 17) & 3)
#define MODE_ONESHOT 0
#define MODE_PERIODIC 1
#define MODE_DEADLINE 2
#define SVR_ENABLE (1u << 8)

/* Version 0x14 (integrated APIC), 7 LVT entries (max LVT index 6). */
#define VERSION_VALUE (0x14u | (6u << 16))

static bool test(const uint32_t *bm, unsigned v)
{
	return bm[v / 32] & (1u << (v % 32));
}

static void set(uint32_t *bm, unsigned v)
{
	bm[v / 32] |= 1u << (v % 32);
}

static void clear(uint32_t *bm, unsigned v)
{
	bm[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector set in a 256-bit register, or -1: 64 bits at a time
 * (two 32-bit words, the lower first on this little-endian CPU), since
 * every full entry preparation asks it of IRR, most often empty. */
static int highest(const uint32_t *bm)
{
	for (int i = 3; i >= 0; i--) {
		uint64_t w;

		__builtin_memcpy(&w, bm + 2 * i, 8);
		if (w)
			return i * 64 + 63 - __builtin_clzll(w);
	}
	return -1;
}

/* The registers' power-up state (SDM 11.4.7.1): everything above `now`
 * in struct vlapic. */
static void power_up(struct vlapic *a)
{
	memset(a, 0, offsetof(struct vlapic, now));
	a->dfr = 0xffffffff;
	a->svr = 0xff; /* software-disabled after reset (11.4.7.1) */
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
}

void vlapic_init(struct vlapic *a, uint64_t (*now)(void))
{
	memset(a, 0, sizeof(*a));
	a->now = now;
	power_up(a);
}

/* INIT (SDM 11.4.7.3): the power-up state but for the APIC ID, and the
 * x2APIC mode, which INIT leaves as it is (11.12.5.1). */
void vlapic_init_signal(struct vlapic *a)
{
	uint32_t id = a->id;
	bool x2 = a->x2apic;

	power_up(a);
	a->id = id;
	vlapic_set_x2apic(a, x2);
	a->cpu = VLAPIC_WAIT_SIPI;
}

/* Processor priority (11.8.3.1): the higher of TPR and the priority
 * class of the highest in-service vector. */
static uint32_t ppr(const struct vlapic *a)
{
	int isr = highest(a->isr);
	uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr & 0xf0;

	return (a->tpr & 0xf0) >= isrv ? a->tpr : isrv;
}

static uint32_t divisor(const struct vlapic *a)
{
	/* TDCR bits 0, 1, 3 encode 2^(n+1), with 0b111 meaning 1. */
	uint32_t n = (a->tdcr & 3) | ((a->tdcr >> 1) & 4);

	return n == 7 ? 1 : 2u << n;
}

static void arm(struct vlapic *a)
{
	a->timer_start = a->now();
	a->timer_fire = a->tmict ? a->timer_start
					   + (uint64_t)a->tmict * divisor(a)
				 : 0;
}

static uint32_t current_count(const struct vlapic *a)
{
	if (!a->timer_fire || TIMER_MODE(a->lvt[LVT_TIMER]) == MODE_DEADLINE)
		return 0;
	uint64_t now = a->now(), fire = a->timer_fire;

	if (now >= fire) {
		if (TIMER_MODE(a->lvt[LVT_TIMER]) != MODE_PERIODIC)
			return 0;
		/* Expired but not yet ticked: already counting the next
		 * period from its reload. */
		uint64_t period = (uint64_t)a->tmict * divisor(a);

		fire += period * ((now - fire) / period + 1);
	}
	return (uint32_t)((fire - now) / divisor(a));
}

/* A new divide value while the timer counts: the count goes on from
 * where it is, at the new rate.  Without this, TMCCT (the remaining time
 * divided by the new divisor) could read above TMICT, and the expiry kept
 * the old rate. */
static void set_divide(struct vlapic *a, uint32_t tdcr)
{
	uint32_t left = current_count(a);

	a->tdcr = tdcr;
	if (!left)
		return;
	a->timer_start = a->now();
	a->timer_fire = a->timer_start + (uint64_t)left * divisor(a);
}

uint32_t vlapic_read(struct vlapic *a, uint32_t off)
{
	if (off & 0xf)
		return 0;
	if (off >= REG_ISR && off < REG_ISR + 0x80)
		return a->isr[(off - REG_ISR) / 16];
	if (off >= REG_TMR && off < REG_TMR + 0x80)
		return a->tmr[(off - REG_TMR) / 16];
	if (off >= REG_IRR && off < REG_IRR + 0x80)
		return a->irr[(off - REG_IRR) / 16];
	if (off == REG_LVT_CMCI)
		return a->lvt[LVT_CMCI];
	if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR)
		return a->lvt[LVT_TIMER + (off - REG_LVT_TIMER) / 16];
	switch (off) {
	case REG_ID:
		return a->id << 24;
	case REG_VERSION:
		return VERSION_VALUE;
	case REG_TPR:
		return a->tpr;
	case REG_APR:
		return 0;
	case REG_PPR:
		return ppr(a);
	case REG_LDR:
		return a->ldr;
	case REG_DFR:
		return a->dfr;
	case REG_SVR:
		return a->svr;
	case REG_ESR:
		return a->esr;
	case REG_ICR_LO:
		return a->icr_lo;
	case REG_ICR_HI:
		return a->icr_hi;
	case REG_TMICT:
		return a->tmict;
	case REG_TMCCT:
		return current_count(a);
	case REG_TDCR:
		return a->tdcr;
	}
	return 0;
}

bool vlapic_matches(const struct vlapic *a, uint32_t dest, bool logical,
		    bool x2)
{
	if (!logical)
		return dest == a->id || dest == (x2 ? 0xffffffffu : 0xff);
	if (a->x2apic) /* x2APIC clusters (11.12.10.2) */
		return dest == 0xffffffffu
		       || ((dest >> 16) == (a->ldr >> 16)
			   && (dest & a->ldr & 0xffff));
	uint32_t ldr = a->ldr >> 24;

	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if ((a->dfr >> 28) == 0xf) /* flat model: a bit per APIC */
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf); /* cluster */
}

static void eoi(struct vlapic *a)
{
	int v = highest(a->isr);

	if (v < 0)
		return;
	clear(a->isr, (unsigned)v);
	if (test(a->tmr, (unsigned)v)) {
		clear(a->tmr, (unsigned)v);
		if (a->eoi_level)
			a->eoi_level(a->eoi_ctx, (uint8_t)v);
	}
}

/* An ICR write sends at once (the delivery status never reads pending).
 * icr_hi holds the destination: bits 31:24 in xAPIC mode, all 32 bits in
 * x2APIC mode.  IPIs are edge-triggered: a level trigger is taken as
 * edge when the level bit is set and ignored when it is clear, except
 * INIT's de-assert (SDM table 11-3, note 2).  The bus delivers; a LAPIC
 * on none reaches nobody. */
static void icr_write(struct vlapic *a, uint32_t lo)
{
	struct apic_msg m = {
		.dest = a->x2apic ? a->icr_hi : a->icr_hi >> 24,
		.vector = lo & 0xff,
		.mode = (lo >> 8) & 7,
		.shorthand = (lo >> 18) & 3,
		.logical = lo & (1u << 11),
		.assert = lo & (1u << 14),
		.level = lo & (1u << 15),
		.x2apic = a->x2apic,
	};

	a->icr_lo = lo & ~(1u << 12);
	if (m.level && m.mode != APIC_DM_INIT) {
		if (!m.assert)
			return;
		m.level = false;
	}
	if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST)
	    && m.vector < 16) {
		a->esr_pending |= 1u << 5; /* send illegal vector */
		return;
	}
	if (a->bus)
		apic_bus_send(a->bus, &m, a->index);
}

void vlapic_write(struct vlapic *a, uint32_t off, uint32_t v)
{
	if (off & 0xf)
		return;
	/* Delivery status (bit 12) and remote IRR (bit 14) are read-only
	 * in every LVT (SDM figure 11-8). */
	if (off == REG_LVT_CMCI) {
		a->lvt[LVT_CMCI] = v & 0x107ff;
		return;
	}
	if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR) {
		unsigned i = LVT_TIMER + (off - REG_LVT_TIMER) / 16;
		uint32_t old = a->lvt[i];

		/* While the APIC is software-disabled, LVTs stay masked. */
		if (!(a->svr & SVR_ENABLE))
			v |= LVT_MASKED;
		a->lvt[i] = v
			    & (i == LVT_TIMER			    ? 0x700ff
			       : (i == LVT_LINT0 || i == LVT_LINT1) ? 0x1a7ff
								    : 0x107ff);
		/* Changing the timer mode stops the timer (11.5.4.1). */
		if (i == LVT_TIMER && TIMER_MODE(old) != TIMER_MODE(v)) {
			a->timer_fire = 0;
			a->tsc_deadline = 0;
		}
		return;
	}
	switch (off) {
	case REG_ID:
		a->id = v >> 24;
		break;
	case REG_TPR:
		a->tpr = v & 0xff;
		break;
	case REG_EOI:
		eoi(a);
		break;
	case REG_LDR:
		a->ldr = v & 0xff000000;
		break;
	case REG_DFR:
		a->dfr = v | 0x0fffffff;
		break;
	case REG_SVR:
		a->svr = v & 0x13ff;
		if (!(v & SVR_ENABLE))
			for (int i = 0; i < LVT_COUNT; i++)
				a->lvt[i] |= LVT_MASKED;
		break;
	case REG_ESR: /* latch the errors seen since the last write */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case REG_ICR_HI:
		a->icr_hi = v & 0xff000000;
		break; /* xAPIC only */
	case REG_ICR_LO:
		icr_write(a, v);
		break;
	case REG_TMICT:
		if (TIMER_MODE(a->lvt[LVT_TIMER]) == MODE_DEADLINE)
			break; /* ignored in TSC-deadline mode */
		a->tmict = v;
		arm(a);
		break;
	case REG_TDCR:
		set_divide(a, v & 0xb);
		break;
	}
}

void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t tsc)
{
	if (TIMER_MODE(a->lvt[LVT_TIMER]) != MODE_DEADLINE)
		return; /* writes outside deadline mode are ignored */
	a->tsc_deadline = tsc;
	a->timer_fire = tsc;
}

void vlapic_set_x2apic(struct vlapic *a, bool on)
{
	a->x2apic = on;
	/* x2APIC logical ID: cluster ID[19:4], one bit for ID[3:0]
	 * (SDM 11.12.10.1); read-only in this mode. */
	if (on)
		a->ldr = ((a->id >> 4) << 16) | (1u << (a->id & 0xf));
}

/* x2APIC MSRs (SDM table 11-6): 0x800 + xAPIC offset / 16.  Those not
 * listed have no register and fault; some are read- or write-only. */
static bool x2_readable(uint32_t msr)
{
	return msr == 0x802 || msr == 0x803 || msr == 0x808 || msr == 0x80a
	       || msr == 0x80d || msr == 0x80f || (msr >= 0x810 && msr <= 0x828)
	       || msr == 0x82f || msr == 0x830 || (msr >= 0x832 && msr <= 0x839)
	       || msr == 0x83e;
}

static bool x2_writable(uint32_t msr)
{
	return msr == 0x808 || msr == 0x80b || msr == 0x80f || msr == 0x828
	       || msr == 0x82f || msr == 0x830 || (msr >= 0x832 && msr <= 0x838)
	       || msr == 0x83e || msr == 0x83f;
}

bool vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *v)
{
	uint32_t off = (msr - 0x800) << 4;

	if (!x2_readable(msr))
		return false;
	if (off == REG_ICR_LO)
		*v = a->icr_lo | ((uint64_t)a->icr_hi << 32);
	else
		*v = off == REG_ID ? a->id : vlapic_read(a, off);
	return true;
}

bool vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t v)
{
	uint32_t off = (msr - 0x800) << 4;

	if (!x2_writable(msr))
		return false;
	if (off == REG_ICR_LO) {
		a->icr_hi = (uint32_t)(v >> 32);
		icr_write(a, (uint32_t)v);
		return true;
	}
	if (off == REG_SELF_IPI) {
		if ((v & 0xff) < 16)
			a->esr_pending |= 1u << 5;
		else
			vlapic_set_irq(a, v & 0xff, false);
		return true;
	}
	vlapic_write(a, off, (uint32_t)v);
	return true;
}

void vlapic_set_irq(struct vlapic *a, uint8_t vector, bool level)
{
	if (vector < 16) {
		a->esr_pending |= 1u << 6; /* received illegal vector */
		return;
	}
	set(a->irr, vector);
	if (level)
		set(a->tmr, vector);
	else
		clear(a->tmr, vector);
}

void vlapic_fire(struct vlapic *a, uint64_t now)
{
	if (!a->timer_fire || now < a->timer_fire)
		return;
	uint32_t lvt = a->lvt[LVT_TIMER];

	if (TIMER_MODE(lvt) == MODE_PERIODIC && a->tmict) {
		uint64_t period = (uint64_t)a->tmict * divisor(a);

		/* Skip whole periods the host missed rather than bursting. */
		a->timer_fire += period * ((now - a->timer_fire) / period + 1);
	} else {
		a->timer_fire = 0;
		if (TIMER_MODE(lvt) == MODE_DEADLINE)
			a->tsc_deadline = 0;
	}
	if (!(lvt & LVT_MASKED))
		vlapic_set_irq(a, lvt & 0xff, false);
}

int vlapic_pending(const struct vlapic *a)
{
	int v = highest(a->irr);

	if (v < 0 || !(a->svr & SVR_ENABLE))
		return -1;
	return ((uint32_t)v & 0xf0) > (ppr(a) & 0xf0) ? v : -1;
}

void vlapic_accept(struct vlapic *a, uint8_t vector)
{
	clear(a->irr, vector);
	set(a->isr, vector);
}

bool vlapic_pv_eoi_msr(struct vlapic *a, const struct gmem *gm, uint64_t val)
{
	uint8_t *p = NULL;

	if (val & 1) {
		if (val & 2)
			return false; /* the address is 4-byte aligned */
		p = gmem_ptr(gm, val & ~3ull, 1);
		if (!p)
			return false;
	}
	a->pv_eoi = p;
	a->pv_eoi_msr = val;
	a->pv_eoi_armed = false;
	return true;
}

/* The byte is guest memory, read once; the vCPU is not running. */
void vlapic_pv_eoi_take(struct vlapic *a)
{
	a->pv_eoi_armed = false;
	if (__atomic_load_n(a->pv_eoi, __ATOMIC_RELAXED) & 1) {
		__atomic_store_n(a->pv_eoi, 0, __ATOMIC_RELAXED);
		return;
	}
	a->pv_eois++;
	eoi(a);
}

void vlapic_pv_eoi_arm(struct vlapic *a)
{
	int v;

	if (highest(a->irr) >= 0)
		return;
	v = highest(a->isr);
	/* A level-triggered vector's EOI goes to the IOAPIC at once. */
	if (v < 0 || test(a->tmr, (unsigned)v))
		return;
	__atomic_store_n(a->pv_eoi, 1, __ATOMIC_RELAXED);
	a->pv_eoi_armed = true;
}
