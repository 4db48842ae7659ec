/* The guest memory and synthetic kernels of the loader tests
 * (tests/unit/test_loader_*.c); what each helper does is in
 * loader_fixture.h. */
#include "tests/support/loader_fixture.h"

#include "tests/support/check.h"

void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)v);
	w16(p + 2, (uint16_t)(v >> 16));
}

void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

uint16_t r16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t r32(const uint8_t *p)
{
	return (uint32_t)r16(p) | (uint32_t)r16(p + 2) << 16;
}

uint64_t r64(const uint8_t *p)
{
	return (uint64_t)r32(p) | (uint64_t)r32(p + 4) << 32;
}

size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	static uint8_t ref[4096];
	static int ref_v = -1;

	if (ref_v != v) {
		memset(ref, v, sizeof(ref));
		ref_v = v;
	}
	for (size_t i = 0; i < n; i += sizeof(ref))
		if (memcmp(p + i, ref, min_sz(n - i, sizeof(ref))))
			return false;
	return true;
}

void guest_region(struct guest *gu, uint64_t gpa, uint64_t size, bool in_e820)
{
	uint8_t *b = malloc(size);

	if (!b) {
		printf("# out of memory\n");
		exit(1);
	}
	memset(b, POISON, size);
	gu->block[gu->nblocks] = b;
	gu->block_size[gu->nblocks++] = size;
	CHECK(gmem_add(&gu->g, gpa, size, b) == 0);
	if (in_e820)
		gu->e820[gu->ne++] = (struct e820_entry){ gpa, size, E820_RAM };
}

void guest_empty(struct guest *gu)
{
	memset(gu, 0, sizeof(*gu));
	gmem_init(&gu->g);
}

void guest_std(struct guest *gu, uint64_t size)
{
	guest_empty(gu);
	guest_region(gu, 0, GUEST_LOW_RAM_END, true);
	gu->e820[gu->ne++] = (struct e820_entry){ 0xf0000, 0x10000,
						  E820_RESERVED };
	guest_region(gu, GUEST_HIGH_START, size - GUEST_HIGH_START, true);
}

void guest_free(struct guest *gu)
{
	for (unsigned i = 0; i < gu->nblocks; i++)
		free(gu->block[i]);
	gu->nblocks = 0;
}

void guest_repoison(struct guest *gu)
{
	for (unsigned i = 0; i < gu->nblocks; i++)
		memset(gu->block[i], POISON, gu->block_size[i]);
}

bool untouched(const struct guest *gu)
{
	for (unsigned i = 0; i < gu->nblocks; i++)
		if (!all_bytes(gu->block[i], gu->block_size[i], POISON))
			return false;
	return true;
}

uint8_t *gp(struct guest *gu, uint64_t gpa, uint64_t n)
{
	uint8_t *p = gmem_ptr(&gu->g, gpa, n);

	if (!p) {
		printf("# test bug: 0x%llx+0x%llx is not guest RAM\n",
		       (unsigned long long)gpa, (unsigned long long)n);
		exit(1);
	}
	return p;
}

uint8_t *bootp(struct guest *gu)
{
	return gp(gu, 0x7000, 0x1000);
}

struct loader_args args(const struct guest *gu, const uint8_t *k, size_t n)
{
	return (struct loader_args){
		.kernel = k,
		.kernel_len = n,
		.cmdline = CMDLINE,
		.format = KERNEL_AUTO,
		.e820 = gu->e820,
		.e820_count = gu->ne,
		.rsdp = RSDP,
	};
}

struct bz_opts bz_defaults(void)
{
	return (struct bz_opts){
		.setup_sects = 4,
		.version = 0x020f,
		.hdr_len = 0x6a, /* header ends at 0x26c, as Linux 6.1's */
		.loadflags = 0x01,
		.relocatable = 1,
		.kernel_alignment = 0x200000,
		.xloadflags = 0x0003, /* KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
		.cmdline_size = 2047,
		.initrd_addr_max = 0x7fffffff,
		.pref_address = 0x1000000,
		.init_size = 0x800000,
		.pm_size = 0x10000,
	};
}

uint8_t pm_byte(size_t i)
{
	return (uint8_t)(i * 13 + 7);
}

size_t bz_pm_off(const struct bz_opts *o)
{
	return ((size_t)(o->setup_sects ? o->setup_sects : 4) + 1) * 512;
}

uint8_t *bz_build(const struct bz_opts *o, size_t *len)
{
	size_t off = bz_pm_off(o);
	size_t n = off + o->pm_size + o->trailer;
	uint8_t *b = malloc(n);

	memset(b, 0x5a, off); /* junk, which must not reach boot_params */
	for (size_t i = 0; i < o->pm_size; i++)
		b[off + i] = pm_byte(i);
	memset(b + off + o->pm_size, 0xee, o->trailer);
	b[0] = 'M';
	b[1] = 'Z';
	b[0x1f1] = o->setup_sects;
	w16(b + 0x1f2, 1);		/* root_flags */
	w32(b + 0x1f4, o->syssize ? o->syssize : (uint32_t)(o->pm_size / 16));
	w16(b + 0x1fa, 0xfffd);		/* vid_mode: ask */
	w16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = o->hdr_len;
	memcpy(b + 0x202, "HdrS", 4);
	w16(b + 0x206, o->version);
	b[0x210] = 0;			/* type_of_loader */
	b[0x211] = o->loadflags;
	w32(b + 0x214, 0x100000);	/* code32_start */
	w32(b + 0x218, 0xdeadbeef);	/* ramdisk_image: junk */
	w32(b + 0x21c, 0x1234);		/* ramdisk_size: junk */
	w16(b + 0x224, 0);		/* heap_end_ptr */
	b[0x226] = 0x77;		/* ext_loader_ver: junk */
	b[0x227] = 0x66;		/* ext_loader_type: junk */
	w32(b + 0x228, 0xcafebabe);	/* cmd_line_ptr: junk */
	w32(b + 0x22c, o->initrd_addr_max);
	w32(b + 0x230, o->kernel_alignment);
	b[0x234] = o->relocatable;
	b[0x235] = 21;			/* min_alignment */
	w16(b + 0x236, o->xloadflags);
	w32(b + 0x238, o->cmdline_size);
	w32(b + 0x23c, 2);		/* hardware_subarch: Xen! */
	w64(b + 0x240, 0x1111);		/* hardware_subarch_data */
	w32(b + 0x248, 0x3ba);		/* payload_offset */
	w32(b + 0x24c, 0x1000);		/* payload_length */
	w64(b + 0x250, 0x1122334455667788ull);	/* setup_data: junk */
	w64(b + 0x258, o->pref_address);
	w32(b + 0x260, o->init_size);
	w32(b + 0x264, 0x190);		/* handover_offset */
	w32(b + 0x268, 0x2a0000);	/* kernel_info_offset */
	*len = n;
	return b;
}

bool bz_written(size_t off)
{
	static const struct {
		size_t off, size;
	} w[] = {
		{ 0x1f1, 1 }, /* setup_sects, 0 -> 4 */
		{ 0x1fa, 2 }, /* vid_mode */
		{ 0x210, 1 }, /* type_of_loader */
		{ 0x211, 1 }, /* loadflags */
		{ 0x214, 4 }, /* code32_start */
		{ 0x218, 8 }, /* ramdisk_image, ramdisk_size */
		{ 0x224, 8 }, /* heap_end_ptr, ext_loader_*, cmd_line_ptr */
		{ 0x23c, 12 }, /* hardware_subarch(_data) */
		{ 0x250, 8 }, /* setup_data */
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (off >= w[i].off && off < w[i].off + w[i].size)
			return true;
	return false;
}

void check_e820(uint8_t *bp, const struct e820_entry *e, unsigned n)
{
	CHECK(bp[0x1e8] == n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = bp + 0x2d0 + 20 * i;

		CHECK(r64(p) == e[i].addr);
		CHECK(r64(p + 8) == e[i].size);
		CHECK(r32(p + 16) == e[i].type);
	}
	CHECK(all_bytes(bp + 0x2d0 + 20 * n, 0x1000 - 0x2d0 - 20 * n, 0));
}

void check_cmdline(struct guest *gu, const char *s)
{
	size_t n = strlen(s);

	CHECK(memcmp(gp(gu, 0x8000, n + 1), s, n + 1) == 0);
}

uint8_t file_byte(size_t i)
{
	return (uint8_t)(i * 29 + 11);
}

uint8_t *elf_build(const struct eseg *s, unsigned n, uint64_t entry, size_t len)
{
	uint8_t *b = malloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = file_byte(i);
	memset(b, 0, 64 + 56 * n);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = 2; /* ELFCLASS64 */
	b[5] = 1; /* ELFDATA2LSB */
	b[6] = 1; /* EV_CURRENT */
	w16(b + 16, 2);	 /* ET_EXEC */
	w16(b + 18, 62); /* EM_X86_64 */
	w32(b + 20, 1);
	w64(b + 24, entry);
	w64(b + 32, 64); /* e_phoff */
	w16(b + 52, 64);
	w16(b + 54, 56);
	w16(b + 56, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = b + 64 + 56 * i;

		w32(p, s[i].type);
		w32(p + 4, 7);
		w64(p + 8, s[i].off);
		w64(p + 16, s[i].vaddr);
		w64(p + 24, s[i].paddr);
		w64(p + 32, s[i].filesz);
		w64(p + 40, s[i].memsz);
		w64(p + 48, 0x200000);
	}
	return b;
}

const struct eseg elf_segs[3] = {
	{ 1, 0x1000, KVIRT + 0x1000000, 0x1000000, 0x3000, 0x5000 },
	{ 4, 0x1100, 0, 0, 0x10, 0x10 },
	{ 1, 0x4000, KVIRT + 0x2000000, 0x2000000, 0x1000, 0x1000 },
};

uint8_t *elf_default(size_t *len)
{
	*len = ELF_LEN;
	return elf_build(elf_segs, 3, 0x1000000, ELF_LEN);
}

uint8_t *ph(uint8_t *b, unsigned i, unsigned f)
{
	return b + 64 + 56 * i + f;
}

void check_page_tables(struct guest *gu)
{
	uint8_t *pt = gp(gu, 0x9000, 6 * 0x1000);
	bool ok = true;

	CHECK(r64(pt) == 0xa003);
	CHECK(all_bytes(pt + 8, 0x1000 - 8, 0));
	for (unsigned i = 0; i < 4; i++)
		CHECK(r64(pt + 0x1000 + 8 * i) == 0xb003 + 0x1000ull * i);
	CHECK(all_bytes(pt + 0x1000 + 32, 0x1000 - 32, 0));
	for (uint64_t i = 0; i < 2048; i++)
		ok &= r64(pt + 0x2000 + 8 * i) == ((i << 21) | 0x83);
	CHECK(ok);
	CHECK(r64(pt + 0x2000 + 8 * 2047) == 0xffe00083);
}
