/* Plinth's driver for Intel's e1000 family of gigabit Ethernet
 * controllers, as a frame port (net/frame_port.h).
 *
 * One receive and one transmit ring of legacy descriptors (8254x SDM
 * 3.2.3 and 3.3.3; 82574 datasheet 7.1.4 and 7.2.10; I210 datasheet 7.1.4
 * and 7.2.2), polled from the run loop: the NIC raises no interrupts but
 * the one a sleeping CPU may ask for (e1000_wake_to, below).
 * Receive copies each frame once, out of the driver's buffers into the
 * consumer's.  Transmit copies short frames, and frames of consumers that
 * cannot wait for their buffers, into a buffer of the driver's; a longer
 * frame whose consumer allows it (may_hold) is sent from the consumer's
 * own buffers, all but its Ethernet header, which is copied at tx() time
 * (the frame switch passes its own checked copy as the first piece, so
 * the addresses it checked are the ones that go out), and its buffers
 * are released (tx_done) when the NIC reports the frame sent.
 *
 * The NIC is not trusted: a receive descriptor is believed only between
 * the driver's own indices, its status and length are read once and
 * checked against the buffer before use, and a frame the NIC says it
 * received with errors, in pieces, or longer than a buffer is dropped
 * and counted.  Transmit completions are taken from the descriptors'
 * DD bits, never from the head register; a transmit ring that stops
 * completing is reset. */
#ifndef PLINTH_E1000_H
#define PLINTH_E1000_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"
#include "hv/base/counters.h"
#include "net/frame_port.h"

/* How a model is programmed where the family differs. */
enum e1000_family {
	E1000_8254X, /* 82540EM ... 82547: the original register set */
	E1000_82574, /* 82571-82574, 82583: EERD moved its fields */
	E1000_PCH,   /* I217/I218/I219 (PCH LAN): MAC in RAL0 from NVM */
	E1000_IGB,   /* I210/I211/I350 (igb): queues need enabling */
};

struct e1000_model {
	const char *name;
	enum e1000_family family;
	const char *tested; /* the emulator it was tested in, or NULL */
};

#define E1000_RX_DESCS 256
#define E1000_TX_DESCS 256
#define E1000_BUF_SIZE 2048 /* RCTL.BSIZE = 2048 (8254x SDM 13.4.22) */
#define E1000_RX_BATCH 64   /* frames per poll, so the guest is not starved */
#define E1000_TX_HANG_NS (2ull * 1000000000ull)
#define E1000_ZC_MIN 256 /* shorter frames are cheaper to copy */
#define E1000_ZC_DESCS 8 /* descriptors a held frame may take */

/* Legacy descriptors (8254x SDM 3.2.3, 3.3.3); the NIC reads and writes
 * them, so every field is volatile to the compiler's eyes through the
 * accessors in e1000_ring.c. */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

struct e1000_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_errors;   /* the NIC flagged the frame (CRC, symbol...) */
	uint64_t rx_bad_desc; /* length or EOP the driver could not believe */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_busy;    /* tx() refused: the ring was full */
	uint64_t tx_dropped; /* frames the driver could not send */
	uint64_t tx_hangs;   /* the ring stopped completing; NIC reset */
	uint64_t link_changes;
	uint64_t tx_copied; /* bytes copied into transmit buffers */
	uint64_t tx_held;   /* frames sent from the consumer's buffers */
};

struct e1000 {
	struct frame_port port;
	volatile uint8_t *regs;
	const struct e1000_model *model;
	uint8_t mac[6];
	char where[16]; /* "00:02.0" */

	struct e1000_rx_desc *rx;
	uint8_t *rx_buf;  /* E1000_RX_DESCS buffers of E1000_BUF_SIZE */
	unsigned rx_next; /* the next descriptor the NIC fills */
	bool rx_discard;  /* dropping the rest of a frame in pieces */

	struct e1000_tx_desc *tx;
	uint8_t *tx_buf;	  /* E1000_TX_DESCS buffers of E1000_BUF_SIZE */
	unsigned tx_tail;	  /* the next descriptor the driver fills */
	unsigned tx_clean;	  /* the oldest descriptor not yet completed */
	uint64_t tx_since_ns;	  /* when tx_clean last moved (hang check) */
	bool tx_wanted;		  /* a refused consumer waits for tx_ready */
	unsigned tx_wanted_descs; /* ...until this many descriptors are free */
	unsigned tx_released;	  /* held frames done, not yet told (tx_done) */
	bool dead;		  /* a reset failed: frames are dropped */
	bool wakes;		  /* its MSI is set up (e1000_wake_to) */
	bool tx_held_end[E1000_TX_DESCS]; /* last descriptor of a held frame */

	uint64_t now_ns; /* the clock at the last poll */
	uint64_t next_link_ns;
	struct e1000_stats st;
	/* Re-initialises the NIC after a transmit hang; NULL in tests. */
	int (*reinit)(struct e1000 *e);
	const struct pci_dev *pdev; /* NULL in tests */
};

/* Finds the first supported NIC (or the one at bus:dev.fn when `at` is
 * given), resets it and brings both rings up with the NIC's own address
 * in receive filter 0; 0, or -1 with the reason in err. */
int e1000_open(struct e1000 *e, const struct pci_dev *at, char *err,
	       unsigned errlen);

/* Receive address filter n (1 to E1000_FILTERS - 1) takes mac. */
#define E1000_FILTERS 4
void e1000_set_filter(struct e1000 *e, unsigned n, const uint8_t mac[6]);

/* Receives, reclaims transmit buffers and checks the link; call often.
 * A transmit ring that stops completing is reset (e1000_reset).  True if
 * a frame came in or frames are still out to send. */
bool e1000_poll(struct e1000 *e);

/* The one recovery path: resets the NIC (reinit), which stops its DMA; a
 * NIC that does not come out of that reset is taken out of use, its bus
 * mastering off.  Either way the frames it still held go back to their
 * consumer (the port's tx_done), once and only after its DMA stopped.
 * 0, or -1 when the NIC is out of use. */
int e1000_reset(struct e1000 *e);

/* Waking a sleeping CPU (the I/O core's naps, hv/run/iocore.h).  The NIC
 * raises no interrupts while it is polled.  e1000_wake_to sets up its MSI
 * to send m (arch/x86/msi.h); false when it has none (the 82540EM), and
 * the sleeper must then wake on a timer to poll.  Before a sleep,
 * e1000_wake_arm unmasks the receive interrupts and says whether a frame
 * is already waiting (then do not sleep); after it, e1000_wake_disarm
 * masks them again.  Frames to send need no wake-up: the one who sends
 * is awake. */
bool e1000_wake_to(struct e1000 *e, const struct msi_msg *m);
bool e1000_wake_arm(struct e1000 *e);
void e1000_wake_disarm(struct e1000 *e);

/* The counters of struct e1000_stats, described once; their log line. */
extern const struct counter_set e1000_counters;
void e1000_print_stats(const struct e1000 *e);

/* --- e1000_ring.c: the rings, free of anything but memory ------------ */

/* Register offsets the rings use (8254x SDM 13.4; queue 0 of the others,
 * whose datasheets keep these offsets as queue 0's aliases). */
#define E1000_CTRL 0x0000
#define E1000_STATUS 0x0008
#define E1000_ICR 0x00c0
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH 0x3810
#define E1000_TDT 0x3818
#define E1000_REGS_SIZE 0x20000

/* Receive interrupt causes (8254x SDM 13.4.17; 82574 datasheet 10.2.4.1):
 * descriptor written back (receiver timer 0), overrun, ring below its
 * minimum threshold.  The receive delay timers stay 0: at once. */
#define E1000_ICR_RX ((1u << 7) | (1u << 6) | (1u << 4))

#define E1000_RXD_DD (1u << 0)
#define E1000_RXD_EOP (1u << 1)
/* CE, SE, SEQ, CXE, RXE: the frame itself is bad.  TCPE and IPE are
 * checksum verdicts, which the consumer makes for itself. */
#define E1000_RXE_FRAME 0x97u
#define E1000_TXD_EOP (1u << 0)
#define E1000_TXD_IFCS (1u << 1)
#define E1000_TXD_RS (1u << 3)
#define E1000_TXD_DD (1u << 0)

static inline uint32_t e1000_rd(const struct e1000 *e, unsigned off)
{
	return *(volatile uint32_t *)(e->regs + off);
}

static inline void e1000_wr(struct e1000 *e, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + off) = v;
}

/* Programs both rings over the memory in e (rx, rx_buf, tx, tx_buf) and
 * sets the port's tx; the NIC's RCTL and TCTL are the caller's. */
void e1000_rings_init(struct e1000 *e);
/* Hands up to E1000_RX_BATCH received frames to the consumer; returns
 * how many descriptors it took back. */
unsigned e1000_rx_poll(struct e1000 *e);
/* Whether the next receive descriptor holds a frame (its DD, read once). */
bool e1000_rx_waiting(const struct e1000 *e);
/* Reclaims completed transmit descriptors, releases held frames (the
 * port's tx_done) and, if a consumer was refused, tells it there is room.
 * True when the ring has stopped completing for E1000_TX_HANG_NS of
 * e->now_ns. */
bool e1000_tx_reclaim(struct e1000 *e);
/* Frames held in the transmit ring (for a reset, which releases them). */
unsigned e1000_tx_held(const struct e1000 *e);

#endif
