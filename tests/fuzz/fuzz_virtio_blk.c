/* libFuzzer target for virtio-blk (virtio/virtio_blk.c) over the RAM disk
 * (drivers/ramdisk.c), through the virtio-pci transport: a guest driver
 * that brings the device up, fills its ring with any requests, notifies,
 * resets it and pokes any register must never make the device touch
 * memory outside guest RAM and the disk, write the disk but for a
 * checked write-type request, or write a read-only disk at all.
 *
 *   make build/fuzz/fuzz_virtio_blk   # sources: fuzz_virtio_blk_SRCS
 *   build/fuzz/fuzz_virtio_blk -max_total_time=60
 *
 * Without libFuzzer (gcc), -DFUZZ_REPLAY adds a main() that runs the
 * target over the files named on the command line:
 *
 *   gcc -DFUZZ_REPLAY -fsanitize=address,undefined -I. \
 *       tests/fuzz/fuzz_virtio_blk.c <fuzz_virtio_blk_SRCS> -o fzr
 *   ./fzr crash-1234...
 *
 * Each input runs twice: over a writable disk, then over a read-only one
 * whose bytes must come out unchanged.  Guest RAM and compact descriptors:
 * fuzz_common.h; bring-up and BAR accesses: fuzz_vdev.h.
 *
 * Input layout (little-endian):
 *   bytes 0-7   the backend's choices, 2 bits per request taken, used
 *               round robin: 0-1 complete at once, 2 hold it (complete
 *               later: op 9, or at the end), 3 refuse it (full)
 *   then        a bring-up (fuzz_vdev.h; one queue)
 * then operations, one byte each (mod 14) and their arguments:
 *   0  descriptors into the ring: slot after next_avail (1), count-1
 *      (low 3 bits of 1), compact descriptors
 *   1  descriptors anywhere: kind (1), offset (2), count-1 (1), compact
 *      descriptors
 *   2  raw bytes: kind (1), offset (2), count (1), bytes
 *   3  a request header: kind (1), offset (2), type (1: IN, OUT, FLUSH,
 *      GET_ID, DISCARD, WRITE_ZEROES, raw 4 more bytes), sector (1:
 *      0-71 for < 0xf0, else 8 raw bytes); for DISCARD and WRITE_ZEROES
 *      the segment after it: sector (1), sectors (2), flags (1)
 *   4  notify: queue (1, mostly 0), size (1)
 *   5  BAR write (fuzz_vdev.h)
 *   6  BAR read
 *   7  reset (device_status 0)
 *   8  a bring-up again
 *   9  the backend completes a held request: which (1), status (1)
 *   10 PCI configuration write (fuzz_vdev.h)
 *   11 PCI configuration read
 *   12 driver event suppression: off_wrap (2), flags (2)
 *   13 a whole request posted as a driver would (the next ring slots
 *      after the last one posted, or an indirect table): type (1, as in
 *      3), sector (1), data size (1: bits 0-2 sectors, bit 7 plus bits
 *      3-6 odd bytes), layout (1: bit 0 indirect, bit 1 header in two
 *      buffers, bit 2 status byte in the last data buffer, bit 3 data
 *      the wrong way, bits 4-5 data buffers - 1, bit 6 high RAM, bit 7
 *      no status byte), offset (2, low 15 bits), id (2), data seed (1)
 *
 * Invariants checked (abort on violation): every request reaching the
 * backend has a known op, a sector range inside the disk, a data list of
 * host ranges inside guest RAM adding up to its sectors (none for
 * flush/discard/write-zeroes), is not one the backend still holds, and is
 * a read or flush when the disk is read-only; a read or flush leaves the
 * disk as it was and a write changes only its own sectors; a request
 * completed after a reset writes nothing into guest RAM; once the backend
 * holds nothing, a pending reset has completed; the interrupt sinks'
 * checks (fuzz_vdev.h); the read-only pass leaves the disk unchanged.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "virtio/virtio_blk.h"

#include "tests/fuzz/fuzz_vdev.h"

#define DISK_SECTORS 64
#define DISK_SIZE (DISK_SECTORS * BLK_SECTOR)
#define MAX_OPS 2048
#define HOLD VBLK_SLOTS

static struct vpci_fn blk_fn;
static struct vblk blk;
static struct ramdisk rd;
static uint8_t *disk, *disk_before, *disk_pattern;
static int (*rd_submit)(struct blk_backend *be, struct blk_req *r);
static bool readonly;

static struct blk_req *held[HOLD];
static unsigned nheld;
static uint8_t be_bits[8];
static unsigned be_next;
static int captured;
static struct fz_cursor cursor;

static unsigned be_choice(void)
{
	unsigned i = be_next++ % 32;

	return be_bits[i / 4] >> (2 * (i % 4)) & 3;
}

static void check_request(const struct blk_req *r)
{
	uint64_t total = 0;

	CHECK(r->op <= BLK_WRITE_ZEROES);
	/* A flush's sector is the driver's (0 by 5.2.6) and unused. */
	if (r->op != BLK_FLUSH)
		CHECK(r->sector <= DISK_SECTORS
		      && r->nsectors <= DISK_SECTORS - r->sector);
	else
		CHECK(r->nsectors == 0);
	if (readonly)
		CHECK(r->op == BLK_READ || r->op == BLK_FLUSH);
	switch (r->op) {
	case BLK_READ:
	case BLK_WRITE:
		CHECK(r->nsg <= VQ_MAX_SEGS);
		for (unsigned i = 0; i < r->nsg; i++) {
			CHECK(fz_host_in_ram(&fz_gm,
					     (const uint8_t *)(uintptr_t)
						     r->sg[i].hpa,
					     r->sg[i].len));
			total += r->sg[i].len;
		}
		CHECK(total == r->nsectors * BLK_SECTOR);
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES:
		CHECK(r->nsectors && r->nsg == 0);
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < nheld; i++)
		CHECK(held[i] != r);
}

static void capture(struct blk_req *r, int status)
{
	(void)r;
	captured = status;
}

/* The backend finishes r: the RAM disk does the work, then the device
 * hears of it (with `fail`, as an I/O error). */
static void complete(struct blk_req *r, bool fail)
{
	void (*done)(struct blk_req *, int) = r->done;
	const struct vblk_slot *slot = r->ctx;
	uint64_t lo = r->sector * BLK_SECTOR, hi = lo + r->nsectors * BLK_SECTOR;
	bool orphan = slot->orphan;
	uint8_t *ram[2] = { NULL, NULL };

	memcpy(disk_before, disk, DISK_SIZE);
	captured = -1;
	r->done = capture;
	CHECK(rd_submit(&rd.be, r) == 0);
	r->done = done;
	CHECK(captured == BLK_OK || captured == BLK_EIO);
	if (r->op == BLK_READ || r->op == BLK_FLUSH || captured != BLK_OK)
		CHECK(!memcmp(disk, disk_before, DISK_SIZE));
	else
		CHECK(!memcmp(disk, disk_before, lo)
		      && !memcmp(disk + hi, disk_before + hi, DISK_SIZE - hi));
	if (orphan) {
		/* The ring it came from is gone: nothing may be written. */
		for (int i = 0; i < 2; i++) {
			ram[i] = malloc(FZ_RAM_SIZE);
			if (!ram[i])
				abort();
			memcpy(ram[i], fz_ram[i], FZ_RAM_SIZE);
		}
	}
	done(r, fail ? BLK_EIO : captured);
	if (orphan) {
		for (int i = 0; i < 2; i++) {
			CHECK(!memcmp(ram[i], fz_ram[i], FZ_RAM_SIZE));
			free(ram[i]);
		}
	}
}

static int shim_submit(struct blk_backend *be, struct blk_req *r)
{
	CHECK(be == &rd.be);
	check_request(r);
	switch (be_choice()) {
	case 2:
		if (nheld < HOLD) {
			held[nheld++] = r;
			return 0;
		}
		break;
	case 3:
		return -1;
	}
	complete(r, false);
	return 0;
}

static void complete_held(unsigned i, bool fail)
{
	struct blk_req *r = held[i];

	memmove(&held[i], &held[i + 1], (nheld - i - 1) * sizeof(held[0]));
	nheld--;
	complete(r, fail);
}

static void request_header(struct fz *s)
{
	static const uint32_t types[] = { 0, 1, 4, 8, 11, 13 };
	uint8_t kind = fz8(s);
	uint64_t gpa = fz_addr(kind, fz16(s));
	uint8_t t = fz8(s), sec = fz8(s);
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} h = { 0, 0, 0 };
	struct {
		uint64_t sector;
		uint32_t num, flags;
	} seg;

	h.type = t % 8 < 6 ? types[t % 8] : fz32(s);
	h.sector = sec < 0xf0 ? sec % 72 : fz64(s);
	gmem_write(&fz_gm, gpa, &h, sizeof(h));
	if (h.type == 11 || h.type == 13) {
		seg.sector = fz8(s) % 72;
		seg.num = fz16(s) % 80;
		seg.flags = fz8(s) & 3;
		gmem_write(&fz_gm, gpa + sizeof(h), &seg, sizeof(seg));
	}
}

/* A request in guest RAM (header, discard segment, data, status byte one
 * after the other) and its chain posted with fz_post_chain. */
static void build_request(struct fz *s)
{
	static const uint32_t types[] = { 0, 1, 4, 8, 11, 13 };
	uint8_t t = fz8(s), sec = fz8(s), sz = fz8(s), lay = fz8(s);
	uint64_t base = (lay & 0x40 ? FZ_RAM_HI : 0) + (fz16(s) & 0x7fff);
	uint16_t id = fz16(s);
	uint8_t seed = fz8(s);
	struct {
		uint32_t type, reserved;
		uint64_t sector;
		uint64_t seg_sector;
		uint32_t seg_num, seg_flags;
	} h = { t % 8 < 6 ? types[t % 8] : t, 0, sec % 72, sec % 72,
		1 + (seed & 7), seed >> 6 };
	uint32_t hlen = h.type == 11 || h.type == 13 ? 32 : 16;
	uint32_t dlen = (sz & 7) * BLK_SECTOR + (sz & 0x80 ? sz >> 3 & 15 : 0);
	bool dwrite = (h.type == 0 || h.type == 8) != !!(lay & 8);
	struct fz_buf b[8];
	unsigned n = 0;
	uint64_t data = base + hlen, status = data + dlen;
	uint8_t fill[8 * BLK_SECTOR];

	for (uint32_t i = 0; i < dlen; i++)
		fill[i] = (uint8_t)(seed + i);
	gmem_write(&fz_gm, base, &h, hlen);
	gmem_write(&fz_gm, data, fill, dlen);
	if (lay & 2) {
		b[n++] = (struct fz_buf){ base, 8, false };
		b[n++] = (struct fz_buf){ base + 8, hlen - 8, false };
	} else {
		b[n++] = (struct fz_buf){ base, hlen, false };
	}
	fz_cut(b, &n, data, dlen, 1 + (lay >> 4 & 3), dwrite);
	if (!(lay & 0x80)) {
		if ((lay & 4) && dlen && dwrite)
			b[n - 1].len++;
		else
			b[n++] = (struct fz_buf){ status, 1, true };
	}
	fz_post_chain(&blk.dev.vq[0], &cursor, b, n, id,
		      lay & 1 ? (status + 16) & ~15ull : 0);
}

static void bringup(struct fz *s)
{
	fz_bringup(s, &blk.dev);
	cursor = (struct fz_cursor){ 0, true };
}

/* One pass over the input with a writable or a read-only disk. */
static void run(const uint8_t *data, size_t size, bool ro)
{
	struct fz s = { data, size };
	struct vdev *d = &blk.dev;

	readonly = ro;
	nheld = 0;
	be_next = 0;
	fz_ram_reset();
	memcpy(disk, disk_pattern, DISK_SIZE);
	ramdisk_init(&rd, disk, DISK_SIZE, ro, "fuzz");
	rd_submit = rd.be.submit;
	rd.be.submit = shim_submit;
	fz_bus_reset();
	memset(&blk_fn, 0, sizeof(blk_fn));
	vblk_init(&blk, &blk_fn, &rd.be, "vda", GUEST_PCI_MMIO_BASE, &fz_gm);
	fz_vdev_attach(d, 1);

	for (int i = 0; i < 8; i++)
		be_bits[i] = fz8(&s);
	bringup(&s);
	for (unsigned ops = 0; s.n && ops < MAX_OPS; ops++) {
		switch (fz8(&s) % 14) {
		case 0: {
			unsigned first = d->vq[0].next_avail + fz8(&s);

			fz_ring_descs(&s, &d->vq[0], first, (fz8(&s) & 7) + 1);
			break;
		}
		case 1: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			fz_table_descs(&s, gpa, (fz8(&s) & 7) + 1);
			break;
		}
		case 2: {
			uint8_t kind = fz8(&s);
			uint64_t gpa = fz_addr(kind, fz16(&s));

			fz_raw_bytes(&s, gpa, fz8(&s));
			break;
		}
		case 3:
			request_header(&s);
			break;
		case 4: {
			uint8_t qb = fz8(&s);

			fz_bw(d, VDEV_NOTIFY_OFF + VDEV_NOTIFY_MULT
					       * (qb < 0xf0 ? 0 : qb & 7),
			      fz_size(fz8(&s)), 0);
			break;
		}
		case 5:
			fz_bar_access(&s, d, true);
			break;
		case 6:
			fz_bar_access(&s, d, false);
			break;
		case 7:
			fz_bw(d, CC_STATUS, 1, 0);
			break;
		case 8:
			bringup(&s);
			break;
		case 9: {
			uint8_t w = fz8(&s), st = fz8(&s);

			if (nheld)
				complete_held(w % nheld, st & 1);
			break;
		}
		case 10:
			fz_cfg_access(&s, d, true);
			break;
		case 11:
			fz_cfg_access(&s, d, false);
			break;
		case 12:
			fz_drv_event(&s, &d->vq[0]);
			break;
		case 13:
			build_request(&s);
			break;
		}
		CHECK(blk.in_flight == nheld);
	}
	/* The backend finishes everything it holds. */
	while (nheld)
		complete_held(0, false);
	CHECK(blk.in_flight == 0 && !d->resetting);
	if (ro)
		CHECK(!memcmp(disk, disk_pattern, DISK_SIZE));
	vpci_remove_all(&fz_bus);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!disk) {
		disk = malloc(DISK_SIZE);
		disk_before = malloc(DISK_SIZE);
		disk_pattern = malloc(DISK_SIZE);
		if (!disk || !disk_before || !disk_pattern)
			abort();
		for (unsigned i = 0; i < DISK_SIZE; i++)
			disk_pattern[i] = (uint8_t)(i * 7 + i / 512);
	}
	run(data, size, false);
	run(data, size, true);
	return 0;
}
