/* The AML writer (ACPI 6.5 unless another spec is named); see
 * hv/guest/aml.h.  The DSDT it writes is described in acpi_build.c.
 */
#include "hv/guest/aml.h"

#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/guest/acpi_build.h"

/* Hands out n zeroed bytes at the next offset whose guest-physical address
 * is a multiple of align (a power of two), zeroing the padding too.
 * Returns NULL, and marks the build failed, when they do not fit. */
uint8_t *acpi_take(struct acpi_out *o, size_t n, size_t align, size_t *off)
{
	size_t pad = (size_t)(-(o->base + o->used) & (align - 1));

	if (o->full || pad > o->len - o->used || n > o->len - o->used - pad) {
		o->full = true;
		return NULL;
	}
	memset(o->buf + o->used, 0, pad + n);
	o->used += pad;
	if (off)
		*off = o->used;
	o->used += n;
	return o->buf + o->used - n;
}

size_t acpi_aml_pkglen(size_t body, uint8_t out[4])
{
	for (size_t n = 1; n <= 4; n++) {
		/* 20.2.4: one byte holds 6 bits; otherwise bits 7:6 of the
		 * lead byte count the bytes that follow, its bits 3:0 are
		 * the low nibble and each following byte 8 more bits. */
		size_t max = n == 1 ? 0x3f
				    : ((size_t)1 << (4 + 8 * (n - 1))) - 1;
		size_t v = body + n;

		if (body > max - n)
			continue;
		if (n == 1) {
			out[0] = (uint8_t)v;
			return 1;
		}
		out[0] = (uint8_t)((n - 1) << 6 | (v & 0x0f));
		for (size_t i = 1; i < n; i++)
			out[i] = (uint8_t)(v >> (4 + 8 * (i - 1)));
		return n;
	}
	return 0;
}

void aml_emit(struct acpi_out *o, const void *p, size_t n)
{
	uint8_t *d = acpi_take(o, n, 1, NULL);

	if (d)
		memcpy(d, p, n);
}

void aml_emit1(struct acpi_out *o, uint8_t b)
{
	aml_emit(o, &b, 1);
}

/* Call right after a package's opcode; returns where its contents start. */
size_t aml_pkg_begin(const struct acpi_out *o)
{
	return o->used;
}

void aml_pkg_end(struct acpi_out *o, size_t start)
{
	uint8_t enc[4];
	size_t body, n;

	if (o->full)
		return;
	body = o->used - start;
	n = acpi_aml_pkglen(body, enc);
	if (!n || !acpi_take(o, n, 1, NULL)) {
		o->full = true;
		return;
	}
	memmove(o->buf + start + n, o->buf + start, body);
	memcpy(o->buf + start, enc, n);
}

size_t aml_device_begin(struct acpi_out *o, const char *seg)
{
	size_t dev;

	aml_emit1(o, AML_EXT_OP_PREFIX); /* DeviceOp */
	aml_emit1(o, AML_DEVICE_OP);
	dev = aml_pkg_begin(o);
	aml_emit(o, seg, 4); /* NameString */
	return dev;
}

/* NameOp NameSeg (20.2.5.1, 20.2.2): the caller emits the data object. */
void aml_name(struct acpi_out *o, const char *seg)
{
	aml_emit1(o, AML_NAME_OP);
	aml_emit(o, seg, 4);
}

/* Name (seg, Zero): ZeroOp is the one-byte constant 0 (20.2.3). */
void aml_name_zero(struct acpi_out *o, const char *seg)
{
	aml_name(o, seg);
	aml_emit1(o, AML_ZERO_OP);
}

static uint8_t hexval(char c)
{
	return (uint8_t)(c <= '9' ? c - '0' : c - 'A' + 10);
}

/* Name (seg, EisaId ("PNPxxxx")): the compressed EISA id of 6.1.5 as a
 * DWordConst.  Its bytes in AML order: the three letters, 5 bits each
 * ('A' = 1) after a zero bit, big-endian in two bytes; then the four hex
 * digits as two bytes.  "PNP0A03" is 41 D0 0A 03. */
void aml_name_eisaid(struct acpi_out *o, const char *seg, const char *id)
{
	uint8_t c1 = (uint8_t)(id[0] - '@'), c2 = (uint8_t)(id[1] - '@');
	uint8_t c3 = (uint8_t)(id[2] - '@');
	uint8_t b[5] = {
		AML_DWORD_PREFIX,
		(uint8_t)((c1 << 2) | (c2 >> 3)),
		(uint8_t)(((c2 & 7) << 5) | c3),
		(uint8_t)((hexval(id[3]) << 4) | hexval(id[4])),
		(uint8_t)((hexval(id[5]) << 4) | hexval(id[6])),
	};

	aml_name(o, seg);
	aml_emit(o, b, sizeof(b));
}

static uint8_t *res_take(struct aml_restmpl *r, size_t n)
{
	if (r->full || n > sizeof(r->b) - r->n) {
		r->full = true;
		return NULL;
	}
	r->n += n;
	return r->b + r->n - n;
}

/* 6.4.3.5: General Flags of a range the bridge produces (bit 0 clear, so
 * Linux makes it a window), positive decode, fixed minimum and maximum. */
#define RES_GEN_FLAGS 0x0c /* _MAF (bit 3) | _MIF (bit 2) */

/* 6.4.3.5: an Address Space Descriptor, fixed size and place: _GRA 0,
 * _LEN = max - min + 1, no translation.  Its five numbers (_GRA, _MIN,
 * _MAX, _TRA, _LEN) are w bytes each: 2 in the Word form (6.4.3.5.3,
 * large item 0x88, name 0x08), 4 in the DWord form (6.4.3.5.2, 0x87). */
static void res_addr(struct aml_restmpl *r, uint8_t item, unsigned w,
		     uint8_t type, uint8_t tflags, uint32_t min, uint32_t max)
{
	const uint32_t num[5] = { 0, min, max, 0, max - min + 1 };
	uint8_t *d = res_take(r, 6 + 5 * w);

	if (!d)
		return;
	d[0] = item;				/* large item */
	put_le16(d + 1, (uint16_t)(3 + 5 * w)); /* length of what follows */
	d[3] = type;				/* Resource Type */
	d[4] = RES_GEN_FLAGS;			/* General Flags */
	d[5] = tflags;				/* Type Specific Flags */
	for (unsigned i = 0; i < 5; i++)	/* _GRA _MIN _MAX _TRA _LEN */
		for (unsigned b = 0; b < w; b++)
			d[6 + i * w + b] = (uint8_t)(num[i] >> (8 * b));
}

/* 6.4.3.5.3: Word Address Space Descriptor. */
void aml_res_word(struct aml_restmpl *r, uint8_t type, uint8_t tflags,
		  uint16_t min, uint16_t max)
{
	res_addr(r, 0x88, 2, type, tflags, min, max);
}

/* 6.4.3.5.2: DWord Address Space Descriptor for a memory window. */
void aml_res_dword_mem(struct aml_restmpl *r, uint32_t min, uint32_t max)
{
	res_addr(r, 0x87, 4, RES_TYPE_MEM, RES_MEM_RW, min, max);
}

/* 6.4.3.4: 32-bit Fixed Memory Range Descriptor, read/write. */
void aml_res_mem32_fixed(struct aml_restmpl *r, uint32_t base, uint32_t len)
{
	uint8_t *d = res_take(r, 12);

	if (!d)
		return;
	d[0] = 0x86;	       /* large item, name 0x06 */
	put_le16(d + 1, 9);    /* length of what follows */
	d[3] = RES_MEM_RW;     /* Information: _RW */
	put_le32(d + 4, base); /* _BAS */
	put_le32(d + 8, len);  /* _LEN */
}

/* Name (seg, ResourceTemplate () {...}): BufferOp PkgLength BufferSize
 * bytes (20.2.5.4), the template closed by an End Tag (6.4.2.9: small
 * item 0x0F, length 1) whose checksum 0 means "not checked". */
void aml_name_restmpl(struct acpi_out *o, const char *seg,
		      struct aml_restmpl *r)
{
	uint8_t *end = res_take(r, 2);
	size_t pkg;

	if (!end) {
		o->full = true;
		return;
	}
	end[0] = 0x79;
	end[1] = 0x00;
	aml_name(o, seg);
	aml_emit1(o, AML_BUFFER_OP);
	pkg = aml_pkg_begin(o);
	if (r->n <= 0xff) {
		/* BufferSize: ByteConst */
		aml_emit1(o, AML_BYTE_PREFIX);
		aml_emit1(o, (uint8_t)r->n);
	} else {
		/* BufferSize: WordConst */
		uint8_t w[3] = { AML_WORD_PREFIX };

		put_le16(w + 1, (uint16_t)r->n);
		aml_emit(o, w, sizeof(w));
	}
	aml_emit(o, r->b, r->n);
	aml_pkg_end(o, pkg);
}

/* 20.2.3: the shortest integer constant for v < 256: ZeroOp, OneOp or
 * ByteConst. */
void aml_byte_int(struct acpi_out *o, uint8_t v)
{
	if (v == 0) {
		aml_emit1(o, AML_ZERO_OP);
	} else if (v == 1) {
		aml_emit1(o, AML_ONE_OP);
	} else {
		aml_emit1(o, AML_BYTE_PREFIX);
		aml_emit1(o, v);
	}
}
