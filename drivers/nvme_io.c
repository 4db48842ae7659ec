/* The NVMe request engine (see nvme.h): requests split into commands,
 * commands in slots of the I/O queue pair, completions reaped and
 * checked, errors and timeouts recovered.  It touches only memory and
 * the doorbells and CSTS through d->regs, and leaves the controller
 * reset to d->reset, so the host tests play the controller with plain
 * memory.  Sections cited are NVMe 1.4's. */
#include "drivers/nvme.h"

#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/base/log.h"

void nvme_queue_reset(struct nvme_queue *q)
{
	q->sq_tail = q->sq_head = q->cq_head = 0;
	q->phase = 1; /* a fresh queue's first entries carry phase 1 */
	memset((void *)q->cq, 0, (size_t)q->size * sizeof(*q->cq));
}

static void set_range(struct nvme_sqe *c, uint64_t lba, uint64_t blocks)
{
	c->cdw10 = (uint32_t)lba;
	c->cdw11 = (uint32_t)(lba >> 32);
	c->cdw12 = (uint32_t)(blocks - 1); /* NLB is 0-based (6.9, 6.15) */
}

/* Dataset Management, deallocate (6.7): one range in the bounce page. */
static uint64_t dsm_cmd(struct nvme_disk *d, const struct disk_rq *rq,
			unsigned s, struct nvme_sqe *c)
{
	uint64_t blocks = rq->left < 0xffffffffu ? rq->left : 0xffffffffu;
	uint8_t *range = d->bounce[s];

	memset(range, 0, 16);
	put_le32(range + 4, (uint32_t)blocks);
	put_le64(range + 8, rq->lba);
	c->cdw0 = NVME_CMD_DSM;
	c->prp1 = nvme_phys(range);
	c->cdw10 = 0; /* one range (NR is 0-based) */
	c->cdw11 = NVME_DSM_DEALLOCATE;
	return blocks;
}

/* Puts the slot's command in the SQ and rings the doorbell; the CID gets
 * a new generation. */
static void start_slot(struct nvme_disk *d, unsigned s)
{
	struct nvme_slot *sl = &d->slot[s];
	struct nvme_queue *q = &d->io;

	d->gen = (uint16_t)((d->gen + 1) & (0xffffu >> NVME_CID_SLOT_BITS));
	sl->cid = (uint16_t)(d->gen << NVME_CID_SLOT_BITS | s);
	sl->cmd.cdw0 = (sl->cmd.cdw0 & 0xff) | (uint32_t)sl->cid << 16;
	sl->busy = true;
	sl->retry = false;
	sl->started_ns = d->clock();
	d->st.commands++;
	q->sq[q->sq_tail] = sl->cmd;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->size);
	/* The entry (and its PRP list, bounce data) before the doorbell. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	nvme_wr(d->regs, nvme_sq_db(d, q->qid), q->sq_tail);
}

static void rq_maybe_done(struct nvme_disk *d, unsigned qi);

static void issue_cmd(struct nvme_disk *d, unsigned qi, unsigned s)
{
	struct disk_rq *rq = &d->rq[qi];
	struct nvme_slot *sl = &d->slot[s];
	struct nvme_sqe *c = &sl->cmd;
	uint64_t blocks = 0;

	memset(sl, 0, sizeof(*sl));
	sl->rq = qi;
	c->nsid = d->nsid;
	if (rq->started)
		d->st.splits++;
	rq->started = true;
	switch (rq->r->op) {
	case BLK_FLUSH:
		c->cdw0 = NVME_CMD_FLUSH;
		break;
	case BLK_DISCARD:
		blocks = dsm_cmd(d, rq, s, c);
		break;
	case BLK_WRITE_ZEROES:
		if (d->wz) {
			blocks = rq->left < 65536 ? rq->left : 65536;
			c->cdw0 = NVME_CMD_WRITE_ZEROES;
			break;
		}
		/* Else a write of a zeroed page over and over. */
		__attribute__((fallthrough));
	default:
		blocks = nvme_data_cmd(d, rq, s, c);
		break;
	}
	if (!blocks && rq->r->op != BLK_FLUSH) {
		log_msg("nvme: %02x:%02x.%x: request at LBA %lu: its buffers "
			"end before its sectors do",
			d->bus, d->dev, d->fn, (unsigned long)rq->lba);
		rq->failed = true;
		rq->left = 0;
		rq_maybe_done(d, qi);
		return;
	}
	if (c->cdw0 != NVME_CMD_FLUSH && c->cdw0 != NVME_CMD_DSM)
		set_range(c, rq->lba, blocks);
	rq->lba += blocks;
	rq->left -= blocks;
	rq->outstanding++;
	start_slot(d, s);
}

/* --- completing ----------------------------------------------------- */

static void finish_rq(struct nvme_disk *d, unsigned qi)
{
	disk_rq_finish(&d->rq[qi], &d->rq_count, &d->st.failed_requests);
}

static void rq_maybe_done(struct nvme_disk *d, unsigned qi)
{
	if (disk_rq_over(&d->rq[qi]))
		finish_rq(d, qi);
}

static void slot_done(struct nvme_disk *d, unsigned s, bool ok)
{
	struct nvme_slot *sl = &d->slot[s];
	struct disk_rq *rq = &d->rq[sl->rq];

	if (ok && sl->bounce && !disk_op_writes(rq->r->op))
		nvme_bounce_back(d, s, rq->r);
	sl->busy = sl->retry = false;
	disk_rq_cmd_done(rq, ok);
	rq_maybe_done(d, sl->rq);
}

/* For the log: the first LBA of a read, write or write zeroes (CDW10-11);
 * a DSM's range is in memory, a flush has none (both show 0). */
static uint64_t slot_lba(const struct nvme_slot *sl)
{
	uint8_t opc = sl->cmd.cdw0 & 0xff;

	if (opc == NVME_CMD_FLUSH || opc == NVME_CMD_DSM)
		return 0;
	return sl->cmd.cdw10 | (uint64_t)sl->cmd.cdw11 << 32;
}

/* The controller will not come back: its DMA is cut (bus mastering off)
 * before any buffer it held goes back, then everything fails. */
static void give_up(struct nvme_disk *d)
{
	log_msg("nvme: %02x:%02x.%x: the controller does not come back; the "
		"disk is out of use and what was in flight fails",
		d->bus, d->dev, d->fn);
	d->dead = true;
	if (d->stop_dma)
		d->stop_dma(d);
	for (unsigned s = 0; s < d->depth; s++)
		if (d->slot[s].busy || d->slot[s].retry)
			slot_done(d, s, false);
	for (unsigned i = 0; i < NVME_RQS; i++)
		if (d->rq[i].r) {
			d->rq[i].failed = true;
			finish_rq(d, i);
		}
}

/* After a timeout, a completion that breaks the rules or a fatal status:
 * the controller is reset (which ends every command it held, 7.3.1), then
 * what was in flight goes again, once; what had already been retried
 * fails.  Nothing completes before the reset: until then the controller
 * may still move the data. */
static void recover(struct nvme_disk *d, const char *why)
{
	bool failed[NVME_SLOTS] = { false };

	d->resetting = true;
	d->st.resets++;
	log_msg("nvme: %02x:%02x.%x: %s (CSTS 0x%x); resetting the "
		"controller",
		d->bus, d->dev, d->fn, why, nvme_rd(d->regs, NVME_CSTS));
	for (unsigned s = 0; s < d->depth; s++) {
		struct nvme_slot *sl = &d->slot[s];

		if (!sl->busy)
			continue;
		failed[s] = sl->retried;
		sl->busy = false;
		sl->retry = true;
	}
	if (d->reset(d)) {
		give_up(d);
		d->resetting = false;
		return;
	}
	for (unsigned s = 0; s < d->depth; s++)
		if (failed[s]) {
			log_msg("nvme: %02x:%02x.%x: command 0x%02x at LBA %lu "
				"failed again: I/O error",
				d->bus, d->dev, d->fn,
				d->slot[s].cmd.cdw0 & 0xff,
				(unsigned long)slot_lba(&d->slot[s]));
			slot_done(d, s, false);
		}
	d->resetting = false;
}

/* An error status (4.6.1.2): retried once unless the controller says it
 * would fail again (DNR). */
static void failed_status(struct nvme_disk *d, unsigned s, uint16_t st)
{
	struct nvme_slot *sl = &d->slot[s];

	d->st.errors++;
	log_msg("nvme: %02x:%02x.%x: command 0x%02x at LBA %lu: status type "
		"%u code 0x%02x%s",
		d->bus, d->dev, d->fn, sl->cmd.cdw0 & 0xff,
		(unsigned long)slot_lba(sl), NVME_SF_TYPE(st), NVME_SF_CODE(st),
		sl->retried || (st & NVME_SF_DNR) ? ": I/O error"
						  : "; retrying it");
	if (sl->retried || (st & NVME_SF_DNR)) {
		slot_done(d, s, false);
		return;
	}
	sl->busy = false;
	sl->retry = true;
}

/* The SQ head a completion reports may only move forward over entries
 * the driver submitted (4.6: SQHD). */
static bool sq_head_ok(const struct nvme_queue *q, uint16_t h)
{
	unsigned size = q->size;
	unsigned used = (q->sq_tail + size - q->sq_head) % size;

	return h < size && (h + size - q->sq_head) % size <= used;
}

/* One completion, from the host copy; false when it breaks the rules. */
static bool complete(struct nvme_disk *d, const struct nvme_cqe *e)
{
	unsigned s = e->cid & ((1u << NVME_CID_SLOT_BITS) - 1);
	bool ok = true;

	if (e->sqid != d->io.qid || s >= d->depth || !d->slot[s].busy
	    || d->slot[s].cid != e->cid) {
		d->st.bogus++;
		log_msg("nvme: %02x:%02x.%x: a completion for queue %u, CID "
			"0x%04x, which is not outstanding",
			d->bus, d->dev, d->fn, e->sqid, e->cid);
		return false;
	}
	if (sq_head_ok(&d->io, e->sqhd)) {
		d->io.sq_head = e->sqhd;
	} else {
		d->st.bogus++;
		ok = false;
		log_msg("nvme: %02x:%02x.%x: SQ head %u out of range (head %u,"
			" tail %u)",
			d->bus, d->dev, d->fn, e->sqhd, d->io.sq_head,
			d->io.sq_tail);
	}
	if (e->status >> 1)
		failed_status(d, s, e->status);
	else
		slot_done(d, s, true);
	return ok;
}

/* Takes what the controller posted, each entry read once: its last dword
 * (with the phase) first, the rest only after it.  At most a queue's
 * worth per poll. */
static unsigned reap(struct nvme_disk *d, bool *bad)
{
	struct nvme_queue *q = &d->io;
	unsigned n = 0;

	while (n < q->size) {
		volatile struct nvme_cqe *v = &q->cq[q->cq_head];
		uint32_t dw3 = *(volatile uint32_t *)((volatile uint8_t *)v
						      + 12);
		struct nvme_cqe e;

		if ((dw3 >> 16 & 1) != (uint32_t)q->phase)
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		e.dw0 = v->dw0;
		e.dw1 = v->dw1;
		uint32_t dw2 = *(volatile uint32_t *)((volatile uint8_t *)v
						      + 8);
		e.sqhd = (uint16_t)dw2;
		e.sqid = (uint16_t)(dw2 >> 16);
		e.cid = (uint16_t)dw3;
		e.status = (uint16_t)(dw3 >> 16);
		if (++q->cq_head == q->size) {
			q->cq_head = 0;
			q->phase ^= 1;
		}
		n++;
		if (!complete(d, &e))
			*bad = true;
	}
	if (n)
		nvme_wr(d->regs, nvme_cq_db(d, q->qid), q->cq_head);
	return n;
}

/* Issues what waits: commands to retry first, then the oldest request's
 * next command, while slots are free. */
static void issue(struct nvme_disk *d)
{
	if (d->resetting || d->dead)
		return;
	for (unsigned s = 0; s < d->depth; s++)
		if (d->slot[s].retry) {
			d->slot[s].retried = true;
			d->st.retries++;
			start_slot(d, s);
		}
	for (;;) {
		int qi = disk_rq_oldest(d->rq, NVME_RQS), s = -1;

		for (unsigned i = 0; i < d->depth && s < 0; i++)
			if (!d->slot[i].busy && !d->slot[i].retry)
				s = (int)i;
		if (qi < 0 || s < 0)
			return;
		issue_cmd(d, (unsigned)qi, (unsigned)s);
	}
}

static uint64_t timeout_of(const struct nvme_slot *sl)
{
	uint8_t opc = sl->cmd.cdw0 & 0xff;

	return opc == NVME_CMD_FLUSH || opc == NVME_CMD_DSM
		       ? NVME_LONG_TIMEOUT_NS
		       : NVME_TIMEOUT_NS;
}

/* A command past its time, or a controller that reports a fatal error
 * (CSTS.CFS, 10.5) or dropped ready. */
static const char *stuck(struct nvme_disk *d)
{
	uint64_t now = d->clock();
	bool busy = false;

	for (unsigned s = 0; s < d->depth; s++) {
		if (!d->slot[s].busy)
			continue;
		busy = true;
		if (now - d->slot[s].started_ns > timeout_of(&d->slot[s])) {
			d->st.timeouts++;
			return "command timed out";
		}
	}
	/* CSTS is read at most once a millisecond: a register read is a
	 * slow trip across the bus, and the poll loop is hot. */
	if (!busy || now - d->csts_ns < 1000000)
		return NULL;
	d->csts_ns = now;
	uint32_t csts = nvme_rd(d->regs, NVME_CSTS);

	if (csts == ~0u || (csts & NVME_CSTS_CFS) || !(csts & NVME_CSTS_RDY))
		return "controller fatal status";
	return NULL;
}

void nvme_io_poll(struct nvme_disk *d)
{
	bool bad = false;
	const char *why;

	if (d->dead)
		return;
	/* Timeouts are looked for on every poll, whatever was reaped: a
	 * command the controller lost must not hide behind others that keep
	 * completing. */
	reap(d, &bad);
	if (bad)
		recover(d, "completion that breaks the rules");
	else if ((why = stuck(d)))
		recover(d, why);
	issue(d);
}

/* --- the backend ---------------------------------------------------- */

/* A range in 512-byte sectors as logical blocks; false when it is not
 * whole blocks. */
static bool to_blocks(const struct nvme_disk *d, const struct blk_req *r,
		      uint64_t *lba, uint64_t *n)
{
	unsigned sh = d->lba_shift - 9;
	uint64_t m = (1ull << sh) - 1;

	if ((r->sector | r->nsectors) & m)
		return false;
	*lba = d->first_lba + (r->sector >> sh);
	*n = r->nsectors >> sh;
	return true;
}

static int io_submit(struct blk_backend *be, struct blk_req *r)
{
	struct nvme_disk *d = be->priv;
	bool ranged = r->op != BLK_FLUSH;
	uint64_t lba = 0, n = 0;

	if (d->dead) {
		r->done(r, BLK_EIO);
		return 0;
	}
	if (d->rq_count == NVME_RQS)
		return -1;
	if (disk_rq_refused(be, r) || (ranged && !to_blocks(d, r, &lba, &n))) {
		r->done(r, BLK_EIO);
		return 0;
	}
	/* Nothing to move, or nothing volatile to flush (VWC clear). */
	if ((ranged && !n) || (!ranged && !d->vwc)) {
		r->done(r, BLK_OK);
		return 0;
	}
	/* rq_count < NVME_RQS: one is free */
	unsigned qi = disk_rq_free(d->rq, NVME_RQS);

	d->rq[qi] = (struct disk_rq){
		.r = r,
		.seq = d->next_seq++,
		.lba = lba,
		.left = n,
	};
	d->rq_count++;
	issue(d);
	return 0;
}

static void io_poll(struct blk_backend *be)
{
	nvme_io_poll(be->priv);
}

void nvme_io_init(struct nvme_disk *d)
{
	memset(d->slot, 0, sizeof(d->slot));
	memset(d->rq, 0, sizeof(d->rq));
	d->rq_count = 0;
	d->resetting = false;
	d->dead = false;
	d->be.submit = io_submit;
	d->be.poll = io_poll;
	d->be.priv = d;
}
