/* What the guest kernel loader's tests (tests/unit/test_loader_*.c)
 * share: guest memory as malloc'd blocks filled with POISON, the
 * loader_args they load with, the EXPECT_ macros, and synthetic bzImage
 * and ELF vmlinux files built field by field (loader_fixture.c). */
#ifndef PLINTH_TEST_LOADER_FIXTURE_H
#define PLINTH_TEST_LOADER_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/guest/gmem.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader.h"

#define KiB 0x400ull
#define MiB 0x100000ull
#define POISON 0xcc

/* ------------------------------------------------------------------------
 * Little-endian accessors for test-built files and guest memory.
 */
void w16(uint8_t *p, uint16_t v);

void w32(uint8_t *p, uint32_t v);

void w64(uint8_t *p, uint64_t v);

uint16_t r16(const uint8_t *p);

uint32_t r32(const uint8_t *p);

uint64_t r64(const uint8_t *p);

size_t min_sz(size_t a, size_t b);

/* Compares a block at a time: the tests scan 64 MiB guests often. */
bool all_bytes(const uint8_t *p, size_t n, uint8_t v);

/* ------------------------------------------------------------------------
 * Guest memory
 */
struct guest {
	struct gmem g;
	uint8_t *block[GMEM_MAX_REGIONS];
	uint64_t block_size[GMEM_MAX_REGIONS];
	unsigned nblocks;
	struct e820_entry e820[8];
	unsigned ne;
};

void guest_region(struct guest *gu, uint64_t gpa, uint64_t size, bool in_e820);

void guest_empty(struct guest *gu);

/* The usual test guest: low RAM below 640 KiB, the legacy hole, RAM from
 * 1 MiB to `size`, and a reserved e820 entry for the BIOS area (not RAM
 * here). */
void guest_std(struct guest *gu, uint64_t size);

void guest_free(struct guest *gu);

void guest_repoison(struct guest *gu);

bool untouched(const struct guest *gu);

/* A host pointer to n bytes at gpa; the tests only ask for RAM. */
uint8_t *gp(struct guest *gu, uint64_t gpa, uint64_t n);

uint8_t *bootp(struct guest *gu);

#define RSDP 0xf0123ull
#define CMDLINE "console=ttyS0 root=/dev/vda quiet"

struct loader_args args(const struct guest *gu, const uint8_t *k, size_t n);

/* A refused load: the exact message, nothing written, *out zeroed. */
#define EXPECT_FAIL(gu, a, msg)                                              \
	do {                                                                 \
		char e_[256];                                                \
		struct boot_regs r_;                                         \
		memset(&r_, 0x5a, sizeof(r_));                               \
		CHECK(loader_load(&(gu)->g, (a), &r_, e_, sizeof(e_)) == -1); \
		CHECK_STR(e_, msg);                                          \
		CHECK(untouched(gu));                                        \
		CHECK(r_.mode == 0 && r_.rip == 0 && r_.rsi == 0);           \
	} while (0)

#define EXPECT_OK(gu, a, r)                                                  \
	do {                                                                 \
		char e_[256];                                                \
		int rc_ = loader_load(&(gu)->g, (a), (r), e_, sizeof(e_));   \
		if (rc_)                                                     \
			printf("#   unexpected: %s\n", e_);                  \
		CHECK(rc_ == 0);                                             \
		CHECK_STR(e_, "");                                           \
	} while (0)

/* ------------------------------------------------------------------------
 * Synthetic bzImage: a setup area of junk with a valid setup header, a
 * protected-mode part of patterned bytes, and an optional trailer (where
 * a signed kernel keeps its signature).
 */
struct bz_opts {
	uint8_t setup_sects;	/* raw field; 0 means 4 */
	uint16_t version;
	uint8_t hdr_len;	/* byte at 0x201: header ends at 0x202 + it */
	uint8_t loadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint64_t pref_address;
	uint32_t init_size;
	size_t pm_size;		/* multiple of 16 */
	uint32_t syssize;	/* 0: pm_size / 16 */
	size_t trailer;
};

struct bz_opts bz_defaults(void);

uint8_t pm_byte(size_t i);

size_t bz_pm_off(const struct bz_opts *o);

uint8_t *bz_build(const struct bz_opts *o, size_t *len);

/* Offsets of boot_params bytes that the loader writes over the copied
 * header (boot.rst: the write and modify fields it fills). */
bool bz_written(size_t off);

/* The e820 table in boot_params: count at 0x1e8, 20-byte entries at
 * 0x2d0, nothing after the last one. */
void check_e820(uint8_t *bp, const struct e820_entry *e, unsigned n);

void check_cmdline(struct guest *gu, const char *s);

/* ------------------------------------------------------------------------
 * Synthetic ELF vmlinux
 */
struct eseg {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

uint8_t file_byte(size_t i);

uint8_t *elf_build(const struct eseg *s, unsigned n, uint64_t entry,
		   size_t len);

#define ELF_LEN 0x5000
#define KVIRT 0xffffffff80000000ull /* __START_KERNEL_map */

/* A vmlinux in miniature: text+data with bss at 16 MiB, a PT_NOTE that
 * must be ignored, and a second segment at 32 MiB. */
extern const struct eseg elf_segs[3];

uint8_t *elf_default(size_t *len);

/* Program header i's field at offset f. */
uint8_t *ph(uint8_t *b, unsigned i, unsigned f);

void check_page_tables(struct guest *gu);

#endif
