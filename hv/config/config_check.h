/* What Plinth checks of the files plinth.cfg names, in the words it
 * prints them: boot/ at boot (through the firmware's file protocol) and
 * tools/check_config.c on a host, before a stick is written, share these,
 * so an operator sees there exactly the message the machine would show.
 *
 * Shared with boot/: compiler headers and config.h only. */
#ifndef PLINTH_CONFIG_CHECK_H
#define PLINTH_CONFIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/config/config.h"

/* The files, in the order they are read: kernel, initrd, disk image. */
enum cfg_file { CFG_FILE_KERNEL, CFG_FILE_INITRD, CFG_FILE_DISK, CFG_FILES };

/* Its role ("kernel"), its path on the ESP ("" when the configuration
 * names none) and the most bytes it may have. */
const char *config_file_role(enum cfg_file f);
const char *config_file_path(const struct plinth_config *c, enum cfg_file f);
uint64_t config_file_max(const struct plinth_config *c, enum cfg_file f);

/* A file found at `shown` (its path as messages show it): 0, or -1 with
 * "ROLE SHOWN: is a directory" / "...: file is empty" / "...: file is N
 * bytes, more than the M allowed" in err. */
int config_check_file(const struct plinth_config *c, enum cfg_file f,
		      const char *shown, bool is_dir, uint64_t size, char *err,
		      size_t n);

/* Once all are read: the disk image is whole sectors, and kernel and
 * initrd leave room in guest memory.  0, or -1 with why. */
int config_check_sizes(const struct plinth_config *c, uint64_t kernel,
		       uint64_t initrd, const char *disk_shown, uint64_t disk,
		       char *err, size_t n);

#endif
