/* libFuzzer target for virtio-net (virtio/virtio_net.c) over a fake frame
 * port, through the virtio-pci transport: whatever the guest posts in its
 * transmit and receive rings, whatever the port answers (busy, ready,
 * frames of any size, link changes, a frame looped back while it sends)
 * and whatever registers the guest pokes, the device hands the port only
 * whole frames from guest RAM and writes received frames only into the
 * guest's writable buffers.
 *
 *   make build/fuzz/fuzz_virtio_net   # sources: fuzz_virtio_net_SRCS
 *   build/fuzz/fuzz_virtio_net -max_total_time=60
 *
 * Without libFuzzer (gcc), -DFUZZ_REPLAY adds a main() that runs the
 * target over the files named on the command line:
 *
 *   gcc -DFUZZ_REPLAY -fsanitize=address,undefined -I. \
 *       tests/fuzz/fuzz_virtio_net.c <fuzz_virtio_net_SRCS> -o fzr
 *   ./fzr crash-1234...
 *
 * Guest RAM and compact descriptors: fuzz_common.h; bring-up and BAR
 * accesses: fuzz_vdev.h.  Input layout (little-endian):
 *   bytes 0-1   MTU (68 + value % 9000 unless bit 15: the value as is)
 *   byte 2      the link is up at start (bit 0)
 *   bytes 3-10  the port's choices, used round robin, 2 bits per frame
 *               the device sends: 1 busy (FP_BUSY), 2 loop the frame back
 *               through rx from inside tx, 3 hold it (FP_HELD) when the
 *               device allows, releasing one held frame from inside tx
 *   then        a bring-up (fuzz_vdev.h; queue 0 receive, 1 transmit)
 * then operations, one byte each (mod 15) and their arguments:
 *   0  descriptors into a ring: queue (bit 0 of 1), slot after next_avail
 *      (1), count-1 (low 3 bits of 1), compact descriptors
 *   1  descriptors anywhere: kind (1), offset (2), count-1 (1), compact
 *      descriptors
 *   2  raw bytes: kind (1), offset (2), count (1), bytes
 *   3  notify: queue (1: bit 0, or another index for >= 0xf0), size (1)
 *   4  the port receives a frame: length (2, mod MTU + 40), seed (1)
 *   5  the port has room again: tx_ready
 *   6  link change: up (bit 0)
 *   7  BAR write (fuzz_vdev.h)
 *   8  BAR read
 *   9  reset (device_status 0)
 *   10 a bring-up again
 *   11 PCI configuration write (fuzz_vdev.h)
 *   12 driver event suppression: queue (1), off_wrap (2), flags (2)
 *   13 a whole buffer posted as a driver would (the next slots after
 *      the last posted on that queue, or an indirect table): layout (1:
 *      bit 0 transmit queue, bit 1 indirect, bit 2 the other direction,
 *      bits 3-4 buffers - 1, bit 5 header in its own buffer, bit 6 high
 *      RAM), length after the 12-byte header (2, mod MTU + 40), offset
 *      (2, low 15 bits), id (2), seed (1)
 *   14 the port releases held frames: count (1), which may be more than
 *      it holds
 *
 * Invariants checked (abort on violation): a frame given to the port is
 * 14 .. MTU + 18 bytes, its gather list is host ranges inside guest RAM
 * adding up to its length with at most VQ_MAX_SEGS pieces; after a busy
 * answer the device does not try again until the port says it has room
 * or the guest notifies; a frame the port receives is dropped without
 * touching the ring when it is too short or long; a frame taken is in
 * the guest's buffer after a virtio_net_hdr_v1 with num_buffers 1, and
 * the used descriptor carries the buffer id and header + frame length;
 * frames are held only when the device allows it, and never more than a
 * queue's worth;
 * the interrupt sinks' checks (fuzz_vdev.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "net/frame_port.h"
#include "virtio/virtio_net.h"

#include "tests/fuzz/fuzz_vdev.h"

#define MAX_OPS 2048

static struct vpci_fn net_fn;
static struct vnet net;
static struct frame_port port;
static uint16_t mtu;
static uint8_t port_bits[8];
static unsigned port_next;
static bool was_busy;	/* the port said busy during this operation */
static unsigned held;	/* frames the port holds */
static struct fz_cursor cursor[2];

static unsigned port_choice(void)
{
	unsigned i = port_next++ % 32;

	return port_bits[i / 4] >> (2 * (i % 4)) & 3;
}

static uint32_t max_frame(void)
{
	return (uint32_t)mtu + ETH_HLEN + ETH_VLAN_HLEN;
}

static void deliver(const uint8_t *frame, uint32_t len);

static int port_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	uint64_t total = 0;
	unsigned choice = port_choice();
	uint8_t *frame;

	CHECK(p == &port);
	/* No retry in a loop after a busy answer. */
	CHECK(!was_busy);
	CHECK(n >= 1 && n <= VQ_MAX_SEGS);
	CHECK(len >= ETH_HLEN && len <= max_frame());
	for (unsigned i = 0; i < n; i++) {
		CHECK(fz_host_in_ram(&fz_gm, sg[i].p, sg[i].len));
		total += sg[i].len;
	}
	CHECK(total == len);
	if (choice == 1) {
		was_busy = true;
		return FP_BUSY;
	}
	if (choice == 3 && may_hold) {
		CHECK(port.tx_done);
		CHECK(++held <= VQ_MAX_SIZE);
		if (held > 1) {
			/* An older one finishes while this one is queued. */
			held--;
			port.tx_done(port.consumer, 1);
		}
		return FP_HELD;
	}
	/* The port copies the frame out (exactly, for ASan). */
	frame = malloc(len);
	if (!frame)
		abort();
	total = 0;
	for (unsigned i = 0; i < n; i++) {
		memcpy(frame + total, sg[i].p, sg[i].len);
		total += sg[i].len;
	}
	if (choice == 2)
		deliver(frame, len); /* a loopback port */
	free(frame);
	return FP_OK;
}

/* The port hands the device a frame; when it went into a guest buffer,
 * the buffer and the used descriptor must say so. */
static void deliver(const uint8_t *frame, uint32_t len)
{
	struct virtq *q = &net.dev.vq[VNET_RXQ];
	uint64_t frames = net.st.rx_frames, ring = q->desc_gpa;
	uint16_t at = q->next_used, avail = q->next_avail;
	bool wrap = q->used_wrap, enabled = q->enabled, split = q->split;
	const struct vq_chain *c = &net.rx_chain;

	port.rx(port.consumer, frame, len);
	if (len < ETH_HLEN || len > max_frame())
		CHECK(q->next_avail == avail && net.st.rx_frames == frames);
	if (net.st.rx_frames == frames || !enabled || split)
		return;
	CHECK(net.st.rx_frames == frames + 1);
	CHECK(len >= ETH_HLEN && len <= max_frame());
	CHECK(!c->bad && !c->out_bytes && c->in_bytes >= VNET_HDR_LEN + len);
	/* What the guest finds, unless its buffers overlap each other or
	 * the used descriptor. */
	if (fz_writable_disjoint(c, ring + 16ull * at, 16)) {
		uint8_t *got = malloc(VNET_HDR_LEN + len);
		uint8_t hdr[VNET_HDR_LEN] = { 0 };
		uint8_t d[16];
		uint32_t ulen;
		uint16_t id, flags;

		if (!got)
			abort();
		hdr[10] = 1; /* num_buffers */
		CHECK(fz_chain_ref(c, true, 0, got, VNET_HDR_LEN + len)
		      == VNET_HDR_LEN + len);
		CHECK(!memcmp(got, hdr, VNET_HDR_LEN));
		CHECK(!memcmp(got + VNET_HDR_LEN, frame, len));
		free(got);
		CHECK(!gmem_read(&fz_gm, ring + 16ull * at, d, 16));
		memcpy(&ulen, d + 8, 4);
		memcpy(&id, d + 12, 2);
		memcpy(&flags, d + 14, 2);
		CHECK(ulen == VNET_HDR_LEN + len && id == c->id);
		CHECK(flags == (wrap ? VQ_DESC_F_AVAIL | VQ_DESC_F_USED : 0));
	}
}

static void receive(struct fz *s)
{
	uint32_t len = fz16(s) % (max_frame() + 22);
	uint8_t seed = fz8(s);
	/* Exactly its size, so ASan sees a read past the end. */
	uint8_t *frame = malloc(len ? len : 1);

	if (!frame)
		abort();
	for (uint32_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 13);
	deliver(frame, len);
	free(frame);
}

/* A transmit frame or a receive buffer posted with fz_post_chain. */
static void build_buffer(struct fz *s)
{
	uint8_t lay = fz8(s);
	unsigned qi = lay & 1;
	uint32_t len = fz16(s) % (max_frame() + 22);
	uint64_t base = (lay & 0x40 ? FZ_RAM_HI : 0) + (fz16(s) & 0x7fff);
	uint16_t id = fz16(s);
	uint8_t seed = fz8(s);
	bool write = (qi == VNET_RXQ) != !!(lay & 4);
	uint8_t fill[VNET_HDR_LEN + 0x10000];
	struct fz_buf b[8];
	unsigned n = 0;

	for (uint32_t i = 0; i < VNET_HDR_LEN + len; i++)
		fill[i] = (uint8_t)(seed + i * 7);
	gmem_write(&fz_gm, base, fill, VNET_HDR_LEN + len);
	if (lay & 0x20) {
		b[n++] = (struct fz_buf){ base, VNET_HDR_LEN, write };
		fz_cut(b, &n, base + VNET_HDR_LEN, len, 1 + (lay >> 3 & 3),
		       write);
	} else {
		fz_cut(b, &n, base, VNET_HDR_LEN + len, 1 + (lay >> 3 & 3),
		       write);
	}
	fz_post_chain(&net.dev.vq[qi], &cursor[qi], b, n, id,
		      lay & 2 ? (base + VNET_HDR_LEN + len + 16) & ~15ull : 0);
}

static void bringup(struct fz *s)
{
	fz_bringup(s, &net.dev);
	cursor[0] = cursor[1] = (struct fz_cursor){ 0, true };
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0x50, 0x4c, 0x4e, 0x54, 0x01 };
	struct fz s = { data, size };
	struct vdev *d = &net.dev;
	uint16_t m;

	fz_ram_reset();
	m = fz16(&s);
	mtu = m & 0x8000 ? m : 68 + m % 9000;
	port = (struct frame_port){ .name = "fuzz", .link_up = fz8(&s) & 1,
				    .tx = port_tx };
	for (int i = 0; i < 8; i++)
		port_bits[i] = fz8(&s);
	port_next = 0;
	held = 0;
	fz_bus_reset();
	memset(&net_fn, 0, sizeof(net_fn));
	vnet_init(&net, &net_fn, &port, mac, mtu, "net0",
		  GUEST_PCI_MMIO_BASE + VDEV_BAR_SIZE, &fz_gm);
	CHECK(port.consumer == &net && port.rx && port.tx_ready);
	fz_vdev_attach(d, 2);

	was_busy = false;
	bringup(&s);
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		was_busy = false;
		switch (fz8(&s) % 15) {
		case 0: {
			struct virtq *q = &d->vq[fz8(&s) & 1];
			unsigned first = q->next_avail + fz8(&s);

			fz_ring_descs(&s, q, first, (fz8(&s) & 7) + 1);
			break;
		}
		case 1: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			fz_table_descs(&s, gpa, (fz8(&s) & 7) + 1);
			break;
		}
		case 2: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			fz_raw_bytes(&s, gpa, fz8(&s));
			break;
		}
		case 3: {
			uint8_t qb = fz8(&s);

			fz_bw(d, VDEV_NOTIFY_OFF + VDEV_NOTIFY_MULT
					       * (qb < 0xf0 ? qb & 1 : qb & 7),
			      fz_size(fz8(&s)), 0);
			break;
		}
		case 4:
			receive(&s);
			break;
		case 5:
			port.tx_ready(port.consumer);
			break;
		case 6:
			port.link_up = fz8(&s) & 1;
			port.link_changed(port.consumer, port.link_up);
			break;
		case 7:
			fz_bar_access(&s, d, true);
			break;
		case 8:
			fz_bar_access(&s, d, false);
			break;
		case 9:
			fz_bw(d, CC_STATUS, 1, 0);
			break;
		case 10:
			bringup(&s);
			break;
		case 11:
			fz_cfg_access(&s, d, true);
			break;
		case 12:
			fz_drv_event(&s, &d->vq[fz8(&s) & 1]);
			break;
		case 13:
			build_buffer(&s);
			break;
		case 14: {
			unsigned k = fz8(&s);

			held -= k < held ? k : held;
			port.tx_done(port.consumer, k);
			break;
		}
		}
	}
	vpci_remove_all(&fz_bus);
	return 0;
}
