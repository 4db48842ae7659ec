#include "hv/selftest/selftest.h"

#include "hv/config/config.h"
#include "hv/base/log.h"

/* Deep enough to pass any stack Plinth gives itself; the guard page stops
 * it long before.  The use of the result after the call keeps the
 * compiler from turning the recursion into a loop. */
static int __attribute__((noinline)) overflow(volatile char *prev, int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	frame[511] = prev ? prev[0] : 0;
	if (depth > 1000000)
		return frame[0];
	return overflow(frame, depth + 1) + frame[511];
}

int selftest_run(const struct boot_info *bi)
{
	uint32_t which = bi->cfg.selftest;

	if (which & CFG_SELFTEST_DISK && selftest_disk(bi))
		return -1;
	if (which & CFG_SELFTEST_NET && selftest_net(bi))
		return -1;
	if (which & CFG_SELFTEST_FAULT) {
		log_msg("selftest fault: overflowing the hypervisor stack on "
			"purpose; the guard page must stop it with a report");
		overflow(0, 0);
		log_msg("selftest fault: FAILED: the stack overflowed without "
			"a fault");
		return -1;
	}
	return 0;
}
