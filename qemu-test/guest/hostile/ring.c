/* The driver side: device set-up (2.1, 3.1), both ring layouts (2.7 split,
 * 2.8 packed), chains, completions, and the known-good requests that
 * decide a verdict. */
#include <stdio.h>
#include <string.h>

#include "hostile.h"

static void le16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static void le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void le64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}
static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

uint64_t default_features(struct dev *d, bool packed)
{
	uint64_t f = BIT(F_VERSION_1) | BIT(F_INDIRECT);

	if (packed)
		f |= BIT(F_RING_PACKED);
	if (d->kind == BLK)
		f |= BIT(BLK_F_SIZE_MAX) | BIT(BLK_F_SEG_MAX)
		     | BIT(BLK_F_BLK_SIZE) | BIT(BLK_F_FLUSH) | BIT(BLK_F_RO)
		     | BIT(BLK_F_DISCARD) | BIT(BLK_F_WRITE_ZEROES);
	else
		f |= BIT(NET_F_MAC) | BIT(NET_F_MTU) | BIT(NET_F_STATUS);
	return f & d->offered;
}

int dev_reset(struct dev *d)
{
	uint64_t end = now_ms() + 2000;

	cw8(d, C_STATUS, 0);
	while (cr8(d, C_STATUS)) {
		if (now_ms() > end)
			return -1;
		pause_us(200);
	}
	return 0;
}

int status_set(struct dev *d, uint8_t bits)
{
	cw8(d, C_STATUS, cr8(d, C_STATUS) | bits);
	return cr8(d, C_STATUS);
}

void queue_alloc(struct vq *q, bool packed, uint16_t size)
{
	uint32_t *done = q->done;
	uint16_t *nd = q->ndesc;

	memset(q, 0, sizeof(*q));
	q->done = done;
	q->ndesc = nd;
	memset(done, 0, 65536 * sizeof(*done));
	q->packed = packed;
	q->size = size;
	q->desc = alloc_buf(16u * size);
	if (packed) {
		q->drv = alloc_buf(4);
		q->dev = alloc_buf(4);
		memset(q->desc.va, 0, q->desc.len);
		memset(q->drv.va, 0, 4);
		memset(q->dev.va, 0, 4);
	} else {
		q->drv = alloc_buf(6 + 2u * size);
		q->dev = alloc_buf(6 + 8u * size);
		memset(q->desc.va, 0, q->desc.len);
		memset(q->drv.va, 0, q->drv.len);
		memset(q->dev.va, 0, q->dev.len);
	}
	q->avail_wrap = q->used_wrap = true;
}

void queue_program(struct dev *d, int qi)
{
	struct vq *q = &d->q[qi];

	cw16(d, C_QSEL, (uint16_t)qi);
	cw16(d, C_QSIZE, q->size);
	cw64(d, C_QDESC, q->desc.pa);
	cw64(d, C_QDRIVER, q->drv.pa);
	cw64(d, C_QDEVICE, q->dev.pa);
	cw16(d, C_QMSIX, NO_VECTOR);
}

int queue_setup(struct dev *d, int qi, uint16_t size)
{
	queue_alloc(&d->q[qi], d->packed, size);
	queue_program(d, qi);
	cw16(d, C_QENABLE, 1);
	return cr16(d, C_QENABLE) == 1 ? 0 : -1;
}

static char setup_err[128];

int dev_setup(struct dev *d, bool packed, const struct setup *s)
{
	static const struct setup none;
	uint64_t f;

	if (!s)
		s = &none;
	if (dev_reset(d)) {
		snprintf(setup_err, sizeof(setup_err), "reset never completes");
		return -1;
	}
	d->packed = packed;
	status_set(d, S_ACK);
	status_set(d, S_DRIVER);
	f = (default_features(d, packed) & ~s->feat_clear) | s->feat_set;
	cw32(d, C_GFSELECT, 0);
	cw32(d, C_GF, (uint32_t)f);
	cw32(d, C_GFSELECT, 1);
	cw32(d, C_GF, (uint32_t)(f >> 32));
	d->features = f;
	if (!(status_set(d, S_FEATURES_OK) & S_FEATURES_OK)) {
		snprintf(setup_err, sizeof(setup_err), "FEATURES_OK refused");
		return -1;
	}
	for (int qi = 0; qi < d->nq && qi < 2; qi++) {
		if (s->skip_q[qi])
			continue;
		if (queue_setup(d, qi, s->qsize ? s->qsize : 64)) {
			snprintf(setup_err, sizeof(setup_err),
				 "queue %d not enabled", qi);
			return -1;
		}
	}
	if (!s->no_driver_ok && !(status_set(d, S_DRIVER_OK) & S_DRIVER_OK)) {
		snprintf(setup_err, sizeof(setup_err), "DRIVER_OK refused");
		return -1;
	}
	return 0;
}

const char *setup_error(void)
{
	return setup_err;
}

void kick(struct dev *d, int qi)
{
	w16(d, d->notify + (uint32_t)qi * d->notify_mult, (uint16_t)qi);
}

/* --- chains ---------------------------------------------------------- */
void ch_init(struct chain *c)
{
	c->n = 0;
	c->raw_next = false;
	c->id_set = false;
	c->id = 0;
}

void ch_add(struct chain *c, uint64_t pa, uint32_t len, uint16_t flags)
{
	if (c->n < MAXSEG)
		c->s[c->n++] = (struct seg){ pa, len, flags };
}

void ch_buf(struct chain *c, struct buf b, uint16_t flags)
{
	if (!(flags & D_WRITE))
		protect(b.va, b.len);
	ch_add(c, b.pa, b.len, flags);
}

void pdesc(struct vq *q, uint16_t pos, uint64_t addr, uint32_t len, uint16_t id,
	   uint16_t flags)
{
	uint8_t *p = q->desc.va + 16u * pos;

	le64(p, addr);
	le32(p + 8, len);
	le16(p + 12, id);
	__atomic_store_n((uint16_t *)(p + 14), flags, __ATOMIC_RELEASE);
}

void sdesc(struct vq *q, uint16_t i, uint64_t addr, uint32_t len,
	   uint16_t flags, uint16_t next)
{
	uint8_t *p = q->desc.va + 16u * i;

	le64(p, addr);
	le32(p + 8, len);
	le16(p + 12, flags);
	le16(p + 14, next);
}

void split_publish(struct vq *q, uint16_t head)
{
	le16(q->drv.va + 4 + 2u * (q->avail_idx % q->size), head);
	q->avail_idx++;
	__atomic_store_n((uint16_t *)(q->drv.va + 2), q->avail_idx,
			 __ATOMIC_RELEASE);
}

static uint16_t avail_bits(bool wrap)
{
	return wrap ? D_AVAIL : D_USED;
}

uint16_t post(struct dev *d, int qi, const struct chain *c)
{
	struct vq *q = &d->q[qi];

	if (q->packed) {
		uint16_t id = c->id_set ? c->id : q->next_id++;
		uint16_t head = q->avail_pos, head_flags = 0;
		bool wrap = q->avail_wrap;

		for (int i = 0; i < c->n; i++) {
			uint16_t f = c->s[i].flags;

			if (!c->raw_next && i + 1 < c->n)
				f |= D_NEXT;
			f |= avail_bits(q->avail_wrap);
			if (i == 0) {
				/* The head's flags last: the whole chain is
				 * there before the device can see it. */
				pdesc(q, q->avail_pos, c->s[i].pa, c->s[i].len,
				      id, 0);
				le16(q->desc.va + 16u * head + 14,
				     avail_bits(!wrap));
				head_flags = f;
			} else
				pdesc(q, q->avail_pos, c->s[i].pa, c->s[i].len,
				      id, f);
			if (++q->avail_pos == q->size) {
				q->avail_pos = 0;
				q->avail_wrap = !q->avail_wrap;
			}
		}
		q->ndesc[id] = (uint16_t)c->n;
		q->done[id] = 0;
		__atomic_store_n((uint16_t *)(q->desc.va + 16u * head + 14),
				 head_flags, __ATOMIC_RELEASE);
		return id;
	}
	uint16_t head = q->next_desc % q->size;

	for (int i = 0; i < c->n; i++) {
		uint16_t at = (uint16_t)((head + i) % q->size);
		uint16_t f = c->s[i].flags;

		if (!c->raw_next && i + 1 < c->n)
			f |= D_NEXT;
		sdesc(q, at, c->s[i].pa, c->s[i].len, f,
		      (uint16_t)((at + 1) % q->size));
	}
	q->next_desc = (uint16_t)((head + c->n) % q->size);
	q->done[head] = 0;
	split_publish(q, head);
	return head;
}

uint16_t submit(struct dev *d, int qi, const struct chain *c)
{
	uint16_t id = post(d, qi, c);

	kick(d, qi);
	return id;
}

void reap(struct dev *d, int qi)
{
	struct vq *q = &d->q[qi];

	if (!q->size)
		return;
	if (q->packed) {
		for (int guard = 0; guard < 4 * q->size; guard++) {
			uint8_t *p = q->desc.va + 16u * q->used_pos;
			uint16_t f = __atomic_load_n((uint16_t *)(p + 14),
						     __ATOMIC_ACQUIRE);
			bool a = f & D_AVAIL, u = f & D_USED;
			uint16_t id, n;

			if (a != u || a != q->used_wrap)
				return;
			id = get16(p + 12);
			q->done[id] = get32(p + 8) + 1;
			n = q->ndesc[id];
			if (!n || n > q->size) {
				q->desync = true;
				n = 1;
			}
			q->used_pos = (uint16_t)(q->used_pos + n);
			if (q->used_pos >= q->size) {
				q->used_pos = (uint16_t)(q->used_pos - q->size);
				q->used_wrap = !q->used_wrap;
			}
		}
		return;
	}
	uint16_t idx = __atomic_load_n((uint16_t *)(q->dev.va + 2),
				       __ATOMIC_ACQUIRE);

	while (q->used_seen != idx) {
		uint8_t *e = q->dev.va + 4 + 8u * (q->used_seen % q->size);
		uint32_t id = get32(e);

		if (id < 65536)
			q->done[id] = get32(e + 4) + 1;
		else
			q->desync = true;
		q->used_seen++;
	}
}

int wait_used(struct dev *d, int qi, uint16_t id, uint32_t *len, int ms)
{
	struct vq *q = &d->q[qi];
	uint64_t end = now_ms() + (uint64_t)ms;

	for (int spin = 0;; spin++) {
		reap(d, qi);
		if (q->done[id]) {
			if (len)
				*len = q->done[id] - 1;
			q->done[id] = 0;
			return 1;
		}
		if (now_ms() > end)
			return 0;
		if (spin > 20)
			pause_us(100);
	}
}

struct buf indirect_table(struct dev *d, const struct seg *s, int n,
			  bool chain_next)
{
	struct buf t = alloc_buf(16u * (n ? n : 1));

	for (int i = 0; i < n; i++) {
		uint8_t *p = t.va + 16 * i;
		uint16_t f = s[i].flags;

		if (!d->packed && chain_next && i + 1 < n)
			f |= D_NEXT;
		le64(p, s[i].pa);
		le32(p + 8, s[i].len);
		if (d->packed) {
			le16(p + 12, 0);
			le16(p + 14, f);
		} else {
			le16(p + 12, f);
			le16(p + 14, (uint16_t)(i + 1));
		}
	}
	protect(t.va, t.len);
	return t;
}

/* --- requests -------------------------------------------------------- */
void blk_build(struct dev *d, struct blkreq *r, uint32_t type, uint64_t sector,
	       uint32_t datalen, bool write_data)
{
	(void)d;
	r->hdr = alloc_buf(16);
	memset(r->hdr.va, 0, 16);
	le32(r->hdr.va, type);
	le64(r->hdr.va + 8, sector);
	ch_init(&r->c);
	ch_buf(&r->c, r->hdr, 0);
	if (datalen) {
		r->data = alloc_buf(datalen);
		if (write_data) {
			for (uint32_t i = 0; i < datalen; i++)
				r->data.va[i] = (uint8_t)(i * 13 + 7);
			ch_buf(&r->c, r->data, 0);
		} else
			ch_buf(&r->c, r->data, D_WRITE);
	} else
		r->data = (struct buf){ 0 };
	r->st = alloc_buf(1);
	ch_buf(&r->c, r->st, D_WRITE);
}

struct buf net_frame(struct dev *d, uint32_t framelen)
{
	struct buf b = alloc_buf(NET_HDR + framelen);

	memset(b.va, 0, NET_HDR + framelen);
	if (framelen >= 14) {
		memset(b.va + NET_HDR, 0xff, 6);
		memcpy(b.va + NET_HDR + 6, d->mac, 6);
		b.va[NET_HDR + 12] = 0x88; /* local experimental ethertype */
		b.va[NET_HDR + 13] = 0xb5;
		for (uint32_t i = 14; i < framelen; i++)
			b.va[NET_HDR + i] = (uint8_t)i;
	}
	return b;
}

int known_good(struct dev *d, char *why, size_t n)
{
	uint32_t len = 0;

	if (d->kind == BLK) {
		struct blkreq r;

		blk_build(d, &r, BLK_T_IN, 0, 512, false);
		uint16_t id = submit(d, 0, &r.c);

		if (!wait_used(d, 0, id, &len, 3000)) {
			snprintf(why, n,
				 "known-good read of sector 0 never "
				 "completed");
			return -1;
		}
		if (r.st.va[0] != BLK_S_OK || len != 513) {
			snprintf(why, n,
				 "known-good read of sector 0: status %u, used "
				 "length %u",
				 r.st.va[0], len);
			return -1;
		}
		if (memcmp(r.data.va, d->ref, 512)) {
			snprintf(why, n,
				 "sector 0 no longer holds what it "
				 "held at start-up");
			return -1;
		}
		return 0;
	}
	struct chain c;
	struct buf f = net_frame(d, 60);

	ch_init(&c);
	ch_buf(&c, f, 0);
	uint16_t id = submit(d, 1, &c);

	if (!wait_used(d, 1, id, &len, 3000)) {
		snprintf(why, n, "known-good transmit never came back used");
		return -1;
	}
	return 0;
}
