/* An NVMe controller played by the unit tests (drivers/nvme.h,
 * NVME_TEST_CTRL): it sees the doorbells through nvme_wr(), fetches
 * commands from the driver's SQ, moves data by walking their PRPs the way
 * a controller must (and counts every break of the PRP rules, NVMe 1.4
 * 4.3), and posts completions with the phase bit, or whatever a hostile
 * test wants it to post. */
#ifndef PLINTH_TEST_FAKE_NVME_H
#define PLINTH_TEST_FAKE_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme.h"

#define FAKE_NVME_BLOCKS 2048 /* of 512 bytes: 1 MiB */
#define FAKE_NVME_PENDING 256

/* A command fetched from the SQ, not completed yet. */
struct fake_cmd {
	struct nvme_sqe c;
	uint16_t sq_index;
};

struct fake_nvme {
	uint8_t regs[0x2000];
	uint8_t *disk; /* the namespace's bytes */
	uint16_t sq_head, sq_db, cq_tail, cq_db, phase;
	uint32_t csts;
	struct fake_cmd pending[FAKE_NVME_PENDING];
	unsigned npending;
	unsigned fetched, prp_violations;
	unsigned opcodes[256]; /* commands executed, by opcode */
	uint8_t last_dsm[16];  /* the range of the last DSM */
	uint16_t fail_status;  /* the next executions' status field */
	unsigned fail_count;   /* how many get it */
};

extern struct fake_nvme fake;

/* A disk over the fake: queues, PRP and bounce pages allocated (once),
 * everything cleared, lba_shift 9, 1 MiB, VWC, DSM and Write Zeroes; the
 * caller sets the rest (clock, reset) and calls nvme_io_init(). */
void fake_nvme_disk(struct nvme_disk *d);

/* Takes the commands the driver has rung in (up to the SQ doorbell). */
void fake_fetch(struct nvme_disk *d);
/* Executes pending command i (moves its data) and posts its completion
 * with fake.fail_status while fail_count lasts; removes it. */
void fake_exec(struct nvme_disk *d, unsigned i);
/* Fetches and executes everything, in order. */
void fake_run(struct nvme_disk *d);
/* Posts a completion entry as given, with the current phase (or its
 * opposite, `wrong_phase`). */
void fake_post(struct nvme_disk *d, uint16_t cid, uint16_t status,
	       uint16_t sqhd, uint16_t sqid, bool wrong_phase);
/* The controller reset: everything pending dropped, queues empty. */
void fake_reset_state(struct nvme_disk *d);

#endif
