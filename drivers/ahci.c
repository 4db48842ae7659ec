/* AHCI 1.3.1 host driver; see ahci.h.  Register and structure offsets are
 * the spec's (section 3 for the HBA and port registers, 4.2 for the
 * command list, FIS area and command table). */
#include "drivers/ahci.h"

#include <string.h>

#include "arch/x86/paging.h"
#include "arch/x86/tsc.h"
#include "drivers/pci.h"
#include "hv/fmt.h"
#include "hv/log.h"
#include "hv/pool.h"

/* HBA registers (3.1) */
#define CAP 0x00
#define GHC 0x04
#define PI 0x0c
#define GHC_HR (1u << 0)
#define GHC_AE (1u << 31)
#define CAP_S64A (1u << 31)
#define CAP_SSS (1u << 27)
/* Port registers (3.3), at 0x100 + port * 0x80 */
#define PxCLB 0x00
#define PxCLBU 0x04
#define PxFB 0x08
#define PxFBU 0x0c
#define PxIS 0x10
#define PxIE 0x14
#define PxCMD 0x18
#define PxTFD 0x20
#define PxSIG 0x24
#define PxSSTS 0x28
#define PxSERR 0x30
#define PxCI 0x38
#define CMD_ST (1u << 0)
#define CMD_SUD (1u << 1)
#define CMD_FRE (1u << 4)
#define CMD_FR (1u << 14)
#define CMD_CR (1u << 15)
#define IS_TFES (1u << 30)
#define TFD_ERR 0x01
#define TFD_DRQ 0x08
#define TFD_BSY 0x80
#define SIG_ATA 0x00000101u

/* ATA commands (ACS-3) */
#define ATA_IDENTIFY 0xec
#define ATA_READ_DMA_EXT 0x25
#define ATA_WRITE_DMA_EXT 0x35
#define ATA_FLUSH_EXT 0xea

#define PRDT_OFF 0x80
#define PRDT_MAX 248	/* table of 0x80 + 248 * 16 bytes: one page */
#define PRD_MAX (4u << 20) /* a PRD entry moves at most 4 MiB (4.2.3.3) */
#define MAX_SECTORS 65536  /* per READ/WRITE DMA EXT */
#define CMD_TIMEOUT_NS (10ull * 1000000000ull)

static uint32_t rd(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static void wr(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* Waits until (reg & mask) == want; false after `ns`. */
static bool wait_reg(volatile uint8_t *base, unsigned off, uint32_t mask,
		     uint32_t want, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while ((rd(base, off) & mask) != want)
		if (clock_ns() > end)
			return false;
	return true;
}

/* 10.3.2: a port is idle once ST and FRE are clear and CR and FR follow. */
static bool port_stop(volatile uint8_t *pr)
{
	wr(pr, PxCMD, rd(pr, PxCMD) & ~CMD_ST);
	if (!wait_reg(pr, PxCMD, CMD_CR, 0, 500000000ull))
		return false;
	wr(pr, PxCMD, rd(pr, PxCMD) & ~CMD_FRE);
	return wait_reg(pr, PxCMD, CMD_FR, 0, 500000000ull);
}

/* One command in slot 0, polled to its end.  0, or -1 on an error or a
 * timeout (the port is then stopped and started again). */
static int run_cmd(struct ahci_disk *d, uint8_t cmd, uint64_t lba,
		   uint32_t count, bool write, const struct blk_sg *sg,
		   unsigned nsg, uint64_t bytes)
{
	volatile uint8_t *pr = d->port_regs;
	uint8_t *fis = d->ctba;
	unsigned n = 0;

	memset(d->ctba, 0, PRDT_OFF);
	/* Register H2D FIS (SATA 3.x, 10.5.5). */
	fis[0] = 0x27;
	fis[1] = 0x80; /* C: a command */
	fis[2] = cmd;
	fis[7] = 0x40; /* LBA mode */
	for (unsigned i = 0; i < 3; i++) {
		fis[4 + i] = (uint8_t)(lba >> (8 * i));
		fis[8 + i] = (uint8_t)(lba >> (24 + 8 * i));
	}
	fis[12] = (uint8_t)count;
	fis[13] = (uint8_t)(count >> 8);
	/* PRDT: even byte counts at even addresses, at most 4 MiB each. */
	for (unsigned i = 0; i < nsg; i++) {
		uint64_t a = sg[i].hpa, left = sg[i].len;

		if ((a | left) & 1)
			return -1;
		while (left) {
			uint32_t k = left > PRD_MAX ? PRD_MAX : (uint32_t)left;
			uint8_t *e = d->ctba + PRDT_OFF + 16 * n;

			if (n == PRDT_MAX)
				return -1;
			wr(e, 0, (uint32_t)a);
			wr(e, 4, (uint32_t)(a >> 32));
			wr(e, 8, 0);
			wr(e, 12, k - 1);
			a += k;
			left -= k;
			n++;
		}
	}
	/* Command header 0 (4.2.2): CFL 5 dwords, W, PRDTL. */
	wr(d->clb, 0, 5 | (write ? 1u << 6 : 0) | (uint32_t)n << 16);
	wr(d->clb, 4, 0);
	wr(d->clb, 8, (uint32_t)(uintptr_t)d->ctba);
	wr(d->clb, 12, (uint32_t)((uint64_t)(uintptr_t)d->ctba >> 32));
	wr(pr, PxIS, ~0u);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* tables before CI */
	wr(pr, PxCI, 1);
	uint64_t end = clock_ns() + CMD_TIMEOUT_NS;

	for (;;) {
		uint32_t is = rd(pr, PxIS), tfd = rd(pr, PxTFD);

		if (is & IS_TFES || (tfd & TFD_ERR)) {
			d->errors++;
			log_msg("ahci: port %u: command 0x%02x at LBA %lu failed "
				"(status 0x%02x, error 0x%02x)", d->port, cmd,
				(unsigned long)lba, tfd & 0xff,
				(tfd >> 8) & 0xff);
			goto restart;
		}
		if (!(rd(pr, PxCI) & 1))
			break;
		if (clock_ns() > end) {
			d->timeouts++;
			log_msg("ahci: port %u: command 0x%02x at LBA %lu timed "
				"out", d->port, cmd, (unsigned long)lba);
			goto restart;
		}
	}
	/* The HBA's byte count must be what was asked for (4.2.2 PRDBC). */
	if (rd(d->clb, 4) != bytes) {
		d->errors++;
		log_msg("ahci: port %u: %u bytes moved, %lu expected", d->port,
			rd(d->clb, 4), (unsigned long)bytes);
		return -1;
	}
	d->ios++;
	return 0;
restart:
	/* 6.2.2.1: clear the error by restarting the port. */
	port_stop(pr);
	wr(pr, PxSERR, ~0u);
	wr(pr, PxIS, ~0u);
	wr(pr, PxCMD, rd(pr, PxCMD) | CMD_FRE);
	wr(pr, PxCMD, rd(pr, PxCMD) | CMD_ST);
	return -1;
}

static int ahci_submit(struct blk_backend *be, struct blk_req *r)
{
	struct ahci_disk *d = be->priv;
	int st = BLK_OK;

	if (r->op == BLK_FLUSH) {
		st = run_cmd(d, ATA_FLUSH_EXT, 0, 0, false, NULL, 0, 0);
	} else if (r->op != BLK_READ && r->op != BLK_WRITE) {
		st = -1; /* DISCARD and WRITE_ZEROES are not offered */
	} else if (r->sector > be->sectors
		   || r->nsectors > be->sectors - r->sector
		   || (r->op == BLK_WRITE && be->readonly)) {
		st = -1;
	} else {
		/* Split at the command's sector limit, walking the sg list. */
		uint64_t lba = r->sector, left = r->nsectors;
		unsigned i = 0;
		uint32_t skip = 0;

		while (left && st == 0) {
			struct blk_sg part[PRDT_MAX];
			uint32_t count = left > MAX_SECTORS ? MAX_SECTORS
							    : (uint32_t)left;
			uint64_t want = (uint64_t)count * BLK_SECTOR, got = 0;
			unsigned n = 0;

			while (got < want && i < r->nsg && n < PRDT_MAX) {
				uint64_t k = r->sg[i].len - skip;

				if (k > want - got)
					k = want - got;
				part[n++] = (struct blk_sg){ r->sg[i].hpa + skip,
							     (uint32_t)k };
				got += k;
				skip += (uint32_t)k;
				if (skip == r->sg[i].len) {
					i++;
					skip = 0;
				}
			}
			if (got != want) {
				st = -1;
				break;
			}
			st = run_cmd(d, r->op == BLK_WRITE ? ATA_WRITE_DMA_EXT
							   : ATA_READ_DMA_EXT,
				     lba, count == MAX_SECTORS ? 0 : count,
				     r->op == BLK_WRITE, part, n, want);
			lba += count;
			left -= count;
		}
	}
	r->done(r, st ? BLK_EIO : BLK_OK);
	return 0;
}

/* IDENTIFY strings are byte-swapped words (ACS-3, 7.12.7). */
static void ata_string(const uint8_t *id, unsigned word, unsigned words,
		       char *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < words; i++) {
		out[n++] = (char)id[2 * (word + i) + 1];
		out[n++] = (char)id[2 * (word + i)];
	}
	out[n] = 0;
	for (unsigned i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	while (n && out[n - 1] == ' ')
		out[--n] = 0;
}

int ahci_open(struct ahci_disk *d, unsigned port, bool readonly, char *err,
	      unsigned errlen)
{
	const struct pci_dev *p = pci_find_class(0x01, 0x06, 0x01);
	uint32_t cap, pi;
	uint8_t *id;

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
	wr(d->abar, GHC, rd(d->abar, GHC) | GHC_AE);
	cap = rd(d->abar, CAP);
	pi = rd(d->abar, PI);
	if (port > 31 || !(pi >> port & 1)) {
		fmt(err, errlen, "AHCI port %u is not implemented (ports 0x%x)",
		    port, pi);
		return -1;
	}
	d->port_regs = d->abar + 0x100 + 0x80 * port;
	volatile uint8_t *pr = d->port_regs;

	if (!port_stop(pr)) {
		fmt(err, errlen, "AHCI port %u does not stop", port);
		return -1;
	}
	if (cap & CAP_SSS)
		wr(pr, PxCMD, rd(pr, PxCMD) | CMD_SUD);
	if (!wait_reg(pr, PxSSTS, 0xf, 3, 100000000ull)) {
		fmt(err, errlen, "AHCI port %u: no disk (SStatus 0x%x)", port,
		    rd(pr, PxSSTS));
		return -1;
	}
	if (rd(pr, PxSIG) != SIG_ATA) {
		fmt(err, errlen, "AHCI port %u: not an ATA disk (signature "
		    "0x%08x)", port, rd(pr, PxSIG));
		return -1;
	}
	/* Command list 1 KiB-aligned, FIS area 256-aligned, table 128:
	 * one page each, below 4 GiB unless the HBA does 64-bit. */
	d->clb = pool_pages(1, 1);
	d->fis = pool_pages(1, 1);
	d->ctba = pool_pages(1, 1);
	id = pool_pages(1, 1);
	if (!d->clb || !d->fis || !d->ctba || !id) {
		fmt(err, errlen, "no pool memory for AHCI structures");
		return -1;
	}
	if (!(cap & CAP_S64A) && ((uint64_t)(uintptr_t)d->ctba >> 32
				  || (uint64_t)(uintptr_t)id >> 32)) {
		fmt(err, errlen, "the HBA needs 32-bit DMA addresses");
		return -1;
	}
	wr(pr, PxCLB, (uint32_t)(uintptr_t)d->clb);
	wr(pr, PxCLBU, (uint32_t)((uint64_t)(uintptr_t)d->clb >> 32));
	wr(pr, PxFB, (uint32_t)(uintptr_t)d->fis);
	wr(pr, PxFBU, (uint32_t)((uint64_t)(uintptr_t)d->fis >> 32));
	wr(pr, PxSERR, ~0u);
	wr(pr, PxIS, ~0u);
	wr(pr, PxIE, 0); /* polled */
	wr(pr, PxCMD, rd(pr, PxCMD) | CMD_FRE);
	if (!wait_reg(pr, PxTFD, TFD_BSY | TFD_DRQ, 0, 1000000000ull)) {
		fmt(err, errlen, "AHCI port %u: disk stays busy", port);
		return -1;
	}
	wr(pr, PxCMD, rd(pr, PxCMD) | CMD_ST);

	struct blk_sg sg = { (uint64_t)(uintptr_t)id, 512 };

	if (run_cmd(d, ATA_IDENTIFY, 0, 0, false, &sg, 1, 512)) {
		fmt(err, errlen, "AHCI port %u: IDENTIFY failed", port);
		return -1;
	}
	/* Words 83 bit 10: 48-bit LBA; 100-103 its sector count (ACS-3). */
	uint16_t w83 = (uint16_t)(id[166] | id[167] << 8);
	uint64_t sectors = 0;

	for (int i = 3; i >= 0; i--)
		sectors = sectors << 16 | (uint16_t)(id[200 + 2 * i]
						     | id[201 + 2 * i] << 8);
	if (!(w83 & (1u << 10)) || !sectors || sectors >> 48) {
		fmt(err, errlen, "AHCI port %u: disk without 48-bit LBA or "
		    "with a nonsense size", port);
		return -1;
	}
	char serial[21];

	ata_string(id, 27, 20, d->model);
	ata_string(id, 10, 10, serial);
	d->be = (struct blk_backend){
		.name = "ahci",
		.sectors = sectors,
		.readonly = readonly,
		.submit = ahci_submit,
		.priv = d,
	};
	memcpy(d->be.serial, serial, sizeof(d->be.serial)); /* no NUL needed */
	pool_free_pages(id, 1);
	log_msg("ahci: port %u: %s, %lu sectors (%lu MiB), serial %s",
		port, d->model, (unsigned long)sectors,
		(unsigned long)(sectors >> 11), serial);
	return 0;
}
