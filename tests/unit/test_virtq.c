/* The packed virtqueue, device side (virtio/virtq.c), driven by the
 * driver model in vq_driver.h over a fake guest memory of 1 MiB at GPA 0.
 * The hardening rules of virtio/README.md each have a named test below. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/vq_driver.h"

#include <sys/mman.h>

#include "hv/guest/gmem.h"
#include "virtio/virtq.h"

/* Guest-physical layout of the tests. */
#define DESC 0x1000ull	/* up to 256 descriptors */
#define DRV 0x2000ull	/* driver event suppression */
#define DEV 0x2010ull	/* device event suppression */
#define TABLE 0x3000ull /* indirect tables */
#define BUF 0x10000ull	/* data buffers */
#define RAM_END ((uint64_t)FM_RAM_SIZE)

static struct fake_mem M;
static struct virtq Q;
static struct vqd D;
static struct vq_chain C;

/* Programs Q as the transport would and enables it; returns vq_enable's
 * result. */
static int program(uint16_t size, bool indirect, bool event_idx)
{
	return vqt_enable(&Q, &M, size, DESC, DRV, DEV, false, indirect,
			  event_idx);
}

/* Fresh memory, a fresh queue of `size` entries, enabled. */
static int setup(uint16_t size, bool indirect, bool event_idx)
{
	fm_free(&M);
	fm_init(&M, FM_RAM_SIZE);
	logstub_clear();
	vqd_init(&D, &M, size, DESC, DRV, DEV);
	vqt_fresh(&Q, "tq");
	memset(&C, 0, sizeof(C));
	return program(size, indirect, event_idx);
}

/* The device completes the next chain with `len`; returns vq_pop's
 * result. */
static int serve(uint32_t len)
{
	int r = vq_pop(&Q, &C);

	if (r == 1)
		vq_push(&Q, C.id, C.ndesc, len);
	return r;
}

/* One single-buffer request through the whole cycle; true when the
 * driver got it back with that id. */
static bool round_trip(uint16_t id)
{
	struct vqd_buf b = { BUF, 64, VQ_DESC_F_WRITE };
	uint16_t uid = 0xffff;

	vqd_chain(&D, &b, 1, id);
	if (serve(64) != 1)
		return false;
	return vqd_get_used(&D, &uid, NULL) && uid == id;
}

/* --- enabling, sizes, reset ------------------------------------------ */

static void enable_starts_at_wrap_one_with_notifications_enabled(void)
{
	CHECK(setup(16, false, false) == 0);
	CHECK(Q.enabled);
	CHECK(Q.next_avail == 0 && Q.avail_wrap);
	CHECK(Q.next_used == 0 && Q.used_wrap);

	/* The device event structure reads ENABLE after enable, whatever
	 * was in memory before (2.8.10). */
	fm_free(&M);
	fm_init(&M, FM_RAM_SIZE);
	vqd_init(&D, &M, 16, DESC, DRV, DEV);
	fm_fill(&M, DEV, 0xff, 4);
	vq_reset(&Q);
	CHECK(program(16, false, false) == 0);
	uint16_t off_wrap = 0xaaaa, flags = 0xaaaa;

	vqd_dev_event(&D, &off_wrap, &flags);
	CHECK(flags == VQ_EVENT_ENABLE);
	CHECK(off_wrap == 0);
	/* Asking for no notifications writes DISABLE, and back. */
	vq_set_notify(&Q, false);
	vqd_dev_event(&D, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	vq_set_notify(&Q, true);
	vqd_dev_event(&D, NULL, &flags);
	CHECK(flags == VQ_EVENT_ENABLE);
}

static void enable_refuses_size_0_misaligned_rings_and_rings_outside_ram(void)
{
	CHECK(setup(0, false, false) == -1);
	CHECK(!Q.enabled);
	CHECK(logstub_has("size 0"));

	setup(16, false, false);
	vq_reset(&Q);
	logstub_clear();
	Q.size = 16;
	Q.desc_gpa = DESC + 8; /* the ring is 16-aligned */
	Q.driver_gpa = DRV;
	Q.device_gpa = DEV;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled && !Q.desc);
	CHECK(logstub_has("misaligned ring"));

	Q.desc_gpa = DESC;
	Q.driver_gpa = DRV + 2; /* event structures are 4-aligned */
	CHECK(vq_enable(&Q, &M.gm) == -1);
	Q.driver_gpa = DRV;
	Q.device_gpa = DEV + 1;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled);

	/* A ring whose last descriptor would be past the end of RAM. */
	logstub_clear();
	Q.device_gpa = DEV;
	Q.desc_gpa = RAM_END - 15 * 16;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(logstub_has("outside guest RAM"));
	Q.desc_gpa = DESC;
	Q.driver_gpa = RAM_END; /* the first byte after RAM */
	CHECK(vq_enable(&Q, &M.gm) == -1);
	Q.driver_gpa = 0xfffffffffffffffcull;
	CHECK(vq_enable(&Q, &M.gm) == -1);
	CHECK(!Q.enabled);
	/* A refused queue takes nothing. */
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(!vq_avail(&Q));
}

static void ring_ending_at_the_last_byte_of_ram_is_accepted(void)
{
	/* The descriptor ring ends at the last byte of RAM. */
	setup(16, false, false);
	vq_reset(&Q);
	Q.size = 16;
	Q.desc_gpa = RAM_END - 16 * 16;
	Q.driver_gpa = DRV;
	Q.device_gpa = DEV;
	CHECK(vq_enable(&Q, &M.gm) == 0);
	vqd_init(&D, &M, 16, RAM_END - 16 * 16, DRV, DEV);
	for (uint16_t i = 0; i < 20; i++)
		CHECK(round_trip(i));

	/* The device event structure ends there. */
	vq_reset(&Q);
	Q.size = 16;
	Q.desc_gpa = RAM_END - 16 - 16 * 16;
	Q.driver_gpa = RAM_END - 8;
	Q.device_gpa = RAM_END - 4;
	CHECK(vq_enable(&Q, &M.gm) == 0);
	vqd_init(&D, &M, 16, RAM_END - 16 - 16 * 16, RAM_END - 8, RAM_END - 4);
	vqd_set_event(&D, 0, VQ_EVENT_DISABLE);
	for (uint16_t i = 0; i < 20; i++)
		CHECK(round_trip(i));
	CHECK(!vq_need_interrupt(&Q));
	uint16_t flags = 0xffff;

	vqd_dev_event(&D, NULL, &flags);
	CHECK(flags == VQ_EVENT_ENABLE);
}

static void queue_size_is_clamped_to_the_maximum(void)
{
	setup(16, false, false);
	CHECK(vq_clamp_size(&Q, 1024) == VQ_MAX_SIZE);
	CHECK(vq_clamp_size(&Q, 0xffff) == VQ_MAX_SIZE);
	CHECK(vq_clamp_size(&Q, 0x10000) == VQ_MAX_SIZE);
	CHECK(vq_clamp_size(&Q, 0xffffffffu) == VQ_MAX_SIZE);
	CHECK(vq_clamp_size(&Q, VQ_MAX_SIZE) == VQ_MAX_SIZE);
	CHECK(vq_clamp_size(&Q, 3) == 3); /* packed rings need no power of 2 */
	Q.max_size = 64;
	CHECK(vq_clamp_size(&Q, 65) == 64);
}

/* An I/O core polls the ring: the driver is told never to notify, at
 * enable and whatever the device model asks later, across resets. */
static void polled_queue_never_asks_for_notifications(void)
{
	uint16_t flags = 0xaaaa;

	setup(16, false, false);
	Q.polled = true;
	vq_reset(&Q);
	CHECK(Q.polled);
	CHECK(program(16, false, false) == 0);
	vqd_dev_event(&D, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	vq_set_notify(&Q, true);
	vqd_dev_event(&D, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	/* The ring works all the same. */
	CHECK(round_trip(3));
	CHECK(round_trip(4));
}

static void reset_keeps_identity_and_forgets_everything_else(void)
{
	setup(16, true, true);
	Q.index = 1;
	Q.name = "net0";
	CHECK(round_trip(5));
	vq_reset(&Q);
	CHECK(Q.index == 1);
	CHECK_STR(Q.name, "net0");
	CHECK(Q.max_size == VQ_MAX_SIZE);
	CHECK(Q.size == VQ_MAX_SIZE);
	CHECK(Q.msix_vector == 0xffff);
	CHECK(!Q.enabled && !Q.desc && !Q.stalled);
	CHECK(!Q.indirect && !Q.event_idx);
	CHECK(Q.desc_gpa == 0 && Q.next_avail == 0 && Q.next_used == 0);
	CHECK(vq_pop(&Q, &C) == 0);
	vq_push(&Q, 1, 1, 1); /* no ring: nothing happens */
	CHECK(!vq_need_interrupt(&Q));
}

/* --- walking chains --------------------------------------------------- */

static void empty_ring_pops_nothing(void)
{
	setup(16, false, false);
	CHECK(!vq_avail(&Q));
	CHECK(vq_pop(&Q, &C) == 0);
	CHECK(Q.st.requests == 0);
}

static void chain_is_walked_whole_into_checked_segments(void)
{
	struct vqd_buf b[] = {
		{ BUF, 16, 0 },
		{ BUF + 0x100, 1000, 0 },
		{ BUF + 0x1000, 4096, VQ_DESC_F_WRITE },
		{ BUF + 0x3000, 1, VQ_DESC_F_WRITE },
	};

	setup(16, false, false);
	vqd_chain(&D, b, 4, 77);
	CHECK(vq_avail(&Q));
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL);
	CHECK(C.id == 77);
	CHECK(C.ndesc == 4);
	CHECK(C.nseg == 4);
	CHECK(C.out_bytes == 1016);
	CHECK(C.in_bytes == 4097);
	for (unsigned i = 0; i < 4; i++) {
		CHECK(C.seg[i].gpa == b[i].addr);
		CHECK(C.seg[i].len == b[i].len);
		CHECK(C.seg[i].host == M.ram + b[i].addr);
		CHECK(C.seg[i].write == !!(b[i].flags & VQ_DESC_F_WRITE));
	}
	CHECK(C.last_ok);
	CHECK(C.last.host == M.ram + BUF + 0x3000 && C.last.len == 1);
	CHECK(C.last.write);
	CHECK(Q.next_avail == 4 && Q.avail_wrap);
	CHECK(Q.st.requests == 1);
	/* Nothing more is available. */
	CHECK(vq_pop(&Q, &C) == 0);
}

static void buffer_id_comes_from_the_last_descriptor(void)
{
	struct vqd_buf b[] = {
		{ BUF, 16, 0 },
		{ BUF + 0x100, 512, VQ_DESC_F_WRITE },
		{ BUF + 0x400, 1, VQ_DESC_F_WRITE },
	};
	uint16_t id = 0;
	uint32_t len = 0;

	setup(16, false, false);
	/* The head and middle carry 7, the last 42: the id is 42 (2.8.6). */
	vqd_chain_ids(&D, b, 3, 7, 42);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.id == 42);
	vq_push(&Q, C.id, C.ndesc, 513);
	CHECK(vqd_get_used(&D, &id, &len));
	CHECK(id == 42 && len == 513);
	CHECK(D.unknown_ids == 0);
}

static void descriptor_not_available_for_the_wrap_counter_is_not_taken(void)
{
	setup(8, false, false);
	/* Lap 1 (wrap 1): USED set and AVAIL clear is "available for wrap
	 * 0"; both set is a used descriptor; neither set is zeroed memory. */
	vqd_write_raw(&D, 0, BUF, 64, 1, VQ_DESC_F_USED);
	CHECK(!vq_avail(&Q) && vq_pop(&Q, &C) == 0);
	vqd_write_raw(&D, 0, BUF, 64, 1, VQ_DESC_F_AVAIL | VQ_DESC_F_USED);
	CHECK(!vq_avail(&Q) && vq_pop(&Q, &C) == 0);
	vqd_write_raw(&D, 0, BUF, 64, 1, 0);
	CHECK(!vq_avail(&Q) && vq_pop(&Q, &C) == 0);
	vqd_write_raw(&D, 0, BUF, 64, 1, VQ_DESC_F_AVAIL);
	CHECK(vq_avail(&Q) && vq_pop(&Q, &C) == 1 && C.id == 1);
}

static void ring_runs_several_laps_with_mixed_chain_lengths(void)
{
	unsigned got = 0;

	setup(7, false, false); /* an odd size: chains straddle the end */
	for (uint16_t r = 0; r < 40; r++) {
		struct vqd_buf b[3] = {
			{ BUF + 0x100ull * r, 16, 0 },
			{ BUF + 0x100ull * r + 16, 32, VQ_DESC_F_WRITE },
			{ BUF + 0x100ull * r + 48, 1, VQ_DESC_F_WRITE },
		};
		unsigned n = 1 + r % 3;
		uint16_t id = 0xffff;
		uint32_t len = 0;

		if (n == 1)
			b[0].flags = VQ_DESC_F_WRITE;
		vqd_chain(&D, b, n, (uint16_t)(100 + r));
		CHECK(vq_pop(&Q, &C) == 1);
		CHECK(C.bad == NULL && C.ndesc == n && C.nseg == n);
		CHECK(C.id == 100 + r);
		vq_push(&Q, C.id, C.ndesc, r);
		CHECK(vqd_get_used(&D, &id, &len));
		CHECK(id == 100 + r && len == r);
		got++;
	}
	CHECK(got == 40);
	CHECK(Q.next_avail == D.next_avail && Q.avail_wrap == D.avail_wrap);
	CHECK(Q.next_used == D.next_used && Q.used_wrap == D.used_wrap);
	CHECK(D.unknown_ids == 0);
}

static void chain_of_exactly_the_queue_size_is_accepted(void)
{
	struct vqd_buf b[8];

	setup(8, false, false);
	for (unsigned i = 0; i < 8; i++)
		b[i] = (struct vqd_buf){ BUF + 0x100 * i, 64, VQ_DESC_F_WRITE };
	vqd_chain(&D, b, 8, 3);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL && C.ndesc == 8 && C.id == 3);
	CHECK(Q.st.stalls == 0 && !Q.stalled);
	CHECK(Q.next_avail == 0 && !Q.avail_wrap);
}

/* Hardening rule 1: a chain with no end (every descriptor has NEXT) has no
 * last descriptor and so no buffer id: the queue stalls with a log line,
 * publishes nothing, and stays stalled until the device is reset. */
static void chain_longer_than_the_queue_stalls_until_reset(void)
{
	uint8_t before[8 * 16];

	setup(8, false, false);
	for (uint16_t i = 0; i < 8; i++)
		vqd_put(&D, i, BUF + 0x100 * i, 64, i, VQ_DESC_F_NEXT
			| VQ_DESC_F_WRITE, true);
	memcpy(before, M.ram + DESC, sizeof(before));
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.stalled);
	CHECK(Q.st.stalls == 1);
	CHECK(Q.st.requests == 0);
	CHECK(logstub_has("stalled"));
	CHECK(logstub_has("chain longer than the queue"));
	/* No used descriptor: the ring is as the driver left it. */
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));
	/* It stays stalled, even when the driver "fixes" the ring. */
	vqd_put(&D, 0, BUF, 64, 9, VQ_DESC_F_WRITE, true);
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(!vq_avail(&Q));
	CHECK(Q.st.stalls == 1);
	CHECK(!vq_need_interrupt(&Q));

	/* Device reset, then the driver sets the queue up again. */
	vq_reset(&Q);
	CHECK(!Q.stalled);
	vqd_init(&D, &M, 8, DESC, DRV, DEV);
	CHECK(program(8, false, false) == 0);
	for (uint16_t i = 0; i < 12; i++)
		CHECK(round_trip(i));
	CHECK(!Q.stalled);
	CHECK(Q.st.stalls <= 1); /* no new stall (counters may persist) */
}

/* Hardening rule 2: in a packed ring a loop is a chain that runs past the
 * ring's end and back over its own head. */
static void chain_looping_back_over_its_own_head_stalls(void)
{
	uint8_t before[8 * 16];

	setup(8, false, false);
	for (uint16_t i = 0; i < 5; i++) /* the head will be at slot 5 */
		CHECK(round_trip(i));
	CHECK(D.next_avail == 5 && Q.next_avail == 5);
	/* Slots 5, 6, 7 on this lap, then 0..4 on the next, all NEXT: the
	 * chain comes back to slot 5, its head. */
	for (uint16_t k = 0; k < 8; k++) {
		uint16_t slot = (uint16_t)((5 + k) % 8);

		vqd_put(&D, slot, BUF + 0x100 * k, 64, 50, VQ_DESC_F_NEXT,
			slot >= 5);
	}
	memcpy(before, M.ram + DESC, sizeof(before));
	logstub_clear();
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.stalled && Q.st.stalls == 1);
	CHECK(logstub_has("stalled"));
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));
	CHECK(Q.next_avail == 5); /* nothing consumed */
	CHECK(vq_pop(&Q, &C) == -1);
	CHECK(Q.st.stalls == 1);

	vq_reset(&Q);
	vqd_init(&D, &M, 8, DESC, DRV, DEV);
	CHECK(program(8, false, false) == 0);
	CHECK(round_trip(1));
}

/* Hardening rule 3, ring level: [addr, addr+len) must be RAM up to its
 * last byte; a buffer ending exactly at the last byte of RAM is fine. */
static void buffer_straddling_the_end_of_ram_is_refused(void)
{
	struct vqd_buf b[] = {
		{ BUF, 16, 0 },
		{ RAM_END - 8, 16, VQ_DESC_F_WRITE },
		{ BUF + 0x100, 1, VQ_DESC_F_WRITE },
	};

	setup(16, false, false);
	vqd_chain(&D, b, 3, 11);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "outside guest RAM"));
	CHECK(C.id == 11 && C.ndesc == 3);
	/* The status buffer after it is still known. */
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x100);
	CHECK(C.nseg == 1); /* nothing after the bad buffer is used */

	/* Ending at the last byte of RAM is accepted. */
	b[1] = (struct vqd_buf){ RAM_END - 16, 16, VQ_DESC_F_WRITE };
	vqd_chain(&D, b, 3, 12);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL && C.id == 12);
	CHECK(C.seg[1].host == M.ram + RAM_END - 16);
	/* One byte at the very end, and one just past it. */
	b[1] = (struct vqd_buf){ RAM_END - 1, 1, VQ_DESC_F_WRITE };
	vqd_chain(&D, b, 3, 13);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad == NULL);
	b[1] = (struct vqd_buf){ RAM_END, 1, VQ_DESC_F_WRITE };
	vqd_chain(&D, b, 3, 14);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad != NULL && C.id == 14);
	/* The last buffer itself straddling: no status can be written. */
	b[2] = (struct vqd_buf){ RAM_END - 8, 16, VQ_DESC_F_WRITE };
	b[1] = (struct vqd_buf){ BUF + 0x200, 16, VQ_DESC_F_WRITE };
	vqd_chain(&D, b, 3, 15);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad != NULL && C.id == 15);
	CHECK(!C.last_ok);
}

/* Hardening rule 4: addr + len that wraps past 2^64. */
static void buffer_address_that_wraps_is_refused(void)
{
	struct vqd_buf b[] = {
		{ BUF, 16, 0 },
		{ 0xfffffffffffffff0ull, 0x20, VQ_DESC_F_WRITE },
		{ BUF + 0x100, 1, VQ_DESC_F_WRITE },
	};

	setup(16, false, false);
	vqd_chain(&D, b, 3, 21);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "wraps"));
	CHECK(C.id == 21 && C.last_ok);
	/* Ending exactly at 2^64 - 1: not RAM either way. */
	b[1] = (struct vqd_buf){ 0xfffffffffffffff0ull, 0x10, VQ_DESC_F_WRITE };
	vqd_chain(&D, b, 3, 22);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad != NULL && C.id == 22);
}

/* Hardening rule 6, ring level. */
static void zero_length_buffer_is_refused(void)
{
	struct vqd_buf b[] = {
		{ BUF, 16, 0 },
		{ BUF + 0x100, 0, VQ_DESC_F_WRITE },
		{ BUF + 0x200, 1, VQ_DESC_F_WRITE },
	};

	setup(16, false, false);
	vqd_chain(&D, b, 3, 31);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "zero-length"));
	CHECK(C.id == 31 && C.last_ok);
}

static void readable_buffer_after_a_writable_one_is_refused(void)
{
	struct vqd_buf b[] = {
		{ BUF, 16, 0 },
		{ BUF + 0x100, 512, VQ_DESC_F_WRITE },
		{ BUF + 0x400, 16, 0 },
		{ BUF + 0x500, 1, VQ_DESC_F_WRITE },
	};

	setup(16, false, false);
	vqd_chain(&D, b, 4, 41);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "readable buffer after"));
	CHECK(C.id == 41 && C.ndesc == 4 && C.last_ok);
}

static void bad_chain_is_consumed_whole_and_the_next_one_is_fine(void)
{
	struct vqd_buf bad[] = {
		{ BUF, 0, 0 },
		{ BUF + 0x100, 8, VQ_DESC_F_WRITE },
		{ BUF + 0x200, 1, VQ_DESC_F_WRITE },
	};
	struct vqd_buf good = { BUF + 0x300, 8, VQ_DESC_F_WRITE };
	uint16_t id;
	uint32_t len;

	setup(16, false, false);
	vqd_chain(&D, bad, 3, 1);
	vqd_chain(&D, &good, 1, 2);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad && C.id == 1 && C.ndesc == 3);
	vq_push(&Q, C.id, C.ndesc, 0);
	CHECK(vq_pop(&Q, &C) == 1 && !C.bad && C.id == 2 && C.ndesc == 1);
	vq_push(&Q, C.id, C.ndesc, 8);
	CHECK(vqd_get_used(&D, &id, &len) && id == 1 && len == 0);
	CHECK(vqd_get_used(&D, &id, &len) && id == 2 && len == 8);
}

static void more_buffers_than_a_chain_may_hold_is_refused(void)
{
	static struct vqd_buf b[VQ_MAX_SEGS + 1];

	setup(VQ_MAX_SIZE, false, false);
	for (unsigned i = 0; i < VQ_MAX_SEGS + 1; i++)
		b[i] = (struct vqd_buf){ BUF + 16ull * i, 16,
					 i == VQ_MAX_SEGS ? VQ_DESC_F_WRITE
							  : 0 };
	vqd_chain(&D, b, VQ_MAX_SEGS, 1);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL && C.nseg == VQ_MAX_SEGS);
	vqd_chain(&D, b, VQ_MAX_SEGS + 1, 2);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "too many"));
	CHECK(C.id == 2 && C.ndesc == VQ_MAX_SEGS + 1);
	CHECK(C.nseg == VQ_MAX_SEGS);
}

/* "Widen lengths before summing": three 4 GiB - 1 buffers over a 4 GiB
 * region (reserved, never touched) sum to more than 2^33. */
static void buffer_lengths_are_summed_in_64_bits(void)
{
	const uint64_t big = 1ull << 32;
	void *p = mmap(NULL, big, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct vqd_buf b[] = {
		{ big, 0xffffffffu, 0 },
		{ big, 0xffffffffu, 0 },
		{ big, 0xffffffffu, VQ_DESC_F_WRITE },
		{ big, 0xffffffffu, VQ_DESC_F_WRITE },
		{ big, 0xffffffffu, VQ_DESC_F_WRITE },
	};

	setup(16, false, false);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(gmem_add(&M.gm, big, big, p) == 0);
	vqd_chain(&D, b, 5, 1);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL);
	CHECK(C.out_bytes == 2ull * 0xffffffffu);
	CHECK(C.in_bytes == 3ull * 0xffffffffu);
	munmap(p, big);
}

/* --- indirect descriptors (2.8.19) ------------------------------------ */

static void indirect_table_is_walked_as_the_chain(void)
{
	struct vqd_buf t[] = {
		{ BUF, 16, 0 },
		{ BUF + 0x100, 512, VQ_DESC_F_WRITE },
		{ BUF + 0x400, 1024, VQ_DESC_F_WRITE },
		{ BUF + 0x900, 1, VQ_DESC_F_WRITE },
	};
	uint16_t id;
	uint32_t len;

	setup(16, true, false);
	vqd_indirect(&D, TABLE, t, 4, 9);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad == NULL);
	CHECK(C.id == 9 && C.ndesc == 1 && C.nseg == 4);
	CHECK(C.out_bytes == 16 && C.in_bytes == 1537);
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x900);
	CHECK(C.seg[2].host == M.ram + BUF + 0x400);
	vq_push(&Q, C.id, C.ndesc, 1537);
	CHECK(vqd_get_used(&D, &id, &len) && id == 9 && len == 1537);
	CHECK(Q.next_used == 1);
}

static void indirect_descriptor_without_the_feature_is_refused(void)
{
	struct vqd_buf t[] = { { BUF, 16, 0 }, { BUF + 0x100, 1,
						 VQ_DESC_F_WRITE } };

	setup(16, false, false);
	vqd_indirect(&D, TABLE, t, 2, 4);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "not negotiated"));
	CHECK(C.id == 4 && C.nseg == 0 && !C.last_ok);
}

/* Hardening rule 11, ring level: an INDIRECT entry inside a table is
 * never followed; neither the nested table nor what it points at is
 * used. */
static void indirect_table_inside_an_indirect_table_is_never_followed(void)
{
	struct vqd_buf inner[] = {
		{ BUF + 0x2000, 64, VQ_DESC_F_WRITE },
	};
	struct vqd_buf outer[] = {
		{ BUF, 16, 0 },
		{ TABLE + 0x800, 16, VQ_DESC_F_INDIRECT },
		{ BUF + 0x900, 1, VQ_DESC_F_WRITE },
	};

	setup(16, true, false);
	vqd_table(&M, TABLE + 0x800, inner, 1);
	vqd_indirect(&D, TABLE, outer, 3, 6);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && strstr(C.bad, "inside an indirect"));
	CHECK(C.id == 6 && C.ndesc == 1);
	for (unsigned i = 0; i < C.nseg; i++)
		CHECK(C.seg[i].gpa != BUF + 0x2000);
	CHECK(C.in_bytes == 0);
	/* The status buffer after it is still known for the error. */
	CHECK(C.last_ok && C.last.host == M.ram + BUF + 0x900);

	/* A nested table pointing outside RAM: same, and nothing read. */
	outer[1] = (struct vqd_buf){ 0xffffffff00000000ull, 32,
				     VQ_DESC_F_INDIRECT };
	vqd_indirect(&D, TABLE, outer, 3, 7);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && C.id == 7 && C.last_ok);
	/* As the last entry, no status buffer is known. */
	outer[2] = outer[1];
	vqd_indirect(&D, TABLE, outer, 3, 8);
	CHECK(vq_pop(&Q, &C) == 1);
	CHECK(C.bad != NULL && C.id == 8 && !C.last_ok);
}

static void malformed_indirect_descriptors_are_refused(void)
{
	struct vqd_buf t[] = { { BUF, 16, 0 }, { BUF + 0x100, 1,
						 VQ_DESC_F_WRITE } };
	struct vqd_buf d;

	setup(16, true, false);
	vqd_table(&M, TABLE, t, 2);
	/* Length not a multiple of 16, and 0. */
	d = (struct vqd_buf){ TABLE, 24, VQ_DESC_F_INDIRECT };
	vqd_chain(&D, &d, 1, 1);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad && strstr(C.bad, "length"));
	CHECK(C.id == 1 && !C.last_ok);
	d.len = 0;
	vqd_chain(&D, &d, 1, 2);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad && C.id == 2);
	/* A table past the end of RAM, and one that wraps. */
	d = (struct vqd_buf){ RAM_END - 16, 32, VQ_DESC_F_INDIRECT };
	vqd_chain(&D, &d, 1, 3);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad && strstr(C.bad, "outside"));
	d = (struct vqd_buf){ 0xfffffffffffffff0ull, 32, VQ_DESC_F_INDIRECT };
	vqd_chain(&D, &d, 1, 4);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad && C.id == 4);
	/* More entries than a chain may hold. */
	d = (struct vqd_buf){ TABLE, 16 * (VQ_MAX_SEGS + 1),
			      VQ_DESC_F_INDIRECT };
	vqd_chain(&D, &d, 1, 5);
	CHECK(vq_pop(&Q, &C) == 1 && C.bad && strstr(C.bad, "too long"));
	/* INDIRECT with NEXT (2.8.19.1), and INDIRECT after the head. */
	{
		struct vqd_buf two[] = {
			{ TABLE, 32, VQ_DESC_F_INDIRECT },
			{ BUF + 0x200, 1, VQ_DESC_F_WRITE },
		};

		vqd_chain(&D, two, 2, 6);
		CHECK(vq_pop(&Q, &C) == 1 && C.bad
		      && strstr(C.bad, "chained"));
		CHECK(C.id == 6 && C.ndesc == 2);
		two[0] = (struct vqd_buf){ BUF, 16, 0 };
		two[1] = (struct vqd_buf){ TABLE, 32, VQ_DESC_F_INDIRECT };
		vqd_chain(&D, two, 2, 7);
		CHECK(vq_pop(&Q, &C) == 1 && C.bad && C.id == 7);
		CHECK(!C.last_ok);
	}
	/* The ring is still in step. */
	CHECK(Q.next_avail == D.next_avail);
	CHECK(!Q.stalled);
}

/* --- used descriptors ------------------------------------------------- */

static void push_publishes_id_and_len_with_used_flags_of_the_lap(void)
{
	uint16_t id, flags;
	uint32_t len;

	setup(4, false, false);
	for (uint16_t r = 0; r < 6; r++) {
		struct vqd_buf b = { BUF, 8, VQ_DESC_F_WRITE };
		uint16_t slot = D.next_avail;
		bool lap1 = D.avail_wrap;

		vqd_chain(&D, &b, 1, (uint16_t)(0x100 + r));
		CHECK(vq_pop(&Q, &C) == 1);
		vq_push(&Q, C.id, C.ndesc, 1000u + r);
		vqd_read(&D, slot, NULL, &len, &id, &flags);
		CHECK(id == 0x100 + r && len == 1000u + r);
		/* Used: AVAIL = USED = the device's wrap counter (2.8.1). */
		if (lap1)
			CHECK(flags == (VQ_DESC_F_AVAIL | VQ_DESC_F_USED));
		else
			CHECK(flags == 0);
		CHECK(vqd_get_used(&D, NULL, NULL));
	}
}

static void push_ignores_impossible_descriptor_counts(void)
{
	uint8_t before[4 * 16];

	setup(4, false, false);
	memcpy(before, M.ram + DESC, sizeof(before));
	vq_push(&Q, 1, 0, 8);
	vq_push(&Q, 1, 5, 8);
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));
	CHECK(Q.next_used == 0 && Q.used_wrap);
	/* A chain of the whole ring moves a whole lap. */
	vq_push(&Q, 1, 4, 8);
	CHECK(Q.next_used == 0 && !Q.used_wrap);
}

static void chain_read_and_write_cross_segment_boundaries(void)
{
	struct vqd_buf b[] = {
		{ BUF, 3, 0 },
		{ BUF + 0x100, 5, 0 },
		{ BUF + 0x200, 2, VQ_DESC_F_WRITE },
		{ BUF + 0x300, 7, VQ_DESC_F_WRITE },
	};
	uint8_t out[16], in[9];

	setup(16, false, false);
	fm_put(&M, BUF, "abc", 3);
	fm_put(&M, BUF + 0x100, "defgh", 5);
	fm_fill(&M, BUF + 0x200, 0xee, 2);
	fm_fill(&M, BUF + 0x300, 0xee, 8);
	vqd_chain(&D, b, 4, 1);
	CHECK(vq_pop(&Q, &C) == 1 && !C.bad);
	memset(out, 0, sizeof(out));
	CHECK(vq_chain_read(&C, 0, out, sizeof(out)) == 8);
	CHECK(!memcmp(out, "abcdefgh", 8));
	CHECK(vq_chain_read(&C, 2, out, 4) == 4);
	CHECK(!memcmp(out, "cdef", 4));
	CHECK(vq_chain_read(&C, 8, out, 4) == 0);
	memcpy(in, "123456789", 9);
	CHECK(vq_chain_write(&C, 1, in, 9) == 8);
	CHECK(fm_byte(&M, BUF + 0x200) == 0xee);
	CHECK(fm_byte(&M, BUF + 0x201) == '1');
	CHECK(!memcmp(M.ram + BUF + 0x300, "2345678", 7));
	CHECK(fm_byte(&M, BUF + 0x307) == 0xee); /* not past the buffer */
}

/* --- event suppression (2.8.10) --------------------------------------- */

/* The device completes `n` single-descriptor buffers. */
static void complete(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct vqd_buf b = { BUF, 8, VQ_DESC_F_WRITE };

		vqd_chain(&D, &b, 1, (uint16_t)i);
		if (serve(8) != 1)
			printf("#   serve failed\n");
		vqd_get_used(&D, NULL, NULL);
	}
}

static void interrupts_follow_disable_and_enable(void)
{
	setup(8, false, false);
	CHECK(!vq_need_interrupt(&Q)); /* nothing used yet */
	vqd_set_event(&D, 0, VQ_EVENT_DISABLE);
	complete(1);
	CHECK(!vq_need_interrupt(&Q));
	complete(2);
	CHECK(!vq_need_interrupt(&Q));
	vqd_set_event(&D, 0, VQ_EVENT_ENABLE);
	CHECK(vq_need_interrupt(&Q)); /* used buffers not yet signalled */
	CHECK(!vq_need_interrupt(&Q)); /* once */
	complete(1);
	CHECK(vq_need_interrupt(&Q));
	/* The reserved flags value 3 is not DISABLE: the device errs
	 * towards waking the driver. */
	vqd_set_event(&D, 0, 3);
	complete(1);
	CHECK(vq_need_interrupt(&Q));
}

static void desc_mode_without_event_idx_acts_as_enable(void)
{
	setup(8, false, false);
	vqd_set_event(&D, 5 | 1 << 15, VQ_EVENT_DESC);
	complete(1);
	CHECK(vq_need_interrupt(&Q));
	complete(1);
	CHECK(vq_need_interrupt(&Q));
}

static void event_idx_interrupts_when_the_used_index_passes_off_wrap(void)
{
	setup(8, false, true);
	/* One interrupt under ENABLE starts the tracking. */
	complete(1);
	CHECK(vq_need_interrupt(&Q));
	/* Wake me when descriptor 3 (this lap) is used. */
	vqd_set_event(&D, 3 | 1 << 15, VQ_EVENT_DESC);
	complete(1); /* slot 1 */
	CHECK(!vq_need_interrupt(&Q));
	complete(1); /* slot 2 */
	CHECK(!vq_need_interrupt(&Q));
	complete(1); /* slot 3 */
	CHECK(vq_need_interrupt(&Q));
	complete(1); /* slot 4: the event is behind */
	CHECK(!vq_need_interrupt(&Q));

	/* A multi-descriptor buffer that steps over the event slot. */
	vqd_set_event(&D, 6 | 1 << 15, VQ_EVENT_DESC);
	{
		struct vqd_buf b[3] = {
			{ BUF, 16, 0 },
			{ BUF + 0x100, 8, VQ_DESC_F_WRITE },
			{ BUF + 0x200, 1, VQ_DESC_F_WRITE },
		};

		vqd_chain(&D, b, 3, 99); /* slots 5, 6, 7 */
		CHECK(serve(9) == 1);
		CHECK(vqd_get_used(&D, NULL, NULL));
	}
	CHECK(Q.next_used == 0 && !Q.used_wrap);
	CHECK(vq_need_interrupt(&Q));
}

static void event_idx_counts_the_wrap_bit(void)
{
	setup(8, false, true);
	complete(6); /* used slots 0..5 of lap 1 */
	CHECK(vq_need_interrupt(&Q));
	/* Slot 1 of lap 2 (wrap 0). */
	vqd_set_event(&D, 1 | 0 << 15, VQ_EVENT_DESC);
	complete(1); /* slot 6 */
	CHECK(!vq_need_interrupt(&Q));
	complete(1); /* slot 7 */
	CHECK(!vq_need_interrupt(&Q));
	complete(1); /* slot 0, lap 2 */
	CHECK(!vq_need_interrupt(&Q));
	complete(1); /* slot 1, lap 2 */
	CHECK(vq_need_interrupt(&Q));

	/* Slot 4 with the wrong wrap bit (lap 1, long passed): no
	 * interrupt for slots 2 and 3... */
	vqd_set_event(&D, 4 | 1 << 15, VQ_EVENT_DESC);
	complete(2);
	CHECK(!vq_need_interrupt(&Q));
	/* ...while the right one fires at slot 4 of lap 2. */
	vqd_set_event(&D, 4 | 0 << 15, VQ_EVENT_DESC);
	CHECK(!vq_need_interrupt(&Q));
	complete(1);
	CHECK(vq_need_interrupt(&Q));
}

static void event_idx_errs_towards_waking_the_driver(void)
{
	setup(8, false, true);
	complete(1);
	CHECK(vq_need_interrupt(&Q));
	/* An index beyond the ring. */
	vqd_set_event(&D, 200 | 1 << 15, VQ_EVENT_DESC);
	complete(1);
	CHECK(vq_need_interrupt(&Q));
	/* An event a whole lap or more behind: the device fires rather
	 * than wait for a lap that never comes. */
	vqd_set_event(&D, 0 | 1 << 15, VQ_EVENT_DESC);
	complete(8);
	CHECK(vq_need_interrupt(&Q));
}

int main(void)
{
	/* Lines survive a sanitizer abort in the middle of a test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(enable_starts_at_wrap_one_with_notifications_enabled);
	RUN(enable_refuses_size_0_misaligned_rings_and_rings_outside_ram);
	RUN(ring_ending_at_the_last_byte_of_ram_is_accepted);
	RUN(queue_size_is_clamped_to_the_maximum);
	RUN(polled_queue_never_asks_for_notifications);
	RUN(reset_keeps_identity_and_forgets_everything_else);
	RUN(empty_ring_pops_nothing);
	RUN(chain_is_walked_whole_into_checked_segments);
	RUN(buffer_id_comes_from_the_last_descriptor);
	RUN(descriptor_not_available_for_the_wrap_counter_is_not_taken);
	RUN(ring_runs_several_laps_with_mixed_chain_lengths);
	RUN(chain_of_exactly_the_queue_size_is_accepted);
	RUN(chain_longer_than_the_queue_stalls_until_reset);
	RUN(chain_looping_back_over_its_own_head_stalls);
	RUN(buffer_straddling_the_end_of_ram_is_refused);
	RUN(buffer_address_that_wraps_is_refused);
	RUN(zero_length_buffer_is_refused);
	RUN(readable_buffer_after_a_writable_one_is_refused);
	RUN(bad_chain_is_consumed_whole_and_the_next_one_is_fine);
	RUN(more_buffers_than_a_chain_may_hold_is_refused);
	RUN(buffer_lengths_are_summed_in_64_bits);
	RUN(indirect_table_is_walked_as_the_chain);
	RUN(indirect_descriptor_without_the_feature_is_refused);
	RUN(indirect_table_inside_an_indirect_table_is_never_followed);
	RUN(malformed_indirect_descriptors_are_refused);
	RUN(push_publishes_id_and_len_with_used_flags_of_the_lap);
	RUN(push_ignores_impossible_descriptor_counts);
	RUN(chain_read_and_write_cross_segment_boundaries);
	RUN(interrupts_follow_disable_and_enable);
	RUN(desc_mode_without_event_idx_acts_as_enable);
	RUN(event_idx_interrupts_when_the_used_index_passes_off_wrap);
	RUN(event_idx_counts_the_wrap_bit);
	RUN(event_idx_errs_towards_waking_the_driver);
	fm_free(&M);
	return CHECK_DONE();
}
