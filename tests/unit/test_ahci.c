/* The AHCI request engine (drivers/ahci_io.c) against an HBA played by
 * the test with plain memory: what it issues, what it believes of what
 * the HBA writes back (bits, byte counts, errors), and how it recovers.
 * Also IDENTIFY parsing, TRIM range encoding and the GPT partition finder
 * (drivers/gpt_part.c). */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/fake_hba.h"

#include <stdlib.h>

#include "drivers/ahci.h"
#include "drivers/gpt_part.h"
#include "hv/base/guid.h"

static struct ahci_disk D;
static uint64_t now;
static int restarts, restart_fails;

static uint64_t fake_clock(void)
{
	return now;
}

/* The HBA's side of a restart: clearing ST clears CI and SACT.  Until it
 * has run, the HBA may still be moving data: `watched` (a request's
 * status, -1 while in flight) must not be complete yet. */
static bool last_reset;
static const int *watched;
static int completed_too_early, dma_stops;

static int fake_restart(struct ahci_disk *d, bool reset)
{
	(void)d;
	last_reset = reset;
	restarts++;
	if (watched && *watched != -1)
		completed_too_early++;
	if (restart_fails)
		return -1; /* the port would not stop: its DMA goes on */
	hba_set(PxCI, 0);
	hba_set(PxSACT, 0);
	return 0;
}

/* Bus mastering off: only now may a dead port's buffers go back. */
static void fake_stop_dma(struct ahci_disk *d)
{
	(void)d;
	dma_stops++;
	if (watched && *watched != -1)
		completed_too_early++;
}

static void setup(bool ncq)
{
	hba_disk(&D, ncq);
	D.id.trim = true;
	D.id.trim_blocks = 1;
	D.be.sectors = 1u << 24;
	D.be.can_discard = true;
	D.be.can_write_zeroes = true;
	D.restart = fake_restart;
	D.stop_dma = fake_stop_dma;
	D.clock = fake_clock;
	ahci_io_init(&D);
	now = 1000;
	restarts = restart_fails = logstub_lines = 0;
	watched = NULL;
	completed_too_early = dma_stops = 0;
}

/* --- the HBA, played ------------------------------------------------ */

static uint32_t reg(unsigned off)
{
	return ahci_rd(hba_port, off);
}

static void set_reg(unsigned off, uint32_t v)
{
	hba_set(off, v);
}

static const uint8_t *fis(unsigned s)
{
	return D.ctba[s];
}

static unsigned prdtl(unsigned s)
{
	return ahci_rd(D.clb + AHCI_CMD_HDR_SIZE * s, AHCI_CMD_DW0)
	       >> AHCI_CMD_PRDTL_SHIFT;
}

static uint64_t prd_addr(unsigned s, unsigned n)
{
	const uint8_t *e = D.ctba[s] + AHCI_PRDT_OFF + AHCI_PRD_SIZE * n;

	return ahci_rd(e, AHCI_PRD_DBA)
	       | (uint64_t)ahci_rd(e, AHCI_PRD_DBAU) << 32;
}

static uint32_t prd_len(unsigned s, unsigned n)
{
	return (ahci_rd(D.ctba[s] + AHCI_PRDT_OFF + AHCI_PRD_SIZE * n,
			AHCI_PRD_DBC)
		& 0x3fffff) + 1;
}

/* The Register H2D FIS's 48-bit LBA (drivers/ata.h). */
static uint64_t fis_lba(unsigned s)
{
	const uint8_t *f = fis(s);

	return f[FIS_LBA_LO] | (uint64_t)f[FIS_LBA_LO + 1] << 8
	       | (uint64_t)f[FIS_LBA_LO + 2] << 16
	       | (uint64_t)f[FIS_LBA_HI] << 24
	       | (uint64_t)f[FIS_LBA_HI + 1] << 32
	       | (uint64_t)f[FIS_LBA_HI + 2] << 40;
}

/* The command's bytes as the PRDT states them. */
static uint32_t prdt_bytes(unsigned s)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < prdtl(s); i++)
		n += prd_len(s, i);
	return n;
}

/* The device finishes slot s having moved `bytes`. */
static void complete(unsigned s, uint32_t bytes)
{
	ahci_wr(D.clb + 32 * s, 4, bytes);
	set_reg(PxCI, reg(PxCI) & ~(1u << s));
	set_reg(PxSACT, reg(PxSACT) & ~(1u << s));
}

static void complete_ok(unsigned s)
{
	complete(s, prdt_bytes(s));
}

/* --- requests ------------------------------------------------------- */

struct req {
	struct blk_req r;
	struct blk_sg sg[400];
	int status; /* -1 while in flight */
};

static void req_done(struct blk_req *r, int status)
{
	struct req *q = r->ctx;

	CHECK(q->status == -1); /* exactly once */
	q->status = status;
}

/* A request over `n` pieces of `piece` bytes at fake addresses. */
static int submit(struct req *q, enum blk_op op, uint64_t lba, unsigned n,
		  uint32_t piece)
{
	uint64_t bytes = 0;

	memset(q, 0, sizeof(*q));
	for (unsigned i = 0; i < n; i++) {
		q->sg[i] = (struct blk_sg){ 0x10000000ull + i * 0x100000ull,
					    piece };
		bytes += piece;
	}
	q->r = (struct blk_req){ .op = op, .sector = lba,
				 .nsectors = bytes / 512, .sg = q->sg,
				 .nsg = n, .done = req_done, .ctx = q };
	q->status = -1;
	return D.be.submit(&D.be, &q->r);
}

static void poll(void)
{
	ahci_io_poll(&D);
}

static void read_becomes_one_queued_command(void)
{
	struct req q;

	setup(true);
	CHECK(submit(&q, BLK_READ, 1234, 2, 2048) == 0);
	CHECK(reg(PxSACT) == 1 && reg(PxCI) == 1);
	CHECK(fis(0)[FIS_TYPE] == FIS_TYPE_REG_H2D
	      && fis(0)[FIS_COMMAND] == ATA_READ_FPDMA);
	CHECK(fis_lba(0) == 1234);
	/* The count in FEATURE, the tag (0) in COUNT. */
	CHECK(fis(0)[FIS_FEATURE] == 8 && fis(0)[FIS_FEATURE_EXP] == 0);
	CHECK(fis(0)[FIS_COUNT] == 0);
	CHECK(prdtl(0) == 2);
	CHECK(prd_addr(0, 0) == 0x10000000ull && prd_len(0, 0) == 2048);
	CHECK(prd_addr(0, 1) == 0x10100000ull && prd_len(0, 1) == 2048);
	CHECK(!(ahci_rd(D.clb, 0) & (1u << 6))); /* not a write */
	poll();
	CHECK(q.status == -1); /* the bits are still set */
	complete(0, 0); /* NCQ: the HBA need not count bytes */
	poll();
	CHECK(q.status == BLK_OK);
	CHECK(D.st.ncq_commands == 1);
}

static void wrong_byte_count_fails_the_request(void)
{
	struct req q;

	setup(true);
	CHECK(submit(&q, BLK_WRITE, 0, 1, 4096) == 0);
	CHECK(fis(0)[2] == ATA_WRITE_FPDMA);
	CHECK(ahci_rd(D.clb, 0) & (1u << 6));
	complete(0, 4096 + 512); /* more than asked */
	poll();
	CHECK(q.status == BLK_EIO);
	/* Non-queued commands must report exactly. */
	setup(false);
	CHECK(submit(&q, BLK_READ, 0, 1, 4096) == 0);
	CHECK(fis(0)[2] == ATA_READ_DMA_EXT && reg(PxSACT) == 0);
	CHECK(fis(0)[12] == 8 && fis(0)[13] == 0); /* count in COUNT */
	complete(0, 0);
	poll();
	CHECK(q.status == BLK_EIO);
}

static void bits_of_slots_never_issued_mean_nothing(void)
{
	struct req q;

	setup(true);
	CHECK(submit(&q, BLK_READ, 0, 1, 512) == 0);
	/* The HBA sets bits of every other slot... */
	set_reg(PxCI, 0xffffffffu);
	set_reg(PxSACT, 0xffffffffu);
	poll();
	CHECK(q.status == -1);
	set_reg(PxCI, 0);
	poll();
	CHECK(q.status == -1); /* SACT bit 0 still set: not done */
	/* ...and clears them: only slot 0 was issued. */
	set_reg(PxSACT, 0xfffffffeu);
	poll();
	CHECK(q.status == BLK_OK);
	CHECK(D.st.commands == 1);
}

static void more_pieces_than_a_prdt_split_into_commands(void)
{
	struct req q;

	setup(true);
	CHECK(submit(&q, BLK_WRITE, 100, 300, 4096) == 0);
	CHECK(reg(PxCI) == 3);
	CHECK(prdtl(0) == AHCI_PRDT_MAX && prdtl(1) == 300 - AHCI_PRDT_MAX);
	CHECK(fis_lba(0) == 100 && fis_lba(1) == 100 + AHCI_PRDT_MAX * 8);
	CHECK(prd_addr(1, 0) == 0x10000000ull + AHCI_PRDT_MAX * 0x100000ull);
	complete_ok(1);
	poll();
	CHECK(q.status == -1); /* half of it */
	complete_ok(0);
	poll();
	CHECK(q.status == BLK_OK);
}

static void pieces_that_split_a_sector_are_cut_at_a_sector(void)
{
	struct req q;

	/* 256 pieces of 1000 bytes: the first command's 248 pieces hold
	 * 248000 bytes, 484.375 sectors; it takes 484 and leaves the rest of
	 * piece 247 to the second. */
	setup(true);
	memset(&q, 0, sizeof(q));
	for (unsigned i = 0; i < 256; i++)
		q.sg[i] = (struct blk_sg){ 0x20000000ull + i * 0x1000ull, 1000 };
	q.r = (struct blk_req){ .op = BLK_READ, .sector = 0,
				.nsectors = 256000 / 512, .sg = q.sg, .nsg = 256,
				.done = req_done, .ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(reg(PxCI) == 3);
	CHECK(prdt_bytes(0) == 484 * 512);
	CHECK(prd_len(0, 247) == 1000 - (248000 - 484 * 512));
	CHECK(prd_addr(1, 0) == 0x20000000ull + 247 * 0x1000ull
				       + (1000 - (248000 - 484 * 512)));
	CHECK(prdt_bytes(1) == 256000 - 484 * 512);
	CHECK(fis_lba(1) == 484);
	complete_ok(0);
	complete_ok(1);
	poll();
	CHECK(q.status == BLK_OK);
}

static void large_request_splits_at_65536_sectors(void)
{
	struct req q;

	setup(true);
	/* 40 pieces of 4 MiB: 327680 sectors. */
	CHECK(submit(&q, BLK_READ, 0, 40, 4u << 20) == 0);
	CHECK(reg(PxCI) == 0x1f); /* 5 commands of 65536 sectors */
	for (unsigned s = 0; s < 5; s++) {
		CHECK(fis(s)[3] == 0 && fis(s)[11] == 0); /* 0 = 65536 */
		CHECK(fis_lba(s) == s * 65536ull);
		CHECK(prdt_bytes(s) == 32u << 20);
		complete_ok(s);
	}
	poll();
	CHECK(q.status == BLK_OK);
}

static void buffers_above_4g_fail_on_a_32_bit_hba(void)
{
	struct req q;

	setup(true);
	D.dma64 = false;
	memset(&q, 0, sizeof(q));
	q.sg[0] = (struct blk_sg){ 0xfffff000ull, 8192 }; /* crosses 4 GiB */
	q.r = (struct blk_req){ .op = BLK_READ, .nsectors = 16, .sg = q.sg,
				.nsg = 1, .done = req_done, .ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(q.status == BLK_EIO && reg(PxCI) == 0);
	q.sg[0].hpa = 0x10000000ull;
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(q.status == -1 && reg(PxCI) == 1);
}

static void empty_pieces_make_no_prd(void)
{
	struct req q;

	setup(true);
	memset(&q, 0, sizeof(q));
	q.sg[0] = (struct blk_sg){ 0x10000000ull, 0 };
	q.sg[1] = (struct blk_sg){ 0x20000000ull, 512 };
	q.sg[2] = (struct blk_sg){ 0x30000000ull, 0 };
	q.r = (struct blk_req){ .op = BLK_READ, .nsectors = 1, .sg = q.sg,
				.nsg = 3, .done = req_done, .ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(prdtl(0) == 1 && prd_addr(0, 0) == 0x20000000ull
	      && prd_len(0, 0) == 512);
	complete_ok(0);
	poll();
	CHECK(q.status == BLK_OK);
}

static void flush_gets_the_longer_timeout(void)
{
	struct req f;

	setup(true);
	CHECK(submit(&f, BLK_FLUSH, 0, 0, 0) == 0);
	now += AHCI_TIMEOUT_NS + 1;
	poll();
	CHECK(restarts == 0);
	now += AHCI_LONG_TIMEOUT_NS;
	poll();
	CHECK(restarts == 1);
}

static void odd_buffer_fails_without_a_command(void)
{
	struct req q;

	setup(true);
	memset(&q, 0, sizeof(q));
	q.sg[0] = (struct blk_sg){ 0x10000001ull, 512 };
	q.r = (struct blk_req){ .op = BLK_READ, .nsectors = 1, .sg = q.sg,
				.nsg = 1, .done = req_done, .ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(q.status == BLK_EIO);
	CHECK(reg(PxCI) == 0 && D.st.commands == 0);
	/* And the engine goes on. */
	CHECK(submit(&q, BLK_READ, 0, 1, 512) == 0);
	complete_ok(0);
	poll();
	CHECK(q.status == BLK_OK);
}

static void out_of_range_and_read_only_fail_at_once(void)
{
	struct req q;

	setup(true);
	CHECK(submit(&q, BLK_READ, (1u << 24) - 1, 1, 1024) == 0);
	CHECK(q.status == BLK_EIO);
	CHECK(submit(&q, BLK_READ, ~0ull, 1, 512) == 0);
	CHECK(q.status == BLK_EIO);
	D.be.readonly = true;
	CHECK(submit(&q, BLK_WRITE, 0, 1, 512) == 0);
	CHECK(q.status == BLK_EIO);
	memset(&q, 0, sizeof(q));
	q.r = (struct blk_req){ .op = BLK_WRITE_ZEROES, .nsectors = 8,
				.done = req_done, .ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(q.status == BLK_EIO);
	CHECK(reg(PxCI) == 0);
	/* A partition: requests move by its start. */
	setup(true);
	D.first_lba = 2048;
	D.be.sectors = 100;
	CHECK(submit(&q, BLK_READ, 99, 1, 512) == 0);
	CHECK(fis_lba(0) == 2048 + 99);
	complete_ok(0);
	poll();
	CHECK(q.status == BLK_OK);
	CHECK(submit(&q, BLK_READ, 100, 1, 512) == 0);
	CHECK(q.status == BLK_EIO);
}

static void flush_waits_for_the_queue_and_runs_alone(void)
{
	struct req a, f, b;

	setup(true);
	CHECK(submit(&a, BLK_WRITE, 0, 1, 4096) == 0);
	CHECK(submit(&f, BLK_FLUSH, 0, 0, 0) == 0);
	CHECK(submit(&b, BLK_WRITE, 8, 1, 4096) == 0);
	/* Only the first write is out: the flush holds the one behind. */
	CHECK(reg(PxCI) == 1);
	complete_ok(0);
	poll();
	CHECK(a.status == BLK_OK);
	CHECK(reg(PxCI) == 1 && reg(PxSACT) == 0);
	CHECK(fis(0)[2] == ATA_FLUSH_EXT);
	CHECK(f.status == -1 && b.status == -1);
	complete(0, 0);
	poll();
	CHECK(f.status == BLK_OK);
	CHECK(reg(PxCI) == 1 && fis(0)[2] == ATA_WRITE_FPDMA);
	complete_ok(0);
	poll();
	CHECK(b.status == BLK_OK);
}

static void discard_is_a_trim_of_range_entries(void)
{
	struct req q;
	uint64_t e;

	setup(true);
	memset(&q, 0, sizeof(q));
	q.r = (struct blk_req){ .op = BLK_DISCARD, .sector = 5000,
				.nsectors = 200000, .done = req_done,
				.ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(fis(0)[2] == ATA_DSM && fis(0)[3] == 1); /* TRIM */
	CHECK(fis(0)[12] == 1);			       /* one block */
	CHECK(reg(PxSACT) == 0 && reg(PxCI) == 1);
	CHECK(prd_addr(0, 0) == (uint64_t)(uintptr_t)D.dsm);
	memcpy(&e, D.dsm, 8);
	CHECK((e & 0xffffffffffffull) == 5000 && e >> 48 == 65535);
	memcpy(&e, D.dsm + 24, 8);
	CHECK((e & 0xffffffffffffull) == 5000 + 3 * 65535ull
	      && e >> 48 == 200000 - 3 * 65535ull);
	memcpy(&e, D.dsm + 32, 8);
	CHECK(e == 0);
	complete(0, 512);
	poll();
	CHECK(q.status == BLK_OK);
	/* A disk without TRIM refuses. */
	D.be.can_discard = false;
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(q.status == BLK_EIO);
}

static void write_zeroes_points_every_entry_at_the_zero_buffer(void)
{
	struct req q;

	setup(true);
	memset(&q, 0, sizeof(q));
	q.r = (struct blk_req){ .op = BLK_WRITE_ZEROES, .sector = 10,
				.nsectors = 1000, .done = req_done, .ctx = &q };
	q.status = -1;
	CHECK(D.be.submit(&D.be, &q.r) == 0);
	CHECK(fis(0)[2] == ATA_WRITE_FPDMA);
	CHECK(prdt_bytes(0) == 1000 * 512);
	for (unsigned i = 0; i < prdtl(0); i++)
		CHECK(prd_addr(0, i) == (uint64_t)(uintptr_t)D.zero);
	complete_ok(0);
	poll();
	CHECK(q.status == BLK_OK);
}

static void error_retries_what_was_in_flight_one_at_a_time(void)
{
	struct req a, b, c;

	setup(true);
	CHECK(submit(&a, BLK_READ, 0, 1, 4096) == 0);
	CHECK(submit(&b, BLK_READ, 8, 1, 4096) == 0);
	CHECK(submit(&c, BLK_WRITE, 16, 1, 4096) == 0);
	CHECK(reg(PxSACT) == 7);
	/* a finished, then the device failed: b and c are left. */
	complete(0, 0);
	set_reg(PxIS, 1u << 30); /* TFES */
	set_reg(PxTFD, 0x0441);
	poll();
	CHECK(a.status == BLK_OK);
	CHECK(restarts == 1);
	CHECK(last_reset); /* an NCQ error needs the device reset */
	CHECK(b.status == -1 && c.status == -1);
	CHECK(reg(PxIS) == 0); /* cleared */
	/* One retry at a time, non-queued. */
	CHECK(reg(PxCI) == 2 && reg(PxSACT) == 0);
	CHECK(fis(1)[2] == ATA_READ_DMA_EXT && fis_lba(1) == 8);
	CHECK(fis(1)[12] == 8);
	complete_ok(1);
	poll();
	CHECK(b.status == BLK_OK);
	CHECK(reg(PxCI) == 4 && fis(2)[2] == ATA_WRITE_DMA_EXT);
	complete_ok(2);
	poll();
	CHECK(c.status == BLK_OK);
	CHECK(D.st.retries == 2);
	/* Back to queueing. */
	CHECK(submit(&a, BLK_READ, 0, 1, 4096) == 0);
	CHECK(reg(PxSACT) == 1);
}

static void command_that_fails_its_retry_fails_alone(void)
{
	struct req a, b;

	setup(true);
	CHECK(submit(&a, BLK_READ, 0, 1, 4096) == 0);
	CHECK(submit(&b, BLK_READ, 8, 1, 4096) == 0);
	set_reg(PxIS, 1u << 30);
	poll();
	set_reg(PxIS, 0);
	CHECK(restarts == 1 && reg(PxCI) == 1);
	/* a's retry fails again (the HBA leaves CI set); it was not queued,
	 * so a port restart suffices. */
	set_reg(PxIS, 1u << 30);
	poll();
	set_reg(PxIS, 0);
	CHECK(a.status == BLK_EIO && restarts == 2 && !last_reset);
	CHECK(b.status == -1 && reg(PxCI) == 2);
	complete_ok(1);
	poll();
	CHECK(b.status == BLK_OK);
	CHECK(D.st.failed_requests == 1);
}

/* The command header is memory the HBA writes (PRDBC): a hostile one may
 * rewrite all of it.  The retry after an error takes PRDTL and the W bit
 * from what the driver wrote, not from the header. */
static void retry_keeps_prdtl_and_direction_the_hba_overwrote(void)
{
	struct req a;
	uint8_t *h = D.clb;

	setup(true);
	CHECK(submit(&a, BLK_WRITE, 0, 3, 4096) == 0);
	CHECK(prdtl(0) == 3);
	/* The HBA scribbles over the header, then reports an error. */
	ahci_wr(h, AHCI_CMD_DW0, 0xffff0000u); /* PRDTL 65535, W clear */
	set_reg(PxIS, 1u << 30);
	poll();
	set_reg(PxIS, 0);
	CHECK(restarts == 1 && reg(PxCI) == 1);
	CHECK(prdtl(0) == 3);
	CHECK(ahci_rd(h, AHCI_CMD_DW0) & AHCI_CMD_W);
	CHECK(fis(0)[2] == ATA_WRITE_DMA_EXT);
	complete_ok(0);
	poll();
	CHECK(a.status == BLK_OK);
}

static void zero_sector_read_succeeds_without_a_command(void)
{
	struct req a;

	setup(true);
	CHECK(submit(&a, BLK_READ, 10, 0, 0) == 0);
	CHECK(a.status == BLK_OK);
	CHECK(reg(PxCI) == 0 && D.st.commands == 0);
}

static void timeout_restarts_and_retries(void)
{
	struct req a;

	setup(true);
	CHECK(submit(&a, BLK_WRITE, 0, 1, 4096) == 0);
	now += AHCI_TIMEOUT_NS;
	poll();
	CHECK(restarts == 0);
	now += 1;
	poll();
	CHECK(restarts == 1 && D.st.timeouts == 1);
	CHECK(reg(PxCI) == 1 && fis(0)[2] == ATA_WRITE_DMA_EXT);
	complete_ok(0);
	poll();
	CHECK(a.status == BLK_OK);
}

static void port_that_will_not_restart_fails_what_was_in_flight(void)
{
	struct req a, b;

	setup(true);
	CHECK(submit(&a, BLK_READ, 0, 1, 4096) == 0);
	CHECK(submit(&b, BLK_READ, 8, 1, 4096) == 0);
	restart_fails = 1;
	watched = &a.status;
	set_reg(PxIS, 1u << 27); /* interface fatal error */
	poll();
	CHECK(a.status == BLK_EIO && b.status == BLK_EIO);
	CHECK(logstub_lines > 0);
	/* The port may still be moving data: bus mastering went off before
	 * any request was handed back, and the disk takes no more. */
	CHECK(dma_stops == 1 && completed_too_early == 0);
	CHECK(D.dead);
	uint64_t commands = D.st.commands;

	CHECK(submit(&a, BLK_READ, 0, 1, 4096) == 0);
	CHECK(a.status == BLK_EIO && D.st.commands == commands);
}

/* A command whose retry fails again after a timeout: the HBA may still
 * be moving its data until the port has stopped, so its request fails
 * only after the restart. */
static void command_failing_its_retry_completes_after_the_restart(void)
{
	struct req a;

	setup(true);
	CHECK(submit(&a, BLK_READ, 0, 1, 4096) == 0);
	now += AHCI_TIMEOUT_NS + 1;
	poll(); /* timeout: restart, retry */
	CHECK(restarts == 1 && a.status == -1 && reg(PxCI) == 1);
	watched = &a.status;
	now += AHCI_TIMEOUT_NS + 1;
	poll(); /* the retry times out too */
	CHECK(restarts == 2);
	CHECK(a.status == BLK_EIO);
	CHECK(completed_too_early == 0);
}

static void no_more_than_the_slots_are_taken(void)
{
	static struct req q[AHCI_SLOTS + 1];

	setup(true);
	for (unsigned i = 0; i < AHCI_SLOTS; i++)
		CHECK(submit(&q[i], BLK_READ, i * 8, 1, 4096) == 0);
	CHECK(reg(PxCI) == 0xffffffffu);
	CHECK(submit(&q[AHCI_SLOTS], BLK_READ, 0, 1, 4096) == -1);
	complete_ok(17);
	poll();
	CHECK(q[17].status == BLK_OK);
	CHECK(submit(&q[AHCI_SLOTS], BLK_READ, 0, 1, 4096) == 0);
	CHECK(reg(PxCI) == 0xffffffffu && fis(17)[12] == 17 << 3);
}

static void without_ncq_commands_go_one_at_a_time_in_order(void)
{
	struct req a, b;

	setup(false);
	CHECK(submit(&a, BLK_WRITE, 0, 1, 4096) == 0);
	CHECK(submit(&b, BLK_READ, 64, 1, 4096) == 0);
	CHECK(reg(PxCI) == 1 && reg(PxSACT) == 0);
	CHECK(fis(0)[2] == ATA_WRITE_DMA_EXT && fis_lba(0) == 0);
	complete_ok(0);
	poll();
	CHECK(a.status == BLK_OK && reg(PxCI) == 1);
	CHECK(fis(0)[2] == ATA_READ_DMA_EXT && fis_lba(0) == 64);
	complete_ok(0);
	poll();
	CHECK(b.status == BLK_OK);
}

/* --- IDENTIFY and TRIM ranges --------------------------------------- */

static void set_word(uint8_t *id, unsigned w, uint16_t v)
{
	id[2 * w] = (uint8_t)v;
	id[2 * w + 1] = (uint8_t)(v >> 8);
}

static void good_identity(uint8_t *id)
{
	memset(id, 0, 512);
	set_word(id, 83, 1u << 10);
	set_word(id, 100, 0x0000);
	set_word(id, 101, 0x0004); /* 0x40000 sectors */
	/* "QEMU" byte-swapped into words 27-28, serial "S1" */
	id[54] = 'E'; id[55] = 'Q'; id[56] = 'U'; id[57] = 'M';
	for (unsigned w = 29; w < 47; w++)
		set_word(id, w, 0x2020);
	id[20] = '1'; id[21] = 'S';
	for (unsigned w = 11; w < 20; w++)
		set_word(id, w, 0x2020);
}

static void identify_is_checked_before_it_is_believed(void)
{
	uint8_t id[512];
	struct ata_identity o;
	char err[96];

	good_identity(id);
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == 0);
	CHECK(o.sectors == 0x40000 && !o.ncq_depth && !o.trim);
	CHECK_STR(o.model, "QEMU");
	CHECK_STR(o.serial, "S1");
	set_word(id, 76, 1u << 8);
	set_word(id, 75, 31);
	set_word(id, 169, 1);
	set_word(id, 105, 200);
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == 0);
	CHECK(o.ncq_depth == 32 && o.trim && o.trim_blocks == AHCI_DSM_BLOCKS);
	set_word(id, 76, 0xffff); /* not reported */
	set_word(id, 105, 0);
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == 0);
	CHECK(!o.ncq_depth && o.trim_blocks == 1);
	good_identity(id);
	set_word(id, 83, 0);
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "the disk has no 48-bit LBA");
	good_identity(id);
	set_word(id, 101, 0);
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == -1);
	set_word(id, 103, 1); /* 2^48 */
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "the disk reports a nonsense capacity");
	good_identity(id);
	set_word(id, 106, 0x4000 | 1u << 12);
	set_word(id, 117, 2048); /* 4096-byte logical sectors */
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == -1);
	set_word(id, 117, 256);
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == 0);
	/* Control characters in the strings do not reach the log. */
	id[54] = '\n';
	CHECK(ata_parse_identify(id, &o, err, sizeof(err)) == 0);
	CHECK(o.model[1] == '?');
}

static void trim_ranges_cover_what_fits(void)
{
	uint8_t buf[2 * 512];
	uint64_t e;

	CHECK(ata_trim_ranges(buf, 1, 1ull << 40, 100) == 100);
	memcpy(&e, buf, 8);
	CHECK(e == ((1ull << 40) | 100ull << 48));
	/* One block holds 64 entries of 65535. */
	CHECK(ata_trim_ranges(buf, 1, 0, 1ull << 30) == 64 * 65535ull);
	CHECK(ata_trim_ranges(buf, 2, 0, 1ull << 30) == 128 * 65535ull);
	memcpy(&e, buf + 127 * 8, 8);
	CHECK((e & 0xffffffffffffull) == 127 * 65535ull);
}

/* --- GPT ------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint8_t hdr[512], ents[128 * 128];
static const uint8_t GUID2[16] = { 0x33, 0x22, 0x11, 0x00, 0x55, 0x44,
				   0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb,
				   0xcc, 0xdd, 0xee, 0xff };

static void seal(void)
{
	put32(hdr + 88, gpt_crc32(ents, sizeof(ents)));
	put32(hdr + 16, 0);
	put32(hdr + 16, gpt_crc32(hdr, 92));
}

/* A disk of 100000 sectors, partitions 1 (2048-4095, "esp") and 2
 * (4096-99000, "data", GUID2). */
static void make_gpt(void)
{
	memset(hdr, 0, sizeof(hdr));
	memset(ents, 0, sizeof(ents));
	memcpy(hdr, "EFI PART", 8);
	put32(hdr + 8, 0x10000);
	put32(hdr + 12, 92);
	put64(hdr + 24, 1);
	put64(hdr + 32, 99999);
	put64(hdr + 40, 34);
	put64(hdr + 48, 99966);
	put64(hdr + 72, 2);
	put32(hdr + 80, 128);
	put32(hdr + 84, 128);
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *e = ents + 128 * i;
		const char *name = i ? "data" : "esp";

		memset(e, 0x11 + i, 16); /* type */
		if (i)
			memcpy(e + 16, GUID2, 16);
		put64(e + 32, i ? 4096 : 2048);
		put64(e + 40, i ? 99000 : 4095);
		for (unsigned k = 0; name[k]; k++)
			e[56 + 2 * k] = (uint8_t)name[k];
	}
	seal();
}

static int find(const struct gpt_want *w, uint64_t *first, uint64_t *count,
		char *err)
{
	struct gpt_info info;

	if (gpt_check_header(hdr, 100000, &info, err, 128))
		return -1;
	return gpt_find(hdr, &info, ents, 100000, w, first, count, err, 128);
}

static void gpt_partition_by_number_label_or_guid(void)
{
	uint64_t first = 0, count = 0;
	char err[128];
	uint8_t g[16];

	make_gpt();
	CHECK(find(&(struct gpt_want){ .number = 2 }, &first, &count, err)
	      == 0);
	CHECK(first == 4096 && count == 99000 - 4096 + 1);
	CHECK(find(&(struct gpt_want){ .label = "esp" }, &first, &count, err)
	      == 0);
	CHECK(first == 2048 && count == 2048);
	CHECK(find(&(struct gpt_want){ .label = "dat" }, &first, &count, err)
	      == -1);
	CHECK_STR(err, "no GPT partition named 'dat'");
	CHECK(guid_parse("00112233-4455-6677-8899-aabbccddeeff", g) == 0);
	CHECK(!memcmp(g, GUID2, 16));
	CHECK(find(&(struct gpt_want){ .guid = g }, &first, &count, err) == 0);
	CHECK(first == 4096);
	CHECK(find(&(struct gpt_want){ .number = 3 }, &first, &count, err)
	      == -1);
	CHECK_STR(err, "no GPT partition 3 (2 in use)");
	CHECK(guid_parse("00112233-4455-6677-8899-aabbccddeef", g) == -1);
	CHECK(guid_parse("00112233+4455-6677-8899-aabbccddeeff", g) == -1);
	CHECK(guid_parse("00112233-4455-6677-8899-aabbccddeeff0", g)
	      == -1);
}

/* A header whose usable area starts inside its own entry array (LBA 2-33
 * here) or at the header would hand the guest the table itself: refused,
 * whatever the partition entry says. */
static void gpt_usable_area_over_its_own_tables_is_refused(void)
{
	uint64_t first, count;
	char err[128];
	struct gpt_want one = { .number = 1 };

	for (uint64_t lo = 0; lo < 34; lo += 11) {
		make_gpt();
		put64(hdr + 40, lo);
		put64(ents + 32, lo); /* partition 1 starts there too */
		seal();
		CHECK(find(&one, &first, &count, err) == -1);
		CHECK(strstr(err, "overlaps its own header or entry array"));
	}
	/* Last usable below first usable. */
	make_gpt();
	put64(hdr + 48, 33);
	seal();
	CHECK(find(&one, &first, &count, err) == -1);
	/* The area right after the array is fine. */
	make_gpt();
	put64(ents + 32, 34);
	seal();
	CHECK(find(&one, &first, &count, err) == 0);
	CHECK(first == 34);
}

static void gpt_is_refused_when_anything_does_not_add_up(void)
{
	uint64_t first, count;
	char err[128];
	struct gpt_want two = { .number = 2 };

	make_gpt();
	hdr[100] ^= 1; /* beyond the 92 bytes the CRC covers: fine */
	CHECK(find(&two, &first, &count, err) == 0);
	make_gpt();
	ents[200] ^= 1;
	CHECK(find(&two, &first, &count, err) == -1);
	CHECK_STR(err, "the GPT entry array's CRC does not match");
	make_gpt();
	hdr[40] ^= 1;
	CHECK(find(&two, &first, &count, err) == -1);
	CHECK_STR(err, "the GPT header's CRC does not match");
	make_gpt();
	memcpy(hdr, "EFI PARX", 8);
	CHECK(find(&two, &first, &count, err) == -1);
	make_gpt();
	put32(hdr + 12, 600);
	CHECK(find(&two, &first, &count, err) == -1);
	/* A huge entry array, an entry size not a multiple of 8, entries
	 * past the end of the disk. */
	make_gpt();
	put32(hdr + 80, 1u << 20);
	seal();
	CHECK(find(&two, &first, &count, err) == -1);
	make_gpt();
	put32(hdr + 84, 130);
	seal();
	CHECK(find(&two, &first, &count, err) == -1);
	make_gpt();
	put64(hdr + 72, 99999);
	seal();
	CHECK(find(&two, &first, &count, err) == -1);
	/* A partition that ends past the disk or starts after it ends. */
	make_gpt();
	put64(ents + 128 + 40, 100000);
	seal();
	CHECK(find(&two, &first, &count, err) == -1);
	make_gpt();
	put64(ents + 128 + 32, 99001);
	seal();
	CHECK(find(&two, &first, &count, err) == -1);
}

int main(void)
{
	RUN(read_becomes_one_queued_command);
	RUN(wrong_byte_count_fails_the_request);
	RUN(bits_of_slots_never_issued_mean_nothing);
	RUN(more_pieces_than_a_prdt_split_into_commands);
	RUN(pieces_that_split_a_sector_are_cut_at_a_sector);
	RUN(large_request_splits_at_65536_sectors);
	RUN(odd_buffer_fails_without_a_command);
	RUN(buffers_above_4g_fail_on_a_32_bit_hba);
	RUN(empty_pieces_make_no_prd);
	RUN(flush_gets_the_longer_timeout);
	RUN(out_of_range_and_read_only_fail_at_once);
	RUN(flush_waits_for_the_queue_and_runs_alone);
	RUN(discard_is_a_trim_of_range_entries);
	RUN(write_zeroes_points_every_entry_at_the_zero_buffer);
	RUN(error_retries_what_was_in_flight_one_at_a_time);
	RUN(command_that_fails_its_retry_fails_alone);
	RUN(retry_keeps_prdtl_and_direction_the_hba_overwrote);
	RUN(zero_sector_read_succeeds_without_a_command);
	RUN(timeout_restarts_and_retries);
	RUN(port_that_will_not_restart_fails_what_was_in_flight);
	RUN(command_failing_its_retry_completes_after_the_restart);
	RUN(no_more_than_the_slots_are_taken);
	RUN(without_ncq_commands_go_one_at_a_time_in_order);
	RUN(identify_is_checked_before_it_is_believed);
	RUN(trim_ranges_cover_what_fits);
	RUN(gpt_partition_by_number_label_or_guid);
	RUN(gpt_is_refused_when_anything_does_not_add_up);
	RUN(gpt_usable_area_over_its_own_tables_is_refused);
	return CHECK_DONE();
}
