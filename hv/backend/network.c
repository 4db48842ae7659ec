#include "hv/backend/network.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "drivers/e1000.h"
#include "drivers/pci.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/stats.h"

static struct e1000 nic;
static struct nswitch sw;
static bool opened;

static uint8_t mgmt_mac[6];

struct nswitch *network_open(const struct boot_info *bi, char *err, size_t n)
{
	const struct plinth_config *c = &bi->cfg;
	struct pci_dev at = { .bus = c->nic_bus,
			      .dev = c->nic_dev,
			      .fn = c->nic_fn };

	if (opened)
		return &sw;
	if (c->nic == CFG_NIC_NONE) {
		fmt(err, n, "plinth.cfg says nic = none");
		return NULL;
	}
	if (e1000_open(&nic, c->nic == CFG_NIC_PCI ? &at : NULL, err,
		       (unsigned)n))
		return NULL;
	memcpy(mgmt_mac, c->mgmt_mac_set ? c->mgmt_mac : nic.mac, 6);
	if (!memcmp(c->net_mac, mgmt_mac, 6)) {
		fmt(err, n,
		    "net_mac is the management address (%s), which "
		    "Plinth keeps for itself: choose another",
		    c->mgmt_mac_set ? "mgmt_mac" : "the NIC's own");
		return NULL;
	}
	e1000_set_filter(&nic, 1, c->net_mac);
	if (c->mgmt_mac_set)
		e1000_set_filter(&nic, 2, mgmt_mac);
	nswitch_init(&sw, &nic.port, c->net_mac, mgmt_mac);
	sw.internal = c->mgmt_guest_access;
	opened = true;
	stats_add(&e1000_counters, &nic.st, nic.where, "nic=\"%s\"", nic.where);
	for (unsigned i = 0; i < SW_SIDES; i++)
		stats_add(&sw_counters, &sw.st[i], "switch", "side=\"%s\"",
			  sw.side[i].name);
	return &sw;
}

bool network_poll(void)
{
	return opened && e1000_poll(&nic);
}

bool network_wake_to(const struct msi_msg *m)
{
	return opened && e1000_wake_to(&nic, m);
}

bool network_wake_arm(void)
{
	return opened && e1000_wake_arm(&nic);
}

void network_wake_disarm(void)
{
	if (opened)
		e1000_wake_disarm(&nic);
}

void network_quiesce(void)
{
	uint64_t end = clock_ns() + 100000000ull; /* 100 ms */

	if (!opened || nic.dead)
		return;
	while (e1000_tx_held(&nic) && clock_ns() < end)
		e1000_poll(&nic);
	unsigned held = e1000_tx_held(&nic);

	if (!held)
		return;
	log_msg("net: the NIC still sends %u frames from the guest's buffers; "
		"resetting it",
		held);
	e1000_reset(&nic); /* out of use if it fails, its DMA off */
}

void network_print_stats(void)
{
	if (!opened)
		return;
	e1000_print_stats(&nic);
	for (unsigned i = 0; i < SW_SIDES; i++) {
		const struct sw_stats *st = &sw.st[i];

		if (!sw.side[i].tx)
			continue;
		char head[32];

		fmt(head, sizeof(head), "switch: %s side", sw.side[i].name);
		counters_log(head, &sw_counters, st);
	}
	log_msg("switch: %lu frames from the wire for neither MAC",
		(unsigned long)sw.unknown);
}

const uint8_t *network_mgmt_mac(void)
{
	return opened ? mgmt_mac : NULL;
}

const struct e1000 *network_nic(void)
{
	return opened ? &nic : NULL;
}

bool network_status(struct nic_status *st)
{
	if (!opened)
		return false;
	*st = (struct nic_status){ .model = nic.model->name,
				   .where = nic.where,
				   .mac = nic.mac,
				   .link_up = nic.port.link_up };
	return true;
}
