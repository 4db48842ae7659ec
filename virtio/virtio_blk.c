/* virtio-blk (virtio 1.2, 5.2).
 *
 * A request is one chain: a 16-byte header the device reads, data, and a
 * status byte the device writes last.  The device does not assume how the
 * driver cut that into descriptors (2.6.4): the header is the first 16
 * readable bytes, the status the last writable byte, the data the rest.
 * Every check happens before the backend sees the request: direction,
 * sizes, the sector range, read-only.  A bad request gets IOERR (or
 * UNSUPP) in its status byte; one with no writable status byte is
 * returned with nothing written. */
#include "virtio/virtio_blk.h"

#include <stddef.h>
#include <string.h>

#include "hv/base/log.h"

/* Request types and status values (5.2.6) */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define GET_ID_BYTES 20
#define HDR_BYTES 16
#define WZ_UNMAP 1

/* Feature bits (5.2.3) */
#define F_SIZE_MAX 1
#define F_SEG_MAX 2
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define F_DISCARD 13
#define F_WRITE_ZEROES 14

#define LOG_LIMIT 16 /* bad requests logged per device before going quiet */

static void bad_request(struct vblk *b, const struct vq_chain *c,
			const char *why)
{
	uint64_t n = b->st.bad_chains + b->st.ioerr + b->st.no_status;

	if (n < LOG_LIMIT)
		log_msg("virtio: %s: request %u failed: %s%s", b->dev.name,
			c->id, why,
			n + 1 == LOG_LIMIT ? " (further ones are counted only)"
					   : "");
}

/* --- completion ---------------------------------------------------- */

static void process(struct vblk *b);

static void finish(struct vblk_slot *s, uint8_t status)
{
	struct vblk *b = s->blk;
	struct virtq *q = &b->dev.vq[0];
	uint32_t len = 0;

	if (s->status) {
		*s->status = status;
		len = status == S_OK ? s->used_len + 1 : 1;
	}
	if (status == S_IOERR)
		b->st.ioerr++;
	else if (status == S_UNSUPP)
		b->st.unsupp++;
	if (status != S_OK)
		q->st.errors++;
	vq_push(q, s->ch.id, s->ch.ndesc, len);
	s->busy = false;
}

static void backend_done(struct blk_req *r, int status)
{
	struct vblk_slot *s = r->ctx;
	struct vblk *b = s->blk;

	b->in_flight--;
	if (s->orphan) {
		/* Reset while the backend held it: the ring it came from
		 * is gone, so nothing is written anywhere. */
		s->busy = s->orphan = false;
		vdev_reset_progress(&b->dev);
		return;
	}
	if (status == BLK_OK) {
		if (r->op == BLK_READ)
			b->st.read_bytes += r->nsectors * BLK_SECTOR;
		else if (r->op == BLK_WRITE)
			b->st.write_bytes += r->nsectors * BLK_SECTOR;
		b->dev.vq[0].st.bytes += r->nsectors * BLK_SECTOR;
	}
	finish(s, status == BLK_OK ? S_OK : S_IOERR);
	if (!b->processing) {
		/* Completed from poll(): tell the driver, take more. */
		vdev_queue_interrupt(&b->dev, &b->dev.vq[0]);
		process(b);
	}
}

/* --- parsing ------------------------------------------------------- */

/* `len` bytes of the chain's readable (or writable) side from `skip` on,
 * as host-physical ranges. */
static unsigned slice(const struct vq_chain *c, bool write, uint64_t skip,
		      uint64_t len, struct blk_sg *sg)
{
	struct vq_span sp[VQ_MAX_SEGS];
	unsigned n = vq_chain_spans(c, write, skip, len, sp);

	for (unsigned i = 0; i < n; i++)
		sg[i] = (struct blk_sg){ (uint64_t)(uintptr_t)sp[i].p,
					 sp[i].len };
	return n;
}

static bool in_range(const struct vblk *b, uint64_t sector, uint64_t n)
{
	return sector <= b->be->sectors && n <= b->be->sectors - sector;
}

static void submit(struct vblk *b, struct vblk_slot *s)
{
	b->in_flight++;
	if (b->be->submit(b->be, &s->req) == 0)
		return;
	/* The backend refused without taking it (full): slots are sized so
	 * that this means a backend fault; fail the request rather than
	 * hold the queue. */
	b->in_flight--;
	bad_request(b, &s->ch, "backend busy");
	finish(s, S_IOERR);
}

static void start(struct vblk *b, struct vblk_slot *s)
{
	const struct vq_chain *c = &s->ch;
	struct blk_req *r = &s->req;
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} h;
	uint64_t out, in;

	s->status = c->last_ok && c->last.write && c->last.len
			    ? c->last.host + c->last.len - 1
			    : NULL;
	s->used_len = 0;
	if (!s->status) {
		b->st.no_status++;
		bad_request(b, c, "no writable status byte");
		finish(s, S_IOERR);
		return;
	}
	if (c->bad) {
		b->st.bad_chains++;
		bad_request(b, c, c->bad);
		finish(s, S_IOERR);
		return;
	}
	if (vq_chain_read(c, 0, &h, HDR_BYTES) < HDR_BYTES) {
		bad_request(b, c, "header shorter than 16 bytes");
		finish(s, S_IOERR);
		return;
	}
	out = c->out_bytes - HDR_BYTES; /* data the driver gives */
	in = c->in_bytes - 1;		/* room before the status byte */
	*r = (struct blk_req){ .sector = h.sector, .done = backend_done,
			       .ctx = s, .sg = s->sg };
	switch (h.type) {
	case T_IN:
	case T_OUT: {
		bool wr = h.type == T_OUT;
		uint64_t len = wr ? in : out; /* must be 0 */
		uint64_t data = wr ? out : in;

		if (len || data % BLK_SECTOR) {
			bad_request(b, c, "data not a whole number of sectors "
					  "in the right direction");
			finish(s, S_IOERR);
			return;
		}
		if (wr && b->be->readonly) {
			bad_request(b, c, "write to a read-only disk");
			finish(s, S_IOERR);
			return;
		}
		r->nsectors = data / BLK_SECTOR;
		if (!in_range(b, h.sector, r->nsectors)) {
			bad_request(b, c, "beyond the end of the disk");
			finish(s, S_IOERR);
			return;
		}
		r->op = wr ? BLK_WRITE : BLK_READ;
		r->nsg = slice(c, !wr, wr ? HDR_BYTES : 0, data, s->sg);
		if (wr)
			b->st.writes++;
		else {
			b->st.reads++;
			s->used_len = (uint32_t)data;
		}
		submit(b, s);
		return;
	}
	case T_FLUSH:
		/* 5.2.6: the sector field means nothing but for IN and OUT. */
		b->st.flushes++;
		r->op = BLK_FLUSH;
		r->sector = 0;
		submit(b, s);
		return;
	case T_GET_ID: {
		uint8_t id[GET_ID_BYTES];
		uint64_t n = in < GET_ID_BYTES ? in : GET_ID_BYTES;

		/* 5.2.6: up to 20 bytes, no NUL needed when all are used. */
		memcpy(id, b->be->serial, GET_ID_BYTES);
		s->used_len = (uint32_t)vq_chain_write(c, 0, id, n);
		b->st.get_ids++;
		finish(s, S_OK);
		return;
	}
	case T_DISCARD:
	case T_WRITE_ZEROES: {
		bool wz = h.type == T_WRITE_ZEROES;
		struct {
			uint64_t sector;
			uint32_t num, flags;
		} seg;

		if (wz ? !vdev_has(&b->dev, F_WRITE_ZEROES)
		       : !vdev_has(&b->dev, F_DISCARD)) {
			finish(s, S_UNSUPP);
			return;
		}
		/* max_discard_seg and max_write_zeroes_seg are 1. */
		if (out != sizeof(seg) || in) {
			bad_request(b, c, "discard needs exactly one segment");
			finish(s, S_IOERR);
			return;
		}
		vq_chain_read(c, HDR_BYTES, &seg, sizeof(seg));
		/* 5.2.6.2: unmap is the only flag, and only for
		 * write-zeroes; discard with it set is UNSUPP. */
		if (seg.flags & ~(wz ? WZ_UNMAP : 0)) {
			finish(s, S_UNSUPP);
			return;
		}
		if (b->be->readonly || !seg.num
		    || seg.num > VBLK_MAX_DISCARD_SECTORS
		    || !in_range(b, seg.sector, seg.num)) {
			bad_request(b, c, "bad discard range");
			finish(s, S_IOERR);
			return;
		}
		r->op = wz ? BLK_WRITE_ZEROES : BLK_DISCARD;
		r->sector = seg.sector;
		r->nsectors = seg.num;
		r->nsg = 0;
		if (wz)
			b->st.write_zeroes++;
		else
			b->st.discards++;
		submit(b, s);
		return;
	}
	default:
		finish(s, S_UNSUPP);
	}
}

static struct vblk_slot *free_slot(struct vblk *b)
{
	for (unsigned i = 0; i < VBLK_SLOTS; i++)
		if (!b->slot[i].busy)
			return &b->slot[i];
	return NULL;
}

/* Takes chains while there are slots; completions inside submit() only
 * push, and one interrupt decision covers the batch. */
static void process(struct vblk *b)
{
	struct virtq *q = &b->dev.vq[0];
	struct vblk_slot *s;

	if (b->processing || !vdev_running(&b->dev))
		return;
	b->processing = true;
	while ((s = free_slot(b))) {
		s->busy = true;
		if (vq_pop(q, &s->ch) <= 0) {
			s->busy = false;
			break;
		}
		start(b, s);
	}
	b->processing = false;
	vdev_queue_interrupt(&b->dev, q);
}

/* --- transport callbacks ------------------------------------------- */

static void blk_notify(struct vdev *d, unsigned q)
{
	if (q == 0)
		process(d->model);
}

static void blk_reset(struct vdev *d)
{
	struct vblk *b = d->model;

	for (unsigned i = 0; i < VBLK_SLOTS; i++)
		if (b->slot[i].busy)
			b->slot[i].orphan = true;
}

static unsigned blk_in_flight(struct vdev *d)
{
	return ((struct vblk *)d->model)->in_flight;
}

static void blk_driver_ok(struct vdev *d)
{
	process(d->model);
}

/* 5.2.4: struct virtio_blk_config, as far as the fields offered. */
static uint32_t blk_cfg_read(struct vdev *d, uint32_t off, unsigned size)
{
	const struct vblk *b = d->model;
	uint8_t c[0x3c] = { 0 };
	uint32_t v32;
	uint32_t v = 0;

	memcpy(c + 0x00, &b->be->sectors, 8);
	v32 = VBLK_SIZE_MAX;
	memcpy(c + 0x08, &v32, 4);
	v32 = VBLK_SEG_MAX;
	memcpy(c + 0x0c, &v32, 4);
	v32 = BLK_SECTOR;
	memcpy(c + 0x14, &v32, 4);
	c[0x20] = 1; /* writeback cache: flushes matter */
	v32 = VBLK_MAX_DISCARD_SECTORS;
	memcpy(c + 0x24, &v32, 4); /* max_discard_sectors */
	v32 = 1;
	memcpy(c + 0x28, &v32, 4); /* max_discard_seg */
	memcpy(c + 0x2c, &v32, 4); /* discard_sector_alignment */
	v32 = VBLK_MAX_DISCARD_SECTORS;
	memcpy(c + 0x30, &v32, 4); /* max_write_zeroes_sectors */
	v32 = 1;
	memcpy(c + 0x34, &v32, 4); /* max_write_zeroes_seg */
	c[0x38] = 1;		   /* write_zeroes_may_unmap */
	if (off < sizeof(c) && size <= sizeof(c) - off)
		memcpy(&v, c + off, size);
	return v;
}

static const struct vdev_ops blk_ops = {
	.reset = blk_reset,
	.in_flight = blk_in_flight,
	.notify = blk_notify,
	.driver_ok = blk_driver_ok,
	.cfg_read = blk_cfg_read,
};

void vblk_init(struct vblk *b, struct vpci_fn *f, struct blk_backend *be,
	       const char *name, uint64_t bar_addr, const struct gmem *gm)
{
	uint64_t feat = 1ull << F_SIZE_MAX | 1ull << F_SEG_MAX
			| 1ull << F_BLK_SIZE | 1ull << F_FLUSH;

	memset(b, 0, sizeof(*b));
	b->be = be;
	if (be->readonly)
		feat |= 1ull << F_RO;
	else {
		if (be->can_discard)
			feat |= 1ull << F_DISCARD;
		if (be->can_write_zeroes)
			feat |= 1ull << F_WRITE_ZEROES;
	}
	for (unsigned i = 0; i < VBLK_SLOTS; i++)
		b->slot[i].blk = b;
	vdev_init(&b->dev, f, VIRTIO_ID_BLOCK, name, &blk_ops, b, feat, 1,
		  VQ_MAX_SIZE, bar_addr, gm);
}

void vblk_poll(struct vblk *b)
{
	if (b->be->poll)
		b->be->poll(b->be);
}
