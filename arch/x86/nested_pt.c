#include "arch/x86/nested_pt.h"

#include "hv/base/pool.h"

#define ADDR_MASK 0x000ffffffffff000ull

/* Bit 0 is "present" in NPT and "readable" in EPT: either way a table
 * entry Plinth wrote has it. */
static uint64_t *table(const struct nested_pt *pt, uint64_t *entry)
{
	if (!(*entry & 1)) {
		uint64_t *t = pool_pages(1, 1);

		if (!t)
			return NULL;
		*entry = (uint64_t)t | pt->table_bits;
	}
	return (uint64_t *)(*entry & ADDR_MASK);
}

static int map(const struct nested_pt *pt, uint64_t gpa, uint64_t hpa,
	       uint64_t size)
{
	while (size) {
		uint64_t *t = pt->root;
		int level = 1;

		if (!((gpa | hpa) & ((1ull << 21) - 1)) && size >= (1ull << 21))
			level = 2;
		for (int l = 4; l > level; l--) {
			t = table(pt, &t[(gpa >> (12 + 9 * (l - 1))) & 511]);
			if (!t)
				return -1;
		}
		uint64_t sz = 1ull << (12 + 9 * (level - 1));

		t[(gpa >> (12 + 9 * (level - 1))) & 511] =
			hpa | pt->leaf_bits | (level > 1 ? pt->large_bit : 0);
		gpa += sz;
		hpa += sz;
		size -= sz;
	}
	return 0;
}

int nested_pt_map(struct nested_pt *pt, const struct gmem *g)
{
	for (unsigned i = 0; i < g->n; i++)
		if (map(pt, g->r[i].gpa, (uint64_t)g->r[i].host, g->r[i].size))
			return -1;
	return 0;
}
