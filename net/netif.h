/* Plinth's own IP interface: an lwIP netif over a frame port (the
 * management side of the frame switch). */
#ifndef PLINTH_NETIF_H
#define PLINTH_NETIF_H

#include <stdbool.h>
#include <stdint.h>

#include "net/frame_port.h"

struct netif_stats {
	uint64_t rx_frames, tx_frames;
	uint64_t rx_dropped; /* no pbuf memory, or lwIP refused the frame */
	uint64_t tx_dropped; /* the port was full */
};

/* How the interface gets its address (network byte order). */
struct netif_cfg {
	bool dhcp;
	uint32_t addr, mask, gw;
};

/* Brings the interface up on `port` with `mac`, by DHCP or with the
 * static address.  0, or -1 when lwIP has no memory. */
int plinth_netif_start(struct frame_port *port, const uint8_t mac[6],
		       const struct netif_cfg *c);

/* The address, netmask and gateway in use (network byte order); false
 * while there is none (DHCP has no lease yet). */
bool plinth_netif_addr(uint32_t *addr, uint32_t *mask, uint32_t *gw);
bool plinth_netif_uses_dhcp(void);

const struct netif_stats *plinth_netif_stats(void);
struct netif *plinth_netif(void);

#endif
