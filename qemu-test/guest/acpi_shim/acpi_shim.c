/* A test fixture for Bochs: the firmware's ACPI tables of a machine with
 * ACPI_SHIM_CPUS processors, then Plinth.
 *
 * Bochs runs several CPUs, but the OVMF it boots builds its ACPI tables
 * from QEMU's fw_cfg, which Bochs does not have: the machine reaches
 * Plinth with no MADT, and Plinth (arch/x86/smp.c) starts only the CPUs
 * the MADT lists.  Real UEFI firmware always installs one.  This EFI
 * application, BOOTX64.EFI on the test's ESP, installs an RSDP, an XSDT
 * and a MADT listing LAPIC IDs 0 to ACPI_SHIM_CPUS - 1 (Bochs numbers its
 * processors so), then loads and starts \EFI\BOOT\plinth.efi beside it.
 * Nothing else of ACPI is given: Plinth keeps its fallbacks for the rest
 * (PCI through CF8, no FADT).
 *
 * It also does what some firmware does: it writes the boot CPU's TSC,
 * which moves that CPU's IA32_TSC_ADJUST, and no other's, by as much
 * (SDM vol. 3B, 18.17.3).  The boot CPU then counts 2^30 ticks (21 s of
 * Bochs' 50 MHz) ahead of the CPUs Plinth starts, until Plinth gives them
 * all one TSC.  (Bochs' TSC-deadline timer, moreover, ignores the
 * adjustment: left there, it fires 21 s late.) */
#include <efi.h>
#include <efilib.h>

#ifndef ACPI_SHIM_CPUS
#define ACPI_SHIM_CPUS 2
#endif

#define HDR 36
#define MSR_TSC_ADJUST 0x3b
#define TSC_SKEW (1ull << 30)

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st); /* crt0's */

static void put32(UINT8 *p, UINT32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (UINT8)(v >> (8 * i));
}

static void put64(UINT8 *p, UINT64 v)
{
	put32(p, (UINT32)v);
	put32(p + 4, (UINT32)(v >> 32));
}

static UINT8 checksum(const UINT8 *p, UINTN n)
{
	UINT8 s = 0;

	for (UINTN i = 0; i < n; i++)
		s = (UINT8)(s + p[i]);
	return (UINT8)(0x100 - s);
}

/* An ACPI table header (ACPI 6.4, 5.2.6), its checksum filled last. */
static void header(UINT8 *t, const char *sig, UINT32 len, UINT8 rev)
{
	static const char oem[] = "PLINTHTESTSHIM  ";

	for (int i = 0; i < 4; i++)
		t[i] = (UINT8)sig[i];
	put32(t + 4, len);
	t[8] = rev;
	for (int i = 0; i < 6; i++)
		t[10 + i] = (UINT8)oem[i];
	for (int i = 0; i < 8; i++)
		t[16 + i] = (UINT8)oem[6 + i];
	put32(t + 24, 1);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	EFI_LOADED_IMAGE *li;
	EFI_HANDLE plinth;
	EFI_STATUS s;
	UINT8 *mem;

	InitializeLib(image, st);
	s = uefi_call_wrapper(BS->AllocatePool, 3, EfiACPIReclaimMemory, 4096,
			      (void **)&mem);
	if (EFI_ERROR(s)) {
		Print(L"acpi_shim: no memory: %r\n", s);
		return s;
	}
	ZeroMem(mem, 4096);
	UINT8 *rsdp = mem, *xsdt = mem + 64, *madt = mem + 128;
	UINT32 madt_len = 44 + 8 * ACPI_SHIM_CPUS;

	/* MADT (5.2.12): the LAPIC's address, PCAT_COMPAT, then one
	 * Processor Local APIC entry (type 0, 8 bytes) per CPU, enabled. */
	header(madt, "APIC", madt_len, 4);
	put32(madt + 36, 0xfee00000);
	put32(madt + 40, 1);
	for (UINT32 i = 0; i < ACPI_SHIM_CPUS; i++) {
		UINT8 *e = madt + 44 + 8 * i;

		e[0] = 0;
		e[1] = 8;
		e[2] = (UINT8)i; /* ACPI processor UID */
		e[3] = (UINT8)i; /* APIC ID */
		put32(e + 4, 1);
	}
	madt[9] = checksum(madt, madt_len);
	/* XSDT (5.2.8) with the one table. */
	header(xsdt, "XSDT", HDR + 8, 1);
	put64(xsdt + HDR, (UINT64)(UINTN)madt);
	xsdt[9] = checksum(xsdt, HDR + 8);
	/* RSDP 2.0 (5.2.5): no RSDT, the XSDT's address. */
	CopyMem(rsdp, "RSD PTR ", 8);
	CopyMem(rsdp + 9, "PLINTH", 6);
	rsdp[15] = 2;
	put32(rsdp + 20, 36);
	put64(rsdp + 24, (UINT64)(UINTN)xsdt);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, 36);
	s = uefi_call_wrapper(BS->InstallConfigurationTable, 2, &acpi20, rsdp);
	if (EFI_ERROR(s)) {
		Print(L"acpi_shim: InstallConfigurationTable: %r\n", s);
		return s;
	}
	Print(L"acpi_shim: a MADT with %d CPUs installed\n", ACPI_SHIM_CPUS);
	UINT32 max, a, b = 0, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(max), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(0), "c"(0));
	b = 0;
	if (max >= 7)
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
				 : "a"(7), "c"(0));
	if (b & 2) { /* IA32_TSC_ADJUST */
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi)
				 : "c"(MSR_TSC_ADJUST));
		UINT64 adj = ((UINT64)hi << 32 | lo) + TSC_SKEW;

		__asm__ volatile("wrmsr" : : "c"(MSR_TSC_ADJUST),
				 "a"((UINT32)adj), "d"((UINT32)(adj >> 32)));
		Print(L"acpi_shim: the boot CPU's TSC moved %ld ticks ahead "
		      L"of the others\n", TSC_SKEW);
	}

	s = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			      &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(s))
		return s;
	EFI_DEVICE_PATH *dp = FileDevicePath(li->DeviceHandle,
					     L"\\EFI\\BOOT\\plinth.efi");

	s = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, dp, NULL, 0,
			      &plinth);
	if (EFI_ERROR(s)) {
		Print(L"acpi_shim: loading plinth.efi: %r\n", s);
		return s;
	}
	return uefi_call_wrapper(BS->StartImage, 3, plinth, NULL, NULL);
}
