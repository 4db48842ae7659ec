/* UEFI entry: read plinth.cfg and the guest files from the ESP, reserve
 * the hypervisor's pool, take the memory map and the ACPI RSDP, leave boot
 * services and hand one struct boot_info to hv_main().
 *
 * Any failure before ExitBootServices prints what went wrong, releases what
 * was allocated and returns to the firmware, so its boot menu goes on. */
#include "boot/boot.h"
#include "hv/config/config_check.h"

#include "hv/base/fmt.h"
#include "hv/base/version.h"

#define RETURN_DELAY_US (5 * 1000 * 1000)

static void reset_system(enum boot_reset_kind kind)
{
	/* Runtime services stay callable after ExitBootServices as long as
	 * their memory stays identity mapped (no SetVirtualAddressMap). */
	RT->ResetSystem(kind == BOOT_RESET_SHUTDOWN ? EfiResetShutdown
						    : EfiResetCold,
			EFI_SUCCESS, 0, NULL);
}

static uint64_t find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	uint64_t v1 = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (uint64_t)(UINTN)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &AcpiTableGuid))
			v1 = (uint64_t)(UINTN)t->VendorTable;
	}
	return v1;
}

/* plinth.cfg itself: a file, not empty, at most CFG_FILE_MAX bytes. */
static int cfg_file_ok(const void *ctx, const char *shown, bool is_dir,
		       uint64_t size, char *err, size_t n)
{
	(void)ctx;
	if (is_dir)
		fmt(err, n, "%s: is a directory", shown);
	else if (size == 0)
		fmt(err, n, "%s: file is empty", shown);
	else if (size > CFG_FILE_MAX)
		fmt(err, n, "%s: file is %lu bytes, more than the %lu allowed",
		    shown, (unsigned long)size, (unsigned long)CFG_FILE_MAX);
	else
		return 0;
	return -1;
}

static EFI_STATUS load_config(struct boot_info *bi, char *err, UINTN errlen)
{
	struct boot_file f;
	EFI_STATUS st;

	st = boot_read_file("plinth.cfg", cfg_file_ok, NULL, &f, err, errlen);
	CopyMem(bi->cfg_path, f.path, sizeof(bi->cfg_path));
	if (EFI_ERROR(st))
		return st;
	int rc = config_parse((const char *)(UINTN)f.addr, f.size, f.path,
			      &bi->cfg, err, errlen);

	boot_free_file(&f);
	return rc ? EFI_LOAD_ERROR : EFI_SUCCESS;
}

/* A guest file, judged as tools/check_config judges it. */
struct guest_file {
	const struct plinth_config *cfg;
	enum cfg_file which;
};

static int guest_file_ok(const void *ctx, const char *shown, bool is_dir,
			 uint64_t size, char *err, size_t n)
{
	const struct guest_file *g = ctx;

	return config_check_file(g->cfg, g->which, shown, is_dir, size, err, n);
}

/* One guest file: "kernel PATH: problem" on failure. */
static EFI_STATUS load_file(const struct plinth_config *c, enum cfg_file which,
			    struct boot_file *f, char *err, UINTN errlen)
{
	char why[256];
	const char *role = config_file_role(which);
	struct guest_file g = { c, which };
	EFI_STATUS st = boot_read_file(config_file_path(c, which),
				       guest_file_ok, &g, f, why, sizeof(why));

	if (EFI_ERROR(st)) {
		/* The check's own words name the role already. */
		if (st == EFI_BAD_BUFFER_SIZE)
			fmt(err, errlen, "%s", why);
		else
			fmt(err, errlen, "%s %s", role, why);
		return st;
	}
	boot_log("%s %s: %lu KiB", role, f->path,
		 (unsigned long)(f->size >> 10));
	return EFI_SUCCESS;
}

static EFI_STATUS load_guest(struct boot_info *bi, char *err, UINTN errlen)
{
	const struct plinth_config *c = &bi->cfg;
	EFI_STATUS st;

	st = load_file(c, CFG_FILE_KERNEL, &bi->kernel, err, errlen);
	if (EFI_ERROR(st))
		return st;
	if (c->initrd[0]) {
		st = load_file(c, CFG_FILE_INITRD, &bi->initrd, err, errlen);
		if (EFI_ERROR(st))
			return st;
	}
	if (c->disk == CFG_DISK_RAM_FILE) {
		st = load_file(c, CFG_FILE_DISK, &bi->disk, err, errlen);
		if (EFI_ERROR(st))
			return st;
	} else if (c->disk == CFG_DISK_RAM_BLANK) {
		EFI_PHYSICAL_ADDRESS a;

		st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData,
				       EFI_SIZE_TO_PAGES(c->disk_size), &a);
		if (EFI_ERROR(st)) {
			fmt(err, errlen, "disk ram:%lu MiB: no memory: %s",
			    (unsigned long)(c->disk_size >> 20),
			    boot_status_str(st));
			return st;
		}
		SetMem((void *)(UINTN)a, c->disk_size, 0);
		bi->disk.addr = a;
		bi->disk.size = c->disk_size;
		boot_log("disk: blank RAM disk, %lu MiB",
			 (unsigned long)(c->disk_size >> 20));
	}
	if (config_check_sizes(c, bi->kernel.size, bi->initrd.size,
			       bi->disk.path, bi->disk.size, err, errlen))
		return EFI_BAD_BUFFER_SIZE;
	return EFI_SUCCESS;
}

static EFI_STATUS reserve_pool(struct boot_info *bi, char *err, UINTN errlen)
{
	UINTN pages = EFI_SIZE_TO_PAGES(bi->cfg.hv_memory);
	/* Below 4 GiB first: simpler for devices with 32-bit DMA. */
	EFI_PHYSICAL_ADDRESS addr = 0xffffffffull;
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st))
		st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages,
				       &addr);
	if (EFI_ERROR(st)) {
		fmt(err, errlen,
		    "cannot reserve the hypervisor pool "
		    "(hv_memory = %lu MiB): %s",
		    (unsigned long)(bi->cfg.hv_memory >> 20),
		    boot_status_str(st));
		return st;
	}
	bi->pool_base = addr;
	bi->pool_size = (uint64_t)pages << EFI_PAGE_SHIFT;
	return EFI_SUCCESS;
}

/* The other CPUs start in real mode at a page below 1 MiB that a STARTUP
 * IPI names (SDM vol. 3A, 9.4.4): one for the code, one for a copy of
 * the page tables' root below 4 GiB.  Without them Plinth uses one CPU. */
static void reserve_ap_pages(struct boot_info *bi)
{
	EFI_PHYSICAL_ADDRESS addr = 0x9ffff;

	if (EFI_ERROR(BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, 2,
					&addr))) {
		boot_log(
			"no free pages below 640 KiB: Plinth will use one CPU");
		return;
	}
	bi->ap_pages = addr;
}

static void release(struct boot_info *bi)
{
	boot_free_file(&bi->kernel);
	boot_free_file(&bi->initrd);
	boot_free_file(&bi->disk);
	if (bi->pool_base)
		BS->FreePages(bi->pool_base, EFI_SIZE_TO_PAGES(bi->pool_size));
	bi->pool_base = 0;
	if (bi->ap_pages)
		BS->FreePages(bi->ap_pages, 2);
	bi->ap_pages = 0;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_PHYSICAL_ADDRESS bi_addr;
	EFI_LOADED_IMAGE *li;
	struct boot_info *bi;
	char err[384], dir[CFG_PATH_MAX];
	EFI_STATUS st;

	InitializeLib(image, systab);
	st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData,
			       EFI_SIZE_TO_PAGES(sizeof(*bi)), &bi_addr);
	if (EFI_ERROR(st))
		return st;
	bi = (struct boot_info *)(UINTN)bi_addr;
	ZeroMem(bi, sizeof(*bi));
	boot_console_init(bi);
	boot_log("Plinth %s", plinth_version);
	/* The boot manager arms a 5-minute watchdog for boot options; a slow
	 * disk must not reset us while the guest files load. */
	BS->SetWatchdogTimer(0, 0, 0, NULL);

	for (UINTN i = 0; ST->FirmwareVendor && ST->FirmwareVendor[i]
			  && i + 1 < sizeof(bi->fw_vendor);
	     i++)
		bi->fw_vendor[i] = (char)ST->FirmwareVendor[i];
	bi->fw_revision = ST->FirmwareRevision;
	bi->uefi_revision = ST->Hdr.Revision;
	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		fmt(err, sizeof(err), "no loaded-image protocol: %s",
		    boot_status_str(st));
		goto fail;
	}
	bi->image_base = (uint64_t)(UINTN)li->ImageBase;
	bi->image_size = li->ImageSize;
	st = boot_files_init(image, dir, sizeof(dir));
	if (EFI_ERROR(st)) {
		fmt(err, sizeof(err),
		    "cannot open the file system that holds "
		    "plinth.efi: %s",
		    boot_status_str(st));
		goto fail;
	}
	st = load_config(bi, err, sizeof(err));
	if (EFI_ERROR(st))
		goto fail;
	boot_log("config %s read", bi->cfg_path);
	st = load_guest(bi, err, sizeof(err));
	if (EFI_ERROR(st))
		goto fail;
	st = reserve_pool(bi, err, sizeof(err));
	if (EFI_ERROR(st))
		goto fail;
	reserve_ap_pages(bi);
	boot_screen(bi);
	bi->rsdp = find_rsdp();
	bi->reset = reset_system;
	bi->magic = BOOT_INFO_MAGIC;
	boot_log("pool %lu MiB at %p; exiting boot services",
		 (unsigned long)(bi->pool_size >> 20),
		 (void *)(UINTN)bi->pool_base);
	st = boot_exit_boot_services(image, bi, err, sizeof(err));
	if (EFI_ERROR(st))
		goto fail;
	hv_main(bi);

fail:
	boot_log("ERROR: %s", err);
	release(bi);
	boot_log("returning to the firmware in %u seconds",
		 RETURN_DELAY_US / 1000000);
	BS->Stall(RETURN_DELAY_US);
	BS->FreePages(bi_addr, EFI_SIZE_TO_PAGES(sizeof(*bi)));
	return st;
}
