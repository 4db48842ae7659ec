/* The fake NVMe controller of the unit tests (fake_nvme.h). */
#include "tests/support/fake_nvme.h"

#include <stdlib.h>
#include <string.h>

struct fake_nvme fake;

uint32_t nvme_rd(const volatile uint8_t *regs, unsigned off)
{
	uint32_t v;

	if (off == NVME_CSTS)
		return fake.csts;
	memcpy(&v, (const uint8_t *)regs + off, 4);
	return v;
}

void nvme_wr(volatile uint8_t *regs, unsigned off, uint32_t v)
{
	memcpy((uint8_t *)regs + off, &v, 4);
	if (off == NVME_DOORBELLS + 8)
		fake.sq_db = (uint16_t)v;
	else if (off == NVME_DOORBELLS + 12)
		fake.cq_db = (uint16_t)v;
}

void fake_nvme_disk(struct nvme_disk *d)
{
	static uint8_t *mem;
	const size_t pages = 4 + 2 * NVME_SLOTS;

	if (!mem) {
		mem = aligned_alloc(4096, pages * 4096);
		fake.disk = malloc(FAKE_NVME_BLOCKS * 512);
	}
	memset(mem, 0, pages * 4096);
	uint8_t *disk = fake.disk;

	memset(&fake, 0, sizeof(fake));
	fake.disk = disk;
	memset(disk, 0, FAKE_NVME_BLOCKS * 512);
	fake.phase = 1;
	fake.csts = NVME_CSTS_RDY;
	memset(d, 0, sizeof(*d));
	d->regs = fake.regs;
	d->dstrd = 4;
	d->nsid = 1;
	d->lba_shift = 9;
	d->max_xfer = NVME_MAX_XFER;
	d->vwc = d->dsm = d->wz = true;
	d->io.qid = 1;
	d->io.size = NVME_QSIZE;
	d->io.sq = (struct nvme_sqe *)mem;
	d->io.cq = (volatile struct nvme_cqe *)(mem + 4096);
	d->zero = mem + 2 * 4096;
	d->depth = NVME_SLOTS;
	for (unsigned s = 0; s < NVME_SLOTS; s++) {
		d->prp[s] = (uint64_t *)(mem + (3 + s) * 4096);
		d->bounce[s] = mem + (3 + NVME_SLOTS + s) * 4096;
	}
	nvme_queue_reset(&d->io);
	d->be.sectors = FAKE_NVME_BLOCKS;
	d->be.can_discard = d->be.can_write_zeroes = true;
}

void fake_fetch(struct nvme_disk *d)
{
	while (fake.sq_head != fake.sq_db
	       && fake.npending < FAKE_NVME_PENDING) {
		struct fake_cmd *f = &fake.pending[fake.npending++];

		f->c = d->io.sq[fake.sq_head];
		f->sq_index = fake.sq_head;
		fake.sq_head = (uint16_t)((fake.sq_head + 1) % d->io.size);
		fake.fetched++;
	}
}

void fake_post(struct nvme_disk *d, uint16_t cid, uint16_t status,
	       uint16_t sqhd, uint16_t sqid, bool wrong_phase)
{
	volatile struct nvme_cqe *e = &d->io.cq[fake.cq_tail];

	e->dw0 = 0;
	e->sqhd = sqhd;
	e->sqid = sqid;
	e->cid = cid;
	e->status = (uint16_t)(status << 1 | (fake.phase ^ wrong_phase));
	if (wrong_phase)
		return; /* not a real entry: the tail stays */
	if (++fake.cq_tail == d->io.size) {
		fake.cq_tail = 0;
		fake.phase ^= 1;
	}
}

/* The pages the PRPs name for `len` bytes (4.3), into pg[]; the rules'
 * breaks counted.  Returns how many. */
static unsigned prp_pages(const struct nvme_sqe *c, uint64_t len,
			  uint64_t *pg, unsigned max)
{
	uint64_t first = NVME_PAGE - (c->prp1 & (NVME_PAGE - 1));
	unsigned n = 0;

	if (c->prp1 & 3)
		fake.prp_violations++;
	pg[n++] = c->prp1;
	if (len <= first)
		return n;
	len -= first;
	if (!c->prp2) {
		fake.prp_violations++; /* more data than PRP1 names */
		return n;
	}
	if (len <= NVME_PAGE) {
		if (c->prp2 & (NVME_PAGE - 1))
			fake.prp_violations++;
		pg[n++] = c->prp2;
		return n;
	}
	const uint64_t *list = (const uint64_t *)(uintptr_t)c->prp2;

	if (c->prp2 & 7)
		fake.prp_violations++;
	for (unsigned i = 0; len && n < max; i++) {
		if (!list[i] || (list[i] & (NVME_PAGE - 1))) {
			fake.prp_violations++;
			return n;
		}
		pg[n++] = list[i];
		len -= len < NVME_PAGE ? len : NVME_PAGE;
	}
	if (len)
		fake.prp_violations++;
	return n;
}

/* Moves a read's or write's data between the disk and the pages. */
static void move_data(const struct nvme_disk *d, const struct nvme_sqe *c,
		      bool write)
{
	uint64_t lba = c->cdw10 | (uint64_t)c->cdw11 << 32;
	uint64_t len = ((uint64_t)(c->cdw12 & 0xffff) + 1) << d->lba_shift;
	static uint64_t pg[NVME_PRP_LIST + 2];
	unsigned n = prp_pages(c, len, pg, NVME_PRP_LIST + 2);
	uint8_t *at = fake.disk + (lba << d->lba_shift);

	if ((lba << d->lba_shift) + len > FAKE_NVME_BLOCKS * 512ull) {
		fake.prp_violations++;
		return;
	}
	for (unsigned i = 0; i < n && len; i++) {
		uint64_t off = pg[i] & (NVME_PAGE - 1);
		uint64_t k = NVME_PAGE - (i ? 0 : off);
		uint8_t *m = (uint8_t *)(uintptr_t)pg[i];

		if (k > len)
			k = len;
		if (write)
			memcpy(at, m, k);
		else
			memcpy(m, at, k);
		at += k;
		len -= k;
	}
}

static void run_cmd(struct nvme_disk *d, const struct nvme_sqe *c)
{
	uint8_t opc = c->cdw0 & 0xff;
	uint64_t lba = c->cdw10 | (uint64_t)c->cdw11 << 32;
	uint64_t nlb = (uint64_t)(c->cdw12 & 0xffff) + 1;

	fake.opcodes[opc]++;
	switch (opc) {
	case NVME_CMD_READ:
	case NVME_CMD_WRITE:
		move_data(d, c, opc == NVME_CMD_WRITE);
		break;
	case NVME_CMD_WRITE_ZEROES:
		if (((lba + nlb) << d->lba_shift) > FAKE_NVME_BLOCKS * 512ull)
			fake.prp_violations++; /* past the namespace */
		else
			memset(fake.disk + (lba << d->lba_shift), 0,
			       nlb << d->lba_shift);
		break;
	case NVME_CMD_DSM:
		memcpy(fake.last_dsm, (void *)(uintptr_t)c->prp1, 16);
		break;
	default:
		break;
	}
}

void fake_exec(struct nvme_disk *d, unsigned i)
{
	struct fake_cmd f = fake.pending[i];
	uint16_t status = 0;

	memmove(&fake.pending[i], &fake.pending[i + 1],
		(fake.npending - i - 1) * sizeof(f));
	fake.npending--;
	if (fake.fail_count) {
		fake.fail_count--;
		status = fake.fail_status;
	} else {
		run_cmd(d, &f.c);
	}
	fake_post(d, (uint16_t)(f.c.cdw0 >> 16), status, fake.sq_head, 1,
		  false);
}

void fake_run(struct nvme_disk *d)
{
	fake_fetch(d);
	while (fake.npending)
		fake_exec(d, 0);
}

void fake_reset_state(struct nvme_disk *d)
{
	fake.npending = 0;
	fake.sq_head = fake.sq_db = fake.cq_tail = fake.cq_db = 0;
	fake.phase = 1;
	fake.csts = NVME_CSTS_RDY;
	nvme_queue_reset(&d->io);
}
