/* The hand-off from boot/ (UEFI) to the hypervisor core.
 *
 * boot/ fills one struct boot_info before and just after ExitBootServices
 * and calls hv_main().  Everything here is plain data in memory that UEFI
 * typed LoaderData, so it survives ExitBootServices; no EFI type leaks
 * through (this header is compiled on both sides of that wall).
 */
#ifndef PLINTH_BOOT_INFO_H
#define PLINTH_BOOT_INFO_H

#include <stdint.h>

#include "hv/base/power.h"
#include "hv/config/config.h"

#define BOOT_INFO_MAGIC 0x316f666e49544c50ull /* "PLTInfo1" */

/* What the hypervisor may do with a range of physical memory. */
enum mem_kind {
	MEM_FREE,	  /* conventional, or boot-services code/data */
	MEM_LOADER,	  /* plinth.efi, its pool, the guest files, this */
	MEM_RT_CODE,	  /* UEFI runtime services: keep mapped, executable */
	MEM_RT_DATA,	  /* UEFI runtime services data: keep mapped */
	MEM_ACPI_RECLAIM, /* ACPI tables */
	MEM_ACPI_NVS,
	MEM_RESERVED,
	MEM_MMIO, /* firmware-reported MMIO (flash, LAPIC, ...) */
	MEM_UNUSABLE,
	MEM_PERSISTENT,
	MEM_KIND_COUNT
};

struct mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t kind;	   /* enum mem_kind */
	uint32_t efi_type; /* the firmware's own type, for the log */
	uint64_t attr;	   /* EFI memory attributes (UC/WB/RUNTIME bits) */
};

/* EFI_MEMORY_WB in mem_range.attr (UEFI 2.10, 7.2.3): cacheable RAM. */
#define MEM_ATTR_WB 0x8ull

struct boot_file {
	uint64_t addr; /* physical, page aligned; 0 = not loaded */
	uint64_t size;
	char path[CFG_PATH_MAX];
};

#define BOOT_LOG_MAX 4096

/* The firmware's graphics mode (UEFI 2.9, 12.9 Graphics Output
 * Protocol), recorded before ExitBootServices: a linear framebuffer of
 * 32-bit pixels, `stride` pixels per line.  base = 0: no screen Plinth
 * can draw on (no GOP, or a mode without a framebuffer). */
struct boot_fb {
	uint64_t base, size;
	uint32_t width, height, stride;
	/* The pixel's red, green and blue bits (masks within the 32). */
	uint32_t red, green, blue;
};

struct boot_info {
	uint64_t magic;
	struct plinth_config cfg;
	char cfg_path[CFG_PATH_MAX];

	struct boot_file kernel;
	struct boot_file initrd;
	struct boot_file disk; /* the RAM disk, when plinth.cfg asks for one */

	uint64_t pool_base; /* the hypervisor's memory pool */
	uint64_t pool_size;
	uint64_t image_base; /* plinth.efi as loaded */
	uint64_t image_size;

	uint64_t rsdp; /* ACPI RSDP physical address, 0 = none */
	struct boot_fb fb;
	/* Two pages below 1 MiB for starting the other CPUs (a STARTUP IPI
	 * names a page there), 0 when the firmware had none. */
	uint64_t ap_pages;

	struct mem_range *mem; /* sorted by base, adjacent ranges merged */
	uint32_t mem_count;

	uint32_t fw_revision;	/* the firmware vendor's own number */
	uint32_t uefi_revision; /* UEFI spec version, major << 16 | minor */
	char fw_vendor[64];
	uint32_t fw_console_on_serial; /* firmware ConOut reached a UART */
	uint32_t boot_log_len;
	char boot_log[BOOT_LOG_MAX]; /* what boot/ printed, for the log ring */

	/* UEFI runtime ResetSystem; returns only if the firmware failed. */
	void (*reset)(enum boot_reset_kind kind);
};

/* The core's entry point; never returns. */
void hv_main(const struct boot_info *bi) __attribute__((noreturn));

#endif
