/* selftest = net: the NIC, the switch and lwIP without a guest. */
#include "hv/selftest/selftest.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "hv/base/log.h"
#include "hv/backend/network.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/udp.h"
#include "drivers/e1000.h"
#include "net/lwip_port.h"
#include "net/netif.h"

#define NET_LEASE_NS (30ull * 1000000000ull)
#define ECHO_COUNT 4
#define ECHO_WAIT_NS (2ull * 1000000000ull)
#define ECHO_ID 0x504c /* "PL" */
#define ECHO_DATA 56
#define BURST_FRAMES 2000
#define BURST_PAYLOAD 1472 /* UDP payload of a 1514-byte frame */
#define BURST_NS (20ull * 1000000000ull)
#define DISCARD_PORT 9 /* RFC 863 */

static int echo_seen; /* the sequence number of the last reply, or -1 */

static u8_t echo_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		      const ip_addr_t *from)
{
	struct icmp_echo_hdr h;
	/* p starts at the IP header (raw_input runs before it is
	 * stripped); its length is in the header's low nibble. */
	uint8_t vhl;

	(void)arg;
	(void)pcb;
	(void)from;
	if (pbuf_copy_partial(p, &vhl, 1, 0) != 1)
		return 0;
	unsigned hl = (vhl & 0xf) * 4u;

	if (pbuf_copy_partial(p, &h, sizeof(h), (u16_t)hl) != sizeof(h)
	    || h.type != ICMP_ER || lwip_ntohs(h.id) != ECHO_ID)
		return 0; /* not ours: lwIP's own ICMP handles it */
	echo_seen = lwip_ntohs(h.seqno);
	pbuf_free(p);
	return 1;
}

static void net_wait(uint64_t until, bool (*done)(void))
{
	while (clock_ns() < until && !done()) {
		network_poll();
		net_poll();
	}
}

static bool have_lease(void)
{
	uint32_t a, m, g;

	return plinth_netif_addr(&a, &m, &g);
}

static int echo_want;

static bool echo_back(void)
{
	return echo_seen == echo_want;
}

/* ICMP echo requests (RFC 792) to `to`; the number answered. */
static int echo(const ip_addr_t *to)
{
	struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
	int answered = 0;
	char a[16];

	ip4addr_ntoa_r(to, a, sizeof(a));
	if (!pcb)
		return 0;
	raw_recv(pcb, echo_recv, NULL);
	for (int seq = 1; seq <= ECHO_COUNT; seq++) {
		struct pbuf *p = pbuf_alloc(
			PBUF_IP, sizeof(struct icmp_echo_hdr) + ECHO_DATA,
			PBUF_RAM);
		if (!p)
			break;
		struct icmp_echo_hdr *h = p->payload;
		uint8_t *d = (uint8_t *)(h + 1);

		h->type = ICMP_ECHO;
		h->code = 0;
		h->id = lwip_htons(ECHO_ID);
		h->seqno = lwip_htons((u16_t)seq);
		for (int i = 0; i < ECHO_DATA; i++)
			d[i] = (uint8_t)(i + seq);
		h->chksum = 0;
		h->chksum = inet_chksum(h, p->len);
		echo_seen = -1;
		echo_want = seq;
		uint64_t t0 = clock_ns();

		raw_sendto(pcb, p, to);
		pbuf_free(p);
		net_wait(t0 + ECHO_WAIT_NS, echo_back);
		if (echo_back()) {
			answered++;
			log_msg("selftest net: echo reply %d from %s in %lu us",
				seq, a,
				(unsigned long)((clock_ns() - t0) / 1000));
		} else {
			log_msg("selftest net: echo request %d to %s: no reply",
				seq, a);
		}
	}
	raw_remove(pcb);
	return answered;
}

/* Full-size UDP datagrams to the router's discard port, as fast as the
 * NIC takes them, until it has sent them all: the frame rate of lwIP,
 * the switch and the driver together, which guest network throughput
 * is measured against.  A full ring is waited out, not counted. */
static void burst(const ip_addr_t *to)
{
	const struct e1000 *nic = network_nic();
	struct udp_pcb *pcb = udp_new();
	unsigned sent = 0, refused = 0;

	if (!pcb || !nic)
		return;
	uint64_t t0 = clock_ns();

	while (sent < BURST_FRAMES && clock_ns() < t0 + BURST_NS) {
		struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, BURST_PAYLOAD,
					    PBUF_RAM);

		if (!p)
			break;
		memset(p->payload, 0x5a, BURST_PAYLOAD);
		if (udp_sendto(pcb, p, to, DISCARD_PORT) == ERR_OK) {
			sent++;
		} else {
			refused++;
			network_poll();
		}
		pbuf_free(p);
	}
	while (nic->tx_clean != nic->tx_tail && clock_ns() < t0 + BURST_NS)
		network_poll();
	uint64_t ns = clock_ns() - t0;

	udp_remove(pcb);
	if (!ns)
		ns = 1;
	log_msg("selftest net: burst of %u frames of 1514 bytes in %lu us: "
		"%lu frames/s, %lu Mbit/s (%u waits for a full ring)",
		sent, (unsigned long)(ns / 1000),
		(unsigned long)(sent * 1000000000ull / ns),
		(unsigned long)(sent * 1514ull * 8000ull / ns), refused);
}

/* A DHCP lease on the management address, then echo requests to the
 * router the lease names: frames out and replies back through the
 * driver, the switch and lwIP; then a burst for the frame rate. */
int selftest_net(const struct boot_info *bi)
{
	char err[160];
	struct nswitch *sw = network_open(bi, err, sizeof(err));
	struct netif_cfg dhcp = { .dhcp = true };
	uint32_t addr, mask, gw;

	if (!sw) {
		log_msg("selftest net: FAILED: %s", err);
		return -1;
	}
	uint64_t t0 = clock_ns();

	if (plinth_netif_start(&sw->side[SW_MGMT], network_mgmt_mac(), &dhcp)) {
		log_msg("selftest net: FAILED: lwIP could not start DHCP");
		return -1;
	}
	net_wait(t0 + NET_LEASE_NS, have_lease);
	if (!plinth_netif_addr(&addr, &mask, &gw)) {
		log_msg("selftest net: FAILED: no DHCP lease in %lu s (link "
			"%s)",
			(unsigned long)(NET_LEASE_NS / 1000000000ull),
			sw->side[SW_MGMT].link_up ? "up" : "down");
		return -1;
	}
	ip_addr_t a, g;
	char as[16], gs[16];

	ip4_addr_set_u32(&a, addr);
	ip4_addr_set_u32(&g, gw);
	ip4addr_ntoa_r(&a, as, sizeof(as));
	ip4addr_ntoa_r(&g, gs, sizeof(gs));
	log_msg("selftest net: DHCP lease %s/%d, router %s, after %lu ms", as,
		__builtin_popcount(mask), gs,
		(unsigned long)((clock_ns() - t0) / 1000000));
	int answered = gw ? echo(&g) : 0;

	if (answered)
		burst(&g);
	const struct netif_stats *ns = plinth_netif_stats();

	log_msg("selftest net: %lu frames sent, %lu received, %lu dropped",
		(unsigned long)ns->tx_frames, (unsigned long)ns->rx_frames,
		(unsigned long)(ns->rx_dropped + ns->tx_dropped));
	network_print_stats();
	if (!answered) {
		log_msg("selftest net: FAILED: the router answered no echo "
			"request");
		return -1;
	}
	log_msg("selftest net: passed");
	return 0;
}
