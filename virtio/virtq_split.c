/* Split virtqueue, device side (virtio 1.2, 2.7).
 *
 *   descriptor table  16 bytes each: addr, len, flags, next
 *   available ring    flags, idx, ring[size], used_event   (driver area)
 *   used ring         flags, idx, {id, len}[size], avail_event (device)
 *
 * Indices are free-running 16-bit counters.  A chain is found by its head
 * index (the buffer id) and followed through `next`; a chain that never
 * ends (a loop) or leaves the table cannot be walked, so the queue stalls,
 * like the packed ring's. */
#include "virtio/virtq_split.h"

#include <stddef.h>
#include <string.h>

#include "hv/base/byteorder.h"

#define DESC_SIZE VQ_DESC_SIZE
#define F_NEXT VQ_DESC_F_NEXT
#define F_WRITE VQ_DESC_F_WRITE
#define F_INDIRECT VQ_DESC_F_INDIRECT
#define AVAIL_NO_INTERRUPT 1
#define USED_NO_NOTIFY 1

struct sdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static void read_sdesc(const uint8_t *p, struct sdesc *d)
{
	d->addr = get_le64(p + VQ_SDESC_ADDR);
	d->len = get_le32(p + VQ_SDESC_LEN);
	d->flags = get_le16(p + VQ_SDESC_FLAGS);
	d->next = get_le16(p + VQ_SDESC_NEXT);
}

/* The driver publishes ring entries, then idx with a release store
 * (2.7.13); the acquire load here orders the entries after it. */
static uint16_t avail_idx(const struct virtq *q)
{
	return __atomic_load_n((const uint16_t *)(q->drv_evt + 2),
			       __ATOMIC_ACQUIRE);
}

bool vqs_avail(const struct virtq *q)
{
	return avail_idx(q) != q->next_avail;
}

/* With EVENT_IDX the driver notifies when it passes avail_event
 * (2.7.10): keep it at the next entry the device will read. */
static void ask_next(struct virtq *q)
{
	if (q->event_idx && q->notify_on) {
		uint16_t v = q->next_avail;

		memcpy(q->dev_evt + 4 + 8 * (size_t)q->size, &v, 2);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

int vqs_pop(struct virtq *q, struct vq_chain *c)
{
	uint16_t idx = avail_idx(q), pending = (uint16_t)(idx - q->next_avail);
	uint16_t head, i;

	if (!pending) {
		ask_next(q);
		/* An entry published between the look and the store above
		 * would wait for a notification that never comes. */
		idx = avail_idx(q);
		pending = (uint16_t)(idx - q->next_avail);
		if (!pending)
			return 0;
	}
	if (pending > q->size) {
		vq_stall(q, "available index more than the queue size ahead");
		return -1;
	}
	memcpy(&head,
	       q->drv_evt + 4 + 2 * (size_t)(q->next_avail & (q->size - 1)), 2);
	if (head >= q->size) {
		vq_stall(q, "head descriptor beyond the table");
		return -1;
	}
	c->nseg = 0;
	c->out_bytes = c->in_bytes = 0;
	c->bad = NULL;
	c->last_ok = false;
	c->id = head;
	c->ndesc = 1;
	i = head;
	for (uint16_t n = 1;; n++) {
		struct sdesc d;

		read_sdesc(q->desc + (size_t)i * DESC_SIZE, &d);
		if (d.flags & F_INDIRECT) {
			/* 2.7.5.3: the table ends the chain. */
			vq_walk_indirect(q, c, d.addr, d.len, d.flags);
			break;
		}
		vq_add_seg(q, c, d.addr, d.len, d.flags & F_WRITE);
		if (!(d.flags & F_NEXT))
			break;
		if (n == q->size) {
			vq_stall(q, "chain longer than the queue (a loop)");
			return -1;
		}
		if (d.next >= q->size) {
			vq_stall(q, "next descriptor beyond the table");
			return -1;
		}
		i = d.next;
	}
	q->next_avail++;
	q->st.requests++;
	ask_next(q);
	return 1;
}

void vqs_push(struct virtq *q, uint16_t id, uint32_t len)
{
	uint8_t *e = q->dev_evt + 4
		     + 8 * (size_t)(q->next_used & (q->size - 1));
	uint32_t id32 = id;

	memcpy(e, &id32, 4);
	memcpy(e + 4, &len, 4);
	q->next_used++;
	/* The element before the index that publishes it (2.7.8.2). */
	__atomic_store_n((uint16_t *)(q->dev_evt + 2), q->next_used,
			 __ATOMIC_RELEASE);
	q->used_since_signal++;
}

bool vqs_need_interrupt(struct virtq *q)
{
	bool fire;

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* used idx before this */
	if (q->event_idx) {
		/* 2.7.10: used_event sits after the available ring. */
		uint16_t ev, now = q->next_used, old = q->signalled;

		memcpy(&ev, q->drv_evt + 4 + 2 * (size_t)q->size, 2);
		fire = !q->signalled_valid
		       || (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
	} else {
		uint16_t flags;

		memcpy(&flags, q->drv_evt, 2);
		fire = !(flags & AVAIL_NO_INTERRUPT);
	}
	if (fire) {
		q->signalled = q->next_used;
		q->signalled_valid = true;
		q->used_since_signal = 0;
	}
	return fire;
}

void vqs_set_notify(struct virtq *q, bool on)
{
	/* 2.7.10.2: with EVENT_IDX the flags stay 0 and avail_event alone
	 * (left behind while off) suppresses notifications. */
	uint16_t f = on || q->event_idx ? 0 : USED_NO_NOTIFY;

	q->notify_on = on;
	memcpy(q->dev_evt, &f, 2);
	ask_next(q);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
