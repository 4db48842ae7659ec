/* Host tests for the MSI set-up in drivers/pci.c, over a fake ECAM: a
 * device's capability list is walked without trusting it, and the MSI
 * capability is programmed as PCI 3.0, 6.8.1 lays it out. */
#include "tests/support/check.h"

#include "drivers/pci.h"

#include <stdlib.h>
#include <string.h>

/* pci_init maps ECAM; here it is plain memory. */
int paging_map_mmio(uint64_t base, uint64_t size)
{
	(void)base;
	(void)size;
	return 0;
}

static uint8_t *ecam; /* bus 0: 32 devices x 8 functions x 4 KiB */
static const struct pci_dev dev = { .bus = 0, .dev = 3, .fn = 0 };

static uint8_t *cfg(void)
{
	return ecam + (3 << 15);
}

static uint32_t rd(unsigned off)
{
	uint32_t v;

	memcpy(&v, cfg() + off, 4);
	return v;
}

static void wr(unsigned off, uint32_t v)
{
	memcpy(cfg() + off, &v, 4);
}

static void setup(void)
{
	if (!ecam)
		ecam = aligned_alloc(1 << 20, 1 << 20);
	memset(ecam, 0, 1 << 20);
	pci_init((uint64_t)(uintptr_t)ecam, 0, 0);
	wr(0x04, 1u << 20); /* status: a capability list */
}

static const struct msi_msg msg = { 0xfee01000ull, 0xf1 };

/* Power management first, then MSI with 64-bit addresses and per-vector
 * masking, four vectors capable and two enabled by someone before. */
static void msi_64bit_with_masking_after_another_capability(void)
{
	setup();
	wr(0x34, 0x40);
	wr(0x40, 0x01 | 0x60 << 8);
	wr(0x60, 0x05 | (0x180 | 2 << 1 | 1 << 4) << 16);
	wr(0x6c, 0xabcd0000);  /* data's upper half: reserved */
	wr(0x70, 0xffffffff); /* every vector masked */
	CHECK(pci_msi_enable(&dev, &msg));
	CHECK(rd(0x64) == 0xfee01000 && rd(0x68) == 0);
	CHECK(rd(0x6c) == (0xabcd0000 | 0xf1));
	CHECK(rd(0x70) == 0);
	CHECK((rd(0x60) >> 16) == (0x180 | 2 << 1 | 1)); /* on, MME 0 */
	CHECK((rd(0x60) & 0xffff) == 0x0005); /* ID and next kept */
	pci_msi_disable(&dev);
	CHECK((rd(0x60) >> 16) == (0x180 | 2 << 1));
	CHECK(rd(0x40) == (0x01 | 0x60 << 8)); /* the other one untouched */
}

/* 32-bit addresses only: the data sits at +8, and an address above 4 GiB
 * cannot be given. */
static void msi_32bit(void)
{
	const struct msi_msg high = { 0x1fee00000ull, 0xf1 };

	setup();
	wr(0x34, 0x50);
	wr(0x50, 0x05);
	CHECK(!pci_msi_enable(&dev, &high));
	CHECK(rd(0x50) >> 16 == 0);
	CHECK(pci_msi_enable(&dev, &msg));
	CHECK(rd(0x54) == 0xfee01000 && (rd(0x58) & 0xffff) == 0xf1);
	CHECK(rd(0x50) >> 16 == 1);
}

/* No list, a list that loops, pointers below 0x40 or misaligned: no MSI,
 * and the walk ends. */
static void hostile_capability_lists(void)
{
	setup();
	wr(0x04, 0);
	wr(0x34, 0x50);
	wr(0x50, 0x05);
	CHECK(!pci_msi_enable(&dev, &msg)); /* the status bit says none */
	setup();
	wr(0x34, 0x40);
	wr(0x40, 0x09 | 0x44 << 8);
	wr(0x44, 0x09 | 0x40 << 8);
	CHECK(!pci_msi_enable(&dev, &msg));
	setup();
	wr(0x34, 0x20); /* inside the header */
	CHECK(!pci_msi_enable(&dev, &msg));
	setup();
	wr(0x34, 0x43); /* the low bits are reserved: 0x40 */
	wr(0x40, 0x05);
	CHECK(pci_msi_enable(&dev, &msg) && rd(0x44) == 0xfee01000);
	setup();
	wr(0x34, 0xfc);
	wr(0xfc, 0x09 | 0xfc << 8); /* the last dword, to itself */
	CHECK(!pci_msi_enable(&dev, &msg));
}

int main(void)
{
	RUN(msi_64bit_with_masking_after_another_capability);
	RUN(msi_32bit);
	RUN(hostile_capability_lists);
	return CHECK_DONE();
}
