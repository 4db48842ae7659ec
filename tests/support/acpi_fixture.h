/* What the ACPI table tests (tests/unit/test_acpi_build_*.c) share: the
 * built image and its readers (RSDP, XSDT, DSDT), a tiny AML walker, the
 * _PRT parser and its expected routing, and the common header checks
 * (acpi_fixture.c). */
#ifndef PLINTH_TEST_ACPI_FIXTURE_H
#define PLINTH_TEST_ACPI_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/acpi_build.h"
#include "hv/guest/acpi_tables.h"
#include "hv/guest/layout.h"

#define BASE GUEST_BIOS_START
#define AREA ((size_t)(GUEST_BIOS_END - GUEST_BIOS_START))
#define GUARD 256
#define GUARD_BYTE 0xa5

/* Little-endian byte lists, for expected table bytes. */
#define LE16(v) (uint8_t)((v) & 0xff), (uint8_t)(((v) >> 8) & 0xff)
#define LE32(v) LE16((v) & 0xffff), LE16(((v) >> 16) & 0xffff)

/* The built image, as the guest would see it at `base`. */
struct img {
	uint8_t *buf;	/* AREA bytes, zeroed before the build */
	uint64_t base;
	size_t used;
	size_t rsdp;
};

uint16_t rd16(const uint8_t *p);

uint32_t rd32(const uint8_t *p);

uint64_t rd64(const uint8_t *p);

uint8_t sum8(const uint8_t *p, size_t n);

struct img build_at(uint64_t base, unsigned ncpus, bool ecam);

struct img build(unsigned ncpus, bool ecam);

void img_free(struct img *im);

/* The bytes at guest-physical [addr, addr + len), or NULL if any of them
 * lies outside what the builder said it used. */
const uint8_t *gpa(const struct img *im, uint64_t addr, uint64_t len);

/* A description table at addr whose header holds up: signature, length
 * within the image and at least a header, checksum 0. */
const uint8_t *table_at(const struct img *im, uint64_t addr, const char *sig);

const uint8_t *rsdp_of(const struct img *im);

/* Finds a table the way an OS does: RSDP -> XSDT -> entry with `sig`. */
const uint8_t *xsdt_find(const struct img *im, const char *sig);

const uint8_t *dsdt_of(const struct img *im);

uint64_t addr_of(const struct img *im, const uint8_t *t);

bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m);

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
const uint8_t *w_pkg(struct aml_walk *w, const uint8_t **pp,
		     const uint8_t *end);

bool lead_char(uint8_t c);

bool name_char(uint8_t c);

/* 20.2.2: NameString; remembers the last NameSeg. */
bool w_namestring(struct aml_walk *w, const uint8_t **pp, const uint8_t *end);

/* An integer constant (20.2.3), for BufferSize. */
bool w_int(const uint8_t **pp, const uint8_t *end, uint64_t *v);

/* DataRefObject: integer, string, Package or Buffer. */
bool w_data(struct aml_walk *w, const uint8_t **pp, const uint8_t *end,
	    uint64_t *ival);

void w_defined(struct aml_walk *w);

bool w_termlist(struct aml_walk *w, const uint8_t *p, const uint8_t *end);

bool aml_walk(struct aml_walk *w, const uint8_t *body, size_t len);

bool w_has_name(const struct aml_walk *w, const char *seg);

/* The index of the one object that Name (seg) defines directly in Device
 * (dev), or -1 if there is none or more than one. */
int w_find_obj(const struct aml_walk *w, const char *dev, const char *seg);

/* Walks a resource template (6.4): small and large items, closed by an End
 * Tag that is the last item.  Returns the item count, or -1. */
int res_walk(const uint8_t *p, size_t n, const uint8_t **items, int max);

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
bool prt_parse(const uint8_t *p, size_t len, struct prt *t);

/* The INTx swizzle written out by hand, not computed: row slot % 4,
 * column pin (INTA..INTD). */
extern const uint8_t prt_gsi[4][4];

/* Every (slot 1..31, pin 0..3) exactly once, in slot-major order:
 * Address slot << 16 | 0xFFFF (any function), Source 0 (so SourceIndex
 * is a GSI), SourceIndex the swizzled GSI.  Prints the bad entries unless
 * quiet. */
bool prt_routes_ok(const struct prt *t, bool quiet);

/* A table header's revision, OEM and creator fields (5.2.6). */
void check_header_ids(const uint8_t *t, uint8_t revision);

#endif
