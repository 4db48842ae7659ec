/* selftest = disk: the configured disk backend driven as virtio-blk
 * drives it (asynchronous requests over scatter-gather lists), without a
 * guest.  It overwrites the regions it names; qemu-test/systests.py
 * checks them in the image afterwards. */
#include "hv/selftest/selftest.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "hv/backend/disk.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"

#define PREFILLED_LBA 4096
#define PREFILLED_SECTORS 64
#define MAX_SECTORS 2048 /* the largest pattern region */
#define QUEUE_LBA 150000 /* QUEUE_REQS requests of QUEUE_SECTORS */
#define QUEUE_REQS 32
#define QUEUE_SECTORS 128
#define SPLIT_LBA 170000 /* one request in SPLIT_PAGES pieces */
#define SPLIT_PAGES 384
#define DISCARD_LBA 190000 /* 128 KiB written, then discarded */
#define ZEROES_LBA 200000  /* 128 KiB written, then written zeroes */
#define TRIM_SECTORS 256
#define SEQ_LBA 212992 /* the throughput region */
#define SEQ_BYTES (16u << 20)
#define SEQ_REQ (1u << 20)
#define SEQ_DEPTH 8
#define IO_TIMEOUT_NS (60ull * 1000000000ull)

/* The byte at offset j of sector s in the patterns; systests.py computes
 * the same to check the image. */
static uint8_t pattern(uint64_t s, unsigned j)
{
	return (uint8_t)((s * 31 + j) ^ 0x5a);
}

static void fill(uint8_t *buf, uint64_t lba, uint64_t count)
{
	for (uint64_t s = 0; s < count; s++)
		for (unsigned j = 0; j < BLK_SECTOR; j++)
			buf[s * BLK_SECTOR + j] = pattern(lba + s, j);
}

static bool holds(const uint8_t *buf, uint64_t lba, uint64_t count)
{
	for (uint64_t s = 0; s < count; s++)
		for (unsigned j = 0; j < BLK_SECTOR; j++)
			if (buf[s * BLK_SECTOR + j] != pattern(lba + s, j))
				return false;
	return true;
}

static bool all_zero(const uint8_t *buf, uint64_t bytes)
{
	while (bytes--)
		if (*buf++)
			return false;
	return true;
}

/* --- requests in flight ------------------------------------------- */

struct io {
	struct blk_req r;
	struct blk_sg sg[2];
	int status; /* -1 while in flight */
};

static unsigned in_flight;
static uint64_t moved; /* data bytes of requests that completed */

static void io_done(struct blk_req *r, int status)
{
	((struct io *)r->ctx)->status = status;
	in_flight--;
	if (status == BLK_OK && (r->op == BLK_READ || r->op == BLK_WRITE))
		moved += r->nsectors * BLK_SECTOR;
}

/* Starts one request; with two pieces the buffer is split in the middle,
 * so that the sg path is exercised. */
static int start(struct blk_backend *be, struct io *io, enum blk_op op,
		 uint64_t lba, uint64_t count, uint8_t *buf, bool two)
{
	uint64_t bytes = count * BLK_SECTOR;
	uint32_t half = two ? (uint32_t)(bytes / 2) & ~1u : 0;
	unsigned n = 0;

	if (half)
		io->sg[n++] = (struct blk_sg){ (uint64_t)(uintptr_t)buf, half };
	if (bytes)
		io->sg[n++] = (struct blk_sg){ (uint64_t)(uintptr_t)buf + half,
					       (uint32_t)(bytes - half) };
	io->r = (struct blk_req){ .op = op,
				  .sector = lba,
				  .nsectors = count,
				  .sg = io->sg,
				  .nsg = n,
				  .done = io_done,
				  .ctx = io };
	if (op == BLK_DISCARD || op == BLK_WRITE_ZEROES || op == BLK_FLUSH)
		io->r.nsg = 0;
	io->status = -1;
	in_flight++;
	if (be->submit(be, &io->r)) {
		in_flight--;
		return -1;
	}
	return 0;
}

/* Polls until at most `left` requests are in flight; -1 on a timeout. */
static int drain(struct blk_backend *be, unsigned left)
{
	uint64_t end = clock_ns() + IO_TIMEOUT_NS;

	while (in_flight > left) {
		if (be->poll)
			be->poll(be);
		if (clock_ns() > end)
			return -1;
	}
	return 0;
}

static int io_one(struct blk_backend *be, enum blk_op op, uint64_t lba,
		  uint64_t count, uint8_t *buf)
{
	struct io io;

	if (start(be, &io, op, lba, count, buf, true) || drain(be, 0))
		return -1;
	return io.status;
}

/* --- the exercises ------------------------------------------------ */

/* Patterns at five places, 1 to 2048 sectors (the first one block, 1 on
 * a disk of 512-byte blocks, the others already whole 4 KiB blocks),
 * each written, flushed and read back. */
static int patterns(struct blk_backend *be, uint8_t *buf)
{
	const uint64_t n = be->sectors;
	const uint64_t one = be->block_size > BLK_SECTOR
				     ? be->block_size / BLK_SECTOR
				     : 1;
	const struct {
		uint64_t lba, count;
	} at[] = { { 0, one },
		   { 2048, 8 },
		   { 65536, 256 },
		   { 131072, 2048 },
		   { n - 8, 8 } };
	int failed = 0;

	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		uint64_t lba = at[i].lba, cnt = at[i].count;
		uint64_t t0 = clock_ns();

		if (lba + cnt > n || n < 8)
			continue; /* a small disk skips what lies past it */
		fill(buf, lba, cnt);
		if (io_one(be, BLK_WRITE, lba, cnt, buf)
		    || io_one(be, BLK_FLUSH, 0, 0, buf)) {
			log_msg("selftest disk: LBA %lu, %lu sectors: write "
				"FAILED",
				(unsigned long)lba, (unsigned long)cnt);
			failed++;
			continue;
		}
		memset(buf, 0, cnt * BLK_SECTOR);
		bool same = !io_one(be, BLK_READ, lba, cnt, buf)
			    && holds(buf, lba, cnt);

		log_msg("selftest disk: LBA %lu, %lu sectors: written, flushed,"
			" read back %s (%lu us)",
			(unsigned long)lba, (unsigned long)cnt,
			same ? "ok" : "FAILED",
			(unsigned long)((clock_ns() - t0) / 1000));
		failed += !same;
	}
	return failed;
}

/* QUEUE_REQS writes submitted together, then as many reads. */
static int queue(struct blk_backend *be, uint8_t *buf)
{
	static struct io io[QUEUE_REQS];
	const uint64_t bytes = QUEUE_SECTORS * BLK_SECTOR;
	unsigned max = 0;
	bool ok = true;

	for (unsigned i = 0; i < QUEUE_REQS; i++)
		fill(buf + i * bytes, QUEUE_LBA + i * QUEUE_SECTORS,
		     QUEUE_SECTORS);
	for (int pass = 0; pass < 2 && ok; pass++) {
		enum blk_op op = pass ? BLK_READ : BLK_WRITE;

		if (pass)
			memset(buf, 0, QUEUE_REQS * bytes);
		/* Backwards, so that the disk sees them out of order. */
		for (int i = QUEUE_REQS - 1; i >= 0 && ok; i--)
			ok = !start(be, &io[i], op,
				    QUEUE_LBA + (unsigned)i * QUEUE_SECTORS,
				    QUEUE_SECTORS, buf + (unsigned)i * bytes,
				    true);
		if (in_flight > max)
			max = in_flight;
		ok = ok && !drain(be, 0);
		for (unsigned i = 0; i < QUEUE_REQS && ok; i++)
			ok = io[i].status == BLK_OK;
	}
	ok = ok && holds(buf, QUEUE_LBA, QUEUE_REQS * QUEUE_SECTORS);
	log_msg("selftest disk: %u requests of %u sectors at once from LBA %u:"
		" written, read back %s",
		QUEUE_REQS, QUEUE_SECTORS, QUEUE_LBA, ok ? "ok" : "FAILED");
	return !ok;
}

/* One write whose buffer is SPLIT_PAGES pages in reverse order: more
 * pieces than one command's PRDT holds. */
static int split(struct blk_backend *be, uint8_t *buf)
{
	static struct blk_sg sg[SPLIT_PAGES];
	const uint64_t sectors = SPLIT_PAGES * 4096 / BLK_SECTOR;
	uint8_t *tmp = buf + SPLIT_PAGES * 4096;
	struct io io;
	bool ok;

	fill(tmp, SPLIT_LBA, sectors);
	for (unsigned i = 0; i < SPLIT_PAGES; i++) {
		uint8_t *page = buf + (SPLIT_PAGES - 1 - i) * 4096;

		memcpy(page, tmp + i * 4096, 4096);
		sg[i] = (struct blk_sg){ (uint64_t)(uintptr_t)page, 4096 };
	}
	io.r = (struct blk_req){ .op = BLK_WRITE,
				 .sector = SPLIT_LBA,
				 .nsectors = sectors,
				 .sg = sg,
				 .nsg = SPLIT_PAGES,
				 .done = io_done,
				 .ctx = &io };
	io.status = -1;
	in_flight++;
	ok = !be->submit(be, &io.r) && !drain(be, 0) && io.status == BLK_OK;
	memset(tmp, 0, sectors * BLK_SECTOR);
	ok = ok && !io_one(be, BLK_READ, SPLIT_LBA, sectors, tmp)
	     && holds(tmp, SPLIT_LBA, sectors);
	log_msg("selftest disk: LBA %u, %lu sectors in %u pieces: written, "
		"read back %s",
		SPLIT_LBA, (unsigned long)sectors, SPLIT_PAGES,
		ok ? "ok" : "FAILED");
	return !ok;
}

/* A pattern, then DISCARD (where the disk can) and WRITE_ZEROES over it;
 * written zeroes must read back as zeros. */
static int trims(struct blk_backend *be, uint8_t *buf)
{
	int failed = 0;

	if (be->can_discard) {
		fill(buf, DISCARD_LBA, TRIM_SECTORS);
		bool ok = !io_one(be, BLK_WRITE, DISCARD_LBA, TRIM_SECTORS, buf)
			  && !io_one(be, BLK_DISCARD, DISCARD_LBA, TRIM_SECTORS,
				     NULL)
			  && !io_one(be, BLK_FLUSH, 0, 0, NULL);

		log_msg("selftest disk: LBA %u, %u sectors: written, discarded "
			"%s",
			DISCARD_LBA, TRIM_SECTORS, ok ? "ok" : "FAILED");
		failed += !ok;
	} else {
		log_msg("selftest disk: the disk offers no discard");
	}
	if (be->can_write_zeroes) {
		fill(buf, ZEROES_LBA, TRIM_SECTORS);
		bool ok = !io_one(be, BLK_WRITE, ZEROES_LBA, TRIM_SECTORS, buf)
			  && !io_one(be, BLK_WRITE_ZEROES, ZEROES_LBA,
				     TRIM_SECTORS, NULL)
			  && !io_one(be, BLK_READ, ZEROES_LBA, TRIM_SECTORS,
				     buf)
			  && all_zero(buf, TRIM_SECTORS * BLK_SECTOR);

		log_msg("selftest disk: LBA %u, %u sectors: written, zeroed, "
			"read back %s",
			ZEROES_LBA, TRIM_SECTORS, ok ? "zeros" : "FAILED");
		failed += !ok;
	}
	return failed;
}

/* Sequential throughput: SEQ_BYTES in SEQ_REQ requests, SEQ_DEPTH in
 * flight, written then read; the figures make bench's ratio. */
static int throughput(struct blk_backend *be, uint8_t *buf)
{
	static struct io io[SEQ_DEPTH];
	const uint64_t per = SEQ_REQ / BLK_SECTOR;

	for (int pass = 0; pass < 2; pass++) {
		enum blk_op op = pass ? BLK_READ : BLK_WRITE;
		uint64_t t0 = clock_ns();
		bool ok = true;

		for (unsigned i = 0; i < SEQ_BYTES / SEQ_REQ && ok; i++) {
			struct io *x = &io[i % SEQ_DEPTH];

			/* Its slot's previous request must be done first. */
			while (x->status < 0 && in_flight && ok) {
				ok = !drain(be, in_flight - 1);
			}
			ok = ok && (i < SEQ_DEPTH || x->status == BLK_OK)
			     && !start(be, x, op, SEQ_LBA + i * per, per, buf,
				       false);
		}
		ok = ok && !drain(be, 0);
		for (unsigned i = 0; i < SEQ_DEPTH && ok; i++)
			ok = io[i].status == BLK_OK;
		uint64_t us = (clock_ns() - t0) / 1000;

		if (!ok) {
			log_msg("selftest disk: sequential %s FAILED",
				pass ? "read" : "write");
			return 1;
		}
		log_msg("selftest disk: sequential %s of %u MiB in %u KiB "
			"requests, %u in flight: %lu us, %lu KiB/s",
			pass ? "read" : "write", SEQ_BYTES >> 20, SEQ_REQ >> 10,
			SEQ_DEPTH, (unsigned long)us,
			(unsigned long)(us ? (uint64_t)(SEQ_BYTES >> 10)
							* 1000000 / us
					   : 0));
	}
	return 0;
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

#define BUF_BYTES (2 * SPLIT_PAGES * 4096) /* the largest user, split() */
_Static_assert(BUF_BYTES >= QUEUE_REQS * QUEUE_SECTORS * BLK_SECTOR
		       && BUF_BYTES >= SEQ_REQ
		       && BUF_BYTES >= MAX_SECTORS * BLK_SECTOR,
	       "grow BUF_BYTES");

int selftest_disk(const struct boot_info *bi)
{
	char err[160];
	struct blk_backend *be = disk_open(bi, err, sizeof(err));
	uint8_t *buf = pool_pages_uncleared(BUF_BYTES / 4096, 1);
	int failed = 0;

	if (!be) {
		log_msg("selftest disk: FAILED: %s", err);
		return -1;
	}
	if (!buf || be->readonly) {
		log_msg("selftest disk: FAILED: %s",
			buf ? "the disk is "
			      "read-only"
			    : "no memory for buffers");
		return -1;
	}
	failed += patterns(be, buf);
	if (be->sectors >= SEQ_LBA + SEQ_BYTES / BLK_SECTOR) {
		failed += queue(be, buf);
		failed += split(be, buf);
		failed += trims(be, buf);
		failed += throughput(be, buf);
	} else {
		log_msg("selftest disk: the disk is too small for the queue, "
			"split, discard and throughput exercises");
	}
	if (be->sectors >= PREFILLED_LBA + PREFILLED_SECTORS) {
		if (io_one(be, BLK_READ, PREFILLED_LBA, PREFILLED_SECTORS,
			   buf)) {
			log_msg("selftest disk: reading LBA %u FAILED",
				PREFILLED_LBA);
			failed++;
		} else {
			log_msg("selftest disk: LBA %u, %u sectors read: "
				"fnv1a64"
				" %016lx",
				PREFILLED_LBA, PREFILLED_SECTORS,
				(unsigned long)fnv1a(
					buf, PREFILLED_SECTORS * BLK_SECTOR));
		}
	}
	log_msg("selftest disk: %lu bytes read and written, %lu of them "
		"copied by the %s backend",
		(unsigned long)moved, (unsigned long)be->copied, be->name);
	log_msg("selftest disk: %s", failed ? "FAILED" : "passed");
	pool_free_pages(buf, BUF_BYTES / 4096);
	return failed ? -1 : 0;
}
