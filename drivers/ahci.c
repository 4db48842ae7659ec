/* AHCI 1.3.1 bring-up; see ahci.h.  Sections cited are the AHCI
 * specification's (10.x for the software procedures); the requests
 * themselves are in ahci_io.c. */
#include "drivers/ahci.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "drivers/gpt_part.h"
#include "drivers/pci.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"

/* HBA registers (3.1) */
#define CAP 0x00
#define GHC 0x04
#define PI 0x0c
#define CAP2 0x24
#define BOHC 0x28
#define GHC_HR (1u << 0)
#define GHC_AE (1u << 31)
#define CAP_S64A (1u << 31)
#define CAP_SNCQ (1u << 30)
#define CAP_SSS (1u << 27)
#define CAP2_BOH (1u << 0)
#define BOHC_BOS (1u << 0)
#define BOHC_OOS (1u << 1)
#define CMD_ST (1u << 0)
#define CMD_SUD (1u << 1)
#define CMD_FRE (1u << 4)
#define CMD_FR (1u << 14)
#define CMD_CR (1u << 15)
#define SIG_ATA 0x00000101u

#define MS 1000000ull
#define MIN_SECTORS 2048 /* 1 MiB, as for a RAM disk */

/* Waits until (reg & mask) == want; false after `ns`. */
static bool wait_reg(volatile uint8_t *base, unsigned off, uint32_t mask,
		     uint32_t want, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while ((ahci_rd(base, off) & mask) != want)
		if (clock_ns() > end)
			return false;
	return true;
}

/* 10.1.2: a port is idle once ST is clear and CR follows; FIS receive
 * goes off the same way when `fis` is set. */
static bool port_stop(volatile uint8_t *pr, bool fis)
{
	ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) & ~CMD_ST);
	if (!wait_reg(pr, PxCMD, CMD_CR, 0, 500 * MS))
		return false;
	if (!fis)
		return true;
	ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) & ~CMD_FRE);
	return wait_reg(pr, PxCMD, CMD_FR, 0, 500 * MS);
}

/* COMRESET (10.4.2): DET = 1 for at least 1 ms, then 0, and the link
 * comes back with the device's signature FIS. */
static bool port_comreset(struct ahci_disk *d)
{
	volatile uint8_t *pr = d->port_regs;
	uint32_t sctl = ahci_rd(pr, PxSCTL) & ~0xfu;

	d->st.resets++;
	ahci_wr(pr, PxSCTL, sctl | 1);
	clock_delay_us(2000);
	ahci_wr(pr, PxSCTL, sctl);
	if (!wait_reg(pr, PxSSTS, 0xf, 3, 1000 * MS))
		return false;
	ahci_wr(pr, PxSERR, ~0u);
	return wait_reg(pr, PxTFD, PxTFD_BSY | PxTFD_DRQ, 0, 5000 * MS);
}

/* Error recovery (6.2.2): stop the port, clear its errors, reset the
 * link if the device stays busy, start again.  Clearing ST also clears
 * PxCI and PxSACT. */
static int port_restart(struct ahci_disk *d, bool reset)
{
	volatile uint8_t *pr = d->port_regs;
	bool stopped = port_stop(pr, false);

	ahci_wr(pr, PxSERR, ~0u);
	ahci_wr(pr, PxIS, ~0u);
	if (reset || !stopped
	    || (ahci_rd(pr, PxTFD) & (PxTFD_BSY | PxTFD_DRQ))) {
		if (!stopped && !port_stop(pr, false))
			return -1;
		if (!port_comreset(d))
			return -1;
	}
	ahci_wr(pr, PxIS, ~0u);
	ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) | CMD_FRE);
	ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) | CMD_ST);
	return 0;
}

static void stop_dma(struct ahci_disk *d)
{
	pci_disable_dma(d->pdev);
}

/* Takes the HBA from the firmware (10.6) and resets it (10.4.3). */
static int hba_reset(volatile uint8_t *abar, char *err, unsigned errlen)
{
	if (ahci_rd(abar, CAP2) & CAP2_BOH) {
		ahci_wr(abar, BOHC, ahci_rd(abar, BOHC) | BOHC_OOS);
		/* The firmware has 25 ms to let go, 2 s if it is busy. */
		wait_reg(abar, BOHC, BOHC_BOS, 0, 2000 * MS);
	}
	ahci_wr(abar, GHC, ahci_rd(abar, GHC) | GHC_AE);
	ahci_wr(abar, GHC, ahci_rd(abar, GHC) | GHC_HR);
	if (!wait_reg(abar, GHC, GHC_HR, 0, 1000 * MS)) {
		fmt(err, errlen, "the AHCI controller stays in reset");
		return -1;
	}
	ahci_wr(abar, GHC, ahci_rd(abar, GHC) | GHC_AE);
	return 0;
}

/* A command of its own through slot 0, waited for up to `ns`, while the
 * engine holds nothing (before it runs, or once it is drained): with buf,
 * one 512-byte block in (IDENTIFY DEVICE); without, no data.  0 when it
 * completed without error. */
static int sync_cmd(struct ahci_disk *d, uint8_t cmd, uint8_t *buf, uint64_t ns)
{
	volatile uint8_t *pr = d->port_regs;
	uint8_t *f = d->ctba[0], *e = d->ctba[0] + AHCI_PRDT_OFF;

	memset(f, 0, AHCI_PRDT_OFF + AHCI_PRD_SIZE);
	f[FIS_TYPE] = FIS_TYPE_REG_H2D;
	f[FIS_FLAGS] = FIS_FLAGS_C;
	f[FIS_COMMAND] = cmd;
	ahci_wr(e, AHCI_PRD_DBA, (uint32_t)(uintptr_t)buf);
	ahci_wr(e, AHCI_PRD_DBAU, (uint32_t)((uint64_t)(uintptr_t)buf >> 32));
	ahci_wr(e, AHCI_PRD_DBC, 511);
	ahci_wr(d->clb, AHCI_CMD_DW0,
		AHCI_CMD_CFL_H2D | (buf ? 1u : 0u) << AHCI_CMD_PRDTL_SHIFT);
	ahci_wr(d->clb, AHCI_CMD_PRDBC, 0);
	ahci_wr(d->clb, AHCI_CMD_CTBA, (uint32_t)(uintptr_t)d->ctba[0]);
	ahci_wr(d->clb, AHCI_CMD_CTBAU,
		(uint32_t)((uint64_t)(uintptr_t)d->ctba[0] >> 32));
	ahci_wr(pr, PxIS, ~0u);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ahci_wr(pr, PxCI, 1);
	uint64_t end = clock_ns() + ns;

	while (ahci_rd(pr, PxCI) & 1) {
		if (ahci_rd(pr, PxIS) & PxIS_ERRORS || clock_ns() > end)
			return -1;
	}
	if (ahci_rd(pr, PxIS) & PxIS_ERRORS)
		return -1;
	return !buf || ahci_rd(d->clb, AHCI_CMD_PRDBC) == 512 ? 0 : -1;
}

static int identify(struct ahci_disk *d, uint8_t *buf)
{
	return sync_cmd(d, ATA_IDENTIFY, buf, AHCI_TIMEOUT_NS);
}

void ahci_shutdown(struct ahci_disk *d)
{
	uint64_t end = clock_ns() + AHCI_LONG_TIMEOUT_NS;

	if (d->dead || !d->clb)
		return;
	/* What the engine still holds ends first (its own timeouts bound
	 * each command; this bounds the whole). */
	while (d->rq_count && !d->dead && clock_ns() < end)
		ahci_io_poll(d);
	bool ok = !d->rq_count && !d->dead
		  && !sync_cmd(d, ATA_FLUSH_EXT, NULL, AHCI_LONG_TIMEOUT_NS)
		  && !sync_cmd(d, ATA_STANDBY_NOW, NULL, AHCI_LONG_TIMEOUT_NS);

	d->dead = true; /* nothing more is taken */
	log_msg("ahci: port %u: %s", d->port,
		ok ? "cache flushed, disk in standby"
		   : "the cache flush or standby failed");
}

static void *dma_pages(size_t n, bool any);

/* The partition t names, from the GPT at LBA 1. */
static int find_partition(struct ahci_disk *d, const struct ahci_target *t,
			  char *err, unsigned errlen)
{
	unsigned pages = GPT_ENTRIES_MAX_BYTES / 4096;
	uint8_t *hdr = dma_pages(1, d->dma64),
		*ent = dma_pages(pages, d->dma64);
	struct gpt_want want = { t->part, t->label, t->guid };
	uint64_t first, count;
	char why[128];
	int r = -1;

	if (!hdr || !ent) {
		fmt(err, errlen, "no pool memory%s to read the GPT",
		    d->dma64 ? "" : " below 4 GiB");
		goto out;
	}
	if (gpt_read_partition(&d->be, BLK_SECTOR, d->id.sectors, &want, hdr,
			       ent, &first, &count, why, sizeof(why)))
		goto bad;
	d->first_lba = first;
	d->be.sectors = count;
	r = 0;
	goto out;
bad:
	fmt(err, errlen, "AHCI port %u: %s", d->port, why);
out:
	if (hdr)
		pool_free_pages(hdr, 1);
	if (ent)
		pool_free_pages(ent, pages);
	return r;
}

/* Memory the HBA reads and writes: below 4 GiB unless it does 64-bit
 * DMA (CAP.S64A). */
static void *dma_pages(size_t n, bool any)
{
	void *p = pool_pages(n, 1);

	if (p && !any && (uint64_t)(uintptr_t)p + n * 4096 > (1ull << 32)) {
		pool_free_pages(p, n);
		return NULL;
	}
	return p;
}

static int port_up(struct ahci_disk *d, uint32_t cap, char *err,
		   unsigned errlen)
{
	volatile uint8_t *pr = d->port_regs;
	bool any = cap & CAP_S64A;

	if (!port_stop(pr, true)) {
		fmt(err, errlen, "AHCI port %u does not stop", d->port);
		return -1;
	}
	/* Command list 1 KiB-aligned, FIS area 256-aligned, tables 128:
	 * a page each. */
	d->clb = dma_pages(1, any);
	d->fis = dma_pages(1, any);
	d->dsm = dma_pages(1, any);
	d->zero = dma_pages(AHCI_ZERO_BYTES / 4096, any);
	for (unsigned s = 0; s < AHCI_SLOTS; s++)
		if (!(d->ctba[s] = dma_pages(1, any)))
			d->clb = NULL;
	if (!d->clb || !d->fis || !d->dsm || !d->zero) {
		fmt(err, errlen, "no pool memory%s for AHCI structures",
		    any ? "" : " below 4 GiB");
		return -1;
	}
	ahci_wr(pr, PxCLB, (uint32_t)(uintptr_t)d->clb);
	ahci_wr(pr, PxCLBU, (uint32_t)((uint64_t)(uintptr_t)d->clb >> 32));
	ahci_wr(pr, PxFB, (uint32_t)(uintptr_t)d->fis);
	ahci_wr(pr, PxFBU, (uint32_t)((uint64_t)(uintptr_t)d->fis >> 32));
	ahci_wr(pr, PxSERR, ~0u);
	ahci_wr(pr, PxIS, ~0u);
	ahci_wr(pr, PxIE, 0); /* polled */
	ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) | CMD_FRE);
	if (cap & CAP_SSS)
		ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) | CMD_SUD);
	/* After the HBA reset the link needs a moment (10.1.2). */
	if (!wait_reg(pr, PxSSTS, 0xf, 3, 1000 * MS)) {
		fmt(err, errlen, "AHCI port %u: no disk (SStatus 0x%x)",
		    d->port, ahci_rd(pr, PxSSTS));
		return -1;
	}
	ahci_wr(pr, PxSERR, ~0u);
	if (!wait_reg(pr, PxTFD, PxTFD_BSY | PxTFD_DRQ, 0, 5000 * MS)
	    && !port_comreset(d)) {
		fmt(err, errlen, "AHCI port %u: the disk stays busy", d->port);
		return -1;
	}
	if (ahci_rd(pr, PxSIG) != SIG_ATA) {
		fmt(err, errlen,
		    "AHCI port %u: not an ATA disk (signature "
		    "0x%08x)",
		    d->port, ahci_rd(pr, PxSIG));
		return -1;
	}
	ahci_wr(pr, PxCMD, ahci_rd(pr, PxCMD) | CMD_ST);
	return 0;
}

/* IDENTIFY DEVICE, checked, into d->id. */
static int identify_disk(struct ahci_disk *d, char *err, unsigned errlen)
{
	char why[96];
	uint8_t *id = dma_pages(1, d->dma64);

	if (!id || identify(d, id)) {
		fmt(err, errlen, "AHCI port %u: IDENTIFY failed", d->port);
		return -1;
	}
	int bad = ata_parse_identify(id, &d->id, why, sizeof(why));

	pool_free_pages(id, 1);
	if (bad) {
		fmt(err, errlen, "AHCI port %u: %s", d->port, why);
		return -1;
	}
	return 0;
}

/* The engine over the identified disk, as the backend. */
static void engine_start(struct ahci_disk *d, const struct ahci_target *t,
			 uint32_t cap)
{
	/* NCQ when both ends have it; the HBA's slots bound the depth
	 * (CAP.NCS, 3.1.1). */
	unsigned slots = ((cap >> 8) & 0x1f) + 1;
	char why[96];

	d->ncq = (cap & CAP_SNCQ) && d->id.ncq_depth > 1;
	d->depth = d->ncq ? (d->id.ncq_depth < slots ? d->id.ncq_depth : slots)
			  : 1;
	d->restart = port_restart;
	d->stop_dma = stop_dma;
	d->clock = clock_ns;
	d->be = (struct blk_backend){
		.name = "ahci",
		.sectors = d->id.sectors,
		.readonly = t->readonly,
		.can_discard = d->id.trim,
		.can_write_zeroes = true,
	};
	memcpy(d->be.serial, d->id.serial, sizeof(d->be.serial));
	ahci_io_init(d);
	if (d->ncq)
		fmt(why, sizeof(why), "NCQ depth %u", d->depth);
	else
		fmt(why, sizeof(why), "one command at a time (no NCQ)");
	log_msg("ahci: port %u: %s, %lu sectors (%lu MiB), serial %s, %s",
		d->port, d->id.model, (unsigned long)d->id.sectors,
		(unsigned long)(d->id.sectors >> 11), d->id.serial, why);
	if (d->id.trim)
		log_msg("ahci: port %u: TRIM, %u range blocks per command",
			d->port, d->id.trim_blocks);
}

int ahci_open(struct ahci_disk *d, const struct ahci_target *t, char *err,
	      unsigned errlen)
{
	const struct pci_dev *p = pci_find_class(0x01, 0x06, 0x01);
	unsigned port = t->port;
	uint32_t cap, pi;

	memset(d, 0, sizeof(*d));
	d->port = port;
	if (!p) {
		fmt(err, errlen, "no AHCI controller (PCI class 01.06.01)");
		return -1;
	}
	if (port > 31) {
		fmt(err, errlen, "AHCI port %u does not exist (0 to 31)", port);
		return -1;
	}
	/* ABAR is BAR5 (2.1.11): the HBA registers, then 0x80 per port. */
	d->abar = pci_map_bar(p, 5, 0x100 + 0x80 * (port + 1), err, errlen);
	if (!d->abar)
		return -1;
	pci_enable_dma(p);
	d->pdev = p;
	if (hba_reset(d->abar, err, errlen))
		return -1;
	cap = ahci_rd(d->abar, CAP);
	pi = ahci_rd(d->abar, PI);
	if (!(pi >> port & 1)) {
		fmt(err, errlen, "AHCI port %u is not implemented (ports 0x%x)",
		    port, pi);
		return -1;
	}
	d->port_regs = d->abar + 0x100 + 0x80 * port;
	if (port_up(d, cap, err, errlen))
		return -1;
	d->dma64 = cap & CAP_S64A;
	if (identify_disk(d, err, errlen))
		return -1;
	engine_start(d, t, cap);
	if (t->part || t->label || t->guid) {
		if (find_partition(d, t, err, errlen))
			return -1;
		log_msg("ahci: port %u: GPT partition at LBA %lu, %lu sectors "
			"(%lu MiB)",
			port, (unsigned long)d->first_lba,
			(unsigned long)d->be.sectors,
			(unsigned long)(d->be.sectors >> 11));
	}
	if (d->be.sectors < MIN_SECTORS) {
		fmt(err, errlen,
		    "AHCI port %u: %lu sectors is too small a "
		    "disk (at least 1 MiB)",
		    port, (unsigned long)d->be.sectors);
		return -1;
	}
	return 0;
}
