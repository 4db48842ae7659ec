/* The split virtqueue, device side (virtio/virtq_split.c, reached through
 * virtq.h with q->split set): enabling it, and the interrupts and
 * notifications that the ring flags and event indices decide.
 *
 * The queue is driven by the split-ring driver model of
 * tests/support/virtq_split_fixture.c over vq_driver.h's fake guest
 * memory: 1 MiB at GPA 0, every region a calloc'd block of exactly its
 * size, so AddressSanitizer reports any device access past the end of
 * guest RAM. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/vq_driver.h"
#include "tests/support/virtq_split_fixture.h"

#include "hv/guest/gmem.h"
#include "virtio/virtq.h"

/* --- enabling -------------------------------------------------------- */

static void enable_refuses_bad_split_rings(void)
{
	/* The queue size must be a power of 2 for the split layout. */
	CHECK(setup(12, false, false) == -1);
	CHECK(!Q.enabled);
	CHECK(logstub_has("power of 2"));
	CHECK(setup(1, false, false) == 0);
	CHECK(setup(256, false, false) == 0);

	/* Alignment: table 16, available ring 2, used ring 4. */
	setup(16, false, false);
	vq_reset(&Q);
	logstub_clear();
	Q.split = true;
	Q.size = 16;
	Q.desc_gpa = DESC + 8;
	Q.driver_gpa = AVAIL;
	Q.device_gpa = USED;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled && logstub_has("misaligned"));
	Q.desc_gpa = DESC;
	Q.driver_gpa = AVAIL + 1;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	Q.driver_gpa = AVAIL + 2;
	CHECK(vq_enable(&Q, &M.gm) == 0);
	vq_reset(&Q);
	Q.split = true;
	Q.size = 16;
	Q.desc_gpa = DESC;
	Q.driver_gpa = AVAIL;
	Q.device_gpa = USED + 2;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled && !Q.desc && !Q.drv_evt && !Q.dev_evt);
	Q.device_gpa = USED + 4;
	CHECK(vq_enable(&Q, &M.gm) == 0);

	/* Each part in a RAM region of exactly its size works; one byte
	 * short (the last field, used_event or avail_event, past the end)
	 * does not.  Regions are exact calloc'd blocks, so ASan would also
	 * catch an access past them. */
	fm_free(&M);
	fm_init(&M, FM_RAM_SIZE);
	fm_add(&M, 0x200000, 16 * 16);	    /* table */
	fm_add(&M, 0x300000, 6 + 2 * 16);   /* available ring */
	fm_add(&M, 0x400000, 6 + 8 * 16);   /* used ring */
	fm_add(&M, 0x500000, 16 * 16 - 1);
	fm_add(&M, 0x600000, 6 + 2 * 16 - 1);
	fm_add(&M, 0x700000, 6 + 8 * 16 - 1);
	vq_reset(&Q);
	logstub_clear();
	Q.split = true;
	Q.size = 16;
	Q.desc_gpa = 0x200000;
	Q.driver_gpa = 0x300000;
	Q.device_gpa = 0x700000; /* the used ring ends one byte past RAM */
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(logstub_has("outside guest RAM"));
	Q.driver_gpa = 0x600000; /* used_event past RAM */
	Q.device_gpa = 0x400000;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	Q.desc_gpa = 0x500000;
	Q.driver_gpa = 0x300000;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	Q.desc_gpa = 0x200000;
	Q.device_gpa = 0x800000; /* no RAM at all */
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled);
	/* All exact: enabled, and a request with EVENT_IDX (which writes
	 * avail_event, the used ring's last two bytes) stays inside. */
	Q.device_gpa = 0x400000;
	Q.event_idx = true;
	CHECK(vq_enable(&Q, &M.gm) == 0);
	{
		struct sbuf b = { BUF, 8, SF_WRITE };

		sd_init(&D, &M, 16, 0x200000, 0x300000, 0x400000);
		sd_chain(&D, 15, &b, 1);
		sd_publish(&D, 15);
		CHECK(serve(8) == 1 && C.id == 15 && !C.bad);
		CHECK(sd_used_idx(&D) == 1 && sd_avail_event(&D) == 1);
		CHECK(vq_need_interrupt(&Q));
	}

	/* The table ending one descriptor past the end of RAM. */
	setup(16, false, false);
	vq_reset(&Q);
	Q.split = true;
	Q.size = 16;
	Q.desc_gpa = RAM_END - 16 * 16 + 16;
	Q.driver_gpa = AVAIL;
	Q.device_gpa = USED;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	Q.desc_gpa = RAM_END - 16 * 16;
	CHECK(vq_enable(&Q, &M.gm) == 0);
}

/* --- interrupts (2.7.7) ---------------------------------------------- */

static void no_interrupt_flag_suppresses_interrupts_without_event_idx(void)
{
	setup(8, false, false);
	CHECK(!vq_need_interrupt(&Q)); /* nothing used yet */
	sd_set_avail_flags(&D, AVAIL_F_NO_INTERRUPT);
	CHECK(round_trip());
	CHECK(!vq_need_interrupt(&Q));
	CHECK(round_trip());
	CHECK(!vq_need_interrupt(&Q));
	/* Interrupts back on: the pending used buffers are signalled. */
	sd_set_avail_flags(&D, 0);
	CHECK(vq_need_interrupt(&Q));
	CHECK(!vq_need_interrupt(&Q)); /* and nothing new since */
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
	/* used_event means nothing without EVENT_IDX. */
	sd_set_used_event(&D, 100);
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
}

static void used_event_decides_interrupts_with_event_idx(void)
{
	setup(8, false, true);
	/* used_event 0: the first buffer used (at used index 0). */
	sd_set_used_event(&D, 0);
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
	/* used_event 4: not for the buffers at 1, 2 and 3; for the one at
	 * 4 (used->idx 5). */
	sd_set_used_event(&D, 4);
	for (int k = 1; k <= 3; k++) {
		CHECK(round_trip());
		CHECK(!vq_need_interrupt(&Q));
	}
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
	/* Left behind: no more interrupts. */
	CHECK(round_trip());
	CHECK(!vq_need_interrupt(&Q));
	/* Passed inside a batch (buffers at 6, 7, 8; event 7). */
	sd_set_used_event(&D, 7);
	CHECK(round_trip());
	CHECK(round_trip());
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
	CHECK(!vq_need_interrupt(&Q));
	/* The avail flags' NO_INTERRUPT bit is ignored with EVENT_IDX. */
	sd_set_avail_flags(&D, AVAIL_F_NO_INTERRUPT);
	sd_set_used_event(&D, 9);
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
	/* An event just behind the last signal does not fire either. */
	sd_set_avail_flags(&D, 0);
	sd_set_used_event(&D, 9);
	CHECK(round_trip());
	CHECK(!vq_need_interrupt(&Q));
}

static void used_event_works_across_the_16_bit_wrap(void)
{
	setup(8, false, true);
	sd_start_at(&D, &Q, 0xfff0);
	sd_set_used_event(&D, 0xfff0);
	CHECK(round_trip());
	CHECK(vq_need_interrupt(&Q));
	/* Event at 0x0001: every buffer from 0xfff1 to 0x0000 is quiet,
	 * though their indices are numerically above it. */
	sd_set_used_event(&D, 0x0001);
	bool quiet = true;

	while (sd_used_idx(&D) != 0x0001) {
		CHECK(round_trip());
		quiet = quiet && !vq_need_interrupt(&Q);
	}
	CHECK(quiet);
	CHECK(round_trip()); /* the buffer at 0x0001 */
	CHECK(sd_used_idx(&D) == 0x0002);
	CHECK(vq_need_interrupt(&Q));
	/* An event behind the last signal (0xfff8) does not fire. */
	sd_set_used_event(&D, 0xfff8);
	CHECK(round_trip());
	CHECK(!vq_need_interrupt(&Q));
}

/* --- notifications (2.7.10) ------------------------------------------ */

static void no_notify_flag_follows_set_notify_without_event_idx(void)
{
	setup(8, false, false);
	/* Whatever was in the used ring's flags, enable asks for
	 * notifications. */
	vq_reset(&Q);
	fm_fill(&M, USED, 0xff, 2);
	CHECK(program(8, false, false) == 0);
	CHECK(sd_used_flags(&D) == 0);
	CHECK(sd_used_idx(&D) == 0);
	vq_set_notify(&Q, false);
	CHECK(sd_used_flags(&D) == USED_F_NO_NOTIFY);
	CHECK(sd_used_idx(&D) == 0); /* the index next to it untouched */
	/* The ring still works with notifications off. */
	CHECK(round_trip());
	CHECK(sd_used_flags(&D) == USED_F_NO_NOTIFY);
	vq_set_notify(&Q, true);
	CHECK(sd_used_flags(&D) == 0);
	CHECK(sd_used_idx(&D) == 1);
}

/* Polled by an I/O core: NO_NOTIFY from enable on without EVENT_IDX, and
 * with it avail_event is never moved to invite the next notification. */
static void polled_queue_never_asks_for_notifications(void)
{
	struct sbuf b = { BUF, 8, SF_WRITE };

	setup(8, false, false);
	Q.polled = true;
	vq_reset(&Q);
	CHECK(program(8, false, false) == 0);
	CHECK(sd_used_flags(&D) == USED_F_NO_NOTIFY);
	vq_set_notify(&Q, true);
	CHECK(sd_used_flags(&D) == USED_F_NO_NOTIFY);
	CHECK(round_trip());

	setup(8, false, true);
	Q.polled = true;
	vq_reset(&Q);
	sd_poke_avail_event(&D, 0);
	CHECK(program(8, false, true) == 0);
	CHECK(sd_used_flags(&D) == 0); /* 2.7.10.2: 0 with EVENT_IDX */
	for (uint16_t i = 0; i < 3; i++) {
		sd_chain(&D, i, &b, 1);
		sd_publish(&D, i);
		CHECK(vq_pop(&Q, &C) == 1 && C.id == i);
	}
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(sd_avail_event(&D) == 0);
}

static void avail_event_follows_the_device_with_event_idx(void)
{
	struct sbuf b = { BUF, 8, SF_WRITE };

	setup(8, false, true);
	vq_reset(&Q);
	sd_poke_avail_event(&D, 0xbeef);
	fm_fill(&M, USED, 0xff, 2);
	CHECK(program(8, false, true) == 0);
	CHECK(sd_avail_event(&D) == 0);
	CHECK(sd_used_flags(&D) == 0);

	for (uint16_t i = 0; i < 3; i++) {
		sd_chain(&D, i, &b, 1);
		sd_publish(&D, i);
	}
	for (uint16_t i = 1; i <= 3; i++) {
		CHECK(vq_pop(&Q, &C) == 1);
		CHECK(sd_avail_event(&D) == i);
	}
	/* An empty ring: avail_event is (re)written at next_avail, even if
	 * the driver scribbled on it. */
	sd_poke_avail_event(&D, 0x7777);
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(sd_avail_event(&D) == 3);

	/* Notifications off: avail_event is left behind; flags stay 0
	 * (2.7.10.2: with EVENT_IDX the device MUST set flags to 0). */
	vq_set_notify(&Q, false);
	CHECK(sd_used_flags(&D) == 0);
	sd_chain(&D, 3, &b, 1);
	sd_publish(&D, 3);
	CHECK(vq_pop(&Q, &C) == 1 && C.id == 3);
	CHECK(sd_avail_event(&D) == 3);
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(sd_avail_event(&D) == 3);
	/* On again: at next_avail at once. */
	vq_set_notify(&Q, true);
	CHECK(sd_used_flags(&D) == 0);
	CHECK(sd_avail_event(&D) == 4);

	/* Across the 16-bit wrap. */
	setup(8, false, true);
	sd_start_at(&D, &Q, 0xfffe);
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(sd_avail_event(&D) == 0xfffe);
	for (uint16_t i = 0; i < 3; i++) {
		sd_chain(&D, i, &b, 1);
		sd_publish(&D, i);
	}
	CHECK(vq_pop(&Q, &C) == 1 && sd_avail_event(&D) == 0xffff);
	CHECK(vq_pop(&Q, &C) == 1 && sd_avail_event(&D) == 0x0000);
	CHECK(vq_pop(&Q, &C) == 1 && sd_avail_event(&D) == 0x0001);
	CHECK(vq_pop(&Q, &C) == 0 && sd_avail_event(&D) == 0x0001);
}

int main(void)
{
	/* Lines survive a sanitizer abort in the middle of a test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(enable_refuses_bad_split_rings);
	RUN(no_interrupt_flag_suppresses_interrupts_without_event_idx);
	RUN(used_event_decides_interrupts_with_event_idx);
	RUN(used_event_works_across_the_16_bit_wrap);
	RUN(no_notify_flag_follows_set_notify_without_event_idx);
	RUN(avail_event_follows_the_device_with_event_idx);
	RUN(polled_queue_never_asks_for_notifications);
	fm_free(&M);
	return CHECK_DONE();
}
