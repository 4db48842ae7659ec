/* Attacks on the rings themselves, for both devices and both layouts:
 * buffers, chains, indirect tables, split indices, packed wrap counters
 * and buffer ids.  The request queue is blk's 0 and net's 1 (transmit).
 * Also the good request both devices share (struct payload). */
#include <stdio.h>
#include <string.h>

#include "hostile.h"

#define T 500 /* ms to wait for a request the device should refuse */

void payload(struct ctx *c, struct payload *p)
{
	struct dev *d = c->d;

	if (d->kind == BLK) {
		struct buf h = alloc_buf(16);

		memset(h.va, 0, 16); /* IN, sector 0 */
		protect(h.va, 16);
		p->data = alloc_buf(512);
		struct buf st = alloc_buf(1);

		p->s[0] = (struct seg){ h.pa, 16, 0 };
		p->s[1] = (struct seg){ p->data.pa, 512, D_WRITE };
		p->s[2] = (struct seg){ st.pa, 1, D_WRITE };
		p->n = 3;
		p->st = st.va;
	} else {
		struct buf f = net_frame(d, 60);

		protect(f.va, f.len);
		p->s[0] = (struct seg){ f.pa, NET_HDR, 0 };
		p->s[1] = (struct seg){ f.pa + NET_HDR, 60, 0 };
		p->n = 2;
		p->st = NULL;
		p->data = (struct buf){ 0 };
	}
}

void payload_chain(struct payload *p, struct chain *ch)
{
	ch_init(ch);
	for (int i = 0; i < p->n; i++)
		ch_add(ch, p->s[i].pa, p->s[i].len, p->s[i].flags);
}

/* What the device should have done with a good payload. */
int payload_ok(struct ctx *c, struct payload *p, uint16_t id)
{
	uint32_t len = 0;

	if (!wait_used(c->d, c->qi, id, &len, 3000))
		return fail(c, "a good request never completed");
	if (c->d->kind == BLK
	    && (*p->st != BLK_S_OK || len != 513
		|| memcmp(p->data.va, c->d->ref, 512)))
		return fail(c, "a good request: status %u, used length %u%s",
			    *p->st, len,
			    memcmp(p->data.va, c->d->ref, 512) ? ", wrong data"
							       : "");
	return 0;
}

/* A payload whose data is refused: judged as a refusal. */
int payload_refused(struct ctx *c, struct payload *p, uint16_t id)
{
	if (c->d->kind == BLK)
		return expect_refused(c, id, p->st, &p->data, T);
	return expect_tx_refused(c, id, T);
}

/* --- bad buffers ---------------------------------------------------- */

/* blk reads sector 0 into (pa, len); net sends (pa, len) as the frame. */
static int bad_buffer(struct ctx *c, uint64_t pa, uint32_t len)
{
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	p.s[1].pa = pa;
	p.s[1].len = len;
	payload_chain(&p, &ch);
	uint16_t id = submit(c->d, c->qi, &ch);

	if (c->d->kind == BLK)
		return expect_refused(c, id, p.st, NULL, T);
	return expect_tx_refused(c, id, T);
}

static int a_buf_outside_ram(struct ctx *c)
{
	return bad_buffer(c, 0x4000000000ull, 512);
}
static int a_buf_wraps(struct ctx *c)
{
	return bad_buffer(c, 0xfffffffffffffe00ull, 0x400);
}
static int a_buf_straddles_end(struct ctx *c)
{
	return bad_buffer(c, ram_top - 256, 512);
}
static int a_buf_past_end(struct ctx *c)
{
	return bad_buffer(c, ram_top, 512);
}
static int a_buf_in_own_bar(struct ctx *c)
{
	return bad_buffer(c, c->d->bar_pa + 0x200, 256);
}
static int a_buf_over_lapic(struct ctx *c)
{
	return bad_buffer(c, 0xfee00000ull, 512);
}
static int a_buf_zero_len(struct ctx *c)
{
	struct buf b = alloc_buf(512);

	return bad_buffer(c, b.pa, 0);
}
static int a_buf_len_4g(struct ctx *c)
{
	struct buf b = alloc_buf(512);

	return bad_buffer(c, b.pa, 0xffffffffu);
}

/* --- chains ----------------------------------------------------------- */

static int a_desc_loop(struct ctx *c)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];
	struct payload p;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	if (!q->packed) {
		/* a -> b -> a */
		sdesc(q, 0, p.s[0].pa, p.s[0].len, D_NEXT | p.s[0].flags, 1);
		sdesc(q, 1, p.s[1].pa, p.s[1].len, D_NEXT | p.s[1].flags, 0);
		split_publish(q, 0);
	} else {
		/* Every descriptor of the ring says NEXT: a chain that wraps
		 * onto itself. */
		for (uint16_t i = q->size; i-- > 0;)
			pdesc(q, i, p.s[0].pa, p.s[0].len, 7,
			      D_NEXT | D_AVAIL | p.s[0].flags);
	}
	kick(d, c->qi);
	return wait_any(c, 0, T);
}

static int a_desc_self_loop(struct ctx *c)
{
	struct vq *q = &c->d->q[c->qi];
	struct payload p;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	if (!q->packed) {
		sdesc(q, 5, p.s[0].pa, p.s[0].len, D_NEXT, 5);
		split_publish(q, 5);
	} else {
		/* A chain of size - 1 NEXTs whose last slot is not
		 * available: the device must not run past it. */
		for (uint16_t i = q->size - 1; i-- > 0;)
			pdesc(q, i, p.s[0].pa, p.s[0].len, 3, D_NEXT | D_AVAIL);
	}
	kick(c->d, c->qi);
	return wait_any(c, 0, T);
}

/* More descriptors than the device takes (130), none of them a loop. */
static int a_chain_overlong(struct ctx *c)
{
	struct setup s = { .qsize = 256 };
	struct payload p;
	struct chain ch;

	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up with 256 entries failed");
	payload(c, &p);
	ch_init(&ch);
	ch_add(&ch, p.s[0].pa, p.s[0].len, p.s[0].flags);
	struct buf small = alloc_buf(200 * 4);

	for (int i = 0; i < 200; i++)
		ch_add(&ch, small.pa + 4u * i, 4,
		       c->d->kind == BLK ? D_WRITE : 0);
	if (c->d->kind == BLK)
		ch_add(&ch, p.s[2].pa, 1, D_WRITE);
	uint16_t id = submit(c->d, c->qi, &ch);

	if (c->d->kind == BLK)
		return expect_refused(c, id, p.st, &small, T);
	return expect_tx_refused(c, id, T);
}

/* A chain exactly as long as the ring: legal, and it must work. */
static int a_chain_whole_ring(struct ctx *c)
{
	struct setup s = { .qsize = 16 };
	struct payload p;
	struct chain ch;
	uint32_t len = 0;

	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up with 16 entries failed");
	payload(c, &p);
	ch_init(&ch);
	ch_add(&ch, p.s[0].pa, p.s[0].len, 0);
	if (c->d->kind == BLK) {
		for (int i = 0; i < 13; i++)
			ch_add(&ch, p.data.pa + 32u * i, 32, D_WRITE);
		ch_add(&ch, p.data.pa + 416, 96, D_WRITE);
		ch_add(&ch, p.s[2].pa, 1, D_WRITE);
	} else {
		for (int i = 0; i < 15; i++)
			ch_add(&ch, p.s[1].pa + 4u * i, 4, 0);
	}
	uint16_t id = submit(c->d, c->qi, &ch);

	if (!wait_used(c->d, c->qi, id, &len, 3000))
		return fail(c, "a chain of the ring's size never completed");
	if (c->d->kind == BLK && (*p.st || memcmp(p.data.va, c->d->ref, 512)))
		return fail(c, "a chain of the ring's size: status %u", *p.st);
	return 0;
}

static int a_write_before_read(struct ctx *c)
{
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	if (c->d->kind == BLK) {
		/* header writable, data readable, status writable */
		p.s[0].flags = D_WRITE;
		p.s[1].flags = 0;
		protect(p.data.va, 512);
	} else
		p.s[0].flags = D_WRITE;
	payload_chain(&p, &ch);
	uint16_t id = submit(c->d, c->qi, &ch);

	if (c->d->kind == BLK)
		return expect_refused(c, id, p.st, NULL, T);
	return expect_tx_refused(c, id, T);
}

/* --- indirect tables --------------------------------------------------- */

/* Posts one INDIRECT descriptor (addr, len, extra flags). */
static uint16_t post_indirect(struct ctx *c, uint64_t addr, uint32_t len,
			      uint16_t extra)
{
	struct chain ch;

	ch_init(&ch);
	ch_add(&ch, addr, len, D_INDIRECT | extra);
	ch.raw_next = true;
	return submit(c->d, c->qi, &ch);
}

static int indirect_case(struct ctx *c, int how)
{
	struct setup s = { 0 };
	struct payload p;

	if (how == 5)
		s.feat_clear = BIT(F_INDIRECT);
	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up: failed");
	payload(c, &p);
	struct buf t = indirect_table(c->d, p.s, p.n, true);
	uint16_t id;

	switch (how) {
	case 0: /* legal */
		id = post_indirect(c, t.pa, t.len, 0);
		return payload_ok(c, &p, id);
	case 1: { /* nested: the table's first entry is another table */
		struct seg inner = { t.pa, t.len, D_INDIRECT };
		struct buf outer = indirect_table(c->d, &inner, 1, true);

		id = post_indirect(c, outer.pa, outer.len, 0);
		break;
	}
	case 2: { /* INDIRECT with NEXT, then another descriptor */
		struct chain ch;

		ch_init(&ch);
		ch.raw_next = true;
		ch_add(&ch, t.pa, t.len, D_INDIRECT | D_NEXT);
		ch_add(&ch, p.s[p.n - 1].pa, p.s[p.n - 1].len,
		       p.s[p.n - 1].flags);
		id = submit(c->d, c->qi, &ch);
		break;
	}
	case 3: /* length not a multiple of 16 */
		id = post_indirect(c, t.pa, t.len - 8, 0);
		break;
	case 4: /* length 0 */
		id = post_indirect(c, t.pa, 0, 0);
		break;
	case 5: /* not negotiated */
		id = post_indirect(c, t.pa, t.len, 0);
		break;
	case 6: /* huge: 4096 entries */
		id = post_indirect(c, t.pa, 65536, 0);
		break;
	case 7: /* huge: wraps */
		id = post_indirect(c, t.pa, 0xfffffff0u, 0);
		break;
	case 8: /* outside RAM */
		id = post_indirect(c, 0x4000000000ull, t.len, 0);
		break;
	case 9: /* in the device's own BAR */
		id = post_indirect(c, c->d->bar_pa, 48, 0);
		break;
	case 10: { /* an entry outside RAM */
		struct seg s2[3];

		memcpy(s2, p.s, sizeof(s2));
		s2[1].pa = 0x4000000000ull;
		struct buf t2 = indirect_table(c->d, s2, p.n, true);

		id = post_indirect(c, t2.pa, t2.len, 0);
		break;
	}
	case 11: { /* a direct descriptor, then an INDIRECT one */
		struct chain ch;

		ch_init(&ch);
		ch_add(&ch, p.s[0].pa, p.s[0].len, p.s[0].flags);
		struct buf t3 = indirect_table(c->d, p.s + 1, p.n - 1, true);

		ch_add(&ch, t3.pa, t3.len, D_INDIRECT);
		id = submit(c->d, c->qi, &ch);
		return wait_any(c, id, T);
	}
	case 12: /* straddles the end of RAM */
		id = post_indirect(c, ram_top - 16, 48, 0);
		break;
	case 13: /* the table's own descriptor says WRITE (ignored) */
		id = post_indirect(c, t.pa, t.len, D_WRITE);
		return wait_any(c, id, T);
	default:
		return fail(c, "no such case");
	}
	return payload_refused(c, &p, id);
}

static int a_ind_legal(struct ctx *c)
{
	return indirect_case(c, 0);
}
static int a_ind_nested(struct ctx *c)
{
	return indirect_case(c, 1);
}
static int a_ind_next(struct ctx *c)
{
	return indirect_case(c, 2);
}
static int a_ind_len_odd(struct ctx *c)
{
	return indirect_case(c, 3);
}
static int a_ind_len_zero(struct ctx *c)
{
	return indirect_case(c, 4);
}
static int a_ind_not_negotiated(struct ctx *c)
{
	return indirect_case(c, 5);
}
static int a_ind_huge(struct ctx *c)
{
	return indirect_case(c, 6);
}
static int a_ind_wraps(struct ctx *c)
{
	return indirect_case(c, 7);
}
static int a_ind_outside_ram(struct ctx *c)
{
	return indirect_case(c, 8);
}
static int a_ind_in_bar(struct ctx *c)
{
	return indirect_case(c, 9);
}
static int a_ind_entry_bad(struct ctx *c)
{
	return indirect_case(c, 10);
}
static int a_ind_after_direct(struct ctx *c)
{
	return indirect_case(c, 11);
}
static int a_ind_straddles_end(struct ctx *c)
{
	return indirect_case(c, 12);
}
static int a_ind_write_flag(struct ctx *c)
{
	return indirect_case(c, 13);
}

/* Split only: a table whose entries loop, or point past its end. */
static int split_table_case(struct ctx *c, int how)
{
	struct payload p;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	struct buf t = indirect_table(c->d, p.s, p.n, true);
	/* entry 1's next: back to 0 (a loop), or far beyond the table */
	memcpy(t.va + 16 + 14, how ? (uint16_t[]){ 40 } : (uint16_t[]){ 0 }, 2);
	uint16_t f = D_NEXT | p.s[1].flags;

	memcpy(t.va + 16 + 12, &f, 2);
	reprotect(t.va, t.len);
	uint16_t id = post_indirect(c, t.pa, t.len, 0);

	return payload_refused(c, &p, id);
}
static int a_ind_loop(struct ctx *c)
{
	return split_table_case(c, 0);
}
static int a_ind_next_beyond(struct ctx *c)
{
	return split_table_case(c, 1);
}

/* --- split: indices ---------------------------------------------------- */

static int split_index_case(struct ctx *c, int how)
{
	struct vq *q = &c->d->q[c->qi];
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	payload_chain(&p, &ch);
	switch (how) {
	case 0: { /* head beyond the table */
		post(c->d, c->qi, &ch);
		uint16_t bad = (uint16_t)(q->size + 5);

		memcpy(q->drv.va + 4 + 2u * ((q->avail_idx - 1) % q->size),
		       &bad, 2);
		break;
	}
	case 1: /* next beyond the table */
		sdesc(q, 0, p.s[0].pa, p.s[0].len, D_NEXT, 1000);
		split_publish(q, 0);
		break;
	case 2: /* avail index more than the queue size ahead */
		post(c->d, c->qi, &ch);
		q->avail_idx = (uint16_t)(q->size + 7);
		__atomic_store_n((uint16_t *)(q->drv.va + 2), q->avail_idx,
				 __ATOMIC_RELEASE);
		break;
	case 3: /* avail index half the index space ahead */
		post(c->d, c->qi, &ch);
		q->avail_idx = 0x8001;
		__atomic_store_n((uint16_t *)(q->drv.va + 2), q->avail_idx,
				 __ATOMIC_RELEASE);
		break;
	case 4: { /* the same head published twice */
		uint16_t head = post(c->d, c->qi, &ch);

		split_publish(q, head);
		kick(c->d, c->qi);
		wait_any(c, head, T);
		wait_any(c, head, 200);
		return 0;
	}
	case 5: /* avail index exactly the queue size ahead: legal */
		for (int i = 0; i < q->size; i++) {
			payload(c, &p);
			payload_chain(&p, &ch);
			post(c->d, c->qi, &ch);
		}
		kick(c->d, c->qi);
		return payload_ok(
			c, &p,
			(uint16_t)((q->next_desc + q->size - p.n) % q->size));
	}
	kick(c->d, c->qi);
	return wait_any(c, 0, T);
}
static int a_head_beyond(struct ctx *c)
{
	return split_index_case(c, 0);
}
static int a_next_beyond(struct ctx *c)
{
	return split_index_case(c, 1);
}
static int a_avail_jump(struct ctx *c)
{
	return split_index_case(c, 2);
}
static int a_avail_jump_half(struct ctx *c)
{
	return split_index_case(c, 3);
}
static int a_avail_dup_head(struct ctx *c)
{
	return split_index_case(c, 4);
}
static int a_avail_full(struct ctx *c)
{
	return split_index_case(c, 5);
}

/* --- packed: wrap counters and buffer ids ------------------------------ */

static int packed_case(struct ctx *c, int how)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];
	struct payload p, p2;
	struct chain ch;
	uint16_t id;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	payload_chain(&p, &ch);
	switch (how) {
	case 0: /* AVAIL and USED both set on the first lap: looks used */
	case 1: /* AVAIL clear, USED set: available on the second lap */
		for (int i = p.n - 1; i >= 0; i--)
			pdesc(q, (uint16_t)i, p.s[i].pa, p.s[i].len, 9,
			      (uint16_t)(p.s[i].flags
					 | (i + 1 < p.n ? D_NEXT : 0)
					 | (how ? D_USED : D_AVAIL | D_USED)));
		uint8_t before[16];

		memcpy(before, q->desc.va, 16);
		kick(d, c->qi);
		pause_us(100000);
		if (memcmp(before, q->desc.va, 16)
		    || (p.st && *p.st != PATTERN))
			return fail(c, "a descriptor with the wrong wrap bits "
				       "was taken");
		/* Now make it available properly, over the same slots. */
		id = post(d, c->qi, &ch);
		kick(d, c->qi);
		return payload_ok(c, &p, id);
	case 2: { /* two chains in flight under the same id */
		payload(c, &p2);
		struct chain ch2;

		payload_chain(&p2, &ch2);
		ch.id = ch2.id = 77;
		ch.id_set = ch2.id_set = true;
		post(d, c->qi, &ch);
		post(d, c->qi, &ch2);
		kick(d, c->qi);
		if (!wait_used(d, c->qi, 77, NULL, 3000))
			return fail(c, "chains with one id never completed");
		pause_us(100000);
		reap(d, c->qi);
		if (d->kind == BLK && (*p.st != BLK_S_OK || *p2.st != BLK_S_OK))
			return fail(c, "chains with one id: status %u and %u",
				    *p.st, *p2.st);
		return 0;
	}
	case 3: /* id 0xffff */
		ch.id = 0xffff;
		ch.id_set = true;
		id = submit(d, c->qi, &ch);
		return payload_ok(c, &p, id);
	case 4: { /* the second slot made available before the first */
		uint16_t save = q->avail_pos;
		bool wrap = q->avail_wrap;

		q->avail_pos = (uint16_t)(q->avail_pos + p.n);
		payload(c, &p2);
		struct chain ch2;

		payload_chain(&p2, &ch2);
		uint16_t id2 = submit(d, c->qi, &ch2);

		pause_us(100000);
		reap(d, c->qi);
		if (q->done[id2])
			return fail(c, "the device took a chain past a slot "
				       "that was not available");
		uint16_t after = q->avail_pos;
		bool after_wrap = q->avail_wrap;

		q->avail_pos = save;
		q->avail_wrap = wrap;
		id = submit(d, c->qi, &ch);
		q->avail_pos = after;
		q->avail_wrap = after_wrap;
		if (payload_ok(c, &p, id))
			return -1;
		return payload_ok(c, &p2, id2);
	}
	case 5: /* a chain across the ring's end whose tail keeps the old
		   wrap bits (never made available) */
		for (int i = 0; i < q->size - 1; i++) {
			payload(c, &p2);
			struct chain c2;

			payload_chain(&p2, &c2);
			c2.n = 1; /* one-descriptor requests to step ahead */
			if (d->kind == BLK) {
				c2.s[0] = (struct seg){ p2.s[0].pa, 16, 0 };
				id = submit(d, c->qi, &c2);
				wait_any(c, id, T);
			} else {
				c2.s[0].len = NET_HDR + 60;
				id = submit(d, c->qi, &c2);
				wait_any(c, id, T);
			}
			if (q->avail_pos == q->size - 1)
				break;
		}
		/* Now at the last slot: head there, tail at slot 0 with
		 * the previous lap's bits. */
		pdesc(q, 0, p.s[1].pa, p.s[1].len, 5,
		      (uint16_t)(p.s[1].flags | D_AVAIL
				 | (p.n > 2 ? D_NEXT : 0)));
		pdesc(q, q->avail_pos, p.s[0].pa, p.s[0].len, 5,
		      (uint16_t)(D_NEXT | (q->avail_wrap ? D_AVAIL : D_USED)));
		q->ndesc[5] = 2;
		kick(d, c->qi);
		return wait_any(c, 5, T);
	case 6: /* many laps of the ring: legal */
		for (int i = 0; i < 3 * q->size; i++) {
			payload(c, &p);
			payload_chain(&p, &ch);
			id = submit(d, c->qi, &ch);
			if (payload_ok(c, &p, id))
				return -1;
		}
		return 0;
	}
	return fail(c, "no such case");
}
static int a_wrap_both_bits(struct ctx *c)
{
	return packed_case(c, 0);
}
static int a_wrap_next_lap(struct ctx *c)
{
	return packed_case(c, 1);
}
static int a_id_duplicate(struct ctx *c)
{
	return packed_case(c, 2);
}
static int a_id_ffff(struct ctx *c)
{
	return packed_case(c, 3);
}
static int a_skip_slot(struct ctx *c)
{
	return packed_case(c, 4);
}
static int a_wrap_mid_chain(struct ctx *c)
{
	return packed_case(c, 5);
}
static int a_many_laps(struct ctx *c)
{
	return packed_case(c, 6);
}

#define A(n, f, dv, r, m, x)                                                   \
	{                                                                      \
		n, dv, r, m, x, f                                              \
	}
#define FQ (M_FULL | M_QUICK)
const struct attack attacks_ring[] = {
	A("buf-outside-ram", a_buf_outside_ram, D_BOTH, R_BOTH, FQ, X_ALIVE),
	A("buf-wraps-2^64", a_buf_wraps, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("buf-straddles-ram-end", a_buf_straddles_end, D_BOTH, R_BOTH, FQ,
	  X_ALIVE),
	A("buf-just-past-ram", a_buf_past_end, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("buf-in-own-bar", a_buf_in_own_bar, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("buf-over-lapic", a_buf_over_lapic, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("buf-zero-length", a_buf_zero_len, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("buf-length-4g", a_buf_len_4g, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("desc-loop", a_desc_loop, D_BOTH, R_BOTH, FQ, X_ANY),
	A("desc-self-loop", a_desc_self_loop, D_BOTH, R_BOTH, M_FULL, X_ANY),
	A("chain-overlong", a_chain_overlong, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("chain-whole-ring", a_chain_whole_ring, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("writable-before-readable", a_write_before_read, D_BOTH, R_BOTH,
	  M_FULL, X_ALIVE),
	A("indirect-legal", a_ind_legal, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("indirect-nested", a_ind_nested, D_BOTH, R_BOTH, FQ, X_ALIVE),
	A("indirect-with-next", a_ind_next, D_BOTH, R_BOTH, M_FULL, X_ANY),
	A("indirect-len-not-16x", a_ind_len_odd, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("indirect-len-zero", a_ind_len_zero, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("indirect-not-negotiated", a_ind_not_negotiated, D_BOTH, R_BOTH, FQ,
	  X_ALIVE),
	A("indirect-huge", a_ind_huge, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("indirect-len-wraps", a_ind_wraps, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("indirect-outside-ram", a_ind_outside_ram, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("indirect-in-own-bar", a_ind_in_bar, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("indirect-entry-outside-ram", a_ind_entry_bad, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("indirect-after-direct", a_ind_after_direct, D_BOTH, R_BOTH, M_FULL,
	  X_ANY),
	A("indirect-straddles-ram-end", a_ind_straddles_end, D_BOTH, R_BOTH,
	  M_FULL, X_ALIVE),
	A("indirect-write-flag", a_ind_write_flag, D_BOTH, R_BOTH, M_FULL,
	  X_ANY),
	A("indirect-loop", a_ind_loop, D_BOTH, R_SPLIT, M_FULL, X_ANY),
	A("indirect-next-beyond", a_ind_next_beyond, D_BOTH, R_SPLIT, M_FULL,
	  X_ANY),
	A("head-beyond-table", a_head_beyond, D_BOTH, R_SPLIT, FQ, X_ANY),
	A("next-beyond-table", a_next_beyond, D_BOTH, R_SPLIT, M_FULL, X_ANY),
	A("avail-index-jump", a_avail_jump, D_BOTH, R_SPLIT, FQ, X_ANY),
	A("avail-index-jump-half", a_avail_jump_half, D_BOTH, R_SPLIT, M_FULL,
	  X_ANY),
	A("avail-duplicate-head", a_avail_dup_head, D_BOTH, R_SPLIT, M_FULL,
	  X_ANY),
	A("avail-whole-ring", a_avail_full, D_BOTH, R_SPLIT, M_FULL, X_ALIVE),
	A("wrap-bits-both-set", a_wrap_both_bits, D_BOTH, R_PACKED, FQ,
	  X_ALIVE),
	A("wrap-bits-next-lap", a_wrap_next_lap, D_BOTH, R_PACKED, M_FULL,
	  X_ALIVE),
	A("buffer-id-duplicate", a_id_duplicate, D_BOTH, R_PACKED, M_FULL,
	  X_ANY),
	A("buffer-id-ffff", a_id_ffff, D_BOTH, R_PACKED, M_FULL, X_ALIVE),
	A("slot-skipped", a_skip_slot, D_BOTH, R_PACKED, M_FULL, X_ALIVE),
	A("wrap-stale-chain-tail", a_wrap_mid_chain, D_BOTH, R_PACKED, M_FULL,
	  X_ANY),
	A("ring-many-laps", a_many_laps, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
};
const int n_attacks_ring = sizeof(attacks_ring) / sizeof(attacks_ring[0]);
