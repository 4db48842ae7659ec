#include "hv/selftest.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "hv/config.h"
#include "hv/disk.h"
#include "hv/log.h"
#include "hv/pool.h"

/* Deep enough to pass any stack Plinth gives itself; the guard page stops
 * it long before.  The use of the result after the call keeps the
 * compiler from turning the recursion into a loop. */
static int __attribute__((noinline)) overflow(volatile char *prev, int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	frame[511] = prev ? prev[0] : 0;
	if (depth > 1000000)
		return frame[0];
	return overflow(frame, depth + 1) + frame[511];
}

/* The byte at offset j of sector s in the disk self-test's patterns;
 * qemu-test/systests.py computes the same to check the image. */
static uint8_t pattern(uint64_t s, unsigned j)
{
	return (uint8_t)((s * 31 + j) ^ 0x5a);
}

static int disk_status;

static void disk_done(struct blk_req *r, int status)
{
	(void)r;
	disk_status = status;
}

/* One request through the backend, as virtio-blk makes them: the buffer
 * in two pieces so that the sg path is exercised. */
static int disk_io(struct blk_backend *be, enum blk_op op, uint64_t lba,
		   uint64_t count, uint8_t *buf)
{
	uint64_t bytes = count * BLK_SECTOR;
	uint32_t half = (uint32_t)(bytes / 2) & ~1u;
	struct blk_sg sg[2] = {
		{ (uint64_t)(uintptr_t)buf, half },
		{ (uint64_t)(uintptr_t)buf + half, (uint32_t)(bytes - half) },
	};
	struct blk_req r = { .op = op, .sector = lba, .nsectors = count,
			     .sg = half ? sg : sg + 1, .nsg = half ? 2 : 1,
			     .done = disk_done };

	disk_status = -1;
	if (be->submit(be, &r))
		return -1;
	while (disk_status < 0 && be->poll)
		be->poll(be);
	return disk_status;
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

#define PREFILLED_LBA 4096
#define PREFILLED_SECTORS 64
#define MAX_SECTORS 2048

/* Writes patterns at several places and sizes, flushes, reads them back;
 * reads a region the test bench filled and prints its checksum. */
static int disk_test(const struct boot_info *bi)
{
	char err[160];
	struct blk_backend *be = disk_open(bi, err, sizeof(err));
	uint8_t *buf = pool_pages(MAX_SECTORS * BLK_SECTOR / 4096, 1);
	int failed = 0;

	if (!be) {
		log_msg("selftest disk: FAILED: %s", err);
		return -1;
	}
	if (!buf || be->readonly) {
		log_msg("selftest disk: FAILED: %s", buf ? "the disk is "
			"read-only" : "no memory for buffers");
		return -1;
	}
	const uint64_t n = be->sectors;
	struct {
		uint64_t lba, count;
	} at[] = { { 0, 1 }, { 2048, 8 }, { 65536, 256 }, { 131072, 2048 },
		   { n - 8, 8 } };

	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		uint64_t lba = at[i].lba, cnt = at[i].count;
		uint64_t t0 = clock_ns();

		if (lba + cnt > n || n < 8)
			continue; /* a small disk skips what lies past it */
		for (uint64_t s = 0; s < cnt; s++)
			for (unsigned j = 0; j < BLK_SECTOR; j++)
				buf[s * BLK_SECTOR + j] = pattern(lba + s, j);
		if (disk_io(be, BLK_WRITE, lba, cnt, buf)
		    || disk_io(be, BLK_FLUSH, 0, 0, buf)) {
			log_msg("selftest disk: LBA %lu, %lu sectors: write "
				"FAILED", (unsigned long)lba,
				(unsigned long)cnt);
			failed++;
			continue;
		}
		memset(buf, 0, cnt * BLK_SECTOR);
		bool same = !disk_io(be, BLK_READ, lba, cnt, buf);

		for (uint64_t s = 0; same && s < cnt; s++)
			for (unsigned j = 0; j < BLK_SECTOR; j++)
				if (buf[s * BLK_SECTOR + j] != pattern(lba + s, j))
					same = false;
		log_msg("selftest disk: LBA %lu, %lu sectors: written, flushed,"
			" read back %s (%lu us)", (unsigned long)lba,
			(unsigned long)cnt, same ? "ok" : "FAILED",
			(unsigned long)((clock_ns() - t0) / 1000));
		failed += !same;
	}
	if (n >= PREFILLED_LBA + PREFILLED_SECTORS) {
		if (disk_io(be, BLK_READ, PREFILLED_LBA, PREFILLED_SECTORS,
			    buf)) {
			log_msg("selftest disk: reading LBA %u FAILED",
				PREFILLED_LBA);
			failed++;
		} else {
			log_msg("selftest disk: LBA %u, %u sectors read: fnv1a64"
				" %016lx", PREFILLED_LBA, PREFILLED_SECTORS,
				(unsigned long)fnv1a(buf, PREFILLED_SECTORS
							      * BLK_SECTOR));
		}
	}
	log_msg("selftest disk: %s", failed ? "FAILED" : "passed");
	pool_free_pages(buf, MAX_SECTORS * BLK_SECTOR / 4096);
	return failed ? -1 : 0;
}

int selftest_run(const struct boot_info *bi)
{
	uint32_t which = bi->cfg.selftest;

	if (which & CFG_SELFTEST_DISK && disk_test(bi))
		return -1;
	if (which & CFG_SELFTEST_FAULT) {
		log_msg("selftest fault: overflowing the hypervisor stack on "
			"purpose; the guard page must stop it with a report");
		overflow(0, 0);
		log_msg("selftest fault: FAILED: the stack overflowed without "
			"a fault");
		return -1;
	}
	return 0;
}
