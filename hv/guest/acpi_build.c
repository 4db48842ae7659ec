/* Builds the guest's ACPI tables (ACPI 6.5 unless another spec is named).
 *
 * Layout in the buffer, each table at the next free guest-physical address
 * with the alignment shown (padding is zeroed):
 *
 *   RSDP   36 bytes, 16-byte aligned    5.2.5.1: scanned on 16-byte bounds
 *   FACS   64 bytes, 64-byte aligned    5.2.10
 *   XSDT   36 + 8 per entry, 8-aligned  5.2.8   FADT, MADT[, MCFG]
 *   RSDT   36 + 4 per entry, 8-aligned  5.2.7   the same entries
 *   FADT   276 bytes (revision 6.5)     5.2.9
 *   MADT   44 + entries                 5.2.12
 *   MCFG   60 bytes, if have_ecam       PCI Firmware Spec 3.2, 4.1.2
 *   DSDT   36 + AML, last: the only table whose size is not fixed
 *
 * Every table is allocated first and filled afterwards, so pointers between
 * them (FADT -> FACS/DSDT, XSDT -> FADT...) are known when written; the
 * checksums are computed last.  All multi-byte fields are written byte by
 * byte, little-endian, so neither the host's byte order nor the buffer's
 * alignment matters.
 *
 * The tables' field offsets are in hv/guest/acpi_tables.h; the buffer and
 * the AML writer the DSDT is emitted with in hv/guest/aml.c.
 */
#include "hv/guest/acpi_build.h"

#include <string.h>

#include "hv/base/byteorder.h"
#include "hv/guest/acpi_tables.h"
#include "hv/guest/aml.h"
#include "hv/guest/layout.h"
#include "hv/platform/ioapic.h"

/* Every address we write into a 32-bit field must fit. */
_Static_assert(GUEST_PCI_MMIO_END <= GUEST_4G,
	       "PCI window must fit a DWord descriptor");
_Static_assert(GUEST_PCI_MMIO_BASE < GUEST_PCI_MMIO_END, "PCI window is empty");
_Static_assert(GUEST_ECAM_SIZE == 256ull << 20,
	       "ECAM must cover exactly buses 0-255");
_Static_assert(GUEST_ECAM_BASE + GUEST_ECAM_SIZE <= GUEST_4G,
	       "ECAM must lie below 4 GiB");
_Static_assert(GUEST_LAPIC_BASE < GUEST_4G && GUEST_IOAPIC_BASE < GUEST_4G,
	       "APIC bases are 32-bit fields in the MADT");
_Static_assert(GUEST_PM_TMR + 4 <= 0x10000 && GUEST_RESET_PORT <= 0xffff,
	       "PM block and reset register are I/O ports");
_Static_assert(ACPI_PCI_INTX_GSI_BASE + 4 <= IOAPIC_PINS,
	       "PCI INTx GSIs must be I/O APIC pins");
_Static_assert(ACPI_PCI_INTX_GSI_BASE > 15,
	       "PCI INTx GSIs must not share the ISA IRQs' pins");

/* 5.2.6: the header's identification of its maker. */
#define OEM_ID "PLINTH"		/* 6 bytes */
#define OEM_TABLE_ID "PLINTHVM" /* 8 bytes */
#define OEM_REVISION 1
#define CREATOR_ID "PLTH" /* 4 bytes */
#define CREATOR_REVISION 1

/* Table revisions: the values ACPI 6.5 defines for each table. */
#define RSDP_REVISION 2 /* 5.2.5.3: has XsdtAddress */
#define RSDT_REVISION 1
#define XSDT_REVISION 1
#define FADT_REVISION 6	      /* major 6 ... */
#define FADT_MINOR_REVISION 5 /* ... minor 5: ACPI 6.5 */
#define DSDT_REVISION 2	      /* 5.2.11.1: >= 2: 64-bit AML integers */
#define MADT_REVISION 6
#define MCFG_REVISION 1
#define FACS_VERSION 2 /* 5.2.10, Table 5.14 */

/* RTC CMOS index of the century byte (the FADT's CENTURY field). */
#define RTC_CENTURY_INDEX 0x32

/* Latencies above 100 and 1000 us mean "no C2" and "no C3" (Table 5.9). */
#define P_LVL_LAT_NONE 0x0fff

/* 4.8.3.6: writing 0x06 to 0xCF9 (bits 1 and 2: hard reset, start) resets
 * the machine; the hypervisor's port handler restarts the guest. */
#define RESET_VALUE 0x06

/* The hypervisor powers off on SLP_EN with SLP_TYP 5 (hv/platform/pm.c). */
#define SLP_TYP_S5 5

/* Makes the bytes of p[0..len) sum to 0 mod 256 through p[at]. */
static void set_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

/* 5.2.6, Table 5.4: the header; the checksum is set once the table is
 * complete. */
static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);		    /* Signature */
	put_le32(t + 4, len);		    /* Length, header included */
	t[8] = rev;			    /* Revision */
	t[HDR_CHECKSUM] = 0;		    /* Checksum */
	memcpy(t + 10, OEM_ID, 6);	    /* OEMID */
	memcpy(t + 16, OEM_TABLE_ID, 8);    /* OEM Table ID */
	put_le32(t + 24, OEM_REVISION);	    /* OEM Revision */
	memcpy(t + 28, CREATOR_ID, 4);	    /* Creator ID */
	put_le32(t + 32, CREATOR_REVISION); /* Creator Revision */
}

/* 5.2.3.2, Table 5.1: Generic Address Structure. */
static void put_gas(uint8_t *p, uint8_t space, uint8_t bit_width,
		    uint8_t access, uint64_t addr)
{
	p[0] = space;	       /* Address Space ID */
	p[1] = bit_width;      /* Register Bit Width */
	p[2] = 0;	       /* Register Bit Offset */
	p[3] = access;	       /* Access Size */
	put_le64(p + 4, addr); /* Address */
}

/* 5.2.5.3, Table 5.3.  Both an RSDT and an XSDT: Linux (ACPICA) uses the
 * XSDT of a revision 2 RSDP, but falls back to the RSDT when booted with
 * acpi=rsdt or when the XSDT looks broken, and ACPI 1.0 readers only know
 * the RSDT; the 48 bytes it costs buy that compatibility. */
static void build_rsdp(uint8_t *p, uint64_t rsdt, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);	  /* Signature, blank included */
	memcpy(p + 9, OEM_ID, 6);	  /* OEMID */
	p[15] = RSDP_REVISION;		  /* Revision */
	put_le32(p + 16, (uint32_t)rsdt); /* RsdtAddress */
	put_le32(p + 20, RSDP_LEN);	  /* Length */
	put_le64(p + 24, xsdt);		  /* XsdtAddress */
	/* Checksum (byte 8) covers the ACPI 1.0 part, bytes 0-19; Extended
	 * Checksum (byte 32) covers all 36 bytes, so it goes second. */
	set_checksum(p, RSDP_V1_LEN, 8);
	set_checksum(p, RSDP_LEN, 32);
}

/* 5.2.8 / 5.2.7: XSDT with 64-bit entries, RSDT with 32-bit ones. */
static void build_sdt(uint8_t *t, const char *sig, uint8_t rev,
		      const uint64_t *addr, unsigned n, unsigned width)
{
	uint32_t len = HDR_LEN + width * n;

	put_header(t, sig, len, rev);
	for (unsigned i = 0; i < n; i++) {
		if (width == 8)
			put_le64(t + HDR_LEN + 8 * i, addr[i]);
		else
			put_le32(t + HDR_LEN + 4 * i, (uint32_t)addr[i]);
	}
	set_checksum(t, len, HDR_CHECKSUM);
}

/* 5.2.10, Table 5.14.  Hardware signature 0: the "hardware" never changes
 * across a resume (there is no S4 resume anyway).  No S4BIOS, no 64-bit
 * wake vector, global lock free. */
static void build_facs(uint8_t *p)
{
	memcpy(p, "FACS", 4);	   /* Signature */
	put_le32(p + 4, FACS_LEN); /* Length */
	put_le32(p + 8, 0);	   /* Hardware Signature */
	put_le32(p + 12, 0);	   /* Firmware Waking Vector */
	put_le32(p + 16, 0);	   /* Global Lock */
	put_le32(p + 20, 0);	   /* Flags */
	put_le64(p + 24, 0);	   /* X_Firmware_Waking_Vector */
	p[32] = FACS_VERSION;	   /* Version; bytes 33-63 reserved, zero */
}

/* 5.2.9, Table 5.9: a full (not HW_REDUCED) PC with the PM block of
 * guest_layout.h.  Fields not set here are zero: no PM1b, PM2 or GPE
 * blocks, no P_BLK throttling, no day/month RTC alarm, no ARM flags, no
 * sleep control/status registers (those are for HW_REDUCED only). */
static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	put_header(t, "FACP", FADT_LEN, FADT_REVISION);

	/* Both the 32-bit and the X_ pointers: the tables are below 4 GiB,
	 * the values agree, and ACPI 6.5 says OSPM ignores the 32-bit one
	 * when the X_ one is usable.  (Linux installs the FACS from each,
	 * so its boot log lists the FACS twice: harmless.) */
	put_le32(t + FADT_FIRMWARE_CTRL, (uint32_t)facs);
	put_le32(t + FADT_DSDT, (uint32_t)dsdt);
	put_le64(t + FADT_X_FIRMWARE_CTRL, facs);
	put_le64(t + FADT_X_DSDT, dsdt);

	/* Unspecified: a VM is no desktop, laptop or server.  Linux 6.1
	 * treats 0 and 1 alike (only the server profiles change cpufreq
	 * defaults), and newer amd-pstate leaves "unspecified" machines
	 * alone, which is right for a guest without CPPC. */
	t[FADT_PM_PROFILE] = PM_PROFILE_UNSPECIFIED;

	/* ISA IRQ 9; the MADT overrides it to GSI 9, level, active high. */
	put_le16(t + FADT_SCI_INT, GUEST_SCI_IRQ);

	/* SMI_CMD 0 with ACPI_ENABLE/ACPI_DISABLE 0: there is no SMM and the
	 * machine is always in ACPI mode (SCI_EN reads 1, hv/platform/pm.c),
	 * so the OS skips the SMI handshake (ACPICA: no SMI_CMD = ACPI
	 * mode). */
	put_le32(t + FADT_SMI_CMD, 0);

	/* 4.8.3: the fixed hardware register blocks, 32-bit port form. */
	put_le32(t + FADT_PM1A_EVT_BLK, GUEST_PM1A_EVT);
	put_le32(t + FADT_PM1A_CNT_BLK, GUEST_PM1A_CNT);
	put_le32(t + FADT_PM_TMR_BLK, GUEST_PM_TMR);
	t[FADT_PM1_EVT_LEN] = 4; /* PM1 status + enable, 16 bits each */
	t[FADT_PM1_CNT_LEN] = 2;
	t[FADT_PM_TMR_LEN] = 4;

	put_le16(t + FADT_P_LVL2_LAT, P_LVL_LAT_NONE);
	put_le16(t + FADT_P_LVL3_LAT, P_LVL_LAT_NONE);

	t[FADT_CENTURY] = RTC_CENTURY_INDEX;

	/* VGA Not Present (bit 2) and MSI Not Supported (bit 3) stay clear:
	 * VGA probing is harmless and PCI MSI works. */
	put_le16(t + FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_8042);

	/* TMR_VAL_EXT stays clear: the PM timer is 24 bits (4.8.3.3). */
	put_le32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1
					 | FADT_F_SLP_BUTTON
					 | FADT_F_RESET_REG_SUP);

	/* 4.8.3.6: the reset register is one byte wide, bit offset 0. */
	put_gas(t + FADT_RESET_REG, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE,
		GUEST_RESET_PORT);
	t[FADT_RESET_VALUE] = RESET_VALUE;

	t[FADT_MINOR_VERSION] = FADT_MINOR_REVISION;

	/* The X_ forms of the same blocks; bit widths are 8 x the lengths
	 * above, as ACPICA checks.  PM1 registers are 16-bit (word access),
	 * the timer 32-bit. */
	put_gas(t + FADT_X_PM1A_EVT_BLK, GAS_SYSTEM_IO, 32, GAS_ACCESS_WORD,
		GUEST_PM1A_EVT);
	put_gas(t + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, GAS_ACCESS_WORD,
		GUEST_PM1A_CNT);
	put_gas(t + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, 32, GAS_ACCESS_DWORD,
		GUEST_PM_TMR);

	set_checksum(t, FADT_LEN, HDR_CHECKSUM);
}

static size_t madt_len(unsigned ncpus)
{
	return HDR_LEN + 8 + MADT_LAPIC_LEN * ncpus + MADT_IOAPIC_LEN
	       + 2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

/* 5.2.12.5: ISA IRQ `irq` arrives on GSI `gsi` with the given flags. */
static uint8_t *put_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = MADT_ISO;	/* Type */
	p[1] = MADT_ISO_LEN;	/* Length */
	p[2] = ISA_BUS;		/* Bus: 0 = ISA */
	p[3] = irq;		/* Source: the ISA IRQ */
	put_le32(p + 4, gsi);	/* Global System Interrupt */
	put_le16(p + 8, flags); /* MPS INTI Flags */
	return p + MADT_ISO_LEN;
}

/* 5.2.12: local APICs first (CPU 0, the BSP, leading), then the I/O APIC,
 * the overrides and the LINT1 NMI. */
static void build_madt(uint8_t *t, unsigned ncpus)
{
	uint32_t len = (uint32_t)madt_len(ncpus);
	uint8_t *p = t + HDR_LEN + 8;

	put_header(t, "APIC", len, MADT_REVISION);
	/* Local Interrupt Controller Address, then Flags */
	put_le32(t + HDR_LEN, (uint32_t)GUEST_LAPIC_BASE);
	put_le32(t + HDR_LEN + 4, MADT_PCAT_COMPAT);

	/* 5.2.12.2: one enabled Processor Local APIC per CPU; the ACPI
	 * processor UID equals the APIC id. */
	for (unsigned i = 0; i < ncpus; i++, p += MADT_LAPIC_LEN) {
		p[0] = MADT_LAPIC;		     /* Type */
		p[1] = MADT_LAPIC_LEN;		     /* Length */
		p[2] = (uint8_t)i;		     /* ACPI Processor UID */
		p[3] = (uint8_t)i;		     /* APIC ID */
		put_le32(p + 4, MADT_LAPIC_ENABLED); /* Flags: Enabled */
	}

	/* 5.2.12.3: the I/O APIC, id after the CPUs', GSIs from 0. */
	p[0] = MADT_IOAPIC;			      /* Type */
	p[1] = MADT_IOAPIC_LEN;			      /* Length */
	p[2] = (uint8_t)ncpus;			      /* I/O APIC ID */
	p[3] = 0;				      /* Reserved */
	put_le32(p + 4, (uint32_t)GUEST_IOAPIC_BASE); /* I/O APIC Address */
	put_le32(p + 8, 0);			      /* GSI Base */
	p += MADT_IOAPIC_LEN;

	/* The PIT's IRQ 0 is wired to pin 2, as on every PC since the
	 * IOAPIC's pin 0 went to the 8259's INTR: edge, active high. */
	p = put_iso(p, 0, 2, INTI_EDGE | INTI_ACTIVE_HIGH);
	/* The SCI stays on pin 9, level-triggered but active high (0x000D):
	 * the hypervisor drives the line high while an SCI is pending. */
	p = put_iso(p, GUEST_SCI_IRQ, GUEST_SCI_IRQ,
		    INTI_LEVEL | INTI_ACTIVE_HIGH);

	/* 5.2.12.7: NMI on LINT1 of every processor, flags "conforms". */
	p[0] = MADT_LAPIC_NMI;	   /* Type */
	p[1] = MADT_LAPIC_NMI_LEN; /* Length */
	p[2] = 0xff;		   /* ACPI Processor UID: all */
	put_le16(p + 3, 0);	   /* MPS INTI Flags */
	p[5] = 1;		   /* Local APIC LINT# */

	set_checksum(t, len, HDR_CHECKSUM);
}

/* PCI Firmware Specification 3.2, 4.1.2: one ECAM allocation, segment 0,
 * buses 0-255. */
static void build_mcfg(uint8_t *t)
{
	uint8_t *a = t + HDR_LEN + 8; /* after 8 reserved bytes */

	put_header(t, "MCFG", MCFG_LEN, MCFG_REVISION);
	put_le64(a, GUEST_ECAM_BASE); /* Base Address */
	put_le16(a + 8, 0);	      /* PCI Segment Group Number */
	a[10] = 0;		      /* Start Bus Number */
	a[11] = 255;		      /* End Bus Number */
	put_le32(a + 12, 0);	      /* Reserved */
	set_checksum(t, MCFG_LEN, HDR_CHECKSUM);
}

/* ---- The DSDT's AML (chapter 20), written with hv/guest/aml.h ---------- */

/* PCI slots 1..31 on bus 0 get _PRT entries (slot 0 is the host bridge),
 * four pins each: 124 entries, so the outer NumElements fits the
 * PackageOp's ByteData (20.2.5.4) and no VarPackageOp is needed. */
#define PRT_FIRST_SLOT 1
#define PRT_LAST_SLOT 31
#define PRT_PINS 4
#define PRT_ENTRIES ((PRT_LAST_SLOT - PRT_FIRST_SLOT + 1) * PRT_PINS)
_Static_assert(PRT_ENTRIES <= 0xff, "_PRT NumElements is one byte");

/* Name (_PRT, Package () {...}): 6.2.13, the PCI Routing Table of bus 0.
 * One Package (4) { Address, Pin, Source, SourceIndex } per slot and
 * INTx pin: Address is the device in the high word with 0xFFFF ("any
 * function") in the low word; Pin 0..3 is INTA..INTD; Source Zero (an
 * Integer, not a name) says the interrupt is not from a link device,
 * so SourceIndex is the GSI the pin drives: ACPI_PCI_INTX_GSI(). */
static void aml_name_prt(struct acpi_out *o)
{
	size_t prt, ent;

	aml_name(o, "_PRT");
	aml_emit1(o, AML_PACKAGE_OP); /* PackageOp */
	prt = aml_pkg_begin(o);
	aml_emit1(o, PRT_ENTRIES); /* NumElements */
	for (unsigned slot = PRT_FIRST_SLOT; slot <= PRT_LAST_SLOT; slot++) {
		for (unsigned pin = 0; pin < PRT_PINS; pin++) {
			uint8_t addr[5] = { AML_DWORD_PREFIX };

			aml_emit1(o, AML_PACKAGE_OP); /* PackageOp */
			ent = aml_pkg_begin(o);
			aml_emit1(o, 4); /* NumElements */
			put_le32(addr + 1, (uint32_t)slot << 16 | 0xffff);
			aml_emit(o, addr, sizeof(addr)); /* Address */
			aml_byte_int(o, (uint8_t)pin);	 /* Pin */
			aml_emit1(o, AML_ZERO_OP);	 /* Source */
			aml_emit1(o, AML_BYTE_PREFIX);	 /* SourceIndex */
			aml_emit1(o, (uint8_t)ACPI_PCI_INTX_GSI(slot, pin));
			aml_pkg_end(o, ent);
		}
	}
	aml_pkg_end(o, prt);
}

/* Device (PCI0): the PCIe root bridge over ECAM bus 0 (6.1.5 _HID, 6.1.2
 * _CID, 6.1.12 _UID, 6.5.6 _SEG, 6.5.5 _BBN, 6.2.2 _CRS, 6.2.13 _PRT).
 * Its _CRS gives what it decodes: buses 0-255, all I/O ports but the
 * config ports 0xCF8-0xCFF, and the 32-bit BAR window below the IOAPIC;
 * its _PRT how bus 0's INTx pins reach the I/O APIC. */
static void aml_pci0(struct acpi_out *o)
{
	struct aml_restmpl crs = { .n = 0 };
	size_t dev = aml_device_begin(o, "PCI0");

	/* A PCI Express root bridge, compatible with a PCI one. */
	aml_name_eisaid(o, "_HID", "PNP0A08");
	aml_name_eisaid(o, "_CID", "PNP0A03");
	aml_name_zero(o, "_UID");
	aml_name_zero(o, "_SEG");
	aml_name_zero(o, "_BBN");

	aml_res_word(&crs, RES_TYPE_BUS, 0, 0x00, 0xff);
	aml_res_word(&crs, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0000, 0x0cf7);
	aml_res_word(&crs, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0d00, 0xffff);
	aml_res_dword_mem(&crs, (uint32_t)GUEST_PCI_MMIO_BASE,
			  (uint32_t)(GUEST_PCI_MMIO_END - 1));
	aml_name_restmpl(o, "_CRS", &crs);
	aml_name_prt(o);

	aml_pkg_end(o, dev);
}

/* Device (MRES): a motherboard resource (PNP0C02) that reserves the ECAM
 * window.  The PCI Firmware Spec (4.1.2) asks for it, and Linux 6.1 needs
 * it unless 0xCF8 config access works: its early MCFG check trusts the
 * E820 reservation only after a type 1 probe found a host bridge;
 * failing that, pci_mmcfg_late_init() keeps MMCONFIG only if a
 * PNP0C01/PNP0C02 _CRS covers the window. */
static void aml_mres(struct acpi_out *o)
{
	struct aml_restmpl crs = { .n = 0 };
	size_t dev = aml_device_begin(o, "MRES");

	aml_name_eisaid(o, "_HID", "PNP0C02");
	aml_name_zero(o, "_UID");
	aml_res_mem32_fixed(&crs, (uint32_t)GUEST_ECAM_BASE,
			    (uint32_t)GUEST_ECAM_SIZE);
	aml_name_restmpl(o, "_CRS", &crs);
	aml_pkg_end(o, dev);
}

/* The DSDT's definition block:
 *
 *   Name (\_S5, Package (4) {5, 5, 0, 0})
 *   Scope (\_SB) {
 *       Device (PCI0) {...}
 *       Device (MRES) {...}	(have_ecam only)
 *   }
 */
static void aml_dsdt_body(struct acpi_out *o, const struct acpi_build_cfg *cfg)
{
	static const uint8_t sb[5] = { AML_ROOT_CHAR, '_', 'S', 'B', '_' };
	size_t pkg;

	/* 7.4.2: \_S5 (soft off).  SLP_TYPa and SLP_TYPb are 5, what the
	 * hypervisor takes as power-off with SLP_EN; two reserved zeros. */
	aml_name(o, "_S5_");
	aml_emit1(o, AML_PACKAGE_OP); /* PackageOp */
	pkg = aml_pkg_begin(o);
	aml_emit1(o, 4);	       /* NumElements */
	aml_emit1(o, AML_BYTE_PREFIX); /* SLP_TYPa */
	aml_emit1(o, SLP_TYP_S5);
	aml_emit1(o, AML_BYTE_PREFIX); /* SLP_TYPb */
	aml_emit1(o, SLP_TYP_S5);
	aml_emit1(o, AML_ZERO_OP); /* reserved */
	aml_emit1(o, AML_ZERO_OP); /* reserved */
	aml_pkg_end(o, pkg);

	aml_emit1(o, AML_SCOPE_OP); /* ScopeOp */
	pkg = aml_pkg_begin(o);
	aml_emit(o, sb, sizeof(sb)); /* NameString \_SB_ */
	aml_pci0(o);
	if (cfg->have_ecam)
		aml_mres(o);
	aml_pkg_end(o, pkg);
}

/* 5.2.11.1: the DSDT, header then AML. */
static void build_dsdt(struct acpi_out *o, const struct acpi_build_cfg *cfg,
		       size_t *off)
{
	uint8_t *t = acpi_take(o, HDR_LEN, 8, off);
	uint32_t len;

	if (!t)
		return;
	aml_dsdt_body(o, cfg);
	if (o->full || o->used - *off > UINT32_MAX) {
		o->full = true;
		return;
	}
	len = (uint32_t)(o->used - *off);
	put_header(t, "DSDT", len, DSDT_REVISION);
	set_checksum(t, len, HDR_CHECKSUM);
}

size_t acpi_build(uint8_t *buf, size_t buflen, uint64_t base,
		  const struct acpi_build_cfg *cfg, size_t *rsdp_off)
{
	struct acpi_out o = { .buf = buf, .len = buflen, .base = base };
	size_t rsdp = 0, facs = 0, xsdt = 0, rsdt = 0, fadt = 0, madt = 0;
	size_t mcfg = 0, dsdt = 0;
	unsigned n = 0;
	uint64_t entry[3];

	if (!buf || !cfg || !rsdp_off || cfg->ncpus == 0
	    || cfg->ncpus > ACPI_BUILD_MAX_CPUS || base >= GUEST_4G)
		return 0;

	/* Allocate everything; nothing but zeroes is written yet, except
	 * the DSDT, which is complete once allocated. */
	acpi_take(&o, RSDP_LEN, 16, &rsdp);
	acpi_take(&o, FACS_LEN, 64, &facs);
	n = cfg->have_ecam ? 3 : 2;
	acpi_take(&o, HDR_LEN + 8 * n, 8, &xsdt);
	acpi_take(&o, HDR_LEN + 4 * n, 8, &rsdt);
	acpi_take(&o, FADT_LEN, 8, &fadt);
	acpi_take(&o, madt_len(cfg->ncpus), 8, &madt);
	if (cfg->have_ecam)
		acpi_take(&o, MCFG_LEN, 8, &mcfg);
	build_dsdt(&o, cfg, &dsdt);
	if (o.full || o.used > GUEST_4G - base)
		return 0;

	build_facs(buf + facs);
	build_fadt(buf + fadt, base + facs, base + dsdt);
	build_madt(buf + madt, cfg->ncpus);
	entry[0] = base + fadt;
	entry[1] = base + madt;
	if (cfg->have_ecam) {
		build_mcfg(buf + mcfg);
		entry[2] = base + mcfg;
	}
	build_sdt(buf + xsdt, "XSDT", XSDT_REVISION, entry, n, 8);
	build_sdt(buf + rsdt, "RSDT", RSDT_REVISION, entry, n, 4);
	build_rsdp(buf + rsdp, base + rsdt, base + xsdt);

	*rsdp_off = rsdp;
	return o.used;
}
