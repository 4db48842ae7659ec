#include "check.h"

#include "hv/guest_layout.h"
#include "hv/iobus.h"
#include "hv/log.h"
#include "hv/mmiobus.h"
#include "hv/pci_host.h"

/* hv/iobus.c logs unclaimed ports; nothing to log to here. */
void log_msg(const char *f, ...)
{
	(void)f;
}

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
	const struct mmio_range *r = mmiobus_find(addr, size);

	if (!r) {
		printf("#   no MMIO range at 0x%llx\n", (unsigned long long)addr);
		return 0xdeadbeef;
	}
	return r->read(r->ctx, addr, size);
}

static void ecam_write(uint64_t addr, unsigned size, uint64_t v)
{
	const struct mmio_range *r = mmiobus_find(addr, size);

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
	return CHECK_DONE();
}
