/* The ACPI table tests' readers and AML walker; what each does is in
 * acpi_fixture.h. */
#include "tests/support/acpi_fixture.h"

#include "tests/support/check.h"

uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

struct img build_at(uint64_t base, unsigned ncpus, bool ecam)
{
	struct acpi_build_cfg cfg = { .ncpus = ncpus, .have_ecam = ecam };
	struct img im = { .buf = calloc(1, AREA), .base = base };

	if (!im.buf)
		abort();
	im.rsdp = (size_t)-1;
	im.used = acpi_build(im.buf, AREA, base, &cfg, &im.rsdp);
	return im;
}

struct img build(unsigned ncpus, bool ecam)
{
	return build_at(BASE, ncpus, ecam);
}

void img_free(struct img *im)
{
	free(im->buf);
	im->buf = NULL;
}

const uint8_t *gpa(const struct img *im, uint64_t addr, uint64_t len)
{
	uint64_t off = addr - im->base;

	if (addr < im->base || off > im->used || len > im->used - off)
		return NULL;
	return im->buf + off;
}

const uint8_t *table_at(const struct img *im, uint64_t addr, const char *sig)
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

const uint8_t *rsdp_of(const struct img *im)
{
	return im->used && im->rsdp < im->used ? im->buf + im->rsdp : NULL;
}

const uint8_t *xsdt_find(const struct img *im, const char *sig)
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

const uint8_t *dsdt_of(const struct img *im)
{
	const uint8_t *f = xsdt_find(im, "FACP");

	return f ? table_at(im, rd64(f + FADT_X_DSDT), "DSDT") : NULL;
}

uint64_t addr_of(const struct img *im, const uint8_t *t)
{
	return im->base + (uint64_t)(t - im->buf);
}

bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return true;
	return false;
}

const uint8_t *w_pkg(struct aml_walk *w, const uint8_t **pp, const uint8_t *end)
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

bool lead_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

bool name_char(uint8_t c)
{
	return lead_char(c) || (c >= '0' && c <= '9');
}

bool w_namestring(struct aml_walk *w, const uint8_t **pp, const uint8_t *end)
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

bool w_int(const uint8_t **pp, const uint8_t *end, uint64_t *v)
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

bool w_data(struct aml_walk *w, const uint8_t **pp, const uint8_t *end,
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

void w_defined(struct aml_walk *w)
{
	if (w->nnames < W_MAX)
		memcpy(w->names[w->nnames++], w->last, 5);
}

bool w_termlist(struct aml_walk *w, const uint8_t *p, const uint8_t *end)
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

bool aml_walk(struct aml_walk *w, const uint8_t *body, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->body = body;
	return w_termlist(w, body, body + len);
}

bool w_has_name(const struct aml_walk *w, const char *seg)
{
	for (unsigned i = 0; i < w->nnames; i++)
		if (!strcmp(w->names[i], seg))
			return true;
	return false;
}

int w_find_obj(const struct aml_walk *w, const char *dev, const char *seg)
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

int res_walk(const uint8_t *p, size_t n, const uint8_t **items, int max)
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

bool prt_parse(const uint8_t *p, size_t len, struct prt *t)
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

const uint8_t prt_gsi[4][4] = {
	{ 16, 17, 18, 19 },
	{ 17, 18, 19, 16 },
	{ 18, 19, 16, 17 },
	{ 19, 16, 17, 18 },
};

bool prt_routes_ok(const struct prt *t, bool quiet)
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

void check_header_ids(const uint8_t *t, uint8_t revision)
{
	CHECK(t[8] == revision);
	CHECK(!memcmp(t + 10, "PLINTH", 6));
	CHECK(!memcmp(t + 16, "PLINTHVM", 8));
	CHECK(rd32(t + 24) == 1);
	CHECK(!memcmp(t + 28, "PLTH", 4));
	CHECK(rd32(t + 32) == 1);
}
