/* virtio-blk requests that parse but are wrong (or are legal corner
 * cases the device must serve), and the read-only disk. */
#include <stdio.h>
#include <string.h>

#include "hostile.h"

#define T 500

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* --- virtio-blk -------------------------------------------------------- */

/* A request of `type` at `sector` with `len` data bytes (written by the
 * device for IN, read by it otherwise) that must be refused. */
static int blk_refused(struct ctx *c, uint32_t type, uint64_t sector,
		       uint32_t len)
{
	struct blkreq r;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, type, sector, len, type != BLK_T_IN);
	uint16_t id = submit(c->d, 0, &r.c);

	return expect_refused(c, id, r.st.va, type == BLK_T_IN ? &r.data : NULL,
			      T);
}

static int a_sector_beyond(struct ctx *c)
{
	return blk_refused(c, BLK_T_IN, c->d->capacity, 512);
}
static int a_sector_crosses_end(struct ctx *c)
{
	return blk_refused(c, BLK_T_IN, c->d->capacity - 1, 1024);
}
static int a_sector_wraps(struct ctx *c)
{
	return blk_refused(c, BLK_T_IN, 0xffffffffffffffffull, 1024);
}
static int a_sector_huge(struct ctx *c)
{
	return blk_refused(c, BLK_T_IN, 0x0080000000000000ull, 512);
}
static int a_write_beyond(struct ctx *c)
{
	return blk_refused(c, BLK_T_OUT, c->d->capacity - 1, 1024);
}
static int a_write_wraps(struct ctx *c)
{
	return blk_refused(c, BLK_T_OUT, 0xfffffffffffffffeull, 2048);
}
static int a_read_not_512(struct ctx *c)
{
	return blk_refused(c, BLK_T_IN, 0, 511);
}
static int a_write_not_512(struct ctx *c)
{
	return blk_refused(c, BLK_T_OUT, 0, 1000);
}

static int unsupp(struct ctx *c, uint32_t type)
{
	struct blkreq r;
	uint32_t len = 0;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, type, 0, 512, false);
	uint16_t id = submit(c->d, 0, &r.c);

	if (!wait_used(c->d, 0, id, &len, 3000))
		return fail(c, "request type %u never completed", type);
	if (r.st.va[0] != BLK_S_UNSUPP || len != 1)
		return fail(c, "request type %u: status %u, used length %u",
			    type, r.st.va[0], len);
	return 0;
}
static int a_type_unknown(struct ctx *c)
{
	return unsupp(c, 0x7f);
}
static int a_type_lifetime(struct ctx *c)
{
	return unsupp(c, BLK_T_GET_LIFETIME);
}
static int a_type_secure_erase(struct ctx *c)
{
	return unsupp(c, 14);
}
static int a_type_ffffffff(struct ctx *c)
{
	return unsupp(c, 0xffffffffu);
}

/* Data in both directions, or in the wrong one. */
static int direction_case(struct ctx *c, int how)
{
	struct blkreq r;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, how == 2 ? BLK_T_OUT : BLK_T_IN, 0, 512, false);
	if (how == 0) {
		/* IN with an extra readable data segment before the data */
		struct buf extra = alloc_buf(512);
		struct chain ch;

		ch_init(&ch);
		ch.s[ch.n++] = r.c.s[0];
		ch_buf(&ch, extra, 0);
		ch.s[ch.n++] = r.c.s[1];
		ch.s[ch.n++] = r.c.s[2];
		r.c = ch;
	} else if (how == 1) {
		/* IN whose data the device may only read */
		r.c.s[1].flags = 0;
		protect(r.data.va, 512);
	} else {
		/* OUT whose data is device-writable */
		r.c.s[1].flags = D_WRITE;
	}
	uint16_t id = submit(c->d, 0, &r.c);

	return expect_refused(c, id, r.st.va, how == 1 ? NULL : &r.data, T);
}
static int a_data_both_ways(struct ctx *c)
{
	return direction_case(c, 0);
}
static int a_read_into_readonly(struct ctx *c)
{
	return direction_case(c, 1);
}
static int a_write_from_writable(struct ctx *c)
{
	return direction_case(c, 2);
}

/* Segment limits: seg_max (128) and size_max (64 KiB). */
static int segs_case(struct ctx *c, int nseg, uint32_t seglen, bool alias,
		     bool good)
{
	struct dev *d = c->d;
	struct buf one = alloc_buf(alias ? seglen : 1);
	struct buf hdr = alloc_buf(16), st = alloc_buf(1);
	static struct seg s[MAXSEG];
	uint32_t len = 0;
	int ret;

	if (std_setup(c))
		return -1;
	memset(hdr.va, 0, 16);
	protect(hdr.va, 16);
	s[0] = (struct seg){ hdr.pa, 16, 0 };
	for (int i = 0; i < nseg; i++) {
		struct buf b = alias ? one : alloc_buf(seglen);

		s[1 + i] = (struct seg){ b.pa, seglen, D_WRITE };
	}
	s[nseg + 1] = (struct seg){ st.pa, 1, D_WRITE };
	struct buf t = indirect_table(d, s, nseg + 2, true);
	struct chain ch;

	ch_init(&ch);
	ch_add(&ch, t.pa, t.len, D_INDIRECT);
	uint16_t id = submit(d, 0, &ch);

	if (!good)
		ret = expect_refused(c, id, st.va, NULL, 3000);
	else if (!wait_used(d, 0, id, &len, 5000))
		ret = fail(c, "a request at the limits never completed");
	else if (st.va[0] != BLK_S_OK || len != (uint32_t)nseg * seglen + 1)
		ret = fail(c,
			   "a request at the limits: status %u, used "
			   "length %u",
			   st.va[0], len);
	else
		ret = 0;
	return ret;
}
static int a_segs_over_max(struct ctx *c)
{
	return segs_case(c, 129, 512, false, false);
}
static int a_segs_at_max(struct ctx *c)
{
	return segs_case(c, 128, 512, false, true);
}
static int a_seg_over_size_max(struct ctx *c)
{
	return segs_case(c, 1, 65536 + 512, false, false);
}
static int a_seg_at_size_max(struct ctx *c)
{
	return segs_case(c, 1, 65536, false, true);
}
static int a_segs_alias(struct ctx *c)
{
	return segs_case(c, 16, 4096, true, true);
}
static int a_segs_alias_8m(struct ctx *c)
{
	return segs_case(c, 128, 65536, true, true);
}

static int get_id_case(struct ctx *c, uint32_t room)
{
	struct blkreq r;
	uint32_t len = 0;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_GET_ID, 0, room, false);
	uint16_t id = submit(c->d, 0, &r.c);

	if (!wait_used(c->d, 0, id, &len, 3000))
		return fail(c, "GET_ID never completed");
	if (len > (room < 20 ? room : 20) + 1)
		return fail(c, "GET_ID into %u bytes: used length %u", room,
			    len);
	if (r.st.va[0] != BLK_S_OK && r.st.va[0] != BLK_S_IOERR
	    && r.st.va[0] != BLK_S_UNSUPP)
		return fail(c, "GET_ID: status 0x%02x", r.st.va[0]);
	return 0;
}
static int a_get_id_tiny(struct ctx *c)
{
	return get_id_case(c, 3);
}
static int a_get_id_none(struct ctx *c)
{
	return get_id_case(c, 0);
}
static int a_get_id_big(struct ctx *c)
{
	return get_id_case(c, 4096);
}

/* DISCARD and WRITE_ZEROES with one (or more) 16-byte segments. */
static int discard_case(struct ctx *c, uint32_t type, int nseg, uint64_t sector,
			uint32_t num, uint32_t flags, uint32_t seglen,
			uint64_t feat_clear, uint8_t want)
{
	struct setup s = { .feat_clear = feat_clear };
	struct buf hdr = alloc_buf(16), seg = alloc_buf(16 * 4),
		   st = alloc_buf(1);
	struct chain ch;
	uint32_t len = 0;

	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up failed");
	memset(hdr.va, 0, 16);
	put32(hdr.va, type);
	for (int i = 0; i < 4; i++) {
		put64(seg.va + 16 * i, sector);
		put32(seg.va + 16 * i + 8, num);
		put32(seg.va + 16 * i + 12, flags);
	}
	ch_init(&ch);
	ch_buf(&ch, hdr, 0);
	if (nseg)
		ch_add(&ch, seg.pa, seglen ? seglen : 16u * nseg, 0);
	protect(seg.va, seg.len);
	ch_buf(&ch, st, D_WRITE);
	uint16_t id = submit(c->d, 0, &ch);

	if (want == 0xff)
		return expect_refused(c, id, st.va, NULL, T);
	if (!wait_used(c->d, 0, id, &len, 20000))
		return fail(c, "never completed");
	if (st.va[0] != want || len != 1)
		return fail(c, "status %u (want %u), used length %u", st.va[0],
			    want, len);
	return 0;
}
#define DISC BLK_T_DISCARD
#define WZ BLK_T_WRITE_ZEROES
#define REFUSED 0xff
static int a_discard_beyond(struct ctx *c)
{
	return discard_case(c, DISC, 1, c->d->capacity - 4, 8, 0, 0, 0,
			    REFUSED);
}
static int a_discard_zero(struct ctx *c)
{
	return discard_case(c, DISC, 1, 100, 0, 0, 0, 0, REFUSED);
}
static int a_discard_wraps(struct ctx *c)
{
	return discard_case(c, DISC, 1, 0xfffffffffffffff8ull, 16, 0, 0, 0,
			    REFUSED);
}
static int a_discard_flags(struct ctx *c)
{
	return discard_case(c, DISC, 1, 100, 8, 1, 0, 0, REFUSED);
}
static int a_wz_bad_flags(struct ctx *c)
{
	return discard_case(c, WZ, 1, 100, 8, 0xfffffffe, 0, 0, REFUSED);
}
static int a_discard_two_segs(struct ctx *c)
{
	return discard_case(c, DISC, 2, 100, 8, 0, 0, 0, REFUSED);
}
static int a_wz_two_segs(struct ctx *c)
{
	return discard_case(c, WZ, 2, 100, 8, 0, 0, 0, REFUSED);
}
static int a_discard_over_max(struct ctx *c)
{
	return discard_case(c, DISC, 1, 0, c->d->max_discard + 1, 0, 0, 0,
			    REFUSED);
}
static int a_wz_over_max(struct ctx *c)
{
	return discard_case(c, WZ, 1, 0, c->d->max_discard + 1, 0, 0, 0,
			    REFUSED);
}
static int a_discard_short_seg(struct ctx *c)
{
	return discard_case(c, DISC, 1, 100, 8, 0, 8, 0, REFUSED);
}
static int a_discard_no_seg(struct ctx *c)
{
	return discard_case(c, DISC, 0, 0, 0, 0, 0, 0, REFUSED);
}
static int a_discard_not_negotiated(struct ctx *c)
{
	return discard_case(c, DISC, 1, 100, 8, 0, 0, BIT(BLK_F_DISCARD),
			    REFUSED);
}
static int a_wz_not_negotiated(struct ctx *c)
{
	return discard_case(c, WZ, 1, 100, 8, 0, 0, BIT(BLK_F_WRITE_ZEROES),
			    REFUSED);
}
static int a_discard_legal(struct ctx *c)
{
	return discard_case(c, DISC, 1, 2000, 8, 0, 0, 0, BLK_S_OK);
}

/* Legal requests at the limits of a backend: a discard of everything
 * but sector 0 (more sectors than one TRIM range or command takes), and
 * 32 MiB of written zeroes (many commands); then sector 1 reads zeros
 * (discard on a disk that may not zero: only checked after the
 * write-zeroes). */
static int a_discard_most(struct ctx *c)
{
	uint64_t n = c->d->capacity - 1;

	if (n > c->d->max_discard)
		n = c->d->max_discard;
	return discard_case(c, DISC, 1, 1, (uint32_t)n, 0, 0, 0, BLK_S_OK);
}

static int a_wz_32m(struct ctx *c)
{
	uint32_t n = 65536, len = 0;
	struct blkreq r;

	if (n > c->d->max_discard)
		n = c->d->max_discard;
	if (n > c->d->capacity - 1)
		n = (uint32_t)(c->d->capacity - 1);
	if (discard_case(c, WZ, 1, 1, n, 0, 0, 0, BLK_S_OK))
		return -1;
	blk_build(c->d, &r, BLK_T_IN, n, 512, false);
	if (!wait_used(c->d, 0, submit(c->d, 0, &r.c), &len, 3000)
	    || r.st.va[0] != BLK_S_OK)
		return fail(c, "reading the last zeroed sector failed");
	for (int i = 0; i < 512; i++)
		if (r.data.va[i])
			return fail(c, "sector %u not zero after write-zeroes",
				    n);
	return 0;
}

/* The status byte: readable, zero-length, outside RAM, or sharing the
 * data's descriptor (legal). */
static int status_case(struct ctx *c, int how)
{
	struct blkreq r;
	uint32_t len = 0;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_IN, 0, 512, false);
	switch (how) {
	case 0:
		r.c.s[2].flags = 0;
		protect(r.st.va, 1);
		break;
	case 1:
		r.c.s[2].len = 0;
		break;
	case 2:
		r.c.s[2].pa = ram_top + 0x1000;
		break;
	case 3: { /* data and status in one 513-byte buffer */
		struct buf b = alloc_buf(513);

		r.c.n = 2;
		r.c.s[1] = (struct seg){ b.pa, 513, D_WRITE };
		uint16_t id = submit(c->d, 0, &r.c);

		if (!wait_used(c->d, 0, id, &len, 3000))
			return fail(c, "never completed");
		if (b.va[512] != BLK_S_OK || len != 513
		    || memcmp(b.va, c->d->ref, 512))
			return fail(c, "status %u, used length %u", b.va[512],
				    len);
		return 0;
	}
	case 4: /* status straddles the end of RAM */
		r.c.s[2].pa = ram_top - 1;
		r.c.s[2].len = 2;
		break;
	}
	uint16_t id = submit(c->d, 0, &r.c);

	return expect_refused(c, id, how == 0 || how == 1 ? r.st.va : NULL,
			      &r.data, T);
}
static int a_status_readable(struct ctx *c)
{
	return status_case(c, 0);
}
static int a_status_zero_len(struct ctx *c)
{
	return status_case(c, 1);
}
static int a_status_outside_ram(struct ctx *c)
{
	return status_case(c, 2);
}
static int a_status_in_data(struct ctx *c)
{
	return status_case(c, 3);
}
static int a_status_straddles(struct ctx *c)
{
	return status_case(c, 4);
}

/* The header: short, writable, in pieces (legal). */
static int header_case(struct ctx *c, int how)
{
	struct blkreq r;
	struct chain ch;
	uint32_t len = 0;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_IN, 0, 512, false);
	ch_init(&ch);
	if (how == 0) {
		ch_add(&ch, r.hdr.pa, 8, 0);
	} else if (how == 1) {
		ch_add(&ch, r.hdr.pa, 16, D_WRITE);
	} else {
		for (int i = 0; i < 16; i++)
			ch_add(&ch, r.hdr.pa + (uint64_t)i, 1, 0);
	}
	ch.s[ch.n++] = r.c.s[1];
	ch.s[ch.n++] = r.c.s[2];
	uint16_t id = submit(c->d, 0, &ch);

	if (how < 2)
		return expect_refused(c, id, r.st.va, &r.data, T);
	if (!wait_used(c->d, 0, id, &len, 3000))
		return fail(c, "never completed");
	if (r.st.va[0] != BLK_S_OK || len != 513
	    || memcmp(r.data.va, c->d->ref, 512))
		return fail(c, "status %u, used length %u", r.st.va[0], len);
	return 0;
}
static int a_header_short(struct ctx *c)
{
	return header_case(c, 0);
}
static int a_header_writable(struct ctx *c)
{
	return header_case(c, 1);
}
static int a_header_in_pieces(struct ctx *c)
{
	return header_case(c, 2);
}

static int a_flush_with_data(struct ctx *c)
{
	struct blkreq r;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_FLUSH, 12345, 512, false);
	uint16_t id = submit(c->d, 0, &r.c);

	return wait_any(c, id, 3000);
}

static int a_write_then_read_scratch(struct ctx *c)
{
	struct blkreq w, r;
	uint32_t len = 0;

	if (std_setup(c))
		return -1;
	/* A legal write far from sector 0, split in odd pieces. */
	blk_build(c->d, &w, BLK_T_OUT, 3000, 4096, true);
	struct chain ch;

	ch_init(&ch);
	ch.s[ch.n++] = w.c.s[0];
	ch_add(&ch, w.data.pa, 100, 0);
	ch_add(&ch, w.data.pa + 100, 3000, 0);
	ch_add(&ch, w.data.pa + 3100, 996, 0);
	ch.s[ch.n++] = w.c.s[2];
	if (!wait_used(c->d, 0, submit(c->d, 0, &ch), &len, 3000)
	    || w.st.va[0] != BLK_S_OK)
		return fail(c, "a write in three pieces failed: status %u",
			    w.st.va[0]);
	blk_build(c->d, &r, BLK_T_IN, 3000, 4096, false);
	if (!wait_used(c->d, 0, submit(c->d, 0, &r.c), &len, 3000)
	    || r.st.va[0] != BLK_S_OK || memcmp(r.data.va, w.data.va, 4096))
		return fail(c, "read back of the write differs");
	return 0;
}

/* Data in pieces of odd lengths at odd addresses: legal, and the bytes
 * must land where the descriptors say (a DMA engine wants even
 * addresses and counts; the backend has to cope). */
static int a_read_odd_pieces(struct ctx *c)
{
	static const uint32_t cut[] = { 1, 255, 3, 253 }; /* 512 */
	struct blkreq r;
	struct chain ch;
	uint32_t len = 0, at = 1;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_IN, 0, 1024, false);
	ch_init(&ch);
	ch.s[ch.n++] = r.c.s[0];
	for (unsigned i = 0; i < 4; i++) {
		ch_add(&ch, r.data.pa + at, cut[i], D_WRITE);
		at += cut[i] + 1; /* a gap byte between pieces */
	}
	ch.s[ch.n++] = r.c.s[2];
	if (!wait_used(c->d, 0, submit(c->d, 0, &ch), &len, 3000))
		return fail(c, "never completed");
	/* A backend whose DMA cannot take odd pieces (AHCI) may refuse
	 * the request as a whole: IOERR, and nothing written. */
	if (r.st.va[0] == BLK_S_IOERR && len == 1) {
		for (uint32_t i = 0; i < r.data.len; i++)
			if (r.data.va[i] != PATTERN)
				return fail(c, "refused with IOERR, but data "
					       "was written");
		return 0;
	}
	if (r.st.va[0] != BLK_S_OK || len != 513)
		return fail(c, "status %u, used length %u", r.st.va[0], len);
	at = 1;
	for (unsigned i = 0, k = 0; i < 4; i++) {
		if (memcmp(r.data.va + at, c->d->ref + k, cut[i]))
			return fail(c,
				    "piece %u (%u bytes at +%u) holds the "
				    "wrong data",
				    i, cut[i], at);
		if (r.data.va[at - 1] != PATTERN && i)
			return fail(c,
				    "the gap byte before piece %u was "
				    "written",
				    i);
		k += cut[i];
		at += cut[i] + 1;
	}
	if (r.data.va[0] != PATTERN || r.data.va[at - 1] != PATTERN)
		return fail(c, "bytes around the pieces were written");
	return 0;
}

static int a_write_odd_pieces(struct ctx *c)
{
	static const uint32_t cut[] = { 3, 509, 511, 1 }; /* 1024 */
	struct blkreq w, r;
	struct chain ch;
	uint32_t len = 0, at = 1;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &w, BLK_T_OUT, 3100, 1100, true);
	ch_init(&ch);
	ch.s[ch.n++] = w.c.s[0];
	for (unsigned i = 0; i < 4; i++) {
		ch_add(&ch, w.data.pa + at, cut[i], 0);
		at += cut[i] + 7;
	}
	ch.s[ch.n++] = w.c.s[2];
	if (!wait_used(c->d, 0, submit(c->d, 0, &ch), &len, 3000))
		return fail(c, "a write in odd pieces never completed");
	if (w.st.va[0] == BLK_S_IOERR && len == 1)
		return 0; /* refused by a backend that cannot DMA it */
	if (w.st.va[0] != BLK_S_OK)
		return fail(c, "a write in odd pieces: status %u", w.st.va[0]);
	blk_build(c->d, &r, BLK_T_IN, 3100, 1024, false);
	if (!wait_used(c->d, 0, submit(c->d, 0, &r.c), &len, 3000)
	    || r.st.va[0] != BLK_S_OK)
		return fail(c, "reading it back failed");
	at = 1;
	for (unsigned i = 0, k = 0; i < 4; i++) {
		if (memcmp(r.data.va + k, w.data.va + at, cut[i]))
			return fail(c,
				    "piece %u (%u bytes from +%u) went to "
				    "the disk wrong",
				    i, cut[i], at);
		k += cut[i];
		at += cut[i] + 7;
	}
	return 0;
}

/* --- read-only disk (disk_readonly = yes) ------------------------------ */

static int a_ro_offered(struct ctx *c)
{
	if (!c->d->readonly)
		return fail(c, "RO not offered on a read-only disk");
	return std_setup(c);
}
static int a_ro_write(struct ctx *c)
{
	return blk_refused(c, BLK_T_OUT, 0, 512);
}
static int a_ro_write_unnegotiated(struct ctx *c)
{
	struct setup s = { .feat_clear = BIT(BLK_F_RO) };
	struct blkreq r;

	if (dev_setup(c->d, c->packed, &s))
		return fail(c, "set-up without RO failed");
	blk_build(c->d, &r, BLK_T_OUT, 0, 512, true);
	return expect_refused(c, submit(c->d, 0, &r.c), r.st.va, NULL, T);
}
static int a_ro_discard(struct ctx *c)
{
	return discard_case(c, DISC, 1, 100, 8, 0, 0, 0, REFUSED);
}
static int a_ro_wz(struct ctx *c)
{
	return discard_case(c, WZ, 1, 100, 8, 1, 0, 0, REFUSED);
}
static int a_ro_accept_discard(struct ctx *c)
{
	/* Accepting DISCARD, which a read-only disk does not offer:
	 * FEATURES_OK must be refused; then a proper set-up works. */
	struct setup s = { .feat_set = BIT(BLK_F_DISCARD)
				       | BIT(BLK_F_WRITE_ZEROES) };

	if (dev_setup(c->d, c->packed, &s) == 0)
		return fail(c, "FEATURES_OK taken with DISCARD on a read-only "
			       "disk");
	if (std_setup(c))
		return -1;
	return discard_case(c, DISC, 1, 100, 8, 0, 0, 0, REFUSED);
}
static int a_ro_flush(struct ctx *c)
{
	struct blkreq r;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_FLUSH, 0, 0, false);
	return wait_any(c, submit(c->d, 0, &r.c), 3000);
}
static int a_ro_write_indirect(struct ctx *c)
{
	struct blkreq r;

	if (std_setup(c))
		return -1;
	blk_build(c->d, &r, BLK_T_OUT, 0, 4096, true);
	struct buf t = indirect_table(c->d, r.c.s, r.c.n, true);
	struct chain ch;

	ch_init(&ch);
	ch_add(&ch, t.pa, t.len, D_INDIRECT);
	return expect_refused(c, submit(c->d, 0, &ch), r.st.va, NULL, T);
}

#define A(n, f, dv, r, m, x)                                                   \
	{                                                                      \
		n, dv, r, m, x, f                                              \
	}
#define FQ (M_FULL | M_QUICK)
const struct attack attacks_blk[] = {
	A("sector-beyond-capacity", a_sector_beyond, D_BLK, R_BOTH, FQ,
	  X_ALIVE),
	A("sectors-cross-capacity", a_sector_crosses_end, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("sector-count-wraps-2^64", a_sector_wraps, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("sector-huge", a_sector_huge, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("write-beyond-capacity", a_write_beyond, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("write-wraps-2^64", a_write_wraps, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("read-not-512-multiple", a_read_not_512, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("write-not-512-multiple", a_write_not_512, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("type-unknown", a_type_unknown, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("type-get-lifetime", a_type_lifetime, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("type-secure-erase", a_type_secure_erase, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("type-ffffffff", a_type_ffffffff, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("data-both-directions", a_data_both_ways, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("read-into-readable", a_read_into_readonly, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("write-from-writable", a_write_from_writable, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("segments-over-seg-max", a_segs_over_max, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("segments-at-seg-max", a_segs_at_max, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("segment-over-size-max", a_seg_over_size_max, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("segment-at-size-max", a_seg_at_size_max, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("segments-alias-one-buffer", a_segs_alias, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("segments-alias-8mib", a_segs_alias_8m, D_BLK, R_PACKED, M_FULL,
	  X_ALIVE),
	A("get-id-3-bytes", a_get_id_tiny, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("get-id-no-buffer", a_get_id_none, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("get-id-4096-bytes", a_get_id_big, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("discard-beyond-capacity", a_discard_beyond, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-zero-sectors", a_discard_zero, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-wraps-2^64", a_discard_wraps, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-unmap-flag", a_discard_flags, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("write-zeroes-bad-flags", a_wz_bad_flags, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-two-segments", a_discard_two_segs, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("write-zeroes-two-segments", a_wz_two_segs, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-over-max-sectors", a_discard_over_max, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("write-zeroes-over-max-sectors", a_wz_over_max, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-short-segment", a_discard_short_seg, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-no-segment", a_discard_no_seg, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("discard-not-negotiated", a_discard_not_negotiated, D_BLK, R_BOTH,
	  M_FULL, X_ALIVE),
	A("write-zeroes-not-negotiated", a_wz_not_negotiated, D_BLK, R_BOTH,
	  M_FULL, X_ALIVE),
	A("discard-legal", a_discard_legal, D_BLK, R_ONE, M_FULL, X_ALIVE),
	A("discard-whole-disk-but-sector-0", a_discard_most, D_BLK, R_ONE,
	  M_FULL, X_ALIVE),
	A("write-zeroes-32mib", a_wz_32m, D_BLK, R_ONE, M_FULL, X_ALIVE),
	A("status-readable", a_status_readable, D_BLK, R_BOTH, FQ, X_ALIVE),
	A("status-zero-length", a_status_zero_len, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("status-outside-ram", a_status_outside_ram, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("status-straddles-ram-end", a_status_straddles, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("status-inside-data-buffer", a_status_in_data, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("header-8-bytes", a_header_short, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("header-writable", a_header_writable, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("header-in-16-pieces", a_header_in_pieces, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("flush-with-data", a_flush_with_data, D_BLK, R_ONE, M_FULL, X_ALIVE),
	A("write-in-odd-pieces", a_write_then_read_scratch, D_BLK, R_ONE,
	  M_FULL, X_ALIVE),
	A("read-odd-pieces", a_read_odd_pieces, D_BLK, R_BOTH, M_FULL, X_ALIVE),
	A("write-odd-pieces", a_write_odd_pieces, D_BLK, R_BOTH, M_FULL,
	  X_ALIVE),
	A("ro-offered", a_ro_offered, D_BLK, R_ONE, M_RO, X_ALIVE),
	A("ro-write", a_ro_write, D_BLK, R_BOTH, M_RO, X_ALIVE),
	A("ro-write-without-ro-feature", a_ro_write_unnegotiated, D_BLK, R_BOTH,
	  M_RO, X_ALIVE),
	A("ro-write-indirect", a_ro_write_indirect, D_BLK, R_BOTH, M_RO,
	  X_ALIVE),
	A("ro-discard", a_ro_discard, D_BLK, R_BOTH, M_RO, X_ALIVE),
	A("ro-write-zeroes", a_ro_wz, D_BLK, R_BOTH, M_RO, X_ALIVE),
	A("ro-accept-discard-feature", a_ro_accept_discard, D_BLK, R_BOTH, M_RO,
	  X_ALIVE),
	A("ro-flush", a_ro_flush, D_BLK, R_ONE, M_RO, X_ALIVE),
};
const int n_attacks_blk = sizeof(attacks_blk) / sizeof(attacks_blk[0]);
