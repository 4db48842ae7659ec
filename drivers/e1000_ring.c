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

#include "hv/log.h"

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
		   uint32_t len);

void e1000_rings_init(struct e1000 *e)
{
	memset(e->rx, 0, RX_RING_BYTES);
	memset(e->tx, 0, TX_RING_BYTES);
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		e->rx[i].addr = phys(rx_buffer(e, i));
	e->rx_next = 0;
	e->rx_discard = false;
	e->tx_tail = e->tx_clean = 0;
	e->tx_wanted = false;
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

static void rx_bad(struct e1000 *e, unsigned i, const char *why,
		   unsigned len, unsigned status, unsigned errors)
{
	if (e->st.rx_bad_desc + e->st.rx_errors < 16)
		log_msg("e1000: %s: receive descriptor %u dropped: %s "
			"(length %u, status 0x%02x, errors 0x%02x)", e->where,
			i, why, len, status, errors);
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
		e1000_wr(e, E1000_RDT, (e->rx_next + E1000_RX_DESCS - 1)
					       % E1000_RX_DESCS);
	}
	return taken;
}

/* --- transmit ------------------------------------------------------ */

static unsigned tx_in_flight(const struct e1000 *e)
{
	return (e->tx_tail + E1000_TX_DESCS - e->tx_clean) % E1000_TX_DESCS;
}

/* Completed descriptors, oldest first, up to the first one not done. */
static void tx_reap(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail) {
		if (!(READ_ONCE(e->tx[e->tx_clean].status) & E1000_TXD_DD))
			break;
		e->tx_clean = (e->tx_clean + 1) % E1000_TX_DESCS;
		e->tx_since_ns = e->now_ns;
	}
}

bool e1000_tx_reclaim(struct e1000 *e)
{
	tx_reap(e);
	if (e->tx_wanted && tx_in_flight(e) < E1000_TX_DESCS - 1) {
		e->tx_wanted = false;
		if (e->port.tx_ready)
			e->port.tx_ready(e->port.consumer);
	}
	return e->tx_clean != e->tx_tail
	       && e->now_ns - e->tx_since_ns > E1000_TX_HANG_NS;
}

/* The frame port's tx: one descriptor per frame, the frame gathered into
 * the descriptor's own buffer (so the consumer's memory is free at once
 * and the NIC never reads memory the consumer may still change). */
static int ring_tx(struct frame_port *p, const struct fp_sg *sg, unsigned n,
		   uint32_t len)
{
	struct e1000 *e = p->priv;
	uint64_t total = 0;

	for (unsigned k = 0; k < n; k++)
		total += sg[k].len;
	if (len < ETH_HLEN || len > E1000_BUF_SIZE || total != len) {
		e->st.tx_dropped++;
		return FP_OK; /* nothing a retry would mend */
	}
	if (tx_in_flight(e) == E1000_TX_DESCS - 1)
		tx_reap(e);
	if (tx_in_flight(e) == E1000_TX_DESCS - 1) {
		e->st.tx_busy++;
		e->tx_wanted = true;
		return FP_BUSY;
	}
	unsigned i = e->tx_tail;
	uint8_t *buf = e->tx_buf + (size_t)i * E1000_BUF_SIZE;
	uint32_t at = 0;

	for (unsigned k = 0; k < n; k++) {
		memcpy(buf + at, sg[k].p, sg[k].len);
		at += sg[k].len;
	}
	if (e->tx_clean == e->tx_tail)
		e->tx_since_ns = e->now_ns; /* the ring starts moving */
	struct e1000_tx_desc *d = &e->tx[i];

	d->addr = phys(buf);
	d->length = (uint16_t)len;
	d->cso = d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS;
	e->tx_tail = (i + 1) % E1000_TX_DESCS;
	/* The descriptor and buffer before the tail moves. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	e1000_wr(e, E1000_TDT, e->tx_tail);
	e->st.tx_frames++;
	e->st.tx_bytes += len;
	e->st.tx_copied += len;
	/* An emulated NIC sends during the tail write: take it back now. */
	tx_reap(e);
	return FP_OK;
}
