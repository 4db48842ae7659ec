/* virtio-net's wire formats (virtio 1.2, 5.1), named once for the device
 * (virtio_net.c), the host tests and the fuzzers.  Offsets are in bytes;
 * multi-byte fields are little-endian (hv/base/byteorder.h). */
#ifndef PLINTH_VIRTIO_NET_REGS_H
#define PLINTH_VIRTIO_NET_REGS_H

/* Feature bits (5.1.3) */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_MQ 22

/* struct virtio_net_config (5.1.4) */
#define VIRTIO_NET_CFG_MAC 0	      /* u8 mac[6] */
#define VIRTIO_NET_CFG_STATUS 6	      /* le16 */
#define VIRTIO_NET_CFG_MAX_VQ_PAIRS 8 /* le16 max_virtqueue_pairs */
#define VIRTIO_NET_CFG_MTU 10	      /* le16 */
/* speed, duplex and the RSS fields follow; Plinth offers none of them,
 * and its configuration ends here. */
#define VIRTIO_NET_CFG_SIZE 12

/* status (5.1.4) */
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_S_ANNOUNCE 2

/* struct virtio_net_hdr (5.1.6), in front of every frame: with VERSION_1
 * it always has num_buffers, 12 bytes. */
#define VIRTIO_NET_HDR_FLAGS 0	      /* u8 */
#define VIRTIO_NET_HDR_GSO_TYPE 1     /* u8 */
#define VIRTIO_NET_HDR_HDR_LEN 2      /* le16 */
#define VIRTIO_NET_HDR_GSO_SIZE 4     /* le16 */
#define VIRTIO_NET_HDR_CSUM_START 6   /* le16 */
#define VIRTIO_NET_HDR_CSUM_OFFSET 8  /* le16 */
#define VIRTIO_NET_HDR_NUM_BUFFERS 10 /* le16 */
#define VIRTIO_NET_HDR_SIZE 12

/* flags and gso_type (5.1.6) */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0

#endif
