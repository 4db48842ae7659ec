/* The AML writer (ACPI 6.5, chapter 20) and the buffer the guest's ACPI
 * tables are built in.  hv/guest/acpi_build.c allocates the tables from
 * one struct acpi_out and emits the DSDT's definition block into it with
 * the aml_*() calls below.
 *
 * A PkgLength is not known until its package's contents are:
 * aml_pkg_end() inserts it in front of them, moving them up by the 1 to 4
 * bytes it takes.  Nothing here fails loudly: a write that does not fit
 * sets `full`, every later one is dropped, and the build returns 0.
 *
 * Pure, like acpi_build.c: no allocation, no I/O, only <string.h>.
 */
#ifndef PLINTH_AML_H
#define PLINTH_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AML opcodes (20.3, 20.2). */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR 0x5c /* '\' */

/* The part of buf handed out so far, growing from offset 0. */
struct acpi_out {
	uint8_t *buf;
	size_t len;    /* usable bytes of buf */
	size_t used;   /* bytes handed out; always <= len */
	uint64_t base; /* guest-physical address of buf[0] */
	bool full;     /* something did not fit: the build fails */
};

/* Hands out n zeroed bytes at the next offset whose guest-physical address
 * is a multiple of align (a power of two), zeroing the padding too.
 * Returns NULL, and marks the build failed, when they do not fit. */
uint8_t *acpi_take(struct acpi_out *o, size_t n, size_t align, size_t *off);

void aml_emit(struct acpi_out *o, const void *p, size_t n);
void aml_emit1(struct acpi_out *o, uint8_t b);

/* Call right after a package's opcode; returns where its contents start. */
size_t aml_pkg_begin(const struct acpi_out *o);
/* Closes the package begun at `start`: inserts its PkgLength there. */
void aml_pkg_end(struct acpi_out *o, size_t start);
/* Device (seg) {: ExtOpPrefix DeviceOp PkgLength NameString (20.2.5.2);
 * returns the start for the aml_pkg_end that closes it. */
size_t aml_device_begin(struct acpi_out *o, const char *seg);

/* NameOp NameSeg (20.2.5.1, 20.2.2): the caller emits the data object. */
void aml_name(struct acpi_out *o, const char *seg);
/* Name (seg, Zero). */
void aml_name_zero(struct acpi_out *o, const char *seg);
/* Name (seg, EisaId ("PNPxxxx")). */
void aml_name_eisaid(struct acpi_out *o, const char *seg, const char *id);
/* 20.2.3: the shortest integer constant for v < 256: ZeroOp, OneOp or
 * ByteConst. */
void aml_byte_int(struct acpi_out *o, uint8_t v);

/* A ResourceTemplate's bytes (6.4), assembled before they go into a
 * Buffer because the BufferSize comes first. */
struct aml_restmpl {
	uint8_t b[128];
	size_t n;
	bool full;
};

/* 6.4.3.5: Resource Type of an address space descriptor and its Type
 * Specific Flags. */
#define RES_TYPE_MEM 0
#define RES_TYPE_IO 1
#define RES_TYPE_BUS 2
#define RES_IO_ENTIRE_RANGE 0x03 /* _RNG: ISA and non-ISA ports */
#define RES_MEM_RW 0x01		 /* _RW; _MEM 0: non-cacheable */

/* 6.4.3.5.3: Word Address Space Descriptor, a fixed range the bridge
 * produces. */
void aml_res_word(struct aml_restmpl *r, uint8_t type, uint8_t tflags,
		  uint16_t min, uint16_t max);
/* 6.4.3.5.2: DWord Address Space Descriptor for a memory window. */
void aml_res_dword_mem(struct aml_restmpl *r, uint32_t min, uint32_t max);
/* 6.4.3.4: 32-bit Fixed Memory Range Descriptor, read/write. */
void aml_res_mem32_fixed(struct aml_restmpl *r, uint32_t base, uint32_t len);
/* Name (seg, ResourceTemplate () {...}): closes r with an End Tag. */
void aml_name_restmpl(struct acpi_out *o, const char *seg,
		      struct aml_restmpl *r);

#endif
