/* Guest kernel loader: the ELF vmlinux planner and writer (System V ABI,
 * "ELF-64 Object File Format"; the 64-bit boot protocol of boot.rst).  See
 * hv/guest/loader.h for what is accepted and hv/guest/loader_impl.h for
 * how the loader's files divide the work.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/guest/loader_impl.h"

/* ------------------------------------------------------------------------
 * ELF64 (System V ABI).  Header and program header fields.
 */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_NIDENT 16u
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

/* The ELF64 header and program header, as the ABI declares them: only
 * offsetof() and sizeof() are taken (the file is read byte by byte, as
 * it is unaligned and hostile).  Packed, so that each field's offset is
 * the sum of the sizes before it and the size checks cover every field. */
struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine; /* Elf64_Half */
	uint32_t e_version;	    /* Elf64_Word */
	uint64_t e_entry;	    /* Elf64_Addr */
	uint64_t e_phoff, e_shoff;  /* Elf64_Off */
	uint32_t e_flags;	    /* Elf64_Word */
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum,
		e_shstrndx; /* Elf64_Half */
} __attribute__((packed));

struct elf64_phdr {
	uint32_t p_type, p_flags;	     /* Elf64_Word */
	uint64_t p_offset;		     /* Elf64_Off */
	uint64_t p_vaddr, p_paddr;	     /* Elf64_Addr */
	uint64_t p_filesz, p_memsz, p_align; /* Elf64_Xword */
} __attribute__((packed));

#define EH(field) offsetof(struct elf64_ehdr, field)
#define PH(field) offsetof(struct elf64_phdr, field)
#define EHDR_SIZE 0x40u
#define PHDR_SIZE 0x38u
_Static_assert(sizeof(struct elf64_ehdr) == EHDR_SIZE,
	       "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == PHDR_SIZE,
	       "Elf64_Phdr is 56 bytes");

/* A vmlinux has a handful of program headers (5 on 6.1); 32 is generous
 * and bounds the work a hostile file can ask for. */
#define ELF_MAX_PHDRS 32u

/* x86 COMMAND_LINE_SIZE is 2048 (arch/x86/include/asm/setup.h): what a
 * vmlinux, which carries no cmdline_size, keeps of the command line. */
#define ELF_CMDLINE_MAX 2047u

static const uint8_t *phdr(const struct ld *l, unsigned i)
{
	return l->a->kernel + l->phoff + (uint64_t)i * PHDR_SIZE;
}

/* The ELF header and where the program headers are. */
static int elf_check_ehdr(struct ld *l)
{
	const uint8_t *k = l->a->kernel;
	size_t len = l->a->kernel_len;

	/* e_ident first: it says how to read the rest. */
	if (len < EI_NIDENT)
		FAIL(l,
		     "ELF: file is %zu bytes, shorter than the 64-byte "
		     "ELF64 header",
		     len);
	if (k[EI_CLASS] == ELFCLASS32)
		FAIL(l, "ELF: 32-bit file (ELFCLASS32); only ELF64 kernels "
			"are supported");
	if (k[EI_CLASS] != ELFCLASS64)
		FAIL(l,
		     "ELF: unknown class %u; only ELF64 kernels are "
		     "supported",
		     k[EI_CLASS]);
	if (k[EI_DATA] != ELFDATA2LSB)
		FAIL(l,
		     "ELF: data encoding %u is not little-endian "
		     "(ELFDATA2LSB)",
		     k[EI_DATA]);
	if (k[EI_VERSION] != EV_CURRENT)
		FAIL(l, "ELF: e_ident version %u is not EV_CURRENT (1)",
		     k[EI_VERSION]);
	if (len < EHDR_SIZE)
		FAIL(l,
		     "ELF: file is %zu bytes, shorter than the 64-byte "
		     "ELF64 header",
		     len);
	if (get_le16(k + EH(e_type)) != ET_EXEC)
		FAIL(l, "ELF: type %u is not ET_EXEC (2)",
		     get_le16(k + EH(e_type)));
	if (get_le16(k + EH(e_machine)) != EM_X86_64)
		FAIL(l, "ELF: machine %u is not x86-64 (62)",
		     get_le16(k + EH(e_machine)));
	if (get_le32(k + EH(e_version)) != EV_CURRENT)
		FAIL(l, "ELF: version %u is not EV_CURRENT (1)",
		     get_le32(k + EH(e_version)));
	if (get_le16(k + EH(e_phentsize)) != PHDR_SIZE)
		FAIL(l, "ELF: e_phentsize %u, expected %u",
		     get_le16(k + EH(e_phentsize)), PHDR_SIZE);

	unsigned phnum = get_le16(k + EH(e_phnum));
	uint64_t phoff = get_le64(k + EH(e_phoff));

	if (!phnum)
		FAIL(l, "ELF: no program headers");
	if (phnum > ELF_MAX_PHDRS)
		FAIL(l, "ELF: %u program headers, at most %u are accepted",
		     phnum, ELF_MAX_PHDRS);
	if (phoff > len || (uint64_t)phnum * PHDR_SIZE > len - phoff)
		FAIL(l,
		     "ELF: program headers at 0x%llx (%u x %u bytes) run "
		     "past the end of the file (%zu bytes)",
		     U(phoff), phnum, PHDR_SIZE, len);
	l->phoff = phoff;
	l->phnum = phnum;
	return 0;
}

/* Every PT_LOAD segment: inside the file, in guest RAM above the boot
 * area and below 4 GiB.  Their span goes to l->kstart/l->kend. */
static int elf_check_segments(struct ld *l)
{
	size_t len = l->a->kernel_len;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned nload = 0;

	for (unsigned i = 0; i < l->phnum; i++) {
		const uint8_t *ph = phdr(l, i);

		if (get_le32(ph + PH(p_type)) != PT_LOAD)
			continue;
		uint64_t off = get_le64(ph + PH(p_offset));
		uint64_t pa = get_le64(ph + PH(p_paddr));
		uint64_t filesz = get_le64(ph + PH(p_filesz));
		uint64_t memsz = get_le64(ph + PH(p_memsz));

		/* ELF: "The file size may not be larger than the memory
		 * size"; the difference is zero-filled (bss). */
		if (filesz > memsz)
			FAIL(l,
			     "ELF: segment %u has p_filesz 0x%llx larger "
			     "than p_memsz 0x%llx",
			     i, U(filesz), U(memsz));
		if (off > len || filesz > len - off)
			FAIL(l,
			     "ELF: segment %u file bytes 0x%llx+0x%llx run "
			     "past the end of the file (%zu bytes)",
			     i, U(off), U(filesz), len);
		if (!memsz)
			continue; /* occupies no memory: nothing to load */
		if (memsz > UINT64_MAX - pa)
			FAIL(l,
			     "ELF: segment %u [0x%llx, +0x%llx) wraps "
			     "around the address space",
			     i, U(pa), U(memsz));
		uint64_t end = pa + memsz;

		/* p_paddr is where the kernel expects to be in physical
		 * memory; it must neither cover the boot structures below
		 * 1 MiB nor leave the 4 GiB the entry page tables map. */
		if (pa < GUEST_HIGH_START)
			FAIL(l,
			     "ELF: segment %u [0x%llx, 0x%llx) overlaps the "
			     "boot area below 0x%llx",
			     i, U(pa), U(end), U(GUEST_HIGH_START));
		if (!gmem_is_ram(l->g, pa, memsz))
			FAIL(l,
			     "ELF: segment %u [0x%llx, 0x%llx) is outside "
			     "guest RAM",
			     i, U(pa), U(end));
		if (end > GUEST_4G)
			FAIL(l,
			     "ELF: segment %u [0x%llx, 0x%llx) lies above "
			     "the 4 GiB identity map",
			     i, U(pa), U(end));
		lo = min64(lo, pa);
		hi = max64(hi, end);
		nload++;
	}
	if (!nload)
		FAIL(l, "ELF: no PT_LOAD segment with memory to load");
	l->kstart = lo;
	l->kend = hi;
	return 0;
}

/* x86's vmlinux.lds sets ENTRY(phys_startup_64), so e_entry is normally
 * already physical.  Other linkers leave the virtual address of
 * startup_64; translate it through the segment that holds it (p_vaddr -
 * p_paddr is __START_KERNEL_map for every vmlinux segment).  An entry
 * outside every segment would run garbage. */
static int elf_find_entry(struct ld *l)
{
	uint64_t e = get_le64(l->a->kernel + EH(e_entry));
	bool found = false;

	for (int pass = 0; pass < 2 && !found; pass++) {
		for (unsigned i = 0; i < l->phnum && !found; i++) {
			const uint8_t *ph = phdr(l, i);
			uint64_t memsz = get_le64(ph + PH(p_memsz));
			uint64_t pa = get_le64(ph + PH(p_paddr));
			uint64_t base = pass ? get_le64(ph + PH(p_vaddr)) : pa;

			if (get_le32(ph + PH(p_type)) != PT_LOAD || !memsz)
				continue;
			/* Unsigned: e below base wraps to a huge value. */
			if (e - base < memsz) {
				l->entry = pa + (e - base);
				found = true;
			}
		}
	}
	if (!found)
		FAIL(l,
		     "ELF: entry point 0x%llx is not inside any loaded "
		     "segment",
		     U(e));
	return 0;
}

int ld_plan_elf(struct ld *l)
{
	if (elf_check_ehdr(l) || elf_check_segments(l) || elf_find_entry(l))
		return -1;
	l->kind = KIND_ELF;
	l->mode = 64;
	l->initrd_max = GUEST_LOW_RAM_MAX - 1;
	l->cmdline_max = ELF_CMDLINE_MAX;
	return 0;
}

int ld_write_elf(struct ld *l)
{
	const uint8_t *k = l->a->kernel;

	for (unsigned i = 0; i < l->phnum; i++) {
		const uint8_t *ph = phdr(l, i);
		uint64_t off = get_le64(ph + PH(p_offset));
		uint64_t pa = get_le64(ph + PH(p_paddr));
		uint64_t filesz = get_le64(ph + PH(p_filesz));
		uint64_t memsz = get_le64(ph + PH(p_memsz));

		if (get_le32(ph + PH(p_type)) != PT_LOAD || !memsz)
			continue;
		if (filesz && gmem_write(l->g, pa, k + off, filesz))
			return -1;
		if (ld_gmem_zero(l->g, pa + filesz, memsz - filesz))
			return -1;
	}
	return 0;
}
