#include "drivers/acpi.h"

#include <string.h>

#include "hv/base/byteorder.h"

#define HDR_LEN 36
#define MAX_TABLE_LEN (16u << 20)

static uint64_t lim;

static bool readable(uint64_t addr, uint64_t len)
{
	return addr && len && addr + len > addr && addr + len <= lim;
}

static uint8_t sum(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* MCFG (PCI Firmware spec 3.2, 4.1.2): 44-byte header, then 16-byte
 * allocations; Plinth uses segment group 0. */
static void parse_mcfg(const uint8_t *t, uint32_t len, struct acpi_fw *o)
{
	for (uint32_t off = 44; off + 16 <= len; off += 16) {
		const uint8_t *a = t + off;
		uint16_t seg = get_le16(a + 8);

		if (seg == 0 && get_le64(a) && a[10] <= a[11]) {
			o->ecam = get_le64(a);
			o->ecam_bus_lo = a[10];
			o->ecam_bus_hi = a[11];
			return;
		}
	}
}

/* FADT (ACPI 6.5, 5.2.9): PM_TMR_BLK at 76, flags at 112 (TMR_VAL_EXT is
 * bit 8), X_PM_TMR_BLK (a GAS) at 208 when the table is long enough. */
static void parse_fadt(const uint8_t *t, uint32_t len, struct acpi_fw *o)
{
	uint32_t port = len >= 80 ? get_le32(t + 76) : 0;

	if (len >= 220 && t[208] == 1 /* system I/O space */
	    && get_le64(t + 212) && get_le64(t + 212) <= 0xffff)
		port = (uint32_t)get_le64(t + 212);
	if (port && port <= 0xfffc) {
		o->pm_timer_port = (uint16_t)port;
		o->pm_timer_32bit = len >= 116
				    && (get_le32(t + 112) & (1u << 8));
	}
}

/* MADT entry types (ACPI 6.5, table 5.21) and the flag that matters. */
#define MADT_LAPIC 0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC 9
#define MADT_ENABLED 1u

static void add_cpu(uint32_t apic_id, uint32_t flags, struct acpi_fw *o)
{
	if (!(flags & MADT_ENABLED))
		return;
	for (unsigned i = 0; i < o->ncpus; i++)
		if (o->cpu_apic_id[i] == apic_id)
			return; /* listed twice (xAPIC and x2APIC forms) */
	if (o->ncpus == ACPI_MAX_CPUS) {
		o->cpus_over++;
		return;
	}
	o->cpu_apic_id[o->ncpus++] = apic_id;
}

/* MADT (5.2.12): the LAPIC address at 36, then entries of type and length
 * from 44; each entry is checked against its type's size and the table's
 * end before a field of it is read. */
static void parse_madt(const uint8_t *t, uint32_t len, struct acpi_fw *o)
{
	if (len < 44)
		return;
	o->lapic_base = get_le32(t + 36);
	for (uint32_t off = 44; off + 2 <= len;) {
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];

		if (elen < 2 || elen > len - off) {
			o->madt_bad++;
			return; /* the rest cannot be found */
		}
		if (type == MADT_LAPIC && elen >= 8)
			add_cpu(e[3], get_le32(e + 4), o);
		else if (type == MADT_X2APIC && elen >= 16)
			add_cpu(get_le32(e + 4), get_le32(e + 8), o);
		else if (type == MADT_LAPIC_OVERRIDE && elen >= 12)
			o->lapic_base = get_le64(e + 4);
		else if (type == MADT_LAPIC || type == MADT_X2APIC
			 || type == MADT_LAPIC_OVERRIDE)
			o->madt_bad++;
		off += elen;
	}
}

static void add_table(uint64_t addr, struct acpi_fw *o)
{
	if (!readable(addr, HDR_LEN)) {
		o->dropped++;
		return;
	}
	const uint8_t *t = (const uint8_t *)addr;
	uint32_t len = get_le32(t + 4);

	if (len < HDR_LEN || len > MAX_TABLE_LEN || !readable(addr, len)
	    || o->ntables == ACPI_MAX_TABLES) {
		o->dropped++;
		return;
	}
	struct acpi_table_ref *r = &o->t[o->ntables++];

	memcpy(r->sig, t, 4);
	for (int i = 0; i < 4; i++)
		if (r->sig[i] < 0x20 || r->sig[i] > 0x7e)
			r->sig[i] = '?';
	r->sig[4] = '\0';
	r->addr = addr;
	r->len = len;
	r->checksum_ok = sum(t, len) == 0;
	if (!r->checksum_ok)
		return; /* listed, but not believed */
	if (!memcmp(r->sig, "MCFG", 4))
		parse_mcfg(t, len, o);
	else if (!memcmp(r->sig, "FACP", 4))
		parse_fadt(t, len, o);
	else if (!memcmp(r->sig, "APIC", 4))
		parse_madt(t, len, o);
}

void acpi_fw_scan(uint64_t rsdp, uint64_t limit, struct acpi_fw *o)
{
	memset(o, 0, sizeof(*o));
	lim = limit;
	o->rsdp = rsdp;
	if (!rsdp) {
		o->error = "the firmware published no RSDP";
		return;
	}
	if (!readable(rsdp, 20)) {
		o->error = "RSDP address out of range";
		return;
	}
	const uint8_t *r = (const uint8_t *)rsdp;

	if (memcmp(r, "RSD PTR ", 8) || sum(r, 20)) {
		o->error = "RSDP signature or checksum wrong";
		return;
	}
	o->revision = r[15];
	memcpy(o->oem, r + 9, 6);
	uint64_t sdt = get_le32(r + 16);
	unsigned entry = 4;

	/* ACPI 2.0+: prefer the XSDT when its extended checksum holds. */
	if (o->revision >= 2 && readable(rsdp, 36) && get_le32(r + 20) >= 36
	    && sum(r, 36) == 0 && get_le64(r + 24)) {
		sdt = get_le64(r + 24);
		entry = 8;
	}
	if (!readable(sdt, HDR_LEN)) {
		o->error = "RSDT/XSDT address out of range";
		return;
	}
	const uint8_t *h = (const uint8_t *)sdt;
	uint32_t len = get_le32(h + 4);

	if (memcmp(h, entry == 8 ? "XSDT" : "RSDT", 4) || len < HDR_LEN
	    || len > MAX_TABLE_LEN || !readable(sdt, len) || sum(h, len)) {
		o->error = "RSDT/XSDT signature, length or checksum wrong";
		return;
	}
	for (uint32_t off = HDR_LEN; off + entry <= len; off += entry)
		add_table(entry == 8 ? get_le64(h + off) : get_le32(h + off),
			  o);
}
