/* The NIC behind the guest's virtio-net and Plinth's own IP interface, as
 * plinth.cfg's `nic` names it, with the frame switch in front of it. */
#ifndef PLINTH_NETWORK_H
#define PLINTH_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/x86/msi.h"
#include "hv/config/boot_info.h"
#include "net/switch.h"

/* Opens the NIC once (later calls return the same switch).  The guest
 * side carries cfg.net_mac, the management side cfg.mgmt_mac or else the
 * NIC's own address; both are in the NIC's receive filters, and frames
 * cross between the sides inside only with mgmt_guest_access = allow.
 * NULL when the configuration names no NIC (nic = none, or auto and none
 * found) or on failure, with the reason in err either way. */
struct nswitch *network_open(const struct boot_info *bi, char *err, size_t n);

/* Receives and reclaims on the open NIC, if any; from the run loop.  True
 * if a frame came in or the NIC still has frames to send. */
bool network_poll(void);

/* For a CPU that sleeps on the NIC (drivers/e1000.h, e1000_wake_to and
 * after): the NIC's MSI set up to send m, true if it has one; then before
 * each sleep, arm (true: a frame already waits, do not sleep) and after
 * it, disarm. */
bool network_wake_to(const struct msi_msg *m);
bool network_wake_arm(void);
void network_wake_disarm(void);

/* Waits (briefly) until the NIC reads no consumer's buffers any more,
 * resetting it if it does not finish: before the guest's devices are
 * built anew. */
void network_quiesce(void);

/* Logs the NIC's and the switch's counters, if a NIC is open. */
void network_print_stats(void);

/* The management side's address, once open. */
const uint8_t *network_mgmt_mac(void);

/* The open NIC, for the self-test; NULL if none is open. */
const struct e1000 *network_nic(void);

/* What the management plane shows of the NIC; false if none is open. */
struct nic_status {
	const char *model; /* "82540EM" */
	const char *where; /* its PCI address */
	const uint8_t *mac;
	bool link_up;
};
bool network_status(struct nic_status *st);

#endif
