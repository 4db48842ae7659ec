/* The frame switch; see switch.h. */
#include "net/switch.h"

#include <string.h>

#include "hv/base/log.h"

static const char *const side_name[SW_SIDES] = { "guest", "management" };

static bool is_on(const struct nswitch *s, unsigned side)
{
	return s->side[side].tx != NULL;
}

static bool group(const uint8_t *mac)
{
	return mac[0] & 1; /* broadcast and multicast (IEEE 802.3, 3.2.3) */
}

/* --- from the wire ------------------------------------------------- */

static void deliver(struct nswitch *s, unsigned side, const uint8_t *frame,
		    uint32_t len)
{
	struct frame_port *p = &s->side[side];

	if (!is_on(s, side) || !p->rx)
		return;
	s->st[side].in++;
	p->rx(p->consumer, frame, len);
}

static void nic_rx(void *consumer, const uint8_t *frame, uint32_t len)
{
	struct nswitch *s = consumer;

	if (len < ETH_HLEN)
		return;
	if (group(frame)) {
		deliver(s, SW_GUEST, frame, len);
		deliver(s, SW_MGMT, frame, len);
		return;
	}
	for (unsigned i = 0; i < SW_SIDES; i++)
		if (is_on(s, i) && !memcmp(frame, s->mac[i], 6)) {
			deliver(s, i, frame, len);
			return;
		}
	s->unknown++;
}

static void nic_tx_ready(void *consumer)
{
	struct nswitch *s = consumer;

	for (unsigned i = 0; i < SW_SIDES; i++) {
		struct frame_port *p = &s->side[i];

		if (!s->waiting[i])
			continue;
		s->waiting[i] = false;
		if (p->tx_ready)
			p->tx_ready(p->consumer);
	}
}

/* The NIC sent `frames` held frames: each goes back to its side, in
 * runs, oldest first. */
static void nic_tx_done(void *consumer, unsigned frames)
{
	struct nswitch *s = consumer;

	while (frames && s->held_count) {
		unsigned side = s->held[s->held_head], run = 0;

		while (frames && s->held_count
		       && s->held[s->held_head] == side) {
			s->held_head = (s->held_head + 1) % SW_HELD_MAX;
			s->held_count--;
			frames--;
			run++;
		}
		struct frame_port *p = &s->side[side];

		if (p->tx_done)
			p->tx_done(p->consumer, run);
	}
}

static void nic_link(void *consumer, bool up)
{
	struct nswitch *s = consumer;

	for (unsigned i = 0; i < SW_SIDES; i++) {
		struct frame_port *p = &s->side[i];

		p->link_up = up;
		if (is_on(s, i) && p->link_changed)
			p->link_changed(p->consumer, up);
	}
}

/* --- to the wire --------------------------------------------------- */

/* The first n bytes of a gathered frame. */
static void gather_head(const struct fp_sg *sg, unsigned n, uint8_t *out,
			uint32_t want)
{
	uint32_t got = 0;

	for (unsigned i = 0; i < n && got < want; i++) {
		uint32_t k = sg[i].len < want - got ? sg[i].len : want - got;

		memcpy(out + got, sg[i].p, k);
		got += k;
	}
}

/* A frame from one side for the other (or for everyone): counted, and
 * delivered inside when the sides may reach each other. */
static void cross(struct nswitch *s, unsigned to, const struct fp_sg *sg,
		  unsigned n, uint32_t len, bool unicast)
{
	if (unicast)
		s->st[to ^ 1].internal++;
	if (!s->internal || len > sizeof(s->copy))
		return;
	gather_head(sg, n, s->copy, len);
	deliver(s, to, s->copy, len);
}

/* The frame with its Ethernet header taken from `head` (the switch's own
 * copy) and the rest from the sender's pieces; returns the pieces. */
static unsigned with_head(const struct fp_sg *sg, unsigned n,
			  const uint8_t *head, struct fp_sg *out)
{
	uint32_t skip = ETH_HLEN;
	unsigned k = 0;

	out[k++] = (struct fp_sg){ head, ETH_HLEN };
	for (unsigned i = 0; i < n; i++) {
		if (skip >= sg[i].len) {
			skip -= sg[i].len;
			continue;
		}
		out[k++] = (struct fp_sg){ sg[i].p + skip, sg[i].len - skip };
		skip = 0;
	}
	return k;
}

static int side_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	struct nswitch *s = p->priv;
	unsigned side = (unsigned)(p - s->side);
	unsigned other = side ^ 1;
	struct sw_stats *st = &s->st[side];
	uint8_t head[ETH_HLEN];
	struct fp_sg out[FP_MAX_SG];
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += sg[i].len;
	if (len < ETH_HLEN || total != len || n >= FP_MAX_SG)
		return FP_OK; /* the NIC would drop it too */
	/* Read once: the checks, the decision and the frame that goes out
	 * (to the NIC or the other side) all use this copy of the header.
	 * The sender's memory may change meanwhile (a guest can aim a DMA
	 * read at its own frame): a second read could put an unchecked
	 * source MAC on the wire. */
	gather_head(sg, n, head, sizeof(head));
	n = with_head(sg, n, head, out);
	sg = out;
	if (memcmp(head + 6, s->mac[side], 6)) {
		log_limited(st->spoofed++, 8, "",
			    "switch: %s frame from %02x:%02x:%02x:%02x:%02x:"
			    "%02x, not its own MAC: dropped",
			    side_name[side], head[6], head[7], head[8], head[9],
			    head[10], head[11]);
		return FP_OK;
	}
	bool to_other = is_on(s, other) && !memcmp(head, s->mac[other], 6);

	if (to_other || (s->internal && group(head)))
		cross(s, other, sg, n, len, to_other);
	if (to_other)
		return FP_OK;
	/* Entered before the call, as the NIC may release frames from inside
	 * it (see virtio_net.c, tx_one), and taken back if not held. */
	may_hold = may_hold && s->held_count < SW_HELD_MAX;
	if (may_hold)
		s->held[(s->held_head + s->held_count++) % SW_HELD_MAX] =
			(uint8_t)side;
	int r = s->nic->tx(s->nic, sg, n, len, may_hold);

	if (may_hold && r != FP_HELD)
		s->held_count--;
	if (r == FP_BUSY) {
		st->busy++;
		s->waiting[side] = true;
		return FP_BUSY;
	}
	st->out++;
	return r;
}

void nswitch_init(struct nswitch *s, struct frame_port *nic,
		  const uint8_t guest_mac[6], const uint8_t mgmt_mac[6])
{
	const uint8_t *macs[SW_SIDES] = { guest_mac, mgmt_mac };

	memset(s, 0, sizeof(*s));
	s->nic = nic;
	for (unsigned i = 0; i < SW_SIDES; i++) {
		struct frame_port *p = &s->side[i];

		p->name = side_name[i];
		p->link_up = nic->link_up;
		p->priv = s;
		if (macs[i]) {
			memcpy(s->mac[i], macs[i], 6);
			p->tx = side_tx;
		}
	}
	nic->rx = nic_rx;
	nic->tx_ready = nic_tx_ready;
	nic->tx_done = nic_tx_done;
	nic->link_changed = nic_link;
	nic->consumer = s;
}
