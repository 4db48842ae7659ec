/* What the virtio and PCI fuzz targets share: reading the input as a
 * stream, a small fake guest RAM, compact descriptors, and (from
 * fuzz_replay.h) the replay main().  Header-only; every target includes it once.
 *
 * Guest RAM is two 64 KiB regions, [0, 64K) and [1M, 1M + 64K), each its
 * own exact-size allocation (kept across runs, cleared at the start of
 * each), so ASan reports any access outside guest RAM that the code under
 * test makes through a host pointer.
 *
 * A compact descriptor is 8 input bytes that become one 16-byte packed
 * descriptor (struct pvirtq_desc) in guest RAM:
 *   byte 0      bit 0 NEXT, bit 1 WRITE, bit 2 INDIRECT;
 *               bits 3-4 availability: 0 available in the lap the device
 *               reaches that slot in, 1 the opposite (looks used),
 *               2 neither AVAIL nor USED, 3 both;
 *               bits 5-6 address kind (fz_addr); bit 7 length from the
 *               top: 0xffffffff - len
 *   bytes 1-2   address offset
 *   bytes 3-4   length, low 16 bits
 *   bytes 5-6   buffer id
 *   byte 7      length, bits 16-23
 * Input that runs out reads as zeros.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/gmem.h"
#include "virtio/virtq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/fuzz_check.h"

/* --- the input as a stream ------------------------------------------ */

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz8(struct fz *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

static inline uint16_t fz16(struct fz *s)
{
	uint16_t v = fz8(s);

	return (uint16_t)(v | fz8(s) << 8);
}

static inline uint32_t fz32(struct fz *s)
{
	uint32_t v = fz16(s);

	return v | (uint32_t)fz16(s) << 16;
}

static inline uint64_t fz64(struct fz *s)
{
	uint64_t v = fz32(s);

	return v | (uint64_t)fz32(s) << 32;
}

/* An access size: mostly 1, 2, 4 or 8, sometimes one no bus uses. */
static inline unsigned fz_size(uint8_t b)
{
	static const unsigned sz[8] = { 1, 2, 4, 8, 4, 2, 0, 3 };

	return sz[b & 7];
}

/* --- guest RAM ------------------------------------------------------- */

#define FZ_RAM_SIZE 0x10000ull
#define FZ_RAM_HI 0x100000ull

static uint8_t *fz_ram[2];
static struct gmem fz_gm;

/* Clears guest RAM and describes it in fz_gm. */
static inline void fz_ram_reset(void)
{
	for (int i = 0; i < 2; i++) {
		if (!fz_ram[i] && !(fz_ram[i] = calloc(1, FZ_RAM_SIZE)))
			abort();
		memset(fz_ram[i], 0, FZ_RAM_SIZE);
	}
	gmem_init(&fz_gm);
	if (gmem_add(&fz_gm, 0, FZ_RAM_SIZE, fz_ram[0])
	    || gmem_add(&fz_gm, FZ_RAM_HI, FZ_RAM_SIZE, fz_ram[1]))
		abort();
}

/* A guest address of kind 0-3 from a 16-bit offset: 0 low RAM, 1 high
 * RAM, 2 the last bytes of either region (to straddle its end), 3 not
 * RAM (the hole after low RAM, or near 2^64 to wrap). */
static inline uint64_t fz_addr(unsigned kind, uint16_t off)
{
	switch (kind & 3) {
	case 0:
		return off;
	case 1:
		return FZ_RAM_HI + off;
	case 2:
		return (off & 1 ? FZ_RAM_HI : 0) + FZ_RAM_SIZE - (off >> 1);
	default:
		return off & 1 ? UINT64_MAX - (off >> 1) : FZ_RAM_SIZE + off;
	}
}

/* [h, h+len) as the code under test formed it for guest [gpa, gpa+len):
 * true when it is exactly that range of one region's host block. */
static inline bool fz_host_is(const struct gmem *g, const uint8_t *h,
			      uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < g->n; i++) {
		const struct gmem_region *r = &g->r[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return len && len <= r->size - (gpa - r->gpa)
			       && h == r->host + (gpa - r->gpa);
	}
	return false;
}

/* [h, h+len) lies inside one region's host block. */
static inline bool fz_host_in_ram(const struct gmem *g, const uint8_t *h,
				  uint64_t len)
{
	for (unsigned i = 0; i < g->n; i++) {
		const struct gmem_region *r = &g->r[i];
		uintptr_t b = (uintptr_t)r->host, a = (uintptr_t)h;

		if (a >= b && a - b < r->size)
			return len && len <= r->size - (a - b);
	}
	return false;
}

/* --- descriptors ------------------------------------------------------ */

/* Builds the 16 bytes of a compact descriptor (see the top); `lap` is the
 * wrap counter of the lap the device reads that slot in. */
static inline void fz_desc(struct fz *s, bool lap, uint8_t out[16])
{
	uint8_t f = fz8(s);
	uint16_t off = fz16(s);
	uint32_t len = fz16(s);
	uint16_t id = fz16(s);
	uint16_t flags = f & 7; /* NEXT, WRITE, INDIRECT keep their bits */
	uint64_t addr = fz_addr(f >> 5, off);

	len |= (uint32_t)fz8(s) << 16;
	if (f & 0x80)
		len = 0xffffffffu - len;
	switch (f >> 3 & 3) {
	case 0:
		flags |= lap ? VQ_DESC_F_AVAIL : VQ_DESC_F_USED;
		break;
	case 1:
		flags |= lap ? VQ_DESC_F_USED : VQ_DESC_F_AVAIL;
		break;
	case 3:
		flags |= VQ_DESC_F_AVAIL | VQ_DESC_F_USED;
		break;
	}
	memcpy(out, &addr, 8);
	memcpy(out + 8, &len, 4);
	memcpy(out + 12, &id, 2);
	memcpy(out + 14, &flags, 2);
}

/* Writes k compact descriptors into q's ring from slot `first` on
 * (wrapping), each available (mode 0) in the lap the device reaches it
 * in from where it stands.  Nothing when the queue is not enabled. */
static inline void fz_ring_descs(struct fz *s, const struct virtq *q,
				 unsigned first, unsigned k)
{
	uint8_t d[16];

	if (!q->enabled || !q->size)
		return;
	for (unsigned j = 0; j < k; j++) {
		unsigned slot = (first + j) % q->size;
		bool lap = slot >= q->next_avail ? q->avail_wrap
						 : !q->avail_wrap;

		fz_desc(s, lap, d);
		gmem_write(&fz_gm, q->desc_gpa + 16ull * slot, d, 16);
	}
}

/* Writes k compact descriptors (an indirect table) at `gpa`, as far as
 * it is RAM. */
static inline void fz_table_descs(struct fz *s, uint64_t gpa, unsigned k)
{
	uint8_t d[16];

	for (unsigned j = 0; j < k; j++) {
		fz_desc(s, true, d);
		gmem_write(&fz_gm, gpa + 16ull * j, d, 16);
	}
}

/* A well-formed chain as a driver posts it: where its next descriptor
 * goes and with which wrap counter.  fz_post_chain writes the buffers'
 * descriptors there (NEXT on all but the last, the buffer id on each) or,
 * with `table` not 0, an indirect table at `table` and one INDIRECT
 * descriptor pointing at it.  On a split queue the descriptors go into
 * consecutive table entries linked by `next`, the head into the
 * available ring, and the available index moves on (the buffer id is the
 * head's index). */
struct fz_cursor {
	uint16_t slot;
	bool wrap;
};

struct fz_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static inline void fz_put16(uint8_t d[16], uint64_t addr, uint32_t len,
			    uint16_t id, uint16_t flags)
{
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &id, 2);
	memcpy(d + 14, &flags, 2);
}

/* A split descriptor (2.7.5): addr, len, flags, next. */
static inline void fz_put_split(uint8_t d[16], uint64_t addr, uint32_t len,
				uint16_t flags, uint16_t next)
{
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Puts `head` in the split available ring and moves its index on. */
static inline void fz_split_publish(const struct virtq *q, uint16_t head)
{
	uint16_t idx;

	if (gmem_read(&fz_gm, q->driver_gpa + 2, &idx, 2))
		return;
	gmem_write(&fz_gm, q->driver_gpa + 4 + 2ull * (idx & (q->size - 1)),
		   &head, 2);
	idx++;
	gmem_write(&fz_gm, q->driver_gpa + 2, &idx, 2);
}

static inline void fz_post_split(const struct virtq *q, struct fz_cursor *c,
				 const struct fz_buf *b, unsigned n,
				 uint64_t table)
{
	uint8_t d[16];
	uint16_t head = c->slot % q->size, at = head;

	if (table) {
		for (unsigned i = 0; i < n; i++) {
			fz_put_split(d, b[i].gpa, b[i].len,
				     (uint16_t)((b[i].write ? VQ_DESC_F_WRITE
							    : 0)
						| (i + 1 < n ? VQ_DESC_F_NEXT
							     : 0)),
				     (uint16_t)(i + 1));
			gmem_write(&fz_gm, table + 16ull * i, d, 16);
		}
		fz_put_split(d, table, 16 * n, VQ_DESC_F_INDIRECT, 0);
		gmem_write(&fz_gm, q->desc_gpa + 16ull * at, d, 16);
		c->slot = (uint16_t)((at + 1) % q->size);
	} else {
		for (unsigned i = 0; i < n; i++) {
			uint16_t next = (uint16_t)((at + 1) % q->size);

			fz_put_split(d, b[i].gpa, b[i].len,
				     (uint16_t)((b[i].write ? VQ_DESC_F_WRITE
							    : 0)
						| (i + 1 < n ? VQ_DESC_F_NEXT
							     : 0)),
				     next);
			gmem_write(&fz_gm, q->desc_gpa + 16ull * at, d, 16);
			at = next;
		}
		c->slot = at;
	}
	fz_split_publish(q, head);
}

static inline void fz_post_chain(const struct virtq *q, struct fz_cursor *c,
				 const struct fz_buf *b, unsigned n,
				 uint16_t id, uint64_t table)
{
	uint8_t d[16];
	uint16_t avail;

	if (!q->enabled || !q->size || !n)
		return;
	if (q->split) {
		fz_post_split(q, c, b, n, table);
		return;
	}
	if (table) {
		for (unsigned i = 0; i < n; i++) {
			fz_put16(d, b[i].gpa, b[i].len, 0,
				 b[i].write ? VQ_DESC_F_WRITE : 0);
			gmem_write(&fz_gm, table + 16ull * i, d, 16);
		}
	}
	for (unsigned i = 0; i < (table ? 1 : n); i++) {
		c->slot %= q->size;
		avail = c->wrap ? VQ_DESC_F_AVAIL : VQ_DESC_F_USED;
		if (table)
			fz_put16(d, table, 16 * n, id,
				 avail | VQ_DESC_F_INDIRECT);
		else
			fz_put16(d, b[i].gpa, b[i].len, id,
				 (uint16_t)(avail
					    | (b[i].write ? VQ_DESC_F_WRITE : 0)
					    | (i + 1 < n ? VQ_DESC_F_NEXT : 0)));
		gmem_write(&fz_gm, q->desc_gpa + 16ull * c->slot, d, 16);
		if (++c->slot == q->size) {
			c->slot = 0;
			c->wrap = !c->wrap;
		}
	}
}

/* Cuts [gpa, gpa+len) into up to `pieces` buffers appended to b[*n]. */
static inline void fz_cut(struct fz_buf *b, unsigned *n, uint64_t gpa,
			  uint32_t len, unsigned pieces, bool write)
{
	uint32_t each = pieces ? len / pieces : len;

	for (unsigned i = 0; i < pieces && len; i++) {
		uint32_t k = i + 1 == pieces || each == 0 ? len : each;

		b[(*n)++] = (struct fz_buf){ gpa, k, write };
		gpa += k;
		len -= k;
	}
}

/* Writes n (< 256) input bytes at gpa; byte by byte, skipping what is
 * not RAM, when the range is not all RAM. */
static inline void fz_raw_bytes(struct fz *s, uint64_t gpa, unsigned n)
{
	uint8_t b[256] = { 0 };

	if (n > sizeof(b))
		n = sizeof(b);
	for (unsigned j = 0; j < n; j++)
		b[j] = fz8(s);
	if (gmem_write(&fz_gm, gpa, b, n))
		for (unsigned j = 0; j < n; j++)
			gmem_write(&fz_gm, gpa + j, &b[j], 1);
}

/* Writes the driver event suppression structure of an enabled queue. */
static inline void fz_drv_event(struct fz *s, const struct virtq *q)
{
	uint16_t ev[2];

	ev[0] = fz16(s);
	ev[1] = fz16(s);
	if (q->enabled)
		gmem_write(&fz_gm, q->driver_gpa, ev, 4);
}

/* Whether the writable segments of c are pairwise disjoint and clear of
 * [avoid, avoid+alen) (so what was written there can be read back). */
static inline bool fz_writable_disjoint(const struct vq_chain *c,
					uint64_t avoid, uint64_t alen)
{
	for (unsigned i = 0; i < c->nseg; i++) {
		const struct vq_seg *a = &c->seg[i];

		if (!a->write)
			continue;
		if (a->gpa < avoid + alen && avoid < a->gpa + a->len)
			return false;
		for (unsigned j = i + 1; j < c->nseg; j++) {
			const struct vq_seg *b = &c->seg[j];

			if (b->write && a->gpa < b->gpa + b->len
			    && b->gpa < a->gpa + a->len)
				return false;
		}
	}
	return true;
}

/* The reference for vq_chain_read/write: the chain's readable (or
 * writable) bytes [skip, skip+n) read from guest RAM by address;
 * returns how many there are. */
static inline uint64_t fz_chain_ref(const struct vq_chain *c, bool write,
				    uint64_t skip, uint8_t *dst, uint64_t n)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < c->nseg && done < n; i++) {
		const struct vq_seg *g = &c->seg[i];

		if (g->write != write)
			continue;
		if (skip >= g->len) {
			skip -= g->len;
			continue;
		}
		uint64_t k = g->len - skip;

		if (k > n - done)
			k = n - done;
		CHECK(!gmem_read(&fz_gm, g->gpa + skip, dst + done, k));
		done += k;
		skip = 0;
	}
	return done;
}

#include "tests/fuzz/fuzz_replay.h"

#endif
