#include "hv/lapic.h"

#include <string.h>

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

static int highest(const uint32_t *bm)
{
	for (int i = 7; i >= 0; i--)
		if (bm[i])
			return i * 32 + 31 - __builtin_clz(bm[i]);
	return -1;
}

void vlapic_init(struct vlapic *a, uint64_t (*now)(void))
{
	memset(a, 0, sizeof(*a));
	a->now = now;
	a->dfr = 0xffffffff;
	a->svr = 0xff; /* software-disabled after reset (11.4.7.1) */
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
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
	a->timer_fire = a->tmict ? a->timer_start + (uint64_t)a->tmict
						  * divisor(a)
			      : 0;
}

static uint32_t current_count(const struct vlapic *a)
{
	if (!a->timer_fire || TIMER_MODE(a->lvt[LVT_TIMER]) == MODE_DEADLINE)
		return 0;
	uint64_t now = a->now();

	if (now >= a->timer_fire)
		return 0;
	return (uint32_t)((a->timer_fire - now) / divisor(a));
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
	case REG_ID: return a->id << 24;
	case REG_VERSION: return VERSION_VALUE;
	case REG_TPR: return a->tpr;
	case REG_APR: return 0;
	case REG_PPR: return ppr(a);
	case REG_LDR: return a->ldr;
	case REG_DFR: return a->dfr;
	case REG_SVR: return a->svr;
	case REG_ESR: return a->esr;
	case REG_ICR_LO: return a->icr_lo;
	case REG_ICR_HI: return a->icr_hi;
	case REG_TMICT: return a->tmict;
	case REG_TMCCT: return current_count(a);
	case REG_TDCR: return a->tdcr;
	}
	return 0;
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

/* Single CPU: only IPIs to ourselves (self, all-including-self, or our
 * APIC ID) deliver; INIT/SIPI to other CPUs find nobody. */
static void icr_write(struct vlapic *a, uint32_t lo)
{
	unsigned shorthand = (lo >> 18) & 3, mode = (lo >> 8) & 7;
	bool to_us = shorthand == 1 || shorthand == 2
		     || (shorthand == 0 && (a->icr_hi >> 24) == a->id);

	a->icr_lo = lo & ~(1u << 12); /* delivered at once: not pending */
	if (to_us && mode == 0 && (lo & 0xff) >= 16)
		vlapic_set_irq(a, lo & 0xff, false);
}

void vlapic_write(struct vlapic *a, uint32_t off, uint32_t v)
{
	if (off & 0xf)
		return;
	if (off == REG_LVT_CMCI) {
		a->lvt[LVT_CMCI] = v & 0x117ff;
		return;
	}
	if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR) {
		unsigned i = LVT_TIMER + (off - REG_LVT_TIMER) / 16;
		uint32_t old = a->lvt[i];

		/* While the APIC is software-disabled, LVTs stay masked. */
		if (!(a->svr & SVR_ENABLE))
			v |= LVT_MASKED;
		a->lvt[i] = v & (i == LVT_TIMER ? 0x710ff : 0x1f7ff);
		/* Changing the timer mode stops the timer (11.5.4.1). */
		if (i == LVT_TIMER && TIMER_MODE(old) != TIMER_MODE(v)) {
			a->timer_fire = 0;
			a->tsc_deadline = 0;
		}
		return;
	}
	switch (off) {
	case REG_ID: a->id = v >> 24; break;
	case REG_TPR: a->tpr = v & 0xff; break;
	case REG_EOI: eoi(a); break;
	case REG_LDR: a->ldr = v & 0xff000000; break;
	case REG_DFR: a->dfr = v | 0x0fffffff; break;
	case REG_SVR:
		a->svr = v & 0x13ff;
		if (!(v & SVR_ENABLE))
			for (int i = 0; i < LVT_COUNT; i++)
				a->lvt[i] |= LVT_MASKED;
		break;
	case REG_ESR: a->esr = 0; break;
	case REG_ICR_HI: a->icr_hi = v & 0xff000000; break;
	case REG_ICR_LO: icr_write(a, v); break;
	case REG_TMICT:
		if (TIMER_MODE(a->lvt[LVT_TIMER]) == MODE_DEADLINE)
			break; /* ignored in TSC-deadline mode */
		a->tmict = v;
		arm(a);
		break;
	case REG_TDCR: a->tdcr = v & 0xb; break;
	}
}

void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t tsc)
{
	if (TIMER_MODE(a->lvt[LVT_TIMER]) != MODE_DEADLINE)
		return; /* writes outside deadline mode are ignored */
	a->tsc_deadline = tsc;
	a->timer_fire = tsc;
}

/* x2APIC: MSR 0x800 + offset/16 (SDM 11.12.1.2); ICR is one 64-bit MSR. */
bool vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *v)
{
	uint32_t off = (msr - 0x800) << 4;

	if (msr < 0x800 || msr > 0x8ff || off == REG_EOI || off == REG_DFR)
		return false;
	if (off == REG_ICR_LO) {
		*v = a->icr_lo | ((uint64_t)a->icr_hi << 8);
		return true;
	}
	*v = off == REG_ID ? a->id : vlapic_read(a, off);
	return true;
}

bool vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t v)
{
	uint32_t off = (msr - 0x800) << 4;

	if (msr < 0x800 || msr > 0x8ff || off == REG_ID || off == REG_VERSION
	    || off == REG_PPR || off == REG_LDR || off == REG_DFR)
		return false;
	if (off == REG_ICR_LO) {
		a->icr_hi = (uint32_t)(v >> 32) << 24;
		icr_write(a, (uint32_t)v);
		return true;
	}
	if (off == REG_SELF_IPI) {
		if ((v & 0xff) >= 16)
			vlapic_set_irq(a, v & 0xff, false);
		return true;
	}
	vlapic_write(a, off, (uint32_t)v);
	return true;
}

void vlapic_set_irq(struct vlapic *a, uint8_t vector, bool level)
{
	if (vector < 16) {
		a->esr |= 1u << 6; /* received illegal vector */
		return;
	}
	set(a->irr, vector);
	if (level)
		set(a->tmr, vector);
	else
		clear(a->tmr, vector);
}

void vlapic_tick(struct vlapic *a, uint64_t now)
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

uint64_t vlapic_next_event(const struct vlapic *a)
{
	return a->timer_fire;
}
