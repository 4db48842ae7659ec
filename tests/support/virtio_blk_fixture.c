/* The virtio-blk tests' device set-up, fake asynchronous backend and
 * request helpers; what each does is in virtio_blk_fixture.h. */
#include "tests/support/virtio_blk_fixture.h"

#include "tests/support/check.h"

struct fake_mem M;
struct vpci_fn *F;
struct vblk B;
struct ramdisk RD;
uint8_t *DISK;
struct vqd Q;
struct msi_rec MSI;
struct async_backend AB;

int ab_submit(struct blk_backend *be, struct blk_req *r)
{
	(void)be;
	if (AB.nheld == 64)
		return -1;
	AB.held[AB.nheld++] = r;
	AB.submits++;
	return 0;
}

void ab_complete(unsigned k, int status)
{
	struct blk_req *r;
	uint64_t off;

	if (k >= AB.nheld) {
		printf("#   ab_complete: no request %u\n", k);
		check_failures_in_test++;
		return;
	}
	r = AB.held[k];
	memmove(&AB.held[k], &AB.held[k + 1],
		(AB.nheld - k - 1) * sizeof(AB.held[0]));
	AB.nheld--;
	off = r->sector * 512;
	for (unsigned i = 0; status == BLK_OK && i < r->nsg; i++) {
		void *p = (void *)(uintptr_t)r->sg[i].hpa;

		if (r->op == BLK_READ)
			memcpy(p, DISK + off, r->sg[i].len);
		else if (r->op == BLK_WRITE)
			memcpy(DISK + off, p, r->sg[i].len);
		off += r->sg[i].len;
	}
	r->done(r, status);
}

void teardown(void)
{
	fm_free(&M);
	free(F);
	free(DISK);
	F = NULL;
	DISK = NULL;
}

bool POLLED;

uint8_t start_device(struct blk_backend *be, uint16_t qsize)
{
	struct vqd *qs[1] = { &Q };

	fm_init(&M, FM_RAM_SIZE);
	F = calloc(1, sizeof(*F));
	memset(&MSI, 0, sizeof(MSI));
	vblk_init(&B, F, be, "vda", BAR_ADDR, &M.gm);
	if (POLLED)
		vdev_set_polled(&B.dev);
	B.dev.msi = msi_record;
	B.dev.irq_ctx = &MSI;
	vdrv_msix_on(&B.dev);
	vqd_init(&Q, &M, qsize, DESC, DRV, DEV);
	Q.vector = 1;
	logstub_clear();
	return vdrv_start(&B.dev, vdrv_features(&B.dev), qs, 1);
}

uint8_t ramdisk_setup(bool readonly, uint16_t qsize)
{
	teardown();
	DISK = calloc(1, DISK_BYTES);
	for (unsigned s = 0; s < DISK_SECTORS; s++)
		memset(DISK + 512ull * s, s & 0xff, 512);
	ramdisk_init(&RD, DISK, DISK_BYTES, readonly, "test-ramdisk");
	return start_device(&RD.be, qsize);
}

uint8_t async_setup(uint16_t qsize)
{
	teardown();
	DISK = calloc(1, DISK_BYTES);
	for (unsigned s = 0; s < DISK_SECTORS; s++)
		memset(DISK + 512ull * s, s & 0xff, 512);
	memset(&AB, 0, sizeof(AB));
	AB.be = (struct blk_backend){ .name = "async",
				      .sectors = DISK_SECTORS,
				      .can_discard = true,
				      .can_write_zeroes = true,
				      .submit = ab_submit };
	memcpy(AB.be.serial, "async-serial-0123456", 20);
	return start_device(&AB.be, qsize);
}

const uint8_t READY = VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER
			     | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK;

void put_header(unsigned k, uint32_t type, uint64_t sector)
{
	uint8_t h[16] = { 0 };

	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	fm_put(&M, HDR + 0x20ull * k, h, 16);
}

uint16_t request(unsigned k, uint32_t type, uint64_t sector,
		 const struct vqd_buf *data, unsigned n, uint16_t id)
{
	struct vqd_buf b[VQ_MAX_SEGS];

	put_header(k, type, sector);
	fm_fill(&M, STATUS + 0x10ull * k, UNTOUCHED, 1);
	b[0] = (struct vqd_buf){ HDR + 0x20ull * k, 16, 0 };
	for (unsigned i = 0; i < n; i++)
		b[1 + i] = data[i];
	b[1 + n] = (struct vqd_buf){ STATUS + 0x10ull * k, 1,
				     VQ_DESC_F_WRITE };
	return vqd_chain(&Q, b, n + 2, id);
}

uint8_t status_of(unsigned k)
{
	return fm_byte(&M, STATUS + 0x10ull * k);
}

bool kick_and_get(uint16_t *id, uint32_t *len)
{
	vdrv_notify(&B.dev, 0);
	return vqd_get_used(&Q, id, len);
}

uint8_t io(uint32_t type, uint64_t sector, const struct vqd_buf *data,
	   unsigned n, uint32_t *len)
{
	static uint16_t next_id = 1000;
	uint16_t id = next_id++, uid = 0;
	uint32_t ulen = 0;

	request(0, type, sector, data, n, id);
	if (!kick_and_get(&uid, &ulen))
		return 0xff;
	if (uid != id) {
		printf("#   used id %u, expected %u\n", uid, id);
		check_failures_in_test++;
	}
	if (len)
		*len = ulen;
	return status_of(0);
}

void pattern(uint64_t gpa, uint64_t len, unsigned seed)
{
	uint8_t *p = fm_ptr(&M, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}
