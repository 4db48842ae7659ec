#include "tests/support/check.h"
#include "tests/support/log_stub.h"

#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/platform/iobus.h"
#include "hv/platform/mmiobus.h"
#include "hv/platform/pci_host.h"

/* The bus is attached once (the I/O and MMIO buses are process-wide)
 * and reinitialised in place by each test. */
static struct vpci_bus B;
static struct vpci_fn host_bridge, dev3;

static struct {
	int calls;
	struct vpci_fn *f;
	uint32_t off;
	unsigned size;
} hook;

static void written(struct vpci_fn *f, uint32_t off, unsigned size)
{
	hook.calls++;
	hook.f = f;
	hook.off = off;
	hook.size = size;
}

static void fresh(void)
{
	vpci_init(&B, &host_bridge);
	memset(&hook, 0, sizeof(hook));
}

/* PCI Local Bus 3.0, 3.2.2.3.2: CONFIG_ADDRESS layout. */
static uint32_t cf8(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | reg;
}

/* A read through CF8/CFC: CONFIG_ADDRESS names the dword, the port's
 * low two bits pick the bytes. */
static uint32_t cfc_read(uint32_t addr, unsigned byte, unsigned size)
{
	vpci_cf8_write(&B, addr);
	return iobus_in((uint16_t)(0xcfc + byte), size);
}

static void cfc_write(uint32_t addr, unsigned byte, unsigned size, uint32_t v)
{
	vpci_cf8_write(&B, addr);
	iobus_out((uint16_t)(0xcfc + byte), size, v);
}

/* PCI Express Base 5.0, 7.2.2: ECAM address = base + bus << 20 |
 * device << 15 | function << 12 | offset. */
static uint64_t ecam(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return GUEST_ECAM_BASE + ((uint64_t)bus << 20 | dev << 15 | fn << 12
				  | off);
}

static uint64_t ecam_read(uint64_t addr, unsigned size)
{
	const struct bus_range *r = mmiobus_find(addr, size);

	if (!r) {
		printf("#   no MMIO range at 0x%llx\n", (unsigned long long)addr);
		return 0xdeadbeef;
	}
	return r->read(r->ctx, addr, size);
}

static void ecam_write(uint64_t addr, unsigned size, uint64_t v)
{
	const struct bus_range *r = mmiobus_find(addr, size);

	if (r)
		r->write(r->ctx, addr, size, v);
	else
		printf("#   no MMIO range at 0x%llx\n", (unsigned long long)addr);
}

static void attach_refuses_a_second_registration(void)
{
	CHECK(vpci_attach(&B) == -1);
}

static void host_bridge_ids_through_cf8(void)
{
	fresh();
	/* 8086:29c0, Intel 82G33/Q35 DRAM controller, class 06.00.00. */
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 0, 4) == 0x29c08086u);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 0, 2) == 0x8086);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 2, 2) == 0x29c0);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 0, 1) == 0x86);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 1, 1) == 0x80);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 2, 1) == 0xc0);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 3, 1) == 0x29);
	/* Class code and revision: dword 0x08 = class << 8 | revision. */
	CHECK(cfc_read(cf8(0, 0, 0, 0x08), 0, 4) == 0x06000000u);
	CHECK(cfc_read(cf8(0, 0, 0, 0x08), 3, 1) == 0x06);	/* base class */
	CHECK(cfc_read(cf8(0, 0, 0, 0x08), 2, 1) == 0x00);	/* subclass */
	CHECK(cfc_read(cf8(0, 0, 0, 0x08), 1, 1) == 0x00);	/* prog-if */
	CHECK(cfc_read(cf8(0, 0, 0, 0x08), 2, 2) == 0x0600);
	/* Header type 0, single function; command 0x0006, status 0. */
	CHECK(cfc_read(cf8(0, 0, 0, 0x0c), 2, 1) == 0x00);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 4) == 0x00000006u);
	/* Linux's pci_conf1 check: CF8 reads back what was written. */
	vpci_cf8_write(&B, 0x80000000u);
	CHECK(vpci_cf8_read(&B) == 0x80000000u);
	/* Reserved bits 30:24 and the low two bits read as 0. */
	vpci_cf8_write(&B, 0xffffffffu);
	CHECK(vpci_cf8_read(&B) == 0x80fffffcu);
	/* The low bits of CF8 do not shift the register. */
	CHECK(cfc_read(cf8(0, 0, 0, 0x00) | 3, 0, 4) == 0x29c08086u);
}

static void host_bridge_ids_through_ecam(void)
{
	fresh();
	CHECK(ecam_read(ecam(0, 0, 0, 0x00), 4) == 0x29c08086u);
	CHECK(ecam_read(ecam(0, 0, 0, 0x00), 2) == 0x8086);
	CHECK(ecam_read(ecam(0, 0, 0, 0x02), 2) == 0x29c0);
	CHECK(ecam_read(ecam(0, 0, 0, 0x00), 1) == 0x86);
	CHECK(ecam_read(ecam(0, 0, 0, 0x01), 1) == 0x80);
	CHECK(ecam_read(ecam(0, 0, 0, 0x02), 1) == 0xc0);
	CHECK(ecam_read(ecam(0, 0, 0, 0x03), 1) == 0x29);
	CHECK(ecam_read(ecam(0, 0, 0, 0x08), 4) == 0x06000000u);
	CHECK(ecam_read(ecam(0, 0, 0, 0x0b), 1) == 0x06);
	CHECK(ecam_read(ecam(0, 0, 0, 0x0a), 2) == 0x0600);
	/* Extended config space exists (4 KiB) and is zero here. */
	CHECK(ecam_read(ecam(0, 0, 0, 0x100), 4) == 0);
	CHECK(ecam_read(ecam(0, 0, 0, 0xffc), 4) == 0);
	CHECK(ecam_read(ecam(0, 0, 0, 0xfff), 1) == 0);
	/* The window covers 256 buses and ends at its size. */
	CHECK(mmiobus_find(GUEST_ECAM_BASE, 4) != NULL);
	CHECK(mmiobus_find(GUEST_ECAM_BASE + GUEST_ECAM_SIZE - 4, 4) != NULL);
	CHECK(mmiobus_find(GUEST_ECAM_BASE + GUEST_ECAM_SIZE, 1) == NULL);
	CHECK(mmiobus_find(GUEST_ECAM_BASE - 1, 1) == NULL);
}

static void absent_functions_read_all_ones(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };
	static const uint32_t ones[] = { 0xff, 0xffff, 0xffffffffu };

	fresh();
	for (unsigned i = 0; i < 3; i++) {
		unsigned sz = sizes[i];

		/* An empty slot, function 1-7 of the host bridge, bus 1 and
		 * bus 255. */
		CHECK(cfc_read(cf8(0, 1, 0, 0), 0, sz) == ones[i]);
		CHECK(cfc_read(cf8(0, 31, 0, 0), 0, sz) == ones[i]);
		CHECK(cfc_read(cf8(0, 0, 1, 0), 0, sz) == ones[i]);
		CHECK(cfc_read(cf8(0, 0, 7, 0x08), 0, sz) == ones[i]);
		CHECK(cfc_read(cf8(1, 0, 0, 0), 0, sz) == ones[i]);
		CHECK(cfc_read(cf8(255, 0, 0, 0), 0, sz) == ones[i]);
		CHECK(ecam_read(ecam(0, 1, 0, 0), sz) == ones[i]);
		CHECK(ecam_read(ecam(0, 31, 0, 0x40), sz) == ones[i]);
		CHECK(ecam_read(ecam(0, 0, 1, 0), sz) == ones[i]);
		CHECK(ecam_read(ecam(0, 0, 7, 0xffc), sz) == ones[i]);
		CHECK(ecam_read(ecam(1, 0, 0, 0), sz) == ones[i]);
		CHECK(ecam_read(ecam(255, 31, 7, 0), sz) == ones[i]);
		CHECK(vpci_cfg_read(&B, 0, 2, 0, 0, sz) == ones[i]);
	}
	/* Byte lanes of an absent dword through CFC+1..3. */
	CHECK(cfc_read(cf8(0, 5, 0, 0), 1, 1) == 0xff);
	CHECK(cfc_read(cf8(0, 5, 0, 0), 3, 1) == 0xff);
	CHECK(cfc_read(cf8(0, 5, 0, 0), 2, 2) == 0xffff);
	/* Writes there go nowhere and do not disturb the host bridge. */
	cfc_write(cf8(1, 0, 0, 0x04), 0, 2, 0);
	ecam_write(ecam(0, 0, 1, 0x04), 2, 0);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0006);
}

static void cf8_without_enable_reads_all_ones(void)
{
	fresh();
	vpci_cf8_write(&B, 0x00000000u);	/* bus 0, dev 0, reg 0, disabled */
	CHECK(iobus_in(0xcfc, 4) == 0xffffffffu);
	CHECK(iobus_in(0xcfc, 2) == 0xffff);
	CHECK(iobus_in(0xcfe, 2) == 0xffff);
	CHECK(iobus_in(0xcfd, 1) == 0xff);
	vpci_cf8_write(&B, 0x00000004u);	/* command register, disabled */
	iobus_out(0xcfc, 2, 0x0000);		/* not a config write */
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0006);
	CHECK(hook.calls == 0);
}

static void read_only_bits_keep_their_value(void)
{
	fresh();
	cfc_write(cf8(0, 0, 0, 0x00), 0, 4, 0x12345678);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 0, 4) == 0x29c08086u);
	ecam_write(ecam(0, 0, 0, 0x00), 2, 0xffff);
	ecam_write(ecam(0, 0, 0, 0x03), 1, 0x00);
	CHECK(ecam_read(ecam(0, 0, 0, 0x00), 4) == 0x29c08086u);
	cfc_write(cf8(0, 0, 0, 0x08), 0, 4, 0xffffffffu);
	CHECK(cfc_read(cf8(0, 0, 0, 0x08), 0, 4) == 0x06000000u);
	/* No BARs: sizing writes read back 0 (PCI 3.0, 6.2.5.1). */
	cfc_write(cf8(0, 0, 0, 0x10), 0, 4, 0xffffffffu);
	CHECK(cfc_read(cf8(0, 0, 0, 0x10), 0, 4) == 0);
	/* Status is read-only here. */
	cfc_write(cf8(0, 0, 0, 0x04), 2, 2, 0xffff);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 2, 2) == 0x0000);
}

static void command_register_follows_write_mask(void)
{
	fresh();
	/* Only memory space (bit 1) and bus master (bit 2) are writable. */
	cfc_write(cf8(0, 0, 0, 0x04), 0, 2, 0x0000);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0000);
	cfc_write(cf8(0, 0, 0, 0x04), 0, 2, 0xffff);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0006);
	cfc_write(cf8(0, 0, 0, 0x04), 0, 1, 0x03);	/* IO, MEM */
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0002);
	cfc_write(cf8(0, 0, 0, 0x04), 0, 4, 0xffffffffu);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 4) == 0x00000006u);
	ecam_write(ecam(0, 0, 0, 0x04), 2, 0x0004);
	CHECK(ecam_read(ecam(0, 0, 0, 0x04), 2) == 0x0004);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0004);
	ecam_write(ecam(0, 0, 0, 0x04), 4, 0x0002);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0002);
}

static void misaligned_and_oversized_accesses_are_refused(void)
{
	fresh();
	/* Reads: all ones, whatever is there. */
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 1, 2) == 0xffff);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 3, 2) == 0xffff);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 1, 4) == 0xffffffffu);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 2, 4) == 0xffffffffu);
	CHECK(ecam_read(ecam(0, 0, 0, 0x01), 2) == 0xffff);
	CHECK(ecam_read(ecam(0, 0, 0, 0x02), 4) == 0xffffffffu);
	CHECK(ecam_read(ecam(0, 0, 0, 0x00), 8) == ~0ull);
	CHECK(ecam_read(ecam(0, 0, 0, 0xffe), 2) == 0);		/* last word */
	CHECK(ecam_read(ecam(0, 0, 0, 0xffd), 2) == 0xffff);
	CHECK(ecam_read(ecam(0, 0, 0, 0xffe), 4) == 0xffffffffu);
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0, 3) == 0x00ffffffu); /* 3 bytes of 1s */
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0, 8) == 0xffffffffu);
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0, 0) == 0);
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0x1000, 1) == 0xff);
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0xffc, 4) == 0);
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0xffe, 4) == 0xffffffffu);
	CHECK(vpci_cfg_read(&B, 0, 0, 0, 0x10000, 4) == 0xffffffffu);
	/* A straddle past the ECAM window finds no device at all. */
	CHECK(mmiobus_find(GUEST_ECAM_BASE + GUEST_ECAM_SIZE - 2, 4) == NULL);

	/* Writes: ignored, the hook not called. */
	host_bridge.written = written;
	cfc_write(cf8(0, 0, 0, 0x04), 1, 2, 0x0000);	/* bytes 5-6 */
	cfc_write(cf8(0, 0, 0, 0x04), 3, 2, 0x0000);
	cfc_write(cf8(0, 0, 0, 0x04), 2, 4, 0x0000);
	ecam_write(ecam(0, 0, 0, 0x03), 2, 0x0000);	/* bytes 3-4 */
	ecam_write(ecam(0, 0, 0, 0x02), 4, 0x0000);
	ecam_write(ecam(0, 0, 0, 0x04), 8, 0x0000);
	vpci_cfg_write(&B, 0, 0, 0, 0x04, 3, 0);
	vpci_cfg_write(&B, 0, 0, 0, 0x04, 8, 0);
	vpci_cfg_write(&B, 0, 0, 0, 0x1000, 1, 0);
	vpci_cfg_write(&B, 0, 0, 0, 0xffe, 4, 0);
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 4) == 0x00000006u);
	CHECK(hook.calls == 0);
}

static void a_second_device_is_visible(void)
{
	fresh();
	memset(&dev3, 0, sizeof(dev3));
	/* A virtio-net (1af4:1000), class 02.00.00, with a 32-byte I/O BAR0
	 * and a writable command register. */
	dev3.cfg[0x00] = 0xf4;
	dev3.cfg[0x01] = 0x1a;
	dev3.cfg[0x02] = 0x00;
	dev3.cfg[0x03] = 0x10;
	dev3.cfg[0x0b] = 0x02;
	dev3.cfg[0x10] = 0x01;
	dev3.wmask[0x04] = 0x07;
	dev3.wmask[0x10] = 0xe0;
	dev3.wmask[0x11] = 0xff;
	CHECK(vpci_add(&B, 3, &dev3) == 0);
	CHECK(cfc_read(cf8(0, 3, 0, 0x00), 0, 4) == 0x10001af4u);
	CHECK(ecam_read(ecam(0, 3, 0, 0x00), 4) == 0x10001af4u);
	CHECK(ecam_read(ecam(0, 3, 0, 0x08), 4) == 0x02000000u);
	CHECK(cfc_read(cf8(0, 3, 0, 0x08), 3, 1) == 0x02);
	/* Its function 1 and its neighbours stay absent. */
	CHECK(cfc_read(cf8(0, 3, 1, 0x00), 0, 4) == 0xffffffffu);
	CHECK(ecam_read(ecam(0, 2, 0, 0x00), 4) == 0xffffffffu);
	CHECK(ecam_read(ecam(0, 4, 0, 0x00), 4) == 0xffffffffu);
	/* BAR sizing: all ones in, size mask out; its own mask applies. */
	cfc_write(cf8(0, 3, 0, 0x10), 0, 4, 0xffffffffu);
	CHECK(cfc_read(cf8(0, 3, 0, 0x10), 0, 4) == 0x0000ffe1u);
	ecam_write(ecam(0, 3, 0, 0x10), 4, 0xc040);
	CHECK(ecam_read(ecam(0, 3, 0, 0x10), 4) == 0x0000c041u);
	cfc_write(cf8(0, 3, 0, 0x04), 0, 2, 0xffff);
	CHECK(cfc_read(cf8(0, 3, 0, 0x04), 0, 2) == 0x0007);
	/* The host bridge is unaffected. */
	CHECK(cfc_read(cf8(0, 0, 0, 0x04), 0, 2) == 0x0006);
	CHECK(cfc_read(cf8(0, 0, 0, 0x00), 0, 4) == 0x29c08086u);
	/* The last slot can be used. */
	static struct vpci_fn dev31;

	memset(&dev31, 0, sizeof(dev31));
	dev31.cfg[0] = 0x34;
	CHECK(vpci_add(&B, 31, &dev31) == 0);
	CHECK(ecam_read(ecam(0, 31, 0, 0x00), 1) == 0x34);
}

static void bad_adds_are_refused(void)
{
	static struct vpci_fn other;

	fresh();
	memset(&dev3, 0, sizeof(dev3));
	memset(&other, 0, sizeof(other));
	dev3.cfg[0] = 0x11;
	other.cfg[0] = 0x22;
	CHECK(vpci_add(&B, VPCI_SLOTS, &other) == -1);
	CHECK(vpci_add(&B, 1000, &other) == -1);
	CHECK(vpci_add(&B, 0, &other) == -1);	/* the host bridge's slot */
	CHECK(vpci_add(&B, 3, &dev3) == 0);
	CHECK(vpci_add(&B, 3, &other) == -1);	/* taken */
	CHECK(ecam_read(ecam(0, 3, 0, 0), 1) == 0x11);
	CHECK(ecam_read(ecam(0, 0, 0, 0), 2) == 0x8086);
	/* vpci_init empties the bus again. */
	fresh();
	CHECK(ecam_read(ecam(0, 3, 0, 0), 4) == 0xffffffffu);
	CHECK(vpci_add(&B, 3, &other) == 0);
}

static void written_hook_gets_offset_and_size(void)
{
	fresh();
	memset(&dev3, 0, sizeof(dev3));
	dev3.wmask[0x04] = 0x07;
	dev3.wmask[0x10] = 0xe0;
	dev3.wmask[0x11] = 0xff;
	dev3.written = written;
	CHECK(vpci_add(&B, 3, &dev3) == 0);

	cfc_write(cf8(0, 3, 0, 0x10), 0, 4, 0xffffffffu);
	CHECK(hook.calls == 1 && hook.f == &dev3);
	CHECK(hook.off == 0x10 && hook.size == 4);
	/* The hook sees the value already stored. */
	CHECK(dev3.cfg[0x10] == 0xe0 && dev3.cfg[0x11] == 0xff);

	cfc_write(cf8(0, 3, 0, 0x04), 1, 1, 0x01);	/* byte 5 via CFD */
	CHECK(hook.calls == 2 && hook.off == 0x05 && hook.size == 1);
	cfc_write(cf8(0, 3, 0, 0x04), 2, 2, 0xffff);	/* status via CFE */
	CHECK(hook.calls == 3 && hook.off == 0x06 && hook.size == 2);
	ecam_write(ecam(0, 3, 0, 0x04), 2, 0x0003);
	CHECK(hook.calls == 4 && hook.off == 0x04 && hook.size == 2);
	CHECK(dev3.cfg[0x04] == 0x03);
	ecam_write(ecam(0, 3, 0, 0x3c), 1, 0x0b);	/* read-only byte */
	CHECK(hook.calls == 5 && hook.off == 0x3c && hook.size == 1);
	ecam_write(ecam(0, 3, 0, 0x200), 4, 0);
	CHECK(hook.calls == 6 && hook.off == 0x200 && hook.size == 4);
	/* Writes elsewhere do not call it. */
	cfc_write(cf8(0, 0, 0, 0x04), 0, 2, 0x0006);
	ecam_write(ecam(0, 4, 0, 0x04), 2, 0x0006);
	CHECK(hook.calls == 6);
	/* Reads never do. */
	cfc_read(cf8(0, 3, 0, 0x04), 0, 4);
	ecam_read(ecam(0, 3, 0, 0x04), 4);
	CHECK(hook.calls == 6);
}

/* --- memory BARs ----------------------------------------------------- */

#define BAR_SIZE 0x4000ull			/* 16 KiB */
#define BAR_A (GUEST_PCI_MMIO_BASE + 0x100000)	/* where firmware put it */
#define BAR_B (GUEST_PCI_MMIO_BASE + 0x200000)
#define RAM_TOP (256ull << 20)
#define SLOT_A 5
#define SLOT_B 6

/* Guest RAM at [0, 256 MiB); only its map matters (hv/guest/gmem.c is not
 * linked in: the bus reads the regions directly). */
static struct gmem ram;
static struct vpci_fn fa, fb;

/* A device behind a BAR: its reads return a tag and record the address. */
struct bardev {
	uint32_t tag;
	unsigned reads, writes;
	uint64_t last;
};

static struct bardev da = { .tag = 0xaaaa0001 }, db = { .tag = 0xbbbb0002 };

static uint64_t bd_read(void *ctx, uint64_t addr, unsigned size)
{
	struct bardev *d = ctx;

	(void)size;
	d->reads++;
	d->last = addr;
	return d->tag;
}

static void bd_write(void *ctx, uint64_t addr, unsigned size, uint64_t v)
{
	struct bardev *d = ctx;

	(void)size;
	(void)v;
	d->writes++;
	d->last = addr;
}

/* A function with memory decode writable and one 64-bit BAR 0. */
static void bar_fn(struct vpci_fn *f, struct bardev *d, uint64_t size,
		   uint64_t addr)
{
	struct bus_range r = { .name = "bar", .ctx = d, .read = bd_read,
				.write = bd_write };

	memset(f, 0, sizeof(*f));
	f->cfg[0x00] = 0x34;
	f->cfg[0x01] = 0x12;
	f->wmask[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	vpci_bar_init(f, 0, size, true, addr, &r);
}

/* The bus with guest RAM and function A (16 KiB BAR at BAR_A, decode
 * off) in SLOT_A. */
static void bar_fresh(void)
{
	fresh();
	memset(&ram, 0, sizeof(ram));
	ram.r[0] = (struct gmem_region){ 0, RAM_TOP, NULL };
	ram.n = 1;
	B.gm = &ram;
	da.reads = da.writes = db.reads = db.writes = 0;
	bar_fn(&fa, &da, BAR_SIZE, BAR_A);
	CHECK(vpci_add(&B, SLOT_A, &fa) == 0);
}

static uint32_t rd(unsigned slot, uint32_t off, unsigned size)
{
	return vpci_cfg_read(&B, 0, slot, 0, off, size);
}

static void wr(unsigned slot, uint32_t off, unsigned size, uint32_t v)
{
	vpci_cfg_write(&B, 0, slot, 0, off, size, v);
}

static void set_decode(unsigned slot, bool on)
{
	uint16_t cmd = (uint16_t)rd(slot, PCI_COMMAND, 2);

	wr(slot, PCI_COMMAND, 2,
	   on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY);
}

/* The 64-bit address both halves of BAR 0 hold, read through the bus. */
static uint64_t bar0(unsigned slot)
{
	return (rd(slot, PCI_BAR0, 4) & ~0xfull)
	       | (uint64_t)rd(slot, PCI_BAR0 + 4, 4) << 32;
}

/* Device d answers at [addr, addr + size): first and last dword reach it
 * with their absolute address, and the range is exactly that. */
static bool answers(struct bardev *d, uint64_t addr, uint64_t size)
{
	const uint64_t at[2] = { addr, addr + size - 4 };

	for (unsigned i = 0; i < 2; i++) {
		const struct bus_range *r = mmiobus_find(at[i], 4);
		unsigned n = d->reads;

		if (!r || r->ctx != d || r->base != addr || r->len != size)
			return false;
		if (r->read(r->ctx, at[i], 4) != d->tag || d->reads != n + 1
		    || d->last != at[i])
			return false;
	}
	return true;
}

/* Nothing at all is mapped at any byte of [addr, addr + size). */
static bool nothing_at(uint64_t addr, uint64_t size)
{
	return !mmiobus_find(addr, 1) && !mmiobus_find(addr + size / 2, 1)
	       && !mmiobus_find(addr + size - 1, 1);
}

static void bar_done(void)
{
	vpci_remove_all(&B);
	B.win_base = GUEST_PCI_MMIO_BASE;
	B.win_end = GUEST_PCI_MMIO_END;
}

static void bar_sizing_reads_back_the_size_mask(void)
{
	bar_fresh();
	/* Firmware's placement, memory, 64-bit, not prefetchable. */
	CHECK(rd(SLOT_A, 0x10, 4) == ((uint32_t)BAR_A | 0x4));
	CHECK(rd(SLOT_A, 0x14, 4) == 0);
	CHECK(vpci_bar_addr(&fa, 0) == BAR_A);
	/* PCI 3.0, 6.2.5.1: decode off, all ones into both halves, the
	 * size shows as the address bits that stay 0; the type bits keep. */
	set_decode(SLOT_A, false);
	cfc_write(cf8(0, SLOT_A, 0, 0x10), 0, 4, 0xffffffffu);
	cfc_write(cf8(0, SLOT_A, 0, 0x14), 0, 4, 0xffffffffu);
	CHECK(cfc_read(cf8(0, SLOT_A, 0, 0x10), 0, 4) == 0xffffc004u);
	CHECK(cfc_read(cf8(0, SLOT_A, 0, 0x14), 0, 4) == 0xffffffffu);
	CHECK(ecam_read(ecam(0, SLOT_A, 0, 0x10), 4) == 0xffffc004u);
	/* Size = ~mask + 1 over the 64 bits. */
	CHECK(~(bar0(SLOT_A)) + 1 == BAR_SIZE);
	CHECK(nothing_at(0xffffc000ull, BAR_SIZE));
	/* Zeros: the type bits still read back. */
	cfc_write(cf8(0, SLOT_A, 0, 0x10), 0, 4, 0);
	CHECK(cfc_read(cf8(0, SLOT_A, 0, 0x10), 0, 4) == 0x4);
	/* Restore, then decode: the BAR is where it was. */
	cfc_write(cf8(0, SLOT_A, 0, 0x10), 0, 4, (uint32_t)BAR_A);
	cfc_write(cf8(0, SLOT_A, 0, 0x14), 0, 4, 0);
	CHECK(bar0(SLOT_A) == BAR_A);
	CHECK(rd(SLOT_A, 0x10, 4) == ((uint32_t)BAR_A | 0x4));
	set_decode(SLOT_A, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 0);
	/* The unused BARs 2-5 stay 0 under sizing. */
	for (unsigned off = 0x18; off < 0x28; off += 4) {
		wr(SLOT_A, off, 4, 0xffffffffu);
		CHECK(rd(SLOT_A, off, 4) == 0);
	}
	bar_done();

	/* A 32-bit 64 KiB BAR 2 next to an unused BAR 3. */
	bar_fresh();
	struct bus_range r = { .name = "bar32", .ctx = &db, .read = bd_read,
				.write = bd_write };

	memset(&fb, 0, sizeof(fb));
	fb.wmask[PCI_COMMAND] = PCI_COMMAND_MEMORY;
	vpci_bar_init(&fb, 2, 0x10000, false, BAR_B, &r);
	CHECK(vpci_add(&B, SLOT_B, &fb) == 0);
	CHECK(rd(SLOT_B, 0x18, 4) == (uint32_t)BAR_B);	/* type 00b */
	wr(SLOT_B, 0x18, 4, 0xffffffffu);
	wr(SLOT_B, 0x1c, 4, 0xffffffffu);
	CHECK(rd(SLOT_B, 0x18, 4) == 0xffff0000u);
	CHECK(rd(SLOT_B, 0x1c, 4) == 0);
	wr(SLOT_B, 0x18, 4, (uint32_t)BAR_B);
	set_decode(SLOT_B, true);
	CHECK(answers(&db, BAR_B, 0x10000));
	CHECK(vpci_bar_addr(&fb, 2) == BAR_B);
	bar_done();
	/* Sizes that are not a power of two of at least 4 KiB are no BAR. */
	memset(&fb, 0, sizeof(fb));
	vpci_bar_init(&fb, 0, 0x800, false, BAR_B, &r);
	vpci_bar_init(&fb, 1, 0x3000, false, BAR_B, &r);
	vpci_bar_init(&fb, 5, 0x4000, true, BAR_B, &r);	/* no room for 6 */
	CHECK(fb.bar[0].size == 0 && fb.bar[1].size == 0
	      && fb.bar[5].size == 0);
}

/* The gateway an I/O core installs: it counts what it carries. */
static unsigned carried;

static void gateway(void (*fn)(void *arg), void *arg)
{
	carried++;
	fn(arg);
}

/* Configuration space (CFC, ECAM) and what decodes behind a BAR belong to
 * the I/O core's side: with a gateway their accesses go through it, and a
 * BAR moved during one is where the next access finds it. */
static void config_space_and_bars_are_reached_through_the_gateway(void)
{
	const struct bus_range *r;

	bar_fresh();
	carried = 0;
	bus_set_gateway(gateway);
	vpci_cf8_write(&B, cf8(0, 0, 0, 0));
	CHECK(iobus_in(0xcfc, 4) == rd(0, 0, 4));
	CHECK(carried == 1);
	r = mmiobus_find(ecam(0, SLOT_A, 0, PCI_COMMAND), 2);
	CHECK(r && r->remote);
	if (r)
		bus_write(r, ecam(0, SLOT_A, 0, PCI_COMMAND), 2,
			  PCI_COMMAND_MEMORY);
	CHECK(carried == 2);
	r = mmiobus_find(BAR_A + 8, 4);
	CHECK(r && r->remote);
	if (r) {
		bus_write(r, BAR_A + 8, 4, 1);
		CHECK(da.writes == 1 && da.last == BAR_A + 8);
		CHECK(bus_read(r, BAR_A + 12, 4) == da.tag);
		CHECK(da.reads == 1 && da.last == BAR_A + 12);
	}
	CHECK(carried == 4);
	vpci_cf8_write(&B, cf8(0, SLOT_A, 0, 0));
	bus_set_gateway(NULL);
	CHECK(iobus_in(0xcfc, 4) == rd(SLOT_A, 0, 4));
	CHECK(carried == 4);
}

static void bar_is_mapped_only_while_memory_decode_is_on(void)
{
	bar_fresh();
	CHECK(!(rd(SLOT_A, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY));
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(!fa.bar[0].mapped);
	set_decode(SLOT_A, true);
	CHECK(rd(SLOT_A, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	/* Exactly the BAR: not the byte before, not the byte after. */
	CHECK(mmiobus_find(BAR_A - 1, 1) == NULL);
	CHECK(mmiobus_find(BAR_A + BAR_SIZE, 1) == NULL);
	CHECK(mmiobus_find(BAR_A + BAR_SIZE - 2, 4) == NULL); /* straddles */
	/* Writes reach it too. */
	const struct bus_range *r = mmiobus_find(BAR_A + 8, 4);

	CHECK(r != NULL);
	if (r) {
		r->write(r->ctx, BAR_A + 8, 4, 1);
		CHECK(da.writes == 1 && da.last == BAR_A + 8);
	}
	/* Bus master alone does not matter. */
	wr(SLOT_A, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	set_decode(SLOT_A, false);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(!fa.bar[0].mapped);
	/* Byte writes to the command register work the same way. */
	wr(SLOT_A, PCI_COMMAND, 1, PCI_COMMAND_MEMORY);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	wr(SLOT_A, PCI_COMMAND, 1, 0);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	/* Through ECAM, as a guest does it. */
	ecam_write(ecam(0, SLOT_A, 0, PCI_COMMAND), 2, PCI_COMMAND_MEMORY);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	ecam_write(ecam(0, SLOT_A, 0, PCI_COMMAND), 4, 0);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 0);
	bar_done();
}

/* Writes one half of BAR 0 of SLOT_A (decode on: 0x10 or 0x14) and
 * checks that the move was refused: both halves hold BAR_A again, the
 * device answers there, nothing of it is at the refused address, one
 * more rollback. */
static void refused_at(uint32_t reg, uint32_t v, uint64_t bad)
{
	unsigned before = fa.bar[0].rollbacks;

	wr(SLOT_A, reg, 4, v);
	CHECK(rd(SLOT_A, 0x10, 4) == ((uint32_t)BAR_A | 0x4));
	CHECK(rd(SLOT_A, 0x14, 4) == (uint32_t)(BAR_A >> 32));
	CHECK(vpci_bar_addr(&fa, 0) == BAR_A);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == before + 1);
	CHECK(fa.bar[0].mapped);
	const struct bus_range *r = mmiobus_find(bad, 4);

	CHECK(r == NULL || r->ctx != &da);
}

static void refused(uint32_t lo, uint64_t bad)
{
	refused_at(0x10, lo, bad);
}

/* PCI 3.0, 6.2.5.1, as drivers that do not turn decode off first do it:
 * all ones into each half with memory decode on.  Each half reads back
 * its mask (the size), the BAR decodes nowhere meanwhile, nothing is
 * refused or logged, and the address written back maps it again, half
 * by half. */
static void bar_sized_with_decode_on_reads_back_the_size_mask(void)
{
	bar_fresh();
	set_decode(SLOT_A, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	logstub_clear();
	wr(SLOT_A, 0x10, 4, 0xffffffffu);
	CHECK(rd(SLOT_A, 0x10, 4) == 0xffffc004u);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	wr(SLOT_A, 0x14, 4, 0xffffffffu);
	CHECK(rd(SLOT_A, 0x14, 4) == 0xffffffffu);
	CHECK(~(bar0(SLOT_A)) + 1 == BAR_SIZE);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(nothing_at(0xffffc000ull, BAR_SIZE));
	/* Restored low half first: the high one still holds its probe. */
	wr(SLOT_A, 0x10, 4, (uint32_t)BAR_A);
	CHECK(rd(SLOT_A, 0x10, 4) == ((uint32_t)BAR_A | 0x4));
	CHECK(rd(SLOT_A, 0x14, 4) == 0xffffffffu);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	wr(SLOT_A, 0x14, 4, (uint32_t)(BAR_A >> 32));
	CHECK(bar0(SLOT_A) == BAR_A);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 0);
	CHECK(logstub_lines == 0);
	/* A probe left in place and then a bad address: that is a move,
	 * refused back to where the BAR was last mapped. */
	wr(SLOT_A, 0x10, 4, 0xffffffffu);
	refused(0, 0);
	CHECK(fa.bar[0].rollbacks == 1);
	bar_done();
}

static void bar_moved_over_ram_is_rolled_back(void)
{
	bar_fresh();
	set_decode(SLOT_A, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	refused(0x1000000, 0x1000000);
	refused(0, 0);
	refused((uint32_t)(RAM_TOP - BAR_SIZE), RAM_TOP - BAR_SIZE);
	/* With the window opened down to 0, the RAM check alone refuses
	 * these; just above RAM is free. */
	B.win_base = 0;
	refused(0x1000000, 0x1000000);
	refused(0, 0);
	refused((uint32_t)(RAM_TOP - BAR_SIZE), RAM_TOP - BAR_SIZE);
	/* RAM inside the window: a BAR overlapping any byte of it is
	 * refused, not just one starting there. */
	ram.r[1] = (struct gmem_region){ 0xd0002000, 0x1000, NULL };
	ram.n = 2;
	refused(0xd0000000, 0xd0000000);
	refused(0xd0000000, 0xd0002000);
	ram.n = 1;
	wr(SLOT_A, 0x10, 4, (uint32_t)RAM_TOP);
	CHECK(bar0(SLOT_A) == RAM_TOP);
	CHECK(answers(&da, RAM_TOP, BAR_SIZE));
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 8);
	bar_done();
}

static void bar_moved_outside_the_window_is_rolled_back(void)
{
	bar_fresh();
	set_decode(SLOT_A, true);
	/* Above 4 GiB through the high half. */
	refused_at(0x14, 1, 0x100000000ull + BAR_A);
	CHECK(rd(SLOT_A, 0x14, 4) == 0);
	/* A 64-bit OS placing it at 64 GiB writes the low half (refused:
	 * 0 is RAM), then the high half (refused: above the window). */
	refused(0, 0);
	refused_at(0x14, 0x10, 0x1000000000ull + BAR_A);
	/* Not all ones (a probe is the whole dword): a move, refused. */
	refused_at(0x14, 0xfffffffeu, 0xfffffffe00000000ull | BAR_A);
	/* The ECAM window just below, the IOAPIC just above, straddling the
	 * window's end and its start. */
	refused((uint32_t)GUEST_ECAM_BASE, GUEST_ECAM_BASE);
	refused((uint32_t)(GUEST_PCI_MMIO_BASE - BAR_SIZE),
		GUEST_PCI_MMIO_BASE - BAR_SIZE);
	refused((uint32_t)GUEST_PCI_MMIO_END, GUEST_PCI_MMIO_END);
	refused((uint32_t)GUEST_LAPIC_BASE, GUEST_LAPIC_BASE);
	refused(0xffffc000u, 0xffffc000ull);
	B.win_end = BAR_B + 0x2000; /* the window ends inside the BAR */
	refused((uint32_t)BAR_B, BAR_B);
	CHECK(fa.bar[0].rollbacks == 10);
	B.win_end = GUEST_PCI_MMIO_END;
	/* The first and the last 16 KiB of the window are fine. */
	wr(SLOT_A, 0x10, 4, (uint32_t)GUEST_PCI_MMIO_BASE);
	CHECK(bar0(SLOT_A) == GUEST_PCI_MMIO_BASE);
	CHECK(answers(&da, GUEST_PCI_MMIO_BASE, BAR_SIZE));
	wr(SLOT_A, 0x10, 4, (uint32_t)(GUEST_PCI_MMIO_END - BAR_SIZE));
	CHECK(bar0(SLOT_A) == GUEST_PCI_MMIO_END - BAR_SIZE);
	CHECK(answers(&da, GUEST_PCI_MMIO_END - BAR_SIZE, BAR_SIZE));
	CHECK(nothing_at(GUEST_PCI_MMIO_BASE, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 10);
	bar_done();
}

static void bar_moved_over_another_device_is_rolled_back(void)
{
	bar_fresh();
	/* B has a 32 KiB BAR: A at BAR_B + 16 KiB overlaps its second
	 * half. */
	bar_fn(&fb, &db, 2 * BAR_SIZE, BAR_B);
	CHECK(vpci_add(&B, SLOT_B, &fb) == 0);
	set_decode(SLOT_A, true);
	set_decode(SLOT_B, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(answers(&db, BAR_B, 2 * BAR_SIZE));
	refused((uint32_t)BAR_B, BAR_B);
	refused((uint32_t)(BAR_B + BAR_SIZE), BAR_B + BAR_SIZE);
	CHECK(answers(&db, BAR_B, 2 * BAR_SIZE));
	CHECK(fb.bar[0].rollbacks == 0);
	/* The ECAM window is another device too. */
	B.win_base = GUEST_ECAM_BASE;
	refused((uint32_t)GUEST_ECAM_BASE, GUEST_ECAM_BASE);
	B.win_base = GUEST_PCI_MMIO_BASE;
	/* B moving onto A is refused the same way. */
	wr(SLOT_B, 0x10, 4, (uint32_t)BAR_A);
	CHECK(bar0(SLOT_B) == BAR_B);
	CHECK(fb.bar[0].rollbacks == 1);
	CHECK(answers(&db, BAR_B, 2 * BAR_SIZE));
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	/* Once B stops decoding, its place is free. */
	set_decode(SLOT_B, false);
	wr(SLOT_A, 0x10, 4, (uint32_t)BAR_B);
	CHECK(bar0(SLOT_A) == BAR_B);
	CHECK(answers(&da, BAR_B, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 3);
	bar_done();
}

static void bad_bar_written_with_decode_off_is_rolled_back_on_enable(void)
{
	bar_fresh();
	/* Never decoded yet: the old address is firmware's. */
	wr(SLOT_A, 0x10, 4, 0x1000000);
	CHECK(bar0(SLOT_A) == 0x1000000); /* decode off: just a register */
	CHECK(nothing_at(0x1000000, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 0);
	set_decode(SLOT_A, true);
	CHECK(bar0(SLOT_A) == BAR_A);
	CHECK(rd(SLOT_A, 0x14, 4) == 0);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 1);
	/* After a move: the old address is the last one decoded. */
	wr(SLOT_A, 0x10, 4, (uint32_t)BAR_B);
	CHECK(answers(&da, BAR_B, BAR_SIZE));
	set_decode(SLOT_A, false);
	CHECK(nothing_at(BAR_B, BAR_SIZE));
	wr(SLOT_A, 0x14, 4, 0x2);	/* high half only: 0x2_c020_0000 */
	CHECK(bar0(SLOT_A) == (0x200000000ull | BAR_B));
	set_decode(SLOT_A, true);
	CHECK(rd(SLOT_A, 0x10, 4) == ((uint32_t)BAR_B | 0x4));
	CHECK(rd(SLOT_A, 0x14, 4) == 0);
	CHECK(answers(&da, BAR_B, BAR_SIZE));
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 2);
	/* A good address written with decode off is taken on enable. */
	set_decode(SLOT_A, false);
	wr(SLOT_A, 0x10, 4, (uint32_t)BAR_A);
	CHECK(nothing_at(BAR_A, BAR_SIZE) && nothing_at(BAR_B, BAR_SIZE));
	set_decode(SLOT_A, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(nothing_at(BAR_B, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 2);
	bar_done();
}

static void bar_moves_to_a_free_address_in_the_window(void)
{
	static const uint64_t to[] = { BAR_B, GUEST_PCI_MMIO_BASE + 0x4000,
				       0xe0000000ull, BAR_A + BAR_SIZE, BAR_A };
	uint64_t at = BAR_A;

	bar_fresh();
	set_decode(SLOT_A, true);
	for (unsigned i = 0; i < sizeof(to) / sizeof(to[0]); i++) {
		wr(SLOT_A, 0x10, 4, (uint32_t)to[i]);
		wr(SLOT_A, 0x14, 4, (uint32_t)(to[i] >> 32));
		CHECK(bar0(SLOT_A) == to[i]);
		CHECK(answers(&da, to[i], BAR_SIZE));
		CHECK(nothing_at(at, BAR_SIZE));
		CHECK(fa.bar[0].good == to[i]);
		at = to[i];
	}
	/* Unaligned address bits are not writable: the BAR stays aligned. */
	wr(SLOT_A, 0x10, 4, (uint32_t)(BAR_B + 0x1ff0));
	CHECK(bar0(SLOT_A) == BAR_B);
	CHECK(answers(&da, BAR_B, BAR_SIZE));
	/* Rewriting the same address changes nothing. */
	wr(SLOT_A, 0x10, 4, (uint32_t)BAR_B);
	CHECK(answers(&da, BAR_B, BAR_SIZE));
	CHECK(fa.bar[0].rollbacks == 0);
	bar_done();
}

static void bar_whose_old_address_was_taken_stays_unmapped(void)
{
	bar_fresh();
	bar_fn(&fb, &db, BAR_SIZE, BAR_B);
	CHECK(vpci_add(&B, SLOT_B, &fb) == 0);
	/* A decodes at BAR_A, stops; B moves there and decodes. */
	set_decode(SLOT_A, true);
	set_decode(SLOT_A, false);
	set_decode(SLOT_B, true);
	wr(SLOT_B, 0x10, 4, (uint32_t)BAR_A);
	CHECK(answers(&db, BAR_A, BAR_SIZE));
	/* A bad address for A, then decode: no place to go back to. */
	wr(SLOT_A, 0x10, 4, 0x1000000);
	set_decode(SLOT_A, true);
	CHECK(fa.bar[0].rollbacks == 1);
	CHECK(!fa.bar[0].mapped);
	CHECK(bar0(SLOT_A) == BAR_A);
	CHECK(answers(&db, BAR_A, BAR_SIZE));	/* B is undisturbed */
	CHECK(nothing_at(0x1000000, BAR_SIZE));
	/* When B leaves, A can decode there again. */
	wr(SLOT_B, 0x10, 4, (uint32_t)BAR_B);
	CHECK(answers(&db, BAR_B, BAR_SIZE));
	set_decode(SLOT_A, false);
	set_decode(SLOT_A, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	bar_done();
}

/* Walks the capability list of `slot` through config space; true if it
 * is well formed, with the IDs found in ids[] (up to max). */
static bool cap_walk(unsigned slot, uint8_t *ids, unsigned max, unsigned *n)
{
	bool seen[256] = { false };
	uint32_t at;

	*n = 0;
	if (!(rd(slot, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return false;
	at = rd(slot, PCI_CAP_PTR, 1);
	while (at) {
		if (at & 3 || at < 0x40 || at > 0xfc || seen[at]) {
			printf("#   bad capability pointer 0x%x\n", at);
			return false;
		}
		seen[at] = true;
		if (*n < max)
			ids[*n] = (uint8_t)rd(slot, at, 1);
		(*n)++;
		at = rd(slot, at + 1, 1);
	}
	return true;
}

static void capability_list_is_well_formed(void)
{
	static const struct {
		uint8_t id;
		unsigned len;
	} caps[] = { { 0x09, 16 }, { 0x05, 14 }, { 0x09, 20 }, { 0x10, 0x3c },
		     { 0x11, 12 }, { 0x01, 8 },	 { 0x09, 17 }, { 0x0d, 2 } };
	uint32_t at[sizeof(caps) / sizeof(caps[0])];
	uint8_t ids[64];
	unsigned n = 0;

	bar_fresh();
	/* No capabilities yet: the status bit is clear. */
	CHECK(!(rd(SLOT_A, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST));
	CHECK(vpci_add_cap(&fa, 0x09, 1) == 0);	/* too short */
	CHECK(vpci_add_cap(&fa, 0x09, 0) == 0);
	CHECK(!(rd(SLOT_A, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST));
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		at[i] = vpci_add_cap(&fa, caps[i].id, caps[i].len);
		CHECK(at[i] >= 0x40 && !(at[i] & 3));
		CHECK(at[i] + caps[i].len <= 0x100);
		/* Each one starts past the end of the one before. */
		if (i)
			CHECK(at[i] >= at[i - 1] + caps[i - 1].len);
		CHECK(cap_walk(SLOT_A, ids, 64, &n));
		CHECK(n == i + 1);
	}
	CHECK(rd(SLOT_A, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CHECK(rd(SLOT_A, PCI_CAP_PTR, 1) == at[0]);
	CHECK(n == sizeof(caps) / sizeof(caps[0]));
	for (unsigned i = 0; i < n && i < 64; i++)
		CHECK(ids[i] == caps[i].id);
	/* Fill the rest of the 256-byte space: a capability that does not
	 * fit is refused and the list stays intact. */
	unsigned added = 0;
	uint32_t a;

	while ((a = vpci_add_cap(&fa, 0x09, 16)) != 0) {
		CHECK(a + 16 <= 0x100 && !(a & 3));
		added++;
		if (added > 64)
			break;
	}
	CHECK(vpci_add_cap(&fa, 0x09, 16) == 0);
	CHECK(vpci_add_cap(&fa, 0x09, 0x100) == 0);
	/* Smaller ones still fit while they end by 0x100, never past it. */
	for (unsigned len = 15; len >= 2; len--) {
		a = vpci_add_cap(&fa, 0x05, len);
		if (a) {
			CHECK(a + len <= 0x100 && !(a & 3));
			added++;
		}
	}
	CHECK(vpci_add_cap(&fa, 0x05, 2) == 0);	/* full */
	CHECK(cap_walk(SLOT_A, ids, 64, &n));
	CHECK(n == sizeof(caps) / sizeof(caps[0]) + added);
	/* The guest cannot rewrite the list. */
	wr(SLOT_A, PCI_CAP_PTR, 1, 0x41);
	wr(SLOT_A, at[0] + 1, 1, at[0]);
	wr(SLOT_A, PCI_STATUS, 2, 0);
	CHECK(cap_walk(SLOT_A, ids, 64, &n));
	CHECK(n == sizeof(caps) / sizeof(caps[0]) + added);
	bar_done();
}

static void remove_all_unmaps_bars(void)
{
	bar_fresh();
	bar_fn(&fb, &db, 2 * BAR_SIZE, BAR_B);
	CHECK(vpci_add(&B, SLOT_B, &fb) == 0);
	set_decode(SLOT_A, true);
	set_decode(SLOT_B, true);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	CHECK(answers(&db, BAR_B, 2 * BAR_SIZE));
	vpci_remove_all(&B);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	CHECK(nothing_at(BAR_B, 2 * BAR_SIZE));
	CHECK(!fa.bar[0].mapped && !fb.bar[0].mapped);
	/* The functions are gone, the host bridge and ECAM are not. */
	CHECK(rd(SLOT_A, 0, 4) == 0xffffffffu);
	CHECK(rd(SLOT_B, 0, 4) == 0xffffffffu);
	CHECK(rd(0, 0, 4) == 0x29c08086u);
	CHECK(mmiobus_find(GUEST_ECAM_BASE, 4) != NULL);
	CHECK(ecam_read(ecam(0, 0, 0, 0), 4) == 0x29c08086u);
	/* The slots are free again; a function added with decode on maps
	 * at once. */
	CHECK(vpci_add(&B, SLOT_A, &fa) == 0);
	CHECK(answers(&da, BAR_A, BAR_SIZE));
	vpci_remove_all(&B);
	CHECK(nothing_at(BAR_A, BAR_SIZE));
	/* Twice is harmless. */
	vpci_remove_all(&B);
	bar_done();
	/* Nothing of these tests is left on the MMIO bus. */
	CHECK(nothing_at(GUEST_PCI_MMIO_BASE,
			 GUEST_PCI_MMIO_END - GUEST_PCI_MMIO_BASE));
	for (uint64_t a = GUEST_PCI_MMIO_BASE; a < GUEST_PCI_MMIO_END;
	     a += BAR_SIZE)
		if (mmiobus_find(a, 1)) {
			printf("#   left mapped at 0x%llx\n",
			       (unsigned long long)a);
			CHECK(0);
			break;
		}
}

int main(void)
{
	fresh();
	if (vpci_attach(&B)) {
		printf("not ok - vpci_attach\n");
		return 1;
	}
	RUN(attach_refuses_a_second_registration);
	RUN(host_bridge_ids_through_cf8);
	RUN(host_bridge_ids_through_ecam);
	RUN(absent_functions_read_all_ones);
	RUN(cf8_without_enable_reads_all_ones);
	RUN(read_only_bits_keep_their_value);
	RUN(command_register_follows_write_mask);
	RUN(misaligned_and_oversized_accesses_are_refused);
	RUN(a_second_device_is_visible);
	RUN(bad_adds_are_refused);
	RUN(written_hook_gets_offset_and_size);
	RUN(bar_sizing_reads_back_the_size_mask);
	RUN(bar_sized_with_decode_on_reads_back_the_size_mask);
	RUN(bar_is_mapped_only_while_memory_decode_is_on);
	RUN(bar_moved_over_ram_is_rolled_back);
	RUN(bar_moved_outside_the_window_is_rolled_back);
	RUN(bar_moved_over_another_device_is_rolled_back);
	RUN(bad_bar_written_with_decode_off_is_rolled_back_on_enable);
	RUN(bar_moves_to_a_free_address_in_the_window);
	RUN(bar_whose_old_address_was_taken_stays_unmapped);
	RUN(capability_list_is_well_formed);
	RUN(remove_all_unmaps_bars);
	RUN(config_space_and_bars_are_reached_through_the_gateway);
	return CHECK_DONE();
}
