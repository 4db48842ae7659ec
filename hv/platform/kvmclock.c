#include "hv/platform/kvmclock.h"

#include <string.h>

#include "hv/base/log.h"

#define NS_PER_S 1000000000ull
#define LOG_BAD 4

void kvmclock_scale(uint64_t tsc_hz, int8_t *shift, uint32_t *mul)
{
	*shift = 0;
	*mul = 0;
	if (!tsc_hz)
		return;
	/* ns per tick = mul / 2^32 * 2^shift.  The smallest shift that
	 * keeps mul below 2^32 gives the most significant bits. */
	for (int s = -31; s <= 31; s++) {
		unsigned __int128 m = ((unsigned __int128)NS_PER_S << (32 - s))
				      / tsc_hz;

		if (m < (1ull << 32)) {
			*shift = (int8_t)s;
			*mul = (uint32_t)m;
			return;
		}
	}
}

uint64_t kvmclock_ns(uint64_t ticks, int8_t shift, uint32_t mul)
{
	uint64_t d = shift < 0 ? ticks >> -shift : ticks << shift;

	return (uint64_t)(((unsigned __int128)d * mul) >> 32);
}

void kvmclock_init(struct kvmclock *k, const struct gmem *gm, uint64_t tsc_hz,
		   uint64_t now_tsc, int64_t now_unix)
{
	memset(k, 0, sizeof(*k));
	k->gm = gm;
	k->start_tsc = now_tsc;
	k->start_unix = now_unix;
	kvmclock_scale(tsc_hz, &k->shift, &k->mul);
}

bool kvmclock_msr_read(const struct kvmclock *k, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_KVM_SYSTEM_TIME_NEW)
		*val = k->system_time_msr;
	else if (msr == MSR_KVM_WALL_CLOCK_NEW)
		*val = k->wall_clock_msr;
	else
		return false;
	return true;
}

static bool put(struct kvmclock *k, uint64_t gpa, const void *p, size_t n,
		const char *what)
{
	if (!gmem_write(k->gm, gpa, p, n))
		return true;
	log_limited(k->bad_logged++, LOG_BAD, "",
		    "kvmclock: the guest put its %s at guest-physical 0x%lx, "
		    "which is not RAM: #GP",
		    what, (unsigned long)gpa);
	return false;
}

bool kvmclock_msr_write(struct kvmclock *k, uint32_t msr, uint64_t val,
			uint64_t now_tsc, bool *ok)
{
	*ok = true;
	if (msr == MSR_KVM_SYSTEM_TIME_NEW) {
		/* Bit 0 enables; the rest is the page's address.  The
		 * guest's vCPU is in this exit, so nobody reads the page
		 * while it is written: the version is even at once. */
		if (val & 1) {
			uint64_t since = now_tsc - k->start_tsc;
			struct pvclock_time t = {
				.version = 2,
				.tsc_timestamp = now_tsc,
				.system_time = kvmclock_ns(since, k->shift,
							   k->mul),
				.tsc_to_system_mul = k->mul,
				.tsc_shift = k->shift,
				.flags = PVCLOCK_TSC_STABLE_BIT,
			};

			*ok = put(k, val & ~1ull, &t, sizeof(t), "clock page");
		}
		if (*ok)
			k->system_time_msr = val;
		return true;
	}
	if (msr == MSR_KVM_WALL_CLOCK_NEW) {
		/* The wall time at kvm-clock 0; the guest adds its clock. */
		struct pvclock_wall w = {
			.version = 2,
			.sec = k->start_unix > 0 ? (uint32_t)k->start_unix : 0,
		};

		*ok = put(k, val, &w, sizeof(w), "wall clock");
		if (*ok)
			k->wall_clock_msr = val;
		return true;
	}
	return false;
}
