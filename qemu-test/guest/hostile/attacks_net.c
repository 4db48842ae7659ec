/* virtio-net: transmit chains that parse but are wrong (or legal corner
 * cases), receive buffers the device cannot use, a receive queue that
 * loops or was never set up; frames arrive as answers to ARP requests on
 * QEMU's user network. */
#include <stdio.h>
#include <string.h>

#include "hostile.h"

#define T 500

/* --- virtio-net -------------------------------------------------------- */

static int tx_case(struct ctx *c, int how)
{
	struct dev *d = c->d;
	struct chain ch;
	struct buf f;
	uint32_t len = 0;
	bool good = false;

	if (std_setup(c))
		return -1;
	ch_init(&ch);
	switch (how) {
	case 0: /* header of 8 bytes, nothing else */
	case 1: /* header only */
		f = net_frame(d, 0);
		ch_buf(&ch, f, 0);
		ch.s[0].len = how ? NET_HDR : 8;
		break;
	case 2: { /* a header asking for offloads nobody offered */
		f = net_frame(d, 60);
		uint8_t h[NET_HDR] = { 1,    1,	   0xff, 0xff, 1,    0,
				       0xf0, 0xff, 0xff, 0xff, 0xff, 0xff };

		memcpy(f.va, h, NET_HDR);
		ch_buf(&ch, f, 0);
		submit(d, 1, &ch);
		return wait_any(c, 0, 3000);
	}
	case 3: /* a 13-byte frame */
		f = net_frame(d, 13);
		ch_buf(&ch, f, 0);
		break;
	case 4: /* over the MTU */
		f = net_frame(d, d->mtu + 14 + 4 + 1);
		ch_buf(&ch, f, 0);
		break;
	case 5: /* 64 KiB */
		f = net_frame(d, 65536);
		ch_buf(&ch, f, 0);
		break;
	case 6: /* the largest legal frame: MTU + Ethernet + VLAN headers */
		f = net_frame(d, d->mtu + 14 + 4);
		ch_buf(&ch, f, 0);
		good = true;
		break;
	case 7: /* a device-writable buffer in the middle */
		f = net_frame(d, 60);
		ch_buf(&ch, f, 0);
		ch.s[0].len = NET_HDR + 30;
		ch_add(&ch, f.pa + NET_HDR + 30, 30, D_WRITE);
		break;
	case 8: /* all writable */
		f = net_frame(d, 60);
		ch_add(&ch, f.pa, NET_HDR + 60, D_WRITE);
		break;
	case 9: /* header in one-byte pieces, the frame in two-byte ones
		   (42 descriptors, within the ring) */
		f = net_frame(d, 60);
		protect(f.va, f.len);
		for (uint32_t i = 0; i < NET_HDR; i++)
			ch_add(&ch, f.pa + i, 1, 0);
		for (uint32_t i = 0; i < 60; i += 2)
			ch_add(&ch, f.pa + NET_HDR + i, 2, 0);
		good = true;
		break;
	case 11: /* 130 pieces, all the device takes: a 1290-byte frame */
		f = net_frame(d, 1290);
		protect(f.va, f.len);
		ch_add(&ch, f.pa, NET_HDR, 0);
		for (uint32_t i = 0; i < 129; i++)
			ch_add(&ch, f.pa + NET_HDR + 10 * i, 10, 0);
		{
			struct buf t = indirect_table(d, ch.s, ch.n, true);

			ch_init(&ch);
			ch_add(&ch, t.pa, t.len, D_INDIRECT);
		}
		good = true;
		break;
	case 10: /* a forged source MAC */
		f = net_frame(d, 60);
		f.va[NET_HDR + 6] ^= 0x5a;
		ch_buf(&ch, f, 0);
		submit(d, 1, &ch);
		return wait_any(c, 0, 3000);
	}
	/* A frame that must not be sent says so: the QEMU test looks for
	 * the mark in what crossed the wire. */
	if (!good && f.len >= NET_HDR + 22) {
		memcpy(f.va + NET_HDR + 14, "REFUSED!", 8);
		reprotect(f.va, f.len);
	}
	uint16_t id = submit(d, 1, &ch);

	if (!good)
		return expect_tx_refused(c, id, T);
	if (!wait_used(d, 1, id, &len, 3000))
		return fail(c, "a legal frame never came back used");
	return 0;
}
static int a_tx_hdr_short(struct ctx *c)
{
	return tx_case(c, 0);
}
static int a_tx_hdr_only(struct ctx *c)
{
	return tx_case(c, 1);
}
static int a_tx_hdr_offloads(struct ctx *c)
{
	return tx_case(c, 2);
}
static int a_tx_frame_13(struct ctx *c)
{
	return tx_case(c, 3);
}
static int a_tx_over_mtu(struct ctx *c)
{
	return tx_case(c, 4);
}
static int a_tx_64k(struct ctx *c)
{
	return tx_case(c, 5);
}
static int a_tx_max(struct ctx *c)
{
	return tx_case(c, 6);
}
static int a_tx_writable(struct ctx *c)
{
	return tx_case(c, 7);
}
static int a_tx_all_writable(struct ctx *c)
{
	return tx_case(c, 8);
}
static int a_tx_pieces(struct ctx *c)
{
	return tx_case(c, 9);
}
static int a_tx_130_pieces(struct ctx *c)
{
	return tx_case(c, 11);
}

/* Sixty of those at once: more NIC descriptors than its ring has. */
static int a_tx_130_pieces_flood(struct ctx *c)
{
	struct dev *d = c->d;
	uint16_t id[60];
	struct buf f;

	if (std_setup(c))
		return -1;
	f = net_frame(d, 1290);
	protect(f.va, f.len);
	for (int k = 0; k < 60; k++) {
		struct chain ch;

		ch_init(&ch);
		ch_add(&ch, f.pa, NET_HDR, 0);
		for (uint32_t i = 0; i < 129; i++)
			ch_add(&ch, f.pa + NET_HDR + 10 * i, 10, 0);
		struct buf t = indirect_table(d, ch.s, ch.n, true);

		ch_init(&ch);
		ch_add(&ch, t.pa, t.len, D_INDIRECT);
		id[k] = post(d, 1, &ch);
	}
	kick(d, 1);
	for (int k = 0; k < 60; k++)
		if (!wait_used(d, 1, id[k], NULL, 5000))
			return fail(c, "frame %d of 60 never came back used",
				    k);
	return 0;
}

static int a_tx_forged_mac(struct ctx *c)
{
	return tx_case(c, 10);
}

/* An ARP request for the user network's router (10.0.2.2): its answer is
 * a frame for our MAC, which the device has to receive. */
static int arp_request(struct ctx *c)
{
	struct dev *d = c->d;
	struct buf f = net_frame(d, 60);
	uint8_t *e = f.va + NET_HDR;
	static const uint8_t arp[] = { 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1 };
	static const uint8_t ips[] = { 10, 0, 2, 15 }, ipt[] = { 10, 0, 2, 2 };
	struct chain ch;

	memset(e + 12, 0, 48);
	memcpy(e + 12, arp, sizeof(arp));
	memcpy(e + 22, d->mac, 6);
	memcpy(e + 28, ips, 4);
	memcpy(e + 38, ipt, 4);
	ch_init(&ch);
	ch_buf(&ch, f, 0);
	if (!wait_used(d, 1, submit(d, 1, &ch), NULL, 3000))
		return fail(c, "an ARP request never came back used");
	return 0;
}

/* Posts a receive buffer and asks for a frame: 1 and the used length
 * if one came, 0 if none did. */
static int rx_one(struct ctx *c, struct chain *ch, uint32_t *len)
{
	uint16_t id = post(c->d, 0, ch);

	kick(c->d, 0);
	for (int tries = 0; tries < 3; tries++) {
		if (arp_request(c))
			return -1;
		if (wait_used(c->d, 0, id, len, 700))
			return 1;
	}
	return 0;
}

static int rx_good(struct ctx *c)
{
	struct buf b = alloc_buf(NET_HDR + 1514);
	struct chain ch;
	uint32_t len = 0;
	int r;

	ch_init(&ch);
	ch_add(&ch, b.pa, NET_HDR, D_WRITE);
	ch_add(&ch, b.pa + NET_HDR, 1514, D_WRITE);
	r = rx_one(c, &ch, &len);
	if (r < 0)
		return -1;
	if (!r)
		return fail(c, "no frame arrived in a good receive buffer");
	if (len < NET_HDR + 42 || b.va[NET_HDR + 12] != 0x08
	    || b.va[NET_HDR + 13] != 0x06
	    || memcmp(b.va + NET_HDR, c->d->mac, 6))
		return fail(c, "received %u bytes, not the ARP reply", len);
	return 0;
}

static int rx_case(struct ctx *c, int how)
{
	struct setup s = { 0 };
	struct chain ch;
	struct buf b;
	uint32_t len = 0;

	if (how == 4)
		s.skip_q[0] = true;
	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up failed");
	if (how == 4) {
		/* Frames arrive for a receive queue never set up. */
		for (int i = 0; i < 3; i++)
			if (arp_request(c))
				return -1;
		pause_us(300000);
		return 0;
	}
	if (how == 3)
		return rx_good(c);
	ch_init(&ch);
	switch (how) {
	case 0: /* too small for the frame */
		b = alloc_buf(NET_HDR + 8);
		ch_add(&ch, b.pa, b.len, D_WRITE);
		break;
	case 1: /* device-readable */
		b = alloc_buf(NET_HDR + 1514);
		ch_buf(&ch, b, 0);
		break;
	case 2: /* outside RAM */
		b = (struct buf){ 0 };
		ch_add(&ch, 0x4000000000ull, 1526, D_WRITE);
		break;
	case 5: /* smaller than the header */
		b = alloc_buf(6);
		ch_add(&ch, b.pa, 6, D_WRITE);
		break;
	case 6: /* straddles the end of RAM */
		b = (struct buf){ 0 };
		ch_add(&ch, ram_top - 100, 1526, D_WRITE);
		break;
	}
	int r = rx_one(c, &ch, &len);

	if (r < 0)
		return -1;
	if (r && len)
		return fail(c,
			    "an unusable receive buffer came back with %u "
			    "bytes",
			    len);
	if (b.va)
		for (uint32_t i = 0; i < b.len; i++)
			if (b.va[i] != PATTERN && (how != 1))
				return fail(c, "an unusable receive buffer was "
					       "written");
	/* The next good buffer gets the next frame. */
	return rx_good(c);
}
/* A receive chain that loops: found only when a frame arrives (from the
 * run loop's poll, not a notification).  Transmit must still work; a
 * reset brings receive back. */
static int a_rx_desc_loop(struct ctx *c)
{
	struct dev *d = c->d;
	struct vq *q = &d->q[0];
	struct buf b = alloc_buf(1526);

	if (std_setup(c))
		return -1;
	if (q->packed)
		for (uint16_t i = q->size; i-- > 0;)
			pdesc(q, i, b.pa, 64, 1, D_NEXT | D_WRITE | D_AVAIL);
	else {
		sdesc(q, 0, b.pa, 64, D_NEXT | D_WRITE, 1);
		sdesc(q, 1, b.pa + 64, 64, D_NEXT | D_WRITE, 0);
		split_publish(q, 0);
	}
	/* Frames to find the loop.  A device that sets DEVICE_NEEDS_RESET
	 * for the stalled receive queue stops transmitting too; one that
	 * does not must still transmit. */
	for (int i = 0; i < 2; i++) {
		struct buf f = net_frame(d, 60);
		struct chain ch;

		ch_init(&ch);
		ch_buf(&ch, f, 0);
		f.va[NET_HDR + 12] = 0x08;
		f.va[NET_HDR + 13] = 0x06;
		memcpy(f.va + NET_HDR + 14,
		       (uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
		memcpy(f.va + NET_HDR + 22, d->mac, 6);
		memcpy(f.va + NET_HDR + 28, (uint8_t[]){ 10, 0, 2, 15 }, 4);
		memcpy(f.va + NET_HDR + 38, (uint8_t[]){ 10, 0, 2, 2 }, 4);
		reprotect(f.va, f.len);
		if (!wait_used(d, 1, submit(d, 1, &ch), NULL, 1000)
		    && !(cr8(d, C_STATUS) & S_NEEDS_RESET))
			return fail(c, "transmit stopped, and the device does "
				       "not say it needs a reset");
	}
	pause_us(300000);
	if (dev_setup(d, c->packed, NULL))
		return fail(c, "set-up after the reset failed");
	return rx_good(c);
}

static int a_rx_too_small(struct ctx *c)
{
	return rx_case(c, 0);
}
static int a_rx_readable(struct ctx *c)
{
	return rx_case(c, 1);
}
static int a_rx_outside_ram(struct ctx *c)
{
	return rx_case(c, 2);
}
static int a_rx_legal(struct ctx *c)
{
	return rx_case(c, 3);
}
static int a_rx_no_queue(struct ctx *c)
{
	return rx_case(c, 4);
}
static int a_rx_under_header(struct ctx *c)
{
	return rx_case(c, 5);
}
static int a_rx_straddles(struct ctx *c)
{
	return rx_case(c, 6);
}

#define A(n, f, dv, r, m, x)                                                   \
	{                                                                      \
		n, dv, r, m, x, f                                              \
	}
#define FQ (M_FULL | M_QUICK)
const struct attack attacks_net[] = {
	A("tx-header-8-bytes", a_tx_hdr_short, D_NET, R_BOTH, FQ, X_ALIVE),
	A("tx-header-only", a_tx_hdr_only, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-header-offloads", a_tx_hdr_offloads, D_NET, R_BOTH, M_FULL,
	  X_ALIVE),
	A("tx-frame-13-bytes", a_tx_frame_13, D_NET, R_BOTH, FQ, X_ALIVE),
	A("tx-frame-over-mtu", a_tx_over_mtu, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-frame-64k", a_tx_64k, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-frame-largest-legal", a_tx_max, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-writable-buffer", a_tx_writable, D_NET, R_BOTH, FQ, X_ALIVE),
	A("tx-all-writable", a_tx_all_writable, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-tiny-pieces", a_tx_pieces, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-130-pieces", a_tx_130_pieces, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("tx-130-pieces-flood", a_tx_130_pieces_flood, D_NET, R_BOTH, M_FULL,
	  X_ALIVE),
	A("tx-forged-source-mac", a_tx_forged_mac, D_NET, R_ONE, M_FULL,
	  X_ALIVE),
	A("rx-legal", a_rx_legal, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("rx-buffer-too-small", a_rx_too_small, D_NET, R_BOTH, M_FULL,
	  X_ALIVE),
	A("rx-buffer-under-header", a_rx_under_header, D_NET, R_BOTH, M_FULL,
	  X_ALIVE),
	A("rx-buffer-readable", a_rx_readable, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("rx-buffer-outside-ram", a_rx_outside_ram, D_NET, R_BOTH, M_FULL,
	  X_ALIVE),
	A("rx-buffer-straddles-ram-end", a_rx_straddles, D_NET, R_BOTH, M_FULL,
	  X_ALIVE),
	A("rx-desc-loop", a_rx_desc_loop, D_NET, R_BOTH, M_FULL, X_ALIVE),
	A("rx-queue-not-set-up", a_rx_no_queue, D_NET, R_BOTH, M_FULL, X_ALIVE),
};
const int n_attacks_net = sizeof(attacks_net) / sizeof(attacks_net[0]);
