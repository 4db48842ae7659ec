/* Guest page-table walk; see arch/x86/page_walk.h.  References are to the SDM,
 * Vol. 3A, chapter 4 ("Paging"). */
#include "arch/x86/page_walk.h"

#include <stdbool.h>
#include <string.h>

#define PG_P (1ull << 0)
#define PG_PS (1ull << 7)
#define PG_XD (1ull << 63)

/* Physical-address bits 51:12 of a 64-bit entry or of CR3 (MAXPHYADDR 52,
 * see page_walk.h). */
#define ADDR_MASK 0x000ffffffffff000ull

/* PAE PDPTE (table 4-8): bits 2:1 and 8:5 are reserved, and so is every
 * bit from MAXPHYADDR up, 63 included (a PDPTE has no XD bit). */
#define PAE_PDPTE_RSVD (0x1e6ull | 0xfff0000000000000ull)
/* PAE PDE/PTE (tables 4-9 to 4-11): bits 62:MAXPHYADDR are reserved.  In
 * 4-level paging the same bits are ignored or protection keys (tables
 * 4-15 to 4-20), and with MAXPHYADDR 52 nothing of 51:M is left. */
#define PAE_HIGH_RSVD 0x7ff0000000000000ull
/* Large-page MBZ bits: PAT is bit 12, the bits from 13 up to the page's
 * address are reserved (tables 4-9, 4-17, 4-18). */
#define RSVD_2M 0x00000000001fe000ull /* bits 20:13 */
#define RSVD_1G 0x000000003fffe000ull /* bits 29:13 */
/* 32-bit paging 4 MiB PDE (table 4-4): bit 21 is reserved; bits 20:13
 * hold physical-address bits 39:32 (PSE-36, extended to 40 bits by
 * later processors, all of them usable with MAXPHYADDR 52). */
#define PSE_RSVD (1ull << 21)

/* One paging-structure entry, 4 or 8 bytes, little-endian; the walk ends
 * at one whose P bit is clear.  An entry is naturally aligned, so it lies
 * inside one RAM region unless a region ends mid-entry: one lookup and
 * one load, which is also what the CPU does (a single read, never torn by
 * another vCPU rewriting the entry).  Every MMIO exit walks four levels,
 * so this is the exit's hot path; anything unusual goes the general way. */
static enum pw_result read_entry_at(const struct gmem *g, uint64_t addr,
				    unsigned size, uint64_t *e,
				    const uint64_t **at)
{
	const uint8_t *p = gmem_ptr(g, addr, size);
	uint64_t v = 0;

	if (at) /* where it lies, for the memo: one region, 8 bytes */
		*at = size == 8 ? (const uint64_t *)p : NULL;
	if (p && size == 8) { /* x86: little-endian, as the entries */
		__builtin_memcpy(&v, p, 8);
	} else if (p) {
		uint32_t w;

		__builtin_memcpy(&w, p, 4);
		v = w;
	} else {
		uint8_t b[8];

		if (gmem_read(g, addr, b, size))
			return PW_BAD_TABLE;
		for (unsigned i = 0; i < size; i++)
			v |= (uint64_t)b[i] << (8 * i);
	}
	*e = v;
	return (v & PG_P) ? PW_OK : PW_NOT_PRESENT;
}

static enum pw_result read_entry(const struct gmem *g, uint64_t addr,
				 unsigned size, uint64_t *e)
{
	return read_entry_at(g, addr, size, e, NULL);
}

/* 32-bit paging (4.3): a page directory at CR3[31:12] and 4-byte
 * entries.  CR4.PSE=0 makes PDE.PS ignored, so the PDE then always
 * points to a page table (table 4-5). */
static enum pw_result walk32(const struct gmem *g, const struct pw_cpu *cpu,
			     uint32_t la, uint64_t *gpa)
{
	uint64_t pde, pte;
	enum pw_result r;

	r = read_entry(g, (cpu->cr3 & 0xfffff000u) + ((la >> 22) << 2), 4,
		       &pde);
	if (r != PW_OK)
		return r;
	if ((pde & PG_PS) && (cpu->cr4 & PW_CR4_PSE)) {
		if (pde & PSE_RSVD)
			return PW_RESERVED_BIT;
		*gpa = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32)
		       | (la & 0x3fffffu);
		return PW_OK;
	}
	r = read_entry(g, (pde & 0xfffff000u) + (((la >> 12) & 0x3ff) << 2), 4,
		       &pte);
	if (r != PW_OK)
		return r;
	*gpa = (pte & 0xfffff000u) | (la & 0xfffu);
	return PW_OK;
}

/* The part of the PAE and 4/5-level walks that is the same: 512 8-byte
 * entries per table, 9 address bits per level, from `level` down to the
 * page table (level 1).  high_rsvd is what the mode reserves above the
 * address field.  Runs at most `level` iterations. */
static enum pw_result walk64(const struct gmem *g, uint64_t table,
			     unsigned level, uint64_t la, uint64_t high_rsvd,
			     uint64_t *gpa, struct pw_memo_entry *rec)
{
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e, rsvd = high_rsvd;
		const uint64_t *at;
		enum pw_result r;

		r = read_entry_at(g, table + (((la >> shift) & 0x1ff) << 3), 8,
				  &e, &at);
		if (r != PW_OK)
			return r;
		if (rec && rec->levels < PW_MEMO_LEVELS && at) {
			rec->entry[rec->levels] = at;
			rec->value[rec->levels++] = e;
		} else if (rec) {
			rec->levels = PW_MEMO_LEVELS + 1; /* not memorable */
		}
		/* PS is reserved in a PML4E and a PML5E (tables 4-14,
		 * 4-15); in a PTE the same bit is PAT. */
		if (level >= 4)
			rsvd |= PG_PS;
		if (e & rsvd)
			return PW_RESERVED_BIT;
		if ((level == 2 || level == 3) && (e & PG_PS)) {
			uint64_t off = (1ull << shift) - 1;

			if (e & (level == 2 ? RSVD_2M : RSVD_1G))
				return PW_RESERVED_BIT;
			*gpa = (e & ADDR_MASK & ~off) | (la & off);
			return PW_OK;
		}
		if (level == 1) {
			*gpa = (e & ADDR_MASK) | (la & 0xfff);
			return PW_OK;
		}
		table = e & ADDR_MASK;
	}
	return PW_NOT_PRESENT; /* not reached: level 1 always returns */
}

/* PAE paging (4.4).  On hardware the four PDPTEs are loaded when CR3 is
 * written (and, under EPT, live in the VMCS's guest PDPTE fields); this
 * rereads them from memory at CR3[31:5], which differs only if the guest
 * changed them without reloading CR3.  A bad PDPTE would have faulted
 * (#GP) at that load; here it is PW_RESERVED_BIT. */
static enum pw_result walk_pae(const struct gmem *g, const struct pw_cpu *cpu,
			       uint32_t la, uint64_t high_rsvd, uint64_t *gpa)
{
	uint64_t pdpte;
	enum pw_result r;

	r = read_entry(g, (cpu->cr3 & 0xffffffe0u) + ((la >> 30) << 3), 8,
		       &pdpte);
	if (r != PW_OK)
		return r;
	if (pdpte & PAE_PDPTE_RSVD)
		return PW_RESERVED_BIT;
	return walk64(g, pdpte & ADDR_MASK, 2, la, high_rsvd, gpa, NULL);
}

/* Canonical: bits 63:47 (63:56 with LA57) all equal (3.3.7.1 in Vol. 1,
 * 4.5 in Vol. 3A). */
static bool canonical(uint64_t la, bool la57)
{
	unsigned top = la57 ? 56 : 47;
	uint64_t hi = la >> top;

	return hi == 0 || hi == (~0ull >> top);
}

enum pw_result pw_translate(const struct gmem *g, const struct pw_cpu *cpu,
			    uint64_t la, uint64_t *gpa)
{
	/* XD (bit 63) is reserved in every PAE/long-mode entry unless
	 * EFER.NXE is set (4.4.1, 4.5.1: "If IA32_EFER.NXE = 0 and the P
	 * flag of a paging-structure entry is 1, the XD flag (bit 63) is
	 * reserved"). */
	uint64_t xd = (cpu->efer & PW_EFER_NXE) ? 0 : PG_XD;

	if (!(cpu->cr0 & PW_CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return PW_OK;
	}
	if (cpu->efer & PW_EFER_LMA) {
		bool la57 = cpu->cr4 & PW_CR4_LA57;

		if (!canonical(la, la57))
			return PW_NONCANONICAL;
		return walk64(g, cpu->cr3 & ADDR_MASK, la57 ? 5 : 4, la, xd,
			      gpa, NULL);
	}
	if (cpu->cr4 & PW_CR4_PAE)
		return walk_pae(g, cpu, (uint32_t)la, PAE_HIGH_RSVD | xd, gpa);
	return walk32(g, cpu, (uint32_t)la, gpa);
}

size_t pw_fetch(const struct gmem *g, const struct pw_cpu *cpu, uint64_t la,
		uint8_t *buf, size_t n)
{
	size_t got = 0;

	/* Each iteration either finishes a 4 KiB piece or stops, so this
	 * runs at most n / 4096 + 2 times.  4 KiB steps are right for large
	 * pages too, just more walks than needed. */
	while (got < n) {
		uint64_t cur = la + got, gpa;
		size_t chunk = 4096 - (size_t)(cur & 0xfff);

		if (chunk > n - got)
			chunk = n - got;
		if (pw_translate(g, cpu, cur, &gpa) != PW_OK)
			break;
		const uint8_t *p = gmem_ptr(g, gpa, chunk);

		if (p) { /* the usual case: the whole piece in one region */
			memcpy(buf + got, p, chunk);
			got += chunk;
			continue;
		}
		if (!gmem_read(g, gpa, buf + got, chunk)) {
			got += chunk;
			continue;
		}
		/* Part of the page is not RAM: keep the bytes before it. */
		while (chunk && !gmem_read(g, gpa, buf + got, 1)) {
			got++;
			gpa++;
			chunk--;
		}
		break;
	}
	return got;
}

size_t pw_fetch_insn(const struct gmem *g, const struct pw_cpu *cpu, int mode,
		     uint64_t cs_base, uint64_t rip, uint8_t *buf, size_t n)
{
	uint64_t la = mode == 64 ? rip : (rip + cs_base) & 0xffffffff;

	return pw_fetch(g, cpu, la, buf, n);
}

/* --- the memo of code translations (page_walk.h) ----------------------- */

/* The control bits a long-mode walk depends on: with the same bits, the
 * same CR3 and the same entry values it reads the same entries and gives
 * the same address (each entry's address is a function of the one
 * before). */
/* A miss: the walk, recorded.  Remembered only when every entry lies in
 * RAM as one 8-byte piece and the whole code page is RAM, so that a hit
 * can read them all through host pointers. */
static void memo_fill(struct pw_memo_entry *w, const struct gmem *g,
		      const struct pw_cpu *cpu, uint64_t page)
{
	bool la57 = cpu->cr4 & PW_CR4_LA57;
	uint64_t xd = (cpu->efer & PW_EFER_NXE) ? 0 : PG_XD, gpa;

	w->levels = 0;
	if (!canonical(page, la57))
		return;
	if (walk64(g, cpu->cr3 & ADDR_MASK, la57 ? 5 : 4, page, xd, &gpa, w)
		    != PW_OK
	    || w->levels > PW_MEMO_LEVELS) {
		w->levels = 0;
		return;
	}
	w->page = gmem_ptr(g, gpa, 4096);
	if (!w->page) {
		w->levels = 0;
		return;
	}
	w->la_page = page;
	w->cr3 = cpu->cr3;
	w->bits = pw_walk_bits(cpu);
}

/* n bytes (at most 16) of a code page: two overlapping 8-byte moves for
 * an instruction's worth, where the memcpy is a REP MOVSB whose start-up
 * costs more than the copy. */
static void copy_insn(uint8_t *buf, const uint8_t *src, size_t n)
{
	if (n >= 8 && n <= 16) {
		__builtin_memcpy(buf, src, 8);
		__builtin_memcpy(buf + n - 8, src + n - 8, 8);
	} else {
		memcpy(buf, src, n);
	}
}

size_t pw_fetch_insn_memo(struct pw_memo *m, const struct gmem *g,
			  const struct pw_cpu *cpu, int mode, uint64_t cs_base,
			  uint64_t rip, uint8_t *buf, size_t n)
{
	uint64_t la = mode == 64 ? rip : (rip + cs_base) & 0xffffffff;
	uint64_t page = la & ~0xfffull, off = la & 0xfff;
	struct pw_memo_entry *w = pw_memo_way(m, page);
	const uint8_t *code;

	/* Long mode only (what 64-bit guests run in), and a fetch inside
	 * one page: anything else walks as pw_fetch_insn does. */
	if (!(cpu->cr0 & PW_CR0_PG) || !(cpu->efer & PW_EFER_LMA)
	    || off + n > 4096)
		return pw_fetch_insn(g, cpu, mode, cs_base, rip, buf, n);
	code = pw_memo_page(m, cpu, la);
	if (code) {
		m->hits++;
		copy_insn(buf, code + off, n);
		return n;
	}
	m->misses++;
	memo_fill(w, g, cpu, page);
	if (w->levels) {
		copy_insn(buf, w->page + off, n);
		return n;
	}
	return pw_fetch_insn(g, cpu, mode, cs_base, rip, buf, n);
}
