/* boot/: the UEFI side of Plinth.  The only code that includes EFI headers;
 * everything it learns goes into one struct boot_info for hv_main(). */
#ifndef PLINTH_BOOT_H
#define PLINTH_BOOT_H

#include <efi.h>
#include <efilib.h>

#include "hv/config/boot_info.h"

/* console.c: ConOut and COM1 until ExitBootServices, COM1 after. */
void boot_console_init(struct boot_info *bi);
void boot_console_exit_bs(void);
void boot_log(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Describes an EFI_STATUS in words ("Not Found"). */
const char *boot_status_str(EFI_STATUS st);

/* files.c: files on the ESP that holds plinth.efi. */
EFI_STATUS boot_files_init(EFI_HANDLE image, char *dir, UINTN dirlen);
/* Whether a file found at `shown` (its path as messages show it) may be
 * read: 0, or -1 with why in err. */
typedef int (*boot_file_check)(const void *ctx, const char *shown, bool is_dir,
			       uint64_t size, char *err, size_t errlen);
/* Reads `path` (relative to plinth.efi's directory unless it starts with
 * '/' or '\') into freshly allocated LoaderData pages, once check(ctx,
 * ...) accepts what it found.  On failure err holds "PATH: problem", or
 * what check said. */
EFI_STATUS boot_read_file(const char *path, boot_file_check check,
			  const void *ctx, struct boot_file *out, char *err,
			  UINTN errlen);
void boot_free_file(struct boot_file *f);

/* screen.c: the graphics mode into bi->fb (base 0 when there is none
 * to draw on). */
void boot_screen(struct boot_info *bi);

/* memmap.c */
EFI_STATUS boot_exit_boot_services(EFI_HANDLE image, struct boot_info *bi,
				   char *err, UINTN errlen);

/* The UEFI application's entry, called by GNU-EFI's crt0 (_start). */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

#endif
