/* ATA as Plinth speaks it to a SATA disk: the Register Host to Device FIS
 * that carries a command (SATA 3.x, 10.5.5), the commands (ACS-3), what
 * IDENTIFY DEVICE says and the TRIM range format.  Named once for the
 * AHCI driver (ahci.c, ahci_io.c) and its tests. */
#ifndef PLINTH_ATA_H
#define PLINTH_ATA_H

#include <stdbool.h>
#include <stdint.h>

/* Register H2D FIS (SATA 3.x, 10.5.5): byte offsets. */
#define FIS_TYPE 0
#define FIS_FLAGS 1 /* bit 7: C, 3:0: port multiplier port */
#define FIS_COMMAND 2
#define FIS_FEATURE 3 /* feature 7:0 */
#define FIS_LBA_LO 4  /* LBA 7:0, 15:8, 23:16 at 4, 5, 6 */
#define FIS_DEVICE 7
#define FIS_LBA_HI 8	   /* LBA 31:24, 39:32, 47:40 at 8, 9, 10 */
#define FIS_FEATURE_EXP 11 /* feature 15:8 */
#define FIS_COUNT 12	   /* count 7:0 */
#define FIS_COUNT_EXP 13   /* count 15:8 */
#define FIS_ICC 14
#define FIS_CONTROL 15
#define FIS_H2D_SIZE 20

#define FIS_TYPE_REG_H2D 0x27
#define FIS_FLAGS_C 0x80    /* the FIS carries a command */
#define ATA_DEVICE_LBA 0x40 /* device register: LBA addressing */
/* READ/WRITE FPDMA QUEUED (ACS-3, 7.22, 7.68): the sector count goes in
 * FEATURE and the NCQ tag in COUNT bits 7:3. */
#define FIS_NCQ_TAG_SHIFT 3

/* Commands (ACS-3) */
#define ATA_DSM 0x06 /* DATA SET MANAGEMENT */
#define ATA_READ_DMA_EXT 0x25
#define ATA_WRITE_DMA_EXT 0x35
#define ATA_READ_FPDMA 0x60
#define ATA_WRITE_FPDMA 0x61
#define ATA_STANDBY_NOW 0xe0 /* STANDBY IMMEDIATE */
#define ATA_FLUSH_EXT 0xea
#define ATA_IDENTIFY 0xec

/* DATA SET MANAGEMENT (ACS-3, 7.10): the feature bit for TRIM; the
 * count is in 512-byte blocks of range entries (7.10.3.2), 64 per block,
 * each a 48-bit LBA and a 16-bit sector count. */
#define ATA_DSM_TRIM 0x01
#define ATA_TRIM_ENTRIES 64
#define ATA_TRIM_MAX 65535u
/* Range blocks per DSM command Plinth sends, at most. */
#define ATA_DSM_BLOCKS 8

/* What IDENTIFY DEVICE says (ACS-3, 7.12.7), once checked. */
struct ata_identity {
	uint64_t sectors;     /* 48-bit capacity, in 512-byte sectors */
	unsigned ncq_depth;   /* 0: no NCQ */
	bool trim;	      /* DATA SET MANAGEMENT with TRIM */
	unsigned trim_blocks; /* range blocks per DSM command */
	char model[41], serial[21];
};

/* Checks IDENTIFY DEVICE data; 0, or -1 with what is wrong in err. */
int ata_parse_identify(const uint8_t id[512], struct ata_identity *out,
		       char *err, unsigned errlen);

/* Encodes TRIM ranges for [lba, lba + n) into 512-byte blocks at buf, at
 * most `blocks` of them; returns the sectors covered, which may be fewer
 * than n. */
uint64_t ata_trim_ranges(uint8_t *buf, unsigned blocks, uint64_t lba,
			 uint64_t n);

#endif
