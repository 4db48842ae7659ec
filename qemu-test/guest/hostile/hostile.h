/* A hostile virtio driver for Plinth's virtio-pci devices, run as /init's
 * child with Linux's virtio drivers not loaded: PCI config space through
 * sysfs, BAR 0 through resource0, its own locked buffers' physical
 * addresses from /proc/self/pagemap.  Each attack ends in a verdict (see
 * hostile.c). */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- virtio constants (virtio 1.2) --------------------------------- */
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define S_FAILED 0x80

#define F_INDIRECT 28
#define F_EVENT_IDX 29
#define F_VERSION_1 32
#define F_RING_PACKED 34
#define BIT(n) (1ull << (n))

#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_F_DISCARD 13
#define BLK_F_WRITE_ZEROES 14
#define NET_F_MTU 3
#define NET_F_MAC 5
#define NET_F_STATUS 16

#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_CFGGEN 0x15
#define C_QSEL 0x16
#define C_QSIZE 0x18
#define C_QMSIX 0x1a
#define C_QENABLE 0x1c
#define C_QNOFF 0x1e
#define C_QDESC 0x20
#define C_QDRIVER 0x28
#define C_QDEVICE 0x30

#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4
#define D_AVAIL 0x80
#define D_USED 0x8000

#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_T_GET_ID 8
#define BLK_T_GET_LIFETIME 10
#define BLK_T_DISCARD 11
#define BLK_T_WRITE_ZEROES 13
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define BLK_S_UNSUPP 2

#define NET_HDR 12
#define NO_VECTOR 0xffff

#define PATTERN 0xa5 /* free arena bytes, guards and untouched status */

/* --- memory: locked, physically contiguous chunks ------------------- */
struct buf {
	uint8_t *va;
	uint64_t pa;
	uint32_t len;
};

int mem_init(void);
/* Forgets every allocation and fills the arena with PATTERN. */
void mem_reset(void);
/* len bytes (PATTERN-filled), 64-aligned, guarded by PATTERN on both
 * sides, never across a chunk. */
struct buf alloc_buf(uint32_t len);
/* What the device must not change: checked by mem_check(). */
void protect(const void *p, uint32_t len);
/* The driver changed protected bytes itself: take them as they are. */
void reprotect(const void *p, uint32_t len);
/* 0, or -1 with why: a guard or a protected range changed. */
int mem_check(char *why, size_t n);
uint64_t virt_to_phys(const void *p);
extern uint64_t ram_top; /* end of the last System RAM range */

/* --- the devices ---------------------------------------------------- */
enum { BLK = 0, NET = 1 };

struct vq {
	bool packed;
	uint16_t size;
	struct buf desc, drv, dev;
	/* packed */
	uint16_t avail_pos, used_pos;
	bool avail_wrap, used_wrap;
	uint16_t next_id;
	/* split */
	uint16_t avail_idx, used_seen, next_desc;
	/* completions seen, by id: used length + 1 (0: not yet) */
	uint32_t *done;
	uint16_t *ndesc; /* packed: descriptors each id's chain took */
	bool desync;	 /* a used entry we cannot account for */
};

struct dev {
	int kind; /* BLK or NET */
	const char *name;
	char sysfs[128];
	int cfg_fd;
	volatile uint8_t *bar;
	uint64_t bar_pa;
	uint32_t common, notify, isr, devcfg, notify_mult, pcicfg, msix;
	uint64_t offered;
	uint64_t features; /* negotiated */
	uint16_t nq, qmax;
	bool packed;
	struct vq q[2];
	/* blk */
	uint64_t capacity;
	uint8_t ref[512]; /* sector 0 at start-up */
	bool readonly;
	uint32_t max_discard;
	/* net */
	uint8_t mac[6];
	uint16_t mtu;
};

extern struct dev devs[2];

int pci_open(struct dev *d, int kind);
uint32_t cfg_read(struct dev *d, unsigned off, unsigned size);
void cfg_write(struct dev *d, unsigned off, unsigned size, uint32_t v);

uint8_t r8(struct dev *d, uint32_t off);
uint16_t r16(struct dev *d, uint32_t off);
uint32_t r32(struct dev *d, uint32_t off);
uint64_t r64(struct dev *d, uint32_t off);
void w8(struct dev *d, uint32_t off, uint8_t v);
void w16(struct dev *d, uint32_t off, uint16_t v);
void w32(struct dev *d, uint32_t off, uint32_t v);
void w64(struct dev *d, uint32_t off, uint64_t v);
/* Common configuration (offsets relative to it). */
#define cr8(d, o) r8(d, (d)->common + (o))
#define cr16(d, o) r16(d, (d)->common + (o))
#define cr32(d, o) r32(d, (d)->common + (o))
#define cw8(d, o, v) w8(d, (d)->common + (o), v)
#define cw16(d, o, v) w16(d, (d)->common + (o), v)
#define cw32(d, o, v) w32(d, (d)->common + (o), v)
#define cw64(d, o, v) w64(d, (d)->common + (o), v)

uint64_t now_ms(void);
void pause_us(unsigned us);

/* --- set-up and requests (ring.c) ----------------------------------- */
struct setup {
	uint64_t feat_clear, feat_set; /* against the default set */
	uint16_t qsize;		       /* 0: 64 */
	bool no_driver_ok;
	bool skip_q[2]; /* leave a queue disabled */
};

uint64_t default_features(struct dev *d, bool packed);
/* Writes 0 to device_status; 0 once it reads 0 within 2 s. */
int dev_reset(struct dev *d);
/* Reset, negotiation, queues, DRIVER_OK; 0 or -1 (why in err). */
int dev_setup(struct dev *d, bool packed, const struct setup *s);
/* One queue's rings at fresh memory, programmed and enabled (after
 * FEATURES_OK); 0 if queue_enable reads 1. */
int queue_setup(struct dev *d, int qi, uint16_t size);
void queue_alloc(struct vq *q, bool packed, uint16_t size);
void queue_program(struct dev *d, int qi);
void kick(struct dev *d, int qi);
int status_set(struct dev *d, uint8_t bits); /* ORs bits in, reads back */

#define MAXSEG 300
struct seg {
	uint64_t pa;
	uint32_t len;
	uint16_t flags; /* D_WRITE, D_INDIRECT; D_NEXT added between */
};
struct chain {
	int n;
	struct seg s[MAXSEG];
	bool raw_next; /* take D_NEXT from the flags as given */
	uint16_t id;   /* packed: 0 = the next free id */
	bool id_set;
};
void ch_init(struct chain *c);
void ch_add(struct chain *c, uint64_t pa, uint32_t len, uint16_t flags);
void ch_buf(struct chain *c, struct buf b, uint16_t flags);
/* Makes the chain available (no kick); returns its id (packed) or head
 * (split). */
uint16_t post(struct dev *d, int qi, const struct chain *c);
uint16_t submit(struct dev *d, int qi, const struct chain *c);
/* Polls the used ring for `id`: 1 and its used length, or 0 on
 * timeout. */
int wait_used(struct dev *d, int qi, uint16_t id, uint32_t *len, int ms);
/* Takes every used entry there is now. */
void reap(struct dev *d, int qi);

/* An indirect table of n descriptors in the queue's layout. */
struct buf indirect_table(struct dev *d, const struct seg *s, int n,
			  bool chain_next);
void pdesc(struct vq *q, uint16_t pos, uint64_t addr, uint32_t len, uint16_t id,
	   uint16_t flags);
void sdesc(struct vq *q, uint16_t i, uint64_t addr, uint32_t len,
	   uint16_t flags, uint16_t next);
void split_publish(struct vq *q, uint16_t head);

/* Known-good requests: 0 on success, -1 with why. */
int known_good(struct dev *d, char *why, size_t n);
/* A blk request: header, optional data, status byte. */
struct blkreq {
	struct buf hdr, data, st;
	struct chain c;
	uint16_t id;
};
void blk_build(struct dev *d, struct blkreq *r, uint32_t type, uint64_t sector,
	       uint32_t datalen, bool write_data);
/* The net frame used by the known-good TX (broadcast, our MAC). */
struct buf net_frame(struct dev *d, uint32_t framelen);

/* --- attacks -------------------------------------------------------- */
#define M_FULL 1
#define M_QUICK 2
#define M_RO 4
#define R_PACKED 1
#define R_SPLIT 2
#define R_BOTH 3
#define R_ONE 4 /* ring-agnostic: once, packed */
#define D_BLK 1
#define D_NET 2
#define D_BOTH 3
#define X_ANY 0
#define X_ALIVE 1 /* must be refused (or served) with the device alive */
#define X_RESET 2 /* must need a reset */

struct ctx {
	struct dev *d;
	bool packed;
	int qi; /* the request queue: blk 0, net 1 (TX) */
	char why[256];
	bool no_setup_ok; /* the attack left the device unusable on purpose */
};

struct attack {
	const char *name;
	int devs, rings, modes, expect;
	int (*fn)(struct ctx *c);
};

extern const struct attack attacks_ring[], attacks_queue[], attacks_blk[],
	attacks_net[], attacks_pci[];
extern const int n_attacks_ring, n_attacks_queue, n_attacks_blk, n_attacks_net,
	n_attacks_pci;

/* The segments of a good request: blk reads sector 0 (header, 512 bytes,
 * status), net sends a 60-byte broadcast (header, frame). */
struct payload {
	struct seg s[3];
	int n;
	uint8_t *st;
	struct buf data;
};
void payload(struct ctx *c, struct payload *p);
void payload_chain(struct payload *p, struct chain *ch);
/* What the device should have done with a good payload. */
int payload_ok(struct ctx *c, struct payload *p, uint16_t id);
/* A payload whose data is refused: judged as a refusal. */
int payload_refused(struct ctx *c, struct payload *p, uint16_t id);

int fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Standard set-up for an attack (default features, queue size 64). */
int std_setup(struct ctx *c);
/* Waits for a blk request that must be refused: not completed, or
 * completed with an error status (or used length 0 when the status is
 * unreachable), data untouched.  0 ok, -1 fail. */
int expect_refused(struct ctx *c, uint16_t id, uint8_t *status,
		   struct buf *data, int ms);
/* A net TX chain that must not be sent: used length 0 or not used. */
int expect_tx_refused(struct ctx *c, uint16_t id, int ms);
/* For chains on either device: the device's answer, whatever the chain
 * meant: completion tolerated with any length, or none. */
int wait_any(struct ctx *c, uint16_t id, int ms);
/* A blk read of sector 0 that must succeed with the right data. */
int blk_good_read(struct ctx *c, uint32_t sectors);

#endif
