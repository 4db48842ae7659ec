/* Attacks on the device's state around the rings, for both devices and
 * both layouts: kicks before DRIVER_OK and after a reset, queue set-up
 * (sizes, addresses, alignment, overlap), descriptors rewritten in flight,
 * the device's own DMA aimed at its ring, floods past the batch bound,
 * resets with requests in flight, EVENT_IDX garbage, MSI-X vectors. */
#include <stdio.h>
#include <string.h>

#include "hostile.h"

#define T 500 /* ms to wait for a request the device should refuse */

/* --- the device's state: kicks, queue set-up ---------------------------- */

static int a_kick_before_driver_ok(struct ctx *c)
{
	struct setup s = { .no_driver_ok = true };
	struct payload p;
	struct chain ch;

	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up failed");
	payload(c, &p);
	payload_chain(&p, &ch);
	uint16_t id = submit(c->d, c->qi, &ch);

	pause_us(200000);
	reap(c->d, c->qi);
	if (c->d->q[c->qi].done[id] || (p.st && *p.st != PATTERN))
		return fail(c, "a request was served before DRIVER_OK");
	status_set(c->d, S_DRIVER_OK);
	kick(c->d, c->qi);
	return payload_ok(c, &p, id);
}

static int after_stop_case(struct ctx *c, int how)
{
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	payload_chain(&p, &ch);
	uint16_t id = post(c->d, c->qi, &ch);
	struct vq *q = &c->d->q[c->qi];

	if (how == 0) {
		if (dev_reset(c->d))
			return fail(c, "reset never completed");
	} else
		status_set(c->d, S_FAILED);
	/* Whatever the device does now must not touch the old rings. */
	protect(q->desc.va, q->desc.len);
	protect(q->dev.va, q->dev.len);
	if (p.st)
		protect(p.st, 1);
	kick(c->d, c->qi);
	kick(c->d, 0);
	pause_us(200000);
	(void)id;
	return 0;
}
static int a_kick_after_reset(struct ctx *c)
{
	return after_stop_case(c, 0);
}
static int a_kick_after_failed(struct ctx *c)
{
	return after_stop_case(c, 1);
}

static int a_notify_bad_queue(struct ctx *c)
{
	struct dev *d = c->d;

	if (std_setup(c))
		return -1;
	/* Queue numbers the device does not have, at the right slot and
	 * at slots past the queues, then everywhere in the notify area. */
	w16(d, d->notify, 0xffff);
	w16(d, d->notify, 5);
	w16(d, d->notify + 4 * 5, 5);
	w16(d, d->notify + 4 * 100, 0);
	w32(d, d->notify + 0xffc, 0xffffffff);
	w8(d, d->notify + 0x7ff, 1);
	return 0;
}

static int a_notify_odd_size(struct ctx *c)
{
	struct dev *d = c->d;
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	payload_chain(&p, &ch);
	uint16_t id = post(d, c->qi, &ch);
	uint32_t at = d->notify + (uint32_t)c->qi * d->notify_mult;

	w8(d, at + 1, 0xff);
	w64(d, at, 0xffffffffffffffffull);
	w32(d, at + 2, 0); /* unaligned */
	w8(d, at, (uint8_t)c->qi);
	return payload_ok(c, &p, id);
}

/* Queue set-up games: a refused value, then the right one works. */
static int queue_case(struct ctx *c, int how)
{
	struct dev *d = c->d;
	struct setup s = { .no_driver_ok = true };
	struct vq *q = &d->q[c->qi];
	uint16_t want = 64;

	s.skip_q[c->qi] = true;
	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up failed");
	queue_alloc(q, c->packed, 64);
	queue_program(d, c->qi);
	switch (how) {
	case 0:
		cw16(d, C_QSIZE, 0);
		break;
	case 1:
		cw16(d, C_QSIZE, 100);
		break;
	case 2:
		cw16(d, C_QSIZE, 1024);
		break;
	case 3: /* descriptor ring misaligned */
		cw64(d, C_QDESC, q->desc.pa + 8);
		break;
	case 4: /* driver area misaligned */
		cw64(d, C_QDRIVER, q->drv.pa + 1);
		break;
	case 5: /* in the device's own BAR */
		cw64(d, C_QDESC, d->bar_pa);
		break;
	case 6: /* over the LAPIC */
		cw64(d, C_QDESC, 0xfee00000ull);
		break;
	case 7: /* outside RAM */
		cw64(d, C_QDESC, 0x100000000ull);
		break;
	case 8: /* straddles the end of RAM */
		cw64(d, C_QDESC, ram_top - 512);
		break;
	case 9: /* device area outside RAM, written as two halves, high
		   first */
		cw32(d, C_QDEVICE + 4, 0x40);
		cw32(d, C_QDEVICE, 0);
		break;
	case 10: /* driver area over the LAPIC */
		cw64(d, C_QDRIVER, 0xfee00000ull);
		break;
	case 11: /* address wraps 2^64 */
		cw64(d, C_QDESC, 0xfffffffffffff000ull);
		break;
	}
	cw16(d, C_QENABLE, 1);
	uint16_t en = cr16(d, C_QENABLE), sz = cr16(d, C_QSIZE);

	if (how == 1 && c->packed) {
		/* 100 is a fine size for a packed ring. */
		if (!en)
			return fail(c, "packed ring of 100 not enabled");
		want = 100;
		queue_alloc(q, true, 100);
		/* Enabled with the 64-entry rings' addresses: start over
		 * with a reset. */
		if (dev_setup(d, true, &(struct setup){ .qsize = 100 }))
			return fail(c, "set-up with 100 entries failed");
		goto run;
	}
	if (how == 2) {
		if (sz > d->qmax)
			return fail(c, "queue size 1024 reads back %u", sz);
		if (!en)
			return fail(c, "clamped queue not enabled");
		queue_alloc(q, c->packed, sz);
		if (dev_setup(d, c->packed, &(struct setup){ .qsize = sz }))
			return fail(c, "set-up with %u entries failed", sz);
		want = sz;
		goto run;
	}
	if (how == 9) {
		if (en)
			return fail(c, "a device area outside RAM was taken");
	} else if (en)
		return fail(c, "queue enabled (size %u)", sz);
	/* Now correctly. */
	queue_alloc(q, c->packed, 64);
	queue_program(d, c->qi);
	cw16(d, C_QENABLE, 1);
	if (cr16(d, C_QENABLE) != 1)
		return fail(c, "a good queue was refused after a bad one");
	status_set(d, S_DRIVER_OK);
run:;
	struct payload p;
	struct chain ch;

	for (int i = 0; i < want + 3; i++) {
		payload(c, &p);
		payload_chain(&p, &ch);
		uint16_t id = submit(d, c->qi, &ch);

		if (payload_ok(c, &p, id))
			return -1;
		if (i > 4 && how != 1)
			break;
	}
	return 0;
}
static int a_qsize_zero(struct ctx *c)
{
	return queue_case(c, 0);
}
static int a_qsize_100(struct ctx *c)
{
	return queue_case(c, 1);
}
static int a_qsize_over_max(struct ctx *c)
{
	return queue_case(c, 2);
}
static int a_ring_misaligned(struct ctx *c)
{
	return queue_case(c, 3);
}
static int a_drv_misaligned(struct ctx *c)
{
	return queue_case(c, 4);
}
static int a_ring_in_bar(struct ctx *c)
{
	return queue_case(c, 5);
}
static int a_ring_over_lapic(struct ctx *c)
{
	return queue_case(c, 6);
}
static int a_ring_outside_ram(struct ctx *c)
{
	return queue_case(c, 7);
}
static int a_ring_straddles_end(struct ctx *c)
{
	return queue_case(c, 8);
}
static int a_dev_area_halves(struct ctx *c)
{
	return queue_case(c, 9);
}
static int a_drv_over_lapic(struct ctx *c)
{
	return queue_case(c, 10);
}
static int a_ring_wraps(struct ctx *c)
{
	return queue_case(c, 11);
}

/* Queue fields written while the queue runs: ignored. */
static int a_queue_change_live(struct ctx *c)
{
	struct dev *d = c->d;
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	cw16(d, C_QSEL, (uint16_t)c->qi);
	cw16(d, C_QSIZE, 16);
	cw64(d, C_QDESC, 0);
	cw64(d, C_QDRIVER, 0xfee00000ull);
	cw32(d, C_QDEVICE + 4, 0xffffffff);
	cw16(d, C_QENABLE, 0);
	cw16(d, C_QENABLE, 1);
	if (cr16(d, C_QSIZE) != 64
	    || r64(d, d->common + C_QDESC) != d->q[c->qi].desc.pa)
		return fail(c, "queue fields changed while it ran: size %u",
			    cr16(d, C_QSIZE));
	payload(c, &p);
	payload_chain(&p, &ch);
	return payload_ok(c, &p, submit(d, c->qi, &ch));
}

/* Rings that overlap: the device may serve garbage, but only within
 * what it was given. */
static int overlap_case(struct ctx *c, int how)
{
	struct dev *d = c->d;
	struct setup s = { .no_driver_ok = true };
	struct vq *q = &d->q[c->qi];
	struct payload p;
	struct chain ch;

	s.skip_q[c->qi] = true;
	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up failed");
	queue_alloc(q, c->packed, 64);
	if (how == 0)
		q->drv = q->dev; /* driver and device areas on one place */
	else {
		/* the driver (split: available ring) area on the
		 * descriptors' second half */
		q->drv.va = q->desc.va + 512;
		q->drv.pa = q->desc.pa + 512;
	}
	queue_program(d, c->qi);
	cw16(d, C_QENABLE, 1);
	status_set(d, S_DRIVER_OK);
	payload(c, &p);
	payload_chain(&p, &ch);
	uint16_t id = submit(d, c->qi, &ch);

	return wait_any(c, id, T);
}
static int a_ring_overlap_areas(struct ctx *c)
{
	return overlap_case(c, 0);
}
static int a_ring_overlap_desc(struct ctx *c)
{
	return overlap_case(c, 1);
}

/* The descriptor rewritten after the notify, before the completion. */
static int a_rewrite_in_flight(struct ctx *c)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];
	struct payload p;
	struct chain ch;
	struct buf other = alloc_buf(4096);

	if (std_setup(c))
		return -1;
	payload(c, &p);
	payload_chain(&p, &ch);
	uint16_t pos = q->packed ? q->avail_pos : q->next_desc;
	uint16_t id = submit(d, c->qi, &ch);
	/* The data descriptor now points elsewhere, longer. */
	uint8_t *e = q->desc.va + 16u * (uint16_t)((pos + 1) % q->size);
	uint64_t a = 0x4000000000ull;

	memcpy(e, q->packed ? &other.pa : &a, 8);
	memcpy(e + 8, &(uint32_t){ 4096 }, 4);
	if (payload_ok(c, &p, id))
		return -1;
	for (uint32_t i = 0; i < other.len; i++)
		if (other.va[i] != PATTERN)
			return fail(c, "data went where the descriptor was "
				       "rewritten to point");
	return 0;
}

/* A reset with requests in flight: status reads 0 only once they are
 * done, and then nothing touches the old rings or buffers. */
static int a_reset_during_io(struct ctx *c)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];
	struct buf bufs[24];
	int n = 0;

	if (std_setup(c))
		return -1;
	for (int i = 0; i < 24; i++) {
		struct chain ch;

		ch_init(&ch);
		if (d->kind == BLK) {
			struct blkreq r;

			blk_build(d, &r, BLK_T_IN, 4096 + 128u * i, 65536,
				  false);
			bufs[n++] = r.data;
			ch = r.c;
		} else {
			struct buf f = net_frame(d, 1514);

			ch_buf(&ch, f, 0);
		}
		post(d, c->qi, &ch);
	}
	kick(d, c->qi);
	cw8(d, C_STATUS, 0);
	uint64_t end = now_ms() + 3000;

	while (cr8(d, C_STATUS)) {
		if (now_ms() > end)
			return fail(c, "device_status never read 0 after a "
				       "reset with requests in flight");
		pause_us(100);
	}
	/* From here on, nothing may change. */
	protect(q->desc.va, q->desc.len);
	protect(q->dev.va, q->dev.len);
	for (int i = 0; i < n; i++)
		protect(bufs[i].va, bufs[i].len);
	pause_us(300000);
	return 0;
}

/* MSI-X vectors the device does not have: NO_VECTOR reads back. */
static int a_msix_vector_range(struct ctx *c)
{
	struct dev *d = c->d;
	static const uint16_t bad[] = { 8, 9, 0x100, 0x7fff, 0xfffe };

	if (std_setup(c))
		return -1;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cw16(d, C_MSIX, bad[i]);
		if (cr16(d, C_MSIX) != NO_VECTOR)
			return fail(c, "config vector %u reads back %u", bad[i],
				    cr16(d, C_MSIX));
	}
	/* Queue vectors are fixed while the queue runs; set them up on a
	 * fresh device. */
	struct setup s = { .no_driver_ok = true };

	s.skip_q[c->qi] = true;
	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up failed");
	queue_alloc(&d->q[c->qi], c->packed, 64);
	queue_program(d, c->qi);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cw16(d, C_QMSIX, bad[i]);
		if (cr16(d, C_QMSIX) != NO_VECTOR)
			return fail(c, "queue vector %u reads back %u", bad[i],
				    cr16(d, C_QMSIX));
	}
	cw16(d, C_QMSIX, 7);
	cw16(d, C_QENABLE, 1);
	status_set(d, S_DRIVER_OK);
	return 0;
}

/* The device's own writes aimed at the ring: data over the descriptors,
 * the status byte on the head's flags (packed) or the available index
 * (split).  The ring is garbage afterwards; the device must cope. */
static int self_dma_case(struct ctx *c, int how)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];
	struct payload p;
	struct chain ch;

	if (std_setup(c))
		return -1;
	payload(c, &p);
	if (how == 0) /* 512 bytes of sector 0 over the descriptors */
		p.s[1] = (struct seg){ q->desc.pa, 512, D_WRITE };
	else if (q->packed) /* status on the head's flags */
		p.s[2] = (struct seg){ q->desc.pa + 16u * q->avail_pos + 14, 1,
				       D_WRITE };
	else /* status on the available index */
		p.s[2] = (struct seg){ q->drv.pa + 2, 1, D_WRITE };
	payload_chain(&p, &ch);
	uint16_t id = submit(d, c->qi, &ch);

	wait_any(c, id, T);
	kick(d, c->qi);
	return 0;
}
static int a_data_over_ring(struct ctx *c)
{
	return self_dma_case(c, 0);
}
static int a_status_over_ring(struct ctx *c)
{
	return self_dma_case(c, 1);
}

/* A ring of one entry: every request through an indirect table, the wrap
 * counter flipping each time. */
static int a_queue_size_1(struct ctx *c)
{
	struct setup s = { .qsize = 1 };
	struct payload p;

	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up with one entry failed");
	for (int i = 0; i < 5; i++) {
		payload(c, &p);
		struct buf t = indirect_table(c->d, p.s, p.n, true);
		struct chain ch;

		ch_init(&ch);
		ch_add(&ch, t.pa, t.len, D_INDIRECT);
		if (payload_ok(c, &p, submit(c->d, c->qi, &ch)))
			return -1;
	}
	/* And a direct chain longer than the ring. */
	payload(c, &p);
	struct chain ch;

	payload_chain(&p, &ch);
	submit(c->d, c->qi, &ch);
	return wait_any(c, 0, T);
}

/* Many requests at once: more than one pass over the ring takes (32
 * requests, 8 MiB), so the rest goes through the run loop's poll; with
 * `reset`, the device is reset with all of it in flight or waiting. */
static int flood_case(struct ctx *c, bool reset)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];
	struct setup s = { .qsize = 256 };
	enum { N = 40 };
	uint8_t *st[N];
	uint16_t id[N];
	struct buf data = alloc_buf(65536);

	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up with 256 entries failed");
	for (int i = 0; i < N; i++) {
		struct chain ch;

		ch_init(&ch);
		if (d->kind == BLK) {
			/* 1 MiB: 16 segments of 64 KiB, all one buffer */
			static struct seg sg[18];
			struct buf h = alloc_buf(16), b = alloc_buf(1);
			uint64_t sector = (uint64_t)i * 2048
					  % (d->capacity - 2048);

			memset(h.va, 0, 16);
			memcpy(h.va + 8, &sector, 8);
			sg[0] = (struct seg){ h.pa, 16, 0 };
			for (int k = 0; k < 16; k++)
				sg[1 + k] = (struct seg){ data.pa, 65536,
							  D_WRITE };
			sg[17] = (struct seg){ b.pa, 1, D_WRITE };
			struct buf t = indirect_table(d, sg, 18, true);

			ch_add(&ch, t.pa, t.len, D_INDIRECT);
			st[i] = b.va;
		} else {
			struct buf f = net_frame(d, 1514);

			ch_buf(&ch, f, 0);
			st[i] = NULL;
		}
		id[i] = post(d, c->qi, &ch);
	}
	/* Net: five times as many frames again, 250 in all. */
	if (d->kind == NET)
		for (int i = N; i < 250; i++) {
			struct chain ch;
			struct buf f = net_frame(d, 1514);

			ch_init(&ch);
			ch_buf(&ch, f, 0);
			post(d, c->qi, &ch);
		}
	kick(d, c->qi);
	if (reset) {
		cw8(d, C_STATUS, 0);
		uint64_t end = now_ms() + 10000;

		while (cr8(d, C_STATUS)) {
			if (now_ms() > end)
				return fail(c, "device_status never read 0");
			pause_us(200);
		}
		protect(q->desc.va, q->desc.len);
		protect(q->dev.va, q->dev.len);
		protect(data.va, data.len);
		pause_us(300000);
		return 0;
	}
	for (int i = 0; i < N; i++) {
		uint32_t len = 0;

		if (!wait_used(d, c->qi, id[i], &len, 10000))
			return fail(c,
				    "request %d of the flood never completed",
				    i);
		if (st[i] && (*st[i] != BLK_S_OK || len != (1u << 20) + 1))
			return fail(c, "request %d: status %u, used length %u",
				    i, *st[i], len);
	}
	if (d->kind == NET) {
		uint64_t end = now_ms() + 10000;

		/* The other 210 frames: all used. */
		for (;;) {
			int used = 0;

			reap(d, c->qi);
			for (int i = 0; i < 250; i++)
				used += q->done[i] != 0;
			if (used >= 210)
				break;
			if (now_ms() > end)
				return fail(c,
					    "only %d of 250 frames came back",
					    used + N);
			pause_us(1000);
		}
	}
	return 0;
}
static int a_flood(struct ctx *c)
{
	return flood_case(c, false);
}
static int a_flood_reset(struct ctx *c)
{
	return flood_case(c, true);
}

/* device_status written again while a reset waits for the backend: the
 * device must ignore it (and the queue), and finish the reset. */
static int a_reinit_during_reset(struct ctx *c)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[c->qi];

	if (std_setup(c))
		return -1;
	for (int i = 0; i < 24; i++) {
		struct chain ch;

		if (d->kind == BLK) {
			struct blkreq r;

			blk_build(d, &r, BLK_T_IN, 4096 + 128u * i, 65536,
				  false);
			ch = r.c;
		} else {
			struct buf f = net_frame(d, 1514);

			ch_init(&ch);
			ch_buf(&ch, f, 0);
		}
		post(d, c->qi, &ch);
	}
	kick(d, c->qi);
	cw8(d, C_STATUS, 0);
	cw8(d, C_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	cw16(d, C_QSEL, (uint16_t)c->qi);
	cw16(d, C_QENABLE, 1);
	kick(d, c->qi);
	/* Ignored while the reset waits; taken by the fresh device if the
	 * reset was already done: either way the device must not run on
	 * features nobody negotiated.  A reset still waiting reads as the
	 * old status, which is also what was written: wait until it reads
	 * something else (0 once the reset is over, or the fresh device's
	 * answer); a device that took the write keeps reading it. */
	const uint8_t old = S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK;
	uint8_t st = cr8(d, C_STATUS);

	for (uint64_t until = now_ms() + 5000;
	     st == old && now_ms() < until; st = cr8(d, C_STATUS))
		pause_us(100);
	if (st & (S_FEATURES_OK | S_DRIVER_OK))
		return fail(c,
			    "device_status 0x%02x: running without "
			    "negotiation",
			    st);
	if (cr16(d, C_QENABLE))
		return fail(c, "a queue enabled during the reset");
	cw8(d, C_STATUS, 0);
	uint64_t end = now_ms() + 5000;

	while (cr8(d, C_STATUS)) {
		if (now_ms() > end)
			return fail(c, "device_status never read 0 (0x%02x)",
				    cr8(d, C_STATUS));
		pause_us(100);
	}
	protect(q->desc.va, q->desc.len);
	protect(q->dev.va, q->dev.len);
	pause_us(200000);
	return 0;
}

/* EVENT_IDX with garbage in the driver's event structures: interrupts
 * are the device's guess; requests must still be served. */
static int a_event_idx_garbage(struct ctx *c)
{
	struct dev *d = c->d;
	struct setup s = { .feat_set = BIT(F_EVENT_IDX) };
	struct vq *q = &d->q[c->qi];

	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up with EVENT_IDX failed");
	if (q->packed)
		memset(q->drv.va, 0xff, 4);
	else {
		q->drv.va[0] = 0xff;
		q->drv.va[1] = 0xff;
		memset(q->drv.va + 4 + 2u * q->size, 0x80, 2);
	}
	for (int i = 0; i < 20; i++) {
		struct payload p;
		struct chain ch;

		payload(c, &p);
		payload_chain(&p, &ch);
		if (payload_ok(c, &p, submit(d, c->qi, &ch)))
			return -1;
		if (q->packed)
			memcpy(q->drv.va, &(uint32_t){ 0x0002ffffu * (i + 1) },
			       4);
	}
	return 0;
}

/* A queue enabled after DRIVER_OK (drivers must not; the device may
 * serve it or not, but must stay sane). */
static int a_queue_after_driver_ok(struct ctx *c)
{
	struct dev *d = c->d;
	struct setup s = { 0 };
	struct payload p;
	struct chain ch;

	s.skip_q[c->qi] = true;
	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up failed");
	if (queue_setup(d, c->qi, 64))
		return 0; /* refused: fine */
	payload(c, &p);
	payload_chain(&p, &ch);
	return payload_ok(c, &p, submit(d, c->qi, &ch));
}

#define A(n, f, dv, r, m, x)                                                   \
	{                                                                      \
		n, dv, r, m, x, f                                              \
	}
#define FQ (M_FULL | M_QUICK)
const struct attack attacks_queue[] = {
	A("kick-before-driver-ok", a_kick_before_driver_ok, D_BOTH, R_BOTH, FQ,
	  X_ALIVE),
	A("kick-after-reset", a_kick_after_reset, D_BOTH, R_BOTH, FQ, X_RESET),
	A("kick-after-failed", a_kick_after_failed, D_BOTH, R_BOTH, M_FULL,
	  X_RESET),
	A("notify-bad-queue", a_notify_bad_queue, D_BOTH, R_ONE, FQ, X_ALIVE),
	A("notify-odd-sizes", a_notify_odd_size, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("queue-size-0", a_qsize_zero, D_BOTH, R_BOTH, FQ, X_ALIVE),
	A("queue-size-100", a_qsize_100, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("queue-size-over-max", a_qsize_over_max, D_BOTH, R_BOTH, FQ, X_ALIVE),
	A("queue-changed-while-enabled", a_queue_change_live, D_BOTH, R_BOTH,
	  M_FULL, X_ALIVE),
	A("ring-misaligned", a_ring_misaligned, D_BOTH, R_BOTH, FQ, X_ALIVE),
	A("driver-area-misaligned", a_drv_misaligned, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("ring-in-own-bar", a_ring_in_bar, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("ring-over-lapic", a_ring_over_lapic, D_BOTH, R_BOTH, FQ, X_ALIVE),
	A("ring-outside-ram", a_ring_outside_ram, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("ring-straddles-ram-end", a_ring_straddles_end, D_BOTH, R_BOTH,
	  M_FULL, X_ALIVE),
	A("ring-address-wraps", a_ring_wraps, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("device-area-outside-ram", a_dev_area_halves, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("driver-area-over-lapic", a_drv_over_lapic, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("rings-overlap-areas", a_ring_overlap_areas, D_BOTH, R_BOTH, M_FULL,
	  X_ANY),
	A("rings-overlap-descriptors", a_ring_overlap_desc, D_BOTH, R_BOTH,
	  M_FULL, X_ANY),
	A("descriptor-rewritten-in-flight", a_rewrite_in_flight, D_BOTH, R_BOTH,
	  FQ, X_ALIVE),
	A("data-over-own-ring", a_data_over_ring, D_BLK, R_BOTH, M_FULL, X_ANY),
	A("status-over-own-ring", a_status_over_ring, D_BLK, R_BOTH, M_FULL,
	  X_ANY),
	A("queue-size-1", a_queue_size_1, D_BOTH, R_BOTH, M_FULL, X_ANY),
	A("flood-over-batch-bound", a_flood, D_BOTH, R_BOTH, M_FULL, X_ALIVE),
	A("reset-during-flood", a_flood_reset, D_BOTH, R_BOTH, M_FULL, X_RESET),
	A("status-written-during-reset", a_reinit_during_reset, D_BOTH, R_BOTH,
	  M_FULL, X_RESET),
	A("event-idx-garbage", a_event_idx_garbage, D_BOTH, R_BOTH, M_FULL,
	  X_ALIVE),
	A("queue-enabled-after-driver-ok", a_queue_after_driver_ok, D_BOTH,
	  R_BOTH, M_FULL, X_ANY),
	A("reset-during-io", a_reset_during_io, D_BOTH, R_BOTH, FQ, X_RESET),
	A("msix-vector-out-of-range", a_msix_vector_range, D_BOTH, R_ONE,
	  M_FULL, X_ALIVE),
};
const int n_attacks_queue = sizeof(attacks_queue) / sizeof(attacks_queue[0]);
