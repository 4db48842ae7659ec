/* Plinth's NVMe driver (NVM Express Base Specification 1.4): one
 * namespace of one controller, or one GPT partition of it, as an
 * asynchronous struct blk_backend.
 *
 * One I/O queue pair, polled (no interrupts).  Reads and writes point
 * their PRPs straight at the request's host-physical ranges, nothing
 * copied: a request whose pieces the PRP rules cannot describe in one
 * command (4.3: only the first entry may start inside a page, only the
 * last may end inside one) is split where they break, and a piece too
 * small for a whole logical block on its own goes through a bounce
 * page, the one case that copies.  Commands are cut at MDTS.  Flush,
 * Dataset Management (deallocate, for DISCARD) and Write Zeroes go to
 * the controller when VWC and ONCS say it has them; without Write Zeroes
 * a write of a zeroed page repeated stands in.
 *
 * Nothing the controller writes is believed unchecked: a completion
 * counts only with the expected phase, for the I/O queue, with a CID the
 * driver issued and not yet completed (a generation in the CID's top
 * bits catches a stale one); the SQ head it reports is taken only
 * within the entries outstanding.  An error status is retried once
 * (unless Do Not Retry); a command that takes longer than its timeout,
 * a completion that breaks the rules or controller-fatal status resets
 * the controller, recreates the queue pair and reissues what was in
 * flight, once each; what fails again fails its request (IOERR).  A
 * controller that will not come back loses bus mastering and fails
 * everything it held. */
#ifndef PLINTH_NVME_H
#define PLINTH_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/disk_rq.h"
#include "hv/base/counters.h"
#include "virtio/blk_backend.h"

#define NVME_PAGE 4096u		      /* CC.MPS = 0: 4 KiB memory pages */
#define NVME_QSIZE 64u		      /* I/O SQ and CQ entries, at most */
#define NVME_SLOTS (NVME_QSIZE - 1u)  /* commands at once, at most */
#define NVME_RQS 32u		      /* requests taken at once */
#define NVME_PRP_LIST (NVME_PAGE / 8) /* entries in a slot's PRP list */
/* One command moves at most this, less where MDTS says so: PRP1's page
 * and a list page of entries (no chaining) cover 2 MiB from any start. */
#define NVME_MAX_XFER (NVME_PRP_LIST * NVME_PAGE)
#define NVME_TIMEOUT_NS (10ull * 1000000000ull)
#define NVME_LONG_TIMEOUT_NS (30ull * 1000000000ull) /* flush, DSM */
#define NVME_CID_SLOT_BITS 6 /* the CID's low bits: the slot */

/* Controller registers (3.1). */
#define NVME_CAP 0x00
#define NVME_VS 0x08
#define NVME_INTMS 0x0c
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DOORBELLS 0x1000
#define NVME_CC_EN (1u << 0)
#define NVME_CC_IOSQES (6u << 16) /* 64-byte SQ entries */
#define NVME_CC_IOCQES (4u << 20) /* 16-byte CQ entries */
#define NVME_CC_SHN_MASK (3u << 14)
#define NVME_CC_SHN_NORMAL (1u << 14)
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1)
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_DONE (2u << 2)
#define NVME_SHUTDOWN_NS (10ull * 1000000000ull)

/* Opcodes: admin (5) and NVM command set (6). */
#define NVME_ADM_DELETE_SQ 0x00
#define NVME_ADM_CREATE_SQ 0x01
#define NVME_ADM_DELETE_CQ 0x04
#define NVME_ADM_CREATE_CQ 0x05
#define NVME_ADM_IDENTIFY 0x06
#define NVME_ADM_SET_FEATURES 0x09
#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_CMD_FLUSH 0x00
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02
#define NVME_CMD_WRITE_ZEROES 0x08
#define NVME_CMD_DSM 0x09
#define NVME_DSM_DEALLOCATE (1u << 2)
#define NVME_ONCS_DSM (1u << 2)
#define NVME_ONCS_WRITE_ZEROES (1u << 3)

/* Submission queue entry (4.2). */
struct nvme_sqe {
	uint32_t cdw0; /* opcode 7:0, CID 31:16 */
	uint32_t nsid;
	uint32_t rsvd[2];
	uint64_t mptr, prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* Completion queue entry (4.6). */
struct nvme_cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status; /* phase bit 0, status field 15:1 */
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "SQ entry");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQ entry");

/* Status field (4.6.1.2): the code 8:1, its type 11:9, DNR 15 (of the
 * 16-bit half with the phase). */
#define NVME_SF_CODE(st) (((st) >> 1) & 0xffu)
#define NVME_SF_TYPE(st) (((st) >> 9) & 0x7u)
#define NVME_SF_DNR (1u << 15)

/* A submission and completion queue pair in memory, and where the
 * driver is in each.  The admin queue and the I/O queue are both one. */
struct nvme_queue {
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	uint16_t qid, size;
	uint16_t sq_tail, sq_head, cq_head;
	uint16_t phase; /* the phase the next new entry carries */
};

struct nvme_slot {
	bool busy, retry, retried;
	bool bounce; /* the data went through the slot's bounce page */
	uint16_t cid;
	unsigned rq;
	struct nvme_sqe cmd; /* as issued: a retry sends this copy */
	uint64_t started_ns;
	unsigned bsg_i; /* bounce: where in the request the block goes */
	uint32_t bsg_skip, bbytes;
};

struct nvme_stats {
	uint64_t commands, bounced, splits;
	uint64_t errors, timeouts, retries, resets, bogus, failed_requests;
};

/* The counters above, described once. */
extern const struct counter_set nvme_counters;

struct nvme_disk {
	struct blk_backend be;
	volatile uint8_t *regs;
	uint8_t bus, dev, fn;
	uint32_t nsid;
	unsigned lba_shift; /* log2 of the logical block size, 9 to 12 */
	uint64_t first_lba; /* the partition's start, in logical blocks */
	uint32_t max_xfer;  /* bytes per command */
	unsigned dstrd;	    /* doorbell stride, 4 << CAP.DSTRD bytes */
	bool vwc, dsm, wz;  /* volatile cache, deallocate, write zeroes */
	struct nvme_queue io;
	uint64_t *prp[NVME_SLOTS];   /* a PRP list page per slot */
	uint8_t *bounce[NVME_SLOTS]; /* a bounce page per slot (also DSM) */
	uint8_t *zero;		     /* one zeroed page */
	unsigned depth;		     /* slots in use */
	struct nvme_slot slot[NVME_SLOTS];
	struct disk_rq rq[NVME_RQS];
	unsigned rq_count;
	uint64_t next_seq;
	uint16_t gen;	  /* CIDs' top bits, moved on per command */
	bool resetting;	  /* inside recovery: issue nothing */
	bool dead;	  /* the controller would not come back */
	uint64_t csts_ns; /* when CSTS was last read */
	struct nvme_stats st;
	uint64_t (*clock)(void);
	/* Disables and re-enables the controller and recreates the I/O
	 * queue pair (empty); 0 when it runs again.  In nvme.c; a fake in
	 * the tests. */
	int (*reset)(struct nvme_disk *d);
	/* Bus mastering off, for a controller that will not come back.
	 * NULL in the tests. */
	void (*stop_dma)(struct nvme_disk *d);
};

/* Which controller and namespace, and which partition of it. */
struct nvme_target {
	bool at_pci; /* else the first NVMe controller */
	uint8_t bus, dev, fn;
	uint32_t nsid;
	unsigned part;
	const char *label;
	const uint8_t *guid;
	bool readonly;
};

/* Finds and resets the controller, creates its queues, identifies the
 * namespace (and finds the partition); 0, or -1 with the reason. */
int nvme_open(struct nvme_disk *d, const struct nvme_target *t, char *err,
	      unsigned errlen);

/* The orderly end before the machine powers off or reboots (7.6.2): the
 * I/O queue pair deleted, then a normal shutdown notification, waited
 * for, so that the controller writes its cache and knows the power goes
 * on purpose.  Nothing may use the disk afterwards. */
void nvme_shutdown(struct nvme_disk *d);

/* --- nvme_io.c: the request engine, free of anything but memory ------ */

#ifdef NVME_TEST_CTRL
/* The unit tests play the controller and see every doorbell. */
uint32_t nvme_rd(const volatile uint8_t *regs, unsigned off);
void nvme_wr(volatile uint8_t *regs, unsigned off, uint32_t v);
#else
static inline uint32_t nvme_rd(const volatile uint8_t *regs, unsigned off)
{
	return *(const volatile uint32_t *)(regs + off);
}

static inline void nvme_wr(volatile uint8_t *regs, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}
#endif

static inline uint64_t nvme_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p; /* Plinth identity-maps its memory */
}

/* Doorbell offsets (3.1.24, 3.1.25). */
static inline unsigned nvme_sq_db(const struct nvme_disk *d, unsigned qid)
{
	return NVME_DOORBELLS + (2 * qid) * d->dstrd;
}

static inline unsigned nvme_cq_db(const struct nvme_disk *d, unsigned qid)
{
	return NVME_DOORBELLS + (2 * qid + 1) * d->dstrd;
}

/* The queue's indices back to empty, its completion entries cleared. */
void nvme_queue_reset(struct nvme_queue *q);

/* --- nvme_prp.c: the data pointers ----------------------------------- */

/* Points c at rq's next blocks from its issue position (PRPs, or one
 * block through slot s's bounce page) and moves the position; how many
 * blocks, 0 when the request's buffers have run out. */
uint64_t nvme_data_cmd(struct nvme_disk *d, struct disk_rq *rq, unsigned s,
		       struct nvme_sqe *c);
/* A read that went through slot s's bounce page: its block to the
 * request's buffers. */
void nvme_bounce_back(struct nvme_disk *d, unsigned s, const struct blk_req *r);

/* Sets up the engine over d's memory (be.submit and be.poll included);
 * the I/O queue pair must exist. */
void nvme_io_init(struct nvme_disk *d);
/* Reaps completions, handles errors and timeouts, issues what waits;
 * the backend's poll(). */
void nvme_io_poll(struct nvme_disk *d);

#endif
