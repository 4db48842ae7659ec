/* A frame port: how Ethernet frames move between a NIC driver (or a test)
 * and their consumer (virtio-net, the frame switch, lwIP).
 *
 * Transmit: tx() takes a frame as a gather list and either takes it
 * (FP_OK: the buffers may be reused at once), holds it (FP_HELD, only
 * when the consumer passed may_hold: the NIC reads the consumer's buffers
 * itself, and they stay the port's until tx_done() releases them, oldest
 * first), or refuses it (FP_BUSY: the ring is full); after a refusal the
 * port calls tx_ready() once it has room, and the consumer tries again.
 * Nothing is dropped, nobody spins.  Receive and link changes come
 * through the consumer's callbacks.  A gather list has at most FP_MAX_SG
 * pieces. */
#ifndef PLINTH_FRAME_PORT_H
#define PLINTH_FRAME_PORT_H

#include <stdbool.h>
#include <stdint.h>

#define FP_OK 0
#define FP_BUSY 1
#define FP_HELD 2

#define ETH_HLEN 14
#define FP_MAX_SG 132
#define ETH_VLAN_HLEN 4

struct fp_sg {
	const uint8_t *p;
	uint32_t len;
};

struct frame_port {
	const char *name;
	bool link_up;
	int (*tx)(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		  uint32_t len, bool may_hold);
	void *priv;

	/* Set by the consumer. */
	void (*rx)(void *consumer, const uint8_t *frame, uint32_t len);
	void (*tx_ready)(void *consumer);
	/* `frames` held frames are sent: their buffers are the consumer's
	 * again.  Needed only by consumers that pass may_hold. */
	void (*tx_done)(void *consumer, unsigned frames);
	void (*link_changed)(void *consumer, bool up);
	void *consumer;
};

#endif
