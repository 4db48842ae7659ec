/* The frame switch (net/switch.c) between a fake NIC and two recording
 * consumers: where frames from the wire go, what each side may send, and
 * back-pressure and link changes passed through. */
#include "tests/support/check.h"


#include "net/switch.h"

static const uint8_t GUEST[6] = { 0x02, 0x50, 0x4c, 0x4e, 0x54, 0x01 };
static const uint8_t MGMT[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t OTHER[6] = { 0x52, 0x54, 0x00, 0x99, 0x99, 0x99 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

/* The fake NIC: counts frames sent, can be full. */
static struct frame_port nic;
static int nic_sent, nic_full, nic_holds;
static bool nic_may_hold;
static uint8_t nic_last[64];
/* Where a DMA the sender aimed at its own frame lands while the switch
 * hands the frame on: the NIC reads the pieces after this write. */
static uint8_t *dma_onto;

static int nic_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		  uint32_t len, bool may_hold)
{
	uint32_t at = 0;

	(void)p;
	if (nic_full)
		return FP_BUSY;
	if (dma_onto)
		memcpy(dma_onto, MGMT, 6);
	for (unsigned i = 0; i < n; i++) {
		for (uint32_t k = 0; k < sg[i].len && at + k < sizeof(nic_last);
		     k++)
			nic_last[at + k] = sg[i].p[k];
		at += sg[i].len;
	}
	CHECK(at == len);
	nic_sent++;
	nic_may_hold = may_hold;
	return nic_holds && may_hold ? FP_HELD : FP_OK;
}

/* The consumers. */
struct consumer {
	int frames, ready, link_events, done;
	bool link;
	uint32_t last_len;
	uint8_t head[ETH_HLEN];
};
static struct consumer C[SW_SIDES];
static struct nswitch S;

static void c_rx(void *c, const uint8_t *frame, uint32_t len)
{
	if (dma_onto)
		memcpy(dma_onto, MGMT, 6);
	memcpy(((struct consumer *)c)->head, frame, ETH_HLEN);
	((struct consumer *)c)->frames++;
	((struct consumer *)c)->last_len = len;
}

static void c_ready(void *c)
{
	((struct consumer *)c)->ready++;
}

static void c_done(void *c, unsigned frames)
{
	((struct consumer *)c)->done += (int)frames;
}

static void c_link(void *c, bool up)
{
	((struct consumer *)c)->link_events++;
	((struct consumer *)c)->link = up;
}

static void setup(bool guest, bool mgmt)
{
	memset(&nic, 0, sizeof(nic));
	memset(C, 0, sizeof(C));
	nic.tx = nic_tx;
	nic.link_up = true;
	nic_sent = nic_full = nic_holds = 0;
	dma_onto = NULL;
	nswitch_init(&S, &nic, guest ? GUEST : NULL, mgmt ? MGMT : NULL);
	for (unsigned i = 0; i < SW_SIDES; i++) {
		S.side[i].rx = c_rx;
		S.side[i].tx_ready = c_ready;
		S.side[i].link_changed = c_link;
		S.side[i].tx_done = c_done;
		S.side[i].consumer = &C[i];
	}
}

static void wire(const uint8_t dst[6], const uint8_t src[6], uint32_t len)
{
	uint8_t f[64] = { 0 };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	nic.rx(nic.consumer, f, len);
}

static int send_held(unsigned side, const uint8_t dst[6],
		     const uint8_t src[6], bool may_hold);

static int send_from(unsigned side, const uint8_t dst[6],
		     const uint8_t src[6])
{
	return send_held(side, dst, src, false);
}

static int send_held(unsigned side, const uint8_t dst[6],
		     const uint8_t src[6], bool may_hold)
{
	uint8_t f[60] = { 0 };
	/* The header split across pieces: the switch must gather it. */
	struct fp_sg sg[3] = { { f, 4 }, { f + 4, 5 }, { f + 9, 51 } };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	return S.side[side].tx(&S.side[side], sg, 3, 60, may_hold);
}

static void unicast_from_the_wire_goes_to_its_owner_only(void)
{
	setup(true, true);
	wire(GUEST, OTHER, 60);
	CHECK(C[SW_GUEST].frames == 1 && C[SW_MGMT].frames == 0);
	wire(MGMT, OTHER, 61);
	CHECK(C[SW_GUEST].frames == 1 && C[SW_MGMT].frames == 1);
	CHECK(C[SW_MGMT].last_len == 61);
	wire(OTHER, GUEST, 60);
	CHECK(C[SW_GUEST].frames == 1 && C[SW_MGMT].frames == 1);
	CHECK(S.unknown == 1);
	wire(GUEST, OTHER, 13); /* shorter than a header */
	CHECK(C[SW_GUEST].frames == 1);
}

static void broadcast_and_multicast_go_to_both(void)
{
	setup(true, true);
	wire(BCAST, OTHER, 60);
	wire(MCAST, OTHER, 60);
	CHECK(C[SW_GUEST].frames == 2 && C[SW_MGMT].frames == 2);
	/* A side that is off gets nothing, not even broadcast. */
	setup(true, false);
	wire(BCAST, OTHER, 60);
	wire(MGMT, OTHER, 60);
	CHECK(C[SW_GUEST].frames == 1 && C[SW_MGMT].frames == 0);
}

static void each_side_sends_only_from_its_own_mac(void)
{
	setup(true, true);
	CHECK(send_from(SW_GUEST, OTHER, GUEST) == FP_OK);
	CHECK(nic_sent == 1 && !memcmp(nic_last + 6, GUEST, 6));
	CHECK(send_from(SW_MGMT, BCAST, MGMT) == FP_OK);
	CHECK(nic_sent == 2);
	/* The guest forging the management address, or any other. */
	CHECK(send_from(SW_GUEST, OTHER, MGMT) == FP_OK);
	CHECK(send_from(SW_GUEST, OTHER, OTHER) == FP_OK);
	CHECK(send_from(SW_MGMT, OTHER, GUEST) == FP_OK);
	CHECK(nic_sent == 2);
	CHECK(S.st[SW_GUEST].spoofed == 2 && S.st[SW_MGMT].spoofed == 1);
	CHECK(S.st[SW_GUEST].out == 1 && S.st[SW_MGMT].out == 1);
}

static void nothing_crosses_between_the_sides_inside(void)
{
	setup(true, true);
	CHECK(send_from(SW_GUEST, MGMT, GUEST) == FP_OK);
	CHECK(send_from(SW_MGMT, GUEST, MGMT) == FP_OK);
	CHECK(nic_sent == 0);
	CHECK(C[SW_GUEST].frames == 0 && C[SW_MGMT].frames == 0);
	CHECK(S.st[SW_GUEST].internal == 1 && S.st[SW_MGMT].internal == 1);
}

static void off_side_cannot_send(void)
{
	setup(true, false);
	CHECK(S.side[SW_MGMT].tx == NULL);
	CHECK(S.side[SW_GUEST].tx != NULL);
	/* With the management side off, its MAC is no one's. */
	CHECK(send_from(SW_GUEST, MGMT, GUEST) == FP_OK);
	CHECK(nic_sent == 1);
}

static void busy_nic_is_passed_back_and_the_waiter_woken(void)
{
	setup(true, true);
	nic_full = 1;
	CHECK(send_from(SW_GUEST, OTHER, GUEST) == FP_BUSY);
	CHECK(S.st[SW_GUEST].busy == 1);
	nic_full = 0;
	nic.tx_ready(nic.consumer);
	CHECK(C[SW_GUEST].ready == 1 && C[SW_MGMT].ready == 0);
	nic.tx_ready(nic.consumer); /* owed once */
	CHECK(C[SW_GUEST].ready == 1);
}

static void held_frames_go_back_to_their_side_in_order(void)
{
	setup(true, true);
	nic_holds = 1;
	CHECK(send_held(SW_GUEST, OTHER, GUEST, true) == FP_HELD);
	CHECK(nic_may_hold);
	CHECK(send_held(SW_MGMT, OTHER, MGMT, true) == FP_HELD);
	CHECK(send_held(SW_GUEST, OTHER, GUEST, true) == FP_HELD);
	/* A side that does not allow holding is never held. */
	CHECK(send_held(SW_GUEST, OTHER, GUEST, false) == FP_OK);
	CHECK(!nic_may_hold);
	CHECK(S.held_count == 3);
	nic.tx_done(nic.consumer, 1);
	CHECK(C[SW_GUEST].done == 1 && C[SW_MGMT].done == 0);
	nic.tx_done(nic.consumer, 2);
	CHECK(C[SW_GUEST].done == 2 && C[SW_MGMT].done == 1);
	/* A NIC that releases more than it held moves nothing more. */
	nic.tx_done(nic.consumer, 4);
	CHECK(C[SW_GUEST].done == 2 && C[SW_MGMT].done == 1);
	CHECK(S.held_count == 0);
	/* Dropped frames were never held. */
	CHECK(send_held(SW_GUEST, OTHER, MGMT, true) == FP_OK);
	CHECK(S.held_count == 0);
}

static void with_internal_access_the_sides_reach_each_other(void)
{
	setup(true, true);
	S.internal = true;
	/* Unicast to the other side: delivered inside, not to the wire. */
	CHECK(send_from(SW_GUEST, MGMT, GUEST) == FP_OK);
	CHECK(C[SW_MGMT].frames == 1 && C[SW_MGMT].last_len == 60);
	CHECK(nic_sent == 0);
	CHECK(send_from(SW_MGMT, GUEST, MGMT) == FP_OK);
	CHECK(C[SW_GUEST].frames == 1 && nic_sent == 0);
	/* Broadcast: the wire and the other side, not back to the sender. */
	CHECK(send_from(SW_GUEST, BCAST, GUEST) == FP_OK);
	CHECK(nic_sent == 1 && C[SW_MGMT].frames == 2);
	CHECK(C[SW_GUEST].frames == 1);
	/* Forged sources stay dropped. */
	CHECK(send_from(SW_GUEST, MGMT, MGMT) == FP_OK);
	CHECK(C[SW_MGMT].frames == 2);
}

static void link_changes_reach_both_sides(void)
{
	setup(true, true);
	CHECK(S.side[SW_GUEST].link_up && S.side[SW_MGMT].link_up);
	nic.link_changed(nic.consumer, false);
	CHECK(!S.side[SW_GUEST].link_up && !S.side[SW_MGMT].link_up);
	CHECK(C[SW_GUEST].link_events == 1 && !C[SW_GUEST].link);
	CHECK(C[SW_MGMT].link_events == 1 && !C[SW_MGMT].link);
}

/* The source MAC is checked on the switch's one copy of the header, and
 * that copy is what goes out: a write to the sender's memory after the
 * check (a DMA the guest aimed at its own frame) changes nothing. */
static void header_checked_is_the_header_sent(void)
{
	uint8_t f[60] = { 0 };
	struct fp_sg sg[3] = { { f, 4 }, { f + 4, 5 }, { f + 9, 51 } };

	setup(true, true);
	memcpy(f, OTHER, 6);
	memcpy(f + 6, GUEST, 6);
	f[20] = 0xab;
	dma_onto = f + 6; /* the source MAC becomes the management one */
	CHECK(S.side[SW_GUEST].tx(&S.side[SW_GUEST], sg, 3, 60, false)
	      == FP_OK);
	CHECK(nic_sent == 1);
	CHECK(!memcmp(nic_last + 6, GUEST, 6));
	CHECK(nic_last[20] == 0xab); /* the payload still by reference */
	/* Held (zero copy) the same. */
	memcpy(f + 6, GUEST, 6);
	nic_holds = 1;
	CHECK(S.side[SW_GUEST].tx(&S.side[SW_GUEST], sg, 3, 60, true)
	      == FP_HELD);
	CHECK(!memcmp(nic_last + 6, GUEST, 6));
	/* Crossing inside to the other side: the checked header too. */
	S.internal = true;
	memcpy(f, MGMT, 6);
	memcpy(f + 6, GUEST, 6);
	CHECK(S.side[SW_GUEST].tx(&S.side[SW_GUEST], sg, 3, 60, false)
	      == FP_OK);
	CHECK(C[SW_MGMT].frames == 1);
	CHECK(!memcmp(C[SW_MGMT].head + 6, GUEST, 6));
}

static void gather_list_longer_than_a_port_takes_is_dropped(void)
{
	static uint8_t f[FP_MAX_SG];
	static struct fp_sg sg[FP_MAX_SG];

	setup(true, true);
	memcpy(f, OTHER, 6);
	memcpy(f + 6, GUEST, 6);
	for (unsigned i = 0; i < FP_MAX_SG; i++)
		sg[i] = (struct fp_sg){ f + i, 1 };
	CHECK(S.side[SW_GUEST].tx(&S.side[SW_GUEST], sg, FP_MAX_SG,
				  FP_MAX_SG, false)
	      == FP_OK);
	CHECK(nic_sent == 0);
	CHECK(S.side[SW_GUEST].tx(&S.side[SW_GUEST], sg, FP_MAX_SG - 1,
				  FP_MAX_SG - 1, false)
	      == FP_OK);
	CHECK(nic_sent == 1);
}

int main(void)
{
	RUN(unicast_from_the_wire_goes_to_its_owner_only);
	RUN(broadcast_and_multicast_go_to_both);
	RUN(each_side_sends_only_from_its_own_mac);
	RUN(nothing_crosses_between_the_sides_inside);
	RUN(off_side_cannot_send);
	RUN(busy_nic_is_passed_back_and_the_waiter_woken);
	RUN(held_frames_go_back_to_their_side_in_order);
	RUN(with_internal_access_the_sides_reach_each_other);
	RUN(link_changes_reach_both_sides);
	RUN(header_checked_is_the_header_sent);
	RUN(gather_list_longer_than_a_port_takes_is_dropped);
	return CHECK_DONE();
}
