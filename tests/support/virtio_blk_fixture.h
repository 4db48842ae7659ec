/* What the virtio-blk tests (tests/unit/test_virtio_blk_*.c) share: the
 * request types, status values and feature bits in short, the guest's
 * physical layout, the device B over the RAM disk RD or the asynchronous
 * backend AB in fake guest memory M with queue Q, and the helpers that set
 * it up and make requests (virtio_blk_fixture.c). */
#ifndef PLINTH_TEST_VIRTIO_BLK_FIXTURE_H
#define PLINTH_TEST_VIRTIO_BLK_FIXTURE_H

#include "drivers/ramdisk.h"
#include "hv/guest/gmem.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_blk_regs.h"
#include "tests/support/log_stub.h"
#include "tests/support/vdev_driver.h"
#include "tests/support/vq_driver.h"

/* Request types and status values (5.2.6), short */
#define T_IN VIRTIO_BLK_T_IN
#define T_OUT VIRTIO_BLK_T_OUT
#define T_FLUSH VIRTIO_BLK_T_FLUSH
#define T_GET_ID VIRTIO_BLK_T_GET_ID
#define T_DISCARD VIRTIO_BLK_T_DISCARD
#define T_WRITE_ZEROES VIRTIO_BLK_T_WRITE_ZEROES
#define S_OK VIRTIO_BLK_S_OK
#define S_IOERR VIRTIO_BLK_S_IOERR
#define S_UNSUPP VIRTIO_BLK_S_UNSUPP
#define UNTOUCHED 0xee /* what status bytes and buffers start as */

/* Feature bits (5.2.3), short */
#define F_SIZE_MAX VIRTIO_BLK_F_SIZE_MAX
#define F_SEG_MAX VIRTIO_BLK_F_SEG_MAX
#define F_RO VIRTIO_BLK_F_RO
#define F_BLK_SIZE VIRTIO_BLK_F_BLK_SIZE
#define F_FLUSH VIRTIO_BLK_F_FLUSH
#define F_DISCARD VIRTIO_BLK_F_DISCARD
#define F_WRITE_ZEROES VIRTIO_BLK_F_WRITE_ZEROES

/* Guest-physical layout. */
#define DESC 0x1000ull	 /* up to 256 descriptors */
#define DRV 0x2000ull
#define DEV 0x2010ull
#define TABLE 0x3000ull	 /* indirect tables */
#define HDR 0x8000ull	 /* request headers, 0x20 apart */
#define STATUS 0x9000ull /* status bytes, 0x10 apart */
#define BUF 0x10000ull	 /* data: up to 0xf0000 bytes */
#define RAM_END ((uint64_t)FM_RAM_SIZE)
#define BAR_ADDR 0xfe000000ull

#define DISK_BYTES (1u << 20)
#define DISK_SECTORS (DISK_BYTES / 512)

extern struct fake_mem M;
extern struct vpci_fn *F;
extern struct vblk B;
extern struct ramdisk RD;
extern uint8_t *DISK;
extern struct vqd Q;
extern struct msi_rec MSI;
/* Set before a *_setup(): the device is polled (vdev_set_polled), as
 * with an I/O core. */
extern bool POLLED;

/* --- a fake asynchronous backend ------------------------------------- */

/* Holds every request until the test completes it, like a DMA disk
 * whose commands finish later; the data moves at completion. */
struct async_backend {
	struct blk_backend be;
	struct blk_req *held[64];
	unsigned nheld, submits;
};

extern struct async_backend AB;

int ab_submit(struct blk_backend *be, struct blk_req *r);

/* Completes the k-th held request (in submission order) with `status`,
 * doing its data transfer against DISK first when status is BLK_OK. */
void ab_complete(unsigned k, int status);

/* --- setup ------------------------------------------------------------ */

void teardown(void);

/* A fresh device over `be` with one queue of `qsize` entries (vector
 * 1), MSI-X on, every offered feature accepted, DRIVER_OK.  Returns the
 * final device status. */
uint8_t start_device(struct blk_backend *be, uint16_t qsize);

/* The device over a 1 MiB RAM disk whose sector s is filled with the
 * byte s & 0xff. */
uint8_t ramdisk_setup(bool readonly, uint16_t qsize);

uint8_t async_setup(uint16_t qsize);

extern const uint8_t READY;

/* --- requests --------------------------------------------------------- */

void put_header(unsigned k, uint32_t type, uint64_t sector);

/* Makes a request available: header k (type, sector) read-only, the
 * `n` data buffers as given, a writable status byte k set to UNTOUCHED.
 * Returns the head's slot. */
uint16_t request(unsigned k, uint32_t type, uint64_t sector,
		 const struct vqd_buf *data, unsigned n, uint16_t id);

uint8_t status_of(unsigned k);

/* Notifies queue 0 and takes one used buffer; false if there is none. */
bool kick_and_get(uint16_t *id, uint32_t *len);

/* One whole request: submitted, used, its id checked; returns the
 * status byte (or 0xff when nothing was used). */
uint8_t io(uint32_t type, uint64_t sector, const struct vqd_buf *data,
	   unsigned n, uint32_t *len);

void pattern(uint64_t gpa, uint64_t len, unsigned seed);

#endif
