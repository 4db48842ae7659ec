/* virtio-net (virtio 1.2, 5.1): one receive and one transmit queue over a
 * frame port. */
#ifndef PLINTH_VIRTIO_NET_H
#define PLINTH_VIRTIO_NET_H

#include "net/frame_port.h"
#include "virtio/virtio_net_regs.h"
#include "virtio/virtio_pci.h"

#define VNET_HDR_LEN VIRTIO_NET_HDR_SIZE /* struct virtio_net_hdr (5.1.6) */
#define VNET_RXQ 0
#define VNET_TXQ 1

struct vnet_stats {
	uint64_t tx_frames, tx_bytes, tx_errors, tx_busy;
	uint64_t tx_zero_copy; /* sent from the guest's buffers, uncopied */
	uint64_t rx_frames, rx_bytes, rx_errors;
	uint64_t rx_no_buffer; /* dropped: the guest had posted none */
	uint64_t rx_not_ready; /* dropped: driver not running */
	uint64_t rx_copied;    /* frame bytes copied into the guest's buffers */
};

struct vnet {
	struct vdev dev;
	struct frame_port *port;
	uint8_t mac[6];
	uint16_t mtu;
	bool link_up;
	bool tx_waiting; /* tx_chain waits for the port (back-pressure); TX
		       * notifications are off meanwhile */
	bool processing;
	struct vnet_stats st;
	struct vq_chain tx_chain, rx_chain;
	/* Transmit chains the NIC still reads (FP_HELD), oldest first; they
	 * go to the used ring when the port releases them. */
	struct {
		uint16_t id, ndesc;
	} held[VQ_MAX_SIZE];
	unsigned held_head, held_count;
	unsigned held_stale; /* still held from before a device reset */
};

/* The counters above, described once; and their log line. */
extern const struct counter_set vnet_counters;
void vnet_print_stats(const struct vnet *n);

void vnet_init(struct vnet *n, struct vpci_fn *f, struct frame_port *port,
	       const uint8_t mac[6], uint16_t mtu, const char *name,
	       uint64_t bar_addr, const struct gmem *gm);

#endif
