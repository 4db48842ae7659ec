/* A mixed read/write verify workload for the demo guest's disk, which
 * also checks that the device writes a read's buffers and nothing else.
 *
 *   blkverify DEVICE ROUNDS
 *
 * The device is cut into 256 KiB slots.  Each round writes every slot
 * once, whole, with data made from (slot, generation), and reads random
 * pieces of slots back, 16 requests in flight through Linux AIO with
 * O_DIRECT.  Never two requests on one slot at once: a read checks its
 * bytes against the slot's last completed write.
 *
 * Every request is a vector of 1 to 64 pieces, each in its own region of
 * a buffer pool, at a random 512-byte-aligned place with guard bytes
 * before and after it (the block layer passes each piece as a separate
 * segment).  After a read completes, its pieces must hold the data and
 * their regions' guard bytes must be intact: a device that writes past
 * a segment, or into the wrong one, is caught.
 *
 * Lines: "plinth-verify: round N: R reads, W writes, ok" and at the end
 * "plinth-verify: done: ok" or "plinth-verify: FAIL what". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define SLOT (256 << 10)
#define QD 16
#define MAX_PIECES 64
#define REGION (16 << 10) /* one piece's region: piece plus guards */
#define PIECE_MAX_S (REGION / 512 - 2)
#define POOL_REGIONS (QD * MAX_PIECES)
#define GUARD(i) ((uint8_t)(0xa5 ^ (i) ^ ((i) >> 8)))

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fail(const char *what, long a, long b)
{
	printf("plinth-verify: FAIL %s (%ld, %ld)\n", what, a, b);
	fflush(stdout);
	exit(1);
}

/* The byte at `off` of a slot written in generation `gen`. */
static uint8_t data_byte(unsigned slot, unsigned gen, unsigned off)
{
	uint64_t x = ((uint64_t)slot << 40) ^ ((uint64_t)gen << 24) ^ (off >> 3);

	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint8_t)(x >> (8 * (off & 7)));
}

struct req {
	struct iocb cb;
	struct iovec iov[MAX_PIECES];
	unsigned n, slot, gen, off, len, first_region;
	int write, busy;
};

static struct req reqs[QD];
static unsigned *gen_of; /* per slot: last completed write, 0 = never */
static int *slot_busy;
static uint8_t *pool;
static aio_context_t ctx;
static unsigned nslots, nreads, nwrites;

/* Lays out `len` bytes as up to MAX_PIECES pieces (whole sectors, at
 * most PIECE_MAX_S each) in the request's own regions, each at a random
 * sector-aligned place with at least a sector of guard on both sides. */
static void lay_out(struct req *r, unsigned k)
{
	unsigned left = r->len / 512, n = 0;

	r->first_region = k * MAX_PIECES;
	while (left) {
		unsigned rest = MAX_PIECES - n - 1; /* pieces after this */
		unsigned min = left > rest * PIECE_MAX_S
				       ? left - rest * PIECE_MAX_S : 1;
		unsigned max = left < PIECE_MAX_S ? left : PIECE_MAX_S;
		unsigned sectors = min + (unsigned)(next() % (max - min + 1));
		unsigned region = r->first_region + n;
		uint8_t *base = pool + (size_t)region * REGION;
		unsigned at = 512 * (1 + (unsigned)(next()
				% (REGION / 512 - 2 - sectors + 1)));

		for (unsigned i = 0; i < REGION; i++)
			base[i] = GUARD(i + region);
		r->iov[n].iov_base = base + at;
		r->iov[n].iov_len = (size_t)sectors * 512;
		left -= sectors;
		n++;
	}
	r->n = n;
}

static void check_guards(const struct req *r)
{
	for (unsigned p = 0; p < r->n; p++) {
		unsigned region = r->first_region + p;
		const uint8_t *base = pool + (size_t)region * REGION;
		const uint8_t *lo = r->iov[p].iov_base;
		const uint8_t *hi = lo + r->iov[p].iov_len;

		for (const uint8_t *q = base; q < base + REGION; q++)
			if ((q < lo || q >= hi)
			    && *q != GUARD((unsigned)(q - base) + region))
				fail("guard byte overwritten next to a read "
				     "buffer (piece, offset)", p,
				     (long)(q - base));
	}
}

static void submit(int fd, struct req *r, unsigned k)
{
	struct iocb *cbs[1] = { &r->cb };

	lay_out(r, k);
	if (r->write) {
		unsigned off = r->off;

		for (unsigned p = 0; p < r->n; p++)
			for (size_t i = 0; i < r->iov[p].iov_len; i++)
				((uint8_t *)r->iov[p].iov_base)[i] =
					data_byte(r->slot, r->gen, off++);
	}
	memset(&r->cb, 0, sizeof(r->cb));
	r->cb.aio_fildes = (uint32_t)fd;
	r->cb.aio_lio_opcode = r->write ? IOCB_CMD_PWRITEV : IOCB_CMD_PREADV;
	r->cb.aio_buf = (uint64_t)(uintptr_t)r->iov;
	r->cb.aio_nbytes = r->n;
	r->cb.aio_offset = (int64_t)r->slot * SLOT + r->off;
	r->cb.aio_data = k;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		fail("io_submit", r->slot, r->len);
	r->busy = 1;
	slot_busy[r->slot] = 1;
}

static void complete(const struct io_event *e)
{
	struct req *r = &reqs[e->data];

	if (e->res != (int64_t)r->len)
		fail(r->write ? "write result" : "read result", (long)e->res,
		     r->len);
	if (r->write) {
		gen_of[r->slot] = r->gen;
		nwrites++;
	} else {
		unsigned off = r->off;

		check_guards(r);
		for (unsigned p = 0; p < r->n; p++)
			for (size_t i = 0; i < r->iov[p].iov_len; i++, off++)
				if (((uint8_t *)r->iov[p].iov_base)[i]
				    != data_byte(r->slot, r->gen, off))
					fail("read back differs (slot, offset)",
					     r->slot, off);
		nreads++;
	}
	r->busy = 0;
	slot_busy[r->slot] = 0;
}

static unsigned cursor, reads_issued; /* this round's */

static int pick_write(struct req *r, unsigned round)
{
	if (cursor >= nslots || slot_busy[cursor])
		return 0;
	r->write = 1;
	r->slot = cursor++;
	r->gen = round;
	r->off = 0;
	r->len = SLOT;
	return 1;
}

static int pick_read(struct req *r)
{
	if (reads_issued >= nslots)
		return 0;
	for (int tries = 0; tries < 16; tries++) {
		unsigned s = (unsigned)(next() % nslots);
		unsigned sectors = 1 + (unsigned)(next() % (SLOT / 512));

		if (slot_busy[s] || !gen_of[s])
			continue;
		r->write = 0;
		r->slot = s;
		r->gen = gen_of[s];
		r->off = (unsigned)(next() % (SLOT / 512 - sectors + 1)) * 512;
		r->len = sectors * 512;
		reads_issued++;
		return 1;
	}
	return 0;
}

/* A slot no request holds: the next to write, or a random one already
 * written to read, in random order. */
static int pick(struct req *r, unsigned round)
{
	if (next() % 2)
		return pick_write(r, round) || pick_read(r);
	return pick_read(r) || pick_write(r, round);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		fail("usage: blkverify DEVICE ROUNDS", argc, 0);
	int fd = open(argv[1], O_RDWR | O_DIRECT);
	unsigned rounds = (unsigned)atoi(argv[2]);
	off_t size = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);

	if (fd < 0 || size < SLOT)
		fail("open", fd, (long)size);
	nslots = (unsigned)(size / SLOT);
	gen_of = calloc(nslots, sizeof(*gen_of));
	slot_busy = calloc(nslots, sizeof(*slot_busy));
	if (posix_memalign((void **)&pool, 4096, (size_t)POOL_REGIONS * REGION)
	    || !gen_of || !slot_busy)
		fail("memory", 0, 0);
	if (syscall(SYS_io_setup, QD, &ctx))
		fail("io_setup", 0, 0);
	for (unsigned round = 1; round <= rounds; round++) {
		unsigned reads0 = nreads, writes0 = nwrites, inflight = 0;

		/* Every slot written once, and as many reads. */
		cursor = reads_issued = 0;
		while (cursor < nslots || reads_issued < nslots || inflight) {
			for (unsigned k = 0; k < QD; k++)
				if (!reqs[k].busy && pick(&reqs[k], round)) {
					submit(fd, &reqs[k], k);
					inflight++;
				}
			if (!inflight) /* no slot written yet to read: none */
				fail("nothing to do", (long)cursor,
				     (long)reads_issued);
			struct io_event ev[QD];
			long got = syscall(SYS_io_getevents, ctx, 1, QD, ev,
					   NULL);

			if (got < 1)
				fail("io_getevents", got, 0);
			for (long i = 0; i < got; i++) {
				complete(&ev[i]);
				inflight--;
			}
		}
		printf("plinth-verify: round %u: %u reads, %u writes, ok\n",
		       round, nreads - reads0, nwrites - writes0);
		fflush(stdout);
	}
	printf("plinth-verify: done: ok\n");
	return 0;
}
