/* libFuzzer target for the guest's whole transmit path with the real code
 * at every step: virtio-net (virtio/virtio_net.c, through the virtio-pci
 * transport) over the frame switch (net/switch.c) over the e1000 rings
 * (drivers/e1000_ring.c), whose NIC is played with plain memory as in
 * tests/unit/test_e1000.c.  The guest drives both queues from the input
 * (as fuzz_virtio_net.c does: buffers posted as a driver posts them, and
 * now and then raw descriptors and bytes), the management side of the
 * switch sends and receives beside it, and the NIC sends, receives,
 * stalls (a reset, as drivers/e1000.c's e1000_poll does it) and loses
 * its link.
 *
 *   make build/fuzz/fuzz_net_path   # sources and flags: fuzz_net_path_*
 *   build/fuzz/fuzz_net_path -max_total_time=60
 *
 * Linked with -Wl,--wrap=vq_push, so the target sees each buffer the
 * device marks used.  Built with gcc, that flag and -DFUZZ_REPLAY, it
 * replays files instead (see fuzz_loader.c for the command line).
 *
 * The one thing between the real pieces: the port virtio-net is given is
 * a pass-through to the switch's guest side that records what crosses
 * it (each call goes on unchanged, each callback comes back unchanged).
 *
 * Guest RAM and compact descriptors: fuzz_common.h; bring-up and BAR
 * accesses: fuzz_vdev.h.  Input layout (little-endian):
 *   bytes 0-1   MTU: 68 + value % 2100
 *   byte 2      bit 0 link up, bit 1 the management side is on
 *   then        a bring-up (fuzz_vdev.h; queue 0 receive, 1 transmit)
 * then operations, one byte each (mod 15) and their arguments:
 *   0  a buffer posted as a driver posts it (when the ring has room):
 *      layout (1: bit 0 transmit queue, bit 1 indirect if negotiated,
 *      bit 2 the other direction, bits 3-4 buffers - 1, bit 5 header in
 *      its own buffer, bit 6 high RAM), frame length (2, mod MTU + 40),
 *      offset (2, low 15 bits), addresses (1: bits 0-1 destination
 *      other, guest, management, broadcast; bits 2-3 source guest,
 *      guest, management, other), seed (1)
 *   1  notify the transmit queue
 *   2  raw compact descriptors into a ring: queue (1), slot after
 *      next_avail (1), count - 1 (1, low 3 bits), the descriptors
 *   3  raw bytes into guest RAM: kind (1), offset (2), count (1), bytes
 *   4  device reset (device_status 0)
 *   5  a bring-up again: bit 0 of (1) on zeroed guest RAM (as a driver
 *      allocates fresh rings), then the bring-up
 *   6  BAR write (fuzz_vdev.h)
 *   7  the NIC sends up to (1) frames' descriptors, in order
 *   8  the NIC receives a frame: destination (1: as in 0), length (2,
 *      mod 2049), seed (1), then the driver's receive poll
 *   9  time passes (1: bit 0 past the hang limit), then the driver's
 *      reclaim (a hang resets the NIC) and receive poll
 *   10 the link goes up or down (1, bit 0)
 *   11 the management side sends: addresses (1, as in 0, its own
 *      source for guest), length (2, mod 1600), seed (1)
 *   12 driver event suppression: queue (1), off_wrap (2), flags (2)
 *   13 the NIC sends all it holds, the driver reclaims
 *   14 the driver reads device_status (a guest polling a reset)
 * At the end the NIC sends everything, the driver reclaims, and the
 * guest notifies the transmit queue, twice over.
 *
 * Invariants checked (abort on violation):
 *   every frame the NIC finds in its transmit descriptors, gathered
 *   from them as it would send it, carries as source the MAC of the
 *   side that sent it (the guest's own for the guest's frames), is the
 *   next frame the switch handed on (the same length and header, and
 *   the same bytes when nothing wrote guest RAM meanwhile), and its
 *   descriptors point only into the driver's buffers, guest RAM or the
 *   management side's frame;
 *   virtio-net hands the switch only chains it accepts: no parse error,
 *   no device-writable buffer, 12 + 14 .. 12 + MTU + 18 bytes, and the
 *   gather list is exactly the chain's bytes after its header;
 *   while the guest has posted only well-formed buffers since its last
 *   bring-up (on zeroed memory, rings apart from each other, buffers
 *   clear of the rings, nothing raw written): each buffer is marked
 *   used exactly once, with the ring slots it took (packed; split: one
 *   used element), and 0 bytes for a transmit one; and once the NIC has
 *   sent everything, every transmit buffer posted to a running device
 *   has been used (and no queue stalled);
 *   device_status never reads 0 after a reset while the NIC may still
 *   read a frame from guest RAM (a descriptor it has not sent pointing
 *   there);
 *   frames from the wire reach the guest only for its MAC or a group
 *   address, the management side only for its MAC or a group address;
 *   the interrupt sinks' checks (fuzz_vdev.h); and ASan over guest RAM,
 *   the rings and the driver's buffers (exact-size allocations).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/e1000.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "net/frame_port.h"
#include "net/switch.h"
#include "virtio/virtio_net.h"

#include "tests/fuzz/fuzz_vdev.h"

#define MAX_OPS 1024
#define NTX E1000_TX_DESCS
#define NRX E1000_RX_DESCS
#define BUF E1000_BUF_SIZE
#define WIRE_MAX 1024 /* frames handed to the NIC and not yet sent */
#define POSTS_MAX 1024
#define HANG_NS (E1000_TX_HANG_NS + 1)

static const uint8_t guest_mac[6] = { 0x02, 0x50, 0x4c, 0x4e, 0x54, 0x01 };
static const uint8_t mgmt_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t other_mac[6] = { 0x52, 0x54, 0x00, 0x99, 0x99, 0x99 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct vpci_fn net_fn;
static struct vnet net;
static struct nswitch sw;
static struct e1000 nic;
static struct frame_port pass; /* what virtio-net is given */
static struct frame_port mgmt; /* the management side's consumer view */
static uint16_t mtu;
static bool mgmt_on;
static uint64_t now;
static bool tracking;  /* only well-formed buffers since the bring-up */
static uint64_t epoch; /* counts writes to guest RAM */

/* --- the NIC's memory and its side ------------------------------------ */

static struct e1000_rx_desc *rxd;
static struct e1000_tx_desc *txd;
static uint8_t *regs, *rx_buf, *tx_buf;
static unsigned nic_head, rx_at;

static uint32_t reg(unsigned off)
{
	uint32_t v;

	memcpy(&v, regs + off, 4);
	return v;
}

/* --- the wire: frames the NIC must find, in order ---------------------- */

struct wire {
	uint8_t bytes[BUF];
	uint32_t len;
	bool from_guest;
	uint64_t epoch; /* guest RAM writes when it was handed on */
	bool clean;	/* no ring over a buffer then: nothing but the
			 * guest writes its buffers */
};

static struct wire *wire; /* WIRE_MAX of them, a ring */
static unsigned w_head, w_count;
static uint8_t mgmt_frame[1600];

/* A frame about to be handed to the switch, as it is at that moment
 * (taken before the call: what the call itself writes to guest RAM, a
 * used element say, comes after the copies the switch and the NIC make
 * of it); expect() keeps it if it reached the NIC. */
static struct wire *about_to_send(const struct fp_sg *sg, unsigned n,
				  uint32_t len, bool from_guest)
{
	struct wire *w = &wire[(w_head + w_count) % WIRE_MAX];
	uint32_t at = 0;

	CHECK(w_count < WIRE_MAX);
	for (unsigned i = 0; i < n && at + sg[i].len <= BUF; i++) {
		memcpy(w->bytes + at, sg[i].p, sg[i].len);
		at += sg[i].len;
	}
	w->len = len;
	w->from_guest = from_guest;
	w->epoch = epoch;
	w->clean = tracking;
	return w;
}

/* The frame went into the NIC's ring (its transmit count moved): it is
 * what the NIC must find after those before it. */
static void expect(const struct wire *w)
{
	CHECK(w == &wire[(w_head + w_count) % WIRE_MAX] && w->len <= BUF);
	w_count++;
}

/* [p, p+len) is the driver's transmit buffers, guest RAM or the
 * management side's frame. */
static bool nic_may_read(const uint8_t *p, uint32_t len)
{
	uintptr_t a = (uintptr_t)p, t = (uintptr_t)tx_buf,
		  m = (uintptr_t)mgmt_frame;

	if (a >= t && a - t < (uintptr_t)NTX * BUF)
		return len <= (uintptr_t)NTX * BUF - (a - t);
	if (a >= m && a - m < sizeof(mgmt_frame))
		return len <= sizeof(mgmt_frame) - (a - m);
	return fz_host_in_ram(&fz_gm, p, len ? len : 1);
}

/* The NIC sends up to k frames from its head: each one, gathered as it
 * would send it, is the next on the wire. */
static void nic_send(unsigned k)
{
	static uint8_t out[2 * BUF];
	unsigned tdt = reg(E1000_TDT) % NTX;

	while (k-- && nic_head != tdt) {
		unsigned i = nic_head;
		uint32_t len = 0;
		bool eop = false, held = false;
		const struct wire *w;

		while (!eop) {
			const struct e1000_tx_desc *d = &txd[i];
			const uint8_t *p = (const uint8_t *)(uintptr_t)d->addr;

			CHECK(nic_may_read(p, d->length));
			CHECK(len + d->length <= sizeof(out));
			memcpy(out + len, p, d->length);
			len += d->length;
			held |= i != nic_head;
			eop = d->cmd & E1000_TXD_EOP;
			i = (i + 1) % NTX;
			/* A driver moves TDT past whole frames only. */
			CHECK(eop || i != tdt);
		}
		for (unsigned j = nic_head; j != i; j = (j + 1) % NTX)
			txd[j].status |= E1000_TXD_DD;
		nic_head = i;
		/* The next frame the switch handed on, from its own side. */
		CHECK(w_count);
		w = &wire[w_head];
		w_head = (w_head + 1) % WIRE_MAX;
		w_count--;
		CHECK(len == w->len && len >= ETH_HLEN);
		CHECK(!memcmp(out + 6, w->from_guest ? guest_mac : mgmt_mac,
			      6));
		CHECK(!memcmp(out, w->bytes, ETH_HLEN));
		/* Held frames are read from guest RAM as the NIC sends: the
		 * same bytes if nobody wrote there since. */
		if (!held || (w->clean && tracking && w->epoch == epoch))
			CHECK(!memcmp(out, w->bytes, len));
	}
}

/* The NIC's side of a receive into its next descriptor. */
static void nic_receive(const uint8_t *frame, uint16_t len)
{
	struct e1000_rx_desc *d = &rxd[rx_at];

	if (d->status & E1000_RXD_DD)
		return; /* the driver has not taken it back yet: full */
	memcpy(rx_buf + (size_t)rx_at * BUF, frame, len);
	d->length = len;
	d->errors = 0;
	d->status = E1000_RXD_DD | E1000_RXD_EOP;
	rx_at = (rx_at + 1) % NRX;
}

/* drivers/e1000.c's e1000_poll after a hang: e1000_reset (the NIC stops
 * its DMA, the rings start again, the held frames go back), then
 * tx_ready.  What was queued is lost, as on a cable pull. */
static void nic_reset(void)
{
	unsigned held = e1000_tx_held(&nic);

	e1000_rings_init(&nic);
	nic_head = rx_at = 0;
	w_head = w_count = 0;
	if (held && nic.port.tx_done)
		nic.port.tx_done(nic.port.consumer, held);
	if (nic.port.tx_ready)
		nic.port.tx_ready(nic.port.consumer);
}

static void nic_poll(void)
{
	nic.now_ns = now;
	e1000_rx_poll(&nic);
	if (e1000_tx_reclaim(&nic))
		nic_reset();
}

/* --- buffers the guest posted, and their use ----------------------------- */

struct post {
	uint16_t id, ndesc;
	bool tx;
};

static struct post posts[POSTS_MAX];
static unsigned nposts;

static unsigned inflight[2];	       /* descriptors posted, not used */
static bool slot_used[2][VQ_MAX_SIZE]; /* split: table entries in use */
static struct fz_cursor cursor[2];
static uint16_t next_id;

static void untrack(void)
{
	tracking = false;
	nposts = 0;
}

/* The guest-physical areas of an enabled queue's rings (virtio 1.2,
 * 2.7.10 packed: the ring and two event suppression structures; 2.6
 * split: the table, the available and the used ring). */
static void ring_areas(const struct virtq *q, uint64_t a[3][2])
{
	a[0][0] = q->desc_gpa;
	a[0][1] = 16ull * q->size;
	a[1][0] = q->driver_gpa;
	a[1][1] = q->split ? 6 + 2ull * q->size : 4;
	a[2][0] = q->device_gpa;
	a[2][1] = q->split ? 6 + 8ull * q->size : 4;
}

/* [gpa, gpa+len) overlaps a ring of an enabled queue. */
static bool over_rings(uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < 2; i++) {
		const struct virtq *q = &net.dev.vq[i];
		uint64_t a[3][2];

		if (!q->enabled)
			continue;
		ring_areas(q, a);
		for (unsigned k = 0; k < 3; k++)
			if (gpa < a[k][0] + a[k][1] && a[k][0] < gpa + len)
				return true;
	}
	return false;
}

/* The rings lie apart from each other: else what the device writes in
 * one may be read as another, which no driver does. */
static bool rings_apart(void)
{
	for (unsigned i = 0; i < 2; i++) {
		const struct virtq *q = &net.dev.vq[i];
		uint64_t a[3][2];

		if (!q->enabled)
			continue;
		ring_areas(q, a);
		for (unsigned k = 0; k < 3; k++) {
			/* Each area against every other one. */
			for (unsigned j = 0; j < 2; j++) {
				const struct virtq *o = &net.dev.vq[j];
				uint64_t b[3][2];

				if (!o->enabled)
					continue;
				ring_areas(o, b);
				for (unsigned m = 0; m < 3; m++)
					if ((i != j || k != m)
					    && a[k][0] < b[m][0] + b[m][1]
					    && b[m][0] < a[k][0] + a[k][1])
						return false;
			}
		}
	}
	return true;
}

void __real_vq_push(struct virtq *q, uint16_t id, uint16_t ndesc, uint32_t len);
void __wrap_vq_push(struct virtq *q, uint16_t id, uint16_t ndesc, uint32_t len);

/* The device marks a buffer used: one that was posted and not yet used,
 * with the descriptors it took. */
void __wrap_vq_push(struct virtq *q, uint16_t id, uint16_t ndesc, uint32_t len)
{
	unsigned qi = q == &net.dev.vq[VNET_TXQ];

	CHECK(q == &net.dev.vq[0] || q == &net.dev.vq[1]);
	if (tracking) {
		unsigned i;

		for (i = 0; i < nposts; i++)
			if (posts[i].id == id && posts[i].tx == qi)
				break;
		CHECK(i < nposts); /* posted, and used only once */
		/* Packed: the ring slots the chain took; split: one used
		 * element, its table entries implied by the head. */
		CHECK(ndesc == (q->split ? 1 : posts[i].ndesc));
		if (qi)
			CHECK(len == 0);
		if (q->split)
			for (unsigned j = 0; j < posts[i].ndesc; j++)
				slot_used[qi][(id + j) % q->size] = false;
		inflight[qi] -= ndesc;
		posts[i] = posts[--nposts];
	}
	__real_vq_push(q, id, ndesc, len);
}

static const uint8_t *mac_of(unsigned k, bool src)
{
	static const uint8_t *const dst_macs[4] = { other_mac, guest_mac,
						    mgmt_mac, bcast };
	static const uint8_t *const src_macs[4] = { guest_mac, guest_mac,
						    mgmt_mac, other_mac };

	return (src ? src_macs : dst_macs)[k & 3];
}

/* Op 0: a buffer as a driver posts it, where the ring has room. */
static void post(struct fz *s)
{
	uint8_t lay = fz8(s);
	unsigned qi = lay & 1, pieces = 1 + (lay >> 3 & 3);
	uint32_t len = fz16(s)
		       % ((uint32_t)mtu + ETH_HLEN + ETH_VLAN_HLEN + 22);
	uint64_t region = lay & 0x40 ? FZ_RAM_HI : 0;
	uint64_t base = region + (fz16(s) & 0x7fff);
	uint8_t addr = fz8(s), seed = fz8(s);
	bool write = (qi == VNET_RXQ) != !!(lay & 4);
	struct virtq *q = &net.dev.vq[qi];
	bool indirect = (lay & 2) && q->indirect;
	uint64_t table = (base + VNET_HDR_LEN + len + 16) & ~15ull;
	uint8_t fill[VNET_HDR_LEN + 0x10000];
	struct fz_buf b[8];
	unsigned n = 0, ndesc;

	/* What the driver writes: its header, then an Ethernet frame. */
	memset(fill, 0, VNET_HDR_LEN);
	for (uint32_t i = 0; i < len; i++)
		fill[VNET_HDR_LEN + i] = (uint8_t)(seed + i * 7);
	if (len >= ETH_HLEN) {
		memcpy(fill + VNET_HDR_LEN, mac_of(addr, false), 6);
		memcpy(fill + VNET_HDR_LEN + 6, mac_of(addr >> 2, true), 6);
	}
	if (lay & 0x20) {
		b[n++] = (struct fz_buf){ base, VNET_HDR_LEN, write };
		fz_cut(b, &n, base + VNET_HDR_LEN, len, pieces, write);
	} else {
		fz_cut(b, &n, base, VNET_HDR_LEN + len, pieces, write);
	}
	ndesc = indirect ? 1 : n;
	/* Only what lies in RAM, fits the ring's free room (packed: slots;
	 * split: available entries) and (split) free table entries. */
	if (!q->enabled || !q->size || !n
	    || (indirect && table + 16 * n > region + FZ_RAM_SIZE)
	    || (tracking && inflight[qi] + (q->split ? 1 : ndesc) > q->size))
		return;
	if (q->split && tracking)
		for (unsigned j = 0; j < ndesc; j++)
			if (slot_used[qi][(cursor[qi].slot + j) % q->size])
				return;
	/* A buffer over a ring is not one a driver posts. */
	if (over_rings(base, VNET_HDR_LEN + len)
	    || (indirect && over_rings(table, 16 * n)))
		untrack();
	gmem_write(&fz_gm, base, fill, VNET_HDR_LEN + len);
	epoch++;
	if (tracking) {
		CHECK(nposts < POSTS_MAX);
		posts[nposts++] = (struct post){
			q->split ? cursor[qi].slot % q->size : next_id, ndesc,
			qi == VNET_TXQ
		};
		inflight[qi] += q->split ? 1 : ndesc;
		if (q->split)
			for (unsigned j = 0; j < ndesc; j++)
				slot_used[qi][(cursor[qi].slot + j) % q->size] =
					true;
	}
	fz_post_chain(q, &cursor[qi], b, n, next_id, indirect ? table : 0);
	next_id = (next_id + 1) & 0x7fff;
}

/* --- the pass-through port ---------------------------------------------- */

static int pass_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	const struct vq_chain *c = &net.tx_chain;
	struct frame_port *side = &sw.side[SW_GUEST];
	uint64_t sent = nic.st.tx_frames, total = 0;
	struct wire *w;
	uint8_t *ref;
	int r;

	CHECK(p == &pass);
	/* Only a chain the device accepts (virtio_net.c, tx_one). */
	CHECK(!c->bad && !c->in_bytes);
	CHECK(c->out_bytes >= VNET_HDR_LEN + ETH_HLEN
	      && c->out_bytes - VNET_HDR_LEN
			 <= (uint64_t)mtu + ETH_HLEN + ETH_VLAN_HLEN);
	CHECK(len == c->out_bytes - VNET_HDR_LEN && n >= 1 && n <= VQ_MAX_SEGS);
	/* ...and exactly its bytes past the header. */
	if (!(ref = malloc(len)))
		abort();
	CHECK(fz_chain_ref(c, false, VNET_HDR_LEN, ref, len) == len);
	for (unsigned i = 0; i < n; i++) {
		CHECK(fz_host_in_ram(&fz_gm, sg[i].p, sg[i].len));
		CHECK(!memcmp(sg[i].p, ref + total, sg[i].len));
		total += sg[i].len;
	}
	free(ref);
	CHECK(total == len);
	w = about_to_send(sg, n, len, true);
	r = side->tx(side, sg, n, len, may_hold);
	if (nic.st.tx_frames != sent) {
		CHECK(nic.st.tx_frames == sent + 1 && r != FP_BUSY);
		expect(w);
	}
	return r;
}

static bool for_me(const uint8_t *frame, const uint8_t *mac)
{
	return (frame[0] & 1) || !memcmp(frame, mac, 6);
}

/* The switch's callbacks to the guest side, passed on. */
static void pass_rx(void *c, const uint8_t *frame, uint32_t len)
{
	CHECK(c == &pass && len >= ETH_HLEN);
	CHECK(for_me(frame, guest_mac));
	epoch++; /* the device may write it into guest RAM */
	pass.rx(pass.consumer, frame, len);
}

static void pass_ready(void *c)
{
	CHECK(c == &pass);
	pass.tx_ready(pass.consumer);
}

static void pass_done(void *c, unsigned frames)
{
	CHECK(c == &pass);
	pass.tx_done(pass.consumer, frames);
}

static void pass_link(void *c, bool up)
{
	CHECK(c == &pass);
	pass.link_up = up;
	pass.link_changed(pass.consumer, up);
}

/* --- the management side ------------------------------------------------- */

static void mgmt_rx(void *c, const uint8_t *frame, uint32_t len)
{
	CHECK(c == &mgmt && len >= ETH_HLEN);
	CHECK(for_me(frame, mgmt_mac));
}

static void mgmt_ready(void *c)
{
	CHECK(c == &mgmt);
}

static void mgmt_send(struct fz *s)
{
	struct frame_port *side = &sw.side[SW_MGMT];
	uint8_t addr = fz8(s);
	uint32_t len = fz16(s) % sizeof(mgmt_frame);
	uint8_t seed = fz8(s);
	uint64_t sent = nic.st.tx_frames;
	struct fp_sg sg = { mgmt_frame, len };
	struct wire *w;
	static const uint8_t *const srcs[4] = { mgmt_mac, mgmt_mac, guest_mac,
						other_mac };

	/* Its frame is copied by the NIC or the switch before tx returns
	 * (it never asks to hold, as net/netif.c does not). */
	for (uint32_t i = 0; i < len; i++)
		mgmt_frame[i] = (uint8_t)(seed + i * 7);
	if (len >= ETH_HLEN) {
		memcpy(mgmt_frame, mac_of(addr, false), 6);
		memcpy(mgmt_frame + 6, srcs[addr >> 2 & 3], 6);
	}
	if (!mgmt_on)
		return;
	w = about_to_send(&sg, 1, len, false);
	side->tx(side, &sg, 1, len, false);
	if (nic.st.tx_frames != sent) {
		CHECK(nic.st.tx_frames == sent + 1);
		expect(w);
	}
}

/* --- set-up -------------------------------------------------------------- */

static void nic_memory(void)
{
	if (regs)
		return;
	regs = calloc(1, E1000_REGS_SIZE);
	rxd = malloc(NRX * sizeof(*rxd));
	txd = malloc(NTX * sizeof(*txd));
	rx_buf = malloc((size_t)NRX * BUF);
	tx_buf = malloc((size_t)NTX * BUF);
	wire = malloc(WIRE_MAX * sizeof(*wire));
	if (!regs || !rxd || !txd || !rx_buf || !tx_buf || !wire)
		abort();
}

/* A bring-up; `fresh`: on zeroed memory, as a driver allocates its
 * rings (else descriptors left from before a reset may look available,
 * which no driver leaves them). */
static void bringup(struct fz *s, bool fresh)
{
	if (fresh) {
		for (unsigned i = 0; i < fz_gm.n; i++)
			memset(fz_gm.r[i].host, 0, fz_gm.r[i].size);
		epoch++;
	}
	/* DRIVER_OK may already take chains left in the ring memory from
	 * before: they are not this bring-up's to account for. */
	tracking = false;
	nposts = 0;
	fz_bringup(s, &net.dev);
	cursor[0] = cursor[1] = (struct fz_cursor){ 0, true };
	/* A fresh start for the bookkeeping of well-formed buffers. */
	tracking = fresh && rings_apart();
	nposts = 0;
	inflight[0] = inflight[1] = 0;
	memset(slot_used, 0, sizeof(slot_used));
}

static void setup(struct fz *s)
{
	uint8_t b;

	nic_memory();
	fz_ram_reset();
	mtu = (uint16_t)(68 + fz16(s) % 2100);
	b = fz8(s);
	mgmt_on = b & 2;
	now = 1000;
	/* The NIC and its rings. */
	memset(regs, 0, E1000_REGS_SIZE);
	memset(&nic, 0, sizeof(nic));
	nic.regs = regs;
	nic.rx = rxd;
	nic.tx = txd;
	nic.rx_buf = rx_buf;
	nic.tx_buf = tx_buf;
	nic.now_ns = now;
	memcpy(nic.where, "fuzz", 5);
	e1000_rings_init(&nic);
	nic.port.link_up = b & 1;
	nic_head = rx_at = 0;
	w_head = w_count = 0;
	epoch = 0;
	/* The switch over it, virtio-net over the switch's guest side
	 * (through the pass-through), the management side beside. */
	nswitch_init(&sw, &nic.port, guest_mac, mgmt_on ? mgmt_mac : NULL);
	pass = (struct frame_port){ .name = "pass",
				    .link_up = sw.side[SW_GUEST].link_up,
				    .tx = pass_tx };
	fz_bus_reset();
	memset(&net_fn, 0, sizeof(net_fn));
	vnet_init(&net, &net_fn, &pass, guest_mac, mtu, "net0",
		  GUEST_PCI_MMIO_BASE + VDEV_BAR_SIZE, &fz_gm);
	CHECK(pass.consumer == &net && pass.tx_done);
	sw.side[SW_GUEST].rx = pass_rx;
	sw.side[SW_GUEST].tx_ready = pass_ready;
	sw.side[SW_GUEST].tx_done = pass_done;
	sw.side[SW_GUEST].link_changed = pass_link;
	sw.side[SW_GUEST].consumer = &pass;
	mgmt = (struct frame_port){ 0 };
	sw.side[SW_MGMT].rx = mgmt_rx;
	sw.side[SW_MGMT].tx_ready = mgmt_ready;
	sw.side[SW_MGMT].consumer = &mgmt;
	fz_vdev_attach(&net.dev, 2);
	next_id = 0;
	bringup(s, true); /* guest RAM is all zeros */
}

/* --- what must hold between operations --------------------------------- */

/* A reset completes (device_status reads 0) only once the NIC can no
 * longer read the guest's old buffers. */
static void check_reset(void)
{
	unsigned tdt = reg(E1000_TDT) % NTX;

	if (vdev_bar_read(&net.dev, CC_STATUS, 1))
		return;
	for (unsigned i = nic_head; i != tdt; i = (i + 1) % NTX) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)txd[i].addr;

		CHECK(!fz_host_in_ram(&fz_gm, p, 1));
	}
}

static void wire_frame(struct fz *s)
{
	uint8_t addr = fz8(s);
	uint16_t len = fz16(s) % (BUF + 1);
	uint8_t seed = fz8(s), f[BUF];

	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
	if (len >= 12) {
		memcpy(f, mac_of(addr, false), 6);
		memcpy(f + 6, other_mac, 6);
	}
	nic_receive(f, len);
	nic_poll();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };
	struct vdev *d = &net.dev;

	setup(&s);
	check_reset();
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		switch (fz8(&s) % 15) {
		case 0:
			post(&s);
			break;
		case 1:
			fz_bw(d, VDEV_NOTIFY_OFF + VDEV_NOTIFY_MULT * VNET_TXQ,
			      2, VNET_TXQ);
			break;
		case 2: {
			struct virtq *q = &d->vq[fz8(&s) & 1];
			unsigned first = q->next_avail + fz8(&s);

			untrack();
			fz_ring_descs(&s, q, first, (fz8(&s) & 7) + 1);
			epoch++;
			break;
		}
		case 3: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			untrack(); /* it may hit a ring */
			fz_raw_bytes(&s, gpa, fz8(&s));
			epoch++;
			break;
		}
		case 4:
			/* The old rings' buffers are never used after this. */
			fz_bw(d, CC_STATUS, 1, 0);
			nposts = 0;
			inflight[0] = inflight[1] = 0;
			memset(slot_used, 0, sizeof(slot_used));
			break;
		case 5:
			bringup(&s, fz8(&s) & 1);
			break;
		case 6:
			untrack();
			fz_bar_access(&s, d, true);
			break;
		case 7:
			nic_send(fz8(&s));
			break;
		case 8:
			wire_frame(&s);
			break;
		case 9:
			now += fz8(&s) & 1 ? HANG_NS : 1000000;
			nic_poll();
			break;
		case 10:
			nic.port.link_up = fz8(&s) & 1;
			nic.port.link_changed(nic.port.consumer,
					      nic.port.link_up);
			break;
		case 11:
			mgmt_send(&s);
			break;
		case 12:
			untrack();
			fz_drv_event(&s, &d->vq[fz8(&s) & 1]);
			break;
		case 13:
			nic_send(NTX);
			nic_poll();
			break;
		case 14:
			(void)vdev_bar_read(d, CC_STATUS, 1);
			break;
		}
		check_reset();
	}
	/* The NIC sends everything, the guest kicks: all transmit buffers
	 * of a running device are used. */
	for (unsigned round = 0; round < 3; round++) {
		nic_send(NTX);
		nic_poll();
		check_reset();
		fz_bw(d, VDEV_NOTIFY_OFF + VDEV_NOTIFY_MULT * VNET_TXQ, 2,
		      VNET_TXQ);
	}
	nic_send(NTX);
	nic_poll();
	check_reset();
	if (tracking && vdev_running(d)) {
		CHECK(!d->vq[VNET_TXQ].stalled && !d->vq[VNET_RXQ].stalled);
		for (unsigned i = 0; i < nposts; i++)
			CHECK(!posts[i].tx);
	}
	vpci_remove_all(&fz_bus);
	return 0;
}
