/* virtio-blk (virtio/virtio_blk.c) through the virtio-pci transport: the
 * hardening rules of virtio/README.md, each with a named test.
 *
 * The device is driven as a guest driver drives it: BAR accesses for the
 * status machine and queue setup, requests in a packed ring in fake guest
 * RAM (vq_driver.h), over a RAM disk backend (drivers/ramdisk.c) or an
 * asynchronous fake one that holds requests until the test completes
 * them; the set-up and request helpers are in
 * tests/support/virtio_blk_fixture.c. */
#include "tests/support/check.h"
#include "tests/support/log_stub.h"
#include "tests/support/vdev_driver.h"
#include "tests/support/vq_driver.h"
#include "tests/support/virtio_blk_fixture.h"

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_blk_regs.h"

/* --- hardening rules --------------------------------------------------- */

/* Rule 1: a chain longer than the queue (every descriptor has NEXT)
 * stalls the queue with a log line, publishes nothing, and only a device
 * reset brings the queue back. */
static void rule1_chain_longer_than_the_queue_stalls_until_reset(void)
{
	uint8_t before[8 * 16];
	struct vqd *qs[1] = { &Q };
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };

	CHECK(ramdisk_setup(false, 8) == READY);
	put_header(0, T_IN, 0);
	for (uint16_t i = 0; i < 8; i++)
		vqd_put(&Q, i, i ? BUF + 0x200 * i : HDR, i ? 512 : 16, 1,
			(uint16_t)(VQ_DESC_F_NEXT | (i ? VQ_DESC_F_WRITE : 0)),
			true);
	memcpy(before, M.ram + DESC, sizeof(before));
	vdrv_notify(&B.dev, 0);
	CHECK(B.dev.vq[0].stalled);
	CHECK(B.dev.vq[0].st.stalls == 1);
	CHECK(logstub_has("stalled"));
	/* 2.1.2: the device says it needs a reset. */
	CHECK(vdrv_r(&B.dev, VIRTIO_PCI_COMMON_STATUS, 1)
	      == (READY | VIRTIO_S_NEEDS_RESET));
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before))); /* no USED */
	CHECK(MSI.total == 0);
	CHECK(B.st.reads == 0);
	/* A later notification finds it still stalled. */
	vdrv_notify(&B.dev, 0);
	CHECK(B.dev.vq[0].st.stalls == 1);
	CHECK(vq_pop(&B.dev.vq[0], &B.slot[0].ch) == -1);
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));

	/* Reset and set up again: the queue serves requests. */
	CHECK(vdrv_set_status(&B.dev, 0) == 0);
	CHECK(!B.dev.vq[0].stalled);
	vqd_init(&Q, &M, 8, DESC, DRV, DEV);
	Q.vector = 1;
	CHECK(vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1) == READY);
	for (unsigned i = 0; i < 5; i++)
		CHECK(io(T_IN, i, &b, 1, NULL) == S_OK);
}

/* Rule 2: a loop, which in the packed ring is a chain that wraps around
 * the ring back over its own head. */
static void rule2_chain_looping_over_its_own_head_stalls(void)
{
	uint8_t before[8 * 16];
	struct vqd *qs[1] = { &Q };
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };

	CHECK(ramdisk_setup(false, 8) == READY);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK);
	CHECK(Q.next_avail == 6); /* the loop's head */
	put_header(0, T_IN, 0);
	for (uint16_t k = 0; k < 8; k++) {
		uint16_t slot = (uint16_t)((6 + k) % 8);

		vqd_put(&Q, slot, k ? BUF : HDR, k ? 512 : 16, 2,
			(uint16_t)(VQ_DESC_F_NEXT | (k ? VQ_DESC_F_WRITE : 0)),
			slot >= 6);
	}
	memcpy(before, M.ram + DESC, sizeof(before));
	logstub_clear();
	vdrv_notify(&B.dev, 0);
	CHECK(B.dev.vq[0].st.stalls == 1);
	CHECK(logstub_has("stalled"));
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));
	vdrv_notify(&B.dev, 0);
	CHECK(B.dev.vq[0].st.stalls == 1);
	CHECK(B.st.reads == 2);

	CHECK(vdrv_set_status(&B.dev, 0) == 0);
	vqd_init(&Q, &M, 8, DESC, DRV, DEV);
	Q.vector = 1;
	CHECK(vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1) == READY);
	CHECK(io(T_IN, 3, &b, 1, NULL) == S_OK);
	CHECK(fm_all(&M, BUF, 3, 512));
}

/* Rule 3: a buffer straddling the end of RAM is IOERR (published under
 * the chain's id); one ending exactly at the last byte is served. */
static void rule3_buffer_straddling_the_end_of_ram_is_ioerr(void)
{
	/* 16 bytes at ram_end - 8, made a whole sector by a second buffer,
	 * so that only the RAM check can refuse it. */
	struct vqd_buf bad[] = {
		{ RAM_END - 8, 16, VQ_DESC_F_WRITE },
		{ BUF + 0x1000, 496, VQ_DESC_F_WRITE },
	};
	struct vqd_buf good = { RAM_END - 512, 512, VQ_DESC_F_WRITE };
	struct vqd_buf b[3];
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	fm_fill(&M, RAM_END - 8, UNTOUCHED, 8);
	fm_fill(&M, BUF + 0x1000, UNTOUCHED, 496);
	request(0, T_IN, 0, bad, 2, 600);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 600 && len == 1);
	CHECK(status_of(0) == S_IOERR);
	CHECK(fm_all(&M, RAM_END - 8, UNTOUCHED, 8)); /* not half-read */
	CHECK(fm_all(&M, BUF + 0x1000, UNTOUCHED, 496));
	CHECK(B.st.bad_chains == 1 && B.st.reads == 0);
	CHECK(logstub_has("outside guest RAM"));
	/* The same alone (not a whole sector either). */
	request(0, T_IN, 0, bad, 1, 603);
	CHECK(kick_and_get(&id, &len) && id == 603 && len == 1);
	CHECK(status_of(0) == S_IOERR);
	/* As OUT: the disk is not written. */
	bad[0].flags = bad[1].flags = 0;
	request(0, T_OUT, 5, bad, 2, 601);
	CHECK(kick_and_get(&id, &len) && id == 601);
	CHECK(status_of(0) == S_IOERR);
	CHECK(DISK[5 * 512] == 5 && DISK[5 * 512 + 511] == 5);
	CHECK(B.st.writes == 0);

	/* Ending exactly at the last byte of RAM: accepted. */
	CHECK(io(T_IN, 9, &good, 1, &len) == S_OK);
	CHECK(len == 513);
	CHECK(fm_all(&M, RAM_END - 512, 9, 512));

	/* The status buffer itself straddling: nothing can be written, the
	 * buffer is returned with length 0. */
	put_header(0, T_IN, 0);
	b[0] = (struct vqd_buf){ HDR, 16, 0 };
	b[1] = (struct vqd_buf){ BUF, 512, VQ_DESC_F_WRITE };
	b[2] = (struct vqd_buf){ RAM_END - 8, 16, VQ_DESC_F_WRITE };
	fm_fill(&M, RAM_END - 8, UNTOUCHED, 8);
	fm_fill(&M, BUF, UNTOUCHED, 512);
	vqd_chain(&Q, b, 3, 602);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 602 && len == 0);
	CHECK(fm_all(&M, RAM_END - 8, UNTOUCHED, 8));
	CHECK(fm_all(&M, BUF, UNTOUCHED, 512));
}

/* Rule 4: addr + len wrapping past 2^64. */
static void rule4_buffer_address_wrap_is_ioerr(void)
{
	struct vqd_buf bad = { 0xfffffffffffffff0ull, 0x20, VQ_DESC_F_WRITE };
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	request(0, T_IN, 0, &bad, 1, 700);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 700 && len == 1);
	CHECK(status_of(0) == S_IOERR);
	/* And as the source of a write. */
	bad = (struct vqd_buf){ 0xfffffffffffffe00ull, 0x400, 0 };
	request(0, T_OUT, 0, &bad, 1, 701);
	CHECK(kick_and_get(&id, &len) && id == 701);
	CHECK(status_of(0) == S_IOERR);
	CHECK(DISK[0] == 0 && DISK[511] == 0);
	CHECK(B.st.bad_chains == 2);
}

/* Rule 5: a read-only status descriptor: the buffer comes back used with
 * length 0, and nothing is written into any read-only buffer. */
static void rule5_read_only_status_buffer_is_never_written(void)
{
	struct vqd_buf b[3];
	uint16_t id = 0;
	uint32_t len = 0xffff;

	CHECK(ramdisk_setup(false, 16) == READY);
	put_header(0, T_IN, 4);
	fm_fill(&M, BUF, UNTOUCHED, 512);
	fm_fill(&M, STATUS, UNTOUCHED, 1);
	b[0] = (struct vqd_buf){ HDR, 16, 0 };
	b[1] = (struct vqd_buf){ BUF, 512, VQ_DESC_F_WRITE };
	b[2] = (struct vqd_buf){ STATUS, 1, 0 }; /* not WRITE */
	vqd_chain(&Q, b, 3, 800);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 800 && len == 0);
	CHECK(status_of(0) == UNTOUCHED);
	CHECK(fm_all(&M, BUF, UNTOUCHED, 512)); /* the disk was not read */
	CHECK(B.st.no_status == 1 && B.st.reads == 0);
	CHECK(logstub_has("no writable status byte"));

	/* Everything read-only, GET_ID: nothing written anywhere. */
	put_header(0, T_GET_ID, 0);
	b[1].flags = 0;
	vqd_chain(&Q, b, 3, 801);
	CHECK(kick_and_get(&id, &len) && id == 801 && len == 0);
	CHECK(status_of(0) == UNTOUCHED);
	CHECK(fm_all(&M, BUF, UNTOUCHED, 512));
	CHECK(B.st.get_ids == 0);
}

/* Rule 6: a zero-length data buffer. */
static void rule6_zero_length_data_buffer_is_ioerr(void)
{
	struct vqd_buf d[] = {
		{ BUF, 0, VQ_DESC_F_WRITE },
		{ BUF + 0x1000, 512, VQ_DESC_F_WRITE },
	};
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	fm_fill(&M, BUF + 0x1000, UNTOUCHED, 512);
	request(0, T_IN, 0, d, 2, 900);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 900 && len == 1);
	CHECK(status_of(0) == S_IOERR);
	CHECK(fm_all(&M, BUF + 0x1000, UNTOUCHED, 512));
	CHECK(logstub_has("zero-length"));
	/* Zero-length only, as OUT. */
	d[0].flags = 0;
	request(0, T_OUT, 0, d, 1, 901);
	CHECK(kick_and_get(&id, &len) && id == 901);
	CHECK(status_of(0) == S_IOERR);
}

/* Rule 7: a read-only disk offers RO and refuses writes. */
static void rule7_write_to_a_read_only_disk_is_ioerr(void)
{
	struct vqd_buf w = { BUF, 1024, 0 };
	struct vqd_buf r = { BUF + 0x1000, 512, VQ_DESC_F_WRITE };
	struct vqd_buf seg = { BUF + 0x2000, 16, 0 };
	uint8_t before[4096];
	uint64_t f;
	uint8_t s[16] = { 0 };
	uint32_t num = 1;

	CHECK(ramdisk_setup(true, 16) == READY);
	f = vdrv_features(&B.dev);
	CHECK(f >> F_RO & 1);
	CHECK(!(f >> F_DISCARD & 1) && !(f >> F_WRITE_ZEROES & 1));
	memcpy(before, DISK, sizeof(before));
	pattern(BUF, 1024, 4);
	CHECK(io(T_OUT, 2, &w, 1, NULL) == S_IOERR);
	CHECK(!memcmp(before, DISK, sizeof(before)));
	CHECK(logstub_has("read-only"));
	/* Discard and write-zeroes were not offered: UNSUPP, unchanged. */
	memcpy(s + 8, &num, 4);
	fm_put(&M, BUF + 0x2000, s, 16);
	CHECK(io(T_WRITE_ZEROES, 0, &seg, 1, NULL) == S_UNSUPP);
	CHECK(io(T_DISCARD, 0, &seg, 1, NULL) == S_UNSUPP);
	CHECK(!memcmp(before, DISK, sizeof(before)));
	/* Reading still works. */
	CHECK(io(T_IN, 2, &r, 1, NULL) == S_OK);
	CHECK(fm_all(&M, BUF + 0x1000, 2, 512));
	CHECK(io(T_FLUSH, 0, NULL, 0, NULL) == S_OK);
}

/* Rule 8: a queue size above the maximum reads back clamped. */
static void rule8_queue_size_above_the_maximum_is_clamped(void)
{
	struct virtq *vq;

	CHECK(ramdisk_setup(false, 16) == READY);
	vq = &B.dev.vq[0];
	CHECK(vdrv_negotiate(&B.dev, vdrv_features(&B.dev))
	      & VIRTIO_S_FEATURES_OK);
	vdrv_w(&B.dev, VC_Q_SELECT, 2, 0);
	/* The maximum is what queue_size reads after reset (4.1.4.3). */
	CHECK(vdrv_r(&B.dev, VC_Q_SIZE, 2) == VQ_MAX_SIZE);
	logstub_clear();
	vdrv_w(&B.dev, VC_Q_SIZE, 2, 1024);
	CHECK(vdrv_r(&B.dev, VC_Q_SIZE, 2) == VQ_MAX_SIZE);
	CHECK(vq->size == VQ_MAX_SIZE);
	CHECK(logstub_has("clamped"));
	vdrv_w(&B.dev, VC_Q_SIZE, 2, 0xffff);
	CHECK(vdrv_r(&B.dev, VC_Q_SIZE, 2) == VQ_MAX_SIZE);
	vdrv_w(&B.dev, VC_Q_SIZE, 2, VQ_MAX_SIZE + 1);
	CHECK(vdrv_r(&B.dev, VC_Q_SIZE, 2) == VQ_MAX_SIZE);
	vdrv_w(&B.dev, VC_Q_SIZE, 2, 12);
	CHECK(vdrv_r(&B.dev, VC_Q_SIZE, 2) == 12);
	/* A clamped queue works at its clamped size. */
	vqd_init(&Q, &M, VQ_MAX_SIZE, DESC, DRV, DEV);
	vdrv_w(&B.dev, VC_Q_SIZE, 2, 4096);
	vdrv_w(&B.dev, VC_Q_DESC, 8, DESC);
	vdrv_w(&B.dev, VC_Q_DRIVER, 8, DRV);
	vdrv_w(&B.dev, VC_Q_DEVICE, 8, DEV);
	vdrv_w(&B.dev, VC_Q_ENABLE, 2, 1);
	CHECK(vdrv_r(&B.dev, VC_Q_ENABLE, 2) == 1);
	CHECK(vdrv_driver_ok(&B.dev) == READY);
	/* Fixed while enabled (4.1.4.3.2). */
	vdrv_w(&B.dev, VC_Q_SIZE, 2, 4);
	CHECK(vdrv_r(&B.dev, VC_Q_SIZE, 2) == VQ_MAX_SIZE);
	for (unsigned i = 0; i < 3; i++) {
		struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };

		CHECK(io(T_IN, i, &b, 1, NULL) == S_OK);
	}
}

/* Rule 9: notifications on queues that cannot run are counted and
 * ignored. */
static void rule9_notify_on_an_unconfigured_queue_is_ignored(void)
{
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };
	uint8_t before[16 * 16];

	CHECK(ramdisk_setup(false, 16) == READY);
	/* Bring the device up again without enabling queue 0. */
	CHECK(vdrv_negotiate(&B.dev, vdrv_features(&B.dev))
	      & VIRTIO_S_FEATURES_OK);
	CHECK(vdrv_driver_ok(&B.dev) == READY);
	CHECK(!B.dev.vq[0].enabled);
	vqd_init(&Q, &M, 16, DESC, DRV, DEV);
	request(0, T_IN, 0, &b, 1, 1);
	memcpy(before, M.ram + DESC, sizeof(before));
	B.dev.notifies_ignored = 0;
	vdrv_notify(&B.dev, 0);
	CHECK(B.dev.notifies_ignored == 1);
	CHECK(B.dev.vq[0].st.notifies == 0 && B.dev.vq[0].st.requests == 0);
	CHECK(status_of(0) == UNTOUCHED);
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));

	/* Queue indexes beyond num_queues (1): the next notify slot, the
	 * last one the transport could have, and far beyond. */
	vdrv_notify(&B.dev, 1);
	CHECK(B.dev.notifies_ignored == 2);
	vdrv_notify(&B.dev, VDEV_MAX_QUEUES - 1);
	CHECK(B.dev.notifies_ignored == 3);
	vdrv_notify(&B.dev, 0x3ff);
	CHECK(B.dev.notifies_ignored == 4);
	CHECK(B.dev.vq[0].st.requests == 0);
	CHECK(!memcmp(before, M.ram + DESC, sizeof(before)));
	CHECK(MSI.total == 0);

	/* An enabled queue before DRIVER_OK: ignored too. */
	CHECK(vdrv_negotiate(&B.dev, vdrv_features(&B.dev))
	      & VIRTIO_S_FEATURES_OK);
	CHECK(vdrv_setup_queue(&B.dev, 0, &Q) == 1);
	vdrv_notify(&B.dev, 0);
	CHECK(B.dev.notifies_ignored == 5);
	CHECK(status_of(0) == UNTOUCHED);
	/* DRIVER_OK takes what is in the ring. */
	CHECK(vdrv_driver_ok(&B.dev) == READY);
	CHECK(vqd_get_used(&Q, NULL, NULL));
	CHECK(status_of(0) == S_OK);
}

/* Rule 10: a reset while the backend holds a request completes only
 * once the backend is done, and that completion touches nothing. */
static void rule10_reset_mid_request_waits_and_writes_nothing(void)
{
	struct vqd_buf d = { BUF, 512, VQ_DESC_F_WRITE };
	struct vqd_buf d2 = { BUF + 0x1000, 512, 0 };
	uint8_t ring[16 * 16];
	struct vqd *qs[1] = { &Q };
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(async_setup(16) == READY);
	request(0, T_IN, 40, &d, 1, 1);
	request(1, T_OUT, 41, &d2, 1, 2);
	vdrv_notify(&B.dev, 0);
	CHECK(AB.nheld == 2 && B.in_flight == 2);

	/* The driver resets the device: status keeps reading non-zero. */
	vdrv_w(&B.dev, VC_STATUS, 1, 0);
	CHECK(vdrv_status(&B.dev) != 0);
	CHECK(B.dev.resetting);
	/* Writes while resetting change nothing. */
	vdrv_w(&B.dev, VC_STATUS, 1, VIRTIO_S_ACKNOWLEDGE);
	CHECK(vdrv_status(&B.dev) == READY);
	memcpy(ring, M.ram + DESC, sizeof(ring));

	ab_complete(0, BLK_OK);
	CHECK(vdrv_status(&B.dev) != 0); /* one still held */
	ab_complete(0, BLK_OK);
	/* Neither completion wrote a status byte or a used descriptor. */
	CHECK(status_of(0) == UNTOUCHED && status_of(1) == UNTOUCHED);
	CHECK(!memcmp(ring, M.ram + DESC, sizeof(ring)));
	CHECK(MSI.total == 0);
	/* Now the reset is complete. */
	CHECK(vdrv_status(&B.dev) == 0);
	CHECK(!B.dev.resetting && B.in_flight == 0);

	/* The device comes up again and serves a request. */
	vqd_init(&Q, &M, 16, DESC, DRV, DEV);
	Q.vector = 1;
	CHECK(vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1) == READY);
	request(2, T_IN, 42, &d, 1, 3);
	vdrv_notify(&B.dev, 0);
	CHECK(AB.nheld == 1);
	ab_complete(0, BLK_OK);
	CHECK(vqd_get_used(&Q, &id, &len));
	CHECK(id == 3 && len == 513);
	CHECK(status_of(2) == S_OK);
	CHECK(fm_all(&M, BUF, 42, 512));
}

/* Rule 11: an indirect table inside an indirect table is IOERR and the
 * nested table is never read as descriptors. */
static void rule11_nested_indirect_table_is_ioerr(void)
{
	struct vqd_buf inner[] = {
		{ BUF + 0x4000, 512, VQ_DESC_F_WRITE },
	};
	struct vqd_buf t[] = {
		{ HDR, 16, 0 },
		{ 0xffffffff00000000ull, 32, VQ_DESC_F_INDIRECT },
		{ STATUS, 1, VQ_DESC_F_WRITE },
	};
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	put_header(0, T_IN, 3);
	fm_fill(&M, STATUS, UNTOUCHED, 1);
	/* The nested table points outside RAM. */
	vqd_indirect(&Q, TABLE, t, 3, 77);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 77 && len == 1);
	CHECK(status_of(0) == S_IOERR);
	CHECK(logstub_has("indirect table inside an indirect table"));

	/* The nested table is in RAM and names a buffer: never written. */
	vqd_table(&M, TABLE + 0x800, inner, 1);
	fm_fill(&M, BUF + 0x4000, UNTOUCHED, 512);
	fm_fill(&M, STATUS, UNTOUCHED, 1);
	t[1] = (struct vqd_buf){ TABLE + 0x800, 16, VQ_DESC_F_INDIRECT };
	vqd_indirect(&Q, TABLE, t, 3, 78);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 78 && len == 1);
	CHECK(status_of(0) == S_IOERR);
	CHECK(fm_all(&M, BUF + 0x4000, UNTOUCHED, 512));
	CHECK(B.st.reads == 0);
}

/* --- limits and the work of one exit -------------------------------- */

/* size_max and seg_max are enforced, not only advertised: a request that
 * breaks either is IOERR and its buffers are never touched.  Segments
 * may alias one buffer, so without the limits a request can be far
 * larger than guest RAM (and its used length wrap at 4 GiB). */
static void segment_over_size_max_is_ioerr(void)
{
	struct vqd_buf d[2] = {
		{ BUF, VBLK_SIZE_MAX + 512, VQ_DESC_F_WRITE },
		{ BUF, VBLK_SIZE_MAX + 512, VQ_DESC_F_WRITE }, /* aliased */
	};
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	fm_fill(&M, BUF, UNTOUCHED, VBLK_SIZE_MAX + 512);
	CHECK(io(T_IN, 0, d, 2, &len) == S_IOERR);
	CHECK(len == 1);
	CHECK(fm_all(&M, BUF, UNTOUCHED, VBLK_SIZE_MAX + 512));
	CHECK(B.st.over_limits == 1 && B.st.reads == 0);
	CHECK(logstub_has("size_max"));
	/* Exactly size_max is served. */
	d[0].len = VBLK_SIZE_MAX;
	CHECK(io(T_IN, 0, d, 1, &len) == S_OK);
	CHECK(len == VBLK_SIZE_MAX + 1);
}

static void more_segments_than_seg_max_is_ioerr(void)
{
	static struct vqd_buf b[VQ_MAX_SEGS];
	uint16_t id = 0;
	uint32_t len = 0;
	unsigned n = 0;

	CHECK(ramdisk_setup(false, 256) == READY);
	/* A write whose first descriptor carries the header and a sector:
	 * with seg_max more, seg_max + 1 data segments in all, within the
	 * chain's own cap. */
	put_header(0, T_OUT, 0);
	fm_fill(&M, HDR + 16, 0x11, 512);
	b[n++] = (struct vqd_buf){ HDR, 16 + 512, 0 };
	for (unsigned i = 0; i < VBLK_SEG_MAX; i++)
		b[n++] = (struct vqd_buf){ BUF, 512, 0 };
	b[n++] = (struct vqd_buf){ STATUS, 1, VQ_DESC_F_WRITE };
	CHECK(n <= VQ_MAX_SEGS);
	fm_fill(&M, STATUS, UNTOUCHED, 1);
	vqd_indirect(&Q, TABLE, b, n, 9);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 9 && status_of(0) == S_IOERR);
	CHECK(B.st.over_limits == 1 && B.st.writes == 0);
	CHECK(DISK[0] == 0); /* sector 0 as the RAM disk was filled */
	/* One data segment fewer is served. */
	fm_fill(&M, STATUS, UNTOUCHED, 1);
	b[n - 2] = b[n - 1];
	vqd_indirect(&Q, TABLE, b, n - 1, 10);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 10 && status_of(0) == S_OK);
	CHECK(DISK[0] == 0x11);
}

/* Posts `n` reads of `segs` aliased 64 KiB segments each (headers and
 * status bytes of their own), all from sector 0. */
static void post_reads(unsigned n, unsigned segs)
{
	struct vqd_buf d[VBLK_SEG_MAX];

	for (unsigned i = 0; i < segs; i++)
		d[i] = (struct vqd_buf){ BUF, VBLK_SIZE_MAX, VQ_DESC_F_WRITE };
	for (unsigned k = 0; k < n; k++) {
		if (segs > 2) {
			struct vqd_buf t[VBLK_SEG_MAX + 2];

			put_header(k, T_IN, 0);
			fm_fill(&M, STATUS + 0x10ull * k, UNTOUCHED, 1);
			t[0] = (struct vqd_buf){ HDR + 0x20ull * k, 16, 0 };
			memcpy(t + 1, d, segs * sizeof(d[0]));
			t[segs + 1] = (struct vqd_buf){ STATUS + 0x10ull * k,
							1, VQ_DESC_F_WRITE };
			vqd_indirect(&Q, TABLE + 0x140ull * k, t, segs + 2,
				     (uint16_t)k);
		} else {
			request(k, T_IN, 0, d, segs, (uint16_t)k);
		}
	}
}

static unsigned used_count(void)
{
	uint16_t id;
	uint32_t len;
	unsigned n = 0;

	while (vqd_get_used(&Q, &id, &len))
		n++;
	return n;
}

/* One notify serves at most a batch of requests; the rest are served from
 * the run loop's poll, with an interrupt for each batch. */
static void one_notify_serves_a_bounded_number_of_requests(void)
{
	CHECK(ramdisk_setup(false, 256) == READY);
	post_reads(VBLK_BATCH_REQUESTS + 8, 1);
	vdrv_notify(&B.dev, 0);
	CHECK(used_count() == VBLK_BATCH_REQUESTS);
	CHECK(B.st.deferred == 1 && vblk_busy(&B));
	CHECK(MSI.total == 1);
	vblk_poll(&B);
	CHECK(used_count() == 8);
	CHECK(!vblk_busy(&B));
	CHECK(MSI.total == 2);
	vblk_poll(&B); /* nothing more */
	CHECK(used_count() == 0 && MSI.total == 2);
}

static void one_notify_moves_a_bounded_number_of_bytes(void)
{
	/* 1 MiB each (the whole disk, through 16 aliased segments): the
	 * batch stops at the first request that reaches the byte bound. */
	unsigned per = VBLK_BATCH_BYTES / (1u << 20);

	CHECK(ramdisk_setup(false, 256) == READY);
	post_reads(per + 3, 16);
	vdrv_notify(&B.dev, 0);
	CHECK(used_count() == per);
	CHECK(B.st.read_bytes == (uint64_t)VBLK_BATCH_BYTES);
	CHECK(vblk_busy(&B));
	vblk_poll(&B);
	CHECK(used_count() == 3);
	CHECK(!vblk_busy(&B));
}

/* A reset between batches drops the backlog: nothing is served from the
 * old ring afterwards. */
static void reset_with_a_backlog_serves_nothing_more(void)
{
	CHECK(ramdisk_setup(false, 256) == READY);
	post_reads(VBLK_BATCH_REQUESTS + 4, 1);
	vdrv_notify(&B.dev, 0);
	CHECK(used_count() == VBLK_BATCH_REQUESTS);
	CHECK(vdrv_set_status(&B.dev, 0) == 0);
	vblk_poll(&B);
	CHECK(!vblk_busy(&B));
	CHECK(B.st.reads == VBLK_BATCH_REQUESTS);
}

/* The RAM disk clears inside the exit: it offers no more per DISCARD or
 * WRITE_ZEROES than one read may move, and enforces it. */
static void discard_beyond_what_the_backend_offers_is_ioerr(void)
{
	uint8_t seg[16] = { 0 };
	struct vqd_buf d = { BUF, 16, 0 };
	uint32_t num = RAMDISK_MAX_CLEAR_BYTES / 512 + 1;

	CHECK(ramdisk_setup(false, 16) == READY);
	CHECK(vdrv_r(&B.dev, VDEV_DEVCFG_OFF + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS,
		     4)
	      == RAMDISK_MAX_CLEAR_BYTES / 512);
	memcpy(seg + 8, &num, 4);
	fm_put(&M, BUF, seg, 16);
	CHECK(io(T_DISCARD, 0, &d, 1, NULL) == S_IOERR);
	CHECK(B.st.discards == 0);
}

int main(void)
{
	/* Lines survive a sanitizer abort in the middle of a test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(rule1_chain_longer_than_the_queue_stalls_until_reset);
	RUN(rule2_chain_looping_over_its_own_head_stalls);
	RUN(rule3_buffer_straddling_the_end_of_ram_is_ioerr);
	RUN(rule4_buffer_address_wrap_is_ioerr);
	RUN(rule5_read_only_status_buffer_is_never_written);
	RUN(rule6_zero_length_data_buffer_is_ioerr);
	RUN(rule7_write_to_a_read_only_disk_is_ioerr);
	RUN(rule8_queue_size_above_the_maximum_is_clamped);
	RUN(rule9_notify_on_an_unconfigured_queue_is_ignored);
	RUN(rule10_reset_mid_request_waits_and_writes_nothing);
	RUN(rule11_nested_indirect_table_is_ioerr);
	RUN(segment_over_size_max_is_ioerr);
	RUN(more_segments_than_seg_max_is_ioerr);
	RUN(one_notify_serves_a_bounded_number_of_requests);
	RUN(one_notify_moves_a_bounded_number_of_bytes);
	RUN(reset_with_a_backlog_serves_nothing_more);
	RUN(discard_beyond_what_the_backend_offers_is_ioerr);
	teardown();
	return CHECK_DONE();
}
