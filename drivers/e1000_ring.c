/* The e1000 family's receive and transmit rings (see e1000.h).  Nothing
 * here touches the CPU or the PCI bus: only the rings' memory and the
 * NIC's registers through e->regs, so the host tests play the NIC with
 * plain memory and hostile values.
 *
 * Ownership (8254x SDM 3.2.6, 3.4): the NIC owns receive descriptors
 * [RDH, RDT) and transmit descriptors [TDH, TDT).  The driver never reads
 * RDH or TDH to decide anything: it keeps its own indices (rx_next,
 * tx_clean, tx_tail) and trusts a descriptor's DD bit only at those
 * indices, so a NIC that reports a wild head cannot make it touch memory
 * it did not hand over. */
#include "drivers/e1000.h"

#include <string.h>

#include "hv/base/log.h"

#define RX_RING_BYTES (E1000_RX_DESCS * sizeof(struct e1000_rx_desc))
#define TX_RING_BYTES (E1000_TX_DESCS * sizeof(struct e1000_tx_desc))

/* The NIC writes descriptors behind the compiler's back. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

static uint64_t phys(const void *p)
{
	return (uint64_t)(uintptr_t)p; /* Plinth identity-maps its memory */
}

static uint8_t *rx_buffer(const struct e1000 *e, unsigned i)
{
	return e->rx_buf + (size_t)i * E1000_BUF_SIZE;
}

static int ring_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold);

void e1000_rings_init(struct e1000 *e)
{
	memset(e->rx, 0, RX_RING_BYTES);
	memset(e->tx, 0, TX_RING_BYTES);
	memset(e->tx_held_end, 0, sizeof(e->tx_held_end));
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		e->rx[i].addr = phys(rx_buffer(e, i));
	e->rx_next = 0;
	e->rx_discard = false;
	e->tx_tail = e->tx_clean = 0;
	e->tx_wanted = false;
	e->tx_released = 0;
	e->tx_since_ns = e->now_ns;
	e1000_wr(e, E1000_RDBAL, (uint32_t)phys(e->rx));
	e1000_wr(e, E1000_RDBAH, (uint32_t)(phys(e->rx) >> 32));
	e1000_wr(e, E1000_RDLEN, (uint32_t)RX_RING_BYTES);
	e1000_wr(e, E1000_RDH, 0);
	/* All but one: RDH == RDT would mean "no buffers" (3.2.6). */
	e1000_wr(e, E1000_RDT, E1000_RX_DESCS - 1);
	e1000_wr(e, E1000_TDBAL, (uint32_t)phys(e->tx));
	e1000_wr(e, E1000_TDBAH, (uint32_t)(phys(e->tx) >> 32));
	e1000_wr(e, E1000_TDLEN, (uint32_t)TX_RING_BYTES);
	e1000_wr(e, E1000_TDH, 0);
	e1000_wr(e, E1000_TDT, 0);
	e->port.tx = ring_tx;
	e->port.priv = e;
}

/* --- receive ------------------------------------------------------- */

static void rx_bad(struct e1000 *e, unsigned i, const char *why, unsigned len,
		   unsigned status, unsigned errors)
{
	log_limited(e->st.rx_bad_desc + e->st.rx_errors, 16, "",
		    "e1000: %s: receive descriptor %u dropped: %s (length %u, "
		    "status 0x%02x, errors 0x%02x)",
		    e->where, i, why, len, status, errors);
}

/* One descriptor the NIC has marked done: its frame goes to the consumer
 * if the driver can believe it. */
static void rx_one(struct e1000 *e, unsigned i, uint8_t status)
{
	struct e1000_rx_desc *d = &e->rx[i];
	/* Each field once, after DD (the NIC writes DD last; x86 does not
	 * reorder loads with loads, so the compiler barrier in READ_ONCE is
	 * the acquire this needs). */
	unsigned len = READ_ONCE(d->length);
	unsigned errors = READ_ONCE(d->errors);

	if (e->rx_discard) {
		/* The tail of a frame whose start was dropped. */
		if (status & E1000_RXD_EOP)
			e->rx_discard = false;
		e->st.rx_bad_desc++;
	} else if (!(status & E1000_RXD_EOP)) {
		/* Buffers hold any frame this driver accepts (no LPE), so a
		 * frame in pieces is not one it asked for. */
		rx_bad(e, i, "frame without end-of-packet", len, status,
		       errors);
		e->st.rx_bad_desc++;
		e->rx_discard = true;
	} else if (errors & E1000_RXE_FRAME) {
		rx_bad(e, i, "receive error", len, status, errors);
		e->st.rx_errors++;
	} else if (len < ETH_HLEN || len > E1000_BUF_SIZE) {
		rx_bad(e, i, "length outside the buffer", len, status, errors);
		e->st.rx_bad_desc++;
	} else {
		e->st.rx_frames++;
		e->st.rx_bytes += len;
		if (e->port.rx)
			e->port.rx(e->port.consumer, rx_buffer(e, i), len);
	}
	/* Back to the NIC as new: the address too, in case the NIC wrote
	 * over it. */
	WRITE_ONCE(d->addr, phys(rx_buffer(e, i)));
	WRITE_ONCE(d->length, 0);
	WRITE_ONCE(d->errors, 0);
	WRITE_ONCE(d->status, 0);
}

unsigned e1000_rx_poll(struct e1000 *e)
{
	unsigned taken = 0;

	while (taken < E1000_RX_BATCH) {
		unsigned i = e->rx_next;
		uint8_t status = READ_ONCE(e->rx[i].status);

		if (!(status & E1000_RXD_DD))
			break;
		rx_one(e, i, status);
		e->rx_next = (i + 1) % E1000_RX_DESCS;
		taken++;
	}
	if (taken) {
		/* The descriptors' contents before the tail moves. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		e1000_wr(e, E1000_RDT,
			 (e->rx_next + E1000_RX_DESCS - 1) % E1000_RX_DESCS);
	}
	return taken;
}

bool e1000_rx_waiting(const struct e1000 *e)
{
	return READ_ONCE(e->rx[e->rx_next].status) & E1000_RXD_DD;
}

bool e1000_wake_arm(struct e1000 *e)
{
	if (!e->wakes || e->dead)
		return false;
	/* Causes left from while it was polled go: reading ICR clears it
	 * (82574 datasheet 7.4.5, outside MSI-X).  Then unmask, and only
	 * then look at the ring: a frame written back after the look finds
	 * the interrupt unmasked, and one before it is seen.  The fence
	 * keeps the look (a load) after the unmask (a store): x86 may
	 * otherwise pass a load before an earlier store. */
	(void)e1000_rd(e, E1000_ICR);
	e1000_wr(e, E1000_IMS, E1000_ICR_RX);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return e1000_rx_waiting(e);
}

void e1000_wake_disarm(struct e1000 *e)
{
	if (!e->wakes)
		return;
	e1000_wr(e, E1000_IMC, ~0u);
	(void)e1000_rd(e, E1000_ICR);
}

/* --- transmit ------------------------------------------------------ */

static unsigned tx_in_flight(const struct e1000 *e)
{
	return (e->tx_tail + E1000_TX_DESCS - e->tx_clean) % E1000_TX_DESCS;
}

/* Completed descriptors, oldest first, up to the first one not done;
 * their held frames are counted for the consumer.  Every descriptor asks
 * for its status (RS), so each one's DD is believed on its own. */
static void tx_reap(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail) {
		unsigned i = e->tx_clean;

		if (!(READ_ONCE(e->tx[i].status) & E1000_TXD_DD))
			break;
		if (e->tx_held_end[i]) {
			e->tx_held_end[i] = false;
			e->tx_released++;
		}
		e->tx_clean = (i + 1) % E1000_TX_DESCS;
		e->tx_since_ns = e->now_ns;
	}
}

/* Tells the consumer which held frames are done.  Not in the middle of
 * queueing a frame: a consumer may send from tx_done, and its frame must
 * not slip into the ring ahead of the one being queued. */
static void tx_notify(struct e1000 *e)
{
	unsigned n = e->tx_released;

	e->tx_released = 0;
	if (n && e->port.tx_done)
		e->port.tx_done(e->port.consumer, n);
}

unsigned e1000_tx_held(const struct e1000 *e)
{
	unsigned n = 0;

	for (unsigned i = e->tx_clean; i != e->tx_tail;
	     i = (i + 1) % E1000_TX_DESCS)
		n += e->tx_held_end[i];
	return n;
}

bool e1000_tx_reclaim(struct e1000 *e)
{
	tx_reap(e);
	tx_notify(e);
	if (e->tx_wanted
	    && tx_in_flight(e) + e->tx_wanted_descs <= E1000_TX_DESCS - 1) {
		e->tx_wanted = false;
		if (e->port.tx_ready)
			e->port.tx_ready(e->port.consumer);
	}
	return e->tx_clean != e->tx_tail
	       && e->now_ns - e->tx_since_ns > E1000_TX_HANG_NS;
}

/* Fills descriptor i; `last` ends the frame. */
static void put_desc(struct e1000 *e, unsigned i, uint64_t addr, uint32_t len,
		     bool last)
{
	struct e1000_tx_desc *d = &e->tx[i];

	d->addr = addr;
	d->length = (uint16_t)len;
	d->cso = d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1000_TXD_IFCS | E1000_TXD_RS | (last ? E1000_TXD_EOP : 0);
	e->tx_held_end[i] = false;
}

/* The descriptors a held frame takes: its header, then each piece of
 * the rest; 0 when it would take more than E1000_ZC_DESCS. */
static unsigned held_descs(const struct fp_sg *sg, unsigned n)
{
	uint32_t skip = ETH_HLEN;
	unsigned k = 1;

	for (unsigned i = 0; i < n; i++) {
		uint32_t l = sg[i].len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		skip = 0;
		if (++k > E1000_ZC_DESCS)
			return 0;
	}
	return k;
}

/* The frame port's tx.  A copied frame takes one descriptor and its
 * buffer; a held one its header in the first descriptor's buffer and the
 * consumer's pieces in the rest. */
static int ring_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len, bool may_hold)
{
	struct e1000 *e = p->priv;
	uint64_t total = 0;
	unsigned need = 1;

	for (unsigned k = 0; k < n; k++)
		total += sg[k].len;
	/* Nothing a retry would mend; and without link (or after a failed
	 * reset) the NIC sends nothing, so queued frames would only stall
	 * the ring into a reset. */
	if (len < ETH_HLEN || len > E1000_BUF_SIZE || total != len
	    || !p->link_up || e->dead) {
		e->st.tx_dropped++;
		return FP_OK;
	}
	bool hold = may_hold && len >= E1000_ZC_MIN
		    && (need = held_descs(sg, n)) != 0;

	if (!hold)
		need = 1;
	if (tx_in_flight(e) + need > E1000_TX_DESCS - 1)
		tx_reap(e);
	if (tx_in_flight(e) + need > E1000_TX_DESCS - 1) {
		e->st.tx_busy++;
		e->tx_wanted = true;
		e->tx_wanted_descs = need;
		return FP_BUSY;
	}
	unsigned i = e->tx_tail;
	uint8_t *buf = e->tx_buf + (size_t)i * E1000_BUF_SIZE;
	uint32_t at = 0, want = hold ? ETH_HLEN : len;
	unsigned k = 0;

	/* The copied part: the whole frame, or the header. */
	for (; k < n && at < want; k++) {
		bool part = sg[k].len > want - at;
		uint32_t c = part ? want - at : sg[k].len;

		memcpy(buf + at, sg[k].p, c);
		at += c;
		if (part)
			break; /* the rest of this piece goes by reference */
	}
	if (e->tx_clean == e->tx_tail)
		e->tx_since_ns = e->now_ns; /* the ring starts moving */
	put_desc(e, i, phys(buf), want, !hold);
	i = (i + 1) % E1000_TX_DESCS;
	if (hold) {
		uint32_t skip = at;

		/* skip: bytes of frame already covered; walk from piece 0. */
		for (unsigned j = 0, off = 0; j < n; off += sg[j].len, j++) {
			uint32_t from = skip > off ? skip - off : 0;

			if (from >= sg[j].len)
				continue;
			put_desc(e, i, phys(sg[j].p + from), sg[j].len - from,
				 off + sg[j].len == len);
			if (off + sg[j].len == len)
				e->tx_held_end[i] = true;
			i = (i + 1) % E1000_TX_DESCS;
		}
		e->st.tx_held++;
	}
	e->tx_tail = i;
	/* The descriptors and the buffer before the tail moves. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	e1000_wr(e, E1000_TDT, e->tx_tail);
	e->st.tx_frames++;
	e->st.tx_bytes += len;
	e->st.tx_copied += want;
	/* An emulated NIC sends during the tail write: take it back now.  A
	 * held frame released here reaches the consumer before tx()
	 * returns FP_HELD, which the frame port allows. */
	tx_reap(e);
	tx_notify(e);
	return hold ? FP_HELD : FP_OK;
}
