/* The firmware memory map and ExitBootServices.
 *
 * UEFI 2.10 section 7.4: the map key from GetMemoryMap must be the current
 * one when ExitBootServices is called, and any allocation in between
 * changes it.  So nothing may print or allocate between the two calls, and
 * on EFI_INVALID_PARAMETER we take the map again and retry.  The buffers
 * are sized with slack beforehand because allocating them changes the map
 * they are meant to hold.
 */
#include "boot/boot.h"

#include "hv/base/fmt.h"

#define EBS_TRIES 8
/* UEFI 2.5's persistent memory type; older gnu-efi headers lack it. */
#define EFI_PERSISTENT_MEMORY 14
#define SLACK_DESCS 32

static uint32_t kind_of(UINT32 t)
{
	switch (t) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return MEM_FREE;
	case EfiLoaderCode:
	case EfiLoaderData:
		return MEM_LOADER;
	case EfiRuntimeServicesCode:
		return MEM_RT_CODE;
	case EfiRuntimeServicesData:
		return MEM_RT_DATA;
	case EfiACPIReclaimMemory:
		return MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return MEM_MMIO;
	case EfiUnusableMemory:
		return MEM_UNUSABLE;
	case EFI_PERSISTENT_MEMORY:
		return MEM_PERSISTENT;
	default: /* reserved, PAL code, OEM and OS types */
		return MEM_RESERVED;
	}
}

/* Sorts by base and merges neighbours of the same kind and attributes. */
static uint32_t convert(UINT8 *map, UINTN map_size, UINTN desc_size,
			struct mem_range *out, uint32_t cap)
{
	uint32_t n = 0;

	for (UINTN off = 0; off + desc_size <= map_size && n < cap;
	     off += desc_size) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map + off);
		struct mem_range r = {
			.base = d->PhysicalStart,
			.size = d->NumberOfPages << EFI_PAGE_SHIFT,
			.kind = kind_of(d->Type),
			.efi_type = d->Type,
			.attr = d->Attribute,
		};
		uint32_t i = n;

		if (r.size == 0)
			continue;
		while (i > 0 && out[i - 1].base > r.base) {
			out[i] = out[i - 1];
			i--;
		}
		out[i] = r;
		n++;
	}
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct mem_range *prev = m ? &out[m - 1] : NULL;

		if (prev && prev->kind == out[i].kind
		    && prev->attr == out[i].attr
		    && prev->base + prev->size == out[i].base)
			prev->size += out[i].size;
		else
			out[m++] = out[i];
	}
	return m;
}

EFI_STATUS boot_exit_boot_services(EFI_HANDLE image, struct boot_info *bi,
				   char *err, UINTN errlen)
{
	UINTN map_size = 0, key, desc_size;
	UINT32 desc_ver;
	EFI_STATUS st;

	st = BS->GetMemoryMap(&map_size, NULL, &key, &desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL
	    || desc_size < sizeof(EFI_MEMORY_DESCRIPTOR)) {
		fmt(err, errlen, "GetMemoryMap: %s", boot_status_str(st));
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	UINTN cap = map_size + SLACK_DESCS * desc_size;
	UINT8 *map = AllocatePool(cap);
	uint32_t mem_cap = (uint32_t)(cap / desc_size);
	struct mem_range *mem = AllocatePool(mem_cap * sizeof(*mem));

	if (!map || !mem) {
		fmt(err, errlen, "no memory for the memory map");
		return EFI_OUT_OF_RESOURCES;
	}
	for (int tries = 0; tries < EBS_TRIES; tries++) {
		map_size = cap;
		st = BS->GetMemoryMap(&map_size, (EFI_MEMORY_DESCRIPTOR *)map,
				      &key, &desc_size, &desc_ver);
		if (EFI_ERROR(st))
			break;
		st = BS->ExitBootServices(image, key);
		if (!EFI_ERROR(st)) {
			boot_console_exit_bs();
			bi->mem = mem;
			bi->mem_count = convert(map, map_size, desc_size, mem,
						mem_cap);
			return EFI_SUCCESS;
		}
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	fmt(err, errlen, "ExitBootServices failed: %s", boot_status_str(st));
	return st;
}
