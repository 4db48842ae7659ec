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

/* Brings the interface up on `port` with `mac` and starts DHCP.  0, or -1
 * when lwIP has no memory. */
int plinth_netif_start_dhcp(struct frame_port *port, const uint8_t mac[6]);

/* The address, netmask and gateway DHCP gave (network byte order); false
 * while there is no lease. */
bool plinth_netif_lease(uint32_t *addr, uint32_t *mask, uint32_t *gw);

const struct netif_stats *plinth_netif_stats(void);
struct netif *plinth_netif(void);

#endif
