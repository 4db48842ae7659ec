/* The transport: feature negotiation, the status machine, odd accesses to
 * BAR 0, PCI configuration space (BAR sizing and moves, read-only fields,
 * the capability list, the configuration access window) and MSI-X. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"

/* --- features and status ------------------------------------------------ */

static int feat_case(struct ctx *c, int how)
{
	struct dev *d = c->d;
	struct setup s = { 0 };

	switch (how) {
	case 0: /* a feature never offered (and MQ) */
		s.feat_set = BIT(63) | BIT(d->kind == BLK ? 12 : 22);
		break;
	case 1: /* no VERSION_1 */
		s.feat_clear = BIT(F_VERSION_1);
		break;
	case 2: /* EVENT_IDX offered: fine, but RING_PACKED not offered on
		 * split-only devices is not our business; accept both */
		s.feat_set = BIT(F_EVENT_IDX);
		return dev_setup(d, true, &s) ? fail(c, "EVENT_IDX refused")
					      : 0;
	}
	if (dev_setup(d, true, &s) == 0)
		return fail(c, "FEATURES_OK accepted");
	if (cr8(d, C_STATUS) & S_FEATURES_OK)
		return fail(c, "FEATURES_OK reads back set");
	/* The driver may not go on: DRIVER_OK must be refused too. */
	status_set(d, S_DRIVER_OK);
	if (cr8(d, C_STATUS) & S_DRIVER_OK)
		return fail(c, "DRIVER_OK taken without FEATURES_OK");
	return std_setup(c);
}
static int a_feat_unoffered(struct ctx *c)
{
	return feat_case(c, 0);
}
static int a_feat_no_version_1(struct ctx *c)
{
	return feat_case(c, 1);
}
static int a_feat_event_idx(struct ctx *c)
{
	return feat_case(c, 2);
}

static int a_feat_change_after_ok(struct ctx *c)
{
	struct dev *d = c->d;

	if (std_setup(c))
		return -1;
	cw32(d, C_GFSELECT, 0);
	uint32_t lo = cr32(d, C_GF);

	cw32(d, C_GF, 0xffffffff);
	cw32(d, C_GFSELECT, 1);
	cw32(d, C_GF, 0);
	cw32(d, C_GFSELECT, 0);
	if (cr32(d, C_GF) != lo)
		return fail(c, "driver features changed after FEATURES_OK");
	cw32(d, C_GFSELECT, 1);
	if (cr32(d, C_GF) != (uint32_t)(d->features >> 32))
		return fail(c, "driver features (high) changed after "
			       "FEATURES_OK");
	return 0;
}

static int a_feat_select_beyond(struct ctx *c)
{
	struct dev *d = c->d;

	if (dev_reset(d))
		return fail(c, "reset failed");
	status_set(d, S_ACK | S_DRIVER);
	for (uint32_t sel = 2; sel < 6; sel++) {
		cw32(d, C_DFSELECT, sel);
		if (cr32(d, C_DF))
			return fail(c, "device_feature[%u] reads 0x%x", sel,
				    cr32(d, C_DF));
		cw32(d, C_GFSELECT, sel);
		cw32(d, C_GF, 0xffffffff);
	}
	cw32(d, C_GFSELECT, 0xffffffff);
	cw32(d, C_GF, 0xffffffff);
	cw32(d, C_DFSELECT, 0x80000000);
	(void)cr32(d, C_DF);
	return std_setup(c);
}

static int a_driver_ok_without_features_ok(struct ctx *c)
{
	struct dev *d = c->d;

	if (dev_reset(d))
		return fail(c, "reset failed");
	status_set(d, S_ACK | S_DRIVER);
	status_set(d, S_DRIVER_OK);
	if (cr8(d, C_STATUS) & S_DRIVER_OK)
		return fail(c, "DRIVER_OK without FEATURES_OK was taken");
	kick(d, c->qi);
	return std_setup(c);
}

static int a_status_clear_bits(struct ctx *c)
{
	struct dev *d = c->d;

	if (std_setup(c))
		return -1;
	/* Bits only a reset clears; NEEDS_RESET only the device sets. */
	cw8(d, C_STATUS, S_ACK);
	cw8(d, C_STATUS,
	    S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK | S_NEEDS_RESET);
	uint8_t st = cr8(d, C_STATUS);

	if ((st & 0x0f) != 0x0f || (st & S_NEEDS_RESET))
		return fail(c, "status reads 0x%02x", st);
	return 0;
}

static int a_queue_enable_early(struct ctx *c)
{
	struct dev *d = c->d;

	if (dev_reset(d))
		return fail(c, "reset failed");
	status_set(d, S_ACK | S_DRIVER);
	queue_alloc(&d->q[c->qi], true, 64);
	queue_program(d, c->qi);
	cw16(d, C_QENABLE, 1);
	if (cr16(d, C_QENABLE))
		return fail(c, "queue enabled before FEATURES_OK");
	return std_setup(c);
}

static int a_queue_select_beyond(struct ctx *c)
{
	struct dev *d = c->d;
	struct setup s = { .no_driver_ok = true };

	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up failed");
	static const uint16_t sel[] = { 2, 3, 4, 100, 0x7fff, 0xffff };

	for (unsigned i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		if (d->kind == NET && sel[i] < 2)
			continue;
		cw16(d, C_QSEL, sel[i]);
		cw16(d, C_QSIZE, 8);
		cw64(d, C_QDESC, 0xfee00000ull);
		cw16(d, C_QMSIX, 1);
		cw16(d, C_QENABLE, 1);
		if (cr16(d, C_QSIZE) || cr16(d, C_QENABLE) || cr16(d, C_QNOFF)
		    || r64(d, d->common + C_QDESC))
			return fail(c, "queue %u (absent) reads non-zero",
				    sel[i]);
		if (cr16(d, C_QSEL) != sel[i])
			return fail(c, "queue_select reads %u",
				    cr16(d, C_QSEL));
	}
	status_set(d, S_DRIVER_OK);
	return 0;
}

/* Read-only fields written; odd sizes and offsets all over BAR 0. */
static int a_common_odd_access(struct ctx *c)
{
	struct dev *d = c->d;
	uint16_t nq = cr16(d, C_NUMQ);
	uint32_t df;

	if (std_setup(c))
		return -1;
	cw32(d, C_DFSELECT, 0);
	df = cr32(d, C_DF);
	/* Every offset of the common configuration, every size. */
	for (uint32_t o = 0; o < 0x40; o++) {
		(void)cr8(d, o);
		(void)r16(d, d->common + o);
		(void)r32(d, d->common + o);
		if (o <= 0x38)
			(void)r64(d, d->common + o);
	}
	/* Writes to read-only fields, whole and in pieces. */
	cw32(d, C_DF, 0);
	cw8(d, C_DF + 1, 0);
	cw16(d, C_NUMQ, 9);
	cw8(d, C_NUMQ + 1, 9);
	cw8(d, C_CFGGEN, 0x55);
	cw16(d, C_QNOFF, 3);
	/* Odd sizes on writable fields: a 1-byte status write is the
	 * real one; 2- and 4-byte ones at that offset are not. */
	cw16(d, C_STATUS, 0);
	cw32(d, C_STATUS - 4 + 4, 0);
	w64(d, d->common + C_QSEL, 0);
	w8(d, d->common + C_QSEL, 0);
	w32(d, d->common + C_QSIZE - 1, 0xffffffff);
	w8(d, d->common + C_QENABLE, 0);
	w64(d, d->common + C_QDESC + 4, 0);
	w64(d, d->common + 0x34, 0); /* straddles the end */
	if (cr16(d, C_NUMQ) != nq || cr32(d, C_DF) != df)
		return fail(c, "read-only fields changed");
	if (!(cr8(d, C_STATUS) & S_DRIVER_OK))
		return fail(c, "a wide write to device_status reset it: 0x%02x",
			    cr8(d, C_STATUS));
	return 0;
}

static int a_bar_gaps(struct ctx *c)
{
	struct dev *d = c->d;
	static const uint32_t off[] = { 0x38,	0x3c,	0x80,	0xf0,  0x104,
					0x1f0,	0x300,	0x800,	0xffc, 0x2080,
					0x2ff8, 0x3008, 0x3800, 0x3ff8 };

	if (std_setup(c))
		return -1;
	for (unsigned i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		w64(d, off[i], 0xffffffffffffffffull);
		w8(d, off[i] + 1, 0xff);
		if (r64(d, off[i]) || r32(d, off[i] + 4) || r8(d, off[i] + 3))
			return fail(c, "BAR offset 0x%x reads non-zero",
				    off[i]);
	}
	/* ISR: writes ignored, reads clear; device config writes
	 * ignored. */
	w32(d, d->isr, 0xffffffff);
	(void)r8(d, d->isr);
	(void)r32(d, d->isr);
	uint64_t before = r64(d, d->devcfg);

	w64(d, d->devcfg, 0);
	w32(d, d->devcfg + 4, 0);
	w8(d, d->devcfg + 0xff, 1);
	(void)r64(d, d->devcfg + 0xf8);
	(void)r32(d, d->devcfg + 0xfe);
	if (r64(d, d->devcfg) != before)
		return fail(c, "device configuration changed by a write");
	return 0;
}

static int a_config_generation(struct ctx *c)
{
	struct dev *d = c->d;

	if (std_setup(c))
		return -1;
	/* Read the configuration the way a driver does: generation, fields,
	 * generation; while reading, poke the generation and the fields. */
	for (int i = 0; i < 50; i++) {
		uint8_t g0 = cr8(d, C_CFGGEN);
		uint64_t v = r64(d, d->devcfg);

		cw8(d, C_CFGGEN, (uint8_t)(g0 + 1));
		w32(d, d->devcfg, (uint32_t)i);
		uint8_t g1 = cr8(d, C_CFGGEN);

		if (g0 != g1 || r64(d, d->devcfg) != v)
			return fail(c,
				    "configuration changed (generation %u "
				    "-> %u) with nothing happening",
				    g0, g1);
	}
	return 0;
}

/* --- PCI configuration space -------------------------------------------- */

static int a_cfg_readonly_fields(struct ctx *c)
{
	struct dev *d = c->d;
	uint8_t before[256], after[256];

	if (std_setup(c))
		return -1;
	for (unsigned i = 0; i < 256; i += 4)
		memcpy(before + i, &(uint32_t){ cfg_read(d, i, 4) }, 4);
	/* Vendor/device, class/revision, header type, subsystem, cap
	 * pointer, interrupt pin, status, and every capability's bytes
	 * but the writable ones. */
	cfg_write(d, 0x00, 4, 0xffffffff);
	cfg_write(d, 0x08, 4, 0xffffffff);
	cfg_write(d, 0x0c, 4, 0xffffffff);
	cfg_write(d, 0x2c, 4, 0xffffffff);
	cfg_write(d, 0x34, 1, 0x50);
	cfg_write(d, 0x3d, 1, 4);
	cfg_write(d, 0x06, 2, 0xffff);
	for (unsigned bar = 0x18; bar <= 0x30; bar += 4)
		cfg_write(d, bar, 4, 0xffffffff); /* BAR2-5, CardBus, ROM */
	for (unsigned at = 0x40; at < 0x100; at += 4)
		if (at < d->pcicfg || at >= d->pcicfg + 20)
			if (at < d->msix || at >= d->msix + 12)
				cfg_write(d, at, 4, 0);
	for (unsigned i = 0; i < 256; i += 4)
		memcpy(after + i, &(uint32_t){ cfg_read(d, i, 4) }, 4);
	for (unsigned i = 0; i < 256; i++) {
		if (i >= 0x04 && i < 0x08)
			continue; /* command, status */
		if (i >= 0x3c && i < 0x3d)
			continue; /* interrupt line */
		if (i >= 0x10 && i < 0x18)
			continue; /* BAR 0 */
		if (before[i] != after[i])
			return fail(c,
				    "config byte 0x%x changed 0x%02x -> "
				    "0x%02x",
				    i, before[i], after[i]);
	}
	return 0;
}

static int a_cfg_cap_walk(struct ctx *c)
{
	struct dev *d = c->d;
	unsigned at = cfg_read(d, 0x34, 1), n = 0;

	if (std_setup(c))
		return -1;
	/* The list ends, each next pointer in range and aligned; what lies
	 * past the last capability and in extended space reads sanely. */
	while (at) {
		if (at < 0x40 || at > 0xfc || (at & 3) || ++n > 48)
			return fail(c, "capability list broken at 0x%x", at);
		unsigned len = cfg_read(d, at + 2, 1);

		(void)len;
		at = cfg_read(d, at + 1, 1);
	}
	for (unsigned o = 0x100; o < 0x1000; o += 0x44)
		(void)cfg_read(d, o, 4);
	(void)cfg_read(d, 0xffc, 4);
	(void)cfg_read(d, 0xfff, 1);
	cfg_write(d, 0x100, 4, 0xffffffff);
	cfg_write(d, 0xffc, 4, 0xffffffff);
	if (cfg_read(d, 0x100, 4) != 0 && cfg_read(d, 0x100, 4) != 0xffffffff)
		return fail(c, "extended config space took a write: 0x%x",
			    cfg_read(d, 0x100, 4));
	return 0;
}

/* The PCI configuration access capability: a window onto BAR 0. */
static int a_pcicfg_window(struct ctx *c)
{
	struct dev *d = c->d;
	unsigned p = d->pcicfg;
	struct {
		uint8_t bar;
		uint32_t off, len;
	} bad[] = { { 5, C_NUMQ, 2 },  { 0, 0x3fff, 4 }, { 0, 0x13, 2 },
		    { 0, 0x12, 3 },    { 0, 0x4000, 4 }, { 0, 0xffffffff, 1 },
		    { 0xff, 0x14, 1 }, { 0, 0x14, 0 },	 { 0, 0x10, 8 } };

	if (!p)
		return fail(c, "no PCI configuration access capability");
	if (std_setup(c))
		return -1;
	/* Legal: num_queues through the window. */
	cfg_write(d, p + 4, 1, 0);
	cfg_write(d, p + 8, 4, d->common + C_NUMQ);
	cfg_write(d, p + 12, 4, 2);
	if ((cfg_read(d, p + 16, 4) & 0xffff) != d->nq)
		return fail(c, "num_queues through the window reads 0x%x",
			    cfg_read(d, p + 16, 4));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg_write(d, p + 4, 1, bad[i].bar);
		cfg_write(d, p + 8, 4, bad[i].off);
		cfg_write(d, p + 12, 4, bad[i].len);
		(void)cfg_read(d, p + 16, 4);
		(void)cfg_read(d, p + 17, 1);
		cfg_write(d, p + 16, 4, 0);
		cfg_write(d, p + 18, 2, 0);
	}
	/* A write through the window to device_status (0) resets the
	 * device: legal, and the device must come back. */
	cfg_write(d, p + 4, 1, 0);
	cfg_write(d, p + 8, 4, d->common + C_STATUS);
	cfg_write(d, p + 12, 4, 1);
	cfg_write(d, p + 16, 1, 0);
	return 0;
}

/* A notification through the window: legal. */
static int a_pcicfg_notify(struct ctx *c)
{
	struct dev *d = c->d;
	unsigned p = d->pcicfg;
	struct buf f;
	struct chain ch;

	if (std_setup(c))
		return -1;
	ch_init(&ch);
	if (d->kind == BLK) {
		struct blkreq r;

		blk_build(d, &r, BLK_T_IN, 0, 512, false);
		ch = r.c;
	} else {
		f = net_frame(d, 60);
		ch_buf(&ch, f, 0);
	}
	uint16_t id = post(d, c->qi, &ch);

	cfg_write(d, p + 4, 1, 0);
	cfg_write(d, p + 8, 4, d->notify + (uint32_t)c->qi * d->notify_mult);
	cfg_write(d, p + 12, 4, 2);
	cfg_write(d, p + 16, 2, (uint32_t)c->qi);
	if (!wait_used(d, c->qi, id, NULL, 3000))
		return fail(c, "a notification through the window went "
			       "nowhere");
	return 0;
}

/* --- BAR sizing and moves -------------------------------------------------- */

static uint64_t bar_reg(struct dev *d)
{
	return (cfg_read(d, 0x10, 4) & ~0xfull)
	       | (uint64_t)cfg_read(d, 0x14, 4) << 32;
}

static void bar_set(struct dev *d, uint64_t a)
{
	cfg_write(d, 0x10, 4, (uint32_t)a);
	cfg_write(d, 0x14, 4, (uint32_t)(a >> 32));
}

/* The device answers at its BAR again (BAR 0 must be back first). */
static int bar_back(struct ctx *c)
{
	struct dev *d = c->d;

	bar_set(d, d->bar_pa);
	cfg_write(d, 4, 2, cfg_read(d, 4, 2) | 6);
	if (bar_reg(d) != d->bar_pa)
		return fail(c, "BAR reads 0x%llx after being put back",
			    (unsigned long long)bar_reg(d));
	if (cr16(d, C_NUMQ) != d->nq)
		return fail(c, "the device does not answer at its BAR");
	return 0;
}

static int a_bar_size_probe(struct ctx *c, int how)
{
	struct dev *d = c->d;
	uint16_t cmd = (uint16_t)cfg_read(d, 4, 2);

	if (std_setup(c))
		return -1;
	if (how == 2)
		cfg_write(d, 4, 2, cmd & ~2u);
	if (how != 1) {
		cfg_write(d, 0x10, 4, 0xffffffff);
		uint32_t lo = cfg_read(d, 0x10, 4);

		if (lo != 0xffffc004u)
			return fail(c, "BAR low size probe reads 0x%08x", lo);
		cfg_write(d, 0x10, 4, (uint32_t)d->bar_pa);
	}
	if (how != 0) {
		cfg_write(d, 0x14, 4, 0xffffffff);
		uint32_t hi = cfg_read(d, 0x14, 4);

		if (hi != 0xffffffffu)
			return fail(c, "BAR high size probe reads 0x%08x", hi);
		cfg_write(d, 0x14, 4, (uint32_t)(d->bar_pa >> 32));
	}
	if (how == 2)
		cfg_write(d, 4, 2, cmd);
	return bar_back(c);
}
static int a_bar_size_low(struct ctx *c)
{
	return a_bar_size_probe(c, 0);
}
static int a_bar_size_high(struct ctx *c)
{
	return a_bar_size_probe(c, 1);
}
static int a_bar_size_decode_off(struct ctx *c)
{
	return a_bar_size_probe(c, 2);
}

/* Moves refused: the BAR reads back where it was. */
static int bar_refused(struct ctx *c, uint64_t to, int halves)
{
	struct dev *d = c->d;

	if (std_setup(c))
		return -1;
	if (halves == 1)
		cfg_write(d, 0x10, 4, (uint32_t)to);
	else if (halves == 2)
		cfg_write(d, 0x14, 4, (uint32_t)(to >> 32));
	else
		bar_set(d, to);
	if (bar_reg(d) != d->bar_pa)
		return fail(c, "BAR moved to 0x%llx (asked 0x%llx)",
			    (unsigned long long)bar_reg(d),
			    (unsigned long long)to);
	return bar_back(c);
}
static int a_bar_over_ram(struct ctx *c)
{
	return bar_refused(c, 0x01000000ull, 1);
}
static int a_bar_high_half(struct ctx *c)
{
	/* Only the high dword: 0x1_c000_0000 is outside the window. */
	return bar_refused(c, 0x100000000ull | c->d->bar_pa, 2);
}
static int a_bar_onto_other(struct ctx *c)
{
	return bar_refused(c, devs[c->d->kind == BLK ? NET : BLK].bar_pa, 0);
}
static int a_bar_onto_lapic(struct ctx *c)
{
	return bar_refused(c, 0xfee00000ull, 1);
}
static int a_bar_onto_ecam(struct ctx *c)
{
	return bar_refused(c, 0xb0000000ull, 1);
}
static int a_bar_over_ram_top(struct ctx *c)
{
	return bar_refused(c, (ram_top - 0x3000) & ~0x3fffull, 0);
}

/* One device's BAR in its size probe (decoding nowhere); the other moved
 * onto its address meanwhile; then both put back.  The rollback must
 * leave each where it was, both answering. */
static int a_bar_probe_vs_other(struct ctx *c)
{
	struct dev *d = c->d, *o = &devs[d->kind == BLK ? NET : BLK];
	int r = 0;

	if (std_setup(c))
		return -1;
	cfg_write(d, 0x10, 4, 0xffffffff);
	cfg_write(o, 0x10, 4, (uint32_t)d->bar_pa);
	uint64_t got = (cfg_read(o, 0x10, 4) & ~0xfull)
		       | (uint64_t)cfg_read(o, 0x14, 4) << 32;

	/* Back in the other order: d first (its address may be taken). */
	cfg_write(d, 0x10, 4, (uint32_t)d->bar_pa);
	cfg_write(o, 0x10, 4, (uint32_t)o->bar_pa);
	cfg_write(d, 0x10, 4, (uint32_t)d->bar_pa);
	if (got != o->bar_pa && got != d->bar_pa)
		r = fail(c, "the other BAR reads 0x%llx",
			 (unsigned long long)got);
	if (((cfg_read(o, 0x10, 4) & ~0xfull)
	     | (uint64_t)cfg_read(o, 0x14, 4) << 32)
		    != o->bar_pa
	    || cr16(o, C_NUMQ) != o->nq)
		r = fail(c, "the other device is not back at its BAR");
	if (r)
		return r;
	return bar_back(c);
}

/* A real move, one half at a time with decode on and off, checked
 * through /dev/mem at the new place, then back. */
static int a_bar_move(struct ctx *c)
{
	struct dev *d = c->d;
	uint64_t to = 0xd0000000ull + (d->kind == BLK ? 0 : 0x10000);
	uint16_t cmd = (uint16_t)cfg_read(d, 4, 2);
	int fd, r = 0;

	if (std_setup(c))
		return -1;
	cfg_write(d, 4, 2, cmd & ~2u);
	cfg_write(d, 0x10, 4, (uint32_t)to);
	cfg_write(d, 4, 2, cmd);
	if (bar_reg(d) != to)
		return fail(c, "BAR did not move to 0x%llx: 0x%llx",
			    (unsigned long long)to,
			    (unsigned long long)bar_reg(d));
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0)
		r = fail(c, "/dev/mem: %s", strerror(errno));
	else {
		volatile uint8_t *m = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fd, (off_t)to);

		if (m == MAP_FAILED)
			r = fail(c, "mmap of /dev/mem at 0x%llx: %s",
				 (unsigned long long)to, strerror(errno));
		else {
			uint16_t nq = *(volatile uint16_t *)(m + d->common
							     + C_NUMQ);
			uint8_t st = *(volatile uint8_t *)(m + d->common
							   + C_STATUS);

			if (nq != d->nq || !(st & S_DRIVER_OK))
				r = fail(c,
					 "at its new place the device "
					 "reads num_queues %u, status 0x%x",
					 nq, st);
			/* A request notified at the new place. */
			struct chain ch;
			struct buf f = net_frame(d, 60);

			ch_init(&ch);
			if (d->kind == BLK) {
				struct blkreq rq;

				blk_build(d, &rq, BLK_T_IN, 0, 512, false);
				ch = rq.c;
			} else
				ch_buf(&ch, f, 0);
			uint16_t id = post(d, c->qi, &ch);

			*(volatile uint16_t *)(m + d->notify
					       + (uint32_t)c->qi
							 * d->notify_mult) =
				(uint16_t)c->qi;
			if (!r && !wait_used(d, c->qi, id, NULL, 3000))
				r = fail(c, "a notification at the BAR's new "
					    "place went nowhere");
			munmap((void *)m, 0x4000);
		}
		close(fd);
	}
	if (r) {
		bar_back(c);
		return r;
	}
	/* The high half with decode on: 0x1_d000_0000 is outside the
	 * window, so refused, and the BAR stays at `to`. */
	cfg_write(d, 0x14, 4, 1);
	if (bar_reg(d) != to)
		return fail(c, "high half moved the BAR to 0x%llx",
			    (unsigned long long)bar_reg(d));
	return bar_back(c);
}

/* --- configuration mechanism #1: ports CF8/CFC ------------------------ */

static int a_cf8_ports(struct ctx *c)
{
	struct dev *d = c->d;
	unsigned slot = 0;
	const char *n = strrchr(d->sysfs, ':');
	int r = 0;

	if (!n || sscanf(n + 1, "%x", &slot) != 1)
		return fail(c, "no slot in %s", d->sysfs);
	if (std_setup(c))
		return -1;
	if (ioperm(0xcf8, 8, 1))
		return fail(c, "ioperm: %s", strerror(errno));
	uint32_t saved = inl(0xcf8), base = 0x80000000u | slot << 11;

	outl(base, 0xcf8);
	if (inl(0xcfc)
	    != (0x1af4u | (uint32_t)(d->kind == BLK ? 0x1042 : 0x1041) << 16))
		r = fail(c, "vendor/device through CFC reads 0x%08x",
			 inl(0xcfc));
	/* Every size at every byte of the data port. */
	(void)inb(0xcfd);
	(void)inw(0xcfe);
	(void)inb(0xcff);
	(void)inw(0xcfd); /* misaligned */
	/* Disabled, reserved bits, functions and buses that do not exist,
	 * and the register number's low bits. */
	static const uint32_t addr[] = { 0x7ffff800, 0xffffffff, 0x80000100,
					 0x80ff0000, 0x8000f900, 0x80000003 };

	for (unsigned i = 0; i < sizeof(addr) / sizeof(addr[0]); i++) {
		outl(addr[i] | (addr[i] == 0x80000003 ? base : 0), 0xcf8);
		(void)inl(0xcfc);
		(void)inb(0xcfe);
		outl(0xffffffff, 0xcfc);
		outb(0xff, 0xcff);
	}
	/* The BAR sized through the ports, then put back. */
	outl(base | 0x10, 0xcf8);
	outl(0xffffffff, 0xcfc);
	if (inl(0xcfc) != 0xffffc004u)
		r = fail(c, "BAR size probe through CFC reads 0x%08x",
			 inl(0xcfc));
	outl((uint32_t)d->bar_pa, 0xcfc);
	/* A word write to the status half of the command register. */
	outl(base | 0x04, 0xcf8);
	outw(0xffff, 0xcfe);
	outl(saved, 0xcf8);
	ioperm(0xcf8, 8, 0);
	if (r)
		return r;
	return bar_back(c);
}

/* --- MSI-X ---------------------------------------------------------------- */

static int a_msix_table(struct ctx *c)
{
	struct dev *d = c->d;
	uint32_t t = 0x2000, pba = 0x3000;
	unsigned cap = d->msix;

	if (!cap)
		return fail(c, "no MSI-X capability");
	if (std_setup(c))
		return -1;
	/* Odd sizes and offsets into the table are ignored. */
	w8(d, t + 0, 0x12);
	w16(d, t + 2, 0x3456);
	w32(d, t + 2, 0xffffffff);
	w32(d, t + 8 * 16, 0xffffffff); /* past the 8 vectors */
	w32(d, pba, 0xffffffff);
	/* Vector control: only the mask bit sticks. */
	w32(d, t + 12, 0xffffffff);
	if (r32(d, t + 12) != 1)
		return fail(c, "vector control reads 0x%x", r32(d, t + 12));
	/* Vector 0 masked, an address nothing answers (dropped), MSI-X
	 * on: the device's interrupts go pending in the PBA. */
	w32(d, t + 0, 0);
	w32(d, t + 4, 0);
	w32(d, t + 8, 0x30);
	cw16(d, C_MSIX, 0);
	uint16_t ctl = (uint16_t)cfg_read(d, cap + 2, 2);

	cfg_write(d, cap + 2, 2, ctl | 0x8000);
	/* A queue vector can only be set before the queue runs: a fresh
	 * set-up with vector 0 on the request queue. */
	struct setup s = { .no_driver_ok = true };

	s.skip_q[c->qi] = true;
	if (dev_setup(d, c->packed, &s))
		return fail(c, "set-up failed");
	queue_alloc(&d->q[c->qi], c->packed, 64);
	queue_program(d, c->qi);
	cw16(d, C_QMSIX, 0);
	cw16(d, C_QENABLE, 1);
	status_set(d, S_DRIVER_OK);
	w32(d, t + 12, 1); /* masked */
	char why[200];

	if (known_good(d, why, sizeof(why)))
		return fail(c, "with MSI-X on: %s", why);
	if (!(r32(d, pba) & 1))
		return fail(c,
			    "a masked vector's interrupt is not pending "
			    "(PBA 0x%x)",
			    r32(d, pba));
	/* Unmasked: delivered (to nowhere) and no longer pending. */
	w32(d, t + 12, 0);
	if (r32(d, pba) & 1)
		return fail(c, "still pending after unmask");
	/* The function mask holds everything back the same way. */
	cfg_write(d, cap + 2, 2, ctl | 0xc000);
	if (known_good(d, why, sizeof(why)))
		return fail(c, "with the function masked: %s", why);
	if (!(r32(d, pba) & 1))
		return fail(c, "function mask: nothing pending");
	cfg_write(d, cap + 2, 2, ctl | 0x8000);
	if (r32(d, pba) & 1)
		return fail(c, "still pending after the function mask");
	/* A vector with a vector number below 16 and a bad address. */
	w32(d, t + 0, 0xfee00000);
	w32(d, t + 8, 0x2);
	if (known_good(d, why, sizeof(why)))
		return fail(c, "with vector 2: %s", why);
	cfg_write(d, cap + 2, 2, ctl & ~0xc000u);
	w32(d, t + 12, 1);
	return 0;
}

static int a_cmd_bus_master_off(struct ctx *c)
{
	struct dev *d = c->d;
	uint16_t cmd = (uint16_t)cfg_read(d, 4, 2);
	char why[200];

	if (std_setup(c))
		return -1;
	cfg_write(d, 4, 2, cmd & ~4u);
	/* Whether the device serves this or not is its choice; it must
	 * work again with bus mastering back on. */
	known_good(d, why, sizeof(why));
	cfg_write(d, 4, 2, cmd | 4);
	cfg_write(d, 4, 2, cmd | 0x400); /* INTx disabled */
	cfg_write(d, 4, 2, cmd);
	return 0;
}

#define A(n, f, dv, r, m, x)                                                   \
	{                                                                      \
		n, dv, r, m, x, f                                              \
	}
#define FQ (M_FULL | M_QUICK)
const struct attack attacks_pci[] = {
	A("features-unoffered", a_feat_unoffered, D_BOTH, R_ONE, FQ, X_ALIVE),
	A("features-no-version-1", a_feat_no_version_1, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("features-event-idx", a_feat_event_idx, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("features-changed-after-ok", a_feat_change_after_ok, D_BOTH, R_ONE,
	  M_FULL, X_ALIVE),
	A("features-select-beyond", a_feat_select_beyond, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("driver-ok-without-features-ok", a_driver_ok_without_features_ok,
	  D_BOTH, R_ONE, M_FULL, X_ALIVE),
	A("status-bits-cleared", a_status_clear_bits, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("queue-enable-before-features-ok", a_queue_enable_early, D_BOTH,
	  R_ONE, M_FULL, X_ALIVE),
	A("queue-select-beyond", a_queue_select_beyond, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("common-config-odd-access", a_common_odd_access, D_BOTH, R_ONE, FQ,
	  X_ALIVE),
	A("bar-gaps-and-isr", a_bar_gaps, D_BOTH, R_ONE, M_FULL, X_ALIVE),
	A("config-generation", a_config_generation, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("pci-readonly-fields", a_cfg_readonly_fields, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("pci-cap-walk-beyond", a_cfg_cap_walk, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("pci-cfg-window", a_pcicfg_window, D_BOTH, R_ONE, M_FULL, X_RESET),
	A("pci-cfg-window-notify", a_pcicfg_notify, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("bar-size-low-half", a_bar_size_low, D_BOTH, R_ONE, FQ, X_ALIVE),
	A("bar-size-high-half", a_bar_size_high, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("bar-size-decode-off", a_bar_size_decode_off, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("bar-move-and-back", a_bar_move, D_BOTH, R_ONE, FQ, X_ALIVE),
	A("bar-probe-vs-other-device", a_bar_probe_vs_other, D_BOTH, R_ONE,
	  M_FULL, X_ALIVE),
	A("bar-over-ram", a_bar_over_ram, D_BOTH, R_ONE, M_FULL, X_ALIVE),
	A("bar-over-ram-top", a_bar_over_ram_top, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("bar-high-half-only", a_bar_high_half, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("bar-onto-other-device", a_bar_onto_other, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
	A("bar-onto-lapic", a_bar_onto_lapic, D_BOTH, R_ONE, M_FULL, X_ALIVE),
	A("bar-onto-ecam", a_bar_onto_ecam, D_BOTH, R_ONE, M_FULL, X_ALIVE),
	A("cf8-cfc-port-games", a_cf8_ports, D_BOTH, R_ONE, M_FULL, X_ALIVE),
	A("msix-table-mask-games", a_msix_table, D_BOTH, R_ONE, FQ, X_ALIVE),
	A("bus-master-off", a_cmd_bus_master_off, D_BOTH, R_ONE, M_FULL,
	  X_ALIVE),
};
const int n_attacks_pci = sizeof(attacks_pci) / sizeof(attacks_pci[0]);
