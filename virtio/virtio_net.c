/* virtio-net (virtio 1.2, 5.1) with MAC, STATUS and MTU and no offloads:
 * each buffer carries struct virtio_net_hdr_v1 and one whole frame.
 *
 * Transmit chains are device-readable only; a chain the port cannot take
 * yet is kept (not dropped, not retried in a loop) until the port says it
 * has room.  Receive takes one guest buffer per frame; with none posted,
 * the frame is counted and dropped. */
#include "virtio/virtio_net.h"

#include <stddef.h>
#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "virtio/virtio_net_regs.h"

#define LOG_LIMIT 16 /* unusable buffers logged per direction */

/* A transmit chain's pieces fit what a frame port takes. */
_Static_assert(VQ_MAX_SEGS < FP_MAX_SG, "grow FP_MAX_SG");

static uint32_t max_frame(const struct vnet *n)
{
	return (uint32_t)n->mtu + ETH_HLEN + ETH_VLAN_HLEN;
}

static void tx_error(struct vnet *n, const struct vq_chain *c, const char *why)
{
	log_limited(n->st.tx_errors, LOG_LIMIT, "",
		    "virtio: %s: transmit buffer %u dropped: %s", n->dev.name,
		    c->id, why);
	n->st.tx_errors++;
	n->dev.vq[VNET_TXQ].st.errors++;
}

/* The FIFO of chains the port holds. */
static void held_add(struct vnet *n, const struct vq_chain *c)
{
	unsigned i = (n->held_head + n->held_count++) % VQ_MAX_SIZE;

	n->held[i].id = c->id;
	n->held[i].ndesc = c->ndesc;
}

/* Hands the chain in tx_chain to the port: true if it went (or was bad
 * and was returned), false if the port is still full.
 *
 * The chain is entered as held before tx() is called and taken back
 * when the port did not hold it: a port may release frames from inside
 * tx() (an emulated NIC sends during the tail write), oldest first, and
 * this one must already be in line then. */
static bool tx_one(struct vnet *n)
{
	struct virtq *q = &n->dev.vq[VNET_TXQ];
	const struct vq_chain *c = &n->tx_chain;
	struct vq_span sp[VQ_MAX_SEGS];
	struct fp_sg sg[VQ_MAX_SEGS];
	uint64_t len;
	unsigned k;

	if (c->bad)
		tx_error(n, c, c->bad);
	else if (c->in_bytes)
		tx_error(n, c, "device-writable buffer in a transmit chain");
	else if (c->out_bytes < VNET_HDR_LEN + ETH_HLEN
		 || c->out_bytes - VNET_HDR_LEN > max_frame(n))
		tx_error(n, c, "frame size");
	else {
		bool may_hold = n->port->tx_done
				&& n->held_count + n->held_stale < VQ_MAX_SIZE;
		int r;

		len = c->out_bytes - VNET_HDR_LEN;
		/* The header asks for no offload (none was offered), so it is
		 * skipped unread. */
		k = vq_chain_spans(c, false, VNET_HDR_LEN, len, sp);
		for (unsigned i = 0; i < k; i++)
			sg[i] = (struct fp_sg){ sp[i].p, sp[i].len };
		if (may_hold)
			held_add(n, c);
		r = n->port->tx(n->port, sg, k, (uint32_t)len, may_hold);
		if (may_hold && r != FP_HELD)
			n->held_count--; /* not held after all: the newest */
		if (r == FP_BUSY) {
			n->st.tx_busy++;
			return false;
		}
		n->st.tx_frames++;
		n->st.tx_bytes += len;
		q->st.bytes += len;
		if (r == FP_HELD) {
			n->st.tx_zero_copy++;
			return true; /* used when the port releases it */
		}
	}
	vq_push(q, c->id, c->ndesc, 0);
	return true;
}

/* The port has sent `frames` held frames: their chains are used now.
 * Frames held from before a reset belong to a ring that is gone; the
 * reset completes when the last of them is back. */
static void port_tx_done(void *consumer, unsigned frames)
{
	struct vnet *n = consumer;
	struct virtq *q = &n->dev.vq[VNET_TXQ];
	bool pushed = false;

	while (frames--) {
		if (n->held_stale) {
			if (!--n->held_stale)
				vdev_reset_progress(&n->dev);
			continue;
		}
		if (!n->held_count)
			break; /* released more than it held: nothing to do */
		vq_push(q, n->held[n->held_head].id,
			n->held[n->held_head].ndesc, 0);
		n->held_head = (n->held_head + 1) % VQ_MAX_SIZE;
		n->held_count--;
		pushed = true;
	}
	if (pushed)
		vdev_queue_interrupt(&n->dev, q);
}

static void process_tx(struct vnet *n)
{
	struct virtq *q = &n->dev.vq[VNET_TXQ];
	/* A chain held from an earlier call was refused by the port, and
	 * notifications went off then. */
	bool quiet = n->tx_waiting;

	if (n->processing || !vdev_running(&n->dev))
		return;
	n->processing = true;
	for (;;) {
		if (!n->tx_waiting) {
			if (vq_pop(q, &n->tx_chain) <= 0)
				break;
			n->tx_waiting = true;
		}
		if (!tx_one(n)) {
			/* The port calls tx_ready when it has room; until then
			 * the driver's kicks would only cost exits. */
			vq_set_notify(q, false);
			break;
		}
		if (quiet) {
			vq_set_notify(q, true);
			quiet = false;
		}
		n->tx_waiting = false;
	}
	n->processing = false;
	vdev_queue_interrupt(&n->dev, q);
}

static void port_tx_ready(void *consumer)
{
	process_tx(consumer);
}

static void port_rx(void *consumer, const uint8_t *frame, uint32_t len)
{
	struct vnet *n = consumer;
	struct virtq *q = &n->dev.vq[VNET_RXQ];
	struct vq_chain *c = &n->rx_chain;
	uint8_t hdr[VNET_HDR_LEN] = { 0 };
	int r;

	if (!vdev_running(&n->dev) || !q->enabled) {
		n->st.rx_not_ready++;
		return;
	}
	if (len < ETH_HLEN || len > max_frame(n)) {
		n->st.rx_errors++;
		return;
	}
	r = vq_pop(q, c);
	if (r <= 0) {
		n->st.rx_no_buffer++;
		return;
	}
	if (c->bad || c->out_bytes || c->in_bytes < VNET_HDR_LEN + len) {
		/* The buffer goes back empty; the frame is lost. */
		log_limited(n->st.rx_errors, LOG_LIMIT, "",
			    "virtio: %s: receive buffer %u unusable: %s",
			    n->dev.name, c->id,
			    c->bad	   ? c->bad
			    : c->out_bytes ? "device-readable buffer"
					   : "smaller than the frame");
		n->st.rx_errors++;
		q->st.errors++;
		vq_push(q, c->id, c->ndesc, 0);
	} else {
		/* No offload: flags and gso_type 0 (GSO_NONE), one buffer. */
		put_le16(hdr + VIRTIO_NET_HDR_NUM_BUFFERS, 1);
		vq_chain_write(c, 0, hdr, VNET_HDR_LEN);
		n->st.rx_copied += vq_chain_write(c, VNET_HDR_LEN, frame, len);
		vq_push(q, c->id, c->ndesc, VNET_HDR_LEN + len);
		n->st.rx_frames++;
		n->st.rx_bytes += len;
		q->st.bytes += len;
	}
	vdev_queue_interrupt(&n->dev, q);
}

static void port_link(void *consumer, bool up)
{
	struct vnet *n = consumer;

	if (n->link_up == up)
		return;
	n->link_up = up;
	log_msg("virtio: %s: link %s", n->dev.name, up ? "up" : "down");
	vdev_config_changed(&n->dev);
}

static void net_notify(struct vdev *d, unsigned q)
{
	/* Receive buffers are taken when frames arrive. */
	if (q == VNET_TXQ)
		process_tx(d->model);
}

static void net_reset(struct vdev *d)
{
	struct vnet *n = d->model;

	/* A chain refused by the port belongs to the ring that is going
	 * away; the port copied nothing from it.  Frames the port still
	 * sends from the old ring's buffers keep the reset from completing
	 * (device_status reads non-zero) until the port gives them back:
	 * after the reset the driver may reuse those pages, and the NIC
	 * must not be reading them then.  Their chains are not used. */
	n->tx_waiting = false;
	n->held_stale += n->held_count;
	n->held_head = n->held_count = 0;
}

static unsigned net_in_flight(struct vdev *d)
{
	return ((struct vnet *)d->model)->held_stale;
}

static void net_driver_ok(struct vdev *d)
{
	process_tx(d->model);
}

/* 5.1.4: mac, status, max_virtqueue_pairs, mtu. */
static uint32_t net_cfg_read(struct vdev *d, uint32_t off, unsigned size)
{
	const struct vnet *n = d->model;
	uint8_t c[VIRTIO_NET_CFG_SIZE];
	uint32_t v = 0;

	memcpy(c + VIRTIO_NET_CFG_MAC, n->mac, 6);
	put_le16(c + VIRTIO_NET_CFG_STATUS,
		 n->link_up ? VIRTIO_NET_S_LINK_UP : 0);
	put_le16(c + VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1);
	put_le16(c + VIRTIO_NET_CFG_MTU, n->mtu);
	if (off < sizeof(c) && size <= sizeof(c) - off)
		memcpy(&v, c + off, size);
	return v;
}

void vnet_print_stats(const struct vnet *n)
{
	char head[32];

	fmt(head, sizeof(head), "virtio: %s", n->dev.name);
	counters_log(head, &vnet_counters, &n->st);
}

static const struct vdev_ops net_ops = {
	.reset = net_reset,
	.in_flight = net_in_flight,
	.notify = net_notify,
	.driver_ok = net_driver_ok,
	.cfg_read = net_cfg_read,
};

void vnet_init(struct vnet *n, struct vpci_fn *f, struct frame_port *port,
	       const uint8_t mac[6], uint16_t mtu, const char *name,
	       uint64_t bar_addr, const struct gmem *gm)
{
	memset(n, 0, sizeof(*n));
	n->port = port;
	memcpy(n->mac, mac, 6);
	n->mtu = mtu;
	n->link_up = port->link_up;
	port->rx = port_rx;
	port->tx_ready = port_tx_ready;
	port->tx_done = port_tx_done;
	port->link_changed = port_link;
	port->consumer = n;
	vdev_init(&n->dev, f, VIRTIO_ID_NET, name, &net_ops, n,
		  1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS
			  | 1ull << VIRTIO_NET_F_MTU,
		  2, VQ_MAX_SIZE, bar_addr, gm);
	/* Its buffers wait for frames from the port, which the I/O core
	 * polls anyway. */
	n->dev.vq[VNET_RXQ].receive = true;
}
