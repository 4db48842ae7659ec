/* An NVMe command's data pointers (NVMe 1.4, 4.3): PRP entries built
 * straight from a request's host-physical pieces, split where the rules
 * break, and the bounce page for a block no PRPs can describe. */
#include "drivers/nvme.h"

#include <string.h>

#define PAGE_MASK ((uint64_t)NVME_PAGE - 1)

/* --- PRPs (4.3) ----------------------------------------------------- */

/* Where a request's data goes on: the sg entry and the bytes of it
 * already issued.  Write-zeroes without the command reads one zeroed
 * page over and over. */
struct pos {
	unsigned i;
	uint64_t skip;
};

static bool next_piece(const struct nvme_disk *d, const struct blk_req *r,
		       struct pos *p, uint64_t *a, uint64_t *len)
{
	if (r->op == BLK_WRITE_ZEROES) {
		*a = nvme_phys(d->zero);
		*len = NVME_PAGE;
		return true;
	}
	while (p->i < r->nsg && p->skip == r->sg[p->i].len) {
		p->i++;
		p->skip = 0;
	}
	if (p->i >= r->nsg)
		return false;
	*a = r->sg[p->i].hpa + p->skip;
	*len = r->sg[p->i].len - p->skip;
	return true;
}

static void advance(const struct blk_req *r, struct pos *p, uint64_t n)
{
	if (r->op != BLK_WRITE_ZEROES)
		p->skip += n;
}

/* Describes up to `max` bytes from *p as PRP entries: PRP1 may start
 * anywhere dword-aligned, every later entry at a page's start, and only
 * where the data before it ended at a page's end; contiguous pieces run
 * on.  Stops where the rules break, or at 1 + NVME_PRP_LIST entries.
 * With `list`, writes entries 2.. there and sets *prp1 and *prp2, and
 * moves *p; without, only counts.  Returns the bytes covered. */
static uint64_t prp_walk(const struct nvme_disk *d, const struct blk_req *r,
			 struct pos *p, uint64_t max, uint64_t *list,
			 uint64_t *prp1, uint64_t *prp2)
{
	struct pos at = *p;
	uint64_t got = 0, end = 0, a, len, first = 0, second = 0;
	unsigned n = 0;
	bool full = false;

	while (!full && got < max && next_piece(d, r, &at, &a, &len)) {
		uint64_t pg;

		if (len > max - got)
			len = max - got;
		if (!got) {
			if (a & 3)
				break; /* PRP1 is dword-aligned (4.3) */
			first = a;
			n = 1;
			pg = (a | PAGE_MASK) + 1;
		} else if (a != end && ((end & PAGE_MASK) || (a & PAGE_MASK))) {
			break;
		} else {
			/* A page start continues as an entry of its own. */
			pg = (a & PAGE_MASK) ? (a | PAGE_MASK) + 1 : a;
		}
		for (; pg < a + len; pg += NVME_PAGE) {
			if (n == 1 + NVME_PRP_LIST) {
				len = pg - a;
				full = true;
				break;
			}
			if (n == 1)
				second = pg;
			if (list)
				list[n - 1] = pg;
			n++;
		}
		got += len;
		end = a + len;
		advance(r, &at, len);
	}
	if (list) {
		*p = at;
		*prp1 = first;
		*prp2 = n == 2 ? second : n > 2 ? nvme_phys(list) : 0;
	}
	return got;
}

/* --- bounce (one logical block through the slot's page) ------------- */

static void copy_sg(const struct blk_req *r, struct pos p, uint8_t *buf,
		    uint32_t n, bool to_sg)
{
	while (n && p.i < r->nsg) {
		uint64_t len = r->sg[p.i].len - p.skip;
		uint8_t *g = (uint8_t *)(uintptr_t)(r->sg[p.i].hpa + p.skip);

		if (len > n)
			len = n;
		if (to_sg)
			memcpy(g, buf, len);
		else
			memcpy(buf, g, len);
		buf += len;
		n -= (uint32_t)len;
		p.i++;
		p.skip = 0;
	}
}

/* The next block of the request through the bounce page: a write's bytes
 * gathered now (once), a read's scattered at completion. */
static void bounce_block(struct nvme_disk *d, struct disk_rq *rq, unsigned s,
			 struct nvme_sqe *c)
{
	struct nvme_slot *sl = &d->slot[s];
	struct pos p = { rq->sg_i, rq->sg_skip };
	uint32_t bytes = 1u << d->lba_shift;
	uint64_t a, len, left = bytes;

	sl->bounce = true;
	sl->bbytes = bytes;
	/* Normalise the position, so that the copy starts at it. */
	next_piece(d, rq->r, &p, &a, &len);
	sl->bsg_i = p.i;
	sl->bsg_skip = (uint32_t)p.skip;
	if (disk_op_writes(rq->r->op))
		copy_sg(rq->r, p, d->bounce[s], bytes, false);
	d->be.copied += bytes;
	d->st.bounced++;
	while (left && next_piece(d, rq->r, &p, &a, &len)) {
		if (len > left)
			len = left;
		advance(rq->r, &p, len);
		left -= len;
	}
	rq->sg_i = p.i;
	rq->sg_skip = (uint32_t)p.skip;
	c->prp1 = nvme_phys(d->bounce[s]);
}

/* A read or write (or write-zeroes by writing zeros) of the request's
 * next blocks; how many, 0 when its buffers have run out. */
uint64_t nvme_data_cmd(struct nvme_disk *d, struct disk_rq *rq, unsigned s,
		       struct nvme_sqe *c)
{
	struct pos p = { rq->sg_i, rq->sg_skip };
	uint64_t want = rq->left << d->lba_shift, got, blocks;

	if (want > d->max_xfer)
		want = d->max_xfer;
	uint64_t a, len;

	if (!next_piece(d, rq->r, &p, &a, &len))
		return 0; /* fewer bytes than sectors: not a request to serve */
	got = prp_walk(d, rq->r, &p, want, NULL, NULL, NULL);
	blocks = got >> d->lba_shift;
	c->cdw0 = disk_op_writes(rq->r->op) ? NVME_CMD_WRITE : NVME_CMD_READ;
	if (!blocks) {
		/* Less than a block before the PRP rules break. */
		bounce_block(d, rq, s, c);
		blocks = 1;
	} else {
		prp_walk(d, rq->r, &p, blocks << d->lba_shift, d->prp[s],
			 &c->prp1, &c->prp2);
		rq->sg_i = p.i;
		rq->sg_skip = (uint32_t)p.skip;
	}
	return blocks;
}

void nvme_bounce_back(struct nvme_disk *d, unsigned s, const struct blk_req *r)
{
	const struct nvme_slot *sl = &d->slot[s];
	struct pos p = { sl->bsg_i, sl->bsg_skip };

	copy_sg(r, p, d->bounce[s], sl->bbytes, true);
}
