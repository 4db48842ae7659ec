/* virtio-blk's wire formats (virtio 1.2, 5.2), named once for the device
 * (virtio_blk.c), the host tests and the fuzzers.  Offsets are in bytes;
 * multi-byte fields are little-endian (hv/base/byteorder.h). */
#ifndef PLINTH_VIRTIO_BLK_REGS_H
#define PLINTH_VIRTIO_BLK_REGS_H

/* Feature bits (5.2.3) */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* struct virtio_blk_config (5.2.4) */
#define VIRTIO_BLK_CFG_CAPACITY 0x00 /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08 /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX 0x0c  /* le32 */
#define VIRTIO_BLK_CFG_GEOMETRY                                                \
	0x10					/* le16 cylinders, u8 heads, u8
					    * sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE 0x14		/* le32 */
#define VIRTIO_BLK_CFG_TOPOLOGY 0x18		/* 8 bytes */
#define VIRTIO_BLK_CFG_WRITEBACK 0x20		/* u8 */
#define VIRTIO_BLK_CFG_NUM_QUEUES 0x22		/* le16 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 0x24 /* le32 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 0x28	/* le32 */
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT 0x2c	/* le32, in sectors */
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 0x30 /* le32 */
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG 0x34     /* le32 */
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 0x38   /* u8 */
/* The secure-erase fields follow; Plinth does not offer it, and its
 * configuration ends here. */
#define VIRTIO_BLK_CFG_SIZE 0x3c

/* struct virtio_blk_req (5.2.6): a header the device reads, data, and a
 * status byte the device writes last. */
#define VIRTIO_BLK_HDR_TYPE 0	  /* le32 type: VIRTIO_BLK_T_* */
#define VIRTIO_BLK_HDR_RESERVED 4 /* le32 */
#define VIRTIO_BLK_HDR_SECTOR 8	  /* le64, for IN and OUT only */
#define VIRTIO_BLK_HDR_SIZE 16

/* Request types (5.2.6) */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

/* Status values (5.2.6) */
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* GET_ID: the serial, up to 20 bytes, NUL-terminated only if shorter. */
#define VIRTIO_BLK_ID_BYTES 20

/* struct virtio_blk_discard_write_zeroes (5.2.6): one per range. */
#define VIRTIO_BLK_SEG_SECTOR 0 /* le64 */
#define VIRTIO_BLK_SEG_NUM 8	/* le32 num_sectors */
#define VIRTIO_BLK_SEG_FLAGS 12 /* le32 */
#define VIRTIO_BLK_SEG_SIZE 16
#define VIRTIO_BLK_WZ_UNMAP 1 /* flags: write-zeroes may unmap */

#endif
