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

#include "hv/base/byteorder.h"
#include "hv/base/log.h"
#include "virtio/virtio_blk_regs.h"

#define S_OK VIRTIO_BLK_S_OK
#define S_IOERR VIRTIO_BLK_S_IOERR
#define S_UNSUPP VIRTIO_BLK_S_UNSUPP
#define HDR_BYTES VIRTIO_BLK_HDR_SIZE

#define LOG_LIMIT 16 /* bad requests logged per device before going quiet */

/* The used length (data + status) of the largest request fits 32 bits. */
_Static_assert(VBLK_MAX_REQ_BYTES + 1 <= UINT32_MAX, "used length wraps");

/* Counted among the failures (ioerr, bad_chains, no_status) that share
 * one budget of log lines. */
static void bad_request(struct vblk *b, const struct vq_chain *c,
			const char *why)
{
	log_limited(b->st.bad_chains + b->st.ioerr + b->st.no_status, LOG_LIMIT,
		    LOG_LIMIT_NOTE, "virtio: %s: request %u failed: %s",
		    b->dev.name, c->id, why);
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
 * as host-physical ranges; -1 when they break seg_max or size_max.  The
 * limits hold for the data however the driver cut it: a descriptor that
 * also carries the header or the status counts for its data part. */
static int slice(const struct vq_chain *c, bool write, uint64_t skip,
		 uint64_t len, struct blk_sg *sg)
{
	struct vq_span sp[VQ_MAX_SEGS];
	unsigned n = vq_chain_spans(c, write, skip, len, sp);

	if (n > VBLK_SEG_MAX)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (sp[i].len > VBLK_SIZE_MAX)
			return -1;
		sg[i] = (struct blk_sg){ (uint64_t)(uintptr_t)sp[i].p,
					 sp[i].len };
	}
	return (int)n;
}

static bool in_range(const struct vblk *b, uint64_t sector, uint64_t n)
{
	return sector <= b->be->sectors && n <= b->be->sectors - sector;
}

static void submit(struct vblk *b, struct vblk_slot *s)
{
	/* What the pass has handed over: the bytes moved or cleared. */
	if (s->req.op != BLK_FLUSH)
		b->pass_bytes += s->req.nsectors * BLK_SECTOR;
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

/* Logs why, then completes with IOERR. */
static void fail(struct vblk *b, struct vblk_slot *s, const char *why)
{
	bad_request(b, &s->ch, why);
	finish(s, S_IOERR);
}

/* Data the driver gives (past the header) and room it gives (before the
 * status byte). */
static uint64_t data_out(const struct vq_chain *c)
{
	return c->out_bytes - HDR_BYTES;
}

static uint64_t data_in(const struct vq_chain *c)
{
	return c->in_bytes - 1;
}

/* IN and OUT: whole sectors, one direction only, within the disk. */
static void start_rw(struct vblk *b, struct vblk_slot *s, bool wr)
{
	const struct vq_chain *c = &s->ch;
	struct blk_req *r = &s->req;
	uint64_t len = wr ? data_in(c) : data_out(c); /* must be 0 */
	uint64_t data = wr ? data_out(c) : data_in(c);

	if (len || data % BLK_SECTOR) {
		fail(b, s,
		     "data not a whole number of sectors in the right "
		     "direction");
		return;
	}
	if (wr && b->be->readonly) {
		fail(b, s, "write to a read-only disk");
		return;
	}
	r->nsectors = data / BLK_SECTOR;
	if (!in_range(b, r->sector, r->nsectors)) {
		fail(b, s, "beyond the end of the disk");
		return;
	}
	int nsg = slice(c, !wr, wr ? HDR_BYTES : 0, data, s->sg);

	if (nsg < 0) {
		b->st.over_limits++;
		fail(b, s, "more segments than seg_max or one over size_max");
		return;
	}
	r->op = wr ? BLK_WRITE : BLK_READ;
	r->nsg = (unsigned)nsg;
	if (wr)
		b->st.writes++;
	else {
		b->st.reads++;
		s->used_len = (uint32_t)data;
	}
	submit(b, s);
}

static void start_get_id(struct vblk *b, struct vblk_slot *s)
{
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	uint64_t in = data_in(&s->ch);
	uint64_t n = in < VIRTIO_BLK_ID_BYTES ? in : VIRTIO_BLK_ID_BYTES;

	/* 5.2.6: up to 20 bytes, no NUL needed when all are used. */
	memcpy(id, b->be->serial, VIRTIO_BLK_ID_BYTES);
	s->used_len = (uint32_t)vq_chain_write(&s->ch, 0, id, n);
	b->st.get_ids++;
	finish(s, S_OK);
}

static uint32_t max_clear(const struct vblk *b)
{
	return b->be->max_clear_sectors ? b->be->max_clear_sectors
					: VBLK_MAX_DISCARD_SECTORS;
}

/* DISCARD and WRITE_ZEROES: one segment, within the disk. */
static void start_discard(struct vblk *b, struct vblk_slot *s, bool wz)
{
	const struct vq_chain *c = &s->ch;
	struct blk_req *r = &s->req;
	uint8_t seg[VIRTIO_BLK_SEG_SIZE];
	uint64_t sector;
	uint32_t num, flags;

	if (!vdev_has(&b->dev,
		      wz ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD)) {
		finish(s, S_UNSUPP);
		return;
	}
	/* max_discard_seg and max_write_zeroes_seg are 1. */
	if (data_out(c) != sizeof(seg) || data_in(c)) {
		fail(b, s, "discard needs exactly one segment");
		return;
	}
	vq_chain_read(c, HDR_BYTES, seg, sizeof(seg));
	sector = get_le64(seg + VIRTIO_BLK_SEG_SECTOR);
	num = get_le32(seg + VIRTIO_BLK_SEG_NUM);
	flags = get_le32(seg + VIRTIO_BLK_SEG_FLAGS);
	/* 5.2.6.2: unmap is the only flag, and only for write-zeroes;
	 * discard with it set is UNSUPP. */
	if (flags & ~(wz ? VIRTIO_BLK_WZ_UNMAP : 0)) {
		finish(s, S_UNSUPP);
		return;
	}
	if (b->be->readonly || !num || num > max_clear(b)
	    || !in_range(b, sector, num)) {
		fail(b, s, "bad discard range");
		return;
	}
	r->op = wz ? BLK_WRITE_ZEROES : BLK_DISCARD;
	r->sector = sector;
	r->nsectors = num;
	r->nsg = 0;
	if (wz)
		b->st.write_zeroes++;
	else
		b->st.discards++;
	submit(b, s);
}

/* A chain taken from the ring: its status byte and header checked, then
 * the request by type. */
static void start(struct vblk *b, struct vblk_slot *s)
{
	const struct vq_chain *c = &s->ch;
	uint8_t h[HDR_BYTES];
	uint32_t type;

	s->status = c->last_ok && c->last.write && c->last.len
			    ? c->last.host + c->last.len - 1
			    : NULL;
	s->used_len = 0;
	if (!s->status) {
		b->st.no_status++;
		fail(b, s, "no writable status byte");
		return;
	}
	if (c->bad) {
		b->st.bad_chains++;
		fail(b, s, c->bad);
		return;
	}
	if (vq_chain_read(c, 0, h, HDR_BYTES) < HDR_BYTES) {
		fail(b, s, "header shorter than 16 bytes");
		return;
	}
	type = get_le32(h + VIRTIO_BLK_HDR_TYPE);
	s->req = (struct blk_req){
		.sector = get_le64(h + VIRTIO_BLK_HDR_SECTOR),
		.done = backend_done,
		.ctx = s,
		.sg = s->sg,
	};
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		start_rw(b, s, type == VIRTIO_BLK_T_OUT);
		return;
	case VIRTIO_BLK_T_FLUSH:
		/* 5.2.6: the sector field means nothing but for IN and OUT. */
		b->st.flushes++;
		s->req.op = BLK_FLUSH;
		s->req.sector = 0;
		submit(b, s);
		return;
	case VIRTIO_BLK_T_GET_ID:
		start_get_id(b, s);
		return;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		start_discard(b, s, type == VIRTIO_BLK_T_WRITE_ZEROES);
		return;
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

/* Takes chains while there are slots, up to the batch bound; completions
 * inside submit() only push, and one interrupt decision covers the batch.
 * A pass that stops at the bound leaves the rest to vblk_poll(), so a
 * backend that completes inside submit() (the RAM disk) gives the host
 * back between batches. */
static void process(struct vblk *b)
{
	struct virtq *q = &b->dev.vq[0];
	struct vblk_slot *s;
	unsigned taken = 0;

	if (b->processing)
		return;
	b->backlog = false;
	if (!vdev_running(&b->dev))
		return;
	b->processing = true;
	b->pass_bytes = 0;
	while ((s = free_slot(b))) {
		if (taken == VBLK_BATCH_REQUESTS
		    || b->pass_bytes >= VBLK_BATCH_BYTES) {
			b->backlog = vq_avail(q);
			b->st.deferred += b->backlog;
			break;
		}
		s->busy = true;
		if (vq_pop(q, &s->ch) <= 0) {
			s->busy = false;
			break;
		}
		taken++;
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
	uint8_t c[VIRTIO_BLK_CFG_SIZE] = { 0 };
	uint32_t v = 0;

	put_le64(c + VIRTIO_BLK_CFG_CAPACITY, b->be->sectors);
	put_le32(c + VIRTIO_BLK_CFG_SIZE_MAX, VBLK_SIZE_MAX);
	put_le32(c + VIRTIO_BLK_CFG_SEG_MAX, VBLK_SEG_MAX);
	put_le32(c + VIRTIO_BLK_CFG_BLK_SIZE,
		 b->be->block_size ? b->be->block_size : BLK_SECTOR);
	c[VIRTIO_BLK_CFG_WRITEBACK] = 1; /* writeback cache: flushes matter */
	put_le32(c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, max_clear(b));
	put_le32(c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 1);
	put_le32(c + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT,
		 b->be->block_size > BLK_SECTOR ? b->be->block_size / BLK_SECTOR
						: 1);
	put_le32(c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, max_clear(b));
	put_le32(c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, 1);
	c[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
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
	uint64_t feat = 1ull << VIRTIO_BLK_F_SIZE_MAX
			| 1ull << VIRTIO_BLK_F_SEG_MAX
			| 1ull << VIRTIO_BLK_F_BLK_SIZE
			| 1ull << VIRTIO_BLK_F_FLUSH;

	memset(b, 0, sizeof(*b));
	b->be = be;
	if (be->readonly)
		feat |= 1ull << VIRTIO_BLK_F_RO;
	else {
		if (be->can_discard)
			feat |= 1ull << VIRTIO_BLK_F_DISCARD;
		if (be->can_write_zeroes)
			feat |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
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
	if (b->backlog)
		process(b);
}
