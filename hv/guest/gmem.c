#include "hv/guest/gmem.h"

#include <string.h>

void gmem_init(struct gmem *g)
{
	memset(g, 0, sizeof(*g));
}

int gmem_add(struct gmem *g, uint64_t gpa, uint64_t size, void *host)
{
	if (!size || gpa + size < gpa || g->n == GMEM_MAX_REGIONS)
		return -1;
	unsigned i = 0;

	while (i < g->n && g->r[i].gpa < gpa)
		i++;
	if (i > 0 && g->r[i - 1].gpa + g->r[i - 1].size > gpa)
		return -1;
	if (i < g->n && gpa + size > g->r[i].gpa)
		return -1;
	memmove(&g->r[i + 1], &g->r[i], (g->n - i) * sizeof(g->r[0]));
	g->r[i] = (struct gmem_region){ gpa, size, host };
	g->n++;
	return 0;
}

static const struct gmem_region *find(const struct gmem *g, uint64_t gpa)
{
	for (unsigned i = 0; i < g->n; i++)
		if (gpa >= g->r[i].gpa && gpa - g->r[i].gpa < g->r[i].size)
			return &g->r[i];
	return NULL;
}

void *gmem_ptr(const struct gmem *g, uint64_t gpa, uint64_t len)
{
	const struct gmem_region *r = find(g, gpa);

	/* Written so that gpa + len can never wrap: compare against what is
	 * left of the region instead. */
	if (!r || len == 0 || len > r->size - (gpa - r->gpa))
		return NULL;
	return r->host + (gpa - r->gpa);
}

bool gmem_is_ram(const struct gmem *g, uint64_t gpa, uint64_t len)
{
	while (len) {
		const struct gmem_region *r = find(g, gpa);

		if (!r)
			return false;
		uint64_t left = r->size - (gpa - r->gpa);

		if (len <= left)
			return true;
		len -= left;
		gpa += left;
	}
	return true;
}

static int copy(const struct gmem *g, uint64_t gpa, void *buf, uint64_t len,
		bool to_guest)
{
	if (!gmem_is_ram(g, gpa, len))
		return -1;
	uint8_t *b = buf;

	while (len) {
		const struct gmem_region *r = find(g, gpa);
		uint64_t off = gpa - r->gpa, n = r->size - off;

		if (n > len)
			n = len;
		if (to_guest)
			memcpy(r->host + off, b, n);
		else
			memcpy(b, r->host + off, n);
		b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int gmem_read(const struct gmem *g, uint64_t gpa, void *dst, uint64_t len)
{
	return copy(g, gpa, dst, len, false);
}

int gmem_write(const struct gmem *g, uint64_t gpa, const void *src,
	       uint64_t len)
{
	return copy(g, gpa, (void *)src, len, true);
}

uint64_t gmem_top(const struct gmem *g)
{
	return g->n ? g->r[g->n - 1].gpa + g->r[g->n - 1].size : 0;
}
