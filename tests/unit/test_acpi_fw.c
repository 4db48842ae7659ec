/* The firmware's MADT as Plinth reads it (drivers/acpi.c): the enabled
 * processors' APIC IDs, each once, from xAPIC and x2APIC entries, and a
 * table whose entries lie about their length read no further than the
 * table goes.  The well-formed tables come from the guest's own ACPI
 * builder (hv/guest/acpi_build.c); the hostile ones are made here. */
#include "tests/support/check.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "drivers/acpi.h"
#include "hv/guest/acpi_build.h"

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void the_guest_builders_madt_reads_back(void)
{
	/* The builder wants its tables below 4 GiB. */
	uint8_t *buf = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	struct acpi_build_cfg cfg = { .ncpus = 4, .have_ecam = true };
	struct acpi_fw fw;
	size_t rsdp;

	CHECK(buf != MAP_FAILED);
	if (buf == MAP_FAILED
	    || !acpi_build(buf, 0x20000, (uint64_t)(uintptr_t)buf, &cfg,
			   &rsdp)) {
		CHECK(0);
		return;
	}
	acpi_fw_scan((uint64_t)(uintptr_t)buf + rsdp, UINT64_MAX, &fw);
	CHECK(fw.error == NULL);
	CHECK(fw.ncpus == 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK(fw.cpu_apic_id[i] == i);
	CHECK(fw.lapic_base == 0xfee00000u);
	CHECK(fw.madt_bad == 0);
	munmap(buf, 0x20000);
}

/* RSDP (revision 2) -> XSDT -> one MADT whose entries follow `e` (n
 * bytes), all in `buf`; returns the RSDP's address. */
static uint64_t wrap(uint8_t *buf, const uint8_t *e, uint32_t n)
{
	uint8_t *r = buf, *x = buf + 64, *m = buf + 128;
	uint32_t mlen = 44 + n;

	memset(buf, 0, 128 + mlen);
	memcpy(m, "APIC", 4);
	put32(m + 4, mlen);
	m[8] = 5;
	put32(m + 36, 0xfee00000u);
	memcpy(m + 44, e, n);
	m[9] = (uint8_t)-sum8(m, mlen);
	memcpy(x, "XSDT", 4);
	put32(x + 4, 44);
	put64(x + 36, (uint64_t)(uintptr_t)m);
	x[9] = (uint8_t)-sum8(x, 44);
	memcpy(r, "RSD PTR ", 8);
	r[15] = 2;
	put32(r + 20, 36);
	put64(r + 24, (uint64_t)(uintptr_t)x);
	r[8] = (uint8_t)-sum8(r, 20);
	r[32] = (uint8_t)-sum8(r, 36);
	return (uint64_t)(uintptr_t)r;
}

static void enabled_cpus_once_each_from_both_entry_kinds(void)
{
	static uint8_t buf[4096];
	/* xAPIC 0 enabled, xAPIC 1 disabled, xAPIC 2 online-capable only,
	 * x2APIC 0 (the same CPU again), x2APIC 300 enabled, an override of
	 * the LAPIC address, an unknown type 0x7f of 6 bytes. */
	static const uint8_t e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,	/* CPU 0 */
		0, 8, 1, 1, 0, 0, 0, 0,	/* disabled */
		0, 8, 2, 2, 2, 0, 0, 0,	/* online capable */
		9, 16, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		9, 16, 0, 0, 0x2c, 1, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0,
		5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 0, 0, 0, 0,
		0x7f, 6, 1, 2, 3, 4,
	};
	struct acpi_fw fw;

	acpi_fw_scan(wrap(buf, e, sizeof(e)), UINT64_MAX, &fw);
	CHECK(fw.error == NULL);
	CHECK(fw.ncpus == 2);
	CHECK(fw.cpu_apic_id[0] == 0 && fw.cpu_apic_id[1] == 300);
	CHECK(fw.lapic_base == 0xfee00000u);
	CHECK(fw.madt_bad == 0);
}

static void entries_that_lie_about_their_length_end_the_walk(void)
{
	static uint8_t buf[4096];
	struct acpi_fw fw;
	/* A zero length would loop for ever; a length past the table would
	 * read beyond it; a LAPIC entry of 4 bytes has no flags to read. */
	static const uint8_t zero[] = { 0, 8, 0, 0, 1, 0, 0, 0, 0, 0 };
	static const uint8_t past[] = { 0, 8, 0, 3, 1, 0, 0, 0, 9, 40, 0, 0 };
	static const uint8_t shortl[] = { 0, 4, 0, 5, 0, 8, 0, 6, 1, 0, 0, 0 };

	acpi_fw_scan(wrap(buf, zero, sizeof(zero)), UINT64_MAX, &fw);
	CHECK(fw.ncpus == 1 && fw.madt_bad == 1);
	acpi_fw_scan(wrap(buf, past, sizeof(past)), UINT64_MAX, &fw);
	CHECK(fw.ncpus == 1 && fw.cpu_apic_id[0] == 3 && fw.madt_bad == 1);
	acpi_fw_scan(wrap(buf, shortl, sizeof(shortl)), UINT64_MAX, &fw);
	CHECK(fw.ncpus == 1 && fw.cpu_apic_id[0] == 6 && fw.madt_bad == 1);
}

static void more_cpus_than_the_list_holds_are_counted(void)
{
	static uint8_t buf[8192];
	static uint8_t e[(ACPI_MAX_CPUS + 3) * 16];
	struct acpi_fw fw;

	for (unsigned i = 0; i < ACPI_MAX_CPUS + 3; i++) {
		uint8_t *p = e + 16 * i;

		p[0] = 9;
		p[1] = 16;
		put32(p + 4, 1000 + i);
		put32(p + 8, 1);
	}
	acpi_fw_scan(wrap(buf, e, sizeof(e)), UINT64_MAX, &fw);
	CHECK(fw.ncpus == ACPI_MAX_CPUS && fw.cpus_over == 3);
	CHECK(fw.cpu_apic_id[ACPI_MAX_CPUS - 1] == 1000 + ACPI_MAX_CPUS - 1);
}

int main(void)
{
	RUN(the_guest_builders_madt_reads_back);
	RUN(enabled_cpus_once_each_from_both_entry_kinds);
	RUN(entries_that_lie_about_their_length_end_the_walk);
	RUN(more_cpus_than_the_list_holds_are_counted);
	return CHECK_DONE();
}
