/* The set-up of the local APIC tests (tests/unit/test_lapic_*.c); what
 * each helper does is in lapic_fixture.h. */
#include "tests/support/lapic_fixture.h"

#include "hv/platform/apic_bus.h"

uint64_t tsc;
int eoi_calls;
int eoi_vector;

uint64_t fake_now(void)
{
	return tsc;
}

void record_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	eoi_calls++;
	eoi_vector = vector;
}

/* The LAPIC under test is the only one on its bus, APIC ID 0. */
static struct apic_bus bus;

void reset(struct vlapic *a)
{
	tsc = 1000000;
	eoi_calls = 0;
	eoi_vector = -1;
	vlapic_init(a, fake_now);
	a->eoi_level = record_eoi;
	apic_bus_init(&bus);
	apic_bus_add(&bus, a);
}

void fresh(struct vlapic *a)
{
	reset(a);
	vlapic_write(a, SVR, 0x1ff);
}

void fresh_x2(struct vlapic *a)
{
	fresh(a);
	vlapic_set_x2apic(a, true);
}

int bit(struct vlapic *a, uint32_t base, unsigned v)
{
	return (vlapic_read(a, base + (v / 32) * 16) >> (v % 32)) & 1;
}

int irr_empty(struct vlapic *a)
{
	for (uint32_t i = 0; i < 8; i++)
		if (vlapic_read(a, IRR + i * 16))
			return 0;
	return 1;
}
