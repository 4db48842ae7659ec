/* What the AHCI and NVMe request engines keep of each request they took:
 * where issuing goes on in its sg list, how much is left, how many of its
 * commands are out.  A request completes once, when nothing of it is out
 * and nothing is left to issue (or it failed). */
#ifndef PLINTH_DISK_RQ_H
#define PLINTH_DISK_RQ_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/blk_backend.h"

struct disk_rq {
	struct blk_req *r;    /* NULL: the record is free */
	uint64_t seq;	      /* submission order */
	uint64_t lba, left;   /* the device's blocks not yet issued */
	unsigned sg_i;	      /* the sg entry issuing continues in */
	uint32_t sg_skip;     /* bytes of it already issued */
	unsigned outstanding; /* commands issued, not yet completed */
	bool started, failed;
};

/* Operations that change the disk (refused on a read-only one). */
static inline bool disk_op_writes(enum blk_op op)
{
	return op == BLK_WRITE || op == BLK_WRITE_ZEROES || op == BLK_DISCARD;
}

/* A request no engine may take: its range past the disk, a change to a
 * read-only disk, a discard the disk cannot do. */
static inline bool disk_rq_refused(const struct blk_backend *be,
				   const struct blk_req *r)
{
	return (r->op != BLK_FLUSH
		&& (r->sector > be->sectors
		    || r->nsectors > be->sectors - r->sector))
	       || (disk_op_writes(r->op) && be->readonly)
	       || (r->op == BLK_DISCARD && !be->can_discard);
}

/* A free record among n (the caller knows one is free). */
static inline unsigned disk_rq_free(const struct disk_rq *rq, unsigned n)
{
	unsigned i = 0;

	while (i + 1 < n && rq[i].r)
		i++;
	return i;
}

/* The oldest request with commands still to issue, or -1. */
static inline int disk_rq_oldest(const struct disk_rq *rq, unsigned n)
{
	int qi = -1;

	for (unsigned i = 0; i < n; i++)
		if (rq[i].r && !rq[i].failed && (rq[i].left || !rq[i].started)
		    && (qi < 0 || rq[i].seq < rq[qi].seq))
			qi = (int)i;
	return qi;
}

/* Frees the record and completes its request (failed or not). */
static inline void disk_rq_finish(struct disk_rq *rq, unsigned *count,
				  uint64_t *failed_requests)
{
	struct blk_req *r = rq->r;
	bool failed = rq->failed;

	rq->r = NULL;
	(*count)--;
	if (failed)
		(*failed_requests)++;
	r->done(r, failed ? BLK_EIO : BLK_OK);
}

/* Nothing of it out and nothing more to issue. */
static inline bool disk_rq_over(const struct disk_rq *rq)
{
	return rq->r && rq->started && !rq->outstanding
	       && (!rq->left || rq->failed);
}

/* One of its commands is over; a failed one ends the request's issuing. */
static inline void disk_rq_cmd_done(struct disk_rq *rq, bool ok)
{
	rq->outstanding--;
	if (!ok) {
		rq->failed = true;
		rq->left = 0;
	}
}

#endif
