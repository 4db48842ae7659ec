/* libFuzzer target for the NVMe request engine (drivers/nvme_io.c and
 * nvme_prp.c) against a hostile controller: the engine is built with
 * -DNVME_TEST_CTRL over tests/support/fake_nvme.c, as tests/unit/
 * test_nvme.c is, while the input plays both the block layer (requests of
 * every kind over scatter lists in one buffer) and the controller
 * (commands executed in any order with any status, completion entries
 * made up whole: any CID, SQ head, queue and phase; CSTS, time that
 * jumps, resets that fail).
 *
 *   make build/fuzz/fuzz_nvme   # sources and flags: fuzz_nvme_*
 *   build/fuzz/fuzz_nvme -max_total_time=60
 *
 * Input layout (little-endian):
 *   byte 0   bit 0 4 KiB blocks, bit 1 Write Zeroes, bit 2 a volatile
 *            cache, bit 3 deallocate, bits 4-6 MDTS: 4 KiB << n
 * then operations, one byte each (mod 10) and their arguments:
 *   0  submit: kind (1: bits 0-2 the operation mod 5: read, write,
 *      flush, discard, write zeroes; bit 3 a sector count of its own, 2,
 *      instead of the pieces' total / 512), sector (2), pieces (1, mod 8,
 *      plus one), and per piece an offset (2) and a length (2; bit 15:
 *      whole 4 KiB pages at a page's start)
 *   1  the controller fetches what was rung in
 *   2  it executes pending command (1, mod how many) with status (2)
 *      when bit 0 of (1) is set, else as asked
 *   3  a completion entry made up: CID (2), status (2), SQ head (2),
 *      queue (1: bit 0 the I/O queue, else another), bit 1 the old phase
 *   4  poll               5  time: (1) mod 3: 1 ms, past the timeout,
 *                            past the long one
 *   6  CSTS := (4)        7  the next resets fail (1, bit 0)
 *   8  a good controller: fetch, execute everything, CSTS ready, poll
 *   9  the last pending command executed first, then poll
 * At the end a good controller runs until nothing is left, with time
 * moved on when nothing moves.
 *
 * Invariants (abort on violation): every request taken completes exactly
 * once, none refused does, and none is left at the end; the engine never
 * names memory outside the request's own pieces (the buffer's other
 * bytes keep their canary, and ASan sees the buffer's ends); every
 * doorbell value lies inside its queue. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme.h"
#include "tests/support/fake_nvme.h"

#include "tests/fuzz/fuzz_common.h"

#define BUF_BYTES (256u << 10)
#define MAX_RQ 48
#define MAX_OPS 400
#define DRAIN_ROUNDS 200000 /* rounds of a good controller at the end */
#define CANARY 0xcc

struct rq {
	struct blk_req r;
	struct blk_sg sg[8];
	int status; /* -1 until done */
};

static struct nvme_disk D;
static uint64_t now;
static bool reset_fails;
static uint8_t *buf, *covered; /* 0xff: bytes some request's pieces name */
static struct rq rqs[MAX_RQ];
static unsigned nrq;

static uint64_t fake_clock(void)
{
	return now;
}

static int fake_reset(struct nvme_disk *d)
{
	if (reset_fails)
		return -1;
	fake_reset_state(d);
	return 0;
}

static void done_cb(struct blk_req *r, int status)
{
	struct rq *q = r->ctx;

	CHECK(q->status == -1);
	q->status = status;
}

static void setup(uint8_t cfg)
{
	if (!buf) {
		buf = aligned_alloc(4096, BUF_BYTES);
		covered = malloc(BUF_BYTES);
	}
	memset(buf, CANARY, BUF_BYTES);
	memset(covered, 0, BUF_BYTES);
	fake_nvme_disk(&D); /* a disk of zeros: never the canary */
	D.lba_shift = cfg & 1 ? 12 : 9;
	D.be.block_size = 1u << D.lba_shift;
	D.wz = cfg & 2;
	D.vwc = cfg & 4;
	D.dsm = D.be.can_discard = cfg & 8;
	D.max_xfer = NVME_PAGE << ((cfg >> 4) & 7);
	if (D.max_xfer > NVME_MAX_XFER)
		D.max_xfer = NVME_MAX_XFER;
	D.clock = fake_clock;
	D.reset = fake_reset;
	now = 1;
	reset_fails = false;
	nrq = 0;
	nvme_io_init(&D);
}

static void submit(struct fz *s)
{
	uint8_t kind = fz8(s);
	struct rq *q;
	uint64_t total = 0;

	if (nrq == MAX_RQ)
		return;
	q = &rqs[nrq];
	memset(q, 0, sizeof(*q));
	q->status = -1;
	q->r.op = (enum blk_op)((kind & 7) % 5);
	q->r.sector = fz16(s) % (FAKE_NVME_BLOCKS + 8);
	q->r.sg = q->sg;
	q->r.done = done_cb;
	q->r.ctx = q;
	unsigned n = fz8(s) % 8 + 1;

	for (unsigned i = 0; q->r.op <= BLK_WRITE && i < n; i++) {
		uint32_t off = fz16(s), len = fz16(s);

		if (len & 0x8000) {
			off = (off % (BUF_BYTES / 4096)) * 4096;
			len = ((len & 0xf) + 1) * 4096;
		} else {
			off %= BUF_BYTES;
			len %= 8192;
		}
		if (off + len > BUF_BYTES)
			len = BUF_BYTES - off;
		q->sg[q->r.nsg++] = (struct blk_sg){ (uint64_t)(uintptr_t)buf + off,
						     len };
		total += len;
	}
	q->r.nsectors = kind & 8 ? fz16(s) : total / 512;
	if (q->r.op > BLK_WRITE && !(kind & 8))
		q->r.nsectors = fz8(s);
	if (q->r.op == BLK_FLUSH)
		q->r.nsectors = 0;
	if (D.be.submit(&D.be, &q->r)) {
		CHECK(q->status == -1); /* refused: never completed */
		return;
	}
	for (unsigned i = 0; i < q->r.nsg; i++)
		memset(covered + (q->sg[i].hpa - (uint64_t)(uintptr_t)buf),
		       0xff, q->sg[i].len);
	nrq++;
}

/* Some byte no request's pieces name lost its canary.  Word by word, with
 * no branch per byte: this runs on every input. */
static bool outside_written(void)
{
	uint64_t diff = 0, can = 0x0101010101010101ull * CANARY;

	for (unsigned i = 0; i < BUF_BYTES; i += 8) {
		uint64_t b, c;

		memcpy(&b, buf + i, 8);
		memcpy(&c, covered + i, 8);
		diff |= (b ^ can) & ~c;
	}
	return diff != 0;
}

static void good_round(void)
{
	fake.csts = NVME_CSTS_RDY;
	fake_run(&D);
	nvme_io_poll(&D);
}

/* The engine's work left: blocks not yet issued and commands out, over
 * the requests it holds.  It only falls while no request comes in. */
static uint64_t work_left(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < NVME_RQS; i++)
		if (D.rq[i].r)
			n += D.rq[i].left + D.rq[i].outstanding;
	return n;
}

static unsigned in_flight(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nrq; i++)
		n += rqs[i].status == -1;
	return n;
}

static void controller_op(struct fz *s, uint8_t op)
{
	switch (op) {
	case 1:
		fake_fetch(&D);
		break;
	case 2: {
		uint8_t k = fz8(s);
		uint16_t st = fz16(s);

		if (fake.npending) {
			if (fz8(s) & 1) {
				fake.fail_status = st;
				fake.fail_count = 1;
			}
			fake_exec(&D, k % fake.npending);
			fake.fail_count = 0;
		}
		break;
	}
	case 3: {
		uint16_t cid = fz16(s), st = fz16(s), hd = fz16(s);
		uint8_t q = fz8(s);

		fake_post(&D, cid, st, hd, q & 1 ? 1 : q >> 1, q & 2);
		break;
	}
	case 9:
		if (fake.npending)
			fake_exec(&D, fake.npending - 1);
		nvme_io_poll(&D);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };
	static const uint64_t jump[3] = { 1000000, NVME_TIMEOUT_NS + 1,
					  NVME_LONG_TIMEOUT_NS + 1 };

	setup(fz8(&s));
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		uint8_t op = fz8(&s) % 10;

		switch (op) {
		case 0:
			submit(&s);
			break;
		case 4:
			nvme_io_poll(&D);
			break;
		case 5:
			now += jump[fz8(&s) % 3];
			break;
		case 6:
			fake.csts = fz32(&s);
			break;
		case 7:
			reset_fails = fz8(&s) & 1;
			break;
		case 8:
			good_round();
			break;
		default:
			controller_op(&s, op);
			break;
		}
	}
	/* A good controller from here on: everything taken completes.  The
	 * bound is on rounds in which nothing moves, even after timeouts (a
	 * real hang), not on rounds in all: the fake completes what each
	 * round submits, but a driver that submits a little per round must
	 * not be taken for a hung one, as fuzz_ahci once was.  Moving is a
	 * request completing or any of its commands doing so: a request
	 * over pieces no PRP can describe goes a block per command (the
	 * bounce page), hundreds of commands, 63 a round, and once failed
	 * this bound for taking more than 16 rounds.  The cap on all rounds
	 * only ends a loop that moves forever. */
	reset_fails = false;
	for (unsigned round = 0, idle = 0, stalls = 0;
	     round < DRAIN_ROUNDS && in_flight() && stalls < 8; round++) {
		unsigned left = in_flight();
		uint64_t work = work_left();

		good_round();
		if (in_flight() != left || work_left() != work) {
			idle = stalls = 0;
		} else if (++idle >= 2) {
			now += NVME_LONG_TIMEOUT_NS + 1;
			idle = 0;
			stalls++;
		}
	}
	CHECK(!in_flight());
	CHECK(fake.sq_db < D.io.size && fake.cq_db < D.io.size);
	CHECK(!outside_written());
	return 0;
}
