/* The NVMe request engine (drivers/nvme_io.c) against a controller played
 * by the test (tests/support/fake_nvme.c): the PRPs it builds from any
 * scatter-gather list (split where the rules break, bounced where a
 * block cannot be described, cut at MDTS), the commands for flush,
 * deallocate and write zeroes, and what it believes of what the
 * controller writes back: phases, CIDs, SQ heads, error statuses,
 * silence and fatal status. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/fake_nvme.h"

#include <stdlib.h>
#include <string.h>

#include "drivers/nvme.h"

static struct nvme_disk D;
static uint64_t now;
static int resets, reset_fails, dma_stops, completed_too_early;
static const int *watched; /* a status that must stay -1 until reset */

static uint64_t fake_clock(void)
{
	return now;
}

static int fake_reset(struct nvme_disk *d)
{
	resets++;
	if (watched && *watched != -1)
		completed_too_early++;
	if (reset_fails)
		return -1;
	fake_reset_state(d);
	return 0;
}

static void fake_stop_dma(struct nvme_disk *d)
{
	(void)d;
	dma_stops++;
	if (watched && *watched != -1)
		completed_too_early++;
}

static void setup(void)
{
	fake_nvme_disk(&D);
	D.clock = fake_clock;
	D.reset = fake_reset;
	D.stop_dma = fake_stop_dma;
	now = 1;
	resets = reset_fails = dma_stops = completed_too_early = 0;
	watched = NULL;
	nvme_io_init(&D);
	logstub_clear();
}

/* A request and where its completion lands. */
struct req {
	struct blk_req r;
	struct blk_sg sg[64];
	int status; /* -1 until done */
};

static void done_cb(struct blk_req *r, int status)
{
	struct req *q = r->ctx;

	CHECK(q->status == -1); /* exactly once */
	q->status = status;
}

static void prep(struct req *q, enum blk_op op, uint64_t sector,
		 uint64_t nsectors)
{
	memset(q, 0, sizeof(*q));
	q->r = (struct blk_req){ .op = op,
				 .sector = sector,
				 .nsectors = nsectors,
				 .sg = q->sg,
				 .done = done_cb,
				 .ctx = q };
	q->status = -1;
}

static void add_sg(struct req *q, void *p, uint32_t len)
{
	q->sg[q->r.nsg++] = (struct blk_sg){ (uint64_t)(uintptr_t)p, len };
}

static int submit(struct req *q)
{
	return D.be.submit(&D.be, &q->r);
}

static void settle(void)
{
	for (int i = 0; i < 16; i++) {
		fake_run(&D);
		nvme_io_poll(&D);
	}
}

static uint8_t *buf;	     /* 1 MiB, page-aligned */
static uint8_t pattern[1 << 20];

static void fill(uint32_t seed)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* --- data and PRPs --------------------------------------------------- */

static void write_then_read_back_through_prps(void)
{
	struct req q;

	setup();
	fill(1);
	memcpy(buf, pattern, 256 << 10);
	prep(&q, BLK_WRITE, 100, 512);
	add_sg(&q, buf, 256 << 10);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK);
	CHECK(!memcmp(fake.disk + 100 * 512, pattern, 256 << 10));
	CHECK(fake.opcodes[NVME_CMD_WRITE] == 1); /* one command, a list */
	memset(buf, 0, 256 << 10);
	prep(&q, BLK_READ, 100, 512);
	add_sg(&q, buf + 64, (256 << 10) - 512); /* PRP1 inside a page */
	add_sg(&q, buf + (256 << 10) + 64 - 512, 512);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK);
	CHECK(!memcmp(buf + 64, pattern, 256 << 10));
	CHECK(fake.prp_violations == 0);
	CHECK(D.be.copied == 0);
}

/* 512-byte pieces each in the middle of its own page: no two may share a
 * command (only PRP1 starts inside a page), so each is one command, and
 * nothing is copied. */
static void pieces_inside_pages_split_into_commands(void)
{
	struct req q;

	setup();
	fill(2);
	prep(&q, BLK_WRITE, 8, 8);
	for (unsigned i = 0; i < 8; i++) {
		memcpy(buf + i * 8192 + 1024, pattern + i * 512, 512);
		add_sg(&q, buf + i * 8192 + 1024, 512);
	}
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK);
	CHECK(fake.opcodes[NVME_CMD_WRITE] == 8);
	CHECK(D.st.splits == 7);
	CHECK(!memcmp(fake.disk + 8 * 512, pattern, 4096));
	CHECK(fake.prp_violations == 0 && D.be.copied == 0);
}

/* Whole pages in any order make one command; a piece ending inside a
 * page ends it. */
static void whole_pages_anywhere_make_one_command(void)
{
	struct req q;

	setup();
	fill(3);
	prep(&q, BLK_WRITE, 0, 24);
	memcpy(buf + 40960, pattern, 4096);
	memcpy(buf + 8192, pattern + 4096, 4096);
	memcpy(buf + 20480, pattern + 8192, 4096);
	add_sg(&q, buf + 40960, 4096);
	add_sg(&q, buf + 8192, 4096);
	add_sg(&q, buf + 20480, 4096);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && fake.opcodes[NVME_CMD_WRITE] == 1);
	CHECK(!memcmp(fake.disk, pattern, 12288));
	CHECK(fake.prp_violations == 0);
}

/* Pieces that break the rules inside a block, or a buffer that is not
 * dword-aligned: that block goes through the bounce page, both ways. */
static void blocks_the_prps_cannot_describe_are_bounced(void)
{
	struct req q;

	setup();
	fill(4);
	prep(&q, BLK_WRITE, 16, 2);
	memcpy(buf + 1000, pattern, 256);	/* 256 + 256: block 16 */
	memcpy(buf + 9000, pattern + 256, 256);
	memcpy(buf + 20001, pattern + 512, 512); /* odd address: block 17 */
	add_sg(&q, buf + 1000, 256);
	add_sg(&q, buf + 9000, 256);
	add_sg(&q, buf + 20001, 512);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK);
	CHECK(!memcmp(fake.disk + 16 * 512, pattern, 1024));
	CHECK(D.st.bounced == 2 && D.be.copied == 1024);
	memset(buf, 0, 32768);
	prep(&q, BLK_READ, 16, 2);
	add_sg(&q, buf + 1000, 256);
	add_sg(&q, buf + 9000, 256);
	add_sg(&q, buf + 20001, 512);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK);
	CHECK(!memcmp(buf + 1000, pattern, 256));
	CHECK(!memcmp(buf + 9000, pattern + 256, 256));
	CHECK(!memcmp(buf + 20001, pattern + 512, 512));
	CHECK(fake.prp_violations == 0);
}

static void requests_are_cut_at_mdts(void)
{
	struct req q;

	setup();
	D.max_xfer = 8192;
	fill(5);
	memcpy(buf, pattern, 65536);
	prep(&q, BLK_WRITE, 0, 128);
	add_sg(&q, buf, 65536);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && fake.opcodes[NVME_CMD_WRITE] == 8);
	CHECK(!memcmp(fake.disk, pattern, 65536));
}

/* 4 KiB logical blocks: sector numbers become block numbers, and a
 * request that is not whole blocks fails without a command. */
static void large_blocks_take_whole_blocks_only(void)
{
	struct req q;

	setup();
	D.lba_shift = 12;
	D.be.block_size = 4096;
	fill(6);
	memcpy(buf, pattern, 8192);
	prep(&q, BLK_WRITE, 16, 16);
	add_sg(&q, buf, 8192);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK);
	CHECK(!memcmp(fake.disk + 16 * 512, pattern, 8192));
	prep(&q, BLK_WRITE, 17, 8);
	add_sg(&q, buf, 4096);
	CHECK(submit(&q) == 0 && q.status == BLK_EIO);
	prep(&q, BLK_READ, 16, 1);
	add_sg(&q, buf, 512);
	CHECK(submit(&q) == 0 && q.status == BLK_EIO);
	CHECK(fake.fetched == 1);
}

static void buffers_shorter_than_the_sectors_fail(void)
{
	struct req q;

	setup();
	prep(&q, BLK_WRITE, 0, 16);
	add_sg(&q, buf, 4096); /* 8 sectors of 16 */
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_EIO);
	CHECK(fake.opcodes[NVME_CMD_WRITE] == 1);
}

/* --- flush, deallocate, write zeroes --------------------------------- */

static void flush_discard_and_write_zeroes_commands(void)
{
	struct req q;

	setup();
	memset(fake.disk, 0xee, 65536);
	prep(&q, BLK_FLUSH, 0, 0);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && fake.opcodes[NVME_CMD_FLUSH] == 1);
	prep(&q, BLK_DISCARD, 40, 24);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && fake.opcodes[NVME_CMD_DSM] == 1);
	/* One range (6.7, figure 207): attributes, length, first LBA. */
	CHECK(fake.last_dsm[4] == 24 && fake.last_dsm[8] == 40);
	prep(&q, BLK_WRITE_ZEROES, 8, 16);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && fake.opcodes[NVME_CMD_WRITE_ZEROES] == 1);
	CHECK(fake.disk[8 * 512] == 0 && fake.disk[24 * 512 - 1] == 0);
	CHECK(fake.disk[24 * 512] == 0xee && fake.disk[8 * 512 - 1] == 0xee);
}

/* Without Write Zeroes the zeroed page is written over and over; without
 * a volatile cache a flush has nothing to do. */
static void without_the_commands_zeroes_are_written(void)
{
	struct req q;

	setup();
	D.wz = D.vwc = false;
	memset(fake.disk, 0xee, 1 << 20);
	prep(&q, BLK_WRITE_ZEROES, 0, 1024);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && fake.opcodes[NVME_CMD_WRITE] == 1);
	for (unsigned i = 0; i < 1024 * 512; i++)
		if (fake.disk[i]) {
			CHECK(!"a byte the write-zeroes missed");
			break;
		}
	CHECK(fake.disk[1024 * 512] == 0xee && fake.prp_violations == 0);
	prep(&q, BLK_FLUSH, 0, 0);
	CHECK(submit(&q) == 0 && q.status == BLK_OK);
	CHECK(fake.opcodes[NVME_CMD_FLUSH] == 0);
}

static void out_of_range_read_only_and_full(void)
{
	struct req q, many[NVME_RQS + 1];

	setup();
	prep(&q, BLK_READ, FAKE_NVME_BLOCKS - 1, 2);
	add_sg(&q, buf, 1024);
	CHECK(submit(&q) == 0 && q.status == BLK_EIO);
	D.be.readonly = true;
	prep(&q, BLK_WRITE, 0, 1);
	add_sg(&q, buf, 512);
	CHECK(submit(&q) == 0 && q.status == BLK_EIO);
	D.be.readonly = false;
	for (unsigned i = 0; i < NVME_RQS; i++) {
		prep(&many[i], BLK_READ, i, 1);
		add_sg(&many[i], buf + i * 4096, 512);
		CHECK(submit(&many[i]) == 0);
	}
	prep(&many[NVME_RQS], BLK_READ, 0, 1);
	add_sg(&many[NVME_RQS], buf, 512);
	CHECK(submit(&many[NVME_RQS]) == -1); /* full: retry later */
	settle();
	for (unsigned i = 0; i < NVME_RQS; i++)
		CHECK(many[i].status == BLK_OK);
	CHECK(fake.fetched == NVME_RQS);
	CHECK(submit(&many[NVME_RQS]) == 0);
}

/* --- what the controller writes back --------------------------------- */

/* One read of sector 0 in flight, fetched by the controller and not yet
 * answered; its CID. */
static uint16_t one_in_flight(struct req *q)
{
	prep(q, BLK_READ, 0, 1);
	add_sg(q, buf, 512);
	CHECK(submit(q) == 0);
	fake_fetch(&D);
	CHECK(fake.npending == 1);
	return (uint16_t)(fake.pending[0].c.cdw0 >> 16);
}

static void an_entry_of_the_old_phase_is_not_a_completion(void)
{
	struct req q;
	uint16_t cid;

	setup();
	cid = one_in_flight(&q);
	fake_post(&D, cid, 0, 1, 1, true);
	nvme_io_poll(&D);
	CHECK(q.status == -1 && D.st.bogus == 0);
	fake_exec(&D, 0);
	nvme_io_poll(&D);
	CHECK(q.status == BLK_OK);
	CHECK(fake.cq_db == 1); /* the head doorbell rung once consumed */
}

/* A CID never issued, or one already completed: counted, logged, and
 * the controller is reset; what was in flight goes again and completes
 * once. */
static void unknown_or_repeated_cids_reset_the_controller(void)
{
	struct req q;
	uint16_t cid;

	setup();
	cid = one_in_flight(&q);
	watched = &q.status;
	fake_post(&D, (uint16_t)(cid ^ 0x40), 0, 1, 1, false); /* old gen */
	nvme_io_poll(&D);
	CHECK(D.st.bogus == 1 && resets == 1 && completed_too_early == 0);
	CHECK(logstub_has("which is not outstanding"));
	CHECK(q.status == -1);
	settle();
	CHECK(q.status == BLK_OK && D.st.retries == 1);
	/* The same CID again, after its request completed. */
	cid = D.slot[cid & 63].cid;
	fake_post(&D, cid, 0, 0, 1, false);
	nvme_io_poll(&D);
	CHECK(D.st.bogus == 2 && resets == 2);
	fake_post(&D, cid, 0, 0, 7, false); /* on another queue */
	nvme_io_poll(&D);
	CHECK(D.st.bogus == 3 && q.status == BLK_OK);
}

static void an_sq_head_out_of_range_is_not_taken(void)
{
	struct req q;
	uint16_t cid;

	setup();
	cid = one_in_flight(&q);
	fake.npending = 0;
	fake_post(&D, cid, 0, 9, 1, false); /* 1 entry submitted, head 9 */
	nvme_io_poll(&D);
	CHECK(D.st.bogus == 1 && D.io.sq_head == 0);
	CHECK(logstub_has("SQ head 9 out of range"));
	CHECK(q.status == BLK_OK); /* the completion itself was good */
	CHECK(resets == 1);
}

static void an_error_status_is_retried_once(void)
{
	struct req q;

	setup();
	fake.fail_status = 0x281 >> 0; /* media: unrecovered read error */
	fake.fail_count = 1;
	prep(&q, BLK_READ, 0, 1);
	add_sg(&q, buf, 512);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_OK && D.st.errors == 1 && D.st.retries == 1);
	CHECK(logstub_has("retrying it"));
	fake.fail_count = 2;
	prep(&q, BLK_READ, 0, 1);
	add_sg(&q, buf, 512);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_EIO && D.st.failed_requests == 1);
	/* Do Not Retry: failed at once. */
	fake.fail_status = 0x281 | (NVME_SF_DNR >> 1);
	fake.fail_count = 1;
	prep(&q, BLK_READ, 0, 1);
	add_sg(&q, buf, 512);
	CHECK(submit(&q) == 0);
	settle();
	CHECK(q.status == BLK_EIO && D.st.retries == 2);
	CHECK(resets == 0);
}

static void a_silent_controller_is_reset_and_the_command_reissued(void)
{
	struct req q;

	setup();
	one_in_flight(&q);
	watched = &q.status;
	now += NVME_TIMEOUT_NS - 1;
	nvme_io_poll(&D);
	CHECK(resets == 0);
	now += 2;
	nvme_io_poll(&D);
	CHECK(resets == 1 && D.st.timeouts == 1 && completed_too_early == 0);
	CHECK(logstub_has("command timed out"));
	fake_fetch(&D);
	CHECK(fake.npending == 1); /* issued again on the new queue */
	now += NVME_TIMEOUT_NS + 1;
	nvme_io_poll(&D);
	CHECK(resets == 2 && q.status == BLK_EIO); /* once only */
	CHECK(logstub_has("failed again: I/O error"));
}

/* One command lost while others keep completing: it still times out. */
static void a_lost_command_times_out_behind_busy_ones(void)
{
	struct req lost, q;

	setup();
	one_in_flight(&lost);
	fake.npending = 0; /* the controller forgets it */
	for (int i = 0; i < 12; i++) {
		now += NVME_TIMEOUT_NS / 10;
		prep(&q, BLK_READ, 8, 1);
		add_sg(&q, buf + 4096, 512);
		CHECK(submit(&q) == 0);
		fake_run(&D);
		nvme_io_poll(&D);
		CHECK(q.status == BLK_OK);
	}
	CHECK(resets == 1 && D.st.timeouts == 1);
	settle();
	CHECK(lost.status == BLK_OK);
}

static void fatal_status_resets_the_controller(void)
{
	struct req q;

	setup();
	one_in_flight(&q);
	now += 2000000;
	fake.csts = NVME_CSTS_RDY | NVME_CSTS_CFS;
	nvme_io_poll(&D);
	CHECK(resets == 1 && logstub_has("controller fatal status"));
	settle();
	CHECK(q.status == BLK_OK);
}

/* A controller that will not come back: bus mastering off first, then
 * everything it held fails, and so does what comes after. */
static void a_controller_that_stays_down_fails_everything(void)
{
	struct req q, r;

	setup();
	one_in_flight(&q);
	prep(&r, BLK_WRITE, 8, 1);
	add_sg(&r, buf, 512);
	CHECK(submit(&r) == 0);
	watched = &q.status;
	reset_fails = 1;
	now += NVME_TIMEOUT_NS + 1;
	nvme_io_poll(&D);
	CHECK(dma_stops == 1 && completed_too_early == 0);
	CHECK(q.status == BLK_EIO && r.status == BLK_EIO);
	prep(&r, BLK_READ, 0, 1);
	add_sg(&r, buf, 512);
	CHECK(submit(&r) == 0 && r.status == BLK_EIO);
	CHECK(logstub_has("does not come back"));
}

/* A full queue's worth of completions at once, and more requests than
 * slots' worth of commands: the CQ wraps, the phase flips, every request
 * completes once with its data. */
static void the_queue_wraps_with_its_phase(void)
{
	static struct req q[NVME_RQS];

	setup();
	fill(9);
	memcpy(fake.disk, pattern, 1 << 20);
	for (int round = 0; round < 5; round++) {
		for (unsigned i = 0; i < NVME_RQS; i++) {
			prep(&q[i], BLK_READ, i * 16, 16);
			add_sg(&q[i], buf + i * 8192, 4096);
			add_sg(&q[i], buf + i * 8192 + 4096 + 512, 512);
			add_sg(&q[i], buf + i * 8192 + 6144, 3584);
			CHECK(submit(&q[i]) == 0);
		}
		settle();
		for (unsigned i = 0; i < NVME_RQS; i++) {
			CHECK(q[i].status == BLK_OK);
			CHECK(!memcmp(buf + i * 8192, pattern + i * 8192,
				      4096));
		}
	}
	CHECK(fake.prp_violations == 0 && D.st.bogus == 0);
	CHECK(fake.fetched > NVME_QSIZE * 2);
}

int main(void)
{
	buf = aligned_alloc(4096, 1 << 20);
	RUN(write_then_read_back_through_prps);
	RUN(pieces_inside_pages_split_into_commands);
	RUN(whole_pages_anywhere_make_one_command);
	RUN(blocks_the_prps_cannot_describe_are_bounced);
	RUN(requests_are_cut_at_mdts);
	RUN(large_blocks_take_whole_blocks_only);
	RUN(buffers_shorter_than_the_sectors_fail);
	RUN(flush_discard_and_write_zeroes_commands);
	RUN(without_the_commands_zeroes_are_written);
	RUN(out_of_range_read_only_and_full);
	RUN(an_entry_of_the_old_phase_is_not_a_completion);
	RUN(unknown_or_repeated_cids_reset_the_controller);
	RUN(an_sq_head_out_of_range_is_not_taken);
	RUN(an_error_status_is_retried_once);
	RUN(a_silent_controller_is_reset_and_the_command_reissued);
	RUN(a_lost_command_times_out_behind_busy_ones);
	RUN(fatal_status_resets_the_controller);
	RUN(a_controller_that_stays_down_fails_everything);
	RUN(the_queue_wraps_with_its_phase);
	return CHECK_DONE();
}
