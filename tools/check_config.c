/* plinth-check-config: checks a plinth.cfg and the files it names on a
 * host, before a stick is written, with the words Plinth would print at
 * boot.  Built from the same sources: the parser (hv/config/), the file
 * checks boot/ makes (hv/config/config_check.c), the guest's memory map
 * and the kernel loader (hv/guest/), which loads the kernel and initrd
 * into a guest memory of the configured size as the machine would.
 *
 *   plinth-check-config [-C ESPDIR] [--kernel FILE] [--initrd FILE]
 *                       [--disk FILE] PLINTH.CFG
 *   plinth-check-config --paths PLINTH.CFG
 *
 * PLINTH.CFG is checked as /EFI/BOOT/plinth.cfg of the stick.  The files
 * it names are looked for under ESPDIR (the mounted stick or a copy of
 * it; default: the current directory), except those given as host files
 * with --kernel, --initrd or --disk (the files `make image` will put where
 * the configuration says).  --paths prints the ESP path of each file the
 * configuration names ("kernel /guest/vmlinuz"), for image builders.
 *
 * Exit status: 0 when Plinth would start the guest from these files, 1
 * with "plinth: ERROR: ..." as the boot console would say it, 2 on a usage
 * error.  What only the machine can tell (its disks and NICs, VT-x or
 * AMD-V, its memory) is not checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "hv/base/fmt.h"
#include "hv/config/config.h"
#include "hv/config/config_check.h"
#include "hv/guest/layout.h"
#include "hv/guest/loader.h"
#include "hv/guest/memmap.h"

#define CFG_SHOWN "/EFI/BOOT/plinth.cfg"
#define ESP_DIR "/EFI/BOOT/" /* where plinth.efi is: relative paths */
static const char *esp_root = ".";
static const char *given[CFG_FILES]; /* --kernel, --initrd, --disk */

static int fail(const char *msg)
{
	printf("plinth: ERROR: %s\n", msg);
	return 1;
}

/* The path as boot/ shows it: absolute on the ESP. */
static void shown_path(const char *path, char *out, size_t n)
{
	snprintf(out, n, "%s%s", path[0] == '/' ? "" : ESP_DIR, path);
	for (char *p = out; *p; p++)
		if (*p == '\\')
			*p = '/';
}

static void host_path(enum cfg_file which, const char *shown, char *out,
		      size_t n)
{
	if (given[which])
		snprintf(out, n, "%s", given[which]);
	else
		snprintf(out, n, "%s%s", esp_root, shown);
}

struct file {
	char shown[CFG_PATH_MAX + 16];
	uint8_t *data;
	uint64_t size;
};

/* Reads one named file as boot/ does: its size checked first. */
static int read_file(const struct plinth_config *c, enum cfg_file which,
		     struct file *f, char *err, size_t n)
{
	char host[4096];
	struct stat st;
	FILE *fp;

	shown_path(config_file_path(c, which), f->shown, sizeof(f->shown));
	host_path(which, f->shown, host, sizeof(host));
	if (stat(host, &st)) {
		/* The firmware's words for a missing file. */
		fmt(err, n, "%s %s: cannot open: %s", config_file_role(which),
		    f->shown, errno == ENOENT ? "Not Found" : strerror(errno));
		return -1;
	}
	if (config_check_file(c, which, f->shown, S_ISDIR(st.st_mode),
			      (uint64_t)st.st_size, err, n))
		return -1;
	f->size = (uint64_t)st.st_size;
	f->data = malloc(f->size);
	fp = fopen(host, "rb");
	if (!f->data || !fp || fread(f->data, 1, f->size, fp) != f->size) {
		fmt(err, n, "%s %s: read failed: %s", config_file_role(which),
		    f->shown, strerror(errno));
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	printf("plinth: %s %s: %lu KiB\n", config_file_role(which), f->shown,
	       (unsigned long)(f->size >> 10));
	return 0;
}

/* The kernel and initrd into a guest memory of the configured size, by
 * the loader Plinth runs ("guest: ..." as the machine's log says it). */
static int load(const struct plinth_config *c, const struct file *k,
		const struct file *i, char *err, size_t n)
{
	struct e820_entry e820[GUEST_E820_MAX];
	struct boot_regs br;
	struct gmem gm;
	unsigned ne;
	char why[256];
	uint8_t *ram = mmap(NULL, c->memory, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (ram == MAP_FAILED) {
		printf("plinth-check-config: no %lu MiB here to load the "
		       "kernel "
		       "into; its format is not checked\n",
		       (unsigned long)(c->memory >> 20));
		return 0;
	}
	struct loader_args la = {
		.kernel = k->data,
		.kernel_len = k->size,
		.initrd = i->data,
		.initrd_len = i->size,
		.cmdline = c->cmdline,
		.format = c->kernel_format == CFG_KERNEL_FLAT ? KERNEL_FLAT
							      : KERNEL_AUTO,
		.e820 = e820,
		.rsdp = GUEST_BIOS_START,
	};
	int rc = guest_memmap(&gm, c->memory, ram, e820, &ne);

	la.e820_count = ne;
	if (!rc)
		rc = loader_load(&gm, &la, &br, why, sizeof(why));
	if (rc)
		fmt(err, n, "guest: %s", why);
	else
		printf("plinth: guest: %s kernel loaded, entry 0x%lx in %d-bit "
		       "mode\n",
		       loader_format_name(k->data, k->size, la.format),
		       (unsigned long)br.rip, br.mode);
	munmap(ram, c->memory);
	return rc;
}

static int check(const struct plinth_config *c)
{
	struct file f[CFG_FILES];
	char err[512];

	memset(f, 0, sizeof(f));
	for (enum cfg_file w = 0; w < CFG_FILES; w++)
		if (config_file_path(c, w)[0]
		    && read_file(c, w, &f[w], err, sizeof(err)))
			return fail(err);
	if (c->disk == CFG_DISK_RAM_BLANK)
		printf("plinth: disk: blank RAM disk, %lu MiB\n",
		       (unsigned long)(c->disk_size >> 20));
	if (config_check_sizes(c, f[CFG_FILE_KERNEL].size,
			       f[CFG_FILE_INITRD].size, f[CFG_FILE_DISK].shown,
			       f[CFG_FILE_DISK].size, err, sizeof(err)))
		return fail(err);
	if (load(c, &f[CFG_FILE_KERNEL], &f[CFG_FILE_INITRD], err, sizeof(err)))
		return fail(err);
	for (enum cfg_file w = 0; w < CFG_FILES; w++)
		free(f[w].data);
	printf("plinth-check-config: %s: the guest would start from these "
	       "files\n",
	       CFG_SHOWN);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: plinth-check-config [-C ESPDIR] [--kernel FILE] "
		"[--initrd FILE] [--disk FILE] PLINTH.CFG\n"
		"       plinth-check-config --paths PLINTH.CFG\n");
	return 2;
}

/* The file, or NULL; *size is its size even when that is too much to
 * read (then NULL too). */
static char *slurp(const char *path, size_t *len, uint64_t *size)
{
	struct stat st;
	FILE *fp;
	char *buf;

	*size = 0;
	if (stat(path, &st))
		return NULL;
	*size = (uint64_t)st.st_size;
	if (*size > CFG_FILE_MAX)
		return NULL;
	fp = fopen(path, "rb");
	buf = malloc(CFG_FILE_MAX + 1);
	if (!fp || !buf) {
		if (fp)
			fclose(fp);
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, CFG_FILE_MAX + 1, fp);
	fclose(fp);
	return buf;
}

int main(int argc, char **argv)
{
	struct plinth_config c;
	char err[512];
	int paths = 0, i;
	size_t len;
	uint64_t size;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--paths")) {
			paths = 1;
		} else if (!strcmp(argv[i], "-C")) {
			esp_root = argv[++i];
		} else if (!strcmp(argv[i], "--kernel")) {
			given[CFG_FILE_KERNEL] = argv[++i];
		} else if (!strcmp(argv[i], "--initrd")) {
			given[CFG_FILE_INITRD] = argv[++i];
		} else if (!strcmp(argv[i], "--disk")) {
			given[CFG_FILE_DISK] = argv[++i];
		} else {
			return usage();
		}
	}
	if (i != argc - 1)
		return usage();
	char *text = slurp(argv[i], &len, &size);

	if (size > CFG_FILE_MAX) {
		fmt(err, sizeof(err),
		    "%s: file is %lu bytes, more than the %lu allowed",
		    CFG_SHOWN, (unsigned long)size,
		    (unsigned long)CFG_FILE_MAX);
		return fail(err);
	}
	if (!text) {
		fprintf(stderr, "plinth-check-config: %s: %s\n", argv[i],
			strerror(errno));
		return 2;
	}
	if (config_parse(text, len, CFG_SHOWN, &c, err, sizeof(err)))
		return fail(err);
	free(text);
	for (enum cfg_file w = 0; w < CFG_FILES; w++)
		if (given[w] && !config_file_path(&c, w)[0]) {
			fprintf(stderr,
				"plinth-check-config: --%s given, but %s "
				"names no %s file\n",
				config_file_role(w), CFG_SHOWN,
				config_file_role(w));
			return 2;
		}
	if (paths) {
		char shown[CFG_PATH_MAX + 16];

		for (enum cfg_file w = 0; w < CFG_FILES; w++)
			if (config_file_path(&c, w)[0]) {
				shown_path(config_file_path(&c, w), shown,
					   sizeof(shown));
				printf("%s %s\n", config_file_role(w), shown);
			}
		return 0;
	}
	printf("plinth: config %s read\n", CFG_SHOWN);
	return check(&c);
}
