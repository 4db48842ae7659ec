/* The split virtqueue, device side (virtio/virtq_split.c, reached through
 * virtq.h with q->split set): the chains it takes: good ones, a broken
 * ring structure that stalls the queue, bad buffers that are refused, and
 * indirect tables.
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

/* --- good chains ----------------------------------------------------- */

static void good_chain_pops_with_the_head_index_as_its_id(void)
{
	struct sbuf b[] = {
		{ BUF, 16, 0 },			   /* request header */
		{ BUF + 0x100, 512, SF_WRITE },	   /* data */
		{ BUF + 0x400, 1, SF_WRITE },	   /* status */
	};
	const uint16_t idx[] = { 5, 9, 2 };
	uint8_t hdr[16], out[16], data[113], back[200] = { 0 };
	uint32_t id, len;

	CHECK(setup(16, false, false) == 0);
	CHECK(Q.enabled && Q.split);
	for (unsigned i = 0; i < sizeof(hdr); i++)
		hdr[i] = (uint8_t)(0xa0 + i);
	fm_put(&M, BUF, hdr, sizeof(hdr));
	/* The used ring full of garbage: the id is written as 32 bits. */
	fm_fill(&M, USED + 4, 0xff, 8 * 16);

	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(!vq_avail(&Q));
	sd_chain_at(&D, idx, b, 3);
	sd_publish(&D, 5);
	CHECK(vq_avail(&Q));
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL);
	CHECK(C.id == 5);
	CHECK(C.ndesc >= 1 && C.ndesc <= 16);
	CHECK(C.nseg == 3);
	CHECK(C.seg[0].gpa == BUF && C.seg[0].len == 16 && !C.seg[0].write);
	CHECK(C.seg[0].host == M.ram + BUF);
	CHECK(C.seg[1].gpa == BUF + 0x100 && C.seg[1].len == 512
	      && C.seg[1].write && C.seg[1].host == M.ram + BUF + 0x100);
	CHECK(C.seg[2].gpa == BUF + 0x400 && C.seg[2].len == 1
	      && C.seg[2].write && C.seg[2].host == M.ram + BUF + 0x400);
	CHECK(C.out_bytes == 16 && C.in_bytes == 513);
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x400);
	CHECK(Q.next_avail == 1);
	CHECK(Q.st.requests == 1);
	/* Taken once. */
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(!vq_avail(&Q));

	/* Reading the readable side, writing the writable side across its
	 * segment boundary, and short at the ends. */
	memset(out, 0, sizeof(out));
	CHECK(vq_chain_read(&C, 0, out, sizeof(out)) == 16);
	CHECK(!memcmp(out, hdr, 16));
	CHECK(vq_chain_read(&C, 10, out, 16) == 6);
	CHECK(!memcmp(out, hdr + 10, 6));
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	CHECK(vq_chain_write(&C, 400, data, sizeof(data)) == 113);
	CHECK(!memcmp(M.ram + BUF + 0x100 + 400, data, 112));
	CHECK(fm_byte(&M, BUF + 0x400) == data[112]);
	CHECK(fm_all(&M, BUF + 0x100, 0, 400));
	CHECK(vq_chain_write(&C, 500, back, sizeof(back)) == 13);
	CHECK(!memcmp(M.ram + BUF, hdr, 16)); /* readable side untouched */

	/* The used element {id, len} at ring position 0, then used->idx. */
	vq_push(&Q, C.id, C.ndesc, 77);
	sd_used_elem(&D, 0, &id, &len);
	CHECK(id == 5 && len == 77);
	CHECK(sd_used_idx(&D) == 1);
	CHECK(sd_used_flags(&D) == 0);
	CHECK(Q.next_used == 1);
	/* Nothing else in the used ring moved. */
	CHECK(fm_all(&M, USED + 12, 0xff, 8 * 15));
	CHECK(sd_get_used(&D, &id, &len) && id == 5 && len == 77);
	CHECK(!sd_get_used(&D, NULL, NULL));
}

static void chains_in_flight_complete_out_of_order(void)
{
	struct sbuf one = { BUF, 8, SF_WRITE };
	struct sbuf two[] = { { BUF + 0x100, 16, 0 },
			      { BUF + 0x200, 8, SF_WRITE } };
	struct vq_chain a, b, c;
	uint32_t id, len;

	setup(8, false, false);
	sd_chain(&D, 0, &one, 1);
	sd_chain(&D, 1, two, 2);
	sd_chain(&D, 6, &one, 1);
	sd_publish(&D, 6);
	sd_publish(&D, 1);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &a) == 1 && a.id == 6 && !a.bad);
	CHECK(vq_pop(&Q, &b) == 1 && b.id == 1 && !b.bad && b.nseg == 2);
	CHECK(vq_pop(&Q, &c) == 1 && c.id == 0 && !c.bad);
	CHECK(vq_pop(&Q, &C) == 0);
	/* Completed in another order: used elements in completion order. */
	vq_push(&Q, b.id, b.ndesc, 8);
	vq_push(&Q, c.id, c.ndesc, 3);
	CHECK(sd_get_used(&D, &id, &len) && id == 1 && len == 8);
	CHECK(sd_get_used(&D, &id, &len) && id == 0 && len == 3);
	CHECK(!sd_get_used(&D, NULL, NULL));
	/* The freed descriptors are reused while 6 is still out. */
	sd_chain(&D, 0, two, 2);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &b) == 1 && b.id == 0 && b.nseg == 2 && !b.bad);
	vq_push(&Q, b.id, b.ndesc, 5);
	vq_push(&Q, a.id, a.ndesc, 1);
	CHECK(sd_get_used(&D, &id, &len) && id == 0 && len == 5);
	CHECK(sd_get_used(&D, &id, &len) && id == 6 && len == 1);
	CHECK(sd_used_idx(&D) == 4 && Q.next_used == 4 && Q.next_avail == 4);
	CHECK(!Q.stalled);
}

static void indices_run_free_across_the_16_bit_wrap(void)
{
	unsigned done = 0;
	bool ok = true;

	setup(8, false, false);
	sd_start_at(&D, &Q, 0xfff0);
	/* Batches of 1 to 8 (a full ring), completed in reverse, through
	 * 65535 -> 0 and on. */
	for (unsigned batch = 1; done < 60; batch = batch % 8 + 1) {
		struct vq_chain got[8];

		for (unsigned k = 0; k < batch; k++) {
			uint16_t head = (uint16_t)((D.avail_idx + 3) & 7);
			struct sbuf b = { BUF + 0x100 * head, 8, SF_WRITE };

			sd_chain(&D, head, &b, 1);
			sd_add(&D, head);
		}
		sd_set_avail_idx(&D, D.avail_idx);
		for (unsigned k = 0; k < batch; k++) {
			uint16_t want = (uint16_t)((D.avail_idx - batch + k + 3)
						   & 7);

			ok = ok && vq_pop(&Q, &got[k]) == 1 && !got[k].bad
			     && got[k].id == want
			     && got[k].seg[0].gpa == BUF + 0x100 * want;
		}
		ok = ok && vq_pop(&Q, &C) == 0;
		for (unsigned k = batch; k-- > 0;)
			vq_push(&Q, got[k].id, got[k].ndesc, k);
		for (unsigned k = batch; k-- > 0;) {
			uint32_t id, len;

			ok = ok && sd_get_used(&D, &id, &len) && id == got[k].id
			     && len == k;
		}
		done += batch;
	}
	CHECK(ok);
	CHECK(!Q.stalled);
	CHECK(Q.next_avail == (uint16_t)(0xfff0 + done));
	CHECK(Q.next_used == (uint16_t)(0xfff0 + done));
	CHECK(sd_used_idx(&D) == (uint16_t)(0xfff0 + done));
	CHECK(Q.next_avail < 0x100); /* it did wrap */
}

/* --- broken ring structure: the queue stalls ------------------------- */

static void loop_in_the_descriptor_chain_stalls_until_reset(void)
{
	struct sbuf b = { BUF, 8, SF_WRITE };

	setup(8, false, false);
	sd_desc(&D, 2, BUF, 16, SF_NEXT, 3);
	sd_desc(&D, 3, BUF + 0x100, 8, SF_NEXT | SF_WRITE, 2);
	sd_publish(&D, 2);
	sd_chain(&D, 4, &b, 1);
	sd_publish(&D, 4);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
	CHECK(Q.st.stalls == 1);
	CHECK(Q.next_avail == 0);
	/* Not even when the driver mends the chain. */
	sd_desc(&D, 3, BUF + 0x100, 8, SF_WRITE, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.st.stalls == 1);

	/* Only a reset and a new enable start it again. */
	vq_reset(&Q);
	CHECK(!Q.stalled && !Q.enabled);
	sd_init(&D, &M, 8, DESC, AVAIL, USED);
	CHECK(program(8, false, false) == 0);
	CHECK(round_trip());
}

static void chain_longer_than_the_queue_stalls(void)
{
	struct sbuf b[4] = { { BUF, 8, 0 },
			     { BUF + 0x100, 8, 0 },
			     { BUF + 0x200, 8, SF_WRITE },
			     { BUF + 0x300, 8, SF_WRITE } };

	/* A chain of exactly the queue size is fine. */
	setup(4, false, false);
	sd_chain(&D, 1, b, 4);
	sd_publish(&D, 1);
	CHECK(vq_pop(&Q, &C) == 1 && !C.bad && C.id == 1 && C.nseg == 4);
	CHECK(C.in_bytes == 16 && C.out_bytes == 16);

	/* 0 -> 1 -> 2 -> 3 -> 1 -> ...: the loop does not pass the head. */
	setup(4, false, false);
	sd_desc(&D, 0, BUF, 8, SF_NEXT, 1);
	sd_desc(&D, 1, BUF, 8, SF_NEXT, 2);
	sd_desc(&D, 2, BUF, 8, SF_NEXT, 3);
	sd_desc(&D, 3, BUF, 8, SF_NEXT, 1);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
	CHECK(logstub_has("longer than the queue"));
}

static void next_beyond_the_table_stalls(void)
{
	setup(16, false, false);
	sd_desc(&D, 0, BUF, 8, SF_NEXT, 16);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
	CHECK(logstub_has("next descriptor beyond"));

	setup(16, false, false);
	sd_desc(&D, 0, BUF, 8, SF_NEXT, 0xffff);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
}

static void head_beyond_the_table_stalls(void)
{
	setup(16, false, false);
	sd_desc(&D, 0, BUF, 8, SF_WRITE, 0);
	sd_publish(&D, 16);
	sd_publish(&D, 0);
	CHECK(vq_avail(&Q));
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
	CHECK(logstub_has("head descriptor beyond"));

	setup(16, false, false);
	sd_publish(&D, 0xffff);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
}

static void avail_index_more_than_the_queue_size_ahead_stalls(void)
{
	struct sbuf b = { BUF, 8, SF_WRITE };

	/* Exactly the queue size ahead: a full ring, all taken. */
	setup(8, false, false);
	for (uint16_t i = 0; i < 8; i++) {
		sd_chain(&D, i, &b, 1);
		sd_publish(&D, i);
	}
	for (uint16_t i = 0; i < 8; i++)
		CHECK(vq_pop(&Q, &C) == 1 && C.id == i && !C.bad);
	CHECK(vq_pop(&Q, &C) == 0 && !Q.stalled);

	/* One more, every ring entry naming a good chain all the same. */
	setup(8, false, false);
	for (uint16_t i = 0; i < 8; i++) {
		sd_chain(&D, i, &b, 1);
		sd_add(&D, i);
	}
	sd_set_avail_idx(&D, 9);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
	CHECK(logstub_has("available index more than the queue size ahead"));

	/* An index that went backwards is 65535 ahead. */
	setup(8, false, false);
	sd_chain(&D, 0, &b, 1);
	sd_publish(&D, 0);
	CHECK(serve(8) == 1);
	sd_set_avail_idx(&D, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.stalled && logstub_has("stalled"));
	CHECK(vq_pop(&Q, &C) == -1);

	/* Across the wrap too: 0xfff8 + 9. */
	setup(8, false, false);
	sd_start_at(&D, &Q, 0xfff8);
	for (uint16_t i = 0; i < 8; i++) {
		sd_chain(&D, i, &b, 1);
		sd_add(&D, i);
	}
	sd_set_avail_idx(&D, (uint16_t)(0xfff8 + 9));
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.stalled);
}

/* --- bad buffers: the chain is refused, the ring runs on ------------- */

static void buffer_straddling_the_end_of_ram_is_refused(void)
{
	struct sbuf b[] = { { BUF, 16, 0 },
			    { RAM_END - 8, 16, SF_WRITE },
			    { BUF + 0x100, 1, SF_WRITE } };
	uint32_t id;

	setup(16, false, false);
	sd_chain(&D, 3, b, 3);
	sd_publish(&D, 3);
	CHECK(popped_bad(3, "outside guest RAM"));
	/* The status buffer after it is still known for the error. */
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x100);
	for (unsigned i = 0; i < C.nseg; i++)
		CHECK(C.seg[i].gpa != RAM_END - 8);
	vq_push(&Q, C.id, C.ndesc, 0);
	CHECK(sd_get_used(&D, &id, NULL) && id == 3);

	/* As the last buffer: no status buffer either. */
	b[2] = b[1];
	sd_chain(&D, 3, b, 3);
	sd_publish(&D, 3);
	CHECK(popped_bad(3, "outside guest RAM"));
	CHECK(!C.last_ok);

	/* Ending at the last byte of RAM is fine. */
	b[1] = (struct sbuf){ RAM_END - 16, 16, SF_WRITE };
	sd_chain(&D, 0, b, 2);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &C) == 1 && !C.bad && C.in_bytes == 16);
	CHECK(C.seg[1].host == M.ram + RAM_END - 16);
	CHECK(round_trip());
}

static void buffer_address_that_wraps_is_refused(void)
{
	struct sbuf b[] = { { BUF, 16, 0 },
			    { 0xfffffffffffffff0ull, 0x20, SF_WRITE } };

	setup(16, false, false);
	sd_chain(&D, 9, b, 2);
	sd_publish(&D, 9);
	CHECK(popped_bad(9, "wraps"));
	CHECK(C.nseg == 1 && C.in_bytes == 0 && !C.last_ok);
	CHECK(round_trip());
}

static void zero_length_buffer_is_refused(void)
{
	struct sbuf b[] = { { BUF, 0, 0 }, { BUF + 0x100, 4, SF_WRITE } };

	setup(16, false, false);
	sd_chain(&D, 2, b, 2);
	sd_publish(&D, 2);
	CHECK(popped_bad(2, "zero-length"));
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x100);
	CHECK(round_trip());
}

static void readable_buffer_after_a_writable_one_is_refused(void)
{
	struct sbuf b[] = { { BUF + 0x100, 64, SF_WRITE }, { BUF, 16, 0 } };

	setup(16, false, false);
	sd_chain(&D, 4, b, 2);
	sd_publish(&D, 4);
	CHECK(popped_bad(4, "readable buffer after a writable one"));
	CHECK(C.out_bytes == 0);
	CHECK(round_trip());
}

/* --- indirect tables (2.7.5.3) --------------------------------------- */

static void indirect_table_is_walked_by_next_within_the_table(void)
{
	uint32_t id, len;

	setup(16, true, false);
	/* Entries in the order 0 -> 2 -> 1. */
	sd_tentry(&M, TABLE, 0, BUF, 16, SF_NEXT, 2);
	sd_tentry(&M, TABLE, 2, BUF + 0x100, 64, SF_NEXT | SF_WRITE, 1);
	sd_tentry(&M, TABLE, 1, BUF + 0x200, 8, SF_WRITE, 0);
	sd_desc(&D, 3, TABLE, 48, SF_INDIRECT, 0);
	sd_publish(&D, 3);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL);
	CHECK(C.id == 3);
	CHECK(C.nseg == 3);
	CHECK(C.seg[0].gpa == BUF && C.seg[0].len == 16 && !C.seg[0].write);
	CHECK(C.seg[1].gpa == BUF + 0x100 && C.seg[1].len == 64
	      && C.seg[1].write);
	CHECK(C.seg[2].gpa == BUF + 0x200 && C.seg[2].len == 8
	      && C.seg[2].write);
	CHECK(C.out_bytes == 16 && C.in_bytes == 72);
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x200);
	vq_push(&Q, C.id, C.ndesc, 72);
	CHECK(sd_get_used(&D, &id, &len) && id == 3 && len == 72);

	/* A table whose entry 0 ends the chain uses only that entry. */
	sd_tentry(&M, TABLE, 0, BUF, 16, SF_WRITE, 2);
	sd_publish(&D, 3);
	CHECK(vq_pop(&Q, &C) == 1 && !C.bad && C.nseg == 1);
	CHECK(C.in_bytes == 16);
}

static void indirect_descriptor_without_the_feature_is_refused(void)
{
	setup(16, false, false);
	sd_tentry(&M, TABLE, 0, BUF, 16, 0, 0);
	sd_desc(&D, 6, TABLE, 16, SF_INDIRECT, 0);
	sd_publish(&D, 6);
	CHECK(popped_bad(6, "not negotiated"));
	CHECK(C.nseg == 0 && !C.last_ok);
	CHECK(round_trip());
}

static void indirect_descriptor_with_next_is_refused(void)
{
	setup(16, true, false);
	sd_tentry(&M, TABLE, 0, BUF, 16, SF_WRITE, 0);
	sd_desc(&D, 1, TABLE, 16, SF_INDIRECT | SF_NEXT, 2);
	sd_desc(&D, 2, BUF + 0x100, 1, SF_WRITE, 0);
	sd_publish(&D, 1);
	CHECK(popped_bad(1, "chained"));
	CHECK(!C.last_ok);
	CHECK(round_trip());
}

static void indirect_table_length_not_a_multiple_of_16_is_refused(void)
{
	setup(16, true, false);
	sd_tentry(&M, TABLE, 0, BUF, 16, SF_NEXT, 1);
	sd_tentry(&M, TABLE, 1, BUF + 0x100, 8, SF_WRITE, 0);
	sd_desc(&D, 0, TABLE, 24, SF_INDIRECT, 0);
	sd_publish(&D, 0);
	CHECK(popped_bad(0, "length"));
	CHECK(!C.last_ok);
	sd_desc(&D, 0, TABLE, 0, SF_INDIRECT, 0);
	sd_publish(&D, 0);
	CHECK(popped_bad(0, NULL));
	CHECK(!C.last_ok);
	CHECK(round_trip());
}

/* A table longer than the device takes is refused before it is walked:
 * its entries (all NEXT, a loop the walk would otherwise follow to the
 * end of the table) are never read. */
static void indirect_table_longer_than_the_device_takes_is_refused(void)
{
	setup(16, true, false);
	for (uint16_t i = 0; i < VQ_MAX_SEGS + 1; i++)
		sd_tentry(&M, TABLE, i, BUF, 16, SF_NEXT, i);
	sd_desc(&D, 0, TABLE, 16 * (VQ_MAX_SEGS + 1), SF_INDIRECT, 0);
	sd_publish(&D, 0);
	CHECK(popped_bad(0, "indirect table too long"));
	CHECK(!C.last_ok && C.nseg == 0);
	CHECK(round_trip());
}

static void indirect_table_outside_ram_is_refused(void)
{
	setup(16, true, false);
	/* Straddling the end of RAM (the in-RAM half holds a good entry). */
	sd_tentry(&M, RAM_END - 16, 0, BUF, 8, SF_WRITE | SF_NEXT, 1);
	sd_desc(&D, 5, RAM_END - 16, 32, SF_INDIRECT, 0);
	sd_publish(&D, 5);
	CHECK(popped_bad(5, "indirect table outside guest RAM"));
	CHECK(!C.last_ok && C.nseg == 0);
	/* Wholly outside, and wrapping. */
	sd_desc(&D, 5, RAM_END, 16, SF_INDIRECT, 0);
	sd_publish(&D, 5);
	CHECK(popped_bad(5, "outside"));
	CHECK(!C.last_ok);
	sd_desc(&D, 5, 0xfffffffffffffff0ull, 32, SF_INDIRECT, 0);
	sd_publish(&D, 5);
	CHECK(popped_bad(5, "outside"));
	CHECK(!C.last_ok);
	CHECK(round_trip());
}

static void indirect_table_inside_an_indirect_table_is_never_followed(void)
{
	setup(16, true, false);
	/* Entry 1 is a nested table outside RAM: following it would read
	 * (or refuse) memory that is not there. */
	sd_tentry(&M, TABLE, 0, BUF, 16, SF_NEXT, 1);
	sd_tentry(&M, TABLE, 1, 0xffffffff00000000ull, 32,
		  SF_INDIRECT | SF_NEXT, 2);
	sd_tentry(&M, TABLE, 2, BUF + 0x100, 1, SF_WRITE, 0);
	sd_desc(&D, 7, TABLE, 48, SF_INDIRECT, 0);
	sd_publish(&D, 7);
	CHECK(popped_bad(7, "indirect table inside an indirect table"));
	CHECK(!C.last_ok);
	for (unsigned i = 0; i < C.nseg; i++)
		CHECK(C.seg[i].gpa != 0xffffffff00000000ull);

	/* A nested table in RAM with a good buffer: that buffer is never
	 * part of the chain. */
	sd_tentry(&M, TABLE + 0x800, 0, BUF + 0x2000, 64, SF_WRITE, 0);
	sd_tentry(&M, TABLE, 1, TABLE + 0x800, 16, SF_INDIRECT, 0);
	sd_publish(&D, 7);
	CHECK(popped_bad(7, "indirect table inside an indirect table"));
	CHECK(!C.last_ok);
	CHECK(C.in_bytes == 0);
	for (unsigned i = 0; i < C.nseg; i++)
		CHECK(C.seg[i].gpa != BUF + 0x2000);
	CHECK(round_trip());
}

static void loop_inside_an_indirect_table_is_refused(void)
{
	setup(16, true, false);
	sd_tentry(&M, TABLE, 0, BUF, 16, SF_NEXT, 1);
	sd_tentry(&M, TABLE, 1, BUF + 0x100, 8, SF_NEXT | SF_WRITE, 0);
	sd_desc(&D, 2, TABLE, 32, SF_INDIRECT, 0);
	sd_publish(&D, 2);
	CHECK(popped_bad(2, "loop"));
	CHECK(!C.last_ok);
	/* A table entry pointing at itself. */
	sd_tentry(&M, TABLE, 0, BUF + 0x100, 8, SF_NEXT | SF_WRITE, 0);
	sd_publish(&D, 2);
	CHECK(popped_bad(2, "loop"));
	CHECK(!C.last_ok);
	CHECK(round_trip());
}

static void next_beyond_an_indirect_table_is_refused(void)
{
	setup(16, true, false);
	sd_tentry(&M, TABLE, 0, BUF + 0x100, 8, SF_NEXT | SF_WRITE, 2);
	sd_tentry(&M, TABLE, 1, BUF + 0x200, 8, SF_WRITE, 0);
	/* Entry 2 is in RAM, but not in this 2-entry table. */
	sd_tentry(&M, TABLE, 2, BUF + 0x300, 8, SF_WRITE, 0);
	sd_desc(&D, 11, TABLE, 32, SF_INDIRECT, 0);
	sd_publish(&D, 11);
	CHECK(popped_bad(11, "next beyond the indirect table"));
	CHECK(!C.last_ok);
	for (unsigned i = 0; i < C.nseg; i++)
		CHECK(C.seg[i].gpa != BUF + 0x300);
	CHECK(round_trip());
}

int main(void)
{
	/* Lines survive a sanitizer abort in the middle of a test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(good_chain_pops_with_the_head_index_as_its_id);
	RUN(chains_in_flight_complete_out_of_order);
	RUN(indices_run_free_across_the_16_bit_wrap);
	RUN(loop_in_the_descriptor_chain_stalls_until_reset);
	RUN(chain_longer_than_the_queue_stalls);
	RUN(next_beyond_the_table_stalls);
	RUN(head_beyond_the_table_stalls);
	RUN(avail_index_more_than_the_queue_size_ahead_stalls);
	RUN(buffer_straddling_the_end_of_ram_is_refused);
	RUN(buffer_address_that_wraps_is_refused);
	RUN(zero_length_buffer_is_refused);
	RUN(readable_buffer_after_a_writable_one_is_refused);
	RUN(indirect_table_is_walked_by_next_within_the_table);
	RUN(indirect_descriptor_without_the_feature_is_refused);
	RUN(indirect_descriptor_with_next_is_refused);
	RUN(indirect_table_length_not_a_multiple_of_16_is_refused);
	RUN(indirect_table_longer_than_the_device_takes_is_refused);
	RUN(indirect_table_outside_ram_is_refused);
	RUN(indirect_table_inside_an_indirect_table_is_never_followed);
	RUN(loop_inside_an_indirect_table_is_refused);
	RUN(next_beyond_an_indirect_table_is_refused);
	fm_free(&M);
	return CHECK_DONE();
}
