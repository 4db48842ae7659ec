/* The AHCI request engine (see ahci.h): requests split into commands,
 * commands in slots, completions reaped, errors recovered.  It touches
 * only memory and the port's registers through d->port_regs, and leaves
 * stopping and resetting the port to d->restart, so the host tests play
 * the HBA with plain memory.
 *
 * A command's life (AHCI 1.3.1, 5.5 and 5.6): the driver fills the slot's
 * command table (the FIS and the PRDT) and header, then sets the slot's
 * bit in PxSACT (NCQ only) and PxCI.  A non-queued command is done when
 * the HBA clears its PxCI bit; a queued one when the device's Set Device
 * Bits FIS has cleared its PxSACT bit.  An error shows in PxIS (TFES and
 * the host bus and interface errors) and leaves the bits of the commands
 * it hit set. */
#include "drivers/ahci.h"

#include <string.h>

#include "hv/base/log.h"

static uint64_t phys(const void *p)
{
	return (uint64_t)(uintptr_t)p; /* Plinth identity-maps its memory */
}

/* --- building commands --------------------------------------------- */

static uint8_t *header(struct ahci_disk *d, unsigned s)
{
	return d->clb + AHCI_CMD_HDR_SIZE * s;
}

/* Register H2D FIS (SATA 3.x, 10.5.5) in slot s's command table. */
static void put_fis(struct ahci_disk *d, unsigned s, uint8_t cmd, uint64_t lba,
		    uint32_t count, bool queued, uint16_t feat)
{
	uint8_t *f = d->ctba[s];

	memset(f, 0, FIS_H2D_SIZE);
	f[FIS_TYPE] = FIS_TYPE_REG_H2D;
	f[FIS_FLAGS] = FIS_FLAGS_C;
	f[FIS_COMMAND] = cmd;
	f[FIS_DEVICE] = ATA_DEVICE_LBA;
	for (unsigned i = 0; i < 3; i++) {
		f[FIS_LBA_LO + i] = (uint8_t)(lba >> (8 * i));
		f[FIS_LBA_HI + i] = (uint8_t)(lba >> (24 + 8 * i));
	}
	if (queued) {
		/* FPDMA (ACS-3, 7.22/7.68): the count in FEATURE, the tag
		 * in COUNT bits 7:3. */
		f[FIS_FEATURE] = (uint8_t)count;
		f[FIS_FEATURE_EXP] = (uint8_t)(count >> 8);
		f[FIS_COUNT] = (uint8_t)(s << FIS_NCQ_TAG_SHIFT);
	} else {
		f[FIS_FEATURE] = (uint8_t)feat;
		f[FIS_FEATURE_EXP] = (uint8_t)(feat >> 8);
		f[FIS_COUNT] = (uint8_t)count;
		f[FIS_COUNT_EXP] = (uint8_t)(count >> 8);
	}
}

/* One PRD entry (4.2.3.3): the byte count less one, even counts at even
 * addresses. */
static bool put_prd(struct ahci_disk *d, unsigned s, unsigned n, uint64_t a,
		    uint32_t len)
{
	uint8_t *e = d->ctba[s] + AHCI_PRDT_OFF + AHCI_PRD_SIZE * n;

	if ((a | len) & 1)
		return false;
	ahci_wr(e, AHCI_PRD_DBA, (uint32_t)a);
	ahci_wr(e, AHCI_PRD_DBAU, (uint32_t)(a >> 32));
	ahci_wr(e, 8, 0); /* reserved */
	ahci_wr(e, AHCI_PRD_DBC, len - 1);
	return true;
}

/* Walks up to `max` bytes of rq's data from its issue position as PRD
 * pieces, at most AHCI_PRDT_MAX; with `slot` >= 0 writes them there and
 * moves the position.  Returns the bytes covered, or -1 on a piece the
 * HBA cannot take (odd address or length). */
static int64_t walk(struct ahci_disk *d, struct disk_rq *rq, uint64_t max,
		    int slot, unsigned *nprd)
{
	const struct blk_req *r = rq->r;
	unsigned i = rq->sg_i, n = 0;
	uint64_t skip = rq->sg_skip, got = 0;

	while (got < max && n < AHCI_PRDT_MAX) {
		uint64_t a, len;

		if (r->op == BLK_WRITE_ZEROES) {
			a = phys(d->zero);
			len = AHCI_ZERO_BYTES;
		} else {
			if (i >= r->nsg)
				break;
			if (!r->sg[i].len) {
				/* An empty piece would be a PRD of 4 MiB. */
				i++;
				skip = 0;
				continue;
			}
			a = r->sg[i].hpa + skip;
			len = r->sg[i].len - skip;
			if (len > AHCI_PRD_MAX)
				len = AHCI_PRD_MAX;
		}
		/* An HBA without 64-bit DMA would drop the address's top
		 * half and write somewhere else. */
		if (!d->dma64 && (a >> 32 || (a + len - 1) >> 32))
			return -1;
		if (len > max - got)
			len = max - got;
		if (slot >= 0
		    && !put_prd(d, (unsigned)slot, n, a, (uint32_t)len))
			return -1;
		if (slot < 0 && ((a | len) & 1))
			return -1;
		n++;
		got += len;
		if (r->op != BLK_WRITE_ZEROES) {
			skip += len;
			if (skip == r->sg[i].len) {
				i++;
				skip = 0;
			}
		}
	}
	if (slot >= 0) {
		rq->sg_i = i;
		rq->sg_skip = (uint32_t)skip;
	}
	*nprd = n;
	return (int64_t)got;
}

static bool barrier(enum blk_op op)
{
	return op == BLK_FLUSH || op == BLK_DISCARD;
}

/* Writes slot s's header and starts it. */
static void start_slot(struct ahci_disk *d, unsigned s, unsigned nprd,
		       bool write)
{
	struct ahci_slot *sl = &d->slot[s];
	uint8_t *h = header(d, s);

	/* Command header (4.2.2): CFL 5 dwords, W, PRDTL; PRDBC zeroed. */
	ahci_wr(h, AHCI_CMD_DW0,
		AHCI_CMD_CFL_H2D | (write ? AHCI_CMD_W : 0)
			| (uint32_t)nprd << AHCI_CMD_PRDTL_SHIFT);
	ahci_wr(h, AHCI_CMD_PRDBC, 0);
	ahci_wr(h, AHCI_CMD_CTBA, (uint32_t)phys(d->ctba[s]));
	ahci_wr(h, AHCI_CMD_CTBAU, (uint32_t)(phys(d->ctba[s]) >> 32));
	sl->nprd = (uint16_t)nprd;
	sl->write = write;
	sl->state = SLOT_BUSY;
	sl->started_ns = d->clock();
	d->st.commands++;
	/* The tables before the HBA may fetch them. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (sl->queued) {
		d->st.ncq_commands++;
		ahci_wr(d->port_regs, PxSACT, 1u << s);
	}
	ahci_wr(d->port_regs, PxCI, 1u << s);
}

static int free_slot(const struct ahci_disk *d)
{
	for (unsigned s = 0; s < d->depth; s++)
		if (d->slot[s].state == SLOT_FREE)
			return (int)s;
	return -1;
}

static unsigned busy(const struct ahci_disk *d)
{
	unsigned n = 0;

	for (unsigned s = 0; s < d->depth; s++)
		n += d->slot[s].state == SLOT_BUSY;
	return n;
}

static bool non_queued_busy(const struct ahci_disk *d)
{
	for (unsigned s = 0; s < d->depth; s++)
		if (d->slot[s].state == SLOT_BUSY && !d->slot[s].queued)
			return true;
	return false;
}

/* Issues rq's next command in slot s; false when the request cannot go
 * on (it is then marked failed). */
static bool issue_cmd(struct ahci_disk *d, unsigned qi, unsigned s)
{
	struct disk_rq *rq = &d->rq[qi];
	struct ahci_slot *sl = &d->slot[s];
	const struct blk_req *r = rq->r;
	uint64_t sectors = 0;
	unsigned nprd = 0;

	memset(sl, 0, sizeof(*sl));
	sl->rq = qi;
	sl->lba = rq->lba;
	rq->started = true;
	switch (r->op) {
	case BLK_FLUSH:
		sl->cmd = ATA_FLUSH_EXT;
		put_fis(d, s, sl->cmd, 0, 0, false, 0);
		break;
	case BLK_DISCARD: {
		unsigned blocks = d->id.trim_blocks;

		sectors = ata_trim_ranges(d->dsm, blocks, rq->lba, rq->left);
		sl->cmd = ATA_DSM;
		put_fis(d, s, sl->cmd, 0, blocks, false, ATA_DSM_TRIM);
		put_prd(d, s, 0, phys(d->dsm), blocks * 512);
		nprd = 1;
		sl->bytes = blocks * 512;
		d->st.trims++;
		break;
	}
	default: { /* READ, WRITE, WRITE_ZEROES */
		uint64_t want = rq->left < AHCI_CMD_SECTORS ? rq->left
							    : AHCI_CMD_SECTORS;
		int64_t got = walk(d, rq, want * BLK_SECTOR, -1, &nprd);

		/* What the PRDT can hold, cut back to whole sectors. */
		if (got > 0)
			got -= got % BLK_SECTOR;
		if (got <= 0) {
			rq->failed = true;
			rq->left = 0;
			log_msg("ahci: port %u: request at LBA %lu: buffer the "
				"HBA cannot address (odd address or length, or "
				"above 4 GiB for a 32-bit HBA)",
				d->port, (unsigned long)rq->lba);
			return false;
		}
		walk(d, rq, (uint64_t)got, (int)s, &nprd);
		sectors = (uint64_t)got / BLK_SECTOR;
		sl->queued = d->ncq;
		sl->cmd = d->ncq ? (disk_op_writes(r->op) ? ATA_WRITE_FPDMA
							  : ATA_READ_FPDMA)
				 : (disk_op_writes(r->op) ? ATA_WRITE_DMA_EXT
							  : ATA_READ_DMA_EXT);
		/* A count of 0 means 65536 sectors. */
		put_fis(d, s, sl->cmd, rq->lba, (uint32_t)sectors & 0xffff,
			sl->queued, 0);
		sl->bytes = (uint32_t)got;
		break;
	}
	}
	sl->count = (uint32_t)sectors;
	rq->lba += sectors;
	rq->left -= sectors;
	rq->outstanding++;
	start_slot(d, s, nprd, disk_op_writes(r->op));
	return true;
}

/* --- completing ---------------------------------------------------- */

static void finish_rq(struct ahci_disk *d, unsigned qi)
{
	disk_rq_finish(&d->rq[qi], &d->rq_count, &d->st.failed_requests);
}

static void rq_maybe_done(struct ahci_disk *d, unsigned qi)
{
	if (disk_rq_over(&d->rq[qi]))
		finish_rq(d, qi);
}

static void slot_done(struct ahci_disk *d, unsigned s, bool ok)
{
	struct ahci_slot *sl = &d->slot[s];
	struct disk_rq *rq = &d->rq[sl->rq];

	sl->state = SLOT_FREE;
	disk_rq_cmd_done(rq, ok);
	rq_maybe_done(d, sl->rq);
}

/* A slot whose bits the HBA cleared: believe it only if the byte count
 * is what was asked for (4.2.2, PRDBC).  Queued commands may leave the
 * count at 0 (the HBA need not track it for NCQ), never anything else. */
static void reap(struct ahci_disk *d, unsigned s)
{
	struct ahci_slot *sl = &d->slot[s];
	uint32_t prdbc = ahci_rd(header(d, s), AHCI_CMD_PRDBC);
	bool ok = prdbc == sl->bytes || (sl->queued && prdbc == 0);

	if (!ok) {
		d->st.errors++;
		log_msg("ahci: port %u: command 0x%02x at LBA %lu: the HBA "
			"reports %u bytes moved, %u expected",
			d->port, sl->cmd, (unsigned long)sl->lba, prdbc,
			sl->bytes);
	}
	slot_done(d, s, ok);
}

/* The port will not restart: its DMA is stopped the hard way (bus
 * mastering off), then every request the engine holds fails, and the
 * disk takes no more. */
static void give_up(struct ahci_disk *d)
{
	log_msg("ahci: port %u: the port does not restart; the disk is out "
		"of use and what was in flight fails",
		d->port);
	d->dead = true;
	if (d->stop_dma)
		d->stop_dma(d);
	for (unsigned s = 0; s < d->depth; s++)
		if (d->slot[s].state != SLOT_FREE)
			slot_done(d, s, false);
	for (unsigned i = 0; i < AHCI_SLOTS; i++)
		if (d->rq[i].r) {
			d->rq[i].failed = true;
			finish_rq(d, i);
		}
}

/* After an error or a timeout: everything in flight is retried, one
 * command at a time and non-queued, once; what fails again fails its
 * request.  No request completes before the restart has stopped the
 * port: until then the HBA may still move its data. */
static void recover(struct ahci_disk *d, const char *why, uint32_t is)
{
	uint32_t again = 0; /* slots whose retry failed */

	uint32_t tfd = ahci_rd(d->port_regs, PxTFD);

	/* A device that reported an NCQ error refuses commands until it is
	 * reset or its error log is read (SATA 3.x, 13.6.3.2): reset it. */
	bool queued = false;

	for (unsigned s = 0; s < d->depth; s++)
		queued |= d->slot[s].state == SLOT_BUSY && d->slot[s].queued;
	d->restarting = true; /* completions below must not issue */
	log_msg("ahci: port %u: %s (PxIS 0x%08x, status 0x%02x, error 0x%02x,"
		" PxSERR 0x%08x); restarting the port",
		d->port, why, is, tfd & 0xff, (tfd >> 8) & 0xff,
		ahci_rd(d->port_regs, PxSERR));
	for (unsigned s = 0; s < d->depth; s++) {
		struct ahci_slot *sl = &d->slot[s];

		if (sl->state != SLOT_BUSY)
			continue;
		if (sl->retried) {
			log_msg("ahci: port %u: command 0x%02x at LBA %lu "
				"failed"
				" again: I/O error",
				d->port, sl->cmd, (unsigned long)sl->lba);
			again |= 1u << s;
		}
		sl->state = SLOT_RETRY;
	}
	if (d->restart(d, queued)) {
		give_up(d);
		d->restarting = false;
		return;
	}
	for (unsigned s = 0; s < d->depth; s++)
		if (again & (1u << s))
			slot_done(d, s, false);
	ahci_wr(d->port_regs, PxIS, ~0u);
	d->restarting = false;
	d->recovering = true;
}

/* The next slot to retry, as a non-queued command: the same PRDT, and a
 * FIS for the DMA EXT form of the command. */
static bool retry_one(struct ahci_disk *d)
{
	for (unsigned s = 0; s < d->depth; s++) {
		struct ahci_slot *sl = &d->slot[s];

		if (sl->state != SLOT_RETRY)
			continue;
		if (sl->queued)
			sl->cmd = sl->cmd == ATA_WRITE_FPDMA ? ATA_WRITE_DMA_EXT
							     : ATA_READ_DMA_EXT;
		if (sl->cmd != ATA_DSM && sl->cmd != ATA_FLUSH_EXT)
			put_fis(d, s, sl->cmd, sl->lba, sl->count & 0xffff,
				false, 0);
		sl->queued = false;
		sl->retried = true;
		d->st.retries++;
		start_slot(d, s, sl->nprd, sl->write);
		return true;
	}
	return false;
}

/* Issues what waits, oldest request first.  A non-queued command (all of
 * them without NCQ) runs alone; a flush or TRIM waits for the queue to
 * drain, and holds back the requests behind it. */
static void issue(struct ahci_disk *d)
{
	if (d->restarting || d->dead)
		return;
	if (d->recovering) {
		if (busy(d))
			return;
		if (retry_one(d))
			return;
		d->recovering = false;
	}
	for (;;) {
		int qi = disk_rq_oldest(d->rq, AHCI_SLOTS);

		if (qi < 0 || non_queued_busy(d))
			return;
		struct disk_rq *rq = &d->rq[qi];
		bool alone = barrier(rq->r->op) || !d->ncq;

		if (alone && busy(d))
			return;
		int s = free_slot(d);

		if (s < 0)
			return;
		if (!issue_cmd(d, (unsigned)qi, (unsigned)s))
			rq_maybe_done(d, (unsigned)qi);
	}
}

void ahci_io_poll(struct ahci_disk *d)
{
	if (d->dead)
		return;
	volatile uint8_t *pr = d->port_regs;
	uint32_t is = ahci_rd(pr, PxIS);
	uint32_t ci = ahci_rd(pr, PxCI), sact = ahci_rd(pr, PxSACT);
	uint32_t done = 0;

	/* Which slots finished, decided before any is reaped: a completion
	 * may start new commands (through the request's done callback),
	 * whose bits the snapshot above does not show.  After an error only
	 * queued commands the device already reported done count (6.2.2.2);
	 * a non-queued one in flight is the one that failed, whatever the
	 * HBA did with its PxCI bit. */
	for (unsigned s = 0; s < d->depth; s++) {
		const struct ahci_slot *sl = &d->slot[s];
		uint32_t bit = 1u << s;

		if (sl->state != SLOT_BUSY || (ci & bit)
		    || (sl->queued && (sact & bit)))
			continue;
		if (!(is & PxIS_ERRORS) || sl->queued)
			done |= bit;
	}
	for (unsigned s = 0; s < d->depth; s++)
		if (done & (1u << s))
			reap(d, s);
	if (is & PxIS_ERRORS) {
		d->st.errors++;
		recover(d, "command failed", is);
	} else {
		uint64_t now = d->clock();

		for (unsigned s = 0; s < d->depth; s++)
			if (d->slot[s].state == SLOT_BUSY
			    && now - d->slot[s].started_ns
				       > (d->slot[s].cmd == ATA_FLUSH_EXT
							  || d->slot[s].cmd
								     == ATA_DSM
						  ? AHCI_LONG_TIMEOUT_NS
						  : AHCI_TIMEOUT_NS)) {
				d->st.timeouts++;
				recover(d, "command timed out", is);
				break;
			}
	}
	issue(d);
}

/* --- the backend --------------------------------------------------- */

static int io_submit(struct blk_backend *be, struct blk_req *r)
{
	struct ahci_disk *d = be->priv;
	bool ranged = r->op != BLK_FLUSH;

	if (d->dead) {
		r->done(r, BLK_EIO);
		return 0;
	}
	if (d->rq_count == AHCI_SLOTS)
		return -1;
	if (disk_rq_refused(be, r)) {
		r->done(r, BLK_EIO);
		return 0;
	}
	/* Nothing to move: done, as on every backend (an ATA count of 0
	 * would mean 65536 sectors). */
	if (ranged && !r->nsectors) {
		r->done(r, BLK_OK);
		return 0;
	}
	/* rq_count < AHCI_SLOTS: one is free */
	unsigned qi = disk_rq_free(d->rq, AHCI_SLOTS);

	d->rq[qi] = (struct disk_rq){
		.r = r,
		.seq = d->next_seq++,
		.lba = d->first_lba + (ranged ? r->sector : 0),
		.left = ranged ? r->nsectors : 0,
	};
	d->rq_count++;
	issue(d);
	return 0;
}

static void io_poll(struct blk_backend *be)
{
	ahci_io_poll(be->priv);
}

void ahci_io_init(struct ahci_disk *d)
{
	memset(d->slot, 0, sizeof(d->slot));
	memset(d->rq, 0, sizeof(d->rq));
	d->rq_count = 0;
	d->recovering = false;
	d->dead = false;
	d->be.submit = io_submit;
	d->be.poll = io_poll;
	d->be.priv = d;
}
