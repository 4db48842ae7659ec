/* libFuzzer target for the e1000 family's rings (drivers/e1000_ring.c)
 * against a hostile NIC, played as tests/unit/test_e1000.c plays it:
 * plain memory for the registers, descriptors written with whatever a
 * broken NIC might write back.  The input is the consumer (frames to
 * send, copied or held in its own buffers) and the NIC (frames received
 * with any length, status and errors, transmit descriptors completed in
 * order or marked done out of order, descriptors and head registers
 * scribbled over, time that passes).
 *
 *   make build/fuzz/fuzz_e1000   # sources: fuzz_e1000_SRCS
 *   build/fuzz/fuzz_e1000 -max_total_time=60
 *
 * Built with gcc and -DFUZZ_REPLAY it replays files instead (see
 * fuzz_loader.c for the command line).
 *
 * The rings, the driver's buffers and each frame the consumer sends are
 * exact-size allocations (a held frame is freed when it is released), so
 * ASan reports any access outside them or to a frame already given back.
 * A transmit hang is handled as drivers/e1000.c's e1000_poll does (the
 * reset re-initialises the rings, then the held frames go back).
 *
 * Input layout (little-endian):
 *   byte 0      bit 0 link up, bit 1 the consumer can wait for its
 *               buffers (tx_done; else it never asks to hold), bit 2 it
 *               sends a frame from tx_done, bit 3 it sends again from
 *               tx_ready
 * then operations, one byte each (mod 12) and their arguments:
 *   0  send: length (2, mod 2100), pieces - 1 (1: bits 0-3 mod 12; bit 4
 *      may hold; bit 5 a piece of length 0 first), seed (1)
 *   1  the NIC receives into the next descriptor it owns plus (1): the
 *      length it reports (2) and writes (mod 2049), status (1), errors
 *      (1), seed (1)
 *   2  the NIC writes a receive descriptor: index (1), 16 bytes
 *   3  the NIC sends: frames (1), from where it stands, in order
 *   4  the NIC writes a transmit status: index (1), status (1)
 *   5  the NIC scribbles over a transmit descriptor: index (1), 16 bytes
 *   6  RDH := (4), TDH := (4)
 *   7  receive poll
 *   8  time (2, ms) then transmit reclaim (a hang resets the NIC)
 *   9  the link goes up or down (1, bit 0)
 *   10 the NIC sends whatever it holds, then reclaim and receive poll
 *   11 a burst: count (1), then as 0 (the seed grows by one a frame);
 *      768 frames a run at most
 * At the end the NIC sends everything and the driver reclaims.
 *
 * Invariants checked (abort on violation):
 *   receive: a poll takes exactly the descriptors the NIC marked done,
 *   in ring order from where the last poll stopped, at most a batch; it
 *   hands the consumer exactly the frames of those that are whole (EOP,
 *   not after a frame in pieces), error-free and 14..2048 bytes long, in
 *   that order, each from the start of its own descriptor's buffer in
 *   the driver's memory, with the length the NIC reported and the bytes
 *   it wrote; every descriptor taken goes back with its own buffer's
 *   address and a clear status, and RDT follows;
 *   transmit: tx() answers OK, BUSY or HELD (HELD only when the consumer
 *   allowed it); a refused frame changes nothing in the ring; each frame
 *   the driver takes goes out once, in the order tx() was called (a
 *   frame sent from tx_done after the one being queued), whole and
 *   unchanged, from descriptors that point only into the driver's
 *   transmit buffers or that frame's own buffer, with EOP on its last
 *   descriptor only; frames too short, too long, whose pieces do not add
 *   up, or sent without link are dropped, not queued; the NIC (while it
 *   behaves) never finds a descriptor pointing elsewhere;
 *   held frames are released (tx_done) exactly once each, oldest first,
 *   never more than are held, and (unless the NIC lied about DD) only
 *   once the NIC has sent them or the NIC was reset; tx_ready comes only
 *   after a refusal, and comes once the ring has drained.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/e1000.h"

#include "tests/fuzz/fuzz_common.h"

#define MAX_OPS 512
#define NRX E1000_RX_DESCS
#define NTX E1000_TX_DESCS
#define BUF E1000_BUF_SIZE
#define MAX_FRAMES 1024 /* frames queued and not yet sent, at most */

/* A frame the consumer sent, as the wire must see it. */
struct frame {
	uint8_t *data; /* the consumer's buffer; NULL once copied out */
	uint32_t len;
	uint8_t seed; /* its bytes are fill()'s from this */
	bool held, sent, released;
};

static struct e1000 E;
static struct e1000_rx_desc *rx;
static struct e1000_tx_desc *tx;
static uint8_t *regs, *rx_buf, *tx_buf;
static uint64_t now;
static bool hostile, may_wait, send_from_done, send_from_ready;
static bool waiting, resetting, rx_discard;

/* The wire, in order: frames taken and not yet sent, then a FIFO of the
 * held ones for their releases. */
static struct frame *queue[MAX_FRAMES];
static unsigned q_head, q_count;
static struct frame *held[MAX_FRAMES];
static unsigned h_head, h_count;

/* The NIC's side: where it sends next, what it wrote where. */
static unsigned nic_tx_head, rx_expect;
static uint8_t rx_seed[NRX];
static uint16_t rx_written[NRX];
static unsigned nested_left, sends_left; /* bounds on a run's work */

/* What the consumer was given in one receive poll. */
static struct {
	unsigned idx;
	uint32_t len;
} got[E1000_RX_BATCH + 1];
static unsigned ngot;

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

/* Frame bytes: seed + 7 i, taken from one table (7 is odd, so seed
 * + 7 i is 7 (i + k) for k = seed / 7 mod 256), which keeps the target's
 * own byte loops out of the way of the driver's. */
static uint8_t pattern[256 + 2 * BUF];

static const uint8_t *bytes_of(uint8_t seed)
{
	if (!pattern[1])
		for (unsigned j = 0; j < sizeof(pattern); j++)
			pattern[j] = (uint8_t)(7 * j);
	return pattern + (uint8_t)(seed * 183); /* 183 = 1/7 mod 256 */
}

static void fill(uint8_t *p, uint32_t len, uint8_t seed)
{
	memcpy(p, bytes_of(seed), len);
}

/* --- the consumer ----------------------------------------------------- */

static void on_rx(void *consumer, const uint8_t *frame, uint32_t len)
{
	uintptr_t off = (uintptr_t)frame - (uintptr_t)rx_buf;

	CHECK(consumer == &E);
	/* From the start of one of the driver's own buffers. */
	CHECK((uintptr_t)frame >= (uintptr_t)rx_buf
	      && off < (uintptr_t)NRX * BUF && off % BUF == 0);
	CHECK(len >= ETH_HLEN && len <= BUF);
	CHECK(ngot <= E1000_RX_BATCH);
	got[ngot].idx = (unsigned)(off / BUF);
	got[ngot++].len = len;
	/* What the NIC wrote there (ASan sees a read past the buffer). */
	CHECK(!memcmp(frame, bytes_of(rx_seed[off / BUF]),
		      len < rx_written[off / BUF] ? len
						  : rx_written[off / BUF]));
	(void)frame[len - 1];
}

static int send(uint32_t len, unsigned pieces, bool may_hold, bool empty,
		uint8_t seed);

static void on_tx_done(void *consumer, unsigned n)
{
	CHECK(consumer == &E);
	CHECK(may_wait);
	/* Never more than it holds; oldest first, each once. */
	CHECK(n >= 1 && n <= h_count);
	while (n--) {
		struct frame *f = held[h_head];

		h_head = (h_head + 1) % MAX_FRAMES;
		h_count--;
		CHECK(f->held && !f->released);
		/* Sent, or the NIC was reset (its DMA stopped). */
		CHECK(f->sent || resetting || hostile);
		f->released = true;
		free(f->data);
		f->data = NULL;
		if (f->sent)
			free(f);
	}
	if (send_from_done && nested_left) {
		/* The consumer sends from here: it must go out after the
		 * frame being queued when the release came. */
		nested_left--;
		send(60 + nested_left, 1, false, false, (uint8_t)nested_left);
	}
}

static void on_tx_ready(void *consumer)
{
	CHECK(consumer == &E);
	CHECK(waiting || resetting); /* only after a refusal */
	waiting = false;
	if (send_from_ready && nested_left) {
		nested_left--;
		send(300, 2, may_wait, false, (uint8_t)nested_left);
	}
}

/* The consumer's tx(): the frame in `pieces` pieces of its own buffer
 * (an exact-size allocation), entered in the wire's order before the
 * call, taken back if the driver did not take it. */
static int send(uint32_t len, unsigned pieces, bool may_hold, bool empty,
		uint8_t seed)
{
	struct fp_sg sg[16];
	struct frame *f = calloc(1, sizeof(*f));
	uint32_t at = 0, tdt = reg(E1000_TDT), total;
	unsigned n = 0;
	bool queued, link = E.port.link_up;
	int r;

	if (!f || !(f->data = malloc(len ? len : 1)))
		abort();
	may_hold = may_hold && may_wait;
	f->len = len;
	f->seed = seed;
	fill(f->data, len, seed);
	if (empty)
		sg[n++] = (struct fp_sg){ f->data, 0 };
	for (unsigned i = 0; i < pieces; i++) {
		uint32_t k = i + 1 == pieces ? len - at : len / pieces;

		sg[n++] = (struct fp_sg){ f->data + at, k };
		at += k;
	}
	total = at;
	/* Dropped at once: what no NIC could send. */
	queued = len >= ETH_HLEN && len <= BUF && total == len && link;
	if (queued) {
		CHECK(q_count < MAX_FRAMES);
		queue[(q_head + q_count++) % MAX_FRAMES] = f;
	}
	r = E.port.tx(&E.port, sg, n, len, may_hold);
	CHECK(r == FP_OK || r == FP_BUSY || (r == FP_HELD && may_hold));
	if (!queued) {
		CHECK(r == FP_OK && reg(E1000_TDT) == tdt);
	} else if (r == FP_BUSY) {
		/* Nothing entered the ring; the newest entry goes. */
		CHECK(reg(E1000_TDT) == tdt);
		CHECK(queue[(q_head + q_count - 1) % MAX_FRAMES] == f);
		q_count--;
		waiting = true;
	}
	if (r == FP_HELD) {
		CHECK(h_count < MAX_FRAMES);
		f->held = true;
		held[(h_head + h_count++) % MAX_FRAMES] = f;
		return r; /* its buffer is the driver's now */
	}
	/* Copied (or dropped): the consumer's buffer is its own again. */
	if (queued && r == FP_OK) {
		uint8_t *copy = f->data;

		f->data = NULL;
		free(copy);
	} else {
		free(f->data);
		free(f);
	}
	return r;
}

/* --- the NIC ------------------------------------------------------------ */

/* Whether [p, p+len) lies inside the driver's transmit buffers or a held
 * frame still in the ring. */
static bool tx_target(const uint8_t *p, uint32_t len, const struct frame *f)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)tx_buf;

	if (a >= b && a - b < (uintptr_t)NTX * BUF)
		return len <= (uintptr_t)NTX * BUF - (a - b);
	return f && f->data && a >= (uintptr_t)f->data
	       && a - (uintptr_t)f->data <= f->len
	       && len <= f->len - (a - (uintptr_t)f->data);
}

/* The NIC sends up to k descriptors from its head, as far as TDT: each
 * frame, gathered from its descriptors, must be the next one on the
 * wire. */
static void nic_send(unsigned k)
{
	static uint8_t out[BUF * 2];
	unsigned tdt = reg(E1000_TDT) % NTX;

	while (k && nic_tx_head != tdt) {
		struct frame *f = q_count ? queue[q_head] : NULL;
		unsigned i = nic_tx_head, n = 0;
		uint32_t len = 0;
		bool eop = false, ok = true;

		/* A whole frame, up to its EOP, within what is queued. */
		while (!eop && i != tdt && n < E1000_ZC_DESCS + 1) {
			const struct e1000_tx_desc *d = &tx[i];
			const uint8_t *p = (const uint8_t *)(uintptr_t)d->addr;

			eop = d->cmd & E1000_TXD_EOP;
			CHECK(hostile
			      || (d->cmd & (E1000_TXD_RS | E1000_TXD_IFCS))
					 == (E1000_TXD_RS | E1000_TXD_IFCS));
			if (!tx_target(p, d->length, f)
			    || len + d->length > sizeof(out)) {
				CHECK(hostile); /* a descriptor aimed elsewhere */
				ok = false;
			} else {
				memcpy(out + len, p, d->length);
				len += d->length;
			}
			i = (i + 1) % NTX;
			n++;
		}
		if (!eop) {
			/* The rest of the frame is not queued yet: a driver
			 * writes TDT after whole frames only. */
			CHECK(hostile);
			return;
		}
		for (unsigned j = nic_tx_head; j != i; j = (j + 1) % NTX)
			tx[j].status |= E1000_TXD_DD;
		nic_tx_head = i;
		k--;
		if (!f) {
			CHECK(hostile); /* a frame nobody sent */
			continue;
		}
		q_head = (q_head + 1) % MAX_FRAMES;
		q_count--;
		if (!hostile) {
			/* The next frame on the wire, whole, unchanged. */
			CHECK(ok && len == f->len);
			CHECK(!memcmp(out, bytes_of(f->seed), len));
		}
		f->sent = true;
		if (!f->held || f->released)
			free(f);
	}
}

/* The NIC's side of a receive into descriptor i. */
static void nic_receive(unsigned i, uint16_t len, uint16_t wlen, uint8_t status,
			uint8_t errors, uint8_t seed)
{
	uint8_t *p = (uint8_t *)(uintptr_t)rx[i].addr;
	uintptr_t off = (uintptr_t)p - (uintptr_t)rx_buf;

	if ((uintptr_t)p >= (uintptr_t)rx_buf && off < (uintptr_t)NRX * BUF
	    && off % BUF == 0) {
		fill(p, wlen, seed);
		rx_seed[off / BUF] = seed;
		rx_written[off / BUF] = wlen;
	}
	rx[i].length = len;
	rx[i].errors = errors;
	rx[i].status = status;
}

/* --- the driver ------------------------------------------------------- */

/* A receive poll, checked against the descriptors as they were. */
static void rx_poll(void)
{
	struct e1000_rx_desc before[NRX];
	unsigned taken, want = 0, k = 0;

	memcpy(before, rx, sizeof(before));
	ngot = 0;
	taken = e1000_rx_poll(&E);
	/* Exactly the done descriptors from where it stopped, a batch at
	 * most. */
	while (want < E1000_RX_BATCH
	       && (before[(rx_expect + want) % NRX].status & E1000_RXD_DD))
		want++;
	CHECK(taken == want);
	for (unsigned j = 0; j < taken; j++) {
		unsigned i = (rx_expect + j) % NRX;
		const struct e1000_rx_desc *d = &before[i];
		bool eop = d->status & E1000_RXD_EOP;

		/* Whole, error-free frames of a believable length. */
		if (rx_discard) {
			rx_discard = !eop; /* the rest of a frame in pieces */
		} else if (!eop) {
			rx_discard = true;
		} else if (!(d->errors & E1000_RXE_FRAME)
			   && d->length >= ETH_HLEN && d->length <= BUF) {
			CHECK(k < ngot && got[k].idx == i
			      && got[k].len == d->length);
			k++;
		}
		/* Back to the NIC as new. */
		CHECK(rx[i].addr
			      == (uint64_t)(uintptr_t)(rx_buf + (size_t)i * BUF)
		      && rx[i].status == 0 && rx[i].length == 0);
	}
	CHECK(k == ngot);
	rx_expect = (rx_expect + taken) % NRX;
	if (taken)
		CHECK(reg(E1000_RDT) == (rx_expect + NRX - 1) % NRX);
}

/* drivers/e1000.c, e1000_poll and e1000_reset: the ring stalled, so the
 * NIC is reset (its DMA stops, the rings start again) and the frames it
 * held go back to the consumer. */
static void reset_nic(void)
{
	unsigned n = e1000_tx_held(&E);

	resetting = true;
	set_reg(E1000_TDH, 0);
	set_reg(E1000_RDH, 0);
	e1000_rings_init(&E);
	/* What was queued is lost, as on a cable pull. */
	for (; q_count; q_count--, q_head = (q_head + 1) % MAX_FRAMES) {
		struct frame *f = queue[q_head];

		f->sent = true; /* gone, at any rate */
		if (!f->held || f->released)
			free(f);
	}
	nic_tx_head = 0;
	rx_expect = 0;
	rx_discard = false;
	if (n && E.port.tx_done)
		E.port.tx_done(E.port.consumer, n);
	if (E.port.tx_ready)
		E.port.tx_ready(E.port.consumer);
	resetting = false;
}

static void reclaim(void)
{
	E.now_ns = now;
	if (e1000_tx_reclaim(&E))
		reset_nic();
}

static void setup(struct fz *s)
{
	uint8_t b = fz8(s);

	if (!regs) {
		regs = calloc(1, E1000_REGS_SIZE);
		rx = malloc(NRX * sizeof(*rx));
		tx = malloc(NTX * sizeof(*tx));
		rx_buf = malloc((size_t)NRX * BUF);
		tx_buf = malloc((size_t)NTX * BUF);
		if (!regs || !rx || !tx || !rx_buf || !tx_buf)
			abort();
	}
	memset(regs, 0, E1000_REGS_SIZE);
	memset(&E, 0, sizeof(E));
	E.regs = regs;
	E.rx = rx;
	E.tx = tx;
	E.rx_buf = rx_buf;
	E.tx_buf = tx_buf;
	memcpy(E.where, "fuzz", 5);
	now = 1000;
	E.now_ns = now;
	e1000_rings_init(&E);
	may_wait = b & 2;
	send_from_done = b & 4;
	send_from_ready = b & 8;
	E.port.link_up = b & 1;
	E.port.rx = on_rx;
	E.port.tx_ready = on_tx_ready;
	E.port.tx_done = may_wait ? on_tx_done : NULL;
	E.port.consumer = &E;
	hostile = waiting = resetting = rx_discard = false;
	q_head = q_count = h_head = h_count = 0;
	nic_tx_head = rx_expect = 0;
	nested_left = 16;
	sends_left = 768;
	memset(rx_written, 0, sizeof(rx_written));
}

/* Frees what the end of a run leaves: frames still queued or held. */
static void teardown(void)
{
	for (; q_count; q_count--, q_head = (q_head + 1) % MAX_FRAMES) {
		struct frame *f = queue[q_head];

		f->sent = true;
		if (!f->held || f->released)
			free(f);
	}
	for (; h_count; h_count--, h_head = (h_head + 1) % MAX_FRAMES) {
		free(held[h_head]->data);
		free(held[h_head]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz s = { data, size };

	setup(&s);
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		uint8_t op = fz8(&s);

		switch (op % 12) {
		case 0:
		case 11: {
			/* One frame, or a burst of them (to fill the ring). */
			unsigned n = op % 12 ? fz8(&s) : 1;
			uint32_t len = fz16(&s) % 2100;
			uint8_t p = fz8(&s), seed = fz8(&s);

			for (unsigned i = 0; i < n && sends_left;
			     i++, sends_left--)
				send(len, (p & 15) % 12 + 1, p & 16, p & 32,
				     (uint8_t)(seed + i));
			break;
		}
		case 1: {
			unsigned i = (rx_expect + fz8(&s)) % NRX;
			uint16_t len = fz16(&s);
			uint8_t st = fz8(&s), err = fz8(&s);

			nic_receive(i, len, len % (BUF + 1), st, err, fz8(&s));
			break;
		}
		case 2: {
			unsigned i = fz8(&s) % NRX;
			uint8_t d[16];

			for (unsigned j = 0; j < 16; j++)
				d[j] = fz8(&s);
			memcpy(&rx[i], d, 16);
			break;
		}
		case 3:
			nic_send(fz8(&s));
			break;
		case 4: {
			unsigned i = fz8(&s) % NTX;

			tx[i].status = fz8(&s);
			hostile = true;
			break;
		}
		case 5: {
			unsigned i = fz8(&s) % NTX;
			uint8_t d[16];

			for (unsigned j = 0; j < 16; j++)
				d[j] = fz8(&s);
			memcpy(&tx[i], d, 16);
			hostile = true;
			break;
		}
		case 6:
			/* The driver never believes the heads. */
			set_reg(E1000_RDH, fz32(&s));
			set_reg(E1000_TDH, fz32(&s));
			break;
		case 7:
			rx_poll();
			break;
		case 8:
			now += fz16(&s) * 1000000ull;
			reclaim();
			break;
		case 9:
			E.port.link_up = fz8(&s) & 1;
			break;
		case 10:
			nic_send(NTX);
			reclaim();
			rx_poll();
			break;
		}
	}
	/* A NIC that sends everything: what is held comes back, and a
	 * refused consumer hears there is room. */
	for (unsigned round = 0; round < 4; round++) {
		nic_send(NTX);
		reclaim();
	}
	if (!hostile) {
		CHECK(!h_count && !q_count);
		CHECK(!waiting);
	}
	teardown();
	return 0;
}
