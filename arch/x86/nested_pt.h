/* Second-level page tables for guest memory: Intel EPT (SDM vol. 3C,
 * 29.3) and AMD nested paging (APM vol. 2, 15.25) share the 4-level
 * radix layout; they differ only in the bits of each entry. */
#ifndef PLINTH_X86_NESTED_PT_H
#define PLINTH_X86_NESTED_PT_H

#include <stdint.h>

#include "hv/guest/gmem.h"

struct nested_pt {
	uint64_t *root;
	uint64_t table_bits; /* in entries that point at a table */
	uint64_t leaf_bits;  /* in 4 KiB and 2 MiB mappings */
	uint64_t large_bit;  /* added for 2 MiB mappings */
};

/* Maps every gmem region (GPA to its host address), with 2 MiB pages
 * where both sides are aligned.  Holes stay unmapped, so guest accesses
 * there exit to the MMIO code.  Tables come from the pool; mapping the
 * same regions again rewrites the same entries.  -1 when the pool ran
 * out. */
int nested_pt_map(struct nested_pt *pt, const struct gmem *g);

#endif
