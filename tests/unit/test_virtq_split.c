/* The split virtqueue, device side (virtio/virtq_split.c, reached through
 * virtq.h with q->split set), driven by a split-ring driver model below
 * over vq_driver.h's fake guest memory: 1 MiB at GPA 0, every region a
 * calloc'd block of exactly its size, so AddressSanitizer reports any
 * device access past the end of guest RAM. */
#include "check.h"

#include <stdarg.h>

#include "hv/guest/gmem.h"
#include "hv/base/log.h"
#include "virtio/virtq.h"
#include "vq_driver.h"

void log_msg(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	log_record(f, ap);
	va_end(ap);
}

/* --- the driver's view of one split queue (2.7) ---------------------- */

/* Descriptor flags (2.7.5) and ring flags (2.7.7, 2.7.10) */
#define SF_NEXT 1
#define SF_WRITE 2
#define SF_INDIRECT 4
#define AVAIL_F_NO_INTERRUPT 1
#define USED_F_NO_NOTIFY 1

/* One buffer of a chain; flags are WRITE and INDIRECT, the helpers add
 * NEXT and `next`. */
struct sbuf {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
};

struct sdrv {
	struct fake_mem *m;
	uint16_t size;
	uint64_t desc, avail, used; /* GPAs of the three parts */
	uint16_t avail_idx;	    /* the driver's avail->idx */
	uint16_t last_used;	    /* the next used element it reads */
};

/* Zeroes the table and both rings, avail_event and used_event included
 * (the driver allocates them zeroed, 2.7.10.1). */
static void sd_init(struct sdrv *d, struct fake_mem *m, uint16_t size,
		    uint64_t desc, uint64_t avail, uint64_t used)
{
	memset(d, 0, sizeof(*d));
	d->m = m;
	d->size = size;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
	if (size)
		fm_fill(m, desc, 0, 16ull * size);
	fm_fill(m, avail, 0, 6 + 2ull * size);
	fm_fill(m, used, 0, 6 + 8ull * size);
}

/* Descriptor i of the table, written as given. */
static void sd_desc(struct sdrv *d, uint16_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	uint8_t *p = fm_ptr(d->m, d->desc + 16ull * i, 16);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

/* Entry k of an indirect table at `table`, written as given. */
static void sd_tentry(struct fake_mem *m, uint64_t table, uint16_t k,
		      uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next)
{
	uint8_t *p = fm_ptr(m, table + 16ull * k, 16);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

/* A chain of n buffers in descriptors idx[0..n-1], linked by NEXT and
 * `next` (2.7.13.1); returns the head. */
static uint16_t sd_chain_at(struct sdrv *d, const uint16_t *idx,
			    const struct sbuf *b, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint16_t f = b[k].flags & (SF_WRITE | SF_INDIRECT);
		uint16_t next = 0;

		if (k + 1 < n) {
			f |= SF_NEXT;
			next = idx[k + 1];
		}
		sd_desc(d, idx[k], b[k].addr, b[k].len, f, next);
	}
	return idx[0];
}

/* The same in descriptors first, first + 1, ... (modulo the size). */
static uint16_t sd_chain(struct sdrv *d, uint16_t first, const struct sbuf *b,
			 unsigned n)
{
	uint16_t idx[VQ_MAX_SIZE];

	for (unsigned k = 0; k < n; k++)
		idx[k] = (uint16_t)((first + k) & (d->size - 1));
	return sd_chain_at(d, idx, b, n);
}

static uint8_t *sd_avail_p(const struct sdrv *d, uint64_t off, uint64_t len)
{
	return fm_ptr(d->m, d->avail + off, len);
}

static uint8_t *sd_used_p(const struct sdrv *d, uint64_t off, uint64_t len)
{
	return fm_ptr(d->m, d->used + off, len);
}

/* avail->idx as the driver publishes it: a release store after the ring
 * entries (2.7.13.3). */
static void sd_set_avail_idx(struct sdrv *d, uint16_t v)
{
	__atomic_store_n((uint16_t *)sd_avail_p(d, 2, 2), v, __ATOMIC_RELEASE);
}

/* Puts `head` in the next available ring entry without publishing it. */
static void sd_add(struct sdrv *d, uint16_t head)
{
	memcpy(sd_avail_p(d, 4 + 2ull * (d->avail_idx & (d->size - 1)), 2),
	       &head, 2);
	d->avail_idx++;
}

/* Adds `head` and publishes it (2.7.13.2-3). */
static void sd_publish(struct sdrv *d, uint16_t head)
{
	sd_add(d, head);
	sd_set_avail_idx(d, d->avail_idx);
}

static uint16_t sd_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t sd_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void sd_wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint16_t sd_used_flags(const struct sdrv *d)
{
	return sd_rd16(sd_used_p(d, 0, 2));
}

static uint16_t sd_used_idx(const struct sdrv *d)
{
	return __atomic_load_n((const uint16_t *)sd_used_p(d, 2, 2),
			       __ATOMIC_ACQUIRE);
}

/* Used element k (ring position, not index). */
static void sd_used_elem(const struct sdrv *d, uint16_t k, uint32_t *id,
			 uint32_t *len)
{
	const uint8_t *e = sd_used_p(d, 4 + 8ull * k, 8);

	if (id)
		*id = sd_rd32(e);
	if (len)
		*len = sd_rd32(e + 4);
}

/* avail_event: after the used ring (2.7.8). */
static uint16_t sd_avail_event(const struct sdrv *d)
{
	return sd_rd16(sd_used_p(d, 4 + 8ull * d->size, 2));
}

static void sd_poke_avail_event(struct sdrv *d, uint16_t v)
{
	sd_wr16(sd_used_p(d, 4 + 8ull * d->size, 2), v);
}

/* used_event: after the available ring (2.7.6). */
static void sd_set_used_event(struct sdrv *d, uint16_t v)
{
	sd_wr16(sd_avail_p(d, 4 + 2ull * d->size, 2), v);
}

static void sd_set_avail_flags(struct sdrv *d, uint16_t v)
{
	sd_wr16(sd_avail_p(d, 0, 2), v);
}

/* The next used buffer (2.7.14): true with its id and len when used->idx
 * has moved past what the driver has read. */
static bool sd_get_used(struct sdrv *d, uint32_t *id, uint32_t *len)
{
	if (sd_used_idx(d) == d->last_used)
		return false;
	sd_used_elem(d, d->last_used & (d->size - 1), id, len);
	d->last_used++;
	return true;
}

/* Both sides' free-running indices start at v: the driver's avail->idx
 * and used->idx as it finds them, and the device's counters, set
 * directly. */
static void sd_start_at(struct sdrv *d, struct virtq *q, uint16_t v)
{
	d->avail_idx = d->last_used = v;
	sd_set_avail_idx(d, v);
	sd_wr16(sd_used_p(d, 2, 2), v);
	q->next_avail = q->next_used = v;
}

/* --- the tests' queue ------------------------------------------------ */

/* Guest-physical layout of the tests. */
#define DESC 0x1000ull	/* up to 256 descriptors */
#define AVAIL 0x3000ull /* 6 + 2 * 256 bytes */
#define USED 0x4000ull	/* 6 + 8 * 256 bytes */
#define TABLE 0x6000ull /* indirect tables */
#define BUF 0x10000ull	/* data buffers */
#define RAM_END ((uint64_t)FM_RAM_SIZE)

static struct fake_mem M;
static struct virtq Q;
static struct sdrv D;
static struct vq_chain C;

/* Programs Q as the transport does for a driver that declined
 * RING_PACKED (virtio_pci.c, enable_queue) and enables it. */
static int program(uint16_t size, bool indirect, bool event_idx)
{
	return vqt_enable(&Q, &M, size, DESC, AVAIL, USED, true, indirect,
			  event_idx);
}

/* Fresh memory, fresh rings of `size` entries, the queue enabled. */
static int setup(uint16_t size, bool indirect, bool event_idx)
{
	fm_free(&M);
	fm_init(&M, FM_RAM_SIZE);
	log_clear();
	sd_init(&D, &M, size, DESC, AVAIL, USED);
	vqt_fresh(&Q, "sq");
	memset(&C, 0, sizeof(C));
	return program(size, indirect, event_idx);
}

/* The device takes the next chain and completes it with `len`. */
static int serve(uint32_t len)
{
	int r = vq_pop(&Q, &C);

	if (r == 1)
		vq_push(&Q, C.id, C.ndesc, len);
	return r;
}

/* One single-buffer request through the whole cycle, in the descriptor
 * the ring position names; true when the driver got it back. */
static bool round_trip(void)
{
	uint16_t head = D.avail_idx & (D.size - 1);
	struct sbuf b = { BUF, 8, SF_WRITE };
	uint32_t id = 0xffffffff, len = 0;

	sd_chain(&D, head, &b, 1);
	sd_publish(&D, head);
	if (serve(8) != 1 || C.bad)
		return false;
	return sd_get_used(&D, &id, &len) && id == head && len == 8;
}

/* A chain the device must take whole but refuse: popped as 1 with c->bad
 * set, under the head's id, the ring still running. */
static bool popped_bad(uint16_t head, const char *why)
{
	uint16_t before = Q.next_avail;

	if (vq_pop(&Q, &C) != 1) {
		printf("#   vq_pop did not return a chain\n");
		return false;
	}
	if (!C.bad || (why && !strstr(C.bad, why))) {
		printf("#   bad: %s, wanted %s\n", C.bad ? C.bad : "(null)",
		       why ? why : "(any)");
		return false;
	}
	return C.id == head && !Q.stalled
	       && Q.next_avail == (uint16_t)(before + 1);
}

/* The queue stalled on the last vq_pop: a log line, no used element, and
 * it stays stalled. */
static bool stalled_for_good(void)
{
	bool ok = Q.stalled && log_has("stalled") && sd_used_idx(&D) == 0
		  && !vq_avail(&Q);

	/* Even with a good chain behind it. */
	for (int k = 0; k < 3; k++)
		ok = ok && vq_pop(&Q, &C) == -1;
	return ok;
}

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
	CHECK(log_has("longer than the queue"));
}

static void next_beyond_the_table_stalls(void)
{
	setup(16, false, false);
	sd_desc(&D, 0, BUF, 8, SF_NEXT, 16);
	sd_publish(&D, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(stalled_for_good());
	CHECK(log_has("next descriptor beyond"));

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
	CHECK(log_has("head descriptor beyond"));

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
	CHECK(log_has("available index more than the queue size ahead"));

	/* An index that went backwards is 65535 ahead. */
	setup(8, false, false);
	sd_chain(&D, 0, &b, 1);
	sd_publish(&D, 0);
	CHECK(serve(8) == 1);
	sd_set_avail_idx(&D, 0);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.stalled && log_has("stalled"));
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

/* --- enabling -------------------------------------------------------- */

static void enable_refuses_bad_split_rings(void)
{
	/* The queue size must be a power of 2 for the split layout. */
	CHECK(setup(12, false, false) == -1);
	CHECK(!Q.enabled);
	CHECK(log_has("power of 2"));
	CHECK(setup(1, false, false) == 0);
	CHECK(setup(256, false, false) == 0);

	/* Alignment: table 16, available ring 2, used ring 4. */
	setup(16, false, false);
	vq_reset(&Q);
	log_clear();
	Q.split = true;
	Q.size = 16;
	Q.desc_gpa = DESC + 8;
	Q.driver_gpa = AVAIL;
	Q.device_gpa = USED;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled && log_has("misaligned"));
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
	log_clear();
	Q.split = true;
	Q.size = 16;
	Q.desc_gpa = 0x200000;
	Q.driver_gpa = 0x300000;
	Q.device_gpa = 0x700000; /* the used ring ends one byte past RAM */
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(log_has("outside guest RAM"));
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
	RUN(enable_refuses_bad_split_rings);
	RUN(no_interrupt_flag_suppresses_interrupts_without_event_idx);
	RUN(used_event_decides_interrupts_with_event_idx);
	RUN(used_event_works_across_the_16_bit_wrap);
	RUN(no_notify_flag_follows_set_notify_without_event_idx);
	RUN(avail_event_follows_the_device_with_event_idx);
	fm_free(&M);
	return CHECK_DONE();
}
