/* libFuzzer target for virtio/virtq.c (and virtq_split.c), the device
 * side of a virtqueue: whatever the guest puts in its ring, descriptors
 * and indirect tables, every chain handed to the device must be guest RAM
 * in one piece per segment, and the ring walker must never read or write
 * outside guest RAM.  Mostly the packed layout; bit 3 of byte 2 picks
 * the split one.
 *
 *   make build/fuzz/fuzz_virtq   # sources: fuzz_virtq_SRCS
 *   build/fuzz/fuzz_virtq -max_total_time=60
 *
 * Without libFuzzer (gcc), -DFUZZ_REPLAY adds a main() that runs the
 * target over the files named on the command line:
 *
 *   gcc -DFUZZ_REPLAY -fsanitize=address,undefined -I. \
 *       tests/fuzz/fuzz_virtq.c <fuzz_virtq_SRCS> -o fzr
 *   ./fzr crash-1234...
 *
 * Guest RAM, compact descriptors and address kinds: tests/fuzz/
 * fuzz_common.h.  Input layout (little-endian):
 *   bytes 0-1   queue size as the driver writes it (low 9 bits; clamped
 *               to 256 like the transport does, 0 fails to enable)
 *   byte 2      bit 0 INDIRECT_DESC, bit 1 EVENT_IDX negotiated, bit 2
 *               the queue starts on the second lap (wrap counters 0),
 *               bit 3 the split layout
 *   byte 3      where the queue starts (avail and used alike, as if it
 *               had run for a while): packed the slot, split the index
 *               (times 0x101)
 *   byte 4      address kinds: bits 0-1 descriptor ring, 2-3 driver
 *               area, 4-5 device area
 *   bytes 5-10  their offsets, 16 bits each
 * then operations, one byte each (mod 14) and their arguments:
 *   0  pop a chain (the device holds up to 8; the oldest is pushed back
 *      when a ninth comes)
 *   1  push a held chain: index, used length (4)
 *   2  push whatever: id (2), ndesc (1), length (4)
 *   3  ask whether the driver wants an interrupt
 *   4  vq_chain_read (and vq_chain_spans) of a held chain: index, skip
 *      (2), bytes (2)
 *   5  vq_chain_write, the same arguments, then that many data bytes
 *   6  descriptors into the ring: slot (1; packed: after next_avail),
 *      count-1 (low 3 bits), compact descriptors (split: the id is
 *      `next`, the availability bits are dropped)
 *   7  descriptors anywhere (an indirect table): kind (1), offset (2),
 *      count-1 (low 3 bits), compact descriptors (split: as in 6)
 *   8  raw bytes: kind (1), offset (2), count (1), bytes
 *   9  driver event suppression: off_wrap (2), flags (2); split: the
 *      available ring's flags (2) and used_event (2)
 *   10 vq_set_notify: on (bit 0)
 *   11 device reset and enable again at slot (1)
 *   12 one descriptor many times into the ring (long chains): slot (1,
 *      as in 6), count (1), bit 0 of one byte: NEXT cleared on the last,
 *      a compact descriptor (split: each `next` the following slot)
 *   13 split only: heads into the available ring: count-1 (low 3 bits;
 *      bit 7: then 2 bytes for the index as is), heads (1 each)
 *
 * Invariants checked (abort on violation): a returned chain took 1..size
 * descriptors, is (packed) exactly the NEXT-linked run from next_avail
 * with the last one's id, next_avail/wrap moved by that much, or (split)
 * the head the available ring names, next_avail moved by one; every
 * segment (and the last buffer when last_ok) is guest RAM with the host
 * pointer of its region; nseg <= VQ_MAX_SEGS; in/out_bytes are the sums;
 * readable segments come before writable ones; vq_avail agrees with
 * vq_pop; a packed stall happens only on a ring of NEXT descriptors, and
 * once stalled no chain is returned until reset; pushes write the used
 * descriptor (element and index) where they should; chain_read/write
 * move the bytes a reference copy by guest address finds, over spans
 * inside guest RAM; interrupts follow the suppression flags.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/gmem.h"
#include "virtio/virtq.h"

#include "tests/fuzz/fuzz_common.h"

#define HOLD 8
#define MAX_OPS 4096

static struct virtq q;
static struct vq_chain *held[HOLD];
static unsigned nheld;

struct cfg {
	uint16_t size_raw;
	uint8_t flags, start, kinds;
	uint16_t off[3];
};

static void desc_at(unsigned slot, uint64_t *addr, uint32_t *len,
		    uint16_t *id, uint16_t *flags)
{
	uint8_t d[16];

	CHECK(!gmem_read(&fz_gm, q.desc_gpa + 16ull * slot, d, 16));
	memcpy(addr, d, 8);
	memcpy(len, d + 8, 4);
	memcpy(id, d + 12, 2);
	memcpy(flags, d + 14, 2);
}

static bool is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & VQ_DESC_F_AVAIL) == wrap
	       && !!(flags & VQ_DESC_F_USED) != wrap;
}

/* Split layout: the available ring's fields and the used ring's. */
static uint16_t rd16(uint64_t gpa)
{
	uint16_t v;

	CHECK(!gmem_read(&fz_gm, gpa, &v, 2));
	return v;
}

static void wr16(uint64_t gpa, uint16_t v)
{
	CHECK(!gmem_write(&fz_gm, gpa, &v, 2));
}

#define AVAIL_IDX (q.driver_gpa + 2)
#define AVAIL_RING(i) (q.driver_gpa + 4 + 2ull * ((i) & (q.size - 1)))
#define USED_EVENT (q.driver_gpa + 4 + 2ull * q.size)
#define USED_IDX (q.device_gpa + 2)
#define USED_RING(i) (q.device_gpa + 4 + 8ull * ((i) & (q.size - 1)))
#define AVAIL_EVENT (q.device_gpa + 4 + 8ull * q.size)

/* Device reset, then the driver's set-up and queue_enable. */
static void enable(const struct cfg *c, uint8_t start)
{
	nheld = 0;
	vq_reset(&q);
	CHECK(q.size == q.max_size && !q.enabled);
	q.size = vq_clamp_size(&q, c->size_raw & 0x1ff);
	CHECK(q.size <= VQ_MAX_SIZE);
	q.indirect = c->flags & 1;
	q.event_idx = c->flags & 2;
	q.split = c->flags & 8;
	q.desc_gpa = fz_addr(c->kinds, c->off[0]);
	q.driver_gpa = fz_addr(c->kinds >> 2, c->off[1]);
	q.device_gpa = fz_addr(c->kinds >> 4, c->off[2]);
	if (vq_enable(&q, &fz_gm)) {
		CHECK(!q.enabled);
		return;
	}
	CHECK(q.enabled && q.size);
	CHECK(!q.split || !(q.size & (q.size - 1)));
	CHECK(fz_host_is(&fz_gm, q.desc, q.desc_gpa, 16ull * q.size));
	CHECK(fz_host_is(&fz_gm, q.drv_evt, q.driver_gpa,
			 q.split ? 6 + 2ull * q.size : 4));
	CHECK(fz_host_is(&fz_gm, q.dev_evt, q.device_gpa,
			 q.split ? 6 + 8ull * q.size : 4));
	/* As if the queue had already run: avail and used at one place. */
	if (q.split) {
		q.next_avail = q.next_used = (uint16_t)(start * 0x101);
		wr16(AVAIL_IDX, q.next_avail);
		wr16(USED_IDX, q.next_used);
	} else {
		q.next_avail = q.next_used = start % q.size;
		q.avail_wrap = q.used_wrap = !(c->flags & 4);
	}
}

/* A compact descriptor as a split one: the id field is `next`, flags
 * keep NEXT, WRITE and INDIRECT. */
static void to_split(uint8_t d[16])
{
	uint16_t id, flags;

	memcpy(&id, d + 12, 2);
	memcpy(&flags, d + 14, 2);
	flags &= 7;
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &id, 2);
}

/* k compact descriptors into the ring (packed: from next_avail + skip;
 * split: from table entry skip). */
static void ring_descs(struct fz *s, unsigned skip, unsigned k)
{
	uint8_t d[16];

	if (!q.split) {
		fz_ring_descs(s, &q, q.next_avail + skip, k);
		return;
	}
	for (unsigned j = 0; j < k; j++) {
		fz_desc(s, true, d);
		to_split(d);
		if (q.enabled)
			gmem_write(&fz_gm,
				   q.desc_gpa + 16ull * ((skip + j) % q.size),
				   d, 16);
	}
}

static void table_descs(struct fz *s, uint64_t gpa, unsigned k)
{
	uint8_t d[16];

	for (unsigned j = 0; j < k; j++) {
		fz_desc(s, true, d);
		if (q.split)
			to_split(d);
		gmem_write(&fz_gm, gpa + 16ull * j, d, 16);
	}
}

/* Split: heads into the available ring, the index moved past them. */
static void publish(struct fz *s)
{
	uint8_t b = fz8(s);
	unsigned n = (b & 7) + 1;

	for (unsigned j = 0; j < n; j++) {
		uint8_t head = fz8(s);

		if (q.enabled && q.split)
			fz_split_publish(&q, head);
	}
	if (b & 0x80) {
		uint16_t idx = fz16(s);

		if (q.enabled && q.split)
			wr16(AVAIL_IDX, idx);
	}
}

static void check_seg(const struct vq_seg *s)
{
	CHECK(s->len && s->gpa + s->len > s->gpa);
	CHECK(fz_host_is(&fz_gm, s->host, s->gpa, s->len));
}

/* head: the available ring's entry at pos as it was before the pop.  It
 * is not read again afterwards: rings may overlap, and the device's own
 * writes (avail_event, at the used ring's end) may land on it. */
static void check_chain(const struct vq_chain *c, uint16_t pos, bool wrap,
			uint16_t head)
{
	uint64_t in = 0, out = 0;
	uint64_t addr;
	uint32_t len;
	uint16_t id, flags;

	CHECK(c->ndesc >= 1 && c->ndesc <= q.size);
	CHECK(c->nseg <= VQ_MAX_SEGS);
	if (q.split) {
		/* The head the available ring names; one entry taken. */
		CHECK(c->id == head && c->id < q.size);
		CHECK(q.next_avail == (uint16_t)(pos + 1));
	} else {
		/* The run of descriptors it came from. */
		for (unsigned j = 0; j < c->ndesc; j++) {
			desc_at((pos + j) % q.size, &addr, &len, &id, &flags);
			if (j == 0)
				CHECK(is_avail(flags, wrap));
			CHECK(!!(flags & VQ_DESC_F_NEXT)
			      == (j + 1 < c->ndesc));
		}
		CHECK(c->id == id);
		CHECK(q.next_avail == (pos + c->ndesc) % q.size);
		CHECK(q.avail_wrap
		      == (pos + c->ndesc >= q.size ? !wrap : wrap));
	}
	for (unsigned i = 0; i < c->nseg; i++) {
		const struct vq_seg *s = &c->seg[i];

		check_seg(s);
		if (i)
			CHECK(s->write || !c->seg[i - 1].write);
		if (s->write)
			in += s->len;
		else
			out += s->len;
	}
	CHECK(in == c->in_bytes && out == c->out_bytes);
	if (!c->bad)
		CHECK(c->nseg >= 1);
	if (c->last_ok)
		check_seg(&c->last);
}

static void push(struct vq_chain *c, uint32_t len)
{
	uint16_t at = q.next_used;
	bool wrap = q.used_wrap;
	uint64_t addr;
	uint32_t l;
	uint16_t id, flags;

	vq_push(&q, c->id, c->ndesc, len);
	if (!q.enabled)
		return;
	if (q.split) {
		uint32_t e[2];

		CHECK(!gmem_read(&fz_gm, USED_RING(at), e, 8));
		CHECK(e[0] == c->id && e[1] == len);
		CHECK(q.next_used == (uint16_t)(at + 1)
		      && rd16(USED_IDX) == q.next_used);
		return;
	}
	desc_at(at, &addr, &l, &id, &flags);
	CHECK(id == c->id && l == len);
	CHECK(flags == (wrap ? VQ_DESC_F_AVAIL | VQ_DESC_F_USED : 0));
	CHECK(q.next_used == (at + c->ndesc) % q.size);
	CHECK(q.used_wrap == (at + c->ndesc >= q.size ? !wrap : wrap));
}

static void drop(unsigned i)
{
	free(held[i]);
	memmove(&held[i], &held[i + 1], (nheld - i - 1) * sizeof(held[0]));
	nheld--;
}

static void pop(void)
{
	uint16_t pos = q.next_avail;
	bool wrap = q.avail_wrap, stalled = q.stalled;
	bool avail = vq_avail(&q);
	uint16_t head = q.split && q.enabled ? rd16(AVAIL_RING(pos)) : 0;
	/* Its own allocation, so ASan sees a write past seg[]. */
	struct vq_chain *c = malloc(sizeof(*c));
	int r;

	if (!c)
		abort();
	memset(c, 0xa5, sizeof(*c));
	r = vq_pop(&q, c);
	CHECK(r >= -1 && r <= 1);
	if (stalled) {
		CHECK(r == -1 && !avail && q.stalled);
	} else if (!q.enabled) {
		CHECK(r == 0 && !avail);
	} else {
		CHECK(avail == (r != 0));
	}
	if (r == 0 && q.enabled && q.split)
		CHECK(rd16(AVAIL_IDX) == pos);
	if (r == -1 && !stalled && q.split)
		CHECK(q.stalled && q.next_avail == pos);
	if (r == -1 && !stalled && !q.split) {
		/* Stalls only on a whole ring of NEXT descriptors. */
		uint64_t addr;
		uint32_t len;
		uint16_t id, flags;

		CHECK(q.stalled && q.next_avail == pos);
		for (unsigned j = 0; j < q.size; j++) {
			desc_at((pos + j) % q.size, &addr, &len, &id, &flags);
			if (j == 0)
				CHECK(is_avail(flags, wrap));
			CHECK(flags & VQ_DESC_F_NEXT);
		}
	}
	if (r != 1) {
		CHECK(q.next_avail == pos && q.avail_wrap == wrap);
		free(c);
		return;
	}
	check_chain(c, pos, wrap, head);
	if (nheld == HOLD) {
		push(held[0], 0);
		drop(0);
	}
	held[nheld++] = c;
}

static void interrupt(void)
{
	uint16_t ev[2];
	uint32_t pending = q.used_since_signal;
	bool fire;

	bool valid = q.signalled_valid;

	if (q.enabled)
		memcpy(ev, q.drv_evt, 4);
	fire = vq_need_interrupt(&q);
	if (!q.enabled || !pending) {
		CHECK(!fire);
		return;
	}
	if (q.split) {
		/* ev[0]: the available ring's flags. */
		if (!q.event_idx)
			CHECK(fire == !(ev[0] & 1));
		else if (!valid)
			CHECK(fire);
		if (fire)
			CHECK(!q.used_since_signal
			      && q.signalled == q.next_used);
		else
			CHECK(q.used_since_signal == pending);
		return;
	}
	if ((ev[1] & 3) == VQ_EVENT_DISABLE)
		CHECK(!fire);
	else if ((ev[1] & 3) != VQ_EVENT_DESC || !q.event_idx
		 || pending >= q.size)
		CHECK(fire);
	if (fire)
		CHECK(!q.used_since_signal && q.signalled_valid
		      && q.signalled == q.next_used
		      && q.signalled_wrap == q.used_wrap);
	else
		CHECK(q.used_since_signal == pending);
}

static void chain_copy(struct fz *s, bool write)
{
	struct vq_chain *c = nheld ? held[fz8(s) % nheld] : NULL;
	uint64_t skip = fz16(s), n = fz16(s), got, want, total;
	/* Exact sizes, so ASan sees a copy past either end. */
	uint8_t *buf = malloc(n ? n : 1), *ref = malloc(n ? n : 1);

	if (!buf || !ref)
		abort();
	for (uint64_t i = 0; i < n; i++)
		buf[i] = write ? fz8(s) : 0x5a;
	if (c) {
		struct vq_span *sp = malloc(VQ_MAX_SEGS * sizeof(*sp));
		unsigned k;
		uint64_t sum = 0;

		total = write ? c->in_bytes : c->out_bytes;
		want = skip >= total ? 0 : total - skip < n ? total - skip : n;
		if (!sp)
			abort();
		k = vq_chain_spans(c, write, skip, n, sp);
		CHECK(k <= c->nseg);
		for (unsigned i = 0; i < k; i++) {
			CHECK(sp[i].len
			      && fz_host_in_ram(&fz_gm, sp[i].p, sp[i].len));
			sum += sp[i].len;
		}
		CHECK(sum == want);
		free(sp);
		if (write) {
			got = vq_chain_write(c, skip, buf, n);
			CHECK(got == want);
			if (fz_writable_disjoint(c, 0, 0)) {
				CHECK(fz_chain_ref(c, true, skip, ref, n)
				      == want);
				CHECK(!memcmp(buf, ref, want));
			}
		} else {
			got = vq_chain_read(c, skip, buf, n);
			CHECK(got == want);
			CHECK(fz_chain_ref(c, false, skip, ref, n) == want);
			CHECK(!memcmp(buf, ref, want));
		}
	}
	free(buf);
	free(ref);
}

/* The same compact descriptor in `count` ring slots from next_avail +
 * skip (split: table entry skip) on, each available in its lap (split:
 * each linked to the next entry). */
static void repeat(struct fz *s)
{
	unsigned first = (q.split ? 0 : q.next_avail) + fz8(s);
	unsigned count = fz8(s);
	bool end = fz8(s) & 1;
	struct fz one = *s;
	uint8_t d[16];
	uint16_t flags;
	unsigned at = q.split ? 12 : 14;

	for (unsigned j = 0; j < count && q.enabled; j++) {
		unsigned slot = (first + j) % q.size;
		bool lap = slot >= q.next_avail ? q.avail_wrap : !q.avail_wrap;

		*s = one; /* the same input bytes each time */
		fz_desc(s, lap, d);
		if (q.split) {
			uint16_t next = (uint16_t)((slot + 1) % q.size);

			to_split(d);
			memcpy(d + 14, &next, 2);
		}
		if (end && j + 1 == count) {
			memcpy(&flags, d + at, 2);
			flags &= (uint16_t)~VQ_DESC_F_NEXT;
			memcpy(d + at, &flags, 2);
		}
		gmem_write(&fz_gm, q.desc_gpa + 16ull * slot, d, 16);
	}
	if (!count || !q.enabled)
		fz_desc(s, true, d); /* consume it all the same */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };
	struct cfg c;

	fz_ram_reset();
	memset(&q, 0, sizeof(q));
	q.max_size = VQ_MAX_SIZE;
	q.name = "fuzz";
	c.size_raw = fz16(&s);
	c.flags = fz8(&s);
	c.start = fz8(&s);
	c.kinds = fz8(&s);
	for (int i = 0; i < 3; i++)
		c.off[i] = fz16(&s);
	enable(&c, c.start);

	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		switch (fz8(&s) % 14) {
		case 0:
			pop();
			break;
		case 1: {
			unsigned i = fz8(&s);
			uint32_t len = fz32(&s);

			if (nheld) {
				i %= nheld;
				push(held[i], len);
				drop(i);
			}
			break;
		}
		case 2: {
			uint16_t id = fz16(&s), at = q.next_used;
			uint16_t nd = fz8(&s);
			bool wrap = q.used_wrap;

			vq_push(&q, id, nd, fz32(&s));
			if (!q.enabled || !nd || nd > q.size)
				CHECK(q.next_used == at
				      && q.used_wrap == wrap);
			else if (q.split)
				CHECK(q.next_used == (uint16_t)(at + 1));
			else
				CHECK(q.next_used == (at + nd) % q.size);
			break;
		}
		case 3:
			interrupt();
			break;
		case 4:
			chain_copy(&s, false);
			break;
		case 5:
			chain_copy(&s, true);
			break;
		case 6: {
			unsigned skip = fz8(&s);

			ring_descs(&s, skip, (fz8(&s) & 7) + 1);
			break;
		}
		case 7: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			table_descs(&s, gpa, (fz8(&s) & 7) + 1);
			break;
		}
		case 8: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			fz_raw_bytes(&s, gpa, fz8(&s));
			break;
		}
		case 9:
			if (q.enabled && q.split) {
				wr16(q.driver_gpa, fz16(&s));
				wr16(USED_EVENT, fz16(&s));
			} else {
				fz_drv_event(&s, &q);
			}
			break;
		case 10: {
			bool on = fz8(&s) & 1;
			uint16_t ev[2];

			vq_set_notify(&q, on);
			if (q.enabled && q.split) {
				/* 2.7.10: with EVENT_IDX, avail_event
				 * alone; the flags stay 0. */
				CHECK(rd16(q.device_gpa)
				      == (on || q.event_idx ? 0 : 1));
				if (on && q.event_idx)
					CHECK(rd16(AVAIL_EVENT)
					      == q.next_avail);
			} else if (q.enabled) {
				memcpy(ev, q.dev_evt, 4);
				CHECK(ev[1] == (on ? VQ_EVENT_ENABLE
						   : VQ_EVENT_DISABLE));
			}
			break;
		}
		case 11:
			while (nheld)
				drop(0);
			enable(&c, fz8(&s));
			break;
		case 12:
			repeat(&s);
			break;
		case 13:
			publish(&s);
			break;
		}
	}
	while (nheld)
		drop(0);
	return 0;
}
