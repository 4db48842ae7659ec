#include "arch/x86/paging.h"

#include <string.h>

#include "arch/x86/cpu.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7) /* in PDPTE/PDE; bit 7 of a PTE is PAT */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define GIB (1ull << 30)
#define MIB2 (2ull << 20)
#define MAX_GUARDS 16

/* The architectural reset value (PA0 WB, PA1 WT, PA2 UC-, PA3 UC,
 * repeated) but PA1 write-combining (SDM vol. 3A, 12.12.2): PWT|PCD in a
 * PTE selects UC, PWT alone WC (the screen's framebuffer, where
 * uncached writes would cost a bus transaction each), neither WB. */
#define PAT_HOST 0x0007040600070106ull

extern char _text[], _etext[], _rodata[], _erodata[];

static uint64_t *pml4;
static pt_alloc_fn alloc_page;
static bool have_nx, have_1g;
static unsigned phys_bits = 36;
static uint64_t limit;
static uint64_t guards[MAX_GUARDS];
static int nguards;

static uint64_t leaf_bits(unsigned f)
{
	if (f & MAP_NONE)
		return 0;
	uint64_t e = PTE_P;

	if (f & MAP_W)
		e |= PTE_W;
	if (f & MAP_UC)
		e |= PTE_PCD | PTE_PWT;
	else if (f & MAP_WC)
		e |= PTE_PWT;
	if (!(f & MAP_X) && have_nx)
		e |= PTE_NX;
	return e;
}

static uint64_t *new_table(void)
{
	uint64_t pa = alloc_page();

	if (pa)
		memset((void *)pa, 0, 4096);
	return (uint64_t *)pa;
}

/* Replaces a large-page entry by a table of 512 smaller pages with the
 * same attributes, so part of it can change. */
static int split(uint64_t *entry, int level)
{
	uint64_t *t = new_table();
	uint64_t child = 1ull << (12 + 9 * (level - 2));
	uint64_t attrs = *entry & ~PTE_ADDR & ~(PTE_PS | (1ull << 12));
	uint64_t base = *entry & PTE_ADDR & ~(child * 512 - 1);

	if (!t)
		return -1;
	for (int i = 0; i < 512; i++)
		t[i] = (base + i * child) | attrs
		       | (level - 1 > 1 ? PTE_PS : 0);
	/* Upper levels stay permissive; leaves decide W and NX. */
	*entry = (uint64_t)t | PTE_P | PTE_W;
	return 0;
}

/* Sets one leaf at `level` (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
static int set_leaf(uint64_t addr, int level, uint64_t bits)
{
	uint64_t *t = pml4;

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(addr >> (12 + 9 * (l - 1))) & 511];

		if (!(*e & PTE_P) && !(*e & PTE_ADDR)) {
			uint64_t *n = new_table();

			if (!n)
				return -1;
			*e = (uint64_t)n | PTE_P | PTE_W;
		} else if (l <= 3 && (*e & PTE_PS)) {
			if (split(e, l))
				return -1;
		}
		t = (uint64_t *)(*e & PTE_ADDR);
	}
	uint64_t *e = &t[(addr >> (12 + 9 * (level - 1))) & 511];

	/* Not-present large leaves keep their address so that a later split
	 * knows it was a leaf, not an empty slot. */
	*e = addr | bits | (level > 1 ? PTE_PS : 0);
	return 0;
}

static int map(uint64_t base, uint64_t size, unsigned flags)
{
	uint64_t end = (base + size + 4095) & ~4095ull;
	uint64_t bits = leaf_bits(flags);

	base &= ~4095ull;
	while (base < end) {
		int level = 1;

		if (have_1g && !(base & (GIB - 1)) && end - base >= GIB)
			level = 3;
		else if (!(base & (MIB2 - 1)) && end - base >= MIB2)
			level = 2;
		if (set_leaf(base, level, bits))
			return -1;
		base += 1ull << (12 + 9 * (level - 1));
	}
	return 0;
}

static void load(void);

void paging_guard(uint64_t page)
{
	/* After paging_init (the other CPUs' stacks), at once. */
	if (pml4) {
		if (!map(page & ~4095ull, 4096, MAP_NONE))
			load();
	} else if (nguards < MAX_GUARDS) {
		guards[nguards++] = page & ~4095ull;
	}
}

static unsigned ram_flags(const struct mem_range *r)
{
	unsigned f = MAP_W;

	if (!(r->attr & MEM_ATTR_WB))
		f |= MAP_UC;
	if (r->kind == MEM_RT_CODE)
		f |= MAP_X; /* runtime images hold code and data together */
	return f;
}

static int build(const struct boot_info *bi)
{
	/* Default: uncached, for the MMIO holes between RAM ranges. */
	if (map(0, limit, MAP_W | MAP_UC))
		return -1;
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct mem_range *r = &bi->mem[i];

		if (r->kind == MEM_MMIO || r->kind == MEM_UNUSABLE)
			continue;
		if (map(r->base, r->size, ram_flags(r)))
			return -1;
	}
	/* Plinth's own image: code read-only, constants not executable. */
	uint64_t text = (uint64_t)_text & ~4095ull;

	if (map(text, (uint64_t)_etext - text, MAP_X)
	    || map((uint64_t)_rodata, (uint64_t)_erodata - (uint64_t)_rodata,
		   0))
		return -1;
	/* NULL and stack guards fault instead of reading RAM. */
	if (map(0, 4096, MAP_NONE))
		return -1;
	for (int i = 0; i < nguards; i++)
		if (map(guards[i], 4096, MAP_NONE))
			return -1;
	return 0;
}

static void load(void)
{
	uint64_t cr4 = read_cr4();

	write_cr3((uint64_t)pml4);
	/* Toggling PGE also drops global entries the firmware may have. */
	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	}
}

int paging_init(const struct boot_info *bi, pt_alloc_fn alloc)
{
	struct cpuid_regs ext = cpuid(0x80000000, 0);

	alloc_page = alloc;
	if (ext.eax >= 0x80000001) {
		struct cpuid_regs r = cpuid(0x80000001, 0);

		have_nx = r.edx & (1u << 20);
		have_1g = r.edx & (1u << 26);
	}
	if (ext.eax >= 0x80000008)
		phys_bits = cpuid(0x80000008, 0).eax & 0xff;
	limit = 4 * GIB;
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		uint64_t end = bi->mem[i].base + bi->mem[i].size;

		if (end > limit)
			limit = end;
	}
	limit = (limit + GIB - 1) & ~(GIB - 1);
	pml4 = new_table();
	if (!pml4 || build(bi))
		return -1;
	if (have_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	wrmsr(MSR_IA32_PAT, PAT_HOST);
	load();
	write_cr0(read_cr0() | CR0_WP); /* read-only holds in ring 0 too */
	return 0;
}

/* Device memory anywhere the CPU can address, with the caching `f`. */
static int map_device(uint64_t pa, uint64_t size, unsigned f)
{
	if (!size || pa + size < pa || pa + size > (1ull << phys_bits))
		return -1;
	if (map(pa, size, MAP_W | f))
		return -1;
	load();
	return 0;
}

int paging_map_mmio(uint64_t pa, uint64_t size)
{
	return map_device(pa, size, MAP_UC);
}

int paging_map_wc(uint64_t pa, uint64_t size)
{
	return map_device(pa, size, MAP_WC);
}

int paging_set_exec(uint64_t pa, uint64_t size, bool exec)
{
	if (!size || pa + size < pa || pa + size > limit)
		return -1;
	if (map(pa, size, MAP_W | (exec ? MAP_X : 0)))
		return -1;
	load();
	return 0;
}

uint64_t paging_root(void)
{
	return (uint64_t)pml4;
}

uint64_t paging_limit(void)
{
	return limit;
}

bool paging_has_nx(void)
{
	return have_nx;
}

unsigned paging_phys_bits(void)
{
	return phys_bits;
}
