/* The virtio-pci wire formats (virtio 1.2, 4.1.4), named once for the
 * transport (virtio_pci.c, virtio_pci_common.c), the host tests and the
 * fuzzers.  Offsets are in bytes; every multi-byte field is little-endian
 * (hv/base/byteorder.h). */
#ifndef PLINTH_VIRTIO_REGS_H
#define PLINTH_VIRTIO_REGS_H

/* PCI capability IDs the transport uses (PCI 3.0, appendix H). */
#define PCI_CAP_ID_VNDR 0x09 /* vendor-specific: each virtio capability */
#define PCI_CAP_ID_MSIX 0x11

/* struct virtio_pci_cap (4.1.4): where a structure lives in which BAR. */
#define VIRTIO_PCI_CAP_VNDR 0	  /* u8 cap_vndr: PCI_CAP_ID_VNDR */
#define VIRTIO_PCI_CAP_NEXT 1	  /* u8 cap_next */
#define VIRTIO_PCI_CAP_LEN 2	  /* u8 cap_len: of this capability */
#define VIRTIO_PCI_CAP_CFG_TYPE 3 /* u8 cfg_type: VIRTIO_PCI_CAP_*_CFG */
#define VIRTIO_PCI_CAP_BAR 4	  /* u8 bar */
#define VIRTIO_PCI_CAP_ID 5	  /* u8 id: several of one type */
#define VIRTIO_PCI_CAP_OFFSET 8	  /* le32 offset within the BAR */
#define VIRTIO_PCI_CAP_LENGTH 12  /* le32 length of the structure */
#define VIRTIO_PCI_CAP_SIZE 16
/* struct virtio_pci_notify_cap (4.1.4.4): le32 notify_off_multiplier. */
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16
#define VIRTIO_PCI_NOTIFY_CAP_SIZE 20
/* struct virtio_pci_cfg_cap (4.1.4.9): u8 pci_cfg_data[4], the window. */
#define VIRTIO_PCI_CFG_CAP_DATA 16
#define VIRTIO_PCI_CFG_CAP_SIZE 20

/* cfg_type values (4.1.4) */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* struct virtio_pci_common_cfg (4.1.4.3).  The 64-bit queue addresses may
 * also be accessed as two 32-bit halves, the low one first (4.1.3.1). */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00 /* le32 device_feature_select */
#define VIRTIO_PCI_COMMON_DF 0x04	/* le32 device_feature (RO) */
#define VIRTIO_PCI_COMMON_GFSELECT 0x08 /* le32 driver_feature_select */
#define VIRTIO_PCI_COMMON_GF 0x0c	/* le32 driver_feature */
#define VIRTIO_PCI_COMMON_MSIX 0x10	/* le16 config_msix_vector */
#define VIRTIO_PCI_COMMON_NUMQ 0x12	/* le16 num_queues (RO) */
#define VIRTIO_PCI_COMMON_STATUS 0x14	/* u8 device_status */
#define VIRTIO_PCI_COMMON_CFGGEN 0x15	/* u8 config_generation (RO) */
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16 /* le16 queue_select */
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18	/* le16 queue_size */
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a	/* le16 queue_msix_vector */
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c /* le16 queue_enable */
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e	/* le16 queue_notify_off (RO) */
#define VIRTIO_PCI_COMMON_Q_DESC 0x20	/* le64 queue_desc */
#define VIRTIO_PCI_COMMON_Q_DRIVER 0x28 /* le64 queue_driver */
#define VIRTIO_PCI_COMMON_Q_DEVICE 0x30 /* le64 queue_device */
/* Only with VIRTIO_F_NOTIF_CONFIG_DATA and VIRTIO_F_RING_RESET, which
 * Plinth does not offer: its common configuration ends before them. */
#define VIRTIO_PCI_COMMON_Q_NDATA 0x38 /* le16 queue_notify_data (RO) */
#define VIRTIO_PCI_COMMON_Q_RESET 0x3a /* le16 queue_reset */

/* ISR status bits (4.1.4.5) */
#define VIRTIO_PCI_ISR_QUEUE 1
#define VIRTIO_PCI_ISR_CONFIG 2

/* MSI-X message control (PCI 3.0, 6.8.2.3), at capability + 2, and the
 * table entry's vector control (6.8.2.9). */
#define PCI_MSIX_FLAGS 2
#define PCI_MSIX_TABLE 4 /* le32 table offset | BIR */
#define PCI_MSIX_PBA 8	 /* le32 PBA offset | BIR */
#define PCI_MSIX_CAP_SIZE 12
#define PCI_MSIX_ENABLE 0x8000
#define PCI_MSIX_MASKALL 0x4000
#define PCI_MSIX_ENTRY_MASKED 1

#endif
