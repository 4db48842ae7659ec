#include "tests/support/check.h"
#include "tests/support/log_stub.h"

#include <stdint.h>

#include "hv/platform/kvmclock.h"

static uint8_t ram[0x2000];

static void setup(struct gmem *g, struct kvmclock *k, uint64_t hz)
{
	gmem_init(g);
	CHECK(gmem_add(g, 0x100000, sizeof(ram), ram) == 0);
	memset(ram, 0xee, sizeof(ram));
	logstub_lines = 0;
	kvmclock_init(k, g, hz, 1000000, 1764979200); /* 2025-12-06 */
}

/* What a Linux guest computes from the page (pvclock_clocksource_read):
 * system_time + scale(tsc - tsc_timestamp). */
static uint64_t guest_ns(const struct pvclock_time *t, uint64_t tsc)
{
	return t->system_time + kvmclock_ns(tsc - t->tsc_timestamp,
					    t->tsc_shift, t->tsc_to_system_mul);
}

static void the_scale_turns_a_second_of_ticks_into_a_second(void)
{
	/* Bochs' instruction clock, a QEMU TSC, a fast part, a slow one. */
	static const uint64_t hz[] = { 50000000ull, 2453401000ull,
				       5300000000ull, 1000000ull,
				       3500000000ull, 999999937ull };

	for (unsigned i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		int8_t shift;
		uint32_t mul;

		kvmclock_scale(hz[i], &shift, &mul);
		/* The multiplier carries its most significant bit: the
		 * finest scale that fits. */
		CHECK(mul >= 0x80000000u);
		for (uint64_t s = 1; s <= 100000; s *= 10) {
			uint64_t ns = kvmclock_ns(hz[i] * s, shift, mul);
			uint64_t want = s * 1000000000ull;
			uint64_t err = ns > want ? ns - want : want - ns;

			/* Better than a microsecond per second. */
			if (err > s * 1000) {
				printf("#   %lu Hz, %lu s: %lu ns\n",
				       (unsigned long)hz[i], (unsigned long)s,
				       (unsigned long)ns);
				CHECK(0);
			}
		}
	}
}

static void registration_writes_a_page_the_guest_can_read(void)
{
	struct gmem g;
	struct kvmclock k;
	struct pvclock_time t;
	uint64_t hz = 2000000000ull, val;
	bool ok;

	setup(&g, &k, hz);
	/* Half a second after the guest started. */
	CHECK(kvmclock_msr_write(&k, MSR_KVM_SYSTEM_TIME_NEW, 0x100041,
				 1000000 + hz / 2, &ok));
	CHECK(ok);
	memcpy(&t, ram + 0x40, sizeof(t));
	CHECK(t.version % 2 == 0 && t.version != 0);
	CHECK(t.flags == PVCLOCK_TSC_STABLE_BIT);
	CHECK(t.tsc_timestamp == 1000000 + hz / 2);
	CHECK(t.system_time == 500000000ull);
	/* And a second later the guest's clock says 1.5 s. */
	CHECK(guest_ns(&t, 1000000 + hz / 2 + hz) == 1500000000ull);
	/* Nothing outside the structure was touched. */
	CHECK(ram[0x3f] == 0xee && ram[0x40 + sizeof(t)] == 0xee);
	CHECK(kvmclock_msr_read(&k, MSR_KVM_SYSTEM_TIME_NEW, &val));
	CHECK(val == 0x100041);
	/* The TSC frequency Linux derives (pvclock_tsc_khz) is hz. */
	uint64_t khz = (1000000ull << 32) / t.tsc_to_system_mul;

	khz = t.tsc_shift < 0 ? khz << -t.tsc_shift : khz >> t.tsc_shift;
	CHECK(khz >= hz / 1000 - 1 && khz <= hz / 1000 + 1);
}

static void the_wall_clock_is_the_time_at_the_guests_start(void)
{
	struct gmem g;
	struct kvmclock k;
	struct pvclock_wall w;
	bool ok;

	setup(&g, &k, 1000000000ull);
	CHECK(kvmclock_msr_write(&k, MSR_KVM_WALL_CLOCK_NEW, 0x101000,
				 5000000000ull, &ok));
	CHECK(ok);
	memcpy(&w, ram + 0x1000, sizeof(w));
	CHECK(w.version % 2 == 0 && w.sec == 1764979200u && w.nsec == 0);
	CHECK(ram[0x1000 + sizeof(w)] == 0xee);
}

static void a_page_outside_guest_ram_is_refused(void)
{
	struct gmem g;
	struct kvmclock k;
	uint64_t val;
	bool ok;

	setup(&g, &k, 1000000000ull);
	/* The structure's last byte beyond RAM, no RAM at all, a wrap. */
	static const uint64_t bad[] = { 0x100000 + sizeof(ram) - 16 + 1,
					0x0 | 1, 0xfffffffffffffff1ull };

	for (unsigned i = 0; i < 3; i++) {
		CHECK(kvmclock_msr_write(&k, MSR_KVM_SYSTEM_TIME_NEW, bad[i],
					 2000000, &ok));
		CHECK(!ok);
	}
	CHECK(kvmclock_msr_write(&k, MSR_KVM_WALL_CLOCK_NEW,
				 0x100000 + sizeof(ram) - 11, 2000000, &ok));
	CHECK(!ok);
	for (unsigned i = 0; i < sizeof(ram); i++)
		if (ram[i] != 0xee) {
			CHECK(0);
			break;
		}
	/* The refused value is not what the MSR holds, and the log says
	 * so only a few times. */
	CHECK(kvmclock_msr_read(&k, MSR_KVM_SYSTEM_TIME_NEW, &val) && !val);
	CHECK(logstub_lines > 0 && logstub_lines <= 4);
}

static void disabling_writes_nothing(void)
{
	struct gmem g;
	struct kvmclock k;
	uint64_t val;
	bool ok;

	setup(&g, &k, 1000000000ull);
	/* Bit 0 clear: the clock is off, the address means nothing. */
	CHECK(kvmclock_msr_write(&k, MSR_KVM_SYSTEM_TIME_NEW, 0x100040,
				 2000000, &ok));
	CHECK(ok && ram[0x40] == 0xee);
	CHECK(kvmclock_msr_read(&k, MSR_KVM_SYSTEM_TIME_NEW, &val)
	      && val == 0x100040);
	/* Other MSRs are not the clock's. */
	CHECK(!kvmclock_msr_write(&k, 0x4b564d02, 1, 2000000, &ok));
	CHECK(!kvmclock_msr_read(&k, 0x11, &val));
}

int main(void)
{
	RUN(the_scale_turns_a_second_of_ticks_into_a_second);
	RUN(registration_writes_a_page_the_guest_can_read);
	RUN(the_wall_clock_is_the_time_at_the_guests_start);
	RUN(a_page_outside_guest_ram_is_refused);
	RUN(disabling_writes_nothing);
	return CHECK_DONE();
}
