/* e1000 family bring-up: PCI, reset, MAC address, receive filters, link.
 * The rings are in e1000_ring.c.  Register names and bits are the 8254x
 * SDM's (section 13); the 82574, PCH and I210 datasheets keep them for
 * everything used here, except where `family` says otherwise. */
#include "drivers/e1000.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "hv/base/byteorder.h"
#include "hv/base/fmt.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"

#define EECD 0x0010
#define EERD 0x0014
#define CTRL_EXT 0x0018
#define FCAL 0x0028
#define FCAH 0x002c
#define FCT 0x0030

#define RCTL 0x0100
#define FCTTV 0x0170
#define TCTL 0x0400
#define TIPG 0x0410
#define RXDCTL 0x2828
#define TXDCTL 0x3828
#define RXCSUM 0x5000
#define MTA 0x5200
#define RAL(n) (0x5400 + 8 * (n))
#define RAH(n) (0x5404 + 8 * (n))
#define SRRCTL0 0xc00c /* igb: queue 0's buffer size and layout */

#define CTRL_LRST (1u << 3)
#define CTRL_ASDE (1u << 5)
#define CTRL_SLU (1u << 6)
#define CTRL_ILOS (1u << 7)
#define CTRL_RST (1u << 26)
#define CTRL_VME (1u << 30)
#define CTRL_PHY_RST (1u << 31)
#define STATUS_FD (1u << 0)
#define STATUS_LU (1u << 1)
#define CTRL_EXT_DRV_LOAD (1u << 28)

#define RAH_AV (1u << 31)
#define RCTL_EN (1u << 1)
#define RCTL_MPE (1u << 4)
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TCTL_CT(x) ((uint32_t)(x) << 4)
#define TCTL_COLD(x) ((uint32_t)(x) << 12)
#define QUEUE_ENABLE (1u << 25) /* igb RXDCTL/TXDCTL */

#define LINK_CHECK_NS 100000000ull /* 100 ms */

static const struct e1000_model m8254x[] = {
	{ "82540EM", E1000_8254X, "QEMU e1000, Bochs" },
	{ "8254x", E1000_8254X, NULL },
};
static const struct e1000_model m82574[] = {
	{ "82574L", E1000_82574, "QEMU e1000e" },
	{ "8257x", E1000_82574, NULL },
};
static const struct e1000_model mpch[] = {
	{ "I217/I218/I219 (PCH)", E1000_PCH, NULL },
};
static const struct e1000_model migb[] = {
	{ "I210/I211", E1000_IGB, NULL },
	{ "I350", E1000_IGB, NULL },
};

/* Device IDs from Intel's datasheets and specification updates. */
static const struct pci_id ids[] = {
	{ 0x8086, 0x100e, &m8254x[0] }, /* 82540EM */
	{ 0x8086, 0x100f, &m8254x[1] }, /* 82545EM copper */
	{ 0x8086, 0x1010, &m8254x[1] }, /* 82546EB copper */
	{ 0x8086, 0x1011, &m8254x[1] }, /* 82545EM fiber */
	{ 0x8086, 0x1013, &m8254x[1] }, /* 82541EI */
	{ 0x8086, 0x1015, &m8254x[1] }, /* 82540EM LOM */
	{ 0x8086, 0x1016, &m8254x[1] }, /* 82540EP LOM */
	{ 0x8086, 0x1017, &m8254x[1] }, /* 82540EP */
	{ 0x8086, 0x1019, &m8254x[1] }, /* 82547EI */
	{ 0x8086, 0x101e, &m8254x[1] }, /* 82540EP LP */
	{ 0x8086, 0x1026, &m8254x[1] }, /* 82545GM copper */
	{ 0x8086, 0x1076, &m8254x[1] }, /* 82541GI */
	{ 0x8086, 0x1079, &m8254x[1] }, /* 82546GB copper */
	{ 0x8086, 0x107c, &m8254x[1] }, /* 82541PI */
	{ 0x8086, 0x10d3, &m82574[0] }, /* 82574L */
	{ 0x8086, 0x10f6, &m82574[1] }, /* 82574LA */
	{ 0x8086, 0x105e, &m82574[1] }, /* 82571EB copper */
	{ 0x8086, 0x107d, &m82574[1] }, /* 82572EI copper */
	{ 0x8086, 0x109a, &m82574[1] }, /* 82573L */
	{ 0x8086, 0x150c, &m82574[1] }, /* 82583V */
	{ 0x8086, 0x153a, &mpch[0] },	/* I217-LM */
	{ 0x8086, 0x153b, &mpch[0] },	/* I217-V */
	{ 0x8086, 0x155a, &mpch[0] },	/* I218-LM */
	{ 0x8086, 0x1559, &mpch[0] },	/* I218-V */
	{ 0x8086, 0x15a0, &mpch[0] },	/* I218-LM (2) */
	{ 0x8086, 0x15a1, &mpch[0] },	/* I218-V (2) */
	{ 0x8086, 0x156f, &mpch[0] },	/* I219-LM */
	{ 0x8086, 0x1570, &mpch[0] },	/* I219-V */
	{ 0x8086, 0x15b7, &mpch[0] },	/* I219-LM (2) */
	{ 0x8086, 0x15b8, &mpch[0] },	/* I219-V (2) */
	{ 0x8086, 0x15bb, &mpch[0] },	/* I219-LM (3) */
	{ 0x8086, 0x15bc, &mpch[0] },	/* I219-V (3) */
	{ 0x8086, 0x15bd, &mpch[0] },	/* I219-LM (4) */
	{ 0x8086, 0x15be, &mpch[0] },	/* I219-V (4) */
	{ 0x8086, 0x15d7, &mpch[0] },	/* I219-LM (5) */
	{ 0x8086, 0x15d8, &mpch[0] },	/* I219-V (5) */
	{ 0x8086, 0x15e3, &mpch[0] },	/* I219-LM (6) */
	{ 0x8086, 0x15d6, &mpch[0] },	/* I219-V (6) */
	{ 0x8086, 0x0d4e, &mpch[0] },	/* I219-LM (10) */
	{ 0x8086, 0x0d4f, &mpch[0] },	/* I219-V (10) */
	{ 0x8086, 0x1533, &migb[0] },	/* I210 copper */
	{ 0x8086, 0x1536, &migb[0] },	/* I210 fiber */
	{ 0x8086, 0x1537, &migb[0] },	/* I210 SerDes */
	{ 0x8086, 0x1538, &migb[0] },	/* I210 SGMII */
	{ 0x8086, 0x157b, &migb[0] },	/* I210 copper, flashless */
	{ 0x8086, 0x1539, &migb[0] },	/* I211 copper */
	{ 0x8086, 0x1521, &migb[1] },	/* I350 copper */
	{ 0x8086, 0x1522, &migb[1] },	/* I350 fiber */
	{ 0 },
};

static bool wait_clear(struct e1000 *e, unsigned off, uint32_t bit, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (e1000_rd(e, off) & bit)
		if (clock_ns() > end)
			return false;
	return true;
}

/* Global reset (8254x SDM 14.5; 82574 datasheet 4.6.1): quiesce DMA,
 * reset, mask every interrupt (Plinth polls). */
static int nic_reset(struct e1000 *e)
{
	e1000_wr(e, E1000_IMC, ~0u);
	e1000_wr(e, RCTL, 0);
	e1000_wr(e, TCTL, TCTL_PSP);
	(void)e1000_rd(e, E1000_STATUS); /* flush the writes */
	clock_delay_us(10000);		 /* let DMA in flight finish */
	e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | CTRL_RST);
	/* The NIC must not be touched for 1 us after RST (8254x SDM 13.4.1);
	 * the NVM reload that follows takes a few ms. */
	clock_delay_us(3000);
	if (!wait_clear(e, E1000_CTRL, CTRL_RST, 100000000ull))
		return -1;
	e1000_wr(e, E1000_IMC, ~0u);
	(void)e1000_rd(e, E1000_ICR);
	return 0;
}

/* EEPROM word through EERD (8254x SDM 13.4.4; the 82574 moved the
 * fields, datasheet 10.2.2.6).  -1 on a timeout. */
static int eeprom_word(struct e1000 *e, unsigned addr, uint16_t *out)
{
	bool old = e->model->family == E1000_8254X;
	uint32_t done = old ? 1u << 4 : 1u << 1;
	uint64_t end = clock_ns() + 10000000ull;

	e1000_wr(e, EERD, 1u | (uint32_t)addr << (old ? 8 : 2));
	for (;;) {
		uint32_t v = e1000_rd(e, EERD);

		if (v & done) {
			*out = (uint16_t)(v >> 16);
			return 0;
		}
		if (clock_ns() > end)
			return -1;
	}
}

static bool mac_usable(const uint8_t m[6])
{
	static const uint8_t zero[6];

	return !(m[0] & 1) && memcmp(m, zero, 6);
}

/* The NIC's own address: RAL0/RAH0 as the reset loaded them from the NVM,
 * else the EEPROM's first three words (8254x SDM 5.6.1). */
static int read_mac(struct e1000 *e)
{
	uint32_t lo = e1000_rd(e, RAL(0)), hi = e1000_rd(e, RAH(0));

	if (hi & RAH_AV) {
		for (int i = 0; i < 4; i++)
			e->mac[i] = (uint8_t)(lo >> (8 * i));
		e->mac[4] = (uint8_t)hi;
		e->mac[5] = (uint8_t)(hi >> 8);
		if (mac_usable(e->mac))
			return 0;
	}
	if (e->model->family == E1000_PCH || e->model->family == E1000_IGB)
		return -1;
	for (unsigned w = 0; w < 3; w++) {
		uint16_t v;

		if (eeprom_word(e, w, &v))
			return -1;
		e->mac[2 * w] = (uint8_t)v;
		e->mac[2 * w + 1] = (uint8_t)(v >> 8);
	}
	return mac_usable(e->mac) ? 0 : -1;
}

void e1000_set_filter(struct e1000 *e, unsigned n, const uint8_t m[6])
{
	/* The address's first byte in RAL's lowest, its last in RAH's
	 * second: the wire order read as little-endian. */
	e1000_wr(e, RAL(n), get_le32(m));
	e1000_wr(e, RAH(n), get_le16(m + 4) | RAH_AV);
}

/* After a reset: link, filters, rings, then receive and transmit on. */
static int nic_start(struct e1000 *e)
{
	uint32_t ctrl = e1000_rd(e, E1000_CTRL);

	/* Set link up, auto speed, no PHY reset or loss-of-signal inversion
	 * (8254x SDM 14.3, 14.5.7); no flow control, so no pause frames. */
	ctrl |= CTRL_SLU | CTRL_ASDE;
	ctrl &= ~(CTRL_LRST | CTRL_ILOS | CTRL_VME | CTRL_PHY_RST);
	e1000_wr(e, E1000_CTRL, ctrl);
	e1000_wr(e, CTRL_EXT, e1000_rd(e, CTRL_EXT) | CTRL_EXT_DRV_LOAD);
	e1000_wr(e, FCAL, 0);
	e1000_wr(e, FCAH, 0);
	e1000_wr(e, FCT, 0);
	e1000_wr(e, FCTTV, 0);
	for (unsigned i = 0; i < 128; i++)
		e1000_wr(e, MTA + 4 * i, 0);
	e1000_set_filter(e, 0, e->mac);
	/* Checksums are the consumers' to verify. */
	e1000_wr(e, RXCSUM, 0);
	e1000_rings_init(e);
	if (e->model->family == E1000_IGB) {
		/* 2 KiB buffers, legacy descriptors (I210 datasheet 8.10.2),
		 * and the queues switched on, which the igb parts need. */
		e1000_wr(e, SRRCTL0, 2);
		e1000_wr(e, RXDCTL, e1000_rd(e, RXDCTL) | QUEUE_ENABLE);
		e1000_wr(e, TXDCTL, e1000_rd(e, TXDCTL) | QUEUE_ENABLE);
	}
	/* Broadcast and all multicast accepted (the guest's IPv6 and mDNS
	 * need it), CRC stripped, 2 KiB buffers, no long frames. */
	e1000_wr(e, RCTL, RCTL_EN | RCTL_BAM | RCTL_MPE | RCTL_SECRC);
	/* Copper inter-packet gap (8254x SDM 13.4.34) and full-duplex
	 * collision distance (13.4.33). */
	e1000_wr(e, TIPG, 8 | 8 << 10 | 6 << 20);
	e1000_wr(e, TCTL, TCTL_EN | TCTL_PSP | TCTL_CT(0x0f) | TCTL_COLD(0x40));
	return 0;
}

static int reinit(struct e1000 *e)
{
	uint32_t ral[E1000_FILTERS], rah[E1000_FILTERS];

	/* The addresses beside the NIC's own survive the reset. */
	for (unsigned i = 1; i < E1000_FILTERS; i++) {
		ral[i] = e1000_rd(e, RAL(i));
		rah[i] = e1000_rd(e, RAH(i));
	}
	if (nic_reset(e))
		return -1;
	for (unsigned i = 1; i < E1000_FILTERS; i++) {
		e1000_wr(e, RAL(i), ral[i]);
		e1000_wr(e, RAH(i), rah[i]);
	}
	return nic_start(e);
}

static void link_check(struct e1000 *e)
{
	uint32_t st = e1000_rd(e, E1000_STATUS);
	bool up = st & STATUS_LU;
	static const unsigned mbps[4] = { 10, 100, 1000, 1000 };

	if (up == e->port.link_up)
		return;
	e->port.link_up = up;
	e->st.link_changes++;
	if (up)
		log_msg("e1000: %s: link up, %u Mb/s, %s duplex", e->where,
			mbps[(st >> 6) & 3], st & STATUS_FD ? "full" : "half");
	else
		log_msg("e1000: %s: link down", e->where);
	if (e->port.link_changed)
		e->port.link_changed(e->port.consumer, up);
}

/* After a failed reset the NIC will not come back: it is out of use
 * rather than reset again at every poll, and with bus mastering off it
 * can no longer reach the buffers it was given. */
static void give_up(struct e1000 *e)
{
	log_msg("e1000: %s: the reset failed; the NIC is out of use and "
		"frames for it are dropped",
		e->where);
	e->dead = true;
	e1000_wr(e, E1000_IMC, ~0u);
	if (e->pdev)
		pci_disable_dma(e->pdev);
	memset(e->tx_held_end, 0, sizeof(e->tx_held_end));
	e->tx_clean = e->tx_tail;
}

int e1000_reset(struct e1000 *e)
{
	unsigned held = e1000_tx_held(e);
	int r = e->reinit ? e->reinit(e) : 0;

	if (r)
		give_up(e);
	/* The NIC's DMA stopped (reset, or bus mastering off): held buffers
	 * are free, and no descriptor marks them any more, so they cannot
	 * be released twice. */
	if (held && e->port.tx_done)
		e->port.tx_done(e->port.consumer, held);
	return r;
}

bool e1000_poll(struct e1000 *e)
{
	if (e->dead)
		return false;
	e->now_ns = clock_ns();
	bool work = e1000_rx_poll(e) > 0;

	if (e1000_tx_reclaim(e)) {
		/* The NIC stopped sending: reset it, so the port works
		 * again; what was queued is lost, as on a cable pull. */
		e->st.tx_hangs++;
		log_msg("e1000: %s: transmit ring stalled for %lu ms (head %u,"
			" tail %u); resetting the NIC",
			e->where, (unsigned long)(E1000_TX_HANG_NS / 1000000),
			e1000_rd(e, E1000_TDH), e->tx_tail);
		e1000_reset(e);
		if (e->port.tx_ready)
			e->port.tx_ready(e->port.consumer);
	}
	if (e->now_ns >= e->next_link_ns) {
		e->next_link_ns = e->now_ns + LINK_CHECK_NS;
		link_check(e);
	}
	return work || e->tx_clean != e->tx_tail;
}

bool e1000_wake_to(struct e1000 *e, const struct msi_msg *m)
{
	if (!e->pdev || e->dead || !pci_msi_enable(e->pdev, m))
		return false;
	e->wakes = true;
	log_msg("e1000: %s: MSI to address 0x%lx, data 0x%x: the NIC wakes "
		"the CPU that sleeps on it",
		e->where, (unsigned long)m->addr, m->data);
	return true;
}

void e1000_print_stats(const struct e1000 *e)
{
	char head[48];

	fmt(head, sizeof(head), "e1000: %s", e->where);
	counters_log(head, &e1000_counters, &e->st);
}

int e1000_open(struct e1000 *e, const struct pci_dev *at, char *err,
	       unsigned errlen)
{
	const struct pci_id *id;
	const struct pci_dev *p = pci_find_id(ids, at, &id);

	memset(e, 0, sizeof(*e));
	if (!p) {
		if (at)
			fmt(err, errlen,
			    "%02x:%02x.%x is not a supported Intel "
			    "NIC",
			    at->bus, at->dev, at->fn);
		else
			fmt(err, errlen,
			    "no supported Intel NIC (e1000, e1000e,"
			    " igb families) found");
		return -1;
	}
	e->model = id->data;
	fmt(e->where, sizeof(e->where), "%02x:%02x.%x", p->bus, p->dev, p->fn);
	/* BAR0: the registers (128 KiB on every member). */
	e->regs = pci_map_bar(p, 0, E1000_REGS_SIZE, err, errlen);
	if (!e->regs)
		return -1;
	pci_enable_dma(p);
	e->pdev = p;
	e->rx = pool_pages(1, 1);
	e->tx = pool_pages(1, 1);
	/* Cleared: a NIC that reports a frame longer than it wrote must
	 * not hand anyone Plinth's old memory. */
	e->rx_buf = pool_pages(E1000_RX_DESCS * E1000_BUF_SIZE / 4096, 1);
	e->tx_buf = pool_pages_uncleared(E1000_TX_DESCS * E1000_BUF_SIZE / 4096,
					 1);
	if (!e->rx || !e->tx || !e->rx_buf || !e->tx_buf) {
		fmt(err, errlen, "no pool memory for the NIC's rings");
		return -1;
	}
	if (nic_reset(e)) {
		fmt(err, errlen, "%s at %s stays in reset", e->model->name,
		    e->where);
		return -1;
	}
	if (read_mac(e)) {
		fmt(err, errlen,
		    "%s at %s has no valid MAC address in its "
		    "NVM",
		    e->model->name, e->where);
		return -1;
	}
	e->port.name = "e1000";
	e->reinit = reinit;
	e->now_ns = clock_ns();
	for (unsigned i = 1; i < E1000_FILTERS; i++) {
		e1000_wr(e, RAL(i), 0);
		e1000_wr(e, RAH(i), 0);
	}
	nic_start(e);
	log_msg("e1000: %s: %s (%04x:%04x)%s, MAC %02x:%02x:%02x:%02x:%02x:"
		"%02x, %u receive and %u transmit descriptors",
		e->where, e->model->name, p->vendor, p->device,
		e->model->tested ? "" : ", a model not yet tested", e->mac[0],
		e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5],
		E1000_RX_DESCS, E1000_TX_DESCS);
	link_check(e);
	return 0;
}
