/* Host tests for hv/guest/acpi_build.c, the guest's ACPI tables: the RSDP,
 * XSDT and RSDT, FADT and FACS, MADT and MCFG, and the build's buffer
 * handling.
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

/* ---- RSDP --------------------------------------------------------------- */

static void rsdp_has_signature_checksums_and_revision_2(void)
{
	struct img im = build(1, true);
	const uint8_t *r = rsdp_of(&im);

	CHECK(im.used > 0);
	CHECK(r != NULL);
	if (!r)
		goto out;
	CHECK(!memcmp(r, "RSD PTR ", 8));
	CHECK(sum8(r, 20) == 0);		/* ACPI 1.0 checksum */
	CHECK(r[15] == 2);			/* Revision */
	CHECK(rd32(r + 20) == 36);		/* Length */
	CHECK(sum8(r, 36) == 0);		/* extended checksum */
	CHECK(!memcmp(r + 9, "PLINTH", 6));
	CHECK(r[33] == 0 && r[34] == 0 && r[35] == 0);
	/* Both roots point inside the image, at valid tables. */
	CHECK(table_at(&im, rd64(r + 24), "XSDT") != NULL);
	CHECK(table_at(&im, rd32(r + 16), "RSDT") != NULL);
	CHECK(rd64(r + 24) >= BASE && rd64(r + 24) < BASE + im.used);
out:
	img_free(&im);
}

/* Linux scans 0xE0000-0xFFFFF on 16-byte boundaries for a signature with
 * a valid checksum (and a valid extended one for revision 2). */
static void rsdp_is_found_by_bios_area_scan(void)
{
	struct img im = build(1, true);
	size_t found = (size_t)-1;

	for (size_t off = 0; off + 36 <= AREA; off += 16) {
		const uint8_t *p = im.buf + off;

		if (memcmp(p, "RSD PTR ", 8) || sum8(p, 20))
			continue;
		if (p[15] >= 2 && sum8(p, 36))
			continue;
		found = off;
		break;
	}
	CHECK(found == im.rsdp);
	CHECK((BASE + im.rsdp) % 16 == 0);
	CHECK(BASE + im.rsdp >= 0xe0000 && BASE + im.rsdp + 36 <= 0x100000);
	img_free(&im);
}

/* ---- XSDT, RSDT, headers ------------------------------------------------ */

static void xsdt_lists_fadt_madt_mcfg_with_valid_headers(void)
{
	static const char *want[] = { "FACP", "APIC", "MCFG" };
	static const uint8_t rev[] = { 6, 6, 1 };	/* as in ACPI 6.5 */

	for (int ecam = 0; ecam <= 1; ecam++) {
		struct img im = build(1, ecam);
		const uint8_t *r = rsdp_of(&im), *x;
		unsigned n;

		CHECK(r != NULL);
		if (!r) {
			img_free(&im);
			continue;
		}
		x = table_at(&im, rd64(r + 24), "XSDT");
		CHECK(x != NULL);
		if (!x) {
			img_free(&im);
			continue;
		}
		check_header_ids(x, 1);
		n = (rd32(x + 4) - HDR_LEN) / 8;
		CHECK((rd32(x + 4) - HDR_LEN) % 8 == 0);
		CHECK(n == (ecam ? 3u : 2u));
		for (unsigned i = 0; i < n && i < 3; i++) {
			uint64_t a = rd64(x + HDR_LEN + 8 * i);
			const uint8_t *t = table_at(&im, a, want[i]);

			CHECK(t != NULL);
			CHECK(a % 8 == 0);
			if (t)
				check_header_ids(t, rev[i]);
		}
		CHECK((xsdt_find(&im, "MCFG") != NULL) == ecam);
		img_free(&im);
	}
}

static void rsdt_lists_the_same_tables_as_xsdt(void)
{
	for (int ecam = 0; ecam <= 1; ecam++) {
		struct img im = build(2, ecam);
		const uint8_t *r = rsdp_of(&im);
		const uint8_t *x, *s;

		x = r ? table_at(&im, rd64(r + 24), "XSDT") : NULL;
		s = r ? table_at(&im, rd32(r + 16), "RSDT") : NULL;

		CHECK(x && s);
		if (x && s) {
			unsigned nx = (rd32(x + 4) - HDR_LEN) / 8;
			unsigned ns = (rd32(s + 4) - HDR_LEN) / 4;

			check_header_ids(s, 1);
			CHECK(nx == ns);
			for (unsigned i = 0; i < nx && i < ns; i++)
				CHECK(rd64(x + HDR_LEN + 8 * i) ==
				      rd32(s + HDR_LEN + 4 * i));
		}
		img_free(&im);
	}
}

/* Every table, the RSDP and FACS included: inside the image, aligned as
 * required and not overlapping another, whatever the base's alignment. */
struct range {
	uint64_t start, end;
	unsigned align;
};

static void add_range(struct range *r, unsigned *n, uint64_t start,
		      uint64_t len, unsigned align)
{
	r[*n].start = start;
	r[*n].end = start + len;
	r[*n].align = align;
	(*n)++;
}

/* The length a table header at addr declares, 0 if it is not there. */
static uint32_t len_at(const struct img *im, uint64_t addr)
{
	const uint8_t *t = gpa(im, addr, 8);

	return t ? rd32(t + 4) : 0;
}

static void tables_are_aligned_and_disjoint(void)
{
	uint64_t bases[] = { BASE, BASE + 8, BASE + 0x24 };

	for (unsigned b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct img im = build_at(bases[b], 3, true);
		const uint8_t *r = rsdp_of(&im), *f = xsdt_find(&im, "FACP");
		const uint8_t *x = r ? gpa(&im, rd64(r + 24), HDR_LEN) : NULL;
		struct range t[8];
		unsigned n = 0;

		CHECK(r && f && x);
		if (!r || !f || !x) {
			img_free(&im);
			continue;
		}
		add_range(t, &n, addr_of(&im, r), 36, 16);
		add_range(t, &n, rd64(f + FADT_X_FIRMWARE_CTRL), 64, 64);
		add_range(t, &n, rd64(f + FADT_X_DSDT),
			  len_at(&im, rd64(f + FADT_X_DSDT)), 8);
		add_range(t, &n, rd64(r + 24), len_at(&im, rd64(r + 24)), 8);
		add_range(t, &n, rd32(r + 16), len_at(&im, rd32(r + 16)), 8);
		for (uint32_t o = HDR_LEN; o + 8 <= rd32(x + 4) && n < 8;
		     o += 8)
			add_range(t, &n, rd64(x + o),
				  len_at(&im, rd64(x + o)), 8);
		CHECK(n == 8);
		for (unsigned i = 0; i < n; i++) {
			CHECK(t[i].end > t[i].start);
			CHECK(t[i].start >= bases[b]);
			CHECK(t[i].end <= bases[b] + im.used);
			CHECK(t[i].start % t[i].align == 0);
			for (unsigned j = 0; j < i; j++)
				CHECK(t[i].end <= t[j].start ||
				      t[j].end <= t[i].start);
		}
		CHECK(im.used <= AREA);
		img_free(&im);
	}
}

/* ---- FADT -------------------------------------------------------------- */

static void check_gas(const uint8_t *g, uint8_t space, uint8_t width,
		      uint8_t access, uint64_t addr)
{
	CHECK(g[0] == space);
	CHECK(g[1] == width);
	CHECK(g[2] == 0);
	CHECK(g[3] == access);
	CHECK(rd64(g + 4) == addr);
}

static void fadt_has_pm_blocks_sci_and_no_smi(void)
{
	struct img im = build(1, true);
	const uint8_t *f = xsdt_find(&im, "FACP");

	CHECK(f != NULL);
	if (!f)
		goto out;
	CHECK(rd32(f + 4) == FADT_LEN);
	CHECK(f[8] == 6);
	CHECK(f[FADT_MINOR_VERSION] == 5);
	CHECK(f[FADT_PM_PROFILE] <= 1);
	CHECK(rd16(f + FADT_SCI_INT) == GUEST_SCI_IRQ);
	/* No SMM: always in ACPI mode, no enable handshake. */
	CHECK(rd32(f + FADT_SMI_CMD) == 0);
	CHECK(f[FADT_ACPI_ENABLE] == 0 && f[FADT_ACPI_DISABLE] == 0);

	CHECK(rd32(f + FADT_PM1A_EVT_BLK) == GUEST_PM1A_EVT);
	CHECK(rd32(f + FADT_PM1A_CNT_BLK) == GUEST_PM1A_CNT);
	CHECK(rd32(f + FADT_PM_TMR_BLK) == GUEST_PM_TMR);
	CHECK(f[FADT_PM1_EVT_LEN] == 4);
	CHECK(f[FADT_PM1_CNT_LEN] == 2);
	CHECK(f[FADT_PM_TMR_LEN] == 4);
	/* Nothing the hypervisor does not emulate. */
	CHECK(rd32(f + FADT_PM1B_EVT_BLK) == 0);
	CHECK(rd32(f + FADT_PM1B_CNT_BLK) == 0);
	CHECK(rd32(f + FADT_PM2_CNT_BLK) == 0 && f[FADT_PM2_CNT_LEN] == 0);
	CHECK(rd32(f + FADT_GPE0_BLK) == 0 && f[FADT_GPE0_BLK_LEN] == 0);
	CHECK(rd32(f + FADT_GPE1_BLK) == 0 && f[FADT_GPE1_BLK_LEN] == 0);
	/* No C2/C3 (> 100 and > 1000 us). */
	CHECK(rd16(f + FADT_P_LVL2_LAT) > 100);
	CHECK(rd16(f + FADT_P_LVL3_LAT) > 1000);
	CHECK(f[FADT_CENTURY] == 0x32);
out:
	img_free(&im);
}

static void fadt_flags_and_boot_arch(void)
{
	struct img im = build(1, true);
	const uint8_t *f = xsdt_find(&im, "FACP");
	uint32_t flags;
	uint16_t boot;

	CHECK(f != NULL);
	if (!f)
		goto out;
	flags = rd32(f + FADT_FLAGS);
	CHECK(flags == (FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
			FADT_F_RESET_REG_SUP));
	CHECK(!(flags & FADT_F_HW_REDUCED_ACPI));
	CHECK(!(flags & FADT_F_TMR_VAL_EXT));	/* 24-bit PM timer */
	boot = rd16(f + FADT_IAPC_BOOT_ARCH);
	CHECK(boot & IAPC_LEGACY_DEVICES);
	CHECK(boot & IAPC_8042);
	CHECK(!(boot & IAPC_VGA_NOT_PRESENT));
	CHECK(!(boot & IAPC_MSI_NOT_SUPPORTED));
	CHECK(boot == (IAPC_LEGACY_DEVICES | IAPC_8042));
out:
	img_free(&im);
}

static void fadt_reset_register_is_port_cf9_value_6(void)
{
	struct img im = build(1, false);
	const uint8_t *f = xsdt_find(&im, "FACP");

	CHECK(f != NULL);
	if (f) {
		CHECK(rd32(f + FADT_FLAGS) & FADT_F_RESET_REG_SUP);
		/* System I/O, 8 bits at offset 0, byte access. */
		check_gas(f + FADT_RESET_REG, 1, 8, 1, GUEST_RESET_PORT);
		CHECK(f[FADT_RESET_VALUE] == 0x06);
	}
	img_free(&im);
}

/* The X_ fields name the same things as the 32-bit ones, with bit widths
 * 8 x the legacy lengths (ACPICA warns on a mismatch). */
static void fadt_x_fields_agree_with_32_bit_fields(void)
{
	struct img im = build(1, true);
	const uint8_t *f = xsdt_find(&im, "FACP");

	CHECK(f != NULL);
	if (!f)
		goto out;
	CHECK(rd64(f + FADT_X_DSDT) == rd32(f + FADT_DSDT));
	CHECK(rd64(f + FADT_X_FIRMWARE_CTRL) == rd32(f + FADT_FIRMWARE_CTRL));
	CHECK(table_at(&im, rd64(f + FADT_X_DSDT), "DSDT") != NULL);
	CHECK(gpa(&im, rd64(f + FADT_X_FIRMWARE_CTRL), 64) != NULL);

	check_gas(f + FADT_X_PM1A_EVT_BLK, 1, 32, 2, GUEST_PM1A_EVT);
	check_gas(f + FADT_X_PM1A_CNT_BLK, 1, 16, 2, GUEST_PM1A_CNT);
	check_gas(f + FADT_X_PM_TMR_BLK, 1, 32, 3, GUEST_PM_TMR);
	CHECK(f[FADT_X_PM1A_EVT_BLK + 1] == 8 * f[FADT_PM1_EVT_LEN]);
	CHECK(f[FADT_X_PM1A_CNT_BLK + 1] == 8 * f[FADT_PM1_CNT_LEN]);
	CHECK(f[FADT_X_PM_TMR_BLK + 1] == 8 * f[FADT_PM_TMR_LEN]);
	/* Absent blocks are all-zero GASes; no HW-reduced sleep registers. */
	for (unsigned i = 0; i < 12; i++) {
		CHECK(f[FADT_X_PM1B_EVT_BLK + i] == 0);
		CHECK(f[FADT_X_GPE0_BLK + i] == 0);
		CHECK(f[FADT_SLEEP_CONTROL_REG + i] == 0);
		CHECK(f[FADT_SLEEP_STATUS_REG + i] == 0);
	}
out:
	img_free(&im);
}

static void facs_is_64_bytes_64_aligned_version_2(void)
{
	struct img im = build(1, true);
	const uint8_t *f = xsdt_find(&im, "FACP");
	const uint8_t *s;

	s = f ? gpa(&im, rd64(f + FADT_X_FIRMWARE_CTRL), 64) : NULL;

	CHECK(s != NULL);
	if (s) {
		CHECK(!memcmp(s, "FACS", 4));
		CHECK(rd32(s + 4) == 64);
		CHECK(rd32(s + 8) == 0);	/* hardware signature */
		CHECK(rd32(s + 12) == 0);	/* waking vector */
		CHECK(rd32(s + 16) == 0);	/* global lock free */
		CHECK(rd32(s + 20) == 0);	/* flags */
		CHECK(rd64(s + 24) == 0);
		CHECK(s[32] == 2);		/* version */
		CHECK(addr_of(&im, s) % 64 == 0);
		for (unsigned i = 33; i < 64; i++)
			CHECK(s[i] == 0);
	}
	img_free(&im);
}

/* ---- MADT -------------------------------------------------------------- */

static void madt_one_cpu_has_exact_entries(void)
{
	static const uint8_t want[] = {
		LE32(GUEST_LAPIC_BASE),		/* Local APIC Address */
		LE32(1),			/* Flags: PCAT_COMPAT */
		0, 8, 0, 0, LE32(1),		/* LAPIC: UID 0, id 0, on */
		1, 12, 1, 0, LE32(GUEST_IOAPIC_BASE), LE32(0), /* I/O APIC 1 */
		2, 10, 0, 0, LE32(2), LE16(0x0005),	/* IRQ0 -> GSI 2 */
		2, 10, 0, 9, LE32(9), LE16(0x000d),	/* SCI, level high */
		4, 6, 0xff, LE16(0), 1,		/* NMI: LINT1, all */
	};
	struct img im = build(1, true);
	const uint8_t *m = xsdt_find(&im, "APIC");

	CHECK(m != NULL);
	if (m) {
		check_header_ids(m, 6);
		CHECK(rd32(m + 4) == HDR_LEN + sizeof(want));
		CHECK(!memcmp(m + HDR_LEN, want, sizeof(want)));
	}
	img_free(&im);
}

/* Walks the MADT's entries; returns how many local APICs, -1 if the
 * entries do not tile the table exactly or are out of order. */
static int madt_walk(const uint8_t *m, unsigned ncpus)
{
	uint32_t len = rd32(m + 4), off = HDR_LEN + 8;
	int lapics = 0;
	unsigned idx = 0;
	/* Order: lapics, ioapic, iso, iso, nmi. */
	while (off < len) {
		const uint8_t *e = m + off;

		if (len - off < 2 || e[1] < 2 || e[1] > len - off)
			return -1;
		if (idx < ncpus) {
			if (e[0] != 0 || e[1] != 8 || e[2] != idx ||
			    e[3] != idx ||
			    rd32(e + 4) != 1)
				return -1;
			lapics++;
		} else if (idx == ncpus) {
			if (e[0] != 1 || e[1] != 12 || e[2] != ncpus ||
			    rd32(e + 4) != GUEST_IOAPIC_BASE ||
			    rd32(e + 8) != 0)
				return -1;
		} else if (idx == ncpus + 1 || idx == ncpus + 2) {
			if (e[0] != 2 || e[1] != 10)
				return -1;
		} else if (idx == ncpus + 3) {
			if (e[0] != 4 || e[1] != 6 || e[2] != 0xff || e[5] != 1)
				return -1;
		} else {
			return -1;
		}
		idx++;
		off += e[1];
	}
	return off == len && idx == ncpus + 4 ? lapics : -1;
}

static void madt_has_one_local_apic_per_cpu(void)
{
	unsigned counts[] = { 1, 2, 4, 16, ACPI_BUILD_MAX_CPUS };

	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct img im = build(counts[i], true);
		const uint8_t *m = xsdt_find(&im, "APIC");

		CHECK(im.used > 0 && im.used <= AREA);
		CHECK(m != NULL);
		if (m) {
			CHECK(madt_walk(m, counts[i]) == (int)counts[i]);
			CHECK(rd32(m + 4) == HDR_LEN + 8 + 8 * counts[i] + 12 +
						      20 + 6);
		}
		img_free(&im);
	}
}

static void madt_four_cpus_io_apic_id_is_4(void)
{
	struct img im = build(4, false);
	const uint8_t *m = xsdt_find(&im, "APIC");

	CHECK(m != NULL);
	if (m) {
		const uint8_t *io = m + HDR_LEN + 8 + 4 * 8;

		CHECK(madt_walk(m, 4) == 4);
		CHECK(io[0] == 1 && io[2] == 4);
		for (unsigned c = 0; c < 4; c++) {
			const uint8_t *e = m + HDR_LEN + 8 + 8 * c;

			CHECK(e[2] == c && e[3] == c && rd32(e + 4) == 1);
		}
	}
	img_free(&im);
}

/* ---- MCFG -------------------------------------------------------------- */

static void mcfg_present_only_with_ecam(void)
{
	struct img with = build(1, true), without = build(1, false);
	const uint8_t *m = xsdt_find(&with, "MCFG");

	CHECK(m != NULL);
	if (m) {
		const uint8_t *a = m + HDR_LEN + 8;

		check_header_ids(m, 1);
		CHECK(rd32(m + 4) == HDR_LEN + 8 + 16);
		CHECK(rd64(m + HDR_LEN) == 0);		/* reserved */
		CHECK(rd64(a) == GUEST_ECAM_BASE);
		CHECK(rd16(a + 8) == 0);		/* segment */
		CHECK(a[10] == 0 && a[11] == 255);	/* buses */
		CHECK(rd32(a + 12) == 0);
	}
	CHECK(without.used > 0);
	CHECK(xsdt_find(&without, "MCFG") == NULL);
	CHECK(!contains(without.buf, without.used, (const uint8_t *)"MCFG", 4));
	CHECK(without.used < with.used);
	img_free(&with);
	img_free(&without);
}

/* ---- buffer sizes, determinism, bad input ------------------------------- */

static void too_small_buffer_returns_0_and_writes_nothing_past_it(void)
{
	struct acpi_build_cfg cfgs[] = { { 1, true }, { 4, false } };

	for (unsigned c = 0; c < 2; c++) {
		struct img im = build(cfgs[c].ncpus, cfgs[c].have_ecam);
		size_t need = im.used;

		CHECK(need > 0);
		img_free(&im);
		/* Every size short of the need, 0 included. */
		for (size_t len = 0; len < need; len++) {
			uint8_t *b = malloc(len + GUARD);
			size_t off = 12345;
			bool guard_ok = true;

			if (!b)
				abort();
			memset(b, GUARD_BYTE, len + GUARD);
			CHECK(acpi_build(b, len, BASE, &cfgs[c], &off) == 0);
			CHECK(off == 12345);
			for (size_t i = len; i < len + GUARD; i++)
				guard_ok &= b[i] == GUARD_BYTE;
			CHECK(guard_ok);
			free(b);
		}
		/* And exactly the need works (ASan checks the bound). */
		{
			uint8_t *b = malloc(need);
			size_t off = 0;

			if (!b)
				abort();
			CHECK(acpi_build(b, need, BASE, &cfgs[c], &off) ==
			      need);
			free(b);
		}
	}
}

static void output_does_not_depend_on_buffer_contents_or_size(void)
{
	struct acpi_build_cfg cfg = { 2, true };
	struct img ref = build(2, true);
	uint8_t *a = malloc(AREA), *b = malloc(ref.used);
	size_t ra = 0, rb = 0;

	if (!a || !b)
		abort();
	memset(a, 0xff, AREA);
	memset(b, 0x5a, ref.used);
	CHECK(acpi_build(a, AREA, BASE, &cfg, &ra) == ref.used);
	CHECK(acpi_build(b, ref.used, BASE, &cfg, &rb) == ref.used);
	CHECK(ra == ref.rsdp && rb == ref.rsdp);
	CHECK(!memcmp(a, ref.buf, ref.used));
	CHECK(!memcmp(b, ref.buf, ref.used));
	free(a);
	free(b);
	img_free(&ref);
}

static void invalid_config_returns_0(void)
{
	struct acpi_build_cfg ok = { 1, true }, zero = { 0, true };
	struct acpi_build_cfg many = { ACPI_BUILD_MAX_CPUS + 1, true };
	uint8_t *b = calloc(1, AREA);
	size_t off = 0;

	if (!b)
		abort();
	CHECK(acpi_build(b, AREA, BASE, NULL, &off) == 0);
	CHECK(acpi_build(b, AREA, BASE, &zero, &off) == 0);
	CHECK(acpi_build(b, AREA, BASE, &many, &off) == 0);
	CHECK(acpi_build(NULL, AREA, BASE, &ok, &off) == 0);
	CHECK(acpi_build(b, AREA, BASE, &ok, NULL) == 0);
	/* Tables must lie below 4 GiB: the RSDT and FADT hold 32-bit
	 * pointers. */
	CHECK(acpi_build(b, AREA, GUEST_4G, &ok, &off) == 0);
	CHECK(acpi_build(b, AREA, GUEST_4G - 256, &ok, &off) == 0);
	CHECK(acpi_build(b, AREA, GUEST_4G - 0x10000, &ok, &off) > 0);
	CHECK(acpi_build(b, AREA, BASE, &ok, &off) > 0);
	free(b);
}

int main(void)
{
	RUN(rsdp_has_signature_checksums_and_revision_2);
	RUN(rsdp_is_found_by_bios_area_scan);
	RUN(xsdt_lists_fadt_madt_mcfg_with_valid_headers);
	RUN(rsdt_lists_the_same_tables_as_xsdt);
	RUN(tables_are_aligned_and_disjoint);
	RUN(fadt_has_pm_blocks_sci_and_no_smi);
	RUN(fadt_flags_and_boot_arch);
	RUN(fadt_reset_register_is_port_cf9_value_6);
	RUN(fadt_x_fields_agree_with_32_bit_fields);
	RUN(facs_is_64_bytes_64_aligned_version_2);
	RUN(madt_one_cpu_has_exact_entries);
	RUN(madt_has_one_local_apic_per_cpu);
	RUN(madt_four_cpus_io_apic_id_is_4);
	RUN(mcfg_present_only_with_ecam);
	RUN(too_small_buffer_returns_0_and_writes_nothing_past_it);
	RUN(output_does_not_depend_on_buffer_contents_or_size);
	RUN(invalid_config_returns_0);
	return CHECK_DONE();
}
