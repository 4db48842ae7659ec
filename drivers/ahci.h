/* Plinth's AHCI driver (Serial ATA AHCI 1.3.1): one SATA disk, or one
 * partition of it, on one port of the first AHCI controller, as an
 * asynchronous struct blk_backend.
 *
 * Reads and writes go to the disk as READ/WRITE FPDMA QUEUED (NCQ, up to
 * 32 at once) when the HBA and the disk both support it, else as READ/
 * WRITE DMA EXT one at a time; the PRDT points straight at the request's
 * host-physical ranges, so nothing is copied.  FLUSH CACHE EXT and DATA
 * SET MANAGEMENT (TRIM, when the disk offers it) are non-queued: they wait
 * for the queue to drain and hold it while they run.  Write-zeroes is a
 * write whose PRDT repeats one zeroed buffer.
 *
 * Completions are polled (no interrupts).  What the HBA writes back is
 * checked before it is believed: only slots the driver issued are looked
 * at, the byte count must be what was asked for, IDENTIFY data must make
 * sense.  On an error or a command that takes longer than
 * AHCI_TIMEOUT_NS the port is stopped, reset if it stays busy, started
 * again, and the commands that were in flight are retried once each, one
 * at a time; a command that fails its retry fails its request (IOERR) and
 * the rest go on. */
#ifndef PLINTH_AHCI_H
#define PLINTH_AHCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ata.h"
#include "drivers/disk_rq.h"
#include "hv/base/counters.h"
#include "virtio/blk_backend.h"

#define AHCI_SLOTS 32
#define AHCI_PRDT_OFF 0x80
#define AHCI_PRDT_MAX 248	/* 0x80 + 248 * 16 bytes: one page per slot */
#define AHCI_PRD_MAX (4u << 20) /* bytes per PRD entry (4.2.3.3) */
#define AHCI_CMD_SECTORS 65536u /* per READ/WRITE command (count 0) */
#define AHCI_ZERO_BYTES (64u << 10) /* the write-zeroes source buffer */
#define AHCI_TIMEOUT_NS (10ull * 1000000000ull)
/* FLUSH CACHE EXT and a TRIM of up to 16 GiB may take longer on a disk
 * under load (Linux allows 30 s too). */
#define AHCI_LONG_TIMEOUT_NS (30ull * 1000000000ull)
#define AHCI_DSM_BLOCKS ATA_DSM_BLOCKS /* TRIM range blocks per command */
/* Command header (4.2.2): DW0 holds CFL (command FIS length in dwords),
 * W (the device is written) and PRDTL; DW1 PRDBC, the bytes moved. */
#define AHCI_CMD_HDR_SIZE 32
#define AHCI_CMD_DW0 0
#define AHCI_CMD_PRDBC 4
#define AHCI_CMD_CTBA 8
#define AHCI_CMD_CTBAU 12
#define AHCI_CMD_CFL_H2D (FIS_H2D_SIZE / 4)
#define AHCI_CMD_W (1u << 6)
#define AHCI_CMD_PRDTL_SHIFT 16
/* PRD entry (4.2.3.3): data base address, DBC (bytes less one). */
#define AHCI_PRD_SIZE 16
#define AHCI_PRD_DBA 0
#define AHCI_PRD_DBAU 4
#define AHCI_PRD_DBC 12

/* Port registers (3.3), relative to the port's 0x80 bytes. */
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
#define PxSCTL 0x2c
#define PxSERR 0x30
#define PxSACT 0x34
#define PxCI 0x38
/* PxIS bits that mean the command failed (3.3.5): task file error, host
 * bus data and fatal errors, interface fatal error, unknown FIS. */
#define PxIS_ERRORS 0x78000010u
#define PxTFD_ERR 0x01
#define PxTFD_DRQ 0x08
#define PxTFD_BSY 0x80

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_RETRY };

struct ahci_slot {
	enum slot_state state;
	bool queued; /* an NCQ command (PxSACT) */
	bool retried;
	unsigned rq; /* its request, an index into rq[] */
	uint8_t cmd;
	uint64_t lba;
	uint32_t count, bytes;
	/* The header's PRDTL and W as written, kept here: a retry must not
	 * take them back from memory the HBA can write. */
	uint16_t nprd;
	bool write;
	uint64_t started_ns;
};

struct ahci_stats {
	uint64_t commands, ncq_commands, trims;
	uint64_t errors, timeouts, retries, resets, failed_requests;
};

/* The counters above, described once. */
extern const struct counter_set ahci_counters;

struct ahci_disk {
	struct blk_backend be;
	volatile uint8_t *abar;
	volatile uint8_t *port_regs;
	unsigned port;
	uint64_t first_lba; /* the partition's start (0: whole disk) */
	unsigned depth;	    /* commands at once: NCQ depth, or 1 */
	bool ncq;
	bool dma64;	    /* the HBA reaches memory above 4 GiB (S64A) */
	uint8_t *clb, *fis; /* command list, received-FIS area */
	uint8_t *ctba[AHCI_SLOTS]; /* one command table page per slot */
	uint8_t *dsm;		   /* TRIM range blocks, one page */
	uint8_t *zero;		   /* AHCI_ZERO_BYTES of zeros */
	struct ata_identity id;

	struct ahci_slot slot[AHCI_SLOTS];
	struct disk_rq rq[AHCI_SLOTS]; /* requests taken, in any order */
	unsigned rq_count;
	uint64_t next_seq;
	bool restarting; /* inside recovery: issue nothing */
	bool recovering; /* retrying slots one at a time */
	bool dead;	 /* the port would not restart: out of use */
	struct ahci_stats st;
	uint64_t (*clock)(void); /* nanoseconds, for timeouts */
	/* Stops, resets if need be (always with `reset`), and restarts the
	 * port after an error; 0 when it runs again.  In ahci.c; a fake in
	 * the tests. */
	int (*restart)(struct ahci_disk *d, bool reset);
	/* Turns the HBA's bus mastering off, for a port that will not stop:
	 * only then may the buffers it was given go back.  In ahci.c; NULL
	 * in the tests, whose HBA stops when told. */
	void (*stop_dma)(struct ahci_disk *d);
	const struct pci_dev *pdev;
};

/* Finds the controller, resets it, brings up `port` and identifies its
 * disk; with part > 0, only that GPT partition (1-based), or with a label
 * or GUID the partition that has it.  0, or -1 with the reason in err. */
struct ahci_target {
	unsigned port;
	unsigned part;	     /* 1-based number, 0 = by label/GUID/none */
	const char *label;   /* NULL or a partition name */
	const uint8_t *guid; /* NULL or a unique partition GUID */
	bool readonly;
};
int ahci_open(struct ahci_disk *d, const struct ahci_target *t, char *err,
	      unsigned errlen);

/* The orderly end before the machine powers off or reboots: what the
 * engine holds completes, then FLUSH CACHE EXT and STANDBY IMMEDIATE (as
 * an operating system does at shutdown, so that the disk writes its
 * cache and parks on purpose).  Nothing may use the disk afterwards. */
void ahci_shutdown(struct ahci_disk *d);

/* --- ahci_io.c: the request engine, free of anything but memory ------ */

#ifdef AHCI_TEST_HBA
/* The unit tests play the HBA, and with it the registers' write-1-to-set
 * (PxCI, PxSACT) and write-1-to-clear (PxIS, PxSERR) semantics. */
uint32_t ahci_rd(const volatile uint8_t *base, unsigned off);
void ahci_wr(volatile uint8_t *base, unsigned off, uint32_t v);
#else
static inline uint32_t ahci_rd(const volatile uint8_t *base, unsigned off)
{
	return *(const volatile uint32_t *)(base + off);
}

static inline void ahci_wr(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}
#endif

/* Sets up the engine over d's memory (be.submit and be.poll included);
 * the port must be running. */
void ahci_io_init(struct ahci_disk *d);
/* Reaps completions, handles errors and timeouts, issues what waits;
 * the backend's poll(). */
void ahci_io_poll(struct ahci_disk *d);

#endif
