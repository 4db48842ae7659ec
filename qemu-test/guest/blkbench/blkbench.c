/* The virtio-blk benchmark inside the demo guest (make bench).
 *
 *   blkbench DEVICE SYSFS-DEVICE
 *
 * Sequential write then read of 8 MiB in 1 MiB O_DIRECT requests, timed
 * with RDTSC (under Bochs the TSC counts instructions, so the figures
 * repeat), printed as ticks per MiB; then 16 MiB the same way with 8
 * requests in flight through Linux AIO.  Then 4 KiB O_DIRECT reads through
 * Linux AIO at queue depth 1 and at 32, at offsets that do not touch
 * (the block layer would merge neighbours into one request).  Around each depth phase the
 * device is unbound from virtio_blk, which resets it, and Plinth logs the
 * queue's counters at the reset: the host divides notifications and
 * interrupts by requests from those lines.  A phase also holds the
 * rebind (the driver's probe and partition scan) and the open and close:
 * a first phase of depth 0 does only those, and the host takes its
 * counts from the others' to leave the requests' own.
 *
 * Lines: "plinth-bench: NAME VALUE" and "plinth-bench: phase NAME". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIB (1 << 20)
#define SEQ_MIB 8
#define SEQ_QD 8
#define SEQ_AIO_MIB 16
#define SMALL 4096
#define QD_ROUNDS 16

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void die(const char *what)
{
	printf("plinth-bench: error %s\n", what);
	fflush(stdout);
	exit(1);
}

static void sysfs_write(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, v, strlen(v)) < 0)
		die(path);
	close(fd);
}

static int open_dev(const char *dev)
{
	/* After a rebind the node may take a moment to come back. */
	for (int i = 0; i < 100; i++) {
		int fd = open(dev, O_RDWR | O_DIRECT);

		if (fd >= 0)
			return fd;
		usleep(20000);
	}
	die("open");
	return -1;
}

static void seq(int fd, char *buf, int wr)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < SEQ_MIB; i++) {
		ssize_t n = wr ? pwrite(fd, buf, MIB, (off_t)i * MIB)
			       : pread(fd, buf, MIB, (off_t)i * MIB);

		if (n != MIB)
			die(wr ? "write" : "read");
	}
	printf("plinth-bench: seq-%s-ticks-per-mib %llu\n", wr ? "write" : "read",
	       (unsigned long long)((rdtsc() - t0) / SEQ_MIB));
}

/* `total` O_DIRECT requests of `size` bytes through Linux AIO, `depth`
 * submitted at once and all reaped before the next batch, request i at
 * byte offset off(i) from buffer slot i % depth.  Returns the ticks they
 * took in all. */
static uint64_t aio_run(int fd, char *buf, int wr, long size, int depth,
			int total, long long (*off)(int i))
{
	aio_context_t ctx = 0;
	struct iocb cb[32], *cbs[32];
	struct io_event ev[32];
	uint64_t t0;

	if (depth > 32 || syscall(SYS_io_setup, depth, &ctx))
		die("io_setup");
	t0 = rdtsc();
	for (int done = 0; done < total; done += depth) {
		for (int i = 0; i < depth; i++) {
			memset(&cb[i], 0, sizeof(cb[i]));
			cb[i].aio_fildes = fd;
			cb[i].aio_lio_opcode = wr ? IOCB_CMD_PWRITE
						  : IOCB_CMD_PREAD;
			cb[i].aio_buf = (uint64_t)(uintptr_t)(buf + i * size);
			cb[i].aio_nbytes = size;
			cb[i].aio_offset = off(done + i);
			cbs[i] = &cb[i];
		}
		if (syscall(SYS_io_submit, ctx, depth, cbs) != depth)
			die("io_submit");
		for (int got = 0; got < depth;) {
			long n = syscall(SYS_io_getevents, ctx, 1, depth - got,
					 ev, NULL);

			if (n <= 0)
				die("io_getevents");
			for (long k = 0; k < n; k++)
				if (ev[k].res != size)
					die("short transfer");
			got += (int)n;
		}
	}
	t0 = rdtsc() - t0;
	syscall(SYS_io_destroy, ctx);
	return t0;
}

/* Every other 4 KiB block, so that the block layer cannot merge
 * neighbours into one request. */
static long long scattered(int i)
{
	return (long long)(i * 2 % 2048) * SMALL;
}

static long long sequential(int i)
{
	return (long long)i * MIB;
}

int main(int argc, char **argv)
{
	char unbind[256], bind[256], *buf;
	uint64_t ticks[3] = { 0 };
	const char *name;
	int fd;

	if (argc != 3)
		die("usage");
	name = strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2];
	snprintf(unbind, sizeof(unbind),
		 "/sys/bus/virtio/drivers/virtio_blk/unbind");
	snprintf(bind, sizeof(bind), "/sys/bus/virtio/drivers/virtio_blk/bind");
	if (posix_memalign((void **)&buf, 4096, SEQ_QD * MIB))
		die("memory");
	memset(buf, 0x5a, SEQ_QD * MIB);
	fd = open_dev(argv[1]);
	seq(fd, buf, 1);
	seq(fd, buf, 0);
	/* The same with SEQ_QD in flight, as Plinth's own AHCI self-test
	 * drives the disk. */
	for (int wr = 1; wr >= 0; wr--)
		printf("plinth-bench: seq-%s-qd%d-ticks-per-mib %llu\n",
		       wr ? "write" : "read", SEQ_QD,
		       (unsigned long long)(aio_run(fd, buf, wr, MIB, SEQ_QD,
						    SEQ_AIO_MIB, sequential)
					    / SEQ_AIO_MIB));
	for (int k = 0; k < 3; k++) {
		static const int depths[3] = { 0, 1, 32 };
		int depth = depths[k];

		/* A reset ends the counting of what came before. */
		close(fd);
		sysfs_write(unbind, name);
		sysfs_write(bind, name);
		fd = open_dev(argv[1]);
		printf("plinth-bench: phase qd%d\n", depth);
		fflush(stdout);
		if (depth)
			ticks[k] = aio_run(fd, buf, 0, SMALL, depth,
					   QD_ROUNDS * 32, scattered)
				   / (QD_ROUNDS * 32);
	}
	close(fd);
	sysfs_write(unbind, name);
	printf("plinth-bench: phase end\n");
	printf("plinth-bench: qd1-ticks-per-request %llu\n",
	       (unsigned long long)ticks[1]);
	printf("plinth-bench: qd32-ticks-per-request %llu\n",
	       (unsigned long long)ticks[2]);
	return 0;
}
