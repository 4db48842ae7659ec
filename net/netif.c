/* The lwIP netif over a frame port; see netif.h.  lwIP runs NO_SYS=1 in
 * the run loop's thread of control, so frames go straight from the port's
 * rx callback into ethernet_input, and out of linkoutput straight into
 * the port. */
#include "net/netif.h"

#include <string.h>

#include "hv/base/log.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define MAX_SG 16 /* a longer pbuf chain is flattened first */

static struct netif nif;
static struct frame_port *port;
static struct netif_stats st;
static bool use_dhcp;

static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	struct fp_sg sg[MAX_SG];
	unsigned k = 0;
	struct pbuf *flat = NULL;

	(void)n;
	for (struct pbuf *q = p; q && k < MAX_SG; q = q->next)
		sg[k++] = (struct fp_sg){ q->payload, q->len };
	if (k == MAX_SG && pbuf_clen(p) > MAX_SG) {
		flat = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
		if (!flat) {
			st.tx_dropped++;
			return ERR_MEM;
		}
		sg[0] = (struct fp_sg){ flat->payload, flat->len };
		k = 1;
	}
	/* A full port drops the frame: lwIP's protocols retransmit. */
	int r = port->tx(port, sg, k, p->tot_len, false);

	if (flat)
		pbuf_free(flat);
	if (r == FP_BUSY) {
		st.tx_dropped++;
		return ERR_MEM;
	}
	st.tx_frames++;
	return ERR_OK;
}

static void port_rx(void *consumer, const uint8_t *frame, uint32_t len)
{
	struct pbuf *p;

	(void)consumer;
	if (len > 0xffff
	    || !(p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL))) {
		st.rx_dropped++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	if (nif.input(p, &nif) != ERR_OK) {
		pbuf_free(p);
		st.rx_dropped++;
		return;
	}
	st.rx_frames++;
}

static void port_link(void *consumer, bool up)
{
	(void)consumer;
	if (up)
		netif_set_link_up(&nif);
	else
		netif_set_link_down(&nif);
}

static void status_changed(struct netif *n)
{
	char a[16], m[16], g[16];

	if (use_dhcp && !dhcp_supplied_address(n))
		return;
	ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
	ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
	ip4addr_ntoa_r(netif_ip4_gw(n), g, sizeof(g));
	log_msg("net: address %s, netmask %s, gateway %s (%s)", a, m, g,
		use_dhcp ? "DHCP" : "static");
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 'm';
	n->name[1] = 'g';
	n->hwaddr_len = 6;
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP
		   | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = linkoutput;
	return ERR_OK;
}

int plinth_netif_start(struct frame_port *p, const uint8_t mac[6],
		       const struct netif_cfg *c)
{
	ip4_addr_t a, m, g;

	port = p;
	use_dhcp = c->dhcp;
	ip4_addr_set_u32(&a, c->dhcp ? 0 : c->addr);
	ip4_addr_set_u32(&m, c->dhcp ? 0 : c->mask);
	ip4_addr_set_u32(&g, c->dhcp ? 0 : c->gw);
	if (!netif_add(&nif, &a, &m, &g, NULL, nif_init, ethernet_input))
		return -1;
	memcpy(nif.hwaddr, mac, 6);
	netif_set_status_callback(&nif, status_changed);
	netif_set_default(&nif);
	netif_set_up(&nif);
	p->rx = port_rx;
	p->link_changed = port_link;
	p->consumer = NULL;
	if (p->link_up)
		netif_set_link_up(&nif);
	return c->dhcp && dhcp_start(&nif) != ERR_OK ? -1 : 0;
}

bool plinth_netif_addr(uint32_t *addr, uint32_t *mask, uint32_t *gw)
{
	if (!port || !netif_is_up(&nif)
	    || (use_dhcp && !dhcp_supplied_address(&nif)))
		return false;
	*addr = ip4_addr_get_u32(netif_ip4_addr(&nif));
	*mask = ip4_addr_get_u32(netif_ip4_netmask(&nif));
	*gw = ip4_addr_get_u32(netif_ip4_gw(&nif));
	return true;
}

bool plinth_netif_uses_dhcp(void)
{
	return use_dhcp;
}

const struct netif_stats *plinth_netif_stats(void)
{
	return &st;
}

struct netif *plinth_netif(void)
{
	return &nif;
}
