/* Host tests for the virtual local APIC's timer (hv/platform/lapic.c):
 * one-shot, periodic and TSC-deadline modes, masking, and the next event
 * it reports.
 *
 * Each test drives one struct vlapic through vlapic_read/vlapic_write (and
 * the x2APIC MSRs) from the reset state that tests/support/lapic_fixture.c
 * sets up, its timer on a clock the test moves by hand.
 */
#include "tests/support/check.h"
#include "tests/support/lapic_fixture.h"

#include "hv/platform/lapic.h"

/* ---- timer ---------------------------------------------------------------*/

static void timer_one_shot_fires_once_for_each_divisor(void)
{
	static const struct { uint32_t tdcr, div; } cfg[] = {
		{ 0xb, 1 }, { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 },
	};

	for (unsigned i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct vlapic a;
		uint64_t t0, fire;

		fresh(&a);
		vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x20);
		vlapic_write(&a, TDCR, cfg[i].tdcr);
		CHECK(vlapic_read(&a, TDCR) == cfg[i].tdcr);
		t0 = tsc;
		vlapic_write(&a, TMICT, 1000);
		fire = t0 + 1000ull * cfg[i].div;
		CHECK(vlapic_read(&a, TMICT) == 1000);
		CHECK(vlapic_next_event(&a) == fire);
		CHECK(vlapic_read(&a, TMCCT) == 1000);
		tsc = t0 + 250ull * cfg[i].div;
		CHECK(vlapic_read(&a, TMCCT) == 750);
		tsc = fire - 1;
		CHECK(vlapic_read(&a, TMCCT) == (cfg[i].div == 1 ? 1 : 0));
		vlapic_tick(&a, tsc);
		CHECK(irr_empty(&a));
		tsc = fire;
		vlapic_tick(&a, tsc);
		CHECK(vlapic_pending(&a) == 0x20);
		CHECK(vlapic_read(&a, TMCCT) == 0);
		CHECK(vlapic_next_event(&a) == 0);
		CHECK(vlapic_read(&a, TMICT) == 1000); /* initial count stays */
		vlapic_accept(&a, 0x20);
		vlapic_write(&a, EOI, 0);
		/* Once only. */
		tsc = fire + 5000ull * cfg[i].div;
		vlapic_tick(&a, tsc);
		CHECK(irr_empty(&a));
		CHECK(vlapic_read(&a, TMCCT) == 0);
		if (check_failures_in_test) {
			printf("#   (divide configuration 0x%x)\n",
			       cfg[i].tdcr);
			break;
		}
	}
}

/* A new divide value while the timer counts: the count goes on from where
 * it stands, at the new rate (it never reads above TMICT), and the expiry
 * follows. */
static void divide_change_while_counting_keeps_the_count(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x20);
	vlapic_write(&a, TDCR, 0xa); /* 128 */
	t0 = tsc;
	vlapic_write(&a, TMICT, 100);
	tsc = t0 + 40 * 128;
	CHECK(vlapic_read(&a, TMCCT) == 60);
	vlapic_write(&a, TDCR, 0xb); /* 1 */
	CHECK(vlapic_read(&a, TMCCT) == 60);
	CHECK(vlapic_next_event(&a) == tsc + 60);
	tsc += 59;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	tsc += 1;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x20);
	/* Slower again, periodic: never above TMICT. */
	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x21);
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);
	tsc += 30;
	vlapic_write(&a, TDCR, 0xa);
	CHECK(vlapic_read(&a, TMCCT) == 70);
	tsc += 128;
	CHECK(vlapic_read(&a, TMCCT) == 69);
}

static void timer_one_shot_rearm_and_stop(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, 0x20);
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);
	tsc += 60;
	vlapic_write(&a, TMICT, 100);		/* reload restarts the count */
	CHECK(vlapic_next_event(&a) == tsc + 100);
	CHECK(vlapic_read(&a, TMCCT) == 100);
	vlapic_write(&a, TMICT, 0);		/* 0 stops it */
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	/* Only TDCR bits 0, 1 and 3 exist. */
	vlapic_write(&a, TDCR, 0xffffffff);
	CHECK(vlapic_read(&a, TDCR) == 0xb);
}

static void timer_periodic_rearms_and_skips_missed_periods(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x21);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == (PERIODIC | 0x21));
	vlapic_write(&a, TDCR, 0x0);		/* divide by 2 */
	t0 = tsc;
	vlapic_write(&a, TMICT, 50);		/* period 100 TSC ticks */
	CHECK(vlapic_next_event(&a) == t0 + 100);

	tsc = t0 + 100;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	CHECK(vlapic_next_event(&a) == t0 + 200);
	CHECK(vlapic_read(&a, TMCCT) == 50);	/* reloaded */
	vlapic_accept(&a, 0x21);
	vlapic_write(&a, EOI, 0);
	tsc = t0 + 150;
	CHECK(vlapic_read(&a, TMCCT) == 25);
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	tsc = t0 + 200;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	CHECK(vlapic_next_event(&a) == t0 + 300);
	vlapic_accept(&a, 0x21);
	vlapic_write(&a, EOI, 0);

	/* Late by three and a half periods: one interrupt, and the next
	 * expiry is the next point of the original grid. */
	tsc = t0 + 650;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	vlapic_accept(&a, 0x21);
	CHECK(vlapic_pending(&a) == -1);
	CHECK(irr_empty(&a));
	vlapic_write(&a, EOI, 0);
	CHECK(vlapic_next_event(&a) == t0 + 700);
	CHECK(vlapic_next_event(&a) > tsc);
	CHECK((vlapic_next_event(&a) - t0) % 100 == 0);
	CHECK(vlapic_read(&a, TMCCT) == 25);
	vlapic_tick(&a, tsc);			/* same time again: nothing */
	CHECK(irr_empty(&a));

	/* Late by exactly whole periods: next is still in the future. */
	tsc = t0 + 900;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x21);
	CHECK(vlapic_next_event(&a) == t0 + 1000);
}

static void masked_timer_counts_but_raises_nothing(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, MASKED | ONESHOT | 0x22);
	vlapic_write(&a, TDCR, 0xb);
	t0 = tsc;
	vlapic_write(&a, TMICT, 100);
	CHECK(vlapic_next_event(&a) == t0 + 100);
	tsc = t0 + 40;
	CHECK(vlapic_read(&a, TMCCT) == 60);
	tsc = t0 + 100;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);

	/* Periodic and masked: keeps its period, never interrupts. */
	vlapic_write(&a, LVT_TIMER_REG, MASKED | PERIODIC | 0x22);
	t0 = tsc;
	vlapic_write(&a, TMICT, 100);
	tsc = t0 + 100;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	CHECK(vlapic_next_event(&a) == t0 + 200);
	/* Unmasking without a mode change keeps the timer running. */
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x22);
	CHECK(vlapic_next_event(&a) == t0 + 200);
	tsc = t0 + 200;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x22);
}

static void changing_timer_mode_stops_it(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x23);
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);
	CHECK(vlapic_next_event(&a) != 0);
	/* Same mode, other vector: still running. */
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x24);
	CHECK(vlapic_next_event(&a) != 0);
	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x24);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_read(&a, TMCCT) == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	/* Periodic to one-shot likewise. */
	vlapic_write(&a, TMICT, 100);
	CHECK(vlapic_next_event(&a) == tsc + 100);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x24);
	CHECK(vlapic_next_event(&a) == 0);

	/* Deadline to one-shot disarms and clears the deadline. */
	vlapic_write(&a, LVT_TIMER_REG, DEADLINE | 0x24);
	vlapic_set_tsc_deadline(&a, tsc + 500);
	CHECK(a.tsc_deadline == tsc + 500);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x24);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(a.tsc_deadline == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
}

static void tsc_deadline_mode(void)
{
	struct vlapic a;
	uint64_t t0;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, DEADLINE | 0x25);
	CHECK(vlapic_read(&a, LVT_TIMER_REG) == (DEADLINE | 0x25));
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 100);		/* ignored in this mode */
	CHECK(vlapic_read(&a, TMICT) == 0);
	CHECK(vlapic_next_event(&a) == 0);

	t0 = tsc;
	vlapic_set_tsc_deadline(&a, t0 + 500);
	CHECK(a.tsc_deadline == t0 + 500);
	CHECK(vlapic_next_event(&a) == t0 + 500);
	CHECK(vlapic_read(&a, TMCCT) == 0);	/* not used in this mode */
	vlapic_write(&a, TMICT, 10);		/* still ignored */
	CHECK(vlapic_next_event(&a) == t0 + 500);
	tsc = t0 + 499;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));
	CHECK(a.tsc_deadline == t0 + 500);
	tsc = t0 + 500;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x25);
	CHECK(a.tsc_deadline == 0);		/* reads 0 after firing */
	CHECK(vlapic_next_event(&a) == 0);
	vlapic_accept(&a, 0x25);
	vlapic_write(&a, EOI, 0);
	tsc += 10000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));			/* once */

	/* Re-arm, then disarm by writing 0. */
	vlapic_set_tsc_deadline(&a, tsc + 100);
	CHECK(vlapic_next_event(&a) == tsc + 100);
	vlapic_set_tsc_deadline(&a, 0);
	CHECK(vlapic_next_event(&a) == 0 && a.tsc_deadline == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	/* A deadline already past fires at the next tick. */
	vlapic_set_tsc_deadline(&a, tsc - 50);
	vlapic_tick(&a, tsc);
	CHECK(vlapic_pending(&a) == 0x25);
	CHECK(a.tsc_deadline == 0);
}

static void tsc_deadline_ignored_outside_deadline_mode(void)
{
	struct vlapic a;

	fresh(&a);
	vlapic_write(&a, LVT_TIMER_REG, ONESHOT | 0x26);
	vlapic_set_tsc_deadline(&a, tsc + 100);
	CHECK(a.tsc_deadline == 0);
	CHECK(vlapic_next_event(&a) == 0);
	tsc += 1000;
	vlapic_tick(&a, tsc);
	CHECK(irr_empty(&a));

	/* Nor does it disturb a running one-shot count. */
	vlapic_write(&a, TDCR, 0xb);
	vlapic_write(&a, TMICT, 300);
	vlapic_set_tsc_deadline(&a, tsc + 10);
	CHECK(vlapic_next_event(&a) == tsc + 300);
	CHECK(a.tsc_deadline == 0);

	vlapic_write(&a, LVT_TIMER_REG, PERIODIC | 0x26);
	vlapic_set_tsc_deadline(&a, tsc + 10);
	CHECK(a.tsc_deadline == 0);
	CHECK(vlapic_next_event(&a) == 0);
}

static void next_event_tracks_the_timer(void)
{
	struct vlapic a;

	fresh(&a);
	CHECK(vlapic_next_event(&a) == 0);
	vlapic_write(&a, LVT_TIMER_REG, 0x27);
	vlapic_write(&a, TDCR, 0x3);		/* divide by 16 */
	vlapic_write(&a, TMICT, 10);
	CHECK(vlapic_next_event(&a) == tsc + 160);
	tsc += 160;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(vlapic_pending(&a) == 0x27);
	vlapic_accept(&a, 0x27);
	vlapic_write(&a, EOI, 0);
	/* The timer runs even while the APIC is software-disabled. */
	vlapic_write(&a, SVR, 0xff);
	vlapic_write(&a, TMICT, 10);
	CHECK(vlapic_next_event(&a) == tsc + 160);
	tsc += 160;
	vlapic_tick(&a, tsc);
	CHECK(vlapic_next_event(&a) == 0);
	CHECK(irr_empty(&a));			/* LVT forced masked */
}

int main(void)
{
	RUN(timer_one_shot_fires_once_for_each_divisor);
	RUN(timer_one_shot_rearm_and_stop);
	RUN(divide_change_while_counting_keeps_the_count);
	RUN(timer_periodic_rearms_and_skips_missed_periods);
	RUN(masked_timer_counts_but_raises_nothing);
	RUN(changing_timer_mode_stops_it);
	RUN(tsc_deadline_mode);
	RUN(tsc_deadline_ignored_outside_deadline_mode);
	RUN(next_event_tracks_the_timer);
	return CHECK_DONE();
}
