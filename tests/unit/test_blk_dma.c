/* DMA confinement: a virtio-blk read over the AHCI driver writes the
 * request's buffers and nothing else.
 *
 * virtio-blk (virtio/virtio_blk.c) takes requests from a packed ring in
 * fake guest RAM (vq_driver.h); the AHCI engine (drivers/ahci_io.c) turns
 * them into commands whose PRDTs point into that RAM; an HBA played here
 * does exactly what each command says, as QEMU's or a real one would: it
 * moves the command's sectors from its disk into the PRD entries' ranges,
 * in order, never more than the PRDT holds.  Every byte of guest RAM that
 * is not a data buffer (the guards before, between and after them, the
 * other requests' buffers, the headers) is checked afterwards, and every
 * buffer byte must hold the disk's data for its offset in the request.
 *
 * The requests are what a hostile or an ordinary driver may build within
 * the limits the device advertises: seg_max scattered segments of odd
 * (even-byte) sizes, segments of size_max, several requests in flight at
 * once.  A request longer than one command carries (beyond what virtio-blk
 * takes, but the disk self-test sends them) goes to the backend directly
 * and must be split into several commands. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/fake_hba.h"
#include "tests/support/vdev_driver.h"
#include "tests/support/vq_driver.h"

#include <stdlib.h>

#include "drivers/ahci.h"
#include "hv/guest/gmem.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_blk_regs.h"

#define T_IN VIRTIO_BLK_T_IN
#define S_OK VIRTIO_BLK_S_OK
#define GUARD 0x5a	  /* every byte of RAM the reads must not touch */

/* Guest-physical layout: the rings and headers low, data from BUF up. */
#define DESC 0x1000ull
#define DRV 0x3000ull
#define DEV 0x3010ull
#define TABLE 0x4000ull	 /* indirect tables, 0x1000 apart */
#define HDR 0x20000ull	 /* request headers, 0x20 apart */
#define STATUS 0x21000ull /* status bytes, 0x10 apart */
#define BUF 0x100000ull
#define RAM_BYTES (56ull << 20)
#define BAR_ADDR 0xfe000000ull

#define DISK_BYTES (48ull << 20)
#define DISK_SECTORS (DISK_BYTES / 512)

static struct fake_mem M;
static struct vpci_fn *F;
static struct vblk B;
static struct vqd Q;
static struct msi_rec MSI;
static struct ahci_disk D;
static uint8_t *DISK;

/* --- the HBA ------------------------------------------------------------ */

static int no_restart(struct ahci_disk *d, bool reset)
{
	(void)d;
	(void)reset;
	CHECK(0); /* nothing here fails */
	return -1;
}

static uint64_t clock0(void)
{
	return 0;
}

static unsigned commands_run, prds_seen;

/* Runs every command the driver issued: a READ (queued or not) moves
 * count sectors from the disk at lba into the PRD ranges, in order. */
static void hba_run(void)
{
	uint32_t ci = ahci_rd(hba_port, PxCI);

	for (unsigned s = 0; s < AHCI_SLOTS; s++) {
		if (!(ci & (1u << s)))
			continue;
		const uint8_t *h = D.clb + AHCI_CMD_HDR_SIZE * s;
		const uint8_t *f = D.ctba[s];
		uint32_t dw0 = ahci_rd(h, AHCI_CMD_DW0);
		unsigned prdtl = dw0 >> AHCI_CMD_PRDTL_SHIFT;
		bool queued = f[FIS_COMMAND] == ATA_READ_FPDMA;
		uint64_t lba = f[FIS_LBA_LO] | (uint64_t)f[FIS_LBA_LO + 1] << 8
			       | (uint64_t)f[FIS_LBA_LO + 2] << 16
			       | (uint64_t)f[FIS_LBA_HI] << 24
			       | (uint64_t)f[FIS_LBA_HI + 1] << 32
			       | (uint64_t)f[FIS_LBA_HI + 2] << 40;
		uint32_t count =
			queued ? (uint32_t)(f[FIS_FEATURE]
					    | f[FIS_FEATURE_EXP] << 8)
			       : (uint32_t)(f[FIS_COUNT] | f[FIS_COUNT_EXP] << 8);
		uint64_t left, moved = 0;

		CHECK(f[FIS_COMMAND] == ATA_READ_FPDMA
		      || f[FIS_COMMAND] == ATA_READ_DMA_EXT);
		/* a read: the HBA writes memory */
		CHECK(!(dw0 & AHCI_CMD_W));
		if (!count)
			count = 65536;
		CHECK(lba + count <= DISK_SECTORS);
		left = (uint64_t)count * 512;
		for (unsigned i = 0; i < prdtl && left; i++) {
			const uint8_t *e = f + AHCI_PRDT_OFF + 16 * i;
			uint64_t a = ahci_rd(e, 0) | (uint64_t)ahci_rd(e, 4) << 32;
			uint64_t n = (ahci_rd(e, 12) & 0x3fffff) + 1;

			if (n > left)
				n = left;
			memcpy((void *)(uintptr_t)a, DISK + lba * 512 + moved, n);
			moved += n;
			left -= n;
			prds_seen++;
		}
		/* What the PRDT could not hold is an overflow on a real HBA;
		 * the driver must never ask for it. */
		CHECK(left == 0);
		ahci_wr((uint8_t *)h, 4, (uint32_t)moved);
		hba_set(PxCI, ahci_rd(hba_port, PxCI) & ~(1u << s));
		hba_set(PxSACT, ahci_rd(hba_port, PxSACT) & ~(1u << s));
		commands_run++;
	}
}

/* --- the device ------------------------------------------------------- */

static void teardown(void)
{
	fm_free(&M);
	free(F);
	F = NULL;
}

static void setup(bool ncq)
{
	struct vqd *qs[1] = { &Q };

	teardown();
	if (!DISK) {
		DISK = malloc(DISK_BYTES);
		/* Every byte of the disk is different from its neighbours
		 * and from the guard: misplaced data cannot pass for right. */
		for (uint64_t i = 0; i < DISK_BYTES; i++)
			DISK[i] = (uint8_t)((i * 131 + (i >> 9) * 7 + (i >> 17))
					    % 251 + 1);
		for (uint64_t i = 0; i < DISK_BYTES; i++)
			if (DISK[i] == GUARD)
				DISK[i] = GUARD + 1;
	}
	hba_disk(&D, ncq);
	D.be.sectors = DISK_SECTORS;
	D.restart = no_restart;
	D.clock = clock0;
	ahci_io_init(&D);
	memcpy(D.be.serial, "dma-confinement-test", 20);

	fm_init(&M, RAM_BYTES);
	fm_fill(&M, 0, GUARD, RAM_BYTES);
	F = calloc(1, sizeof(*F));
	memset(&MSI, 0, sizeof(MSI));
	vblk_init(&B, F, &D.be, "vda", BAR_ADDR, &M.gm);
	B.dev.msi = msi_record;
	B.dev.irq_ctx = &MSI;
	vdrv_msix_on(&B.dev);
	vqd_init(&Q, &M, 256, DESC, DRV, DEV);
	Q.vector = 1;
	logstub_clear();
	CHECK(vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1)
	      == (VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK
		  | VIRTIO_S_DRIVER_OK));
	commands_run = prds_seen = 0;
}

/* --- requests ------------------------------------------------------- */

struct rd {
	uint64_t sector;
	unsigned n;
	struct vqd_buf seg[VBLK_SEG_MAX];
	uint64_t bytes;
};

/* Request k: header and status, its data through an indirect table (as
 * Linux sends large requests) or directly in the ring. */
static void post(unsigned k, const struct rd *r, bool indirect)
{
	struct vqd_buf b[VQ_MAX_SEGS];
	uint8_t h[16] = { 0 };
	uint32_t type = T_IN;

	memcpy(h, &type, 4);
	memcpy(h + 8, &r->sector, 8);
	fm_put(&M, HDR + 0x20ull * k, h, 16);
	b[0] = (struct vqd_buf){ HDR + 0x20ull * k, 16, 0 };
	for (unsigned i = 0; i < r->n; i++)
		b[1 + i] = r->seg[i];
	b[1 + r->n] = (struct vqd_buf){ STATUS + 0x10ull * k, 1,
					VQ_DESC_F_WRITE };
	if (indirect)
		vqd_indirect(&Q, TABLE + 0x1000ull * k, b, r->n + 2,
			     (uint16_t)(100 + k));
	else
		vqd_chain(&Q, b, r->n + 2, (uint16_t)(100 + k));
}

/* Kicks, runs the HBA and polls the driver until `n` requests are used
 * or nothing moves any more. */
static unsigned drive(unsigned n)
{
	unsigned used = 0;
	uint16_t id;
	uint32_t len;

	vdrv_notify(&B.dev, 0);
	for (unsigned round = 0; round < 1000 && used < n; round++) {
		hba_run();
		vblk_poll(&B);
		while (vqd_get_used(&Q, &id, &len))
			used++;
	}
	return used;
}

/* Each buffer holds the disk's bytes for its place in the request. */
static void check_data(const struct rd *r)
{
	uint64_t off = r->sector * 512;

	for (unsigned i = 0; i < r->n; i++) {
		const uint8_t *p = fm_ptr(&M, r->seg[i].addr, r->seg[i].len);

		if (memcmp(p, DISK + off, r->seg[i].len)) {
			printf("#   segment %u (GPA 0x%lx, %u bytes) holds the "
			       "wrong data\n", i, (unsigned long)r->seg[i].addr,
			       r->seg[i].len);
			CHECK(0);
			return;
		}
		off += r->seg[i].len;
	}
}

/* Every byte from BUF to the end of RAM that is no request's buffer
 * still holds the guard; with `posted`, each request came through the
 * ring and its status byte says OK. */
static void check_guards_of(const struct rd *rs, unsigned nr, bool posted)
{
	const uint8_t *ram = fm_ptr(&M, 0, RAM_BYTES);
	uint8_t *mine = calloc(1, RAM_BYTES);

	for (unsigned k = 0; k < nr; k++)
		for (unsigned i = 0; i < rs[k].n; i++)
			memset(mine + rs[k].seg[i].addr, 1, rs[k].seg[i].len);
	for (uint64_t gpa = BUF; gpa < RAM_BYTES; gpa++)
		if (!mine[gpa] && ram[gpa] != GUARD) {
			printf("#   guard byte at GPA 0x%lx overwritten (0x%02x)"
			       "\n", (unsigned long)gpa, ram[gpa]);
			CHECK(0);
			break;
		}
	free(mine);
	if (!posted)
		return;
	/* Each request's status byte says OK, and the next is untouched. */
	for (unsigned k = 0; k < nr; k++)
		CHECK(fm_byte(&M, STATUS + 0x10ull * k) == S_OK);
	CHECK(fm_byte(&M, STATUS + 0x10ull * nr) == GUARD);
}

static void check_guards(const struct rd *rs, unsigned nr)
{
	check_guards_of(rs, nr, true);
}

/* n segments from `gpa` on, each `len_of(i)` bytes (even) with a guard
 * gap of `gap(i)` bytes (even) in front; the last one takes what makes
 * the total a whole number of sectors.  Returns the GPA after it. */
static uint64_t scatter(struct rd *r, uint64_t sector, unsigned n,
			uint64_t gpa, uint32_t (*len_of)(unsigned),
			uint32_t (*gap)(unsigned))
{
	r->sector = sector;
	r->n = n;
	r->bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = len_of(i);

		gpa += gap(i);
		if (i + 1 == n && (r->bytes + len) % 512)
			len += 512 - (uint32_t)((r->bytes + len) % 512);
		r->seg[i] = (struct vqd_buf){ gpa, len, VQ_DESC_F_WRITE };
		r->bytes += len;
		gpa += len;
	}
	return gpa;
}

static uint32_t odd_sizes(unsigned i)
{
	/* Even sizes from 2 bytes to 8 KiB, sector multiples only by
	 * chance. */
	return 2 + (uint32_t)((i * 2654435761u) % 4096) * 2;
}

static uint32_t small_gaps(unsigned i)
{
	return 2 + (i % 7) * 2; /* 2 to 14 bytes of guard between */
}

static uint32_t pages_4k(unsigned i)
{
	(void)i;
	return 4096;
}

static uint32_t page_gaps(unsigned i)
{
	(void)i;
	return 4096;
}

static uint32_t size_max(unsigned i)
{
	return i % 3 == 1 ? 512 : VBLK_SIZE_MAX;
}

static uint32_t prd_max(unsigned i)
{
	return i % 3 == 1 ? 512 : AHCI_PRD_MAX;
}

static int direct_status = -1;

static void direct_done(struct blk_req *r, int status)
{
	(void)r;
	direct_status = status;
}

/* r straight to the AHCI backend, as the disk self-test sends requests:
 * runs the HBA until it completes. */
static int direct(const struct rd *r)
{
	static struct blk_sg sg[VBLK_SEG_MAX];
	struct blk_req q = {
		.op = BLK_READ,
		.sector = r->sector,
		.nsectors = r->bytes / 512,
		.sg = sg,
		.nsg = r->n,
		.done = direct_done,
	};

	for (unsigned i = 0; i < r->n; i++)
		sg[i] = (struct blk_sg){
			(uint64_t)(uintptr_t)fm_ptr(&M, r->seg[i].addr,
						    r->seg[i].len),
			r->seg[i].len
		};
	direct_status = -1;
	CHECK(D.be.submit(&D.be, &q) == 0);
	for (unsigned round = 0; round < 1000 && direct_status < 0; round++) {
		hba_run();
		D.be.poll(&D.be);
	}
	return direct_status;
}

static uint32_t sector_gaps(unsigned i)
{
	return 512 * (i % 3 + 1);
}

/* --- tests ------------------------------------------------------------ */

static void seg_max_scattered_odd_segments_stay_inside(void)
{
	struct rd r;

	setup(true);
	scatter(&r, 777, VBLK_SEG_MAX, BUF + 6, odd_sizes, small_gaps);
	post(0, &r, true);
	CHECK(drive(1) == 1);
	check_data(&r);
	check_guards(&r, 1);
	CHECK(commands_run >= 1);
}

static void page_sized_segments_one_page_apart(void)
{
	struct rd r;

	setup(true);
	/* Linux's usual shape: every other page, 128 of them. */
	scatter(&r, 4096, VBLK_SEG_MAX, BUF, pages_4k, page_gaps);
	post(0, &r, true);
	CHECK(drive(1) == 1);
	check_data(&r);
	check_guards(&r, 1);
}

static void seg_max_segments_of_size_max_stay_inside(void)
{
	struct rd r;

	setup(true);
	/* The largest request the device offers: size_max, 512 bytes,
	 * size_max, ...: seg_max of them. */
	scatter(&r, 3, VBLK_SEG_MAX, BUF + 512, size_max, sector_gaps);
	post(0, &r, true);
	CHECK(drive(1) == 1);
	check_data(&r);
	check_guards(&r, 1);
}

static void request_longer_than_a_command_is_split(void)
{
	struct rd r;

	setup(true);
	/* 4 MiB PRDs, 512 bytes, 4 MiB, 4 MiB, 512 bytes, ...: 36 MiB,
	 * more than one command's sector count can carry. */
	scatter(&r, 3, 13, BUF + 512, prd_max, sector_gaps);
	CHECK(r.bytes > (uint64_t)AHCI_CMD_SECTORS * 512);
	CHECK(direct(&r) == BLK_OK);
	check_data(&r);
	check_guards_of(&r, 1, false);
	CHECK(commands_run >= 2);
}

static void zero_length_read_succeeds_without_a_command(void)
{
	struct rd r = { .sector = 5, .n = 0 };

	setup(true);
	/* As on the RAM disk: nothing to move is no error. */
	post(0, &r, false);
	CHECK(drive(1) == 1);
	check_guards(&r, 1);
	CHECK(commands_run == 0);
}

static void one_command_at_a_time_without_ncq(void)
{
	struct rd r;

	setup(false);
	scatter(&r, 12345, VBLK_SEG_MAX, BUF + 2, odd_sizes, small_gaps);
	post(0, &r, false);
	CHECK(drive(1) == 1);
	check_data(&r);
	check_guards(&r, 1);
}

static void many_requests_in_flight_with_interleaved_buffers(void)
{
	static struct rd rs[8];
	uint64_t gpa = BUF;

	setup(true);
	/* Eight requests whose buffers lie side by side, a few guard
	 * bytes apart: a command that strays lands in a guard or in the
	 * next request's buffer, whose data check then fails. */
	for (unsigned k = 0; k < 8; k++) {
		gpa = scatter(&rs[k], 1000 + 10000 * k, 40 + k * 11, gpa + 4,
			      odd_sizes, small_gaps);
		post(k, &rs[k], k != 1 && k != 4);
	}
	CHECK(drive(8) == 8);
	for (unsigned k = 0; k < 8; k++)
		check_data(&rs[k]);
	check_guards(rs, 8);
	CHECK(commands_run >= 8);
}

int main(void)
{
	RUN(seg_max_scattered_odd_segments_stay_inside);
	RUN(page_sized_segments_one_page_apart);
	RUN(seg_max_segments_of_size_max_stay_inside);
	RUN(request_longer_than_a_command_is_split);
	RUN(zero_length_read_succeeds_without_a_command);
	RUN(one_command_at_a_time_without_ncq);
	RUN(many_requests_in_flight_with_interleaved_buffers);
	teardown();
	free(DISK);
	return CHECK_DONE();
}
