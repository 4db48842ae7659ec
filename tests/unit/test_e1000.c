/* The e1000 driver's rings (drivers/e1000_ring.c) against a NIC played
 * by the test: plain memory for the registers, descriptors written with
 * whatever a broken or hostile NIC might write back. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"

#include <stdlib.h>

#include "drivers/e1000.h"

static struct e1000 E;
static uint8_t *regs;

/* What the consumer was given. */
static uint8_t got[4096];
static uint32_t got_len;
static int got_frames, ready_calls, released;

static void on_rx(void *consumer, const uint8_t *frame, uint32_t len)
{
	(void)consumer;
	CHECK(len <= sizeof(got));
	memcpy(got, frame, len);
	got_len = len;
	got_frames++;
}

static void on_tx_ready(void *consumer)
{
	(void)consumer;
	ready_calls++;
}

static void on_tx_done(void *consumer, unsigned frames)
{
	(void)consumer;
	released += (int)frames;
}

static void setup(void)
{
	static struct e1000_rx_desc rx[E1000_RX_DESCS];
	static struct e1000_tx_desc tx[E1000_TX_DESCS];
	static uint8_t *rxb, *txb;

	if (!regs) {
		regs = calloc(1, E1000_REGS_SIZE);
		rxb = malloc(E1000_RX_DESCS * E1000_BUF_SIZE);
		txb = malloc(E1000_TX_DESCS * E1000_BUF_SIZE);
	}
	memset(regs, 0, E1000_REGS_SIZE);
	memset(&E, 0, sizeof(E));
	E.regs = regs;
	E.rx = rx;
	E.tx = tx;
	E.rx_buf = rxb;
	E.tx_buf = txb;
	snprintf(E.where, sizeof(E.where), "test");
	e1000_rings_init(&E);
	E.port.rx = on_rx;
	E.port.tx_ready = on_tx_ready;
	E.port.tx_done = on_tx_done;
	E.port.link_up = true;
	got_len = 0;
	got_frames = ready_calls = logstub_lines = released = 0;
}

static uint32_t reg(unsigned off)
{
	uint32_t v;

	memcpy(&v, regs + off, 4);
	return v;
}

static void set_reg(unsigned off, uint32_t v)
{
	memcpy(regs + off, &v, 4);
}

/* The NIC's side of a receive: frame bytes into descriptor i's buffer
 * and the write-back. */
static void nic_receive(unsigned i, const uint8_t *data, uint16_t len,
			uint8_t status, uint8_t errors)
{
	uint8_t *buf = (uint8_t *)(uintptr_t)E.rx[i].addr;

	if (data)
		memcpy(buf, data, len);
	E.rx[i].length = len;
	E.rx[i].errors = errors;
	E.rx[i].status = status;
}

static void frame_of(uint8_t *f, unsigned len, uint8_t seed)
{
	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

static void rings_are_programmed_with_all_but_one_buffer(void)
{
	setup();
	CHECK(reg(E1000_RDLEN) == E1000_RX_DESCS * 16);
	CHECK(reg(E1000_RDH) == 0);
	CHECK(reg(E1000_RDT) == E1000_RX_DESCS - 1);
	CHECK(reg(E1000_TDLEN) == E1000_TX_DESCS * 16);
	CHECK(reg(E1000_TDT) == 0);
	uint64_t base = (uint64_t)reg(E1000_RDBAH) << 32 | reg(E1000_RDBAL);

	CHECK(base == (uint64_t)(uintptr_t)E.rx);
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		CHECK(E.rx[i].addr
		      == (uint64_t)(uintptr_t)(E.rx_buf + i * E1000_BUF_SIZE));
}

static void good_frame_reaches_the_consumer_and_the_buffer_goes_back(void)
{
	uint8_t f[60];

	setup();
	frame_of(f, sizeof(f), 1);
	nic_receive(0, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	CHECK(e1000_rx_poll(&E) == 1);
	CHECK(got_frames == 1 && got_len == 60 && !memcmp(got, f, 60));
	CHECK(E.rx[0].status == 0);
	CHECK(reg(E1000_RDT) == 0); /* descriptor 0 handed back */
	CHECK(E.st.rx_frames == 1 && E.st.rx_bytes == 60);
	/* Nothing more until the NIC marks the next one. */
	CHECK(e1000_rx_poll(&E) == 0);
	CHECK(got_frames == 1);
}

static void length_over_the_buffer_is_dropped_not_read(void)
{
	setup();
	nic_receive(0, NULL, E1000_BUF_SIZE + 1, E1000_RXD_DD | E1000_RXD_EOP,
		    0);
	nic_receive(1, NULL, 0xffff, E1000_RXD_DD | E1000_RXD_EOP, 0);
	nic_receive(2, NULL, 13, E1000_RXD_DD | E1000_RXD_EOP, 0);
	nic_receive(3, NULL, 0, E1000_RXD_DD | E1000_RXD_EOP, 0);
	CHECK(e1000_rx_poll(&E) == 4);
	CHECK(got_frames == 0);
	CHECK(E.st.rx_bad_desc == 4);
	CHECK(logstub_lines > 0);
	/* A buffer-sized frame is fine. */
	nic_receive(4, NULL, E1000_BUF_SIZE, E1000_RXD_DD | E1000_RXD_EOP, 0);
	CHECK(e1000_rx_poll(&E) == 1);
	CHECK(got_frames == 1 && got_len == E1000_BUF_SIZE);
}

static void receive_errors_drop_but_checksum_verdicts_do_not(void)
{
	static const uint8_t frame_errors[] = { 0x01, 0x02, 0x04, 0x10, 0x80 };
	uint8_t f[64];

	setup();
	frame_of(f, sizeof(f), 3);
	for (unsigned i = 0; i < sizeof(frame_errors); i++)
		nic_receive(i, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP,
			    frame_errors[i]);
	CHECK(e1000_rx_poll(&E) == sizeof(frame_errors));
	CHECK(got_frames == 0 && E.st.rx_errors == sizeof(frame_errors));
	/* TCPE and IPE: the consumer checks its own checksums. */
	nic_receive(5, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0x60);
	CHECK(e1000_rx_poll(&E) == 1 && got_frames == 1);
}

static void frame_in_pieces_is_dropped_to_its_end(void)
{
	uint8_t f[100];

	setup();
	frame_of(f, sizeof(f), 9);
	nic_receive(0, f, sizeof(f), E1000_RXD_DD, 0);	/* no EOP */
	nic_receive(1, f, sizeof(f), E1000_RXD_DD, 0);	/* middle */
	nic_receive(2, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	nic_receive(3, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	CHECK(e1000_rx_poll(&E) == 4);
	CHECK(got_frames == 1 && got_len == 100);
	CHECK(E.st.rx_bad_desc == 3 && E.st.rx_frames == 1);
}

static void done_bit_out_of_order_is_not_believed(void)
{
	uint8_t f[60];

	setup();
	frame_of(f, sizeof(f), 5);
	/* The NIC claims descriptor 5 while 0 is still its own, and reports
	 * a head far outside the ring. */
	nic_receive(5, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	set_reg(E1000_RDH, 0xffffffffu);
	CHECK(e1000_rx_poll(&E) == 0);
	CHECK(got_frames == 0);
	CHECK(reg(E1000_RDT) == E1000_RX_DESCS - 1);
}

static void buffer_address_overwritten_by_the_nic_is_restored(void)
{
	uint8_t f[60];

	setup();
	frame_of(f, sizeof(f), 7);
	nic_receive(0, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	E.rx[0].addr = 0xdead0000; /* after its own write-back */
	CHECK(e1000_rx_poll(&E) == 1);
	CHECK(E.rx[0].addr == (uint64_t)(uintptr_t)E.rx_buf);
}

static void one_poll_takes_at_most_a_batch_and_wraps_the_ring(void)
{
	uint8_t f[60];

	setup();
	frame_of(f, sizeof(f), 2);
	for (unsigned k = 0; k < 100; k++)
		nic_receive(k, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	CHECK(e1000_rx_poll(&E) == E1000_RX_BATCH);
	CHECK(e1000_rx_poll(&E) == 100 - E1000_RX_BATCH);
	CHECK(e1000_rx_poll(&E) == 0);
	CHECK(reg(E1000_RDT) == 99);
	/* Three laps of 200 frames each, as the NIC goes round. */
	for (unsigned lap = 0; lap < 3; lap++) {
		unsigned start = E.rx_next, taken = 0, n;

		for (unsigned k = 0; k < 200; k++)
			nic_receive((start + k) % E1000_RX_DESCS, f, sizeof(f),
				    E1000_RXD_DD | E1000_RXD_EOP, 0);
		while ((n = e1000_rx_poll(&E)))
			taken += n;
		CHECK(taken == 200);
		CHECK(E.rx_next == (start + 200) % E1000_RX_DESCS);
		CHECK(reg(E1000_RDT) == (start + 199) % E1000_RX_DESCS);
	}
	CHECK(got_frames == 700);
}

/* --- transmit ------------------------------------------------------ */

static int send(const uint8_t *f, uint32_t len)
{
	/* In two pieces, to exercise the gather. */
	struct fp_sg sg[2] = { { f, len / 2 }, { f + len / 2, len - len / 2 } };

	return E.port.tx(&E.port, sg, 2, len, false);
}

static void frame_is_copied_into_its_descriptor_buffer(void)
{
	uint8_t f[300];

	setup();
	frame_of(f, sizeof(f), 11);
	CHECK(send(f, sizeof(f)) == FP_OK);
	CHECK(reg(E1000_TDT) == 1);
	const struct e1000_tx_desc *d = &E.tx[0];

	CHECK(d->length == 300);
	CHECK(d->cmd == (E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS));
	CHECK(d->addr == (uint64_t)(uintptr_t)E.tx_buf);
	CHECK(!memcmp(E.tx_buf, f, sizeof(f)));
	/* The consumer's buffer may change at once; the NIC's copy not. */
	f[0] ^= 0xff;
	CHECK(E.tx_buf[0] != f[0]);
	CHECK(E.st.tx_frames == 1 && E.st.tx_copied == 300);
}

static void malformed_frames_are_dropped_not_queued(void)
{
	uint8_t f[E1000_BUF_SIZE + 1];
	struct fp_sg sg = { f, 100 };

	setup();
	frame_of(f, sizeof(f), 1);
	CHECK(send(f, 13) == FP_OK);
	CHECK(send(f, E1000_BUF_SIZE + 1) == FP_OK);
	/* A length that does not match the gather list. */
	CHECK(E.port.tx(&E.port, &sg, 1, 200, false) == FP_OK);
	CHECK(reg(E1000_TDT) == 0 && E.st.tx_dropped == 3);
}

static void full_ring_refuses_then_says_when_there_is_room(void)
{
	uint8_t f[64];

	setup();
	frame_of(f, sizeof(f), 4);
	for (unsigned i = 0; i < E1000_TX_DESCS - 1; i++)
		CHECK(send(f, sizeof(f)) == FP_OK);
	CHECK(send(f, sizeof(f)) == FP_BUSY);
	CHECK(E.st.tx_busy == 1 && ready_calls == 0);
	/* A done bit on a later descriptor frees nothing: completion is in
	 * order. */
	E.tx[5].status = E1000_TXD_DD;
	CHECK(!e1000_tx_reclaim(&E));
	CHECK(ready_calls == 0 && E.tx_clean == 0);
	E.tx[0].status = E1000_TXD_DD;
	CHECK(!e1000_tx_reclaim(&E));
	CHECK(ready_calls == 1 && E.tx_clean == 1);
	CHECK(send(f, sizeof(f)) == FP_OK);
	CHECK(reg(E1000_TDT) == 0); /* wrapped */
}

static void ring_that_stops_completing_is_reported_as_hung(void)
{
	uint8_t f[64];

	setup();
	frame_of(f, sizeof(f), 6);
	E.now_ns = 1000;
	CHECK(send(f, sizeof(f)) == FP_OK);
	E.now_ns += E1000_TX_HANG_NS;
	CHECK(!e1000_tx_reclaim(&E));
	E.now_ns += 1;
	CHECK(e1000_tx_reclaim(&E));
	/* An empty ring never hangs, however long it idles. */
	setup();
	E.now_ns = 10 * E1000_TX_HANG_NS;
	CHECK(!e1000_tx_reclaim(&E));
	/* Completion keeps the clock fresh. */
	E.now_ns = 1000;
	CHECK(send(f, sizeof(f)) == FP_OK);
	E.now_ns += E1000_TX_HANG_NS - 1;
	E.tx[0].status = E1000_TXD_DD;
	CHECK(send(f, sizeof(f)) == FP_OK);
	E.now_ns += E1000_TX_HANG_NS;
	CHECK(!e1000_tx_reclaim(&E));
}

/* --- frames sent from the consumer's buffers ------------------------- */

static void long_frame_goes_from_the_consumers_buffers_but_its_header(void)
{
	uint8_t f[1000];
	/* The header split over two pieces, then two more. */
	struct fp_sg sg[4] = { { f, 10 }, { f + 10, 90 }, { f + 100, 400 },
			       { f + 500, 500 } };

	setup();
	frame_of(f, sizeof(f), 8);
	CHECK(E.port.tx(&E.port, sg, 4, 1000, true) == FP_HELD);
	CHECK(reg(E1000_TDT) == 4);
	/* The header, copied: what the switch checked is what is sent. */
	CHECK(E.tx[0].addr == (uint64_t)(uintptr_t)E.tx_buf);
	CHECK(E.tx[0].length == ETH_HLEN && !memcmp(E.tx_buf, f, ETH_HLEN));
	CHECK(E.tx[0].cmd == (E1000_TXD_IFCS | E1000_TXD_RS));
	/* The rest by reference, the end of the frame marked. */
	CHECK(E.tx[1].addr == (uint64_t)(uintptr_t)(f + ETH_HLEN)
	      && E.tx[1].length == 100 - ETH_HLEN);
	CHECK(E.tx[2].addr == (uint64_t)(uintptr_t)(f + 100)
	      && E.tx[2].length == 400);
	CHECK(E.tx[3].addr == (uint64_t)(uintptr_t)(f + 500)
	      && E.tx[3].length == 500);
	CHECK(E.tx[3].cmd == (E1000_TXD_IFCS | E1000_TXD_RS | E1000_TXD_EOP));
	CHECK(E.st.tx_copied == ETH_HLEN && E.st.tx_held == 1);
	CHECK(e1000_tx_held(&E) == 1);
	/* Released only when its last descriptor is done. */
	for (unsigned i = 0; i < 3; i++)
		E.tx[i].status = E1000_TXD_DD;
	e1000_tx_reclaim(&E);
	CHECK(released == 0);
	E.tx[3].status = E1000_TXD_DD;
	e1000_tx_reclaim(&E);
	CHECK(released == 1 && e1000_tx_held(&E) == 0);
}

static void short_frames_and_many_pieces_are_copied_link_down_dropped(void)
{
	uint8_t f[1000];
	struct fp_sg one = { f, 200 }, many[12];

	setup();
	frame_of(f, sizeof(f), 9);
	CHECK(E.port.tx(&E.port, &one, 1, 200, true) == FP_OK);
	for (unsigned i = 0; i < 12; i++)
		many[i] = (struct fp_sg){ f + 80 * i, i == 11 ? 120 : 80 };
	CHECK(E.port.tx(&E.port, many, 12, 1000, true) == FP_OK);
	CHECK(!memcmp(E.tx_buf + E1000_BUF_SIZE, f, 1000));
	CHECK(E.st.tx_held == 0 && E.st.tx_copied == 1200);
	CHECK(reg(E1000_TDT) == 2);
	/* Without link the NIC sends nothing: frames are dropped, not left
	 * to stall the ring into a reset. */
	E.port.link_up = false;
	one.len = 1000;
	CHECK(E.port.tx(&E.port, &one, 1, 1000, true) == FP_OK);
	CHECK(reg(E1000_TDT) == 2 && E.st.tx_dropped == 1);
}

static void held_frame_released_while_sending_when_the_nic_is_quick(void)
{
	uint8_t f[600];
	struct fp_sg sg = { f, 600 };

	setup();
	frame_of(f, sizeof(f), 10);
	/* Descriptors the NIC will have finished by the time the driver
	 * looks after the tail write (an emulated NIC sends then). */
	E.tx[0].status = 0;
	CHECK(E.port.tx(&E.port, &sg, 1, 600, true) == FP_HELD);
	CHECK(released == 0);
	E.tx[0].status = E1000_TXD_DD;
	E.tx[1].status = E1000_TXD_DD;
	CHECK(E.port.tx(&E.port, &sg, 1, 600, true) == FP_HELD);
	/* The first is released inside the second's tx(). */
	CHECK(released == 1 && e1000_tx_held(&E) == 1);
}

static void refused_held_frame_is_woken_when_it_fits(void)
{
	uint8_t f[600];
	struct fp_sg sg[4] = { { f, 100 }, { f + 100, 200 }, { f + 300, 200 },
			       { f + 500, 100 } };

	setup();
	frame_of(f, sizeof(f), 12);
	/* Fill the ring to two free descriptors short of a held frame of
	 * five (header and four pieces). */
	while (E1000_TX_DESCS - 1 - (E.tx_tail - E.tx_clean) % E1000_TX_DESCS
	       > 3)
		CHECK(send(f, 60) == FP_OK);
	CHECK(E.port.tx(&E.port, sg, 4, 600, true) == FP_BUSY);
	/* One descriptor back: still too few, no wake-up. */
	E.tx[0].status = E1000_TXD_DD;
	e1000_tx_reclaim(&E);
	CHECK(ready_calls == 0);
	E.tx[1].status = E1000_TXD_DD;
	e1000_tx_reclaim(&E);
	CHECK(ready_calls == 1);
	CHECK(E.port.tx(&E.port, sg, 4, 600, true) == FP_HELD);
}

/* A consumer that sends from tx_done: its frame must queue after the
 * one being sent when the release happened. */
static unsigned tail_at_release;

static void on_tx_done_send(void *consumer, unsigned frames)
{
	(void)consumer;
	released += (int)frames;
	tail_at_release = E.tx_tail;
}

static void releases_reach_the_consumer_after_the_frame_is_queued(void)
{
	uint8_t f[600];
	struct fp_sg sg = { f, 600 };

	setup();
	E.port.tx_done = on_tx_done_send;
	frame_of(f, sizeof(f), 13);
	CHECK(E.port.tx(&E.port, &sg, 1, 600, true) == FP_HELD);
	E.tx[0].status = E.tx[1].status = E1000_TXD_DD;
	/* The ring is full but for this frame's room: the release found
	 * while making room waits until the frame is in. */
	CHECK(E.port.tx(&E.port, &sg, 1, 600, true) == FP_HELD);
	CHECK(released == 1 && tail_at_release == 4);
}

/* A CPU about to sleep on the NIC: the receive interrupts are unmasked
 * and a frame already written back calls the sleep off; after it, they
 * are masked again.  A NIC without MSI unmasks nothing, and the sleeper
 * wakes on its timer. */
static void wake_arm_unmasks_and_finds_a_waiting_frame(void)
{
	uint8_t f[64];

	setup();
	CHECK(!e1000_wake_arm(&E) && reg(E1000_IMS) == 0);
	E.wakes = true;
	CHECK(!e1000_wake_arm(&E));
	CHECK(reg(E1000_IMS) == E1000_ICR_RX);
	e1000_wake_disarm(&E);
	CHECK(reg(E1000_IMC) == ~0u);
	frame_of(f, sizeof(f), 3);
	nic_receive(0, f, sizeof(f), E1000_RXD_DD | E1000_RXD_EOP, 0);
	set_reg(E1000_IMS, 0);
	CHECK(e1000_wake_arm(&E) && reg(E1000_IMS) == E1000_ICR_RX);
	e1000_wake_disarm(&E);
	CHECK(e1000_rx_poll(&E) == 1 && got_frames == 1);
	CHECK(!e1000_wake_arm(&E));
	E.dead = true; /* out of use: nothing to wait for */
	set_reg(E1000_IMS, 0);
	CHECK(!e1000_wake_arm(&E) && reg(E1000_IMS) == 0);
}

int main(void)
{
	RUN(long_frame_goes_from_the_consumers_buffers_but_its_header);
	RUN(short_frames_and_many_pieces_are_copied_link_down_dropped);
	RUN(refused_held_frame_is_woken_when_it_fits);
	RUN(releases_reach_the_consumer_after_the_frame_is_queued);
	RUN(held_frame_released_while_sending_when_the_nic_is_quick);
	RUN(rings_are_programmed_with_all_but_one_buffer);
	RUN(good_frame_reaches_the_consumer_and_the_buffer_goes_back);
	RUN(length_over_the_buffer_is_dropped_not_read);
	RUN(receive_errors_drop_but_checksum_verdicts_do_not);
	RUN(frame_in_pieces_is_dropped_to_its_end);
	RUN(done_bit_out_of_order_is_not_believed);
	RUN(buffer_address_overwritten_by_the_nic_is_restored);
	RUN(one_poll_takes_at_most_a_batch_and_wraps_the_ring);
	RUN(frame_is_copied_into_its_descriptor_buffer);
	RUN(malformed_frames_are_dropped_not_queued);
	RUN(full_ring_refuses_then_says_when_there_is_room);
	RUN(ring_that_stops_completing_is_reported_as_hung);
	RUN(wake_arm_unmasks_and_finds_a_waiting_frame);
	return CHECK_DONE();
}
