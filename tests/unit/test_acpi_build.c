/* Host tests for hv/guest/acpi_build.c: the guest's ACPI tables.
 *
 * The output is read back the way an OS reads it: find the RSDP, check its
 * checksums, follow XsdtAddress (guest-physical, so relative to the base the
 * tables were built for), walk the XSDT, check each table's header, and only
 * then look at fields, at the offsets the ACPI 6.5 spec gives (defined here
 * again, independently of the builder).  The DSDT's AML is walked by a small
 * parser that checks every PkgLength against its enclosing package.
 */
#include "tests/unit/check.h"

#include "hv/guest/acpi_build.h"
#include "hv/guest/layout.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE GUEST_BIOS_START
#define AREA ((size_t)(GUEST_BIOS_END - GUEST_BIOS_START))
#define GUARD 256
#define GUARD_BYTE 0xa5

/* Little-endian byte lists, for expected table bytes. */
#define LE16(v) (uint8_t)((v) & 0xff), (uint8_t)(((v) >> 8) & 0xff)
#define LE32(v) LE16((v) & 0xffff), LE16(((v) >> 16) & 0xffff)

/* ACPI 6.5 offsets, independent of the builder's. */
#define HDR_LEN 36
/* 5.2.9, Table 5.9 */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT 40
#define FADT_PM_PROFILE 45
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_ACPI_DISABLE 53
#define FADT_PM1A_EVT_BLK 56
#define FADT_PM1B_EVT_BLK 60
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1B_CNT_BLK 68
#define FADT_PM2_CNT_BLK 72
#define FADT_PM_TMR_BLK 76
#define FADT_GPE0_BLK 80
#define FADT_GPE1_BLK 84
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM2_CNT_LEN 90
#define FADT_PM_TMR_LEN 91
#define FADT_GPE0_BLK_LEN 92
#define FADT_GPE1_BLK_LEN 93
#define FADT_P_LVL2_LAT 96
#define FADT_P_LVL3_LAT 98
#define FADT_CENTURY 108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_VERSION 131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1B_EVT_BLK 160
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK 208
#define FADT_X_GPE0_BLK 220
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_SLEEP_STATUS_REG 256
#define FADT_LEN 276

/* Table 5.10 */
#define F_WBINVD (1u << 0)
#define F_WBINVD_FLUSH (1u << 1)
#define F_PROC_C1 (1u << 2)
#define F_P_LVL2_UP (1u << 3)
#define F_PWR_BUTTON (1u << 4)
#define F_SLP_BUTTON (1u << 5)
#define F_TMR_VAL_EXT (1u << 8)
#define F_RESET_REG_SUP (1u << 10)
#define F_HW_REDUCED_ACPI (1u << 20)
/* Table 5.11 */
#define BOOT_LEGACY_DEVICES (1u << 0)
#define BOOT_8042 (1u << 1)
#define BOOT_VGA_NOT_PRESENT (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED (1u << 3)

/* The built image, as the guest would see it at `base`. */
struct img {
	uint8_t *buf;	/* AREA bytes, zeroed before the build */
	uint64_t base;
	size_t used;
	size_t rsdp;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static struct img build_at(uint64_t base, unsigned ncpus, bool ecam)
{
	struct acpi_build_cfg cfg = { .ncpus = ncpus, .have_ecam = ecam };
	struct img im = { .buf = calloc(1, AREA), .base = base };

	if (!im.buf)
		abort();
	im.rsdp = (size_t)-1;
	im.used = acpi_build(im.buf, AREA, base, &cfg, &im.rsdp);
	return im;
}

static struct img build(unsigned ncpus, bool ecam)
{
	return build_at(BASE, ncpus, ecam);
}

static void img_free(struct img *im)
{
	free(im->buf);
	im->buf = NULL;
}

/* The bytes at guest-physical [addr, addr + len), or NULL if any of them
 * lies outside what the builder said it used. */
static const uint8_t *gpa(const struct img *im, uint64_t addr, uint64_t len)
{
	uint64_t off = addr - im->base;

	if (addr < im->base || off > im->used || len > im->used - off)
		return NULL;
	return im->buf + off;
}

/* A description table at addr whose header holds up: signature, length
 * within the image and at least a header, checksum 0. */
static const uint8_t *table_at(const struct img *im, uint64_t addr,
			       const char *sig)
{
	const uint8_t *t = gpa(im, addr, HDR_LEN);

	if (!t || memcmp(t, sig, 4))
		return NULL;
	if (rd32(t + 4) < HDR_LEN || !gpa(im, addr, rd32(t + 4)))
		return NULL;
	if (sum8(t, rd32(t + 4)) != 0)
		return NULL;
	return t;
}

static const uint8_t *rsdp_of(const struct img *im)
{
	return im->used && im->rsdp < im->used ? im->buf + im->rsdp : NULL;
}

/* Finds a table the way an OS does: RSDP -> XSDT -> entry with `sig`. */
static const uint8_t *xsdt_find(const struct img *im, const char *sig)
{
	const uint8_t *r = rsdp_of(im), *x;

	if (!r)
		return NULL;
	x = table_at(im, rd64(r + 24), "XSDT");
	if (!x)
		return NULL;
	for (uint32_t off = HDR_LEN; off + 8 <= rd32(x + 4); off += 8) {
		const uint8_t *t = gpa(im, rd64(x + off), HDR_LEN);

		if (t && !memcmp(t, sig, 4))
			return table_at(im, rd64(x + off), sig);
	}
	return NULL;
}

static const uint8_t *dsdt_of(const struct img *im)
{
	const uint8_t *f = xsdt_find(im, "FACP");

	return f ? table_at(im, rd64(f + FADT_X_DSDT), "DSDT") : NULL;
}

static uint64_t addr_of(const struct img *im, const uint8_t *t)
{
	return im->base + (uint64_t)(t - im->buf);
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle,
		     size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return true;
	return false;
}

/* ---- a tiny AML walker ------------------------------------------------
 * Knows the opcodes the builder uses: Name, Scope, Device, Package, Buffer
 * and the integer constants.  Every PkgLength must end inside its parent
 * and the contents must fill it exactly. */

#define W_MAX 64
#define PRT_N 124		/* _PRT entries: slots 1..31, INTA..INTD */
#define W_PKG_MAX 256		/* the _PRT alone has 1 + PRT_N packages */

struct aml_walk {
	const uint8_t *body;		/* start of the AML, for offsets */
	unsigned npkg;
	size_t pkg_at[W_PKG_MAX];	/* offset of each PkgLength */
	unsigned pkg_bytes[W_PKG_MAX];	/* its encoded size */
	unsigned nnames;
	char names[W_MAX][5];		/* NameSegs defined, in order */
	unsigned nbufs;
	struct {
		char dev[5], name[5];
		const uint8_t *p;
		size_t len;
	} bufs[8];
	unsigned nobjs;
	struct {			/* each Name's data object */
		char dev[5], name[5];	/* innermost Device, NameSeg */
		const uint8_t *p;	/* its first byte (the opcode) */
		size_t len;		/* all of its bytes */
	} objs[W_MAX];
	char dev[5];			/* innermost Device */
	char last[5];			/* last NameSeg read */
};

/* 20.2.4: returns the package's end, or NULL if the encoding is bad or
 * the package runs past `end`. */
static const uint8_t *w_pkg(struct aml_walk *w, const uint8_t **pp,
			    const uint8_t *end)
{
	const uint8_t *p = *pp;
	size_t n, len;

	if (p >= end)
		return NULL;
	n = (size_t)(p[0] >> 6) + 1;
	if ((size_t)(end - p) < n)
		return NULL;
	if (n == 1) {
		len = p[0] & 0x3f;
	} else {
		if (p[0] & 0x30)	/* bits 5:4 must be zero */
			return NULL;
		len = p[0] & 0x0f;
		for (size_t i = 1; i < n; i++)
			len |= (size_t)p[i] << (4 + 8 * (i - 1));
	}
	if (len < n || len > (size_t)(end - p))
		return NULL;
	if (w->npkg < W_PKG_MAX) {
		w->pkg_at[w->npkg] = (size_t)(p - w->body);
		w->pkg_bytes[w->npkg] = (unsigned)n;
		w->npkg++;
	}
	*pp = p + n;
	return p + len;
}

static bool lead_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(uint8_t c)
{
	return lead_char(c) || (c >= '0' && c <= '9');
}

/* 20.2.2: NameString; remembers the last NameSeg. */
static bool w_namestring(struct aml_walk *w, const uint8_t **pp,
			 const uint8_t *end)
{
	const uint8_t *p = *pp;
	unsigned segs = 1;

	if (p < end && *p == '\\')
		p++;
	else
		while (p < end && *p == '^')
			p++;
	if (p >= end)
		return false;
	if (*p == 0x00) {		/* NullName */
		*pp = p + 1;
		w->last[0] = 0;
		return true;
	}
	if (*p == 0x2e) {		/* DualNamePrefix */
		segs = 2;
		p++;
	} else if (*p == 0x2f) {	/* MultiNamePrefix SegCount */
		if (p + 1 >= end || p[1] == 0)
			return false;
		segs = p[1];
		p += 2;
	}
	for (unsigned s = 0; s < segs; s++, p += 4) {
		if (end - p < 4 || !lead_char(p[0]) || !name_char(p[1]) ||
		    !name_char(p[2]) || !name_char(p[3]))
			return false;
		memcpy(w->last, p, 4);
		w->last[4] = 0;
	}
	*pp = p;
	return true;
}

static bool w_data(struct aml_walk *w, const uint8_t **pp, const uint8_t *end,
		   uint64_t *ival);

/* An integer constant (20.2.3), for BufferSize. */
static bool w_int(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	size_t n;

	if (p >= end)
		return false;
	switch (*p) {
	case 0x00: *v = 0; *pp = p + 1; return true;
	case 0x01: *v = 1; *pp = p + 1; return true;
	case 0xff: *v = ~0ull; *pp = p + 1; return true;
	case 0x0a: n = 1; break;
	case 0x0b: n = 2; break;
	case 0x0c: n = 4; break;
	case 0x0e: n = 8; break;
	default: return false;
	}
	if ((size_t)(end - p) < n + 1)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	*pp = p + 1 + n;
	return true;
}

/* DataRefObject: integer, string, Package or Buffer. */
static bool w_data(struct aml_walk *w, const uint8_t **pp, const uint8_t *end,
		   uint64_t *ival)
{
	const uint8_t *p = *pp, *pend;
	uint64_t v = 0;

	if (p >= end)
		return false;
	if (*p == 0x0d) {		/* String: ASCII up to a NUL */
		for (p++; p < end && *p; p++)
			;
		if (p >= end)
			return false;
		*pp = p + 1;
		return true;
	}
	if (*p == 0x12) {		/* Package: PkgLength NumElements */
		unsigned count = 0, want;

		p++;
		pend = w_pkg(w, &p, end);
		if (!pend || p >= pend)
			return false;
		want = *p++;
		while (p < pend) {
			if (!w_data(w, &p, pend, NULL))
				return false;
			count++;
		}
		if (count != want)
			return false;
		*pp = pend;
		return true;
	}
	if (*p == 0x11) {		/* Buffer: PkgLength BufferSize */
		p++;
		pend = w_pkg(w, &p, end);
		if (!pend || !w_int(&p, pend, &v))
			return false;
		if (v != (uint64_t)(pend - p))
			return false;
		if (w->nbufs < 8 && w->nnames > 0) {
			memcpy(w->bufs[w->nbufs].dev, w->dev, 5);
			memcpy(w->bufs[w->nbufs].name,
			       w->names[w->nnames - 1], 5);
			w->bufs[w->nbufs].p = p;
			w->bufs[w->nbufs].len = (size_t)(pend - p);
			w->nbufs++;
		}
		*pp = pend;
		return true;
	}
	if (!w_int(&p, end, &v))
		return false;
	if (ival)
		*ival = v;
	*pp = p;
	return true;
}

static void w_defined(struct aml_walk *w)
{
	if (w->nnames < W_MAX)
		memcpy(w->names[w->nnames++], w->last, 5);
}

static bool w_termlist(struct aml_walk *w, const uint8_t *p,
		       const uint8_t *end)
{
	while (p < end) {
		uint8_t op = *p++;
		const uint8_t *pend;

		if (op == 0x08) {			/* Name */
			const uint8_t *obj;

			if (!w_namestring(w, &p, end))
				return false;
			w_defined(w);
			obj = p;
			if (!w_data(w, &p, end, NULL))
				return false;
			if (w->nobjs < W_MAX) {
				memcpy(w->objs[w->nobjs].dev, w->dev, 5);
				memcpy(w->objs[w->nobjs].name, w->last, 5);
				w->objs[w->nobjs].p = obj;
				w->objs[w->nobjs].len = (size_t)(p - obj);
				w->nobjs++;
			}
		} else if (op == 0x10) {		/* Scope */
			pend = w_pkg(w, &p, end);
			if (!pend || !w_namestring(w, &p, pend))
				return false;
			w_defined(w);
			if (!w_termlist(w, p, pend))
				return false;
			p = pend;
		} else if (op == 0x5b && p < end && *p == 0x82) { /* Device */
			char outer[5];

			p++;
			pend = w_pkg(w, &p, end);
			if (!pend || !w_namestring(w, &p, pend))
				return false;
			w_defined(w);
			memcpy(outer, w->dev, 5);
			memcpy(w->dev, w->last, 5);
			if (!w_termlist(w, p, pend))
				return false;
			memcpy(w->dev, outer, 5);
			p = pend;
		} else {
			return false;
		}
	}
	return p == end;
}

static bool aml_walk(struct aml_walk *w, const uint8_t *body, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->body = body;
	return w_termlist(w, body, body + len);
}

static bool w_has_name(const struct aml_walk *w, const char *seg)
{
	for (unsigned i = 0; i < w->nnames; i++)
		if (!strcmp(w->names[i], seg))
			return true;
	return false;
}

/* The index of the one object that Name (seg) defines directly in Device
 * (dev), or -1 if there is none or more than one. */
static int w_find_obj(const struct aml_walk *w, const char *dev,
		      const char *seg)
{
	int found = -1;

	for (unsigned i = 0; i < w->nobjs; i++) {
		if (strcmp(w->objs[i].dev, dev) || strcmp(w->objs[i].name, seg))
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	return found;
}

/* Walks a resource template (6.4): small and large items, closed by an End
 * Tag that is the last item.  Returns the item count, or -1. */
static int res_walk(const uint8_t *p, size_t n, const uint8_t **items,
		    int max)
{
	size_t off = 0;
	int count = 0;

	while (off < n) {
		size_t size;
		bool end_tag;

		if (p[off] & 0x80) {		/* large item */
			if (n - off < 3)
				return -1;
			size = 3 + (size_t)rd16(p + off + 1);
			end_tag = false;
		} else {			/* small item */
			size = 1 + (size_t)(p[off] & 7);
			end_tag = ((p[off] >> 3) & 0xf) == 0xf;
		}
		if (size > n - off)
			return -1;
		if (count < max)
			items[count] = p + off;
		count++;
		off += size;
		if (end_tag)
			return off == n && size == 2 ? count : -1;
	}
	return -1;
}

/* ---- the _PRT (6.2.13) ----------------------------------------------------
 * Read back the way an OS reads it: a Package of Package (4) { Address,
 * Pin, Source, SourceIndex }, each element an Integer. */

struct prt {
	unsigned n;			/* entries parsed */
	struct {
		uint64_t v[4];		/* Address, Pin, Source, SourceIndex */
		size_t at[4];		/* their offsets from the PackageOp */
	} e[PRT_N];
};

/* Parses the Package at p, which must fill exactly len bytes and hold
 * PRT_N entries of four integers each.  False if anything is off. */
static bool prt_parse(const uint8_t *p, size_t len, struct prt *t)
{
	const uint8_t *end = p + len, *q = p, *pend;
	struct aml_walk w;		/* only for w_pkg() */
	unsigned want;

	memset(t, 0, sizeof(*t));
	memset(&w, 0, sizeof(w));
	w.body = p;
	if (len < 1 || *q++ != 0x12)
		return false;
	pend = w_pkg(&w, &q, end);
	if (pend != end || q >= pend)
		return false;
	want = *q++;			/* NumElements */
	while (q < pend) {
		const uint8_t *eend;

		if (t->n >= PRT_N || *q++ != 0x12)
			return false;
		eend = w_pkg(&w, &q, pend);
		if (!eend || q >= eend || *q++ != 4)
			return false;
		for (unsigned i = 0; i < 4; i++) {
			t->e[t->n].at[i] = (size_t)(q - p);
			if (!w_int(&q, eend, &t->e[t->n].v[i]))
				return false;
		}
		if (q != eend)
			return false;
		t->n++;
	}
	return want == PRT_N && t->n == PRT_N;
}

/* The INTx swizzle written out by hand, not computed: row slot % 4,
 * column pin (INTA..INTD). */
static const uint8_t prt_gsi[4][4] = {
	{ 16, 17, 18, 19 },
	{ 17, 18, 19, 16 },
	{ 18, 19, 16, 17 },
	{ 19, 16, 17, 18 },
};

/* Every (slot 1..31, pin 0..3) exactly once, in slot-major order:
 * Address slot << 16 | 0xFFFF (any function), Source 0 (so SourceIndex
 * is a GSI), SourceIndex the swizzled GSI.  Prints the bad entries unless
 * quiet. */
static bool prt_routes_ok(const struct prt *t, bool quiet)
{
	bool ok = t->n == PRT_N;

	for (unsigned i = 0; i < t->n && i < PRT_N; i++) {
		unsigned slot = 1 + i / 4, pin = i % 4;

		if (t->e[i].v[0] != ((uint64_t)slot << 16 | 0xffff) ||
		    t->e[i].v[1] != pin || t->e[i].v[2] != 0 ||
		    t->e[i].v[3] != prt_gsi[slot % 4][pin]) {
			if (!quiet)
				printf("#   _PRT entry %u: %#llx %llu %llu %llu\n",
				       i, (unsigned long long)t->e[i].v[0],
				       (unsigned long long)t->e[i].v[1],
				       (unsigned long long)t->e[i].v[2],
				       (unsigned long long)t->e[i].v[3]);
			ok = false;
		}
	}
	return ok;
}

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

static void check_header_ids(const uint8_t *t, uint8_t revision)
{
	CHECK(t[8] == revision);
	CHECK(!memcmp(t + 10, "PLINTH", 6));
	CHECK(!memcmp(t + 16, "PLINTHVM", 8));
	CHECK(rd32(t + 24) == 1);
	CHECK(!memcmp(t + 28, "PLTH", 4));
	CHECK(rd32(t + 32) == 1);
}

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
	CHECK(flags == (F_WBINVD | F_PROC_C1 | F_SLP_BUTTON | F_RESET_REG_SUP));
	CHECK(!(flags & F_HW_REDUCED_ACPI));
	CHECK(!(flags & F_TMR_VAL_EXT));	/* 24-bit PM timer */
	boot = rd16(f + FADT_IAPC_BOOT_ARCH);
	CHECK(boot & BOOT_LEGACY_DEVICES);
	CHECK(boot & BOOT_8042);
	CHECK(!(boot & BOOT_VGA_NOT_PRESENT));
	CHECK(!(boot & BOOT_MSI_NOT_SUPPORTED));
	CHECK(boot == (BOOT_LEGACY_DEVICES | BOOT_8042));
out:
	img_free(&im);
}

static void fadt_reset_register_is_port_cf9_value_6(void)
{
	struct img im = build(1, false);
	const uint8_t *f = xsdt_find(&im, "FACP");

	CHECK(f != NULL);
	if (f) {
		CHECK(rd32(f + FADT_FLAGS) & F_RESET_REG_SUP);
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
	RUN(dsdt_has_s5_package_and_pci0_ids);
	RUN(dsdt_aml_lengths_are_consistent);
	RUN(aml_walker_rejects_broken_lengths);
	RUN(dsdt_pci0_crs_has_bus_io_and_mmio_windows);
	RUN(dsdt_reserves_ecam_in_pnp0c02_only_with_ecam);
	RUN(dsdt_pci0_prt_routes_bus0_intx_to_gsi_16_to_19);
	RUN(prt_check_rejects_wrong_routing);
	RUN(madt_one_cpu_has_exact_entries);
	RUN(madt_has_one_local_apic_per_cpu);
	RUN(madt_four_cpus_io_apic_id_is_4);
	RUN(mcfg_present_only_with_ecam);
	RUN(too_small_buffer_returns_0_and_writes_nothing_past_it);
	RUN(output_does_not_depend_on_buffer_contents_or_size);
	RUN(invalid_config_returns_0);
	RUN(pkglen_encoding_boundaries);
	return CHECK_DONE();
}
