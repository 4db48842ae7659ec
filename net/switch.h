/* The frame switch: one NIC shared by the guest's virtio-net and
 * Plinth's own management stack, each behind a frame port of its own.
 *
 * From the wire: frames for the guest's MAC go to the guest, frames for
 * the management MAC to the management stack, broadcast and multicast to
 * both, anything else nowhere.  To the wire: each side may send only
 * from its own MAC (a guest that forges the management address, or any
 * other, is dropped and counted).  Between the sides nothing crosses
 * inside Plinth unless `internal` is set (mgmt_guest_access = allow):
 * then a frame for the other side's MAC goes to it instead of the wire,
 * and broadcast and multicast go to the wire and to it.  The NIC does not
 * send a frame back to its own port, so without `internal` the guest
 * reaches the management address only the way any host on the network
 * does, through a router outside that sends its frames back (and the
 * token guards the API then as for anyone). */
#ifndef PLINTH_SWITCH_H
#define PLINTH_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/base/counters.h"
#include "net/frame_port.h"

enum { SW_GUEST, SW_MGMT, SW_SIDES };

/* The counters of one side, described once (hv/base/counters.h). */
extern const struct counter_set sw_counters;

struct sw_stats {
	uint64_t in;	   /* frames from the wire delivered to this side */
	uint64_t out;	   /* frames this side sent to the wire */
	uint64_t spoofed;  /* sent from a MAC not its own: dropped */
	uint64_t internal; /* addressed to the other side: dropped, or
			     * delivered when `internal` is set */
	uint64_t busy;	   /* refused while the NIC was full */
};

#define SW_HELD_MAX 512 /* frames the NIC may hold at once, both sides */

struct nswitch {
	struct frame_port *nic;
	struct frame_port side[SW_SIDES];
	uint8_t mac[SW_SIDES][6];
	bool waiting[SW_SIDES]; /* refused; owed a tx_ready */
	struct sw_stats st[SW_SIDES];
	uint64_t unknown; /* from the wire, for neither MAC: dropped */
	/* Whose frames the NIC holds (FP_HELD), oldest first: its releases
	 * come in that order and go back to their side. */
	uint8_t held[SW_HELD_MAX];
	unsigned held_head, held_count;
	bool internal;	    /* the sides may reach each other inside */
	uint8_t copy[2048]; /* a frame gathered for the other side */
};

/* Becomes the NIC port's consumer.  A side whose MAC is NULL is off: it
 * receives nothing and may send nothing. */
void nswitch_init(struct nswitch *s, struct frame_port *nic,
		  const uint8_t guest_mac[6], const uint8_t mgmt_mac[6]);

#endif
