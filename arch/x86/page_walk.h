/* Guest page-table walk.
 *
 * To emulate an instruction the hypervisor must read its bytes, which the
 * guest addresses by a linear address (CS base + RIP).  This walks the
 * guest's own page tables, through guest-physical memory, to turn that
 * into a guest-physical address.
 *
 * The walk is on the hypervisor's behalf, so access rights (U/S, R/W, NX,
 * protection keys, SMEP/SMAP) are not checked and accessed/dirty bits are
 * not set.  Every table is read through gmem_read, so a CR3 or an entry
 * that points outside guest RAM ends the walk with PW_BAD_TABLE; the walk
 * makes at most one read per paging level and so always terminates.
 *
 * MAXPHYADDR is taken as 52, the architectural maximum, rather than the
 * host's CPUID value: entries are then refused only for bits that are
 * reserved on every processor.  A guest that sets bits between the real
 * MAXPHYADDR and 51 would take a #PF on hardware, so it cannot be running
 * code there anyway.
 */
#ifndef PLINTH_PAGE_WALK_H
#define PLINTH_PAGE_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "hv/guest/gmem.h"

/* The guest control registers the walk depends on. */
struct pw_cpu {
	uint64_t cr0, cr3, cr4, efer;
};

#define PW_CR0_PG (1ull << 31)
#define PW_CR4_PSE (1ull << 4)
#define PW_CR4_PAE (1ull << 5)
#define PW_CR4_LA57 (1ull << 12)
#define PW_EFER_LMA (1ull << 10)
#define PW_EFER_NXE (1ull << 11)

enum pw_result {
	PW_OK,
	PW_NOT_PRESENT,	 /* an entry on the way has P = 0 */
	PW_RESERVED_BIT, /* an entry on the way sets a reserved bit */
	PW_BAD_TABLE,	 /* a table outside guest RAM */
	PW_NONCANONICAL, /* long mode, not a canonical address */
};

/* Translates linear address `la`; *gpa is written only on PW_OK.
 *
 * The mode follows the guest's registers (SDM Vol. 3A, 4.1.1, table 4-1):
 *   CR0.PG = 0:            no paging, gpa = la[31:0]
 *   CR4.PAE = 0:           32-bit paging; 4 MiB pages with CR4.PSE
 *   CR4.PAE = 1, !LMA:     PAE paging, PDPTEs read at CR3[31:5]
 *   EFER.LMA = 1:          4-level paging (5-level with CR4.LA57)
 * Outside long mode linear addresses are 32 bits wide, so la's bits 63:32
 * are dropped, the same wrap-around the CPU performs.  EFER.LMA decides
 * long mode even if CR4.PAE were clear, a combination VM entry refuses. */
enum pw_result pw_translate(const struct gmem *g, const struct pw_cpu *cpu,
			    uint64_t la, uint64_t *gpa);

/* Fetches up to n instruction bytes at linear `la`, translating each page
 * separately so a fetch may cross a page boundary.  Returns the number of
 * bytes stored in buf: fewer than n when a page is not mapped, not RAM or
 * the walk fails, 0 when even the first byte cannot be read. */
size_t pw_fetch(const struct gmem *g, const struct pw_cpu *cpu, uint64_t la,
		uint8_t *buf, size_t n);

/* The bytes of the instruction at RIP, as pw_fetch: `mode` is the code
 * size (16, 32 or 64); outside 64-bit mode the linear address is CS base
 * plus RIP, 32 bits wide. */
size_t pw_fetch_insn(const struct gmem *g, const struct pw_cpu *cpu, int mode,
		     uint64_t cs_base, uint64_t rip, uint8_t *buf, size_t n);

/* A memo of the walks behind instruction fetches, one per vCPU.
 *
 * A guest that drives a device runs the same accessors from the same few
 * code pages, and each MMIO exit walked four levels of its page tables
 * to fetch them.  The walk is a pure function of the paging mode bits,
 * CR3, the linear page and the values of the entries it reads; each
 * entry's address follows from CR3 and the entry before.  So an entry of
 * the memo holds those inputs, with host pointers to where the entries
 * lie, and a hit re-reads each entry (once, whole) and compares: if all
 * are unchanged, the walk would give the same page.  Nothing needs to
 * invalidate it: a guest that rewrites an entry, reloads CR3 elsewhere
 * or changes mode misses.  (The CPU itself may still use a stale TLB
 * entry until the guest's INVLPG; Plinth always follows memory, as the
 * plain walk does.)
 *
 * Long-mode paging only, and fetches inside one page; the rest walks as
 * pw_fetch_insn.  Host pointers stay valid because guest RAM never moves
 * while the guest runs; the memo is zeroed with its vCPU.
 *
 * Ownership: the vCPU's own core, in its exit handler; no lock. */
#define PW_MEMO_WAYS 8
#define PW_MEMO_LEVELS 5

struct pw_memo_entry {
	uint64_t la_page, cr3, bits; /* the inputs besides the entries */
	const uint64_t *entry[PW_MEMO_LEVELS]; /* where each lies */
	uint64_t value[PW_MEMO_LEVELS];	       /* and what it held */
	const uint8_t *page; /* the code page, in host memory */
	unsigned levels;     /* entries read; 0: empty */
};

struct pw_memo {
	struct pw_memo_entry e[PW_MEMO_WAYS];
	uint64_t hits, misses;
};

/* What a walk depends on besides CR3 and the entries: the paging mode. */
static inline uint64_t pw_walk_bits(const struct pw_cpu *cpu)
{
	return (cpu->cr0 & PW_CR0_PG)
	       | (cpu->cr4 & (PW_CR4_PAE | PW_CR4_PSE | PW_CR4_LA57))
	       | ((cpu->efer & (PW_EFER_LMA | PW_EFER_NXE)) << 32);
}

static inline struct pw_memo_entry *pw_memo_way(struct pw_memo *m,
						uint64_t page)
{
	return &m->e[((page >> 12) * 0x9e3779b97f4a7c15ull) >> 61];
}

/* The host address of the code page that holds linear `la`, if the memo
 * has its walk and every entry still holds what the walk read; NULL
 * otherwise (then pw_fetch_insn_memo walks).  Counts nothing.  Inline:
 * the check of every MMIO exit. */
static inline const uint8_t *pw_memo_page(struct pw_memo *m,
					  const struct pw_cpu *cpu, uint64_t la)
{
	uint64_t page = la & ~0xfffull;
	const struct pw_memo_entry *w = pw_memo_way(m, page);

	_Static_assert(PW_MEMO_WAYS == 8, "the hash takes 3 bits");
	if (!w->levels || w->la_page != page || w->cr3 != cpu->cr3
	    || w->bits != pw_walk_bits(cpu))
		return NULL;
	/* Each entry read once, whole, as the walk would read it. */
	for (unsigned i = 0; i < w->levels; i++)
		if (__atomic_load_n(w->entry[i], __ATOMIC_RELAXED)
		    != w->value[i])
			return NULL;
	return w->page;
}

/* pw_fetch_insn through the memo: the same bytes, the same count. */
size_t pw_fetch_insn_memo(struct pw_memo *m, const struct gmem *g,
			  const struct pw_cpu *cpu, int mode, uint64_t cs_base,
			  uint64_t rip, uint8_t *buf, size_t n);

#endif
