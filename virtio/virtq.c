/* Packed virtqueue, device side (virtio 1.2, 2.8), and what both layouts
 * share: buffer checks and indirect tables.  See virtq.h for the
 * contract. */
#include "virtio/virtq.h"

#include <stddef.h>
#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/guest/gmem.h"
#include "hv/base/log.h"
#include "virtio/virtq_split.h"

#define DESC_SIZE VQ_DESC_SIZE
#define D_ADDR VQ_PDESC_ADDR
#define D_LEN VQ_PDESC_LEN
#define D_ID VQ_PDESC_ID
#define D_FLAGS VQ_PDESC_FLAGS

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id, flags;
};

void vq_reset(struct virtq *q)
{
	unsigned idx = q->index;
	const char *name = q->name;
	uint16_t max = q->max_size;
	void (*on_stall)(void *) = q->on_stall;
	void *stall_ctx = q->stall_ctx;
	struct vq_stats st = q->st;
	bool polled = q->polled, receive = q->receive;

	memset(q, 0, sizeof(*q));
	q->polled = polled;
	q->receive = receive;
	q->index = idx;
	q->name = name;
	q->max_size = max;
	q->on_stall = on_stall;
	q->stall_ctx = stall_ctx;
	q->st = st; /* counters run for the device's life, like a NIC's */
	q->size = max;
	q->msix_vector = 0xffff; /* VIRTIO_MSI_NO_VECTOR */
}

uint16_t vq_clamp_size(const struct virtq *q, uint32_t size)
{
	return size > q->max_size ? q->max_size : (uint16_t)size;
}

int vq_enable(struct virtq *q, const struct gmem *gm)
{
	const char *why = NULL;
	/* 2.8.10.1-2 (packed): the descriptor ring 16-aligned, the event
	 * structures 4 bytes, 4-aligned.  2.7 (split): descriptor table
	 * 16-aligned, available ring 2-aligned, used ring 4-aligned, sizes
	 * from the queue size, which must be a power of 2. */
	uint64_t drv_len = q->split ? 6 + 2ull * q->size : 4;
	uint64_t dev_len = q->split ? 6 + 8ull * q->size : 4;
	uint64_t drv_align = q->split ? 2 : 4;

	if (!q->size)
		why = "size 0";
	else if (q->split && (q->size & (q->size - 1)))
		why = "split ring size not a power of 2";
	else if ((q->desc_gpa & 15) || (q->driver_gpa & (drv_align - 1))
		 || (q->device_gpa & 3))
		why = "misaligned ring";
	else if (!(q->desc = gmem_ptr(gm, q->desc_gpa,
				      (uint64_t)q->size * DESC_SIZE))
		 || !(q->drv_evt = gmem_ptr(gm, q->driver_gpa, drv_len))
		 || !(q->dev_evt = gmem_ptr(gm, q->device_gpa, dev_len)))
		why = "ring outside guest RAM";
	if (why) {
		log_msg("virtio: %s queue %u not enabled: %s", q->name,
			q->index, why);
		q->desc = q->drv_evt = q->dev_evt = NULL;
		return -1;
	}
	q->gm = gm;
	q->next_avail = q->next_used = 0;
	q->avail_wrap = q->used_wrap = true; /* wrap counters start at 1 */
	q->signalled_valid = false;
	q->used_since_signal = 0;
	q->stalled = false;
	q->enabled = true;
	vq_set_notify(q, true);
	return 0;
}

/* Flags first, with acquire ordering: the driver writes the rest of the
 * descriptor before its flags (release), so once the flags say "available"
 * the rest is complete (2.8.21.3.1). */
static void read_desc(const uint8_t *p, struct desc *d)
{
	d->flags = __atomic_load_n((const uint16_t *)(p + D_FLAGS),
				   __ATOMIC_ACQUIRE);
	d->addr = get_le64(p + D_ADDR);
	d->len = get_le32(p + D_LEN);
	d->id = get_le16(p + D_ID);
}

static bool is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & VQ_DESC_F_AVAIL) == wrap
	       && !!(flags & VQ_DESC_F_USED) != wrap;
}

bool vq_avail(const struct virtq *q)
{
	if (!q->enabled || q->stalled)
		return false;
	if (q->split)
		return vqs_avail(q);
	uint16_t f = __atomic_load_n(
		(const uint16_t *)(q->desc + (size_t)q->next_avail * DESC_SIZE
				   + D_FLAGS),
		__ATOMIC_ACQUIRE);

	return is_avail(f, q->avail_wrap);
}

void vq_mark_bad(struct vq_chain *c, const char *why)
{
	if (!c->bad)
		c->bad = why;
}

/* Adds one data buffer to the chain after checking it; a bad buffer marks
 * the chain bad but the walk goes on to find the buffer id and the last
 * buffer (where an error status goes). */
void vq_add_seg(const struct virtq *q, struct vq_chain *c, uint64_t addr,
		uint32_t len, bool write)
{
	/* gmem_ptr checks [addr, addr+len) up to the last byte of RAM, for
	 * overflow, and that it lies in one host block, so the host pointer
	 * covers the whole buffer. */
	uint8_t *h = len && addr + len > addr ? gmem_ptr(q->gm, addr, len)
					      : NULL;

	c->last_ok = h != NULL;
	c->last = (struct vq_seg){ addr, h, len, write };
	if (!len)
		vq_mark_bad(c, "zero-length buffer");
	else if (addr + len < addr)
		vq_mark_bad(c, "buffer address wraps");
	else if (!h)
		vq_mark_bad(c, "buffer outside guest RAM");
	else if (!write && c->in_bytes)
		/* 2.7.4.2: device-writable buffers come last. */
		vq_mark_bad(c, "readable buffer after a writable one");
	else if (c->nseg == VQ_MAX_SEGS)
		vq_mark_bad(c, "too many buffers");
	if (c->bad)
		return;
	c->seg[c->nseg++] = (struct vq_seg){ addr, h, len, write };
	if (write)
		c->in_bytes += len; /* 64-bit sums of 32-bit lengths */
	else
		c->out_bytes += len;
}

/* A packed layout's table (2.8.19): its entries one after the other, NEXT
 * ignored.  A nested table marks the chain bad and the walk goes on, as
 * for any bad buffer. */
static const char *walk_packed_table(const struct virtq *q, struct vq_chain *c,
				     const uint8_t *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t + (size_t)i * DESC_SIZE;
		uint16_t flags = get_le16(e + D_FLAGS);

		if (flags & VQ_DESC_F_INDIRECT) {
			/* 2.8.19.1: one table per descriptor; a nested one
			 * is never followed. */
			vq_mark_bad(c,
				    "indirect table inside an indirect table");
			c->last_ok = false;
			continue;
		}
		vq_add_seg(q, c, get_le64(e + D_ADDR), get_le32(e + D_LEN),
			   flags & VQ_DESC_F_WRITE);
	}
	return NULL;
}

/* A split layout's table (2.7.5.3): entries chained by `next` from entry
 * 0.  Where the chain goes wrong its end is unknown, so the walk stops. */
static const char *walk_split_table(const struct virtq *q, struct vq_chain *c,
				    const uint8_t *t, uint32_t n)
{
	uint32_t i = 0;

	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = t + (size_t)i * DESC_SIZE;
		uint16_t flags = get_le16(e + VQ_SDESC_FLAGS);
		uint16_t next = get_le16(e + VQ_SDESC_NEXT);

		if (flags & VQ_DESC_F_INDIRECT)
			return "indirect table inside an indirect table";
		vq_add_seg(q, c, get_le64(e + VQ_SDESC_ADDR),
			   get_le32(e + VQ_SDESC_LEN), flags & VQ_DESC_F_WRITE);
		if (!(flags & VQ_DESC_F_NEXT))
			return NULL;
		if (next >= n)
			return "next beyond the indirect table";
		i = next;
	}
	return "loop in an indirect table";
}

void vq_walk_indirect(const struct virtq *q, struct vq_chain *c, uint64_t addr,
		      uint32_t len, uint16_t flags)
{
	const uint8_t *t;
	const char *why;
	uint32_t n = len / DESC_SIZE;

	c->last_ok = false; /* until a table entry is read */
	if (!q->indirect)
		why = "indirect descriptor not negotiated";
	else if (flags & VQ_DESC_F_NEXT)
		/* 2.8.19.1 and 2.7.5.3.1: INDIRECT and NEXT are never both
		 * set. */
		why = "indirect descriptor chained";
	else if (!len || len % DESC_SIZE)
		why = "indirect table length";
	else if (n > (uint32_t)(VQ_MAX_SEGS - c->nseg))
		/* A table longer than the device takes is refused before it
		 * is walked. */
		why = "indirect table too long";
	else if (addr + len < addr || !(t = gmem_ptr(q->gm, addr, len)))
		why = "indirect table outside guest RAM";
	else if (q->split)
		why = walk_split_table(q, c, t, n);
	else
		why = walk_packed_table(q, c, t, n);
	if (why) {
		/* The chain's end is unknown: no status goes there. */
		vq_mark_bad(c, why);
		c->last_ok = false;
	}
}

void vq_stall(struct virtq *q, const char *why)
{
	q->stalled = true;
	q->st.stalls++;
	log_msg("virtio: %s queue %u stalled at descriptor %u: %s; it stays "
		"stopped until the driver resets the device",
		q->name, q->index, q->next_avail, why);
	if (q->on_stall)
		q->on_stall(q->stall_ctx);
}

int vq_pop(struct virtq *q, struct vq_chain *c)
{
	uint16_t pos = q->next_avail;
	bool wrap = q->avail_wrap;
	struct desc d;

	if (!q->enabled || q->stalled)
		return q->stalled ? -1 : 0;
	if (q->split)
		return vqs_pop(q, c);
	read_desc(q->desc + (size_t)pos * DESC_SIZE, &d);
	if (!is_avail(d.flags, wrap))
		return 0;
	c->nseg = 0;
	c->out_bytes = c->in_bytes = 0;
	c->bad = NULL;
	c->last_ok = false;
	/* A packed chain is consecutive descriptors (2.8.6); one longer than
	 * the ring has wrapped onto itself: a loop with no last descriptor,
	 * so there is no buffer id to complete it under. */
	for (uint16_t n = 1;; n++) {
		if (d.flags & VQ_DESC_F_INDIRECT) {
			c->last_ok = false;
			if (n > 1)
				vq_mark_bad(c, "indirect descriptor chained");
			else
				vq_walk_indirect(q, c, d.addr, d.len, d.flags);
		} else {
			vq_add_seg(q, c, d.addr, d.len,
				   d.flags & VQ_DESC_F_WRITE);
		}
		if (++pos == q->size) {
			pos = 0;
			wrap = !wrap;
		}
		if (!(d.flags & VQ_DESC_F_NEXT)) {
			c->id = d.id;
			c->ndesc = n;
			break;
		}
		if (n == q->size) {
			vq_stall(q, "chain longer than the queue");
			return -1;
		}
		read_desc(q->desc + (size_t)pos * DESC_SIZE, &d);
	}
	q->next_avail = pos;
	q->avail_wrap = wrap;
	q->st.requests++;
	return 1;
}

void vq_push(struct virtq *q, uint16_t id, uint16_t ndesc, uint32_t len)
{
	uint8_t *p;
	uint16_t f;

	if (!q->enabled || !ndesc || ndesc > q->size)
		return;
	if (q->split) {
		vqs_push(q, id, len);
		return;
	}
	p = q->desc + (size_t)q->next_used * DESC_SIZE;
	f = q->used_wrap ? (VQ_DESC_F_AVAIL | VQ_DESC_F_USED) : 0;
	memcpy(p + D_ID, &id, 2);
	memcpy(p + D_LEN, &len, 4);
	/* id and len must be visible before the flags hand the descriptor
	 * back (2.8.21.3.1). */
	__atomic_store_n((uint16_t *)(p + D_FLAGS), f, __ATOMIC_RELEASE);
	q->next_used = (uint16_t)(q->next_used + ndesc);
	if (q->next_used >= q->size) {
		q->next_used = (uint16_t)(q->next_used - q->size);
		q->used_wrap = !q->used_wrap;
	}
	q->used_since_signal += ndesc;
}

/* A used position on a line of 2 * size slots: the wrap counter is 1 on
 * the first lap, so positions with wrap 1 come first. */
static uint32_t lin(const struct virtq *q, uint16_t idx, bool wrap)
{
	return (uint32_t)idx + (wrap ? 0 : q->size);
}

bool vq_need_interrupt(struct virtq *q)
{
	uint16_t ev[2];
	bool fire;

	if (!q->enabled || !q->used_since_signal)
		return false;
	if (q->split)
		return vqs_need_interrupt(q);
	/* The used flags just written must be visible before the event
	 * structure is read, or a driver re-enabling interrupts in between
	 * is missed; it is read once, then judged. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(ev, q->drv_evt, 4);
	uint16_t off_wrap = ev[0], flags = ev[1] & 3;

	if (flags == VQ_EVENT_DISABLE)
		fire = false;
	else if (flags != VQ_EVENT_DESC || !q->event_idx || !q->signalled_valid
		 || q->used_since_signal >= q->size)
		fire = true; /* ENABLE, or DESC without EVENT_IDX, or the
				event index is a lap or more behind */
	else {
		/* 2.8.10: interrupt when the used descriptor at off_wrap was
		 * written since the last interrupt. */
		uint32_t m = 2u * q->size;
		uint16_t off = off_wrap & 0x7fff;

		if (off >= q->size)
			fire = true; /* nonsense: err towards waking */
		else {
			uint32_t e = lin(q, off, off_wrap >> 15);
			uint32_t o = lin(q, q->signalled, q->signalled_wrap);
			uint32_t n = lin(q, q->next_used, q->used_wrap);

			fire = (e + m - o) % m < (n + m - o) % m;
		}
	}
	if (fire) {
		q->signalled = q->next_used;
		q->signalled_wrap = q->used_wrap;
		q->signalled_valid = true;
		q->used_since_signal = 0;
	}
	return fire;
}

void vq_set_notify(struct virtq *q, bool on)
{
	uint16_t ev[2];

	on = on && !q->polled;
	ev[0] = 0;
	ev[1] = on ? VQ_EVENT_ENABLE : VQ_EVENT_DISABLE;
	if (!q->dev_evt)
		return;
	if (q->split) {
		vqs_set_notify(q, on);
		return;
	}
	memcpy(q->dev_evt, ev, 4);
	/* The driver reads this after publishing descriptors; order it
	 * before the device's next look at the ring. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

unsigned vq_chain_spans(const struct vq_chain *c, bool write, uint64_t skip,
			uint64_t n, struct vq_span *out)
{
	unsigned k = 0;

	for (unsigned i = 0; i < c->nseg && n; i++) {
		const struct vq_seg *s = &c->seg[i];

		if (s->write != write)
			continue;
		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		uint64_t len = s->len - skip;

		if (len > n)
			len = n;
		out[k++] = (struct vq_span){ s->host + skip, (uint32_t)len };
		n -= len;
		skip = 0;
	}
	return k;
}

static uint64_t chain_copy(const struct vq_chain *c, bool write, uint64_t skip,
			   uint8_t *buf, uint64_t n, bool to_guest)
{
	struct vq_span sp[VQ_MAX_SEGS];
	unsigned k = vq_chain_spans(c, write, skip, n, sp);
	uint64_t done = 0;

	for (unsigned i = 0; i < k; i++) {
		if (to_guest)
			memcpy(sp[i].p, buf + done, sp[i].len);
		else
			memcpy(buf + done, sp[i].p, sp[i].len);
		done += sp[i].len;
	}
	return done;
}

uint64_t vq_chain_read(const struct vq_chain *c, uint64_t skip, void *dst,
		       uint64_t n)
{
	return chain_copy(c, false, skip, dst, n, false);
}

uint64_t vq_chain_write(const struct vq_chain *c, uint64_t skip,
			const void *src, uint64_t n)
{
	return chain_copy(c, true, skip, (uint8_t *)src, n, true);
}
