/* virtio-net (virtio/virtio_net.c) through the virtio-pci transport, as a
 * guest driver sees it, over a fake frame port that records what it is
 * asked to send, can refuse (FP_BUSY) to exercise back-pressure, and can
 * hold frames (FP_HELD) as a NIC sending from the guest's buffers does. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/vdev_driver.h"
#include "tests/support/vq_driver.h"


#include "hv/guest/gmem.h"
#include "net/frame_port.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_net_regs.h"

/* Feature bits (5.1.3), short */
#define F_CSUM VIRTIO_NET_F_CSUM
#define F_MTU VIRTIO_NET_F_MTU
#define F_MAC VIRTIO_NET_F_MAC
#define F_MRG_RXBUF VIRTIO_NET_F_MRG_RXBUF
#define F_STATUS VIRTIO_NET_F_STATUS

#define UNTOUCHED 0xee
#define MTU 1500
#define MAX_FRAME (MTU + ETH_HLEN + ETH_VLAN_HLEN)

/* Guest-physical layout: receive queue 0, transmit queue 1. */
#define RX_DESC 0x1000ull
#define RX_DRV 0x2000ull
#define RX_DEV 0x2010ull
#define TX_DESC 0x3000ull
#define TX_DRV 0x4000ull
#define TX_DEV 0x4010ull
#define BUF 0x10000ull
#define RAM_END ((uint64_t)FM_RAM_SIZE)
#define BAR_ADDR 0xfe004000ull

/* MSI-X vectors the driver programs. */
#define V_CONFIG 0
#define V_RX 1
#define V_TX 2

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct fake_mem M;
static struct vpci_fn *F;
static struct vnet N;
static struct vqd RX, TX;
/* Set before setup(): the device is polled, as with an I/O core. */
static bool POLLED;
static struct msi_rec MSI;

/* --- the fake frame port ----------------------------------------------- */

static struct {
	struct frame_port p;
	bool busy;	    /* refuse frames */
	unsigned calls;	    /* tx() calls */
	unsigned accepted;  /* frames taken */
	uint8_t frame[4][2048]; /* the first frames taken, gathered */
	uint32_t len[4];
	unsigned nsg;	    /* gather entries of the last call */
	bool len_mismatch;  /* sum of the gather list != len */
	bool hold;	    /* hold frames when the consumer allows it */
	bool may_hold;	    /* what the last call allowed */
	unsigned held;	    /* frames held, not yet released */
	unsigned release_inside; /* frames to release from inside tx() */
} P;

static int port_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	uint64_t sum = 0;

	(void)p;
	if (++P.calls > 1000) {
		/* A device retrying in a loop: take the frame so that the
		 * test ends, and fails on the call count. */
		P.busy = false;
	}
	P.nsg = n;
	for (unsigned i = 0; i < n; i++)
		sum += sg[i].len;
	if (sum != len)
		P.len_mismatch = true;
	if (P.busy)
		return FP_BUSY;
	if (P.accepted < 4 && len <= sizeof(P.frame[0])) {
		uint32_t at = 0;

		for (unsigned i = 0; i < n; i++) {
			memcpy(P.frame[P.accepted] + at, sg[i].p, sg[i].len);
			at += sg[i].len;
		}
		P.len[P.accepted] = len;
	}
	P.accepted++;
	P.may_hold = may_hold;
	if (!P.hold || !may_hold)
		return FP_OK;
	P.held++;
	if (P.release_inside) {
		/* An emulated NIC that sends during the tail write. */
		unsigned k = P.release_inside < P.held ? P.release_inside
						       : P.held;

		P.held -= k;
		P.release_inside = 0;
		P.p.tx_done(P.p.consumer, k);
	}
	return FP_HELD;
}

/* The port finished sending `k` held frames. */
static void port_release(unsigned k)
{
	P.held -= k;
	P.p.tx_done(P.p.consumer, k);
}

/* The port hands a received frame to its consumer. */
static void port_rx(const uint8_t *frame, uint32_t len)
{
	P.p.rx(P.p.consumer, frame, len);
}

/* --- setup --------------------------------------------------------------- */

static void teardown(void)
{
	fm_free(&M);
	free(F);
	F = NULL;
}

static const uint8_t READY = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER
			     | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK;

/* Brings the device up with both queues (16 entries) on their vectors,
 * the configuration vector set, every offered feature accepted. */
static uint8_t start_queues(void)
{
	struct vqd *qs[2] = { &RX, &TX };
	uint8_t s;

	vqd_init(&RX, &M, 16, RX_DESC, RX_DRV, RX_DEV);
	vqd_init(&TX, &M, 16, TX_DESC, TX_DRV, TX_DEV);
	RX.vector = V_RX;
	TX.vector = V_TX;
	s = vdrv_start(&N.dev, vdrv_features(&N.dev), qs, 2);
	vdrv_w(&N.dev, VC_MSIX_CONFIG, 2, V_CONFIG);
	return s;
}

/* A fresh device; `msix` turns MSI-X on. */
static uint8_t setup(bool msix)
{
	teardown();
	fm_init(&M, FM_RAM_SIZE);
	F = calloc(1, sizeof(*F));
	memset(&P, 0, sizeof(P));
	memset(&MSI, 0, sizeof(MSI));
	P.p = (struct frame_port){ .name = "fake", .link_up = true,
				   .tx = port_tx };
	vnet_init(&N, F, &P.p, MAC, MTU, "net0", BAR_ADDR, &M.gm);
	if (POLLED)
		vdev_set_polled(&N.dev);
	N.dev.msi = msi_record;
	N.dev.irq_ctx = &MSI;
	if (msix)
		vdrv_msix_on(&N.dev);
	logstub_clear();
	return start_queues();
}

/* A test frame of `len` bytes: destination MAC, source, type, payload. */
static void make_frame(uint8_t *f, uint32_t len, unsigned seed)
{
	for (uint32_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 13 + seed);
	memcpy(f, MAC, 6);
}

/* Writes a 12-byte virtio_net_hdr_v1 (zero: no offloads) followed by
 * the frame, contiguously at gpa. */
static void put_packet(uint64_t gpa, const uint8_t *frame, uint32_t len)
{
	fm_fill(&M, gpa, 0, VNET_HDR_LEN);
	fm_put(&M, gpa + VNET_HDR_LEN, frame, len);
}

/* --- configuration ------------------------------------------------------- */

static void config_space_holds_mac_status_and_mtu(void)
{
	uint64_t f;

	CHECK(setup(true) == READY);
	f = vdrv_features(&N.dev);
	CHECK(f >> F_MAC & 1);
	CHECK(f >> F_STATUS & 1);
	CHECK(f >> F_MTU & 1);
	CHECK(!(f >> F_CSUM & 1) && !(f >> F_MRG_RXBUF & 1));
	CHECK(f >> VIRTIO_F_RING_PACKED & 1);
	for (unsigned i = 0; i < 6; i++)
		CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + i, 1) == MAC[i]);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF, 4) == 0x12005452u);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 4, 2) == 0x5634);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 6, 2) == 1); /* LINK_UP */
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 8, 2) == 1); /* pairs */
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 10, 2) == MTU);
	/* Past the structure and straddling its end: 0. */
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 12, 4) == 0);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 10, 4) == 0);
	CHECK(vdrv_r(&N.dev, VC_NUM_QUEUES, 2) == 2);
	/* Network controller, modern device id 0x1041. */
	CHECK(F->cfg[2] == 0x41 && F->cfg[3] == 0x10 && F->cfg[0x0b] == 2);
}

/* --- transmit ------------------------------------------------------------ */

static void tx_frame_reaches_the_port_without_the_header(void)
{
	uint8_t frame[60];
	/* The header and the first 10 bytes, then 20, then 30. */
	struct vqd_buf b[] = {
		{ BUF, VNET_HDR_LEN + 10, 0 },
		{ BUF + 0x100, 20, 0 },
		{ BUF + 0x200, 30, 0 },
	};
	uint16_t id = 0;
	uint32_t len = 0xffff;

	CHECK(setup(true) == READY);
	make_frame(frame, sizeof(frame), 1);
	put_packet(BUF, frame, 10);
	fm_put(&M, BUF + 0x100, frame + 10, 20);
	fm_put(&M, BUF + 0x200, frame + 30, 30);
	vqd_chain(&TX, b, 3, 5);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.calls == 1 && P.accepted == 1);
	CHECK(P.len[0] == 60);
	CHECK(!memcmp(P.frame[0], frame, 60));
	CHECK(P.nsg == 3 && !P.len_mismatch);
	CHECK(vqd_get_used(&TX, &id, &len));
	CHECK(id == 5 && len == 0);
	CHECK(N.st.tx_frames == 1 && N.st.tx_bytes == 60);
	CHECK(MSI.per_vec[V_TX] == 1 && MSI.total == 1);

	/* The header alone in the first buffer, the frame in the second. */
	{
		struct vqd_buf h[] = {
			{ BUF + 0x1000, VNET_HDR_LEN, 0 },
			{ BUF + 0x2000, 60, 0 },
		};

		fm_fill(&M, BUF + 0x1000, 0, VNET_HDR_LEN);
		make_frame(frame, sizeof(frame), 2);
		fm_put(&M, BUF + 0x2000, frame, 60);
		vqd_chain(&TX, h, 2, 6);
		vdrv_notify(&N.dev, VNET_TXQ);
		CHECK(P.accepted == 2 && P.nsg == 1);
		CHECK(!memcmp(P.frame[1], frame, 60));
		CHECK(vqd_get_used(&TX, &id, &len) && id == 6 && len == 0);
	}
}

static void tx_back_pressure_keeps_the_chain_until_the_port_has_room(void)
{
	uint8_t f1[64], f2[100];
	struct vqd_buf b1 = { BUF, VNET_HDR_LEN + 64, 0 };
	struct vqd_buf b2 = { BUF + 0x1000, VNET_HDR_LEN + 100, 0 };
	uint8_t ring[16 * 16];
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	make_frame(f1, sizeof(f1), 3);
	make_frame(f2, sizeof(f2), 4);
	put_packet(BUF, f1, 64);
	put_packet(BUF + 0x1000, f2, 100);
	P.busy = true;
	vqd_chain(&TX, &b1, 1, 1);
	memcpy(ring, M.ram + TX_DESC, sizeof(ring));
	vdrv_notify(&N.dev, VNET_TXQ);
	/* Refused once, not retried in a loop, not published. */
	CHECK(P.calls == 1 && P.accepted == 0);
	CHECK(N.tx_waiting);
	CHECK(N.st.tx_busy == 1);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(!memcmp(ring, M.ram + TX_DESC, sizeof(ring)));
	CHECK(MSI.total == 0);
	/* Kicks cannot help until the port has room: the device asks for
	 * none meanwhile. */
	{
		uint16_t flags;

		vqd_dev_event(&TX, NULL, &flags);
		CHECK(flags == VQ_EVENT_DISABLE);
	}
	/* A second frame waits behind the first. */
	vqd_chain(&TX, &b2, 1, 2);

	/* The port has room: the held frame goes exactly once, then the
	 * next one, in order. */
	P.busy = false;
	P.p.tx_ready(P.p.consumer);
	CHECK(P.accepted == 2);
	CHECK(P.calls == 3); /* the refused try, then one per frame */
	CHECK(P.len[0] == 64 && !memcmp(P.frame[0], f1, 64));
	CHECK(P.len[1] == 100 && !memcmp(P.frame[1], f2, 100));
	CHECK(!N.tx_waiting);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 1);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 2);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(N.st.tx_frames == 2);
	CHECK(MSI.per_vec[V_TX] == 1);
	{
		uint16_t flags;

		vqd_dev_event(&TX, NULL, &flags);
		CHECK(flags == VQ_EVENT_ENABLE);
	}
	/* tx_ready with nothing to send sends nothing. */
	{
		unsigned calls = P.calls;

		P.p.tx_ready(P.p.consumer);
		CHECK(P.calls == calls && P.accepted == 2);
	}
}

static void tx_back_pressure_sends_each_frame_exactly_once(void)
{
	uint8_t f[64];
	struct vqd_buf b = { BUF, VNET_HDR_LEN + 64, 0 };
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	make_frame(f, sizeof(f), 5);
	put_packet(BUF, f, 64);
	P.busy = true;
	vqd_chain(&TX, &b, 1, 9);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.calls == 1);
	/* More notifications while the port is full: still held, the frame
	 * is neither sent nor published nor dropped. */
	vdrv_notify(&N.dev, VNET_TXQ);
	P.p.tx_ready(P.p.consumer); /* a spurious "ready" while still full */
	CHECK(P.accepted == 0 && N.tx_waiting);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(N.st.tx_errors == 0);
	P.busy = false;
	P.p.tx_ready(P.p.consumer);
	CHECK(P.accepted == 1);
	CHECK(!memcmp(P.frame[0], f, 64));
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 9);
	vdrv_notify(&N.dev, VNET_TXQ);
	P.p.tx_ready(P.p.consumer);
	CHECK(P.accepted == 1);
	CHECK(N.st.tx_frames == 1);
}

static void tx_chains_that_are_not_a_frame_are_returned_unsent(void)
{
	struct vqd_buf b[2];
	uint16_t id = 0;
	uint32_t len = 0xffff;

	CHECK(setup(true) == READY);
	fm_fill(&M, BUF, 0, 0x4000);
	/* A device-writable buffer in a transmit chain. */
	b[0] = (struct vqd_buf){ BUF, VNET_HDR_LEN + 60, 0 };
	b[1] = (struct vqd_buf){ BUF + 0x1000, 64, VQ_DESC_F_WRITE };
	vqd_chain(&TX, b, 2, 1);
	/* Shorter than a header and an Ethernet header. */
	b[0].len = VNET_HDR_LEN + ETH_HLEN - 1;
	vqd_chain(&TX, b, 1, 2);
	/* Longer than the MTU allows. */
	b[0].len = VNET_HDR_LEN + MAX_FRAME + 1;
	vqd_chain(&TX, b, 1, 3);
	/* Outside guest RAM. */
	b[0] = (struct vqd_buf){ RAM_END - 32, 64, 0 };
	vqd_chain(&TX, b, 1, 4);
	/* The largest frame allowed goes. */
	b[0] = (struct vqd_buf){ BUF, VNET_HDR_LEN + MAX_FRAME, 0 };
	vqd_chain(&TX, b, 1, 5);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.calls == 1 && P.accepted == 1 && P.len[0] == MAX_FRAME);
	for (uint16_t k = 1; k <= 5; k++) {
		CHECK(vqd_get_used(&TX, &id, &len));
		CHECK(id == k && len == 0);
	}
	CHECK(N.st.tx_errors == 4);
	CHECK(logstub_has("dropped"));
}

/* --- receive ------------------------------------------------------------- */

static void rx_with_no_guest_buffers_is_counted_and_dropped(void)
{
	uint8_t f[60];

	CHECK(setup(true) == READY);
	make_frame(f, sizeof(f), 6);
	port_rx(f, sizeof(f));
	port_rx(f, sizeof(f));
	CHECK(N.st.rx_no_buffer == 2);
	CHECK(N.st.rx_frames == 0);
	CHECK(!vqd_get_used(&RX, NULL, NULL));
	CHECK(MSI.total == 0);
}

static void rx_into_a_posted_buffer_writes_header_and_frame(void)
{
	uint8_t f[60], hdr[VNET_HDR_LEN] = { 0 };
	struct vqd_buf b = { BUF, 2048, VQ_DESC_F_WRITE };
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(setup(true) == READY);
	fm_fill(&M, BUF, UNTOUCHED, 2048);
	vqd_chain(&RX, &b, 1, 7);
	make_frame(f, sizeof(f), 7);
	port_rx(f, sizeof(f));
	CHECK(vqd_get_used(&RX, &id, &len));
	CHECK(id == 7 && len == VNET_HDR_LEN + 60);
	hdr[10] = 1; /* num_buffers (5.1.6) */
	CHECK(!memcmp(M.ram + BUF, hdr, VNET_HDR_LEN));
	CHECK(!memcmp(M.ram + BUF + VNET_HDR_LEN, f, 60));
	CHECK(fm_byte(&M, BUF + VNET_HDR_LEN + 60) == UNTOUCHED);
	CHECK(N.st.rx_frames == 1 && N.st.rx_bytes == 60);
	CHECK(MSI.per_vec[V_RX] == 1 && MSI.total == 1);

	/* Header and frame in separate buffers, the frame split too. */
	{
		struct vqd_buf s[] = {
			{ BUF + 0x1000, VNET_HDR_LEN, VQ_DESC_F_WRITE },
			{ BUF + 0x2000, 25, VQ_DESC_F_WRITE },
			{ BUF + 0x3000, 1500, VQ_DESC_F_WRITE },
		};

		fm_fill(&M, BUF + 0x1000, UNTOUCHED, 0x3000);
		vqd_chain(&RX, s, 3, 8);
		make_frame(f, sizeof(f), 8);
		port_rx(f, sizeof(f));
		CHECK(vqd_get_used(&RX, &id, &len));
		CHECK(id == 8 && len == VNET_HDR_LEN + 60);
		CHECK(!memcmp(M.ram + BUF + 0x1000, hdr, VNET_HDR_LEN));
		CHECK(!memcmp(M.ram + BUF + 0x2000, f, 25));
		CHECK(!memcmp(M.ram + BUF + 0x3000, f + 25, 35));
		CHECK(fm_byte(&M, BUF + 0x3000 + 35) == UNTOUCHED);
	}
	/* The largest frame fits a buffer of exactly header + frame. */
	{
		static uint8_t big[MAX_FRAME];
		struct vqd_buf e = { BUF + 0x8000, VNET_HDR_LEN + MAX_FRAME,
				     VQ_DESC_F_WRITE };

		make_frame(big, sizeof(big), 9);
		vqd_chain(&RX, &e, 1, 9);
		port_rx(big, sizeof(big));
		CHECK(vqd_get_used(&RX, &id, &len));
		CHECK(id == 9 && len == VNET_HDR_LEN + MAX_FRAME);
		CHECK(!memcmp(M.ram + BUF + 0x8000 + VNET_HDR_LEN, big,
			      MAX_FRAME));
	}
}

static void rx_buffer_too_small_is_returned_empty(void)
{
	uint8_t f[60];
	struct vqd_buf b = { BUF, VNET_HDR_LEN + 59, VQ_DESC_F_WRITE };
	uint16_t id = 0;
	uint32_t len = 0xffff;

	CHECK(setup(true) == READY);
	fm_fill(&M, BUF, UNTOUCHED, 256);
	vqd_chain(&RX, &b, 1, 3);
	make_frame(f, sizeof(f), 10);
	port_rx(f, sizeof(f));
	CHECK(vqd_get_used(&RX, &id, &len));
	CHECK(id == 3 && len == 0);
	CHECK(fm_all(&M, BUF, UNTOUCHED, 256)); /* nothing written */
	CHECK(N.st.rx_errors == 1 && N.st.rx_frames == 0);
	CHECK(logstub_has("smaller than the frame"));

	/* A device-readable receive buffer: returned empty, unwritten. */
	b = (struct vqd_buf){ BUF, 2048, 0 };
	vqd_chain(&RX, &b, 1, 4);
	port_rx(f, sizeof(f));
	CHECK(vqd_get_used(&RX, &id, &len) && id == 4 && len == 0);
	CHECK(fm_all(&M, BUF, UNTOUCHED, 256));
	CHECK(N.st.rx_errors == 2);
	/* A receive buffer straddling the end of RAM: same. */
	b = (struct vqd_buf){ RAM_END - 64, 128, VQ_DESC_F_WRITE };
	fm_fill(&M, RAM_END - 64, UNTOUCHED, 64);
	vqd_chain(&RX, &b, 1, 5);
	port_rx(f, sizeof(f));
	CHECK(vqd_get_used(&RX, &id, &len) && id == 5 && len == 0);
	CHECK(fm_all(&M, RAM_END - 64, UNTOUCHED, 64));
	CHECK(N.st.rx_errors == 3);
}

static void rx_frames_of_impossible_size_take_no_buffer(void)
{
	static uint8_t f[MAX_FRAME + 1];
	struct vqd_buf b = { BUF, 4096, VQ_DESC_F_WRITE };
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	vqd_chain(&RX, &b, 1, 1);
	port_rx(f, ETH_HLEN - 1);
	port_rx(f, MAX_FRAME + 1);
	CHECK(N.st.rx_errors == 2);
	CHECK(!vqd_get_used(&RX, NULL, NULL));
	make_frame(f, ETH_HLEN, 11);
	port_rx(f, ETH_HLEN);
	CHECK(vqd_get_used(&RX, &id, NULL) && id == 1);
}

static void rx_before_driver_ok_is_counted_not_ready(void)
{
	uint8_t f[60];

	CHECK(setup(true) == READY);
	make_frame(f, sizeof(f), 12);
	CHECK(vdrv_negotiate(&N.dev, vdrv_features(&N.dev))
	      & VIRTIO_S_FEATURES_OK);
	port_rx(f, sizeof(f));
	CHECK(N.st.rx_not_ready == 1);
	CHECK(N.st.rx_no_buffer == 0);
}

/* --- link state ---------------------------------------------------------- */

static void link_change_updates_status_generation_and_interrupts(void)
{
	uint8_t gen;

	CHECK(setup(true) == READY);
	gen = (uint8_t)vdrv_r(&N.dev, VC_CONFIG_GEN, 1);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 6, 2) == 1);
	P.p.link_changed(P.p.consumer, false);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 6, 2) == 0);
	CHECK((uint8_t)vdrv_r(&N.dev, VC_CONFIG_GEN, 1) != gen);
	CHECK(MSI.per_vec[V_CONFIG] == 1 && MSI.total == 1);
	CHECK(N.dev.config_irqs == 1);
	CHECK(logstub_has("link down"));
	/* The same state again is no change. */
	gen = (uint8_t)vdrv_r(&N.dev, VC_CONFIG_GEN, 1);
	P.p.link_changed(P.p.consumer, false);
	CHECK((uint8_t)vdrv_r(&N.dev, VC_CONFIG_GEN, 1) == gen);
	CHECK(MSI.total == 1);
	P.p.link_changed(P.p.consumer, true);
	CHECK(vdrv_r(&N.dev, VDEV_DEVCFG_OFF + 6, 2) == 1);
	CHECK((uint8_t)vdrv_r(&N.dev, VC_CONFIG_GEN, 1) != gen);
	CHECK(MSI.per_vec[V_CONFIG] == 2);
	CHECK(logstub_has("link up"));
}

static void link_change_without_msix_sets_the_config_isr_bit(void)
{
	CHECK(setup(false) == READY);
	P.p.link_changed(P.p.consumer, false);
	CHECK(MSI.total == 0);
	/* ISR bit 1: configuration change (4.1.4.5). */
	CHECK(vdrv_r(&N.dev, VDEV_ISR_OFF, 1) == 2);
	CHECK(vdrv_r(&N.dev, VDEV_ISR_OFF, 1) == 0);
}

/* --- reset and unconfigured queues --------------------------------------- */

static void reset_drops_a_held_transmit_chain(void)
{
	uint8_t f[64];
	struct vqd_buf b = { BUF, VNET_HDR_LEN + 64, 0 };
	uint8_t ring[16 * 16];
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	make_frame(f, sizeof(f), 13);
	put_packet(BUF, f, 64);
	P.busy = true;
	vqd_chain(&TX, &b, 1, 1);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(N.tx_waiting);
	CHECK(vdrv_set_status(&N.dev, 0) == 0);
	CHECK(!N.tx_waiting);
	memcpy(ring, M.ram + TX_DESC, sizeof(ring));
	/* The port's "ready" after the reset sends nothing from the old
	 * ring and writes nothing into it. */
	P.busy = false;
	P.p.tx_ready(P.p.consumer);
	CHECK(P.accepted == 0 && P.calls == 1);
	CHECK(!memcmp(ring, M.ram + TX_DESC, sizeof(ring)));
	/* Set up again, it works. */
	CHECK(start_queues() == READY);
	put_packet(BUF, f, 64);
	vqd_chain(&TX, &b, 1, 2);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.accepted == 1 && !memcmp(P.frame[0], f, 64));
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 2);
}

static void held_frames_are_used_only_when_the_port_releases_them(void)
{
	uint8_t f[3][200];
	struct vqd_buf b[3];
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	P.hold = true;
	for (unsigned i = 0; i < 3; i++) {
		make_frame(f[i], sizeof(f[i]), 20 + i);
		put_packet(BUF + 0x1000 * i, f[i], sizeof(f[i]));
		b[i] = (struct vqd_buf){ BUF + 0x1000 * i,
					 VNET_HDR_LEN + sizeof(f[i]), 0 };
		vqd_chain(&TX, &b[i], 1, (uint16_t)(10 + i));
	}
	vdrv_notify(&N.dev, VNET_TXQ);
	/* Sent from the guest's buffers: none is used yet. */
	CHECK(P.accepted == 3 && P.held == 3 && P.may_hold);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(MSI.per_vec[V_TX] == 0);
	CHECK(N.st.tx_frames == 3 && N.st.tx_zero_copy == 3);
	port_release(2);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 10);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 11);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(MSI.per_vec[V_TX] == 1);
	/* A release of more than the port held changes nothing more. */
	port_release(1);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 12);
	P.p.tx_done(P.p.consumer, 5);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(N.held_count == 0);
}

static void frame_released_inside_tx_is_used_once_in_order(void)
{
	uint8_t f[2][80];
	struct vqd_buf b[2];
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	P.hold = true;
	for (unsigned i = 0; i < 2; i++) {
		make_frame(f[i], sizeof(f[i]), 30 + i);
		put_packet(BUF + 0x1000 * i, f[i], sizeof(f[i]));
		b[i] = (struct vqd_buf){ BUF + 0x1000 * i,
					 VNET_HDR_LEN + sizeof(f[i]), 0 };
	}
	vqd_chain(&TX, &b[0], 1, 1);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.held == 1 && !vqd_get_used(&TX, NULL, NULL));
	/* The second frame's tx() releases the first and itself. */
	P.release_inside = 2;
	vqd_chain(&TX, &b[1], 1, 2);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.held == 0);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 1);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 2);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	CHECK(N.held_count == 0);
}

/* Reset means no more access to the old buffers: while the NIC still
 * sends from them, device_status does not read 0 (the driver waits, 2.4
 * and 4.1.4.3.2); once the port gives the last of them back, the reset
 * completes, and nothing is written into any ring for them. */
static void reset_completes_only_when_the_port_gives_held_frames_back(void)
{
	uint8_t f[100];
	struct vqd_buf b = { BUF, VNET_HDR_LEN + 100, 0 };
	uint8_t ring[16 * 16];
	uint16_t id = 0;

	CHECK(setup(true) == READY);
	P.hold = true;
	make_frame(f, sizeof(f), 40);
	put_packet(BUF, f, 100);
	vqd_chain(&TX, &b, 1, 1);
	vqd_chain(&TX, &b, 1, 2);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.held == 2);
	memcpy(ring, M.ram + TX_DESC, sizeof(ring));
	CHECK(vdrv_set_status(&N.dev, 0) != 0);
	port_release(1);
	CHECK(vdrv_r(&N.dev, VIRTIO_PCI_COMMON_STATUS, 1) != 0);
	port_release(1);
	CHECK(vdrv_r(&N.dev, VIRTIO_PCI_COMMON_STATUS, 1) == 0);
	CHECK(!memcmp(ring, M.ram + TX_DESC, sizeof(ring)));
	/* The device works again after the reset. */
	CHECK(start_queues() == READY);
	vqd_chain(&TX, &b, 1, 7);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(P.held == 1);
	port_release(1);
	CHECK(vqd_get_used(&TX, &id, NULL) && id == 7);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
}

static void notify_on_receive_or_missing_queues_sends_nothing(void)
{
	struct vqd_buf b = { BUF, 2048, VQ_DESC_F_WRITE };

	CHECK(setup(true) == READY);
	vqd_chain(&RX, &b, 1, 1);
	N.dev.notifies_ignored = 0;
	/* Receive buffers are taken when frames arrive, not on notify. */
	vdrv_notify(&N.dev, VNET_RXQ);
	CHECK(!vqd_get_used(&RX, NULL, NULL));
	CHECK(N.dev.notifies_ignored == 0);
	vdrv_notify(&N.dev, 2);
	vdrv_notify(&N.dev, VDEV_MAX_QUEUES);
	CHECK(N.dev.notifies_ignored == 2);
	CHECK(P.calls == 0);
}

static void transmit_chain_longer_than_the_queue_stalls(void)
{
	uint8_t f[60];

	CHECK(setup(true) == READY);
	for (uint16_t i = 0; i < 16; i++)
		vqd_put(&TX, i, BUF, 64, 1, VQ_DESC_F_NEXT, true);
	vdrv_notify(&N.dev, VNET_TXQ);
	CHECK(N.dev.vq[VNET_TXQ].st.stalls == 1);
	CHECK(logstub_has("stalled"));
	CHECK(P.calls == 0);
	CHECK(!vqd_get_used(&TX, NULL, NULL));
	/* The device asks for a reset (2.1.2) and stops: receive takes no
	 * buffer either. */
	CHECK(vdrv_r(&N.dev, VIRTIO_PCI_COMMON_STATUS, 1)
	      == (READY | VIRTIO_S_NEEDS_RESET));
	{
		struct vqd_buf b = { BUF + 0x1000, 2048, VQ_DESC_F_WRITE };

		vqd_chain(&RX, &b, 1, 4);
		make_frame(f, sizeof(f), 14);
		port_rx(f, sizeof(f));
		CHECK(!vqd_get_used(&RX, NULL, NULL));
		CHECK(N.st.rx_not_ready == 1);
	}
	/* Reset and set up again: transmit works. */
	CHECK(start_queues() == READY);
	{
		struct vqd_buf b = { BUF, VNET_HDR_LEN + 60, 0 };

		put_packet(BUF, f, 60);
		vqd_chain(&TX, &b, 1, 5);
		vdrv_notify(&N.dev, VNET_TXQ);
		CHECK(P.accepted == 1);
	}
}

/* Before the I/O core sleeps, the driver is asked to notify about frames
 * to send, not about receive buffers: those wait for frames from the
 * port, which the I/O core polls anyway, and are no reason to stay
 * awake. */
static void a_nap_asks_for_transmit_notifications_only(void)
{
	struct vqd_buf b = { BUF, 2048, VQ_DESC_F_WRITE };
	uint16_t flags;

	POLLED = true;
	CHECK(setup(true) == READY);
	POLLED = false;
	vqd_dev_event(&RX, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	vqd_dev_event(&TX, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	vqd_chain(&RX, &b, 1, 7);
	CHECK(!vdev_poll_pause(&N.dev));
	vqd_dev_event(&RX, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	vqd_dev_event(&TX, NULL, &flags);
	CHECK(flags == VQ_EVENT_ENABLE);
	vdev_poll_resume(&N.dev);
	vqd_dev_event(&TX, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	CHECK(N.dev.vq[VNET_RXQ].receive && !N.dev.vq[VNET_TXQ].receive);
}

int main(void)
{
	RUN(held_frames_are_used_only_when_the_port_releases_them);
	RUN(a_nap_asks_for_transmit_notifications_only);
	RUN(frame_released_inside_tx_is_used_once_in_order);
	RUN(reset_completes_only_when_the_port_gives_held_frames_back);
	/* Lines survive a sanitizer abort in the middle of a test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(config_space_holds_mac_status_and_mtu);
	RUN(tx_frame_reaches_the_port_without_the_header);
	RUN(tx_back_pressure_keeps_the_chain_until_the_port_has_room);
	RUN(tx_back_pressure_sends_each_frame_exactly_once);
	RUN(tx_chains_that_are_not_a_frame_are_returned_unsent);
	RUN(rx_with_no_guest_buffers_is_counted_and_dropped);
	RUN(rx_into_a_posted_buffer_writes_header_and_frame);
	RUN(rx_buffer_too_small_is_returned_empty);
	RUN(rx_frames_of_impossible_size_take_no_buffer);
	RUN(rx_before_driver_ok_is_counted_not_ready);
	RUN(link_change_updates_status_generation_and_interrupts);
	RUN(link_change_without_msix_sets_the_config_isr_bit);
	RUN(reset_drops_a_held_transmit_chain);
	RUN(notify_on_receive_or_missing_queues_sends_nothing);
	RUN(transmit_chain_longer_than_the_queue_stalls);
	teardown();
	return CHECK_DONE();
}
