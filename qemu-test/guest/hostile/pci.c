/* The hostile driver's access to the machine: locked memory with physical
 * addresses (hugetlb pages, else transparent huge pages, else whatever
 * physically contiguous runs the pages form), PCI config space through
 * sysfs, BAR 0 through resource0.  MMIO goes through volatile pointers so
 * that every access is one plain MOV, which Plinth's decoder takes. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

#define HUGE (2u << 20)
#define ARENA_CHUNKS 4
#define GUARD 64

struct chunk {
	uint8_t *va;
	uint64_t pa;
	uint32_t len, used, hi; /* used: bump; hi: high-water mark */
	uint32_t filled;	/* PATTERN-filled up to here */
};
static struct chunk chunks[64];
static int nchunks;
uint64_t ram_top;

struct prot {
	const uint8_t *p;
	uint32_t len, off; /* off: into protbuf */
};
static struct prot prots[4096];
static int nprots;
static uint8_t protbuf[4 << 20];
static uint32_t protused;

uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void pause_us(unsigned us)
{
	struct timespec t = { 0, (long)us * 1000 };

	nanosleep(&t, NULL);
}

uint64_t virt_to_phys(const void *p)
{
	static int fd = -1;
	uint64_t e = 0, va = (uint64_t)(uintptr_t)p;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (off_t)(va / 4096 * 8)) != 8)
		return 0;
	if (!(e >> 63) || !(e & ((1ull << 55) - 1)))
		return 0;
	return (e & ((1ull << 55) - 1)) * 4096 + va % 4096;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror(path);
		close(fd);
	}
}

/* Splits [va, va+len) into physically contiguous chunks. */
static void add_runs(uint8_t *va, size_t len)
{
	size_t i = 0;

	while (i < len && nchunks < 64) {
		uint64_t pa = virt_to_phys(va + i);
		size_t j = i + 4096;

		if (!pa) {
			i += 4096;
			continue;
		}
		while (j < len && virt_to_phys(va + j) == pa + (j - i))
			j += 4096;
		if (j - i >= 64 * 1024)
			chunks[nchunks++] = (struct chunk){
				va + i, pa, (uint32_t)(j - i), 0, 0, 0
			};
		i = j;
	}
}

static void find_ram_top(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (line[0] != ' ' && strstr(line, "System RAM")
		    && sscanf(line, "%llx-%llx", &a, &b) == 2
		    && b + 1 > ram_top)
			ram_top = b + 1;
	}
	if (f)
		fclose(f);
}

int mem_init(void)
{
	size_t len = (size_t)ARENA_CHUNKS * HUGE;
	uint8_t *p;

	find_ram_top();
	write_file("/proc/sys/vm/nr_hugepages", "8");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE
			 | MAP_LOCKED,
		 -1, 0);
	if (p != MAP_FAILED) {
		memset(p, 0, len);
		add_runs(p, len);
	} else {
		/* Transparent huge pages, 2 MiB aligned. */
		uint8_t *q = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (q == MAP_FAILED)
			return -1;
		p = (uint8_t *)(((uintptr_t)q + HUGE - 1)
				& ~(uintptr_t)(HUGE - 1));
		madvise(p, len, MADV_HUGEPAGE);
		memset(p, 0, len);
		if (mlock(p, len))
			perror("mlock");
		add_runs(p, len);
	}
	if (!nchunks)
		return -1;
	mem_reset();
	return 0;
}

struct alloc {
	int chunk;
	uint32_t start, end;
};
static struct alloc allocs[8192];
static int nallocs;

/* How far past the high-water mark the check (and the refill) go. */
static uint32_t tail_end(const struct chunk *c)
{
	return c->hi + 8192 < c->len ? c->hi + 8192 : c->len;
}

/* PATTERN up to the tail of the high-water mark. */
static void fill(struct chunk *c)
{
	uint32_t end = tail_end(c);

	if (end > c->filled) {
		memset(c->va + c->filled, PATTERN, end - c->filled);
		c->filled = end;
	}
}

void mem_reset(void)
{
	for (int i = 0; i < nchunks; i++) {
		memset(chunks[i].va, PATTERN, chunks[i].filled);
		chunks[i].used = chunks[i].hi = 0;
		fill(&chunks[i]);
	}
	nprots = 0;
	protused = 0;
	nallocs = 0;
}

struct buf alloc_buf(uint32_t len)
{
	for (int i = 0; i < nchunks && nallocs < 8192; i++) {
		struct chunk *c = &chunks[i];
		uint32_t at = (c->used + GUARD + 63) & ~63u;

		if (len + GUARD > c->len || at > c->len - len - GUARD)
			continue;
		c->used = at + len;
		if (c->used > c->hi)
			c->hi = c->used;
		fill(c);
		allocs[nallocs++] = (struct alloc){ i, at, at + len };
		return (struct buf){ c->va + at, c->pa + at, len };
	}
	fprintf(stderr, "hostile: out of arena for %u bytes\n", len);
	exit(2);
}

void reprotect(const void *p, uint32_t len)
{
	const uint8_t *b = p;

	for (int i = 0; i < nprots; i++)
		if (prots[i].p < b + len && b < prots[i].p + prots[i].len)
			memcpy(protbuf + prots[i].off, prots[i].p,
			       prots[i].len);
}

void protect(const void *p, uint32_t len)
{
	if (nprots == 4096 || len > sizeof(protbuf) - protused)
		return;
	memcpy(protbuf + protused, p, len);
	prots[nprots++] = (struct prot){ p, len, protused };
	protused += len;
}

static int gap_ok(const struct chunk *c, uint32_t a, uint32_t b, char *why,
		  size_t n)
{
	for (uint32_t k = a; k < b; k++)
		if (c->va[k] != PATTERN) {
			snprintf(why, n,
				 "guard byte at physical 0x%llx changed to "
				 "0x%02x",
				 (unsigned long long)(c->pa + k), c->va[k]);
			return -1;
		}
	return 0;
}

/* Protected ranges unchanged, and the bytes between allocations (and
 * past the last) still PATTERN: a device that wrote beyond a buffer, or
 * into memory it was never given, changed them. */
int mem_check(char *why, size_t n)
{
	uint32_t pos[64] = { 0 };

	for (int i = 0; i < nprots; i++)
		if (memcmp(prots[i].p, protbuf + prots[i].off, prots[i].len)) {
			snprintf(why, n,
				 "device-readable bytes at physical 0x%llx "
				 "(%u long) were written",
				 (unsigned long long)virt_to_phys(prots[i].p),
				 prots[i].len);
			return -1;
		}
	for (int i = 0; i < nallocs; i++) {
		const struct alloc *a = &allocs[i];

		if (gap_ok(&chunks[a->chunk], pos[a->chunk], a->start, why, n))
			return -1;
		pos[a->chunk] = a->end;
	}
	for (int i = 0; i < nchunks; i++)
		if (gap_ok(&chunks[i], pos[i], tail_end(&chunks[i]), why, n))
			return -1;
	return 0;
}

/* --- PCI through sysfs ---------------------------------------------- */
struct dev devs[2];

uint32_t cfg_read(struct dev *d, unsigned off, unsigned size)
{
	uint32_t v = 0;

	if (pread(d->cfg_fd, &v, size, off) != (ssize_t)size)
		return 0xffffffffu;
	return v;
}

void cfg_write(struct dev *d, unsigned off, unsigned size, uint32_t v)
{
	/* Past the end of what sysfs shows (256 bytes for a conventional
	 * function) the write does not happen; that is fine. */
	if (pwrite(d->cfg_fd, &v, size, off) < 0)
		(void)errno;
}

uint8_t r8(struct dev *d, uint32_t off)
{
	return *(volatile uint8_t *)(d->bar + off);
}
uint16_t r16(struct dev *d, uint32_t off)
{
	return *(volatile uint16_t *)(d->bar + off);
}
uint32_t r32(struct dev *d, uint32_t off)
{
	return *(volatile uint32_t *)(d->bar + off);
}
uint64_t r64(struct dev *d, uint32_t off)
{
	return *(volatile uint64_t *)(d->bar + off);
}
void w8(struct dev *d, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(d->bar + off) = v;
}
void w16(struct dev *d, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(d->bar + off) = v;
}
void w32(struct dev *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(d->bar + off) = v;
}
void w64(struct dev *d, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(d->bar + off) = v;
}

static unsigned long read_hex(const char *dir, const char *name)
{
	char path[256], buf[64] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return strtoul(buf, NULL, 16);
}

/* The capability list, walked as a driver would (bounded). */
static unsigned find_caps(struct dev *d)
{
	unsigned at = cfg_read(d, 0x34, 1) & 0xfc, found = 0;

	for (int n = 0; at && n < 48; n++) {
		unsigned id = cfg_read(d, at, 1);

		if (id == 0x11)
			d->msix = at;
		if (id == 0x09) {
			unsigned type = cfg_read(d, at + 3, 1);
			uint32_t off = cfg_read(d, at + 8, 4);

			if (type < 8)
				found |= 1u << type;

			if (type == 1)
				d->common = off;
			else if (type == 2) {
				d->notify = off;
				d->notify_mult = cfg_read(d, at + 16, 4);
			} else if (type == 3)
				d->isr = off;
			else if (type == 4)
				d->devcfg = off;
			else if (type == 5)
				d->pcicfg = at;
		}
		at = cfg_read(d, at + 1, 1) & 0xfc;
	}
	return found;
}

int pci_open(struct dev *d, int kind)
{
	const char *base = "/sys/bus/pci/devices";
	DIR *dir = opendir(base);
	struct dirent *e;
	char path[256];
	int fd;

	d->kind = kind;
	d->name = kind == BLK ? "blk" : "net";
	d->sysfs[0] = 0;
	while (dir && (e = readdir(dir))) {
		char p[300];

		if (e->d_name[0] == '.' || strlen(e->d_name) > 64)
			continue;
		snprintf(p, sizeof(p), "%s/%.64s", base, e->d_name);
		if (read_hex(p, "vendor") == 0x1af4
		    && read_hex(p, "device")
			       == (unsigned long)(kind == BLK ? 0x1042
							      : 0x1041)) {
			snprintf(d->sysfs, sizeof(d->sysfs), "%.100s", p);
			break;
		}
	}
	if (dir)
		closedir(dir);
	if (!d->sysfs[0]) {
		printf("hostile: no virtio %s function in sysfs\n", d->name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/enable", d->sysfs);
	write_file(path, "1");
	snprintf(path, sizeof(path), "%s/config", d->sysfs);
	d->cfg_fd = open(path, O_RDWR);
	if (d->cfg_fd < 0) {
		printf("hostile: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Memory decode and bus mastering on. */
	cfg_write(d, 4, 2, cfg_read(d, 4, 2) | 6);
	d->bar_pa = (cfg_read(d, 0x10, 4) & ~0xfull)
		    | (uint64_t)cfg_read(d, 0x14, 4) << 32;
	snprintf(path, sizeof(path), "%s/resource0", d->sysfs);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0) {
		printf("hostile: %s: %s\n", path, strerror(errno));
		return -1;
	}
	d->bar = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (d->bar == MAP_FAILED) {
		printf("hostile: mmap %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((find_caps(d) & 0x6) != 0x6) {
		printf("hostile: %s: no common or notify capability\n",
		       d->name);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		d->q[i].done = calloc(65536, sizeof(uint32_t));
		d->q[i].ndesc = calloc(65536, sizeof(uint16_t));
	}
	return 0;
}
