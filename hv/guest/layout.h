/* The guest's physical address map: the PC layout a stock Linux expects.
 *
 *   0x00000000-0x0009ffff  RAM (boot_params, command line, boot page tables)
 *   0x000a0000-0x000dffff  hole (legacy VGA and option ROMs)
 *   0x000e0000-0x000fffff  ACPI tables, RSDP (e820 reserved, backed by RAM)
 *   0x00100000-low top     RAM: kernel, initrd
 *   0xafe00000-0xafffffff  hole, so that no MMIO range follows RAM
 *   0xb0000000-0xbfffffff  PCI ECAM (MMIO, e820 reserved)
 *   0xc0000000-0xfebfffff  PCI BARs (MMIO)
 *   0xfec00000             IOAPIC (MMIO)
 *   0xfee00000             LAPIC (MMIO)
 *   0x100000000-           RAM above 4 GiB when memory > GUEST_LOW_RAM_MAX
 */
#ifndef PLINTH_GUEST_LAYOUT_H
#define PLINTH_GUEST_LAYOUT_H

#define GUEST_LOW_RAM_END 0x000a0000ull
#define GUEST_BIOS_START 0x000e0000ull /* ACPI tables live here */
#define GUEST_BIOS_END 0x00100000ull
#define GUEST_HIGH_START 0x00100000ull
/* RAM below 4 GiB ends here at most, 2 MiB (one EPT large page) short
 * of the ECAM: an access that straddles the end of RAM then meets a hole
 * and stops the guest with the address, instead of reaching the ECAM's
 * first bytes as if it had been aimed there (an EPT violation reports
 * only the faulting part's address, and Plinth does not guess the
 * rest). */
#define GUEST_LOW_RAM_MAX 0xafe00000ull
#define GUEST_ECAM_BASE 0xb0000000ull
#define GUEST_ECAM_SIZE 0x10000000ull
#define GUEST_PCI_MMIO_BASE 0xc0000000ull
#define GUEST_PCI_MMIO_END 0xfec00000ull
#define GUEST_IOAPIC_BASE 0xfec00000ull
#define GUEST_LAPIC_BASE 0xfee00000ull
#define GUEST_4G 0x100000000ull

_Static_assert(GUEST_LOW_RAM_MAX < GUEST_ECAM_BASE
		       && GUEST_LOW_RAM_MAX % 0x200000 == 0,
	       "a hole of whole large pages between low RAM and the ECAM");

/* Fixed places the loader uses below 640 KiB. */
#define GUEST_BOOT_PARAMS 0x00007000ull /* struct boot_params, 4 KiB */
#define GUEST_CMDLINE 0x00008000ull	/* up to 4 KiB */
#define GUEST_BOOT_PGT 0x00009000ull	/* 6 pages: identity map of 4 GiB */
#define GUEST_BOOT_STACK 0x00020000ull	/* top of a stack for flat guests */

/* ACPI PM block and the reset register, as the guest's FADT says. */
#define GUEST_PM_BASE 0x0600
#define GUEST_PM1A_EVT (GUEST_PM_BASE + 0x00) /* 4 bytes: status, enable */
#define GUEST_PM1A_CNT (GUEST_PM_BASE + 0x04) /* 2 bytes */
#define GUEST_PM_TMR (GUEST_PM_BASE + 0x08)   /* 4 bytes, 24-bit timer */
#define GUEST_RESET_PORT 0x0cf9
#define GUEST_SCI_IRQ 9

#endif
