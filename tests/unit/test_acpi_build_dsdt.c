/* Host tests for hv/guest/acpi_build.c, the guest's ACPI tables: the
 * DSDT's AML: the _S5 package, PCI0's identity, resources and interrupt
 * routing, and PkgLength encoding.
 *
 * The output is read back the way an OS reads it: find the RSDP, check its
 * checksums, follow XsdtAddress (guest-physical, so relative to the base the
 * tables were built for), walk the XSDT, check each table's header, and only
 * then look at fields, at the offsets the ACPI 6.5 spec gives (named once,
 * in hv/guest/acpi_tables.h, for the builder and these tests).  The
 * readers, and the small AML parser that checks every PkgLength against
 * its enclosing package, are in tests/support/acpi_fixture.c.
 */
#include "tests/support/check.h"
#include "tests/support/acpi_fixture.h"

#include "hv/guest/acpi_build.h"
#include "hv/guest/acpi_tables.h"
#include "hv/guest/layout.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- DSDT -------------------------------------------------------------- */

static void dsdt_has_s5_package_and_pci0_ids(void)
{
	/* Name (_S5, Package (4) {5, 5, 0, 0}) */
	static const uint8_t s5[] = {
		0x08, '_', 'S', '5', '_',	/* Name (_S5, */
		0x12, 0x08, 0x04,		/* Package, PkgLength 8, 4 */
		0x0a, 0x05, 0x0a, 0x05,		/* 5, 5 */
		0x00, 0x00,			/* 0, 0 */
	};
	/* Name (_HID, EisaId ("PNP0A08")), Name (_CID, EisaId ("PNP0A03")) */
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D',
				       0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	static const uint8_t cid[] = { 0x08, '_', 'C', 'I', 'D',
				       0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t uid[] = { 0x08, '_', 'U', 'I', 'D', 0x00 };
	static const uint8_t seg[] = { 0x08, '_', 'S', 'E', 'G', 0x00 };
	static const uint8_t bbn[] = { 0x08, '_', 'B', 'B', 'N', 0x00 };
	static const uint8_t pci0[] = { 0x5b, 0x82 };

	for (int ecam = 0; ecam <= 1; ecam++) {
		struct img im = build(1, ecam);
		const uint8_t *d = dsdt_of(&im);

		CHECK(d != NULL);
		if (d) {
			size_t n = rd32(d + 4);

			check_header_ids(d, 2);
			/* \_S5 comes first, at the root. */
			CHECK(!memcmp(d + HDR_LEN, s5, sizeof(s5)));
			CHECK(contains(d, n, hid, sizeof(hid)));
			CHECK(contains(d, n, cid, sizeof(cid)));
			CHECK(contains(d, n, uid, sizeof(uid)));
			CHECK(contains(d, n, seg, sizeof(seg)));
			CHECK(contains(d, n, bbn, sizeof(bbn)));
			CHECK(contains(d, n, pci0, sizeof(pci0)));
			CHECK(contains(d, n, (const uint8_t *)"PCI0", 4));
		}
		img_free(&im);
	}
}

static void dsdt_aml_lengths_are_consistent(void)
{
	static const char *names[] = { "_S5_", "_SB_", "PCI0", "_HID",
				       "_CID", "_UID", "_SEG", "_BBN", "_CRS",
				       "_PRT" };

	for (int ecam = 0; ecam <= 1; ecam++) {
		struct img im = build(1, ecam);
		const uint8_t *d = dsdt_of(&im);
		struct aml_walk w;

		CHECK(d != NULL);
		if (!d) {
			img_free(&im);
			continue;
		}
		CHECK(aml_walk(&w, d + HDR_LEN, rd32(d + 4) - HDR_LEN));
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			CHECK(w_has_name(&w, names[i]));
		CHECK(w_has_name(&w, "MRES") == ecam);
		/* _S5 package, \_SB scope, PCI0, its _CRS buffer, its _PRT
		 * package and PRT_N entries; MRES and its buffer. */
		CHECK(w.npkg == (ecam ? 6u : 4u) + 1 + PRT_N);
		CHECK(w.nbufs == (ecam ? 2u : 1u));
		img_free(&im);
	}
}

/* The walker is not vacuous: nudging any PkgLength by one either way, or
 * cutting the body short, makes it fail. */
static void aml_walker_rejects_broken_lengths(void)
{
	struct img im = build(1, true);
	const uint8_t *d = dsdt_of(&im);
	struct aml_walk w, w2;
	uint8_t *copy;
	size_t n;

	CHECK(d != NULL);
	if (!d)
		goto out;
	n = rd32(d + 4) - HDR_LEN;
	CHECK(aml_walk(&w, d + HDR_LEN, n));
	copy = malloc(n);
	if (!copy)
		abort();
	for (unsigned i = 0; i < w.npkg; i++) {
		for (int delta = -1; delta <= 1; delta += 2) {
			/* The low bits are in the lead byte either way: 6 bits
			 * in a 1-byte encoding, 4 in a longer one. */
			uint8_t *b = &copy[w.pkg_at[i]];

			memcpy(copy, d + HDR_LEN, n);
			*b = (uint8_t)(*b + delta);
			CHECK(!aml_walk(&w2, copy, n));
		}
	}
	CHECK(!aml_walk(&w2, d + HDR_LEN, n - 1));
	free(copy);
out:
	img_free(&im);
}

static void dsdt_pci0_crs_has_bus_io_and_mmio_windows(void)
{
	struct img im = build(1, true);
	const uint8_t *d = dsdt_of(&im), *it[8];
	struct aml_walk w;
	int n = -1;

	CHECK(d != NULL);
	if (!d || !aml_walk(&w, d + HDR_LEN, rd32(d + 4) - HDR_LEN)) {
		CHECK(0);
		goto out;
	}
	CHECK(!strcmp(w.bufs[0].dev, "PCI0"));
	CHECK(!strcmp(w.bufs[0].name, "_CRS"));
	n = res_walk(w.bufs[0].p, w.bufs[0].len, it, 8);
	CHECK(n == 5);
	if (n != 5)
		goto out;

	/* WordBusNumber: producer, MinFixed, MaxFixed, PosDecode, 0-255. */
	CHECK(it[0][0] == 0x88 && rd16(it[0] + 1) == 13);
	CHECK(it[0][3] == 2 && it[0][4] == 0x0c && it[0][5] == 0);
	CHECK(rd16(it[0] + 6) == 0 && rd16(it[0] + 8) == 0);
	CHECK(rd16(it[0] + 10) == 0xff && rd16(it[0] + 12) == 0);
	CHECK(rd16(it[0] + 14) == 0x100);

	/* WordIO 0x0000-0x0CF7 and 0x0D00-0xFFFF, EntireRange. */
	CHECK(it[1][0] == 0x88 && it[1][3] == 1 && it[1][4] == 0x0c);
	CHECK(it[1][5] == 0x03);
	CHECK(rd16(it[1] + 8) == 0x0000 && rd16(it[1] + 10) == 0x0cf7);
	CHECK(rd16(it[1] + 14) == 0x0cf8);
	CHECK(it[2][0] == 0x88 && it[2][3] == 1 && it[2][4] == 0x0c);
	CHECK(rd16(it[2] + 8) == 0x0d00 && rd16(it[2] + 10) == 0xffff);
	CHECK(rd16(it[2] + 14) == 0xf300);

	/* DWordMemory, read/write, the 32-bit BAR window. */
	CHECK(it[3][0] == 0x87 && rd16(it[3] + 1) == 23);
	CHECK(it[3][3] == 0 && it[3][4] == 0x0c && it[3][5] == 0x01);
	CHECK(rd32(it[3] + 6) == 0);
	CHECK(rd32(it[3] + 10) == GUEST_PCI_MMIO_BASE);
	CHECK(rd32(it[3] + 14) == GUEST_PCI_MMIO_END - 1);
	CHECK(rd32(it[3] + 18) == 0);
	CHECK(rd32(it[3] + 22) == GUEST_PCI_MMIO_END - GUEST_PCI_MMIO_BASE);

	/* End Tag. */
	CHECK(it[4][0] == 0x79 && it[4][1] == 0x00);
out:
	img_free(&im);
}

/* With ECAM, a PNP0C02 device reserves exactly the MCFG window (Linux
 * checks MCFG against motherboard resources). */
static void dsdt_reserves_ecam_in_pnp0c02_only_with_ecam(void)
{
	static const uint8_t pnp0c02[] = { 0x0c, 0x41, 0xd0, 0x0c, 0x02 };

	for (int ecam = 0; ecam <= 1; ecam++) {
		struct img im = build(1, ecam);
		const uint8_t *d = dsdt_of(&im), *it[4];
		struct aml_walk w;

		CHECK(d != NULL);
		if (!d || !aml_walk(&w, d + HDR_LEN, rd32(d + 4) - HDR_LEN)) {
			CHECK(0);
			img_free(&im);
			continue;
		}
		CHECK(contains(d, rd32(d + 4), pnp0c02, sizeof(pnp0c02)) ==
		      ecam);
		if (ecam) {
			CHECK(w.nbufs == 2);
			CHECK(!strcmp(w.bufs[1].dev, "MRES"));
			CHECK(!strcmp(w.bufs[1].name, "_CRS"));
			CHECK(res_walk(w.bufs[1].p, w.bufs[1].len, it, 4) == 2);
			/* Memory32Fixed (ReadWrite, ECAM base, size) */
			CHECK(it[0][0] == 0x86 && rd16(it[0] + 1) == 9);
			CHECK(it[0][3] == 0x01);
			CHECK(rd32(it[0] + 4) == GUEST_ECAM_BASE);
			CHECK(rd32(it[0] + 8) == GUEST_ECAM_SIZE);
		}
		img_free(&im);
	}
}

/* PCI0's _PRT routes INTA..INTD of slots 1..31 to GSIs 16-19, swizzled;
 * the header's ACPI_PCI_INTX_GSI(), which device models use, agrees. */
static void dsdt_pci0_prt_routes_bus0_intx_to_gsi_16_to_19(void)
{
	/* Name (_PRT, Package (124) {
	 *     Package (4) { 0x0001FFFF, Zero, Zero, 17 },
	 *     Package (4) { 0x0001FFFF, One, Zero, 18 },
	 *     Package (4) { 0x0001FFFF, 2, Zero, 19 },
	 *     Package (4) { 0x0001FFFF, 3, Zero, 16 }, ...
	 * Each slot takes 12 + 12 + 13 + 13 bytes: the body is 1 + 31 * 50
	 * = 1551 bytes, the PkgLength 1553 = 0x611 in two bytes, 41 61. */
	static const uint8_t head[] = {
		0x08, '_', 'P', 'R', 'T',
		0x12, 0x41, 0x61, 0x7c,
		0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00,
		0x00, 0x00, 0x0a, 0x11,
		0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00,
		0x01, 0x00, 0x0a, 0x12,
		0x12, 0x0c, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00,
		0x0a, 0x02, 0x00, 0x0a, 0x13,
		0x12, 0x0c, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00,
		0x0a, 0x03, 0x00, 0x0a, 0x10,
	};
	static struct prt t;

	for (unsigned slot = 0; slot < 32; slot++)
		for (unsigned pin = 0; pin < 4; pin++)
			CHECK(ACPI_PCI_INTX_GSI(slot, pin) ==
			      prt_gsi[slot % 4][pin]);

	for (int ecam = 0; ecam <= 1; ecam++) {
		struct img im = build(2, ecam);
		const uint8_t *d = dsdt_of(&im), *p;
		struct aml_walk w;
		int i;

		CHECK(d != NULL);
		if (!d || !aml_walk(&w, d + HDR_LEN, rd32(d + 4) - HDR_LEN)) {
			CHECK(0);
			img_free(&im);
			continue;
		}
		i = w_find_obj(&w, "PCI0", "_PRT");
		CHECK(i >= 0);
		if (i < 0) {
			img_free(&im);
			continue;
		}
		p = w.objs[i].p;
		CHECK(w.objs[i].len == 1 + 0x611);
		CHECK(!memcmp(p - 5, head, sizeof(head)));
		CHECK(prt_parse(p, w.objs[i].len, &t));
		CHECK(prt_routes_ok(&t, false));
		/* Address a DWordConst; Pin Zero, One or a ByteConst; Source
		 * ZeroOp; SourceIndex a ByteConst below the I/O APIC's 24
		 * pins. */
		for (unsigned e = 0; e < t.n; e++) {
			CHECK(p[t.e[e].at[0]] == 0x0c);
			CHECK(p[t.e[e].at[1]] == (t.e[e].v[1] < 2 ?
						  t.e[e].v[1] : 0x0a));
			CHECK(p[t.e[e].at[2]] == 0x00);
			CHECK(p[t.e[e].at[3]] == 0x0a);
			CHECK(t.e[e].v[3] >= 16 && t.e[e].v[3] < 24);
		}
		img_free(&im);
	}
}

/* The _PRT checks are not vacuous: a wrong GSI, slot, function mask,
 * pin, Source or entry count in a copy of the real _PRT is caught. */
static void prt_check_rejects_wrong_routing(void)
{
	static struct prt t, t2;
	struct img im = build(1, true);
	const uint8_t *d = dsdt_of(&im);
	struct aml_walk w;
	uint8_t *copy;
	size_t n;
	int i;

	CHECK(d != NULL);
	if (!d || !aml_walk(&w, d + HDR_LEN, rd32(d + 4) - HDR_LEN)) {
		CHECK(0);
		goto out;
	}
	i = w_find_obj(&w, "PCI0", "_PRT");
	CHECK(i >= 0);
	if (i < 0)
		goto out;
	n = w.objs[i].len;
	CHECK(prt_parse(w.objs[i].p, n, &t) && prt_routes_ok(&t, false));
	if (t.n != PRT_N)
		goto out;
	copy = malloc(n);
	if (!copy)
		abort();
	{
		/* byte offset in the copy, new value */
		const struct {
			size_t off;
			uint8_t v;
		} bad[] = {
			{ t.e[0].at[3] + 1, 0x10 },	/* GSI 16, not 17 */
			{ t.e[77].at[3] + 1, 0x13 },	/* slot 20 INTB: 19 */
			{ t.e[PRT_N - 1].at[3] + 1, 0x11 }, /* last: 17 */
			{ t.e[7].at[0] + 3, 0x03 },	/* slot 2 -> 3 */
			{ t.e[0].at[0] + 1, 0xfe },	/* function 0xFFFE */
			{ t.e[4].at[1], 0x01 },		/* slot 2: pin 1 twice */
			{ t.e[9].at[2], 0x01 },		/* Source One */
			{ 3, PRT_N - 1 },		/* NumElements 123 */
		};

		for (unsigned b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			memcpy(copy, w.objs[i].p, n);
			CHECK(copy[bad[b].off] != bad[b].v);
			copy[bad[b].off] = bad[b].v;
			CHECK(!(prt_parse(copy, n, &t2) &&
				prt_routes_ok(&t2, true)));
		}
	}
	/* Cut short by a byte, it no longer parses. */
	CHECK(!prt_parse(w.objs[i].p, n - 1, &t2));
	free(copy);
out:
	img_free(&im);
}

/* ---- PkgLength encoding -------------------------------------------------- */

static void pkglen_encoding_boundaries(void)
{
	/* body -> encoded bytes (0: too long) */
	static const struct {
		size_t body;
		size_t n;
	} cases[] = {
		{ 0, 1 }, { 1, 1 }, { 62, 1 }, { 63, 2 }, { 64, 2 },
		{ 4093, 2 }, { 4094, 3 }, { (1u << 20) - 4, 3 },
		{ (1u << 20) - 3, 4 }, { (1u << 28) - 5, 4 },
		{ (1u << 28) - 4, 0 }, { (size_t)-1, 0 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[4] = { 0 };
		size_t n = acpi_aml_pkglen(cases[i].body, out), v;

		CHECK(n == cases[i].n);
		if (n == 0 || n != cases[i].n)
			continue;
		/* Decode as an AML parser does. */
		CHECK((size_t)(out[0] >> 6) + 1 == n);
		if (n == 1) {
			v = out[0] & 0x3f;
		} else {
			CHECK((out[0] & 0x30) == 0);
			v = out[0] & 0x0f;
			for (size_t j = 1; j < n; j++)
				v |= (size_t)out[j] << (4 + 8 * (j - 1));
		}
		CHECK(v == cases[i].body + n);
	}
	/* The classic example: a 2-byte PkgLength of 0x50 is 40 05. */
	{
		uint8_t out[4];

		CHECK(acpi_aml_pkglen(0x50 - 2, out) == 2);
		CHECK(out[0] == 0x40 && out[1] == 0x05);
	}
}

int main(void)
{
	RUN(dsdt_has_s5_package_and_pci0_ids);
	RUN(dsdt_aml_lengths_are_consistent);
	RUN(aml_walker_rejects_broken_lengths);
	RUN(dsdt_pci0_crs_has_bus_io_and_mmio_windows);
	RUN(dsdt_reserves_ecam_in_pnp0c02_only_with_ecam);
	RUN(dsdt_pci0_prt_routes_bus0_intx_to_gsi_16_to_19);
	RUN(prt_check_rejects_wrong_routing);
	RUN(pkglen_encoding_boundaries);
	return CHECK_DONE();
}
