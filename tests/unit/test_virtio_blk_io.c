/* virtio-blk (virtio/virtio_blk.c) through the virtio-pci transport:
 * the features it offers and requests served: each request type, odd
 * segments, indirect tables, the asynchronous backend's completions, and
 * the interrupts that follow the driver's event suppression.
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

/* --- features and configuration --------------------------------------- */

static void device_offers_block_and_transport_features(void)
{
	uint64_t f;

	CHECK(ramdisk_setup(false, 16) == READY);
	f = vdrv_features(&B.dev);
	CHECK(f >> VIRTIO_F_VERSION_1 & 1);
	CHECK(f >> VIRTIO_F_RING_PACKED & 1);
	CHECK(f >> VIRTIO_F_EVENT_IDX & 1);
	CHECK(f >> VIRTIO_F_INDIRECT_DESC & 1);
	CHECK(f >> F_FLUSH & 1);
	CHECK(f >> F_BLK_SIZE & 1);
	CHECK(f >> F_SEG_MAX & 1);
	CHECK(f >> F_SIZE_MAX & 1);
	CHECK(f >> F_DISCARD & 1);
	CHECK(f >> F_WRITE_ZEROES & 1);
	CHECK(!(f >> F_RO & 1));
	/* Device ids (4.1.2) and the configuration (5.2.4). */
	CHECK(F->cfg[0] == 0xf4 && F->cfg[1] == 0x1a);
	CHECK(F->cfg[2] == 0x42 && F->cfg[3] == 0x10);
	CHECK(vdrv_r(&B.dev, VC_NUM_QUEUES, 2) == 1);
	CHECK(vdrv_r(&B.dev, VDEV_DEVCFG_OFF + 0, 8) == DISK_SECTORS);
	CHECK(vdrv_r(&B.dev, VDEV_DEVCFG_OFF + 0x14, 4) == 512);
	CHECK(vdrv_r(&B.dev, VDEV_DEVCFG_OFF + 0x0c, 4) == VBLK_SEG_MAX);
}

static void driver_without_version_1_or_with_unoffered_features_is_refused(void)
{
	uint64_t all;

	ramdisk_setup(false, 16);
	all = vdrv_features(&B.dev);
	CHECK(!(vdrv_negotiate(&B.dev, all & ~(1ull << VIRTIO_F_VERSION_1))
		& VIRTIO_S_FEATURES_OK));
	CHECK(logstub_has("VERSION_1"));
	CHECK(!(vdrv_negotiate(&B.dev, all | 1ull << 60)
		& VIRTIO_S_FEATURES_OK));
	CHECK(logstub_has("not offered"));
	/* Queues cannot be enabled and DRIVER_OK does not stick. */
	CHECK(vdrv_setup_queue(&B.dev, 0, &Q) == 0);
	CHECK(!(vdrv_driver_ok(&B.dev) & VIRTIO_S_DRIVER_OK));
	CHECK(vdrv_negotiate(&B.dev, all) & VIRTIO_S_FEATURES_OK);
}

/* --- good paths -------------------------------------------------------- */

static void write_and_read_back_with_many_odd_segments(void)
{
	struct vqd_buf w[] = {
		{ BUF, 512, 0 },
		{ BUF + 0x1000, 1024, 0 },
		{ BUF + 0x2000, 2560, 0 },
	};
	/* Segments that are not whole sectors: 100 + 924 + 3072. */
	struct vqd_buf r[] = {
		{ BUF + 0x10000, 100, VQ_DESC_F_WRITE },
		{ BUF + 0x11000, 924, VQ_DESC_F_WRITE },
		{ BUF + 0x12000, 3072, VQ_DESC_F_WRITE },
	};
	uint32_t len = 0;
	uint8_t expect[4096];

	CHECK(ramdisk_setup(false, 16) == READY);
	pattern(BUF, 512, 1);
	pattern(BUF + 0x1000, 1024, 2);
	pattern(BUF + 0x2000, 2560, 3);
	memcpy(expect, M.ram + BUF, 512);
	memcpy(expect + 512, M.ram + BUF + 0x1000, 1024);
	memcpy(expect + 1536, M.ram + BUF + 0x2000, 2560);
	CHECK(io(T_OUT, 10, w, 3, &len) == S_OK);
	CHECK(len == 1); /* OUT writes the status byte only */
	CHECK(!memcmp(DISK + 10 * 512, expect, 4096));
	CHECK(DISK[9 * 512 + 511] == 9 && DISK[18 * 512] == 18);

	CHECK(io(T_IN, 10, r, 3, &len) == S_OK);
	CHECK(len == 4096 + 1); /* data + status (5.2.6) */
	CHECK(!memcmp(M.ram + BUF + 0x10000, expect, 100));
	CHECK(!memcmp(M.ram + BUF + 0x11000, expect + 100, 924));
	CHECK(!memcmp(M.ram + BUF + 0x12000, expect + 1024, 3072));
	CHECK(B.st.reads == 1 && B.st.writes == 1);
	CHECK(B.st.read_bytes == 4096 && B.st.write_bytes == 4096);
	CHECK(B.dev.vq[0].st.requests == 2 && B.dev.vq[0].st.errors == 0);
}

/* A RAM disk polled as with an I/O core. */
static uint8_t polled_setup(void)
{
	uint8_t s;

	POLLED = true;
	s = ramdisk_setup(false, 16);
	POLLED = false;
	return s;
}

/* With an I/O core the device is polled: the driver is told not to
 * notify, and a look at the queue serves what it made available. */
static void polled_device_serves_requests_without_notifications(void)
{
	struct vqd_buf w = { BUF, 512, 0 };
	uint16_t flags = 0, id = 0;
	uint32_t len = 0;

	CHECK(polled_setup() == READY);
	vqd_dev_event(&Q, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);
	pattern(BUF, 512, 5);
	request(0, T_OUT, 3, &w, 1, 77);
	vdev_poll(&B.dev);
	CHECK(vqd_get_used(&Q, &id, &len) && id == 77 && len == 1);
	CHECK(status_of(0) == S_OK);
	CHECK(!memcmp(DISK + 3 * 512, M.ram + BUF, 512));
	CHECK(B.dev.vq[0].st.notifies == 0);
	CHECK(MSI.per_vec[1] == 1);
	/* Nothing new: a look does nothing, and raises nothing. */
	vdev_poll(&B.dev);
	CHECK(!vqd_get_used(&Q, &id, &len));
	CHECK(MSI.per_vec[1] == 1);
	/* A device the driver reset is not looked into. */
	request(0, T_OUT, 4, &w, 1, 78);
	vdrv_w(&B.dev, VC_STATUS, 1, 0);
	vdev_poll(&B.dev);
	CHECK(B.dev.vq[0].st.requests == 1);
}

/* Before the I/O core sleeps it asks the driver to notify again, then
 * looks once more: a request made available while the driver was told
 * not to notify is found then, not lost until the next wake-up.  Awake,
 * it asks for no notifications, and a notification that comes anyway is
 * counted. */
static void a_nap_asks_for_notifications_and_misses_no_request(void)
{
	struct vqd_buf w = { BUF, 512, 0 };
	uint16_t flags = 0, id = 0;
	uint32_t len = 0;

	CHECK(polled_setup() == READY);
	/* Nothing waits: it may sleep, the driver notifies meanwhile. */
	CHECK(!vdev_poll_pause(&B.dev));
	vqd_dev_event(&Q, NULL, &flags);
	CHECK(flags == VQ_EVENT_ENABLE);
	request(0, T_OUT, 3, &w, 1, 70);
	CHECK(kick_and_get(&id, &len) && id == 70);
	CHECK(B.dev.vq[0].st.notifies == 1);
	CHECK(B.dev.vq[0].st.notifies_polled == 0);
	vdev_poll_resume(&B.dev);
	vqd_dev_event(&Q, NULL, &flags);
	CHECK(flags == VQ_EVENT_DISABLE);

	/* Made available while polled, no notification: the next nap is
	 * called off, and the look that follows serves it. */
	request(0, T_OUT, 4, &w, 1, 71);
	CHECK(vdev_poll_pause(&B.dev));
	vdev_poll_resume(&B.dev);
	CHECK(vdev_poll(&B.dev));
	CHECK(vqd_get_used(&Q, &id, &len) && id == 71);
	CHECK(!vdev_poll(&B.dev)); /* nothing more: no work */

	/* A driver that notifies anyway is served, and counted. */
	request(0, T_OUT, 5, &w, 1, 72);
	CHECK(kick_and_get(&id, &len) && id == 72);
	CHECK(B.dev.vq[0].st.notifies_polled == 1);

	/* A device the driver reset asks for nothing. */
	vdrv_w(&B.dev, VC_STATUS, 1, 0);
	CHECK(!vdev_poll_pause(&B.dev));
	vdev_poll_resume(&B.dev);
	CHECK(B.dev.vq[0].polled);
}

static void header_data_and_status_may_share_descriptors(void)
{
	struct vqd_buf b[2];
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	/* OUT: header and data in one readable buffer (2.6.4). */
	put_header(0, T_OUT, 3);
	pattern(HDR + 16, 512, 9);
	fm_fill(&M, BUF, UNTOUCHED, 1);
	b[0] = (struct vqd_buf){ HDR, 16 + 512, 0 };
	b[1] = (struct vqd_buf){ BUF, 1, VQ_DESC_F_WRITE };
	vqd_chain(&Q, b, 2, 5);
	CHECK(kick_and_get(&id, &len) && id == 5 && len == 1);
	CHECK(fm_byte(&M, BUF) == S_OK);
	CHECK(!memcmp(DISK + 3 * 512, M.ram + HDR + 16, 512));

	/* IN: data and status in one writable buffer. */
	put_header(1, T_IN, 3);
	fm_fill(&M, BUF + 0x1000, UNTOUCHED, 513);
	b[0] = (struct vqd_buf){ HDR + 0x20, 16, 0 };
	b[1] = (struct vqd_buf){ BUF + 0x1000, 513, VQ_DESC_F_WRITE };
	vqd_chain(&Q, b, 2, 6);
	CHECK(kick_and_get(&id, &len) && id == 6 && len == 513);
	CHECK(!memcmp(M.ram + BUF + 0x1000, DISK + 3 * 512, 512));
	CHECK(fm_byte(&M, BUF + 0x1000 + 512) == S_OK);
}

static void request_over_64k_round_trips(void)
{
	/* 64 KiB + 4 KiB + 64 KiB = 132 KiB, 264 sectors. */
	struct vqd_buf w[] = {
		{ BUF, 0x10000, 0 },
		{ BUF + 0x10000, 0x1000, 0 },
		{ BUF + 0x11000, 0x10000, 0 },
	};
	struct vqd_buf r[] = {
		{ BUF + 0x40000, 0x10000, VQ_DESC_F_WRITE },
		{ BUF + 0x50000, 0x10000, VQ_DESC_F_WRITE },
		{ BUF + 0x60000, 0x1000, VQ_DESC_F_WRITE },
	};
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	pattern(BUF, 0x21000, 5);
	CHECK(io(T_OUT, 100, w, 3, &len) == S_OK);
	CHECK(!memcmp(DISK + 100 * 512, M.ram + BUF, 0x21000));
	CHECK(io(T_IN, 100, r, 3, &len) == S_OK);
	CHECK(len == 0x21000 + 1);
	CHECK(!memcmp(M.ram + BUF + 0x40000, M.ram + BUF, 0x21000));
}

static void request_ending_at_the_last_byte_of_ram_is_served(void)
{
	struct vqd_buf b[3];
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	/* Data in the last 512 bytes but one, status in the last byte. */
	put_header(0, T_IN, 7);
	b[0] = (struct vqd_buf){ HDR, 16, 0 };
	b[1] = (struct vqd_buf){ RAM_END - 513, 512, VQ_DESC_F_WRITE };
	b[2] = (struct vqd_buf){ RAM_END - 1, 1, VQ_DESC_F_WRITE };
	vqd_chain(&Q, b, 3, 77);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 77 && len == 513);
	CHECK(fm_byte(&M, RAM_END - 1) == S_OK);
	CHECK(fm_all(&M, RAM_END - 513, 7, 512));
}

static void flush_completes_ok(void)
{
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	CHECK(io(T_FLUSH, 0, NULL, 0, &len) == S_OK);
	/* The sector field of a flush means nothing (5.2.6): a stray value
	 * beyond the disk does not fail it. */
	CHECK(io(T_FLUSH, ~0ull, NULL, 0, NULL) == S_OK);
	CHECK(len == 1);
	CHECK(B.st.flushes == 2);
}

static void get_id_writes_the_20_byte_serial(void)
{
	struct vqd_buf b = { BUF, 20, VQ_DESC_F_WRITE };
	uint8_t expect[20] = "plinth-ramdisk";
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	fm_fill(&M, BUF, UNTOUCHED, 64);
	CHECK(io(T_GET_ID, 0, &b, 1, &len) == S_OK);
	CHECK(len == 21);
	CHECK(!memcmp(M.ram + BUF, expect, 20)); /* NUL-padded */
	CHECK(fm_byte(&M, BUF + 20) == UNTOUCHED);

	/* A larger buffer still gets 20 bytes, no more. */
	b.len = 64;
	fm_fill(&M, BUF, UNTOUCHED, 64);
	CHECK(io(T_GET_ID, 0, &b, 1, &len) == S_OK);
	CHECK(len == 21);
	CHECK(!memcmp(M.ram + BUF, expect, 20));
	CHECK(fm_all(&M, BUF + 20, UNTOUCHED, 44));
	/* A smaller one gets what fits. */
	b.len = 6;
	fm_fill(&M, BUF, UNTOUCHED, 64);
	CHECK(io(T_GET_ID, 0, &b, 1, &len) == S_OK);
	CHECK(len == 7);
	CHECK(!memcmp(M.ram + BUF, "plinth", 6));
	CHECK(fm_byte(&M, BUF + 6) == UNTOUCHED);
	CHECK(B.st.get_ids == 3);
}

static void discard_and_write_zeroes_zero_the_range(void)
{
	struct vqd_buf seg = { BUF, 16, 0 };
	uint8_t s[16] = { 0 };
	uint64_t sector;
	uint32_t num, flags;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	/* DISCARD sectors 4, 5, 6. */
	sector = 4;
	num = 3;
	flags = 0;
	memcpy(s, &sector, 8);
	memcpy(s + 8, &num, 4);
	memcpy(s + 12, &flags, 4);
	fm_put(&M, BUF, s, 16);
	CHECK(io(T_DISCARD, 0, &seg, 1, &len) == S_OK);
	CHECK(len == 1);
	CHECK(DISK[4 * 512 - 1] == 3);
	for (unsigned i = 4 * 512; i < 7 * 512; i++)
		if (DISK[i]) {
			CHECK(DISK[i] == 0);
			break;
		}
	CHECK(DISK[7 * 512] == 7);

	/* WRITE_ZEROES sectors 100, 101 with the unmap flag. */
	sector = 100;
	num = 2;
	flags = 1;
	memcpy(s, &sector, 8);
	memcpy(s + 8, &num, 4);
	memcpy(s + 12, &flags, 4);
	fm_put(&M, BUF, s, 16);
	CHECK(io(T_WRITE_ZEROES, 0, &seg, 1, &len) == S_OK);
	CHECK(DISK[100 * 512 - 1] == 99);
	CHECK(DISK[100 * 512] == 0 && DISK[102 * 512 - 1] == 0);
	CHECK(DISK[102 * 512] == 102);
	CHECK(B.st.discards == 1 && B.st.write_zeroes == 1);

	/* DISCARD with the unmap flag is UNSUPP (5.2.6.2); a range past the
	 * end and an empty one are IOERR; the disk is unchanged. */
	DISK[9 * 512] = 9;
	sector = 9;
	memcpy(s, &sector, 8);
	fm_put(&M, BUF, s, 16);
	CHECK(io(T_DISCARD, 0, &seg, 1, &len) == S_UNSUPP);
	sector = DISK_SECTORS - 1;
	num = 2;
	flags = 0;
	memcpy(s, &sector, 8);
	memcpy(s + 8, &num, 4);
	memcpy(s + 12, &flags, 4);
	fm_put(&M, BUF, s, 16);
	CHECK(io(T_WRITE_ZEROES, 0, &seg, 1, &len) == S_IOERR);
	num = 0;
	memcpy(s + 8, &num, 4);
	fm_put(&M, BUF, s, 16);
	CHECK(io(T_DISCARD, 0, &seg, 1, &len) == S_IOERR);
	CHECK(DISK[9 * 512] == 9 && DISK[(DISK_SECTORS - 1) * 512] == 0xff);
}

static void sector_beyond_the_disk_is_ioerr(void)
{
	struct vqd_buf one = { BUF, 512, VQ_DESC_F_WRITE };
	struct vqd_buf two = { BUF, 1024, VQ_DESC_F_WRITE };

	CHECK(ramdisk_setup(false, 16) == READY);
	/* The last sector is fine; one past it, or two from it, is not. */
	CHECK(io(T_IN, DISK_SECTORS - 1, &one, 1, NULL) == S_OK);
	CHECK(io(T_IN, DISK_SECTORS, &one, 1, NULL) == S_IOERR);
	CHECK(io(T_IN, DISK_SECTORS - 1, &two, 1, NULL) == S_IOERR);
	/* sector + n wrapping 2^64. */
	CHECK(io(T_IN, 0xffffffffffffffffull, &one, 1, NULL) == S_IOERR);
	two.flags = 0;
	CHECK(io(T_OUT, 0xfffffffffffffffeull, &two, 1, NULL) == S_IOERR);
	CHECK(B.st.ioerr == 4);

	/* The check is virtio-blk's: a backend that trusts its requests
	 * never sees these. */
	CHECK(async_setup(16) == READY);
	two.flags = VQ_DESC_F_WRITE;
	request(0, T_IN, DISK_SECTORS - 1, &two, 1, 1);
	request(1, T_IN, 0xffffffffffffffffull, &one, 1, 2);
	two.flags = 0;
	request(2, T_OUT, DISK_SECTORS, &two, 1, 3);
	vdrv_notify(&B.dev, 0);
	CHECK(AB.submits == 0);
	CHECK(status_of(0) == S_IOERR && status_of(1) == S_IOERR);
	CHECK(status_of(2) == S_IOERR);
}

static void unknown_request_type_is_unsupp(void)
{
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	CHECK(io(99, 0, &b, 1, &len) == S_UNSUPP);
	CHECK(len == 1);
	CHECK(io(0xffffffffu, 0, NULL, 0, &len) == S_UNSUPP);
	CHECK(B.st.unsupp == 2);
}

static void data_not_in_whole_sectors_or_wrong_direction_is_ioerr(void)
{
	struct vqd_buf b = { BUF, 500, VQ_DESC_F_WRITE };

	CHECK(ramdisk_setup(false, 16) == READY);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_IOERR);
	/* IN with a readable data buffer: the device never writes it. */
	b = (struct vqd_buf){ BUF, 512, 0 };
	fm_fill(&M, BUF, UNTOUCHED, 512);
	CHECK(io(T_IN, 1, &b, 1, NULL) == S_IOERR);
	CHECK(fm_all(&M, BUF, UNTOUCHED, 512));
	/* OUT with a writable data buffer: the disk is not written. */
	b.flags = VQ_DESC_F_WRITE;
	CHECK(io(T_OUT, 1, &b, 1, NULL) == S_IOERR);
	CHECK(DISK[512] == 1 && DISK[1023] == 1);
}

static void indirect_request_is_served(void)
{
	struct vqd_buf t[] = {
		{ HDR, 16, 0 },
		{ BUF, 512, VQ_DESC_F_WRITE },
		{ BUF + 0x1000, 1024, VQ_DESC_F_WRITE },
		{ STATUS, 1, VQ_DESC_F_WRITE },
	};
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	put_header(0, T_IN, 20);
	vqd_indirect(&Q, TABLE, t, 4, 31);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 31 && len == 1537);
	CHECK(status_of(0) == S_OK);
	CHECK(fm_all(&M, BUF, 20, 512));
	CHECK(fm_all(&M, BUF + 0x1000, 21, 512));
	CHECK(fm_all(&M, BUF + 0x1200, 22, 512));
	CHECK(Q.next_used == 1); /* one ring descriptor */
}

static void buffer_id_comes_from_the_chains_last_descriptor(void)
{
	struct vqd_buf b[] = {
		{ HDR, 16, 0 },
		{ BUF, 512, VQ_DESC_F_WRITE },
		{ STATUS, 1, VQ_DESC_F_WRITE },
	};
	uint16_t id = 0;
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	put_header(0, T_IN, 0);
	vqd_chain_ids(&Q, b, 3, 7, 42);
	CHECK(kick_and_get(&id, &len));
	CHECK(id == 42);
	CHECK(len == 513);
}

static void used_length_is_data_plus_status_for_in(void)
{
	struct vqd_buf b[] = {
		{ BUF, 1536, VQ_DESC_F_WRITE },
		{ BUF + 0x1000, 512, VQ_DESC_F_WRITE },
	};
	uint32_t len = 0;

	CHECK(ramdisk_setup(false, 16) == READY);
	CHECK(io(T_IN, 0, b, 2, &len) == S_OK);
	CHECK(len == 2048 + 1);
	/* A failed IN reports the status byte only. */
	CHECK(io(T_IN, DISK_SECTORS, b, 2, &len) == S_IOERR);
	CHECK(len == 1);
}

static void requests_through_several_laps_of_a_small_ring(void)
{
	CHECK(ramdisk_setup(false, 5) == READY);
	for (unsigned i = 0; i < 23; i++) {
		struct vqd_buf b = { BUF + 0x200ull * i, 512, VQ_DESC_F_WRITE };
		uint32_t len = 0;

		CHECK(io(T_IN, i, &b, 1, &len) == S_OK);
		CHECK(len == 513);
		CHECK(fm_all(&M, BUF + 0x200ull * i, (int)i, 512));
	}
	CHECK(Q.unknown_ids == 0);
	CHECK(B.dev.vq[0].st.requests == 23);
}

/* --- the asynchronous backend ----------------------------------------- */

static void out_of_order_completions_are_used_in_completion_order(void)
{
	struct vqd_buf d[3];
	uint16_t id = 0;
	uint32_t len = 0;
	uint16_t flags;

	CHECK(async_setup(16) == READY);
	for (unsigned k = 0; k < 3; k++) {
		d[k] = (struct vqd_buf){ BUF + 0x1000ull * k, 512,
					 VQ_DESC_F_WRITE };
		request(k, T_IN, 30 + k, &d[k], 1, (uint16_t)(10 + k));
	}
	vdrv_notify(&B.dev, 0);
	CHECK(AB.nheld == 3);
	CHECK(B.in_flight == 3);
	CHECK(!vqd_get_used(&Q, NULL, NULL)); /* nothing done yet */
	CHECK(MSI.total == 0);

	ab_complete(2, BLK_OK); /* id 12 first */
	CHECK(MSI.per_vec[1] == 1);
	ab_complete(0, BLK_OK); /* id 10 */
	ab_complete(0, BLK_EIO); /* id 11, failed */
	CHECK(B.in_flight == 0);
	/* Used slots 0, 3, 6: each buffer took three descriptors. */
	vqd_read(&Q, 0, NULL, &len, &id, &flags);
	CHECK(id == 12 && len == 513 && vqd_is_used(flags, true));
	vqd_read(&Q, 3, NULL, &len, &id, &flags);
	CHECK(id == 10 && len == 513 && vqd_is_used(flags, true));
	vqd_read(&Q, 6, NULL, &len, &id, &flags);
	CHECK(id == 11 && len == 1 && vqd_is_used(flags, true));
	/* The slots in between are not used descriptors. */
	CHECK(!vqd_is_used(vqd_flags(&Q, 1), true));
	CHECK(!vqd_is_used(vqd_flags(&Q, 4), true));
	CHECK(vqd_get_used(&Q, &id, NULL) && id == 12);
	CHECK(vqd_get_used(&Q, &id, NULL) && id == 10);
	CHECK(vqd_get_used(&Q, &id, NULL) && id == 11);
	CHECK(Q.next_used == 9);
	CHECK(status_of(0) == S_OK && status_of(1) == S_IOERR);
	CHECK(status_of(2) == S_OK);
	CHECK(fm_all(&M, BUF, 30, 512) && fm_all(&M, BUF + 0x2000, 32, 512));
	CHECK(B.st.ioerr == 1);
}

static void requests_beyond_the_slots_wait_in_the_ring(void)
{
	struct vqd_buf d = { BUF, 512, VQ_DESC_F_WRITE };
	unsigned n = VBLK_SLOTS + 8, got = 0;

	CHECK(async_setup(VQ_MAX_SIZE) == READY);
	for (unsigned k = 0; k < n; k++)
		request(k, T_IN, k, &d, 1, (uint16_t)k);
	vdrv_notify(&B.dev, 0);
	CHECK(AB.nheld == VBLK_SLOTS);
	/* Each completion frees a slot, which takes the next request. */
	while (AB.nheld && got < 2 * n) {
		ab_complete(0, BLK_OK);
		got++;
	}
	CHECK(got == n);
	CHECK(AB.submits == n);
	for (unsigned k = 0; k < n; k++) {
		uint16_t id = 0xffff;

		CHECK(vqd_get_used(&Q, &id, NULL) && id == k);
	}
}

/* --- interrupts and event suppression --------------------------------- */

static void interrupts_follow_the_drivers_event_flags(void)
{
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };
	struct virtq *vq;

	CHECK(ramdisk_setup(false, 16) == READY);
	vq = &B.dev.vq[0];
	vqd_set_event(&Q, 0, VQ_EVENT_DISABLE);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK);
	CHECK(vq->st.interrupts == 0 && MSI.total == 0);
	vqd_set_event(&Q, 0, VQ_EVENT_ENABLE);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK);
	CHECK(vq->st.interrupts == 1);
	CHECK(MSI.per_vec[1] == 1 && MSI.total == 1);
	CHECK(MSI.last_addr == 0xfee00000u);
	/* A batch of three is one interrupt. */
	for (unsigned k = 0; k < 3; k++)
		request(k, T_IN, k, &b, 1, (uint16_t)(50 + k));
	vdrv_notify(&B.dev, 0);
	CHECK(vq->st.interrupts == 2 && MSI.per_vec[1] == 2);
}

static void event_idx_interrupts_only_when_the_used_index_passes(void)
{
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };
	struct virtq *vq;

	CHECK(ramdisk_setup(false, 8) == READY);
	CHECK(vdev_has(&B.dev, VIRTIO_F_EVENT_IDX));
	vq = &B.dev.vq[0];
	/* Each request takes 3 descriptors: used at slots 0, 3, 6, 1 (lap
	 * 2), 4, 7, 2 (lap 3)... */
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK); /* slot 0, ENABLE */
	CHECK(vq->st.interrupts == 1);
	/* Wake me when the used index passes slot 5 of lap 1. */
	vqd_set_event(&Q, 5 | 1 << 15, VQ_EVENT_DESC);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK); /* slots 3-5 */
	CHECK(vq->st.interrupts == 2);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK); /* slots 6, 7, 0 */
	CHECK(vq->st.interrupts == 2);
	/* Across the wrap: slot 2 of lap 2 (wrap 0). */
	vqd_set_event(&Q, 2 | 0 << 15, VQ_EVENT_DESC);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK); /* slots 1-3 of lap 2 */
	CHECK(vq->st.interrupts == 3);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK); /* slots 4-6 */
	CHECK(vq->st.interrupts == 3);
	/* Slot 1 of lap 2 (wrap 0) is long passed: no interrupt, though
	 * slot 1 of lap 3 is used now. */
	vqd_set_event(&Q, 1 | 0 << 15, VQ_EVENT_DESC);
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK); /* slots 7, 0, 1 */
	CHECK(vq->st.interrupts == 3);
	CHECK(MSI.per_vec[1] == 3);
}

static void device_event_structure_reads_enable_after_setup(void)
{
	uint16_t off_wrap = 0xffff, flags = 0xffff;

	teardown();
	DISK = calloc(1, DISK_BYTES);
	ramdisk_init(&RD, DISK, DISK_BYTES, false, "test-ramdisk");
	fm_init(&M, FM_RAM_SIZE);
	F = calloc(1, sizeof(*F));
	vblk_init(&B, F, &RD.be, "vda", BAR_ADDR, &M.gm);
	vqd_init(&Q, &M, 16, DESC, DRV, DEV);
	fm_fill(&M, DEV, 0xff, 4);
	{
		struct vqd *qs[1] = { &Q };

		CHECK(vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1)
		      == READY);
	}
	vqd_dev_event(&Q, &off_wrap, &flags);
	CHECK(flags == VQ_EVENT_ENABLE);
	CHECK(off_wrap == 0);
}

static struct {
	bool level;
	unsigned raised, lowered;
} INTX;

static void intx_sink(void *ctx, bool level)
{
	(void)ctx;
	INTX.level = level;
	if (level)
		INTX.raised++;
	else
		INTX.lowered++;
}

static void intx_interrupt_without_msix(void)
{
	struct vqd_buf b = { BUF, 512, VQ_DESC_F_WRITE };
	struct vqd *qs[1] = { &Q };

	teardown();
	DISK = calloc(1, DISK_BYTES);
	ramdisk_init(&RD, DISK, DISK_BYTES, false, "test-ramdisk");
	fm_init(&M, FM_RAM_SIZE);
	F = calloc(1, sizeof(*F));
	vblk_init(&B, F, &RD.be, "vda", BAR_ADDR, &M.gm);
	memset(&INTX, 0, sizeof(INTX));
	memset(&MSI, 0, sizeof(MSI));
	B.dev.intx = intx_sink;
	B.dev.msi = msi_record;
	B.dev.irq_ctx = &MSI;
	vqd_init(&Q, &M, 16, DESC, DRV, DEV);
	CHECK(vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1) == READY);
	/* Without MSI-X the queue interrupt sets ISR bit 0 and raises the
	 * pin; reading the ISR clears it and lowers the pin (4.1.4.5). */
	CHECK(io(T_IN, 0, &b, 1, NULL) == S_OK);
	CHECK(B.dev.vq[0].st.interrupts == 1);
	CHECK(INTX.level && INTX.raised == 1);
	CHECK(F->cfg[PCI_STATUS] & PCI_STATUS_INTX);
	CHECK(vdrv_r(&B.dev, VDEV_ISR_OFF, 1) == 1);
	CHECK(!INTX.level && INTX.lowered == 1);
	CHECK(!(F->cfg[PCI_STATUS] & PCI_STATUS_INTX));
	CHECK(vdrv_r(&B.dev, VDEV_ISR_OFF, 1) == 0);
	CHECK(MSI.total == 0);
}

int main(void)
{
	/* Lines survive a sanitizer abort in the middle of a test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(device_offers_block_and_transport_features);
	RUN(driver_without_version_1_or_with_unoffered_features_is_refused);
	RUN(write_and_read_back_with_many_odd_segments);
	RUN(polled_device_serves_requests_without_notifications);
	RUN(a_nap_asks_for_notifications_and_misses_no_request);
	RUN(header_data_and_status_may_share_descriptors);
	RUN(request_over_64k_round_trips);
	RUN(request_ending_at_the_last_byte_of_ram_is_served);
	RUN(flush_completes_ok);
	RUN(get_id_writes_the_20_byte_serial);
	RUN(discard_and_write_zeroes_zero_the_range);
	RUN(sector_beyond_the_disk_is_ioerr);
	RUN(unknown_request_type_is_unsupp);
	RUN(data_not_in_whole_sectors_or_wrong_direction_is_ioerr);
	RUN(indirect_request_is_served);
	RUN(buffer_id_comes_from_the_chains_last_descriptor);
	RUN(used_length_is_data_plus_status_for_in);
	RUN(requests_through_several_laps_of_a_small_ring);
	RUN(out_of_order_completions_are_used_in_completion_order);
	RUN(requests_beyond_the_slots_wait_in_the_ring);
	RUN(interrupts_follow_the_drivers_event_flags);
	RUN(event_idx_interrupts_only_when_the_used_index_passes);
	RUN(device_event_structure_reads_enable_after_setup);
	RUN(intx_interrupt_without_msix);
	teardown();
	return CHECK_DONE();
}
