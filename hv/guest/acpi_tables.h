/* The ACPI tables' wire format, as ACPI 6.5 gives it: the common header,
 * the fixed table sizes, the FADT's field offsets and flags, the Generic
 * Address Structure and the MADT's entries.  Byte offsets, not structs:
 * the builder writes byte by byte, little-endian, into a buffer of any
 * alignment.  Named once here for hv/guest/acpi_build.c and the host tests
 * that read its output back.
 */
#ifndef PLINTH_ACPI_TABLES_H
#define PLINTH_ACPI_TABLES_H

/* 5.2.6: the header every table but the RSDP and FACS starts with. */
#define HDR_LEN 36
#define HDR_CHECKSUM 9

#define RSDP_LEN 36
#define RSDP_V1_LEN 20 /* what the first checksum covers */
#define FACS_LEN 64
#define FADT_LEN 276
#define MCFG_LEN (HDR_LEN + 8 + 16)

/* FADT field offsets (5.2.9, Table 5.9). */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT 40
#define FADT_PM_PROFILE 45
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_ACPI_DISABLE 53
#define FADT_PM1A_EVT_BLK 56
#define FADT_PM1B_EVT_BLK 60
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1B_CNT_BLK 68
#define FADT_PM2_CNT_BLK 72
#define FADT_PM_TMR_BLK 76
#define FADT_GPE0_BLK 80
#define FADT_GPE1_BLK 84
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM2_CNT_LEN 90
#define FADT_PM_TMR_LEN 91
#define FADT_GPE0_BLK_LEN 92
#define FADT_GPE1_BLK_LEN 93
#define FADT_P_LVL2_LAT 96
#define FADT_P_LVL3_LAT 98
#define FADT_CENTURY 108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_VERSION 131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1B_EVT_BLK 160
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK 208
#define FADT_X_GPE0_BLK 220
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_SLEEP_STATUS_REG 256

/* Preferred_PM_Profile (Table 5.9): 0 = Unspecified. */
#define PM_PROFILE_UNSPECIFIED 0

/* Fixed feature flags (5.2.9, Table 5.10). */
#define FADT_F_WBINVD (1u << 0) /* WBINVD flushes all caches */
#define FADT_F_WBINVD_FLUSH (1u << 1)
#define FADT_F_PROC_C1 (1u << 2) /* C1 (HLT) works on every CPU */
#define FADT_F_P_LVL2_UP (1u << 3)
#define FADT_F_PWR_BUTTON (1u << 4)
#define FADT_F_SLP_BUTTON (1u << 5)	/* no sleep button at all */
#define FADT_F_TMR_VAL_EXT (1u << 8)	/* 32-bit PM timer */
#define FADT_F_RESET_REG_SUP (1u << 10) /* RESET_REG/RESET_VALUE valid */
#define FADT_F_HW_REDUCED_ACPI (1u << 20)

/* IA-PC boot architecture flags (5.2.9.3, Table 5.11). */
#define IAPC_LEGACY_DEVICES (1u << 0) /* ISA devices: COM1, RTC, PIT */
#define IAPC_8042 (1u << 1)	      /* ports 0x60/0x64 may be probed */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_MSI_NOT_SUPPORTED (1u << 3)

/* Generic Address Structure (5.2.3.2, Table 5.1). */
#define GAS_LEN 12
#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_WORD 2
#define GAS_ACCESS_DWORD 3

/* MADT (5.2.12). */
#define MADT_PCAT_COMPAT (1u << 0) /* 8259s present (Table 5.20) */
#define MADT_LAPIC 0		   /* 5.2.12.2 */
#define MADT_LAPIC_LEN 8
#define MADT_LAPIC_ENABLED (1u << 0)
#define MADT_IOAPIC 1 /* 5.2.12.3 */
#define MADT_IOAPIC_LEN 12
#define MADT_ISO 2 /* 5.2.12.5 */
#define MADT_ISO_LEN 10
#define MADT_LAPIC_NMI 4 /* 5.2.12.7 */
#define MADT_LAPIC_NMI_LEN 6
/* MPS INTI flags (Table 5.26): polarity in bits 1:0, trigger in 3:2. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_EDGE (0x1 << 2)
#define INTI_LEVEL (0x3 << 2)
#define ISA_BUS 0

#endif
