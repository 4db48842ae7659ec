/* The checks of the files plinth.cfg names (see config_check.h). */
#include "hv/config/config_check.h"

#include "hv/base/fmt.h"

const char *config_file_role(enum cfg_file f)
{
	static const char *const roles[CFG_FILES] = { "kernel", "initrd",
						      "disk" };

	return f < CFG_FILES ? roles[f] : "file";
}

const char *config_file_path(const struct plinth_config *c, enum cfg_file f)
{
	switch (f) {
	case CFG_FILE_KERNEL:
		return c->kernel;
	case CFG_FILE_INITRD:
		return c->initrd;
	case CFG_FILE_DISK:
		return c->disk == CFG_DISK_RAM_FILE ? c->disk_path : "";
	default:
		return "";
	}
}

uint64_t config_file_max(const struct plinth_config *c, enum cfg_file f)
{
	return f == CFG_FILE_DISK ? CFG_MAX_DISK : c->memory;
}

int config_check_file(const struct plinth_config *c, enum cfg_file f,
		      const char *shown, bool is_dir, uint64_t size, char *err,
		      size_t n)
{
	const char *role = config_file_role(f);

	if (is_dir)
		fmt(err, n, "%s %s: is a directory", role, shown);
	else if (size == 0)
		fmt(err, n, "%s %s: file is empty", role, shown);
	else if (size > config_file_max(c, f))
		fmt(err, n,
		    "%s %s: file is %lu bytes, more than the %lu allowed", role,
		    shown, (unsigned long)size,
		    (unsigned long)config_file_max(c, f));
	else
		return 0;
	return -1;
}

int config_check_sizes(const struct plinth_config *c, uint64_t kernel,
		       uint64_t initrd, const char *disk_shown, uint64_t disk,
		       char *err, size_t n)
{
	if (c->disk == CFG_DISK_RAM_FILE && disk % 512) {
		fmt(err, n,
		    "disk %s: %lu bytes is not a whole number of 512-byte "
		    "sectors",
		    disk_shown, (unsigned long)disk);
		return -1;
	}
	/* Both must end up inside guest RAM, with room to spare. */
	if (kernel + initrd >= c->memory) {
		fmt(err, n,
		    "kernel (%lu KiB) and initrd (%lu KiB) do not fit in guest "
		    "memory (memory = %lu MiB)",
		    (unsigned long)(kernel >> 10),
		    (unsigned long)(initrd >> 10),
		    (unsigned long)(c->memory >> 20));
		return -1;
	}
	return 0;
}
