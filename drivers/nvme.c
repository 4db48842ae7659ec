/* NVMe bring-up (NVM Express Base Specification 1.4, 7.6.1); see
 * nvme.h.  The admin queue is used only here, one command at a time and
 * synchronously: identify, the number of queues, the I/O queue pair.
 * The requests themselves are in nvme_io.c. */
#include "drivers/nvme.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "drivers/gpt_part.h"
#include "drivers/pci.h"
#include "hv/base/byteorder.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"

#define ADMIN_QSIZE 16u
#define MIN_SECTORS 2048 /* 1 MiB, as for the other disks */

/* CAP (3.1.1) */
#define CAP_MQES(c) ((unsigned)((c)&0xffff) + 1)
#define CAP_TO_MS(c) ((((c) >> 24) & 0xff) * 500ull)
#define CAP_DSTRD(c) ((unsigned)((c) >> 32) & 0xf)
#define CAP_CSS_NVM(c) (((c) >> 37) & 1)
#define CAP_MPSMIN(c) ((unsigned)((c) >> 48) & 0xf)

/* What bring-up needs beside the engine's state. */
static struct nvme_queue admin;
static uint64_t ready_ms; /* CAP.TO: how long enabling may take */
static const struct pci_dev *ctrl_pdev;

static uint64_t cap_read(const volatile uint8_t *r)
{
	return nvme_rd(r, NVME_CAP) | (uint64_t)nvme_rd(r, NVME_CAP + 4) << 32;
}

static void wr64(volatile uint8_t *r, unsigned off, uint64_t v)
{
	nvme_wr(r, off, (uint32_t)v);
	nvme_wr(r, off + 4, (uint32_t)(v >> 32));
}

/* CSTS.RDY follows CC.EN within CAP.TO (3.1.1, 7.6.1); a fatal status
 * ends the wait early. */
static bool wait_ready(struct nvme_disk *d, bool rdy)
{
	uint64_t end = clock_ns() + ready_ms * 1000000ull;

	for (;;) {
		uint32_t csts = nvme_rd(d->regs, NVME_CSTS);

		if (csts != ~0u && (csts & NVME_CSTS_RDY) == rdy)
			return true;
		if ((rdy && csts != ~0u && (csts & NVME_CSTS_CFS))
		    || clock_ns() > end)
			return false;
	}
}

/* One admin command, waited for; 0 with the completion's DW0, or -1. */
static int admin_cmd(struct nvme_disk *d, struct nvme_sqe *c, uint32_t *dw0)
{
	static uint16_t cid;
	struct nvme_queue *q = &admin;
	uint64_t end = clock_ns() + NVME_TIMEOUT_NS;

	cid++;
	c->cdw0 = (c->cdw0 & 0xff) | (uint32_t)cid << 16;
	q->sq[q->sq_tail] = *c;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->size);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	nvme_wr(d->regs, nvme_sq_db(d, 0), q->sq_tail);
	for (;;) {
		volatile struct nvme_cqe *v = &q->cq[q->cq_head];
		uint16_t status = v->status;

		if ((status & 1) == q->phase) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			uint16_t got = v->cid;
			uint32_t w = v->dw0;

			if (++q->cq_head == q->size) {
				q->cq_head = 0;
				q->phase ^= 1;
			}
			nvme_wr(d->regs, nvme_cq_db(d, 0), q->cq_head);
			if (got != cid)
				continue; /* not ours: a stale entry */
			if (dw0)
				*dw0 = w;
			return status >> 1 ? -1 : 0;
		}
		if (clock_ns() > end)
			return -1;
	}
}

static int identify(struct nvme_disk *d, uint32_t cns, uint32_t nsid,
		    uint8_t *buf)
{
	struct nvme_sqe c = { .cdw0 = NVME_ADM_IDENTIFY,
			      .nsid = nsid,
			      .prp1 = nvme_phys(buf),
			      .cdw10 = cns };

	memset(buf, 0, NVME_PAGE);
	return admin_cmd(d, &c, NULL);
}

/* The I/O queue pair, qid 1, physically contiguous, no interrupts (5.3,
 * 5.4), after asking for one pair (5.21.1.7). */
static int create_io_queues(struct nvme_disk *d)
{
	struct nvme_queue *q = &d->io;
	uint32_t qs = (uint32_t)(q->size - 1) << 16 | q->qid;
	struct nvme_sqe nq = { .cdw0 = NVME_ADM_SET_FEATURES,
			       .cdw10 = NVME_FEAT_NUM_QUEUES,
			       .cdw11 = 0 };
	struct nvme_sqe cq = { .cdw0 = NVME_ADM_CREATE_CQ,
			       .prp1 = nvme_phys((const void *)q->cq),
			       .cdw10 = qs,
			       .cdw11 = 1 };
	struct nvme_sqe sq = { .cdw0 = NVME_ADM_CREATE_SQ,
			       .prp1 = nvme_phys(q->sq),
			       .cdw10 = qs,
			       .cdw11 = (uint32_t)q->qid << 16 | 1 };

	nvme_queue_reset(q);
	if (admin_cmd(d, &nq, NULL) || admin_cmd(d, &cq, NULL)
	    || admin_cmd(d, &sq, NULL))
		return -1;
	return 0;
}

/* Disabled, the admin queue set up, enabled (7.6.1); 0 once ready. */
static int ctrl_enable(struct nvme_disk *d)
{
	nvme_wr(d->regs, NVME_CC, 0);
	if (!wait_ready(d, false))
		return -1;
	nvme_queue_reset(&admin);
	nvme_wr(d->regs, NVME_AQA, (admin.size - 1) << 16 | (admin.size - 1));
	wr64(d->regs, NVME_ASQ, nvme_phys(admin.sq));
	wr64(d->regs, NVME_ACQ, nvme_phys((const void *)admin.cq));
	nvme_wr(d->regs, NVME_INTMS, ~0u); /* polled */
	nvme_wr(d->regs, NVME_CC, NVME_CC_EN | NVME_CC_IOSQES | NVME_CC_IOCQES);
	return wait_ready(d, true) ? 0 : -1;
}

/* The engine's reset: the whole controller again, the queue pair new. */
static int ctrl_reset(struct nvme_disk *d)
{
	if (ctrl_enable(d) || create_io_queues(d))
		return -1;
	return 0;
}

static void stop_dma(struct nvme_disk *d)
{
	(void)d;
	pci_disable_dma(ctrl_pdev);
}

static void *pages(size_t n)
{
	void *p = pool_pages(n, 1);

	if (p)
		memset(p, 0, n * NVME_PAGE);
	return p;
}

/* The queues, PRP lists, bounce pages and the zeroed page. */
static int alloc_queues(struct nvme_disk *d, unsigned mqes)
{
	unsigned qsize = mqes < NVME_QSIZE ? mqes : NVME_QSIZE;

	admin.size = (uint16_t)(mqes < ADMIN_QSIZE ? mqes : ADMIN_QSIZE);
	admin.sq = pages(1);
	admin.cq = pages(1);
	d->io.qid = 1;
	d->io.size = (uint16_t)qsize;
	d->io.sq = pages(1); /* 64 entries of 64 bytes */
	d->io.cq = pages(1);
	d->zero = pages(1);
	d->depth = qsize - 1;
	for (unsigned s = 0; s < d->depth; s++)
		if (!(d->prp[s] = pages(1)) || !(d->bounce[s] = pages(1)))
			return -1;
	return admin.sq && admin.cq && d->io.sq && d->io.cq && d->zero ? 0 : -1;
}

/* An ASCII field of Identify, trailing spaces cut, printable only. */
static void id_string(char *out, size_t n, const uint8_t *f, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < len && k + 1 < n; i++)
		out[k++] = f[i] >= 0x20 && f[i] < 0x7f ? (char)f[i] : '?';
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = 0;
}

/* Identify Controller (5.15.2.2), checked: the entry sizes Plinth uses,
 * the namespace's number in range; MDTS, ONCS and VWC taken. */
static int identify_ctrl(struct nvme_disk *d, uint8_t *id, char *model,
			 char *err, unsigned errlen)
{
	char serial[21];

	if (identify(d, 1, 0, id)) {
		fmt(err, errlen, "Identify Controller failed");
		return -1;
	}
	uint8_t sqes = id[512], cqes = id[513], mdts = id[77];
	uint32_t nn = get_le32(id + 516);
	uint16_t oncs = (uint16_t)(id[520] | id[521] << 8);

	if ((sqes & 0xf) > 6 || (sqes >> 4) < 6 || (cqes & 0xf) > 4
	    || (cqes >> 4) < 4) {
		fmt(err, errlen,
		    "the controller's queue entries are not 64 and 16 "
		    "bytes (SQES 0x%02x, CQES 0x%02x)",
		    sqes, cqes);
		return -1;
	}
	if (!d->nsid || d->nsid > nn) {
		fmt(err, errlen,
		    "no such namespace (the controller has 1 to %u)", nn);
		return -1;
	}
	/* MDTS counts in CAP.MPSMIN pages, which is 4 KiB here. */
	d->max_xfer = NVME_MAX_XFER;
	if (mdts && mdts < 20 && (NVME_PAGE << mdts) < d->max_xfer)
		d->max_xfer = NVME_PAGE << mdts;
	d->dsm = oncs & NVME_ONCS_DSM;
	d->wz = oncs & NVME_ONCS_WRITE_ZEROES;
	d->vwc = id[525] & 1;
	id_string(model, 41, id + 24, 40);
	id_string(serial, sizeof(serial), id + 4, 20);
	memset(d->be.serial, 0, sizeof(d->be.serial));
	memcpy(d->be.serial, serial, strlen(serial));
	return 0;
}

/* Identify Namespace (5.15.2.1): its size and the LBA format in use, no
 * metadata, blocks of 512 bytes to 4 KiB. */
static int identify_ns(struct nvme_disk *d, uint8_t *id, char *err,
		       unsigned errlen)
{
	if (identify(d, 0, d->nsid, id)) {
		fmt(err, errlen, "Identify Namespace failed");
		return -1;
	}
	uint64_t nsze = get_le64(id);
	unsigned fmt_i = id[26] & 0xf;
	uint32_t lbaf = get_le32(id + 128 + 4 * fmt_i);
	unsigned ms = lbaf & 0xffff, lbads = (lbaf >> 16) & 0xff;

	if (!nsze) {
		fmt(err, errlen, "not an active namespace");
		return -1;
	}
	if (fmt_i > id[25] || ms || lbads < 9 || lbads > 12) {
		fmt(err, errlen,
		    "LBA format %u (%u-byte blocks, %u bytes of metadata) is "
		    "not one Plinth drives (512 to 4096, no metadata)",
		    fmt_i, lbads < 32 ? 1u << lbads : 0, ms);
		return -1;
	}
	if (nsze > (~0ull >> 12)) {
		fmt(err, errlen, "%lu blocks is past any disk",
		    (unsigned long)nsze);
		return -1;
	}
	d->lba_shift = lbads;
	d->be.sectors = nsze << (lbads - 9);
	return 0;
}

/* The controller t names: the first NVMe function, or the one at its
 * address (which must be NVMe). */
static const struct pci_dev *find_ctrl(const struct nvme_target *t, char *err,
				       unsigned errlen)
{
	unsigned n;
	const struct pci_dev *all = pci_devices(&n);

	for (unsigned i = 0; i < n; i++) {
		const struct pci_dev *p = &all[i];
		bool nvme = p->class_code == 0x01 && p->subclass == 0x08
			    && p->prog_if == 0x02;

		if (t->at_pci
		    && (p->bus != t->bus || p->dev != t->dev || p->fn != t->fn))
			continue;
		if (nvme)
			return p;
		if (!t->at_pci)
			continue;
		fmt(err, errlen, "%02x:%02x.%x is not an NVMe controller",
		    t->bus, t->dev, t->fn);
		return NULL;
	}
	if (t->at_pci)
		fmt(err, errlen, "no PCI function at %02x:%02x.%x", t->bus,
		    t->dev, t->fn);
	else
		fmt(err, errlen, "no NVMe controller (PCI class 01.08.02)");
	return NULL;
}

/* CAP checked, the whole register window mapped, the memory given. */
static int ctrl_setup(struct nvme_disk *d, const struct pci_dev *p, char *err,
		      unsigned errlen)
{
	uint64_t cap = cap_read(d->regs);

	if (cap == ~0ull || !CAP_CSS_NVM(cap) || CAP_MPSMIN(cap)) {
		fmt(err, errlen,
		    "the controller does not offer the NVM command set "
		    "with 4 KiB pages (CAP 0x%lx)",
		    (unsigned long)cap);
		return -1;
	}
	d->dstrd = 4u << CAP_DSTRD(cap);
	/* The I/O queue's doorbells lie past the admin queue's. */
	if (!pci_map_bar(p, 0, nvme_cq_db(d, 1) + 4, err, errlen))
		return -1;
	ready_ms = CAP_TO_MS(cap);
	if (!ready_ms)
		ready_ms = 500;
	if (CAP_MQES(cap) < 2) {
		fmt(err, errlen, "queues of %u entries are too short",
		    CAP_MQES(cap));
		return -1;
	}
	if (alloc_queues(d, CAP_MQES(cap))) {
		fmt(err, errlen, "no pool memory for the queues");
		return -1;
	}
	if (ctrl_enable(d)) {
		fmt(err, errlen,
		    "the controller does not become ready (CSTS 0x%x, "
		    "CAP.TO %lu ms)",
		    nvme_rd(d->regs, NVME_CSTS), (unsigned long)ready_ms);
		return -1;
	}
	return 0;
}

/* Identify, the queue pair, and the engine as the backend. */
static int ctrl_start(struct nvme_disk *d, const struct nvme_target *t,
		      char *err, unsigned errlen)
{
	uint8_t *id = pages(1);
	char model[41];
	int r = -1;

	if (!id) {
		fmt(err, errlen, "no pool memory for Identify");
		return -1;
	}
	if (identify_ctrl(d, id, model, err, errlen)
	    || identify_ns(d, id, err, errlen))
		goto out;
	if (create_io_queues(d)) {
		fmt(err, errlen, "creating the I/O queue pair failed");
		goto out;
	}
	d->be.name = "nvme";
	d->be.readonly = t->readonly;
	d->be.can_discard = d->dsm;
	d->be.can_write_zeroes = true;
	d->be.block_size = 1u << d->lba_shift;
	d->reset = ctrl_reset;
	d->stop_dma = stop_dma;
	d->clock = clock_ns;
	nvme_io_init(d);
	log_msg("nvme: %02x:%02x.%x: %s, namespace %u: %lu sectors (%lu MiB),"
		" %u-byte blocks, serial %s",
		d->bus, d->dev, d->fn, model, d->nsid,
		(unsigned long)d->be.sectors,
		(unsigned long)(d->be.sectors >> 11), 1u << d->lba_shift,
		d->be.serial);
	log_msg("nvme: %02x:%02x.%x: %u commands at once, %u KiB per "
		"command%s%s%s",
		d->bus, d->dev, d->fn, d->depth, d->max_xfer >> 10,
		d->vwc ? ", volatile write cache" : "",
		d->dsm ? ", deallocate" : "", d->wz ? ", write zeroes" : "");
	r = 0;
out:
	pool_free_pages(id, 1);
	return r;
}

/* The partition t names, from the GPT at LBA 1. */
static int find_partition(struct nvme_disk *d, const struct nvme_target *t,
			  char *err, unsigned errlen)
{
	unsigned n = GPT_ENTRIES_MAX_BYTES / NVME_PAGE;
	uint8_t *hdr = pages(1), *ent = pages(n);
	struct gpt_want want = { t->part, t->label, t->guid };
	uint64_t first, count;
	unsigned sh = d->lba_shift - 9;
	int r = -1;

	if (!hdr || !ent)
		fmt(err, errlen, "no pool memory to read the GPT");
	else if (!gpt_read_partition(&d->be, 1u << d->lba_shift,
				     d->be.sectors >> sh, &want, hdr, ent,
				     &first, &count, err, errlen)) {
		d->first_lba = first;
		d->be.sectors = count << sh;
		log_msg("nvme: %02x:%02x.%x: GPT partition at LBA %lu, %lu "
			"sectors (%lu MiB)",
			d->bus, d->dev, d->fn, (unsigned long)first,
			(unsigned long)d->be.sectors,
			(unsigned long)(d->be.sectors >> 11));
		r = 0;
	}
	if (hdr)
		pool_free_pages(hdr, 1);
	if (ent)
		pool_free_pages(ent, n);
	return r;
}

void nvme_shutdown(struct nvme_disk *d)
{
	struct nvme_sqe dsq = { .cdw0 = NVME_ADM_DELETE_SQ,
				.cdw10 = d->io.qid };
	struct nvme_sqe dcq = { .cdw0 = NVME_ADM_DELETE_CQ,
				.cdw10 = d->io.qid };

	if (d->dead || !d->regs)
		return;
	d->dead = true; /* nothing more is taken */
	if (admin_cmd(d, &dsq, NULL) || admin_cmd(d, &dcq, NULL))
		log_msg("nvme: %02x:%02x.%x: deleting the I/O queues failed",
			d->bus, d->dev, d->fn);
	nvme_wr(d->regs, NVME_CC,
		(nvme_rd(d->regs, NVME_CC) & ~NVME_CC_SHN_MASK)
			| NVME_CC_SHN_NORMAL);
	uint64_t end = clock_ns() + NVME_SHUTDOWN_NS;
	uint32_t csts;

	while (((csts = nvme_rd(d->regs, NVME_CSTS)) & NVME_CSTS_SHST_MASK)
		       != NVME_CSTS_SHST_DONE
	       && csts != ~0u && clock_ns() < end)
		;
	log_msg("nvme: %02x:%02x.%x: %s", d->bus, d->dev, d->fn,
		(csts & NVME_CSTS_SHST_MASK) == NVME_CSTS_SHST_DONE
			? "shut down"
			: "the shutdown did not complete in 10 s");
}

int nvme_open(struct nvme_disk *d, const struct nvme_target *t, char *err,
	      unsigned errlen)
{
	const struct pci_dev *p;
	char why[160];

	memset(d, 0, sizeof(*d));
	d->nsid = t->nsid;
	if (!(p = find_ctrl(t, err, errlen)))
		return -1;
	d->bus = p->bus;
	d->dev = p->dev;
	d->fn = p->fn;
	ctrl_pdev = p;
	/* BAR0 (and BAR1 above it): the registers, then the doorbells. */
	d->regs = pci_map_bar(p, 0, NVME_DOORBELLS + 8, why, sizeof(why));
	if (d->regs)
		pci_enable_dma(p);
	if (!d->regs || ctrl_setup(d, p, why, sizeof(why))
	    || ctrl_start(d, t, why, sizeof(why))
	    || ((t->part || t->label || t->guid)
		&& find_partition(d, t, why, sizeof(why))))
		goto fail;
	if (d->be.sectors < MIN_SECTORS) {
		fmt(why, sizeof(why),
		    "%lu sectors is too small a disk (at least 1 MiB)",
		    (unsigned long)d->be.sectors);
		goto fail;
	}
	return 0;
fail:
	fmt(err, errlen, "NVMe %02x:%02x.%x namespace %u: %s", d->bus, d->dev,
	    d->fn, t->nsid, why);
	return -1;
}
