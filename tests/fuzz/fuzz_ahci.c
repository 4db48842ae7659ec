/* libFuzzer target for the AHCI request engine (drivers/ahci_io.c)
 * against a hostile HBA: the engine is built with -DAHCI_TEST_HBA and
 * driven over tests/support/fake_hba.c exactly as tests/unit/test_ahci.c
 * does, while the input plays both the block layer (requests of every
 * kind over scatter lists in a fake buffer) and the HBA (completions with
 * any byte count, any bits in PxCI, PxSACT, PxIS and PxTFD, scribbles
 * over the command headers, time that jumps, restarts that fail).
 *
 *   make build/fuzz/fuzz_ahci   # sources and flags: fuzz_ahci_*
 *   build/fuzz/fuzz_ahci -max_total_time=60
 *
 * Built with gcc, -DAHCI_TEST_HBA and -DFUZZ_REPLAY it replays files
 * instead (see fuzz_loader.c for the command line).
 *
 * The target keeps its own model of the HBA: a command is "held" from
 * the moment the engine starts it (seen through each slot's start time;
 * the clock ticks once a call) until the HBA lets it go: its PxCI bit
 * (and PxSACT bit, if queued) clear when the engine polls, an error in
 * PxIS (the HBA halts), or a port restart that stopped the port.  A held
 * command may still move data to or from its request's buffers.
 *
 * Input layout (little-endian):
 *   byte 0      bit 0 NCQ, bits 1-5 its depth - 1, bit 6 a 32-bit HBA
 *               (no S64A), bit 7 done callbacks submit new requests
 *   byte 1      bit 0 TRIM, bits 1-3 range blocks per TRIM - 1, bit 4
 *               read-only, bit 5 a partition (its first LBA, 4, follows)
 *   4           the disk's (or partition's) size in sectors, less one
 * then operations, one byte each (mod 12) and their arguments:
 *   0  submit: kind (1: bits 0-2 the operation mod 5: read, write,
 *      flush, discard, write zeroes; bit 3 a sector count of its own,
 *      4, instead of the pieces' total / 512; bit 4 up to 300 pieces),
 *      sector (4), pieces (1), and per piece a form (1: bits 0-1 the
 *      address: page-aligned in the fake buffer, near 4 GiB, any byte,
 *      sector-aligned; bits 2-3 the length: whole sectors, even, any,
 *      1-16 MiB), an offset (2) and a length (2)
 *   1  the HBA completes a slot (1, bits 0-4; bit 5 with PRDBC 0) as
 *      asked: the PRDT's byte count, bits cleared
 *   2  ... with any byte count: slot (1), PRDBC (4)
 *   3  PxCI := (4)         4  PxSACT := (4)
 *   5  PxIS := (4)         6  PxTFD := (4)
 *   7  a scribble over a command header: slot (1), dword (1, mod 8),
 *      value (4)
 *   8  time: (1) 0 a millisecond, 1 just past the timeout, 2 past the
 *      long one, 3 nanoseconds (4)
 *   9  poll
 *   10 a good HBA: every held command completed as asked, PxIS and
 *      PxTFD clear, then poll
 *   11 how the next restarts go (1, mod 3): they work; they fail after
 *      stopping the port (PxCI and PxSACT clear); they fail with the
 *      port still running
 * At the end a good HBA completes whatever is held, a few times over,
 * with time moved on if nothing moves.
 *
 * Invariants checked (abort on violation):
 *   every request the engine takes completes exactly once (done), none
 *   it refuses (-1) does, and after the good HBA has run none is left;
 *   the engine never starts a command in a slot the HBA still holds, and
 *   never two in a slot without an HBA action between them; a
 *   non-queued command starts only when the HBA holds no other, a queued
 *   one only beside queued ones (SATA 3.x, 13.6); a flush or TRIM starts
 *   only once every request submitted before it is done, and nothing
 *   submitted after it starts before it is done;
 *   what it starts is well-formed and its own: a Register H2D FIS with
 *   the command of the request's operation (FPDMA with the slot as tag
 *   when queued, DMA EXT otherwise; DSM with TRIM; FLUSH CACHE EXT), a
 *   header with CFL 5, W for writes and the PRDTL of a PRDT that fits
 *   its page, PRD entries with even addresses and lengths of at most
 *   4 MiB that lie inside the request's own pieces (write zeroes: the
 *   engine's zero buffer; TRIM: its range page), adding up to the
 *   sector count, an LBA range inside the request's that overlaps none
 *   of its other commands still held or already done, and TRIM ranges
 *   that cover exactly that range, without 32-bit addresses overflowing
 *   on a 32-bit HBA;
 *   a request completes OK only when commands the HBA finished as asked
 *   (the byte count in PRDBC, or 0 for a queued one, and no error in
 *   PxIS for a non-queued one) cover all of its sectors (a flush: its
 *   FLUSH CACHE EXT), so a slot the HBA reported short never passes;
 *   no request completes while the HBA still holds one of its commands;
 *   with an HBA that never misbehaved, every request that the engine can
 *   express (in range, allowed, even pieces adding up to its sectors,
 *   below 4 GiB on a 32-bit HBA) completes OK;
 *   and ASan: each request and its pieces are exact-size allocations
 *   freed when done is called, so the engine touching one after its
 *   completion is reported.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ahci.h"
#include "drivers/ata.h"
#include "tests/support/fake_hba.h"

#include "tests/fuzz/fuzz_common.h"

#define MAX_OPS 512
#define MAX_RQ 64	       /* requests alive at once, in the target */
#define DRAIN_ROUNDS 200000 /* rounds of a good HBA at the end, at most */
#define MAX_RANGES 320	       /* commands one request may take */
#define BUF_BASE 0x10000000ull /* the fake buffer: below 4 GiB */
#define NEAR_4G 0xffff8000ull
#define MS 1000000ull

/* --- the target's records ------------------------------------------- */

struct rq {
	struct blk_req r;
	struct blk_sg *sg;
	unsigned nsg;
	uint64_t seq;	   /* submission order */
	int status;	   /* -1 until done */
	bool expressible;  /* the engine can do it: must end OK unless the
			   * HBA misbehaved */
	uint64_t lba, n;   /* the disk range, in the engine's terms */
	uint64_t credited; /* sectors of commands finished as asked */
	bool flushed;
	unsigned nranges; /* credited or started LBA ranges, for overlaps */
	uint64_t range[MAX_RANGES][2];
};

/* A command as the HBA sees it, per slot. */
struct cmd {
	bool held;
	struct rq *rq;
	bool queued;
	uint8_t op;
	uint64_t lba;
	uint32_t sectors, bytes;
};

static struct ahci_disk D;
static uint64_t now, ticks, next_seq;
static struct rq *rqs[MAX_RQ];
static struct cmd cmd[AHCI_SLOTS];
static uint64_t stamp[AHCI_SLOTS], commands_seen;
static unsigned restart_mode, nested_left;
static bool nested, hostile;

static uint64_t fake_clock(void)
{
	/* Moves on at every call, so each start has a time of its own. */
	return now + ++ticks;
}

static uint32_t reg(unsigned off)
{
	return ahci_rd(hba_port, off);
}

static uint8_t *header(unsigned s)
{
	return D.clb + AHCI_CMD_HDR_SIZE * s;
}

static void let_go(struct cmd *c, bool credit);

/* The HBA lets go of every command (its port stopped). */
static void release_all(void)
{
	for (unsigned s = 0; s < AHCI_SLOTS; s++)
		if (cmd[s].held)
			let_go(&cmd[s], false);
}

/* The HBA's side of a restart (drivers/ahci.c, port_restart): stopping
 * the port clears PxCI and PxSACT and ends its DMA. */
static int fake_restart(struct ahci_disk *d, bool reset)
{
	(void)d;
	(void)reset;
	if (restart_mode == 2)
		return -1; /* the port would not stop */
	hba_set(PxCI, 0);
	hba_set(PxSACT, 0);
	release_all();
	return restart_mode ? -1 : 0;
}

/* Bus mastering off (drivers/ahci.c, stop_dma): whatever the port was
 * doing, the HBA reaches memory no more. */
static void fake_stop_dma(struct ahci_disk *d)
{
	(void)d;
	hba_set(PxCI, 0);
	hba_set(PxSACT, 0);
	release_all();
}

/* --- what the engine starts ----------------------------------------- */

static uint64_t fis_lba(const uint8_t *f)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 3; i++)
		v |= (uint64_t)f[FIS_LBA_LO + i] << (8 * i)
		     | (uint64_t)f[FIS_LBA_HI + i] << (24 + 8 * i);
	return v;
}

/* [a, a+len) inside one of the request's pieces. */
static bool in_pieces(const struct rq *q, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < q->nsg; i++)
		if (a >= q->sg[i].hpa && len <= q->sg[i].len
		    && a - q->sg[i].hpa <= q->sg[i].len - len)
			return true;
	return false;
}

static void add_range(struct rq *q, uint64_t lba, uint64_t n)
{
	for (unsigned i = 0; i < q->nranges; i++)
		CHECK(lba + n <= q->range[i][0]
		      || lba >= q->range[i][0] + q->range[i][1]);
	CHECK(q->nranges < MAX_RANGES);
	q->range[q->nranges][0] = lba;
	q->range[q->nranges++][1] = n;
}

static void drop_range(struct rq *q, uint64_t lba)
{
	for (unsigned i = 0; i < q->nranges; i++)
		if (q->range[i][0] == lba) {
			q->range[i][0] = q->range[--q->nranges][0];
			q->range[i][1] = q->range[q->nranges][1];
			return;
		}
	CHECK(0);
}

static bool barrier(const struct rq *q)
{
	return q->r.op == BLK_FLUSH || q->r.op == BLK_DISCARD;
}

/* SATA's and the engine's ordering rules for the command just started
 * in slot s: a non-queued command runs alone, queued ones only beside
 * queued ones; a flush or TRIM starts once every request before it is
 * done, and no request after it starts before it is done. */
static void ordered(unsigned s)
{
	const struct cmd *c = &cmd[s];

	for (unsigned t = 0; t < AHCI_SLOTS; t++)
		if (t != s && cmd[t].held)
			CHECK(c->queued && cmd[t].queued);
	for (unsigned i = 0; i < MAX_RQ; i++) {
		const struct rq *o = rqs[i];

		if (!o || o == c->rq)
			continue;
		if (barrier(c->rq))
			CHECK(o->seq > c->rq->seq);
		if (barrier(o))
			CHECK(o->seq > c->rq->seq);
	}
}

/* Slot s was started since the last look: check what is in it and
 * record it as held. */
static void started(unsigned s)
{
	struct cmd *c = &cmd[s];
	const struct ahci_slot *sl = &D.slot[s];
	const uint8_t *f = D.ctba[s], *h = header(s);
	uint32_t dw0 = ahci_rd(h, AHCI_CMD_DW0);
	unsigned nprd = dw0 >> AHCI_CMD_PRDTL_SHIFT;
	uint64_t total = 0, count;
	struct rq *q;

	/* Never into a slot the HBA may still be working on. */
	CHECK(!c->held);
	CHECK(sl->state == SLOT_BUSY && sl->rq < AHCI_SLOTS && D.rq[sl->rq].r);
	q = D.rq[sl->rq].r->ctx;
	CHECK(q && q->status == -1);
	memset(c, 0, sizeof(*c));
	c->held = true;
	c->rq = q;
	c->op = f[FIS_COMMAND];
	CHECK(f[FIS_TYPE] == FIS_TYPE_REG_H2D && f[FIS_FLAGS] == FIS_FLAGS_C);
	CHECK((dw0 & 0x1f) == AHCI_CMD_CFL_H2D);
	CHECK(!!(dw0 & AHCI_CMD_W)
	      == (q->r.op == BLK_WRITE || q->r.op == BLK_WRITE_ZEROES
		  || q->r.op == BLK_DISCARD));
	CHECK(nprd <= AHCI_PRDT_MAX); /* the table fits its page */
	CHECK(ahci_rd(h, AHCI_CMD_PRDBC) == 0);
	CHECK(((uint64_t)ahci_rd(h, AHCI_CMD_CTBAU) << 32
	       | ahci_rd(h, AHCI_CMD_CTBA))
	      == (uint64_t)(uintptr_t)D.ctba[s]);
	for (unsigned i = 0; i < nprd; i++) {
		const uint8_t *e = f + AHCI_PRDT_OFF + AHCI_PRD_SIZE * i;
		uint64_t a = ahci_rd(e, AHCI_PRD_DBA)
			     | (uint64_t)ahci_rd(e, AHCI_PRD_DBAU) << 32;
		uint32_t len = (ahci_rd(e, AHCI_PRD_DBC) & 0x3fffff) + 1;

		CHECK(ahci_rd(e, AHCI_PRD_DBC) < AHCI_PRD_MAX);
		CHECK(!((a | len) & 1));
		switch (q->r.op) {
		case BLK_WRITE_ZEROES:
			CHECK(a == (uint64_t)(uintptr_t)D.zero
			      && len <= AHCI_ZERO_BYTES);
			break;
		case BLK_DISCARD:
			CHECK(a == (uint64_t)(uintptr_t)D.dsm && len <= 4096);
			break;
		default:
			CHECK(in_pieces(q, a, len));
			/* (The engine's own pages are allocated below 4 GiB
			 * for such an HBA by ahci.c; not here.) */
			CHECK(D.dma64 || (a + len - 1) >> 32 == 0);
		}
		total += len;
	}
	c->bytes = (uint32_t)total;
	switch (q->r.op) {
	case BLK_FLUSH:
		CHECK(c->op == ATA_FLUSH_EXT && nprd == 0);
		ordered(s);
		return;
	case BLK_DISCARD: {
		unsigned blocks = f[FIS_COUNT];
		uint64_t at = 0;

		CHECK(c->op == ATA_DSM && f[FIS_FEATURE] == ATA_DSM_TRIM);
		CHECK(blocks == D.id.trim_blocks && total == 512u * blocks
		      && nprd == 1);
		/* Contiguous ranges from the first, then zeros. */
		for (unsigned i = 0; i < ATA_TRIM_ENTRIES * blocks; i++) {
			uint64_t e;

			memcpy(&e, D.dsm + 8 * i, 8);
			if (!(e >> 48)) {
				CHECK(!e);
				continue;
			}
			if (!c->sectors)
				at = c->lba = e & 0xffffffffffffull;
			CHECK((e & 0xffffffffffffull) == at);
			at += e >> 48;
			c->sectors += (uint32_t)(e >> 48);
		}
		CHECK(c->sectors >= 1);
		break;
	}
	default: {
		bool w = q->r.op != BLK_READ;

		c->queued = sl->queued;
		c->lba = fis_lba(f);
		if (c->queued) {
			CHECK(D.ncq);
			CHECK(c->op == (w ? ATA_WRITE_FPDMA : ATA_READ_FPDMA));
			CHECK(f[FIS_COUNT] == s << FIS_NCQ_TAG_SHIFT);
			count = f[FIS_FEATURE] | f[FIS_FEATURE_EXP] << 8;
		} else {
			CHECK(c->op
			      == (w ? ATA_WRITE_DMA_EXT : ATA_READ_DMA_EXT));
			count = f[FIS_COUNT] | f[FIS_COUNT_EXP] << 8;
		}
		c->sectors = count ? (uint32_t)count : 65536;
		CHECK(total == (uint64_t)c->sectors * BLK_SECTOR);
	}
	}
	CHECK(c->lba >= q->lba && c->sectors <= q->n
	      && c->lba - q->lba <= q->n - c->sectors);
	add_range(q, c->lba, c->sectors);
	ordered(s);
}

/* Finds the slots started since the last look (their start times
 * moved); as many as the engine counted. */
static void look(void)
{
	uint64_t n = 0;

	for (unsigned s = 0; s < AHCI_SLOTS; s++) {
		if (D.slot[s].started_ns == stamp[s])
			continue;
		/* (A slot cleared for a command that could not be built
		 * has no time: it was not started.) */
		stamp[s] = D.slot[s].started_ns;
		if (!stamp[s])
			continue;
		started(s);
		n++;
	}
	CHECK(D.st.commands - commands_seen == n);
	commands_seen = D.st.commands;
}

/* A command the HBA no longer holds and the engine does not credit
 * gives its range back, so that its retry may take it again. */
static void let_go(struct cmd *c, bool credit)
{
	c->held = false;
	if (!c->rq)
		return;
	if (credit) {
		c->rq->credited += c->sectors;
		c->rq->flushed |= c->op == ATA_FLUSH_EXT;
	} else if (c->op != ATA_FLUSH_EXT) {
		drop_range(c->rq, c->lba);
	}
	c->rq = NULL;
}

/* What the engine will find when it polls now (AHCI 1.3.1, 5.5, 6.2.2):
 * a command whose bits are clear is over, and done as asked if its byte
 * count is right (0 allowed when queued) unless PxIS holds an error and
 * it was not queued; an error halts the rest. */
static void before_poll(void)
{
	uint32_t is = reg(PxIS), ci = reg(PxCI), sact = reg(PxSACT);

	for (unsigned s = 0; s < AHCI_SLOTS; s++) {
		struct cmd *c = &cmd[s];
		uint32_t bit = 1u << s, prdbc;

		if (!c->held)
			continue;
		if (!(ci & bit) && !(c->queued && (sact & bit))) {
			prdbc = ahci_rd(header(s), AHCI_CMD_PRDBC);
			let_go(c, (!(is & PxIS_ERRORS) || c->queued)
					  && (prdbc == c->bytes
					      || (c->queued && !prdbc)));
		} else if (is & PxIS_ERRORS) {
			let_go(c, false);
		}
	}
}

static void poll(void)
{
	before_poll();
	ahci_io_poll(&D);
	look();
}

/* --- requests ------------------------------------------------------- */

static void submit_rq(struct rq *q);

static void rq_done(struct blk_req *r, int status)
{
	struct rq *q = r->ctx;
	unsigned i;

	CHECK(q && &q->r == r);
	CHECK(q->status == -1); /* exactly once */
	CHECK(status == BLK_OK || status == BLK_EIO);
	look();
	for (unsigned s = 0; s < AHCI_SLOTS; s++) {
		/* Its buffers are the caller's again: nothing may still
		 * move data in or out of them. */
		CHECK(!cmd[s].held || cmd[s].rq != q);
		if (cmd[s].rq == q)
			cmd[s].rq = NULL;
	}
	if (status == BLK_OK) {
		if (q->r.op == BLK_FLUSH)
			CHECK(q->flushed);
		else
			CHECK(q->credited == q->n);
	} else {
		CHECK(hostile || !q->expressible);
	}
	q->status = status;
	for (i = 0; i < MAX_RQ && rqs[i] != q; i++)
		;
	CHECK(i < MAX_RQ);
	rqs[i] = NULL;
	/* Anything the engine still reads of it is a use after free. */
	free(q->sg);
	free(q);
	if (nested && nested_left) {
		/* A block layer that submits from its completion. */
		struct rq *n = calloc(1, sizeof(*n));

		if (!n || !(n->sg = malloc(sizeof(*n->sg))))
			abort();
		nested_left--;
		n->sg[0] = (struct blk_sg){ BUF_BASE + 0x100000 * nested_left,
					    4096 };
		n->nsg = 1;
		n->r = (struct blk_req){ .op = BLK_READ,
					 .sector = nested_left,
					 .nsectors = 8,
					 .sg = n->sg,
					 .nsg = 1 };
		submit_rq(n);
		look();
	}
}

/* Whether the engine can express q (see the top). */
static bool expressible(const struct rq *q)
{
	const struct blk_req *r = &q->r;
	uint64_t total = 0;
	bool write = r->op == BLK_WRITE || r->op == BLK_WRITE_ZEROES
		     || r->op == BLK_DISCARD;

	if (r->op != BLK_FLUSH
	    && (r->sector > D.be.sectors
		|| r->nsectors > D.be.sectors - r->sector))
		return false;
	if ((write && D.be.readonly)
	    || (r->op == BLK_DISCARD && !D.be.can_discard))
		return false;
	if (r->op == BLK_WRITE_ZEROES)
		return D.dma64 || !((uint64_t)(uintptr_t)D.zero >> 32);
	if (r->op != BLK_READ && r->op != BLK_WRITE)
		return true;
	if (r->nsg > 128)
		return false;
	for (unsigned i = 0; i < r->nsg; i++) {
		uint64_t a = r->sg[i].hpa, len = r->sg[i].len;

		if ((a | len) & 1 || (!D.dma64 && len && (a + len - 1) >> 32))
			return false;
		total += len;
	}
	return total == r->nsectors * BLK_SECTOR;
}

/* Hands q to the engine, keeping it among the live records if taken. */
static void submit_rq(struct rq *q)
{
	unsigned i;
	int r;

	for (i = 0; i < MAX_RQ && rqs[i]; i++)
		;
	if (i == MAX_RQ) {
		free(q->sg);
		free(q);
		return;
	}
	q->status = -1;
	q->seq = next_seq++;
	q->r.done = rq_done;
	q->r.ctx = q;
	q->lba = D.first_lba + (q->r.op == BLK_FLUSH ? 0 : q->r.sector);
	q->n = q->r.op == BLK_FLUSH ? 0 : q->r.nsectors;
	q->expressible = expressible(q);
	rqs[i] = q;
	r = D.be.submit(&D.be, &q->r);
	CHECK(r == 0 || r == -1);
	if (r == -1) {
		/* Refused (full): never completed. */
		CHECK(rqs[i] == q && q->status == -1);
		CHECK(D.rq_count == AHCI_SLOTS);
		rqs[i] = NULL;
		free(q->sg);
		free(q);
	}
}

static void submit(struct fz *s)
{
	static const enum blk_op ops[5] = { BLK_READ, BLK_WRITE, BLK_FLUSH,
					    BLK_DISCARD, BLK_WRITE_ZEROES };
	uint8_t kind = fz8(s);
	struct rq *q = calloc(1, sizeof(*q));
	uint64_t total = 0, n;
	unsigned nsg;

	if (!q)
		abort();
	q->r.op = ops[(kind & 7) % 5];
	q->r.sector = fz32(s);
	nsg = fz8(s);
	nsg = kind & 0x10 ? nsg + fz8(s) % 45 : nsg % 17; /* up to 300 */
	if (q->r.op != BLK_READ && q->r.op != BLK_WRITE)
		nsg = 0;
	if (!(q->sg = malloc(sizeof(*q->sg) * (nsg ? nsg : 1))))
		abort();
	for (unsigned i = 0; i < nsg; i++) {
		uint8_t form = fz8(s);
		uint64_t off = fz16(s), len = fz16(s), a;

		switch (form & 3) {
		case 0:
			a = BUF_BASE + 4096 * off;
			break;
		case 1:
			a = NEAR_4G + 2 * off; /* may cross 4 GiB */
			break;
		case 2:
			a = BUF_BASE + off;
			break;
		default:
			a = BUF_BASE + 512 * off;
		}
		switch (form >> 2 & 3) {
		case 0:
			len = 512 * (len % 64 + 1);
			break;
		case 1:
			len *= 2;
			break;
		case 2:
			break;
		default:
			len = (len % 16 + 1) << 20;
		}
		q->sg[i] = (struct blk_sg){ a, (uint32_t)len };
		total += len;
	}
	q->nsg = nsg;
	q->r.sg = q->sg;
	q->r.nsg = nsg;
	n = total / BLK_SECTOR;
	if (kind & 8 || q->r.op == BLK_DISCARD || q->r.op == BLK_WRITE_ZEROES) {
		/* A count of its own, kept to what a few commands do. */
		n = fz32(s);
		n %= q->r.op == BLK_DISCARD	   ? 1u << 26
		     : q->r.op == BLK_WRITE_ZEROES ? 1u << 18
						   : 1u << 19;
	}
	q->r.nsectors = n;
	submit_rq(q);
	look();
}

/* --- the HBA ----------------------------------------------------------- */

static void complete(unsigned s, uint32_t prdbc)
{
	ahci_wr(header(s), AHCI_CMD_PRDBC, prdbc);
	hba_set(PxCI, reg(PxCI) & ~(1u << s));
	hba_set(PxSACT, reg(PxSACT) & ~(1u << s));
}

/* Completes every held command as asked, with a clean PxIS. */
static void good_round(void)
{
	hba_set(PxIS, 0);
	hba_set(PxTFD, 0);
	for (unsigned s = 0; s < AHCI_SLOTS; s++)
		if (cmd[s].held)
			complete(s, cmd[s].bytes);
	poll();
}

static unsigned in_flight(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_RQ; i++)
		n += rqs[i] != NULL;
	return n;
}

static void setup(struct fz *s)
{
	uint8_t a = fz8(s), b = fz8(s);

	hba_disk(&D, a & 1);
	if (a & 1)
		D.depth = 1 + (a >> 1 & 31);
	D.dma64 = !(a & 0x40);
	nested = a & 0x80;
	nested_left = 8;
	D.id.trim = b & 1;
	D.id.trim_blocks = 1 + (b >> 1 & 7);
	D.be.can_discard = D.id.trim;
	D.be.can_write_zeroes = true;
	D.be.readonly = b & 0x10;
	D.first_lba = b & 0x20 ? fz32(s) : 0;
	/* Within 48-bit LBAs, as IDENTIFY guarantees. */
	D.be.sectors = (uint64_t)fz32(s) + 1;
	D.restart = fake_restart;
	D.stop_dma = fake_stop_dma;
	D.clock = fake_clock;
	ahci_io_init(&D);
	now = 1000;
	ticks = 0;
	restart_mode = 0;
	hostile = false;
	memset(cmd, 0, sizeof(cmd));
	memset(stamp, 0, sizeof(stamp));
	commands_seen = 0;
	next_seq = 0;
	memset(rqs, 0, sizeof(rqs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };

	setup(&s);
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		uint8_t op = fz8(&s) % 12;

		switch (op) {
		case 0:
			submit(&s);
			break;
		case 1: {
			uint8_t b = fz8(&s);
			unsigned sl = b & 31;

			complete(sl, b & 0x20 ? 0 : cmd[sl].bytes);
			if ((b & 0x20) && !cmd[sl].queued)
				hostile = true;
			break;
		}
		case 2: {
			unsigned sl = fz8(&s) & 31;
			uint32_t v = fz32(&s);

			complete(sl, v);
			if (v != cmd[sl].bytes)
				hostile = true;
			break;
		}
		case 3:
		case 4:
		case 5:
		case 6: {
			static const unsigned regs[4] = { PxCI, PxSACT, PxIS,
							  PxTFD };

			hba_set(regs[op - 3], fz32(&s));
			hostile = true;
			break;
		}
		case 7: {
			unsigned sl = fz8(&s) & 31, dw = fz8(&s) % 8;

			ahci_wr(header(sl), 4 * dw, fz32(&s));
			hostile = true;
			break;
		}
		case 8: {
			static const uint64_t jump[3] = { MS,
							  AHCI_TIMEOUT_NS + 1,
							  AHCI_LONG_TIMEOUT_NS
								  + 1 };
			uint8_t k = fz8(&s) & 3;
			uint64_t d = k < 3 ? jump[k] : fz32(&s);

			now += d;
			if (d >= AHCI_TIMEOUT_NS)
				hostile = true; /* a command may time out */
			break;
		}
		case 9:
			poll();
			break;
		case 10:
			good_round();
			break;
		case 11:
			restart_mode = fz8(&s) % 3;
			if (restart_mode)
				hostile = true;
			break;
		}
	}
	/* A good HBA from here on: everything taken must complete.  A round
	 * completes every command the port holds, which at queue depth 1 is
	 * one, and a request may take many: the bound is on rounds in which
	 * nothing moves at all, even after timeouts, not on rounds in all
	 * (one input needed 424 rounds, one command each, for 32 requests).
	 * The cap on all rounds only ends a loop that moves forever. */
	restart_mode = 0;
	for (unsigned round = 0, idle = 0, stalls = 0;
	     round < DRAIN_ROUNDS && in_flight() && stalls < 8; round++) {
		uint64_t before = commands_seen;
		unsigned left = in_flight();

		good_round();
		if (commands_seen != before || in_flight() != left) {
			idle = stalls = 0;
		} else if (++idle >= 2) {
			/* Nothing moves: let a timeout recover it. */
			now += AHCI_LONG_TIMEOUT_NS + 1;
			hostile = true;
			idle = 0;
			stalls++;
		}
	}
	CHECK(!in_flight());
	return 0;
}
