#include "hv/selftest.h"

#include <string.h>

#include "arch/x86/tsc.h"
#include "hv/config.h"
#include "hv/disk.h"
#include "hv/log.h"
#include "hv/network.h"
#include "hv/pool.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "net/lwip_port.h"
#include "net/netif.h"

/* Deep enough to pass any stack Plinth gives itself; the guard page stops
 * it long before.  The use of the result after the call keeps the
 * compiler from turning the recursion into a loop. */
static int __attribute__((noinline)) overflow(volatile char *prev, int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	frame[511] = prev ? prev[0] : 0;
	if (depth > 1000000)
		return frame[0];
	return overflow(frame, depth + 1) + frame[511];
}

/* The byte at offset j of sector s in the disk self-test's patterns;
 * qemu-test/systests.py computes the same to check the image. */
static uint8_t pattern(uint64_t s, unsigned j)
{
	return (uint8_t)((s * 31 + j) ^ 0x5a);
}

static int disk_status;

static void disk_done(struct blk_req *r, int status)
{
	(void)r;
	disk_status = status;
}

/* One request through the backend, as virtio-blk makes them: the buffer
 * in two pieces so that the sg path is exercised. */
static int disk_io(struct blk_backend *be, enum blk_op op, uint64_t lba,
		   uint64_t count, uint8_t *buf)
{
	uint64_t bytes = count * BLK_SECTOR;
	uint32_t half = (uint32_t)(bytes / 2) & ~1u;
	struct blk_sg sg[2] = {
		{ (uint64_t)(uintptr_t)buf, half },
		{ (uint64_t)(uintptr_t)buf + half, (uint32_t)(bytes - half) },
	};
	struct blk_req r = { .op = op, .sector = lba, .nsectors = count,
			     .sg = half ? sg : sg + 1, .nsg = half ? 2 : 1,
			     .done = disk_done };

	disk_status = -1;
	if (be->submit(be, &r))
		return -1;
	while (disk_status < 0 && be->poll)
		be->poll(be);
	return disk_status;
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

#define PREFILLED_LBA 4096
#define PREFILLED_SECTORS 64
#define MAX_SECTORS 2048

/* Writes patterns at several places and sizes, flushes, reads them back;
 * reads a region the test bench filled and prints its checksum. */
static int disk_test(const struct boot_info *bi)
{
	char err[160];
	struct blk_backend *be = disk_open(bi, err, sizeof(err));
	uint8_t *buf = pool_pages(MAX_SECTORS * BLK_SECTOR / 4096, 1);
	int failed = 0;

	if (!be) {
		log_msg("selftest disk: FAILED: %s", err);
		return -1;
	}
	if (!buf || be->readonly) {
		log_msg("selftest disk: FAILED: %s", buf ? "the disk is "
			"read-only" : "no memory for buffers");
		return -1;
	}
	const uint64_t n = be->sectors;
	struct {
		uint64_t lba, count;
	} at[] = { { 0, 1 }, { 2048, 8 }, { 65536, 256 }, { 131072, 2048 },
		   { n - 8, 8 } };

	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		uint64_t lba = at[i].lba, cnt = at[i].count;
		uint64_t t0 = clock_ns();

		if (lba + cnt > n || n < 8)
			continue; /* a small disk skips what lies past it */
		for (uint64_t s = 0; s < cnt; s++)
			for (unsigned j = 0; j < BLK_SECTOR; j++)
				buf[s * BLK_SECTOR + j] = pattern(lba + s, j);
		if (disk_io(be, BLK_WRITE, lba, cnt, buf)
		    || disk_io(be, BLK_FLUSH, 0, 0, buf)) {
			log_msg("selftest disk: LBA %lu, %lu sectors: write "
				"FAILED", (unsigned long)lba,
				(unsigned long)cnt);
			failed++;
			continue;
		}
		memset(buf, 0, cnt * BLK_SECTOR);
		bool same = !disk_io(be, BLK_READ, lba, cnt, buf);

		for (uint64_t s = 0; same && s < cnt; s++)
			for (unsigned j = 0; j < BLK_SECTOR; j++)
				if (buf[s * BLK_SECTOR + j] != pattern(lba + s, j))
					same = false;
		log_msg("selftest disk: LBA %lu, %lu sectors: written, flushed,"
			" read back %s (%lu us)", (unsigned long)lba,
			(unsigned long)cnt, same ? "ok" : "FAILED",
			(unsigned long)((clock_ns() - t0) / 1000));
		failed += !same;
	}
	if (n >= PREFILLED_LBA + PREFILLED_SECTORS) {
		if (disk_io(be, BLK_READ, PREFILLED_LBA, PREFILLED_SECTORS,
			    buf)) {
			log_msg("selftest disk: reading LBA %u FAILED",
				PREFILLED_LBA);
			failed++;
		} else {
			log_msg("selftest disk: LBA %u, %u sectors read: fnv1a64"
				" %016lx", PREFILLED_LBA, PREFILLED_SECTORS,
				(unsigned long)fnv1a(buf, PREFILLED_SECTORS
							      * BLK_SECTOR));
		}
	}
	log_msg("selftest disk: %s", failed ? "FAILED" : "passed");
	pool_free_pages(buf, MAX_SECTORS * BLK_SECTOR / 4096);
	return failed ? -1 : 0;
}

/* --- net --------------------------------------------------------- */

#define NET_LEASE_NS (30ull * 1000000000ull)
#define ECHO_COUNT 4
#define ECHO_WAIT_NS (2ull * 1000000000ull)
#define ECHO_ID 0x504c /* "PL" */
#define ECHO_DATA 56

static int echo_seen; /* the sequence number of the last reply, or -1 */

static u8_t echo_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		      const ip_addr_t *from)
{
	struct icmp_echo_hdr h;
	/* p starts at the IP header (raw_input runs before it is
	 * stripped); its length is in the header's low nibble. */
	uint8_t vhl;

	(void)arg;
	(void)pcb;
	(void)from;
	if (pbuf_copy_partial(p, &vhl, 1, 0) != 1)
		return 0;
	unsigned hl = (vhl & 0xf) * 4u;

	if (pbuf_copy_partial(p, &h, sizeof(h), (u16_t)hl) != sizeof(h)
	    || h.type != ICMP_ER || lwip_ntohs(h.id) != ECHO_ID)
		return 0; /* not ours: lwIP's own ICMP handles it */
	echo_seen = lwip_ntohs(h.seqno);
	pbuf_free(p);
	return 1;
}

static void net_wait(uint64_t until, bool (*done)(void))
{
	while (clock_ns() < until && !done()) {
		network_poll();
		net_poll();
	}
}

static bool have_lease(void)
{
	uint32_t a, m, g;

	return plinth_netif_lease(&a, &m, &g);
}

static int echo_want;

static bool echo_back(void)
{
	return echo_seen == echo_want;
}

/* ICMP echo requests (RFC 792) to `to`; the number answered. */
static int echo(const ip_addr_t *to)
{
	struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
	int answered = 0;
	char a[16];

	ip4addr_ntoa_r(to, a, sizeof(a));
	if (!pcb)
		return 0;
	raw_recv(pcb, echo_recv, NULL);
	for (int seq = 1; seq <= ECHO_COUNT; seq++) {
		struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr)
						     + ECHO_DATA, PBUF_RAM);
		if (!p)
			break;
		struct icmp_echo_hdr *h = p->payload;
		uint8_t *d = (uint8_t *)(h + 1);

		h->type = ICMP_ECHO;
		h->code = 0;
		h->id = lwip_htons(ECHO_ID);
		h->seqno = lwip_htons((u16_t)seq);
		for (int i = 0; i < ECHO_DATA; i++)
			d[i] = (uint8_t)(i + seq);
		h->chksum = 0;
		h->chksum = inet_chksum(h, p->len);
		echo_seen = -1;
		echo_want = seq;
		uint64_t t0 = clock_ns();

		raw_sendto(pcb, p, to);
		pbuf_free(p);
		net_wait(t0 + ECHO_WAIT_NS, echo_back);
		if (echo_back()) {
			answered++;
			log_msg("selftest net: echo reply %d from %s in %lu us",
				seq, a, (unsigned long)((clock_ns() - t0) / 1000));
		} else {
			log_msg("selftest net: echo request %d to %s: no reply",
				seq, a);
		}
	}
	raw_remove(pcb);
	return answered;
}

/* A DHCP lease on the NIC's own address, then echo requests to the
 * router the lease names: frames out and replies back through the
 * driver, the switch and lwIP. */
static int net_test(const struct boot_info *bi)
{
	char err[160];
	struct nswitch *sw = network_open(bi, false, true, err, sizeof(err));
	uint32_t addr, mask, gw;

	if (!sw) {
		log_msg("selftest net: FAILED: %s", err);
		return -1;
	}
	uint64_t t0 = clock_ns();

	if (plinth_netif_start_dhcp(&sw->side[SW_MGMT], network_nic_mac())) {
		log_msg("selftest net: FAILED: lwIP could not start DHCP");
		return -1;
	}
	net_wait(t0 + NET_LEASE_NS, have_lease);
	if (!plinth_netif_lease(&addr, &mask, &gw)) {
		log_msg("selftest net: FAILED: no DHCP lease in %lu s (link %s)",
			(unsigned long)(NET_LEASE_NS / 1000000000ull),
			sw->side[SW_MGMT].link_up ? "up" : "down");
		return -1;
	}
	ip_addr_t a, g;
	char as[16], gs[16];

	ip4_addr_set_u32(&a, addr);
	ip4_addr_set_u32(&g, gw);
	ip4addr_ntoa_r(&a, as, sizeof(as));
	ip4addr_ntoa_r(&g, gs, sizeof(gs));
	log_msg("selftest net: DHCP lease %s/%d, router %s, after %lu ms", as,
		__builtin_popcount(mask), gs,
		(unsigned long)((clock_ns() - t0) / 1000000));
	int answered = gw ? echo(&g) : 0;
	const struct netif_stats *ns = plinth_netif_stats();

	log_msg("selftest net: %lu frames sent, %lu received, %lu dropped",
		(unsigned long)ns->tx_frames, (unsigned long)ns->rx_frames,
		(unsigned long)(ns->rx_dropped + ns->tx_dropped));
	if (!answered) {
		log_msg("selftest net: FAILED: the router answered no echo "
			"request");
		return -1;
	}
	log_msg("selftest net: passed");
	return 0;
}

int selftest_run(const struct boot_info *bi)
{
	uint32_t which = bi->cfg.selftest;

	if (which & CFG_SELFTEST_DISK && disk_test(bi))
		return -1;
	if (which & CFG_SELFTEST_NET && net_test(bi))
		return -1;
	if (which & CFG_SELFTEST_FAULT) {
		log_msg("selftest fault: overflowing the hypervisor stack on "
			"purpose; the guard page must stop it with a report");
		overflow(0, 0);
		log_msg("selftest fault: FAILED: the stack overflowed without "
			"a fault");
		return -1;
	}
	return 0;
}
